"""The Plan: what the planner decided, as data the emitters lay out and `plan.json` records.

`plan.json` is a contract (see docs/cli.md): field names here are what users' scripts read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

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


class JobPlan(PlanModel):
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


class JobNetPlan(PlanModel):
    path: str
    source: Source | None = None
    state_machine: str
    asl: str
    triggers: list[Trigger] = Field(default_factory=list)
    calendars: list[str] = Field(default_factory=list)
    legacy_runs: RunSummary | None = None
    notifies_failures: bool = False  # publishes to the failure topic (SNS)
    starts: dict[str, str] = Field(default_factory=dict)  # substitution key -> nested state machine
    jobs: list[JobPlan] = Field(default_factory=list)


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
    calendars: list[CalendarPlan] = Field(default_factory=list)
    hosts: list[Host] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    # ASL definitions by state machine name; written to statemachines/, not into plan.json.
    definitions: dict[str, dict[str, Any]] = Field(default_factory=dict, exclude=True)

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        for net in data["jobnets"]:
            for job in net["jobs"]:
                job.setdefault("state", None)  # an unplanned job still names its (missing) state
        return data
