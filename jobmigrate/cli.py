"""The `jobmigrate` command. Its names, options, exit codes and JSON shapes are a contract
(docs/cli.md): 0 done, 1 done with error findings, 2 bad input or usage."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.table import Table

import converters
from converters import ImportOptions

from . import __version__, emit, planner
from .errors import InputError, InputErrors, UsageError
from .inputs import load
from .model import Severity
from .plan import Plan

F = TypeVar("F", bound=Callable[..., Any])

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def _fail(lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(2)


def reports_input_errors(func: F) -> F:
    """Turn input problems into `FILE:LINE:COL: message` lines and exit 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputErrors as e:
            _fail([str(x) for x in e.errors])
        except InputError as e:
            _fail([str(e)])
        except UsageError as e:
            _fail([f"jobmigrate: {e}"])
        except Exception as e:  # a bug of ours: say so plainly, keep the traceback for debugging
            if os.environ.get("JOBMIGRATE_DEBUG"):
                raise
            click.echo(
                f"jobmigrate: internal error: {type(e).__name__}: {e} "
                "(set JOBMIGRATE_DEBUG=1 to see the traceback)",
                err=True,
            )
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def _source_options(func: F) -> F:
    func = click.option(
        "--encoding", default=None, help="Force the input encoding (utf-8, cp932, euc-jp, utf-16)."
    )(func)
    func = click.option(
        "--tz",
        "timezone",
        default="Asia/Tokyo",
        show_default=True,
        help="IANA time zone of the legacy system.",
    )(func)
    func = click.option(
        "--from",
        "source_format",
        default=None,
        metavar="FORMAT",
        help=f"Legacy format: {', '.join(converters.names())}. Guessed when omitted.",
    )(func)
    return func


def _check_timezone(tz: str, first_input: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz!r} for --tz (use an IANA name such as Asia/Tokyo)") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jobmigrate")
def cli() -> None:
    """Migrate legacy batch schedules (JP1/AJS3, cron, ...) to AWS Step Functions,
    EventBridge Scheduler and SSM Change Calendars."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@_source_options
@click.option(
    "--trigger",
    type=click.Choice(["scheduler", "rule"]),
    default="scheduler",
    show_default=True,
    help="Start root job-nets with EventBridge Scheduler (source time zone) or EventBridge rules (UTC).",
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of Jinja templates overriding the shipped ones.",
)
@reports_input_errors
def convert(
    inputs: tuple[str, ...],
    out_dir: str,
    source_format: str | None,
    timezone: str,
    encoding: str | None,
    trigger: str,
    templates_dir: str | None,
) -> None:
    """Convert legacy definitions into deployable AWS definitions in OUT."""
    _check_timezone(timezone, inputs[0])
    if source_format is not None and source_format not in converters.names():
        raise InputError(
            inputs[0], 0, 0, f"unknown --from {source_format!r} (known: {', '.join(converters.names())})"
        )
    if trigger == "rule":
        raise UsageError("--trigger rule is not available yet; use --trigger scheduler")
    loaded = load(inputs, source_format, ImportOptions(timezone=timezone, encoding=encoding))
    if loaded.guessed:
        err_console.print(f"reading input as [bold]{loaded.importer}[/] (guessed; use --from to choose)")
    plan = planner.plan(loaded.workflow)
    files = emit.render(plan, Path(templates_dir) if templates_dir else None)
    emit.write_atomically(Path(out_dir), files)
    _summary(plan, out_dir)
    if any(f.severity == Severity.ERROR for f in plan.findings):
        sys.exit(1)


def _summary(plan: Plan, out_dir: str) -> None:
    table = Table(title=f"jobmigrate → {out_dir}", show_header=True, header_style="bold")
    table.add_column("job-net")
    table.add_column("state machine")
    table.add_column("jobs", justify="right")
    table.add_column("triggers")
    for net in plan.jobnets:
        triggers = ", ".join(t.expression or t.kind for t in net.triggers)
        table.add_row(net.path, net.state_machine, str(len(net.jobs)), triggers)
    out_console.print(table)
    counts = {s: sum(1 for f in plan.findings if f.severity == s) for s in Severity}
    out_console.print(
        f"units: {plan.units.total} read, {plan.units.converted} converted, "
        f"{plan.units.manual_review} need review; findings: {counts[Severity.ERROR]} errors, "
        f"{counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} notes (see report.md)"
    )


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the neutral YAML/JSON format (--from yaml)."""
    from converters.neutral import schema_text

    click.echo(schema_text(), nl=False)


def main() -> None:
    cli(prog_name="jobmigrate")


if __name__ == "__main__":
    main()
