"""Planning in several processes gives the same plan, and the same folder, as planning in one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jobmigrate import asl, pipeline, planner
from jobmigrate.model import Command, Job, JobNet, Workflow
from jobmigrate.planner import parallel
from jobmigrate.planner.flow import INLINE_LIMIT

from .test_determinism import _benchmark_module, convert, differences, snapshot

WINDOW = pipeline.parse_window("2027-01-01", "2027-12-31")


def test_chunks_are_contiguous_and_balanced_by_weight() -> None:
    items = list(range(10))
    parts = parallel.chunks(items, lambda i: 10 if i == 0 else 1, 2)
    assert [i for part in parts for i in part] == items
    assert parts == [[0], list(range(1, 10))]  # the heavy first item is a share on its own
    assert parallel.chunks(items, lambda i: 1, 3) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert parallel.chunks([1], lambda i: 1, 4) == [[1]]
    assert parallel.chunks([], lambda i: 1, 2) == [[]]


def test_results_come_back_in_chunk_order() -> None:
    result = parallel.map_chunks(list(range(9)), lambda i: 1, lambda part: [i * i for i in part], 3)
    assert result == [[0, 1, 4], [9, 16, 25], [36, 49, 64]]


def test_a_failing_child_makes_the_caller_do_everything() -> None:
    def work(part: list[int]) -> int:
        if part[0] != 0 and os.getpid() != parent:
            raise RuntimeError("child failed")
        return sum(part)

    parent = os.getpid()
    assert parallel.map_chunks([0, 1, 2, 3], lambda i: 1, work, 2) is None


def _generated_workflow(tmp_path: Path, jobs: int) -> Workflow:
    source = tmp_path / "generated.ajs"
    source.write_text(_benchmark_module("gen_jp1").generate(jobs, seed=11), encoding="utf-8")
    return pipeline.run([str(source)], "jp1", "Asia/Tokyo", None, WINDOW, "scheduler").loaded.workflow


@pytest.mark.parametrize("workers", [2, 3])
def test_processes_plan_what_one_process_plans(tmp_path: Path, workers: int) -> None:
    workflow = _generated_workflow(tmp_path, 600)
    alone = planner.plan(workflow, WINDOW)
    shared = planner.plan(workflow, WINDOW, workers=workers)
    assert len(alone.jobnets) > workers * 3
    assert asl.dumps(shared.to_json_dict()) == asl.dumps(alone.to_json_dict())
    assert shared.definitions == alone.definitions


def _big_nested(root: str) -> JobNet:
    """A root job-net holding one nested job-net large enough to be a state machine of its own."""
    inner = [
        Job(name=f"J{i}", path=f"{root}/N/J{i}", command=Command(text=f"echo {i}"))
        for i in range(INLINE_LIMIT + 1)
    ]
    nested = JobNet(name="N", path=f"{root}/N", children=list(inner))
    return JobNet(name=root.strip("/"), path=root, children=[nested])


def test_nested_names_that_collide_across_processes_are_named_as_in_one() -> None:
    # `/A.B` and `/A_B` both fold to `A_B`: their nested nets both want `A_B-N`.
    roots = [_big_nested("/A.B"), _big_nested("/A_B")]
    workflow = Workflow(source_system="test", children=roots, unit_count=2 * (INLINE_LIMIT + 3))
    alone = planner.plan(workflow, WINDOW)
    shared = planner.plan(workflow, WINDOW, workers=2)
    nested = [n.state_machine for n in alone.nested_machines]
    assert len(set(nested)) == 2 and "A_B-N" in nested
    assert asl.dumps(shared.to_json_dict()) == asl.dumps(alone.to_json_dict())


def test_the_folder_does_not_depend_on_the_number_of_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "generated.ajs"
    source.write_text(_benchmark_module("gen_jp1").generate(500, seed=3), encoding="utf-8")
    runs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("JOBMIGRATE_WORKERS", workers)
        out = tmp_path / f"out{workers}"
        result = convert("jp1", (source.name,), out, "0", cwd=tmp_path)
        assert result.returncode in (0, 1), result.stderr
        runs[workers] = snapshot(out)
    assert len(runs["1"]) > 20
    assert differences(runs["1"], runs["2"]) == []


def test_background_work_is_done_by_the_caller_when_the_child_fails(tmp_path: Path) -> None:
    parent = os.getpid()
    done = tmp_path / "done.txt"

    def work() -> None:
        if os.getpid() != parent:
            raise RuntimeError("child failed")
        done.write_text(f"by {os.getpid()}")

    parallel.Background(work).finish()
    assert done.read_text() == f"by {parent}"


def test_background_work_done_by_the_child_is_not_repeated(tmp_path: Path) -> None:
    done = tmp_path / "done.txt"

    def work() -> None:
        with done.open("a") as f:
            f.write(f"{os.getpid()}\n")

    parallel.Background(work).finish()
    writers = done.read_text().split()
    assert len(writers) == 1 and writers[0] != str(os.getpid())
