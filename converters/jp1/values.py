"""Small readers shared by the semantic modules: parameter values as text, numbers, times.

The syntax tree keeps values as `Scalar` / `Tuple`; meaning needs plain strings and numbers.
These helpers never raise on bad input: they return None and let the caller report a finding
with the parameter's line, because one bad value must not stop the import of a whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from jobmigrate.model import RawParam

from .syntax import Param, Scalar, Tuple, UnitDef, Value

_HHMM: Final = re.compile(r"(\d{1,2}):(\d{2})")
_INT: Final = re.compile(r"-?\d+")


def text_of(value: Value) -> str:
    """A value as written (tuples re-joined), for messages and for string-valued parameters."""
    if isinstance(value, Scalar):
        return value.text
    return "(" + ",".join(v if k is None else f"{k}={v}" for k, v in value.items) + ")"


def joined(param: Param) -> str:
    """All values of a parameter joined by commas (`mladr=to:"a",x` keeps its comma)."""
    if len(param.values) == 1:
        return text_of(param.values[0])
    return ",".join(text_of(v) for v in param.values)


def scalar_texts(values: Sequence[Value]) -> list[str] | None:
    """The texts of values that must all be scalars, or None when a tuple is among them."""
    out: list[str] = []
    for v in values:
        if not isinstance(v, Scalar):
            return None
        out.append(v.text)
    return out


def to_int(text: str, low: int, high: int) -> int | None:
    """`text` as an integer in [low, high], else None."""
    if not _INT.fullmatch(text):
        return None
    n = int(text)
    return n if low <= n <= high else None


def hhmm_minutes(text: str, max_hour: int) -> int | None:
    """`hh:mm` as minutes, hours 0..max_hour, minutes 0..59; None when malformed."""
    m = _HHMM.fullmatch(text)
    if m is None:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2))
    if hours > max_hour or minutes > 59:
        return None
    return hours * 60 + minutes


def split_rule(param: Param, arity: int) -> tuple[int | None, list[Value]]:
    """Split an optional leading rule number `N,` off a schedule parameter.

    `arity` is the least number of values the parameter has without a rule number; more values
    than that, the first an integer, means the first is the rule (`shd=2,3` is rule 2, `shd=3`
    rule 1; `cy=1,9,y` is still recognised as rule 1 so its error can name the rule). Returns
    (None, values) when there is no rule number (rule 1 is then implied by the caller).
    """
    values = param.values
    if len(values) > arity:
        first = values[0]
        if isinstance(first, Scalar) and first.text.isdigit():
            return int(first.text), list(values[1:])
    return None, list(values)


def raw_params(unit: UnitDef) -> list[RawParam]:
    """Every parameter of a unit, as written, plus the unit line itself (owner, permission)."""
    head = f"{unit.name},{unit.permission},{unit.owner},{unit.resource_group}"
    out = [RawParam("unit", head, unit.line)]
    out.extend([RawParam(p.key, p.raw, p.line) for p in unit.params])
    return out


def raw_of(params: Iterable[Param]) -> list[RawParam]:
    return [RawParam(p.key, p.raw, p.line) for p in params]


def type_of(unit: UnitDef) -> str | None:
    """The unit's `ty` value (last one when repeated), or None."""
    found: str | None = None
    for p in unit.params:
        if p.key == "ty" and p.values and isinstance(p.values[0], Scalar):
            found = p.values[0].text
    return found


def tuple_items(value: Value) -> list[tuple[str | None, str]] | None:
    return value.items if isinstance(value, Tuple) else None
