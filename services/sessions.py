"""Browser sessions that survive reload and new tabs: an opaque token in a cookie, its hash here.

At sign-in (:func:`start`) the browser gets a random token (``secrets.token_urlsafe(32)``, 256
bits); the database keeps only its SHA-256 (``user_sessions.token_sha256``), with the account's
session stamp (services.accounts.session_stamp: password hash, role, units, enabled). A reload or
a new tab sends the cookie; :func:`resolve` turns it back into the Actor if

- the token's row exists and has not ended (sign-out, password change, reset, disable),
- it was used within the idle window (:data:`IDLE_TIMEOUT`) and is younger than
  :data:`MAX_AGE` (a working day; the cookie expires then too),
- the account still exists, is enabled and still has the stamp of the sign-in.

A token that fails any check is ended (with the reason) and gives None: the page asks to sign
in again. Using a session moves its ``last_seen_at`` forward, at most once a minute
(:data:`TOUCH_EVERY`); that bookkeeping is not a data change (db/versioning.py does not count the
table) and is not audited; signing out is (``logout``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from db.models import User, UserSession
from services.actor import Actor
from services.audit import record

IDLE_TIMEOUT = dt.timedelta(minutes=30)
MAX_AGE = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(seconds=60)
COOKIE_NAME = "tracker_session"

# end_reason values (stored) and their Chinese wording (shown)
SIGNED_OUT, EXPIRED, PASSWORD_CHANGED, PASSWORD_RESET, DISABLED, ACCOUNT_CHANGED = (
    "signed_out", "expired", "password_changed", "password_reset", "disabled", "account_changed",
)  # fmt: skip
END_REASON_LABELS = {
    SIGNED_OUT: "已退出登录",
    EXPIRED: "长时间未操作，已自动退出",
    PASSWORD_CHANGED: "密码已修改",
    PASSWORD_RESET: "密码已被管理员重置",
    DISABLED: "账户已停用",
    ACCOUNT_CHANGED: "账户的密码、角色或负责单位已有变更",
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, user_name: str, now: dt.datetime | None = None) -> str:
    """A new browser session for the account ``user_name`` (just signed in); returns the token."""
    from services.accounts import session_stamp

    user = session.scalar(select(User).where(User.name == user_name).options(selectinload(User.units)))
    if user is None or user.disabled:
        raise LookupError("账户不存在或已停用")
    now = now or _now()
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user.id, token_sha256=token_hash(token), stamp=session_stamp(user),
            created_at=now, last_seen_at=now,
        )  # fmt: skip
    )
    session.flush()
    return token


def _end(row: UserSession, reason: str, now: dt.datetime) -> None:
    if row.ended_at is None:
        row.ended_at, row.end_reason = now, reason


def resolve(session: Session, token: str | None, now: dt.datetime | None = None) -> Actor | str | None:
    """The Actor of a live session token; otherwise the Chinese reason it ended (a str) or None
    (no token, or a token this database never issued)."""
    from services.accounts import actor_for, session_stamp

    if not token or len(token) > 200:
        return None
    now = now or _now()
    row = session.scalar(select(UserSession).where(UserSession.token_sha256 == token_hash(token)))
    if row is None:
        return None
    if row.ended_at is not None:
        return END_REASON_LABELS.get(row.end_reason, END_REASON_LABELS[SIGNED_OUT])
    if now - row.last_seen_at > IDLE_TIMEOUT or now - row.created_at > MAX_AGE:
        _end(row, EXPIRED, now)
        return END_REASON_LABELS[EXPIRED]
    user = session.scalar(select(User).where(User.id == row.user_id).options(selectinload(User.units)))
    if user is None or user.disabled:
        _end(row, DISABLED, now)
        return END_REASON_LABELS[DISABLED]
    if session_stamp(user) != row.stamp:
        _end(row, ACCOUNT_CHANGED, now)
        return END_REASON_LABELS[ACCOUNT_CHANGED]
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return actor_for(user)


def touch(session: Session, token: str | None, now: dt.datetime | None = None) -> bool:
    """Keep a session in use alive (at most one write a minute); False when it is no longer live."""
    return isinstance(resolve(session, token, now), Actor)


def end(
    session: Session, token: str | None, actor: Actor | None = None, now: dt.datetime | None = None
) -> bool:
    """Sign-out: end the token's session (audited as ``logout`` when an actor is given)."""
    if not token:
        return False
    row = session.scalar(select(UserSession).where(UserSession.token_sha256 == token_hash(token)))
    if row is None or row.ended_at is not None:
        return False
    _end(row, SIGNED_OUT, now or _now())
    if actor is not None:
        record(session, Actor(actor.name, actor.role), "logout", entity="user", entity_key=actor.name)
    return True


def end_all(session: Session, user_id: int, reason: str, now: dt.datetime | None = None) -> int:
    """End every live session of an account (password change or reset, disable); how many ended."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now or _now(), end_reason=reason)
    )
    return result.rowcount or 0


def live_sessions(session: Session, user_name: str, now: dt.datetime | None = None) -> int:
    """How many sessions of the account are live (not ended, within the idle window)."""
    now = now or _now()
    rows = session.scalars(
        select(UserSession)
        .join(User, User.id == UserSession.user_id)
        .where(User.name == user_name, UserSession.ended_at.is_(None))
    )
    return sum(1 for r in rows if now - r.last_seen_at <= IDLE_TIMEOUT and now - r.created_at <= MAX_AGE)

