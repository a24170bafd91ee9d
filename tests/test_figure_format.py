"""Reported figures and targets are shown as written (up to four decimals), computed values with two:
a table row "当前值 0.39, 目标 0.39, 未完成" (0.392 against a control line of 0.388) contradicts itself."""

from __future__ import annotations

import pytest

from briefing.content import row_numbers
from ui.formats import format_figure, format_number


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (0.392, "吨标准煤/万元", "0.392 吨标准煤/万元"),
        (0.388, "吨标准煤/万元", "0.388 吨标准煤/万元"),
        (98.5, "%", "98.5%"),
        (98.456, "%", "98.456%"),
        (0.1 + 0.2, "", "0.3"),  # float noise is not a decimal
        (1234.5, "元", "1,234.5 元"),
        (12.0, "个", "12 个"),
        (0.12345, "", "0.1235"),  # at most four decimals
        (None, "%", "—"),
    ],
)
def test_format_figure(value, unit, shown):
    assert format_figure(value, unit) == shown


def test_computed_values_keep_two_decimals():
    assert format_number(94.2125, "%") == "94.21%"


def test_a_row_of_a_figure_close_to_its_target_tells_them_apart():
    row = {"measure_unit": "吨标准煤/万元", "current_value": 0.392, "target_value": 0.388, "target_year": 2025,
           "expected_value": 0.3905, "progress_ratio": None}  # fmt: skip
    numbers = row_numbers(row)
    assert numbers["current"] == "0.392 吨标准煤/万元"
    assert numbers["target"] == "2025年 0.388 吨标准煤/万元"
    assert numbers["expected"] == "0.39 吨标准煤/万元"


def test_a_rank_reads_in_places_in_the_deck_and_bulletin_tables():
    """LA-SQ-05 公共服务质量监测结果全省位次 read "8" in the deck; its reason says 第 8 名（共 16 个）."""
    row = {"measure_unit": "", "measure_kind": "rank", "current_value": 8.0, "target_value": 8.0,
           "target_year": 2025, "expected_value": 9.0, "progress_ratio": None}  # fmt: skip
    assert row_numbers(row) == {"current": "第 8 名", "expected": "第 9 名", "target": "2025年 前 8 名", "ratio": "—"}
    none_yet = {**row, "current_value": None, "expected_value": None}
    assert row_numbers(none_yet)["current"] == "—" and row_numbers(none_yet)["expected"] == "—"
