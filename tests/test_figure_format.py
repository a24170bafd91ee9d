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
