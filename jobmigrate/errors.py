"""Errors about the user's input, reported as `FILE:LINE:COL: message` and exit code 2."""

from __future__ import annotations

from collections.abc import Iterable


class InputError(Exception):
    """One problem in an input file, located as precisely as the reader knows."""

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class InputErrors(Exception):
    """Several input problems found in one pass; all are reported, not only the first."""

    def __init__(self, errors: Iterable[InputError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class UsageError(Exception):
    """A wrong option or argument; reported like an input error against the command line."""
