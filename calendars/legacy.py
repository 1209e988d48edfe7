"""Legacy schedule rules -> the instants the legacy scheduler would start a job-net.

Evaluation works on business dates first and turns them into instants last, because a run
belongs to the business day that scheduled it even when its wall-clock time is on the next
calendar day (JP1 `st=25:30`, base times). Order for one rule, as JP1 documents it:
candidate dates from `sd` and `cy` -> closed-day substitution (`sh` within `shd`) -> moves
counted from the start date (`cftd`) -> end date (`ed`) -> start times.

Decisions where the manuals leave room, each visible to users through findings of the importer
or of the compiler:
- Year and month omitted from `sd` are those of the registration date; lacking one we use the
  first day of the evaluated horizon (`registration`), which is exact for cycles of one unit.
- A day number the scheduling month does not have (31 in April, `*25` in a month with 20 open
  days) yields no run in that month.
- An absolute start time earlier than the base time belongs to the same business day and runs
  on the next calendar day (Overview, "base time": processing at 01:00 on the following
  calendar day is part of the current day when the base time is 08:00).
- A start time in a daylight-saving gap runs at the first valid minute after it.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jobmigrate.model import (
    CalendarDays,
    DateList,
    DayOfMonth,
    LastDay,
    RegistrationDate,
    ScheduleRule,
    StartTime,
    Undefined,
    UnixCron,
    WeekdayInMonth,
    Weekdays,
)

from . import controlm_days, unixcron
from .business import ONE_DAY, BusinessCalendar, weekday_index

MINUTES_PER_DAY = 1440
DEFAULT_TIME = StartTime(minutes=0, relative=True, raw="+00:00")


@dataclass(frozen=True, slots=True)
class Horizon:
    """Evaluate runs whose instant falls in [first 00:00, last 24:00) local time."""

    first: dt.date
    last: dt.date
    tz: ZoneInfo

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), self.tz)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + ONE_DAY, dt.time(), self.tz)


class Unsupported(Exception):
    """A rule form this evaluator cannot compute; the caller reports it."""


def rule_instants(
    rule: ScheduleRule,
    cal: BusinessCalendar,
    horizon: Horizon,
    registration: dt.date | None = None,
    calendars: dict[str, BusinessCalendar] | None = None,
) -> list[dt.datetime]:
    """Every instant `rule` starts its job-net within the horizon, sorted, without repeats."""
    tz = ZoneInfo(rule.timezone) if rule.timezone else horizon.tz
    if isinstance(rule.date, UnixCron):
        # The horizon's bounds are instants in the conversion's zone; cron walks its own wall clock.
        start, end = horizon.start.astimezone(tz), horizon.end.astimezone(tz)
        return sorted(set(unixcron.from_ir(rule.date).fire_times(start, end)))
    # Runs at up to 47:59 or after a base time belong to earlier business dates: look back.
    first = horizon.first - dt.timedelta(days=2)
    dates = business_dates(rule, cal, first, horizon.last, registration or horizon.first, calendars)
    times = rule.times or [DEFAULT_TIME]
    found = {
        instant
        for day in dates
        for t in times
        if horizon.start <= (instant := start_instant(day, t, cal.base_time_minutes, tz)) < horizon.end
    }
    return sorted(found)


def start_instant(day: dt.date, start: StartTime, base_minutes: int, tz: ZoneInfo) -> dt.datetime:
    """The wall-clock instant of a start time on a business date."""
    offset = start.minutes + (base_minutes if start.relative else 0)
    if not start.relative and offset < base_minutes:
        offset += MINUTES_PER_DAY
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=offset)
    return _localize(wall, tz)


def _localize(wall: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    aware = wall.replace(tzinfo=tz)
    # A wall time inside a DST gap does not survive a round trip through UTC.
    round_trip = aware.astimezone(dt.UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != wall:
        while True:
            wall += dt.timedelta(minutes=1)
            aware = wall.replace(tzinfo=tz)
            if aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) == wall:
                return aware
    return aware


# --------------------------------------------------------------------------- business dates


def business_dates(
    rule: ScheduleRule,
    cal: BusinessCalendar,
    first: dt.date,
    last: dt.date,
    registration: dt.date,
    calendars: dict[str, BusinessCalendar] | None = None,
) -> list[dt.date]:
    """Business dates in [first, last] on which `rule` runs."""
    date = rule.date
    if isinstance(date, Undefined):
        return []
    # --- Control-M day criteria (month masks, exclusions, CONFCAL): their own evaluator.
    if controlm_days.applies(rule):
        try:
            return controlm_days.business_dates(rule, cal, first, last, calendars or {})
        except controlm_days.UndefinedCalendar as e:
            raise Unsupported(str(e)) from None
    # --- end of the Control-M hook
    if isinstance(date, Weekdays | DateList | CalendarDays):
        days = _simple_days(rule, cal, first, last, calendars or {})
    else:
        days = _jp1_days(rule, cal, first, last, registration)
    excluded = _excluded(rule, calendars or {})
    out: set[dt.date] = set()
    for day in days:
        moved = _substitute(rule, cal, day)
        if moved is None:
            continue
        moved = _days_from_start(rule, cal, moved)
        if moved is None:
            continue
        if rule.end_date is not None and moved > rule.end_date:
            continue
        if rule.start_date is not None and moved < rule.start_date and rule.cycle is None:
            continue
        if first <= moved <= last and (excluded is None or not excluded.is_open(moved)):
            out.add(moved)
    return sorted(out)


def _excluded(rule: ScheduleRule, calendars: dict[str, BusinessCalendar]) -> BusinessCalendar | None:
    """AutoSys `exclude_calendar`: no run on the days that calendar lists.

    Date-list calendars (AutoSys, Control-M DEFCAL) are IR calendars whose open days are the
    listed dates, so a listed date is an open day of the excluding calendar."""
    if rule.exclude_calendar is None:
        return None
    found = calendars.get(rule.exclude_calendar)
    if found is None:
        raise Unsupported(f"calendar {rule.exclude_calendar!r} is not defined")
    return found


def _simple_days(
    rule: ScheduleRule,
    cal: BusinessCalendar,
    first: dt.date,
    last: dt.date,
    calendars: dict[str, BusinessCalendar],
) -> Iterator[dt.date]:
    date = rule.date
    if isinstance(date, DateList):
        yield from (d for d in date.dates if first <= d <= last)
        return
    if isinstance(date, CalendarDays):
        named = calendars.get(date.calendar)
        if named is None:
            raise Unsupported(f"calendar {date.calendar!r} is not defined")
        yield from named.open_days(first, last)
        return
    assert isinstance(date, Weekdays)
    wanted = {weekday_index(w) for w in date.weekdays}
    months = set(date.months or range(1, 13))
    day = first
    while day <= last:
        if day.weekday() in wanted and day.month in months:
            yield day
        day += ONE_DAY


def _jp1_days(
    rule: ScheduleRule, cal: BusinessCalendar, first: dt.date, last: dt.date, registration: dt.date
) -> Iterator[dt.date]:
    """Candidate dates of a JP1 `sd` + `cy` rule, before closed-day substitution."""
    date = rule.date
    cycle = rule.cycle
    start = _first_date(rule, cal, registration)
    if start is None:
        return
    if cycle is None:
        yield start
        return
    if cycle.unit in ("day", "week"):
        yield from _daily(rule, cal, start, last)
        return
    assert isinstance(date, DayOfMonth | LastDay | WeekdayInMonth | RegistrationDate)
    year, month = _named_month(rule, cal, start)
    step = cycle.every * (12 if cycle.unit == "year" else 1)
    while True:
        if dt.date(year, month, 1) > last + dt.timedelta(days=62):
            return
        if isinstance(date, RegistrationDate):
            found = _same_day_in(start, year, month)
        else:
            found = resolve_day(date, cal, year, month)
        if found is not None and found >= start:
            yield found
        month += step
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1


def _daily(rule: ScheduleRule, cal: BusinessCalendar, start: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Daily and weekly cycles, counted in the unit of `sd`: open days for `*`, closed for `@`."""
    assert rule.cycle is not None
    every = rule.cycle.every * (7 if rule.cycle.unit == "week" else 1)
    counting = getattr(rule.date, "counting", "calendar")
    day = start
    while day <= last:
        yield day
        if counting == "open" and rule.cycle.unit == "day":
            day = cal.shift_open(day, every)
        elif counting == "closed" and rule.cycle.unit == "day":
            day = _shift_closed(cal, day, every)
        else:
            day += dt.timedelta(days=every)


def _shift_closed(cal: BusinessCalendar, day: dt.date, count: int) -> dt.date:
    while count:
        day += ONE_DAY
        if not cal.is_open(day):
            count -= 1
    return day


def _first_date(rule: ScheduleRule, cal: BusinessCalendar, registration: dt.date) -> dt.date | None:
    date = rule.date
    if isinstance(date, RegistrationDate):
        return registration
    assert isinstance(date, DayOfMonth | LastDay | WeekdayInMonth)
    year = date.year if date.year is not None else registration.year
    month = date.month if date.month is not None else registration.month
    return resolve_day(date, cal, year, month)


def _named_month(rule: ScheduleRule, cal: BusinessCalendar, start: dt.date) -> tuple[int, int]:
    """(year, month) of the month `start` was resolved in, in the counting `sd` uses."""
    date = rule.date
    if isinstance(date, DayOfMonth | LastDay | WeekdayInMonth) and date.year and date.month:
        return date.year, date.month
    if _uses_period(rule.date):
        return cal.period_of(start)
    return start.year, start.month


def _uses_period(date: object) -> bool:
    if isinstance(date, DayOfMonth | LastDay):
        return date.counting != "calendar"
    if isinstance(date, WeekdayInMonth):
        return date.relative_weeks
    return False


def _same_day_in(start: dt.date, year: int, month: int) -> dt.date | None:
    if start.day > _cal.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, start.day)


def resolve_day(
    date: DayOfMonth | LastDay | WeekdayInMonth, cal: BusinessCalendar, year: int, month: int
) -> dt.date | None:
    """The date an `sd` day expression names in the scheduling month (year, month).

    Absolute forms count in calendar months; relative (`+`), open (`*`) and closed (`@`)
    forms count from the base day, in the group's scheduling month.
    """
    if _uses_period(date):
        first, last = cal.period(year, month)
    else:
        first = dt.date(year, month, 1)
        last = dt.date(year, month, _cal.monthrange(year, month)[1])
    if isinstance(date, WeekdayInMonth):
        return _weekday_in(date, first, last)
    counting = date.counting
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    if counting == "open":
        days = [d for d in days if cal.is_open(d)]
    elif counting == "closed":
        days = [d for d in days if not cal.is_open(d)]
    if isinstance(date, DayOfMonth):
        return days[date.day - 1] if date.day <= len(days) else None
    index = len(days) - 1 - date.minus
    return days[index] if 0 <= index < len(days) else None


def _weekday_in(date: WeekdayInMonth, first: dt.date, last: dt.date) -> dt.date | None:
    wd = weekday_index(date.weekday)
    if date.ordinal > 0:
        found = first + dt.timedelta(days=(wd - first.weekday()) % 7 + 7 * (date.ordinal - 1))
    else:
        found = last - dt.timedelta(days=(last.weekday() - wd) % 7)
    return found if first <= found <= last else None


# --------------------------------------------------------------------------- substitution


def _substitute(rule: ScheduleRule, cal: BusinessCalendar, day: dt.date) -> dt.date | None:
    """Closed-day handling (`sh`, `shd`); open- and closed-counted dates are never moved."""
    if cal.is_open(day) or getattr(rule.date, "counting", None) in ("open", "closed"):
        return day
    policy = rule.shift or "cancel"
    if policy == "none":
        return day
    if policy == "cancel":
        return None
    limit = rule.shift_limit_days or 2
    step = -ONE_DAY if policy == "before" else ONE_DAY
    candidate = day
    for _ in range(limit):
        candidate += step
        if cal.is_open(candidate):
            return candidate
    return None


def _days_from_start(rule: ScheduleRule, cal: BusinessCalendar, day: dt.date) -> dt.date | None:
    """`cftd`: move the date n open days (be/af) or n days (db/da), at most N days away."""
    move = rule.days_from_start
    if move is None or move.mode == "no":
        return day
    if move.mode in ("days_before", "days_after"):
        # Calendar days first, then on to the nearest open day in the same direction
        # (`ajscalutil -s db|da`), at most N days from the computed date.
        step = -ONE_DAY if move.mode == "days_before" else ONE_DAY
        moved = day + step * move.days
        while not cal.is_open(moved):
            moved += step
            if abs((moved - day).days) > move.max_shift:
                return None
        return moved
    moved = cal.shift_open(day, -move.days if move.mode == "open_before" else move.days)
    if abs((moved - day).days) > move.max_shift:
        return None
    return moved


def union(instant_lists: Iterable[list[dt.datetime]]) -> list[dt.datetime]:
    """Several rules run at the union of their instants."""
    return sorted({i for lst in instant_lists for i in lst})
