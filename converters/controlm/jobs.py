"""A JOB element -> IR `Job`: what runs, where, as whom, with which variables and reruns.

    TASKTYPE Command   Command.text = CMDLINE
    TASKTYPE Job       Command.script = MEMLIB/MEMNAME, arguments from %%PARM1.. variables
    TASKTYPE Dummy     kind "dummy"
    other task types, plug-in APPL_TYPEs   kind "custom", attributes kept in `event` (CTM101)
    CONFIRM=1          kind "manual": an operator confirms before it runs (CTM104)
    NODEID -> host, RUN_AS (older exports: OWNER) -> os_user, DESCRIPTION -> description
    VARIABLE %%NAME    environment NAME; folder variables first, the job's own override them.
                       Control-M substitutes them into the command line before it runs, so
                       the IR command has them substituted too; system variables (%%ODATE,
                       %%$ODATE, %%JOBNAME, ...) stay as written (CTM103).
    MAXRERUN/INTERVAL  Retry (CTM904): not for cyclic jobs, where they count and space cycles
    ON/DOACTION        `ON CODE=NOTOK` + `DOACTION ACTION=OK` ends the job normal whatever its
                       exit code; `ON CODE=COMPSTAT=n` with OK/NOTOK lists codes

Conditions, forced jobs and schedules are read by other modules; every attribute and child
element stays in `raw`, and the settings without IR meaning are in `metadata`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from typing import Final, Literal

from jobmigrate.model import Command, EndJudgment, Job, JobKind, RawParam, Retry, Source

from .findings import Reporter
from .schedule import interval_minutes
from .xmltree import Element

_VARIABLE_REF: Final = re.compile(r"%%([$A-Za-z0-9_#@]+)(\.(?=%%))?")
_PARM: Final = re.compile(r"PARM(\d+)")
_COMPSTAT: Final = re.compile(r"COMPSTAT\s*(?:=|EQ)\s*(\d+)", re.IGNORECASE)
_METADATA_KEYS: Final = (
    "APPLICATION",
    "SUB_APPLICATION",
    "APPL_TYPE",
    "PRIORITY",
    "CRITICAL",
    "MAXWAIT",
    "MAXRERUN",
    "INTERVAL",
    "CYCLIC",
    "CYCLIC_TYPE",
    "IND_CYCLIC",
    "CYCLIC_TOLERANCE",
    "TIMEFROM",
    "TIMETO",
    "TIMEZONE",
    "CONFIRM",
    "RETRO",
    "CREATED_BY",
)
NOTIFICATIONS: Final = frozenset({"SHOUT", "DOMAIL", "DOSHOUT"})
RESOURCES: Final = frozenset({"QUANTITATIVE", "CONTROL"})


@dataclass(frozen=True, slots=True)
class JobContext:
    rep: Reporter
    path: str
    variables: tuple[tuple[str, str], ...]  # inherited from the enclosing folders, outermost first


def read_job(el: Element, name: str, ctx: JobContext) -> Job:
    variables = dict(ctx.variables)
    variables.update(_variables(el))
    kind, command, event = _what_runs(el, variables, ctx)
    if el.get("CONFIRM") == "1":
        kind = "manual"
        ctx.rep.add(
            "CTM104", "CONFIRM=1: an operator confirms the job before it runs", ctx.path, el.file, el.line
        )
    report_side_effects(el, ctx.rep, ctx.path)
    return Job(
        name=name,
        path=ctx.path,
        kind=kind,
        unit_type=el.get("TASKTYPE") or "Job",
        description=el.get("DESCRIPTION") or None,
        command=command,
        end_judgment=_end_judgment(el),
        retry=_retry(el, ctx),
        event=event,
        metadata=_metadata(el),
        source=Source(file=el.file, line=el.line, column=el.column),
        raw=raw_params(el),
    )


def raw_params(el: Element) -> list[RawParam]:
    """Every attribute, then every child element flattened to `TAG: key=value ...`."""
    raw = el.raw()
    for child in el.children:
        raw.extend(_flattened(child, child.tag))
    return raw


def folder_raw(el: Element) -> list[RawParam]:
    """A folder's attributes and its children other than jobs and sub-folders."""
    raw = el.raw()
    for child in el.children:
        if child.tag not in ("JOB", "SUB_FOLDER", "FOLDER", "SMART_FOLDER", "SCHED_TABLE", "SCHED_GROUP"):
            raw.extend(_flattened(child, child.tag))
    return raw


def _flattened(el: Element, key: str) -> list[RawParam]:
    text = " ".join(f"{k}={v}" for k, v in el.attrs.items())
    out = [RawParam(key=key, value=text, line=el.line)]
    for child in el.children:
        out.extend(_flattened(child, f"{key}/{child.tag}"))
    return out


def _variables(el: Element) -> dict[str, str]:
    """VARIABLE children as NAME -> value (the leading %% removed)."""
    return {
        child.get("NAME").removeprefix("%%"): child.attrs.get("VALUE", "")
        for child in el.children
        if child.tag in ("VARIABLE", "AUTOEDIT2") and child.get("NAME")
    }


def folder_variables(el: Element) -> tuple[tuple[str, str], ...]:
    return tuple(_variables(el).items())


# --------------------------------------------------------------------------- what runs


def _what_runs(
    el: Element, variables: dict[str, str], ctx: JobContext
) -> tuple[JobKind, Command | None, dict[str, str]]:
    task = el.get("TASKTYPE").upper() or ("COMMAND" if el.has("CMDLINE") else "JOB")
    appl = el.get("APPL_TYPE").upper()
    if task == "DUMMY":
        return "dummy", None, {}
    if appl in ("", "OS") and task == "COMMAND":
        text = _substituted(el.attrs.get("CMDLINE", ""), variables, "CMDLINE", el, ctx)
        return "command", _command(el, text, variables), {}
    if appl in ("", "OS") and task == "JOB":
        return "command", _script(el, variables, ctx), {}
    # Plug-in jobs (file transfer, database, SAP ...) keep their settings in attributes.
    what = f"APPL_TYPE={el.get('APPL_TYPE')}" if appl not in ("", "OS") else f"TASKTYPE={el.get('TASKTYPE')}"
    ctx.rep.add("CTM101", f"{what} has no AWS executor; kept as a custom job", ctx.path, el.file, el.line)
    return "custom", None, dict(el.attrs)


def _command(el: Element, text: str, variables: dict[str, str]) -> Command:
    return Command(
        text=text,
        host=el.get("NODEID") or None,
        os_user=el.get("RUN_AS") or el.get("OWNER") or None,
        environment=sorted(variables.items()) if variables else [],
        platform="windows" if _windows_path(text) else "any",
    )


def _script(el: Element, variables: dict[str, str], ctx: JobContext) -> Command:
    library = _substituted(el.attrs.get("MEMLIB", ""), variables, "MEMLIB", el, ctx).strip()
    member = _substituted(el.attrs.get("MEMNAME", ""), variables, "MEMNAME", el, ctx).strip()
    if not member:
        ctx.rep.add("CTM102", "Job without MEMNAME: nothing to run", ctx.path, el.file, el.line)
    separator = "\\" if "\\" in library else "/"
    trimmed = library.rstrip("/\\")
    script = f"{trimmed}{separator}{member}" if library and member else member or library
    parameters = sorted((int(m.group(1)), v) for k, v in variables.items() if (m := _PARM.fullmatch(k)))
    arguments = " ".join(shlex.quote(v) for _, v in parameters) or None
    base = _command(el, "", variables)
    return replace(base, text=None, script=script or None, arguments=arguments, platform=_platform(script))


def _platform(path: str) -> Literal["windows", "any"]:
    return "windows" if _windows_path(path) else "any"


def _windows_path(text: str) -> bool:
    return bool(re.match(r"^\s*(?:[A-Za-z]:\\|\\\\)", text))


def _substituted(text: str, variables: dict[str, str], key: str, el: Element, ctx: JobContext) -> str:
    """Local variables substituted the way Control-M does before it runs the job."""
    if key == "CMDLINE" and not text.strip():
        ctx.rep.add("CTM102", "empty CMDLINE: the job runs nothing", ctx.path, el.file, el.attr_line(key))
    unresolved: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return variables[name]
        unresolved.append(name)
        return match.group(0)

    out = _VARIABLE_REF.sub(replace, text)
    if unresolved:
        names = ", ".join(f"%%{n}" for n in dict.fromkeys(unresolved))
        message = (
            f"{key} refers to {names}: Control-M resolved such variables when it ran the job, the AWS "
            "command receives the text as written; pass the values another way"
        )
        ctx.rep.add("CTM103", message, ctx.path, el.file, el.attr_line(key))
    return out


# --------------------------------------------------------------------------- end and rerun


def _end_judgment(el: Element) -> EndJudgment:
    success: list[int] = []
    failure: list[int] = []
    always_normal = False
    for on in (c for c in el.children if c.tag == "ON"):
        code = on.get("CODE")
        for action in (a for a in on.children if a.tag == "DOACTION"):
            verdict = action.get("ACTION").upper()
            compstat = _COMPSTAT.fullmatch(code)
            if code.upper() == "NOTOK" and verdict == "OK":
                always_normal = True
            elif compstat and verdict in ("OK", "NOTOK"):
                (success if verdict == "OK" else failure).append(int(compstat.group(1)))
    if always_normal:
        return EndJudgment(mode="always_normal")
    return EndJudgment(success_codes=sorted(set(success)), failure_codes=sorted(set(failure)))


def _retry(el: Element, ctx: JobContext) -> Retry | None:
    text = el.get("MAXRERUN")
    if not text or el.get("CYCLIC") == "1":
        return None
    if not text.isdigit():
        message = f"MAXRERUN: {text!r} is not a number; ignored"
        ctx.rep.add("CTM108", message, ctx.path, el.file, el.attr_line("MAXRERUN"))
        return None
    count = int(text)
    if count == 0:
        return None
    minutes = interval_minutes(el.get("INTERVAL")) or 0
    message = f"MAXRERUN={count} read as up to {count} automatic reruns, {minutes} min apart, after a failure"
    ctx.rep.add("CTM904", message, ctx.path, el.file, el.attr_line("MAXRERUN"))
    return Retry(count=count, interval_minutes=minutes)


def _metadata(el: Element) -> dict[str, str]:
    return {k.lower(): el.get(k) for k in _METADATA_KEYS if el.has(k)}


def report_side_effects(el: Element, rep: Reporter, path: str) -> None:
    """Notifications and resources are not migrated; say so once per job."""
    tags = {c.tag for c in el.children} | {a.tag for c in el.children if c.tag == "ON" for a in c.children}
    notes = sorted(tags & NOTIFICATIONS)
    if notes:
        message = f"{', '.join(notes)} not migrated: add alarms or SNS notifications"
        rep.add("CTM105", message, path, el.file, el.line)
    resources = sorted(tags & RESOURCES)
    if resources:
        message = f"{', '.join(resources)} not migrated: concurrency limits need their own mechanism"
        rep.add("CTM106", message, path, el.file, el.line)
    for on in (c for c in el.children if c.tag == "ON"):
        for action in on.children:
            if not _has_meaning(on, action):
                what = " ".join(f"{k}={v}" for k, v in action.attrs.items())
                message = (
                    f"ON STMT={on.get('STMT')} CODE={on.get('CODE')}: <{action.tag} {what}> kept as data"
                )
                rep.add("CTM110", message, path, action.file, action.line)
    maxwait = el.get("MAXWAIT")
    if maxwait.isdigit() and int(maxwait) > 0 and _waits(el):
        message = (
            f"MAXWAIT={maxwait}: Control-M kept the job waiting for its conditions up to {maxwait} "
            "more day(s); the state machine waits within one execution only"
        )
        rep.add("CTM107", message, path, el.file, el.attr_line("MAXWAIT"))


def _has_meaning(on: Element, action: Element) -> bool:
    """Actions other modules turn into IR: forced jobs, conditions, end status, notifications."""
    if action.tag in ("DOFORCEJOB", "DOCOND") or action.tag in NOTIFICATIONS:
        return True
    if action.tag != "DOACTION" or action.get("ACTION").upper() not in ("OK", "NOTOK"):
        return False
    code = on.get("CODE")
    ends_normal = code.upper() == "NOTOK" and action.get("ACTION").upper() == "OK"
    return ends_normal or bool(_COMPSTAT.fullmatch(code))


def _waits(el: Element) -> bool:
    return any(c.tag == "INCOND" for c in el.children)
