"""The neutral YAML/JSON format: loading, round trips, schema, errors with positions."""

from __future__ import annotations

import json

import pytest

from converters import ImportOptions, SourceFile
from converters.neutral import dumps, parse, schema_text
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import Job, JobNet, UnixCron, Workflow

from .conftest import FIXTURES, ROOT

NIGHTLY = FIXTURES / "yaml" / "nightly.yaml"


def load(text: str, path: str = "t.yaml") -> Workflow:
    return parse([SourceFile(path=path, text=text)], ImportOptions())


def test_hand_written_jobnet_loads_with_sources() -> None:
    wf = load(NIGHTLY.read_text(), "nightly.yaml")
    (net,) = wf.root_jobnets()
    assert net.path == "/OPS/NIGHTLY"
    assert net.source is not None and (net.source.file, net.source.line) == ("nightly.yaml", 5)
    backup, report = net.children
    assert isinstance(backup, Job) and backup.command is not None
    assert backup.command.command_line() == "/opt/ops/bin/backup.sh --full"
    assert backup.source is not None and backup.source.line == 22
    assert isinstance(report, Job) and report.command is not None and report.command.platform == "windows"
    assert isinstance(net.schedule[0].date, UnixCron)
    assert net.schedule[0].source is not None and net.schedule[0].source.line == 10
    assert wf.unit_count == 3  # the job-net and its two jobs


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip_gives_the_same_ir(fmt: str) -> None:
    original = load(NIGHTLY.read_text())
    again = load(dumps(original, fmt))
    assert again == original


def test_nested_jobnets_survive_the_round_trip() -> None:
    wf = Workflow(
        source_system="yaml",
        children=[
            JobNet(
                name="ROOT",
                path="/ROOT",
                children=[
                    JobNet(
                        name="INNER",
                        path="/ROOT/INNER",
                        inherits_schedule=True,
                        children=[Job(name="ジョブ", path="/ROOT/INNER/ジョブ")],
                    )
                ],
            )
        ],
    )
    again = load(dumps(wf))
    inner = again.children[0].children[0]  # type: ignore[union-attr]
    assert isinstance(inner, JobNet) and inner.inherits_schedule
    assert inner.children[0].name == "ジョブ"


def test_shipped_schema_is_generated_from_the_models() -> None:
    shipped = (ROOT / "jobmigrate" / "schema" / "workflow.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(), (
        "regenerate with: jobmigrate schema > jobmigrate/schema/workflow.schema.json"
    )
    assert "JobNet" in json.loads(shipped)["$defs"]


def test_invalid_value_is_reported_at_its_line() -> None:
    text = NIGHTLY.read_text().replace("timeout: {minutes: 90}", "timeout: {minutes: soon}")
    with pytest.raises((InputError, InputErrors)) as info:
        load(text, "bad.yaml")
    message = str(info.value)
    line = next(n for n, text_line in enumerate(text.splitlines(), 1) if "soon" in text_line)
    assert f"bad.yaml:{line}:" in message and "minutes" in message


def test_broken_yaml_syntax_has_a_position() -> None:
    with pytest.raises(InputError) as info:
        load("source_system: yaml\nchildren: [\n  {node: jobnet\n", "broken.yaml")
    assert info.value.file == "broken.yaml" and info.value.line >= 3


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(InputError, match="expected a mapping"):
        load("- just\n- a list\n")
