"""The first planner: names, triggers from Unix cron, the SSM polling loop, golden artefacts."""

from __future__ import annotations

import json

import pytest

from converters import ImportOptions, SourceFile
from converters.neutral import parse
from jobmigrate import emit, planner
from jobmigrate.model import Command, Edge, Job, JobNet, UnixCron, Workflow
from jobmigrate.planner.naming import NameRegistry, aws_name, jobnet_machine_name
from jobmigrate.planner.triggers import compress, unix_cron_triggers
from jobmigrate.verify.asl_check import problems

from .conftest import FIXTURES, assert_golden

ALL_DOM = list(range(1, 32))
ALL_MONTHS = list(range(1, 13))


def cron(
    minutes: list[int],
    hours: list[int],
    dom: list[int] | None = None,
    dow: list[int] | None = None,
    months: list[int] | None = None,
) -> UnixCron:
    return UnixCron(
        expression="test",
        minutes=minutes,
        hours=hours,
        days_of_month=dom or ALL_DOM,
        months=months or ALL_MONTHS,
        days_of_week=dow if dow is not None else list(range(7)),
        dom_restricted=dom is not None,
        dow_restricted=dow is not None,
    )


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


def test_compress_field_values() -> None:
    assert compress(list(range(60)), 0, 59) == "*"
    assert compress([0, 15, 30, 45], 0, 59) == "0,15,30,45"
    assert compress([8, 9, 10, 11, 17], 0, 23) == "8-11,17"
    assert compress([2, 3, 4, 5, 6], 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")) == "MON-FRI"


def test_weekday_cron_uses_aws_numbering() -> None:
    (trigger,), problems_found = unix_cron_triggers(cron([30], [22], dow=[1, 2, 3, 4, 5]), "Asia/Tokyo", 1)
    assert trigger.expression == "cron(30 22 ? * MON-FRI *)"
    assert trigger.timezone == "Asia/Tokyo" and not problems_found


def test_sunday_is_one_on_aws() -> None:
    (trigger,), _ = unix_cron_triggers(cron([0], [6], dow=[0]), "UTC", 1)
    assert trigger.expression == "cron(0 6 ? * SUN *)"


def test_day_of_month_cron() -> None:
    (trigger,), _ = unix_cron_triggers(cron([0], [19], dom=[28, 29, 30, 31]), "UTC", 1)
    assert trigger.expression == "cron(0 19 28-31 * ? *)"


def test_dom_or_dow_is_reported_not_approximated() -> None:
    triggers, problems_found = unix_cron_triggers(cron([0], [9], dom=[1, 15], dow=[1]), "UTC", 1)
    assert [t.expression for t in triggers] == ["cron(0 9 1,15 * ? *)", "cron(0 9 ? * MON *)"]
    assert problems_found and "two executions" in problems_found[0]


def nightly_plan() -> planner.Plan:
    text = (FIXTURES / "yaml" / "nightly.yaml").read_text(encoding="utf-8")
    wf = parse([SourceFile(path="tests/fixtures/yaml/nightly.yaml", text=text)], ImportOptions())
    return planner.plan(wf)


def test_each_job_runs_through_a_polling_loop() -> None:
    plan = nightly_plan()
    definition = plan.definitions["OPS-NIGHTLY"]
    assert problems(definition) == []
    states = definition["States"]
    assert definition["StartAt"] == "BACKUP"
    assert states["BACKUP"]["Resource"] == "arn:aws:states:::aws-sdk:ssm:sendCommand"
    assert states["BACKUP"]["Parameters"]["DocumentName"] == "AWS-RunShellScript"
    assert states["BACKUP"]["Parameters"]["Parameters"]["executionTimeout"] == ["5400"]
    assert states["BACKUP"]["Next"] == "BACKUP-wait"
    assert states["BACKUP-status"]["Resource"].endswith("ssm:getCommandInvocation")
    check = states["BACKUP-check"]
    assert check["Choices"][0]["Next"] == "BACKUP-wait"  # still running: poll again
    assert check["Choices"][1] == {
        "Variable": "$.command.result.Status",
        "StringEquals": "Success",
        "Next": "REPORT",
    }
    assert check["Default"] == "BACKUP-failed"
    assert states["REPORT"]["Parameters"]["DocumentName"] == "AWS-RunPowerShellScript"
    assert states["REPORT-check"]["Choices"][1]["Next"] == "Done"


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
            Job(name="J", path="/N/J", kind="judgment"),
            Job(name="R", path="/N/R", recovery=True, command=Command(text="r")),
        ],
        edges=[Edge(pred="A", succ="J"), Edge(pred="A", succ="R", kind="on_failure")],
    )
    plan = planner.plan(Workflow(source_system="yaml", children=[net], unit_count=4))
    codes = sorted(f.code for f in plan.findings)
    assert "JM101" in codes and "JM102" in codes and "JM201" not in codes
    assert plan.units.total == 4 and plan.units.manual_review + plan.units.converted == 4
    assert [j.path for j in plan.jobnets[0].jobs] == ["/N/A"]


def test_cycles_are_reported() -> None:
    net = JobNet(
        name="N",
        path="/N",
        children=[Job(name=n, path=f"/N/{n}", command=Command(text=n)) for n in "AB"],
        edges=[Edge(pred="A", succ="B"), Edge(pred="B", succ="A")],
    )
    plan = planner.plan(Workflow(source_system="yaml", children=[net], unit_count=3))
    assert any(f.code == "JM105" for f in plan.findings)
