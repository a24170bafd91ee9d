"""Plain, immutable inputs of the progress engine.

``db.queries`` turns database rows into these; tests build them directly.
Nothing here knows about SQL or Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from indicators.periods import Period
from indicators.vocabulary import (
    Comparator,
    Direction,
    FigureBasis,
    Frequency,
    MeasureKind,
    TargetBasis,
)


@dataclass(frozen=True)
class TargetSpec:
    """One target in force: ``comparator`` applied to ``value`` (and ``value_high``) in ``year``."""

    year: int
    comparator: Comparator
    value: float | None = None
    value_high: float | None = None
    basis: TargetBasis = TargetBasis.LEVEL
    maintain: bool = False
    benchmark: str = ""
    text: str = ""
    key: str = ""
    each_year: bool = False  # 每年: a milestone (or maintenance) due in every year up to ``year``


@dataclass(frozen=True)
class BaselineSpec:
    value: float
    year: int
    source: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    measure_kind: MeasureKind
    direction: Direction = Direction.HIGHER
    measure_unit: str = ""
    category: str = ""
    targets: tuple[TargetSpec, ...] = ()
    baseline: BaselineSpec | None = None
    lead_units: tuple[str, ...] = ()
    co_units: tuple[str, ...] = ()
    reporting_units: tuple[str, ...] = ()
    frequency: Frequency = Frequency.QUARTERLY
    figure_basis: FigureBasis = FigureBasis.LEVEL
    release_lag: int = 0  # quarters after a period's end before its figure can exist
    whole_items: bool = False  # indivisible counts (家, 个, 件, 项): expected values are whole items
    definition: str = ""  # 统计口径 / 计算方法
    data_source: str = ""  # 统计局年报, 省局通报 …

    @property
    def reporters(self) -> tuple[str, ...]:
        """Units that owe the quarterly figure (default: the first lead unit)."""
        if self.reporting_units:
            return self.reporting_units
        return self.lead_units[:1]


@dataclass(frozen=True)
class Figure:
    """The current version of one reported figure (one unit, one quarter)."""

    period: Period
    value: float | None
    unit: str = ""
    field_size: int | None = None  # rank indicators: how many units were ranked
    benchmark_value: float | None = None  # benchmark-relative targets: e.g. 全省平均 that quarter
    done_on: dt.date | None = None  # milestones: completion date
    reported_at: dt.datetime | None = None
    is_demo: bool = False
    note: str = ""
    flag_cleared: bool = False  # the office checked a data-quality flag on this figure (核实无误)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark (全省平均, 省控目标) for a period, entered by the office with its source."""

    period: Period
    value: float
    source: str = ""
    is_demo: bool = False


@dataclass(frozen=True)
class PendingFigure:
    """A figure submitted by a unit and awaiting review (待审核): on time, not yet counted."""

    period: Period
    unit: str
    submitted_at: dt.datetime | None = None


@dataclass(frozen=True)
class PlanSettings:
    """Per-plan settings of the progress engine; defaults are explained in README (方法说明)."""

    baseline_year: int
    first_period: Period
    path_method: str = "linear"  # "linear" (序时进度) or "growth" (constant growth rate)
    on_track_ratio: float = 0.95  # progress ratio at or above: 正常
    behind_ratio: float = 0.6  # at or above (and below on_track): 滞后; below: 严重滞后
    report_deadline_days: int = 10  # days after quarter end that still count as on time
    escalation_quarters: int = 2  # consecutive quarters behind before a warning notice
    jump_factor: float = 4.0  # a change this many times the typical change is flagged for 核实
    maintain_behind_gap: float = 1.0  # maintenance target missed by at most this (figure's unit): 滞后
    few_items: int = 3  # a whole-item target of at most this many items is judged by its year only

    @classmethod
    def from_mapping(
        cls, baseline_year: int, first_period: Period, overrides: Mapping[str, Any] | None = None
    ) -> PlanSettings:
        """Defaults overridden by a plan's ``settings`` mapping (unknown keys are refused)."""
        base = cls(baseline_year=baseline_year, first_period=first_period)
        overrides = dict(overrides or {})
        known = {f.name for f in fields(cls)} - {"baseline_year", "first_period"}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"未知的计划设置项：{', '.join(sorted(unknown))}")
        return replace(base, **overrides)


@dataclass(frozen=True)
class ReportRecord:
    """When a unit's figure for an indicator and quarter first arrived (completeness)."""

    indicator_code: str
    unit: str
    period: Period
    first_reported_at: dt.datetime


@dataclass(frozen=True)
class IndicatorData:
    """An indicator with every figure reported for it, ready for assessment."""

    spec: IndicatorSpec
    figures: tuple[Figure, ...] = field(default_factory=tuple)
    benchmarks: tuple[Benchmark, ...] = ()  # sorted by period
    pending: tuple[PendingFigure, ...] = ()  # figures awaiting review (not in ``figures``)
