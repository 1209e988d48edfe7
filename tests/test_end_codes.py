"""End-code judgment, automatic retries and timeouts, executed in moto."""

from __future__ import annotations

import datetime as dt

import pytest

from jobmigrate import planner
from jobmigrate.model import Command, Edge, EndJudgment, Job, JobNet, Retry, Timeout, Workflow

from .moto_support import local_aws, run_definition

OPTIONS = planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))


def definition(first: Job) -> dict[str, object]:
    after = Job(name="AFTER", path="/N/AFTER", command=Command(text="after.sh"))
    net = JobNet(name="N", path="/N", children=[first, after], edges=[Edge(pred=first.name, succ="AFTER")])
    return planner.plan(Workflow(source_system="test", children=[net], unit_count=3), OPTIONS).definitions[
        "N"
    ]


def checked(**kw: object) -> Job:
    return Job(name="CHECK", path="/N/CHECK", command=Command(text="check.sh"), **kw)  # type: ignore[arg-type]


THRESHOLDS = EndJudgment(warning_threshold=3, abnormal_threshold=8)


@pytest.mark.parametrize(
    ("code", "status", "continues"),
    [
        (0, "Success", True),
        (3, "Failed", True),
        (5, "Failed", True),
        (8, "Failed", True),
        (9, "Failed", False),
    ],
)
def test_warning_continues_and_abnormal_fails(code: int, status: str, continues: bool) -> None:
    with local_aws(lambda c: (status, code) if c == "check.sh" else ("Success", 0)) as log:
        result = run_definition(definition(checked(end_judgment=THRESHOLDS)), "N")
    assert result["status"] == ("SUCCEEDED" if continues else "FAILED")
    assert log.sent == (["check.sh", "after.sh"] if continues else ["check.sh"])


def test_default_judgment_fails_on_any_nonzero_code() -> None:
    with local_aws(lambda c: ("Failed", 1) if c == "check.sh" else ("Success", 0)) as log:
        result = run_definition(definition(checked()), "N")
    assert result["status"] == "FAILED" and log.sent == ["check.sh"]


def test_always_normal_ignores_the_code() -> None:
    job = checked(end_judgment=EndJudgment(mode="always_normal"))
    with local_aws(lambda c: ("Failed", 99) if c == "check.sh" else ("Success", 0)) as log:
        result = run_definition(definition(job), "N")
    assert result["status"] == "SUCCEEDED" and log.sent == ["check.sh", "after.sh"]


def test_retryable_code_is_retried_the_legacy_number_of_times() -> None:
    job = checked(retry=Retry(count=2, interval_minutes=5, rc_from=9, rc_to=9))
    answers = iter([("Failed", 9), ("Failed", 9), ("Success", 0)])
    with local_aws(lambda c: next(answers) if c == "check.sh" else ("Success", 0)) as log:
        result = run_definition(definition(job), "N")
    assert result["status"] == "SUCCEEDED"
    assert log.sent == ["check.sh", "check.sh", "check.sh", "after.sh"]


def test_retries_run_out() -> None:
    job = checked(retry=Retry(count=2, interval_minutes=5, rc_from=9, rc_to=9))
    with local_aws(lambda c: ("Failed", 9) if c == "check.sh" else ("Success", 0)) as log:
        result = run_definition(definition(job), "N")
    assert result["status"] == "FAILED" and log.sent == ["check.sh"] * 3


def test_code_outside_the_retry_range_fails_at_once() -> None:
    job = checked(retry=Retry(count=2, interval_minutes=5, rc_from=9, rc_to=9))
    with local_aws(lambda c: ("Failed", 12) if c == "check.sh" else ("Success", 0)) as log:
        result = run_definition(definition(job), "N")
    assert result["status"] == "FAILED" and log.sent == ["check.sh"]


@pytest.mark.parametrize(("after", "continues"), [("kill", False), ("warning", True)])
def test_timeout_ends_the_job_as_configured(after: str, continues: bool) -> None:
    job = checked(timeout=Timeout(minutes=30, status_after=after))  # type: ignore[arg-type]
    plan_def = definition(job)
    send = plan_def["States"]["CHECK"]  # type: ignore[index]
    assert send["Parameters"]["Parameters"]["executionTimeout"] == ["1800"]
    with local_aws(lambda c: ("TimedOut", -1) if c == "check.sh" else ("Success", 0)) as log:
        result = run_definition(plan_def, "N")
    assert result["status"] == ("SUCCEEDED" if continues else "FAILED")
    assert log.sent == (["check.sh", "after.sh"] if continues else ["check.sh"])
