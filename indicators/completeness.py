"""Reporting completeness, as DHIS2's reporting rate: who owes which figure, and when it came.

For every period from ``first`` to ``as_of`` whose figure is due (:mod:`indicators.due`:
the indicator's frequency and release lag, nothing after the final target year except
for maintenance targets) each reporting unit of each indicator
(:attr:`IndicatorSpec.reporters`) owes one figure.  A figure submitted and awaiting the
office's review counts as received (the unit did its part).  It is *on time* when first
reported on or before the deadline day (``report_deadline_days`` after the end of the
quarter in which it becomes due — for an annual figure with a lag of 2, the next year's
second quarter; the whole day counts), *late* when after it, *missing* when no record exists.  If ``today``
is given, a missing figure whose deadline has not passed yet is *pending* and is left
out of the rates.  Records for units or quarters nobody owes are ignored, so rates
never exceed 100 %.  ``first_reported_at`` is compared by its calendar date as given
(local time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from indicators.due import due_periods
from indicators.model import IndicatorSpec, PlanSettings, ReportRecord
from indicators.periods import Period

ON_TIME = "on_time"
LATE = "late"
MISSING = "missing"
PENDING = "pending"
STATE_LABELS = {ON_TIME: "按时", LATE: "逾期", MISSING: "未报送", PENDING: "未到期"}


@dataclass(frozen=True, slots=True)
class Obligation:
    """One figure owed by one unit for one indicator and quarter."""

    indicator_code: str
    unit: str
    period: Period
    deadline: dt.date
    first_reported_at: dt.datetime | None
    state: str  # ON_TIME, LATE, MISSING or PENDING

    @property
    def days_late(self) -> int:
        if self.first_reported_at is None:
            return 0
        return max(0, (self.first_reported_at.date() - self.deadline).days)


@dataclass
class ReportingRate:
    expected: int = 0  # due obligations (pending ones excluded)
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    def add(self, state: str) -> None:
        if state == PENDING:
            self.pending += 1
            return
        self.expected += 1
        if state == ON_TIME:
            self.on_time += 1
        elif state == LATE:
            self.late += 1
        else:
            self.missing += 1

    @property
    def received(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """Reports received ÷ reports due (None when nothing is due)."""
        return self.received / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass
class Completeness:
    obligations: list[Obligation]
    overall: ReportingRate = field(default_factory=ReportingRate)
    by_unit: dict[str, ReportingRate] = field(default_factory=dict)
    by_period: dict[Period, ReportingRate] = field(default_factory=dict)
    by_indicator: dict[str, ReportingRate] = field(default_factory=dict)

    def missing(self) -> list[Obligation]:
        return [o for o in self.obligations if o.state == MISSING]


def completeness(
    specs: Iterable[IndicatorSpec],
    records: Iterable[ReportRecord],
    settings: PlanSettings,
    as_of: Period,
    first: Period | None = None,
    today: dt.date | None = None,
) -> Completeness:
    """Obligations and reporting rates for the quarters ``first`` (default: the plan's first) … ``as_of``."""
    earliest: dict[tuple[str, str, Period], dt.datetime] = {}
    for r in records:
        key = (r.indicator_code, r.unit, r.period)
        old = earliest.get(key)
        if old is None or r.first_reported_at < old:
            earliest[key] = r.first_reported_at
    start = first or settings.first_period
    result = Completeness([])
    for spec in specs:
        periods = due_periods(spec, start, as_of)
        lag = max(0, spec.release_lag)
        for unit in spec.reporters:
            for p in periods:
                deadline = p.shift(lag).deadline(settings.report_deadline_days)
                at = earliest.get((spec.code, unit, p))
                if at is not None:
                    state = ON_TIME if at.date() <= deadline else LATE
                elif today is not None and today <= deadline:
                    state = PENDING
                else:
                    state = MISSING
                result.obligations.append(Obligation(spec.code, unit, p, deadline, at, state))
                result.overall.add(state)
                result.by_unit.setdefault(unit, ReportingRate()).add(state)
                result.by_period.setdefault(p, ReportingRate()).add(state)
                result.by_indicator.setdefault(spec.code, ReportingRate()).add(state)
    return result
