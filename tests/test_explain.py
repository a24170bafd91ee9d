"""Number formatting and the Chinese explanation sentences."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from test_progress_support import SETTINGS, P, data, fig, series, spec, target

from indicators.explain import fmt_number, fmt_quantity, fmt_ratio
from indicators.model import Benchmark
from indicators.status import assess
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import Direction as D
from indicators.vocabulary import MeasureKind as K
from indicators.vocabulary import TargetBasis

Q = "2026Q2"


@pytest.mark.parametrize(
    ("value", "text"),
    [(12.0, "12"), (12, "12"), (98.5, "98.5"), (98.50, "98.5"), (12.3456, "12.35"), (0.1 + 0.2, "0.3"),
     (-0.001, "0"), (-3.5, "-3.5"), (1_000_000.0, "1000000"), (2 / 3, "0.67"), (None, "—")],
)  # fmt: skip
def test_fmt_number(value, text):
    assert fmt_number(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (98.5, "%", "98.5%"),
        (100.0, "%", "100%"),
        (12.0, "个", "12 个"),
        (3.25, "", "3.25"),
        (None, "个", "—"),
    ],
)
def test_fmt_quantity(value, unit, text):
    assert fmt_quantity(value, unit) == text


@pytest.mark.parametrize(
    ("ratio", "text"),
    [(2 / 3, "66%"), (0.5, "50%"), (1.0, "100%"), (0.9499, "94.9%"), (0.5999, "59.9%"), (0.951, "95%"),
     (-0.1, "-10%"), (None, "—")],
)  # fmt: skip
def test_fmt_ratio_never_rounds_across_a_threshold(ratio, text):
    assert fmt_ratio(ratio, (0.95, 0.6)) == text


def test_the_issue_example_sentence():
    a = assess(data(spec(targets=(target(2027, C.GE, 45),)), fig(Q, 12)), P(Q), SETTINGS)
    assert (
        a.reason
        == "2026年第2季度实际累计新增 12 个，序时进度应达 22.5 个（2027年目标 45 个），完成序时进度的 53%"
    )


def test_rate_sentence_writes_percent_tightly():
    s = spec(K.RATE, (target(2027, C.GE, 96),), (90, 2024), unit="%")
    a = assess(data(s, fig(Q, 92.5)), P(Q), SETTINGS)
    assert a.reason == "2026年第2季度实际为 92.5%，序时进度应达 93%（2027年目标 96%），完成序时进度的 83%"
    assert ".0" not in a.reason


RATE_96 = spec(K.RATE, (target(2027, C.GE, 96),), (90, 2024), unit="%")


@pytest.mark.parametrize(
    ("indicator", "figures", "as_of", "fragments"),
    [
        pytest.param(RATE_96, [fig(Q, 97)], Q, ["97%", "已达到", "2027年", "96%"], id="achieved"),
        pytest.param(RATE_96, [fig(Q, 89)], Q, ["89%", "基期值 90%", "96%"], id="worse-than-baseline"),
        pytest.param(RATE_96, [fig("2026Q1", 92)], Q, ["2026年第2季度未报送", "市市场监管局", "2026年第1季度", "92%"],
                     id="not-reported"),
        pytest.param(RATE_96, [fig("2027Q4", 95)], "2027Q4", ["已到期", "95%", "96%", "83%"], id="due"),
        pytest.param(spec(K.STOCK, (target(2027, C.GE, 80),), unit="家"), [fig(Q, 70)], Q,
                     ["缺少基期值", "70 家", "80 家"], id="no-baseline"),
        pytest.param(spec(K.STOCK, (target(2027, C.GE, 45, basis=TargetBasis.INCREASE),), (65, 2024), unit="家"),
                     [fig(Q, 86)], Q, ["86 家", "87.5 家", "新增 45 家", "110 家", "93%"], id="increase"),
        pytest.param(spec(K.RATE, (target(2027, C.GE, 98, maintain=True),), unit="%"), [fig(Q, 97)], Q,
                     ["97%", "不低于 98%"], id="maintain"),
        pytest.param(spec(K.RATE, (target(2027, C.BELOW_BENCHMARK, benchmark="全省平均"),), None, D.LOWER, "%"),
                     [fig(Q, 4, benchmark=3.5)], Q, ["4%", "全省平均 3.5%", "低于全省平均"], id="benchmark"),
        pytest.param(spec(K.RANK, (target(2027, C.RANK, 0.5, text="全省中上位次"),), (12, 2024), D.LOWER, "名"),
                     [fig(Q, 10, field_size=16)], Q, ["第 10 名", "共 16 个", "前 8 名", "全省中上位次", "100%"],
                     id="rank"),
        pytest.param(spec(K.MILESTONE, (target(2027, C.MILESTONE, text="建成一站式服务平台"),)),
                     [fig(Q, None, done_on=dt.date(2026, 5, 3))], Q, ["2026-05-03", "完成", "建成一站式服务平台"],
                     id="milestone-done"),
        pytest.param(spec(K.MILESTONE, (target(2027, C.MILESTONE),)), [fig("2028Q1", 0)], "2028Q1",
                     ["2027年底", "仍未完成"], id="milestone-overdue"),
        pytest.param(spec(K.STOCK, (target(2027, C.GE, None, text="*"),), (60, 2024), unit="家"), [fig(Q, 70)], Q,
                     ["目标值未确定", "*", "70 家"], id="target-open"),
        pytest.param(spec(targets=(target(2027, C.RANGE, 1, 2),), unit="家"), [fig(Q, 3)], Q,
                     ["3 家", "1–2 家", "超额"], id="range"),
    ],
)  # fmt: skip
def test_reason_contains_the_numbers(indicator, figures, as_of, fragments):
    # the office's benchmark for a figure's quarter is written here on the figure (benchmark=…)
    benchmarks = tuple(Benchmark(f.period, f.benchmark_value) for f in figures if f.benchmark_value is not None)
    reason = assess(replace(data(indicator, *figures), benchmarks=benchmarks), P(as_of), SETTINGS).reason
    for fragment in fragments:
        assert fragment in reason, (fragment, reason)
    assert reason.count("。") == 0  # one sentence, no full stop inside


def test_flagged_figure_is_explained():
    d = data(spec(targets=(target(2027, C.GE, 45),)), *series(("2026Q1", 20), ("2026Q2", 15)))
    reason = assess(d, P(Q), SETTINGS).reason
    # the figure 15 is used and marked: it awaits the office's check
    assert "实际累计新增 15 个" in reason and "2026年第2季度数据待核实" in reason and "减少了 5" in reason


@pytest.mark.parametrize(
    "ratio,expected",
    [(0.9499, "94.9%"), (0.95, "95%"), (0.5999, "59.9%"), (0.6, "60%"), (0.6667, "66%"), (1.2, "120%"), (None, "—")],
)
def test_ratio_just_below_a_default_threshold_never_reads_as_reaching_it(ratio, expected):
    from indicators.explain import fmt_ratio

    assert fmt_ratio(ratio) == expected


# Hand-computed: ratios are rounded down; within one point below a threshold (0.95, 0.6 and
# always 100%) one decimal, rounded down too.
@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (0.996, "99.6%"),  # 滞后 at 99.6% of the path (e.g. a maintenance gap): never "100%"
        (0.99999, "99.9%"),
        (0.994, "99.4%"),
        (0.989, "98%"),  # more than a point below 100%: whole percent, rounded down
        (1.0, "100%"),
        (1.004, "100%"),
        (0.29, "29%"),  # 0.29 × 100 is 28.999…96 in floating point: still 29%
        (0.579, "57%"),
        (0.5999, "59.9%"),
        (0.94, "94%"),  # exactly one point below 95%: whole percent
        (0.9405, "94%"),  # 94.05% floored to one decimal is 94.0, printed without ".0"
        (0.9469, "94.6%"),
        (2.3456, "234%"),
        (-0.123, "-13%"),  # a figure worse than the baseline: rounded down too
        (float("nan"), "—"),
    ],
)
def test_fmt_ratio_rounds_down(ratio, text):
    assert fmt_ratio(ratio) == text


def test_fmt_ratio_with_plan_thresholds():
    assert fmt_ratio(0.895, (0.9, 0.5)) == "89.5%"  # a plan whose 正常 line is 90%
    assert fmt_ratio(0.895, ()) == "89%"  # no plan threshold near: whole percent
    assert fmt_ratio(0.999, ()) == "99.9%"  # 100% is always a threshold


def test_no_ratio_ever_prints_at_or_above_a_threshold_it_has_not_reached():
    thresholds = (0.95, 0.6, 1.0)
    for i in range(0, 20001):
        ratio = i / 10000 - 0.00005  # every 0.01 point, just below the round value
        shown = float(fmt_ratio(ratio).rstrip("%"))
        assert shown <= ratio * 100 + 1e-9, ratio
        for t in thresholds:
            if ratio < t:
                assert shown < t * 100, (ratio, t, shown)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (12345.5, "家", "12,345.5 家"),
        (1_000_000.0, "元", "1,000,000 元"),
        (-1234.0, "%", "-1,234%"),
        (999.0, "个", "999 个"),
        (2.0, "家", "2 家"),  # never "2.00 家"
        (0.58, "家", "0.58 家"),
        (3.5, "‰", "3.5‰"),
        (None, "家", "—"),
    ],
)
def test_fmt_quantity_with_grouping(value, unit, text):
    assert fmt_quantity(value, unit, grouping=True) == text


def test_pages_format_numbers_like_the_engine():
    from ui.formats import describe_target, format_number

    assert format_number(2.0, "家") == "2 家"
    assert format_number(98.5, "%") == "98.5%"
    assert format_number(1500.0, "件") == "1,500 件"
    assert format_number(0.24, "‰") == "0.24‰"
    assert describe_target({"year": 2027, "comparator": "ge", "value": 2.0}, "家") == "2027年 ≥ 2 家"
    assert describe_target({"year": 2025, "comparator": "range", "value": 1.0, "value_high": 2.0}, "个") == (
        "2025年 1–2 个"
    )
