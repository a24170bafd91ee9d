"""预警 and 督办 notices as records: issued → answered → closed (销号) or returned → escalated.

- **Issued** by the office (who, when, to which unit, about which indicators or tasks, the
  response date counted in working days by services.workdays: State Council holidays and
  调休 workdays, plus the office's CSV). The indicator items keep the engine's status and
  reason at issue; task items keep the task's state.
- **Answered** by the unit (its reporters): causes (原因分析), corrective measures (整改措施),
  the expected completion date, evidence files. An answer after the response date is
  marked late.
- **Verified** by the office: accepted → closed (销号), or returned with a comment (the
  unit answers again within ``response_days`` working days of the return).
- **Escalated** to a 督办 notice (a new record pointing to the 预警 it escalates) when the
  answer is late, or when the engine now proposes 督办 for the same unit (the indicator
  stayed behind). The 预警 record is then ``escalated``; its history stays.

Every step is a NoticeEvent (append-only) and an audit entry; the Word notice
(briefing/notice_record.py) and the 督办台账 are drawn from these records.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from db.models import Notice, NoticeEvent, NoticeItem, Plan, Task, Unit
from indicators.history import SUPERVISION
from indicators.periods import Period
from services import evidence
from services.actor import Action, Actor, require
from services.audit import record
from services.tasks import _plan, _unit, plan_task_states
from services.workdays import calendar

LEVELS = {"warning": "预警", "supervision": "督办"}
LEVEL_BY_LABEL = {label: key for key, label in LEVELS.items()}
STATES = {
    "issued": "待反馈",
    "answered": "已反馈待核销",
    "returned": "已退回待重新反馈",
    "closed": "已销号",
    "escalated": "已升级督办",
}
EVENTS = {
    "issued": "印发",
    "answered": "单位反馈",
    "returned": "退回",
    "closed": "销号",
    "escalated": "升级督办",
}
# what an event's data says, in the words shown to users (keys not listed are not shown)
EVENT_FIELDS = {
    "respond_by": "反馈期限",
    "parent": "升级自",
    "child": "升级为",
    "causes": "原因分析",
    "measures": "整改措施",
    "expected_on": "预计完成",
    "answered_on": "反馈日期",
    "late": "逾期反馈",
}
DEFAULT_RESPONSE_DAYS = 10
MAX_TEXT = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _text(value: str, what: str, required: bool = True) -> str:
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    if required and not text:
        raise ValueError(f"请填写{what}")
    if len(text) > MAX_TEXT:
        raise ValueError(f"{what}最多 {MAX_TEXT} 字，现有 {len(text)} 字")
    return text


def _notice(session: Session, notice_id: int) -> Notice:
    notice = session.scalar(
        select(Notice)
        .where(Notice.id == notice_id)
        .options(selectinload(Notice.items), selectinload(Notice.events), selectinload(Notice.unit))
    )
    if notice is None:
        raise LookupError(f"没有编号为 {notice_id} 的通知单")
    return notice


def _event(
    session: Session, notice: Notice, kind: str, actor: Actor, comment: str = "", **data: Any
) -> NoticeEvent:
    event = NoticeEvent(notice_id=notice.id, kind=kind, actor=actor.name, comment=comment, data=data)
    session.add(event)
    session.flush()
    return event


def _audit(
    session: Session, actor: Actor, action: Action, notice: Notice, plan_code: str, **fields: Any
) -> None:
    record(
        session,
        actor,
        action.value,
        entity="notice",
        entity_key=f"{plan_code}|{notice.number}",
        plan_code=plan_code,
        unit=notice.unit.name if notice.unit else "",
        **fields,
    )


def _next_number(session: Session, plan_id: int, level: str, year: int) -> str:
    label = LEVELS[level]
    count = session.scalar(
        select(func.count(Notice.id)).where(
            Notice.plan_id == plan_id, Notice.level == level, Notice.number.like(f"{label}〔{year}〕%")
        )
    )
    return f"{label}〔{year}〕{count + 1}号"


OPEN_STATES = ("issued", "answered", "returned")  # not yet closed (销号) nor escalated


def _refuse_duplicate(
    session: Session, plan_id: int, unit: Unit, items: list[NoticeItem], parent: Notice | None
) -> None:
    """One open notice per unit and item: a second click on 印发 issued 预警〔2026〕3号 beside 2号 for
    the same unit and indicator, both 待反馈. The notice being escalated (``parent``) is not counted."""
    wanted = {item.code for item in items}
    for notice in session.scalars(
        select(Notice)
        .where(Notice.plan_id == plan_id, Notice.unit_id == unit.id, Notice.state.in_(OPEN_STATES))
        .options(selectinload(Notice.items))
        .order_by(Notice.id)
    ):
        if parent is not None and notice.id == parent.id:
            continue
        listed = sorted(wanted & {i.code for i in notice.items})
        if listed:
            raise ValueError(
                f"{unit.name}的{notice.number}（{STATES[notice.state]}）已列有{'、'.join(listed)}，"
                "未销号前不再重复印发；需要加重的，请在该通知单上“升级为督办”"
            )


def issue_notice(
    session: Session,
    actor: Actor,
    plan_code: str,
    unit: int | str,
    level: str,
    *,
    indicator_codes: list[str] | tuple = (),
    task_codes: list[str] | tuple = (),
    as_of: str | None = None,
    request: str = "",
    response_days: int = DEFAULT_RESPONSE_DAYS,
    today: dt.date | None = None,
    parent: Notice | None = None,
) -> Notice:
    """Issue a 预警 (``warning``) or 督办 (``supervision``) notice to a unit."""
    from services.progress import default_as_of, status_rows

    require(actor, Action.ISSUE_NOTICE)
    level = LEVEL_BY_LABEL.get(level, level)
    if level not in LEVELS:
        raise ValueError(f"通知单级别“{level}”无效，应为预警或督办")
    if not indicator_codes and not task_codes:
        raise ValueError("通知单至少要列出一项指标或重点任务")
    if not 1 <= int(response_days) <= 60:
        raise ValueError("反馈期限应为 1–60 个工作日")
    plan = _plan(session, plan_code)
    unit_row = _unit(session, plan, unit)
    today = today or dt.date.today()
    from db.queries import get_plan

    info = get_plan(session, plan_code)
    as_of = as_of or str(default_as_of(info, today))
    items: list[NoticeItem] = []
    if indicator_codes:
        rows = {r["indicator_code"]: r for r in status_rows(session, plan_code, as_of)}
        from db.models import Indicator

        for code in indicator_codes:
            if code not in rows:
                raise LookupError(f"计划“{plan_code}”中没有代码为“{code}”的指标")
            ind_id = session.scalar(
                select(Indicator.id).where(Indicator.plan_id == plan.id, Indicator.code == code)
            )
            r = rows[code]
            items.append(
                NoticeItem(
                    indicator_id=ind_id,
                    code=code,
                    name=r["indicator"],
                    status=r["status"],
                    reason=r["reason"],
                )
            )
    if task_codes:
        states = plan_task_states(session, plan_code, today)
        for code in task_codes:
            task = session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == code))
            if task is None:
                raise LookupError(f"计划“{plan_code}”中没有编号为“{code}”的重点任务")
            state = states[task.id]
            node = state.open_node
            node = f"时间节点 {Period.parse(node.period).label}：{node.text}" if node else ""
            items.append(
                NoticeItem(task_id=task.id, code=code, name=task.title, status=state.label, reason=node)
            )
    _refuse_duplicate(session, plan.id, unit_row, items, parent)
    for i, item in enumerate(items):
        item.position = i
    respond_by = calendar(session).add_working_days(today, int(response_days))
    notice = Notice(
        plan_id=plan.id,
        unit_id=unit_row.id,
        number=_next_number(session, plan.id, level, today.year),
        level=level,
        state="issued",
        as_of=as_of,
        issued_by=actor.name,
        issued_on=today,
        response_days=int(response_days),
        respond_by=respond_by,
        request=_text(request, "要求", required=False),
        parent_id=parent.id if parent else None,
    )
    notice.items = items
    session.add(notice)
    session.flush()
    notice.unit = unit_row
    _event(
        session,
        notice,
        "issued",
        actor,
        respond_by=respond_by.isoformat(),
        parent=parent.number if parent else "",
    )
    _audit(
        session,
        actor,
        Action.ISSUE_NOTICE,
        notice,
        plan_code,
        after={
            "number": notice.number,
            "level": LEVELS[level],
            "items": [i.code for i in items],
            "respond_by": respond_by.isoformat(),
            "escalates": parent.number if parent else "",
        },
        detail=f"印发{notice.number}（{unit_row.name}），{len(items)} 项，{respond_by:%Y-%m-%d}前反馈",
    )
    return notice


def answer_notice(
    session: Session,
    actor: Actor,
    notice_id: int,
    causes: str,
    measures: str,
    expected_on: dt.date | None,
    files: list[tuple[str, bytes]] | tuple = (),
    today: dt.date | None = None,
) -> Notice:
    """The unit's answer: causes, 整改措施, expected completion date, evidence (checked before any write)."""
    notice = _notice(session, notice_id)
    require(actor, Action.ANSWER_NOTICE, notice.unit_id)
    if notice.state not in ("issued", "returned"):
        raise ValueError(f"{notice.number}当前状态为“{STATES[notice.state]}”，不能再反馈")
    causes, measures = _text(causes, "原因分析"), _text(measures, "整改措施")
    if expected_on is None:
        raise ValueError("请填写预计完成日期")
    if expected_on < notice.issued_on:
        raise ValueError("预计完成日期不能早于通知单印发日期")
    checked = evidence.check_files(list(files))
    today = today or dt.date.today()
    late = today > notice.respond_by
    before = {"state": notice.state}
    notice.causes, notice.measures, notice.expected_on = causes, measures, expected_on
    notice.answered_by, notice.answered_at, notice.state = actor.name, _now(), "answered"
    event = _event(
        session,
        notice,
        "answered",
        actor,
        causes=causes,
        measures=measures,
        expected_on=expected_on.isoformat(),
        late=late,
        answered_on=today.isoformat(),
    )
    evidence.attach(session, actor, checked, unit_id=notice.unit_id, notice_event_id=event.id)
    plan = session.get(Plan, notice.plan_id)
    _audit(
        session,
        actor,
        Action.ANSWER_NOTICE,
        notice,
        plan.code,
        before=before,
        after={
            "state": "answered",
            "expected_on": expected_on.isoformat(),
            "late": late,
            "evidence": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in checked],
        },
        detail=f"{notice.number}反馈整改情况"
        + ("（逾期反馈）" if late else "")
        + (f"，佐证材料 {len(checked)} 个" if checked else ""),
    )
    return notice


def verify_notice(
    session: Session,
    actor: Actor,
    notice_id: int,
    accept: bool,
    comment: str = "",
    today: dt.date | None = None,
) -> Notice:
    """The office's verification: accept → 销号 (closed); return with a comment → answered again."""
    require(actor, Action.VERIFY_NOTICE)
    notice = _notice(session, notice_id)
    if notice.state != "answered":
        raise ValueError(f"{notice.number}当前状态为“{STATES[notice.state]}”，没有待核销的反馈")
    comment = _text(comment, "退回意见", required=not accept)
    today = today or dt.date.today()
    before = {"state": notice.state}
    notice.verified_by, notice.verified_at, notice.verify_comment = actor.name, _now(), comment
    if accept:
        notice.state = "closed"
        _event(session, notice, "closed", actor, comment)
    else:
        notice.state = "returned"
        notice.respond_by = calendar(session).add_working_days(today, notice.response_days)
        _event(session, notice, "returned", actor, comment, respond_by=notice.respond_by.isoformat())
    plan = session.get(Plan, notice.plan_id)
    _audit(
        session,
        actor,
        Action.VERIFY_NOTICE,
        notice,
        plan.code,
        before=before,
        after={"state": notice.state, "comment": comment, "respond_by": notice.respond_by.isoformat()},
        detail=f"{notice.number}{'销号' if accept else '退回：' + comment}",
    )
    return notice


def escalate_notice(
    session: Session, actor: Actor, notice_id: int, request: str = "", today: dt.date | None = None
) -> Notice:
    """Escalate a 预警 to a 督办 notice with the same items (the 预警 becomes ``escalated``)."""
    require(actor, Action.ISSUE_NOTICE)
    parent = _notice(session, notice_id)
    if parent.level != "warning":
        raise ValueError(f"{parent.number}已是督办通知单")
    if parent.state in ("closed", "escalated"):
        raise ValueError(f"{parent.number}当前状态为“{STATES[parent.state]}”，不能升级")
    plan = session.get(Plan, parent.plan_id)
    child = issue_notice(
        session,
        actor,
        plan.code,
        parent.unit_id,
        "supervision",
        indicator_codes=[i.code for i in parent.items if i.indicator_id],
        task_codes=[i.code for i in parent.items if i.task_id],
        as_of=parent.as_of or None,
        request=request or f"你单位对{parent.number}未按期反馈或整改不到位，现列入督办。",
        response_days=parent.response_days,
        today=today,
        parent=parent,
    )
    before = {"state": parent.state}
    parent.state = "escalated"
    _event(session, parent, "escalated", actor, f"升级为{child.number}", child=child.number)
    _audit(
        session,
        actor,
        Action.ISSUE_NOTICE,
        parent,
        plan.code,
        before=before,
        after={"state": "escalated", "escalated_to": child.number},
        detail=f"{parent.number}升级为{child.number}",
    )
    return child


# --------------------------------------------------------------------------- reads


def is_late(notice: Notice, today: dt.date) -> bool:
    """No answer yet (or a returned one) and the response date has passed."""
    return notice.state in ("issued", "returned") and today > notice.respond_by


def escalation_candidates(session: Session, plan_code: str, today: dt.date) -> list[dict[str, Any]]:
    """预警 notices to escalate: the answer is late (the engine's 督办 proposals are on the page)."""
    plan = _plan(session, plan_code)
    out = []
    for n in session.scalars(
        select(Notice)
        .where(Notice.plan_id == plan.id, Notice.level == "warning")
        .options(selectinload(Notice.unit))
    ):
        if is_late(n, today):
            out.append(
                {
                    "id": n.id,
                    "number": n.number,
                    "unit": n.unit.name,
                    "respond_by": n.respond_by,
                    "why": "逾期未反馈",
                }
            )
    return out


def indicator_escalations(session: Session, plan_code: str, today: dt.date) -> list[dict[str, Any]]:
    """Indicator × lead-unit pairs the engine escalates (预警 / 督办: consecutive quarters behind or not
    reported, indicators.history.escalations) as of the assessment quarter, each with the open notice
    of that unit that already lists the indicator ("" when none: the office may issue one)."""
    from db.queries import get_plan, load_plan_data
    from indicators.history import escalations
    from indicators.vocabulary import Role
    from services.progress import default_as_of, quarter_histories

    plan = _plan(session, plan_code)
    current = default_as_of(get_plan(session, plan_code), today)
    # each quarter against the targets in force at its end, as the 总览 judges it (a target raised
    # after the quarter proposed 督办 for an indicator the 总览 showed 正常)
    info, datas = load_plan_data(session, plan_code, on=current.end_date)
    open_by: dict[tuple[str, str], str] = {}
    for n in session.scalars(
        select(Notice)
        .where(Notice.plan_id == plan.id, Notice.state.in_(["issued", "answered", "returned"]))
        .options(selectinload(Notice.items), selectinload(Notice.unit))
    ):
        for item in n.items:
            if item.indicator_id is not None:
                open_by.setdefault((item.code, n.unit.name), n.number)
    out = []
    history = quarter_histories(session, plan_code, current, data_now=datas)
    for e in escalations(history, info.settings, Role.LEAD):
        for unit in e.units:
            out.append(
                {
                    "code": e.key,
                    "name": e.name,
                    "unit": unit,
                    "level": e.level,
                    "streak": e.streak,
                    "why": e.why,
                    "as_of": str(e.as_of),
                    "reason": e.reason,
                    "open_notice": open_by.get((e.key, unit), ""),
                }
            )
    return out


def register_rows(
    session: Session,
    plan_code: str,
    today: dt.date,
    *,
    state: str = "",
    level: str = "",
    unit: str = "",
    late_only: bool = False,
) -> list[dict[str, Any]]:
    """督办台账: one row per notice, newest first, filterable by state, level, unit and lateness."""
    plan = _plan(session, plan_code)
    query = (
        select(Notice)
        .where(Notice.plan_id == plan.id)
        .order_by(Notice.issued_on.desc(), Notice.id.desc())
        .options(selectinload(Notice.items), selectinload(Notice.events), selectinload(Notice.unit))
    )
    rows = []
    numbers = {n.id: n.number for n in session.scalars(select(Notice).where(Notice.plan_id == plan.id))}
    for n in session.scalars(query):
        if (state and n.state != state) or (level and n.level != level) or (unit and n.unit.name != unit):
            continue
        late = is_late(n, today) or any(e.kind == "answered" and e.data.get("late") for e in n.events)
        if late_only and not late:
            continue
        rows.append(
            {
                "id": n.id,
                "编号": n.number,
                "级别": LEVELS[n.level],
                "责任单位": n.unit.name,
                "事项": "；".join(f"{i.code} {i.name}" for i in n.items),
                "印发日期": n.issued_on,
                "反馈期限": n.respond_by,
                "状态": STATES[n.state],
                "逾期": "是" if late else "",
                "反馈时间": n.answered_at.strftime("%Y-%m-%d %H:%M") if n.answered_at else "",
                "原因分析": n.causes,
                "整改措施": n.measures,
                "预计完成": n.expected_on or "",
                "核销": (f"{n.verified_by} {n.verified_at:%Y-%m-%d}" if n.verified_at else ""),
                "核销意见": n.verify_comment,
                "升级自": numbers.get(n.parent_id, "") if n.parent_id else "",
                "印发人": n.issued_by,
            }
        )
    return rows


def register_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The register as an Excel file (cells starting with = + - @ are neutralised)."""
    import pandas as pd

    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "id"} for r in rows])
    frame = frame.map(lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v)
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name="督办台账")
    return buffer.getvalue()


def unit_notices(session: Session, plan_code: str, unit_ids, today: dt.date) -> list[dict[str, Any]]:
    """Notices the units must answer (待反馈 / 已退回), for 我的待办."""
    plan = _plan(session, plan_code)
    out = []
    for n in session.scalars(
        select(Notice)
        .where(
            Notice.plan_id == plan.id,
            Notice.unit_id.in_(list(unit_ids)),
            Notice.state.in_(["issued", "returned"]),
        )
        .order_by(Notice.respond_by)
        .options(selectinload(Notice.items), selectinload(Notice.unit))
    ):
        out.append(
            {
                "id": n.id,
                "number": n.number,
                "level": LEVELS[n.level],
                "unit": n.unit.name,
                "respond_by": n.respond_by,
                "late": is_late(n, today),
                "state": STATES[n.state],
                "comment": n.verify_comment if n.state == "returned" else "",
                "items": [(i.code, i.name, i.status, i.reason) for i in n.items],
                "request": n.request,
            }
        )
    return out


def notice_history(session: Session, notice_id: int) -> list[dict[str, Any]]:
    notice = _notice(session, notice_id)
    files = (
        evidence.evidence_for(session, notice_event_ids=[e.id for e in notice.events])
        if notice.events
        else []
    )
    by_event: dict[int, list] = {}
    for f in files:
        by_event.setdefault(f.notice_event_id, []).append((f.id, f.file_name, f.size))
    return [
        {
            "kind": EVENTS.get(e.kind, e.kind),
            "actor": e.actor,
            "at": e.at,
            "comment": e.comment,
            "data": e.data,
            "details": [
                (label, "是" if e.data[key] is True else str(e.data[key]))
                for key, label in EVENT_FIELDS.items()
                if e.data.get(key) not in ("", None, False)
            ]
            # what the office asked for, on the line of the issue (it is not changed afterwards): the
            # history of a notice showed every answer but never the request they answer
            + ([("要求", notice.request)] if e.kind == "issued" and notice.request else []),
            "evidence": by_event.get(e.id, []),
        }
        for e in notice.events
    ]


def notice_docx(session: Session, notice_id: int) -> tuple[str, bytes]:
    """(file name, Word document) of a notice, drawn from its record."""
    from briefing.notice_record import build_notice_record

    notice = _notice(session, notice_id)
    plan = session.get(Plan, notice.plan_id)
    unit = session.get(Unit, notice.unit_id)
    return f"{notice.number}_{unit.name}.docx", build_notice_record(notice, plan, unit)


def indicator_choices(
    catalogue: list[dict[str, Any]], statuses: dict[str, str], unit: str
) -> dict[str, str]:
    """The 印发通知单 form's indicators, label → code: the unit's own (牵头, then 配合) first, each with
    its status; the others marked 非本单位指标. A walker issued a 预警 for an indicator that is 正常, from a
    list of every indicator of the plan without status, which the unit then had to explain."""
    own = [r for r in catalogue if unit in r["lead_units"]]
    own += [r for r in catalogue if unit in r["co_units"] and unit not in r["lead_units"]]
    mine = {r["code"] for r in own}
    others = [r for r in catalogue if r["code"] not in mine]

    def label(r: dict[str, Any]) -> str:
        whose = "" if r["code"] in mine else "，非本单位指标"
        return f"{r['code']} {r['name']}（{statuses.get(r['code'], '')}{whose}）"

    return {label(r): r["code"] for r in own + others}


def not_behind(codes: list[str], statuses: dict[str, str]) -> list[str]:
    """Of ``codes``, those whose status is not behind (滞后, 严重滞后, 未报送, 未完成)."""
    from indicators.history import BEHIND_STATUSES

    behind = {s.value for s in BEHIND_STATUSES}
    return [c for c in codes if statuses.get(c) not in behind]


def most_urgent_first(
    proposals: list[dict[str, Any]], unit_names: list[str]
) -> tuple[list[str], dict[str, str]]:
    """The units for the 印发通知单 form, those with a proposal first (督办 before 预警, then the longest
    run behind), the rest in their order; and each proposed unit's most urgent level. The form then
    opens on the most urgent proposal, not on the first unit in alphabetical order (a walker found
    叶集区 / 预警 chosen, a unit with nothing behind)."""
    urgent = sorted(proposals, key=lambda r: (r["level"] != SUPERVISION, -r["streak"], r["unit"]))
    first = list(dict.fromkeys(r["unit"] for r in urgent if r["unit"] in unit_names))
    level: dict[str, str] = {}
    for r in urgent:
        level.setdefault(r["unit"], r["level"])
    return first + [u for u in unit_names if u not in first], level
