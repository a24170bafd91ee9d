"""Status history per quarter, consecutive quarters behind, escalation."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from test_progress_support import SETTINGS, P, data, series, spec, target

from indicators.history import (
    SUPERVISION,
    WARNING,
    assess_history,
    behind_streak,
    escalation_level,
    escalations,
    history_of,
    running_streaks,
    unit_streaks,
)
from indicators.periods import Period
from indicators.status import assess, assess_at, prepare
from indicators.vocabulary import Comparator as C
from indicators.vocabulary import MeasureKind as K
from indicators.vocabulary import Role
from indicators.vocabulary import Status as S

NSB = spec(targets=(target(2027, C.GE, 45),))
# expected path: 3.75 per quarter from 2025Q1 (t0 = 2025.0, 45 over 12 quarters)
CATCH_UP = series(("2025Q1", 0), ("2025Q2", 5), ("2025Q3", 11), ("2026Q1", 20))
# by hand: 0/3.75 → 严重滞后, 5/7.5 = 67% → 滞后, 11/11.25 = 98% → 正常, 2025Q4 owed and missing, 20/18.75
CATCH_UP_STATUSES = [S.SERIOUSLY_BEHIND, S.BEHIND, S.ON_TRACK, S.NOT_REPORTED, S.ON_TRACK]
CATCH_UP_EXPECTED = [3.75, 7.5, 11.25, 11.25, 18.75]


def test_history_covers_every_quarter_and_shows_catch_up():
    history = assess_history(data(NSB, *CATCH_UP), P("2026Q1"), SETTINGS)
    assert [str(a.as_of) for a in history] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert [a.status for a in history] == CATCH_UP_STATUSES
    # 2025Q4 not reported: the stale 2025Q3 figure is compared with what was due then (11.25), not 15
    assert [a.expected_value for a in history] == CATCH_UP_EXPECTED
    assert running_streaks(history) == [1, 2, 0, 1, 0]
    assert behind_streak(history) == 0
    assert behind_streak(history[:2]) == 2


def test_history_from_a_given_quarter():
    history = assess_history(data(NSB, *CATCH_UP), P("2026Q1"), SETTINGS, first=P("2025Q3"))
    assert [str(a.as_of) for a in history] == ["2025Q3", "2025Q4", "2026Q1"]


def test_history_from_the_prepared_series_of_the_current_verdict():
    prepared = prepare(data(NSB, *CATCH_UP), SETTINGS)
    current = assess_at(prepared, P("2026Q1"))
    history = history_of(prepared, P("2026Q1"))
    assert [a.status for a in history] == CATCH_UP_STATUSES
    assert [a.expected_value for a in history] == CATCH_UP_EXPECTED
    assert history[-1] == current
    assert [str(a.as_of) for a in history_of(prepared, P("2026Q1"), first=P("2025Q3"))] == [
        "2025Q3",
        "2025Q4",
        "2026Q1",
    ]


quarter_values = st.dictionaries(st.integers(0, 11), st.integers(0, 60), max_size=12)


@given(quarter_values, st.integers(0, 15))
@settings(max_examples=100)
def test_history_equals_assessing_each_quarter(points, last):
    first = SETTINGS.first_period
    figures = series(*[(str(first.shift(k)), v) for k, v in sorted(points.items())])
    d = data(NSB, *figures)
    as_of = first.shift(last)
    assert assess_history(d, as_of, SETTINGS) == [
        assess(d, first.shift(k), SETTINGS) for k in range(last + 1)
    ]


def test_open_target_value_never_escalates():
    # the target value was left open (*): 无法评估 when reported, 未报送 when not, and no run either way
    s = spec(targets=(target(2027, C.GE, None),))
    history = assess_history(data(s, *series(("2025Q2", 1))), P("2025Q3"), SETTINGS)
    assert [a.status for a in history] == [S.NOT_REPORTED, S.CANNOT_ASSESS, S.NOT_REPORTED]
    assert running_streaks(history) == [0, 0, 0]


def test_cannot_assess_breaks_a_run():
    # a stock without a baseline: 无法评估 (缺少基期值) when reported, 未报送 when not
    s = spec(K.STOCK, (target(2027, C.GE, 80),))
    history = assess_history(data(s, *series(("2025Q2", 60))), P("2025Q3"), SETTINGS)
    assert [a.status for a in history] == [S.NOT_REPORTED, S.CANNOT_ASSESS, S.NOT_REPORTED]
    assert running_streaks(history) == [1, 0, 1]


def test_escalation_levels():
    assert [escalation_level(n, SETTINGS) for n in range(6)] == [None, None, WARNING, WARNING, SUPERVISION,
                                                                 SUPERVISION]  # fmt: skip
    three = replace(SETTINGS, escalation_quarters=3)
    assert [escalation_level(n, three) for n in (2, 3, 5, 6)] == [None, WARNING, WARNING, SUPERVISION]


def test_indicator_and_unit_escalations():
    a = spec(targets=(target(2027, C.GE, 45),), code="A", lead=("甲局",), co=("乙局",))
    b = spec(targets=(target(2027, C.GE, 45),), code="B", lead=("甲局",))
    # A behind in 2025Q3–Q4 (not reported), B behind in 2025Q2 only: unit 甲局 behind Q2, Q3, Q4
    ha = assess_history(data(a, *series(("2025Q1", 4), ("2025Q2", 8))), P("2025Q4"), SETTINGS)
    hb = assess_history(data(b, *series(("2025Q1", 4), ("2025Q2", 1), ("2025Q3", 12), ("2025Q4", 15))),
                        P("2025Q4"), SETTINGS)  # fmt: skip
    assert [x.status for x in ha] == [S.ON_TRACK, S.ON_TRACK, S.NOT_REPORTED, S.NOT_REPORTED]
    assert [x.status for x in hb] == [S.ON_TRACK, S.SERIOUSLY_BEHIND, S.ON_TRACK, S.ON_TRACK]
    # escalation is per indicator × unit: 甲局's run is A's two quarters, not Q2–Q4 across A and B
    assert unit_streaks([ha, hb]) == {"甲局": 2}
    # the co unit does not owe A's figure: 未报送 is not held against it
    assert unit_streaks([ha, hb], Role.CO) == {"乙局": 0}
    found = escalations([ha, hb], SETTINGS)
    assert [(e.subject, e.key, e.streak, e.level, str(e.since), e.units) for e in found] == [
        ("indicator", "A", 2, WARNING, "2025Q3", ("甲局",)),
    ]
    assert "连续 2 个季度" in found[0].reason


def test_unit_streak_does_not_span_indicators():
    a = spec(targets=(target(2027, C.GE, 45),), code="A", lead=("甲局",))
    b = spec(targets=(target(2027, C.GE, 45),), code="B", lead=("甲局",))
    ha = assess_history(data(a, *series(("2025Q1", 0), ("2025Q2", 8), ("2025Q3", 12), ("2025Q4", 0))),
                        P("2025Q4"), SETTINGS)  # fmt: skip
    hb = assess_history(data(b, *series(("2025Q1", 4), ("2025Q2", 0), ("2025Q3", 0), ("2025Q4", 15))),
                        P("2025Q4"), SETTINGS)  # fmt: skip
    # A: behind Q1, then on track, then 0 in Q4 (flagged as a decrease, still used): behind Q4 only.
    # B: behind Q2 and Q3.  Different indicators in different quarters do not make a run of four.
    assert [x.status for x in ha] == [S.SERIOUSLY_BEHIND, S.ON_TRACK, S.ON_TRACK, S.SERIOUSLY_BEHIND]
    assert ha[-1].flags and ha[-1].current_value == 0
    assert unit_streaks([ha, hb]) == {"甲局": 1}
    assert escalations([ha, hb], SETTINGS) == []


def test_not_reported_by_one_of_two_units_escalates_only_that_unit():
    s = spec(K.STOCK, (target(2027, C.GE, 80),), (60, 2024), code="M", lead=("甲局", "乙局"),
             reporters=("甲局", "乙局"))  # fmt: skip
    figures = [*series(("2025Q1", 35), ("2025Q2", 36), ("2025Q3", 37), unit="甲局")]
    figures += [*series(("2025Q1", 31), unit="乙局")]
    history = assess_history(data(s, *figures), P("2025Q3"), SETTINGS)
    # 2025Q1: 35 + 31 = 66 against 60 + 20 × 1/12 = 61.67 → 正常; Q2, Q3: 乙局 missing
    assert history[0].status is S.ON_TRACK
    assert history[-1].status is S.NOT_REPORTED and history[-1].missing_units == ("乙局",)
    found = escalations([history], SETTINGS)
    assert [(e.key, e.streak, e.units) for e in found] == [("M", 2, ("乙局",))]
    assert found[0].level != SUPERVISION


def test_empty_history():
    assert behind_streak([]) == 0
    assert escalations([[]], SETTINGS) == []
    assert Period.parse("2025Q1") == SETTINGS.first_period


def test_a_target_missed_at_its_years_end_is_warned_at_once():
    """An ended plan's final quarter: a count target of 3 items is 正常 until its year ends, then
    未完成 — one quarter behind, and no next quarter to catch up in. It is 预警 at once (a walker saw
    the final meeting's notices skip every unit with a target missed that way); a 滞后 of one
    quarter is not."""
    few = replace(spec(targets=(target(2025, C.GE, 3),), code="F", lead=("甲局",)), whole_items=True)
    hf = assess_history(data(few, *series(("2025Q1", 0), ("2025Q2", 1), ("2025Q3", 1), ("2025Q4", 2))),
                        P("2025Q4"), SETTINGS)  # fmt: skip
    assert [x.status for x in hf] == [S.ON_TRACK, S.ON_TRACK, S.ON_TRACK, S.NOT_ACHIEVED]
    (found,) = escalations([hf], SETTINGS)
    assert (found.key, found.streak, found.level, found.units) == ("F", 1, WARNING, ("甲局",))
    assert found.reason.startswith("2025年第4季度到期未完成：")
    assert escalation_level(1, SETTINGS, missed=True) == WARNING
    assert [escalation_level(n, SETTINGS, missed=True) for n in (0, 2, 4)] == [None, WARNING, SUPERVISION]
    # behind for one quarter only, the year not over: nothing yet
    lag = spec(targets=(target(2027, C.GE, 45),), code="L", lead=("甲局",))
    hl = assess_history(data(lag, *series(("2025Q1", 4), ("2025Q2", 8), ("2025Q3", 12), ("2025Q4", 5))),
                        P("2025Q4"), SETTINGS)  # fmt: skip
    assert hl[-1].status in (S.BEHIND, S.SERIOUSLY_BEHIND) and behind_streak(hl) == 1
    assert escalations([hl], SETTINGS) == []
