"""Large nested job-nets become state machines of their own, started with startExecution.sync:2."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from jobmigrate import emit, output, planner
from jobmigrate.model import Command, Edge, Job, JobNet, Judgment, Workflow
from jobmigrate.planner.flow import INLINE_LIMIT

from .conftest import jobmigrate
from .moto_support import local_aws, run_definition

OPTIONS = planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
SIZE = INLINE_LIMIT + 5


def workflow() -> Workflow:
    inner_jobs = [
        Job(name=f"S{i:02d}", path=f"/ROOT/BIG/S{i:02d}", command=Command(text=f"s{i:02d}.sh"))
        for i in range(SIZE)
    ]
    big = JobNet(
        name="BIG",
        path="/ROOT/BIG",
        children=inner_jobs,  # type: ignore[arg-type]
        edges=[Edge(pred=f"S{i:02d}", succ=f"S{i + 1:02d}") for i in range(SIZE - 1)],
    )
    root = JobNet(
        name="ROOT",
        path="/ROOT",
        children=[
            Job(name="FIRST", path="/ROOT/FIRST", command=Command(text="first.sh")),
            big,
            Job(name="CHECK", path="/ROOT/CHECK", kind="judgment", judgment=Judgment(op="ge", value=4)),
            Job(name="AFTER", path="/ROOT/AFTER", command=Command(text="after.sh")),
        ],
        edges=[
            Edge(pred="FIRST", succ="BIG"),
            Edge(pred="BIG", succ="CHECK"),
            Edge(pred="CHECK", succ="AFTER", kind="conditional"),
        ],
    )
    return Workflow(source_system="test", children=[root], unit_count=SIZE + 5)


def run(outcome: object) -> tuple[dict[str, object], list[str]]:
    plan = planner.plan(workflow(), OPTIONS)
    nested = [(n.state_machine, plan.definitions[n.state_machine], n.starts) for n in plan.nested_machines]
    root = plan.jobnets[0]
    with local_aws(outcome) as log:  # type: ignore[arg-type]
        result = run_definition(plan.definitions[root.state_machine], "ROOT", {}, nested, root.starts)
    return result, log.sent


def test_large_nested_jobnet_is_its_own_state_machine() -> None:
    plan = planner.plan(workflow(), OPTIONS)
    (child,) = plan.nested_machines
    assert child.path == "/ROOT/BIG" and child.triggers[0].kind == "none"
    root = plan.jobnets[0]
    assert list(root.starts.values()) == [child.state_machine]
    task = plan.definitions[root.state_machine]["States"]["BIG"]
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert len([j for j in root.jobs if j.path.startswith("/ROOT/BIG/")]) == SIZE  # every job still listed


def test_parent_waits_for_the_nested_machine() -> None:
    result, sent = run(lambda c: ("Success", 0))
    assert result["status"] == "SUCCEEDED"
    assert sent == ["first.sh", *[f"s{i:02d}.sh" for i in range(SIZE)]]  # a job-net's code is 0: no AFTER


def test_failure_inside_fails_the_parent() -> None:
    result, sent = run(lambda c: ("Failed", 1) if c == "s03.sh" else ("Success", 0))
    assert result["status"] == "FAILED"
    assert sent[-1] == "s03.sh" and "after.sh" not in sent


def test_template_grants_the_parent_what_sync_executions_need(tmp_path: Path) -> None:
    plan = planner.plan(workflow(), OPTIONS)
    out = tmp_path / "out"
    output.write_atomically(out, emit.render(plan))
    assert sorted(p.name for p in (out / "statemachines").iterdir()) == ["ROOT-BIG.asl.json", "ROOT.asl.json"]
    template = (out / "template.yaml").read_text()
    assert (
        "states:StartExecution" in template
        and "StepFunctionsGetEventsForStepFunctionsExecutionRule" in template
    )
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(out / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout
    result = jobmigrate("simulate", out, "--jobnet", "/ROOT", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["jobs_run"]) == SIZE + 1
    assert jobmigrate("validate", out, "--no-lint").returncode == 0


def test_a_flat_job_net_over_one_megabyte_is_reported() -> None:
    jobs = [
        Job(name=f"J{i:04d}", path=f"/WIDE/J{i:04d}", command=Command(text="x" * 2000 + f" {i}"))
        for i in range(400)
    ]
    wide = JobNet(name="WIDE", path="/WIDE", children=jobs)  # type: ignore[arg-type]
    plan = planner.plan(Workflow(source_system="test", children=[wide], unit_count=401), OPTIONS)
    (finding,) = [f for f in plan.findings if f.code == "JM230"]
    assert "over the 1 MB" in finding.message and finding.path == "/WIDE"
