"""Every finding the Control-M reader can emit: one table of codes, and the collector that uses it.

Codes are grouped by hundreds so a reviewer can tell the area from the number:

    CTM0xx  folders, jobs and the tree      CTM4xx  scheduling criteria and times
    CTM1xx  what a job runs                 CTM5xx  calendars (DEFCAL)
    CTM2xx  conditions and ON/DO actions    CTM9xx  interpretations chosen for [verify] items

A JOB or folder that does not end up in the IR is reported with one of `DROPPED_UNIT_CODES`,
exactly once, so that `IR nodes + dropped-unit findings == units read` can be checked
(architecture decision 2).
"""

from __future__ import annotations

from typing import Final

from converters.findings import ERROR, INFO, WARNING, Code, Collector, table
from jobmigrate.model import Source

_E, _W, _I = ERROR, WARNING, INFO

CODES: Final[dict[str, Code]] = table(
    # folders, jobs, tree
    Code("CTM001", _E, "element not allowed at this place (a JOB outside any folder); not converted"),
    Code("CTM002", _E, "folder or job without a name; not converted"),
    Code("CTM003", _E, "a folder of this name (and data center) was already read; not converted"),
    Code("CTM004", _W, "a sibling job or sub-folder has the same name; this one is renamed NAME#n"),
    Code("CTM005", _I, "element without a meaning for the migration; kept raw"),
    Code("CTM006", _W, "folder element nested in another folder read as a sub-folder"),
    Code("CTM009", _E, "not converted because the enclosing folder was not"),
    # what runs
    Code("CTM101", _W, "task type or application type without an AWS executor; kept as a custom job"),
    Code("CTM102", _W, "command line or member name is empty: the job runs nothing"),
    Code("CTM103", _W, "the command uses Control-M variables that are resolved at run time"),
    Code("CTM104", _W, "CONFIRM=1: the job waits for an operator's confirmation"),
    Code("CTM105", _I, "notifications (SHOUT, DOMAIL, DOSHOUT) are not migrated"),
    Code("CTM106", _I, "resources (QUANTITATIVE, CONTROL) are not migrated"),
    Code("CTM107", _W, "MAXWAIT: Control-M kept the job waiting for its conditions for days"),
    Code("CTM108", _E, "attribute value is invalid; kept raw, not interpreted"),
    Code("CTM109", _W, "non-canonical value accepted as its usual meaning"),
    Code("CTM110", _I, "ON/DO action without IR meaning (rerun, cyclic stop, variable) kept as data"),
    # conditions
    Code("CTM201", _W, "no job in the inputs adds this condition: external or manual dependency"),
    Code("CTM202", _W, "several jobs add this condition; Control-M starts on the first of them"),
    Code("CTM203", _E, "OR between in-conditions: the plan waits for every producer"),
    Code("CTM204", _W, "condition date cannot be expressed exactly; read as any date"),
    Code("CTM205", _E, "DOFORCEJOB names a job that is not in the inputs"),
    Code("CTM206", _W, "job is forced by DOFORCEJOB and also ordered by its own criteria"),
    Code("CTM207", _W, "in-conditions have unbalanced parentheses; read without them"),
    # schedule
    Code("CTM401", _E, "scheduling value not supported; ignored"),
    Code("CTM402", _E, "job is ordered on other days than its job-net; the plan runs it with the job-net"),
    Code("CTM403", _W, "TIMEFROM is not held: the job starts with its job-net or after its predecessors"),
    Code("CTM404", _E, "cyclic job cannot be planned exactly"),
    Code("CTM405", _W, "several time zones in one job-net; the first job's zone is used"),
    Code("CTM406", _E, "unknown Control-M time zone code; the legacy zone is used"),
    Code("CTM407", _E, "rule-based calendar reference is not defined in the folder; ignored"),
    Code("CTM408", _W, "scheduling criteria on a regular folder or sub-folder are kept raw, not applied"),
    Code("CTM409", _W, "calendar is not among the inputs: add its DEFCAL export"),
    Code("CTM410", _W, "job without scheduling criteria in a regular folder runs with its job-net"),
    Code("CTM411", _W, "every month flag is off: the criteria never match"),
    # calendars
    Code("CTM501", _E, "calendar year is malformed; the year is not converted"),
    Code("CTM502", _W, "calendar type read as a plain list of working days"),
    Code("CTM503", _W, "calendar defined twice; the first definition is used"),
    Code("CTM504", _E, "calendar without a name or year, or rule based; not converted"),
    Code("CTM505", _W, "a day past a month's end is marked working; ignored"),
    # interpretations of [verify] items
    Code("CTM900", _I, "site new-day time: order dates start at this time"),
    Code("CTM901", _I, "WEEKDAYS numbering: 0 = Sunday (or Monday, by option) [verify]"),
    Code("CTM902", _I, "`Ln` with DAYSCAL counts working days back from the month end [verify]"),
    Code("CTM903", _I, "TIMEZONE code read as an IANA zone [verify]"),
    Code("CTM904", _I, "MAXRERUN with INTERVAL read as automatic reruns after a failure [verify]"),
    Code("CTM905", _I, "AND_OR joins an in-condition to the ones before it, left to right [verify]"),
    Code(
        "CTM906",
        _I,
        "a smart-folder job without own criteria runs whenever the folder is ordered [verify]",
    ),
    Code("CTM907", _I, "SHIFTNUM moves every confirmed date, working or shifted [verify]"),
)

DROPPED_UNIT_CODES: Final[frozenset[str]] = frozenset({"CTM001", "CTM002", "CTM003", "CTM009"})
"""Codes whose finding stands for one FOLDER, SUB_FOLDER or JOB that is not in the IR."""


class Reporter(Collector):
    """Collects findings for one import; every message names a file and line."""

    __slots__ = ("_once",)

    def __init__(self) -> None:
        super().__init__(CODES)
        self._once: set[tuple[str, str]] = set()

    def add(self, code: str, message: str, path: str, file: str, line: int, column: int = 0) -> None:
        self.emit(code, message, path, Source(file=file, line=line, column=column))

    def once(self, code: str, key: str, message: str, path: str, file: str, line: int) -> None:
        """Report an interpretation the first time it applies to `key` only."""
        if (code, key) in self._once:
            return
        self._once.add((code, key))
        self.add(code, message, path, file, line)
