"""Proof before cutover: the AWS side starts each root job-net at exactly the legacy instants.

The AWS side is evaluated from what is deployed - each trigger's expression and the Change
Calendar documents as emitted (parsed back from their iCalendar text) - not from the IR.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from calendars.changecal import ChangeCalendar, from_ics
from calendars.compile import aws_runs, legacy_instants
from calendars.legacy import Horizon
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
    return {c.name: from_ics(c.ics, c.name) for c in plan.calendars}


def aws_instants(
    net: JobNetPlan, calendars: dict[str, ChangeCalendar], horizon: Horizon
) -> list[dt.datetime]:
    found: set[dt.datetime] = set()
    for trigger in net.triggers:
        if trigger.kind not in ("schedule", "rule") or trigger.expression is None:
            continue
        zone = ZoneInfo(trigger.timezone or "UTC")
        gates = [calendars[name] for name in trigger.calendars]
        found.update(aws_runs(trigger.expression, zone, gates, horizon))
    return sorted(found)


def compare(workflow: Workflow, plan: Plan, horizon: Horizon) -> list[Comparison]:
    calendars = emitted_calendars(plan)
    by_path = {n.path: n for n in plan.jobnets}
    results = []
    for net in workflow.root_jobnets():
        legacy, _ = legacy_instants(net, workflow, horizon)
        aws = aws_instants(by_path[net.path], calendars, horizon) if net.path in by_path else []
        legacy_set, aws_set = set(legacy), set(aws)
        results.append(
            Comparison(
                path=net.path,
                source=net.source,
                legacy=legacy,
                aws=aws,
                missing_on_aws=sorted(legacy_set - aws_set),
                extra_on_aws=sorted(aws_set - legacy_set),
            )
        )
    return results
