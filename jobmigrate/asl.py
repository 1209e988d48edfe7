"""Amazon States Language built as typed data, serialised with `json`, never by string pasting.

Only JSONPath states are produced: the local interpreter (moto) cannot run JSONata.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import orjson

SDK = "arn:aws:states:::aws-sdk:"


@dataclass(slots=True)
class Retrier:
    errors: list[str]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ErrorEquals": self.errors,
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": self.backoff_rate,
        }


@dataclass(slots=True)
class Catcher:
    errors: list[str]
    next: str
    result_path: str | None = "$.error"

    def to_dict(self) -> dict[str, Any]:
        return {"ErrorEquals": self.errors, "Next": self.next, "ResultPath": self.result_path}


@dataclass(slots=True)
class State:
    comment: str | None = None

    def body(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        d = self.body()
        if self.comment:
            d["Comment"] = self.comment
        return d


def _transition(d: dict[str, Any], next_state: str | None) -> dict[str, Any]:
    if next_state is None:
        d["End"] = True
    else:
        d["Next"] = next_state
    return d


@dataclass(slots=True)
class Task(State):
    resource: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    result_selector: dict[str, Any] | None = None
    result_path: str | None = None
    next: str | None = None
    retry: list[Retrier] = field(default_factory=list)
    catch: list[Catcher] = field(default_factory=list)
    timeout_seconds: int | None = None

    def body(self) -> dict[str, Any]:
        d: dict[str, Any] = {"Type": "Task", "Resource": self.resource, "Parameters": self.parameters}
        if self.result_selector is not None:
            d["ResultSelector"] = self.result_selector
        if self.result_path is not None:
            d["ResultPath"] = self.result_path
        if self.timeout_seconds is not None:
            d["TimeoutSeconds"] = self.timeout_seconds
        if self.retry:
            d["Retry"] = [r.to_dict() for r in self.retry]
        if self.catch:
            d["Catch"] = [c.to_dict() for c in self.catch]
        return _transition(d, self.next)


@dataclass(slots=True)
class Wait(State):
    seconds: int = 30
    next: str | None = None

    def body(self) -> dict[str, Any]:
        return _transition({"Type": "Wait", "Seconds": self.seconds}, self.next)


@dataclass(slots=True)
class Pass(State):
    result: Any = None
    parameters: dict[str, Any] | None = None
    input_path: str | None = None
    result_path: str | None = None
    next: str | None = None

    def body(self) -> dict[str, Any]:
        d: dict[str, Any] = {"Type": "Pass"}
        if self.input_path is not None:
            d["InputPath"] = self.input_path
        if self.parameters is not None:
            d["Parameters"] = self.parameters
        if self.result is not None:
            d["Result"] = self.result
        if self.result_path is not None:
            d["ResultPath"] = self.result_path
        return _transition(d, self.next)


@dataclass(slots=True)
class Choice(State):
    choices: list[dict[str, Any]] = field(default_factory=list)
    default: str | None = None

    def body(self) -> dict[str, Any]:
        d: dict[str, Any] = {"Type": "Choice", "Choices": self.choices}
        if self.default is not None:
            d["Default"] = self.default
        return d


@dataclass(slots=True)
class Succeed(State):
    def body(self) -> dict[str, Any]:
        return {"Type": "Succeed"}


@dataclass(slots=True)
class Fail(State):
    error: str = "JobFailed"
    cause: str = ""

    def body(self) -> dict[str, Any]:
        return {"Type": "Fail", "Error": self.error, "Cause": self.cause}


@dataclass(slots=True)
class Parallel(State):
    branches: list[StateMachine] = field(default_factory=list)
    result_selector: dict[str, Any] | None = None
    result_path: str | None = None
    catch: list[Catcher] = field(default_factory=list)
    next: str | None = None

    def body(self) -> dict[str, Any]:
        d: dict[str, Any] = {"Type": "Parallel", "Branches": [b.to_dict() for b in self.branches]}
        if self.result_selector is not None:
            d["ResultSelector"] = self.result_selector
        if self.result_path is not None:
            d["ResultPath"] = self.result_path
        if self.catch:
            d["Catch"] = [c.to_dict() for c in self.catch]
        return _transition(d, self.next)


@dataclass(slots=True)
class StateMachine:
    start_at: str
    states: dict[str, State]
    comment: str | None = None
    timeout_seconds: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.comment:
            d["Comment"] = self.comment
        d["StartAt"] = self.start_at
        if self.timeout_seconds is not None:
            d["TimeoutSeconds"] = self.timeout_seconds
        bodies = {name: state.to_dict() for name, state in self.states.items()}
        d["States"] = {name: bodies[name] for name in _reading_order(self.start_at, bodies)}
        return d


def _reading_order(start: str, bodies: dict[str, dict[str, Any]]) -> list[str]:
    """States in the order a reviewer follows them: depth first from StartAt, the normal path
    before choices and error paths; anything unreachable last, as built."""
    order: list[str] = []
    seen: set[str] = set()
    stack = [start]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        body = bodies.get(name)
        if body is None:
            continue
        seen.add(name)
        order.append(name)
        if "Choices" in body or "Catch" in body or "Default" in body:
            stack.extend(reversed(_successors(body)))
        elif "Next" in body:  # most states: one way on
            stack.append(body["Next"])
    if len(order) == len(bodies):
        return order
    return order + [n for n in bodies if n not in seen]


# Definitions carry our own CloudFormation placeholders (instance ids, topic and state machine
# ARNs) as NUL-delimited sentinels until they are written out. Legacy text never holds NUL, so
# a `${...}` inside a legacy command can be told from ours and protected in the template.
DOLLAR = "Dollar"  # substitution whose value is "$": legacy "${" becomes "${Dollar}{"


def placeholder(key: str) -> str:
    """A DefinitionSubstitutions placeholder the planner puts into a definition."""
    return f"\x00{key}\x00"


def resolve(definition: Any, *, protect_legacy: bool = False) -> Any:
    """The definition with our placeholders written as `${Key}`. With `protect_legacy`, every
    other `${` (legacy text) is written `${Dollar}{` so CloudFormation leaves it as it was."""
    return orjson.loads(_resolve_text(orjson.dumps(definition).decode("utf-8"), protect_legacy))


@dataclass(frozen=True, slots=True)
class Deployed:
    """A definition as deployed (see `deployed`), serialised once for every file that holds it."""

    text: str  # indented JSON: statemachines/<name>.asl.json, read by Terraform's file()
    compact: str  # one line of ASCII JSON: the `Definition` embedded in template.yaml
    protects_legacy: bool  # legacy `${` was written `${Dollar}{`: needs the Dollar substitution


def deployed(definition: dict[str, Any], compact: bytes | None = None) -> Deployed:
    """Serialise `definition` with our placeholders as `${Key}` and legacy `${` protected as
    `${Dollar}{`, so that CloudFormation's DefinitionSubstitutions (and Terraform's replace())
    turn it into exactly what was planned. Working on the JSON text rather than walking the
    tree keeps this linear in the output, which is most of a large conversion. `compact` is
    `orjson.dumps(definition)` when the caller has it already (the planner makes it)."""
    indented = orjson.dumps(definition, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    text = indented.decode("utf-8")
    protects = "${" in text  # only legacy text can hold it: ours are still NUL sentinels
    one_line = _resolve_text((compact or orjson.dumps(definition)).decode("utf-8"), protect_legacy=True)
    text = _resolve_text(text, protect_legacy=True)
    # The compact form holds the same strings in less text: the cheaper one to ask.
    if not one_line.isascii() and not unicodedata.is_normalized("NFC", one_line):
        # Terraform normalises what file() reads to NFC; escapes keep decomposed legacy text
        # (a kana with a separate sound mark, say) exactly as written.
        text = _NOT_PRINTABLE_ASCII.sub(_json_escape, text)
    return Deployed(
        text=text,
        compact=_NOT_PRINTABLE_ASCII.sub(_json_escape, one_line),
        protects_legacy=protects,
    )


# JSON leaves DEL and everything beyond ASCII raw; YAML readers refuse some of those.
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x00-\x7e]")
_NUL = "\\u0000"  # how JSON writes the NUL that delimits our placeholders


def _resolve_text(text: str, protect_legacy: bool) -> str:
    """Our placeholders in JSON text are `\\u0000Key\\u0000`; a `\\u0000` is ours unless its
    backslash is itself escaped (legacy text holds no NUL, only perhaps the six characters).
    Literal searches with `str.find` keep this a fast scan of the megabytes of a large
    conversion, where a regex stops at every backslash."""
    if protect_legacy and "${" in text:
        text = text.replace("${", "${" + DOLLAR + "}{")
    parts: list[str] = []
    done = 0
    at = text.find(_NUL)
    while at >= 0:
        if _escaped(text, at):
            at = text.find(_NUL, at + 1)
            continue
        close = text.find(_NUL, at + len(_NUL))  # keys are alphanumeric: the next one closes
        key = text[at + len(_NUL) : close]
        if close < 0 or not (key.isascii() and key.isalnum()):  # not ours: importers refuse NUL
            at = text.find(_NUL, at + 1)
            continue
        parts += (text[done:at], "${", key, "}")
        done = close + len(_NUL)
        at = text.find(_NUL, done)
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def _escaped(text: str, at: int) -> bool:
    """Whether the backslash at `at` is escaped by an odd run of backslashes before it."""
    run = 0
    while at - run - 1 >= 0 and text[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _json_escape(match: re.Match[str]) -> str:
    """A `\\uXXXX` escape (a surrogate pair beyond the BMP): it reads the same in JSON and YAML."""
    code = ord(match.group(0))
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _successors(state: dict[str, Any]) -> list[str]:
    found = [state["Next"]] if "Next" in state else []
    found += [c["Next"] for c in state.get("Choices", [])]
    if "Default" in state:
        found.append(state["Default"])
    found += [c["Next"] for c in state.get("Catch", [])]
    return found
