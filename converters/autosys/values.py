"""Small readers shared by the semantic passes: numbers and flags with their positions.

A bad value is an input error at its column, but one bad value must not hide the others, so the
passes read through `collect`, which keeps the error and lets the caller go on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final, TypeVar

from jobmigrate.errors import InputError

from .syntax import Attr

T = TypeVar("T")
_INT: Final = re.compile(r"\s*-?\d+\s*")
_TRUE: Final = frozenset({"1", "y", "yes", "true"})
_FALSE: Final = frozenset({"0", "n", "no", "false"})


def collect(errors: list[InputError], read: Callable[[], T]) -> T | None:
    """Run one reader; on an input error keep it and answer None."""
    try:
        return read()
    except InputError as err:
        errors.append(err)
        return None


def integer(attr: Attr | None, low: int, high: int) -> int | None:
    """The attribute as a whole number in [low, high], None when absent."""
    if attr is None:
        return None
    if not _INT.fullmatch(attr.value):
        raise attr.error(f"{attr.key} must be a whole number, found {attr.value!r}")
    number = int(attr.value)
    if not low <= number <= high:
        raise attr.error(f"{attr.key} must be between {low} and {high}, found {number}")
    return number


def flag(attr: Attr | None) -> bool:
    """A JIL boolean (1/0, y/n); absent is false."""
    if attr is None:
        return False
    text = attr.value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise attr.error(f"{attr.key} must be 1 or 0 (y/n), found {attr.value!r}")
