"""Reminders (催报提醒): before each reporting deadline and before a notice's answer is due.

``python manage.py remind [--dry-run] [--today YYYY-MM-DD]`` (for cron) works out what is due
on that day and sends each unit's contacts exactly what the unit owes:

- **reporting deadline** of the quarter units report on now (the latest quarter that has
  ended; deadline = quarter end + the plan's ``report_deadline_days``): the figures due
  and not yet reported, the key tasks whose progress is owed, and what the office returned;
  sent at the stages ``TRACKER_REMIND_DAYS`` working days before the deadline (default
  ``5,1``); only the latest stage reached is sent, once;
- **notice answers**: the same stages before a notice's response date, and once when it has
  passed (逾期);

by e-mail (SMTP, ``TRACKER_SMTP_*``, README) to every active contact with an address, and to
the office's 企业微信 / 钉钉 group robot when ``TRACKER_WEBHOOK_URL`` is set. Each message
has a key (what, which unit, which stage, which channel and recipient): a key already sent
is never sent again, so a second run the same day sends nothing new. A key is recorded
(``pending``) before sending and marked ``sent`` or ``failed`` after; failed ones are tried
again on the next run. Every attempt is audited. The in-app badge (我的待办) needs no
sending: it is computed from the same data on every page run.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import smtplib
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select

from db.models import Indicator, Notice, Observation, Plan, ReminderLog, UnitContact
from db.session import read_scope, session_scope
from indicators.periods import Period
from services.actor import Action, Actor, require
from services.audit import record
from services.workdays import calendar

CHANNEL_LABELS = {"email": "邮件", "webhook": "群机器人"}


@dataclass(frozen=True)
class Settings:
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_security: str = "none"  # none / starttls / ssl
    webhook_url: str = ""
    webhook_kind: str = "wecom"  # wecom / dingtalk
    webhook_secret: str = ""  # 钉钉 加签
    stages: tuple[int, ...] = (5, 1)
    app_url: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        url = env.get("TRACKER_WEBHOOK_URL", "").strip()
        kind = env.get("TRACKER_WEBHOOK_KIND", "").strip() or ("dingtalk" if "dingtalk" in url else "wecom")
        stages = tuple(
            sorted(
                {int(x) for x in env.get("TRACKER_REMIND_DAYS", "5,1").split(",") if x.strip()}, reverse=True
            )
        )
        port = int(env.get("TRACKER_SMTP_PORT", "0") or 0)
        security = env.get("TRACKER_SMTP_SECURITY", "").strip().lower() or (
            "ssl" if port == 465 else ("starttls" if port == 587 else "none")
        )
        return cls(
            smtp_host=env.get("TRACKER_SMTP_HOST", "").strip(),
            smtp_port=port or (465 if security == "ssl" else 25),
            smtp_user=env.get("TRACKER_SMTP_USER", ""),
            smtp_password=env.get("TRACKER_SMTP_PASSWORD", ""),
            smtp_from=env.get("TRACKER_SMTP_FROM", "").strip(),
            smtp_security=security,
            webhook_url=url,
            webhook_kind=kind,
            webhook_secret=env.get("TRACKER_WEBHOOK_SECRET", ""),
            stages=stages or (5, 1),
            app_url=env.get("TRACKER_APP_URL", "").strip(),
        )


@dataclass
class Reminder:
    """One message to one unit (sent on each of its channels)."""

    key: str  # without channel and recipient
    plan_code: str
    unit_id: int
    unit: str
    subject: str
    lines: list[str] = field(default_factory=list)
    due_on: dt.date | None = None

    def body(self, settings: Settings) -> str:
        text = "\n".join([f"{self.unit}：", "", *self.lines, ""])
        if settings.app_url:
            text += f"\n请登录质量目标监测平台（{settings.app_url}）“我的待办”办理。"
        else:
            text += "\n请登录质量目标监测平台“我的待办”办理。"
        return text + "\n\n质量发展委员会办公室（系统自动发送，请勿直接回复）"


@dataclass(frozen=True)
class Outcome:
    key: str
    channel: str
    recipient: str
    unit: str
    subject: str
    status: str  # sent / failed / skipped (dry run) / already
    error: str = ""


def _stage(today: dt.date, due: dt.date, stages: tuple[int, ...], cal) -> int | None:
    """The latest stage reached on ``today`` (days before ``due``), or None before the first."""
    if today > due:
        return None
    reached = [k for k in stages if cal.working_days_before(due, k) <= today]
    return min(reached) if reached else None


def _owed_figures(session, plan_code: str, period: Period) -> dict[str, list[str]]:
    """unit name → indicator lines owed for ``period`` (as the template asks) and not yet reported."""
    from services.imports import template_data

    try:
        data = template_data(session, plan_code, str(period), None)
    except LookupError:
        return {}
    plan_id = session.scalar(select(Plan.id).where(Plan.code == plan_code))
    reported = {
        (code, unit_id, p)
        for code, unit_id, p in session.execute(
            select(Indicator.code, Observation.unit_id, Observation.period)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .where(
                Indicator.plan_id == plan_id,
                Observation.superseded_by_id.is_(None),
                Observation.retracted.is_(False),
                Observation.review_state != "returned",
            )
        )
    }
    from services.tasks import _plan, _unit

    plan = _plan(session, plan_code)
    ids: dict[str, int] = {}
    out: dict[str, list[str]] = {}
    for row in data.rows:
        if row.unit_name not in ids:
            ids[row.unit_name] = _unit(session, plan, row.unit_name).id
        fp = row.figure_period or str(period)
        if (row.code, ids[row.unit_name], fp) in reported:
            continue
        out.setdefault(row.unit_name, []).append(f"指标 {row.code} {row.name}（{row.period_text or fp}）")
    return out


def due_reminders(
    session, today: dt.date, settings: Settings, plan_code: str | None = None
) -> list[Reminder]:
    """Everything due on ``today`` (pure read)."""
    from services.notices import LEVELS
    from services.tasks import _unit, next_deadline_period, plan_settings, unit_task_items

    cal = calendar(session)
    out: list[Reminder] = []
    plans = session.scalars(select(Plan).order_by(Plan.code)).all()
    for plan in plans:
        if plan_code and plan.code != plan_code:
            continue
        s = plan_settings(plan)
        period = next_deadline_period(today, s.report_deadline_days)
        if period.index >= Period.parse(plan.first_period).index and period.year <= max(
            plan.horizon_years or [9999]
        ):
            deadline = period.deadline(s.report_deadline_days)
            stage = _stage(today, deadline, settings.stages, cal)
            if stage is not None:
                owed = _owed_figures(session, plan.code, period)
                units: dict[str, list[str]] = {u: list(lines) for u, lines in owed.items()}
                items = unit_task_items(session, plan.code, _task_unit_ids(session, plan.id), today, period)
                for item in items:
                    if item["todo"] == "待填报":
                        units.setdefault(item["unit"], []).append(
                            f"重点任务 {item['task_code']} {item['title']}：填报进展"
                        )
                    elif item["todo"].startswith("已退回"):
                        units.setdefault(item["unit"], []).append(
                            f"重点任务 {item['task_code']} {item['title']}：已退回，请更正"
                        )
                for unit_name, lines in sorted(units.items()):
                    unit = _unit(session, plan, unit_name)
                    when = f"{deadline.year}年{deadline.month}月{deadline.day}日"
                    out.append(
                        Reminder(
                            key=f"deadline|{plan.code}|{period}|{unit.id}|{stage}",
                            plan_code=plan.code,
                            unit_id=unit.id,
                            unit=unit.name,
                            subject=f"【催报提醒】{plan.jurisdiction}{period.label}数据和重点任务进展请于{when}前报送",
                            lines=[
                                f"{period.label}的报送截止日为{when}（还有{stage}个工作日），贵单位尚有以下{len(lines)}项未报送："
                            ]
                            + [f"{i}. {line}" for i, line in enumerate(lines, start=1)],
                            due_on=deadline,
                        )
                    )
        for n in session.scalars(
            select(Notice)
            .where(Notice.plan_id == plan.id, Notice.state.in_(["issued", "returned"]))
            .order_by(Notice.id)
        ):
            cycle = sum(1 for e in n.events if e.kind == "returned")
            when = f"{n.respond_by.year}年{n.respond_by.month}月{n.respond_by.day}日"
            what = "；".join(f"{i.code} {i.name}" for i in n.items)
            if today > n.respond_by:
                key, subject = (
                    f"notice|{n.id}|{cycle}|late",
                    f"【逾期提醒】{n.number}已超过反馈期限（{when}）",
                )
                first = (
                    f"{LEVELS[n.level]}通知单{n.number}的反馈期限{when}已过，"
                    "请尽快反馈原因分析、整改措施和预计完成时间："
                )
            else:
                stage = _stage(today, n.respond_by, settings.stages, cal)
                if stage is None:
                    continue
                key, subject = (
                    f"notice|{n.id}|{cycle}|{stage}",
                    f"【反馈提醒】{n.number}请于{when}前反馈整改情况",
                )
                first = (
                    f"{LEVELS[n.level]}通知单{n.number}请于{when}前（还有{stage}个工作日）"
                    "反馈原因分析、整改措施和预计完成时间："
                )
            lines = [first, f"事项：{what}"]
            if n.state == "returned" and n.verify_comment:
                lines.append(f"质量办退回意见：{n.verify_comment}")
            out.append(Reminder(key, plan.code, n.unit_id, n.unit.name, subject, lines, n.respond_by))
    return out


def _task_unit_ids(session, plan_id: int) -> set[int]:
    from db.models import Task, TaskUnit

    return set(
        session.scalars(
            select(TaskUnit.unit_id).join(Task, Task.id == TaskUnit.task_id).where(Task.plan_id == plan_id)
        )
    )


def _recipients(session, reminder: Reminder, settings: Settings) -> list[tuple[str, str, str]]:
    """(channel, recipient, display) of a reminder."""
    out = []
    if settings.smtp_host:
        for c in session.scalars(
            select(UnitContact).where(UnitContact.unit_id == reminder.unit_id, UnitContact.active.is_(True))
        ):
            if c.email:
                out.append(("email", c.email, c.name))
    if settings.webhook_url:
        out.append(("webhook", settings.webhook_url, "群机器人"))
    return out


def _send_email(settings: Settings, to: str, name: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from or "tracker@localhost"
    msg["To"] = formataddr((name, to))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="quality-tracker")
    msg.set_content(body)
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=20)
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls()
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password)
        client.send_message(msg)


def _send_webhook(settings: Settings, subject: str, body: str) -> None:
    url = settings.webhook_url
    if settings.webhook_kind == "dingtalk" and settings.webhook_secret:
        stamp = str(round(time.time() * 1000))
        digest = hmac.new(
            settings.webhook_secret.encode(), f"{stamp}\n{settings.webhook_secret}".encode(), hashlib.sha256
        )
        sign = urllib.parse.quote_plus(base64.b64encode(digest.digest()))
        url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={sign}"
    payload = json.dumps(
        {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}}, ensure_ascii=False
    ).encode()
    request = urllib.request.Request(
        url, data=payload, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - the office's configured URL
        answer = response.read(65536)
    try:
        code = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        code = 0
    if code not in (0, None):
        raise RuntimeError(f"群机器人返回错误：{answer[:200].decode('utf-8', 'replace')}")


def remind(
    url: str | None,
    actor: Actor,
    today: dt.date | None = None,
    *,
    dry_run: bool = False,
    settings: Settings | None = None,
    plan_code: str | None = None,
) -> list[Outcome]:
    """Send what is due on ``today``; idempotent (a key sent once is never sent again)."""
    require(actor, Action.SEND_REMINDERS)
    today = today or dt.date.today()
    settings = settings or Settings.from_env()
    with read_scope(url) as session:
        reminders = due_reminders(session, today, settings, plan_code)
        plan = [(r, ch, to, name) for r in reminders for ch, to, name in _recipients(session, r, settings)]
        done = {
            row.key: row.status
            for row in session.scalars(select(ReminderLog).where(ReminderLog.status.in_(["sent", "pending"])))
        }
    outcomes = []
    for reminder, channel, to, name in plan:
        recipient_key = to if channel == "email" else hashlib.sha256(to.encode()).hexdigest()[:16]
        key = f"{reminder.key}|{channel}|{recipient_key}"[:255]
        body = reminder.body(settings)
        shown_to = to if channel == "email" else CHANNEL_LABELS["webhook"]
        if key in done:
            outcomes.append(Outcome(key, channel, shown_to, reminder.unit, reminder.subject, "already"))
            continue
        if dry_run:
            outcomes.append(Outcome(key, channel, shown_to, reminder.unit, reminder.subject, "skipped"))
            continue
        with session_scope(url) as session:
            row = session.scalar(select(ReminderLog).where(ReminderLog.key == key))
            if row is None:
                row = ReminderLog(
                    key=key,
                    channel=channel,
                    recipient=shown_to[:200],
                    plan_code=reminder.plan_code,
                    unit_id=reminder.unit_id,
                    subject=reminder.subject,
                    body=body,
                    due_on=reminder.due_on,
                )
                session.add(row)
            row.status, row.attempts = "pending", (row.attempts or 0) + 1
        error = ""
        try:
            if channel == "email":
                _send_email(settings, to, name, reminder.subject, body)
            else:
                _send_webhook(settings, reminder.subject, body)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried next run
            error = f"{type(exc).__name__}: {exc}"[:500]
        with session_scope(url) as session:
            row = session.scalar(select(ReminderLog).where(ReminderLog.key == key))
            row.status, row.error = ("failed", error) if error else ("sent", "")
            row.sent_at = None if error else dt.datetime.now(dt.UTC).replace(tzinfo=None)
            record(
                session,
                actor,
                Action.SEND_REMINDERS.value,
                entity="reminder",
                entity_key=key[:200],
                plan_code=reminder.plan_code,
                unit=reminder.unit,
                after={
                    "channel": channel,
                    "recipient": shown_to,
                    "status": row.status,
                    "subject": reminder.subject,
                },
                detail=f"{CHANNEL_LABELS[channel]}提醒"
                f"{'发送失败：' + error if error else '已发送'}：{reminder.subject}",
            )
        outcomes.append(
            Outcome(
                key, channel, shown_to, reminder.unit, reminder.subject, "failed" if error else "sent", error
            )
        )
    return outcomes


def sent_rows(session, plan_code: str | None = None, limit: int = 500) -> list[dict]:
    query = select(ReminderLog).order_by(ReminderLog.id.desc()).limit(limit)
    if plan_code:
        query = query.where(ReminderLog.plan_code == plan_code)
    return [
        {
            "时间": r.sent_at or r.created_at,
            "渠道": CHANNEL_LABELS.get(r.channel, r.channel),
            "收件人": r.recipient,
            "主题": r.subject,
            "状态": {"sent": "已发送", "failed": "发送失败", "pending": "发送中"}.get(r.status, r.status),
            "错误": r.error,
        }
        for r in session.scalars(query)
    ]
