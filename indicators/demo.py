"""Deterministic, plausible demo figures so that a new installation shows a living dashboard.

The generator is seeded by plan and indicator codes, so the same catalogue
always yields the same figures. About a fifth of the indicators lag behind
their path, a few quarters are reported late or not at all, and milestones
complete part-way. Demo figures are stored with ``is_demo`` and removed by
``manage.py demo remove`` without touching real data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from indicators.model import IndicatorSpec, PlanSettings
from indicators.periods import Period, period_range
from indicators.vocabulary import Comparator, Direction, MeasureKind, TargetBasis


@dataclass(frozen=True)
class DemoFigure:
    indicator_code: str
    unit: str
    period: Period
    value: float | None
    field_size: int | None = None
    benchmark_value: float | None = None
    done_on: dt.date | None = None
    entered_at: dt.datetime | None = None


@dataclass(frozen=True)
class DemoBaseline:
    indicator_code: str
    value: float
    year: int


def _rng(*parts: str) -> random.Random:
    seed = int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:16], 16)
    return random.Random(seed)


def _main_target(spec: IndicatorSpec):
    targets = [t for t in spec.targets if t.basis is TargetBasis.LEVEL] or list(spec.targets)
    return max(targets, key=lambda t: t.year) if targets else None


def demo_baseline(spec: IndicatorSpec, settings: PlanSettings) -> DemoBaseline | None:
    """A plausible baseline for level-type indicators that have none (demo only)."""
    if spec.baseline is not None or spec.measure_kind in (
        MeasureKind.NEW_SINCE_BASELINE,
        MeasureKind.MILESTONE,
        MeasureKind.RANK,
    ):
        return None
    target = _main_target(spec)
    if (
        target is None
        or target.value is None
        or target.comparator
        in (
            Comparator.BELOW_BENCHMARK,
            Comparator.ABOVE_BENCHMARK,
        )
    ):
        return None
    rng = _rng("baseline", spec.code)
    goal = target.value
    if spec.measure_kind is MeasureKind.RATE:
        value = max(0.0, min(goal - rng.uniform(2, 8), 99.0)) if goal > 50 else goal * rng.uniform(0.4, 0.7)
    elif spec.direction is Direction.LOWER:
        value = goal * rng.uniform(1.2, 1.6)
    else:
        value = goal * rng.uniform(0.45, 0.7)
    return DemoBaseline(
        spec.code, round(value, 1 if spec.measure_kind is MeasureKind.RATE else 0), settings.baseline_year
    )


def demo_figures(
    plan_code: str, spec: IndicatorSpec, settings: PlanSettings, last: Period, baseline: float | None
) -> list[DemoFigure]:
    """Quarterly figures from the plan's first period to ``last`` for each reporting unit."""
    rng = _rng(plan_code, spec.code)
    target = _main_target(spec)
    periods = period_range(settings.first_period, last)
    if not periods or target is None:
        return []
    lagging = rng.random() < 0.22
    pace = rng.uniform(0.55, 0.8) if lagging else rng.uniform(0.97, 1.15)
    start = settings.baseline_year + 1.0
    end = target.year + 1.0
    figures = []
    for unit in spec.reporters:
        for period in periods:
            prng = _rng(plan_code, spec.code, unit, str(period))
            if prng.random() < 0.04 and period != periods[-1]:
                continue  # an occasional quarter never reported
            share = min(1.0, max(0.0, (period.fractional_year - start) / (end - start))) * pace
            figure = _value_for(spec, target, share, baseline, prng, period)
            if figure is None:
                continue
            value, field_size, benchmark, done_on = figure
            delay = prng.choice([-8, -5, -3, -1, 2]) if prng.random() > 0.1 else prng.randint(12, 30)
            entered = dt.datetime.combine(period.deadline(settings.report_deadline_days), dt.time(10, 0))
            figures.append(
                DemoFigure(
                    spec.code,
                    unit,
                    period,
                    value,
                    field_size,
                    benchmark,
                    done_on,
                    entered + dt.timedelta(days=delay),
                )
            )
    return figures


def _value_for(spec, target, share, baseline, prng, period):
    kind = spec.measure_kind
    if kind is MeasureKind.MILESTONE or target.comparator is Comparator.MILESTONE:
        done = share >= 0.75
        return (1.0 if done else 0.0), None, None, (period.end_date if done else None)
    if kind is MeasureKind.RANK:
        field = 16
        rank = max(1, round(field * (0.65 - 0.3 * share) + prng.uniform(-1, 1)))
        return float(rank), field, None, None
    if target.comparator in (Comparator.BELOW_BENCHMARK, Comparator.ABOVE_BENCHMARK):
        benchmark = round(prng.uniform(0.18, 0.24), 3)
        factor = 0.85 if share > 0.3 else 1.05
        if target.comparator is Comparator.ABOVE_BENCHMARK:
            factor = 2 - factor
        return round(benchmark * factor, 3), None, benchmark, None
    if target.value is None:
        return None
    goal = target.value
    if target.comparator is Comparator.RANGE:
        goal = target.value_high or target.value
    if kind is MeasureKind.NEW_SINCE_BASELINE:
        return float(round(goal * share)), None, None, None
    if target.maintain:
        wobble = prng.uniform(-0.4, 0.3) if goal >= 100 else prng.uniform(-0.5, 1.2)
        value = min(100.0, goal + wobble) if kind is MeasureKind.RATE else goal + wobble
        return round(value, 1), None, None, None
    start = baseline if baseline is not None else goal * 0.6
    value = start + (goal - start) * share + prng.uniform(-0.02, 0.02) * abs(goal - start)
    if kind is MeasureKind.RATE:
        value = min(100.0, max(0.0, value))
        return round(value, 1), None, None, None
    if kind is MeasureKind.STOCK:
        return float(round(value)), None, None, None
    return round(value, 2), None, None, None
