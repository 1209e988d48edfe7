"""`jobmigrate simulate DIR --jobnet PATH`: run a converted job-net locally, AWS calls answered
by scenarios, and show how it ends and which jobs ran."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import click

from jobmigrate.errors import UsageError
from jobmigrate.verify.folder import load_definition, load_plan

from .common import out_console, reports_input_errors

_SCENARIO = re.compile(r"^(success|closed|fail:(?P<fail>.+)|rc:(?P<rc>.+)=(?P<code>-?\d+))$")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--jobnet", "path", required=True, help="Path of the root job-net, as in plan.json.")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    metavar="S",
    help="success | fail:JOB_PATH | rc:JOB_PATH=N | closed; several combine.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@reports_input_errors
def simulate(folder: str, path: str, scenarios: tuple[str, ...], fmt: str) -> None:
    """Execute a job-net's state machine locally and print its status and the jobs it ran."""
    try:
        from jobmigrate.verify.simulate import local_aws, run_definition
    except ImportError:
        raise UsageError("simulate needs moto: pip install 'jobmigrate[simulate]'") from None
    root = Path(folder)
    plan = load_plan(root)
    net = next((n for n in plan.jobnets if n.path == path), None)
    if net is None:
        known = ", ".join(n.path for n in plan.jobnets[:10])
        raise UsageError(f"no job-net {path!r} in {root / 'plan.json'}; it has: {known}")
    failing, codes, closed = _parse(scenarios, {j.path for j in net.jobs})
    payload: dict[str, Any] = {}
    gated = next((t for t in net.triggers if t.calendars), None)
    if gated is not None:
        payload = {"scheduled_time": f"{plan.horizon.start}T00:00:00Z", "calendars": gated.calendars}

    def outcome(job: str) -> tuple[str, int]:
        if job in failing:
            return "Failed", -1  # the command could not complete: abnormal whatever the thresholds
        code = codes.get(job, 0)
        return ("Success", 0) if code == 0 else ("Failed", code)

    definition = load_definition(root, net.asl)
    nested = [(n.state_machine, load_definition(root, n.asl), n.starts) for n in plan.nested_machines]
    # The interpreter logs every failed state as an error; the outcome is what we report.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with local_aws(outcome, lambda names, at: "CLOSED" if closed else "OPEN", key="job") as log:
        result = run_definition(definition, net.state_machine, payload, nested, net.starts)
    jobs_run = list(dict.fromkeys(log.jobs))
    if fmt == "json":
        click.echo(
            json.dumps({"status": result["status"], "jobs_run": jobs_run}, ensure_ascii=False, indent=2)
        )
        return
    colour = {"SUCCEEDED": "green", "FAILED": "red"}.get(result["status"], "yellow")
    out_console.print(f"[bold]{path}[/]: [{colour}]{result['status']}[/]")
    for i, job in enumerate(jobs_run, 1):
        out_console.print(f"  {i:3d}. {job}", markup=False)
    if not jobs_run:
        out_console.print("  no job ran")


def _parse(scenarios: tuple[str, ...], jobs: set[str]) -> tuple[set[str], dict[str, int], bool]:
    failing: set[str] = set()
    codes: dict[str, int] = {}
    closed = False
    for s in scenarios or ("success",):
        m = _SCENARIO.match(s)
        if m is None:
            raise UsageError(f"--scenario {s!r}: expected success, closed, fail:JOB_PATH or rc:JOB_PATH=N")
        job: str | None = m.group("fail") or m.group("rc")
        if job is None:
            closed = closed or s == "closed"
            continue
        if job not in jobs:
            raise UsageError(f"--scenario {s!r}: {job} is not a job of this job-net")
        if m.group("fail"):
            failing.add(job)
        else:
            codes[job] = int(m.group("code"))
    return failing, codes, closed
