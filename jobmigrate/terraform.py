"""The Terraform rendering (`terraform/*.tf`) of the resources template.yaml declares.

Layout lives in templates/terraform/*.tf.j2; this module prepares what they show. Two rules
keep legacy text from turning into Terraform code:

* every string that may hold legacy text (names, descriptions, paths, tags, ARNs built from
  them) is written by `hcl_string` (the `hcl` filter) or, inside a string that also holds our
  own interpolations, by `hcl_template`: both escape through `_escape`, so `${` and `%{` stay
  text and quotes, backslashes and control characters cannot end the string;
* resource labels are the CloudFormation logical ids of the same resources, checked to be
  identifiers and unique, so a reviewer finds a resource under one name in both renderings.

State machine definitions are not embedded: each `aws_sfn_state_machine` reads its
statemachines/<name>.asl.json with `file()` and fills in our `${Key}` placeholders with
`replace()`, legacy `${` (written `${Dollar}{`) last, as CloudFormation's
DefinitionSubstitutions would.

One difference no escaping can remove: Terraform normalises every string it reads, file()
included, to Unicode NFC, so legacy text in decomposed form (a kana and a separate combining
sound mark) reaches AWS composed; CloudFormation passes it as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2

from . import asl
from .plan import JobNetPlan, Resource, executor_resources

if TYPE_CHECKING:  # emit imports this module to call render()
    from .emit import MachineView

FILES = ("providers.tf", "variables.tf", "calendars.tf", "iam.tf", "state_machines.tf", "triggers.tf")
INSTANCE_ID = "^i-[0-9a-f]{8,17}$"  # as template.yaml's AllowedPattern for the host parameters

# HCL's own escapes; every other control character (and the line separators some editors break
# lines at) as \uNNNN, which HCL reads back as the same character. HCL has no \b or \f.
_ESCAPES: dict[int, str] = {
    **{c: f"\\u{c:04x}" for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]},
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}
_NEEDS_ESCAPE = re.compile("[" + "".join(re.escape(chr(c)) for c in _ESCAPES) + "]|[$%]\\{")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Our own interpolations in ARNs: the partition, region and account of the deployment.
PARTITION = "local.partition"
REGION = "local.region"
ACCOUNT = "local.account_id"


def _escape(text: str) -> str:
    """The inside of an HCL quoted string that reads back as exactly `text`.

    `${` and `%{` open template sequences. HCL's own escapes for them, `$${` and `%%{`, are
    mis-read by python-hcl2 (and so by the scanners built on it) when no `}` follows in the
    same string: `"$${"` swallows the next line. The `$` or `%` is written `\u0024` or `\u0025`
    instead, which Terraform reads as the literal character and every parser reads as text."""
    if not _NEEDS_ESCAPE.search(text):  # most names and every ARN piece: nothing to do
        return text
    return text.translate(_ESCAPES).replace("${", "\\u0024{").replace("%{", "\\u0025{")


def hcl_string(value: object) -> str:
    """Any text as an HCL quoted string literal (the `hcl` filter)."""
    return f'"{_escape(str(value))}"'


@dataclass(frozen=True, slots=True)
class Ref:
    """An HCL expression of ours (a reference), interpolated into a `hcl_template` string."""

    expression: str


def hcl_template(*parts: str | Ref) -> str:
    """An HCL quoted string of literal text (escaped) and our own interpolations."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, Ref):
            if out and out[-1].endswith("$"):
                # `$` + `${` would read as the escape `$${`: the text's `$` as `\u0024`.
                out[-1] = out[-1][:-1] + "\\u0024"
            out.append(f"${{{part.expression}}}")
        else:
            out.append(_escape(part))
    return '"' + "".join(out) + '"'


def arn(service: str, *resource: str | Ref, account: bool = True) -> str:
    """An ARN in the deployment's partition and region (and account), as template.yaml's
    `!Sub "arn:${AWS::Partition}:..."`; `resource` is literal text and references."""
    owner = (Ref(ACCOUNT),) if account else ()
    return hcl_template("arn:", Ref(PARTITION), f":{service}:", Ref(REGION), ":", *owner, ":", *resource)


def label(name: str) -> str:
    """A resource label, variable or reference name: it is spliced into HCL unquoted."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a Terraform identifier: {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class Substitution:
    key: str  # the placeholder `${key}` in the .asl.json file
    value: str  # HCL expression


@dataclass(frozen=True, slots=True)
class TerraformMachine:
    """One state machine with what its Terraform rendering needs beyond `MachineView`: every
    field holding HCL is an expression ready to print."""

    view: MachineView
    label: str
    role: str  # label of its aws_iam_role and aws_iam_role_policy
    definition: str  # HCL expression: its .asl.json with the substitutions made
    starts: list[tuple[str, str]]  # nested machine label, execution ARN pattern (HCL)
    calendar_arns: list[str]
    send_command: list[str]  # documents and instances (HCL)
    tag_targets: list[list[tuple[str, str]]]  # (condition key, value) as HCL strings
    batch: list[str]
    functions: list[str]
    queues: list[str]
    join: Join | None  # a join state machine's own statements


@dataclass(frozen=True, slots=True)
class Join:
    lists: list[str]  # labels of the state machines whose executions it lists
    reads: list[str]  # execution ARN patterns (HCL) of those whose executions it describes
    start: str  # label of the state machine it starts


def render(env: jinja2.Environment, context: dict[str, Any]) -> dict[str, str]:
    """terraform/<file> -> text, from the context template.yaml is rendered with."""
    tf_env = env.overlay()
    # A filter dictionary of our own: the caller's environment stays as it was.
    tf_env.filters = {**env.filters, "hcl": hcl_string, "tf_label": label}
    machines: list[MachineView] = context["machines"]
    tf_context = {
        **context,
        "tf_machines": [_machine(m) for m in machines],
        "tf_calendars": [_calendar(c) for c in context["calendars"]],
        "instance_id_pattern": INSTANCE_ID,
    }
    _check_labels(tf_context)
    return {
        f"terraform/{name}": tf_env.get_template(f"terraform/{name}.j2").render(tf_context) for name in FILES
    }


def _machine(m: MachineView) -> TerraformMachine:
    return TerraformMachine(
        view=m,
        label=label(m.logical_id),
        role=label(m.role_id),
        definition=_definition(hcl_template(Ref("path.module"), "/../" + m.net.asl), _substitutions(m)),
        starts=[(label(c["logical_id"]), arn("states", f"execution:{c['name']}:*")) for c in m.starts],
        calendar_arns=[
            arn("ssm", "document/", Ref(f"aws_ssm_document.{label(cid)}.name")) for cid in m.calendar_ids
        ],
        send_command=[arn("ssm", f"document/{d}", account=False) for d in m.documents]
        + [arn("ec2", "instance/", Ref(f"var.{label(p)}")) for p in m.host_parameters],
        tag_targets=[
            [(hcl_string(f"ssm:resourceTag/{key}"), hcl_string(value)) for key, value in tags]
            for tags in m.tag_targets
        ],
        **_executor_resources(m.net),
        join=_join(m.join),
    )


def _join(join: dict[str, Any] | None) -> Join | None:
    if join is None:
        return None
    return Join(
        lists=[label(w["logical_id"]) for w in join["lists"]],
        reads=[arn("states", f"execution:{name}:*") for name in join["reads"]],
        start=label(join["start"]["logical_id"]),
    )


def _substitutions(m: MachineView) -> list[Substitution]:
    """template.yaml's DefinitionSubstitutions of `m`, as Terraform values; Dollar last, so that
    `${Dollar}{Key}` (legacy text) becomes `${Key}` only after every key was replaced."""
    subs = [Substitution(p, f"var.{label(p)}") for p in m.host_parameters]
    if m.net.notifies_failures:
        subs.append(Substitution("FailureTopicArn", "aws_sns_topic.FailureTopic.arn"))
    machines = [*m.starts, *(m.join["substitutions"] if m.join else [])]
    subs += [Substitution(c["key"], f"aws_sfn_state_machine.{label(c['logical_id'])}.arn") for c in machines]
    if m.queues:
        subs += [
            Substitution("AwsRegion", REGION),
            Substitution("AwsAccountId", ACCOUNT),
            Substitution("AwsUrlSuffix", "data.aws_partition.current.dns_suffix"),
        ]
    if m.definition.protects_legacy:
        subs.append(Substitution(asl.DOLLAR, '"$"'))
    return subs


def _definition(file: str, substitutions: list[Substitution]) -> str:
    """`file(...)` inside one `replace()` per substitution, the first innermost, laid out as
    `terraform fmt` leaves it (the attribute is at depth 1 of its block)."""
    depth = len(substitutions)
    if not depth:
        return f"file({file})"
    lines = ["replace("] + ["  " * (d + 1) + "replace(" for d in range(1, depth)]
    lines.append("  " * (depth + 1) + f"file({file}),")
    for level, s in zip(range(depth, 0, -1), substitutions, strict=True):
        # The placeholder written as HCL's escape for a literal `${`, as Terraform users read it.
        placeholder = '"$${' + _escape(s.key) + '}"'
        lines.append("  " * (level + 1) + f"{placeholder}, {s.value}")
        lines.append("  " * level + ")" + ("," if level > 1 else ""))
    return "\n".join(lines)


def _executor_resources(net: JobNetPlan) -> dict[str, list[str]]:
    """The resources of the executors other than SSM, the same as template.yaml's, as HCL."""
    return {kind: sorted({_resource(r) for r in found}) for kind, found in executor_resources(net).items()}


def _resource(r: Resource) -> str:
    return hcl_string(r.given) if r.given is not None else arn(r.service, r.path)


def _calendar(c: dict[str, Any]) -> dict[str, str]:
    return {
        "label": label(c["logical_id"]),
        "name": hcl_string(c["plan"].name),
        "file": hcl_template(Ref("path.module"), "/../" + c["plan"].file),
    }


def _check_labels(context: dict[str, Any]) -> None:
    """Labels must be unique per resource type; the logical ids they come from are unique in
    template.yaml, and this keeps it so should either side change."""
    machines: list[TerraformMachine] = context["tf_machines"]
    for kind, labels in (
        ("state machine", [m.label for m in machines]),
        ("role", [m.role for m in machines]),
        ("calendar", [c["label"] for c in context["tf_calendars"]]),
        ("rule", [label(r["logical_id"]) for m in machines for r in [*m.view.rules, *m.view.events]]),
        ("schedule", [label(s["logical_id"]) for m in machines for s in m.view.schedules]),
        ("variable", [label(h.parameter) for h in context["parameter_hosts"]]),
    ):
        if len(set(labels)) != len(labels):
            raise ValueError(f"Terraform {kind} labels are not unique")
