"""The usual row's one-pass reading (workbook.reader._usual_row) against the full one (_validate_row).

_usual_row exists for speed only (issue 13): on a row it takes it must give exactly the
ParsedRow that _validate_row gives, without an error, and leave ``seen`` as _validate_row leaves it;
on every other row it must return None and change nothing, so that _validate_row reads it with its
errors. The first test holds the two together on every combination of the cells below, under
several templates, uploaders and due periods; the second is a hand-made table of rows and what a
clerk expects of each.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest

from workbook import reader
from workbook.cells import ErrorValue
from workbook.reader import IndicatorInfo, ParsedRow, PlanCatalogue, RawSheet, _Sheet

PERIOD = "2026Q3"
COLUMNS = {
    "unit": 0, "code": 1, "value": 7, "field_size": 8, "benchmark_value": 9, "done_on": 10,
    "baseline_value": 11, "baseline_year": 12, "note": 13, "key": 14,
}  # fmt: skip
WIDTH = 15
CATALOGUE = PlanCatalogue(
    plan_code="p",
    jurisdiction="甲市",
    indicators={
        "R1": IndicatorInfo("R1", "合格率", "rate", "%"),
        "S1": IndicatorInfo("S1", "企业数", "stock", "家", whole_items=True),
        "P1": IndicatorInfo("P1", "万人发明专利", "per_capita", "件/万人"),
        "K1": IndicatorInfo("K1", "全省排名", "rank", "", takes_baseline=False),
        "M1": IndicatorInfo("M1", "建成中心", "milestone", "", takes_baseline=False),
        "N1": IndicatorInfo("N1", "新增4A", "new_since_baseline", "家", whole_items=True, takes_baseline=False),
        "Q1": IndicatorInfo("Q1", "上年数", "stock", "个"),
    },
    unit_names={"单位甲": "单位甲", "甲局": "单位甲", "单位乙": "单位乙", "单|位丙": "单|位丙"},
    reports={
        "单位甲": frozenset({"R1", "S1", "P1", "K1", "M1", "N1", "Q1"}),
        "单位乙": frozenset({"R1"}),
        "单|位丙": frozenset({"R1"}),
    },
    baseline_year=2020,
    last_year=2027,
)
KEYS = [
    "p|2026Q3|单位甲|R1", "p|2026Q3|单位甲|S1", "p|2026Q3|单位甲|P1", "p|2026Q3|单位甲|K1",
    "p|2026Q3|单位甲|M1", "p|2026Q3|单位甲|N1", "p|2026Q2|单位甲|Q1", "p|2026Q3|单位甲|Q1",
    "p|2026Q3|单位乙|R1", "p|2026Q3|单位乙|S1", "p|2026Q3|甲局|R1", "p|2026Q3|单|位丙|R1",
    "q|2026Q3|单位甲|R1", "p|2026Q3|单位丁|R1", "p|2026Q3|单位甲|X9", " p|2026Q3|单位甲|R1 ",
    "p|2026Q3|单位甲|Ｒ1", "p|2026Q3|单位甲|R1\x1b", "p||单位甲|R1", "p|2026Q3|单位甲", "",
    5.0, None, ErrorValue("#N/A"),
]  # fmt: skip
VALUES = [98.5, 3.0, 2.5, 0.0, -1.0, 1e13, math.nan, math.inf, True, "98.5", "  ", "", None,
          ErrorValue("#DIV/0!"), dt.datetime(2026, 5, 1)]  # fmt: skip
FIELD_SIZES = [None, 16.0, 2.0, 16.5, 99999.0, "16"]
OTHERS = [  # (全省平均, 基期值, 基期年份)
    (None, None, None), ("", "", ""), (1.0, None, None), ("  ", None, None),
    (None, 5.0, 2020.0), (None, 5.0, None), (None, None, 2020.0),
]  # fmt: skip
NOTES = [None, "", "备注", "  备注 ", 12.0, "a\x1bb", "x" * 501, ErrorValue("#REF!")]
CONTEXTS = [  # (template unit, allowed units, owed, version, seen before)
    ("", None, None, "", {}),
    ("单位甲", {"单位甲"}, None, "2", {("单位甲", "S1"): 3}),
    ("", {"单位乙"}, None, "2", {}),
    ("", None, {"R1": PERIOD, "S1": PERIOD, "P1": PERIOD, "K1": PERIOD, "M1": PERIOD, "N1": None,
                "Q1": "2026Q2"}, "2", {}),  # fmt: skip
    ("", None, {"R1": PERIOD, "Q1": "2026Q2"}, "1", {}),
]


def _row(key, value, size, others, note) -> list:
    values = [""] * WIDTH
    values[COLUMNS["unit"]], values[COLUMNS["code"]] = "单位甲", "R1"
    values[COLUMNS["key"]], values[COLUMNS["value"]], values[COLUMNS["field_size"]] = key, value, size
    values[COLUMNS["benchmark_value"]], values[COLUMNS["baseline_value"]], values[COLUMNS["baseline_year"]] = (
        others
    )
    values[COLUMNS["note"]] = note
    return values


@pytest.mark.parametrize("context", range(len(CONTEXTS)))
def test_usual_row_answers_as_the_full_reading_or_not_at_all(context):
    template_unit_name, allowed, owed, version, seen_before = CONTEXTS[context]
    template_unit = CATALOGUE.unit(template_unit_name) if template_unit_name else None
    rows = [
        _row(*cells) for cells in itertools.product(KEYS, VALUES, FIELD_SIZES, OTHERS, NOTES)
    ]
    percent_every = 5  # some value cells %-formatted (0.985 shown as 98.5%)
    sheet = RawSheet("填报", 3, dict(COLUMNS), rows)
    sheet.percent = {(sheet.first_row + i, "H") for i in range(0, len(rows), percent_every)}
    info = _Sheet(sheet)
    taken = 0
    for i, values in enumerate(rows):
        r = sheet.first_row + i
        seen_fast, seen_full = dict(seen_before), dict(seen_before)
        fast = reader._usual_row(
            values, r, info, CATALOGUE, PERIOD, template_unit_name, template_unit, allowed, seen_fast, owed,
            version,
        )  # fmt: skip
        errors: list = []
        full = reader._validate_row(
            values, r, info, CATALOGUE, PERIOD, template_unit_name, template_unit, allowed, seen_full,
            errors, owed, version,
        )  # fmt: skip
        if fast is None:
            assert seen_fast == seen_before, values
            continue
        taken += 1
        assert errors == [], (values, errors)
        assert fast == full, values
        assert seen_fast == seen_full, values
    assert taken > 100  # the usual rows do take the short way


def _validate(rows: list[list], percent_rows=(), owed=None) -> reader.ParsedWorkbook:
    sheet = RawSheet("填报", 3, dict(COLUMNS), rows)
    sheet.percent = {(4 + i, "H") for i in percent_rows}
    raw = reader.RawWorkbook("f.xlsx", "0" * 64, 1, data_sheets=[sheet])
    return reader.validate(raw, CATALOGUE, PERIOD, owed=owed)


NONE3 = (None, None, None)
HAND_TABLE = [  # (key, value, field size, others, note, percent) → (value, field size, note, period) or error
    ("p|2026Q3|单位甲|R1", 98.5, None, NONE3, "  年报口径 ", False, (98.5, None, "年报口径", PERIOD)),
    ("p|2026Q3|单位甲|R1", 0.985, None, NONE3, None, True, (98.5, None, "", PERIOD)),
    ("p|2026Q3|单位甲|K1", 3.0, 16.0, NONE3, None, False, (3.0, 16, "", PERIOD)),
    ("p|2026Q3|单位甲|K1", 17.0, 16.0, NONE3, None, False, ("field-size-invalid", "I")),
    ("p|2026Q3|单位甲|S1", 2.5, None, NONE3, None, False, ("not-whole", "H")),
    ("p|2026Q3|单位甲|R1", 101.0, None, NONE3, None, False, ("rate-out-of-range", "H")),
    ("p|2026Q3|甲局|R1", 97.0, None, NONE3, "", False, (97.0, None, "", PERIOD)),
    ("p|2026Q3|单位甲|P1", 4.2, None, (1.2, None, None), None, False, ("benchmark-by-office", "J")),
    ("p|2026Q3|单位甲|R1", 97.0, None, NONE3, "a\x1bb", False, ("control-character", "N")),
    ("p|2026Q2|单位甲|Q1", 12.0, None, NONE3, None, False, (12.0, None, "", "2026Q2")),
]


@pytest.mark.parametrize("case", HAND_TABLE, ids=[f"{c[0]}-{c[1]}" for c in HAND_TABLE])
def test_hand_table(case):
    key, value, size, others, note, percent, expected = case
    owed = {"R1": PERIOD, "S1": PERIOD, "P1": PERIOD, "K1": PERIOD, "Q1": "2026Q2"}
    parsed = _validate([_row(key, value, size, others, note)], (0,) if percent else (), owed)
    if isinstance(expected[0], str):
        assert parsed.rows == []
        assert [(e.code, e.sheet, e.row, e.column) for e in parsed.errors] == [(expected[0], "填报", 4, expected[1])]
        return
    assert parsed.errors == []
    (row,) = parsed.rows
    assert (row.value, row.field_size, row.note, row.period) == expected
    assert row.unit_name == "单位甲" and row.row == 4 and row.sheet == "填报"


def test_duplicate_row_is_refused_with_the_first_row_named():
    rows = [_row("p|2026Q3|单位甲|R1", 97.0, None, NONE3, None), _row("p|2026Q3|单位甲|R1", 98.0, None, NONE3, None)]
    parsed = _validate(rows)
    assert [r.value for r in parsed.rows] == [97.0]
    (error,) = parsed.errors
    assert (error.code, error.row, error.params["first_row"]) == ("duplicate-row", 5, 4)


def test_the_usual_rows_do_not_take_the_long_way(monkeypatch):
    """Ten thousand plain rows are read by _usual_row alone (the speed issue 13 asks for)."""

    def refuse(*_args, **_kwargs) -> ParsedRow | None:
        raise AssertionError("read the long way")

    monkeypatch.setattr(reader, "_validate_row", refuse)
    rows = [
        _row(f"p|2026Q3|单位甲|{code}", value, size, NONE3, note)
        for code, value, size, note in [("R1", 97.5, None, "备注"), ("K1", 2.0, 16.0, None), ("P1", 3.25, None, "")]
    ]
    parsed = _validate(rows)
    assert [(r.code, r.value, r.field_size, r.note) for r in parsed.rows] == [
        ("R1", 97.5, None, "备注"), ("K1", 2.0, 16, ""), ("P1", 3.25, None, "")
    ]  # fmt: skip
