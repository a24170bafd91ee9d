"""Review (审核) of reported figures and locking of reviewed quarters.

Figures reported by a reporter arrive as ``pending``; the office accepts them
or returns them with a comment. Once a quarter is locked, no figure of it can
change until an admin unlocks it with a reason (as DHIS2's data approval).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Baseline, FlagDecision, Indicator, Observation, PeriodLock, Plan
from indicators.periods import Period
from services.actor import Action, Actor, require
from services.audit import record


class PeriodLocked(ValueError):
    """A write to a locked quarter (a refusal with a Chinese message)."""


class PendingInPeriod(ValueError):
    """A lock refused: figures of the quarter still await review (a locked quarter's figure can be
    neither accepted nor returned, so it would stay 待审核 until someone unlocked the quarter)."""


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


def ensure_baselines_unlocked(session: Session, plan_id: int) -> None:
    """Baselines change every quarter's verdict: refused while the plan's first reported quarter is locked."""
    first = session.scalar(select(Plan.first_period).where(Plan.id == plan_id))
    lock = active_lock(session, plan_id, first) if first else None
    if lock is not None:
        raise PeriodLocked(
            f"计划首个填报季度{Period.parse(first).label}已于 {lock.locked_at:%Y-%m-%d} "
            f"由 {lock.locked_by} 锁定；"
            "基期值影响各季度的评估，如需修改请由管理员先解锁该季度并说明理由"
        )


def _plan(session: Session, plan_code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    return plan


def lock_period(session: Session, actor: Actor, plan_code: str, period: Period) -> PeriodLock:
    """Lock a quarter. Refused while any of its figures awaits review (PendingInPeriod); figures
    returned and not yet corrected do not stop it (the office decides to close the quarter with
    the values in force; the page asks it to confirm that)."""
    require(actor, Action.LOCK_PERIOD)
    plan = _plan(session, plan_code)
    existing = active_lock(session, plan.id, period)
    if existing is not None:
        return existing
    pending = session.scalar(
        select(func.count(Observation.id))
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(
            Indicator.plan_id == plan.id,
            Observation.period == str(period),
            Observation.review_state == "pending",
            Observation.superseded_by_id.is_(None),
        )
    )
    if pending:
        raise PendingInPeriod(
            f"{period.label}还有 {pending} 条待审核数据，请先在上方逐条通过或退回，再锁定该季度"
        )
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


# --------------------------------------------------------------------------- baselines proposed by units


def review_baselines(
    session: Session, actor: Actor, baseline_ids: list[int], accept: bool, comment: str = ""
) -> int:
    """Accept (in force from now) or return (with a comment) units' pending baseline proposals."""
    require(actor, Action.REVIEW)
    if not accept and not comment.strip():
        raise ValueError("退回基期值建议必须填写意见")
    state = "accepted" if accept else "returned"
    changed = 0
    from db.queries import baseline_in_force  # late: db.queries is only needed here

    rows = session.scalars(select(Baseline).where(Baseline.id.in_(baseline_ids)).order_by(Baseline.id)).all()
    for baseline in rows:
        if baseline.review_state != "pending":
            continue
        indicator = session.get(Indicator, baseline.indicator_id)
        plan_code = session.scalar(select(Plan.code).where(Plan.id == indicator.plan_id)) or ""
        if accept:
            ensure_baselines_unlocked(session, indicator.plan_id)
        before = baseline_in_force(indicator.baselines)
        baseline.review_state, baseline.review_comment = state, comment.strip()
        baseline.reviewed_by, baseline.reviewed_at = actor.name, _now()
        record(
            session,
            actor,
            "review_baseline",
            entity="baseline",
            entity_key=f"{indicator.code}#{baseline.id}",
            before=None if before is None else {"value": before.value, "year": before.year},
            after={"value": baseline.value, "year": baseline.year, "review_state": state,
                   "comment": comment.strip()},  # fmt: skip
            plan_code=plan_code,
        )
        changed += 1
    session.flush()
    return changed


# --------------------------------------------------------------------------- data-quality flags (待核实)


def clear_flag(session: Session, actor: Actor, observation_id: int, comment: str = "") -> FlagDecision | None:
    """The office checked a flagged figure and found it right (核实无误); None if already decided.

    Tied to this version of the figure: a later correction is checked again. Refused in a
    locked quarter (the verdicts of a locked quarter do not change). Returning a flagged
    figure instead is :func:`review_figures` with ``accept=False`` and a comment.
    """
    require(actor, Action.CLEAR_FLAG)
    obs = session.get(Observation, observation_id)
    if obs is None:
        raise LookupError(f"没有编号为 {observation_id} 的数据")
    if obs.retracted:
        raise ValueError("该数据已撤回，无需核实")
    existing = session.scalar(select(FlagDecision).where(FlagDecision.observation_id == observation_id))
    if existing is not None:
        return None
    ensure_unlocked(session, obs.indicator_id, obs.period)
    text = comment.strip() or "核实无误"
    decision = FlagDecision(observation_id=obs.id, decision="cleared", comment=text, decided_by=actor.name)
    session.add(decision)
    session.flush()
    code, plan_code = session.execute(
        select(Indicator.code, Plan.code)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Indicator.id == obs.indicator_id)
    ).one()
    record(
        session,
        actor,
        Action.CLEAR_FLAG.value,
        entity="observation",
        entity_key=f"{obs.indicator_id}/{obs.unit_id}/{obs.period}/v{obs.version}",
        before={"flag": "待核实", "value": obs.value},
        after={"decision": "cleared", "comment": text},
        plan_code=plan_code,
        detail=f"{code} {obs.period}：{text}",
    )
    return decision


def flags_to_check(session: Session, plan_code: str) -> list[dict]:
    """Figures in use that carry a data-quality flag not yet cleared, with the reason (待核实)."""
    from db.queries import current_figure_refs, load_plan_data
    from indicators.series import prepare_series

    plan, data = load_plan_data(session, plan_code)
    refs = current_figure_refs(session, plan.id)
    names = {d.spec.code: d.spec.name for d in data}
    units = {d.spec.code: d.spec.measure_unit for d in data}
    rows = []
    for item in data:
        for flag in prepare_series(item, plan.settings).flags:
            ref = refs.get((flag.indicator_code, flag.unit, str(flag.period)))
            if ref is None or ref["cleared"]:
                continue
            rows.append(
                {
                    "id": ref["id"],
                    "period": str(flag.period),
                    "indicator_code": flag.indicator_code,
                    "indicator": names.get(flag.indicator_code, ""),
                    "unit": flag.unit,
                    "value": ref["value"],
                    "measure_unit": units.get(flag.indicator_code, ""),
                    "reason": flag.reason,
                    "entered_by": ref["entered_by"],
                    "entered_at": ref["entered_at"],
                    "is_demo": ref["is_demo"],
                }
            )
    rows.sort(key=lambda r: (r["period"], r["indicator_code"], r["unit"]), reverse=False)
    return rows
