"""Subcommands applied in order: what the AutoSys database would hold after loading the files.

`insert_job` defines a job, `update_job` replaces the attributes it names, `delete_job` removes
one job and `delete_box` a box with everything inside it. Files are applied in the order given,
so a later file may update or delete what an earlier one inserted. Calendar records are
collected for `calendars`; other JIL objects (machines, resources, globals) are reported only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

from jobmigrate.errors import InputError

from .findings import Reporter
from .syntax import CALENDAR_RECORDS, OTHER_SUBCOMMANDS, Attr, Record

_NAME: Final = re.compile(r"[A-Za-z0-9_.#@$-]+")
_REPEATABLE: Final = frozenset({"envvars", "resources"})


@dataclass(slots=True)
class JobDef:
    """A job or box as the subcommands left it."""

    name: str
    head: Attr  # the insert_job attribute: where the job is defined
    attrs: dict[str, list[Attr]] = field(default_factory=dict)  # effective values, by key
    written: list[Attr] = field(default_factory=list)  # every attribute as written, updates too

    def last(self, key: str) -> Attr | None:
        values = self.attrs.get(key)
        return values[-1] if values else None

    def value(self, key: str) -> str | None:
        found = self.last(key)
        return found.value if found is not None else None

    @property
    def job_type(self) -> str:
        """The type as written, upper-case; AutoSys defaults to a command job."""
        return (self.value("job_type") or "CMD").upper()

    @property
    def is_box(self) -> bool:
        return self.job_type in ("BOX", "B")


@dataclass(slots=True)
class Catalog:
    jobs: dict[str, JobDef] = field(default_factory=dict)  # definition order
    calendars: list[Record] = field(default_factory=list)  # autocal_asc records, for `autocal`
    deleted: dict[str, Attr] = field(default_factory=dict)  # name -> the delete subcommand
    errors: list[InputError] = field(default_factory=list)


def build(records: list[Record], rep: Reporter) -> Catalog:
    catalog = Catalog()
    for record in records:
        try:
            _apply(record, catalog, rep)
        except InputError as err:
            catalog.errors.append(err)
    _report_deleted(catalog, rep)
    return catalog


def _apply(record: Record, catalog: Catalog, rep: Reporter) -> None:
    if record.kind in CALENDAR_RECORDS:
        catalog.calendars.append(record)
    elif record.kind in OTHER_SUBCOMMANDS:
        rep.add(
            "AS1005",
            f"{record.kind}: {record.name} is not a job; machines, resources and globals are not migrated",
            record.name,
            record.head.source,
        )
    else:
        _check_name(record.head)
        _JOB_VERBS[record.kind](record, catalog, rep)


def _check_name(head: Attr) -> None:
    if not head.value:
        raise head.error(f"`{head.key}:` needs a job name")
    if not _NAME.fullmatch(head.value):
        bad = next(i for i, ch in enumerate(head.value) if not _NAME.fullmatch(ch))
        raise head.error(f"invalid character {head.value[bad]!r} in the job name", bad)


def _insert(record: Record, catalog: Catalog, rep: Reporter) -> None:
    existing = catalog.jobs.get(record.name)
    if existing is not None:
        rep.add(
            "AS1001",
            f"insert_job: {record.name} again (first defined at {existing.head.source}); AutoSys refuses "
            "a second insert, so this definition is ignored (use update_job to change a job)",
            record.name,
            record.head.source,
        )
        return
    job = JobDef(name=record.name, head=record.head)
    catalog.deleted.pop(record.name, None)
    _set_attributes(job, record, rep, replace=False)
    catalog.jobs[record.name] = job


def _update(record: Record, catalog: Catalog, rep: Reporter) -> None:
    job = catalog.jobs.get(record.name)
    if job is None:
        _missing(record, rep)
        return
    _set_attributes(job, record, rep, replace=True)


def _set_attributes(job: JobDef, record: Record, rep: Reporter, replace: bool) -> None:
    """Attributes of one subcommand; an update replaces whole keys, an empty value unsets one."""
    seen: dict[str, list[Attr]] = {}
    for attr in record.attrs:
        job.written.append(attr)
        seen.setdefault(attr.key, []).append(attr)
    for key, values in seen.items():
        if len(values) > 1 and key not in _REPEATABLE:
            rep.add(
                "AS1102",
                f"`{key}:` appears {len(values)} times in {record.kind}: {record.name}; the last value "
                "is used",
                job.name,
                values[-1].source,
            )
        kept = [v for v in values if v.value] if key in _REPEATABLE else values[-1:]
        if kept and kept[-1].value:
            job.attrs[key] = kept
        elif replace:
            job.attrs.pop(key, None)


def _delete_job(record: Record, catalog: Catalog, rep: Reporter) -> None:
    if catalog.jobs.pop(record.name, None) is None:
        _missing(record, rep)
        return
    catalog.deleted[record.name] = record.head


def _delete_box(record: Record, catalog: Catalog, rep: Reporter) -> None:
    job = catalog.jobs.get(record.name)
    if job is None:
        _missing(record, rep)
        return
    if not job.is_box:
        rep.add(
            "AS1003",
            f"delete_box: {record.name} names a {job.job_type} job, not a box; the job is deleted",
            record.name,
            record.head.source,
        )
    for name in [record.name, *_members(record.name, catalog)]:
        catalog.jobs.pop(name, None)
        catalog.deleted[name] = record.head


def _members(box: str, catalog: Catalog) -> Iterator[str]:
    """Every job inside `box`, at any depth (a cycle of boxes is cut by the `seen` set)."""
    seen: set[str] = {box}
    pending = [box]
    while pending:
        current = pending.pop()
        for job in catalog.jobs.values():
            if job.value("box_name") == current and job.name not in seen:
                seen.add(job.name)
                pending.append(job.name)
                yield job.name


def _override(record: Record, catalog: Catalog, rep: Reporter) -> None:
    if record.name not in catalog.jobs:
        _missing(record, rep)
    rep.add(
        "AS1004",
        f"override_job: {record.name} changes the next run only; the definition is converted without it",
        record.name,
        record.head.source,
    )


def _missing(record: Record, rep: Reporter) -> None:
    rep.add(
        "AS1002",
        f"{record.kind}: {record.name} names no job defined before it; the subcommand is ignored",
        record.name,
        record.head.source,
    )


def _report_deleted(catalog: Catalog, rep: Reporter) -> None:
    for name, head in catalog.deleted.items():
        rep.add("AS1008", f"{name} was deleted by {head.key}: {head.value}; not converted", name, head.source)


_JOB_VERBS: Final[dict[str, Callable[[Record, Catalog, Reporter], None]]] = {
    "insert_job": _insert,
    "update_job": _update,
    "delete_job": _delete_job,
    "delete_box": _delete_box,
    "override_job": _override,
}
