"""Table-driven tests of human input normalisation, and the template's structure."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from workbook.cells import CellProblem, parse_date, parse_done, parse_int, parse_number, parse_year
from workbook.export import neutralise, write_csv, write_xlsx
from workbook.template import TemplateData, TemplateRow, split_key, write_template

NUMBERS = [
    (98.5, False, 98.5, False),
    ("98.5", False, 98.5, False),
    (" 98.5 ", False, 98.5, False),
    ("\u300098.5\u3000", False, 98.5, False),
    ("９８．５", False, 98.5, False),
    ("98.5%", False, 98.5, True),
    ("98.5％", False, 98.5, True),
    (0.985, True, 98.5, True),
    ("1,234.5", False, 1234.5, False),
    ("1，234", False, 1234.0, False),
    ("12", False, 12.0, False),
    ("−3", False, -3.0, False),
    (7, False, 7.0, False),
    ("1e3", False, 1000.0, False),
]


@pytest.mark.parametrize("raw,percent_format,value,percent", NUMBERS)
def test_accepted_numbers(raw, percent_format, value, percent):
    number = parse_number(raw, percent_format=percent_format)
    assert number is not None
    assert number.value == pytest.approx(value)
    assert number.percent is percent


@pytest.mark.parametrize(
    "raw", ["约98", "98,5", "1,23", "abc", "98.5%%", "9 8", "nan", "inf", True, dt.date(2026, 1, 1)]
)
def test_refused_numbers(raw):
    with pytest.raises(CellProblem) as info:
        parse_number(raw)
    assert info.value.code == "type-error"


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_blank_is_none(raw):
    assert parse_number(raw) is None


@pytest.mark.parametrize(
    "raw,expected",
    [("2026-09-30", dt.date(2026, 9, 30)), ("2026/9/30", dt.date(2026, 9, 30)), ("2026年9月30日", dt.date(2026, 9, 30)),
     (dt.datetime(2026, 9, 30, 0, 0), dt.date(2026, 9, 30)), ("２０２６－０９－３０", dt.date(2026, 9, 30))],
)  # fmt: skip
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["明天", "2026-13-01", 45000])
def test_bad_dates(raw):
    with pytest.raises(CellProblem):
        parse_date(raw)


@pytest.mark.parametrize("raw,expected", [("已完成", True), ("完成", True), ("是", True), (1, True), ("未完成", False), ("否", False), (0, False), (None, None)])  # fmt: skip
def test_done(raw, expected):
    assert parse_done(raw) is expected


def test_int_and_year():
    assert parse_int("１２", "rank-invalid") == 12
    assert parse_year("2020年") == 2020
    for bad in ("2.5", "x"):
        with pytest.raises(CellProblem):
            parse_int(bad, "rank-invalid")
    with pytest.raises(CellProblem):
        parse_year(1800)


@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False))
def test_thousands_roundtrip(value):
    text = f"{value:,.3f}"
    assert parse_number(text).value == pytest.approx(float(value))


def test_neutralise_and_exports():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+86") == "'+86"
    assert neutralise("-x") == "'-x"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise(-3.5) == -3.5
    assert neutralise("正常") == "正常"
    rows = [{"a": '=HYPERLINK("http://x")', "b": -2.0}]
    csv_text = write_csv(["a", "b"], {"a": "A", "b": "B"}, rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "-2" in csv_text
    ws = load_workbook(io.BytesIO(write_xlsx(["a", "b"], {}, rows))).active
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("'=")
    assert ws["B2"].value == -2.0


def _template(rows):
    return TemplateData("luan", "计划", "六安市", "2026Q3", "2026年第3季度", "市市场监管局", tuple(rows))


def test_template_structure():
    rows = [
        TemplateRow("市市场监管局", "LA-PQ-01", "合格率", "rate", "%", needs_baseline=True),
        TemplateRow("市市场监管局", "LA-SQ-05", "位次", "rank"),
        TemplateRow("市市场监管局", "LA-QG-02", "里程碑", "milestone"),
        TemplateRow("市市场监管局", "LA-PQ-04", "死亡率", "per_capita", benchmark="全省平均"),
    ]
    wb = load_workbook(io.BytesIO(write_template(_template(rows))))
    assert wb.sheetnames == ["填报", "填报说明", "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"
    assert wb.security.lockStructure
    ws = wb["填报"]
    assert ws.freeze_panes == "C4"
    assert ws.protection.sheet
    assert ws.column_dimensions["O"].hidden
    assert split_key(ws["O4"].value) == ("luan", "2026Q3", "市市场监管局", "LA-PQ-01")
    assert ws["J4"].value == "2026年第3季度数据" and ws["H3"].value == "填报数值"
    assert not ws["H4"].protection.locked and ws["B4"].protection.locked
    assert not ws["L4"].protection.locked  # baseline asked for
    assert ws["I4"].protection.locked and not ws["I5"].protection.locked  # field size only for rank
    assert ws["J7"].protection.locked  # no benchmark asked: the office enters it
    assert "全省平均由质量办录入" in ws["E7"].value
    validations = {
        str(dv.sqref): (dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation
    }
    assert validations["H4"] == ("decimal", "0", "100")
    assert validations["H6"][0] == "list"
    assert "填报说明" in wb["填报说明"]["A1"].value


# measure kind, cell text, percent format, accepted value or the refusal's code
KIND_NUMBERS = [
    ("change", "-1.2", False, -1.2),  # 单位GDP能耗下降率 in a year consumption rose
    ("change", "-1.2%", False, -1.2),
    ("change", "135", False, 135.0),  # a change is never held to 0–100
    ("level", "-3", False, -3.0),
    ("stock", "-3", False, "negative-value"),
    ("ratio", "-0.1", False, "negative-value"),
    ("score", "5%", False, "percent-not-allowed"),
    ("rate", "101", False, "rate-out-of-range"),
]


@pytest.mark.parametrize("kind,raw,percent_format,expected", KIND_NUMBERS)
def test_figure_numbers_by_measure_kind(kind, raw, percent_format, expected):
    from workbook.reader import RawCell, RawRow, _number

    problems = []
    row = RawRow("填报", 4, {"value": RawCell(raw, "H", percent_format)}, {"value": "H"})
    value = _number(row, "value", kind, lambda code, key, shown=None: problems.append(code))
    if isinstance(expected, str):
        assert (value, problems) == (None, [expected])
    else:
        assert (value, problems) == (expected, [])
