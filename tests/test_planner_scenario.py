"""The planner's acceptance scenario, end to end through convert, validate and simulate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import FIXTURES, jobmigrate

NET = "/PLAN/SCENARIO"
EDGES = [("A", "C"), ("B", "C"), ("B", "D"), ("A", "L"), ("D", "NEST/N1"), ("NEST/N1", "NEST/N2")]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario") / "out"
    result = jobmigrate(
        "convert",
        FIXTURES / "jp1" / "planner_scenario.ajs",
        "--from",
        "jp1",
        "--out",
        out,
        "--start",
        "2027-01-01",
        "--end",
        "2027-12-31",
    )
    assert result.returncode == 0, result.stderr
    return out


def simulate(out: Path, *scenarios: str) -> tuple[str, list[str]]:
    args = [a for s in scenarios for a in ("--scenario", s)]
    result = jobmigrate("simulate", out, "--jobnet", NET, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return data["status"], [j.removeprefix(f"{NET}/") for j in data["jobs_run"]]


def respects_edges(order: list[str]) -> None:
    for before, after in EDGES:
        assert order.index(before) < order.index(after), (before, after, order)


def test_converts_validates_and_gates_on_open_days(converted: Path) -> None:
    assert jobmigrate("validate", converted).returncode == 0
    plan = json.loads((converted / "plan.json").read_text())
    (net,) = plan["jobnets"]
    assert net["calendars"] and all(t["calendars"] for t in net["triggers"])
    assert any(f["code"] == "JM301" for f in plan["findings"])  # the N shape serialised a pair


def test_all_ordinary_jobs_run_once_respecting_every_edge(converted: Path) -> None:
    status, order = simulate(converted)
    assert status == "SUCCEEDED"
    assert sorted(order) == ["A", "B", "C", "D", "L", "NEST/N1", "NEST/N2"]
    respects_edges(order)


def test_warning_code_runs_the_conditional_successor(converted: Path) -> None:
    status, order = simulate(converted, f"rc:{NET}/A=5")
    assert status == "SUCCEEDED"
    assert sorted(order) == ["A", "B", "C", "D", "K", "L", "NEST/N1", "NEST/N2"]
    respects_edges(order)


@pytest.mark.parametrize("scenario", [f"rc:{NET}/A=9", f"fail:{NET}/A"])
def test_abnormal_end_runs_recovery_and_fails(converted: Path, scenario: str) -> None:
    status, order = simulate(converted, scenario)
    assert status == "FAILED"
    assert order[-1] == "RA" and "C" not in order and "L" not in order


def test_closed_day_runs_nothing(converted: Path) -> None:
    assert simulate(converted, "closed") == ("SUCCEEDED", [])
