"""DEFCAL calendar exports -> IR `Calendar`s.

`<DEFCAL><CALENDAR NAME= TYPE=><YEAR NAME="2027" DAYS="..."/></CALENDAR></DEFCAL>`: each year's
DAYS is 372 characters, twelve months of 31 positions, `Y` for a working day and `N` for any
other (positions past a month's end are padding). An IR calendar lists dates only: every weekday
is closed and the `Y` dates are open, so a year the export does not list has no working day,
as in Control-M.

Every calendar carries the site's new-day time as its base time: a rule evaluated against
DAYSCAL or CONFCAL starts its business day there, like the job-net's own calendar.

Periodic calendars write period letters instead of `Y`; they are read as "any letter is a
working day" (CTM502), which is what DAYSCAL does with them outside the periodic `DnPi` forms.
Rule-based calendars of the EM (TYPE Rule_Based) carry rules, not years, and are reported.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from typing import Final

from jobmigrate.model import WEEKDAYS, Calendar, RawParam, Source

from .findings import Reporter
from .options import SiteOptions
from .xmltree import Element

DAYS_LENGTH: Final = 372
_YEAR: Final = re.compile(r"\d{4}")
_PLAIN_TYPES: Final = frozenset({"", "REGULAR", "RELATIVE"})


def read_defcal(root: Element, options: SiteOptions, rep: Reporter) -> list[Calendar]:
    """The calendars of one DEFCAL document, in document order."""
    out: list[Calendar] = []
    for element in root.children:
        if element.tag != "CALENDAR":
            rep.add("CTM005", f"<{element.tag}> in a DEFCAL export kept raw", "", element.file, element.line)
            continue
        calendar = _calendar(element, options, rep)
        if calendar is not None:
            out.append(calendar)
    return out


def _calendar(element: Element, options: SiteOptions, rep: Reporter) -> Calendar | None:
    name = element.get("NAME")
    if not name:
        rep.add("CTM504", "CALENDAR without NAME; not converted", "", element.file, element.line)
        return None
    kind = element.get("TYPE").upper().replace(" ", "_")
    if kind == "RULE_BASED":
        message = f"calendar {name} is rule based (TYPE={element.get('TYPE')}); define it as a folder RBC"
        rep.add("CTM504", message, name, element.file, element.line)
        return None
    if kind not in _PLAIN_TYPES:
        message = f"calendar {name} has TYPE={element.get('TYPE')}: any letter but N read as a working day"
        rep.add("CTM502", message, name, element.file, element.line)
    open_dates: list[dt.date] = []
    raw = element.raw()
    for year in element.children:
        if year.tag != "YEAR":
            rep.add("CTM005", f"<{year.tag}> in CALENDAR {name} kept raw", name, year.file, year.line)
            continue
        raw.append(RawParam(key=f"YEAR {year.get('NAME')}", value=year.get("DAYS"), line=year.line))
        open_dates.extend(_year_dates(year, name, rep))
    return Calendar(
        name=name,
        open_dates=sorted(set(open_dates)),
        closed_weekdays=list(WEEKDAYS),
        base_time_minutes=options.newday_minutes,
        source=Source(file=element.file, line=element.line, column=element.column),
        raw=raw,
    )


def _year_dates(year: Element, name: str, rep: Reporter) -> list[dt.date]:
    label, days = year.get("NAME"), year.attrs.get("DAYS", "")
    line = year.attr_line("DAYS")
    if not _YEAR.fullmatch(label) or not 1 <= int(label) <= 9999:
        rep.add("CTM501", f"calendar {name}: YEAR NAME={label!r} is not a year", name, year.file, year.line)
        return []
    if len(days) != DAYS_LENGTH:
        message = f"calendar {name} {label}: DAYS has {len(days)} characters, expected {DAYS_LENGTH}"
        rep.add("CTM501", message, name, year.file, line)
        return []
    bad = next((i for i, flag in enumerate(days) if not flag.isalpha()), None)
    if bad is not None:
        message = f"calendar {name} {label}: DAYS character {bad + 1} is {days[bad]!r}, expected Y or N"
        rep.add("CTM501", message, name, year.file, line)
        return []
    number = int(label)
    found: list[dt.date] = []
    padding: list[str] = []
    for month in range(1, 13):
        length = _cal.monthrange(number, month)[1]
        for day in range(1, 32):
            flag = days[(month - 1) * 31 + day - 1]
            if not _working(flag):
                continue
            if day > length:
                padding.append(f"{month:02d}-{day:02d}")
            else:
                found.append(dt.date(number, month, day))
    if padding:
        message = f"calendar {name} {label}: days past a month's end marked working ({', '.join(padding)})"
        rep.add("CTM505", message + "; ignored", name, year.file, line)
    return found


def _working(flag: str) -> bool:
    return flag.upper() != "N"
