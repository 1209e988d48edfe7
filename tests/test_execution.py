"""Generated state machines executed in moto: the SSM polling loop really runs the jobs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest

import converters
from calendars.changecal import ChangeCalendar, state
from converters import ImportOptions, SourceFile
from converters.neutral import parse
from jobmigrate import planner
from jobmigrate.inputs import collect, read
from jobmigrate.verify.equivalence import emitted_calendars

from .conftest import FIXTURES
from .moto_support import local_aws, run_definition


def nightly_definition() -> dict[str, object]:
    text = (FIXTURES / "yaml" / "nightly.yaml").read_text(encoding="utf-8")
    wf = parse([SourceFile(path="nightly.yaml", text=text)], ImportOptions())
    return planner.plan(wf).definitions["OPS-NIGHTLY"]


def test_jobs_run_in_order_and_polling_waits_for_the_end() -> None:
    with local_aws(lambda command: ("Success", 0)) as log:
        result = run_definition(nightly_definition(), "OPS-NIGHTLY")
    assert result["status"] == "SUCCEEDED"
    assert log.sent == ["/opt/ops/bin/backup.sh --full", "C:\\ops\\report.cmd /daily"]
    assert sorted(log.polls.values()) == [2, 2]  # InProgress once, then Success


def test_a_failed_job_fails_the_execution_and_stops_the_flow() -> None:
    def outcome(command: str) -> tuple[str, int]:
        return ("Failed", 12) if "backup" in command else ("Success", 0)

    with local_aws(outcome) as log:
        result = run_definition(nightly_definition(), "OPS-NIGHTLY")
    assert result["status"] == "FAILED"
    assert log.sent == ["/opt/ops/bin/backup.sh --full"]
    assert result["error"] == "JobFailed"
    assert "/OPS/NIGHTLY/BACKUP" in result["cause"]


def finance_plan() -> tuple[planner.Plan, dict[str, ChangeCalendar]]:
    files = read(collect([str(FIXTURES / "jp1" / "finance.ajs")]), None)
    wf = converters.get("jp1").parse(files, ImportOptions())
    plan = planner.plan(wf, planner.PlanOptions(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)))
    return plan, emitted_calendars(plan)


def gate_from(calendars: dict[str, ChangeCalendar]) -> Callable[[list[str], str], str]:
    """GetCalendarState answered from the emitted iCalendar documents."""

    def answer(names: list[str], at_time: str) -> str:
        instant = dt.datetime.fromisoformat(at_time.replace("Z", "+00:00"))
        return state([calendars[n] for n in names], instant)

    return answer


@pytest.mark.parametrize(
    ("scheduled", "runs"),
    [
        ("2025-01-06T13:30:00Z", True),  # Monday 22:30 JST, an open day
        ("2025-01-13T13:30:00Z", False),  # Monday, but a listed holiday
        ("2025-03-29T13:30:00Z", True),  # Saturday forced open
        ("2025-03-22T13:30:00Z", False),  # ordinary Saturday
    ],
)
def test_calendar_gate_decides_at_the_scheduled_instant(scheduled: str, runs: bool) -> None:
    plan, calendars = finance_plan()
    net = next(n for n in plan.jobnets if n.path == "/FINANCE/DAILY_CLOSE")
    (trigger,) = net.triggers
    payload = {"scheduled_time": scheduled, "calendars": trigger.calendars}
    with local_aws(lambda command: ("Success", 0), gate_from(calendars)) as log:
        result = run_definition(plan.definitions[net.state_machine], "daily", payload)
    assert result["status"] == "SUCCEEDED"
    assert log.calendar_checks == [(trigger.calendars, scheduled)]
    output = json.loads(result["output"])
    if runs:
        assert log.sent and log.sent[0].startswith("/opt/batch/bin/extract.sh")
        assert "skipped" not in output
    else:
        assert log.sent == []
        assert output["skipped"]["status"] == "SKIPPED"


def test_a_start_without_calendars_runs_at_once() -> None:
    plan, _ = finance_plan()
    net = next(n for n in plan.jobnets if n.path == "/FINANCE/DAILY_CLOSE")
    with local_aws(lambda command: ("Success", 0), lambda names, at: "CLOSED") as log:
        result = run_definition(plan.definitions[net.state_machine], "manual", {})
    assert result["status"] == "SUCCEEDED" and log.calendar_checks == [] and log.sent
