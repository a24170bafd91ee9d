"""The audit log: who did what, when, before → after. Append-only.

Writes call :func:`record` inside their own transaction, so the entry commits
or rolls back with the change. A refused attempt rolls its transaction back;
:func:`perform` then records the refusal in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from db.models import AuditEntry
from db.session import session_scope
from services.actor import Actor, PermissionDenied

T = TypeVar("T")


class RefusedWrite(ValueError):
    """A write refused for a reason other than permission (e.g. a locked quarter).

    :func:`perform` audits it like a permission refusal; the message is Chinese.
    """


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
    session.add(
        AuditEntry(
            actor=actor.name,
            actor_role=actor.role.value,
            action=action,
            outcome=outcome,
            plan_code=plan_code,
            unit=unit,
            entity=entity,
            entity_key=entity_key,
            before=before,
            after=after,
            file_sha256=file_sha256,
            detail=detail,
        )
    )


def perform(url: str | None, actor: Actor, action: str, work: Callable[[Session], T], detail: str = "") -> T:
    """Run ``work`` in one transaction; if it is refused, audit the refusal and re-raise."""
    try:
        with session_scope(url) as session:
            return work(session)
    except (PermissionDenied, RefusedWrite) as exc:
        refused_action = getattr(exc, "action", None)
        with session_scope(url) as session:
            record(
                session,
                actor,
                (refused_action.value if refused_action else action),
                outcome="refused",
                detail=f"{exc}{'；' + detail if detail else ''}",
            )
        raise
