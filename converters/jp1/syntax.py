"""The JP1/AJS3 unit definition syntax tree (what `ajsprint -a` prints, `ajsdefine` reads).

This is the concrete tree: units, their attributes and parameters as written, with positions.
`converters.jp1.parser` builds it from text; `converters.jp1.units` gives it meaning (IR).
Slotted dataclasses, not pydantic: a large export has hundreds of thousands of parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Scalar:
    """A plain or quoted value. `text` is unescaped (`#"` -> `"`, `##` -> `#`)."""

    text: str
    quoted: bool = False
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Tuple:
    """A parenthesised value: `(f=A,t=B,seq)` -> [("f","A"),("t","B"),(None,"seq")]."""

    items: list[tuple[str | None, str]]
    line: int = 0
    column: int = 0


Value = Scalar | Tuple


@dataclass(slots=True)
class Param:
    """`key=v1,v2,...;` with the raw text between `=` and `;` kept for provenance."""

    key: str
    values: list[Value]
    raw: str
    line: int
    column: int


@dataclass(slots=True)
class UnitDef:
    """`unit=name,permission,owner,group;{ params... child units... }`."""

    name: str
    permission: str
    owner: str
    resource_group: str
    params: list[Param] = field(default_factory=list)
    children: list[UnitDef] = field(default_factory=list)
    file: str = ""
    line: int = 0
    column: int = 0
    end_line: int = 0

    def get(self, key: str) -> list[Param]:
        return [p for p in self.params if p.key == key]

    def first(self, key: str) -> Param | None:
        for p in self.params:
            if p.key == key:
                return p
        return None
