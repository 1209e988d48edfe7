"""How one job runs in Step Functions. SSM Run Command for now: send, wait, read, branch.

The loop per job:  <job> (sendCommand) -> <job>-wait -> <job>-status (getCommandInvocation)
-> <job>-check (Choice): still running -> wait again; Success -> next; otherwise -> failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobmigrate import asl
from jobmigrate.model import Job

UNIX_DOCUMENT = "AWS-RunShellScript"
WINDOWS_DOCUMENT = "AWS-RunPowerShellScript"
DEFAULT_HOST = "default"
POLL_SECONDS = 30
RUNNING = ("Pending", "InProgress", "Delayed")


def host_parameter(host: str) -> str:
    """CloudFormation parameter (and ASL substitution) holding the instance id of a host."""
    return "Host" + "".join(ch if ch.isalnum() and ch.isascii() else "" for ch in host.title()) + "InstanceId"


@dataclass(frozen=True, slots=True)
class JobStates:
    entry: str
    states: dict[str, asl.State]
    document: str
    host: str


def ssm_run_command(job: Job, state: str, next_state: str | None, failed_state: str) -> JobStates:
    """States running `job` through SSM Run Command and polling until it ends."""
    command = job.command
    assert command is not None, "only command jobs reach the SSM executor"
    document = WINDOWS_DOCUMENT if command.platform == "windows" else UNIX_DOCUMENT
    host = command.host or DEFAULT_HOST
    parameters: dict[str, list[str]] = {"commands": [command.command_line()]}
    if command.working_directory:
        parameters["workingDirectory"] = [command.working_directory]
    if job.timeout is not None:
        parameters["executionTimeout"] = [str(job.timeout.minutes * 60)]
    wait, status, check = f"{state}-wait", f"{state}-status", f"{state}-check"
    comment = f"{job.path}" + (f" ({job.source})" if job.source else "")
    states: dict[str, asl.State] = {
        state: asl.Task(
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
            },
            result_path="$.command",
            next=wait,
        ),
        wait: asl.Wait(seconds=POLL_SECONDS, next=status),
        status: asl.Task(
            resource=asl.SDK + "ssm:getCommandInvocation",
            parameters={"CommandId.$": "$.command.CommandId", "InstanceId.$": "$.command.InstanceId"},
            result_selector={
                "Status.$": "$.Status",
                "StatusDetails.$": "$.StatusDetails",
                "ResponseCode.$": "$.ResponseCode",
            },
            result_path="$.command.result",
            # Run Command is eventually consistent: right after sending, the invocation may not exist.
            retry=[asl.Retrier(["Ssm.InvocationDoesNotExistException"], 2, 5, 2.0)],
            next=check,
        ),
        check: asl.Choice(
            choices=[
                {
                    "Or": [{"Variable": "$.command.result.Status", "StringEquals": s} for s in RUNNING],
                    "Next": wait,
                },
                _success_choice(job, next_state or "Done"),
            ],
            default=failed_state,
        ),
    }
    return JobStates(entry=state, states=states, document=document, host=host)


def _success_choice(job: Job, next_state: str) -> dict[str, object]:
    return {"Variable": "$.command.result.Status", "StringEquals": "Success", "Next": next_state}
