"""The neutral format: the IR itself written as YAML or JSON (`--from yaml`).

Users hand-write job-nets in it and tests build cases without a legacy parser. The JSON Schema
generated from the IR models ships with the package (`jobmigrate schema` prints it), so editors
can validate files as people type them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import MISSING, Field, fields, is_dataclass
from enum import Enum
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import Folder, JobNet, Workflow

from . import ImportOptions, SourceFile

NAME = "yaml"
SCHEMA_ID = "https://jobmigrate.invalid/schema/workflow.schema.json"


def schema() -> dict[str, Any]:
    s = Workflow.model_json_schema()
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    s["$id"] = SCHEMA_ID
    return s


def schema_text() -> str:
    """The schema as shipped in jobmigrate/schema/workflow.schema.json."""
    return json.dumps(schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def sniff(text: str) -> int:
    head = text.lstrip()[:2000]
    if "source_system" in head and ("children" in head or "jobnets" in head):
        return 50
    return 0


def dumps(workflow: Workflow, fmt: str = "yaml") -> str:
    data = _compact(workflow)
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2)
        return _NOT_FOR_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


# The YAML reader reads the JSON too. It refuses these characters, and reads NEL and the Unicode
# line separators inside a quoted string as line breaks (a space): json.dumps writes them as
# they are once ensure_ascii is off, so they are escaped after it, where only strings hold them.
_NOT_FOR_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


class _Dumper(yaml.SafeDumper):
    """safe_dump's dumper, except that a string with a NEL is double-quoted (where it is
    escaped): PyYAML writes it raw into a single-quoted string, which reads it back as a space."""


def _represent_str(dumper: yaml.representer.BaseRepresenter, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if "\x85" in value else None)


_Dumper.add_representer(str, _represent_str)


def _compact(value: object) -> Any:
    """JSON-ready data without fields left at their defaults, except the discriminators
    (`node`, `kind`) that tell a reader which model a mapping is."""
    if isinstance(value, BaseModel):  # the Workflow
        out: dict[str, Any] = {}
        for name, info in type(value).model_fields.items():
            v = getattr(value, name)
            if v != info.get_default(call_default_factory=True):
                out[name] = _compact(v)
        return out
    if is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in fields(value):
            v = getattr(value, f.name)
            if f.name in ("node", "kind") or v != _default(f):
                out[f.name] = _compact(v)
        return out
    if isinstance(value, list | tuple):
        return [_compact(v) for v in value]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _default(f: Field[Any]) -> object:
    return f.default_factory() if f.default_factory is not MISSING else f.default


def parse(files: Sequence[SourceFile], options: ImportOptions) -> Workflow:
    merged: Workflow | None = None
    for f in files:
        wf = _parse_one(f)
        if merged is None:
            merged = wf
        else:
            merged.children.extend(wf.children)
            merged.calendars.extend(wf.calendars)
            merged.findings.extend(wf.findings)
            merged.unit_count += wf.unit_count
            merged.files.extend(wf.files)
    if merged is None:
        return Workflow(source_system="yaml", timezone=options.timezone)
    return merged


def _parse_one(f: SourceFile) -> Workflow:
    try:
        root = yaml.compose(f.text)
        data = yaml.safe_load(f.text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise InputError(f.path, line, col, f"not valid YAML: {e.problem or e.context}") from None
    except yaml.reader.ReaderError as e:
        # Characters YAML does not allow (NUL, other control characters): located by offset.
        line = f.text.count("\n", 0, e.position) + 1
        column = e.position - (f.text.rfind("\n", 0, e.position) + 1) + 1
        char = e.character if isinstance(e.character, str) else chr(e.character)
        raise InputError(
            f.path, line, column, f"character U+{ord(char):04X} is not allowed in YAML"
        ) from None
    except yaml.YAMLError as e:
        raise InputError(f.path, 0, 0, f"not valid YAML: {' '.join(str(e).split())}") from None
    if not isinstance(data, dict):
        raise InputError(f.path, 1, 1, "expected a mapping with source_system and children")
    data.setdefault("files", [f.path])
    _add_sources(root, data, f.path)
    try:
        wf = Workflow.model_validate(data)
    except ValidationError as e:
        raise InputErrors(
            InputError(f.path, *_locate(root, err["loc"]), f"{_dotted(err['loc'])}: {err['msg']}")
            for err in e.errors()
        ) from None
    if not wf.unit_count:
        wf.unit_count = _count_units(wf.children)
    return wf


# The fields that hold units and rules. Only these are looked into: a `date` or `node` key
# elsewhere (an external dependency's date, a closing rule's, a job's event or metadata) is no
# unit or rule, and a source added there was read back as a different value or refused.
_HOLDING_UNITS_OR_RULES = frozenset(
    {"children", "schedule", "exclude", "require_any", "start_condition", "events"}
)


def _add_sources(node: yaml.Node | None, data: object, file: str) -> None:
    """Give every unit and rule written without `source` the file and line it is written at."""
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        if ("node" in data or "date" in data) and "source" not in data:
            data["source"] = {
                "file": file,
                "line": node.start_mark.line + 1,
                "column": node.start_mark.column + 1,
            }
        for key_node, value_node in node.value:
            key = getattr(key_node, "value", None)
            if isinstance(key, str) and key in _HOLDING_UNITS_OR_RULES and key in data:
                _add_sources(value_node, data[key], file)
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for child_node, child in zip(node.value, data, strict=False):
            _add_sources(child_node, child, file)


def _count_units(nodes: Sequence[Folder | JobNet]) -> int:
    total = 0
    for n in nodes:
        total += 1
        if isinstance(n, Folder):
            total += _count_units(n.children)
        else:
            total += sum(1 for _ in n.jobs()) + _count_nested(n)
    return total


def _count_nested(net: JobNet) -> int:
    return sum(1 + _count_nested(c) for c in net.children if isinstance(c, JobNet))


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(document)"


def _locate(node: yaml.Node | None, loc: tuple[int | str, ...]) -> tuple[int, int]:
    """Line and column of the deepest YAML node on the error's path that exists."""
    best = node
    for part in loc:
        child = None
        if isinstance(best, yaml.MappingNode):
            child = next((v for k, v in best.value if getattr(k, "value", None) == part), None)
        elif isinstance(best, yaml.SequenceNode) and isinstance(part, int) and part < len(best.value):
            child = best.value[part]
        if child is None:
            continue  # discriminated-union tags appear in loc but not in the document
        best = child
    if best is None:
        return 1, 1
    return best.start_mark.line + 1, best.start_mark.column + 1
