"""The planning config (`jobmigrate convert --config FILE`): where legacy hosts run on AWS and
which executor runs which job. YAML or JSON:

    hosts:                          # legacy host -> an EC2 instance, or the managed nodes with tags
      ap-server01: {instance_id: i-0123456789abcdef0}
      batch-pool: {tags: {Role: batch, Env: prod}}
    default_host: {instance_id: i-0fedcba9876543210}   # hosts not listed, and jobs naming none
    executors:                      # the first rule that matches a job chooses its executor
      - path: /FINANCE/DAILY_CLOSE/LOAD*      # job path, exact or glob
        use: batch
        job_queue: etl
        job_definition: etl-runner:3
      - unit_type: [qj]                       # legacy unit type (JP1 j/pj/qj, Control-M Command, ...)
        use: lambda
        function: jobmigrate-runner
      - kind: manual                          # command, manual or event_wait
        use: callback
        queue: ops-confirmations
        timeout_seconds: 86400

Without a file, or for what it leaves out, the defaults hold: SSM Run Command, and one template
parameter per host naming its instance. Problems are reported as FILE:LINE:COL (exit 2).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import Job

INSTANCE_ID = r"^i-[0-9a-f]{8,17}$"  # the template parameter's AllowedPattern
# AWS tag characters; the key also becomes part of an IAM condition key and an SSM filter key.
TAG_KEY = r"^[\w .:/=+\-@]{1,128}$"
TAG_VALUE = r"^[\w .:/=+\-@]{0,256}$"
_PARTITION = r"arn:aws[a-z-]*"
JOB_QUEUE = rf"^({_PARTITION}:batch:[a-z0-9-]+:\d{{12}}:job-queue/)?[A-Za-z0-9_-]{{1,128}}$"
JOB_DEFINITION = rf"^({_PARTITION}:batch:[a-z0-9-]+:\d{{12}}:job-definition/)?[A-Za-z0-9_-]{{1,128}}(:\d+)?$"
FUNCTION = (
    rf"^({_PARTITION}:lambda:[a-z0-9-]+:\d{{12}}:function:)?[A-Za-z0-9_-]{{1,64}}(:[A-Za-z0-9_$-]{{1,128}})?$"
)
# Standard queues only: a FIFO queue would need group and deduplication ids per message.
QUEUE = r"^[A-Za-z0-9_-]{1,80}$"
MAX_TASK_SECONDS = 99_999_999  # the largest TimeoutSeconds Step Functions accepts

Kind = Literal["command", "manual", "event_wait"]


class ConfigModel(BaseModel):
    # Python regexes: Unicode `\\w` with counted repeats is too large for the default engine.
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class HostTarget(ConfigModel):
    """Where a legacy host's jobs run: one EC2 instance, or one of the managed nodes with tags."""

    instance_id: str | None = Field(default=None, pattern=INSTANCE_ID)
    tags: dict[Annotated[str, Field(pattern=TAG_KEY)], Annotated[str, Field(pattern=TAG_VALUE)]] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> HostTarget:
        if (self.instance_id is None) == (self.tags is None):
            raise ValueError("give either instance_id or tags")
        if self.tags is not None and not self.tags:
            raise ValueError("tags needs at least one Key: Value")
        if any(key.lower().startswith("aws:") for key in self.tags or {}):
            raise ValueError("tag keys starting with aws: are reserved by AWS")
        return self


class Rule(ConfigModel):
    """Which jobs a rule applies to: every condition given must hold; each lists alternatives
    (a single value is a list of one). A rule without conditions applies to every job."""

    path: list[str] = Field(default_factory=list)
    unit_type: list[str] = Field(default_factory=list)
    kind: list[Kind] = Field(default_factory=list)

    @field_validator("path", "unit_type", "kind", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def matches(self, job: Job, kind: str) -> bool:
        return (
            (not self.path or any(job.path == p or fnmatch.fnmatchcase(job.path, p) for p in self.path))
            and (not self.unit_type or job.unit_type.casefold() in {u.casefold() for u in self.unit_type})
            and (not self.kind or kind in self.kind)
        )


class SsmRule(Rule):
    """SSM Run Command on the job's host (the default)."""

    use: Literal["ssm"]


class BatchRule(Rule):
    """An AWS Batch job (submitJob.sync); the command runs as `sh -c COMMAND` in the container."""

    use: Literal["batch"]
    job_queue: str = Field(pattern=JOB_QUEUE)
    job_definition: str = Field(pattern=JOB_DEFINITION)
    array_size: int | None = Field(default=None, ge=2, le=10_000)


class LambdaRule(Rule):
    """A Lambda function invoked with the job; its `exit_code`, if any, is judged like SSM's."""

    use: Literal["lambda"]
    function: str = Field(pattern=FUNCTION)


class CallbackRule(Rule):
    """A message with a task token on an SQS queue; whoever reads it (an operator's tool, an
    event watcher) answers with SendTaskSuccess, whose output may carry `exit_code`, or
    SendTaskFailure. `timeout_seconds` applies when the job has no legacy timeout."""

    use: Literal["callback"]
    queue: str = Field(pattern=QUEUE)
    timeout_seconds: int | None = Field(default=None, ge=1, le=MAX_TASK_SECONDS)
    heartbeat_seconds: int | None = Field(default=None, ge=1, le=MAX_TASK_SECONDS - 1)

    @model_validator(mode="after")
    def _heartbeat_within_timeout(self) -> CallbackRule:
        if self.timeout_seconds and self.heartbeat_seconds and self.heartbeat_seconds >= self.timeout_seconds:
            raise ValueError("heartbeat_seconds must be smaller than timeout_seconds")
        return self


ExecutorRule = Annotated[SsmRule | BatchRule | LambdaRule | CallbackRule, Field(discriminator="use")]
Executor = SsmRule | BatchRule | LambdaRule | CallbackRule
SSM = SsmRule(use="ssm")


class PlanningConfig(ConfigModel):
    hosts: dict[str, HostTarget] = Field(default_factory=dict)
    default_host: HostTarget | None = None
    executors: list[ExecutorRule] = Field(default_factory=list)

    def select(self, job: Job, kind: str | None = None) -> Executor:
        """The executor of the first rule matching `job` (seen as of `kind`, by default its own)."""
        seen_as = kind or job.kind
        return next((r for r in self.executors if r.matches(job, seen_as)), SSM)

    def host(self, name: str) -> HostTarget | None:
        """The target of a legacy host; None keeps the plain template parameter."""
        return self.hosts.get(name, self.default_host)


DEFAULT = PlanningConfig()


def load(path: str) -> PlanningConfig:
    """Read and check a planning config file; every problem is an InputError with its place."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InputError(path, 0, 0, f"cannot read the planning config: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise InputError(path, 0, 0, f"the planning config is not UTF-8: {e.reason}") from None
    return parse(text, path)


def parse(text: str, path: str) -> PlanningConfig:
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise InputError(path, line, col, f"not valid YAML or JSON: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise InputError(path, 0, 0, f"not valid YAML or JSON: {e}") from None
    if data is None:
        return DEFAULT
    if not isinstance(data, dict):
        raise InputError(path, 1, 1, "expected a mapping with hosts, default_host and executors")
    try:
        return PlanningConfig.model_validate(data)
    except ValidationError as e:
        raise InputErrors(
            InputError(path, *_locate(root, err["loc"]), f"{_dotted(err['loc'])}: {_message(err)}")
            for err in e.errors()
        ) from None


# What a value must look like, in words: the regular expressions say it to machines only.
_EXPECTED = {
    "instance_id": "an EC2 instance id such as i-0123456789abcdef0",
    "tags": "tag keys and values of letters, digits, spaces and _ . : / = + - @",
    "job_queue": "a job queue name or ARN",
    "job_definition": "a job definition name, name:revision or ARN",
    "function": "a Lambda function name or ARN, optionally with :version or :alias",
    "queue": "the name of an SQS standard queue (letters, digits, - and _; no FIFO queues)",
}


def _message(error: Any) -> str:
    if error["type"] == "string_pattern_mismatch":
        field = next((p for p in reversed(error["loc"]) if p in _EXPECTED), None)
        if field is not None:
            return f"should be {_EXPECTED[str(field)]}"
    return str(error["msg"]).removeprefix("Value error, ")


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(document)"


def _locate(node: yaml.Node | None, loc: tuple[int | str, ...]) -> tuple[int, int]:
    """Line and column of the deepest node on the error's path that the document has."""
    best = node
    for part in loc:
        child = None
        if isinstance(best, yaml.MappingNode):
            child = next((v for k, v in best.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(best, yaml.SequenceNode) and isinstance(part, int) and part < len(best.value):
            child = best.value[part]
        if child is None:
            continue  # the union's tag (`batch`, ...) is in loc but not in the document
        best = child
    if best is None:
        return 1, 1
    return best.start_mark.line + 1, best.start_mark.column + 1
