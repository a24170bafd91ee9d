"""Property tests of the verdict rules (hypothesis)."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_progress_support import SETTINGS, data, fig, spec, target

from indicators.status import assess
from indicators.vocabulary import STATUS_SEVERITY, TargetBasis
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import Direction as D
from indicators.vocabulary import MeasureKind as K
from indicators.vocabulary import Status as S

NO_JUMPS = replace(SETTINGS, jump_factor=math.inf)
QUANT_KINDS = [K.NEW_SINCE_BASELINE, K.STOCK, K.RATE, K.LEVEL, K.PER_CAPITA]
HIGHER_COMPARATORS = [C.GE, C.GT, C.EQ, C.RANGE]
LOWER_COMPARATORS = [C.LE, C.LT, C.EQ, C.RANGE]
values = st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2))
quarters = st.integers(2025 * 4, 2029 * 4 + 3).map(lambda i: fig(f"{i // 4}Q{i % 4 + 1}", 0).period)


@st.composite
def quantitative(draw, direction: D):
    """A single-target quantitative indicator; kinds whose figures are never flagged when moved this way."""
    kinds = QUANT_KINDS if direction is D.HIGHER else [K.RATE, K.LEVEL, K.PER_CAPITA]
    kind = draw(st.sampled_from(kinds))
    comp = draw(st.sampled_from(HIGHER_COMPARATORS if direction is D.HIGHER else LOWER_COMPARATORS))
    value = draw(values)
    high = value + draw(st.floats(0, 20).map(lambda v: round(v, 2))) if comp is C.RANGE else None
    basis = draw(st.sampled_from(TargetBasis)) if direction is D.HIGHER else TargetBasis.LEVEL
    baseline = draw(st.none() | st.tuples(values, st.integers(2022, 2025)))
    maintain = draw(st.booleans())
    year = draw(st.integers(2025, 2030))
    t = target(year, comp, value, high, basis=basis, maintain=maintain)
    return spec(kind, (t,), baseline, direction, "%" if kind is K.RATE else "个")


def level_of(s) -> float | None:
    t = s.targets[0]
    value = t.value_high if t.comparator is C.RANGE and s.direction is D.LOWER else t.value
    if t.basis is TargetBasis.INCREASE:
        if s.measure_kind is K.NEW_SINCE_BASELINE:
            return value
        return None if s.baseline is None else s.baseline.value + value
    return value


@given(
    quantitative(D.HIGHER) | quantitative(D.LOWER), quarters, st.floats(0.01, 50).map(lambda v: round(v, 2))
)
@settings(max_examples=300)
def test_a_met_target_is_never_behind(s, as_of, margin):
    level = level_of(s)
    if level is None:
        return
    x = level + margin if s.direction is D.HIGHER else max(0.0, level - margin)
    if s.direction is D.LOWER and s.targets[0].comparator is C.LT and x >= level:
        return  # cannot go strictly below 0 with a rate
    assume(not (s.measure_kind is K.RATE and x > 100))  # would be flagged for 核实, not used
    a = assess(data(s, fig(str(as_of), x)), as_of, NO_JUMPS)
    t = s.targets[0]
    if as_of.year > t.year and not t.maintain and not _baseline_meets(s, level):
        # the only figure came after the target year: met, but late
        assert a.status is S.ACHIEVED_LATE, a.reason
    else:
        assert a.status is S.ACHIEVED, a.reason


def _baseline_meets(s, level: float) -> bool:
    """A baseline already meeting the target makes it a maintenance target (met → 已达标 any time)."""
    if s.measure_kind is K.NEW_SINCE_BASELINE:
        b = 0.0  # a count of new items starts at 0 by definition
    elif s.baseline is None:
        return False
    else:
        b = s.baseline.value
    comp = s.targets[0].comparator
    if comp is C.GT:
        return b > level
    if comp is C.LT:
        return b < level
    return b >= level if s.direction is D.HIGHER else b <= level


@st.composite
def history(draw):
    n = draw(st.integers(0, 4))
    return [round(draw(values), 2) for _ in range(n)]


def _periods(as_of, n):
    return [str(as_of.shift(k - n)) for k in range(n)]


@given(quantitative(D.HIGHER), quarters, history(), values, st.floats(0, 50).map(lambda v: round(v, 2)))
@settings(max_examples=300)
def test_raising_the_latest_figure_never_worsens_higher_is_better(s, as_of, earlier, x, rise):
    figures = [fig(p, v) for p, v in zip(_periods(as_of, len(earlier)), earlier, strict=True)]
    high = min(x + rise, 100.0) if s.measure_kind is K.RATE else x + rise
    before = assess(data(s, *figures, fig(str(as_of), x)), as_of, NO_JUMPS)
    after = assess(data(s, *figures, fig(str(as_of), high)), as_of, NO_JUMPS)
    assert STATUS_SEVERITY[after.status] >= STATUS_SEVERITY[before.status], (before.reason, after.reason)


@given(quantitative(D.LOWER), quarters, history(), values, st.floats(0, 50).map(lambda v: round(v, 2)))
@settings(max_examples=300)
def test_lowering_the_latest_figure_never_worsens_lower_is_better(s, as_of, earlier, x, drop):
    figures = [fig(p, v) for p, v in zip(_periods(as_of, len(earlier)), earlier, strict=True)]
    before = assess(data(s, *figures, fig(str(as_of), x)), as_of, NO_JUMPS)
    after = assess(data(s, *figures, fig(str(as_of), max(0.0, x - drop))), as_of, NO_JUMPS)
    assert STATUS_SEVERITY[after.status] >= STATUS_SEVERITY[before.status], (before.reason, after.reason)


@given(
    quantitative(D.HIGHER) | quantitative(D.LOWER) | st.just(spec(K.MILESTONE, (target(2027, C.MILESTONE),))),
    quarters,
    history(),
)
@settings(max_examples=300)
def test_a_missing_report_is_never_on_track(s, as_of, earlier):
    # figures for earlier quarters only: the as-of quarter is missing
    figures = [fig(p, min(v, 0.0) if s.measure_kind is K.MILESTONE else v)
               for p, v in zip(_periods(as_of, len(earlier)), earlier, strict=True)]  # fmt: skip
    a = assess(data(s, *figures), as_of, SETTINGS)
    if a.due_period is not None and a.due_period == as_of:
        assert a.status is S.NOT_REPORTED, a.reason
    elif a.due_period is not None and all(f.period < a.due_period for f in figures):
        # after the final target year the last year's figure is still owed (a newer one answers for it)
        assert a.status is S.NOT_REPORTED, a.reason
    assert a.status is not S.ON_TRACK or a.due_period is None or str(a.due_period) in {
        str(f.period) for f in figures
    }


@given(st.sampled_from([K.MILESTONE]), quarters, quarters)
def test_a_done_milestone_stays_achieved_without_reports(kind, done, as_of):
    s = spec(kind, (target(2027, C.MILESTONE),))
    a = assess(data(s, fig(str(done), 1)), as_of, SETTINGS)
    if done <= as_of:
        assert a.status is (S.ACHIEVED if done.year <= 2027 else S.ACHIEVED_LATE), a.reason
    else:
        assert a.status is not S.ACHIEVED
