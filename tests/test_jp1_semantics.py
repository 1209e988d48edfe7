"""JP1/AJS3 reader semantics: one group of tests per parameter family, the unit-type table, the
finance fixture in detail, and the writer round trip (random definitions, hypothesis)."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import converters.jp1 as jp1
from converters import ImportOptions, SourceFile
from converters.jp1.findings import CODES, DROPPED_UNIT_CODES
from converters.jp1.printer import print_units, quote
from converters.jp1.unittypes import UNIT_TYPES, is_recovery, lookup
from converters.jp1.writer import write_workflow
from jobmigrate.model import (
    DayOfMonth,
    Folder,
    Job,
    JobNet,
    LastDay,
    RawParam,
    RegistrationDate,
    ScheduleRule,
    Severity,
    Source,
    Undefined,
    WeekdayInMonth,
    Workflow,
    dump,
)

FIXTURES = Path(__file__).parent / "fixtures" / "jp1"


# --------------------------------------------------------------------------- helpers


def load(text: str, name: str = "t.ajs") -> Workflow:
    return jp1.parse([SourceFile(name, textwrap.dedent(text))], ImportOptions())


def root(body: str, group: str = "") -> tuple[Workflow, JobNet]:
    """A root jobnet `/G/N` with `body` as its parameters and children; `group` adds group params."""
    wf = load(f"unit=/G,,admin,;\n{{ ty=g; {group}\nunit=N,,admin,;\n{{ ty=n;\n{body}\n}}\n}}\n")
    folder = wf.children[0]
    assert isinstance(folder, Folder)
    net = folder.children[0]
    assert isinstance(net, JobNet)
    return wf, net


def rules(body: str) -> tuple[Workflow, list[ScheduleRule]]:
    wf, net = root(body)
    return wf, net.schedule


def codes(wf: Workflow) -> list[str]:
    return [f.code for f in wf.findings]


def job(body: str, ty: str = "j", net_body: str = "") -> tuple[Workflow, Job]:
    wf, net = root(f"{net_body}\nunit=J,,admin,;\n{{ ty={ty}; {body} }}")
    child = net.children[0]
    assert isinstance(child, Job)
    return wf, child


# --------------------------------------------------------------------------- unit types


def test_unit_type_table_is_explicit() -> None:
    assert lookup("rj") is not None and lookup("rj").recovery  # type: ignore[union-attr]
    assert not is_recovery("rc") and not is_recovery("rm") and not is_recovery("rel")
    assert is_recovery("rn") and is_recovery("rr") and is_recovery("rp") and is_recovery("rcpj")
    for base in ("j", "pj", "qj", "fxj", "cj", "cpj", "htpj", "jdj", "orj", "evwj", "flwj", "mlwj"):
        assert not UNIT_TYPES[base].recovery
    twins = {
        "j": "rj",
        "pj": "rp",
        "qj": "rq",
        "jdj": "rjdj",
        "orj": "rorj",
        "evwj": "revwj",
        "flwj": "rflwj",
    }
    for base, twin in twins.items():
        assert UNIT_TYPES[twin].kind == UNIT_TYPES[base].kind
        assert UNIT_TYPES[twin].category == UNIT_TYPES[base].category
    for code in ("mlwj", "mqwj", "mswj", "lfwj", "ntwj", "tmwj", "evsj", "mlsj", "mqsj", "mssj", "cmsj"):
        assert f"r{code}" in UNIT_TYPES
    assert {UNIT_TYPES[c].category for c in ("g", "mg")} == {"group"}
    assert {UNIT_TYPES[c].category for c in ("n", "rn", "rm", "rr", "mn", "hln")} == {"jobnet"}
    assert UNIT_TYPES["rc"].category == "condition"
    assert UNIT_TYPES["nc"].kind == "connector"
    assert UNIT_TYPES["pj"].platform == "windows" and UNIT_TYPES["j"].platform == "unix"
    assert UNIT_TYPES["jdj"].kind == "judgment" and UNIT_TYPES["orj"].kind == "or_join"
    assert not UNIT_TYPES["mn"].plannable and UNIT_TYPES["j"].plannable


def test_every_finding_code_is_documented() -> None:
    assert all(c.startswith("JP1") and len(c) == 6 for c in CODES)
    assert set(CODES) >= DROPPED_UNIT_CODES


def test_ir_nodes_validate_and_dump_on_their_own() -> None:
    job = TypeAdapter(Job).validate_python(
        {
            "name": "A",
            "path": "/A",
            "source": {"file": "f.ajs", "line": 3, "column": 9},
            "raw": [{"key": "sd", "value": "1,en", "line": 7}],
        }
    )
    assert job.raw == [RawParam("sd", "1,en", 7)] and job.source == Source("f.ajs", 3, 9)
    assert str(job.source) == "f.ajs:3:9"
    dumped = dump(job)
    assert dumped["raw"] == [{"key": "sd", "value": "1,en", "line": 7}]
    assert dumped["source"] == {"file": "f.ajs", "line": 3, "column": 9}
    with pytest.raises(ValidationError):
        TypeAdapter(Job).validate_python(
            {"name": "A", "path": "/A", "raw": [{"key": "k", "value": "v", "x": 1}]}
        )
    with pytest.raises(ValidationError):
        TypeAdapter(Job).validate_python({"name": "A", "path": "/A", "colour": "red"})


# --------------------------------------------------------------------------- sd


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15", DayOfMonth(day=15)),
        ("2025/03/15", DayOfMonth(year=2025, month=3, day=15)),
        ("03/15", DayOfMonth(month=3, day=15)),
        ("+15", DayOfMonth(day=15, counting="relative")),
        ("*3", DayOfMonth(day=3, counting="open")),
        ("@2", DayOfMonth(day=2, counting="closed")),
        ("*35", DayOfMonth(day=35, counting="open")),
        ("b", LastDay()),
        ("b-3", LastDay(minus=3)),
        ("*b", LastDay(counting="open")),
        ("*b-1", LastDay(counting="open", minus=1)),
        ("@b", LastDay(counting="closed")),
        ("+b", LastDay(counting="relative")),
        ("2020/05/+b-10", LastDay(year=2020, month=5, counting="relative", minus=10)),
        ("mo:2", WeekdayInMonth(weekday="mo", ordinal=2)),
        ("fr:b", WeekdayInMonth(weekday="fr", ordinal=-1)),
        ("+mo:1", WeekdayInMonth(weekday="mo", ordinal=1, relative_weeks=True)),
        ("2025/01/su", WeekdayInMonth(year=2025, month=1, weekday="su", ordinal=1)),
        ("en", RegistrationDate()),
    ],
)
def test_sd_forms(text: str, expected: Any) -> None:
    wf, got = rules(f"sd=1,{text};")
    assert got[0].date == expected
    assert got[0].number == 1
    assert not [f for f in wf.findings if f.severity == Severity.ERROR]


def test_sd_without_rule_number_is_rule_one_and_several_rules_group() -> None:
    _, got = rules("sd=2026/04/10; st=09:00; sd=2,*b; st=2,+19:00; cy=2,(1,m); sd=7,mo:1; st=7,10:00;")
    assert [r.number for r in got] == [1, 2, 7]
    assert got[0].start_date == dt.date(2026, 4, 10)
    assert got[1].cycle is not None and got[1].cycle.unit == "month"
    assert got[2].times[0].minutes == 600
    assert got[0].source is not None and got[0].source.line > 0
    assert [p.key for p in got[1].raw] == ["sd", "st", "cy"]


@pytest.mark.parametrize("bad", ["2026/04/31", "32", "*36", "b-40", "xx", "2025/13/01", "mo:6"])
def test_sd_invalid_values_are_errors_with_line(bad: str) -> None:
    wf, got = rules(f"sd=1,{bad};")
    errors = [f for f in wf.findings if f.code == "JP1401"]
    assert errors and errors[0].source is not None and errors[0].source.line == 5
    assert got == []


def test_root_without_sd_defaults_to_registration_day() -> None:
    wf, got = rules("")
    assert len(got) == 1 and isinstance(got[0].date, RegistrationDate)
    assert got[0].times[0].relative and got[0].times[0].minutes == 0
    assert "JP1907" in codes(wf)


def test_ud_on_nested_jobnet_inherits_and_on_root_never_runs() -> None:
    wf, net = root("sd=0,ud;\nunit=C,,a,;\n{ ty=n; sd=0,ud; }\nunit=D,,a,;\n{ ty=n; }")
    assert net.schedule[0].number == 0 and isinstance(net.schedule[0].date, Undefined)
    assert "JP1405" in codes(wf)
    nested = [c for c in net.children if isinstance(c, JobNet)]
    assert all(c.inherits_schedule and not c.schedule for c in nested)


def test_ud_with_nonzero_rule_is_error() -> None:
    wf, got = rules("sd=1,ud;")
    assert got == [] and "JP1401" in codes(wf)


# --------------------------------------------------------------------------- st


@pytest.mark.parametrize(
    ("text", "minutes", "relative"),
    [("22:30", 1350, False), ("25:30", 1530, False), ("47:59", 2879, False), ("+21:00", 1260, True)],
)
def test_st_48_hour_day_and_relative(text: str, minutes: int, relative: bool) -> None:
    _, got = rules(f"sd=1,en; st=1,{text};")
    assert got[0].times[0].minutes == minutes
    assert got[0].times[0].relative is relative
    assert got[0].times[0].raw == text


@pytest.mark.parametrize("bad", ["+00:100", "48:00", "12:60", "1230"])
def test_st_invalid(bad: str) -> None:
    wf, got = rules(f"sd=1,en; st=1,{bad};")
    assert "JP1401" in codes(wf) and got[0].times == []


def test_st_for_rule_without_sd_is_reported() -> None:
    wf, got = rules("sd=1,en; st=3,11:00;")
    assert [r.number for r in got] == [1]
    assert "JP1402" in codes(wf)


# --------------------------------------------------------------------------- cy


@pytest.mark.parametrize(
    ("text", "every", "unit"),
    [
        ("(1,d)", 1, "day"),
        ("(2,w)", 2, "week"),
        ("(3,m)", 3, "month"),
        ("(9,y)", 9, "year"),
        ("(31,d)", 31, "day"),
    ],
)
def test_cy(text: str, every: int, unit: str) -> None:
    _, got = rules(f"sd=1,15; cy=1,{text};")
    assert got[0].cycle is not None
    assert (got[0].cycle.every, got[0].cycle.unit) == (every, unit)


@pytest.mark.parametrize("bad", ["9,y", "(10,y)", "(6,w)", "(0,d)", "(1,x)", "(1)"])
def test_cy_invalid(bad: str) -> None:
    wf, got = rules(f"sd=1,15; cy=1,{bad};")
    assert "JP1401" in codes(wf)
    assert got[0].cycle is None


def test_weekly_cycle_with_open_day_counting_is_error() -> None:
    wf, _ = rules("sd=1,*1; cy=1,(1,w);")
    assert "JP1401" in codes(wf)


# --------------------------------------------------------------------------- sh, shd, cftd, ln


def test_sh_shd_cftd() -> None:
    wf, got = rules(
        "sd=1,25; sh=1,be; shd=1,3; cftd=1,be,2,10; sd=2,25; sh=2,af; sd=3,25; sh=3,no; cftd=3,db,4;"
    )
    r1, r2, r3 = got
    assert (r1.shift, r1.shift_limit_days) == ("before", 3)
    assert r1.days_from_start is not None
    assert (r1.days_from_start.mode, r1.days_from_start.days, r1.days_from_start.max_shift) == (
        "open_before",
        2,
        10,
    )
    assert (r2.shift, r2.shift_limit_days) == ("after", 2)  # shd defaults to 2
    assert r3.shift == "none" and r3.shift_limit_days is None
    assert r3.days_from_start is not None and r3.days_from_start.mode == "days_before"
    assert r3.days_from_start.max_shift == 10
    assert {"JP1901", "JP1902"} <= set(codes(wf))


def test_sh_omitted_reads_as_cancel_with_note_unless_counting_open_days() -> None:
    wf, got = rules("sd=1,25; sd=2,*1;")
    assert [r.shift for r in got] == ["cancel", "cancel"]
    notes = [f for f in wf.findings if f.code == "JP1900"]
    assert len(notes) == 1 and "rule 1" in notes[0].message


@pytest.mark.parametrize("bad", ["sh=1,xx;", "shd=1,40;", "cftd=1,zz;", "cftd=1,be,x;", "cftd=1,no,3;"])
def test_sh_shd_cftd_invalid(bad: str) -> None:
    wf, _ = rules(f"sd=1,25; {bad}")
    assert "JP1401" in codes(wf)


def test_ln_links_nested_rules_and_is_ignored_on_root() -> None:
    wf, net = root("sd=1,en; ln=1,1;\nunit=C,,a,;\n{ ty=n; sd=1,*b; ln=1,1; sd=2,15; }")
    assert "JP1403" in codes(wf)
    assert net.schedule[0].parent_rule is None
    nested = net.children[0]
    assert isinstance(nested, JobNet)
    assert [r.parent_rule for r in nested.schedule] == [1, 2]  # rule 2 links to upper rule 2 by default
    assert "JP1906" in codes(wf)


# --------------------------------------------------------------------------- ed, jc, ejn, sy/ey, wt/wc


def test_ed_jc_ejn_apply_to_every_rule() -> None:
    _wf, net = root("sd=1,en; sd=2,15; ed=2026/12/31; jc=/OTHER/CAL; ejn=HOLIDAY_NET;")
    for r in net.schedule:
        assert r.end_date == dt.date(2026, 12, 31)
        assert r.calendar == "/OTHER/CAL"
        assert r.exclusive_jobnet == "HOLIDAY_NET"
    assert net.calendar == "/OTHER/CAL"


def test_ed_invalid() -> None:
    wf, _ = rules("sd=1,en; ed=2026/02/30;")
    assert "JP1401" in codes(wf)


@pytest.mark.parametrize(
    ("text", "at", "after", "ref"),
    [
        ("M500", None, 500, "root"),
        ("U10", None, 10, "upper"),
        ("C180", None, 180, "self"),
        ("25:30", 1530, None, None),
    ],
)
def test_sy_ey(text: str, at: int | None, after: int | None, ref: str | None) -> None:
    _, got = rules(f"sd=1,en; sy=1,{text}; ey=1,{text};")
    for delay in (got[0].start_delay, got[0].end_delay):
        assert delay is not None
        assert (delay.at_minutes, delay.after_minutes, delay.reference) == (at, after, ref)


@pytest.mark.parametrize("bad", ["M0", "M2880", "X10", "48:00"])
def test_sy_invalid(bad: str) -> None:
    wf, got = rules(f"sd=1,en; sy=1,{bad};")
    assert "JP1401" in codes(wf) and got[0].start_delay is None


def test_wc_wt_bound_the_start_condition() -> None:
    body = """sd=1,en; wc=1,5; wt=1,23:00;
    unit=.CONDITION,,a,;
    { ty=rc; cond=or; unit=W,,a,; { ty=flwj; flwf="/in/go"; } unit=T,,a,; { ty=tmwj; tmitv=10; } }
    unit=J,,a,;
    { ty=j; te="x"; }"""
    _wf, net = root(body)
    cond = net.start_condition
    assert cond is not None and cond.combine == "or"
    assert (cond.max_count, cond.until) == (5, "23:00")
    assert [e.name for e in cond.events] == ["W", "T"]
    assert cond.events[0].kind == "event_wait" and cond.events[0].event == {"flwf": "/in/go"}
    assert [c.name for c in net.children] == ["J"]


def test_wc_un_is_unlimited_and_no_means_no_window() -> None:
    body = "sd=1,en; wc=1,un; wt=1,no;\nunit=.CONDITION,,a,;\n{ ty=rc; unit=E,,a,; { ty=evwj; } }"
    wf, net = root(body)
    assert net.start_condition is not None and net.start_condition.until is None
    assert "JP1406" in codes(wf)
    _wf2, net2 = root(
        "sd=1,en; wc=1,un; wt=1,120;\nunit=.CONDITION,,a,;\n{ ty=rc; unit=E,,a,; { ty=evwj; } }"
    )
    assert net2.start_condition is not None
    assert (net2.start_condition.max_count, net2.start_condition.until) == (None, "120")


def test_wc_without_condition_and_invalid_values() -> None:
    wf, _ = rules("sd=1,en; wc=1,1000; wt=1,48:00;")
    assert codes(wf).count("JP1401") == 2
    assert "JP1406" in codes(wf)


def test_condition_rejects_non_event_units_and_nested_placement() -> None:
    body = (
        "unit=.CONDITION,,a,;\n{ ty=rc; unit=X,,a,; { ty=j; } }\n"
        "unit=C,,a,;\n{ ty=n; unit=.CONDITION,,a,; { ty=rc; } }"
    )
    wf, net = root(body)
    assert "JP1702" in codes(wf) and "JP1003" in codes(wf)
    assert net.start_condition is not None and net.start_condition.events == []


# --------------------------------------------------------------------------- calendars


def test_group_calendar_op_cl_sdd_md_stt() -> None:
    group = "op=2025/03/29; cl=sa; cl=su; cl=2025/01/01; op=mo; sdd=21; md=ne; stt=05:00;"
    wf, net = root("sd=1,en;", group=group)
    cal = wf.calendar("/G")
    assert cal is not None
    assert cal.open_dates == [dt.date(2025, 3, 29)] and cal.closed_dates == [dt.date(2025, 1, 1)]
    assert cal.closed_weekdays == ["sa", "su"] and cal.open_weekdays == ["mo"]
    assert cal.base_day.day == 21 and cal.month_naming == "next" and cal.base_time_minutes == 300
    assert cal.parent is None
    assert net.calendar == "/G"
    assert "JP1904" in codes(wf)


def test_calendar_inheritance_by_nearest_group_with_a_calendar() -> None:
    wf = load(
        """
        unit=/TOP,,a,;
        { ty=g; cl=su; sdd=mo:2; stt=06:00;
          unit=MID,,a,;
          { ty=g;
            unit=LOW,,a,;
            { ty=g; op=su; cl=2025/05/05;
              unit=N,,a,; { ty=n; sd=1,*1; cy=1,(1,d); }
            }
          }
        }
        """
    )
    top, low = wf.calendar("/TOP"), wf.calendar("/TOP/MID/LOW")
    assert top is not None and low is not None
    assert wf.calendar("/TOP/MID") is None  # defines nothing: no calendar of its own
    assert low.parent == "/TOP"
    assert low.open_weekdays == ["su"] and low.closed_dates == [dt.date(2025, 5, 5)]
    # base day and base time inherit as whole values
    assert (low.base_day.weekday, low.base_day.ordinal, low.base_time_minutes) == ("mo", 2, 360)
    top_folder = wf.children[0]
    assert isinstance(top_folder, Folder)
    mid = top_folder.children[0]
    assert isinstance(mid, Folder) and mid.calendar == "/TOP"
    assert "JP1903" in codes(wf)


def test_calendar_invalid_values_and_conflicts() -> None:
    wf, _ = root("", group="op=2025/02/30; cl=xx; sdd=32; md=zz; stt=24:00; op=sa; cl=sa;")
    assert codes(wf).count("JP1501") == 5
    assert "JP1503" in codes(wf)
    cal = wf.calendar("/G")
    assert cal is not None and cal.closed_weekdays == ["sa"]


def test_op_cl_on_a_jobnet_is_reported() -> None:
    wf, net = root("sd=1,en; op=mo; cl=2026/12/31;")
    assert codes(wf).count("JP1502") == 2
    assert wf.calendars == []
    assert [p.key for p in net.raw if p.key in ("op", "cl")] == ["op", "cl"]


# --------------------------------------------------------------------------- jobs


def test_job_command_parameters() -> None:
    body = (
        'te="/bin/run.sh --x #"q#""; sc="/opt/s.sh"; prm="a b"; env="A=1"; env=B=two=2; ev="/e.env";'
        ' wkp="/work"; si="/in"; so="/out"; se="/err"; soa=add; sea=new; ex="host1"; un="batch";'
        " eu=def; pr=3; ha=y;"
    )
    wf, j = job(body)
    cmd = j.command
    assert cmd is not None
    assert cmd.text == '/bin/run.sh --x "q"' and cmd.script == "/opt/s.sh" and cmd.arguments == "a b"
    assert cmd.environment == [("A", "1"), ("B", "two=2")]
    assert (cmd.environment_file, cmd.working_directory) == ("/e.env", "/work")
    assert (cmd.stdin, cmd.stdout, cmd.stderr) == ("/in", "/out", "/err")
    assert cmd.stdout_append and not cmd.stderr_append
    assert (cmd.host, cmd.os_user, cmd.jp1_user, cmd.platform) == ("host1", "batch", "owner", "unix")
    assert j.priority == 3 and j.hold
    assert j.kind == "command" and j.unit_type == "j" and not j.recovery
    assert j.source is not None and j.source.line > 0
    assert j.raw[0].key == "unit" and [p.key for p in j.raw[1:3]] == ["ty", "te"]
    assert not [f for f in wf.findings if f.severity != Severity.INFO]


def test_permission_field_gives_jp1_user_when_eu_is_absent() -> None:
    wf = load("unit=/G,,a,;\n{ ty=g; unit=N,,a,;\n{ ty=n; unit=J,5,a,;\n{ ty=pj; sc=x.exe; }}}")
    j = wf.children[0].children[0].children[0]  # type: ignore[union-attr]
    assert isinstance(j, Job) and j.command is not None
    assert j.command.jp1_user == "owner" and j.command.platform == "windows"


@pytest.mark.parametrize(
    ("body", "mode", "warning", "abnormal"),
    [
        ("", "code", None, 0),
        ("jd=cod; wth=3; tho=8;", "code", 3, 8),
        ("jd=nm;", "always_normal", None, 0),
        ("jd=ab;", "always_abnormal", None, 0),
        ('jd=mdf; jdf="/f";', "file_modified", None, 0),
        ('jd=exf; jdf="/f";', "file_exists", None, 0),
    ],
)
def test_end_judgment(body: str, mode: str, warning: int | None, abnormal: int) -> None:
    _, j = job(body)
    end = j.end_judgment
    assert (end.mode, end.warning_threshold, end.abnormal_threshold) == (mode, warning, abnormal)
    if "jdf" in body:
        assert end.file == "/f"


def test_wth_not_below_tho_warns_and_bad_jd_is_error() -> None:
    wf, _ = job("wth=8; tho=8;")
    assert "JP1602" in codes(wf)
    wf2, j2 = job("jd=zz;")
    assert "JP1601" in codes(wf2) and j2.end_judgment.mode == "code"


@pytest.mark.parametrize(
    ("body", "minutes", "status"),
    [("etm=120;", 120, "kill"), ("etm=1; ets=nr;", 1, "normal"), ("etm=1440; ets=wr;", 1440, "warning"),
     ("etm=5; ets=an;", 5, "abnormal")],
)  # fmt: skip
def test_timeout(body: str, minutes: int, status: str) -> None:
    _, j = job(body)
    assert j.timeout is not None and (j.timeout.minutes, j.timeout.status_after) == (minutes, status)


def test_timeout_invalid() -> None:
    wf, j = job("etm=1441;")
    assert j.timeout is None and "JP1601" in codes(wf)


def test_retry() -> None:
    _, j = job("abr=y; rjs=9; rje=12; rec=2; rei=5;")
    assert j.retry is not None
    assert (j.retry.count, j.retry.interval_minutes, j.retry.rc_from, j.retry.rc_to) == (2, 5, 9, 12)
    _, defaults = job("abr=y;")
    assert defaults.retry is not None and (defaults.retry.count, defaults.retry.interval_minutes) == (1, 1)
    _, none = job("abr=n; rec=3;")
    assert none.retry is None
    wf, _ = job("abr=y; jd=nm; rec=13;")
    assert {"JP1603", "JP1601"} <= set(codes(wf))


@pytest.mark.parametrize(
    ("body", "op", "fields"),
    [
        ("", "gt", {"value": 0, "raw": "gt"}),
        ("ej=ge; ejc=4;", "ge", {"value": 4}),
        ("ej=lt; ejc=1;", "lt", {"value": 1}),
        ("ej=le; ejc=2;", "le", {"value": 2}),
        ("ej=eq; ejc=3;", "eq", {"value": 3}),
        ("ej=ne; ejc=5;", "ne", {"value": 5}),
        ('ej=ef; ejf="C:\\f.txt";', "file_exists", {"file": "C:\\f.txt"}),
        ('ej=nf; ejf="/tmp/x";', "file_missing", {"file": "/tmp/x"}),
        ("ej=ri; ejl=1; ejh=5;", "range", {"low": 1, "high": 5, "raw": "ri"}),
        ("ej=ro; ejl=1; ejh=5;", "range", {"low": 1, "high": 5, "raw": "ro"}),
        ("ej=vge; ejv=COUNT; eji=10;", "variable", {"variable": "COUNT", "value": 10, "raw": "vge"}),
        (
            "ej=vri; ejv=V; ejs=-1; ejg=9; ejm=gt; eju=lt;",
            "variable",
            {"low": -1, "high": 9, "low_inclusive": False, "high_inclusive": False},
        ),
        ('ej=sce; ejv=NAME; ejt="ok";', "variable", {"variable": "NAME", "text": "ok", "raw": "sce"}),
    ],
)
def test_judgment_conditions(body: str, op: str, fields: dict[str, Any]) -> None:
    _, j = job(body, ty="jdj")
    assert j.kind == "judgment" and j.judgment is not None and j.judgment.op == op
    for key, value in fields.items():
        assert getattr(j.judgment, key) == value


def test_event_and_action_parameters_keep_legacy_keys() -> None:
    _, w = job('flwf="/in/*.csv"; flwc=c:d; flco=y; flwi=30; etm=60; ets=kl;', ty="flwj")
    assert w.kind == "event_wait" and w.command is None
    assert w.event == {"flwf": "/in/*.csv", "flwc": "c:d", "flco": "y", "flwi": "30"}
    assert w.timeout is not None and w.timeout.minutes == 60
    _, m = job('mladr=to:"a@b"; mladr=cc:"c@d"; mlsbj="subject";', ty="mlsj")
    assert m.kind == "action"
    assert m.event == {"mladr": 'to:"a@b"', "mladr.2": 'cc:"c@d"', "mlsbj": "subject"}
    _, r = job('te="x";', ty="rj")
    assert r.recovery and r.kind == "command"


def test_connector_and_wait_conditions_are_external_dependencies() -> None:
    _, c = job("ncr=/G/OTHER; ncex=n;", ty="nc")
    assert c.kind == "connector" and c.external[0].target == "/G/OTHER"
    assert c.event == {"ncr": "/G/OTHER", "ncex": "n"}
    _, w = job("te=x; eun=/G/A; eun=/G/B; mm=or; ega=exec; uem=y;")
    assert [d.target for d in w.external] == ["/G/A", "/G/B"]
    assert w.external[0].mode == "any" and w.external[0].condition == "ega=exec;uem=y"
    assert w.external[0].source is not None and w.external[0].source.line > 0
    _wf, net = root("sd=1,en; ncl=y; ncn=CONN; ncs=y; eun=/G/X;")
    assert [(d.target, d.status) for d in net.external] == [("/G/X", "success"), ("CONN", "running")]
    assert net.metadata["ncn"] == "CONN"


def test_unknown_and_misplaced_parameters_are_kept_raw() -> None:
    wf, j = job("te=x; zzz=1; evsid=3; sd=1,en;")
    assert {"JP1101", "JP1103", "JP1407"} <= set(codes(wf))
    assert [p.key for p in j.raw[-3:]] == ["zzz", "evsid", "sd"]


# --------------------------------------------------------------------------- arrows


def test_arrows_seq_con_recovery_and_joins() -> None:
    body = """
    ar=(f=A,t=B); ar=(f=A,t=C,seq); ar=(f=B,t=D); ar=(f=C,t=D); ar=(f=D,t=J,seq);
    ar=(f=J,t=K,con); ar=(f=J,t=L); ar=(f=A,t=R); ar=(f=R,t=R2); ar=(f=K,t=O); ar=(f=L,t=O);
    unit=A,,a,; { ty=j; } unit=B,,a,; { ty=j; } unit=C,,a,; { ty=pj; } unit=D,,a,; { ty=j; }
    unit=J,,a,; { ty=jdj; ej=ge; ejc=4; } unit=K,,a,; { ty=j; } unit=L,,a,; { ty=j; }
    unit=R,,a,; { ty=rj; } unit=R2,,a,; { ty=rj; } unit=O,,a,; { ty=orj; }
    """
    wf, net = root(body)
    kinds = {(e.pred, e.succ): e.kind for e in net.edges}
    assert kinds[("A", "B")] == "on_success" and kinds[("A", "C")] == "on_success"
    assert [e.pred for e in net.edges if e.succ == "D"] == ["B", "C"]  # AND join: two incoming arrows
    assert kinds[("J", "K")] == "conditional" and kinds[("J", "L")] == "on_success"
    assert kinds[("A", "R")] == "on_failure" and kinds[("R", "R2")] == "on_success"
    cond = next(e for e in net.edges if e.kind == "conditional")
    assert cond.condition == "rc ge 4" and cond.source is not None and cond.source.line > 0
    o = net.child("O")
    assert isinstance(o, Job) and o.kind == "or_join"
    assert not [f for f in wf.findings if f.severity == Severity.ERROR]


def test_arrow_errors() -> None:
    body = """
    ar=(f=A,t=NOPE); ar=(f=A,t=B,con); ar=(f=R,t=B); ar=(f=A,t=B,sea); ar=(f=A,t=B); ar=A;
    ar=(f=N,t=J);
    unit=A,,a,; { ty=j; } unit=B,,a,; { ty=j; } unit=R,,a,; { ty=rj; }
    unit=N,,a,; { ty=n; } unit=J,,a,; { ty=jdj; }
    """
    wf, net = root(body)
    found = codes(wf)
    for code in ("JP1201", "JP1202", "JP1203", "JP1204", "JP1205", "JP1207"):
        assert code in found, code
    assert ("A", "NOPE") not in {(e.pred, e.succ) for e in net.edges}
    unknown = next(f for f in wf.findings if f.code == "JP1201")
    assert unknown.source is not None and unknown.source.line == 6


def test_arrow_cycle_is_reported() -> None:
    wf, _ = root("ar=(f=A,t=B); ar=(f=B,t=A);\nunit=A,,a,; { ty=j; } unit=B,,a,; { ty=j; }")
    assert "JP1206" in codes(wf)


def test_layout_cross_check() -> None:
    wf, _ = root("el=A,pj,+80 +48; el=GHOST,j,+0 +0;\nunit=A,,a,; { ty=j; }")
    assert codes(wf).count("JP1208") == 2


# --------------------------------------------------------------------------- tree and unit accounting


def test_units_not_converted_are_reported_once_each() -> None:
    wf = load(
        """
        unit=/G,,a,;
        { ty=g;
          unit=J,,a,; { ty=j; }
          unit=X,,a,; { ty=zz; unit=Y,,a,; { ty=j; } }
          unit=N,,a,; { ty=n; unit=A,,a,; { ty=j; } unit=A,,a,; { ty=j; } unit=H,,a,; { ty=g; } }
          unit=Q,,a,; { cm="no type"; }
        }
        """
    )
    dropped = [f.code for f in wf.findings if f.code in DROPPED_UNIT_CODES]
    assert sorted(dropped) == ["JP1001", "JP1002", "JP1003", "JP1003", "JP1004", "JP1009"]
    assert wf.unit_count == 9
    folder = wf.children[0]
    assert isinstance(folder, Folder) and [c.name for c in folder.children] == ["N"]


def test_top_unit_full_path_and_bare_name() -> None:
    wf = load("unit=/A/B,,a,;\n{ ty=n; }\nunit=C,,a,;\n{ ty=g; }")
    assert [(c.name, c.path) for c in wf.children] == [("B", "/A/B"), ("C", "/C")]


def test_manager_and_remote_units_are_flagged_not_plannable() -> None:
    wf, net = root("unit=M,,a,;\n{ ty=mn; }\nunit=R,,a,;\n{ ty=rm; }")
    assert codes(wf).count("JP1008") == 2
    assert [c.unit_type for c in net.children] == ["mn", "rm"]


def test_sniff() -> None:
    assert jp1.sniff("unit=/A,,x,;\n{ ty=g; }") >= 70
    assert jp1.sniff("insert_job: x\n") == 0
    assert jp1.sniff("0 1 * * * /bin/x\n") == 0


# --------------------------------------------------------------------------- the finance fixture


@pytest.fixture(scope="module")
def finance() -> Workflow:
    return jp1.parse(
        [SourceFile("finance.ajs", (FIXTURES / "finance.ajs").read_text(encoding="utf-8"))], ImportOptions()
    )


def _net(wf: Workflow, path: str) -> JobNet:
    for n in wf.root_jobnets():
        stack: list[JobNet] = [n]
        while stack:
            cur = stack.pop()
            if cur.path == path:
                return cur
            stack.extend(c for c in cur.children if isinstance(c, JobNet))
    raise KeyError(path)


def test_finance_calendar(finance: Workflow) -> None:
    cal = finance.calendar("/FINANCE")
    assert cal is not None
    assert cal.closed_weekdays == ["sa", "su"]
    assert cal.closed_dates == [dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 13)]
    assert cal.open_dates == [dt.date(2025, 3, 29)]  # the forced open Saturday
    assert cal.base_day.day == 1 and cal.base_time_minutes == 300 and cal.parent is None
    folder = finance.children[0]
    assert isinstance(folder, Folder) and folder.description == "経理バッチ"
    assert [c.name for c in folder.children] == ["DAILY_CLOSE", "MONTH_END", "WEEKLY_AUDIT"]
    assert all(isinstance(c, JobNet) and c.calendar == "/FINANCE" for c in folder.children)


def test_finance_daily_close(finance: Workflow) -> None:
    net = _net(finance, "/FINANCE/DAILY_CLOSE")
    (rule,) = net.schedule
    assert rule.date == DayOfMonth(year=2025, month=1, day=1, counting="open")
    assert rule.cycle is not None and (rule.cycle.every, rule.cycle.unit) == (1, "day")
    assert rule.times[0].minutes == 22 * 60 + 30 and not rule.times[0].relative
    assert rule.end_delay is not None and (rule.end_delay.after_minutes, rule.end_delay.reference) == (
        180,
        "self",
    )
    edges = {(e.pred, e.succ): e.kind for e in net.edges}
    assert edges == {
        ("EXTRACT", "LOAD_NET"): "on_success",
        ("EXTRACT", "NOTIFY_NG"): "on_failure",
        ("LOAD_NET", "VERIFY"): "on_success",
        ("VERIFY", "CHK_RC"): "on_success",
        ("CHK_RC", "REPORT"): "conditional",
    }
    extract = net.child("EXTRACT")
    assert isinstance(extract, Job) and extract.command is not None
    assert extract.command.text == "/opt/batch/bin/extract.sh --date ?AJS2SDATE?"
    assert (extract.command.host, extract.command.os_user) == ("batch01", "batch")
    assert (extract.end_judgment.warning_threshold, extract.end_judgment.abnormal_threshold) == (3, 8)
    assert extract.timeout is not None and (extract.timeout.minutes, extract.timeout.status_after) == (
        120,
        "abnormal",
    )
    assert extract.retry is not None and (extract.retry.count, extract.retry.interval_minutes) == (2, 5)
    assert (extract.retry.rc_from, extract.retry.rc_to) == (9, 9)
    notify = net.child("NOTIFY_NG")
    assert isinstance(notify, Job) and notify.recovery and notify.unit_type == "rj"
    chk = net.child("CHK_RC")
    assert (
        isinstance(chk, Job)
        and chk.judgment is not None
        and (chk.judgment.op, chk.judgment.value) == ("ge", 4)
    )
    report = net.child("REPORT")
    assert isinstance(report, Job) and report.command is not None
    assert report.command.platform == "windows" and report.command.script == "C:\\batch\\report.cmd"
    load_net = _net(finance, "/FINANCE/DAILY_CLOSE/LOAD_NET")
    assert load_net.inherits_schedule and load_net.schedule == []
    assert sorted(e.pred for e in load_net.edges if e.succ == "LOAD_MERGE") == ["LOAD_A", "LOAD_B"]  # fan-in
    mismatch = [f for f in finance.findings if f.code == "JP1208"]
    assert len(mismatch) == 1 and "REPORT" in mismatch[0].message  # `el=REPORT,j` vs `ty=pj` in 1.9


def test_finance_month_end(finance: Workflow) -> None:
    net = _net(finance, "/FINANCE/MONTH_END")
    r1, r2 = net.schedule
    assert r1.date == LastDay(year=2025, month=1, counting="open")
    assert r1.times[0].relative and r1.times[0].minutes == 19 * 60
    assert r2.date == DayOfMonth(year=2025, month=1, day=25) and r2.start_date == dt.date(2025, 1, 25)
    assert r2.times[0].minutes == 25 * 60 + 30  # 01:30 next calendar day, same business day
    assert (r2.shift, r2.shift_limit_days) == ("before", 3)
    assert r2.days_from_start is not None
    assert (r2.days_from_start.mode, r2.days_from_start.days, r2.days_from_start.max_shift) == (
        "open_before",
        2,
        10,
    )
    qtr = _net(finance, "/FINANCE/MONTH_END/QTR_REPORT")
    assert not qtr.inherits_schedule
    (q,) = qtr.schedule
    assert q.parent_rule == 1 and q.cycle is not None and (q.cycle.every, q.cycle.unit) == (3, "month")


def test_finance_weekly_audit(finance: Workflow) -> None:
    net = _net(finance, "/FINANCE/WEEKLY_AUDIT")
    r1, r2 = net.schedule
    assert r1.date == WeekdayInMonth(year=2025, month=1, weekday="mo", ordinal=1)
    assert (
        r1.cycle is not None and r1.cycle.unit == "week" and r1.shift == "after" and r1.shift_limit_days == 2
    )
    assert r2.date == WeekdayInMonth(year=2025, month=1, weekday="fr", ordinal=-1)
    assert all(r.end_date == dt.date(2026, 3, 31) for r in net.schedule)
    assert sorted((e.pred, e.succ) for e in net.edges if e.succ == "AUDIT_OR") == [
        ("ARCHIVE", "AUDIT_OR"),
        ("PURGE", "AUDIT_OR"),
    ]
    audit = net.child("AUDIT")
    assert isinstance(audit, Job) and audit.command is not None
    assert audit.command.environment == [("AUDIT_MODE", "full")]
    purge = net.child("PURGE")
    assert isinstance(purge, Job) and purge.end_judgment.mode == "always_normal"


def test_finance_output_validates_as_ir(finance: Workflow) -> None:
    again = Workflow.model_validate(finance.model_dump())
    assert again == finance


# --------------------------------------------------------------------------- writer round trip


def comparable(wf: Workflow) -> Any:
    """The IR without provenance: sources, raw parameter lists and raw time texts."""

    def strip(o: Any) -> Any:
        if isinstance(o, dict):
            timed = "minutes" in o or "at_minutes" in o
            return {
                k: strip(v)
                for k, v in o.items()
                if k != "source" and not (k == "raw" and (isinstance(v, list) or timed))
            }
        if isinstance(o, list):
            return [strip(v) for v in o]
        return o

    data = wf.model_dump(mode="json")
    for key in ("findings", "files", "unit_count"):
        data.pop(key)
    return strip(data)


def round_trip(wf: Workflow) -> Workflow:
    return jp1.parse([SourceFile("rt.ajs", print_units(write_workflow(wf)))], ImportOptions())


def test_writer_round_trip_finance(finance: Workflow) -> None:
    assert comparable(round_trip(finance)) == comparable(finance)


_NAMES = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789_", min_size=1, max_size=8)
_SD = st.one_of(
    st.sampled_from(["en", "b", "*b", "@b", "+b", "fr:b", "+mo:1", "2026/01/*b-1", "2026/03/+b-3"]),
    st.builds(lambda c, d: f"{c}{d}", st.sampled_from(["", "+", "*", "@"]), st.integers(1, 28)),
    st.builds(
        lambda w, n: f"{w}:{n}",
        st.sampled_from(["mo", "tu", "we", "th", "fr", "sa", "su"]),
        st.integers(1, 5),
    ),
    st.builds(lambda m, d: f"2026/{m:02d}/{d:02d}", st.integers(1, 12), st.integers(1, 28)),
)
_TIME = st.builds(
    lambda rel, h, m: f"{'+' if rel else ''}{h:02d}:{m:02d}",
    st.booleans(),
    st.integers(0, 47),
    st.integers(0, 59),
)


_COMMAND_CHARS = 'abc #;,/ -"'


@st.composite
def _rule(draw: st.DrawFn, n: int) -> str:
    parts = [f"sd={n},{draw(_SD)};", f"st={n},{draw(_TIME)};"]
    if draw(st.booleans()):
        unit, high = draw(st.sampled_from([("d", 31), ("m", 12), ("y", 9)]))
        parts.append(f"cy={n},({draw(st.integers(1, high))},{unit});")
    if draw(st.booleans()):
        parts.append(f"sh={n},{draw(st.sampled_from(['be', 'af', 'ca', 'no']))};")
        parts.append(f"shd={n},{draw(st.integers(1, 31))};")
    if draw(st.booleans()):
        parts.append(
            f"cftd={n},{draw(st.sampled_from(['be', 'af', 'db', 'da']))},{draw(st.integers(1, 9))},10;"
        )
    if draw(st.booleans()):
        parts.append(f"sy={n},{draw(st.sampled_from(['M', 'U', 'C']))}{draw(st.integers(1, 2879))};")
    if draw(st.booleans()):
        parts.append(f"ey={n},{draw(_TIME).lstrip('+')};")
    return " ".join(parts)


@st.composite
def _job(draw: st.DrawFn, name: str) -> tuple[str, str]:
    ty = draw(st.sampled_from(["j", "pj", "rj", "jdj", "orj", "flwj", "evsj", "qj"]))
    params = [f"ty={ty};"]
    if ty in ("j", "pj", "rj", "qj"):
        command = draw(st.text(alphabet=_COMMAND_CHARS, max_size=12))
        params.append(f"te={quote(command)};")
        params.append(f"ex={draw(_NAMES)};")
        if draw(st.booleans()):
            params.append(f"wth={draw(st.integers(0, 5))}; tho={draw(st.integers(6, 20))};")
        if draw(st.booleans()):
            params.append(
                f"etm={draw(st.integers(1, 1440))}; ets={draw(st.sampled_from(['kl', 'nr', 'wr', 'an']))};"
            )
        if draw(st.booleans()):
            params.append(
                f"abr=y; rec={draw(st.integers(1, 12))}; rei={draw(st.integers(1, 10))}; rjs=1; rje=9;"
            )
        if draw(st.booleans()):
            user = draw(st.sampled_from(["ent", "def"]))
            params.append(f'env="V{draw(st.integers(0, 9))}={draw(_NAMES)}"; eu={user};')
    if ty == "jdj":
        params.append(
            draw(st.sampled_from(["ej=ge; ejc=4;", 'ej=ef; ejf="/f";', "ej=ri; ejl=1; ejh=3;", ""]))
        )
    if ty == "flwj":
        params.append(f'flwf="/in/{draw(_NAMES)}"; flwc=c;')
    if ty == "evsj":
        params.append(f'evsid=1; evsms="{draw(_NAMES)}";')
    return ty, f"unit={name},,admin,;\n{{ {' '.join(params)} }}\n"


@st.composite
def _jobnet(draw: st.DrawFn, name: str, depth: int, is_root: bool) -> str:
    names = draw(st.lists(_NAMES, min_size=1, max_size=5, unique=True))
    kinds: dict[str, str] = {}
    bodies = []
    for child in names:
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            kinds[child] = "n"
            bodies.append(draw(_jobnet(child, depth + 1, False)))
        else:
            ty, text = draw(_job(child))
            kinds[child] = ty
            bodies.append(text)
    arrows = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if kinds[a].startswith("r") and not kinds[b].startswith("r"):
                continue
            if draw(st.integers(0, 2)) == 0:
                rel = "con" if kinds[a] == "jdj" and draw(st.booleans()) else "seq"
                arrows.append(f"ar=(f={a},t={b},{rel});")
    if is_root or draw(st.booleans()):
        numbers = draw(st.lists(st.integers(1, 144), min_size=1, max_size=3, unique=True))
        schedule = " ".join(draw(_rule(n)) for n in numbers)
    else:
        schedule = "sd=0,ud;"
    cm = f"cm={quote(draw(st.text(alphabet='日次 abc#', max_size=6)))};"
    return f"unit={name},,admin,;\n{{ ty=n; {cm} {schedule} {' '.join(arrows)}\n{''.join(bodies)}}}\n"


@st.composite
def _definition(draw: st.DrawFn) -> str:
    group = ["ty=g;"]
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(["op", "cl"]))
        day = draw(
            st.one_of(
                st.sampled_from(["mo", "sa", "su"]),
                st.builds(lambda d: f"2026/05/{d:02d}", st.integers(1, 31)),
            )
        )
        group.append(f"{key}={day};")
    if draw(st.booleans()):
        naming = draw(st.sampled_from(["th", "ne"]))
        group.append(f"sdd={draw(st.integers(1, 28))}; md={naming}; stt=0{draw(st.integers(0, 9))}:30;")
    nets = draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True))
    body = "".join(draw(_jobnet(n, 0, True)) for n in nets)
    return f"unit=/{draw(_NAMES)},,admin,;\n{{ {' '.join(group)}\n{body}}}\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_definition())
def test_writer_round_trip_random_definitions(text: str) -> None:
    first = jp1.parse([SourceFile("gen.ajs", text)], ImportOptions())
    assert comparable(round_trip(first)) == comparable(first)
