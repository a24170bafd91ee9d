"""Data-quality checks on reported figures (flagged for 核实, never silently used).

Each reporting unit's series is checked in period order, one flag per figure (the
first problem found): an impossible value (a rate outside 0–100, a negative count of
new items, a rank outside the field, a milestone other than 0/1), a cumulative count
(``new_since_baseline``, ``stock``) below the previous accepted figure, or a jump:
``|change| > jump_factor × typical change``, the typical change being the median
absolute change between the unit's earlier accepted figures (needs ≥ 3 earlier
changes; if the median is 0 the mean is used; a series that never moved gives no
scale and is not jump-checked).  Flagged figures are left out of the comparisons
that follow, so one bad figure does not make the next good one look wrong.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass

from indicators.explain import fmt_number
from indicators.model import Figure, IndicatorData, PlanSettings
from indicators.periods import Period
from indicators.vocabulary import MeasureKind

OUT_OF_RANGE = "out_of_range"
DECREASE = "decrease"
JUMP = "jump"

_CUMULATIVE = frozenset({MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK})
_JUMP_CHECKED = frozenset(
    {MeasureKind.RATE, MeasureKind.LEVEL, MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK,
     MeasureKind.PER_CAPITA}
)  # fmt: skip
MIN_EARLIER_CHANGES = 3


@dataclass(frozen=True, slots=True)
class QualityFlag:
    """One figure to be checked (核实) before it is used."""

    indicator_code: str
    unit: str
    period: Period
    value: float | None
    check: str  # OUT_OF_RANGE, DECREASE or JUMP
    reason: str


def _range_problem(kind: MeasureKind, fig: Figure) -> str:
    value = fig.value
    if value is None:
        return ""
    if kind is MeasureKind.RATE and not 0 <= value <= 100:
        return f"比率 {fmt_number(value)}% 超出 0–100% 的范围"
    if kind is MeasureKind.NEW_SINCE_BASELINE and value < 0:
        return f"累计新增数 {fmt_number(value)} 不能为负"
    if kind is MeasureKind.RANK:
        if value < 1:
            return f"位次 {fmt_number(value)} 应不小于 1"
        if fig.field_size is not None and value > fig.field_size:
            return f"位次 {fmt_number(value)} 超过参评单位数 {fig.field_size}"
    if kind is MeasureKind.MILESTONE and value not in (0, 1):
        return f"里程碑只能填 1（已完成）或 0（未完成），填报为 {fmt_number(value)}"
    return ""


def check_series(
    code: str, kind: MeasureKind, figures: Iterable[Figure], jump_factor: float
) -> list[QualityFlag]:
    """Flags for one unit's figures, which must be in period order (one per period)."""
    flags: list[QualityFlag] = []
    prev: float | None = None
    changes: list[float] = []  # sorted absolute changes between accepted figures
    cumulative = kind in _CUMULATIVE
    jump_checked = kind in _JUMP_CHECKED
    for fig in figures:
        value = fig.value
        if value is None:
            continue
        reason, check = _range_problem(kind, fig), OUT_OF_RANGE
        if not reason and prev is not None:
            change = value - prev
            if cumulative and change < 0:
                reason, check = f"累计数比上一期（{fmt_number(prev)}）减少了 {fmt_number(-change)}", DECREASE
            elif jump_checked and len(changes) >= MIN_EARLIER_CHANGES:
                n = len(changes)
                median = changes[n // 2] if n % 2 else (changes[n // 2 - 1] + changes[n // 2]) / 2
                typical = median or sum(changes) / n
                if typical > 0 and abs(change) > jump_factor * typical:
                    reason, check = (
                        f"较上一期（{fmt_number(prev)}）变动 {fmt_number(change)}，"
                        f"超过以往典型变动（{fmt_number(typical)}）的 {fmt_number(jump_factor)} 倍",
                        JUMP,
                    )
        if reason:
            flags.append(QualityFlag(code, fig.unit, fig.period, value, check, reason + "，请核实"))
            continue
        if prev is not None:
            insort(changes, abs(value - prev))
        prev = value
    return flags


def quality_flags(data: IndicatorData, settings: PlanSettings) -> tuple[QualityFlag, ...]:
    """Every flagged figure of an indicator, in period order (see the module doc)."""
    from indicators.series import prepare_series  # local: series imports this module

    return prepare_series(data, settings).flags
