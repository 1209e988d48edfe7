"""Where a conversion's files go: an output folder written in full or not at all, or memory.

A large conversion writes some 250 MB; holding it all before writing would cost as much memory.
So the folder is staged beside its final place and filled as the work goes: each state machine
definition as soon as it is planned, each template as Jinja produces it. Only when everything is
written does the staging folder replace the output folder; on any error it is removed and the
previous output stays as it was.

Serialising definitions for deployment (placeholders, protected legacy `${`, indenting, ASCII
escapes) and writing them costs about as much as planning them, so once a conversion has sent a
few megabytes of them a second process takes over that work while planning goes on (see
`writer`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Protocol

from . import asl
from .writer import COMPACT, Writer, compact_file, definition_file, protects_file, write, write_definition

__all__ = ["Definition", "Files", "Folder", "Memory", "definition_file", "write_atomically"]


class Definition(Protocol):
    """A definition as the templates embed it (see asl.deployed)."""

    @property
    def compact(self) -> str: ...

    @property
    def protects_legacy(self) -> bool: ...


class Files(Protocol):
    def write(self, rel: str, chunks: Iterable[str]) -> None: ...

    def definition(self, name: str) -> Definition: ...


class Memory:
    """Files kept as text, for tests and for callers that want them; definitions come from the
    plan and are serialised when the emitter first asks for them."""

    def __init__(self, definitions: dict[str, dict[str, object]]) -> None:
        self.texts: dict[str, str] = {}
        self._definitions = definitions

    def write(self, rel: str, chunks: Iterable[str]) -> None:
        self.texts[rel] = "".join(chunks)

    def definition(self, name: str) -> Definition:
        deployed = asl.deployed(self._definitions[name])
        self.texts[definition_file(name)] = deployed.text
        return deployed


class _Stored:
    """A definition written by `Folder.__call__`, read back when a template embeds it."""

    def __init__(self, stage: Path, name: str) -> None:
        self._path = stage / compact_file(name)
        self.protects_legacy = (stage / protects_file(name)).exists()

    @property
    def compact(self) -> str:
        return self._path.read_text(encoding="utf-8")


# A writer process starts in about 0.1 s: worth it once this much has been written here.
WRITER_FROM_BYTES = 4_000_000


class Folder:
    """The output folder, staged beside `out` and moved into place by `commit`.

    Also the planner's definition sink: `folder(name, definition, compact)` writes the
    definition file and its compact form at once (or has the writer process write them), so
    definitions never accumulate in memory.
    """

    def __init__(self, out: Path, writer_from: int | None = WRITER_FROM_BYTES) -> None:
        """`writer_from`: the definition bytes written here before a writer process takes over
        (None: never; 0: from the first)."""
        self.out = out.resolve()
        self.stage = self.out  # set on entry
        self._writer_from = writer_from
        self._sent = 0
        self._writer: Writer | None = None
        self._pending = False  # definitions sent to the writer since it last said all is written

    def __enter__(self) -> Folder:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.new-", dir=self.out.parent))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self.stage.exists() and self.stage != self.out:
            shutil.rmtree(self.stage, ignore_errors=True)

    def __call__(self, name: str, definition: dict[str, object], compact: bytes) -> None:
        if self._writer is None and self._writer_from is not None and self._sent >= self._writer_from:
            try:
                self._writer = Writer(self.stage)
            except OSError:  # no interpreter to start (an embedded Python): all of it here
                self._writer_from = None
        if self._writer is not None:
            self._writer.send(name, compact)
            self._pending = True
        else:
            write_definition(self.stage, name, asl.deployed(definition, compact))
            self._sent += len(compact)

    def definition(self, name: str) -> Definition:
        self._written()
        return _Stored(self.stage, name)

    def write(self, rel: str, chunks: Iterable[str]) -> None:
        write(self.stage, rel, chunks)

    def _written(self) -> None:
        """Wait until every definition sent is in the folder."""
        if self._writer is not None and self._pending:
            self._writer.sync()
            self._pending = False

    def commit(self) -> None:
        """Replace the output folder with the staged one."""
        self._written()
        shutil.rmtree(self.stage / COMPACT, ignore_errors=True)
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
            os.replace(self.out, old / self.out.name)
            os.replace(self.stage, self.out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.stage, self.out)


def write_atomically(out: Path, files: dict[str, str]) -> None:
    """Replace `out` with exactly `files`; on any error the previous `out` is untouched."""
    with Folder(out, writer_from=None) as folder:
        for rel, text in sorted(files.items()):
            folder.write(rel, [text])
        folder.commit()
