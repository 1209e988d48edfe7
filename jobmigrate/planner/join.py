"""Joins: a job-net D that waits for all of several job-nets P1..Pn (each ended as its legacy
condition says: success, failure or either) for the same business day.

EventBridge cannot AND events, so D gets a small state machine of its own, the join J_D:

- one rule per wanted status on the status changes of P1..Pn starts J_D (with the ended run in
  `started_after`, as for any chained job-net); J_D can also be started by hand with
  {"business_date": "YYYY-MM-DD"} to check that day;
- J_D dates the run that ended, then reads, for each Pi and each wanted status, the latest
  execution of Pi with that status (ListExecutions, StatusFilter, MaxResults 1) and dates it;
  the run that ended counts for its own job-net directly (ListExecutions is eventually
  consistent), and when not all have ended J_D looks once more a minute later;
- when every Pi has a run ended as wanted for the business date of the run that ended, J_D starts
  D with the execution name `<D>-<business date>` and {"business_date": ...} as input. Execution
  names are unique per state machine for 90 days: a second J_D run that also sees every Pi ended
  (one run per predecessor event, or an event delivered twice) gets D's running execution back
  (same name and input) or ExecutionAlreadyExists, which counts as done: D runs once. Otherwise
  J_D ends without starting D.

"Ended as wanted" reads the latest execution per wanted status: a job-net that failed and was
rerun to success the same day has ended both ways that day.

The business date of a run, decided from its execution's input (DescribeExecution):

- `business_date` (a run started by a join, or by hand with one): that date;
- `scheduled_time` with `business_day` (a run its schedule or rule started): the legacy business
  date of that run. The schedule's input carries how to tell it from the scheduled instant (UTC):
  its UTC date plus `add_days`, plus one from `plus_one_from` (UTC time of day) on. The planner
  fits these two numbers to every legacy run of the job-net over the horizon, with business
  dates as the legacy scheduler counts them (JP1 base times and 48-hour days, Control-M new-day
  time, each rule's zone), and reports the job-nets whose runs no such pair dates;
- `started_after` (a run chained from another job-net's status change): the business date of that
  run, followed through at most MAX_HOPS links;
- anything else (a run started by hand without a date): none, it does not count.

A scheduled run that its calendar gate skipped (closed day, output `skipped`) does not count
either: the legacy job-net did not run that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from calendars.legacy import DEFAULT_TIME, Unsupported, business_dates, start_instant
from calendars.legacy import Horizon as Window
from calendars.schedules import Schedules
from jobmigrate import asl
from jobmigrate.model import Finding, JobNet, Severity, Undefined, UnixCron, Workflow
from jobmigrate.plan import BusinessDay, JobNetPlan, Join, JoinWait, Trigger

from .chaining import STATUSES, Wait, status_pattern
from .naming import MAX_NAME, NameRegistry, aws_name

MAX_HOPS = 20  # chained runs followed back to a dated one
LOOK_AGAIN_SECONDS = 60  # ListExecutions is eventually consistent: one more look after this
START_KEY = "JoinStarts"  # definition substitution: the ARN of the job-net the join starts
NEVER = "24:00:00"  # plus_one_from when no run needs the extra day
_DATE_LENGTH = len("-YYYY-MM-DD")
SDK_SFN = asl.SDK + "sfn:"


def join_machine_name(machine: str) -> str:
    return aws_name(machine + "-join")


def wait_key(index: int) -> str:
    """The definition substitution holding the ARN of the index-th job-net waited for."""
    return f"JoinWaits{index}"


def start_trigger(join: str, waits: Sequence[Wait]) -> Trigger:
    """The trigger of the job-net a join starts."""
    return Trigger(
        kind="none",
        description=f"started by join state machine {join} once all of "
        + ", ".join(f"{w.machine} ({w.status})" for w in waits)
        + " have ended so for the same business day",
    )


@dataclass(frozen=True, slots=True)
class Waiting:
    """A root job-net (path, state machine) that waits for all of `waits`."""

    path: str
    machine: str
    waits: list[Wait]


@dataclass(slots=True)
class Request:
    """A job-net that waits for all of `waits`, and the names of its machine and its join's."""

    net: JobNet
    machine: str
    join: str
    waits: list[Wait]


@dataclass(slots=True)
class Planned:
    machines: list[JobNetPlan] = field(default_factory=list)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def plan_joins(
    workflow: Workflow,
    start: dt.date,
    end: dt.date,
    jobnets: Sequence[JobNetPlan],
    nested: Sequence[JobNetPlan],
    waiting: Sequence[Waiting],
) -> Planned:
    """The join state machines of the job-nets `waiting`, once every root job-net is planned
    (`jobnets`, `nested`: their names are taken). Each waiting job-net gets the trigger that
    says which join starts it; the job-nets whose business dates a join reads get their
    `business_day`, fitted to their legacy runs between `start` and `end`."""
    out = Planned()
    if not waiting:
        return out
    registry = NameRegistry()
    for taken in (*jobnets, *nested):
        registry.claim(taken.state_machine, taken.state_machine)
    plans = {p.state_machine: p for p in jobnets}
    nets = {n.path: n for n in workflow.root_jobnets()}
    schedules = Schedules(workflow, Window(start, end, ZoneInfo(workflow.timezone)))
    requests = []
    for w in waiting:
        name = registry.claim(join_machine_name(w.machine), f"{w.path} (join)")
        requests.append(Request(nets[w.path], w.machine, name, list(w.waits)))
        waiter = plans[w.machine]
        waiter.triggers = [t for t in waiter.triggers if t.kind != "none"] + [start_trigger(name, w.waits)]
    joined = {r.machine for r in requests}
    fitted: dict[str, BusinessDay | None] = {}
    for request in requests:
        reads = _reads(request, plans, joined)
        for name in reads:
            plan = plans[name]
            if any(t.kind in ("schedule", "rule") for t in plan.triggers):
                if name not in fitted:
                    fitted[name] = plan.business_day = fit(dated_runs(nets[plan.path], schedules))
                if fitted[name] is None:
                    out.findings.append(_undated(request, plan))
            elif name not in joined and not any(t.kind == "event" for t in plan.triggers):
                out.findings.append(_by_hand(request, plan))
        plan = _join_plan(request, reads)
        out.machines.append(plan)
        out.definitions[plan.state_machine] = definition(request)
        out.findings.append(_how(request))
    return out


def _reads(request: Request, plans: dict[str, JobNetPlan], joined: set[str]) -> list[str]:
    """The state machines whose runs the join dates: those waited for, and through chaining
    rules the ones that start them (a run started by a join carries its date)."""
    seen: set[str] = set()
    todo = [w.machine for w in request.waits]
    while todo:
        name = todo.pop()
        if name in seen or name not in plans:
            continue
        seen.add(name)
        if name in joined:
            continue
        for t in plans[name].triggers:
            if t.kind == "event" and t.pattern is not None:
                todo.extend(t.pattern["detail"]["stateMachineArn"])
    return sorted(seen)


def _join_plan(request: Request, reads: list[str]) -> JobNetPlan:
    by_status: dict[str, list[str]] = {}
    for w in request.waits:
        by_status.setdefault(w.status, []).append(w.machine)
    triggers = [
        Trigger(
            kind="event",
            pattern=status_pattern(STATUSES[status], names),
            description=f"starts when {' or '.join(sorted(set(names)))} ends ({status}); "
            f"checks whether {request.machine} can start",
        )
        for status, names in sorted(by_status.items())
    ]
    substitutions = {START_KEY: request.machine} | {
        wait_key(i): w.machine for i, w in enumerate(_machines(request.waits))
    }
    return JobNetPlan(
        path=request.net.path,
        source=request.net.source,
        state_machine=request.join,
        asl=f"statemachines/{request.join}.asl.json",
        triggers=triggers,
        join=Join(
            starts=request.machine,
            waits_for=[
                JoinWait(path=w.path, state_machine=w.machine, statuses=STATUSES[w.status])
                for w in request.waits
            ],
            reads=reads,
            substitutions=substitutions,
        ),
    )


def _machines(waits: Sequence[Wait]) -> list[Wait]:
    """One wait per state machine (for its substitution), in order."""
    return list({w.machine: w for w in waits}.values())


def _how(request: Request) -> Finding:
    return Finding(
        severity=Severity.INFO,
        code="JM404",
        message=f"waits for all of {', '.join(f'{w.machine} ({w.status})' for w in request.waits)}: "
        f"their status changes start join state machine {request.join}, which starts "
        f"{request.machine} once each has a run ended so with the same business date (execution "
        f"name {request.machine[: MAX_NAME - _DATE_LENGTH]}-<business date>, at most once a day); "
        "a scheduled run's business date comes with its schedule, a chained run's from the run "
        "that started it",
        path=request.net.path,
        source=request.net.source,
    )


def _undated(request: Request, plan: JobNetPlan) -> Finding:
    return Finding(
        severity=Severity.ERROR,
        code="JM407",
        message=f"join {request.join} reads the business dates of {plan.state_machine}'s runs, but "
        "no UTC day and hour boundary separates them over the horizon (runs of different business "
        "days at the same UTC time of day); the join does not count them",
        path=request.net.path,
        source=plan.source or request.net.source,
    )


def _by_hand(request: Request, plan: JobNetPlan) -> Finding:
    return Finding(
        severity=Severity.WARNING,
        code="JM408",
        message=f"join {request.join} waits for runs of {plan.state_machine}, which has no schedule: "
        'a run counts only when it is started with {"business_date": "YYYY-MM-DD"}',
        path=request.net.path,
        source=plan.source or request.net.source,
    )


# --------------------------------------------------------------------------- business days


def dated_runs(net: JobNet, schedules: Schedules) -> list[tuple[dt.datetime, dt.date]]:
    """Each legacy run instant of a root job-net with the business date it belongs to, as the
    legacy evaluation computes them (`calendars.legacy`): a start time counts from its business
    date and base time, a cron entry's run belongs to its own local date."""
    horizon = schedules.horizon
    kept = set(schedules.jobnet(net)[0])  # the job-net's runs: its rules less `ejn` exclusions
    found: set[tuple[dt.datetime, dt.date]] = set()
    for rule in net.schedule:
        if isinstance(rule.date, Undefined):
            continue
        tz = ZoneInfo(rule.timezone) if rule.timezone else horizon.tz
        calendar = rule.calendar or net.calendar
        try:
            if isinstance(rule.date, UnixCron):
                found.update((i, i.astimezone(tz).date()) for i in schedules.rule(rule, calendar))
                continue
            cal = schedules.calendar(calendar)
            days = business_dates(
                rule,
                cal,
                horizon.first - dt.timedelta(days=2),
                horizon.last,
                horizon.first,
                schedules.named(),
            )
        except Unsupported:
            continue  # reported by the schedule compiler
        for day in days:
            for t in rule.times or [DEFAULT_TIME]:
                found.add((start_instant(day, t, cal.base_time_minutes, tz), day))
    return sorted(p for p in found if p[0] in kept)


def fit(runs: Sequence[tuple[dt.datetime, dt.date]]) -> BusinessDay | None:
    """The (add_days, plus_one_from) that dates every run from its UTC instant, or None.

    A job-net's runs of one business day lie within one day-long window of local time, which in
    UTC covers at most two dates split at one time of day: the business date is the UTC date plus
    k before that time and plus k + 1 from it on. Without runs any pair dates them."""
    rows = []
    for instant, day in runs:
        utc = instant.astimezone(dt.UTC)
        rows.append((utc.strftime("%H:%M:%S"), (day - utc.date()).days))
    if not rows:
        return BusinessDay(add_days=0, plus_one_from=NEVER)
    low = min(d for _, d in rows)
    high = max(d for _, d in rows)
    if high == low:
        return BusinessDay(add_days=low, plus_one_from=NEVER)
    if high - low > 1:
        return None
    latest_low = max(t for t, d in rows if d == low)
    earliest_high = min(t for t, d in rows if d == high)
    if latest_low >= earliest_high:
        return None
    return BusinessDay(add_days=low, plus_one_from=earliest_high)


# --------------------------------------------------------------------------- the state machine


@dataclass(slots=True)
class Map(asl.State):
    """An inline Map state: `processor` runs for each item of `items_path`."""

    items_path: str = "$"
    item_selector: dict[str, Any] | None = None
    processor: asl.StateMachine | None = None
    result_path: str | None = None
    next: str | None = None

    def body(self) -> dict[str, Any]:
        assert self.processor is not None
        d: dict[str, Any] = {"Type": "Map", "ItemsPath": self.items_path}
        if self.item_selector is not None:
            d["ItemSelector"] = self.item_selector
        d["ItemProcessor"] = {"ProcessorConfig": {"Mode": "INLINE"}, **self.processor.to_dict()}
        if self.result_path is not None:
            d["ResultPath"] = self.result_path
        if self.next is None:
            d["End"] = True
        else:
            d["Next"] = self.next
        return d


def _throttled() -> list[asl.Retrier]:
    return [asl.Retrier(["Sfn.ThrottlingException"], 1, 5, 2.0)]


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TWO_DIGITS = ", ".join(f"'{n:02d}'" for n in range(32))
_LEAP_YEARS = "States.ArrayRange(1904, 2096, 4)"  # every 4th year is leap from 1901 to 2099


def _date(**values: Any) -> dict[str, Any]:
    """Parameters of the date being computed: `values` (paths or intrinsic functions as text,
    or literals) for some of y, m, d and borrow, the others carried over."""
    params: dict[str, Any] = {}
    for key in ("y", "m", "d", "borrow"):
        value = values.get(key, f"$.date.{key}")
        if isinstance(value, str) and value.startswith(("$", "States.")):
            params[f"{key}.$"] = value
        else:
            params[key] = value
    return params


def _dating_states() -> dict[str, asl.State]:
    """From a scheduled run's input: the UTC date and time of `scheduled_time`, plus the days its
    `business_day` says, with the month lengths of the Gregorian calendar; ends in $.dated.day."""
    parts = "$.clock.parts"

    def part(i: int) -> str:
        return f"States.ArrayGetItem({parts}, {i})"

    def number(i: int) -> str:  # "05" -> 5: JSON numbers have no leading zeros, "105" - 100 does
        return f"States.MathAdd(States.StringToJson(States.Format('1{{}}', {part(i)})), -100)"

    def add_days(day: str) -> asl.Pass:  # the day of the month moved, to be carried over below
        return asl.Pass(
            parameters={"y.$": "$.clock.y", "m.$": "$.clock.m", "d.$": day, "borrow": False},
            result_path="$.date",
            next="MonthLength",
        )

    lengths = ", ".join(str(n) for n in _MONTH_DAYS)
    negated = ", ".join(str(-n) for n in _MONTH_DAYS)
    return {
        "ReadClock": asl.Pass(
            comment="a scheduled run: its UTC instant and how its schedule counts business days",
            parameters={
                "parts.$": "States.StringSplit($.described.input.scheduled_time, '-T:.Z')",
                "add_days.$": "$.described.input.business_day.add_days",
                "plus_one_from.$": "$.described.input.business_day.plus_one_from",
            },
            result_path="$.clock",
            next="ClockParts",
        ),
        "ClockParts": asl.Pass(
            parameters={
                "y.$": f"States.StringToJson({part(0)})",
                "m.$": number(1),
                "d.$": number(2),
                "time.$": f"States.Format('{{}}:{{}}:{{}}', {part(3)}, {part(4)}, {part(5)})",
                "add_days.$": "$.clock.add_days",
                "plus_one_from.$": "$.clock.plus_one_from",
            },
            result_path="$.clock",
            next="IsPlusOne",
        ),
        "IsPlusOne": asl.Choice(
            choices=[
                {
                    "Variable": "$.clock.time",
                    "StringGreaterThanEqualsPath": "$.clock.plus_one_from",
                    "Next": "AddDaysPlusOne",
                }
            ],
            default="AddDays",
        ),
        "AddDays": add_days("States.MathAdd($.clock.d, $.clock.add_days)"),
        "AddDaysPlusOne": add_days("States.MathAdd(States.MathAdd($.clock.d, $.clock.add_days), 1)"),
        "MonthLength": asl.Pass(
            parameters=_date()
            | {
                "len.$": f"States.ArrayGetItem(States.Array({lengths}), States.MathAdd($.date.m, -1))",
                "neglen.$": f"States.ArrayGetItem(States.Array({negated}), States.MathAdd($.date.m, -1))",
                "leap.$": f"States.ArrayContains({_LEAP_YEARS}, $.date.y)",
            },
            result_path="$.date",
            next="IsLeapFebruary",
        ),
        "IsLeapFebruary": asl.Choice(
            choices=[
                {
                    "And": [
                        {"Variable": "$.date.m", "NumericEquals": 2},
                        {"Variable": "$.date.leap", "BooleanEquals": True},
                    ],
                    "Next": "LeapFebruary",
                }
            ],
            default="DayFits",
        ),
        "LeapFebruary": asl.Pass(
            parameters=_date() | {"len": 29, "neglen": -29}, result_path="$.date", next="DayFits"
        ),
        "DayFits": asl.Choice(
            choices=[
                {"Variable": "$.date.borrow", "BooleanEquals": True, "Next": "Borrow"},
                {"Variable": "$.date.d", "NumericLessThan": 1, "Next": "PreviousMonth"},
                {"Variable": "$.date.d", "NumericGreaterThanPath": "$.date.len", "Next": "NextMonth"},
            ],
            default="FormatDay",
        ),
        "PreviousMonth": asl.Pass(
            parameters=_date(m="States.MathAdd($.date.m, -1)", borrow=True),
            result_path="$.date",
            next="IsPreviousYear",
        ),
        "IsPreviousYear": asl.Choice(
            choices=[{"Variable": "$.date.m", "NumericLessThan": 1, "Next": "PreviousYear"}],
            default="MonthLength",
        ),
        "PreviousYear": asl.Pass(
            parameters=_date(y="States.MathAdd($.date.y, -1)", m=12),
            result_path="$.date",
            next="MonthLength",
        ),
        "Borrow": asl.Pass(
            comment="a day of the previous month: count back from its length",
            parameters=_date(d="States.MathAdd($.date.d, $.date.len)", borrow=False),
            result_path="$.date",
            next="FormatDay",
        ),
        "NextMonth": asl.Pass(
            parameters=_date(m="States.MathAdd($.date.m, 1)", d="States.MathAdd($.date.d, $.date.neglen)"),
            result_path="$.date",
            next="IsNextYear",
        ),
        "IsNextYear": asl.Choice(
            choices=[{"Variable": "$.date.m", "NumericGreaterThan": 12, "Next": "NextYear"}],
            default="FormatDay",
        ),
        "NextYear": asl.Pass(
            parameters=_date(y="States.MathAdd($.date.y, 1)", m=1),
            result_path="$.date",
            next="FormatDay",
        ),
        "FormatDay": asl.Pass(
            parameters={
                "day.$": "States.Format('{}-{}-{}', $.date.y, "
                f"States.ArrayGetItem(States.Array({_TWO_DIGITS}), $.date.m), "
                f"States.ArrayGetItem(States.Array({_TWO_DIGITS}), $.date.d))"
            },
            result_path="$.dated",
            next="RunKey",
        ),
    }


def _probe_states() -> dict[str, asl.State]:
    """One item: the run that ended, or the latest run of a job-net waited for with a status;
    its output is {"key": "<machine> <status> <business date>", "day": ...} or "none"."""
    states: dict[str, asl.State] = {
        "WhichProbe": asl.Choice(
            choices=[
                {"Variable": "$.probe.probe", "StringEquals": "latest", "Next": "LatestRun"},
                {"Not": {"Variable": "$.given", "StringEquals": ""}, "Next": "GivenDay"},
            ],
            default="DescribeRun",
        ),
        "GivenDay": asl.Pass(
            comment="started by hand for a business date", parameters={"key": "given", "day.$": "$.given"}
        ),
        "LatestRun": asl.Task(
            resource=SDK_SFN + "listExecutions",
            parameters={
                "StateMachineArn.$": "$.probe.machine",
                "StatusFilter.$": "$.probe.status",
                "MaxResults": 1,
            },
            result_selector={"count.$": "States.ArrayLength($.Executions)", "executions.$": "$.Executions"},
            result_path="$.listed",
            retry=_throttled(),
            next="HasRun",
        ),
        "HasRun": asl.Choice(
            choices=[{"Variable": "$.listed.count", "NumericGreaterThan": 0, "Next": "FirstRun"}],
            default="NoRun",
        ),
        "FirstRun": asl.Pass(
            parameters={"run.$": "States.ArrayGetItem($.listed.executions, 0)"},
            result_path="$.listed",
            next="RunArn",
        ),
        "RunArn": asl.Pass(
            input_path="$.listed.run.ExecutionArn", result_path="$.execution", next="DescribeRun"
        ),
        "DescribeRun": asl.Task(
            resource=SDK_SFN + "describeExecution",
            parameters={"ExecutionArn.$": "$.execution"},
            result_selector={
                "machine.$": "States.ArrayGetItem(States.StringSplit($.StateMachineArn, ':'), 6)",
                "status.$": "$.Status",
                "input.$": "States.StringToJson($.Input)",
            },
            result_path="$.described",
            retry=_throttled(),
            catch=[asl.Catcher(["Sfn.ExecutionDoesNotExistException"], "NoRun", "$.error")],
            next="IsFirstHop",
        ),
        "IsFirstHop": asl.Choice(
            choices=[{"Variable": "$.hop", "NumericEquals": 0, "Next": "RunEnded"}],
            default="HowDated",
        ),
        "RunEnded": asl.Pass(
            parameters={"machine.$": "$.described.machine", "status.$": "$.described.status"},
            result_path="$.ran",
            next="IsSucceeded",
        ),
        "IsSucceeded": asl.Choice(
            choices=[{"Variable": "$.ran.status", "StringEquals": "SUCCEEDED", "Next": "ReadOutput"}],
            default="HowDated",
        ),
        "ReadOutput": asl.Task(
            comment="a run its calendar gate skipped ends SUCCEEDED with `skipped`: it does not count",
            resource=SDK_SFN + "describeExecution",
            parameters={"ExecutionArn.$": "$.execution"},
            result_selector={"output.$": "States.StringToJson($.Output)"},
            result_path="$.ended",
            retry=_throttled(),
            next="IsSkipped",
        ),
        "IsSkipped": asl.Choice(
            choices=[{"Variable": "$.ended.output.skipped", "IsPresent": True, "Next": "NoRun"}],
            default="HowDated",
        ),
        "HowDated": asl.Choice(
            choices=[
                {
                    "And": [
                        {"Variable": "$.described.input.business_date", "IsPresent": True},
                        {"Variable": "$.described.input.business_date", "IsString": True},
                    ],
                    "Next": "InputDay",
                },
                {
                    "And": [
                        {"Variable": "$.described.input.scheduled_time", "IsPresent": True},
                        {"Variable": "$.described.input.business_day", "IsPresent": True},
                    ],
                    "Next": "ReadClock",
                },
                {
                    "And": [
                        {"Variable": "$.described.input.started_after", "IsPresent": True},
                        {"Variable": "$.hop", "NumericLessThan": MAX_HOPS},
                    ],
                    "Next": "StartedBy",
                },
            ],
            default="NoRun",
        ),
        "InputDay": asl.Pass(
            parameters={"day.$": "$.described.input.business_date"}, result_path="$.dated", next="RunKey"
        ),
        "StartedBy": asl.Pass(
            comment="a chained run belongs to the business day of the run that started it",
            parameters={
                "probe.$": "$.probe",
                "given.$": "$.given",
                "ran.$": "$.ran",
                "execution.$": "$.described.input.started_after",
                "hop.$": "States.MathAdd($.hop, 1)",
            },
            next="DescribeRun",
        ),
    }
    states.update(_dating_states())
    states["RunKey"] = asl.Pass(
        parameters={
            "key.$": "States.Format('{} {} {}', $.ran.machine, $.ran.status, $.dated.day)",
            "day.$": "$.dated.day",
        }
    )
    states["NoRun"] = asl.Pass(
        comment="no run, or a run without a business date", result={"key": "none", "day": "none"}
    )
    return states


def definition(request: Request) -> dict[str, Any]:
    """The join's ASL (see the module's docstring)."""
    machines = _machines(request.waits)
    key_of = {w.machine: wait_key(i) for i, w in enumerate(machines)}
    probes: list[dict[str, Any]] = [{"probe": "trigger"}]
    checks: dict[str, str] = {}
    ended: list[dict[str, Any]] = []
    for i, w in enumerate(request.waits):
        alternatives = []
        for status in STATUSES[w.status]:
            probes.append(
                {"probe": "latest", "machine": asl.placeholder(key_of[w.machine]), "status": status}
            )
            field_name = f"w{i}_{status}"
            checks[f"{field_name}.$"] = (
                f"States.ArrayContains($.collected.keys, States.Format('{w.machine} {status} {{}}', "
                "$.collected.trigger.day))"
            )
            alternatives.append({"Variable": f"$.check.{field_name}", "BooleanEquals": True})
        ended.append(alternatives[0] if len(alternatives) == 1 else {"Or": alternatives})
    prefix = request.machine[: MAX_NAME - _DATE_LENGTH]
    states: dict[str, asl.State] = {
        "ChooseDay": asl.Choice(
            choices=[
                {
                    "And": [
                        {"Variable": "$.business_date", "IsPresent": True},
                        {"Variable": "$.business_date", "IsString": True},
                    ],
                    "Next": "ForGivenDay",
                },
                {"Variable": "$.started_after", "IsPresent": True, "Next": "AfterRun"},
            ],
            default="InvalidInput",
        ),
        "ForGivenDay": asl.Pass(
            parameters={"given.$": "$.business_date", "started_after": "", "attempt": 1}, next="Probes"
        ),
        "AfterRun": asl.Pass(
            parameters={"given": "", "started_after.$": "$.started_after", "attempt": 1}, next="Probes"
        ),
        "Probes": asl.Pass(
            comment="the run that ended, then the latest run of each job-net waited for, per wanted status",
            result=probes,
            result_path="$.probes",
            next="FindRuns",
        ),
        "FindRuns": Map(
            items_path="$.probes",
            item_selector={
                "probe.$": "$$.Map.Item.Value",
                "given.$": "$.given",
                "execution.$": "$.started_after",
                "hop": 0,
            },
            processor=asl.StateMachine(start_at="WhichProbe", states=_probe_states()),
            result_path="$.found",
            next="Collect",
        ),
        "Collect": asl.Pass(
            parameters={"trigger.$": "States.ArrayGetItem($.found, 0)", "keys.$": "$.found[*].key"},
            result_path="$.collected",
            next="IsRunDated",
        ),
        "IsRunDated": asl.Choice(
            choices=[{"Variable": "$.collected.trigger.day", "StringEquals": "none", "Next": "UndatedRun"}],
            default="Check",
        ),
        "Check": asl.Pass(parameters=checks, result_path="$.check", next="IsAllEnded"),
        "IsAllEnded": asl.Choice(
            choices=[{"And": ended, "Next": "StartJobNet"}],
            default="IsFirstLook",
        ),
        "StartJobNet": asl.Task(
            comment=f"at most once per business day: the execution name is {prefix}-<business date>",
            resource="arn:aws:states:::states:startExecution",
            parameters={
                "StateMachineArn": asl.placeholder(START_KEY),
                "Name.$": f"States.Format('{prefix}-{{}}', $.collected.trigger.day)",
                "Input": {"business_date.$": "$.collected.trigger.day", "started_by": request.join},
            },
            result_selector={"execution.$": "$.ExecutionArn"},
            result_path="$.started",
            catch=[
                asl.Catcher(["StepFunctions.ExecutionAlreadyExistsException"], "AlreadyStarted", "$.already")
            ],
            next="Started",
        ),
        "Started": asl.Succeed(),
        "AlreadyStarted": asl.Succeed(comment="another run of this join started it for this business day"),
        "IsFirstLook": asl.Choice(
            choices=[{"Variable": "$.attempt", "NumericEquals": 1, "Next": "WaitToLookAgain"}],
            default="NotAllEnded",
        ),
        "WaitToLookAgain": asl.Wait(
            comment="a run that ended moments ago may not be listed yet",
            seconds=LOOK_AGAIN_SECONDS,
            next="LookAgain",
        ),
        "LookAgain": asl.Pass(result=2, result_path="$.attempt", next="FindRuns"),
        "NotAllEnded": asl.Succeed(comment="not every job-net waited for has ended so for this business day"),
        "UndatedRun": asl.Succeed(comment="the run that ended has no business date: nothing to join"),
        "InvalidInput": asl.Fail(
            error="JoinInputInvalid",
            cause='expected {"started_after": <execution ARN>} or {"business_date": "YYYY-MM-DD"}',
        ),
    }
    waits = ", ".join(f"{w.machine} ({w.status})" for w in request.waits)
    machine = asl.StateMachine(
        start_at="ChooseDay",
        states=states,
        comment=f"join: starts {request.machine} ({request.net.path}) once all of {waits} have ended "
        "so for the same business day",
    )
    return machine.to_dict()
