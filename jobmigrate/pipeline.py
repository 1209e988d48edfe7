"""The pipeline behind `convert` and `schedule`: read, plan, and the options both share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import converters
from converters import ImportOptions

from . import planner
from .errors import InputError, UsageError
from .inputs import Loaded, load
from .plan import Plan
from .planner import config as planning


@dataclass(frozen=True, slots=True)
class Run:
    loaded: Loaded
    plan: Plan
    options: planner.PlanOptions


def parse_window(start: str | None, end: str | None) -> planner.PlanOptions:
    """--start/--end as dates; missing ones default to this year and the next."""
    default = planner.default_options()
    try:
        first = dt.date.fromisoformat(start) if start else default.start
        last = dt.date.fromisoformat(end) if end else default.end
    except ValueError as e:
        raise UsageError(f"--start/--end must be dates as YYYY-MM-DD: {e}") from None
    if last < first:
        raise UsageError(f"--end {last} is before --start {first}")
    if (last - first).days > 366 * 5:
        raise UsageError("--start/--end may span at most five years")
    return planner.PlanOptions(start=first, end=last)


def run(
    inputs: Sequence[str],
    source_format: str | None,
    timezone: str,
    encoding: str | None,
    window: planner.PlanOptions,
    trigger: str,
    config_file: str | None = None,
    sink: planner.DefinitionSink | None = None,
) -> Run:
    """Read the inputs and plan them; `config_file` chooses executors and maps hosts (--config).
    With a `sink`, definitions go there as they are planned rather than into the plan."""
    # The config first: a mistake in it is reported before minutes spent reading inputs.
    config = planning.load(config_file) if config_file else planning.DEFAULT
    if source_format is not None and source_format not in converters.names():
        raise InputError(
            inputs[0], 0, 0, f"unknown --from {source_format!r} (known: {', '.join(converters.names())})"
        )
    loaded = load(inputs, source_format, ImportOptions(timezone=timezone, encoding=encoding))
    options = planner.PlanOptions(
        start=window.start,
        end=window.end,
        trigger="rule" if trigger == "rule" else "scheduler",
        config=config,
    )
    plan = planner.plan(loaded.workflow, options, sink)
    return Run(loaded=loaded, plan=plan, options=options)
