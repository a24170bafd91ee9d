"""Permission matrix: every role × write action, driven through the service layer.

The expected table is written by hand from the issue: admins do everything,
reporters record and undo only their own units' figures, viewers write nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Indicator, Plan, Unit
from db.session import session_scope
from indicators.periods import Period
from indicators.vocabulary import Comparator
from services import accounts, review, targets
from services.actor import Actor, ActorRole, PermissionDenied, system_actor
from services.catalogue import CATALOGUE_DIR, load_catalogues, read_catalogues
from services.demo import load_demo
from services.observations import FigureInput, record_figure


def _ids(session):
    indicator = session.scalar(select(Indicator).join(Plan).where(Plan.code == "lingbi", Indicator.code == "LB-PQ-07"))
    own = indicator.responsibilities[0].unit_id
    other = session.scalar(select(Unit.id).where(Unit.jurisdiction == "灵璧县", Unit.id != own))
    return indicator.id, own, other


def act_record_own(session, actor):
    indicator_id, own, _ = _ids(session)
    record_figure(session, actor, FigureInput(indicator_id, own, Period(2025, 3), 41))


def act_record_other(session, actor):
    indicator_id, _, other = _ids(session)
    record_figure(session, actor, FigureInput(indicator_id, other, Period(2025, 3), 41))


def act_load_catalogue(session, actor):
    load_catalogues(session, read_catalogues(CATALOGUE_DIR), actor)


def act_demo(session, actor):
    load_demo(session, actor, "lingbi", today=dt.date(2025, 11, 1))


def act_change_target(session, actor):
    targets.change_target(session, actor, "lingbi", "LB-PQ-07", "2027", comparator=Comparator.GE, value=55, reason="县政府常务会调整")


def act_change_units(session, actor):
    _, own, other = _ids(session)
    targets.change_responsibility(session, actor, "lingbi", "LB-PQ-07", [own], [other], reason="职责调整")


def act_decide_revision(session, actor):
    targets.decide_revision(session, actor, "lingbi", "LB-PQ-07", "consult-1", True, reason="县政府常务会采纳")


def act_review(session, actor):
    review.review_figures(session, actor, [1], accept=True)


def act_lock(session, actor):
    review.lock_period(session, actor, "lingbi", Period(2025, 3))


def act_unlock(session, actor):
    review.lock_period(session, system_actor(), "lingbi", Period(2025, 2))
    review.unlock_period(session, actor, "lingbi", Period(2025, 2), reason="更正数据")


def act_create_user(session, actor):
    accounts.create_user(session, actor, "newbie", ActorRole.VIEWER)


def act_reset_password(session, actor):
    accounts.reset_password(session, actor, "admin")


def act_list_users(session, actor):
    accounts.list_users(session, actor)


ACTIONS = {
    "record own unit": act_record_own,
    "record other unit": act_record_other,
    "load catalogue": act_load_catalogue,
    "demo load": act_demo,
    "change target": act_change_target,
    "change units": act_change_units,
    "decide revision": act_decide_revision,
    "review": act_review,
    "lock quarter": act_lock,
    "unlock quarter": act_unlock,
    "create account": act_create_user,
    "reset password": act_reset_password,
    "list accounts": act_list_users,
}

ALLOWED = {  # role → actions allowed (everything else must be refused)
    "admin": set(ACTIONS),
    "reporter": {"record own unit"},
    "viewer": set(),
}

CASES = [(role, action) for role in ALLOWED for action in ACTIONS]


@pytest.mark.parametrize("role,action", CASES, ids=[f"{r}-{a}" for r, a in CASES])
def test_permission_matrix(seeded_url, role, action):
    with session_scope(seeded_url) as session:
        accounts.ensure_first_admin(session)
        _, own, _ = _ids(session)
    actor = Actor(f"test-{role}", ActorRole(role), frozenset({own}) if role == "reporter" else frozenset())
    allowed = action in ALLOWED[role]
    if allowed:
        with session_scope(seeded_url) as session:
            ACTIONS[action](session, actor)
    else:
        with pytest.raises(PermissionDenied), session_scope(seeded_url) as session:
            ACTIONS[action](session, actor)
