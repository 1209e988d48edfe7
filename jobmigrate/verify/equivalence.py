"""Proof before cutover: the AWS side starts each root job-net at exactly the legacy instants.

The AWS side is evaluated from what is deployed - each trigger's expression and the Change
Calendar documents as emitted (parsed back from their iCalendar text) - not from the IR.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from calendars.changecal import ChangeCalendar, from_ics
from calendars.compile import AwsRuns
from calendars.legacy import Horizon
from calendars.schedules import Schedules
from jobmigrate import gc_pause
from jobmigrate.model import Source, Workflow
from jobmigrate.plan import JobNetPlan, Plan


@dataclass(slots=True)
class Comparison:
    path: str
    source: Source | None
    legacy: list[dt.datetime]
    aws: list[dt.datetime]
    missing_on_aws: list[dt.datetime] = field(default_factory=list)
    extra_on_aws: list[dt.datetime] = field(default_factory=list)

    @property
    def equivalent(self) -> bool:
        return not self.missing_on_aws and not self.extra_on_aws


def emitted_calendars(plan: Plan) -> dict[str, ChangeCalendar]:
    """The Change Calendars as SSM reads them, parsed back from the emitted iCalendar text.

    Parsing iCalendar is the slowest part of a proof over many calendars; with enough of them it
    is spread over the machine's cores."""
    docs = [(c.ics, c.name) for c in plan.calendars]
    workers = min(os.cpu_count() or 1, 4)
    if len(docs) < PARALLEL_FROM or workers < 2:
        return {name: from_ics(text, name) for text, name in docs}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parsed = pool.map(_parse, docs, chunksize=max(1, len(docs) // (4 * workers)))
        return {cal.name: cal for cal in parsed}


PARALLEL_FROM = 32


def _parse(doc: tuple[str, str]) -> ChangeCalendar:
    return from_ics(*doc)


def aws_instants(net: JobNetPlan, calendars: dict[str, ChangeCalendar], aws: AwsRuns) -> list[dt.datetime]:
    lists = [
        aws.runs(t.expression, ZoneInfo(t.timezone or "UTC"), [calendars[name] for name in t.calendars])
        for t in net.triggers
        if t.kind in ("schedule", "rule") and t.expression is not None
    ]
    if len(lists) == 1:
        return lists[0]
    return sorted({i for lst in lists for i in lst})


def compare(workflow: Workflow, plan: Plan, horizon: Horizon) -> list[Comparison]:
    # Millions of instants, no cycles among them: the cyclic collector would only rescan the heap.
    with gc_pause.paused():
        return _compare(workflow, plan, horizon)


def _compare(workflow: Workflow, plan: Plan, horizon: Horizon) -> list[Comparison]:
    calendars = emitted_calendars(plan)
    by_path = {n.path: n for n in plan.jobnets}
    schedules = Schedules(workflow, horizon)
    aws_side = AwsRuns(horizon)
    results = []
    for net in workflow.root_jobnets():
        legacy, _ = schedules.jobnet(net)
        aws = aws_instants(by_path[net.path], calendars, aws_side) if net.path in by_path else []
        result = Comparison(path=net.path, source=net.source, legacy=legacy, aws=aws)
        if legacy != aws:  # both sorted and without repeats: equal lists need no set algebra
            result.missing_on_aws = sorted(set(legacy) - set(aws))
            result.extra_on_aws = sorted(set(aws) - set(legacy))
        results.append(result)
    return results
