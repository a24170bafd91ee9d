"""Data-quality checks on reported figures: a flag marks a figure 待核实, it never hides it.

A flagged figure stays in use (on every page, export and briefing it is shown with the
flag's reason) until the office decides: 核实无误 clears the flag (``Figure.flag_cleared``,
the check is then skipped for that figure version), 退回 returns the figure to the unit.

Each reporting unit's raw figures are checked in period order, one flag per figure (the
first problem found):

* **out of range**: a rate outside 0–100 %, a negative count or ratio, a rank below 1 or
  beyond the field, a milestone other than 0/1;
* **decrease**: a count (new items, a stock) reported as a running total or a level
  below the figure before it; a year-to-date total below the figure before it in the
  same year (a new year restarts it); flows are the period's own amounts and may fall;
* **jump**: ``|change| > jump_factor × typical change``, where the typical change is the
  median of the earlier non-zero changes between unflagged figures (after at least
  ``MIN_EARLIER_CHANGES`` earlier changes; a series that never moved gives no scale),
  and the change is also more than ``RELATIVE_FLOOR`` of the figure's size.  For whole
  items (家, 个 …) the typical change is at least one item, so a step of one item is
  never a jump.

Each figure is compared with the one before it.  If that one is itself flagged (and not
cleared), the figure is also compared with the last unflagged one and flagged only if it
is out of line with both: a figure that returns to normal after an outlier is not flagged.
"""

from __future__ import annotations

import math
from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from indicators.explain import figure_digits, fmt_number, fmt_quantity
from indicators.model import Figure, IndicatorData, PlanSettings
from indicators.periods import Period
from indicators.vocabulary import FigureBasis, MeasureKind

OUT_OF_RANGE = "out_of_range"
DECREASE = "decrease"
JUMP = "jump"
CHECK_LABELS = {OUT_OF_RANGE: "超出合理范围", DECREASE: "累计数减少", JUMP: "异常波动"}

_COUNTS = frozenset({MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK})
_NOT_JUMP_CHECKED = frozenset({MeasureKind.RANK, MeasureKind.MILESTONE})
MIN_EARLIER_CHANGES = 3
RELATIVE_FLOOR = 0.05  # a change under 5 % of the figure's size is never a jump


@dataclass(frozen=True, slots=True)
class QualityFlag:
    """One figure to be checked (核实); the figure stays in use meanwhile."""

    indicator_code: str
    unit: str
    period: Period
    value: float | None
    check: str  # OUT_OF_RANGE, DECREASE or JUMP
    reason: str

    @property
    def label(self) -> str:
        return CHECK_LABELS.get(self.check, "待核实")


def _range_problem(kind: MeasureKind, basis: FigureBasis, fig: Figure, unit: str = "") -> str:
    value = fig.value
    if value is None:
        return ""
    if kind is MeasureKind.RATE and not 0 <= value <= 100:
        return f"比率 {fmt_number(value)}% 超出 0–100% 的范围"
    if value < 0 and (
        kind is MeasureKind.NEW_SINCE_BASELINE
        or (kind is MeasureKind.STOCK and basis is not FigureBasis.FLOW)
    ):
        return f"数量 {fmt_quantity(value, unit)} 不能为负"
    if kind in (MeasureKind.RATIO, MeasureKind.PER_CAPITA) and value < 0:
        return f"比值 {fmt_quantity(value, unit)} 不能为负"
    if kind is MeasureKind.RANK:
        if value < 1:
            return f"位次 {fmt_number(value)} 应不小于 1"
        if fig.field_size is not None and value > fig.field_size:
            return f"位次 {fmt_number(value)} 超过参评单位数 {fig.field_size}"
    if kind is MeasureKind.MILESTONE and value not in (0, 1):
        return f"里程碑只能填 1（已完成）或 0（未完成），填报为 {fmt_number(value)}"
    return ""


def _only_grows(kind: MeasureKind, basis: FigureBasis) -> bool:
    """Counts reported as running totals (a stock's level too) are expected not to fall."""
    return kind in _COUNTS and basis is not FigureBasis.FLOW


def _median(sorted_values: list[float]) -> float:
    n = len(sorted_values)
    mid = n // 2
    return sorted_values[mid] if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


class _Rules(NamedTuple):
    """The checks' constants for one measure kind and figure basis."""

    lo: float  # within [lo, hi] _range_problem finds nothing (a rank must also be within its field,
    hi: float  # a milestone be 0 or 1); outside (or NaN) it is asked
    rank: bool
    milestone: bool
    only_grows: bool
    ytd: bool
    jumps: bool  # jumps are checked


def _rules(kind: MeasureKind, basis: FigureBasis) -> _Rules:
    if kind is MeasureKind.RATE:
        lo, hi = 0.0, 100.0
    elif kind is MeasureKind.RANK:
        lo, hi = 1.0, math.inf
    elif kind is MeasureKind.MILESTONE:
        lo, hi = 0.0, 1.0
    elif kind in (MeasureKind.NEW_SINCE_BASELINE, MeasureKind.RATIO, MeasureKind.PER_CAPITA) or (
        kind is MeasureKind.STOCK and basis is not FigureBasis.FLOW
    ):
        lo, hi = 0.0, math.inf
    else:
        lo, hi = -math.inf, math.inf
    return _Rules(
        lo,
        hi,
        kind is MeasureKind.RANK,
        kind is MeasureKind.MILESTONE,
        _only_grows(kind, basis),
        basis is FigureBasis.YTD,
        kind not in _NOT_JUMP_CHECKED,
    )


# derived once: check_series runs for every indicator of a plan on each page
_RULES = {(kind, basis): _rules(kind, basis) for kind in MeasureKind for basis in FigureBasis}


def _step_check(
    only_grows: bool,
    ytd: bool,
    jumps: bool,
    value: float,
    before: float,
    same_year: bool,
    changes: list[float],
    n_changes: int,
    jump_factor: float,
    whole: bool,
) -> str:
    """DECREASE, JUMP or "" for a figure ``value`` after an earlier figure ``before`` (see the module doc)."""
    change = value - before
    if only_grows and change < 0 and (not ytd or same_year):
        return DECREASE
    if not jumps or n_changes < MIN_EARLIER_CHANGES or not changes:
        return ""  # too few earlier changes, or a series that never moved: no scale
    if ytd and not same_year:
        return ""  # a year-to-date total restarts in January
    typical = _median(changes)
    if whole:
        typical = max(typical, 1.0)
    size = abs(change)
    if typical > 0 and size > jump_factor * typical and size > RELATIVE_FLOOR * max(abs(value), abs(before)):
        return JUMP
    return ""


def _step_reason(
    check: str,
    basis: FigureBasis,
    fig: Figure,
    prev: Figure,
    changes: list[float],
    jump_factor: float,
    whole: bool,
    unit: str = "",
) -> str:
    """The words of a DECREASE or JUMP flag found by :func:`_step_check`, every number with its unit
    (a change of a rate in 个百分点)."""
    value, before = fig.value, prev.value
    assert value is not None and before is not None
    change = value - before
    digits = max(figure_digits(value), figure_digits(before))
    step_unit = "个百分点" if unit in ("%", "％") else ("个千分点" if unit == "‰" else unit)

    def level(v: float) -> str:
        return fmt_quantity(v, unit, digits=digits)

    def step(v: float) -> str:
        return fmt_quantity(v, step_unit, digits=digits)

    if check == DECREASE:
        what = "年内累计数" if basis is FigureBasis.YTD else "累计数"
        return f"{what}比{prev.period.label}（{level(before)}）减少了 {step(-change)}"
    typical = _median(changes)
    if whole:
        typical = max(typical, 1.0)
    return (
        f"较{prev.period.label}（{level(before)}）变动 {step(change)}，"
        f"超过以往典型变动（{step(typical)}）的 {fmt_number(jump_factor)} 倍"
    )


def check_series(
    code: str,
    kind: MeasureKind,
    figures: Iterable[Figure],
    jump_factor: float,
    basis: FigureBasis = FigureBasis.LEVEL,
    whole: bool = False,
    unit: str = "",
) -> list[QualityFlag]:
    """Flags for one unit's figures, which must be in period order (one per period).

    One pass; the checks' constants are derived once, and a flag's words are written only
    for a figure that is flagged (this runs for every figure of every plan on each page).
    """
    flags: list[QualityFlag] = []
    lo, hi, rank, milestone, only_grows, ytd, jumps = _RULES[kind, basis]
    prev: Figure | None = None  # the figure just before
    before = 0.0  # its value
    year = prev_year = 0  # the figure's year and its predecessor's (year-to-date totals only)
    prev_flagged = False
    good: Figure | None = None  # the last unflagged (or cleared) figure
    changes: list[float] = []  # sorted non-zero absolute changes between unflagged neighbours
    n_changes = 0  # all changes between unflagged neighbours, zeros included
    # A step at or below ``limit`` is no jump: a jump needs more than jump_factor × the typical change,
    # which is at least the smallest change (``changes[0]``, positive); no change yet: no scale.
    limit = math.inf
    plain = not rank and not milestone  # no range rule beyond [lo, hi]
    linked = False  # ``plain``, and there is a figure before, unflagged (then it is ``good``)
    for fig in figures:
        value = fig.value
        if value is None:
            continue
        if ytd:
            year = fig.period.year  # years matter to year-to-date totals only
        if linked and lo <= value <= hi and (not ytd or year == prev_year):
            step = value - before if value >= before else before - value  # abs(), without a call
            if step <= limit and not (only_grows and value < before):
                # The usual figure: in range, no decrease, no jump (what the general path below
                # concludes for it, in fewer steps); its change adds to the scale of typical changes.
                n_changes += 1
                if step > 0:
                    insort(changes, step)
                    if jumps:
                        limit = jump_factor * changes[0]
                prev = good = fig
                before, prev_year = value, year
                continue
        check = reason = ""
        if (
            not lo <= value <= hi
            or (rank and fig.field_size is not None and value > fig.field_size)
            or (milestone and 0 < value < 1)
        ):
            reason = _range_problem(kind, basis, fig, unit)
            if reason:
                check = OUT_OF_RANGE
        if prev is None:
            step = 0.0
        else:
            step = abs(value - before)
            # A shortcut to _step_check: a decrease needs a lower figure, a jump a step above ``limit``.
            if not check and ((only_grows and value < before) or step > limit):
                check = _step_check(
                    only_grows, ytd, jumps, value, before, year == prev_year, changes, n_changes,
                    jump_factor, whole,
                )  # fmt: skip
                if check and prev_flagged and good is not None:
                    good_value = good.value
                    assert good_value is not None
                    same_year = not ytd or year == good.period.year
                    if not _step_check(
                        only_grows, ytd, jumps, value, good_value, same_year, changes, n_changes,
                        jump_factor, whole,
                    ):  # fmt: skip
                        check = ""
                if check and not fig.flag_cleared:
                    reason = _step_reason(check, basis, fig, prev, changes, jump_factor, whole, unit)
        if check and not fig.flag_cleared:
            flags.append(QualityFlag(code, fig.unit, fig.period, value, check, reason + "，请核实"))
            prev, before, prev_year, prev_flagged, linked = fig, value, year, True, False
            continue
        if prev is not None and not prev_flagged and not (ytd and year != prev_year):
            # an unflagged neighbour (then ``good`` is ``prev``) gives the scale of typical changes
            n_changes += 1
            if step > 0:
                insort(changes, step)
                if jumps:
                    limit = jump_factor * changes[0]
        prev, before, prev_year, prev_flagged, good, linked = fig, value, year, False, fig, plain
    return flags


def quality_flags(data: IndicatorData, settings: PlanSettings) -> tuple[QualityFlag, ...]:
    """Every flagged figure of an indicator, in period order (see the module doc)."""
    from indicators.series import prepare_series  # local: series imports this module

    return prepare_series(data, settings).flags
