"""Number formatting and the one-sentence Chinese explanations of verdicts.

Numbers keep at most two decimals and never show a useless ``.0``; quantities in
``%`` are written ``98.5%``, others ``12 个``.  Progress ratios are shown as
whole percentages (``67%``), except that a ratio just under a status threshold is
shown truncated to one decimal (0.9499 → ``94.9%``, not ``95%``), so the sentence
never contradicts the status.
"""

from __future__ import annotations

import math

from indicators.model import PlanSettings, TargetSpec
from indicators.vocabulary import Comparator, Direction, MeasureKind, TargetBasis

_PERCENT_UNITS = frozenset({"%", "％", "‰", "个百分点"})
_TIGHT_UNITS = frozenset({"%", "％", "‰"})


def fmt_number(value: float | None) -> str:
    """``12.0`` → ``12``, ``98.50`` → ``98.5``, ``1/3`` → ``0.33``; ``None`` → ``—``."""
    if value is None:
        return "—"
    if not math.isfinite(value):
        return str(value)
    whole = int(value)
    if whole == value:
        return str(whole)
    rounded = round(value, 2)
    if rounded == 0:
        return "0"
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


def fmt_quantity(value: float | None, unit: str = "") -> str:
    """A number with its measure unit: ``98.5%``, ``12 个``, ``3.2``."""
    text = fmt_number(value)
    if not unit or value is None:
        return text
    if unit in _TIGHT_UNITS:
        return text + unit
    return f"{text} {unit}"


DEFAULT_THRESHOLDS = (PlanSettings.on_track_ratio, PlanSettings.behind_ratio)  # the dataclass defaults


def fmt_ratio(ratio: float | None, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS) -> str:
    """A ratio as a percentage: ``0.6667`` → ``67%``; ``0.9499`` → ``94.9%`` when 0.95 is a threshold,
    so that a figure just below a status boundary never reads as if it reached it."""
    if ratio is None or not math.isfinite(ratio):
        return "—"
    whole = round(ratio * 100)
    if any(ratio < t <= whole / 100 for t in thresholds):
        return fmt_number(math.floor(ratio * 1000) / 10) + "%"
    return f"{whole}%"


def is_percent_unit(unit: str) -> bool:
    return unit in _PERCENT_UNITS


def target_text(
    target: TargetSpec, unit: str, kind: MeasureKind, direction: Direction, level: float | None
) -> str:
    """The target in words, e.g. ``45 个``, ``不高于 5%``, ``1–2 家``, ``新增 45 个（即 110 个）``.

    ``level`` is the target on the figure's scale (baseline + value for an increase target).
    """
    comp = target.comparator
    if comp is Comparator.RANGE:
        low = fmt_number(target.value)
        high = fmt_quantity(target.value_high if target.value_high is not None else target.value, unit)
        return f"{low}–{high}"
    if target.value is None:
        return "（目标值未给出）"
    words = {
        Comparator.GT: "超过 ",
        Comparator.LE: "不高于 ",
        Comparator.LT: "低于 ",
    }.get(comp, "")
    if comp is Comparator.EQ and direction is Direction.LOWER:
        words = "不高于 "
    if target.basis is TargetBasis.INCREASE and kind is not MeasureKind.NEW_SINCE_BASELINE:
        text = f"{words}新增 {fmt_quantity(target.value, unit)}"
        if level is not None:
            text += f"（即 {fmt_quantity(level, unit)}）"
        return text
    return words + fmt_quantity(target.value, unit)


def verb_for(kind: MeasureKind) -> str:
    """``实际新增 12 个`` for counts of new items, ``实际为 96.5%`` otherwise."""
    return "新增" if kind is MeasureKind.NEW_SINCE_BASELINE else "为"


def path_sentence(
    period_label: str,
    verb: str,
    current: str,
    expected: str,
    year: int,
    target: str,
    ratio: float | None,
    thresholds: tuple[float, ...] = (),
) -> str:
    """``2026年第2季度实际新增 12 个，序时进度应达 18 个（2027年目标 45 个），完成序时进度的 67%``."""
    return (
        f"{period_label}实际{verb} {current}，序时进度应达 {expected}（{year}年目标 {target}），"
        f"完成序时进度的 {fmt_ratio(ratio, thresholds)}"
    )
