"""Baselines (基期值): entered by the office, or proposed by a unit and in force once accepted.

* The office (admin role) records a baseline (value, year, source: required). It is in
  force at once: the latest *accepted* row is the baseline (``db.queries.baseline_in_force``);
  earlier rows stay as history. Each change is audited with before → after.
* A unit's baseline from its template is a *proposal*: stored ``pending`` with the proposing
  unit, never in force and never replacing the office's value until the office accepts it
  in review (``services.review.review_baselines``, accept or return with a comment).
* Locks: a baseline changes the verdict of every quarter, so (keeping it simple) baselines
  are refused while the plan's **first reported quarter** is locked; the office unlocks it
  with a reason to change a baseline. The same rule applies to proposals and to accepting
  one (``services.review.ensure_baselines_unlocked``).
* Validation: finite values plausible for the measure kind, years 1949–2100 (Chinese
  messages, ``ValueError``); refusals for non-admins (PermissionDenied) and locks
  (PeriodLocked) are audited by ``services.audit.perform``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Baseline, Indicator, Plan, Responsibility, Unit
from db.queries import baseline_in_force
from services.actor import Action, Actor, require
from services.audit import record
from services.benchmarks import check_source, check_value, check_year, find_indicator
from services.review import ensure_baselines_unlocked

NO_BASELINE_KINDS = frozenset({"new_since_baseline", "milestone", "rank"})  # 0 by definition / not meaningful


def _snapshot(baseline: Baseline | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    return {"value": baseline.value, "year": baseline.year, "source": baseline.source}


def record_baseline(
    session: Session,
    actor: Actor,
    plan_code: str,
    indicator_code: str,
    value: Any,
    year: Any,
    source: Any,
    *,
    file_sha256: str = "",
    detail: str = "",
) -> Baseline | None:
    """Append the office's baseline (in force at once); None when it equals the one in force."""
    require(actor, Action.RECORD_BASELINE)
    indicator = find_indicator(session, plan_code, indicator_code)
    number = check_value(value, indicator.measure_kind, "基期值")
    the_year = check_year(year, "基期年份")
    text = check_source(source)
    ensure_baselines_unlocked(session, indicator.plan_id)
    previous = baseline_in_force(indicator.baselines)
    if previous is not None and (previous.value, previous.year, previous.source) == (number, the_year, text):
        return None
    row = Baseline(
        indicator_id=indicator.id,
        value=number,
        year=the_year,
        source=text,
        recorded_by=actor.name,
        review_state="accepted",
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        Action.RECORD_BASELINE.value,
        entity="baseline",
        entity_key=indicator_code,
        before=_snapshot(previous),
        after=_snapshot(row),
        plan_code=plan_code,
        file_sha256=file_sha256,
        detail=detail,
    )
    return row


def propose_baseline(
    session: Session,
    actor: Actor,
    indicator_id: int,
    unit_id: int,
    value: Any,
    year: Any,
    *,
    source: str = "",
    upload_id: int | None = None,
    file_sha256: str = "",
) -> Baseline | None:
    """A unit's proposed baseline, stored ``pending`` (not in force); None when nothing is new.

    Nothing is new when the value and year equal the baseline in force or a proposal of the
    same unit still awaiting review. Reporters propose only for their own units.
    """
    require(actor, Action.RECORD_FIGURE, unit_id)
    indicator = session.scalar(
        select(Indicator).where(Indicator.id == indicator_id).options(selectinload(Indicator.baselines))
    )
    if indicator is None:
        raise LookupError(f"没有编号为 {indicator_id} 的指标")
    responsible = session.scalar(
        select(Responsibility.id).where(
            Responsibility.indicator_id == indicator_id, Responsibility.unit_id == unit_id
        )
    )
    unit_name = session.scalar(select(Unit.name).where(Unit.id == unit_id)) or str(unit_id)
    if responsible is None:
        raise ValueError(f"单位“{unit_name}”不是指标“{indicator.code}”的责任单位，不能提交基期值")
    number = check_value(value, indicator.measure_kind, "基期值")
    the_year = check_year(year, "基期年份")
    ensure_baselines_unlocked(session, indicator.plan_id)
    if is_nothing_new(indicator.baselines, unit_id, number, the_year):
        return None
    row = Baseline(
        indicator_id=indicator.id,
        value=number,
        year=the_year,
        source=(source or f"{unit_name} 提交")[:500],
        recorded_by=actor.name,
        upload_id=upload_id,
        review_state="pending",
        proposed_by_unit_id=unit_id,
    )
    session.add(row)
    session.flush()
    plan_code = session.scalar(select(Plan.code).where(Plan.id == indicator.plan_id)) or ""
    record(
        session,
        actor,
        "propose_baseline",
        entity="baseline",
        entity_key=f"{indicator.code}#{row.id}",
        before=_snapshot(baseline_in_force(indicator.baselines)),
        after={**(_snapshot(row) or {}), "review_state": "pending"},
        plan_code=plan_code,
        unit=unit_name,
        file_sha256=file_sha256,
        detail="基期值建议，待质量办审核，审核通过前不生效",
    )
    return row


def is_nothing_new(baselines: list[Baseline], unit_id: int, value: float, year: int) -> bool:
    """Equal to the baseline in force, or to this unit's proposal still awaiting review."""
    current = baseline_in_force(baselines)
    if current is not None and (current.value, current.year) == (value, year):
        return True
    return any(
        (b.review_state, b.proposed_by_unit_id, b.value, b.year) == ("pending", unit_id, value, year)
        for b in baselines
    )
