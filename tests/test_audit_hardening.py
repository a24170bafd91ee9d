"""An audit log nothing in the app can rewrite (issue 12, item 4), on SQLite and PostgreSQL.

- the hash chain: ``manage.py audit verify`` passes on a used database and names the first
  broken entry once a row was changed or removed by hand (a superuser connection on
  PostgreSQL, the trigger dropped on SQLite);
- SQLite: INSERT OR REPLACE / REPLACE / an insert over an existing id are refused;
- PostgreSQL: connected as the application role ``tracker_app`` the migrations create,
  TRUNCATE, DELETE, UPDATE, DISABLE TRIGGER and DROP TRIGGER on audit_log fail, while the
  application itself (catalogue load, sign-in, a figure) works.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

import manage
from db.audit_chain import GENESIS, entry_hash, verify
from db.models import AuditEntry, Indicator, Plan
from db.session import get_engine, read_scope, session_scope
from indicators.periods import Period
from services import accounts, review
from services.actor import ActorRole, system_actor
from services.demo import load_demo
from services.observations import FigureInput, record_figure, record_figures


def _use(url: str) -> None:
    """Writes of many kinds: accounts, sign-ins (one refused), figures one by one and in bulk, demo, a lock."""
    office = system_actor("质量办")
    with session_scope(url) as session:
        accounts.ensure_first_admin(session)
        password = accounts.create_user(session, office, "leader", ActorRole.VIEWER)
    accounts.sign_in(url, "leader", password)
    with pytest.raises(accounts.LoginFailed):
        accounts.sign_in(url, "leader", "wrong password 1")
    with session_scope(url) as session:
        indicator = session.scalar(
            select(Indicator).join(Plan).where(Plan.code == "lingbi", Indicator.code == "LB-PQ-07")
        )
        unit_id = indicator.responsibilities[0].unit_id
        record_figure(session, office, FigureInput(indicator.id, unit_id, Period(2025, 3), 41))
        record_figures(
            session, office, [FigureInput(indicator.id, unit_id, Period(2025, 4).shift(i), 30 + i) for i in (0, 1)]
        )
        record_figure(session, office, FigureInput(indicator.id, unit_id, Period(2025, 3), 42))
    with session_scope(url) as session:
        load_demo(session, office, "luan", today=dt.date(2025, 11, 1))
        review.lock_period(session, office, "lingbi", Period(2025, 3))


def _verify_cli(url, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = manage.main(["audit", "verify"])
    out = capsys.readouterr()
    return code, out.out, out.err


def _ids(url) -> list[int]:
    with read_scope(url) as session:
        return list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def _unprotected(url: str, statement: str, params: dict | None = None) -> None:
    """Change the log by hand, as a database superuser could: past the triggers."""
    engine = get_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.execute(text(statement), params or {})


def test_every_entry_is_chained_and_verify_passes_on_a_used_database(seeded_url, monkeypatch, capsys):
    _use(seeded_url)
    with read_scope(seeded_url) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        # catalogue load, first admin, new account, 2 sign-ins, 4 figures, demo load, lock
        assert len(rows) == 11
        assert rows[0].prev_hash == GENESIS
        for before, entry in zip(rows, rows[1:], strict=False):
            assert entry.prev_hash == before.entry_hash
        # hand-computed for one entry: sha256 over the previous hash and the canonical fields
        last = rows[-1]
        fields = {name: getattr(last, name) for name in ("at", "actor", "actor_role", "action", "outcome",
                  "plan_code", "unit", "entity", "entity_key", "before", "after", "file_sha256", "detail")}  # fmt: skip
        assert entry_hash(last.prev_hash, fields) == last.entry_hash
        assert verify(session).ok and verify(session).count == len(rows)
    code, out, _err = _verify_cli(seeded_url, monkeypatch, capsys)
    assert code == 0 and out.startswith("OK") and f"{len(rows)} 条" in out


def test_verify_fails_where_a_row_was_changed_by_hand(seeded_url, monkeypatch, capsys):
    _use(seeded_url)
    ids = _ids(seeded_url)
    victim = ids[len(ids) // 2]
    _unprotected(seeded_url, "UPDATE audit_log SET detail = 'nothing happened' WHERE id = :id", {"id": victim})
    code, out, err = _verify_cli(seeded_url, monkeypatch, capsys)
    assert code == 1 and not out.startswith("OK")
    assert f"第 {victim} 号记录" in err and "被修改" in err


def test_verify_fails_where_a_row_was_removed_by_hand(seeded_url, monkeypatch, capsys):
    _use(seeded_url)
    ids = _ids(seeded_url)
    victim = ids[len(ids) // 2]
    following = ids[ids.index(victim) + 1]
    _unprotected(seeded_url, "DELETE FROM audit_log WHERE id = :id", {"id": victim})
    code, _out, err = _verify_cli(seeded_url, monkeypatch, capsys)
    assert code == 1
    assert f"第 {following} 号记录" in err and "删除或修改" in err


def test_replace_and_insert_over_an_existing_id_are_refused(schema_url):
    with session_scope(schema_url) as session:
        accounts.ensure_first_admin(session)
    with read_scope(schema_url) as session:
        first = session.scalars(select(AuditEntry)).one()
        original = (first.id, first.actor, first.entry_hash)
    sqlite = schema_url.startswith("sqlite")
    statements = (
        ["INSERT OR REPLACE INTO audit_log (id, at, actor, action) VALUES (:id, '2026-01-01', 'x', 'login')",
         "REPLACE INTO audit_log (id, at, actor, action) VALUES (:id, '2026-01-01', 'x', 'login')",
         "INSERT OR IGNORE INTO audit_log (id, at, actor, action) VALUES (:id, '2026-01-01', 'x', 'login')"]
        if sqlite else []
    ) + [
        "INSERT INTO audit_log (id, at, actor, action) VALUES (:id, '2026-01-01', 'x', 'login')",
        "INSERT INTO audit_log (id, at, actor, action) VALUES (:id, '2026-01-01', 'x', 'login') "
        "ON CONFLICT (id) DO UPDATE SET actor = 'x'",
    ]  # fmt: skip
    for statement in statements:
        with pytest.raises(DBAPIError), session_scope(schema_url) as session:
            session.execute(text(statement), {"id": original[0]})
    with read_scope(schema_url) as session:
        rows = session.scalars(select(AuditEntry)).all()
        assert [(r.id, r.actor, r.entry_hash) for r in rows] == [original]
        assert verify(session).ok


@pytest.mark.postgres
def test_postgres_application_role_cannot_rewrite_the_audit_log(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL roles")
    from services.setup import init_database

    init_database(db_url)  # migrations as the superuser (the owner's side): roles, grants, owners
    admin = get_engine(db_url)
    with admin.begin() as conn:
        conn.exec_driver_sql("ALTER ROLE tracker_app LOGIN")
        owners = dict(conn.execute(text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")).all())
        rights = set(conn.execute(text(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = 'tracker_app' AND table_name = 'audit_log'")).scalars())  # fmt: skip
    # tables of 0001–0005 belong to the owner role; later migrations' tables to the migration account
    assert owners["audit_log"] == owners["users"] == "tracker_owner" and "tracker_app" not in owners.values()
    assert rights == {"SELECT", "INSERT"}
    app_url = db_url.replace("://postgres:@", "://tracker_app:@", 1)
    assert app_url != db_url
    # the application works as tracker_app: first admin, sign-in (audited), a figure
    with session_scope(app_url) as session:
        password = accounts.ensure_first_admin(session)
    accounts.sign_in(app_url, "admin", password)
    with session_scope(app_url) as session:
        indicator = session.scalar(
            select(Indicator).join(Plan).where(Plan.code == "lingbi", Indicator.code == "LB-PQ-07")
        )
        record_figure(session, system_actor(), FigureInput(indicator.id, indicator.responsibilities[0].unit_id,
                                                           Period(2025, 3), 41))  # fmt: skip
    with read_scope(app_url) as session:
        count = session.scalar(select(sa.func.count(AuditEntry.id)))
        assert count >= 3 and verify(session).ok
    engine = sa.create_engine(app_url)
    try:
        for statement in (
            "TRUNCATE audit_log",
            "DELETE FROM audit_log",
            "UPDATE audit_log SET detail = 'x'",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "ALTER TABLE audit_log OWNER TO tracker_app",
            "DROP TABLE audit_log",
            "SET ROLE tracker_owner",
        ):
            with pytest.raises(DBAPIError) as info, engine.begin() as conn:
                conn.exec_driver_sql(statement)
            assert "permission denied" in str(info.value) or "must be owner" in str(info.value), statement
    finally:
        engine.dispose()
        get_engine(app_url).dispose()
    with read_scope(db_url) as session:
        assert session.scalar(select(sa.func.count(AuditEntry.id))) == count
