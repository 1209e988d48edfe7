"""Job-net control flow executed in moto: structure, nested job-nets, recovery, judgments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

import converters
from converters import ImportOptions
from jobmigrate import planner
from jobmigrate.inputs import collect, read
from jobmigrate.model import Command, Edge, Job, JobNet, Workflow
from jobmigrate.verify.asl_check import problems

from .conftest import FIXTURES
from .moto_support import local_aws, published, run_definition

OPTIONS = planner.PlanOptions(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
Outcome = Callable[[str], tuple[str, int]]


def daily_close() -> dict[str, object]:
    files = read(collect([str(FIXTURES / "jp1" / "finance.ajs")]), None)
    plan = planner.plan(converters.get("jp1").parse(files, ImportOptions()), OPTIONS)
    return plan.definitions["FINANCE-DAILY_CLOSE"]


def script(command: str) -> str:
    return command.split()[0].rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


def run(outcome: Outcome) -> tuple[str, list[str]]:
    with local_aws(outcome) as log:
        result = run_definition(daily_close(), "daily")
    return result["status"], [script(c) for c in log.sent]


def codes(**by_script: int) -> Outcome:
    def outcome(command: str) -> tuple[str, int]:
        code = by_script.get(script(command).split(".")[0], 0)
        return ("Success", 0) if code == 0 else ("Failed", code)

    return outcome


def respects_edges(order: list[str]) -> None:
    position = {name: i for i, name in enumerate(order)}
    for before, after in [
        ("extract.sh", "load.sh"),
        ("load.sh", "merge.sh"),
        ("merge.sh", "verify.sh"),
    ]:
        assert position[before] < position[after], order


def test_definition_is_valid() -> None:
    assert problems(daily_close()) == []


def test_all_jobs_run_once_in_an_order_respecting_every_edge() -> None:
    status, order = run(codes())
    assert status == "SUCCEEDED"
    assert sorted(order) == ["extract.sh", "load.sh", "load.sh", "merge.sh", "verify.sh"]
    respects_edges(order)  # REPORT is skipped: VERIFY's code 0 fails the judgment (>= 4)


def test_warning_code_continues_and_the_judgment_runs_its_dependent_unit() -> None:
    status, order = run(codes(verify=5))  # VERIFY: abnormal only above 10
    assert status == "SUCCEEDED"
    assert order[-1] == "report.cmd" and order.count("report.cmd") == 1
    respects_edges(order)


def test_abnormal_end_runs_the_recovery_job_and_the_jobnet_fails() -> None:
    with local_aws(codes(extract=12)) as log:  # above the abnormal threshold 8, not retryable
        result = run_definition(daily_close(), "daily")
        messages = published()
    assert result["status"] == "FAILED"
    assert [script(c) for c in log.sent] == ["extract.sh", "notify.sh"]
    # The failure is published once, naming the unit and its line in the legacy file.
    (message,) = messages
    assert message["unit"] == "/FINANCE/DAILY_CLOSE/EXTRACT"
    assert message["legacy_source"].endswith("tests/fixtures/jp1/finance.ajs:37:3")


def test_retryable_code_is_retried_then_recovered() -> None:
    status, order = run(codes(extract=9))  # rc 9 retried twice (rec=2), then the recovery job
    assert status == "FAILED"
    assert order == ["extract.sh", "extract.sh", "extract.sh", "notify.sh"]


def test_failure_inside_a_nested_jobnet_fails_the_root() -> None:
    status, order = run(codes(merge=1))
    assert status == "FAILED"
    assert "verify.sh" not in order and order.count("load.sh") == 2


def n_shape() -> JobNet:
    """A -> C, B -> C, B -> D: not series-parallel."""
    jobs = [Job(name=n, path=f"/N/{n}", command=Command(text=f"{n}.sh")) for n in "ABCD"]
    edges = [Edge(pred="A", succ="C"), Edge(pred="B", succ="C"), Edge(pred="B", succ="D")]
    return JobNet(name="N", path="/N", children=jobs, edges=edges)  # type: ignore[arg-type]


def test_n_shape_keeps_every_edge_and_reports_what_was_serialised() -> None:
    plan = planner.plan(Workflow(source_system="test", children=[n_shape()], unit_count=5), OPTIONS)
    assert any(f.code == "JM301" and "A|D" in f.message for f in plan.findings)
    with local_aws(lambda c: ("Success", 0)) as log:
        result = run_definition(plan.definitions["N"], "n")
    assert result["status"] == "SUCCEEDED"
    order = [c.split(".")[0] for c in log.sent]
    assert sorted(order) == ["A", "B", "C", "D"]
    for before, after in [("A", "C"), ("B", "C"), ("B", "D")]:
        assert order.index(before) < order.index(after)


@pytest.mark.parametrize("failing", ["A", "B"])
def test_a_failing_branch_fails_the_execution(failing: str) -> None:
    plan = planner.plan(Workflow(source_system="test", children=[n_shape()], unit_count=5), OPTIONS)
    with local_aws(lambda c: ("Failed", 1) if c.startswith(failing) else ("Success", 0)) as log:
        result = run_definition(plan.definitions["N"], "n")
    assert result["status"] == "FAILED"
    assert "C.sh" not in log.sent
