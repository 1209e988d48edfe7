"""Control-M day criteria -> the order dates on which a rule runs.

A Control-M job is ordered on a date when its basic criteria match it. The importer writes one
IR rule per positive DAYS or WEEKDAYS value (rules are a union) and puts the rest on the rule:
the month mask, the exclusions (`-n`, `-Dn`, `-Ln`, and DAYS_AND_OR=A as "not on the other
weekdays"), the confirmation calendar with SHIFT and SHIFTNUM, the validity period, and the
criteria the date must also meet (the smart folder's, or rule-based calendars under
RULE_BASED_CALENDAR_RELATIONSHIP=A). Evaluation order, as legacy-formats.md 2.4 and 2.5 describe:

1. the date expression in every month of the mask (`n`, `Dn`, `Ln`, weekdays, calendar days);
2. a day that is not a working day of the rule's calendar (DAYSCAL or WEEKSCAL) is dropped, or
   moved to the next or previous working day for `>n` / `<n` (`shift` after/before);
3. exclusions win over every positive value;
4. CONFCAL moves the survivors (it never adds dates): a non-working day is dropped, moved, or
   kept by SHIFT, and then every date moves SHIFTNUM working days;
5. ACTIVE_FROM / ACTIVE_TILL, the excluding calendar, and `require_any` keep what remains.

Unlike JP1 rules, nothing here is anchored on a registration date: a Control-M rule names a day
in every month, so months around the window are evaluated too and shifts may cross into it.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Iterator, Mapping

from jobmigrate.model import (
    CalendarDays,
    DateList,
    DayOfMonth,
    LastDay,
    ScheduleRule,
    WeekdayInMonth,
    Weekdays,
)

from .business import BusinessCalendar, weekday_index

# Shifts (`>n`, SHIFT, SHIFTNUM up to 62 working days) can move a date by months; candidates
# are evaluated this far around the window so that dates moved into it are found.
MARGIN = dt.timedelta(days=120)
# A calendar with no working day nearby would make a shift search forever.
MAX_SHIFT_DAYS = 366

ALWAYS_OPEN = BusinessCalendar([])


class UndefinedCalendar(Exception):
    """A rule names a calendar the import did not define; the caller reports it."""


def applies(rule: ScheduleRule) -> bool:
    """True for rules the importer wrote with Control-M criteria."""
    return (
        rule.months is not None
        or bool(rule.exclude)
        or bool(rule.require_any)
        or rule.confirm_calendar is not None
    )


def business_dates(
    rule: ScheduleRule,
    cal: BusinessCalendar,
    first: dt.date,
    last: dt.date,
    calendars: Mapping[str, BusinessCalendar],
) -> list[dt.date]:
    """Order dates in [first, last] on which `rule` runs; `cal` is the rule's own calendar."""
    found = _dates(rule, cal, first - MARGIN, last + MARGIN, calendars)
    return sorted(d for d in found if first <= d <= last)


def _dates(
    rule: ScheduleRule,
    cal: BusinessCalendar,
    first: dt.date,
    last: dt.date,
    calendars: Mapping[str, BusinessCalendar],
) -> set[dt.date]:
    own = _named(rule.calendar, calendars) if rule.calendar else cal
    candidates = _candidates(rule, own, first, last, calendars)
    days = {moved for day in candidates if (moved := _on_working(rule, own, day)) is not None}
    for excluded in rule.exclude:
        days -= _dates(excluded, ALWAYS_OPEN, first, last, calendars)
    if rule.confirm_calendar is not None:
        days = _confirmed(rule, _named(rule.confirm_calendar, calendars), days)
    days = {d for d in days if _in_validity(rule, d)}
    if rule.exclude_calendar is not None:
        closing = _named(rule.exclude_calendar, calendars)
        days = {d for d in days if not closing.is_open(d)}
    if rule.require_any:
        allowed: set[dt.date] = set()
        for other in rule.require_any:
            allowed |= _dates(other, ALWAYS_OPEN, first, last, calendars)
        days &= allowed
    return days


def _named(name: str, calendars: Mapping[str, BusinessCalendar]) -> BusinessCalendar:
    found = calendars.get(name)
    if found is None:
        raise UndefinedCalendar(f"calendar {name!r} is not defined")
    return found


def _in_validity(rule: ScheduleRule, day: dt.date) -> bool:
    if rule.start_date is not None and day < rule.start_date:
        return False
    return rule.end_date is None or day <= rule.end_date


# --------------------------------------------------------------------------- candidates


def _candidates(
    rule: ScheduleRule,
    cal: BusinessCalendar,
    first: dt.date,
    last: dt.date,
    calendars: Mapping[str, BusinessCalendar],
) -> Iterator[dt.date]:
    months = set(rule.months) if rule.months is not None else set(range(1, 13))
    for year, month in _months(first, last):
        if month in months:
            yield from (d for d in _in_month(rule, cal, year, month, calendars) if first <= d <= last)


def _months(first: dt.date, last: dt.date) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _in_month(
    rule: ScheduleRule,
    cal: BusinessCalendar,
    year: int,
    month: int,
    calendars: Mapping[str, BusinessCalendar],
) -> list[dt.date]:
    date = rule.date
    start = dt.date(year, month, 1)
    span = [start + dt.timedelta(days=i) for i in range(_cal.monthrange(year, month)[1])]
    if isinstance(date, DayOfMonth | LastDay | WeekdayInMonth) and not _anchored_in(date, year, month):
        return []
    if isinstance(date, Weekdays):
        wanted = {weekday_index(w) for w in date.weekdays}
        in_mask = date.months is None or month in date.months
        return [d for d in span if d.weekday() in wanted] if in_mask else []
    if isinstance(date, CalendarDays):
        named = _named(date.calendar, calendars)
        return [d for d in span if named.is_open(d)]
    if isinstance(date, DateList):
        return [d for d in date.dates if (d.year, d.month) == (year, month)]
    if isinstance(date, WeekdayInMonth):
        return _weekday_in_month(date, span)
    if isinstance(date, DayOfMonth | LastDay):
        counted = _counted(span, cal, date.counting)
        index = date.day - 1 if isinstance(date, DayOfMonth) else len(counted) - 1 - date.minus
        return [counted[index]] if 0 <= index < len(counted) else []
    raise UndefinedCalendar(f"a {date.kind} date cannot carry Control-M day criteria")


def _anchored_in(date: DayOfMonth | LastDay | WeekdayInMonth, year: int, month: int) -> bool:
    """Specific dates (`MMDD`) carry their month; a year anchor limits them further."""
    return (date.month is None or date.month == month) and (date.year is None or date.year == year)


def _counted(span: list[dt.date], cal: BusinessCalendar, counting: str) -> list[dt.date]:
    if counting == "open":
        return [d for d in span if cal.is_open(d)]
    if counting == "closed":
        return [d for d in span if not cal.is_open(d)]
    return span


def _weekday_in_month(date: WeekdayInMonth, span: list[dt.date]) -> list[dt.date]:
    matching = [d for d in span if d.weekday() == weekday_index(date.weekday)]
    index = date.ordinal - 1 if date.ordinal > 0 else len(matching) + date.ordinal
    return [matching[index]] if 0 <= index < len(matching) else []


# --------------------------------------------------------------------------- working days


def _on_working(rule: ScheduleRule, cal: BusinessCalendar, day: dt.date) -> dt.date | None:
    """A day of DAYSCAL/WEEKSCAL: kept when working, else moved (`>n`, `<n`) or dropped."""
    if getattr(rule.date, "counting", "calendar") in ("open", "closed") or cal.is_open(day):
        return day
    if rule.shift == "none":
        return day
    if rule.shift in ("after", "before"):
        return _nearest_open(cal, day, 1 if rule.shift == "after" else -1, rule.shift_limit_days)
    return None


def _nearest_open(cal: BusinessCalendar, day: dt.date, step: int, limit: int | None) -> dt.date | None:
    delta = dt.timedelta(days=step)
    for _ in range(limit or MAX_SHIFT_DAYS):
        day += delta
        if cal.is_open(day):
            return day
    return None


def _confirmed(rule: ScheduleRule, confirm: BusinessCalendar, days: set[dt.date]) -> set[dt.date]:
    out: set[dt.date] = set()
    for day in days:
        moved = _confirm_one(rule, confirm, day)
        if moved is not None and rule.shift_working_days:
            moved = _working_days_away(confirm, moved, rule.shift_working_days)
        if moved is not None:
            out.add(moved)
    return out


def _confirm_one(rule: ScheduleRule, confirm: BusinessCalendar, day: dt.date) -> dt.date | None:
    if confirm.is_open(day) or rule.confirm_shift == "none":
        return day
    if rule.confirm_shift == "next":
        return _nearest_open(confirm, day, 1, None)
    if rule.confirm_shift == "previous":
        return _nearest_open(confirm, day, -1, None)
    return None  # "Ignore Job": the date is not run


def _working_days_away(cal: BusinessCalendar, day: dt.date, count: int) -> dt.date | None:
    step = 1 if count > 0 else -1
    for _ in range(abs(count)):
        found = _nearest_open(cal, day, step, None)
        if found is None:
            return None
        day = found
    return day
