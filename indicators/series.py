"""One value per quarter from the figures of an indicator's reporting unit(s).

Rules (documented in METHODOLOGY.md):

* A figure counts only if it carries a value (a milestone may instead carry ``done_on``).
* One reporting unit (the usual case): every figure of the quarter counts as the
  indicator's; if there are several, the reporting unit's own wins, then the most
  recently reported.
* Several reporting units: each owes its own figure.  Counts (``new_since_baseline``,
  ``stock``) are added up, and only when every unit's figure is usable (a partial sum
  would understate); for other kinds the first reporting unit's figure is the value
  (the lead unit consolidates), the others only count for completeness.  A figure with
  no unit (entered for the indicator as a whole) stands for all units and wins.
  Figures of units that are not reporting units are ignored.
* A flagged figure (see :mod:`indicators.quality`) counts as reported but is not usable.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

from indicators.model import Figure, IndicatorData, PlanSettings
from indicators.periods import Period
from indicators.quality import QualityFlag, check_series
from indicators.vocabulary import MeasureKind

_ADDITIVE = frozenset({MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK})
WHOLE = ""  # series key of figures that stand for the whole indicator


@dataclass(slots=True)
class Series:
    """Per-quarter points of one indicator, sorted by period (parallel lists)."""

    reporters: tuple[str, ...]
    idx: list[int]  # Period.index of each point
    periods: list[Period]
    values: list[float | None]  # usable value, None when not usable
    reported: list[bool]  # every reporting unit has a figure for the quarter
    missing_units: list[tuple[str, ...]]  # reporting units without a figure
    last_usable: list[int]  # position of the latest usable point at or before each point, -1: none
    field_sizes: list[int | None]
    benchmarks: list[float | None]
    point_flags: list[tuple[QualityFlag, ...]]
    first_done: int  # position of the first point where a milestone is done (len(idx) if never)
    done_on: dt.date | None  # completion date given at ``first_done``
    flags: tuple[QualityFlag, ...]

    def position(self, index: int) -> int:
        """Position of the latest point at or before period index ``index`` (-1: none)."""
        return bisect_right(self.idx, index) - 1


def _has_content(fig: Figure) -> bool:
    return fig.value is not None or fig.done_on is not None


def _better(a: Figure, b: Figure, reporters: tuple[str, ...]) -> bool:
    """Does ``a`` replace ``b``: a reporting unit's figure first, then the newer (unknown time: oldest)."""
    own_a, own_b = a.unit in reporters, b.unit in reporters
    if own_a != own_b:
        return own_a
    if a.reported_at is None:
        return b.reported_at is None
    return b.reported_at is None or a.reported_at >= b.reported_at


def prepare_series(data: IndicatorData, settings: PlanSettings) -> Series:
    spec = data.spec
    kind = spec.measure_kind
    reporters = spec.reporters
    multi = len(reporters) > 1
    by_key: dict[str, dict[int, Figure]] = {}
    for fig in data.figures:
        if not _has_content(fig):
            continue
        if multi:
            key = fig.unit if fig.unit in reporters or fig.unit == WHOLE else None
            if key is None:
                continue
        else:
            key = WHOLE
        slot = by_key.setdefault(key, {})
        i = fig.period.index
        old = slot.get(i)
        if old is None or _better(fig, old, reporters):
            slot[i] = fig

    flagged: dict[tuple[str, int], QualityFlag] = {}
    all_flags: list[QualityFlag] = []
    for key, slot in by_key.items():
        ordered = [slot[i] for i in sorted(slot)]
        for flag in check_series(spec.code, kind, ordered, settings.jump_factor):
            flagged[(key, flag.period.index)] = flag
            all_flags.append(flag)
    all_flags.sort(key=lambda f: (f.period, f.unit))

    indices = sorted({i for slot in by_key.values() for i in slot})
    n = len(indices)
    s = Series(
        reporters=reporters,
        idx=indices,
        periods=[Period.from_index(i) for i in indices],
        values=[None] * n,
        reported=[False] * n,
        missing_units=[()] * n,
        last_usable=[-1] * n,
        field_sizes=[None] * n,
        benchmarks=[None] * n,
        point_flags=[()] * n,
        first_done=n,
        done_on=None,
        flags=tuple(all_flags),
    )
    whole = by_key.get(WHOLE, {})
    parts = [(u, by_key.get(u, {})) for u in reporters] if multi else []
    additive = kind in _ADDITIVE
    milestone = kind is MeasureKind.MILESTONE
    last = -1
    for pos, i in enumerate(indices):
        chosen: Figure | None = None
        value: float | None = None
        fig = whole.get(i)
        if fig is not None:
            s.reported[pos] = True
            if (WHOLE, i) in flagged:
                s.point_flags[pos] = (flagged[(WHOLE, i)],)
            else:
                chosen, value = fig, fig.value
        if multi and chosen is None:
            missing = tuple(u for u, slot in parts if i not in slot)
            flags = tuple(flagged[(u, i)] for u, slot in parts if (u, i) in flagged)
            if fig is None:
                s.reported[pos] = not missing
                s.missing_units[pos] = missing
            s.point_flags[pos] += flags
            if additive:
                if not missing and not flags and all(slot[i].value is not None for _, slot in parts):
                    chosen = parts[0][1][i]
                    value = sum(slot[i].value for _, slot in parts)  # type: ignore[misc]
            else:
                for u, slot in parts:
                    f = slot.get(i)
                    if f is not None and (u, i) not in flagged:
                        chosen, value = f, f.value
                        break
        if chosen is not None:
            s.field_sizes[pos] = chosen.field_size
            s.benchmarks[pos] = chosen.benchmark_value
            if s.first_done == n and (
                chosen.done_on is not None or (milestone and value is not None and value >= 1)
            ):
                s.first_done, s.done_on = pos, chosen.done_on
        if value is not None:
            s.values[pos] = value
            last = pos
        s.last_usable[pos] = last
    return s
