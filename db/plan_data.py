"""One plan's engine inputs with plain column queries (no ORM object graphs).

:func:`load_plan_data` returns exactly what the former ORM loader returned (``tests/
test_plan_data.py`` compares them), with one SELECT of the needed columns per table, each
restricted to the plan's indicators through an index (so one plan costs the same whatever
the number of plans stored). ``db.queries.load_plan_data`` delegates here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    Baseline,
    BenchmarkValue,
    FlagDecision,
    Indicator,
    Observation,
    Plan,
    Responsibility,
    Target,
    Unit,
)
from db.queries import target_spec
from indicators.model import (
    BaselineSpec,
    Benchmark,
    Figure,
    IndicatorData,
    IndicatorSpec,
    PendingFigure,
    TargetSpec,
)
from indicators.periods import Period
from indicators.vocabulary import Direction, FigureBasis, Frequency, MeasureKind

PLAN_COLUMNS = (
    Plan.id, Plan.code, Plan.jurisdiction, Plan.level, Plan.title, Plan.baseline_year, Plan.horizon_years,
    Plan.first_period, Plan.settings,
)  # fmt: skip


def plan_infos(session: Session) -> list[Any]:
    """Every plan as a PlanInfo, by id (the plan list), from one plain SELECT."""
    from db.queries import _plan_info

    return [_plan_info(row) for row in session.execute(select(*PLAN_COLUMNS).order_by(Plan.id))]


def _in_force(row: Any, on: dt.date | None) -> bool:
    if on is None:
        return bool(row.in_force)
    if row.effective_from is not None and on < row.effective_from:
        return False
    return bool(row.in_force) or (row.superseded_on is not None and on < row.superseded_on)


def _baseline(rows: list[Any]) -> BaselineSpec | None:
    accepted = [b for b in rows if b.review_state == "accepted"]
    if not accepted:
        return None
    b = max(accepted, key=lambda b: (b.reviewed_at or b.recorded_at or dt.datetime.min, b.id))
    return BaselineSpec(b.value, b.year, b.source)


def load_plan_data(
    session: Session, plan_code: str, include_pending: bool = False, on: dt.date | None = None
) -> tuple[Any, list[IndicatorData]]:
    """Everything the progress engine needs for one plan (targets in force on ``on``, default now)."""
    from db.queries import _plan_info

    plan_row = session.execute(select(*PLAN_COLUMNS).where(Plan.code == plan_code)).first()
    if plan_row is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    plan_id = plan_row.id
    ids = select(Indicator.id).where(Indicator.plan_id == plan_id).scalar_subquery()
    indicators = session.execute(
        select(
            Indicator.id, Indicator.code, Indicator.name, Indicator.measure_kind, Indicator.direction,
            Indicator.measure_unit, Indicator.category, Indicator.frequency, Indicator.figure_basis,
            Indicator.release_lag, Indicator.whole_items, Indicator.definition, Indicator.data_source,
        )
        .where(Indicator.plan_id == plan_id)
        .order_by(Indicator.position, Indicator.id)
    ).all()  # fmt: skip

    targets: dict[int, list[TargetSpec]] = defaultdict(list)
    for t in session.execute(
        select(
            Target.indicator_id, Target.year, Target.comparator, Target.value, Target.value_high,
            Target.basis, Target.maintain, Target.benchmark, Target.text, Target.key, Target.each_year,
            Target.in_force,
            Target.effective_from, Target.superseded_on,
        )
        .where(Target.indicator_id.in_(ids))
        .order_by(Target.indicator_id, Target.position, Target.id)
    ):  # fmt: skip
        if _in_force(t, on):
            targets[t.indicator_id].append(
                target_spec(t)
            )

    baselines: dict[int, list[Any]] = defaultdict(list)
    for b in session.execute(
        select(
            Baseline.id, Baseline.indicator_id, Baseline.value, Baseline.year, Baseline.source,
            Baseline.review_state, Baseline.reviewed_at, Baseline.recorded_at,
        ).where(Baseline.indicator_id.in_(ids))
    ):  # fmt: skip
        baselines[b.indicator_id].append(b)

    lead: dict[int, list[str]] = defaultdict(list)
    co: dict[int, list[str]] = defaultdict(list)
    reporting: dict[int, list[str]] = defaultdict(list)
    for indicator_id, role, reports, unit in session.execute(
        select(Responsibility.indicator_id, Responsibility.role, Responsibility.reports, Unit.name)
        .join(Unit, Unit.id == Responsibility.unit_id)
        .where(Responsibility.indicator_id.in_(ids))
        .order_by(Responsibility.indicator_id, Responsibility.position, Responsibility.id)
    ):
        if role == "lead":
            lead[indicator_id].append(unit)
        elif role == "co":
            co[indicator_id].append(unit)
        if reports:
            reporting[indicator_id].append(unit)

    figures = _figures(session, ids, include_pending)
    benchmarks: dict[int, list[Benchmark]] = defaultdict(list)
    latest: dict[tuple[int, str], Any] = {}
    for row in session.execute(
        select(
            BenchmarkValue.indicator_id, BenchmarkValue.period, BenchmarkValue.value, BenchmarkValue.source,
            BenchmarkValue.is_demo,
        )
        .where(BenchmarkValue.indicator_id.in_(ids))
        .order_by(BenchmarkValue.indicator_id, BenchmarkValue.period, BenchmarkValue.id)
    ):  # fmt: skip
        latest[(row.indicator_id, row.period)] = row  # oldest first: the last row of a period wins
    for (indicator_id, period), row in sorted(latest.items()):
        benchmarks[indicator_id].append(Benchmark(Period.parse(period), row.value, row.source, row.is_demo))
    pending: dict[int, list[PendingFigure]] = defaultdict(list)
    if not include_pending:
        for indicator_id, period, unit, entered_at in session.execute(
            select(Observation.indicator_id, Observation.period, Unit.name, Observation.entered_at)
            .join(Unit, Unit.id == Observation.unit_id)
            .where(
                Observation.indicator_id.in_(ids),
                Observation.review_state == "pending",
                Observation.superseded_by_id.is_(None),
                Observation.retracted.is_(False),
            )
            .order_by(Observation.indicator_id, Observation.period, Unit.name)
        ):
            pending[indicator_id].append(PendingFigure(Period.parse(period), unit, entered_at))

    data = [
        IndicatorData(
            spec=IndicatorSpec(
                code=ind.code,
                name=ind.name,
                measure_kind=MeasureKind(ind.measure_kind),
                direction=Direction(ind.direction),
                measure_unit=ind.measure_unit,
                category=ind.category,
                targets=tuple(targets.get(ind.id, ())),
                baseline=_baseline(baselines.get(ind.id, [])),
                lead_units=tuple(lead.get(ind.id, ())),
                co_units=tuple(co.get(ind.id, ())),
                reporting_units=tuple(reporting.get(ind.id, ())),
                frequency=Frequency(ind.frequency or Frequency.QUARTERLY),
                figure_basis=FigureBasis(ind.figure_basis or FigureBasis.LEVEL),
                release_lag=ind.release_lag or 0,
                whole_items=bool(ind.whole_items),
                definition=ind.definition or "",
                data_source=ind.data_source or "",
            ),
            figures=tuple(sorted(figures.get(ind.id, []), key=lambda f: (f.period, f.unit))),
            benchmarks=tuple(benchmarks.get(ind.id, ())),
            pending=tuple(pending.get(ind.id, ())),
        )
        for ind in indicators
    ]
    return _plan_info(plan_row), data


def _figures(session: Session, ids, include_pending: bool) -> dict[int, list[Figure]]:
    """The counting version of every (indicator, unit, period): the latest accepted one (or pending too).

    Retracted versions withdraw the figure. Flags the office cleared (核实无误) are per version.
    """
    states = ("accepted", "pending") if include_pending else ("accepted",)
    cleared = set(
        session.scalars(
            select(FlagDecision.observation_id)
            .join(Observation, Observation.id == FlagDecision.observation_id)
            .where(Observation.indicator_id.in_(ids), FlagDecision.decision == "cleared")
        )
    )
    best: dict[tuple[int, int, str], Any] = {}
    for row in session.execute(
        select(
            Observation.id, Observation.indicator_id, Observation.unit_id, Observation.period,
            Observation.version, Observation.value, Observation.field_size, Observation.benchmark_value,
            Observation.done_on, Observation.entered_at, Observation.is_demo, Observation.note,
            Observation.retracted, Unit.name,
        )
        .join(Unit, Unit.id == Observation.unit_id)
        .where(Observation.indicator_id.in_(ids), Observation.review_state.in_(states))
    ):  # fmt: skip
        key = (row.indicator_id, row.unit_id, row.period)
        held = best.get(key)
        if held is None or row.version > held.version:
            best[key] = row
    periods: dict[str, Period] = {}
    out: dict[int, list[Figure]] = defaultdict(list)
    for row in best.values():
        if row.retracted:
            continue
        period = periods.get(row.period)
        if period is None:
            period = periods[row.period] = Period.parse(row.period)
        out[row.indicator_id].append(
            Figure(
                period=period,
                value=row.value,
                unit=row.name,
                field_size=row.field_size,
                benchmark_value=row.benchmark_value,
                done_on=row.done_on,
                reported_at=row.entered_at,
                is_demo=row.is_demo,
                note=row.note,
                flag_cleared=row.id in cleared,
            )
        )
    return out
