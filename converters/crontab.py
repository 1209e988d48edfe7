"""Importer of Unix crontabs: user crontabs, `/etc/crontab` and `/etc/cron.d/*`.

Cron is flat: every entry becomes one root job-net holding one job.

Naming
    job-net  `<file>:<line>`             e.g. `batchops:14` (the CLI contract for crontab paths)
    job      `<file>:<line>/command`     always `command` (JOB_NAME): an entry runs exactly one
             command, and a name independent of the command text keeps generated state names
             stable when a script path is edited.
    `<file>` is the base name of the input path; when two inputs share a base name it grows
    trailing directories until the names differ (`host1/crontab:3`, `host2/crontab:3`).

User column (system crontabs)
    A file has a user column between the time fields and the command when its name is
    `crontab` in a directory `etc` (`/etc/crontab`), when a directory on its path is (or ends
    in) `cron.d`, or, failing both, when every entry has a user-name-like sixth token followed by
    a command (finding CRON002 says so, because a user crontab whose commands all start with an
    unknown bare word would look the same). A user crontab from a spool directory
    (`.../cron/crontabs/<user>`, `.../spool/cron/<user>`) runs as the user its file is named after.

Environment
    `NAME=value` lines (spaces around `=` allowed, value optionally quoted) apply to the
    entries below them. SHELL becomes `Command.shell`; CRON_TZ (or TZ, see CRON004) becomes the
    entry's time zone; MAILTO goes to `JobNet.metadata["mailto"]`; every other variable, TZ
    included (the command sees it), goes to `Command.environment`, in the order first set.

Command
    An unescaped `%` ends the command and the rest is stdin, further unescaped `%` becoming
    newlines; `\\%` stands for `%`; other backslashes stay (as Vixie cron and cronie do).

Findings
    CRON001 error    @reboot runs at system start; AWS has no equivalent trigger
    CRON002 info     file read as a system crontab (user column) because of its content
    CRON003 info     MAILTO: cron mailed the command's output; AWS will not
    CRON004 warning  TZ taken as the schedule zone (cronie schedules by CRON_TZ only)
    CRON005 warning  RANDOM_DELAY: cronie started jobs up to N minutes late at random
    CRON006 info     a variable value mentions $NAME, which cron never expands
    CRON007 warning  last line has no newline: Vixie cron and cronie ignore that entry
    CRON008 warning  the day fields never match a date (`30 2`): the entry never runs
    CRON009 info     a commented-out entry, not migrated
    CRON010 warning  the command decides at run time (date or holiday guard)
    CRON011 warning  an unescaped `%` cuts a `date +...` format: the rest went to stdin
"""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Final

from calendars import unixcron
from calendars.unixcron import CronExpr, CronSyntaxError
from converters import ImportOptions, SourceFile
from jobmigrate.errors import InputError, InputErrors
from jobmigrate.model import (
    Command,
    Finding,
    Job,
    JobNet,
    RawParam,
    ScheduleRule,
    Severity,
    Source,
    Workflow,
)

NAME = "crontab"
JOB_NAME = "command"

REBOOT_ENTRY = "CRON001"
SYSTEM_BY_CONTENT = "CRON002"
MAILTO = "CRON003"
TZ_AS_SCHEDULE_ZONE = "CRON004"
RANDOM_DELAY = "CRON005"
UNEXPANDED_VARIABLE = "CRON006"
NO_FINAL_NEWLINE = "CRON007"
NEVER_FIRES = "CRON008"
COMMENTED_OUT = "CRON009"
RUNTIME_GUARD = "CRON010"
CUT_DATE_FORMAT = "CRON011"

# Variables naming the schedule zone; their values must be IANA zone names.
_SCHEDULE_ZONE_VARS: Final = ("CRON_TZ", "TZ")


# --------------------------------------------------------------------------- sniffing

_FOREIGN = re.compile(r"^\s*(?:unit\s*=|<|insert_job\s*:|\{)", re.MULTILINE)
_SNIFF_LINES = 200
_ENTRY_SHAPE = re.compile(r"(?:@[a-z]+|-?[0-9*][0-9*/,-]*)\s+\S")


def sniff(text: str) -> int:
    """Positive when the text reads as a crontab: entries, maybe variables and comments.

    Lines shaped like entries count even when a field is bad, so that a broken crontab is still
    recognised and its errors reported; valid entries raise the score.
    """
    if _FOREIGN.search(text[:20000]):
        return 0
    valid = shaped = others = 0
    for line in _meaningful_lines(text, _SNIFF_LINES):
        if _ENV_LINE.fullmatch(line):
            continue
        if _looks_like_entry(line):
            valid += 1
        elif _ENTRY_SHAPE.match(line):
            shaped += 1
        else:
            others += 1
    entries = valid + shaped
    if entries == 0 or others > entries:
        return 0
    return 30 + (30 * valid) // entries + (20 * entries) // (entries + others)


def _meaningful_lines(text: str, limit: int) -> Iterator[str]:
    count = 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield stripped
            count += 1
            if count >= limit:
                return


def _looks_like_entry(text: str) -> bool:
    """Valid time fields followed by at least one more token (a command, maybe a user)."""
    words = text.split()
    if not words:
        return False
    if words[0] in unixcron.SPECIALS or words[0] == unixcron.REBOOT:
        return len(words) >= 2
    if len(words) < 6:
        return False
    try:
        unixcron.parse(" ".join(words[:5]))
    except CronSyntaxError:
        return False
    return True


# --------------------------------------------------------------------------- workflow


def parse(files: Sequence[SourceFile], options: ImportOptions) -> Workflow:
    """One root job-net per entry; the bad lines of every file are reported together."""
    names = _display_names([f.path for f in files])
    jobnets: list[JobNet] = []
    findings: list[Finding] = []
    errors: list[InputError] = []
    for source in files:
        result = _FileReader(source, names[source.path]).read()
        jobnets.extend(result.jobnets)
        findings.extend(result.findings)
        errors.extend(result.errors)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
    return Workflow(
        source_system=NAME,
        timezone=options.timezone,
        files=[f.path for f in files],
        children=list(jobnets),
        findings=findings,
        unit_count=len(jobnets),
    )


def _display_names(paths: Sequence[str]) -> dict[str, str]:
    """Base names, lengthened by parent directories only where two inputs would collide."""
    parts = {p: PurePosixPath(p.replace("\\", "/")).parts or (p,) for p in paths}
    depth = dict.fromkeys(paths, 1)
    while True:
        names = {p: "/".join(parts[p][-depth[p] :]) for p in paths}
        uses = Counter(names.values())
        clashing = [p for p in paths if uses[names[p]] > 1]
        growable = [p for p in clashing if depth[p] < len(parts[p])]
        if not growable:
            return names
        for p in growable:
            depth[p] += 1


# --------------------------------------------------------------------------- reading a file


@dataclass(slots=True)
class _Context:
    """What the lines above an entry set: variables, zone, mail, description."""

    environment: dict[str, str] = field(default_factory=dict)
    shell: str | None = None
    cron_tz: tuple[str, int] | None = None  # value, line; None when unset or set empty
    tz: tuple[str, int] | None = None
    mailto: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def zone(self) -> tuple[str, int] | None:
        """The schedule zone and the line that set it: CRON_TZ, else TZ."""
        return self.cron_tz or self.tz


@dataclass(slots=True)
class _FileResult:
    jobnets: list[JobNet] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


class _FileReader:
    """Reads one crontab top-down; variables apply to the entries below them."""

    def __init__(self, source: SourceFile, display: str) -> None:
        self.path = source.path
        self.display = display
        self.lines = _lines(source.text)
        self.missing_final_newline = bool(source.text) and not source.text.endswith(("\n", "\r"))
        self.context = _Context()
        self.result = _FileResult()
        self.system = False
        self.owner = _spool_owner(source.path)

    def read(self) -> _FileResult:
        self.system = self._detect_user_column()
        for number, line in enumerate(self.lines, start=1):
            try:
                self._line(number, line)
            except InputError as err:
                self.result.errors.append(err)
        return self.result

    def _detect_user_column(self) -> bool:
        if _system_by_path(self.path):
            return True
        entries = [_tokens(line) for line in self.lines if self._is_entry_line(line)]
        if not _has_user_column(entries):
            return False
        first = next(n for n, line in enumerate(self.lines, start=1) if self._is_entry_line(line))
        self._finding(
            Severity.INFO,
            SYSTEM_BY_CONTENT,
            "read as a system crontab (user column before the command) because every entry has a "
            "user name in the sixth field; if these are commands, the file is a user crontab",
            self.display,
            first,
        )
        return True

    @staticmethod
    def _is_entry_line(line: str) -> bool:
        stripped = line.strip()
        return bool(stripped) and not stripped.startswith("#") and not _ENV_LINE.fullmatch(line)

    def _line(self, number: int, line: str) -> None:
        stripped = line.strip()
        if not stripped:
            self.context.comments.clear()
        elif stripped.startswith("#"):
            self._comment(number, stripped[1:].strip())
        elif (assignment := _assignment(line, number, self.path)) is not None:
            self.context.comments.clear()  # a comment above a variable describes the variable
            self._assign(number, assignment)
        else:
            self._entry(number, line)

    # ---- comments and variables

    def _comment(self, number: int, body: str) -> None:
        if _TEMPLATE_LINE.match(body):
            self.context.comments.clear()  # the stock header explains the format, no entry
        elif _looks_like_entry(body):
            self.context.comments.clear()  # the comments above described the disabled entry
            self._finding(
                Severity.INFO,
                COMMENTED_OUT,
                f"commented-out entry is not migrated: {body}",
                self.display,
                number,
            )
        elif body.strip("#-=* "):
            self.context.comments.append(body)

    def _assign(self, number: int, assignment: _Assignment) -> None:
        name, value = assignment.name, assignment.value
        if name in _SCHEDULE_ZONE_VARS and value:
            self._check_zone(number, assignment)
        if _VARIABLE_REFERENCE.search(value):
            self._finding(
                Severity.INFO,
                UNEXPANDED_VARIABLE,
                f"{name}={value}: cron assigns the text literally and never expands $NAME; the "
                "command saw exactly this value",
                self.display,
                number,
            )
        if name == "SHELL":
            self.context.shell = value
        elif name == "CRON_TZ":
            self.context.cron_tz = (value, number) if value else None
        elif name == "MAILTO":
            self._mailto(number, value)
        else:
            self._environment(number, name, value)

    def _check_zone(self, number: int, assignment: _Assignment) -> None:
        try:
            zoneinfo.ZoneInfo(assignment.value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: `America` is a folder
            raise InputError(
                self.path,
                number,
                assignment.value_column,
                f"unknown time zone {assignment.value!r} in {assignment.name}",
            ) from None

    def _mailto(self, number: int, value: str) -> None:
        self.context.mailto = value
        if value:
            self._finding(
                Severity.INFO,
                MAILTO,
                f"MAILTO={value}: cron mailed the output of the entries below; route job output and "
                "failures to a notification (SNS) instead",
                self.display,
                number,
            )

    def _environment(self, number: int, name: str, value: str) -> None:
        self.context.environment[name] = value
        if name == "TZ":
            self.context.tz = (value, number) if value else None
            if self.context.cron_tz is None and value:
                self._finding(
                    Severity.WARNING,
                    TZ_AS_SCHEDULE_ZONE,
                    f"TZ={value} is taken as the time zone of the entries below; cronie schedules "
                    "by CRON_TZ only and merely passes TZ to the command: confirm the zone the "
                    "daemon used",
                    self.display,
                    number,
                )
        elif name == "RANDOM_DELAY":
            self._finding(
                Severity.WARNING,
                RANDOM_DELAY,
                f"RANDOM_DELAY={value}: cronie started each entry below up to {value} minutes late at "
                "random; the AWS schedules start on time unless given a flexible time window",
                self.display,
                number,
            )

    # ---- entries

    def _entry(self, number: int, line: str) -> None:
        description = "\n".join(self.context.comments) or None
        self.context.comments.clear()
        entry = _EntryParser(self.path, number, line, self.system).parse()
        net = self._jobnet(number, line, entry, description)
        self.result.jobnets.append(net)
        self._entry_findings(number, net, entry)

    def _jobnet(self, number: int, line: str, entry: _Entry, description: str | None) -> JobNet:
        name = f"{self.display}:{number}"
        source = Source(file=self.path, line=number, column=1)
        raw = [RawParam(key="entry", value=line, line=number)]
        zone = self.context.zone
        command = Command(
            text=entry.command,
            platform="unix",
            os_user=entry.user or self.owner,
            environment=list(self.context.environment.items()),
            stdin=entry.stdin,
            shell=self.context.shell,
        )
        job = Job(
            name=JOB_NAME,
            path=f"{name}/{JOB_NAME}",
            kind="command",
            unit_type="command",
            command=command,
            source=Source(file=self.path, line=number, column=entry.command_column),
            raw=[RawParam(key="command", value=line[entry.command_column - 1 :].strip(), line=number)],
        )
        return JobNet(
            name=name,
            path=name,
            unit_type="system-entry" if self.system else "entry",
            description=description,
            children=[job],
            schedule=self._schedule(number, entry, zone),
            timezone=zone[0] if zone else None,
            metadata=self._metadata(entry),
            source=source,
            raw=raw,
        )

    def _schedule(self, number: int, entry: _Entry, zone: tuple[str, int] | None) -> list[ScheduleRule]:
        if entry.cron is None:
            return []
        raw = [RawParam(key="schedule", value=entry.when, line=number)]
        if zone is not None:
            variable = "CRON_TZ" if self.context.cron_tz else "TZ"
            raw.append(RawParam(key=variable, value=zone[0], line=zone[1]))
        return [
            ScheduleRule(
                date=entry.cron.to_ir(),
                times=[],
                timezone=zone[0] if zone else None,
                source=Source(file=self.path, line=number, column=entry.when_column),
                raw=raw,
            )
        ]

    def _metadata(self, entry: _Entry) -> dict[str, str]:
        metadata = {"crontab": "system" if self.system else "user"}
        if self.context.mailto is not None:
            metadata["mailto"] = self.context.mailto
        if entry.no_log:
            metadata["syslog"] = "off"  # cronie's leading `-`
        return metadata

    def _entry_findings(self, number: int, net: JobNet, entry: _Entry) -> None:
        def add(severity: Severity, code: str, message: str) -> None:
            self._finding(severity, code, message, net.path, number)

        if entry.cron is None:
            add(
                Severity.ERROR,
                REBOOT_ENTRY,
                "@reboot runs once when the machine starts; AWS has no such trigger. Start it from "
                "the instance's boot (systemd unit, EC2 user data) or drop it",
            )
        elif not entry.cron.can_fire():
            add(
                Severity.WARNING,
                NEVER_FIRES,
                f"{entry.when}: no date matches the day fields; cron never ran it",
            )
        reasons = _guards(entry.command)
        if reasons:
            add(
                Severity.WARNING,
                RUNTIME_GUARD,
                "the command decides at run time whether to do its work ("
                + "; ".join(reasons)
                + "): the AWS schedule starts it on every day the cron fields allow and the script "
                "keeps deciding; consider moving the rule into a calendar",
            )
        if entry.stdin is not None and _CUT_DATE.search(entry.command):
            add(
                Severity.WARNING,
                CUT_DATE_FORMAT,
                "an unescaped % in a `date +` format ends the command there and sends the rest to stdin "
                "(write \\%); converted the way cron ran it",
            )
        if self.missing_final_newline and number == len(self.lines):
            add(
                Severity.WARNING,
                NO_FINAL_NEWLINE,
                "the file does not end with a newline, so Vixie cron and cronie ignore this last entry; "
                "converted anyway: confirm that it really ran",
            )

    def _finding(self, severity: Severity, code: str, message: str, path: str, number: int) -> None:
        self.result.findings.append(
            Finding(
                severity=severity,
                code=code,
                message=message,
                path=path,
                source=Source(file=self.path, line=number, column=1),
            )
        )


# --------------------------------------------------------------------------- one entry


@dataclass(frozen=True, slots=True)
class _Entry:
    when: str  # the time fields as written, or the @-special
    when_column: int
    cron: CronExpr | None  # None for @reboot
    user: str | None
    command: str
    command_column: int
    stdin: str | None
    no_log: bool


class _EntryParser:
    """`<time fields> [user] command`, with errors at the exact column of the bad token."""

    def __init__(self, path: str, number: int, line: str, system: bool) -> None:
        self.path = path
        self.number = number
        self.line = line
        self.system = system
        self.end_column = len(line.rstrip()) + 1

    def error(self, column: int, message: str) -> InputError:
        return InputError(self.path, self.number, column, message)

    def parse(self) -> _Entry:
        tokens = _tokens(self.line)
        no_log = tokens[0].text.startswith("-") and len(tokens[0].text) > 1
        if no_log:
            tokens[0] = _Token(tokens[0].text[1:], tokens[0].column + 1)
        if tokens[0].text.startswith("="):
            raise self.error(tokens[0].column, "environment assignment without a variable name")
        count = _time_field_count(tokens)
        cron = self._special(tokens[0]) if count == 1 else self._fields(tokens, has_command=len(tokens) > 5)
        rest = tokens[count:]
        user = self._user(rest) if self.system else None
        command_tokens = rest[1:] if self.system else rest
        if not command_tokens:
            raise self.error(self.end_column, "missing command" + (" after the user" if self.system else ""))
        return self._with_command(tokens, count, cron, user, command_tokens[0], no_log)

    def _special(self, token: _Token) -> CronExpr | None:
        if token.text == unixcron.REBOOT:
            return None
        try:
            return unixcron.parse(token.text)
        except CronSyntaxError as err:
            raise self.error(token.column + err.offset, err.message) from None

    def _fields(self, tokens: list[_Token], has_command: bool) -> CronExpr:
        fields = tokens[:5]
        if len(fields) < 5:
            self._check_each(fields, has_command)
            raise self.error(
                self.end_column, f"expected 5 time fields and a command, found {len(fields)} fields"
            )
        first, last = fields[0], fields[-1]
        text = self.line[first.column - 1 : last.column - 1 + len(last.text)]
        try:
            return unixcron.parse(text)
        except CronSyntaxError as err:
            raise self._field_error(fields, first.column + err.offset, err.message, has_command) from None

    def _check_each(self, fields: list[_Token], has_command: bool) -> None:
        for index, token in enumerate(fields):
            try:
                unixcron.parse_field(token.text, index)
            except CronSyntaxError as err:
                raise self._field_error(fields, token.column + err.offset, err.message, has_command) from None

    def _field_error(self, fields: list[_Token], column: int, message: str, has_command: bool) -> InputError:
        """When the bad field is really the command, say that a time field is missing."""
        index = max(i for i, t in enumerate(fields) if t.column <= column)
        token = fields[index]
        if index > 0 and (not has_command or token.text[:1] in "/.~$\"'"):
            return self.error(
                token.column,
                f"expected the {unixcron.FIELDS[index].name} field, found {token.text!r}: "
                "is a time field missing before the command?",
            )
        return self.error(column, message)

    def _user(self, rest: list[_Token]) -> str:
        if not rest:
            raise self.error(
                self.end_column, "missing user and command (system crontab: fields, user, command)"
            )
        user = rest[0]
        if not _USER_COLUMN.fullmatch(user.text):
            raise self.error(
                user.column,
                f"expected a user name before the command (system crontab), found {user.text!r}",
            )
        return user.text

    def _with_command(
        self,
        tokens: list[_Token],
        count: int,
        cron: CronExpr | None,
        user: str | None,
        command_start: _Token,
        no_log: bool,
    ) -> _Entry:
        if command_start.text.startswith("*"):
            raise self.error(command_start.column, "command starts with '*': Unix cron has 5 time fields")
        command, stdin = _split_stdin(self.line[command_start.column - 1 :].rstrip())
        command = command.strip()
        if not command:
            raise self.error(command_start.column, "empty command before '%' (the rest would be stdin)")
        last_time = tokens[count - 1]
        when = self.line[tokens[0].column - 1 : last_time.column - 1 + len(last_time.text)]
        return _Entry(when, tokens[0].column, cron, user, command, command_start.column, stdin, no_log)


# --------------------------------------------------------------------------- lexing


def _lines(text: str) -> list[str]:
    """The lines as cron reads them: each ends at a newline, a CRLF file's carriage return
    dropped. Not str.splitlines, which also breaks at vertical tab, form feed, NEL, the Unicode
    line and paragraph separators and more: cron keeps those inside the entry, and counting
    them as lines put errors past the end of the file."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines[-1] == "":
        lines.pop()  # what follows the final newline (or the empty file)
    return lines


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    column: int  # 1-based


def _tokens(line: str) -> list[_Token]:
    return [_Token(m.group(), m.start() + 1) for m in re.finditer(r"\S+", line)]


# The stock /etc/crontab header `*  *  *  *  * user-name command to be executed` parses as
# an entry but is documentation.
_TEMPLATE_LINE = re.compile(r"(?:\*\s+){4}\*\s+(?:user[-_ ]?name\s+)?command\b", re.IGNORECASE)
_ENV_LINE = re.compile(r"""\s*(?P<name>"[^"]*"|'[^']*'|[^\s="'#@]+)\s*=\s*(?P<value>.*?)\s*""")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE_REFERENCE = re.compile(r"\$\{?[A-Za-z_]")


@dataclass(frozen=True, slots=True)
class _Assignment:
    name: str
    value: str
    value_column: int


def _assignment(line: str, number: int, path: str) -> _Assignment | None:
    """The `NAME=value` on this line, None when the line is not an assignment."""
    match = _ENV_LINE.fullmatch(line)
    if match is None:
        return None
    name = match["name"]
    if name[0] in "\"'":
        name = name[1:-1]
    if not _ENV_NAME.fullmatch(name):
        raise InputError(path, number, match.start("name") + 1, f"invalid environment variable name {name!r}")
    value, column = match["value"], match.start("value") + 1
    if value[:1] in ("'", '"'):
        value = _unquote(value, column, number, path)
    return _Assignment(name, value, column)


def _unquote(value: str, column: int, number: int, path: str) -> str:
    quote = value[0]
    closing = value.find(quote, 1)
    if closing < 0:
        raise InputError(path, number, column, f"unterminated {quote} in the environment value")
    trailing = value[closing + 1 :]
    if trailing:
        extra = column + closing + 1 + len(trailing) - len(trailing.lstrip())
        raise InputError(path, number, extra, "unexpected text after the closing quote")
    return value[1:-1]


def _split_stdin(command: str) -> tuple[str, str | None]:
    """(command, stdin) the way cron splits at the first unescaped `%`."""
    text: list[str] = []
    escaped = False
    for index, char in enumerate(command):
        if escaped:
            escaped = False
            if char == "%":
                text[-1] = "%"  # `\%` stands for a literal percent
                continue
        elif char == "\\":
            escaped = True
        elif char == "%":
            return "".join(text), _stdin(command[index + 1 :])
        text.append(char)
    return "".join(text), None


def _stdin(data: str) -> str | None:
    """Unescaped `%` are newlines, `\\%` is `%`; other backslashes stay."""
    if not data:
        return None
    return re.sub(r"\\%|%", lambda m: "%" if m.group() == "\\%" else "\n", data)


# --------------------------------------------------------------------------- file kind

_USER_COLUMN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?")
_PLAUSIBLE_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}\$?")
# First words of commands that also look like user names; they must not make a user
# crontab pass for a system one.
# What follows a user name is a command; options, quoted text and numbers are arguments,
# so the word before them was the command.
_ARGUMENT_STARTS: Final = ("-", "'", '"', ">", "<", "|", "&", ";", *"0123456789")
_COMMAND_WORDS_TEXT = """
    awk bash cat cd chmod chown cp curl date docker echo env exec export false find flock git grep
    gzip if ionice java kill kubectl ksh ln logger logrotate ls mail mailx make mkdir mv mysql nice
    node nohup perl pg_dump php printf psql python python2 python3 rm rsync ruby run-parts scp sed
    service set sh sleep source sqlplus ssh su sudo systemctl tar tee test timeout touch true wall
    wget xargs zsh
"""
_COMMAND_WORDS: Final = frozenset(_COMMAND_WORDS_TEXT.split())


def _system_by_path(path: str) -> bool:
    parts = PurePosixPath(path.replace("\\", "/")).parts
    directories, name = parts[:-1], parts[-1] if parts else ""
    return (name == "crontab" and "etc" in directories) or any(d.endswith("cron.d") for d in directories)


def _spool_owner(path: str) -> str | None:
    """The user a spool crontab belongs to: cron names the file after its owner."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if len(parts) >= 3 and (parts[-3:-1] == ("cron", "crontabs") or parts[-3:-1] == ("spool", "cron")):
        return parts[-1]
    return None


def _time_field_count(tokens: Sequence[_Token]) -> int:
    return 1 if tokens[0].text.startswith("@") else 5


def _has_user_column(entries: Sequence[list[_Token]]) -> bool:
    """Every entry has a plausible user name where the command would start, and a command after."""

    def plausible(tokens: list[_Token]) -> bool:
        at = _time_field_count(tokens)
        if len(tokens) < at + 2:
            return False
        word, following = tokens[at].text, tokens[at + 1].text
        return (
            bool(_PLAUSIBLE_USER.fullmatch(word))
            and word not in _COMMAND_WORDS
            and not following.startswith(_ARGUMENT_STARTS)
        )

    return bool(entries) and all(plausible(tokens) for tokens in entries)


# --------------------------------------------------------------------------- run-time guards

_CONDITIONAL = re.compile(r"&&|\|\||\bif\b|\btest\b|\[")
_DATE_GUARDS: Final = (
    (
        re.compile(r"\bdate\b[^|;&]*(?:-d|--date)[= ]*['\"]?(?:tomorrow|\+ ?1 ?days?)"),
        "compares tomorrow's date (last-day-of-month idiom)",
    ),
    (re.compile(r"\bdate\b[^|;&]*\+['\"]?%[uwaA]"), "tests the weekday with date +%u/%w/%a"),
    (re.compile(r"\bdate\b[^|;&]*\+['\"]?%[de]\b"), "tests the day of month with date +%d"),
    (re.compile(r"\bdate\b[^|;&]*\+['\"]?%[VUWG]"), "tests the week number with date +%V/%U/%W"),
    (re.compile(r"\bn?cal\b\s"), "reads the month calendar with cal"),
)
_HOLIDAY_GUARD = re.compile(r"holiday|business_?day|bizday|workday|kyujitsu|eigyobi", re.IGNORECASE)
_CUT_DATE = re.compile(r"\bdate\b[^|;&]*\+['\"]?$")


def _guards(command: str) -> list[str]:
    """Why the command looks like it decides at run time whether to do its work."""
    reasons: list[str] = []
    if _CONDITIONAL.search(command):
        reasons = [why for pattern, why in _DATE_GUARDS if pattern.search(command)]
        if reasons and reasons[0].startswith("compares tomorrow"):
            reasons = [r for r in reasons if not r.startswith("tests the day of month")]
    if _HOLIDAY_GUARD.search(command):
        reasons.append("consults a holiday or business-day list")
    return reasons
