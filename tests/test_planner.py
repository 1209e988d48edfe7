"""The first planner: names, triggers from Unix cron, the SSM polling loop, golden artefacts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from converters import ImportOptions, SourceFile
from converters.neutral import parse
from jobmigrate import emit, planner
from jobmigrate.model import Command, Edge, Job, JobNet, Workflow
from jobmigrate.planner.naming import NameRegistry, aws_name, jobnet_machine_name
from jobmigrate.verify.asl_check import problems

from .conftest import FIXTURES, assert_golden


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("/FINANCE/DAILY_CLOSE", "FINANCE-DAILY_CLOSE"),
        ("ops.crontab:12", "ops_crontab-12"),
        ("/経理/日次締め", None),
        ("/" + "A" * 120, None),
    ],
)
def test_machine_names_are_aws_safe(original: str, expected: str | None) -> None:
    name = jobnet_machine_name(original)
    assert len(name) <= 80 and name.isascii()
    assert all(c.isalnum() or c in "-_" for c in name)
    assert name == jobnet_machine_name(original)  # stable
    if expected:
        assert name == expected


def test_full_width_names_fold_to_ascii() -> None:
    assert aws_name("ＪＯＢ０１") == "JOB01"


def test_registry_keeps_names_unique() -> None:
    reg = NameRegistry()
    a = reg.claim("X", "/a/X")
    b = reg.claim("X", "/b/X")
    assert a == "X" and b != a and b.startswith("X-")


OPTIONS = planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))


def nightly_plan() -> planner.Plan:
    text = (FIXTURES / "yaml" / "nightly.yaml").read_text(encoding="utf-8")
    wf = parse([SourceFile(path="tests/fixtures/yaml/nightly.yaml", text=text)], ImportOptions())
    return planner.plan(wf, OPTIONS)


def test_each_job_runs_through_a_polling_loop() -> None:
    plan = nightly_plan()
    definition = plan.definitions["OPS-NIGHTLY"]
    assert problems(definition) == []
    states = definition["States"]
    assert definition["StartAt"] == "Start"
    assert states["Start"] == {
        "Type": "Pass",
        "Result": {"rc": {}, "judgment": {}},
        "ResultPath": "$.run",
        "Next": "BACKUP",
    }
    assert states["BACKUP"]["Resource"] == "arn:aws:states:::aws-sdk:ssm:sendCommand"
    assert states["BACKUP"]["Parameters"]["DocumentName"] == "AWS-RunShellScript"
    assert states["BACKUP"]["Parameters"]["Parameters"]["executionTimeout"] == ["5400"]
    assert states["BACKUP"]["Next"] == "BACKUP-pace"
    # Waits lengthen with the number of polls: 10 s, then 1, 5 and 15 minutes.
    pace = states["BACKUP-pace"]
    assert [c["Next"] for c in pace["Choices"]] == ["BACKUP-wait-10", "BACKUP-wait-60", "BACKUP-wait-300"]
    assert pace["Default"] == "BACKUP-wait-900"
    assert {states[f"BACKUP-wait-{n}"]["Seconds"] for n in (10, 60, 300, 900)} == {10, 60, 300, 900}
    assert states["BACKUP-status"]["Resource"].endswith("ssm:getCommandInvocation")
    assert states["BACKUP-status"]["Retry"][0]["ErrorEquals"] == ["Ssm.InvocationDoesNotExistException"]
    check = states["BACKUP-check"]
    assert check["Choices"][0]["Next"] == "BACKUP-pace"  # still running: poll again
    assert check["Choices"][1] == {
        "Variable": "$.command.result.Status",
        "StringEquals": "Success",
        "Next": "BACKUP-done",
    }
    assert check["Default"] == "BACKUP-notify"  # the failure is published, then the job-net fails
    assert states["BACKUP-notify"]["Resource"] == "arn:aws:states:::sns:publish"
    assert states["BACKUP-notify"]["Next"] == "BACKUP-failed"
    assert states["BACKUP-done"]["Next"] == "REPORT"
    assert states["REPORT"]["Parameters"]["DocumentName"] == "AWS-RunPowerShellScript"
    assert states["REPORT-done"]["Next"] == "Done"


def test_golden_asl_and_plan() -> None:
    files = emit.render(nightly_plan())
    assert_golden("yaml/nightly/OPS-NIGHTLY.asl.json", files["statemachines/OPS-NIGHTLY.asl.json"])
    assert_golden("yaml/nightly/plan.json", files["plan.json"])
    assert json.loads(files["plan.json"])["units"] == {"total": 3, "converted": 3, "manual_review": 0}


def test_unplanned_units_are_findings_and_counted() -> None:
    net = JobNet(
        name="N",
        path="/N",
        children=[
            Job(name="A", path="/N/A", command=Command(text="a")),
            Job(name="J", path="/N/J", kind="judgment"),  # no condition: cannot be planned
            Job(name="W", path="/N/W", kind="event_wait", event={"flwf": "/data/in.csv"}),
            Job(name="R", path="/N/R", recovery=True, command=Command(text="r")),
        ],
        edges=[
            Edge(pred="A", succ="J"),
            Edge(pred="A", succ="W"),
            Edge(pred="A", succ="R", kind="on_failure"),
        ],
    )
    plan = planner.plan(Workflow(source_system="yaml", children=[net], unit_count=5), OPTIONS)
    codes = sorted(f.code for f in plan.findings)
    assert "JM303" in codes and "JM101" in codes
    assert plan.units.total == 5 and plan.units.manual_review == 2
    planned = {j.path: j.state for j in plan.jobnets[0].jobs}
    assert planned == {"/N/A": "A", "/N/J": None, "/N/W": None, "/N/R": "R"}
    # J and W both follow A, so they run in two branches of a Parallel; W keeps its place.
    (left, right) = plan.definitions["N"]["States"]["parallel-1"]["Branches"]
    assert right["States"]["W"]["Comment"].startswith("NOT CONVERTED")
    assert left["StartAt"] == "J"


def test_cycles_are_reported() -> None:
    net = JobNet(
        name="N",
        path="/N",
        children=[Job(name=n, path=f"/N/{n}", command=Command(text=n)) for n in "AB"],
        edges=[Edge(pred="A", succ="B"), Edge(pred="B", succ="A")],
    )
    plan = planner.plan(Workflow(source_system="yaml", children=[net], unit_count=3), OPTIONS)
    assert any(f.code == "JM105" for f in plan.findings)
