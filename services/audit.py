"""The audit log: who did what, when, before → after. Append-only and hash-chained.

Writes call :func:`record` (or :func:`record_rows` for many at once) inside their own
transaction, so the entry commits or rolls back with the change. Each entry gets its
place in the hash chain (db/audit_chain.py) as it is recorded. A refused attempt rolls its
transaction back; :func:`perform` and :func:`refusals_audited` then record the refusal in a
transaction of its own.

Recording a successful write is also where a disabled account is stopped: the acting
account is looked up once per transaction (one query) and a disabled or vanished account's
write is refused (:class:`PermissionDenied`), so an open browser tab of an account the office
has just disabled cannot write, whatever page or service it goes through. Actors that are no
account (the command line, first start) pass; an Actor built from an account
(``Actor.account``) must still exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import JSON, LargeBinary, Text, cast, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from db import audit_chain
from db.models import AuditEntry, User
from db.session import session_scope
from services.actor import Actor, PermissionDenied

T = TypeVar("T")
_CHECKED_KEY = "audit_accounts_checked"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ensure_account_active(session: Session, actor: Actor) -> None:
    """Refuse a write by a disabled (or, for a signed-in Actor, vanished) account; cached per session."""
    checked = session.info.setdefault(_CHECKED_KEY, set())
    if actor.name in checked:
        return
    disabled = session.execute(select(User.disabled).where(User.name == actor.name)).first()
    if (disabled is None and actor.account) or (disabled is not None and disabled[0]):
        raise PermissionDenied(f"账户“{actor.name}”已停用或不存在，不能再写入数据，请重新登录", actor)
    checked.add(actor.name)


def record_rows(session: Session, rows: list[dict[str, Any]], actor: Actor | None = None) -> None:
    """Insert many audit entries at once (each a dict of AuditEntry fields), chained in order."""
    if not rows:
        return
    if actor is not None and any(r.get("outcome", "ok") == "ok" for r in rows):
        ensure_account_active(session, actor)
    now = _now()
    defaults = {"at": now, "actor_role": "", "outcome": "ok", "plan_code": "", "unit": "", "entity": "",
                "entity_key": "", "before": None, "after": None, "file_sha256": "", "detail": ""}  # fmt: skip
    full = [{**defaults, **row} for row in rows]
    session.flush()  # entries added through the ORM before these come first in the chain
    session.execute(insert(AuditEntry), audit_chain.chain(session, full))


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity: str = "",
    entity_key: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    plan_code: str = "",
    unit: str = "",
    file_sha256: str = "",
    detail: str = "",
    outcome: str = "ok",
) -> None:
    if outcome == "ok":
        ensure_account_active(session, actor)
    fields = {
        "at": _now(),
        "actor": actor.name,
        "actor_role": actor.role.value,
        "action": action,
        "outcome": outcome,
        "plan_code": plan_code,
        "unit": unit,
        "entity": entity,
        "entity_key": entity_key,
        "before": before,
        "after": after,
        "file_sha256": file_sha256,
        "detail": detail,
    }
    (row,) = audit_chain.chain(session, [fields])
    session.add(AuditEntry(**row))


def record_large(
    session: Session,
    actor: Actor,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    serialised: dict[str, bytes] | None = None,
    **fields: Any,
) -> None:
    """:func:`record` for an entry whose before → after lists every figure of an upload.

    Same entry, same chain; only the work and the memory differ. Each side is serialised once, as
    its canonical JSON in UTF-8 (db/audit_chain.canonical_value_bytes, long lists in slices), and
    then **emptied** (the caller's ``before`` and ``after`` dicts are cleared, so their lists are
    freed before the other side is serialised); those bytes are both hashed into the chain and
    stored as the column's JSON text; the row goes in with one Core INSERT. A side that needs the
    JSON round trip (non-str keys) is hashed and stored the general way instead.

    ``serialised``: both sides given already as those bytes (services/imports/audit_sides.py makes
    them in a thread); ``before`` and ``after`` are then not given.
    """
    ensure_account_active(session, actor)
    before = {} if before is None else before
    after = {} if after is None else after
    entry = {"at": _now(), "actor": actor.name, "actor_role": actor.role.value, "action": action,
             "outcome": "ok", "plan_code": "", "unit": "", "entity": "", "entity_key": "", "file_sha256": "",
             "detail": "", **fields, "before": before, "after": after}  # fmt: skip
    sides: dict[str, bytes] = {}
    if serialised is not None:
        sides = {"before": serialised.pop("before"), "after": serialised.pop("after")}
    elif audit_chain.serialisable_once(before) and audit_chain.serialisable_once(after):
        for side, doc in (("before", before), ("after", after)):
            sides[side] = audit_chain.canonical_value_bytes(doc)
            doc.clear()
    (row,) = audit_chain.chain(session, [entry], sides or None)
    del entry
    postgres = session.get_bind().dialect.name == "postgresql"
    for side, doc in (("before", before), ("after", after)):
        if sides:
            param = type_coerce(sides.pop(side), LargeBinary)  # UTF-8 bytes: read as text by the database
            row[side] = cast(func.convert_from(param, "UTF8"), JSON) if postgres else cast(param, Text)
            continue
        param = type_coerce(audit_chain.json_text(doc), Text)
        doc.clear()
        row[side] = cast(param, JSON) if postgres else param  # SQLite: CAST AS JSON would be NUMERIC
    session.flush()  # entries added through the ORM before this one come first in the chain
    session.execute(insert(AuditEntry.__table__).values(**row))


def _refusal_types() -> tuple[type[BaseException], ...]:
    from services.review import PeriodLocked  # services.review imports this module

    return (PermissionDenied, PeriodLocked)


def record_refusal(
    url: str | None, actor: Actor, action: str, exc: BaseException, detail: str = "", **fields: Any
) -> None:
    """Audit a refused attempt in a transaction of its own (once per exception)."""
    if getattr(exc, "_audited", False):
        return
    act = exc.action.value if isinstance(exc, PermissionDenied) and exc.action else action
    with session_scope(url) as session:
        text = f"{exc}{'；' + detail if detail else ''}"
        record(session, actor, act, outcome="refused", detail=text, **fields)
    exc._audited = True  # type: ignore[attr-defined]


@contextmanager
def refusals_audited(
    url: str | None, actor: Actor, action: str, *, also: tuple[type[BaseException], ...] = (), **fields: Any
) -> Iterator[None]:
    """Around a service call that opens its own transaction: a refusal (no permission, a locked
    quarter, and the exception types in ``also``) is audited, then re-raised."""
    try:
        yield
    except (*_refusal_types(), *also) as exc:
        record_refusal(url, actor, action, exc, **fields)
        raise


def perform(url: str | None, actor: Actor, action: str, work: Callable[[Session], T], detail: str = "") -> T:
    """Run ``work`` in one transaction; a refusal (permission, lock) is audited, then re-raised.

    The acting account is checked first (one query): a disabled account's attempt is refused
    even when it would have changed nothing."""
    with refusals_audited(url, actor, action, detail=detail), session_scope(url) as session:
        ensure_account_active(session, actor)
        return work(session)
