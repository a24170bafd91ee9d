"""Turn what people type into spreadsheet cells into numbers, dates and yes/no.

Accepted (unambiguous) input: numbers; numbers stored as text; full-width
digits and signs (``９８．５``); surrounding spaces (incl. ideographic and
no-break spaces); thousands separators in groups of three (``1,234.5``);
``98.5%`` / ``98.5％`` (a percent, i.e. 98.5 on the 0–100 scale of rates);
a number in a %-formatted cell (``0.985`` shown as ``98.5%`` → 98.5).
Anything else raises :class:`CellProblem` with a stable error code.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass


class CellProblem(ValueError):
    """A cell that cannot be read; ``code`` is a key of ``workbook.errors.MESSAGES``."""

    def __init__(self, code: str, value: object = None) -> None:
        super().__init__(code)
        self.code = code
        self.value = value


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool = False  # written as a percent (98.5% or a %-formatted cell)


_SPACES = "\u3000\u00a0\u2002\u2003\u2009\u202f\ufeff"
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def clean_text(value: object) -> str:
    """NFKC-normalised, trimmed text (full-width → half-width, odd spaces removed)."""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u2212", "-").replace("\uff0d", "-")
    return text.strip(" \t\r\n" + _SPACES)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def parse_number(value: object, *, percent_format: bool = False) -> Number | None:
    """The number in a cell (None when blank); raise CellProblem('type-error')."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellProblem("type-error", value)
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise CellProblem("type-error", value)
        if percent_format:
            return Number(round(number * 100, 10), percent=True)
        return Number(number)
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        raise CellProblem("type-error", value)
    text = clean_text(value)
    if text == "":
        return None
    percent = text.endswith("%")
    if percent:
        text = text[:-1].rstrip(" " + _SPACES)
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise CellProblem("type-error", value)
    number = float(text)
    if not math.isfinite(number):
        raise CellProblem("type-error", value)
    return Number(number, percent=percent)


def parse_int(value: object, code: str) -> int | None:
    """A whole number (``12``, ``12.0``, ``１２``); raise CellProblem(code) otherwise."""
    try:
        number = parse_number(value)
    except CellProblem:
        raise CellProblem(code, value) from None
    if number is None:
        return None
    if number.percent or number.value != int(number.value):
        raise CellProblem(code, value)
    return int(number.value)


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(value: object) -> dt.date | None:
    """A date from a date cell or text such as 2026-09-30, 2026/9/30, 2026年9月30日."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | int | float):
        raise CellProblem("date-invalid", value)
    text = clean_text(value).replace(" ", "")
    if not text:
        return None
    text = text.split("T")[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                break
    raise CellProblem("date-invalid", value)


def parse_year(value: object) -> int | None:
    if isinstance(value, str):
        text = clean_text(value).removesuffix("年")
        value = text if text else None
    year = parse_int(value, "year-invalid")
    if year is not None and not 1949 <= year <= 2100:
        raise CellProblem("year-invalid", value)
    return year


DONE_WORDS = {"已完成", "完成", "是", "已", "done", "yes", "y", "true", "1", "√", "✓"}
NOT_DONE_WORDS = {"未完成", "尚未完成", "否", "未", "no", "n", "false", "0", "×", "✗"}


def parse_done(value: object) -> bool | None:
    """Milestone state: True (已完成), False (未完成), None (blank)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellProblem("milestone-invalid", value)
    text = clean_text(value).lower()
    if not text:
        return None
    if text in DONE_WORDS:
        return True
    if text in NOT_DONE_WORDS:
        return False
    raise CellProblem("milestone-invalid", value)


def parse_text(value: object, limit: int = 500) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value).strip()
    if len(text) > limit:
        raise CellProblem("text-too-long", f"{len(text)} 字")
    return text


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if abs(value) < 1e15 else str(value)
