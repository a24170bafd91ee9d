"""The quarter a unit reports task progress for is the quarter of the template 填报上传 offers: the
latest quarter that has ended, and for a plan that has ended its last quarter (六安's plan runs to 2025:
on 2026-12-01 its units are asked for 2025年第4季度, as its template is; 灵璧's for 2026年第3季度)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Plan, Task, TaskUnit
from db.queries import get_plan
from db.session import read_scope
from services import tasks
from services.progress import default_as_of

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
    assert str(default_as_of(plan, TODAY)) == quarter  # the 填报上传 page's default quarter
    assert items, "the plan's units have open tasks"
    assert {i["period"] for i in items} == {quarter}
