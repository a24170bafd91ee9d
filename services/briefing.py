"""汇报材料 from the database: read a plan's progress once, write the briefing set."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from briefing.bundle import build_files
from briefing.content import Briefing, build_content
from briefing.content import Notice as DraftNotice
from db.models import Notice, Plan
from db.queries import has_demo_data, report_records
from db.session import read_scope
from indicators.history import SUPERVISION, WARNING
from services.progress import plan_progress, quarter_histories


def load_briefing(
    url: str | None, plan_code: str, as_of: str | None = None, today: dt.date | None = None
) -> Briefing:
    """The briefing content of a plan as of a quarter (default: the latest due quarter)."""
    with read_scope(url) as session:
        progress = plan_progress(session, plan_code, as_of)
        records = report_records(session, progress.plan.id)
        demo = has_demo_data(session, progress.plan.id)
        history = quarter_histories(session, plan_code, progress.as_of, data_now=progress.data)
        b = build_content(progress, records, today, demo=demo, histories=history)
        # key tasks as of the quarter's reporting deadline (or today, if earlier): a deck 截至2025年第2季度
        # made in 2026 listed tasks due by 2025Q4 as 督办, though they were not yet due on its date
        b.tasks_as_of = min(b.today, b.as_of.deadline(progress.plan.settings.report_deadline_days))
        supervision(session, b)
    return b


def supervision(session, b: Briefing) -> None:
    """The bulletin's key tasks past their time node (their progress as the office accepted it), the
    notices issued on this quarter and the open ones of the 督办台账; the engine's proposals less what
    a notice already lists (open, or issued on this quarter)."""
    from services import notices, tasks

    progress = tasks.reviewed_progress(session, b.plan_code)
    b.overdue_tasks = []
    for r in tasks.ledger_rows(session, b.plan_code, b.tasks_as_of or b.today):
        if r["督办"]:
            words, pending = progress.get(r["id"], ("未填报", False))
            b.overdue_tasks.append(dict(r, 推进状态=words, 待审核=pending))
    register = notices.register_rows(session, b.plan_code, b.today)
    b.open_notices = [
        r for r in register if r["状态"] not in (notices.STATES["closed"], notices.STATES["escalated"])
    ]
    this_quarter = set(
        session.scalars(
            select(Notice.id).join(Plan, Plan.id == Notice.plan_id).where(
                Plan.code == b.plan_code, Notice.as_of == str(b.as_of)
            )
        )
    )
    b.issued_notices = [r for r in register if r["id"] in this_quarter]
    b.notices_logged = len(register)
    listed = {
        (item.code, n.unit.name)
        for n in session.scalars(
            select(Notice)
            .join(Plan, Plan.id == Notice.plan_id)
            .where(Plan.code == b.plan_code)
            .options(selectinload(Notice.items), selectinload(Notice.unit))
        )
        if n.id in this_quarter or n.state in ("issued", "answered", "returned")
        for item in n.items
        if item.indicator_id is not None
    }
    b.notices = [n for n in (_unlisted(n, listed) for n in b.notices) if n is not None]


def _unlisted(notice: DraftNotice, listed: set[tuple[str, str]]) -> DraftNotice | None:
    """The proposal less the indicators a notice to that unit already lists (None when nothing is left)."""
    items = tuple(i for i in notice.items if (i.code, notice.unit) not in listed)
    if len(items) == len(notice.items):
        return notice
    if not items:
        return None
    level = SUPERVISION if any(i.level == SUPERVISION for i in items) else WARNING
    return dataclasses.replace(notice, items=items, level=level)


def build_briefing(
    url: str | None, plan_code: str, as_of: str | None, out_dir: Path | str, today: dt.date | None = None
) -> list[Path]:
    """Write deck (.pptx), charts/*.png, bulletin (.docx) and notices/*.docx under ``out_dir``."""
    b = load_briefing(url, plan_code, as_of, today)
    out = Path(out_dir)
    written = []
    for name, content in build_files(b).items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written
