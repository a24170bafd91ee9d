"""Accounts, audit log, review and locks, target maintenance — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from db.models import AuditEntry, Indicator, Observation, Plan, User
from db.queries import export_targets_rows
from db.session import read_scope, session_scope
from indicators.periods import Period
from indicators.vocabulary import Comparator
from services import accounts, review, targets
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.audit import perform
from services.catalogue import CATALOGUE_DIR, load_catalogues, read_catalogues
from services.observations import FigureInput, record_figure
from services.progress import plan_progress


def indicator_and_unit(session, plan="lingbi", code="LB-PQ-07"):
    indicator = session.scalar(select(Indicator).join(Plan).where(Plan.code == plan, Indicator.code == code))
    return indicator.id, indicator.responsibilities[0].unit_id


def test_first_admin_once_with_random_password_stored_only_as_hash(schema_url):
    with session_scope(schema_url) as session:
        password = accounts.ensure_first_admin(session)
        assert accounts.ensure_first_admin(session) is None
    assert password and len(password) >= 12
    with read_scope(schema_url) as session:
        stored = session.scalar(select(User.password_hash))
        audit_text = " ".join(str(a.detail) + str(a.after) for a in session.scalars(select(AuditEntry)))
    assert password not in stored and stored.startswith("$argon2id$")
    assert password not in audit_text
    actor = accounts.sign_in(schema_url, "admin", password)
    assert actor.role is ActorRole.ADMIN


def test_lockout_after_repeated_failures_with_backoff(schema_url):
    with session_scope(schema_url) as session:
        password = accounts.ensure_first_admin(session)
    start = dt.datetime(2026, 11, 1, 9, 0)
    for attempt in range(accounts.FAILURES_BEFORE_LOCK):
        with pytest.raises(accounts.LoginFailed):
            accounts.sign_in(schema_url, "admin", f"wrong-{attempt}", now=start)
    # locked: even the right password is refused until the lock expires (15 minutes), with the
    # same message as a wrong password (the audit entry says why)
    with pytest.raises(accounts.LoginFailed) as info:
        accounts.sign_in(schema_url, "admin", password, now=start + dt.timedelta(minutes=14))
    assert str(info.value) == accounts.LOGIN_FAILED_MESSAGE
    accounts.sign_in(schema_url, "admin", password, now=start + dt.timedelta(minutes=16))
    with read_scope(schema_url) as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "login", AuditEntry.outcome == "refused")).all()
    assert len(refused) == accounts.FAILURES_BEFORE_LOCK + 1


def test_unknown_name_and_wrong_password_give_the_same_message(schema_url):
    with session_scope(schema_url) as session:
        accounts.ensure_first_admin(session)
    messages = []
    for name in ("nobody", "admin"):
        with pytest.raises(accounts.LoginFailed) as info:
            accounts.sign_in(schema_url, name, "not-the-password")
        messages.append(str(info.value))
    assert messages[0] == messages[1] == accounts.LOGIN_FAILED_MESSAGE


def test_disabled_account_and_password_change(schema_url):
    admin = system_actor()
    with session_scope(schema_url) as session:
        first = accounts.create_user(session, admin, "leader", ActorRole.VIEWER)
    with session_scope(schema_url) as session:
        with pytest.raises(ValueError, match="至少"):
            accounts.change_password(session, "leader", first, "short")
        accounts.change_password(session, "leader", first, "a-much-longer-secret")
    with session_scope(schema_url) as session:
        accounts.set_disabled(session, admin, "leader")
    with pytest.raises(accounts.LoginFailed) as info:
        accounts.sign_in(schema_url, "leader", "a-much-longer-secret")
    assert str(info.value) == accounts.LOGIN_FAILED_MESSAGE
    with read_scope(schema_url) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.actor, entry.outcome) == ("leader", "refused") and "账户已停用" in entry.detail


def test_audit_log_refuses_update_and_delete_in_the_database(schema_url):
    with session_scope(schema_url) as session:
        accounts.ensure_first_admin(session)
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), session_scope(schema_url) as session:
            session.execute(text(statement))
    with read_scope(schema_url) as session:
        assert session.scalar(select(AuditEntry.actor)) == "首次启动"


def test_a_refused_write_is_audited_and_writes_nothing(seeded_url):
    with session_scope(seeded_url) as session:
        indicator_id, unit_id = indicator_and_unit(session)
    intruder = Actor("clerk-b", ActorRole.REPORTER, frozenset({unit_id + 1000}))
    with pytest.raises(PermissionDenied):
        perform(
            seeded_url,
            intruder,
            "record_figure",
            lambda s: record_figure(s, intruder, FigureInput(indicator_id, unit_id, Period(2025, 3), 40)),
        )
    with read_scope(seeded_url) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).one()
        assert (entry.actor, entry.action) == ("clerk-b", "record_figure")
        assert "只能填报本单位" in entry.detail
        assert session.scalar(select(Observation.id)) is None


def test_reporter_figures_wait_for_review_and_locked_quarters_refuse_changes(seeded_url):
    with session_scope(seeded_url) as session:
        indicator_id, unit_id = indicator_and_unit(session)
        clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
        obs = record_figure(session, clerk, FigureInput(indicator_id, unit_id, Period(2025, 3), 40))
        assert obs.review_state == "pending"
        obs_id = obs.id
    with read_scope(seeded_url) as session:
        progress = plan_progress(session, "lingbi", "2025Q3")
        pending_view = plan_progress(session, "lingbi", "2025Q3", include_pending=True)
    code_index = [d.spec.code for d in progress.data].index("LB-PQ-07")
    assert progress.assessments[code_index].current_value is None  # accepted figures only by default
    assert pending_view.assessments[code_index].current_value == 40
    with session_scope(seeded_url) as session:
        with pytest.raises(ValueError, match="意见"):
            review.review_figures(session, system_actor(), [obs_id], accept=False)
        assert review.review_figures(session, system_actor(), [obs_id], accept=True) == 1
        review.lock_period(session, system_actor(), "lingbi", Period(2025, 3))
    with pytest.raises(review.PeriodLocked), session_scope(seeded_url) as session:
        record_figure(session, system_actor(), FigureInput(indicator_id, unit_id, Period(2025, 3), 41))
    with session_scope(seeded_url) as session:
        with pytest.raises(ValueError, match="理由"):
            review.unlock_period(session, system_actor(), "lingbi", Period(2025, 3), reason=" ")
        review.unlock_period(session, system_actor(), "lingbi", Period(2025, 3), reason="统计局更正")
        assert record_figure(session, system_actor(), FigureInput(indicator_id, unit_id, Period(2025, 3), 41))


def test_changed_target_applies_from_its_date_and_survives_catalogue_reload(seeded_url):
    with session_scope(seeded_url) as session:
        with pytest.raises(ValueError, match="理由"):
            targets.change_target(session, system_actor(), "lingbi", "LB-PQ-07", "2027", comparator=Comparator.GE, value=55, reason="")
        targets.change_target(
            session, system_actor(), "lingbi", "LB-PQ-07", "2027",
            comparator=Comparator.GE, value=55, reason="县政府常务会调整", effective_from=dt.date(2026, 1, 1),
        )  # fmt: skip
    with read_scope(seeded_url) as session:
        before = plan_progress(session, "lingbi", "2025Q4")
        after = plan_progress(session, "lingbi", "2026Q1")
    index = [d.spec.code for d in before.data].index("LB-PQ-07")
    assert [t.value for t in before.data[index].spec.targets] == [50]
    assert [t.value for t in after.data[index].spec.targets] == [55]
    with session_scope(seeded_url) as session:
        report = load_catalogues(session, read_catalogues(CATALOGUE_DIR), system_actor())
    assert not report.changed_anything, report.changes
    with read_scope(seeded_url) as session:
        rows = [r for r in export_targets_rows(session, "lingbi") if r["indicator_code"] == "LB-PQ-07"]
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "edit_target")).one()
        detail, before = audit.detail, audit.before
    assert ("55", "yes") in {(r["value"], r["revision_adopted"]) for r in rows}
    # the target in words as the pages write it (it stored the raw comparator "2027年 ge 50 达到50个")
    assert detail == "县政府常务会调整" and before == {"target": "2027年 ≥ 50 个（原文：达到50个）"}


def test_a_pending_correction_does_not_replace_the_accepted_figure(seeded_url):
    with session_scope(seeded_url) as session:
        indicator_id, unit_id = indicator_and_unit(session)
        record_figure(session, system_actor(), FigureInput(indicator_id, unit_id, Period(2025, 4), 40))
        clerk = Actor("clerk", ActorRole.REPORTER, frozenset({unit_id}))
        record_figure(session, clerk, FigureInput(indicator_id, unit_id, Period(2025, 4), 45))
    with read_scope(seeded_url) as session:
        accepted = plan_progress(session, "lingbi", "2025Q4")
        pending = plan_progress(session, "lingbi", "2025Q4", include_pending=True)
    index = [d.spec.code for d in accepted.data].index("LB-PQ-07")
    assert accepted.assessments[index].current_value == 40
    assert pending.assessments[index].current_value == 45


@pytest.mark.parametrize(
    ("name", "display", "message"),
    [
        ("evil\x1b[2Jname", "", "账户名不能含控制字符或换行（\\x1b）"),
        ("a\nb", "", "账户名不能含控制字符或换行（\\x0a）"),
        ("正常\u202e人员", "", "账户名不能含控制字符或换行（\\x202e）"),
        ("x" * 41, "", "账户名过长（41 字），上限 40 字"),
        ("clerk9", "张\x07三", "显示名称不能含控制字符或换行（\\x07）"),
    ],
)
def test_account_names_without_control_characters_or_excess_length(schema_url, name, display, message):
    """``user add $'evil\\x1b[2Jname'`` was accepted and ``user list`` then repainted the terminal."""
    with pytest.raises(ValueError) as refused, session_scope(schema_url) as session:
        accounts.create_user(session, system_actor(), name, ActorRole.VIEWER, display_name=display)
    assert str(refused.value) == message
    with read_scope(schema_url) as session:
        assert session.scalar(select(User).where(User.name == name.strip())) is None
