"""`jobmigrate schedule`: legacy run instants next to the AWS ones, job-net by job-net."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from calendars.legacy import Horizon
from jobmigrate.pipeline import parse_window, run
from jobmigrate.verify.equivalence import Comparison, compare

from .common import check_timezone, out_console, reports_input_errors, source_options, trigger_option


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--start", required=True, metavar="DATE", help="First day to compare (YYYY-MM-DD).")
@click.option("--end", required=True, metavar="DATE", help="Last day to compare (YYYY-MM-DD).")
@source_options
@trigger_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@reports_input_errors
def schedule(
    inputs: tuple[str, ...],
    start: str,
    end: str,
    source_format: str | None,
    timezone: str,
    encoding: str | None,
    trigger: str,
    fmt: str,
) -> None:
    """Compare, for every root job-net, the legacy run instants with those of the AWS side."""
    check_timezone(timezone)
    window = parse_window(start, end)
    done = run(inputs, source_format, timezone, encoding, window, trigger)
    tz = ZoneInfo(timezone)
    results = compare(done.loaded.workflow, done.plan, Horizon(window.start, window.end, tz))
    if fmt == "json":
        click.echo(
            json.dumps(
                _as_json(results, timezone, window.start, window.end, tz), ensure_ascii=False, indent=2
            )
        )
    else:
        _table(results, tz)
    if not all(r.equivalent for r in results):
        sys.exit(1)


def _iso(instants: list[dt.datetime], tz: ZoneInfo) -> list[str]:
    return [i.astimezone(tz).isoformat() for i in instants]


def _as_json(
    results: list[Comparison], timezone: str, start: dt.date, end: dt.date, tz: ZoneInfo
) -> dict[str, Any]:
    return {
        "timezone": timezone,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "jobnets": [
            {
                "path": r.path,
                "source": {"file": r.source.file, "line": r.source.line} if r.source else None,
                "legacy_runs": _iso(r.legacy, tz),
                "aws_runs": _iso(r.aws, tz),
                "equivalent": r.equivalent,
                "missing_on_aws": _iso(r.missing_on_aws, tz),
                "extra_on_aws": _iso(r.extra_on_aws, tz),
            }
            for r in results
        ],
    }


def _table(results: list[Comparison], tz: ZoneInfo) -> None:
    table = Table(show_header=True, header_style="bold")
    for column in ("job-net", "legacy runs", "AWS runs", "equivalent", "first run", "differences"):
        table.add_column(column)
    for r in results:
        first = r.legacy[0].astimezone(tz).strftime("%Y-%m-%d %H:%M") if r.legacy else "-"
        diff = ", ".join(
            [f"missing {i.astimezone(tz):%Y-%m-%d %H:%M}" for i in r.missing_on_aws[:3]]
            + [f"extra {i.astimezone(tz):%Y-%m-%d %H:%M}" for i in r.extra_on_aws[:3]]
        )
        verdict = "[green]yes[/]" if r.equivalent else "[red]NO[/]"
        table.add_row(r.path, str(len(r.legacy)), str(len(r.aws)), verdict, first, diff)
    out_console.print(table)
    same = sum(r.equivalent for r in results)
    out_console.print(f"{same} of {len(results)} job-nets start at exactly the legacy instants")
