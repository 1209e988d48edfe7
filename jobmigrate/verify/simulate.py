"""Running generated state machines locally, in moto's Step Functions interpreter.

`jobmigrate simulate` and the tests both run definitions through here. Every workaround for
what moto lacks lives in this module (see aws-target.md): Waits and retry sleeps are skipped
so a simulated day takes a second, SSM command invocations answer what a scenario says instead
of moto's constant Success, and GetCalendarState, which moto does not implement, is answered
by the scenario too. moto is an optional dependency (`pip install 'jobmigrate[simulate]'`).

The executors a planning config selects are answered by the same scenario, where moto cannot
run them or would answer them wrongly:

- Lambda: moto runs functions only in docker; the function's answer is the scenario's instead
  (`{}` for success, `{"exit_code": N}`, or a function error when the command cannot run).
- Batch: moto runs jobs only in docker; submitted jobs end at once as the scenario says, and the
  ASL parameters and answers are mapped between PascalCase and boto3's camelCase as AWS does.
- SQS callbacks: a reader answers each message's task token (SendTaskSuccess or
  SendTaskFailure) as the scenario says; confirmation requests are approved unless `confirm`
  says otherwise; a job that times out is not answered.
- DescribeInstanceInformation (hosts mapped to tags): moto lacks it; the running EC2 instances
  of moto with the tags are the Online managed nodes (none at all: one stand-in node). moto also
  adds every EC2 instance to a command sent without Targets; AWS keeps the ones asked for.
- TimeoutSeconds is cut to a few seconds, so a scenario can time a job out without waiting its
  legacy minutes.
- Step Functions' own SDK integrations (aws-sdk:sfn:listExecutions and describeExecution, which
  join state machines call) run against moto's Step Functions, with parameters and answers mapped
  between PascalCase and boto3's camelCase as for Batch.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Literal
from unittest import mock

import boto3
from moto import mock_aws
from moto.awslambda.models import LambdaBackend
from moto.batch.models import BatchBackend
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.sqs.models import SQSBackend
from moto.ssm.models import SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch import (
    StateTaskServiceBatch,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

from jobmigrate import asl
from jobmigrate.planner.executors import ACCOUNT, JOB_VARIABLE, URL_SUFFIX
from jobmigrate.planner.executors import REGION as REGION_KEY

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/jobmigrate-test"
INSTANCE = "i-0123456789abcdef0"
FAILURE_TOPIC = "jobmigrate-failures"
ACCOUNT_ID = "123456789012"  # moto's default account
TIMEOUT_CAP = 2  # seconds: every TimeoutSeconds in the harness is cut to this
Outcome = tuple[str, int]  # (SSM status, exit code)


@dataclass
class CommandLog:
    """What the fake SSM saw: the command lines sent and the jobs they ran (the SSM comment
    holds the job path), in order, and polls per command."""

    sent: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    calendar_checks: list[tuple[list[str], str]] = field(default_factory=list)
    # The other executors and tagged hosts (see the module's docstring).
    instances: list[str] = field(default_factory=list)  # the instance each SSM command was sent to
    node_queries: list[dict[str, list[str]]] = field(default_factory=list)  # tag filters asked for
    payloads: list[dict[str, Any]] = field(default_factory=list)  # Lambda payloads
    submitted: list[dict[str, Any]] = field(default_factory=list)  # Batch submissions (boto3 names)
    messages: list[dict[str, Any]] = field(default_factory=list)  # callback messages
    confirmations: list[str] = field(default_factory=list)  # jobs an operator was asked to confirm

    def ran(self, line: str, job: str) -> None:
        self.sent.append(line)
        self.jobs.append(job)


def _no_wait(self: WaitFunction, env: Any, wait_seconds: int) -> None:
    return None


# Nested executions (states:startExecution.sync:2): moto calls boto3 with the PascalCase keys of
# ASL parameters and hands back boto3's camelCase response keys; AWS maps both ways.
_original_sfn_call = StateTaskServiceSfn._eval_service_task


def _camel(data: dict[str, Any]) -> dict[str, Any]:
    return {k[:1].lower() + k[1:]: v for k, v in data.items()}


def _pascal_in_place(data: Any) -> None:
    if isinstance(data, dict):
        for key in list(data):
            data[key[:1].upper() + key[1:]] = data.pop(key)


def _sfn_call(
    self: StateTaskServiceSfn,
    env: Any,
    resource_runtime_part: Any,
    normalised_parameters: dict[str, Any],
    state_credentials: Any,
) -> Any:
    _original_sfn_call(self, env, resource_runtime_part, _camel(normalised_parameters), state_credentials)
    _pascal_in_place(env.stack[-1])


def _sfn_response(self: StateTaskServiceSfn, response: Any, *args: Any, **kwargs: Any) -> None:
    _pascal_in_place(response)


# AWS Batch (batch:submitJob.sync) has the same key-case gap, in nested structures too.
_original_batch_call = StateTaskServiceBatch._eval_service_task


def _camel_deep(data: Any) -> Any:
    if isinstance(data, dict):
        return {k[:1].lower() + k[1:]: _camel_deep(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_camel_deep(v) for v in data]
    return data


def _pascal_deep_in_place(data: Any) -> None:
    if isinstance(data, dict):
        for key in list(data):
            value = data.pop(key)
            _pascal_deep_in_place(value)
            data[key[:1].upper() + key[1:]] = value
    elif isinstance(data, list):
        for value in data:
            _pascal_deep_in_place(value)


def _batch_call(
    self: StateTaskServiceBatch,
    env: Any,
    resource_runtime_part: Any,
    normalised_parameters: dict[str, Any],
    state_credentials: Any,
) -> Any:
    _original_batch_call(
        self, env, resource_runtime_part, _camel_deep(normalised_parameters), state_credentials
    )
    _pascal_deep_in_place(env.stack[-1])


def _batch_response(self: StateTaskServiceBatch, response: Any, *args: Any, **kwargs: Any) -> None:
    _pascal_deep_in_place(response)


# AWS SDK integrations of Step Functions itself (aws-sdk:sfn:listExecutions, describeExecution,
# read by join state machines): moto passes the PascalCase parameters to boto3 as they are, and
# boto3's Step Functions client wants camelCase; AWS answers in PascalCase, nested keys too.
_original_sdk_call = StateTaskServiceAwsSdk._eval_service_task


def _sdk_call(
    self: StateTaskServiceAwsSdk,
    env: Any,
    resource_runtime_part: Any,
    normalised_parameters: dict[str, Any],
    state_credentials: Any,
) -> Any:
    if self.resource.api_name != "sfn":
        return _original_sdk_call(self, env, resource_runtime_part, normalised_parameters, state_credentials)
    _original_sdk_call(
        self, env, resource_runtime_part, _camel_deep(normalised_parameters), state_credentials
    )
    _pascal_deep_in_place(env.stack[-1])
    return None


_original_timeout = TimeoutSeconds._eval_seconds


def _capped_timeout(self: TimeoutSeconds, env: Any) -> int:
    seconds: int = _original_timeout(self, env)
    return seconds if self.is_default_value() else min(seconds, TIMEOUT_CAP)


CalendarAnswer = Callable[[list[str], str], str]  # (calendar names, AtTime) -> OPEN/CLOSED


def _always_open(names: list[str], at_time: str) -> str:
    return "OPEN"


def _approve(job: str) -> bool:
    return True


@contextmanager
def local_aws(
    outcome: Callable[[str], Outcome],
    calendar_state: CalendarAnswer = _always_open,
    key: Literal["command", "job"] = "command",
    confirm: Callable[[str], bool] = _approve,
) -> Iterator[CommandLog]:
    """A mocked AWS where each command first reports InProgress, then `outcome(x)` where x is
    the command line or the job path (`key`), and GetCalendarState answers
    `calendar_state(names, at_time)`. Lambda, Batch and callback jobs end as `outcome` says
    (a job without a command line is seen by its path); `confirm(job)` answers confirmations."""
    log = CommandLog()
    commands: dict[str, str] = {}
    original_send = SimpleSystemManagerBackend.send_command

    def send_command(self: SimpleSystemManagerBackend, **kwargs: Any) -> Any:
        requested = list(kwargs.get("instance_ids") or [])
        result = original_send(self, **kwargs)
        # Without Targets moto adds every EC2 instance it has, in set order; AWS answers with
        # the instances asked for, and the poll reads the first.
        if requested and not kwargs.get("targets"):
            result.instance_ids = requested
        line = kwargs["parameters"]["commands"][0]
        job = kwargs.get("comment") or ""
        commands[result.command_id] = line if key == "command" else job
        log.ran(line, job)
        log.instances.extend(requested)
        return result

    def get_command_invocation(
        self: SimpleSystemManagerBackend, command_id: str, instance_id: str, plugin_name: str | None
    ) -> dict[str, Any]:
        asked = commands[command_id]
        log.polls[command_id] = log.polls.get(command_id, 0) + 1
        status, code = ("InProgress", -1) if log.polls[command_id] == 1 else outcome(asked)
        return {
            "CommandId": command_id,
            "InstanceId": instance_id,
            "Status": status,
            "StatusDetails": status,
            "ResponseCode": code,
            "StandardOutputContent": "",
            "StandardErrorContent": "",
        }

    def get_calendar_state(self: SimpleSystemManagerResponse) -> ActionResult:
        names = self._get_param("CalendarNames")
        at_time = self._get_param("AtTime")
        log.calendar_checks.append((list(names), at_time))
        return ActionResult({"State": calendar_state(list(names), at_time), "AtTime": at_time})

    scenario = _Scenario(outcome, key, log)
    reader = _CallbackReader(scenario, confirm)
    submit_job, describe_jobs = _batch_jobs(scenario)
    with (
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}}),
        mock.patch.object(SimpleSystemManagerResponse, "get_calendar_state", get_calendar_state, create=True),
        mock.patch.object(
            SimpleSystemManagerResponse, "describe_instance_information", _node_finder(log), create=True
        ),
        mock.patch.object(StateTaskServiceBatch, "_eval_service_task", _batch_call),
        mock.patch.object(StateTaskServiceBatch, "_normalise_response", _batch_response),
        mock.patch.object(TimeoutSeconds, "_eval_seconds", _capped_timeout),
        mock.patch.object(LambdaBackend, "invoke", _function(scenario)),
        mock.patch.object(BatchBackend, "submit_job", submit_job),
        mock.patch.object(BatchBackend, "describe_jobs", describe_jobs),
        mock.patch.object(SQSBackend, "send_message", reader.send_message()),
        reader,
        mock.patch.object(WaitFunction, "_wait_interval", _no_wait),
        mock.patch.object(StateTaskServiceSfn, "_eval_service_task", _sfn_call),
        mock.patch.object(StateTaskServiceSfn, "_normalise_response", _sfn_response),
        mock.patch.object(StateTaskServiceAwsSdk, "_eval_service_task", _sdk_call),
        # Only the retrier's clock: patching time.sleep itself would turn every polling loop,
        # ours included, into a busy loop competing with the interpreter's thread.
        mock.patch.object(retrier_decl, "time", SimpleNamespace(sleep=lambda seconds: None)),
        mock.patch.object(SimpleSystemManagerBackend, "send_command", send_command),
        mock.patch.object(SimpleSystemManagerBackend, "get_command_invocation", get_command_invocation),
    ):
        yield log


class _Scenario:
    """The scenario's outcome for a job run through Lambda, Batch or a callback, logged as run."""

    def __init__(self, outcome: Callable[[str], Outcome], key: Literal["command", "job"], log: CommandLog):
        self.outcome = outcome
        self.key = key
        self.log = log

    def __call__(self, line: str | None, job: str) -> Outcome:
        self.log.ran(line or job, job)
        return self.outcome((line or job) if self.key == "command" else job)


def _node_finder(log: CommandLog) -> Callable[[SimpleSystemManagerResponse], ActionResult]:
    """DescribeInstanceInformation: the running EC2 instances with the filters' tags count as
    Online managed nodes. Without any instance in moto, one stand-in node answers every
    filter, so a folder can be simulated without building a fleet first."""

    def describe_instance_information(self: SimpleSystemManagerResponse) -> ActionResult:
        filters = {f["Key"]: f["Values"] for f in self._get_param("Filters") or []}
        log.node_queries.append(filters)
        ec2 = ec2_backends[self.current_account][self.region]
        instances = ec2.all_instances()
        wanted = {k.removeprefix("tag:"): v for k, v in filters.items() if k.startswith("tag:")}
        found = [i.id for i in instances if i.state == "running" and _tagged(i.get_tags(), wanted)]
        if not instances:
            found = [INSTANCE]
        nodes = [{"InstanceId": i, "PingStatus": "Online", "ResourceType": "EC2Instance"} for i in found]
        return ActionResult({"InstanceInformationList": nodes})

    return describe_instance_information


def _tagged(tags: list[dict[str, str]], wanted: dict[str, list[str]]) -> bool:
    have = {t["key"]: t["value"] for t in tags}
    return all(have.get(key) in values for key, values in wanted.items())


def _function(scenario: _Scenario) -> Callable[..., bytes]:
    """Lambda Invoke as a function running the job would answer (moto runs functions in docker)."""

    def invoke(
        self: LambdaBackend, function_name: str, qualifier: str | None, body: Any, headers: Any, answer: Any
    ) -> bytes:
        payload = json.loads(body) if body else {}
        scenario.log.payloads.append(payload)
        job = str(payload.get("job", ""))
        status, code = scenario(payload.get("command"), job)
        if status == "TimedOut":
            time.sleep(TIMEOUT_CAP + 1)  # outlive the Task's (cut) timeout
        if status != "Success" and code < 0:
            answer["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": "JobFailed", "errorMessage": f"{job} could not run"}).encode()
        return json.dumps({} if status == "Success" else {"exit_code": code}).encode()

    return invoke


def _batch_jobs(scenario: _Scenario) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """SubmitJob and DescribeJobs of jobs that end at once as the scenario says (moto runs Batch
    jobs in docker). The job path is in the container's environment."""
    jobs: dict[str, dict[str, Any]] = {}

    def submit_job(
        self: BatchBackend, job_name: str, job_def_id: str, job_queue: str, *args: Any, **kwargs: Any
    ) -> tuple[str, str, str]:
        overrides = kwargs.get("container_overrides") or {}
        scenario.log.submitted.append(
            {"jobName": job_name, "jobQueue": job_queue, "jobDefinition": job_def_id, **kwargs}
        )
        command = overrides.get("command") or [None]
        variables = {e["name"]: e["value"] for e in overrides.get("environment", [])}
        job_id = str(uuid.uuid4())
        jobs[job_id] = {
            "jobId": job_id,
            "jobName": job_name,
            "jobQueue": job_queue,
            "jobDefinition": job_def_id,
        }
        jobs[job_id].update(_batch_end(scenario(command[-1], variables.get(JOB_VARIABLE, ""))))
        return job_name, job_id, f"arn:aws:batch:{REGION}:{ACCOUNT_ID}:job/{job_id}"

    def describe_jobs(self: BatchBackend, job_ids: list[str] | None) -> list[dict[str, Any]]:
        return [jobs[j] for j in job_ids or [] if j in jobs]

    return submit_job, describe_jobs


def _batch_end(outcome: Outcome) -> dict[str, Any]:
    status, code = outcome
    if status == "Success":
        return {"status": "SUCCEEDED", "container": {"exitCode": 0}}
    if status == "TimedOut":
        return {"status": "RUNNING"}  # until the Task's (cut) timeout
    if code < 0:
        return {"status": "FAILED", "statusReason": "CannotPullContainerError: the image could not be pulled"}
    return {
        "status": "FAILED",
        "statusReason": "Essential container in task exited",
        "container": {"exitCode": code},
    }


class _CallbackReader:
    """Reads the task tokens sent to SQS and answers them from a thread of its own, as the
    operators' tool or the event watcher reading the queue would."""

    def __init__(self, scenario: _Scenario, confirm: Callable[[str], bool]) -> None:
        self.scenario = scenario
        self.confirm = confirm
        self.todo: queue.Queue[tuple[str, str, bool] | None] = queue.Queue()  # (token, output, success)
        self.thread = threading.Thread(target=self._answer, daemon=True)

    def __enter__(self) -> _CallbackReader:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.todo.put(None)
        self.thread.join(timeout=5)

    def send_message(self) -> Callable[..., Any]:
        original = SQSBackend.send_message
        reader = self

        def send_message(
            self: SQSBackend, queue_name: str, message_body: str, *args: Any, **kwargs: Any
        ) -> Any:
            sent = original(self, queue_name, message_body, *args, **kwargs)
            body = json.loads(message_body)
            if isinstance(body, dict) and "task_token" in body:
                reader.read(body)
            return sent

        return send_message

    def read(self, body: dict[str, Any]) -> None:
        log = self.scenario.log
        log.messages.append(body)
        job = str(body.get("job", ""))
        if body.get("action") == "confirm":
            log.confirmations.append(job)
            self.todo.put((body["task_token"], "{}", self.confirm(job)))
            return
        status, code = self.scenario(body.get("command"), job)
        if status == "TimedOut":
            return  # nobody answers
        if status != "Success" and code < 0:
            self.todo.put((body["task_token"], "", False))
        else:
            self.todo.put(
                (body["task_token"], json.dumps({} if status == "Success" else {"exit_code": code}), True)
            )

    def _answer(self) -> None:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        while (item := self.todo.get()) is not None:
            token, output, success = item
            if success:
                sfn.send_task_success(taskToken=token, output=output)
            else:
                sfn.send_task_failure(taskToken=token, error="JobFailed", cause="the job could not run")


# Substitutions deployment fills in from CloudFormation pseudo parameters.
_STACK = {REGION_KEY: REGION, ACCOUNT: ACCOUNT_ID, URL_SUFFIX: "amazonaws.com", asl.DOLLAR: "$"}


def substitute(definition: dict[str, Any], values: dict[str, str]) -> str:
    """Apply CloudFormation DefinitionSubstitutions (`${Name}`) as deployment would."""
    known = {**_STACK, **values}
    text = json.dumps(asl.resolve(definition))
    # Only our own keys: legacy text such as ${HOME} reaches the job as written.
    return re.sub(
        r"\$\{(\w+)\}",
        lambda m: known.get(m.group(1), INSTANCE if _HOST.fullmatch(m.group(1)) else m.group(0)),
        text,
    )


_HOST = re.compile(r"Host\w*InstanceId")


def _create_queues(text: str) -> None:
    """The SQS queues a definition sends task tokens to, as deployment would find them."""
    sqs = boto3.client("sqs", region_name=REGION)
    for name in sorted(set(re.findall(r'"QueueUrl": "https://sqs\.[^"]*/([^"/]+)"', text))):
        sqs.create_queue(QueueName=name)


def published(region: str = REGION) -> list[dict[str, Any]]:
    """Messages published to the failure topic so far, as JSON."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID][region]
    messages = []
    for topic in backend.topics.values():
        if topic.name == FAILURE_TOPIC:
            messages += [json.loads(n[1]) for n in topic.sent_notifications]
    return messages


def run_definition(
    definition: dict[str, Any],
    name: str,
    payload: dict[str, Any] | None = None,
    nested: list[tuple[str, dict[str, Any], dict[str, str]]] = (),  # type: ignore[assignment]
    starts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Create the state machine (and the nested ones it starts: (name, definition, starts),
    innermost first), run one named execution to its end, return describe_execution."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    topic = boto3.client("sns", region_name=REGION).create_topic(Name=FAILURE_TOPIC)["TopicArn"]
    arns: dict[str, str] = {}
    for child, child_definition, child_starts in nested:
        values = {"FailureTopicArn": topic, **{k: arns[m] for k, m in child_starts.items()}}
        text = substitute(child_definition, values)
        _create_queues(text)
        arns[child] = sfn.create_state_machine(name=child, definition=text, roleArn=ROLE)["stateMachineArn"]
    values = {"FailureTopicArn": topic, **{k: arns[m] for k, m in (starts or {}).items()}}
    text = substitute(definition, values)
    _create_queues(text)
    arn = sfn.create_state_machine(name=name, definition=text, roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=f"{name}-run", input=json.dumps(payload or {}))
    deadline = time.monotonic() + 60
    while True:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(described)
        time.sleep(0.05)


# Deploying a converted folder into a local moto server (`jobmigrate deploy --endpoint-url`).
#
# moto 5.2.5's CloudFormation falls short of a converted template in three places, patched in this
# process (whose threads serve the requests) for as long as `moto_server` runs:
# - AWS::SSM::Document with DocumentFormat TEXT (the Change Calendars): moto's document model knows
#   JSON and YAML only and the execution fails with "Invalid document format TEXT". TEXT is let
#   through for ChangeCalendar documents whose content reads as a Change Calendar.
# - AWS::StepFunctions::StateMachine: moto reads DefinitionString only, so `Definition` (an object)
#   and DefinitionSubstitutions are dropped and the machine gets an empty definition. They become
#   the DefinitionString CloudFormation would deploy.
# - AWS::Scheduler::Schedule: moto has EventBridge Scheduler but no CloudFormation model for it. It
#   logs "No Moto CloudFormation support", creates nothing, and describes the resource without a
#   logical id. A model keeps such schedules in moto's Scheduler, with the expression and zone
#   checked as Scheduler checks them (moto's own API accepts any).
# The moto modules are imported when the server starts: `jobmigrate simulate` needs none of them.

_SUBSTITUTION = re.compile(r"\$\{(\w+)\}")


def _deployed_definition(properties: dict[str, Any]) -> dict[str, Any]:
    """StateMachine properties with `Definition` and DefinitionSubstitutions applied, in the
    DefinitionString that moto reads. One pass, as CloudFormation does: `${Dollar}{HOME}` ends as
    `${HOME}`, not substituted again."""
    deployed = dict(properties)
    definition = deployed.pop("Definition", None)
    text = json.dumps(definition) if definition is not None else str(deployed.get("DefinitionString", ""))
    values = deployed.pop("DefinitionSubstitutions", None) or {}
    deployed["DefinitionString"] = _SUBSTITUTION.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
    return deployed


def _state_machine_patches() -> list[Any]:
    from moto.stepfunctions.models import StateMachine

    create = StateMachine.create_from_cloudformation_json
    update = StateMachine.update_from_cloudformation_json

    def create_deployed(
        cls: type[Any], /, name: str, template: dict[str, Any], account: str, region: str, **kw: Any
    ) -> Any:
        properties = _deployed_definition(template["Properties"])
        return create(name, {**template, "Properties": properties}, account, region, **kw)

    def update_deployed(
        cls: type[Any],
        /,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        properties = _deployed_definition(cloudformation_json.get("Properties", {}))
        return update(
            original_resource=original_resource,
            new_resource_name=new_resource_name,
            cloudformation_json={**cloudformation_json, "Properties": properties},
            account_id=account_id,
            region_name=region_name,
        )

    return [
        mock.patch.object(StateMachine, "create_from_cloudformation_json", classmethod(create_deployed)),
        mock.patch.object(StateMachine, "update_from_cloudformation_json", classmethod(update_deployed)),
    ]


def _text_document_patches() -> list[Any]:
    import inspect

    from moto.ssm import models as ssm_models
    from moto.ssm.exceptions import InvalidDocumentContent
    from moto.ssm.exceptions import ValidationException as SsmValidation

    from calendars.changecal import CalendarFormatError, from_ics

    init = ssm_models.Document.__init__
    signature = inspect.signature(init)
    check_format = ssm_models._validate_document_format

    def document_init(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        given = bound.arguments
        if given.get("document_format") != "TEXT":
            init(*bound.args, **bound.kwargs)
            return
        content = given["content"]
        if given.get("document_type") != "ChangeCalendar":
            raise SsmValidation("DocumentFormat TEXT is for ChangeCalendar documents")
        try:
            from_ics(content, given["name"])
        except CalendarFormatError as e:
            raise InvalidDocumentContent(f"The content for the document is not valid: {e}") from None
        given["content"] = json.dumps({"schemaVersion": "2.0"})
        given["document_format"] = "JSON"
        init(*bound.args, **bound.kwargs)
        self.content, self.document_format, self.content_json = content, "TEXT", {}

    def validate_format(document_format: str) -> None:
        if document_format != "TEXT":
            check_format(document_format)

    get_document = SimpleSystemManagerBackend.get_document

    def get_in_own_format(
        self: SimpleSystemManagerBackend,
        name: str,
        document_version: str,
        version_name: str,
        document_format: str,
    ) -> dict[str, Any]:
        # moto's GetDocument asks for JSON when no DocumentFormat is given; AWS answers in the
        # document's own format, which is the only one a TEXT document has.
        if self._get_documents(name).find(document_version, version_name).document_format == "TEXT":
            document_format = "TEXT"
        return get_document(self, name, document_version, version_name, document_format)

    return [
        mock.patch.object(ssm_models.Document, "__init__", document_init),
        mock.patch.object(ssm_models, "_validate_document_format", validate_format),
        mock.patch.object(SimpleSystemManagerBackend, "get_document", get_in_own_format),
    ]


class _Schedule:
    """AWS::Scheduler::Schedule for moto's CloudFormation, kept in moto's EventBridge Scheduler.
    `Ref` gives the name, as on AWS; `Fn::GetAtt Arn` the ARN."""

    cf_resource_type = "AWS::Scheduler::Schedule"
    logical_resource_id = ""

    def __init__(self, name: str, group: str | None, arn: str) -> None:
        self.name = name
        self.group = group
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Scheduler::Schedule"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Arn":
            return self.arn
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True

    @staticmethod
    def _backend(account_id: str, region_name: str) -> Any:
        from moto.scheduler.models import scheduler_backends

        return scheduler_backends[account_id][region_name]

    @staticmethod
    def _arguments(properties: dict[str, Any]) -> dict[str, Any]:
        """Scheduler's arguments from the properties, refused where Scheduler refuses them."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from moto.scheduler.exceptions import ValidationException

        from calendars import awscron

        expression = str(properties.get("ScheduleExpression", ""))
        try:
            awscron.parse(expression)
        except awscron.AwsExpressionError as e:
            raise ValidationException(f"Invalid Schedule Expression {expression}: {e}") from None
        zone = properties.get("ScheduleExpressionTimezone")
        try:
            ZoneInfo(zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationException(f"Invalid ScheduleExpressionTimezone {zone}") from None
        return {
            "description": properties.get("Description"),
            "end_date": properties.get("EndDate"),
            "flexible_time_window": properties.get("FlexibleTimeWindow"),
            "group_name": properties.get("GroupName"),
            "kms_key_arn": properties.get("KmsKeyArn"),
            "schedule_expression": expression,
            "schedule_expression_timezone": zone,
            "start_date": properties.get("StartDate"),
            "state": properties.get("State"),
            "target": properties.get("Target"),
        }

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _Schedule:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name") or resource_name
        schedule = cls._backend(account_id, region_name).create_schedule(
            name=name,
            action_after_completion=properties.get("ActionAfterCompletion"),
            **cls._arguments(properties),
        )
        return cls(name, properties.get("GroupName"), schedule.arn)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _Schedule,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Schedule:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name") or original_resource.name
        if (name, properties.get("GroupName")) != (original_resource.name, original_resource.group):
            replacement = cls.create_from_cloudformation_json(
                name, cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return replacement
        backend = cls._backend(account_id, region_name)
        schedule = backend.update_schedule(name=name, **cls._arguments(properties))
        return cls(name, properties.get("GroupName"), schedule.arn)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        group = cloudformation_json.get("Properties", {}).get("GroupName")
        cls._backend(account_id, region_name).delete_schedule(group_name=group, name=resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend(account_id, region_name).delete_schedule(group_name=self.group, name=self.name)


def _schedule_model_patch() -> Any:
    from moto.cloudformation import parsing

    models = parsing.get_model_map

    def with_schedules() -> dict[str, Any]:
        return {**models(), _Schedule.cloudformation_type(): _Schedule}

    return mock.patch.object(parsing, "get_model_map", with_schedules)


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1, on a free port, for clients in other processes such as
    `jobmigrate deploy --endpoint-url URL`; yields its URL. Its state starts empty, and the gaps
    described above are patched while it runs. Needs moto[server] (flask)."""
    import logging
    import urllib.request
    from contextlib import ExitStack

    from moto.server import ThreadedMotoServer

    with ExitStack() as stack:  # undone in reverse: the server stops, then the patches go
        werkzeug_log = logging.getLogger("werkzeug")  # one line per request otherwise
        stack.callback(werkzeug_log.setLevel, werkzeug_log.level)
        werkzeug_log.setLevel(logging.ERROR)
        for patch in [*_text_document_patches(), *_state_machine_patches(), _schedule_model_patch()]:
            stack.enter_context(patch)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        stack.callback(server.stop)
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=30).close()
        yield url
