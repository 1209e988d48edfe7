"""Every real JP1 sample converts, or fails with InputError, or is reported with source lines;
and every unit read is either in the IR or reported. Golden IR dumps pin the whole result.

Regenerate the golden files after an intended change:
    JOBMIGRATE_REGEN=1 pytest tests/test_jp1_corpus.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import converters.jp1 as jp1
from converters import ImportOptions, SourceFile
from converters.jp1.findings import DROPPED_UNIT_CODES
from jobmigrate.encoding import decode
from jobmigrate.errors import InputError
from jobmigrate.model import Folder, JobNet, Workflow

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "jp1"
FIXTURES = Path(__file__).parent / "fixtures" / "jp1"
GOLDEN = Path(__file__).parent / "golden" / "jp1"
REGEN = os.environ.get("JOBMIGRATE_REGEN") == "1"

SAMPLES = sorted(CORPUS.glob("*.ajs")) + sorted(FIXTURES.glob("*.ajs"))


def _import(path: Path) -> Workflow:
    text, encoding = decode(path.read_bytes(), path.name)
    return jp1.parse([SourceFile(path.name, text, encoding)], ImportOptions())


def _ir_nodes(wf: Workflow) -> int:
    """Folders, jobnets, jobs and start conditions (with their event jobs) in the IR."""
    count = 0
    stack: list[Folder | JobNet] = list(wf.children)
    while stack:
        node = stack.pop()
        count += 1
        if isinstance(node, JobNet) and node.start_condition is not None:
            count += 1 + len(node.start_condition.events)
        for child in node.children:
            if isinstance(child, Folder | JobNet):
                stack.append(child)
            else:
                count += 1
    return count


def test_corpus_is_present() -> None:
    assert len(SAMPLES) >= 10, f"expected the shared corpus in {CORPUS}"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_converts_or_reports(path: Path) -> None:
    try:
        wf = _import(path)
    except InputError as e:  # a syntax error names file, line and column
        assert e.file == path.name and e.line > 0
        return
    assert wf.unit_count > 0
    assert _ir_nodes(wf) + sum(f.code in DROPPED_UNIT_CODES for f in wf.findings) == wf.unit_count
    for finding in wf.findings:
        assert finding.source is not None and finding.source.file == path.name and finding.source.line > 0
        assert finding.path.startswith("/")
    Workflow.model_validate(wf.model_dump())  # every IR object is valid


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_golden_ir(path: Path) -> None:
    wf = _import(path)
    actual = json.dumps(wf.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    golden = GOLDEN / f"{path.stem}.json"
    if REGEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"missing {golden}; run with JOBMIGRATE_REGEN=1"
    assert actual == golden.read_text(encoding="utf-8"), f"{golden.name} differs; review, then regenerate"


def test_unclazz_shift_jis_sample_in_detail() -> None:
    wf = _import(CORPUS / "unclazz-0001-shiftjis.ajs")
    folder = wf.children[0]
    assert isinstance(folder, Folder) and folder.description == "ユニット0001 ジョブグループ"
    first, second = folder.children
    assert isinstance(first, JobNet) and isinstance(second, JobNet)
    job = first.child("0004")
    assert job is not None and job.command is not None  # type: ignore[union-attr]
    assert job.command.arguments == 'bar baz #sharp# "quoted"'  # type: ignore[union-attr]
    assert [(e.pred, e.succ, e.kind) for e in second.edges] == [("0006", "0007", "conditional")]
    judge = second.child("0006")
    assert judge is not None and judge.judgment is not None  # type: ignore[union-attr]
    assert judge.judgment.op == "file_exists" and judge.judgment.file == "C:\\path\\to\\file.txt"  # type: ignore[union-attr]
    assert {f.code for f in wf.findings} >= {"JP1005", "JP1208"}


def test_invalid_samples_report_their_problems() -> None:
    schedule = _import(CORPUS / "ajsbutler-sample_ref_schedule_utf8.ajs")
    found = {(f.code, f.source.line if f.source else 0) for f in schedule.findings}
    assert ("JP1401", 16) in found  # cy=1,9,y without parentheses
    assert {("JP1502", line) for line in (12, 13, 14, 15)} <= found  # op/cl on a jobnet
    relations = _import(CORPUS / "ajsbutler-sample_ref_relations_utf8.ajs")
    assert ("JP1202", 17) in {(f.code, f.source.line if f.source else 0) for f in relations.findings}
    after = _import(CORPUS / "ajsbutler-semantic_diff_after_utf8.ajs")
    codes = {f.code for f in after.findings}
    assert {"JP1401", "JP1402", "JP1601"} <= codes  # 2026/04/31, st for a rule without sd, eu=after_user
