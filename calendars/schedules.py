"""The legacy side of one conversion: every root job-net's run instants over one horizon.

Job-nets of a real schedule share calendars and, very often, whole rules ("every open day at
22:30" appears hundreds of times). Business calendars are therefore resolved once per name and
each distinct (rule, calendar) pair is evaluated once.
"""

from __future__ import annotations

import datetime as dt

from jobmigrate.model import Finding, JobNet, ScheduleRule, Severity, Undefined, Workflow, dump_json

from .business import BusinessCalendar
from .legacy import Horizon, Unsupported, rule_instants

Instants = list[dt.datetime]


class Schedules:
    def __init__(self, workflow: Workflow, horizon: Horizon) -> None:
        self.workflow = workflow
        self.horizon = horizon
        self._calendars: dict[str | None, BusinessCalendar] = {}
        self._named: dict[str, BusinessCalendar] | None = None
        self._rules: dict[tuple[str, str | None], Instants] = {}
        self._roots: dict[str, JobNet] | None = None

    def calendar(self, name: str | None) -> BusinessCalendar:
        found = self._calendars.get(name)
        if found is None:
            found = self._calendars[name] = BusinessCalendar.resolve(name, self.workflow.calendars)
        return found

    def named(self) -> dict[str, BusinessCalendar]:
        if self._named is None:
            self._named = {c.name: self.calendar(c.name) for c in self.workflow.calendars}
        return self._named

    def rule(self, rule: ScheduleRule, calendar: str | None) -> Instants:
        """Instants of one rule on one calendar, computed once per distinct pair."""
        key = (
            dump_json(rule, exclude={"source", "raw", "number", "start_delay", "end_delay"}),
            calendar,
        )
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = rule_instants(
                rule, self.calendar(calendar), self.horizon, calendars=self.named()
            )
        return found

    def jobnet(
        self, net: JobNet, findings: list[Finding] | None = None
    ) -> tuple[Instants, dict[int, Instants]]:
        """The run instants of a root job-net (union of its rules) and per rule number."""
        per_rule: dict[int, Instants] = {}
        for rule in net.schedule:
            if isinstance(rule.date, Undefined):
                continue
            try:
                found = self.rule(rule, rule.calendar or net.calendar)
            except Unsupported as e:
                if findings is not None:
                    findings.append(
                        Finding(
                            severity=Severity.ERROR,
                            code="JM210",
                            message=str(e),
                            path=net.path,
                            source=rule.source or net.source,
                        )
                    )
                continue
            if rule.number in per_rule:
                per_rule[rule.number] = sorted({*per_rule[rule.number], *found})
            else:
                per_rule[rule.number] = found
        self._apply_exclusive(net, per_rule)
        if len(per_rule) == 1:  # the common case: one rule, already sorted and without repeats
            return next(iter(per_rule.values())), per_rule
        union = sorted({i for v in per_rule.values() for i in v})
        return union, per_rule

    def _apply_exclusive(self, net: JobNet, per_rule: dict[int, Instants]) -> None:
        """JP1 `ejn`: no run on the days the named job-net runs."""
        names = {r.exclusive_jobnet for r in net.schedule if r.exclusive_jobnet}
        for name in sorted(names):
            other = self._root(name)
            if other is None or other is net:
                continue
            other_days = {i.date() for i in self.jobnet(other)[0]}
            for number, instants in per_rule.items():
                per_rule[number] = [i for i in instants if i.date() not in other_days]

    def _root(self, name: str) -> JobNet | None:
        if self._roots is None:
            self._roots = {}
            for n in self.workflow.root_jobnets():
                self._roots.setdefault(n.name, n)
                self._roots.setdefault(n.path, n)
        return self._roots.get(name)
