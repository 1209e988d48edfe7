"""`jobmigrate validate DIR`: check a converted folder before deploying it."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from calendars.changecal import CalendarFormatError, from_ics
from calendars.compile import AwsRuns
from calendars.legacy import Horizon
from jobmigrate.plan import Plan, RunSummary
from jobmigrate.verify.asl_check import problems
from jobmigrate.verify.equivalence import aws_instants
from jobmigrate.verify.folder import load_definition, load_plan

from .common import out_console, reports_input_errors


@dataclass
class Check:
    name: str
    errors: list[str] = field(default_factory=list)
    checked: int = 0


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-lint", is_flag=True, help="Skip cfn-lint (for machines without it).")
@reports_input_errors
def validate(folder: str, fmt: str, no_lint: bool) -> None:
    """Check a converted folder: state machines, template.yaml, calendars and schedules."""
    root = Path(folder)
    plan = load_plan(root)
    checks = [_state_machines(root, plan), _calendars(plan), _schedules(plan)]
    if not no_lint:
        checks.insert(1, _template(root))
    if fmt == "json":
        payload = {c.name: {"checked": c.checked, "errors": c.errors} for c in checks}
        click.echo(json.dumps({"valid": not any(c.errors for c in checks), "checks": payload}, indent=2))
    else:
        for c in checks:
            mark = "[red]✗[/]" if c.errors else "[green]✓[/]"
            out_console.print(f"{mark} {c.name}: {c.checked} checked, {len(c.errors)} problems")
            for e in c.errors[:20]:
                out_console.print(f"    {e}", highlight=False, markup=False)
    if any(c.errors for c in checks):
        sys.exit(1)


def _state_machines(root: Path, plan: Plan) -> Check:
    check = Check("state machines")
    for net in [*plan.jobnets, *plan.nested_machines, *plan.join_machines]:
        check.checked += 1
        definition = load_definition(root, net.asl)
        check.errors += [f"{net.asl}: {p}" for p in problems(definition)]
        if len(net.state_machine) > 80 or not net.state_machine.isascii():
            check.errors.append(
                f"{net.asl}: state machine name {net.state_machine!r} is not a valid AWS name"
            )
    return check


def _template(root: Path) -> Check:
    from cfnlint import api  # imported here: loading its rules takes a second

    check = Check("template.yaml (cfn-lint)", checked=1)
    template = root / "template.yaml"
    if not template.exists():
        check.errors.append(f"{template}: missing")
        return check
    for match in api.lint_file(template):
        if match.rule.id.startswith("E"):  # warnings and notes are advice, not failures
            check.errors.append(
                f"{template}:{match.linenumber}:{match.columnnumber}: {match.rule.id} {match.message}"
            )
    return check


def _calendars(plan: Plan) -> Check:
    check = Check("calendars")
    for c in plan.calendars:
        check.checked += 1
        if not c.ics:
            check.errors.append(f"{c.file}: missing")
            continue
        try:
            doc = from_ics(c.ics, c.name)
        except CalendarFormatError as e:
            check.errors.append(f"{c.file}: {e}")
            continue
        if doc.type != c.type or len(doc.events) != c.events:
            check.errors.append(f"{c.file}: differs from plan.json ({doc.type}, {len(doc.events)} events)")
    return check


def _schedules(plan: Plan) -> Check:
    """The AWS side, evaluated from the triggers and the calendar documents, against the legacy
    runs recorded at conversion."""
    check = Check("schedules")
    tz = ZoneInfo(plan.timezone)
    horizon = Horizon(dt.date.fromisoformat(plan.horizon.start), dt.date.fromisoformat(plan.horizon.end), tz)
    calendars = {}
    for c in plan.calendars:
        try:
            calendars[c.name] = from_ics(c.ics, c.name)
        except CalendarFormatError:
            continue  # reported by the calendar check; its job-nets are reported below
    aws = AwsRuns(horizon)
    for net in plan.jobnets:
        if net.legacy_runs is None:
            continue
        check.checked += 1
        missing = [name for t in net.triggers for name in t.calendars if name not in calendars]
        if missing:
            check.errors.append(f"{net.path}: calendars missing or unreadable: {', '.join(missing)}")
            continue
        found = RunSummary.of(aws_instants(net, calendars, aws), plan.timezone)
        if found != net.legacy_runs:
            check.errors.append(
                f"{net.path}: AWS side starts {found.count} times ({found.first} .. {found.last}), "
                f"legacy {net.legacy_runs.count} ({net.legacy_runs.first} .. {net.legacy_runs.last})"
            )
    return check
