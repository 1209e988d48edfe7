"""EventBridge expressions: validation with columns, field expansion, the day specials (L, LW, nW,
nL, n#k), rate and at, DST in Scheduler, speed, and a cross-check against cronsim on thousands
of random expressions.

cronsim (pip name `cronsim`) reads Quartz-style L, LW, n#k and nL, so it is an independent
evaluator for the subset both implement the same way. Left out of the random expressions, and
tested here by hand instead: nW (cronsim lacks it), `L` alone in day-of-week (Saturday to AWS),
ranges that wrap (cronsim refuses them), the year field (cronsim has none: its output is
filtered by year), and DST zones (cronsim runs a repeated hour twice, Scheduler once).
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim, CronSimError

from calendars.awscron import (
    AtExpression,
    AwsExpressionError,
    DayKind,
    RateExpression,
    fire_times,
    next_fire_times,
    parse,
    parse_cron,
    wall_time_problems,
)

UTC = ZoneInfo("UTC")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def days_in(expr: str, year: int, month: int) -> list[int]:
    """Days of a month on which the expression fires (UTC)."""
    start = dt.datetime(year, month, 1, tzinfo=UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return sorted({t.day for t in fire_times(expr, start, end, UTC)})


def between(expr: str, start: str, end: str, tz: ZoneInfo) -> list[str]:
    first = dt.datetime.fromisoformat(start).replace(tzinfo=tz)
    last = dt.datetime.fromisoformat(end).replace(tzinfo=tz)
    return [t.isoformat() for t in fire_times(expr, first, last, tz)]


# --------------------------------------------------------------------------- valid expressions


@pytest.mark.parametrize(
    "text",
    [
        # the examples of the EventBridge and Scheduler guides
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(15 10 ? * 6L 2022-2023)",
        # the specials, names in any case, leading zeros, steps, wrapping ranges, white space
        "cron(0 0 L * ? *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 0 1W * ? *)",
        "cron(0 0 ? * L *)",
        "cron(0 0 ? * FRIL *)",
        "cron(0 0 ? * mon#2 *)",
        "cron(0 0 ? * 7#5 *)",
        "cron(0 0 ? jan,Jul * *)",
        "cron(0 07/12 ? * 1,5,7 *)",
        "cron(0 11-23/2 * * ? *)",
        "cron(30 0 1 JAN-APR,JUL-OCT/2,DEC ? *)",
        "cron(0 22-2 ? * FRI-MON *)",
        "cron(55-5 * ? NOV-FEB * 2024-2030)",
        "cron(0 9 28-3/2 * ? 2024/2)",
        "cron(0 0 * * ? 1970,2199)",
        "  cron(0  10 * * ?   *)  ",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "at(2025-01-31T23:59:59)",
        "at(2024-02-29T00:00:00)",
    ],
)
def test_valid_expressions_parse(text: str) -> None:
    parse(text)


def test_parse_gives_typed_expressions() -> None:
    cron = parse_cron("cron(30 22 ? * MON-FRI *)")
    assert (cron.minutes, cron.hours, cron.day_field) == ((30,), (22,), 4)
    assert cron.day_rule.kind == DayKind.WEEK_DAYS and cron.day_rule.values == {2, 3, 4, 5, 6}
    assert cron.fields == ("30", "22", "?", "*", "MON-FRI", "*") and cron.columns == (6, 9, 12, 14, 16, 24)
    rate = parse("rate(12 hours)")
    assert isinstance(rate, RateExpression) and rate.interval == dt.timedelta(hours=12)
    at = parse("at(2025-01-31T23:59:59)")
    assert isinstance(at, AtExpression) and at.when == dt.datetime(2025, 1, 31, 23, 59, 59)


@pytest.mark.parametrize(
    ("text", "index", "expected"),
    [
        ("cron(1/10 * * * ? *)", 0, (1, 11, 21, 31, 41, 51)),  # the guide's own example
        ("cron(*/20 * * * ? *)", 0, (0, 20, 40)),
        ("cron(5-20/5,59 * * * ? *)", 0, (5, 10, 15, 20, 59)),
        ("cron(55-5 * * * ? *)", 0, (0, 1, 2, 3, 4, 5, 55, 56, 57, 58, 59)),  # wraps round the hour
        ("cron(50-10/10 * * * ? *)", 0, (0, 10, 50)),  # the step counts across the wrap (Quartz)
        ("cron(0 22-2 * * ? *)", 1, (0, 1, 2, 22, 23)),
        ("cron(0 22-2/2 * * ? *)", 1, (0, 2, 22)),
        ("cron(0 0 1 NOV-FEB ? *)", 3, (1, 2, 11, 12)),
        ("cron(0 0 1 */5 ? *)", 3, (1, 6, 11)),
        ("cron(0 0 1 * ? 2024/50)", 5, (2024, 2074, 2124, 2174)),
        ("cron(0 0 1 * ? 2198-2199)", 5, (2198, 2199)),
    ],
)
def test_fields_expand(text: str, index: int, expected: tuple[int, ...]) -> None:
    cron = parse_cron(text)
    assert (cron.minutes, cron.hours, (), cron.months, (), cron.years)[index] == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("FRI-MON", {6, 7, 1, 2}),
        ("SAT-SUN", {7, 1}),
        ("7-1", {7, 1}),
        ("2-FRI", {2, 3, 4, 5, 6}),
        ("L", {7}),  # the last day of the week
        ("*", set()),
    ],
)
def test_weekday_fields(field: str, expected: set[int]) -> None:
    rule = parse_cron(f"cron(0 0 ? * {field} *)").day_rule
    assert set(rule.values) == expected


def test_wrapping_day_of_month_range_skips_missing_days() -> None:
    assert days_in("cron(0 0 28-3 * ? *)", 2023, 2) == [1, 2, 3, 28]
    assert days_in("cron(0 0 28-3/2 * ? *)", 2024, 1) == [1, 3, 28, 30]


# --------------------------------------------------------------------------- invalid expressions


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("cron(60 * * * ? *)", 6, "value 60 out of range 0-59 in minutes"),
        ("cron(0,60 * * * ? *)", 8, "value 60 out of range 0-59 in minutes"),
        ("cron(0 24 * * ? *)", 8, "value 24 out of range 0-23 in hours"),
        ("cron(0 0 32 * ? *)", 10, "value 32 out of range 1-31 in day-of-month"),
        ("cron(0 0 0 * ? *)", 10, "value 0 out of range 1-31 in day-of-month"),
        ("cron(0 0 1 13 ? *)", 12, "value 13 out of range 1-12 in month"),
        ("cron(0 0 ? * 0 *)", 14, "value 0 out of range 1-7 in day-of-week"),
        ("cron(0 0 ? * 8 *)", 14, "value 8 out of range 1-7 in day-of-week"),
        ("cron(0 0 1 * ? 1969)", 16, "value 1969 out of range 1970-2199 in year"),
        ("cron(0 0 1 * ? 2200)", 16, "value 2200 out of range 1970-2199 in year"),
        ("cron(0 0 * * * *)", 14, "day-of-month and day-of-week cannot both be specified; one must be ?"),
        ("cron(0 0 1 * MON *)", 14, "day-of-month and day-of-week cannot both be specified; one must be ?"),
        ("cron(0 0 ? * ? *)", 14, "cannot both be ?"),
        ("cron(0 0 * * ?)", 15, "cron() takes 6 fields"),
        ("cron(0 0 * * ? * *)", 18, "cron() takes 6 fields"),
        ("cron(0 0 1 * ? *", 17, "missing ')'"),
        ("crontab(0 0 1 * ? *)", 1, "expected cron(...), rate(...) or at(...)"),
        ("cron(0 0 1 * ? *) UTC", 19, "unexpected text after cron(...)"),
        ("cron(? 0 1 * ? *)", 6, "'?' is only allowed in day-of-month or day-of-week, not in minutes"),
        ("cron(0 0 1,? * ? *)", 12, "'?' must stand alone in day-of-month"),
        ("cron(L 0 1 * ? *)", 6, "'L' is only allowed in day-of-month and day-of-week, not in minutes"),
        ("cron(0 0 3#1 * ? *)", 11, "'#' is only allowed in day-of-week"),
        ("cron(0 0 ? * 15W *)", 16, "'W' is only allowed in day-of-month"),
        ("cron(0 0 L-3 * ? *)", 10, "'L-3' (days before the last day)"),
        ("cron(0 0 ? * L-2 *)", 14, "day-of-week takes L alone"),
        ("cron(0 0 1,L * ? *)", 11, "L and W cannot be combined with other values"),
        ("cron(0 0 1-5W * ? *)", 13, "day-of-month takes L, LW or nW"),
        ("cron(0 0 32W * ? *)", 10, "value 32 out of range 1-31 in day-of-month"),
        ("cron(0 0 ? * 2#1,3#2 *)", 14, "only one '#' term is allowed in day-of-week"),
        ("cron(0 0 ? * 2#6 *)", 16, "'#' occurrence 6 out of range 1-5"),
        ("cron(0 0 ? * 1-5L *)", 17, "day-of-week takes L alone"),
        ("cron(0 0 ? * MON/2 *)", 17, "day-of-week takes no steps"),
        ("cron(0 0 ? * MONDAY *)", 14, "unknown day-of-week 'MONDAY' (use 1-7 or SUN-SAT)"),
        ("cron(0 0 1 JANUARY ? *)", 12, "unknown month 'JANUARY'"),
        ("cron(MON 0 1 * ? *)", 6, "minutes takes numbers 0-59, not 'MON'"),
        ("cron(0/0 0 1 * ? *)", 8, "step in minutes must be a whole number >= 1"),
        ("cron(*/60 0 1 * ? *)", 8, "step 60 too large in minutes (at most 59)"),
        ("cron(1,,2 0 1 * ? *)", 8, "empty element in the minutes list"),
        ("cron(*-5 0 1 * ? *)", 6, "'*' cannot start a range"),
        ("cron(5- 0 1 * ? *)", 8, "missing value in minutes"),
        ("cron(0 0 1 * ? 2030-2020)", 16, "year range 2030-2020 runs backwards"),
        ("rate(0 minutes)", 6, "rate value must be a whole number >= 1"),
        ("rate(five minutes)", 6, "rate value must be a whole number >= 1"),
        ("rate(1 minutes)", 8, "use the singular 'minute' when the value is 1"),
        ("rate(5 hour)", 8, "use the plural 'hours' when the value is not 1"),
        ("rate(2 weeks)", 8, "unknown rate unit 'weeks'"),
        ("rate(2)", 7, "rate() takes a value and a unit"),
        ("at(2024-02-30T00:00:00)", 4, "no such date and time"),
        ("at(2024-01-01 00:00:00)", 4, "at() takes yyyy-mm-ddThh:mm:ss"),
        ("at(2024-01-01T00:00)", 4, "at() takes yyyy-mm-ddThh:mm:ss"),
    ],
)
def test_invalid_expressions_name_the_column(text: str, column: int, message: str) -> None:
    with pytest.raises(AwsExpressionError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.column == column


def test_the_day_field_to_fix_is_the_star() -> None:
    # `cron(0 10 * * MON *)` most likely wants day-of-month `?`, so the error points there.
    with pytest.raises(AwsExpressionError) as caught:
        parse("cron(0 10 * * MON *)")
    assert caught.value.column == 11


def test_columns_count_leading_white_space() -> None:
    with pytest.raises(AwsExpressionError) as caught:
        parse("   cron(61 * * * ? *)")
    assert caught.value.column == 9


def test_errors_are_reported_left_to_right() -> None:
    with pytest.raises(AwsExpressionError) as caught:
        parse("cron(99 99 * * * *)")
    assert "minutes" in caught.value.message


# --------------------------------------------------------------------------- day specials


def test_last_day_of_month_knows_leap_years() -> None:
    assert days_in("cron(0 0 L * ? *)", 2024, 2) == [29]
    assert days_in("cron(0 0 L * ? *)", 2023, 2) == [28]
    assert days_in("cron(0 0 L * ? *)", 2100, 2) == [28]  # not a leap year
    assert days_in("cron(0 0 L * ? *)", 2024, 4) == [30]


def test_last_weekday_of_month() -> None:
    assert days_in("cron(0 0 LW * ? *)", 2024, 8) == [30]  # 31 August 2024 is a Saturday
    assert days_in("cron(0 0 LW * ? *)", 2024, 3) == [29]  # 31 March 2024 is a Sunday
    assert days_in("cron(0 0 LW * ? *)", 2024, 2) == [29]  # a Thursday


@pytest.mark.parametrize(
    ("field", "year", "month", "expected"),
    [
        ("1W", 2024, 6, 3),  # 1 June 2024 is a Saturday: not Friday 31 May, but Monday the 3rd
        ("1W", 2024, 9, 2),  # 1 September 2024 is a Sunday: Monday the 2nd
        ("1W", 2024, 5, 1),  # a Wednesday
        ("15W", 2024, 6, 14),  # Saturday 15 June: Friday the 14th
        ("15W", 2024, 9, 16),  # Sunday 15 September: Monday the 16th
        ("31W", 2024, 3, 29),  # Sunday 31 March: not Monday 1 April but Friday the 29th
        ("30W", 2024, 6, 28),  # Sunday 30 June, the month's last day: Friday the 28th
        ("31W", 2024, 8, 30),  # Saturday 31 August: Friday the 30th
        ("29W", 2024, 2, 29),  # a Thursday in a leap year
    ],
)
def test_nearest_weekday_stays_in_its_month(field: str, year: int, month: int, expected: int) -> None:
    assert days_in(f"cron(0 0 {field} * ? *)", year, month) == [expected]


def test_nearest_weekday_of_a_missing_day_does_not_fire() -> None:
    assert days_in("cron(0 0 31W * ? *)", 2024, 4) == []
    assert days_in("cron(0 0 30W * ? *)", 2023, 2) == []


def test_last_weekday_of_the_month() -> None:
    assert days_in("cron(0 0 ? * 6L *)", 2024, 5) == [31]  # last Friday of May 2024
    assert days_in("cron(0 0 ? * FRIL *)", 2024, 6) == [28]
    assert days_in("cron(0 0 ? * 1L *)", 2024, 3) == [31]  # last Sunday, the month's last day


def test_nth_weekday() -> None:
    assert days_in("cron(0 0 ? * 3#2 *)", 2024, 6) == [11]  # second Tuesday
    assert days_in("cron(0 0 ? * 2#1 *)", 2024, 4) == [1]
    assert days_in("cron(0 0 ? * 2#5 *)", 2024, 4) == [29]  # April 2024 has five Mondays
    assert days_in("cron(0 0 ? * 2#5 *)", 2024, 5) == []  # May 2024 has four
    assert days_in("cron(0 0 ? * 5#5 *)", 2024, 2) == [29]  # a fifth Thursday thanks to the 29th
    assert days_in("cron(0 0 ? * 5#5 *)", 2023, 2) == []


def test_weekdays_one_is_sunday() -> None:
    assert days_in("cron(0 0 ? * 1 *)", 2024, 6) == [2, 9, 16, 23, 30]
    assert days_in("cron(0 0 ? * 7 *)", 2024, 6) == [1, 8, 15, 22, 29]
    assert days_in("cron(0 0 ? * L *)", 2024, 6) == [1, 8, 15, 22, 29]  # L alone is Saturday


def test_year_field() -> None:
    start, end = dt.datetime(2023, 1, 1, tzinfo=UTC), dt.datetime(2030, 1, 1, tzinfo=UTC)
    fires = fire_times("cron(0 12 1 JAN ? 2024,2026-2027)", start, end, UTC)
    assert [t.year for t in fires] == [2024, 2026, 2027]
    assert fire_times("cron(0 12 1 JAN ? 2024/3)", start, end, UTC)[-1].year == 2027


def test_matches_day() -> None:
    cron = parse_cron("cron(0 9 LW JAN-MAR ? 2024)")
    assert cron.matches_day(dt.date(2024, 3, 29))
    assert not cron.matches_day(dt.date(2024, 3, 31))
    assert not cron.matches_day(dt.date(2024, 4, 30))
    assert not cron.matches_day(dt.date(2025, 1, 31))


def test_specials_against_a_brute_force_oracle() -> None:
    """L, LW, nW, nL and n#k over four years, against definitions worded with dates alone."""

    def oracle(kind: str, n: int, n_th: int, day: dt.date) -> bool:
        month_days = [
            d for d in (day.replace(day=1) + dt.timedelta(days=i) for i in range(31)) if d.month == day.month
        ]
        workdays = [d for d in month_days if d.weekday() < 5]
        aws_weekday = (day.weekday() + 1) % 7 + 1
        same = [d for d in month_days if (d.weekday() + 1) % 7 + 1 == n]
        if kind == "L":
            return day == month_days[-1]
        if kind == "LW":
            return day == workdays[-1]
        if kind == "W":
            if n > len(month_days):
                return False
            return day == min(workdays, key=lambda d: (abs(d.day - n), d.day))
        if kind == "nL":
            return aws_weekday == n and day == same[-1]
        return aws_weekday == n and day in same[:5] and same.index(day) == n_th - 1

    for kind, field, n, n_th in [
        ("L", "L", 0, 0),
        ("LW", "LW", 0, 0),
        *[("W", f"{n}W", n, 0) for n in (1, 2, 14, 15, 27, 28, 29, 30, 31)],
        *[("nL", f"{n}L", n, 0) for n in range(1, 8)],
        *[("#", f"{n}#{k}", n, k) for n in (1, 4, 7) for k in range(1, 6)],
    ]:
        day_field = f"? * {field}" if kind in ("nL", "#") else f"{field} * ?"
        cron = parse_cron(f"cron(0 0 {day_field} *)")
        day = dt.date(2023, 1, 1)
        while day.year < 2027:
            assert cron.matches_day(day) == oracle(kind, n, n_th, day), (field, day)
            day += dt.timedelta(days=1)


# --------------------------------------------------------------------------- evaluation


def test_window_is_start_inclusive_end_exclusive() -> None:
    start = dt.datetime(2024, 6, 3, 9, 0, tzinfo=TOKYO)
    fires = fire_times("cron(0 9 * * ? *)", start, start + dt.timedelta(days=2), TOKYO)
    assert [t.isoformat() for t in fires] == ["2024-06-03T09:00:00+09:00", "2024-06-04T09:00:00+09:00"]


def test_bounds_may_be_in_another_zone() -> None:
    start = dt.datetime(2024, 6, 2, 23, 0, tzinfo=dt.UTC)  # 08:00 on the 3rd in Tokyo
    end = dt.datetime(2024, 6, 3, 0, 30, tzinfo=dt.UTC)
    fires = fire_times("cron(0,30 8-9 * * ? *)", start, end, TOKYO)
    assert [t.strftime("%d %H:%M") for t in fires] == ["03 08:00", "03 08:30", "03 09:00"]


def test_naive_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        fire_times("cron(0 9 * * ? *)", dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1), UTC)


def test_tokyo_morning_is_the_previous_day_in_utc() -> None:
    fires = fire_times(
        "cron(0 8 1 * ? *)",
        dt.datetime(2024, 1, 1, tzinfo=TOKYO),
        dt.datetime(2024, 4, 1, tzinfo=TOKYO),
        TOKYO,
    )
    assert [t.astimezone(dt.UTC).strftime("%m-%d %H:%M") for t in fires] == [
        "12-31 23:00",
        "01-31 23:00",
        "02-29 23:00",
    ]
    assert all(t.tzinfo is TOKYO for t in fires)


def test_rules_are_evaluated_in_utc() -> None:
    fires = fire_times(
        "cron(0 23 L * ? *)",
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        UTC,
    )
    assert [t.isoformat() for t in fires] == ["2024-01-31T23:00:00+00:00", "2024-02-29T23:00:00+00:00"]


def test_spring_forward_skips_the_missing_time() -> None:
    assert between("cron(30 2 * * ? *)", "2024-03-09", "2024-03-12", NEW_YORK) == [
        "2024-03-09T02:30:00-05:00",
        "2024-03-11T02:30:00-04:00",
    ]


def test_fall_back_runs_the_repeated_time_once_at_its_first_occurrence() -> None:
    assert between("cron(30 1 * * ? *)", "2024-11-02", "2024-11-05", NEW_YORK) == [
        "2024-11-02T01:30:00-04:00",
        "2024-11-03T01:30:00-04:00",
        "2024-11-04T01:30:00-05:00",
    ]


def test_clock_change_days_every_fifteen_minutes() -> None:
    spring = fire_times(
        "cron(0/15 * * * ? *)",
        dt.datetime(2024, 3, 10, tzinfo=NEW_YORK),
        dt.datetime(2024, 3, 11, tzinfo=NEW_YORK),
        NEW_YORK,
    )
    fall = fire_times(
        "cron(0/15 * * * ? *)",
        dt.datetime(2024, 11, 3, tzinfo=NEW_YORK),
        dt.datetime(2024, 11, 4, tzinfo=NEW_YORK),
        NEW_YORK,
    )
    for times, count in ((spring, 92), (fall, 96)):  # 23 hours; 25 hours with one hour run once
        instants = [t.astimezone(dt.UTC) for t in times]
        assert len(times) == count and instants == sorted(set(instants))
    assert "02:00" not in {t.strftime("%H:%M") for t in spring}
    assert [t.utcoffset() for t in fall if t.hour == 1] == [dt.timedelta(hours=-4)] * 4


def test_wall_time_problems_name_the_days() -> None:
    cron = parse_cron("cron(30 1,2 ? * SUN *)")
    assert wall_time_problems(cron, NEW_YORK, dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == [
        "2024-03-10: 02:30 does not exist (clocks go forward); Scheduler skips it",
        "2024-11-03: 01:30 happens twice (clocks go back); Scheduler runs it once",
    ]
    assert wall_time_problems(cron, TOKYO, dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == []


def test_rate_counts_from_its_anchor() -> None:
    anchor = dt.datetime(2024, 6, 1, 10, 7, tzinfo=TOKYO)
    start = dt.datetime(2024, 6, 1, 11, 0, tzinfo=TOKYO)
    fires = fire_times("rate(20 minutes)", start, start + dt.timedelta(hours=1), TOKYO, anchor=anchor)
    assert [t.strftime("%H:%M") for t in fires] == ["11:07", "11:27", "11:47"]
    later = fire_times(
        "rate(1 hour)", start, start + dt.timedelta(hours=3), TOKYO, anchor=start + dt.timedelta(hours=1)
    )
    assert [t.strftime("%H:%M") for t in later] == ["12:00", "13:00"]
    assert [
        t.strftime("%H:%M") for t in fire_times("rate(1 hour)", start, start + dt.timedelta(hours=2), TOKYO)
    ] == [
        "11:00",
        "12:00",
    ]


def test_rate_in_days_drifts_across_dst() -> None:
    anchor = dt.datetime(2024, 3, 8, 9, 0, tzinfo=NEW_YORK)
    fires = fire_times("rate(1 day)", anchor, anchor + dt.timedelta(days=4), NEW_YORK)
    assert [t.strftime("%d %H:%M") for t in fires] == ["08 09:00", "09 09:00", "10 10:00", "11 10:00"]


def test_at_fires_once() -> None:
    window = (dt.datetime(2025, 1, 1, tzinfo=TOKYO), dt.datetime(2026, 1, 1, tzinfo=TOKYO))
    assert [t.isoformat() for t in fire_times("at(2025-03-01T09:30:00)", *window, TOKYO)] == [
        "2025-03-01T09:30:00+09:00"
    ]
    assert fire_times("at(2024-03-01T09:30:00)", *window, TOKYO) == []


def test_at_in_dst_gap_and_repeat() -> None:
    window = (dt.datetime(2024, 1, 1, tzinfo=NEW_YORK), dt.datetime(2025, 1, 1, tzinfo=NEW_YORK))
    assert fire_times("at(2024-03-10T02:30:00)", *window, NEW_YORK) == []
    (repeated,) = fire_times("at(2024-11-03T01:30:00)", *window, NEW_YORK)
    assert repeated.utcoffset() == dt.timedelta(hours=-4)


def test_next_fire_times() -> None:
    after = dt.datetime(2024, 6, 1, 12, 0, 30, tzinfo=TOKYO)
    assert [t.strftime("%H:%M") for t in next_fire_times("cron(* * * * ? *)", after, 3, TOKYO)] == [
        "12:01",
        "12:02",
        "12:03",
    ]
    yearly = next_fire_times("cron(0 0 29 FEB ? *)", after, 2, TOKYO)
    assert [t.year for t in yearly] == [2028, 2032]
    assert next_fire_times("cron(0 0 30 FEB ? *)", after, 1, TOKYO) == []
    assert len(next_fire_times("rate(7 days)", after, 4, TOKYO)) == 4
    assert next_fire_times("cron(0 0 1 1 ? 2020)", after, 1, TOKYO) == []


# --------------------------------------------------------------------------- typical expressions
# (timed in benchmarks/bench_awscron.py, never asserted here)


def test_a_year_of_weekdays_has_every_weekday() -> None:
    cron = parse_cron("cron(30 22 ? * MON-FRI *)")
    start, end = dt.datetime(2024, 1, 1, tzinfo=TOKYO), dt.datetime(2025, 1, 1, tzinfo=TOKYO)
    assert len(fire_times(cron, start, end, TOKYO)) == 262


# --------------------------------------------------------------------------- cross-check with cronsim


def _random_plain(rng: random.Random, low: int, high: int, names: tuple[str, ...] = ()) -> str:
    """A random list of values, ascending ranges and steps: the syntax both libraries share."""

    def value(v: int) -> str:
        return names[v - low] if names and rng.random() < 0.3 else str(v)

    def element() -> str:
        a, b = sorted(rng.sample(range(low, high + 1), 2))
        step = rng.randint(1, max(1, (high - low) // 2))
        return rng.choice([value(a), f"{value(a)}-{value(b)}", f"*/{step}", f"{a}/{step}", f"{a}-{b}/{step}"])

    return rng.choice(["*", ",".join(element() for _ in range(rng.randint(1, 3)))])


def _random_expression(rng: random.Random) -> tuple[str, str, set[int] | None]:
    """(AWS expression, the same for cronsim with seconds first, the years AWS selects or None)."""
    minute = rng.choice(
        [str(rng.randrange(60)), f"{rng.randrange(60)},{rng.randrange(60)}", _random_plain(rng, 0, 59)]
    )
    hour = rng.choice([str(rng.randrange(24)), _random_plain(rng, 0, 23)])
    if minute == "*" and hour == "*":
        minute = "0"  # keep the number of fire times small: cronsim steps through each
    month = _random_plain(
        rng, 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
    if rng.random() < 0.5:
        dom = rng.choice(["*", "L", "LW", _random_plain(rng, 1, 31)])
        aws_days, sim_days = f"{dom} {month} ?", f"{dom} {month} *"
    else:
        weekday = rng.randint(1, 7)
        dow, sim = rng.choice(
            [
                (str(weekday), str(weekday - 1)),
                (f"{weekday}L", f"{weekday - 1}L"),
                (f"{weekday}#{rng.randint(1, 5)}", None),
                *[(_aws_weekdays(rng), None)] * 2,
            ]
        )
        if sim is None:
            sim = _cronsim_weekdays(dow)
        aws_days, sim_days = f"? {month} {dow}", f"* {month} {sim}"
    # The years start with the window's first, so that cronsim, which has no year field, need not
    # step through a whole skipped year of an every-minute expression.
    year, years = rng.choice(
        [("*", None), ("2024", {2024}), ("2024-2025", {2024, 2025}), ("2024,2026", {2024, 2026})]
    )
    return f"cron({minute} {hour} {aws_days} {year})", f"0 {minute} {hour} {sim_days}", years


def _aws_weekdays(rng: random.Random) -> str:
    names = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
    parts = []
    for _ in range(rng.randint(1, 3)):
        a, b = sorted(rng.sample(range(1, 8), 2))
        parts.append(rng.choice([str(a), names[a - 1], f"{a}-{b}", f"{names[a - 1]}-{names[b - 1]}"]))
    return ",".join(parts)


def _cronsim_weekdays(aws: str) -> str:
    """cronsim numbers weekdays from Sunday = 0: shift the numbers, keep the names and '#'."""

    def shift(token: str) -> str:
        return str(int(token) - 1) if token.isdigit() else token

    out = []
    for part in aws.split(","):
        head, _, nth = part.partition("#")
        shifted = "-".join(shift(t) for t in head.split("-"))
        out.append(f"{shifted}#{nth}" if nth else shifted)
    return ",".join(out)


def _cronsim_next(sim_expr: str, after: dt.datetime, count: int, years: set[int] | None) -> list[dt.datetime]:
    found: list[dt.datetime] = []
    try:
        for when in CronSim(sim_expr, after - dt.timedelta(seconds=1)):  # cronsim starts after its time
            if when.year > 2028 or len(found) == count:
                break
            if years is None or when.year in years:
                found.append(when)
    except CronSimError:  # cronsim refuses a day no selected month has (30 FEB): it never fires
        pass
    return found


@pytest.mark.parametrize("zone", [UTC, TOKYO])
def test_cross_check_with_cronsim(zone: ZoneInfo) -> None:
    rng = random.Random(f"awscron-{zone.key}")
    after = dt.datetime(2024, 1, 1, 0, 0, tzinfo=zone)
    checked = 0
    for _ in range(1200):
        aws, sim, years = _random_expression(rng)
        ours = [t for t in next_fire_times(aws, after, 25, zone) if t.year <= 2028]
        theirs = _cronsim_next(sim, after, 25, years)
        assert ours == theirs, (aws, sim)
        checked += 1
    assert checked == 1200
