"""Working days (工作日) by the State Council's holiday notices: 法定节假日 and 调休 workdays.

The years the PyPI package ``chinesecalendar`` knows (2004 through its last release's year)
come from it; the office may load a CSV of extra days (services.workdays) for a year the
package does not know yet, or to correct a day. A day the office loaded always wins. For a
year neither knows, Monday–Friday are working days and :meth:`WorkCalendar.unknown_years`
names that year, so that a page can say the date may still move once the notice is out.

Deadlines are counted, never "extended if a holiday falls on them" (遇法定节假日顺延): the
computed date is already a working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import chinese_calendar


def package_knows(year: int) -> bool:
    """Whether ``chinesecalendar`` carries the holiday notice of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class WorkCalendar:
    """``extra`` maps a day to True (a working day) or False (a day off), as the office loaded it."""

    extra: Mapping[dt.date, bool] = field(default_factory=dict)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra:
            return self.extra[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``n`` ≥ 1); ``n`` = 0 gives ``day`` itself."""
        out = day
        while n > 0:
            out += dt.timedelta(days=1)
            if self.is_workday(out):
                n -= 1
        return out

    def working_days_before(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day before ``day`` (for reminders: 5 and 1 working days before)."""
        out = day
        while n > 0:
            out -= dt.timedelta(days=1)
            if self.is_workday(out):
                n -= 1
        return out

    def on_or_before(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the last working day before it."""
        while not self.is_workday(day):
            day -= dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count

    def unknown_years(self, *days: dt.date) -> list[int]:
        """Years among ``days`` that neither the package nor the office's CSV covers."""
        loaded = {d.year for d in self.extra}
        return sorted({d.year for d in days if not package_knows(d.year) and d.year not in loaded})
