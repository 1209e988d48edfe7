"""Scheduling attributes of a JOB, a SMART_FOLDER or a rule-based calendar -> IR rules and times.

Basic criteria become one IR rule per positive value (the rules are a union); what applies to
all of them rides on each rule and is evaluated by `calendars.controlm_days`:

    DAYS        ALL         every day; every DAYSCAL working day when DAYSCAL is set
                n           DayOfMonth(n), on DAYSCAL: only when it is a working day
                +n          DayOfMonth(n), whatever DAYSCAL says
                >n, <n      DayOfMonth(n) on DAYSCAL, else the next / previous working day
                Dn          n-th working day of DAYSCAL (DayOfMonth counting open)
                Ln          n-th day from the month end; working days with DAYSCAL (CTM902)
                -n -Dn -Ln  exclusions, winning over every positive value
    WEEKDAYS    n, +n, >n, <n, -n, ALL as above, with WEEKSCAL; numbering by site option
    DAYS_AND_OR A: the DAYS rules, excluding the weekdays WEEKDAYS does not name
    JAN..DEC    month mask; no flag at all means every month
    DATES       MMDD specific dates
    DAYSCAL     alone (no DAYS, no WEEKDAYS): every working day of the calendar
    CONFCAL     with SHIFT and SHIFTNUM, after all of the above
    ACTIVE_FROM, ACTIVE_TILL   validity period (YYYYMMDD)

Periodic forms (`DnPi`), `Dn`/`Ln`/`DnWm` in WEEKDAYS are reported (CTM401), not guessed.
Times: TIMEFROM/TIMETO are HHMM on the order date, so a time before the new-day time belongs to
the next calendar day, as the IR's absolute start times already mean against a base time.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from jobmigrate.model import (
    WEEKDAYS,
    CalendarDays,
    ConfirmShift,
    DateExpr,
    DayOfMonth,
    LastDay,
    RawParam,
    ScheduleRule,
    ShiftPolicy,
    Source,
    StartTime,
    Weekday,
    Weekdays,
)

from .findings import Reporter
from .options import SiteOptions
from .xmltree import Element

MONTH_FLAGS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
CRITERIA_KEYS: Final = frozenset(
    {
        "DAYS",
        "WEEKDAYS",
        "DAYS_AND_OR",
        "DAYSCAL",
        "WEEKSCAL",
        "CONFCAL",
        "SHIFT",
        "SHIFTNUM",
        "DATES",
        "ACTIVE_FROM",
        "ACTIVE_TILL",
        *MONTH_FLAGS,
    }
)
MINUTES_PER_DAY: Final = 1440

_DAY: Final = re.compile(r"(?P<sign>[+\-<>]?)(?P<kind>[DL]?)(?P<n>\d{1,2})(?P<period>P\S*)?", re.IGNORECASE)
_WEEKDAY: Final = re.compile(r"(?P<sign>[+\-<>]?)(?P<n>[0-6])")
_WEEKDAY_SPECIAL: Final = re.compile(r"[+\-]?[DL]\d+(W\d+)?(P\S*)?", re.IGNORECASE)
_RANGE: Final = re.compile(r"(\d{1,2})-(\d{1,2})")
_WEEKDAY_NAMES: Final[dict[str, Weekday]] = {
    name: wd
    for wd in WEEKDAYS
    for name in {
        "mo": ("MO", "MON", "MONDAY"),
        "tu": ("TU", "TUE", "TUESDAY"),
        "we": ("WE", "WED", "WEDNESDAY"),
        "th": ("TH", "THU", "THURSDAY"),
        "fr": ("FR", "FRI", "FRIDAY"),
        "sa": ("SA", "SAT", "SATURDAY"),
        "su": ("SU", "SUN", "SUNDAY"),
    }[wd]
}
_HHMM: Final = re.compile(r"([01]\d|2[0-3])([0-5]\d)")
_HH_COLON_MM: Final = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_MMDD: Final = re.compile(r"(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
_YYYYMMDD: Final = re.compile(r"\d{8}")
_SHIFTNUM: Final = re.compile(r"[+-]?\d{1,2}")
_INTERVAL: Final = re.compile(r"(\d{1,5})([MHD])", re.IGNORECASE)
_SHIFTS: Final[dict[str, ConfirmShift]] = {
    "": "ignore",
    "IGNOREJOB": "ignore",
    "NEXTDAY": "next",
    ">": "next",
    "PREVDAY": "previous",
    "<": "previous",
    "NOCONFCAL": "none",
    "@": "none",
}

# Control-M time zone codes -> IANA zones. The EM lists zones by code; these are the usual
# meanings (CTM903 says which one was used, for the customer to confirm).
ZONES: Final[dict[str, str]] = {
    "UTC": "UTC",
    "GMT": "Europe/London",
    "WET": "Europe/Lisbon",
    "CET": "Europe/Paris",
    "EET": "Europe/Athens",
    "MSK": "Europe/Moscow",
    "IST": "Asia/Kolkata",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "HNG": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AUE": "Australia/Sydney",
    "AEST": "Australia/Sydney",
    "AUC": "Australia/Adelaide",
    "AUW": "Australia/Perth",
    "NZT": "Pacific/Auckland",
    "EST": "America/New_York",
    "CST": "America/Chicago",
    "MST": "America/Denver",
    "PST": "America/Los_Angeles",
    "ALA": "America/Anchorage",
    "HAW": "Pacific/Honolulu",
    "HST": "Pacific/Honolulu",
    "BRT": "America/Sao_Paulo",
}
_GMT_OFFSET: Final = re.compile(r"GMT([+-])(\d{1,2})(?:[.:]?(\d{2}))?")


@dataclass(slots=True)
class Context:
    """What reading one element's attributes needs besides the element."""

    options: SiteOptions
    rep: Reporter
    calendars: frozenset[str]  # names the inputs define
    path: str  # IR path of the unit the attributes belong to


# --------------------------------------------------------------------------- day criteria


def has_criteria(el: Element) -> bool:
    return any(el.has(k) for k in ("DAYS", "WEEKDAYS", "DAYSCAL", "DATES"))


def read_criteria(el: Element, ctx: Context) -> list[ScheduleRule] | None:
    """The rules of the element's basic criteria; None when it has none (DAYS, WEEKDAYS,
    DAYSCAL and DATES all empty), [] when it has some but none can match."""
    if not has_criteria(el):
        return None
    return _CriteriaReader(el, ctx).rules()


@dataclass(slots=True)
class _Parts:
    positive: list[ScheduleRule] = field(default_factory=list)
    negative: list[ScheduleRule] = field(default_factory=list)
    plain_weekdays: list[Weekday] = field(default_factory=list)
    weekday_exact: bool = True  # False: WEEKDAYS uses WEEKSCAL or shifted values


@dataclass(frozen=True, slots=True)
class _Common:
    """What every rule of one job shares: its months, exclusions, validity, confirmation
    calendar and where it was read. Read once per job, so each problem is reported once."""

    months: list[int] | None
    exclude: list[ScheduleRule]
    start_date: dt.date | None
    end_date: dt.date | None
    source: Source
    raw: list[RawParam]
    confirm_calendar: str | None
    confirm_shift: ConfirmShift | None
    shift_working_days: int

    def applied_to(self, rule: ScheduleRule) -> ScheduleRule:
        return replace(
            rule,
            months=self.months,
            exclude=self.exclude,
            start_date=self.start_date,
            end_date=self.end_date,
            source=self.source,
            raw=self.raw,
            confirm_calendar=self.confirm_calendar,
            confirm_shift=self.confirm_shift,
            shift_working_days=self.shift_working_days,
        )


class _CriteriaReader:
    def __init__(self, el: Element, ctx: Context) -> None:
        self.el = el
        self.ctx = ctx
        self.dayscal = el.get("DAYSCAL") or None
        self.weekscal = el.get("WEEKSCAL") or None
        for name in (self.dayscal, self.weekscal, el.get("CONFCAL")):
            if name and name not in ctx.calendars:
                message = f"calendar {name} is not defined in the inputs: add its DEFCAL export"
                ctx.rep.once("CTM409", name, message, ctx.path, el.file, el.line)

    def rules(self) -> list[ScheduleRule]:
        days = self._days()
        weeks = self._weekdays()
        positive = self._combined(days, weeks)
        positive.extend(self._dates())
        common = self._common(days.negative + weeks.negative)
        return [common.applied_to(rule) for rule in positive]

    # ---- findings

    def _report(self, code: str, key: str, message: str) -> None:
        self.ctx.rep.add(code, message, self.ctx.path, self.el.file, self.el.attr_line(key))

    def _invalid(self, key: str, token: str, expected: str) -> None:
        self._report("CTM108", key, f"{key}: {token!r} is not {expected}; ignored")

    # ---- DAYS

    def _days(self) -> _Parts:
        parts = _Parts()
        text = self.el.get("DAYS")
        if not text and self.dayscal and not self.el.get("WEEKDAYS"):
            parts.positive.append(self._rule(CalendarDays(calendar=self.dayscal), self.dayscal))
            return parts
        for token in _tokens(text):
            if token.upper() == "ALL":
                parts.positive.append(self._all_days())
                continue
            for expanded in self._expand_range("DAYS", token, 31):
                self._day(expanded, parts)
        return parts

    def _all_days(self) -> ScheduleRule:
        if self.dayscal:
            return self._rule(CalendarDays(calendar=self.dayscal), self.dayscal)
        return self._rule(Weekdays(weekdays=list(WEEKDAYS)), None)

    def _expand_range(self, key: str, token: str, high: int) -> list[str]:
        match = _RANGE.fullmatch(token)
        if match is None:
            return [token]
        low, top = int(match.group(1)), int(match.group(2))
        if not low <= top <= high:
            self._invalid(key, token, "a range of values")
            return []
        self._report("CTM109", key, f"{key}: range {token!r} read as the values {low} to {top}")
        return [str(n) for n in range(low, top + 1)]

    def _day(self, token: str, parts: _Parts) -> None:
        match = _DAY.fullmatch(token)
        if match is None or not 1 <= int(match["n"]) <= 31:
            self._invalid("DAYS", token, "a day of month value (n, +n, -n, >n, <n, Dn, Ln)")
            return
        if match["period"]:
            self._report("CTM401", "DAYS", f"DAYS: periodic value {token!r} is not supported; ignored")
            return
        sign, kind, n = match["sign"], match["kind"].upper(), int(match["n"])
        if kind and sign not in ("", "-"):
            self._invalid("DAYS", token, "a day of month value (only - may precede Dn or Ln)")
            return
        if kind == "D" and not self.dayscal:
            self._invalid("DAYS", token, "usable without DAYSCAL (Dn counts its working days)")
            return
        rule = self._day_rule(sign, kind, n)
        (parts.negative if sign == "-" else parts.positive).append(rule)

    def _day_rule(self, sign: str, kind: str, n: int) -> ScheduleRule:
        cal = self.dayscal
        if kind == "D":
            return self._rule(DayOfMonth(day=n, counting="open"), cal)
        if kind == "L":
            if cal:
                message = "`Ln` with DAYSCAL counts working days of the calendar back from the month end"
                self.ctx.rep.once("CTM902", "Ln", message, self.ctx.path, self.el.file, self.el.line)
            return self._rule(LastDay(minus=n - 1, counting="open" if cal else "calendar"), cal)
        date = DayOfMonth(day=n)
        if sign in ("+", "-"):  # forced, or excluded: the calendar day, working or not
            return self._rule(date, None)
        if sign in (">", "<") and cal:
            return self._rule(date, cal, "after" if sign == ">" else "before")
        return self._rule(date, cal)

    # ---- WEEKDAYS

    def _weekdays(self) -> _Parts:
        parts = _Parts()
        cal = self.weekscal
        for token in _tokens(self.el.get("WEEKDAYS")):
            if token.upper() == "ALL":
                parts.plain_weekdays.extend(WEEKDAYS)
                continue
            for expanded in self._expand_range("WEEKDAYS", token, 6):
                self._weekday(expanded, parts)
        if parts.plain_weekdays:
            plain = sorted(set(parts.plain_weekdays), key=WEEKDAYS.index)
            parts.positive.insert(0, self._rule(Weekdays(weekdays=list(plain)), cal))
            parts.weekday_exact = parts.weekday_exact and cal is None
        if self.el.get("WEEKDAYS"):
            first = self.ctx.options.week_start.capitalize()
            message = f"WEEKDAYS read with 0 = {first} (option JOBMIGRATE_CONTROLM_WEEK_START)"
            self.ctx.rep.once("CTM901", "weekdays", message, self.ctx.path, self.el.file, self.el.line)
        return parts

    def _weekday(self, token: str, parts: _Parts) -> None:
        name = _WEEKDAY_NAMES.get(token.lstrip("+-<>").upper())
        if name is not None:
            self._report("CTM109", "WEEKDAYS", f"WEEKDAYS: {token!r} read as {name}")
            token = token[: len(token) - len(token.lstrip("+-<>"))] + str(self._number_of(name))
        match = _WEEKDAY.fullmatch(token)
        if match is None:
            if _WEEKDAY_SPECIAL.fullmatch(token):
                self._report("CTM401", "WEEKDAYS", f"WEEKDAYS: {token!r} is not supported; ignored")
            else:
                self._invalid("WEEKDAYS", token, "a weekday value 0..6 (n, +n, -n, >n, <n)")
            return
        sign, weekday = match["sign"], self.ctx.options.weekday(int(match["n"]))
        if sign == "":
            parts.plain_weekdays.append(weekday)
            return
        date = Weekdays(weekdays=[weekday])
        if sign == "-":
            parts.negative.append(self._rule(date, None))
        elif sign == "+":
            parts.positive.append(self._rule(date, None))
        elif self.weekscal:
            parts.positive.append(self._rule(date, self.weekscal, "after" if sign == ">" else "before"))
            parts.weekday_exact = False
        else:
            parts.positive.append(self._rule(date, None))

    def _number_of(self, weekday: Weekday) -> int:
        return next(n for n in range(7) if self.ctx.options.weekday(n) == weekday)

    # ---- DAYS_AND_OR, DATES, what all rules share

    def _combined(self, days: _Parts, weeks: _Parts) -> list[ScheduleRule]:
        and_or = self.el.get("DAYS_AND_OR").upper() or "O"
        if and_or not in ("A", "AND", "O", "OR"):
            self._invalid("DAYS_AND_OR", and_or, "A or O")
            and_or = "O"
        if and_or in ("O", "OR") or not days.positive or not weeks.positive:
            return days.positive + weeks.positive
        if not weeks.weekday_exact or len(weeks.positive) > 1:
            message = (
                "DAYS_AND_OR=A with WEEKSCAL or shifted/forced weekdays is not supported; plain weekdays used"
            )
            self._report("CTM401", "DAYS_AND_OR", message)
        named = {w for rule in weeks.positive if isinstance(rule.date, Weekdays) for w in rule.date.weekdays}
        others = [w for w in WEEKDAYS if w not in named]
        if others:
            days.negative.append(self._rule(Weekdays(weekdays=others), None))
        return days.positive

    def _dates(self) -> list[ScheduleRule]:
        out: list[ScheduleRule] = []
        for token in _tokens(self.el.get("DATES")):
            match = _MMDD.fullmatch(token)
            if match is None:
                self._invalid("DATES", token, "a date MMDD")
                continue
            out.append(self._rule(DayOfMonth(day=int(match.group(2)), month=int(match.group(1))), None))
        return out

    def _rule(self, date: DateExpr, calendar: str | None, shift: ShiftPolicy | None = None) -> ScheduleRule:
        return ScheduleRule(date=date, calendar=calendar, shift=shift)

    def _common(self, negative: list[ScheduleRule]) -> _Common:
        confcal = self.el.get("CONFCAL")
        return _Common(
            months=self._months(),
            exclude=negative,
            start_date=self._date("ACTIVE_FROM"),
            end_date=self._date("ACTIVE_TILL"),
            source=Source(file=self.el.file, line=self.el.line, column=self.el.column),
            raw=self.raw(),
            confirm_calendar=confcal or None,
            confirm_shift=self._shift() if confcal else None,
            shift_working_days=self._shiftnum() if confcal else 0,
        )

    def raw(self) -> list[RawParam]:
        return self.el.raw(lambda key, value: key in CRITERIA_KEYS and bool(value.strip()))

    def _months(self) -> list[int]:
        flags = [self.el.attrs.get(m) for m in MONTH_FLAGS]
        if all(f is None for f in flags):
            return list(range(1, 13))
        months = [i for i, f in enumerate(flags, start=1) if f is not None and f.strip() == "1"]
        if not months:
            self.ctx.rep.add(
                "CTM411",
                "every month flag JAN..DEC is 0: never ordered",
                self.ctx.path,
                self.el.file,
                self.el.line,
            )
        return months

    def _date(self, key: str) -> dt.date | None:
        text = self.el.get(key)
        if not text:
            return None
        try:
            if not _YYYYMMDD.fullmatch(text):
                raise ValueError(text)
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            self._invalid(key, text, "a date YYYYMMDD")
            return None

    def _shift(self) -> ConfirmShift:
        text = self.el.get("SHIFT")
        found = _SHIFTS.get(text.upper().replace(" ", "").replace("_", ""))
        if found is None:
            self._invalid("SHIFT", text, "Ignore Job, Next Day, Prev Day or No Confcal")
            return "ignore"
        return found

    def _shiftnum(self) -> int:
        text = self.el.get("SHIFTNUM")
        if not text:
            return 0
        if not _SHIFTNUM.fullmatch(text) or abs(int(text)) > 62:
            self._invalid("SHIFTNUM", text, "a shift of -62..+62 working days")
            return 0
        if int(text):
            message = "SHIFTNUM moves every date CONFCAL confirmed or shifted, by working days of CONFCAL"
            line = self.el.attr_line("SHIFTNUM")
            self.ctx.rep.once("CTM907", "shiftnum", message, self.ctx.path, self.el.file, line)
        return int(text)


def _tokens(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


# --------------------------------------------------------------------------- times


@dataclass(frozen=True, slots=True)
class Cyclic:
    interval_minutes: int | None  # CYCLIC_TYPE C
    times: tuple[int, ...]  # CYCLIC_TYPE S: minutes of day
    from_end: bool  # IND_CYCLIC E: counted from the end of the previous run
    supported: bool
    why: str = ""


@dataclass(frozen=True, slots=True)
class Timing:
    time_from: int | None  # minutes of day; None: as soon as ordered
    time_from_raw: str
    time_to: int | None  # None: until the end of the order day
    zone: str | None  # IANA
    zone_raw: str
    cyclic: Cyclic | None


def read_timing(el: Element, ctx: Context) -> Timing:
    zone_raw = el.get("TIMEZONE")
    return Timing(
        time_from=_time(el, "TIMEFROM", ctx),
        time_from_raw=el.get("TIMEFROM"),
        time_to=None if el.get("TIMETO") == ">" else _time(el, "TIMETO", ctx),
        zone=_zone(el, ctx) if zone_raw else None,
        zone_raw=zone_raw,
        cyclic=_cyclic(el, ctx) if el.get("CYCLIC") == "1" else None,
    )


def _time(el: Element, key: str, ctx: Context) -> int | None:
    text = el.get(key)
    if not text:
        return None
    match = _HHMM.fullmatch(text)
    if match is None:
        match = _HH_COLON_MM.fullmatch(text)
        if match is None:
            message = f"{key}: {text!r} is not a time HHMM; ignored"
            ctx.rep.add("CTM108", message, ctx.path, el.file, el.attr_line(key))
            return None
        ctx.rep.add("CTM109", f"{key}: {text!r} read as HHMM", ctx.path, el.file, el.attr_line(key))
    return int(match.group(1)) * 60 + int(match.group(2))


def _zone(el: Element, ctx: Context) -> str | None:
    code = el.get("TIMEZONE")
    zone = ZONES.get(code.upper()) or _offset_zone(code) or (code if _is_iana(code) else None)
    line = el.attr_line("TIMEZONE")
    if zone is None:
        ctx.rep.add("CTM406", f"TIMEZONE={code!r} is not a known zone code", ctx.path, el.file, line)
        return None
    if zone != code:
        ctx.rep.once("CTM903", code, f"TIMEZONE={code} read as {zone}", ctx.path, el.file, line)
    return zone


def _offset_zone(code: str) -> str | None:
    match = _GMT_OFFSET.fullmatch(code.upper())
    if match is None or (match.group(3) or "00") != "00" or int(match.group(2)) > 14:
        return None
    hours = int(match.group(2))
    # POSIX-style Etc zones count the other way round: Etc/GMT-9 is nine hours ahead of UTC.
    return "UTC" if hours == 0 else f"Etc/GMT{'-' if match.group(1) == '+' else '+'}{hours}"


def _is_iana(code: str) -> bool:
    if "/" not in code:
        return False
    try:
        zoneinfo.ZoneInfo(code)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: `America/Indiana` is a folder
        return False
    return True


def _cyclic(el: Element, ctx: Context) -> Cyclic:
    kind = el.get("CYCLIC_TYPE").upper() or "C"
    from_end = el.get("IND_CYCLIC").upper() == "E"
    if kind == "S":
        times = []
        for token in _tokens(el.get("CYCLIC_TIMES_SEQUENCE")):
            match = _HHMM.fullmatch(token)
            if match is None:
                return Cyclic(None, (), from_end, False, f"CYCLIC_TIMES_SEQUENCE value {token!r} is not HHMM")
            times.append(int(match.group(1)) * 60 + int(match.group(2)))
        if not times:
            return Cyclic(None, (), from_end, False, "CYCLIC_TYPE=S without CYCLIC_TIMES_SEQUENCE")
        return Cyclic(None, tuple(sorted(set(times))), False, True)
    if kind != "C":
        return Cyclic(None, (), from_end, False, f"CYCLIC_TYPE={kind} (interval sequence) is not supported")
    interval = _interval(el.get("INTERVAL"))
    if interval is None:
        return Cyclic(
            None, (), from_end, False, f"INTERVAL={el.get('INTERVAL')!r} is not an interval nnnnnM|H|D"
        )
    if interval >= MINUTES_PER_DAY:
        return Cyclic(
            interval, (), from_end, False, f"INTERVAL={el.get('INTERVAL')} repeats across order days"
        )
    return Cyclic(interval, (), from_end, True)


def _interval(text: str) -> int | None:
    match = _INTERVAL.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        return None
    factor = {"M": 1, "H": 60, "D": MINUTES_PER_DAY}[match.group(2).upper()]
    return int(match.group(1)) * factor


def interval_minutes(text: str) -> int | None:
    """INTERVAL (`00005M`) in minutes; None when empty or malformed."""
    return _interval(text.strip())


def start_times(timing: Timing) -> list[StartTime]:
    """The starts of one order day: TIMEFROM, or the new-day time when there is none."""
    if timing.time_from is None:
        return [StartTime(minutes=0, relative=True, raw="")]
    return [StartTime(minutes=timing.time_from, raw=timing.time_from_raw)]


def cyclic_starts(timing: Timing, newday: int) -> list[StartTime]:
    """Every start of a cyclic job in one order day, from TIMEFROM (or the new-day time) until
    TIMETO (or the end of the order day), both counted from the new-day time."""
    cyclic = timing.cyclic
    assert cyclic is not None and cyclic.supported
    begin = _since_newday(timing.time_from, newday) if timing.time_from is not None else 0
    end = _since_newday(timing.time_to, newday) if timing.time_to is not None else MINUTES_PER_DAY - 1
    if cyclic.interval_minutes is not None:
        offsets: Sequence[int] = range(begin, end + 1, cyclic.interval_minutes)
    else:
        offsets = sorted(o for o in (_since_newday(t, newday) for t in cyclic.times) if begin <= o <= end)
    return [_absolute(o, newday) for o in offsets]


def _since_newday(minutes: int, newday: int) -> int:
    return (minutes - newday) % MINUTES_PER_DAY


def _absolute(offset: int, newday: int) -> StartTime:
    minutes = (offset + newday) % MINUTES_PER_DAY
    return StartTime(minutes=minutes, raw=f"{minutes // 60:02d}{minutes % 60:02d}")


Relationship = Literal["and", "or"]


def relationship(el: Element, ctx: Context) -> Relationship:
    """RULE_BASED_CALENDAR_RELATIONSHIP: own criteria OR (default) / AND the referenced RBCs."""
    text = el.get("RULE_BASED_CALENDAR_RELATIONSHIP").upper() or "O"
    if text in ("A", "AND"):
        return "and"
    if text not in ("O", "OR"):
        message = f"RULE_BASED_CALENDAR_RELATIONSHIP: {text!r} is not A or O; read as O"
        ctx.rep.add("CTM108", message, ctx.path, el.file, el.attr_line("RULE_BASED_CALENDAR_RELATIONSHIP"))
    return "or"
