"""IR -> JP1/AJS3 unit definitions (syntax tree); `printer.print_units` turns them into text.

The inverse of the reader for everything the IR interprets: folders with their calendars,
jobnets with schedule rules, arrows, start conditions and waits, jobs with commands, end
judgment, retry, timeout, judgment and event parameters. Reading the written text gives the
same IR again (sources, raw parameters and findings aside); `test_jp1_semantics` checks it with
random definitions. Layout (`el`) is regenerated on a simple grid, which JP1/AJS3 - View accepts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from jobmigrate.model import (
    Calendar,
    Command,
    DateExpr,
    DayOfMonth,
    DaysFromStart,
    DelayMonitor,
    ExternalDependency,
    Folder,
    Job,
    JobNet,
    Judgment,
    LastDay,
    RawParam,
    RegistrationDate,
    ScheduleRule,
    StartTime,
    Undefined,
    WeekdayInMonth,
    Workflow,
)

from .printer import format_value
from .syntax import Param, Scalar, Tuple, UnitDef, Value

_COUNTING_SIGN: Final = {"calendar": "", "relative": "+", "open": "*", "closed": "@"}
_SHIFT: Final = {"before": "be", "after": "af", "cancel": "ca", "none": "no"}
_CFTD: Final = {"open_before": "be", "open_after": "af", "days_before": "db", "days_after": "da"}
_CYCLE: Final = {"year": "y", "month": "m", "week": "w", "day": "d"}
_DELAY_REF: Final = {"root": "M", "upper": "U", "self": "C"}
_END_MODES: Final = {
    "code": "cod",
    "always_normal": "nm",
    "always_abnormal": "ab",
    "file_modified": "mdf",
    "file_exists": "exf",
}
_TIMEOUT: Final = {"kill": "kl", "normal": "nr", "warning": "wr", "abnormal": "an"}
_JP1_USERS: Final = {"registering-user": "ent", "owner": "def"}
_CONNECTOR_CONDITION: Final = "jobnet connector"
_METADATA_KEYS: Final = ("rg", "ni", "cd", "de", "mp", "rh", "ncl", "ncn", "ncs", "ncex", "nchn", "ncsv")


def write_workflow(workflow: Workflow) -> list[UnitDef]:
    """Top-level unit definitions for every folder and root jobnet of the workflow."""
    calendars = {c.name: c for c in workflow.calendars}
    writer = _Writer(calendars)
    return [writer.top(node) for node in workflow.children]


class _Writer:
    def __init__(self, calendars: dict[str, Calendar]) -> None:
        self.calendars = calendars

    def top(self, node: Folder | JobNet) -> UnitDef:
        if isinstance(node, Folder):
            return self.folder(node, node.path, scope=None)
        return self.jobnet(node, node.path, is_root=True, scope=None)

    # ----------------------------------------------------------------------- folders

    def folder(self, folder: Folder, name: str, scope: str | None) -> UnitDef:
        params = [_param("ty", folder.unit_type or "g")]
        params += _optional_quoted("cm", folder.description)
        calendar = self.calendars.get(folder.path)
        if calendar is not None:
            params += _calendar_params(calendar)
            scope = calendar.name
        params += _layout(folder.children)
        children = [
            self.folder(c, c.name, scope) if isinstance(c, Folder) else self.jobnet(c, c.name, True, scope)
            for c in folder.children
        ]
        return _unit(name, _owner_fields(folder.raw), params, children)

    # ----------------------------------------------------------------------- jobnets

    def jobnet(self, net: JobNet, name: str, is_root: bool, scope: str | None) -> UnitDef:
        params = [_param("ty", net.unit_type or ("rn" if net.recovery else "n"))]
        params += _optional_quoted("cm", net.description)
        params += _layout(net.children, with_condition=net.start_condition is not None)
        params += [_arrow(e.pred, e.succ, e.kind) for e in net.edges]
        params += _schedule_params(net, is_root)
        if net.calendar is not None and net.calendar != scope and not _rules_have_calendar(net):
            params.append(_param("jc", net.calendar))
        params += _optional("ha", net.hold)
        params += _optional("ms", net.concurrency)
        params += _optional("pr", None if net.priority is None else str(net.priority))
        params += _optional("fd", None if net.expected_minutes is None else str(net.expected_minutes))
        params += _optional_quoted("ex", net.host)
        params += [_param(k, net.metadata[k]) for k in _METADATA_KEYS if k in net.metadata]
        params += _wait_params(d for d in net.external if d.status != "running")
        children: list[UnitDef] = []
        if net.start_condition is not None:
            cond = net.start_condition
            events = [self.job(e) for e in cond.events]
            cond_params = [_param("ty", "rc"), _param("cond", cond.combine), *_layout(cond.events)]
            children.append(_unit(".CONDITION", ("", "", ""), cond_params, events))
        for child in net.children:
            children.append(
                self.job(child) if isinstance(child, Job) else self.jobnet(child, child.name, False, scope)
            )
        owner = (
            net.metadata.get("permission", ""),
            net.metadata.get("owner", ""),
            net.metadata.get("resource_group", ""),
        )
        return _unit(name, owner, params, children)

    # ----------------------------------------------------------------------- jobs

    def job(self, job: Job) -> UnitDef:
        params = [_param("ty", job.unit_type)]
        params += _optional_quoted("cm", job.description)
        if job.command is not None:
            params += _command_params(job.command)
        params += _end_judgment_params(job)
        if job.retry is not None:
            r = job.retry
            params += [
                _param("abr", "y"),
                _param("rec", str(r.count)),
                _param("rei", str(int(r.interval_minutes))),
            ]
            params += _optional("rjs", None if r.rc_from is None else str(r.rc_from))
            params += _optional("rje", None if r.rc_to is None else str(r.rc_to))
        if job.timeout is not None:
            params += [
                _param("etm", str(job.timeout.minutes)),
                _param("ets", _TIMEOUT[job.timeout.status_after]),
            ]
        if job.judgment is not None:
            params += _judgment_params(job.judgment)
        for key, value in job.event.items():
            params.append(_param(key.split(".", 1)[0], value, quoted=True))
        params += _wait_params(d for d in job.external if d.condition != _CONNECTOR_CONDITION)
        if job.hold:
            params.append(_param("ha", "y"))
        params += _optional("pr", None if job.priority is None else str(job.priority))
        return _unit(job.name, _owner_fields(job.raw), params, [])


# --------------------------------------------------------------------------- schedule


def format_date(date: DateExpr) -> str:
    if isinstance(date, RegistrationDate):
        return "en"
    if isinstance(date, Undefined):
        return "ud"
    prefix = ""
    if isinstance(date, DayOfMonth | LastDay | WeekdayInMonth) and date.month is not None:
        prefix = f"{date.month:02d}/"
        if date.year is not None:
            prefix = f"{date.year:04d}/{prefix}"
    if isinstance(date, DayOfMonth):
        return f"{prefix}{_COUNTING_SIGN[date.counting]}{date.day:02d}"
    if isinstance(date, LastDay):
        minus = f"-{date.minus:02d}" if date.minus else ""
        return f"{prefix}{_COUNTING_SIGN[date.counting]}b{minus}"
    if isinstance(date, WeekdayInMonth):
        ordinal = "b" if date.ordinal == -1 else str(date.ordinal)
        return f"{prefix}{'+' if date.relative_weeks else ''}{date.weekday}:{ordinal}"
    raise ValueError(f"JP1 has no form for {date.kind} dates")


def format_start(start: StartTime) -> str:
    return start.hhmm


def format_delay(delay: DelayMonitor) -> str:
    if delay.after_minutes is not None and delay.reference is not None:
        return f"{_DELAY_REF[delay.reference]}{delay.after_minutes}"
    minutes = delay.at_minutes or 0
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_days_from_start(cftd: DaysFromStart) -> list[str]:
    if cftd.mode == "no":
        return ["no"]
    return [_CFTD[cftd.mode], str(cftd.days), str(cftd.max_shift)]


def _schedule_params(net: JobNet, is_root: bool) -> list[Param]:
    if net.inherits_schedule and not is_root:
        return [_param("sd", "0", "ud")]
    params: list[Param] = []
    for rule in net.schedule:
        params += _rule_params(rule, is_root)
    if net.schedule:
        first = net.schedule[0]
        if first.end_date is not None:
            params.append(_param("ed", first.end_date.strftime("%Y/%m/%d")))
        if first.calendar is not None:
            params.append(_param("jc", first.calendar))
        if first.exclusive_jobnet is not None:
            params.append(_param("ejn", first.exclusive_jobnet))
    cond = net.start_condition
    if cond is not None and cond.until is not None:
        rule_no = str(net.schedule[0].number if net.schedule and net.schedule[0].number else 1)
        params.append(_param("wc", rule_no, "un" if cond.max_count is None else str(cond.max_count)))
        params.append(_param("wt", rule_no, cond.until))
    return params


def _rule_params(rule: ScheduleRule, is_root: bool) -> list[Param]:
    n = str(rule.number)
    params = [_param("sd", n, format_date(rule.date))]
    if isinstance(rule.date, Undefined):
        return params
    params += [_param("st", n, format_start(t)) for t in rule.times]
    if rule.cycle is not None:
        params.append(_tuple_param("cy", n, [str(rule.cycle.every), _CYCLE[rule.cycle.unit]]))
    if rule.shift is not None:
        params.append(_param("sh", n, _SHIFT[rule.shift]))
    if rule.shift_limit_days is not None:
        params.append(_param("shd", n, str(rule.shift_limit_days)))
    if rule.days_from_start is not None:
        params.append(_param("cftd", n, *format_days_from_start(rule.days_from_start)))
    if not is_root and rule.parent_rule is not None:
        params.append(_param("ln", n, str(rule.parent_rule)))
    if rule.start_delay is not None:
        params.append(_param("sy", n, format_delay(rule.start_delay)))
    if rule.end_delay is not None:
        params.append(_param("ey", n, format_delay(rule.end_delay)))
    return params


def _rules_have_calendar(net: JobNet) -> bool:
    return bool(net.schedule) and net.schedule[0].calendar is not None


# --------------------------------------------------------------------------- calendars


def _calendar_params(calendar: Calendar) -> list[Param]:
    params: list[Param] = []
    params += [_param("op", w) for w in calendar.open_weekdays]
    params += [_param("cl", w) for w in calendar.closed_weekdays]
    params += [_param("op", d.strftime("%Y/%m/%d")) for d in calendar.open_dates]
    params += [_param("cl", d.strftime("%Y/%m/%d")) for d in calendar.closed_dates]
    base = calendar.base_day
    sdd = f"{base.weekday}:{base.ordinal}" if base.weekday is not None else str(base.day)
    params.append(_param("sdd", sdd))
    params.append(_param("md", "th" if calendar.month_naming == "this" else "ne"))
    minutes = calendar.base_time_minutes
    params.append(_param("stt", f"{minutes // 60:02d}:{minutes % 60:02d}"))
    return params


# --------------------------------------------------------------------------- job parts


def _command_params(cmd: Command) -> list[Param]:
    params: list[Param] = []
    for key, value in (("te", cmd.text), ("sc", cmd.script), ("prm", cmd.arguments)):
        params += _optional_quoted(key, value)
    params += [_param("env", f"{name}={value}", quoted=True) for name, value in cmd.environment]
    for key, value in (
        ("ev", cmd.environment_file),
        ("wkp", cmd.working_directory),
        ("si", cmd.stdin),
        ("so", cmd.stdout),
        ("se", cmd.stderr),
        ("ex", cmd.host),
        ("un", cmd.os_user),
    ):
        params += _optional_quoted(key, value)
    if cmd.stdout_append:
        params.append(_param("soa", "add"))
    if cmd.stderr_append:
        params.append(_param("sea", "add"))
    if cmd.jp1_user in _JP1_USERS:
        params.append(_param("eu", _JP1_USERS[cmd.jp1_user]))
    return params


def _end_judgment_params(job: Job) -> list[Param]:
    end = job.end_judgment
    params: list[Param] = []
    if end.mode != "code":
        params.append(_param("jd", _END_MODES[end.mode]))
    params += _optional_quoted("jdf", end.file)
    params += _optional("wth", None if end.warning_threshold is None else str(end.warning_threshold))
    if end.abnormal_threshold:
        params.append(_param("tho", str(end.abnormal_threshold)))
    return params


def _judgment_params(j: Judgment) -> list[Param]:
    params = [_param("ej", j.raw or j.op)]
    numbers = {"ejc": j.value, "ejl": j.low, "ejh": j.high}
    if j.op == "variable":
        numbers = {"eji": j.value, "ejs": j.low, "ejg": j.high}
    for key, value in numbers.items():
        params += _optional(key, None if value is None else str(value))
    params += _optional_quoted("ejf", j.file)
    params += _optional("ejv", j.variable)
    params += _optional_quoted("ejt", j.text)
    if j.raw in ("vri", "vro"):
        params.append(_param("ejm", "ge" if j.low_inclusive else "gt"))
        params.append(_param("eju", "le" if j.high_inclusive else "lt"))
    return params


def _wait_params(deps: Iterable[ExternalDependency]) -> list[Param]:
    params: list[Param] = []
    options: str | None = None
    mode = "all"
    for d in deps:
        params.append(_param("eun", d.target))
        options, mode = d.condition, d.mode
    if params:
        if mode == "any":
            params.append(_param("mm", "or"))
        for option in (options or "").split(";"):
            key, sep, value = option.partition("=")
            if sep:
                params.append(_param(key, value))
    return params


# --------------------------------------------------------------------------- building blocks


def _param(key: str, *texts: str, quoted: bool = False) -> Param:
    values: list[Value] = [Scalar(text=t, quoted=quoted) for t in texts]
    return Param(key=key, values=values, raw=",".join(format_value(v) for v in values), line=0, column=0)


def _tuple_param(key: str, rule: str, items: list[str]) -> Param:
    values: list[Value] = [Scalar(text=rule), Tuple(items=[(None, i) for i in items])]
    return Param(key=key, values=values, raw=",".join(format_value(v) for v in values), line=0, column=0)


def _arrow(pred: str, succ: str, kind: str) -> Param:
    relation = "con" if kind == "conditional" else "seq"
    value = Tuple(items=[("f", pred), ("t", succ), (None, relation)])
    return Param(key="ar", values=[value], raw=format_value(value), line=0, column=0)


def _optional(key: str, text: str | None) -> list[Param]:
    return [] if text is None else [_param(key, text)]


def _optional_quoted(key: str, text: str | None) -> list[Param]:
    return [] if text is None else [_param(key, text, quoted=True)]


def _layout(children: Iterable[Folder | JobNet | Job], with_condition: bool = False) -> list[Param]:
    """`el=name,type,+H +V` on a grid of 8 columns, the `.CONDITION` icon first when present."""
    entries = [(".CONDITION", "rc")] if with_condition else []
    entries += [(c.name, c.unit_type or _default_type(c)) for c in children]
    return [
        _param("el", name, code, f"+{80 + (i % 8) * 160} +{48 + (i // 8) * 96}")
        for i, (name, code) in enumerate(entries)
    ]


def _default_type(node: Folder | JobNet | Job) -> str:
    if isinstance(node, Folder):
        return "g"
    if isinstance(node, JobNet):
        return "rn" if node.recovery else "n"
    return "rj" if node.recovery else "j"


def _owner_fields(raw: Iterable[RawParam]) -> tuple[str, str, str]:
    """(permission, owner, resource group) from the `unit` entry the reader puts first in `raw`."""
    for entry in raw:
        if entry.key == "unit":
            fields = entry.value.split(",")
            if len(fields) == 4:
                return fields[1], fields[2], fields[3]
    return "", "", ""


def _unit(name: str, owner: tuple[str, str, str], params: list[Param], children: list[UnitDef]) -> UnitDef:
    permission, jp1_owner, group = owner
    return UnitDef(
        name=name,
        permission=permission,
        owner=jp1_owner,
        resource_group=group,
        params=params,
        children=children,
    )
