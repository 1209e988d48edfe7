"""Triggers: the EventBridge expressions that start root job-nets.

This module turns rules whose day selection EventBridge can state directly into `cron(...)`
expressions. Rules that need business-day calendars are compiled by the calendar engine; until
a rule form is supported it becomes a finding, never an approximate expression.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobmigrate.model import Finding, JobNet, ScheduleRule, Severity, UnixCron
from jobmigrate.plan import Trigger

_AWS_DOW = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def compress(values: Sequence[int], lo: int, hi: int, names: Sequence[str] | None = None) -> str:
    """Shortest plain list for a set of field values: `*`, `a-b` runs and single values."""
    vals = sorted(set(values))
    if vals == list(range(lo, hi + 1)):
        return "*"
    parts: list[str] = []
    i = 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[j] + 1:
            j += 1

        def show(v: int) -> str:
            return names[v - lo] if names else str(v)

        if j - i >= 2:
            parts.append(f"{show(vals[i])}-{show(vals[j])}")
        else:
            parts.extend(show(v) for v in vals[i : j + 1])
        i = j + 1
    return ",".join(parts)


def _minutes_hours(cron: UnixCron) -> tuple[str, str]:
    return compress(cron.minutes, 0, 59), compress(cron.hours, 0, 23)


def unix_cron_triggers(cron: UnixCron, timezone: str, rule: int) -> tuple[list[Trigger], list[str]]:
    """EventBridge Scheduler expressions equal to a Unix cron entry, plus problems found."""
    minute, hour = _minutes_hours(cron)
    month = compress(cron.months, 1, 12)
    dom = compress(cron.days_of_month, 1, 31)
    # AWS numbers weekdays 1 = Sunday; names avoid any doubt for reviewers.
    dow = compress([d + 1 for d in cron.days_of_week], 1, 7, _AWS_DOW)
    problems: list[str] = []
    if cron.dom_restricted and cron.dow_restricted:
        exprs = [f"cron({minute} {hour} {dom} {month} ? *)", f"cron({minute} {hour} ? {month} {dow} *)"]
        problems.append(
            "runs when the day of month OR the weekday matches; EventBridge needs two schedules for "
            "that, and on days matching both they would start two executions"
        )
    elif cron.dow_restricted:
        exprs = [f"cron({minute} {hour} ? {month} {dow} *)"]
    else:
        exprs = [f"cron({minute} {hour} {dom} {month} ? *)"]
    triggers = [Trigger(kind="schedule", expression=e, timezone=timezone, rule=rule) for e in exprs]
    return triggers, problems


def jobnet_triggers(net: JobNet, default_tz: str) -> tuple[list[Trigger], list[Finding]]:
    """Triggers for a root job-net, and findings for rules that cannot be triggered exactly."""
    triggers: list[Trigger] = []
    findings: list[Finding] = []
    for rule in net.schedule:
        tz = rule.timezone or net.timezone or default_tz
        if isinstance(rule.date, UnixCron):
            found, problems = unix_cron_triggers(rule.date, tz, rule.number)
            triggers.extend(found)
            findings.extend(_finding(net, rule, "JM202", p) for p in problems)
        else:
            findings.append(
                _finding(
                    net,
                    rule,
                    "JM201",
                    f"schedule rule {rule.number} ({rule.date.kind}) is not compiled to an AWS trigger yet",
                )
            )
    return triggers, findings


def _finding(net: JobNet, rule: ScheduleRule, code: str, message: str) -> Finding:
    return Finding(
        severity=Severity.ERROR, code=code, message=message, path=net.path, source=rule.source or net.source
    )
