"""Shared test support: where the corpus and fixtures are, golden-file comparison, CLI runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
CORPUS = ROOT.parent / "shared" / "corpus"
REGEN = os.environ.get("JOBMIGRATE_REGEN") == "1"


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; JOBMIGRATE_REGEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"missing golden file {path}; run with JOBMIGRATE_REGEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"output differs from golden file {name}"


def jobmigrate(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script the way a user would."""
    exe = Path(sys.executable).parent / "jobmigrate"
    return subprocess.run(
        [str(exe), *map(str, args)], cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False
    )


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not beside the checkout")
    return CORPUS
