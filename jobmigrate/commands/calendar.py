"""`jobmigrate calendar`: build a business calendar, show a year of it, write its Change Calendar.

Sources combine: a legacy calendar read from INPUT (a JP1 job group, a Control-M or AutoSys
calendar), python-holidays calendars, weekly closed days, yearly closing ranges and single dates.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from calendars.business import BusinessCalendar
from calendars.changecal import ChangeCalendar, day_events, to_ics
from converters import ImportOptions
from jobmigrate.errors import UsageError
from jobmigrate.inputs import load
from jobmigrate.model import WEEKDAYS, Calendar, ClosingRule, HolidaySource, Weekday

from .common import check_timezone, out_console, reports_input_errors

_HOLIDAYS = re.compile(r"^([A-Za-z]{2,6})(?::([A-Za-z0-9-]+))?(?:/([a-z_,]+))?$")
_RANGE = re.compile(r"^(\d\d-\d\d)\.\.(\d\d-\d\d)$")


@click.command()
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@click.option("--from", "source_format", default=None, metavar="FORMAT", help="Format of INPUT (guessed).")
@click.option("--group", default=None, help="Name of the legacy calendar in INPUT (a JP1 group path, ...).")
@click.option(
    "--holidays",
    multiple=True,
    metavar="CC[:SUBDIV][/CATEGORIES]",
    help="python-holidays source: JP, JP/public,bank, US:NY, or a market such as JPX.",
)
@click.option("--closed-weekday", multiple=True, type=click.Choice(WEEKDAYS), help="Weekly closed day.")
@click.option(
    "--closing", multiple=True, metavar="MM-DD..MM-DD", help="Yearly closing range, e.g. 12-29..01-03."
)
@click.option("--closed", multiple=True, metavar="DATE", help="A closed date (YYYY-MM-DD).")
@click.option("--open", "open_dates", multiple=True, metavar="DATE", help="A date forced open (YYYY-MM-DD).")
@click.option("--year", type=int, required=True, help="Year to show and cover.")
@click.option("--tz", "timezone", default="Asia/Tokyo", show_default=True, help="IANA time zone.")
@click.option("--name", default="business-days", show_default=True, help="Change Calendar document name.")
@click.option(
    "--ics", "ics_path", type=click.Path(dir_okay=False), default=None, help="Write the Change Calendar."
)
@click.option("--format", "fmt", type=click.Choice(["grid", "json"]), default="grid", show_default=True)
@reports_input_errors
def calendar(
    inputs: tuple[str, ...],
    source_format: str | None,
    group: str | None,
    holidays: tuple[str, ...],
    closed_weekday: tuple[Weekday, ...],
    closing: tuple[str, ...],
    closed: tuple[str, ...],
    open_dates: tuple[str, ...],
    year: int,
    timezone: str,
    name: str,
    ics_path: str | None,
    fmt: str,
) -> None:
    """Build a business calendar, show a year of open and closed days, write its Change Calendar."""
    check_timezone(timezone)
    chain = _legacy_chain(inputs, source_format, group, timezone)
    extra = Calendar(
        name=name,
        parent=chain[0].name if chain else None,
        closed_weekdays=list(closed_weekday),
        holidays=[_holiday_source(h) for h in holidays],
        closing_rules=[_closing_rule(c) for c in closing],
        closed_dates=[_date(d, "--closed") for d in closed],
        open_dates=[_date(d, "--open") for d in open_dates],
    )
    business = BusinessCalendar.resolve(name, [extra, *chain])
    days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366 if _cal.isleap(year) else 365)]
    closed_days = [d for d in days if not business.is_open(d)]
    if ics_path:
        doc = ChangeCalendar(
            name=name,
            type="DEFAULT_OPEN",
            timezone=timezone,
            description=f"closed days of {year}",
            events=day_events(closed_days, ZoneInfo(timezone), "closed"),
        )
        Path(ics_path).write_text(to_ics(doc), encoding="utf-8", newline="\n")
    if fmt == "json":
        open_days = [d.isoformat() for d in days if business.is_open(d)]
        payload = {
            "name": name,
            "year": year,
            "open": open_days,
            "closed": [d.isoformat() for d in closed_days],
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        _grid(business, year, name)


def _legacy_chain(
    inputs: tuple[str, ...], source_format: str | None, group: str | None, timezone: str
) -> list[Calendar]:
    if not inputs:
        if group:
            raise UsageError("--group needs an INPUT holding that calendar")
        return []
    workflow = load(inputs, source_format, ImportOptions(timezone=timezone)).workflow
    names = [c.name for c in workflow.calendars]
    if group is None:
        if len(names) != 1:
            raise UsageError(
                f"INPUT defines {len(names)} calendars; choose one with --group: {', '.join(names)}"
            )
        group = names[0]
    if group not in names:
        raise UsageError(f"no calendar {group!r} in INPUT; it defines: {', '.join(names) or 'none'}")
    return BusinessCalendar.resolve(group, workflow.calendars).chain


def _holiday_source(text: str) -> HolidaySource:
    m = _HOLIDAYS.match(text)
    if m is None:
        raise UsageError(f"--holidays {text!r}: expected CC[:SUBDIV][/CATEGORIES], e.g. JP/public,bank")
    categories = m.group(3).split(",") if m.group(3) else []
    return HolidaySource(country=m.group(1).upper(), subdivision=m.group(2), categories=categories)


def _closing_rule(text: str) -> ClosingRule:
    m = _RANGE.match(text)
    if m is None:
        raise UsageError(f"--closing {text!r}: expected MM-DD..MM-DD, e.g. 12-29..01-03")
    return ClosingRule(kind="yearly_range", start=m.group(1), end=m.group(2))


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected a date as YYYY-MM-DD") from None


def _grid(business: BusinessCalendar, year: int, name: str) -> None:
    """One line per month, one character per day: compact enough for any terminal."""
    out_console.print(f"[bold]{name} {year}[/]   [green]·[/] open   [red]■[/] closed")
    out_console.print("     " + "".join(str(d % 10) for d in range(1, 32)) + "  open")
    for month in range(1, 13):
        length = _cal.monthrange(year, month)[1]
        flags = [business.is_open(dt.date(year, month, d)) for d in range(1, length + 1)]
        cells = "".join("[green]·[/]" if f else "[red]■[/]" for f in flags)
        padding = " " * (31 - length)
        out_console.print(f"{_cal.month_abbr[month]}  {cells}{padding}  {sum(flags):4d}")
