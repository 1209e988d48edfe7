"""Every JP1/AJS3 unit type (`ty=`), what it is, and how the IR holds it.

An explicit table, because the type code does not tell its nature: `rj` is the recovery twin
of `j`, but `rc` (start condition) and `rm` (remote jobnet) are not recovery types at all, so
`ty.startswith("r")` would be wrong (legacy-formats.md 1.3). Types follow the Command Reference
unit definition chapter (JP1/AJS3 V12/V13, "ty=" parameter list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from jobmigrate.model import JobKind

Category = Literal[
    "group",  # job group, planning group, manager job group -> Folder
    "jobnet",  # jobnet, recovery/remote/manager/host-link jobnet -> JobNet
    "condition",  # `.CONDITION` start-condition container -> JobNet.start_condition
    "connector",  # jobnet connector -> Job(kind="connector")
    "executable",  # runs a program -> Job
    "control",  # judgment job, OR job -> Job
    "event",  # waits for something -> Job(kind="event_wait")
    "action",  # sends something -> Job(kind="action")
]
Platform = Literal["unix", "windows", "any"]


@dataclass(frozen=True, slots=True)
class UnitType:
    code: str
    category: Category
    recovery: bool
    kind: JobKind | None  # IR job kind; None for containers
    platform: Platform
    plannable: bool  # can later stages turn it into AWS resources?
    title: str

    @property
    def is_container(self) -> bool:
        return self.category in ("group", "jobnet", "condition")

    @property
    def is_job(self) -> bool:
        return not self.is_container


def _pair(
    code: str,
    category: Category,
    kind: JobKind,
    platform: Platform,
    plannable: bool,
    title: str,
    recovery_code: str,
) -> tuple[UnitType, UnitType]:
    """A type and its recovery twin, which only runs when its predecessor ends abnormally."""
    return (
        UnitType(code, category, False, kind, platform, plannable, title),
        UnitType(recovery_code, category, True, kind, platform, plannable, f"recovery {title}"),
    )


_CONTAINERS: Final = (
    UnitType("g", "group", False, None, "any", True, "job group (gty=p: planning group)"),
    UnitType("mg", "group", False, None, "any", False, "manager job group (link to another manager)"),
    UnitType("n", "jobnet", False, None, "any", True, "jobnet (root under a group, else nested)"),
    UnitType("rn", "jobnet", True, None, "any", True, "recovery jobnet"),
    UnitType("rm", "jobnet", False, None, "any", False, "remote jobnet (runs on another manager)"),
    UnitType("rr", "jobnet", True, None, "any", False, "remote recovery jobnet"),
    UnitType("mn", "jobnet", False, None, "any", False, "manager jobnet (link to another manager)"),
    UnitType("hln", "jobnet", False, None, "any", False, "host-link jobnet"),
    UnitType("rc", "condition", False, None, "any", True, "start condition (.CONDITION)"),
    UnitType("nc", "connector", False, "connector", "any", True, "jobnet connector"),
)

_PAIRS: Final = (
    # executables
    _pair("j", "executable", "command", "unix", True, "UNIX job", "rj"),
    _pair("pj", "executable", "command", "windows", True, "PC job", "rp"),
    _pair("qj", "executable", "command", "any", True, "QUEUE job", "rq"),
    _pair("fxj", "executable", "command", "any", True, "flexible job", "rfxj"),
    _pair("cj", "executable", "custom", "unix", False, "custom UNIX job (cty= class)", "rcj"),
    _pair("cpj", "executable", "custom", "windows", False, "custom PC job (cty= class)", "rcpj"),
    _pair("htpj", "executable", "custom", "any", False, "HTTP connection job", "rhtpj"),
    # control
    _pair("jdj", "control", "judgment", "any", True, "judgment job", "rjdj"),
    _pair("orj", "control", "or_join", "any", True, "OR job", "rorj"),
    # event / wait
    _pair("evwj", "event", "event_wait", "any", True, "JP1 event reception monitoring job", "revwj"),
    _pair("flwj", "event", "event_wait", "any", True, "file monitoring job", "rflwj"),
    _pair("mlwj", "event", "event_wait", "any", False, "email reception monitoring job", "rmlwj"),
    _pair("mqwj", "event", "event_wait", "any", False, "message-queue reception monitoring job", "rmqwj"),
    _pair("mswj", "event", "event_wait", "windows", False, "MSMQ reception monitoring job", "rmswj"),
    _pair("lfwj", "event", "event_wait", "any", False, "log file monitoring job", "rlfwj"),
    _pair("ntwj", "event", "event_wait", "windows", False, "Windows event-log monitoring job", "rntwj"),
    _pair("tmwj", "event", "event_wait", "any", True, "execution interval control job (timer)", "rtmwj"),
    # actions
    _pair("evsj", "action", "action", "any", True, "JP1 event sending job", "revsj"),
    _pair("mlsj", "action", "action", "any", True, "email sending job", "rmlsj"),
    _pair("mqsj", "action", "action", "any", False, "message-queue sending job", "rmqsj"),
    _pair("mssj", "action", "action", "windows", False, "MSMQ sending job", "rmssj"),
    _pair("cmsj", "action", "action", "any", False, "JP1/Cm2 status notification job", "rcmsj"),
    _pair("pwlj", "action", "action", "any", False, "local power control job", "rpwlj"),
    _pair("pwrj", "action", "action", "any", False, "remote power control job", "rpwrj"),
)

UNIT_TYPES: Final[dict[str, UnitType]] = {
    t.code: t for t in (*_CONTAINERS, *(t for pair in _PAIRS for t in pair))
}


def lookup(code: str) -> UnitType | None:
    return UNIT_TYPES.get(code)


def is_recovery(code: str) -> bool:
    t = UNIT_TYPES.get(code)
    return t is not None and t.recovery
