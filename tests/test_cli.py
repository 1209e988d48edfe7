"""The command line as users and scripts meet it: outputs, exit codes, errors, atomicity."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from jobmigrate.verify.asl_check import problems

from .conftest import FIXTURES, ROOT, jobmigrate

NIGHTLY = FIXTURES / "yaml" / "nightly.yaml"


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "cfn-lint"
    return subprocess.run([str(exe), str(template)], capture_output=True, text=True, check=False)


def test_convert_from_an_unrelated_folder(tmp_path: Path) -> None:
    result = jobmigrate("convert", NIGHTLY, "--from", "yaml", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert sorted(tree(out)) == [
        "plan.json",
        "report.html",
        "report.md",
        "statemachines/OPS-NIGHTLY.asl.json",
        "template.yaml",
        *(f"terraform/{name}.tf" for name in ("calendars", "iam", "providers", "state_machines", "triggers")),
        "terraform/variables.tf",
    ]
    plan = json.loads((out / "plan.json").read_text())
    assert [n["path"] for n in plan["jobnets"]] == ["/OPS/NIGHTLY"]
    asl = json.loads((out / "statemachines/OPS-NIGHTLY.asl.json").read_text())
    assert problems(asl) == []
    lint = cfn_lint(out / "template.yaml")
    assert lint.returncode == 0, lint.stdout


def test_format_is_guessed_and_said(tmp_path: Path) -> None:
    result = jobmigrate("convert", NIGHTLY, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "yaml" in result.stderr and "guessed" in result.stderr


def test_output_is_deterministic(tmp_path: Path) -> None:
    env = dict(os.environ)
    first = jobmigrate("convert", NIGHTLY, "--from", "yaml", "--out", tmp_path / "a", cwd=ROOT)
    env["PYTHONHASHSEED"] = "12345"
    second = subprocess.run(
        [
            str(Path(sys.executable).parent / "jobmigrate"),
            "convert",
            str(NIGHTLY),
            "--from",
            "yaml",
            "--out",
            str(tmp_path / "b"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert first.returncode == second.returncode == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_missing_file_is_a_located_error(tmp_path: Path) -> None:
    result = jobmigrate("convert", "nope.crontab", "--from", "crontab", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("nope.crontab:0:0: ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_importer_is_rejected(tmp_path: Path) -> None:
    result = jobmigrate("convert", NIGHTLY, "--from", "tivoli", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "unknown --from 'tivoli'" in result.stderr and result.stderr.startswith(str(NIGHTLY))
    assert not (tmp_path / "out").exists()


def test_bad_time_zone_is_rejected(tmp_path: Path) -> None:
    result = jobmigrate("convert", NIGHTLY, "--tz", "Mars/Olympus", "--out", tmp_path / "out")
    assert result.returncode == 2 and "Mars/Olympus" in result.stderr


def test_bad_input_leaves_previous_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert jobmigrate("convert", NIGHTLY, "--from", "yaml", "--out", out).returncode == 0
    before = tree(out)
    bad = tmp_path / "bad.yaml"
    bad.write_text(NIGHTLY.read_text().replace("minutes: 90", "minutes: [90"))
    result = jobmigrate("convert", bad, "--from", "yaml", "--out", out)
    assert result.returncode == 2 and f"{bad}:" in result.stderr and "Traceback" not in result.stderr
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "out"]  # no staging left behind


def test_user_templates_override_shipped_ones(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "report.md.j2").write_text("custom report for {{ plan.jobnets | length }} job-nets\n")
    result = jobmigrate(
        "convert", NIGHTLY, "--from", "yaml", "--out", tmp_path / "out", "--templates", custom
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "report.md").read_text() == "custom report for 1 job-nets\n"


def test_schema_command_prints_the_shipped_schema() -> None:
    result = jobmigrate("schema")
    shipped = (ROOT / "jobmigrate" / "schema" / "workflow.schema.json").read_text(encoding="utf-8")
    assert result.returncode == 0 and result.stdout == shipped


def test_non_editable_install_finds_its_templates(tmp_path: Path) -> None:
    """`pip install .` (a wheel, not the source tree) must carry templates and schema."""
    # A clean copy: setuptools reuses a build/ folder, whose stale modules could hide a package
    # missing from pyproject.toml.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "out", "__pycache__", ".*_cache", ".hypothesis"
        ),
    )
    target = tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    assert (target / "jobmigrate" / "templates" / "template.yaml.j2").exists()
    assert (target / "jobmigrate" / "schema" / "workflow.schema.json").exists()
    for package in ("jobmigrate/commands", "jobmigrate/planner", "jobmigrate/verify", "converters/jp1"):
        assert (target / package / "__init__.py").exists(), package
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(NIGHTLY, work / "n.yaml")
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [sys.executable, "-c", "from jobmigrate.cli import main; main()", "convert", "n.yaml", "--out", "o"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert (work / "o" / "template.yaml").exists()
