"""How one job runs in Step Functions: SSM Run Command by default, polled until it ends, judged
as the legacy scheduler judged it; AWS Batch, Lambda or a task-token callback through SQS when
the planning config (planner/config.py) selects them.

States of an SSM job whose main state is S:

    [S-init]    Pass: zero the retry counter (only when the job retries)
    [S-node, S-node-check]   for a host mapped to tags: the first Online managed node with
                those tags (DescribeInstanceInformation), or the failure state when there is none
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

The other executors are one Task each (batch:submitJob.sync, lambda:invoke,
sqs:sendMessage.waitForTaskToken) followed by the same judgment on the exit code they report
(Batch: the container's, Lambda and callbacks: an `exit_code` field of their output):

    [S-init]    as above
    [S-confirm] a manual job whose command runs elsewhere: an operator's confirmation first
    S           the Task; its legacy timeout is TimeoutSeconds, errors are caught
    [S-exit, S-parse]   Batch: a failed job's exit code, read from the error's cause
    S-check     Choice on the exit code, as for SSM; an output without one is a normal end
    S-ok, S-done, S-lost   Pass: record 0, the code, or -1 (ended without a code yet normal:
                an always-normal job's error, a timeout the legacy job tolerated) under $.run.rc.S
    [S-error]   an error without an exit code, retried when the legacy retry takes any code
    [S-retry, S-retry-wait]   as above

End codes follow the legacy rule: normal up to the warning threshold, warning up to the
abnormal threshold (the flow continues), abnormal above; always-normal and always-abnormal
jobs ignore the code. A timeout ends the job as its legacy setting says.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, replace
from typing import Any

from jobmigrate import asl
from jobmigrate.model import Job
from jobmigrate.plan import JobPlan

from .config import DEFAULT, MAX_TASK_SECONDS, BatchRule, CallbackRule, Executor, LambdaRule, PlanningConfig

UNIX_DOCUMENT = "AWS-RunShellScript"
WINDOWS_DOCUMENT = "AWS-RunPowerShellScript"
DEFAULT_HOST = "default"
RUNNING = ("Pending", "InProgress", "Delayed")
# (polls before moving on, seconds to wait): 6 x 10 s, 14 x 1 min, 48 x 5 min, then 15 min.
PACE = ((6, 10), (20, 60), (68, 300), (None, 900))
STATUS = "$.command.result.Status"
CODE = "$.command.result.ResponseCode"
RESULT = "$.command.result"  # where the Task executors keep what their task returned
SSM_TRANSIENT = ["Ssm.InternalServerErrorException", "Ssm.TooManyUpdatesException"]
LAMBDA_TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
BATCH_TRANSIENT = ["Batch.ServerException", "Batch.AWSBatchException"]
SQS_TRANSIENT = ["SQS.SdkClientException", "SQS.AmazonSQSException"]
# Definition substitutions that deployment fills in (CloudFormation pseudo parameters): a queue
# URL names the region and account, and the definition should not.
REGION = "AwsRegion"
ACCOUNT = "AwsAccountId"
URL_SUFFIX = "AwsUrlSuffix"
JOB_VARIABLE = "JOBMIGRATE_JOB"  # the job path, in a Batch container's environment
WAIT_FOR_TOKEN = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def host_parameter(host: str) -> str:
    """CloudFormation parameter (and ASL substitution) holding the instance id of a host.

    Parameters are alphanumeric, so `db-01`, `db.01`, `DB01` and a Japanese name would collide;
    a name that is not plain lower-case ASCII letters and digits gets a short hash of itself."""
    cleaned = "".join(ch for ch in host.title() if ch.isalnum() and ch.isascii())
    if not (host.isascii() and host.isalnum() and host == host.lower()):
        cleaned += hashlib.sha1(host.encode("utf-8")).hexdigest()[:6].upper()
    return f"Host{cleaned}InstanceId"


def queue_url(queue: str) -> str:
    region, suffix, account = (asl.placeholder(k) for k in (REGION, URL_SUFFIX, ACCOUNT))
    return f"https://sqs.{region}.{suffix}/{account}/{queue}"


@dataclass(frozen=True, slots=True)
class JobStates:
    entry: str  # the first state of the job
    state: str  # the job's main state (the send, submit, invoke or message), as plan.json names it
    states: dict[str, asl.State]
    plan: JobPlan  # the job's line in plan.json


def runnable(job: Job, config: PlanningConfig = DEFAULT) -> bool:
    """Whether `job` can be planned: a command job, or a manual or event-wait job that the config
    hands to a callback (someone confirms, or something reports the event)."""
    if job.kind == "command":
        return job.command is not None
    return job.kind in ("manual", "event_wait") and isinstance(config.select(job), CallbackRule)


def build(
    job: Job, state: str, next_state: str, failed_state: str, config: PlanningConfig = DEFAULT
) -> JobStates:
    """The states running `job` through the executor the config selects; `next_state` on a
    normal or warning end, `failed_state` on an abnormal one."""
    chosen = config.select(job)
    if job.kind == "manual" and job.command is not None and isinstance(chosen, CallbackRule):
        runner = config.select(job, kind="command")
        if not isinstance(runner, CallbackRule):  # one callback can both confirm and run
            run = _run(job, state, next_state, failed_state, runner, config)
            return _confirmed(job, run, failed_state, chosen)
    return _run(job, state, next_state, failed_state, chosen, config)


def _run(
    job: Job, state: str, next_state: str, failed_state: str, rule: Executor, config: PlanningConfig
) -> JobStates:
    if isinstance(rule, BatchRule):
        return batch_submit_job(job, state, next_state, failed_state, rule)
    if isinstance(rule, LambdaRule):
        return lambda_invoke(job, state, next_state, failed_state, rule)
    if isinstance(rule, CallbackRule):
        return sqs_callback(job, state, next_state, failed_state, rule)
    assert job.command is not None, "only command jobs reach the SSM executor"
    target = config.host(job.command.host or DEFAULT_HOST)
    return ssm_run_command(job, state, next_state, failed_state, target.tags if target else None)


def ssm_run_command(
    job: Job, state: str, next_state: str, failed_state: str, tags: dict[str, str] | None = None
) -> JobStates:
    """States running `job` through SSM Run Command; `next_state` on a normal or warning end,
    `failed_state` on an abnormal one. With `tags`, on the first Online managed node that has
    them, found when the job starts."""
    command = job.command
    assert command is not None, "only command jobs reach the SSM executor"
    document = WINDOWS_DOCUMENT if command.platform == "windows" else UNIX_DOCUMENT
    host = command.host or DEFAULT_HOST
    names = _Names(state)
    send = names.node if tags else state
    states: dict[str, asl.State] = {}
    if job.retry is not None:
        states[names.init] = asl.Pass(result={"n": 0}, result_path=f"$.attempts.{state}", next=send)
    if tags:
        states.update(_find_node(tags, names, failed_state))
    states[state] = _send(job, document, host, names, tags is not None)
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
        states.update(_retry_states(job, names, again=send))
    plan = JobPlan(
        path=job.path,
        state=state,
        executor="ssm-run-command",
        host=host,
        document=document,
        source=job.source,
    )
    entry = names.init if job.retry is not None else send
    return JobStates(entry=entry, state=state, states=states, plan=plan)


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

    @property
    def node(self) -> str:
        return f"{self.state}-node"

    @property
    def node_check(self) -> str:
        return f"{self.state}-node-check"

    @property
    def confirm(self) -> str:
        return f"{self.state}-confirm"

    @property
    def ok(self) -> str:
        return f"{self.state}-ok"

    @property
    def lost(self) -> str:
        return f"{self.state}-lost"

    @property
    def error(self) -> str:
        return f"{self.state}-error"

    @property
    def exit(self) -> str:
        return f"{self.state}-exit"

    @property
    def parse(self) -> str:
        return f"{self.state}-parse"


def _find_node(tags: dict[str, str], names: _Names, failed_state: str) -> dict[str, asl.State]:
    """Tags name a group of nodes, a legacy host exactly one. SendCommand with Targets would run
    the job on every node of the group and report no instance id to poll
    (GetCommandInvocation needs one), so the job picks one Online node and sends to it."""
    filters = [{"Key": f"tag:{key}", "Values": [value]} for key, value in sorted(tags.items())]
    return {
        names.node: asl.Task(
            resource=asl.SDK + "ssm:describeInstanceInformation",
            parameters={"Filters": [*filters, {"Key": "PingStatus", "Values": ["Online"]}], "MaxResults": 50},
            result_selector={
                "InstanceIds.$": "$.InstanceInformationList[*].InstanceId",
                "Count.$": "States.ArrayLength($.InstanceInformationList)",
            },
            result_path="$.node",
            retry=[asl.Retrier(SSM_TRANSIENT, 5, 3, 2.0)],
            next=names.node_check,
        ),
        # No node online: the job cannot start, as when a legacy agent is unreachable.
        names.node_check: asl.Choice(
            choices=[{"Variable": "$.node.Count", "NumericGreaterThan": 0, "Next": names.state}],
            default=failed_state,
        ),
    }


def ssm_command_line(job: Job) -> str:
    """The command line SSM runs. A UNIX job's standard input (cron's `%` lines) follows as a
    here-document whose end marker is derived from the text, so the text cannot end it early."""
    command = job.command
    assert command is not None
    line = command.command_line()
    if command.stdin is None or command.platform == "windows":
        return line
    marker = "JOBMIGRATE_STDIN_" + hashlib.sha1(command.stdin.encode("utf-8")).hexdigest()[:8].upper()
    # A group, so the whole command line reads it, as under cron (a pipeline's first command).
    return f"{{ {line}\n}} <<'{marker}'\n{command.stdin}\n{marker}"


def not_carried(job: Job) -> list[str]:
    """Settings of a command job that no executor applies yet, for a finding."""
    command = job.command
    if command is None:
        return []
    missing = [
        label
        for label, present in (
            ("environment variables", bool(command.environment or command.environment_file)),
            (f"OS user {command.os_user}", bool(command.os_user)),
            ("output redirection files", bool(command.stdout or command.stderr)),
            ("Windows standard input", command.stdin is not None and command.platform == "windows"),
            (f"shell {command.shell}", bool(command.shell)),
        )
        if present
    ]
    return missing


def _send(job: Job, document: str, host: str, names: _Names, tagged: bool = False) -> asl.Task:
    command = job.command
    assert command is not None
    parameters: dict[str, list[str]] = {"commands": [ssm_command_line(job)]}
    if command.working_directory:
        parameters["workingDirectory"] = [command.working_directory]
    if job.timeout is not None:
        parameters["executionTimeout"] = [str(job.timeout.minutes * 60)]
    target: dict[str, Any] = (
        {"InstanceIds.$": "States.Array(States.ArrayGetItem($.node.InstanceIds, 0))"}
        if tagged
        else {"InstanceIds": [asl.placeholder(host_parameter(host))]}
    )
    return asl.Task(
        comment=_comment(job),
        resource=asl.SDK + "ssm:sendCommand",
        parameters={
            "DocumentName": document,
            **target,
            "Parameters": parameters,
            "Comment": job.path[-100:],
        },
        result_selector={
            "CommandId.$": "$.Command.CommandId",
            "InstanceId.$": "States.ArrayGetItem($.Command.InstanceIds, 0)",
            "Polls": {"n": 0},
        },
        result_path="$.command",
        retry=[asl.Retrier(SSM_TRANSIENT, 5, 3, 2.0)],
        next=names.pace,
    )


def _comment(job: Job) -> str:
    return job.path + (f" ({job.source})" if job.source else "")


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
    conditions += _code_range(job, CODE)
    return [{"And": conditions, "Next": names.retry}]


def _code_range(job: Job, code: str) -> list[dict[str, Any]]:
    """The end codes the legacy automatic retry applies to (none given: any code)."""
    assert job.retry is not None
    conditions: list[dict[str, Any]] = []
    if job.retry.rc_from is not None:
        conditions.append({"Variable": code, "NumericGreaterThanEquals": job.retry.rc_from})
    if job.retry.rc_to is not None:
        conditions.append({"Variable": code, "NumericLessThanEquals": job.retry.rc_to})
    return conditions


def _retry_states(job: Job, names: _Names, again: str | None = None) -> dict[str, asl.State]:
    assert job.retry is not None
    attempts = f"$.attempts.{names.state}"
    return {
        names.retry: asl.Pass(
            comment=f"automatic retry: up to {job.retry.count} more attempts",
            parameters={"n.$": f"States.MathAdd({attempts}.n, 1)"},
            result_path=attempts,
            next=names.retry_wait,
        ),
        names.retry_wait: asl.Wait(seconds=int(job.retry.interval_minutes * 60), next=again or names.state),
    }


# --------------------------------------------------------------------------- Task executors


@dataclass(slots=True)
class CallbackTask(asl.Task):
    """A Task that waits for a task token; a missed heartbeat tells a lost waiter from a slow job."""

    heartbeat_seconds: int | None = None

    def body(self) -> dict[str, Any]:
        d = asl.Task.body(self)  # slots dataclasses cannot use super() without arguments
        if self.heartbeat_seconds is None:
            return d
        at = list(d).index("TimeoutSeconds") + 1
        items = list(d.items())
        return dict([*items[:at], ("HeartbeatSeconds", self.heartbeat_seconds), *items[at:]])


def batch_submit_job(job: Job, state: str, next_state: str, failed_state: str, rule: BatchRule) -> JobStates:
    """An AWS Batch job running the command as `sh -c COMMAND`. A failed job's exit code is in
    the error's cause (the job's description as JSON), so it is read from there and judged."""
    names = _Names(state)
    code = f"{RESULT}.Output.Container.ExitCode"
    check, states = _coded_ending(job, names, code, next_state, failed_state, absent_is_normal=False)
    error = _error_target(job, names, failed_state, states)
    catch = _catchers(job, names, failed_state, error, failed_with_code=names.exit)
    states[state] = asl.Task(
        comment=_comment(job),
        resource="arn:aws:states:::batch:submitJob.sync",
        parameters=_batch_parameters(job, state, rule),
        result_selector={"Status.$": "$.Status"},
        result_path=RESULT,
        timeout_seconds=_legacy_timeout(job),
        retry=[asl.Retrier(BATCH_TRANSIENT, 5, 3, 2.0)],
        catch=catch,
        # An always-abnormal job ends abnormally however it ends.
        next=failed_state if job.end_judgment.mode == "always_abnormal" else names.ok,
    )
    # Not every failure has an exit code (a container that never started, an array job).
    states[names.exit] = asl.Choice(
        choices=[{"Variable": "$.error.Cause", "StringMatches": '*"ExitCode":*', "Next": names.parse}],
        default=error,
    )
    states[names.parse] = asl.Pass(
        parameters={"Output.$": "States.StringToJson($.error.Cause)"}, result_path=RESULT, next=check
    )
    plan = JobPlan(
        path=job.path,
        state=state,
        executor="batch",
        source=job.source,
        job_queue=rule.job_queue,
        job_definition=rule.job_definition,
    )
    return _task_job(job, names, states, plan)


def _batch_parameters(job: Job, state: str, rule: BatchRule) -> dict[str, Any]:
    command = job.command
    assert command is not None, "only command jobs reach the Batch executor"
    line = command.command_line()
    if command.working_directory:
        line = f"cd {shlex.quote(command.working_directory)} && {line}"
    environment = [{"Name": k, "Value": v} for k, v in command.environment]
    environment.append({"Name": JOB_VARIABLE, "Value": job.path})
    parameters: dict[str, Any] = {
        # Batch job names start with a letter or digit; state names may not.
        "JobName": state if state[:1].isalnum() else f"job{state}",
        "JobQueue": rule.job_queue,
        "JobDefinition": rule.job_definition,
        "ContainerOverrides": {"Command": ["sh", "-c", line], "Environment": environment},
    }
    if rule.array_size is not None:
        parameters["ArrayProperties"] = {"Size": rule.array_size}
    if job.timeout is not None:
        # Batch stops the container at the legacy limit even if nobody stops the job.
        parameters["Timeout"] = {"AttemptDurationSeconds": max(60, job.timeout.minutes * 60)}
    return parameters


def lambda_invoke(job: Job, state: str, next_state: str, failed_state: str, rule: LambdaRule) -> JobStates:
    """A Lambda function invoked with the job; it returns an object whose `exit_code`, when
    present, is judged by the job's end-code rules; without one the job ended normally."""
    names = _Names(state)
    check, states = _coded_ending(job, names, f"{RESULT}.Output.exit_code", next_state, failed_state)
    catch = _catchers(job, names, failed_state, _error_target(job, names, failed_state, states))
    states[state] = asl.Task(
        comment=_comment(job),
        resource="arn:aws:states:::lambda:invoke",
        parameters={"FunctionName": rule.function, "Payload": _message(job)},
        result_selector={"Output.$": "$.Payload"},
        result_path=RESULT,
        timeout_seconds=_legacy_timeout(job),
        retry=[asl.Retrier(LAMBDA_TRANSIENT, 2, 3, 2.0)],
        catch=catch,
        next=check,
    )
    plan = JobPlan(path=job.path, state=state, executor="lambda", source=job.source, function=rule.function)
    return _task_job(job, names, states, plan)


def sqs_callback(job: Job, state: str, next_state: str, failed_state: str, rule: CallbackRule) -> JobStates:
    """A message with a task token on an SQS queue; the job ends when the token is answered:
    SendTaskSuccess (its output's `exit_code`, if any, is judged) or SendTaskFailure."""
    names = _Names(state)
    check, states = _coded_ending(job, names, f"{RESULT}.Output.exit_code", next_state, failed_state)
    states[state] = _callback_task(job, rule, names, failed_state, check, states)
    plan = JobPlan(path=job.path, state=state, executor="callback", source=job.source, queue=rule.queue)
    return _task_job(job, names, states, plan)


def _action(job: Job) -> str:
    """What the reader of the message is asked to do."""
    if job.kind == "event_wait":
        return "wait"
    if job.kind == "manual":
        return "confirm-and-run" if job.command is not None else "confirm"
    return "run"


def _callback_task(
    job: Job,
    rule: CallbackRule,
    names: _Names,
    failed_state: str,
    next_state: str,
    states: dict[str, asl.State],
) -> CallbackTask:
    timeout, heartbeat = _time_limits(_legacy_timeout(job) or rule.timeout_seconds, rule.heartbeat_seconds)
    error = _error_target(job, names, failed_state, states)
    catch = _catchers(job, names, failed_state, error, heartbeat=heartbeat is not None, timeout=timeout)
    return CallbackTask(
        comment=_comment(job),
        resource=WAIT_FOR_TOKEN,
        parameters=_token_message(job, rule.queue, _action(job)),
        result_selector={"Output.$": "$"},
        result_path=RESULT,
        timeout_seconds=timeout,
        heartbeat_seconds=heartbeat,
        retry=[asl.Retrier(SQS_TRANSIENT, 2, 3, 2.0)],
        catch=catch,
        next=next_state,
    )


def _confirmed(job: Job, run: JobStates, failed_state: str, rule: CallbackRule) -> JobStates:
    """A manual job whose command runs through another executor: an operator confirms first
    (SendTaskSuccess), or refuses (SendTaskFailure: the job ends abnormally)."""
    names = _Names(run.state)
    # The legacy timeout bounds the run, not the wait for someone to confirm it.
    timeout, heartbeat = _time_limits(rule.timeout_seconds, rule.heartbeat_seconds)
    confirm = CallbackTask(
        comment=f"{_comment(job)}: waits for an operator's confirmation",
        resource=WAIT_FOR_TOKEN,
        parameters=_token_message(job, rule.queue, "confirm"),
        result_path="$.confirmation",
        timeout_seconds=timeout,
        heartbeat_seconds=heartbeat,
        retry=[asl.Retrier(SQS_TRANSIENT, 2, 3, 2.0)],
        catch=[asl.Catcher(["States.ALL"], failed_state)],  # refused, or nobody answered in time
        next=run.entry,
    )
    states = {names.confirm: confirm, **run.states}
    plan = replace(run.plan, confirm_queue=rule.queue)
    return JobStates(entry=names.confirm, state=run.state, states=states, plan=plan)


def _token_message(job: Job, queue: str, action: str) -> dict[str, Any]:
    return {
        "QueueUrl": queue_url(queue),
        "MessageBody": {**_message(job), "action": action, "task_token.$": "$$.Task.Token"},
    }


def _time_limits(timeout: int | None, heartbeat: int | None) -> tuple[int | None, int | None]:
    """TimeoutSeconds and HeartbeatSeconds of a wait for a task token."""
    if heartbeat is not None and timeout is not None and heartbeat >= timeout:
        return timeout, None  # a heartbeat no shorter than the timeout would tell nothing more
    if heartbeat is not None and timeout is None:
        return MAX_TASK_SECONDS, heartbeat  # Step Functions' own default, said beside the heartbeat
    return timeout, heartbeat


def _message(job: Job) -> dict[str, Any]:
    """What a function or a message reader needs to run the job, and where it came from.
    Lists of name/value pairs, not objects: a key ending in `.$` would be read as a path."""
    message: dict[str, Any] = {
        "job": job.path,
        "kind": job.kind,
        "legacy_source": str(job.source) if job.source else "",
        "execution.$": "$$.Execution.Id",
    }
    command = job.command
    if command is not None:
        message["command"] = command.command_line()
        message["arguments"] = command.arguments or ""
        message["environment"] = [{"name": k, "value": v} for k, v in command.environment]
        if command.working_directory:
            message["working_directory"] = command.working_directory
        if command.host:
            message["host"] = command.host
        if command.os_user:
            message["user"] = command.os_user
    if job.event:
        message["event"] = [{"name": k, "value": v} for k, v in sorted(job.event.items())]
    return message


def _legacy_timeout(job: Job) -> int | None:
    return job.timeout.minutes * 60 if job.timeout is not None else None


def _tolerates_timeout(job: Job) -> bool:
    return job.timeout is not None and job.timeout.status_after in ("normal", "warning")


def _catchers(
    job: Job,
    names: _Names,
    failed_state: str,
    error: str,
    *,
    heartbeat: bool = False,
    timeout: int | None = None,
    failed_with_code: str | None = None,
) -> list[asl.Catcher]:
    """Where the Task's errors go: its own time limits first, then a failure that carries an
    exit code (`failed_with_code`), then every other error (`error`). A missed heartbeat means
    the waiter is gone, not that the job ran long: abnormal whatever the legacy setting."""
    if job.end_judgment.mode == "always_normal":
        return [asl.Catcher(["States.ALL"], names.lost)]
    catch: list[asl.Catcher] = []
    if heartbeat:
        catch.append(asl.Catcher(["States.HeartbeatTimeout"], failed_state))
    if (timeout or _legacy_timeout(job)) is not None:
        catch.append(asl.Catcher(["States.Timeout"], names.lost if _tolerates_timeout(job) else failed_state))
    if failed_with_code is not None:
        catch.append(asl.Catcher(["States.TaskFailed"], failed_with_code))
    catch.append(asl.Catcher(["States.ALL"], error))
    return catch


def _error_target(job: Job, names: _Names, failed_state: str, states: dict[str, asl.State]) -> str:
    """Where an error without an exit code goes: the legacy retry when it takes any code (adding
    its Choice to `states`), the failure state otherwise."""
    retry = job.retry
    if retry is None or retry.rc_from is not None or retry.rc_to is not None:
        return failed_state
    states[names.error] = asl.Choice(
        choices=[
            {"Variable": f"$.attempts.{names.state}.n", "NumericLessThan": retry.count, "Next": names.retry}
        ],
        default=failed_state,
    )
    return names.error


def _coded_ending(
    job: Job, names: _Names, code: str, next_state: str, failed_state: str, *, absent_is_normal: bool = True
) -> tuple[str, dict[str, asl.State]]:
    """The judgment of the exit code at `code` and the states recording the outcome; returns
    the state to judge with and the states."""
    run_code = f"$.run.rc.{names.state}"
    states: dict[str, asl.State] = {
        names.ok: asl.Pass(result=0, result_path=run_code, next=next_state),
        names.done: asl.Pass(input_path=code, result_path=run_code, next=next_state),
        names.lost: asl.Pass(result=-1, result_path=run_code, next=next_state),
    }
    mode = job.end_judgment.mode
    choices: list[dict[str, Any]] = []
    if absent_is_normal and mode != "always_abnormal":
        choices.append({"Not": {"Variable": code, "IsPresent": True}, "Next": names.ok})
    choices += _code_judgment(job, code, names.done)
    if job.retry is not None:
        conditions = [*_known(code), {"Not": {"Variable": code, "NumericEquals": 0}}]
        conditions.append({"Variable": f"$.attempts.{names.state}.n", "NumericLessThan": job.retry.count})
        choices.append({"And": conditions + _code_range(job, code), "Next": names.retry})
    if not choices:
        return failed_state, states
    default = names.ok if mode == "always_normal" else failed_state
    states[names.check] = asl.Choice(choices=choices, default=default)
    return names.check, states


def _known(code: str) -> list[dict[str, Any]]:
    return [{"Variable": code, "IsPresent": True}, {"Variable": code, "IsNumeric": True}]


def _code_judgment(job: Job, code: str, done: str) -> list[dict[str, Any]]:
    """Choices sending an exit code on as normal or warning, as `_judgment` does for SSM."""
    end = job.end_judgment
    if end.mode == "always_normal":
        return [{"And": _known(code), "Next": done}]
    if end.mode == "always_abnormal":
        return []
    accepted: dict[str, Any]
    if end.success_codes:
        accepted = {"Or": [{"Variable": code, "NumericEquals": c} for c in [0, *end.success_codes]]}
    elif end.abnormal_threshold > 0:
        accepted = {
            "And": [
                {"Variable": code, "NumericGreaterThanEquals": 0},
                {"Variable": code, "NumericLessThanEquals": end.abnormal_threshold},
            ]
        }
    else:
        accepted = {"Variable": code, "NumericEquals": 0}
    return [{"And": [*_known(code), accepted], "Next": done}]


def _task_job(job: Job, names: _Names, states: dict[str, asl.State], plan: JobPlan) -> JobStates:
    """A Task executor's job: its retry states, and only the states its paths reach."""
    if job.retry is not None:
        states[names.init] = asl.Pass(
            result={"n": 0}, result_path=f"$.attempts.{names.state}", next=names.state
        )
        states.update(_retry_states(job, names))
    entry = entry_of(job, names.state)
    reached = _reachable(entry, states)
    return JobStates(
        entry=entry, state=names.state, states={k: v for k, v in states.items() if k in reached}, plan=plan
    )


def _reachable(entry: str, states: dict[str, asl.State]) -> set[str]:
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        body = states[name].to_dict()
        todo += [body[k] for k in ("Next", "Default") if k in body]
        todo += [c["Next"] for c in (*body.get("Choices", []), *body.get("Catch", []))]
    return seen
