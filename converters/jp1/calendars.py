"""Job group calendar parameters (`op`, `cl`, `sdd`, `md`, `stt`) -> IR `Calendar`s.

One calendar per job group that defines any of them, named by the group's full path, with
`parent` the nearest upper group that has one. Open/closed days inherit day by day through
`parent` (the IR's evaluator walks the chain); base day, month naming and base time inherit as
whole values, so they are resolved here and each calendar carries the effective ones.

Interpretations (legacy-formats.md marks them [verify]):
* Precedence. The annual calendar editor of JP1/AJS3 - View ranks a definition made for a date
  above the weekly standard of the same group, and both above what the upper-level group
  defines (Operator's Guide, "Annual Calendar Editor window", order of priority); a day nobody
  defines is open. The IR `Calendar` documents the same order. JP1903 notes it per calendar
  that inherits.
* Base day and month name. `sdd`, `md` and `stt` default to the upper-level group's value and
  finally to 1 / `th` / 00:00 (Command Reference 5.2.3, job group definition). With `md=th` the
  period that starts on the base day of month M is month M; with `md=ne` it is month M+1, i.e.
  the period that ends the day before the base day of M is named M. JP1904 notes it wherever
  the base day is not the 1st or `md=ne` is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeVar, cast

from jobmigrate.model import WEEKDAYS, BaseDay, Calendar, RawParam, Source, Weekday

from .findings import Reporter
from .syntax import Param, UnitDef
from .values import hhmm_minutes, joined, to_int

CALENDAR_KEYS: Final = frozenset({"op", "cl", "sdd", "md", "stt"})
MonthNaming = Literal["this", "next"]
T = TypeVar("T")

_DATE: Final = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_SDD_WEEKDAY: Final = re.compile(r"(su|mo|tu|we|th|fr|sa):([1-5])")
_MD: Final[dict[str, MonthNaming]] = {"th": "this", "ne": "next"}


@dataclass(frozen=True, slots=True)
class CalendarScope:
    """What a job group passes down: the calendar in force and the effective base values."""

    name: str | None  # the nearest calendar (own or inherited); None: no group defines one
    base_day: BaseDay
    month_naming: MonthNaming
    base_time_minutes: int


ROOT_SCOPE: Final = CalendarScope(None, BaseDay(day=1, weekday=None, ordinal=None), "this", 0)


@dataclass(slots=True)
class _Days:
    """Open/closed dates and weekdays of one group, later definitions winning."""

    dates: dict[dt.date, bool]
    weekdays: dict[Weekday, bool]


def read_group_calendar(
    unit: UnitDef, path: str, scope: CalendarScope, rep: Reporter
) -> tuple[Calendar | None, CalendarScope]:
    """The group's own calendar (None when it defines nothing) and the scope for its children."""
    params = [p for p in unit.params if p.key in CALENDAR_KEYS]
    if not params:
        return None, scope
    days = _days(params, path, unit.file, rep)
    base_day = _last(params, "sdd", path, unit.file, rep, _base_day) or scope.base_day
    written_naming: MonthNaming | None = _last(params, "md", path, unit.file, rep, _month_naming)
    naming: MonthNaming = written_naming or scope.month_naming
    base_time = _last(params, "stt", path, unit.file, rep, _base_time)
    minutes = scope.base_time_minutes if base_time is None else base_time
    _note_month_naming(params, base_day, naming, path, unit.file, rep)
    if scope.name is not None:
        rep.add(
            "JP1903",
            f"inherits days it leaves open from {scope.name}: a date here beats a weekday here, "
            "which beats the upper group; a day defined nowhere is open",
            path,
            unit.file,
            unit.line,
        )
    calendar = Calendar(
        name=path,
        parent=scope.name,
        open_dates=sorted(d for d, is_open in days.dates.items() if is_open),
        closed_dates=sorted(d for d, is_open in days.dates.items() if not is_open),
        open_weekdays=[w for w in WEEKDAYS if days.weekdays.get(w) is True],
        closed_weekdays=[w for w in WEEKDAYS if days.weekdays.get(w) is False],
        holidays=[],
        closing_rules=[],
        base_day=base_day,
        month_naming=naming,
        base_time_minutes=minutes,
        timezone=None,
        source=Source(file=unit.file, line=unit.line, column=unit.column),
        raw=[RawParam(key=p.key, value=p.raw, line=p.line) for p in params],
    )
    return calendar, CalendarScope(path, base_day, naming, minutes)


# --------------------------------------------------------------------------- open / closed days


def parse_day(text: str) -> dt.date | Weekday | None:
    """An `op`/`cl` value: a date 1994..2099 (SCHEDULELIMIT widens 2036) or a weekday."""
    if text in WEEKDAYS:
        return text
    m = _DATE.fullmatch(text)
    if m is None or not 1994 <= int(m.group(1)) <= 2099:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _days(params: Sequence[Param], path: str, file: str, rep: Reporter) -> _Days:
    days = _Days({}, {})
    for p in params:
        if p.key not in ("op", "cl"):
            continue
        day = parse_day(joined(p))
        if day is None:
            message = f"`{p.key}={p.raw}`: expected yyyy/mm/dd or su..sa"
            rep.add("JP1501", message, path, file, p.line, p.column)
            continue
        is_open = p.key == "op"
        if isinstance(day, dt.date):
            previous = days.dates.get(day)
            days.dates[day] = is_open
        else:
            previous = days.weekdays.get(day)
            days.weekdays[day] = is_open
        if previous is not None and previous != is_open:
            rep.add("JP1503", f"`{p.key}={p.raw}` overrides an earlier definition", path, file, p.line)
    return days


# --------------------------------------------------------------------------- sdd, md, stt


def _base_day(text: str) -> BaseDay | None:
    if (m := _SDD_WEEKDAY.fullmatch(text)) is not None:
        weekday = cast(Weekday, m.group(1))
        return BaseDay(day=1, weekday=weekday, ordinal=int(m.group(2)))
    day = to_int(text, 1, 31)
    return None if day is None else BaseDay(day=day, weekday=None, ordinal=None)


def _month_naming(text: str) -> MonthNaming | None:
    return _MD.get(text)


def _base_time(text: str) -> int | None:
    return hhmm_minutes(text, 23)


_EXPECTED: Final = {"sdd": "dd (1..31) or su..sa:n (n 1..5)", "md": "th or ne", "stt": "hh:mm (00:00..23:59)"}


def _last(
    params: Sequence[Param], key: str, path: str, file: str, rep: Reporter, decode: Callable[[str], T | None]
) -> T | None:
    """The decoded value of the last `key` parameter; invalid values are reported and skipped."""
    found: T | None = None
    seen = False
    for p in params:
        if p.key != key:
            continue
        if seen:
            rep.add("JP1005", f"`{key}` repeated; using the last", path, file, p.line)
        seen = True
        value = decode(joined(p))
        if value is None:
            rep.add("JP1501", f"`{key}={p.raw}`: expected {_EXPECTED[key]}", path, file, p.line, p.column)
            continue
        found = value
    return found


def _note_month_naming(
    params: Sequence[Param], base_day: BaseDay, naming: MonthNaming, path: str, file: str, rep: Reporter
) -> None:
    written = [p for p in params if p.key in ("sdd", "md")]
    shifted = base_day.day != 1 or base_day.weekday is not None
    if written and (shifted or naming == "next"):
        name = "the month it starts in" if naming == "this" else "the month after the one it starts in"
        rep.add(
            "JP1904",
            f"a scheduling month starts on the base day and is named after {name} (`md`)",
            path,
            file,
            written[0].line,
        )
