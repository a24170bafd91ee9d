"""Safety checks of an uploaded .xlsx before any reader allocates (limits: workbook/limits.py).

Two levels, both on bytes only:

* :func:`check_file` — the file and its zip directory: size, type, encryption, macros, member
  count, declared uncompressed sizes (absolute limits; a high ratio alone is no bomb: a
  repetitive 1 MB note compresses 1000:1), DOCTYPE/ENTITY in any XML prolog;
* :func:`inspect` — the workbook: sheet count (workbook.xml), each sheet's declared
  ``<dimension ref=…>`` and its *real* used range, row, column and cell counts, found by
  scanning the sheet XML (a cell at XFD1048576 in a 12 KB file is refused here, never
  allocated), the shared strings' count and longest string; and, for the reader, the facts
  python-calamine does not give: which cells carry a percent number format, which formula
  cells have no cached value, which ranges are merged. Those passes run only when the sheet
  really has a formula (an ``<f>`` element, not the ``<formula1>`` of a data validation) or a
  cell styled with a percent format.

The scans use bytes searches (C speed) on the usual spelling of SpreadsheetML (``<c r="A1"``,
a prefix such as ``x:`` taken from the root element); any other spelling (single quotes,
spaces around ``=``, cells without ``r``, mixed prefixes) is read by a slower general pass
that accepts every valid spelling.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from workbook.errors import FileError, SheetError, WorkbookError
from workbook.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_SHARED_STRINGS,
    MAX_SHEET_ROW,
    MAX_SHEETS,
    MAX_STRING_CHARS,
    MAX_UNCOMPRESSED_BYTES,
    RATIO_MIN_BYTES,
    XML_PROLOG_BYTES,
    mib,
)

ACCEPTED_SUFFIXES = {".xlsx"}
REFUSED_SUFFIXES = {".xls", ".xlsm", ".xlsb", ".csv", ".ods", ".et", ".numbers", ".txt", ".xltx", ".xltm"}
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURE = b"PK\x03\x04"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS = {"m": MAIN_NS}
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


# --------------------------------------------------------------------------- the file


def check_file(data: bytes, file_name: str) -> list[FileError]:
    """Refuse hostile or unsupported files before any parser sees them."""
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    if not data:
        return [FileError("file-empty")]
    if len(data) > MAX_FILE_BYTES:
        return [FileError("file-too-large", params={"detail": mib(len(data)), "limit": mib(MAX_FILE_BYTES)})]
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
            return _check_zip(zf)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, NotImplementedError, EOFError) as exc:
        return [FileError("not-zip", params={"detail": str(exc)[:200]})]


def _check_zip(zf: zipfile.ZipFile) -> list[FileError]:
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_MEMBERS:
        return [FileError("zip-bomb", params={"detail": f"{len(infos)} 个部件，上限 {MAX_MEMBERS} 个"})]
    if total > MAX_UNCOMPRESSED_BYTES:
        return [
            FileError(
                "zip-bomb", params={"detail": f"解压后共 {mib(total)}，上限 {mib(MAX_UNCOMPRESSED_BYTES)}"}
            )
        ]
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            detail = f"{info.filename} 解压后 {mib(info.file_size)}，上限 {mib(MAX_PART_BYTES)}"
            return [FileError("zip-bomb", params={"detail": detail})]
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > MAX_RATIO:
            return [FileError("zip-bomb", params={"detail": f"{info.filename} 压缩比 {ratio:.0f}:1"})]
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return [FileError("macro-enabled")]
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return [FileError("unreadable", params={"detail": "缺少 xl/workbook.xml，不是 Excel 工作簿"})]
    if b"macroEnabled" in zf.read("[Content_Types].xml"):
        return [FileError("macro-enabled")]
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with zf.open(info) as part:
            head = part.read(XML_PROLOG_BYTES)
        if _has_doctype(head):
            return [FileError("xml-entity", params={"detail": info.filename})]
    return []


def _has_doctype(head: bytes) -> bool:
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        return True
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 parts: check the decoded prolog as well
        text = head.decode("utf-16", errors="ignore").upper()
        return "<!DOCTYPE" in text or "<!ENTITY" in text
    return False


# --------------------------------------------------------------------------- the workbook


@dataclass
class SheetFacts:
    """What the scan found in one sheet; cells are (Excel row, column letter)."""

    title: str
    part: str
    max_row: int = 0
    max_col: int = 0
    cells: int = 0
    percent: set[tuple[int, str]] = field(default_factory=set)
    formula_without_value: set[tuple[int, str]] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)  # "H5:H6"


@dataclass
class Inspection:
    sheets: dict[str, SheetFacts] = field(default_factory=dict)  # title → facts, workbook order
    errors: list[WorkbookError] = field(default_factory=list)


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letter(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → part name (xl/worksheets/sheetN.xml), in workbook order."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    try:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        rels = ET.fromstring(b"<Relationships/>")
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    paths = {}
    for sheet in wb.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(_REL_NS), "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        paths[sheet.get("name", "")] = path
    return paths


def percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Indices of cellXfs whose number format shows a percent (ElementTree: any prefix, any quotes)."""
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
    return {i for i, xf in enumerate(xfs) if xf.get("numFmtId", "0") in percent_ids}


def inspect(zf: zipfile.ZipFile) -> tuple[Inspection, dict[str, str]]:
    """Check sheet count, every sheet's shape and the shared strings; collect the reader's facts."""
    result = Inspection()
    paths = sheet_parts(zf)
    if len(paths) > MAX_SHEETS:
        result.errors.append(
            FileError("too-many-sheets", params={"detail": str(len(paths)), "limit": str(MAX_SHEETS)})
        )
        return result, paths
    names = set(zf.namelist())
    error = _check_shared_strings(zf, names)
    if error is not None:
        result.errors.append(error)
        return result, paths
    pct = percent_styles(zf)
    for title, part in paths.items():
        if part not in names:
            continue
        facts, error = scan_sheet(zf.read(part), title, part, pct)
        if error is not None:
            result.errors.append(error)
            return result, paths
        result.sheets[title] = facts
    return result, paths


def _check_shared_strings(zf: zipfile.ZipFile, names: set[str]) -> WorkbookError | None:
    part = "xl/sharedStrings.xml"
    if part not in names:
        return None
    info = zf.getinfo(part)
    if info.file_size <= MAX_STRING_CHARS:
        return None  # no string can be longer than the part; the count is bounded by its size too
    xml = zf.read(part)
    prefix = _prefix(xml, b"sst")
    starts = xml.count(b"<" + prefix + b"si>")
    if starts != xml.count(b"<" + prefix + b"si"):  # <si attr…>: rare, split on the general form
        pieces = re.split(rb"<(?:[\w.-]+:)?si[\s>/]", xml)
    else:
        pieces = xml.split(b"<" + prefix + b"si>")
    if len(pieces) - 1 > MAX_SHARED_STRINGS:
        return FileError(
            "string-too-large",
            params={"detail": f"{len(pieces) - 1} 段文字", "limit": f"{MAX_SHARED_STRINGS} 段"},
        )
    longest = max(map(len, pieces))
    if longest > MAX_STRING_CHARS:
        return FileError("string-too-large", params={"detail": mib(longest), "limit": mib(MAX_STRING_CHARS)})
    return None


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?(worksheet|sst|chartsheet|dialogsheet)\b")
_DIMENSION = re.compile(
    rb"""<(?:[\w.-]+:)?dimension\s+ref\s*=\s*["']([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?["']"""
)
_MERGE = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\s[^>]*?ref\s*=\s*["']([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?["']""")
_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_STYLE = re.compile(rb"""\ss\s*=\s*["'](\d+)["']""")
# any row or cell start tag, any prefix, any spelling: for the general pass
_ROW_OR_CELL = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>")
_ROW_END = re.compile(rb"</(?:[\w.-]+:)?row\s*>")


def _prefix(xml: bytes, root: bytes) -> bytes:
    match = _ROOT.search(xml, 0, 65536)
    return match.group(1) or b"" if match else b""


def _too_large(title: str, detail: str, limit: str) -> SheetError:
    return SheetError("sheet-too-large", title, params={"detail": detail, "limit": limit})


def _shape_error(title: str, max_row: int, max_col: int, cells: int, what: str) -> SheetError | None:
    if max_row > MAX_SHEET_ROW:
        return _too_large(title, f"{what}第 {max_row} 行", f"{MAX_SHEET_ROW} 行")
    if max_col > MAX_COLUMNS:
        return _too_large(title, f"{what}第 {col_letter(max_col)} 列", f"{col_letter(MAX_COLUMNS)} 列")
    if cells > MAX_CELLS:
        return _too_large(title, f"{what}{cells} 个单元格", f"{MAX_CELLS} 个")
    return None


def scan_sheet(
    xml: bytes, title: str, part: str = "", percent_xfs: set[int] | None = None
) -> tuple[SheetFacts, SheetError | None]:
    """The sheet's real shape, checked against the limits, and the reader's facts."""
    facts = SheetFacts(title, part)
    p = _prefix(xml, b"worksheet")
    dim = _DIMENSION.search(xml, 0, 65536)
    if dim is not None:
        c1, r1, c2, r2 = (g.decode().upper() if g else "" for g in dim.groups())
        rows = [int(r) for r in (r1, r2) if r]
        cols = [col_number(c) for c in (c1, c2) if c]
        if rows and cols:
            area = (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)
            ref = f"{c1}{r1}" + (f":{c2}{r2}" if c2 or r2 else "")
            error = _shape_error(title, max(rows), max(cols), area, f"声明范围 {ref}：")
            if error is not None:
                return facts, error
    usual = _usual_spelling(xml, p)
    error = _fast_shape(xml, p, facts) if usual else _general_shape(xml, facts)
    if error is not None:
        return facts, error
    _facts(xml, p, usual, percent_xfs or set(), facts)
    return facts, None


def _usual_spelling(xml: bytes, p: bytes) -> bool:
    """Every row and cell tag starts ``<row r="`` / ``<c r="A`` (upper-case), one prefix, double quotes."""
    q = re.escape(p)
    if re.search(b"<" + q + rb'c(?=[\s/>])(?! r="[A-Z])', xml) is not None:
        return False
    if re.search(b"<" + q + rb'row(?=[\s/>])(?! r="[0-9])', xml) is not None:
        return False
    if not p and (xml.find(b':c r="') >= 0 or xml.find(b":row ") >= 0):
        return False
    return xml.find(b"r='") < 0


# column letters beyond MAX_COLUMNS (BL) or a row number beyond MAX_SHEET_ROW (60000), as r="…"
_BEYOND = re.compile(rb'r="(?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z]|[A-Z]{0,2}(?:[0-9]{6}|[6-9][0-9]{4}))')
assert (MAX_COLUMNS, MAX_SHEET_ROW) == (64, 60_000), "update _BEYOND with the limits"


def _fast_shape(xml: bytes, p: bytes, facts: SheetFacts) -> SheetError | None:
    """Usual spelling: count cells, one search for a reference beyond the limits, then the corner."""
    facts.cells = xml.count(b"<" + p + b'c r="')
    if facts.cells > MAX_CELLS:
        return _shape_error(facts.title, 0, 0, facts.cells, "")
    beyond = _BEYOND.search(xml)
    if beyond is not None:
        end = xml.find(b'"', beyond.start() + 3, beyond.start() + 40)
        ref = xml[beyond.start() + 3 : end if end > 0 else beyond.start() + 20].decode("ascii", "replace")
        letters = "".join(ch for ch in ref if ch.isalpha())
        digits = "".join(ch for ch in ref if ch.isdigit())
        what = f"单元格 {ref}" if letters else f"第 {digits} 行"
        return _too_large(facts.title, what, f"{col_letter(MAX_COLUMNS)} 列、{MAX_SHEET_ROW} 行以内")
    q = re.escape(p)
    # two-letter columns (≤ BL after the search above): collected only when there is one
    two_letters = re.compile(b"<" + q + rb'c r="([A-B][A-Z])[0-9]')
    two = set(two_letters.findall(xml)) if two_letters.search(xml) is not None else set()
    facts.max_col = max((col_number(t) for t in two), default=26)  # ≤ Z when no two-letter column
    if facts.max_col * MAX_SHEET_ROW > MAX_CELLS:  # the exact used range decides
        rows = [int(r) for r in re.findall(b"<" + q + rb'row r="([0-9]+)"', xml)]
        cell_rows = re.findall(b"<" + q + rb'c r="[A-Z]+([0-9]{5})"', xml)  # rows ≥ 10000 only
        facts.max_row = max([*rows, *(int(r) for r in cell_rows), 0])
        area = facts.max_row * facts.max_col
        if area > MAX_CELLS:
            corner = f"A1:{col_letter(facts.max_col)}{facts.max_row}"
            return _shape_error(facts.title, 0, 0, area, f"使用范围 {corner}：")
    return None


def _general_shape(xml: bytes, facts: SheetFacts) -> SheetError | None:
    """Any valid spelling: walk row and cell start tags (cells without ``r`` take the next column)."""
    row, col, cells, max_row, max_col = 0, 0, 0, 0, 0
    for match in _ROW_OR_CELL.finditer(xml):
        tag, attrs = match.group(1), match.group(2)
        ref = _REF.search(b" " + attrs)
        if tag == b"row":
            row = int(ref.group(2)) if ref and ref.group(2) else row + 1
            col = 0
        else:
            cells += 1
            if ref and ref.group(1):
                col = col_number(ref.group(1))
                row = int(ref.group(2)) if ref.group(2) else row
            else:
                col += 1
            max_col = max(max_col, col)
        max_row = max(max_row, row)
        if max_row > MAX_SHEET_ROW or max_col > MAX_COLUMNS or cells > MAX_CELLS:
            what = f"单元格 {col_letter(max(col, 1))}{row}" if tag == b"c" else f"第 {row} 行"
            if cells > MAX_CELLS:
                return _shape_error(facts.title, 0, 0, cells, "")
            return _too_large(facts.title, what, f"{col_letter(MAX_COLUMNS)} 列、{MAX_SHEET_ROW} 行以内")
    facts.max_row, facts.max_col, facts.cells = max_row, max_col, cells
    if max_row * max_col > MAX_CELLS:
        corner = f"A1:{col_letter(max_col)}{max_row}"
        return _shape_error(facts.title, 0, 0, max_row * max_col, f"使用范围 {corner}：")
    return None


def _cell_at(xml: bytes, p: bytes, pos: int) -> tuple[int, int, tuple[int, str] | None]:
    """The cell element around ``pos``: (start, end, (row, letter))."""
    start = xml.rfind(b"<" + p + b"c ", 0, pos + 1)
    alt = xml.rfind(b"<" + p + b"c>", 0, pos + 1)
    start = max(start, alt)
    if start < 0:
        return -1, -1, None
    tag_end = xml.find(b">", start)
    end = xml.find(b"</" + p + b"c>", tag_end)
    if xml[tag_end - 1 : tag_end] == b"/":
        end = tag_end
    ref = _REF.search(xml, start, tag_end + 1)
    where = (
        (int(ref.group(2)), ref.group(1).decode().upper()) if ref and ref.group(1) and ref.group(2) else None
    )
    return start, end, where


_HAS_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>[^<]+</(?:[\w.-]+:)?v>|<(?:[\w.-]+:)?is[\s>]")


def _facts(xml: bytes, p: bytes, usual: bool, percent_xfs: set[int], facts: SheetFacts) -> None:
    """Percent-formatted cells, formula cells without a cached value, merged ranges."""
    if usual:
        formula_at = [m.start() for m in re.finditer(b"<" + re.escape(p) + rb"f[\s>/]", xml)]
    else:
        formula_at = [m.start() for m in re.finditer(rb"<(?:[\w.-]+:)?f[\s>/]", xml)]
    for pos in formula_at:
        start, end, where = _cell_at(xml, p, pos) if usual else _cell_general(xml, pos)
        if where is None or start < 0:
            continue
        if not _HAS_VALUE.search(xml, start, end if end > 0 else len(xml)):
            facts.formula_without_value.add(where)
    if percent_xfs:
        if usual:  # one pass for every percent style
            styles = b"|".join(b"%d" % i for i in sorted(percent_xfs))
            matches = list(re.finditer(b' s="(?:' + styles + b')"', xml))
        else:
            wanted = {str(i).encode() for i in percent_xfs}
            matches = [m for m in _STYLE.finditer(xml) if m.group(1) in wanted]
        for match in matches:
            tag_start = xml.rfind(b"<", 0, match.start())
            if not re.match(rb"<(?:[\w.-]+:)?c[\s/>]", xml[tag_start : tag_start + 48]):
                continue  # a row's style, not a cell's
            tag_end = xml.find(b">", tag_start)
            ref = _REF.search(xml, tag_start, tag_end + 1)
            if ref and ref.group(1) and ref.group(2):
                facts.percent.add((int(ref.group(2)), ref.group(1).decode().upper()))
    first = xml.find(b"mergeCell")
    if first >= 0:  # every match contains "mergeCell": scan from the tag of its first occurrence on
        for c1, r1, c2, r2 in _MERGE.findall(xml, max(0, xml.rfind(b"<", 0, first))):
            facts.merged.append(
                f"{c1.decode()}{r1.decode()}" + (f":{c2.decode()}{r2.decode()}" if c2 else "")
            )


def _cell_general(xml: bytes, pos: int) -> tuple[int, int, tuple[int, str] | None]:
    start = -1
    for match in re.finditer(rb"<(?:[\w.-]+:)?c(?=[\s/>])", xml[max(0, pos - 4096) : pos]):
        start = max(0, pos - 4096) + match.start()
    if start < 0:
        return -1, -1, None
    tag_end = xml.find(b">", start)
    end_match = re.compile(rb"</(?:[\w.-]+:)?c\s*>").search(xml, tag_end)
    ref = _REF.search(xml, start, tag_end + 1)
    where = (
        (int(ref.group(2)), ref.group(1).decode().upper()) if ref and ref.group(1) and ref.group(2) else None
    )
    return start, end_match.start() if end_match else len(xml), where
