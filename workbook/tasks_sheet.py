"""The unit template's second sheet, 重点任务: each task the unit reports on in the quarter.

Layout (written by :func:`write_task_sheet`, read back by :func:`find_task_sheet` in the guarded
reader and checked by :func:`validate_tasks`; pure, no SQL):

* row 1 title, row 2 ``计划 / 填报季度 / 填报单位``, row 3 the header (frozen), data from row 4;
* columns: see :data:`TASK_COLUMNS`; 进展情况 (text) and 推进状态 (a list: 未启动 / 推进中 / 已完成 /
  滞后) are the only input cells (yellow); the hidden last column ``任务行标识`` holds
  ``plan|period|unit name|task code`` (the same format as the figures' ``行标识``), so a re-sorted
  sheet still maps each row;
* the sheet is found by its header (``任务编号`` and ``任务行标识``), never by its title; the
  figures' reader does not take it for a data sheet (its header has neither ``指标代码`` nor
  ``行标识``).

A row with both input cells empty is skipped (nothing reported). A status without text, or text
without a status, is refused at the empty cell; an unknown status, text over
``MAX_PROGRESS_CHARS`` or with control characters, a row of another unit, another quarter or a
task the unit is not responsible for is refused with sheet, row and column. The service
(services/imports/pipeline.py) writes the rows through ``services.tasks.report_progress`` in the
same transaction as the figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from workbook import template as tpl
from workbook.cells import CellProblem, ErrorValue, clean_text, control_char, is_blank, parse_text, shown
from workbook.errors import CellError, RowError, WorkbookError

TASK_SHEET = "重点任务"
STATUS_CHOICES = ("未启动", "推进中", "已完成", "滞后")  # services.tasks.STATUS_LABELS, in that order
MAX_PROGRESS_CHARS = 2000  # services.tasks.MAX_PROGRESS_CHARS

# (key, header, width, input?)
TASK_COLUMNS: list[tuple[str, str, int, bool]] = [
    ("unit", "填报单位", 16, False),
    ("task_code", "任务编号", 14, False),
    ("title", "任务名称", 40, False),
    ("role", "本单位职责", 10, False),
    ("nodes", "时间节点", 30, False),
    ("last", "上次进展", 30, False),
    ("progress", "进展情况", 50, True),
    ("status", "推进状态", 11, True),
    ("key", "任务行标识", 10, False),
]
TASK_HEADERS = {key: header for key, header, _, _ in TASK_COLUMNS}
TASK_LETTERS = {key: get_column_letter(i + 1) for i, (key, _, _, _) in enumerate(TASK_COLUMNS)}
# header text → key, as the reader maps a task sheet's header row
TASK_HEADER_ALIASES = {header: key for key, header, _, _ in TASK_COLUMNS}
TASK_HEADER_ALIASES.update({"进展": "progress", "状态": "status", "任务状态": "status"})


@dataclass(frozen=True)
class TaskTemplateRow:
    unit_name: str
    task_code: str
    title: str
    role: str  # 牵头 / 配合
    nodes_text: str = ""  # the open time node(s): "2025年第4季度前：建成…"
    last_text: str = ""  # the unit's latest report: "推进中：已完成方案起草（2025Q1）"


@dataclass(frozen=True)
class TaskInfo:
    """What validation needs to know of a task: its code and its units (canonical name → 牵头/配合)."""

    code: str
    title: str
    units: Mapping[str, str]


@dataclass(frozen=True)
class ParsedTaskRow:
    sheet: str
    row: int
    unit_name: str
    task_code: str
    progress: str
    status: str  # one of STATUS_CHOICES


@dataclass
class TaskValidation:
    rows: list[ParsedTaskRow] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)


# --------------------------------------------------------------------------- writing


def write_task_sheet(wb, data: tpl.TemplateData) -> None:
    """Add the 重点任务 sheet of ``data.tasks`` to the openpyxl workbook ``wb`` (after 填报说明)."""
    from openpyxl.styles import Alignment, Font, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(TASK_SHEET)  # after 填报说明: earlier sheets keep their part names (sheet2.xml)
    who = data.unit_name or "全部责任单位"
    ws.cell(tpl.TITLE_ROW, 1, f"{data.jurisdiction} 重点任务 {data.period_label} 进展填报 — {who}")
    ws.cell(tpl.TITLE_ROW, 1).font = Font(bold=True, size=14)
    ws.merge_cells(
        start_row=tpl.TITLE_ROW, start_column=1, end_row=tpl.TITLE_ROW, end_column=len(TASK_COLUMNS) - 1
    )
    plan = data.plan_title or data.jurisdiction
    info = ["计划", plan, tpl.PERIOD_LABEL, data.period_label, "填报单位", who]
    for i, text in enumerate(info, start=1):
        tpl.text_cell(ws, tpl.INFO_ROW, i, text).font = Font(bold=i % 2 == 1, color="555555")
    for i, (_key, header, width, is_input) in enumerate(TASK_COLUMNS, start=1):
        tpl.header_cell(ws, i, header, is_input)
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.column_dimensions[TASK_LETTERS["key"]].hidden = True
    ws.freeze_panes = ws.cell(tpl.FIRST_DATA_ROW, 3)
    unlocked = Protection(locked=False)
    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(data.tasks):
        r = tpl.FIRST_DATA_ROW + offset
        values = {
            "unit": row.unit_name,
            "task_code": row.task_code,
            "title": row.title,
            "role": row.role,
            "nodes": row.nodes_text,
            "last": row.last_text,
            "key": tpl.row_key(data.plan_code, data.period, row.unit_name, row.task_code),
        }
        for c, (key, _header, _w, is_input) in enumerate(TASK_COLUMNS, start=1):
            cell = tpl.text_cell(ws, r, c, values.get(key))
            cell.border = tpl.BORDER
            if key in ("title", "nodes", "last", "progress"):
                cell.alignment = wrap
            if is_input:
                cell.fill = tpl.INPUT_FILL
                cell.protection = unlocked
            if key in ("task_code", "unit", "key", "progress"):
                cell.number_format = "@"
    if data.tasks:
        last_row = tpl.FIRST_DATA_ROW + len(data.tasks) - 1
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(STATUS_CHOICES) + '"',
            errorTitle="推进状态",
            error="请选择“" + "”“".join(STATUS_CHOICES) + "”之一",
        )
        dv.showErrorMessage = True
        dv.allow_blank = True
        dv.sqref = f"{TASK_LETTERS['status']}{tpl.FIRST_DATA_ROW}:{TASK_LETTERS['status']}{last_row}"
        ws.add_data_validation(dv)
        ws.auto_filter.ref = f"A{tpl.HEADER_ROW}:{TASK_LETTERS['status']}{last_row}"
    ws.protection.sheet = True
    ws.protection.sort = False
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


# --------------------------------------------------------------------------- reading


def is_task_header(mapping: Mapping[str, int]) -> bool:
    return "task_code" in mapping and "key" in mapping


def header_of(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """The task sheet's header row (0-based) and its column map, or None."""
    for r, cells in enumerate(rows[:20]):
        mapping: dict[str, int] = {}
        for c, value in enumerate(cells):
            if isinstance(value, str):
                key = TASK_HEADER_ALIASES.get(clean_text(value).replace(" ", ""))
                if key and key not in mapping:
                    mapping[key] = c
        if is_task_header(mapping):
            return r, mapping
    return None


def _at(values: list[Any], index: int | None) -> Any:
    if index is None or index >= len(values):
        return None
    value = values[index]
    return None if value == "" else value


def validate_tasks(
    sheets: list,
    plan_code: str,
    period: str,
    tasks: Mapping[str, TaskInfo],
    unit_of,
    template_unit: str = "",
    allowed_units: set[str] | None = None,
) -> TaskValidation:
    """Every filled-in row of the task sheets (``workbook.reader.RawSheet``) → ParsedTaskRow; every error.

    ``unit_of`` maps a spelling of a unit (name or alias) to its canonical name (None: unknown);
    ``template_unit`` (canonical) refuses rows of other units; ``allowed_units`` (canonical names),
    when given, the units the uploader may report for.
    """
    out = TaskValidation()
    check = _Checker(plan_code, period, tasks, unit_of, template_unit, allowed_units)
    for sheet in sheets:
        missing = [key for key in ("progress", "status") if key not in sheet.columns]
        for key in missing:
            expected = {"expected": TASK_HEADERS[key]}
            out.errors.append(RowError("header-missing", sheet.title, sheet.header_row, "", params=expected))
        if missing:
            continue
        out.errors.extend(_merged_inputs(sheet))
        for i, values in enumerate(sheet.data):
            errors: list[WorkbookError] = []
            parsed = check.row(sheet, sheet.first_row + i, values, errors)
            if errors:
                out.errors.extend(errors)
            elif parsed is not None:
                out.rows.append(parsed)
    return out


def _merged_inputs(sheet) -> list[WorkbookError]:
    """A merged range over 进展情况 / 推进状态 below the header: refused, as for the figures."""
    from workbook.guard import col_letter

    wanted = {sheet.columns["progress"] + 1, sheet.columns["status"] + 1}
    errors: list[WorkbookError] = []
    for ref in sheet.merged:
        first, _, last = ref.partition(":")
        (c1, r1), (c2, r2) = (_split(first), _split(last or first))
        if max(r1, r2) <= sheet.header_row or not any(min(c1, c2) <= c <= max(c1, c2) for c in wanted):
            continue
        top = max(min(r1, r2), sheet.first_row)
        errors.append(CellError("merged-cell", sheet.title, top, col_letter(min(c1, c2)), ref))
    return errors


def _split(ref: str) -> tuple[int, int]:
    from workbook.guard import col_number

    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    return (col_number(letters) if letters else 0), int(digits or 0)


@dataclass
class _Checker:
    plan_code: str
    period: str
    tasks: Mapping[str, TaskInfo]
    unit_of: Any
    template_unit: str
    allowed: set[str] | None
    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def row(self, sheet, r: int, values: list[Any], errors: list[WorkbookError]) -> ParsedTaskRow | None:
        columns, letters, title = sheet.columns, sheet.letters, sheet.title
        progress_raw, status_raw = _at(values, columns["progress"]), _at(values, columns["status"])
        no_value = [k for k in ("progress", "status") if (r, letters[k]) in sheet.formula_without_value]
        if is_blank(progress_raw) and is_blank(status_raw) and not no_value:
            return None  # nothing reported on this task

        def cell_error(code: str, key: str, value: Any = None, **params: Any) -> None:
            errors.append(CellError(code, title, r, letters.get(key, ""), value, params))

        def row_error(code: str, value: Any, **params: Any) -> None:
            errors.append(RowError(code, title, r, "", value, params))

        for key in no_value:
            cell_error("formula-no-value", key)
        if errors:
            return None
        key_value = _at(values, columns.get("key"))
        key_text = clean_text(key_value) if not is_blank(key_value) else ""
        if not key_text:
            cell_error("task-missing-identifier", "key")
            return None
        parts = tpl.split_key(key_text) if control_char(key_text) is None else None
        if parts is None or parts[0] != self.plan_code:
            cell_error("bad-identifier", "key", shown(key_text))
            return None
        _plan, row_period, unit_text, code = parts
        if row_period != self.period:
            cell_error("row-period-mismatch", "key", shown(row_period), expected=self.period)
            return None
        task = self.tasks.get(code)
        if task is None:
            cell_error("task-unknown", "key", shown(code))
            return None
        unit = self.unit_of(unit_text)
        if unit is None:
            row_error("unit-unknown", shown(unit_text))
        elif self.template_unit and unit != self.template_unit:
            row_error("unit-mismatch", unit, expected=self.template_unit)
        elif unit not in task.units:
            row_error("task-not-unit", code, unit=unit)
        elif self.allowed is not None and unit not in self.allowed:
            row_error("permission-denied", code, unit=unit)
        elif (unit, code) in self.seen:
            row_error("task-duplicate", code, unit=unit, first_row=self.seen[(unit, code)])
        if errors:
            return None
        self.seen[(unit, code)] = r
        try:
            progress = parse_text(progress_raw, MAX_PROGRESS_CHARS)
        except CellProblem as problem:
            cell_error(problem.code, "progress", shown(problem.value), **problem.params)
            progress = ""
        status = clean_text(status_raw) if not is_blank(status_raw) else ""
        bad = control_char(status) if status else None
        if isinstance(status_raw, ErrorValue):
            cell_error("error-value", "status", shown(status_raw))
        elif bad is not None:
            cell_error("control-character", "status", None, char=bad)
        elif status and status not in STATUS_CHOICES:
            cell_error("task-status-invalid", "status", shown(status))
        if errors:
            return None
        if not status:
            cell_error("task-status-missing", "status")
        elif not progress:
            cell_error("task-progress-missing", "progress", status=status)
        if errors:
            return None
        return ParsedTaskRow(title, r, unit, code, progress, status)
