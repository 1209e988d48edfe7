"""How one job runs in Step Functions: SSM Run Command, polled until it ends, judged as the
legacy scheduler judged it.

States of a job whose main state is S:

    [S-init]    Pass: zero the retry counter (only when the job retries)
    S           sendCommand (transient SSM errors retried)
    S-pace      Choice: how long to wait, from the number of polls so far
    S-wait-N    Wait: 10 s at first, then 1, 5 and 15 minutes, so a job of a day costs about
                150 polls (some 2,000 history events) and even a week-long job stays far
                inside the 25,000 events of one execution
    S-status    getCommandInvocation (retried while the invocation does not exist yet:
                Run Command is eventually consistent right after sending)
    S-count     Pass: count the poll
    S-check     Choice: still running -> S-pace; normal or warning -> S-done;
                retryable end code with attempts left -> S-retry; otherwise -> the failure state
    S-done      Pass: keep the exit code under $.run.rc.S for judgment jobs, then go on
    [S-retry, S-retry-wait]   count the attempt, wait the legacy interval, send again

End codes follow the legacy rule: normal up to the warning threshold, warning up to the
abnormal threshold (the flow continues), abnormal above; always-normal and always-abnormal
jobs ignore the code. A timeout ends the job as its legacy setting says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobmigrate import asl
from jobmigrate.model import Job

UNIX_DOCUMENT = "AWS-RunShellScript"
WINDOWS_DOCUMENT = "AWS-RunPowerShellScript"
DEFAULT_HOST = "default"
RUNNING = ("Pending", "InProgress", "Delayed")
# (polls before moving on, seconds to wait): 6 x 10 s, 14 x 1 min, 48 x 5 min, then 15 min.
PACE = ((6, 10), (20, 60), (68, 300), (None, 900))
STATUS = "$.command.result.Status"
CODE = "$.command.result.ResponseCode"


def host_parameter(host: str) -> str:
    """CloudFormation parameter (and ASL substitution) holding the instance id of a host."""
    return "Host" + "".join(ch if ch.isalnum() and ch.isascii() else "" for ch in host.title()) + "InstanceId"


@dataclass(frozen=True, slots=True)
class JobStates:
    entry: str  # the first state of the job
    state: str  # the job's main state (sendCommand), as plan.json names it
    states: dict[str, asl.State]
    document: str
    host: str


def ssm_run_command(job: Job, state: str, next_state: str, failed_state: str) -> JobStates:
    """States running `job` through SSM Run Command; `next_state` on a normal or warning end,
    `failed_state` on an abnormal one."""
    command = job.command
    assert command is not None, "only command jobs reach the SSM executor"
    document = WINDOWS_DOCUMENT if command.platform == "windows" else UNIX_DOCUMENT
    host = command.host or DEFAULT_HOST
    names = _Names(state)
    states: dict[str, asl.State] = {}
    if job.retry is not None:
        states[names.init] = asl.Pass(result={"n": 0}, result_path=f"$.attempts.{state}", next=state)
    states[state] = _send(job, document, host, names)
    states.update(_pace(names))
    states[names.status] = asl.Task(
        resource=asl.SDK + "ssm:getCommandInvocation",
        parameters={"CommandId.$": "$.command.CommandId", "InstanceId.$": "$.command.InstanceId"},
        result_selector={
            "Status.$": "$.Status",
            "StatusDetails.$": "$.StatusDetails",
            "ResponseCode.$": "$.ResponseCode",
        },
        result_path="$.command.result",
        retry=[asl.Retrier(["Ssm.InvocationDoesNotExistException"], 2, 6, 2.0)],
        next=names.count,
    )
    states[names.count] = asl.Pass(
        parameters={"n.$": "States.MathAdd($.command.Polls.n, 1)"},
        result_path="$.command.Polls",
        next=names.check,
    )
    states[names.check] = asl.Choice(
        choices=[
            {"Or": [{"Variable": STATUS, "StringEquals": s} for s in RUNNING], "Next": names.pace},
            *_judgment(job, names.done),
            *_retry_choice(job, names),
        ],
        default=failed_state,
    )
    states[names.done] = asl.Pass(input_path=CODE, result_path=f"$.run.rc.{state}", next=next_state)
    if job.retry is not None:
        states.update(_retry_states(job, names))
    return JobStates(
        entry=entry_of(job, state),
        state=state,
        states=states,
        document=document,
        host=host,
    )


def entry_of(job: Job, state: str) -> str:
    """The first state of a job, for the state before it to go to."""
    return f"{state}-init" if job.retry is not None else state


@dataclass(frozen=True, slots=True)
class _Names:
    """The names of a job's states, all derived from its main state."""

    state: str

    @property
    def init(self) -> str:
        return f"{self.state}-init"

    @property
    def pace(self) -> str:
        return f"{self.state}-pace"

    @property
    def status(self) -> str:
        return f"{self.state}-status"

    @property
    def count(self) -> str:
        return f"{self.state}-count"

    @property
    def check(self) -> str:
        return f"{self.state}-check"

    @property
    def done(self) -> str:
        return f"{self.state}-done"

    @property
    def retry(self) -> str:
        return f"{self.state}-retry"

    @property
    def retry_wait(self) -> str:
        return f"{self.state}-retry-wait"


def _send(job: Job, document: str, host: str, names: _Names) -> asl.Task:
    command = job.command
    assert command is not None
    parameters: dict[str, list[str]] = {"commands": [command.command_line()]}
    if command.working_directory:
        parameters["workingDirectory"] = [command.working_directory]
    if job.timeout is not None:
        parameters["executionTimeout"] = [str(job.timeout.minutes * 60)]
    comment = job.path + (f" ({job.source})" if job.source else "")
    return asl.Task(
        comment=comment,
        resource=asl.SDK + "ssm:sendCommand",
        parameters={
            "DocumentName": document,
            "InstanceIds": ["${" + host_parameter(host) + "}"],
            "Parameters": parameters,
            "Comment": job.path[-100:],
        },
        result_selector={
            "CommandId.$": "$.Command.CommandId",
            "InstanceId.$": "States.ArrayGetItem($.Command.InstanceIds, 0)",
            "Polls": {"n": 0},
        },
        result_path="$.command",
        retry=[asl.Retrier(["Ssm.InternalServerErrorException", "Ssm.TooManyUpdatesException"], 5, 3, 2.0)],
        next=names.pace,
    )


def _pace(names: _Names) -> dict[str, asl.State]:
    waits = {f"{names.state}-wait-{seconds}": seconds for _, seconds in PACE}
    choices = [
        {"Variable": "$.command.Polls.n", "NumericLessThan": limit, "Next": f"{names.state}-wait-{seconds}"}
        for limit, seconds in PACE
        if limit is not None
    ]
    states: dict[str, asl.State] = {
        names.pace: asl.Choice(choices=choices, default=f"{names.state}-wait-{PACE[-1][1]}")
    }
    for wait, seconds in waits.items():
        states[wait] = asl.Wait(seconds=seconds, next=names.status)
    return states


def _judgment(job: Job, done: str) -> list[dict[str, Any]]:
    """Choices sending a finished job on as normal or warning."""
    end = job.end_judgment
    ended = {"Not": {"Or": [{"Variable": STATUS, "StringEquals": s} for s in RUNNING]}}
    if end.mode == "always_normal":
        return [{**ended, "Next": done}]
    if end.mode == "always_abnormal":
        return []
    choices: list[dict[str, Any]] = [{"Variable": STATUS, "StringEquals": "Success", "Next": done}]
    failed_with_code = {"Variable": STATUS, "StringEquals": "Failed"}
    if end.success_codes:
        codes = [{"Variable": CODE, "NumericEquals": c} for c in end.success_codes]
        choices.append({"And": [failed_with_code, {"Or": codes}], "Next": done})
    elif end.abnormal_threshold > 0:
        continues = [
            failed_with_code,
            {"Variable": CODE, "NumericGreaterThanEquals": 0},
            {"Variable": CODE, "NumericLessThanEquals": end.abnormal_threshold},
        ]
        choices.append({"And": continues, "Next": done})
    if job.timeout is not None and job.timeout.status_after in ("normal", "warning"):
        choices.append({"Variable": STATUS, "StringEquals": "TimedOut", "Next": done})
    return choices


def _retry_choice(job: Job, names: _Names) -> list[dict[str, Any]]:
    retry = job.retry
    if retry is None:
        return []
    conditions: list[dict[str, Any]] = [
        {"Variable": STATUS, "StringEquals": "Failed"},
        {"Variable": f"$.attempts.{names.state}.n", "NumericLessThan": retry.count},
    ]
    if retry.rc_from is not None:
        conditions.append({"Variable": CODE, "NumericGreaterThanEquals": retry.rc_from})
    if retry.rc_to is not None:
        conditions.append({"Variable": CODE, "NumericLessThanEquals": retry.rc_to})
    return [{"And": conditions, "Next": names.retry}]


def _retry_states(job: Job, names: _Names) -> dict[str, asl.State]:
    assert job.retry is not None
    attempts = f"$.attempts.{names.state}"
    return {
        names.retry: asl.Pass(
            comment=f"automatic retry: up to {job.retry.count} more attempts",
            parameters={"n.$": f"States.MathAdd({attempts}.n, 1)"},
            result_path=attempts,
            next=names.retry_wait,
        ),
        names.retry_wait: asl.Wait(seconds=int(job.retry.interval_minutes * 60), next=names.state),
    }
