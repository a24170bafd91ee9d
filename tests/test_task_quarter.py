"""The quarter a unit reports task progress for is the quarter of the template 填报上传 offers: the
latest quarter that has ended, and for a plan that has ended its last quarter (六安's plan runs to 2025:
on 2026-12-01 its units are asked for 2025年第4季度, as its template is; 灵璧's for 2026年第3季度).
Between a quarter's end and its reporting deadline that is the quarter just ended, not the
dashboards' quarter (whose deadline has passed)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Plan, Task, TaskUnit
from db.queries import get_plan
from db.session import read_scope
from indicators.periods import Period
from services import tasks
from services.progress import default_as_of, report_quarter

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(("plan_code", "quarter"), [("luan", "2025Q4"), ("lingbi", "2026Q3")])
def test_task_items_ask_for_the_template_quarter(seeded_url, plan_code, quarter):
    with read_scope(seeded_url) as s:
        plan = get_plan(s, plan_code)
        unit_ids = set(
            s.scalars(select(TaskUnit.unit_id).join(Task, Task.id == TaskUnit.task_id)
                      .join(Plan, Plan.id == Task.plan_id).where(Plan.code == plan_code))
        )  # fmt: skip
        items = tasks.unit_task_items(s, plan_code, unit_ids, TODAY)
    assert str(report_quarter(plan.first_period, plan.horizon_years, TODAY)) == quarter  # 填报上传's default
    assert items, "the plan's units have open tasks"
    assert {i["period"] for i in items} == {quarter}


# (today, first quarter, horizon years) → the quarter reported on; worked out by hand from the calendar
# (the default deadline: 10 days after the quarter's end, so 2026-10-08 is inside 2026Q3's reporting window)
REPORT_QUARTERS = [
    (dt.date(2026, 12, 1), "2024Q1", (2025, 2027), "2026Q3"),
    (dt.date(2026, 10, 8), "2024Q1", (2025, 2027), "2026Q3"),  # the dashboards' quarter is still 2026Q2
    (dt.date(2026, 10, 1), "2024Q1", (2025, 2027), "2026Q3"),
    (dt.date(2026, 9, 30), "2024Q1", (2025, 2027), "2026Q2"),
    (dt.date(2027, 1, 5), "2024Q1", (2025, 2027), "2026Q4"),
    (dt.date(2026, 12, 1), "2021Q1", (2025,), "2025Q4"),  # an ended plan: its last quarter
    (dt.date(2026, 2, 1), "2026Q3", (2027,), "2026Q3"),  # before the plan's first quarter: its first
]


@pytest.mark.parametrize(("today", "first", "horizon", "expected"), REPORT_QUARTERS)
def test_the_quarter_reported_on(today, first, horizon, expected):
    assert str(report_quarter(Period.parse(first), horizon, today)) == expected


def test_in_the_reporting_window_tasks_and_the_template_ask_for_the_quarter_just_ended(seeded_url):
    """On 8 October the dashboards judge 2026Q2 (its deadline passed), and the units report 2026Q3."""
    today = dt.date(2026, 10, 8)
    with read_scope(seeded_url) as s:
        plan = get_plan(s, "lingbi")
        unit_ids = set(
            s.scalars(select(TaskUnit.unit_id).join(Task, Task.id == TaskUnit.task_id)
                      .join(Plan, Plan.id == Task.plan_id).where(Plan.code == "lingbi"))
        )  # fmt: skip
        items = tasks.unit_task_items(s, "lingbi", unit_ids, today)
    assert str(default_as_of(plan, today)) == "2026Q2"
    assert str(report_quarter(plan.first_period, plan.horizon_years, today)) == "2026Q3"
    assert items and {i["period"] for i in items} == {"2026Q3"}
