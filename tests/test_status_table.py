"""Hand-computed verdicts for every comparator, measure kind, basis and maintain flag.

Common frame: baseline year 2024 (its end = 2025.0), target year 2027 (its end = 2028.0),
as of 2026Q2 (= 2026.5), so half the time has passed unless stated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from test_progress_support import SETTINGS, P, data, fig, spec, target

from indicators.model import Benchmark
from indicators.status import assess
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import Direction as D
from indicators.vocabulary import MeasureKind as K
from indicators.vocabulary import Status as S
from indicators.vocabulary import TargetBasis

INC = TargetBasis.INCREASE
NSB_45 = (target(2027, C.GE, 45),)
STOCK_80 = (target(2027, C.GE, 80),)
Q = "2026Q2"


def one(period: str, value: float | None, **kw) -> tuple:
    return (fig(period, value, **kw),)


# id, spec, figures, as_of, status, expected_value, progress_ratio, target_value
CASES = [
    # --- new_since_baseline (baseline 0 by definition), ≥ and > -----------------------------
    ("nsb-ge-on-track", spec(targets=NSB_45), one(Q, 22), Q, S.ON_TRACK, 22.5, 22 / 22.5, 45),
    ("nsb-ge-behind", spec(targets=NSB_45), one(Q, 18), Q, S.BEHIND, 22.5, 0.8, 45),
    ("nsb-ge-seriously", spec(targets=NSB_45), one(Q, 12), Q, S.SERIOUSLY_BEHIND, 22.5, 12 / 22.5, 45),
    ("nsb-ge-achieved-early", spec(targets=NSB_45), one(Q, 46), Q, S.ACHIEVED, 22.5, 46 / 22.5, 45),
    ("nsb-ge-exact-threshold", spec(targets=NSB_45), one(Q, 0.95 * 22.5), Q, S.ON_TRACK, 22.5, 0.95, 45),
    ("nsb-ge-at-behind-threshold", spec(targets=NSB_45), one(Q, 0.6 * 22.5), Q, S.BEHIND, 22.5, 0.6, 45),
    ("nsb-gt-met-exactly-is-not-met", spec(targets=(target(2027, C.GT, 45),)), one("2027Q4", 45), "2027Q4",
     S.NOT_ACHIEVED, 45, 1.0, 45),
    ("nsb-gt-above", spec(targets=(target(2027, C.GT, 45),)), one("2027Q4", 46), "2027Q4", S.ACHIEVED, 45,
     46 / 45, 45),
    ("nsb-increase-basis", spec(targets=(target(2027, C.GE, 45, basis=INC),)), one(Q, 22), Q, S.ON_TRACK,
     22.5, 22 / 22.5, 45),
    # after the final year nothing more is due: the 2027Q4 figure decides, 未完成 however close
    ("nsb-final-judgment-close", spec(targets=NSB_45), one("2027Q4", 44), "2028Q2", S.NOT_ACHIEVED, 45, 44 / 45,
     45),
    ("nsb-final-judgment-far", spec(targets=NSB_45), one("2027Q4", 20), "2028Q2", S.NOT_ACHIEVED, 45,
     20 / 45, 45),
    ("nsb-final-not-reported", spec(targets=NSB_45), one("2027Q3", 44), "2028Q2", S.NOT_REPORTED, 41.25,
     44 / 41.25, 45),
    ("nsb-met-late", spec(targets=NSB_45), (*one("2027Q4", 44), *one("2028Q1", 46)), "2028Q1", S.ACHIEVED_LATE,
     45, 46 / 45, 45),
    ("nsb-due-this-quarter-on-path", spec(targets=NSB_45), one("2027Q4", 44), "2027Q4", S.NOT_ACHIEVED, 45,
     44 / 45, 45),
    # --- stock: level, increase, no baseline, worse than baseline --------------------------
    ("stock-ge-behind", spec(K.STOCK, STOCK_80, (60, 2024)), one(Q, 69), Q, S.BEHIND, 70, 0.9, 80),
    ("stock-ge-worse-than-baseline", spec(K.STOCK, STOCK_80, (60, 2024)), one(Q, 59), Q, S.SERIOUSLY_BEHIND,
     70, -0.1, 80),
    ("stock-ge-no-baseline-unmet", spec(K.STOCK, STOCK_80), one(Q, 75), Q, S.CANNOT_ASSESS, None, None, 80),
    ("stock-ge-no-baseline-met", spec(K.STOCK, STOCK_80), one(Q, 85), Q, S.ACHIEVED, None, None, 80),
    ("stock-increase", spec(K.STOCK, (target(2027, C.GE, 45, basis=INC),), (65, 2024)), one(Q, 86), Q,
     S.BEHIND, 87.5, 21 / 22.5, 110),
    ("stock-increase-met", spec(K.STOCK, (target(2027, C.GE, 45, basis=INC),), (65, 2024)), one(Q, 110), Q,
     S.ACHIEVED, 87.5, 45 / 22.5, 110),
    ("stock-increase-no-baseline", spec(K.STOCK, (target(2027, C.GE, 45, basis=INC),)), one(Q, 200), Q,
     S.CANNOT_ASSESS, None, None, None),
    # --- rate / level / per capita, both directions -------------------------------------
    ("rate-ge-on-path", spec(K.RATE, (target(2027, C.GE, 96),), (90, 2024), unit="%"), one(Q, 93), Q,
     S.ON_TRACK, 93, 1.0, 96),
    ("rate-le-lower-behind", spec(K.RATE, (target(2027, C.LE, 2),), (5, 2024), D.LOWER, "%"), one(Q, 4), Q,
     S.BEHIND, 3.5, 2 / 3, 2),
    ("rate-le-lower-worse", spec(K.RATE, (target(2027, C.LE, 2),), (5, 2024), D.LOWER, "%"), one(Q, 5.5), Q,
     S.SERIOUSLY_BEHIND, 3.5, -1 / 3, 2),
    ("rate-le-lower-met", spec(K.RATE, (target(2027, C.LE, 2),), (5, 2024), D.LOWER, "%"), one(Q, 2), Q,
     S.ACHIEVED, 3.5, 2.0, 2),
    ("rate-lt-equal-is-not-met", spec(K.RATE, (target(2027, C.LT, 2),), (5, 2024), D.LOWER, "%"),
     one("2027Q4", 2), "2027Q4", S.NOT_ACHIEVED, 2, 1.0, 2),
    ("rate-lt-below", spec(K.RATE, (target(2027, C.LT, 2),), (5, 2024), D.LOWER, "%"), one("2027Q4", 1.9),
     "2027Q4", S.ACHIEVED, 2, 3.1 / 3, 2),
    ("level-eq-higher-met", spec(K.LEVEL, (target(2027, C.EQ, 100),), (80, 2024), unit=""), one(Q, 100), Q,
     S.ACHIEVED, 90, 2.0, 100),
    ("level-eq-lower-far", spec(K.LEVEL, (target(2027, C.EQ, 3),), (5, 2024), D.LOWER, ""), one(Q, 4.9), Q,
     S.SERIOUSLY_BEHIND, 4, 0.1, 3),
    ("per-capita-ge", spec(K.PER_CAPITA, (target(2027, C.GE, 16),), (10, 2024), unit="件/万人"), one(Q, 13), Q,
     S.ON_TRACK, 13, 1.0, 16),
    # the baseline (97) already meets ≥95: judged as maintenance at 95; 94 is 1 point short → 滞后
    ("baseline-already-meets-target-slips", spec(K.RATE, (target(2027, C.GE, 95),), (97, 2024), unit="%"),
     one(Q, 94), Q, S.BEHIND, 95, None, 95),
    ("baseline-already-meets-target-falls", spec(K.RATE, (target(2027, C.GE, 95),), (97, 2024), unit="%"),
     one(Q, 93.5), Q, S.SERIOUSLY_BEHIND, 95, None, 95),
    # --- ranges (1–2 家) ------------------------------------------------------------------
    ("range-higher-none-yet", spec(targets=(target(2027, C.RANGE, 1, 2),)), one(Q, 0), Q, S.SERIOUSLY_BEHIND,
     0.5, 0.0, 1),
    ("range-higher-low-end", spec(targets=(target(2027, C.RANGE, 1, 2),)), one(Q, 1), Q, S.ACHIEVED, 0.5, 2.0, 1),
    ("range-higher-above-high", spec(targets=(target(2027, C.RANGE, 1, 2),)), one(Q, 3), Q, S.ACHIEVED, 0.5,
     6.0, 1),
    ("range-lower-on-path", spec(K.LEVEL, (target(2027, C.RANGE, 1, 2),), (4, 2024), D.LOWER, ""), one(Q, 3), Q,
     S.ON_TRACK, 3, 1.0, 2),
    ("range-lower-met", spec(K.LEVEL, (target(2027, C.RANGE, 1, 2),), (4, 2024), D.LOWER, ""), one(Q, 1.5), Q,
     S.ACHIEVED, 3, 2.5, 2),
    # --- maintenance (稳定在 98% 以上 / 合格率 100%) -----------------------------------------
    ("maintain-ge-met", spec(K.RATE, (target(2027, C.GE, 98, maintain=True),), unit="%"), one(Q, 98.5), Q,
     S.ACHIEVED, 98, None, 98),
    ("maintain-ge-near-breach", spec(K.RATE, (target(2027, C.GE, 98, maintain=True),), unit="%"), one(Q, 97), Q,
     S.BEHIND, 98, None, 98),
    ("maintain-ge-far-breach", spec(K.RATE, (target(2027, C.GE, 98, maintain=True),), unit="%"), one(Q, 90), Q,
     S.SERIOUSLY_BEHIND, 98, None, 98),
    # 0.1 point short of a maintenance target is 滞后 even though it is below the baseline 98.5
    ("maintain-ge-small-dip-below-baseline", spec(K.RATE, (target(2027, C.GE, 98, maintain=True),), (98.5, 2024),
     unit="%"), one(Q, 97.9), Q, S.BEHIND, 98, None, 98),
    ("maintain-eq-100-met", spec(K.RATE, (target(2027, C.EQ, 100, maintain=True),), unit="%"), one(Q, 100), Q,
     S.ACHIEVED, 100, None, 100),
    ("maintain-eq-100-breach", spec(K.RATE, (target(2027, C.EQ, 100, maintain=True),), unit="%"), one(Q, 99.5), Q,
     S.BEHIND, 100, None, 100),
    ("maintain-le-lower", spec(K.LEVEL, (target(2027, C.LE, 5, maintain=True),), direction=D.LOWER, unit=""),
     one(Q, 5.1), Q, S.BEHIND, 5, None, 5),
    ("maintain-before-target-year-still-judged", spec(K.RATE, (target(2027, C.GE, 98, maintain=True),), unit="%"),
     one("2025Q1", 90), "2025Q1", S.SERIOUSLY_BEHIND, 98, None, 98),
    # --- benchmark (低于/高于全省平均) -------------------------------------------------------
    ("below-benchmark-met", spec(K.RATE, (target(2027, C.BELOW_BENCHMARK, benchmark="全省平均"),), None, D.LOWER, "%"),
     one(Q, 3, benchmark=3.5), Q, S.ACHIEVED, None, None, 3.5),
    ("below-benchmark-before-due", spec(K.RATE, (target(2027, C.BELOW_BENCHMARK),), None, D.LOWER, "%"),
     one(Q, 4, benchmark=3.5), Q, S.BEHIND, None, None, 3.5),
    ("below-benchmark-due", spec(K.RATE, (target(2027, C.BELOW_BENCHMARK),), None, D.LOWER, "%"),
     one("2027Q4", 4, benchmark=3.5), "2027Q4", S.NOT_ACHIEVED, None, None, 3.5),  # the last target year
    ("below-benchmark-missing", spec(K.RATE, (target(2027, C.BELOW_BENCHMARK),), None, D.LOWER, "%"),
     one(Q, 4), Q, S.CANNOT_ASSESS, None, None, None),
    ("above-benchmark-met", spec(K.LEVEL, (target(2027, C.ABOVE_BENCHMARK),), unit=""), one(Q, 5, benchmark=4), Q,
     S.ACHIEVED, None, None, 4),
    ("above-benchmark-equal-not-met", spec(K.LEVEL, (target(2027, C.ABOVE_BENCHMARK),), unit=""),
     one(Q, 4, benchmark=4), Q, S.BEHIND, None, None, 4),
    # --- rank (全省中上位次: 0.5 of the field) ------------------------------------------------
    ("rank-met", spec(K.RANK, (target(2027, C.RANK, 0.5),), unit="名"), one(Q, 6, field_size=16), Q,
     S.ACHIEVED, None, None, 8),
    ("rank-on-path", spec(K.RANK, (target(2027, C.RANK, 0.5),), (12, 2024), D.LOWER, "名"),
     one(Q, 10, field_size=16), Q, S.ON_TRACK, 10, 1.0, 8),
    ("rank-worse-than-baseline", spec(K.RANK, (target(2027, C.RANK, 0.5),), (12, 2024), D.LOWER, "名"),
     one(Q, 13, field_size=16), Q, S.SERIOUSLY_BEHIND, 10, -0.5, 8),
    # one place short of the path (第 11 名, due 第 10 名): 50 % of the path, but a place is indivisible,
    # as a whole item is (METHODOLOGY 十四): behind, not seriously behind; two places short stays serious
    ("rank-behind", spec(K.RANK, (target(2027, C.RANK, 0.5),), (12, 2024), D.LOWER, "名"),
     one(Q, 11, field_size=16), Q, S.BEHIND, 10, 0.5, 8),
    ("rank-two-places-short", spec(K.RANK, (target(2027, C.RANK, 0.5),), (12, 2024), D.LOWER, "名"),
     one(Q, 12, field_size=16), Q, S.SERIOUSLY_BEHIND, 10, 0.0, 8),
    ("rank-no-field-size", spec(K.RANK, (target(2027, C.RANK, 0.5),), (12, 2024), D.LOWER, "名"), one(Q, 6), Q,
     S.CANNOT_ASSESS, None, None, None),
    ("rank-no-baseline", spec(K.RANK, (target(2027, C.RANK, 0.5),), unit="名"), one(Q, 10, field_size=16), Q,
     S.CANNOT_ASSESS, None, None, 8),
    ("rank-absolute-threshold", spec(K.RANK, (target(2027, C.RANK, 3),), unit="名"), one(Q, 3, field_size=16), Q,
     S.ACHIEVED, None, None, 3),
    # --- milestones -------------------------------------------------------------------------
    ("milestone-done-earlier-no-report-now", spec(K.MILESTONE, (target(2027, C.MILESTONE),)), one("2026Q1", 1), Q,
     S.ACHIEVED, None, None, None),
    ("milestone-not-yet-due", spec(K.MILESTONE, (target(2027, C.MILESTONE),)), one(Q, 0), Q, S.ON_TRACK, None,
     None, None),
    ("milestone-overdue", spec(K.MILESTONE, (target(2027, C.MILESTONE),)), one("2027Q4", 0), "2027Q4",
     S.NOT_ACHIEVED, None, None, None),
    ("milestone-not-reported", spec(K.MILESTONE, (target(2027, C.MILESTONE),)), one("2026Q1", 0), Q,
     S.NOT_REPORTED, None, None, None),
    ("milestone-done-on-date", spec(K.MILESTONE, (target(2027, C.MILESTONE),)),
     one(Q, None, done_on=dt.date(2026, 5, 3)), Q, S.ACHIEVED, None, None, None),
    ("milestone-comparator-on-rate", spec(K.RATE, (target(2027, C.MILESTONE),), unit="%"),
     one(Q, 96, done_on=dt.date(2026, 6, 1)), Q, S.ACHIEVED, None, None, None),
    ("milestone-comparator-on-rate-value-is-not-done", spec(K.RATE, (target(2027, C.MILESTONE),), unit="%"),
     one(Q, 96), Q, S.ON_TRACK, None, None, None),
    # --- missing things ---------------------------------------------------------------------
    ("target-value-left-open", spec(K.STOCK, (target(2027, C.GE, None, text="*"),), (60, 2024)), one(Q, 70), Q,
     S.CANNOT_ASSESS, None, None, None),
    ("no-targets", spec(K.STOCK, (), (60, 2024)), one(Q, 70), Q, S.CANNOT_ASSESS, None, None, None),
    # the stale 2026Q1 figure is compared with what was due at 2026Q1: 45 × 5/12 = 18.75
    ("not-reported", spec(targets=NSB_45), one("2026Q1", 20), Q, S.NOT_REPORTED, 18.75, 20 / 18.75, 45),
    ("nothing-ever-reported", spec(targets=NSB_45), (), Q, S.NOT_REPORTED, None, None, None),
    # --- several targets ----------------------------------------------------------------------
    ("piecewise-second-segment", spec(targets=(target(2025, C.GE, 20), *NSB_45)), one(Q, 25), Q, S.ON_TRACK,
     26.25, 25 / 26.25, 45),
    # the final target (45 by 2027) is judged on the path through the 2025 knot (20)
    ("piecewise-first-segment", spec(targets=(target(2025, C.GE, 20), *NSB_45)), one("2025Q2", 10), "2025Q2",
     S.ON_TRACK, 10, 1.0, 45),
    ("same-year-worst-wins", spec(K.STOCK, (target(2027, C.GE, 45, basis=INC), target(2027, C.GE, 120)),
     (65, 2024)), one(Q, 90), Q, S.BEHIND, 92.5, 25 / 27.5, 120),
]  # fmt: skip


@pytest.mark.parametrize(
    ("indicator", "figures", "as_of", "status", "expected", "ratio", "target_value"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_status_table(indicator, figures, as_of, status, expected, ratio, target_value):
    # the office's benchmark for a figure's quarter is written here on the figure (benchmark=…)
    benchmarks = tuple(Benchmark(f.period, f.benchmark_value) for f in figures if f.benchmark_value is not None)
    a = assess(replace(data(indicator, *figures), benchmarks=benchmarks), P(as_of), SETTINGS)
    assert a.status is status, a.reason
    assert a.expected_value == pytest.approx(expected)
    assert a.progress_ratio == pytest.approx(ratio)
    assert a.target_value == pytest.approx(target_value)
    assert a.reason


@pytest.mark.parametrize(
    ("indicator", "figures", "missing"),
    [
        pytest.param(spec(K.STOCK, STOCK_80), one(Q, 75), ("基期值",), id="baseline"),
        pytest.param(spec(K.STOCK, (target(2027, C.GE, None),), (60, 2024)), one(Q, 70), ("目标值",), id="target"),
        pytest.param(spec(K.RATE, (target(2027, C.BELOW_BENCHMARK),), None, D.LOWER), one(Q, 4), ("基准值",),
                     id="benchmark"),
        pytest.param(spec(K.RANK, (target(2027, C.RANK, 0.5),), (9, 2024)), one(Q, 10), ("参评单位数",),
                     id="field-size"),
        pytest.param(spec(K.STOCK, (), (60, 2024)), one(Q, 70), ("目标",), id="no-targets"),
    ],
)  # fmt: skip
def test_cannot_assess_says_what_is_missing(indicator, figures, missing):
    a = assess(data(indicator, *figures), P(Q), SETTINGS)
    assert a.status is S.CANNOT_ASSESS
    assert a.missing == missing
    assert "缺少" in a.reason or "未" in a.reason


def test_target_value_none_reason():
    a = assess(
        data(spec(K.STOCK, (target(2027, C.GE, None, text="*"),), (60, 2024)), *one(Q, 70)), P(Q), SETTINGS
    )
    assert a.missing == ("目标值",)
    assert "目标值未确定" in a.reason


def test_growth_path_is_more_lenient_early():
    s = spec(K.STOCK, STOCK_80, (60, 2024))
    growth = replace(SETTINGS, path_method="growth")
    linear = assess(data(s, *one(Q, 69)), P(Q), SETTINGS)
    geometric = assess(data(s, *one(Q, 69)), P(Q), growth)
    assert linear.expected_value == pytest.approx(70)
    assert geometric.expected_value == pytest.approx(60 * (80 / 60) ** 0.5)
    assert geometric.progress_ratio == pytest.approx(9 / (60 * (80 / 60) ** 0.5 - 60))
    assert (linear.status, geometric.status) == (S.BEHIND, S.ON_TRACK)


def test_growth_falls_back_to_linear_from_zero():
    growth = replace(SETTINGS, path_method="growth")
    a = assess(data(spec(targets=NSB_45), *one(Q, 22)), P(Q), growth)
    assert a.expected_value == pytest.approx(22.5)


def test_unknown_path_method_is_refused():
    with pytest.raises(ValueError, match="linear"):
        assess(data(spec(targets=NSB_45)), P(Q), replace(SETTINGS, path_method="magic"))


def test_thresholds_come_from_settings():
    strict = replace(SETTINGS, on_track_ratio=0.99, behind_ratio=0.9)
    a = assess(data(spec(targets=NSB_45), *one(Q, 22)), P(Q), strict)
    assert a.status is S.BEHIND  # 0.978 is on track by default, behind here
    b = assess(data(spec(targets=NSB_45), *one(Q, 18)), P(Q), strict)
    assert b.status is S.SERIOUSLY_BEHIND


def test_nearest_target_year_drives_and_same_year_reason_from_worst():
    s = spec(K.STOCK, (target(2027, C.GE, 45, basis=INC), target(2027, C.GE, 120)), (65, 2024))
    a = assess(data(s, *one(Q, 90)), P(Q), SETTINGS)
    assert a.target is not None and a.target.value == 120
    assert a.target_year == 2027
    assert "120" in a.reason


def test_final_target_drives_and_the_interim_is_named():
    s = spec(targets=(target(2025, C.GE, 20), *NSB_45))
    at_2025 = assess(data(s, *one("2025Q4", 20)), P("2025Q4"), SETTINGS)
    assert at_2025.target_year == 2027 and at_2025.status is S.ON_TRACK
    assert "2025年目标 20 个已完成" in at_2025.reason
    assert assess(data(s, *one("2026Q1", 20)), P("2026Q1"), SETTINGS).target_year == 2027


def test_current_value_is_latest_valid_figure_and_period():
    s = spec(targets=NSB_45)
    a = assess(data(s, *one("2025Q4", 8), *one("2026Q1", 15), fig(Q, None)), P(Q), SETTINGS)
    assert a.status is S.NOT_REPORTED  # a figure without a value is no figure
    assert (a.current_value, a.current_period) == (15, P("2026Q1"))


def test_figures_after_as_of_are_ignored():
    s = spec(targets=NSB_45)
    a = assess(data(s, *one(Q, 22), *one("2026Q3", 50)), P(Q), SETTINGS)
    assert (a.status, a.current_value) == (S.ON_TRACK, 22)


def test_several_reporting_units_add_counts_and_owe_each_figure():
    s = spec(targets=NSB_45, reporters=("甲县", "乙县"))
    both = assess(data(s, fig(Q, 10, "甲县"), fig(Q, 12, "乙县")), P(Q), SETTINGS)
    assert (both.current_value, both.status) == (22, S.ON_TRACK)
    one_missing = assess(data(s, fig("2026Q1", 9, "甲县"), fig("2026Q1", 9, "乙县"), fig(Q, 10, "甲县")), P(Q),
                         SETTINGS)  # fmt: skip
    assert one_missing.status is S.NOT_REPORTED
    assert "乙县" in one_missing.reason
    assert (one_missing.current_value, one_missing.current_period) == (18, P("2026Q1"))


def test_several_reporting_units_rate_uses_first_reporter():
    s = spec(K.RATE, (target(2027, C.GE, 96),), (90, 2024), unit="%", reporters=("市局", "县局"))
    a = assess(data(s, fig(Q, 93, "市局"), fig(Q, 80, "县局")), P(Q), SETTINGS)
    assert (a.current_value, a.status) == (93, S.ON_TRACK)


def test_assessment_carries_spec_fields_and_exports_a_row():
    s = spec(targets=NSB_45, lead=("甲局", "乙局"), co=("丙局",), name="新增企业", category="品牌建设")
    a = assess(data(s, *one(Q, 18, unit="甲局")), P(Q), SETTINGS)
    assert (a.indicator_name, a.category, a.lead_units, a.co_units) == ("新增企业", "品牌建设", ("甲局", "乙局"),
                                                                        ("丙局",))  # fmt: skip
    row = a.as_row("luan")
    assert row["plan"] == "luan" and row["lead_units"] == "甲局|乙局"
    assert (row["current_value"], row["expected_value"], row["target_value"]) == ("18", "22.5", "45")
    assert row["status"] == "滞后" and row["progress_ratio"] == "0.8000"


@pytest.mark.parametrize(
    "changes",
    [
        {"behind_ratio": 0.97},
        {"behind_ratio": -0.1},
        {"report_deadline_days": -1},
        {"escalation_quarters": 0},
        {"jump_factor": 0},
        {"path_method": "cagr"},
    ],
)
def test_bad_settings_are_refused(changes):
    with pytest.raises(ValueError):
        assess(data(spec(targets=NSB_45)), P(Q), replace(SETTINGS, **changes))


def test_the_reporting_units_own_figure_wins_over_another_units():
    s = spec(targets=NSB_45)
    other = fig(Q, 40, "市发改委")
    a = assess(data(s, fig(Q, 22), other), P(Q), SETTINGS)
    assert a.current_value == 22
    assert assess(data(s, other), P(Q), SETTINGS).current_value == 40  # better than nothing


@pytest.mark.parametrize("reported", [False, True])
def test_an_indicator_without_a_target_in_force_cannot_be_assessed(reported):
    """Only a consultation proposal, not adopted: nothing to judge against. The figure is owed all
    the same (the template asks for it, the reporting rates count it): not sent, it is 未报送, as
    the tiles, the deck's reporting slide and the work lists all say; the reason says both."""
    from indicators.model import Figure, IndicatorData, IndicatorSpec, PlanSettings
    from indicators.periods import Period

    spec = IndicatorSpec("X-01", "城镇新建绿色建筑占比", K.RATE, lead_units=("甲局",))
    figures = (Figure(Period(2025, 4), 60.0, unit="甲局"),) if reported else ()
    settings = PlanSettings(baseline_year=2021, first_period=Period(2022, 1))
    result = assess(IndicatorData(spec, figures), Period(2025, 4), settings)
    assert result.status is (S.CANNOT_ASSESS if reported else S.NOT_REPORTED)
    assert "生效的目标" in result.reason
    if not reported:
        assert result.reason.startswith("2025年第4季度未报送数据（甲局）；尚无生效的目标")
        assert result.missing_units == ("甲局",)
    assert not result.has_target_value  # never escalates (METHODOLOGY 十八)


@pytest.mark.parametrize(
    ("figure", "as_of", "reason"),
    [
        (99.5, Q, "2026年第2季度实际为 99.5%，未达到应保持的不低于 100%（相差 0.5 个百分点）"),
        (100, Q, "2026年第2季度实际为 100%，保持在应保持的不低于 100%"),
    ],
)
def test_maintenance_reason_reads_as_a_clerk_writes_it(figure, as_of, reason):
    """'未保持应保持的…' read twice over; a breach says 未达到 the level to be kept, with the gap."""
    indicator = spec(K.RATE, (target(2027, C.EQ, 100, maintain=True),), unit="%")
    a = assess(data(indicator, *one(Q, figure)), P(as_of), SETTINGS)
    assert a.reason == reason
