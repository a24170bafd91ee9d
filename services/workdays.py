"""The working-day calendar in force: chinesecalendar plus the days the office loaded (CSV).

CSV format (UTF-8, header required): ``date,type,note`` — ``date`` as 2027-01-01, ``type``
``休`` / ``holiday`` (a day off) or ``班`` / ``workday`` (a working day, e.g. a 调休 Saturday),
``note`` optional (元旦, 春节调休上班 …). Loading is all-or-nothing (a bad row is named by its
row and column and nothing is written), idempotent, audited; a day loaded again with another
type replaces the earlier entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CalendarDay
from indicators.workdays import WorkCalendar
from services.actor import Action, Actor, require
from services.audit import record

_TYPES = {"休": False, "holiday": False, "假": False, "班": True, "workday": True, "上班": True}


def calendar(session: Session) -> WorkCalendar:
    return WorkCalendar({row.day: row.workday for row in session.scalars(select(CalendarDay))})


def parse_calendar_csv(text: str, file_name: str = "工作日调整表.csv") -> list[tuple[dt.date, bool, str]]:
    """Rows of the office's CSV; raise ValueError listing every bad row (row 1 is the header)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    if "date" not in header or "type" not in header:
        raise ValueError(f"{file_name} 第1行：表头应为 date,type,note")
    reader.fieldnames = header
    errors, rows, seen = [], [], {}
    for number, row in enumerate(reader, start=2):
        raw_day, raw_type = (row.get("date") or "").strip(), (row.get("type") or "").strip()
        if not raw_day and not raw_type:
            continue
        try:
            day = dt.date.fromisoformat(raw_day)
        except ValueError:
            errors.append(f"{file_name} 第{number}行 date 列：“{raw_day}”应为日期，如 2027-01-01")
            continue
        if raw_type.lower() not in _TYPES:
            errors.append(f"{file_name} 第{number}行 type 列：“{raw_type}”应为 休 或 班（holiday / workday）")
            continue
        if day in seen:
            errors.append(f"{file_name} 第{number}行 date 列：{day} 与第{seen[day]}行重复")
            continue
        seen[day] = number
        rows.append((day, _TYPES[raw_type.lower()], (row.get("note") or "").strip()[:200]))
    if errors:
        raise ValueError("工作日调整表有误，未载入任何一行：\n" + "\n".join(errors))
    return rows


def load_calendar(session: Session, actor: Actor, text: str, file_name: str = "工作日调整表.csv") -> dict:
    """Load the office's CSV of days (all-or-nothing); returns counts added/changed/unchanged."""
    require(actor, Action.LOAD_CALENDAR)
    rows = parse_calendar_csv(text, file_name)
    existing = {row.day: row for row in session.scalars(select(CalendarDay))}
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    for day, workday, note in rows:
        old = existing.get(day)
        if old is None:
            session.add(CalendarDay(day=day, workday=workday, note=note, loaded_by=actor.name))
            counts["added"] += 1
        elif old.workday != workday or old.note != note:
            old.workday, old.note, old.loaded_by = workday, note, actor.name
            old.loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
    if counts["added"] or counts["changed"]:
        record(
            session,
            actor,
            Action.LOAD_CALENDAR.value,
            entity="calendar",
            entity_key=file_name[:200],
            after=counts,
            detail=f"载入工作日调整表：新增 {counts['added']} 天，修改 {counts['changed']} 天",
        )
    return counts
