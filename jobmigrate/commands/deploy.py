"""`jobmigrate deploy DIR`: create or update the folder's CloudFormation stack through a change
set, showing the changes first; `--dry-run` shows them and applies nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from jobmigrate.deploy import (
    DEFAULT_REGION,
    DRY_RUN,
    NO_CHANGES,
    DeployError,
    Deployment,
    Outcome,
    check_limits,
    check_parameters,
    check_stack_name,
    default_stack_name,
    parse_parameters,
    read_folder,
)
from jobmigrate.model import Severity

from .common import err_console, out_console, reports_input_errors

_ACTION_COLOUR = {"Add": "green", "Modify": "yellow", "Remove": "red"}
_REPLACEMENT = {"True": "[red]yes[/]", "False": "no", "Conditional": "[yellow]conditional[/]"}


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--dry-run", is_flag=True, help="Show the change set, then delete it: nothing is applied.")
@click.option(
    "--stack-name", default=None, help="Stack to create or update [default: jobmigrate-<source>-<folder>]."
)
@click.option(
    "--region", default=None, help="AWS Region [default: AWS_REGION or the AWS config, else us-east-1]."
)
@click.option(
    "--endpoint-url",
    default=None,
    metavar="URL",
    help="Send every AWS call to this endpoint (a local emulator such as a moto server).",
)
@click.option(
    "--parameter",
    "parameters",
    multiple=True,
    metavar="KEY=VALUE",
    help="A template parameter, e.g. HostDb01InstanceId=i-0123456789abcdef0; repeatable. "
    "Parameters not given keep the stack's values.",
)
@click.option(
    "--s3-bucket",
    default=None,
    metavar="NAME",
    help="Upload the template to this bucket (in the stack's Region) and deploy it from there: "
    "needed above 51,200 bytes.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@reports_input_errors
def deploy(
    folder: str,
    dry_run: bool,
    stack_name: str | None,
    region: str | None,
    endpoint_url: str | None,
    parameters: tuple[str, ...],
    s3_bucket: str | None,
    fmt: str,
) -> None:
    """Create or update the CloudFormation stack of a converted folder through a change set."""
    converted = read_folder(Path(folder))
    if stack_name is not None:
        check_stack_name(stack_name)
    stack = stack_name or default_stack_name(converted)
    given = parse_parameters(parameters)
    check_parameters(converted, given)
    check_limits(converted, s3_bucket)
    errors = sum(1 for f in converted.plan.findings if f.severity == Severity.ERROR)
    if errors:
        err_console.print(
            f"note: plan.json has {errors} finding{'s' if errors > 1 else ''} of severity error: "
            "what could not be converted is not in the template (see report.md)"
        )
    if region is None:
        import boto3

        region = boto3.session.Session().region_name
        if region is None:
            err_console.print(
                "note: no AWS Region configured (--region, AWS_REGION or the AWS config): "
                f"using {DEFAULT_REGION}"
            )
            region = DEFAULT_REGION
    deployment = Deployment(
        converted,
        stack,
        region,
        endpoint_url,
        say=lambda text: err_console.print(escape(text)),
    )
    try:
        outcome = deployment.run(given, s3_bucket=s3_bucket, dry_run=dry_run)
    except DeployError as e:
        if e.outcome is not None:
            _report(e.outcome, fmt)
        click.echo(f"jobmigrate: {e}", err=True)
        sys.exit(1)
    _report(outcome, fmt)


def _report(outcome: Outcome, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
        return
    if outcome.changes:
        title = f"stack {outcome.stack} ({outcome.region})"
        if outcome.change_set:
            title = f"change set {outcome.change_set} ({outcome.change_set_type}) of {title}"
        table = Table(title=escape(title), show_header=True, header_style="bold")
        table.add_column("action")
        table.add_column("logical id", overflow="fold")
        table.add_column("type", overflow="fold")
        table.add_column("replacement")
        for c in outcome.changes:
            colour = _ACTION_COLOUR.get(c.action, "white")
            replacement = _REPLACEMENT.get(c.replacement or "", escape(c.replacement or ""))
            action = f"[{colour}]{c.action}[/]"
            table.add_row(action, escape(c.logical_id), escape(c.resource_type), replacement)
        out_console.print(table)
    counts = [sum(1 for c in outcome.changes if c.action == a) for a in ("Add", "Modify", "Remove")]
    verbs = (
        ("to add", "to modify", "to remove")
        if outcome.status == DRY_RUN
        else ("added", "modified", "removed")
    )
    summary = ", ".join(f"{n} {verb}" for n, verb in zip(counts, verbs, strict=True))
    if outcome.status == NO_CHANGES:
        out_console.print(f"stack {escape(outcome.stack)}: [green]no changes[/] (already up to date)")
    elif outcome.status == DRY_RUN:
        out_console.print(
            f"dry run of stack {escape(outcome.stack)}: {summary}; nothing applied, change set deleted"
        )
    else:
        colour = "green" if outcome.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE") else "red"
        out_console.print(f"stack {escape(outcome.stack)}: [{colour}]{outcome.status}[/] ({summary})")
