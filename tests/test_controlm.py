"""Control-M importer: XML reading, the IR tree, conditions, day criteria, times, DEFCAL, corpus, CLI."""

from __future__ import annotations

import calendar as _cal
import contextlib
import datetime as dt
import json
import random
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import converters
from calendars.business import BusinessCalendar
from calendars.legacy import Horizon, Unsupported, business_dates, rule_instants
from converters import ImportOptions, SourceFile
from converters.controlm import findings as ctm_findings
from converters.controlm import options as ctm_options
from jobmigrate.errors import InputError, InputErrors, UsageError
from jobmigrate.model import Finding, Job, JobNet, Workflow

from .conftest import CORPUS, FIXTURES, jobmigrate

CTM = FIXTURES / "controlm"
FIN_DAILY = CTM / "fin_daily.xml"
FIN_CALENDARS = CTM / "fin_calendars.xml"
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")
JAN_1, DEC_31 = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
MONTHS = " ".join(
    f'{m}="1"' for m in ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
)


@pytest.fixture(autouse=True)
def _site_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set the site options they need; the developer's environment must not leak in."""
    monkeypatch.delenv(ctm_options.NEWDAY_VARIABLE, raising=False)
    monkeypatch.delenv(ctm_options.WEEK_START_VARIABLE, raising=False)


# --------------------------------------------------------------------------- helpers


def parse(*sources: str | Path) -> Workflow:
    files = []
    for n, s in enumerate(sources):
        if isinstance(s, Path):
            files.append(SourceFile(path=str(s), text=s.read_text(encoding="utf-8")))
        else:
            files.append(SourceFile(path=f"input{n}.xml", text=s))
    return converters.get("controlm").parse(files, ImportOptions())


def deftable(body: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<DEFTABLE>\n{body}\n</DEFTABLE>\n'


def folder(jobs: str, name: str = "F", tag: str = "FOLDER", attrs: str = "") -> str:
    return deftable(f'<{tag} DATACENTER="DC" FOLDER_NAME="{name}" {attrs}>\n{jobs}\n</{tag}>')


def job(name: str, attrs: str = "", body: str = "") -> str:
    return f'<JOB JOBNAME="{name}" TASKTYPE="Command" CMDLINE="run {name}" {attrs}>{body}</JOB>'


def defcal(name: str, years: dict[int, Callable[[dt.date], bool]]) -> str:
    """A DEFCAL export whose working days are those `years[y]` accepts."""
    rows = []
    for year, is_open in years.items():
        flags = []
        for month in range(1, 13):
            length = _cal.monthrange(year, month)[1]
            flags += ["Y" if d <= length and is_open(dt.date(year, month, d)) else "N" for d in range(1, 32)]
        rows.append(f'<YEAR NAME="{year}" DAYS="{"".join(flags)}"/>')
    body = "\n".join(rows)
    return f'<DEFCAL>\n<CALENDAR NAME="{name}" TYPE="Regular">\n{body}\n</CALENDAR>\n</DEFCAL>\n'


def weekdays_only(day: dt.date) -> bool:
    return day.weekday() < 5


WORKDAYS = defcal("WD", {y: weekdays_only for y in (2026, 2027, 2028)})


def net(wf: Workflow, path: str) -> JobNet:
    found = next((n for n in wf.root_jobnets() if n.path == path), None)
    assert found is not None, [n.path for n in wf.root_jobnets()]
    return found


def job_at(wf: Workflow, path: str) -> Job:
    found = next((j for n in wf.root_jobnets() for j in n.jobs() if j.path == path), None)
    assert found is not None, path
    return found


def run_dates(
    wf: Workflow, path: str = "/F", first: dt.date = JAN_1, last: dt.date = DEC_31
) -> list[dt.date]:
    """Order dates of a job-net, evaluated as the calendar engine does."""
    target = net(wf, path)
    calendars = {c.name: BusinessCalendar.resolve(c.name, wf.calendars) for c in wf.calendars}
    found: set[dt.date] = set()
    for rule in target.schedule:
        cal = BusinessCalendar.resolve(rule.calendar or target.calendar, wf.calendars)
        found.update(business_dates(rule, cal, first, last, first, calendars))
    return sorted(found)


def days_of(criteria: str, *extra: str) -> list[dt.date]:
    """Order dates in 2027 of one job with these scheduling attributes."""
    return run_dates(parse(folder(job("J", criteria)), *extra))


def codes(wf: Workflow) -> list[str]:
    return [f.code for f in wf.findings]


def with_code(wf: Workflow, code: str) -> list[Finding]:
    return [f for f in wf.findings if f.code == code]


def dates(*texts: str) -> list[dt.date]:
    return [dt.date.fromisoformat(t) for t in texts]


def monthly(day: int, months: Iterable[int] = range(1, 13)) -> list[dt.date]:
    return [dt.date(2027, m, day) for m in months]


# --------------------------------------------------------------------------- sniffing and XML


def test_sniff_recognises_exports_only() -> None:
    importer = converters.get("controlm")
    assert importer.sniff(FIN_DAILY.read_text()) > 0
    assert importer.sniff(FIN_CALENDARS.read_text()) > 0
    assert importer.sniff("<SCHED_TABLE TABLE_NAME='X'/>") > 0
    assert importer.sniff("30 2 * * * /bin/backup\n") == 0
    assert importer.sniff("unit=/G,,jp1admin,;\n{\n  ty=g;\n}\n") == 0
    assert converters.guess(FIN_DAILY.read_text()) == "controlm"


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('<DEFTABLE>\n  <FOLDER FOLDER_NAME="X">\n  </DEFTABLE>\n', 3, 5, "mismatched tag"),
        ('<DEFTABLE>\n<FOLDER FOLDER_NAME="X" FOLDER_NAME="Y"/>\n</DEFTABLE>', 2, 25, "duplicate attribute"),
        ("", 1, 1, "no element found"),
        ('<DEFTABLE>\n<FOLDER FOLDER_NAME="A&B"/>\n</DEFTABLE>', 2, 25, "not well-formed"),
    ],
)
def test_malformed_xml_is_located(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert words in caught.value.message
    assert str(caught.value).startswith(f"input0.xml:{line}:{column}: malformed XML")


def test_other_xml_is_an_input_error_and_every_bad_file_is_reported() -> None:
    with pytest.raises(InputErrors) as caught:
        parse("<html><body/></html>", "<DEFTABLE>")
    first, second = caught.value.errors
    assert "not a Control-M export" in first.message and (first.line, first.column) == (1, 1)
    assert second.file == "input1.xml" and "malformed XML" in second.message


def test_attribute_lines_follow_multi_line_start_tags() -> None:
    wf = parse(FIN_DAILY)
    extract = job_at(wf, "/FIN_DAILY/EXTRACT")
    lines = {p.key: p.line for p in extract.raw}
    text = FIN_DAILY.read_text().splitlines()
    assert "TIMEFROM=" in text[lines["TIMEFROM"] - 1] and "CMDLINE=" in text[lines["CMDLINE"] - 1]
    assert extract.source is not None and extract.source.line == lines["JOBISN"]


def test_declared_encoding_does_not_fight_the_decoded_text() -> None:
    text = folder(job("J", 'DESCRIPTION="日次バッチ"')).replace('encoding="utf-8"', 'encoding="Shift_JIS"')
    assert job_at(parse(text), "/F/J").description == "日次バッチ"


# --------------------------------------------------------------------------- tree and jobs


def test_fixture_tree_paths_and_unit_count() -> None:
    wf = parse(FIN_DAILY, FIN_CALENDARS)
    assert [n.path for n in wf.root_jobnets()] == ["/FIN_DAILY", "/FIN_MONTHLY", "/FIN_RATES", "/FIN_CLOSE"]
    daily = net(wf, "/FIN_DAILY")
    assert [c.name for c in daily.children] == ["EXTRACT", "LOAD_A", "LOAD_B", "POST", "NOTIFY_NG"]
    post = daily.child("POST")
    assert isinstance(post, JobNet) and post.inherits_schedule and post.path == "/FIN_DAILY/POST"
    assert [j.path for j in post.jobs()] == ["/FIN_DAILY/POST/MERGE", "/FIN_DAILY/POST/REPORT"]
    assert daily.metadata["datacenter"] == "PRODDC" and daily.unit_type == "SMART_FOLDER"
    nodes = sum(1 + sum(1 for _ in n.jobs()) for n in wf.root_jobnets()) + 1  # + the sub-folder
    assert wf.unit_count == nodes == 17


def test_commands_hosts_users_and_variables() -> None:
    wf = parse(FIN_DAILY, FIN_CALENDARS)
    extract = job_at(wf, "/FIN_DAILY/EXTRACT")
    assert extract.command is not None
    assert extract.command.text == "/opt/batch/bin/extract.sh %%$ODATE"  # %%BIN from the folder
    assert (extract.command.host, extract.command.os_user) == ("batch01", "batch")
    assert ("BIN", "/opt/batch/bin") in extract.command.environment
    assert extract.retry is not None and (extract.retry.count, extract.retry.interval_minutes) == (2, 5)
    odate = [f for f in with_code(wf, "CTM103") if f.path == extract.path]
    assert odate and "%%$ODATE" in odate[0].message
    merge = job_at(wf, "/FIN_DAILY/POST/MERGE")
    assert merge.command is not None and merge.unit_type == "Job"
    assert (merge.command.script, merge.command.arguments) == ("/opt/batch/bin/merge.sh", "--all")
    assert job_at(wf, "/FIN_CLOSE/APPROVE").kind == "manual"
    assert any(f.path == "/FIN_CLOSE/APPROVE" for f in with_code(wf, "CTM104"))


def test_kinds_of_jobs() -> None:
    body = "\n".join(
        [
            '<JOB JOBNAME="D" TASKTYPE="Dummy"/>',
            '<JOB JOBNAME="W" TASKTYPE="Job" MEMLIB="C:\\batch\\" MEMNAME="run.bat"/>',
            '<JOB JOBNAME="FT" TASKTYPE="Job" APPL_TYPE="FILE_TRANS" NODEID="ft01"/>',
            '<JOB JOBNAME="DET" TASKTYPE="Detached"/>',
            '<JOB JOBNAME="E" TASKTYPE="Command" CMDLINE=""/>',
        ]
    )
    wf = parse(folder(body))
    assert job_at(wf, "/F/D").kind == "dummy" and job_at(wf, "/F/D").command is None
    windows = job_at(wf, "/F/W").command
    assert windows is not None and windows.script == "C:\\batch\\run.bat" and windows.platform == "windows"
    plug_in = job_at(wf, "/F/FT")
    assert plug_in.kind == "custom" and plug_in.event["APPL_TYPE"] == "FILE_TRANS"
    assert job_at(wf, "/F/DET").kind == "custom"
    assert {f.path for f in with_code(wf, "CTM101")} == {"/F/FT", "/F/DET"}
    assert [f.path for f in with_code(wf, "CTM102")] == ["/F/E"]


def test_end_status_actions() -> None:
    always_ok = '<ON STMT="*" CODE="NOTOK"><DOACTION ACTION="OK"/></ON>'
    codes_ok = (
        '<ON STMT="*" CODE="COMPSTAT=4"><DOACTION ACTION="OK"/></ON><ON STMT="*" CODE="*"><DORERUN/></ON>'
    )
    wf = parse(folder(job("A", body=always_ok) + job("B", body=codes_ok)))
    assert job_at(wf, "/F/A").end_judgment.mode == "always_normal"
    assert job_at(wf, "/F/B").end_judgment.success_codes == [4]
    assert [f.path for f in with_code(wf, "CTM110")] == ["/F/B"]


def test_every_unit_is_in_the_ir_or_reported_once() -> None:
    text = deftable(
        "\n".join(
            [
                job("STRAY"),
                '<FOLDER FOLDER_NAME="">' + job("LOST") + "</FOLDER>",
                '<FOLDER FOLDER_NAME="A">' + job("X") + job("X") + job("Y", body=job("INNER")) + "</FOLDER>",
                '<FOLDER FOLDER_NAME="A">' + job("Z") + "</FOLDER>",
                '<SMART_FOLDER FOLDER_NAME="B"><SUB_FOLDER JOBNAME="S">'
                + job("Q")
                + "</SUB_FOLDER></SMART_FOLDER>",
            ]
        )
    )
    wf = parse(text)
    in_ir = sum(1 + sum(1 for _ in n.jobs()) for n in wf.root_jobnets()) + 1  # + sub-folder S
    dropped = [f for f in wf.findings if f.code in ctm_findings.DROPPED_UNIT_CODES]
    assert in_ir + len(dropped) == wf.unit_count == 13
    assert [j.name for j in net(wf, "/A").jobs()] == ["X", "X#2", "Y"]
    assert {f.code for f in dropped} == {"CTM001", "CTM002", "CTM003", "CTM009"}
    assert all(f.source is not None and f.source.line > 0 for f in dropped)
    assert with_code(wf, "CTM004")[0].path == "/A/X#2"


def test_same_folder_name_in_two_data_centers_keeps_both() -> None:
    text = deftable(
        '<FOLDER DATACENTER="TOKYO" FOLDER_NAME="F">' + job("A") + "</FOLDER>"
        '<FOLDER DATACENTER="OSAKA" FOLDER_NAME="F">' + job("A") + "</FOLDER>"
        '<FOLDER DATACENTER="OSAKA" FOLDER_NAME="G">' + job("B") + "</FOLDER>"
    )
    assert [n.path for n in parse(text).root_jobnets()] == ["/TOKYO/F", "/OSAKA/F", "/G"]


def test_older_sched_table_exports() -> None:
    text = deftable(
        '<SCHED_TABLE TABLE_NAME="OLD" DATACENTER="DC">'
        '<JOB JOBNAME="J1" TASKTYPE="Job" MEMLIB="/u/scripts" MEMNAME="j1.sh" OWNER="ops" DAYS="1"/>'
        "</SCHED_TABLE>"
        '<SCHED_GROUP TABLE_NAME="GRP"><TAG TAG_NAME="MONTH_START" DAYS="1"/>'
        '<JOB JOBNAME="J2" TASKTYPE="Command" CMDLINE="j2"><TAG_NAMES TAG_NAME="MONTH_START"/></JOB>'
        "</SCHED_GROUP>"
    )
    wf = parse(text)
    j1 = job_at(wf, "/OLD/J1")
    assert j1.command is not None and (j1.command.script, j1.command.os_user) == ("/u/scripts/j1.sh", "ops")
    assert run_dates(wf, "/OLD") == run_dates(wf, "/GRP") == monthly(1)


# --------------------------------------------------------------------------- conditions and actions


def test_smart_folder_dependencies_become_edges() -> None:
    wf = parse(FIN_DAILY, FIN_CALENDARS)
    daily = net(wf, "/FIN_DAILY")
    assert {(e.pred, e.succ, e.kind) for e in daily.edges} == {
        ("EXTRACT", "LOAD_A", "on_success"),
        ("EXTRACT", "LOAD_B", "on_success"),
        ("LOAD_A", "POST", "on_success"),  # the sub-folder waits, not its first job
        ("LOAD_B", "POST", "on_success"),
        ("EXTRACT", "NOTIFY_NG", "on_failure"),  # ON NOTOK DOFORCEJOB
    }
    post = daily.child("POST")
    assert isinstance(post, JobNet) and [(e.pred, e.succ) for e in post.edges] == [("MERGE", "REPORT")]
    notify = job_at(wf, "/FIN_DAILY/NOTIFY_NG")
    assert notify.recovery
    payroll = job_at(wf, "/FIN_MONTHLY/PAYROLL")
    assert [(x.target, x.date, x.status) for x in payroll.external] == [
        ("/FIN_DAILY/POST/REPORT", "previous", "success")
    ]
    balance = job_at(wf, "/FIN_CLOSE/BALANCE")
    assert [(x.target, x.condition) for x in balance.external] == [("FX-RATES-LOADED", None)]
    assert [f.path for f in with_code(wf, "CTM201")] == ["/FIN_CLOSE/BALANCE"]


@pytest.mark.parametrize(
    ("produced", "wanted", "date"),
    [
        ("ODAT", "PREV", "previous"),
        ("NEXT", "ODAT", "previous"),
        ("ODAT", "NEXT", "next"),
        ("ODAT", "****", "any"),
    ],
)
def test_condition_dates(produced: str, wanted: str, date: str) -> None:
    wf = parse(
        folder(
            job("P", body=f'<OUTCOND NAME="C" ODATE="{produced}" SIGN="+"/>')
            + job("Q", body=f'<INCOND NAME="C" ODATE="{wanted}" AND_OR="A"/>')
        )
    )
    assert net(wf, "/F").edges == []
    assert [(x.target, x.date) for x in job_at(wf, "/F/Q").external] == [("/F/P", date)]


def test_or_and_parentheses() -> None:
    producers = "".join(job(n, body=f'<OUTCOND NAME="{n}-OK" ODATE="ODAT" SIGN="ADD"/>') for n in "ABC")
    either = job("OR", body='<INCOND NAME="A-OK" AND_OR="A"/><INCOND NAME="B-OK" AND_OR="O"/>')
    grouped = job(
        "MIX",
        body='<INCOND NAME="A-OK" AND_OR="A"/><INCOND NAME="B-OK" AND_OR="A" OP="("/>'
        '<INCOND NAME="C-OK" AND_OR="O" OP=")"/>',
    )
    remote = job("EXT", body='<INCOND NAME="X-OK" AND_OR="A"/><INCOND NAME="Y-OK" AND_OR="O"/>')
    wf = parse(folder(producers + either + grouped + remote))
    edges = {(e.pred, e.succ): e.condition for e in net(wf, "/F").edges}
    assert edges[("A", "OR")] == edges[("B", "OR")] == "A-OK OR B-OK"
    assert edges[("C", "MIX")] == "A-OK AND (B-OK OR C-OK)"
    assert {f.path for f in with_code(wf, "CTM203")} == {"/F/OR", "/F/MIX"}  # EXT: both external, mode any
    assert {x.mode for x in job_at(wf, "/F/EXT").external} == {"any"}
    assert len(with_code(wf, "CTM109")) == 3  # SIGN=ADD accepted as +


def test_several_producers_and_unbalanced_parentheses() -> None:
    out = '<OUTCOND NAME="DONE" ODATE="ODAT" SIGN="+"/>'
    wf = parse(folder(job("A", body=out) + job("B", body=out) + job("C", body='<INCOND NAME="(DONE"/>')))
    assert {(e.pred, e.succ) for e in net(wf, "/F").edges} == {("A", "C"), ("B", "C")}
    assert [f.code for f in wf.findings if f.path == "/F/C"] == ["CTM207", "CTM202"]


def test_forced_jobs_and_conditions_added_by_on_statements() -> None:
    body_a = (
        '<ON STMT="*" CODE="OK"><DOFORCEJOB TABLE_NAME="F" NAME="NEXT_STEP" ODATE="ODAT"/></ON>'
        '<ON STMT="*" CODE="NOTOK"><DOCOND NAME="A-FAILED" ODATE="ODAT" SIGN="+"/>'
        '<DOFORCEJOB TABLE_NAME="OTHER" NAME="CLEANUP"/><DOFORCEJOB TABLE_NAME="F" NAME="GHOST"/></ON>'
        '<ON STMT="*" CODE="COMPSTAT=3"><DOFORCEJOB NAME="ON_THREE"/></ON>'
    )
    text = deftable(
        '<FOLDER FOLDER_NAME="F">'
        + job("A", 'DAYS="ALL"', body_a)
        + job("NEXT_STEP")
        + job("ON_THREE")
        + job("ALERT", body='<INCOND NAME="A-FAILED" ODATE="ODAT"/>')
        + '</FOLDER><FOLDER FOLDER_NAME="OTHER">'
        + job("CLEANUP")
        + "</FOLDER>"
    )
    wf = parse(text)
    edges = {(e.pred, e.succ): (e.kind, e.condition) for e in net(wf, "/F").edges}
    assert edges[("A", "NEXT_STEP")] == ("on_success", None)
    assert edges[("A", "ALERT")] == ("on_failure", None)
    assert edges[("A", "ON_THREE")] == ("conditional", "ON STMT=* CODE=COMPSTAT=3")
    cleanup = job_at(wf, "/OTHER/CLEANUP")
    assert [(x.target, x.status) for x in cleanup.external] == [("/F/A", "failure")]
    assert cleanup.recovery and not job_at(wf, "/F/NEXT_STEP").recovery
    assert "GHOST" in with_code(wf, "CTM205")[0].message


# --------------------------------------------------------------------------- days


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ('DAYS="1,15"', sorted(monthly(1) + monthly(15))),
        ('DAYS="L1"', [dt.date(2027, m, _cal.monthrange(2027, m)[1]) for m in range(1, 13)]),
        ('DAYS="31" JAN="1" FEB="1" MAR="0" APR="1"', dates("2027-01-31")),  # no 31 Feb, Apr
        ('DAYS="ALL,-L1,-L2" JAN="1"', [dt.date(2027, 1, d) for d in range(1, 30)]),
        ('DATES="0101,0704"', dates("2027-01-01", "2027-07-04")),
        ('DAYS="1" ACTIVE_FROM="20270301" ACTIVE_TILL="20270531"', monthly(1, range(3, 6))),
    ],
)
def test_days_without_calendars(criteria: str, expected: list[dt.date]) -> None:
    assert days_of(criteria) == expected


@pytest.mark.parametrize(
    ("criteria", "expected_january"),
    [
        # January 2027: the 1st is a Friday, 2-3 and 9-10 a weekend, the 31st a Sunday.
        ('DAYSCAL="WD"', [d for d in range(1, 32) if dt.date(2027, 1, d).weekday() < 5]),
        ('DAYSCAL="WD" DAYS="2,4"', [4]),  # the 2nd is no working day: dropped
        ('DAYSCAL="WD" DAYS="+2"', [2]),  # forced whatever DAYSCAL says
        ('DAYSCAL="WD" DAYS="&gt;2"', [4]),
        ('DAYSCAL="WD" DAYS="&lt;3"', [1]),
        ('DAYSCAL="WD" DAYS="D2"', [4]),
        ('DAYSCAL="WD" DAYS="L1"', [29]),
        ('DAYSCAL="WD" DAYS="ALL,-D1,-L1"', [d for d in range(4, 29) if dt.date(2027, 1, d).weekday() < 5]),
    ],
)
def test_days_on_a_working_day_calendar(criteria: str, expected_january: list[int]) -> None:
    found = days_of(criteria + ' JAN="1"', WORKDAYS)
    assert found == [dt.date(2027, 1, d) for d in expected_january]


@pytest.mark.parametrize(
    ("criteria", "week_start", "expected_weekdays"),
    [
        ('WEEKDAYS="1,2,3,4,5"', "sunday", {0, 1, 2, 3, 4}),
        ('WEEKDAYS="0,1,2,3,4"', "monday", {0, 1, 2, 3, 4}),
        ('WEEKDAYS="0,6"', "sunday", {5, 6}),
        ('WEEKDAYS="ALL,-0"', "sunday", {0, 1, 2, 3, 4, 5}),
        ('WEEKDAYS="SAT"', "sunday", {5}),
        ('WEEKDAYS="1-5"', "sunday", {0, 1, 2, 3, 4}),
    ],
)
def test_weekdays_and_their_numbering(
    criteria: str, week_start: str, expected_weekdays: set[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ctm_options.WEEK_START_VARIABLE, week_start)
    found = days_of(criteria)
    assert {d.weekday() for d in found} == expected_weekdays
    assert len(found) == sum(1 for d in _every_day() if d.weekday() in expected_weekdays)


def _every_day() -> Iterable[dt.date]:
    return (JAN_1 + dt.timedelta(days=i) for i in range((DEC_31 - JAN_1).days + 1))


def test_days_and_weekdays_combined_with_and_or_or() -> None:
    first_week = 'DAYS="1,2,3,4,5,6,7" WEEKDAYS="1"'
    assert days_of(first_week + ' DAYS_AND_OR="A"') == [
        d for d in _every_day() if d.day <= 7 and d.weekday() == 0
    ]  # first Monday of each month
    assert len(days_of(first_week + ' DAYS_AND_OR="O"')) == 12 * 7 + 52 - 12


def test_weekscal_filters_weekdays() -> None:
    no_mondays = defcal("NOMON", {2027: lambda d: d.weekday() != 0})
    assert days_of('WEEKDAYS="1,2" WEEKSCAL="NOMON" JAN="1"', no_mondays) == dates(
        "2027-01-05", "2027-01-12", "2027-01-19", "2027-01-26"
    )


@pytest.mark.parametrize(
    ("shift", "shiftnum", "expected"),
    [
        # 25 Sep 2027 is a Saturday; 25 Aug a Wednesday.
        ("Ignore Job", "+00", dates("2027-08-25")),
        ("Next Day", "+00", dates("2027-08-25", "2027-09-27")),
        ("Prev Day", "+00", dates("2027-08-25", "2027-09-24")),
        ("No Confcal", "+00", dates("2027-08-25", "2027-09-25")),
        ("Prev Day", "-02", dates("2027-08-23", "2027-09-22")),
        ("NEXTDAY", "+01", dates("2027-08-26", "2027-09-28")),
    ],
)
def test_confirmation_calendar_moves_dates(shift: str, shiftnum: str, expected: list[dt.date]) -> None:
    criteria = f'DAYS="25" CONFCAL="WD" SHIFT="{shift}" SHIFTNUM="{shiftnum}" AUG="1" SEP="1"'
    assert days_of(criteria, WORKDAYS) == expected


def test_shift_without_confcal_is_a_no_op() -> None:
    assert days_of('DAYS="25" SHIFT="Ignore Job" SHIFTNUM="+00"') == monthly(25)


def test_unsupported_and_invalid_day_values_are_findings() -> None:
    wf = parse(folder(job("J", 'DAYS="D1PA,SA,1,D2" WEEKDAYS="D1W2" SHIFTNUM="+99" CONFCAL="X"')))
    expected = ["CTM108", "CTM108", "CTM108", "CTM401", "CTM401", "CTM409", "CTM900", "CTM901"]
    assert sorted(codes(wf)) == expected
    assert all(f.source is not None and f.source.line == 4 for f in wf.findings if f.code != "CTM900")


def test_undefined_calendar_is_reported_not_guessed() -> None:
    wf = parse(folder(job("J", 'DAYSCAL="MISSING" DAYS="1"')))
    assert "MISSING" in with_code(wf, "CTM409")[0].message
    with pytest.raises(Unsupported, match="MISSING"):
        run_dates(wf)


def test_months_all_off_never_run() -> None:
    off = MONTHS.replace('"1"', '"0"')
    wf = parse(folder(job("J", f'DAYS="1" {off}')))
    assert run_dates(wf) == [] and "CTM411" in codes(wf)


# --------------------------------------------------------------------------- smart folders, orderings


def test_smart_folder_rbcs_and_own_criteria() -> None:
    rbcs = '<RULE_BASED_CALENDAR NAME="FIRST" DAYS="1"/><RULE_BASED_CALENDAR NAME="MID" DAYS="15"/>'
    jobs = job("A", body='<RULE_BASED_CALENDARS NAME="*"/>') + job(
        "B", body='<RULE_BASED_CALENDARS NAME="*"/>'
    )
    wf = parse(folder(rbcs + jobs, tag="SMART_FOLDER"))
    assert run_dates(wf) == sorted(monthly(1) + monthly(15))
    assert not with_code(wf, "CTM402")


def test_job_criteria_inside_the_smart_folder_criteria() -> None:
    # The folder is ordered on working days; the job names the 1st of each month: it runs on the
    # 1st only when that is a working day (in 2027: Jan, Feb, Mar, Apr, Jun, Jul, Sep, Oct, Dec).
    wf = parse(folder(job("A", 'DAYS="1"'), tag="SMART_FOLDER", attrs='DAYSCAL="WD"'), WORKDAYS)
    assert run_dates(wf) == [d for d in monthly(1) if d.weekday() < 5]


def test_rbc_relationship_and() -> None:
    rbc = '<RULE_BASED_CALENDAR NAME="MON" WEEKDAYS="1"/>'
    both = 'DAYS="1,2,3,4,5,6,7" RULE_BASED_CALENDAR_RELATIONSHIP="A"'
    wf = parse(folder(rbc + job("A", both, '<RULE_BASED_CALENDARS NAME="MON"/>'), tag="SMART_FOLDER"))
    assert run_dates(wf) == [d for d in _every_day() if d.day <= 7 and d.weekday() == 0]


def test_jobs_ordered_differently_are_reported() -> None:
    rbcs = '<RULE_BASED_CALENDAR NAME="FIRST" DAYS="1"/><RULE_BASED_CALENDAR NAME="LAST" DAYS="L1"/>'
    jobs = (
        job("A", body='<RULE_BASED_CALENDARS NAME="FIRST"/>')
        + job("B", body='<RULE_BASED_CALENDARS NAME="LAST"/>')
        + job("C", body='<RULE_BASED_CALENDARS NAME="NONE"/>')
    )
    wf = parse(folder(rbcs + jobs, tag="SMART_FOLDER", attrs='DAYS="1,L1"'))
    assert [f.path for f in with_code(wf, "CTM402")] == ["/F/A", "/F/B"]  # C falls back on the folder
    assert [f.path for f in with_code(wf, "CTM407")] == ["/F/C"]
    assert len(run_dates(wf)) == 24


def test_regular_folder_union_and_jobs_ordered_by_hand() -> None:
    wf = parse(folder(job("A", 'DAYS="1"') + job("B", 'DAYS="15"') + job("C")))
    assert run_dates(wf) == sorted(monthly(1) + monthly(15))
    assert [f.path for f in with_code(wf, "CTM402")] == ["/F/A", "/F/B"]
    assert [f.path for f in with_code(wf, "CTM410")] == ["/F/C"]
    unscheduled = parse(folder(job("A")))
    assert net(unscheduled, "/F").schedule == [] and not with_code(unscheduled, "CTM410")


# --------------------------------------------------------------------------- times


def instants(wf: Workflow, path: str, first: dt.date, last: dt.date, tz: str = "Asia/Tokyo") -> list[str]:
    target = net(wf, path)
    calendars = {c.name: BusinessCalendar.resolve(c.name, wf.calendars) for c in wf.calendars}
    horizon = Horizon(first, last, ZoneInfo(tz))
    found: set[dt.datetime] = set()
    for rule in target.schedule:
        cal = BusinessCalendar.resolve(rule.calendar or target.calendar, wf.calendars)
        found.update(rule_instants(rule, cal, horizon, calendars=calendars))
    return [i.astimezone(ZoneInfo(tz)).isoformat() for i in sorted(found)]


def test_new_day_time_moves_early_times_to_the_next_calendar_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ctm_options.NEWDAY_VARIABLE, "07:00")
    wf = parse(folder(job("A", 'DAYS="1" TIMEFROM="0200"') + job("B", 'DAYS="1" TIMEFROM="0200"')))
    assert instants(wf, "/F", dt.date(2027, 3, 1), dt.date(2027, 3, 3)) == ["2027-03-02T02:00:00+09:00"]
    no_time = parse(folder(job("A", 'DAYS="1"')))
    assert instants(no_time, "/F", dt.date(2027, 3, 1), dt.date(2027, 3, 3)) == ["2027-03-01T07:00:00+09:00"]
    assert "07:00" in with_code(wf, "CTM900")[0].message


def test_start_is_the_earliest_entry_job_and_later_times_are_reported() -> None:
    chain = job("A", 'DAYS="1" TIMEFROM="2100"', '<OUTCOND NAME="A-OK" ODATE="ODAT" SIGN="+"/>') + job(
        "B", 'DAYS="1" TIMEFROM="2200"', '<INCOND NAME="A-OK" ODATE="ODAT" AND_OR="A"/>'
    )
    wf = parse(folder(chain + job("C", 'DAYS="1" TIMEFROM="2000"')))
    assert [t.raw for t in net(wf, "/F").schedule[0].times] == ["2000"]
    assert [f.path for f in with_code(wf, "CTM403")] == ["/F/A", "/F/B"]


def test_time_zones() -> None:
    wf = parse(folder(job("A", 'DAYS="1" TIMEFROM="0900" TIMEZONE="EST"')))
    rule = net(wf, "/F").schedule[0]
    assert rule.timezone == "America/New_York"
    assert instants(wf, "/F", dt.date(2027, 7, 1), dt.date(2027, 7, 2))[0] == "2027-07-01T22:00:00+09:00"
    assert net(parse(folder(job("A", 'DAYS="1" TIMEZONE="GMT+05"'))), "/F").timezone == "Etc/GMT-5"
    unknown = parse(folder(job("A", 'DAYS="1" TIMEZONE="XYZ"')))
    assert net(unknown, "/F").timezone is None and "CTM406" in codes(unknown)
    mixed = parse(folder(job("A", 'DAYS="1" TIMEZONE="JST"') + job("B", 'DAYS="1" TIMEZONE="CET"')))
    assert "CTM405" in codes(mixed)


def test_cyclic_jobs() -> None:
    times = 'CYCLIC="1" CYCLIC_TYPE="S" CYCLIC_TIMES_SEQUENCE="0900,1300,0600" TIMEFROM="0800" TIMETO="2000"'
    wf = parse(folder(job("A", 'DAYS="1" ' + times)))
    assert [t.raw for t in net(wf, "/F").schedule[0].times] == ["0900", "1300"]
    every = 'CYCLIC="1" INTERVAL="00002H" TIMEFROM="2000" IND_CYCLIC="S"'
    wf = parse(folder(job("A", 'DAYS="1" ' + every)))
    assert [t.raw for t in net(wf, "/F").schedule[0].times] == ["2000", "2200"]
    shared = parse(folder(job("A", 'DAYS="1" ' + every) + job("B", 'DAYS="1"')))
    assert [f.path for f in with_code(shared, "CTM404")] == ["/F/A"]
    from_end = parse(folder(job("A", 'DAYS="1" CYCLIC="1" INTERVAL="00010M" IND_CYCLIC="E"')))
    assert "IND_CYCLIC=E" in with_code(from_end, "CTM404")[0].message


def test_site_options_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ctm_options.NEWDAY_VARIABLE, "25:00")
    with pytest.raises(UsageError):
        parse(folder(job("A")))
    monkeypatch.setenv(ctm_options.NEWDAY_VARIABLE, "0630")
    monkeypatch.setenv(ctm_options.WEEK_START_VARIABLE, "friday")
    with pytest.raises(UsageError):
        parse(folder(job("A")))


# --------------------------------------------------------------------------- DEFCAL


def test_defcal_years_become_date_lists() -> None:
    wf = parse(FIN_CALENDARS)
    workdays = wf.calendar("FIN_WORKDAYS")
    assert workdays is not None and len(workdays.closed_weekdays) == 7
    cal = BusinessCalendar.resolve("FIN_WORKDAYS", wf.calendars)
    assert not cal.is_open(dt.date(2027, 1, 1)) and cal.is_open(dt.date(2027, 1, 4))
    assert not cal.is_open(dt.date(2027, 2, 23))  # Emperor's Birthday
    assert not cal.is_open(dt.date(2029, 1, 4))  # a year the export does not list
    assert wf.root_jobnets() is not None and list(wf.root_jobnets()) == []


def test_defcal_problems_are_findings() -> None:
    good = "N" * 372
    text = (
        "<DEFCAL>"
        f'<CALENDAR NAME="A"><YEAR NAME="2027" DAYS="{good[:-1]}"/><YEAR NAME="20x7" DAYS="{good}"/>'
        f'<YEAR NAME="2028" DAYS="{good[:60]}Y{good[61:]}"/>'  # 30 February
        f'<YEAR NAME="2026" DAYS="{good[:5]}1{good[6:]}"/></CALENDAR>'
        '<CALENDAR NAME="A"/><CALENDAR NAME="P" TYPE="Periodic"/><CALENDAR/>'
        "</DEFCAL>"
    )
    wf = parse(text)
    assert sorted(codes(wf)) == ["CTM501", "CTM501", "CTM501", "CTM502", "CTM503", "CTM504", "CTM505"]
    assert [c.name for c in wf.calendars] == ["A", "P"]


# --------------------------------------------------------------------------- corpus


def corpus_files() -> list[Path]:
    return sorted((CORPUS / "controlm").glob("*.xml")) if CORPUS.exists() else []


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_job_is_converted_or_reported(path: Path) -> None:
    wf = parse(path)
    text = path.read_text(encoding="utf-8")
    job_lines = [n for n, line in enumerate(text.splitlines(), 1) if re.search(r"<JOB\s", line)]
    jobs = [j for n in wf.root_jobnets() for j in n.jobs()]
    dropped = [f for f in wf.findings if f.code in ctm_findings.DROPPED_UNIT_CODES]
    assert (
        sorted(j.source.line for j in jobs if j.source) + [f.source.line for f in dropped if f.source]
        == job_lines
    )
    assert all(j.command is not None for j in jobs)
    folders = len(re.findall(r"<(?:SMART_)?FOLDER\s", text))
    assert wf.unit_count == len(job_lines) + folders
    for n in wf.root_jobnets():
        assert n.path.startswith("/") and n.schedule == []  # the dagify samples carry no schedules


def test_corpus_typo_and_duplicate_producer_are_reported() -> None:
    typo = parse(CORPUS / "controlm" / "dagify-011-fast-x.xml")
    assert [f.message.split()[7] for f in with_code(typo, "CTM201")] == [
        "ffx_fld_001_app_002_subapp_001_job_001_ok:"
    ]
    twice = parse(CORPUS / "controlm" / "dagify-009-fast-x.xml")
    assert [f.path for f in with_code(twice, "CTM202")] == ["/fast_x/fast_x_job_6"]


def mutations(text: str, rng: random.Random) -> Iterable[str]:
    """Truncations, deleted spans, flipped bytes and scrambled attribute values."""
    for _ in range(8):
        yield text[: rng.randrange(len(text))]
        start = rng.randrange(len(text))
        yield text[:start] + text[start + rng.randrange(1, 120) :]
        data = bytearray(text.encode())
        data[rng.randrange(len(data))] = rng.randrange(256)
        yield data.decode("utf-8", "replace")
        values = ["", "ALL", "-L9", "D0", ">", "2400", "99999M", "(", "PREV", "STAT", "*", "O", "1-9", "X/Y"]
        spots = [m for m in re.finditer(r'\s(\w+)="([^"]*)"', text) if m.start() > text.find("?>")]
        out = text
        for m in sorted(rng.sample(spots, min(6, len(spots))), key=lambda m: -m.start()):
            out = out[: m.start(2)] + rng.choice(values).replace("&", "&amp;") + out[m.end(2) :]
        yield out


@pytest.mark.parametrize("path", [*corpus_files(), FIN_DAILY, FIN_CALENDARS], ids=lambda p: p.name)
def test_corrupted_files_fail_with_input_errors_only(path: Path) -> None:
    rng = random.Random(path.name)
    calendars = SourceFile(path=str(FIN_CALENDARS), text=FIN_CALENDARS.read_text())
    for text in mutations(path.read_text(encoding="utf-8"), rng):
        try:
            parse_files = [SourceFile(path=str(path), text=text), calendars]
            wf = converters.get("controlm").parse(parse_files, ImportOptions())
        except InputErrors as e:
            assert all(err.file == str(path) and err.line > 0 for err in e.errors)
        except InputError as e:
            assert e.file == str(path) and e.line > 0 and e.column > 0, str(e)
        else:
            for root in wf.root_jobnets():
                with contextlib.suppress(Unsupported):  # a calendar the mutation renamed
                    run_dates(wf, root.path)


# --------------------------------------------------------------------------- end to end


def test_convert_and_schedule_the_fixture_end_to_end(tmp_path: Path) -> None:
    result = jobmigrate(
        "convert", FIN_DAILY, FIN_CALENDARS, "--from", "controlm", "--out", tmp_path / "o", *WINDOW
    )
    assert result.returncode in (0, 1), result.stderr  # 1: what the planner cannot do yet (manual job)
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert [n["path"] for n in plan["jobnets"]] == ["/FIN_DAILY", "/FIN_MONTHLY", "/FIN_RATES", "/FIN_CLOSE"]
    planned = {j["path"] for n in plan["jobnets"] for j in n["jobs"]}
    wf = parse(FIN_DAILY, FIN_CALENDARS)
    assert planned == {j.path for n in wf.root_jobnets() for j in n.jobs()} and len(planned) == 12
    units = plan["units"]
    assert units["converted"] + units["manual_review"] == units["total"] == 17
    assert not [f for f in plan["findings"] if f["code"].startswith("CTM") and f["severity"] == "error"]
    assert (tmp_path / "o" / "template.yaml").exists()

    result = jobmigrate(
        "schedule", FIN_DAILY, FIN_CALENDARS, "--from", "controlm", *WINDOW, "--format", "json"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    nets = {n["path"]: n for n in json.loads(result.stdout)["jobnets"]}
    assert all(n["equivalent"] and n["legacy_runs"] for n in nets.values())
    daily = nets["/FIN_DAILY"]["legacy_runs"]
    assert daily[0] == "2027-01-04T22:30:00+09:00" and len(daily) == 244
    # 25 Feb 2027 is a working Thursday; two working days earlier skips the 23rd (a holiday).
    assert "2027-02-22T01:30:00+09:00" in nets["/FIN_MONTHLY"]["legacy_runs"]
    rates = nets["/FIN_RATES"]["legacy_runs"]
    assert rates[:2] == ["2027-01-01T08:00:00+09:00", "2027-01-01T08:30:00+09:00"] and len(rates) == 261 * 21
    close = nets["/FIN_CLOSE"]["legacy_runs"]
    assert close[:3] == [
        "2027-01-06T07:00:00+09:00",
        "2027-01-27T07:00:00+09:00",
        "2027-01-28T07:00:00+09:00",
    ]


def test_corrupted_file_exits_2_with_its_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(FIN_DAILY.read_text().replace("</SUB_FOLDER>", "</SUBFOLDER>"))
    result = jobmigrate("convert", bad, "--from", "controlm", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert re.match(rf"{re.escape(str(bad))}:\d+:\d+: malformed XML: mismatched tag", result.stderr)
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
