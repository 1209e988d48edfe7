"""Unix cron expressions: expansion, Vixie day matching, errors with offsets, fire times, DST,
and a cross-check against croniter on thousands of random expressions."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from calendars.unixcron import FIELDS, CronSyntaxError, from_ir, parse, parse_field

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def days(expr: str, start: dt.date, end: dt.date) -> list[int]:
    """Days of month on which the expression fires at least once in [start, end)."""
    times = parse(expr).fire_times(dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()))
    return sorted({t.day for t in times})


# --------------------------------------------------------------------------- expansion


@pytest.mark.parametrize(
    ("text", "index", "expected"),
    [
        ("*", 1, tuple(range(24))),
        ("5", 0, (5,)),
        ("1-5", 4, (1, 2, 3, 4, 5)),
        ("5-5", 0, (5,)),
        ("nov-nov/2", 3, (11,)),
        ("*/15", 0, (0, 15, 30, 45)),
        ("1-10/3", 2, (1, 4, 7, 10)),
        ("5/20", 0, (5, 25, 45)),  # a/n runs to the field's end
        ("3,1,2,3", 1, (1, 2, 3)),  # sorted, no duplicates
        ("0,30-32,59", 0, (0, 30, 31, 32, 59)),
        ("jan,Mar,DEC", 3, (1, 3, 12)),
        ("jun-aug", 3, (6, 7, 8)),
        ("may-7,11-Dec", 3, (5, 6, 7, 11, 12)),  # names and numbers mix freely
        ("jan-dec/4", 3, (1, 5, 9)),
        ("Mon-FRI", 4, (1, 2, 3, 4, 5)),
        ("7", 4, (0,)),  # 7 is Sunday too
        ("5-7", 4, (0, 5, 6)),
        ("0,7", 4, (0,)),
        ("*/2", 4, (0, 2, 4, 6)),
        ("1/2", 4, (0, 1, 3, 5)),  # Vixie's weekday maximum is 7, so 1/2 reaches Sunday
        ("sat/1", 4, (0, 6)),
        ("*/100", 0, (0,)),  # a step beyond the range keeps the first value
    ],
)
def test_fields_expand_to_sorted_values(text: str, index: int, expected: tuple[int, ...]) -> None:
    assert parse_field(text, index) == expected


def test_expression_keeps_expansions_and_normalised_text() -> None:
    expr = parse("  */30\t8-17  * *  mon-fri ")
    assert expr.expression == "*/30 8-17 * * mon-fri"
    assert expr.minute == (0, 30)
    assert expr.hour == tuple(range(8, 18))
    assert expr.dom == tuple(range(1, 32))
    assert expr.month == tuple(range(1, 13))
    assert expr.dow == (1, 2, 3, 4, 5)
    assert (expr.minute_wildcard, expr.hour_wildcard) == (True, False)


@pytest.mark.parametrize(
    ("text", "dom_restricted", "dow_restricted"),
    [
        ("0 0 * * *", False, False),
        ("0 0 1 * *", True, False),
        ("0 0 * * 1", False, True),
        ("0 0 1 * 1", True, True),
        ("0 0 */2 * 1", False, True),  # Vixie: a field starting with * is unrestricted
        ("0 0 1-31 * 1", True, True),  # every day, yet restricted
        ("0 0 1 * */1", True, False),
    ],
)
def test_restriction_follows_the_first_character(
    text: str, dom_restricted: bool, dow_restricted: bool
) -> None:
    expr = parse(text)
    assert (expr.dom_restricted, expr.dow_restricted) == (dom_restricted, dow_restricted)


@pytest.mark.parametrize(
    ("special", "same_as"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ],
)
def test_specials_mean_their_five_fields(special: str, same_as: str) -> None:
    expr, plain = parse(special), parse(same_as)
    assert (expr.expression, expr.special) == (special, special)
    fields = ("minute", "hour", "dom", "month", "dow", "dom_restricted", "dow_restricted", "wildcard")
    assert [getattr(expr, f) for f in fields] == [getattr(plain, f) for f in fields]


def test_ir_round_trip_keeps_every_field() -> None:
    expr = parse("10 7-21/2 1,15 jan-jun mon")
    ir = expr.to_ir()
    assert ir.expression == "10 7-21/2 1,15 jan-jun mon"
    assert ir.hours == [7, 9, 11, 13, 15, 17, 19, 21]
    assert ir.days_of_month == [1, 15]
    assert ir.months == [1, 2, 3, 4, 5, 6]
    assert ir.days_of_week == [1]
    assert ir.dom_or_dow
    assert from_ir(ir) == expr


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("60 * * * *", 0, "minute 60 is out of range 0-59"),
        ("0 24 * * *", 2, "hour 24 is out of range 0-23"),
        ("0 0 0 * *", 4, "day-of-month 0 is out of range 1-31"),
        ("0 0 * 13 *", 6, "month 13 is out of range 1-12"),
        ("0 0 * * 8", 8, "day-of-week 8 is out of range 0-7"),
        ("0 0 1,32 * *", 6, "day-of-month 32 is out of range"),
        ("0 9 L * *", 4, "'L' (last day"),
        ("0 9 15W * *", 6, "'W' (nearest weekday)"),
        ("0 9 LW * *", 4, "'L' (last day"),
        ("0 9 * * 5L", 9, "'L' (last day"),
        ("0 9 ? * MON", 4, "'?' (no specific value)"),
        ("0 9 * * MON#2", 11, "'#' (n-th weekday"),
        ("0 0 * * monday", 8, "write 'mon', not 'monday'"),
        ("0 0 * smarch *", 6, "unknown month name 'smarch'"),
        ("0 0 mon * *", 4, "the day-of-month field takes numbers, not 'mon'"),
        ("0 0 * * fri-mon", 8, "range fri-mon runs backwards"),
        ("30-10 * * * *", 0, "range 30-10 runs backwards"),
        ("*/0 * * * *", 2, "whole number >= 1"),
        ("*/x * * * *", 2, "whole number >= 1"),
        ("1,,2 * * * *", 2, "empty element"),
        ("1, * * * *", 2, "empty element"),
        ("5- * * * *", 2, "missing value after '-'"),
        ("5/ * * * *", 2, "missing value after '/'"),
        ("*-5 * * * *", 1, "'*' can only be followed by '/step'"),
        ("0 0 * * 1.5", 9, "unexpected character '.'"),
        ("0 0 * *", 7, "expected 5 fields"),
        ("0 0 * * * 2027", 10, "unexpected 6th field"),
        ("", 0, "empty cron expression"),
        ("@reboot", 0, "@reboot runs once at system start"),
        ("@Daily", 0, "lower case: write '@daily'"),
        ("@fortnightly", 0, "unknown special '@fortnightly'"),
        ("@daily 0", 7, "unexpected text after @daily"),
    ],
)
def test_errors_point_at_the_bad_part(text: str, offset: int, message: str) -> None:
    with pytest.raises(CronSyntaxError) as caught:
        parse(text)
    assert caught.value.offset == offset
    assert message in caught.value.message


# --------------------------------------------------------------------------- day matching


def test_dom_or_dow_when_both_are_restricted() -> None:
    # April 2027: the 1st is a Thursday, Mondays are 5, 12, 19, 26.
    assert days("0 9 1,15 * mon", dt.date(2027, 4, 1), dt.date(2027, 5, 1)) == [1, 5, 12, 15, 19, 26]


def test_dom_and_dow_when_one_starts_with_a_star() -> None:
    # Odd days that are Mondays: only the 5th and the 19th in April 2027.
    assert days("0 0 */2 * mon", dt.date(2027, 4, 1), dt.date(2027, 5, 1)) == [5, 19]
    assert days("0 0 * * mon", dt.date(2027, 4, 1), dt.date(2027, 5, 1)) == [5, 12, 19, 26]
    assert days("0 0 1,15 * *", dt.date(2027, 4, 1), dt.date(2027, 5, 1)) == [1, 15]


def test_full_weekday_list_with_a_day_of_month_runs_daily() -> None:
    assert days("0 0 1 * 0-6", dt.date(2027, 4, 1), dt.date(2027, 5, 1)) == list(range(1, 31))


def test_matches_checks_the_wall_clock_minute() -> None:
    expr = parse("30 22 * * 1-5")
    assert expr.matches(dt.datetime(2027, 1, 4, 22, 30, 59))  # Monday, seconds ignored
    assert not expr.matches(dt.datetime(2027, 1, 3, 22, 30))  # Sunday
    assert not expr.matches(dt.datetime(2027, 1, 4, 22, 31))
    assert expr.matches(dt.datetime(2027, 1, 4, 22, 30, tzinfo=TOKYO))
    assert expr.matches_day(dt.date(2027, 1, 5)) and not expr.matches_day(dt.date(2027, 1, 9))


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("0 0 30 2 *", False),
        ("0 0 31 4,6,9,11 *", False),
        ("0 0 29 2 *", True),  # leap years
        ("0 0 30 2 mon", True),  # or any Monday of February
        ("0 0 31 * *", True),
    ],
)
def test_can_fire(text: str, fires: bool) -> None:
    assert parse(text).can_fire() is fires


# --------------------------------------------------------------------------- fire times


def test_fire_times_are_half_open_and_ascending() -> None:
    expr = parse("0 */6 * * *")
    times = list(expr.fire_times(dt.datetime(2027, 1, 1, 6), dt.datetime(2027, 1, 2, 6)))
    assert times == [dt.datetime(2027, 1, 1, h) for h in (6, 12, 18)] + [dt.datetime(2027, 1, 2, 0)]
    assert list(expr.fire_times(dt.datetime(2027, 1, 2), dt.datetime(2027, 1, 1))) == []


def test_month_end_rule_over_a_leap_february() -> None:
    expr = parse("0 19 28-31 * *")
    times = list(expr.fire_times(dt.datetime(2028, 2, 1), dt.datetime(2028, 3, 1)))
    assert [t.day for t in times] == [28, 29]


def test_aware_times_carry_the_zone_and_offset() -> None:
    expr = parse("30 22 * * mon-fri")
    start, end = dt.datetime(2027, 1, 4, tzinfo=TOKYO), dt.datetime(2027, 1, 11, tzinfo=TOKYO)
    times = list(expr.fire_times(start, end))
    assert [t.isoformat() for t in times[:2]] == ["2027-01-04T22:30:00+09:00", "2027-01-05T22:30:00+09:00"]
    assert [t.replace(tzinfo=None) for t in times] == list(
        expr.fire_times(start.replace(tzinfo=None), end.replace(tzinfo=None))
    )


def test_aware_bounds_in_another_zone_are_converted() -> None:
    expr = parse("0 9 * * *")
    start = dt.datetime(2027, 1, 1, 0, 0, tzinfo=TOKYO)
    end = dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC)  # 09:30 in Tokyo
    assert [t.isoformat() for t in expr.fire_times(start, end)] == ["2027-01-01T09:00:00+09:00"]


def test_naive_and_aware_bounds_do_not_mix() -> None:
    with pytest.raises(ValueError, match="both"):
        parse("* * * * *").fire_times(dt.datetime(2027, 1, 1), dt.datetime(2027, 1, 2, tzinfo=TOKYO))


SPRING_FORWARD = (dt.datetime(2027, 3, 14, tzinfo=NEW_YORK), dt.datetime(2027, 3, 14, 4, tzinfo=NEW_YORK))
FALL_BACK = (dt.datetime(2027, 11, 7, tzinfo=NEW_YORK), dt.datetime(2027, 11, 7, 3, tzinfo=NEW_YORK))


@pytest.mark.parametrize(
    ("text", "window", "expected"),
    [
        # fixed time in the skipped hour: once, right after the gap
        ("30 2 * * *", SPRING_FORWARD, ["03:00-04:00"]),
        ("0,30 2,3 * * *", SPRING_FORWARD, ["03:00-04:00", "03:30-04:00"]),
        # wildcard entries skip the missing hour
        ("*/30 2 * * *", SPRING_FORWARD, []),
        ("0 * * * *", SPRING_FORWARD, ["00:00-05:00", "01:00-05:00", "03:00-04:00"]),
        # fixed time in the repeated hour: first pass only
        ("30 1 * * *", FALL_BACK, ["01:30-04:00"]),
        # wildcard entries run in both passes
        ("*/30 1 * * *", FALL_BACK, ["01:00-04:00", "01:30-04:00", "01:00-05:00", "01:30-05:00"]),
        ("0 * * * *", FALL_BACK, ["00:00-04:00", "01:00-04:00", "01:00-05:00", "02:00-05:00"]),
    ],
)
def test_daylight_saving_follows_vixie(
    text: str, window: tuple[dt.datetime, dt.datetime], expected: list[str]
) -> None:
    times = list(parse(text).fire_times(*window))
    assert [t.isoformat()[11:16] + t.isoformat()[19:] for t in times] == expected
    instants = [t.astimezone(dt.UTC) for t in times]
    assert instants == sorted(set(instants))


def test_sparse_schedules_are_not_scanned_minute_by_minute() -> None:
    started = time.perf_counter()
    times = list(parse("@yearly").fire_times(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)))
    assert len(times) == 100
    assert time.perf_counter() - started < 1.0  # a minute scan would take 52 million steps


# --------------------------------------------------------------------------- croniter cross-check

CROSS_CHECK_EXPRESSIONS = 2000
FIRES_COMPARED = 30


def random_field(rng: random.Random, index: int) -> str:
    fld = FIELDS[index]
    # croniter ends day-of-week at 6 where Vixie ends at 7, which only changes `a/n`.
    high = 6 if index == 4 else fld.high
    if rng.random() < 0.25:
        return "*" if rng.random() < 0.5 else f"*/{rng.randint(1, (high - fld.low) // 2 + 1)}"
    return ",".join(random_element(rng, index, fld.low, high) for _ in range(rng.choice((1, 1, 2, 3))))


def random_element(rng: random.Random, index: int, low: int, high: int) -> str:
    first = rng.randint(low, high - 1)
    # croniter reads a one-value range (`5-5`) as `*`; Vixie reads it as 5 (tested above).
    last = rng.randint(first + 1, high)
    shape = rng.choice(("value", "range", "range_step", "start_step"))
    if shape == "start_step" and index == 4:
        shape = "range_step"
    step = rng.randint(1, max(1, (high - low) // 3))
    # croniter reads a month range mixing a name and a number (`may-7`) as `*`: one style per range.
    names = bool(FIELDS[index].names) and rng.random() < 0.4
    text = {
        "value": spell(rng, index, rng.randint(low, high), names),
        "range": f"{spell(rng, index, first, names)}-{spell(rng, index, last, names)}",
        "range_step": f"{spell(rng, index, first, names)}-{spell(rng, index, last, names)}/{step}",
        "start_step": f"{first}/{step}",
    }[shape]
    if index == 4 and text == "0" and rng.random() < 0.5:
        return "7"
    return text


def spell(rng: random.Random, index: int, value: int, as_name: bool) -> str:
    if not as_name:
        return str(value)
    text = next(n for n, v in FIELDS[index].names.items() if v == value)
    return rng.choice((text, text.upper(), text.capitalize()))


def random_expression(rng: random.Random) -> str:
    while True:
        text = " ".join(random_field(rng, i) for i in range(5))
        expr = parse(text)
        # croniter turns a full weekday list into `*`, which changes its OR rule; those cases
        # are covered by test_full_weekday_list_with_a_day_of_month_runs_daily.
        if not (expr.dom_or_dow and len(expr.dow) == 7):
            return text


def croniter_times(text: str, start: dt.datetime, end: dt.datetime, day_or: bool) -> list[dt.datetime]:
    it = croniter(text, start - dt.timedelta(minutes=1), day_or=day_or)
    out: list[dt.datetime] = []
    while len(out) < FIRES_COMPARED:
        when = it.get_next(dt.datetime)
        if when >= end:
            break
        out.append(when)
    return out


def test_fire_times_agree_with_croniter_on_random_expressions() -> None:
    rng = random.Random(20270101)
    checked = 0
    for _ in range(CROSS_CHECK_EXPRESSIONS):
        text = random_expression(rng)
        expr = parse(text)
        start = dt.datetime(2026, 1, 1) + dt.timedelta(minutes=rng.randrange(4 * 365 * 24 * 60))
        end = start + dt.timedelta(days=400)
        ours = list(itertools.islice(expr.fire_times(start, end), FIRES_COMPARED))
        if not expr.can_fire():
            assert ours == [], text
            continue
        theirs = croniter_times(text, start, end, day_or=expr.dom_or_dow)
        assert ours == theirs, f"{text} from {start}"
        assert all(expr.matches(when) for when in ours)
        when = start + dt.timedelta(minutes=rng.randrange(400 * 24 * 60))
        assert expr.matches(when) == croniter.match(text, when, day_or=expr.dom_or_dow), f"{text} at {when}"
        checked += 1
    assert checked > CROSS_CHECK_EXPRESSIONS * 0.95
