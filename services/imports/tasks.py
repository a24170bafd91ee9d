"""The 重点任务 sheet of a unit template: template rows, validation context, diff and write.

What a template asks (:func:`template_tasks`): every task of the plan for which the unit is a
responsible unit (牵头 owes the report, 配合 may report: services/tasks.py), that is not yet
completed (every time node confirmed by the office), except one whose report of the quarter
the office has confirmed already (it can no longer change). The 时间节点 column shows the open
node and the later ones; 上次进展 the unit's latest report.

On upload the rows are validated like the figures (workbook/tasks_sheet.py, cell-level errors),
compared with the current reports of the quarter (unchanged: same text and status and not
returned) and written, in the same transaction as the figures, through
``services.tasks.report_progress`` (source ``file``, the file's sha256; permission, lock and
text checks there again; one audit entry per report). Each report remembers its upload
(``upload_id``): undoing the upload restores the previous version or withdraws the report
(services/imports/undo.py). A withdrawn current version is no report here too: the row is new,
and 上次进展 shows the unit's latest report that stands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Plan, Task, TaskReport, TaskUnit, Unit
from indicators.periods import Period
from services.tasks import WITHDRAWN
from workbook.tasks_sheet import ParsedTaskRow, TaskInfo, TaskTemplateRow

ROLE_LABELS = {"lead": "牵头", "co": "配合"}


@dataclass(frozen=True)
class TaskContext:
    infos: dict[str, TaskInfo]  # code → task (units by canonical name)
    ids: dict[str, int]  # code → task id


@dataclass(frozen=True)
class TaskChange:
    sheet: str
    row: int
    unit: str
    code: str
    title: str
    status: str  # new / changed / unchanged
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class TaskWrite:
    row: ParsedTaskRow
    task_id: int
    unit_id: int


def task_context(session: Session, plan_id: int) -> TaskContext:
    """The plan's tasks and their units (two plain queries)."""
    infos: dict[str, dict] = {}
    ids: dict[str, int] = {}
    titles: dict[str, str] = {}
    for t in session.execute(select(Task.id, Task.code, Task.title).where(Task.plan_id == plan_id)):
        ids[t.code], titles[t.code] = t.id, t.title
        infos[t.code] = {}
    by_id = {v: k for k, v in ids.items()}
    for tu in session.execute(
        select(TaskUnit.task_id, TaskUnit.role, Unit.name)
        .join(Unit, Unit.id == TaskUnit.unit_id)
        .join(Task, Task.id == TaskUnit.task_id)
        .where(Task.plan_id == plan_id)
        .order_by(TaskUnit.task_id, TaskUnit.position)
    ):
        infos[by_id[tu.task_id]].setdefault(tu.name, ROLE_LABELS.get(tu.role, tu.role))
    return TaskContext({code: TaskInfo(code, titles[code], units) for code, units in infos.items()}, ids)


def _current(session: Session, task_ids: list[int], period: str) -> dict[tuple[int, int], TaskReport]:
    if not task_ids:
        return {}
    rows = session.scalars(
        select(TaskReport).where(
            TaskReport.task_id.in_(task_ids),
            TaskReport.period == period,
            TaskReport.superseded_by_id.is_(None),
            TaskReport.review_state != WITHDRAWN,
        )
    )
    return {(r.task_id, r.unit_id): r for r in rows}


def diff_tasks(
    session: Session, tctx: TaskContext, unit_ids: dict[str, int], period: str, rows: list[ParsedTaskRow]
) -> tuple[list[TaskChange], list[TaskWrite], list]:
    """(changes for the preview, writes, errors): a row equal to the current report is unchanged;
    a report the office has confirmed cannot change (refused at the row's 进展情况 cell)."""
    from services.tasks import STATUS_BY_LABEL, STATUS_LABELS
    from workbook.errors import CellError
    from workbook.tasks_sheet import TASK_LETTERS

    current = _current(session, sorted({tctx.ids[r.task_code] for r in rows}), period)
    changes, writes, errors = [], [], []
    label = Period.parse(period).label
    for row in rows:
        task_id, unit_id = tctx.ids[row.task_code], unit_ids[row.unit_name]
        cur = current.get((task_id, unit_id))
        title = tctx.infos[row.task_code].title
        new_text = f"{row.status}：{row.progress}"
        if cur is not None and cur.review_state == "confirmed":
            if (cur.progress, cur.status) != (row.progress, STATUS_BY_LABEL[row.status]):
                errors.append(
                    CellError("task-confirmed", row.sheet, row.row, TASK_LETTERS["progress"], row.task_code,
                              {"period": label})
                )  # fmt: skip
            else:
                where = (row.sheet, row.row, row.unit_name, row.task_code, title)
                changes.append(TaskChange(*where, "unchanged", new_text))
            continue
        if cur is None:
            status, old_text = "new", ""
        else:
            old_text = f"{STATUS_LABELS.get(cur.status, cur.status)}：{cur.progress}"
            same = (cur.progress, cur.status) == (row.progress, STATUS_BY_LABEL[row.status])
            status = "unchanged" if same and cur.review_state != "returned" else "changed"
        changes.append(
            TaskChange(row.sheet, row.row, row.unit_name, row.task_code, title, status, old_text, new_text)
        )
        if status != "unchanged":
            writes.append(TaskWrite(row, task_id, unit_id))
    return changes, writes, errors


def write_tasks(
    session: Session,
    actor,
    plan_code: str,
    period: str,
    writes: list[TaskWrite],
    raw,
    upload_id: int | None = None,
) -> int:
    """Each changed row as a new report version (services.tasks.report_progress: checks and audit),
    recorded as written by ``upload_id`` (so that undoing the upload withdraws it)."""
    from services.tasks import report_progress

    written = 0
    for w in writes:
        report = report_progress(
            session, actor, plan_code, w.row.task_code, w.unit_id, period, w.row.progress, w.row.status,
            source="file", file_sha256=raw.sha256, upload_id=upload_id,
        )  # fmt: skip
        written += report is not None
    return written


# --------------------------------------------------------------------------- the template


def template_tasks(
    session: Session, plan_id: int, period: str, units: list[str], today: dt.date | None = None
) -> tuple[TaskTemplateRow, ...]:
    """The 重点任务 rows of ``units`` (canonical names, in this order) for the template of ``period``."""
    from services.tasks import STATUS_LABELS, milestone_days, plan_settings, task_state

    plan = session.get(Plan, plan_id)
    quarter = Period.parse(period)
    if quarter.index < Period.parse(plan.first_period).index:
        return ()
    today = today or dt.date.today()
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.plan_id == plan_id)
            .order_by(Task.position)
            .options(selectinload(Task.units).selectinload(TaskUnit.unit), selectinload(Task.nodes))
        )
    )
    if not tasks:
        return ()
    reports = list(
        session.scalars(
            select(TaskReport)
            .where(
                TaskReport.task_id.in_([t.id for t in tasks]),
                TaskReport.superseded_by_id.is_(None),
                TaskReport.review_state != WITHDRAWN,  # withdrawn by an undo: no report
            )
            .order_by(TaskReport.id)
        )
    )
    confirmed: dict[int, list[TaskReport]] = {}
    latest: dict[tuple[int, int], TaskReport] = {}  # (task, unit) → its latest report up to the quarter
    for r in reports:
        if r.review_state == "confirmed":
            confirmed.setdefault(r.task_id, []).append(r)
        if Period.parse(r.period).index <= quarter.index:
            old = latest.get((r.task_id, r.unit_id))
            if old is None or (Period.parse(r.period).index, r.id) > (Period.parse(old.period).index, old.id):
                latest[(r.task_id, r.unit_id)] = r
    escalation = plan_settings(plan).escalation_quarters
    days = milestone_days(session, plan.code, tasks, today)
    rows = []
    for unit in units:
        for task in tasks:
            member = next((tu for tu in task.units if tu.unit.name == unit), None)
            if member is None:
                continue
            state = task_state(
                task, confirmed.get(task.id, []), today, escalation, days.get(task.completed_by)
            )
            if state.completed_on is not None:
                continue  # every node confirmed: nothing more to report
            last = latest.get((task.id, member.unit_id))
            if last is not None and last.period == str(quarter) and last.review_state == "confirmed":
                continue  # this quarter's report is confirmed: it cannot change
            node = state.open_node
            first_open = Period.parse(node.period).index if node is not None else -1
            shown = [n for n in task.nodes if Period.parse(n.period).index >= first_open]
            nodes_text = "；".join(f"{Period.parse(n.period).label}前：{n.text}" for n in shown)
            last_text = ""
            if last is not None:
                last_text = f"{STATUS_LABELS.get(last.status, last.status)}：{last.progress}（{last.period}）"
            role = ROLE_LABELS.get(member.role, member.role)
            rows.append(TaskTemplateRow(unit, task.code, task.title, role, nodes_text, last_text))
    return tuple(rows)
