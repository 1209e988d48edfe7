"""JIL and autocal_asc text -> records of `key: value` attributes, every one with its position.

The first pass of the importer (legacy-formats.md section 8): nothing is interpreted here beyond
what the grammar needs, so later passes can report any value at its line and column.

Grammar, as exports write it
    - A record starts at a subcommand (`insert_job: NAME`, `update_job:`, `delete_box:` ...) or,
      in calendar exports, at `calendar:`, `extended_calendar:` (`ext_calendar:`) or `cycle:`;
      it ends at the next one.
    - A line holds one or several `key: value` pairs. Only keys this reader knows split a line
      (`insert_job: A   job_type: CMD`); any other `word:` inside a value stays in the value, so
      `command: C:\\bin\\run.exe` and `description: see http://x` survive.
    - Values are bare or double-quoted (`\\"` inside quotes); a value that is one quoted string
      loses its quotes. Quotes do not span lines.
    - Comments: `/* ... */` (may span lines) opening at the start of a line or after a blank,
      so that `rm /tmp/work/*` stays a command; and lines whose first character is `#`.
    - Standard-calendar exports may list dates as bare rows (`01/02/2026 00:00`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from jobmigrate.errors import InputError
from jobmigrate.model import RawParam, Source

JOB_SUBCOMMANDS: Final = frozenset({"insert_job", "update_job", "delete_job", "delete_box", "override_job"})
OTHER_SUBCOMMANDS: Final = frozenset(
    {
        f"{verb}_{noun}"
        for verb in ("insert", "update", "delete")
        for noun in ("machine", "resource", "xinst", "global", "monbro", "user_type", "blob", "glob")
    }
)
CALENDAR_RECORDS: Final = frozenset({"calendar", "extended_calendar", "ext_calendar", "cycle"})
RECORD_KEYS: Final = JOB_SUBCOMMANDS | OTHER_SUBCOMMANDS | CALENDAR_RECORDS
_SUBCOMMAND_PREFIXES: Final = ("insert_", "update_", "delete_", "override_")

_JOB_ATTRIBUTE_TEXT: Final = """
    job_type box_name command machine owner permission description date_conditions days_of_week
    start_times start_mins run_calendar exclude_calendar run_window condition timezone n_retrys
    term_run_time max_exit_success success_codes fail_codes box_success box_failure box_terminator
    job_terminator std_out_file std_err_file std_in_file profile envvars watch_file watch_interval
    watch_file_min_size watch_no_change watch_file_type watch_file_recursive status auto_hold
    auto_delete priority job_load alarm_if_fail alarm_if_terminated min_run_alarm max_run_alarm
    must_start_times must_complete_times send_notification notification_msg notification_id
    notification_template notification_alarm_types notification_emailaddress
    notification_emailaddress_on_alarm notification_emailaddress_on_failure
    notification_emailaddress_on_success notification_emailaddress_on_terminated service_desk
    svcdesk_desc svcdesk_imp svcdesk_pri svcdesk_sev svcdesk_attr group application avg_runtime
    chk_files heartbeat_interval resources ulimit elevated interactive job_class machine_method
    fail_codes_ignore sla_time sla_margin fw_type
"""
JOB_ATTRIBUTES: Final = frozenset(_JOB_ATTRIBUTE_TEXT.split())
"""Keys that split a line when they appear after a blank inside a value."""

_KEY: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):")
_SPLITTERS: Final = RECORD_KEYS | JOB_ATTRIBUTES


@dataclass(frozen=True, slots=True)
class Attr:
    """One `key: value` as written. Columns are 1-based; `value_column` is where `value` starts."""

    key: str  # lower-case
    value: str  # without enclosing quotes
    raw: str  # the value text as written, stripped
    file: str
    line: int
    column: int
    value_column: int

    @property
    def source(self) -> Source:
        return Source(file=self.file, line=self.line, column=self.column)

    def param(self) -> RawParam:
        return RawParam(key=self.key, value=self.raw, line=self.line)

    def error(self, message: str, offset: int = 0) -> InputError:
        """An error about this value, `offset` characters into it."""
        return InputError(self.file, self.line, self.value_column + offset, message)

    def misplaced(self, where: str) -> InputError:
        """An error about the key itself: it does not belong in this kind of record."""
        return InputError(self.file, self.line, self.column, f"`{self.key}:` does not belong in {where}")


@dataclass(frozen=True, slots=True)
class Row:
    """A bare line inside a standard calendar record: a date row."""

    text: str
    file: str
    line: int
    column: int

    def error(self, message: str, offset: int = 0) -> InputError:
        return InputError(self.file, self.line, self.column + offset, message)


@dataclass(slots=True)
class Record:
    """A subcommand (or calendar record) and the attributes and rows that follow it."""

    head: Attr
    attrs: list[Attr] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.head.key

    @property
    def name(self) -> str:
        return self.head.value

    @property
    def file(self) -> str:
        return self.head.file


@dataclass(slots=True)
class Parsed:
    records: list[Record] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def read(text: str, path: str) -> Parsed:
    """Records of one file; every syntax problem is collected with its position."""
    out = Parsed()
    lines = _without_comments(text, path, out.errors)
    current: Record | None = None
    for number, line in enumerate(lines, start=1):
        try:
            current = _line(line, number, path, current, out)
        except InputError as err:
            out.errors.append(err)
    return out


# --------------------------------------------------------------------------- comments


def _without_comments(text: str, path: str, errors: list[InputError]) -> list[str]:
    """The lines with comment characters blanked, so columns stay those of the file."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    open_at: tuple[int, int] | None = None  # where an unclosed `/*` started
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        chars = list(line)
        i = 0
        if open_at is None and line.lstrip().startswith("#"):
            out.append("")
            continue
        in_quote = False
        while i < len(chars):
            if open_at is not None:
                if line.startswith("*/", i):
                    chars[i] = chars[i + 1] = " "
                    open_at = None
                    i += 2
                    continue
                chars[i] = " "
            elif chars[i] == '"' and not _escaped(line, i):
                in_quote = not in_quote
            elif not in_quote and line.startswith("/*", i) and (i == 0 or line[i - 1] in " \t"):
                open_at = (number, i + 1)
                chars[i] = chars[i + 1] = " "
                i += 2
                continue
            i += 1
        out.append("".join(chars))
    if open_at is not None:
        errors.append(InputError(path, open_at[0], open_at[1], "comment `/*` is never closed with `*/`"))
    return out


def _escaped(line: str, i: int) -> bool:
    backslashes = 0
    while i - backslashes - 1 >= 0 and line[i - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


# --------------------------------------------------------------------------- lines


def _line(line: str, number: int, path: str, current: Record | None, out: Parsed) -> Record | None:
    stripped = line.strip()
    if not stripped:
        return current
    start = len(line) - len(line.lstrip())
    if _KEY.match(line, start) is None:
        return _row(stripped, number, start + 1, path, current)
    for attr in _attrs(line, number, path, start):
        try:
            current = _place(attr, path, current, out.records)
        except InputError as err:
            out.errors.append(err)
            if attr.key.startswith(_SUBCOMMAND_PREFIXES):
                # The attributes that follow belong to the unknown subcommand, not to the record
                # before it: collect them in a record nobody reads, so no error is reported twice.
                current = Record(head=attr)
    return current


def _row(text: str, number: int, column: int, path: str, current: Record | None) -> Record | None:
    if current is not None and current.kind == "calendar":
        current.rows.append(Row(text, path, number, column))
        return current
    raise InputError(path, number, column, f"expected `attribute: value`, found {_excerpt(text)!r}")


def _place(attr: Attr, path: str, current: Record | None, records: list[Record]) -> Record:
    if attr.key in RECORD_KEYS:
        record = Record(head=attr)
        records.append(record)
        return record
    if attr.key.startswith(_SUBCOMMAND_PREFIXES):
        raise InputError(path, attr.line, attr.column, f"unknown subcommand `{attr.key}:`")
    if current is None:
        raise InputError(
            path,
            attr.line,
            attr.column,
            f"attribute `{attr.key}:` before any subcommand (insert_job:, update_job:, ...)",
        )
    current.attrs.append(attr)
    return current


def _attrs(line: str, number: int, path: str, start: int) -> list[Attr]:
    """The `key: value` pairs of one line, split at the keys this reader knows."""
    quoted = _quoted_mask(line, number, path)
    starts = [start] + [
        m.start()
        for m in _KEY.finditer(line, start + 1)
        if m.group(1).lower() in _SPLITTERS and not quoted[m.start()] and line[m.start() - 1] in " \t"
    ]
    attrs: list[Attr] = []
    for index, key_at in enumerate(starts):
        match = _KEY.match(line, key_at)
        assert match is not None  # every start was found by this pattern
        end = starts[index + 1] if index + 1 < len(starts) else len(line)
        attrs.append(_attr(line, path, number, match, end))
    return attrs


def _quoted_mask(line: str, number: int, path: str) -> list[bool]:
    """For each character, whether it lies inside double quotes; an open quote is an error."""
    mask = [False] * (len(line) + 1)
    opened: int | None = None
    for i, char in enumerate(line):
        if char == '"' and not _escaped(line, i):
            opened = i if opened is None else None
        mask[i] = opened is not None
    if opened is not None:
        raise InputError(path, number, opened + 1, 'unterminated quote: `"` is never closed on this line')
    return mask


def _attr(line: str, path: str, number: int, match: re.Match[str], end: int) -> Attr:
    after = match.end()
    text = line[after:end]
    lead = len(text) - len(text.lstrip())
    raw = text.strip()
    value_column = after + lead + 1
    value = raw
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"' and _closing_quote(raw) == len(raw) - 1:
        value = raw[1:-1].replace('\\"', '"')
        value_column += 1
    return Attr(match.group(1).lower(), value, raw, path, number, match.start() + 1, value_column)


def _closing_quote(raw: str) -> int:
    for i in range(1, len(raw)):
        if raw[i] == '"' and not _escaped(raw, i):
            return i
    return -1


def _excerpt(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
