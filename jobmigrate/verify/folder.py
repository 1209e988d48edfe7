"""Reading a converted folder back: the plan, its state machines and its calendars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jobmigrate.errors import InputError
from jobmigrate.plan import Plan


def load_plan(folder: Path) -> Plan:
    path = folder / "plan.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(
            str(path), 0, 0, f"cannot read: {e.strerror or e} (is this a converted folder?)"
        ) from None
    except json.JSONDecodeError as e:
        raise InputError(str(path), e.lineno, e.colno, f"not valid JSON: {e.msg}") from None
    try:
        plan = Plan.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(str(path), 1, 1, f"not a jobmigrate plan: {where}: {first['msg']}") from None
    for c in plan.calendars:
        ics = folder / c.file
        c.ics = ics.read_text(encoding="utf-8") if ics.exists() else ""
    return plan


def load_definition(folder: Path, relative: str) -> dict[str, Any]:
    path = folder / relative
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(str(path), 0, 0, f"cannot read: {e.strerror or e}") from None
    except json.JSONDecodeError as e:
        raise InputError(str(path), e.lineno, e.colno, f"not valid JSON: {e.msg}") from None
    return data
