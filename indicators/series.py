"""One value per period from the figures of an indicator's reporting unit(s), on the target's scale.

Rules (documented in METHODOLOGY.md):

* A figure counts only if it carries a value (a milestone may instead carry ``done_on``).
* One reporting unit (the usual case): every figure of the period counts as the
  indicator's; if there are several, the reporting unit's own wins, then the most
  recently reported.
* Several reporting units: each owes its own figure.  Counts (``new_since_baseline``,
  ``stock``) are added up, and only when every unit's figure is there (a partial sum
  would understate); for other kinds the first reporting unit's figure is the value
  (the lead unit consolidates), the others only count for completeness.  A figure with
  no unit (entered for the indicator as a whole) stands for all units and wins.
  Figures of units that are not reporting units are ignored.
* A figure with a data-quality flag (:mod:`indicators.quality`) stays in use; the flag
  travels with the point (``point_flags``) so that every view can mark it 待核实.
* The figure basis converts the reported figures to the target's scale:
  ``level`` and ``cumulative`` are used as they are; ``flow`` (the period's own amount)
  is summed over the periods after the baseline year (a stock adds the baseline);
  ``ytd`` (year-to-date, restarts each January) becomes a running total for counts
  (previous years' last figures plus this year's), and for rates and levels it stays the
  year-to-date figure, judged against a path that accrues within the year (``accrual``).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from indicators.due import is_period_end
from indicators.model import Figure, IndicatorData, IndicatorSpec, PlanSettings
from indicators.periods import Period, quarter_index
from indicators.quality import QualityFlag, check_series
from indicators.vocabulary import Comparator, FigureBasis, MeasureKind

_ADDITIVE = frozenset({MeasureKind.NEW_SINCE_BASELINE, MeasureKind.STOCK})
# Bound once: on Python 3.11 looking an Enum member up on its class costs several times a module
# global, and prepare_series runs for every indicator of a plan on each page.
_YTD, _FLOW = FigureBasis.YTD, FigureBasis.FLOW
_STOCK, _MILESTONE_KIND = MeasureKind.STOCK, MeasureKind.MILESTONE
_COMP_MILESTONE, _COMP_RANK = Comparator.MILESTONE, Comparator.RANK
_AS_REPORTED = frozenset({FigureBasis.LEVEL, FigureBasis.CUMULATIVE})  # figures used as they are
WHOLE = ""  # series key of figures that stand for the whole indicator
BENCHMARK_REACH = 4  # a benchmark serves the figures of up to this many quarters after its own period
_NO_PENDING: frozenset[int] = frozenset()


@dataclass(slots=True)
class Series:
    """Per-period points of one indicator, sorted by period (parallel lists).

    Built once and never changed afterwards: ``values`` may be ``raw`` itself (figures used as
    reported), and what is usually empty (completions, benchmarks) is the shared empty tuple, not
    a list of its own (fewer objects to allocate and collect for every indicator on each page).
    """

    reporters: tuple[str, ...]
    idx: list[int]  # Period.index of each point
    periods: list[Period]
    values: list[float | None]  # value on the target's scale, None when not usable
    raw: list[float | None]  # the reported figure (all units combined), before conversion
    reported: list[bool]  # every reporting unit has a figure for the period
    missing_units: list[tuple[str, ...]]  # reporting units without a figure
    last_usable: list[int]  # position of the latest usable point at or before each point, -1: none
    field_sizes: list[int | None]  # only rank targets read them: all None for an indicator without one
    point_flags: list[tuple[QualityFlag, ...]]
    completions: Sequence[tuple[dt.date, int]]  # milestones: (completion date, position reported), in order
    flags: tuple[QualityFlag, ...]
    pending: frozenset[int]  # period indices with a figure awaiting review
    bm_idx: Sequence[int]  # benchmarks: period indices, sorted
    bm_values: Sequence[float]
    bm_sources: Sequence[str]
    accrual: bool = False  # ytd rates/levels: the expected value accrues within each year
    needs_baseline: bool = False  # flows of a stock without a baseline: no level can be known
    # flows and year-to-date counts: per point, the due periods before it missing from its total
    gaps: list[tuple[Period, ...]] | None = None

    def position(self, index: int) -> int:
        """Position of the latest point at or before period index ``index`` (-1: none)."""
        return bisect_right(self.idx, index) - 1

    def benchmark_for(self, period: Period) -> tuple[float, Period, str] | None:
        """The office's benchmark for ``period``: its own, else the latest of the previous quarters."""
        k = bisect_right(self.bm_idx, period.index) - 1
        if k < 0 or period.index - self.bm_idx[k] >= BENCHMARK_REACH:
            return None
        return self.bm_values[k], Period.from_index(self.bm_idx[k]), self.bm_sources[k]


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


def _convert(
    basis: FigureBasis,
    kind: MeasureKind,
    periods: list[Period],
    raw: list[float | None],
    base: float | None,
    base_year: int | None,
) -> tuple[list[float | None], bool]:
    """Values on the target's scale; True if a stock's flows lack the baseline to start from."""
    if basis in _AS_REPORTED:
        return raw, False  # the same list: neither is changed once the series is built
    counts = kind in _ADDITIVE
    if basis is _YTD and not counts:
        return raw, False
    offset = 0.0
    if kind is _STOCK:
        if base is None:
            return [None] * len(raw), True
        offset = base
    out: list[float | None] = []
    if basis is _FLOW:
        total = offset
        for period, value in zip(periods, raw, strict=True):
            if value is not None and (base_year is None or period.year > base_year):
                total += value
            out.append(total if value is not None else None)
        return out, False
    # year-to-date counts: earlier years' last figures + this year's figure
    closed = 0.0  # totals of the years before the current one
    year: int | None = None
    year_last = 0.0
    for period, value in zip(periods, raw, strict=True):
        if year is not None and period.year != year:
            if base_year is None or year > base_year:
                closed += year_last
            year_last = 0.0
        year = period.year
        if value is None:
            out.append(None)
            continue
        year_last = value
        out.append(offset + closed + value if base_year is None or period.year > base_year else None)
    return out, False


def _completions(
    chosen: Sequence[Figure | None], values: list[float | None], periods: list[Period]
) -> list[tuple[dt.date, int]]:
    """Completion events of a milestone: a new ``done_on`` date, or a run of figures marked done."""
    events: list[tuple[dt.date, int]] = []
    in_run = False
    last_date: dt.date | None = None
    for pos, (fig, value) in enumerate(zip(chosen, values, strict=True)):
        done_on = fig.done_on if fig is not None else None
        done = done_on is not None or (value is not None and value >= 1)
        if not done:
            in_run = False
            continue
        if done_on is not None:
            if done_on != last_date:
                events.append((done_on, pos))
                last_date = done_on
        elif not in_run:
            events.append((periods[pos].end_date, pos))
            last_date = periods[pos].end_date
        in_run = True
    return events


def _choose_single(figures: tuple[Figure, ...], reporters: tuple[str, ...]) -> tuple[list[int], list[Figure]]:
    """One reporting unit: the period indices, ascending, and the figure that counts for each.

    Figures usually come in period order; then one pass suffices (several figures of one
    period are then neighbours). Otherwise they are gathered by period and sorted.
    """
    indices: list[int] = []
    chosen: list[Figure] = []
    last = -1
    for fig in figures:
        if fig.value is None and fig.done_on is None:  # no content
            continue
        i = fig.period.index
        if i > last:
            indices.append(i)
            chosen.append(fig)
            last = i
        elif i == last:
            if _better(fig, chosen[-1], reporters):
                chosen[-1] = fig
        else:  # out of order
            slot = _choose(figures, reporters, False)[WHOLE]
            indices = sorted(slot)
            return indices, [slot[i] for i in indices]
    return indices, chosen


def _choose(
    figures: tuple[Figure, ...], reporters: tuple[str, ...], multi: bool
) -> dict[str, dict[int, Figure]]:
    """Series key (a reporting unit, or WHOLE) → period index → the figure that counts."""
    by_key: dict[str, dict[int, Figure]] = {}
    for fig in figures:
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
    return by_key


def prepare_series(
    data: IndicatorData, settings: PlanSettings, base: float | None = None, base_year: int | None = None
) -> Series:
    """The indicator's series (see the module doc), its quality flags checked once.

    This runs for every indicator of a plan on each page, so the single-reporter case (one
    figure per period, nothing to combine) takes a direct path; the periods are those of
    the figures themselves.
    """
    spec = data.spec
    kind = spec.measure_kind
    basis = spec.figure_basis
    reporters = spec.reporters
    multi = len(reporters) > 1
    flagged: dict[tuple[str, int], QualityFlag] = {}
    all_flags: list[QualityFlag] = []
    jump_factor, code, whole_items = settings.jump_factor, spec.code, spec.whole_items
    comparators = [t.comparator for t in spec.targets]
    if not multi:
        indices, figs = _choose_single(data.figures, reporters)
        all_flags = check_series(code, kind, figs, jump_factor, basis, whole_items, spec.measure_unit)
        n = len(indices)
        chosen_figs: Sequence[Figure | None] = figs
        periods = [f.period for f in figs]
        raw: list[float | None] = [f.value for f in figs]
        reported = [True] * n
        missing_units: list[tuple[str, ...]] = [()] * n
        field_sizes: list[int | None] = [None] * n
        if _COMP_RANK in comparators:
            field_sizes = [f.field_size for f in figs]
        point_flags: list[tuple[QualityFlag, ...]] = [()] * n
        if all_flags:
            at = {i: pos for pos, i in enumerate(indices)}
            for flag in all_flags:
                point_flags[at[flag.period.index]] = (flag,)
    else:
        by_key = _choose(data.figures, reporters, multi)
        for key, slot in by_key.items():
            ordered = [slot[i] for i in sorted(slot)]
            for flag in check_series(code, kind, ordered, jump_factor, basis, whole_items, spec.measure_unit):
                flagged[(key, flag.period.index)] = flag
                all_flags.append(flag)
        all_flags.sort(key=lambda f: (f.period, f.unit))
        indices = sorted({i for slot in by_key.values() for i in slot})
        n = len(indices)
        periods = [Period.from_index(i) for i in indices]
        raw = [None] * n
        reported = [False] * n
        missing_units = [()] * n
        field_sizes = [None] * n
        point_flags = [()] * n
        multi_chosen: list[Figure | None] = [None] * n
        chosen_figs = multi_chosen
        whole = by_key.get(WHOLE, {})
        parts = [(u, by_key.get(u, {})) for u in reporters]
        additive = kind in _ADDITIVE
        for pos, i in enumerate(indices):
            chosen: Figure | None = None
            value: float | None = None
            fig = whole.get(i)
            if fig is not None:
                reported[pos] = True
                chosen, value = fig, fig.value
                if (WHOLE, i) in flagged:
                    point_flags[pos] = (flagged[(WHOLE, i)],)
            if chosen is None:
                missing = tuple(u for u, slot in parts if i not in slot)
                reported[pos] = not missing
                missing_units[pos] = missing
                point_flags[pos] = tuple(flagged[(u, i)] for u, slot in parts if (u, i) in flagged)
                if additive:
                    if not missing and all(slot[i].value is not None for _, slot in parts):
                        chosen = parts[0][1][i]
                        value = sum(slot[i].value for _, slot in parts)  # type: ignore[misc]
                else:
                    for _u, slot in parts:
                        f = slot.get(i)
                        if f is not None:
                            chosen, value = f, f.value
                            break
            multi_chosen[pos] = chosen
            raw[pos] = value
            if chosen is not None:
                field_sizes[pos] = chosen.field_size

    values, needs_baseline = _convert(basis, kind, periods, raw, base, base_year)
    if None in values:
        last_usable = [-1] * n
        last = -1
        for pos, value in enumerate(values):
            if value is not None:
                last = pos
            last_usable[pos] = last
    else:  # every point usable (the usual case)
        last_usable = list(range(n))
    if kind is _MILESTONE_KIND:
        completions = _completions(chosen_figs, raw, periods)
    elif _COMP_MILESTONE in comparators:
        # a milestone on a figure of another kind (a rate …): only a completion date marks it done
        completions = _completions(chosen_figs, [None] * n, periods)
    else:
        completions = ()
    pending = (
        frozenset(f.period.index for f in data.pending if not multi or f.unit in reporters or f.unit == WHOLE)
        if data.pending
        else _NO_PENDING
    )
    bm_idx: Sequence[int] = ()
    bm_values: Sequence[float] = ()
    bm_sources: Sequence[str] = ()
    if data.benchmarks:
        bms = sorted(data.benchmarks, key=lambda b: b.period.index)
        bm_idx = [b.period.index for b in bms]
        bm_values = [b.value for b in bms]
        bm_sources = [b.source for b in bms]
    return Series(
        reporters=reporters,
        idx=indices,
        periods=periods,
        values=values,
        raw=raw,
        reported=reported,
        missing_units=missing_units,
        last_usable=last_usable,
        field_sizes=field_sizes,
        point_flags=point_flags,
        completions=completions,
        flags=tuple(all_flags),
        pending=pending,
        bm_idx=bm_idx,
        bm_values=bm_values,
        bm_sources=bm_sources,
        accrual=basis is _YTD and kind not in _ADDITIVE,
        needs_baseline=needs_baseline,
        gaps=_gaps(spec, settings, base_year, periods, raw) if _summed(basis, kind) else None,
    )


def _summed(basis: FigureBasis, kind: MeasureKind) -> bool:
    """Is the value a total built from several periods' figures (flows, year-to-date counts)?"""
    return basis is _FLOW or (basis is _YTD and kind in _ADDITIVE)


def _gaps(
    spec: IndicatorSpec,
    settings: PlanSettings,
    base_year: int | None,
    periods: list[Period],
    raw: list[float | None],
) -> list[tuple[Period, ...]]:
    """For each point, the due periods before it whose figure its total lacks (oldest first).

    A total of flows lacks every due period (from the plan's first reported quarter, after the
    baseline year) with no figure; a year-to-date count lacks a closed year's fourth quarter when
    that year's total was taken from an earlier quarter (or the year is missing altogether).
    Such a total understates: the verdict sentence names what it lacks.
    """
    start = settings.first_period
    if base_year is not None and start.year <= base_year:
        start = Period(base_year + 1, 1)
    have = {p.index for p, v in zip(periods, raw, strict=True) if v is not None}
    out: list[tuple[Period, ...]] = []
    ytd = spec.figure_basis is FigureBasis.YTD
    for period in periods:
        if ytd:
            missing = tuple(
                Period(y, 4) for y in range(start.year, period.year) if quarter_index(y, 4) not in have
            )
        else:
            missing = tuple(
                Period.from_index(i)
                for i in range(start.index, period.index)
                if i not in have and is_period_end(spec, Period.from_index(i))
            )
        out.append(missing)
    return out
