"""The definition writer process (jobmigrate.writer) behind the output folder.

Large conversions hand the serialisation and writing of definitions to a second process. It
must write exactly what the converting process writes itself, report its errors so that the
conversion fails cleanly (exit 2, no output folder), and never leave a process behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jobmigrate import emit, output, pipeline

from .conftest import ROOT, jobmigrate
from .test_determinism import _benchmark_module, differences, snapshot

START, END = "2027-01-01", "2027-12-31"


def convert_into(out: Path, inputs: tuple[str, ...], fmt: str, writer_from: int | None) -> tuple[int, bool]:
    """Bytes of definitions written by this process, and whether a writer process took over."""
    window = pipeline.parse_window(START, END)
    with output.Folder(out, writer_from=writer_from) as folder:
        done = pipeline.run(inputs, fmt, "Asia/Tokyo", None, window, "scheduler", sink=folder)
        emit.write(done.plan, folder, workflow=done.loaded.workflow)
        folder.commit()
        return folder._sent, folder._writer is not None


@pytest.mark.parametrize("writer_from", [0, 100_000])
def test_a_writer_process_writes_what_this_process_writes(
    writer_from: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the first definition, or after some were written here (as a large conversion does)."""
    source = tmp_path / "generated.ajs"
    source.write_text(_benchmark_module("gen_jp1").generate(600, seed=3), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    total, _ = convert_into(tmp_path / "here", (source.name,), "jp1", writer_from=None)
    sent_here, took_over = convert_into(tmp_path / "writer", (source.name,), "jp1", writer_from=writer_from)
    assert took_over and writer_from <= sent_here < total
    here, writer = snapshot(tmp_path / "here"), snapshot(tmp_path / "writer")
    assert sum(p.startswith("statemachines/") for p in here) > 10
    assert differences(here, writer) == []
    assert not any(p.startswith(".compact") for p in writer)  # scratch files are not committed


def test_the_finance_example_through_a_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    inputs = ("examples/jp1/finance.ajs",)
    convert_into(tmp_path / "here", inputs, "jp1", writer_from=None)
    convert_into(tmp_path / "writer", inputs, "jp1", writer_from=0)
    assert differences(snapshot(tmp_path / "here"), snapshot(tmp_path / "writer")) == []


def _definition() -> tuple[dict[str, object], bytes]:
    definition: dict[str, object] = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    return definition, b'{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'


def test_an_error_in_the_writer_fails_the_commit_and_leaves_no_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    definition, compact = _definition()
    with (
        pytest.raises(OSError, match=r"writing statemachines/M\.asl\.json"),
        output.Folder(out, writer_from=0) as folder,
    ):
        (folder.stage / "statemachines").write_text("a file where the folder should be")
        folder("M", definition, compact)
        folder("N", definition, compact)  # after the error: read and dropped, no deadlock
        folder.commit()
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # the staging folder is gone too


def test_a_writer_that_dies_is_reported(tmp_path: Path) -> None:
    definition, compact = _definition()
    with (
        pytest.raises(OSError, match="stopped unexpectedly"),
        output.Folder(tmp_path / "out", writer_from=0) as folder,
    ):
        folder("M", definition, compact)
        writer = folder._writer
        assert writer is not None
        os.kill(writer._process.pid, signal.SIGKILL)
        writer._process.wait()
        folder.commit()
    assert list(tmp_path.iterdir()) == []


def test_no_writer_process_outlives_its_folder(tmp_path: Path) -> None:
    definition, compact = _definition()
    with output.Folder(tmp_path / "out", writer_from=0) as folder:
        folder("M", definition, compact)
        writer = folder._writer
        assert writer is not None
        folder.commit()
    assert writer._process.returncode == 0
    assert (tmp_path / "out" / "statemachines" / "M.asl.json").exists()


def test_an_unwritable_output_folder_is_exit_2_without_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = jobmigrate("convert", ROOT / "examples/jp1/finance.ajs", "--out", blocker / "out")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("jobmigrate: ") and "Traceback" not in result.stderr
    assert blocker.read_text() == "not a folder"


def test_the_writer_runs_as_a_module_of_the_installed_package() -> None:
    """`python -m jobmigrate.writer` is how the folder starts it: an empty input ends it."""
    done = subprocess.run(
        [sys.executable, "-m", "jobmigrate.writer", "/nonexistent"],
        input=b"",
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout == b""


def test_without_an_interpreter_to_start_the_folder_writes_everything_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot_start(stage: Path) -> None:
        raise FileNotFoundError("no python here")

    monkeypatch.setattr(output, "Writer", cannot_start)
    monkeypatch.chdir(ROOT)
    inputs = ("examples/jp1/finance.ajs",)
    sent_here, took_over = convert_into(tmp_path / "alone", inputs, "jp1", writer_from=0)
    assert not took_over and sent_here > 0
    monkeypatch.undo()
    monkeypatch.chdir(ROOT)
    convert_into(tmp_path / "here", inputs, "jp1", writer_from=None)
    assert differences(snapshot(tmp_path / "here"), snapshot(tmp_path / "alone")) == []
