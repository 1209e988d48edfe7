"""Static checks of an ASL definition: transitions, reachability, names and limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MAX_NAME = 80
MAX_DEFINITION_BYTES = 1024 * 1024


def problems(definition: dict[str, Any]) -> list[str]:
    """Everything wrong with a definition, as readable sentences; empty when it is valid."""
    found: list[str] = []
    size = len(json.dumps(definition).encode("utf-8"))
    if size > MAX_DEFINITION_BYTES:
        found.append(f"definition is {size} bytes, over the 1 MB limit")
    _check_machine(definition, "", found)
    return found


def _check_machine(machine: dict[str, Any], where: str, found: list[str]) -> None:
    states: dict[str, Any] = machine.get("States", {})
    start = machine.get("StartAt")
    if start not in states:
        found.append(f"{where}StartAt {start!r} is not a state")
        return
    for name, state in states.items():
        if len(name) > MAX_NAME:
            found.append(f"{where}state name longer than {MAX_NAME} characters: {name!r}")
        targets = list(_targets(state))
        for t in targets:
            if t not in states:
                found.append(f"{where}state {name!r} goes to missing state {t!r}")
        terminal = state.get("Type") in ("Succeed", "Fail") or state.get("End") is True
        if not targets and not terminal:
            found.append(f"{where}state {name!r} has no Next and is not an end state")
        for i, branch in enumerate(state.get("Branches", [])):
            _check_machine(branch, f"{where}{name}[{i}]: ", found)
    reachable = _reachable(start, states)
    for name in states:
        if name not in reachable:
            found.append(f"{where}state {name!r} is unreachable")


def _targets(state: dict[str, Any]) -> Iterator[str]:
    if "Next" in state:
        yield state["Next"]
    if "Default" in state:
        yield state["Default"]
    for choice in state.get("Choices", []):
        yield choice["Next"]
    for catcher in state.get("Catch", []):
        yield catcher["Next"]


def _reachable(start: str, states: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo.extend(_targets(states[name]))
    return seen
