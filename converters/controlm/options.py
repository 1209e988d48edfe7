"""Site settings the export does not carry, read from the environment.

    JOBMIGRATE_CONTROLM_NEWDAY      HH:MM (or HHMM), default 00:00: the Control-M/Server "new day"
                                    time at which order dates begin (parameter Day_Time).
    JOBMIGRATE_CONTROLM_WEEK_START  sunday (default) or monday: how WEEKDAYS numbers days.
                                    sunday: 0 = Sunday, 1 = Monday .. 6 = Saturday (distributed
                                    Control-M); monday: 0 = Monday .. 6 = Sunday.

They are environment variables until the CLI grows options for importer settings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from jobmigrate.errors import UsageError
from jobmigrate.model import Weekday

NEWDAY_VARIABLE: Final = "JOBMIGRATE_CONTROLM_NEWDAY"
WEEK_START_VARIABLE: Final = "JOBMIGRATE_CONTROLM_WEEK_START"

_HHMM: Final = re.compile(r"([01]?\d|2[0-3]):?([0-5]\d)")
_SUNDAY_FIRST: Final[tuple[Weekday, ...]] = ("su", "mo", "tu", "we", "th", "fr", "sa")
_MONDAY_FIRST: Final[tuple[Weekday, ...]] = ("mo", "tu", "we", "th", "fr", "sa", "su")

WeekStart = Literal["sunday", "monday"]


@dataclass(frozen=True, slots=True)
class SiteOptions:
    newday_minutes: int = 0
    week_start: WeekStart = "sunday"

    @property
    def newday_text(self) -> str:
        return f"{self.newday_minutes // 60:02d}:{self.newday_minutes % 60:02d}"

    def weekday(self, number: int) -> Weekday:
        """The day a WEEKDAYS number 0..6 stands for."""
        return (_SUNDAY_FIRST if self.week_start == "sunday" else _MONDAY_FIRST)[number]


def from_environment(environ: Mapping[str, str] | None = None) -> SiteOptions:
    env = os.environ if environ is None else environ
    newday = env.get(NEWDAY_VARIABLE, "").strip()
    minutes = 0
    if newday:
        match = _HHMM.fullmatch(newday)
        if match is None:
            raise UsageError(f"{NEWDAY_VARIABLE}={newday!r}: expected HH:MM, 00:00 to 23:59")
        minutes = int(match.group(1)) * 60 + int(match.group(2))
    start = env.get(WEEK_START_VARIABLE, "").strip().lower() or "sunday"
    if start not in ("sunday", "monday"):
        raise UsageError(f"{WEEK_START_VARIABLE}={start!r}: expected sunday or monday")
    return SiteOptions(newday_minutes=minutes, week_start="sunday" if start == "sunday" else "monday")
