"""What an import validates and diffs against, read with one plain query per table.

:class:`PlanContext` holds the plan's catalogue for the workbook validator
(:class:`workbook.reader.PlanCatalogue`), the ids the writer needs and, per indicator, the
minimal engine spec that decides which period a template asks for
(``indicators.due.owed_in_template``). No ORM objects are built: a plan of 100 indicators ×
100 units reads in a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Baseline, Indicator, Observation, Plan, Responsibility, Target, Unit
from db.plain import as_date, plain_rows
from db.queries import target_spec
from indicators.due import owed_in_template
from indicators.model import IndicatorSpec, TargetSpec
from indicators.periods import Period
from indicators.vocabulary import Frequency, MeasureKind
from services.baselines import NO_BASELINE_KINDS
from services.benchmarks import BENCHMARK_COMPARATORS
from workbook.reader import IndicatorInfo, PlanCatalogue


@dataclass(frozen=True)
class IndicatorRow:
    id: int
    code: str
    name: str
    measure_kind: str
    measure_unit: str
    frequency: str
    targets: tuple  # (year, comparator, text, benchmark) of the targets in force, in order
    whole_items: bool = False  # indivisible counts (家, 个): a figure is a whole number


@dataclass(frozen=True)
class BaselineRow:
    id: int
    indicator_id: int
    value: float
    year: int
    review_state: str
    proposed_by_unit_id: int | None
    effective: dt.datetime  # reviewed_at or recorded_at: when it took effect


@dataclass
class PlanContext:
    plan_id: int
    code: str
    title: str
    jurisdiction: str
    first_period: str
    catalogue: PlanCatalogue
    indicators: dict[str, IndicatorRow]  # code → row, in plan order
    specs: dict[str, IndicatorSpec]
    unit_ids: dict[str, int]  # canonical name → id
    baselines: dict[int, list[BaselineRow]]  # indicator id → rows (id order)
    reporting_order: list[str]  # units that report, in plan order
    stamp: tuple  # catalogue_stamp() when read

    def owed(self, period: Period) -> dict[str, str | None]:
        """Indicator code → the period the template of ``period`` asks its figure for (None: nothing due)."""
        first = Period.parse(self.first_period)
        out = {}
        for code, spec in self.specs.items():
            due = owed_in_template(spec, period, first)
            out[code] = str(due) if due is not None else None
        return out

    def baseline_in_force(self, indicator_id: int) -> BaselineRow | None:
        accepted = [b for b in self.baselines.get(indicator_id, ()) if b.review_state == "accepted"]
        return max(accepted, key=lambda b: (b.effective, b.id)) if accepted else None

    def nothing_new(self, indicator_id: int, unit_id: int, value: float, year: int) -> bool:
        """Equal to the baseline in force, or to this unit's proposal still awaiting review."""
        current = self.baseline_in_force(indicator_id)
        if current is not None and (current.value, current.year) == (value, year):
            return True
        return any(
            (b.review_state, b.proposed_by_unit_id, b.value, b.year) == ("pending", unit_id, value, year)
            for b in self.baselines.get(indicator_id, ())
        )


def catalogue_stamp(session: Session, plan_id: int) -> tuple:
    """A cheap fingerprint of what validation depends on (re-read under the write lock)."""
    ind = select(func.count(Indicator.id), func.max(Indicator.id)).where(Indicator.plan_id == plan_id)
    resp = (
        select(func.count(Responsibility.id), func.max(Responsibility.id))
        .join(Indicator, Indicator.id == Responsibility.indicator_id)
        .where(Indicator.plan_id == plan_id, Responsibility.reports.is_(True))
    )
    tgt = (
        select(func.count(Target.id), func.max(Target.id))
        .join(Indicator, Indicator.id == Target.indicator_id)
        .where(Indicator.plan_id == plan_id, Target.in_force.is_(True))
    )
    return (
        tuple(session.execute(ind).one())
        + tuple(session.execute(resp).one())
        + tuple(session.execute(tgt).one())
    )


def plan_context(session: Session, plan_code: str) -> PlanContext:
    plan = session.execute(
        select(
            Plan.id,
            Plan.code,
            Plan.title,
            Plan.jurisdiction,
            Plan.first_period,
            Plan.baseline_year,
            Plan.horizon_years,
        ).where(Plan.code == plan_code)
    ).first()
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    plan_id = plan.id
    targets: dict[int, list] = {}
    specs_targets: dict[int, list[TargetSpec]] = {}
    for t in session.connection().execute(
        select(
            Target.indicator_id,
            Target.year,
            Target.comparator,
            Target.value,
            Target.value_high,
            Target.basis,
            Target.maintain,
            Target.benchmark,
            Target.text,
            Target.key,
            Target.each_year,
        )
        .join(Indicator, Indicator.id == Target.indicator_id)
        .where(Indicator.plan_id == plan_id, Target.in_force.is_(True))
        .order_by(Target.indicator_id, Target.position, Target.id)
    ):
        targets.setdefault(t.indicator_id, []).append((t.year, t.comparator, t.text, t.benchmark))
        specs_targets.setdefault(t.indicator_id, []).append(
            target_spec(t)
        )
    indicators: dict[str, IndicatorRow] = {}
    specs: dict[str, IndicatorSpec] = {}
    for i in session.connection().execute(
        select(
            Indicator.id,
            Indicator.code,
            Indicator.name,
            Indicator.measure_kind,
            Indicator.measure_unit,
            Indicator.frequency,
            Indicator.release_lag,
            Indicator.whole_items,
        )
        .where(Indicator.plan_id == plan_id)
        .order_by(Indicator.position, Indicator.id)
    ):
        row = IndicatorRow(
            i.id,
            i.code,
            i.name,
            i.measure_kind,
            i.measure_unit or "",
            i.frequency or "quarterly",
            tuple(targets.get(i.id, ())),
            bool(i.whole_items),
        )
        indicators[i.code] = row
        specs[i.code] = IndicatorSpec(
            code=i.code,
            name=i.name,
            measure_kind=MeasureKind(i.measure_kind),
            targets=tuple(specs_targets.get(i.id, ())),
            frequency=Frequency(i.frequency or "quarterly"),
            release_lag=i.release_lag or 0,
        )
    baselines: dict[int, list[BaselineRow]] = {}
    for b in session.connection().execute(
        select(
            Baseline.id,
            Baseline.indicator_id,
            Baseline.value,
            Baseline.year,
            Baseline.review_state,
            Baseline.proposed_by_unit_id,
            Baseline.reviewed_at,
            Baseline.recorded_at,
        )
        .join(Indicator, Indicator.id == Baseline.indicator_id)
        .where(Indicator.plan_id == plan_id)
        .order_by(Baseline.id)
    ):
        baselines.setdefault(b.indicator_id, []).append(
            BaselineRow(
                b.id,
                b.indicator_id,
                b.value,
                b.year,
                b.review_state,
                b.proposed_by_unit_id,
                b.reviewed_at or b.recorded_at or dt.datetime.min,
            )
        )
    names: dict[str, str] = {}
    unit_ids: dict[str, int] = {}
    units = session.connection().execute(
        select(Unit.id, Unit.name, Unit.aliases).where(Unit.jurisdiction == plan.jurisdiction)
    )
    rows = list(units)
    for u in rows:
        for alias in u.aliases or []:
            names.setdefault(str(alias).strip(), u.name)
    for u in rows:
        names[u.name] = u.name
        unit_ids[u.name] = u.id
    reports: dict[str, set[str]] = {}
    order: list[str] = []
    ordered: set[str] = set()
    by_id = {ind.id: ind.code for ind in indicators.values()}
    responsibilities = plain_rows(  # one row per indicator × unit: driver tuples
        session.connection(),
        select(Responsibility.indicator_id, Responsibility.unit_id, Unit.name)
        .join(Unit, Unit.id == Responsibility.unit_id)
        .join(Indicator, Indicator.id == Responsibility.indicator_id)
        .where(Indicator.plan_id == plan_id, Responsibility.reports.is_(True))
        .order_by(Indicator.position, Indicator.id, Responsibility.position, Responsibility.id),
    )
    for indicator_id, unit_id, name in responsibilities:
        reports.setdefault(name, set()).add(by_id[indicator_id])
        if name not in ordered:
            names.setdefault(name, name)
            unit_ids.setdefault(name, unit_id)
            order.append(name)
            ordered.add(name)
    infos = {}
    for code, ind in indicators.items():
        bench = next((t[3] or "基准值" for t in ind.targets if t[1] in BENCHMARK_COMPARATORS), "")
        has_baseline = any(b.review_state == "accepted" for b in baselines.get(ind.id, ()))
        infos[code] = IndicatorInfo(
            code=code,
            name=ind.name,
            measure_kind=ind.measure_kind,
            measure_unit=ind.measure_unit,
            benchmark=bench,
            has_baseline=has_baseline,
            whole_items=ind.whole_items,
            takes_baseline=ind.measure_kind not in NO_BASELINE_KINDS,
        )
    horizon = [int(y) for y in (plan.horizon_years or [])]
    catalogue = PlanCatalogue(
        plan_code=plan.code,
        jurisdiction=plan.jurisdiction,
        indicators=infos,
        unit_names=names,
        reports={k: frozenset(v) for k, v in reports.items()},
        baseline_year=plan.baseline_year or 0,
        last_year=max(horizon) if horizon else 0,
    )
    return PlanContext(
        plan_id,
        plan.code,
        plan.title,
        plan.jurisdiction,
        plan.first_period,
        catalogue,
        indicators,
        specs,
        unit_ids,
        baselines,
        order,
        catalogue_stamp(session, plan_id),
    )


def plan_catalogue(session: Session, plan_code: str) -> PlanCatalogue:
    """What the workbook validator needs to know about a plan."""
    return plan_context(session, plan_code).catalogue


def reporting_units(session: Session, plan_code: str) -> list[str]:
    """Names of units that report at least one indicator of the plan, in plan order."""
    return list(plan_context(session, plan_code).reporting_order)


def template_quarters(session: Session, plan_code: str) -> tuple[Period, Period | None]:
    """The first and the last quarter whose template can ask for anything: from the plan's first
    reported quarter to its last quarter plus the longest release lag (六安 ends in 2025 and its
    2025 annual figures with a lag of two quarters are asked in the 2026Q2 template); None: no end
    (a plan without horizon years). Figures after the plan's last quarter are refused
    (services.observations.check_figure), so later templates would be empty."""
    ctx = plan_context(session, plan_code)
    first = Period.parse(ctx.first_period)
    horizon = session.scalar(select(Plan.horizon_years).where(Plan.id == ctx.plan_id))
    if not horizon:
        return first, None
    lag = max((spec.release_lag for spec in ctx.specs.values()), default=0)
    return first, Period(max(int(y) for y in horizon), 4).shift(max(0, lag))


# the current version of a figure, as read for the diff
CURRENT_COLUMNS = (
    Observation.id,
    Observation.indicator_id,
    Observation.unit_id,
    Observation.period,
    Observation.value,
    Observation.field_size,
    Observation.benchmark_value,
    Observation.done_on,
    Observation.note,
    Observation.retracted,
    Observation.version,
    Observation.review_state,
)


class CurrentFigure(NamedTuple):
    """The current version of a figure (the columns of CURRENT_COLUMNS)."""

    id: int
    indicator_id: int
    unit_id: int
    period: str
    value: float | None
    field_size: int | None
    benchmark_value: float | None
    done_on: dt.date | None
    note: str | None
    retracted: bool
    version: int
    review_state: str


def current_figures(session: Session, ctx: PlanContext, periods: list[str], keys: set | None = None) -> dict:
    """(indicator id, unit id, period) → the current version (one query; only ``keys`` when given)."""
    query = (
        select(*CURRENT_COLUMNS)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(
            Indicator.plan_id == ctx.plan_id,
            Observation.period.in_(periods),
            Observation.superseded_by_id.is_(None),
        )
    )
    if keys is not None and len({k[0] for k in keys}) < len(ctx.indicators):
        query = query.where(Observation.indicator_id.in_(sorted({k[0] for k in keys})))
    out = {}
    make = CurrentFigure._make
    for values in plain_rows(session.connection(), query):  # driver tuples: no result processing
        row = make(values)
        if row.done_on is not None:
            row = row._replace(done_on=as_date(row.done_on))  # retracted: 0/1 or bool, read as truth
        key = (row.indicator_id, row.unit_id, row.period)
        if keys is None or key in keys:
            out[key] = row
    return out
