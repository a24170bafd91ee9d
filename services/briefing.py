"""汇报材料 from the database: read a plan's progress once, write the briefing set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefing.bundle import build_files
from briefing.content import Briefing, build_content
from db.queries import has_demo_data, report_records
from db.session import read_scope
from services.progress import plan_progress


def load_briefing(
    url: str | None, plan_code: str, as_of: str | None = None, today: dt.date | None = None
) -> Briefing:
    """The briefing content of a plan as of a quarter (default: the latest due quarter)."""
    with read_scope(url) as session:
        progress = plan_progress(session, plan_code, as_of)
        records = report_records(session, progress.plan.id)
        demo = has_demo_data(session, progress.plan.id)
        b = build_content(progress, records, today, demo=demo)
        supervision(session, b)
    return b


def supervision(session, b: Briefing) -> None:
    """The bulletin's key tasks past their time node and the open notices of the 督办台账."""
    from services import notices, tasks

    b.overdue_tasks = [r for r in tasks.ledger_rows(session, b.plan_code, b.today) if r["督办"]]
    b.open_notices = [
        r
        for r in notices.register_rows(session, b.plan_code, b.today)
        if r["状态"] not in (notices.STATES["closed"], notices.STATES["escalated"])
    ]


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
