"""The planner: IR job-nets -> state machines, triggers, calendars and findings (a Plan).

It knows nothing of legacy syntax: everything it needs is in the IR. Each concern lives in its
own module: dag (series-parallel structure), flow (states of a job-net), executors (how a job
runs), config (the user's planning config: executors and hosts), gates (calendar checks),
triggers (what starts a state machine), chaining and join (job-nets started after others),
naming (AWS names and limits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

import orjson

from calendars.changecal import MAX_DOCUMENT_BYTES, ChangeCalendar, to_ics
from calendars.compile import CalendarPool, TriggerMode
from calendars.legacy import Horizon as Window
from calendars.schedules import Schedules
from jobmigrate import asl
from jobmigrate.model import Finding, JobNet, Severity, Workflow
from jobmigrate.plan import CalendarPlan, Horizon, Host, JobNetPlan, Plan, RunSummary, Trigger, UnitCounts

from . import chaining, executors, flow, gates, join, triggers
from .config import DEFAULT as DEFAULT_CONFIG
from .config import PlanningConfig
from .naming import MAX_NAME, NameRegistry, jobnet_machine_name

DONE = "Done"
INIT = "Start"


@dataclass(frozen=True, slots=True)
class PlanOptions:
    start: dt.date
    end: dt.date
    trigger: TriggerMode = "scheduler"
    config: PlanningConfig = field(default_factory=lambda: DEFAULT_CONFIG)  # --config: executors, hosts


def default_options(today: dt.date | None = None) -> PlanOptions:
    """This year and the next: long enough to review, short enough for calendar quotas."""
    today = today or dt.date.today()
    return PlanOptions(start=dt.date(today.year, 1, 1), end=dt.date(today.year + 1, 12, 31))


class DefinitionSink(Protocol):
    """Where definitions go as soon as each is planned (the output folder of a conversion), so
    that a large conversion never holds them all; without one they stay in `Plan.definitions`.
    `compact` is the definition as compact UTF-8 JSON, serialised once for the size check."""

    def __call__(self, name: str, definition: dict[str, object], compact: bytes) -> None: ...


def plan(workflow: Workflow, options: PlanOptions | None = None, sink: DefinitionSink | None = None) -> Plan:
    """Plan every root job-net, then the joins between them."""
    options = options or default_options()
    roots = list(workflow.root_jobnets())
    machines = NameRegistry()
    names = {net.path: machines.claim(jobnet_machine_name(net.path), net.path) for net in roots}
    merged = _Planner(workflow, options, machines, names, sink).plan_roots(roots)
    # Joins read the plans of other job-nets: planned once all are (see join.py).
    joined = join.plan_joins(
        workflow, options.start, options.end, merged.jobnets, merged.nested, merged.joins
    )
    for machine, machine_definition in joined.definitions.items():
        if sink is None:
            merged.definitions[machine] = machine_definition
        else:
            sink(machine, machine_definition, orjson.dumps(machine_definition))
    findings = list(workflow.findings) + merged.findings + joined.findings
    calendars = _calendar_plans(merged.calendars, findings, options)
    return Plan(
        timezone=workflow.timezone,
        source_system=workflow.source_system,
        trigger=options.trigger,
        horizon=Horizon(start=options.start.isoformat(), end=options.end.isoformat()),
        units=_count_units(workflow, findings),
        jobnets=merged.jobnets,
        nested_machines=merged.nested,
        join_machines=joined.machines,
        calendars=calendars,
        hosts=[_host(h, options.config) for h in sorted(merged.hosts)],
        findings=findings,
        definitions=merged.definitions,
    )


@dataclass(slots=True)
class _Planned:
    """What planning some root job-nets gave, in root order."""

    jobnets: list[JobNetPlan] = field(default_factory=list)
    nested: list[JobNetPlan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    calendars: dict[str, ChangeCalendar] = field(default_factory=dict)
    definitions: dict[str, dict[str, object]] = field(default_factory=dict)  # empty with a sink
    joins: list[join.Waiting] = field(default_factory=list)  # job-nets that wait for all of others


class _Planner:
    """Plans root job-nets one after the other, sharing calendars and compiled schedules."""

    def __init__(
        self,
        workflow: Workflow,
        options: PlanOptions,
        machines: NameRegistry,
        names: dict[str, str],
        sink: DefinitionSink | None,
    ) -> None:
        self.workflow = workflow
        self.options = options
        self.window = Window(options.start, options.end, ZoneInfo(workflow.timezone))
        self.pool = CalendarPool(self.window)
        self.schedules = Schedules(workflow, self.window)
        self.machines = machines
        self.names = names
        self.sink = sink
        self.out = _Planned()

    def plan_roots(self, roots: list[JobNet]) -> _Planned:
        for net in roots:
            self._root(net)
        self.out.calendars = dict(self.pool.calendars)
        return self.out

    def _root(self, net: JobNet) -> None:
        out, options = self.out, self.options
        name = self.names[net.path]
        found, compiled = triggers.jobnet_triggers(net, self.schedules, self.pool, options.trigger)
        out.findings.extend(compiled.findings)
        if net.external:
            chained = chaining.event_triggers(net, self.names)
            out.findings.extend(chained.findings)
            if chained.join:
                out.joins.append(join.Waiting(net.path, name, chained.join))
            if compiled.scheduled and (chained.triggers or chained.join):
                out.findings.append(_both_kinds(net))
            found.extend(chained.triggers)
        net_plan, definition, net_findings, children, starts = _plan_jobnet(net, name, found, options.config)
        names_of: dict[str, str] = {}
        machines: dict[str, dict[str, object]] = {}
        for child in children:  # innermost first: a child's own children are named before it
            names_of[child.key] = self.machines.claim(jobnet_machine_name(child.net.path), child.net.path)
            child_plan, child_definition = _child_plan(child, names_of[child.key])
            child_plan.starts = {k: names_of[k] for k in child.starts}
            out.nested.append(child_plan)
            machines[child_plan.state_machine] = child_definition
            out.hosts.update(j.host for j in child_plan.jobs if j.host)
        net_plan.starts = {k: names_of[k] for k in starts}
        if compiled.scheduled:
            net_plan.legacy_runs = RunSummary.of(compiled.legacy, self.workflow.timezone)
            net_plan.legacy_instants = compiled.legacy
        out.jobnets.append(net_plan)
        machines[name] = definition
        out.findings.extend(net_findings)
        out.hosts.update(j.host for j in net_plan.jobs if j.host)
        compact = {machine: orjson.dumps(d) for machine, d in machines.items()}  # as CloudFormation sends it
        for machine in {name: None, **compact}:  # the root job-net's first
            if len(compact[machine]) > MAX_DEFINITION_BYTES:
                out.findings.append(_oversized(net, machine, len(compact[machine])))
        for machine, machine_definition in machines.items():
            if self.sink is None:
                out.definitions[machine] = machine_definition
            else:
                self.sink(machine, machine_definition, compact[machine])


def _host(name: str, config: PlanningConfig) -> Host:
    """A legacy host's template parameter (with the config's instance as its default), or the
    tags that pick its managed node when the job runs."""
    target = config.host(name)
    if target is not None and target.tags is not None:
        return Host(name=name, tags=dict(sorted(target.tags.items())))
    instance = target.instance_id if target is not None else None
    return Host(name=name, parameter=executors.host_parameter(name), instance_id=instance)


MAX_DEFINITION_BYTES = 1024 * 1024


def _oversized(net: JobNet, machine: str, size: int) -> Finding:
    """Step Functions refuses definitions over 1 MB. Large nested job-nets are split off already;
    a single level of units that is still too large needs splitting by hand."""
    return Finding(
        severity=Severity.ERROR,
        code="JM230",
        message=f"state machine {machine} is {size:,} bytes, over the 1 MB Step Functions limit; "
        "group its units into nested job-nets",
        path=net.path,
        source=net.source,
    )


def _both_kinds(net: JobNet) -> Finding:
    return Finding(
        severity=Severity.ERROR,
        code="JM405",
        message="starts both on a schedule and after other job-nets; AWS starts it on either, "
        "the legacy system only when both are met",
        path=net.path,
        source=net.source,
    )


def _calendar_plans(
    pool: dict[str, ChangeCalendar], findings: list[Finding], options: PlanOptions
) -> list[CalendarPlan]:
    plans = []
    for name in sorted(pool):
        cal = pool[name]
        text = to_ics(cal)
        if len(text.encode()) > MAX_DOCUMENT_BYTES:
            findings.append(
                Finding(
                    severity=Severity.ERROR,
                    code="JM220",
                    message=f"Change Calendar {name} is {len(text.encode())} bytes, over the SSM document "
                    "limit; shorten the horizon with --start/--end",
                    path=name,
                )
            )
        plans.append(
            CalendarPlan(
                name=name,
                type=cal.type,
                timezone=cal.timezone,
                description=cal.description,
                file=f"calendars/{name}.ics",
                events=len(cal.events),
                ics=text,
            )
        )
    if plans:
        findings.append(
            Finding(
                severity=Severity.INFO,
                code="JM221",
                message=f"Change Calendars cover {options.start} to {options.end}; convert again with a "
                "later --end before then, or scheduled runs stop (run-day calendars) or ignore holidays",
                path="",
            )
        )
    return plans


def _child_plan(child: flow.Child, name: str) -> tuple[JobNetPlan, dict[str, object]]:
    machine = asl.StateMachine(
        start_at=child.start_at, states=child.states, comment=f"{child.net.path} (nested job-net)"
    )
    plan = JobNetPlan(
        path=child.net.path,
        source=child.net.source,
        state_machine=name,
        asl=f"statemachines/{name}.asl.json",
        triggers=[Trigger(kind="none", description="started by its parent job-net")],
        notifies_failures=child.notifies,
        jobs=[j for j in child.result.jobs if j.executor != "none"],
    )
    return plan, machine.to_dict()


def _plan_jobnet(
    net: JobNet, name: str, found_triggers: list[Trigger], config: PlanningConfig
) -> tuple[JobNetPlan, dict[str, object], list[Finding], list[flow.Child], list[str]]:
    extra: list[Finding] = []
    if net.start_condition is not None:
        extra.append(
            Finding(
                severity=Severity.ERROR,
                code="JM203",
                message="event-driven start conditions are not planned yet",
                path=net.path,
                source=net.start_condition.source or net.source,
            )
        )
    if not found_triggers:
        found_triggers = [Trigger(kind="none", description="no schedule: started by hand or by its parent")]
    names = NameRegistry(MAX_NAME - len("-retry-wait"))
    for reserved in (DONE, INIT, gates.GATE, gates.CHECK, gates.IS_OPEN, gates.SKIPPED):
        names.claim(reserved, reserved)
    builder = flow.FlowBuilder(names, config=config)
    scope = flow.Scope()
    entry = builder.root(net, scope, DONE)
    states: dict[str, asl.State] = {}
    calendars = sorted({c for t in found_triggers for c in t.calendars})
    if calendars:
        states.update(gates.gate_states(INIT))
    # Exit codes and judgment results of the run, merged back after every Parallel.
    states[INIT] = asl.Pass(result={"rc": {}, "judgment": {}}, result_path="$.run", next=entry)
    states.update(scope.states)
    states[DONE] = asl.Succeed()
    machine = asl.StateMachine(
        start_at=gates.GATE if calendars else INIT,
        states=states,
        comment=f"{net.path}" + (f" ({net.source})" if net.source else ""),
    )
    net_plan = JobNetPlan(
        path=net.path,
        source=net.source,
        state_machine=name,
        asl=f"statemachines/{name}.asl.json",
        triggers=found_triggers,
        calendars=calendars,
        notifies_failures=builder.notifies,
        jobs=builder.result.jobs,
    )
    return net_plan, machine.to_dict(), builder.result.findings + extra, builder.children, builder.starts


def _count_units(workflow: Workflow, findings: list[Finding]) -> UnitCounts:
    """Units with an error finding need manual review; the rest are converted."""
    total = workflow.unit_count
    review = len({f.path for f in findings if f.severity == Severity.ERROR and f.path})
    review = min(review, total)
    return UnitCounts(total=total, converted=total - review, manual_review=review)
