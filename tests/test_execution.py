"""Generated state machines executed in moto: the SSM polling loop really runs the jobs."""

from __future__ import annotations

from converters import ImportOptions, SourceFile
from converters.neutral import parse
from jobmigrate import planner

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
