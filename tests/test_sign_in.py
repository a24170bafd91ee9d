"""Sign-in (issue 12, item 8): no overflow, every failure counted and audited, one answer for
every failure, the office cannot be locked out for good, password rules, nothing typed stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

import manage
from db.models import AuditEntry, User
from db.session import read_scope, session_scope
from services import accounts
from services.actor import ActorRole, PermissionDenied, system_actor
from services.passwords import common_passwords, password_problem

START = dt.datetime(2026, 11, 2, 9, 0)
OFFICE = system_actor("质量办")


def _state(url, name):
    with read_scope(url) as session:
        user = session.scalar(select(User).where(User.name == name))
        return user.failed_attempts, user.locked_until


def _audit(url):
    with read_scope(url) as session:
        return [(a.actor, a.action, a.outcome, a.detail, str(a.after), str(a.before))
                for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]  # fmt: skip


@pytest.fixture
def two_admins(schema_url):
    """The first admin plus a second enabled admin (so that ``admin`` is not the last one)."""
    with session_scope(schema_url) as session:
        password = accounts.ensure_first_admin(session)
        accounts.create_user(session, OFFICE, "office2", ActorRole.ADMIN)
    return schema_url, password


@pytest.mark.parametrize("failures", [41, 100, 10_000])
def test_the_lock_length_never_overflows(failures):
    assert accounts.lock_length(failures) == accounts.MAX_LOCK == dt.timedelta(hours=24)
    assert accounts.lock_length(failures, last_admin=True) == dt.timedelta(minutes=15)


def test_lock_lengths_by_hand():
    assert accounts.lock_length(4) == dt.timedelta(0)
    assert [accounts.lock_length(n).total_seconds() / 60 for n in range(5, 13)] == [
        15, 30, 60, 120, 240, 480, 960, 1440  # 24 h from the 12th failure on
    ]


@pytest.mark.parametrize("previous", [40, 99, 9_999])
def test_a_failure_after_many_is_still_counted_audited_and_locks(two_admins, previous):
    url, _ = two_admins
    with session_scope(url) as session:
        session.execute(update(User).where(User.name == "admin").values(failed_attempts=previous))
    with pytest.raises(accounts.LoginFailed):
        accounts.sign_in(url, "admin", "wrong password 1", now=START)
    assert _state(url, "admin") == (previous + 1, START + dt.timedelta(hours=24))
    last = _audit(url)[-1]
    assert last[:3] == ("admin", "login", "refused") and f"连续第 {previous + 1} 次失败" in last[3]


def test_41_real_consecutive_failures_are_all_counted(two_admins):
    url, password = two_admins
    for i in range(41):  # each after the previous lock expired, so each is a wrong password
        with pytest.raises(accounts.LoginFailed):
            accounts.sign_in(url, "admin", f"wrong password {i}", now=START + dt.timedelta(days=2 * i))
    failed, locked = _state(url, "admin")
    assert failed == 41 and locked == START + dt.timedelta(days=80, hours=24)
    assert sum(1 for a in _audit(url) if a[:3] == ("admin", "login", "refused")) == 41
    accounts.sign_in(url, "admin", password, now=START + dt.timedelta(days=90))
    assert _state(url, "admin") == (0, None)


def test_every_failure_gets_the_same_message_and_one_hash_verification(two_admins):
    url, password = two_admins
    with session_scope(url) as session:
        accounts.create_user(session, OFFICE, "leader", ActorRole.VIEWER)
        accounts.create_user(session, OFFICE, "gone", ActorRole.VIEWER)
        accounts.set_disabled(session, OFFICE, "gone")
        session.execute(update(User).where(User.name == "leader").values(
            failed_attempts=5, locked_until=START + dt.timedelta(minutes=10)))  # fmt: skip
    cases = {
        "unknown": ("nobody", "whatever 123"),
        "disabled": ("gone", "whatever 123"),
        "locked": ("leader", "whatever 123"),
        "wrong password": ("admin", "whatever 123"),
    }
    for case, (name, typed) in cases.items():
        before = accounts.verifications
        with pytest.raises(accounts.LoginFailed) as info:
            accounts.sign_in(url, name, typed, now=START)
        assert str(info.value) == accounts.LOGIN_FAILED_MESSAGE, case
        assert accounts.verifications == before + 1, case  # the same argon2 work on every path
    before = accounts.verifications
    accounts.sign_in(url, "admin", password, now=START)
    assert accounts.verifications == before + 1
    # counted: the disabled, the locked (lock not lengthened) and the wrong-password account
    assert _state(url, "gone")[0] == 1
    assert _state(url, "leader") == (6, START + dt.timedelta(minutes=10))
    refused = [a for a in _audit(url) if a[1] == "login" and a[2] == "refused"]
    assert [a[0] for a in refused] == [accounts.UNKNOWN_NAME, "gone", "leader", "admin"]
    assert "账户已停用" in refused[1][3] and "账户锁定中" in refused[2][3] and "密码错误" in refused[3][3]


def test_a_password_typed_into_the_name_field_is_not_stored(schema_url):
    with session_scope(schema_url) as session:
        accounts.ensure_first_admin(session)
    secret = "Mein-Geheimnis-2026"
    with pytest.raises(accounts.LoginFailed):
        accounts.sign_in(schema_url, secret, "")
    with pytest.raises(accounts.LoginFailed):
        accounts.sign_in(schema_url, "admin", secret)
    flat = " ".join(" ".join(row) for row in _audit(schema_url))
    assert secret not in flat and secret.lower() not in flat.lower()
    assert accounts.UNKNOWN_NAME in flat


def test_the_last_admin_is_never_locked_for_more_than_15_minutes(schema_url, monkeypatch, capsys):
    with session_scope(schema_url) as session:
        password = accounts.ensure_first_admin(session)
    for i in range(20):
        with pytest.raises(accounts.LoginFailed):
            accounts.sign_in(schema_url, "admin", f"wrong password {i}", now=START + dt.timedelta(hours=i))
    assert _state(schema_url, "admin") == (20, START + dt.timedelta(hours=19, minutes=15))
    # the documented recovery on the server: manage.py user unlock NAME (audited)
    monkeypatch.setenv("DATABASE_URL", schema_url)
    assert manage.main(["user", "unlock", "admin"]) == 0
    assert "已解除账户 admin 的登录锁定" in capsys.readouterr().out
    assert _state(schema_url, "admin") == (0, None)
    assert _audit(schema_url)[-1][:3] == ("manage.py", "unlock_user", "ok")
    accounts.sign_in(schema_url, "admin", password, now=START + dt.timedelta(hours=19, minutes=1))


def test_the_office_unlocks_an_account_and_others_may_not(two_admins):
    url, _ = two_admins
    with session_scope(url) as session:
        accounts.create_user(session, OFFICE, "leader", ActorRole.VIEWER)
        session.execute(update(User).where(User.name == "leader").values(
            failed_attempts=7, locked_until=START + dt.timedelta(hours=1)))  # fmt: skip
    viewer = accounts.actor_for(_user(url, "leader"))
    with pytest.raises(PermissionDenied), session_scope(url) as session:
        accounts.unlock_user(session, viewer, "leader")
    with session_scope(url) as session:
        accounts.unlock_user(session, accounts.actor_for(_user(url, "office2")), "leader")
    assert _state(url, "leader") == (0, None)
    last = _audit(url)[-1]
    assert last[:3] == ("office2", "unlock_user", "ok") and "'failed_attempts': 7" in last[5]


def _user(url, name):
    from sqlalchemy.orm import selectinload

    with read_scope(url) as session:
        user = session.scalar(select(User).where(User.name == name).options(selectinload(User.units)))
        session.expunge(user)
        return user


@pytest.mark.parametrize(
    "password,name,problem",
    [
        ("short1!", "leader", "至少 10 位"),
        (" " * 10, "leader", "只由一类字符"),
        ("1111111111", "leader", "只由一类字符"),
        ("abcdefghijKLM", "leader", "只由一类字符"),
        ("!!!!@@@@####", "leader", "只由一类字符"),
        ("质量强县灵璧规划纲要", "leader", "只由一类字符"),
        ("Leader-2026-x", "leader", "账户名"),
        ("wangfang01", "WangFang01", "账户名"),
        ("Password123", "leader", "过于常见"),
        ("qwer1234!!", "leader", None),  # not in the list: allowed
        ("Qwerty@2024", "leader", "过于常见"),
        ("1qaz2wsx3edc", "leader", "过于常见"),
        ("lingbi20262026", "leader", None),
        ("zhiliang@2026", "leader", "过于常见"),
        ("blue-river-42x", "leader", None),
        ("质量强县2027年度!", "leader", None),
        ("li-and-more-12", "li", None),  # a 2-character name is refused only as the whole password
    ],
)
def test_password_rules(password, name, problem):
    found = password_problem(password, name)
    assert (found is None) if problem is None else (problem in found), found


def test_the_shipped_common_password_list():
    common = common_passwords()
    assert len(common) > 3000
    assert {"password123", "qwerty123456", "1qaz2wsx3edc", "woaini1314520", "admin12345"} <= common
    assert all(len(p) >= 10 for p in common)


def test_generated_passwords_pass_the_rules():
    assert all(password_problem(accounts.generate_password()) is None for _ in range(300))


def test_a_wrong_old_password_on_the_change_form_counts_as_a_failure(schema_url):
    with session_scope(schema_url) as session:
        password = accounts.create_user(session, OFFICE, "leader", ActorRole.VIEWER)
    for i in range(accounts.FAILURES_BEFORE_LOCK):
        with pytest.raises(ValueError, match="原密码不正确"):
            accounts.change_own_password(schema_url, "leader", f"guess number {i}", "blue-river-42x", now=START)
    assert _state(schema_url, "leader") == (5, START + dt.timedelta(minutes=15))
    refused = [a for a in _audit(schema_url) if a[1] == "change_password"]
    assert len(refused) == 5 and all(a[2] == "refused" and "原密码错误" in a[3] for a in refused)
    # locked: even the right old password is refused now, and sign-in is refused too
    with pytest.raises(ValueError, match="原密码不正确"):
        accounts.change_own_password(schema_url, "leader", password, "blue-river-42x", now=START)
    with pytest.raises(accounts.LoginFailed):
        accounts.sign_in(schema_url, "leader", password, now=START + dt.timedelta(minutes=1))
    # after the lock: the rules apply to the new password, then the change succeeds
    later = START + dt.timedelta(minutes=20)
    with pytest.raises(ValueError, match="账户名"):
        accounts.change_own_password(schema_url, "leader", password, "my-leader-pass", now=later)
    accounts.change_own_password(schema_url, "leader", password, "blue-river-42x", now=later)
    assert _state(schema_url, "leader") == (0, None)
    accounts.sign_in(schema_url, "leader", "blue-river-42x", now=later)
