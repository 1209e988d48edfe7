"""DEFTABLE folders and jobs -> the IR tree: a root job-net per folder, nested ones per sub-folder.

    FOLDER, SMART_FOLDER, SCHED_TABLE, SCHED_GROUP   root JobNet `/<FOLDER_NAME>`
    SUB_FOLDER                                      nested JobNet `/<FOLDER>/<SUB>` that runs
                                                    whenever its parent reaches it
    JOB                                             Job `/<FOLDER>[/<SUB>...]/<JOBNAME>`

A folder is one flow: Control-M orders all its jobs on a date and their conditions order them,
so the whole folder becomes one state machine. The path leaves the data center out, because
folder names are unique per data center and most sites run one; when the inputs hold the same
FOLDER_NAME under two data centers, those folders are named `/<DATACENTER>/<FOLDER_NAME>`.
The same folder read twice (same data center and name) is converted once (CTM003): Control-M
keeps one definition per folder, and two state machines would run the flow twice.

Each element becomes exactly one IR node or one dropped-unit finding (findings.DROPPED_UNIT_CODES)
for itself and one for each element below it. Job names need not be unique in a Control-M folder;
a repeated name is made unique with `#n` (CTM004) rather than dropping a job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from jobmigrate.model import Job, JobNet, ScheduleRule, Source

from .findings import Reporter
from .jobs import JobContext, folder_raw, folder_variables, read_job, report_side_effects
from .options import SiteOptions
from .schedule import Context, has_criteria, read_criteria
from .xmltree import Element

ROOT_FOLDERS: Final = frozenset({"FOLDER", "SMART_FOLDER", "SCHED_TABLE", "SCHED_GROUP"})
SMART_FOLDERS: Final = frozenset({"SMART_FOLDER", "SCHED_GROUP"})
FOLDERS: Final = ROOT_FOLDERS | {"SUB_FOLDER"}
UNIT_TAGS: Final = FOLDERS | {"JOB"}
RBC_DEFINITIONS: Final = frozenset({"RULE_BASED_CALENDAR", "TAG"})
RBC_REFERENCES: Final = frozenset({"RULE_BASED_CALENDARS", "TAG_NAMES"})
# Children that other modules read or that have no IR meaning and are reported by their module.
_KNOWN_CHILDREN: Final = frozenset(
    {
        "VARIABLE",
        "AUTOEDIT2",
        "INCOND",
        "OUTCOND",
        "ON",
        "SHOUT",
        "QUANTITATIVE",
        "CONTROL",
        *RBC_DEFINITIONS,
        *RBC_REFERENCES,
    }
)
_FOLDER_METADATA: Final = (
    "DATACENTER",
    "PLATFORM",
    "VERSION",
    "FOLDER_ORDER_METHOD",
    "APPLICATION",
    "SUB_APPLICATION",
    "TYPE",
)


@dataclass(eq=False, slots=True)
class Unit:
    """A folder or job while the import builds it: its element, IR node and place in the tree."""

    element: Element
    node: Job | JobNet
    parent: Unit | None
    children: list[Unit] = field(default_factory=list)
    smart: bool = False
    rbcs: dict[str, list[ScheduleRule]] = field(default_factory=dict)  # root smart folders
    datacenter: str = ""

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def path(self) -> str:
        return self.node.path

    @property
    def is_job(self) -> bool:
        return isinstance(self.node, Job)

    @property
    def root(self) -> Unit:
        unit = self
        while unit.parent is not None:
            unit = unit.parent
        return unit

    def chain(self) -> list[Unit]:
        """This unit's ancestors from the root folder down to itself."""
        out: list[Unit] = []
        unit: Unit | None = self
        while unit is not None:
            out.append(unit)
            unit = unit.parent
        return out[::-1]

    def walk(self) -> Iterator[Unit]:
        yield self
        for child in self.children:
            yield from child.walk()

    def jobs(self) -> Iterator[Unit]:
        return (u for u in self.walk() if u.is_job)


def release(roots: list[Unit]) -> None:
    """Unlink units from their parents once the import is done. A conversion pauses the cyclic
    collector, and the cycles of parents and children kept every unit and its XML element (80 MB
    at 20,000 jobs) for the rest of it."""
    for root in roots:
        for unit in root.walk():
            unit.parent = None


@dataclass(slots=True)
class Tree:
    roots: list[Unit] = field(default_factory=list)
    units_read: int = 0


class TreeBuilder:
    """Builds root units for the folders of every DEFTABLE document."""

    def __init__(self, options: SiteOptions, rep: Reporter, calendars: frozenset[str]) -> None:
        self.options = options
        self.rep = rep
        self.calendars = calendars
        self.tree = Tree()
        self._seen: set[tuple[str, str]] = set()
        self._qualified: set[str] = set()
        self._unknown: set[str] = set()

    def plan_names(self, tables: Sequence[Element]) -> None:
        """Folder names that occur under several data centers get the data center in their path."""
        centers: dict[str, set[str]] = {}
        for table in tables:
            for el in table.children if table.tag not in ROOT_FOLDERS else [table]:
                if el.tag in ROOT_FOLDERS and _folder_name(el):
                    centers.setdefault(_folder_name(el), set()).add(el.get("DATACENTER"))
        self._qualified = {name for name, found in centers.items() if len(found) > 1}

    def add_table(self, table: Element) -> None:
        for el in table.children:
            if el.tag in ROOT_FOLDERS:
                self._root(el)
            elif el.tag in UNIT_TAGS:
                self.tree.units_read += _count(el)
                self._drop(el, f"/{el.get('JOBNAME') or el.tag}", "CTM001", f"<{el.tag}> outside any folder")
            else:
                self._unknown_element(el, "")

    def add_bare_folder(self, el: Element) -> None:
        """A file whose root element is a folder (exported without DEFTABLE)."""
        self._root(el)

    # ----------------------------------------------------------------------- folders

    def _root(self, el: Element) -> None:
        self.tree.units_read += _count(el)
        name, center = _folder_name(el), el.get("DATACENTER")
        path = f"/{center}/{name}" if name in self._qualified and center else f"/{name}"
        if not name:
            self._drop(el, f"/{el.tag}", "CTM002", f"<{el.tag}> without FOLDER_NAME")
            return
        if (center, name) in self._seen:
            where = f" of data center {center}" if center else ""
            self._drop(el, path, "CTM003", f"folder {name}{where} was already read")
            return
        self._seen.add((center, name))
        unit = self._folder(el, name, path, None, ())
        unit.smart = el.tag in SMART_FOLDERS
        unit.datacenter = center
        if unit.smart:
            unit.rbcs = self._rbcs(el, path)
        elif has_criteria(el):
            self._folder_criteria_ignored(el, path)
        self.tree.roots.append(unit)

    def _folder(
        self, el: Element, name: str, path: str, parent: Unit | None, variables: tuple[tuple[str, str], ...]
    ) -> Unit:
        net = JobNet(
            name=name,
            path=path,
            unit_type=el.tag,
            description=el.get("DESCRIPTION") or None,
            inherits_schedule=parent is not None,
            metadata={k.lower(): el.get(k) for k in _FOLDER_METADATA if el.has(k)},
            source=_source(el),
            raw=folder_raw(el),
        )
        unit = Unit(element=el, node=net, parent=parent)
        report_side_effects(el, self.rep, path)
        inner = variables + folder_variables(el)
        names: Counter[str] = Counter()
        for child in el.children:
            if child.tag in UNIT_TAGS:
                self._child(unit, child, names, inner)
            elif child.tag not in _KNOWN_CHILDREN:
                self._unknown_element(child, path)
        return unit

    def _child(
        self, unit: Unit, el: Element, names: Counter[str], variables: tuple[tuple[str, str], ...]
    ) -> None:
        assert isinstance(unit.node, JobNet)
        base = el.get("JOBNAME") if el.tag == "JOB" else el.get("JOBNAME") or _folder_name(el)
        if not base:
            self._drop(el, f"{unit.path}/<{el.tag}>", "CTM002", f"<{el.tag}> without JOBNAME")
            return
        name = self._unique(base, names, el, unit.path)
        path = f"{unit.path}/{name}"
        if el.tag == "JOB":
            child = self._job(el, name, path, unit, variables)
        else:
            if el.tag != "SUB_FOLDER":
                self.rep.add(
                    "CTM006", f"<{el.tag}> inside a folder read as a sub-folder", path, el.file, el.line
                )
            if has_criteria(el):
                self._folder_criteria_ignored(el, path)
            child = self._folder(el, name, path, unit, variables)
        unit.children.append(child)
        unit.node.children.append(child.node)

    def _unique(self, base: str, names: Counter[str], el: Element, parent_path: str) -> str:
        names[base] += 1
        if names[base] == 1:
            return base
        name = f"{base}#{names[base]}"
        while name in names:
            names[base] += 1
            name = f"{base}#{names[base]}"
        names[name] += 1
        message = f"another child of {parent_path} is named {base}; this one is named {name}"
        self.rep.add("CTM004", message, f"{parent_path}/{name}", el.file, el.line)
        return name

    def _job(
        self, el: Element, name: str, path: str, parent: Unit, variables: tuple[tuple[str, str], ...]
    ) -> Unit:
        for nested in el.children:
            if nested.tag in UNIT_TAGS:
                self._drop(nested, f"{path}/{nested.tag}", "CTM001", f"<{nested.tag}> inside a JOB")
            elif nested.tag not in _KNOWN_CHILDREN:
                self._unknown_element(nested, path)
        job = read_job(el, name, JobContext(rep=self.rep, path=path, variables=variables))
        return Unit(element=el, node=job, parent=parent)

    def _rbcs(self, el: Element, path: str) -> dict[str, list[ScheduleRule]]:
        rbcs: dict[str, list[ScheduleRule]] = {}
        for child in el.children:
            if child.tag not in RBC_DEFINITIONS:
                continue
            name = child.get("NAME") or child.get("TAG_NAME")
            if not name or name in rbcs:
                problem = "without NAME" if not name else f"{name} defined twice"
                self.rep.add(
                    "CTM108", f"rule-based calendar {problem}; ignored", path, child.file, child.line
                )
                continue
            ctx = Context(self.options, self.rep, self.calendars, path)
            rbcs[name] = read_criteria(child, ctx) or []
        return rbcs

    def _folder_criteria_ignored(self, el: Element, path: str) -> None:
        message = (
            f"<{el.tag}> scheduling criteria are kept raw: only smart folders and jobs are ordered by them"
        )
        self.rep.add("CTM408", message, path, el.file, el.line)

    def _unknown_element(self, el: Element, path: str) -> None:
        if el.tag in self._unknown:
            return
        self._unknown.add(el.tag)
        self.rep.add(
            "CTM005", f"<{el.tag}> has no meaning for the migration; kept raw", path, el.file, el.line
        )

    def _drop(self, el: Element, path: str, code: str, message: str) -> None:
        self.rep.add(code, f"{message}; not converted", path, el.file, el.line, el.column)
        for child, child_path in _descendants(el, path):
            message = f"not converted: enclosing {el.tag} {path} was not"
            self.rep.add("CTM009", message, child_path, child.file, child.line, child.column)


def _folder_name(el: Element) -> str:
    return el.get("FOLDER_NAME") or el.get("TABLE_NAME")


def _count(el: Element) -> int:
    return (1 if el.tag in UNIT_TAGS else 0) + sum(_count(c) for c in el.children)


def _descendants(el: Element, path: str) -> Iterator[tuple[Element, str]]:
    for child in el.children:
        if child.tag in UNIT_TAGS:
            child_path = f"{path}/{child.get('JOBNAME') or _folder_name(child) or child.tag}"
            yield child, child_path
            yield from _descendants(child, child_path)


def _source(el: Element) -> Source:
    return Source(file=el.file, line=el.line, column=el.column)
