"""A job-net's control flow as ASL: sequences, Parallel states, recovery paths, judgments.

The sibling units of a job-net form a DAG; `dag.decompose` turns it into nested sequences and
parallels that keep every edge. Each leaf then becomes states:

- a command job: the executor's states (send, poll, judge, retry); a manual or event-wait job
  too when the planning config hands it to a callback;
- a nested job-net: its own flow, inline;
- a judgment job: a Choice on its predecessor's exit code that records true or false under
  $.run.judgment; its dependent units (`con` arrows) run only when it recorded true and are
  otherwise skipped, their successors running as after a bypassed unit;
- an OR job: a pass-through that, in a fork-join structure, waits for all its predecessors;
- recovery units (reached by arrows to recovery types): the failure path of their predecessor,
  run in order, after which the job-net still ends abnormally (a Fail state). A nested job-net
  with recovery units runs inside a one-branch Parallel whose Catch starts them.

Branches of a Parallel each work on a copy of the state; at their end they hand back only
$.run (exit codes and judgments), which is merged into the state after the join so later
judgments see codes from inside branches, and the payload does not grow with nesting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobmigrate import asl
from jobmigrate.model import Edge, Finding, Job, JobNet, Judgment, Severity
from jobmigrate.plan import JobPlan

from . import dag, executors
from .config import DEFAULT, PlanningConfig
from .naming import NameRegistry, aws_name

RUN = "$.run"
FAILURE_TOPIC = "FailureTopicArn"  # definition substitution for the SNS topic


@dataclass(slots=True)
class FlowResult:
    jobs: list[JobPlan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    parallelism_lost: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Child:
    """A nested job-net planned as a state machine of its own, started by its parent."""

    net: JobNet
    key: str  # definition substitution naming its ARN in the parent
    states: dict[str, asl.State]
    start_at: str
    result: FlowResult
    notifies: bool
    starts: list[str]  # keys of the nested machines it starts itself


INLINE_LIMIT = 40  # nested job-nets with more jobs than this become state machines of their own


def job_count(net: JobNet) -> int:
    return sum(1 for _ in net.jobs())


def child_key(path: str) -> str:
    """The definition substitution holding a nested state machine's ARN."""
    return "Nested" + "".join(c for c in aws_name(path.strip("/").replace("/", "-")) if c.isalnum())


@dataclass(slots=True)
class Scope:
    """The states of one state machine or Parallel branch being built."""

    states: dict[str, asl.State] = field(default_factory=dict)


class FlowBuilder:
    """Builds the states of one root job-net; names are unique across all its branches."""

    def __init__(
        self, names: NameRegistry, inline_limit: int = INLINE_LIMIT, config: PlanningConfig = DEFAULT
    ) -> None:
        self.names = names
        self.inline_limit = inline_limit
        self.config = config  # which executor runs which job, where hosts run
        self.children: list[Child] = []  # nested state machines, innermost first
        self.starts: list[str] = []  # keys of the nested machines this builder's states start
        self.result = FlowResult()
        self._state_of: dict[str, str] = {}  # unit path -> its main state
        self._planned: set[str] = set()
        self._arrows: dict[int, _Arrows] = {}  # by id() of job-nets of the root being planned
        self._par = 0
        self.notifies = False  # whether any failure path publishes to the failure topic

    # ------------------------------------------------------------------ entry point

    def _arrows_of(self, net: JobNet) -> _Arrows:
        found = self._arrows.get(id(net))
        if found is None:
            found = self._arrows[id(net)] = _Arrows.of(net)
        return found

    def root(self, net: JobNet, scope: Scope, next_state: str) -> str:
        """States of a root job-net. Main states are named first, in definition order, so names
        are stable and a judgment can refer to a predecessor built after it."""
        self._name_units(net)
        entry = self.jobnet(net, scope, next_state)
        # plan.json lists jobs in definition order, whatever order the flow was built in.
        order = {path: n for n, path in enumerate(self._state_of)}
        self.result.jobs.sort(key=lambda j: order.get(j.path, len(order)))
        return entry

    def _name_units(self, net: JobNet) -> None:
        for unit in net.children:
            if isinstance(unit, JobNet):
                self._name_units(unit)
            else:
                self._state_of[unit.path] = self.names.claim(aws_name(unit.name, self.names.limit), unit.path)

    def jobnet(self, net: JobNet, scope: Scope, next_state: str | None) -> str:
        """States running `net`'s units; returns the entry state. None: the scope ends."""
        arrows = self._arrows_of(net)
        normal = [c for c in net.children if not arrows.is_recovery(c)]
        edges = [(e.pred, e.succ) for e in net.edges if e.kind != "on_failure" and _both_in(e, normal)]
        self._report_orphan_edges(net, normal)
        if not normal:
            return self._pass(scope, f"{aws_name(net.name)}-empty", next_state, f"{net.path}: no units")
        try:
            decomposition = dag.decompose([c.name for c in normal], edges)
        except dag.CycleError as e:
            self.result.findings.append(_error(net, "JM105", f"dependency cycle: {e}"))
            decomposition = dag.decompose([c.name for c in normal], [])
        for a, b in sorted(decomposition.lost):
            self.result.parallelism_lost.append((f"{net.path}/{a}", f"{net.path}/{b}"))
        if decomposition.lost:
            pairs = ", ".join(f"{a}|{b}" for a, b in sorted(decomposition.lost))
            self.result.findings.append(
                Finding(
                    severity=Severity.INFO,
                    code="JM301",
                    message=f"not series-parallel: these pairs could run together but now run one after "
                    f"the other: {pairs}",
                    path=net.path,
                    source=net.source,
                )
            )
        assert decomposition.structure is not None
        units = {c.name: c for c in normal}
        return self._structure(decomposition.structure, net, units, scope, next_state)

    # ------------------------------------------------------------------ structure

    def _structure(
        self,
        node: dag.Structure,
        net: JobNet,
        units: dict[str, Job | JobNet],
        scope: Scope,
        next_state: str | None,
    ) -> str:
        if isinstance(node, dag.Leaf):
            return self._unit(units[node.node], net, scope, next_state)
        if isinstance(node, dag.Seq):
            entry = next_state
            for item in reversed(node.items):
                entry = self._structure(item, net, units, scope, entry)
            assert entry is not None
            return entry
        return self._parallel(node, net, units, scope, next_state)

    def _parallel(
        self,
        node: dag.Par,
        net: JobNet,
        units: dict[str, Job | JobNet],
        scope: Scope,
        next_state: str | None,
    ) -> str:
        self._par += 1
        name = self.names.claim(f"parallel-{self._par}", f"parallel-{self._par}")
        branches = []
        for i, branch in enumerate(node.branches):
            inner = Scope()
            out = self.names.claim(f"{name}-branch-{i}-out", f"{name}-{i}")
            # Hand back only the run record: exit codes and judgments.
            inner.states[out] = asl.Pass(parameters={"run.$": RUN}, next=None)
            entry = self._structure(branch, net, units, inner, out)
            branches.append(asl.StateMachine(start_at=entry, states=inner.states))
        merge_entry = self._merges(name, len(branches), scope, next_state)
        scope.states[name] = asl.Parallel(
            branches=branches,
            result_selector={f"b{i}.$": f"States.ArrayGetItem($, {i})" for i in range(len(branches))},
            result_path="$.parallel",
            next=merge_entry,
        )
        return name

    def _merges(self, name: str, count: int, scope: Scope, next_state: str | None) -> str:
        entry = next_state
        for i in reversed(range(count)):
            merge = self.names.claim(f"{name}-merge-{i}", f"{name}-merge-{i}")
            scope.states[merge] = _merge_run(f"$.parallel.b{i}.run", entry)
            entry = merge
        assert entry is not None
        return entry

    # ------------------------------------------------------------------ units

    def _unit(self, unit: Job | JobNet, net: JobNet, scope: Scope, next_state: str | None) -> str:
        if isinstance(unit, Job) and unit.external and unit.kind != "connector":
            targets = ", ".join(sorted({d.target for d in unit.external}))
            self.result.findings.append(
                _error(
                    unit,
                    "JM307",
                    f"waits for {targets} outside its job-net; waits inside a job-net "
                    "are not planned yet, it runs without waiting",
                )
            )
        entry = self._unit_body(unit, net, scope, next_state)
        judgments = [e.pred for e in net.edges if e.succ == unit.name and e.kind == "conditional"]
        for judgment in reversed(judgments):
            entry = self._only_if(judgment, unit, net, scope, entry, next_state)
        return entry

    def _unit_body(self, unit: Job | JobNet, net: JobNet, scope: Scope, next_state: str | None) -> str:
        if isinstance(unit, JobNet):
            if job_count(unit) > self.inline_limit:
                return self._nested_machine(unit, scope, next_state, self._failure_path(unit, net, scope))
            if self._arrows_of(net).recovery_of(unit):
                return self._guarded_jobnet(unit, scope, next_state, self._failure_path(unit, net, scope))
            return self.jobnet(unit, scope, next_state)
        if executors.runnable(unit, self.config):
            return self._command(unit, scope, next_state, self._failure_path(unit, net, scope))
        if unit.kind == "judgment":
            return self._judgment(unit, net, scope, next_state)
        if unit.kind in ("or_join", "dummy"):
            if unit.kind == "or_join":
                self.result.findings.append(
                    Finding(
                        severity=Severity.WARNING,
                        code="JM302",
                        message="OR job: Step Functions joins all branches, so its successors wait for "
                        "every predecessor instead of the first",
                        path=unit.path,
                        source=unit.source,
                    )
                )
            self._record(JobPlan(path=unit.path, state=None, executor="none", source=unit.source))
            return self._placeholder(unit, scope, next_state, f"{unit.path} ({unit.kind})")
        self.result.findings.append(_error(unit, "JM101", f"{unit.kind} units are not planned yet"))
        self._record(JobPlan(path=unit.path, state=None, executor="none", source=unit.source))
        return self._placeholder(unit, scope, next_state, f"NOT CONVERTED: {unit.path} ({unit.kind})")

    def _placeholder(self, unit: Job, scope: Scope, next_state: str | None, comment: str) -> str:
        """A Pass that keeps the unit's place in the order."""
        name = self._state_of[unit.path]
        scope.states[name] = asl.Pass(comment=comment, next=next_state or self._end(scope, name))
        return name

    def _record(self, job: JobPlan) -> None:
        """List each unit once in plan.json, even when a shared recovery unit is built twice."""
        if job.path not in self._planned:
            self._planned.add(job.path)
            self.result.jobs.append(job)

    def _command(self, job: Job, scope: Scope, next_state: str | None, failed: str) -> str:
        state = self._state_of[job.path]
        if state in scope.states:  # a recovery unit shared by several predecessors: a copy
            state = self.names.claim(f"{state}-again", f"{job.path}#again")
        following = next_state or self._end(scope, state)
        built = executors.build(job, state, following, failed, self.config)
        scope.states.update(built.states)
        if job.path not in self._planned and (missing := executors.not_carried(job)):
            self.result.findings.append(
                Finding(
                    severity=Severity.WARNING,
                    code="JM311",
                    message="not carried to AWS yet, set it up on the target: " + ", ".join(missing),
                    path=job.path,
                    source=job.source,
                )
            )
        self._record(built.plan)
        return built.entry

    def _end(self, scope: Scope, state: str) -> str:
        """A Succeed state for a job that ends its scope (a Parallel branch's last job)."""
        name = self.names.claim(f"{state}-end", f"{state}-end")
        scope.states[name] = asl.Succeed()
        return name

    def _guarded_jobnet(self, unit: JobNet, scope: Scope, next_state: str | None, failed: str) -> str:
        """A nested job-net with recovery units: any failure inside it starts them (Catch)."""
        name = self.names.claim(aws_name(unit.name), unit.path)
        inner = Scope()
        out = self.names.claim(f"{name}-out", f"{name}-out")
        inner.states[out] = asl.Pass(parameters={"run.$": RUN}, next=None)
        entry = self.jobnet(unit, inner, out)
        scope.states[name] = asl.Parallel(
            comment=f"{unit.path} (recovery on failure)",
            branches=[asl.StateMachine(start_at=entry, states=inner.states)],
            result_selector={"b0.$": "States.ArrayGetItem($, 0)"},
            result_path="$.parallel",
            catch=[asl.Catcher(["States.ALL"], failed, "$.error")],
            next=self._merges(name, 1, scope, next_state),
        )
        return name

    def _nested_machine(self, unit: JobNet, scope: Scope, next_state: str | None, failed: str) -> str:
        """A large nested job-net as its own state machine (startExecution.sync:2), which keeps
        each definition small; its run record comes back in its output and is merged."""
        names = NameRegistry(self.names.limit)
        for reserved in ("Start", "Done"):
            names.claim(reserved, reserved)
        builder = FlowBuilder(names, self.inline_limit, self.config)
        inner = Scope()
        inner.states["Done"] = asl.Succeed()
        entry = builder.root(unit, inner, "Done")
        inner.states["Start"] = asl.Pass(result={"rc": {}, "judgment": {}}, result_path=RUN, next=entry)
        key = child_key(unit.path)
        self.children += builder.children
        self.children.append(
            Child(unit, key, inner.states, "Start", builder.result, builder.notifies, builder.starts)
        )
        self.starts.append(key)
        for job in builder.result.jobs:
            self._record(job)
        self.result.findings += builder.result.findings
        self.result.parallelism_lost += builder.result.parallelism_lost
        name = self.names.claim(aws_name(unit.name), unit.path)
        scope.states[name] = asl.Task(
            comment=f"{unit.path} (its own state machine)",
            resource="arn:aws:states:::states:startExecution.sync:2",
            parameters={
                "StateMachineArn": asl.placeholder(key),
                "Input": {"run.$": RUN, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
            },
            result_selector={"run.$": "$.Output.run"},
            result_path="$.nested",
            catch=[asl.Catcher(["States.ALL"], failed, "$.error")],
            next=self._merge_nested(name, scope, next_state),
        )
        return name

    def _merge_nested(self, name: str, scope: Scope, next_state: str | None) -> str:
        merge = self.names.claim(f"{name}-merge", f"{name}-merge")
        scope.states[merge] = _merge_run("$.nested.run", next_state or self._end(scope, merge))
        return merge

    # ------------------------------------------------------------------ failure and recovery

    def _failure_path(self, unit: Job | JobNet, net: JobNet, scope: Scope) -> str:
        """Where `unit` goes when it ends abnormally: its recovery units, a notification, Fail."""
        fail = self.names.claim(f"{aws_name(unit.name, self.names.limit - 7)}-failed", f"{unit.path}#failed")
        scope.states[fail] = asl.Fail(error="JobFailed", cause=f"{unit.path} ended abnormally")
        fail = self._notify(unit, scope, fail)
        recovery = self._arrows_of(net).recovery_of(unit)
        if not recovery:
            return fail
        entry = fail
        for r in reversed(recovery):
            # A failing recovery unit also ends the job-net abnormally.
            if isinstance(r, JobNet):
                entry = self.jobnet(r, scope, entry)
            elif executors.runnable(r, self.config):
                entry = self._command(r, scope, entry, fail)
            else:
                self.result.findings.append(
                    _error(r, "JM101", f"{r.kind} recovery units are not planned yet")
                )
                self._record(JobPlan(path=r.path, state=None, executor="none", source=r.source))
        return entry

    def _notify(self, unit: Job | JobNet, scope: Scope, fail: str) -> str:
        """Publish the failure, with the unit's path and legacy source, before failing. A
        notification that cannot be sent must not hide the failure: it fails all the same."""
        name = self.names.claim(f"{aws_name(unit.name, self.names.limit - 7)}-notify", f"{unit.path}#notify")
        source = str(unit.source) if unit.source else ""
        scope.states[name] = asl.Task(
            resource="arn:aws:states:::sns:publish",
            parameters={
                "TopicArn": asl.placeholder(FAILURE_TOPIC),
                # SNS subjects are ASCII and at most 100 characters; the message keeps the full path.
                "Subject": f"jobmigrate: {unit.path} ended abnormally".encode("ascii", "replace").decode()[
                    :100
                ],
                "Message": {
                    "unit": unit.path,
                    "legacy_source": source,
                    "execution.$": "$$.Execution.Id",
                    "state_machine.$": "$$.StateMachine.Name",
                },
            },
            result_path="$.notified",
            retry=[asl.Retrier(["States.TaskFailed"], 2, 3, 2.0)],
            catch=[asl.Catcher(["States.ALL"], fail, "$.notify_error")],
            next=fail,
        )
        self.notifies = True
        return name

    # ------------------------------------------------------------------ judgments

    def _judgment(self, unit: Job, net: JobNet, scope: Scope, next_state: str | None) -> str:
        self._record(JobPlan(path=unit.path, state=None, executor="none", source=unit.source))
        name = self._state_of[unit.path]
        following = next_state or self._end(scope, name)
        record = f"{RUN}.judgment.{name}"
        condition = self._condition(unit, net)
        if isinstance(condition, bool) or condition is None:
            # Decided now (the predecessor is a job-net, whose code is 0) or not converted (false).
            verdict = bool(condition)
            comment = (
                f"{unit.path}: always {verdict}" if condition is not None else f"{unit.path}: judged false"
            )
            scope.states[name] = asl.Pass(comment=comment, result=verdict, result_path=record, next=following)
            return name
        yes, no = f"{name}-true", f"{name}-false"
        scope.states[yes] = asl.Pass(result=True, result_path=record, next=following)
        scope.states[no] = asl.Pass(result=False, result_path=record, next=following)
        scope.states[name] = asl.Choice(comment=unit.path, choices=[{**condition, "Next": yes}], default=no)
        return name

    def _condition(self, unit: Job, net: JobNet) -> dict[str, Any] | bool | None:
        preds = [e.pred for e in net.edges if e.succ == unit.name and e.kind != "conditional"]
        judgment = unit.judgment
        if judgment is None or len(preds) != 1:
            self.result.findings.append(
                _error(unit, "JM303", "a judgment job needs a condition and exactly one predecessor")
            )
            return None
        if judgment.op in ("file_exists", "file_missing", "variable"):
            self.result.findings.append(_error(unit, "JM304", f"{judgment.op} judgments are not planned yet"))
            return None
        if isinstance(net.child(preds[0]), JobNet):
            return _holds(judgment, 0)
        return _compare(judgment, f"{RUN}.rc.{self._state_of[f'{net.path}/{preds[0]}']}")

    def _only_if(
        self, judgment: str, unit: Job | JobNet, net: JobNet, scope: Scope, entry: str, next_state: str | None
    ) -> str:
        """Run `unit` only when `judgment` recorded true; otherwise skip to what follows it."""
        state = self._state_of.get(f"{net.path}/{judgment}")
        if state is None:
            self.result.findings.append(_error(unit, "JM305", f"{judgment} is not a judgment job"))
            return entry
        name = self.names.claim(f"{aws_name(unit.name, self.names.limit - 3)}-if", f"{unit.path}#if")
        skip = next_state or self._end(scope, name)
        scope.states[name] = asl.Choice(
            comment=f"{unit.path} runs only when judgment {judgment} is true",
            choices=[
                {
                    "And": [
                        {"Variable": f"{RUN}.judgment.{state}", "IsPresent": True},
                        {"Variable": f"{RUN}.judgment.{state}", "BooleanEquals": True},
                    ],
                    "Next": entry,
                }
            ],
            default=skip,
        )
        return name

    # ------------------------------------------------------------------ helpers

    def _pass(self, scope: Scope, wanted: str, next_state: str | None, comment: str) -> str:
        name = self.names.claim(wanted, comment)
        scope.states[name] = asl.Pass(comment=comment, next=next_state or self._end(scope, name))
        return name

    def _report_orphan_edges(self, net: JobNet, normal: list[Job | JobNet]) -> None:
        names = {c.name for c in net.children}
        for e in net.edges:
            if e.pred not in names or e.succ not in names:
                self.result.findings.append(
                    Finding(
                        severity=Severity.ERROR,
                        code="JM106",
                        message=f"arrow {e.pred} -> {e.succ} names a unit that does not exist",
                        path=net.path,
                        source=e.source or net.source,
                    )
                )


_OPS = {
    "gt": "NumericGreaterThan",
    "ge": "NumericGreaterThanEquals",
    "lt": "NumericLessThan",
    "le": "NumericLessThanEquals",
    "eq": "NumericEquals",
}


def _holds(judgment: Judgment, code: int) -> bool | None:
    """A return-code judgment evaluated now, for a predecessor whose code is known."""
    v = judgment.value
    if judgment.op in _OPS and v is not None:
        return {
            "gt": code > v,
            "ge": code >= v,
            "lt": code < v,
            "le": code <= v,
            "eq": code == v,
        }[judgment.op]
    if judgment.op == "ne" and v is not None:
        return code != v
    if judgment.op == "range" and judgment.low is not None and judgment.high is not None:
        above = code >= judgment.low if judgment.low_inclusive else code > judgment.low
        below = code <= judgment.high if judgment.high_inclusive else code < judgment.high
        return above and below
    return None


def _compare(judgment: Judgment, variable: str) -> dict[str, Any] | None:
    """The Choice rule of a return-code judgment on the code stored at `variable`."""
    ops = _OPS
    present = {"Variable": variable, "IsPresent": True}
    if judgment.op in ops and judgment.value is not None:
        return {"And": [present, {"Variable": variable, ops[judgment.op]: judgment.value}]}
    if judgment.op == "ne" and judgment.value is not None:
        return {"And": [present, {"Not": {"Variable": variable, "NumericEquals": judgment.value}}]}
    if judgment.op == "range" and judgment.low is not None and judgment.high is not None:
        low = "NumericGreaterThanEquals" if judgment.low_inclusive else "NumericGreaterThan"
        high = "NumericLessThanEquals" if judgment.high_inclusive else "NumericLessThan"
        return {
            "And": [
                present,
                {"Variable": variable, low: judgment.low},
                {"Variable": variable, high: judgment.high},
            ]
        }
    return None


def _merge_run(other: str, next_state: str | None) -> asl.Pass:
    """Fold another run record (a branch's, a nested machine's) into this one's."""
    return asl.Pass(
        parameters={
            "rc.$": f"States.JsonMerge({RUN}.rc, {other}.rc, false)",
            "judgment.$": f"States.JsonMerge({RUN}.judgment, {other}.judgment, false)",
        },
        result_path=RUN,
        next=next_state,
    )


@dataclass(frozen=True, slots=True)
class _Arrows:
    """A job-net's arrows by predecessor, its units by name and the targets of its failure
    arrows: asked about every unit, so read from the edges once rather than per unit."""

    after: dict[str, list[Edge]]
    units: dict[str, Job | JobNet]
    failure_targets: frozenset[str]

    @classmethod
    def of(cls, net: JobNet) -> _Arrows:
        after: dict[str, list[Edge]] = {}
        for e in net.edges:
            after.setdefault(e.pred, []).append(e)
        units: dict[str, Job | JobNet] = {}
        for c in net.children:
            units.setdefault(c.name, c)  # the first of a name, as JobNet.child finds it
        targets = frozenset(e.succ for e in net.edges if e.kind == "on_failure")
        return cls(after, units, targets)

    def is_recovery(self, unit: Job | JobNet) -> bool:
        return unit.recovery or unit.name in self.failure_targets

    def recovery_of(self, unit: Job | JobNet) -> list[Job | JobNet]:
        """Recovery units run when `unit` fails, following arrows between recovery units, in order."""
        found: list[Job | JobNet] = []
        frontier = [unit.name]
        seen = {unit.name}
        while frontier:
            current = frontier.pop(0)
            for e in self.after.get(current, ()):
                if e.succ in seen:
                    continue
                child = self.units.get(e.succ)
                if child is not None and self.is_recovery(child):
                    seen.add(e.succ)
                    found.append(child)
                    frontier.append(e.succ)
        return found


def _both_in(edge: Edge, units: list[Job | JobNet]) -> bool:
    names = {u.name for u in units}
    return edge.pred in names and edge.succ in names


def _error(node: Job | JobNet, code: str, message: str) -> Finding:
    return Finding(severity=Severity.ERROR, code=code, message=message, path=node.path, source=node.source)
