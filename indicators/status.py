"""Assess one indicator as of a quarter: current value, expected value, ratio, status, reason.

The rules are those of METHODOLOGY.md.  In short:

1. Which figure is owed: the due period (:mod:`indicators.due`: frequency, release lag, no
   figure after the final target year except for maintenance and benchmark targets).  No
   figure for it → 未报送, unless one awaits review (then the accepted figures are judged and
   the reason says 本季度数据待审核).  The figure judged is the latest usable one; it is
   compared with what was expected *at its own period* (a stale figure is not held to
   today's path).
2. Every target in force is considered:
   * path targets (and rank targets): the final target drives the status — 已达标 only when
     it is met; earlier (interim) targets are knots of its path and are named in the
     reason (已完成 / 逾期完成 / 未完成);
   * maintenance and benchmark targets: the target of the nearest year at or after the
     figure's year applies (稳定在… holds every period);
   * milestones: each on its own; an overdue one is 严重滞后 whatever later ones exist, a
     每年 milestone needs each year's completion. A milestone of year Y is overdue from the
     quarter its year-end figure is owed in (YQ4, later by the release lag).
   The worst verdict of these is the indicator's.
3. A path target: met → 已达标 (after its year: 已达标 if it was met by the year's end, with
   no ratio, for the verdict rests on that figure; else 逾期完成); its year ended unmet → 未完成;
   a baseline that already meets it → judged as a maintenance target; a whole-item target of at
   most ``few_items`` items → 正常 until its year ends (no expected value or ratio before then: it
   has no quarterly path); worse than the baseline → 严重滞后; a path asking nothing beyond the
   baseline yet → 正常, saying the figure is ahead of it if it has moved (no ratio); otherwise the
   progress ratio
   ``(current − baseline) / (expected − baseline)`` against ``on_track_ratio`` /
   ``behind_ratio`` (expected values of whole items are whole items; one whole item short is
   滞后 at worst). The path passes through earlier targets only where they lie ahead of it (an
   earlier target the baseline already meets is no knot: the path never falls back). A
   year-to-date rate is judged against the year's share of the path: meeting it in an earlier
   year's fourth quarter is 正常, not 已达标; met in the target year it stays 已达标 when the
   next year restarts.
4. A maintenance target missed: by at most ``maintain_behind_gap`` (percentage points for
   rates; for other units that share of the target, as a fraction of 1 − on_track_ratio) →
   滞后, by more → 严重滞后. A benchmark target missed → 滞后 before its year, 严重滞后 from it.
   Either, when it is the last target year of the indicator and that year has ended (its
   fourth quarter or later) → 未完成: no time is left to catch up.
5. A figure with a data-quality flag is used and the reason says it awaits 核实.

:func:`prepare` does the per-indicator work once (series, quality flags, targets and
their paths), so :func:`assess_at` costs O(log figures + targets) per quarter.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from indicators.due import final_and_last_owed, owed_at
from indicators.explain import (
    bracket,
    figure_digits,
    fmt_number,
    fmt_quantity,
    fmt_ratio,
    is_percent_unit,
    target_text,
    unnest,
    verb_for,
)
from indicators.model import IndicatorData, IndicatorSpec, PlanSettings, TargetSpec
from indicators.paths import Knot, build_knots, check_method, expected_value
from indicators.periods import Period, quarter_index, year_end
from indicators.quality import QualityFlag
from indicators.series import Series, prepare_series
from indicators.vocabulary import (
    STATUS_SEVERITY,
    Comparator,
    Direction,
    FigureBasis,
    Frequency,
    MeasureKind,
    Status,
    TargetBasis,
)

# Names used in ``Assessment.missing``.
MISSING_TARGETS = "目标"
MISSING_TARGET_VALUE = "目标值"
MISSING_BASELINE = "基期值"
MISSING_BENCHMARK = "基准值"
MISSING_FIELD_SIZE = "参评单位数"
MISSING_FIGURE = "有效数据"
MISSING_REPORT = "本季度数据"
AWAITING_REVIEW = "待审核"

PATH, MAINTAIN, RANK, BENCHMARK, MILESTONE = "path", "maintain", "rank", "benchmark", "milestone"
# Bound once, and comparator groups as sets: on Python 3.11 looking an Enum member up on its
# class (Direction.HIGHER) costs several times a module global, and these are asked for every
# target of every indicator of a plan on each page.
_HIGHER, _LOWER = Direction.HIGHER, Direction.LOWER
_COMP_RANGE, _COMP_RANK, _COMP_MILESTONE = Comparator.RANGE, Comparator.RANK, Comparator.MILESTONE
_INCREASE = TargetBasis.INCREASE
_NEW_ITEMS, _MILESTONE_KIND = MeasureKind.NEW_SINCE_BASELINE, MeasureKind.MILESTONE
_ANNUAL, _HALF_YEARLY = Frequency.ANNUAL, Frequency.HALF_YEARLY
_CANNOT_ASSESS, _NOT_REPORTED = Status.CANNOT_ASSESS, Status.NOT_REPORTED  # asked of every assessment
_GOOD_HIGHER = frozenset(
    {Comparator.GE, Comparator.GT, Comparator.ABOVE_BENCHMARK, Comparator.NOT_BELOW_BENCHMARK}
)
_GOOD_LOWER = frozenset(
    {
        Comparator.LE,
        Comparator.LT,
        Comparator.RANK,
        Comparator.BELOW_BENCHMARK,
        Comparator.NOT_ABOVE_BENCHMARK,
    }
)
_STRICTLY_ABOVE = frozenset({Comparator.GT, Comparator.ABOVE_BENCHMARK})
_STRICTLY_BELOW = frozenset({Comparator.LT, Comparator.BELOW_BENCHMARK})
_END = attrgetter("end")
_BENCHMARK_COMPARATORS = frozenset(
    {
        Comparator.BELOW_BENCHMARK,
        Comparator.ABOVE_BENCHMARK,
        Comparator.NOT_ABOVE_BENCHMARK,
        Comparator.NOT_BELOW_BENCHMARK,
    }
)
_BENCHMARK_WORDS = {
    Comparator.BELOW_BENCHMARK: "低于",
    Comparator.ABOVE_BENCHMARK: "高于",
    Comparator.NOT_ABOVE_BENCHMARK: "不高于",
    Comparator.NOT_BELOW_BENCHMARK: "不低于",
}
_WORDS = {Comparator.GE: "不低于", Comparator.GT: "高于", Comparator.LE: "不高于", Comparator.LT: "低于"}
_EPS = 1e-9
_RATIO_EPS = 1e-9  # ratios are compared with their thresholds this much generously (float noise)

ASSESSMENT_COLUMNS = (
    "plan",
    "indicator_code",
    "indicator",
    "current_value",
    "current_period",
    "expected_value",
    "target_year",
    "target_value",
    "progress_ratio",
    "status",
    "reason",
    "lead_units",
)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on one indicator as of one quarter.

    ``current_value``, ``expected_value`` and ``target_value`` are on the target's scale
    (flows summed, year-to-date counts made cumulative; for an increase target,
    ``target_value`` is baseline + increase; for a rank target the rank to reach; for a
    benchmark target the benchmark).  ``target`` keeps the plan's own wording.  ``flags``
    are the data-quality flags of the figure in use (待核实: used, and marked).
    ``due_period`` is the period whose figure was owed; ``awaiting_review`` says that
    figure came in and awaits the office's review.
    """

    indicator_code: str
    as_of: Period
    status: Status
    current_value: float | None
    current_period: Period | None
    expected_value: float | None
    target: TargetSpec | None
    target_year: int | None
    target_value: float | None
    progress_ratio: float | None
    reason: str
    missing: tuple[str, ...] = ()
    flags: tuple[QualityFlag, ...] = ()
    indicator_name: str = ""
    category: str = ""
    lead_units: tuple[str, ...] = ()
    co_units: tuple[str, ...] = ()
    due_period: Period | None = None
    awaiting_review: bool = False
    has_target_value: bool = True  # False when no target in force gives a number to reach
    missing_units: tuple[str, ...] = ()  # 未报送: the reporting units whose figure is missing

    def as_row(self, plan: str = "") -> dict[str, str]:
        """The export row (columns :data:`ASSESSMENT_COLUMNS`), numbers formatted."""
        return {
            "plan": plan,
            "indicator_code": self.indicator_code,
            "indicator": self.indicator_name,
            "current_value": "" if self.current_value is None else fmt_number(self.current_value),
            "current_period": "" if self.current_period is None else str(self.current_period),
            "expected_value": "" if self.expected_value is None else fmt_number(self.expected_value),
            "target_year": "" if self.target_year is None else str(self.target_year),
            "target_value": "" if self.target_value is None else fmt_number(self.target_value),
            "progress_ratio": "" if self.progress_ratio is None else f"{self.progress_ratio:.4f}",
            "status": self.status.value,
            "reason": self.reason,
            "lead_units": "|".join(self.lead_units),
        }


@dataclass(slots=True)
class _Target:
    spec: TargetSpec
    mode: str
    good: Direction
    level: float | None  # threshold on the figure's scale, if known in advance
    end: float  # year_end(year)
    knots: list[Knot] | None  # the expected path: final path targets only (the only ones judged by it)
    missing: tuple[str, ...]
    text: str = ""  # the target in words
    text_in: str = ""  # the same for inside brackets (新增 45 件，即 185 件: never brackets in brackets)
    flat: bool = False  # the baseline already meets it: a maintenance target in effect
    final: bool = False  # the last target of its family (path/rank, milestone)


@dataclass(slots=True)
class Prepared:
    """Everything about an indicator that does not depend on the as-of quarter.

    Built once by :func:`prepare`, then only read; a family of targets an indicator does not have
    is the shared empty tuple (most indicators have one or two of the five lists below).
    """

    spec: IndicatorSpec
    settings: PlanSettings
    series: Series
    base: float | None
    base_year: int | None
    t0: float | None
    targets: list[_Target]
    progress: Sequence[_Target]  # path and rank targets, by year
    steady: Sequence[_Target]  # maintenance and benchmark targets (and flat paths), by year
    milestones: Sequence[_Target]  # by year
    marks: tuple[float, ...] = ()
    first: Period | None = None
    verb: str = "为"
    # derived once from the above, read by every assessed quarter:
    finals: Sequence[_Target] = ()  # the final path/rank targets
    finals_year: int | None = None  # their year
    steady_ends: Sequence[float] = ()  # distinct ends of ``steady``, sorted
    last_owed: Period | None = None  # indicators.due.last_owed of the spec
    final_year: int | None = None  # indicators.due.final_year of the spec
    has_value: bool = True  # a target in force gives a number to reach (Assessment.has_target_value)
    base_digits: int = 2  # decimals the baseline needs to be shown as given (explain.figure_digits)
    interims: Sequence[_Target] = ()  # the interim path targets the reason names


@dataclass(slots=True)
class _Verdict:
    status: Status
    reason: str
    expected: float | None = None
    level: float | None = None
    ratio: float | None = None
    missing: tuple[str, ...] = ()
    current: float | None = None  # overrides the series value (milestones)
    current_period: Period | None = None
    target: TargetSpec | None = None
    with_notes: str = ""  # the reason when notes on interim targets come first


@dataclass(slots=True)
class _Ctx:
    """The facts of one assessment: the figure judged and when."""

    as_of: Period
    pos: int  # latest point at or before as_of (-1: none)
    cur_pos: int  # the usable point judged (-1: none)
    x: float | None
    period: Period | None
    t: float  # time of the figure judged (or of the due period when there is none)
    unit: str
    verb: str
    label: str
    whole: bool
    digits: int = 2  # decimals of the numbers in the sentence: enough to show the figure as reported


_TEXTS: dict[tuple, tuple[str, str]] = {}
_TEXTS_LIMIT = 8192  # texts remembered; beyond it they are written each time


def _target_texts(
    target: TargetSpec, unit: str, kind: MeasureKind, direction: Direction, level: float | None
) -> tuple[str, str]:
    """``explain.target_text`` as said in a sentence and inside its brackets, memoised: asked again
    for every target of every indicator each time a plan's statuses are computed (both forms at
    once). The key is what ``target_text`` reads of the target (comparator, value, value_high,
    basis) with the other arguments: plain values whose hash and equality are C calls, where the
    target itself (a frozen dataclass, loaded afresh each time) would cost two Python calls. Equal
    keys give the same texts; -0.0 and 0.0 would share them, and no target is -0."""
    key = (target.comparator, target.value, target.value_high, target.basis, unit, kind, direction, level)
    texts = _TEXTS.get(key)
    if texts is None:
        args = (target, unit, kind, direction, level)
        texts = target_text(*args), target_text(*args, nested=True)
        if len(_TEXTS) < _TEXTS_LIMIT:
            _TEXTS[key] = texts
    return texts


def baseline_of(spec: IndicatorSpec, settings: PlanSettings) -> tuple[float, int] | None:
    """(value, year) of the baseline; a count of new items starts at 0 by definition."""
    if spec.measure_kind is _NEW_ITEMS:
        return 0.0, spec.baseline.year if spec.baseline else settings.baseline_year
    if spec.baseline is None:
        return None
    return spec.baseline.value, spec.baseline.year


def _mode(spec: IndicatorSpec, target: TargetSpec) -> str:
    comp = target.comparator
    if comp is _COMP_MILESTONE or spec.measure_kind is _MILESTONE_KIND:
        return MILESTONE
    if comp is _COMP_RANK:
        return RANK
    if comp in _BENCHMARK_COMPARATORS:
        return BENCHMARK
    return MAINTAIN if target.maintain else PATH


def _good(spec: IndicatorSpec, comp: Comparator) -> Direction:
    if comp in _GOOD_HIGHER:
        return _HIGHER
    if comp in _GOOD_LOWER:
        return _LOWER
    return spec.direction


def _level(target: TargetSpec, good: Direction, base: float | None) -> tuple[float | None, tuple[str, ...]]:
    """The threshold on the figure's scale and what is missing to know it."""
    value = target.value
    if target.comparator is _COMP_RANGE and good is _LOWER and target.value_high is not None:
        value = target.value_high
    if value is None:
        return None, (MISSING_TARGET_VALUE,)
    if target.basis is _INCREASE:
        if base is None:
            return None, (MISSING_BASELINE,)
        return base + value, ()
    return value, ()


def check_settings(settings: PlanSettings) -> None:
    """Refuse settings the engine cannot use (ValueError with a Chinese message)."""
    check_method(settings.path_method)
    problems = []
    if not 0 <= settings.behind_ratio <= settings.on_track_ratio:
        problems.append("应满足 0 ≤ behind_ratio ≤ on_track_ratio")
    if settings.report_deadline_days < 0:
        problems.append("report_deadline_days 不能为负")
    if settings.escalation_quarters < 1:
        problems.append("escalation_quarters 至少为 1")
    if not settings.jump_factor > 0:
        problems.append("jump_factor 应大于 0")
    if not settings.maintain_behind_gap >= 0:
        problems.append("maintain_behind_gap 不能为负")
    if settings.few_items < 0:
        problems.append("few_items 不能为负")
    if problems:
        raise ValueError("进度设置有误：" + "；".join(problems))


def _meets(comp: Comparator, good: Direction, x: float, level: float) -> bool:
    eps = _EPS * max(1.0, abs(level))
    if comp in _STRICTLY_ABOVE:
        return x > level
    if comp in _STRICTLY_BELOW:
        return x < level
    if good is _HIGHER:
        return x >= level - eps
    return x <= level + eps


def _worse(good: Direction, x: float, base: float) -> bool:
    return x < base if good is _HIGHER else x > base


def _ratio(good: Direction, x: float, base: float, expected: float) -> float | None:
    gap = expected - base
    if gap == 0 or (gap > 0) != (good is _HIGHER):
        return None  # nothing due yet, or the baseline already meets the target
    return (x - base) / gap


_CHECKED: list[PlanSettings] = []  # the settings last found valid (held, so its id is never reused)


def _check_once(settings: PlanSettings) -> None:
    """:func:`check_settings`, skipped for the settings object checked just before: a plan's every
    indicator is prepared with one (frozen, so still valid) settings object."""
    if not _CHECKED or _CHECKED[0] is not settings:
        check_settings(settings)
        _CHECKED[:] = [settings]


def prepare(data: IndicatorData, settings: PlanSettings) -> Prepared:
    """Per-indicator work done once: series, quality flags, targets and their paths."""
    _check_once(settings)
    spec = data.spec
    baseline = baseline_of(spec, settings)
    base, base_year = baseline if baseline else (None, None)
    t0 = year_end(base_year) if base_year is not None else None
    targets: list[_Target] = []
    paths: list[_Target] = []  # path targets with a level
    has_value = False  # a target gives a number to reach (or is a milestone or benchmark)
    for target in spec.targets:
        mode = _mode(spec, target)
        good = _good(spec, target.comparator)
        level, missing = (None, ()) if mode in (MILESTONE, BENCHMARK, RANK) else _level(target, good, base)
        if mode == RANK and target.value is None:
            missing = (MISSING_TARGET_VALUE,)
        tg = _Target(target, mode, good, level, year_end(target.year), None, missing)
        has_value = has_value or mode in (MILESTONE, BENCHMARK) or target.value is not None
        if mode == PATH:
            unit = spec.measure_unit
            tg.text, tg.text_in = _target_texts(target, unit, spec.measure_kind, spec.direction, level)
            if level is not None:
                paths.append(tg)
                if base is not None and _meets(target.comparator, good, base, level):
                    tg.flat = True
        elif mode == MAINTAIN and level is not None:
            words = _WORDS.get(target.comparator, "不低于" if good is _HIGHER else "不高于")
            tg.text = tg.text_in = f"{words} {fmt_quantity(level, spec.measure_unit)}"
        targets.append(tg)
    by_end = sorted(targets, key=_END)  # stable: so is each family, filled in this order
    progress: list[_Target] = []  # path (not flat) and rank targets
    steady: list[_Target] = []  # maintenance and benchmark targets, flat paths
    milestones: list[_Target] = []
    for t in by_end:
        if t.mode == MILESTONE:
            milestones.append(t)
        elif t.mode in (MAINTAIN, BENCHMARK) or t.flat:  # only a path target is ever flat
            steady.append(t)
        else:
            progress.append(t)
    for family in (progress, milestones):
        if family:
            last_end = family[-1].end
            for t in family:
                t.final = t.end == last_end
    # A steady target (maintenance, benchmark, flat path) whose year is the last of all is a final
    # target too: missed when that year has ended, it is 未完成, not 严重滞后 ("seriously behind"
    # says there is time left to catch up; at the end of the plan's term there is none).
    if steady:
        last_end = by_end[-1].end
        for t in steady:
            t.final = t.end == last_end
    finals = [t for t in progress if t.final]
    # Piecewise paths: earlier-year targets of the same direction are knots of a later target's path.
    # Only a final path target is judged against its path (interim targets are named in notes, a flat
    # one is judged as a maintenance target), so only finals get one.
    if base is not None and t0 is not None:
        for tg in finals:
            if tg.mode != PATH or tg.level is None:
                continue
            best: dict[float, float] = {}
            for other in paths:
                if other.good is tg.good and other.end < tg.end:
                    old = best.get(other.end)
                    pick = max if tg.good is _HIGHER else min
                    best[other.end] = other.level if old is None else pick(old, other.level)
            # A knot the path has already passed (an earlier target the baseline, or an earlier
            # knot, already meets) is left out: the path never falls back towards it (基期 98.5%,
            # 2025年 98%, 2027年 99%: from 98.5% straight to 99%, not down to 98% first).
            knots: list[Knot] = []
            last = base
            for end, value in sorted(best.items()):
                if (value > last) if tg.good is _HIGHER else (value < last):
                    knots.append((end, value))
                    last = value
            tg.knots = build_knots(t0, base, tg.end, tg.level, knots)
    series = prepare_series(data, settings, base, base_year)
    thresholds = (settings.on_track_ratio, settings.behind_ratio)
    year_final, owed_last = final_and_last_owed(spec)
    return Prepared(
        spec,
        settings,
        series,
        base,
        base_year,
        t0,
        targets,
        progress or (),
        steady or (),
        milestones or (),
        thresholds,
        settings.first_period,
        verb_for(spec.measure_kind),
        finals or (),
        finals[-1].spec.year if finals else None,  # finals share one end, so one year
        sorted({t.end for t in steady}) if steady else (),
        owed_last,
        year_final,
        has_value,
        figure_digits(base),
        [t for t in progress if not t.final and t.mode == PATH and t.level is not None and not t.missing]
        or (),
    )


# --------------------------------------------------------------------------- wording helpers


def period_text(spec: IndicatorSpec, period: Period) -> str:
    """The period as the indicator's frequency names it: 2025年度, 2025年上半年, 2025年第3季度."""
    if spec.frequency is _ANNUAL and period.quarter == 4:
        return f"{period.year}年度"
    if spec.frequency is _HALF_YEARLY and period.quarter in (2, 4):
        return f"{period.year}年{'上半年' if period.quarter == 2 else '全年'}"
    return period.label


def _q(ctx: _Ctx, value: float | None) -> str:
    return fmt_quantity(value, ctx.unit, digits=ctx.digits)


def _whole(ctx: _Ctx, good: Direction, value: float) -> float:
    """Expected values of indivisible items are whole items (rounded towards the easier side)."""
    if not ctx.whole:
        return value
    return math.floor(value + _EPS) if good is _HIGHER else math.ceil(value - _EPS)


def _change(ctx: _Ctx, base: float, x: float) -> str:
    """``97.4%提高 0.3 个百分点``, ``9 个增加 1 个``: the baseline and the change from it to ``x``
    (a rate's change in percentage points, a ‰ figure's in per-mille points)."""
    up = x > base
    gap = abs(x - base)
    if is_percent_unit(ctx.unit):
        points = "个千分点" if ctx.unit == "‰" else "个百分点"
        return f"{_q(ctx, base)}{'提高' if up else '降低'} {fmt_number(gap, ctx.digits)} {points}"
    return f"{_q(ctx, base)}{'增加' if up else '减少'} {_q(ctx, gap)}"


def _head(ctx: _Ctx) -> str:
    return f"{ctx.label}实际{ctx.verb} {_q(ctx, ctx.x)}"


def _target_missing(ctx: _Ctx, tg: _Target) -> _Verdict:
    year = tg.spec.year
    if MISSING_TARGET_VALUE in tg.missing:
        text = f"{year}年目标值未确定（原文“{tg.spec.text or '*'}”），无法评估"
    else:
        text = f"{year}年目标为新增 {_q(ctx, tg.spec.value)}，缺少基期值，无法评估"
    if ctx.x is not None:
        text += f"；{_head(ctx)}"
    return _Verdict(Status.CANNOT_ASSESS, text, missing=tg.missing, target=tg.spec)


def _no_figure(ctx: _Ctx, tg: _Target | None = None) -> _Verdict:
    return _Verdict(
        Status.CANNOT_ASSESS,
        f"截至{ctx.as_of.label}尚无可用数据，无法评估",
        missing=(MISSING_FIGURE,),
        target=tg.spec if tg else None,
    )


def _grade(p: Prepared, ratio: float | None) -> Status:
    """The status of a progress ratio; a ratio a float's noise short of a threshold is on it
    ((98.6 − 98.5) ÷ (98.6667 − 98.5) is 0.6 by hand, 0.59999999999995 in floating point: 滞后,
    as the sentence's "60%" says, not 严重滞后)."""
    s = p.settings
    if ratio is not None:
        ratio += _RATIO_EPS
    if ratio is None or ratio >= s.on_track_ratio:
        return Status.ON_TRACK
    if ratio >= s.behind_ratio:
        return Status.BEHIND
    return Status.SERIOUSLY_BEHIND


def _met_by(p: Prepared, tg: _Target, ctx: _Ctx, level: float) -> Period | None:
    """The period of the latest usable figure at or before the end of the target's year, if it met it."""
    s = p.series
    k = s.position(quarter_index(tg.spec.year, 4))
    k = min(k, ctx.pos)
    cur = s.last_usable[k] if k >= 0 else -1
    if cur < 0:
        return None
    x = s.values[cur]
    if x is not None and _meets(tg.spec.comparator, tg.good, x, level):
        return s.periods[cur]
    return None


# --------------------------------------------------------------------------- target evaluators


def _eval_accrual(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    """A year-to-date rate or level: the year's expected value accrues from 0 in Q1 to the year's level."""
    assert ctx.x is not None and ctx.period is not None and tg.level is not None
    x, level, period = ctx.x, tg.level, ctx.period
    year_level = level
    if tg.knots and not tg.flat and tg.mode == PATH:
        year_level = expected_value(tg.knots, year_end(period.year), p.settings.path_method)
    expected = year_level * period.quarter / 4
    head = f"{ctx.label}年内累计{ctx.verb.removeprefix('累计')} {_q(ctx, x)}"
    path, year, comp = tg.mode == PATH, tg.spec.year, tg.spec.comparator

    def verdict(status: Status, reason: str, exp: float | None = expected) -> _Verdict:
        return _Verdict(status, reason, exp, level, None, target=tg.spec)

    if path and ctx.t > tg.end + _EPS:  # a later year's figure: the target year is over
        in_time = _met_by(p, tg, ctx, level)
        if in_time is not None:
            done = f"{year}年目标 {tg.text} 已按期完成（{in_time.label}）；{head}"
            return verdict(Status.ACHIEVED, done, level)
        if period.quarter == 4 and _meets(comp, tg.good, x, level):
            late = f"{head}，达到{year}年目标 {tg.text}，但晚于目标年份，逾期完成"
            return verdict(Status.ACHIEVED_LATE, late)
        return verdict(Status.NOT_ACHIEVED, f"{year}年目标 {tg.text}已到期未完成，{head}", level)
    if period.quarter == 4:  # the year-to-date figure of a fourth quarter is the year's
        if _meets(comp, tg.good, x, year_level):
            if path and period.year < year:  # the year's share of the path, not the target itself
                return verdict(
                    Status.ON_TRACK,
                    f"{head}，达到{period.year}年应达的 {_q(ctx, year_level)}（{year}年目标 {tg.text_in}）",
                )
            return verdict(Status.ACHIEVED, f"{head}，达到{period.year}年应达的 {_q(ctx, year_level)}")
        if path and ctx.t >= tg.end - _EPS:
            gap = _gap_text(ctx, year_level, x)
            return verdict(Status.NOT_ACHIEVED, f"{year}年目标 {tg.text}已到期，{head}，未完成（{gap}）")
        if not path:  # a maintenance target missed for the year: judged by the gap (section 九)
            status, gap_text = _gap_status(p, ctx, year_level, x)
            text = f"{head}，未达到{period.year}年应保持的 {_q(ctx, year_level)}（{gap_text}）"
            if tg.final and ctx.t >= tg.end - _EPS:
                return verdict(Status.NOT_ACHIEVED, f"{text}，{year}年目标已到期，未完成")
            return verdict(status, text)
    ratio = x / expected if expected else None
    if tg.good is _LOWER:
        ratio = expected / x if x else None
    status = _grade(p, ratio)
    if period.quarter == 4:  # the year's figure: its expected value is the year's level itself
        done = fmt_ratio(ratio, p.marks)
        text = f"{head}，{period.year}年应达 {_q(ctx, year_level)}，完成序时进度的 {done}"
    else:
        text = (
            f"{head}，按{period.year}年应达 {_q(ctx, year_level)}，年内序时进度应达 {_q(ctx, expected)}，"
            f"完成序时进度的 {fmt_ratio(ratio, p.marks)}"
        )
    return _Verdict(status, text, expected, level, ratio, target=tg.spec)


def _gap_text(ctx: _Ctx, level: float, x: float) -> str:
    """相差 0.2 个百分点 (points between two rates, ‰ between two ‰ figures) / 相差 3 家."""
    gap = abs(level - x)
    if is_percent_unit(ctx.unit):
        points = "个千分点" if ctx.unit == "‰" else "个百分点"  # a gap between two ‰ figures is in ‰
        return f"相差 {fmt_number(gap)} {points}"
    return f"相差 {_q(ctx, gap)}"


def _gap_status(p: Prepared, ctx: _Ctx, level: float, x: float) -> tuple[Status, str]:
    gap = abs(level - x)
    if is_percent_unit(ctx.unit):
        tolerance = p.settings.maintain_behind_gap
    else:
        tolerance = (1 - p.settings.on_track_ratio) * abs(level)
    status = Status.BEHIND if gap <= tolerance + _EPS else Status.SERIOUSLY_BEHIND
    return status, _gap_text(ctx, level, x)


def _eval_steady(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    """A maintenance target (稳定在…), or a path target whose baseline already meets it."""
    if tg.missing:
        return _target_missing(ctx, tg)
    if ctx.x is None:
        return _no_figure(ctx, tg)
    assert tg.level is not None
    x, level = ctx.x, tg.level
    if p.series.accrual:
        return _eval_accrual(p, ctx, tg)
    goal = tg.text
    head = f"{ctx.label}实际为 {_q(ctx, x)}"
    if tg.flat:
        goal_words = f"{tg.spec.year}年目标 {goal}（基期值 {_q(ctx, p.base)} 已达到，按保持考核）"
    else:
        goal_words = f"应保持的{goal}"
    if _meets(tg.spec.comparator, tg.good, x, level):
        return _Verdict(Status.ACHIEVED, f"{head}，保持在{goal_words}", level, level, target=tg.spec)
    status, gap_text = _gap_status(p, ctx, level, x)
    if tg.final and ctx.t >= tg.end - _EPS:
        if tg.flat:
            text = f"{tg.spec.year}年目标 {goal}已到期，{head}，未完成"
        else:
            text = f"{head}，未达到{goal_words}（{gap_text}），{tg.spec.year}年目标已到期，未完成"
        return _Verdict(Status.NOT_ACHIEVED, text, level, level, target=tg.spec)
    return _Verdict(status, f"{head}，未达到{goal_words}（{gap_text}）", level, level, target=tg.spec)


def _eval_path(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    """The final path target (interim targets are knots of its path and notes of the reason)."""
    if tg.missing:
        return _target_missing(ctx, tg)
    if ctx.x is None:
        return _no_figure(ctx, tg)
    if p.series.accrual:
        return _eval_accrual(p, ctx, tg)
    assert tg.level is not None
    x, level, base, year, tt, tt_in = ctx.x, tg.level, p.base, tg.spec.year, tg.text, tg.text_in
    head = _head(ctx)
    meets = _meets(tg.spec.comparator, tg.good, x, level)
    ended = ctx.t >= tg.end - _EPS
    expected = None
    if tg.knots:
        expected = _whole(ctx, tg.good, expected_value(tg.knots, min(ctx.t, tg.end), p.settings.path_method))
    ratio = _ratio(tg.good, x, base, expected) if base is not None and expected is not None else None
    few = ctx.whole and base is not None and abs(level - base) <= p.settings.few_items + _EPS
    if few and not ended:
        # a few whole items are judged at the year's end only (算例 9): they have no quarterly path, so
        # no expected value or ratio is given before it (tables read not "应达 2 个，0%" beside 正常)
        expected = ratio = None

    def verdict(status: Status, reason: str, missing: tuple[str, ...] = ()) -> _Verdict:
        return _Verdict(status, reason, expected, level, ratio, missing, target=tg.spec)

    if ctx.t > tg.end + _EPS:
        in_time = _met_by(p, tg, ctx, level)
        if in_time is not None:
            # 已达标 rests on the year-end figure: a later figure's share of the ended path (66% after
            # a fall back) is no 完成比例 of this verdict, so none is given (as for ranks and milestones)
            done = f"{year}年目标 {tt} 已按期完成（{in_time.label}）；{head}"
            return _Verdict(Status.ACHIEVED, done, expected, level, None, target=tg.spec)
        if meets:
            return verdict(Status.ACHIEVED_LATE, f"{head}，达到{year}年目标 {tt}，但晚于目标年份，逾期完成")
        return verdict(Status.NOT_ACHIEVED, f"{year}年目标 {tt}已到期未完成，{head}")
    if meets:
        text = f"{head}，已达到{year}年目标 {tt}"
        spec = tg.spec
        if spec.comparator is Comparator.RANGE and tg.good is _HIGHER and spec.value_high is not None:
            high = spec.value_high + ((base or 0.0) if spec.basis is TargetBasis.INCREASE else 0.0)
            if x > high:
                text += "，超过目标区间上限（超额完成）"
        return verdict(Status.ACHIEVED, text)
    if ended:
        # by the target's year end the path asks for the target itself, with or without a baseline:
        # 应达 45%, and how far short it is (a clerk's first question), not "—"
        expected = level if expected is None else expected
        gap = _gap_text(ctx, level, x)
        share = f"（{gap}）" if ratio is None else f"（完成目标进度的 {fmt_ratio(ratio, p.marks)}，{gap}）"
        return verdict(Status.NOT_ACHIEVED, f"{year}年目标 {tt}已到期，{head}，未完成{share}")
    if p.series.needs_baseline or base is None:
        return verdict(
            Status.CANNOT_ASSESS,
            f"缺少基期值，无法计算序时进度；{head}，尚未达到{year}年目标 {tt}",
            (MISSING_BASELINE,),
        )
    if few:  # and its year has not ended (above)
        return verdict(
            Status.ON_TRACK,
            f"{head}；{year}年目标 {tt}，数量较少（{_q(ctx, abs(level - base))}），按年度考核，"
            f"{year}年底前完成即可",
        )
    assert expected is not None
    exp_text = _q(ctx, expected)
    if _worse(tg.good, x, base):
        return verdict(
            Status.SERIOUSLY_BEHIND,
            f"{head}，差于{p.base_year}年基期值 {_q(ctx, base)}"
            f"（{year}年目标 {tt_in}，序时进度应达 {exp_text}）",
        )
    if ratio is None:  # the path asks for nothing beyond the baseline yet (e.g. 10 × 0.25/4 → 0 whole items)
        if abs(x - base) <= _EPS * max(1.0, abs(base)):
            if p.spec.measure_kind is _NEW_ITEMS:  # its baseline is 0 by definition: not worth a clause
                text = f"{head}，序时进度应达 {exp_text}（{year}年目标 {tt_in}），尚未到需见效的时点"
            else:
                text = f"{head}，基期值 {_q(ctx, base)}，尚未到需见效的时点（{year}年目标 {tt_in}）"
            return verdict(Status.ON_TRACK, text)
        # already moved towards the target: say what was achieved (a ratio over nothing due has no value)
        ahead = "已超过序时进度" if tg.good is _HIGHER else "已好于序时进度"
        gained = ""
        if p.spec.measure_kind is not _NEW_ITEMS:  # a count of new items is its own change
            gained = f"，比{p.base_year}年基期值 {_change(ctx, base, x)}"
        return verdict(
            Status.ON_TRACK, f"{head}{gained}，序时进度应达 {exp_text}（{year}年目标 {tt_in}），{ahead}"
        )
    done = fmt_ratio(ratio, p.marks)
    status = _grade(p, ratio)
    short = expected - x if tg.good is _HIGHER else x - expected
    why = ""
    if ctx.whole and status is Status.SERIOUSLY_BEHIND and short <= 1 + _EPS:
        status = Status.BEHIND  # one indivisible item short of the path is behind, not seriously behind
        # the ratio alone (0 of 1 due: 0 %) would say 严重滞后; the sentence says why it is not
        why = f"，仅差 {_q(ctx, short)}，按滞后计"
    text = f"{head}，序时进度应达 {exp_text}（{year}年目标 {tt_in}），完成序时进度的 {done}{why}"
    v = verdict(status, text)
    # after notes on interim targets the sentence starts from the final target
    v.with_notes = f"按{year}年目标 {tt}，序时进度应达 {exp_text}，{head}，完成序时进度的 {done}{why}"
    return v


def _rank_level(p: Prepared, ctx: _Ctx, tg: _Target) -> tuple[float | None, int | None]:
    field = p.series.field_sizes[ctx.cur_pos] if ctx.cur_pos >= 0 else None
    share = tg.spec.value
    if share is None:
        return None, field
    if share > 1:
        return share, field  # 前5位: the rank itself
    if field is None:
        return None, field
    return math.floor(share * field + _EPS), field  # 中上位次 of 15: 7.5 → 前 7 名 (ranks are whole)


def _rank_met_by(p: Prepared, tg: _Target, ctx: _Ctx) -> Period | None:
    """The period of the latest usable rank at or before the end of the target's year, if it met it
    (with that figure's own field size)."""
    s = p.series
    k = min(s.position(quarter_index(tg.spec.year, 4)), ctx.pos)
    cur = s.last_usable[k] if k >= 0 else -1
    if cur < 0:
        return None
    x, share, field = s.values[cur], tg.spec.value, s.field_sizes[cur]
    if x is None or share is None:
        return None
    level = share if share > 1 else (math.floor(share * field + _EPS) if field is not None else None)
    if level is not None and x <= level + _EPS:
        return s.periods[cur]
    return None


def _eval_rank(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    target, x, base = tg.spec, ctx.x, p.base
    if tg.missing:
        return _target_missing(ctx, tg)
    if x is None:
        return _no_figure(ctx, tg)
    level, field = _rank_level(p, ctx, tg)
    if level is None:
        return _Verdict(
            Status.CANNOT_ASSESS,
            f"{ctx.label}位列第 {fmt_number(x)} 名，但未填参评单位数，无法评估",
            missing=(MISSING_FIELD_SIZE,),
            target=target,
        )
    head = f"{ctx.label}位列第 {fmt_number(x)} 名" + (f"（共 {field} 个）" if field else "")
    goal = f"{target.year}年目标为前 {fmt_number(level)} 名" + (bracket(target.text) if target.text else "")
    note = f"，{unnest(target.text)}" if target.text else ""
    reached = f"{target.year}年目标（前 {fmt_number(level)} 名{note}）"  # after 达到
    met = x <= level + _EPS
    if ctx.t > tg.end + _EPS:
        in_time = _rank_met_by(p, tg, ctx)
        if in_time is not None:  # met at the target year's end: a later rank does not undo it
            return _Verdict(
                Status.ACHIEVED,
                f"{period_text(p.spec, in_time)}已达到{reached}，按期完成；{head}",
                None,
                level,
                target=target,
            )
        if met:
            return _Verdict(
                Status.ACHIEVED_LATE,
                f"{head}，达到{reached}，但晚于目标年份，逾期完成",
                None,
                level,
                target=target,
            )
        return _Verdict(Status.NOT_ACHIEVED, f"{head}，{goal}，已到期未完成", None, level, target=target)
    if met:
        return _Verdict(Status.ACHIEVED, f"{head}，已达到{reached}", None, level, target=target)
    if ctx.t >= tg.end - _EPS:
        return _Verdict(Status.NOT_ACHIEVED, f"{head}，{goal}，已到期未完成", None, level, target=target)
    if base is None or p.t0 is None:
        return _Verdict(
            Status.CANNOT_ASSESS,
            f"{head}，{goal}，缺少基期位次，无法计算序时进度",
            None,
            level,
            missing=(MISSING_BASELINE,),
            target=target,
        )
    expected = expected_value(build_knots(p.t0, base, tg.end, level), ctx.t, p.settings.path_method)
    expected = math.ceil(expected - _EPS)  # a rank is whole: 第 11.5 名 is due as 第 12 名 (the easier side)
    ratio = _ratio(_LOWER, x, base, expected)
    if x > base:
        return _Verdict(
            Status.SERIOUSLY_BEHIND,
            f"{head}，差于基期的第 {fmt_number(base)} 名，{goal}",
            expected,
            level,
            ratio,
            target=target,
        )
    text = f"{head}，{goal}"
    status = _grade(p, ratio)
    if ratio is None:  # the path asks for no better place yet
        when = "已好于序时进度" if x < expected else "尚未到需提升名次的时点"
        text += f"，序时进度应达第 {fmt_number(expected)} 名，{when}"
    else:
        text += f"，序时进度应达第 {fmt_number(expected)} 名，完成序时进度的 {fmt_ratio(ratio, p.marks)}"
        if status is Status.SERIOUSLY_BEHIND and x - expected <= 1 + _EPS:
            # a place is indivisible, as a whole item is: one place short of the path is behind
            status = Status.BEHIND
            text += "，仅差 1 名，按滞后计"
    return _Verdict(status, text, expected, level, ratio, target=target)


def _eval_benchmark(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    target, x = tg.spec, ctx.x
    name = target.benchmark or "全省平均"
    if x is None or ctx.period is None:
        return _no_figure(ctx, tg)
    head = f"{ctx.label}实际为 {_q(ctx, x)}"
    found = p.series.benchmark_for(ctx.period)
    if found is None:
        return _Verdict(
            Status.CANNOT_ASSESS,
            f"{head}，缺少{ctx.label}的{name}（由质量办录入），无法评估",
            missing=(MISSING_BENCHMARK,),
            target=target,
        )
    bm, bm_period, source = found
    words = _BENCHMARK_WORDS[target.comparator]
    digits = max(_distinct_digits(x, bm), figure_digits(x), figure_digits(bm))
    head = f"{ctx.label}实际为 {fmt_quantity(x, ctx.unit, digits=digits)}"
    where = f"{period_text(p.spec, bm_period)}{name} {fmt_quantity(bm, ctx.unit, digits=digits)}"
    where += bracket(source) if source else ""
    text = f"{head}，{where}，{target.year}年目标{words}{name}"
    if _meets(target.comparator, tg.good, x, bm):
        return _Verdict(Status.ACHIEVED, text + "，已达到", None, bm, target=target)
    if ctx.t >= tg.end - _EPS:
        if tg.final:  # the plan's last target year has ended; by how much, as every 未完成 says
            gap = abs(bm - x)
            if is_percent_unit(ctx.unit):
                gap_text = f"相差 {fmt_number(gap, digits)} {'个千分点' if ctx.unit == '‰' else '个百分点'}"
            else:
                gap_text = f"相差 {fmt_quantity(gap, ctx.unit, digits=digits)}"
            return _Verdict(
                Status.NOT_ACHIEVED, text + f"，到期未达到，未完成（{gap_text}）", None, bm, target=target
            )
        return _Verdict(Status.SERIOUSLY_BEHIND, text + "，到期未达到", None, bm, target=target)
    return _Verdict(Status.BEHIND, text + "，尚未达到", None, bm, target=target)


def _distinct_digits(a: float, b: float) -> int:
    """The fewest decimals (2 to 6) at which ``a`` and ``b`` print differently if they differ.

    0.392 and 0.388 both print as 0.39 with two decimals; a reason saying "0.39 against a
    control line of 0.39, not met" would contradict itself.
    """
    for digits in range(2, 7):
        if (round(a, digits) == round(b, digits)) == (a == b):
            return digits
    return 6


def _milestone_due(p: Prepared, year: int) -> Period:
    """The quarter from which a milestone of ``year`` not done is overdue: the one its year-end
    figure is owed in (the year's fourth quarter, later by the release lag: a result published in
    the next year's second quarter cannot be missing before then)."""
    return Period.from_index(quarter_index(year, 4) + p.spec.release_lag)


def _milestone_years(p: Prepared, tg: _Target) -> list[int]:
    if not tg.spec.each_year:
        return [tg.spec.year]
    start = p.settings.baseline_year + 1
    if p.first is not None:
        start = max(start, p.first.year)
    return list(range(min(start, tg.spec.year), tg.spec.year + 1))


def _eval_milestones(p: Prepared, ctx: _Ctx) -> _Verdict:
    """Each milestone on its own: one-off ones take completions in order, 每年 ones one per year."""
    s = p.series
    events = [e for e in s.completions if e[1] <= ctx.pos]
    used = 0  # completions taken by the one-off milestones so far, in order
    results: list[tuple[_Verdict, bool]] = []  # (verdict, final)
    now = ctx.as_of
    for tg in p.milestones:
        what = tg.spec.text or p.spec.name
        inner = unnest(what)  # for inside brackets (the plan's own brackets become 〔〕)
        if tg.spec.each_year:
            years = _milestone_years(p, tg)
            if years and now.year < years[0]:  # before its first year: nothing is due yet
                results.append(
                    (
                        _Verdict(
                            Status.ON_TRACK,
                            f"{years[0]}年起每年完成（{inner}），截至{now.label}尚未到期",
                            current=0.0,
                            target=tg.spec,
                        ),
                        tg.final,
                    )
                )
                continue
            for year in years:
                done = [d for d, _ in events if d.year == year]
                final = tg.final and year == tg.spec.year
                result_due = _milestone_due(p, year)
                if done:
                    results.append(
                        (
                            _Verdict(
                                Status.ACHIEVED,
                                f"{year}年已于{done[0].isoformat()}完成（{inner}）",
                                current=1.0,
                                target=tg.spec,
                            ),
                            final,
                        )
                    )
                elif now.index >= result_due.index:
                    status = Status.NOT_ACHIEVED if final else Status.SERIOUSLY_BEHIND
                    results.append(
                        (
                            _Verdict(status, f"{year}年应完成的“{what}”未完成", current=0.0, target=tg.spec),
                            final,
                        )
                    )
                elif now.year > year:  # the year has ended, its result is not owed yet (release lag)
                    results.append(
                        (
                            _Verdict(
                                Status.ON_TRACK,
                                f"{year}年的“{what}”完成情况{result_due.label}才应报送，暂未到期",
                                current=0.0,
                                target=tg.spec,
                            ),
                            final,
                        )
                    )
                elif year == now.year:
                    results.append(
                        (
                            _Verdict(
                                Status.ON_TRACK,
                                f"{year}年的“{what}”尚未完成，年底前完成即可",
                                current=0.0,
                                target=tg.spec,
                            ),
                            final,
                        )
                    )
            continue
        event = events[used] if used < len(events) else None  # a one-off milestone takes the next one
        if event is not None:
            used += 1
            day, _ = event
            if day.year <= tg.spec.year:
                v = _Verdict(
                    Status.ACHIEVED,
                    f"已于{day.isoformat()}完成（{tg.spec.year}年目标：{inner}）",
                    current=1.0,
                    target=tg.spec,
                )
            else:
                v = _Verdict(
                    Status.ACHIEVED_LATE,
                    f"应于{tg.spec.year}年底前完成，于{day.isoformat()}完成，逾期完成（{inner}）",
                    current=1.0,
                    target=tg.spec,
                )
        elif now.index >= _milestone_due(p, tg.spec.year).index:
            status = Status.NOT_ACHIEVED if tg.final else Status.SERIOUSLY_BEHIND
            v = _Verdict(
                status,
                f"应于{tg.spec.year}年底前完成，截至{now.label}仍未完成（{inner}）",
                current=0.0,
                target=tg.spec,
            )
        elif now.year > tg.spec.year:  # the year has ended, its result is not owed yet (release lag)
            v = _Verdict(
                Status.ON_TRACK,
                f"{tg.spec.year}年的完成情况{_milestone_due(p, tg.spec.year).label}才应报送，"
                f"暂未到期（{inner}）",
                current=0.0,
                target=tg.spec,
            )
        else:
            v = _Verdict(
                Status.ON_TRACK,
                f"截至{now.label}尚未完成，{tg.spec.year}年底前完成即可（{inner}）",
                current=0.0,
                target=tg.spec,
            )
        results.append((v, tg.final))
    return _combine_milestones(results)


def _combine_milestones(results: list[tuple[_Verdict, bool]]) -> _Verdict:
    """The worst milestone; a non-final one completed (in time or late) only adds a note."""
    counted: list[tuple[_Verdict, bool]] = []  # (verdict, a completed one's note)
    notes: list[str] = []
    for v, final in results:
        if not final and v.status in (Status.ACHIEVED, Status.ACHIEVED_LATE):
            notes.append(v.reason)
            if v.status is Status.ACHIEVED:
                continue
            v = _Verdict(Status.ON_TRACK, v.reason, current=v.current, target=v.target)
            counted.append((v, True))
            continue
        counted.append((v, False))
    if not counted:  # every milestone done: the last one decides
        v = results[-1][0]
        return _Verdict(Status.ACHIEVED, "；".join(notes), current=1.0, target=v.target)
    # of equal severity, a milestone still open is the one to name (a late completion is a note)
    worst = min(counted, key=lambda c: (STATUS_SEVERITY[c[0].status], c[1]))[0]
    others = [n for n in notes if n != worst.reason]
    if others:
        worst.reason = "；".join([*others, worst.reason])
    return worst


def _interim_notes(p: Prepared, ctx: _Ctx) -> list[str]:
    """What became of the interim path targets (those before the final year)."""
    notes: list[str] = []
    if ctx.x is None:
        return notes
    for tg in p.interims:
        year, tt = tg.spec.year, tg.text
        meets_now = _meets(tg.spec.comparator, tg.good, ctx.x, tg.level)
        if ctx.t > tg.end + _EPS:
            if _met_by(p, tg, ctx, tg.level) is not None:
                notes.append(f"{year}年目标 {tt}已完成")
            elif meets_now:
                notes.append(f"{year}年目标 {tt}逾期完成")
            else:
                notes.append(f"{year}年目标 {tt}未完成")
        elif meets_now:
            notes.append(f"{year}年目标 {tt}已完成")
        elif ctx.t >= tg.end - _EPS:
            notes.append(f"{year}年目标 {tt}未完成")
    return notes


def _driving(targets: list[_Target], ends: list[float], t: float) -> list[_Target]:
    """The targets of the nearest year whose end is at or after ``t`` (after the last: the last).

    ``ends`` are the targets' distinct ends, sorted.
    """
    if not targets:
        return []
    k = bisect_left(ends, t - _EPS)
    end = ends[k] if k < len(ends) else ends[-1]
    return [tg for tg in targets if tg.end == end]


def _evaluate(p: Prepared, ctx: _Ctx) -> _Verdict:
    verdicts: list[_Verdict] = []
    notes: list[str] = []
    finals = p.finals
    for tg in finals:
        verdicts.append(_eval_path(p, ctx, tg) if tg.mode == PATH else _eval_rank(p, ctx, tg))
    if p.interims:
        notes = _interim_notes(p, ctx)
    if p.steady:
        for tg in _driving(p.steady, p.steady_ends, ctx.t):
            verdicts.append(_eval_benchmark(p, ctx, tg) if tg.mode == BENCHMARK else _eval_steady(p, ctx, tg))
    if p.milestones:
        verdicts.append(_eval_milestones(p, ctx))
    worst = verdicts[0] if len(verdicts) == 1 else min(verdicts, key=lambda v: STATUS_SEVERITY[v.status])
    if notes and worst.target is not None and worst.target.year == p.finals_year:
        worst.reason = "；".join([*notes, worst.with_notes or worst.reason])
    return worst


# --------------------------------------------------------------------------- the assessment


def _gap_note(p: Prepared, ctx: _Ctx) -> str:
    """A total of flows (or year-to-date counts) that lacks earlier due periods says which: it
    understates, and the missing figure is no longer the one owed now (so not 未报送)."""
    gaps = p.series.gaps
    if gaps is None or ctx.cur_pos < 0 or not gaps[ctx.cur_pos]:
        return ""
    missing = gaps[ctx.cur_pos]
    names = "、".join(period_text(p.spec, m) for m in missing[:3])
    if len(missing) > 3:
        names += f"等 {len(missing)} 期"
    if p.spec.figure_basis is FigureBasis.YTD:
        return f"（累计数不完整：{names}未报送，该年按此前最后一次报送的年内累计数计入）"
    return f"（累计数不完整：{names}未报送，未计入）"


def _flag_note(p: Prepared, ctx: _Ctx) -> tuple[str, tuple[QualityFlag, ...]]:
    if ctx.cur_pos < 0:
        return _gap_note(p, ctx), ()
    flags = p.series.point_flags[ctx.cur_pos]
    if not flags:
        return _gap_note(p, ctx), ()
    # a clause of its own, not a bracket: the flag's reason has brackets itself (比…（7 家）减少了 6 家)
    return _gap_note(p, ctx) + f"；{ctx.label}数据待核实：{flags[0].reason}", flags


def _all_milestones_done(p: Prepared, pos: int) -> bool:
    if not p.milestones or p.progress or p.steady:
        return False
    events = [e for e in p.series.completions if e[1] <= pos]
    one_off = [t for t in p.milestones if not t.spec.each_year]
    return not any(t.spec.each_year for t in p.milestones) and len(events) >= len(one_off)


def assess_at(p: Prepared, as_of: Period) -> Assessment:
    """Assess a prepared indicator as of ``as_of`` (the assessment quarter)."""
    spec, s = p.spec, p.series
    # what is owed does not depend on the targets (indicators.due; the template asks for it and the
    # reporting rates count it): a due figure not sent is 未报送, also when no target is in force
    due = owed_at(spec, as_of, p.first, p.last_owed)
    pos = s.position(as_of.index)
    cur = s.last_usable[pos] if pos >= 0 else -1
    period = s.periods[cur] if cur >= 0 else None
    when = period or due or as_of
    ctx = _Ctx(
        as_of,
        pos,
        cur,
        s.values[cur] if cur >= 0 else None,
        period,
        when.fractional_year,
        spec.measure_unit,
        p.verb,
        period_text(spec, period) if period else "",
        spec.whole_items,
        max(figure_digits(s.values[cur]), p.base_digits) if cur >= 0 else p.base_digits,
    )
    awaiting = False
    missing_units: tuple[str, ...] = ()
    if not p.targets:
        v = _Verdict(
            Status.CANNOT_ASSESS,
            # LA-EQ-08…11: a consultation proposal whose adoption is 未说明 is not a target in force
            "尚无生效的目标（征求意见中提出、未采纳或未说明是否采纳的目标不作为目标），无法评估",
            missing=(MISSING_TARGETS,),
        )
    else:
        v = _evaluate(p, ctx)
    open_value = not p.targets or (v.status is _CANNOT_ASSESS and MISSING_TARGET_VALUE in v.missing)
    if due is not None and not _all_milestones_done(p, pos):
        at = s.position(due.index)
        reported = at >= 0 and s.idx[at] == due.index and s.reported[at]
        # a complete figure newer than the one owed (e.g. after the final year) also answers for it
        if not reported and pos > at:
            reported = any(s.reported[k] for k in range(at + 1, pos + 1))
        if not reported:
            due_text = period_text(spec, due)
            if due.index in s.pending:
                awaiting = True
                if ctx.x is None:
                    v = _Verdict(
                        Status.CANNOT_ASSESS,
                        f"{due_text}数据待审核，尚无已审核的数据",
                        missing=(AWAITING_REVIEW,),
                        target=v.target,
                    )
                else:
                    v.reason = f"{due_text}数据待审核，暂按已审核的{ctx.label}数据评估：{v.reason}"
            else:
                here = at >= 0 and s.idx[at] == due.index
                missing_units = s.missing_units[at] if here else s.reporters
                who = f"（{'、'.join(missing_units)}）" if missing_units else ""
                if open_value:  # no target (value) to judge by: the reason says so after the missing report
                    tail = f"；{v.reason}"
                elif ctx.x is not None:
                    tail = f"；按最近一次报送的数据，{v.reason}"
                else:
                    tail = "，尚无可用数据"
                v = _Verdict(
                    Status.NOT_REPORTED,
                    f"{due_text}未报送数据{who}{tail}",
                    v.expected,
                    v.level,
                    v.ratio,
                    (MISSING_REPORT,),
                    v.current,
                    v.current_period,
                    v.target,
                )
    elif due is None and ctx.x is None and p.targets and v.status is _CANNOT_ASSESS and not p.milestones:
        v.reason = f"截至{as_of.label}尚未到首次报送时间，暂无数据"
    note, flags = _flag_note(p, ctx)
    current, cur_period = ctx.x, ctx.period
    if v.current is not None or v.current_period is not None:
        current, cur_period = v.current, v.current_period or cur_period
    target = v.target
    return Assessment(
        spec.code,
        as_of,
        v.status,
        current,
        cur_period,
        v.expected,
        target,
        target.year if target else p.final_year,
        v.level,
        v.ratio,
        v.reason + note,
        v.missing,
        flags,
        spec.name,
        spec.category,
        spec.lead_units,
        spec.co_units,
        due,
        awaiting,
        p.has_value,
        missing_units if v.status is _NOT_REPORTED else (),
    )


def milestone_completed_on(p: Prepared, as_of: Period) -> dt.date | None:
    """The day an indicator whose every target is a one-off milestone was completed, as of ``as_of``.

    Its milestones take the completions in order (as :func:`_eval_milestones` does); the day is
    the one the last milestone took, or None while one is still open. A key task that *is* such a
    milestone (tasks.csv ``completed_by``) is completed on this day (services/tasks.py)."""
    if not p.milestones or len(p.milestones) != len(p.targets) or any(t.spec.each_year for t in p.milestones):
        return None
    pos = p.series.position(as_of.index)
    events = [e for e in p.series.completions if e[1] <= pos] if pos >= 0 else []
    if len(events) < len(p.milestones):
        return None
    return events[len(p.milestones) - 1][0]


def assess(data: IndicatorData, as_of: Period, settings: PlanSettings) -> Assessment:
    """Assess one indicator as of ``as_of`` (see the module doc and METHODOLOGY.md)."""
    return assess_at(prepare(data, settings), as_of)


def assess_plan(datas: list[IndicatorData], as_of: Period, settings: PlanSettings) -> list[Assessment]:
    """Assess every indicator of a plan as of ``as_of``."""
    return [assess(d, as_of, settings) for d in datas]
