"""End to end on the bundled examples and the corpus, the way users run jobmigrate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jobmigrate.verify.asl_check import problems

from .conftest import CORPUS, FIXTURES, ROOT, assert_golden, jobmigrate

CRONTAB = ROOT / "examples" / "crontab" / "ops.crontab"
FINANCE = ROOT / "examples" / "jp1" / "finance.ajs"
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")


def cfn_lint(template: Path) -> str:
    exe = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(exe), str(template)], capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def entries(crontab: Path) -> list[int]:
    lines = crontab.read_text().splitlines()
    return [
        n
        for n, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#") and "=" not in line.split()[0]
    ]


def test_crontab_example_converts_from_an_unrelated_folder(tmp_path: Path) -> None:
    result = jobmigrate(
        "convert", CRONTAB, "--from", "crontab", "--tz", "Asia/Tokyo", "--out", "out", *WINDOW, cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr  # @reboot has no AWS schedule: a finding
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert [n["path"] for n in plan["jobnets"]] == [f"ops.crontab:{n}" for n in entries(CRONTAB)]
    assert any(f["code"].startswith("CRON") and "reboot" in f["message"] for f in plan["findings"])
    for net in plan["jobnets"]:
        definition = json.loads((tmp_path / "out" / net["asl"]).read_text())
        assert problems(definition) == []
        states = definition["States"]
        assert any(s.get("Resource", "").endswith("ssm:sendCommand") for s in states.values())
        assert any(s.get("Resource", "").endswith("ssm:getCommandInvocation") for s in states.values())
    assert cfn_lint(tmp_path / "out" / "template.yaml") == ""


def test_crontab_golden_plan(tmp_path: Path) -> None:
    jobmigrate(
        "convert",
        "examples/crontab/ops.crontab",
        "--from",
        "crontab",
        "--out",
        tmp_path / "o",
        *WINDOW,
        cwd=ROOT,
    )
    assert_golden("crontab/ops/plan.json", (tmp_path / "o" / "plan.json").read_text())
    assert_golden(
        "crontab/ops/ops_crontab-8.asl.json",
        (tmp_path / "o" / "statemachines" / "ops_crontab-8.asl.json").read_text(),
    )


def test_crontab_schedules_are_equivalent_over_a_year() -> None:
    result = jobmigrate("schedule", CRONTAB, "--from", "crontab", *WINDOW, "--format", "json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout
    nets = {n["path"]: n for n in data["jobnets"]}
    assert all(n["equivalent"] for n in nets.values())
    daily = nets["ops.crontab:8"]
    assert len(daily["legacy_runs"]) == 261 and daily["legacy_runs"][0] == "2027-01-01T22:30:00+09:00"


def test_malformed_crontab_line_is_located(tmp_path: Path) -> None:
    bad = FIXTURES / "crontab" / "broken" / "bad_fields.crontab"
    result = jobmigrate("convert", bad, "--from", "crontab", "--out", tmp_path / "out")
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{bad}:3:") and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_jp1_example_lists_every_root_jobnet_and_executable_job(tmp_path: Path) -> None:
    result = jobmigrate(
        "convert",
        FINANCE,
        "--from",
        "jp1",
        "--out",
        tmp_path / "out",
        "--start",
        "2025-01-01",
        "--end",
        "2025-12-31",
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert [n["path"] for n in plan["jobnets"]] == [
        "/FINANCE/DAILY_CLOSE",
        "/FINANCE/MONTH_END",
        "/FINANCE/WEEKLY_AUDIT",
    ]
    jobs = {j["path"] for n in plan["jobnets"] for j in n["jobs"]}
    assert {
        "/FINANCE/DAILY_CLOSE/EXTRACT",
        "/FINANCE/DAILY_CLOSE/LOAD_NET/LOAD_A",
        "/FINANCE/DAILY_CLOSE/LOAD_NET/LOAD_B",
        "/FINANCE/DAILY_CLOSE/LOAD_NET/LOAD_MERGE",
        "/FINANCE/DAILY_CLOSE/VERIFY",
        "/FINANCE/DAILY_CLOSE/REPORT",
        "/FINANCE/DAILY_CLOSE/NOTIFY_NG",
        "/FINANCE/MONTH_END/PAYROLL_PRE",
        "/FINANCE/MONTH_END/CLOSE_BOOKS",
        "/FINANCE/MONTH_END/QTR_REPORT/QREP",
    } <= jobs
    units = plan["units"]
    assert units["converted"] == units["total"] == 21 and units["manual_review"] == 0
    assert cfn_lint(tmp_path / "out" / "template.yaml") == ""
    assert sorted(p.name for p in (tmp_path / "out" / "calendars").iterdir()) == sorted(
        f"{c['name']}.ics" for c in plan["calendars"]
    )


def test_jp1_golden_state_machine(tmp_path: Path) -> None:
    jobmigrate(
        "convert",
        "examples/jp1/finance.ajs",
        "--from",
        "jp1",
        "--out",
        tmp_path / "o",
        "--start",
        "2025-01-01",
        "--end",
        "2025-12-31",
        cwd=ROOT,
    )
    out = tmp_path / "o"
    assert_golden(
        "jp1/finance/FINANCE-MONTH_END.asl.json",
        (out / "statemachines/FINANCE-MONTH_END.asl.json").read_text(),
    )
    assert_golden("jp1/finance/plan.json", (out / "plan.json").read_text())


@pytest.mark.parametrize("trigger", ["scheduler", "rule"])
def test_jp1_schedules_are_equivalent(trigger: str) -> None:
    result = jobmigrate(
        "schedule",
        FINANCE,
        "--start",
        "2025-01-01",
        "--end",
        "2026-12-31",
        "--trigger",
        trigger,
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert result.returncode == 0
    nets = {n["path"]: n for n in data["jobnets"]}
    assert all(n["equivalent"] for n in nets.values())
    month_end = nets["/FINANCE/MONTH_END"]["legacy_runs"]
    # Rule 2: the 25th of January 2025 is a Saturday -> Friday 24th -> two open days earlier,
    # Wednesday 22nd, at 25:30: 01:30 on Thursday 23rd.
    assert "2025-01-23T01:30:00+09:00" in month_end
    # Rule 1: last open day (Friday 31st) at base 05:00 + 19:00 = midnight into 1 February.
    assert "2025-02-01T00:00:00+09:00" in month_end


def corpus_files() -> list[Path]:
    return sorted((CORPUS / "jp1").glob("*.ajs")) if CORPUS.exists() else []


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_converts_or_is_reported(path: Path, tmp_path: Path) -> None:
    result = jobmigrate("convert", path, "--from", "jp1", "--out", tmp_path / "out", *WINDOW)
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.returncode == 2:
        assert result.stderr.startswith(f"{path}:")
        return
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    units = plan["units"]
    assert units["converted"] + units["manual_review"] == units["total"] > 0
    for f in plan["findings"]:
        if f["severity"] == "error" and f.get("source"):
            assert f["source"]["line"] > 0
