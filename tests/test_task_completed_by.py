"""A key task that *is* a one-off milestone (tasks.csv ``completed_by``) is complete on the day the
milestone's accepted figure says it was done: 市政府设立质量发展基金 is task LA-B2-01 and milestone
LA-QG-05, and the 督办台账 must not chase (预警) a fund the 总览 shows as set up.

Hand-made cases: an accepted completion in time → 已完成, no flag; after the task's last node →
逾期完成; a reporter's completion still awaiting review → still 逾期（预警）; no figure → 逾期（预警）.
The catalogue refuses a ``completed_by`` that is not one of the row's linked indicators, or not a
one-off milestone, with file, row and field."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import select

from db.models import Indicator, Plan
from db.session import read_scope, session_scope
from indicators.catalogue import CatalogueInvalid, read_catalogue
from indicators.periods import Period
from services import tasks
from services.observations import FigureInput, record_figure
from tests.supervision_support import OFFICE, reporter, unit_id

TODAY = dt.date(2026, 1, 20)  # after 六安's last quarter (2025Q4): every open node is overdue
TASK, MILESTONE, UNIT = "LA-B2-01", "LA-QG-05", "市市场监管局"


def _indicator_id(session, code: str) -> int:
    return session.scalar(
        select(Indicator.id)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Plan.code == "luan", Indicator.code == code)
    )


def _done(url, actor_of, period: Period, day: dt.date) -> None:
    with session_scope(url) as s:
        actor = actor_of(s)
        record_figure(
            s, actor, FigureInput(_indicator_id(s, MILESTONE), unit_id(s, UNIT), period, 1, done_on=day)
        )


def _row(url, code: str = TASK) -> dict:
    with read_scope(url) as s:
        return next(r for r in tasks.ledger_rows(s, "luan", TODAY) if r["编号"] == code)


def test_without_a_figure_the_task_is_overdue(seeded_url):
    row = _row(seeded_url)
    assert (row["任务状态"], row["督办"]) == ("逾期（预警）", "预警")


def test_an_accepted_completion_in_time_completes_the_task(seeded_url):
    _done(seeded_url, lambda s: OFFICE, Period(2024, 2), dt.date(2024, 6, 14))
    row = _row(seeded_url)
    assert (row["任务状态"], row["督办"]) == ("已完成", "")
    assert row["进展情况"] == "指标 LA-QG-05 已于2024-06-14完成，任务据此完成"
    assert row["推进状态"] == "据指标完成"  # not 未填报 beside 已完成: the unit has nothing to report
    with read_scope(seeded_url) as s:
        summary = tasks.task_summary(s, "luan", TODAY)
        state = next(v for k, v in tasks.plan_task_states(s, "luan", TODAY).items()
                     if k == s.scalar(select(tasks.Task.id).where(tasks.Task.code == TASK)))  # fmt: skip
    assert state.completed_on == dt.date(2024, 6, 14) and state.via == MILESTONE and not state.late
    # the other tasks are untouched: only LA-B2-01 moves from 预警 to 已完成
    with read_scope(seeded_url) as s:
        assert summary["已完成"] == 1
        assert (
            tasks.task_summary(s, "luan", dt.date(2024, 1, 10))["已完成"] == 0
        )  # before the day it was done


def test_a_completion_after_the_last_node_is_late(seeded_url):
    # the node is 2025Q4 (by the end of 2025); a figure of 2026 is outside 六安's plan, so the
    # completion day is after the node while the figure is the plan's last quarter's
    _done(seeded_url, lambda s: OFFICE, Period(2025, 4), dt.date(2026, 1, 5))
    row = _row(seeded_url)
    assert (row["任务状态"], row["督办"]) == ("逾期完成", "")


def test_a_completion_awaiting_review_does_not_complete_the_task(seeded_url):
    _done(seeded_url, lambda s: reporter(s, "jg", UNIT), Period(2024, 2), dt.date(2024, 6, 14))
    row = _row(seeded_url)
    assert (row["任务状态"], row["督办"]) == ("逾期（预警）", "预警")


def test_the_template_no_longer_asks_for_a_completed_task(seeded_url):
    from services.imports.tasks import template_tasks

    with read_scope(seeded_url) as s:
        plan_id = s.scalar(select(Plan.id).where(Plan.code == "luan"))
        before = {r.task_code for r in template_tasks(s, plan_id, "2025Q4", [UNIT], TODAY)}
    _done(seeded_url, lambda s: OFFICE, Period(2024, 2), dt.date(2024, 6, 14))
    with read_scope(seeded_url) as s:
        after = {r.task_code for r in template_tasks(s, plan_id, "2025Q4", [UNIT], TODAY)}
    assert TASK in before and before - after == {TASK}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("LA-QI-01", "“LA-QI-01”应为本任务 indicator_codes 中的一个指标"),
        ("LA-QG-03", "指标“LA-QG-03”应为一次性里程碑指标（不是“每年”里程碑，也没有其他目标）"),
    ],
)
def test_the_catalogue_refuses_a_bad_completed_by(tmp_path, value, message):
    folder = tmp_path / "luan"
    shutil.copytree("data/catalogue/luan", folder)
    path = folder / "tasks.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith(f"{TASK},"))
    lines[number] = lines[number].replace(f",{MILESTONE},", f",{value},", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as caught:
        read_catalogue(folder)
    errors = caught.value.errors
    assert [(e.file.split("/")[-1], e.row, e.field, e.message) for e in errors] == [
        ("tasks.csv", number + 1, "completed_by", message)
    ]


def test_an_upgraded_installation_gets_completed_by_without_a_catalogue_reload(seeded_url):
    """``init-db`` does not reload an installed database's plans, so migration 0010 fills the column
    in for the bundled catalogue's tasks: after the upgrade LA-B2-01 is done by its fund at once."""
    from alembic import command
    from sqlalchemy import text

    from db.migrate import alembic_config
    from db.session import get_engine

    def migrate(step, revision):
        with get_engine(seeded_url).begin() as connection:
            config = alembic_config(seeded_url)
            config.attributes["connection"] = connection
            step(config, revision)

    _done(seeded_url, lambda s: OFFICE, Period(2024, 2), dt.date(2024, 6, 14))
    migrate(command.downgrade, "0009")  # the database as an office had it before this release
    with get_engine(seeded_url).connect() as connection:
        columns = {r[1] for r in connection.exec_driver_sql("PRAGMA table_info(tasks)")} if "sqlite" in seeded_url \
            else set(connection.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'tasks'")).scalars())  # fmt: skip
    assert "completed_by" not in columns
    migrate(command.upgrade, "head")
    with read_scope(seeded_url) as s:
        filled = dict(
            s.execute(
                select(tasks.Task.code, tasks.Task.completed_by).where(tasks.Task.completed_by != "")
            ).all()
        )
    assert filled == {
        "LA-T2.1-01": "LA-QI-01", "LA-T2.2-06": "LA-QI-04", "LA-B2-01": "LA-QG-05",
        "LB-T08": "LB-QG-01", "LB-T09": "LB-PQ-08",
    }  # fmt: skip
    row = _row(seeded_url)
    assert (row["任务状态"], row["督办"]) == ("已完成", "")
