"""Jobnet schedule parameters -> IR `ScheduleRule`s, one per rule number.

JP1 writes a schedule as independent parameters sharing a rule number N (`sd=2,...; st=2,...;
cy=2,...`). This module groups them by N, decodes each value (Command Reference, jobnet
definition: `sd`, `st`, `cy`, `sh`, `shd`, `cftd`, `ln`, `sy`, `ey`, `wt`, `wc`, `ed`, `jc`,
`ejn`) and fills in the documented defaults, so the planner never has to know JP1 syntax.
Every rule keeps all its parameters raw; a value that cannot be decoded is a finding with its
line and stays raw, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, cast

from jobmigrate.model import (
    WEEKDAYS,
    Cycle,
    DateExpr,
    DayCounting,
    DayOfMonth,
    DaysFromStart,
    DelayMonitor,
    LastDay,
    RawParam,
    RegistrationDate,
    ScheduleRule,
    ShiftPolicy,
    Source,
    StartTime,
    Undefined,
    Weekday,
    WeekdayInMonth,
)

from .findings import Reporter
from .syntax import Param, Scalar, Tuple, UnitDef, Value
from .values import hhmm_minutes, joined, split_rule, text_of, to_int

SCHEDULE_KEYS: Final = frozenset(
    {"sd", "st", "cy", "sh", "shd", "cftd", "ln", "sy", "ey", "wt", "wc", "ed", "jc", "ejn"}
)
_PER_RULE: Final = ("sd", "st", "cy", "sh", "shd", "cftd", "ln", "sy", "ey", "wt", "wc")
_ONE_PER_RULE: Final = ("sd", "cy", "sh", "shd", "cftd", "ln", "sy", "ey", "wt", "wc")

MAX_RULE: Final = 144
MAX_HOUR: Final = 47  # the JP1 day runs 00:00-47:59
MAX_DELAY_MINUTES: Final = 2879

_COUNTING: Final[dict[str, DayCounting]] = {"": "calendar", "+": "relative", "*": "open", "@": "closed"}
_SHIFT: Final[dict[str, ShiftPolicy]] = {"be": "before", "af": "after", "ca": "cancel", "no": "none"}
CftdMode = Literal["open_before", "open_after", "days_before", "days_after"]
CycleUnit = Literal["day", "week", "month", "year"]
_CFTD: Final[dict[str, CftdMode]] = {
    "be": "open_before",
    "af": "open_after",
    "db": "days_before",
    "da": "days_after",
}
_CYCLE_UNITS: Final[dict[str, tuple[CycleUnit, int]]] = {
    "y": ("year", 9),
    "m": ("month", 12),
    "w": ("week", 5),
    "d": ("day", 31),
}
_DELAY_REF: Final = {"M": "root", "U": "upper", "C": "self"}

# JP1 omits a default `sh`: Command Reference "jobnet definition" gives no value for an omitted
# `sh`, and the Schedule Rule dialog (Operator's Guide 12.3.17) starts a new rule with closed-day
# substitution off and "do not execute" selected. We therefore read an omitted `sh` as `ca` and
# say so (JP1900) wherever the rule can land on a closed day.
DEFAULT_SHIFT: Final[ShiftPolicy] = "cancel"
# `shd` defaults to 2 days (Command Reference 5.2.4, `shd`); `cftd` n defaults to 1 and the
# maximum shift N to 10 (same section).
DEFAULT_SHIFT_DAYS: Final = 2
DEFAULT_CFTD_DAYS: Final = 1
DEFAULT_CFTD_MAX: Final = 10

_YMD: Final = re.compile(r"(?:(?:(\d{4})/)?(\d{1,2})/)?(.+)")
_DAY: Final = re.compile(r"([+*@]?)(\d{1,2})")
_LAST: Final = re.compile(r"([+*@]?)b(?:-(\d{1,2}))?")
_WEEKDAY: Final = re.compile(r"(\+?)(su|mo|tu|we|th|fr|sa)(?::([1-5]|b))?")
_DELAY: Final = re.compile(r"([MUC])(\d{1,4})")
_FULL_DATE: Final = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")


@dataclass(slots=True)
class StartWindow:
    """`wc`/`wt` of the rule that bounds a start condition (count None = unlimited)."""

    max_count: int | None
    until: str | None
    effective: bool
    line: int


@dataclass(slots=True)
class JobnetSchedule:
    rules: list[ScheduleRule] = field(default_factory=list)
    inherits: bool = False
    calendar: str | None = None  # `jc`
    window: StartWindow | None = None


@dataclass(slots=True)
class _Context:
    """Where the parameters come from, for findings."""

    path: str
    file: str
    rep: Reporter

    def error(self, p: Param, message: str) -> None:
        self.rep.add("JP1401", f"`{p.key}={p.raw}`: {message}", self.path, self.file, p.line, p.column)


@dataclass(slots=True)
class _Entry:
    """One schedule parameter and its values after the rule number."""

    param: Param
    rest: list[Value]

    @property
    def single(self) -> str | None:
        """The one scalar value, or None when the shape is wrong."""
        if len(self.rest) == 1 and isinstance(self.rest[0], Scalar):
            return self.rest[0].text
        return None


@dataclass(slots=True)
class _RuleParams:
    """The parameters that share one rule number, by key."""

    number: int
    params: dict[str, list[_Entry]] = field(default_factory=dict)

    def get(self, key: str) -> _Entry | None:
        got = self.params.get(key)
        return got[-1] if got else None

    def line(self) -> int:
        sd = self.get("sd")
        return sd.param.line if sd is not None else 0


def read_schedule(unit: UnitDef, path: str, is_root: bool, rep: Reporter) -> JobnetSchedule:
    """All schedule information of one jobnet unit."""
    ctx = _Context(path, unit.file, rep)
    by_rule, singles = _group(unit.params, ctx)
    result = JobnetSchedule()
    end_date = _end_date(singles.get("ed"), ctx)
    result.calendar = _text(singles.get("jc"))
    exclusive = _text(singles.get("ejn"))

    if 0 in by_rule:
        return _undefined_schedule(unit, by_rule, is_root, result, ctx)
    if not any("sd" in r.params for r in by_rule.values()):
        if not is_root:
            _report_orphans(by_rule, ctx, why="a nested jobnet without `sd` follows its upper jobnet")
            result.inherits = True
            return result
        # Command Reference 5.2.4 (`sd`): omitted on a root jobnet means `sd=1,en`.
        rep.add("JP1907", "no `sd`: runs from the registration day as `sd=1,en`", path, unit.file, unit.line)
        by_rule.setdefault(1, _RuleParams(1)).params["sd"] = []

    for number in sorted(by_rule):
        parts = by_rule[number]
        if "sd" not in parts.params:
            _report_orphans({number: parts}, ctx, why=f"rule {number} has no `sd`")
            continue
        rule = _build_rule(unit, parts, is_root, ctx)
        if rule is None:
            continue
        rule.end_date = end_date
        rule.calendar = result.calendar
        rule.exclusive_jobnet = exclusive
        result.rules.append(rule)
    if not is_root and result.rules:
        rep.add(
            "JP1906",
            "nested jobnet with its own rules runs only in generations of the linked upper rule; "
            "in the others it is skipped and its successors run as if it had ended normally",
            path,
            unit.file,
            unit.line,
        )
    result.window = _start_window(by_rule, ctx)
    return result


# --------------------------------------------------------------------------- grouping


def _group(params: Sequence[Param], ctx: _Context) -> tuple[dict[int, _RuleParams], dict[str, Param]]:
    """Schedule parameters by rule number, and the rule-less ones (`ed`, `jc`, `ejn`) by key."""
    by_rule: dict[int, _RuleParams] = {}
    singles: dict[str, Param] = {}
    for p in params:
        if p.key not in SCHEDULE_KEYS:
            continue
        if p.key in ("ed", "jc", "ejn"):
            if p.key in singles:
                ctx.rep.add("JP1005", f"`{p.key}` repeated; using the last", ctx.path, ctx.file, p.line)
            singles[p.key] = p
            continue
        number, rest = split_rule(p, 1)
        rule_no = 1 if number is None else number
        if not (0 <= rule_no <= MAX_RULE):
            ctx.error(p, f"rule number must be 1..{MAX_RULE}")
            continue
        parts = by_rule.setdefault(rule_no, _RuleParams(rule_no))
        entry = _Entry(p, rest)
        if p.key in _ONE_PER_RULE and p.key in parts.params:
            ctx.rep.add(
                "JP1005", f"`{p.key}` repeated for rule {rule_no}; using the last", ctx.path, ctx.file, p.line
            )
            parts.params[p.key].append(entry)
        else:
            parts.params.setdefault(p.key, []).append(entry)
    return by_rule, singles


def _report_orphans(by_rule: dict[int, _RuleParams], ctx: _Context, why: str) -> None:
    for parts in by_rule.values():
        for entries in parts.params.values():
            for e in entries:
                p = e.param
                ctx.rep.add("JP1402", f"`{p.key}={p.raw}` ignored: {why}", ctx.path, ctx.file, p.line)


def _undefined_schedule(
    unit: UnitDef, by_rule: dict[int, _RuleParams], is_root: bool, result: JobnetSchedule, ctx: _Context
) -> JobnetSchedule:
    """`sd=0,ud`: no own schedule. Nested: run with the parent. Root: never by schedule."""
    zero = by_rule.pop(0)
    sd = zero.get("sd")
    if sd is None or sd.single != "ud":
        for entries in zero.params.values():
            for e in entries:
                ctx.error(e.param, "rule 0 is only valid as `sd=0,ud`")
    if by_rule:
        _report_orphans(by_rule, ctx, why="`sd=0,ud` leaves the jobnet without schedule rules")
    if not is_root:
        result.inherits = True
        return result
    line = sd.param.line if sd is not None else unit.line
    ctx.rep.add("JP1405", "root jobnet with `sd=0,ud` never starts by schedule", ctx.path, ctx.file, line)
    result.rules.append(
        ScheduleRule(
            number=0,
            date=Undefined(),
            source=Source(file=ctx.file, line=line, column=0),
            raw=_raw(zero),
        )
    )
    return result


# --------------------------------------------------------------------------- one rule


def _build_rule(unit: UnitDef, parts: _RuleParams, is_root: bool, ctx: _Context) -> ScheduleRule | None:
    sd = parts.get("sd")
    if sd is None:  # the implied `sd=1,en` of a root jobnet
        date: DateExpr | None = RegistrationDate()
        line, column = unit.line, unit.column
    else:
        date = _date(sd, ctx)
        line, column = sd.param.line, sd.param.column
        if isinstance(date, Undefined):
            ctx.error(sd.param, "`ud` is only valid as rule 0 (`sd=0,ud`)")
            return None
    if date is None:
        return None
    cycle = _cycle(parts, date, ctx)
    shift = _shift(parts, date, ctx)
    rule = ScheduleRule(
        number=parts.number,
        date=date,
        start_date=_anchor(date),
        end_date=None,
        cycle=cycle,
        times=_times(parts, ctx),
        repeat=None,
        shift=shift,
        shift_limit_days=_shift_days(parts, shift, ctx),
        days_from_start=_days_from_start(parts, ctx),
        parent_rule=_parent_rule(parts, is_root, ctx),
        calendar=None,
        exclude_calendar=None,
        exclusive_jobnet=None,
        start_delay=_delay(parts, "sy", ctx),
        end_delay=_delay(parts, "ey", ctx),
        timezone=None,
        source=Source(file=ctx.file, line=line, column=column),
        raw=_raw(parts),
    )
    return rule


def _raw(parts: _RuleParams) -> list[RawParam]:
    params = sorted((e.param for es in parts.params.values() for e in es), key=lambda p: (p.line, p.column))
    return [RawParam(key=p.key, value=p.raw, line=p.line) for p in params]


# --------------------------------------------------------------------------- sd


def parse_date(text: str) -> DateExpr | str:
    """Decode one `sd` date (without rule number); a string is the reason it is invalid."""
    if text == "en":
        return RegistrationDate()
    if text == "ud":
        return Undefined()
    m = _YMD.fullmatch(text)
    if m is None:
        return "not a schedule date"
    year = int(m.group(1)) if m.group(1) else None
    month = int(m.group(2)) if m.group(2) else None
    if month is not None and not 1 <= month <= 12:
        return "month must be 1..12"
    if year is not None and not 1994 <= year <= 2099:
        return "year must be 1994..2036 (2099 with SCHEDULELIMIT)"
    day = m.group(3)
    return _day_part(day, year, month)


def _day_part(day: str, year: int | None, month: int | None) -> DateExpr | str:
    if m := _DAY.fullmatch(day):
        counting = _COUNTING[m.group(1)]
        n = int(m.group(2))
        high = 31 if counting == "calendar" else 35
        if not 1 <= n <= high:
            return f"day must be 1..{high}"
        if counting == "calendar" and year is not None and month is not None:
            try:
                dt.date(year, month, n)
            except ValueError:
                return f"{year}/{month:02d}/{n:02d} does not exist"
        return DayOfMonth(year=year, month=month, day=n, counting=counting)
    if m := _LAST.fullmatch(day):
        counting = _COUNTING[m.group(1)]
        minus = int(m.group(2)) if m.group(2) else 0
        if minus > 34:
            return "days before the last day must be 0..34"
        return LastDay(year=year, month=month, counting=counting, minus=minus)
    if m := _WEEKDAY.fullmatch(day):
        ordinal = -1 if m.group(3) == "b" else int(m.group(3) or 1)
        weekday = cast(Weekday, m.group(2))
        return WeekdayInMonth(
            year=year, month=month, weekday=weekday, ordinal=ordinal, relative_weeks=m.group(1) == "+"
        )
    return "not a schedule date"


def _date(sd: _Entry, ctx: _Context) -> DateExpr | None:
    text = sd.single
    if text is None:
        ctx.error(sd.param, "expected `sd=[N,]date`")
        return None
    got = parse_date(text)
    if isinstance(got, str):
        ctx.error(sd.param, got)
        return None
    if isinstance(got, WeekdayInMonth) and got.relative_weeks:
        # Command Reference 5.2.4 (`sd`, relative weekday) and Definition Assistant 4.5.1(3):
        # `+mo:1` is the first Monday of the period that starts on the group's base day `sdd`.
        ctx.rep.add(
            "JP1905",
            f"`{text}`: n-th weekday counted from the base day `sdd`, not from the 1st",
            ctx.path,
            ctx.file,
            sd.param.line,
        )
    return got


def _anchor(date: DateExpr) -> dt.date | None:
    """The first date a rule can fire when the date is a plain calendar date."""
    if not isinstance(date, DayOfMonth) or date.counting != "calendar":
        return None
    if date.year is None or date.month is None:
        return None
    return dt.date(date.year, date.month, date.day)


# --------------------------------------------------------------------------- st, cy


def parse_start(text: str) -> StartTime | None:
    relative = text.startswith("+")
    minutes = hhmm_minutes(text[1:] if relative else text, MAX_HOUR)
    if minutes is None:
        return None
    return StartTime(minutes=minutes, relative=relative, raw=text)


def _times(parts: _RuleParams, ctx: _Context) -> list[StartTime]:
    entries = parts.params.get("st", [])
    times: list[StartTime] = []
    for e in entries:
        start = parse_start(e.single) if e.single is not None else None
        if start is None:
            ctx.error(e.param, "expected `st=[N,][+]hh:mm` with hh 00..47 and mm 00..59")
            continue
        times.append(start)
    if len(times) > 1:
        line = entries[1].param.line
        ctx.rep.add("JP1404", f"rule {parts.number} has {len(times)} start times", ctx.path, ctx.file, line)
    if not times and not entries:
        # Command Reference 5.2.4 (`st`): omitted means `+00:00`, the group's base time.
        times.append(StartTime(minutes=0, relative=True, raw=""))
    return times


def parse_cycle(items: list[tuple[str | None, str]]) -> Cycle | str:
    if len(items) != 2 or items[0][0] is not None or items[1][0] is not None:
        return "expected `(n,{y|m|w|d})`"
    unit = _CYCLE_UNITS.get(items[1][1])
    if unit is None:
        return "cycle unit must be y, m, w or d"
    name, high = unit
    n = to_int(items[0][1], 1, high)
    if n is None:
        return f"cycle count for `{items[1][1]}` must be 1..{high}"
    return Cycle(every=n, unit=name)


def _cycle(parts: _RuleParams, date: DateExpr, ctx: _Context) -> Cycle | None:
    e = parts.get("cy")
    if e is None:
        return None
    if len(e.rest) != 1 or not isinstance(e.rest[0], Tuple):
        ctx.error(e.param, "the cycle must be in parentheses: `cy=[N,](n,{y|m|w|d})`")
        return None
    got = parse_cycle(e.rest[0].items)
    if isinstance(got, str):
        ctx.error(e.param, got)
        return None
    if got.unit == "week" and _counting(date) in ("open", "closed"):
        ctx.error(e.param, "a weekly cycle cannot count open (`*`) or closed (`@`) days")
    return got


# --------------------------------------------------------------------------- sh, shd, cftd, ln


def _shift(parts: _RuleParams, date: DateExpr, ctx: _Context) -> ShiftPolicy:
    e = parts.get("sh")
    if e is not None:
        policy = _SHIFT.get(e.single or "")
        if policy is not None:
            if policy in ("before", "after"):
                ctx.rep.add(
                    "JP1901",
                    f"rule {parts.number}: if no open day lies within `shd` days the run is dropped",
                    ctx.path,
                    ctx.file,
                    e.param.line,
                )
            return policy
        ctx.error(e.param, "expected `sh=[N,]{be|af|ca|no}`")
    if _counting(date) != "open" and parts.get("sd") is not None:
        line = parts.line()
        ctx.rep.add(
            "JP1900",
            f"rule {parts.number}: no `sh`; a date on a closed day is not executed (read as `sh=ca`)",
            ctx.path,
            ctx.file,
            line,
        )
    return DEFAULT_SHIFT


def _shift_days(parts: _RuleParams, shift: ShiftPolicy, ctx: _Context) -> int | None:
    e = parts.get("shd")
    if e is not None:
        n = to_int(e.single, 1, 31) if e.single is not None else None
        if n is not None:
            return n
        ctx.error(e.param, "expected `shd=[N,]n` with n 1..31")
    return DEFAULT_SHIFT_DAYS if shift in ("before", "after") else None


def parse_days_from_start(texts: list[str]) -> DaysFromStart | str | None:
    """`cftd` values after the rule number: None for `no`, a reason string when invalid."""
    if not 1 <= len(texts) <= 3:
        return "expected `cftd=[N,]{no|be|af|db|da}[,n[,N]]`"
    if texts[0] == "no":
        return None if len(texts) == 1 else "`cftd=no` takes no day counts"
    mode = _CFTD.get(texts[0])
    if mode is None:
        return "mode must be no, be, af, db or da"
    # Bounds are kept loose (1..99): the limits differ between versions and an over-strict reader
    # would reject real exports; the evaluator checks the actual shift against the calendar.
    days = to_int(texts[1], 1, 99) if len(texts) > 1 else DEFAULT_CFTD_DAYS
    limit = to_int(texts[2], 1, 99) if len(texts) > 2 else DEFAULT_CFTD_MAX
    if days is None or limit is None:
        return "day counts must be integers 1..99"
    return DaysFromStart(mode=mode, days=days, max_shift=limit)


def _days_from_start(parts: _RuleParams, ctx: _Context) -> DaysFromStart | None:
    e = parts.get("cftd")
    if e is None:
        return None
    p = e.param
    got = parse_days_from_start([text_of(v) for v in e.rest])
    if isinstance(got, str):
        ctx.error(p, got)
        return None
    if got is not None and got.mode in ("days_before", "days_after"):
        # System Design (Work Tasks) Guide 3.5.5 describes schedule-by-days-from-start in open
        # days (be/af); ajscalutil -s offers db/da beside be/af for the same shift. We read db/da
        # as counting calendar days, closed days included, then moving to the nearest open day in
        # the same direction within the maximum shift N.
        ctx.rep.add(
            "JP1902",
            f"rule {parts.number}: `cftd={joined(p)}` counts calendar days, then moves to an open day",
            ctx.path,
            ctx.file,
            p.line,
        )
    return got


def _parent_rule(parts: _RuleParams, is_root: bool, ctx: _Context) -> int | None:
    e = parts.get("ln")
    if is_root:
        if e is not None:
            p = e.param
            ctx.rep.add("JP1403", f"`ln={p.raw}` ignored on a root jobnet", ctx.path, ctx.file, p.line)
        return None
    if e is None:
        # The Schedule Rule dialog links a nested rule to the upper rule of the same number
        # unless told otherwise (Operator's Guide 12.3.17, "Rule number to link").
        return parts.number
    n = to_int(e.single, 1, MAX_RULE) if e.single is not None else None
    if n is None:
        ctx.error(e.param, f"expected `ln=[N,]n` with n 1..{MAX_RULE}")
        return parts.number
    return n


# --------------------------------------------------------------------------- sy, ey, wt, wc


def parse_delay(text: str) -> DelayMonitor | None:
    if (m := _DELAY.fullmatch(text)) is not None:
        minutes = int(m.group(2))
        if not 1 <= minutes <= MAX_DELAY_MINUTES:
            return None
        reference = cast(Literal["root", "upper", "self"], _DELAY_REF[m.group(1)])
        return DelayMonitor(at_minutes=None, after_minutes=minutes, reference=reference, raw=text)
    at = hhmm_minutes(text, MAX_HOUR)
    if at is None:
        return None
    return DelayMonitor(at_minutes=at, after_minutes=None, reference=None, raw=text)


def _delay(parts: _RuleParams, key: str, ctx: _Context) -> DelayMonitor | None:
    e = parts.get(key)
    if e is None:
        return None
    got = parse_delay(e.single) if e.single is not None else None
    if got is None:
        form = f"`{key}=[N,]hh:mm` (hh 00..47) or `{{M|U|C}}minutes` (1..{MAX_DELAY_MINUTES})"
        ctx.error(e.param, f"expected {form}")
    return got


def valid_count(text: str) -> bool:
    """`wc`: `no`, `un` (unlimited) or a count 1..999."""
    return text in ("no", "un") or to_int(text, 1, 999) is not None


def valid_until(text: str) -> bool:
    """`wt`: `no`, `un`, `hh:mm` (00..47) or minutes 1..2879."""
    if text in ("no", "un"):
        return True
    if hhmm_minutes(text, MAX_HOUR) is not None:
        return True
    return to_int(text, 1, MAX_DELAY_MINUTES) is not None


def _start_window(by_rule: dict[int, _RuleParams], ctx: _Context) -> StartWindow | None:
    """The `wc`/`wt` pair of the lowest rule that has one (the IR keeps one window per jobnet)."""
    for number in sorted(by_rule):
        parts = by_rule[number]
        wc, wt = parts.get("wc"), parts.get("wt")
        if wc is None and wt is None:
            continue
        count_text = (wc.single or "") if wc is not None else "no"
        if wc is not None and not valid_count(count_text):
            ctx.error(wc.param, "expected `wc=[N,]{no|1..999|un}`")
            count_text = "no"
        until = (wt.single or "") if wt is not None else "no"
        if wt is not None and not valid_until(until):
            ctx.error(wt.param, "expected `wt=[N,]{no|hh:mm|minutes|un}`")
            until = "no"
        count = int(count_text) if count_text.isdigit() else None
        # Command Reference 5.2.4: the window is effective only when neither is `no`.
        effective = count_text != "no" and until != "no"
        line = wc.param.line if wc is not None else wt.param.line if wt is not None else 0
        return StartWindow(count, until, effective, line)
    return None


# --------------------------------------------------------------------------- ed, jc, ejn


def _end_date(p: Param | None, ctx: _Context) -> dt.date | None:
    if p is None:
        return None
    m = _FULL_DATE.fullmatch(joined(p))
    if m is not None:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    ctx.error(p, "expected `ed=yyyy/mm/dd`")
    return None


def _text(p: Param | None) -> str | None:
    return joined(p) if p is not None else None


def _counting(date: DateExpr) -> DayCounting:
    if isinstance(date, DayOfMonth | LastDay):
        return date.counting
    return "calendar"


__all__ = ["SCHEDULE_KEYS", "WEEKDAYS", "JobnetSchedule", "StartWindow", "read_schedule"]
