"""Review (审核) of reported figures and locking of reviewed quarters.

Figures reported by a reporter arrive as ``pending``; the office accepts them
or returns them with a comment. Once a quarter is locked, no figure of it can
change until an admin unlocks it with a reason (as DHIS2's data approval).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Indicator, Observation, PeriodLock, Plan
from indicators.periods import Period
from services.actor import Action, Actor, require
from services.audit import RefusedWrite, record


class PeriodLocked(RefusedWrite):
    """A write to a locked quarter (a refusal with a Chinese message)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def active_lock(session: Session, plan_id: int, period: Period | str) -> PeriodLock | None:
    return session.scalar(
        select(PeriodLock).where(
            PeriodLock.plan_id == plan_id, PeriodLock.period == str(period), PeriodLock.unlocked_at.is_(None)
        )
    )


def ensure_unlocked(session: Session, indicator_id: int, period: Period | str) -> None:
    plan_id = session.scalar(select(Indicator.plan_id).where(Indicator.id == indicator_id))
    lock = active_lock(session, plan_id, period)
    if lock is not None:
        raise PeriodLocked(
            f"{Period.parse(str(period)).label}已于 {lock.locked_at:%Y-%m-%d} 由 {lock.locked_by} 锁定，"
            "如需修改请由管理员解锁并说明理由"
        )


def _plan(session: Session, plan_code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    return plan


def lock_period(session: Session, actor: Actor, plan_code: str, period: Period) -> PeriodLock:
    require(actor, Action.LOCK_PERIOD)
    plan = _plan(session, plan_code)
    existing = active_lock(session, plan.id, period)
    if existing is not None:
        return existing
    lock = PeriodLock(plan_id=plan.id, period=str(period), locked_by=actor.name)
    session.add(lock)
    record(
        session, actor, Action.LOCK_PERIOD.value, entity="period", entity_key=str(period), plan_code=plan_code
    )
    session.flush()
    return lock


def unlock_period(session: Session, actor: Actor, plan_code: str, period: Period, reason: str) -> None:
    require(actor, Action.UNLOCK_PERIOD)
    if not reason.strip():
        raise ValueError("解锁必须填写理由")
    plan = _plan(session, plan_code)
    lock = active_lock(session, plan.id, period)
    if lock is None:
        raise ValueError(f"{period.label}未锁定")
    lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = _now(), actor.name, reason.strip()
    record(
        session,
        actor,
        Action.UNLOCK_PERIOD.value,
        entity="period",
        entity_key=str(period),
        plan_code=plan_code,
        detail=reason.strip(),
    )


def review_figures(
    session: Session, actor: Actor, observation_ids: list[int], accept: bool, comment: str = ""
) -> int:
    """Accept or return pending figures; returning needs a comment. Returns how many changed."""
    require(actor, Action.REVIEW)
    if not accept and not comment.strip():
        raise ValueError("退回数据必须填写意见")
    state = "accepted" if accept else "returned"
    changed = 0
    for obs in session.scalars(select(Observation).where(Observation.id.in_(observation_ids))):
        if obs.superseded_by_id is not None or obs.review_state == state:
            continue
        ensure_unlocked(session, obs.indicator_id, obs.period)
        before = {"review_state": obs.review_state}
        obs.review_state, obs.review_comment = state, comment.strip()
        obs.reviewed_by, obs.reviewed_at = actor.name, _now()
        record(
            session,
            actor,
            Action.REVIEW.value,
            entity="observation",
            entity_key=f"{obs.indicator_id}/{obs.unit_id}/{obs.period}/v{obs.version}",
            before=before,
            after={"review_state": state, "comment": comment.strip()},
        )
        changed += 1
    session.flush()
    return changed


def pending_figures(session: Session, plan_code: str) -> list[Observation]:
    return list(
        session.scalars(
            select(Observation)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .join(Plan, Plan.id == Indicator.plan_id)
            .where(
                Plan.code == plan_code,
                Observation.review_state == "pending",
                Observation.superseded_by_id.is_(None),
            )
            .order_by(Observation.period, Observation.id)
        )
    )
