"""autocal_asc exports -> IR calendars, all in date-list form.

Export records (`autocal_asc -s|-e|-c ALL -E file`):

    calendar: HOLIDAYS                  standard calendar: a list of dates
    date: 01/01/2027 00:00              (`date:` rows or bare `MM/DD/YYYY [HH:MM[:SS]]` rows)

    extended_calendar: LAST_BD          extended calendar: rules (`ext_calendar:` is accepted too)
    workday: mo,tu,we,th,fr             (`all`, or seven X/. flags Monday first; default Mon-Fri)
    non_workday: W                      action O/S/N/W/P (see `extended`)
    holiday: P                          action for the dates of `holcal`
    holcal: HOLIDAYS                    a standard calendar
    cyccal: FISCAL                      a cycle, for the C... keywords
    adjust: -1                          -9..+9 calendar days
    condition: WORKD#L                  repeatable; rules separated by commas

    cycle: FISCAL                       periods for cycle keywords
    start_date: 04/01/2027   end_date: 06/30/2027

A date-list calendar is an IR `Calendar` closed on all seven weekdays and open on the listed dates,
which is how the calendar engine reads `run_calendar` (its open days) and `exclude_calendar` (the
days it lists). Extended calendars are expanded here, over the years of their `holcal` (holidays
of other years are unknown) or, without one, over DEFAULT_YEARS, so model and engine stay as they
are; finding AS1501 names the range on every one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Final

from jobmigrate.errors import InputError
from jobmigrate.model import WEEKDAYS, Calendar, RawParam

from . import extended
from .extended import Actions, Context, KeywordError, Rule
from .findings import Reporter
from .syntax import Attr, Record, Row

DEFAULT_YEARS: Final = (2024, 2035)
MAX_YEARS: Final = 20
_YEAR_BOUNDS: Final = (1970, 2199)  # keeps every shifted date representable
_DATE: Final = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_EXTENDED_KEYS: Final = frozenset(
    {"description", "workday", "non_workday", "holiday", "holcal", "cyccal", "adjust", "condition"}
)
_DAY_CODES: Final = {code: i for i, code in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su"))}


@dataclass(slots=True)
class _Standard:
    record: Record
    dates: set[dt.date] = field(default_factory=set)
    timed_rows: int = 0
    errors: list[InputError] = field(default_factory=list)


@dataclass(slots=True)
class Calendars:
    calendars: list[Calendar] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)

    def names(self) -> set[str]:
        return {c.name for c in self.calendars}


def convert(records: list[Record], rep: Reporter) -> Calendars:
    """Every calendar of the exports as an IR date-list calendar; cycles only feed keywords."""
    out = Calendars()
    latest = _latest(records, rep, out.errors)
    standard = {r.name: _standard(r) for r in latest if r.kind == "calendar"}
    cycles: dict[str, tuple[tuple[dt.date, dt.date], ...]] = {}
    for record in latest:
        try:
            if record.kind == "cycle":
                cycles[record.name] = _cycle(record)
                rep.add(
                    "AS1505",
                    f"cycle {record.name} feeds cycle keywords only",
                    record.name,
                    record.head.source,
                )
        except InputError as err:
            out.errors.append(err)
    for record in latest:
        if record.kind == "calendar":
            out.errors.extend(standard[record.name].errors)
            out.calendars.append(_standard_ir(standard[record.name], rep))
        elif record.kind != "cycle":
            try:
                found = _extended(record, standard, cycles, rep)
            except InputError as err:
                out.errors.append(err)
                continue
            if found is not None:
                out.calendars.append(found)
    return out


def _latest(records: list[Record], rep: Reporter, errors: list[InputError]) -> list[Record]:
    """One record per name: a later definition replaces an earlier one, as an import would.

    Cycles have names of their own; standard and extended calendars share one namespace."""
    by_name: dict[tuple[bool, str], Record] = {}
    for record in records:
        if not record.name:
            errors.append(record.head.error(f"`{record.kind}:` needs a name"))
            continue
        key = (record.kind == "cycle", record.name)
        earlier = by_name.pop(key, None)
        if earlier is not None:
            rep.add(
                "AS1503",
                f"{record.kind} {record.name} is defined again (first at {earlier.head.source}); the "
                "later one is used",
                record.name,
                record.head.source,
            )
        by_name[key] = record
    return list(by_name.values())


# --------------------------------------------------------------------------- standard calendars


def _standard(record: Record) -> _Standard:
    """The dates of a standard calendar; a bad row is an error, the other rows still count."""
    found = _Standard(record)
    for attr in record.attrs:
        if attr.key == "date":
            _add_date(found, attr.value, attr)
        elif attr.key == "dates":
            for match in re.finditer(r"[^,]+", attr.value):
                lead = len(match.group()) - len(match.group().lstrip())
                _add_date(found, match.group().strip(), attr, match.start() + lead)
        elif attr.key != "description":
            found.errors.append(attr.misplaced("a standard calendar (expected date:)"))
    for row in record.rows:
        _add_date(found, row.text, row)
    return found


def _add_date(found: _Standard, text: str, where: Attr | Row, offset: int = 0) -> None:
    day, timed = parse_date(text)
    if day is None:
        found.errors.append(where.error(f"expected a date as MM/DD/YYYY [hh:mm], found {text!r}", offset))
        return
    found.dates.add(day)
    found.timed_rows += timed


def parse_date(text: str) -> tuple[dt.date | None, bool]:
    """(date, carries a time other than 00:00) of one calendar row."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None, False
    month, day, year = int(match[1]), int(match[2]), int(match[3])
    hours, minutes = int(match[4] or 0), int(match[5] or 0)
    if hours > 23 or minutes > 59 or int(match[6] or 0) > 59:
        return None, False
    try:
        return dt.date(year, month, day), bool(hours or minutes)
    except ValueError:
        return None, False


def _standard_ir(found: _Standard, rep: Reporter) -> Calendar:
    record = found.record
    if found.timed_rows:
        rep.add(
            "AS1504",
            f"{found.timed_rows} dates of calendar {record.name} carry a time of day; a job without "
            "start_times would start at that time in AutoSys, here it starts at 00:00",
            record.name,
            record.head.source,
        )
    return _date_list(record.name, found.dates, record, _params(record))


def _date_list(name: str, dates: set[dt.date], record: Record, raw: list[RawParam]) -> Calendar:
    return Calendar(
        name=name,
        open_dates=sorted(dates),
        closed_weekdays=list(WEEKDAYS),
        source=record.head.source,
        raw=raw,
    )


def _params(record: Record) -> list[RawParam]:
    rows = [RawParam(key="date", value=r.text, line=r.line) for r in record.rows]
    return [record.head.param(), *(a.param() for a in record.attrs), *rows]


# --------------------------------------------------------------------------- cycles


def _cycle(record: Record) -> tuple[tuple[dt.date, dt.date], ...]:
    periods: list[tuple[dt.date, dt.date]] = []
    start: tuple[dt.date, Attr] | None = None
    for attr in record.attrs:
        if attr.key not in ("start_date", "end_date", "description"):
            raise attr.misplaced("a cycle (expected start_date:/end_date:)")
        if attr.key == "description":
            continue
        day, _ = parse_date(attr.value)
        if day is None:
            raise attr.error(f"expected a date as MM/DD/YYYY, found {attr.value!r}")
        if attr.key == "start_date":
            if start is not None:
                raise attr.error("start_date follows a start_date without an end_date")
            start = (day, attr)
        else:
            if start is None or day < start[0]:
                raise attr.error("end_date without an earlier start_date before it")
            periods.append((start[0], day))
            start = None
    if start is not None:
        raise start[1].error("start_date without an end_date")
    return tuple(periods)


# --------------------------------------------------------------------------- extended calendars


@dataclass(slots=True)
class _Spec:
    record: Record
    workdays: frozenset[int] = frozenset(range(5))
    actions: Actions = field(default_factory=lambda: Actions(non_workday=None, holiday=None))
    holcal: Attr | None = None
    cyccal: Attr | None = None
    rules: list[tuple[Attr, Rule]] = field(default_factory=list)


def _extended(
    record: Record,
    standard: dict[str, _Standard],
    cycles: dict[str, tuple[tuple[dt.date, dt.date], ...]],
    rep: Reporter,
) -> Calendar | None:
    spec = _spec(record)
    problem, ctx = _context(spec, standard, cycles)
    try:
        # Evaluated even when a dependency is missing, so a bad keyword is still reported.
        dates = extended.dispose(_candidates(spec, ctx), spec.actions, ctx)
    except KeywordError as err:
        problem = problem or err.message
    if problem is not None:
        rep.add(
            "AS1502",
            f"extended calendar {record.name}: {problem}; jobs that use it are not scheduled",
            record.name,
            record.head.source,
        )
        return None
    dates = {d for d in dates if ctx.first <= d <= ctx.last}
    _report_expansion(spec, ctx, len(dates), rep)
    return _date_list(record.name, dates, record, _params(record))


def _spec(record: Record) -> _Spec:
    spec = _Spec(record)
    non_workday = holiday = None
    adjust = 0
    for attr in record.attrs:
        if attr.key not in _EXTENDED_KEYS:
            raise attr.misplaced("an extended calendar")
        if attr.key == "workday" and attr.value:
            spec.workdays = _workdays(attr)
        elif attr.key in ("non_workday", "holiday") and attr.value:
            code = _action(attr)
            non_workday, holiday = (code, holiday) if attr.key == "non_workday" else (non_workday, code)
        elif attr.key == "adjust" and attr.value:
            adjust = _adjust(attr)
        elif attr.key == "holcal" and attr.value:
            spec.holcal = attr
        elif attr.key == "cyccal" and attr.value:
            spec.cyccal = attr
        elif attr.key == "condition":
            spec.rules.extend((attr, rule) for rule in extended.split_rules(attr.value))
    spec.actions = Actions(non_workday=non_workday, holiday=holiday, adjust=adjust)
    return spec


def _workdays(attr: Attr) -> frozenset[int]:
    text = attr.value.strip().lower()
    if text == "all":
        return frozenset(range(7))
    if re.fullmatch(r"[x.]{7}", text):
        return frozenset(i for i, flag in enumerate(text) if flag == "x")
    days: set[int] = set()
    for match in re.finditer(r"[^,\s]+", text):
        code = match.group()[:2] if match.group() in extended.DAY_NAMES else match.group()
        if code not in _DAY_CODES:
            raise attr.error(f"unknown day {match.group()!r} in workday", match.start())
        days.add(_DAY_CODES[code])
    return frozenset(days)


def _action(attr: Attr) -> str:
    code = attr.value.strip().lower()
    if code not in extended.ACTIONS:
        raise attr.error(f"{attr.key} action must be one of O, S, N, W, P; found {attr.value!r}")
    return code


def _adjust(attr: Attr) -> int:
    text = attr.value.strip()
    if not re.fullmatch(r"[+-]?\d", text):
        raise attr.error(f"adjust must be a number of days from -9 to +9, found {text!r}")
    return int(text)


def _context(
    spec: _Spec, standard: dict[str, _Standard], cycles: dict[str, tuple[tuple[dt.date, dt.date], ...]]
) -> tuple[str | None, Context]:
    """The evaluation context, and what is missing for it to be the calendar's real one."""
    problem: str | None = None
    holidays: set[dt.date] = set()
    if spec.holcal is not None:
        found = standard.get(spec.holcal.value)
        if found is None:
            problem = f"holcal {spec.holcal.value} is not a standard calendar among the inputs"
        else:
            holidays = found.dates
    elif spec.actions.holiday not in (None, "s"):
        problem = "a holiday action other than S needs a holcal"
    periods: tuple[tuple[dt.date, dt.date], ...] = ()
    if spec.cyccal is not None:
        periods = cycles.get(spec.cyccal.value, ())
        if spec.cyccal.value not in cycles:
            problem = problem or f"cyccal {spec.cyccal.value} is not a cycle among the inputs"
    first_year, last_year = expansion_years(holidays, periods)
    ctx = Context(
        first=dt.date(first_year, 1, 1),
        last=dt.date(last_year, 12, 31),
        workdays=spec.workdays,
        holidays=frozenset(holidays),
        periods=periods,
    )
    return problem, ctx


def expansion_years(holidays: set[dt.date], periods: tuple[tuple[dt.date, dt.date], ...]) -> tuple[int, int]:
    """The years a calendar is expanded over: those its holidays (or cycle) cover, else the default.

    Beyond the holiday calendar's years AutoSys would not know the holidays either; expanding
    further would invent workdays on real holidays. At most MAX_YEARS years, from the first."""
    covered = {d.year for d in holidays} or {d.year for period in periods for d in period}
    years = sorted(y for y in covered if _YEAR_BOUNDS[0] <= y <= _YEAR_BOUNDS[1])
    if not years:
        return DEFAULT_YEARS
    return years[0], min(years[-1], years[0] + MAX_YEARS - 1)


def _candidates(spec: _Spec, ctx: Context) -> set[dt.date]:
    """The dates the rules select; a syntax error is reported at its column in the export."""
    results = []
    for attr, rule in spec.rules:
        try:
            results.append(extended.rule_days(rule, ctx))
        except KeywordError as err:
            if err.unsupported:
                raise
            raise attr.error(err.message, err.offset) from None
    return extended.combine(results, ctx)


def _report_expansion(spec: _Spec, ctx: Context, count: int, rep: Reporter) -> None:
    record = spec.record
    basis = (
        f"the years of holcal {spec.holcal.value}"
        if spec.holcal is not None
        else "the years of its cycle"
        if ctx.periods
        else "the default range"
    )
    rep.add(
        "AS1501",
        f"extended calendar {record.name} expanded into {count} dates from {ctx.first} to {ctx.last} "
        f"({basis}); runs outside that range are not generated: export the holiday calendar for more "
        "years and convert again",
        record.name,
        record.head.source,
    )
    rep.add(
        "AS1901",
        f"extended calendar {record.name}: workday keywords count workdays without holcal dates; action "
        "O keeps only dates of its category; holiday N moves one calendar day; W/P walk to a workday "
        "that is not a holiday; adjust shifts every date [verify against autocal_asc -e preview]",
        record.name,
        record.head.source,
    )
