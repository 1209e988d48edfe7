"""Proof before cutover, on whole years: legacy and AWS runs identical, and as computed by hand."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from .conftest import FIXTURES, jobmigrate

CLOSING = FIXTURES / "jp1" / "closing_days.ajs"
CRON_TZ = FIXTURES / "crontab" / "tz" / "monthly.crontab"
YEAR = ("--start", "2027-01-01", "--end", "2027-12-31")

# /OPS in 2027: weekends, public holidays, the company closure 12-29..01-05 (without the
# weekend), and Saturday 03-27 forced open.
CLOSED_WEEKDAYS = {
    dt.date(2027, m, d)
    for m, d in [
        (1, 1),
        (1, 4),
        (1, 5),
        (1, 11),
        (2, 11),
        (2, 23),
        (3, 22),
        (4, 29),
        (5, 3),
        (5, 4),
        (5, 5),
        (7, 19),
        (8, 11),
        (9, 20),
        (9, 23),
        (10, 11),
        (11, 3),
        (11, 23),
        (12, 29),
        (12, 30),
        (12, 31),
    ]
}
FORCED_OPEN = dt.date(2027, 3, 27)


def is_open(day: dt.date) -> bool:
    return day == FORCED_OPEN or (day.weekday() < 5 and day not in CLOSED_WEEKDAYS)


def open_days() -> list[dt.date]:
    day, out = dt.date(2027, 1, 1), []
    while day.year == 2027:
        if is_open(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def at(day: dt.date, hh: int, mm: int) -> str:
    return dt.datetime(day.year, day.month, day.day, hh, mm).isoformat() + "+09:00"


def by_hand() -> dict[str, list[str]]:
    days = open_days()
    payday = []
    for month in range(1, 13):
        day = dt.date(2027, month, 25)
        while not is_open(day):
            day -= dt.timedelta(days=1)
        payday.append(at(day, 9, 0))
    month_end = [at(max(d for d in days if d.month == m), 18, 0) for m in range(1, 13)]
    weekly = []
    monday = dt.date(2027, 1, 4)
    while monday.year == 2027:
        day = monday
        while not is_open(day):
            day += dt.timedelta(days=1)
        weekly.append(at(day, 7, 0))
        monday += dt.timedelta(days=7)
    late = [
        at(d + dt.timedelta(days=1), 1, 30) for d in days if d + dt.timedelta(days=1) <= dt.date(2027, 12, 31)
    ]
    return {
        "/OPS/DAILY": [at(d, 22, 30) for d in days],
        "/OPS/PAYDAY": payday,
        "/OPS/MONTH_END": month_end,
        "/OPS/WEEKLY": weekly,
        "/OPS/LATE": late,
    }


@pytest.mark.parametrize("trigger", ["scheduler", "rule"])
def test_jp1_closing_days_year_matches_hand_computed_dates(trigger: str) -> None:
    result = jobmigrate("schedule", CLOSING, "--from", "jp1", *YEAR, "--trigger", trigger, "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    nets = {n["path"]: n for n in json.loads(result.stdout)["jobnets"]}
    expected = by_hand()
    assert sorted(nets) == sorted(expected)
    for path, runs in expected.items():
        assert nets[path]["legacy_runs"] == runs, path
        assert nets[path]["aws_runs"] == runs, path
        assert nets[path]["equivalent"]
    assert at(FORCED_OPEN, 22, 30) in nets["/OPS/DAILY"]["legacy_runs"]
    assert "2027-04-23T09:00:00+09:00" in nets["/OPS/PAYDAY"]["legacy_runs"]  # 25th is a Sunday


@pytest.mark.parametrize("trigger", ["scheduler", "rule"])
def test_cron_tz_entries_are_equivalent_for_a_year(trigger: str) -> None:
    result = jobmigrate(
        "schedule",
        CRON_TZ,
        "--from",
        "crontab",
        "--tz",
        "UTC",
        *YEAR,
        "--trigger",
        trigger,
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    nets = {n["path"]: n for n in data["jobnets"]}
    monthly = nets["monthly.crontab:5"]
    assert len(monthly["legacy_runs"]) == 12 and monthly["equivalent"]
    # The zone of the report is --tz (UTC): 08:00 JST on 1 February is 23:00 UTC on 31 January.
    assert "2027-01-31T23:00:00+00:00" in monthly["legacy_runs"]
    fortnight = nets["monthly.crontab:7"]
    # 00:15 JST is 15:15 UTC the day before: Tokyo days 2027-01-02 .. 2028-01-01 fall in the year.
    tokyo_days = [dt.date(2027, 1, 2) + dt.timedelta(days=i) for i in range(365)]
    expected = [
        (dt.datetime(d.year, d.month, d.day, 15, 15) - dt.timedelta(days=1)).isoformat() + "+00:00"
        for d in tokyo_days
        if d.day in (1, 15) or d.weekday() == 4
    ]
    assert fortnight["legacy_runs"] == expected
    assert fortnight["aws_runs"] == expected
