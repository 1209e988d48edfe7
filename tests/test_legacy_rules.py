"""Business calendars and the evaluation of legacy rules into run instants."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from calendars.business import BusinessCalendar
from calendars.legacy import Horizon, business_dates, rule_instants, start_instant
from jobmigrate.model import (
    BaseDay,
    Calendar,
    ClosingRule,
    Cycle,
    DateList,
    DayOfMonth,
    DaysFromStart,
    HolidaySource,
    LastDay,
    ScheduleRule,
    StartTime,
    WeekdayInMonth,
    Weekdays,
)

TOKYO = ZoneInfo("Asia/Tokyo")
D = dt.date

FINANCE = Calendar(
    name="/FINANCE",
    closed_weekdays=["sa", "su"],
    closed_dates=[D(2025, 1, 1), D(2025, 1, 2), D(2025, 1, 13)],
    open_dates=[D(2025, 3, 29)],
    base_time_minutes=5 * 60,
)


def fin() -> BusinessCalendar:
    return BusinessCalendar([FINANCE])


def dates(rule: ScheduleRule, cal: BusinessCalendar, first: dt.date, last: dt.date) -> list[dt.date]:
    return business_dates(rule, cal, first, last, registration=first)


def test_explicit_dates_beat_weekday_rules_and_unknown_days_are_open() -> None:
    cal = fin()
    assert not cal.is_open(D(2025, 1, 13))  # a Monday listed as closed
    assert cal.is_open(D(2025, 3, 29))  # a Saturday forced open
    assert not cal.is_open(D(2025, 3, 30))  # Sunday by weekday rule
    assert cal.is_open(D(2025, 1, 14))


def test_lower_calendar_inherits_only_what_it_leaves_unspecified() -> None:
    upper = Calendar(name="/G", closed_weekdays=["sa", "su"], closed_dates=[D(2025, 5, 5)])
    lower = Calendar(name="/G/SUB", parent="/G", open_weekdays=["sa"], closed_dates=[D(2025, 5, 7)])
    cal = BusinessCalendar.resolve("/G/SUB", [upper, lower])
    assert cal.is_open(D(2025, 5, 10))  # Saturday: the lower group's weekday rule wins
    assert not cal.is_open(D(2025, 5, 11))  # Sunday: inherited
    assert not cal.is_open(D(2025, 5, 5)) and not cal.is_open(D(2025, 5, 7))


def test_holidays_and_closing_rules() -> None:
    cal = BusinessCalendar(
        [
            Calendar(
                name="JP",
                closed_weekdays=["sa", "su"],
                holidays=[HolidaySource(country="JP")],
                closing_rules=[ClosingRule(kind="yearly_range", start="12-29", end="01-03")],
            )
        ]
    )
    assert not cal.is_open(D(2027, 1, 11))  # Coming of Age Day, second Monday of January
    assert not cal.is_open(D(2026, 12, 29)) and not cal.is_open(D(2027, 1, 4 - 1))
    assert cal.is_open(D(2027, 1, 4))


def test_every_open_day_at_2230() -> None:
    rule = ScheduleRule(
        date=DayOfMonth(year=2025, month=1, day=1, counting="open"),
        cycle=Cycle(every=1, unit="day"),
        times=[StartTime(minutes=22 * 60 + 30)],
    )
    got = dates(rule, fin(), D(2025, 1, 1), D(2025, 1, 17))
    assert got == [D(2025, 1, d) for d in (3, 6, 7, 8, 9, 10, 14, 15, 16, 17)]
    march = dates(rule, fin(), D(2025, 3, 27), D(2025, 3, 31))
    assert D(2025, 3, 29) in march and D(2025, 3, 30) not in march


def test_last_open_day_relative_to_base_time_runs_next_calendar_day() -> None:
    rule = ScheduleRule(
        date=LastDay(year=2025, month=1, counting="open"),
        cycle=Cycle(every=1, unit="month"),
        times=[StartTime(minutes=19 * 60, relative=True)],
    )
    horizon = Horizon(D(2025, 1, 1), D(2025, 4, 30), TOKYO)
    got = rule_instants(rule, fin(), horizon)
    # 05:00 base + 19:00 = 24:00: the first minute of the next calendar day.
    assert got[:3] == [
        dt.datetime(2025, 2, 1, 0, 0, tzinfo=TOKYO),
        dt.datetime(2025, 3, 1, 0, 0, tzinfo=TOKYO),
        dt.datetime(2025, 3, 29, 0, 0, tzinfo=TOKYO) + dt.timedelta(days=3),
    ]


def test_shift_then_days_from_start_and_2530() -> None:
    rule = ScheduleRule(
        number=2,
        date=DayOfMonth(year=2025, month=1, day=25),
        cycle=Cycle(every=1, unit="month"),
        times=[StartTime(minutes=25 * 60 + 30)],
        shift="before",
        shift_limit_days=3,
        days_from_start=DaysFromStart(mode="open_before", days=2, max_shift=10),
    )
    got = rule_instants(rule, fin(), Horizon(D(2025, 1, 1), D(2025, 2, 28), TOKYO))
    # Jan 25 is a Saturday -> Friday 24th -> two open days earlier: Wed 22nd; 25:30 = 01:30 on the 23rd.
    assert got == [
        dt.datetime(2025, 1, 23, 1, 30, tzinfo=TOKYO),
        dt.datetime(2025, 2, 22, 1, 30, tzinfo=TOKYO),
    ]


@pytest.mark.parametrize(
    ("shift", "limit", "expected"),
    [
        ("before", 2, [D(2025, 1, 10)]),  # Saturday 11th -> Friday 10th
        ("after", 3, [D(2025, 1, 14)]),  # Sat 11 -> Sun 12 closed, Mon 13 holiday -> Tue 14
        ("after", 2, []),  # no open day within two days: dropped
        ("cancel", 2, []),
        ("none", 2, [D(2025, 1, 11)]),
    ],
)
def test_closed_day_substitution(shift: str, limit: int, expected: list[dt.date]) -> None:
    rule = ScheduleRule(date=DayOfMonth(year=2025, month=1, day=11), shift=shift, shift_limit_days=limit)  # type: ignore[arg-type]
    assert dates(rule, fin(), D(2025, 1, 1), D(2025, 1, 31)) == expected


def test_base_day_moves_the_scheduling_month() -> None:
    cal = BusinessCalendar([replace(FINANCE, base_day=BaseDay(day=21))])
    assert cal.period(2025, 1) == (D(2025, 1, 21), D(2025, 2, 20))
    first_open = ScheduleRule(date=DayOfMonth(year=2025, month=1, day=1, counting="open"))
    assert dates(first_open, cal, D(2025, 1, 1), D(2025, 3, 1)) == [D(2025, 1, 21)]
    relative_last = ScheduleRule(date=LastDay(year=2025, month=1, counting="relative"))
    assert dates(relative_last, cal, D(2025, 1, 1), D(2025, 3, 1)) == [D(2025, 2, 20)]
    absolute_15 = ScheduleRule(date=DayOfMonth(year=2025, month=2, day=14))
    assert dates(absolute_15, cal, D(2025, 1, 1), D(2025, 3, 1)) == [D(2025, 2, 14)]
    named_next = BusinessCalendar([replace(FINANCE, base_day=BaseDay(day=21), month_naming="next")])
    assert named_next.period(2025, 1) == (D(2024, 12, 21), D(2025, 1, 20))


def test_weekday_forms_and_closed_day_counting() -> None:
    second_monday = ScheduleRule(
        date=WeekdayInMonth(year=2025, month=1, weekday="mo", ordinal=2),
        cycle=Cycle(every=1, unit="month"),
        shift="after",
        shift_limit_days=2,
    )
    got = dates(second_monday, fin(), D(2025, 1, 1), D(2025, 3, 31))
    assert got == [D(2025, 1, 14), D(2025, 2, 10), D(2025, 3, 10)]  # Jan 13 is closed -> Tuesday
    last_friday = ScheduleRule(date=WeekdayInMonth(year=2025, month=2, weekday="fr", ordinal=-1))
    assert dates(last_friday, fin(), D(2025, 1, 1), D(2025, 3, 31)) == [D(2025, 2, 28)]
    second_closed = ScheduleRule(date=DayOfMonth(year=2025, month=1, day=2, counting="closed"))
    assert dates(second_closed, fin(), D(2025, 1, 1), D(2025, 1, 31)) == [D(2025, 1, 2)]


def test_cycles_of_several_units_and_end_date() -> None:
    every_other_day = ScheduleRule(
        date=DayOfMonth(year=2025, month=1, day=3, counting="open"), cycle=Cycle(every=2, unit="day")
    )
    assert dates(every_other_day, fin(), D(2025, 1, 1), D(2025, 1, 10)) == [D(2025, 1, 7), D(2025, 1, 9)]
    quarterly = ScheduleRule(
        date=LastDay(year=2025, month=3),
        cycle=Cycle(every=3, unit="month"),
        end_date=D(2025, 10, 1),
        shift="none",
    )
    assert dates(quarterly, fin(), D(2025, 1, 1), D(2026, 12, 31)) == [
        D(2025, 3, 31),
        D(2025, 6, 30),
        D(2025, 9, 30),
    ]
    weekly = ScheduleRule(date=DayOfMonth(year=2025, month=1, day=6), cycle=Cycle(every=2, unit="week"))
    assert dates(weekly, fin(), D(2025, 1, 1), D(2025, 2, 5)) == [
        D(2025, 1, 6),
        D(2025, 1, 20),
        D(2025, 2, 3),
    ]


def test_missing_day_of_month_has_no_run() -> None:
    rule = ScheduleRule(
        date=DayOfMonth(year=2025, month=1, day=31), cycle=Cycle(every=1, unit="month"), shift="none"
    )
    got = dates(rule, fin(), D(2025, 1, 1), D(2025, 5, 31))
    assert got == [D(2025, 1, 31), D(2025, 3, 31), D(2025, 5, 31)]


def test_absolute_time_before_base_time_is_next_calendar_day() -> None:
    assert start_instant(D(2025, 1, 6), StartTime(minutes=3 * 60), 5 * 60, TOKYO) == dt.datetime(
        2025, 1, 7, 3, 0, tzinfo=TOKYO
    )
    assert start_instant(D(2025, 1, 6), StartTime(minutes=6 * 60), 5 * 60, TOKYO) == dt.datetime(
        2025, 1, 6, 6, 0, tzinfo=TOKYO
    )


def test_dst_gap_moves_to_first_valid_minute() -> None:
    ny = ZoneInfo("America/New_York")
    got = start_instant(D(2027, 3, 14), StartTime(minutes=2 * 60 + 30), 0, ny)
    assert got == dt.datetime(2027, 3, 14, 3, 0, tzinfo=ny)


def test_weekdays_and_date_lists() -> None:
    rule = ScheduleRule(date=Weekdays(weekdays=["mo", "fr"], months=[1]), times=[StartTime(minutes=60)])
    assert dates(rule, fin(), D(2025, 1, 1), D(2025, 2, 10)) == [
        D(2025, 1, 3),
        D(2025, 1, 6),
        D(2025, 1, 10),
        D(2025, 1, 17),
        D(2025, 1, 20),
        D(2025, 1, 24),
        D(2025, 1, 27),
        D(2025, 1, 31),
    ]  # Monday 13th is closed and cancelled
    once = ScheduleRule(date=DateList(dates=[D(2025, 1, 7)]), shift="none")
    assert dates(once, fin(), D(2025, 1, 1), D(2025, 1, 31)) == [D(2025, 1, 7)]


def test_exclude_calendar_removes_its_listed_days() -> None:
    listed = Calendar(
        name="HOLIDAYS",
        closed_weekdays=["mo", "tu", "we", "th", "fr", "sa", "su"],
        open_dates=[D(2025, 1, 6)],
    )
    cals = {"HOLIDAYS": BusinessCalendar([listed])}
    rule = ScheduleRule(date=Weekdays(weekdays=["mo"]), exclude_calendar="HOLIDAYS", shift="none")
    got = business_dates(rule, BusinessCalendar([]), D(2025, 1, 1), D(2025, 1, 20), D(2025, 1, 1), cals)
    assert got == [D(2025, 1, 13), D(2025, 1, 20)]
