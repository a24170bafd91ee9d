"""Turn what people type into spreadsheet cells into numbers, dates and yes/no.

Accepted (unambiguous) input: numbers; numbers stored as text; full-width
digits and signs (``９８．５``); surrounding spaces (incl. ideographic and
no-break spaces); thousands separators in groups of three (``1,234.5``);
``98.5%`` / ``98.5％`` (a percent, i.e. 98.5 on the 0–100 scale of rates);
a number in a %-formatted cell (``0.985`` shown as ``98.5%`` → 98.5).

Refused, each with a stable error code (:class:`CellProblem`): NaN and ±infinity,
superscripts and digits of other scripts (``10²`` is not 102, ``٣`` is not 3: NFKC would
silently turn them into ASCII digits, so number text is *not* NFKC-normalised, only the
full-width forms are mapped), text with control characters (NUL, escape codes: refused
rather than stripped, so that what is stored is what the unit sent), text over its limit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from workbook.limits import NOTE_MAX_CHARS, YEAR_MAX, YEAR_MIN


class CellProblem(ValueError):
    """A cell that cannot be read; ``code`` is a key of ``workbook.errors.MESSAGES``."""

    def __init__(self, code: str, value: object = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.value = value
        self.params = params


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool = False  # written as a percent (98.5% or a %-formatted cell)


_SPACES = "\u3000\u00a0\u2002\u2003\u2009\u202f\ufeff"
_PLAIN = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")
# full-width forms → ASCII, odd spaces → space; nothing else is mapped (no NFKC for numbers)
_NUMBER_MAP = {0xFF10 + i: 0x30 + i for i in range(10)}
_NUMBER_MAP.update({ord(a): b for a, b in zip("．，＋－−％ｅＥ", ".,+--%eE", strict=True)})
_NUMBER_MAP.update({ord(c): " " for c in _SPACES})
_NUMBER_CHARS = frozenset("0123456789+-.,eE% \t\r\n")
# C0 controls except tab/newline/CR, DEL, C1 controls, and the bidirectional marks, embeddings,
# overrides and isolates (U+200E/F, U+202A–E, U+2066–9: "正常\u202e数据已核实" shows its words in
# another order than they are stored); U+2028/2029 are fine
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class ErrorValue(str):
    """A cell's error value (``#DIV/0!``, ``#N/A``, ``#REF!`` …) as the file's scan found it
    (workbook/guard.py): python-calamine reads such a cell as empty. Every parser below refuses it
    (``error-value``): it is never a figure, a date, a state or a note."""


def _refuse_error_value(value: object) -> None:
    if isinstance(value, ErrorValue):
        raise CellProblem("error-value", value)


def clean_text(value: object) -> str:
    """NFKC-normalised, trimmed text (full-width → half-width, odd spaces removed)."""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u2212", "-").replace("\uff0d", "-")
    return text.strip(" \t\r\n" + _SPACES)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def control_char(text: str) -> str | None:
    """The first control character of ``text`` shown as ``\\x1b`` (None when there is none)."""
    match = _CONTROL.search(text)
    return None if match is None else f"\\x{ord(match.group()):02x}"


def escape_controls(text: str) -> str:
    """Control characters as ``\\x1b`` (for terminals and logs)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown(value: object, limit: int = 40) -> object:
    """A cell value as an error message quotes it: whole numbers without .0, long text cut,
    control characters escaped. Never raises (NaN and infinity are shown as such)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return "非数值（NaN）" if math.isnan(value) else ("正无穷" if value > 0 else "负无穷")
        if value == int(value) and abs(value) < 1e15:
            return int(value)
        return value
    if isinstance(value, str):
        text = escape_controls(value)
        return text if len(text) <= limit else text[:limit] + f"…（共 {len(value)} 字）"
    return value


def parse_number(value: object, *, percent_format: bool = False) -> Number | None:
    """The number in a cell (None when blank); raise CellProblem('type-error' / 'unusual-digit')."""
    _refuse_error_value(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellProblem("type-error", value)
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise CellProblem("not-finite", value)
        if percent_format:
            return Number(round(number * 100, 10), percent=True)
        return Number(number)
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        raise CellProblem("type-error", value)
    text = str(value).translate(_NUMBER_MAP).strip()
    if text == "":
        return None
    for ch in text:
        if ch not in _NUMBER_CHARS:
            if unicodedata.category(ch) in ("Nd", "No", "Nl"):  # ² ٣ ① Ⅻ: a digit, but not 0-9
                raise CellProblem("unusual-digit", value, char=ch)
            raise CellProblem("type-error", value)
    percent = text.endswith("%")
    if percent:
        text = text[:-1].rstrip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise CellProblem("type-error", value)
    number = float(text)
    if not math.isfinite(number):
        raise CellProblem("not-finite", value)
    return Number(number, percent=percent)


def parse_int(value: object, code: str) -> int | None:
    """A whole number (``12``, ``12.0``, ``１２``); raise CellProblem(code) otherwise."""
    _refuse_error_value(value)
    try:
        number = parse_number(value)
    except CellProblem as problem:
        if problem.code == "unusual-digit":
            raise
        raise CellProblem(code, value) from None
    if number is None:
        return None
    if number.percent or number.value != int(number.value):
        raise CellProblem(code, value)
    return int(number.value)


_DATE_PATTERNS = [
    re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日?$"),
    re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$"),
]


def parse_date(value: object) -> dt.date | None:
    """A date from a date cell or text such as 2026-09-30, 2026/9/30, 2026年9月30日."""
    _refuse_error_value(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | int | float):
        raise CellProblem("date-invalid", value)
    raw = str(value)
    if any(unicodedata.category(ch) in ("No", "Nl") for ch in raw):  # 2026-0⁹-30 is no date
        raise CellProblem("date-invalid", value)
    text = clean_text(raw).replace(" ", "")
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
        text = value.translate(_NUMBER_MAP).strip().removesuffix("年").strip()
        value = text if text else None
    try:
        year = parse_int(value, "year-invalid")
    except CellProblem:
        raise CellProblem("year-invalid", value) from None
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise CellProblem("year-invalid", value)
    return year


DONE_WORDS = {"已完成", "完成", "是", "已", "done", "yes", "y", "true", "1", "√", "✓"}
NOT_DONE_WORDS = {"未完成", "尚未完成", "否", "未", "no", "n", "false", "0", "×", "✗"}


def parse_done(value: object) -> bool | None:
    """Milestone state: True (已完成), False (未完成), None (blank)."""
    _refuse_error_value(value)
    _refuse_error_value(value)
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


def parse_text(value: object, limit: int = NOTE_MAX_CHARS) -> str:
    """Free text (a note): trimmed; refused with control characters or beyond ``limit`` characters."""
    _refuse_error_value(value)
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellProblem("type-error", value)
        if value == int(value):
            value = int(value)
    text = str(value).strip()
    bad = control_char(text)
    if bad is not None:
        raise CellProblem("control-character", None, char=bad)
    if len(text) > limit:
        raise CellProblem("text-too-long", None, detail=f"{len(text)} 字", limit=limit)
    return text


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if abs(value) < 1e15 else str(value)
