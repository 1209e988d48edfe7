"""Deterministic output: the same input gives the same bytes, whatever the run.

Reviewers diff generated definitions in pull requests (architecture decision 7), so a second
conversion, a conversion in another process with another PYTHONHASHSEED (set and dict iteration
orders of str keys change with it), and a conversion over an existing folder must all write
byte-identical folders. Inputs are each importer's example or fixture, and generated JP1 and
Control-M exports big enough for iteration order to matter.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from jobmigrate import emit, pipeline
from jobmigrate.output import WRITER_FROM_BYTES

from .conftest import ROOT

START, END = "2027-01-01", "2027-12-31"
WINDOW = ("--start", START, "--end", END)

# (importer, inputs relative to the checkout): every run uses the same paths from the same
# working directory, because the source paths are part of the output (comments, plan.json).
CASES: list[tuple[str, tuple[str, ...]]] = [
    ("crontab", ("examples/crontab/ops.crontab",)),
    ("jp1", ("examples/jp1/finance.ajs",)),
    ("controlm", ("examples/controlm",)),
    ("autosys", ("examples/autosys/daily_batch.jil",)),
    ("yaml", ("tests/fixtures/yaml/nightly.yaml",)),
]
IDS = [fmt for fmt, _ in CASES]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def convert(
    fmt: str, inputs: tuple[str | Path, ...], out: Path, hash_seed: str, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "jobmigrate"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    args = [str(exe), "convert", *map(str, inputs), "--from", fmt, "--out", str(out), *WINDOW]
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", check=False
    )


def convert_in_process(fmt: str, inputs: tuple[str, ...]) -> dict[str, bytes]:
    """The files `convert` writes, computed in this process (cwd must be ROOT)."""
    done = pipeline.run(inputs, fmt, "Asia/Tokyo", None, pipeline.parse_window(START, END), "scheduler")
    files = emit.render(done.plan, workflow=done.loaded.workflow)
    return {path: text.encode("utf-8") for path, text in files.items()}


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    out = [f"only in one run: {p}" for p in sorted(set(a) ^ set(b))]
    for path in sorted(set(a) & set(b)):
        if a[path] != b[path]:
            shorter = min(len(a[path]), len(b[path]))
            at = next((i for i, (x, y) in enumerate(zip(a[path], b[path], strict=False)) if x != y), shorter)
            out.append(f"{path} differs at byte {at}: {a[path][at : at + 60]!r} / {b[path][at : at + 60]!r}")
    return out


@pytest.mark.parametrize(("fmt", "inputs"), CASES, ids=IDS)
def test_converting_twice_in_one_process_gives_the_same_files(
    fmt: str, inputs: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    first = convert_in_process(fmt, inputs)
    second = convert_in_process(fmt, inputs)
    assert {"plan.json", "template.yaml", "report.md"} <= set(first)
    assert any(p.startswith("statemachines/") for p in first)
    assert differences(first, second) == []


@pytest.mark.parametrize(("fmt", "inputs"), CASES, ids=IDS)
def test_hash_seeds_and_processes_do_not_change_a_byte(
    fmt: str, inputs: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: dict[str, dict[str, bytes]] = {}
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        result = convert(fmt, inputs, out, seed)
        assert result.returncode in (0, 1), result.stderr
        runs[seed] = snapshot(out)
    assert differences(runs["1"], runs["2"]) == []
    # The folder holds exactly what render() gives in this process (third hash seed).
    monkeypatch.chdir(ROOT)
    assert differences(runs["1"], convert_in_process(fmt, inputs)) == []


def test_converting_over_the_previous_folder_gives_the_same_bytes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inputs = ("examples/jp1/finance.ajs",)
    first = convert("jp1", inputs, out, "3")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    (out / "stale.txt").write_text("left from an older run")  # replaced as a whole, so it goes
    second = convert("jp1", inputs, out, "4")
    assert second.returncode == 0, second.stderr
    assert differences(before, snapshot(out)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_output_does_not_depend_on_the_day_of_the_conversion(tmp_path: Path) -> None:
    today = dt.date.today()
    if dt.date.fromisoformat(START) <= today <= dt.date.fromisoformat(END):
        pytest.skip("today is inside the horizon: its date legitimately appears in calendars")
    for fmt, inputs in CASES:
        out = tmp_path / fmt
        assert convert(fmt, inputs, out, "0").returncode in (0, 1)
        for path, data in snapshot(out).items():
            text = data.decode("utf-8")
            for stamp in (today.isoformat(), today.strftime("%Y%m%d"), today.strftime("%Y/%m/%d")):
                assert stamp not in text, f"{fmt}: {path} contains today's date {stamp}"


def _benchmark_module(name: str) -> ModuleType:
    """A generator script of benchmarks/ (not a package) loaded as a module."""
    qualified = f"_jobmigrate_benchmarks_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("fmt", ["jp1", "controlm"])
def test_large_generated_exports_are_deterministic(fmt: str, tmp_path: Path) -> None:
    """Hundreds of job-nets, shared calendars, fan-outs and name collisions: where set or dict
    order would show first."""
    if fmt == "jp1":
        source = tmp_path / "generated.ajs"
        source.write_text(_benchmark_module("gen_jp1").generate(400, seed=7), encoding="utf-8")
        inputs: tuple[str, ...] = (source.name,)
    else:
        _benchmark_module("gen_controlm").write(tmp_path / "ctm", 400, seed=7)
        inputs = ("ctm",)
    runs = []
    for seed in ("5", "6"):
        out = tmp_path / f"out{seed}"
        result = convert(fmt, inputs, out, seed, cwd=tmp_path)
        assert result.returncode in (0, 1), result.stderr
        runs.append(snapshot(out))
    assert len(runs[0]) > 10
    assert differences(runs[0], runs[1]) == []


def test_a_conversion_large_enough_for_the_writer_process_is_deterministic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 jobs write some 15 MB of definitions: past a few megabytes the writer process
    (jobmigrate.writer) takes over. Its folder is the same under two hash seeds and the same as
    the files rendered in this process without it."""
    source = tmp_path / "generated.ajs"
    source.write_text(_benchmark_module("gen_jp1").generate(2000, seed=9), encoding="utf-8")
    runs = []
    for seed in ("7", "8"):
        out = tmp_path / f"out{seed}"
        result = convert("jp1", (source.name,), out, seed, cwd=tmp_path)
        assert result.returncode in (0, 1), result.stderr
        runs.append(snapshot(out))
    definitions = sum(len(data) for path, data in runs[0].items() if path.startswith("statemachines/"))
    assert definitions > 2 * WRITER_FROM_BYTES
    assert differences(runs[0], runs[1]) == []
    monkeypatch.chdir(tmp_path)
    assert differences(runs[0], convert_in_process("jp1", (source.name,))) == []


def test_generators_are_deterministic_by_seed() -> None:
    gen_jp1, gen_controlm = _benchmark_module("gen_jp1"), _benchmark_module("gen_controlm")
    assert gen_jp1.generate(300, seed=1) == gen_jp1.generate(300, seed=1)
    assert gen_controlm.generate(300, seed=1) == gen_controlm.generate(300, seed=1)
    assert gen_controlm.generate(300, seed=1) != gen_controlm.generate(300, seed=2)
    table, _ = gen_controlm.generate(300, seed=1)
    assert table.count("<JOB ") == 300
