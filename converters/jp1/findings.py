"""Every finding the JP1 reader can emit: one table of codes, and the collector that uses it.

Codes are grouped by hundreds so a reviewer can tell the area from the number:

    JP10xx  units and the unit tree        JP15xx  calendars (job group op/cl/sdd/md/stt)
    JP11xx  parameters in general          JP16xx  jobs (command, end judgment, retry, ...)
    JP12xx  arrows (`ar`) and layout (`el`)  JP17xx  start conditions and external waits
    JP14xx  schedule rules                 JP19xx  interpretations chosen for [verify] items

A unit that does not end up in the IR is reported with one of `DROPPED_UNIT_CODES`, exactly once,
so that `IR nodes + dropped-unit findings == units read` can be checked (architecture decision 2).
"""

from __future__ import annotations

from typing import Final

from converters.findings import ERROR, INFO, WARNING, Code, Collector, table
from jobmigrate.model import Source

_E, _W, _I = ERROR, WARNING, INFO

CODES: Final[dict[str, Code]] = table(
    # units and tree
    Code("JP1001", _E, "unit has an unknown type (`ty`); the unit and its subtree are not converted"),
    Code("JP1002", _E, "unit has no `ty` parameter; the unit and its subtree are not converted"),
    Code("JP1003", _E, "unit type is not allowed at this place in the tree; unit not converted"),
    Code("JP1004", _E, "two sibling units share a name; the later one is not converted"),
    Code("JP1005", _W, "a parameter that may appear once is repeated; the last value is used"),
    Code("JP1008", _W, "unit type is kept as data but later stages cannot plan it"),
    Code("JP1009", _E, "unit not converted because an enclosing unit was not converted"),
    # parameters
    Code("JP1101", _I, "unknown parameter kept raw"),
    Code("JP1102", _E, "parameter value is invalid; kept raw, not interpreted"),
    Code("JP1103", _W, "parameter is not meaningful on this unit type; kept raw"),
    # arrows and layout
    Code("JP1201", _E, "arrow names a unit that is not a sibling in this jobnet; arrow dropped"),
    Code("JP1202", _E, "`con` arrow does not start at a judgment job; treated as `seq`"),
    Code("JP1203", _E, "a normal unit follows a recovery unit; only recovery units may"),
    Code("JP1204", _E, "arrow is malformed; dropped"),
    Code("JP1205", _W, "arrow is defined twice; the duplicate is ignored"),
    Code("JP1206", _E, "arrows form a cycle"),
    Code("JP1207", _W, "judgment job follows a jobnet, whose return code is always 0"),
    Code("JP1208", _W, "`el` layout entry disagrees with the child units"),
    # schedules
    Code("JP1401", _E, "schedule value is invalid; kept raw, not interpreted"),
    Code("JP1402", _E, "schedule parameter refers to a rule number that has no `sd`"),
    Code("JP1403", _W, "`ln` on a root jobnet is ignored by JP1/AJS3"),
    Code("JP1404", _W, "several start times (`st`) for one rule"),
    Code("JP1405", _I, "root jobnet has `sd=0,ud`: it never starts by schedule"),
    Code("JP1406", _W, "`wc`/`wt` without a start condition, or a start condition without them"),
    Code("JP1407", _W, "schedule parameter is meaningless on this jobnet and is ignored"),
    # calendars
    Code("JP1501", _E, "calendar value is invalid; kept raw, not interpreted"),
    Code("JP1502", _E, "open/closed days (`op`/`cl`) are only valid on job groups; ignored"),
    Code("JP1503", _W, "a date or weekday is defined both open and closed in one group; the last wins"),
    # jobs
    Code("JP1601", _E, "job parameter value is invalid; kept raw, not interpreted"),
    Code("JP1602", _W, "warning threshold `wth` is not below abnormal threshold `tho`"),
    Code("JP1603", _W, "automatic retry (`abr=y`) needs end judgment by return code (`jd=cod`)"),
    # start conditions, external waits
    Code("JP1701", _E, "`.CONDITION` unit is only valid as a child of a root jobnet"),
    Code("JP1702", _E, "only event jobs may be placed in `.CONDITION`; unit not converted"),
    # [verify] interpretations (legacy-formats.md items checked against the vendor manuals)
    Code("JP1900", _I, "`sh` omitted: a date falling on a closed day is not executed (sh=ca) [verify]"),
    Code("JP1901", _I, "closed-day shift finds no open day within `shd` days: run dropped [verify]"),
    Code("JP1902", _I, "`cftd` db/da count calendar days; be/af count open days [verify]"),
    Code("JP1903", _I, "calendar precedence: date > weekday > upper group; else open [verify]"),
    Code("JP1904", _I, "`md` month naming decides which month a base-day period is named after [verify]"),
    Code("JP1905", _I, "`+weekday:n` counts weekdays from the base day `sdd`, not the 1st [verify]"),
    Code("JP1906", _I, "nested jobnet with own rules is skipped in other generations [verify]"),
    Code("JP1907", _I, "root jobnet without `sd`: JP1/AJS3 assumes `sd=1,en` (registration day)"),
)

DROPPED_UNIT_CODES: Final[frozenset[str]] = frozenset(
    {"JP1001", "JP1002", "JP1003", "JP1004", "JP1009", "JP1702"}
)
"""Codes whose finding stands for one legacy unit that is not in the IR."""


class Reporter(Collector):
    """Collects findings for one import; every message names a file and line."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(CODES)

    def add(self, code: str, message: str, path: str, file: str, line: int, column: int = 0) -> None:
        self.emit(code, message, path, Source(file, line, column))
