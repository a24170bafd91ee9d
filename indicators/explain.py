"""Number formatting and the one-sentence Chinese explanations of verdicts.

Numbers keep at most two decimals and never show a useless ``.0``; quantities in
``%`` are written ``98.5%``, others ``12 个`` (never a bare number where the figure has a
unit, never ``2.00 家``).

Progress ratios are **rounded down** (floored) to whole percent: ``0.6667`` → ``66%``,
``1.2`` → ``120%``, never up.  Flooring can never carry a ratio across a threshold
(a 滞后 verdict never prints ``95%`` or ``100%``).  Only when a ratio lies less than one
point below a threshold (the plan's 正常/滞后 thresholds and always 100%) is one decimal
shown, also floored: ``0.9499`` → ``94.9%``, ``0.996`` → ``99.6%``, so the sentence neither
contradicts the status nor understates a near miss by a whole point.
"""

from __future__ import annotations

import functools
import math

from indicators.model import PlanSettings, TargetSpec
from indicators.vocabulary import Comparator, Direction, MeasureKind, TargetBasis

_PERCENT_UNITS = frozenset({"%", "％", "‰", "个百分点"})
_TIGHT_UNITS = frozenset({"%", "％", "‰"})


def fmt_number(value: float | None, digits: int = 2) -> str:
    """``12.0`` → ``12``, ``98.50`` → ``98.5``, ``1/3`` → ``0.33``; ``None`` → ``—``.

    ``digits`` (default 2) is the most decimals shown.
    """
    if value is None:
        return "—"
    if not math.isfinite(value):
        return str(value)
    whole = int(value)
    if whole == value:
        return str(whole)
    rounded = round(value, digits)
    if rounded == 0:
        return "0"
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


@functools.lru_cache(maxsize=1 << 16)  # pure; asked for every assessment of every quarter shown
def figure_digits(value: float | None, most: int = 4) -> int:
    """The decimals (2 to ``most``) a figure needs to be shown as it was reported.

    Two decimals print 0.427 吨标准煤/万元 as 0.43 and 0.404 as 0.4, which beside a control
    line of 0.39 reads as a rounder figure than the unit reported; such figures keep their
    third (or fourth) decimal. Sums' float noise (0.1 + 0.2) does not count as a decimal.
    """
    if value is None or not math.isfinite(value):
        return 2
    tolerance = 1e-9 * max(1.0, abs(value))
    for digits in range(2, most):
        if abs(round(value, digits) - value) <= tolerance:
            return digits
    return most


def fmt_quantity(value: float | None, unit: str = "", grouping: bool = False, digits: int = 2) -> str:
    """A number with its measure unit: ``98.5%``, ``12 个``, ``3.2``; ``grouping``: ``1,000 个``."""
    text = fmt_number(value, digits)
    if grouping and value is not None and math.isfinite(value) and abs(value) >= 1000:
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, dot, decimals = digits.partition(".")
        text = f"{sign}{int(whole):,}{dot}{decimals}"
    if not unit or value is None:
        return text
    if unit in _TIGHT_UNITS:
        return text + unit
    return f"{text} {unit}"


DEFAULT_THRESHOLDS = (PlanSettings.on_track_ratio, PlanSettings.behind_ratio)  # the dataclass defaults
FULL = 1.0  # 100%: always a threshold (a ratio below it never prints 100%)


def _floor(x: float, digits: int) -> float:
    """``x`` rounded down to ``digits`` decimals, ignoring float noise (0.29 × 100 is 28.999…96)."""
    scale = 10**digits
    return math.floor(round(x * scale, 6)) / scale


def fmt_ratio(ratio: float | None, thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS) -> str:
    """A ratio as a percentage, rounded down: ``0.6667`` → ``66%``, ``1.2`` → ``120%``.

    Within one point below a threshold (``thresholds`` and 100%) one decimal, also rounded
    down: ``0.9499`` → ``94.9%``, ``0.996`` → ``99.6%``; so no ratio ever reads as reaching a
    threshold it has not reached."""
    if ratio is None or not math.isfinite(ratio):
        return "—"
    percent = ratio * 100
    near = any(t * 100 - 1 < percent < t * 100 for t in (*thresholds, FULL))
    return fmt_number(_floor(percent, 1 if near else 0)) + "%"


def is_percent_unit(unit: str) -> bool:
    return unit in _PERCENT_UNITS


def unnest(text: str) -> str:
    """``text`` made fit to stand inside a pair of round brackets: its own full-width round brackets
    become 六角括号 〔〕, the way official documents write brackets within brackets (a plan's or a
    source's wording is kept as given, never rephrased).  ``演示数据：省控目标（省级通报）`` →
    ``演示数据：省控目标〔省级通报〕``."""
    return text.replace("（", "〔").replace("）", "〕")


def bracket(text: str) -> str:
    """``text`` in round brackets, never brackets within brackets (see :func:`unnest`)."""
    return f"（{unnest(text)}）"


def target_text(
    target: TargetSpec,
    unit: str,
    kind: MeasureKind,
    direction: Direction,
    level: float | None,
    nested: bool = False,
) -> str:
    """The target in words, e.g. ``45 个``, ``不高于 5%``, ``1–2 家``, ``新增 45 个（即 110 个）``.

    ``level`` is the target on the figure's scale (baseline + value for an increase target).
    ``nested``: the form for inside brackets, ``新增 45 个，即 110 个`` (a sentence never reads
    "（2025年目标 新增 45 个（即 110 个））").
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
            text += f"，即 {fmt_quantity(level, unit)}" if nested else f"（即 {fmt_quantity(level, unit)}）"
        return text
    return words + fmt_quantity(target.value, unit)


def verb_for(kind: MeasureKind) -> str:
    """``实际累计新增 12 个`` for counts of new items (since the baseline), ``实际为 96.5%`` otherwise."""
    return "累计新增" if kind is MeasureKind.NEW_SINCE_BASELINE else "为"  # not this quarter's


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
