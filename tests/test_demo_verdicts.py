"""The shipped plans with their demo figures: verdicts a clerk would not reject on sight.

For both seed plans, at every quarter from the first reported one to the last due one:

* no verdict is based on a figure other than the latest one reported (a flagged figure is
  used and marked, never replaced by an older one);
* no 严重滞后 / 未完成 has a current value that meets its target value;
* the 状态 CSV (``manage.py status``) says what the assessments say.
"""

from __future__ import annotations

import datetime as dt

import pytest

from db.session import session_scope
from indicators.periods import Period, period_range
from indicators.status import assess_at, prepare
from indicators.vocabulary import Comparator, Direction, MeasureKind, Status
from services.actor import system_actor
from services.demo import load_demo
from services.progress import plan_progress, status_rows
from tests.test_verdict_rules import _depth  # how deep round brackets nest

TODAY = dt.date(2026, 12, 1)
BAD = (Status.SERIOUSLY_BEHIND, Status.NOT_ACHIEVED)


def _meets(a, spec) -> bool:
    target = a.target
    if target is None or a.target_value is None or a.current_value is None:
        return False
    if target.comparator in (Comparator.MILESTONE, Comparator.RANK):
        return target.comparator is Comparator.RANK and a.current_value <= a.target_value
    lower = target.comparator in (Comparator.LE, Comparator.LT, Comparator.BELOW_BENCHMARK,
                                  Comparator.NOT_ABOVE_BENCHMARK) or (
        target.comparator in (Comparator.EQ, Comparator.RANGE) and spec.direction is Direction.LOWER
    )  # fmt: skip
    if target.comparator in (Comparator.GT, Comparator.ABOVE_BENCHMARK):
        return a.current_value > a.target_value
    if target.comparator in (Comparator.LT, Comparator.BELOW_BENCHMARK):
        return a.current_value < a.target_value
    return a.current_value <= a.target_value if lower else a.current_value >= a.target_value


@pytest.mark.parametrize("plan_code", ["luan", "lingbi"])
def test_demo_verdicts_use_the_latest_figure_and_never_call_a_met_target_behind(seeded_url, plan_code):
    with session_scope(seeded_url) as session:
        added = load_demo(session, system_actor(), plan_code, today=TODAY)
    assert added > 0
    with session_scope(seeded_url) as session:
        progress = plan_progress(session, plan_code)
        plan, data = progress.plan, progress.data
        quarters = period_range(plan.first_period, progress.as_of)
        problems: list[str] = []
        for item in data:
            prepared = prepare(item, plan.settings)
            single = len(item.spec.reporters) <= 1 and item.spec.measure_kind is not MeasureKind.MILESTONE
            for q in quarters:
                a = assess_at(prepared, q)
                if single:
                    reported = [f.period for f in item.figures if f.value is not None and f.period <= q]
                    latest = max(reported) if reported else None
                    if a.current_period != latest:
                        problems.append(f"{item.spec.code} {q}: 用 {a.current_period} 而非最新的 {latest}")
                if a.status in BAD and _meets(a, item.spec):
                    problems.append(f"{item.spec.code} {q}: {a.status} 但 {a.current_value} 已达目标 "
                                    f"{a.target_value}：{a.reason}")  # fmt: skip
        assert not problems, "\n".join(problems[:20])
        statuses = {row["indicator_code"]: row["status"] for row in status_rows(session, plan_code)}
    assert statuses == {a.indicator_code: a.status.value for a in progress.assessments}


@pytest.mark.parametrize("plan_code", ["luan", "lingbi"])
def test_demo_plans_show_a_realistic_mix(seeded_url, plan_code):
    """Demo figures make every kind of light appear, not a wall of red."""
    with session_scope(seeded_url) as session:
        load_demo(session, system_actor(), plan_code, today=TODAY)
    with session_scope(seeded_url) as session:
        progress = plan_progress(session, plan_code, Period(2025, 2))
    statuses = [a.status for a in progress.assessments]
    bad = sum(s in BAD for s in statuses)
    assert bad <= len(statuses) // 3, [(a.indicator_code, a.status.value, a.reason) for a in progress.assessments
                                       if a.status in BAD]  # fmt: skip
    assert Status.ON_TRACK in statuses or Status.ACHIEVED in statuses


@pytest.mark.parametrize("plan_code", ["luan", "lingbi"])
def test_demo_reasons_have_no_brackets_in_brackets_and_no_short_ratio_beside_achieved(seeded_url, plan_code):
    """Every quarter of both plans: a reason a clerk reads in one pass (one pair of brackets at a time),
    and no 完成比例 below 100% beside 已达标 (a target met in time and then fallen back shows none)."""
    with session_scope(seeded_url) as session:
        load_demo(session, system_actor(), plan_code, today=TODAY)
    with session_scope(seeded_url) as session:
        progress = plan_progress(session, plan_code)
        plan, data = progress.plan, progress.data
        problems: list[str] = []
        for item in data:
            prepared = prepare(item, plan.settings)
            for q in period_range(plan.first_period, progress.as_of):
                a = assess_at(prepared, q)
                if _depth(a.reason) > 1:
                    problems.append(f"{item.spec.code} {q}: {a.reason}")
                if a.status is Status.ACHIEVED and a.progress_ratio is not None and a.progress_ratio < 1 - 1e-9:
                    problems.append(f"{item.spec.code} {q}: 已达标 但完成比例 {a.progress_ratio:.3f}")
    assert not problems, "\n".join(problems[:20])
