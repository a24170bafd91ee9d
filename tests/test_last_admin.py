"""The last enabled admin account cannot be disabled: `manage.py user disable admin` on a fresh
installation left an office with no one who could manage accounts in the app. The refusal is
audited and nothing changes; with a second admin the first one may be disabled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEntry, User
from db.session import read_scope, session_scope
from services import accounts
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.audit import perform

MESSAGE = "不能停用唯一可用的管理员账户：请先创建或启用另一个管理员账户"


def _state(url):
    with read_scope(url) as s:
        users = {u.name: u.disabled for u in s.scalars(select(User))}
        audit = [(a.action, a.outcome, a.detail) for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    return users, audit


def test_the_last_admin_cannot_be_disabled_and_the_refusal_is_audited(schema_url):
    office = system_actor()
    with session_scope(schema_url) as s:
        accounts.create_user(s, office, "admin", ActorRole.ADMIN)
        accounts.create_user(s, office, "leader", ActorRole.VIEWER)
    users_before, audit_before = _state(schema_url)
    with pytest.raises(PermissionDenied, match=MESSAGE):
        perform(schema_url, office, "disable_user", lambda s: accounts.set_disabled(s, office, "admin"))
    users, audit = _state(schema_url)
    assert users == users_before == {"admin": False, "leader": False}
    assert audit[: len(audit_before)] == audit_before
    assert audit[len(audit_before) :] == [("manage_accounts", "refused", MESSAGE)]

    with session_scope(schema_url) as s:  # a second admin: the first may be disabled now
        accounts.create_user(s, office, "clerk", ActorRole.ADMIN)
    perform(schema_url, office, "disable_user", lambda s: accounts.set_disabled(s, office, "admin"))
    assert _state(schema_url)[0] == {"admin": True, "leader": False, "clerk": False}
    with pytest.raises(PermissionDenied, match=MESSAGE):  # and clerk is the last one now
        perform(schema_url, Actor("admin2", ActorRole.ADMIN), "disable_user",
                lambda s: accounts.set_disabled(s, office, "clerk"))  # fmt: skip
