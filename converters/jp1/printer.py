"""Write the JP1/AJS3 syntax tree back as `ajsprint -a` style text.

The output reads back with `converters.jp1.parser.parse_units` to the same names, keys and value
texts. Values keep their original form where that is safe: quoted stays quoted, and raw text stays
raw when it reads back as itself, so `mladr=to:"x@y"` is not turned into a different JP1 value by
quoting it. Everything else is quoted with `#` escapes.
"""

from __future__ import annotations

import re

from .parser import read_values
from .syntax import Scalar, Tuple, UnitDef, Value

__all__ = ["format_value", "print_units", "quote"]

# Characters after which raw text needs a closer look: separators, quotes, grouping, line breaks.
_NEEDS_CHECK = re.compile(r'[,;"#(){}\r\n]|^[ \t]|[ \t]$')
# In a tuple item a raw value must not look like `key=`, and cannot hold separators or quotes.
_TUPLE_RAW = re.compile(r'[^,;"(){}\r\n]*')
_TUPLE_KEYLIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[ \t]*=")
_NAME_FORBIDDEN = re.compile(r'[,;"{}\r\n]')
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def print_units(units: list[UnitDef]) -> str:
    """Render `units` (top-level, in order) with tab indentation, one statement per line."""
    out: list[str] = []
    # An explicit stack: trees from hostile input can nest deeper than Python's recursion limit.
    # Entries are (unit, depth) to open, or (None, depth) to close the block at that depth.
    pending: list[tuple[UnitDef | None, int]] = [(unit, 0) for unit in reversed(units)]
    while pending:
        unit, depth = pending.pop()
        indent = "\t" * depth
        if unit is None:
            out.append(f"{indent}}}\n")
            continue
        out.append(f"{indent}unit={_unit_attributes(unit, depth > 0)};\n{indent}{{\n")
        inner = indent + "\t"
        for param in unit.params:
            out.append(f"{inner}{_param_key(param.key)}={','.join(map(format_value, param.values))};\n")
        pending.append((None, depth))
        pending.extend((child, depth + 1) for child in reversed(unit.children))
    return "".join(out)


def format_value(value: Value) -> str:
    """One value as it appears between '=' and ';' (or between commas)."""
    if isinstance(value, Tuple):
        return "(" + ",".join(_tuple_item(key, text) for key, text in value.items) + ")"
    if value.quoted or not _raw_reads_back(value.text):
        return quote(value.text)
    return value.text


def quote(text: str) -> str:
    """`text` as a JP1 quoted string: `#` escapes '"' and itself."""
    return '"' + text.replace("#", "##").replace('"', '#"') + '"'


def _raw_reads_back(text: str) -> bool:
    if _NEEDS_CHECK.search(text) is None:
        return True
    values = read_values(text)
    return (
        values is not None
        and len(values) == 1
        and isinstance(values[0], Scalar)
        and not values[0].quoted
        and values[0].text == text
    )


def _tuple_item(key: str | None, text: str) -> str:
    # Tuple item values are unquoted when read, so the quoted flag is not kept; quote only when
    # the raw form would read differently (or not at all).
    raw_ok = (
        text
        and _TUPLE_RAW.fullmatch(text) is not None
        and text.strip(" \t") == text
        and (key is not None or _TUPLE_KEYLIKE.match(text) is None)
    )
    value = text if raw_ok else quote(text)
    return value if key is None else f"{_item_key(key)}={value}"


def _unit_attributes(unit: UnitDef, is_child: bool) -> str:
    # Unit attributes have no quoting in JP1, so what cannot be written plainly is an error.
    fields = (unit.name, unit.permission, unit.owner, unit.resource_group)
    for field in fields:
        if _NAME_FORBIDDEN.search(field) or field != field.strip(" \t"):
            raise ValueError(f"unit attribute {field!r} of unit {unit.name!r} cannot be written")
    if not unit.name or (is_child and "/" in unit.name):
        raise ValueError(f"{unit.name!r} cannot be written as a unit name")
    return ",".join(fields)


def _param_key(key: str) -> str:
    # `unit=` starts a unit definition, so no parameter can have that name.
    if key == "unit":
        raise ValueError(f"{key!r} cannot be written as a parameter name")
    return _item_key(key)


def _item_key(key: str) -> str:
    """A key inside a tuple, `(f=A,...)`; there `unit` is an ordinary key."""
    if _KEY.fullmatch(key) is None:
        raise ValueError(f"{key!r} cannot be written as a parameter name")
    return key
