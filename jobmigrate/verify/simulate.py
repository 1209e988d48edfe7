"""Running generated state machines locally, in moto's Step Functions interpreter.

`jobmigrate simulate` and the tests both run definitions through here. Every workaround for
what moto lacks lives in this module (see aws-target.md): Waits and retry sleeps are skipped
so a simulated day takes a second, SSM command invocations answer what a scenario says instead
of moto's constant Success, and GetCalendarState, which moto does not implement, is answered
by the scenario too. moto is an optional dependency (`pip install 'jobmigrate[simulate]'`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Literal
from unittest import mock

import boto3
from moto import mock_aws
from moto.core.responses import ActionResult
from moto.ssm.models import SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/jobmigrate-test"
INSTANCE = "i-0123456789abcdef0"
FAILURE_TOPIC = "jobmigrate-failures"
Outcome = tuple[str, int]  # (SSM status, exit code)


@dataclass
class CommandLog:
    """What the fake SSM saw: the command lines sent and the jobs they ran (the SSM comment
    holds the job path), in order, and polls per command."""

    sent: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    calendar_checks: list[tuple[list[str], str]] = field(default_factory=list)


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


CalendarAnswer = Callable[[list[str], str], str]  # (calendar names, AtTime) -> OPEN/CLOSED


def _always_open(names: list[str], at_time: str) -> str:
    return "OPEN"


@contextmanager
def local_aws(
    outcome: Callable[[str], Outcome],
    calendar_state: CalendarAnswer = _always_open,
    key: Literal["command", "job"] = "command",
) -> Iterator[CommandLog]:
    """A mocked AWS where each command first reports InProgress, then `outcome(x)` where x is
    the command line or the job path (`key`), and GetCalendarState answers
    `calendar_state(names, at_time)`."""
    log = CommandLog()
    commands: dict[str, str] = {}
    original_send = SimpleSystemManagerBackend.send_command

    def send_command(self: SimpleSystemManagerBackend, **kwargs: Any) -> Any:
        result = original_send(self, **kwargs)
        line = kwargs["parameters"]["commands"][0]
        job = kwargs.get("comment") or ""
        commands[result.command_id] = line if key == "command" else job
        log.sent.append(line)
        log.jobs.append(job)
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

    with (
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}}),
        mock.patch.object(SimpleSystemManagerResponse, "get_calendar_state", get_calendar_state, create=True),
        mock.patch.object(WaitFunction, "_wait_interval", _no_wait),
        mock.patch.object(StateTaskServiceSfn, "_eval_service_task", _sfn_call),
        mock.patch.object(StateTaskServiceSfn, "_normalise_response", _sfn_response),
        # Only the retrier's clock: patching time.sleep itself would turn every polling loop,
        # ours included, into a busy loop competing with the interpreter's thread.
        mock.patch.object(retrier_decl, "time", SimpleNamespace(sleep=lambda seconds: None)),
        mock.patch.object(SimpleSystemManagerBackend, "send_command", send_command),
        mock.patch.object(SimpleSystemManagerBackend, "get_command_invocation", get_command_invocation),
    ):
        yield log


def substitute(definition: dict[str, Any], values: dict[str, str]) -> str:
    """Apply CloudFormation DefinitionSubstitutions (`${Name}`) as deployment would."""
    text = json.dumps(definition)
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), INSTANCE), text)


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
        arns[child] = sfn.create_state_machine(name=child, definition=text, roleArn=ROLE)["stateMachineArn"]
    values = {"FailureTopicArn": topic, **{k: arns[m] for k, m in (starts or {}).items()}}
    text = substitute(definition, values)
    arn = sfn.create_state_machine(name=name, definition=text, roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=f"{name}-run", input=json.dumps(payload or {}))
    deadline = time.monotonic() + 60
    while True:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(described)
        time.sleep(0.05)
