"""EventBridge expression evaluation speed: expressions x years per second.

python benchmarks/bench_awscron.py [--expressions 10000] [--years 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from zoneinfo import ZoneInfo

from calendars.awscron import fire_times, parse


def typical(rng: random.Random) -> str:
    minute = rng.choice(["0", "30", "0,30", str(rng.randrange(60))])
    hour = rng.choice([str(rng.randrange(24)), "9,13,17", f"{rng.randrange(6, 10)}-{rng.randrange(17, 20)}"])
    days = rng.choice(
        ["? * MON-FRI", "* * ?", f"{rng.randrange(1, 29)} * ?", "L * ?", "? * 2#1", "? JAN,JUL 6L"]
    )
    dom, month, dow = days.split()
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expressions", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(20240601)
    for zone_name in ("Asia/Tokyo", "America/New_York"):
        zone = ZoneInfo(zone_name)
        texts = [typical(rng) for _ in range(args.expressions)]
        start = dt.datetime(2027, 1, 1, tzinfo=zone)
        end = dt.datetime(2027 + args.years, 1, 1, tzinfo=zone)
        t0 = time.perf_counter()
        parsed = [parse(t) for t in texts]
        t1 = time.perf_counter()
        fires = sum(len(fire_times(p, start, end, zone)) for p in parsed)
        t2 = time.perf_counter()
        rate = args.expressions * args.years / (t2 - t1)
        print(
            f"{zone_name}: parse {t1 - t0:.2f} s, evaluate {t2 - t1:.2f} s for {args.expressions:,} "
            f"expressions x {args.years} years ({fires:,} fire times): {rate:,.0f} expression-years/s"
        )


if __name__ == "__main__":
    main()
