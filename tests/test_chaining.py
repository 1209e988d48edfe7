"""Job-nets chained across state machines by status-change events, and the AutoSys box case."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jobmigrate import planner
from jobmigrate.model import Command, ExternalDependency, Job, JobNet, Workflow

from .conftest import FIXTURES, jobmigrate

OPTIONS = planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
JIL = FIXTURES / "autosys" / "daily_batch.jil"


def net(name: str, *external: ExternalDependency) -> JobNet:
    job = Job(name="J", path=f"/{name}/J", command=Command(text=f"{name}.sh"))
    return JobNet(name=name, path=f"/{name}", children=[job], external=list(external))


def plan_of(*nets: JobNet) -> planner.Plan:
    return planner.plan(
        Workflow(source_system="test", children=list(nets), unit_count=2 * len(nets)), OPTIONS
    )


def test_any_of_several_job_nets_is_one_rule() -> None:
    after = net("C", ExternalDependency(target="/A", mode="any"), ExternalDependency(target="/B", mode="any"))
    plan = plan_of(net("A"), net("B"), after)
    (trigger,) = plan.jobnets[2].triggers
    assert trigger.kind == "event" and trigger.pattern is not None
    assert trigger.pattern["detail"] == {"status": ["SUCCEEDED"], "stateMachineArn": ["A", "B"]}
    assert not [f for f in plan.findings if f.severity == "error"]


def test_all_of_several_job_nets_is_reported() -> None:
    after = net("C", ExternalDependency(target="/A"), ExternalDependency(target="/B"))
    plan = plan_of(net("A"), net("B"), after)
    assert any(f.code == "JM404" for f in plan.findings)


def test_failure_and_unknown_targets() -> None:
    after = net("C", ExternalDependency(target="/A", status="failure"), ExternalDependency(target="/Z"))
    plan = plan_of(net("A"), after)
    (trigger,) = plan.jobnets[1].triggers
    assert trigger.pattern is not None and trigger.pattern["detail"]["status"] == [
        "FAILED",
        "TIMED_OUT",
        "ABORTED",
    ]
    assert any(f.code == "JM401" and "/Z" in f.message for f in plan.findings)


def test_autosys_box_and_outside_job(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = jobmigrate(
        "convert", JIL, "--from", "autosys", "--out", out, "--start", "2027-01-01", "--end", "2027-12-31"
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text())
    box, outside = plan["jobnets"]
    assert box["path"] == "/ORD_DAILY"
    assert box["triggers"][0]["expression"] == "cron(15 6 ? * MON-FRI *)"
    assert box["triggers"][0]["timezone"] == "Asia/Tokyo"
    assert outside["triggers"][0]["kind"] == "event"
    assert outside["triggers"][0]["pattern"]["detail"]["stateMachineArn"] == [box["state_machine"]]
    template = (out / "template.yaml").read_text()
    assert "Step Functions Execution Status Change" in template

    schedule = jobmigrate(
        "schedule",
        JIL,
        "--from",
        "autosys",
        "--start",
        "2027-01-01",
        "--end",
        "2027-12-31",
        "--format",
        "json",
    )
    nets = {n["path"]: n for n in json.loads(schedule.stdout)["jobnets"]}
    assert nets["/ORD_DAILY"]["equivalent"] and len(nets["/ORD_DAILY"]["legacy_runs"]) == 261

    def simulate(*scenario: str) -> dict[str, object]:
        args = [a for s in scenario for a in ("--scenario", s)]
        done = jobmigrate("simulate", out, "--jobnet", "/ORD_DAILY", *args, "--format", "json")
        assert done.returncode == 0, done.stderr
        data: dict[str, object] = json.loads(done.stdout)
        return data

    assert simulate() == {
        "status": "SUCCEEDED",
        "jobs_run": ["/ORD_DAILY/ORD_EXTRACT", "/ORD_DAILY/ORD_LOAD"],
    }
    for failing in ("ORD_EXTRACT", "ORD_LOAD"):
        data = simulate(f"fail:/ORD_DAILY/{failing}")
        assert data["status"] == "FAILED"
        assert data["jobs_run"][-2:] == [f"/ORD_DAILY/{failing}", "/ORD_DAILY/ORD_NOTIFY_NG"]  # type: ignore[index]
