"""Writing a Plan out: Jinja templates for every file, atomically into the output folder.

Templates hold layout only; this module prepares what they show (logical ids, names, JSON).
The folder is built beside the target and moved into place, so a failure leaves either the
previous folder or nothing, never half of a new one.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import terraform
from .model import Workflow
from .output import Definition, Files, Memory
from .plan import JobNetPlan, Plan, Resource, executor_resources
from .report import build as build_report

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def environment(override: Path | None = None) -> jinja2.Environment:
    """Templates from `override` first (users' copies), then the ones shipped with jobmigrate."""
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.FileSystemLoader(str(shipped_templates())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": True}
    env.filters["yaml_str"] = yaml_str
    env.filters["plain"] = plain
    env.filters["md"] = markdown_text
    env.filters["describe"] = _describe
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs, as Python keeps .pyc files (keyed by each template's
    name and text, so edited or users' templates are compiled anew): compiling the shipped ones
    took a tenth of a second of every conversion. None where no cache folder can be made."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "jobmigrate" / f"jinja-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def shipped_templates() -> Path:
    """The templates installed with the package (a real folder in wheels and editable installs)."""
    return Path(str(importlib.resources.files("jobmigrate.templates")))


def _describe(expression: str, timezone: str | None = None, lang: str = "en") -> str:
    from .describe import describe

    return describe(expression, timezone, "ja" if lang == "ja" else "en")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def markdown_text(value: object) -> str:
    """Legacy text in one Markdown table cell or list item: line breaks become spaces, other
    control characters a replacement mark, and pipes and backticks cannot end the cell or code."""
    text = _CONTROL.sub(lambda m: " " if m.group(0) in "\n\r\t" else "\ufffd", str(value))
    return text.replace("|", "\\|").replace("`", "'")


def plain(value: object) -> str:
    """Free text for a template field that CloudFormation does not substitute (descriptions):
    a legacy `${` is written `$ {` so that linters do not take it for a reference."""
    return str(value).replace("${", "$ {")


def yaml_str(value: object) -> str:
    """A YAML scalar that can hold any text: JSON string syntax is valid YAML."""
    return json.dumps(str(value), ensure_ascii=True)


def logical_id(prefix: str, name: str) -> str:
    """CloudFormation logical id: alphanumeric; a hash keeps ids unique when cleaning merges names."""
    cleaned = _NOT_ALNUM.sub("", name)
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:6].upper()
    return f"{prefix}{cleaned[:200]}{digest}"


@dataclass(frozen=True, slots=True)
class MachineView:
    net: JobNetPlan
    logical_id: str
    role_id: str
    definition: Definition  # serialised as deployed: legacy `${` protected
    documents: list[str]
    calendar_ids: list[str]
    host_parameters: list[str]
    schedules: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    events: list[dict[str, Any]]
    starts: list[dict[str, str]]
    # What the executors a planning config selects use; empty without one.
    tag_targets: list[tuple[tuple[str, str], ...]]  # the tags of each tagged host its jobs run on
    batch: list[str]  # job queue and job definition ARNs (YAML scalars)
    functions: list[str]  # Lambda function ARNs (YAML scalars)
    queues: list[str]  # SQS queue ARNs (YAML scalars)
    # A join state machine (Plan.join_machines): the job-net it starts, the ones it lists the
    # executions of, the state machines whose executions it reads, and its definition
    # substitutions, each {"key", "logical_id", "name"}. None for the others.
    join: dict[str, Any] | None = None


def _machine_views(plan: Plan, files: Files) -> list[MachineView]:
    views = []
    for net in [*plan.jobnets, *plan.nested_machines, *plan.join_machines]:
        lid = logical_id("StateMachine", net.state_machine)
        schedules = []
        for i, t in enumerate(x for x in net.triggers if x.kind == "schedule"):
            payload: dict[str, Any] = {"scheduled_time": "<aws.scheduler.scheduled-time>"}
            if t.calendars:
                payload["calendars"] = t.calendars
            if net.business_day is not None:  # read by joins to date the run
                payload["business_day"] = net.business_day.model_dump()
            numbers = ", ".join(str(r) for r in t.rules)
            schedules.append(
                {
                    "logical_id": logical_id("Schedule", f"{net.state_machine}-{i}"),
                    "name": _schedule_name(net.state_machine, i),
                    "expression": t.expression,
                    "timezone": t.timezone,
                    "description": f"{net.path} rule {numbers}" if numbers else net.path,
                    "input": json.dumps(payload, sort_keys=True),
                }
            )
        rules = []
        for i, t in enumerate(x for x in net.triggers if x.kind == "rule"):
            # A rule's event carries the scheduled minute in `time`; pass it on as the schedule
            # time the gate evaluates. An unquoted placeholder inserts the value as JSON.
            template = '{"scheduled_time": <time>' + (
                ', "calendars": ' + json.dumps(t.calendars) if t.calendars else ""
            )
            if net.business_day is not None:
                template += ', "business_day": ' + json.dumps(net.business_day.model_dump(), sort_keys=True)
            rules.append(
                {
                    "logical_id": logical_id("Rule", f"{net.state_machine}-{i}"),
                    "name": _schedule_name(net.state_machine, i),
                    "expression": t.expression,
                    "description": f"{net.path} (UTC)",
                    "input_template": template + "}",
                }
            )
        patterns = [(t.pattern, t.description) for t in net.triggers if t.kind == "event" and t.pattern]
        events = [
            {
                "logical_id": logical_id("Chain", f"{net.state_machine}-{i}"),
                "statuses": pattern["detail"]["status"],
                "after": [logical_id("StateMachine", m) for m in pattern["detail"]["stateMachineArn"]],
                "description": description or net.path,
            }
            for i, (pattern, description) in enumerate(patterns)
        ]
        views.append(
            MachineView(
                net=net,
                logical_id=lid,
                role_id=lid + "Role",
                definition=files.definition(net.state_machine),
                documents=sorted({j.document for j in net.jobs if j.document}),
                calendar_ids=[logical_id("Calendar", c) for c in net.calendars],
                host_parameters=sorted({p for j in net.jobs if j.host and (p := _host_param(plan, j.host))}),
                schedules=schedules,
                rules=rules,
                events=events,
                starts=[
                    {"key": key, "logical_id": logical_id("StateMachine", child), "name": child}
                    for key, child in sorted(net.starts.items())
                ],
                **_executor_resources(plan, net),
                join=_join_view(net),
            )
        )
    return views


def _join_view(net: JobNetPlan) -> dict[str, Any] | None:
    if net.join is None:
        return None
    join = net.join

    def machine(name: str, key: str = "") -> dict[str, str]:
        return {"key": key, "logical_id": logical_id("StateMachine", name), "name": name}

    return {
        "start": machine(join.starts),
        "lists": [machine(n) for n in sorted({w.state_machine for w in join.waits_for})],
        "reads": join.reads,
        "substitutions": [machine(name, key) for key, name in sorted(join.substitutions.items())],
    }


def _host_param(plan: Plan, host: str) -> str | None:
    return next(h.parameter for h in plan.hosts if h.name == host)


def _executor_resources(plan: Plan, net: JobNetPlan) -> dict[str, Any]:
    """What the role of `net`'s state machine needs for the executors other than SSM on named
    instances, each resource as a YAML scalar."""
    tags = {h.name: sorted(h.tags.items()) for h in plan.hosts if h.tags}
    return {
        "tag_targets": sorted({tuple(tags[j.host]) for j in net.jobs if j.host in tags}),
        **{kind: sorted({_resource(r) for r in found}) for kind, found in executor_resources(net).items()},
    }


def _resource(r: Resource) -> str:
    """A resource as a YAML scalar: the ARN given, or a `!Sub` in this stack's partition, region
    and account."""
    if r.given is not None:
        return yaml_str(r.given)
    return "!Sub " + yaml_str(
        f"arn:${{AWS::Partition}}:{r.service}:${{AWS::Region}}:${{AWS::AccountId}}:{r.path}"
    )


def _schedule_name(machine: str, index: int) -> str:
    """Scheduler names: at most 64 characters of `[0-9A-Za-z_.-]`."""
    suffix = f"-{index}"
    if len(machine) + len(suffix) <= 64:
        return machine + suffix
    digest = hashlib.sha1(machine.encode()).hexdigest()[:8]
    return f"{machine[: 64 - len(suffix) - 9]}-{digest}{suffix}"


def render(plan: Plan, templates: Path | None = None, *, workflow: Workflow | None = None) -> dict[str, str]:
    """Every output file, path relative to the output folder -> text (see `write`)."""
    files = Memory(plan.definitions)
    write(plan, files, templates, workflow=workflow)
    return files.texts


def write(
    plan: Plan,
    files: Files,
    templates: Path | None = None,
    *,
    workflow: Workflow | None = None,
) -> None:
    """Every output file into `files`. Templates stream into it, so even template.yaml of a
    large conversion never sits whole in memory. `workflow`, the IR the plan was made from, gives
    the report its graphs, legacy rules, runs and calendars."""
    env = environment(templates)
    machines = _machine_views(plan, files)
    calendars = [{"plan": c, "logical_id": logical_id("Calendar", c.name)} for c in plan.calendars]
    context = {
        "plan": plan,
        # Hosts mapped to tags have no instance to name.
        "parameter_hosts": [h for h in plan.hosts if h.parameter],
        "machines": machines,
        "calendars": calendars,
        "failure_topic": any(m.net.notifies_failures for m in machines),
    }

    files.write("plan.json", plan.json_chunks())
    files.write("template.yaml", env.get_template("template.yaml.j2").generate(context))
    for rel, text in terraform.render(env, context).items():
        files.write(rel, [text])
    for c in plan.calendars:
        files.write(c.file, [c.ics])
    with_report = {**context, "report": build_report(plan, workflow)}
    for name in ("report.md", "report.html"):
        files.write(name, env.get_template(f"{name}.j2").generate(with_report))
