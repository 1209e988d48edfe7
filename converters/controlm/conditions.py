"""Event conditions and ON/DO actions -> IR edges and external dependencies.

Control-M jobs wait for condition *names* in one global name space: OUTCOND `+` (or `ADD`)
adds a condition when the job ends OK, `ON ... DOCOND` adds one on another outcome, INCOND
waits for it. Edges come from joining producers to consumers by name and order date:

* producer and consumer in the same folder, same order date: an IR `Edge` between the two
  siblings that contain them (a job, or the sub-folder holding it) in their nearest common
  job-net;
* anywhere else (another folder, the previous or next order date): an `ExternalDependency` on
  the consumer whose target is the producer's path and whose `date` says which run counts;
* a condition nobody produces: an `ExternalDependency` whose target is the condition name
  (a manual or external condition, CTM201).

Order dates of a condition: ODAT is the job's own order date, PREV/NEXT one before/after,
`****` and `$$$$` any date, STAT no date at all, MMDD a fixed date. The consumer's offset minus
the producer's gives the IR `date`: 0 same, -1 previous, +1 next; anything else is "any"
(CTM204). OUTCOND `-` / `DEL` only deletes a condition; it orders nothing.

INCOND AND_OR joins a condition to the ones before it (the first one's is ignored) and is read
left to right, with parentheses from the `OP` attribute, or written into AND_OR or around the
name (`(`, `)`) [verify] (CTM905). OR waits for any producer: external dependencies carry
mode "any"; the planner has no OR join between edges, so such edges are kept with the
expression as their condition and reported (CTM203).

DOFORCEJOB (ON OK / NOTOK / `*`) orders another job when this one ends: an edge of kind
on_success / on_failure / on_done, or an external dependency on the forced job when it sits in
another folder. Other ON codes keep the edge as `conditional`, its condition the ON statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from jobmigrate.model import Edge, EdgeKind, ExternalDependency, JobNet, Source

from .findings import Reporter
from .tree import Unit
from .xmltree import Element

Outcome = Literal["success", "failure", "done", "conditional"]
DateRelation = Literal["same", "previous", "next", "any"]

_OFFSETS: Final[dict[str, int]] = {"": 0, "ODAT": 0, "PREV": -1, "NEXT": 1}
_ANY_DATE: Final = frozenset({"****", "$$$$"})
_MMDD: Final = re.compile(r"\d{4}")
_EDGE_KIND: Final[dict[Outcome, EdgeKind]] = {
    "success": "on_success",
    "failure": "on_failure",
    "done": "on_done",
    "conditional": "conditional",
}
_DEP_STATUS: Final[dict[Outcome, Literal["success", "failure", "done"]]] = {
    "success": "success",
    "failure": "failure",
    "done": "done",
    "conditional": "done",
}


@dataclass(frozen=True, slots=True)
class CondDate:
    """A condition's ODATE: an offset in order days, or a form without one."""

    offset: int | None
    form: str  # ODAT, PREV, NEXT, ANY, STAT, MMDD


@dataclass(frozen=True, slots=True)
class Produced:
    unit: Unit
    name: str
    date: CondDate
    outcome: Outcome
    condition: str | None
    line: int


@dataclass(frozen=True, slots=True)
class Wanted:
    name: str
    date: CondDate
    join: Literal["and", "or"]
    opens: int
    closes: int
    line: int


@dataclass(frozen=True, slots=True)
class Forced:
    unit: Unit
    folder: str
    job: str
    outcome: Outcome
    condition: str | None
    line: int


@dataclass(slots=True)
class Graph:
    """What the condition pass found that the schedule pass needs."""

    forced: dict[Unit, list[Outcome]] = field(default_factory=dict)  # how each forced job is forced


def link(roots: Sequence[Unit], rep: Reporter) -> Graph:
    """Add edges and external dependencies to the IR nodes of `roots`."""
    return _Linker(roots, rep).run()


class _Linker:
    def __init__(self, roots: Sequence[Unit], rep: Reporter) -> None:
        self.roots = roots
        self._by_name: dict[str, list[Unit]] | None = None
        self.rep = rep
        self.graph = Graph()
        self.producers: dict[str, list[Produced]] = {}
        self.edges: dict[int, set[tuple[str, str, str]]] = {}

    def run(self) -> Graph:
        units = [u for root in self.roots for u in root.walk()]
        for unit in units:
            for produced in _produced(unit, self.rep):
                self.producers.setdefault(produced.name, []).append(produced)
        for unit in units:
            self._consume(unit)
        for unit in units:
            for forced in _forces(unit):
                self._force(forced)
        return self.graph

    # ----------------------------------------------------------------------- INCOND

    def _consume(self, unit: Unit) -> None:
        wanted = _wanted(unit, self.rep)
        if not wanted:
            return
        mode, text = _expression(wanted)
        if mode != "all":
            message = "in-conditions joined by OR: waits for " + text
            self.rep.once("CTM905", "or", message, unit.path, unit.element.file, wanted[0].line)
        linked_inside = False
        for want in wanted:
            producers = self.producers.get(want.name, [])
            if not producers:
                self._unproduced(unit, want, mode, text)
                continue
            if len(producers) > 1:
                names = ", ".join(p.unit.path for p in producers)
                message = f"condition {want.name} is added by {names}: the plan waits for all of them"
                self.rep.add("CTM202", message, unit.path, unit.element.file, want.line)
            for produced in producers:
                linked_inside |= self._join(unit, want, produced, mode, text)
        if mode == "mixed" or (mode == "any" and linked_inside):
            message = f"in-conditions {text}: the plan waits for every condition (and every producer)"
            self.rep.add("CTM203", message, unit.path, unit.element.file, wanted[0].line)

    def _unproduced(self, unit: Unit, want: Wanted, mode: str, text: str) -> None:
        message = f"no job in the inputs adds condition {want.name}: waits for it as an external event"
        self.rep.add("CTM201", message, unit.path, unit.element.file, want.line)
        relation = "any" if want.date.offset is None else _RELATION.get(want.date.offset, "any")
        _external(unit).append(
            ExternalDependency(
                target=want.name,
                status="success",
                mode="any" if mode == "any" else "all",
                date=relation,
                condition=_condition_text(want, mode, text),
                source=Source(file=unit.element.file, line=want.line),
            )
        )

    def _join(self, unit: Unit, want: Wanted, produced: Produced, mode: str, text: str) -> bool:
        """Edge or external dependency for one producer; True when it is an edge in the folder."""
        relation = self._relation(unit, want, produced)
        condition = _condition_text(want, mode, text) or produced.condition
        source = Source(file=unit.element.file, line=want.line)
        inside = relation == "same" and produced.unit.root is unit.root and produced.unit is not unit
        if inside and self._edge(produced.unit, unit, produced.outcome, condition, source):
            return True
        _external(unit).append(
            ExternalDependency(
                target=produced.unit.path,
                status=_DEP_STATUS[produced.outcome],
                mode="any" if mode == "any" else "all",
                date=relation,
                condition=condition or want.name,
                source=source,
            )
        )
        return False

    def _relation(self, unit: Unit, want: Wanted, produced: Produced) -> DateRelation:
        if want.date.form == "ANY" or produced.date.form == "ANY":
            return "any"
        if want.date.offset is None or produced.date.offset is None:
            message = (
                f"condition {want.name}: ODATE {produced.date.form} added, {want.date.form} awaited; "
                "read as any date"
            )
            self.rep.add("CTM204", message, unit.path, unit.element.file, want.line)
            return "any"
        relation = _RELATION.get(want.date.offset - produced.date.offset)
        if relation is None:
            message = (
                f"condition {want.name}: order dates {want.date.form} and {produced.date.form}; read as any"
            )
            self.rep.add("CTM204", message, unit.path, unit.element.file, want.line)
            return "any"
        return relation

    def _edge(self, pred: Unit, succ: Unit, outcome: Outcome, condition: str | None, source: Source) -> bool:
        """An edge between the siblings holding `pred` and `succ`; False when one holds the other."""
        a, b = pred.chain(), succ.chain()
        depth = 0
        while depth < min(len(a), len(b)) and a[depth] is b[depth]:
            depth += 1
        if depth == 0 or depth == len(a) or depth == len(b):
            return False
        parent = a[depth - 1].node
        assert isinstance(parent, JobNet)
        kind = _EDGE_KIND[outcome]
        key = (a[depth].name, b[depth].name, kind)
        seen = self.edges.setdefault(id(parent), set())
        if key not in seen:
            seen.add(key)
            parent.edges.append(Edge(pred=key[0], succ=key[1], kind=kind, condition=condition, source=source))
        return True

    # ----------------------------------------------------------------------- DOFORCEJOB

    def _force(self, forced: Forced) -> None:
        target = self._find(forced)
        unit = forced.unit
        if target is None:
            message = f"DOFORCEJOB orders {forced.folder}/{forced.job}, which is not in the inputs"
            self.rep.add("CTM205", message, unit.path, unit.element.file, forced.line)
            return
        self.graph.forced.setdefault(target, []).append(forced.outcome)
        source = Source(file=unit.element.file, line=forced.line)
        condition = forced.condition
        if target.root is unit.root and self._edge(unit, target, forced.outcome, condition, source):
            return
        _external(target).append(
            ExternalDependency(
                target=unit.path,
                status=_DEP_STATUS[forced.outcome],
                date="same",
                condition=condition or f"forced by {unit.path}",
                source=source,
            )
        )

    def _roots_named(self) -> dict[str, list[Unit]]:
        """Roots by name and by the last part of their path, in root order, built once."""
        if self._by_name is None:
            self._by_name = {}
            for r in self.roots:
                last = r.path.rsplit("/", 1)[-1] if "/" in r.path else r.name
                for key in dict.fromkeys((r.name, last)):
                    self._by_name.setdefault(key, []).append(r)
        return self._by_name

    def _find(self, forced: Forced) -> Unit | None:
        if "/" in forced.folder:
            candidates = [r for r in self.roots if r.path.endswith(f"/{forced.folder}")]
        else:  # the folder's name, or the last part of its path: looked up, not searched
            candidates = list(self._roots_named().get(forced.folder, []))
        candidates.sort(key=lambda r: r.datacenter != forced.unit.root.datacenter)
        for root in candidates:
            for unit in root.jobs():
                if unit.name == forced.job:
                    return unit
        return None


_RELATION: Final[dict[int, DateRelation]] = {0: "same", -1: "previous", 1: "next"}


def _external(unit: Unit) -> list[ExternalDependency]:
    return unit.node.external


def _condition_text(want: Wanted, mode: str, text: str) -> str | None:
    return None if mode == "all" else text


# --------------------------------------------------------------------------- reading elements


def _date(el: Element, unit: Unit, rep: Reporter) -> CondDate:
    text = el.get("ODATE").upper()
    if text in _OFFSETS:
        return CondDate(_OFFSETS[text], text or "ODAT")
    if text in _ANY_DATE:
        return CondDate(None, "ANY")
    if text == "STAT":
        return CondDate(None, "STAT")
    if _MMDD.fullmatch(text):
        return CondDate(None, text)
    message = f"<{el.tag} NAME={el.get('NAME')}> ODATE={text!r} is not ODAT, PREV, NEXT, ****, STAT or MMDD"
    rep.add("CTM108", message + "; read as ODAT", unit.path, el.file, el.line)
    return CondDate(0, "ODAT")


def _produced(unit: Unit, rep: Reporter) -> Iterator[Produced]:
    for el in unit.element.children:
        if el.tag == "OUTCOND" and _adds(el, unit, rep):
            yield Produced(unit, el.get("NAME"), _date(el, unit, rep), "success", None, el.line)
        elif el.tag == "ON":
            outcome, condition = _on_outcome(el)
            for action in el.children:
                if action.tag == "DOCOND" and _adds(action, unit, rep):
                    date = _date(action, unit, rep)
                    yield Produced(unit, action.get("NAME"), date, outcome, condition, action.line)


def _adds(el: Element, unit: Unit, rep: Reporter) -> bool:
    sign = el.get("SIGN").upper() or "+"
    if not el.get("NAME"):
        rep.add("CTM108", f"<{el.tag}> without NAME; ignored", unit.path, el.file, el.line)
        return False
    if sign in ("ADD", "DEL"):
        message = (
            f"<{el.tag} NAME={el.get('NAME')}> SIGN={el.get('SIGN')} read as {'+' if sign == 'ADD' else '-'}"
        )
        rep.add("CTM109", message, unit.path, el.file, el.line)
    if sign not in ("+", "-", "ADD", "DEL"):
        rep.add("CTM108", f"SIGN={el.get('SIGN')!r} is not + or -; read as +", unit.path, el.file, el.line)
    return sign not in ("-", "DEL")


def _on_outcome(on: Element) -> tuple[Outcome, str | None]:
    statement, code = on.get("STMT") or "*", on.get("CODE").upper()
    if statement == "*":
        if code == "OK":
            return "success", None
        if code == "NOTOK":
            return "failure", None
        if code == "*":
            return "done", None
    return "conditional", f"ON STMT={statement} CODE={on.get('CODE')}"


def _forces(unit: Unit) -> Iterator[Forced]:
    for on in (c for c in unit.element.children if c.tag == "ON"):
        outcome, condition = _on_outcome(on)
        for action in on.children:
            if action.tag == "DOFORCEJOB":
                folder = action.get("TABLE_NAME") or action.get("FOLDER_NAME") or unit.root.name
                job = action.get("NAME") or action.get("JOBNAME")
                yield Forced(unit, folder, job, outcome, condition, action.line)


def _wanted(unit: Unit, rep: Reporter) -> list[Wanted]:
    out: list[Wanted] = []
    for el in unit.element.children:
        if el.tag != "INCOND":
            continue
        name = el.get("NAME")
        opens = el.get("OP").count("(") + el.get("AND_OR").count("(")
        closes = el.get("OP").count(")") + el.get("AND_OR").count(")")
        stripped = name.lstrip("(")
        opens += len(name) - len(stripped)
        bare = stripped.rstrip(")")
        closes += len(stripped) - len(bare)
        if not bare:
            rep.add("CTM108", "<INCOND> without NAME; ignored", unit.path, el.file, el.line)
            continue
        join = el.get("AND_OR").strip("()").upper() or "A"
        if join not in ("A", "AND", "O", "OR"):
            rep.add("CTM108", f"AND_OR={join!r} is not A or O; read as A", unit.path, el.file, el.line)
            join = "A"
        out.append(
            Wanted(bare, _date(el, unit, rep), "or" if join in ("O", "OR") else "and", opens, closes, el.line)
        )
    if sum(w.opens for w in out) != sum(w.closes for w in out):
        message = "in-conditions open and close a different number of parentheses; read without them"
        rep.add("CTM207", message, unit.path, unit.element.file, out[0].line)
        out = [Wanted(w.name, w.date, w.join, 0, 0, w.line) for w in out]
    return out


def _expression(wanted: list[Wanted]) -> tuple[Literal["all", "any", "mixed"], str]:
    """How the in-conditions combine, and the expression as text for reviewers."""
    joins = {w.join for w in wanted[1:]}
    grouped = any(w.opens or w.closes for w in wanted)
    parts: list[str] = []
    for index, w in enumerate(wanted):
        if index:
            parts.append("OR" if w.join == "or" else "AND")
        parts.append("(" * w.opens + w.name + ")" * w.closes)
    text = " ".join(parts)
    if joins <= {"and"}:
        return "all", text
    if joins == {"or"} and not grouped:
        return "any", text
    return "mixed", text
