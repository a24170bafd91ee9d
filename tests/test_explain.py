"""Number formatting and the Chinese explanation sentences."""

from __future__ import annotations

import datetime as dt

import pytest
from test_progress_support import SETTINGS, P, data, fig, series, spec, target

from indicators.explain import fmt_number, fmt_quantity, fmt_ratio
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
    [(2 / 3, "67%"), (0.5, "50%"), (1.0, "100%"), (0.9499, "94.9%"), (0.5999, "59.9%"), (0.951, "95%"),
     (-0.1, "-10%"), (None, "—")],
)  # fmt: skip
def test_fmt_ratio_never_rounds_across_a_threshold(ratio, text):
    assert fmt_ratio(ratio, (0.95, 0.6)) == text


def test_the_issue_example_sentence():
    a = assess(data(spec(targets=(target(2027, C.GE, 45),)), fig(Q, 12)), P(Q), SETTINGS)
    assert (
        a.reason
        == "2026年第2季度实际新增 12 个，序时进度应达 22.5 个（2027年目标 45 个），完成序时进度的 53%"
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
                     ["97%", "不低于 98%", "99%"], id="maintain"),
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
    reason = assess(data(indicator, *figures), P(as_of), SETTINGS).reason
    for fragment in fragments:
        assert fragment in reason, (fragment, reason)
    assert reason.count("。") == 0  # one sentence, no full stop inside


def test_flagged_figure_is_explained():
    d = data(spec(targets=(target(2027, C.GE, 45),)), *series(("2026Q1", 20), ("2026Q2", 15)))
    reason = assess(d, P(Q), SETTINGS).reason
    assert "2026年第2季度数据 15 待核实" in reason and "采用2026年第1季度的数据" in reason


@pytest.mark.parametrize(
    "ratio,expected",
    [(0.9499, "94.9%"), (0.95, "95%"), (0.5999, "59.9%"), (0.6, "60%"), (0.6667, "67%"), (1.2, "120%"), (None, "—")],
)
def test_ratio_just_below_a_default_threshold_never_reads_as_reaching_it(ratio, expected):
    from indicators.explain import fmt_ratio

    assert fmt_ratio(ratio) == expected
