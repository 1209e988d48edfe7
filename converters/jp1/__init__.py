"""JP1/AJS3 importer: unit definition text (`ajsprint -a` output, `ajsdefine` input) -> IR.

Two passes, as legacy-formats.md section 8 asks: `parser` reads the text into a lossless syntax
tree (positions, quoting, repeats); `units` with `schedule`, `calendars` and `jobs` gives it
meaning. `writer` goes the other way (IR -> unit definitions) for round-trip checks and for
writing definitions back. Findings use the `JP1xxx` codes of `findings.CODES`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from converters import ImportOptions, SourceFile
from jobmigrate import gc_pause
from jobmigrate.model import Workflow

from .findings import Reporter
from .parser import iter_units
from .units import TreeBuilder

NAME: Final = "jp1"

_UNIT: Final = re.compile(r"^\s*unit\s*=\s*[^;\n]*;", re.M)
_TY: Final = re.compile(r"\bty\s*=\s*(?:g|mg|n|rn|j|pj|jdj|evwj|flwj)\s*;")


def sniff(text: str) -> int:
    """How sure we are that `text` is a JP1 unit definition: 0 (not) .. 100."""
    head = text[:20000]
    units = len(_UNIT.findall(head))
    if units == 0:
        return 0
    score = 40 + min(units, 10) * 3
    if _TY.search(head):
        score += 30
    return min(score, 100)


def parse(files: Sequence[SourceFile], options: ImportOptions) -> Workflow:
    """Read every file into one workflow. Raises InputError on a syntax error in any file."""
    rep = Reporter()
    builder = TreeBuilder(rep)
    # The cyclic collector would take over 60% of a 20,000-job import (see jobmigrate.gc_pause).
    with gc_pause.paused():
        for f in files:
            builder.add_file(iter_units(f.text, f.path))
    result = builder.result
    return Workflow(
        source_system=NAME,
        timezone=options.timezone,
        files=[f.path for f in files],
        children=result.children,
        calendars=result.calendars,
        findings=rep.findings,
        unit_count=result.units_read,
    )
