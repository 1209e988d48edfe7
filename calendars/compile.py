"""Schedule compilation: legacy rules -> EventBridge triggers plus Change Calendar gates whose
combination fires at exactly the legacy instants over the horizon.

For each start time of day (in the trigger's zone) we try, tightest first:
  1. a cron expression alone (weekdays or days of month, and months, of the runs);
  2. that expression gated by the job-net's shared closed-days calendar (DEFAULT_OPEN);
  3. that expression gated by a run-day calendar (DEFAULT_CLOSED, open on the run days).
Each candidate is accepted only after evaluating it - trigger fire times, then the gate - and
finding the very instants the legacy rules give. Times of day that run on the same dates and
form a product (hours x minutes) share one expression. Identical date sets share one calendar.
What cannot be matched is a finding, never an approximation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from jobmigrate.model import DateList, Finding, JobNet, ScheduleRule, Severity, Undefined, UnixCron

from . import awscron
from .business import BusinessCalendar
from .changecal import ChangeCalendar, Event, day_events, state
from .legacy import Horizon
from .schedules import Schedules

TriggerMode = Literal["scheduler", "rule"]
AWS_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
AWS_DOW = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # EventBridge: 1 = Sunday


def compress(values: Sequence[int], lo: int, hi: int, names: Sequence[str] | None = None) -> str:
    """Shortest plain list for a set of field values: `*`, `a-b` runs and single values."""
    vals = sorted(set(values))
    if vals == list(range(lo, hi + 1)):
        return "*"

    def show(v: int) -> str:
        return names[v - lo] if names else str(v)

    parts: list[str] = []
    i = 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{show(vals[i])}-{show(vals[j])}")
        else:
            parts.extend(show(v) for v in vals[i : j + 1])
        i = j + 1
    return ",".join(parts)


@dataclass(frozen=True, slots=True)
class CompiledTrigger:
    expression: str
    timezone: str  # "UTC" for EventBridge rules
    calendars: tuple[str, ...] = ()
    rules: tuple[int, ...] = ()


@dataclass(slots=True)
class Compiled:
    triggers: list[CompiledTrigger] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    legacy: list[dt.datetime] = field(default_factory=list)
    scheduled: bool = True  # False: the job-net has no schedule of its own


class AwsRuns:
    """The AWS side's start instants per (expression, zone, gates), each computed once."""

    def __init__(self, horizon: Horizon) -> None:
        self.horizon = horizon
        self._cache: dict[tuple[str, str, tuple[str, ...]], list[dt.datetime]] = {}

    def runs(self, expression: str, zone: ZoneInfo, calendars: Sequence[ChangeCalendar]) -> list[dt.datetime]:
        key = (expression, zone.key, tuple(c.name for c in calendars))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = aws_runs(expression, zone, calendars, self.horizon)
        return found


class CalendarPool:
    """Change Calendars shared by all job-nets of one conversion, one per distinct content,
    and the trigger chosen for each distinct run pattern."""

    def __init__(self, horizon: Horizon) -> None:
        self.calendars: dict[str, ChangeCalendar] = {}
        self.aws = AwsRuns(horizon)
        self._chosen: dict[tuple[object, ...], _Candidate | None] = {}
        self._closed: dict[str, ChangeCalendar] = {}

    def cheapest(
        self,
        zone: ZoneInfo,
        times: list[tuple[int, int]],
        instants: list[dt.datetime],
        cal: BusinessCalendar,
        horizon: Horizon,
        gated: bool = False,
    ) -> _Candidate | None:
        key = (zone.key, tuple(times), tuple(instants), cal.name, gated)
        if key not in self._chosen:
            self._chosen[key] = _cheapest(zone, times, instants, cal, horizon, self, gated)
        chosen = self._chosen[key]
        return chosen

    def closed_days(self, cal: BusinessCalendar, horizon: Horizon) -> ChangeCalendar:
        if cal.name in self._closed:
            return self._closed[cal.name]
        self._closed[cal.name] = self._closed_days(cal, horizon)
        return self._closed[cal.name]

    def _closed_days(self, cal: BusinessCalendar, horizon: Horizon) -> ChangeCalendar:
        closed = cal.closed_days(horizon.first, horizon.last)
        events = day_events(closed, horizon.tz, "closed")
        name = _calendar_name("closed-days", horizon.tz.key, events)
        return self._existing(
            ChangeCalendar(
                name=name,
                type="DEFAULT_OPEN",
                timezone=horizon.tz.key,
                description=f"closed days of {cal.name} from {horizon.first} to {horizon.last}",
                events=events,
            )
        )

    def run_days(self, days: Sequence[dt.date], tz: ZoneInfo, horizon: Horizon) -> ChangeCalendar:
        events = day_events(days, tz, "run")
        name = _calendar_name("run-days", tz.key, events)
        return self._existing(
            ChangeCalendar(
                name=name,
                type="DEFAULT_CLOSED",
                timezone=tz.key,
                description=f"{len(set(days))} run days from {horizon.first} to {horizon.last}",
                events=events,
            )
        )

    def _existing(self, cal: ChangeCalendar) -> ChangeCalendar:
        """An identical calendar already kept, or this new one (not kept until `keep`)."""
        return self.calendars.get(cal.name, cal)

    def keep(self, cal: ChangeCalendar) -> None:
        """Emit `cal`: a trigger's accepted gate."""
        self.calendars.setdefault(cal.name, cal)


def _calendar_name(kind: str, tz: str, events: Sequence[Event]) -> str:
    """A name for the content: the same windows give the same name, whichever job-net asked
    first (windows of merged consecutive days share their start, so both ends count)."""
    content = [f"{e.start.isoformat()}/{e.end.isoformat()}" for e in events]
    digest = hashlib.sha1("|".join([kind, tz, *content]).encode()).hexdigest()[:10]
    return f"jobmigrate-{kind}-{digest}"


# --------------------------------------------------------------------------- compilation


def compile_jobnet(
    net: JobNet,
    schedules: Schedules,
    pool: CalendarPool,
    mode: TriggerMode = "scheduler",
) -> Compiled:
    out = Compiled()
    horizon = schedules.horizon
    rules = [r for r in net.schedule if not isinstance(r.date, Undefined)]
    if not rules:
        out.scheduled = False
        return out
    out.legacy, per_rule = schedules.jobnet(net, out.findings)
    if not out.legacy:
        out.findings.append(
            Finding(
                severity=Severity.WARNING,
                code="JM211",
                message=f"no run between {horizon.first} and {horizon.last}; no trigger generated",
                path=net.path,
                source=net.source,
            )
        )
        return out
    rule_of = {i: n for n, instants in per_rule.items() for i in instants}
    cal = schedules.calendar(net.calendar)
    # A schedule that follows open days keeps a calendar gate even where a bare expression would
    # do over the horizon: operators then change holidays in one Change Calendar, not in crons.
    gated = any(_follows_open_days(r) for r in rules) and bool(pool.closed_days(cal, horizon).events)
    groups = _group_by_time(out.legacy, net, horizon, mode)
    for zone, times, instants in _merge_products(groups):
        trigger = pool.cheapest(zone, times, instants, cal, horizon, gated)
        if trigger is None:
            out.findings.append(
                Finding(
                    severity=Severity.ERROR,
                    code="JM212",
                    message=f"no trigger reproduces the runs at {_hhmm(times)} exactly",
                    path=net.path,
                    source=net.source,
                )
            )
            continue
        numbers = tuple(sorted({rule_of[i] for i in instants if i in rule_of}))
        out.triggers.append(CompiledTrigger(trigger.expression, trigger.timezone, trigger.calendars, numbers))
    return out


def _zone_of(net: JobNet, horizon: Horizon) -> ZoneInfo:
    tzs = {r.timezone for r in net.schedule if r.timezone}
    return ZoneInfo(tzs.pop()) if len(tzs) == 1 else horizon.tz


def _group_by_time(
    instants: list[dt.datetime], net: JobNet, horizon: Horizon, mode: TriggerMode
) -> dict[tuple[str, int, int], list[dt.datetime]]:
    zone = ZoneInfo("UTC") if mode == "rule" else _zone_of(net, horizon)
    groups: dict[tuple[str, int, int], list[dt.datetime]] = defaultdict(list)
    for i in instants:
        local = i.astimezone(zone)
        groups[(zone.key, local.hour, local.minute)].append(i)
    return groups


def _merge_products(
    groups: dict[tuple[str, int, int], list[dt.datetime]],
) -> list[tuple[ZoneInfo, list[tuple[int, int]], list[dt.datetime]]]:
    """Times of day with the same run dates, merged when they form hours x minutes."""
    by_dates: dict[tuple[str, frozenset[dt.date]], list[tuple[int, int]]] = defaultdict(list)
    for (zone, h, m), instants in groups.items():
        dates = frozenset(i.astimezone(ZoneInfo(zone)).date() for i in instants)
        by_dates[(zone, dates)].append((h, m))
    merged: list[tuple[ZoneInfo, list[tuple[int, int]], list[dt.datetime]]] = []
    for (zone, _dates), times in sorted(by_dates.items(), key=lambda kv: (kv[0][0], sorted(kv[1]))):
        for chunk in _products(times):
            instants = sorted(i for t in chunk for i in groups[(zone, *t)])
            merged.append((ZoneInfo(zone), sorted(chunk), instants))
    merged.sort(key=lambda x: (x[1], x[0].key))
    return merged


def _products(times: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Split times of day into hours x minutes products: hours sharing the same minutes form one.
    Every 30 minutes from 08:00 to 18:00 is 8-17 x {0, 30} plus 18 x {0}: two expressions."""
    minutes_of: dict[int, set[int]] = defaultdict(set)
    for h, m in times:
        minutes_of[h].add(m)
    hours_of: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for h in sorted(minutes_of):
        hours_of[tuple(sorted(minutes_of[h]))].append(h)
    return [[(h, m) for h in hours for m in minutes] for minutes, hours in sorted(hours_of.items())]


@dataclass(frozen=True, slots=True)
class _Candidate:
    expression: str
    timezone: str
    calendars: tuple[str, ...]


def _cheapest(
    zone: ZoneInfo,
    times: list[tuple[int, int]],
    instants: list[dt.datetime],
    cal: BusinessCalendar,
    horizon: Horizon,
    pool: CalendarPool,
    gated: bool = False,
) -> _Candidate | None:
    """The first candidate, tightest first, whose evaluation gives exactly `instants`; `gated`
    leaves out the candidates without a calendar."""
    local = [i.astimezone(zone) for i in instants]
    dates = sorted({i.date() for i in local})
    minutes = compress([m for _, m in times], 0, 59)
    hours = compress([h for h, _ in times], 0, 23)
    months = compress([d.month for d in dates], 1, 12, AWS_MONTHS)
    # Python counts Monday = 0; EventBridge counts Sunday = 1.
    weekdays = compress([(d.weekday() + 1) % 7 + 1 for d in dates], 1, 7, AWS_DOW)
    days = compress([d.day for d in dates], 1, 31)
    by_weekday = f"cron({minutes} {hours} ? {months} {weekdays} *)"
    by_day = f"cron({minutes} {hours} {days} {months} ? *)"
    wanted = set(instants)
    tried: list[tuple[str, Callable[[], tuple[ChangeCalendar, ...]]]] = [
        (by_weekday, lambda: ()),
        (by_day, lambda: ()),
        (by_weekday, lambda: (pool.closed_days(cal, horizon),)),
        (by_weekday, lambda: (pool.run_days(dates, zone, horizon),)),
    ]
    if gated:
        tried = tried[2:]
    for expression, gates in tried:
        calendars = gates()
        if set(pool.aws.runs(expression, zone, calendars)) == wanted:
            for cal_doc in calendars:
                pool.keep(cal_doc)
            return _Candidate(expression, zone.key, tuple(c.name for c in calendars))
    return None


def _follows_open_days(rule: ScheduleRule) -> bool:
    """Whether the rule's days depend on which days are open."""
    date = rule.date
    if isinstance(date, UnixCron | DateList):
        return False
    if getattr(date, "counting", None) in ("open", "closed"):
        return True
    if rule.days_from_start is not None and rule.days_from_start.mode != "no":
        return True
    if rule.calendar or rule.exclude_calendar or rule.confirm_calendar:
        return True
    return (rule.shift or "cancel") != "none"


def aws_runs(
    expression: str, zone: ZoneInfo, calendars: Sequence[ChangeCalendar], horizon: Horizon
) -> list[dt.datetime]:
    """Instants the AWS side starts a state machine: fire times the gates let through."""
    fires = awscron.fire_times(expression, horizon.start, horizon.end, zone)
    if not calendars:
        return list(fires)
    return [f for f in fires if state(calendars, f) == "OPEN"]


def _hhmm(times: list[tuple[int, int]]) -> str:
    return ", ".join(f"{h:02d}:{m:02d}" for h, m in times)
