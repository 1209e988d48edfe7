"""EventBridge schedule expressions: parse and validate `cron()`, `rate()` and `at()`, and evaluate
when they fire.

These are the expressions the AWS side of a migration is made of, and `put_rule`, Scheduler and
moto all accept invalid ones silently, so the rules below are checked here, before deployment.
Sources: the EventBridge "Cron expressions reference" and "Rate expressions reference", the
Scheduler "Schedule types" page, and Quartz, whose syntax EventBridge follows where AWS is silent.

`cron(minutes hours day-of-month month day-of-week year)`, all six fields required:

* minutes 0-59 and hours 0-23 take `, - * /`; month 1-12 or JAN-DEC and year 1970-2199 take
  `, - * /`; day-of-month 1-31 takes `, - * ? / L W`; day-of-week 1-7 or SUN-SAT (1 = Sunday)
  takes `, - * ? L #` (no steps). Names and the letters L and W are read in any case.
* Exactly one of day-of-month and day-of-week is `?`; the other is a value or `*`. AWS cannot
  say "the 1st OR Fridays" (nor "AND") in one expression, and both `?` selects nothing.
* Steps: `*/n`, `a/n` (from a to the field's end) and `a-b/n`; n is 1 up to the field's largest
  value (Quartz refuses bigger steps). A range whose start is after its end wraps around the
  field as in Quartz: hours `22-2` are 22, 23, 0, 1, 2, `FRI-MON` is Fri, Sat, Sun, Mon, and a
  step keeps counting across the wrap. The year field cannot wrap.
* Day-of-month specials: `L` (last day), `LW` (last weekday, Monday to Friday), `nW` (the weekday
  nearest day n, never in another month: `1W` on a Saturday is Monday the 3rd, `31W` on a Sunday
  is Friday the 29th, and in a month without day n it does not fire, like plain `n`).
  Day-of-week specials: `nL` (last such weekday of the month), `n#k` (k-th such weekday, k 1-5;
  none in months without a k-th), and `L` alone, which AWS documents as the last day of the
  week: Saturday. A special stands alone in its field: Quartz rejects `L` and `#` in lists, and
  AWS documents that only one `#` term is allowed.
* Rejected although Quartz has it: `L-n` (n days before the last day) and weekday offsets such as
  `L-2` in day-of-week. AWS documents neither, and accepting what AWS may refuse would only move
  the failure to deployment time.

`rate(value unit)`: value a whole number >= 1, unit minute/hour/day, singular when the value is 1
and plural otherwise (AWS enforces this). `at(yyyy-mm-ddThh:mm:ss)`: one time, Scheduler only.

Evaluation (`fire_times`):

* cron in a time zone is EventBridge Scheduler (`ScheduleExpressionTimezone`): the fields match
  the wall clock in that zone. Scheduler documents that on a spring-forward day a time that does
  not exist is skipped, and that on a fall-back day the repeated hour runs once; we run it at the
  first occurrence (fold=0, still on daylight time), which is when a wall clock first shows it.
  EventBridge rules are cron in UTC: pass UTC as the zone.
* rate counts fixed durations from an anchor (the schedule's start): `rate(1 day)` is 24 hours,
  so across a DST change its local time of day moves by an hour, as Scheduler documents.
* at fires once at a wall time in the zone; a time inside a DST gap does not exist and gives no
  fire time (AWS does not document this case), a repeated time fires at its first occurrence.

The evaluator precomputes each field as a set, walks the years and months that can match, finds
a month's matching days once per month shape (first weekday, length), and adds precomputed
offsets to the month's first midnight, so a year of a typical expression takes tens of
microseconds.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum

UTC = dt.UTC

# --------------------------------------------------------------------------- errors


class AwsExpressionError(ValueError):
    """An expression AWS would refuse; `column` is the 1-based position in the expression text of
    the offending part (the bad element of a field when one is to blame, else the field)."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True, slots=True)
class _FieldSpec:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] is the value low + i
    wraps: bool = True  # a range a-b with a > b goes round the field (not for years)

    def value_of(self, text: str) -> int | None:
        """The number a token stands for, or None when it is neither a number nor a known name."""
        if _is_number(text):
            return int(text)
        upper = text.upper()
        if upper in self.names:
            return self.low + self.names.index(upper)
        return None


def _is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts characters such as '²' that int() refuses."""
    return text.isascii() and text.isdigit()


_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

MINUTES = _FieldSpec("minutes", 0, 59)
HOURS = _FieldSpec("hours", 0, 23)
DAY_OF_MONTH = _FieldSpec("day-of-month", 1, 31)
MONTH = _FieldSpec("month", 1, 12, _MONTH_NAMES)
DAY_OF_WEEK = _FieldSpec("day-of-week", 1, 7, _DAY_NAMES)
YEAR = _FieldSpec("year", 1970, 2199, wraps=False)
FIELDS: tuple[_FieldSpec, ...] = (MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)


# --------------------------------------------------------------------------- day rules


class DayKind(Enum):
    """How the day field that is not `?` picks the days of a month."""

    EVERY_DAY = "every day"  # `*` in either day field
    MONTH_DAYS = "days of month"  # numbers, ranges, steps in day-of-month
    LAST_DAY = "L"
    LAST_WEEKDAY = "LW"
    NEAREST_WEEKDAY = "nW"
    WEEK_DAYS = "days of week"  # numbers, names, ranges in day-of-week (and `L` = Saturday)
    NTH_WEEK_DAY = "n#k"
    LAST_WEEK_DAY = "nL"


@dataclass(frozen=True, slots=True)
class DayRule:
    """The day selection: `values` are days of month (1-31) or AWS weekdays (1 = Sunday .. 7);
    `nth` is the day of `nW` or the occurrence k of `n#k`."""

    kind: DayKind
    values: frozenset[int] = frozenset()
    nth: int = 0

    def days(self, first_weekday: int, length: int) -> tuple[int, ...]:
        """Matching days of a month that starts on `first_weekday` (Monday = 0) and has `length` days."""
        return _DAY_PICKERS[self.kind](self, first_weekday, length)


def _aws_weekday(python_weekday: int) -> int:
    """1 = Sunday .. 7 = Saturday from Python's Monday = 0."""
    return (python_weekday + 1) % 7 + 1


def _python_weekday(aws_weekday: int) -> int:
    return (aws_weekday + 5) % 7


def _every_day(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    return tuple(range(1, length + 1))


def _month_days(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    return tuple(d for d in sorted(rule.values) if d <= length)


def _last_day(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    return (length,)


def _last_weekday(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    last = (first + length - 1) % 7
    return (length - max(0, last - 4),)  # Saturday (5) -> Friday, Sunday (6) -> Friday


def _nearest_weekday(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    day = rule.nth
    if day > length:
        return ()  # like a plain day number, `31W` does not fire in shorter months
    weekday = (first + day - 1) % 7
    if weekday == 5:  # Saturday: the Friday before, unless that is in the previous month
        return (day + 2,) if day == 1 else (day - 1,)
    if weekday == 6:  # Sunday: the Monday after, unless that is in the next month
        return (day - 2,) if day == length else (day + 1,)
    return (day,)


def _week_days(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    wanted = {_python_weekday(v) for v in rule.values}
    return tuple(d for d in range(1, length + 1) if (first + d - 1) % 7 in wanted)


def _nth_week_day(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    (weekday,) = rule.values
    day = 1 + (_python_weekday(weekday) - first) % 7 + 7 * (rule.nth - 1)
    return (day,) if day <= length else ()


def _last_week_day(rule: DayRule, first: int, length: int) -> tuple[int, ...]:
    (weekday,) = rule.values
    last = (first + length - 1) % 7
    return (length - (last - _python_weekday(weekday)) % 7,)


_DAY_PICKERS: dict[DayKind, Callable[[DayRule, int, int], tuple[int, ...]]] = {
    DayKind.EVERY_DAY: _every_day,
    DayKind.MONTH_DAYS: _month_days,
    DayKind.LAST_DAY: _last_day,
    DayKind.LAST_WEEKDAY: _last_weekday,
    DayKind.NEAREST_WEEKDAY: _nearest_weekday,
    DayKind.WEEK_DAYS: _week_days,
    DayKind.NTH_WEEK_DAY: _nth_week_day,
    DayKind.LAST_WEEK_DAY: _last_week_day,
}


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class CronExpression:
    """A valid `cron(...)`: each field expanded to sorted values, plus the day rule.

    `fields` keeps the six fields as written and `columns` their 1-based positions in `text`.
    `day_field` is 2 when day-of-month selects the days, 4 when day-of-week does.
    """

    text: str
    fields: tuple[str, ...]
    columns: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    years: tuple[int, ...]
    day_rule: DayRule
    day_field: int
    # Precomputed for evaluation: thousands of expressions are evaluated over years of days.
    _times: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _time_deltas: tuple[dt.timedelta, ...] = field(init=False, repr=False, compare=False)
    _month_set: frozenset[int] = field(init=False, repr=False, compare=False)
    _year_set: frozenset[int] = field(init=False, repr=False, compare=False)
    _shape_days: dict[tuple[int, int], tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _day_offsets: dict[tuple[int, ...], tuple[dt.timedelta, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_times", tuple((h, m) for h in self.hours for m in self.minutes))
        object.__setattr__(
            self, "_time_deltas", tuple(dt.timedelta(hours=h, minutes=m) for h, m in self._times)
        )
        object.__setattr__(self, "_month_set", frozenset(self.months))
        object.__setattr__(self, "_year_set", frozenset(self.years))
        object.__setattr__(self, "_shape_days", {})
        object.__setattr__(self, "_day_offsets", {})

    @property
    def times(self) -> tuple[tuple[int, int], ...]:
        """The (hour, minute) wall times of a matching day, ascending."""
        return self._times

    def month_days(self, year: int, month: int) -> tuple[int, ...]:
        """Matching days of one month (ignoring the month and year fields)."""
        return self._days_of_shape(*_month_shape(year, month))

    def matches_day(self, day: dt.date) -> bool:
        """Whether the day, month and year fields select this date."""
        return (
            day.year in self._year_set
            and day.month in self._month_set
            and day.day in self.month_days(day.year, day.month)
        )

    def _days_of_shape(self, first: int, length: int) -> tuple[int, ...]:
        # A month is known by its first weekday and length: at most 28 shapes exist.
        key = (first, length)
        days = self._shape_days.get(key)
        if days is None:
            days = self.day_rule.days(first, length)
            self._shape_days[key] = days
        return days

    def _offsets_of_days(self, days: tuple[int, ...]) -> tuple[dt.timedelta, ...]:
        """Offsets from a month's first midnight to the fire times on these days, ascending.
        Built by timedelta additions (cheap); small ones are kept, since the same days come back
        month after month, but a month of an every-minute expression (44,640) is not."""
        offsets = self._day_offsets.get(days)
        if offsets is None:
            offsets = tuple(_DAY_DELTAS[day - 1] + t for day in days for t in self._time_deltas)
            if len(offsets) <= _KEPT_OFFSETS and len(self._day_offsets) < _KEPT_DAY_SETS:
                self._day_offsets[days] = offsets
        return offsets


_KEPT_OFFSETS = 1024
_KEPT_DAY_SETS = 64
_DAY_DELTAS = tuple(dt.timedelta(days=d) for d in range(31))


@functools.lru_cache(maxsize=4096)
def _month_shape(year: int, month: int) -> tuple[int, int]:
    """(weekday of the 1st with Monday = 0, number of days)."""
    return calendar.monthrange(year, month)


@dataclass(frozen=True, slots=True)
class RateExpression:
    """A valid `rate(value unit)`."""

    text: str
    value: int
    unit: str  # minute, hour or day

    @property
    def interval(self) -> dt.timedelta:
        return dt.timedelta(**{f"{self.unit}s": self.value})


@dataclass(frozen=True, slots=True)
class AtExpression:
    """A valid `at(...)`: a wall-clock time, naive; the schedule's zone gives it meaning."""

    text: str
    when: dt.datetime


Expression = CronExpression | RateExpression | AtExpression


# --------------------------------------------------------------------------- parsing


@functools.lru_cache(maxsize=8192)
def parse(text: str) -> Expression:
    """Parse and validate an EventBridge schedule expression; raise AwsExpressionError if AWS
    would refuse it. Surrounding white space is allowed; columns count it."""
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    for keyword, parser in _PARSERS:
        if body.startswith(keyword + "("):
            inner_start = lead + len(keyword) + 1
            close = body.find(")")
            if close < 0:
                raise AwsExpressionError(f"missing ')' at the end of {keyword}(...)", lead + len(body) + 1)
            if close != len(body) - 1:
                extra = close + 1 + len(body[close + 1 :]) - len(body[close + 1 :].lstrip())
                raise AwsExpressionError(f"unexpected text after {keyword}(...)", lead + extra + 1)
            return parser(text, text[inner_start : lead + close], inner_start)
    raise AwsExpressionError(
        "expected cron(...), rate(...) or at(...) (for example cron(30 22 ? * MON-FRI *))", lead + 1
    )


def parse_cron(text: str) -> CronExpression:
    """Parse text that must be a `cron(...)` expression."""
    expr = parse(text)
    if not isinstance(expr, CronExpression):
        raise AwsExpressionError("expected a cron(...) expression", 1)
    return expr


def _parse_cron(text: str, inner: str, offset: int) -> CronExpression:
    tokens = [(m.group(), offset + m.start() + 1) for m in re.finditer(r"\S+", inner)]
    if len(tokens) != len(FIELDS):
        column = tokens[len(FIELDS)][1] if len(tokens) > len(FIELDS) else offset + len(inner) + 1
        raise AwsExpressionError(
            f"cron() takes 6 fields (minutes hours day-of-month month day-of-week year), found {len(tokens)}",
            column,
        )
    texts = tuple(t for t, _ in tokens)
    columns = tuple(c for _, c in tokens)
    # Fields are checked left to right so the first error reported is the leftmost one.
    minutes, hours = _expand(MINUTES, texts[0], columns[0]), _expand(HOURS, texts[1], columns[1])
    dom = None if texts[2] == "?" else _day_of_month_rule(texts[2], columns[2])
    months = _expand(MONTH, texts[3], columns[3])
    dow = None if texts[4] == "?" else _day_of_week_rule(texts[4], columns[4])
    years = _expand(YEAR, texts[5], columns[5])
    day_field, day_rule = _one_day_field(dom, dow, texts, columns)
    return CronExpression(
        text=text,
        fields=texts,
        columns=columns,
        minutes=minutes,
        hours=hours,
        months=months,
        years=years,
        day_rule=day_rule,
        day_field=day_field,
    )


def _one_day_field(
    dom: DayRule | None, dow: DayRule | None, texts: Sequence[str], columns: Sequence[int]
) -> tuple[int, DayRule]:
    """AWS: exactly one of day-of-month and day-of-week is '?'; the other selects the days."""
    if dom is None and dow is None:
        raise AwsExpressionError(
            "day-of-month and day-of-week cannot both be ?; one of them needs a value or *", columns[4]
        )
    if dom is not None and dow is not None:
        # Point at the field whose replacement by '?' is the likely fix: the one that is '*'.
        column = columns[2] if texts[2] == "*" and texts[4] != "*" else columns[4]
        raise AwsExpressionError(
            "day-of-month and day-of-week cannot both be specified; one must be ?", column
        )
    if dom is not None:
        return 2, dom
    assert dow is not None
    return 4, dow


def _day_of_month_rule(token: str, column: int) -> DayRule:
    if token == "*":
        return DayRule(DayKind.EVERY_DAY)
    upper = token.upper()
    if "L" in upper or "W" in upper:
        return _day_of_month_special(upper, column)
    return DayRule(DayKind.MONTH_DAYS, frozenset(_expand(DAY_OF_MONTH, token, column)))


def _day_of_month_special(token: str, column: int) -> DayRule:
    if "," in token:
        raise AwsExpressionError(
            "L and W cannot be combined with other values in day-of-month (use one expression each)",
            column + token.index(","),
        )
    if token == "L":
        return DayRule(DayKind.LAST_DAY)
    if token == "LW":
        return DayRule(DayKind.LAST_WEEKDAY)
    if token.startswith("L-"):
        raise AwsExpressionError(
            f"'{token}' (days before the last day) is Quartz syntax that EventBridge does not document; "
            "use L, LW or explicit days",
            column,
        )
    match = re.fullmatch(r"(\d+)W", token)
    if match is None:
        position = next(i for i, ch in enumerate(token) if ch in "LW")
        raise AwsExpressionError(
            f"day-of-month takes L, LW or nW (weekday nearest day n) as a whole field, not {token!r}",
            column + position,
        )
    day = int(match[1])
    if not 1 <= day <= 31:
        raise AwsExpressionError(f"value {day} out of range 1-31 in day-of-month", column)
    return DayRule(DayKind.NEAREST_WEEKDAY, nth=day)


def _day_of_week_rule(token: str, column: int) -> DayRule:
    if token == "*":
        return DayRule(DayKind.EVERY_DAY)
    upper = token.upper()
    if "/" in upper:
        raise AwsExpressionError(
            "day-of-week takes no steps ('/'); list the days instead", column + upper.index("/")
        )
    if "#" in upper:
        return _nth_week_day_rule(upper, column)
    if upper == "L":
        return DayRule(DayKind.WEEK_DAYS, frozenset({7}))  # the last day of the week: Saturday
    if upper.endswith("L") and "," not in upper and "-" not in upper:
        return DayRule(DayKind.LAST_WEEK_DAY, frozenset({_single_weekday(upper[:-1], column)}))
    if "L" in upper:  # no weekday name contains an L
        raise AwsExpressionError(
            "day-of-week takes L alone (Saturday) or nL (the last weekday n of the month) as a whole "
            f"field, not {token!r}",
            column + upper.index("L"),
        )
    return DayRule(DayKind.WEEK_DAYS, frozenset(_expand(DAY_OF_WEEK, token, column)))


def _nth_week_day_rule(token: str, column: int) -> DayRule:
    if token.count("#") > 1 or "," in token:
        raise AwsExpressionError("only one '#' term is allowed in day-of-week", column)
    weekday_text, nth_text = token.split("#")
    weekday = _single_weekday(weekday_text, column)
    nth_column = column + len(weekday_text) + 1
    if not _is_number(nth_text):
        raise AwsExpressionError(f"'#' must be followed by 1-5 in day-of-week, not {nth_text!r}", nth_column)
    nth = int(nth_text)
    if not 1 <= nth <= 5:
        raise AwsExpressionError(f"'#' occurrence {nth} out of range 1-5 in day-of-week", nth_column)
    return DayRule(DayKind.NTH_WEEK_DAY, frozenset({weekday}), nth)


def _single_weekday(text: str, column: int) -> int:
    value = DAY_OF_WEEK.value_of(text)
    if value is None:
        raise AwsExpressionError(f"expected a weekday (1-7 or SUN-SAT) in day-of-week, not {text!r}", column)
    _check_range(DAY_OF_WEEK, value, column)
    return value


# --------------------------------------------------------------------------- plain field values


_ELEMENT = re.compile(r"(?P<first>[^-/]*)(?:-(?P<last>[^-/]*))?(?:/(?P<step>[^/]*))?")


def _expand(spec: _FieldSpec, token: str, column: int) -> tuple[int, ...]:
    """Expand a list of values, ranges and steps (no specials) to sorted values."""
    try:
        return _expand_token(spec, token)
    except AwsExpressionError as err:
        raise AwsExpressionError(err.message, column + err.column - 1) from None


@functools.lru_cache(maxsize=4096)
def _expand_token(spec: _FieldSpec, token: str) -> tuple[int, ...]:
    """`_expand` with columns counted from the token's first character (1), cached: the same
    tokens (`*`, `MON-FRI`, `0`) come back in thousands of expressions."""
    values: set[int] = set()
    offset = 1
    for element in token.split(","):
        values.update(_expand_element(spec, element, offset))
        offset += len(element) + 1
    return tuple(sorted(values))


def _expand_element(spec: _FieldSpec, element: str, column: int) -> list[int]:
    if not element:
        raise AwsExpressionError(f"empty element in the {spec.name} list", column)
    match = _ELEMENT.fullmatch(element)
    if match is None:
        raise AwsExpressionError(f"malformed {spec.name} element {element!r}", column)
    step = 1 if match["step"] is None else _step(spec, match["step"], column + match.start("step"))
    if match["first"] == "*":
        if match["last"] is not None:
            raise AwsExpressionError(f"'*' cannot start a range in {spec.name}", column)
        return list(range(spec.low, spec.high + 1, step))
    first = _value(spec, match["first"], column)
    if match["last"] is None:
        # `a/n` runs from a to the field's end; a bare `a` is that value alone.
        return list(range(first, spec.high + 1, step)) if match["step"] is not None else [first]
    last = _value(spec, match["last"], column + match.start("last"))
    return _range(spec, first, last, step, column)


def _range(spec: _FieldSpec, first: int, last: int, step: int, column: int) -> list[int]:
    if first <= last:
        return list(range(first, last + 1, step))
    if not spec.wraps:
        raise AwsExpressionError(f"{spec.name} range {first}-{last} runs backwards", column)
    # Quartz: a backwards range goes round the field, and the step counts across the wrap.
    size = spec.high - spec.low + 1
    return [spec.low + (v - spec.low) % size for v in range(first, last + size + 1, step)]


def _step(spec: _FieldSpec, text: str, column: int) -> int:
    if not _is_number(text) or int(text) == 0:
        raise AwsExpressionError(f"step in {spec.name} must be a whole number >= 1, not {text!r}", column)
    step = int(text)
    # Quartz refuses a step above the field's largest value (59 for minutes); years have no such
    # rule there, so their step is bounded by the span of the field.
    largest = spec.high if spec.wraps else spec.high - spec.low
    if step > largest:
        raise AwsExpressionError(f"step {step} too large in {spec.name} (at most {largest})", column)
    return step


def _value(spec: _FieldSpec, text: str, column: int) -> int:
    value = spec.value_of(text)
    if value is None:
        raise _bad_value(spec, text, column)
    _check_range(spec, value, column)
    return value


_SPECIALS = {
    "?": ("day-of-month or day-of-week", frozenset({"day-of-month", "day-of-week"})),
    "L": ("day-of-month and day-of-week", frozenset({"day-of-month", "day-of-week"})),
    "W": ("day-of-month", frozenset({"day-of-month"})),
    "#": ("day-of-week", frozenset({"day-of-week"})),
}


def _bad_value(spec: _FieldSpec, text: str, column: int) -> AwsExpressionError:
    """The most precise complaint about a token that is neither a number nor a name of the field."""
    if not text:
        return AwsExpressionError(f"missing value in {spec.name}", column)
    for ch, (where, fields) in _SPECIALS.items():
        at = text.upper().find(ch)
        if at < 0:
            continue
        if spec.name in fields:  # a special of this field, but inside a list or range
            return AwsExpressionError(f"'{ch}' must stand alone in {spec.name}", column + at)
        return AwsExpressionError(f"'{ch}' is only allowed in {where}, not in {spec.name}", column + at)
    if spec.names:
        names = f"{spec.names[0]}-{spec.names[-1]}"
        return AwsExpressionError(
            f"unknown {spec.name} {text!r} (use {spec.low}-{spec.high} or {names})", column
        )
    return AwsExpressionError(f"{spec.name} takes numbers {spec.low}-{spec.high}, not {text!r}", column)


def _check_range(spec: _FieldSpec, value: int, column: int) -> None:
    if not spec.low <= value <= spec.high:
        raise AwsExpressionError(f"value {value} out of range {spec.low}-{spec.high} in {spec.name}", column)


# --------------------------------------------------------------------------- rate and at

_RATE_UNITS = ("minute", "hour", "day")


def _parse_rate(text: str, inner: str, offset: int) -> RateExpression:
    tokens = [(m.group(), offset + m.start() + 1) for m in re.finditer(r"\S+", inner)]
    if len(tokens) != 2:
        column = tokens[2][1] if len(tokens) > 2 else offset + len(inner) + 1
        raise AwsExpressionError(
            f"rate() takes a value and a unit (rate(5 minutes)), found {len(tokens)}", column
        )
    (value_text, value_column), (unit, unit_column) = tokens
    if not _is_number(value_text) or int(value_text) == 0:
        raise AwsExpressionError(f"rate value must be a whole number >= 1, not {value_text!r}", value_column)
    value = int(value_text)
    singular = unit.removesuffix("s")
    if singular not in _RATE_UNITS:
        raise AwsExpressionError(
            f"unknown rate unit {unit!r} (minute, minutes, hour, hours, day, days)", unit_column
        )
    if value == 1 and unit != singular:
        raise AwsExpressionError(f"use the singular '{singular}' when the value is 1", unit_column)
    if value != 1 and unit == singular:
        raise AwsExpressionError(f"use the plural '{singular}s' when the value is not 1", unit_column)
    return RateExpression(text=text, value=value, unit=singular)


_AT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})")


def _parse_at(text: str, inner: str, offset: int) -> AtExpression:
    match = _AT.fullmatch(inner)
    if match is None:
        raise AwsExpressionError(f"at() takes yyyy-mm-ddThh:mm:ss, not {inner!r}", offset + 1)
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        when = dt.datetime(year, month, day, hour, minute, second)
    except ValueError as err:
        raise AwsExpressionError(f"no such date and time {inner!r} ({err})", offset + 1) from None
    return AtExpression(text=text, when=when)


_PARSERS: tuple[tuple[str, Callable[[str, str, int], Expression]], ...] = (
    ("cron", _parse_cron),
    ("rate", _parse_rate),
    ("at", _parse_at),
)


# --------------------------------------------------------------------------- evaluation


def fire_times(
    expr: Expression | str,
    start: dt.datetime,
    end: dt.datetime,
    tz: dt.tzinfo,
    *,
    anchor: dt.datetime | None = None,
) -> list[dt.datetime]:
    """Fire times t with start <= t < end, ascending, as aware datetimes in `tz`.

    `tz` is the Scheduler's ScheduleExpressionTimezone (UTC for EventBridge rules). `anchor` is
    when a rate() schedule starts counting (default: `start`); cron and at ignore it.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    parsed = parse(expr) if isinstance(expr, str) else expr
    if isinstance(parsed, CronExpression):
        return _cron_fire_times(parsed, start.astimezone(UTC), end.astimezone(UTC), tz)
    if isinstance(parsed, RateExpression):
        return _rate_fire_times(parsed, start, end, tz, anchor or start)
    return _at_fire_times(parsed, start, end, tz)


def next_fire_times(
    expr: Expression | str,
    after: dt.datetime,
    count: int,
    tz: dt.tzinfo,
    *,
    anchor: dt.datetime | None = None,
) -> list[dt.datetime]:
    """The first `count` fire times at or after `after` (fewer if the expression stops firing)."""
    parsed = parse(expr) if isinstance(expr, str) else expr
    if isinstance(parsed, RateExpression):
        # Every interval-long window from the first fire on holds exactly one fire time.
        end = max(after, anchor or after) + parsed.interval * count
        return fire_times(parsed, after, end, tz, anchor=anchor)
    if isinstance(parsed, AtExpression):
        return fire_times(parsed, after, _END_OF_TIME, tz)[:count]
    found: list[dt.datetime] = []
    for window_start, window_end in _growing_windows(after, max(parsed.years)):
        found.extend(_cron_fire_times(parsed, window_start, window_end, tz))
        if len(found) >= count:
            break
    return found[:count]


_END_OF_TIME = dt.datetime(9999, 12, 31, tzinfo=UTC)


def _growing_windows(after: dt.datetime, last_year: int) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Consecutive UTC windows from `after`: a day, a week, a month, then a year at a time, so an
    every-minute expression stops early and a yearly one does not crawl."""
    start = after.astimezone(UTC)
    for size in (dt.timedelta(days=1), dt.timedelta(days=7), dt.timedelta(days=31)):
        yield start, start + size
        start += size
    while start.year <= last_year + 1:  # one more year: local times may lag UTC into it
        end = start + dt.timedelta(days=366)
        yield start, end
        start = end


def _cron_fire_times(
    cron: CronExpression, start_utc: dt.datetime, end_utc: dt.datetime, tz: dt.tzinfo
) -> list[dt.datetime]:
    if start_utc >= end_utc:
        return []
    first, last = start_utc.astimezone(tz).date(), end_utc.astimezone(tz).date()
    out: list[dt.datetime] = []
    for year, month in _months(cron, first, last):
        base, shape, shifted = _month_info(tz, year, month)
        days = cron._days_of_shape(*shape)
        if (year, month) == (first.year, first.month):
            days = tuple(d for d in days if d >= first.day)
        if (year, month) == (last.year, last.month):
            days = tuple(d for d in days if d <= last.day)
        if not days:
            continue
        if not shifted:
            # Aware + timedelta is wall-clock arithmetic: each result is that wall time in tz, and
            # one C-level addition per fire time is the cheapest way to build them.
            out.extend([base + offset for offset in cron._offsets_of_days(days)])
        else:
            _shifted_month(cron, base, days, shifted, tz, out)
    # Only the first and last days can hold times outside the window, and the list is in time
    # order; comparing with UTC bounds compares instants, whatever the fold.
    low = bisect.bisect_left(out, start_utc)
    high = bisect.bisect_left(out, end_utc, lo=low)
    return out[low:high]


def _months(cron: CronExpression, first: dt.date, last: dt.date) -> Iterator[tuple[int, int]]:
    """(year, month) pairs from first's month to last's that the year and month fields select."""
    for year in range(first.year, last.year + 1):
        if year in cron._year_set:
            for month in cron.months:
                if (first.year, first.month) <= (year, month) <= (last.year, last.month):
                    yield year, month


@functools.lru_cache(maxsize=16384)
def _month_info(tz: dt.tzinfo, year: int, month: int) -> tuple[dt.datetime, tuple[int, int], frozenset[int]]:
    """A month's first midnight in tz, its shape, and its days with a clock change; shared by all
    expressions evaluated in that zone."""
    shifted = _clock_change_days(tz, year).get(month, frozenset())
    return dt.datetime(year, month, 1, tzinfo=tz), _month_shape(year, month), shifted


def _shifted_month(
    cron: CronExpression,
    base: dt.datetime,
    days: tuple[int, ...],
    shifted: frozenset[int],
    tz: dt.tzinfo,
    out: list[dt.datetime],
) -> None:
    for day in days:
        if day in shifted:
            out.extend(_clock_change_day(cron, base.year, base.month, day, tz))
        else:
            out.extend([base + offset for offset in cron._offsets_of_days((day,))])


def _clock_change_day(
    cron: CronExpression, year: int, month: int, day: int, tz: dt.tzinfo
) -> list[dt.datetime]:
    """Scheduler on a DST change day: a wall time in the gap is skipped, a repeated one runs once,
    at its first occurrence (fold=0)."""
    times = []
    for hour, minute in cron.times:
        when = dt.datetime(year, month, day, hour, minute, tzinfo=tz)
        if _exists(when):
            times.append(when)
    return sorted(times, key=lambda t: t.astimezone(UTC))


def _exists(when: dt.datetime) -> bool:
    """False for a wall time skipped by a spring-forward change."""
    return when.astimezone(UTC).astimezone(when.tzinfo).replace(tzinfo=None) == when.replace(tzinfo=None)


@functools.lru_cache(maxsize=1024)
def _clock_change_days(tz: dt.tzinfo, year: int) -> dict[int, frozenset[int]]:
    """Per month, the days of `year` on which the UTC offset changes before the next midnight.
    Cached per zone and year: thousands of expressions are evaluated over the same years."""
    changes: dict[int, set[int]] = {}
    day = dt.datetime(year, 1, 1)
    offset = day.replace(tzinfo=tz).utcoffset()
    while day.year == year:
        following = day + dt.timedelta(days=1)
        next_offset = following.replace(tzinfo=tz).utcoffset()
        if next_offset != offset:
            changes.setdefault(day.month, set()).add(day.day)
        day, offset = following, next_offset
    return {month: frozenset(days) for month, days in changes.items()}


def _rate_fire_times(
    rate: RateExpression, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo, anchor: dt.datetime
) -> list[dt.datetime]:
    """anchor + k * interval (k >= 0) in [start, end): fixed durations, blind to wall clocks."""
    interval = rate.interval
    origin = anchor.astimezone(UTC)
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    k = max(0, -((origin - start_utc) // interval))  # ceiling of (start - origin) / interval
    out: list[dt.datetime] = []
    when = origin + k * interval
    while when < end_utc:
        out.append(when.astimezone(tz))
        when += interval
    return out


def _at_fire_times(
    at: AtExpression, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo
) -> list[dt.datetime]:
    when = at.when.replace(tzinfo=tz)
    if not _exists(when):
        return []
    return [when] if start <= when < end else []


def at_exists(at: AtExpression, tz: dt.tzinfo) -> bool:
    """Whether the at() wall time exists in the zone (it does not inside a DST gap)."""
    return _exists(at.when.replace(tzinfo=tz))


def wall_time_problems(cron: CronExpression, tz: dt.tzinfo, first: dt.date, last: dt.date) -> list[str]:
    """Fire times between two dates (inclusive) that a DST change skips or would repeat, in words."""
    problems: list[str] = []
    for year in range(first.year, last.year + 1):
        for month, days in sorted(_clock_change_days(tz, year).items()):
            for day in sorted(days):
                date = dt.date(year, month, day)
                if first <= date <= last and cron.matches_day(date):
                    problems.extend(_day_problems(cron, date, tz))
    return problems


def _day_problems(cron: CronExpression, date: dt.date, tz: dt.tzinfo) -> list[str]:
    skipped, repeated = [], []
    for hour, minute in cron.times:
        wall = dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=tz)
        if not _exists(wall):
            skipped.append(f"{hour:02d}:{minute:02d}")
        elif wall.utcoffset() != wall.replace(fold=1).utcoffset():
            repeated.append(f"{hour:02d}:{minute:02d}")
    problems = []
    if skipped:
        problems.append(
            f"{date}: {_clock_list(skipped)} does not exist (clocks go forward); Scheduler skips it"
        )
    if repeated:
        problems.append(
            f"{date}: {_clock_list(repeated)} happens twice (clocks go back); Scheduler runs it once"
        )
    return problems


def _clock_list(times: list[str]) -> str:
    return times[0] if len(times) == 1 else f"{times[0]}..{times[-1]} ({len(times)} times)"
