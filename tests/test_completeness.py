"""Reporting completeness: on time, late, missing, pending; rates per unit and overall."""

from __future__ import annotations

import datetime as dt

import pytest
from test_progress_support import SETTINGS, P, spec, target

from indicators.completeness import LATE, MISSING, ON_TIME, PENDING, completeness
from indicators.model import ReportRecord
from indicators.vocabulary import Comparator as C

A = spec(targets=(target(2027, C.GE, 45),), code="A", lead=("甲局",))
B = spec(targets=(target(2027, C.GE, 45),), code="B", lead=("乙局", "丙局"), reporters=("乙局", "丙局"))


def rec(code: str, unit: str, period: str, when: str) -> ReportRecord:
    return ReportRecord(code, unit, P(period), dt.datetime.fromisoformat(when))


# 2025Q1 ends 2025-03-31: deadline (10 days) 2025-04-10, the whole day counts.
RECORDS = [
    rec("A", "甲局", "2025Q1", "2025-04-10T23:59:00"),  # on time, last minute
    rec("A", "甲局", "2025Q2", "2025-07-11T00:01:00"),  # late by a day (deadline 2025-07-10)
    rec("B", "乙局", "2025Q1", "2025-04-02T09:00:00"),  # on time
    rec("B", "乙局", "2025Q1", "2025-05-01T09:00:00"),  # a later re-report: the first one counts
    rec("B", "丙局", "2025Q2", "2025-06-30T09:00:00"),  # before the quarter ended: on time
    rec("B", "丁局", "2025Q1", "2025-04-01T09:00:00"),  # not a reporting unit: ignored
    rec("A", "甲局", "2024Q4", "2025-01-05T09:00:00"),  # before the plan's first quarter: ignored
]


def test_states_by_hand():
    result = completeness([A, B], RECORDS, SETTINGS, P("2025Q2"))
    states = {(o.indicator_code, o.unit, str(o.period)): o.state for o in result.obligations}
    assert states == {
        ("A", "甲局", "2025Q1"): ON_TIME,
        ("A", "甲局", "2025Q2"): LATE,
        ("B", "乙局", "2025Q1"): ON_TIME,
        ("B", "乙局", "2025Q2"): MISSING,
        ("B", "丙局", "2025Q1"): MISSING,
        ("B", "丙局", "2025Q2"): ON_TIME,
    }
    late = next(o for o in result.obligations if o.state == LATE)
    assert late.deadline == dt.date(2025, 7, 10) and late.days_late == 1
    assert [(o.unit, str(o.period)) for o in result.missing()] == [("乙局", "2025Q2"), ("丙局", "2025Q1")]


def test_rates():
    result = completeness([A, B], RECORDS, SETTINGS, P("2025Q2"))
    assert (result.overall.expected, result.overall.on_time, result.overall.late, result.overall.missing) == (
        6, 3, 1, 2)  # fmt: skip
    assert result.overall.rate == pytest.approx(4 / 6)
    assert result.overall.on_time_rate == pytest.approx(3 / 6)
    assert result.by_unit["甲局"].rate == 1.0 and result.by_unit["甲局"].on_time_rate == 0.5
    assert result.by_unit["乙局"].rate == 0.5 and result.by_unit["丙局"].rate == 0.5
    assert "丁局" not in result.by_unit
    assert result.by_period[P("2025Q1")].rate == pytest.approx(2 / 3)
    assert result.by_indicator["B"].received == 2


def test_pending_before_the_deadline_is_not_counted():
    result = completeness([A], [], SETTINGS, P("2025Q2"), today=dt.date(2025, 7, 10))
    assert [o.state for o in result.obligations] == [MISSING, PENDING]
    assert result.overall.expected == 1 and result.overall.pending == 1 and result.overall.rate == 0.0


def test_deadline_days_is_a_setting():
    from dataclasses import replace

    record = [rec("A", "甲局", "2025Q1", "2025-04-12T08:00:00")]
    assert completeness([A], record, SETTINGS, P("2025Q1")).obligations[0].state == LATE
    assert completeness([A], record, replace(SETTINGS, report_deadline_days=15), P("2025Q1")).obligations[0].state == (
        ON_TIME)  # fmt: skip


def test_nothing_due():
    result = completeness([A], [], SETTINGS, P("2024Q4"))
    assert result.obligations == [] and result.overall.rate is None
