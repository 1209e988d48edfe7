"""Importers of legacy definitions, one module per system, all producing one IR.

Each importer module exposes:

    NAME: str                                   the `--from` value
    sniff(text: str) -> int                     0 = not mine, higher = more certain
    parse(files, options) -> Workflow           raise InputError(s) on malformed input

Modules are imported lazily so that `--from crontab` does not pay for the JP1 reader.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol, cast

from jobmigrate.model import Workflow

_MODULES: dict[str, str] = {
    "jp1": "converters.jp1",
    "crontab": "converters.crontab",
    "controlm": "converters.controlm",
    "autosys": "converters.autosys",
    "yaml": "converters.neutral",
}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A decoded input file. `path` is how findings and errors name it."""

    path: str
    text: str
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class ImportOptions:
    timezone: str = "Asia/Tokyo"
    encoding: str | None = None


class Importer(Protocol):
    NAME: str

    def sniff(self, text: str) -> int: ...

    def parse(self, files: Sequence[SourceFile], options: ImportOptions) -> Workflow: ...


def names() -> list[str]:
    return sorted(_MODULES)


def get(name: str) -> Importer:
    try:
        module: ModuleType = importlib.import_module(_MODULES[name])
    except KeyError:
        raise KeyError(name) from None
    return cast(Importer, module)


def guess(text: str) -> str | None:
    """The importer most sure the text is its format, or None."""
    best: tuple[int, str] = (0, "")
    for name in names():
        score = get(name).sniff(text)
        if score > best[0]:
            best = (score, name)
    return best[1] or None
