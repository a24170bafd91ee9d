"""Key tasks (重点任务): catalogue load, quarterly progress by units, office review, overdue flags.

Rules (README "督办闭环"):

- A task is reported every quarter, from the plan's first reported quarter until the office
  confirms its completion, by its lead units (牵头单位 owe the report; co units may report too).
  A report is the unit's 进展情况 (text), a status (未启动 / 推进中 / 已完成 / 滞后) and evidence
  files. Reports are versions: a correction is a new version, earlier ones stay.
- The office accepts a report (已通过), returns it with a comment (已退回: the unit corrects it),
  or confirms completion (确认完成: only on a report whose status is 已完成). A confirmed report
  completes the open time nodes (时间节点) due by its quarter or, when none is due yet, the next
  node (done early); the task is complete when every node is. 逾期完成 when a node was
  confirmed after its quarter ended.
- Overdue like indicators: a node not completed when its quarter has ended is 预警 from the
  next quarter on; still open ``escalation_quarters`` quarters later (the plan's setting,
  default 2) it is 督办. Completed after its node: 逾期完成.
- A task that the catalogue also measures by an indicator (``indicator_codes``: 建成研究院 is
  milestone LA-QI-01) keeps both: the indicator is judged by the engine from its figure,
  the task carries the narrative and the evidence. A task that *is* a one-off milestone
  (tasks.csv ``completed_by``: 市政府设立质量发展基金 is LA-B2-01 and LA-QG-05) is complete on
  the day the milestone's accepted figure says it was done (``indicators.status.
  milestone_completed_on``), even with no confirmed report: the 督办台账 must not chase a fund
  the 总览 shows as set up. Late when that day is after the task's last node. Nothing is written:
  the task's state is read from the indicator's figures each time.
- Undoing an upload (services/imports/undo.py) withdraws the reports its 重点任务 sheet wrote:
  a report with an earlier version gets a copy of it, one without gets a *withdrawn* version
  (``review_state`` ``withdrawn``, empty progress). A current withdrawn version is "no report":
  :func:`_current_reports` (every read below) leaves it out, the office cannot review it, and the
  unit's next report simply becomes its next version.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import EvidenceFile, Plan, Task, TaskNode, TaskReport, TaskUnit, Unit
from indicators.model import PlanSettings
from indicators.periods import Period
from services import evidence
from services.actor import Action, Actor, require
from services.audit import record

STATUS_LABELS = {"not_started": "未启动", "in_progress": "推进中", "done": "已完成", "behind": "滞后"}
STATUS_BY_LABEL = {label: key for key, label in STATUS_LABELS.items()}
REVIEW_LABELS = {
    "pending": "待审核",
    "accepted": "已通过",
    "returned": "已退回",
    "confirmed": "已确认完成",
    "withdrawn": "已撤回",
}
WITHDRAWN = "withdrawn"  # review_state of a report withdrawn by undoing its upload: "no report"
WARNING, SUPERVISION = "预警", "督办"
MAX_PROGRESS_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EXPORT_TASK_COLUMNS = [
    "plan",
    "task_code",
    "title",
    "section",
    "lead_units",
    "co_units",
    "due",
    "source_text",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------- catalogue


def load_plan_tasks(session: Session, plan: Plan, cat: Any, units: dict[str, Unit], report: Any) -> None:
    """Upsert the plan's tasks from its catalogue (tasks.csv); called by services.catalogue."""
    existing = {t.code: t for t in session.scalars(select(Task).where(Task.plan_id == plan.id))}
    for position, row in enumerate(cat.tasks):
        values = {
            "title": row.title,
            "section": row.section,
            "source_text": row.source_text,
            "note": row.note,
            "indicator_codes": list(row.indicator_codes),
            "completed_by": row.completed_by,
            "position": position,
        }
        task = existing.get(row.code)
        if task is None:
            task = Task(plan_id=plan.id, code=row.code, **values)
            session.add(task)
            changed = ["new"]
        else:
            changed = [k for k, v in values.items() if getattr(task, k) != v]
            for key in changed:
                setattr(task, key, values[key])
        wanted_units = [(units[name].id, "lead") for name in row.lead_units]
        wanted_units += [(units[name].id, "co") for name in row.co_units]
        if [(u.unit_id, u.role) for u in task.units] != wanted_units:
            task.units.clear()
            session.flush()
            task.units.extend(
                TaskUnit(unit_id=u, role=r, position=i) for i, (u, r) in enumerate(wanted_units)
            )
            changed.append("units")
        wanted_nodes = [(n.period, n.text) for n in row.nodes]
        if [(n.period, n.text) for n in task.nodes] != wanted_nodes:
            task.nodes.clear()
            session.flush()
            task.nodes.extend(TaskNode(period=p, text=t, position=i) for i, (p, t) in enumerate(wanted_nodes))
            changed.append("nodes")
        if "new" in changed:
            report.note("重点任务", "added", f"{plan.code} {row.code}")
        elif changed:
            report.note("重点任务", "changed", f"{plan.code} {row.code}（{', '.join(changed)}）")
        else:
            report.note("重点任务", "unchanged")
    session.flush()


def export_task_rows(session: Session, plan_code: str | None = None) -> list[dict[str, str]]:
    """One row per task: plan,task_code,title,section,lead_units,co_units,due,source_text."""
    query = select(Task, Plan.code).join(Plan, Plan.id == Task.plan_id).order_by(Plan.code, Task.position)
    if plan_code:
        _plan(session, plan_code)
        query = query.where(Plan.code == plan_code)
    query = query.options(selectinload(Task.units).selectinload(TaskUnit.unit), selectinload(Task.nodes))
    rows = []
    for task, code in session.execute(query):
        rows.append(
            {
                "plan": code,
                "task_code": task.code,
                "title": task.title,
                "section": task.section,
                "lead_units": "|".join(u.unit.name for u in task.units if u.role == "lead"),
                "co_units": "|".join(u.unit.name for u in task.units if u.role == "co"),
                "due": "|".join(n.period for n in task.nodes),
                "source_text": task.source_text,
            }
        )
    return rows


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class TaskState:
    """Where a task stands on a day."""

    completed_on: dt.date | None  # the day the office confirmed the last node
    late: bool  # completed after its last node's quarter
    open_node: TaskNode | None  # the first node not yet completed
    overdue_quarters: int  # quarters since that node's quarter ended (0: not overdue)
    flag: str  # "" / 预警 / 督办
    via: str = ""  # the milestone indicator whose completion completed the task ("" : the reports)

    @property
    def label(self) -> str:
        if self.completed_on is not None:
            return "逾期完成" if self.late else "已完成"
        if self.flag:
            return f"逾期（{self.flag}）"
        return "推进中"


def task_state(
    task: Task,
    confirmed: list[TaskReport],
    today: dt.date,
    escalation_quarters: int = 2,
    milestone_done: dt.date | None = None,
) -> TaskState:
    """The task's state from its confirmed reports (any of its units) on ``today``.

    ``milestone_done``: the day its ``completed_by`` milestone was completed (:func:`milestone_days`);
    it completes a task the reports have not completed."""
    state = _reported_state(task, confirmed, today, escalation_quarters)
    if state.completed_on is not None or milestone_done is None or milestone_done > today:
        return state
    nodes = list(task.nodes)
    late = bool(nodes) and milestone_done > Period.parse(nodes[-1].period).end_date
    return TaskState(milestone_done, late, None, 0, "", task.completed_by)


def milestone_days(session: Session, plan_code: str, tasks: list[Task], today: dt.date) -> dict[str, dt.date]:
    """Indicator code → the day it was completed, for the ``completed_by`` milestones of ``tasks``
    (accepted figures only, judged by the engine as of the quarter of ``today``)."""
    from db.queries import load_plan_data
    from indicators.status import milestone_completed_on, prepare

    codes = {t.completed_by for t in tasks if t.completed_by}
    if not codes:
        return {}
    info, data = load_plan_data(session, plan_code, on=today)
    as_of = Period.containing(today)
    if info.horizon_years:
        as_of = min(as_of, Period(max(info.horizon_years), 4))
    days: dict[str, dt.date] = {}
    for item in data:
        if item.spec.code in codes:
            day = milestone_completed_on(prepare(item, info.settings), as_of)
            if day is not None:
                days[item.spec.code] = day
    return days


def _reported_state(
    task: Task, confirmed: list[TaskReport], today: dt.date, escalation_quarters: int
) -> TaskState:
    nodes = list(task.nodes)
    done_at: dict[int, dt.date] = {}  # node id → the day its completion was confirmed
    for r in sorted(confirmed, key=lambda r: (Period.parse(r.period).index, r.id)):
        day = (r.reviewed_at or r.entered_at).date()
        upto = Period.parse(r.period).index
        due = [n for n in nodes if n.id not in done_at and Period.parse(n.period).index <= upto]
        ahead = [n for n in nodes if n.id not in done_at and n not in due][:1]  # done early: the next node
        for n in due or ahead:
            done_at[n.id] = day
    open_nodes = [n for n in nodes if n.id not in done_at]
    if nodes and not open_nodes:
        done_on = max(done_at.values())
        late = any(done_at[n.id] > Period.parse(n.period).end_date for n in nodes)
        return TaskState(done_on, late, None, 0, "")
    node = open_nodes[0] if open_nodes else None
    if node is None:
        return TaskState(None, False, None, 0, "")
    due = Period.parse(node.period)
    over = Period.containing(today).index - due.index if today > due.end_date else 0
    flag = SUPERVISION if over >= 1 + escalation_quarters else (WARNING if over >= 1 else "")
    return TaskState(None, False, node, over, flag)


def next_deadline_period(today: dt.date, deadline_days: int) -> Period:
    """The quarter whose reporting deadline comes next (the ended quarter until its deadline,
    then the current one): reminders before a deadline may start before the quarter ends."""
    ended = Period.containing(today).shift(-1)
    return ended if ended.deadline(deadline_days) >= today else ended.shift(1)


def _plan(session: Session, plan_code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == plan_code))
    if plan is None:
        raise LookupError(f"没有代码为“{plan_code}”的计划")
    return plan


def plan_settings(plan: Plan) -> PlanSettings:
    from indicators.catalogue import split_stored_settings

    engine, _notes = split_stored_settings(plan.settings)
    return PlanSettings.from_mapping(plan.baseline_year, Period.parse(plan.first_period), engine)


def _tasks(session: Session, plan: Plan) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.plan_id == plan.id)
            .order_by(Task.position)
            .options(selectinload(Task.units).selectinload(TaskUnit.unit), selectinload(Task.nodes))
        )
    )


def _current_reports(session: Session, plan: Plan) -> list[TaskReport]:
    """The current version of every report of the plan, withdrawn ones left out (no report)."""
    return list(
        session.scalars(
            select(TaskReport)
            .join(Task, Task.id == TaskReport.task_id)
            .where(
                Task.plan_id == plan.id,
                TaskReport.superseded_by_id.is_(None),
                TaskReport.review_state != WITHDRAWN,
            )
            .order_by(TaskReport.id)
        )
    )


def _task(session: Session, plan: Plan, task_code: str) -> Task:
    task = session.scalar(
        select(Task)
        .where(Task.plan_id == plan.id, Task.code == task_code)
        .options(selectinload(Task.units).selectinload(TaskUnit.unit), selectinload(Task.nodes))
    )
    if task is None:
        raise LookupError(f"计划“{plan.code}”中没有编号为“{task_code}”的重点任务")
    return task


def _unit(session: Session, plan: Plan, unit: int | str) -> Unit:
    if isinstance(unit, int):
        found = session.get(Unit, unit)
    else:
        found = session.scalar(select(Unit).where(Unit.jurisdiction == plan.jurisdiction, Unit.name == unit))
        if found is None:
            found = next(
                (
                    u
                    for u in session.scalars(select(Unit).where(Unit.jurisdiction == plan.jurisdiction))
                    if unit in (u.aliases or [])
                ),
                None,
            )
    if found is None:
        raise LookupError(f"没有名为“{unit}”的责任单位")
    return found


def plan_task_states(session: Session, plan_code: str, today: dt.date) -> dict[int, TaskState]:
    plan = _plan(session, plan_code)
    settings = plan_settings(plan)
    confirmed: dict[int, list[TaskReport]] = {}
    for r in _current_reports(session, plan):
        if r.review_state == "confirmed":
            confirmed.setdefault(r.task_id, []).append(r)
    tasks = _tasks(session, plan)
    days = milestone_days(session, plan_code, tasks, today)
    return {
        t.id: task_state(
            t, confirmed.get(t.id, []), today, settings.escalation_quarters, days.get(t.completed_by)
        )
        for t in tasks
    }


# --------------------------------------------------------------------------- writes


def clean_progress(text: str) -> str:
    value = _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()
    if not value:
        raise ValueError("请填写进展情况")
    if len(value) > MAX_PROGRESS_CHARS:
        raise ValueError(f"进展情况最多 {MAX_PROGRESS_CHARS} 字，现有 {len(value)} 字")
    return value


def report_progress(
    session: Session,
    actor: Actor,
    plan_code: str,
    task_code: str,
    unit: int | str,
    period: str,
    progress: str,
    status: str,
    files: list[tuple[str, bytes]] | tuple = (),
    *,
    source: str = "web",
    file_sha256: str = "",
    upload_id: int | None = None,
    today: dt.date | None = None,
) -> TaskReport | None:
    """A unit's progress on a task for a quarter (a new version); None when nothing changed.

    ``upload_id``: the upload whose 重点任务 sheet carries the report (undoing it withdraws it).
    A current withdrawn version is no report: the new one is its next version.

    Every check (permission, unit, quarter, lock, text, evidence files) runs before anything
    is written: a refused file leaves the database and the evidence store unchanged.
    """
    from services.review import PeriodLocked, active_lock

    plan = _plan(session, plan_code)
    unit_row = _unit(session, plan, unit)
    require(actor, Action.REPORT_TASK, unit_row.id)
    task = _task(session, plan, task_code)
    if unit_row.id not in {u.unit_id for u in task.units}:
        raise ValueError(f"{unit_row.name}不是任务 {task.code}“{task.title}”的责任单位")
    try:
        quarter = Period.parse(period)
    except ValueError as exc:
        raise ValueError(f"季度“{period}”无效：{exc}") from None
    today = today or dt.date.today()
    first = Period.parse(plan.first_period)
    if quarter.index < first.index or quarter.index > Period.containing(today).index:
        raise ValueError(f"{quarter.label}不在可填报的季度内（{first.label}至本季度）")
    lock = active_lock(session, plan.id, quarter)
    if lock is not None:
        raise PeriodLocked(
            f"{quarter.label}已于 {lock.locked_at:%Y-%m-%d} 由 {lock.locked_by} 锁定，不能再填报任务进展"
        )
    if status in STATUS_BY_LABEL:
        status = STATUS_BY_LABEL[status]
    if status not in STATUS_LABELS:
        raise ValueError(f"推进状态“{status}”无效，应为{'、'.join(STATUS_LABELS.values())}之一")
    text = clean_progress(progress)
    checked = evidence.check_files(list(files))
    current = session.scalar(
        select(TaskReport).where(
            TaskReport.task_id == task.id,
            TaskReport.unit_id == unit_row.id,
            TaskReport.period == str(quarter),
            TaskReport.superseded_by_id.is_(None),
        )
    )
    if current is not None and current.review_state == "confirmed":
        raise ValueError(
            f"{task.code} {quarter.label}的进展已由质量办确认完成，不能再修改；如需更正请联系质量办"
        )
    unchanged = current is not None and current.progress == text and current.status == status
    if unchanged and not checked and current.review_state != "returned":
        return None
    report = TaskReport(
        task_id=task.id,
        unit_id=unit_row.id,
        period=str(quarter),
        progress=text,
        status=status,
        version=(current.version + 1) if current else 1,
        supersedes_id=current.id if current else None,
        review_state="pending",
        source=source,
        file_sha256=file_sha256,
        upload_id=upload_id,
        entered_by=actor.name,
    )
    session.add(report)
    session.flush()
    kept = []
    if current is not None:
        current.superseded_by_id = report.id
        kept = evidence.evidence_for(session, task_report_ids=[current.id])
        evidence.copy_attachments(session, kept, task_report_id=report.id)
    evidence.attach(session, actor, checked, unit_id=unit_row.id, task_report_id=report.id)
    record(
        session,
        actor,
        Action.REPORT_TASK.value,
        entity="task_report",
        entity_key=f"{plan.code}|{task.code}|{unit_row.name}|{quarter}",
        plan_code=plan.code,
        unit=unit_row.name,
        before=None
        if current is None
        else {"status": current.status, "review_state": current.review_state, "version": current.version},
        after={
            "status": status,
            "progress": text[:500],
            "version": report.version,
            "evidence": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in checked],
            "evidence_kept": len(kept),
        },
        file_sha256=file_sha256,
        detail=f"{task.code} {quarter.label} {STATUS_LABELS[status]}"
        + (f"，佐证材料 {len(checked)} 个" if checked else ""),
    )
    return report


def review_report(
    session: Session, actor: Actor, report_id: int, decision: str, comment: str = ""
) -> TaskReport:
    """The office's decision on a current report: ``accept``, ``return`` (comment required) or ``confirm``."""
    from services.review import PeriodLocked, active_lock

    require(actor, Action.REVIEW_TASK)
    report = session.get(TaskReport, report_id)
    if report is None:
        raise LookupError(f"没有编号为 {report_id} 的任务进展")
    if report.superseded_by_id is not None:
        raise ValueError("该进展已被更正版本取代，请审核最新版本")
    if report.review_state == WITHDRAWN:
        raise ValueError("该进展已随上传记录的撤销而撤回，没有可审核的内容")
    state = {"accept": "accepted", "return": "returned", "confirm": "confirmed"}.get(decision)
    if state is None:
        raise ValueError(f"未知的审核操作：{decision}")
    comment = _CONTROL.sub("", comment or "").strip()[:1000]
    if state == "returned" and not comment:
        raise ValueError("退回任务进展必须填写意见")
    if state == "confirmed" and report.status != "done":
        raise ValueError(f"单位填报的状态是“{STATUS_LABELS[report.status]}”，只有“已完成”的进展才能确认完成")
    if report.review_state == state:
        raise ValueError(f"该进展已是“{REVIEW_LABELS[state]}”")
    task = session.get(Task, report.task_id)
    plan = session.get(Plan, task.plan_id)
    lock = active_lock(session, plan.id, report.period)
    if lock is not None:
        raise PeriodLocked(f"{Period.parse(report.period).label}已锁定，不能再审核任务进展")
    before = {"review_state": report.review_state}
    report.review_state, report.review_comment = state, comment
    report.reviewed_by, report.reviewed_at = actor.name, _now()
    unit = session.get(Unit, report.unit_id)
    record(
        session,
        actor,
        Action.REVIEW_TASK.value,
        entity="task_report",
        entity_key=f"{plan.code}|{task.code}|{unit.name}|{report.period}",
        plan_code=plan.code,
        unit=unit.name,
        before=before,
        after={"review_state": state, "comment": comment, "version": report.version},
        detail=f"{task.code} {Period.parse(report.period).label} {REVIEW_LABELS[state]}"
        + (f"：{comment}" if comment else ""),
    )
    session.flush()
    return report


# --------------------------------------------------------------------------- reads


def _progress_text(state: TaskState, last: TaskReport | None) -> str:
    """The ledger's 进展情况: the latest report's text, after the milestone that completed the task."""
    text = last.progress if last else ""
    if state.via and state.completed_on is not None:
        done = f"指标 {state.via} 已于{state.completed_on.isoformat()}完成，任务据此完成"
        return f"{done}。{text}" if text else done
    return text


def _nodes_text(task: Task) -> str:
    """``2025年第4季度前：建成…`` per node; only the quarter when the node's text is the task's title
    (most tasks: their tables showed the title twice)."""
    parts = []
    for n in task.nodes:
        quarter = f"{Period.parse(n.period).label}前"
        parts.append(quarter if n.text == task.title else f"{quarter}：{n.text}")
    return "；".join(parts)


def ledger_rows(
    session: Session, plan_code: str, today: dt.date, unit_id: int | None = None
) -> list[dict[str, Any]]:
    """The 工作台账: one row per task (of ``unit_id`` when given), with its latest report and state."""
    plan = _plan(session, plan_code)
    states = plan_task_states(session, plan_code, today)
    reports = _current_reports(session, plan)
    latest: dict[int, TaskReport] = {}
    for r in reports:  # the newest quarter, a lead unit's report first
        old = latest.get(r.task_id)
        if old is None or (Period.parse(r.period).index, r.id) > (Period.parse(old.period).index, old.id):
            latest[r.task_id] = r
    counts: dict[int, int] = {}
    ids = [r.id for r in latest.values()]
    for row in evidence.evidence_for(session, task_report_ids=ids) if ids else []:
        counts[row.task_report_id] = counts.get(row.task_report_id, 0) + 1
    out = []
    for task in _tasks(session, plan):
        if unit_id is not None and unit_id not in {u.unit_id for u in task.units}:
            continue
        state, last = states[task.id], latest.get(task.id)
        out.append(
            {
                "id": task.id,
                "编号": task.code,
                "任务": task.title,
                "章节": task.section,
                "牵头单位": "、".join(u.unit.name for u in task.units if u.role == "lead"),
                "配合单位": "、".join(u.unit.name for u in task.units if u.role == "co"),
                "时间节点": _nodes_text(task),
                "任务状态": state.label,
                "督办": state.flag,
                "最近进展季度": Period.parse(last.period).label if last else "",
                "填报单位": last.unit.name if last else "",
                "进展情况": _progress_text(state, last),
                # completed by its milestone indicator: nothing for the unit to report (not 未填报)
                "推进状态": STATUS_LABELS[last.status] if last else ("据指标完成" if state.via else "未填报"),
                "审核": REVIEW_LABELS[last.review_state] if last else "",
                "佐证材料": counts.get(last.id, 0) if last else 0,
                "关联指标": "、".join(task.indicator_codes or []),
            }
        )
    return out


MET = ("已达标", "逾期完成")  # indicators.vocabulary.Status values of a target that was met


def linked_verdicts(codes: list[str], status_by_code: dict[str, str]) -> tuple[str, bool]:
    """The ledger's 关联指标 (``LA-QM-01 已达标、LA-QM-02 滞后``) and whether every one is met.

    An overdue task whose linked indicators all met their targets is still 预警/督办 (the task's
    own words, e.g. 全面推行, are more than the figure); the office sees the figures beside it and
    asks the lead unit to report it complete rather than chasing the work itself. Codes without
    a verdict (another plan's, an unknown one) are shown bare and count as not met."""
    if not codes:
        return "", False
    parts = [f"{c} {status_by_code[c]}" if c in status_by_code else c for c in codes]
    return "、".join(parts), all(status_by_code.get(c) in MET for c in codes)


REVIEWED = ("accepted", "confirmed")  # what the office accepted: the only progress a bulletin states


def reviewed_progress(session: Session, plan_code: str) -> dict[int, tuple[str, bool]]:
    """What a bulletin may say of each task's progress (task id → (words, awaiting review)).

    Only a report the office accepted (已通过 / 已确认完成) is stated as it is; a newer report awaiting
    review (待审核) is mentioned only marked so ("推进中（新报已完成，待审核）", "已完成（待审核）");
    an accepted 已完成 the office has not confirmed is "已完成（待确认）" (the task is not complete
    before the office confirms it); a returned report is "已退回更正"; no report "未填报".
    A task without any report is left out of the mapping (the caller says 未填报)."""
    plan = _plan(session, plan_code)
    by_task: dict[int, list[TaskReport]] = {}
    for r in _current_reports(session, plan):
        by_task.setdefault(r.task_id, []).append(r)
    out: dict[int, tuple[str, bool]] = {}
    for task_id, reports in by_task.items():
        reports.sort(key=lambda r: (Period.parse(r.period).index, r.id))
        accepted = [r for r in reports if r.review_state in REVIEWED]
        last = accepted[-1] if accepted else None
        after = reports.index(last) + 1 if last is not None else 0  # reports newer than the accepted one
        pending = [r for r in reports[after:] if r.review_state == "pending"]
        words = ""
        if last is not None:
            words = STATUS_LABELS[last.status]
            if last.status == "done" and last.review_state == "accepted":
                words += "（待确认）"
        if pending:
            new = STATUS_LABELS[pending[-1].status]
            words = f"{words}（新报{new}，待审核）" if words else f"{new}（待审核）"
        if not words:
            words = "已退回更正" if any(r.review_state == "returned" for r in reports) else "未填报"
        out[task_id] = (words, bool(pending))
    return out


def task_summary(session: Session, plan_code: str, today: dt.date) -> dict[str, int]:
    """Counts for the overview and the bulletin: 合计, 已完成, 逾期完成, 推进中, 预警, 督办, 待审核."""
    plan = _plan(session, plan_code)
    states = plan_task_states(session, plan_code, today)
    out = {"合计": len(states), "已完成": 0, "逾期完成": 0, "推进中": 0, WARNING: 0, SUPERVISION: 0}
    for s in states.values():
        if s.completed_on is not None:
            out["逾期完成" if s.late else "已完成"] += 1
        elif s.flag:
            out[s.flag] += 1
        else:
            out["推进中"] += 1
    out["待审核"] = sum(1 for r in _current_reports(session, plan) if r.review_state == "pending")
    return out


def pending_reports(session: Session, plan_code: str) -> list[dict[str, Any]]:
    """Reports awaiting the office (待审核), newest first, with their evidence."""
    plan = _plan(session, plan_code)
    rows = [r for r in _current_reports(session, plan) if r.review_state == "pending"]
    files = evidence.evidence_for(session, task_report_ids=[r.id for r in rows]) if rows else []
    by_report: dict[int, list[EvidenceFile]] = {}
    for f in files:
        by_report.setdefault(f.task_report_id, []).append(f)
    tasks = {t.id: t for t in _tasks(session, plan)}
    return [
        {
            "id": r.id,
            "task_code": tasks[r.task_id].code,
            "title": tasks[r.task_id].title,
            "unit": r.unit.name,
            # a co-responsible unit's report is its part of the task, not the task's own state
            "role": "牵头单位"
            if any(u.unit_id == r.unit_id and u.role == "lead" for u in tasks[r.task_id].units)
            else "配合单位",
            "period": r.period,
            "status": STATUS_LABELS[r.status],
            "done": r.status == "done",
            "progress": r.progress,
            "version": r.version,
            "entered_by": r.entered_by,
            "entered_at": r.entered_at,
            "evidence": [(f.id, f.file_name, f.size) for f in by_report.get(r.id, [])],
        }
        for r in sorted(rows, key=lambda r: r.id, reverse=True)
    ]


def unit_task_items(
    session: Session,
    plan_code: str,
    unit_ids: set[int] | frozenset[int],
    today: dt.date,
    period: Period | None = None,
) -> list[dict[str, Any]]:
    """我的待办 (tasks): each open task of the units, what is owed for ``period`` (default: the latest
    quarter that has ended, at the latest the plan's last quarter: the quarter of the template the
    填报上传 page offers, whose 重点任务 sheet takes these reports) and what was returned."""
    from services.progress import report_quarter

    plan = _plan(session, plan_code)
    # an ended plan asks for its last quarter's progress, as its template does
    period = period or report_quarter(Period.parse(plan.first_period), plan.horizon_years or (), today)
    settings = plan_settings(plan)
    states = plan_task_states(session, plan_code, today)
    reports = _current_reports(session, plan)
    by_key = {(r.task_id, r.unit_id, r.period): r for r in reports}
    out = []
    for task in _tasks(session, plan):
        for tu in task.units:
            if tu.unit_id not in unit_ids:
                continue
            state = states[task.id]
            current = by_key.get((task.id, tu.unit_id, str(period)))
            returned = [
                r
                for r in reports
                if r.task_id == task.id and r.unit_id == tu.unit_id and r.review_state == "returned"
            ]
            if state.completed_on is not None and not returned:
                continue
            if returned:
                todo = "已退回，请更正"
            elif current is None:
                todo = "待填报" if tu.role == "lead" else "可填报（配合单位）"
            else:
                todo = REVIEW_LABELS[current.review_state]
            last_any = max(
                (r for r in reports if r.task_id == task.id and r.unit_id == tu.unit_id),
                key=lambda r: (Period.parse(r.period).index, r.id),
                default=None,
            )
            out.append(
                {
                    "task_id": task.id,
                    "task_code": task.code,
                    "title": task.title,
                    "unit_id": tu.unit_id,
                    "unit": tu.unit.name,
                    "role": tu.role,
                    "period": str(period),
                    "deadline": period.deadline(settings.report_deadline_days),
                    "todo": todo,
                    "state": state.label,
                    "flag": state.flag,
                    "nodes": _nodes_text(task),
                    "returned": [(r.id, r.period, r.review_comment) for r in returned],
                    "last_progress": last_any.progress if last_any else "",
                    "last_status": STATUS_LABELS[last_any.status] if last_any else "",
                }
            )
    return out


def owed_count(items: list[dict[str, Any]]) -> int:
    """How many task items need the unit's action (for the badge)."""
    return sum(1 for i in items if i["todo"] in ("待填报", "已退回，请更正"))
