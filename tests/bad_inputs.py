"""Bad-input corpus for uploads, generated at test time (no binary files in the repository).

Each :class:`Case` builds a file from a freshly generated template of
``luan`` / 市市场监管局 / 2025Q2 (or from scratch) and states the exact error
locations ``[sheet, row, column, code]`` the import must report.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook

# 2025Q2: within luan's horizon (to 2025), and the quarter whose template also asks the annual
# indicators (release lag 2: LA-SQ-05, LA-PQ-04) for their 2024 figures
PLAN, UNIT, PERIOD = "luan", "市市场监管局", "2025Q2"
S = "填报"  # data sheet title
KEY_COL, VALUE, FIELD, BENCH, DONE, BASE_V, BASE_Y, NOTE = "O", "H", "I", "J", "K", "L", "M", "N"
COL = {"H": 8, "I": 9, "J": 10, "K": 11, "L": 12, "M": 13, "N": 14, "O": 15, "D": 4}


@dataclass
class Case:
    name: str
    build: Callable[[bytes], tuple[bytes, str]]
    expected: Callable[[dict[str, int]], list[list[Any]]]
    kwargs: dict[str, Any] = field(default_factory=dict)


def rows_by_code(ws) -> dict[str, int]:
    return {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}


def fill_valid(ws) -> None:
    """A plausible value in every row (what a diligent unit would send)."""
    for r in range(4, ws.max_row + 1):
        kind = ws.cell(r, 5).value or ""
        if kind.startswith("比率"):
            ws.cell(r, 8).value = 98.5
        elif kind.startswith("位次"):
            ws.cell(r, 8).value, ws.cell(r, 9).value = 5, 16
        elif kind.startswith("已完成"):
            ws.cell(r, 8).value = "未完成"
        else:
            ws.cell(r, 8).value = 3
        if "另填全省平均" in kind or "另填省控目标" in kind:
            ws.cell(r, 10).value = 1.2


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filled(template: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    fill_valid(wb[S])
    return save(wb)


def edit(mutate: Callable[[Any, dict[str, int]], None], name: str = "填报.xlsx"):
    def build(template: bytes) -> tuple[bytes, str]:
        wb = load_workbook(io.BytesIO(template))
        ws = wb[S]
        fill_valid(ws)
        mutate(ws, rows_by_code(ws))
        return save(wb), name

    return build


def set_cell(code: str, col: str, value: Any, number_format: str | None = None):
    def mutate(ws, rows):
        cell = ws.cell(rows[code], COL[col])
        cell.value = value
        if number_format:
            cell.number_format = number_format

    return mutate


def rezip(
    data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = change(info.filename, src.read(info.filename))
            if content is not None:
                dst.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def xml_edit(part: str, func: Callable[[bytes], bytes], name: str = "填报.xlsx"):
    def build(template: bytes) -> tuple[bytes, str]:
        return rezip(filled(template), lambda n, c: func(c) if n == part else c), name

    return build


def _value_cell_xml(code_row_lookup: str, replacement: bytes, what: str):
    """The row's value cell (H) written as 98.5, then its XML replaced: ``replacement`` is the regex
    replacement for ``<c r="H…" …>`` + ``<v>98.5</v></c>`` (group 1: the tag up to its end)."""

    def build(template: bytes) -> tuple[bytes, str]:
        wb = load_workbook(io.BytesIO(template))
        ws = wb[S]
        fill_valid(ws)
        r = rows_by_code(ws)[code_row_lookup]
        ws.cell(r, 8).value = 98.5
        data = save(wb)

        def patch(content: bytes) -> bytes:
            pattern = re.compile(rb'(<c r="H%d"[^>]*?)(?: t="n")?>\s*<v>98.5</v>\s*</c>' % r)
            new, count = pattern.subn(replacement, content)
            assert count == 1, f"{what} patch failed"
            return new

        return rezip(data, lambda n, c: patch(c) if n == "xl/worksheets/sheet1.xml" else c), "填报.xlsx"

    return build


def formula_cell(code_row_lookup: str, with_cache: bool):
    """Put a formula into the value cell of a row, with or without a cached value."""
    replacement = rb"\1><f>97.5+1</f><v>98.5</v></c>" if with_cache else rb"\1><f>97.5+1</f></c>"
    return _value_cell_xml(code_row_lookup, replacement, "formula")


def error_cell(code_row_lookup: str, error: bytes, formula: bytes | None):
    """Give the value cell of a row an error value (``t="e"``), the result of ``formula`` or a constant.
    python-calamine reads such a cell as empty: without the scan the row would be 'not filled in'."""
    f = b"<f>%s</f>" % formula if formula else b""
    return _value_cell_xml(code_row_lookup, rb'\1 t="e">' + f + b"<v>" + error + b"</v></c>", "error")


def _prepend(content: bytes, root: bytes, text: bytes) -> bytes:
    assert root in content
    return content.replace(root, text + root, 1)


def raw_bytes(data: bytes, name: str):
    return lambda template: (data, name)


def file_error(code: str):
    return lambda rows: [["", None, "", code]]


def cell(col: str, code: str, error: str):
    return lambda rows: [[S, rows[code], col, error]]


def row_error(code: str, error: str):
    return lambda rows: [[S, rows[code], "", error]]


def _zip_bomb(template: bytes) -> tuple[bytes, str]:
    """40 MB of zeros (≈ 1000:1): large *and* highly compressed. (5 MB of zeros is no longer a bomb:
    the limits are absolute sizes, workbook/limits.py.)"""
    return cached(
        "zip-bomb",
        lambda: rezip(filled(template), lambda n, c: c, {"xl/media/zeros.bin": b"\0" * (40 * 1024 * 1024)}),
    ), "bomb.xlsx"


def _many_members(template: bytes) -> tuple[bytes, str]:
    return rezip(filled(template), lambda n, c: c, {f"xl/x/{i}.txt": b"x" for i in range(5001)}), "many.xlsx"


def _no_workbook_part(template: bytes) -> tuple[bytes, str]:
    return rezip(filled(template), lambda n, c: None if n == "xl/workbook.xml" else c), "x.xlsx"


def _broken_workbook_xml(template: bytes) -> tuple[bytes, str]:
    return rezip(
        filled(template), lambda n, c: b"<workbook><sheets>" if n == "xl/workbook.xml" else c
    ), "x.xlsx"


def _plain_workbook(rows: list[list[Any]]):
    def build(template: bytes) -> tuple[bytes, str]:
        wb = Workbook()
        for row in rows:
            wb.active.append(row)
        return save(wb), "plain.xlsx"

    return build


def _other_period_template(template: bytes) -> tuple[bytes, str]:
    data = filled(template)
    def refs(text: str) -> bytes:  # as openpyxl writes text into the sheet XML: &#…; for non-ASCII
        return "".join(ch if ch.isascii() else f"&#{ord(ch)};" for ch in text).encode()

    def other(name, content):  # the quarter's code (hidden _meta, identifiers) and its words (shown)
        return content.replace(PERIOD.encode(), b"2025Q1").replace(refs("2025年第2季度"), refs("2025年第1季度"))

    return rezip(data, other), "q1.xlsx"


def _old_benchmark_column(ws, rows):
    """The format-1 layout: column J was 基准值 (empty unless filled in), now 数据所属期."""
    ws[f"{BENCH}3"].value = "基准值"
    for r in rows.values():
        ws.cell(r, COL[BENCH]).value = None
    ws.cell(rows["LA-PQ-04"], COL[BENCH]).value = 1.2


def _duplicate_row(ws, rows):
    src = rows["LA-PQ-01"]
    dst = ws.max_row + 1
    for c in range(1, 16):
        ws.cell(dst, c).value = ws.cell(src, c).value


def _duplicate_expected(rows):
    return [[S, max(rows.values()) + 1, "", "duplicate-row"]]


def _key(code_from: str, key: str):
    return set_cell(code_from, KEY_COL, key)


def _several(ws, rows):
    ws.cell(rows["LA-PQ-01"], 8).value = "约98"
    ws.cell(rows["LA-PQ-02"], 8).value = 101
    ws.cell(rows["LA-SQ-05"], 8).value = 0
    _duplicate_row(ws, rows)


_CACHE: dict[str, bytes] = {}


def cached(name: str, build: Callable[[], bytes]) -> bytes:
    """Heavy files (bombs, a million rows) are built once per test session."""
    if name not in _CACHE:
        _CACHE[name] = build()
    return _CACHE[name]


OLE = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1000
LONG_NOTE = "说明" * 300

CASES: list[Case] = [
    # ---------------------------------------------------------------- hostile / unsupported files
    Case("empty-file", raw_bytes(b"", "a.xlsx"), file_error("file-empty")),
    Case(
        "too-large",
        raw_bytes(b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024), "big.xlsx"),
        file_error("file-too-large"),
    ),
    Case("not-zip-text", raw_bytes("指标代码,数值\n".encode(), "a.xlsx"), file_error("not-zip")),
    Case("truncated-zip", lambda t: (t[: len(t) // 2], "cut.xlsx"), file_error("not-zip")),
    Case("password-protected", raw_bytes(OLE, "secret.xlsx"), file_error("encrypted-file")),
    Case("legacy-xls", raw_bytes(OLE, "old.xls"), file_error("unsupported-format")),
    Case("csv", raw_bytes(b"code,value\nLA-PQ-01,98\n", "data.csv"), file_error("unsupported-format")),
    Case("xlsm-name", lambda t: (filled(t), "macro.xlsm"), file_error("unsupported-format")),
    Case("ods", raw_bytes(b"PK\x03\x04whatever", "sheet.ods"), file_error("unsupported-format")),
    Case("zip-bomb-large-part-high-ratio", _zip_bomb, file_error("zip-bomb")),
    Case("zip-bomb-members", _many_members, file_error("zip-bomb")),
    Case(
        "xml-doctype-sheet",
        xml_edit(
            "xl/worksheets/sheet1.xml",
            lambda c: _prepend(
                c, b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            ),
        ),
        file_error("xml-entity"),
    ),
    Case(
        "xml-entity-strings",
        xml_edit(
            "xl/workbook.xml", lambda c: _prepend(c, b"<workbook", b'<!ENTITY e SYSTEM "file:///etc/passwd">')
        ),
        file_error("xml-entity"),
    ),
    Case(
        "macro-part",
        lambda t: (rezip(filled(t), lambda n, c: c, {"xl/vbaProject.bin": b"\0" * 64}), "m.xlsx"),
        file_error("macro-enabled"),
    ),
    Case("no-workbook-part", _no_workbook_part, file_error("unreadable")),
    Case("broken-workbook-xml", _broken_workbook_xml, file_error("unreadable")),
    Case("not-a-template", _plain_workbook([["姓名", "年龄"], ["张三", 30]]), file_error("not-template")),
    Case(
        "plain-unknown-codes",
        _plain_workbook([["指标代码", "本季度数值"], ["ZZ-01", 3]]),
        file_error("not-template"),
        {"period": PERIOD},
    ),
    Case(
        "plain-without-period",
        _plain_workbook([["填报单位", "指标代码", "本季度数值"], [UNIT, "LA-PQ-01", 98]]),
        file_error("not-template"),
    ),
    # ---------------------------------------------------------------- template identity
    Case("other-quarter", _other_period_template, file_error("period-mismatch"), {"period": PERIOD}),
    Case(
        "other-unit-expected",
        lambda t: (filled(t), "a.xlsx"),
        file_error("unit-mismatch"),
        {"unit": "市住建局"},
    ),
    Case(
        "other-plan-expected",
        lambda t: (filled(t), "a.xlsx"),
        file_error("plan-mismatch"),
        {"plan": "lingbi"},
    ),
    Case(
        "visible-period-edited",
        edit(lambda ws, rows: setattr(ws["D2"], "value", "2026Q4")),
        lambda rows: [[S, 2, "D", "sheet-period-mismatch"]],
    ),
    Case(
        "value-header-renamed",
        edit(lambda ws, rows: setattr(ws["H3"], "value", "数据")),
        lambda rows: [[S, 3, "", "header-missing"]],
    ),
    # ---------------------------------------------------------------- row identity
    Case("key-cleared", edit(_key("LA-PQ-01", None)), cell(KEY_COL, "LA-PQ-01", "missing-identifier")),
    Case("key-garbage", edit(_key("LA-PQ-01", "abc")), cell(KEY_COL, "LA-PQ-01", "bad-identifier")),
    Case(
        "key-other-plan",
        edit(_key("LA-PQ-01", f"lingbi|{PERIOD}|{UNIT}|LA-PQ-01")),
        cell(KEY_COL, "LA-PQ-01", "bad-identifier"),
    ),
    Case(
        "key-other-period",
        edit(_key("LA-PQ-01", f"{PLAN}|2026Q2|{UNIT}|LA-PQ-01")),
        cell(KEY_COL, "LA-PQ-01", "row-period-mismatch"),
    ),
    Case(
        "key-unknown-indicator",
        edit(_key("LA-PQ-01", f"{PLAN}|{PERIOD}|{UNIT}|LA-XX-99")),
        cell(KEY_COL, "LA-PQ-01", "unknown-indicator"),
    ),
    Case(
        "key-unknown-unit",
        edit(_key("LA-PQ-01", f"{PLAN}|{PERIOD}|不存在局|LA-PQ-01")),
        row_error("LA-PQ-01", "unit-unknown"),
    ),
    Case(
        "key-other-unit",
        edit(_key("LA-PQ-01", f"{PLAN}|{PERIOD}|市农业农村局|LA-PQ-03")),
        row_error("LA-PQ-01", "unit-mismatch"),
    ),
    Case(
        "indicator-not-reported-by-unit",
        edit(_key("LA-PQ-01", f"{PLAN}|{PERIOD}|{UNIT}|LA-PQ-03")),
        row_error("LA-PQ-01", "not-reported-by-unit"),
    ),
    Case("duplicate-row", edit(_duplicate_row), _duplicate_expected),
    # ---------------------------------------------------------------- cell values
    Case(
        "non-numeric-text", edit(set_cell("LA-PQ-01", VALUE, "约98")), cell(VALUE, "LA-PQ-01", "type-error")
    ),
    Case("boolean-value", edit(set_cell("LA-PQ-01", VALUE, True)), cell(VALUE, "LA-PQ-01", "type-error")),
    Case("comma-decimal", edit(set_cell("LA-PQ-01", VALUE, "98,5")), cell(VALUE, "LA-PQ-01", "type-error")),
    Case("negative-count", edit(set_cell("LA-BR-05", VALUE, -3)), cell(VALUE, "LA-BR-05", "negative-value")),
    Case(
        "rate-above-100", edit(set_cell("LA-PQ-01", VALUE, 101)), cell(VALUE, "LA-PQ-01", "rate-out-of-range")
    ),
    Case(
        "rate-negative",
        edit(set_cell("LA-PQ-01", VALUE, "-1%")),
        cell(VALUE, "LA-PQ-01", "rate-out-of-range"),
    ),
    Case(
        "rate-150-percent-format",
        edit(set_cell("LA-PQ-01", VALUE, 1.5, "0.0%")),
        cell(VALUE, "LA-PQ-01", "rate-out-of-range"),
    ),
    Case(
        "percent-on-count",
        edit(set_cell("LA-BR-05", VALUE, "3%")),
        cell(VALUE, "LA-BR-05", "percent-not-allowed"),
    ),
    Case(
        "formula-without-cache", formula_cell("LA-PQ-01", False), cell(VALUE, "LA-PQ-01", "formula-no-value")
    ),
    Case(
        "formula-error-value",
        error_cell("LA-PQ-01", b"#DIV/0!", b"G4/0"),
        cell(VALUE, "LA-PQ-01", "error-value"),
    ),
    Case("constant-error-value", error_cell("LA-PQ-01", b"#N/A", None), cell(VALUE, "LA-PQ-01", "error-value")),
    # LA-BR-05 地理标志证明商标数 counts whole 件: 2.5 件 would be judged (and could meet a target)
    Case("fraction-of-a-count", edit(set_cell("LA-BR-05", VALUE, 2.5)), cell(VALUE, "LA-BR-05", "not-whole")),
    Case(  # 新增类 (LA-BR-10 中国质量奖获奖数): its baseline is 0 by definition; the template greys the cells
        "baseline-for-a-new-since-baseline-count",
        edit(lambda ws, rows: (set_cell("LA-BR-10", BASE_V, 3)(ws, rows), set_cell("LA-BR-10", BASE_Y, 2020)(ws, rows))),
        cell(BASE_V, "LA-BR-10", "baseline-not-taken"),
    ),
    Case("rank-zero", edit(set_cell("LA-SQ-05", VALUE, 0)), cell(VALUE, "LA-SQ-05", "rank-invalid")),
    Case("rank-fraction", edit(set_cell("LA-SQ-05", VALUE, 2.5)), cell(VALUE, "LA-SQ-05", "rank-invalid")),
    Case(
        "field-size-too-small",
        edit(set_cell("LA-SQ-05", FIELD, 3)),
        cell(FIELD, "LA-SQ-05", "field-size-invalid"),
    ),
    Case(
        "field-size-missing",
        edit(set_cell("LA-SQ-05", FIELD, None)),
        cell(FIELD, "LA-SQ-05", "missing-field-size"),
    ),
    Case(
        "milestone-word",
        edit(set_cell("LA-QG-02", VALUE, "差不多")),
        cell(VALUE, "LA-QG-02", "milestone-invalid"),
    ),
    Case(
        "milestone-no-date",
        edit(set_cell("LA-QG-02", VALUE, "已完成")),
        cell(DONE, "LA-QG-02", "missing-done-date"),
    ),
    Case(
        "milestone-bad-date",
        edit(
            lambda ws, rows: (
                set_cell("LA-QG-02", VALUE, "已完成")(ws, rows),
                set_cell("LA-QG-02", DONE, "明天")(ws, rows),
            )
        ),
        cell(DONE, "LA-QG-02", "date-invalid"),
    ),
    Case(  # a format-1 template still has the 基准值 column: the office enters benchmarks now
        "benchmark-filled-in-old-template",
        edit(_old_benchmark_column),
        cell(BENCH, "LA-PQ-04", "benchmark-by-office"),
    ),
    Case(  # the annual row asks for 2024Q4: its identifier moved to the template's quarter
        "annual-row-moved-to-this-quarter",
        edit(_key("LA-SQ-05", f"{PLAN}|{PERIOD}|{UNIT}|LA-SQ-05")),
        cell(KEY_COL, "LA-SQ-05", "row-period-mismatch"),
    ),
    Case(
        "baseline-without-year",
        edit(set_cell("LA-PQ-01", BASE_V, 97)),
        cell(BASE_Y, "LA-PQ-01", "baseline-incomplete"),
    ),
    Case(
        "baseline-bad-year",
        edit(
            lambda ws, rows: (
                set_cell("LA-PQ-01", BASE_V, 97)(ws, rows),
                set_cell("LA-PQ-01", BASE_Y, "二〇二〇")(ws, rows),
            )
        ),
        cell(BASE_Y, "LA-PQ-01", "year-invalid"),
    ),
    Case(
        "note-too-long", edit(set_cell("LA-PQ-01", NOTE, LONG_NOTE)), cell(NOTE, "LA-PQ-01", "text-too-long")
    ),
    Case(
        "several-errors-collected",
        edit(_several),
        lambda rows: [
            [S, rows["LA-PQ-01"], VALUE, "type-error"],
            [S, rows["LA-PQ-02"], VALUE, "rate-out-of-range"],
            [S, rows["LA-SQ-05"], VALUE, "rank-invalid"],
            [S, max(rows.values()) + 1, "", "duplicate-row"],
        ],
    ),
]


def template_rows(template: bytes) -> dict[str, int]:
    return rows_by_code(load_workbook(io.BytesIO(template))[S])


# ---------------------------------------------------------------- issue 12: hardening cases

SHEET1 = "xl/worksheets/sheet1.xml"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HELP_SHEET_PART = "xl/worksheets/sheet2.xml"


def forge_size(data: bytes, member: str, size: int) -> bytes:
    """Declare ``size`` as the uncompressed size of ``member`` in the zip's central directory (a liar)."""
    out = bytearray(data)
    name = member.encode()
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        n = int.from_bytes(out[pos + 28 : pos + 30], "little")
        if bytes(out[pos + 46 : pos + 46 + n]) == name:
            out[pos + 24 : pos + 28] = size.to_bytes(4, "little")
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{member} not found")


def sheet_edit(func: Callable[[bytes], bytes], part: str = SHEET1, name: str = "填报.xlsx"):
    return xml_edit(part, func, name)


def _add_row(xml: bytes, row_xml: bytes) -> bytes:
    assert b"</sheetData>" in xml
    return xml.replace(b"</sheetData>", row_xml + b"</sheetData>", 1)


def _dimension(ref: bytes):
    return lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>', xml, count=1)


def _million_rows(template: bytes) -> tuple[bytes, str]:
    """The unit's template whose data sheet goes on to row 1,048,576 (one small cell per row)."""

    def build() -> bytes:
        def patch(xml: bytes) -> bytes:
            rows = b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(40, 1_048_577)
            )
            return _add_row(xml, rows)

        return rezip(filled(template), lambda n, c: patch(c) if n == SHEET1 else c)

    return cached("million-rows", build), "百万行.xlsx"


def _many_cells(template: bytes) -> tuple[bytes, str]:
    """2,000,100 cells in rows 40–59, all within the column and row limits."""

    def build() -> bytes:
        cells = b"".join(b'<c r="A%d"/>' % r for r in range(40, 60)) * 100_005
        return rezip(
            filled(template),
            lambda n, c: _add_row(c, b'<row r="40">' + cells + b"</row>") if n == SHEET1 else c,
        )

    return cached("many-cells", build), "cells.xlsx"


def _many_sheets(template: bytes) -> tuple[bytes, str]:
    """The template plus 4,000 small sheets (each a real part)."""

    def build() -> bytes:
        wb = load_workbook(io.BytesIO(filled(template)))
        data = save(wb)
        extra: dict[str, bytes] = {}
        sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
        sheets, rels, types = [], [], []
        for i in range(4000):
            extra[f"xl/worksheets/x{i}.xml"] = sheet
            sheets.append(
                f'<sheet xmlns:r="{REL_NS}" name="S{i}" sheetId="{1000 + i}" r:id="rX{i}"/>'.encode()
            )
            rels.append(
                f'<Relationship Id="rX{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/x{i}.xml"/>'.encode()
            )  # noqa: E501
            types.append(
                f'<Override PartName="/xl/worksheets/x{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'.encode()
            )  # noqa: E501

        def change(n: str, c: bytes) -> bytes:
            if n == "xl/workbook.xml":
                return c.replace(b"</sheets>", b"".join(sheets) + b"</sheets>", 1)
            if n == "xl/_rels/workbook.xml.rels":
                return c.replace(b"</Relationships>", b"".join(rels) + b"</Relationships>", 1)
            if n == "[Content_Types].xml":
                return c.replace(b"</Types>", b"".join(types) + b"</Types>", 1)
            return c

        return rezip(data, change, extra)

    return cached("many-sheets", build), "四千表.xlsx"


def _long_shared_string(template: bytes) -> tuple[bytes, str]:
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           b"<si><t>" + b"x" * (5 * 1024 * 1024) + b"</t></si></sst>")  # fmt: skip
    data = filled(template)

    def change(n: str, c: bytes) -> bytes:
        if n == "[Content_Types].xml" and b"sharedStrings" not in c:
            return c.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )  # noqa: E501
        return c

    return cached("long-string", lambda: rezip(data, change, {"xl/sharedStrings.xml": sst})), "长文本.xlsx"


def _inline_text(code: str, col: str, marker: str, xml_text: bytes):
    """Put ``marker`` into a cell with openpyxl, then replace it in the XML (NUL, escape codes)."""

    def build(template: bytes) -> tuple[bytes, str]:
        wb = load_workbook(io.BytesIO(template))
        ws = wb[S]
        fill_valid(ws)
        ws.cell(rows_by_code(ws)[code], COL[col]).value = marker
        return rezip(
            save(wb), lambda n, c: c.replace(marker.encode(), xml_text) if n == SHEET1 else c
        ), "ctl.xlsx"

    return build


def _raw_value(code: str, col: str, placeholder: float, xml_value: bytes):
    """A numeric cell whose <v> text is replaced (NaN, INF, 1e309)."""

    def build(template: bytes) -> tuple[bytes, str]:
        wb = load_workbook(io.BytesIO(template))
        ws = wb[S]
        fill_valid(ws)
        r = rows_by_code(ws)[code]
        ws.cell(r, COL[col]).value = placeholder
        data = save(wb)
        cell_re = re.compile(rb'(<c r="%s%d"[^>]*>)<v>[^<]*</v>' % (col.encode(), r))

        def patch(xml: bytes) -> bytes:
            new, count = cell_re.subn(rb"\1<v>" + xml_value + b"</v>", xml)
            assert count == 1
            return new

        return rezip(data, lambda n, c: patch(c) if n == SHEET1 else c), "raw.xlsx"

    return build


def _merge(code: str, col: str, down: int = 1, across: int = 0):
    def mutate(ws, rows):
        r = rows[code]
        ws.merge_cells(start_row=r, start_column=COL[col], end_row=r + down, end_column=COL[col] + across)

    return mutate


def _merged_expected(code: str, col: str, down: int = 1, across: int = 0):
    def expected(rows):
        return [[S, rows[code], col, "merged-cell"]]

    return expected


def _formula_prefixed(code: str):
    """A formula without cached value in an x:-prefixed, single-quoted sheet."""

    def build(template: bytes) -> tuple[bytes, str]:
        data, name = formula_cell(code, False)(template)
        return rezip(data, lambda n, c: prefixed(c) if n == SHEET1 else c), name

    return build


def prefixed(xml: bytes, quote: bool = True) -> bytes:
    """The same sheet with an ``x:`` prefix on every element and single-quoted attributes."""
    xml = re.sub(rb"<(/?)([A-Za-z][\w]*)(?=[\s>/])", rb"<\1x:\2", xml)
    xml = xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                      b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1)  # fmt: skip
    if quote:
        head, sep, body = xml.partition(b"?>")
        xml = head + sep + body.replace(b'"', b"'") if sep else xml.replace(b'"', b"'")
    return xml


def _no_refs_wide(template: bytes) -> tuple[bytes, str]:
    """A row of 70 cells written without ``r`` (positional): column 70 > BL."""
    cells = b"<c><v>1</v></c>" * 70
    return rezip(
        filled(template), lambda n, c: _add_row(c, b'<row r="45">' + cells + b"</row>") if n == SHEET1 else c
    ), "pos.xlsx"  # noqa: E501


LONG_1200 = "备" * 1200
NOTE_1MB = "说明" * 170_000  # ≈ 1 MB of UTF-8, compresses ≈ 1000:1: a long note, no zip bomb
LONG_UNIT = "很长的单位名称" * 18  # 126 characters


def _span_error(code: str, col: str, error: str):
    return lambda rows: [[S, rows[code], col, error]]


def HARDENING_CASES() -> list[Case]:  # noqa: N802 - a list built after the helpers above
    def both(ws, rows, cells: dict) -> None:
        for (code, col), value in cells.items():
            set_cell(code, col, value)(ws, rows)

    return [
        # ---- zip container: absolute sizes, not the ratio alone
        Case(
            "zip-declared-part-150mb",
            lambda t: (forge_size(filled(t), SHEET1, 150 * 1024 * 1024), "a.xlsx"),
            file_error("zip-bomb"),
        ),
        Case(
            "zip-declared-total-250mb",
            lambda t: (
                forge_size(
                    forge_size(forge_size(filled(t), SHEET1, 90 << 20), HELP_SHEET_PART, 90 << 20),
                    "xl/styles.xml",
                    90 << 20,
                ),
                "a.xlsx",
            ),
            file_error("zip-bomb"),
        ),
        Case(
            "note-1mb-is-no-zip-bomb",
            edit(set_cell("LA-PQ-01", NOTE, NOTE_1MB)),
            cell(NOTE, "LA-PQ-01", "text-too-long"),
        ),
        Case("shared-string-5mb", _long_shared_string, file_error("string-too-large")),
        # ---- shapes checked before the reader allocates
        Case(
            "dimension-bomb-XFD1048576",
            sheet_edit(_dimension(b"A1:XFD1048576")),
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case(
            "dimension-too-wide-BM",
            sheet_edit(_dimension(b"A1:BM30")),
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case(
            "cell-at-XFD1048576",
            sheet_edit(lambda x: _add_row(x, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case(
            "cell-at-column-BM",
            sheet_edit(lambda x: _add_row(x, b'<row r="40"><c r="BM40"><v>1</v></c></row>')),
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case(
            "cell-at-row-60001",
            sheet_edit(lambda x: _add_row(x, b'<row r="60001"><c r="A60001"><v>1</v></c></row>')),
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case(
            "empty-row-tag-1048576",
            sheet_edit(lambda x: _add_row(x, b'<row r="1048576"/>')),
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case(
            "cell-at-XFD1-single-quotes",
            sheet_edit(lambda x: _add_row(x, b"<row r='40'><c r='XFD40'><v>1</v></c></row>")),
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case(
            "cell-at-XFD1-prefixed",
            sheet_edit(lambda x: prefixed(_add_row(x, b'<row r="40"><c r="XFD40"><v>1</v></c></row>'))),  # noqa: E501
            lambda rows: [[S, None, "", "sheet-too-large"]],
        ),
        Case("positional-cells-70-columns", _no_refs_wide, lambda rows: [[S, None, "", "sheet-too-large"]]),
        Case(
            "help-sheet-cell-at-XFD1048576",
            sheet_edit(
                lambda x: _add_row(x, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
                HELP_SHEET_PART,
            ),  # noqa: E501
            lambda rows: [["填报说明", None, "", "sheet-too-large"]],
        ),
        Case("million-rows", _million_rows, lambda rows: [[S, None, "", "sheet-too-large"]]),
        Case("two-million-cells", _many_cells, lambda rows: [[S, None, "", "sheet-too-large"]]),
        Case("four-thousand-sheets", _many_sheets, file_error("too-many-sheets")),
        # ---- numbers
        Case(
            "nan-value", _raw_value("LA-PQ-01", VALUE, 12345.5, b"NaN"), cell(VALUE, "LA-PQ-01", "not-finite")
        ),
        Case(
            "inf-value", _raw_value("LA-BR-05", VALUE, 12345.5, b"INF"), cell(VALUE, "LA-BR-05", "not-finite")
        ),
        Case(
            "1e309-value",
            _raw_value("LA-BR-05", VALUE, 12345.5, b"1e309"),
            cell(VALUE, "LA-BR-05", "not-finite"),
        ),
        Case(
            "minus-inf-level",
            _raw_value("LA-BR-07", VALUE, 12345.5, b"-INF"),
            cell(VALUE, "LA-BR-07", "not-finite"),
        ),
        Case(
            "nan-baseline",
            _raw_value("LA-PQ-01", BASE_V, 12345.5, b"NaN"),
            lambda rows: [[S, rows["LA-PQ-01"], BASE_V, "not-finite"]],
        ),  # noqa: E501
        Case("nan-text", edit(set_cell("LA-PQ-01", VALUE, "nan")), cell(VALUE, "LA-PQ-01", "type-error")),
        Case(
            "superscript-10²",
            edit(set_cell("LA-BR-05", VALUE, "10²")),
            cell(VALUE, "LA-BR-05", "unusual-digit"),
        ),
        Case(
            "superscript-year",
            edit(lambda ws, rows: both(ws, rows, {("LA-PQ-01", BASE_V): 97, ("LA-PQ-01", BASE_Y): "202⁰"})),
            cell(BASE_Y, "LA-PQ-01", "year-invalid"),
        ),
        Case(
            "arabic-indic-digits",
            edit(set_cell("LA-PQ-01", VALUE, "٩٨")),
            cell(VALUE, "LA-PQ-01", "unusual-digit"),
        ),
        Case(
            "devanagari-digits",
            edit(set_cell("LA-PQ-01", VALUE, "९८")),
            cell(VALUE, "LA-PQ-01", "unusual-digit"),
        ),
        Case(
            "circled-digit", edit(set_cell("LA-BR-05", VALUE, "①")), cell(VALUE, "LA-BR-05", "unusual-digit")
        ),
        Case(
            "vulgar-fraction",
            edit(set_cell("LA-BR-05", VALUE, "3½")),
            cell(VALUE, "LA-BR-05", "unusual-digit"),
        ),
        Case(
            "roman-numeral", edit(set_cell("LA-BR-05", VALUE, "Ⅻ")), cell(VALUE, "LA-BR-05", "unusual-digit")
        ),
        Case(
            "zero-width-space",
            edit(set_cell("LA-PQ-01", VALUE, "98\u200b5")),
            cell(VALUE, "LA-PQ-01", "type-error"),
        ),
        Case(
            "superscript-in-date",
            edit(
                lambda ws, rows: both(
                    ws, rows, {("LA-QG-02", VALUE): "已完成", ("LA-QG-02", DONE): "2025-0⁶-30"}
                )
            ),  # noqa: E501
            cell(DONE, "LA-QG-02", "date-invalid"),
        ),
        Case(
            "count-1e308",
            edit(set_cell("LA-BR-05", VALUE, 1e308)),
            cell(VALUE, "LA-BR-05", "value-out-of-range"),
        ),
        Case(
            "count-above-1e9",
            edit(set_cell("LA-BR-05", VALUE, 1_000_000_001)),
            cell(VALUE, "LA-BR-05", "value-out-of-range"),
        ),
        Case(
            "new-count-text-1e12",
            edit(set_cell("LA-SQ-03", VALUE, "1e12")),
            cell(VALUE, "LA-SQ-03", "value-out-of-range"),
        ),
        Case(
            "ratio-above-1e6",
            edit(set_cell("LA-BR-08", VALUE, 2_000_000)),
            cell(VALUE, "LA-BR-08", "value-out-of-range"),
        ),
        Case(
            "per-capita-above-1e6",
            edit(set_cell("LA-BR-09", VALUE, 2e6)),
            cell(VALUE, "LA-BR-09", "value-out-of-range"),
        ),
        Case(
            "baseline-count-1e308",
            edit(lambda ws, rows: both(ws, rows, {("LA-BR-05", BASE_V): 1e308, ("LA-BR-05", BASE_Y): 2020})),  # noqa: E501
            cell(BASE_V, "LA-BR-05", "value-out-of-range"),
        ),
        Case(
            "rate-1e3-text",
            edit(set_cell("LA-PQ-01", VALUE, "1e3")),
            cell(VALUE, "LA-PQ-01", "rate-out-of-range"),
        ),
        Case(
            "rank-2^31",
            edit(set_cell("LA-SQ-05", VALUE, 2**31)),
            cell(VALUE, "LA-SQ-05", "value-out-of-range"),
        ),
        Case(
            "field-size-2^31",
            edit(set_cell("LA-SQ-05", FIELD, 2**31)),
            cell(FIELD, "LA-SQ-05", "value-out-of-range"),
        ),
        Case(
            "rank-2^63-text",
            edit(set_cell("LA-SQ-05", VALUE, str(2**63))),
            cell(VALUE, "LA-SQ-05", "value-out-of-range"),
        ),
        # ---- dates and years within the plan's span (luan: 2021 – 2025, done dates to 2026-12-31)
        Case(
            "milestone-9999-12-31",
            edit(
                lambda ws, rows: both(
                    ws, rows, {("LA-QG-02", VALUE): "已完成", ("LA-QG-02", DONE): "9999-12-31"}
                )
            ),  # noqa: E501
            _span_error("LA-QG-02", DONE, "date-out-of-span"),
        ),
        Case(
            "milestone-before-baseline-year",
            edit(
                lambda ws, rows: both(
                    ws, rows, {("LA-QG-02", VALUE): "已完成", ("LA-QG-02", DONE): "2020-12-31"}
                )
            ),  # noqa: E501
            _span_error("LA-QG-02", DONE, "date-out-of-span"),
        ),
        Case(
            "baseline-year-2100",
            edit(lambda ws, rows: both(ws, rows, {("LA-PQ-01", BASE_V): 97, ("LA-PQ-01", BASE_Y): 2100})),
            _span_error("LA-PQ-01", BASE_Y, "year-out-of-span"),
        ),
        Case(
            "baseline-year-after-horizon",
            edit(lambda ws, rows: both(ws, rows, {("LA-PQ-01", BASE_V): 97, ("LA-PQ-01", BASE_Y): 2026})),  # noqa: E501
            _span_error("LA-PQ-01", BASE_Y, "year-out-of-span"),
        ),
        Case(
            "baseline-year-1948",
            edit(lambda ws, rows: both(ws, rows, {("LA-PQ-01", BASE_V): 97, ("LA-PQ-01", BASE_Y): 1948})),
            cell(BASE_Y, "LA-PQ-01", "year-invalid"),
        ),
        # ---- percent formats in any spelling (refusals: a %-formatted count, a rate over 100)
        Case(
            "percent-format-single-quotes-rate-150",
            lambda t: (
                rezip(
                    edit(set_cell("LA-PQ-01", VALUE, 1.5, "0.0%"))(t)[0],
                    lambda n, c: prefixed(c, quote=True) if n == SHEET1 else c,
                ),
                "p.xlsx",
            ),
            cell(VALUE, "LA-PQ-01", "rate-out-of-range"),
        ),
        Case(
            "percent-format-on-count-prefixed",
            lambda t: (
                rezip(
                    edit(set_cell("LA-BR-05", VALUE, 0.5, "0%"))(t)[0],
                    lambda n, c: prefixed(c, quote=False) if n == SHEET1 else c,
                ),
                "p.xlsx",
            ),
            cell(VALUE, "LA-BR-05", "percent-not-allowed"),
        ),
        # ---- formulas
        Case(
            "formula-no-value-prefixed",
            _formula_prefixed("LA-PQ-01"),
            cell(VALUE, "LA-PQ-01", "formula-no-value"),
        ),
        # ---- merged value cells: refused, range named; the row below is not silently dropped
        Case("merged-value-cells", edit(_merge("LA-PQ-01", VALUE)), _merged_expected("LA-PQ-01", VALUE)),
        Case("merged-note-cells", edit(_merge("LA-BR-05", NOTE, down=2)), _merged_expected("LA-BR-05", NOTE)),
        Case(
            "merged-rank-and-field",
            edit(_merge("LA-SQ-05", VALUE, down=0, across=1)),
            _merged_expected("LA-SQ-05", VALUE),
        ),
        # ---- text: control characters, length (numbers kept in the message)
        Case(
            "nul-in-note",
            _inline_text("LA-PQ-01", NOTE, "NULMARK", b"ab_x0000_cd"),
            cell(NOTE, "LA-PQ-01", "control-character"),
        ),
        Case(
            "escape-codes-in-note",
            _inline_text("LA-PQ-01", NOTE, "ESCMARK", b"_x001B_[2J_x001B_[31m"),
            cell(NOTE, "LA-PQ-01", "control-character"),
        ),
        Case(  # U+202E RIGHT-TO-LEFT OVERRIDE: the note would show its words in another order
            "bidi-override-in-note",
            edit(set_cell("LA-PQ-01", NOTE, "正常\u202e数据已核实\u202c")),
            cell(NOTE, "LA-PQ-01", "control-character"),
        ),
        Case(
            "escape-codes-in-value",
            _inline_text("LA-BR-05", VALUE, "ESCMARK", b"_x001B_[2J98"),
            cell(VALUE, "LA-BR-05", "type-error"),
        ),
        Case(
            "nul-in-identifier",
            _inline_text("LA-PQ-01", KEY_COL, "KEYMARK", f"{PLAN}|{PERIOD}|{UNIT}|LA-PQ-01_x0000_".encode()),
            cell(KEY_COL, "LA-PQ-01", "bad-identifier"),
        ),
        Case(
            "note-1200-chars",
            edit(set_cell("LA-PQ-01", NOTE, LONG_1200)),
            cell(NOTE, "LA-PQ-01", "text-too-long"),
        ),
        Case(
            "unit-name-126-chars",
            edit(_key("LA-PQ-01", f"{PLAN}|{PERIOD}|{LONG_UNIT}|LA-PQ-01")),
            row_error("LA-PQ-01", "unit-unknown"),
        ),
        Case(
            "plan-code-300-chars",
            edit(_key("LA-PQ-01", f"{'p' * 300}|{PERIOD}|{UNIT}|LA-PQ-01")),
            cell(KEY_COL, "LA-PQ-01", "bad-identifier"),
        ),  # noqa: E501
    ]


@dataclass
class ValueCase:
    """A file that must be accepted, with the value it must read for one figure (preview's new text)."""

    name: str
    build: Callable[[bytes], tuple[bytes, str]]
    code: str
    new: str  # the preview's new text, up to the first "；"


def _percent_variant(transform: Callable[[bytes], bytes]):
    def build(template: bytes) -> tuple[bytes, str]:
        data, name = edit(set_cell("LA-PQ-01", VALUE, 0.985, "0.0%"))(template)
        return rezip(data, lambda n, c: transform(c) if n == SHEET1 else c), name

    return build


def _spaced_attributes(xml: bytes) -> bytes:
    return re.sub(rb'<c r="([A-Z]+\d+)" s="(\d+)"', rb'<c r = "\1"  s = "\2"', xml)


VALUE_CASES: list[ValueCase] = [
    ValueCase("full-width-digits", edit(set_cell("LA-PQ-01", VALUE, "９７．５")), "LA-PQ-01", "97.5"),
    ValueCase("full-width-percent", edit(set_cell("LA-PQ-01", VALUE, "９７．５％")), "LA-PQ-01", "97.5"),
    ValueCase("space-before-percent", edit(set_cell("LA-PQ-01", VALUE, "98.5 %")), "LA-PQ-01", "98.5"),
    ValueCase("full-width-comma-thousands", edit(set_cell("LA-BR-07", VALUE, "1，234")), "LA-BR-07", "1234"),
    ValueCase("percent-format-plain", _percent_variant(lambda x: x), "LA-PQ-01", "98.5"),
    ValueCase(
        "percent-format-single-quotes", _percent_variant(lambda x: x.replace(b'"', b"'")), "LA-PQ-01", "98.5"
    ),
    ValueCase(
        "percent-format-x-prefix", _percent_variant(lambda x: prefixed(x, quote=False)), "LA-PQ-01", "98.5"
    ),
    ValueCase("percent-format-x-prefix-single-quotes", _percent_variant(prefixed), "LA-PQ-01", "98.5"),
    ValueCase("percent-format-spaced-attributes", _percent_variant(_spaced_attributes), "LA-PQ-01", "98.5"),
    ValueCase("formula-with-cached-value", formula_cell("LA-PQ-01", True), "LA-PQ-01", "98.5"),
    ValueCase("count-at-bound-1e9", edit(set_cell("LA-BR-05", VALUE, 1_000_000_000)), "LA-BR-05", "1e+09"),
    ValueCase(
        "milestone-on-last-allowed-day",
        edit(
            lambda ws, rows: (
                set_cell("LA-QG-02", VALUE, "已完成")(ws, rows),
                set_cell("LA-QG-02", DONE, "2026-12-31")(ws, rows),
            )
        ),
        "LA-QG-02",
        "已完成（2026-12-31）",
    ),  # fmt: skip
]


CASES.extend(HARDENING_CASES())
