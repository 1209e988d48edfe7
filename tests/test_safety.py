"""Hostile names and commands cannot escape their fields.

Fixtures in tests/fixtures/safety/ hold unit names such as `../../x`, `a/b`, quotes, `{{ 7*7 }}`,
`{% raw %}`, `</script><script>alert(1)</script>`, newlines, control characters and a
200-character Japanese name, and commands with quotes, backslashes, `$(rm -rf /)`, `%`,
newlines and `${...}`, in the neutral YAML format, a JP1 unit definition and a crontab (copied
under a hostile file name, since cron names its job-nets after the file). Each is converted by
the real CLI, and the output must keep every value in its field:

* every file is written inside the output folder;
* each statemachines/*.asl.json is JSON and sends each legacy command to SSM unchanged;
* template.yaml is CloudFormation YAML (intrinsic-function tags, no duplicate keys) whose state
  machine definitions equal the .asl.json files, and it passes cfn-lint;
* Jinja syntax from the inputs is never evaluated; report.md shows the names literally;
* `${...}` in legacy text survives CloudFormation's DefinitionSubstitutions at deploy time.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import FIXTURES, jobmigrate

SAFETY = FIXTURES / "safety"
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")
# cron names its job-nets `<file>:<line>`: the copy of hostile.crontab gets a hostile file name.
CRONTAB_NAME = '{{ 7*7 }} it\'s "q" <b>{% raw %}.crontab'
LONG_JAPANESE = "経理日次締め処理" * 25

# The legacy meaning of each JP1 command (`#"` is `"`, `##` is `#`), by job path.
JP1_COMMANDS = {
    "/../../x/..": "echo 'single' \"double\" back\\slash \\\\server\\share",
    "/../../x/.": "$(rm -rf /); `rm -rf /`; echo $((6*7))",
    "/../../x/$(id)": "printf '100% done %s\\n' \"$(date +%Y%m%d)\"",
    "/../../x/<script>alert(1)<script>": 'set -e\necho "first line" #not-a-comment',
    "/../../x/it's": "C:\\batch\\run.cmd \"arg with spaces\" 'x' %TEMP%",
    "/../../x/100%": "echo </script><script>alert(1)</script> {{ 7*7 }} {% raw %}",
    "/../../x/a\\b": "echo \"$HOME\" '$PATH' \\$SHELL",
    f"/../../x/{LONG_JAPANESE}": "echo 日本語 ﾊﾝｶｸ\u3000全角",
    "/a/b/JOB": "echo a/b",
}
JP1_DOLLAR_COMMANDS = {
    "/DOLLAR/SUBST": "echo ${HostDefaultInstanceId} ${AWS::Region}",
    "/DOLLAR/SHELL_VARS": "tar czf ${HOME}/backup-${HOSTNAME}.tgz /data",
}
# What cron runs for each line (`\%` is `%`, other backslashes stay), by line number.
CRONTAB_COMMANDS = {
    4: "echo 'single' \"double\" back\\slash \\\\server\\share",
    5: "$(rm -rf /); `rm -rf /`; echo $((6*7))",
    6: "printf '100% done %s\\n' \"$(date +%Y%m%d)\"",
    7: "echo {{ 7*7 }} {% raw %} </script><script>alert(1)</script>",
    8: "echo \"$HOME\" '$PATH' \\$SHELL # not a comment",
    9: "echo 日本語 ﾊﾝｶｸ\u3000全角",
}
CRONTAB_DOLLAR_COMMANDS = {
    3: "echo ${HostDefaultInstanceId} ${AWS::Region}",
    4: "tar czf ${HOME}/backup-$(hostname).tgz /data",
}


# --------------------------------------------------------------------------- CloudFormation YAML


class CfnLoader(yaml.SafeLoader):
    """PyYAML's safe loader plus the CloudFormation short tags, refusing duplicate keys (which
    CloudFormation rejects and PyYAML would silently drop)."""


def _intrinsic(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node, deep=True))


for _tag, _name in (("!Ref", "Ref"), ("!Sub", "Fn::Sub"), ("!GetAtt", "Fn::GetAtt"), ("!Join", "Fn::Join")):
    CfnLoader.add_constructor(_tag, _intrinsic(_name))
CfnLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def load_template(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=CfnLoader)  # a SafeLoader subclass
    assert isinstance(data, dict)
    return data


def cfn_lint(template: Path) -> str:
    exe = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(exe), str(template)], capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else result.stdout + result.stderr


# --------------------------------------------------------------------------- conversions


@dataclass
class Case:
    name: str
    fmt: str
    fixture: str
    commands: dict[str, str]  # job path -> the command SSM must receive
    jobnet_paths: list[str]  # root job-net paths, as the report must show them


def _yaml_case(name: str, fixture: str) -> Case:
    data = yaml.safe_load((SAFETY / fixture).read_text(encoding="utf-8"))
    commands = {job["path"]: job["command"]["text"] for net in data["children"] for job in net["children"]}
    return Case(name, "yaml", fixture, commands, [net["path"] for net in data["children"]])


def _crontab_case(name: str, fixture: str, commands: dict[int, str]) -> Case:
    return Case(
        name,
        "crontab",
        fixture,
        {f"{CRONTAB_NAME}:{line}/command": text for line, text in commands.items()},
        [f"{CRONTAB_NAME}:{line}" for line in commands],
    )


CASES = {
    c.name: c
    for c in (
        _yaml_case("yaml", "hostile.yaml"),
        Case("jp1", "jp1", "hostile.ajs", JP1_COMMANDS, ["/../../x", "/a/b"]),
        _crontab_case("crontab", "hostile.crontab", CRONTAB_COMMANDS),
        _yaml_case("yaml-dollar", "dollar.yaml"),
        Case("jp1-dollar", "jp1", "dollar.ajs", JP1_DOLLAR_COMMANDS, ["/DOLLAR"]),
        _crontab_case("crontab-dollar", "dollar.crontab", CRONTAB_DOLLAR_COMMANDS),
    )
}
HOSTILE = ["yaml", "jp1", "crontab"]
DOLLAR = ["yaml-dollar", "jp1-dollar", "crontab-dollar"]


@dataclass
class Converted:
    case: Case
    root: Path  # holds the input folder and the output folder, nothing else
    inputs: Path
    out: Path
    returncode: int
    stderr: str

    @property
    def plan(self) -> dict[str, Any]:
        data = json.loads((self.out / "plan.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    def asl_file(self, net: dict[str, Any]) -> dict[str, Any]:
        """The definition file as written: legacy `${` protected as `${Dollar}{`."""
        data = json.loads((self.out / net["asl"]).read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    def asl(self, net: dict[str, Any]) -> dict[str, Any]:
        """The definition Step Functions receives once the Dollar substitution is applied."""
        text = (self.out / net["asl"]).read_text(encoding="utf-8").replace("${Dollar}", "$")
        data = json.loads(text)
        assert isinstance(data, dict)
        return data


class _Conversions(dict[str, Converted]):
    """Each case converted by the CLI the first time a test asks for it."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.factory = factory

    def __missing__(self, name: str) -> Converted:
        case = CASES[name]
        root = self.factory.mktemp(name)
        inputs = root / "in"
        inputs.mkdir()
        target = inputs / (CRONTAB_NAME if case.fmt == "crontab" else case.fixture)
        shutil.copyfile(SAFETY / case.fixture, target)
        out = root / "deep" / "er" / "out"  # `../..` from statemachines/ would still be below root
        # Inputs are given relative to `root`: the names in the output are the ones checked below.
        given = target.relative_to(root)
        result = jobmigrate("convert", given, "--from", case.fmt, "--out", out, *WINDOW, cwd=root)
        self[name] = Converted(case, root, inputs, out, result.returncode, result.stderr)
        return self[name]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Converted]:
    return _Conversions(tmp_path_factory)


def _input_name(c: Converted) -> str:
    return f"in/{CRONTAB_NAME}" if c.case.fmt == "crontab" else f"in/{c.case.fixture}"


def states_of(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state of a definition, also inside Parallel branches and Map processors."""
    for name, state in definition.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from states_of(branch)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from states_of(state[key])


# --------------------------------------------------------------------------- every case

ALL = HOSTILE + DOLLAR


@pytest.mark.parametrize("name", ALL)
def test_conversion_succeeds(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    assert c.returncode == 0, c.stderr
    assert "Traceback" not in c.stderr


@pytest.mark.parametrize("name", ALL)
def test_every_written_file_is_inside_the_output_folder(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    written = [p for p in c.root.rglob("*") if p.is_file() or p.is_symlink()]
    outside = [p for p in written if c.out not in p.parents and p.parent != c.inputs]
    assert outside == []
    assert all(not p.is_symlink() for p in written)
    machines = sorted(p.name for p in (c.out / "statemachines").iterdir())
    assert machines and all(re.fullmatch(r"[A-Za-z0-9_-]{1,80}\.asl\.json", m) for m in machines), machines
    assert [p.name for p in c.out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("name", ALL)
def test_each_command_reaches_ssm_unchanged(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    sent: dict[str, list[str]] = {}
    for net in c.plan["jobnets"]:
        states = dict(states_of(c.asl(net)))
        for job in net["jobs"]:
            task = states[job["state"]]
            assert task["Resource"].endswith("ssm:sendCommand"), job
            sent[job["path"]] = task["Parameters"]["Parameters"]["commands"]
    expected = {path: [text] for path, text in c.case.commands.items()}
    assert sent == expected


@pytest.mark.parametrize("name", ALL)
def test_template_parses_and_embeds_the_asl_files(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    template = load_template(c.out / "template.yaml")
    machines = {
        r["Properties"]["StateMachineName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    }
    plan = c.plan
    assert sorted(machines) == sorted(net["state_machine"] for net in plan["jobnets"])
    for net in plan["jobnets"]:
        # Legacy "${" is protected as "${Dollar}{" in the template and the file alike;
        # CloudFormation restores it.
        properties = machines[net["state_machine"]]
        if "${Dollar}" in json.dumps(properties["Definition"]):
            assert properties["DefinitionSubstitutions"]["Dollar"] == "$"
        assert properties["Definition"] == c.asl_file(net), net["state_machine"]


@pytest.mark.parametrize("name", ALL)
def test_names_and_sources_appear_literally(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    plan = c.plan
    assert [net["path"] for net in plan["jobnets"]] == c.case.jobnet_paths
    assert all(net["source"]["file"] == _input_name(c) for net in plan["jobnets"])
    report = (c.out / "report.md").read_text(encoding="utf-8")
    for path in c.case.jobnet_paths:
        if any(ch < " " or ch == "\x7f" for ch in path):
            continue  # test_report_structure_survives_newlines_and_control_characters
        assert f"`{path}`" in report, path


@pytest.mark.parametrize("name", HOSTILE)
def test_jinja_syntax_from_the_inputs_is_never_evaluated(name: str, converted: dict[str, Converted]) -> None:
    c = converted[name]
    files = {
        p.relative_to(c.out).as_posix(): p.read_text(encoding="utf-8")
        for p in c.out.rglob("*")
        if p.is_file()
    }
    # Every case has `{{ 7*7 }}` and `{% raw %}` in a command at least, which the template embeds.
    assert "{{ 7*7 }}" in files["template.yaml"] and "{% raw %}" in files["template.yaml"]
    if any("{{ 7*7 }}" in path for path in c.case.jobnet_paths):
        assert "{{ 7*7 }}" in files["report.md"] and "{% raw %}" in files["report.md"]
    for file, text in files.items():
        for rendered in ("/49", "49 it's", "echo 49", "{{7*7}}", "{{ 49 }}"):
            assert rendered not in text, (file, rendered)


@pytest.mark.parametrize("name", [*HOSTILE, *DOLLAR])
def test_cfn_lint_passes(name: str, converted: dict[str, Converted]) -> None:
    assert cfn_lint(converted[name].out / "template.yaml") == ""


# --------------------------------------------------------------------------- `${...}` in legacy text


def _dollar_params() -> list[str]:
    return [*HOSTILE, *DOLLAR]


def _machines(c: Converted) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    template = load_template(c.out / "template.yaml")
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::StepFunctions::StateMachine":
            yield (
                resource["Properties"]["Definition"],
                resource["Properties"].get("DefinitionSubstitutions", {}),
            )


@pytest.mark.parametrize("name", _dollar_params())
def test_definition_holds_only_the_templates_own_placeholders(
    name: str, converted: dict[str, Converted]
) -> None:
    c = converted[name]
    foreign = []
    for definition, substitutions in _machines(c):
        text = json.dumps(definition, ensure_ascii=False)
        foreign += [p for p in re.findall(r"\$\{([^}]*)\}", text) if p not in substitutions]
    assert foreign == []


@pytest.mark.parametrize("name", _dollar_params())
def test_deploy_time_substitution_leaves_legacy_commands_intact(
    name: str, converted: dict[str, Converted]
) -> None:
    """Do what CloudFormation does with DefinitionSubstitutions, then look at the commands."""
    c = converted[name]
    sent: dict[str, list[str]] = {}
    for definition, substitutions in _machines(c):
        text = json.dumps(definition)
        for key, value in substitutions.items():
            # Literal values (the Dollar escape) as written; references as a stand-in.
            text = text.replace("${" + key + "}", value if isinstance(value, str) else f"<value of {key}>")
        deployed = json.loads(text)
        for _, state in states_of(deployed):
            if state.get("Resource", "").endswith("ssm:sendCommand"):
                sent[state["Parameters"]["Comment"]] = state["Parameters"]["Parameters"]["commands"]
    expected = {path[-100:]: [command] for path, command in c.case.commands.items()}
    assert sent == expected


def test_dollar_fixtures_really_use_substitution_keys(converted: dict[str, Converted]) -> None:
    """The `${...}` cases are not vacuous: their commands name keys the template substitutes."""
    c = converted["yaml-dollar"]
    keys = {k for _, subs in _machines(c) for k in subs}
    assert {"HostDefaultInstanceId"} <= keys
    assert any("${HostDefaultInstanceId}" in command for command in c.case.commands.values())


# --------------------------------------------------------------------------- specific hazards


def test_report_structure_survives_newlines_and_control_characters(converted: dict[str, Converted]) -> None:
    report = (converted["yaml"].out / "report.md").read_text(encoding="utf-8")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", report)
    table = report.split("## Job-nets", 1)[1].split("\n## ", 1)[0].strip().splitlines()
    assert all(line.startswith("|") for line in table), table
    assert "line one" in report and "line two" in report


def test_each_legacy_host_keeps_its_own_instance_parameter(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = jobmigrate("convert", SAFETY / "hosts.yaml", "--from", "yaml", "--out", out, *WINDOW)
    assert result.returncode == 0, result.stderr
    hosts = json.loads((out / "plan.json").read_text(encoding="utf-8"))["hosts"]
    assert len(hosts) == 5
    assert len({h["parameter"] for h in hosts}) == len(hosts), hosts
    template = load_template(out / "template.yaml")
    assert len(template["Parameters"]) == 5
    assert cfn_lint(out / "template.yaml") == ""


def test_crontab_stdin_reaches_the_command_or_is_reported(tmp_path: Path) -> None:
    crontab = tmp_path / "mail.crontab"
    crontab.write_text('0 7 * * 1-5  mail -s "batch report" ops@example.com%Dear ops,%the batch ended.%\n')
    out = tmp_path / "out"
    result = jobmigrate("convert", crontab, "--from", "crontab", "--out", out, *WINDOW)
    assert result.returncode in (0, 1), result.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    net = plan["jobnets"][0]
    definition = json.loads((out / net["asl"]).read_text(encoding="utf-8"))
    commands = "\n".join(
        c
        for _, s in states_of(definition)
        for c in s.get("Parameters", {}).get("Parameters", {}).get("commands", [])
    )
    reported = any(
        "stdin" in f["message"] and f["path"].startswith("mail.crontab:1") for f in plan["findings"]
    )
    assert ("Dear ops," in commands and "the batch ended." in commands) or reported


def test_placeholders_are_told_from_escaped_backslashes_and_stray_nuls() -> None:
    from jobmigrate import asl

    definition = {
        "ours": asl.placeholder("HostAp01InstanceId"),
        "after_backslash": "C:\\" + asl.placeholder("FailureTopicArn"),
        "literal": "\\u0000Key\\u0000 and ${HOME}",
        "stray": "a\x00b",  # importers refuse NUL; a stray one is left alone, never a loop
        "unclosed": "\x00Key",
    }
    deployed = json.loads(asl.deployed(definition).compact)
    assert deployed == {
        "ours": "${HostAp01InstanceId}",
        "after_backslash": "C:\\${FailureTopicArn}",
        "literal": "\\u0000Key\\u0000 and ${Dollar}{HOME}",
        "stray": "a\x00b",
        "unclosed": "\x00Key",
    }


def test_decomposed_legacy_text_is_escaped_so_terraform_cannot_normalise_it() -> None:
    from jobmigrate import asl

    composed, decomposed = "echo \u30ac", "echo \u30ab\u3099"  # ガ as one character, and as two
    assert "\u30ac" in asl.deployed({"c": composed}).text  # readable when nothing would change
    text = asl.deployed({"c": decomposed}).text
    assert text.isascii() and json.loads(text) == {"c": decomposed}


@pytest.mark.parametrize("trigger", ["scheduler", "rule"])
def test_descriptions_of_long_paths_stay_within_the_aws_limit(tmp_path: Path, trigger: str) -> None:
    from .conftest import FIXTURES, jobmigrate

    long_name = "LONG_" + "x${y}" * 130  # 655 characters, and `${` that the template rewrites
    text = (FIXTURES / "yaml" / "nightly.yaml").read_text(encoding="utf-8")
    source = tmp_path / "long.yaml"
    source.write_text(text.replace("/OPS/NIGHTLY", f"/OPS/{long_name}"), encoding="utf-8")
    out = tmp_path / "out"
    result = jobmigrate("convert", source, "--from", "yaml", "--out", out, "--trigger", trigger)
    assert result.returncode in (0, 1), result.stderr
    template = load_template(out / "template.yaml")
    descriptions = [
        r["Properties"]["Description"]
        for r in template["Resources"].values()
        if r["Type"] in ("AWS::Scheduler::Schedule", "AWS::Events::Rule")
    ]
    assert descriptions and all(len(d) <= 512 for d in descriptions)
    assert cfn_lint(out / "template.yaml") == ""
