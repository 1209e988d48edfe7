"""Chaining job-nets across state machines: a job-net that waits for others starts on their
"Step Functions Execution Status Change" events.

One rule can list several state machines, which gives "any of". EventBridge cannot AND events,
so waiting for all of several job-nets needs a join that is not planned yet: reported.
"""

from __future__ import annotations

from jobmigrate.model import ExternalDependency, Finding, JobNet, Severity
from jobmigrate.plan import Trigger

STATUS_EVENT = "Step Functions Execution Status Change"
_STATUSES = {
    "success": ["SUCCEEDED"],
    "failure": ["FAILED", "TIMED_OUT", "ABORTED"],
    "done": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
}


def event_triggers(net: JobNet, machines: dict[str, str]) -> tuple[list[Trigger], list[Finding]]:
    """Triggers starting `net` when the job-nets it waits for end; `machines` maps root job-net
    paths to state machine names."""
    findings: list[Finding] = []
    by_status: dict[str, list[str]] = {}
    for dep in net.external:
        machine = _machine_of(dep, machines)
        if machine is None:
            findings.append(
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
            findings.append(
                _finding(
                    net,
                    dep,
                    Severity.WARNING,
                    "JM402",
                    f"waits for unit {dep.target}; the AWS side can only see its job-net {path} end",
                )
            )
        if dep.status not in _STATUSES or dep.date != "same":
            findings.append(
                _finding(
                    net,
                    dep,
                    Severity.ERROR,
                    "JM403",
                    f"waiting for {dep.status} of {dep.target} ({dep.date} day) is not planned yet",
                )
            )
            continue
        by_status.setdefault(dep.status, []).append(name)
    if not by_status:
        return [], findings
    every = [n for names in by_status.values() for n in names]
    if len(set(every)) > 1 and any(d.mode == "all" for d in net.external):
        findings.append(
            _finding(
                net,
                net.external[0],
                Severity.ERROR,
                "JM404",
                "waits for all of "
                f"{', '.join(sorted(set(every)))}; joining several job-nets is not planned yet, "
                "the rule below starts it after any one of them",
            )
        )
    triggers = [
        Trigger(
            kind="event",
            pattern={
                "source": ["aws.states"],
                "detail-type": [STATUS_EVENT],
                "detail": {"status": _STATUSES[status], "stateMachineArn": sorted(set(names))},
            },
            description="starts when "
            + " or ".join(sorted(set(names)))
            + f" ends ({status}); stateMachineArn lists state machine names",
        )
        for status, names in sorted(by_status.items())
    ]
    return triggers, findings


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
