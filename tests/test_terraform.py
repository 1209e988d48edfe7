"""The Terraform rendering (terraform/*.tf) declares what template.yaml declares, and no legacy
text can become Terraform code.

Real inputs (the bundled examples, a corpus file, the executor fixtures, a nested state machine,
the safety fixtures and a hostile job-net file written here) are converted by the CLI. Every .tf
file must parse with python-hcl2; its expressions (which python-hcl2 hands back as text) are read
by the small parser below, which decodes HCL strings exactly, as Terraform does, and refuses any
interpolation that is not one of ours and any template directive. Resources, IAM statements,
definition substitutions, schedules and calendars are then compared with template.yaml after
both sides' references are written the same way (`canonical`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import jinja2
import pytest
import yaml

from jobmigrate import emit, terraform

from .conftest import CORPUS, FIXTURES, ROOT, assert_golden, jobmigrate
from .test_nested_machines import workflow as nested_workflow
from .test_safety import CASES as SAFETY_CASES
from .test_safety import CRONTAB_NAME, SAFETY, load_template, states_of

WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")
EXECUTORS = FIXTURES / "executors"

# --------------------------------------------------------------------------- HCL expressions


@dataclass(frozen=True)
class Ref:
    """A reference (`var.x`, `aws_sfn_state_machine.X.arn`)."""

    name: str


@dataclass(frozen=True)
class Template:
    """A quoted string with interpolations: literal text and expressions, in order."""

    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Any, ...]


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Expression:
    """A recursive-descent reader of the HCL expressions the renderer writes: strings (decoded
    as Terraform decodes them), references, function calls, tuples and objects."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    @classmethod
    def parse(cls, text: str) -> Any:
        reader = cls(text)
        value = reader.value()
        reader.space()
        assert reader.at == len(text), f"unread: {text[reader.at :]!r}"
        return value

    def space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t\r\n":
            self.at += 1

    def take(self, token: str) -> bool:
        self.space()
        if self.text.startswith(token, self.at):
            self.at += len(token)
            return True
        return False

    def value(self) -> Any:
        self.space()
        if self.take('"'):
            return self.string()
        if self.take("["):
            return self.sequence("]", self.value)
        if self.take("{"):
            return dict(self.sequence("}", self.item))
        match = _NAME.match(self.text, self.at)
        assert match, f"unexpected: {self.text[self.at :]!r}"
        self.at = match.end()
        if self.take("("):
            return Call(match.group(0), tuple(self.sequence(")", self.value)))
        name = match.group(0)
        while self.take("."):
            part = _NAME.match(self.text, self.at)
            assert part
            name += "." + part.group(0)
            self.at = part.end()
        return Ref(name)

    def sequence(self, end: str, element: Any) -> list[Any]:
        items: list[Any] = []
        while not self.take(end):
            items.append(element())
            self.take(",")
        return items

    def item(self) -> tuple[str, Any]:
        self.space()
        key = self.string() if self.take('"') else self.value()
        key = key.name if isinstance(key, Ref) else key
        assert isinstance(key, str), key
        assert self.take("=") or self.take(":")
        return key, self.value()

    def string(self) -> Any:
        """The rest of a quoted string, as Terraform reads it: escapes, `$${` and `%%{` as
        literal text, `${...}` as an expression; a `%{` directive is never ours."""
        parts: list[Any] = []
        literal = ""
        text = self.text
        while True:
            c = text[self.at]
            if c == '"':
                self.at += 1
                break
            if c == "\\":
                kind = text[self.at + 1]
                if kind in "uU":
                    width = 4 if kind == "u" else 8
                    literal += chr(int(text[self.at + 2 : self.at + 2 + width], 16))
                    self.at += 2 + width
                else:
                    literal += _ESCAPES[kind]
                    self.at += 2
            elif text.startswith(("$${", "%%{"), self.at):
                literal += text[self.at + 1 : self.at + 3]
                self.at += 3
            elif text.startswith("${", self.at):
                self.at += 2
                if literal:
                    parts.append(literal)
                literal = ""
                parts.append(self.value())
                assert self.take("}"), text[self.at :]
            else:
                assert not text.startswith("%{", self.at), f"template directive in {text!r}"
                literal += c
                self.at += 1
        if literal or not parts:
            parts.append(literal)
        return parts[0] if len(parts) == 1 and isinstance(parts[0], str) else Template(tuple(parts))


def expression(value: Any) -> Any:
    """A value as python-hcl2 returns it (quoted literal, `${expression}`, list, dict) read."""
    if isinstance(value, list):
        return [expression(v) for v in value]
    if isinstance(value, dict):
        return {k.strip('"'): expression(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, str) and value.startswith('"'):
        return Expression.parse(value)
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return Expression.parse(value[2:-1])
    return value  # a number or a bare keyword (`string`)


# References the renderer writes, and only these: anything else in an interpolation came from
# legacy text.
OURS = re.compile(
    r"local\.(partition|region|account_id|states_trust_policy)|var\.Host[A-Za-z0-9]+InstanceId|path\.module"
    r"|data\.aws_(partition\.current\.(partition|dns_suffix)|region\.current\.region"
    r"|caller_identity\.current\.account_id)"
    r"|aws_(sfn_state_machine|sns_topic|ssm_document|iam_role|cloudwatch_event_rule)\.[A-Za-z0-9]+\.(arn|name|id)"
)


def references(value: Any) -> Iterator[str]:
    if isinstance(value, Ref):
        yield value.name
    elif isinstance(value, Template):
        for part in value.parts:
            yield from references(part)
    elif isinstance(value, Call):
        for arg in value.args:
            yield from references(arg)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from references(v)


# --------------------------------------------------------------------------- both sides, one way

SFN, SNS, DOC, ROLE = "sfn", "sns", "doc", "role"
CFN_KINDS = {
    "AWS::StepFunctions::StateMachine": SFN,
    "AWS::SNS::Topic": SNS,
    "AWS::SSM::Document": DOC,
    "AWS::IAM::Role": ROLE,
}
TF_KINDS = {"aws_sfn_state_machine": SFN, "aws_sns_topic": SNS, "aws_ssm_document": DOC, "aws_iam_role": ROLE}
# What CloudFormation's Ref or GetAtt returns, and so the attribute Terraform must use.
TF_ATTRIBUTE = {SFN: "arn", SNS: "arn", DOC: "name", ROLE: "arn"}
PSEUDO = {
    "AWS::Partition": "partition",
    "AWS::Region": "region",
    "AWS::AccountId": "account",
    "AWS::URLSuffix": "url-suffix",
}
TF_PSEUDO = {
    "local.partition": "partition",
    "local.region": "region",
    "local.account_id": "account",
    "data.aws_partition.current.dns_suffix": "url-suffix",
}


def token(name: str) -> str:
    return f"\x00{name}\x00"


def canonical_tf(value: Any) -> Any:
    """A Terraform value with references written as `canonical_cfn` writes CloudFormation's."""
    if isinstance(value, list):
        return [canonical_tf(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical_tf(v) for k, v in value.items()}
    if isinstance(value, Template):
        return "".join(canonical_tf(p) for p in value.parts)
    if isinstance(value, Ref):
        if value.name in TF_PSEUDO:
            return token(TF_PSEUDO[value.name])
        if value.name.startswith("var."):
            return token("param:" + value.name[4:])
        kind, label, attribute = value.name.split(".")
        assert attribute == TF_ATTRIBUTE[TF_KINDS[kind]], value
        return token(f"{TF_KINDS[kind]}:{label}")
    assert isinstance(value, str), value
    return value


def canonical_cfn(value: Any, template: dict[str, Any]) -> Any:
    def ref(name: str) -> str:
        if name in PSEUDO:
            return token(PSEUDO[name])
        if name in template.get("Parameters", {}):
            return token("param:" + name)
        return token(f"{CFN_KINDS[template['Resources'][name]['Type']]}:{name}")

    if isinstance(value, list):
        return [canonical_cfn(v, template) for v in value]
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return ref(value["Ref"])
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        name, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn"
        return ref(name)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda m: ref(m.group(1)), value["Fn::Sub"])
    if isinstance(value, dict):
        return {k: canonical_cfn(v, template) for k, v in value.items()}
    return value


def statement(s: dict[str, Any]) -> tuple[Any, ...]:
    """An IAM statement in one form: a single action or resource is a list of one, resources
    in any order (IAM reads them as a set), conditions as sorted JSON."""

    def listed(v: Any) -> list[Any]:
        return v if isinstance(v, list) else [v]

    return (
        s["Effect"],
        sorted(listed(s["Action"])),
        sorted(listed(s.get("Resource", []))),
        json.dumps(s.get("Condition"), sort_keys=True),
        json.dumps(s.get("Principal"), sort_keys=True),
    )


# --------------------------------------------------------------------------- conversions


@dataclass
class Converted:
    out: Path
    returncode: int
    stderr: str
    _parsed: dict[str, dict[str, Any]] = field(default_factory=dict)
    _cfn: dict[str, Any] = field(default_factory=dict)

    @property
    def tf_dir(self) -> Path:
        return self.out / "terraform"

    @property
    def plan(self) -> dict[str, Any]:
        data = json.loads((self.out / "plan.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    @property
    def cfn(self) -> dict[str, Any]:
        if not self._cfn:
            self._cfn.update(load_template(self.out / "template.yaml"))
        return self._cfn

    def cfn_of(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.cfn["Resources"].items() if r["Type"] == kind}

    def parsed(self) -> dict[str, dict[str, Any]]:
        """file name -> what python-hcl2 read (it raises on anything that does not parse)."""
        if not self._parsed:  # parsing is most of these tests' time: once per case
            for p in sorted(self.tf_dir.glob("*.tf")):
                self._parsed[p.name] = hcl2.loads(p.read_text(encoding="utf-8"))
        return self._parsed

    def blocks(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every `resource` or `data` (`kind`) block: "type.label" -> attributes, read."""
        found: dict[str, dict[str, Any]] = {}
        for document in self.parsed().values():
            for block in document.get(kind, []):
                for rtype, labelled in block.items():
                    for label, body in labelled.items():
                        key = f"{rtype.strip(chr(34))}.{label.strip(chr(34))}"
                        assert key not in found, f"{key} declared twice"
                        found[key] = expression(body)
        return found

    def resources(self, rtype: str) -> dict[str, dict[str, Any]]:
        return {
            k.split(".", 1)[1]: v for k, v in self.blocks("resource").items() if k.startswith(rtype + ".")
        }

    def variables(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for document in self.parsed().values():
            for block in document.get("variable", []):
                for name, body in block.items():
                    found[name.strip('"')] = expression(body)
        return found


HOSTILE_NAMES = [
    "${var.secret}",
    "%{ if true }x%{ endif }",
    "q\"uote'\\back\\\\slash",
    "line one\nline two\r\n\ttab",
    "{{ 7*7 }} {% raw %}",
    "経理日次 ${HOME} ﾊﾝｶｸ\u3000",
    "../../x",
    "$${x} %%{y} $",
    "${",
    "end$",
]
HOSTILE_HOSTS = ["db-${x}", "ホスト%{", 'h"q\\', "app$"]


def hostile_workflow() -> dict[str, Any]:
    """Job-nets named after HOSTILE_NAMES in the neutral format, each after the one before
    (so each status-change rule names another), on hosts named after HOSTILE_HOSTS."""
    nets = []
    for i, name in enumerate(HOSTILE_NAMES):
        net: dict[str, Any] = {
            "node": "jobnet",
            "name": name,
            "path": "/" + name,
            "children": [
                {
                    "node": "job",
                    "name": name,
                    "path": f"/{name}/{name}",
                    "command": {
                        "text": f"echo {name}",
                        "platform": "unix",
                        "host": HOSTILE_HOSTS[i % len(HOSTILE_HOSTS)],
                    },
                }
            ],
        }
        if i % 2:
            net["external"] = [{"target": "/" + HOSTILE_NAMES[i - 1], "mode": "any"}]
        else:
            net["schedule"] = [{"number": 1, "date": _daily(minute=i, hour=2)}]
        nets.append(net)
    return {"source_system": "yaml", "timezone": "Asia/Tokyo", "children": nets}


def join_workflow() -> dict[str, Any]:
    """C waits for both A and B: a join state machine starts it."""

    def net(name: str, **more: Any) -> dict[str, Any]:
        job = {"node": "job", "name": "J", "path": f"/{name}/J", "command": {"text": "j.sh", "host": "h1"}}
        return {"node": "jobnet", "name": name, "path": "/" + name, "children": [job], **more}

    a = net("A", schedule=[{"number": 1, "date": _daily(minute=0, hour=1)}])
    b = net("B", schedule=[{"number": 1, "date": _daily(minute=0, hour=2)}])
    c = net("C", external=[{"target": "/A"}, {"target": "/B"}])
    return {"source_system": "yaml", "timezone": "Asia/Tokyo", "children": [a, b, c]}


def _daily(minute: int, hour: int) -> dict[str, Any]:
    return {
        "kind": "unix_cron",
        "expression": f"{minute} {hour} * * *",
        "minutes": [minute],
        "hours": [hour],
        "days_of_month": list(range(1, 32)),
        "months": list(range(1, 13)),
        "days_of_week": list(range(7)),
        "dom_restricted": False,
        "dow_restricted": False,
    }


def _write_input(root: Path, name: str) -> list[str | Path]:
    """The CLI arguments (input, --from, options) of case `name`, writing its input if needed."""
    if name == "nested":
        data = nested_workflow().model_dump(mode="json", exclude_none=True)
        (root / "nested.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return [root / "nested.yaml", "--from", "yaml"]
    if name == "join":
        (root / "join.yaml").write_text(yaml.safe_dump(join_workflow()), encoding="utf-8")
        return [root / "join.yaml", "--from", "yaml"]
    if name == "hostile":
        text = yaml.safe_dump(hostile_workflow(), allow_unicode=True)
        (root / "hostile.yaml").write_text(text, encoding="utf-8")
        return [root / "hostile.yaml", "--from", "yaml"]
    if name.startswith("safety-"):
        case = SAFETY_CASES[name.removeprefix("safety-")]
        target = root / (CRONTAB_NAME if case.fmt == "crontab" else case.fixture)
        shutil.copyfile(SAFETY / case.fixture, target)
        return [target, "--from", case.fmt]
    if name == "corpus":
        if not CORPUS.exists():
            pytest.skip("../shared/corpus is not beside the checkout")
        return [CORPUS / "jp1" / "ajsbutler-sample_ref_relations_utf8.ajs", "--from", "jp1"]
    return list(INPUTS[name])


INPUTS: dict[str, tuple[str | Path, ...]] = {
    "finance": (ROOT / "examples/jp1/finance.ajs", "--from", "jp1"),
    "finance-rules": (ROOT / "examples/jp1/finance.ajs", "--from", "jp1", "--trigger", "rule"),
    "crontab": (ROOT / "examples/crontab/ops.crontab", "--from", "crontab"),
    "controlm": (ROOT / "examples/controlm", "--from", "controlm"),
    "autosys": (ROOT / "examples/autosys/daily_batch.jil", "--from", "autosys"),
    "executors": (EXECUTORS / "mixed.yaml", "--from", "yaml", "--config", EXECUTORS / "config.yaml"),
    "executor-arns": (EXECUTORS / "mixed.yaml", "--from", "yaml", "--config", EXECUTORS / "arns.json"),
}
SAFETY_NAMES = [f"safety-{name}" for name in SAFETY_CASES]
ALL = [*INPUTS, "corpus", "nested", "join", "hostile", *SAFETY_NAMES]


class _Conversions(dict[str, Converted]):
    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.factory = factory

    def __missing__(self, name: str) -> Converted:
        root = self.factory.mktemp(name)
        args = _write_input(root, name)
        out = root / "out"
        result = jobmigrate("convert", *args, "--out", out, *WINDOW, cwd=root)
        assert result.returncode in (0, 1), result.stderr
        self[name] = Converted(out, result.returncode, result.stderr)
        return self[name]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Converted]:
    return _Conversions(tmp_path_factory)


# --------------------------------------------------------------------------- the files


@pytest.mark.parametrize("name", ALL)
def test_every_file_parses_and_interpolates_only_our_references(
    name: str, converted: dict[str, Converted]
) -> None:
    c = converted[name]
    assert sorted(p.name for p in c.tf_dir.iterdir()) == sorted(terraform.FILES)
    parsed = c.parsed()
    assert set(parsed) == set(terraform.FILES)
    found = [*c.blocks("resource").values(), *c.blocks("data").values(), *c.variables().values()]
    found += [expression(block) for document in parsed.values() for block in document.get("locals", [])]
    foreign = {r for value in found for r in references(value) if not OURS.fullmatch(r)}
    assert foreign == set()


@pytest.mark.parametrize("name", ALL)
def test_same_resources_as_the_cloudformation_template(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    cfn = c.cfn
    machines = c.resources("aws_sfn_state_machine")
    assert {k: m["name"] for k, m in machines.items()} == {
        k: r["Properties"]["StateMachineName"]
        for k, r in c.cfn_of("AWS::StepFunctions::StateMachine").items()
    }
    assert {k: r["role_arn"] for k, r in machines.items()} == {
        k: Ref(f"aws_iam_role.{k}Role.arn") for k in machines
    }
    assert set(c.resources("aws_iam_role")) == set(c.cfn_of("AWS::IAM::Role"))
    assert set(c.resources("aws_scheduler_schedule")) == set(c.cfn_of("AWS::Scheduler::Schedule"))
    rules = c.cfn_of("AWS::Events::Rule")
    assert set(c.resources("aws_cloudwatch_event_rule")) == set(rules)
    assert set(c.resources("aws_cloudwatch_event_target")) == set(rules)
    assert set(c.resources("aws_ssm_document")) == set(c.cfn_of("AWS::SSM::Document"))
    assert set(c.resources("aws_sns_topic")) == set(c.cfn_of("AWS::SNS::Topic"))
    kinds = {r["Type"] for r in cfn["Resources"].values()} - {"AWS::CloudFormation::WaitConditionHandle"}
    assert kinds <= {*CFN_KINDS, "AWS::Scheduler::Schedule", "AWS::Events::Rule"}, "a kind not rendered"
    assert set(c.blocks("data")) == {
        "aws_partition.current",
        "aws_region.current",
        "aws_caller_identity.current",
    }


@pytest.mark.parametrize("name", ALL)
def test_host_variables_are_the_template_parameters(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    parameters = c.cfn.get("Parameters", {})
    variables = c.variables()
    assert set(variables) == set(parameters)
    for key, p in parameters.items():
        v = variables[key]
        assert v["type"] == "string"
        assert v.get("default") == p.get("Default")
        # CloudFormation writes a legacy `${` in descriptions as `$ {`; Terraform keeps the text.
        assert v["description"].replace("${", "$ {") == p["Description"]
        (validation,) = v["validation"]
        assert validation["condition"] == Call(
            "can", (Call("regex", (p["AllowedPattern"], Ref(f"var.{key}"))),)
        )


@pytest.mark.parametrize("name", ALL)
def test_iam_statements_match_the_template_statement_by_statement(
    name: str, converted: dict[str, Converted]
) -> None:
    c = converted[name]
    cfn = c.cfn
    roles = c.resources("aws_iam_role")
    policies = c.resources("aws_iam_role_policy")
    locals_ = {
        k: expression(v)
        for document in c.parsed().values()
        for b in document.get("locals", [])
        for k, v in b.items()
    }
    for role_id, role in c.cfn_of("AWS::IAM::Role").items():
        trust = roles[role_id]["assume_role_policy"]
        if isinstance(trust, Ref):  # the trust policy every state machine role shares
            trust = locals_[trust.name.removeprefix("local.")]
        assert isinstance(trust, Call) and trust.function == "jsonencode"
        cfn_trust = canonical_cfn(role["Properties"]["AssumeRolePolicyDocument"], cfn)
        assert canonical_tf(trust.args[0])["Version"] == cfn_trust["Version"]
        assert [statement(s) for s in canonical_tf(trust.args[0])["Statement"]] == [
            statement(s) for s in cfn_trust["Statement"]
        ], role_id

        cfn_policies = role["Properties"].get("Policies", [])
        if not cfn_policies:
            assert role_id not in policies
            continue
        (cfn_policy,) = cfn_policies
        policy = policies[role_id]
        assert policy["name"] == cfn_policy["PolicyName"]
        assert policy["role"] == Ref(f"aws_iam_role.{role_id}.id")
        document = policy["policy"]
        assert isinstance(document, Call) and document.function == "jsonencode"
        tf_statements = [statement(s) for s in canonical_tf(document.args[0])["Statement"]]
        cfn_document = canonical_cfn(cfn_policy["PolicyDocument"], cfn)
        assert [statement(s) for s in cfn_document["Statement"]] == tf_statements, role_id
    assert set(policies) <= set(roles)


def _why_comments(text: str, opener: str) -> list[str]:
    """The comment just before each statement (`opener` starts one) in a rendering."""
    lines = text.splitlines()
    return [
        lines[i - 1].strip()
        for i, line in enumerate(lines)
        if line.strip() == opener and lines[i - 1].strip().startswith("#")
    ]


@pytest.mark.parametrize("name", ALL)
def test_every_star_resource_carries_the_templates_reason(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    iam = (c.tf_dir / "iam.tf").read_text(encoding="utf-8")
    cfn_text = (c.out / "template.yaml").read_text(encoding="utf-8")
    assert sorted(_why_comments(iam, "{")) == sorted(_why_comments(cfn_text, "- Effect: Allow"))
    # The statement holding a "*" resource opens right below its comment.
    lines = iam.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == 'Resource = "*"':
            opening = next(j for j in range(i, 0, -1) if lines[j].strip() == "{")
            assert lines[opening - 1].strip().startswith("# "), lines[opening - 3 : i + 1]


# --------------------------------------------------------------------------- state machines


def _replace_chain(definition: Any) -> tuple[Any, list[tuple[str, Any]]]:
    """`replace(...(file(PATH), "${A}", a)..., "${Dollar}", "$")` as (PATH, [(key, value)] in
    the order they are applied)."""
    applied: list[tuple[str, Any]] = []
    while isinstance(definition, Call) and definition.function == "replace":
        inner, placeholder, value = definition.args
        match = re.fullmatch(r"\$\{([A-Za-z0-9]+)\}", placeholder)
        assert match, placeholder
        applied.insert(0, (match.group(1), value))
        definition = inner
    assert isinstance(definition, Call) and definition.function == "file", definition
    (path,) = definition.args
    return path, applied


def _file(c: Converted, path: Any) -> Path:
    assert isinstance(path, Template) and path.parts[0] == Ref("path.module"), path
    (rest,) = path.parts[1:]
    return Path(f"{c.tf_dir}{rest}")


@pytest.mark.parametrize("name", ALL)
def test_definitions_read_their_asl_file_and_replace_exactly_its_placeholders(
    name: str, converted: dict[str, Converted]
) -> None:
    c = converted[name]
    cfn = c.cfn
    cfn_machines = c.cfn_of("AWS::StepFunctions::StateMachine")
    for label, machine in c.resources("aws_sfn_state_machine").items():
        path, applied = _replace_chain(machine["definition"])
        file = _file(c, path)
        assert file.resolve() == (c.out / "statemachines" / f"{machine['name']}.asl.json").resolve()
        text = file.read_text(encoding="utf-8")
        properties = cfn_machines[label]["Properties"]
        assert json.loads(text) == properties["Definition"]

        keys = [key for key, _ in applied]
        assert sorted(keys) == sorted(set(re.findall(r"\$\{([A-Za-z0-9]+)\}", text))), label
        assert len(set(keys)) == len(keys)
        if "Dollar" in keys:
            assert keys[-1] == "Dollar" and applied[-1][1] == "$"
        substitutions = canonical_cfn(properties.get("DefinitionSubstitutions", {}), cfn)
        assert {key: canonical_tf(value) for key, value in applied} == substitutions


@pytest.mark.parametrize("name", [n for n in SAFETY_NAMES if "dollar" in n])
def test_deployed_definitions_send_each_legacy_command_unchanged(
    name: str, converted: dict[str, Converted]
) -> None:
    """Evaluate each definition as Terraform would (file(), then replace() in order) and look at
    what SSM receives: `${...}` in legacy commands survives, ours are filled in."""
    c = converted[name]
    sent: dict[str, list[str]] = {}
    for machine in c.resources("aws_sfn_state_machine").values():
        path, applied = _replace_chain(machine["definition"])
        text = _file(c, path).read_text(encoding="utf-8")
        for key, value in applied:
            text = text.replace("${" + key + "}", value if isinstance(value, str) else f"<{key}>")
        for _, state in states_of(json.loads(text)):
            if state.get("Resource", "").endswith("ssm:sendCommand"):
                sent[state["Parameters"]["Comment"]] = state["Parameters"]["Parameters"]["commands"]
    expected = {
        path[-100:]: [command]
        for path, command in SAFETY_CASES[name.removeprefix("safety-")].commands.items()
    }
    assert sent == expected


# --------------------------------------------------------------------------- triggers and calendars


@pytest.mark.parametrize("name", ALL)
def test_schedules_and_rules_match_the_template(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    cfn = c.cfn
    for label, s in c.resources("aws_scheduler_schedule").items():
        p = canonical_cfn(c.cfn_of("AWS::Scheduler::Schedule")[label]["Properties"], cfn)
        assert s["name"] == p["Name"]
        assert s["description"].replace("${", "$ {") == p["Description"]
        assert s["schedule_expression"] == p["ScheduleExpression"]
        assert s["schedule_expression_timezone"] == p["ScheduleExpressionTimezone"]
        assert s["flexible_time_window"] == [{"mode": p["FlexibleTimeWindow"]["Mode"]}]
        (target,) = canonical_tf(s["target"])
        assert target == {
            "arn": p["Target"]["Arn"],
            "role_arn": p["Target"]["RoleArn"],
            "input": p["Target"]["Input"],
        }
    targets = c.resources("aws_cloudwatch_event_target")
    for label, r in c.resources("aws_cloudwatch_event_rule").items():
        p = canonical_cfn(c.cfn_of("AWS::Events::Rule")[label]["Properties"], cfn)
        assert r["description"].replace("${", "$ {") == p["Description"]
        assert r["state"] == p["State"]
        assert r.get("name") == p.get("Name")
        assert r.get("schedule_expression") == p.get("ScheduleExpression")
        if "EventPattern" in p:
            pattern = r["event_pattern"]
            assert isinstance(pattern, Call) and pattern.function == "jsonencode"
            assert canonical_tf(pattern.args[0]) == p["EventPattern"]
        (cfn_target,) = p["Targets"]
        assert targets[label]["rule"] == Ref(f"aws_cloudwatch_event_rule.{label}.name")
        target = canonical_tf({k: v for k, v in targets[label].items() if k != "rule"})
        (transformer,) = target["input_transformer"]
        assert (target["target_id"], target["arn"], target["role_arn"]) == (
            cfn_target["Id"],
            cfn_target["Arn"],
            cfn_target["RoleArn"],
        )
        assert transformer == {
            "input_paths": cfn_target["InputTransformer"]["InputPathsMap"],
            "input_template": cfn_target["InputTransformer"]["InputTemplate"],
        }


def test_rules_and_chains_are_rendered(converted: dict[str, Converted]) -> None:
    """The cases above are not vacuous: some have rules, status-change rules, nested machines,
    tags, Batch, Lambda and SQS."""
    assert converted["finance-rules"].resources("aws_cloudwatch_event_rule")
    assert any(
        "event_pattern" in r for r in converted["autosys"].resources("aws_cloudwatch_event_rule").values()
    )
    iam = {
        name: (converted[name].tf_dir / "iam.tf").read_text(encoding="utf-8")
        for name in ("nested", "executors")
    }
    assert "states:DescribeExecution" in iam["nested"]
    assert "states:ListExecutions" in (converted["join"].tf_dir / "iam.tf").read_text(encoding="utf-8")
    for action in ("ssm:resourceTag/Role", "batch:SubmitJob", "lambda:InvokeFunction", "sqs:SendMessage"):
        assert action in iam["executors"]


@pytest.mark.parametrize("name", ALL)
def test_calendars_are_the_ics_files(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    documents = c.resources("aws_ssm_document")
    for label, r in c.cfn_of("AWS::SSM::Document").items():
        p = r["Properties"]
        d = documents[label]
        assert (d["name"], d["document_type"], d["document_format"]) == (
            p["Name"],
            p["DocumentType"],
            p["DocumentFormat"],
        )
        content = d["content"]
        assert isinstance(content, Call) and content.function == "file"
        file = _file(c, content.args[0])
        assert file.resolve() == (c.out / "calendars" / f"{p['Name']}.ics").resolve()
        assert file.read_bytes().decode("utf-8") == p["Content"]


# --------------------------------------------------------------------------- hostile text


def test_hostile_names_reach_terraform_as_exactly_their_text(converted: dict[str, Converted]) -> None:
    c = converted["hostile"]
    paths = ["/" + name for name in HOSTILE_NAMES]
    plan = c.plan
    assert [net["path"] for net in plan["jobnets"]] == paths
    schedules = c.resources("aws_scheduler_schedule").values()
    assert sorted(s["description"] for s in schedules) == sorted(f"{p} rule 1" for p in paths[::2])
    chains = sorted(r["description"] for r in c.resources("aws_cloudwatch_event_rule").values())
    events = [t for net in plan["jobnets"] for t in net["triggers"] if t["kind"] == "event"]
    assert len(chains) == len(events) == len(paths) // 2
    assert chains == sorted(t["description"] for t in events)
    descriptions = {v["description"] for v in c.variables().values()}
    assert descriptions == {f"EC2 instance that runs the jobs of legacy host {h}" for h in HOSTILE_HOSTS}
    names = {m["name"] for m in c.resources("aws_sfn_state_machine").values()}
    assert names == {net["state_machine"] for net in plan["jobnets"]}
    text = "".join(p.read_text(encoding="utf-8") for p in c.tf_dir.glob("*.tf"))
    assert "${var.secret}" not in text and "%{ if" not in text


HOSTILE_TEXT = [
    *HOSTILE_NAMES,
    *HOSTILE_HOSTS,
    "$${",
    "%%%{x",
    "\\${x}",
    "$\\{x}",
    "\x00\x01\x08\x0c\x1b\x7f\x85\u2028",
    "\\u0041 \\n",
    "日本語",
    '"',
    "",
]


def test_hcl_string_reads_back_as_its_text() -> None:
    lines = [f"v{i} = {terraform.hcl_string(t)}" for i, t in enumerate(HOSTILE_TEXT)]
    # The lines after each value would be swallowed if a string did not end where it should.
    parsed = hcl2.loads("\n".join(lines) + '\nlast = "end"\n')
    assert [expression(parsed[f"v{i}"]) for i in range(len(HOSTILE_TEXT))] == HOSTILE_TEXT
    assert parsed["last"] == '"end"'


def test_a_template_keeps_text_before_an_interpolation_literal() -> None:
    parts = ["a$", terraform.Ref("local.p"), "b$$", terraform.Ref("local.p"), "${", terraform.Ref("local.p")]
    parsed = expression(hcl2.loads(f"v = {terraform.hcl_template(*parts)}\n")["v"])
    assert parsed == Template(("a$", Ref("local.p"), "b$$", Ref("local.p"), "${", Ref("local.p")))


def test_labels_must_be_identifiers() -> None:
    assert terraform.label("StateMachineA1B2C3") == "StateMachineA1B2C3"
    for bad in ("1x", "a.b", "a b", 'a"b', "${x}", "", "経理"):
        with pytest.raises(ValueError):
            terraform.label(bad)


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary")
def test_terraform_itself_reads_the_strings_back(tmp_path: Path) -> None:
    """The same strings evaluated by Terraform (no provider needed)."""
    values = ", ".join(terraform.hcl_string(t) for t in HOSTILE_TEXT)
    (tmp_path / "main.tf").write_text(
        f'output "all" {{\n  value = jsonencode([{values}])\n}}\n', encoding="utf-8"
    )

    def run(*args: str) -> str:
        quiet = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}  # no version check
        done = subprocess.run(
            ["terraform", *args], cwd=tmp_path, env=quiet, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("init", "-input=false")
    run("apply", "-auto-approve", "-input=false")
    assert json.loads(run("output", "-raw", "all")) == HOSTILE_TEXT


# --------------------------------------------------------------------------- rendering


def test_render_is_deterministic_and_leaves_the_callers_environment_alone() -> None:
    plan = _finance_plan()
    env = emit.environment()
    filters = dict(env.filters)
    empty = {"plan": plan, "machines": [], "calendars": [], "parameter_hosts": [], "failure_topic": False}
    assert set(terraform.render(env, empty)) == {f"terraform/{n}" for n in terraform.FILES}
    assert env.filters == filters
    files = emit.render(plan)
    assert {f for f in files if f.startswith("terraform/")} == {f"terraform/{n}" for n in terraform.FILES}
    assert emit.render(plan) == files


def _finance_plan() -> Any:
    from jobmigrate.pipeline import parse_window, run

    return run(
        [str(ROOT / "examples/jp1/finance.ajs")],
        "jp1",
        "Asia/Tokyo",
        None,
        parse_window(*WINDOW[1::2]),
        "scheduler",
    ).plan


def test_a_template_override_is_used(tmp_path: Path) -> None:
    override = tmp_path / "terraform" / "providers.tf.j2"
    override.parent.mkdir()
    override.write_text("# mine: {{ plan.jobnets | length }}\n")
    assert emit.render(_finance_plan(), tmp_path)["terraform/providers.tf"] == "# mine: 3\n"
    override.write_text("{{ nothing }}\n")
    with pytest.raises(jinja2.UndefinedError):
        emit.render(_finance_plan(), tmp_path)


def test_finance_golden(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = jobmigrate(
        "convert",
        "examples/jp1/finance.ajs",
        "--from",
        "jp1",
        "--out",
        out,
        "--start",
        "2025-01-01",
        "--end",
        "2025-12-31",
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    for name in terraform.FILES:
        assert_golden(f"jp1/finance/terraform/{name}", (out / "terraform" / name).read_text(encoding="utf-8"))
