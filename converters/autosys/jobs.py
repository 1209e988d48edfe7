"""What a job runs and how its end is judged: CMD, FW and plug-in jobs -> IR `Job` fields.

command, machine, owner          -> Command.text, .host, .os_user (the part before `@`)
std_out_file / std_err_file      -> Command.stdout / .stderr; a `>>` prefix appends
std_in_file, profile, envvars    -> Command.stdin, .environment_file, .environment
max_exit_success: N              -> EndJudgment: exit codes 0..N are success
success_codes / fail_codes       -> EndJudgment.success_codes / .failure_codes
n_retrys: N                      -> Retry(count=N)
term_run_time: M                 -> Timeout(M minutes, kill); 0 means no limit
status: on_hold, auto_hold: 1    -> Job.hold
FW/FT watch_file ...             -> kind event_wait, Job.event
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from jobmigrate.errors import InputError
from jobmigrate.model import Command, EndJudgment, Job, JobKind, Retry, Source, Timeout

from .catalog import JobDef
from .findings import Reporter
from .syntax import JOB_ATTRIBUTES, Attr
from .values import collect, flag, integer

COMMAND_TYPES: Final = frozenset({"CMD", "C"})
BOX_TYPES: Final = frozenset({"BOX", "B"})
WATCH_TYPES: Final = frozenset({"FW", "F", "FT"})
WATCH_KEYS: Final = (
    "watch_file",
    "watch_interval",
    "watch_file_min_size",
    "watch_no_change",
    "watch_file_type",
    "watch_file_recursive",
)
COMMAND_KEYS: Final = frozenset(
    {"command", "std_out_file", "std_err_file", "std_in_file", "profile", "envvars", "max_exit_success"}
    | {"success_codes", "fail_codes", "fail_codes_ignore", "ulimit", "elevated", "interactive"}
)
BOX_KEYS: Final = frozenset({"box_success", "box_failure"})
# Read by the tree and schedule passes, or mapped here.
HANDLED: Final = frozenset(
    {
        "job_type",
        "box_name",
        "command",
        "machine",
        "owner",
        "description",
        "condition",
        "date_conditions",
        "days_of_week",
        "start_times",
        "start_mins",
        "run_calendar",
        "exclude_calendar",
        "run_window",
        "timezone",
        "n_retrys",
        "term_run_time",
        "max_exit_success",
        "success_codes",
        "fail_codes",
        "box_success",
        "box_failure",
        "box_terminator",
        "job_terminator",
        "std_out_file",
        "std_err_file",
        "std_in_file",
        "profile",
        "envvars",
        "status",
        "auto_hold",
        "priority",
        *WATCH_KEYS,
    }
)
_STATUSES: Final = frozenset({"inactive", "on_hold", "on_ice", "on_noexec"})
_CODES: Final = re.compile(r"\s*(\d+)(?:\s*-\s*(\d+))?\s*")
_MAX_CODES: Final = 65536
_ENV_SPLIT: Final = re.compile(r",\s*(?=[A-Za-z_][A-Za-z0-9_]*=)")


@dataclass(slots=True)
class Built:
    job: Job
    errors: list[InputError] = field(default_factory=list)


def build_job(job: JobDef, path: str, rep: Reporter) -> Built:
    """The IR job of a non-box definition; value errors are collected, not raised."""
    errors: list[InputError] = []
    kind = _kind(job, path, rep)
    result = Job(
        name=job.name,
        path=path,
        kind=kind,
        unit_type=job.job_type,
        description=job.value("description"),
        command=collect(errors, lambda: _command(job, path, rep)) if kind == "command" else None,
        end_judgment=collect(errors, lambda: _end_judgment(job)) or EndJudgment(),
        retry=collect(errors, lambda: _retry(job, path, rep)),
        timeout=collect(errors, lambda: _timeout(job)),
        event={k: v for k in WATCH_KEYS if (v := job.value(k)) is not None},
        hold=bool(collect(errors, lambda: _held(job, path, rep))),
        priority=collect(errors, lambda: integer(job.last("priority"), 0, 10**6)),
        source=job.head.source,
        raw=[job.head.param(), *(a.param() for a in job.written)],
    )
    report_attributes(job, path, rep)
    return Built(result, errors)


def _kind(job: JobDef, path: str, rep: Reporter) -> JobKind:
    job_type = job.job_type
    if job_type in COMMAND_TYPES:
        return "command"
    if job_type in WATCH_TYPES:
        rep.add(
            "AS1606",
            f"{job_type} job watching {job.value('watch_file') or '(no watch_file)'}: converted as an "
            "event_wait job; its parameters are in Job.event",
            path,
            job.head.source,
        )
        return "event_wait"
    rep.add(
        "AS1605",
        f"job_type {job_type} has no executor mapping; kept as a custom job with its attributes raw",
        path,
        _type_source(job),
    )
    return "custom"


def _type_source(job: JobDef) -> Source:
    attr = job.last("job_type")
    return attr.source if attr is not None else job.head.source


# --------------------------------------------------------------------------- command


def _command(job: JobDef, path: str, rep: Reporter) -> Command | None:
    text = job.value("command")
    if text is None:
        rep.add("AS1608", "CMD job without `command:`; nothing to run", path, job.head.source)
        return None
    stdout, stdout_append = _redirect(job.value("std_out_file"))
    stderr, stderr_append = _redirect(job.value("std_err_file"))
    return Command(
        text=text,
        host=_machine(job, path, rep),
        os_user=_user(job.value("owner")),
        environment=_environment(job),
        environment_file=job.value("profile"),
        stdin=job.value("std_in_file"),
        stdout=stdout,
        stderr=stderr,
        stdout_append=stdout_append,
        stderr_append=stderr_append,
    )


def _redirect(value: str | None) -> tuple[str | None, bool]:
    """A std_out_file value: `>>file` appends, `>file` or `file` truncates."""
    if value is None:
        return None, False
    if value.startswith(">>"):
        return value[2:].strip(), True
    return value.removeprefix(">").strip(), False


def _machine(job: JobDef, path: str, rep: Reporter) -> str | None:
    attr = job.last("machine")
    if attr is None:
        return None
    machines = [m.strip() for m in attr.value.split(",") if m.strip()]
    if len(machines) > 1:
        rep.add(
            "AS1105",
            f"machine {attr.value} lists {len(machines)} machines; AutoSys picks one at run time, "
            f"the conversion runs on {machines[0]}",
            path,
            attr.source,
        )
    return machines[0] if machines else None


def _user(owner: str | None) -> str | None:
    """The OS user of `owner: user@host` (the host names the machine, already in `machine`)."""
    if owner is None:
        return None
    return owner.partition("@")[0] or None


def _environment(job: JobDef) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for attr in job.attrs.get("envvars", []):
        for item in _ENV_SPLIT.split(attr.value):
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise attr.error(f"envvars must be NAME=value, found {item!r}")
            pairs.append((name.strip(), value.strip().strip('"')))
    return pairs


# --------------------------------------------------------------------------- end, retry, timeout


def _end_judgment(job: JobDef) -> EndJudgment:
    threshold = integer(job.last("max_exit_success"), 0, 2**31 - 1)
    return EndJudgment(
        mode="code",
        abnormal_threshold=threshold or 0,
        success_codes=_codes(job.last("success_codes")),
        failure_codes=_codes(job.last("fail_codes")),
    )


def _codes(attr: Attr | None) -> list[int]:
    """`0,3,20-30` as the list of codes it names."""
    if attr is None:
        return []
    codes: set[int] = set()
    for match in re.finditer(r"[^,]+", attr.value):
        item = _CODES.fullmatch(match.group())
        if item is None:
            raise attr.error(
                f"expected exit codes like 0,4,10-20, found {match.group().strip()!r}", match.start()
            )
        low = int(item.group(1))
        high = int(item.group(2) or low)
        if high < low or high - low > _MAX_CODES:
            raise attr.error(
                f"exit code range {match.group().strip()} is reversed or too wide", match.start()
            )
        codes.update(range(low, high + 1))
    return sorted(codes)


def _retry(job: JobDef, path: str, rep: Reporter) -> Retry | None:
    attr = job.last("n_retrys")
    count = integer(attr, 0, 20)
    if attr is None or not count:
        return None
    rep.add(
        "AS1607",
        f"n_retrys {count}: AutoSys restarts the job at once after an application failure (not after "
        f"a kill or a machine failure); converted as {count} immediate "
        + ("retry" if count == 1 else "retries"),
        path,
        attr.source,
    )
    return Retry(count=count, interval_minutes=0)


def _timeout(job: JobDef) -> Timeout | None:
    minutes = integer(job.last("term_run_time"), 0, 527040)
    return Timeout(minutes=minutes, status_after="kill") if minutes else None


def _held(job: JobDef, path: str, rep: Reporter) -> bool:
    status = initial_status(job)
    auto_hold = flag(job.last("auto_hold"))
    if status == "on_hold" or auto_hold:
        why = "status: on_hold" if status == "on_hold" else "auto_hold: 1"
        rep.add("AS1601", f"{why}: the job waits to be released by hand", path, job.head.source)
        return True
    if status in ("on_ice", "on_noexec"):
        rep.add(
            "AS1602",
            f"status: {status}: AutoSys does not run the job and treats conditions on it as met; "
            "converted as a normal job",
            path,
            job.head.source,
        )
    return False


def initial_status(job: JobDef) -> str | None:
    attr = job.last("status")
    if attr is None:
        return None
    status = attr.value.strip().lower()
    if status not in _STATUSES:
        raise attr.error(f"status must be one of {', '.join(sorted(_STATUSES))}; found {attr.value!r}")
    return status


# --------------------------------------------------------------------------- attributes


def report_attributes(job: JobDef, path: str, rep: Reporter) -> None:
    """Findings for attributes that are unknown, not converted, or wrong for the job type."""
    keys = list(job.attrs)
    unknown = [k for k in keys if k not in JOB_ATTRIBUTES]
    kept = [k for k in keys if k in JOB_ATTRIBUTES and k not in HANDLED]
    misplaced = [k for k in keys if k in _foreign_keys(job.job_type)]
    where = job.head.source
    if unknown:
        rep.add("AS1101", "unknown attributes kept raw: " + ", ".join(unknown), path, where)
    if kept:
        rep.add("AS1103", "kept raw, no AWS equivalent: " + ", ".join(kept), path, where)
    if misplaced:
        rep.add(
            "AS1104",
            f"not meaningful on a {job.job_type} job, kept raw: " + ", ".join(misplaced),
            path,
            where,
        )
    terminators = [k for k in ("box_terminator", "job_terminator") if _truthy(job, k)]
    if terminators:
        rep.add(
            "AS1604",
            ", ".join(terminators) + ": AutoSys kills the box or the job when the other fails; kept raw",
            path,
            where,
        )


def _foreign_keys(job_type: str) -> frozenset[str]:
    """Attributes of the other built-in job types, which this type ignores."""
    if job_type in BOX_TYPES:
        return COMMAND_KEYS | frozenset(WATCH_KEYS)
    if job_type in COMMAND_TYPES:
        return BOX_KEYS | frozenset(WATCH_KEYS)
    if job_type in WATCH_TYPES:
        return BOX_KEYS | COMMAND_KEYS
    return BOX_KEYS  # plug-in types have attributes of their own, kept raw


def _truthy(job: JobDef, key: str) -> bool:
    value = job.value(key)
    return value is not None and value.strip().lower() in ("1", "y", "yes", "true")
