"""Time the whole `jobmigrate convert` on generated JP1/AJS3 and Control-M exports.

    python benchmarks/bench_convert.py [--sizes 2000 20000] [--seed 0] [--keep DIR]
    python benchmarks/bench_convert.py --profile      # cProfile of the 20,000-job JP1 case

Each case runs the installed console script (`jobmigrate convert INPUT --out DIR`, the very code
path users run: import, plan, templates, report, writing the folder, summary table) in its own
process. The figures per case:

    seconds     wall time of that process, interpreter start-up included
    jobs/s      jobs in the generated input / seconds
    peak MB     the memory of the conversion at its peak: the PSS of the process and of the
                definition writer it starts, summed, sampled every 100 ms from /proc (or, where
                larger or /proc is missing, the process's own ru_maxrss from os.wait4)
    ratio       time(largest) / time(smallest) for each format: 10x the jobs should cost at
                most 12x the time

Then, in this process, the schedule proof of bench_schedule.py (10,000 job-nets over two years;
`--no-schedule` leaves it out).

Targets (issue "Scale, speed and robustness"): >= 3,000 jobs/s at 20,000 jobs, ratio <= 12,
peak memory <= 300 MB, proof <= 2 s. The script reports the figures next to the targets; it does
not fail.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import bench_schedule
import gen_controlm
import gen_jp1

TARGET_RATE = 3000.0  # jobs per second at 20,000 jobs
TARGET_RATIO = 12.0
TARGET_MB = 300.0
TARGET_PROOF_SECONDS = 2.0  # schedule verification of 10,000 job-nets over two years
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")


@dataclass(frozen=True, slots=True)
class Case:
    fmt: str  # jp1 | controlm
    jobs: int
    inputs: tuple[Path, ...]
    size_bytes: int


@dataclass(frozen=True, slots=True)
class Result:
    case: Case
    seconds: float
    peak_mb: float
    exit_code: int
    units: int
    jobnets: int
    files: int
    failure: str = ""  # last line of the output when jobmigrate did not convert (exit code not 0 or 1)

    @property
    def rate(self) -> float:
        return self.case.jobs / self.seconds


def _console_script() -> Path:
    exe = Path(sys.executable).parent / "jobmigrate"
    if not exe.exists():
        raise SystemExit(f"{exe} not found: install jobmigrate into this Python environment")
    return exe


def prepare(work: Path, sizes: list[int], seed: int) -> list[Case]:
    cases: list[Case] = []
    for jobs in sizes:
        jp1 = work / f"jp1_{jobs}.ajs"
        jp1.write_text(gen_jp1.generate(jobs, seed), encoding="utf-8")
        cases.append(Case("jp1", jobs, (jp1,), jp1.stat().st_size))
    for jobs in sizes:
        table, defcal = gen_controlm.write(work / f"controlm_{jobs}", jobs, seed)
        size = table.stat().st_size + defcal.stat().st_size
        cases.append(Case("controlm", jobs, (table, defcal), size))
    return cases


def run_case(case: Case, work: Path) -> Result:
    out = work / f"out_{case.fmt}_{case.jobs}"
    log = work / f"log_{case.fmt}_{case.jobs}.txt"
    args = [str(_console_script()), "convert", *map(str, case.inputs), "--from", case.fmt, "--out", str(out)]
    with log.open("wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen([*args, *WINDOW], stdout=sink, stderr=subprocess.STDOUT, cwd=work)
        sampler = TreeMemory(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    failure = ""
    units = jobnets = files = 0
    if proc.returncode in (0, 1):
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        units, jobnets = int(plan["units"]["total"]), len(plan["jobnets"])
        files = sum(1 for p in out.rglob("*") if p.is_file())
    else:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        failure = lines[-1] if lines else "(no output)"
    return Result(
        case=case,
        seconds=seconds,
        # The sum over the process and the definition writer it starts, when /proc tells it;
        # ru_maxrss counts only the largest single process.
        peak_mb=max(sampler.peak_mb, _max_rss_mb(usage.ru_maxrss)),
        exit_code=proc.returncode,
        units=units,
        jobnets=jobnets,
        files=files,
        failure=failure,
    )


class TreeMemory(threading.Thread):
    """Samples, every 100 ms, the proportional set size (PSS: shared pages split between the
    processes sharing them) summed over a process and its descendants, and keeps the peak.
    Reading smaps_rollup walks the process's page tables: sampled more often, it slows the
    conversion it measures (seen: 20 ms cost about a second of 8)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.1):
            self.peak_mb = max(self.peak_mb, sum(_pss_kb(p) for p in _tree(self.pid)) / 1024)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _max_rss_mb(maxrss: int) -> float:
    """ru_maxrss is in kilobytes on Linux and in bytes on macOS."""
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(
    results: list[Result], sizes: list[int], proof: bench_schedule.Measured | None, children_mb: float
) -> None:
    head = (
        f"{'format':<9} {'jobs':>7} {'input MB':>9} {'units':>7} {'nets':>6} {'files':>6} "
        f"{'exit':>4} {'seconds':>8} {'jobs/s':>8} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.case.fmt:<9} {r.case.jobs:>7,} {r.case.size_bytes / 1e6:>9.1f} {r.units:>7,} "
            f"{r.jobnets:>6,} {r.files:>6,} {r.exit_code:>4} {r.seconds:>8.2f} {r.rate:>8,.0f} "
            f"{r.peak_mb:>8.0f}"
        )
    for r in results:
        if r.failure:
            print(f"FAILED {r.case.fmt} {r.case.jobs:,}: exit {r.exit_code}: {r.failure}")
    print()
    print("targets (at the largest size; ratio = time(largest) / time(smallest)):")
    small, large = min(sizes), max(sizes)
    for fmt in ("jp1", "controlm"):
        by_size = {r.case.jobs: r for r in results if r.case.fmt == fmt}
        big = by_size[large]
        if big.failure or by_size[small].failure:
            print(f"  {fmt:<9} not measured: the conversion failed")
            continue
        rate_ok = _mark(big.rate >= TARGET_RATE)
        print(f"  {fmt:<9} jobs/s {big.rate:>8,.0f}  (target >= {TARGET_RATE:,.0f}: {rate_ok})")
        if small != large:
            ratio = big.seconds / by_size[small].seconds
            print(
                f"  {fmt:<9} ratio  {ratio:>8.2f}  (target <= {TARGET_RATIO:g} for {large:,}/{small:,}: "
                f"{_mark(ratio <= TARGET_RATIO)})"
            )
        peak = max(r.peak_mb for r in by_size.values())
        print(f"  {fmt:<9} peak   {peak:>8.0f}  MB (target <= {TARGET_MB:g} MB: {_mark(peak <= TARGET_MB)})")
    if proof is not None:
        ok = _mark(proof.verify_seconds <= TARGET_PROOF_SECONDS and proof.equivalent == proof.jobnets)
        print(
            f"  schedule  proof  {proof.verify_seconds:>8.2f}  s for {proof.jobnets:,} job-nets x "
            f"{proof.years} years, {proof.equivalent:,} equivalent "
            f"(target <= {TARGET_PROOF_SECONDS:g} s: {ok})"
        )
    print(f"\ncross-check: getrusage(RUSAGE_CHILDREN).ru_maxrss over all runs = {children_mb:.0f} MB")


# --------------------------------------------------------------------------- profile


def convert_in_process(inputs: list[str], fmt: str, out: Path) -> None:
    """What `jobmigrate convert` does, minus the summary table: pipeline, templates, write."""
    from jobmigrate import emit, output, pipeline

    window = pipeline.parse_window(WINDOW[1], WINDOW[3])
    done = pipeline.run(inputs, fmt, "Asia/Tokyo", None, window, "scheduler")
    files = emit.render(done.plan, workflow=done.loaded.workflow)
    output.write_atomically(out, files)


def profile(work: Path, jobs: int, seed: int, top: int) -> None:
    source = work / f"jp1_{jobs}.ajs"
    source.write_text(gen_jp1.generate(jobs, seed), encoding="utf-8")
    # Import outside the profile so that the figures show the conversion, not module loading.
    from jobmigrate import emit, pipeline  # noqa: F401

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    convert_in_process([str(source)], "jp1", work / "out_profile")
    profiler.disable()
    seconds = time.perf_counter() - started
    print(f"cProfile: convert of {jobs:,} generated JP1 jobs, in process, {seconds:.2f} s under the profiler")
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(top)
    print(stream.getvalue())


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the whole `jobmigrate convert`.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="keep inputs and outputs in this folder")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest JP1 case instead")
    parser.add_argument("--top", type=int, default=25, help="functions listed by --profile")
    parser.add_argument(
        "--no-schedule", action="store_true", help="leave out the schedule-verification benchmark"
    )
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes))

    work = args.keep or Path(tempfile.mkdtemp(prefix="jobmigrate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.profile:
            profile(work, max(sizes), args.seed, args.top)
            return 0
        cases = prepare(work, sizes, args.seed)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, inputs in {work}\n")
        results = [run_case(case, work) for case in cases]
        # Read before the proof: its process pool's children inherit this process's memory.
        children_mb = _max_rss_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        proof = None if args.no_schedule else bench_schedule.measure()
        report(results, sizes, proof, children_mb)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
