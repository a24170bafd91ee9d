"""Builders shared by the progress-engine tests (no tests here)."""

from __future__ import annotations

import datetime as dt

from indicators.model import (
    BaselineSpec,
    Figure,
    IndicatorData,
    IndicatorSpec,
    PlanSettings,
    TargetSpec,
)
from indicators.periods import Period
from indicators.vocabulary import Comparator, Direction, MeasureKind, TargetBasis

P = Period.parse
LEAD = "市市场监管局"
SETTINGS = PlanSettings(baseline_year=2024, first_period=P("2025Q1"))


def target(
    year: int,
    comparator: Comparator,
    value: float | None = None,
    high: float | None = None,
    *,
    basis: TargetBasis = TargetBasis.LEVEL,
    maintain: bool = False,
    benchmark: str = "",
    text: str = "",
) -> TargetSpec:
    return TargetSpec(
        year, comparator, value, high, basis, maintain, benchmark, text, key=f"{year}-{comparator}"
    )


def spec(
    kind: MeasureKind = MeasureKind.NEW_SINCE_BASELINE,
    targets: tuple[TargetSpec, ...] = (),
    baseline: tuple[float, int] | None = None,
    direction: Direction = Direction.HIGHER,
    unit: str = "个",
    *,
    code: str = "T-01",
    name: str = "测试指标",
    category: str = "产品质量",
    lead: tuple[str, ...] = (LEAD,),
    co: tuple[str, ...] = (),
    reporters: tuple[str, ...] = (),
) -> IndicatorSpec:
    return IndicatorSpec(
        code=code,
        name=name,
        measure_kind=kind,
        direction=direction,
        measure_unit=unit,
        category=category,
        targets=targets,
        baseline=BaselineSpec(*baseline) if baseline else None,
        lead_units=lead,
        co_units=co,
        reporting_units=reporters,
    )


def fig(
    period: str,
    value: float | None,
    unit: str = LEAD,
    *,
    field_size: int | None = None,
    benchmark: float | None = None,
    done_on: dt.date | None = None,
) -> Figure:
    return Figure(P(period), value, unit, field_size, benchmark, done_on)


def series(*pairs: tuple[str, float], unit: str = LEAD) -> tuple[Figure, ...]:
    return tuple(fig(p, v, unit) for p, v in pairs)


def data(s: IndicatorSpec, *figures: Figure) -> IndicatorData:
    return IndicatorData(s, tuple(figures))
