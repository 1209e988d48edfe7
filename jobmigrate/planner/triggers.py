"""Triggers: what starts each root job-net, from the compiled schedule.

The calendar engine (`calendars.compile`) finds expressions and gates that reproduce the legacy
runs exactly; this module turns its result into the Plan's triggers.
"""

from __future__ import annotations

from calendars.compile import CalendarPool, Compiled, TriggerMode, compile_jobnet
from calendars.schedules import Schedules
from jobmigrate.model import JobNet
from jobmigrate.plan import Trigger


def jobnet_triggers(
    net: JobNet, schedules: Schedules, pool: CalendarPool, mode: TriggerMode
) -> tuple[list[Trigger], Compiled]:
    compiled = compile_jobnet(net, schedules, pool, mode)
    kind = "rule" if mode == "rule" else "schedule"
    triggers = [
        Trigger(
            kind=kind,
            expression=t.expression,
            timezone=t.timezone,
            calendars=list(t.calendars),
            rules=list(t.rules),
        )
        for t in compiled.triggers
    ]
    return triggers, compiled
