"""Data version counters: every write transaction bumps them, pages read them once per rerun.

The pages' caches (``ui/data.py``) are keyed by these counters instead of a fingerprint computed
from the tables (a COUNT over every observation cost ~1 s per page at 2,800 plans, and an
update in place, such as accepting a figure, did not change it).

How a write is noticed, whatever wrote it: a ``before_cursor_execute`` listener on the engine
sees every statement sent to the database — ORM flushes, Core ``insert()`` executemany bulk
writes, ``text()`` and ``exec_driver_sql`` — and marks the connection when an INSERT, UPDATE,
DELETE or REPLACE touches a table other than the counters themselves, ``audit_log`` (a refused
attempt writes only its audit entry: nothing a page shows has changed) and ``alembic_version``.
At commit (the ``commit`` event, just before the database commits) a marked transaction
increments ``data`` (and ``plans`` if the plans table was written) on the same DBAPI connection,
so the bump commits or rolls back with the write. A rolled-back transaction bumps nothing.

A write that bypasses SQLAlchemy's statement execution (PostgreSQL ``COPY`` on the raw DBAPI
cursor) must call :func:`mark_written` on its session or connection.

On a database whose schema predates migration 0007 (the counters do not exist yet: the
migrations themselves) nothing is bumped.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

TABLE = "data_version"
DATA, PLANS = "data", "plans"
# user_sessions: sign-in bookkeeping (last use of a browser session) changes nothing a page shows
UNCOUNTED_TABLES = frozenset({TABLE, "audit_log", "alembic_version", "user_sessions"})

_WRITTEN = "data_version_written"  # Connection.info key: set of tables written in this transaction
_DML = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"
    r"[\"`\[]?(\w+)",
    re.IGNORECASE,
)
_present: dict[str, bool] = {}  # engine URL → the counter table exists (cached once True)
_lock = threading.Lock()


def written_table(statement: str) -> str | None:
    """The table an INSERT / UPDATE / DELETE / REPLACE statement writes (lower case), else None."""
    match = _DML.match(statement)
    return match.group(1).lower() if match else None


def _note(conn: Connection, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    table = written_table(statement)
    if table is not None and table not in UNCOUNTED_TABLES:
        conn.info.setdefault(_WRITTEN, set()).add(table)


def _forget(conn: Connection, *_args: Any) -> None:
    conn.info.pop(_WRITTEN, None)


def _table_present(conn: Connection, cursor) -> bool:
    key = str(conn.engine.url)
    if _present.get(key):
        return True
    if conn.dialect.name == "sqlite":
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_version'")
    else:
        cursor.execute("SELECT to_regclass('data_version') IS NOT NULL")
    row = cursor.fetchone()
    found = bool(row and row[0])
    if found:
        with _lock:
            _present[key] = True
    return found


def _bump(conn: Connection) -> None:
    tables = conn.info.pop(_WRITTEN, None)
    if not tables:
        return
    cursor = conn.connection.cursor()  # the raw DBAPI cursor: no statement events, same transaction
    try:
        if not _table_present(conn, cursor):
            return
        names = (DATA, PLANS) if "plans" in tables else (DATA,)
        for name in names:
            cursor.execute(f"UPDATE data_version SET version = version + 1 WHERE name = '{name}'")
            if cursor.rowcount == 0:  # a schema made without the migration's rows
                cursor.execute(f"INSERT INTO data_version (name, version) VALUES ('{name}', 1)")
    finally:
        cursor.close()


def install(engine: Engine) -> None:
    """Count the writes made through ``engine`` (db.session.get_engine calls this once)."""
    event.listen(engine, "before_cursor_execute", _note)
    event.listen(engine, "begin", _forget)
    event.listen(engine, "commit", _bump)
    event.listen(engine, "rollback", _forget)


def mark_written(target: Session | Connection, table: str = "observations") -> None:
    """Mark the current transaction as a write that SQLAlchemy did not see (e.g. ``COPY``)."""
    conn = target.connection() if isinstance(target, Session) else target
    conn.info.setdefault(_WRITTEN, set()).add(table)


def read_versions(conn_or_session: Session | Connection) -> tuple[int, int]:
    """(data, plans) counters; (0, 0) where the rows are missing."""
    rows = dict(conn_or_session.execute(_READ).all())
    return int(rows.get(DATA, 0)), int(rows.get(PLANS, 0))


def _read_statement():
    from sqlalchemy import column, select, table

    return select(column("name"), column("version")).select_from(table(TABLE))


_READ = _read_statement()
