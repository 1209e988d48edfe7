"""Properties of the Control-M, AutoSys, crontab and neutral YAML importers (hypothesis).

Two kinds per importer:

* Robustness: real inputs (the examples and fixtures of the importer) damaged by edits that
  hypothesis draws (deletions, duplications, inserted syntax, truncation, dropped and swapped
  lines, stray bytes) go through decode and import, and either give a Workflow or raise
  InputError(s) located in the damaged file: the contract of test_corruption, with edits that
  shrink to a minimal failing case instead of seeded ones.
* Meaning: valid inputs are generated from a description, and the IR must say what the
  description says: every unit at its path with its command, every dependency as an edge or an
  external dependency, the schedules read, and the neutral dump read back as the same workflow.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path, PurePosixPath
from typing import Literal
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import converters
from converters import ImportOptions, SourceFile
from converters.controlm import options as ctm_options
from converters.neutral import dumps
from jobmigrate.encoding import decode
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import (
    WEEKDAYS,
    BaseDay,
    Calendar,
    CalendarDays,
    ClosingRule,
    Command,
    Cycle,
    DateList,
    DayOfMonth,
    DaysFromStart,
    DelayMonitor,
    Edge,
    EndJudgment,
    ExternalDependency,
    Finding,
    Folder,
    HolidaySource,
    Job,
    JobNet,
    Judgment,
    LastDay,
    RawParam,
    Repeat,
    Retry,
    ScheduleRule,
    Severity,
    Source,
    StartCondition,
    StartTime,
    Timeout,
    UnixCron,
    Weekday,
    WeekdayInMonth,
    Weekdays,
    Workflow,
)

from .conftest import FIXTURES, ROOT
from .test_corruption import COMPANIONS, check_located

EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True, scope="module")
def _controlm_site_defaults() -> Iterator[None]:
    """The Control-M properties assume the default site options (new day 00:00, Sunday = 0).
    Module scoped: hypothesis runs every example of a test inside one function-scoped fixture."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ctm_options.NEWDAY_VARIABLE, raising=False)
        patch.delenv(ctm_options.WEEK_START_VARIABLE, raising=False)
        yield


def _parse(importer: str, *files: SourceFile) -> Workflow:
    return converters.get(importer).parse(list(files), ImportOptions())


# =========================================================================== robustness

# The Control-M and daily_batch fixtures are byte-identical copies of the examples: damaging
# the examples covers them, and keeps the companions test_corruption knows about.
SOURCES: dict[str, list[Path]] = {
    "controlm": [EXAMPLES / "controlm" / "fin_daily.xml", EXAMPLES / "controlm" / "fin_calendars.xml"],
    "autosys": [
        EXAMPLES / "autosys" / "daily_batch.jil",
        FIXTURES / "autosys" / "finance.jil",
        FIXTURES / "autosys" / "fin_calendars.txt",
        *sorted((FIXTURES / "autosys" / "broken").glob("*")),
    ],
    "crontab": [
        EXAMPLES / "crontab" / "ops.crontab",
        *sorted((FIXTURES / "crontab" / "hosts").glob("*")),
        *sorted((FIXTURES / "crontab" / "broken").glob("*")),
        FIXTURES / "crontab" / "tz" / "monthly.crontab",
        FIXTURES / "crontab" / "etc" / "crontab",
        FIXTURES / "crontab" / "etc" / "cron.d" / "finance-close",
        FIXTURES / "crontab" / "var" / "spool" / "cron" / "crontabs" / "batchops",
    ],
    "yaml": [FIXTURES / "yaml" / "nightly.yaml"],
}
# Named like a fixture but never written: the neutral dump of the JP1 example, which uses far
# more of the IR than the hand-written nightly.yaml.
JP1_DUMP = FIXTURES / "yaml" / "dump-of-finance.yaml"


@functools.cache
def _original(path: Path) -> str:
    if path == JP1_DUMP:
        finance = EXAMPLES / "jp1" / "finance.ajs"
        return dumps(_parse("jp1", SourceFile(str(finance), finance.read_text(encoding="utf-8"))))
    return decode(path.read_bytes(), str(path))[0]


# Text that means something to one of the grammars, so inserted snippets hit the parsers'
# interesting paths rather than only identifiers.
_COMMON_PIECES = [
    *'"\'{}[]()<>=:;,#%&|*/\\-+@!?$~.` \t\n\r',
    "\x00", "\ufeff", "\x85", "\u2028", "\r\n", "/*", "*/", "</", "/>", "0", "99", "-1", "経理",
]  # fmt: skip
_PIECES: dict[str, list[str]] = {
    "controlm": [
        '<JOB JOBNAME="X" CMDLINE="y">', "</JOB>", "<FOLDER FOLDER_NAME='F'>", "</FOLDER>",
        '<INCOND NAME="EXTRACT-OK" ODATE="PREV"/>', '<OUTCOND NAME="Z" SIGN="-"/>', "<!--", "-->",
        "<![CDATA[", "]]>", "&amp;", "&bogus;", "&#0;", 'DAYS="', 'WEEKDAYS="', 'TIMEFROM="', '"',
        'ODATE="', "<SUB_FOLDER JOBNAME='S'>", "<?xml version='1.0'?>", "<!DOCTYPE x>", "%%",
    ],
    "autosys": [
        "insert_job: ", "update_job: ", "delete_box: ", "delete_job: ", "box_name: ", "job_type: BOX",
        "condition: ", "s(", "f(", "e(", "v(", "^", " & ", " | ", "date_conditions: 1", "days_of_week: ",
        "start_times: ", "start_mins: ", "timezone: ", "run_calendar: ", "calendar: ", "date: ",
        "extended_calendar: ", "workday: ", "01/02/2027 00:00", "n_retrys: ", "status: ",
    ],
    "crontab": [
        "*/", "-", ",", "@daily", "@reboot", "@hourly", "@", "CRON_TZ=", "TZ=", "SHELL=", "MAILTO=",
        "RANDOM_DELAY=", "60", "24", "32", "13", "jan", "mon", "L", "W", "?", "root", " * * * * ",
    ],
    "yaml": [
        "- ", ": ", "? ", "---", "...", "&a ", "*a", "!!python/object:os.system", "!!binary", "%YAML 1.1",
        "{node: job}", "[", "]", "kind: ", "node: ", "date: ", "source: ", "null", "~", "1e400",
        "2027-02-30", "children:", "  ", "|", ">",
    ],
}  # fmt: skip


def _snippet(importer: str) -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(_COMMON_PIECES + _PIECES[importer]),
        st.characters(codec="utf-8"),
    )
    return st.lists(piece, min_size=1, max_size=6).map("".join)


@dataclass(frozen=True)
class Damaged:
    path: Path
    data: bytes
    edits: tuple[str, ...]  # what was done, for the failure message


@st.composite
def damaged(draw: st.DrawFn, importer: str, sources: list[Path]) -> Damaged:
    """One source with one to four drawn edits; positions are drawn against the current text."""
    path = draw(st.sampled_from(sources))
    text = _original(path)
    edits: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "insert", "truncate", "drop-line", "swap-lines"]))
        at = draw(st.integers(0, len(text)))
        if kind == "delete":
            end = at + draw(st.integers(1, 80))
            text = text[:at] + text[end:]
        elif kind == "duplicate":
            span = text[at : at + draw(st.integers(1, 200))]
            to = draw(st.integers(0, len(text)))
            text = text[:to] + span + text[to:]
        elif kind == "insert":
            snippet = draw(_snippet(importer))
            text = text[:at] + snippet + text[at:]
            kind = f"insert {snippet!r}"
        elif kind == "truncate":
            text = text[:at]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            if kind == "drop-line":
                del lines[i]
            else:
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        edits.append(f"{kind} at {at}")
    data = text.encode("utf-8")
    # A few raw bytes: invalid UTF-8 sends decode to its Shift_JIS/EUC-JP guesses.
    if draw(st.integers(0, 5)) == 0:
        at = draw(st.integers(0, len(data)))
        stray = draw(st.binary(min_size=1, max_size=3))
        data = data[:at] + stray + data[at:]
        edits.append(f"bytes {stray!r} at {at}")
    return Damaged(path, data, tuple(edits))


def assert_contract(importer: str, case: Damaged) -> None:
    """decode + import: a Workflow, or InputError(s) located in the inputs; nothing else."""
    companion = COMPANIONS.get(case.path)
    try:
        text, used = decode(case.data, str(case.path))
        files = [SourceFile(str(case.path), text, used)]
        if companion is not None:
            other, other_used = decode(companion.read_bytes(), str(companion))
            files.append(SourceFile(str(companion), other, other_used))
        workflow = _parse(importer, *files)
    except (InputError, InputErrors) as error:
        problems = check_located(error, case.path, case.data)
        assert not problems, f"{case.edits}: " + "\n".join(problems)
        return
    assert isinstance(workflow, Workflow)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged("controlm", SOURCES["controlm"]))
def test_damaged_controlm_exports_convert_or_raise_located_input_errors(case: Damaged) -> None:
    assert_contract("controlm", case)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged("autosys", SOURCES["autosys"]))
def test_damaged_jil_converts_or_raises_located_input_errors(case: Damaged) -> None:
    assert_contract("autosys", case)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged("crontab", SOURCES["crontab"]))
def test_damaged_crontabs_convert_or_raise_located_input_errors(case: Damaged) -> None:
    assert_contract("crontab", case)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged("yaml", [*SOURCES["yaml"], JP1_DUMP]))
def test_damaged_neutral_yaml_converts_or_raises_located_input_errors(case: Damaged) -> None:
    assert_contract("yaml", case)


# =========================================================================== crontab meaning

_MONTH_NAMES = dict(
    enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
)
_DAY_NAMES = dict(enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat")))  # 7 has no name


@dataclass(frozen=True)
class CronField:
    text: str
    values: frozenset[int]


@st.composite
def cron_element(draw: st.DrawFn, low: int, high: int, names: dict[int, str]) -> CronField:
    """One list element of a field: `*`, `*/n`, `a`, `a-b`, `a-b/n` or `a/n`, with the values
    cron gives it (`a/n` runs to the end of the field, as in cronie)."""

    def spell(value: int) -> str:
        name = names.get(value)
        if name is not None and draw(st.booleans()):
            return draw(st.sampled_from([name, name.upper(), name.title()]))
        return str(value)

    form = draw(st.sampled_from(["*", "*/n", "a", "a-b", "a-b/n", "a/n"]))
    if form == "*":
        return CronField("*", frozenset(range(low, high + 1)))
    step = draw(st.integers(1, high - low + 2))
    if form == "*/n":
        return CronField(f"*/{step}", frozenset(range(low, high + 1, step)))
    first = draw(st.integers(low, high))
    if form == "a":
        return CronField(spell(first), frozenset({first}))
    if form == "a/n":
        return CronField(f"{spell(first)}/{step}", frozenset(range(first, high + 1, step)))
    last = draw(st.integers(first, high))
    if form == "a-b":
        return CronField(f"{spell(first)}-{spell(last)}", frozenset(range(first, last + 1)))
    return CronField(f"{spell(first)}-{spell(last)}/{step}", frozenset(range(first, last + 1, step)))


def cron_field(low: int, high: int, names: dict[int, str] | None = None) -> st.SearchStrategy[CronField]:
    return st.lists(cron_element(low, high, names or {}), min_size=1, max_size=3).map(
        lambda items: CronField(
            ",".join(i.text for i in items), frozenset().union(*(i.values for i in items))
        )
    )


@dataclass(frozen=True)
class CronTimes:
    """What the time fields of an entry must become in the UnixCron rule."""

    text: str  # as the entry writes it, maybe with tabs and runs of blanks
    expression: str
    minutes: list[int]
    hours: list[int]
    days_of_month: list[int]
    months: list[int]
    days_of_week: list[int]
    dom_restricted: bool
    dow_restricted: bool


_ALL_DOM, _ALL_MONTHS, _ALL_DOW = list(range(1, 32)), list(range(1, 13)), list(range(7))
# The @-specials as crontab(5) defines them.
_SPECIALS: dict[str, tuple[list[int], list[int], list[int], list[int], list[int], bool, bool]] = {
    "@yearly": ([0], [0], [1], [1], _ALL_DOW, True, False),
    "@annually": ([0], [0], [1], [1], _ALL_DOW, True, False),
    "@monthly": ([0], [0], [1], _ALL_MONTHS, _ALL_DOW, True, False),
    "@weekly": ([0], [0], _ALL_DOM, _ALL_MONTHS, [0], False, True),
    "@daily": ([0], [0], _ALL_DOM, _ALL_MONTHS, _ALL_DOW, False, False),
    "@midnight": ([0], [0], _ALL_DOM, _ALL_MONTHS, _ALL_DOW, False, False),
    "@hourly": ([0], list(range(24)), _ALL_DOM, _ALL_MONTHS, _ALL_DOW, False, False),
}
_BLANKS = st.sampled_from([" ", "  ", "\t", " \t "])


@st.composite
def cron_times(draw: st.DrawFn) -> CronTimes:
    if draw(st.integers(0, 5)) == 0:
        special = draw(st.sampled_from(sorted(_SPECIALS)))
        return CronTimes(special, special, *_SPECIALS[special])
    minute, hour, dom = draw(cron_field(0, 59)), draw(cron_field(0, 23)), draw(cron_field(1, 31))
    month, dow = draw(cron_field(1, 12, _MONTH_NAMES)), draw(cron_field(0, 7, _DAY_NAMES))
    texts = [f.text for f in (minute, hour, dom, month, dow)]
    written = texts[0] + "".join(draw(_BLANKS) + t for t in texts[1:])
    return CronTimes(
        text=written,
        expression=" ".join(texts),
        minutes=sorted(minute.values),
        hours=sorted(hour.values),
        days_of_month=sorted(dom.values),
        months=sorted(month.values),
        days_of_week=sorted({v % 7 for v in dow.values}),  # 7 is Sunday too
        # Vixie: a day field is restricted unless it starts with `*`.
        dom_restricted=not dom.text.startswith("*"),
        dow_restricted=not dow.text.startswith("*"),
    )


_WORD = st.from_regex(r"[A-Za-z0-9_.,=+:@-]{1,10}", fullmatch=True)
_ARGUMENT = st.one_of(
    _WORD,
    st.sampled_from(['"a b"', "'x  y'", ">>", "/var/log/batch.log", "2>&1", "|", "&&", ";", "$HOME"]),
    st.sampled_from(["${BATCH_HOME}/x", "#5", "*", "[", "]", "{a,b}", "経理", "-", "<", "`date`"]),
    # Only a newline ends a cron line: other line breaks of Unicode stay in the command.
    st.sampled_from(["a\x0bb", "a\x0cb", "a\x1cb", "a\x85b", "a\u2028b", "a\u2029b"]),
)
_STDIN_LINE = st.from_regex(r"[A-Za-z0-9.,!?]([A-Za-z0-9 .,!?]{0,10}[A-Za-z0-9.,!?])?", fullmatch=True)


@dataclass(frozen=True)
class CronCommand:
    written: str
    text: str
    stdin: str | None


@st.composite
def cron_command(draw: st.DrawFn) -> CronCommand:
    """A command starting with a path (a bare first word could be taken for a user name),
    with `\\%` standing for `%` and an optional stdin after an unescaped `%`."""
    script = "/opt/batch/bin/" + draw(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)) + ".sh"
    words = [script]
    text = [script]
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 6)) == 0:
            words.append("+\\%Y\\%m")
            text.append("+%Y%m")
        else:
            argument = draw(_ARGUMENT)
            words.append(argument)
            text.append(argument)
    blanks = [draw(_BLANKS) for _ in words[1:]]
    written = words[0] + "".join(b + w for b, w in zip(blanks, words[1:], strict=True))
    expected = text[0] + "".join(b + w for b, w in zip(blanks, text[1:], strict=True))
    stdin = draw(st.none() | st.lists(_STDIN_LINE, min_size=1, max_size=3))
    if stdin is None:
        return CronCommand(written, expected, None)
    return CronCommand(written + "%" + "%".join(stdin), expected, "\n".join(stdin))


@dataclass(frozen=True)
class CronEntry:
    line: int
    times: CronTimes
    command: CronCommand
    user: str | None
    environment: list[tuple[str, str]]
    shell: str | None
    zone: str | None
    description: str | None


_ENV_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: n not in ("SHELL", "TZ", "CRON_TZ", "MAILTO")
)
_ENV_VALUE = st.from_regex(r"[A-Za-z0-9/:._-]{0,12}", fullmatch=True)
_ZONES = ["Asia/Tokyo", "America/New_York", "Europe/London", "UTC", ""]  # "" unsets CRON_TZ
_COMMENT = st.from_regex(r"[A-Za-z][A-Za-z ]{0,20}[A-Za-z]", fullmatch=True)


@st.composite
def crontab(draw: st.DrawFn, system: bool) -> tuple[str, list[CronEntry]]:
    """A crontab and the entries it must give, each with the context the lines above set."""
    lines: list[str] = ["# generated crontab", ""]
    environment: dict[str, str] = {}
    shell: str | None = None
    zone: str | None = None
    entries: list[CronEntry] = []
    for _ in range(draw(st.integers(1, 6))):
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(["env", "quoted", "shell", "zone"]))
            if kind == "shell":
                shell = draw(st.sampled_from(["/bin/bash", "/bin/sh", "/usr/bin/ksh"]))
                lines.append(f"SHELL={shell}")
            elif kind == "zone":
                written = draw(st.sampled_from(_ZONES))
                zone = written or None
                lines.append(f"CRON_TZ={written}")
            else:
                name, value = draw(_ENV_NAME), draw(_ENV_VALUE)
                environment[name] = value
                lines.append(f'{name} = "{value}"' if kind == "quoted" else f"{name}={value}")
        if draw(st.booleans()):
            lines.append("")  # a blank line: the comments above it describe nothing below
        comments = draw(st.lists(_COMMENT, max_size=2))
        lines += [f"# {c}" for c in comments]
        times, command = draw(cron_times()), draw(cron_command())
        user = draw(st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True)) if system else None
        parts = [times.text, *([user] if user else []), command.written]
        lead, trail = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from(["", " ", "\t"]))
        lines.append(lead + draw(_BLANKS).join(parts) + trail)
        entries.append(
            CronEntry(
                line=len(lines),
                times=times,
                command=command,
                user=user,
                environment=list(environment.items()),
                shell=shell,
                zone=zone,
                description="\n".join(comments) or None,
            )
        )
    return "\n".join(lines) + "\n", entries


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans().flatmap(lambda system: st.tuples(st.just(system), crontab(system))))
def test_generated_crontab_entries_are_read_with_their_fields_commands_and_context(
    case: tuple[bool, tuple[str, list[CronEntry]]],
) -> None:
    system, (text, entries) = case
    path = "/etc/cron.d/batch" if system else "/home/batch/ops.crontab"
    display = PurePosixPath(path).name
    workflow = _parse("crontab", SourceFile(path, text))
    nets = list(workflow.root_jobnets())
    assert [n.path for n in nets] == [f"{display}:{e.line}" for e in entries]
    assert workflow.unit_count == len(entries)
    for entry, net in zip(entries, nets, strict=True):
        assert net.description == entry.description
        assert net.timezone == entry.zone
        (job,) = net.children
        assert isinstance(job, Job) and job.path == f"{net.path}/{job.name}" and job.command is not None
        command = job.command
        assert (command.text, command.stdin) == (entry.command.text, entry.command.stdin)
        assert command.os_user == entry.user
        assert command.environment == entry.environment
        assert command.shell == entry.shell
        (rule,) = net.schedule
        assert rule.timezone == entry.zone
        cron = rule.date
        assert isinstance(cron, UnixCron)
        times = entry.times
        assert cron.expression == times.expression
        assert (cron.minutes, cron.hours, cron.days_of_month, cron.months, cron.days_of_week) == (
            times.minutes,
            times.hours,
            times.days_of_month,
            times.months,
            times.days_of_week,
        )
        assert (cron.dom_restricted, cron.dow_restricted) == (times.dom_restricted, times.dow_restricted)


# =========================================================================== AutoSys meaning

_JIL_NAME = st.from_regex(r"[A-Z][A-Z0-9_.#@$-]{0,9}", fullmatch=True)
# Command words: none is a JIL key followed by a colon, which would start another attribute.
_JIL_WORD = st.one_of(
    st.from_regex(r"[A-Za-z0-9_.,=+@-]{1,10}", fullmatch=True),
    st.sampled_from(['"a b"', '"say \\"hi\\""', "C:\\bin\\run.exe", "http://h:8080/p", "note: x"]),
    st.sampled_from(["$HOME", "2>&1", ">>/tmp/out.log", "|", "/tmp/work/*", "#1", "経理"]),
)
_JIL_TEXT = (
    st.lists(
        st.one_of(
            st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True),
            st.sampled_from(
                [" ", "  ", ":", "/*", "*/", "#", "machine: m1", '\\"', "'", "&", "s(A)", "日次"]
            ),
        ),
        min_size=1,
        max_size=6,
    )
    .map("".join)
    .filter(lambda text: text.strip() != "")
)
_STATUSES: dict[str, tuple[Literal["on_success", "on_failure", "on_done"], str]] = {
    "s": ("on_success", "success"),
    "success": ("on_success", "success"),
    "f": ("on_failure", "failure"),
    "failure": ("on_failure", "failure"),
    "d": ("on_done", "done"),
    "done": ("on_done", "done"),
}
_JIL_ZONES = {"Asia/Tokyo": "Asia/Tokyo", "US/Eastern": "America/New_York", "jst": "Asia/Tokyo", "UTC": "UTC"}


@dataclass(frozen=True)
class JilSchedule:
    weekdays: list[Weekday]  # what the rule must hold, in week order
    minutes: list[int]  # start times, minutes of the day, sorted
    zone: str | None
    attributes: list[tuple[str, str]]


@dataclass
class JilUnit:
    name: str
    box: str | None
    is_box: bool
    job_type: str  # as written; "" leaves it out (a command job)
    attributes: list[tuple[str, str]] = field(default_factory=list)
    command: str | None = None
    machine: str | None = None
    user: str | None = None
    description: str | None = None
    atoms: list[tuple[str, str]] = field(default_factory=list)  # (status as written, target)
    condition: str = ""
    schedule: JilSchedule | None = None


@st.composite
def jil_schedule(draw: st.DrawFn) -> JilSchedule:
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    spelled = [draw(st.sampled_from([d, d.upper(), _DAY_NAMES[(WEEKDAYS.index(d) + 1) % 7]])) for d in days]
    everyday = len(days) == 7 and draw(st.booleans())
    attributes = [("date_conditions", "1"), ("days_of_week", "all" if everyday else ",".join(spelled))]
    if draw(st.booleans()):
        clock = draw(st.lists(st.tuples(st.integers(0, 23), st.integers(0, 59)), min_size=1, max_size=3))
        listed = ", ".join(f"{h:02d}:{m:02d}" for h, m in clock)
        attributes.append(("start_times", f'"{listed}"' if draw(st.booleans()) else listed.replace(" ", "")))
        minutes = sorted({h * 60 + m for h, m in clock})
    else:
        past = draw(st.lists(st.integers(0, 59), min_size=1, max_size=3))
        attributes.append(("start_mins", ",".join(map(str, past))))
        minutes = [h * 60 + m for h in range(24) for m in sorted(set(past))]
    zone = draw(st.none() | st.sampled_from(sorted(_JIL_ZONES)))
    if zone is not None:
        attributes.append(("timezone", zone))
    weekdays = [d for d in WEEKDAYS if d in days]
    return JilSchedule(weekdays, minutes, _JIL_ZONES[zone] if zone else None, attributes)


@st.composite
def jil_units(draw: st.DrawFn) -> list[JilUnit]:
    """Boxes (maybe nested), jobs in boxes and standalone jobs, with conditions on each other."""
    names = draw(st.lists(_JIL_NAME, min_size=1, max_size=7, unique=True))
    units: list[JilUnit] = []
    for name in names:
        is_box = draw(st.booleans())
        boxes = [u.name for u in units if u.is_box]
        # Mostly inside a box: siblings are what conditions turn into edges.
        box = draw(st.sampled_from([None, *boxes, *boxes])) if boxes else None
        kind = draw(st.sampled_from(["BOX", "box", "b"] if is_box else ["CMD", "cmd", "c", ""]))
        unit = JilUnit(name, box, is_box, kind)
        if box is not None:
            unit.attributes.append(("box_name", box))
        if not is_box:
            script = "/opt/app/bin/" + draw(st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)) + ".sh"
            unit.command = " ".join([script, *draw(st.lists(_JIL_WORD, max_size=4))])
            unit.attributes.append(("command", unit.command))
            if draw(st.booleans()):
                unit.machine = draw(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True))
                unit.attributes.append(("machine", unit.machine))
            if draw(st.booleans()):
                unit.user = draw(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True))
                host = draw(st.sampled_from(["", "@tkyap01"]))
                unit.attributes.append(("owner", unit.user + host))
        if draw(st.booleans()):
            written = draw(_JIL_TEXT)
            unit.description = written.replace('\\"', '"')
            unit.attributes.append(("description", f'"{written}"'))
        if box is None and draw(st.booleans()):
            unit.schedule = draw(jil_schedule())
            unit.attributes += unit.schedule.attributes
        units.append(unit)
    by_name = {u.name: u for u in units}
    for unit in units:
        barred = {unit.name, *_jil_ancestors(unit, by_name)}  # AutoSys ignores those conditions
        candidates = [u.name for u in units if u.name not in barred]
        siblings = [name for name in candidates if unit.box is not None and by_name[name].box == unit.box]
        if draw(st.booleans()) and siblings:
            candidates = siblings  # only edges: with f() alone the unit is a recovery unit
        targets = draw(st.lists(st.sampled_from(candidates), max_size=3, unique=True)) if candidates else []
        if not targets:
            continue
        unit.atoms = [(draw(st.sampled_from(sorted(_STATUSES))), t) for t in targets]
        spelled = [f"{draw(st.sampled_from([s, s.upper()]))}({t})" for s, t in unit.atoms]
        joiner = draw(st.sampled_from([" & ", "&", " AND ", " | ", " or "]))
        unit.condition = joiner.join(spelled)
        unit.attributes.append(("condition", unit.condition))
    return units


def _jil_ancestors(unit: JilUnit, by_name: dict[str, JilUnit]) -> list[str]:
    found: list[str] = []
    box = unit.box
    while box is not None:
        found.append(box)
        box = by_name[box].box
    return found


@st.composite
def jil_text(draw: st.DrawFn, units: list[JilUnit]) -> str:
    """JIL as exports and people write it: attributes alone or several on a line, indented,
    with comments between records and after values."""
    lines: list[str] = []
    for unit in units:
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["/* next job */", "# next job", "", "  /* a\n  b */"])))
        pairs = [("insert_job", unit.name)]
        pairs += [("job_type", unit.job_type)] if unit.job_type else []
        pairs += draw(st.permutations(unit.attributes))
        indent = draw(st.sampled_from(["", " ", "\t"]))
        line = ""
        for key, value in pairs:
            pair = f"{key}: {value}"
            if line and draw(st.booleans()):
                line += "   " + pair  # a known key after a blank starts the next attribute
            else:
                if line:
                    lines.append(line)
                line = indent + pair
            if draw(st.integers(0, 5)) == 0:
                lines.append(line + "  /* note */")
                line = ""
        if line:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _jil_path(unit: JilUnit, by_name: dict[str, JilUnit]) -> str:
    """The IR path of the unit's own node: a standalone job sits in a job-net of its name."""
    parts = [unit.name, *_jil_ancestors(unit, by_name)][::-1]
    if unit.box is None and not unit.is_box:
        parts.append(unit.name)
    return "/" + "/".join(parts)


def _nodes(children: list[Folder | JobNet]) -> dict[str, Job | JobNet | Folder]:
    """Every unit of the IR by path."""
    found: dict[str, Job | JobNet | Folder] = {}
    pending: list[Job | JobNet | Folder] = list(children)
    while pending:
        node = pending.pop()
        assert node.path not in found, f"two units at {node.path}"
        found[node.path] = node
        if not isinstance(node, Job):
            pending.extend(node.children)
    return found


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jil_units().flatmap(lambda units: st.tuples(st.just(units), jil_text(units))))
def test_generated_jil_gives_its_boxes_jobs_conditions_and_schedules(
    case: tuple[list[JilUnit], str],
) -> None:
    units, text = case
    workflow = _parse("autosys", SourceFile("gen.jil", text))
    by_name = {u.name: u for u in units}
    nodes = _nodes(workflow.children)
    paths = {u.name: _jil_path(u, by_name) for u in units}
    # What a condition on a unit waits for: a standalone job's job-net, else the unit itself.
    targets = {u.name: (f"/{u.name}" if u.box is None and not u.is_box else paths[u.name]) for u in units}
    assert workflow.unit_count == len(units)
    assert [n.path for n in workflow.children] == [targets[u.name] for u in units if u.box is None]
    edges: dict[str, Counter[tuple[str, str, str, str | None]]] = {}
    external: dict[str, Counter[tuple[str, str, str, str | None]]] = {}
    for unit in units:
        node = nodes[paths[unit.name]]
        holder = targets[unit.name]  # whose `external` the unit's dependencies go to
        if unit.is_box:
            assert isinstance(node, JobNet) and node.inherits_schedule == (unit.box is not None)
            assert [c.name for c in node.children] == [u.name for u in units if u.box == unit.name]
        else:
            assert isinstance(node, Job) and node.command is not None
            assert (node.command.text, node.command.host) == (unit.command, unit.machine)
            assert node.command.os_user == unit.user
            if unit.box is None:
                assert [c.path for c in _net(nodes, holder).children] == [node.path]
            else:
                holder = node.path
        assert node.unit_type == (unit.job_type or "CMD").upper()
        assert node.description == unit.description
        any_of = " | " in unit.condition or " or " in unit.condition
        condition = unit.condition if any_of else None
        siblings = 0
        for status, target in unit.atoms:
            kind, dependency = _STATUSES[status]
            if unit.box is not None and by_name[target].box == unit.box:
                siblings += 1
                edges.setdefault(unit.box, Counter())[(target, unit.name, kind, condition)] += 1
            else:
                key = (targets[target], dependency, "any" if any_of else "all", condition)
                external.setdefault(holder, Counter())[key] += 1
        failures = all(_STATUSES[s][1] == "failure" for s, _ in unit.atoms)
        recovery = bool(unit.atoms) and siblings == len(unit.atoms) and failures
        assert node.recovery == recovery, unit
        if unit.box is None:
            _check_jil_schedule(_net(nodes, holder), unit.schedule)
    for path, node in nodes.items():
        if isinstance(node, JobNet):
            box = node.name if node.path == paths.get(node.name) else None
            got = Counter((e.pred, e.succ, e.kind, e.condition) for e in node.edges)
            assert got == edges.get(box or "", Counter()), path
        if not isinstance(node, Folder):
            waits = Counter((x.target, x.status, x.mode, x.condition) for x in node.external)
            assert waits == external.get(path, Counter()), path


def _net(nodes: dict[str, Job | JobNet | Folder], path: str) -> JobNet:
    node = nodes[path]
    assert isinstance(node, JobNet)
    return node


def _check_jil_schedule(net: JobNet, schedule: JilSchedule | None) -> None:
    if schedule is None:
        assert net.schedule == []
        return
    (rule,) = net.schedule
    assert rule.date == Weekdays(weekdays=schedule.weekdays)
    assert [t.minutes for t in rule.times] == schedule.minutes
    assert rule.timezone == net.timezone == schedule.zone


# =========================================================================== Control-M meaning

_CTM_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,7}", fullmatch=True) | st.sampled_from(["経理", "日次_締め"])
_CTM_WORD = st.one_of(
    st.from_regex(r"[A-Za-z0-9_./=-]{1,10}", fullmatch=True),
    st.sampled_from(["<in", ">out", "2>&1", "a&&b", '"q q"', "'s'", "\t", "\n", "&amp;", "]]>", "経理"]),
)
_ODATES = {"ODAT": 0, "PREV": -1, "NEXT": 1, "": 0}
_RELATIONS = {0: "same", -1: "previous", 1: "next"}
# TIMEZONE codes and what they stand for: None for names that are no zone (America/Indiana is a
# folder of zones).
_CTM_ZONES: dict[str, str | None] = {
    "JST": "Asia/Tokyo",
    "EST": "America/New_York",
    "UTC": "UTC",
    "GMT+09": "Etc/GMT-9",
    "Europe/Paris": "Europe/Paris",
    "America/Indiana": None,
    "Mars/Olympus": None,
}
_SUNDAY_FIRST: tuple[Weekday, ...] = ("su", "mo", "tu", "we", "th", "fr", "sa")


@dataclass
class CtmJob:
    name: str
    chain: list[str]  # folder, sub-folder if any, the job
    cmdline: str
    command: str  # CMDLINE with the folder variable substituted
    host: str | None
    user: str | None
    produced_date: str
    wanted: list[tuple[str, str]] = field(default_factory=list)  # (condition, ODATE)
    weekdays: list[int] | None = None
    time_from: int | None = None

    @property
    def path(self) -> str:
        return "/" + "/".join(self.chain)

    @property
    def condition(self) -> str:
        return f"{self.name}-OK"


@dataclass
class CtmFolder:
    name: str
    tag: str  # FOLDER or the older SCHED_TABLE
    zone: str | None  # TIMEZONE code of every job
    variable: str | None  # value of %%BIN
    jobs: list[CtmJob]
    sub: str | None  # name of the sub-folder holding the jobs whose chain has three parts


@st.composite
def ctm_folders(draw: st.DrawFn) -> list[CtmFolder]:
    sizes = draw(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 2)), min_size=1, max_size=3))
    count = sum(1 + top + inner + (1 if inner else 0) for top, inner in sizes)
    names = iter(draw(st.lists(_CTM_NAME, min_size=count, max_size=count, unique=True)))
    folders: list[CtmFolder] = []
    for top, inner in sizes:
        folder = CtmFolder(
            name=next(names),
            tag=draw(st.sampled_from(["FOLDER", "FOLDER", "SCHED_TABLE"])),
            zone=draw(st.none() | st.sampled_from(sorted(_CTM_ZONES))),
            variable=draw(st.none() | st.sampled_from(["/opt/batch/bin", "C:\\batch", "/srv/a b"])),
            jobs=[],
            sub=next(names) if inner else None,
        )
        for index in range(top + inner):
            name = next(names)
            chain = [folder.name, name] if index < top else [folder.name, folder.sub or "", name]
            words = draw(st.lists(_CTM_WORD, max_size=4))
            script = draw(st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)) + ".sh"
            prefix = "%%BIN/" if folder.variable is not None and draw(st.booleans()) else ""
            cmdline = " ".join([prefix + script, *words])
            folder.jobs.append(
                CtmJob(
                    name=name,
                    chain=chain,
                    cmdline=cmdline,
                    command=cmdline.replace("%%BIN", folder.variable or ""),
                    host=draw(st.none() | st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)),
                    user=draw(st.none() | st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)),
                    produced_date=draw(st.sampled_from(sorted(_ODATES))),
                    weekdays=draw(st.none() | st.lists(st.integers(0, 6), min_size=1, max_size=4)),
                    time_from=draw(st.none() | st.integers(1, 1439)),
                )
            )
        folders.append(folder)
    every = [job for folder in folders for job in folder.jobs]
    for number, job in enumerate(every):
        others = [j.condition for j in every if j is not job]
        wanted = draw(st.lists(st.sampled_from(others), max_size=2, unique=True)) if others else []
        if draw(st.integers(0, 3)) == 0:
            wanted.append(f"EXTERNAL-{number}")  # nobody in the inputs adds it
        job.wanted = [(name, draw(st.sampled_from(sorted(_ODATES)))) for name in wanted]
    return folders


def _xml_attrs(draw: st.DrawFn, attrs: list[tuple[str, str]]) -> str:
    entities = {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"}
    return "".join(
        draw(st.sampled_from([" ", "\n      "])) + f'{k}="{escape(v, entities)}"' for k, v in attrs
    )


@st.composite
def deftable(draw: st.DrawFn, folders: list[CtmFolder]) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>'] if draw(st.booleans()) else []
    out.append("<DEFTABLE>")
    for folder in folders:
        if draw(st.booleans()):
            out.append(f"  <!-- folder {escape(folder.name)} -->")
        # The older SCHED_TABLE exports name the folder TABLE_NAME.
        attrs = [
            ("DATACENTER", "DC1"),
            ("TABLE_NAME" if folder.tag == "SCHED_TABLE" else "FOLDER_NAME", folder.name),
        ]
        out.append(f"  <{folder.tag}{_xml_attrs(draw, attrs)}>")
        if folder.variable is not None:
            out.append(f"    <VARIABLE{_xml_attrs(draw, [('NAME', '%%BIN'), ('VALUE', folder.variable)])}/>")
        inside = False
        for job in folder.jobs:
            if len(job.chain) == 3 and not inside:
                out.append(f"    <SUB_FOLDER{_xml_attrs(draw, [('JOBNAME', job.chain[1])])}>")
                inside = True
            attrs = [("JOBNAME", job.name), ("CMDLINE", job.cmdline)]
            attrs += [("TASKTYPE", "Command")] if draw(st.booleans()) else []
            attrs += [("NODEID", job.host)] if job.host else []
            attrs += [("RUN_AS", job.user)] if job.user else []
            attrs += [("TIMEZONE", folder.zone)] if folder.zone else []
            attrs += [("WEEKDAYS", ",".join(map(str, job.weekdays)))] if job.weekdays else []
            if job.time_from is not None:
                attrs.append(("TIMEFROM", f"{job.time_from // 60:02d}{job.time_from % 60:02d}"))
            out.append(f"      <JOB{_xml_attrs(draw, draw(st.permutations(attrs)))}>")
            for name, odate in job.wanted:
                conditions = [("NAME", name), ("ODATE", odate), ("AND_OR", "A")]
                out.append(f"        <INCOND{_xml_attrs(draw, conditions)}/>")
            outcond = [("NAME", job.condition), ("ODATE", job.produced_date), ("SIGN", "+")]
            out.append(f"        <OUTCOND{_xml_attrs(draw, outcond)}/>")
            out.append("      </JOB>")
        if inside:
            out.append("    </SUB_FOLDER>")
        out.append(f"  </{folder.tag}>")
    out.append("</DEFTABLE>")
    return "\n".join(out) + "\n"


Link = tuple[str, str, str, str | None]  # pred, succ, kind, condition
Wait = tuple[str, str, str, str, str | None]  # target, status, mode, date, condition


def _ctm_links(folders: list[CtmFolder]) -> tuple[dict[str, Counter[Link]], dict[str, Counter[Wait]]]:
    """The edges (by job-net path) and external dependencies (by job path) the conditions make:
    in one folder on the same order date an edge between the siblings holding producer and
    consumer, anything else a dependency on the producer's path, or on the condition's name
    when no job adds it."""
    producers = {job.condition: job for folder in folders for job in folder.jobs}
    edges: dict[str, Counter[Link]] = {}
    external: dict[str, Counter[Wait]] = {}
    for consumer in (job for folder in folders for job in folder.jobs):
        for name, odate in consumer.wanted:
            producer = producers.get(name)
            if producer is None:
                key: Wait = (name, "success", "all", _RELATIONS[_ODATES[odate]], None)
                external.setdefault(consumer.path, Counter())[key] += 1
                continue
            relation = _RELATIONS.get(_ODATES[odate] - _ODATES[producer.produced_date], "any")
            if relation == "same" and producer.chain[0] == consumer.chain[0]:
                depth = 1
                while producer.chain[depth] == consumer.chain[depth]:
                    depth += 1
                net = "/" + "/".join(consumer.chain[:depth])
                edges.setdefault(net, Counter())[
                    (producer.chain[depth], consumer.chain[depth], "on_success", None)
                ] = 1
            else:
                key = (producer.path, "success", "all", relation, name)
                external.setdefault(consumer.path, Counter())[key] += 1
    return edges, external


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctm_folders().flatmap(lambda folders: st.tuples(st.just(folders), deftable(folders))))
def test_generated_controlm_folders_give_their_jobs_conditions_and_schedules(
    case: tuple[list[CtmFolder], str],
) -> None:
    folders, text = case
    workflow = _parse("controlm", SourceFile("gen.xml", text))
    nodes = _nodes(workflow.children)
    jobs = [job for folder in folders for job in folder.jobs]
    subs = [f for f in folders if f.sub is not None]
    assert workflow.unit_count == len(folders) + len(subs) + len(jobs)
    assert [n.path for n in workflow.children] == [f"/{f.name}" for f in folders]
    for job in jobs:
        node = nodes[job.path]
        assert isinstance(node, Job) and node.kind == "command" and node.command is not None
        assert (node.command.text, node.command.host, node.command.os_user) == (
            job.command,
            job.host,
            job.user,
        )
    edges, external = _ctm_links(folders)
    for path, node in nodes.items():
        if isinstance(node, JobNet):
            assert Counter((e.pred, e.succ, e.kind, e.condition) for e in node.edges) == edges.get(
                path, {}
            ), path
        if not isinstance(node, Folder):
            got = Counter((x.target, x.status, x.mode, x.date, x.condition) for x in node.external)
            assert got == external.get(path, {}), path
    for folder in folders:
        _check_ctm_schedule(_net(nodes, f"/{folder.name}"), folder, edges)


def _check_ctm_schedule(net: JobNet, folder: CtmFolder, edges: dict[str, Counter[Link]]) -> None:
    """A regular folder runs on the union of its jobs' days, from the earliest TIMEFROM of the
    jobs nothing in the folder waits for (as soon as ordered when one of them has none)."""
    zone = _CTM_ZONES[folder.zone] if folder.zone else None
    assert net.timezone == zone
    ordered = {frozenset(_SUNDAY_FIRST[n] for n in job.weekdays) for job in folder.jobs if job.weekdays}
    got = set()
    for rule in net.schedule:
        assert isinstance(rule.date, Weekdays) and rule.timezone == zone
        got.add(frozenset(rule.date.weekdays))
    assert got == ordered and len(net.schedule) == len(ordered)
    if not ordered:
        return

    def waits(job: CtmJob) -> bool:
        # Led to by an edge of its own job-net, or held by a sub-folder that is.
        return any(
            link[1] == job.chain[depth]
            for depth in range(1, len(job.chain))
            for link in edges.get("/" + "/".join(job.chain[:depth]), {})
        )

    entries = [job for job in folder.jobs if not waits(job)] or folder.jobs
    first = min(entries, key=lambda job: job.time_from or 0)
    if first.time_from is None:
        expected = [StartTime(minutes=0, relative=True)]
    else:
        raw = f"{first.time_from // 60:02d}{first.time_from % 60:02d}"
        expected = [StartTime(minutes=first.time_from, raw=raw)]
    assert all(rule.times == expected for rule in net.schedule)


# =========================================================================== neutral round trip

# Any text, plus keys and values that mean something to the reader or to YAML: its keywords,
# line breaks (NEL and the Unicode separators among them) and characters it does not allow.
_TEXT = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["date", "node", "kind", "source", "null", "yes", "~", "2027-01-01", "1e3", "- x"]),
    st.sampled_from(["a: b", "a\x85b", "\u2028", " \u2029 ", "\x7f", "\x9f", "\ufeff", "\ufffe", "\r\n"]),
)
_NAME = _TEXT.filter(bool)
_DATE = st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))
_SMALL = st.integers(0, 10**6)
_SOURCE = st.none() | st.builds(Source, file=_TEXT, line=_SMALL, column=st.integers(0, 500))
_RAW = st.lists(st.builds(RawParam, key=_TEXT, value=_TEXT, line=_SMALL), max_size=2)
_MONTHS = st.none() | st.lists(st.integers(1, 12), max_size=3)
_COUNTING = st.sampled_from(["calendar", "relative", "open", "closed"])


_YEAR = st.none() | st.integers(1990, 2100)
_MONTH = st.none() | st.integers(1, 12)
_DATE_EXPR = st.one_of(
    st.builds(DayOfMonth, year=_YEAR, month=_MONTH, day=st.integers(1, 31), counting=_COUNTING),
    st.builds(LastDay, year=_YEAR, month=_MONTH, counting=_COUNTING, minus=st.integers(0, 9)),
    st.builds(
        WeekdayInMonth,
        year=_YEAR,
        month=_MONTH,
        weekday=st.sampled_from(WEEKDAYS),
        ordinal=st.sampled_from([-1, 1, 2, 5]),
        relative_weeks=st.booleans(),
    ),
    st.builds(
        Weekdays, weekdays=st.lists(st.sampled_from(WEEKDAYS), max_size=7, unique=True), months=_MONTHS
    ),
    st.builds(DateList, dates=st.lists(_DATE, max_size=3)),
    st.builds(CalendarDays, calendar=_NAME),
    st.builds(
        UnixCron,
        expression=_TEXT,
        minutes=st.lists(st.integers(0, 59), max_size=3),
        hours=st.lists(st.integers(0, 23), max_size=3),
        days_of_month=st.lists(st.integers(1, 31), max_size=3),
        months=st.lists(st.integers(1, 12), max_size=3),
        days_of_week=st.lists(st.integers(0, 6), max_size=3),
        dom_restricted=st.booleans(),
        dow_restricted=st.booleans(),
    ),
)
_ZONE = st.none() | st.sampled_from(["Asia/Tokyo", "UTC", "America/New_York"])


def _rules(nested: st.SearchStrategy[list[ScheduleRule]]) -> st.SearchStrategy[ScheduleRule]:
    return st.builds(
        ScheduleRule,
        number=st.integers(1, 9),
        date=_DATE_EXPR,
        start_date=st.none() | _DATE,
        end_date=st.none() | _DATE,
        cycle=st.none()
        | st.builds(Cycle, every=st.integers(1, 9), unit=st.sampled_from(["day", "week", "month"])),
        times=st.lists(
            st.builds(StartTime, minutes=st.integers(0, 47 * 60 + 59), relative=st.booleans(), raw=_TEXT),
            max_size=2,
        ),
        repeat=st.none()
        | st.builds(Repeat, interval_minutes=st.integers(1, 600), until_minutes=st.none() | _SMALL),
        shift=st.none() | st.sampled_from(["before", "after", "cancel", "none"]),
        shift_limit_days=st.none() | st.integers(0, 31),
        days_from_start=st.none()
        | st.builds(
            DaysFromStart, mode=st.sampled_from(["no", "open_before", "days_after"]), days=st.integers(0, 9)
        ),
        parent_rule=st.none() | st.integers(1, 9),
        calendar=st.none() | _NAME,
        exclude_calendar=st.none() | _NAME,
        exclusive_jobnet=st.none() | _NAME,
        start_delay=st.none()
        | st.builds(DelayMonitor, at_minutes=st.none() | st.integers(0, 2879), raw=_TEXT),
        end_delay=st.none()
        | st.builds(
            DelayMonitor, after_minutes=st.integers(0, 999), reference=st.sampled_from(["root", "self"])
        ),
        timezone=_ZONE,
        months=_MONTHS,
        exclude=nested,
        confirm_calendar=st.none() | _NAME,
        confirm_shift=st.none() | st.sampled_from(["ignore", "next", "previous", "none"]),
        shift_working_days=st.integers(-62, 62),
        require_any=nested,
        source=_SOURCE,
        raw=_RAW,
    )


_RULE = _rules(st.lists(_rules(st.just([])), max_size=1))
_EXTERNAL = st.builds(
    ExternalDependency,
    target=_NAME,
    status=st.sampled_from(["success", "failure", "done", "running", "not_running", "exit_code"]),
    mode=st.sampled_from(["all", "any"]),
    date=st.sampled_from(["same", "previous", "next", "any"]),
    condition=st.none() | _TEXT,
    source=_SOURCE,
)
_MAPPING = st.dictionaries(_TEXT, _TEXT, max_size=2)
_COMMAND = st.builds(
    Command,
    text=st.none() | _TEXT,
    script=st.none() | _TEXT,
    arguments=st.none() | _TEXT,
    platform=st.sampled_from(["unix", "windows", "any"]),
    host=st.none() | _TEXT,
    os_user=st.none() | _TEXT,
    environment=st.lists(st.tuples(_NAME, _TEXT), max_size=2),
    stdin=st.none() | _TEXT,
    stdout_append=st.booleans(),
    shell=st.none() | _TEXT,
)
_JOB = st.builds(
    Job,
    name=_NAME,
    path=_NAME,
    kind=st.sampled_from(["command", "judgment", "or_join", "event_wait", "dummy", "manual", "custom"]),
    unit_type=_TEXT,
    recovery=st.booleans(),
    description=st.none() | _TEXT,
    command=st.none() | _COMMAND,
    end_judgment=st.builds(
        EndJudgment,
        mode=st.sampled_from(["code", "always_normal", "file_exists"]),
        warning_threshold=st.none() | st.integers(0, 255),
        abnormal_threshold=st.integers(0, 255),
        success_codes=st.lists(st.integers(0, 255), max_size=2),
    ),
    retry=st.none()
    | st.builds(Retry, count=st.integers(1, 9), interval_minutes=st.floats(0, 1e4, allow_nan=False)),
    timeout=st.none() | st.builds(Timeout, minutes=st.integers(1, 10**4)),
    judgment=st.none()
    | st.builds(
        Judgment,
        op=st.sampled_from(["gt", "eq", "range", "file_exists"]),
        value=st.none() | _SMALL,
        raw=_TEXT,
    ),
    event=_MAPPING,
    metadata=_MAPPING,
    external=st.lists(_EXTERNAL, max_size=2),
    hold=st.booleans(),
    priority=st.none() | st.integers(-5, 100),
    source=_SOURCE,
    raw=_RAW,
)


def _jobnet(children: st.SearchStrategy[list[Job | JobNet]]) -> st.SearchStrategy[JobNet]:
    return st.builds(
        JobNet,
        name=_NAME,
        path=_NAME,
        unit_type=_TEXT,
        description=st.none() | _TEXT,
        children=children,
        edges=st.lists(
            st.builds(
                Edge,
                pred=_NAME,
                succ=_NAME,
                kind=st.sampled_from(["on_success", "on_failure", "on_done", "conditional"]),
                condition=st.none() | _TEXT,
                source=_SOURCE,
            ),
            max_size=2,
        ),
        schedule=st.lists(_RULE, max_size=2),
        inherits_schedule=st.booleans(),
        calendar=st.none() | _NAME,
        timezone=_ZONE,
        start_condition=st.none()
        | st.builds(
            StartCondition,
            combine=st.sampled_from(["and", "or"]),
            events=st.lists(_JOB, max_size=1),
            max_count=st.none() | st.integers(1, 9),
            until=st.none() | _TEXT,
            source=_SOURCE,
        ),
        external=st.lists(_EXTERNAL, max_size=1),
        hold=st.none() | _TEXT,
        priority=st.none() | st.integers(0, 99),
        host=st.none() | _TEXT,
        metadata=_MAPPING,
        source=_SOURCE,
        raw=_RAW,
    )


_INNER_NET = _jobnet(st.lists(_JOB, max_size=2))
_NET = _jobnet(st.lists(st.one_of(_JOB, _INNER_NET), max_size=3))
_FOLDER = st.builds(
    Folder,
    name=_NAME,
    path=_NAME,
    description=st.none() | _TEXT,
    calendar=st.none() | _NAME,
    children=st.lists(_NET, max_size=2),
    source=_SOURCE,
    raw=_RAW,
)
_CALENDAR = st.builds(
    Calendar,
    name=_NAME,
    parent=st.none() | _NAME,
    open_dates=st.lists(_DATE, max_size=2),
    closed_dates=st.lists(_DATE, max_size=2),
    closed_weekdays=st.lists(st.sampled_from(WEEKDAYS), max_size=2, unique=True),
    holidays=st.lists(st.builds(HolidaySource, country=st.sampled_from(["JP", "US"])), max_size=1),
    closing_rules=st.lists(
        st.one_of(
            st.builds(
                ClosingRule, kind=st.just("yearly_range"), start=st.just("12-29"), end=st.just("01-03")
            ),
            st.builds(ClosingRule, kind=st.just("date"), date=_DATE),
            st.builds(
                ClosingRule,
                kind=st.just("nth_weekday"),
                weekday=st.sampled_from(WEEKDAYS),
                ordinal=st.integers(1, 5),
                month=st.integers(1, 12),
            ),
        ),
        max_size=2,
    ),
    base_day=st.builds(BaseDay, day=st.integers(1, 28)),
    month_naming=st.sampled_from(["this", "next"]),
    base_time_minutes=st.integers(0, 1439),
    timezone=_ZONE,
    source=_SOURCE,
)
_FINDING = st.builds(
    Finding,
    severity=st.sampled_from(Severity),
    code=_TEXT,
    message=_TEXT,
    path=_TEXT,
    source=_SOURCE,
)
_WORKFLOW = st.builds(
    Workflow,
    source_system=_NAME,
    timezone=st.sampled_from(["Asia/Tokyo", "UTC"]),
    files=st.lists(_TEXT, max_size=2),
    children=st.lists(st.one_of(_NET, _FOLDER), max_size=2),
    calendars=st.lists(_CALENDAR, max_size=2),
    findings=st.lists(_FINDING, max_size=2),
    unit_count=st.integers(0, 50),
)
_UNITS_AND_RULES = (Folder, JobNet, Job, ScheduleRule)


def _unit_count(children: list[Folder | JobNet] | list[Job | JobNet]) -> int:
    return sum(1 + (0 if isinstance(c, Job) else _unit_count(c.children)) for c in children)


def _sources_given(original: object, read: object, path: str, lines: int) -> None:
    """Where the original unit or rule had no source, the reader gives the one it was written
    at, within the dump; that one is then cleared so the rest compares field by field."""
    if isinstance(original, list) and isinstance(read, list):
        for a, b in zip(original, read, strict=False):
            _sources_given(a, b, path, lines)
        return
    if not (is_dataclass(original) and is_dataclass(read)) or type(original) is not type(read):
        return
    if (
        isinstance(read, _UNITS_AND_RULES)
        and isinstance(original, _UNITS_AND_RULES)
        and original.source is None
    ):
        assert read.source is not None and read.source.file == path and 1 <= read.source.line <= lines, read
        read.source = None
    for f in fields(original):
        _sources_given(getattr(original, f.name), getattr(read, f.name), path, lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WORKFLOW, st.sampled_from(["yaml", "json"]))
def test_neutral_dump_reads_back_as_the_same_workflow(workflow: Workflow, fmt: str) -> None:
    """What dumps leaves out comes back as documented: fields at their defaults, the file as
    `files` when none is named, the unit count when it is 0, and where every unit and rule
    without a source is written."""
    path = f"dump.{fmt}"
    text = dumps(workflow, fmt)
    read = _parse("yaml", SourceFile(path, text))
    _sources_given(workflow.children, read.children, path, text.count("\n") + 1)
    expected = workflow.model_copy(
        update={
            "files": workflow.files or [path],
            "unit_count": workflow.unit_count or _unit_count(workflow.children),
        }
    )
    assert read == expected
