"""Schedule verification benchmark: legacy and AWS run instants of many job-nets over two years.

    python benchmarks/bench_schedule.py [--jobnets 10000] [--years 2]

Builds a workflow of root job-nets with mixed rules (every open day, n-th and last open day,
shifted monthly dates, weekly cycles, start times past midnight, Unix cron), compiles it, then
times `verify.equivalence.compare`, which evaluates both sides from scratch, and prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from calendars import unixcron
from calendars.legacy import Horizon
from jobmigrate import planner
from jobmigrate.model import (
    Calendar,
    Command,
    Cycle,
    DayOfMonth,
    Job,
    JobNet,
    LastDay,
    ScheduleRule,
    StartTime,
    WeekdayInMonth,
    Workflow,
)
from jobmigrate.verify.equivalence import compare

CRONS = ("30 22 * * 1-5", "0 8 1 * *", "15 0 1,15 * 5", "*/30 8-17 * * mon-fri", "0 6 1 jan,apr,jul,oct *")


def calendars() -> list[Calendar]:
    rng = random.Random(7)
    out = []
    for g in range(10):
        closed = sorted({dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(730)) for _ in range(20)})
        out.append(Calendar(name=f"/G{g}", closed_weekdays=["sa", "su"], closed_dates=closed))
    return out


def rule(rng: random.Random) -> ScheduleRule:
    minutes = rng.choice([22 * 60 + 30, 6 * 60, 25 * 60 + 30, 19 * 60])
    kind = rng.randrange(6)
    times = [StartTime(minutes=minutes)]
    if kind == 0:
        return ScheduleRule(
            date=DayOfMonth(year=2027, month=1, day=1, counting="open"),
            cycle=Cycle(every=1, unit="day"),
            times=times,
        )
    if kind == 1:
        return ScheduleRule(
            date=LastDay(year=2027, month=1, counting="open"), cycle=Cycle(every=1, unit="month"), times=times
        )
    if kind == 2:
        return ScheduleRule(
            date=DayOfMonth(year=2027, month=1, day=rng.choice([10, 20, 25])),
            cycle=Cycle(every=1, unit="month"),
            shift="before",
            shift_limit_days=3,
            times=times,
        )
    if kind == 3:
        return ScheduleRule(
            date=DayOfMonth(year=2027, month=1, day=4),
            cycle=Cycle(every=7, unit="day"),
            shift="after",
            shift_limit_days=3,
            times=times,
        )
    if kind == 4:
        return ScheduleRule(
            date=WeekdayInMonth(year=2027, month=1, weekday="mo", ordinal=2),
            cycle=Cycle(every=1, unit="month"),
            shift="after",
            shift_limit_days=2,
            times=times,
        )
    return ScheduleRule(date=unixcron.parse(rng.choice(CRONS)).to_ir())


def workflow(count: int) -> Workflow:
    rng = random.Random(11)
    nets = []
    for i in range(count):
        nets.append(
            JobNet(
                name=f"N{i}",
                path=f"/G{i % 10}/N{i}",
                calendar=f"/G{i % 10}",
                schedule=[rule(rng)],
                children=[Job(name="J", path=f"/G{i % 10}/N{i}/J", command=Command(text="true"))],
            )
        )
    return Workflow(source_system="bench", children=nets, calendars=calendars(), unit_count=2 * count)


@dataclass(frozen=True, slots=True)
class Measured:
    jobnets: int
    years: int
    legacy_runs: int
    equivalent: int
    compile_seconds: float
    verify_seconds: float


def measure(jobnets: int = 10_000, years: int = 2) -> Measured:
    """Plan `jobnets` generated job-nets, then time the proof over `years` years."""
    start, end = dt.date(2027, 1, 1), dt.date(2027 + years - 1, 12, 31)
    wf = workflow(jobnets)
    t0 = time.perf_counter()
    plan = planner.plan(wf, planner.PlanOptions(start=start, end=end))
    t1 = time.perf_counter()
    results = compare(wf, plan, Horizon(start, end, ZoneInfo("Asia/Tokyo")))
    t2 = time.perf_counter()
    runs = sum(len(r.legacy) for r in results)
    same = sum(r.equivalent for r in results)
    return Measured(len(results), years, runs, same, t1 - t0, t2 - t1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobnets", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=2)
    args = parser.parse_args()
    m = measure(args.jobnets, args.years)
    print(
        f"job-nets: {m.jobnets}, years: {m.years}, legacy runs: {m.legacy_runs:,}, equivalent: {m.equivalent}"
    )
    print(f"compile (plan): {m.compile_seconds:.2f} s")
    print(
        f"verify (legacy + AWS evaluation, compare): {m.verify_seconds:.2f} s  "
        "[target <= 2 s for 10,000 x 2 years]"
    )


if __name__ == "__main__":
    main()
