"""The unit tree -> IR tree: folders for job groups, jobnets, jobs, start conditions, arrows.

Walks the syntax tree top-down. Each unit either becomes exactly one IR node or is reported with
one of `findings.DROPPED_UNIT_CODES` (together with every unit below it), so the import can
prove that nothing was lost. Parameters are checked once per unit: unknown keys get an info
finding, keys that make no sense on the unit type a warning; all stay in the node's `raw`.

IR objects are built with their validating constructors: with pydantic 2.14 that is faster than
`model_construct` for these models (measured: 2.7 us vs 3.7 us for a Job), and it checks every
value once more. Only the two most frequent objects, `RawParam` and `Source`, take a
non-validating fast path (`values.raw_param`, `values.source`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from jobmigrate.model import (
    Calendar,
    Edge,
    EdgeKind,
    ExternalDependency,
    Folder,
    Job,
    JobNet,
    Judgment,
    Source,
    StartCondition,
)

from .calendars import CALENDAR_KEYS, ROOT_SCOPE, CalendarScope, read_group_calendar
from .findings import Reporter
from .jobs import read_job, read_waits
from .keys import KNOWN_KEYS, allowed_keys
from .schedule import SCHEDULE_KEYS, JobnetSchedule, StartWindow, read_schedule
from .syntax import Param, Scalar, Tuple, UnitDef
from .unittypes import UnitType, lookup
from .values import joined, raw_params, to_int, type_of

_REPEATABLE: Final = frozenset(
    {"el", "ar", "env", "eun", "op", "cl", "mladr", "evwfr", "evsfr", "jpoif", "lftpd", "lfmks", "htcdm"}
)
_SINGLE: Final = KNOWN_KEYS - _REPEATABLE - SCHEDULE_KEYS
_JOBNET_METADATA: Final = ("rg", "ni", "cd", "de", "mp", "rh", "ncl", "ncn", "ncs", "ncex", "nchn", "ncsv")
_JUDGMENT_TYPES: Final = frozenset({"jdj", "rjdj"})

Child = Job | JobNet


@dataclass(slots=True)
class BuildResult:
    children: list[Folder | JobNet] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)
    units_read: int = 0


class TreeBuilder:
    """Builds the IR for the top-level units of one or more files."""

    def __init__(self, rep: Reporter) -> None:
        self.rep = rep
        self.result = BuildResult()

    def add_file(self, units: Iterable[UnitDef]) -> None:
        for unit in units:
            self.result.units_read += _count_units(unit)
            node = self._top(unit)
            if node is not None:
                self.result.children.append(node)

    # ----------------------------------------------------------------------- dispatch

    def _top(self, unit: UnitDef) -> Folder | JobNet | None:
        path = unit.name if unit.name.startswith("/") else f"/{unit.name}"
        name = path.rsplit("/", 1)[-1] or path
        kind = self._kind(unit, path)
        if kind is None:
            return None
        if kind.category == "group":
            return self._group(unit, kind, name, path, ROOT_SCOPE)
        if kind.category == "jobnet":
            return self._jobnet(unit, kind, name, path, is_root=True, scope=ROOT_SCOPE)
        self._drop(unit, path, "JP1003", f"a `{kind.code}` unit cannot stand at the top of a definition")
        return None

    def _kind(self, unit: UnitDef, path: str) -> UnitType | None:
        """The unit's type, or None after reporting the unit (and its subtree) as not converted."""
        code = type_of(unit)
        if code is None:
            self._drop(unit, path, "JP1002", "unit has no `ty` parameter")
            return None
        kind = lookup(code)
        if kind is None:
            self._drop(unit, path, "JP1001", f"unknown unit type `ty={code}`")
            return None
        self._check_params(unit, kind, path)
        return kind

    def _drop(self, unit: UnitDef, path: str, code: str, message: str) -> None:
        self.rep.add(code, f"{message}; not converted", path, unit.file, unit.line, unit.column)
        for child, child_path in _descendants(unit, path):
            self.rep.add(
                "JP1009", f"not converted: enclosing unit {path} was not", child_path, child.file, child.line
            )

    def _check_params(self, unit: UnitDef, kind: UnitType, path: str) -> None:
        """One pass over a unit's parameters: unknown, misplaced and repeated keys."""
        allowed = allowed_keys(kind.category)
        seen: set[str] = set()
        for p in unit.params:
            key = p.key
            if key not in allowed:
                self._misplaced(unit, kind, path, p)
            if key in _SINGLE:
                if key in seen:
                    self.rep.add(
                        "JP1005", f"`{key}` repeated; the last value is used", path, unit.file, p.line
                    )
                seen.add(key)

    def _misplaced(self, unit: UnitDef, kind: UnitType, path: str, p: Param) -> None:
        key, file = p.key, unit.file
        if key not in KNOWN_KEYS:
            self.rep.add("JP1101", f"unknown parameter `{key}` kept raw", path, file, p.line)
        elif key in CALENDAR_KEYS:
            message = f"`{key}={p.raw}` belongs on a job group; kept raw, not applied"
            self.rep.add("JP1502", message, path, file, p.line, p.column)
        elif key in SCHEDULE_KEYS:
            message = f"`{key}={p.raw}` is a jobnet schedule parameter; ignored on a `{kind.code}` unit"
            self.rep.add("JP1407", message, path, file, p.line)
        else:
            message = f"`{key}` has no meaning on a `{kind.code}` unit; kept raw"
            self.rep.add("JP1103", message, path, file, p.line)

    # ----------------------------------------------------------------------- job groups

    def _group(self, unit: UnitDef, kind: UnitType, name: str, path: str, scope: CalendarScope) -> Folder:
        calendar, inner = read_group_calendar(unit, path, scope, self.rep)
        if calendar is not None:
            self.result.calendars.append(calendar)
        if not kind.plannable:
            self._not_plannable(unit, kind, path)
        children: list[Folder | JobNet] = []
        for child, child_name, child_path in self._unique_children(unit, path):
            child_kind = self._kind(child, child_path)
            if child_kind is None:
                continue
            if child_kind.category == "group":
                children.append(self._group(child, child_kind, child_name, child_path, inner))
            elif child_kind.category == "jobnet":
                children.append(self._jobnet(child, child_kind, child_name, child_path, True, inner))
            else:
                message = f"a `{child_kind.code}` unit cannot be placed directly in a job group"
                self._drop(child, child_path, "JP1003", message)
        return Folder(
            node="folder",
            name=name,
            path=path,
            unit_type=kind.code,
            description=_text(unit, "cm"),
            calendar=inner.name,
            children=children,
            source=_source(unit),
            raw=raw_params(unit),
        )

    def _not_plannable(self, unit: UnitDef, kind: UnitType, path: str) -> None:
        message = f"`{kind.code}` ({kind.title}) is kept as data; later stages cannot plan it"
        self.rep.add("JP1008", message, path, unit.file, unit.line)

    def _unique_children(self, unit: UnitDef, path: str) -> Iterator[tuple[UnitDef, str, str]]:
        """Children with their full paths; a repeated sibling name is reported and skipped."""
        seen: set[str] = set()
        for child in unit.children:
            child_path = f"{path}/{child.name}"
            if child.name in seen:
                self._drop(child, child_path, "JP1004", f"a sibling named `{child.name}` already exists")
                continue
            seen.add(child.name)
            yield child, child.name, child_path

    # ----------------------------------------------------------------------- jobnets

    def _jobnet(
        self, unit: UnitDef, kind: UnitType, name: str, path: str, is_root: bool, scope: CalendarScope
    ) -> JobNet:
        if not kind.plannable:
            self._not_plannable(unit, kind, path)
        schedule = read_schedule(unit, path, is_root, self.rep)
        children, kinds, condition = self._jobnet_children(unit, path, is_root, scope)
        if condition is not None or schedule.window is not None:
            condition = self._start_window(unit, path, condition, schedule.window)
        last = {p.key: p for p in unit.params}
        return JobNet(
            node="jobnet",
            name=name,
            path=path,
            unit_type=kind.code,
            recovery=kind.recovery,
            description=_text(unit, "cm"),
            children=children,
            edges=ArrowReader(unit, path, kinds, children, self.rep).edges(),
            schedule=schedule.rules,
            inherits_schedule=schedule.inherits,
            calendar=schedule.calendar or scope.name,
            timezone=None,
            start_condition=condition,
            external=self._jobnet_waits(last, path, unit),
            hold=_text(unit, "ha"),
            concurrency=_text(unit, "ms"),
            priority=self._bounded(unit, path, "pr", 1, 5),
            expected_minutes=self._bounded(unit, path, "fd", 1, 2880),
            host=_text(unit, "ex"),
            metadata=_metadata(unit, last),
            source=_source(unit),
            raw=raw_params(unit),
        )

    def _jobnet_children(
        self, unit: UnitDef, path: str, is_root: bool, scope: CalendarScope
    ) -> tuple[list[Child], dict[str, UnitType], StartCondition | None]:
        children: list[Child] = []
        kinds: dict[str, UnitType] = {}
        condition: StartCondition | None = None
        for child, child_name, child_path in self._unique_children(unit, path):
            child_kind = self._kind(child, child_path)
            if child_kind is None:
                continue
            category = child_kind.category
            if category == "condition":
                if not is_root or condition is not None:
                    where = "a root jobnet" if not is_root else "a root jobnet, once"
                    self._drop(child, child_path, "JP1003", f"`.CONDITION` is only valid in {where}")
                    continue
                condition = self._condition(child, child_path)
                continue
            if category == "group":
                self._drop(child, child_path, "JP1003", "a job group cannot be placed in a jobnet")
                continue
            kinds[child_name] = child_kind
            if category == "jobnet":
                children.append(self._jobnet(child, child_kind, child_name, child_path, False, scope))
            else:
                children.append(read_job(child, child_kind, child_name, child_path, self.rep))
        return children, kinds, condition

    def _jobnet_waits(self, last: dict[str, Param], path: str, unit: UnitDef) -> list[ExternalDependency]:
        waits = read_waits(last, unit.params, path, unit.file, self.rep)
        link, sync, name = last.get("ncl"), last.get("ncs"), last.get("ncn")
        if link and sync and name and joined(link) == "y" and joined(sync) == "y":
            # A root jobnet linked to a connector with ncs=y starts only in step with that
            # connector (Command Reference, jobnet definition: ncl/ncn/ncs).
            waits.append(
                ExternalDependency(
                    target=joined(name),
                    status="running",
                    mode="all",
                    date="same",
                    condition="jobnet connector synchronisation (ncs=y)",
                    source=Source(file=unit.file, line=sync.line, column=0),
                )
            )
        return waits

    def _bounded(self, unit: UnitDef, path: str, key: str, low: int, high: int) -> int | None:
        text = _text(unit, key)
        if text is None:
            return None
        value = to_int(text, low, high)
        if value is None:
            self.rep.add("JP1102", f"`{key}={text}`: expected {low}..{high}", path, unit.file, unit.line)
        return value

    # ----------------------------------------------------------------------- start conditions

    def _condition(self, unit: UnitDef, path: str) -> StartCondition:
        events: list[Job] = []
        for child, child_name, child_path in self._unique_children(unit, path):
            child_kind = self._kind(child, child_path)
            if child_kind is None:
                continue
            if child_kind.category != "event":
                message = f"`.CONDITION` may only hold event jobs, not `{child_kind.code}`"
                self._drop(child, child_path, "JP1702", message)
                continue
            events.append(read_job(child, child_kind, child_name, child_path, self.rep))
        cond = _text(unit, "cond") or "and"
        if cond not in ("and", "or"):
            self.rep.add("JP1102", f"`cond={cond}`: expected and|or", path, unit.file, unit.line)
            cond = "and"
        return StartCondition(
            combine="or" if cond == "or" else "and",
            events=events,
            max_count=None,
            until=None,
            source=_source(unit),
        )

    def _start_window(
        self, unit: UnitDef, path: str, condition: StartCondition | None, window: StartWindow | None
    ) -> StartCondition | None:
        if condition is None:
            assert window is not None
            message = "`wc`/`wt` bound a start condition, but the jobnet has no `.CONDITION`"
            self.rep.add("JP1406", message, path, unit.file, window.line)
            return None
        if window is None or not window.effective:
            message = "start condition without a monitoring window (`wc`/`wt` omitted or `no`)"
            self.rep.add("JP1406", message, path, unit.file, unit.line)
            return condition
        condition.max_count = window.max_count
        condition.until = window.until
        return condition


# --------------------------------------------------------------------------- arrows


class ArrowReader:
    """`ar=(f=,t=[,seq|con])` of one jobnet -> edges between its children."""

    def __init__(
        self, unit: UnitDef, path: str, kinds: dict[str, UnitType], children: list[Child], rep: Reporter
    ) -> None:
        self.unit = unit
        self.path = path
        self.kinds = kinds
        self.by_name = {c.name: c for c in children}
        self.rep = rep

    def edges(self) -> list[Edge]:
        edges: list[Edge] = []
        seen: set[tuple[str, str]] = set()
        for p in self.unit.params:
            if p.key == "ar":
                edge = self._edge(p)
                if edge is None:
                    continue
                if (edge.pred, edge.succ) in seen:
                    self._add("JP1205", p, f"arrow {edge.pred} -> {edge.succ} repeated")
                    continue
                seen.add((edge.pred, edge.succ))
                edges.append(edge)
        self._check_layout()
        if edges:
            self._check_cycles(edges)
        return edges

    def _add(self, code: str, p: Param, message: str) -> None:
        self.rep.add(code, message, self.path, self.unit.file, p.line, p.column)

    def _edge(self, p: Param) -> Edge | None:
        fields = _arrow_fields(p)
        if fields is None:
            self._add("JP1204", p, f"`ar={p.raw}`: expected `(f=unit,t=unit[,seq|con])`")
            return None
        pred, succ, relation = fields
        for end in (pred, succ):
            if end not in self.by_name:
                self._add("JP1201", p, f"`ar={p.raw}`: `{end}` is not a converted child of this jobnet")
                return None
        if relation not in ("seq", "con"):
            self._add("JP1204", p, f"`ar={p.raw}`: relation `{relation}` is neither seq nor con; read as seq")
            relation = "seq"
        origin, target = self.kinds[pred], self.kinds[succ]
        if origin.recovery and not target.recovery:
            self._add("JP1203", p, f"`{succ}` is a normal unit after recovery unit `{pred}`")
        if target.code in _JUDGMENT_TYPES and origin.category == "jobnet":
            self._add("JP1207", p, f"judgment `{succ}` follows jobnet `{pred}`, which always returns 0")
        source_pos = Source(self.unit.file, p.line, p.column)
        if relation == "con":
            if origin.code in _JUDGMENT_TYPES:
                judgment = self.by_name[pred]
                condition = _describe(judgment.judgment) if isinstance(judgment, Job) else None
                return Edge(pred=pred, succ=succ, kind="conditional", condition=condition, source=source_pos)
            self._add("JP1202", p, f"`con` from `{pred}` ({origin.code}), which is not a judgment job")
        kind: EdgeKind = "on_failure" if target.recovery and not origin.recovery else "on_success"
        return Edge(pred=pred, succ=succ, kind=kind, condition=None, source=source_pos)

    def _check_layout(self) -> None:
        """`el=name,type,+H +V`: the layout names each child and its type; report disagreements."""
        for p in self.unit.params:
            if p.key != "el":
                continue
            texts = [v.text for v in p.values if isinstance(v, Scalar)]
            if len(texts) < 2:
                self._add("JP1208", p, f"`el={p.raw}`: expected `name,type,+H +V`")
                continue
            name, code = texts[0], texts[1]
            kind = self.kinds.get(name)
            if kind is None and name != ".CONDITION":
                self._add("JP1208", p, f"`el` names `{name}`, which is not a converted child")
            elif kind is not None and kind.code != code:
                self._add("JP1208", p, f"`el` says `{name}` is `{code}`, the unit says `{kind.code}`")

    def _check_cycles(self, edges: list[Edge]) -> None:
        successors: dict[str, list[str]] = {}
        for e in edges:
            successors.setdefault(e.pred, []).append(e.succ)
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for start in successors:
            if state.get(start):
                continue
            stack = [(start, iter(successors.get(start, ())))]
            state[start] = 1
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    stack.pop()
                elif state.get(nxt) == 1:
                    message = f"arrows form a cycle through `{nxt}`"
                    self.rep.add("JP1206", message, self.path, self.unit.file, self.unit.line)
                    return
                elif not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, iter(successors.get(nxt, ()))))


def _arrow_fields(p: Param) -> tuple[str, str, str] | None:
    if len(p.values) != 1 or not isinstance(p.values[0], Tuple):
        return None
    pred = succ = None
    relation = "seq"
    for key, value in p.values[0].items:
        if key == "f":
            pred = value
        elif key == "t":
            succ = value
        elif key is None:
            relation = value
        else:
            return None
    if not pred or not succ:
        return None
    return pred, succ, relation


def _describe(judgment: Judgment | None) -> str | None:
    """A short, readable form of the judgment that guards a `con` arrow."""
    if judgment is None:
        return None
    if judgment.op in ("file_exists", "file_missing"):
        return f"{judgment.raw} {judgment.file or ''}".strip()
    if judgment.op == "range":
        return f"{judgment.raw} {judgment.low}..{judgment.high}"
    if judgment.op == "variable":
        operand = judgment.text if judgment.text is not None else judgment.value
        return f"{judgment.variable} {judgment.raw} {operand}"
    return f"rc {judgment.op} {judgment.value}"


# --------------------------------------------------------------------------- small helpers


def _count_units(unit: UnitDef) -> int:
    count = 0
    stack = [unit]
    while stack:
        u = stack.pop()
        count += 1
        stack.extend(u.children)
    return count


def _descendants(unit: UnitDef, path: str) -> Iterator[tuple[UnitDef, str]]:
    stack = [(c, f"{path}/{c.name}") for c in reversed(unit.children)]
    while stack:
        child, child_path = stack.pop()
        yield child, child_path
        stack.extend((c, f"{child_path}/{c.name}") for c in reversed(child.children))


def _source(unit: UnitDef) -> Source:
    return Source(file=unit.file, line=unit.line, column=unit.column)


def _text(unit: UnitDef, key: str) -> str | None:
    found: Param | None = None
    for p in unit.params:
        if p.key == key:
            found = p
    return joined(found) if found is not None else None


def _metadata(unit: UnitDef, last: dict[str, Param]) -> dict[str, str]:
    meta: dict[str, str] = {k: joined(last[k]) for k in _JOBNET_METADATA if k in last}
    if unit.owner:
        meta["owner"] = unit.owner
    if unit.permission:
        meta["permission"] = unit.permission
    if unit.resource_group:
        meta["resource_group"] = unit.resource_group
    return meta


__all__ = ["BuildResult", "JobnetSchedule", "TreeBuilder"]
