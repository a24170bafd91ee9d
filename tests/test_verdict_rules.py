"""Verdicts a commission clerk would give, computed by hand (issue: verdicts an office can trust).

Each case states the figures, the as-of quarter and what the clerk expects; the expected
values are worked out in the comment next to the case, not taken from the code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from indicators.model import (
    BaselineSpec,
    Benchmark,
    Figure,
    IndicatorData,
    IndicatorSpec,
    PendingFigure,
    PlanSettings,
    TargetSpec,
)
from indicators.periods import Period
from indicators.status import assess
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import Direction as D
from indicators.vocabulary import FigureBasis as B
from indicators.vocabulary import Frequency as F
from indicators.vocabulary import MeasureKind as K
from indicators.vocabulary import Status as S
from indicators.vocabulary import TargetBasis as TB

P = Period.parse
LEAD = "市市场监管局"


def settings(baseline_year: int = 2021, first: str = "2022Q1", **kw) -> PlanSettings:
    return replace(PlanSettings(baseline_year=baseline_year, first_period=P(first)), **kw)


def ind(kind=K.NEW_SINCE_BASELINE, targets=(), baseline=None, unit="家", **kw) -> IndicatorSpec:
    return IndicatorSpec(
        code="T-01", name="测试指标", measure_kind=kind, measure_unit=unit, targets=tuple(targets),
        baseline=BaselineSpec(*baseline) if baseline else None, lead_units=(LEAD,), **kw,
    )  # fmt: skip


def tg(year, comp, value=None, high=None, **kw) -> TargetSpec:
    return TargetSpec(year, comp, value, high, key=f"{year}-{comp}-{value}", **kw)


def figs(*pairs, **kw) -> tuple[Figure, ...]:
    return tuple(Figure(P(p), v, LEAD, **kw) for p, v in pairs)


def quarterly(start: str, values) -> list[tuple[str, float]]:
    p = P(start)
    return [(str(p.shift(i)), v) for i, v in enumerate(values)]


def run(spec, figures, as_of, st=None, **data_kw):
    return assess(IndicatorData(spec, tuple(figures), **data_kw), P(as_of), st or settings())


# ----------------------------------------------------------------------------- the table


def test_slowly_growing_stock_meets_its_target_with_its_latest_figure():
    # 驰名商标 ≥5 by 2025, baseline 2 (2021); stock reported 3, 3, 4, 4, 5, 5, 5 in 2024Q2 … 2025Q4
    # (earlier quarters 2, 2, …).  Steps of one brand are ordinary: no flag, the 2025Q4 figure 5 is used.
    spec = ind(K.STOCK, [tg(2025, C.GE, 5)], (2, 2021), "件", whole_items=True)
    values = [2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5]
    values = [2] * 9 + [3, 3, 4, 4, 5, 5, 5]
    a = run(spec, figs(*quarterly("2022Q1", values)), "2025Q4")
    assert a.status is S.ACHIEVED
    assert a.current_value == 5 and a.current_period == P("2025Q4")
    assert a.flags == ()


def test_quarterly_flows_are_summed():
    # new items as quarterly flows 10, 8, 12, 9 → 39 by 2022Q4; target 130 by 2025, baseline end-2021:
    # expected at 2022Q4 = 130 × 1/4 = 32.5; ratio 39/32.5 = 1.2 → 正常
    spec = ind(targets=[tg(2025, C.GE, 130)], figure_basis=B.FLOW, unit="个")
    a = run(spec, figs(*quarterly("2022Q1", [10, 8, 12, 9])), "2022Q4")
    assert a.status is S.ON_TRACK
    assert a.current_value == 39
    assert a.expected_value == pytest.approx(32.5)
    assert "32.5 个" in a.reason
    assert a.flags == ()  # a smaller flow is not a "decrease"


def test_year_to_date_coverage_on_pace_in_the_first_quarter():
    # coverage 30 % year-to-date in Q1, target 100 % by year end: expected 25 % → 正常
    spec = ind(K.RATE, [tg(2024, C.GE, 100)], (100, 2023), "%", figure_basis=B.YTD)
    a = run(spec, figs(("2024Q1", 30)), "2024Q1", settings(2023, "2024Q1"))
    assert a.status is S.ON_TRACK
    assert a.expected_value == pytest.approx(25)


def test_one_item_by_2027_is_due_by_2027():
    # 培育1家 中华老字号 by 2027, none so far at 2025Q3: never "应达 0.58 家"
    spec = ind(targets=[tg(2027, C.GE, 1)], whole_items=True)
    a = run(spec, figs(*quarterly("2022Q1", [0] * 15)), "2025Q3", settings(2021, "2022Q1"))
    assert a.status is S.ON_TRACK
    assert "0.58" not in a.reason and "2027年底前" in a.reason


def test_interim_target_met_final_on_track_names_both():
    # targets 10 by 2025 and 20 by 2027, baseline 0 at end-2023; 16 new at 2025Q2.
    # Final path through (2024.0, 0), (2026.0, 10), (2028.0, 20): at 2025.5 → 7.5 → 正常, not 已达标.
    spec = ind(targets=[tg(2025, C.GE, 10), tg(2027, C.GE, 20)])
    a = run(spec, figs(("2025Q1", 9), ("2025Q2", 16)), "2025Q2", settings(2023, "2025Q1"))
    assert a.status is S.ON_TRACK
    assert a.target_year == 2027
    assert a.expected_value == pytest.approx(7.5)
    assert "2025年目标 10 家已完成；按2027年目标 20 家，序时进度应达 7.5 家" in a.reason
    # as whole items the expected value is 7 家 (7.5 rounded down), still 正常
    whole = run(replace(spec, whole_items=True), figs(("2025Q2", 16)), "2025Q2", settings(2023, "2025Q2"))
    assert whole.status is S.ON_TRACK and whole.expected_value == 7


def test_interim_target_met_final_on_track_fractional():
    # the same with divisible units: expected 7.5 exactly
    spec = ind(targets=[tg(2025, C.GE, 10), tg(2027, C.GE, 20)], unit="亿元")
    spec = replace(spec, measure_kind=K.NEW_SINCE_BASELINE)
    a = run(spec, figs(("2025Q2", 16)), "2025Q2", settings(2023, "2025Q2"))
    assert a.status is S.ON_TRACK and a.expected_value == pytest.approx(7.5)
    assert "序时进度应达 7.5 亿元" in a.reason


def test_overdue_milestone_stays_seriously_behind_despite_a_later_one():
    spec = ind(K.MILESTONE, [tg(2024, C.MILESTONE, text="设立基金"), tg(2027, C.MILESTONE, text="基金运作")],
               unit="")  # fmt: skip
    a = run(spec, figs(*quarterly("2022Q1", [0] * 13)), "2025Q1")
    assert a.status is S.SERIOUSLY_BEHIND
    assert "2024年" in a.reason


def test_each_year_milestone_needs_each_year():
    # 每年 milestone 2025–2027: done in 2025, not in 2026 → as of 2027Q1: 2026 missed
    spec = ind(K.MILESTONE, [tg(2027, C.MILESTONE, text="开展质量月活动", each_year=True)], unit="")
    data = [Figure(P("2025Q3"), 1, LEAD, done_on=dt.date(2025, 9, 10))]
    data += [Figure(P(q), 0, LEAD) for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1")]
    a = run(spec, data, "2027Q1", settings(2024, "2025Q1"))
    assert a.status is S.SERIOUSLY_BEHIND
    assert "2026年" in a.reason


def test_maintenance_far_below_is_seriously_behind():
    # 稳定在98%以上, figure 93.2: 4.8 points short > 1 point → 严重滞后 (not 0.95 × 98 = 93.1 → 滞后)
    spec = ind(K.RATE, [tg(2025, C.GE, 98, maintain=True)], (98.5, 2021), "%")
    a = run(spec, figs(("2023Q2", 93.2)), "2023Q2", settings(2021, "2023Q2"))
    assert a.status is S.SERIOUSLY_BEHIND


def test_baseline_above_target_small_dip_is_behind_only():
    # target ≥98 % (not marked maintain), baseline 98.5: the path is flat at 98; 97.9 is 0.1 short → 滞后
    spec = ind(K.RATE, [tg(2025, C.GE, 98)], (98.5, 2021), "%")
    a = run(spec, figs(("2023Q2", 97.9)), "2023Q2", settings(2021, "2023Q2"))
    assert a.status is S.BEHIND
    assert "0.1 个百分点" in a.reason


def test_target_met_after_its_year_is_late():
    # ≥130 by 2025 met with 131 in 2026Q1 (2025Q4 was 120)
    spec = ind(targets=[tg(2025, C.GE, 130)], unit="个")
    a = run(spec, figs(("2025Q4", 120), ("2026Q1", 131)), "2026Q1", settings(2021, "2025Q4"))
    assert a.status is S.ACHIEVED_LATE


def test_open_target_value_cannot_be_assessed_and_never_escalates():
    from indicators.history import assess_history, behind_streak

    spec = ind(K.LEVEL, [tg(2025, C.GE, None, text="*")], unit="亿元")
    a = run(spec, figs(("2023Q3", 5)), "2023Q3")
    assert a.status is S.CANNOT_ASSESS
    # not reported: 未报送 (the figure is owed), with why it cannot be judged; still never escalates
    missing = run(spec, (), "2023Q3")
    assert missing.status is S.NOT_REPORTED
    assert "未报送数据" in missing.reason and "目标值未确定" in missing.reason
    history = assess_history(IndicatorData(spec), P("2024Q4"), settings())
    assert not a.has_target_value and not missing.has_target_value
    assert behind_streak(history) == 0


def test_annual_statistic_not_yet_published_is_not_missing():
    # annual, release_lag 2: at 2026Q1 the 2025 figure cannot exist yet; the 2024 one is in
    spec = ind(K.RATE, [tg(2025, C.GE, 45)], (40, 2021), "%", frequency=F.ANNUAL, release_lag=2)
    a = run(spec, figs(("2022Q4", 41), ("2023Q4", 42), ("2024Q4", 43.5)), "2026Q1")
    assert a.status is not S.NOT_REPORTED
    assert a.due_period == P("2024Q4")
    # 2024 end: expected 40 + 5 × 3/4 = 43.75; ratio 3.5/3.75 = 0.933 → 滞后
    assert a.expected_value == pytest.approx(43.75)
    assert a.status is S.BEHIND
    assert "2024年度" in a.reason


# ----------------------------------------------------------------------------- more rules


def test_final_target_missed_when_its_year_ended():
    spec = ind(targets=[tg(2025, C.GE, 130)], unit="个")
    a = run(spec, figs(("2025Q4", 120)), "2025Q4", settings(2021, "2025Q4"))
    assert a.status is S.NOT_ACHIEVED


def test_met_in_time_stays_achieved_after_the_year_and_nothing_more_is_due():
    spec = ind(targets=[tg(2025, C.GE, 130)], unit="个")
    a = run(spec, figs(("2025Q3", 125), ("2025Q4", 131)), "2027Q2", settings(2021, "2025Q3"))
    assert a.status is S.ACHIEVED
    assert a.due_period == P("2025Q4")


def test_interim_met_late_is_named_while_the_final_path_is_on_track():
    # 10 by 2025 (9 at 2025Q4: missed in time), 40 by 2027; 15 at 2026Q1, 21 at 2026Q2.
    # Path (2024,0)->(2026,10)->(2028,40): at 2026.5 → 10 + 30 × 0.25 = 17.5; 21/17.5 = 1.2 → 正常;
    # the 2025 target was reached only in 2026: 逾期完成, named.
    spec = ind(targets=[tg(2025, C.GE, 10), tg(2027, C.GE, 40)])
    a = run(spec, figs(("2025Q4", 9), ("2026Q1", 15), ("2026Q2", 21)), "2026Q2", settings(2023, "2025Q4"))
    assert a.status is S.ON_TRACK
    assert "2025年目标 10 家逾期完成" in a.reason
    assert a.expected_value == 17.5
    # whole items: 17.5 → 17 家
    whole = replace(spec, whole_items=True)
    assert run(whole, figs(("2026Q2", 21)), "2026Q2", settings(2023, "2026Q2")).expected_value == 17


def test_interim_missed_is_named():
    # the same plan with 8 at 2026Q2: 2025 target 未完成, final path (8 − 0)/17.5 = 0.457 → 严重滞后
    spec = ind(targets=[tg(2025, C.GE, 10), tg(2027, C.GE, 40)])
    a = run(spec, figs(("2025Q4", 7), ("2026Q1", 7), ("2026Q2", 8)), "2026Q2", settings(2023, "2025Q4"))
    assert a.status is S.SERIOUSLY_BEHIND
    assert "2025年目标 10 家未完成" in a.reason


def test_flag_marks_but_keeps_the_figure():
    # a stock 100, 102, 104, 106 then 60 (a decrease): flagged, used, and the verdict says so
    spec = ind(K.STOCK, [tg(2025, C.GE, 130)], (100, 2021), "个")
    a = run(spec, figs(*quarterly("2022Q1", [100, 102, 104, 106, 60])), "2023Q1")
    assert a.current_value == 60 and a.current_period == P("2023Q1")
    assert a.flags and a.flags[0].check == "decrease"
    assert "待核实" in a.reason


def test_cleared_flag_is_not_flagged_again():
    spec = ind(K.STOCK, [tg(2025, C.GE, 130)], (100, 2021), "个")
    rows = list(figs(*quarterly("2022Q1", [100, 102, 104, 106])))
    rows.append(Figure(P("2023Q1"), 60, LEAD, flag_cleared=True))
    a = run(spec, rows, "2023Q1")
    assert a.flags == () and "待核实" not in a.reason


def test_a_return_to_normal_after_an_outlier_is_not_flagged():
    from indicators.quality import check_series

    rows = figs(*quarterly("2022Q1", [50, 51, 52, 51, 52, 500, 53]))
    flags = check_series("T", K.LEVEL, rows, 4.0)
    assert [f.period for f in flags] == [P("2023Q2")]


def test_pending_figure_is_not_missing():
    spec = ind(K.RATE, [tg(2025, C.GE, 98)], (95, 2021), "%")
    a = run(spec, figs(("2023Q1", 96)), "2023Q2", pending=(PendingFigure(P("2023Q2"), LEAD),))
    assert a.status is not S.NOT_REPORTED
    assert a.awaiting_review and "待审核" in a.reason


def test_missing_benchmark_names_it():
    spec = ind(K.RATIO, [tg(2025, C.BELOW_BENCHMARK, benchmark="全省平均")], unit="")
    a = run(spec, figs(("2023Q2", 1.8)), "2023Q2")
    assert a.status is S.CANNOT_ASSESS and "全省平均" in a.reason


def test_office_benchmark_not_above_is_met_when_equal():
    spec = ind(K.RATIO, [tg(2025, C.NOT_ABOVE_BENCHMARK, benchmark="省控目标")], unit="")
    bm = (Benchmark(P("2023Q2"), 1.8, "省应急厅通报"),)
    a = run(spec, figs(("2023Q2", 1.8)), "2023Q2", benchmarks=bm)
    assert a.status is S.ACHIEVED
    strict = ind(K.RATIO, [tg(2025, C.BELOW_BENCHMARK, benchmark="全省平均")], unit="")
    assert run(strict, figs(("2023Q2", 1.8)), "2023Q2", benchmarks=bm).status is S.BEHIND


def test_stale_figure_is_judged_at_its_own_period():
    # quarterly, target 40 new by 2025 from end-2021; 10 at 2022Q4 (expected 10 then), 2023Q2 missing
    spec = ind(targets=[tg(2025, C.GE, 40)], unit="个")
    a = run(spec, figs(("2022Q4", 10)), "2023Q2")
    assert a.status is S.NOT_REPORTED
    assert a.expected_value == 10  # at 2022Q4, not 15 at 2023Q2
    assert "2023年第2季度未报送数据" in a.reason and "2022年第4季度实际累计新增 10 个" in a.reason


def test_negative_change_rate_is_fine():
    spec = ind(K.CHANGE, [tg(2025, C.GE, 13.5)], (0, 2020), "%", frequency=F.ANNUAL)
    a = run(spec, figs(("2022Q4", -1.2)), "2022Q4")
    assert a.flags == ()


def test_one_whole_item_short_is_behind_not_seriously():
    # 新增 ≥10 个 by 2025 from end-2021, whole items; at 2023Q2: 10 × 6/16 = 3.75 → 3 expected; 2 reported:
    # ratio 2/3 = 0.67 → 滞后 anyway; at 2022Q2 expected 10 × 2/16 = 1.25 → 1; 0 reported: ratio 0, but
    # only one item short → 滞后 (never 严重滞后 for a single brand)
    spec = ind(targets=[tg(2025, C.GE, 10)], unit="个", whole_items=True)
    assert run(spec, figs(("2023Q2", 2)), "2023Q2", settings(2021, "2023Q2")).status is S.BEHIND
    a = run(spec, figs(("2022Q2", 0)), "2022Q2", settings(2021, "2022Q2"))
    assert (a.expected_value, a.status) == (1, S.BEHIND)
    # two items short is 严重滞后: at 2023Q4 expected 5, 3 reported → 0.6 → 滞后; 2 reported → 0.4 → 严重滞后
    assert run(spec, figs(("2023Q4", 2)), "2023Q4", settings(2021, "2023Q4")).status is S.SERIOUSLY_BEHIND


def test_benchmark_reason_tells_close_values_apart():
    spec = ind(K.LEVEL, [tg(2025, C.NOT_ABOVE_BENCHMARK, benchmark="省控目标")], unit="吨标准煤/万元",
               frequency=F.ANNUAL)  # fmt: skip
    bm = (Benchmark(P("2023Q4"), 0.388, "省发改委通报"),)
    a = run(spec, figs(("2023Q4", 0.392)), "2023Q4", benchmarks=bm)
    assert a.status is S.BEHIND
    assert "0.392 吨标准煤/万元" in a.reason and "2023年度省控目标 0.388 吨标准煤/万元" in a.reason


def test_each_year_milestone_before_its_first_year_is_on_track():
    # 每年 milestone from 2025 (first period 2025Q1), assessed at 2024Q4: nothing is due yet → 正常
    spec = ind(K.MILESTONE, [tg(2027, C.MILESTONE, text="开展质量月活动", each_year=True)], unit="")
    a = run(spec, [Figure(P("2024Q4"), 0, LEAD)], "2024Q4", settings(2024, "2025Q1"))
    assert a.status is S.ON_TRACK
    assert "2025年" in a.reason


# ------------------------------------------------- maintenance and benchmark targets at the term's end
# 六安 2025Q4 (issue: a verdict a clerk rejects on sight): 稳定在100% with 98.4 in the plan's last quarter
# and 单位GDP能耗 0.392 against a 省控目标 of 0.388 were 严重滞后 ("seriously behind", i.e. time left to
# catch up) with a reason saying 到期未达到. The legend: 未完成 = 最终目标年已经结束，目标没有达到.

STEADY_END = [
    # (case, as-of, figure, expected status): 稳定在 ≥100 %, the only (so final) target year 2025
    ("last-quarter-missed", "2025Q4", 98.4, S.NOT_ACHIEVED),  # 1.6 points short at the term's end
    ("last-quarter-missed-by-little", "2025Q4", 99.5, S.NOT_ACHIEVED),  # within 1 point: still ended
    ("last-quarter-met", "2025Q4", 100, S.ACHIEVED),
    ("before-the-end-missed", "2025Q3", 98.4, S.SERIOUSLY_BEHIND),  # 1.6 > 1 point, a quarter left
    ("before-the-end-small-gap", "2025Q3", 99.5, S.BEHIND),  # 0.5 ≤ 1 point
    ("after-the-end-missed", "2026Q2", 98.4, S.NOT_ACHIEVED),  # still owed after the term, still missed
    ("after-the-end-met", "2026Q2", 100, S.ACHIEVED),  # kept again: 已达标 (a level, not a late catch-up)
]


@pytest.mark.parametrize(("as_of", "value", "status"), [c[1:] for c in STEADY_END],
                         ids=[c[0] for c in STEADY_END])  # fmt: skip
def test_final_maintenance_target_at_and_after_the_term_end(as_of, value, status):
    spec = ind(K.RATE, [tg(2025, C.GE, 100, maintain=True)], (100, 2020), "%")
    a = run(spec, figs((as_of, value)), as_of, settings(2020, "2021Q1"))
    assert a.status is status, a.reason
    if status is S.NOT_ACHIEVED:
        assert "未完成" in a.reason and "2025年目标已到期" in a.reason


def test_interim_maintenance_target_missed_at_its_year_is_seriously_behind_not_ended():
    # 稳定在 ≥98 % to 2025, then ≥99 % by 2027 (final): at 2025Q4 with 96 % the plan is not over;
    # the 2025 target is 2 points short (> 1 point) → 严重滞后, not 未完成
    spec = ind(K.RATE, [tg(2025, C.GE, 98, maintain=True), tg(2027, C.GE, 99, maintain=True)], (98, 2020), "%")
    a = run(spec, figs(("2025Q4", 96)), "2025Q4", settings(2020, "2021Q1"))
    assert a.status is S.SERIOUSLY_BEHIND, a.reason


@pytest.mark.parametrize(
    ("as_of", "value", "status"),
    [
        ("2024Q4", 0.392, S.BEHIND),  # the target year 2025 is ahead: 尚未达到
        ("2025Q4", 0.392, S.NOT_ACHIEVED),  # the last target year has ended: 到期未达到，未完成
        ("2025Q4", 0.388, S.ACHIEVED),  # 不高于: equal meets it
        ("2026Q4", 0.392, S.NOT_ACHIEVED),  # after the term: still judged, still 未完成
    ],
)
def test_final_benchmark_target_at_the_term_end(as_of, value, status):
    spec = ind(K.LEVEL, [tg(2025, C.NOT_ABOVE_BENCHMARK, benchmark="省控目标")], unit="吨标准煤/万元",
               frequency=F.ANNUAL)  # fmt: skip
    bm = (Benchmark(P(as_of), 0.388, "省发改委通报"),)
    a = run(spec, figs((as_of, value)), as_of, benchmarks=bm)
    assert a.status is status, a.reason
    if status is S.NOT_ACHIEVED:  # by how much: 0.392 − 0.388
        assert a.reason.endswith("到期未达到，未完成（相差 0.004 吨标准煤/万元）"), a.reason


def test_interim_benchmark_target_missed_at_its_year_is_seriously_behind():
    # below the provincial average by 2025 and by 2027 (final): at 2025Q4 4 % against 3.5 % is
    # missed at the interim year → 严重滞后 (two years of the plan are left)
    spec = ind(K.RATE, [tg(2025, C.BELOW_BENCHMARK), tg(2027, C.BELOW_BENCHMARK)], None, "%",
               direction=D.LOWER)  # fmt: skip
    bm = (Benchmark(P("2025Q4"), 3.5),)
    a = run(spec, figs(("2025Q4", 4)), "2025Q4", benchmarks=bm)
    assert a.status is S.SERIOUSLY_BEHIND, a.reason


# ------------------------------------------------- clerk's review of the demo walk (each quarter, both plans)


def test_year_to_date_coverage_met_for_an_interim_year_is_on_track_not_achieved():
    # 六安 获证食品生产企业监督抽查覆盖率 (year-to-date, 达100% by 2025, baseline 96.5 % in 2021): the
    # path's 2022 level is 96.5 + 3.5 × 1/4 = 97.375 %; 97.7 % in 2022Q4 meets the year's share, not the
    # 2025 target of 100 % → 正常 (已达标 means the final target is met).
    spec = ind(K.RATE, [tg(2025, C.EQ, 100)], (96.5, 2021), "%", figure_basis=B.YTD)
    rows = figs(*quarterly("2022Q1", [24.4, 48.8, 73.1, 97.7]))
    a = run(spec, rows, "2022Q4")
    assert a.status is S.ON_TRACK, a.reason
    assert "97.38%" in a.reason and "2025年目标 100%" in a.reason
    # 2022Q4 with 97 %: 97 ÷ 97.375 = 99.6 % of the year's level → 正常, one expected value named
    b = run(spec, figs(*quarterly("2022Q1", [24.4, 48.8, 73.1, 97])), "2022Q4")
    assert b.status is S.ON_TRACK and "年内序时进度" not in b.reason and "99.6%" in b.reason


def test_year_to_date_coverage_met_in_time_stays_achieved_when_the_next_year_restarts():
    # 100 % in 2025Q4 (the target year) → 已达标; the unit goes on reporting: 25 % in 2026Q1 is the
    # new year's first quarter, not a miss of the 2025 target → still 已达标 (met in time)
    spec = ind(K.RATE, [tg(2025, C.EQ, 100)], (96.5, 2021), "%", figure_basis=B.YTD)
    rows = figs(("2025Q3", 75), ("2025Q4", 100), ("2026Q1", 25))
    assert run(spec, rows, "2025Q4", settings(2021, "2025Q3")).status is S.ACHIEVED
    a = run(spec, rows, "2026Q1", settings(2021, "2025Q3"))
    assert a.status is S.ACHIEVED, a.reason
    assert "已按期完成（2025年第4季度）" in a.reason
    # 98 % in 2025Q4 (未完成), 100 % for the whole of 2026 → 逾期完成; 50 % in 2026Q2 → still 未完成
    late = figs(("2025Q4", 98), ("2026Q2", 50), ("2026Q4", 100))
    assert run(spec, late, "2026Q2", settings(2021, "2025Q4")).status is S.NOT_ACHIEVED
    assert run(spec, late, "2026Q4", settings(2021, "2025Q4")).status is S.ACHIEVED_LATE


def test_interim_milestone_not_done_at_its_years_fourth_quarter_is_overdue():
    # 2024 设立基金, 2027 基金运作; quarterly, no lag: the 2024Q4 figure is the year-end one, so at
    # 2024Q4 the 2024 milestone is overdue (严重滞后), not "2024年底前完成即可"
    spec = ind(K.MILESTONE, [tg(2024, C.MILESTONE, text="设立基金"), tg(2027, C.MILESTONE, text="基金运作")],
               unit="")  # fmt: skip
    rows = figs(*quarterly("2022Q1", [0] * 12))
    assert run(spec, rows, "2024Q3").status is S.ON_TRACK
    a = run(spec, rows, "2024Q4")
    assert a.status is S.SERIOUSLY_BEHIND, a.reason
    assert "年底前完成即可" not in a.reason


def test_each_year_milestone_missed_in_the_final_year_is_not_achieved_at_its_fourth_quarter():
    # 每年开展质量月活动 2025–2027; 2025 and 2026 done, 2027 not by 2027Q4 (the year-end figure):
    # the final milestone is missed → 未完成, as a one-off final milestone at its year's Q4
    spec = ind(K.MILESTONE, [tg(2027, C.MILESTONE, text="开展质量月活动", each_year=True)], unit="")
    rows = [Figure(P("2025Q3"), 1, LEAD, done_on=dt.date(2025, 9, 10)),
            Figure(P("2026Q3"), 1, LEAD, done_on=dt.date(2026, 9, 10))]  # fmt: skip
    rows += [Figure(P(q), 0, LEAD) for q in ("2027Q1", "2027Q2", "2027Q3", "2027Q4")]
    assert run(spec, rows, "2027Q3", settings(2024, "2025Q1")).status is S.ON_TRACK
    a = run(spec, rows, "2027Q4", settings(2024, "2025Q1"))
    assert a.status is S.NOT_ACHIEVED, a.reason
    assert "2027年" in a.reason


def test_annual_milestone_with_a_release_lag_is_not_overdue_before_its_result_is_owed():
    # 灵璧 每年完成环境质量目标任务 (2025, 2026, 2027; annual, results published 2 quarters after the
    # year): 2025 done (2025-10-12); at 2027Q1 the 2026 result is owed only from 2027Q2 → 正常, and
    # the sentence names the open 2026 milestone; at 2027Q2 still nothing → 未报送 (the 2026 result)
    spec = ind(K.MILESTONE, [tg(y, C.MILESTONE, text="每年超额完成") for y in (2025, 2026, 2027)], unit="",
               frequency=F.ANNUAL, release_lag=2)  # fmt: skip
    rows = [Figure(P("2025Q4"), 1, LEAD, done_on=dt.date(2025, 10, 12))]
    a = run(spec, rows, "2027Q1", settings(2024, "2025Q2"))
    assert a.status is S.ON_TRACK, a.reason
    assert "2026年" in a.reason and "2027年第2季度" in a.reason
    assert run(spec, rows, "2027Q2", settings(2024, "2025Q2")).status is S.NOT_REPORTED
    # the 2026 result comes in (not done) at 2027Q2: 2026 overdue → 严重滞后 (2027 is still to come)
    rows.append(Figure(P("2026Q4"), 0, LEAD))
    assert run(spec, rows, "2027Q2", settings(2024, "2025Q2")).status is S.SERIOUSLY_BEHIND


def test_an_interim_target_the_baseline_already_meets_does_not_pull_the_path_back():
    # baseline 98.5 % (2021), ≥98 % by 2025 (already met), ≥99 % by 2027. The path runs from 98.5 % at
    # the end of 2021 straight to 99 % at the end of 2027 (6 years), never down to 98 %:
    # 2023Q4 (2 years): 98.5 + 0.5 × 2/6 = 98.667; 98.6 → (0.1) ÷ (0.1667) = 60 % → 滞后 (60 % 含)
    # 2025Q4 (4 years): 98.5 + 0.5 × 4/6 = 98.833; 98.9 → 0.4 ÷ 0.333 = 120 % → 正常
    spec = ind(K.RATE, [tg(2025, C.GE, 98), tg(2027, C.GE, 99)], (98.5, 2021), "%")
    a = run(spec, figs(("2023Q4", 98.6)), "2023Q4")
    assert a.expected_value == pytest.approx(98.5 + 0.5 * 2 / 6)
    assert a.status is S.BEHIND, a.reason  # exactly 60 % by hand: not 严重滞后 by float noise
    assert "60%" in a.reason
    b = run(spec, figs(("2025Q4", 98.9)), "2025Q4")
    assert b.expected_value == pytest.approx(98.5 + 0.5 * 4 / 6)
    assert b.status is S.ON_TRACK, b.reason


def test_rank_met_at_the_target_years_end_stays_achieved():
    # 全省中上位次 by 2025 (16 units: top 8), annual: 8th in 2025 → met in time; 8th again in 2026 is
    # not "逾期完成", and 10th in 2026 does not undo the 2025 result (as for a level target) → 已达标
    spec = ind(K.RANK, [tg(2025, C.RANK, 0.5, text="全省中上位次")], (12, 2021), "", whole_items=True,
               frequency=F.ANNUAL)  # fmt: skip
    met = Figure(P("2025Q4"), 8, LEAD, field_size=16)
    for later in (8, 10):
        a = run(spec, [met, Figure(P("2026Q4"), later, LEAD, field_size=16)], "2026Q4")
        assert a.status is S.ACHIEVED, a.reason
        assert "2025年度已达到2025年目标（前 8 名，全省中上位次），按期完成" in a.reason
    # 9th in 2025 (missed), 8th in 2026 → 逾期完成
    late = [Figure(P("2025Q4"), 9, LEAD, field_size=16), Figure(P("2026Q4"), 8, LEAD, field_size=16)]
    assert run(spec, late, "2026Q4").status is S.ACHIEVED_LATE


def test_one_item_short_says_why_it_is_only_behind():
    # 新增 ≥10 个 by 2025 (whole items), 2022Q2: expected 10 × 2/16 = 1.25 → 1 个, 0 reported: the ratio is
    # 0 % (< 60 %), yet one item short is 滞后; the sentence must say so, or it contradicts its status
    spec = ind(targets=[tg(2025, C.GE, 10)], unit="个", whole_items=True)
    a = run(spec, figs(("2022Q2", 0)), "2022Q2", settings(2021, "2022Q2"))
    assert a.status is S.BEHIND
    assert "完成序时进度的 0%，仅差 1 个，按滞后计" in a.reason


def test_a_per_mille_maintenance_gap_is_in_per_mille_points():
    # 不高于 5‰, 5.5‰ reported: 0.5 of a per-mille point short (≤ 1) → 滞后, never "0.5 个百分点"
    spec = ind(K.RATIO, [tg(2025, C.LE, 5, maintain=True)], (4, 2021), "‰", direction=D.LOWER)
    a = run(spec, figs(("2023Q2", 5.5)), "2023Q2")
    assert a.status is S.BEHIND
    assert "相差 0.5 个千分点" in a.reason and "百分点" not in a.reason


def test_figures_reported_to_three_decimals_are_shown_so():
    # 单位GDP能耗 0.404 against a 省控目标 of 0.39: two decimals would print "0.4 … 0.39", a rounder
    # figure than the one reported; the sentence keeps the reported decimals: 0.404 and 0.39
    spec = ind(K.LEVEL, [tg(2025, C.NOT_ABOVE_BENCHMARK, benchmark="省控目标")], unit="吨标准煤/万元",
               frequency=F.ANNUAL)  # fmt: skip
    bm = (Benchmark(P("2022Q4"), 0.39, "省发改委通报"),)
    a = run(spec, figs(("2022Q4", 0.404)), "2022Q4", benchmarks=bm)
    assert a.status is S.BEHIND
    assert "实际为 0.404 吨标准煤/万元" in a.reason and "省控目标 0.39 吨标准煤/万元" in a.reason
    # 0.427 against 0.388 (六安 2022): both as reported, not 0.43 and 0.39
    bm = (Benchmark(P("2022Q4"), 0.388),)
    b = run(spec, figs(("2022Q4", 0.427)), "2022Q4", benchmarks=bm)
    assert "0.427 吨标准煤/万元" in b.reason and "0.388 吨标准煤/万元" in b.reason
    # a path: baseline 0.46 (2021), ≤ 0.40 by 2025; 2023Q4 (2 of 4 years) expects 0.46 − 0.06 × 2/4 = 0.43;
    # 0.436 → (0.436 − 0.46) ÷ (0.43 − 0.46) = 0.8 → 滞后, the figure shown as 0.436 (not 0.44)
    path = ind(K.LEVEL, [tg(2025, C.LE, 0.40)], (0.46, 2021), "吨标准煤/万元", direction=D.LOWER,
               frequency=F.ANNUAL)  # fmt: skip
    c = run(path, figs(("2023Q4", 0.436)), "2023Q4")
    assert c.status is S.BEHIND and c.progress_ratio == pytest.approx(0.8)
    assert "实际为 0.436 吨标准煤/万元，序时进度应达 0.43 吨标准煤/万元" in c.reason


def test_flag_reasons_give_every_number_its_unit():
    # a count 100, 102, 104, 106 then 60 个: "比2022年第4季度（106 个）减少了 46 个" (not "（106）减少了 46")
    spec = ind(K.STOCK, [tg(2025, C.GE, 130)], (100, 2021), "个")
    a = run(spec, figs(*quarterly("2022Q1", [100, 102, 104, 106, 60])), "2023Q1")
    assert "累计数比2022年第4季度（106 个）减少了 46 个" in a.reason
    # a rate 95.1, 95.2, 95.3, 95.4, then 80.4: typical change 0.1 point; −15 points is > 4 × 0.1 and > 5 %
    # of 95.4 (4.77) → flagged; the change is in 个百分点, the level in %
    rate = ind(K.RATE, [tg(2025, C.GE, 99)], (95, 2021), "%")
    b = run(rate, figs(*quarterly("2022Q1", [95.1, 95.2, 95.3, 95.4, 80.4])), "2023Q1")
    assert b.flags and "较2022年第4季度（95.4%）变动 -15 个百分点" in b.reason
    assert "典型变动（0.1 个百分点）" in b.reason


def test_a_total_of_flows_names_the_quarter_it_lacks():
    # 技术改造投资 as quarterly flows: 10 (Q1), nothing for Q2, 12 (Q3), 9 (Q4) → 31 by 2022Q4 against
    # 130 × 1/4 = 32.5 expected (95 %). The Q2 flow is owed and missing: the total understates, and
    # the sentence says so (2022Q2 is no longer the quarter owed, so the status is not 未报送).
    spec = ind(targets=[tg(2025, C.GE, 130)], figure_basis=B.FLOW, unit="亿元")
    a = run(spec, figs(("2022Q1", 10), ("2022Q3", 12), ("2022Q4", 9)), "2022Q4")
    assert a.current_value == 31 and a.status is S.ON_TRACK
    assert "累计数不完整：2022年第2季度未报送" in a.reason
    assert "不完整" not in run(spec, figs(*quarterly("2022Q1", [10, 8, 12, 9])), "2022Q4").reason
    # year-to-date counts: 2022 stops at Q3 (24), 2023Q1 6 → 24 + 6 = 30, the 2022 total taken from Q3
    ytd = ind(targets=[tg(2025, C.GE, 130)], figure_basis=B.YTD, unit="个")
    b = run(ytd, figs(("2022Q1", 8), ("2022Q2", 15), ("2022Q3", 24), ("2023Q1", 6)), "2023Q1")
    assert b.current_value == 30
    assert "累计数不完整：2022年第4季度未报送" in b.reason


def test_ranks_are_whole_places():
    # 全省中上位次 (top half), baseline 12th (2021), quarterly, 16 units → top 8 by 2025:
    # 2022Q2: 12 − 4 × 0.5/4 = 11.5 → due 第 12 名 (a rank is whole; the easier side), 12th → 正常, never
    # "第 11.5 名"; 2022Q3: 12 − 4 × 0.75/4 = 11.25 → 第 12 名 due, 11th is better; 2023Q1: 12 − 4 × 1.25/4 =
    # 10.75 → 第 11 名 due, 11th → (12 − 11) ÷ (12 − 11) = 100 % → 正常
    spec = ind(K.RANK, [tg(2025, C.RANK, 0.5, text="全省中上位次")], (12, 2021), "")
    a = run(spec, [Figure(P("2022Q2"), 12, LEAD, field_size=16)], "2022Q2")
    assert a.expected_value == 12 and a.status is S.ON_TRACK, a.reason
    assert "11.5" not in a.reason
    b = run(spec, [Figure(P("2022Q3"), 11, LEAD, field_size=16)], "2022Q3")
    assert b.expected_value == 12 and b.status is S.ON_TRACK and "已好于序时进度" in b.reason
    c = run(spec, [Figure(P("2023Q1"), 11, LEAD, field_size=16)], "2023Q1")
    assert c.expected_value == 11 and c.progress_ratio == pytest.approx(1.0) and c.status is S.ON_TRACK
    # 15 units: the top half is 7.5 → 前 7 名; 8th does not meet it
    d = run(spec, [Figure(P("2025Q4"), 8, LEAD, field_size=15)], "2025Q4")
    assert d.target_value == 7 and d.status is S.NOT_ACHIEVED and "前 7 名" in d.reason


def _depth(text: str) -> int:
    """How deep round brackets nest in ``text`` (1: one pair at a time)."""
    depth = deepest = 0
    for ch in text:
        depth += ch == "（"
        deepest = max(deepest, depth)
        depth -= ch == "）"
    return deepest


def test_a_figure_ahead_of_a_path_that_asks_nothing_yet_says_what_it_achieved():
    # 新增省级服务业集聚区 (六安 LA-SQ-02): ≥10 new by 2025, baseline 2021, whole items. 2022Q1 is 0.25 of
    # 4 years: 10 × 0.25 ÷ 4 = 0.625 → 0 whole items due, so no ratio exists (nothing due); 2 new is
    # ahead of the path → 正常, "已超过序时进度", never "基期值 0 个，尚未到需见效的时点"
    spec = ind(targets=[tg(2025, C.GE, 10)], unit="个", whole_items=True)
    a = run(spec, figs(("2022Q1", 2)), "2022Q1")
    assert a.status is S.ON_TRACK and a.expected_value == 0 and a.progress_ratio is None
    assert a.reason == "2022年第1季度实际累计新增 2 个，序时进度应达 0 个（2025年目标 10 个），已超过序时进度"
    # nothing new yet: still 正常, and then it is true that results are not due yet (a count of new
    # items starts at 0 by definition: no "基期值 0 个" clause)
    b = run(spec, figs(("2022Q1", 0)), "2022Q1")
    assert b.status is S.ON_TRACK and b.progress_ratio is None
    assert b.reason == "2022年第1季度实际累计新增 0 个，序时进度应达 0 个（2025年目标 10 个），尚未到需见效的时点"
    # a stock (安徽老字号 LA-BR-15): baseline 9 (2021), ≥15 by 2025: 9 + 6 × 0.25 ÷ 4 = 9.375 → 9 due at
    # 2022Q1; 10 is 10 − 9 = 1 more than the baseline → the gain is named with its unit
    stock = ind(K.STOCK, [tg(2025, C.GE, 15)], (9, 2021), "个", whole_items=True)
    c = run(stock, figs(("2022Q1", 10)), "2022Q1")
    assert c.status is S.ON_TRACK and c.expected_value == 9 and c.progress_ratio is None
    assert c.reason == (
        "2022年第1季度实际为 10 个，比2021年基期值 9 个增加 1 个，序时进度应达 9 个（2025年目标 15 个），已超过序时进度"
    )
    # lower is better: 事故 ≤ 6 起 by 2025 from 10 (2021): 10 − 4 × 0.25 ÷ 4 = 9.75 → due 10 (whole items
    # round to the easier side, up); 9 起 is 1 fewer → 正常, "减少 1 起", "已好于序时进度"
    fewer = ind(K.STOCK, [tg(2025, C.LE, 6)], (10, 2021), "起", whole_items=True, direction=D.LOWER)
    d = run(fewer, figs(("2022Q1", 9)), "2022Q1")
    assert d.status is S.ON_TRACK and d.expected_value == 10 and d.progress_ratio is None
    assert "比2021年基期值 10 起减少 1 起，序时进度应达 10 起（2025年目标 不高于 6 起），已好于序时进度" in d.reason
    # a rate's gain is in percentage points: baseline 97.4 % (2021), ≥99 % by 2025; the baseline year's own
    # fourth quarter expects the baseline itself (no time has passed): 97.7 % is 0.3 个百分点 above it
    rate = ind(K.RATE, [tg(2025, C.GE, 99)], (97.4, 2021), "%")
    e = run(rate, figs(("2021Q4", 97.7)), "2021Q4", settings(2021, "2021Q4"))
    assert e.status is S.ON_TRACK and e.expected_value == pytest.approx(97.4) and e.progress_ratio is None
    assert "比2021年基期值 97.4%提高 0.3 个百分点，序时进度应达 97.4%（2025年目标 99%），已超过序时进度" in e.reason


def test_target_texts_and_sources_never_put_brackets_in_brackets():
    # 地理标志证明商标 (LA-BR-05): baseline 140 件 (2021), 2025年 新增 45 件 → 185 件. 2022Q1: 140 + 45 × 0.25
    # ÷ 4 = 142.8125 → 142 due; 152 → (152 − 140) ÷ (142 − 140) = 600 % → 正常. Inside brackets the target
    # reads "新增 45 件，即 185 件" (one pair), never "（2025年目标 新增 45 件（即 185 件））"
    spec = ind(K.STOCK, [tg(2025, C.GE, 45, basis=TB.INCREASE)], (140, 2021), "件", whole_items=True)
    a = run(spec, figs(("2022Q1", 152)), "2022Q1")
    assert a.status is S.ON_TRACK and a.progress_ratio == pytest.approx(6.0)
    assert "序时进度应达 142 件（2025年目标 新增 45 件，即 185 件），完成序时进度的 600%" in a.reason
    assert _depth(a.reason) == 1
    # outside brackets the plain form stays: 180 < 185 at 2025Q4 (the year-end figure, judged at its own
    # period) → 未完成, (180 − 140) ÷ (185 − 140) = 0.889 of the target, floored to 88 %
    b = run(spec, figs(("2025Q4", 180)), "2026Q1")
    assert b.status is S.NOT_ACHIEVED and _depth(b.reason) == 1
    assert b.reason == "2025年目标 新增 45 件（即 185 件）已到期，2025年第4季度实际为 180 件，未完成（完成目标进度的 88%，相差 5 件）"
    # a flag whose reason has brackets of its own is a clause, not a bracket: 100, 102, 104, 106, 60 个
    flow = ind(K.STOCK, [tg(2025, C.GE, 130)], (100, 2021), "个")
    c = run(flow, figs(*quarterly("2022Q1", [100, 102, 104, 106, 60])), "2023Q1")
    assert "；2023年第1季度数据待核实：累计数比2022年第4季度（106 个）减少了 46 个" in c.reason
    assert _depth(c.reason) == 1
    # a benchmark source given with brackets: its brackets become 〔〕 inside the sentence's pair
    energy = ind(K.LEVEL, [tg(2025, C.NOT_ABOVE_BENCHMARK, benchmark="省控目标")], unit="吨标准煤/万元",
                 frequency=F.ANNUAL)  # fmt: skip
    bm = (Benchmark(P("2022Q4"), 0.388, "省发改委通报（2023年第2期）"),)
    d = run(energy, figs(("2022Q4", 0.427)), "2022Q4", benchmarks=bm)
    assert "省控目标 0.388 吨标准煤/万元（省发改委通报〔2023年第2期〕）" in d.reason and _depth(d.reason) == 1


def test_a_target_met_in_time_shows_no_ratio_after_a_fall_back():
    # ≥130 个 by 2025, baseline 100 (2021): 131 at 2025Q4 meets it in time; 120 in 2026Q2 is a fall back.
    # 已达标 stays (met by the year's end), and the ratio of the later figure, (120 − 100) ÷ (130 − 100)
    # = 0.667, is no 完成比例 of that verdict: none is given (export cell empty, pages show —)
    spec = ind(K.STOCK, [tg(2025, C.GE, 130)], (100, 2021), "个")
    a = run(spec, figs(("2025Q4", 131), ("2026Q2", 120)), "2026Q2")
    assert a.status is S.ACHIEVED and a.progress_ratio is None, a.reason
    assert "已按期完成（2025年第4季度）" in a.reason and "2026年第2季度实际为 120 个" in a.reason
    assert a.as_row()["progress_ratio"] == ""
    # met late (120 at 2025Q4, 131 in 2026Q1): 逾期完成 on the figure itself, (131 − 100) ÷ 30 = 1.033
    b = run(spec, figs(("2025Q4", 120), ("2026Q1", 131)), "2026Q1")
    assert b.status is S.ACHIEVED_LATE and b.progress_ratio == pytest.approx(31 / 30)
    # never met: 未完成 keeps the share of the target reached, (120 − 100) ÷ 30 = 0.667
    c = run(spec, figs(("2025Q4", 120)), "2026Q1")
    assert c.status is S.NOT_ACHIEVED and c.progress_ratio == pytest.approx(20 / 30)


def test_a_few_items_target_shows_no_quarterly_expected_value_or_ratio_before_its_year_ends():
    # 获得国家优质工程 (LA-EQ-01): ≥3 new by 2025, whole items, 3 ≤ few_items (3) → judged at the year's end
    # only. At 2024Q3 a path would ask 3 × 2.75 ÷ 4 = 2.06 → 2; the table would read "应达 2 个，0%"
    # beside 正常. None of either is given; the sentence says 按年度考核.
    spec = ind(targets=[tg(2025, C.GE, 3)], unit="个", whole_items=True)
    a = run(spec, figs(("2024Q3", 0)), "2024Q3")
    assert a.status is S.ON_TRACK and a.expected_value is None and a.progress_ratio is None, a
    assert "按年度考核" in a.reason and a.target_value == 3
    # at the year's end the target is what is due: 0 of 3 → 未完成, expected 3, (0 − 0) ÷ 3 = 0 % of it
    b = run(spec, figs(("2025Q4", 0)), "2025Q4")
    assert b.status is S.NOT_ACHIEVED and b.expected_value == 3 and b.progress_ratio == 0
    assert "未完成（完成目标进度的 0%，相差 3 个）" in b.reason
    # 驰名商标 (LA-BR-07): stock 2 (2021) → ≥5 by 2025, 3 items: 5 at 2024Q3 → 已达标, with no path value
    # (a path would ask 2 + 3 × 2.75 ÷ 4 = 4.06 → 4 and give (5 − 2) ÷ (4 − 2) = 150 %)
    stock = ind(K.STOCK, [tg(2025, C.GE, 5)], (2, 2021), "件", whole_items=True)
    c = run(stock, figs(("2024Q3", 5)), "2024Q3")
    assert c.status is S.ACHIEVED and c.expected_value is None and c.progress_ratio is None



def test_a_final_target_missed_without_a_baseline_names_the_target_as_due_and_the_gap():
    """六安's 森林覆盖率 (LA-ENV-06): no baseline, so no path and no ratio, but at the target year's end
    the 45% itself is what was due: 应达 45%, and the reason says by how much it was missed."""
    spec = ind(K.RATE, [tg(2025, C.GE, 45)], None, "%", frequency=F.ANNUAL)
    figures = figs(("2024Q4", 44.5), ("2025Q4", 44.8))
    before = run(spec, figures, "2024Q4")
    assert before.status is S.CANNOT_ASSESS and before.expected_value is None  # no path without a baseline
    a = run(spec, figures, "2025Q4")
    assert a.status is S.NOT_ACHIEVED
    assert a.expected_value == 45 and a.progress_ratio is None
    assert a.reason == "2025年目标 45%已到期，2025年度实际为 44.8%，未完成（相差 0.2 个百分点）"
