"""The `jobmigrate` command. Its names, options, exit codes and JSON shapes are a contract
(docs/cli.md): 0 done, 1 done with error findings, 2 bad input or usage."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click
from rich.table import Table

from . import __version__, emit, gc_pause, output
from .commands.common import (
    check_timezone,
    err_console,
    out_console,
    reports_input_errors,
    source_options,
    trigger_option,
    window_options,
)
from .model import Severity
from .pipeline import parse_window, run
from .plan import Plan


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jobmigrate")
def cli() -> None:
    """Migrate legacy batch schedules (JP1/AJS3, cron, ...) to AWS Step Functions,
    EventBridge Scheduler and SSM Change Calendars."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@source_options
@trigger_option
@window_options
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of Jinja templates overriding the shipped ones.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Planning config (YAML or JSON): executors per job path, unit type or kind "
    "(SSM, Batch, Lambda, SQS callback) and legacy hosts mapped to instance ids or tags.",
)
@reports_input_errors
def convert(
    inputs: tuple[str, ...],
    out_dir: str,
    source_format: str | None,
    timezone: str,
    encoding: str | None,
    trigger: str,
    start: str | None,
    end: str | None,
    templates_dir: str | None,
    config_file: str | None,
) -> None:
    """Convert legacy definitions into deployable AWS definitions in OUT."""
    check_timezone(timezone)
    with gc_pause.paused(freeze=True), output.Folder(Path(out_dir)) as folder:
        window = parse_window(start, end)
        done = run(inputs, source_format, timezone, encoding, window, trigger, config_file, sink=folder)
        if done.loaded.guessed:
            err_console.print(
                f"reading input as [bold]{done.loaded.importer}[/] (guessed; use --from to choose)"
            )
        templates = Path(templates_dir) if templates_dir else None
        emit.write(done.plan, folder, templates, workflow=done.loaded.workflow)
        folder.commit()
        _summary(done.plan, out_dir)
    if any(f.severity == Severity.ERROR for f in done.plan.findings):
        sys.exit(1)


def _summary(plan: Plan, out_dir: str) -> None:
    table = Table(title=f"jobmigrate → {out_dir}", show_header=True, header_style="bold")
    table.add_column("job-net")
    table.add_column("state machine")
    table.add_column("jobs", justify="right")
    table.add_column("triggers")
    # A terminal shows a few dozen rows usefully; the report lists every job-net.
    for net in plan.jobnets[:SUMMARY_ROWS]:
        triggers = ", ".join(
            (t.expression or t.kind) + (" + calendar" if t.calendars else "") for t in net.triggers
        )
        table.add_row(net.path, net.state_machine, str(len(net.jobs)), triggers)
    if len(plan.jobnets) > SUMMARY_ROWS:
        more = len(plan.jobnets) - SUMMARY_ROWS
        table.add_row(f"… and {more} more job-nets (all in report.html and plan.json)", "", "", "")
    out_console.print(table)
    counts = {s: sum(1 for f in plan.findings if f.severity == s) for s in Severity}
    out_console.print(
        f"units: {plan.units.total} read, {plan.units.converted} converted, "
        f"{plan.units.manual_review} need review; findings: {counts[Severity.ERROR]} errors, "
        f"{counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} notes (see report.html)"
    )


SUMMARY_ROWS = 30


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the neutral YAML/JSON format (--from yaml)."""
    from converters.neutral import schema_text

    click.echo(schema_text(), nl=False)


def _register_subcommands() -> None:
    # Imported here: the command modules import from jobmigrate.commands.common, not from cli.
    from .commands.calendar import calendar
    from .commands.cron import cron
    from .commands.deploy import deploy
    from .commands.schedule import schedule
    from .commands.simulate import simulate
    from .commands.validate import validate

    cli.add_command(schedule)
    cli.add_command(cron)
    cli.add_command(calendar)
    cli.add_command(validate)
    cli.add_command(simulate)
    cli.add_command(deploy)


_register_subcommands()


def main() -> None:
    """The console script. Once a command has finished and its output is flushed, the process
    ends without tearing down its objects one by one: after a large conversion that teardown
    (millions of IR and plan objects) takes longer than writing the summary did."""
    try:
        cli(prog_name="jobmigrate")
        code = 0
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader that went away (a closed pipe) loses nothing of ours
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
