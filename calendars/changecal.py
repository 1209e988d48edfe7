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
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    pass

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
    """The calendar as the iCalendar text of its SSM document.

    Written line by line rather than through icalendar's object model, which took a tenth of a
    large conversion for these few fixed properties. Tests check that it writes the very bytes
    `to_ics_with_icalendar` does, and reading stays with icalendar (`from_ics`)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}"]
    if cal.description:
        lines.append("X-WR-CALDESC:" + _text(cal.description))
    lines += [
        "X-CALENDAR-CMEVENTS:DISABLED",
        f"X-CALENDAR-TYPE:{cal.type}",
        "X-WR-TIMEZONE:" + _text(cal.timezone),
    ]
    for event in cal.events:
        lines += [
            "BEGIN:VEVENT",
            "SUMMARY:" + _text(event.summary),
            "DTSTART" + _date_time(event.start),
            "DTEND" + _date_time(event.end),
            "DTSTAMP:20000101T000000Z",
            f"UID:{_uid(cal.name, event)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_folded(line) + "\r\n" for line in lines)


def to_ics_with_icalendar(cal: ChangeCalendar) -> str:
    """The same document built with icalendar: the reference `to_ics` is tested against."""
    import icalendar  # only here and in from_ics: a conversion writes its documents directly

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


def _text(value: str) -> str:
    """An iCalendar TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma, line breaks escaped."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _date_time(value: dt.datetime) -> str:
    """`;TZID=zone:YYYYMMDDTHHMMSS`, or `:...Z` in UTC, as the property's parameters and value."""
    stamp = value.strftime("%Y%m%dT%H%M%S")
    zone = getattr(value.tzinfo, "key", None)
    if zone is None or zone == "UTC":
        return f":{value.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%S')}Z"
    return f";TZID={zone}:{stamp}"


def _folded(line: str, limit: int = 75) -> str:
    """RFC 5545 folding: physical lines of at most 75 octets (74 of content, continuation lines
    starting with a space, as icalendar folds), never splitting a character or an escape."""
    room = limit - 1
    if len(line) <= room // 4 or len(line.encode("utf-8")) <= room:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width > room:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else ""
            parts.append("".join(current))
            current, size = ([carried], len(carried)) if carried else ([], 0)
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _uid(name: str, event: Event) -> str:
    key = f"{name}|{event.start.isoformat()}|{event.end.isoformat()}"
    return hashlib.sha1(key.encode()).hexdigest()[:20] + "@jobmigrate"


class CalendarFormatError(ValueError):
    pass


def from_ics(text: str, name: str) -> ChangeCalendar:
    """Read a Change Calendar document as SSM would."""
    import icalendar

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
