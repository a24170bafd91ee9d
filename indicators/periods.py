"""Quarterly reporting periods such as ``2026Q2``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")
_CHINESE_RE = re.compile(r"^\s*(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?\s*$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar quarter; ordered, hashable, printed as ``2026Q2``."""

    year: int
    quarter: int
    # Quarters since year 0: consecutive periods differ by one.  Stored (the engine asks for it
    # for every figure of every plan); not part of equality, order, hash or the printed form.
    index: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"季度必须在 1–4 之间：{self.quarter}")
        object.__setattr__(self, "index", quarter_index(self.year, self.quarter))

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2026Q2``, ``2026q2`` or ``2026年第2季度``."""
        match = _PERIOD_RE.match(str(text))
        if match:
            return cls(int(match.group(1)), int(match.group(2)))
        match = _CHINESE_RE.match(str(text))
        if match:
            q = match.group(2)
            return cls(int(match.group(1)), _CHINESE_DIGITS.get(q) or int(q))
        raise ValueError(f"无法识别的季度：{text!r}（应为 2026Q2 或 2026年第2季度）")

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        """Chinese label, e.g. ``2026年第2季度``."""
        text = _LABELS.get(self.index)
        if text is None:
            text = f"{self.year}年第{self.quarter}季度"
            if len(_LABELS) < _MEMO_LIMIT:
                _LABELS[self.index] = text
        return text

    @classmethod
    def from_index(cls, index: int) -> Period:
        """The quarter of an index; the same (frozen) object each time (the engine asks for the
        quarters around every figure of every assessment)."""
        found = _BY_INDEX.get(index)
        if found is None:
            found = cls(index // 4, index % 4 + 1)
            if len(_BY_INDEX) < _MEMO_LIMIT:
                _BY_INDEX[index] = found
        return found

    def shift(self, quarters: int) -> Period:
        return Period.from_index(self.index + quarters)

    @property
    def start_date(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end_date(self) -> dt.date:
        if self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    @property
    def fractional_year(self) -> float:
        """Time at the end of the quarter in years, e.g. 2026Q2 → 2026.5.

        A baseline *year* ``Y`` is read as the end of that year, ``Y + 1.0``
        on this scale; see :func:`year_end`.
        """
        return self.year + self.quarter / 4

    def deadline(self, days_after_end: int) -> dt.date:
        """The reporting deadline: ``days_after_end`` days after the quarter ends."""
        return self.end_date + dt.timedelta(days=days_after_end)


_MEMO_LIMIT = 4096  # quarters remembered (a thousand years); beyond it they are built each time
_BY_INDEX: dict[int, Period] = {}
_LABELS: dict[int, str] = {}


def quarter_index(year: int, quarter: int) -> int:
    """:attr:`Period.index` of a year's quarter, without building the Period."""
    return year * 4 + quarter - 1


def year_end(year: int) -> float:
    """The end of ``year`` on the :attr:`Period.fractional_year` scale."""
    return float(year + 1)


def period_range(first: Period, last: Period) -> list[Period]:
    """All periods from ``first`` to ``last`` inclusive (empty if last < first)."""
    return [Period.from_index(i) for i in range(first.index, last.index + 1)]


def latest_due_period(today: dt.date, deadline_days: int) -> Period:
    """The most recent quarter whose reporting deadline has passed by ``today``."""
    period = Period.containing(today).shift(-1)
    while period.deadline(deadline_days) > today:
        period = period.shift(-1)
    return period
