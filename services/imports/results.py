"""What an import shows and returns: the preview's changes, the result, their Chinese wording."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from workbook.cells import format_number
from workbook.errors import WorkbookError

OLD_STATE_MARKS = {"returned": "（已退回）", "pending": "（待审核）"}  # the preview's 原值 column


class Change:
    """One row of the preview: which figure, and its old and new text.

    ``old`` and ``new`` are given as text, or as the figure itself (an object with ``value``,
    ``field_size``, ``benchmark_value``, ``done_on`` and ``note``: the parsed row, the current
    version) with its measure ``kind``, and formatted only when read: a page shows one page of a
    10,000-row preview, so formatting every row while validating was wasted (and holding the
    texts cost memory).
    """

    __slots__ = ("sheet", "row", "unit", "code", "name", "status", "period", "_old", "_new", "_kind")

    def __init__(
        self,
        sheet: str,
        row: int,
        unit: str,
        code: str,
        name: str,
        status: str,  # new / changed / unchanged / baseline / empty
        old: Any = "",
        new: Any = "",
        period: str = "",  # the period of the figure (an annual figure in a later quarter's template)
        kind: str = "",  # the measure kind, when old or new is a figure
    ) -> None:
        self.sheet, self.row, self.unit, self.code, self.name = sheet, row, unit, code, name
        self.status, self.period, self._old, self._new, self._kind = status, period, old, new, kind

    def _text(self, figure: Any) -> str:
        if isinstance(figure, str):
            return figure
        return figure_line(
            self._kind, figure.value, figure.field_size, figure.benchmark_value, figure.done_on, figure.note
        )

    @property
    def old(self) -> str:
        """The current version's text, marked when it is not (yet) in use: a unit sending a
        correction after the office returned 31 家 (27 家 accepted and in use) sees "31 家（已退回）"."""
        text = self._text(self._old)
        state = getattr(self._old, "review_state", None)
        return text + OLD_STATE_MARKS.get(state, "") if text else text

    @property
    def new(self) -> str:
        return self._text(self._new)

    def _fields(self) -> tuple:
        return (self.sheet, self.row, self.unit, self.code, self.name, self.status, self.old, self.new,
                self.period)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Change) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Change({})".format(", ".join(map(repr, self._fields())))


STATUS_LABELS = {
    "new": "新增",
    "changed": "修改",
    "unchanged": "未变",
    "baseline": "基期值建议",
    "empty": "未填写",
    "rejected": "拒绝",
}
RESULT_LABELS = {
    "committed": "已导入（待审核）",
    "duplicate": "重复",
    "unchanged": "无变化",
    "refused": "拒绝",
    "dry-run": "试运行",
}


@dataclass
class ImportPreview:
    file_name: str
    sha256: str
    size: int
    plan_code: str = ""
    period: str = ""
    unit_name: str = ""
    changes: list[Change] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)
    duplicate_of: int | None = None  # an upload in force of the same file, and nothing would change
    stamp: tuple = ()  # the catalogue the preview was validated against (re-checked under the lock)
    prepared: Any = field(default=None, repr=False, compare=False)  # the validated rows, for confirming
    task_changes: list = field(default_factory=list)  # services.imports.tasks.TaskChange (重点任务 sheet)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        counts = {k: 0 for k in ("new", "changed", "unchanged", "baseline", "empty")}
        for change in self.changes:
            counts[change.status] += 1
        counts["rejected"] = len({(e.sheet, e.row) for e in self.errors if e.row is not None})
        counts["errors"] = len(self.errors)
        counts["tasks"] = sum(1 for t in self.task_changes if t.status != "unchanged")
        return counts

    @property
    def changes_anything(self) -> bool:
        c = self.counts
        writes = c["new"] + c["changed"] + c["baseline"] + c["tasks"]
        return self.ok and self.duplicate_of is None and writes > 0

    def error_messages(self) -> list[str]:
        return [e.message for e in self.errors]


@dataclass
class ImportResult:
    preview: ImportPreview
    status: str  # committed / duplicate / unchanged / refused / dry-run
    upload_id: int | None = None
    pending_review: bool = False  # the figures await the office's review (a reporter's upload)

    @property
    def message(self) -> str:
        p, c = self.preview, self.preview.counts
        name = p.file_name
        if self.status == "refused":
            return f"{name}：已拒绝，{c['errors']} 处错误，未写入任何数据"
        if self.status == "duplicate":
            return f"{name}：与上传记录 #{p.duplicate_of} 为同一文件，且数据与现有数据相同，未做任何修改"
        if self.status == "unchanged":
            return f"{name}：文件中的数据与现有数据相同，未做任何修改"
        summary = f"新增 {c['new']}，修改 {c['changed']}，未变 {c['unchanged']}，基期值建议 {c['baseline']}"
        if c["tasks"]:
            summary += f"，重点任务进展 {c['tasks']}"
        if self.status == "dry-run":
            return f"{name}：（试运行，未写入）{summary}"
        text = f"{name}：已导入（上传记录 #{self.upload_id}）{summary}"
        if self.pending_review:
            text += "；数据待审核，质量办审核通过后计入统计"
        elif c["baseline"]:
            text += "；基期值建议待质量办审核"
        return text


def figure_line(kind: str, value, field_size, benchmark_value, done_on: dt.date | None, note) -> str:
    """A figure as the preview shows it: its text and its note."""
    text = figure_text(kind, value, field_size, benchmark_value, done_on)
    return f"{text}；备注：{note}" if note else text


def figure_text(
    kind: str, value, field_size, benchmark_value, done_on: dt.date | None, retracted=False
) -> str:
    if retracted:
        return ""
    if kind == "milestone":
        text = "已完成" if (value or 0) >= 1 else "未完成"
        return text + (f"（{done_on.isoformat()}）" if done_on else "")
    text = format_number(value)
    if kind == "rank" and field_size:
        text += f"/{field_size}"
    if benchmark_value is not None:
        text += f"（基准 {format_number(benchmark_value)}）"
    return text
