"""Accounts: argon2-hashed passwords, back-off and lock after failures, roles bound to units.

No default password exists anywhere: the first admin and every new or reset
account get a random password that is shown once and stored only as a hash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from db.models import Unit, User, UserUnit
from services.actor import Action, Actor, ActorRole, require
from services.audit import record

FAILURES_BEFORE_LOCK = 5
FIRST_LOCK = dt.timedelta(minutes=15)
MAX_LOCK = dt.timedelta(hours=24)
MIN_PASSWORD_LENGTH = 10
FIRST_ADMIN_NAME = "admin"

_hasher = PasswordHasher()  # argon2id with the library's current defaults
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginFailed(Exception):
    """Sign-in refused; the message is safe to show (it never says whether the name exists)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")


def actor_for(user: User) -> Actor:
    return Actor(name=user.name, role=ActorRole(user.role), unit_ids=frozenset(u.unit_id for u in user.units))


@dataclass(frozen=True)
class UserInfo:
    name: str
    display_name: str
    role: str
    units: tuple[str, ...]
    disabled: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


def list_users(session: Session, actor: Actor) -> list[UserInfo]:
    require(actor, Action.MANAGE_ACCOUNTS)
    users = session.scalars(
        select(User).order_by(User.name).options(selectinload(User.units).selectinload(UserUnit.unit))
    )
    return [
        UserInfo(
            u.name,
            u.display_name,
            u.role,
            tuple(f"{uu.unit.jurisdiction}/{uu.unit.name}" for uu in u.units),
            u.disabled,
            u.locked_until,
            u.last_login_at,
        )
        for u in users
    ]


def _get(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise LookupError(f"没有名为“{name}”的账户")
    return user


def create_user(
    session: Session,
    actor: Actor,
    name: str,
    role: ActorRole,
    unit_ids: list[int] | None = None,
    display_name: str = "",
) -> str:
    """Create an account; return its one-time random password."""
    require(actor, Action.MANAGE_ACCOUNTS)
    name = name.strip()
    if not name:
        raise ValueError("账户名不能为空")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise ValueError(f"账户“{name}”已存在")
    if role is ActorRole.REPORTER and not unit_ids:
        raise ValueError("填报员必须绑定至少一个责任单位（--plan CODE --unit 单位）")
    password = generate_password()
    user = User(
        name=name, display_name=display_name or name, role=role.value, password_hash=_hasher.hash(password)
    )
    user.units = [UserUnit(unit_id=uid) for uid in sorted(set(unit_ids or []))]
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "create_user",
        entity="user",
        entity_key=name,
        after={"role": role.value, "unit_ids": sorted(set(unit_ids or []))},
    )
    return password


def reset_password(session: Session, actor: Actor, name: str) -> str:
    """Give the account a new random password (shown once) and lift any lock."""
    require(actor, Action.MANAGE_ACCOUNTS)
    user = _get(session, name)
    password = generate_password()
    user.password_hash = _hasher.hash(password)
    user.must_change_password, user.failed_attempts, user.locked_until = True, 0, None
    record(session, actor, "reset_password", entity="user", entity_key=name)
    return password


def set_disabled(session: Session, actor: Actor, name: str, disabled: bool = True) -> None:
    require(actor, Action.MANAGE_ACCOUNTS)
    if disabled and name == actor.name:
        raise ValueError("不能停用自己的账户")
    user = _get(session, name)
    before = {"disabled": user.disabled}
    user.disabled = disabled
    record(
        session,
        actor,
        "disable_user" if disabled else "enable_user",
        entity="user",
        entity_key=name,
        before=before,
        after={"disabled": disabled},
    )


def sign_in(url: str | None, name: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check a password in a transaction of its own (so that failures are counted), then
    return the Actor or raise :class:`LoginFailed`."""
    from db.session import session_scope

    with session_scope(url) as session:
        outcome = authenticate(session, name, password, now)
    if isinstance(outcome, LoginFailed):
        raise outcome
    return outcome


def authenticate(
    session: Session, name: str, password: str, now: dt.datetime | None = None
) -> Actor | LoginFailed:
    """Check a password; count failures, lock with growing back-off, audit every attempt.

    Failures are *returned*, not raised, so that the caller's transaction commits them.
    """
    now = now or _now()
    user = session.scalar(select(User).where(User.name == name.strip()).options(selectinload(User.units)))
    anonymous = Actor(name=name.strip()[:80] or "?", role=ActorRole.VIEWER)
    if user is None:
        with contextlib.suppress(VerificationError):  # same cost: timing does not reveal unknown names
            _hasher.verify(_DUMMY_HASH, password)
        record(session, anonymous, "login", outcome="refused", detail="用户名或密码错误")
        return LoginFailed("用户名或密码错误")
    if user.disabled:
        record(session, anonymous, "login", outcome="refused", detail="账户已停用")
        return LoginFailed("账户已停用，请联系管理员")
    if user.locked_until is not None and user.locked_until > now:
        record(session, anonymous, "login", outcome="refused", detail="账户锁定中")
        return LoginFailed(f"连续登录失败次数过多，账户已锁定至 {user.locked_until:%H:%M}（UTC），请稍后再试")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_attempts += 1
        if user.failed_attempts >= FAILURES_BEFORE_LOCK:
            doublings = user.failed_attempts - FAILURES_BEFORE_LOCK
            user.locked_until = now + min(FIRST_LOCK * (2**doublings), MAX_LOCK)
        record(
            session, anonymous, "login", outcome="refused", detail=f"密码错误（第{user.failed_attempts}次）"
        )
        return LoginFailed("用户名或密码错误")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_attempts, user.locked_until, user.last_login_at = 0, None, now
    actor = actor_for(user)
    record(session, actor, "login")
    return actor


def must_change_password(session: Session, name: str) -> bool:
    user = session.scalar(select(User).where(User.name == name))
    return bool(user and user.must_change_password)


def change_password(session: Session, name: str, old: str, new: str) -> None:
    user = _get(session, name)
    try:
        _hasher.verify(user.password_hash, old)
    except (VerificationError, InvalidHashError):
        raise ValueError("原密码不正确") from None
    _check_new_password(new)
    if new == old:
        raise ValueError("新密码不能与原密码相同")
    user.password_hash = _hasher.hash(new)
    user.must_change_password, user.password_changed_at = False, _now()
    record(session, actor_for(user), "change_password", entity="user", entity_key=name)


def ensure_first_admin(session: Session) -> str | None:
    """On a database without accounts, create ``admin`` and return its one-time password."""
    if session.scalar(select(func.count(User.id))):
        return None
    password = generate_password()
    session.add(
        User(
            name=FIRST_ADMIN_NAME,
            display_name="管理员",
            role=ActorRole.ADMIN.value,
            password_hash=_hasher.hash(password),
        )
    )
    record(
        session, Actor("首次启动", ActorRole.ADMIN), "create_user", entity="user", entity_key=FIRST_ADMIN_NAME
    )
    return password


def unit_ids_by_name(session: Session, plan_jurisdiction: str, names: list[str]) -> list[int]:
    """Resolve unit names (or aliases) within a jurisdiction; unknown names are an error."""
    units = session.scalars(select(Unit).where(Unit.jurisdiction == plan_jurisdiction)).all()
    lookup = {u.name: u.id for u in units}
    for unit in units:
        for alias in unit.aliases or []:
            lookup.setdefault(alias, unit.id)
    missing = [n for n in names if n not in lookup]
    if missing:
        raise LookupError(f"{plan_jurisdiction} 没有这些单位：{'、'.join(missing)}")
    return [lookup[n] for n in names]
