"""When each folder's state machine starts: its jobs' criteria -> the job-net's rules and times.

Control-M orders jobs, not folders: at the new-day time each job whose criteria match the date
is ordered (in a smart folder only when the folder is ordered too), and then waits for its
TIMEFROM and its conditions. A job-net has one schedule, so:

Days
    A job's ordering is its own criteria; in a smart folder, the rule-based calendars it names
    (`*`: all of the folder's), combined by RULE_BASED_CALENDAR_RELATIONSHIP, its own criteria
    also requiring the folder's (`require_any`), and no criteria at all meaning "whenever the
    folder is ordered" (CTM906). When every ordered job of the folder has the same ordering, it
    is the job-net's schedule: exact. Otherwise the job-net runs on the smart folder's own
    criteria, or on the union of its jobs' orderings, and each job whose ordering differs is
    reported (CTM402): the state machine runs it on days Control-M would not.
    A job that only DOFORCEJOB orders is not ordered by date; forced only on failure it is a
    recovery job. In a regular folder a job without criteria was ordered by hand (CTM410).
Times
    The state machine starts at the TIMEFROM of the smart folder, else of the earliest job that
    no condition of its folder waits on (an entry job), else at the new-day time. A later
    TIMEFROM elsewhere is not held (CTM403). A cyclic job alone in its folder repeats the
    job-net within the order day (every INTERVAL, or at CYCLIC_TIMES_SEQUENCE, from TIMEFROM to
    TIMETO); with other jobs it cannot be planned (CTM404).
Zone
    TIMEZONE (one per job-net; CTM405 otherwise) becomes the rules' time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Final, Literal

from jobmigrate.model import JobNet, ScheduleRule, StartTime

from .conditions import Graph
from .findings import Reporter
from .options import SiteOptions
from .schedule import (
    MINUTES_PER_DAY,
    Context,
    Timing,
    cyclic_starts,
    read_criteria,
    read_timing,
    relationship,
    start_times,
)
from .tree import RBC_REFERENCES, Unit

OrderingKind = Literal["rules", "folder", "forced", "by_hand"]
_ORDERED: Final = ("rules", "folder")


@dataclass(frozen=True, slots=True)
class Ordering:
    kind: OrderingKind
    rules: tuple[ScheduleRule, ...] = ()


def schedule_roots(
    roots: Sequence[Unit],
    graph: Graph,
    options: SiteOptions,
    rep: Reporter,
    calendars: frozenset[str],
    calendar: str | None,
) -> None:
    """Fill in schedule, calendar and time zone of every root job-net."""
    for root in roots:
        _RootScheduler(root, graph, options, rep, calendars, calendar).run()


class _RootScheduler:
    def __init__(
        self,
        root: Unit,
        graph: Graph,
        options: SiteOptions,
        rep: Reporter,
        calendars: frozenset[str],
        calendar: str | None,
    ) -> None:
        self.root = root
        self.graph = graph
        self.options = options
        self.rep = rep
        self.calendars = calendars
        self.calendar = calendar

    def context(self, unit: Unit) -> Context:
        return Context(self.options, self.rep, self.calendars, unit.path)

    def run(self) -> None:
        folder_rules = self._folder_rules()
        orderings = {job: self._ordering(job, folder_rules) for job in self.root.jobs()}
        self._mark_recovery(orderings)
        rules = self._choose(orderings, folder_rules)
        times, zone = self._times(orderings)  # read even when unscheduled: bad values are findings
        net = self.root.node
        assert isinstance(net, JobNet)
        net.schedule = [
            replace(rule, number=n, times=times, timezone=zone) for n, rule in enumerate(rules, start=1)
        ]
        net.timezone = zone
        for unit in self.root.walk():
            if isinstance(unit.node, JobNet):
                unit.node.calendar = self.calendar

    # ----------------------------------------------------------------------- days

    def _folder_rules(self) -> list[ScheduleRule]:
        if not self.root.smart:
            return []
        own = read_criteria(self.root.element, self.context(self.root)) or []
        return own + [rule for rules in self.root.rbcs.values() for rule in rules]

    def _ordering(self, job: Unit, folder_rules: list[ScheduleRule]) -> Ordering:
        el = job.element
        ctx = self.context(job)
        own = read_criteria(el, ctx)
        references = [c.get("NAME") or c.get("TAG_NAME") for c in el.children if c.tag in RBC_REFERENCES]
        forced = job in self.graph.forced
        if own is None and not references:
            if forced:
                return Ordering("forced")
            if not self.root.smart:
                return Ordering("by_hand")
            self._inherits(job)
            return Ordering("folder", tuple(folder_rules))
        if forced:
            message = "ordered by its own criteria and also forced by DOFORCEJOB: Control-M ran both"
            self.rep.add("CTM206", message, job.path, el.file, el.line)
        referenced = self._referenced(job, references)
        if own is None:
            return (
                Ordering("rules", tuple(referenced))
                if referenced
                else Ordering("folder", tuple(folder_rules))
            )
        own_in_folder = [_within(rule, folder_rules) for rule in own]
        if not referenced:
            return Ordering("rules", tuple(own_in_folder))
        if relationship(el, ctx) == "and":
            return Ordering("rules", tuple(_within(rule, referenced) for rule in own))
        return Ordering("rules", tuple(own_in_folder + referenced))

    def _referenced(self, job: Unit, references: list[str]) -> list[ScheduleRule]:
        out: list[ScheduleRule] = []
        for name in references:
            if name == "*":
                out.extend(rule for rules in self.root.rbcs.values() for rule in rules)
            elif name in self.root.rbcs:
                out.extend(self.root.rbcs[name])
            else:
                where = (
                    "this smart folder"
                    if self.root.smart
                    else "a regular folder (only smart folders have them)"
                )
                message = f"rule-based calendar {name!r} is not defined in {where}; ignored"
                self.rep.add("CTM407", message, job.path, job.element.file, job.element.line)
        return out

    def _inherits(self, job: Unit) -> None:
        message = "jobs without scheduling criteria of their own run whenever this smart folder is ordered"
        self.rep.once("CTM906", self.root.path, message, job.path, job.element.file, job.element.line)

    def _mark_recovery(self, orderings: dict[Unit, Ordering]) -> None:
        """A job only forced when another ends abnormally is that job's recovery job."""
        for job, ordering in orderings.items():
            outcomes = self.graph.forced.get(job, [])
            if ordering.kind == "forced" and outcomes and all(o == "failure" for o in outcomes):
                job.node.recovery = True

    def _choose(
        self, orderings: dict[Unit, Ordering], folder_rules: list[ScheduleRule]
    ) -> list[ScheduleRule]:
        ordered = {job: o for job, o in orderings.items() if o.kind in _ORDERED}
        distinct = {_key(o.rules): o.rules for o in ordered.values()}
        if len(distinct) == 1:
            chosen = list(next(iter(distinct.values())))
        elif not distinct:
            chosen = []
        else:
            chosen = folder_rules if self.root.smart and folder_rules else _union(distinct.values())
            self._report_differing(ordered, chosen)
        if chosen:
            self._report_by_hand(orderings)
        return chosen

    def _report_by_hand(self, orderings: dict[Unit, Ordering]) -> None:
        message = "no scheduling criteria: Control-M ordered it by hand only; it now runs with its job-net"
        for job, o in orderings.items():
            if o.kind == "by_hand":
                self.rep.add("CTM410", message, job.path, job.element.file, job.element.line)

    def _report_differing(self, ordered: dict[Unit, Ordering], chosen: list[ScheduleRule]) -> None:
        key = _key(chosen)
        basis = (
            "the smart folder's criteria" if self.root.smart and chosen else "the union of its jobs' criteria"
        )
        for job, o in ordered.items():
            if _key(o.rules) != key:
                message = (
                    f"ordered by criteria of its own while its job-net runs on {basis}: the state "
                    "machine runs it on every run of the job-net; split the folder or add a date check"
                )
                self.rep.add("CTM402", message, job.path, job.element.file, job.element.line)

    # ----------------------------------------------------------------------- times

    def _times(self, orderings: dict[Unit, Ordering]) -> tuple[list[StartTime], str | None]:
        every = {job: read_timing(job.element, self.context(job)) for job in orderings}
        # A forced job starts when the job forcing it ends, whatever its own TIMEFROM says.
        timings = {job: t for job, t in every.items() if orderings[job].kind != "forced"}
        running = list(timings)
        folder = read_timing(self.root.element, self.context(self.root)) if self.root.smart else None
        entries = [job for job in running if not _waits_inside(job)]
        start = self._start(folder, entries, timings)
        self._later_starts(timings, start)
        times = self._cyclic(timings) or (start_times(start) if start else [])
        return times, self._zone(folder, start, timings)

    def _start(
        self, folder: Timing | None, entries: list[Unit], timings: dict[Unit, Timing]
    ) -> Timing | None:
        if folder is not None and folder.time_from is not None:
            return folder
        candidates = [timings[job] for job in entries] or list(timings.values())
        return min(candidates, key=self._offset, default=folder)

    def _offset(self, timing: Timing) -> int:
        """Minutes from the new-day time to the start (0: as soon as ordered)."""
        if timing.time_from is None:
            return 0
        return (timing.time_from - self.options.newday_minutes) % MINUTES_PER_DAY

    def _later_starts(self, timings: dict[Unit, Timing], start: Timing | None) -> None:
        first = self._offset(start) if start else 0
        for job, timing in timings.items():
            if timing.time_from is not None and self._offset(timing) > first:
                message = (
                    f"TIMEFROM={timing.time_from_raw} is not held: the job starts when its job-net "
                    "reaches it, which can be earlier"
                )
                self.rep.add("CTM403", message, job.path, job.element.file, job.element.attr_line("TIMEFROM"))

    def _cyclic(self, timings: dict[Unit, Timing]) -> list[StartTime]:
        cyclic = [(job, t) for job, t in timings.items() if t.cyclic is not None]
        if not cyclic:
            return []
        for job, timing in cyclic:
            assert timing.cyclic is not None
            why = timing.cyclic.why
            if not why and len(timings) > 1:
                why = "it shares its job-net with other jobs, which would all repeat"
            if not why and timing.cyclic.from_end:
                why = "IND_CYCLIC=E counts from the end of each run; planned from the start of each run"
            if why:
                message = f"cyclic job: {why}"
                self.rep.add("CTM404", message, job.path, job.element.file, job.element.attr_line("CYCLIC"))
        job, timing = cyclic[0]
        if len(timings) == 1 and timing.cyclic is not None and timing.cyclic.supported:
            return cyclic_starts(timing, self.options.newday_minutes)
        return []

    def _zone(self, folder: Timing | None, start: Timing | None, timings: dict[Unit, Timing]) -> str | None:
        zones = {t.zone for t in (folder, *timings.values()) if t is not None and t.zone}
        chosen = (start.zone if start else None) or (folder.zone if folder else None)
        if len(zones) > 1:
            chosen = chosen or sorted(zones)[0]
            message = f"jobs of one folder use the time zones {', '.join(sorted(zones))}; {chosen} is used"
            self.rep.add("CTM405", message, self.root.path, self.root.element.file, self.root.element.line)
        return chosen or (zones.pop() if zones else None)


def _waits_inside(job: Unit) -> bool:
    """Whether an edge of its folder (or of a sub-folder holding it) leads to the job."""
    for unit in job.chain()[1:]:
        parent = unit.parent
        assert parent is not None and isinstance(parent.node, JobNet)
        if any(edge.succ == unit.name for edge in parent.node.edges):
            return True
    return False


def _within(rule: ScheduleRule, others: Sequence[ScheduleRule]) -> ScheduleRule:
    """`rule`, on the dates one of `others` also gives (a smart folder's, or the RBCs under A)."""
    if not others:
        return rule
    return replace(rule, require_any=[_bare(o) for o in others])


def _bare(rule: ScheduleRule) -> ScheduleRule:
    return replace(rule, source=None, raw=[], number=1)


def _key(rules: Iterable[ScheduleRule]) -> tuple[str, ...]:
    return tuple(sorted(_rule_key(rule) for rule in rules))


def _rule_key(rule: ScheduleRule) -> str:
    """What the rule says, not where: equal for rules equal but for source, raw text and number.
    The reprs of the fields, nested rules' fields too; asked for every job of a table."""
    return repr([getattr(rule, name) for name in _SAYS])


_SAYS = tuple(f.name for f in fields(ScheduleRule) if f.name not in ("source", "raw", "number"))


def _union(orderings: Iterable[tuple[ScheduleRule, ...]]) -> list[ScheduleRule]:
    seen: dict[str, ScheduleRule] = {}
    for rules in orderings:
        for rule in rules:
            seen.setdefault(_rule_key(rule), rule)
    return list(seen.values())
