"""Chaining job-nets across state machines: a job-net that waits for others starts on their
"Step Functions Execution Status Change" events.

One rule can list several state machines, which gives "any of". EventBridge cannot AND events:
a job-net that waits for all of several others is started by a join state machine instead
(`join.py`), which the rules on their status changes start. Waiting for all of some and any of
others at once is not planned: reported, and approximated by "any of".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jobmigrate.model import ExternalDependency, Finding, JobNet, Severity, Source
from jobmigrate.plan import Trigger

STATUS_EVENT = "Step Functions Execution Status Change"
STATUSES = {
    "success": ["SUCCEEDED"],
    "failure": ["FAILED", "TIMED_OUT", "ABORTED"],
    "done": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
}


@dataclass(frozen=True, slots=True)
class Wait:
    """A job-net waited for: its root job-net and state machine, and how it must have ended."""

    path: str
    machine: str
    status: str  # a key of STATUSES
    source: Source | None = None


@dataclass(slots=True)
class Chained:
    triggers: list[Trigger] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Not empty: the job-net waits for all of these (two or more); a join state machine starts it.
    join: list[Wait] = field(default_factory=list)


def event_triggers(net: JobNet, machines: dict[str, str]) -> Chained:
    """How `net` starts after the job-nets it waits for; `machines` maps root job-net paths to
    state machine names."""
    found = Chained()
    waits: list[tuple[Wait, ExternalDependency]] = []
    for dep in net.external:
        machine = _machine_of(dep, machines)
        if machine is None:
            found.findings.append(
                _finding(
                    net,
                    dep,
                    Severity.ERROR,
                    "JM401",
                    f"waits for {dep.target}, which this "
                    "conversion does not contain; start it from there or by hand",
                )
            )
            continue
        path, name = machine
        if path != dep.target:
            found.findings.append(
                _finding(
                    net,
                    dep,
                    Severity.WARNING,
                    "JM402",
                    f"waits for unit {dep.target}; the AWS side can only see its job-net {path} end",
                )
            )
        if dep.status not in STATUSES or dep.date != "same":
            found.findings.append(
                _finding(
                    net,
                    dep,
                    Severity.ERROR,
                    "JM403",
                    f"waiting for {dep.status} of {dep.target} ({dep.date} day) is not planned yet",
                )
            )
            continue
        waits.append((Wait(path, name, dep.status, dep.source), dep))
    if not waits:
        return found
    distinct = sorted(
        {(w.machine, w.status): w for w, _ in waits}.values(), key=lambda w: (w.machine, w.status)
    )
    modes = {dep.mode for _, dep in waits}
    if len(distinct) > 1 and modes == {"all"}:
        found.join = distinct
        return found
    if len(distinct) > 1 and len(modes) > 1:
        found.findings.append(
            _finding(
                net,
                waits[0][1],
                Severity.ERROR,
                "JM406",
                "waits for all of some and any of other job-nets ("
                + ", ".join(f"{w.machine} {dep.mode}" for w, dep in waits)
                + "); this is not planned yet, the rule below starts it after any one of them",
            )
        )
    by_status: dict[str, list[str]] = {}
    for w in distinct:
        by_status.setdefault(w.status, []).append(w.machine)
    found.triggers = [
        Trigger(
            kind="event",
            pattern=status_pattern(STATUSES[status], names),
            description="starts when "
            + " or ".join(sorted(set(names)))
            + f" ends ({status}); stateMachineArn lists state machine names",
        )
        for status, names in sorted(by_status.items())
    ]
    return found


def status_pattern(statuses: list[str], machines: list[str]) -> dict[str, object]:
    """The event pattern of the status changes of `machines` (names) to one of `statuses`."""
    return {
        "source": ["aws.states"],
        "detail-type": [STATUS_EVENT],
        "detail": {"status": statuses, "stateMachineArn": sorted(set(machines))},
    }


def _machine_of(dep: ExternalDependency, machines: dict[str, str]) -> tuple[str, str] | None:
    """The root job-net (path, machine) that is, or contains, the unit waited for."""
    target = dep.target.rstrip("/")
    for path in sorted(machines, key=len, reverse=True):
        if target == path or target.startswith(path + "/"):
            return path, machines[path]
    return None


def _finding(net: JobNet, dep: ExternalDependency, severity: Severity, code: str, message: str) -> Finding:
    return Finding(
        severity=severity, code=code, message=message, path=net.path, source=dep.source or net.source
    )
