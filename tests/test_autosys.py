"""The AutoSys importer: JIL syntax, subcommands, boxes, conditions, schedules, calendars, errors."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

import converters
from converters import ImportOptions, SourceFile, autosys
from converters.autosys import conditions, extended, syntax
from converters.autosys.conditions import Atom, Combined, ConditionError
from jobmigrate import planner
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import (
    CalendarDays,
    Edge,
    ExternalDependency,
    Finding,
    Job,
    JobNet,
    Weekdays,
    Workflow,
)

from .conftest import FIXTURES, jobmigrate

AUTOSYS = FIXTURES / "autosys"
DAILY = AUTOSYS / "daily_batch.jil"
FINANCE = AUTOSYS / "finance.jil"
FIN_CALENDARS = AUTOSYS / "fin_calendars.txt"
BROKEN = AUTOSYS / "broken"
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")


def load(*paths: Path) -> Workflow:
    files = [SourceFile(path=p.relative_to(AUTOSYS).as_posix(), text=p.read_text()) for p in paths]
    return autosys.parse(files, ImportOptions())


def load_text(*texts: str) -> Workflow:
    files = [SourceFile(path=f"f{i}.jil", text=t) for i, t in enumerate(texts)]
    return autosys.parse(files, ImportOptions())


def nets(wf: Workflow) -> dict[str, JobNet]:
    return {n.path: n for n in wf.root_jobnets()}


def child(net: JobNet, name: str) -> Job:
    found = net.child(name)
    assert isinstance(found, Job)
    return found


def codes(wf: Workflow, code: str) -> list[Finding]:
    return [f for f in wf.findings if f.code == code]


def errors_of(text: str, path: str = "f0.jil") -> list[str]:
    with pytest.raises((InputError, InputErrors)) as caught:
        autosys.parse([SourceFile(path=path, text=text)], ImportOptions())
    error = caught.value
    return [str(e) for e in error.errors] if isinstance(error, InputErrors) else [str(error)]


# --------------------------------------------------------------------------- registry, sniffing


def test_registered_and_guessed_from_content() -> None:
    assert "autosys" in converters.names()
    assert converters.get("autosys").NAME == "autosys"
    assert converters.guess(DAILY.read_text()) == "autosys"
    assert converters.guess(FIN_CALENDARS.read_text()) == "autosys"
    assert autosys.sniff("30 2 * * * /bin/backup.sh\n") == 0
    assert autosys.sniff("unit=/A,,admin,;\n{\n\tty=n;\n}\n") == 0


# --------------------------------------------------------------------------- syntax


def test_lines_split_at_known_keys_and_keep_positions() -> None:
    text = (
        "/* header */\n"
        " insert_job: A   job_type: CMD  /* note */\n"
        'command: C:\\bin\\run.exe "a b" x: y   machine: m1\n'
        "# a comment line\n"
        'description: "say \\"hi\\""\n'
        "/* two\n   lines */ std_out_file: >>/var/log/a.out\n"
    )
    parsed = syntax.read(text, "a.jil")
    assert parsed.errors == []
    (record,) = parsed.records
    assert (record.kind, record.name, record.head.line, record.head.column) == ("insert_job", "A", 2, 2)
    got = [(a.key, a.value, a.line, a.column, a.value_column) for a in record.attrs]
    assert got == [
        ("job_type", "CMD", 2, 18, 28),
        ("command", 'C:\\bin\\run.exe "a b" x: y', 3, 1, 10),
        ("machine", "m1", 3, 38, 47),
        ("description", 'say "hi"', 5, 1, 15),
        ("std_out_file", ">>/var/log/a.out", 7, 13, 27),
    ]


def test_a_glob_in_a_command_is_not_a_comment() -> None:
    (record,) = syntax.read("insert_job: A\ncommand: rm -f /tmp/work/* /tmp/x/*.log\n", "a").records
    assert record.attrs[0].value == "rm -f /tmp/work/* /tmp/x/*.log"


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("job_type: CMD\n", (1, 1), "before any subcommand"),
        ("insert_job: A\ninsert_jobb: B\n", (2, 1), "unknown subcommand `insert_jobb:`"),
        ('insert_job: A\ndescription: "open\n', (2, 14), "unterminated quote"),
        ("insert_job: A\n/* never closed\n", (2, 1), "never closed"),
        ("insert_job: A\njust words\n", (2, 1), "expected `attribute: value`"),
        ("insert_job: A B\n", (1, 14), "invalid character ' '"),
        ("insert_job:\n", (1, 12), "needs a job name"),
    ],
)
def test_syntax_errors_are_located(text: str, position: tuple[int, int], message: str) -> None:
    (error,) = errors_of(text)
    assert error.startswith(f"f0.jil:{position[0]}:{position[1]}: ") and message in error


# --------------------------------------------------------------------------- conditions


def test_conditions_read_left_to_right_with_parentheses_and_lookback() -> None:
    parsed = conditions.parse("s(A) | s(B) & s(C)")
    assert parsed.mixed
    assert isinstance(parsed.root, Combined) and parsed.root.op == "and"
    assert isinstance(parsed.root.left, Combined) and parsed.root.left.op == "or"
    grouped = conditions.parse('SUCCESS(X, 06.00) AND (e(Y) >= 4 or v(G) = "a b" or d(Z^PRD))')
    assert not grouped.mixed
    atoms = grouped.atoms()
    assert [(a.status, a.target) for a in atoms] == [
        ("success", "X"),
        ("exitcode", "Y"),
        ("value", "G"),
        ("done", "Z"),
    ]
    assert atoms[0].lookback == "06.00" and atoms[0].text == "SUCCESS(X, 06.00)"
    assert (atoms[1].comparison, atoms[1].operand, atoms[1].offset) == (">=", "4", 23)
    assert atoms[3].instance == "PRD"
    assert conditions.parse("notrunning(A)").root == Atom("notrunning", "A", text="notrunning(A)")


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("s(A", 3, "expected `)`"),
        ("s(A))", 4, "without a matching `(`"),
        ("(s(A) | f(B)", 12, "to close the parenthesis"),
        ("x(A)", 0, "unknown condition 'x'"),
        ("s(A) s(B)", 5, "expected `&` or `|`"),
        ("s(A) &", 6, "expected a condition"),
        ("e(A) > high", 7, "exit code number"),
        ("s(A, 1.75)", 5, "look-back"),
        ("s(A^TOOLONG)", 3, "instance"),
        ("", 0, "empty condition"),
    ],
)
def test_condition_errors_point_at_the_token(text: str, offset: int, message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        conditions.parse(text)
    assert caught.value.offset == offset and message in caught.value.message


# --------------------------------------------------------------------------- the scenario


def test_weekday_box_with_chain_notifier_and_outside_job() -> None:
    wf = load(DAILY)
    assert wf.unit_count == 5 and [n.path for n in wf.root_jobnets()] == ["/ORD_DAILY", "/ORD_REPORT"]
    box, report = nets(wf)["/ORD_DAILY"], nets(wf)["/ORD_REPORT"]
    assert [c.path for c in box.children] == [
        "/ORD_DAILY/ORD_EXTRACT",
        "/ORD_DAILY/ORD_LOAD",
        "/ORD_DAILY/ORD_NOTIFY_NG",
    ]
    either = "f(ORD_EXTRACT) | f(ORD_LOAD)"
    assert [(e.pred, e.succ, e.kind, e.condition) for e in box.edges] == [
        ("ORD_EXTRACT", "ORD_LOAD", "on_success", None),
        ("ORD_EXTRACT", "ORD_NOTIFY_NG", "on_failure", either),
        ("ORD_LOAD", "ORD_NOTIFY_NG", "on_failure", either),
    ]
    assert child(box, "ORD_NOTIFY_NG").recovery and not child(box, "ORD_LOAD").recovery
    (rule,) = box.schedule
    assert rule.date == Weekdays(weekdays=["mo", "tu", "we", "th", "fr"])
    assert [t.minutes for t in rule.times] == [6 * 60 + 15]
    assert rule.timezone == box.timezone == "Asia/Tokyo"
    assert report.schedule == [] and [c.path for c in report.children] == ["/ORD_REPORT/ORD_REPORT"]
    (dependency,) = report.external
    assert (dependency.target, dependency.status, dependency.mode) == ("/ORD_DAILY", "success", "all")
    assert dependency.source is not None and (dependency.source.line, dependency.source.column) == (44, 12)
    assert codes(wf, "AS1201")[0].path == "/ORD_DAILY/ORD_NOTIFY_NG"


def test_weekday_box_converts_and_proves_its_schedule_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "out"
    converted = jobmigrate("convert", DAILY, "--from", "autosys", "--out", out, *WINDOW)
    assert converted.returncode == 0, converted.stderr
    plan = json.loads((out / "plan.json").read_text())
    by_path = {n["path"]: n for n in plan["jobnets"]}
    (trigger,) = by_path["/ORD_DAILY"]["triggers"]
    assert (trigger["kind"], trigger["expression"], trigger["timezone"]) == (
        "schedule",
        "cron(15 6 ? * MON-FRI *)",
        "Asia/Tokyo",
    )
    # The outside job starts on the box's status-change event (see tests/test_chaining.py).
    assert [t["kind"] for t in by_path["/ORD_REPORT"]["triggers"]] == ["event"]
    assert plan["units"]["total"] == 5

    proved = jobmigrate("schedule", DAILY, "--from", "autosys", *WINDOW, "--format", "json")
    assert proved.returncode == 0, proved.stdout + proved.stderr
    results = {n["path"]: n for n in json.loads(proved.stdout)["jobnets"]}
    daily = results["/ORD_DAILY"]
    assert daily["equivalent"] and daily["legacy_runs"] == daily["aws_runs"]
    assert len(daily["legacy_runs"]) == 261 and daily["legacy_runs"][0] == "2027-01-01T06:15:00+09:00"
    assert results["/ORD_REPORT"]["legacy_runs"] == [] and results["/ORD_REPORT"]["equivalent"]


# --------------------------------------------------------------------------- a realistic export


def test_finance_export_jobs_boxes_and_updates() -> None:
    wf = load(FINANCE, FIN_CALENDARS)
    assert wf.unit_count == 12
    daily = nets(wf)["/FIN_DAILY"]
    load_box = daily.child("FIN_LOAD")
    assert isinstance(load_box, JobNet) and load_box.inherits_schedule
    assert [c.path for c in load_box.children] == [
        "/FIN_DAILY/FIN_LOAD/FIN_LOAD_A",
        "/FIN_DAILY/FIN_LOAD/FIN_LOAD_B",
    ]
    assert daily.metadata["box_success"] == "s(FIN_LOAD) & s(FIN_RECON)"
    extract = child(daily, "FIN_EXTRACT")
    command = extract.command
    assert command is not None and command.text == '/opt/fin/bin/extract.sh -d "$(date +%Y%m%d)"'
    assert (command.host, command.os_user, command.stdout, command.stdout_append) == (
        "fin01",
        "finbatch",
        "/var/log/fin/extract.out",
        True,
    )
    assert command.environment == [("FIN_ENV", "prod"), ("FIN_REGION", "jp")]
    assert command.environment_file == "/opt/fin/etc/batch.profile"
    assert extract.end_judgment.abnormal_threshold == 3
    assert extract.retry is not None and extract.retry.count == 2
    assert extract.timeout is not None and extract.timeout.minutes == 180  # from update_job
    assert child(load_box, "FIN_LOAD_A").end_judgment.success_codes == [0, 4]
    assert child(load_box, "FIN_LOAD_B").end_judgment.failure_codes == [*range(1, 10), 99]
    recon = child(daily, "FIN_RECON")
    assert Edge(pred="FIN_LOAD", succ="FIN_RECON", source=daily.edges[1].source) in daily.edges
    assert [d.target for d in recon.external] == ["/FIN_DAILY/FIN_LOAD/FIN_LOAD_B"]
    assert codes(wf, "AS1209")[0].path == "/FIN_DAILY/FIN_RECON"
    notify = child(daily, "FIN_NOTIFY_NG")
    assert notify.recovery
    assert [(e.pred, e.kind) for e in daily.edges if e.succ == "FIN_NOTIFY_NG"] == [
        ("FIN_EXTRACT", "on_failure")
    ]
    assert "FIN_OLD_ARCHIVE" not in {n.name for n in wf.root_jobnets()}
    assert [f.path for f in codes(wf, "AS1002")] == ["FIN_NEVER_DEFINED"]
    assert [f.path for f in codes(wf, "AS1008")] == ["FIN_OLD_ARCHIVE"]


def test_finance_export_file_watcher_polling_and_dependencies() -> None:
    wf = load(FINANCE, FIN_CALENDARS)
    by_path = nets(wf)
    watcher = child(by_path["/RATES_FW"], "RATES_FW")
    assert watcher.kind == "event_wait" and watcher.event == {
        "watch_file": "/data/in/rates_*.csv",
        "watch_interval": "60",
        "watch_file_min_size": "1024",
    }
    assert by_path["/RATES_FW"].metadata["run_window"] == "08:00-18:00"
    poll = by_path["/FIN_POLL"]
    assert len(poll.schedule[0].times) == 48 and child(poll, "FIN_POLL").hold
    assert by_path["/RATES_LOAD"].external == [
        ExternalDependency(
            target="/RATES_FW", status="success", source=by_path["/RATES_LOAD"].external[0].source
        ),
        ExternalDependency(
            target="/FIN_DAILY",
            status="not_running",
            condition="s(RATES_FW) & n(FIN_DAILY)",
            source=by_path["/RATES_LOAD"].external[1].source,
        ),
    ]
    month_end = by_path["/FIN_MONTH_END"]
    assert month_end.schedule[0].date == CalendarDays(calendar="FIN_LAST_BD")
    assert month_end.external[0].condition == "s(FIN_DAILY, 24.00)"
    assert codes(wf, "AS1411")[0].path == "/FIN_MONTH_END"
    assert by_path["/FIN_DAILY"].timezone == "Asia/Tokyo"  # `Japan` in the export
    assert by_path["/FIN_QTR_OPEN"].timezone == "America/New_York"  # `US/Eastern`


def test_calendar_exports_become_date_lists() -> None:
    wf = load(FINANCE, FIN_CALENDARS)
    cals = {c.name: c for c in wf.calendars}
    assert set(cals) == {"FIN_HOLIDAYS", "FIN_FREEZE", "FIN_WORKDAYS", "FIN_LAST_BD", "FIN_QTR_START"}
    assert all(len(c.closed_weekdays) == 7 for c in cals.values())
    assert cals["FIN_FREEZE"].open_dates == [dt.date(2027, 3, 31), dt.date(2027, 9, 30)]
    assert len(cals["FIN_WORKDAYS"].open_dates) == 243  # 261 weekdays, 18 of them holidays
    last = cals["FIN_LAST_BD"].open_dates
    assert [d.day for d in last] == [29, 26, 31, 30, 31, 30, 30, 31, 30, 29, 30, 29]
    assert cals["FIN_QTR_START"].open_dates == [
        dt.date(2027, 1, 4),
        dt.date(2027, 4, 1),
        dt.date(2027, 7, 1),
        dt.date(2027, 10, 1),
    ]
    expanded = {f.path for f in codes(wf, "AS1501")}
    assert expanded == {"FIN_WORKDAYS", "FIN_LAST_BD", "FIN_QTR_START"}
    assert {f.path for f in codes(wf, "AS1901")} == expanded


def test_finance_schedules_are_equivalent_over_a_year() -> None:
    result = jobmigrate("schedule", FINANCE, FIN_CALENDARS, "--from", "autosys", *WINDOW, "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    runs = {n["path"]: n for n in json.loads(result.stdout)["jobnets"]}
    assert all(n["equivalent"] for n in runs.values())
    counts = {path: len(n["legacy_runs"]) for path, n in runs.items()}
    assert counts == {
        "/FIN_DAILY": 241,  # business days minus the two freeze days
        "/FIN_MONTH_END": 12,
        "/RATES_FW": 261,
        "/RATES_LOAD": 0,
        "/FIN_POLL": 17520,
        "/FIN_QTR_OPEN": 8,
    }
    assert runs["/FIN_QTR_OPEN"]["legacy_runs"][0] == "2027-01-04T21:00:00+09:00"  # 07:00 New York


# --------------------------------------------------------------------------- subcommands and tree


def test_update_delete_and_override_follow_the_order_of_the_files() -> None:
    first = """
insert_job: B1   job_type: BOX
insert_job: B2   job_type: b
insert_job: J1   box_name: B1   command: a.sh
insert_job: J2   box_name: B2   command: b.sh
insert_job: J3   command: c.sh
insert_job: J1   command: again.sh
"""
    second = """
update_job: J1   box_name: B2
delete_box: B1
delete_box: J3
override_job: J2   command: once.sh
update_job: GHOST   command: x
"""
    wf = load_text(first, second)
    assert [n.path for n in wf.root_jobnets()] == ["/B2"] and wf.unit_count == 3
    assert [c.path for c in next(wf.root_jobnets()).children] == ["/B2/J1", "/B2/J2"]
    assert [f.code for f in wf.findings if f.code.startswith("AS10")] == [
        "AS1001",
        "AS1003",
        "AS1004",
        "AS1002",
        "AS1008",
        "AS1008",
    ]


def test_missing_boxes_and_box_cycles_become_root_jobnets() -> None:
    wf = load_text(
        "insert_job: A   job_type: BOX   box_name: C\n"
        "insert_job: C   job_type: BOX   box_name: A\n"
        "insert_job: J   command: x   box_name: NOWHERE\n"
        "insert_job: K   command: y   box_name: J\n"
    )
    assert [n.path for n in wf.root_jobnets()] == ["/A", "/J", "/K"]
    assert [c.path for c in nets(wf)["/A"].children] == ["/A/C"]
    assert [f.path for f in codes(wf, "AS1007")] == ["A"]
    assert [f.path for f in codes(wf, "AS1006")] == ["J", "K"]


def test_conditions_that_have_no_faithful_edge_are_reported() -> None:
    wf = load_text(
        "insert_job: BOX   job_type: BOX\n"
        "insert_job: A   box_name: BOX   command: a\n"
        "insert_job: B   box_name: BOX   command: b   condition: e(A) > 4 & s(MISSING) & v(FLAG) = on\n"
        "insert_job: C   box_name: BOX   command: c   condition: s(C) | s(BOX) | d(A^PRD)\n"
        "insert_job: D   box_name: BOX   command: d   condition: s(A) | s(B) & t(C)\n"
    )
    box = nets(wf)["/BOX"]
    assert [(e.pred, e.succ, e.kind) for e in box.edges] == [
        ("A", "B", "on_done"),
        ("A", "D", "on_success"),
        ("B", "D", "on_success"),
        ("C", "D", "on_failure"),
    ]
    assert box.edges[0].condition == "e(A) > 4 & s(MISSING) & v(FLAG) = on"
    assert [d.target for d in child(box, "B").external] == ["MISSING"]
    assert child(box, "C").external == [
        ExternalDependency(
            target="A^PRD",
            status="done",
            mode="any",
            condition="s(C) | s(BOX) | d(A^PRD)",
            source=child(box, "C").external[0].source,
        )
    ]
    found = {f.code for f in wf.findings}
    assert {"AS1203", "AS1204", "AS1205", "AS1206", "AS1207", "AS1201"} <= found
    assert not child(box, "D").recovery


@pytest.mark.parametrize(
    ("attributes", "code"),
    [
        ("date_conditions: 1  days_of_week: mo  run_calendar: CAL  start_times: 01:00", "AS1403"),
        ("date_conditions: 1  days_of_week: mo  start_times: 01:00  start_mins: 5", "AS1404"),
        ("date_conditions: 1  start_times: 01:00", "AS1402"),
        ("date_conditions: 0  days_of_week: mo  start_times: 01:00", "AS1401"),
        ("date_conditions: 1  days_of_week: all", "AS1407"),
        ("date_conditions: 1  run_calendar: NOT_EXPORTED", "AS1408"),
        ("date_conditions: 1  days_of_week: mo  timezone: eastern", "AS1409"),
    ],
)
def test_schedule_attribute_combinations_are_reported(attributes: str, code: str) -> None:
    wf = load_text(f"insert_job: J   command: x\n{attributes}\n")
    assert [f.path for f in codes(wf, code)] == ["/J"]


def test_schedule_inside_a_box_is_not_converted() -> None:
    wf = load_text(
        "insert_job: B   job_type: BOX   date_conditions: 1   days_of_week: all   start_times: 02:00\n"
        "insert_job: J   box_name: B   command: x   date_conditions: 1   days_of_week: mo\n"
    )
    (rule,) = nets(wf)["/B"].schedule
    assert [t.raw for t in rule.times] == ["02:00"] and rule.timezone is None
    assert [f.path for f in codes(wf, "AS1406")] == ["/B/J"]


def test_standalone_job_without_schedule_or_condition_starts_by_hand() -> None:
    wf = load_text("insert_job: ADHOC   command: x   status: on_ice\n")
    assert [f.code for f in wf.findings if f.path == "/ADHOC"] == ["AS1410"]
    assert [f.code for f in wf.findings if f.path == "/ADHOC/ADHOC"] == ["AS1602"]


# --------------------------------------------------------------------------- extended calendars


def _context(holidays: tuple[dt.date, ...] = (dt.date(2027, 1, 1),)) -> extended.Context:
    return extended.Context(
        first=dt.date(2027, 1, 1),
        last=dt.date(2027, 12, 31),
        workdays=frozenset(range(5)),
        holidays=frozenset(holidays),
        periods=((dt.date(2027, 1, 1), dt.date(2027, 3, 31)), (dt.date(2027, 4, 1), dt.date(2027, 6, 30))),
    )


def _january(*rules: str) -> list[int]:
    ctx = _context()
    results = [extended.rule_days(extended.Rule(r, 0), ctx) for r in rules]
    return sorted(d.day for d in extended.combine(results, ctx) if d.month == 1)


@pytest.mark.parametrize(
    ("rules", "days"),
    [
        (("WORKD#1",), [4]),  # Jan 1 is a holiday, 2-3 a weekend
        (("workd#L",), [29]),
        (("WORKDM2",), [28]),
        (("MON#2",), [11]),
        (("FRI#L",), [29]),
        (("MNTHD#15",), [15]),
        (("EOM",), [31]),
        (("FOMWORK", "EOMWEEK"), [4, 29]),
        (("JAN#1",), [1]),
        (("WEDM1",), [27]),
        (("{MON | WED} & JAN",), [4, 6, 11, 13, 18, 20, 25, 27]),
        (("MON | WED AND MNTHD#4",), [4]),  # left to right: (MON | WED) & 4th
        (("NOT MON & TUE",), [5, 12, 19, 26]),
        (
            ("WORKDAYS", "XFOMWORK", "XEOMWORK"),
            [5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 25, 26, 27, 28],
        ),
        (("CWRK#1", "CYCL#L"), [4]),
        (("CWEEK#1 & MON",), [4]),
        (("WEEKD#1 & MNTHD#8",), [8]),  # weeks start on Friday, the weekday of January 1 2027
    ],
)
def test_extended_calendar_keywords(rules: tuple[str, ...], days: list[int]) -> None:
    assert _january(*rules) == days


@pytest.mark.parametrize(
    ("non_workday", "holiday", "adjust", "expected"),
    [
        # candidates: Fri Jan 1 (a holiday), Sat Jan 2, Mon Jan 4
        (None, None, 0, ["2027-01-01", "2027-01-02", "2027-01-04"]),
        ("w", None, 0, ["2027-01-04"]),  # without a holiday action a holiday is a non-workday
        ("p", "s", 0, ["2026-12-31", "2027-01-01", "2027-01-04"]),  # Sat 2 walks back past the holiday
        ("n", None, 0, ["2027-01-04"]),
        (None, "n", 0, ["2027-01-02", "2027-01-04"]),  # one calendar day, even onto a Saturday
        (None, "w", 0, ["2027-01-02", "2027-01-04"]),
        ("o", None, 0, ["2027-01-01", "2027-01-02"]),  # only the non-workdays
        (None, "o", 0, ["2027-01-01"]),  # only the holidays
        (None, None, -1, ["2026-12-31", "2027-01-01", "2027-01-03"]),  # blind shift
    ],
)
def test_extended_calendar_actions(
    non_workday: str | None, holiday: str | None, adjust: int, expected: list[str]
) -> None:
    candidates = {dt.date(2027, 1, 1), dt.date(2027, 1, 2), dt.date(2027, 1, 4)}
    actions = extended.Actions(non_workday=non_workday, holiday=holiday, adjust=adjust)
    found = extended.dispose(candidates, actions, _context())
    assert sorted(d.isoformat() for d in found) == expected


def test_extended_calendar_without_holidays_uses_the_default_range_and_reports_gaps() -> None:
    wf = load_text(
        "extended_calendar: MONTH_START\nworkday: XXXXX..\nnon_workday: W\ncondition: FOM\n"
        "extended_calendar: NO_HOLCAL\nholiday: W\nholcal: MISSING\ncondition: WORKDAYS\n"
        "extended_calendar: CYCLIC\ncondition: CYCLE\n"
    )
    (cal,) = wf.calendars
    assert cal.open_dates[0] == dt.date(2024, 1, 1) and cal.open_dates[-1] == dt.date(2035, 12, 3)
    assert len(cal.open_dates) == 12 * 12
    assert [f.path for f in codes(wf, "AS1502")] == ["NO_HOLCAL", "CYCLIC"]


# --------------------------------------------------------------------------- errors


def test_every_error_of_a_broken_file_is_reported_with_its_position() -> None:
    errors = errors_of((BROKEN / "several.jil").read_text(), "several.jil")
    assert errors == [
        "several.jil:1:1: attribute `job_type:` before any subcommand (insert_job:, update_job:, ...)",
        "several.jil:5:21: unknown day 'xx': expected mo,tu,we,th,fr,sa,su or all",
        "several.jil:6:15: expected a time as hh:mm (00:00 to 23:59), found '25:10'",
        "several.jil:7:28: condition: expected `&` or `|` before 's'",
        'several.jil:8:14: unterminated quote: `"` is never closed on this line',
        "several.jil:9:1: unknown subcommand `insert_jobs:`",
    ]


def test_calendar_export_errors_are_located() -> None:
    errors = errors_of((BROKEN / "bad_calendars.txt").read_text(), "cals.txt")
    assert errors == [
        "cals.txt:3:7: expected a date as MM/DD/YYYY [hh:mm], found '02/30/2027 00:00'",
        "cals.txt:10:26: MON#9: the number must be 1 to 5",
    ]


def test_bad_condition_fails_the_cli_with_a_location_and_writes_nothing(tmp_path: Path) -> None:
    bad = BROKEN / "bad_condition.jil"
    result = jobmigrate("convert", bad, "--from", "autosys", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:14:32: condition: expected `)` to close the parenthesis, found the end of the condition"
    ]
    assert not (tmp_path / "out").exists()


_INSERTS = ["(", ")", "((", '"', "/*", "*/", "#", "\n", ":", "&", "|", ",", "^", "\x00", "\ufeff", "\r\n"]
_INSERTS += ["insert_job: Z ", "box_name: ", "condition: s(", "date: ", "WORKD#", "99", "update_job: ", "{"]


def _mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        kind = rng.randrange(4)
        if kind == 0:
            text = text[:at]  # truncation
        elif kind == 1:
            text = text[:at] + text[at + rng.randrange(1, 60) :]  # a deleted span
        elif kind == 2:
            text = text[:at] + chr(rng.randrange(1, 0x3100)) + text[at + 1 :]  # a flipped character
        else:
            text = text[:at] + rng.choice(_INSERTS) + text[at:]  # stray parentheses, quotes, keys
    return text


def test_mutated_fixtures_only_ever_raise_input_errors() -> None:
    rng = random.Random(20270101)
    sources = [DAILY.read_text(), FINANCE.read_text(), FIN_CALENDARS.read_text()]
    planned = 0
    for _ in range(600):
        files = [SourceFile(path="m.jil", text=_mutate(rng.choice(sources), rng))]
        if rng.random() < 0.5:
            files.append(SourceFile(path="c.txt", text=sources[2]))
        try:
            wf = autosys.parse(files, ImportOptions())
        except (InputError, InputErrors) as caught:
            for error in caught.errors if isinstance(caught, InputErrors) else [caught]:
                lines = next(f.text for f in files if f.path == error.file).count("\n") + 1
                assert 1 <= error.line <= lines and error.column >= 1 and error.message
            continue
        if planned < 40:  # whatever imports must also plan
            planned += 1
            planner.plan(wf, planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31)))
