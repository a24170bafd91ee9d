"""Assess one indicator as of a quarter: current value, expected value, ratio, status, reason.

The rules are those of METHODOLOGY.md; in short, for the driving target(s):

1. a milestone already done → 已达标;
2. no figure for the as-of quarter (the last due quarter) → 未报送;
3. something needed is missing (target value, usable figure, baseline for an increase,
   benchmark, field size) → 无法评估 with ``missing`` naming it;
4. the target is met → 已达标 (a met target is never behind);
5. no baseline → 无法评估 (缺少基期值): a path is never invented;
6. worse than the baseline → 严重滞后;
7. progress ratio ``(current − baseline) / (expected − baseline)`` against
   ``on_track_ratio`` / ``behind_ratio``; once the target year has ended an unmet
   target is at best 滞后.

:func:`prepare` does the per-indicator work once (series, quality flags, targets and
their paths), so :func:`assess_at` costs O(log figures + targets) per quarter.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from indicators.explain import (
    fmt_number,
    fmt_quantity,
    fmt_ratio,
    path_sentence,
    target_text,
    verb_for,
)
from indicators.model import IndicatorData, IndicatorSpec, PlanSettings, TargetSpec
from indicators.paths import Knot, build_knots, check_method, expected_value
from indicators.periods import Period, year_end
from indicators.quality import QualityFlag
from indicators.series import Series, prepare_series
from indicators.vocabulary import (
    STATUS_SEVERITY,
    Comparator,
    Direction,
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

PATH, MAINTAIN, RANK, BENCHMARK, MILESTONE = "path", "maintain", "rank", "benchmark", "milestone"
_HIGHER_COMPARATORS = frozenset({Comparator.GE, Comparator.GT})
_LOWER_COMPARATORS = frozenset({Comparator.LE, Comparator.LT})
_WORDS = {Comparator.GE: "不低于", Comparator.GT: "高于", Comparator.LE: "不高于", Comparator.LT: "低于"}

ASSESSMENT_COLUMNS = (
    "plan", "indicator_code", "indicator", "current_value", "current_period", "expected_value",
    "target_year", "target_value", "progress_ratio", "status", "reason", "lead_units",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on one indicator as of one quarter.

    ``current_value``, ``expected_value`` and ``target_value`` are on the figure's scale
    (for an increase target, ``target_value`` is baseline + increase; for a rank target
    it is the rank to reach; for a benchmark target the benchmark that quarter);
    ``target`` keeps the plan's own wording.  ``flags`` are the quality flags of figures
    newer than ``current_period`` that were left out.
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
    knots: list[Knot] | None
    missing: tuple[str, ...]
    text: str = ""  # the target in words (path and maintenance targets)


@dataclass(slots=True)
class Prepared:
    """Everything about an indicator that does not depend on the as-of quarter."""

    spec: IndicatorSpec
    settings: PlanSettings
    series: Series
    base: float | None
    base_year: int | None
    t0: float | None
    years: list[int]
    by_year: dict[int, list[_Target]]
    marks: tuple[float, ...] = ()
    first_index: int = 0
    verb: str = "为"


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


def baseline_of(spec: IndicatorSpec, settings: PlanSettings) -> tuple[float, int] | None:
    """(value, year) of the baseline; a count of new items starts at 0 by definition."""
    if spec.measure_kind is MeasureKind.NEW_SINCE_BASELINE:
        return 0.0, spec.baseline.year if spec.baseline else settings.baseline_year
    if spec.baseline is None:
        return None
    return spec.baseline.value, spec.baseline.year


def _mode(spec: IndicatorSpec, target: TargetSpec) -> str:
    comp = target.comparator
    if comp is Comparator.MILESTONE or spec.measure_kind is MeasureKind.MILESTONE:
        return MILESTONE
    if comp is Comparator.RANK:
        return RANK
    if comp in (Comparator.BELOW_BENCHMARK, Comparator.ABOVE_BENCHMARK):
        return BENCHMARK
    return MAINTAIN if target.maintain else PATH


def _good(spec: IndicatorSpec, comp: Comparator) -> Direction:
    if comp in _HIGHER_COMPARATORS or comp is Comparator.ABOVE_BENCHMARK:
        return Direction.HIGHER
    if comp in _LOWER_COMPARATORS or comp in (Comparator.RANK, Comparator.BELOW_BENCHMARK):
        return Direction.LOWER
    return spec.direction


def _level(target: TargetSpec, good: Direction, base: float | None) -> tuple[float | None, tuple[str, ...]]:
    """The threshold on the figure's scale and what is missing to know it."""
    value = target.value
    if target.comparator is Comparator.RANGE and good is Direction.LOWER and target.value_high is not None:
        value = target.value_high
    if value is None:
        return None, (MISSING_TARGET_VALUE,)
    if target.basis is TargetBasis.INCREASE:
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
    if problems:
        raise ValueError("进度设置有误：" + "；".join(problems))


def prepare(data: IndicatorData, settings: PlanSettings) -> Prepared:
    """Per-indicator work done once: series, quality flags, targets and their paths."""
    check_settings(settings)
    spec = data.spec
    baseline = baseline_of(spec, settings)
    base, base_year = baseline if baseline else (None, None)
    t0 = year_end(base_year) if base_year is not None else None
    targets: list[_Target] = []
    for target in spec.targets:
        mode = _mode(spec, target)
        good = _good(spec, target.comparator)
        level, missing = (None, ()) if mode in (MILESTONE, BENCHMARK, RANK) else _level(target, good, base)
        if mode == RANK and target.value is None:
            missing = (MISSING_TARGET_VALUE,)
        tg = _Target(target, mode, good, level, year_end(target.year), None, missing)
        if mode == PATH:
            tg.text = target_text(target, spec.measure_unit, spec.measure_kind, spec.direction, level)
        elif mode == MAINTAIN and level is not None:
            words = _WORDS.get(target.comparator, "不低于" if good is Direction.HIGHER else "不高于")
            tg.text = f"{words} {fmt_quantity(level, spec.measure_unit)}"
        targets.append(tg)
    # Piecewise paths: earlier-year targets of the same direction are knots of a later target's path.
    for tg in targets:
        if tg.mode != PATH or tg.level is None or base is None or t0 is None:
            continue
        best: dict[float, float] = {}
        for other in targets:
            if (
                other.mode == PATH
                and other.level is not None
                and other.good is tg.good
                and other.end < tg.end
            ):
                old = best.get(other.end)
                if old is None:
                    best[other.end] = other.level
                else:
                    pick = max if tg.good is Direction.HIGHER else min
                    best[other.end] = pick(old, other.level)
        tg.knots = build_knots(t0, base, tg.end, tg.level, list(best.items()))
    by_year: dict[int, list[_Target]] = {}
    for tg in targets:
        by_year.setdefault(tg.spec.year, []).append(tg)
    series = prepare_series(data, settings)
    thresholds = (settings.on_track_ratio, settings.behind_ratio)
    return Prepared(
        spec, settings, series, base, base_year, t0, sorted(by_year), by_year, thresholds,
        settings.first_period.index, verb_for(spec.measure_kind),
    )  # fmt: skip


def _meets(comp: Comparator, good: Direction, x: float, level: float) -> bool:
    eps = 1e-9 * max(1.0, abs(level))
    if comp is Comparator.GT:
        return x > level
    if comp is Comparator.LT:
        return x < level
    if good is Direction.HIGHER:
        return x >= level - eps
    return x <= level + eps


def _worse(good: Direction, x: float, base: float) -> bool:
    return x < base if good is Direction.HIGHER else x > base


def _ratio(good: Direction, x: float, base: float, expected: float) -> float | None:
    gap = expected - base
    if gap == 0 or (gap > 0) != (good is Direction.HIGHER):
        return None  # nothing due yet, or the baseline already meets the target
    return (x - base) / gap


class _Ctx:
    """The as-of facts shared by the targets of one assessment."""

    __slots__ = (
        "as_of",
        "t",
        "x",
        "period",
        "cur_pos",
        "pos",
        "not_reported",
        "unit",
        "verb",
        "label",
        "cur",
    )

    def __init__(self, p: Prepared, as_of: Period) -> None:
        s = p.series
        self.as_of = as_of
        index = as_of.index
        self.t = as_of.fractional_year
        pos = s.position(index)
        self.pos = pos
        cur = s.last_usable[pos] if pos >= 0 else -1
        self.cur_pos = cur
        self.x = s.values[cur] if cur >= 0 else None
        self.period = s.periods[cur] if cur >= 0 else None
        due = index >= p.first_index
        self.not_reported = due and not (pos >= 0 and s.idx[pos] == index and s.reported[pos])
        self.unit = p.spec.measure_unit
        self.verb = p.verb
        self.label = self.period.label if self.period else ""
        self.cur = ""


def _cur(ctx: _Ctx) -> str:
    if not ctx.cur:
        ctx.cur = fmt_quantity(ctx.x, ctx.unit)
    return ctx.cur


def _not_reported(p: Prepared, ctx: _Ctx, extra: str = "") -> _Verdict:
    s = p.series
    pos = ctx.pos
    at_point = pos >= 0 and s.idx[pos] == ctx.as_of.index
    units = s.missing_units[pos] if at_point else s.reporters
    text = f"{ctx.as_of.label}未报送数据" + (f"（{'、'.join(units)}）" if units else "")
    if ctx.x is not None:
        text += f"，最近一次为{ctx.label}的 {_cur(ctx)}"
    else:
        text += "，尚无可用数据"
    return _Verdict(Status.NOT_REPORTED, text + extra, missing=(MISSING_REPORT,))


def _no_figure(ctx: _Ctx) -> _Verdict:
    return _Verdict(
        Status.CANNOT_ASSESS,
        f"截至{ctx.as_of.label}没有可用数据（待核实或未填报），无法评估",
        missing=(MISSING_FIGURE,),
    )


def _target_missing(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    year = tg.spec.year
    if MISSING_TARGET_VALUE in tg.missing:
        text = f"{year}年目标值未确定（原文“{tg.spec.text or '*'}”），无法评估"
    else:
        text = f"{year}年目标为新增 {fmt_quantity(tg.spec.value, ctx.unit)}，缺少基期值，无法评估"
    if ctx.x is not None:
        text += f"；{ctx.label}实际{ctx.verb} {_cur(ctx)}"
    return _Verdict(Status.CANNOT_ASSESS, text, missing=tg.missing)


def _grade(p: Prepared, ratio: float | None, due: bool) -> Status:
    s = p.settings
    if ratio is None or ratio >= s.on_track_ratio:
        return Status.BEHIND if due else Status.ON_TRACK
    if ratio >= s.behind_ratio:
        return Status.BEHIND
    return Status.SERIOUSLY_BEHIND


def _eval_path(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    target = tg.spec
    x, base = ctx.x, p.base
    expected = expected_value(tg.knots, ctx.t, p.settings.path_method) if tg.knots else None
    ratio = _ratio(tg.good, x, base, expected) if None not in (x, base, expected) else None  # type: ignore[arg-type]
    level = tg.level
    tt = tg.text
    year = target.year

    def verdict(status: Status, reason: str, missing: tuple[str, ...] = ()) -> _Verdict:
        return _Verdict(status, reason, expected, level, ratio, missing)

    if ctx.not_reported:
        extra = ""
        if ratio is not None:
            extra = (
                f"；按此计，序时进度应达 {fmt_quantity(expected, ctx.unit)}，完成 {fmt_ratio(ratio, p.marks)}"
            )
        v = _not_reported(p, ctx, extra)
        return verdict(v.status, v.reason, v.missing)
    if tg.missing:
        v = _target_missing(p, ctx, tg)
        return verdict(v.status, v.reason, v.missing)
    if x is None:
        v = _no_figure(ctx)
        return verdict(v.status, v.reason, v.missing)
    assert level is not None
    cur = _cur(ctx)
    head = f"{ctx.label}实际{ctx.verb} {cur}"
    if _meets(target.comparator, tg.good, x, level):
        text = f"{head}，已达到{year}年目标 {tt}"
        if (
            target.comparator is Comparator.RANGE
            and tg.good is Direction.HIGHER
            and target.value_high is not None
        ):
            high = target.value_high + ((base or 0.0) if target.basis is TargetBasis.INCREASE else 0.0)
            if x > high:
                text += "，超过目标区间上限（超额完成）"
        return verdict(Status.ACHIEVED, text)
    if base is None:
        return verdict(
            Status.CANNOT_ASSESS,
            f"缺少基期值，无法计算序时进度；{head}，尚未达到{year}年目标 {tt}",
            (MISSING_BASELINE,),
        )
    exp_text = fmt_quantity(expected, ctx.unit)
    due = ctx.t >= tg.end
    if _worse(tg.good, x, base):
        return verdict(
            Status.SERIOUSLY_BEHIND,
            f"{head}，差于{p.base_year}年基期值 {fmt_quantity(base, ctx.unit)}"
            f"（{year}年目标 {tt}，序时进度应达 {exp_text}）",
        )
    status = _grade(p, ratio, due)
    if due:
        text = f"{year}年目标 {tt} 已到期，{head}，未达到目标"
        if ratio is not None:
            text += f"（完成目标进度的 {fmt_ratio(ratio, p.marks)}）"
    elif ratio is None:
        text = f"{head}，基期值 {fmt_quantity(base, ctx.unit)}，尚未到需见效的时点（{year}年目标 {tt}）"
    else:
        text = path_sentence(ctx.label, ctx.verb, cur, exp_text, year, tt, ratio, p.marks)
    return verdict(status, text)


def _eval_maintain(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    target, x, level = tg.spec, ctx.x, tg.level
    if ctx.not_reported:
        v = _not_reported(p, ctx)
        v.level = v.expected = level
        return v
    if tg.missing:
        return _target_missing(p, ctx, tg)
    if x is None:
        return _no_figure(ctx)
    assert level is not None
    goal = tg.text
    head = f"{ctx.label}实际为 {_cur(ctx)}"
    if _meets(target.comparator, tg.good, x, level):
        return _Verdict(Status.ACHIEVED, f"{head}，保持在应保持的{goal}", level, level)
    if p.base is not None and _worse(tg.good, x, p.base):
        status = Status.SERIOUSLY_BEHIND
        tail = f"，且差于基期值 {fmt_quantity(p.base, ctx.unit)}"
    else:
        if tg.good is Direction.HIGHER:
            close = x / level if level > 0 else 0.0
        else:
            close = level / x if x > 0 else 0.0
        status = Status.BEHIND if close >= p.settings.on_track_ratio else Status.SERIOUSLY_BEHIND
        tail = f"（为目标的 {fmt_ratio(close, p.marks)}）"
    return _Verdict(status, f"{head}，未保持应保持的{goal}{tail}", level, level)


def _eval_rank(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    target, x, base = tg.spec, ctx.x, p.base
    if ctx.not_reported:
        return _not_reported(p, ctx)
    if tg.missing:
        return _target_missing(p, ctx, tg)
    if x is None:
        return _no_figure(ctx)
    field = p.series.field_sizes[ctx.cur_pos]
    share = target.value
    assert share is not None
    if field is None and share <= 1:
        return _Verdict(
            Status.CANNOT_ASSESS,
            f"{ctx.label}位列第 {fmt_number(x)} 名，但未填参评单位数，无法评估",
            missing=(MISSING_FIELD_SIZE,),
        )
    level = share * field if share <= 1 else share  # type: ignore[operator]
    head = f"{ctx.label}位列第 {fmt_number(x)} 名" + (f"（共 {field} 个）" if field else "")
    goal = f"{target.year}年目标为前 {fmt_number(level)} 名" + (f"（{target.text}）" if target.text else "")
    if x <= level + 1e-9:
        return _Verdict(Status.ACHIEVED, f"{head}，已达到{goal}", None, level)
    if base is None or p.t0 is None:
        return _Verdict(
            Status.CANNOT_ASSESS, f"{head}，{goal}，缺少基期位次，无法计算序时进度", None, level,
            missing=(MISSING_BASELINE,),
        )  # fmt: skip
    expected = expected_value(build_knots(p.t0, base, tg.end, level), ctx.t, p.settings.path_method)
    ratio = _ratio(Direction.LOWER, x, base, expected)
    if x > base:
        return _Verdict(
            Status.SERIOUSLY_BEHIND,
            f"{head}，差于基期的第 {fmt_number(base)} 名，{goal}",
            expected,
            level,
            ratio,
        )
    due = ctx.t >= tg.end
    text = f"{head}，{goal}"
    if ratio is not None:
        text += f"，序时进度应达第 {fmt_number(expected)} 名，完成序时进度的 {fmt_ratio(ratio, p.marks)}"
    return _Verdict(_grade(p, ratio, due), text, expected, level, ratio)


def _eval_benchmark(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    target, x = tg.spec, ctx.x
    name = target.benchmark or "全省平均"
    if ctx.not_reported:
        return _not_reported(p, ctx)
    if x is None:
        return _no_figure(ctx)
    bm = p.series.benchmarks[ctx.cur_pos]
    head = f"{ctx.label}实际为 {_cur(ctx)}"
    if bm is None:
        return _Verdict(
            Status.CANNOT_ASSESS, f"{head}，未填报同期{name}，无法评估", missing=(MISSING_BENCHMARK,)
        )
    below = target.comparator is Comparator.BELOW_BENCHMARK
    goal = f"{target.year}年目标{'低于' if below else '高于'}{name}"
    text = f"{head}，{name} {fmt_quantity(bm, ctx.unit)}，{goal}"
    if (x < bm) if below else (x > bm):
        return _Verdict(Status.ACHIEVED, text + "，已达到", None, bm)
    if ctx.t >= tg.end:
        return _Verdict(Status.SERIOUSLY_BEHIND, text + "，到期未达到", None, bm)
    return _Verdict(Status.BEHIND, text + "，尚未达到", None, bm)


def _eval_milestone(p: Prepared, ctx: _Ctx, tg: _Target) -> _Verdict:
    s, target = p.series, tg.spec
    what = target.text or p.spec.name
    if ctx.pos >= 0 and s.first_done <= ctx.pos:
        when = s.done_on.isoformat() if s.done_on else s.periods[s.first_done].label
        return _Verdict(
            Status.ACHIEVED, f"已于{when}完成（{target.year}年目标：{what}）", current=1.0,
            current_period=s.periods[s.first_done],
        )  # fmt: skip
    if ctx.not_reported:
        return _not_reported(p, ctx)
    current = 0.0 if ctx.x is not None or ctx.pos >= 0 else None
    if ctx.t >= tg.end:
        return _Verdict(
            Status.SERIOUSLY_BEHIND, f"应于{target.year}年底前完成，截至{ctx.as_of.label}仍未完成（{what}）",
            current=current,
        )  # fmt: skip
    return _Verdict(
        Status.ON_TRACK,
        f"截至{ctx.as_of.label}尚未完成，{target.year}年底前完成即可（{what}）",
        current=current,
    )


_EVALUATORS = {
    PATH: _eval_path,
    MAINTAIN: _eval_maintain,
    RANK: _eval_rank,
    BENCHMARK: _eval_benchmark,
    MILESTONE: _eval_milestone,
}


def driving_year(years: list[int], as_of: Period) -> int:
    """The nearest target year ≥ the as-of year; once all have passed, the last one."""
    k = bisect_left(years, as_of.year)
    return years[k] if k < len(years) else years[-1]


def _stale_note(p: Prepared, ctx: _Ctx) -> tuple[str, tuple[QualityFlag, ...]]:
    """Why the current value is older than the as-of quarter although it was reported."""
    s = p.series
    pos, cur = ctx.pos, ctx.cur_pos
    if pos < 0 or pos == cur:
        return "", ()
    flags: tuple[QualityFlag, ...] = ()
    for k in range(cur + 1, pos + 1):
        flags += s.point_flags[k]
    if ctx.not_reported or s.idx[pos] != ctx.as_of.index:
        return "", flags
    now = s.point_flags[pos]
    what = f"数据 {fmt_number(now[0].value)} 待核实：{now[0].reason}" if now else "数据不完整"
    used = f"采用{ctx.label}的数据" if ctx.period else "暂无可用数据"
    return f"（{ctx.as_of.label}{what}，{used}）", flags


def assess_at(p: Prepared, as_of: Period) -> Assessment:
    """Assess a prepared indicator as of ``as_of`` (the last due quarter)."""
    spec = p.spec
    ctx = _Ctx(p, as_of)
    target: TargetSpec | None = None
    year: int | None = None
    if not p.years:
        # No target in force (e.g. only a consultation proposal not yet adopted): nothing to judge
        # against, whether or not a figure came in.
        v = _Verdict(
            Status.CANNOT_ASSESS,
            "尚无生效的目标（如仅有未采纳的征求意见建议），无法评估",
            missing=(MISSING_TARGETS,),
        )
    else:
        year = driving_year(p.years, as_of)
        best: _Verdict | None = None
        for tg in p.by_year[year]:
            verdict = _EVALUATORS[tg.mode](p, ctx, tg)
            if best is None or STATUS_SEVERITY[verdict.status] < STATUS_SEVERITY[best.status]:
                best, target = verdict, tg.spec
        assert best is not None
        v = best
    note, flags = _stale_note(p, ctx)
    current, period = ctx.x, ctx.period
    if v.current is not None or v.current_period is not None:
        current, period = v.current, v.current_period or period
    return Assessment(
        spec.code,
        as_of,
        v.status,
        current,
        period,
        v.expected,
        target,
        year,
        v.level,
        v.ratio,
        v.reason + note,
        v.missing,
        flags,
        spec.name,
        spec.category,
        spec.lead_units,
        spec.co_units,
    )


def assess(data: IndicatorData, as_of: Period, settings: PlanSettings) -> Assessment:
    """Assess one indicator as of ``as_of`` (see the module doc and METHODOLOGY.md)."""
    return assess_at(prepare(data, settings), as_of)


def assess_plan(datas: list[IndicatorData], as_of: Period, settings: PlanSettings) -> list[Assessment]:
    """Assess every indicator of a plan as of ``as_of``."""
    return [assess(d, as_of, settings) for d in datas]
