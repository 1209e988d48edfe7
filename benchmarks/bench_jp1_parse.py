"""Time `parse_units` on a generated JP1/AJS3 export, pinned to one core.

    python benchmarks/bench_jp1_parse.py [--jobs 20000] [--repeat 3]

Prints the file size, the job and unit counts, the best time of the runs and the rate.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from gen_jp1 import generate

from converters.jp1.parser import parse_units
from converters.jp1.syntax import UnitDef

_JOB_TYPES = {"j", "rj", "pj", "rp", "jdj", "rjdj"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the JP1 unit definition parser.")
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    # The parser is single-threaded anyway; pinning makes "per core" literal and keeps the
    # scheduler from migrating the process between runs.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    text = generate(args.jobs, args.seed)
    times: list[float] = []
    units: list[UnitDef] = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        units = parse_units(text, "generated.ajs")
        times.append(time.perf_counter() - started)

    jobs, total = _count(units)
    best = min(times)
    print(f"size      {len(text.encode('utf-8')):>12,} bytes ({len(text):,} characters)")
    print(f"lines     {text.count(chr(10)):>12,}")
    print(f"units     {total:>12,}")
    print(f"jobs      {jobs:>12,}")
    print(f"seconds   {best:>12.3f}   (best of {args.repeat}: {', '.join(f'{t:.3f}' for t in times)})")
    print(f"jobs/s    {jobs / best:>12,.0f}")
    print(f"MB/s      {len(text.encode('utf-8')) / best / 1e6:>12.1f}")
    return 0


def _count(units: list[UnitDef]) -> tuple[int, int]:
    """(jobs, all units) in the tree."""
    jobs = total = 0
    pending = list(units)
    while pending:
        unit = pending.pop()
        total += 1
        ty = unit.first("ty")
        if ty is not None and ty.raw in _JOB_TYPES:
            jobs += 1
        pending.extend(unit.children)
    return jobs, total


if __name__ == "__main__":
    sys.exit(main())
