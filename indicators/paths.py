"""Expected paths (序时进度) from a baseline to a target.

Time is measured on the :attr:`~indicators.periods.Period.fractional_year` scale:
baseline year ``Y`` is the end of ``Y`` (``Y + 1.0``), target year ``T`` is the end of
``T``, and quarter ``2026Q2`` is ``2026.5``.  A path is a list of knots
``(time, value)`` starting at the baseline; intermediate knots are the plan's
earlier-year targets (per-year milestones), so the path is piecewise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

LINEAR = "linear"
GROWTH = "growth"
PATH_METHODS = (LINEAR, GROWTH)

Knot = tuple[float, float]


def check_method(method: str) -> str:
    if method not in PATH_METHODS:
        raise ValueError(f"未知的进度计算方法：{method!r}（应为 linear 或 growth）")
    return method


def segment_value(t: float, t0: float, v0: float, t1: float, v1: float, method: str = LINEAR) -> float:
    """The value at ``t`` between knots ``(t0, v0)`` and ``(t1, v1)``, ``t0 < t1``.

    ``growth`` interpolates geometrically (a constant growth rate, as CAGR); it needs
    both ends strictly positive and falls back to linear otherwise (a count of new
    items starts at 0, and no growth rate leads away from 0).
    """
    if t <= t0:
        return v0
    if t >= t1:
        return v1
    share = (t - t0) / (t1 - t0)
    if method == GROWTH and v0 > 0 and v1 > 0:
        # In logs: (v1 / v0) overflows for a tiny v0; the geometric mean stays between the ends.
        value = math.exp(math.log(v0) + (math.log(v1) - math.log(v0)) * share)
        return min(max(value, min(v0, v1)), max(v0, v1))
    return v0 + (v1 - v0) * share


def expected_value(knots: Sequence[Knot], t: float, method: str = LINEAR) -> float:
    """The expected value at time ``t`` on the path through ``knots`` (sorted by time).

    Before the first knot the path is the baseline; after the last, the final target.
    """
    if t <= knots[0][0]:
        return knots[0][1]
    if t >= knots[-1][0]:
        return knots[-1][1]
    i = 1  # the first knot after t (paths have a few knots: a scan, no list of times to bisect)
    while knots[i][0] <= t:
        i += 1
    (t0, v0), (t1, v1) = knots[i - 1], knots[i]  # knots[i-1].t <= t < knots[i].t
    return segment_value(t, t0, v0, t1, v1, method)


def build_knots(
    baseline_time: float,
    baseline_value: float,
    target_time: float,
    target_value: float,
    milestones: Sequence[Knot] = (),
) -> list[Knot]:
    """Knots from the baseline through earlier-year milestones to the target.

    Milestones outside ``(baseline_time, target_time)`` are ignored, and of several at
    the same time the last is kept; a target time at or before the baseline gives a
    path that is the target from the start.
    """
    if target_time <= baseline_time:
        return [(target_time, target_value)]
    if not milestones:
        return [(baseline_time, baseline_value), (target_time, target_value)]
    inner = sorted({t: v for t, v in milestones if baseline_time < t < target_time}.items())
    return [(baseline_time, baseline_value), *inner, (target_time, target_value)]
