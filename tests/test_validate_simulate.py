"""`validate` and `simulate` on a converted folder, as users run them before cutover."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import FIXTURES, jobmigrate

NET = "/FINANCE/DAILY_CLOSE"


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finance") / "out"
    result = jobmigrate(
        "convert",
        FIXTURES / "jp1" / "finance.ajs",
        "--out",
        out,
        "--start",
        "2025-01-01",
        "--end",
        "2025-12-31",
    )
    assert result.returncode == 0, result.stderr
    return out


def copy(converted: Path, tmp_path: Path) -> Path:
    target = tmp_path / "out"
    shutil.copytree(converted, target)
    return target


def test_a_fresh_conversion_validates(converted: Path) -> None:
    result = jobmigrate("validate", converted, "--format", "json")
    assert result.returncode == 0, result.stdout
    checks = json.loads(result.stdout)["checks"]
    assert checks["schedules"]["checked"] == 3 and checks["calendars"]["checked"] == 5
    assert all(not c["errors"] for c in checks.values())


def test_an_edited_calendar_breaks_the_schedule_proof(converted: Path, tmp_path: Path) -> None:
    out = copy(converted, tmp_path)
    plan = json.loads((out / "plan.json").read_text())
    gate = next(n for n in plan["jobnets"] if n["path"] == NET)["triggers"][0]["calendars"][0]
    ics = out / "calendars" / f"{gate}.ics"
    text = ics.read_text()
    first = text.index("BEGIN:VEVENT")
    ics.write_text(text[:first] + text[text.index("END:VEVENT", first) + len("END:VEVENT\n") :])
    result = jobmigrate("validate", out, "--no-lint")
    assert result.returncode == 1
    assert NET in result.stdout and "calendars" in result.stdout


def test_a_broken_state_machine_is_reported(converted: Path, tmp_path: Path) -> None:
    out = copy(converted, tmp_path)
    asl_path = out / "statemachines" / "FINANCE-DAILY_CLOSE.asl.json"
    definition = json.loads(asl_path.read_text())
    definition["States"]["VERIFY-done"]["Next"] = "NOWHERE"
    asl_path.write_text(json.dumps(definition))
    result = jobmigrate("validate", out, "--no-lint", "--format", "json")
    assert result.returncode == 1
    errors = json.loads(result.stdout)["checks"]["state machines"]["errors"]
    assert any("NOWHERE" in e for e in errors)


def simulate(converted: Path, *scenarios: str) -> dict[str, object]:
    args = [a for s in scenarios for a in ("--scenario", s)]
    result = jobmigrate("simulate", converted, "--jobnet", NET, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_simulated_success_runs_every_ordinary_job_once(converted: Path) -> None:
    data = simulate(converted)
    assert data["status"] == "SUCCEEDED"
    assert data["jobs_run"][0] == f"{NET}/EXTRACT" and data["jobs_run"][-1] == f"{NET}/VERIFY"  # type: ignore[index]
    assert len(data["jobs_run"]) == 5  # type: ignore[arg-type]


def test_simulated_warning_code_runs_the_judged_report(converted: Path) -> None:
    data = simulate(converted, f"rc:{NET}/VERIFY=5")
    assert data["status"] == "SUCCEEDED" and data["jobs_run"][-1] == f"{NET}/REPORT"  # type: ignore[index]


@pytest.mark.parametrize("scenario", [f"rc:{NET}/EXTRACT=9", f"fail:{NET}/EXTRACT"])
def test_simulated_failure_runs_recovery_and_fails(converted: Path, scenario: str) -> None:
    data = simulate(converted, scenario)
    assert data == {"status": "FAILED", "jobs_run": [f"{NET}/EXTRACT", f"{NET}/NOTIFY_NG"]}


def test_simulated_closed_day_runs_nothing(converted: Path) -> None:
    assert simulate(converted, "closed") == {"status": "SUCCEEDED", "jobs_run": []}


def test_unknown_job_or_scenario_is_a_usage_error(converted: Path) -> None:
    result = jobmigrate("simulate", converted, "--jobnet", NET, "--scenario", "fail:/NOPE")
    assert result.returncode == 2 and "not a job" in result.stderr
    result = jobmigrate("simulate", converted, "--jobnet", NET, "--scenario", "explode")
    assert result.returncode == 2 and "--scenario" in result.stderr
    result = jobmigrate("validate", converted.parent)
    assert result.returncode == 2 and "plan.json" in result.stderr
