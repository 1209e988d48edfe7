"""`jobmigrate cron`: validity, words, next fire times, warnings, Unix lines, errors and exit codes.

Fire times are counted from the hidden `--from-time` so that outputs are fixed."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
from click.testing import CliRunner, Result

from calendars import awscron, unixcron
from jobmigrate.commands.cron import cron

FROM = ("--from-time", "2024-03-01T00:00")


def run(*args: str) -> Result:
    return CliRunner().invoke(cron, list(args))


def review(*args: str) -> dict[str, Any]:
    start = () if "--from-time" in args else FROM
    result = run(*args, *start, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --------------------------------------------------------------------------- EventBridge expressions


def test_json_review_of_a_scheduler_expression() -> None:
    assert review("cron(30 22 ? * MON-FRI *)", "--next", "3") == {
        "expression": "cron(30 22 ? * MON-FRI *)",
        "valid": True,
        "description": "At 22:30, Monday through Friday (Asia/Tokyo time)",
        "description_ja": "次において実施 22:30、月曜日 から 金曜日 まで（Asia/Tokyo 時刻）",
        "timezone": "Asia/Tokyo",
        "next": [
            {"local": "2024-03-01T22:30:00+09:00", "utc": "2024-03-01T13:30:00Z"},
            {"local": "2024-03-04T22:30:00+09:00", "utc": "2024-03-04T13:30:00Z"},
            {"local": "2024-03-05T22:30:00+09:00", "utc": "2024-03-05T13:30:00Z"},
        ],
        "warnings": [],
    }


def test_text_review() -> None:
    result = run("cron(30 22 ? * MON-FRI *)", *FROM)
    assert result.exit_code == 0
    out = result.stdout
    assert "cron(30 22 ? * MON-FRI *)" in out
    assert "valid (EventBridge Scheduler, in Asia/Tokyo)" in out
    assert "At 22:30, Monday through Friday" in out
    assert "next 5 fire times" in out
    assert "2024-03-01 Fri 22:30 +0900" in out and "2024-03-01 Fri 13:30" in out
    assert "warning" not in out


def test_from_time_with_an_offset_and_default_count() -> None:
    data = review("cron(0 9 * * ? *)", "--from-time", "2024-03-01T00:30:00+00:00")
    assert [n["local"][:10] for n in data["next"]] == [
        "2024-03-02",
        "2024-03-03",
        "2024-03-04",
        "2024-03-05",
        "2024-03-06",
    ]


def test_without_from_time_it_counts_from_now() -> None:
    result = run("cron(* * * * ? *)", "--format", "json", "--next", "1")
    assert result.exit_code == 0
    (first,) = json.loads(result.stdout)["next"]
    fire = dt.datetime.fromisoformat(first["utc"].replace("Z", "+00:00"))
    assert abs(fire - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)


def test_dst_gap_and_repeat_are_warned() -> None:
    data = review("cron(30 1,2 ? * SUN *)", "--tz", "America/New_York")
    assert data["warnings"] == [
        "daylight saving time in America/New_York: 2024-03-10: 02:30 does not exist (clocks go forward); "
        "Scheduler skips it",
        "daylight saving time in America/New_York: 2024-11-03: 01:30 happens twice (clocks go back); "
        "Scheduler runs it once",
    ]
    assert "2024-03-10T02:30" not in json.dumps(data["next"])


def test_utc_rule_landing_on_another_local_day() -> None:
    data = review("cron(30 22 ? * MON-FRI *)", "--utc", "--next", "2")
    assert data["description"] == "At 22:30, Monday through Friday (UTC time)"
    assert data["next"][0] == {"local": "2024-03-01T07:30:00+09:00", "utc": "2024-02-29T22:30:00Z"}
    assert data["warnings"] == [
        "as an EventBridge rule this runs in UTC: 2 of the next 2 fire times fall on another day in "
        "Asia/Tokyo (e.g. Thu 2024-02-29 22:30 UTC is Fri 2024-03-01 07:30 local)"
    ]


def test_utc_rule_in_a_zone_with_dst() -> None:
    data = review("cron(0 12 * * ? *)", "--utc", "--tz", "Europe/London")
    assert any("Europe/London changes its UTC offset (UTC+00:00, UTC+01:00)" in w for w in data["warnings"])
    assert not any("another day" in w for w in data["warnings"])


def test_rate_warnings() -> None:
    data = review("rate(1 day)", "--tz", "America/New_York", "--next", "12")
    assert data["next"][9]["local"] == "2024-03-10T00:00:00-05:00"
    assert data["next"][10]["local"] == "2024-03-11T01:00:00-04:00"  # 24 hours later
    assert data["warnings"] == [
        "rate(1 day) counts from the schedule's start (its StartDate, or when it is created); the times "
        "shown assume it starts at 2024-03-01 00:00 EST",
        "rate(1 day) counts 24-hour days: the local time of day moves by an hour when America/New_York "
        "changes clocks; use cron(...) in Scheduler for a fixed local time",
    ]


def test_every_minute_is_warned() -> None:
    for expression in ("cron(* 9 * * ? *)", "rate(1 minute)"):
        assert any("fires every minute" in w for w in review(expression)["warnings"])


def test_at_in_the_past_and_in_a_gap() -> None:
    past = review("at(2023-01-01T09:00:00)")
    assert past["next"] == []
    assert past["warnings"] == [
        "2023-01-01 09:00:00 in Asia/Tokyo is before 2024-03-01 00:00: it never fires"
    ]
    repeated = review("at(2024-11-03T01:30:00)", "--tz", "America/New_York")
    assert repeated["next"] == [{"local": "2024-11-03T01:30:00-04:00", "utc": "2024-11-03T05:30:00Z"}]
    assert repeated["warnings"] == [
        "2024-11-03 01:30:00 happens twice in America/New_York (clocks go back); it runs once, the first time"
    ]
    gap = review("at(2024-03-10T02:30:00)", "--tz", "America/New_York")
    assert gap["next"] == []
    assert gap["warnings"] == [
        "2024-03-10 02:30:00 does not exist in America/New_York (clocks go forward); "
        "AWS does not document what Scheduler does then"
    ]
    future = review("at(2024-12-24T18:00:00)")
    assert future["next"] == [{"local": "2024-12-24T18:00:00+09:00", "utc": "2024-12-24T09:00:00Z"}]


def test_day_field_warnings() -> None:
    assert review("cron(0 0 ? * L *)")["warnings"][0].startswith("L alone in day-of-week means Saturday")
    assert review("cron(0 0 31 * ? *)")["warnings"] == [
        "day 31 does not exist in Feb, Apr, Jun, Sep, Nov: no run on it in those months "
        "(L in day-of-month is the last day)"
    ]
    assert review("cron(0 0 ? * 2#5 *)")["warnings"] == [
        "a fifth weekday exists in only some months: no run in the others"
    ]


def test_an_expression_that_never_fires() -> None:
    assert (
        review("cron(0 0 30 FEB ? *)")["warnings"][0]
        == "cron(0 0 30 FEB ? *) never fires after 2024-03-01 00:00 JST"
    )
    assert review("cron(0 0 1 * ? 2020-2023)")["next"] == []


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["cron(0 10 * * MON *)"],
            "<expression>:1:11: day-of-month and day-of-week cannot both be specified; one must be ?",
        ),
        (["cron(0 60 * * ? *)"], "<expression>:1:8: value 60 out of range 0-23 in hours"),
        (["rate(1 minutes)"], "<expression>:1:8: use the singular 'minute' when the value is 1"),
        (["at(2024-03-10T02:30:00)", "--utc"], "<expression>:1:1: at() exists only in EventBridge Scheduler"),
        (["0 10 * * ? *"], "<expression>:1:1: six fields look like an EventBridge cron without cron(...)"),
        (["30 25 * * *"], "<expression>:1:4: hour 25 is out of range 0-23"),
        (["CRON(0 10 * * ? *)"], "<expression>:1:1: expected cron(...), rate(...) or at(...)"),
        (["cron(0 10 * * ? *)", "--tz", "Mars/Olympus"], "jobmigrate: unknown time zone 'Mars/Olympus'"),
        (["cron(0 10 * * ? *)", "--from-time", "yesterday"], "jobmigrate: --from-time takes an ISO date"),
    ],
)
def test_bad_input_exits_2_with_a_located_message(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert result.stdout == ""


def test_from_time_is_hidden_from_help() -> None:
    result = run("--help")
    assert "--tz" in result.stdout and "--utc" in result.stdout and "--from-time" not in result.stdout


# --------------------------------------------------------------------------- Unix cron lines


def test_unix_line_is_converted_and_reviewed() -> None:
    data = review("30 22 * * 1-5", "--next", "1")
    assert data["aws_expressions"] == ["cron(30 22 ? * MON-FRI *)"]
    assert data["description"] == "At 22:30, Monday through Friday (Asia/Tokyo time)"
    assert data["next"] == [{"local": "2024-03-01T22:30:00+09:00", "utc": "2024-03-01T13:30:00Z"}]


def test_unix_specials_and_sunday_seven() -> None:
    assert review("@monthly")["aws_expressions"] == ["cron(0 0 1 * ? *)"]
    assert review("0 6 * * 7")["aws_expressions"] == ["cron(0 6 ? * SUN *)"]
    assert review("0 6 * * 0,6")["aws_expressions"] == ["cron(0 6 ? * SUN,SAT *)"]


def test_unix_day_of_month_or_weekday_needs_two_schedules() -> None:
    data = review("0 9 1,15 * MON", "--next", "4")
    assert data["aws_expressions"] == ["cron(0 9 1,15 * ? *)", "cron(0 9 ? * MON *)"]
    assert (
        data["description"]
        == "At 09:00, on day 1 and 15 of the month; or at 09:00, only on Monday (Asia/Tokyo time)"
    )
    assert [n["local"][:10] for n in data["next"]] == ["2024-03-01", "2024-03-04", "2024-03-11", "2024-03-15"]
    assert data["warnings"][0].startswith(
        "'0 9 1,15 * MON' runs when the day of month OR the weekday matches"
    )


def test_unix_line_without_an_exact_expression_exits_1() -> None:
    result = run("0 0 */2 * 1", *FROM, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["aws_expressions"] == [] and data["next"] == []
    assert "AND weekday MON" in data["warnings"][0]


def test_unix_fixed_time_in_a_dst_gap_mentions_vixie() -> None:
    data = review("30 2 * * *", "--tz", "America/New_York")
    assert data["warnings"][0].endswith(
        "Scheduler skips it (Vixie cron ran a skipped fixed-time entry right after the change)"
    )


def test_unix_conversion_matches_unix_cron_on_random_lines() -> None:
    """The converted expressions fire, together, exactly when the Unix line does (wall clock)."""
    from jobmigrate.commands.cron import _unix_to_aws

    rng = random.Random(11)
    start, end = dt.datetime(2024, 1, 1), dt.datetime(2025, 1, 1)
    checked = 0
    for _ in range(300):
        line = unixcron.parse(_random_unix_line(rng))
        expressions, _warnings = _unix_to_aws(line)
        if not expressions:
            continue  # day of month AND weekday: reported, not converted
        expected = list(line.fire_times(start, end))
        ours = sorted(
            {
                t.replace(tzinfo=None)
                for e in expressions
                for t in awscron.fire_times(
                    e, start.replace(tzinfo=dt.UTC), end.replace(tzinfo=dt.UTC), dt.UTC
                )
            }
        )
        assert ours == expected, (line.expression, expressions)
        checked += 1
    assert checked > 250


def _random_unix_line(rng: random.Random) -> str:
    minute = rng.choice(["0", "30", "*/20", "5,35"])
    hour = rng.choice(["9", "22", "*/8", "1-3"])
    dom = rng.choice(["*", "*", "1", "1,15", "10-20", "31", "*/10", "1-31"])
    month = rng.choice(["*", "*", "2", "jan,jul", "3-5"])
    dow = rng.choice(["*", "*", "1-5", "0", "7", "sat,sun", "*/2", "0-6"])
    return f"{minute} {hour} {dom} {month} {dow}"


def test_japanese_description_shows_the_same_mistake() -> None:
    # Written for "every 5 minutes between 08:00 and 17:55"; the words say otherwise.
    data = review("cron(0/10 * ? * MON-FRI *)")
    assert data["description"].startswith("Every 10 minutes, Monday through Friday")
    assert data["description_ja"].startswith("10 分ごと") and "月曜日 から 金曜日" in data["description_ja"]
