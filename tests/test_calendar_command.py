"""`jobmigrate calendar`: business calendars from holidays, closing rules and legacy groups."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from calendars.changecal import from_ics, state

from .conftest import FIXTURES, jobmigrate

JP_2027 = (
    "--holidays",
    "JP",
    "--closed-weekday",
    "sa",
    "--closed-weekday",
    "su",
    "--closing",
    "12-29..01-03",
)


def test_grid_shows_a_year_of_open_and_closed_days() -> None:
    result = jobmigrate("calendar", *JP_2027, "--year", "2027")
    assert result.returncode == 0, result.stderr
    january = next(line for line in result.stdout.splitlines() if line.startswith("Jan"))
    # 1st New Year's Day, 2nd-3rd closing range and weekend, 9th-11th weekend and Coming of Age Day.
    assert january.split()[1].startswith("■■■·····■■■")
    assert january.split()[-1] == "19"


def test_json_and_change_calendar_agree(tmp_path: Path) -> None:
    ics = tmp_path / "jp.ics"
    result = jobmigrate(
        "calendar", *JP_2027, "--year", "2027", "--format", "json", "--ics", ics, "--name", "jp"
    )
    data = json.loads(result.stdout)
    assert len(data["open"]) + len(data["closed"]) == 365
    assert "2027-05-03" in data["closed"] and "2027-05-06" in data["open"]
    doc = from_ics(ics.read_text(), "jp")
    assert doc.type == "DEFAULT_OPEN"
    tokyo = dt.timezone(dt.timedelta(hours=9))
    for day in ("2027-05-03", "2027-12-30", "2027-05-06"):
        noon = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=tokyo)
        assert (state([doc], noon) == "OPEN") == (day in data["open"])


def test_a_legacy_group_calendar_combines_with_extra_rules() -> None:
    result = jobmigrate(
        "calendar",
        FIXTURES / "jp1" / "closing_days.ajs",
        "--year",
        "2027",
        "--format",
        "json",
        "--closed",
        "2027-06-01",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "2027-03-27" in data["open"]  # the group's forced open Saturday
    assert "2027-01-05" in data["closed"] and "2027-06-01" in data["closed"]


def test_bad_options_are_usage_errors() -> None:
    result = jobmigrate("calendar", "--closing", "12/29-01/03", "--year", "2027")
    assert result.returncode == 2 and "--closing" in result.stderr and "Traceback" not in result.stderr
