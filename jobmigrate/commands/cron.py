"""`jobmigrate cron EXPRESSION`: review one EventBridge expression or Unix cron line.

It says whether AWS accepts the expression, what it means in words, when it fires next (in the
zone and in UTC) and what a reviewer should know: DST gaps and repeats, UTC rules that land on
another local day, rates that drift against the wall clock, days that some months lack.

An invalid expression is an input error reported as `<expression>:1:COL: message` (exit 2): the
project's FILE:LINE:COL form with the literal `<expression>` for the file, since the input is the
argument itself, and COL the 1-based column in the argument as typed.

Input that does not start with `name(` is read as a Unix cron line (5 fields or an @-special) and
converted to the equivalent EventBridge expressions, which are then reviewed like any other.
Vixie cron matches a day when the day of month OR the weekday matches (both fields restricted);
EventBridge needs one expression for each, and says so in a warning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.markup import escape
from rich.table import Table

from calendars import awscron, unixcron
from calendars.awscron import (
    AtExpression,
    AwsExpressionError,
    CronExpression,
    DayKind,
    Expression,
    RateExpression,
)
from calendars.compile import AWS_DOW, compress
from jobmigrate.describe import Language, describe
from jobmigrate.errors import InputError, UsageError

from .common import check_timezone, out_console, reports_input_errors

ARGUMENT = "<expression>"  # stands for the file name in FILE:LINE:COL error lines
_AWS_FORM = re.compile(r"\s*\w+\(")
_REVIEW_DAYS = 366  # how far ahead DST changes and local days are examined


@dataclass
class Review:
    """Everything the command reports about one input."""

    expression: str
    timezone: str
    utc_rule: bool
    aws_expressions: list[str]
    unix: bool = False
    description: str = ""
    description_ja: str = ""
    next: list[dt.datetime] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def clock(self) -> dt.tzinfo:
        """The zone the expressions are evaluated in: UTC for a rule, else the schedule's zone."""
        return dt.UTC if self.utc_rule else ZoneInfo(self.timezone)


@click.command("cron")
@click.argument("expression")
@click.option(
    "--tz",
    "timezone",
    default="Asia/Tokyo",
    show_default=True,
    help="IANA zone of the schedule (ScheduleExpressionTimezone); with --utc, where local times are shown.",
)
@click.option(
    "--utc", "utc_rule", is_flag=True, help="The expression is an EventBridge rule, evaluated in UTC."
)
@click.option(
    "--next", "count", type=click.IntRange(0, 1000), default=5, show_default=True, help="Fire times shown."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--from-time", default=None, hidden=True, help="Count fire times from this ISO time, not now.")
@reports_input_errors
def cron(expression: str, timezone: str, utc_rule: bool, count: int, fmt: str, from_time: str | None) -> None:
    """Review one EventBridge expression (cron(), rate(), at()) or a Unix cron line."""
    check_timezone(timezone)
    zone = ZoneInfo(timezone)
    now = _start_time(from_time, zone)
    review = review_expression(expression, zone, utc_rule, count, now)
    if fmt == "json":
        click.echo(json.dumps(_as_json(review, zone), ensure_ascii=False, indent=2))
    else:
        _print_text(review, zone)
    if not review.aws_expressions:
        sys.exit(1)  # a valid Unix line EventBridge cannot state: a finding, not bad input


def review_expression(text: str, zone: ZoneInfo, utc_rule: bool, count: int, now: dt.datetime) -> Review:
    """Parse, convert (Unix lines), describe, evaluate and warn; raise InputError when invalid."""
    review = Review(expression=text, timezone=zone.key, utc_rule=utc_rule, aws_expressions=[])
    if _AWS_FORM.match(text):
        parsed = [_parse_aws(text, utc_rule)]
        review.aws_expressions = [text.strip()]
    else:
        review.unix = True
        review.aws_expressions, review.warnings = _from_unix(text)
        parsed = [awscron.parse(e) for e in review.aws_expressions]
    if not parsed:
        return review
    review.description = _description(parsed, "UTC" if utc_rule else zone.key)
    review.description_ja = _description(parsed, "UTC" if utc_rule else zone.key, "ja")
    review.next = _merged_next(parsed, now, count, review.clock)
    found = [w for expr in parsed for w in _warnings(expr, review, zone, now)]
    review.warnings += list(dict.fromkeys(found))  # two expressions from one Unix line say things twice
    return review


def _description(parsed: list[Expression], clock: str, lang: Language = "en") -> str:
    """One sentence; the two expressions of a Unix OR line read as alternatives."""
    first, *others = [describe(p, lang=lang) for p in parsed]
    if lang == "ja":
        return "".join([first, *(f"、または {text}" for text in others), f"（{clock} 時刻）"])
    alternatives = "".join(f"; or {text[0].lower()}{text[1:]}" for text in others)
    return f"{first}{alternatives} ({clock} time)"


def _start_time(text: str | None, zone: ZoneInfo) -> dt.datetime:
    if text is None:
        # The next whole minute: EventBridge fires on minutes, and one already begun is not "next".
        now = dt.datetime.now(dt.UTC)
        return now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--from-time takes an ISO date and time, not {text!r}") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=zone)


def _parse_aws(text: str, utc_rule: bool) -> Expression:
    try:
        parsed = awscron.parse(text)
    except AwsExpressionError as err:
        raise InputError(ARGUMENT, 1, err.column, err.message) from None
    if utc_rule and isinstance(parsed, AtExpression):
        column = len(text) - len(text.lstrip()) + 1
        raise InputError(
            ARGUMENT, 1, column, "at() exists only in EventBridge Scheduler, not in EventBridge rules"
        )
    return parsed


def _merged_next(
    parsed: list[Expression], now: dt.datetime, count: int, clock: dt.tzinfo
) -> list[dt.datetime]:
    """The next fire times of all the expressions together, each instant once."""
    instants: dict[dt.datetime, dt.datetime] = {}
    for expr in parsed:
        for when in awscron.next_fire_times(expr, now, count, clock, anchor=now):
            instants.setdefault(when.astimezone(dt.UTC), when)
    return [instants[i] for i in sorted(instants)][:count]


# --------------------------------------------------------------------------- Unix cron lines


def _from_unix(text: str) -> tuple[list[str], list[str]]:
    """EventBridge expressions firing when the Unix line does, and what the reviewer must know."""
    if len(text.split()) == len(awscron.FIELDS) and "?" in text:
        column = len(text) - len(text.lstrip()) + 1
        raise InputError(
            ARGUMENT,
            1,
            column,
            f"six fields look like an EventBridge cron without cron(...): write cron({text.strip()})",
        )
    try:
        line = unixcron.parse(text)
    except unixcron.CronSyntaxError as err:
        raise InputError(ARGUMENT, 1, err.offset + 1, err.message) from None
    return _unix_to_aws(line)


def _unix_to_aws(line: unixcron.CronExpr) -> tuple[list[str], list[str]]:
    minutes, hours = compress(line.minute, 0, 59), compress(line.hour, 0, 23)
    months = compress(line.month, 1, 12)
    dom = compress(line.dom, 1, 31)
    dow = compress([d + 1 for d in line.dow], 1, 7, AWS_DOW)  # AWS numbers weekdays 1 = Sunday

    def expr(day_of_month: str, day_of_week: str) -> str:
        return f"cron({minutes} {hours} {day_of_month} {months} {day_of_week} *)"

    if line.dom_or_dow:
        if "*" in (dom, dow):
            return [expr("*", "?")], []  # one of the two alternatives matches every day
        return [expr(dom, "?"), expr("?", dow)], [
            f"'{line.expression}' runs when the day of month OR the weekday matches; EventBridge needs one "
            "schedule for each, and on days matching both the two would start two executions"
        ]
    # Vixie: a day field starting with '*' leaves the other in charge, but its values still count.
    if dow == "*":
        return [expr(dom, "?")], []
    if dom == "*":
        return [expr("?", dow)], []
    return [], [
        f"'{line.expression}' runs on days matching day of month {dom} AND weekday {dow}; an EventBridge "
        "cron selects days by one of the two only, so no exact expression exists"
    ]


# --------------------------------------------------------------------------- warnings


def _warnings(expr: Expression, review: Review, zone: ZoneInfo, now: dt.datetime) -> list[str]:
    found = _never_fires(expr, review, now)
    if isinstance(expr, CronExpression):
        found += _cron_warnings(expr, review, zone, now)
    elif isinstance(expr, RateExpression):
        found += _rate_warnings(expr, zone, now)
    else:
        found += _at_warnings(expr, zone, now)
    return found


def _never_fires(expr: Expression, review: Review, now: dt.datetime) -> list[str]:
    if isinstance(expr, AtExpression) or awscron.next_fire_times(expr, now, 1, review.clock):
        return []  # a past at() gets its own words
    return [f"{expr.text.strip()} never fires after {now:%Y-%m-%d %H:%M %Z}"]


def _cron_warnings(cron: CronExpression, review: Review, zone: ZoneInfo, now: dt.datetime) -> list[str]:
    found = _day_field_warnings(cron) + _frequency_warnings(cron)
    if review.utc_rule:
        found += _utc_rule_warnings(review, zone, now)
    else:
        found += _dst_warnings(cron, zone, now, review.unix)
    return found


def _day_field_warnings(cron: CronExpression) -> list[str]:
    rule, found = cron.day_rule, []
    if cron.fields[4].upper() == "L":
        found.append(
            "L alone in day-of-week means Saturday (the last day of the week), not the last day of the month "
            "(that is L in day-of-month)"
        )
    days = sorted(rule.values) if rule.kind == DayKind.MONTH_DAYS else [rule.nth]
    if rule.kind in (DayKind.MONTH_DAYS, DayKind.NEAREST_WEEKDAY) and days and days[-1] > 28:
        short = [_month_name(m) for m in cron.months if _longest(m) < days[-1]]
        if short:
            found.append(
                f"day {days[-1]} does not exist in {', '.join(short)}: no run on it in those months "
                "(L in day-of-month is the last day)"
            )
    if rule.kind == DayKind.NTH_WEEK_DAY and rule.nth == 5:
        found.append("a fifth weekday exists in only some months: no run in the others")
    return found


def _frequency_warnings(cron: CronExpression) -> list[str]:
    if len(cron.minutes) < 60:
        return []
    # One minute is EventBridge's finest precision, so nothing can fire more often than this.
    return [
        "fires every minute (the most often EventBridge can): each fire starts an execution, and a run "
        "longer than a minute overlaps the next one"
    ]


def _utc_rule_warnings(review: Review, zone: ZoneInfo, now: dt.datetime) -> list[str]:
    """An EventBridge rule runs in UTC: its local day and time of day may not be the intended ones."""
    found = []
    other_day = [t for t in review.next if t.astimezone(zone).date() != t.astimezone(dt.UTC).date()]
    if other_day and zone.key != "UTC":
        t = other_day[0]
        found.append(
            f"as an EventBridge rule this runs in UTC: {len(other_day)} of the next {len(review.next)} fire "
            f"times fall on another day in {zone.key} (e.g. {t.astimezone(dt.UTC):%a %Y-%m-%d %H:%M} UTC is "
            f"{t.astimezone(zone):%a %Y-%m-%d %H:%M} local)"
        )
    offsets = _offsets_ahead(zone, now)
    if len(offsets) > 1:
        found.append(
            f"{zone.key} changes its UTC offset ({', '.join(_offset_text(o) for o in offsets)}) in the next "
            "year: a rule in UTC fires an hour earlier or later in local time for part of the year"
        )
    return found


def _dst_warnings(cron: CronExpression, zone: ZoneInfo, now: dt.datetime, unix: bool) -> list[str]:
    first = now.astimezone(zone).date()
    problems = awscron.wall_time_problems(cron, zone, first, first + dt.timedelta(days=_REVIEW_DAYS))
    if not problems:
        return []
    vixie = " (Vixie cron ran a skipped fixed-time entry right after the change)" if unix else ""
    return [f"daylight saving time in {zone.key}: {p}{vixie if 'skips' in p else ''}" for p in problems]


def _rate_warnings(rate: RateExpression, zone: ZoneInfo, now: dt.datetime) -> list[str]:
    found = [
        f"{rate.text.strip()} counts from the schedule's start (its StartDate, or when it is created); the "
        f"times shown assume it starts at {now.astimezone(zone):%Y-%m-%d %H:%M %Z}"
    ]
    if rate.interval == dt.timedelta(minutes=1):
        found.append(
            "fires every minute (the most often EventBridge can): a run over a minute overlaps the next"
        )
    offsets = _offsets_ahead(zone, now)
    if rate.interval % dt.timedelta(days=1) == dt.timedelta(0) and len(offsets) > 1:
        found.append(
            f"{rate.text.strip()} counts 24-hour days: the local time of day moves by an hour when "
            f"{zone.key} changes clocks; use cron(...) in Scheduler for a fixed local time"
        )
    return found


def _at_warnings(at: AtExpression, zone: ZoneInfo, now: dt.datetime) -> list[str]:
    when = at.when.replace(tzinfo=zone)
    shown = f"{at.when:%Y-%m-%d %H:%M:%S}"
    if not awscron.at_exists(at, zone):
        return [
            f"{shown} does not exist in {zone.key} (clocks go forward); "
            "AWS does not document what Scheduler does then"
        ]
    if when < now:
        return [f"{shown} in {zone.key} is before {now.astimezone(zone):%Y-%m-%d %H:%M}: it never fires"]
    if when.utcoffset() != when.replace(fold=1).utcoffset():
        return [f"{shown} happens twice in {zone.key} (clocks go back); it runs once, the first time"]
    return []


def _offsets_ahead(zone: ZoneInfo, now: dt.datetime) -> list[dt.timedelta]:
    """The zone's distinct UTC offsets over the coming year, in order of appearance."""
    start = now.astimezone(dt.UTC)
    seen: list[dt.timedelta] = []
    for day in range(0, _REVIEW_DAYS, 7):
        offset = (start + dt.timedelta(days=day)).astimezone(zone).utcoffset()
        if offset is not None and offset not in seen:
            seen.append(offset)
    return seen


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _longest(month: int) -> int:
    return calendar.monthrange(2000, month)[1]  # a leap year: February has its 29th sometimes


def _month_name(month: int) -> str:
    return dt.date(2001, month, 1).strftime("%b")


# --------------------------------------------------------------------------- output


def _as_json(review: Review, zone: ZoneInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "expression": review.expression,
        "valid": True,
        "description": review.description,
        "description_ja": review.description_ja,
        "timezone": zone.key,
        "next": [
            {
                "local": t.astimezone(zone).isoformat(),
                "utc": t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            for t in review.next
        ],
        "warnings": review.warnings,
    }
    if review.unix:
        out["aws_expressions"] = review.aws_expressions
    return out


def _print_text(review: Review, zone: ZoneInfo) -> None:
    console = out_console
    kind = (
        "EventBridge rule, evaluated in UTC" if review.utc_rule else f"EventBridge Scheduler, in {zone.key}"
    )
    console.print(f"[bold]{escape(review.expression.strip())}[/]")
    if review.unix:
        console.print(
            f"  Unix cron line; as EventBridge: {escape(', '.join(review.aws_expressions) or 'none')}"
        )
    if review.aws_expressions:
        console.print(f"  valid ({kind})")
        console.print(f"  {escape(review.description)}")
        console.print(f"  {escape(review.description_ja)}")
    if review.next:
        console.print(_next_table(review.next, zone))
    for warning in review.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


def _next_table(times: list[dt.datetime], zone: ZoneInfo) -> Table:
    title = "next fire time" if len(times) == 1 else f"next {len(times)} fire times"
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column(zone.key)
    table.add_column("UTC")
    for t in times:
        table.add_row(
            f"{t.astimezone(zone):%Y-%m-%d %a %H:%M %z}", f"{t.astimezone(dt.UTC):%Y-%m-%d %a %H:%M}"
        )
    return table
