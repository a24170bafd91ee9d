"""The office's template (质量办录入表) for benchmarks and baselines: write it, read it back.

Pure (no SQL), like the unit template. Two data sheets:

* ``基准值``: one row per indicator whose target in force is relative to a benchmark
  (below/above/not above/not below, e.g. 低于全省平均) and per period its figure is due up to
  the template's quarter, with the benchmark in force and its source (grey) and yellow cells
  for a new value and its source;
* ``基期值``: one row per indicator without a baseline in force, yellow cells for value,
  year and source.

Hidden identifiers (``plan|benchmark|code|period`` and ``plan|baseline|code``) map rows when
the sheets are re-sorted. Reading goes through :func:`workbook.reader.read_workbook` (the same
safety checks as every upload) with this template's headers; :func:`validate_office` turns
rows into :class:`OfficeEntry` values and collects every error with sheet, row and column
(the error classes of :mod:`workbook.errors`). Empty rows are skipped; the services check
ranges, locks and permissions when writing (services/office_template.py).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from workbook.cells import CellProblem, clean_text, is_blank, parse_number, parse_text, parse_year
from workbook.errors import CellError, FileError, RowError, WorkbookError
from workbook.reader import RawRow, RawWorkbook, read_workbook

OFFICE_FORMAT = "qtt-office-template"
OFFICE_VERSION = "1"
BENCHMARK_SHEET, BASELINE_SHEET, HELP_SHEET, META_SHEET = "基准值", "基期值", "填写说明", "_meta"
HEADER_ROW, FIRST_DATA_ROW = 3, 4
SEP = "|"

# (key, header, width, input?)
BENCHMARK_COLUMNS: list[tuple[str, str, int, bool]] = [
    ("code", "指标代码", 12, False),
    ("name", "指标名称", 36, False),
    ("benchmark", "基准", 12, False),
    ("period_label", "期间", 16, False),
    ("measure_unit", "计量单位", 9, False),
    ("current", "现行基准值", 12, False),
    ("current_source", "现行来源", 28, False),
    ("value", "基准值", 12, True),
    ("source", "来源", 30, True),
    ("key", "行标识", 10, False),
]
BASELINE_COLUMNS: list[tuple[str, str, int, bool]] = [
    ("code", "指标代码", 12, False),
    ("name", "指标名称", 40, False),
    ("measure_unit", "计量单位", 9, False),
    ("hint", "说明", 24, False),
    ("value", "基期值", 12, True),
    ("year", "基期年份", 10, True),
    ("source", "来源", 30, True),
    ("key", "行标识", 10, False),
]
OFFICE_HEADERS: dict[str, str] = {
    **{header: key for key, header, _, _ in BENCHMARK_COLUMNS},
    **{header: key for key, header, _, _ in BASELINE_COLUMNS},
    "基期值": "value",
}

_THIN = Side(style="thin", color="BBBBBB")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


@dataclass(frozen=True)
class BenchmarkRow:
    code: str
    name: str
    benchmark: str  # 全省平均
    period: str  # 2025Q4
    period_label: str  # 2025年度数据
    measure_unit: str = ""
    measure_kind: str = ""
    current: float | None = None
    current_source: str = ""


@dataclass(frozen=True)
class BaselineRow:
    code: str
    name: str
    measure_unit: str = ""
    measure_kind: str = ""
    plan_baseline_year: int | None = None


@dataclass(frozen=True)
class OfficeTemplateData:
    plan_code: str
    plan_title: str
    jurisdiction: str
    as_of: str  # the quarter up to which benchmark periods are listed
    benchmarks: tuple[BenchmarkRow, ...]
    baselines: tuple[BaselineRow, ...]
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))


def benchmark_key(plan: str, code: str, period: str) -> str:
    return SEP.join([plan, "benchmark", code, period])


def baseline_key(plan: str, code: str) -> str:
    return SEP.join([plan, "baseline", code])


def _sheet(wb: Workbook, title: str, heading: str, columns, rows: list[dict[str, Any]], validations) -> None:
    ws = wb.create_sheet(title)
    ws.cell(1, 1, heading).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns) - 1)
    note = "请只在黄色单元格中填写；数值和来源须同时填写，未填写的行不做修改。"
    ws.cell(2, 1, note).font = Font(color="555555")
    letters = {key: get_column_letter(i + 1) for i, (key, *_rest) in enumerate(columns)}
    for i, (_key, header, width, is_input) in enumerate(columns, start=1):
        cell = ws.cell(HEADER_ROW, i, header)
        cell.font = Font(bold=True)
        cell.fill = _INPUT_FILL if is_input else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.column_dimensions[letters["key"]].hidden = True
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 3)
    unlocked = Protection(locked=False)
    for offset, values in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        for c, (key, _header, _w, is_input) in enumerate(columns, start=1):
            cell = ws.cell(r, c, values.get(key))
            cell.border = _BORDER
            if key in ("code", "key"):
                cell.number_format = "@"
            if is_input:
                cell.fill = _INPUT_FILL
                cell.protection = unlocked
    last = FIRST_DATA_ROW + len(rows) - 1
    for key, make in validations.items():
        if rows:
            dv = make()
            dv.showErrorMessage, dv.allow_blank = True, True
            dv.sqref = f"{letters[key]}{FIRST_DATA_ROW}:{letters[key]}{last}"
            ws.add_data_validation(dv)
    ws.protection.sheet = True
    ws.protection.sort = ws.protection.autoFilter = False
    ws.protection.formatColumns = ws.protection.formatRows = False
    if rows:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{letters['source']}{last}"


def _decimal() -> DataValidation:
    return DataValidation(type="decimal", operator="between", formula1="-1E+12", formula2="1E+12",
                          errorTitle="数值", error="请填写数字")  # fmt: skip


def _year() -> DataValidation:
    return DataValidation(type="whole", operator="between", formula1="1949", formula2="2100",
                          errorTitle="年份", error="请填写 1949–2100 之间的四位年份")  # fmt: skip


def write_office_template(data: OfficeTemplateData) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    bench_rows = [
        {
            "code": b.code, "name": b.name, "benchmark": b.benchmark, "period_label": b.period_label,
            "measure_unit": b.measure_unit, "current": b.current, "current_source": b.current_source,
            "key": benchmark_key(data.plan_code, b.code, b.period),
        }
        for b in data.benchmarks
    ]  # fmt: skip
    base_rows = [
        {
            "code": b.code, "name": b.name, "measure_unit": b.measure_unit,
            "hint": f"计划基期年份：{b.plan_baseline_year}年" if b.plan_baseline_year else "",
            "key": baseline_key(data.plan_code, b.code),
        }
        for b in data.baselines
    ]  # fmt: skip
    _sheet(wb, BENCHMARK_SHEET, f"{data.jurisdiction} 基准值录入表（截至{data.as_of}）", BENCHMARK_COLUMNS,
           bench_rows, {"value": _decimal})  # fmt: skip
    _sheet(wb, BASELINE_SHEET, f"{data.jurisdiction} 基期值录入表（尚无基期值的指标）", BASELINE_COLUMNS,
           base_rows, {"value": _decimal, "year": _year})  # fmt: skip
    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.column_dimensions["A"].width = 110
    for i, line in enumerate(HELP_TEXT, start=1):
        help_ws.cell(i, 1, line).alignment = Alignment(wrap_text=True)
    help_ws.cell(1, 1).font = Font(bold=True, size=14)
    help_ws.cell(len(HELP_TEXT) + 2, 1, f"计划：{data.plan_title}（{data.plan_code}）")
    help_ws.protection.sheet = True
    meta = wb.create_sheet(META_SHEET)
    for key, value in [("format", OFFICE_FORMAT), ("version", OFFICE_VERSION), ("plan", data.plan_code),
                       ("as_of", data.as_of), ("generated_at", str(data.generated_at))]:  # fmt: skip
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HELP_TEXT = [
    "质量办录入表填写说明",
    "",
    "1. “基准值”表列出目标以全省平均、省控目标等为基准的指标，每个应报送期间一行；灰色为现行基准值及其来源。",
    "2. 需要录入或更正的，在黄色的“基准值”“来源”中填写（两项须同时填写，来源写明文件或通报名称）；"
    "未填写的行不做修改。",
    "3. “基期值”表列出尚无基期值的指标；请填写基期值、基期年份和来源，录入后立即生效。",
    "4. 比率类指标填写百分数数值（如 98.5，也可写 98.5%）。",
    "5. 已锁定季度的基准值不能修改；计划首个填报季度锁定后基期值不能修改，须先解锁。",
    "6. 上传后系统先列出将要录入的内容；文件中有任何错误时不写入任何数据。所有录入均记入审计日志。",
]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class OfficeEntry:
    sheet: str
    row: int
    kind: str  # benchmark / baseline
    code: str
    value: float
    source: str
    period: str = ""  # benchmarks
    year: int | None = None  # baselines
    columns: dict[str, str] = field(default_factory=dict, compare=False)  # key → letter


@dataclass
class OfficeParsed:
    raw: RawWorkbook
    plan_code: str = ""
    entries: list[OfficeEntry] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)


def read_office(data: bytes, file_name: str) -> RawWorkbook:
    return read_workbook(data, file_name, headers=OFFICE_HEADERS)


def validate_office(
    raw: RawWorkbook, plan_code: str, benchmark_codes: set[str], codes: set[str]
) -> OfficeParsed:
    """Rows → entries; ``benchmark_codes``: indicators that take a benchmark, ``codes``: all of the plan."""
    result = OfficeParsed(raw, plan_code, errors=list(raw.errors))
    if raw.errors and not raw.rows:
        return result
    meta = raw.meta or {}
    if meta.get("format") != OFFICE_FORMAT:
        result.errors.append(FileError("not-template", params={"detail": "不是本系统下载的质量办录入表"}))
        return result
    if meta.get("plan") != plan_code:
        shown = meta.get("plan", "")
        result.errors.append(FileError("plan-mismatch", value=shown, params={"expected": plan_code}))
        return result
    seen: dict[str, int] = {}
    for row in raw.rows:
        entry = _validate_row(row, plan_code, benchmark_codes, codes, seen, result.errors)
        if entry is not None:
            result.entries.append(entry)
    return result


def _validate_row(
    row: RawRow, plan: str, benchmark_codes: set[str], codes: set[str], seen: dict[str, int], errors: list
) -> OfficeEntry | None:
    sheet, r = row.sheet, row.row
    found: list[WorkbookError] = []

    def cell_error(code: str, key: str, value: Any = None, **params: Any) -> None:
        found.append(CellError(code, sheet, r, row.letter(key), value, params))

    inputs = ("value", "year", "source")
    if all(is_blank(row.get(k)) for k in inputs if k in row.cells):
        return None  # nothing entered: nothing changes
    key_text = clean_text(row.get("key")) if not is_blank(row.get("key")) else ""
    parts = key_text.split(SEP) if key_text else []
    if not key_text:
        cell_error("missing-identifier", "key")
    elif parts[0] != plan or len(parts) not in (3, 4) or parts[1] not in ("benchmark", "baseline") or (
        (parts[1] == "benchmark") != (len(parts) == 4)
    ):
        cell_error("bad-identifier", "key", key_text)
    elif parts[2] not in codes:
        cell_error("unknown-indicator", "key", parts[2])
    elif parts[1] == "benchmark" and parts[2] not in benchmark_codes:
        cell_error("benchmark-not-needed", "key", parts[2])
    if found:
        errors.extend(found)
        return None
    kind, code = parts[1], parts[2]
    period = parts[3] if kind == "benchmark" else ""
    ident = SEP.join(parts[1:])
    if ident in seen:
        errors.append(RowError("duplicate-row", sheet, r, "", code, {"first_row": seen[ident]}))
        return None
    seen[ident] = r
    value = None
    cell = row.cells.get("value")
    try:
        number = parse_number(cell.value, percent_format=cell.percent) if cell is not None else None
        value = number.value if number is not None else None
    except CellProblem as problem:
        cell_error(problem.code, "value", problem.value)
    year = None
    if kind == "baseline":
        try:
            year = parse_year(row.get("year"))
        except CellProblem as problem:
            cell_error(problem.code, "year", problem.value)
    try:
        source = parse_text(row.get("source")) if not is_blank(row.get("source")) else ""
    except CellProblem as problem:
        cell_error(problem.code, "source", problem.value, detail=problem.value, limit=500)
        source = ""
    if not found:
        if value is None:
            cell_error("office-value-missing", "value")
        if kind == "baseline" and year is None:
            cell_error("baseline-incomplete", "year")
        if not source:
            cell_error("source-missing", "source")
    if found:
        errors.extend(found)
        return None
    return OfficeEntry(sheet, r, kind, code, float(value), source, period, year, dict(row.columns))
