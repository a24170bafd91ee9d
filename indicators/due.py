"""Which period's figure is due, for an indicator, when the office assesses a quarter.

A quarter ``as_of`` is the assessment quarter (the last quarter whose reporting deadline has
passed).  An indicator's figure for period ``P`` is due at ``as_of`` when

* ``P`` ends a period of the indicator's frequency (every quarter; Q2 and Q4 for
  ``half_yearly``; Q4 for ``annual``),
* its figure can exist: ``P`` + ``release_lag`` quarters ≤ ``as_of`` (annual statistics
  published in the next year's second quarter have a lag of 2), and
* ``P`` is not after the final target year, unless the indicator has a maintenance target
  (稳定在…以上 is owed every period, also after the plan's horizon).

:func:`due_period` is the latest such period; :func:`due_periods` all of them from the
plan's first reported quarter.  The engine, completeness, the templates and the reminders
all use these, so "what is owed" has one definition.
"""

from __future__ import annotations

from functools import cache

from indicators.model import IndicatorSpec
from indicators.periods import Period
from indicators.vocabulary import Comparator, Frequency

DUE_QUARTERS: dict[Frequency, frozenset[int]] = {
    Frequency.QUARTERLY: frozenset({1, 2, 3, 4}),
    Frequency.HALF_YEARLY: frozenset({2, 4}),
    Frequency.ANNUAL: frozenset({4}),
}


_BENCHMARK_COMPARATORS = frozenset(
    {
        Comparator.BELOW_BENCHMARK,
        Comparator.ABOVE_BENCHMARK,
        Comparator.NOT_ABOVE_BENCHMARK,
        Comparator.NOT_BELOW_BENCHMARK,
    }
)


def final_year(spec: IndicatorSpec) -> int | None:
    """The last target year in force (None: no target)."""
    year = None
    for t in spec.targets:  # a loop, not max(): asked twice per indicator when it is prepared
        if year is None or t.year > year:
            year = t.year
    return year


def reports_after_horizon(spec: IndicatorSpec) -> bool:
    """Maintenance targets and benchmark comparisons are owed every period, also after the last year."""
    return any(t.maintain or t.comparator in _BENCHMARK_COMPARATORS for t in spec.targets)


def is_period_end(spec: IndicatorSpec, period: Period) -> bool:
    """Does ``period`` end a reporting period of the indicator's frequency?"""
    return period.quarter in DUE_QUARTERS[spec.frequency]


def last_owed(spec: IndicatorSpec) -> Period | None:
    """The last period whose figure is ever owed (None: no end)."""
    return final_and_last_owed(spec)[1]


def final_and_last_owed(spec: IndicatorSpec) -> tuple[int | None, Period | None]:
    """(:func:`final_year`, :func:`last_owed`) in one pass over the targets (the engine asks for
    both for every indicator it prepares)."""
    year = None
    after = False  # reports_after_horizon
    for t in spec.targets:
        if year is None or t.year > year:
            year = t.year
        if t.maintain or t.comparator in _BENCHMARK_COMPARATORS:
            after = True
    if year is None or after:
        return year, None
    return year, _fourth_quarter(year)


@cache
def _fourth_quarter(year: int) -> Period:
    """Period(year, 4), built once per year (asked for every indicator of a plan on each page)."""
    return Period(year, 4)


def due_period(spec: IndicatorSpec, as_of: Period, first: Period | None = None) -> Period | None:
    """The latest period whose figure is due at ``as_of`` (None: none yet, or before ``first``)."""
    return owed_at(spec, as_of, first, last_owed(spec))


def owed_at(spec: IndicatorSpec, as_of: Period, first: Period | None, cap: Period | None) -> Period | None:
    """:func:`due_period`, the indicator's :func:`last_owed` period ``cap`` already known.

    The engine knows it from preparing the indicator and asks once per assessed quarter.
    """
    lag = spec.release_lag
    period = as_of.shift(-lag) if lag > 0 else as_of
    if cap is not None and period.index > cap.index:
        period = cap
    while not is_period_end(spec, period):
        period = period.shift(-1)
    if first is not None and period.index < first.index:
        return None
    return period


def due_periods(spec: IndicatorSpec, first: Period, as_of: Period) -> list[Period]:
    """Every period from ``first`` whose figure is due at ``as_of``, oldest first."""
    last = due_period(spec, as_of, first)
    if last is None:
        return []
    return [
        Period.from_index(i)
        for i in range(first.index, last.index + 1)
        if is_period_end(spec, Period.from_index(i))
    ]


def owed_in_template(
    spec: IndicatorSpec, template_period: Period, first: Period | None = None
) -> Period | None:
    """The period a unit's template for ``template_period`` asks the figure for (None: nothing due).

    The template of a quarter asks for what becomes due with that quarter: for a quarterly
    indicator without lag, that quarter; for an annual one with lag 2, the previous year's
    Q4 in the Q2 template and nothing in the Q1, Q3 and Q4 templates.
    """
    period = due_period(spec, template_period, first)
    if period is None:
        return None
    previous = due_period(spec, template_period.shift(-1), first)
    return None if previous == period else period
