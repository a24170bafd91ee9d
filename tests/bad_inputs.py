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


def formula_cell(code_row_lookup: str, with_cache: bool):
    """Put a formula into the value cell of a row, with or without a cached value."""

    def build(template: bytes) -> tuple[bytes, str]:
        wb = load_workbook(io.BytesIO(template))
        ws = wb[S]
        fill_valid(ws)
        r = rows_by_code(ws)[code_row_lookup]
        ws.cell(r, 8).value = 98.5
        data = save(wb)

        def patch(content: bytes) -> bytes:
            pattern = re.compile(rb'(<c r="H%d"[^>]*?)(?: t="n")?>\s*<v>98.5</v>\s*</c>' % r)
            replacement = rb"\1><f>97.5+1</f><v>98.5</v></c>" if with_cache else rb"\1><f>97.5+1</f></c>"
            new, count = pattern.subn(replacement, content)
            assert count == 1, "formula patch failed"
            return new

        return rezip(data, lambda n, c: patch(c) if n == "xl/worksheets/sheet1.xml" else c), "填报.xlsx"

    return build


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
    return rezip(
        filled(template), lambda n, c: c, {"xl/media/zeros.bin": b"\0" * (5 * 1024 * 1024)}
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
    return rezip(data, lambda n, c: c.replace(PERIOD.encode(), b"2025Q1")), "q1.xlsx"


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
    Case("zip-bomb-ratio", _zip_bomb, file_error("zip-bomb")),
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
