"""Every finding the AutoSys reader can emit: one table of codes, and the collector that uses it.

Codes are grouped by hundreds so a reviewer can tell the area from the number:

    AS10xx  subcommands and the box tree     AS14xx  date/time attributes and schedules
    AS11xx  attributes in general            AS15xx  calendars (autocal_asc exports)
    AS12xx  `condition:` expressions         AS16xx  jobs (type, status, end codes, boxes)
    AS19xx  interpretations chosen where the vendor text leaves room ([verify] items)

No legacy unit disappears: a job whose box is missing becomes a job-net of its own, so every
job and box read ends in the IR and `Workflow.unit_count` is their number after deletions.
"""

from __future__ import annotations

from typing import Final

from converters.findings import ERROR, INFO, WARNING, Code, Collector, table
from jobmigrate.model import Source

_E, _W, _I = ERROR, WARNING, INFO

CODES: Final[dict[str, Code]] = table(
    # subcommands and the box tree
    Code("AS1001", _E, "insert_job of a job that already exists: AutoSys refuses it; ignored"),
    Code("AS1002", _W, "update_job/delete_job/delete_box/override_job names no job defined before it"),
    Code("AS1003", _W, "delete_box names a job that is not a box; the job is deleted"),
    Code("AS1004", _W, "override_job changes one future run only; not migrated"),
    Code("AS1005", _I, "JIL object that is not a job (machine, resource, global, ...); not migrated"),
    Code("AS1006", _E, "box_name names no box; the job is converted as a job-net of its own"),
    Code("AS1007", _E, "boxes contain each other in a cycle; the cycle is cut"),
    Code("AS1008", _I, "jobs and boxes deleted by delete_job/delete_box are not converted"),
    # attributes
    Code("AS1101", _I, "unknown attribute kept raw"),
    Code("AS1102", _W, "attribute repeated in one subcommand; the last value is used"),
    Code("AS1103", _I, "attributes without an AWS equivalent (alarms, notifications, ...) kept raw"),
    Code("AS1104", _W, "attribute is not meaningful for this job type; kept raw"),
    Code("AS1105", _W, "machine names several machines (a pool); the first one is used"),
    # conditions
    Code("AS1201", _W, "condition with OR, look-back or exit code: the expression travels as text"),
    Code("AS1202", _I, "condition on a unit in another job-net: a cross job-net dependency"),
    Code("AS1203", _E, "condition names a job that is not defined: AutoSys never starts the dependent"),
    Code("AS1204", _E, "global-variable condition value(): no AWS equivalent, not converted"),
    Code("AS1205", _W, "condition on a job of another AutoSys instance (^INS)"),
    Code("AS1206", _I, "`&` and `|` mixed without parentheses: evaluated from left to right"),
    Code("AS1207", _E, "condition on the unit itself or on a box enclosing it can never hold"),
    Code("AS1208", _W, "notrunning() is mutual exclusion, kept as a dependency on status not_running"),
    Code("AS1209", _W, "condition crosses box levels inside one job-net: kept as a dependency, not an edge"),
    # schedules
    Code("AS1401", _I, "date_conditions is 0: AutoSys ignores the date/time attributes"),
    Code("AS1402", _W, "date_conditions is 1 but no days_of_week or run_calendar: never scheduled"),
    Code("AS1403", _E, "days_of_week and run_calendar together (JIL refuses it): run_calendar used"),
    Code("AS1404", _E, "start_times and start_mins together (JIL refuses it): start_times used"),
    Code("AS1405", _W, "run_window gates condition starts: kept in metadata, not enforced"),
    Code("AS1406", _W, "own schedule on a unit inside a box: not converted, it runs when the box does"),
    Code("AS1407", _I, "scheduled without start_times or start_mins: runs at 00:00"),
    Code("AS1408", _W, "run_calendar/exclude_calendar names a calendar that is not among the inputs"),
    Code("AS1409", _I, "time zone name mapped to an IANA zone"),
    Code("AS1410", _I, "no schedule and no condition: the job-net starts only by hand"),
    Code(
        "AS1411",
        _W,
        "scheduled and conditioned: AutoSys starts it at its times only when the condition holds",
    ),
    # calendars
    Code("AS1501", _I, "extended calendar expanded into a date list"),
    Code("AS1502", _E, "extended calendar cannot be expanded; not converted"),
    Code("AS1503", _W, "calendar defined twice; the later definition is used"),
    Code("AS1504", _W, "standard calendar rows carry times of day; jobs start at their start_times"),
    Code("AS1505", _I, "cycle definition used by extended calendars only; not converted itself"),
    # jobs
    Code("AS1601", _W, "initial status on_hold/auto_hold: the job is held"),
    Code("AS1602", _W, "initial status on_ice: AutoSys skips the job and its dependents proceed"),
    Code("AS1603", _W, "box_success/box_failure: custom box status kept in metadata, not planned"),
    Code("AS1604", _W, "box_terminator/job_terminator: kill cascade kept raw, not planned"),
    Code("AS1605", _W, "job type without an executor mapping: kept as data (custom)"),
    Code("AS1606", _I, "file watcher converted as an event_wait job"),
    Code("AS1607", _I, "n_retrys restarts after application failures only, immediately"),
    Code("AS1608", _E, "command job without a command"),
    # interpretations
    Code(
        "AS1901",
        _I,
        "extended-calendar action codes and workday counting follow a documented reading [verify]",
    ),
)


class Reporter(Collector):
    """Collects findings for one import; every message names a file and line."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(CODES)

    def add(self, code: str, message: str, path: str, where: Source | None) -> None:
        self.emit(code, message, path, where)
