"""Read a plan's key tasks (重点任务) from its ``tasks.csv`` (format: data/catalogue/README.md).

Called by :func:`indicators.catalogue.read_catalogue` with its row reader and unit resolver,
so that a bad task row is reported with file, row and field like every other catalogue error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TASK_REQUIRED_COLUMNS = ["code", "title", "section", "lead_units", "co_units", "due", "source_text"]
TASK_OPTIONAL_COLUMNS = ["due_text", "indicator_codes", "completed_by", "note"]
_DUE_RE = re.compile(r"^(\d{4})(?:Q([1-4]))?$")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True)
class TaskNodeRow:
    period: str  # 2025Q4: due by the end of this quarter
    text: str


@dataclass(frozen=True)
class TaskRow:
    code: str
    title: str
    section: str
    lead_units: tuple[str, ...]
    co_units: tuple[str, ...]
    nodes: tuple[TaskNodeRow, ...]
    indicator_codes: tuple[str, ...]
    source_text: str
    note: str
    completed_by: str = ""  # a linked one-off milestone indicator whose completion completes the task


def parse_due(text: str) -> str | None:
    """``2025`` → ``2025Q4`` (by the year's end); ``2025Q2`` stays; anything else → None."""
    match = _DUE_RE.match(text.strip())
    if not match or not 1949 <= int(match.group(1)) <= 2100:
        return None
    return f"{match.group(1)}Q{match.group(2) or 4}"


def read_tasks(
    folder: Path,
    read_csv: Callable[..., list[Any]],
    errors: list[Any],
    resolve_units: Callable[[Any, str], tuple[str, ...]],
    indicator_codes: set[str] | None,
    split_list: Callable[[str], tuple[str, ...]],
    milestone_codes: set[str] | None = None,
) -> list[TaskRow]:
    """The rows of ``tasks.csv`` (an optional file); problems are appended to ``errors``.

    ``milestone_codes``: the indicators whose every target is a one-off milestone, the only ones a
    task may name in ``completed_by`` (None: not checked, indicators.csv or targets.csv unreadable)."""
    rows = read_csv(
        folder, "tasks.csv", TASK_REQUIRED_COLUMNS, errors, required=False, optional=TASK_OPTIONAL_COLUMNS
    )
    tasks: list[TaskRow] = []
    seen: dict[str, int] = {}
    for row in rows:
        code = row.text("code", required=True)
        if code and not _CODE_RE.match(code):
            row.error("code", f"“{code}”应为字母、数字、下划线、点或短横线，最长40个字符")
        if code in seen:
            row.error("code", f"与第{seen[code]}行重复：“{code}”")
        seen.setdefault(code, row.row_number)
        lead = resolve_units(row, "lead_units")
        if not lead:
            row.error("lead_units", "至少要有一个牵头单位")
        co = resolve_units(row, "co_units")
        dues = split_list(row.text("due", required=True))
        texts = split_list(row.text("due_text"))
        if texts and len(texts) not in (1, len(dues)):
            row.error("due_text", f"时间节点有{len(dues)}个，说明有{len(texts)}项：应一一对应或只写一项")
        nodes: list[TaskNodeRow] = []
        for i, raw in enumerate(dues):
            period = parse_due(raw)
            if period is None:
                row.error("due", f"“{raw}”应为年份（如 2025）或季度（如 2025Q2）")
                continue
            if any(n.period == period for n in nodes):
                row.error("due", f"时间节点“{raw}”重复")
                continue
            text = texts[i] if len(texts) == len(dues) else (texts[0] if texts else "")
            nodes.append(TaskNodeRow(period, text or row.text("title")))
        linked = split_list(row.text("indicator_codes"))
        if indicator_codes is not None:
            for ind in linked:
                if ind not in indicator_codes:
                    row.error("indicator_codes", f"指标“{ind}”不在 indicators.csv 中")
        completed_by = row.text("completed_by")
        if completed_by and completed_by not in linked:
            row.error("completed_by", f"“{completed_by}”应为本任务 indicator_codes 中的一个指标")
        elif completed_by and milestone_codes is not None and completed_by not in milestone_codes:
            row.error(
                "completed_by",
                f"指标“{completed_by}”应为一次性里程碑指标（不是“每年”里程碑，也没有其他目标）",
            )
        tasks.append(
            TaskRow(
                code=code,
                title=row.text("title", required=True),
                section=row.text("section"),
                lead_units=lead,
                co_units=tuple(u for u in co if u not in lead),
                nodes=tuple(sorted(nodes, key=lambda n: n.period)),
                indicator_codes=linked,
                source_text=row.text("source_text", required=True),
                note=row.text("note"),
                completed_by=completed_by,
            )
        )
    return tasks
