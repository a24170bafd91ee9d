"""Browser session tokens (services/sessions.py): only the hash is stored; a token lives for the idle
window and ends with sign-out, a password change or reset, disabling, or a changed account."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, text

from db.models import AuditEntry, User, UserSession
from db.session import read_scope, session_scope
from db.versioning import read_versions
from services import accounts, sessions
from services.actor import Actor, ActorRole, system_actor

T0 = dt.datetime(2026, 12, 1, 9, 0, 0)
PASSWORD = "blue-river-42x"


@pytest.fixture
def url(seeded_url):
    with session_scope(seeded_url) as session:
        first = accounts.create_user(session, system_actor(), "leader", ActorRole.VIEWER)
        accounts.change_password(session, "leader", first, PASSWORD)
    return seeded_url


def _start(url, now=T0) -> str:
    with session_scope(url) as session:
        return sessions.start(session, "leader", now)


def _resolve(url, token, now):
    with session_scope(url) as session:
        return sessions.resolve(session, token, now)


def test_only_the_hash_is_stored_and_the_token_signs_in_again(url):
    token = _start(url)
    assert len(token) >= 43  # 32 random bytes, URL-safe
    with read_scope(url) as session:
        rows = session.execute(text("SELECT * FROM user_sessions")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(v) for v in rows[0].values())
    actor = _resolve(url, token, T0 + dt.timedelta(minutes=29))
    assert isinstance(actor, Actor) and actor.name == "leader" and actor.role is ActorRole.VIEWER
    assert actor.account
    assert _resolve(url, "not-a-token", T0) is None
    assert _resolve(url, "", T0) is None


def test_use_keeps_it_alive_idle_ends_it(url):
    token = _start(url)
    # used after 20 minutes: last use moves (more than a minute since the last one)
    assert isinstance(_resolve(url, token, T0 + dt.timedelta(minutes=20)), Actor)
    # 30 seconds later: no write (at most one a minute)
    assert isinstance(_resolve(url, token, T0 + dt.timedelta(minutes=20, seconds=30)), Actor)
    with read_scope(url) as session:
        assert session.scalar(select(UserSession.last_seen_at)) == T0 + dt.timedelta(minutes=20)
    # 45 minutes after the start but only 25 after the last use: alive
    assert isinstance(_resolve(url, token, T0 + dt.timedelta(minutes=45)), Actor)
    # then 31 minutes without use: ended, and it stays ended
    assert _resolve(url, token, T0 + dt.timedelta(minutes=76)) == "长时间未操作，已自动退出"
    assert _resolve(url, token, T0 + dt.timedelta(minutes=77)) == "长时间未操作，已自动退出"
    with read_scope(url) as session:
        row = session.scalar(select(UserSession))
        assert (row.end_reason, row.ended_at) == ("expired", T0 + dt.timedelta(minutes=76))


def test_a_working_day_at_most(url):
    token = _start(url)
    now = T0
    for _ in range(23):  # used every half hour minus a minute, for 11 hours
        now += dt.timedelta(minutes=29)
        assert isinstance(_resolve(url, token, now), Actor)
    assert _resolve(url, token, T0 + sessions.MAX_AGE + dt.timedelta(minutes=1)) == "长时间未操作，已自动退出"


def test_sign_out_ends_the_token_and_is_audited(url):
    token, other = _start(url), _start(url)
    with session_scope(url) as session:
        assert sessions.end(session, token, Actor("leader", ActorRole.VIEWER, account=True), T0)
    assert _resolve(url, token, T0) == "已退出登录"
    assert isinstance(_resolve(url, other, T0), Actor)  # another browser stays signed in
    with read_scope(url) as session:
        entries = session.execute(
            select(AuditEntry.actor, AuditEntry.entity_key).where(AuditEntry.action == "logout")
        ).all()
    assert [tuple(e) for e in entries] == [("leader", "leader")]


@pytest.mark.parametrize(
    "change, reason",
    [
        ("own_password", "密码已修改"),
        ("reset", "密码已被管理员重置"),
        ("disable", "账户已停用"),
    ],
)
def test_password_change_reset_and_disable_end_every_session(url, change, reason):
    tokens = [_start(url), _start(url)]
    with session_scope(url) as session:
        if change == "own_password":
            accounts.change_password(session, "leader", PASSWORD, "green-hill-77y")
        elif change == "reset":
            accounts.reset_password(session, system_actor(), "leader")
        else:
            accounts.set_disabled(session, system_actor(), "leader")
    for token in tokens:
        assert _resolve(url, token, T0 + dt.timedelta(minutes=1)) == reason
    if change == "disable":  # enabling again does not bring the old sessions back
        with session_scope(url) as session:
            accounts.set_disabled(session, system_actor(), "leader", False)
        assert _resolve(url, tokens[0], T0 + dt.timedelta(minutes=2)) == reason


def test_a_changed_role_ends_the_session(url):
    token = _start(url)
    with session_scope(url) as session:  # changed by hand in the database: the stamp no longer matches
        session.scalar(select(User).where(User.name == "leader")).role = ActorRole.ADMIN.value
    assert _resolve(url, token, T0) == "账户的密码、角色或负责单位已有变更"


def test_session_bookkeeping_is_no_data_change(url):
    with read_scope(url) as session:
        before = read_versions(session)
    token = _start(url)
    _resolve(url, token, T0 + dt.timedelta(minutes=5))
    with session_scope(url) as session:
        sessions.end(session, token)
    with read_scope(url) as session:
        assert read_versions(session) == before


def test_a_disabled_account_cannot_start_a_session(url):
    with session_scope(url) as session:
        accounts.set_disabled(session, system_actor(), "leader")
    with pytest.raises(LookupError), session_scope(url) as session:
        sessions.start(session, "leader")
