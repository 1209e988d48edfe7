"""Executors a planning config selects (--config): AWS Batch, Lambda, SQS task-token callbacks
and hosts mapped to instance ids or tags; the config file, its errors, and the output with none."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from converters import ImportOptions, SourceFile
from converters.neutral import parse as parse_neutral
from jobmigrate import asl, emit, output, planner
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import Command, Edge, EndJudgment, Job, JobNet, Retry, Timeout, Workflow
from jobmigrate.planner.config import DEFAULT, BatchRule, CallbackRule, LambdaRule, PlanningConfig, SsmRule
from jobmigrate.planner.config import load as load_config
from jobmigrate.planner.config import parse as parse_config
from jobmigrate.verify.asl_check import problems

from .conftest import FIXTURES, assert_golden, jobmigrate
from .moto_support import local_aws, published, run_definition
from .test_cli import cfn_lint, tree

HERE = FIXTURES / "executors"
MIXED = HERE / "mixed.yaml"
CONFIG = HERE / "config.yaml"
ARNS = HERE / "arns.json"
NIGHTLY = FIXTURES / "yaml" / "nightly.yaml"
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")
OPTIONS = planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
THRESHOLDS = EndJudgment(warning_threshold=3, abnormal_threshold=8)
BATCH = "executors: [{path: /N/CHECK, use: batch, job_queue: q, job_definition: d}]"
LAMBDA = "executors: [{path: /N/CHECK, use: lambda, function: runner}]"
CALLBACK = "executors: [{path: /N/CHECK, use: callback, queue: ops}]"
Outcome = tuple[str, int]


def config(text: str) -> PlanningConfig:
    return parse_config(text, "config.yaml")


def mixed_plan(config_file: Path = CONFIG) -> planner.Plan:
    source = SourceFile(path="tests/fixtures/executors/mixed.yaml", text=MIXED.read_text(encoding="utf-8"))
    workflow = parse_neutral([source], ImportOptions())
    options = planner.PlanOptions(start=OPTIONS.start, end=OPTIONS.end, config=load_config(str(config_file)))
    return planner.plan(workflow, options)


def mixed() -> dict[str, Any]:
    """The definition as written to statemachines/ (placeholders as ${Key})."""
    resolved: dict[str, Any] = asl.resolve(mixed_plan().definitions["OPS-MIXED"])
    return resolved


def checked(**kw: Any) -> Job:
    return Job(name="CHECK", path="/N/CHECK", command=Command(text="check.sh", host="app01"), **kw)


def planned(first: Job, config_text: str) -> planner.Plan:
    """`first`, then an SSM job AFTER, planned with the config."""
    after = Job(name="AFTER", path="/N/AFTER", command=Command(text="after.sh"))
    net = JobNet(name="N", path="/N", children=[first, after], edges=[Edge(pred=first.name, succ="AFTER")])
    options = planner.PlanOptions(start=OPTIONS.start, end=OPTIONS.end, config=config(config_text))
    return planner.plan(Workflow(source_system="test", children=[net], unit_count=3), options)


def definition(first: Job, config_text: str) -> dict[str, Any]:
    return planned(first, config_text).definitions["N"]


def answers(**by_job: Outcome | list[Outcome]) -> Callable[[str], Outcome]:
    """Outcomes by job name (last path part); a list answers successive runs; others succeed."""
    queues = {k: iter(v) if isinstance(v, list) else None for k, v in by_job.items()}

    def outcome(job: str) -> Outcome:
        name = job.rsplit("/", 1)[-1]
        if name not in by_job:
            return ("Success", 0)
        given = queues[name]
        fixed = by_job[name]
        return next(given) if given is not None else fixed  # type: ignore[return-value]

    return outcome


def run(
    machine: dict[str, Any], outcome: Callable[[str], Outcome], **kw: Any
) -> tuple[dict[str, Any], list[str], Any]:
    with local_aws(outcome, key="job", **kw) as log:
        result = run_definition(machine, "N")
    return result, [j.rsplit("/", 1)[-1] for j in log.jobs], log


def rc(result: dict[str, Any], state: str) -> Any:
    return json.loads(result["output"])["run"]["rc"].get(state)


# --------------------------------------------------------------------------- the config file


def test_config_file_reads_hosts_defaults_and_rules() -> None:
    cfg = load_config(str(CONFIG))
    assert cfg.hosts["db01"].tags == {"Role": "db", "Env": "prod"}
    assert cfg.hosts["app01"].instance_id == "i-0123456789abcdef0"
    assert cfg.host("somewhere-else") == cfg.default_host
    assert [type(r) for r in cfg.executors] == [BatchRule, LambdaRule, CallbackRule, CallbackRule]
    callback = cfg.executors[3]
    assert isinstance(callback, CallbackRule)
    assert (callback.timeout_seconds, callback.heartbeat_seconds) == (3600, 600)


def test_json_config_and_single_values_as_lists() -> None:
    cfg = load_config(str(ARNS))
    assert cfg.executors[0].path == ["/OPS/MIXED/LOAD", "/OPS/MIXED/NOTHING*"]
    assert cfg.executors[1].unit_type == ["QJ"]
    assert cfg.executors[2].kind == ["manual", "event_wait"]


def test_the_documented_example_is_a_valid_config() -> None:
    from jobmigrate.planner import config as module

    assert module.__doc__ is not None
    example = module.__doc__.split("YAML or JSON:\n\n", 1)[1].split("\n\n", 1)[0]
    cfg = config(textwrap.dedent(example))
    assert sorted(cfg.hosts) == ["ap-server01", "batch-pool"] and len(cfg.executors) == 3


def test_an_empty_file_is_the_default() -> None:
    assert config("") == DEFAULT
    assert config("# nothing yet\n") == DEFAULT


HEARTBEAT_TOO_LONG = (
    "executors:\n  - use: callback\n    queue: ops\n    timeout_seconds: 60\n    heartbeat_seconds: 60\n"
)


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("hosts:\n  db01: {instance_id: db01}\n", "2:23", "instance_id: should be an EC2 instance id"),
        (
            "hosts:\n  db01: {instance_id: i-0123456789abcdef0, tags: {A: b}}\n",
            "2:9",
            "either instance_id or tags",
        ),
        ("hosts:\n  db01: {tags: {}}\n", "2:9", "hosts.db01: tags needs at least one"),
        ("hosts:\n  db01: {tags: {'aws:x': y}}\n", "2:9", "reserved"),
        ("hosts:\n  db01: {tags: {'a*b': y}}\n", "2:24", "should be tag keys and values"),
        ("default_host: {instance: i-0123456789abcdef0}\n", "1:26", "default_host.instance: Extra inputs"),
        (
            "executors:\n  - path: /A\n    use: batch\n    job_queue: q\n",
            "2:5",
            "job_definition: Field required",
        ),
        ("executors:\n  - use: docker\n", "2:5", "does not match any of the expected tags"),
        ("executors:\n  - kind: confirm\n    use: ssm\n", "2:11", "kind.0: Input should be 'command'"),
        (
            "executors:\n  - {use: lambda, function: 'no spaces'}\n",
            "2:29",
            "should be a Lambda function name",
        ),
        ("executors:\n  - {use: callback, queue: ops.fifo}\n", "2:28", "no FIFO queues"),
        (HEARTBEAT_TOO_LONG, "2:5", "heartbeat_seconds must be smaller"),
        (
            "executors:\n  - {use: batch, job_queue: q, job_definition: d, array_size: 1}\n",
            "2:63",
            "array_size",
        ),
        ("executors:\n  - use: ssm\n    colour: red\n", "3:13", "Extra inputs"),
        ("hosts: [db01]\n", "1:8", "hosts: Input should be a valid dictionary"),
        ("- use: ssm\n", "1:1", "expected a mapping"),
        ("executors:\n  - use: ssm\n   path: /A\n", "3:4", "not valid YAML or JSON"),
        ('{"executors": [{"use": "lambda"}]}', "1:16", "function: Field required"),
    ],
)
def test_config_errors_say_where(text: str, where: str, says: str) -> None:
    with pytest.raises((InputError, InputErrors)) as caught:
        config(text)
    lines = (
        [str(e) for e in caught.value.errors]
        if isinstance(caught.value, InputErrors)
        else [str(caught.value)]
    )
    assert any(line.startswith(f"config.yaml:{where}: ") and says in line for line in lines), lines


def test_a_missing_config_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_config(str(tmp_path / "nope.yaml"))
    assert str(caught.value).startswith(f"{tmp_path / 'nope.yaml'}:0:0: cannot read")


def test_convert_reports_config_errors_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("hosts:\n  db01: {tags: {}}\nexecutors:\n  - use: lambda\n", encoding="utf-8")
    result = jobmigrate("convert", NIGHTLY, "--from", "yaml", "--config", bad, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:2:9: hosts.db01: tags needs at least one Key: Value",
        f"{bad}:4:5: executors.0.lambda.function: Field required",
    ]
    assert not (tmp_path / "out").exists()


def test_convert_reports_a_missing_config_file(tmp_path: Path) -> None:
    result = jobmigrate("convert", NIGHTLY, "--config", tmp_path / "none.yaml", "--out", tmp_path / "out")
    assert result.returncode == 2 and "none.yaml:0:0: cannot read the planning config" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- selection


def job(path: str = "/A/B/LOAD", unit_type: str = "j", kind: str = "command") -> Job:
    return Job(
        name=path.rsplit("/", 1)[-1], path=path, unit_type=unit_type, kind=kind, command=Command(text="x")
    )  # type: ignore[arg-type]


SELECTION = config(
    """
executors:
  - {path: /A/B/EXACT, use: ssm}
  - {path: "/A/*/LOAD*", use: batch, job_queue: q, job_definition: d}
  - {unit_type: [qj, CMD], use: lambda, function: f}
  - {kind: manual, use: callback, queue: confirm}
  - {unit_type: j, kind: event_wait, use: callback, queue: files}
"""
)


@pytest.mark.parametrize(
    ("candidate", "chosen"),
    [
        (job("/A/B/EXACT", "qj"), "ssm"),  # an exact path listed first beats the unit type
        (job("/A/B/LOAD", "qj"), "batch"),  # a glob listed first beats the unit type
        (job("/A/B/LOADER", "cmd"), "batch"),
        (job("/A/B/OTHER", "QJ"), "lambda"),  # unit types compare without case
        (job("/A/B/OTHER", "cmd"), "lambda"),
        (job("/A/B/OTHER", "pj"), "ssm"),  # nothing matches: the default
        (job("/A/B/OK", "j", "manual"), "callback"),
        (job("/A/B/LOAD", "j", "manual"), "batch"),  # file order, not the kind, decides
        (job("/A/B/W", "j", "event_wait"), "callback"),  # every condition of a rule holds
        (job("/A/B/W", "flwj", "event_wait"), "ssm"),  # ... or the rule does not apply
    ],
)
def test_first_matching_rule_wins(candidate: Job, chosen: str) -> None:
    assert SELECTION.select(candidate).use == chosen


def test_a_rule_without_conditions_takes_every_job() -> None:
    cfg = config("executors: [{use: lambda, function: f}, {path: /A/B/LOAD, use: ssm}]")
    assert isinstance(cfg.select(job()), LambdaRule)
    assert isinstance(DEFAULT.select(job()), SsmRule)


def test_manual_and_event_wait_jobs_need_a_callback_to_be_planned() -> None:
    manual = Job(name="OK", path="/N/OK", kind="manual", command=Command(text="publish.sh"))
    watch = Job(name="W", path="/N/W", kind="event_wait", event={"flwf": "/in.csv"})
    for cfg, codes in [("", {"JM101"}), ("executors: [{kind: manual, use: lambda, function: f}]", {"JM101"})]:
        plan = planned(manual, cfg)
        assert {f.code for f in plan.findings if f.path == "/N/OK"} == codes
        assert plan.jobnets[0].jobs[0].executor == "none"
    plan = planned(watch, "executors: [{kind: event_wait, use: callback, queue: files}]")
    watched = plan.jobnets[0].jobs[0]
    assert (watched.path, watched.executor, watched.queue) == ("/N/W", "callback", "files")
    assert not [f for f in plan.findings if f.severity == "error"]
    assert plan.units.manual_review == 0


def test_a_manual_job_whose_command_also_goes_to_a_callback_sends_one_message() -> None:
    manual = Job(name="OK", path="/N/OK", kind="manual", command=Command(text="publish.sh"))
    states = definition(manual, "executors: [{path: /N/OK, use: callback, queue: ops}]")["States"]
    assert "OK-confirm" not in states
    assert states["OK"]["Parameters"]["MessageBody"]["action"] == "confirm-and-run"


# --------------------------------------------------------------------------- ASL per executor


def test_every_definition_is_valid() -> None:
    for plan in (mixed_plan(), mixed_plan(ARNS)):
        for name, machine in plan.definitions.items():
            assert problems(machine) == [], name


def test_batch_task_shape() -> None:
    states = mixed()["States"]
    load = states["LOAD"]
    assert load["Resource"] == "arn:aws:states:::batch:submitJob.sync"
    assert load["Parameters"] == {
        "JobName": "LOAD",
        "JobQueue": "etl",
        "JobDefinition": "etl-runner",
        "ContainerOverrides": {
            "Command": ["sh", "-c", "cd /srv/etl && load.sh --all"],
            "Environment": [
                {"Name": "TARGET", "Value": "warehouse"},
                {"Name": "JOBMIGRATE_JOB", "Value": "/OPS/MIXED/LOAD"},
            ],
        },
        "Timeout": {"AttemptDurationSeconds": 1800},
    }
    assert load["TimeoutSeconds"] == 1800
    assert [c["ErrorEquals"] for c in load["Catch"]] == [
        ["States.Timeout"],
        ["States.TaskFailed"],
        ["States.ALL"],
    ]
    assert [c["Next"] for c in load["Catch"]] == ["LOAD-notify", "LOAD-exit", "LOAD-notify"]
    assert load["Next"] == "LOAD-ok" and states["LOAD-ok"]["Result"] == 0
    assert states["LOAD-exit"]["Choices"][0]["Next"] == "LOAD-parse"
    assert states["LOAD-parse"]["Parameters"] == {"Output.$": "States.StringToJson($.error.Cause)"}
    assert states["LOAD-done"] == {
        "Type": "Pass",
        "InputPath": "$.command.result.Output.Container.ExitCode",
        "ResultPath": "$.run.rc.LOAD",
        "Next": "CALC",
    }
    arrays = mixed_plan(ARNS).definitions["OPS-MIXED"]["States"]["LOAD"]["Parameters"]
    assert arrays["ArrayProperties"] == {"Size": 4}


def test_lambda_task_shape() -> None:
    states = mixed()["States"]
    calc = states["CALC"]
    assert calc["Resource"] == "arn:aws:states:::lambda:invoke"
    assert calc["Parameters"]["FunctionName"] == "jobmigrate-runner"
    assert calc["Parameters"]["Payload"] == {
        "job": "/OPS/MIXED/CALC",
        "kind": "command",
        "legacy_source": "tests/fixtures/executors/mixed.yaml:26:9",
        "execution.$": "$$.Execution.Id",
        "command": "/opt/calc/run --month",
        "arguments": "--month",
        "environment": [],
        "host": "app01",
    }
    assert calc["ResultSelector"] == {"Output.$": "$.Payload"}
    assert calc["Retry"][0]["ErrorEquals"][0] == "Lambda.ServiceException"
    assert "TimeoutSeconds" not in calc  # no legacy timeout
    check = states["CALC-check"]["Choices"]
    assert check[0] == {
        "Not": {"Variable": "$.command.result.Output.exit_code", "IsPresent": True},
        "Next": "CALC-ok",
    }


def test_callback_task_shape() -> None:
    states = mixed()["States"]
    branch = states["parallel-1"]["Branches"][1]["States"]
    wait = branch["WAITFILE"]
    assert wait["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert (
        wait["Parameters"]["QueueUrl"]
        == "https://sqs.${AwsRegion}.${AwsUrlSuffix}/${AwsAccountId}/ops-events"
    )
    body = wait["Parameters"]["MessageBody"]
    assert body["task_token.$"] == "$$.Task.Token" and body["action"] == "wait"
    assert body["event"] == [{"name": "flwf", "value": "/data/in.csv"}]
    assert (wait["TimeoutSeconds"], wait["HeartbeatSeconds"]) == (3600, 600)
    assert [c["ErrorEquals"] for c in wait["Catch"]] == [
        ["States.HeartbeatTimeout"],
        ["States.Timeout"],
        ["States.ALL"],
    ]
    confirm = branch["APPROVE-confirm"]
    assert confirm["Parameters"]["MessageBody"]["action"] == "confirm"
    assert confirm["Next"] == "APPROVE" and confirm["Catch"][0]["Next"] == "APPROVE-notify"


@pytest.mark.parametrize(
    ("legacy_minutes", "rule", "expected"),
    [
        (None, "", (None, None)),
        (None, "timeout_seconds: 600", (600, None)),
        (5, "timeout_seconds: 60000", (300, None)),  # the job's own timeout first
        (
            5,
            "timeout_seconds: 600, heartbeat_seconds: 400",
            (300, None),
        ),  # a heartbeat >= timeout tells nothing
        (None, "heartbeat_seconds: 300", (99_999_999, 300)),  # said explicitly beside a heartbeat
    ],
)
def test_callback_time_limits(
    legacy_minutes: int | None, rule: str, expected: tuple[int | None, int | None]
) -> None:
    timeout = Timeout(minutes=legacy_minutes) if legacy_minutes else None
    text = f"executors: [{{path: /N/CHECK, use: callback, queue: ops, {rule}}}]"
    task = definition(checked(timeout=timeout), text)["States"]["CHECK"]
    assert (task.get("TimeoutSeconds"), task.get("HeartbeatSeconds")) == expected


def test_tagged_host_finds_its_node_first_and_again_on_retry() -> None:
    first = checked(retry=Retry(count=1, interval_minutes=1))
    states = definition(first, "hosts: {app01: {tags: {Role: app}}}")["States"]
    assert states["CHECK-init"]["Next"] == "CHECK-node"
    node = states["CHECK-node"]
    assert node["Resource"] == "arn:aws:states:::aws-sdk:ssm:describeInstanceInformation"
    assert node["Parameters"]["Filters"] == [
        {"Key": "tag:Role", "Values": ["app"]},
        {"Key": "PingStatus", "Values": ["Online"]},
    ]
    assert states["CHECK-node-check"]["Default"] == "CHECK-notify"
    send = states["CHECK"]["Parameters"]
    assert send["InstanceIds.$"] == "States.Array(States.ArrayGetItem($.node.InstanceIds, 0))"
    assert "InstanceIds" not in send
    assert states["CHECK-retry-wait"]["Next"] == "CHECK-node"


def test_instance_ids_become_parameter_defaults_and_tags_replace_parameters() -> None:
    plan = mixed_plan()
    assert [(h.name, h.parameter, h.instance_id, h.tags) for h in plan.hosts] == [
        ("app01", "HostApp01InstanceId", "i-0123456789abcdef0", None),
        ("db01", None, None, {"Env": "prod", "Role": "db"}),
    ]
    assert [h.tags for h in mixed_plan(ARNS).hosts] == [{"Role": "app"}, {"Role": "db"}]  # default_host


def test_always_normal_jobs_end_normally_whatever_happens() -> None:
    states = definition(checked(end_judgment=EndJudgment(mode="always_normal")), LAMBDA)["States"]
    assert states["CHECK"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "CHECK-lost", "ResultPath": "$.error"}
    ]
    assert states["CHECK-check"]["Default"] == "CHECK-ok"
    assert states["CHECK-lost"]["Result"] == -1


def test_always_abnormal_jobs_fail_even_when_the_task_succeeds() -> None:
    abnormal = checked(end_judgment=EndJudgment(mode="always_abnormal"))
    assert definition(abnormal, BATCH)["States"]["CHECK"]["Next"] == "CHECK-notify"
    assert definition(abnormal, LAMBDA)["States"]["CHECK"]["Next"] == "CHECK-notify"
    result, ran, _ = run(definition(abnormal, CALLBACK), answers())
    assert result["status"] == "FAILED" and ran == ["CHECK"]


def test_plan_json_names_each_jobs_executor() -> None:
    jobs = {j.path.rsplit("/", 1)[-1]: j for j in mixed_plan().jobnets[0].jobs}
    assert {k: j.executor for k, j in jobs.items()} == {
        "EXTRACT": "ssm-run-command",
        "LOAD": "batch",
        "CALC": "lambda",
        "JUDGE": "none",
        "REPORT": "ssm-run-command",
        "APPROVE": "ssm-run-command",
        "WAITFILE": "callback",
    }
    assert (jobs["LOAD"].job_queue, jobs["LOAD"].job_definition) == ("etl", "etl-runner")
    assert jobs["CALC"].function == "jobmigrate-runner"
    assert (jobs["APPROVE"].confirm_queue, jobs["WAITFILE"].queue) == ("ops-confirmations", "ops-events")


# --------------------------------------------------------------------------- running in moto


@pytest.mark.parametrize(
    ("outcome", "continues", "code"),
    [
        (("Success", 0), True, 0),
        (("Failed", 5), True, 5),  # warning: the flow continues
        (("Failed", 8), True, 8),
        (("Failed", 9), False, None),  # abnormal
        (("Failed", -1), False, None),  # the container never ran: no exit code
    ],
)
def test_batch_exit_codes_are_judged(outcome: Outcome, continues: bool, code: int | None) -> None:
    result, ran, log = run(definition(checked(end_judgment=THRESHOLDS), BATCH), answers(CHECK=outcome))
    assert result["status"] == ("SUCCEEDED" if continues else "FAILED")
    assert ran == (["CHECK", "AFTER"] if continues else ["CHECK"])
    if continues:
        assert rc(result, "CHECK") == code
    submitted = log.submitted[0]
    assert (submitted["jobQueue"], submitted["jobDefinition"]) == ("q", "d")
    assert submitted["container_overrides"]["command"] == ["sh", "-c", "check.sh"]


@pytest.mark.parametrize(
    ("outcome", "continues", "code"),
    [
        (("Success", 0), True, 0),  # no exit_code in the function's answer: a normal end
        (("Failed", 0), True, 0),  # exit_code 0
        (("Failed", 3), True, 3),
        (("Failed", 9), False, None),
        (("Failed", -1), False, None),  # the function failed
    ],
)
def test_lambda_exit_codes_are_judged(outcome: Outcome, continues: bool, code: int | None) -> None:
    result, ran, log = run(definition(checked(end_judgment=THRESHOLDS), LAMBDA), answers(CHECK=outcome))
    assert result["status"] == ("SUCCEEDED" if continues else "FAILED")
    assert ran == (["CHECK", "AFTER"] if continues else ["CHECK"])
    if continues:
        assert rc(result, "CHECK") == code
    assert log.payloads[0]["job"] == "/N/CHECK" and log.payloads[0]["command"] == "check.sh"


@pytest.mark.parametrize(
    ("outcome", "continues", "code"),
    [
        (("Success", 0), True, 0),
        (("Failed", 7), True, 7),
        (("Failed", 12), False, None),
        (("Failed", -1), False, None),  # SendTaskFailure
    ],
)
def test_callback_exit_codes_are_judged(outcome: Outcome, continues: bool, code: int | None) -> None:
    result, ran, log = run(definition(checked(end_judgment=THRESHOLDS), CALLBACK), answers(CHECK=outcome))
    assert result["status"] == ("SUCCEEDED" if continues else "FAILED")
    assert ran == (["CHECK", "AFTER"] if continues else ["CHECK"])
    if continues:
        assert rc(result, "CHECK") == code
    message = log.messages[0]
    assert (message["job"], message["action"], message["command"]) == ("/N/CHECK", "run", "check.sh")
    assert message["task_token"]


def test_legacy_retries_rerun_lambda_jobs_within_the_code_range() -> None:
    first = checked(retry=Retry(count=2, interval_minutes=5, rc_from=9, rc_to=9))
    outcome = answers(CHECK=[("Failed", 9), ("Failed", 9), ("Success", 0)])
    result, ran, _ = run(definition(first, LAMBDA), outcome)
    assert result["status"] == "SUCCEEDED" and ran == ["CHECK", "CHECK", "CHECK", "AFTER"]
    result, ran, _ = run(definition(first, LAMBDA), answers(CHECK=("Failed", -1)))
    assert result["status"] == "FAILED" and ran == ["CHECK"]  # an error has no code in the range


def test_legacy_retries_without_a_range_rerun_failed_functions_and_batch_jobs() -> None:
    first = checked(retry=Retry(count=1, interval_minutes=1))
    for cfg in (LAMBDA, BATCH):
        result, ran, _ = run(definition(first, cfg), answers(CHECK=[("Failed", -1), ("Success", 0)]))
        assert result["status"] == "SUCCEEDED" and ran == ["CHECK", "CHECK", "AFTER"], cfg
        result, ran, _ = run(definition(first, cfg), answers(CHECK=("Failed", 4)))
        assert result["status"] == "FAILED" and ran == ["CHECK", "CHECK"], cfg


@pytest.mark.parametrize(("after", "continues"), [("warning", True), ("kill", False)])
def test_callback_timeouts_end_the_job_as_the_legacy_setting_says(after: str, continues: bool) -> None:
    first = checked(timeout=Timeout(minutes=1, status_after=after))  # type: ignore[arg-type]
    result, ran, _ = run(definition(first, CALLBACK), answers(CHECK=("TimedOut", -1)))
    assert result["status"] == ("SUCCEEDED" if continues else "FAILED")
    assert ran == (["CHECK", "AFTER"] if continues else ["CHECK"])
    if continues:
        assert rc(result, "CHECK") == -1


def test_an_event_wait_past_the_configured_timeout_ends_abnormally() -> None:
    watch = Job(name="CHECK", path="/N/CHECK", kind="event_wait", event={"flwf": "/in.csv"})
    cfg = "executors: [{kind: event_wait, use: callback, queue: files, timeout_seconds: 600}]"
    result, ran, log = run(definition(watch, cfg), answers(CHECK=("TimedOut", -1)))
    assert result["status"] == "FAILED" and ran == ["CHECK"]
    assert log.messages[0]["action"] == "wait" and "command" not in log.messages[0]


def test_lambda_timeout_fails_a_job_that_the_legacy_system_killed() -> None:
    first = checked(timeout=Timeout(minutes=1))
    result, ran, _ = run(definition(first, LAMBDA), answers(CHECK=("TimedOut", -1)))
    assert result["status"] == "FAILED" and ran == ["CHECK"]


def test_the_mixed_jobnet_runs_every_executor() -> None:
    result, ran, log = run(mixed(), answers())
    assert result["status"] == "SUCCEEDED"
    assert ran == ["EXTRACT", "LOAD", "CALC", "APPROVE", "WAITFILE"]  # CALC's 0 fails JUDGE (>= 4)
    assert log.confirmations == ["/OPS/MIXED/APPROVE"]
    assert [m["action"] for m in log.messages] == ["confirm", "wait"]
    assert log.messages[1]["event"] == [{"name": "flwf", "value": "/data/in.csv"}]
    assert log.submitted[0]["jobName"] == "LOAD"


def test_judgments_read_exit_codes_from_any_executor() -> None:
    result, ran, _ = run(mixed(), answers(CALC=("Failed", 5)))  # warning from Lambda: JUDGE is true
    assert result["status"] == "SUCCEEDED"
    assert "REPORT" in ran and rc(result, "CALC") == 5
    assert json.loads(result["output"])["run"]["judgment"]["JUDGE"] is True


def test_a_refused_confirmation_ends_the_job_abnormally_without_running_it() -> None:
    with local_aws(answers(), key="job", confirm=lambda job: not job.endswith("/APPROVE")) as log:
        result = run_definition(mixed(), "N")
        messages = published()
    assert result["status"] == "FAILED"
    assert "/OPS/MIXED/APPROVE" not in log.jobs and "publish.sh" not in log.sent
    assert [m["unit"] for m in messages] == ["/OPS/MIXED/APPROVE"]


def test_a_confirmed_manual_job_runs_its_command_through_ssm() -> None:
    result, ran, log = run(mixed(), answers(APPROVE=("Failed", 3)))  # default judgment: abnormal
    assert result["status"] == "FAILED"
    assert log.confirmations == ["/OPS/MIXED/APPROVE"] and ran[-1] == "APPROVE"
    assert "publish.sh" in log.sent


@pytest.fixture
def fleet() -> Iterator[Callable[[dict[str, str]], str]]:
    """Starts EC2 instances with tags inside the harness; returns a function making one."""

    def start(tags: dict[str, str]) -> str:
        ec2 = boto3.client("ec2", region_name="us-east-1")
        spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
        made = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, TagSpecifications=spec)
        return str(made["Instances"][0]["InstanceId"])

    yield start


def test_a_tagged_host_runs_its_job_on_one_node_with_the_tags(fleet: Callable[[dict[str, str]], str]) -> None:
    with local_aws(answers(), key="job") as log:
        fleet({"Role": "db", "Env": "test"})
        wanted = fleet({"Role": "db", "Env": "prod"})
        fleet({"Role": "app", "Env": "prod"})
        result = run_definition(mixed(), "N")
    assert result["status"] == "SUCCEEDED"
    assert log.node_queries[0] == {"tag:Env": ["prod"], "tag:Role": ["db"], "PingStatus": ["Online"]}
    assert log.instances[0] == wanted  # EXTRACT, on db01
    assert log.instances[1] == "i-0123456789abcdef0"  # APPROVE on app01: the instance id given


def test_a_tagged_host_without_an_online_node_fails_the_job(fleet: Callable[[dict[str, str]], str]) -> None:
    with local_aws(answers(), key="job") as log:
        fleet({"Role": "app"})
        result = run_definition(mixed(), "N")
    assert result["status"] == "FAILED"
    assert log.jobs == [] and log.instances == []


# --------------------------------------------------------------------------- templates and the CLI


def test_templates_with_every_executor_pass_cfn_lint(tmp_path: Path) -> None:
    for config_file in (CONFIG, ARNS):
        out = tmp_path / config_file.stem
        output.write_atomically(out, emit.render(mixed_plan(config_file)))
        lint = cfn_lint(out / "template.yaml")
        assert lint.returncode == 0, lint.stdout


def test_each_role_gets_exactly_what_its_executors_use() -> None:
    template = emit.render(mixed_plan())["template.yaml"]
    for wanted in [
        'Default: "i-0123456789abcdef0"',
        '"ssm:resourceTag/Env": "prod"',
        '"ssm:resourceTag/Role": "db"',
        "Action: ssm:DescribeInstanceInformation",
        ':job-queue/etl"',
        ':job-definition/etl-runner:*"',
        "rule/StepFunctionsGetEventsForBatchJobsRule",
        ':function:jobmigrate-runner"',
        ':function:jobmigrate-runner:*"',
        ':sqs:${AWS::Region}:${AWS::AccountId}:ops-confirmations"',
        "AwsUrlSuffix: !Ref AWS::URLSuffix",
    ]:
        assert wanted in template, wanted
    assert "HostDb01InstanceId" not in template  # a tagged host has no instance to name
    arns = emit.render(mixed_plan(ARNS))["template.yaml"]
    assert '- "arn:aws:lambda:ap-northeast-1:123456789012:function:runner:live"' in arns
    assert '- "arn:aws:batch:ap-northeast-1:123456789012:job-definition/etl-runner:7"' in arns
    assert "Parameters:\n" not in arns.split("Resources:")[0]  # every host is tagged
    source = SourceFile(path="tests/fixtures/executors/mixed.yaml", text=MIXED.read_text(encoding="utf-8"))
    plain = emit.render(planner.plan(parse_neutral([source], ImportOptions()), OPTIONS))["template.yaml"]
    assert "batch:" not in plain and "lambda:" not in plain and "sqs:" not in plain


def test_convert_validate_and_simulate_with_a_config(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = jobmigrate("convert", MIXED, "--from", "yaml", "--config", CONFIG, "--out", out, *WINDOW)
    assert result.returncode == 0, result.stderr
    assert jobmigrate("validate", out).returncode == 0
    simulated = jobmigrate("simulate", out, "--jobnet", "/OPS/MIXED", "--scenario", "rc:/OPS/MIXED/CALC=4")
    assert simulated.returncode == 0, simulated.stderr
    report = json.loads(
        jobmigrate(
            "simulate",
            out,
            "--jobnet",
            "/OPS/MIXED",
            "--format",
            "json",
            "--scenario",
            "rc:/OPS/MIXED/LOAD=9",
        ).stdout
    )
    assert report == {"status": "FAILED", "jobs_run": ["/OPS/MIXED/EXTRACT", "/OPS/MIXED/LOAD"]}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hosts: {elsewhere: {tags: {Role: x}}}\nexecutors: [{path: /NOT/HERE, use: lambda, function: f}]\n",
    ],
)
def test_a_config_that_selects_nothing_changes_nothing(tmp_path: Path, text: str) -> None:
    plain = jobmigrate("convert", NIGHTLY, "--from", "yaml", "--out", tmp_path / "plain", *WINDOW)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, encoding="utf-8")
    configured = jobmigrate(
        "convert", NIGHTLY, "--from", "yaml", "--config", cfg, "--out", tmp_path / "configured", *WINDOW
    )
    assert plain.returncode == configured.returncode == 0
    assert tree(tmp_path / "plain") == tree(tmp_path / "configured")


def test_default_output_is_unchanged() -> None:
    source = SourceFile(path="tests/fixtures/yaml/nightly.yaml", text=NIGHTLY.read_text(encoding="utf-8"))
    files = emit.render(planner.plan(parse_neutral([source], ImportOptions()), OPTIONS))
    assert_golden("yaml/nightly/OPS-NIGHTLY.asl.json", files["statemachines/OPS-NIGHTLY.asl.json"])
    assert_golden("yaml/nightly/plan.json", files["plan.json"])
