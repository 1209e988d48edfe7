"""Business calendars: which dates are open, where a scheduling month starts, when a day starts.

A `BusinessCalendar` resolves one IR `Calendar` together with the calendars it inherits from.
For each date the nearest calendar that says anything decides, and inside one calendar an
explicit date (including holidays and closing rules) beats a weekday rule; a date nobody
defines is open. This is JP1/AJS3's rule for job-group calendars, and it also describes
Control-M and AutoSys calendars, which have no inheritance and list dates only.

Open days are computed a year at a time and cached as a bytearray indexed by day of year, so
evaluating thousands of rules over several years stays cheap.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

import holidays as pyholidays

from jobmigrate.model import WEEKDAYS, Calendar, ClosingRule, HolidaySource

ONE_DAY = dt.timedelta(days=1)


def weekday_index(name: str) -> int:
    """`mo` -> 0 .. `su` -> 6, Python's numbering."""
    return WEEKDAYS.index(name)  # type: ignore[arg-type,unused-ignore]


def holiday_dates(source: HolidaySource, year: int) -> frozenset[dt.date]:
    """Dates of a python-holidays calendar in one year (financial markets included)."""
    return _holiday_dates(source.country, source.subdivision, tuple(source.categories), year)


@cache
def _holiday_dates(
    country: str, subdivision: str | None, categories: tuple[str, ...], year: int
) -> frozenset[dt.date]:
    if country in pyholidays.list_supported_financial():
        cal = pyholidays.financial_holidays(country, subdiv=subdivision, years=year)
    else:
        cal = pyholidays.country_holidays(
            country, subdiv=subdivision, years=year, categories=categories or None
        )
    return frozenset(cal.keys())


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> dt.date | None:
    """The n-th (1..5) or last (-1) weekday of a month; None when the month has no such day."""
    days = _cal.monthrange(year, month)[1]
    if ordinal > 0:
        first = dt.date(year, month, 1)
        day = 1 + (weekday - first.weekday()) % 7 + 7 * (ordinal - 1)
        return dt.date(year, month, day) if day <= days else None
    last = dt.date(year, month, days)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def closing_dates(rule: ClosingRule, year: int) -> Iterator[dt.date]:
    """The dates a user-written closing rule closes in one year."""
    if rule.kind == "date" and rule.date is not None:
        if rule.date.year == year:
            yield rule.date
    elif rule.kind == "nth_weekday" and rule.weekday and rule.ordinal and rule.month:
        found = _nth_weekday(year, rule.month, weekday_index(rule.weekday), rule.ordinal)
        if found:
            yield found
    elif rule.kind == "yearly_range":
        start_m, start_d = (int(x) for x in rule.start.split("-"))
        end_m, end_d = (int(x) for x in rule.end.split("-"))
        # A range like 12-29..01-03 wraps the new year: it closes both ends of each year.
        if (start_m, start_d) <= (end_m, end_d):
            yield from _span(dt.date(year, start_m, start_d), dt.date(year, end_m, end_d))
        else:
            yield from _span(dt.date(year, 1, 1), dt.date(year, end_m, end_d))
            yield from _span(dt.date(year, start_m, start_d), dt.date(year, 12, 31))


def _span(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    d = first
    while d <= last:
        yield d
        d += ONE_DAY


class BusinessCalendar:
    """Open/closed days, base day and base time of one calendar and its ancestors."""

    def __init__(self, chain: Sequence[Calendar]) -> None:
        if not chain:
            chain = [Calendar(name="(always open)")]
        self.chain = list(chain)
        own = self.chain[0]
        self.name = own.name
        self.base_time_minutes = own.base_time_minutes
        self.base_day = own.base_day
        self.month_naming = own.month_naming
        self._years: dict[int, tuple[int, bytearray]] = {}  # year: (ordinal of Jan 1, open flags)

    @classmethod
    def resolve(cls, name: str | None, calendars: Iterable[Calendar]) -> BusinessCalendar:
        """The calendar called `name` with its parents, following `parent` links."""
        by_name = {c.name: c for c in calendars}
        chain: list[Calendar] = []
        seen: set[str] = set()
        while name is not None and name in by_name and name not in seen:
            seen.add(name)
            chain.append(by_name[name])
            name = by_name[name].parent
        return cls(chain)

    # ------------------------------------------------------------------ open and closed days

    def is_open(self, day: dt.date) -> bool:
        year = self._years.get(day.year)
        if year is None:
            year = self._years[day.year] = (
                dt.date(day.year, 1, 1).toordinal(),
                self._compute_year(day.year),
            )
        return bool(year[1][day.toordinal() - year[0]])

    def _compute_year(self, year: int) -> bytearray:
        first = dt.date(year, 1, 1)
        size = 366 if _cal.isleap(year) else 365
        decided: list[bool | None] = [None] * size
        for cal in self.chain:
            dates = self._explicit(cal, year)
            open_wd = {weekday_index(w) for w in cal.open_weekdays}
            closed_wd = {weekday_index(w) for w in cal.closed_weekdays}
            for i in range(size):
                if decided[i] is not None:
                    continue
                day = first + dt.timedelta(days=i)
                if day in dates:
                    decided[i] = dates[day]
                elif day.weekday() in open_wd:
                    decided[i] = True
                elif day.weekday() in closed_wd:
                    decided[i] = False
        return bytearray(1 if d is None or d else 0 for d in decided)

    @staticmethod
    def _explicit(cal: Calendar, year: int) -> dict[dt.date, bool]:
        """Dates this calendar itself decides; an explicit open date beats a holiday."""
        dates: dict[dt.date, bool] = {}
        for source in cal.holidays:
            dates.update(dict.fromkeys(holiday_dates(source, year), False))
        for rule in cal.closing_rules:
            dates.update(dict.fromkeys(closing_dates(rule, year), False))
        dates.update({d: False for d in cal.closed_dates if d.year == year})
        dates.update({d: True for d in cal.open_dates if d.year == year})
        return dates

    def open_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        return [d for d in _span(first, last) if self.is_open(d)]

    def closed_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        return [d for d in _span(first, last) if not self.is_open(d)]

    def shift_open(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th open day after (count > 0) or before (count < 0) `day`."""
        step = ONE_DAY if count > 0 else -ONE_DAY
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_open(day):
                remaining -= 1
        return day

    # ------------------------------------------------------------------ scheduling months

    def period(self, year: int, month: int) -> tuple[dt.date, dt.date]:
        """First and last date of the scheduling month named (year, month).

        With a base day other than the 1st a month runs from the base day to the day before
        the next base day; `month_naming == "next"` names such a period after the month in
        which it ends rather than the one in which it starts.
        """
        if self.month_naming == "next" and not self._starts_on_first():
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        start = self._month_start(year, month)
        ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
        return start, self._month_start(ny, nm) - ONE_DAY

    def _starts_on_first(self) -> bool:
        return self.base_day.weekday is None and self.base_day.day == 1

    def _month_start(self, year: int, month: int) -> dt.date:
        base = self.base_day
        if base.weekday is not None:
            found = _nth_weekday(year, month, weekday_index(base.weekday), base.ordinal or 1)
            return found or dt.date(year, month, 1)
        # A base day past the end of a short month starts that month on its last day.
        return dt.date(year, month, min(base.day, _cal.monthrange(year, month)[1]))

    def period_of(self, day: dt.date) -> tuple[int, int]:
        """The (year, month) name of the scheduling month containing `day`."""
        for year, month in ((day.year, day.month), _prev(day.year, day.month), _next(day.year, day.month)):
            start, end = self.period(year, month)
            if start <= day <= end:
                return year, month
        raise AssertionError(f"no scheduling month contains {day}")  # pragma: no cover


def _prev(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)
