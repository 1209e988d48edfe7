"""Change Calendar documents: the direct writer against icalendar, the reference it replaced."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.changecal import ChangeCalendar, Event, day_events, from_ics, to_ics, to_ics_with_icalendar

ZONES = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/Berlin"]
# Descriptions come from legacy calendar names and comments: any printable text, line breaks,
# the characters TEXT escapes, and wide characters that must not be split when folding.
TEXT = st.text(
    alphabet=st.sampled_from([*"abcXYZ019 ;,:\\\"'\n\r\t/-", "日", "本", "語", "🗓", "é"]), max_size=300
)


@st.composite
def calendars(draw: st.DrawFn) -> ChangeCalendar:
    zone = draw(st.sampled_from(ZONES))
    first = dt.date(2027, 1, 1)
    offsets = draw(st.lists(st.integers(0, 400), max_size=40))
    events = day_events([first + dt.timedelta(days=o) for o in offsets], ZoneInfo(zone), draw(TEXT))
    if draw(st.booleans()):  # windows inside a day as well, as run-day calendars with start times have
        start = dt.datetime(2027, 3, 1, 22, 15, tzinfo=ZoneInfo(zone))
        events.append(Event(start, start + dt.timedelta(minutes=draw(st.integers(1, 3000))), "run"))
    kind = draw(st.sampled_from(["DEFAULT_OPEN", "DEFAULT_CLOSED"]))
    return ChangeCalendar(
        name="jobmigrate-test", type=kind, timezone=zone, description=draw(TEXT), events=events
    )


@settings(max_examples=150, deadline=None)
@given(calendars())
def test_the_direct_writer_reads_back_as_the_reference_does(cal: ChangeCalendar) -> None:
    text = to_ics(cal)
    assert text == to_ics_with_icalendar(cal)
    back = from_ics(text, cal.name)
    assert [(e.start, e.end) for e in back.events] == [(e.start, e.end) for e in cal.events]
    lines = text.split("\r\n")
    assert lines[-1] == "" and all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert all(line.startswith(" ") or ":" in line for line in lines[:-1])


def test_a_typical_document_is_byte_identical_to_the_reference() -> None:
    tz = ZoneInfo("Asia/Tokyo")
    days = [dt.date(2027, 1, 1) + dt.timedelta(days=7 * i) for i in range(52)]
    cal = ChangeCalendar(
        name="jobmigrate-closed-days-0",
        type="DEFAULT_OPEN",
        timezone="Asia/Tokyo",
        description="closed days of /FINANCE from 2027-01-01 to 2027-12-31, weekends; holidays",
        events=day_events(days, tz, "closed"),
    )
    assert to_ics(cal) == to_ics_with_icalendar(cal)
