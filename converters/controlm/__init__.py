"""Control-M importer: DEFTABLE folder exports and DEFCAL calendar exports (XML) -> IR.

Inputs: any number of DEFTABLE files (FOLDER, SMART_FOLDER with SUB_FOLDERs, and the older
SCHED_TABLE / SCHED_GROUP) and DEFCAL files, in any order; calendars from every DEFCAL input
serve every folder. Passes, each in its own module:

    xmltree     expat reader keeping line and column of every element (InputError when the XML
                is not well-formed: FILE:LINE:COL)
    calendars   DEFCAL years (372 characters of Y/N) -> date-list calendars
    tree        folders -> root job-nets, sub-folders -> nested job-nets, JOBs -> jobs (jobs.py)
    conditions  INCOND/OUTCOND, DOCOND and DOFORCEJOB -> edges and external dependencies
    ordering    the jobs' criteria and times (schedule.py) -> each job-net's rules, which the
                calendar engine evaluates (calendars/controlm_days.py) so that
                `jobmigrate schedule` proves them

Site settings the export does not carry are environment variables (see options.py):

    JOBMIGRATE_CONTROLM_NEWDAY      HH:MM, default 00:00: the new-day time that starts an order
                                    date; every calendar of the import gets it as base time, so
                                    TIMEFROM=0200 with new day 07:00 runs at 02:00 the next day
    JOBMIGRATE_CONTROLM_WEEK_START  sunday (default: 0 = Sunday .. 6 = Saturday, distributed
                                    Control-M) or monday (0 = Monday .. 6 = Sunday)

Findings use the `CTMxxx` codes of findings.CODES. `Workflow.unit_count` counts the FOLDER,
SMART_FOLDER, SUB_FOLDER, SCHED_TABLE, SCHED_GROUP and JOB elements read; each is in the IR or
has a finding of findings.DROPPED_UNIT_CODES.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, cast

from converters import ImportOptions, SourceFile
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import Calendar, JobNet, Workflow

from .calendars import read_defcal
from .conditions import link
from .findings import Reporter
from .options import NEWDAY_VARIABLE, SiteOptions, from_environment
from .ordering import schedule_roots
from .tree import ROOT_FOLDERS, TreeBuilder, Unit, release
from .xmltree import Element
from .xmltree import parse as parse_xml

NAME: Final = "controlm"
NEWDAY_CALENDAR: Final = "controlm-new-day"

_TABLE: Final = "DEFTABLE"
_CALENDARS: Final = "DEFCAL"


def sniff(text: str) -> int:
    """How sure we are that `text` is a Control-M export: 0 (not) .. 100."""
    head = text[:20000]
    if "<DEFTABLE" in head or "<DEFCAL" in head:
        return 90
    if "SCHED_TABLE" in head:
        return 60
    return 0


def parse(files: Sequence[SourceFile], options: ImportOptions) -> Workflow:
    """Read every file into one workflow. Raises InputError(s) on malformed XML."""
    site = from_environment()
    rep = Reporter()
    tables, defcals = _documents(files)
    calendars = [c for root in defcals for c in read_defcal(root, site, rep)]
    calendars = _unique_calendars(calendars, rep)
    names = frozenset(c.name for c in calendars)
    builder = TreeBuilder(site, rep, names)
    builder.plan_names(tables)
    for table in tables:
        if table.tag == _TABLE:
            builder.add_table(table)
        else:
            builder.add_bare_folder(table)
    roots = builder.tree.roots
    graph = link(roots, rep)
    newday = _newday_calendar(site, roots, rep)
    schedule_roots(roots, graph, site, rep, names, newday.name if newday else None)
    workflow = Workflow(
        source_system=NAME,
        timezone=options.timezone,
        files=[f.path for f in files],
        children=[cast(JobNet, r.node) for r in roots],
        calendars=([newday] if newday else []) + calendars,
        findings=rep.findings,
        unit_count=builder.tree.units_read,
    )
    release(roots)
    return workflow


def _documents(files: Sequence[SourceFile]) -> tuple[list[Element], list[Element]]:
    """Root elements of the DEFTABLE (or bare folder) and DEFCAL files; all XML errors at once."""
    tables: list[Element] = []
    defcals: list[Element] = []
    errors: list[InputError] = []
    for f in files:
        try:
            root = parse_xml(f)
        except InputError as e:
            errors.append(e)
            continue
        if root.tag == _CALENDARS:
            defcals.append(root)
        elif root.tag == _TABLE or root.tag in ROOT_FOLDERS:
            tables.append(root)
        else:
            message = f"<{root.tag}> is not a Control-M export: expected DEFTABLE or DEFCAL"
            errors.append(InputError(f.path, root.line, root.column, message))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
    return tables, defcals


def _unique_calendars(calendars: list[Calendar], rep: Reporter) -> list[Calendar]:
    seen: dict[str, Calendar] = {}
    for calendar in calendars:
        if calendar.name in seen:
            first = seen[calendar.name].source
            where = f" (first at {first})" if first else ""
            source = calendar.source
            message = f"calendar {calendar.name} is defined again{where}; this definition is ignored"
            rep.add(
                "CTM503", message, calendar.name, source.file if source else "", source.line if source else 0
            )
            continue
        seen[calendar.name] = calendar
    return list(seen.values())


def _newday_calendar(site: SiteOptions, roots: Sequence[Unit], rep: Reporter) -> Calendar | None:
    """The job-nets' calendar: every day open, order dates starting at the new-day time."""
    if not roots:
        return None
    first = roots[0].element
    message = (
        f"order dates start at {site.newday_text} (site new-day time, option {NEWDAY_VARIABLE}): "
        "TIMEFROM before it runs on the next calendar day"
    )
    rep.add("CTM900", message, "", first.file, first.line)
    if site.newday_minutes == 0:
        return None
    return Calendar(name=NEWDAY_CALENDAR, base_time_minutes=site.newday_minutes)
