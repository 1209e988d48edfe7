"""The Plan: what the planner decided, as data the emitters lay out and `plan.json` records.

`plan.json` is a contract (see docs/cli.md): field names here are what users' scripts read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .model import Finding, Source


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Trigger(PlanModel):
    """What starts a state machine.

    schedule: EventBridge Scheduler in `timezone`; rule: EventBridge rule in UTC;
    event: an event pattern; none: started by its parent.
    """

    kind: Literal["schedule", "rule", "event", "none"]
    expression: str | None = None
    timezone: str | None = None
    pattern: dict[str, Any] | None = None
    description: str | None = None
    calendars: list[str] = Field(default_factory=list)  # gate: run only when all are OPEN
    rules: list[int] = Field(default_factory=list)  # legacy rule numbers this trigger implements


@dataclass(slots=True, kw_only=True)
class JobPlan:
    """How one job runs. A dataclass, not a model: there is one per legacy job (see model.py)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    path: str
    state: str | None  # None: not planned yet (see findings)
    executor: Literal["ssm-run-command", "batch", "lambda", "callback", "none"]
    host: str | None = None
    document: str | None = None
    source: Source | None = None
    # Set only when a planning config (--config) chooses other executors or a confirmation.
    job_queue: str | None = None  # batch: the job queue and job definition
    job_definition: str | None = None
    function: str | None = None  # lambda: the function's name or ARN
    queue: str | None = None  # callback: the SQS queue the task token is sent to
    confirm_queue: str | None = None  # manual job: an operator confirms through this queue first


class RunSummary(PlanModel):
    """The legacy run instants over the horizon, summarised so `validate` can check the AWS side
    against them without the legacy files: count, first, last and a digest of all of them."""

    count: int
    first: str | None = None
    last: str | None = None
    sha256: str

    @classmethod
    def of(cls, instants: list[dt.datetime], tz: str) -> RunSummary:
        zone = ZoneInfo(tz)
        text = [i.astimezone(zone).isoformat() for i in instants]
        digest = hashlib.sha256("\n".join(text).encode()).hexdigest()
        return cls(
            count=len(text), first=text[0] if text else None, last=text[-1] if text else None, sha256=digest
        )


class BusinessDay(PlanModel):
    """How a join tells the business date of one of this job-net's scheduled runs from the instant
    its trigger passes (`scheduled_time`, UTC): the UTC date, plus `add_days`, plus one more day
    when the UTC time of day is `plus_one_from` or later. Fitted to every legacy run over the
    horizon (business dates as the legacy scheduler counts them: base times, 48-hour days, new-day
    times, each rule's own zone); the schedule sends it with every start."""

    add_days: int
    plus_one_from: str  # HH:MM:SS (UTC); "24:00:00": never


class JoinWait(PlanModel):
    """One job-net a join waits for, and the statuses of its executions that count."""

    path: str
    state_machine: str
    statuses: list[str]


class Join(PlanModel):
    """A join state machine: started by the status-change events of the job-nets in `waits_for`,
    it starts `starts` once each of them has ended as wanted for the same business date."""

    starts: str  # state machine of the waiting job-net
    waits_for: list[JoinWait]
    # State machines whose executions it reads to date a run: those in waits_for and, through
    # their status-change rules, the ones that start them.
    reads: list[str]
    substitutions: dict[str, str]  # definition substitution key -> state machine (its ARN)


class JobNetPlan(PlanModel):
    path: str
    source: Source | None = None
    state_machine: str
    asl: str
    triggers: list[Trigger] = Field(default_factory=list)
    calendars: list[str] = Field(default_factory=list)
    legacy_runs: RunSummary | None = None
    # The legacy run instants themselves, for the report; not written to plan.json.
    legacy_instants: list[dt.datetime] = Field(default_factory=list, exclude=True)
    notifies_failures: bool = False  # publishes to the failure topic (SNS)
    starts: dict[str, str] = Field(default_factory=dict)  # substitution key -> nested state machine
    jobs: list[JobPlan] = Field(default_factory=list)
    business_day: BusinessDay | None = None  # set when a join reads the business date of its runs
    join: Join | None = None  # set on join state machines (Plan.join_machines)


@dataclass(frozen=True, slots=True)
class Resource:
    """An IAM resource the executors of a state machine use: an ARN as the planning config gave
    it (`given`), or `path` of `service` in the deployment's partition, region and account."""

    service: str
    path: str = ""
    given: str | None = None


def executor_resources(net: JobNetPlan) -> dict[str, list[Resource]]:
    """What the role of `net`'s state machine needs for the Batch, Lambda and callback
    executors; template.yaml and Terraform write the same list each in its own syntax."""
    return {
        "batch": [
            r
            for j in net.jobs
            if j.job_queue and j.job_definition
            for r in _batch(j.job_queue, j.job_definition)
        ],
        "functions": [r for j in net.jobs if j.function for r in _functions(j.function)],
        "queues": [Resource("sqs", q) for j in net.jobs for q in (j.queue, j.confirm_queue) if q],
    }


def _batch(queue: str, definition: str) -> list[Resource]:
    """SubmitJob is authorised on the queue and on the definition's revision; a definition named
    without one may run at any revision."""
    if ":" not in definition.rsplit("/", 1)[-1]:
        definition += ":*"
    return [
        Resource("batch", f"job-queue/{queue}", queue if queue.startswith("arn:") else None),
        Resource(
            "batch", f"job-definition/{definition}", definition if definition.startswith("arn:") else None
        ),
    ]


def _functions(function: str) -> list[Resource]:
    """An unqualified function name is invoked at $LATEST, and may be given a version or alias
    later: allow both; a qualified one exactly."""
    given = function.startswith("arn:")
    qualified = function.count(":") == (7 if given else 1)
    names = [function] if qualified else [function, function + ":*"]
    return [Resource("lambda", f"function:{n}", n if given else None) for n in names]


class UnitCounts(PlanModel):
    total: int
    converted: int
    manual_review: int


class CalendarPlan(PlanModel):
    """An SSM Change Calendar document the state machines consult before running."""

    name: str
    type: Literal["DEFAULT_OPEN", "DEFAULT_CLOSED"]
    timezone: str
    description: str
    file: str
    events: int
    ics: str = Field(default="", exclude=True)


class Horizon(PlanModel):
    """The dates over which schedules were compiled and proven; calendars cover exactly these."""

    start: str
    end: str


class Host(PlanModel):
    """A legacy host (JP1 agent, cron machine) and the template parameter naming its instance,
    or, when the planning config maps it to tags, the tags of the managed nodes that take over."""

    name: str
    parameter: str | None = None
    instance_id: str | None = None  # the parameter's default, from the planning config
    tags: dict[str, str] | None = None


class Plan(PlanModel):
    timezone: str
    source_system: str
    trigger: Literal["scheduler", "rule"] = "scheduler"
    horizon: Horizon
    units: UnitCounts
    jobnets: list[JobNetPlan] = Field(default_factory=list)
    # Large nested job-nets planned as state machines of their own, started by their parents.
    nested_machines: list[JobNetPlan] = Field(default_factory=list)
    # Join state machines: one per job-net that waits for all of several others (see `join`).
    join_machines: list[JobNetPlan] = Field(default_factory=list)
    calendars: list[CalendarPlan] = Field(default_factory=list)
    hosts: list[Host] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    # ASL definitions by state machine name; written to statemachines/, not into plan.json.
    definitions: dict[str, dict[str, Any]] = Field(default_factory=dict, exclude=True)

    def json_chunks(self) -> Iterator[str]:
        """plan.json: the plan without its unset fields (but each job's `state`), indented by
        two spaces, written one list item at a time: the whole plan as one dict and one string
        cost 50 MB at 20,000 jobs."""
        separator = "\n"
        yield "{"
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if info.exclude or value is None:
                continue
            yield separator + "  " + _json(name) + ": "
            separator = ",\n"
            if isinstance(value, list) and value:
                yield "["
                for i, item in enumerate(value):
                    data = _ADAPTERS[name].dump_python(item, mode="json", exclude_none=True)
                    if name == "jobnets":
                        for job in data["jobs"]:
                            job.setdefault("state", None)  # an unplanned job still names its (missing) state
                    yield ("\n    " if i == 0 else ",\n    ") + _json(data).replace("\n", "\n    ")
                yield "\n  ]"
            else:
                data = self.model_dump(mode="json", exclude_none=True, include={name})[name]
                yield _json(data).replace("\n", "\n  ")
        yield "\n}\n"


def _json(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")


# The item types of Plan's lists, to serialise one item at a time.
_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(info.annotation.__args__[0])  # type: ignore[union-attr]
    for name, info in Plan.model_fields.items()
    if getattr(info.annotation, "__origin__", None) is list
}
