"""Extended calendars: date-condition keywords evaluated into a plain set of dates.

AutoSys itself materialises an extended calendar into dates when it is saved, so turning it into
an IR date list loses nothing the scheduler used, as long as the range covers the horizon
(`autocal.expansion_years` documents the range).

Evaluation, in the order AutoSys documents it (Define Extended Calendars, Date Condition Keywords):
 1. Candidates: each `condition:` rule (lines, or comma-separated) is a boolean expression over
    keywords; `&`/AND, `|`/OR, `{}` or `()` grouping, NOT before a keyword, read from left to
    right. Rules whose every keyword is an exclusion (`X...` forms, NOT) remove days from the
    union of the other rules; with no including rule the calendar starts from every day (DAILY).
 2. Holidays (dates of the `holcal` standard calendar) and non-workdays (weekdays outside
    `workday`, and holidays too when no holiday action is given) are then handled by their action
    code: S keeps the date; O keeps only dates of that category (a filter); N moves a holiday to
    the next calendar day (once, unchecked) and a non-workday to the next workday; W and P move
    to the next / previous workday that is not a holiday.
 3. `adjust: +n|-n` shifts every resulting date by n calendar days, without re-checking.

Readings chosen where the text leaves room ([verify], finding AS1901 on every expanded calendar):
the O filter reading above; workday-counting keywords (WORKDAYS, WORKD#n, FOMWORK, EOMWORK,
CWRK) count workdays without the holidays of `holcal`, as the WORKDAYS keyword is documented to;
weeks of WEEK#/WEEKD# begin on the weekday of January 1 (documented); cycle weeks (CWEEK) are
7-day chunks from each period's first day.

Not evaluated (the calendar is reported with AS1502 instead): the WEKRddd week-anchor forms, and
WORKDXnn and CWEK... whose vendor definitions contradict their siblings.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

ONE_DAY: Final = dt.timedelta(days=1)
DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTH_NAMES: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
ACTIONS: Final = frozenset({"o", "s", "n", "w", "p"})
_WALK_LIMIT: Final = 370  # a W/P walk that finds no workday within a year has nowhere to land


class KeywordError(Exception):
    """A keyword or expression this evaluator refuses, at `offset` in the rule text."""

    def __init__(self, offset: int, message: str, unsupported: bool = False) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.unsupported = unsupported  # a real keyword we do not evaluate (finding, not syntax)


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a keyword may depend on."""

    first: dt.date  # the universe: whole years
    last: dt.date
    workdays: frozenset[int]  # date.weekday() values
    holidays: frozenset[dt.date]
    periods: tuple[tuple[dt.date, dt.date], ...] = ()
    _days: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every keyword scans the universe; compute it once per calendar.
        span = (self.last - self.first).days + 1
        object.__setattr__(self, "_days", tuple(self.first + dt.timedelta(days=i) for i in range(span)))

    def days(self) -> tuple[dt.date, ...]:
        return self._days

    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class _Leaf:
    """The days a keyword names; an exclusion keyword (X..., NOT) stands for all other days."""

    days: frozenset[dt.date]
    exclusion: bool


@dataclass(frozen=True, slots=True)
class _Value:
    """An evaluated (sub)expression, and whether it is built from exclusions only."""

    days: frozenset[dt.date]
    exclusion_only: bool


_RULE_TOKEN: Final = re.compile(r"\s*(?:(?P<punct>[(){}&|])|(?P<word>[A-Za-z0-9#]+))")


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule's text and where it starts in its `condition:` value."""

    text: str
    offset: int


def split_rules(value: str) -> list[Rule]:
    """Comma-separated rules of one `condition:` value; commas inside parentheses do not split."""
    rules: list[Rule] = []
    depth = start = 0
    for i, char in enumerate(value + ","):
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif char == "," and depth <= 0:
            text = value[start:i]
            if text.strip():
                rules.append(Rule(text, start))
            start = i + 1
    return rules


def rule_days(rule: Rule, ctx: Context) -> tuple[frozenset[dt.date], bool]:
    """The days one rule names, and whether it only excludes days."""
    value = _RuleParser(rule, ctx).parse()
    return value.days, value.exclusion_only


def combine(results: Iterable[tuple[frozenset[dt.date], bool]], ctx: Context) -> set[dt.date]:
    """Candidates: union of the including rules (every day without one), minus exclusion rules."""
    universe = set(ctx.days())
    included: set[dt.date] | None = None
    for days, exclusion_only in results:
        if exclusion_only:
            universe &= days
        else:
            included = set(days) if included is None else included | days
    return universe if included is None else included & universe


class _RuleParser:
    """Flat left-to-right boolean expression, as AutoSys reads job conditions too."""

    def __init__(self, rule: Rule, ctx: Context) -> None:
        self.rule = rule
        self.ctx = ctx
        self.universe = frozenset(ctx.days())
        self.leaves: dict[str, _Leaf] = {}  # a keyword names the same days wherever it appears
        self.tokens = self._tokens(rule.text)
        self.index = 0

    def _tokens(self, text: str) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        at = 0
        while at < len(text):
            match = _RULE_TOKEN.match(text, at)
            if match is None:
                if not text[at:].strip():
                    break
                bad = at + len(text[at:]) - len(text[at:].lstrip())
                raise KeywordError(self.rule.offset + bad, f"unexpected character {text[bad]!r}")
            kind = match.lastgroup
            assert kind is not None
            out.append((match.group(kind), self.rule.offset + match.start(kind)))
            at = match.end()
        out.append(("", self.rule.offset + len(text.rstrip())))
        return out

    def parse(self) -> _Value:
        value = self._expression(0)
        text, offset = self.tokens[self.index]
        if text:
            raise KeywordError(offset, f"expected `&` or `|` before {text!r}")
        return value

    def _expression(self, depth: int) -> _Value:
        """Operands folded as they come: equal precedence, left to right, no deep trees."""
        value = self._operand(depth)
        while (op := self._operator()) is not None:
            right = self._operand(depth)
            days = value.days & right.days if op == "and" else value.days | right.days
            value = _Value(days, value.exclusion_only and right.exclusion_only)
        return value

    def _operator(self) -> Literal["and", "or"] | None:
        text = self.tokens[self.index][0].lower()
        if text in ("&", "and"):
            self.index += 1
            return "and"
        if text in ("|", "or"):
            self.index += 1
            return "or"
        return None

    def _operand(self, depth: int) -> _Value:
        text, offset = self.tokens[self.index]
        if depth > 50:
            raise KeywordError(offset, "grouping nested too deeply")
        self.index += 1
        if text in ("(", "{"):
            value = self._expression(depth + 1)
            closing, at = self.tokens[self.index]
            if closing not in (")", "}"):
                raise KeywordError(at, "expected `)` to close the group")
            self.index += 1
            return value
        if text.lower() == "not":
            inner = self._operand(depth + 1)
            return _Value(self.universe - inner.days, exclusion_only=True)
        if not text or not text[0].isalnum():
            raise KeywordError(offset, "expected a date condition keyword such as WORKDAYS or MON#1")
        leaf = self.leaves.get(text.lower())
        if leaf is None:
            leaf = self.leaves[text.lower()] = keyword(text, offset, self.ctx)
        return _Value(self.universe - leaf.days if leaf.exclusion else leaf.days, leaf.exclusion)


# --------------------------------------------------------------------------- keywords


def keyword(text: str, offset: int, ctx: Context) -> _Leaf:
    """The days one keyword names within the context's universe."""
    token = text.lower()
    if _CYCLE_TOKEN.match(token) and not ctx.periods:
        raise KeywordError(offset, f"cycle keyword {text!r} needs a cyccal", unsupported=True)
    simple = _SIMPLE.get(token)
    if simple is not None:
        return _Leaf(frozenset(simple(ctx)), exclusion=False)
    if token.startswith("x") and token[1:] in _SIMPLE and token[1:] in _X_PREFIXED:
        return _Leaf(frozenset(_SIMPLE[token[1:]](ctx)), exclusion=True)
    for pattern, build in _FAMILIES:
        match = pattern.fullmatch(token)
        if match is not None:
            return build(match, text, offset, ctx)
    if token.startswith("wekr") or token.startswith("workdx") or token.startswith("cwek"):
        raise KeywordError(offset, f"keyword {text!r} is not evaluated by this importer", unsupported=True)
    raise KeywordError(offset, f"unknown date condition keyword {text!r}")


def _months(ctx: Context) -> Iterator[list[dt.date]]:
    year, month = ctx.first.year, ctx.first.month
    while dt.date(year, month, 1) <= ctx.last:
        size = _cal.monthrange(year, month)[1]
        yield [dt.date(year, month, d) for d in range(1, size + 1)]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _periods(ctx: Context) -> Iterator[list[dt.date]]:
    for start, end in ctx.periods:
        yield [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _nth(days: list[dt.date], n: int, back: bool) -> dt.date | None:
    index = len(days) - n if back else n - 1
    return days[index] if 0 <= index < len(days) else None


def _pick(
    groups: Iterable[list[dt.date]], keep: Callable[[dt.date], bool], n: int, back: bool
) -> set[dt.date]:
    """The n-th kept day (from the end when `back`) of every group."""
    found: set[dt.date] = set()
    for group in groups:
        day = _nth([d for d in group if keep(d)], n, back)
        if day is not None:
            found.add(day)
    return found


def _all(_: dt.date) -> bool:
    return True


def _is_weekday(day: dt.date) -> bool:
    return day.weekday() < 5


def _every_weekday(index: int) -> Callable[[Context], Iterable[dt.date]]:
    return lambda c: [d for d in c.days() if d.weekday() == index]


def _every_day_of_month(month: int) -> Callable[[Context], Iterable[dt.date]]:
    return lambda c: [d for d in c.days() if d.month == month]


_SIMPLE: Final[dict[str, Callable[[Context], Iterable[dt.date]]]] = {
    "daily": lambda c: c.days(),
    "workdays": lambda c: [d for d in c.days() if c.is_workday(d)],
    "weekdays": lambda c: [d for d in c.days() if d.weekday() < 5 and d not in c.holidays],
    "fom": lambda c: [d for d in c.days() if d.day == 1],
    "eom": lambda c: [d for d in c.days() if (d + ONE_DAY).day == 1],
    "fomwork": lambda c: _pick(_months(c), c.is_workday, 1, back=False),
    "eomwork": lambda c: _pick(_months(c), c.is_workday, 1, back=True),
    "fomweek": lambda c: _pick(_months(c), _is_weekday, 1, back=False),
    "eomweek": lambda c: _pick(_months(c), _is_weekday, 1, back=True),
    "cycle": lambda c: [d for group in _periods(c) for d in group],
    **{name: _every_weekday(i) for i, name in enumerate(DAY_NAMES)},
    **{name: _every_day_of_month(m) for m, name in enumerate(MONTH_NAMES, start=1)},
}
_X_PREFIXED: Final = frozenset({"fom", "eom", "fomwork", "eomwork", "fomweek", "eomweek"})


def _ordinal(match: re.Match[str], text: str, offset: int, high: int) -> tuple[int, bool, bool]:
    """(n, from the end, exclusion) of a `#n`, `#L`, `Mn` or `Xn` suffix, checked against 1..high."""
    marker, count = match.group("marker"), match.group("count")
    if count == "l":
        return 1, True, marker == "x"
    n = int(count)
    if not 1 <= n <= high:
        raise KeywordError(offset + match.start("count"), f"{text}: the number must be 1 to {high}")
    return n, marker == "m", marker == "x"


_Builder = Callable[[re.Match[str], str, int, Context], _Leaf]


def _in_groups(
    groups: Callable[[Context], Iterable[list[dt.date]]],
    keep: Callable[[Context], Callable[[dt.date], bool]],
    high: int,
) -> _Builder:
    """A family counting the n-th kept day within each month or each cycle period."""

    def build(match: re.Match[str], text: str, offset: int, ctx: Context) -> _Leaf:
        n, back, exclusion = _ordinal(match, text, offset, high)
        prefix = bool(match.groupdict().get("x"))
        return _Leaf(frozenset(_pick(groups(ctx), keep(ctx), n, back)), exclusion or prefix)

    return build


def _weekday_is(name: str) -> Callable[[Context], Callable[[dt.date], bool]]:
    index = DAY_NAMES.index(name)
    return lambda _ctx: lambda d: d.weekday() == index


def _named_day(match: re.Match[str], text: str, offset: int, ctx: Context) -> _Leaf:
    return _in_groups(_months, _weekday_is(match.group("name")), 5)(match, text, offset, ctx)


def _cycle_day(match: re.Match[str], text: str, offset: int, ctx: Context) -> _Leaf:
    return _in_groups(_periods, _weekday_is(match.group("name")), 53)(match, text, offset, ctx)


def _month_day(match: re.Match[str], text: str, offset: int, ctx: Context) -> _Leaf:
    month = MONTH_NAMES.index(match.group("name")) + 1

    def months(c: Context) -> Iterator[list[dt.date]]:
        return (g for g in _months(c) if g[0].month == month)

    return _in_groups(months, lambda _c: _all, 31)(match, text, offset, ctx)


def _week_of_year(day: dt.date) -> tuple[int, int]:
    """(week, weeks in the year); weeks begin on the weekday of January 1."""
    jan1 = dt.date(day.year, 1, 1)
    return (day - jan1).days // 7 + 1, (dt.date(day.year, 12, 31) - jan1).days // 7 + 1


def _week_chunk(day: dt.date, ctx: Context) -> tuple[int, int] | None:
    """(week, weeks in the period) of a cycle day: 7-day chunks from the period's first day."""
    for start, end in ctx.periods:
        if start <= day <= end:
            return (day - start).days // 7 + 1, (end - start).days // 7 + 1
    return None


def _weeks(numbering: Callable[[dt.date, Context], tuple[int, int] | None], high: int) -> _Builder:
    def build(match: re.Match[str], text: str, offset: int, ctx: Context) -> _Leaf:
        count, marker = match.group("count"), match.group("marker")
        if count in ("e", "o"):
            want = 0 if count == "e" else 1

            def keep(d: dt.date) -> bool:
                found = numbering(d, ctx)
                return found is not None and found[0] % 2 == want

            return _Leaf(frozenset(d for d in ctx.days() if keep(d)), exclusion=False)
        n, back, exclusion = _ordinal(match, text, offset, high)
        days = set()
        for d in ctx.days():
            found = numbering(d, ctx)
            if found is not None and found[0] == (found[1] - n + 1 if back else n):
                days.add(d)
        return _Leaf(frozenset(days), exclusion or marker == "x")

    return build


def _day_of_week(match: re.Match[str], text: str, offset: int, ctx: Context) -> _Leaf:
    n, back, exclusion = _ordinal(match, text, offset, 7)
    position = 7 - n if back else n - 1
    jan1_weekday = {year: dt.date(year, 1, 1).weekday() for year in range(ctx.first.year, ctx.last.year + 1)}
    days = frozenset(d for d in ctx.days() if (d.weekday() - jan1_weekday[d.year]) % 7 == position)
    return _Leaf(days, exclusion)


def _cycle_period(match: re.Match[str], text: str, offset: int, ctx: Context) -> _Leaf:
    n, _back, _exclusion = _ordinal(match, text, offset, 30)
    if n > len(ctx.periods):
        return _Leaf(frozenset(), exclusion=False)
    start, end = ctx.periods[n - 1]
    return _Leaf(frozenset(start + dt.timedelta(days=i) for i in range((end - start).days + 1)), False)


_DAYS_RE: Final = "|".join(DAY_NAMES)
_MONTHS_RE: Final = "|".join(MONTH_NAMES)
_CYCLE_TOKEN: Final = re.compile(rf"x?c(?:ycle$|ycl|ycp|wrk|week|{_DAYS_RE})")
_FAMILIES: Final[list[tuple[re.Pattern[str], _Builder]]] = [
    (
        re.compile(r"workd(?P<marker>[#m])(?P<count>\d+|l)"),
        _in_groups(_months, lambda c: c.is_workday, 31),
    ),
    (re.compile(rf"(?P<x>x?)(?P<name>{_DAYS_RE})(?P<marker>[#m])(?P<count>\d+|l)"), _named_day),
    (re.compile(r"weekd(?P<marker>[#mx])(?P<count>\d+)"), _day_of_week),
    (re.compile(r"week(?P<marker>[#mx])(?P<count>\d+|e|o)"), _weeks(lambda d, _c: _week_of_year(d), 53)),
    (
        re.compile(r"mnthd(?P<marker>[#mx])(?P<count>\d+|l)"),
        _in_groups(_months, lambda _c: _all, 31),
    ),
    (re.compile(rf"(?P<x>x?)(?P<name>{_MONTHS_RE})(?P<marker>[#m])(?P<count>\d+|l)"), _month_day),
    (re.compile(r"cycl(?P<marker>[#mx])(?P<count>\d+|l)"), _in_groups(_periods, lambda _c: _all, 365)),
    (re.compile(r"cycp(?P<marker>#)(?P<count>\d+)"), _cycle_period),
    (re.compile(r"cwrk(?P<marker>[#mx])(?P<count>\d+|l)"), _in_groups(_periods, lambda c: c.is_workday, 365)),
    (re.compile(r"cweek(?P<marker>[#mx])(?P<count>\d+|e|o|l)"), _weeks(_week_chunk, 53)),
    (re.compile(rf"(?P<x>x?)c(?P<name>{_DAYS_RE})(?P<marker>[#m])(?P<count>\d+|l)"), _cycle_day),
]


# --------------------------------------------------------------------------- actions and adjust


@dataclass(frozen=True, slots=True)
class Actions:
    non_workday: str | None  # lower-case action code, None when not given
    holiday: str | None
    adjust: int = 0


def dispose(candidates: Iterable[dt.date], actions: Actions, ctx: Context) -> set[dt.date]:
    """Apply the holiday and non-workday actions, then `adjust`."""
    out: set[dt.date] = set()
    for day in sorted(candidates):
        kept = _disposed(day, actions, ctx)
        if kept is not None:
            out.add(kept + dt.timedelta(days=actions.adjust))
    return out


def _disposed(day: dt.date, actions: Actions, ctx: Context) -> dt.date | None:
    if actions.holiday is not None and day in ctx.holidays:
        return _replace(day, actions.holiday, ctx, holiday=True)
    if actions.holiday == "o":
        return None  # holiday O keeps holidays only
    non_workday = not ctx.is_workday(day)
    if actions.non_workday == "o":
        return day if non_workday else None
    if non_workday and actions.non_workday is not None:
        return _replace(day, actions.non_workday, ctx, holiday=False)
    return day


def _replace(day: dt.date, code: str, ctx: Context, holiday: bool) -> dt.date:
    if code in ("o", "s"):
        return day
    if code == "n" and holiday:
        return day + ONE_DAY  # documented as one calendar day, even onto another holiday
    step = -ONE_DAY if code == "p" else ONE_DAY
    probe = day
    for _ in range(_WALK_LIMIT):
        probe += step
        if ctx.is_workday(probe):
            return probe
    raise KeywordError(0, f"action {code.upper()} finds no workday within a year", unsupported=True)
