"""SSM Change Calendar documents: writing them as iCalendar, reading them back, and answering
GetCalendarState the way SSM does, so the AWS side is checked from the emitted documents.

A DEFAULT_OPEN calendar is open except inside its events; a DEFAULT_CLOSED one is closed except
inside its events. Asked about several calendars at once, SSM answers OPEN only when every one
of them is open.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar

CalendarType = Literal["DEFAULT_OPEN", "DEFAULT_CLOSED"]
PRODID = "-//jobmigrate//Change Calendar 1.0//EN"
# A fixed stamp keeps documents byte-identical between runs; SSM does not interpret it.
DTSTAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_DOCUMENT_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Event:
    start: dt.datetime
    end: dt.datetime
    summary: str


@dataclass(slots=True)
class ChangeCalendar:
    name: str
    type: CalendarType
    timezone: str
    description: str = ""
    events: list[Event] = field(default_factory=list)
    _starts: list[dt.datetime] = field(default_factory=list, repr=False)
    _max_end: list[dt.datetime] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.events.sort(key=lambda e: (e.start, e.end))
        self._starts = [e.start for e in self.events]
        self._max_end = []
        for e in self.events:
            self._max_end.append(max(e.end, self._max_end[-1]) if self._max_end else e.end)

    def in_event(self, instant: dt.datetime) -> bool:
        """Whether `instant` lies inside an event: [start, end)."""
        i = bisect.bisect_right(self._starts, instant) - 1
        # Events may overlap: walk back only while some earlier event still ends after it.
        while i >= 0 and self._max_end[i] > instant:
            if self.events[i].end > instant:
                return True
            i -= 1
        return False

    def is_open(self, instant: dt.datetime) -> bool:
        inside = self.in_event(instant)
        return not inside if self.type == "DEFAULT_OPEN" else inside


def state(calendars: Sequence[ChangeCalendar], instant: dt.datetime) -> Literal["OPEN", "CLOSED"]:
    """GetCalendarState for several calendars: OPEN only if all are open."""
    return "OPEN" if all(c.is_open(instant) for c in calendars) else "CLOSED"


def day_events(days: Iterable[dt.date], tz: ZoneInfo, summary: str) -> list[Event]:
    """Whole local days as events, consecutive days merged into one event."""
    events: list[Event] = []
    run_start: dt.date | None = None
    previous: dt.date | None = None
    for day in sorted(set(days)):
        if previous is not None and day == previous + dt.timedelta(days=1):
            previous = day
            continue
        if run_start is not None and previous is not None:
            events.append(_whole_days(run_start, previous, tz, summary))
        run_start = previous = day
    if run_start is not None and previous is not None:
        events.append(_whole_days(run_start, previous, tz, summary))
    return events


def _whole_days(first: dt.date, last: dt.date, tz: ZoneInfo, summary: str) -> Event:
    start = dt.datetime.combine(first, dt.time(), tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
    return Event(start, end, summary)


def to_ics(cal: ChangeCalendar) -> str:
    doc = icalendar.Calendar()
    doc.add("prodid", PRODID)
    doc.add("version", "2.0")
    doc["X-CALENDAR-TYPE"] = cal.type
    doc["X-WR-TIMEZONE"] = cal.timezone
    doc["X-CALENDAR-CMEVENTS"] = "DISABLED"
    if cal.description:
        doc["X-WR-CALDESC"] = cal.description
    for event in cal.events:
        ev = icalendar.Event()
        ev.add("uid", _uid(cal.name, event))
        ev.add("dtstamp", DTSTAMP)
        ev.add("summary", event.summary)
        ev.add("dtstart", event.start)
        ev.add("dtend", event.end)
        doc.add_component(ev)
    text: str = doc.to_ical().decode("utf-8")
    return text


def _uid(name: str, event: Event) -> str:
    key = f"{name}|{event.start.isoformat()}|{event.end.isoformat()}"
    return hashlib.sha1(key.encode()).hexdigest()[:20] + "@jobmigrate"


class CalendarFormatError(ValueError):
    pass


def from_ics(text: str, name: str) -> ChangeCalendar:
    """Read a Change Calendar document as SSM would."""
    try:
        doc = icalendar.Calendar.from_ical(text)
    except ValueError as e:
        raise CalendarFormatError(f"{name}: not an iCalendar document: {e}") from None
    kind = str(doc.get("X-CALENDAR-TYPE", ""))
    if kind not in ("DEFAULT_OPEN", "DEFAULT_CLOSED"):
        raise CalendarFormatError(f"{name}: X-CALENDAR-TYPE must be DEFAULT_OPEN or DEFAULT_CLOSED")
    tz_name = str(doc.get("X-WR-TIMEZONE", "UTC"))
    events = []
    for ev in doc.walk("VEVENT"):
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
            raise CalendarFormatError(f"{name}: events must have date-times, not dates")
        if start.tzinfo is None or end.tzinfo is None:
            zone = ZoneInfo(tz_name)
            start, end = start.replace(tzinfo=zone), end.replace(tzinfo=zone)
        events.append(Event(start, end, str(ev.get("summary", ""))))
    return ChangeCalendar(
        name=name,
        type=kind,  # type: ignore[arg-type]
        timezone=tz_name,
        description=str(doc.get("X-WR-CALDESC", "")),
        events=events,
    )
