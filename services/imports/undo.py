"""Undo an upload as a whole, list uploads, and read one figure's history from the audit log.

Undo appends, for each figure the upload set and nobody changed since, a version equal to the
previous one (or a retracted version when there was none); nothing is deleted from the
figures' history. The new versions are written in bulk (same writer as the import).

Review: when a **reporter** undoes an upload whose figure the office has already **accepted**,
the undo version is a *request* (``pending``, 待审核): the accepted figure keeps counting until
the office accepts the undo on the 数据审核 page (or returns it). A figure still awaiting review,
and every undo by the office, takes effect at once.

Baselines recorded by the upload: a pending proposal is withdrawn (kept as history); an
accepted one (from before proposals existed) is restored by appending a copy of the previous
baseline, or deleted when there was none (a Baseline row has no "retracted" state).

Task reports (重点任务进展) the upload's 重点任务 sheet wrote (``TaskReport.upload_id``), as
figures: a report changed again since (a later version) is left alone and named; one the office
has **confirmed** (确认完成: it completed time nodes) is left alone and named too — only the office
can correct a confirmation. Every other one gets a new version (source ``undo``): a copy of the
previous version (progress, status, evidence, review state and comment), or, when the upload
introduced the report, a *withdrawn* version (``review_state`` ``withdrawn``, empty progress),
which every reader treats as no report (services/tasks.py): the unit owes that quarter again.

A reporter's undo of a report the office has **accepted**: the restored previous version is
``pending`` (待审核), in the office's queue like any correction by the unit. Unlike a figure, the
accepted report does not keep counting meanwhile: a task report is never "in force" apart from
being current (an accepted report changes no task's state, only a confirmation does, and
confirmed reports are not undone), and a unit may replace an accepted report by a pending one
at any time anyway (``report_progress``). A withdrawal takes effect at once for the same reason:
it leaves the unit owing the report, which protects nothing less than a request would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Baseline, Indicator, Observation, Plan, Task, TaskReport, Unit, Upload
from db.session import session_scope
from indicators.periods import Period
from services import evidence
from services.actor import Action, Actor, ActorRole, require
from services.audit import record
from services.imports.pipeline import FIGURE_FIELDS, _insert_observations, _link, _new_ids, _snapshot
from services.review import PeriodLocked, active_lock, ensure_unlocked
from services.tasks import WITHDRAWN

# a task report in the undo's audit entry: where, then the version's content
TASK_FIELDS = ("task", "unit", "period", "version", "status", "progress", "review_state")


@dataclass
class UndoResult:
    upload_id: int
    restored: int = 0  # figures set back to their previous version
    retracted: int = 0  # figures the upload introduced, now withdrawn
    kept: list[str] = field(default_factory=list)  # figures changed again after the upload: left alone
    baselines: int = 0
    requested: int = 0  # of restored + retracted: accepted figures whose undo awaits the office's review
    tasks_restored: int = 0  # task reports set back to their previous version
    tasks_withdrawn: int = 0  # task reports the upload introduced, now withdrawn (no report)
    tasks_requested: int = 0  # of tasks_restored: accepted reports whose restored version awaits review
    tasks_confirmed: list[str] = field(default_factory=list)  # confirmed by the office: left alone
    tasks_kept: list[str] = field(default_factory=list)  # reported again after the upload: left alone

    @property
    def message(self) -> str:
        text = f"已撤销上传记录 #{self.upload_id}：恢复 {self.restored} 项，撤回 {self.retracted} 项"
        if self.baselines:
            text += f"，基期值 {self.baselines} 项"
        if self.requested:
            text += (
                f"；其中 {self.requested} 项已审核通过，撤销需质量办审核（待审核），审核前原数据仍计入统计"
            )
        if self.kept:
            text += f"；{len(self.kept)} 项在上传后已被再次修改，未撤销：" + "、".join(self.kept)
        undone = self.tasks_restored + self.tasks_withdrawn
        if undone:
            text += (
                f"；重点任务进展 {undone} 项（恢复 {self.tasks_restored} 项，撤回 {self.tasks_withdrawn} 项）"
            )
        if self.tasks_requested:
            text += f"，其中 {self.tasks_requested} 项原已审核通过，恢复的上一版进展待质量办审核"
        if self.tasks_confirmed:
            text += f"；重点任务进展 {len(self.tasks_confirmed)} 项已由质量办确认完成，未撤销：" + "、".join(
                self.tasks_confirmed
            )
        if self.tasks_kept:
            text += f"；重点任务进展 {len(self.tasks_kept)} 项在上传后已被再次填报，未撤销：" + "、".join(
                self.tasks_kept
            )
        return text


def undo_upload(url: str | None, upload_id: int, actor: Actor) -> UndoResult:
    """Revert an upload as a whole by appending versions; raise LookupError/ValueError/PermissionDenied."""
    with session_scope(url) as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise LookupError(f"没有编号为 {upload_id} 的上传记录")
        require(actor, Action.UNDO_UPLOAD, upload.unit_id)
        session.execute(select(Plan.id).where(Plan.id == upload.plan_id).with_for_update())
        session.refresh(upload)
        if upload.undone_at is not None:
            raise ValueError(f"上传记录 #{upload_id} 已于 {upload.undone_at:%Y-%m-%d %H:%M} 撤销")
        result = UndoResult(upload_id)
        columns = [c for c in Observation.__table__.columns]
        mine = session.execute(
            select(*columns).where(Observation.upload_id == upload_id).order_by(Observation.id)
        ).all()
        previous_ids = [o.supersedes_id for o in mine if o.supersedes_id]
        previous = (
            {o.id: o for o in session.execute(select(*columns).where(Observation.id.in_(previous_ids))).all()}
            if previous_ids
            else {}
        )
        codes = dict(
            session.execute(
                select(Indicator.id, Indicator.code).where(Indicator.plan_id == upload.plan_id)
            ).all()
        )
        units = dict(
            session.execute(select(Unit.id, Unit.name).where(Unit.id.in_({o.unit_id for o in mine}))).all()
        )
        checked: set[str] = set()
        todo = []
        for obs in mine:
            require(actor, Action.UNDO_UPLOAD, obs.unit_id)
            if obs.period not in checked:
                ensure_unlocked(session, obs.indicator_id, obs.period)
                checked.add(obs.period)
            if obs.superseded_by_id is not None:
                result.kept.append(codes.get(obs.indicator_id, str(obs.indicator_id)))
                continue
            todo.append(obs)
        postgres = session.get_bind().dialect.name == "postgresql"
        ids = _new_ids(session, len(todo), postgres)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        entered_unit = min(actor.unit_ids) if actor.unit_ids else None
        rows, links, before, after = [], [], [], []
        for obs, new_id in zip(todo, ids, strict=True):
            prev = previous.get(obs.supersedes_id) if obs.supersedes_id else None
            state = prev.review_state if prev is not None else "accepted"
            if actor.role is ActorRole.REPORTER and obs.review_state == "accepted":
                state = "pending"  # a request: the office accepts the undo of an accepted figure
                result.requested += 1
            retracted = prev.retracted if prev is not None else True
            row = (
                new_id,
                obs.indicator_id,
                obs.unit_id,
                obs.period,
                prev.value if prev else None,
                prev.field_size if prev else None,
                prev.benchmark_value if prev else None,
                prev.done_on if prev else None,
                prev.note if prev else "",
                retracted,
                obs.version + 1,
                obs.id,
                "undo",
                f"撤销上传 #{upload_id}",
                None,
                prev.is_demo if prev else False,
                state,
                "",
                actor.name,
                entered_unit,
                now,
            )
            rows.append(row)
            links.append((obs.id, new_id))
            where = [codes.get(obs.indicator_id, ""), units.get(obs.unit_id, ""), obs.period]
            before.append(where + list(_snapshot(obs)))
            after.append(
                where
                + [
                    obs.version + 1,
                    row[4],
                    row[5],
                    row[6],
                    row[7].isoformat() if row[7] else None,
                    row[8],
                    retracted,
                    state,
                ]
            )
            if retracted:
                result.retracted += 1
            else:
                result.restored += 1
        _insert_observations(session, rows, postgres)
        _link(session, links, postgres)
        result.baselines = _undo_baselines(session, actor, upload_id)
        task_sides = _undo_task_reports(session, actor, upload, result, now)
        upload.undone_at = now
        upload.undone_by = actor.name
        plan_code = session.scalar(select(Plan.code).where(Plan.id == upload.plan_id)) or ""
        sides = (
            {"fields": list(FIGURE_FIELDS), "figures": before},
            {"fields": list(FIGURE_FIELDS), "figures": after},
        )
        if task_sides is not None:  # the upload wrote task reports: listed before → after too
            for side, tasks in zip(sides, task_sides, strict=True):
                side.update({"task_fields": list(TASK_FIELDS), "tasks": tasks})
        record(
            session,
            actor,
            Action.UNDO_UPLOAD.value,
            entity="upload",
            entity_key=str(upload_id),
            plan_code=plan_code,
            file_sha256=upload.sha256,
            before=sides[0],
            after=sides[1],
            detail=result.message[:2000],
        )
        upload.counts = {
            **(upload.counts or {}),
            "undo": {
                "restored": result.restored,
                "retracted": result.retracted,
                "kept": result.kept,
                "requested": result.requested,
                "task_reports": {
                    "restored": result.tasks_restored,
                    "withdrawn": result.tasks_withdrawn,
                    "requested": result.tasks_requested,
                    "confirmed": result.tasks_confirmed,
                    "kept": result.tasks_kept,
                },
            },
        }
    return result


def _task_snapshot(code: str, unit: str, report: TaskReport) -> list:
    return [
        code,
        unit,
        report.period,
        report.version,
        report.status,
        report.progress[:500],
        report.review_state,
    ]


def _undo_task_reports(
    session: Session, actor: Actor, upload: Upload, result: UndoResult, now: dt.datetime
) -> tuple[list, list] | None:
    """Restore or withdraw the task reports the upload wrote (module docstring); None when it wrote none.

    Returns the audit entry's (before, after) rows, one per report given a new version. Checks
    (permission, lock) run for every report first, so a refusal writes nothing.
    """
    mine = list(
        session.scalars(select(TaskReport).where(TaskReport.upload_id == upload.id).order_by(TaskReport.id))
    )
    if not mine:
        return None
    for period in sorted({r.period for r in mine}):
        lock = active_lock(session, upload.plan_id, period)
        if lock is not None:
            raise PeriodLocked(
                f"{Period.parse(period).label}已于 {lock.locked_at:%Y-%m-%d} 由 {lock.locked_by} 锁定，"
                "不能撤销该季度的重点任务进展；如需修改请由管理员解锁并说明理由"
            )
    for r in mine:
        require(actor, Action.UNDO_UPLOAD, r.unit_id)
    codes = dict(
        session.execute(select(Task.id, Task.code).where(Task.id.in_({r.task_id for r in mine}))).all()
    )
    units = dict(
        session.execute(select(Unit.id, Unit.name).where(Unit.id.in_({r.unit_id for r in mine}))).all()
    )
    todo = []
    for r in mine:
        name = f"{codes[r.task_id]}（{units[r.unit_id]}）"
        if r.superseded_by_id is not None:
            result.tasks_kept.append(name)
        elif r.review_state == "confirmed":
            result.tasks_confirmed.append(name)
        else:
            todo.append(r)
    prev_ids = [r.supersedes_id for r in todo if r.supersedes_id]
    previous = (
        {p.id: p for p in session.scalars(select(TaskReport).where(TaskReport.id.in_(prev_ids)))}
        if prev_ids
        else {}
    )
    files: dict[int, list] = {}
    for f in evidence.evidence_for(session, task_report_ids=prev_ids) if prev_ids else []:
        files.setdefault(f.task_report_id, []).append(f)
    before, after, pairs = [], [], []
    for r in todo:
        prev = previous.get(r.supersedes_id) if r.supersedes_id else None
        new = TaskReport(
            task_id=r.task_id,
            unit_id=r.unit_id,
            period=r.period,
            progress=prev.progress if prev is not None else "",
            status=prev.status if prev is not None else r.status,
            version=r.version + 1,
            supersedes_id=r.id,
            source="undo",
            file_sha256="",
            entered_by=actor.name,
            entered_at=now,
        )
        if prev is None:
            new.review_state = WITHDRAWN
            result.tasks_withdrawn += 1
        elif actor.role is ActorRole.REPORTER and r.review_state == "accepted":
            new.review_state = "pending"  # reviewed like any correction by the unit
            result.tasks_requested += 1
            result.tasks_restored += 1
        else:  # the previous version as the office left it
            new.review_state, new.review_comment = prev.review_state, prev.review_comment
            new.reviewed_by, new.reviewed_at = prev.reviewed_by, prev.reviewed_at
            result.tasks_restored += 1
        session.add(new)
        pairs.append((r, new, prev))
    session.flush()  # the new versions' ids
    for r, new, prev in pairs:
        r.superseded_by_id = new.id
        if prev is not None:
            evidence.copy_attachments(session, files.get(prev.id, []), task_report_id=new.id)
        code, unit = codes[r.task_id], units[r.unit_id]
        before.append(_task_snapshot(code, unit, r))
        after.append(_task_snapshot(code, unit, new))
    session.flush()
    return before, after


def _undo_baselines(session: Session, actor: Actor, upload_id: int) -> int:
    count = 0
    for baseline in session.scalars(select(Baseline).where(Baseline.upload_id == upload_id)).all():
        if baseline.review_state == "pending":  # a proposal never in force: withdrawn, kept as history
            baseline.review_state = "withdrawn"
            count += 1
            continue
        if baseline.review_state != "accepted":
            continue
        later = session.scalar(
            select(Baseline.id).where(
                Baseline.indicator_id == baseline.indicator_id, Baseline.id > baseline.id
            )
        )
        if later is not None:
            continue
        previous = session.scalar(
            select(Baseline)
            .where(Baseline.indicator_id == baseline.indicator_id, Baseline.id < baseline.id)
            .order_by(Baseline.id.desc())
            .limit(1)
        )
        if previous is not None:
            session.add(
                Baseline(
                    indicator_id=previous.indicator_id,
                    value=previous.value,
                    year=previous.year,
                    source=f"撤销上传 #{upload_id}，恢复：{previous.source}",
                    recorded_by=actor.name,
                )
            )
        else:
            session.delete(baseline)
        count += 1
    return count


def list_uploads(session: Session, plan_code: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Recent uploads, newest first."""
    query = (
        select(Upload, Plan.code, Unit.name)
        .join(Plan, Plan.id == Upload.plan_id)
        .outerjoin(Unit, Unit.id == Upload.unit_id)
        .order_by(Upload.id.desc())
        .limit(limit)
    )
    if plan_code:
        query = query.where(Plan.code == plan_code)
    return [
        {
            "id": up.id,
            "plan": code,
            "unit": unit or "全部单位",
            "unit_id": up.unit_id,
            "period": up.period,
            "file_name": up.file_name,
            "sha256": up.sha256,
            "size": up.size,
            "actor": up.actor,
            "created_at": up.created_at,
            "counts": dict(up.counts or {}),
            "undone_at": up.undone_at,
            "undone_by": up.undone_by,
        }
        for up, code, unit in session.execute(query)
    ]


def figure_history(
    session: Session, plan_code: str, indicator_code: str, unit_name: str, period: str
) -> list[dict[str, Any]]:
    """Every audited change of one figure, oldest first: uploads and undos (one entry per file, every
    figure's before → after in it) and single entries (``record_figure``).

    Each item: ``at, actor, action, entry_id, before, after`` (before/after as dicts of
    :data:`FIGURE_FIELDS` without the figure's coordinates; ``before`` None for a new figure).
    """
    where = (indicator_code, unit_name, period)
    out = []
    query = (
        select(AuditEntry)
        .where(
            AuditEntry.plan_code == plan_code,
            AuditEntry.entity == "upload",
            AuditEntry.outcome == "ok",
            AuditEntry.action.in_(("upload", Action.UNDO_UPLOAD.value)),
        )
        .order_by(AuditEntry.id)
    )
    for entry in session.scalars(query):
        after = (entry.after or {}).get("figures") or []
        before = (entry.before or {}).get("figures") or []
        fields = (entry.after or {}).get("fields") or list(FIGURE_FIELDS)
        for i, item in enumerate(after):
            if tuple(item[:3]) != where:
                continue
            prior = before[i] if i < len(before) else None
            out.append(
                {
                    "at": entry.at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "entry_id": entry.id,
                    "before": None if prior is None else dict(zip(fields[3:], prior[3:], strict=False)),
                    "after": dict(zip(fields[3:], item[3:], strict=False)),
                }
            )
    return out
