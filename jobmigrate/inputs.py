"""From command-line INPUT arguments to decoded files and the importer that reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import converters
from converters import ImportOptions, SourceFile

from .encoding import decode
from .errors import InputError, UsageError
from .model import Workflow

_SKIP_DIRS = {".git", "__pycache__", ".venv", "node_modules"}


def collect(paths: Sequence[str]) -> list[Path]:
    """Files named on the command line, and every file below named folders, in a stable order."""
    found: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found.extend(
                sorted(
                    f
                    for f in path.rglob("*")
                    if f.is_file() and not _SKIP_DIRS.intersection(f.parts) and not f.name.startswith(".")
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise InputError(p, 0, 0, "no such file or folder")
    if not found:
        raise UsageError("no input files")
    return found


def read(paths: Sequence[Path], encoding: str | None) -> list[SourceFile]:
    files = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise InputError(str(path), 0, 0, f"cannot read: {e.strerror or e}") from None
        text, used = decode(data, str(path), encoding)
        files.append(SourceFile(path=str(path), text=text, encoding=used))
    return files


@dataclass(frozen=True, slots=True)
class Loaded:
    workflow: Workflow
    importer: str
    guessed: bool


def load(inputs: Sequence[str], source_format: str | None, options: ImportOptions) -> Loaded:
    files = read(collect(inputs), options.encoding)
    guessed = source_format is None
    if source_format is None:
        source_format = converters.guess(files[0].text)
        if source_format is None:
            raise InputError(files[0].path, 1, 1, "cannot tell the format of this file; use --from")
    elif source_format not in converters.names():
        raise UsageError(f"unknown --from {source_format!r}; known: {', '.join(converters.names())}")
    importer = converters.get(source_format)
    workflow = importer.parse(files, options)
    return Loaded(workflow=workflow, importer=source_format, guessed=guessed)
