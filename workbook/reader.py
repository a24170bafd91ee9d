"""Read an uploaded fill-in workbook safely, then validate it against a plan.

Two steps, both pure (no SQL):

1. :func:`read_workbook` checks the bytes (workbook/guard.py: size, zip directory, XML prolog,
   encryption, macros, file type, sheet count, every sheet's declared and real shape, shared
   strings) *before* any reader allocates, then reads the cells with python-calamine (fast,
   Rust). By default all of it runs in a separate process with a memory and time limit
   (workbook/sandbox.py), so a hostile file can only fail its own upload. The result is
   compact and picklable: per data sheet, the header's column map and calamine's row lists
   (:class:`RawSheet`), plus the facts calamine does not expose (percent-formatted cells,
   formula cells without a cached value, merged ranges), which the guard's scan supplies.
2. :func:`validate` works directly on those row lists: maps every row to (unit, indicator) of a
   :class:`PlanCatalogue` and turns cells into figures, collecting every error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbook import guard
from workbook import template as tpl
from workbook.cells import (
    CellProblem,
    ErrorValue,
    clean_text,
    control_char,
    is_blank,
    parse_date,
    parse_done,
    parse_int,
    parse_number,
    parse_text,
    parse_year,
    shown,
)
from workbook.errors import CellError, FileError, RowError, SheetError, WorkbookError
from workbook.guard import check_file  # noqa: F401 - re-exported (older callers)
from workbook.limits import (
    DEFAULT_BOUNDS,
    DONE_YEARS_AFTER_HORIZON,
    MAX_FILE_BYTES,  # noqa: F401 - re-exported
    MAX_ROWS,
    NOTE_MAX_CHARS,
    PARSE_MEMORY_BYTES,
    RANK_MAX,
    VALUE_BOUNDS,
    YEAR_MIN,
    fmt_limit,
    mib,
)

# Header texts (after clean_text) → column keys; template headers plus common variants.
HEADER_ALIASES: dict[str, str] = {header: key for key, header, _, _ in tpl.COLUMNS}
HEADER_ALIASES.update(
    {
        "单位": "unit",
        "责任单位": "unit",
        "牵头单位": "unit",
        "代码": "code",
        "指标编码": "code",
        "数值": "value",
        "本期数值": "value",
        "本季度值": "value",
        "完成值": "value",
        "本季度完成值": "value",
        "说明": "note",
        # format 1 templates: the value column's old header, and the benchmark column reporters no
        # longer fill in (the office enters benchmarks): read only to refuse a filled-in cell
        "本季度数值": "value",
        "基准值": "benchmark_value",
    }
)
INPUT_KEYS = ("value", "field_size", "benchmark_value", "done_on", "baseline_value", "baseline_year", "note")


# --------------------------------------------------------------------------- what is read


@dataclass(frozen=True)
class RawCell:
    value: Any
    column: str  # letter
    percent: bool = False
    formula_without_value: bool = False


@dataclass(frozen=True)
class RawRow:
    """One row as cells (built on demand from a :class:`RawSheet`; the office template reads these)."""

    sheet: str
    row: int
    cells: Mapping[str, RawCell]
    columns: Mapping[str, str]  # key → letter of the sheet's columns

    def get(self, key: str) -> Any:
        cell = self.cells.get(key)
        return None if cell is None else cell.value

    def letter(self, key: str) -> str:
        return self.columns.get(key, "")


@dataclass
class RawSheet:
    """A data sheet as calamine read it: the rows below the header, as lists."""

    title: str
    header_row: int  # Excel row number of the header
    columns: dict[str, int]  # key → 0-based column index
    data: list[Sequence[Any]] = field(default_factory=list)  # rows header_row+1 … (Excel numbering)
    percent: set[tuple[int, str]] = field(default_factory=set)
    formula_without_value: set[tuple[int, str]] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)

    @property
    def letters(self) -> dict[str, str]:
        return {key: guard.col_letter(c + 1) for key, c in self.columns.items()}

    @property
    def first_row(self) -> int:
        return self.header_row + 1


@dataclass
class RawWorkbook:
    file_name: str
    sha256: str
    size: int
    meta: dict[str, str] | None = None
    data_sheets: list[RawSheet] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    task_sheets: list[RawSheet] = field(default_factory=list)  # 重点任务 (workbook/tasks_sheet.py)
    _rows: list[RawRow] | None = field(default=None, repr=False, compare=False)

    @property
    def is_template(self) -> bool:
        return bool(self.meta) and self.meta.get("format") == tpl.FORMAT_NAME

    @property
    def has_rows(self) -> bool:
        return any(
            _is_filled(sheet, values, sheet.first_row + i)
            for sheet in self.data_sheets
            for i, values in enumerate(sheet.data)
        )

    @property
    def rows(self) -> list[RawRow]:
        """Every non-empty data row as :class:`RawRow` (built once, on demand)."""
        if self._rows is None:
            self._rows = [row for sheet in self.data_sheets for row in _raw_rows(sheet)]
        return self._rows

    @property
    def codes(self) -> set[str]:
        codes = set()
        for sheet in self.data_sheets:
            key_i, code_i = sheet.columns.get("key"), sheet.columns.get("code")
            for values in sheet.data:
                key = _at(values, key_i)
                parts = tpl.split_key(clean_text(key)) if isinstance(key, str) and key.strip() else None
                code = (
                    parts[3]
                    if parts
                    else (clean_text(_at(values, code_i) or "") if code_i is not None else "")
                )
                if code:
                    codes.add(code)
        return codes


def where_in_sheet(raw: RawWorkbook, sheet: str, row: int | None, column: str) -> tuple[str, str]:
    """An error's column header (``填报数值``) and its row's indicator code, for the error table:
    "第 4 行，H 列" alone sent a clerk counting columns. ``("", "")`` where there is none (a
    file-level error, a row above the data, an unknown column)."""
    found = next((s for s in raw.data_sheets if s.title == sheet), None)  # not the 重点任务 sheets
    if found is None:
        return "", ""
    by_letter = {letter: key for key, letter in found.letters.items()}
    header = tpl.HEADERS.get(by_letter.get(column, ""), "") if column else ""
    code = ""
    if row is not None and 0 <= row - found.first_row < len(found.data):
        values = list(found.data[row - found.first_row])
        key = _at(values, found.columns.get("key"))
        parts = tpl.split_key(clean_text(key)) if isinstance(key, str) and key.strip() else None
        value = parts[3] if parts else _at(values, found.columns.get("code"))
        code = clean_text(value)[:40] if isinstance(value, str) else ""  # a hostile cell: shown short
    return header, code


def _at(values: list[Any], index: int | None) -> Any:
    if index is None or index >= len(values):
        return None
    value = values[index]
    return None if value == "" else value


def _is_filled(sheet: RawSheet, values: list[Any], r: int) -> bool:
    for c in sheet.columns.values():
        if _at(values, c) is not None:
            return True
    if sheet.formula_without_value:
        letters = sheet.letters
        return any((r, letters[key]) in sheet.formula_without_value for key in sheet.columns)
    return False


def _raw_rows(sheet: RawSheet) -> list[RawRow]:
    letters = sheet.letters
    out = []
    for i, values in enumerate(sheet.data):
        r = sheet.first_row + i
        if not _is_filled(sheet, values, r):
            continue
        cells = {
            key: RawCell(
                _at(values, c),
                letters[key],
                (r, letters[key]) in sheet.percent,
                (r, letters[key]) in sheet.formula_without_value,
            )
            for key, c in sheet.columns.items()
        }
        out.append(RawRow(sheet.title, r, cells, letters))
    return out


# --------------------------------------------------------------------------- reading


def _find_header(
    rows: list[list[Any]], headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, int]] | None:
    aliases = HEADER_ALIASES if headers is None else headers
    for r, cells in enumerate(rows[:20]):
        mapping: dict[str, int] = {}
        for c, value in enumerate(cells):
            if isinstance(value, str):
                key = aliases.get(clean_text(value).replace(" ", ""))
                if key and key not in mapping:
                    mapping[key] = c
        if "code" in mapping or "key" in mapping:
            return r, mapping
    return None


def read_workbook(
    data: bytes,
    file_name: str,
    headers: Mapping[str, str] | None = None,
    *,
    isolated: bool = True,
    on_meta: Callable[[dict[str, str] | None], None] | None = None,
) -> RawWorkbook:
    """Safety checks, then every data sheet's rows. Never raises for a bad file.

    ``headers`` maps header texts to column keys (default: the unit template's, HEADER_ALIASES;
    the office template passes its own, workbook/office.py). ``isolated`` (the default) runs the
    checks and the parse in a separate process with memory and time limits (workbook/sandbox.py);
    ``isolated=False`` runs the same code in this process (the worker itself, benchmarks).
    ``on_meta``: see :func:`parse_file` (called at most once, possibly never).
    """
    if isolated:
        from workbook.sandbox import read_isolated

        return read_isolated(data, file_name, headers, on_meta=on_meta)
    inspection = scan_file(data, file_name)
    if inspection.errors:
        return refused(data, file_name, inspection.errors)
    raw = parse_file(data, file_name, headers, on_meta)
    apply_facts(raw, inspection)
    return raw


def refused(data: bytes, file_name: str, errors: list[WorkbookError]) -> RawWorkbook:
    """A workbook that was not read: only the safety checks' errors."""
    raw = RawWorkbook(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    raw.errors.extend(errors)
    return raw


def scan_file(data: bytes, file_name: str) -> guard.Inspection:
    """The safety checks (workbook/guard.py) and the facts calamine does not give. Never raises.

    Split from :func:`parse_file` so that the two can run at the same time in two worker
    processes (workbook/sandbox.py); a file the scan refuses is never used, whatever its parse gave.
    """
    errors = check_file(data, file_name)
    if errors:
        return guard.Inspection(errors=list(errors))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            inspection, _paths = guard.inspect(zf)
    except Exception as exc:  # noqa: BLE001 - a corrupt file must become an error, never a crash
        detail = f"{type(exc).__name__}: {exc}"[:200]
        return guard.Inspection(errors=[FileError("unreadable", params={"detail": detail})])
    return inspection


def parse_file(
    data: bytes,
    file_name: str,
    headers: Mapping[str, str] | None = None,
    on_meta: Callable[[dict[str, str] | None], None] | None = None,
) -> RawWorkbook:
    """Every data sheet's rows as python-calamine reads them (no safety checks: see :func:`scan_file`).

    ``on_meta`` is called once with the template's 说明 sheet (None: there is none) as soon as it
    is read, before the data sheets: the parsing worker sends it ahead so that the caller can read
    the plan's catalogue meanwhile (services/imports/prefetch.py).
    """
    raw = RawWorkbook(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        _read(raw, data, headers, on_meta)
    except MemoryError:
        raw.data_sheets.clear()
        raw.task_sheets.clear()
        raw.errors.append(FileError("parse-memory", params={"limit": mib(PARSE_MEMORY_BYTES)}))
    except Exception as exc:  # noqa: BLE001 - a corrupt file must become an error, never a crash
        raw.data_sheets.clear()
        raw.task_sheets.clear()
        raw.errors.append(FileError("unreadable", params={"detail": f"{type(exc).__name__}: {exc}"[:200]}))
    return raw


def apply_facts(raw: RawWorkbook, inspection: guard.Inspection) -> None:
    """The scan's percent-formatted cells, formula cells without a value and merged ranges, per sheet."""
    for sheet in raw.data_sheets:
        facts = inspection.sheets.get(sheet.title)
        if facts is not None:
            sheet.percent, sheet.formula_without_value = facts.percent, facts.formula_without_value
            sheet.merged = facts.merged
            _mark_error_values(sheet, facts.error_values)
    for sheet in raw.task_sheets:
        facts = inspection.sheets.get(sheet.title)
        if facts is not None:
            sheet.formula_without_value, sheet.merged = facts.formula_without_value, facts.merged
            _mark_error_values(sheet, facts.error_values)
    raw._rows = None


def _mark_error_values(sheet: RawSheet, found: dict[tuple[int, str], str]) -> None:
    """Put each error value the scan found (#DIV/0! …) into its cell as an :class:`ErrorValue`,
    where calamine left it empty: the parsers refuse it, naming the cell."""
    first = sheet.first_row
    for (r, letter), text in found.items():
        i = r - first
        if not 0 <= i < len(sheet.data):
            continue  # above the data (the header, the title) or beyond it
        c = guard.col_number(letter) - 1
        row = sheet.data[i]
        if not isinstance(row, list):
            row = sheet.data[i] = list(row)
        if c >= len(row):
            row.extend([""] * (c + 1 - len(row)))
        row[c] = ErrorValue(text)


def _read(
    raw: RawWorkbook,
    data: bytes,
    headers: Mapping[str, str] | None = None,
    on_meta: Callable[[dict[str, str] | None], None] | None = None,
) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    raw.sheets = list(book.sheet_names)
    if tpl.META_SHEET in raw.sheets:
        meta_rows = book.get_sheet_by_name(tpl.META_SHEET).to_python(skip_empty_area=False)
        raw.meta = {
            clean_text(r[0]): clean_text(r[1]) if r[1] is not None else ""
            for r in meta_rows
            if len(r) >= 2 and isinstance(r[0], str) and r[0]
        }
    if on_meta is not None:
        on_meta(raw.meta)
    found = False
    for title in raw.sheets:
        if title == tpl.META_SHEET:
            continue
        rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        header = _find_header(rows, headers)
        if header is None:
            if headers is None and raw.meta is not None:
                _read_task_sheet(raw, title, rows)
            continue
        found = True
        header_index, columns = header
        if raw.meta is not None:
            _check_sheet_period(raw, title, rows[:header_index])
            for key in ("value", "key"):
                if key not in columns:
                    raw.errors.append(
                        SheetError(
                            "header-missing",
                            title,
                            header_index + 1,
                            "",
                            params={"expected": tpl.HEADERS[key]},
                        )
                    )
        elif "value" not in columns:
            raw.errors.append(
                SheetError(
                    "header-missing", title, header_index + 1, "", params={"expected": tpl.HEADERS["value"]}
                )
            )
        if len(rows) - header_index - 1 > MAX_ROWS:
            raw.errors.append(
                SheetError(
                    "file-too-large", title, params={"detail": f"{len(rows)} 行", "limit": f"{MAX_ROWS} 行"}
                )
            )
            continue
        sheet = RawSheet(title, header_index + 1, columns, rows[header_index + 1 :])
        if headers is None:
            _compact(sheet)
        raw.data_sheets.append(sheet)
    if not found:
        raw.errors.append(
            FileError(
                "no-data-sheet" if raw.meta is not None else "not-template",
                params={"detail": "没有找到含“指标代码”列的工作表"},
            )
        )


_READ_KEYS = frozenset(INPUT_KEYS) | {"key", "code", "unit"}  # what validation reads of a unit template


def _compact(sheet: RawSheet) -> None:
    """Only what validation reads leaves the parsing process: shown-only cells (指标名称, 目标, 统计口径 …)
    become ``True`` when filled (validation only asks whether a row has anything in a mapped column),
    cells right of the last mapped column are dropped, each row becomes a tuple, and the unit and
    code cells, which repeat a few names on every row, share one string object per text (pickle
    sends each once). Less to pickle, to send and to hold."""
    shown_only = [c for key, c in sheet.columns.items() if key not in _READ_KEYS]
    repeated = [c for key, c in sheet.columns.items() if key in ("unit", "code")]
    width = max(sheet.columns.values(), default=-1) + 1
    texts: dict[str, str] = {}
    data = sheet.data
    for i, values in enumerate(data):
        values = values[:width]
        n = len(values)
        for c in shown_only:
            if c < n:
                value = values[c]
                if value is not None and value != "":
                    values[c] = True
        for c in repeated:
            if c < n and isinstance(values[c], str):
                values[c] = texts.setdefault(values[c], values[c])
        data[i] = tuple(values)


def _read_task_sheet(raw: RawWorkbook, title: str, rows: list[list[Any]]) -> None:
    """A unit template's 重点任务 sheet (found by its header), kept as calamine's rows."""
    from workbook.tasks_sheet import header_of

    header = header_of(rows)
    if header is None:
        return
    header_index, columns = header
    _check_sheet_period(raw, title, rows[:header_index])
    if len(rows) - header_index - 1 > MAX_ROWS:
        size = {"detail": f"{len(rows)} 行", "limit": f"{MAX_ROWS} 行"}
        raw.errors.append(SheetError("file-too-large", title, params=size))
        return
    raw.task_sheets.append(RawSheet(title, header_index + 1, columns, rows[header_index + 1 :]))


def _check_sheet_period(raw: RawWorkbook, title: str, top_rows: list[list[Any]]) -> None:
    expected = (raw.meta or {}).get("period", "")
    accepted = {expected, tpl.quarter_label(expected)}  # in words (2026年第3季度); earlier: 2026Q3
    for r, cells in enumerate(top_rows):
        for c, value in enumerate(cells[:-1]):
            if isinstance(value, str) and clean_text(value) == tpl.PERIOD_LABEL:
                cell = cells[c + 1]
                text = clean_text(cell) if cell is not None else ""
                if text not in accepted:
                    raw.errors.append(
                        SheetError(
                            "sheet-period-mismatch",
                            title,
                            r + 1,
                            guard.col_letter(c + 2),
                            shown(text),
                            {"expected": tpl.quarter_label(expected)},  # in words, as the sheet says it
                        )
                    )
                return


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    name: str
    measure_kind: str
    measure_unit: str = ""
    benchmark: str = ""  # a benchmark-relative target in force names it (全省平均)
    has_baseline: bool = False
    whole_items: bool = False  # indivisible counts (家, 个, 件): a figure of 2.5 家 is refused
    takes_baseline: bool = True  # False: 新增类 (0 by definition), milestones, ranks: no 基期值 cell


@functools.lru_cache(maxsize=4096)
def _clean_name(name: str) -> str:
    """clean_text of a unit name (pure; a file repeats the same few names on every row)."""
    return clean_text(name)


@dataclass(frozen=True)
class PlanCatalogue:
    """What validation needs to know about a plan (built from the database by the service)."""

    plan_code: str
    jurisdiction: str
    indicators: Mapping[str, IndicatorInfo]
    unit_names: Mapping[str, str]  # any spelling (name or alias) → canonical name
    reports: Mapping[str, frozenset[str]]  # canonical unit name → codes it reports
    baseline_year: int = 0  # the plan's span, for dates and years (0: not checked)
    last_year: int = 0

    def unit(self, name: str) -> str | None:
        return self.unit_names.get(_clean_name(name))

    @property
    def done_span(self) -> tuple[dt.date, dt.date] | None:
        if not self.baseline_year or not self.last_year:
            return None
        return dt.date(self.baseline_year, 1, 1), dt.date(self.last_year + DONE_YEARS_AFTER_HORIZON, 12, 31)


@dataclass(slots=True)
class ParsedRow:
    """A validated row. Not frozen: a frozen dataclass's ``__init__`` sets every field through
    ``object.__setattr__`` (0.9 µs a row against 0.13 µs, 8 ms of a 10,000-row upload); nothing
    changes a row once validated."""

    sheet: str
    row: int
    unit_name: str
    code: str
    value: float | None = None
    field_size: int | None = None
    benchmark_value: float | None = None
    done_on: dt.date | None = None
    note: str = ""
    baseline_value: float | None = None
    baseline_year: int | None = None
    period: str = ""  # the period the figure is for ("" = the template's quarter)

    @property
    def has_figure(self) -> bool:
        return self.value is not None

    @property
    def has_baseline(self) -> bool:
        return self.baseline_value is not None and self.baseline_year is not None


@dataclass
class ParsedWorkbook:
    raw: RawWorkbook
    plan_code: str
    period: str
    unit_name: str  # the template's unit ("" for an all-units workbook)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Sheet:
    """What validating one sheet's rows needs, looked up once."""

    def __init__(self, sheet: RawSheet) -> None:
        self.title = sheet.title
        self.columns = sheet.columns
        self.letters = sheet.letters
        self.percent = sheet.percent
        self.no_value = sheet.formula_without_value
        self.inputs = [(key, sheet.columns[key]) for key in INPUT_KEYS if key in sheet.columns]
        self.checked = list(sheet.columns.items())  # a row with any mapped cell filled is read
        self.checked_at = tuple(sheet.columns.values())
        # the columns every row reads, looked up once (None: not in this sheet)
        get = sheet.columns.get
        self.key_at, self.value_at, self.note_at = get("key"), get("value"), get("note")
        self.benchmark_at, self.baseline_value_at = get("benchmark_value"), get("baseline_value")
        self.baseline_year_at = get("baseline_year")
        self.units: dict[str, str | None] = {}  # unit text as written → PlanCatalogue.unit
        self.usual_kinds: dict[str, tuple[float, float, bool, bool] | None] = {}  # code → _usual_kind
        self.field_size_at = get("field_size")
        # cells that must be empty for _usual_row: the office's 全省平均, the baseline's two cells
        self.empty_at = tuple(
            at for at in (self.benchmark_at, self.baseline_value_at, self.baseline_year_at) if at is not None
        )
        self.guarded = {
            c + 1 for k, c in sheet.columns.items() if k in INPUT_KEYS or k in ("key", "code", "unit")
        }


def validate(
    raw: RawWorkbook,
    catalogue: PlanCatalogue,
    period: str,
    unit_name: str = "",
    allowed_units: set[str] | None = None,
    owed: Mapping[str, str | None] | None = None,
) -> ParsedWorkbook:
    """Map rows to (unit, indicator) and read their values; every error is collected.

    ``unit_name`` is the template's unit (rows of other units are refused);
    ``allowed_units`` (canonical names), when given, limits the units the
    uploader may report for. ``owed`` maps indicator codes to the period the template of
    ``period`` asks the figure for (None: nothing due; ``indicators.due.owed_in_template``):
    each row is read as the figure of that period; a filled-in row of an indicator with
    nothing due is refused, an empty one skipped. Without ``owed`` every row is for ``period``.
    """
    result = ParsedWorkbook(raw, catalogue.plan_code, period, unit_name, errors=list(raw.errors))
    seen: dict[tuple[str, str], int] = {}
    version = (raw.meta or {}).get("version", "") if raw.is_template else ""
    template_unit = catalogue.unit(unit_name) if unit_name else None
    for sheet in raw.data_sheets:
        info = _Sheet(sheet)
        merged = _merged_inputs(sheet, info)
        result.errors.extend(merged)
        first_row, checked_at = sheet.first_row, info.checked_at
        for i, values in enumerate(sheet.data):
            r = first_row + i
            if not _any_filled(values, checked_at) and not (
                info.no_value and any((r, info.letters[k]) in info.no_value for k, _ in info.checked)
            ):
                continue
            parsed = _usual_row(values, r, info, catalogue, period, unit_name, template_unit,
                                allowed_units, seen, owed, version)  # fmt: skip
            if parsed is not None:
                result.rows.append(parsed)
                continue
            errors: list[WorkbookError] = []
            parsed = _validate_row(
                values,
                r,
                info,
                catalogue,
                period,
                unit_name,
                template_unit,
                allowed_units,
                seen,
                errors,
                owed,
                version,
            )
            if errors:
                result.errors.extend(errors)
            elif parsed is not None:
                result.rows.append(parsed)
    if any(e.code == "merged-cell" for e in result.errors):  # a merged range is refused once, as such
        covered = {
            cell for sheet in raw.data_sheets for ref in sheet.merged for cell in _cells_of(sheet.title, ref)
        }
        result.errors = [
            e for e in result.errors if e.code == "merged-cell" or (e.sheet, e.row, e.column) not in covered
        ]
    return result


def _any_filled(values: Sequence[Any], columns: tuple[int, ...]) -> bool:
    """Whether any of ``columns`` has a value (``_at`` is not None), without a call per cell."""
    n = len(values)
    for c in columns:
        if c < n:
            value = values[c]
            if value is not None and value != "":
                return True
    return False


def _cells_of(title: str, ref: str) -> set[tuple[str, int, str]]:
    first, _, last = ref.partition(":")
    c1, r1 = _split_ref(first)
    c2, r2 = _split_ref(last or first)
    if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) > 10_000:
        return set()
    return {
        (title, r, guard.col_letter(c))
        for r in range(min(r1, r2), max(r1, r2) + 1)
        for c in range(min(c1, c2), max(c1, c2) + 1)
    }


def _merged_inputs(sheet: RawSheet, info: _Sheet) -> list[WorkbookError]:
    """Merged ranges that cover an input or identifier cell of a data row: refused, range named."""
    errors = []
    wanted = info.guarded
    for ref in sheet.merged:
        first, _, last = ref.partition(":")
        last = last or first
        c1, r1 = _split_ref(first)
        c2, r2 = _split_ref(last)
        if max(r1, r2) <= sheet.header_row:
            continue  # the title row
        if not any(min(c1, c2) <= c <= max(c1, c2) for c in wanted):
            continue
        top, left = max(min(r1, r2), sheet.first_row), min(c1, c2)
        errors.append(CellError("merged-cell", sheet.title, top, guard.col_letter(left), ref))
    return errors


def _split_ref(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    return guard.col_number(letters) if letters else 0, int(digits or 0)


def _usual_row(
    values: Sequence[Any],
    r: int,
    sheet: _Sheet,
    cat: PlanCatalogue,
    period: str,
    template_unit_name: str,
    template_unit: str | None,
    allowed: set[str] | None,
    seen: dict[tuple[str, str], int],
    owed: Mapping[str, str | None] | None,
    version: str,
) -> ParsedRow | None:
    """The usual row of a template, read in one pass; None: anything else (read by _validate_row).

    The usual row: a well-formed identifier of this plan and the period owed, a known indicator
    reported by a known unit the uploader may report for, seen for the first time, a plain number
    within the kind's bounds in 本期数值 (not %-formatted, whole where the indicator counts items;
    for a rank, whole with the number of units ranked; not a milestone), no baseline, no
    benchmark, no formula without a value, and an empty note or a plain one. It is what
    ``_validate_row`` returns for such a row, without its per-row closures and checks (≈ 3× faster
    on a 10,000-row upload). Whenever a condition does not hold this returns None before changing
    anything (``seen`` included) and ``_validate_row`` reads the row from the start, with its
    errors; tests/test_usual_row.py holds the two to the same answers on every combination of
    cells."""
    n = len(values)
    key_at, value_at = sheet.key_at, sheet.value_at
    if key_at is None or value_at is None or key_at >= n or value_at >= n or sheet.no_value:
        return None
    key_value = values[key_at]
    if type(key_value) is not str:  # noqa: E721 - a plain str: not an ErrorValue
        return None
    key_text = clean_text(key_value)
    parts = key_text.split(tpl.KEY_SEPARATOR)
    if len(parts) != 4 or control_char(key_text) is not None:  # a unit name with "|": the long way
        return None
    plan_code, row_period, unit_text, code = parts
    if plan_code != cat.plan_code or not row_period or not unit_text:
        return None
    figure_period = period if owed is None else owed.get(code, period)
    if figure_period is None or (figure_period != period and version == "1"):
        return None
    if row_period != (period if owed is None or version == "1" else figure_period):
        return None
    kinds = sheet.usual_kinds
    if code in kinds:
        usual = kinds[code]
    else:
        usual = kinds[code] = _usual_kind(cat.indicators.get(code))
    if usual is None:
        return None
    low, high, whole, rank = usual
    units = sheet.units
    if unit_text in units:
        unit = units[unit_text]
    else:
        unit = units[unit_text] = cat.unit(unit_text)
    if unit is None or (template_unit_name and unit != template_unit):
        return None
    if code not in cat.reports.get(unit, ()) or (allowed is not None and unit not in allowed):
        return None
    if (unit, code) in seen:
        return None
    value = values[value_at]
    if type(value) is not float:  # noqa: E721 - not a bool, not text
        return None
    field_size = None
    if rank:  # a rank and the number of units ranked, both whole, 1 ≤ rank ≤ field ≤ RANK_MAX
        size_at = sheet.field_size_at
        size = values[size_at] if size_at is not None and size_at < n else None
        if type(size) is not float or not 1 <= value <= size <= RANK_MAX:  # noqa: E721 - NaN fails
            return None
        if value != int(value) or size != int(size):
            return None
        field_size = int(size)
    else:
        if not low <= value <= high:  # NaN fails
            return None
        if whole and value != int(value):
            return None
        if sheet.percent and (r, sheet.letters["value"]) in sheet.percent:
            return None
    for at in sheet.empty_at:
        if at < n and values[at] is not None and values[at] != "":
            return None
    note = ""
    note_at = sheet.note_at
    if note_at is not None and note_at < n:
        cell = values[note_at]
        if cell is not None and cell != "":
            if type(cell) is not str:  # noqa: E721 - numbers, error values: parse_text words them
                return None
            note = cell.strip()
            if len(note) > NOTE_MAX_CHARS or control_char(note) is not None:
                return None
    seen[(unit, code)] = r
    return ParsedRow(
        sheet.title, r, unit, code, value, field_size, None, None, note, None, None, figure_period
    )


def _usual_kind(indicator: IndicatorInfo | None) -> tuple[float, float, bool, bool] | None:
    """For an indicator _usual_row reads: its value bounds, whether items are whole, whether it is a
    rank. None: unknown, or a milestone (its 已完成 text and date are read the long way)."""
    if indicator is None or indicator.measure_kind == "milestone":
        return None
    low, high = VALUE_BOUNDS.get(indicator.measure_kind, DEFAULT_BOUNDS)
    return low, high, bool(indicator.whole_items), indicator.measure_kind == "rank"


def _validate_row(
    values: list[Any],
    r: int,
    sheet: _Sheet,
    cat: PlanCatalogue,
    period: str,
    template_unit_name: str,
    template_unit: str | None,
    allowed: set[str] | None,
    seen: dict[tuple[str, str], int],
    errors: list[WorkbookError],
    owed: Mapping[str, str | None] | None = None,
    version: str = "",
) -> ParsedRow | None:
    title, columns, letters = sheet.title, sheet.columns, sheet.letters

    def get(key: str) -> Any:
        return _at(values, columns.get(key))

    def cell_error(code: str, key: str, value: Any = None, **params: Any) -> None:
        errors.append(CellError(code, title, r, letters.get(key, ""), value, params))

    # identify the row -----------------------------------------------------
    key_value = _at(values, sheet.key_at)
    key_text = "" if key_value is None else clean_text(key_value)  # is_blank, cleaned once
    if key_text:
        parts = tpl.split_key(key_text) if control_char(key_text) is None else None
        if parts is None or parts[0] != cat.plan_code:
            cell_error("bad-identifier", "key", shown(key_text))
            return None
        _plan, row_period, unit_text, code = parts
        # format 1 identifiers carry the template's quarter, later ones the figure's period
        expected = period if owed is None or version == "1" else owed.get(code, period)
        if expected is not None and row_period != expected:  # None: nothing due, handled below
            cell_error("row-period-mismatch", "key", shown(row_period), expected=expected)
            return None
        code_column = "key"
    else:
        if "key" in columns:
            cell_error("missing-identifier", "key")
            return None
        code_value = get("code")
        code = clean_text(code_value) if not is_blank(code_value) else ""
        if not code:
            cell_error("missing-identifier", "code")
            return None
        unit_value = get("unit")
        unit_text = clean_text(unit_value) if not is_blank(unit_value) else template_unit_name
        code_column = "code"
    indicator = cat.indicators.get(code)
    if indicator is None:
        cell_error("unknown-indicator", code_column, shown(code))
        return None
    units = sheet.units
    if unit_text in units:
        unit = units[unit_text]
    else:
        unit = units[unit_text] = cat.unit(unit_text) if unit_text else None
    if unit is None:
        errors.append(RowError("unit-unknown", title, r, "", shown(unit_text) if unit_text else "（空）"))
        return None
    if template_unit_name and unit != template_unit:
        errors.append(RowError("unit-mismatch", title, r, "", unit, {"expected": template_unit_name}))
        return None
    if code not in cat.reports.get(unit, frozenset()):
        errors.append(RowError("not-reported-by-unit", title, r, "", code, {"unit": unit}))
        return None
    if allowed is not None and unit not in allowed:
        errors.append(RowError("permission-denied", title, r, "", code, {"unit": unit}))
        return None
    if (unit, code) in seen:
        errors.append(
            RowError("duplicate-row", title, r, "", code, {"unit": unit, "first_row": seen[(unit, code)]})
        )
        return None
    seen[(unit, code)] = r
    kind = indicator.measure_kind
    figure_period = period if owed is None else owed.get(code, period)
    if figure_period != period and (figure_period is None or version == "1"):
        # nothing due in this quarter, or (format 1) the figure is now owed for another period
        filled = [key for key, _ in sheet.inputs if not is_blank(get(key))]
        if not filled:
            return None  # an empty row of an indicator with nothing to report here
        if figure_period is None:
            cell_error("not-due", filled[0], code, period=period)
        else:
            cell_error("owed-for-other-period", filled[0], code, owed=figure_period)
        return None
    if sheet.benchmark_at is not None and not is_blank(get("benchmark_value")):
        cell_error("benchmark-by-office", "benchmark_value", shown(get("benchmark_value")))

    # read the cells -------------------------------------------------------
    if sheet.no_value:
        for key, _ in sheet.inputs:
            if (r, letters[key]) in sheet.no_value:
                cell_error("formula-no-value", key)
    if errors:
        return None

    def attempt(func, key: str, *args):
        try:
            return func(get(key), *args)
        except CellProblem as problem:
            cell_error(problem.code, key, shown(problem.value), **problem.params)
            return None

    value: float | None = None
    field_size = done_on = None
    if kind == "milestone":
        done = attempt(parse_done, "value")
        if done is not None:
            value = 1.0 if done else 0.0
            if done:
                done_on = attempt(parse_date, "done_on")
                if done_on is None and not errors:
                    cell_error("missing-done-date", "done_on")
                span = cat.done_span
                if done_on is not None and span is not None and not span[0] <= done_on <= span[1]:
                    cell_error(
                        "date-out-of-span",
                        "done_on",
                        done_on.isoformat(),
                        low=span[0].isoformat(),
                        high=span[1].isoformat(),
                    )
    elif kind == "rank":
        rank = attempt(parse_int, "value", "rank-invalid")
        if rank is not None and rank < 1:
            cell_error("rank-invalid", "value", shown(get("value")))
        elif rank is not None and rank > RANK_MAX:
            cell_error("value-out-of-range", "value", rank, low=1, high=fmt_limit(RANK_MAX))
        size = attempt(parse_int, "field_size", "field-size-invalid")
        if size is not None and size > RANK_MAX:
            cell_error("value-out-of-range", "field_size", size, low=1, high=fmt_limit(RANK_MAX))
        elif rank is not None and size is None and not errors:
            cell_error("missing-field-size", "field_size")
        elif size is not None and rank is not None and size < max(rank, 1) and not errors:
            cell_error("field-size-invalid", "field_size", shown(get("field_size")))
        value = float(rank) if rank is not None else None
        field_size = size
    else:
        raw_value = _at(values, sheet.value_at)
        low, high = VALUE_BOUNDS.get(kind, DEFAULT_BOUNDS)
        if (
            type(raw_value) is float  # noqa: E721 - exactly a float: not a bool, not a subclass
            and low <= raw_value <= high  # False for NaN
            and not (sheet.percent and (r, letters["value"]) in sheet.percent)
        ):
            value = raw_value  # the usual cell: what parse_number and _read_number would return
        else:
            value = _number_at(sheet, values, r, "value", kind, cell_error)
    benchmark_value = None  # entered by the office (services.benchmarks), never read from a unit's file
    baseline_value = None
    # optional cells: an empty one (None, or "" which _at makes None) is not parsed at all
    if _at(values, sheet.baseline_value_at) is not None:
        baseline_value = _number_at(
            sheet, values, r, "baseline_value", kind if kind != "milestone" else "level", cell_error
        )
    baseline_year = (
        attempt(parse_year, "baseline_year") if _at(values, sheet.baseline_year_at) is not None else None
    )
    if baseline_year is not None and cat.last_year and baseline_year > cat.last_year:
        cell_error("year-out-of-span", "baseline_year", baseline_year, low=YEAR_MIN, high=cat.last_year)
    if not indicator.takes_baseline and (baseline_value is not None or baseline_year is not None):
        cell_error("baseline-not-taken", "baseline_value" if baseline_value is not None else "baseline_year")
    elif (baseline_value is None) != (baseline_year is None) and not errors:
        cell_error("baseline-incomplete", "baseline_year" if baseline_year is None else "baseline_value")
    note = (attempt(parse_text, "note") or "") if _at(values, sheet.note_at) is not None else ""
    if indicator.whole_items:  # "实际新增 2.5 家，已达标" was a verdict on a figure nobody can have
        for key, number in (("value", value), ("baseline_value", baseline_value)):
            if number is not None and number != int(number):
                cell_error("not-whole", key, shown(get(key)), unit=indicator.measure_unit)
    if errors:
        return None
    return ParsedRow(
        title,
        r,
        unit,
        code,
        value,
        field_size,
        benchmark_value,
        done_on if value else None,
        note,
        baseline_value,
        baseline_year,
        figure_period or period,
    )


def _number_at(sheet: _Sheet, values: list[Any], r: int, key: str, kind: str, cell_error) -> float | None:
    c = sheet.columns.get(key)
    if c is None:
        return None
    percent = bool(sheet.percent) and (r, sheet.letters[key]) in sheet.percent
    return _read_number(_at(values, c), percent, key, kind, cell_error)


def _number(row: RawRow, key: str, kind: str, cell_error) -> float | None:
    """The number of a :class:`RawRow`'s cell (kept for callers working on RawRow)."""
    cell = row.cells.get(key)
    if cell is None:
        return None
    return _read_number(cell.value, cell.percent, key, kind, cell_error)


def _read_number(raw_value: Any, percent: bool, key: str, kind: str, cell_error) -> float | None:
    try:
        number = parse_number(raw_value, percent_format=percent)
    except CellProblem as problem:
        cell_error(problem.code, key, shown(problem.value), **problem.params)
        return None
    if number is None:
        return None
    low, high = VALUE_BOUNDS.get(kind, DEFAULT_BOUNDS)
    value = number.value
    if low <= value <= high and not (number.percent and kind not in ("rate", "change")):
        return value  # the usual case: no message to word
    text = shown(raw_value) if not percent else f"{value:g}%"
    if number.percent and kind not in ("rate", "change"):
        cell_error("percent-not-allowed", key, text)
    elif kind == "rate":
        cell_error("rate-out-of-range", key, text)
    elif low == 0 and value < 0:
        cell_error("negative-value", key, text)
    else:
        cell_error("value-out-of-range", key, text, low=fmt_limit(low), high=fmt_limit(high))
    return None
