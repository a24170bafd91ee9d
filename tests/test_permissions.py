"""Permission matrix: every role × write action, driven through the service layer.

The expected table is written by hand from the issue: admins do everything,
reporters record and undo only their own units' figures, viewers write nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Indicator, Plan, Unit
from db.session import session_scope
from indicators.periods import Period
from indicators.vocabulary import Comparator
from services import accounts, review, targets
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.catalogue import CATALOGUE_DIR, load_catalogues, read_catalogues
from services.demo import load_demo
from services.observations import FigureInput, record_figure


def _ids(session):
    indicator = session.scalar(select(Indicator).join(Plan).where(Plan.code == "lingbi", Indicator.code == "LB-PQ-07"))
    own = indicator.responsibilities[0].unit_id
    other = session.scalar(select(Unit.id).where(Unit.jurisdiction == "灵璧县", Unit.id != own))
    return indicator.id, own, other


def act_record_own(session, actor):
    indicator_id, own, _ = _ids(session)
    record_figure(session, actor, FigureInput(indicator_id, own, Period(2025, 3), 41))


def act_record_other(session, actor):
    """Another unit's figure: of an indicator that unit reports (a figure of a unit that reports no
    such indicator is refused to everyone, services.observations.check_figure)."""
    from db.models import Responsibility

    _, own, _ = _ids(session)
    indicator_id, other = session.execute(
        select(Responsibility.indicator_id, Responsibility.unit_id)
        .join(Indicator, Indicator.id == Responsibility.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Plan.code == "lingbi", Responsibility.reports.is_(True), Responsibility.unit_id != own,
               Indicator.measure_kind.not_in(("milestone", "rank")))
        .order_by(Indicator.position)
        .limit(1)
    ).one()  # fmt: skip
    record_figure(session, actor, FigureInput(indicator_id, other, Period(2025, 3), 41))


def act_load_catalogue(session, actor):
    load_catalogues(session, read_catalogues(CATALOGUE_DIR), actor)


def act_demo(session, actor):
    load_demo(session, actor, "lingbi", today=dt.date(2025, 11, 1))


def act_change_target(session, actor):
    targets.change_target(session, actor, "lingbi", "LB-PQ-07", "2027", comparator=Comparator.GE, value=55, reason="县政府常务会调整")


def act_change_units(session, actor):
    _, own, other = _ids(session)
    targets.change_responsibility(session, actor, "lingbi", "LB-PQ-07", [own], [other], reason="职责调整")


def act_decide_revision(session, actor):
    targets.decide_revision(session, actor, "lingbi", "LB-PQ-07", "consult-1", True, reason="县政府常务会采纳")


def act_review(session, actor):
    review.review_figures(session, actor, [1], accept=True)


def act_lock(session, actor):
    review.lock_period(session, actor, "lingbi", Period(2025, 3))


def act_unlock(session, actor):
    review.lock_period(session, system_actor(), "lingbi", Period(2025, 2))
    review.unlock_period(session, actor, "lingbi", Period(2025, 2), reason="更正数据")


def act_create_user(session, actor):
    accounts.create_user(session, actor, "newbie", ActorRole.VIEWER)


def act_reset_password(session, actor):
    accounts.reset_password(session, actor, "admin")


def act_list_users(session, actor):
    accounts.list_users(session, actor)


def act_unlock_account(session, actor):
    accounts.unlock_user(session, actor, "admin")


def act_record_benchmark(session, actor):
    from services.benchmarks import record_benchmark

    record_benchmark(session, actor, "luan", "LA-PQ-04", Period(2025, 2), 0.3, "省市场监管局通报")


def act_record_baseline(session, actor):
    from services.baselines import record_baseline

    record_baseline(session, actor, "lingbi", "LB-PQ-07", 30, 2023, "县统计局年报")


def act_propose_baseline_own(session, actor):
    from services.baselines import propose_baseline

    indicator_id, own, _ = _ids(session)
    propose_baseline(session, actor, indicator_id, own, 31, 2023, source="本单位台账")


def act_propose_baseline_other(session, actor):
    from db.models import Responsibility
    from services.baselines import propose_baseline

    _, own, _ = _ids(session)
    # an indicator another unit is responsible for (the reporter is not)
    indicator_id, other = session.execute(
        select(Responsibility.indicator_id, Responsibility.unit_id)
        .join(Indicator, Indicator.id == Responsibility.indicator_id)
        .join(Plan)
        .where(Plan.code == "lingbi", Responsibility.unit_id != own, Indicator.measure_kind != "milestone")
        .order_by(Responsibility.id)
    ).first()
    propose_baseline(session, actor, indicator_id, other, 31, 2023, source="本单位台账")


def act_review_baselines(session, actor):
    review.review_baselines(session, actor, [], True)


def act_clear_flag(session, actor):
    indicator_id, own, _ = _ids(session)
    obs = record_figure(session, system_actor(), FigureInput(indicator_id, own, Period(2025, 3), 41))
    session.flush()
    review.clear_flag(session, actor, obs.id, "核实无误")


ACTIONS = {
    "record own unit": act_record_own,
    "record other unit": act_record_other,
    "load catalogue": act_load_catalogue,
    "demo load": act_demo,
    "change target": act_change_target,
    "change units": act_change_units,
    "decide revision": act_decide_revision,
    "review": act_review,
    "lock quarter": act_lock,
    "unlock quarter": act_unlock,
    "create account": act_create_user,
    "reset password": act_reset_password,
    "list accounts": act_list_users,
    "unlock account": act_unlock_account,
    "record benchmark": act_record_benchmark,
    "record baseline": act_record_baseline,
    "propose baseline own unit": act_propose_baseline_own,
    "propose baseline other unit": act_propose_baseline_other,
    "review baselines": act_review_baselines,
    "clear flag": act_clear_flag,
}

ALLOWED = {  # role → actions allowed (everything else must be refused)
    "admin": set(ACTIONS),
    "reporter": {"record own unit", "propose baseline own unit"},
    "viewer": set(),
}

CASES = [(role, action) for role in ALLOWED for action in ACTIONS]


@pytest.mark.parametrize("role,action", CASES, ids=[f"{r}-{a}" for r, a in CASES])
def test_permission_matrix(seeded_url, role, action):
    with session_scope(seeded_url) as session:
        accounts.ensure_first_admin(session)
        _, own, _ = _ids(session)
    actor = Actor(f"test-{role}", ActorRole(role), frozenset({own}) if role == "reporter" else frozenset())
    allowed = action in ALLOWED[role]
    if allowed:
        with session_scope(seeded_url) as session:
            ACTIONS[action](session, actor)
    else:
        with pytest.raises(PermissionDenied), session_scope(seeded_url) as session:
            ACTIONS[action](session, actor)


# --- a disabled account's open session (issue 12, item 3) ---------------------------------------

WRITES = [a for a in ACTIONS if a != "list accounts"]  # reads are not refused at the service layer
DISABLED_CASES = [("reporter", "record own unit")] + [("admin", a) for a in WRITES]


def _signed_in(url, name, role, unit_ids=()):
    """An account created by the office, its password set, signed in: the Actor an open tab holds."""
    with session_scope(url) as session:
        first = accounts.create_user(session, system_actor(), name, ActorRole(role), list(unit_ids))
        accounts.change_password(session, name, first, "blue-river-42x")
    return accounts.sign_in(url, name, "blue-river-42x")


def _counts(url):
    from sqlalchemy import func

    from db.models import Observation, PeriodLock, Target, User

    with session_scope(url) as session:
        return tuple(session.scalar(select(func.count(m.id))) for m in (Observation, Target, PeriodLock, User))


@pytest.mark.parametrize("role,action", DISABLED_CASES, ids=[f"{r}-{a}" for r, a in DISABLED_CASES])
def test_a_disabled_accounts_open_session_is_refused_at_the_service_layer(seeded_url, role, action):
    from db.models import AuditEntry
    from services.audit import perform

    with session_scope(seeded_url) as session:
        accounts.ensure_first_admin(session)
        _, own, _ = _ids(session)
    actor = _signed_in(seeded_url, "open-tab", role, [own] if role == "reporter" else [])
    assert actor.account
    with session_scope(seeded_url) as session:
        accounts.set_disabled(session, system_actor(), "open-tab")
    before = _counts(seeded_url)
    with pytest.raises(PermissionDenied, match="已停用"):
        perform(seeded_url, actor, action, lambda s: ACTIONS[action](s, actor))
    assert _counts(seeded_url) == before  # nothing written
    with session_scope(seeded_url) as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.actor, last.outcome) == ("open-tab", "refused") and "已停用" in last.detail


def test_a_disabled_account_is_signed_out_at_its_next_rerun(tmp_path, monkeypatch):
    """AppTest: sign in through the form, the office disables the account between two reruns,
    the next rerun shows the sign-in page with the reason; the same after a password reset."""
    pytest.importorskip("streamlit.testing.v1")
    from streamlit.testing.v1 import AppTest

    from services.setup import init_database
    from tests.conftest import ROOT
    from ui.auth import CHANGED_NOTICE

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    init_database(url)
    with session_scope(url) as session:
        accounts.ensure_first_admin(session)
        first = accounts.create_user(session, system_actor(), "leader", ActorRole.VIEWER)
        accounts.change_password(session, "leader", first, "blue-river-42x")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)

    def sign_in_through_the_form(fresh: bool = False):
        nonlocal at
        if fresh:  # signing in again after being signed out: a new browser session (reload, new tab)
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        assert "请登录" in " ".join(c.value for c in at.caption)
        at.text_input[0].input("leader")
        at.text_input[1].input("blue-river-42x")
        at.button[0].click().run()
        assert not at.exception, at.exception
        assert "当前用户：leader（只读）" in [c.value for c in at.sidebar.caption]

    def signed_out_with_the_reason():
        at.run()
        assert not at.exception, at.exception
        assert "auth_actor" not in at.session_state
        assert [i.value for i in at.info] == [CHANGED_NOTICE]
        assert [t.label for t in at.text_input] == ["账户名", "密码"]

    sign_in_through_the_form()
    at.run()  # a second rerun: still signed in
    assert "当前用户：leader（只读）" in [c.value for c in at.sidebar.caption]
    with session_scope(url) as session:
        accounts.set_disabled(session, system_actor(), "leader")
    signed_out_with_the_reason()

    with session_scope(url) as session:
        accounts.set_disabled(session, system_actor(), "leader", False)
    sign_in_through_the_form(fresh=True)
    with session_scope(url) as session:
        accounts.reset_password(session, system_actor(), "leader")  # the password is no longer the same
    signed_out_with_the_reason()
