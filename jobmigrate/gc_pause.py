"""Pausing Python's cyclic garbage collector while large, acyclic structures are built.

Importing, planning and rendering allocate millions of small objects that reference counting
frees on its own; left on, the cyclic collector rescans the growing heap again and again (over a
third of a 20,000-job conversion, more of an import). Nested pauses restore it once, at the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
