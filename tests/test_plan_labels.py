"""The plan selector's labels are unique: two plans of one jurisdiction and end year are told apart."""

from __future__ import annotations

from types import SimpleNamespace

from ui.widgets import plan_labels


def _plan(code, jurisdiction, end, title):
    return SimpleNamespace(code=code, jurisdiction=jurisdiction, horizon_years=(end - 2, end), title=title)


def test_labels_are_short_when_unique_and_told_apart_otherwise():
    plans = [
        _plan("a", "六安市", 2025, "六安市质量强市建设实施方案"),
        _plan("b", "灵璧县", 2027, "灵璧县质量强县建设方案"),
        _plan("c", "六安市", 2030, "六安市质量强市建设规划"),
        _plan("d", "宿州市", 2027, "宿州市质量强市方案"),
        _plan("e", "宿州市", 2027, "宿州市标准化战略方案"),
        _plan("f", "宿州市", 2027, "宿州市标准化战略方案"),
    ]
    assert plan_labels(plans) == {
        "a": "六安市 · 至2025年",
        "b": "灵璧县 · 至2027年",
        "c": "六安市 · 至2030年",
        "d": "宿州市 · 至2027年 · 宿州市质量强市方案",
        "e": "宿州市 · 至2027年 · 宿州市标准化战略方案",
        "f": "宿州市 · 至2027年 · 宿州市标准化战略方案（2）",
    }
