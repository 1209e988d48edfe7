#!/usr/bin/env python3
"""Set up and run jobmigrate from a fresh checkout with nothing but Python 3.11 and PyPI.

    python3 dev.py example   convert the bundled examples into ./out/
    python3 dev.py test      lint (ruff), type-check (mypy) and run the test suite

Both create ./.venv on first use and install jobmigrate with what it needs; later runs reuse it
and reinstall only when pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".jobmigrate-installed"


def run(*cmd: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit(f"jobmigrate needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[test]")
        STAMP.write_text(wanted)


def example() -> int:
    ensure_venv()
    worst = 0
    for name, args in (
        ("crontab", ["examples/crontab/ops.crontab", "--from", "crontab"]),
        ("jp1", ["examples/jp1/finance.ajs", "--from", "jp1"]),
        ("controlm", ["examples/controlm", "--from", "controlm"]),
        ("autosys", ["examples/autosys/daily_batch.jil", "--from", "autosys"]),
    ):
        if not (ROOT / args[0]).exists():  # an example folder left out of a partial checkout
            continue
        code = run(
            BIN / "jobmigrate", "convert", *args, "--tz", "Asia/Tokyo", "--out", f"out/{name}", check=False
        )
        worst = max(worst, code)
    print("\nOutput in ./out/ per example: plan.json, statemachines/, template.yaml, report.html ...")
    return 0 if worst <= 1 else worst


def test() -> int:
    ensure_venv()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    return run(BIN / "python", "-m", "pytest", "-n", "2", "-q", *sys.argv[2:], check=False)


def main() -> int:
    commands = {"example": example, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    try:
        return commands[sys.argv[1]]()
    except subprocess.CalledProcessError as e:
        return e.returncode or 1


if __name__ == "__main__":
    sys.exit(main())
