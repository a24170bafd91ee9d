"""Read an uploaded fill-in workbook safely, then validate it against a plan.

Two steps, both pure (no SQL):

1. :func:`read_workbook` checks the bytes (size, zip directory, XML prolog,
   encryption, macros, file type) *before* opening anything, then reads the
   cells with python-calamine (fast, Rust) into a :class:`RawWorkbook`.
   Calamine does not expose two facts we need, so a light regex pass over the
   data sheet's XML supplies them, and only when the file can have them:
   which cells carry a percent number format (``0.985`` shown as 98.5%), and
   which formula cells have no cached value (rejected). openpyxl is not used
   for reading at all: it is 5–10× slower and only writes templates/exports.
2. :func:`validate` maps every row to (unit, indicator) of a
   :class:`PlanCatalogue` and turns cells into figures, collecting every error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from workbook import template as tpl
from workbook.cells import (
    CellProblem,
    clean_text,
    is_blank,
    parse_date,
    parse_done,
    parse_int,
    parse_number,
    parse_text,
    parse_year,
)
from workbook.errors import CellError, FileError, RowError, SheetError, WorkbookError

MAX_FILE_BYTES = 10 * 1024 * 1024  # an upload larger than this is refused unread
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # sum of the zip directory's uncompressed sizes
MAX_RATIO = 200  # uncompressed/compressed, per member of more than 1 MiB
MAX_MEMBERS = 5000
MAX_ROWS = 50_000
XML_PROLOG_BYTES = 4096  # DOCTYPE/ENTITY may only appear before the root element
ACCEPTED_SUFFIXES = {".xlsx"}
REFUSED_SUFFIXES = {".xls", ".xlsm", ".xlsb", ".csv", ".ods", ".et", ".numbers", ".txt", ".xltx", ".xltm"}
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURE = b"PK\x03\x04"

# Header texts (after clean_text) → column keys; template headers plus common variants.
HEADER_ALIASES: dict[str, str] = {header: key for key, header, _, _ in tpl.COLUMNS}
HEADER_ALIASES.update(
    {
        "单位": "unit", "责任单位": "unit", "牵头单位": "unit", "代码": "code", "指标编码": "code",
        "数值": "value", "本期数值": "value", "本季度值": "value", "完成值": "value", "本季度完成值": "value",
        "说明": "note",
        # format 1 templates: the value column's old header, and the benchmark column reporters no
        # longer fill in (the office enters benchmarks): read only to refuse a filled-in cell
        "本季度数值": "value", "基准值": "benchmark_value",
    }
)  # fmt: skip
INPUT_KEYS = ("value", "field_size", "benchmark_value", "done_on", "baseline_value", "baseline_year", "note")


@dataclass(frozen=True)
class RawCell:
    value: Any
    column: str  # letter
    percent: bool = False
    formula_without_value: bool = False


@dataclass(frozen=True)
class RawRow:
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
class RawWorkbook:
    file_name: str
    sha256: str
    size: int
    meta: dict[str, str] | None = None
    rows: list[RawRow] = field(default_factory=list)
    errors: list[WorkbookError] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    @property
    def is_template(self) -> bool:
        return bool(self.meta) and self.meta.get("format") == tpl.FORMAT_NAME

    @property
    def codes(self) -> set[str]:
        codes = set()
        for row in self.rows:
            parts = tpl.split_key(clean_text(row.get("key") or ""))
            code = parts[3] if parts else clean_text(row.get("code") or "")
            if code:
                codes.add(code)
        return codes


# --------------------------------------------------------------------------- safety


def check_file(data: bytes, file_name: str) -> list[FileError]:
    """Refuse hostile or unsupported files before any parser sees them."""
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    if not data:
        return [FileError("file-empty")]
    if len(data) > MAX_FILE_BYTES:
        return [
            FileError("file-too-large", params={"detail": _mib(len(data)), "limit": _mib(MAX_FILE_BYTES)})
        ]
    if data.startswith(OLE_SIGNATURE):
        if suffix in REFUSED_SUFFIXES - {".xlsx"}:
            return [FileError("unsupported-format", value=suffix, params={"detail": suffix})]
        return [FileError("encrypted-file")]
    if suffix in REFUSED_SUFFIXES or (suffix and suffix not in ACCEPTED_SUFFIXES):
        return [FileError("unsupported-format", value=suffix, params={"detail": suffix})]
    if not data.startswith(ZIP_SIGNATURE) or not zipfile.is_zipfile(io.BytesIO(data)):
        return [FileError("not-zip")]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if len(infos) > MAX_MEMBERS or total > MAX_UNCOMPRESSED_BYTES:
                return [FileError("zip-bomb", params={"detail": f"{len(infos)} 个部件，共 {_mib(total)}"})]
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
                    return [FileError("zip-bomb", params={"detail": f"{info.filename} 压缩比 {ratio:.0f}:1"})]
            names = {i.filename for i in infos}
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return [FileError("macro-enabled")]
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return [FileError("unreadable", params={"detail": "缺少 xl/workbook.xml，不是 Excel 工作簿"})]
            content_types = zf.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                return [FileError("macro-enabled")]
            for info in infos:
                if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with zf.open(info) as part:
                    head = part.read(XML_PROLOG_BYTES)
                if _has_doctype(head):
                    return [FileError("xml-entity", params={"detail": info.filename})]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, NotImplementedError, EOFError) as exc:
        return [FileError("not-zip", params={"detail": str(exc)})]
    return []


def _has_doctype(head: bytes) -> bool:
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        return True
    # UTF-16 encoded parts: check the decoded prolog as well
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head.decode("utf-16", errors="ignore").upper()
        return "<!DOCTYPE" in text or "<!ENTITY" in text
    return False


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# --------------------------------------------------------------------------- reading


_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_HAS_VALUE = re.compile(rb"<v>[^<]+</v>|<is>", re.S)
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → part name (xl/worksheets/sheetN.xml)."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    paths = {}
    for sheet in wb.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(_REL_NS), "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        paths[sheet.get("name", "")] = path
    return paths


def _percent_styles(zf: zipfile.ZipFile) -> set[bytes]:
    """Indices (as bytes) of cellXfs whose number format shows a percent."""
    try:
        styles = ET.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return set()
    percent_ids = {"9", "10"}
    for fmt in styles.iterfind("m:numFmts/m:numFmt", _NS):
        code = re.sub(r'"[^"]*"|\\.', "", fmt.get("formatCode", ""))
        if "%" in code:
            percent_ids.add(fmt.get("numFmtId", ""))
    xfs = styles.find("m:cellXfs", _NS)
    if xfs is None:
        return set()
    return {str(i).encode() for i, xf in enumerate(xfs) if xf.get("numFmtId", "0") in percent_ids}


def _cell_facts(xml: bytes, percent_xfs: set[bytes]) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(percent-formatted cells, formula cells without a cached value) as (row, letter)."""
    percent: set[tuple[int, str]] = set()
    formula: set[tuple[int, str]] = set()
    want_formula = b"<f" in xml
    if not percent_xfs and not want_formula:
        return percent, formula
    for match in _CELL_RE.finditer(xml):
        attrs, inner = match.group(1), match.group(2) or b""
        ref = _ATTR_R.search(attrs)
        if ref is None:
            continue
        where = (int(ref.group(2)), ref.group(1).decode())
        if percent_xfs:
            style = _ATTR_S.search(attrs)
            if style is not None and style.group(1) in percent_xfs:
                percent.add(where)
        if want_formula and b"<f" in inner and not _HAS_VALUE.search(inner):
            formula.add(where)
    return percent, formula


def _letter(index: int) -> str:
    return tpl.get_column_letter(index + 1)


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


def read_workbook(data: bytes, file_name: str, headers: Mapping[str, str] | None = None) -> RawWorkbook:
    """Safety checks, then every data row's cells. Never raises for a bad file.

    ``headers`` maps header texts to column keys (default: the unit template's, HEADER_ALIASES;
    the office template passes its own, workbook/office.py).
    """
    raw = RawWorkbook(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    raw.errors.extend(check_file(data, file_name))
    if raw.errors:
        return raw
    try:
        _read(raw, data, headers)
    except Exception as exc:  # noqa: BLE001 - a corrupt file must become an error, never a crash
        raw.rows.clear()
        raw.errors.append(FileError("unreadable", params={"detail": f"{type(exc).__name__}: {exc}"[:200]}))
    return raw


def _read(raw: RawWorkbook, data: bytes, headers: Mapping[str, str] | None = None) -> None:
    from python_calamine import CalamineWorkbook

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        paths = _sheet_paths(zf)
        percent_xfs = _percent_styles(zf)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        raw.sheets = list(book.sheet_names)
        if tpl.META_SHEET in raw.sheets:
            meta_rows = book.get_sheet_by_name(tpl.META_SHEET).to_python(skip_empty_area=False)
            raw.meta = {
                clean_text(r[0]): clean_text(r[1]) if r[1] is not None else ""
                for r in meta_rows
                if len(r) >= 2 and isinstance(r[0], str) and r[0]
            }
        found = False
        for title in raw.sheets:
            if title == tpl.META_SHEET:
                continue
            rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
            header = _find_header(rows, headers)
            if header is None:
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
                        "header-missing",
                        title,
                        header_index + 1,
                        "",
                        params={"expected": tpl.HEADERS["value"]},
                    )
                )
            xml_path = paths.get(title)
            percent, formula = (set(), set())
            if xml_path:
                percent, formula = _cell_facts(zf.read(xml_path), percent_xfs)
            letters = {key: _letter(c) for key, c in columns.items()}
            if len(rows) - header_index - 1 > MAX_ROWS:
                raw.errors.append(
                    SheetError(
                        "file-too-large",
                        title,
                        params={"detail": f"{len(rows)} 行", "limit": f"{MAX_ROWS} 行"},
                    )
                )
                continue
            for r in range(header_index + 1, len(rows)):
                values = rows[r]
                excel_row = r + 1
                cells = {}
                for key, c in columns.items():
                    value = values[c] if c < len(values) else None
                    where = (excel_row, letters[key])
                    no_value = where in formula
                    if value == "" and not no_value:
                        value = None
                    cells[key] = RawCell(value, letters[key], where in percent, no_value)
                if all(cell.value is None and not cell.formula_without_value for cell in cells.values()):
                    continue
                raw.rows.append(RawRow(title, excel_row, cells, letters))
        if not found:
            raw.errors.append(FileError("no-data-sheet" if raw.meta is not None else "not-template",
                                        params={"detail": "没有找到含“指标代码”列的工作表"}))  # fmt: skip


def _check_sheet_period(raw: RawWorkbook, title: str, top_rows: list[list[Any]]) -> None:
    expected = (raw.meta or {}).get("period", "")
    for r, cells in enumerate(top_rows):
        for c, value in enumerate(cells[:-1]):
            if isinstance(value, str) and clean_text(value) == tpl.PERIOD_LABEL:
                shown = cells[c + 1]
                text = clean_text(shown) if shown is not None else ""
                if text != expected:
                    raw.errors.append(
                        SheetError(
                            "sheet-period-mismatch",
                            title,
                            r + 1,
                            _letter(c + 1),
                            text,
                            {"expected": expected},
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


@dataclass(frozen=True)
class PlanCatalogue:
    """What validation needs to know about a plan (built from the database by the service)."""

    plan_code: str
    jurisdiction: str
    indicators: Mapping[str, IndicatorInfo]
    unit_names: Mapping[str, str]  # any spelling (name or alias) → canonical name
    reports: Mapping[str, frozenset[str]]  # canonical unit name → codes it reports

    def unit(self, name: str) -> str | None:
        return self.unit_names.get(clean_text(name))


@dataclass(frozen=True)
class ParsedRow:
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
    for row in raw.rows:
        errors: list[WorkbookError] = []
        parsed = _validate_row(row, catalogue, period, unit_name, allowed_units, seen, errors, owed, version)
        result.errors.extend(errors)
        if parsed is not None and not errors:
            result.rows.append(parsed)
    return result


def _validate_row(
    row: RawRow,
    cat: PlanCatalogue,
    period: str,
    template_unit: str,
    allowed: set[str] | None,
    seen: dict[tuple[str, str], int],
    errors: list[WorkbookError],
    owed: Mapping[str, str | None] | None = None,
    version: str = "",
) -> ParsedRow | None:
    sheet, r = row.sheet, row.row

    def cell_error(code: str, key: str, value: Any = None, **params: Any) -> None:
        errors.append(CellError(code, sheet, r, row.letter(key), value, params))

    # identify the row -----------------------------------------------------
    key_text = clean_text(row.get("key")) if not is_blank(row.get("key")) else ""
    if key_text:
        parts = tpl.split_key(key_text)
        if parts is None or parts[0] != cat.plan_code:
            cell_error("bad-identifier", "key", key_text)
            return None
        _plan, row_period, unit_text, code = parts
        # format 1 identifiers carry the template's quarter, later ones the figure's period
        expected = period if owed is None or version == "1" else owed.get(code, period)
        if expected is not None and row_period != expected:  # None: nothing due, handled below
            cell_error("row-period-mismatch", "key", row_period, expected=expected)
            return None
        code_column = "key"
    else:
        if "key" in row.columns:
            cell_error("missing-identifier", "key")
            return None
        code = clean_text(row.get("code")) if not is_blank(row.get("code")) else ""
        if not code:
            cell_error("missing-identifier", "code")
            return None
        unit_value = row.get("unit")
        unit_text = clean_text(unit_value) if not is_blank(unit_value) else template_unit
        code_column = "code"
    if code not in cat.indicators:
        cell_error("unknown-indicator", code_column, code)
        return None
    unit = cat.unit(unit_text) if unit_text else None
    if unit is None:
        errors.append(RowError("unit-unknown", sheet, r, "", unit_text or "（空）"))
        return None
    if template_unit and unit != cat.unit(template_unit):
        errors.append(RowError("unit-mismatch", sheet, r, "", unit, {"expected": template_unit}))
        return None
    if code not in cat.reports.get(unit, frozenset()):
        errors.append(RowError("not-reported-by-unit", sheet, r, "", code, {"unit": unit}))
        return None
    if allowed is not None and unit not in allowed:
        errors.append(RowError("permission-denied", sheet, r, "", code, {"unit": unit}))
        return None
    if (unit, code) in seen:
        errors.append(
            RowError("duplicate-row", sheet, r, "", code, {"unit": unit, "first_row": seen[(unit, code)]})
        )
        return None
    seen[(unit, code)] = r
    info = cat.indicators[code]
    kind = info.measure_kind
    figure_period = period if owed is None else owed.get(code, period)
    if figure_period != period and (figure_period is None or version == "1"):
        # nothing due in this quarter, or (format 1) the figure is now owed for another period
        filled = [key for key in INPUT_KEYS if key in row.cells and not is_blank(row.get(key))]
        if not filled:
            return None  # an empty row of an indicator with nothing to report here
        if figure_period is None:
            cell_error("not-due", filled[0], code, period=period)
        else:
            cell_error("owed-for-other-period", filled[0], code, owed=figure_period)
        return None
    if "benchmark_value" in row.cells and not is_blank(row.get("benchmark_value")):
        cell_error("benchmark-by-office", "benchmark_value", _show(row.get("benchmark_value")))

    # read the cells -------------------------------------------------------
    for key in INPUT_KEYS:
        cell = row.cells.get(key)
        if cell is not None and cell.formula_without_value:
            cell_error("formula-no-value", key)
    if errors:
        return None

    def attempt(func, key: str, *args):
        try:
            return func(row.get(key), *args)
        except CellProblem as problem:
            cell_error(problem.code, key, _show(problem.value))
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
    elif kind == "rank":
        rank = attempt(parse_int, "value", "rank-invalid")
        if rank is not None and rank < 1:
            cell_error("rank-invalid", "value", _show(row.get("value")))
        size = attempt(parse_int, "field_size", "field-size-invalid")
        if rank is not None and size is None and not errors:
            cell_error("missing-field-size", "field_size")
        elif size is not None and rank is not None and size < max(rank, 1):
            cell_error("field-size-invalid", "field_size", _show(row.get("field_size")))
        value = float(rank) if rank is not None else None
        field_size = size
    else:
        value = _number(row, "value", kind, cell_error)
    benchmark_value = None  # entered by the office (services.benchmarks), never read from a unit's file
    baseline_value = _number(row, "baseline_value", kind if kind != "milestone" else "level", cell_error)
    baseline_year = attempt(parse_year, "baseline_year")
    if (baseline_value is None) != (baseline_year is None) and not errors:
        cell_error("baseline-incomplete", "baseline_year" if baseline_year is None else "baseline_value")
    note = attempt(parse_text, "note") or ""
    if errors:
        return None
    return ParsedRow(
        sheet, r, unit, code, value, field_size, benchmark_value, done_on if value else None, note,
        baseline_value, baseline_year, figure_period or period,
    )  # fmt: skip


def _show(value: Any) -> Any:
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def _number(row: RawRow, key: str, kind: str, cell_error) -> float | None:
    cell = row.cells.get(key)
    if cell is None:
        return None
    try:
        number = parse_number(cell.value, percent_format=cell.percent)
    except CellProblem as problem:
        cell_error(problem.code, key, _show(problem.value))
        return None
    if number is None:
        return None
    shown = _show(cell.value) if not cell.percent else f"{number.value:g}%"
    if number.percent and kind not in ("rate", "change"):
        cell_error("percent-not-allowed", key, shown)
        return None
    if kind == "rate" and not 0 <= number.value <= 100:
        cell_error("rate-out-of-range", key, shown)
        return None
    # a level and a change rate (下降率 in a year of rising consumption) may be negative
    if kind not in ("level", "change") and number.value < 0:
        cell_error("negative-value", key, shown)
        return None
    return number.value
