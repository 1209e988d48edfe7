"""AutoSys (Workload Automation AE) importer: JIL and autocal_asc exports -> IR.

Passes, each in its own module:
    syntax    text -> records of `key: value` attributes with line and column (comments, quotes,
              several attributes on a line, bare calendar date rows)
    catalog   insert_job / update_job / delete_job / delete_box applied in order, across files
    autocal   standard calendars as date lists; extended calendars expanded by `extended`
    tree      boxes and jobs -> job-nets and jobs; `condition:` -> edges and cross job-net
              dependencies (`conditions` parses them); `schedule` and `jobs` fill the details

Mapping decisions a reviewer should know (details in each module):
    - Top-level box -> root job-net `/<BOX>`; nested box -> nested job-net; job in a box -> job;
      a job in no box -> root job-net `/<JOB>` holding the one job `/<JOB>/<JOB>`.
    - A condition on a sibling in the same box is an edge; on anything else an ExternalDependency
      of the dependent job-net (or job). A job outside a box on `s(BOX)` is a root job-net with
      ExternalDependency(target="/BOX", status="success") and, with date_conditions 0, no
      schedule: the planner starts it from BOX's state-machine status-change event.
    - An OR condition such as `f(A) | f(B)` gives one on_failure edge per atom, each carrying the
      whole expression in `Edge.condition` so the planner treats them as "any of"; finding AS1201.
    - date_conditions 1: days_of_week -> Weekdays, run_calendar -> CalendarDays, exclude_calendar,
      start_times / start_mins -> StartTimes, timezone -> rule and job-net zone. Both schedule
      forms reach the calendar engine, so `jobmigrate schedule` proves them.
    - Extended calendars are expanded into date lists here (model and calendar engine unchanged).
Findings use the AS codes of `findings.CODES`. Errors are `FILE:LINE:COL` InputErrors, all of a
run reported together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from converters import ImportOptions, SourceFile
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import Workflow

from . import autocal, catalog, syntax
from .findings import Reporter
from .tree import TreeBuilder

NAME: Final = "autosys"

_INSERT: Final = re.compile(r"^[ \t]*insert_job[ \t]*:", re.M | re.I)
_SUBCOMMAND: Final = re.compile(
    r"^[ \t]*(?:update_job|delete_job|delete_box|override_job)[ \t]*:", re.M | re.I
)
_JIL_KEY: Final = re.compile(r"^[ \t]*(?:job_type|box_name|command|date_conditions|condition)[ \t]*:", re.M)
_CALENDAR: Final = re.compile(r"^[ \t]*(?:extended_calendar|ext_calendar|calendar|cycle)[ \t]*:\s*\S", re.M)
_CALENDAR_BODY: Final = re.compile(r"^[ \t]*(?:date|workday|non_workday|holcal|start_date)[ \t]*:", re.M)


def sniff(text: str) -> int:
    """How sure we are that `text` is JIL or an autocal_asc export: 0 (not) .. 100."""
    head = text[:20000]
    inserts = len(_INSERT.findall(head))
    if inserts:
        return min(100, 60 + 4 * min(inserts, 5) + (20 if _JIL_KEY.search(head) else 0))
    if _SUBCOMMAND.search(head):
        return 50
    if _CALENDAR.search(head) and _CALENDAR_BODY.search(head):
        return 40
    return 0


def parse(files: Sequence[SourceFile], options: ImportOptions) -> Workflow:
    """Read every file into one workflow; raise every input error found, each with its position."""
    rep = Reporter()
    errors: list[InputError] = []
    records: list[syntax.Record] = []
    for source in files:
        parsed = syntax.read(source.text, source.path)
        records.extend(parsed.records)
        errors.extend(parsed.errors)
    jobs = catalog.build(records, rep)
    calendars = autocal.convert(jobs.calendars, rep)
    tree = TreeBuilder(jobs, calendars.names(), rep).build()
    errors.extend(jobs.errors + calendars.errors + tree.errors)
    _raise(errors, [f.path for f in files])
    return Workflow(
        source_system=NAME,
        timezone=options.timezone,
        files=[f.path for f in files],
        children=list(tree.roots),
        calendars=calendars.calendars,
        findings=rep.findings,
        unit_count=len(jobs.jobs),
    )


def _raise(errors: list[InputError], order: list[str]) -> None:
    if not errors:
        return
    rank = {path: i for i, path in enumerate(order)}
    unique = {(e.file, e.line, e.column, e.message): e for e in errors}
    ordered = sorted(unique.values(), key=lambda e: (rank.get(e.file, len(rank)), e.line, e.column))
    if len(ordered) == 1:
        raise ordered[0]
    raise InputErrors(ordered)
