"""Date and time attributes -> IR schedule rules the calendar engine evaluates.

`date_conditions` is the master switch: with 0 (the default) AutoSys ignores every other date/time
attribute and the unit runs when its box or its condition starts it. With 1:

    days_of_week: mo,we | all        -> Weekdays
    run_calendar: CAL                -> CalendarDays(CAL), rule.calendar = CAL
    exclude_calendar: CAL            -> rule.exclude_calendar (dates CAL lists are skipped)
    start_times: "06:15, 18:30"      -> one StartTime per time
    start_mins: 0, 30                -> one StartTime per hour x minute (00:00 .. 23:30)
    timezone: US/Eastern             -> rule.timezone and JobNet.timezone (IANA name)
    run_window: "20:00-02:00"        -> metadata only: it gates starts caused by conditions,
                                        it never causes one (finding AS1405)

Only top-level boxes and standalone jobs get rules: a unit inside a box that has its own date
conditions waits for both its box and its times, which the IR cannot hold (finding AS1406).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from typing import Final

from jobmigrate.errors import InputError
from jobmigrate.model import (
    WEEKDAYS,
    CalendarDays,
    ScheduleRule,
    Source,
    StartTime,
    Weekday,
    Weekdays,
)

from .catalog import JobDef
from .findings import Reporter
from .syntax import Attr
from .values import collect, flag

SCHEDULE_KEYS: Final = (
    "days_of_week",
    "run_calendar",
    "exclude_calendar",
    "start_times",
    "start_mins",
    "run_window",
    "timezone",
    "must_start_times",
    "must_complete_times",
)
_DAY_NAMES: Final[dict[str, Weekday]] = {
    **{w: w for w in WEEKDAYS},
    **dict(zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), WEEKDAYS, strict=True)),
}
_ITEM: Final = re.compile(r"[^,\s]+")
_HHMM: Final = re.compile(r"(\d{1,2}):(\d{2})")
_WINDOW: Final = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
# Names some AutoSys installations carry in ujo_timezones that are not IANA names.
_ZONE_ALIASES: Final[dict[str, str]] = {
    "eastern": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "jst": "Asia/Tokyo",
    "ist": "Asia/Kolkata",
    "hkt": "Asia/Hong_Kong",
    "sgt": "Asia/Singapore",
    "bst": "Europe/London",
    "aest": "Australia/Sydney",
}
# Old tz database links AutoSys estates commonly use, to the zone they stand for, so that the
# generated schedules name canonical zones.
_LINKS: Final[dict[str, str]] = {
    "US/Eastern": "America/New_York",
    "US/Central": "America/Chicago",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
    "US/Arizona": "America/Phoenix",
    "US/Alaska": "America/Anchorage",
    "US/Hawaii": "Pacific/Honolulu",
    "Canada/Eastern": "America/Toronto",
    "Canada/Central": "America/Winnipeg",
    "Canada/Mountain": "America/Edmonton",
    "Canada/Pacific": "America/Vancouver",
    "Japan": "Asia/Tokyo",
    "Singapore": "Asia/Singapore",
    "Hongkong": "Asia/Hong_Kong",
    "PRC": "Asia/Shanghai",
    "ROK": "Asia/Seoul",
    "GB": "Europe/London",
    "Eire": "Europe/Dublin",
    "NZ": "Pacific/Auckland",
    "Asia/Calcutta": "Asia/Kolkata",
    "Australia/ACT": "Australia/Sydney",
    "Australia/NSW": "Australia/Sydney",
}


@dataclass(slots=True)
class Timing:
    """What the date/time attributes of one unit say, read without raising."""

    rule: ScheduleRule | None = None
    timezone: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)


def date_conditions(job: JobDef) -> bool:
    return flag(job.last("date_conditions"))


def read_timing(job: JobDef, path: str, top_level: bool, rep: Reporter) -> Timing:
    """The schedule rule of a top-level box or standalone job, findings for everything else."""
    timing = Timing()
    try:
        scheduled = date_conditions(job)
    except InputError as err:
        timing.errors.append(err)
        return timing
    present = [k for k in SCHEDULE_KEYS if job.last(k) is not None]
    if not scheduled:
        if present:
            rep.add(
                "AS1401",
                f"date_conditions is 0, so AutoSys ignores {', '.join(present)}",
                path,
                _first(job, present).source,
            )
        return timing
    if not top_level:
        rep.add(
            "AS1406",
            "has its own date conditions inside a box: AutoSys starts it when the box runs and its "
            "time comes; converted to run when the box reaches it",
            path,
            _where(job),
        )
        return timing
    _fill(timing, job, path, rep)
    return timing


def _first(job: JobDef, keys: list[str]) -> Attr:
    found = job.last(keys[0])
    assert found is not None  # `keys` lists attributes that are present
    return found


def _where(job: JobDef) -> Source:
    attr = job.last("date_conditions")
    return attr.source if attr is not None else job.head.source


def _fill(timing: Timing, job: JobDef, path: str, rep: Reporter) -> None:
    errors: list[InputError] = []
    timing.timezone = collect(errors, lambda: _zone(job, path, rep))
    date = collect(errors, lambda: _date(job, path, rep))
    times = collect(errors, lambda: _times(job, path, rep))
    window = collect(errors, lambda: _window(job, path, rep))
    if errors:
        timing.errors.extend(errors)
        return
    if window is not None:
        timing.metadata["run_window"] = window
    if date is None or times is None:
        return
    dc = job.last("date_conditions")
    assert dc is not None  # scheduled units have it
    run_calendar = job.value("run_calendar") if isinstance(date, CalendarDays) else None
    timing.rule = ScheduleRule(
        date=date,
        times=times,
        calendar=run_calendar,
        exclude_calendar=job.value("exclude_calendar"),
        timezone=timing.timezone,
        source=dc.source,
        raw=[a.param() for k in ("date_conditions", *SCHEDULE_KEYS) if (a := job.last(k)) is not None],
    )


# --------------------------------------------------------------------------- days


def _date(job: JobDef, path: str, rep: Reporter) -> Weekdays | CalendarDays | None:
    days, calendar = job.last("days_of_week"), job.last("run_calendar")
    if days is not None and calendar is not None:
        rep.add(
            "AS1403",
            "days_of_week and run_calendar together: AutoSys refuses the combination; converted with "
            f"run_calendar {calendar.value} only",
            path,
            days.source,
        )
    if calendar is not None:
        return CalendarDays(calendar=calendar.value)
    if days is not None:
        return Weekdays(weekdays=_weekdays(days))
    rep.add(
        "AS1402",
        "date_conditions is 1 but neither days_of_week nor run_calendar is set: AutoSys never schedules it",
        path,
        _where(job),
    )
    return None


def _weekdays(attr: Attr) -> list[Weekday]:
    found: set[Weekday] = set()
    for match in _ITEM.finditer(attr.value):
        token = match.group().lower()
        if token == "all":
            return list(WEEKDAYS)
        day = _DAY_NAMES.get(token)
        if day is None:
            raise attr.error(
                f"unknown day {match.group()!r}: expected mo,tu,we,th,fr,sa,su or all", match.start()
            )
        found.add(day)
    if not found:
        raise attr.error("days_of_week lists no day")
    return [w for w in WEEKDAYS if w in found]


# --------------------------------------------------------------------------- times


def _times(job: JobDef, path: str, rep: Reporter) -> list[StartTime]:
    times, mins = job.last("start_times"), job.last("start_mins")
    if times is not None and mins is not None:
        rep.add(
            "AS1404",
            "start_times and start_mins together: AutoSys refuses the combination; start_times used",
            path,
            mins.source,
        )
    if times is not None:
        return [StartTime(minutes=h * 60 + m, raw=f"{h:02d}:{m:02d}") for h, m in _clock_times(times)]
    if mins is not None:
        minutes = _minutes(mins)
        return [StartTime(minutes=h * 60 + m, raw=f"{h:02d}:{m:02d}") for h in range(24) for m in minutes]
    rep.add("AS1407", "no start_times or start_mins: AutoSys starts it at 00:00", path, _where(job))
    return [StartTime(minutes=0, raw="00:00")]


def _clock_times(attr: Attr) -> list[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for match in _ITEM.finditer(attr.value):
        parsed = _hhmm(match.group())
        if parsed is None:
            raise attr.error(
                f"expected a time as hh:mm (00:00 to 23:59), found {match.group()!r}", match.start()
            )
        found.add(parsed)
    if not found:
        raise attr.error("start_times lists no time")
    return sorted(found)


def _hhmm(text: str) -> tuple[int, int] | None:
    match = _HHMM.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    return (hours, minutes) if hours < 24 and minutes < 60 else None


def _minutes(attr: Attr) -> list[int]:
    found: set[int] = set()
    for match in _ITEM.finditer(attr.value):
        token = match.group()
        if not token.isdigit() or int(token) > 59:
            raise attr.error(f"expected minutes past the hour (0 to 59), found {token!r}", match.start())
        found.add(int(token))
    if not found:
        raise attr.error("start_mins lists no minute")
    return sorted(found)


def _window(job: JobDef, path: str, rep: Reporter) -> str | None:
    attr = job.last("run_window")
    if attr is None:
        return None
    match = _WINDOW.fullmatch(attr.value)
    if match is None or _hhmm(f"{match[1]}:{match[2]}") is None or _hhmm(f"{match[3]}:{match[4]}") is None:
        raise attr.error(f'expected run_window as "hh:mm-hh:mm", found {attr.value!r}')
    rep.add(
        "AS1405",
        f"run_window {attr.value}: AutoSys lets condition-driven starts happen only inside it; kept in "
        "metadata for the planner, not enforced",
        path,
        attr.source,
    )
    return attr.value.strip()


# --------------------------------------------------------------------------- time zones


def _zone(job: JobDef, path: str, rep: Reporter) -> str | None:
    attr = job.last("timezone")
    if attr is None:
        return None
    name = attr.value.strip()
    found = iana_zone(name)
    if found is None:
        raise attr.error(f"unknown time zone {name!r}: use an IANA name such as America/New_York")
    if found != name:
        rep.add("AS1409", f"timezone {name} read as the IANA zone {found}", path, attr.source)
    return found


def iana_zone(name: str) -> str | None:
    """The IANA zone an AutoSys time zone name stands for; AutoSys matches names without case."""
    found = name if _loads(name) else _zones_by_lower().get(name.lower())
    if found is None:
        return _ZONE_ALIASES.get(name.lower())
    return _LINKS.get(found, found)


def _loads(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def _zones_by_lower() -> dict[str, str]:
    return {z.lower(): z for z in zoneinfo.available_timezones()}
