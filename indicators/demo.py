"""Deterministic demo figures that look like a real year of reporting.

Each indicator's series follows its own metadata, the way a department would report it:

* **what is due**: only the periods :mod:`indicators.due` says are owed (annual statistics
  once a year, after their release lag; nothing after the final target year except for
  maintenance and benchmark targets); an occasional figure is never reported;
* **counts** of whole items (家, 个, 件 …) grow in **annual batches** (each year's new items
  arrive in one quarter, as recognitions are announced), in whole items, and **plateau at
  the target** once it is reached; a target of a few items is done in one step in some year;
* the **figure basis**: ``flow`` figures are the period's own amount (10, 8, 12, 9 …),
  ``ytd`` figures restart each January (a rate accrued over the year climbs from 0 to the
  year's level), ``level`` and ``cumulative`` figures are the running value;
* **rates** approach the target and then hover near it with small noise (never above 100%);
  maintenance targets (稳定在98%以上) hover around their level;
* **milestones** are done in some year, with the completion date; a 每年 milestone is done
  each year (a lagging one misses a year);
* **benchmarks** (全省平均, 省控目标) are the office's: one per due period, with a source;
* about a fifth of the indicators lag behind their path; a fifth of those that need a
  baseline get none (they show 无法评估, as a real plan would until the office enters it);
* **one outlier per plan**: a cumulative count reported lower than the figure before it
  (this year's items instead of the running total), which the quality check flags 待核实.

Everything is seeded by the plan and indicator codes: the same catalogue always yields the
same figures.  Demo rows are stored with ``is_demo`` and removed without touching real data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from indicators.due import DUE_QUARTERS, due_periods, final_year
from indicators.explain import is_percent_unit
from indicators.model import IndicatorSpec, PlanSettings, TargetSpec
from indicators.periods import Period
from indicators.vocabulary import Comparator, Direction, FigureBasis, MeasureKind, TargetBasis

BENCHMARK_COMPARATORS = frozenset(
    {
        Comparator.BELOW_BENCHMARK,
        Comparator.ABOVE_BENCHMARK,
        Comparator.NOT_ABOVE_BENCHMARK,
        Comparator.NOT_BELOW_BENCHMARK,
    }
)
COUNT_KINDS = frozenset({MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK})
RANK_FIELD = 16  # units ranked in the province
LAGGING_SHARE = 0.2  # indicators behind their path
# 万元 (10,000 元) expressed in each money unit: an open money target's demo figure is a plausible
# budget (a city's quality development fund of a few million 元), not "455.04 元"
MONEY_SCALE = {"元": 10_000.0, "万元": 1.0, "亿元": 0.0001}
NO_BASELINE_SHARE = 0.2  # of those that need a demo baseline: left without one
MISSING_SHARE = 0.04  # figures never reported (never the latest due one)
DEMO_BENCHMARK_SOURCE = "演示数据：省级通报"


@dataclass(frozen=True)
class DemoFigure:
    indicator_code: str
    unit: str
    period: Period
    value: float | None
    field_size: int | None = None
    done_on: dt.date | None = None
    entered_at: dt.datetime | None = None


@dataclass(frozen=True)
class DemoBaseline:
    indicator_code: str
    value: float
    year: int


@dataclass(frozen=True)
class DemoBenchmark:
    indicator_code: str
    period: Period
    value: float
    source: str = DEMO_BENCHMARK_SOURCE


@dataclass(frozen=True)
class DemoPlan:
    baselines: tuple[DemoBaseline, ...]
    figures: tuple[DemoFigure, ...]
    benchmarks: tuple[DemoBenchmark, ...]
    outlier: DemoFigure | None  # the one figure the quality check is meant to flag


def _rng(*parts: str) -> random.Random:
    seed = int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:16], 16)
    return random.Random(seed)


# --- targets on the figure's scale ------------------------------------------------------------


def numeric_targets(spec: IndicatorSpec) -> list[TargetSpec]:
    """Targets with a value that a path can lead to (not milestones, benchmarks or ranks)."""
    return [
        t
        for t in spec.targets
        if t.value is not None
        and t.comparator not in BENCHMARK_COMPARATORS
        and t.comparator not in (Comparator.MILESTONE, Comparator.RANK)
    ]


def is_count(spec: IndicatorSpec) -> bool:
    return spec.measure_kind in COUNT_KINDS or spec.whole_items


def _goal(spec: IndicatorSpec, target: TargetSpec, start: float) -> float:
    """The target's level on the figure's scale (an increase target adds the baseline)."""
    value = float(target.value)  # type: ignore[arg-type]
    if target.comparator is Comparator.RANGE and target.value_high is not None:
        value = float(target.value_high) if spec.direction is Direction.LOWER else float(target.value)
    if target.comparator is Comparator.GT:
        value += 1 if is_count(spec) else 0.1 * (1 if spec.direction is Direction.HIGHER else -1)
    if target.basis is TargetBasis.INCREASE and spec.measure_kind is not MeasureKind.NEW_SINCE_BASELINE:
        value += start
    return value


def _maintained(spec: IndicatorSpec) -> bool:
    return any(t.maintain for t in spec.targets)


def needs_baseline(spec: IndicatorSpec) -> bool:
    """A level-type indicator without a baseline whose target needs one for a path."""
    if spec.baseline is not None or spec.measure_kind in (
        MeasureKind.NEW_SINCE_BASELINE,
        MeasureKind.MILESTONE,
    ):
        return False
    if spec.measure_kind is MeasureKind.RANK:
        return any(t.comparator is Comparator.RANK and t.value is not None for t in spec.targets)
    return bool(numeric_targets(spec))


def _no_baseline_draw(plan_code: str, spec: IndicatorSpec) -> float:
    return _rng("no-baseline", plan_code, spec.code).random()


def left_without_baseline(plan_code: str, specs: Sequence[IndicatorSpec]) -> frozenset[str]:
    """Codes of the indicators that get no demo baseline: about a fifth, at least one per plan."""
    needing = [s for s in specs if needs_baseline(s)]
    chosen = {s.code for s in needing if _no_baseline_draw(plan_code, s) < NO_BASELINE_SHARE}
    if needing and not chosen:
        chosen.add(min(needing, key=lambda s: _no_baseline_draw(plan_code, s)).code)
    return frozenset(chosen)


def _rank_goal(target: TargetSpec) -> float:
    value = float(target.value or 0.5)
    return value if value > 1 else max(1.0, math.floor(RANK_FIELD * value))


def demo_baseline(spec: IndicatorSpec, settings: PlanSettings) -> DemoBaseline | None:
    """A plausible baseline for an indicator that needs one and has none (demo only)."""
    if not needs_baseline(spec):
        return None
    rng = _rng("baseline", spec.code)
    kind = spec.measure_kind
    if kind is MeasureKind.RANK:
        goal = _rank_goal(next(t for t in spec.targets if t.comparator is Comparator.RANK))
        return DemoBaseline(
            spec.code, float(min(RANK_FIELD, goal + rng.randint(2, 5))), settings.baseline_year
        )
    target = max(numeric_targets(spec), key=lambda t: t.year)
    goal = _goal(spec, target, 0.0)
    if target.basis is TargetBasis.INCREASE:
        value = abs(goal) * rng.uniform(3, 6) or rng.uniform(50, 200)  # 新增45件 on a stock of a few hundred
    elif _maintained(spec):
        value = goal + (
            rng.uniform(-1.5, 0.3) if spec.direction is Direction.HIGHER else rng.uniform(-0.3, 1.5)
        )
    elif kind is MeasureKind.RATE:
        value = goal - rng.uniform(2, 8) if goal > 50 else goal * rng.uniform(0.4, 0.7)
    elif spec.direction is Direction.LOWER:
        value = goal * rng.uniform(1.2, 1.6)
    else:
        value = goal * rng.uniform(0.45, 0.7)
    if kind is MeasureKind.RATE:
        value = min(max(value, 0.0), 99.9)
    if is_count(spec):
        value = float(math.floor(value))
        if spec.direction is Direction.HIGHER and target.basis is TargetBasis.LEVEL and goal >= 1:
            value = min(value, goal - 1)
        value = max(value, 0.0)
    else:
        value = round(value, 1 if kind in (MeasureKind.RATE, MeasureKind.SCORE) else 2)
    return DemoBaseline(spec.code, value, settings.baseline_year)


# --- the true course of an indicator ---------------------------------------------------------


@dataclass(frozen=True)
class _Course:
    """The indicator's true level over time (on the figure's scale, before the reporting basis)."""

    spec: IndicatorSpec
    start: float
    knots: tuple[tuple[float, float], ...]  # (time, level): baseline, then each target year end
    pace: float
    lagging: bool
    batch_quarter: int  # counts: the quarter each year's new items arrive (a year late when lagging)
    few: bool  # a whole-item target of a few items: done in one step
    few_done: Period | None  # … and when (None: not done)

    @property
    def final(self) -> float:
        return self.knots[-1][1]

    def level(self, t: float) -> float:
        """Path value at time ``t`` scaled by the pace, never beyond the final target (plateau).

        After the final year a lagging indicator keeps moving at its pace: it may be met late."""
        knots = self.knots
        path = knots[-1][1]
        if t <= knots[0][0]:
            path = knots[0][1]
        elif t > knots[-1][0] and self.pace < 1:
            span = knots[-1][0] - knots[0][0]
            if span > 0:
                path = knots[0][1] + (knots[-1][1] - knots[0][1]) * (t - knots[0][0]) / span
        else:
            for (t0, v0), (t1, v1) in zip(knots, knots[1:], strict=False):
                if t0 <= t <= t1:
                    path = v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1
                    break
        value = self.start + (path - self.start) * self.pace
        if self.spec.direction is Direction.LOWER:
            return max(value, self.final)
        return min(value, self.final)

    def count_at(self, period: Period) -> float:
        """Whole-item running total at a period's end: annual batches, a plateau at the target."""
        if self.few:
            return self.final if self.few_done is not None and period >= self.few_done else self.start
        reached = period.year + 1.0 if period.quarter >= self.batch_quarter else float(period.year)
        if self.lagging:
            reached -= 1.0  # a lagging unit's batch comes a year late
        return float(math.floor(self.level(reached) + 1e-9))


def _is_lagging(plan_code: str, spec: IndicatorSpec) -> bool:
    return _rng(plan_code, spec.code).random() < LAGGING_SHARE


MIN_LAGGING = 2  # every plan has a few indicators behind, as every real plan does


def lagging_codes(plan_code: str, specs: Sequence[IndicatorSpec]) -> frozenset[str]:
    """Indicators whose demo figures lag behind: about a fifth, at least :data:`MIN_LAGGING` with a target."""
    draw = {s.code: _rng(plan_code, s.code).random() for s in specs}
    chosen = {code for code, d in draw.items() if d < LAGGING_SHARE}
    assessable = sorted((s for s in specs if numeric_targets(s)), key=lambda s: draw[s.code])
    for spec in assessable:
        if sum(1 for s in assessable if s.code in chosen) >= MIN_LAGGING:
            break
        chosen.add(spec.code)
    return frozenset(chosen)


def _course(
    plan_code: str, spec: IndicatorSpec, settings: PlanSettings, start: float, lagging: bool | None = None
) -> _Course | None:
    targets = numeric_targets(spec)
    if not targets:
        return None
    rng = _rng(plan_code, spec.code)
    drawn = rng.random() < LAGGING_SHARE  # the same draw as _is_lagging
    lagging = drawn if lagging is None else lagging
    # half of the lagging ones only a little behind (滞后), half far behind (严重滞后)
    pace = (rng.uniform(0.8, 0.92) if rng.random() < 0.5 else rng.uniform(0.5, 0.75)) if lagging else None
    pace = pace or rng.uniform(1.0, 1.15)
    by_year: dict[int, float] = {}
    for t in targets:
        goal = _goal(spec, t, start)
        if t.year in by_year:
            pick = max if spec.direction is Direction.HIGHER else min
            goal = pick(goal, by_year[t.year])
        by_year[t.year] = goal
    knots = [(settings.baseline_year + 1.0, start)] + [(y + 1.0, v) for y, v in sorted(by_year.items())]
    final_year = max(by_year)
    few = spec.whole_items and abs(knots[-1][1] - start) <= settings.few_items
    few_done = None
    if few:
        years = list(range(settings.baseline_year + 1, final_year + 1))
        if not lagging:
            few_done = Period(rng.choice(years), rng.randint(1, 4))
        elif rng.random() < 0.5:
            few_done = Period(final_year + 1, rng.randint(1, 2))  # done late: 逾期完成
    return _Course(
        spec=spec,
        start=start,
        knots=tuple(knots),
        pace=pace,
        lagging=lagging,
        batch_quarter=1 if rng.random() < 0.6 else 2,
        few=few,
        few_done=few_done,
    )


# --- figures ----------------------------------------------------------------------------------


def _round(spec: IndicatorSpec, value: float) -> float:
    if is_count(spec):
        return float(round(value))
    if spec.measure_kind in (MeasureKind.RATE, MeasureKind.SCORE, MeasureKind.CHANGE):
        return round(value, 1)
    return round(value, 3 if abs(value) < 1 else 2)


def _bounded(spec: IndicatorSpec, value: float) -> float:
    if spec.measure_kind is MeasureKind.RATE:
        return min(100.0, max(0.0, value))
    if spec.measure_kind is not MeasureKind.CHANGE:
        return max(0.0, value)
    return value


def _previous_period_end(spec: IndicatorSpec, period: Period) -> Period:
    step = {"quarterly": 1, "half_yearly": 2, "annual": 4}[spec.frequency.value]
    return period.shift(-step)


def _count_value(course: _Course, spec: IndicatorSpec, period: Period, prng: random.Random) -> float:
    """A count in the indicator's reporting basis."""
    basis = spec.figure_basis
    if basis is FigureBasis.FLOW:
        before = _previous_period_end(spec, period)
        step = course.level(period.fractional_year) - course.level(before.fractional_year)
        if course.few:
            return course.count_at(period) - course.count_at(before)
        if step <= 0:
            return 0.0
        amount = step * prng.uniform(0.7, 1.3)
        return float(max(0, round(amount))) if spec.whole_items else round(amount, 2)
    total = course.count_at(period) if spec.whole_items else course.level(period.fractional_year)
    if basis is FigureBasis.YTD:
        year_start = (
            course.count_at(Period(period.year - 1, 4))
            if spec.whole_items
            else course.level(float(period.year))
        )
        return _round(spec, total - year_start)
    return _round(spec, total)


def _level_value(course: _Course, spec: IndicatorSpec, period: Period, prng: random.Random) -> float:
    """A rate or level: the course plus small noise; hovering near the target once there."""
    t = period.fractional_year
    level = course.level(t)
    span = abs(course.final - course.start) or abs(course.final) * 0.05 or 1.0
    if spec.measure_kind is MeasureKind.RATE:
        noise = prng.uniform(-0.3, 0.5)
    else:
        noise = prng.uniform(-0.015, 0.02) * span
    if spec.direction is Direction.LOWER:
        noise = -noise
    if spec.figure_basis is FigureBasis.YTD:
        year_level = course.level(float(period.year + 1))
        return _round(spec, _bounded(spec, year_level * period.quarter / 4 + noise / 2))
    return _round(spec, _bounded(spec, level + noise))


def _maintain_value(spec: IndicatorSpec, goal: float, lagging: bool, prng: random.Random) -> float:
    higher = spec.direction is Direction.HIGHER
    if lagging and prng.random() < 0.6:
        gap = prng.uniform(0.2, 1.8)
    elif goal >= 100 and spec.measure_kind is MeasureKind.RATE:
        gap = 0.0 if prng.random() < 0.9 else prng.uniform(0.1, 0.4)
    else:
        gap = -prng.uniform(0.0, 0.8)  # at or a little better than the level
    return _round(spec, _bounded(spec, goal - gap if higher else goal + gap))


def _milestone_figures(
    plan_code: str,
    spec: IndicatorSpec,
    periods: Sequence[Period],
    settings: PlanSettings,
    lagging: bool | None = None,
) -> list[tuple[Period, float, dt.date | None]]:
    """(period, 1 or 0, done_on) for a milestone indicator."""
    rng = _rng(plan_code, spec.code, "milestone")
    drawn = rng.random() < LAGGING_SHARE
    lagging = drawn if lagging is None else lagging
    targets = sorted((t for t in spec.targets if t.comparator is Comparator.MILESTONE), key=lambda t: t.year)
    if not targets:
        return []
    if any(t.each_year for t in targets):
        last_year = max(t.year for t in targets)
        skipped = rng.randint(settings.baseline_year + 1, last_year) if lagging else None
        done_by_year = {
            y: dt.date(y, rng.randint(3, 11), rng.randint(1, 28))
            for y in range(settings.baseline_year + 1, last_year + 1)
            if y != skipped
        }
        out = []
        for p in periods:
            done = done_by_year.get(p.year)
            out.append((p, 1.0, done) if done and done <= p.end_date else (p, 0.0, None))
        return out
    first = targets[0]
    if lagging:
        done_year = first.year + 1 if rng.random() < 0.5 else None  # late, or not yet
    else:
        done_year = rng.randint(max(settings.baseline_year + 1, first.year - 2), first.year)
    done_on = dt.date(done_year, rng.randint(1, 12), rng.randint(1, 28)) if done_year else None
    return [(p, 1.0, done_on) if done_on and done_on <= p.end_date else (p, 0.0, None) for p in periods]


def _benchmark_base(spec: IndicatorSpec, rng: random.Random) -> float:
    if spec.measure_kind is MeasureKind.RATE:
        return round(rng.uniform(2.5, 6.0), 1)
    return round(rng.uniform(0.18, 0.6), 3)


def demo_benchmarks(plan_code: str, spec: IndicatorSpec, periods: Sequence[Period]) -> list[DemoBenchmark]:
    """The office's benchmark (全省平均, 省控目标) for every due period of a benchmark target."""
    target = next((t for t in spec.targets if t.comparator in BENCHMARK_COMPARATORS), None)
    if target is None:
        return []
    rng = _rng(plan_code, spec.code, "benchmark")
    base = _benchmark_base(spec, rng)
    control = target.comparator in (Comparator.NOT_ABOVE_BENCHMARK, Comparator.NOT_BELOW_BENCHMARK)
    out = []
    for i, p in enumerate(periods):
        drift = (
            1.0 if control else (1 - 0.01 * i) * rng.uniform(0.98, 1.02)
        )  # an average moves; a line does not
        value = round(base * drift, 1 if spec.measure_kind is MeasureKind.RATE else 3)
        name = target.benchmark or ("省控目标" if control else "全省平均")
        # no brackets in the source: a verdict shows it in brackets (…省控目标 0.388（演示数据：…）)
        out.append(DemoBenchmark(spec.code, p, value, f"演示数据：省级通报的{name}"))
    return out


def _benchmark_value(spec: IndicatorSpec, benchmark: float, lagging: bool, progress: float, prng) -> float:
    target = next(t for t in spec.targets if t.comparator in BENCHMARK_COMPARATORS)
    below = target.comparator in (Comparator.BELOW_BENCHMARK, Comparator.NOT_ABOVE_BENCHMARK)
    # a lagging unit starts worse than the benchmark and closes in
    factor = 1.1 - 0.12 * progress if lagging else prng.uniform(0.85, 0.97)
    if not below:
        factor = 2 - factor
    return _round(spec, _bounded(spec, benchmark * factor))


def demo_figures(
    plan_code: str,
    spec: IndicatorSpec,
    settings: PlanSettings,
    last: Period,
    baseline: float | None,
    benchmarks: Sequence[DemoBenchmark] = (),
    lagging: bool | None = None,
) -> list[DemoFigure]:
    """The due figures from the plan's first period to ``last`` for each reporting unit
    (``lagging``: whether the indicator lags behind; None draws it from the codes)."""
    if lagging is None:
        lagging = _is_lagging(plan_code, spec)
    periods = due_periods(spec, settings.first_period, last)
    if not periods or not spec.targets:
        return []
    periods += _late_periods(spec, periods, last, lagging)
    units = spec.reporters
    kind = spec.measure_kind
    values: dict[str, list[tuple[Period, float | None, int | None, dt.date | None]]] = {u: [] for u in units}
    if kind is MeasureKind.MILESTONE or any(t.comparator is Comparator.MILESTONE for t in spec.targets):
        for unit in units:
            values[unit] = [
                (p, v, None, d) for p, v, d in _milestone_figures(plan_code, spec, periods, settings, lagging)
            ]
    elif any(t.comparator in BENCHMARK_COMPARATORS for t in spec.targets):
        by_period = {b.period: b.value for b in benchmarks}
        for unit in units:
            prng = _rng(plan_code, spec.code, unit, "benchmark-figures")
            for i, p in enumerate(periods):
                bench = by_period.get(p, _benchmark_base(spec, _rng(plan_code, spec.code, "benchmark")))
                values[unit].append(
                    (p, _benchmark_value(spec, bench, lagging, i / len(periods), prng), None, None)
                )
    elif kind is MeasureKind.RANK:
        rank_target = next((t for t in spec.targets if t.comparator is Comparator.RANK), spec.targets[0])
        goal = _rank_goal(rank_target)
        start = baseline if baseline is not None else goal + 4
        as_level = replace(rank_target, comparator=Comparator.LE, value=goal, basis=TargetBasis.LEVEL)
        course = _course(
            plan_code,
            replace(spec, targets=(as_level,), direction=Direction.LOWER, whole_items=False),
            settings,
            start,
            lagging,
        )
        for unit in units:
            prng = _rng(plan_code, spec.code, unit, "rank")
            for p in periods:
                level = course.level(p.fractional_year) if course else start
                rank = min(RANK_FIELD, max(1, round(level + prng.uniform(-0.6, 0.6))))
                values[unit].append((p, float(rank), RANK_FIELD, None))
    elif not numeric_targets(spec):
        # the target value is still open (*): a plausible, slowly moving figure all the same
        prng = _rng(plan_code, spec.code, "open")
        if kind is MeasureKind.RATE:
            base = prng.uniform(40, 80)
        elif is_percent_unit(spec.measure_unit) or kind is MeasureKind.CHANGE:
            base = prng.uniform(3, 8)  # a growth or change rate in %
        elif spec.measure_unit in MONEY_SCALE:  # a fund's size: 300万–2000万元 on the unit's scale
            base = round(prng.uniform(300, 2000)) * MONEY_SCALE[spec.measure_unit]
        else:
            base = prng.uniform(100, 1000)
        for unit in units:
            for i, p in enumerate(periods):
                values[unit].append((p, _round(spec, _bounded(spec, base * (1 + 0.01 * i))), None, None))
    else:
        start = 0.0 if kind is MeasureKind.NEW_SINCE_BASELINE else baseline
        if start is None:  # no baseline: the figures start somewhere plausible below the target
            goal = _goal(spec, max(numeric_targets(spec), key=lambda t: t.year), 0.0)
            start = goal * (1.4 if spec.direction is Direction.LOWER else 0.6)
            start = float(math.floor(start)) if is_count(spec) else start
        shares = _shares(plan_code, spec, units)
        for unit in units:
            share = shares[unit]
            unit_spec = spec
            if share != 1.0:  # several units report parts of one count: each reports its own part
                unit_spec = replace(
                    spec,
                    targets=tuple(replace(t, value=_part(t.value, share, spec)) for t in spec.targets),
                )
            unit_start = _part(start, share, spec) if share != 1.0 else start
            course = _course(plan_code, unit_spec, settings, unit_start, lagging)
            if course is None:
                continue
            maintained = next((t for t in spec.targets if t.maintain and t.value is not None), None)
            for p in periods:
                prng = _rng(plan_code, spec.code, unit, str(p))
                if maintained is not None:
                    value = _maintain_value(spec, _goal(spec, maintained, unit_start), course.lagging, prng)
                elif is_count(spec):
                    value = _count_value(course, unit_spec, p, prng)
                else:
                    value = _level_value(course, unit_spec, p, prng)
                values[unit].append((p, value, None, None))
    out: list[DemoFigure] = []
    for unit in units:
        for p, value, field_size, done_on in values[unit]:
            prng = _rng(plan_code, spec.code, unit, str(p), "when")
            if prng.random() < MISSING_SHARE and p != periods[-1]:
                continue  # never reported
            owed = p.shift(max(0, spec.release_lag))
            delay = prng.choice([-8, -5, -3, -1, 0]) if prng.random() > 0.1 else prng.randint(3, 25)
            entered = dt.datetime.combine(owed.deadline(settings.report_deadline_days), dt.time(10, 0))
            out.append(
                DemoFigure(spec.code, unit, p, value, field_size, done_on, entered + dt.timedelta(days=delay))
            )
    return out


def _late_periods(
    spec: IndicatorSpec, periods: Sequence[Period], last: Period, lagging: bool
) -> list[Period]:
    """A lagging indicator's unit goes on reporting after the final year (up to a year), not owed:
    a target met then is 逾期完成, one still short stays 未完成."""
    year = final_year(spec)
    if (
        year is None
        or not lagging
        or not numeric_targets(spec)
        or _maintained(spec)
        or periods[-1] > Period(year, 4)
    ):
        return []
    quarters = DUE_QUARTERS[spec.frequency]
    after = Period(year, 4).shift(1 + max(0, spec.release_lag))
    limit = min(last.shift(-max(0, spec.release_lag)), Period(year + 1, 4))
    return [
        p
        for p in (Period.from_index(i) for i in range(Period(year + 1, 1).index, limit.index + 1))
        if p.quarter in quarters and p.shift(max(0, spec.release_lag)) >= after
    ]


def _shares(plan_code: str, spec: IndicatorSpec, units: Sequence[str]) -> dict[str, float]:
    """Each reporting unit's part of a count that several units report (1.0 each otherwise)."""
    if len(units) < 2 or not is_count(spec):
        return dict.fromkeys(units, 1.0)
    rng = _rng(plan_code, spec.code, "shares")
    weights = [rng.uniform(0.5, 1.5) for _ in units]
    total = sum(weights)
    return {u: w / total for u, w in zip(units, weights, strict=True)}


def _part(value: float | None, share: float, spec: IndicatorSpec) -> float | None:
    if value is None:
        return None
    part = value * share
    return float(math.ceil(part)) if spec.whole_items else part


# --- the plan as a whole ----------------------------------------------------------------------


def _only_grows(spec: IndicatorSpec) -> bool:
    """A running count the quality check expects never to fall."""
    if spec.figure_basis is FigureBasis.CUMULATIVE:
        return spec.measure_kind in COUNT_KINDS
    return spec.figure_basis is FigureBasis.LEVEL and spec.measure_kind is MeasureKind.NEW_SINCE_BASELINE


def _with_outlier(
    plan_code: str, specs: Sequence[IndicatorSpec], figures: list[DemoFigure]
) -> DemoFigure | None:
    """Replace one figure of the plan by an outlier the quality check flags; return it."""
    rng = _rng(plan_code, "outlier")
    by_code = {s.code: s for s in specs}
    series: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(figures):
        series.setdefault((f.indicator_code, f.unit), []).append(i)
    candidates = []  # (position in figures, outlier value)
    for (code, _), idx in sorted(series.items()):
        spec = by_code[code]
        if not _only_grows(spec) or spec.frequency.value != "quarterly" or len(idx) < 6:
            continue
        for j in range(3, len(idx) - 1):
            before, fig = figures[idx[j - 1]], figures[idx[j]]
            if before.value is not None and before.value >= 4 and fig.value is not None:
                # this year's new items instead of the running total: far below the figure before it
                candidates.append((idx[j], float(math.floor(before.value * rng.uniform(0.2, 0.5)))))
    if not candidates:
        for (code, _), idx in sorted(series.items()):
            spec = by_code[code]
            if (
                spec.measure_kind is MeasureKind.RATE
                and spec.figure_basis is FigureBasis.LEVEL
                and len(idx) >= 4
            ):
                for j in range(1, len(idx) - 1):
                    value = figures[idx[j]].value
                    if value is not None and value > 20:
                        candidates.append((idx[j], round(value * 10, 1)))  # the decimal point slipped: 965%
    if not candidates:
        return None
    position, value = candidates[rng.randrange(len(candidates))]
    figures[position] = replace(figures[position], value=value)
    return figures[position]


def demo_plan(
    plan_code: str,
    specs: Sequence[IndicatorSpec],
    settings: PlanSettings,
    last: Period,
) -> DemoPlan:
    """Baselines, benchmarks and figures for every indicator of a plan, with its one outlier."""
    baselines: list[DemoBaseline] = []
    benchmarks: list[DemoBenchmark] = []
    figures: list[DemoFigure] = []
    without = left_without_baseline(plan_code, specs)
    behind = lagging_codes(plan_code, specs)
    for spec in specs:
        extra = None if spec.code in without else demo_baseline(spec, settings)
        if extra is not None:
            baselines.append(extra)
        baseline = spec.baseline.value if spec.baseline else (extra.value if extra else None)
        own = demo_benchmarks(plan_code, spec, due_periods(spec, settings.first_period, last))
        benchmarks.extend(own)
        figures.extend(demo_figures(plan_code, spec, settings, last, baseline, own, spec.code in behind))
    outlier = _with_outlier(plan_code, specs, figures)
    return DemoPlan(tuple(baselines), tuple(figures), tuple(benchmarks), outlier)


__all__ = [
    "DemoBaseline",
    "DemoBenchmark",
    "DemoFigure",
    "DemoPlan",
    "demo_baseline",
    "demo_benchmarks",
    "demo_figures",
    "demo_plan",
    "lagging_codes",
    "left_without_baseline",
    "needs_baseline",
]
