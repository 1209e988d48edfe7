"""Boxes, jobs and conditions -> IR job-nets, jobs, edges and cross job-net dependencies.

Tree
    A box without `box_name` is a root job-net `/<BOX>`; a box inside a box is a nested job-net
    `/<OUTER>/<INNER>` (it runs when its parent box reaches it: `inherits_schedule`); a job in a
    box is a job `/<BOX>/<JOB>`. A job in no box is a root job-net `/<JOB>` holding that one job
    `/<JOB>/<JOB>`, as cron entries are. AutoSys job names are global, so a condition's name maps
    to one path: a box's or a standalone job's job-net path, or a boxed job's job path.

Conditions (`condition:` of a job or box, parsed by `conditions`)
    - An atom on a sibling in the same box is an `Edge` to the dependent: s() on_success,
      f() and t() on_failure, d() and e() on_done.
    - An atom on anything else is an `ExternalDependency` of the dependent: of its job-net when
      the dependent is a box or a standalone job (the planner starts that state machine from the
      status-change event of the target's), of the job when it waits inside its box run.
      Status: s success, f and t failure, d done, n not_running, e exit_code.
    - A condition made of `&` only is exact: plain edges and `mode="all"` dependencies. When it
      holds an OR, a look-back, an exit code, t() or n(), every edge and dependency it produced
      carries the whole expression in `condition`, and dependencies get `mode="any"` when the
      expression has an OR: e.g. `f(A) | f(B)` gives on_failure edges A->N and B->N, both with
      condition "f(A) | f(B)", which the planner reads as "either". Finding AS1201 says so.
    - A dependent whose every atom is f()/t() on siblings is a recovery unit (`recovery=True`),
      as JP1 recovery units are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from jobmigrate.errors import InputError
from jobmigrate.model import Edge, EdgeKind, ExternalDependency, Job, JobNet, Source

from . import conditions, jobs
from .catalog import Catalog, JobDef
from .conditions import Atom, Condition, ConditionError
from .findings import Reporter
from .schedule import read_timing
from .syntax import Attr
from .values import collect

_EDGE_KINDS: Final[dict[str, EdgeKind]] = {
    "success": "on_success",
    "failure": "on_failure",
    "terminated": "on_failure",
    "done": "on_done",
    "exitcode": "on_done",
}
_DEPENDENCY_STATUS: Final[
    dict[str, Literal["success", "failure", "done", "running", "not_running", "exit_code"]]
] = {
    "success": "success",
    "failure": "failure",
    "terminated": "failure",
    "done": "done",
    "notrunning": "not_running",
    "exitcode": "exit_code",
}
_TEXTUAL: Final = frozenset({"terminated", "exitcode", "notrunning"})


@dataclass(slots=True)
class Tree:
    roots: list[JobNet] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


class TreeBuilder:
    """Builds the job-nets of one catalog; value errors are collected with their positions."""

    def __init__(self, catalog: Catalog, calendar_names: set[str], rep: Reporter) -> None:
        self.catalog = catalog
        self.calendars = calendar_names
        self.rep = rep
        self.errors: list[InputError] = []
        self.parent: dict[str, str | None] = {}
        self.paths: dict[str, str] = {}  # IR path of each unit's own node
        self.targets: dict[str, str] = {}  # path a condition on the unit depends on
        self.nets: dict[str, JobNet] = {}  # job-net of each box and standalone job
        self.jobs: dict[str, Job] = {}

    def build(self) -> Tree:
        self._resolve_parents()
        self._assign_paths()
        roots = self._nodes()
        for job in self.catalog.jobs.values():
            self._condition(job)
        for job in self.catalog.jobs.values():
            self._timing(job)
        return Tree(roots=roots, errors=self.errors)

    # ------------------------------------------------------------------ tree

    def _resolve_parents(self) -> None:
        for job in self.catalog.jobs.values():
            self.parent[job.name] = self._box_of(job)
        for job in self.catalog.jobs.values():
            self._cut_cycle(job)

    def _box_of(self, job: JobDef) -> str | None:
        attr = job.last("box_name")
        if attr is None:
            return None
        box = self.catalog.jobs.get(attr.value)
        if box is not None and box.is_box and box.name != job.name:
            return box.name
        if box is not None:
            why = "itself" if box.name == job.name else f"a {box.job_type} job, not a box"
        elif attr.value in self.catalog.deleted:
            head = self.catalog.deleted[attr.value]
            why = f"a box deleted by {head.key} at {head.source}"
        else:
            why = "no box defined in the inputs"
        self.rep.add(
            "AS1006",
            f"box_name {attr.value} is {why}; {job.name} is converted as a job-net of its own",
            job.name,
            attr.source,
        )
        return None

    def _cut_cycle(self, job: JobDef) -> None:
        seen: list[str] = []
        current: str | None = job.name
        while current is not None and current not in seen:
            seen.append(current)
            current = self.parent[current]
        if current is None:
            return
        loop = seen[seen.index(current) :]
        cut = min(loop, key=list(self.catalog.jobs).index)
        self.parent[cut] = None
        self.rep.add(
            "AS1007",
            f"boxes {' -> '.join(loop)} contain each other; {cut} is converted as a root job-net",
            cut,
            self.catalog.jobs[cut].head.source,
        )

    def _assign_paths(self) -> None:
        for name in self.catalog.jobs:
            self.paths[name] = self._path(name)
        for job in self.catalog.jobs.values():
            standalone = not job.is_box and self.parent[job.name] is None
            self.targets[job.name] = f"/{job.name}" if standalone else self.paths[job.name]

    def _path(self, name: str) -> str:
        parts = [name]
        parent = self.parent[name]
        while parent is not None:
            parts.append(parent)
            parent = self.parent[parent]
        job = self.catalog.jobs[name]
        if not job.is_box and self.parent[name] is None:
            parts.append(name)  # a standalone job sits in a job-net of its own name
        return "/" + "/".join(reversed(parts))

    def _nodes(self) -> list[JobNet]:
        roots: list[JobNet] = []
        for job in self.catalog.jobs.values():
            if job.is_box:
                self.nets[job.name] = self._box(job)
            else:
                self._job(job)
        for job in self.catalog.jobs.values():
            node: Job | JobNet = self.nets[job.name] if job.is_box else self.jobs[job.name]
            parent = self.parent[job.name]
            if parent is not None:
                self.nets[parent].children.append(node)
            else:
                roots.append(self.nets[job.name])
        return roots

    def _box(self, job: JobDef) -> JobNet:
        path = self.paths[job.name]
        status = collect(self.errors, lambda: jobs.initial_status(job))
        metadata = {k: v for k in ("box_success", "box_failure") if (v := job.value(k)) is not None}
        if metadata:
            self.rep.add(
                "AS1603",
                "custom box status (" + ", ".join(f"{k}: {v}" for k, v in metadata.items()) + ") kept in "
                "metadata; the plan uses the default (all jobs succeed)",
                path,
                job.head.source,
            )
        if status is not None:
            metadata["status"] = status
            self._box_status(job, status, path)
        jobs.report_attributes(job, path, self.rep)
        return JobNet(
            name=job.name,
            path=path,
            unit_type=job.job_type,
            description=job.value("description"),
            inherits_schedule=self.parent[job.name] is not None,
            hold=status if status == "on_hold" else None,
            metadata=metadata,
            source=job.head.source,
            raw=[job.head.param(), *(a.param() for a in job.written)],
        )

    def _box_status(self, job: JobDef, status: str, path: str) -> None:
        if status == "on_hold":
            self.rep.add(
                "AS1601", "status: on_hold: the box waits to be released by hand", path, job.head.source
            )
        elif status in ("on_ice", "on_noexec"):
            self.rep.add(
                "AS1602",
                f"status: {status}: AutoSys does not run the box and treats conditions on it as met; "
                "converted as a normal box",
                path,
                job.head.source,
            )

    def _job(self, job: JobDef) -> None:
        built = jobs.build_job(job, self.paths[job.name], self.rep)
        self.errors.extend(built.errors)
        self.jobs[job.name] = built.job
        if self.parent[job.name] is None:
            self.nets[job.name] = JobNet(
                name=job.name,
                path=self.targets[job.name],
                unit_type=job.job_type,
                description=job.value("description"),
                children=[],
                source=job.head.source,
            )
            self.nets[job.name].children.append(built.job)

    # ------------------------------------------------------------------ conditions

    def _condition(self, job: JobDef) -> None:
        attr = job.last("condition")
        if attr is None:
            return
        try:
            parsed = conditions.parse(attr.value)
        except ConditionError as err:
            self.errors.append(attr.error(f"condition: {err.message}", err.offset))
            return
        _Linker(self, job, attr, parsed).link()

    def ancestors(self, name: str) -> list[str]:
        found: list[str] = []
        parent = self.parent[name]
        while parent is not None:
            found.append(parent)
            parent = self.parent[parent]
        return found

    def root_of(self, name: str) -> str:
        chain = self.ancestors(name)
        return chain[-1] if chain else name

    # ------------------------------------------------------------------ schedules

    def _timing(self, job: JobDef) -> None:
        top_level = self.parent[job.name] is None
        path = self.targets[job.name]
        timing = read_timing(job, path, top_level, self.rep)
        self.errors.extend(timing.errors)
        if not top_level:
            return
        net = self.nets[job.name]
        net.metadata.update(timing.metadata)
        if timing.rule is not None:
            net.schedule.append(timing.rule)
            net.timezone = timing.timezone
            self._check_calendars(job, path)
        self._report_start(job, net)

    def _check_calendars(self, job: JobDef, path: str) -> None:
        for key in ("run_calendar", "exclude_calendar"):
            attr = job.last(key)
            if attr is not None and attr.value not in self.calendars:
                self.rep.add(
                    "AS1408",
                    f"{key} {attr.value} is not among the inputs: give its autocal_asc export "
                    "(autocal_asc -s|-e ALL -E FILE) as another input",
                    path,
                    attr.source,
                )

    def _report_start(self, job: JobDef, net: JobNet) -> None:
        conditioned = job.last("condition") is not None
        if net.schedule and conditioned:
            self.rep.add(
                "AS1411",
                "has a schedule and a condition: AutoSys starts it at its times only once the condition "
                "holds; the planner must gate the scheduled start on the dependency",
                net.path,
                job.head.source,
            )
        elif not net.schedule and not conditioned:
            self.rep.add(
                "AS1410",
                "no date conditions and no condition: it starts only by hand",
                net.path,
                job.head.source,
            )


class _Linker:
    """Turns one parsed condition into edges and dependencies of its dependent."""

    def __init__(self, tree: TreeBuilder, job: JobDef, attr: Attr, parsed: Condition) -> None:
        self.tree = tree
        self.rep = tree.rep
        self.job = job
        self.attr = attr
        self.parsed = parsed
        self.container = tree.parent[job.name]
        self.any_of = "or" in parsed.operators()
        self.path = tree.targets[job.name]
        self.textual = False
        self.failure_only = True
        self.done: set[tuple[str, str, str | None]] = set()  # (target, kind, condition) linked

    def link(self) -> None:
        if self.parsed.mixed:
            self.rep.add(
                "AS1206",
                f"condition {self.parsed.text!r} mixes & and | without parentheses; AutoSys reads it "
                "from left to right, and so does this conversion",
                self.path,
                self.attr.source,
            )
        atoms = self.parsed.atoms()
        as_edges = [atom for atom in atoms if self._atom(atom)]
        if self.textual:
            self.rep.add(
                "AS1201",
                f"condition {self.parsed.text!r} is more than an AND of statuses; its edges and "
                "dependencies carry the expression in `condition`"
                + (" and are alternatives (any of them starts it)" if self.any_of else ""),
                self.path,
                self.attr.source,
            )
        if as_edges and len(as_edges) == len(atoms) and self.failure_only:
            self._mark_recovery()

    def _where(self, atom: Atom) -> Source:
        return Source(file=self.attr.file, line=self.attr.line, column=self.attr.value_column + atom.offset)

    def _atom(self, atom: Atom) -> bool:
        """Link one atom; True when it became an edge."""
        where = self._where(atom)
        if atom.status == "value":
            self.failure_only = False
            self.rep.add(
                "AS1204",
                f"{atom.text}: global variables have no AWS equivalent; this part of the condition is "
                "not converted",
                self.path,
                where,
            )
            return False
        self.textual |= self._textual(atom)
        if atom.status not in ("failure", "terminated"):
            self.failure_only = False
        if atom.instance is not None:
            self.rep.add(
                "AS1205",
                f"{atom.text}: job {atom.target} of AutoSys instance {atom.instance} is outside this "
                "conversion; kept as a dependency on it",
                self.path,
                where,
            )
            self._depend(f"{atom.target}^{atom.instance}", atom)
            return False
        return self._local(atom, where)

    def _local(self, atom: Atom, where: Source) -> bool:
        target = self.tree.catalog.jobs.get(atom.target)
        if target is None:
            self.failure_only = False
            self.rep.add(
                "AS1203",
                f"{atom.text}: no job {atom.target} is defined in the inputs; AutoSys treats the "
                "condition as never met",
                self.path,
                where,
            )
            self._depend(atom.target, atom)
            return False
        if atom.target == self.job.name or atom.target in self.tree.ancestors(self.job.name):
            self.failure_only = False
            self.rep.add(
                "AS1207",
                f"{atom.text}: a unit cannot wait for itself or for a box it runs in; not converted",
                self.path,
                where,
            )
            return False
        sibling = self.container is not None and self.tree.parent.get(atom.target) == self.container
        if sibling and atom.status != "notrunning":
            self._edge(atom, where)
            return True
        self.failure_only = False
        self._report_dependency(atom, where)
        self._depend(self.tree.targets[atom.target], atom)
        return False

    def _edge(self, atom: Atom, where: Source) -> None:
        assert self.container is not None  # only siblings in a box get here
        net = self.tree.nets[self.container]
        kind = _EDGE_KINDS[atom.status]
        condition = self.parsed.text if self._textual(atom) else None
        if self._first_time(atom.target, kind, condition):
            net.edges.append(
                Edge(pred=atom.target, succ=self.job.name, kind=kind, condition=condition, source=where)
            )

    def _first_time(self, target: str, kind: str, condition: str | None) -> bool:
        """True once per link: `f(A) | t(A)` is one on_failure edge, not two."""
        key = (target, kind, condition)
        if key in self.done:
            return False
        self.done.add(key)
        return True

    def _textual(self, atom: Atom) -> bool:
        """Whether plain edge kinds and statuses lose something of this atom's meaning."""
        return self.any_of or atom.lookback is not None or atom.status in _TEXTUAL

    def _depend(self, target: str, atom: Atom) -> None:
        status = _DEPENDENCY_STATUS[atom.status]
        condition = self.parsed.text if self._textual(atom) else None
        if not self._first_time(target, status, condition):
            return
        holder: Job | JobNet = (
            self.tree.nets[self.job.name]
            if self.job.name in self.tree.nets
            else self.tree.jobs[self.job.name]
        )
        holder.external.append(
            ExternalDependency(
                target=target,
                status=status,
                mode="any" if self.any_of else "all",
                condition=condition,
                source=self._where(atom),
            )
        )

    def _report_dependency(self, atom: Atom, where: Source) -> None:
        target = self.tree.targets[atom.target]
        if atom.status == "notrunning":
            self.rep.add(
                "AS1208",
                f"{atom.text}: starts only while {target} is not running (mutual exclusion); kept as a "
                "dependency on status not_running",
                self.path,
                where,
            )
        elif self.tree.root_of(atom.target) == self.tree.root_of(self.job.name):
            self.rep.add(
                "AS1209",
                f"{atom.text}: {target} is in the same job-net but not in the same box; kept as a "
                "dependency of the waiting unit rather than an edge",
                self.path,
                where,
            )
        else:
            started = self.job.name in self.tree.nets
            how = (
                "the planner starts this job-net from the status-change event of its state machine"
                if started
                else "the job waits inside its box run for that state machine's status"
            )
            self.rep.add("AS1202", f"{atom.text}: depends on {target}; {how}", self.path, where)

    def _mark_recovery(self) -> None:
        if self.job.name in self.tree.nets and self.job.is_box:
            self.tree.nets[self.job.name].recovery = True
        elif self.job.name in self.tree.jobs:
            self.tree.jobs[self.job.name].recovery = True
