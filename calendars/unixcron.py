"""Unix cron expressions: parse the five fields, expand them, evaluate when they fire.

This is the legacy side of the schedule comparison, so it follows what the cron daemons do
(Vixie cron and its descendant cronie), not what Quartz or EventBridge accept:

* `*`, numbers, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n` (= `a-<field max>/n`), lists.
* Names `jan`-`dec` and `sun`-`sat`, three letters, any case, only in their own field.
* Day of week 0-7 where 0 and 7 are both Sunday. The field's maximum is 7, as in Vixie, so
  `1/2` is Mon, Wed, Fri and Sun.
* A backwards range (`5-1`) is an error, as in Vixie; cron implementations that wrap differ.
* `L`, `W`, `#` and `?` exist only in Quartz/EventBridge; here they are errors.
* The @-specials map to their five-field meaning; `@reboot` has no time and is refused.
* Day matching (Vixie): when both day fields are *restricted* (do not start with `*`) a day
  matches if either matches; otherwise both must match. So `*/2` in the day-of-month field
  counts as unrestricted, unlike in croniter.

Daylight saving time, for aware datetimes, follows Vixie's handling of a clock change:

* Spring forward: a fixed-time entry (neither minute nor hour field starts with `*`) due in
  the skipped hour runs once, at the first minute after the gap; a wildcard entry skips it.
* Fall back: a fixed-time entry runs once, in the first pass of the repeated hour; a wildcard
  entry runs in both passes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from jobmigrate.model import UnixCron

SPECIALS: Mapping[str, str] = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
REBOOT = "@reboot"

_UTC = dt.UTC
_ONE_MINUTE = dt.timedelta(minutes=1)
# Leap years exist, so a rule on 29 February does fire (every four years).
_MAX_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class CronSyntaxError(ValueError):
    """A malformed expression; `offset` is the 0-based index in the text of the bad part."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: Mapping[str, int]


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

FIELDS: tuple[_Field, ...] = (
    _Field("minute", 0, 59, {}),
    _Field("hour", 0, 23, {}),
    _Field("day-of-month", 1, 31, {}),
    _Field("month", 1, 12, {name: i for i, name in enumerate(_MONTHS, start=1)}),
    _Field("day-of-week", 0, 7, {name: i for i, name in enumerate(_DAYS)}),
)
_DOW_INDEX = 4

_ELEMENT = re.compile(
    r"(?:(?P<star>\*)|(?P<first>[A-Za-z0-9]+)(?:-(?P<last>[A-Za-z0-9]+))?)(?:/(?P<step>[A-Za-z0-9]+))?"
)
_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9*/-]*")
_QUARTZ_VALUE = re.compile(r"(?:L|LW|L-?\d+|\d+[LW])", re.IGNORECASE)
_QUARTZ_CHARS = {
    "?": "'?' (no specific value) is Quartz/EventBridge syntax; Unix cron uses '*'",
    "#": "'#' (n-th weekday of the month) is Quartz/EventBridge syntax, not valid in Unix cron",
    "L": "'L' (last day or last weekday of the month) is Quartz/EventBridge syntax, not valid in Unix cron",
    "W": "'W' (nearest weekday) is Quartz/EventBridge syntax, not valid in Unix cron",
}


def parse_field(text: str, index: int) -> tuple[int, ...]:
    """Expand one field (index 0 = minute .. 4 = day of week) to its sorted values.

    Day-of-week 7 is folded into 0 (Sunday). Errors carry the offset of the bad part in `text`.
    """
    fld = FIELDS[index]
    values: set[int] = set()
    offset = 0
    for element in text.split(","):
        values.update(_expand_element(element, offset, fld))
        offset += len(element) + 1
    if index == _DOW_INDEX and 7 in values:
        values.discard(7)
        values.add(0)
    return tuple(sorted(values))


def _expand_element(element: str, offset: int, fld: _Field) -> range:
    if not element:
        raise CronSyntaxError(f"empty element in the {fld.name} list", offset)
    match = _ELEMENT.fullmatch(element)
    if match is None:
        raise _malformed(element, offset, fld)
    step = 1
    if match["step"] is not None:
        step = _step(match["step"], offset + match.start("step"), fld)
    if match["star"]:
        return range(fld.low, fld.high + 1, step)
    first = _value(match["first"], offset + match.start("first"), fld)
    if match["last"] is None:
        # `a/n` runs to the field's end (cronie); a bare `a` is the single value.
        last = fld.high if match["step"] is not None else first
    else:
        last = _value(match["last"], offset + match.start("last"), fld)
        if first > last:
            raise CronSyntaxError(
                f"{fld.name} range {match['first']}-{match['last']} runs backwards; "
                "cron rejects it (split it into two ranges)",
                offset,
            )
    return range(first, last + 1, step)


def _malformed(element: str, offset: int, fld: _Field) -> CronSyntaxError:
    """The most precise complaint about an element the grammar does not accept."""
    allowed = _ALLOWED_CHARS.match(element)
    bad_at = allowed.end() if allowed else 0
    if bad_at < len(element):
        char = element[bad_at]
        message = _QUARTZ_CHARS.get(char, f"unexpected character {char!r} in the {fld.name} field")
        return CronSyntaxError(message, offset + bad_at)
    if element.endswith(("-", "/")):
        return CronSyntaxError(
            f"missing value after {element[-1]!r} in the {fld.name} field", offset + len(element)
        )
    if element.startswith("*") and len(element) > 1 and element[1] != "/":
        return CronSyntaxError(f"'*' can only be followed by '/step' in the {fld.name} field", offset + 1)
    return CronSyntaxError(f"malformed {fld.name} element {element!r}", offset)


def _step(text: str, offset: int, fld: _Field) -> int:
    if not text.isdigit() or int(text) == 0:
        raise CronSyntaxError(
            f"step in the {fld.name} field must be a whole number >= 1, not {text!r}", offset
        )
    return int(text)


def _value(text: str, offset: int, fld: _Field) -> int:
    if text.isdigit():
        number = int(text)
        if not fld.low <= number <= fld.high:
            raise CronSyntaxError(f"{fld.name} {number} is out of range {fld.low}-{fld.high}", offset)
        return number
    lowered = text.lower()
    if lowered in fld.names:
        return fld.names[lowered]
    if _QUARTZ_VALUE.fullmatch(text):
        position = next(i for i, ch in enumerate(text.upper()) if ch in "LW")
        raise CronSyntaxError(_QUARTZ_CHARS[text[position].upper()], offset + position)
    if fld.names and len(text) > 3 and lowered[:3] in fld.names:
        raise CronSyntaxError(
            f"cron accepts only three-letter names: write {lowered[:3]!r}, not {text!r}", offset
        )
    if fld.names:
        known = ", ".join(fld.names)
        raise CronSyntaxError(f"unknown {fld.name} name {text!r} (known: {known})", offset)
    raise CronSyntaxError(f"the {fld.name} field takes numbers, not {text!r}", offset)


# --------------------------------------------------------------------------- expressions


def parse(text: str) -> CronExpr:
    """Parse five fields (`30 22 * * 1-5`) or an @-special (`@daily`)."""
    tokens = [(m.group(), m.start()) for m in re.finditer(r"\S+", text)]
    if not tokens:
        raise CronSyntaxError("empty cron expression", 0)
    if tokens[0][0].startswith("@"):
        if len(tokens) > 1:
            raise CronSyntaxError(f"unexpected text after {tokens[0][0]}", tokens[1][1])
        return _special(*tokens[0])
    if len(tokens) < len(FIELDS):
        raise CronSyntaxError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), found {len(tokens)}",
            len(text.rstrip()),
        )
    if len(tokens) > len(FIELDS):
        raise CronSyntaxError(
            "unexpected 6th field: Unix cron has 5 fields (6 or 7 are Quartz/EventBridge syntax)",
            tokens[len(FIELDS)][1],
        )
    values: list[tuple[int, ...]] = []
    for index, (token, offset) in enumerate(tokens):
        try:
            values.append(parse_field(token, index))
        except CronSyntaxError as err:
            raise CronSyntaxError(err.message, offset + err.offset) from None
    texts = [token for token, _ in tokens]
    return CronExpr(
        expression=" ".join(texts),
        minute=values[0],
        hour=values[1],
        dom=values[2],
        month=values[3],
        dow=values[4],
        dom_restricted=not texts[2].startswith("*"),
        dow_restricted=not texts[4].startswith("*"),
        minute_wildcard=texts[0].startswith("*"),
        hour_wildcard=texts[1].startswith("*"),
    )


def _special(name: str, offset: int) -> CronExpr:
    if name == REBOOT:
        raise CronSyntaxError("@reboot runs once at system start and has no time fields", offset)
    if name not in SPECIALS:
        if name.lower() in SPECIALS or name.lower() == REBOOT:
            raise CronSyntaxError(f"cron specials are lower case: write {name.lower()!r}", offset)
        known = ", ".join([REBOOT, *SPECIALS])
        raise CronSyntaxError(f"unknown special {name!r} (known: {known})", offset)
    return replace(parse(SPECIALS[name]), expression=name, special=name)


def from_ir(rule: UnixCron) -> CronExpr:
    """The evaluator for an IR rule; its expression text is the authority."""
    return parse(rule.expression)


def _mask(values: tuple[int, ...]) -> int:
    bits = 0
    for value in values:
        bits |= 1 << value
    return bits


def _cron_weekday(day: dt.date) -> int:
    """0 = Sunday .. 6 = Saturday (Python counts from Monday)."""
    return (day.weekday() + 1) % 7


@dataclass(frozen=True, slots=True)
class CronExpr:
    """A parsed expression: sorted expanded values per field plus the flags cron keeps.

    `minute_wildcard`/`hour_wildcard` are Vixie's MIN_STAR/HR_STAR (the field starts with
    `*`); they only matter for daylight saving changes.
    """

    expression: str
    minute: tuple[int, ...]
    hour: tuple[int, ...]
    dom: tuple[int, ...]
    month: tuple[int, ...]
    dow: tuple[int, ...]  # 0 = Sunday .. 6 = Saturday
    dom_restricted: bool
    dow_restricted: bool
    minute_wildcard: bool = False
    hour_wildcard: bool = False
    special: str | None = None
    # Bit masks and the day's (hour, minute) product, precomputed: fire_times runs for a
    # year of days over thousands of entries.
    _minute_mask: int = field(init=False, repr=False, compare=False)
    _hour_mask: int = field(init=False, repr=False, compare=False)
    _dom_mask: int = field(init=False, repr=False, compare=False)
    _month_mask: int = field(init=False, repr=False, compare=False)
    _dow_mask: int = field(init=False, repr=False, compare=False)
    _times: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _offsets: tuple[dt.timedelta, ...] = field(init=False, repr=False, compare=False)
    _month_cache: dict[tuple[int, int], tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_minute_mask", _mask(self.minute))
        object.__setattr__(self, "_hour_mask", _mask(self.hour))
        object.__setattr__(self, "_dom_mask", _mask(self.dom))
        object.__setattr__(self, "_month_mask", _mask(self.month))
        object.__setattr__(self, "_dow_mask", _mask(self.dow))
        object.__setattr__(self, "_times", tuple((h, m) for h in self.hour for m in self.minute))
        # Adding a timedelta to midnight is ten times cheaper than building each datetime.
        object.__setattr__(self, "_month_cache", {})
        object.__setattr__(self, "_offsets", tuple(dt.timedelta(hours=h, minutes=m) for h, m in self._times))

    @property
    def dom_or_dow(self) -> bool:
        """Both day fields restricted: a day matches if either matches."""
        return self.dom_restricted and self.dow_restricted

    @property
    def wildcard(self) -> bool:
        return self.minute_wildcard or self.hour_wildcard

    def to_ir(self) -> UnixCron:
        return UnixCron(
            expression=self.expression,
            minutes=list(self.minute),
            hours=list(self.hour),
            days_of_month=list(self.dom),
            months=list(self.month),
            days_of_week=list(self.dow),
            dom_restricted=self.dom_restricted,
            dow_restricted=self.dow_restricted,
        )

    def can_fire(self) -> bool:
        """False when no date ever satisfies the day fields (`0 0 30 2 *`)."""
        if self.dom_or_dow:
            return True  # the weekday alone selects days in every listed month
        # Every valid month-day falls on every weekday over the years, so only the
        # month-day pairs decide.
        return any(day <= _MAX_DAYS_IN_MONTH[month] for month in self.month for day in self.dom)

    def matches_day(self, day: dt.date) -> bool:
        return bool(self._month_mask >> day.month & 1) and self._day_ok(day.day, _cron_weekday(day))

    def matches(self, when: dt.datetime) -> bool:
        """Whether the wall-clock minute of `when` is a fire time (seconds are ignored)."""
        return (
            bool(self._minute_mask >> when.minute & 1)
            and bool(self._hour_mask >> when.hour & 1)
            and self.matches_day(when.date())
        )

    def _day_ok(self, dom: int, dow: int) -> bool:
        dom_hit = bool(self._dom_mask >> dom & 1)
        dow_hit = bool(self._dow_mask >> dow & 1)
        return (dom_hit or dow_hit) if self.dom_or_dow else (dom_hit and dow_hit)

    def fire_times(self, start: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
        """Fire times `t` with start <= t < end, ascending.

        Naive bounds give naive wall-clock times. Aware bounds give aware times in the zone of
        `start`, with the daylight saving behaviour described in the module docstring.
        """
        if (start.tzinfo is None) != (end.tzinfo is None):
            raise ValueError("start and end must both be naive or both be aware")
        if start.tzinfo is None:
            return self._naive_fire_times(start, end)
        return self._aware_fire_times(start, end)

    def _days(self, first: dt.date, last: dt.date) -> Iterator[dt.date]:
        """Matching days from first to last inclusive, walking month by month."""
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            if self._month_mask >> month & 1:
                low = first.day if (year, month) == (first.year, first.month) else 1
                high = last.day if (year, month) == (last.year, last.month) else 31
                for day in self._days_in_month(*calendar.monthrange(year, month)):
                    if low <= day <= high:
                        yield dt.date(year, month, day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def _days_in_month(self, monday_based_first: int, length: int) -> tuple[int, ...]:
        """Matching day numbers of a month; a month is known by its first weekday and length,
        so a year of evaluation needs at most 28 different answers."""
        key = (monday_based_first, length)
        days = self._month_cache.get(key)
        if days is None:
            first_weekday = (monday_based_first + 1) % 7
            days = tuple(d for d in range(1, length + 1) if self._day_ok(d, (first_weekday + d - 1) % 7))
            self._month_cache[key] = days
        return days

    def _naive_fire_times(self, start: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
        first, last = start.date(), end.date()
        for day in self._days(first, last):
            check = day in (first, last)  # days in between lie wholly inside the window
            midnight = dt.datetime(day.year, day.month, day.day)
            for offset in self._offsets:
                when = midnight + offset
                if check and not start <= when < end:
                    continue
                yield when

    def _aware_fire_times(self, start: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
        zone = start.tzinfo
        assert zone is not None  # checked by fire_times
        # Aware datetimes sharing a tzinfo compare by wall clock, ignoring fold; compare in UTC.
        start_utc, end_utc = start.astimezone(_UTC), end.astimezone(_UTC)
        first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        for day in self._days(first, last):
            if day in _clock_change_days(zone, day.year):
                times = self._clock_change_day(day, zone)
            else:
                # Every wall time exists once; adding to an aware datetime is wall-clock arithmetic.
                midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
                times = [midnight + offset for offset in self._offsets]
            if day in (first, last):
                times = [t for t in times if start_utc <= t.astimezone(_UTC) < end_utc]
            yield from times

    def _clock_change_day(self, day: dt.date, zone: dt.tzinfo) -> list[dt.datetime]:
        by_instant: dict[dt.datetime, dt.datetime] = {}
        for hour, minute in self._times:
            wall = dt.datetime(day.year, day.month, day.day, hour, minute)
            for when in self._runs_at(wall, zone):
                by_instant.setdefault(when.astimezone(_UTC), when)
        return [by_instant[instant] for instant in sorted(by_instant)]

    def _runs_at(self, wall: dt.datetime, zone: dt.tzinfo) -> list[dt.datetime]:
        first_pass = wall.replace(tzinfo=zone, fold=0)
        second_pass = wall.replace(tzinfo=zone, fold=1)
        if first_pass.utcoffset() == second_pass.utcoffset():
            return [first_pass]
        if _exists(first_pass):  # repeated hour after falling back
            return [first_pass, second_pass] if self.wildcard else [first_pass]
        return [] if self.wildcard else [_first_after_gap(wall, zone)]


@functools.lru_cache(maxsize=256)
def _clock_change_days(zone: dt.tzinfo, year: int) -> frozenset[dt.date]:
    """Days of the year whose UTC offset changes before the next midnight, cached per zone:
    thousands of entries are evaluated over the same year."""
    changes: set[dt.date] = set()
    day = dt.datetime(year, 1, 1, tzinfo=zone)
    offset = day.utcoffset()
    while day.year == year:
        following = day + dt.timedelta(days=1)
        next_offset = following.utcoffset()
        if next_offset != offset:
            changes.add(day.date())
        day, offset = following, next_offset
    return frozenset(changes)


def _exists(when: dt.datetime) -> bool:
    return when.astimezone(_UTC).astimezone(when.tzinfo).replace(tzinfo=None) == when.replace(tzinfo=None)


def _first_after_gap(wall: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The first wall-clock minute after a spring-forward gap (where Vixie runs what it skipped)."""
    probe = wall + _ONE_MINUTE
    while not _exists(probe.replace(tzinfo=zone)):
        probe += _ONE_MINUTE
    return probe.replace(tzinfo=zone)
