"""Data-quality flags: impossible values, falling cumulative counts, jumps; flagged figures are used and marked."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from test_progress_support import SETTINGS, P, data, fig, series, spec, target

from indicators.quality import DECREASE, JUMP, OUT_OF_RANGE, quality_flags
from indicators.status import assess
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import Direction as D
from indicators.vocabulary import MeasureKind as K
from indicators.vocabulary import Status as S

NSB = spec(targets=(target(2027, C.GE, 45),))
RATE = spec(K.RATE, (target(2027, C.GE, 98),), (90, 2024), unit="%")


def checks(d, settings=SETTINGS):
    return [(str(f.period), f.check) for f in quality_flags(d, settings)]


@pytest.mark.parametrize(
    ("indicator", "pairs", "flagged"),
    [
        pytest.param(NSB, [("2025Q1", 5), ("2025Q2", 8), ("2025Q3", 6)], [("2025Q3", DECREASE)], id="nsb-decrease"),
        pytest.param(spec(K.STOCK, (target(2027, C.GE, 80),), (60, 2024)), [("2025Q1", 62), ("2025Q2", 61)],
                     [("2025Q2", DECREASE)], id="stock-decrease"),
        pytest.param(RATE, [("2025Q1", 101)], [("2025Q1", OUT_OF_RANGE)], id="rate-above-100"),
        pytest.param(RATE, [("2025Q1", -0.5)], [("2025Q1", OUT_OF_RANGE)], id="rate-negative"),
        pytest.param(RATE, [("2025Q1", 95), ("2025Q2", 94)], [], id="rate-may-fall"),
        pytest.param(NSB, [("2025Q1", -1)], [("2025Q1", OUT_OF_RANGE)], id="nsb-negative"),
        pytest.param(spec(K.MILESTONE, (target(2027, C.MILESTONE),)), [("2025Q1", 2)], [("2025Q1", OUT_OF_RANGE)],
                     id="milestone-not-0-1"),
        pytest.param(RATE, [("2025Q1", 90), ("2025Q2", 91), ("2025Q3", 92), ("2025Q4", 93), ("2026Q1", 99)],
                     [("2026Q1", JUMP)], id="jump-after-3-changes"),
        pytest.param(RATE, [("2025Q1", 90), ("2025Q2", 91), ("2025Q3", 92), ("2025Q4", 97)], [],
                     id="no-jump-check-with-2-changes"),
        pytest.param(RATE, [("2025Q1", 90), ("2025Q2", 91), ("2025Q3", 92), ("2025Q4", 93), ("2026Q1", 97)], [],
                     id="change-of-4x-median-is-allowed"),
        pytest.param(RATE, [("2025Q1", 100), ("2025Q2", 100), ("2025Q3", 100), ("2025Q4", 100), ("2026Q1", 90)],
                     [], id="flat-series-gives-no-scale"),
        pytest.param(RATE, [("2025Q1", 100), ("2025Q2", 100), ("2025Q3", 100), ("2025Q4", 99), ("2026Q1", 90)],
                     [("2026Q1", JUMP)], id="zero-median-falls-back-to-mean"),
        pytest.param(NSB, [("2025Q1", 5), ("2025Q2", 50), ("2025Q3", 9), ("2025Q4", 55)],
                     [("2025Q3", DECREASE)], id="compared-with-last-accepted"),
    ],
)  # fmt: skip
def test_flags(indicator, pairs, flagged):
    assert checks(data(indicator, *series(*pairs))) == flagged


def test_flagged_jump_is_left_out_of_later_comparisons():
    pairs = [("2025Q1", 90), ("2025Q2", 91), ("2025Q3", 92), ("2025Q4", 93), ("2026Q1", 60), ("2026Q2", 94)]
    assert checks(data(RATE, *series(*pairs))) == [("2026Q1", JUMP)]


def test_jump_factor_is_a_setting():
    pairs = [("2025Q1", 90), ("2025Q2", 91), ("2025Q3", 92), ("2025Q4", 93), ("2026Q1", 99)]
    assert checks(data(RATE, *series(*pairs)), replace(SETTINGS, jump_factor=math.inf)) == []


def test_rank_outside_the_field():
    s = spec(K.RANK, (target(2027, C.RANK, 0.5),), unit="名")
    d = data(s, fig("2025Q1", 17, field_size=16), fig("2025Q2", 0, field_size=16))
    assert checks(d) == [("2025Q1", OUT_OF_RANGE), ("2025Q2", OUT_OF_RANGE)]


def test_flag_reason_is_chinese_and_asks_for_verification():
    (flag,) = quality_flags(data(NSB, *series(("2025Q1", 8), ("2025Q2", 6))), SETTINGS)
    assert flag.indicator_code == "T-01" and flag.value == 6 and flag.period == P("2025Q2")
    assert "减少" in flag.reason and "核实" in flag.reason and "8" in flag.reason


def test_each_reporting_unit_is_checked_on_its_own_series():
    s = spec(targets=(target(2027, C.GE, 45),), reporters=("甲县", "乙县"))
    d = data(
        s,
        fig("2025Q1", 5, "甲县"),
        fig("2025Q1", 9, "乙县"),
        fig("2025Q2", 7, "甲县"),
        fig("2025Q2", 8, "乙县"),
    )
    (flag,) = quality_flags(d, SETTINGS)
    assert (flag.unit, str(flag.period), flag.check) == ("乙县", "2025Q2", DECREASE)
    # the sum for 2025Q2 is still used (7 + 8), and marked
    a = assess(d, P("2025Q2"), SETTINGS)
    assert (a.current_value, a.current_period) == (15, P("2025Q2"))
    assert [f.unit for f in a.flags] == ["乙县"] and "待核实" in a.reason


def test_flagged_figure_is_used_and_the_reason_says_so():
    d = data(NSB, *series(("2026Q1", 20), ("2026Q2", 15)))
    a = assess(d, P("2026Q2"), SETTINGS)
    assert (a.current_value, a.current_period) == (15, P("2026Q2"))
    assert a.status is S.BEHIND  # judged on 15 against 22.5 due by 2026Q2: 0.667
    assert "待核实" in a.reason and "2026年第1季度" in a.reason and "15" in a.reason
    assert [f.check for f in a.flags] == [DECREASE]


def test_flagged_only_figure_is_shown_with_its_flag():
    a = assess(data(RATE, *series(("2026Q2", 120))), P("2026Q2"), SETTINGS)
    assert a.current_value == 120 and len(a.flags) == 1
    assert "待核实" in a.reason and "0–100%" in a.reason


def test_flagged_as_of_figure_counts_as_reported_and_is_used():
    a = assess(data(RATE, *series(("2026Q1", 93), ("2026Q2", 101))), P("2026Q2"), SETTINGS)
    assert a.status is not S.NOT_REPORTED
    assert a.current_value == 101 and a.flags


def test_whole_item_steps_of_one_are_never_jumps():
    # 驰名商标 stock 2, 2, 2, 3, 3, 4, 4, 5: every change is 0 or 1 brand
    s = replace(spec(K.STOCK, (target(2027, C.GE, 5),), (2, 2024), unit="件"), whole_items=True)
    pairs = list(zip(["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"],
                     [2, 2, 2, 3, 3, 4, 4, 5], strict=True))  # fmt: skip
    assert checks(data(s, *series(*pairs))) == []
    # without the whole-item rule the step 3 → 4 after 0, 0, 1 changes (median non-zero 1) is fine too,
    # but a step of 6 items is flagged
    assert checks(data(s, *series(*pairs, ("2027Q1", 11)))) == [("2027Q1", JUMP)]


def test_lower_is_better_rate_may_fall_freely():
    s = spec(K.RATE, (target(2027, C.LE, 2),), (5, 2024), D.LOWER, "%")
    assert checks(data(s, *series(("2025Q1", 5), ("2025Q2", 4), ("2025Q3", 3.5)))) == []
