"""The dependency report: what report.html and report.md show, built once as typed data.

A team reviews this document before cutover, so it puts side by side what the legacy side says
and what the AWS side will do: each job-net's graph, its schedule rules as written (with their
lines), the generated triggers in plain words with their first runs, a year of its calendar,
how job-nets wait for each other, and every finding.

The report is a function of the IR workflow and the plan: it never reads the ASL definitions.
Runs are the legacy run instants over the plan's horizon (`calendars.schedules`, each distinct
rule evaluated once); the planner accepted each trigger only after its fire times, gated by its
calendars, gave exactly these instants, so they are the AWS runs too. A trigger's share of them
is the instants at its times of day in its zone, which is how the compiler grouped them.

Text from legacy definitions reaches the templates as plain strings: report.html.j2 escapes them
(autoescape) and report.md.j2 passes them through the `md` filter. Graph drawings (jobmigrate.svg)
and calendar grids are markup built here; the grids hold no legacy text at all.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

from markupsafe import Markup

from calendars import awscron
from calendars.business import ONE_DAY, BusinessCalendar, closing_dates, holiday_dates
from calendars.legacy import Horizon
from calendars.schedules import Schedules
from jobmigrate.describe import describe
from jobmigrate.model import Job, JobNet, ScheduleRule, Severity, Source, Undefined, Workflow, dump_json
from jobmigrate.plan import JobNetPlan, Plan, Trigger

from . import svg

NEXT_RUNS = 5  # runs listed per trigger
EXPAND_LIMIT = 150  # job-nets with more units show their top level only, nested job-nets collapsed
LEVEL_LIMIT = 300  # a single level with more units is not drawn
CROSS_LIMIT = 400  # job-nets in the cross-job-net graph before it is left to its table
MERMAID_COLUMNS = 40
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)

# Day codes of a calendar grid: (CSS class, character in report.md).
OPEN, RUN, HOLIDAY, CLOSING, CLOSED, RUN_CLOSED, OUTSIDE = "o", "r", "h", "c", "x", "R", "n"
DAY_STYLE = {
    OPEN: ("", "·"),
    RUN: ("r", "R"),
    HOLIDAY: ("h", "H"),
    CLOSING: ("c", "C"),
    CLOSED: ("x", "-"),
    RUN_CLOSED: ("rx", "r"),
    OUTSIDE: ("n", " "),
}
DAY_LEGEND = (
    (RUN, "run day"),
    (OPEN, "open, no run"),
    (HOLIDAY, "holiday"),
    (CLOSING, "closing day"),
    (CLOSED, "closed"),
    (RUN_CLOSED, "run on a closed day"),
    (OUTSIDE, "outside the horizon"),
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def visible(value: object) -> str:
    """Legacy text as shown: line breaks and tabs become spaces, other control characters a
    replacement mark (as the `md` filter does), so both reports show the same name."""
    text = str(value)
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: " " if m.group(0) in "\n\r\t" else "\ufffd", text)


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True, slots=True)
class Summary:
    units_total: int
    units_converted: int
    units_review: int
    jobnets: int
    nested_machines: int
    join_machines: int
    triggers: int
    calendars: int
    errors: int
    warnings: int
    infos: int

    @property
    def findings(self) -> int:
        return self.errors + self.warnings + self.infos


@dataclass(frozen=True, slots=True)
class Diagram:
    """One graph: an SVG for report.html and mermaid lines for report.md, or a note why not."""

    anchor: str
    title: str  # the job-net path it shows
    caption: str  # what it shows, in words
    svg: Markup | None
    mermaid: list[str]
    note: str = ""


@dataclass(slots=True)
class Param:
    text: str  # key=value as written
    line: int


@dataclass(frozen=True, slots=True)
class RuleView:
    number: int
    source: str
    params: list[Param]
    calendar: str
    summary: str  # the IR rule when the importer kept no raw text


@dataclass(slots=True)
class Run:
    local: str
    utc: str


@dataclass(frozen=True, slots=True)
class Waited:
    machine: str
    path: str
    anchor: str


@dataclass(frozen=True, slots=True)
class TriggerView:
    kind: str
    service: str  # what runs it, in words
    expression: str | None
    timezone: str | None
    english: str
    japanese: str
    calendars: list[str]
    calendar_anchors: list[str]
    rules: list[int]
    runs: list[Run]
    text: str  # for event and none triggers: what starts the job-net
    waits_for: list[Waited]
    statuses: list[str]


@dataclass(frozen=True, slots=True)
class Month:
    name: str
    html: Markup
    text: str  # one line for report.md
    runs: int


@dataclass(frozen=True, slots=True)
class YearGrid:
    year: int
    calendar: str  # the business calendar's name, or a note that none is set
    calendar_source: str
    months: list[Month]
    run_days: int
    holidays: int
    closing_days: int
    closed_days: int
    same_as: str = ""  # anchor of an earlier job-net showing the very same grid
    same_as_path: str = ""


@dataclass(slots=True)  # built by the ten thousand: not frozen, which costs at every field
class FindingView:
    severity: str
    code: str
    path: str
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class FindingGroup:
    anchor: str
    title: str  # the job-net path, or a general heading
    net_anchor: str
    findings: list[FindingView]


@dataclass(frozen=True, slots=True)
class NestedView:
    path: str
    state_machine: str
    anchor: str


@dataclass(frozen=True, slots=True)
class JoinWaitView:
    machine: str
    path: str
    anchor: str
    statuses: str


@dataclass(frozen=True, slots=True)
class JoinView:
    """A join state machine that starts this job-net once all of others have ended."""

    machine: str
    waits_for: list[JoinWaitView]


@dataclass(frozen=True, slots=True)
class JobNetView:
    anchor: str
    path: str
    source: str
    state_machine: str
    jobs: int
    units: int
    runs: int | None  # legacy runs over the horizon; None when it has no schedule of its own
    first_run: str
    last_run: str
    calendar: str
    triggers: list[TriggerView]
    rules: list[RuleView]
    diagrams: list[Diagram]
    grid: YearGrid | None
    nested: list[NestedView]
    joins: list[JoinView]
    errors: int
    warnings: int
    infos: int
    findings_anchor: str
    has_definition: bool  # False: the report was built without the IR (plan only)


@dataclass(frozen=True, slots=True)
class Dependency:
    """`waiting_machine` starts after (event), or is started by (starts, join), `waits_for_machine`."""

    waiting_machine: str
    waiting: str  # its job-net path
    waiting_anchor: str
    waits_for_machine: str
    waits_for: str
    waits_for_anchor: str
    kind: str  # "event", "starts" (a parent its nested machine) or "join" (a join its job-net)
    on: str  # statuses, or how it is started


@dataclass(frozen=True, slots=True)
class NotConverted:
    path: str
    source: str
    net_anchor: str
    reasons: list[FindingView]


@dataclass(frozen=True, slots=True)
class CalendarView:
    anchor: str
    name: str
    type: str
    timezone: str
    events: int
    description: str
    file: str


@dataclass(frozen=True, slots=True)
class Report:
    source_system: str
    timezone: str
    horizon_start: str
    horizon_end: str
    trigger_mode: str
    summary: Summary
    jobnets: list[JobNetView]
    dependencies: list[Dependency]
    dependency_graph: Diagram | None
    independent: int  # job-nets that neither wait for nor start another
    not_converted: list[NotConverted]
    findings: list[FindingGroup]
    calendars: list[CalendarView]
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # grid: class, character, meaning
    has_definitions: bool = True


# --------------------------------------------------------------------------- building


def build(plan: Plan, workflow: Workflow | None = None) -> Report:
    """The report of one conversion. Without the workflow it shows what the plan holds."""
    nets = plan.jobnets
    anchors = {n.path: f"net-{i}" for i, n in enumerate(nets)}
    groups = _group_findings(plan, anchors)
    ir = {n.path: n for n in workflow.root_jobnets()} if workflow is not None else {}
    tz = ZoneInfo(plan.timezone)
    first, last = dt.date.fromisoformat(plan.horizon.start), dt.date.fromisoformat(plan.horizon.end)
    schedules = Schedules(workflow, Horizon(first, last, tz)) if workflow is not None else None
    calendar_anchors = {c.name: f"cal-{i}" for i, c in enumerate(plan.calendars)}
    machine_paths = {n.state_machine: n.path for n in [*nets, *plan.nested_machines, *plan.join_machines]}
    nested_of = {n.path: n for n in plan.nested_machines}
    machine_anchor: dict[str, str] = {n.state_machine: anchors[n.path] for n in nets}
    nested_by_root: dict[str, list[JobNetPlan]] = {}
    for m in plan.nested_machines:
        root = _root_of(m.path, anchors)
        if root is not None:
            nested_by_root.setdefault(root, []).append(m)
            machine_anchor[m.state_machine] = anchors[root]
    joins_of: dict[str, list[JobNetPlan]] = {}
    for j in plan.join_machines:  # a join has the path of the job-net it starts
        machine_anchor[j.state_machine] = anchors.get(j.path, "")
        if j.join is not None:
            joins_of.setdefault(j.join.starts, []).append(j)
    grids = _Grids(workflow, first, last, tz)
    views = []
    for i, net in enumerate(nets):
        anchor = anchors[net.path]
        definition = ir.get(net.path)
        counts = _severity_counts(f.severity for f in groups.get(net.path, []))
        instants: list[dt.datetime] = []
        if net.legacy_instants:  # what the planner evaluated and proved the triggers against
            instants = [i.astimezone(tz) for i in net.legacy_instants]
        elif definition is not None and schedules is not None and _scheduled(definition):
            found, _ = schedules.jobnet(definition)
            instants = [i.astimezone(tz) for i in found]  # each in the legacy zone, once
        diagrams: list[Diagram] = []
        if definition is not None:
            diagrams, drawn = _diagrams(definition, anchor, nested_of)
            for m in nested_by_root.get(net.path, []):
                machine_anchor[m.state_machine] = drawn.get(m.path, anchor)
        nested = [
            NestedView(visible(m.path), m.state_machine, machine_anchor[m.state_machine])
            for m in nested_by_root.get(net.path, [])
        ]
        cal_name = _calendar_of(definition) if definition is not None else None
        grid = None
        if definition is not None and schedules is not None:
            grid = grids.grid(schedules.calendar(cal_name), cal_name, instants, anchor, visible(net.path))
        views.append(
            JobNetView(
                anchor=anchor,
                path=visible(net.path),
                source=_where(net.source),
                state_machine=net.state_machine,
                jobs=len(net.jobs),
                units=_units(definition) if definition is not None else len(net.jobs),
                runs=net.legacy_runs.count if net.legacy_runs else None,
                first_run=_stamp(net.legacy_runs.first) if net.legacy_runs else "",
                last_run=_stamp(net.legacy_runs.last) if net.legacy_runs else "",
                calendar=visible(cal_name) if cal_name else "",
                triggers=[
                    _trigger(t, instants, tz, calendar_anchors, machine_paths, machine_anchor)
                    for t in net.triggers
                ],
                rules=_rules(definition) if definition is not None else [],
                diagrams=diagrams,
                grid=grid,
                nested=nested,
                joins=[
                    JoinView(
                        j.state_machine,
                        [
                            JoinWaitView(
                                w.state_machine,
                                visible(w.path),
                                machine_anchor.get(w.state_machine, ""),
                                ", ".join(w.statuses),
                            )
                            for w in j.join.waits_for
                        ],
                    )
                    for j in joins_of.get(net.state_machine, [])
                    if j.join is not None
                ],
                errors=counts[Severity.ERROR],
                warnings=counts[Severity.WARNING],
                infos=counts[Severity.INFO],
                findings_anchor=f"findings-{i}",
                has_definition=definition is not None,
            )
        )
    dependencies = _dependencies(plan, machine_paths, machine_anchor)
    involved = {d.waiting_machine for d in dependencies} | {d.waits_for_machine for d in dependencies}
    counts = _severity_counts(f.severity for f in plan.findings)
    return Report(
        source_system=plan.source_system,
        timezone=plan.timezone,
        horizon_start=plan.horizon.start,
        horizon_end=plan.horizon.end,
        trigger_mode=plan.trigger,
        summary=Summary(
            units_total=plan.units.total,
            units_converted=plan.units.converted,
            units_review=plan.units.manual_review,
            jobnets=len(nets),
            nested_machines=len(plan.nested_machines),
            join_machines=len(plan.join_machines),
            triggers=sum(1 for n in nets for t in n.triggers if t.kind in ("schedule", "rule", "event")),
            calendars=len(plan.calendars),
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
        ),
        jobnets=views,
        dependencies=dependencies,
        dependency_graph=_dependency_graph(plan, dependencies),
        independent=sum(1 for n in nets if n.state_machine not in involved),
        not_converted=_not_converted(plan, anchors),
        findings=_finding_groups(plan, groups, anchors),
        calendars=[
            CalendarView(
                anchor=calendar_anchors[c.name],
                name=c.name,
                type=c.type,
                timezone=c.timezone,
                events=c.events,
                description=visible(c.description),
                file=c.file,
            )
            for c in plan.calendars
        ],
        legend=[(DAY_STYLE[code][0], DAY_STYLE[code][1], text) for code, text in DAY_LEGEND],
        has_definitions=workflow is not None,
    )


def _where(source: Source | None) -> str:
    return visible(f"{source.file}:{source.line}") if source is not None else ""


def _stamp(iso: str | None) -> str:
    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso)
    return f"{when:%Y-%m-%d} {WEEKDAYS[when.weekday()]} {when:%H:%M}"


def _scheduled(net: JobNet) -> bool:
    return any(not isinstance(r.date, Undefined) for r in net.schedule)


def _units(net: JobNet) -> int:
    return sum(1 + (_units(c) if isinstance(c, JobNet) else 0) for c in net.children)


# --------------------------------------------------------------------------- findings


def _root_of(path: str, roots: dict[str, str]) -> str | None:
    """The root job-net path `path` lies in (itself or below), or None."""
    probe = path
    while probe:
        if probe in roots:
            return probe
        cut = probe.rfind("/")
        if cut <= 0:
            return None
        probe = probe[:cut]
    return None


def _group_findings(plan: Plan, anchors: dict[str, str]) -> dict[str, list[FindingView]]:
    """Findings by the root job-net they concern; "" for the others. Within each group errors
    come first, then warnings, then notes, each in the planner's order."""
    groups: dict[str, list[FindingView]] = {}
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    ordered = sorted(plan.findings, key=lambda f: rank[f.severity])
    for f in ordered:
        root = _root_of(f.path, anchors) or ""
        groups.setdefault(root, []).append(
            FindingView(
                severity=f.severity.value,
                code=f.code,
                path=visible(f.path),
                source=_where(f.source),
                message=visible(f.message),
            )
        )
    return groups


def _severity_counts(severities: Iterable[str]) -> dict[Severity, int]:
    counted = Counter(severities)  # Severity is a StrEnum: its members count as their values
    return {s: counted[s.value] for s in SEVERITIES}


def _finding_groups(
    plan: Plan, groups: dict[str, list[FindingView]], anchors: dict[str, str]
) -> list[FindingGroup]:
    out = [
        FindingGroup(f"findings-{i}", visible(n.path), anchors[n.path], groups[n.path])
        for i, n in enumerate(plan.jobnets)
        if n.path in groups
    ]
    if "" in groups:
        out.append(FindingGroup("findings-other", "", "", groups[""]))
    return out


def _not_converted(plan: Plan, anchors: dict[str, str]) -> list[NotConverted]:
    """Units with error findings, each with every reason, in the order they were first found."""
    reasons: dict[str, list[FindingView]] = {}
    sources: dict[str, str] = {}
    for f in plan.findings:
        if f.severity != Severity.ERROR:
            continue
        reasons.setdefault(f.path, []).append(
            FindingView(f.severity.value, f.code, visible(f.path), _where(f.source), visible(f.message))
        )
        sources.setdefault(f.path, _where(f.source))
    return [
        NotConverted(
            path=visible(path),
            source=sources[path],
            net_anchor=anchors.get(_root_of(path, anchors) or "", ""),
            reasons=found,
        )
        for path, found in reasons.items()
    ]


# --------------------------------------------------------------------------- schedules


def _rules(net: JobNet) -> list[RuleView]:
    out = []
    for rule in net.schedule:
        params = [Param(visible(f"{p.key}={p.value}"), p.line) for p in rule.raw]
        out.append(
            RuleView(
                number=rule.number,
                source=_where(rule.source),
                params=params,
                calendar=visible(rule.calendar or rule.confirm_calendar or net.calendar or ""),
                summary="" if params else visible(_rule_summary(rule)),
            )
        )
    return out


def _rule_summary(rule: ScheduleRule) -> str:
    return dump_json(rule, exclude={"source", "raw", "number"}, exclude_defaults=True)


@cache
def _descriptions(expression: str, timezone: str | None) -> tuple[str, str]:
    try:
        return describe(expression, timezone, "en"), describe(expression, timezone, "ja")
    except ValueError as e:  # not an expression AWS accepts: say so instead of describing it
        return f"not a valid expression: {e}", f"無効な式: {e}"


@cache
def _parsed(expression: str) -> awscron.CronExpression | None:
    try:
        parsed = awscron.parse(expression)
    except ValueError:
        return None
    return parsed if isinstance(parsed, awscron.CronExpression) else None


def _runs_of(trigger: Trigger, local: list[dt.datetime], tz: ZoneInfo) -> list[Run]:
    """The first runs this trigger starts: the legacy instants (`local`: in the legacy zone `tz`)
    at its times of day in its zone."""
    if trigger.expression is None:
        return []
    cron = _parsed(trigger.expression)
    if cron is None:
        return []
    zone = ZoneInfo(trigger.timezone or "UTC")
    times = set(cron.times)
    out: list[Run] = []
    for instant in local:
        at = instant if zone.key == tz.key else instant.astimezone(zone)
        if (at.hour, at.minute) in times and cron.matches_day(at.date()):
            local_time = instant
            utc = instant.astimezone(dt.UTC)
            out.append(
                Run(
                    local=f"{local_time:%Y-%m-%d} {WEEKDAYS[local_time.weekday()]} {local_time:%H:%M}",
                    utc=f"{utc:%Y-%m-%d} {WEEKDAYS[utc.weekday()]} {utc:%H:%M}",
                )
            )
            if len(out) == NEXT_RUNS:
                break
    return out


def _trigger(
    t: Trigger,
    instants: list[dt.datetime],
    tz: ZoneInfo,
    calendar_anchors: dict[str, str],
    machine_paths: dict[str, str],
    machine_anchor: dict[str, str],
) -> TriggerView:
    english = japanese = ""
    if t.expression is not None:
        english, japanese = _descriptions(t.expression, t.timezone)
    service = {
        "schedule": f"EventBridge Scheduler ({t.timezone})",
        "rule": "EventBridge rule (UTC)",
        "event": "EventBridge rule on Step Functions status changes",
        "none": "not started by a schedule",
    }[t.kind]
    detail = (t.pattern or {}).get("detail", {}) if t.kind == "event" else {}
    machines = [str(m) for m in detail.get("stateMachineArn", [])]
    return TriggerView(
        kind=t.kind,
        service=service,
        expression=t.expression,
        timezone=t.timezone,
        english=english,
        japanese=japanese,
        calendars=list(t.calendars),
        calendar_anchors=[calendar_anchors.get(c, "") for c in t.calendars],
        rules=list(t.rules),
        runs=_runs_of(t, instants, tz),
        text=visible(t.description or ""),
        waits_for=[Waited(m, visible(machine_paths.get(m, m)), machine_anchor.get(m, "")) for m in machines],
        statuses=[str(s) for s in detail.get("status", [])],
    )


# --------------------------------------------------------------------------- calendar grids


def _calendar_of(net: JobNet) -> str | None:
    """The business calendar a job-net's days follow: its own, else its rules' first."""
    if net.calendar:
        return net.calendar
    for rule in net.schedule:
        name = rule.calendar or rule.confirm_calendar
        if name:
            return name
    return None


@dataclass(slots=True)
class _YearCodes:
    codes: list[str]
    holidays: int
    closing: int
    closed: int


class _Grids:
    """Year grids of one report: each business calendar's year classified once, and a grid
    identical to one shown before pointing back to it."""

    def __init__(self, workflow: Workflow | None, first: dt.date, last: dt.date, tz: ZoneInfo) -> None:
        self.workflow = workflow
        self.first = first
        self.last = last
        self.tz = tz
        self.year = first.year
        self._base: dict[str, _YearCodes] = {}
        self._shown: dict[tuple[str, str], tuple[str, str]] = {}

    def base(self, cal: BusinessCalendar) -> _YearCodes:
        """Open, holiday, closing day or closed for each day of the year (or outside the horizon)."""
        found = self._base.get(cal.name)
        if found is not None:
            return found
        year = self.year
        holidays: set[dt.date] = set()
        closing: set[dt.date] = set()
        for c in cal.chain:
            for source in c.holidays:
                holidays |= holiday_dates(source, year)
            for rule in c.closing_rules:
                closing.update(closing_dates(rule, year))
            closing.update(d for d in c.closed_dates if d.year == year)
        codes: list[str] = []
        counts = {HOLIDAY: 0, CLOSING: 0, CLOSED: 0}
        day = dt.date(year, 1, 1)
        while day.year == year:
            if day < self.first or day > self.last:
                code = OUTSIDE
            elif cal.is_open(day):
                code = OPEN
            else:
                code = HOLIDAY if day in holidays else CLOSING if day in closing else CLOSED
                counts[code] += 1
            codes.append(code)
            day += ONE_DAY
        found = self._base[cal.name] = _YearCodes(codes, counts[HOLIDAY], counts[CLOSING], counts[CLOSED])
        return found

    def grid(
        self, cal: BusinessCalendar, name: str | None, instants: list[dt.datetime], anchor: str, path: str
    ) -> YearGrid:
        base = self.base(cal)
        codes = list(base.codes)
        start = dt.date(self.year, 1, 1).toordinal()
        for instant in instants:  # in the legacy zone
            day = instant.date()
            if day.year != self.year:
                if day.year > self.year:
                    break
                continue
            k = day.toordinal() - start
            if codes[k] == OPEN:
                codes[k] = RUN
            elif codes[k] in (HOLIDAY, CLOSING, CLOSED):
                codes[k] = RUN_CLOSED
        key = (cal.name, "".join(codes))
        earlier = self._shown.get(key)
        if earlier is None:
            self._shown[key] = (anchor, path)
        defined = self.workflow.calendar(name) if self.workflow is not None and name else None
        # A grid shown before is not repeated: the report points back to it.
        months = [] if earlier else [_month(self.year, m, codes, start) for m in range(1, 13)]
        return YearGrid(
            year=self.year,
            calendar=visible(name) if name else "",
            calendar_source=_where(defined.source) if defined is not None else "",
            months=months,
            run_days=sum(1 for c in codes if c in (RUN, RUN_CLOSED)),
            holidays=base.holidays,
            closing_days=base.closing,
            closed_days=base.closed,
            same_as=earlier[0] if earlier else "",
            same_as_path=earlier[1] if earlier else "",
        )


_HEAD = Markup("<tr>" + "".join(f"<th>{d[:2]}" for d in WEEKDAYS))


# Every cell a grid can hold, written once: (day code, day of month) -> markup. Attribute
# values without quotes and cells without end tags (both HTML) keep a year of them small.
_CELLS = {
    (code, d): f"<td class={style[0]}>{d}" if style[0] else f"<td>{d}"
    for code, style in DAY_STYLE.items()
    for d in range(1, 32)
}


def _month(year: int, month: int, codes: list[str], start: int) -> Month:
    first = dt.date(year, month, 1)
    length = _cal.monthrange(year, month)[1]
    offset = first.toordinal() - start
    days = codes[offset : offset + length]
    lead = first.weekday()
    cells = [f"<tr><td colspan={lead}>" if lead else "<tr>"]
    column = lead
    for d, code in enumerate(days, start=1):
        if column == 7:
            cells.append("<tr>")
            column = 0
        cells.append(_CELLS[code, d])
        column += 1
    html = Markup(
        f'<table class="month"><caption>{MONTHS[month - 1]}</caption>{_HEAD}{"".join(cells)}</table>'
    )
    text = "".join(DAY_STYLE[c][1] for c in days)
    runs = days.count(RUN) + days.count(RUN_CLOSED)
    return Month(MONTHS[month - 1], html, text, runs)


# --------------------------------------------------------------------------- graphs


def mermaid_text(value: str, limit: int = MERMAID_COLUMNS) -> str:
    """Text inside a quoted mermaid label: characters that end the label, start an entity or
    markup, or could close the Markdown fence are written as mermaid entity codes."""
    text = svg.clip(visible(value), limit)
    if not _MERMAID_SPECIAL.search(text):
        return text
    out = []
    for ch in text:
        if ch == '"':
            out.append("#quot;")
        elif ch in "#&<>`|\\{}[]();":
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


_MERMAID_SPECIAL = re.compile(r'["#&<>`|\\{}\[\]();]')
_MERMAID_SHAPES = {
    "judgment": ('{{"', '"}}'),
    "jobnet": ('[["', '"]]'),
    "machine": ('[["', '"]]'),
    "other": ('(["', '"])'),
    "missing": ('(["', '"])'),
}
_MERMAID_ARROWS = {
    "success": "-->",
    "failure": "-.->",
    "done": "-->",
    "conditional": "==>",
    "event": "-->",
    "starts": "-.->",
}
_MERMAID_CLASSES = {
    "recovery": "fill:#fdecea,stroke:#c0392b,stroke-dasharray:4 3",
    "judgment": "fill:#fff6dc,stroke:#b7791f",
    "jobnet": "fill:#e8f1fb,stroke:#2b6cb0",
    "machine": "fill:#e8f1fb,stroke:#2b6cb0",
    "other": "fill:#f1f1f4,stroke:#6b6b80",
    "missing": "fill:#fff,stroke:#999,stroke-dasharray:2 2",
}


def mermaid(nodes: Sequence[svg.Node], edges: Sequence[svg.Edge]) -> list[str]:
    """The graph as mermaid flowchart lines (without the fence)."""
    lines = ["flowchart TD"]
    for i, v in enumerate(nodes):
        left, right = _MERMAID_SHAPES.get(v.kind, ('["', '"]'))
        label = mermaid_text(v.label) + (f"<br/><small>{mermaid_text(v.sub)}</small>" if v.sub else "")
        lines.append(f"  n{i}{left}{label}{right}")
    for e in edges:
        arrow = _MERMAID_ARROWS.get(e.kind, "-->")
        label = f'|"{mermaid_text(e.label, 30)}"|' if e.label else ""
        lines.append(f"  n{e.src} {arrow}{label} n{e.dst}")
    used: dict[str, list[str]] = {}
    for i, v in enumerate(nodes):
        if v.kind in _MERMAID_CLASSES:
            used.setdefault(v.kind, []).append(f"n{i}")
    for kind in sorted(used):
        lines.append(f"  classDef {kind} {_MERMAID_CLASSES[kind]}")
        lines.append(f"  class {','.join(used[kind])} {kind}")
    return lines


_KIND_WORDS = {
    "or_join": "OR join",
    "event_wait": "waits for an event",
    "action": "action",
    "connector": "connector",
    "dummy": "dummy",
    "manual": "manual",
    "custom": "custom job",
}
_EDGE_KINDS = {
    "on_success": "success",
    "on_failure": "failure",
    "on_done": "done",
    "conditional": "conditional",
}


def _level(
    net: JobNet, anchor_of: dict[str, str], nested_of: dict[str, JobNetPlan]
) -> tuple[list[svg.Node], list[svg.Edge]]:
    """Units of one level of a job-net as boxes, its edges as arrows."""
    nodes: list[svg.Node] = []
    index: dict[str, int] = {}
    for child in net.children:
        index.setdefault(child.name, len(nodes))
        name = visible(child.name)
        if isinstance(child, Job):
            if child.recovery:
                nodes.append(svg.Node(name, "recovery", "recovery"))
            elif child.kind == "command":
                nodes.append(svg.Node(name, "job"))
            elif child.kind == "judgment":
                nodes.append(svg.Node(name, "judgment"))
            else:
                nodes.append(svg.Node(name, "other", _KIND_WORDS.get(child.kind, child.kind)))
        else:
            units = _units(child)
            # The double box says "job-net"; the line under the name says how big, and how run.
            sub = f"{units} unit{'' if units == 1 else 's'}" + (" · recovery" if child.recovery else "")
            if child.path in nested_of:
                sub += " · own machine"
            href = "#" + anchor_of[child.path] if child.path in anchor_of else ""
            nodes.append(svg.Node(name, "jobnet", sub, "", href))
    edges = []
    for e in net.edges:
        if e.pred not in index or e.succ not in index:
            continue
        kind = _EDGE_KINDS.get(e.kind, "success")
        label = (
            visible(e.condition or "if true") if kind == "conditional" else "ends" if kind == "done" else ""
        )
        edges.append(svg.Edge(index[e.pred], index[e.succ], kind, label))
    return nodes, edges


def _nested_levels(net: JobNet) -> Iterator[JobNet]:
    for child in net.children:
        if isinstance(child, JobNet):
            yield child
            yield from _nested_levels(child)


def _diagrams(
    net: JobNet, anchor: str, nested_of: dict[str, JobNetPlan]
) -> tuple[list[Diagram], dict[str, str]]:
    """The graphs of a root job-net's levels, and the anchor of each level drawn by path."""
    units = _units(net)
    expand = units <= EXPAND_LIMIT
    levels = [net, *(_nested_levels(net) if expand else [])]
    levels = [lv for lv in levels if lv.children]
    anchor_of = {lv.path: f"{anchor}-g{k}" for k, lv in enumerate(levels)}
    out = []
    for lv in levels:
        nodes, edges = _level(lv, anchor_of, nested_of)
        title = visible(lv.path)
        caption = f"units of {title} and the order they run in"
        note = ""
        if lv is net and not expand and any(isinstance(c, JobNet) for c in net.children):
            note = (
                f"{units} units in all: nested job-nets are shown as single boxes, "
                f"their own graphs are left out above {EXPAND_LIMIT} units"
            )
        if len(nodes) > LEVEL_LIMIT:
            out.append(
                Diagram(
                    anchor_of[lv.path],
                    title,
                    caption,
                    None,
                    [],
                    f"{len(nodes)} units on one level: not drawn (limit {LEVEL_LIMIT}); "
                    "the units and their state machine are listed in plan.json",
                )
            )
            continue
        drawing = svg.draw(nodes, edges, caption)
        out.append(Diagram(anchor_of[lv.path], title, caption, drawing, mermaid(nodes, edges), note))
    return out, anchor_of


def _dependencies(
    plan: Plan, machine_paths: dict[str, str], machine_anchor: dict[str, str]
) -> list[Dependency]:
    """Who waits for whom, machine by machine: event triggers name the machines they wait for, a
    parent starts its nested machines, a join starts the job-net that waits for all of others."""
    out = []

    def machine(name: str) -> tuple[str, str, str]:
        return name, visible(machine_paths.get(name, name)), machine_anchor.get(name, "")

    for net in [*plan.jobnets, *plan.nested_machines, *plan.join_machines]:
        here = machine(net.state_machine)
        for t in net.triggers:
            if t.kind != "event" or not t.pattern:
                continue
            detail = t.pattern.get("detail", {})
            statuses = ", ".join(str(s) for s in detail.get("status", []))
            for m in detail.get("stateMachineArn", []):
                out.append(Dependency(*here, *machine(str(m)), "event", statuses))
        for child in sorted(set(net.starts.values())):
            out.append(Dependency(*machine(child), *here, "starts", "started by its parent"))
        if net.join is not None:
            out.append(Dependency(*machine(net.join.starts), *here, "join", "all of them ended"))
    return out


def _dependency_graph(plan: Plan, dependencies: list[Dependency]) -> Diagram | None:
    if not dependencies:
        return None
    index: dict[str, int] = {}
    nodes: list[svg.Node] = []
    nested = {n.state_machine for n in plan.nested_machines}
    joins = {n.state_machine for n in plan.join_machines}
    for d in dependencies:
        for name, path, anchor in (
            (d.waits_for_machine, d.waits_for, d.waits_for_anchor),
            (d.waiting_machine, d.waiting, d.waiting_anchor),
        ):
            if name not in index:
                index[name] = len(nodes)
                sub = "nested machine" if name in nested else "join" if name in joins else ""
                nodes.append(
                    svg.Node(path, "machine", sub, f"{path} ({name})", "#" + anchor if anchor else "")
                )
    labels = {"event": "", "starts": "starts", "join": "starts"}
    edges = [
        svg.Edge(
            index[d.waits_for_machine],
            index[d.waiting_machine],
            "event" if d.kind == "event" else "starts",
            d.on if d.kind == "event" else labels[d.kind],
        )
        for d in dependencies
    ]
    caption = "job-nets that wait for or start each other"
    if len(nodes) > CROSS_LIMIT:
        note = f"{len(nodes)} state machines: not drawn (limit {CROSS_LIMIT}); see the table"
        return Diagram("dependency-graph", "", caption, None, [], note)
    return Diagram("dependency-graph", "", caption, svg.draw(nodes, edges, caption), mermaid(nodes, edges))
