"""Accounts: argon2-hashed passwords, back-off and lock after failures, roles bound to units.

No default password exists anywhere: the first admin and every new or reset
account get a random password that is shown once and stored only as a hash.

Sign-in (:func:`authenticate`):
- every attempt runs exactly one argon2 verification (against the account's hash, or a
  dummy hash for an unknown name), whatever the outcome, so that unknown, disabled, locked
  and wrong-password attempts take the same time; all four answer with the same message
  (:data:`LOGIN_FAILED_MESSAGE`);
- every refused attempt is counted (``failed_attempts``) and audited; the audit entry names
  the account only if one with that name exists, otherwise :data:`UNKNOWN_NAME`, so a password
  typed into the name field is never stored;
- from the 5th consecutive failure a wrong password locks the account for 15 minutes,
  doubling with each further failure up to 24 hours; the exponent is capped
  (:data:`MAX_DOUBLINGS`), so no failure count overflows. An attempt during a lock is counted
  and audited but does not lengthen the lock;
- the last enabled admin account is never locked for more than 15 minutes
  (:data:`LAST_ADMIN_MAX_LOCK`): the office cannot be locked out for good. The recovery at
  any time is ``python manage.py user unlock NAME`` (or ``user reset NAME``) on the server,
  and an admin can unlock an account on the 账户管理 page.
- a wrong old password on the change form counts as a failure in the same way
  (:func:`change_own_password`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from db.models import Unit, User, UserUnit
from services import sessions
from services.actor import Action, Actor, ActorRole, PermissionDenied, require
from services.audit import record
from services.passwords import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from services.passwords import password_problem
from workbook.cells import control_char  # the upload's own rule (pure)

FAILURES_BEFORE_LOCK = 5
FIRST_LOCK = dt.timedelta(minutes=15)
MAX_LOCK = dt.timedelta(hours=24)
MAX_DOUBLINGS = 7  # 15 min × 2**7 = 32 h > MAX_LOCK: the exponent never needs to grow further
LAST_ADMIN_MAX_LOCK = FIRST_LOCK
MAX_COUNTED_FAILURES = 1_000_000_000  # the column is a 32-bit integer
FIRST_ADMIN_NAME = "admin"
UNKNOWN_NAME = "（未知账号）"
LOGIN_FAILED_MESSAGE = "登录失败：账户名或密码错误，或账户已停用、暂时锁定。请稍后再试，或联系管理员。"

_hasher = PasswordHasher()  # argon2id with the library's current defaults
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
verifications = 0  # argon2 verifications run by this process (tests: every sign-in path runs one)


class LoginFailed(Exception):
    """Sign-in refused; the message is safe to show (it never says whether the name exists)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _verify(password_hash: str, password: str) -> bool:
    global verifications
    verifications += 1
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password that passes the rules (token_urlsafe may, rarely, be letters only)."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_problem(password) is None:
            return password


def lock_length(failures: int, last_admin: bool = False) -> dt.timedelta:
    """How long the ``failures``-th consecutive failure locks the account (zero below the threshold)."""
    if failures < FAILURES_BEFORE_LOCK:
        return dt.timedelta(0)
    doublings = min(failures - FAILURES_BEFORE_LOCK, MAX_DOUBLINGS)
    length = min(FIRST_LOCK * (2**doublings), MAX_LOCK)
    return min(length, LAST_ADMIN_MAX_LOCK) if last_admin else length


def _is_last_admin(session: Session, user: User) -> bool:
    if user.role != ActorRole.ADMIN.value or user.disabled:
        return False
    enabled_admins = session.scalar(
        select(func.count(User.id)).where(User.role == ActorRole.ADMIN.value, User.disabled.is_(False))
    )
    return (enabled_admins or 0) <= 1


def _count_failure(session: Session, user: User, now: dt.datetime, *, may_lock: bool) -> int:
    user.failed_attempts = min((user.failed_attempts or 0) + 1, MAX_COUNTED_FAILURES)
    if may_lock and user.failed_attempts >= FAILURES_BEFORE_LOCK:
        user.locked_until = now + lock_length(user.failed_attempts, _is_last_admin(session, user))
    return user.failed_attempts


def actor_for(user: User) -> Actor:
    return Actor(
        name=user.name,
        role=ActorRole(user.role),
        unit_ids=frozenset(u.unit_id for u in user.units),
        account=True,
    )


def session_stamp(user: User) -> str:
    """What a signed-in session must still match: password (hash of its hash), role, units, enabled.

    Kept in the browser session's server-side state at sign-in and compared on every rerun
    (ui.auth); a change signs the session out.
    """
    import hashlib

    units = ",".join(str(u) for u in sorted(uu.unit_id for uu in user.units))
    text = f"{user.id}|{user.password_hash}|{user.role}|{units}|{int(bool(user.disabled))}"
    return hashlib.sha256(text.encode()).hexdigest()


def current_stamp(session: Session, name: str) -> str | None:
    """The stamp of the account ``name`` now, or None when it is gone or disabled."""
    user = session.scalar(select(User).where(User.name == name).options(selectinload(User.units)))
    if user is None or user.disabled:
        return None
    return session_stamp(user)


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


NAME_MAX_CHARS = 40


def _check_name(label: str, text: str) -> None:
    """An account's name is typed at sign-in and shown in every audit entry: no control characters
    (an ESC sequence repainted the admin's terminal in ``user list``), no line breaks, at most
    NAME_MAX_CHARS characters."""
    bad = control_char(text) or next((f"\\x{ord(c):02x}" for c in text if c in "\t\r\n\u2028\u2029"), None)
    if bad is not None:
        raise ValueError(f"{label}不能含控制字符或换行（{bad}）")
    if len(text) > NAME_MAX_CHARS:
        raise ValueError(f"{label}过长（{len(text)} 字），上限 {NAME_MAX_CHARS} 字")


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
    for label, text in (("账户名", name), ("显示名称", display_name)):
        _check_name(label, text)
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
    ended = sessions.end_all(session, user.id, sessions.PASSWORD_RESET)
    record(session, actor, "reset_password", entity="user", entity_key=name,
           detail=f"已结束该账户的 {ended} 个登录会话" if ended else "")  # fmt: skip
    return password


def set_disabled(session: Session, actor: Actor, name: str, disabled: bool = True) -> None:
    """Disable or enable an account; enabling also clears its failure count and lock."""
    require(actor, Action.MANAGE_ACCOUNTS)
    if disabled and name == actor.name:
        raise ValueError("不能停用自己的账户")
    user = _get(session, name)
    if disabled and _is_last_admin(session, user):  # nobody could then manage accounts in the app
        raise PermissionDenied(  # a refusal: audited like one (services.audit.refusals_audited)
            "不能停用唯一可用的管理员账户：请先创建或启用另一个管理员账户", actor, Action.MANAGE_ACCOUNTS
        )
    before = {"disabled": user.disabled}
    user.disabled = disabled
    if not disabled:
        user.failed_attempts, user.locked_until = 0, None
    else:
        sessions.end_all(session, user.id, sessions.DISABLED)
    record(
        session,
        actor,
        "disable_user" if disabled else "enable_user",
        entity="user",
        entity_key=name,
        before=before,
        after={"disabled": disabled},
    )


def unlock_user(session: Session, actor: Actor, name: str) -> None:
    """Lift a sign-in lock and clear the failure count (账户管理 page, ``manage.py user unlock``)."""
    require(actor, Action.MANAGE_ACCOUNTS)
    user = _get(session, name)
    before = {
        "failed_attempts": user.failed_attempts,
        "locked_until": user.locked_until.isoformat(timespec="seconds") if user.locked_until else None,
    }
    user.failed_attempts, user.locked_until = 0, None
    record(
        session,
        actor,
        "unlock_user",
        entity="user",
        entity_key=name,
        before=before,
        after={"failed_attempts": 0, "locked_until": None},
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
    Every path runs one argon2 verification and fails with the same message.
    """
    now = now or _now()
    name = name.strip()
    user = None
    if 0 < len(name) <= 80:
        user = session.scalar(select(User).where(User.name == name).options(selectinload(User.units)))
    matches = _verify(user.password_hash if user is not None else _DUMMY_HASH, password)
    if user is None:  # the typed name is not stored: it may be a password typed in the wrong field
        unknown = Actor(UNKNOWN_NAME, ActorRole.VIEWER)
        record(session, unknown, "login", outcome="refused", detail="账户不存在")
        return LoginFailed(LOGIN_FAILED_MESSAGE)
    who = Actor(user.name, ActorRole(user.role))
    if user.disabled:
        reason, may_lock = "账户已停用", False
    elif user.locked_until is not None and user.locked_until > now:
        reason, may_lock = f"账户锁定中（至 {user.locked_until:%Y-%m-%d %H:%M} UTC）", False
    elif not matches:
        reason, may_lock = "密码错误", True
    else:
        reason, may_lock = "", False
    if reason:
        count = _count_failure(session, user, now, may_lock=may_lock)
        detail = f"{reason}（连续第 {count} 次失败）"
        if may_lock and user.locked_until is not None and user.locked_until > now:
            detail += f"，锁定至 {user.locked_until:%Y-%m-%d %H:%M} UTC"
        record(session, who, "login", outcome="refused", entity="user", entity_key=user.name, detail=detail)
        return LoginFailed(LOGIN_FAILED_MESSAGE)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_attempts, user.locked_until, user.last_login_at = 0, None, now
    actor = actor_for(user)
    record(session, actor, "login", entity="user", entity_key=user.name)
    return actor


def must_change_password(session: Session, name: str) -> bool:
    user = session.scalar(select(User).where(User.name == name))
    return bool(user and user.must_change_password)


def _change_password(session: Session, name: str, old: str, new: str, now: dt.datetime) -> str | None:
    """Change the password; return the Chinese reason it was refused (the failure is recorded)."""
    user = _get(session, name)
    locked = user.locked_until is not None and user.locked_until > now
    if user.disabled or locked or not _verify(user.password_hash, old):
        count = _count_failure(session, user, now, may_lock=not (user.disabled or locked))
        why = "账户已停用" if user.disabled else "账户锁定中" if locked else "原密码错误"
        record(session, Actor(user.name, ActorRole(user.role)), "change_password", outcome="refused",
               entity="user", entity_key=name, detail=f"{why}（连续第 {count} 次失败）")  # fmt: skip
        return "原密码不正确（多次输错将暂时锁定账户）"
    problem = password_problem(new, name)
    if problem:
        return problem
    if new == old:
        return "新密码不能与原密码相同"
    user.password_hash = _hasher.hash(new)
    user.must_change_password, user.password_changed_at = False, _now()
    user.failed_attempts, user.locked_until = 0, None
    sessions.end_all(session, user.id, sessions.PASSWORD_CHANGED)  # every browser signs in again
    record(session, actor_for(user), "change_password", entity="user", entity_key=name)
    return None


def change_password(session: Session, name: str, old: str, new: str, now: dt.datetime | None = None) -> None:
    """Change one's password in the caller's transaction; raise ValueError when refused.

    The caller's rollback would also undo the counted failure: pages use
    :func:`change_own_password`, which commits the failure before raising.
    """
    problem = _change_password(session, name, old, new, now or _now())
    if problem:
        raise ValueError(problem)


def change_own_password(
    url: str | None, name: str, old: str, new: str, now: dt.datetime | None = None
) -> None:
    """The 我的账户 form: a wrong old password is counted and audited (committed), then ValueError."""
    from db.session import session_scope

    with session_scope(url) as session:
        problem = _change_password(session, name, old, new, now or _now())
    if problem:
        raise ValueError(problem)


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
