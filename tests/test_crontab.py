"""The crontab importer: entries, variables, zones, stdin, user columns, findings, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import converters
from calendars.unixcron import from_ir
from converters import ImportOptions, SourceFile, crontab
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import Command, Finding, Job, JobNet, Severity, UnixCron, Workflow

from .conftest import FIXTURES

CRONTABS = FIXTURES / "crontab"
BATCHOPS = CRONTABS / "var" / "spool" / "cron" / "crontabs" / "batchops"
FINANCE = CRONTABS / "etc" / "cron.d" / "finance-close"
ETC_CRONTAB = CRONTABS / "etc" / "crontab"
APP01 = CRONTABS / "hosts" / "app01.cron"
LEGACY01 = CRONTABS / "hosts" / "legacy01.crontab"
NO_NEWLINE = CRONTABS / "hosts" / "no_newline.crontab"
BAD_FIELDS = CRONTABS / "broken" / "bad_fields.crontab"
BAD_ENV = CRONTABS / "broken" / "bad_env.crontab"


def load(*paths: Path, timezone: str = "Asia/Tokyo") -> Workflow:
    files = [SourceFile(path=p.relative_to(CRONTABS).as_posix(), text=p.read_text()) for p in paths]
    return crontab.parse(files, ImportOptions(timezone=timezone))


def load_text(text: str, path: str = "ops.crontab") -> Workflow:
    return crontab.parse([SourceFile(path=path, text=text)], ImportOptions())


def nets(wf: Workflow) -> dict[str, JobNet]:
    return {n.path: n for n in wf.root_jobnets()}


def job(net: JobNet) -> Job:
    (only,) = net.children
    assert isinstance(only, Job)
    return only


def command_of(net: JobNet) -> Command:
    command = job(net).command
    assert command is not None
    return command


def cron(net: JobNet) -> UnixCron:
    (rule,) = net.schedule
    assert isinstance(rule.date, UnixCron)
    return rule.date


def findings(wf: Workflow, code: str) -> list[Finding]:
    return [f for f in wf.findings if f.code == code]


def errors_of(path: Path) -> list[tuple[int, int, str]]:
    with pytest.raises(InputErrors) as caught:
        load(path)
    return [(e.line, e.column, e.message) for e in caught.value.errors]


# --------------------------------------------------------------------------- a user crontab


@pytest.fixture(scope="module")
def batchops() -> Workflow:
    return load(BATCHOPS)


def test_every_entry_is_one_root_jobnet_named_file_and_line(batchops: Workflow) -> None:
    assert list(nets(batchops)) == [f"batchops:{n}" for n in (16, 20, 23, 26, 29, 32, 35, 38, 43, 46)]
    assert batchops.unit_count == 10
    assert batchops.source_system == "crontab"
    assert batchops.timezone == "Asia/Tokyo"
    assert batchops.files == ["var/spool/cron/crontabs/batchops"]


def test_entry_keeps_its_source_raw_line_and_description(batchops: Workflow) -> None:
    net = nets(batchops)["batchops:20"]
    assert net.name == net.path == "batchops:20"
    assert net.source is not None and str(net.source) == "var/spool/cron/crontabs/batchops:20:1"
    assert [(r.key, r.value, r.line) for r in net.raw] == [
        ("entry", "30 22 * * mon-fri  /opt/batch/bin/daily_close.sh >> /var/log/batch/daily.log 2>&1", 20)
    ]
    assert net.description == "daily close on weekdays (holidays are handled inside the script)"
    the_job = job(net)
    assert (the_job.name, the_job.path, the_job.kind) == ("command", "batchops:20/command", "command")
    assert the_job.source is not None and (the_job.source.line, the_job.source.column) == (20, 20)


def test_command_carries_shell_environment_and_spool_owner(batchops: Workflow) -> None:
    command = command_of(nets(batchops)["batchops:20"])
    assert command.text == "/opt/batch/bin/daily_close.sh >> /var/log/batch/daily.log 2>&1"
    assert command.platform == "unix"
    assert command.os_user == "batchops"  # a spool crontab runs as the user it is named after
    assert command.shell == "/bin/bash"
    assert command.environment == [
        ("PATH", "/usr/local/bin:/usr/bin:/bin:/opt/batch/bin"),
        ("BATCH_HOME", "/opt/batch"),
        ("LANG", "ja_JP.UTF-8"),
    ]
    assert command.stdin is None


def test_cron_tz_applies_only_to_later_entries(batchops: Workflow) -> None:
    by_path = nets(batchops)
    before, after = by_path["batchops:16"], by_path["batchops:20"]
    assert before.timezone is None and before.schedule[0].timezone is None
    assert after.timezone == "Asia/Tokyo" and after.schedule[0].timezone == "Asia/Tokyo"
    assert [(r.key, r.value, r.line) for r in after.schedule[0].raw] == [
        ("schedule", "30 22 * * mon-fri", 20),
        ("CRON_TZ", "Asia/Tokyo", 18),
    ]
    assert all("CRON_TZ" not in dict(command_of(n).environment) for n in by_path.values())


def test_schedule_is_one_unix_cron_rule(batchops: Workflow) -> None:
    net = nets(batchops)["batchops:23"]
    (rule,) = net.schedule
    assert rule.times == []
    assert rule.source is not None and (rule.source.line, rule.source.column) == (23, 1)
    rates = cron(net)
    assert rates.expression == "*/30 8-17 * * 1-5"
    assert rates.minutes == [0, 30]
    assert rates.hours == list(range(8, 18))
    assert rates.days_of_week == [1, 2, 3, 4, 5]
    assert (rates.dom_restricted, rates.dow_restricted) == (False, True)


def test_both_day_fields_restricted_fire_on_either(batchops: Workflow) -> None:
    payroll = cron(nets(batchops)["batchops:29"])
    assert payroll.expression == "0 9 1,15 * Mon" and payroll.dom_or_dow
    times = from_ir(payroll).fire_times(dt.datetime(2027, 4, 1), dt.datetime(2027, 5, 1))
    assert [t.day for t in times] == [1, 5, 12, 15, 19, 26]  # the 1st, the 15th and every Monday


def test_names_ranges_steps_and_sunday_as_seven(batchops: Workflow) -> None:
    by_path = nets(batchops)
    assert cron(by_path["batchops:32"]).months == [1, 4, 7, 10]
    assert cron(by_path["batchops:35"]).hours == [7, 9, 11, 13, 15, 17, 19, 21]
    assert cron(by_path["batchops:38"]).days_of_week == [0]


def test_special_keeps_its_name_and_percent_becomes_stdin(batchops: Workflow) -> None:
    net = nets(batchops)["batchops:43"]
    daily = cron(net)
    assert daily.expression == "@daily"
    assert (daily.minutes, daily.hours, daily.days_of_month) == ([0], [0], list(range(1, 32)))
    command = command_of(net)
    assert command.text == (
        '/opt/batch/bin/housekeep.sh | mail -s "housekeeping 100% done" ops-batch@example.co.jp'
    )
    assert command.stdin == "Housekeeping finished.\n-- batch01"


def test_reboot_has_no_schedule_and_an_error_finding(batchops: Workflow) -> None:
    net = nets(batchops)["batchops:46"]
    assert net.schedule == []
    (finding,) = findings(batchops, crontab.REBOOT_ENTRY)
    assert finding.severity is Severity.ERROR
    assert finding.path == "batchops:46"
    assert finding.source is not None and finding.source.line == 46
    assert "@reboot" in finding.message


def test_guard_idioms_are_flagged_for_review(batchops: Workflow) -> None:
    guards = {f.path: f for f in findings(batchops, crontab.RUNTIME_GUARD)}
    assert set(guards) == {"batchops:26", "batchops:35"}
    assert all(f.severity is Severity.WARNING for f in guards.values())
    assert "last-day-of-month" in guards["batchops:26"].message
    assert "holiday" in guards["batchops:35"].message
    month_end = command_of(nets(batchops)["batchops:26"])
    assert month_end.text == '[ "$(date -d tomorrow +%d)" = "01" ] && /opt/batch/bin/close_books.sh'


def test_mailto_is_kept_and_reported_once(batchops: Workflow) -> None:
    assert all(n.metadata["mailto"] == "ops-batch@example.co.jp" for n in batchops.root_jobnets())
    (finding,) = findings(batchops, crontab.MAILTO)
    assert (finding.severity, finding.path, finding.source and finding.source.line) == (
        Severity.INFO,
        "batchops",
        9,
    )


def test_commented_out_entry_is_reported_not_converted(batchops: Workflow) -> None:
    (finding,) = findings(batchops, crontab.COMMENTED_OUT)
    assert finding.source is not None and finding.source.line == 40
    assert "old_reconcile.sh" in finding.message
    assert "batchops:40" not in nets(batchops)


def test_workflow_survives_a_round_trip_through_the_model(batchops: Workflow) -> None:
    assert Workflow.model_validate(batchops.model_dump()) == batchops


# --------------------------------------------------------------------------- system crontabs


def test_cron_d_file_has_a_user_column() -> None:
    wf = load(FINANCE)
    by_path = nets(wf)
    assert list(by_path) == ["finance-close:8", "finance-close:11", "finance-close:14"]
    users = [command_of(n).os_user for n in by_path.values()]
    assert users == ["finapp", "finapp", "root"]
    gl = command_of(by_path["finance-close:8"])
    assert gl.text == "/srv/finance/bin/gl_extract.sh --ledger main"
    assert all(n.metadata == {"crontab": "system", "mailto": ""} for n in by_path.values())
    assert findings(wf, crontab.MAILTO) == []  # MAILTO="" switches mail off
    assert [f.path for f in findings(wf, crontab.RUNTIME_GUARD)] == ["finance-close:11"]


def test_etc_crontab_with_tabs_and_its_stock_header() -> None:
    wf = load(ETC_CRONTAB)
    by_path = nets(wf)
    assert list(by_path) == ["crontab:18", "crontab:19", "crontab:20", "crontab:21"]
    weekly = by_path["crontab:20"]
    assert cron(weekly).expression == "47 6 * * 7" and cron(weekly).days_of_week == [0]
    command = command_of(weekly)
    assert command.os_user == "root"
    assert command.text == "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }"
    assert wf.findings == []  # the `*  *  *  *  * user-name command` header is no disabled entry


def test_user_column_detected_from_content_is_reported() -> None:
    wf = load(APP01)
    users = [command_of(n).os_user for n in wf.root_jobnets()]
    assert users == ["appsvc", "backup"]
    (finding,) = findings(wf, crontab.SYSTEM_BY_CONTENT)
    assert finding.severity is Severity.INFO and finding.source is not None and finding.source.line == 3


@pytest.mark.parametrize(
    "text",
    [
        "0 9 * * * echo hello\n",  # a known command word is no user name
        "0 9 * * * /opt/x/run.sh nightly\n",
        "0 9 * * * backup\n",  # nothing after the word: it is the command
        "0 9 * * * backup --full /home\n",  # an option follows: the word was the command
        "0 9 * * * notify 'done'\n",
        "0 9 * * * appsvc /opt/a\n0 10 * * * /opt/b\n",  # not every entry has one
    ],
)
def test_user_crontab_is_not_mistaken_for_a_system_one(text: str) -> None:
    wf = load_text(text)
    assert all(command_of(n).os_user is None for n in wf.root_jobnets())
    assert findings(wf, crontab.SYSTEM_BY_CONTENT) == []


def test_system_crontab_without_a_user_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        crontab.parse([SourceFile("etc/cron.d/x", "0 5 * * * /opt/x.sh --all\n")], ImportOptions())
    assert (caught.value.line, caught.value.column) == (1, 11)
    assert "expected a user name" in caught.value.message


# --------------------------------------------------------------------------- zones and odd variables


def test_tz_random_delay_and_unexpanded_variables_are_reported() -> None:
    wf = load(LEGACY01, timezone="UTC")
    export = nets(wf)["legacy01.crontab:7"]
    assert export.timezone == "America/New_York"
    assert [(r.key, r.value) for r in export.schedule[0].raw] == [
        ("schedule", "30 2 * * *"),
        ("TZ", "America/New_York"),
    ]
    environment = dict(command_of(export).environment)
    assert environment["TZ"] == "America/New_York"  # the command sees TZ too
    assert environment["PATH"] == "$PATH:/opt/legacy/bin"  # cron does not expand
    codes = {(f.code, f.source.line if f.source else 0) for f in wf.findings}
    assert {
        (crontab.TZ_AS_SCHEDULE_ZONE, 2),
        (crontab.RANDOM_DELAY, 3),
        (crontab.UNEXPANDED_VARIABLE, 4),
        (crontab.CUT_DATE_FORMAT, 10),
        (crontab.RUNTIME_GUARD, 13),
        (crontab.NEVER_FIRES, 17),
    } == codes


def test_unescaped_percent_in_date_cuts_the_command_like_cron() -> None:
    backup = command_of(nets(load(LEGACY01))["legacy01.crontab:10"])
    assert backup.text == "tar czf /backup/home-$(date +"
    assert backup.stdin == "Y\nm\nd).tgz /home"


def test_cron_tz_wins_over_tz_and_an_empty_value_resets_it() -> None:
    wf = load_text(
        "TZ=Europe/London\n"
        "0 1 * * * /a\n"
        "CRON_TZ=Asia/Tokyo\n"
        "0 2 * * * /b\n"
        "CRON_TZ=\n"
        "0 3 * * * /c\n"
        "TZ=\n"
        "0 4 * * * /d\n"
    )
    zones = [(n.path, n.timezone) for n in wf.root_jobnets()]
    assert zones == [
        ("ops.crontab:2", "Europe/London"),
        ("ops.crontab:4", "Asia/Tokyo"),
        ("ops.crontab:6", "Europe/London"),
        ("ops.crontab:8", None),
    ]


def test_last_entry_without_newline_is_flagged() -> None:
    wf = load(NO_NEWLINE)
    assert [f.path for f in findings(wf, crontab.NO_FINAL_NEWLINE)] == ["no_newline.crontab:3"]


# --------------------------------------------------------------------------- lines in detail


@pytest.mark.parametrize(
    ("line", "command", "stdin"),
    [
        ("0 1 * * * echo 100\\% > /tmp/x", "echo 100% > /tmp/x", None),
        ("0 1 * * * mail -s hi ops%line 1%line 2", "mail -s hi ops", "line 1\nline 2"),
        ("0 1 * * * cat%50\\% done%", "cat", "50% done\n"),
        ("0 1 * * * printf 'a\\tb' %", "printf 'a\\tb'", None),  # other backslashes stay
        ("0 1 * * * echo \\\\%x", "echo \\\\", "x"),  # an escaped backslash does not escape %
        ("   0 1 * * *    /opt/x.sh   \t", "/opt/x.sh", None),
    ],
)
def test_percent_and_whitespace(line: str, command: str, stdin: str | None) -> None:
    (net,) = load_text(line + "\n").root_jobnets()
    the_command = command_of(net)
    assert (the_command.text, the_command.stdin) == (command, stdin)


@pytest.mark.parametrize(
    ("line", "name", "value"),
    [
        ("FOO=bar", "FOO", "bar"),
        ("FOO = bar baz  ", "FOO", "bar baz"),
        ('FOO="  padded  "', "FOO", "  padded  "),
        ("FOO=", "FOO", ""),
        ('"FOO"=1', "FOO", "1"),
        ("FOO=a=b", "FOO", "a=b"),
    ],
)
def test_environment_lines(line: str, name: str, value: str) -> None:
    (net,) = load_text(f"{line}\n0 1 * * * /x\n").root_jobnets()
    assert dict(command_of(net).environment)[name] == value


def test_variables_apply_to_later_entries_only() -> None:
    wf = load_text("0 1 * * * /a\nSTAGE=one\n0 2 * * * /b\nSTAGE=two\nSHELL=/bin/ksh\n0 3 * * * /c\n")
    commands = [job(n).command for n in wf.root_jobnets()]
    assert [c.environment if c else None for c in commands] == [[], [("STAGE", "one")], [("STAGE", "two")]]
    assert [c.shell if c else None for c in commands] == [None, None, "/bin/ksh"]


def test_cronie_no_log_prefix_is_accepted() -> None:
    (net,) = load_text("-*/5 * * * * /opt/x/poll.sh\n").root_jobnets()
    assert cron(net).expression == "*/5 * * * *"
    assert net.metadata["syslog"] == "off"


def test_same_file_names_are_told_apart() -> None:
    wf = crontab.parse(
        [
            SourceFile("host1/etc/crontab", "0 1 * * * root /a\n"),
            SourceFile("host2/etc/crontab", "0 1 * * * root /b\n"),
        ],
        ImportOptions(),
    )
    assert [n.path for n in wf.root_jobnets()] == ["host1/etc/crontab:1", "host2/etc/crontab:1"]


# --------------------------------------------------------------------------- errors


QUARTZ_ONLY = "is Quartz/EventBridge syntax, not valid in Unix cron"


def test_every_bad_line_of_a_file_is_reported_with_its_column() -> None:
    assert errors_of(BAD_FIELDS) == [
        (3, 3, "hour 24 is out of range 0-23"),
        (4, 12, "missing command"),
        (5, 7, f"'L' (last day or last weekday of the month) {QUARTZ_ONLY}"),
        (6, 12, f"'#' (n-th weekday of the month) {QUARTZ_ONLY}"),
        (
            7,
            1,
            "unknown special '@fortnightly' (known: @reboot, @yearly, @annually, @monthly, @weekly, "
            "@daily, @midnight, @hourly)",
        ),
        (
            8,
            10,
            "expected the day-of-week field, found '/opt/x/missing_field.sh': "
            "is a time field missing before the command?",
        ),
    ]


def test_bad_environment_lines_are_errors() -> None:
    assert errors_of(BAD_ENV) == [
        (1, 8, 'unterminated " in the environment value'),
        (2, 9, "unknown time zone 'Asia/Tokio' in CRON_TZ"),
    ]


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("MY-VAR=1", 1, "invalid environment variable name 'MY-VAR'"),
        ('FOO="a" b', 9, "unexpected text after the closing quote"),
        ("FOO='it''", 9, "unexpected text after the closing quote"),
        ("=value", 1, "environment assignment without a variable name"),
        ("0 9 * * 1-5 * /opt/x.sh", 13, "command starts with '*'"),
        ("0 9 * * *   %only stdin", 13, "empty command before '%'"),
        ("0 9 * /opt/x.sh", 7, "expected the month field, found '/opt/x.sh'"),
        ("0 9 *", 6, "expected 5 time fields and a command, found 3 fields"),
        ("@reboot", 8, "missing command"),
        ("@Daily /x", 1, "lower case"),
        ("0\t9\t*\t*\tL\t/x", 9, "'L' (last day"),
    ],
)
def test_single_error_is_an_input_error_at_its_column(line: str, column: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_text(f"# header\n{line}\n")
    assert (caught.value.file, caught.value.line, caught.value.column) == ("ops.crontab", 2, column)
    assert message in caught.value.message
    assert str(caught.value).startswith(f"ops.crontab:2:{column}: ")


def test_errors_of_several_files_are_collected() -> None:
    with pytest.raises(InputErrors) as caught:
        crontab.parse(
            [SourceFile("a", "61 * * * * /x\n"), SourceFile("b", "* * * * 9 /y\n")], ImportOptions()
        )
    assert [str(e) for e in caught.value.errors] == [
        "a:1:1: minute 61 is out of range 0-59",
        "b:1:9: day-of-week 9 is out of range 0-7",
    ]


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize("path", [BATCHOPS, FINANCE, ETC_CRONTAB, APP01, LEGACY01, BAD_FIELDS])
def test_crontabs_are_recognised(path: Path) -> None:
    assert crontab.sniff(path.read_text()) > 0


def test_valid_entries_score_higher_than_broken_ones() -> None:
    assert crontab.sniff(BATCHOPS.read_text()) > crontab.sniff(BAD_FIELDS.read_text())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\nPATH=/bin\n",
        "unit=DAILY,,jp1admin,;\n{\n  ty=n;\n  sd=1,en;\n}\n",
        '<?xml version="1.0"?>\n<DEFTABLE>\n</DEFTABLE>\n',
        "insert_job: DAILY   job_type: CMD\ncommand: /opt/x.sh\n",
        "source_system: yaml\nchildren: []\n",
        "0 9 * * * /opt/x.sh\nunit=X,,a,;\n",
        "Hello, this is a README.\nIt has 2 lines.\n",
    ],
)
def test_other_formats_are_not_crontabs(text: str) -> None:
    assert crontab.sniff(text) == 0


def test_registry_finds_the_importer() -> None:
    assert converters.get("crontab") is crontab
    assert crontab.NAME == "crontab"
