"""The intermediate representation (IR) every importer produces and the planner consumes.

One typed model for all legacy systems: a workflow holds folders (JP1 job groups, Control-M
folders), folders hold job-nets, job-nets hold jobs and nested job-nets, edges order siblings.
Every node keeps where it came from (`Source`) and the raw parameters it was read from, so
findings and reports can point at the legacy line and nothing is lost by normalising early.

Time is kept as (business date, offset): a `StartTime` is minutes from the start of the
business day it belongs to, which may exceed 24h (JP1 `st=25:30`) and may be relative to the
calendar's base time (JP1 `st=+05:00`, Control-M new-day time).

The nodes are slotted dataclasses, keyword-only, and only `Workflow`, the boundary every import
returns and every IR file is read into, is a pydantic model. A large export holds hundreds of
thousands of nodes: as models they cost about 1 KB each (an instance dict and a set of the
fields given), as slotted dataclasses a fifth of that, and they are built several times faster.
Pydantic still validates them when a workflow is read from data (`Workflow.model_validate`),
serialises them and describes them in the JSON Schema, with this module's config (extra keys
forbidden). Built in code they are not validated: the types are checked statically instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

_CONFIG = ConfigDict(extra="forbid", validate_assignment=False, populate_by_name=True)


class IRModel(BaseModel):
    model_config = _CONFIG


class _Node:
    """Base of the IR dataclasses: pydantic validates them with this config wherever they are
    read from data, inside a Workflow or on their own (`TypeAdapter(Job)`)."""

    __slots__ = ()
    __pydantic_config__ = _CONFIG


# Fields added after IR dumps were first stored use these to stay out of dumps at their
# defaults: every dump made before them keeps its exact bytes.
def _is_none(value: object) -> bool:
    return value is None


def _is_empty(value: object) -> bool:
    return value == [] or value == {}


def _is_zero(value: object) -> bool:
    return value == 0


# --------------------------------------------------------------------------- provenance


# Frozen: shared freely (one Source per file position, raw parameters by the hundred thousand).
@dataclass(frozen=True, slots=True)
class Source:
    """Where a node or parameter was read: file path as given to the importer, 1-based line."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class RawParam:
    """One legacy parameter exactly as written (key, value text), with its line."""

    key: str
    value: str
    line: int = 0


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(slots=True, kw_only=True)
class Finding(_Node):
    """Something a reviewer must know: an unsupported construct, a chosen interpretation, a loss."""

    severity: Severity
    code: str
    message: str
    path: str = ""
    source: Source | None = None


# --------------------------------------------------------------------------- schedules

Weekday = Literal["mo", "tu", "we", "th", "fr", "sa", "su"]
WEEKDAYS: tuple[Weekday, ...] = ("mo", "tu", "we", "th", "fr", "sa", "su")

DayCounting = Literal["calendar", "relative", "open", "closed"]
"""How a day number is counted inside a (base-day) month.

calendar: the date's day of month (JP1 `15`); relative: n-th day from the base day (`+15`);
open: n-th open (business) day (`*3`); closed: n-th closed day (`@2`).
"""


@dataclass(slots=True, kw_only=True)
class YearMonth(_Node):
    """Optional year/month anchor of a date expression (JP1 `yyyy/mm/` prefix)."""

    year: int | None = None
    month: int | None = None


@dataclass(slots=True, kw_only=True)
class DayOfMonth(YearMonth):
    kind: Literal["day"] = "day"
    day: int
    counting: DayCounting = "calendar"


@dataclass(slots=True, kw_only=True)
class LastDay(YearMonth):
    """Last day of the month (`b`), n days before it (`b-n`), last open (`*b`) or closed (`@b`)."""

    kind: Literal["last_day"] = "last_day"
    counting: DayCounting = "calendar"
    minus: int = 0


@dataclass(slots=True, kw_only=True)
class WeekdayInMonth(YearMonth):
    """n-th (1..5) or last (`ordinal=-1`) given weekday of the month (`mo:2`, `fr:b`)."""

    kind: Literal["weekday"] = "weekday"
    weekday: Weekday
    ordinal: int
    relative_weeks: bool = False


@dataclass(slots=True, kw_only=True)
class RegistrationDate(_Node):
    """JP1 `en`: the day the schedule was registered (start of the first cycle)."""

    kind: Literal["registration"] = "registration"


@dataclass(slots=True, kw_only=True)
class Undefined(_Node):
    """JP1 `ud`: no own schedule; the job-net runs when its parent reaches it."""

    kind: Literal["undefined"] = "undefined"


@dataclass(slots=True, kw_only=True)
class Weekdays(_Node):
    """Any of these weekdays (AutoSys `days_of_week`, Control-M WEEKDAYS, Windows weekly)."""

    kind: Literal["weekdays"] = "weekdays"
    weekdays: list[Weekday]
    months: list[int] | None = None


@dataclass(slots=True, kw_only=True)
class DateList(_Node):
    """Explicit dates (Control-M specific dates, one-off runs)."""

    kind: Literal["dates"] = "dates"
    dates: list[dt.date]


@dataclass(slots=True, kw_only=True)
class CalendarDays(_Node):
    """Every open day of a named calendar (AutoSys `run_calendar`, Control-M DAYSCAL ALL)."""

    kind: Literal["calendar_days"] = "calendar_days"
    calendar: str


@dataclass(slots=True, kw_only=True)
class UnixCron(_Node):
    """A Unix cron day/time selection; fields as written plus their expanded values.

    `dom_or_dow` records the Vixie rule: when both day fields are restricted, a day matches if
    either matches. The expression carries its own times (minutes x hours).
    """

    kind: Literal["unix_cron"] = "unix_cron"
    expression: str
    minutes: list[int]
    hours: list[int]
    days_of_month: list[int]
    months: list[int]
    days_of_week: list[int]  # 0 = Sunday .. 6 = Saturday
    dom_restricted: bool
    dow_restricted: bool

    @property
    def dom_or_dow(self) -> bool:
        return self.dom_restricted and self.dow_restricted


DateExpr = Annotated[
    DayOfMonth
    | LastDay
    | WeekdayInMonth
    | RegistrationDate
    | Undefined
    | Weekdays
    | DateList
    | CalendarDays
    | UnixCron,
    Field(discriminator="kind"),
]


@dataclass(slots=True, kw_only=True)
class StartTime(_Node):
    """A start as an offset from the business day it belongs to.

    minutes may reach 47*60+59 (JP1 48-hour day). `relative` means the offset counts from the
    calendar's base time (JP1 `+hh:mm`), otherwise from 00:00 of the business date.
    """

    minutes: int
    relative: bool = False
    raw: str = ""

    @property
    def hhmm(self) -> str:
        sign = "+" if self.relative else ""
        return f"{sign}{self.minutes // 60:02d}:{self.minutes % 60:02d}"


@dataclass(slots=True, kw_only=True)
class Cycle(_Node):
    """Repeat the date every `every` units, counted from the first date (JP1 `cy`)."""

    every: int
    unit: Literal["day", "week", "month", "year"]


@dataclass(slots=True, kw_only=True)
class Repeat(_Node):
    """Repeat within the day: every `interval_minutes` from the start until `until_minutes`."""

    interval_minutes: int
    until_minutes: int | None = None
    count: int | None = None


ShiftPolicy = Literal["before", "after", "cancel", "none"]
ConfirmShift = Literal["ignore", "next", "previous", "none"]
"""Control-M SHIFT: a date that is not a working day of the confirmation calendar is not run
(`Ignore Job`), moves to the next or previous working day, or runs anyway (`No Confcal`)."""


@dataclass(slots=True, kw_only=True)
class DaysFromStart(_Node):
    """JP1 `cftd`: move a computed date `days` open days (or calendar days) before or after."""

    mode: Literal["no", "open_before", "open_after", "days_before", "days_after"]
    days: int = 1
    max_shift: int = 10


@dataclass(slots=True, kw_only=True)
class DelayMonitor(_Node):
    """Start/end delay alerting (JP1 `sy`/`ey`): absolute time or minutes from a reference."""

    at_minutes: int | None = None
    after_minutes: int | None = None
    reference: Literal["root", "upper", "self"] | None = None
    raw: str = ""


@dataclass(slots=True, kw_only=True)
class ScheduleRule(_Node):
    """One numbered rule; a job-net runs at the union of its rules' instants."""

    number: int = 1
    date: DateExpr
    start_date: dt.date | None = None  # first date the rule may fire (cycle anchor when known)
    end_date: dt.date | None = None  # JP1 `ed`, AutoSys/Control-M validity
    cycle: Cycle | None = None
    times: list[StartTime] = field(default_factory=list)
    repeat: Repeat | None = None
    shift: ShiftPolicy | None = None
    shift_limit_days: int | None = None
    days_from_start: DaysFromStart | None = None
    parent_rule: int | None = None  # JP1 `ln`: belongs to this rule of the parent job-net
    calendar: str | None = None  # JP1 `jc`, Control-M DAYSCAL/CONFCAL, AutoSys run_calendar
    exclude_calendar: str | None = None
    exclusive_jobnet: str | None = None  # JP1 `ejn`
    start_delay: DelayMonitor | None = None
    end_delay: DelayMonitor | None = None
    timezone: str | None = None  # set when the rule carries its own (CRON_TZ, AutoSys timezone)
    # Control-M day criteria. A rule setting any of them is evaluated by calendars.controlm_days:
    # its date recurs in every month of `months`, then `exclude` removes dates, then the
    # confirmation calendar moves them, then `require_any` keeps the dates it shares.
    # Left out of dumps at their defaults, so dumps of other systems' rules stay as they were.
    months: Annotated[list[int] | None, Field(exclude_if=_is_none)] = None  # JAN..DEC mask
    exclude: Annotated[list[ScheduleRule], Field(exclude_if=_is_empty)] = field(
        default_factory=list
    )  # -n -Dn -Ln
    confirm_calendar: Annotated[str | None, Field(exclude_if=_is_none)] = None  # CONFCAL, applied last
    confirm_shift: Annotated[ConfirmShift | None, Field(exclude_if=_is_none)] = None  # SHIFT; None: ignore
    shift_working_days: Annotated[int, Field(exclude_if=_is_zero)] = 0  # SHIFTNUM, in confirm_calendar
    require_any: Annotated[list[ScheduleRule], Field(exclude_if=_is_empty)] = field(
        default_factory=list
    )  # also one of
    source: Source | None = None
    raw: list[RawParam] = field(default_factory=list)


# --------------------------------------------------------------------------- calendars


@dataclass(slots=True, kw_only=True)
class BaseDay(_Node):
    """First day of a scheduling month: a day number, or the n-th given weekday (JP1 `sdd`)."""

    day: int = 1
    weekday: Weekday | None = None
    ordinal: int | None = None


@dataclass(slots=True, kw_only=True)
class HolidaySource(_Node):
    """A python-holidays calendar: country, optional subdivision and categories."""

    country: str
    subdivision: str | None = None
    categories: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class ClosingRule(_Node):
    """A user-written closing rule: fixed yearly range (12-29..01-03) or n-th weekday."""

    kind: Literal["yearly_range", "nth_weekday", "date"]
    start: str = ""  # MM-DD for yearly ranges
    end: str = ""
    weekday: Weekday | None = None
    ordinal: int | None = None
    month: int | None = None
    date: dt.date | None = None


@dataclass(slots=True, kw_only=True)
class Calendar(_Node):
    """Open and closed days plus the day boundary; inherits unspecified days from `parent`.

    Precedence inside one calendar: an explicit date beats a weekday rule; a day that no
    calendar in the chain defines is open.
    """

    name: str
    parent: str | None = None
    open_dates: list[dt.date] = field(default_factory=list)
    closed_dates: list[dt.date] = field(default_factory=list)
    open_weekdays: list[Weekday] = field(default_factory=list)
    closed_weekdays: list[Weekday] = field(default_factory=list)
    holidays: list[HolidaySource] = field(default_factory=list)
    closing_rules: list[ClosingRule] = field(default_factory=list)
    base_day: BaseDay = field(default_factory=BaseDay)
    month_naming: Literal["this", "next"] = "this"
    base_time_minutes: int = 0
    timezone: str | None = None
    source: Source | None = None
    raw: list[RawParam] = field(default_factory=list)


# --------------------------------------------------------------------------- jobs


@dataclass(slots=True, kw_only=True)
class EndJudgment(_Node):
    """How an exit code becomes normal / warning / abnormal.

    rc <= warning_threshold: normal; <= abnormal_threshold: warning (flow continues);
    above: abnormal. `success_codes`/`failure_codes` cover systems that list codes instead.
    """

    mode: Literal["code", "always_normal", "always_abnormal", "file_modified", "file_exists"] = "code"
    warning_threshold: int | None = None
    abnormal_threshold: int = 0
    success_codes: list[int] = field(default_factory=list)
    failure_codes: list[int] = field(default_factory=list)
    file: str | None = None


@dataclass(slots=True, kw_only=True)
class Retry(_Node):
    count: int
    interval_minutes: float = 0
    rc_from: int | None = None
    rc_to: int | None = None


@dataclass(slots=True, kw_only=True)
class Timeout(_Node):
    minutes: int
    status_after: Literal["kill", "normal", "warning", "abnormal"] = "kill"


@dataclass(slots=True, kw_only=True)
class Command(_Node):
    """What an executable job runs, and where and as whom."""

    text: str | None = None  # inline command line or script body
    script: str | None = None  # script or program path
    arguments: str | None = None
    platform: Literal["unix", "windows", "any"] = "any"
    host: str | None = None
    os_user: str | None = None
    jp1_user: str | None = None  # whose JP1 identity runs it (registering user / owner)
    environment: list[tuple[str, str]] = field(default_factory=list)
    environment_file: str | None = None
    working_directory: str | None = None
    stdin: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    stdout_append: bool = False
    stderr_append: bool = False
    shell: str | None = None

    def command_line(self) -> str:
        """The single line an executor should run."""
        if self.text is not None:
            return self.text
        parts = [p for p in (self.script, self.arguments) if p]
        return " ".join(parts)


@dataclass(slots=True, kw_only=True)
class Judgment(_Node):
    """Condition of a judgment job (JP1 `jdj`) on the predecessor's exit code, a file or a variable."""

    op: Literal["gt", "ge", "lt", "le", "eq", "ne", "file_exists", "file_missing", "range", "variable"]
    value: int | None = None
    low: int | None = None
    high: int | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    file: str | None = None
    variable: str | None = None
    text: str | None = None
    raw: str = ""


JobKind = Literal[
    "command",  # runs a command or script on a host
    "judgment",  # branches on a predecessor's result
    "or_join",  # continues when any predecessor ends
    "event_wait",  # waits for a file, event, mail, message, timer
    "action",  # sends an event or mail, power control, ...
    "connector",  # waits for / releases another job-net (cross job-net ordering)
    "dummy",  # does nothing (Control-M Dummy)
    "manual",  # needs a person (Control-M CONFIRM)
    "custom",  # vendor plug-in job (FTP, HTTP, ...), kept as data
]


@dataclass(slots=True, kw_only=True)
class ExternalDependency(_Node):
    """Ordering across job-nets: wait for another unit's end (JP1 connectors and wait
    conditions, Control-M conditions, AutoSys conditions on jobs elsewhere)."""

    target: str
    status: Literal["success", "failure", "done", "running", "not_running", "exit_code"] = "success"
    mode: Literal["all", "any"] = "all"
    date: Literal["same", "previous", "next", "any"] = "same"
    condition: str | None = None
    source: Source | None = None


@dataclass(slots=True, kw_only=True)
class Job(_Node):
    node: Literal["job"] = "job"
    name: str
    path: str
    kind: JobKind = "command"
    unit_type: str = ""  # legacy type as written (JP1 `j`, `pj`, Control-M TASKTYPE ...)
    recovery: bool = False  # runs only when its predecessor ends abnormally
    description: str | None = None
    command: Command | None = None
    end_judgment: EndJudgment = field(default_factory=EndJudgment)
    retry: Retry | None = None
    timeout: Timeout | None = None
    judgment: Judgment | None = None
    event: dict[str, str] = field(default_factory=dict)  # event/action parameters, by legacy key
    metadata: Annotated[dict[str, str], Field(exclude_if=_is_empty)] = field(
        default_factory=dict
    )  # settings kept as data
    external: list[ExternalDependency] = field(default_factory=list)
    hold: bool = False
    priority: int | None = None
    source: Source | None = None
    raw: list[RawParam] = field(default_factory=list)


EdgeKind = Literal["on_success", "on_failure", "on_done", "conditional"]


@dataclass(slots=True, kw_only=True)
class Edge(_Node):
    """`pred` must end (as `kind` says) before `succ` starts; both are sibling names.

    conditional: `succ` is the dependent unit of judgment `pred` and runs only when it is true.
    on_failure: `succ` is a recovery unit run when `pred` ends abnormally.
    """

    pred: str
    succ: str
    kind: EdgeKind = "on_success"
    condition: str | None = None
    source: Source | None = None


@dataclass(slots=True, kw_only=True)
class StartCondition(_Node):
    """Event-driven start (JP1 `.CONDITION`): event jobs combined with and/or, bounded by
    a count (`wc`) and a time window (`wt`)."""

    combine: Literal["and", "or"] = "and"
    events: list[Job] = field(default_factory=list)
    max_count: int | None = None  # None: unlimited
    until: str | None = None  # raw `wt` value
    source: Source | None = None


@dataclass(slots=True, kw_only=True)
class JobNet(_Node):
    node: Literal["jobnet"] = "jobnet"
    name: str
    path: str
    unit_type: str = ""
    recovery: bool = False
    description: str | None = None
    children: list[Annotated[Job | JobNet, Field(discriminator="node")]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    schedule: list[ScheduleRule] = field(default_factory=list)
    inherits_schedule: bool = False  # nested job-net running whenever its parent reaches it
    calendar: str | None = None
    timezone: str | None = None
    start_condition: StartCondition | None = None
    external: list[ExternalDependency] = field(default_factory=list)
    hold: str | None = None  # JP1 `ha`
    concurrency: str | None = None  # JP1 `mp`/`ms`, AutoSys/Control-M equivalents
    priority: int | None = None
    expected_minutes: int | None = None
    host: str | None = None  # default agent for its jobs (JP1 `ex` on a job-net)
    metadata: dict[str, str] = field(default_factory=dict)
    source: Source | None = None
    raw: list[RawParam] = field(default_factory=list)

    def jobs(self) -> Iterator[Job]:
        """Every job below this job-net, depth first in definition order."""
        for child in self.children:
            if isinstance(child, Job):
                yield child
            else:
                yield from child.jobs()

    def child(self, name: str) -> Job | JobNet | None:
        for c in self.children:
            if c.name == name:
                return c
        return None


@dataclass(slots=True, kw_only=True)
class Folder(_Node):
    """A container of job-nets without behaviour of its own: JP1 job group, Control-M folder."""

    node: Literal["folder"] = "folder"
    name: str
    path: str
    unit_type: str = ""
    description: str | None = None
    calendar: str | None = None
    children: list[Annotated[Folder | JobNet, Field(discriminator="node")]] = field(default_factory=list)
    source: Source | None = None
    raw: list[RawParam] = field(default_factory=list)


class Workflow(IRModel):
    """Everything one import produced: the unit tree, calendars, findings."""

    source_system: str
    timezone: str = "Asia/Tokyo"
    files: list[str] = Field(default_factory=list)
    children: list[Annotated[Folder | JobNet, Field(discriminator="node")]] = Field(default_factory=list)
    calendars: list[Calendar] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    unit_count: int = 0  # legacy units read, for the converted + review = total check

    def root_jobnets(self) -> Iterator[JobNet]:
        """Job-nets with no job-net above them, in definition order."""

        def walk(nodes: list[Folder | JobNet]) -> Iterator[JobNet]:
            for n in nodes:
                if isinstance(n, JobNet):
                    yield n
                else:
                    yield from walk(n.children)

        yield from walk(self.children)

    def calendar(self, name: str | None) -> Calendar | None:
        if name is None:
            return None
        for c in self.calendars:
            if c.name == name:
                return c
        return None


Workflow.model_rebuild()


_ADAPTERS: dict[type[_Node], TypeAdapter[Any]] = {}


def _adapter(kind: type[_Node]) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


def dump(node: _Node, **options: Any) -> Any:
    """A node as data, as `Workflow.model_dump` would give it (same options)."""
    return _adapter(type(node)).dump_python(node, **options)


def dump_json(node: _Node, **options: Any) -> str:
    """A node as JSON text, as `Workflow.model_dump_json` would give it (same options)."""
    return _adapter(type(node)).dump_json(node, **options).decode()
