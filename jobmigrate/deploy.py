"""Deploying a converted folder: its CloudFormation stack, created or updated through a change set.

A change set shows what will change before anything does. The steps: read the folder and check
it against CloudFormation's limits (template size, resources and parameters per stack) and the
parameters given; find the stack; create a change set (CREATE for a new stack, UPDATE for an
existing one); wait for it and list its changes; then, unless it is a dry run, execute it and wait
for the stack. A change set without changes is deleted and reported as such, so deploying the
same folder again changes nothing. A stack whose creation rolled back (ROLLBACK_COMPLETE) cannot
be updated: it is deleted and created again.

Problems with the folder or the options raise UsageError or InputError (exit 2); AWS refusing a
call, or a stack that does not end complete, raise DeployError (exit 1), one line each.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from jobmigrate import __version__
from jobmigrate.errors import InputError, UsageError
from jobmigrate.plan import Plan
from jobmigrate.verify.folder import load_plan

# CloudFormation quotas (AWS CloudFormation User Guide, "quotas").
TEMPLATE_BODY_LIMIT = 51_200  # bytes of a template sent inline (TemplateBody)
TEMPLATE_URL_LIMIT = 1_048_576  # bytes of a template read from S3 (TemplateURL)
RESOURCE_LIMIT = 500  # resources in one stack
PARAMETER_LIMIT = 200  # parameters in one template

DEFAULT_REGION = "us-east-1"
NO_CHANGES = "NO_CHANGES"  # status of a deployment that found nothing to change
DRY_RUN = "DRY_RUN"  # status of a dry run that found changes
FAILED = "FAILED"  # status of a change set that could not be executed
_NO_CHANGE_REASONS = ("didn't contain changes", "No updates are to be performed")
_DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
# Stacks in these states need a person before they can be deployed to again.
_STUCK = {
    "DELETE_FAILED": "delete it (its resources may need removing by hand first)",
    "ROLLBACK_FAILED": "delete it (its resources may need removing by hand first)",
    "UPDATE_ROLLBACK_FAILED": "continue its rollback (aws cloudformation continue-update-rollback)",
    "IMPORT_ROLLBACK_FAILED": "continue or repair its import in the CloudFormation console",
}
_IAM_NAME_PROPERTY = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}
_ABSENT = ("404", "NoSuchKey", "NotFound", "403")  # HeadObject of a missing key (403: no ListBucket)
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")


class DeployError(Exception):
    """AWS refused a call, or the stack did not end complete (exit 1). `outcome` is what was
    learnt before, when there was a change set."""

    def __init__(self, message: str, outcome: Outcome | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome


# Reading the folder


class _TemplateLoader(yaml.SafeLoader):
    """CloudFormation YAML: the short forms of intrinsic functions (`!Ref X`, `!GetAtt A.B`,
    `!Sub ...`) are read as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


@dataclass
class Folder:
    """A converted folder as deployment sees it."""

    root: Path
    plan: Plan
    text: str  # template.yaml as written
    template: dict[str, Any]

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template.get("Resources") or {}
        return resources

    @property
    def parameters(self) -> dict[str, Any]:
        parameters: dict[str, Any] = self.template.get("Parameters") or {}
        return parameters


def read_folder(root: Path) -> Folder:
    """The plan and template of a converted folder; InputError when it is not one."""
    path = root / "template.yaml"
    if not path.is_file():
        raise InputError(str(path), 0, 0, "missing (is this a folder written by jobmigrate convert?)")
    plan = load_plan(root)
    text = path.read_text(encoding="utf-8")
    try:
        template = yaml.load(text, Loader=_TemplateLoader)  # a SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise InputError(str(path), line, column, f"not valid YAML: {e.problem}") from None
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise InputError(str(path), 1, 1, "not a CloudFormation template: no Resources")
    return Folder(root=root, plan=plan, text=text, template=template)


def check_limits(folder: Folder, s3_bucket: str | None) -> None:
    """CloudFormation's limits on one stack, checked before any call to AWS."""
    where = folder.root / "template.yaml"
    split = (
        "the folder needs splitting: convert its job-nets into several folders (for example one "
        "per root job group) and deploy each as a stack of its own"
    )
    if len(folder.resources) > RESOURCE_LIMIT:
        raise UsageError(
            f"{where} declares {len(folder.resources)} resources; a stack holds at most "
            f"{RESOURCE_LIMIT}: {split}"
        )
    if len(folder.parameters) > PARAMETER_LIMIT:
        raise UsageError(
            f"{where} declares {len(folder.parameters)} parameters; a template may have at most "
            f"{PARAMETER_LIMIT}: {split}"
        )
    size = folder.size
    if size > TEMPLATE_URL_LIMIT:
        raise UsageError(
            f"{where} is {size:,} bytes; CloudFormation reads at most {TEMPLATE_URL_LIMIT:,} bytes "
            f"even from S3: {split}"
        )
    if size > TEMPLATE_BODY_LIMIT and not s3_bucket:
        raise UsageError(
            f"{where} is {size:,} bytes; CloudFormation accepts at most {TEMPLATE_BODY_LIMIT:,} "
            "inline: give --s3-bucket BUCKET (a bucket in the stack's Region) to deploy it from S3"
        )


def default_stack_name(folder: Folder) -> str:
    """`jobmigrate-<source system>-<folder name>`, in the characters a stack name allows."""
    base = f"jobmigrate-{folder.plan.source_system}-{folder.root.resolve().name}"
    name = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-")
    return name[:128].rstrip("-")


def check_stack_name(name: str) -> None:
    if not _STACK_NAME.fullmatch(name):
        raise UsageError(
            f"--stack-name {name!r}: a stack name starts with a letter and holds only letters, "
            "digits and hyphens (128 at most)"
        )


def parse_parameters(items: tuple[str, ...]) -> dict[str, str]:
    """`--parameter KEY=VALUE` options as a mapping."""
    given: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--parameter {item!r}: expected KEY=VALUE, e.g. HostDb01InstanceId=i-0abc12345")
        if given.get(key, value) != value:
            raise UsageError(f"--parameter {key} is given twice with different values")
        given[key] = value
    return given


def check_parameters(folder: Folder, given: dict[str, str]) -> None:
    """The values given are for parameters of the template, and values it allows."""
    declared = folder.parameters
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise UsageError(f"--parameter {unknown[0]}: template.yaml has no such parameter (it has: {known})")
    for key, value in given.items():
        _check_allowed(key, declared[key] or {}, value)


def resolve_parameters(folder: Folder, given: dict[str, str], previous: set[str]) -> list[dict[str, Any]]:
    """CreateChangeSet's Parameters: the values given; for the others, the stack's previous value
    (`previous`: the keys the stack has) or else the template's default. A parameter without
    any of them is a usage error, as are the values `check_parameters` refuses."""
    check_parameters(folder, given)
    hosts = {h.parameter: h.name for h in folder.plan.hosts if h.parameter}
    values: list[dict[str, Any]] = []
    missing: list[str] = []
    for key, spec in folder.parameters.items():
        if key in given:
            values.append({"ParameterKey": key, "ParameterValue": given[key]})
        elif key in previous:
            values.append({"ParameterKey": key, "UsePreviousValue": True})
        elif "Default" not in (spec or {}):
            missing.append(f"{key} (the EC2 instance of legacy host {hosts[key]})" if key in hosts else key)
    if len(missing) == 1:
        raise UsageError(f"template parameter {missing[0]} has no value: give it as --parameter NAME=VALUE")
    if missing:
        raise UsageError(
            f"template parameters without a value: {', '.join(missing)}; give each as --parameter NAME=VALUE"
        )
    return values


def _check_allowed(key: str, spec: dict[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed and value not in [str(a) for a in allowed]:
        raise UsageError(f"--parameter {key}={value}: not one of {', '.join(map(str, allowed))}")
    pattern = spec.get("AllowedPattern")
    if pattern:
        try:
            matches = re.fullmatch(str(pattern), value) is not None
        except re.error:
            return  # a pattern Python cannot read: CloudFormation will judge
        if not matches:
            description = f" ({spec['Description']})" if spec.get("Description") else ""
            raise UsageError(f"--parameter {key}={value}: does not match {pattern}{description}")


def capabilities(template: dict[str, Any]) -> list[str]:
    """The capabilities CloudFormation requires the caller to acknowledge for this template."""
    needed: set[str] = set()
    for resource in (template.get("Resources") or {}).values():
        kind = str((resource or {}).get("Type", ""))
        if kind.startswith("AWS::IAM::"):
            needed.add("CAPABILITY_IAM")
            if _IAM_NAME_PROPERTY.get(kind, "") in ((resource or {}).get("Properties") or {}):
                needed.add("CAPABILITY_NAMED_IAM")
    if template.get("Transform"):
        needed.add("CAPABILITY_AUTO_EXPAND")
    return sorted(needed)


# What a deployment reports


@dataclass
class Change:
    """One resource change of a change set."""

    action: str  # Add, Modify, Remove, Import, Dynamic
    logical_id: str
    resource_type: str
    replacement: str | None = None  # True, False, Conditional (Modify only)

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "logical_id": self.logical_id,
            "type": self.resource_type,
            "replacement": self.replacement,
        }


@dataclass
class Outcome:
    """What a deployment did. `status` is the stack's final status (CREATE_COMPLETE,
    UPDATE_COMPLETE, or one it failed with: ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE, ...),
    NO_CHANGES, DRY_RUN, or FAILED (the change set could not be executed)."""

    stack: str
    region: str
    status: str
    change_set: str | None = None
    change_set_type: str | None = None  # CREATE or UPDATE
    changes: list[Change] = field(default_factory=list)
    stack_id: str | None = None
    template_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "change_set": self.change_set,
            "changes": [c.to_json() for c in self.changes],
            "status": self.status,
            "change_set_type": self.change_set_type,
            "stack_id": self.stack_id,
            "region": self.region,
            "template_url": self.template_url,
        }


# Talking to AWS


def _one_line(text: str) -> str:
    return " ".join(text.split())


@contextmanager
def _aws(doing: str) -> Iterator[None]:
    """AWS and network errors as one-line DeployErrors saying what was being done."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        code, message = error.get("Code", "Error"), _one_line(str(error.get("Message", "")))
        raise DeployError(f"{doing}: {code}: {message}" if message else f"{doing}: {code}") from None
    except NoCredentialsError:
        raise DeployError(
            f"{doing}: no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY)"
        ) from None
    except EndpointConnectionError as e:
        raise DeployError(f"{doing}: cannot reach {e.kwargs.get('endpoint_url', 'AWS')}") from None
    except BotoCoreError as e:
        raise DeployError(f"{doing}: {_one_line(str(e))}") from None


def _error_message(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Message", ""))


def _is_no_changes(reason: str | None) -> bool:
    return any(text in (reason or "") for text in _NO_CHANGE_REASONS)


def _is_missing_stack(error: Exception) -> bool:
    return "does not exist" in _error_message(error)


@dataclass
class Poll:
    """How often to ask AWS how a change set or stack is doing, and for how long."""

    first: float = 1.0
    factor: float = 1.5
    most: float = 10.0
    change_set_timeout: float = 15 * 60
    stack_timeout: float = 3 * 60 * 60

    def delays(self, timeout: float) -> Iterator[float]:
        """Seconds to sleep before each new look; ends when `timeout` has passed."""
        deadline = time.monotonic() + timeout
        delay = self.first
        while time.monotonic() < deadline:
            yield delay
            delay = min(delay * self.factor, self.most)


def s3_url(bucket: str, key: str, region: str) -> str:
    """The https URL CloudFormation reads a template from (virtual-hosted style, or path style
    for bucket names with dots, which do not fit the certificate)."""
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    if "." in bucket:
        return f"https://s3.{region}.{domain}/{bucket}/{quote(key)}"
    return f"https://{bucket}.s3.{region}.{domain}/{quote(key)}"


class Deployment:
    """One `jobmigrate deploy` run against one stack."""

    def __init__(
        self,
        folder: Folder,
        stack: str,
        region: str,
        endpoint_url: str | None = None,
        say: Callable[[str], None] = lambda text: None,
        poll: Poll | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.folder = folder
        self.stack = stack
        self.region = region
        self.say = say
        self.poll = poll or Poll()
        session = boto3.session.Session(region_name=region)
        config = Config(
            retries={"mode": "standard", "max_attempts": 8},
            user_agent_extra=f"jobmigrate/{__version__}",
            # Local endpoints (moto, LocalStack) answer buckets in the path, not as host names.
            s3={"addressing_style": "path"} if endpoint_url else {},
        )
        try:
            self.cfn = session.client("cloudformation", endpoint_url=endpoint_url, config=config)
            self.s3 = session.client("s3", endpoint_url=endpoint_url, config=config)
        except ValueError as e:  # an endpoint URL or Region botocore cannot use
            option = f"--region {region}" if "region" in str(e).lower() else f"--endpoint-url {endpoint_url}"
            raise UsageError(f"{option}: {e}") from None

    def run(self, given: dict[str, str], s3_bucket: str | None = None, dry_run: bool = False) -> Outcome:
        existing = self._find_stack()
        status = existing["StackStatus"] if existing else None
        recreate = status == "ROLLBACK_COMPLETE"
        if status in _STUCK:
            raise DeployError(f"stack {self.stack} is in {status}: {_STUCK[status]}, then deploy again")
        if status and status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
            raise DeployError(f"stack {self.stack} is busy ({status}); deploy again when it has finished")
        kind = "UPDATE" if existing and status != "REVIEW_IN_PROGRESS" and not recreate else "CREATE"
        previous = {p["ParameterKey"] for p in (existing or {}).get("Parameters") or []}
        if kind != "UPDATE":
            previous = set()
        parameters = resolve_parameters(self.folder, given, previous)
        kept = [p["ParameterKey"] for p in parameters if p.get("UsePreviousValue")]
        if kept:
            self.say(f"keeping the stack's values of {', '.join(kept)} (--parameter to change them)")
        if existing is not None and recreate:
            if dry_run:
                return self._dry_run_of_recreation()
            self.say(
                f"stack {self.stack} is in ROLLBACK_COMPLETE (its creation failed and was rolled back) "
                "and cannot be updated: deleting it to create it again"
            )
            self._delete_stack(existing["StackId"])
        source, url = self._template_source(s3_bucket)
        stack_id = existing["StackId"] if existing is not None and kind == "UPDATE" else None
        return self._change(kind, parameters, source, url, dry_run, stack_id)

    # The steps

    def _find_stack(self) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        with _aws(f"looking up stack {self.stack}"):
            try:
                stacks = self.cfn.describe_stacks(StackName=self.stack)["Stacks"]
            except ClientError as e:
                if _is_missing_stack(e):
                    return None
                raise
        return dict(stacks[0]) if stacks else None

    def _dry_run_of_recreation(self) -> Outcome:
        self.say(
            f"stack {self.stack} is in ROLLBACK_COMPLETE (its creation failed and was rolled back): "
            "a deploy deletes it and creates it again; no change set can be made for it, so the "
            "changes below are the template's resources"
        )
        changes = [Change("Add", k, str(v.get("Type", ""))) for k, v in self.folder.resources.items()]
        return Outcome(self.stack, self.region, DRY_RUN, change_set_type="CREATE", changes=changes)

    def _delete_stack(self, stack_id: str) -> None:
        from botocore.exceptions import ClientError

        with _aws(f"deleting stack {self.stack}"):
            self.cfn.delete_stack(StackName=stack_id)
            for delay in self.poll.delays(self.poll.stack_timeout):
                try:
                    status = self.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
                except ClientError as e:
                    if _is_missing_stack(e):
                        return
                    raise
                if status == "DELETE_COMPLETE":
                    return
                if status == "DELETE_FAILED":
                    raise DeployError(f"deleting stack {self.stack}: DELETE_FAILED; {_STUCK[status]}")
                time.sleep(delay)
        raise DeployError(f"deleting stack {self.stack}: still not deleted; look at it in the console")

    def _template_source(self, s3_bucket: str | None) -> tuple[dict[str, str], str | None]:
        """TemplateBody, or TemplateURL after uploading the template (once: the key is its hash)."""
        if not s3_bucket:
            return {"TemplateBody": self.folder.text}, None
        from botocore.exceptions import ClientError

        body = self.folder.text.encode("utf-8")
        key = f"jobmigrate/{self.stack}/{hashlib.sha256(body).hexdigest()}.yaml"
        with _aws(f"uploading the template to s3://{s3_bucket}/{key}"):
            try:
                self.s3.head_object(Bucket=s3_bucket, Key=key)
                self.say(f"template already in s3://{s3_bucket}/{key}")
            except ClientError as e:
                if str(e.response.get("Error", {}).get("Code")) not in _ABSENT:
                    raise
                self.s3.put_object(Bucket=s3_bucket, Key=key, Body=body, ContentType="application/x-yaml")
                self.say(f"template uploaded to s3://{s3_bucket}/{key}")
        url = s3_url(s3_bucket, key, self.region)
        return {"TemplateURL": url}, url

    def _change(
        self,
        kind: str,
        parameters: list[dict[str, Any]],
        source: dict[str, str],
        url: str | None,
        dry_run: bool,
        stack_id: str | None,
    ) -> Outcome:
        from botocore.exceptions import ClientError

        name = f"jobmigrate-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
        outcome = Outcome(self.stack, self.region, "", name, kind, stack_id=stack_id, template_url=url)
        with _aws(f"creating change set {name} for stack {self.stack}"):
            try:
                created = self.cfn.create_change_set(
                    StackName=self.stack,
                    ChangeSetName=name,
                    ChangeSetType=kind,
                    Parameters=parameters,
                    Capabilities=capabilities(self.folder.template),
                    Description=f"jobmigrate deploy of {self.folder.root.resolve().name}"[:1024],
                    **source,
                )
            except ClientError as e:
                if not _is_no_changes(_error_message(e)):
                    raise
                outcome.status, outcome.change_set = NO_CHANGES, None
                return outcome
        arn, outcome.stack_id = created["Id"], created.get("StackId") or stack_id
        described = self._wait_change_set(arn)
        if described["Status"] == "FAILED":
            reason = _one_line(str(described.get("StatusReason", "")))
            self._discard(arn, kind)
            if _is_no_changes(reason):
                outcome.status = NO_CHANGES
                return outcome
            raise DeployError(f"change set {name} for stack {self.stack} failed: {reason}", outcome)
        outcome.changes = self._changes(arn, described)
        if dry_run:
            self._discard(arn, kind)
            outcome.status = DRY_RUN
            return outcome
        started = described.get("CreationTime")
        try:
            with _aws(f"executing change set {name}"):
                self.cfn.execute_change_set(ChangeSetName=arn)
        except DeployError as e:
            outcome.status = FAILED
            raise DeployError(str(e), outcome) from None
        outcome.status = self._wait_stack(outcome.stack_id or self.stack)
        if outcome.status not in _DONE:
            raise DeployError(self._failure(outcome, started), outcome)
        return outcome

    def _wait_change_set(self, arn: str) -> dict[str, Any]:
        with _aws("waiting for the change set"):
            for delay in self.poll.delays(self.poll.change_set_timeout):
                described: dict[str, Any] = self.cfn.describe_change_set(ChangeSetName=arn)
                if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                    return described
                if described["Status"].startswith("DELETE"):
                    raise DeployError(f"change set {arn} was deleted while it was being made")
                time.sleep(delay)
        raise DeployError(f"change set {arn} still not ready; look at it in the CloudFormation console")

    def _changes(self, arn: str, described: dict[str, Any]) -> list[Change]:
        changes: list[Change] = []
        with _aws("reading the change set"):
            while True:
                for change in described.get("Changes") or []:
                    rc = change.get("ResourceChange") or {}
                    replacement = rc.get("Replacement")
                    changes.append(
                        Change(
                            action=str(rc.get("Action", "")),
                            logical_id=str(rc.get("LogicalResourceId", "")),
                            resource_type=str(rc.get("ResourceType", "")),
                            replacement=str(replacement) if replacement is not None else None,
                        )
                    )
                token = described.get("NextToken")
                if not token:
                    return changes
                described = self.cfn.describe_change_set(ChangeSetName=arn, NextToken=token)

    def _discard(self, arn: str, kind: str) -> None:
        """Delete the change set; after a CREATE one, the empty stack it made too (a stack in
        REVIEW_IN_PROGRESS without change sets), so that a dry run leaves nothing behind."""
        with _aws("deleting the change set"):
            stack_id = self.cfn.describe_change_set(ChangeSetName=arn).get("StackId")
            self.cfn.delete_change_set(ChangeSetName=arn)
            if kind != "CREATE" or not stack_id:
                return
            stack = self.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
            others = [
                s
                for s in self.cfn.list_change_sets(StackName=stack_id).get("Summaries", [])
                if s.get("StackId") == stack_id
            ]
            if stack["StackStatus"] == "REVIEW_IN_PROGRESS" and not others:
                self.cfn.delete_stack(StackName=stack_id)

    def _wait_stack(self, stack_id: str) -> str:
        with _aws(f"waiting for stack {self.stack}"):
            last = ""
            for delay in self.poll.delays(self.poll.stack_timeout):
                status = str(self.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"])
                if not status.endswith("_IN_PROGRESS"):
                    return status
                if status != last:
                    self.say(f"stack {self.stack}: {status}")
                    last = status
                time.sleep(delay)
        raise DeployError(f"stack {self.stack} is still {last}; look at it in the CloudFormation console")

    def _failure(self, outcome: Outcome, since: Any) -> str:
        """The stack's final status and the first resource failures since the change set."""
        reasons: list[str] = []
        with _aws(f"reading the events of stack {self.stack}"):
            events = self.cfn.describe_stack_events(StackName=outcome.stack_id or self.stack)["StackEvents"]
        for event in reversed(events):  # AWS lists the newest first
            if since is not None and event.get("Timestamp") is not None and event["Timestamp"] < since:
                continue
            reason = _one_line(str(event.get("ResourceStatusReason") or ""))
            if str(event.get("ResourceStatus", "")).endswith("_FAILED") and "cancelled" not in reason:
                reasons.append(f"{event.get('LogicalResourceId')} ({event.get('ResourceType')}): {reason}")
        message = f"stack {self.stack} ended {outcome.status}"
        if reasons:
            message += ": " + "; ".join(reasons[:3])
        if outcome.status == "ROLLBACK_COMPLETE":
            message += " (the next deploy deletes the rolled-back stack and creates it again)"
        return message
