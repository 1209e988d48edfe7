"""`jobmigrate deploy`: converted folders deployed into a moto server through CloudFormation change
sets, as a user would run it with `--endpoint-url`; and the checks made before any AWS call."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from jobmigrate.deploy import (
    Folder,
    capabilities,
    default_stack_name,
    read_folder,
    resolve_parameters,
    s3_url,
)
from jobmigrate.errors import UsageError

from .conftest import ROOT, jobmigrate

FINANCE = ROOT / "examples" / "jp1" / "finance.ajs"
CRONTAB = ROOT / "examples" / "crontab" / "ops.crontab"
REGION = "us-east-1"
BUCKET = "jobmigrate-templates"
FINANCE_HOSTS = {
    "HostBatch01InstanceId": "i-0123456789abcdef0",
    "HostDb01InstanceId": "i-0123456789abcdef1",
    "HostWinrpt01InstanceId": "i-0123456789abcdef2",
}
CRON_HOST = "HostDefaultInstanceId=i-0fedcba9876543210"


def parameters(values: dict[str, str]) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--parameter", f"{key}={value}")]


def convert(source: Path, out: Path, *options: str) -> Path:
    done = jobmigrate("convert", source, "--out", out, *options)
    assert done.returncode in (0, 1), done.stderr  # 1: findings of severity error, still written
    return out


@pytest.fixture(scope="module")
def crontab_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert(CRONTAB, tmp_path_factory.mktemp("converted") / "ops")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server (its URL), and the environment of the deploy runs: fake credentials, no
    profile or config of the machine's user."""
    from .moto_support import moto_server

    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    with moto_server() as url:
        yield url


def client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION)


def deploy(url: str, folder: Path, *options: str) -> Any:
    return jobmigrate("deploy", folder, "--endpoint-url", url, *options)


def deploy_json(url: str, folder: Path, *options: str) -> dict[str, Any]:
    done = deploy(url, folder, "--format", "json", *options)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def live_stacks(url: str) -> list[dict[str, Any]]:
    return list(client(url, "cloudformation").describe_stacks()["Stacks"])


def stack_of(url: str, name: str) -> dict[str, Any]:
    return dict(client(url, "cloudformation").describe_stacks(StackName=name)["Stacks"][0])


def state_machines(url: str) -> dict[str, dict[str, Any]]:
    sfn = client(url, "stepfunctions")
    found = sfn.list_state_machines()["stateMachines"]
    return {m["name"]: sfn.describe_state_machine(stateMachineArn=m["stateMachineArn"]) for m in found}


def calendar_documents(url: str) -> dict[str, str]:
    ssm = client(url, "ssm")
    wanted = [{"Key": "DocumentType", "Values": ["ChangeCalendar"]}]
    listed = ssm.list_documents(Filters=wanted, MaxResults=50)
    return {d["Name"]: ssm.get_document(Name=d["Name"])["Content"] for d in listed["DocumentIdentifiers"]}


def schedules(url: str) -> dict[str, tuple[str, str]]:
    scheduler = client(url, "scheduler")
    found = {}
    for summary in scheduler.list_schedules()["Schedules"]:
        s = scheduler.get_schedule(Name=summary["Name"])
        found[s["Name"]] = (s["ScheduleExpression"], s["ScheduleExpressionTimezone"])
    return found


def test_finance_from_dry_run_to_update(aws: str, tmp_path: Path) -> None:
    folder = convert(FINANCE, tmp_path / "finance")
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    template = read_folder(folder)
    client(aws, "s3").create_bucket(Bucket=BUCKET)
    options = ["--s3-bucket", BUCKET, *parameters(FINANCE_HOSTS)]
    assert template.size > 51_200  # the inline limit: it goes through S3

    # A dry run before the stack exists shows every resource to add and creates nothing.
    done = deploy(aws, folder, "--dry-run", *options)
    assert done.returncode == 0, done.stderr
    assert "dry run" in done.stdout
    assert f"{len(template.resources)} to add" in done.stdout
    assert live_stacks(aws) == []
    assert state_machines(aws) == {}
    assert calendar_documents(aws) == {}

    # The deployment: one state machine per definition file, the calendars, the schedules.
    result = deploy_json(aws, folder, *options)
    assert result["stack"] == "jobmigrate-jp1-finance"
    assert result["status"] == "CREATE_COMPLETE"
    assert result["template_url"].startswith(f"https://{BUCKET}.s3.{REGION}.amazonaws.com/")
    assert sorted(c["logical_id"] for c in result["changes"]) == sorted(template.resources)
    assert {c["action"] for c in result["changes"]} == {"Add"}
    stack = stack_of(aws, "jobmigrate-jp1-finance")
    assert stack["StackStatus"] == "CREATE_COMPLETE"

    deployed = state_machines(aws)
    names = {n["state_machine"] for n in plan["jobnets"] + plan["nested_machines"]}
    files = {p.name.removesuffix(".asl.json") for p in folder.glob("statemachines/*.asl.json")}
    assert set(deployed) == names == files
    for net in plan["jobnets"] + plan["nested_machines"]:
        text = deployed[net["state_machine"]]["definition"]
        written = json.loads((folder / net["asl"]).read_text(encoding="utf-8"))
        assert json.loads(text)["StartAt"] == written["StartAt"]
        assert "${Host" not in text and "${FailureTopicArn}" not in text  # substituted on deployment
        assert any(instance in text for instance in FINANCE_HOSTS.values())

    calendars = calendar_documents(aws)
    assert set(calendars) == {c["name"] for c in plan["calendars"]}
    for c in plan["calendars"]:
        assert calendars[c["name"]] == (folder / c["file"]).read_bytes().decode("utf-8")

    triggers = {(t["expression"], t["timezone"]) for n in plan["jobnets"] for t in n["triggers"]}
    assert set(schedules(aws).values()) == triggers

    # The same folder again: no changes, nothing touched.
    cfn = client(aws, "cloudformation")
    events = cfn.describe_stack_events(StackName="jobmigrate-jp1-finance")["StackEvents"]
    done = deploy(aws, folder, *options)
    assert done.returncode == 0, done.stderr
    assert "no changes" in done.stdout
    again = stack_of(aws, "jobmigrate-jp1-finance")
    assert again["StackStatus"] == "CREATE_COMPLETE"
    assert again.get("LastUpdatedTime") == stack.get("LastUpdatedTime")
    assert cfn.describe_stack_events(StackName="jobmigrate-jp1-finance")["StackEvents"] == events
    assert {n: m["creationDate"] for n, m in state_machines(aws).items()} == {
        n: m["creationDate"] for n, m in deployed.items()
    }
    # The empty change set was deleted (moto, unlike AWS, also lists the executed one).
    left = cfn.list_change_sets(StackName="jobmigrate-jp1-finance")["Summaries"]
    assert [s["ExecutionStatus"] for s in left] == ["EXECUTE_COMPLETE"]

    # Converted again with EventBridge rules: the update swaps schedules for rules, and the
    # instance ids given before are kept.
    convert(FINANCE, folder, "--trigger", "rule")
    done = deploy(aws, folder, "--s3-bucket", BUCKET, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "keeping the stack's values of HostBatch01InstanceId" in " ".join(done.stderr.split())
    result = json.loads(done.stdout)
    assert result["status"] == "UPDATE_COMPLETE"
    assert result["change_set_type"] == "UPDATE"
    actions = {(c["action"], c["type"]) for c in result["changes"]}
    assert {("Remove", "AWS::Scheduler::Schedule"), ("Add", "AWS::Events::Rule")} <= actions
    assert schedules(aws) == {}
    rules = client(aws, "events").list_rules()["Rules"]
    assert len(rules) == len(triggers)
    assert stack_of(aws, "jobmigrate-jp1-finance")["StackStatus"] == "UPDATE_COMPLETE"
    assert set(state_machines(aws)) == names
    kept = stack_of(aws, "jobmigrate-jp1-finance")["Parameters"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in kept} == FINANCE_HOSTS


def test_crontab_inline_template_and_parameters(aws: str, crontab_folder: Path) -> None:
    # A host parameter without a value: a usage error, before anything is created.
    done = deploy(aws, crontab_folder, "--stack-name", "ops")
    assert done.returncode == 2
    assert "HostDefaultInstanceId" in done.stderr and "--parameter" in done.stderr
    assert "Traceback" not in done.stderr
    done = deploy(aws, crontab_folder, "--stack-name", "ops", "--parameter", "HostDefaultInstanceId=web01")
    assert done.returncode == 2
    assert "does not match" in done.stderr
    assert live_stacks(aws) == []

    result = deploy_json(aws, crontab_folder, "--stack-name", "ops", "--parameter", CRON_HOST)
    assert result["status"] == "CREATE_COMPLETE"
    assert result["template_url"] is None  # small enough to go inline
    plan = json.loads((crontab_folder / "plan.json").read_text(encoding="utf-8"))
    assert set(state_machines(aws)) == {n["state_machine"] for n in plan["jobnets"]}

    again = deploy_json(aws, crontab_folder, "--stack-name", "ops", "--parameter", CRON_HOST)
    assert again["status"] == "NO_CHANGES"
    assert again["changes"] == []

    # Another instance for the host: an update of what uses the parameter.
    other = "HostDefaultInstanceId=i-0123456789abcdef9"
    result = deploy_json(aws, crontab_folder, "--stack-name", "ops", "--parameter", other)
    assert result["status"] == "UPDATE_COMPLETE"  # (moto lists no changes when only parameters change)
    assert all("i-0123456789abcdef9" in m["definition"] for m in state_machines(aws).values())


def test_rolled_back_stack_is_deleted_and_created_again(aws: str, crontab_folder: Path) -> None:
    from moto.cloudformation.models import cloudformation_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    options = ["--stack-name", "ops", "--parameter", CRON_HOST]
    first = deploy_json(aws, crontab_folder, *options)
    # moto never rolls back; the server runs in this process, so its stack can be made to look so.
    for stack in cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION].stacks.values():
        stack.status = "ROLLBACK_COMPLETE"

    done = deploy(aws, crontab_folder, "--dry-run", *options)
    assert done.returncode == 0, done.stderr
    assert "deletes it and creates it again" in " ".join(done.stderr.split())
    assert stack_of(aws, "ops")["StackId"] == first["stack_id"]

    done = deploy(aws, crontab_folder, "--format", "json", *options)
    assert done.returncode == 0, done.stderr
    assert "deleting it to create it again" in " ".join(done.stderr.split())
    result = json.loads(done.stdout)
    assert result["status"] == "CREATE_COMPLETE"
    assert result["stack_id"] != first["stack_id"]
    assert stack_of(aws, "ops")["StackStatus"] == "CREATE_COMPLETE"


def test_aws_errors_are_one_line_and_exit_1(aws: str, crontab_folder: Path) -> None:
    done = deploy(aws, crontab_folder, "--parameter", CRON_HOST, "--s3-bucket", "no-such-bucket")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("jobmigrate: uploading the template")
    assert "NoSuchBucket" in done.stderr
    assert "Traceback" not in done.stderr


# Checks made before any call to AWS (no server: they must not need one).


def copy_of(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


@pytest.mark.parametrize(
    ("prepare", "options", "message"),
    [
        (lambda f: (f / "template.yaml").unlink(), [], "template.yaml:0:0: missing"),
        (lambda f: (f / "plan.json").unlink(), [], "plan.json:0:0: cannot read"),
        (lambda f: (f / "template.yaml").write_text("a: [\n"), [], "not valid YAML"),
        (
            lambda f: (f / "template.yaml").write_text(
                (f / "template.yaml").read_text(encoding="utf-8") + "#" * 51_200 + "\n", encoding="utf-8"
            ),
            [],
            "--s3-bucket",
        ),
        (
            lambda f: (f / "template.yaml").write_text(
                "Resources:\n" + "".join(f"  Topic{i}:\n    Type: AWS::SNS::Topic\n" for i in range(501)),
                encoding="utf-8",
            ),
            [],
            "needs splitting",
        ),
        (lambda f: None, ["--parameter", "HostDefaultInstanceId"], "expected KEY=VALUE"),
        (lambda f: None, ["--parameter", "NoSuchParameter=1"], "no such parameter"),
        (lambda f: None, ["--stack-name", "1-bad_name"], "a stack name starts with a letter"),
    ],
)
def test_bad_folders_and_options_exit_2(
    crontab_folder: Path, tmp_path: Path, prepare: Any, options: list[str], message: str
) -> None:
    folder = copy_of(crontab_folder, tmp_path)
    prepare(folder)
    # An endpoint nobody listens on: reaching it would be a bug, and would show as exit 1.
    done = jobmigrate("deploy", folder, "--endpoint-url", "http://127.0.0.1:9", *options)
    assert done.returncode == 2, done.stderr
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_helpers(crontab_folder: Path) -> None:
    folder = read_folder(crontab_folder)
    assert default_stack_name(folder) == "jobmigrate-crontab-ops"
    renamed = Folder(root=Path("/x/財務 batch_2027"), plan=folder.plan, text="", template={})
    assert default_stack_name(renamed) == "jobmigrate-crontab-batch-2027"
    assert capabilities(folder.template) == ["CAPABILITY_IAM"]
    named = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}}
    assert capabilities(named) == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
    assert s3_url("b", "k/1.yaml", "ap-northeast-1") == "https://b.s3.ap-northeast-1.amazonaws.com/k/1.yaml"
    assert s3_url("a.b", "k", "cn-north-1") == "https://s3.cn-north-1.amazonaws.com.cn/a.b/k"
    # Updates keep the stack's values of parameters not given; creation needs them all.
    kept = resolve_parameters(folder, {}, {"HostDefaultInstanceId"})
    assert kept == [{"ParameterKey": "HostDefaultInstanceId", "UsePreviousValue": True}]
    with pytest.raises(UsageError, match="legacy host default"):
        resolve_parameters(folder, {}, set())


# What moto cannot show: a stack that fails and rolls back, or one left needing a person.


class RollingBack:
    """CloudFormation whose stack creation fails and rolls back (moto's never do)."""

    def __init__(self, status: str | None = None) -> None:
        self.status = status

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        if self.status is None:
            error = {"Code": "ValidationError", "Message": f"Stack with id {StackName} does not exist"}
            raise ClientError({"Error": error}, "DescribeStacks")
        return {"Stacks": [{"StackName": StackName, "StackId": "stack-id", "StackStatus": self.status}]}

    def create_change_set(self, **kwargs: Any) -> dict[str, str]:
        self.status = "REVIEW_IN_PROGRESS"
        return {"Id": "change-set-arn", "StackId": "stack-id"}

    def describe_change_set(self, ChangeSetName: str) -> dict[str, Any]:
        change = {"Action": "Add", "LogicalResourceId": "FailureTopic", "ResourceType": "AWS::SNS::Topic"}
        return {"Status": "CREATE_COMPLETE", "StackId": "stack-id", "Changes": [{"ResourceChange": change}]}

    def execute_change_set(self, ChangeSetName: str) -> None:
        self.status = "ROLLBACK_COMPLETE"

    def describe_stack_events(self, StackName: str) -> dict[str, Any]:
        def event(logical_id: str, status: str, reason: str = "") -> dict[str, str]:
            return {
                "LogicalResourceId": logical_id,
                "ResourceType": "AWS::SNS::Topic" if logical_id == "FailureTopic" else "AWS::IAM::Role",
                "ResourceStatus": status,
                "ResourceStatusReason": reason,
            }

        return {  # the newest first, as AWS lists them
            "StackEvents": [
                event("FailureTopic", "DELETE_COMPLETE"),
                event("SchedulerRole", "CREATE_FAILED", "Resource creation cancelled"),
                event("FailureTopic", "CREATE_FAILED", "Topic limit exceeded"),
                event("FailureTopic", "CREATE_IN_PROGRESS"),
            ]
        }


def test_a_failed_creation_says_why_and_exits_1(crontab_folder: Path) -> None:
    from jobmigrate.deploy import DeployError, Deployment

    deployment = Deployment(read_folder(crontab_folder), "ops", REGION)
    deployment.cfn = RollingBack()
    with pytest.raises(DeployError) as failed:
        deployment.run({"HostDefaultInstanceId": "i-0123456789abcdef0"})
    message = str(failed.value)
    assert "ended ROLLBACK_COMPLETE" in message
    assert "FailureTopic (AWS::SNS::Topic): Topic limit exceeded" in message
    assert "cancelled" not in message
    assert "creates it again" in message
    assert failed.value.outcome is not None
    assert failed.value.outcome.status == "ROLLBACK_COMPLETE"
    assert [c.logical_id for c in failed.value.outcome.changes] == ["FailureTopic"]


@pytest.mark.parametrize(
    ("status", "advice"),
    [("UPDATE_ROLLBACK_FAILED", "continue-update-rollback"), ("UPDATE_IN_PROGRESS", "busy")],
)
def test_a_stack_needing_attention_is_left_alone(crontab_folder: Path, status: str, advice: str) -> None:
    from jobmigrate.deploy import DeployError, Deployment

    deployment = Deployment(read_folder(crontab_folder), "ops", REGION)
    deployment.cfn = RollingBack(status)
    with pytest.raises(DeployError, match=advice):
        deployment.run({"HostDefaultInstanceId": "i-0123456789abcdef0"})
    assert deployment.cfn.status == status
