"""Planning root job-nets in several processes.

Root job-nets are planned independently of each other (they share only caches and calendars that
are named by their content), so a large conversion shares them out: contiguous chunks of about
the same number of jobs, the first planned in this process and the others in forked children
that inherit the imported workflow without copying it. Each child hands back what it planned as a
pickle in a file; the caller merges the parts in root order, so the result does not depend on the
number of processes.

Forking needs a POSIX system; elsewhere, or when a child fails, the caller plans everything itself.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def available_workers() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def chunks(items: Sequence[T], weight: Callable[[T], int], parts: int) -> list[list[T]]:
    """`items` cut into at most `parts` contiguous runs of about equal total weight."""
    weights = [weight(item) for item in items]
    total = sum(weights)
    cuts: list[list[T]] = [[]]
    done = 0
    for item, w in zip(items, weights, strict=True):
        # Start the next run once this one holds its share of the weight.
        if cuts[-1] and done >= total * len(cuts) / parts and len(cuts) < parts:
            cuts.append([])
        cuts[-1].append(item)
        done += w
    return cuts


def map_chunks(
    items: Sequence[T], weight: Callable[[T], int], work: Callable[[list[T]], R], workers: int
) -> list[R] | None:
    """`work` applied to each chunk of `items`, chunks in order; None when a process could not
    do its part (the caller then does all of it)."""
    parts = chunks(items, weight, workers)
    if len(parts) < 2 or not hasattr(os, "fork"):
        return None
    with tempfile.TemporaryDirectory(prefix="jobmigrate-plan-") as scratch:
        files = [Path(scratch) / f"part-{i}.pickle" for i in range(len(parts))]
        children = [_fork(work, part, files[i]) for i, part in enumerate(parts) if i > 0]
        try:
            results: list[R] = [work(parts[0])]
        finally:
            # Reaped whatever happens here, so no child outlives its use or becomes a zombie.
            codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
        if any(codes) or not all(f.exists() for f in files[1:]):
            return None
        for result_file in files[1:]:
            with result_file.open("rb") as f:
                results.append(pickle.load(f))
    return results


def _fork(work: Callable[[list[T]], R], part: list[T], result_file: Path) -> int:
    def work_and_keep() -> None:
        result = work(part)
        with result_file.open("wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)

    return _fork_call(work_and_keep)


class Background:
    """`work` run in a forked child while the caller goes on (a file written beside others);
    `finish` waits for it, and does the work in the caller when the child could not, so the
    result never depends on whether the fork happened."""

    def __init__(self, work: Callable[[], None], fork: bool = True) -> None:
        self._work = work
        self._pid = _fork_call(work) if fork and hasattr(os, "fork") else None

    def finish(self) -> None:
        if self._pid is not None:
            _, status = os.waitpid(self._pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                return
        self._work()


def _fork_call(work: Callable[[], None]) -> int:
    """The child's pid; the child runs `work` and exits 0, or 1 when it raised (the caller then
    does the work itself and reports any error as usual)."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        work()
        code = 0
    except BaseException:
        if os.environ.get("JOBMIGRATE_DEBUG"):
            traceback.print_exc(file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
