"""Joins: a job-net that waits for all of several others starts once per business day, when each
has ended as its legacy condition says, through a join state machine (planner/join.py).

The simulations run the converted folder in moto: its state machines as written, started with the
inputs template.yaml gives their schedules, and the status-change rules of template.yaml replayed
by hand when an execution ends (moto runs neither EventBridge Scheduler nor these events).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from jobmigrate import emit, planner
from jobmigrate.model import (
    Command,
    ExternalDependency,
    Job,
    JobNet,
    ScheduleRule,
    StartTime,
    Weekdays,
    Workflow,
)
from jobmigrate.plan import BusinessDay, Plan
from jobmigrate.planner import join
from jobmigrate.verify.asl_check import problems
from jobmigrate.verify.folder import load_plan

from .conftest import FIXTURES, jobmigrate
from .moto_support import local_aws, substitute

JOIN = FIXTURES / "join"
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")
OPTIONS = planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/jobmigrate-test"
JST = dt.timezone(dt.timedelta(hours=9))
EXECUTIONS = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution"


def convert(tmp_path: Path, source: Path, fmt: str) -> Path:
    out = tmp_path / "out"
    done = jobmigrate("convert", source, "--from", fmt, "--out", out, *WINDOW)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def utc(local: str) -> str:
    """A Tokyo wall-clock time as the UTC instant EventBridge Scheduler passes."""
    instant = dt.datetime.fromisoformat(local).replace(tzinfo=JST).astimezone(dt.UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- the stack in moto


class _CfnLoader(yaml.SafeLoader):
    """template.yaml with its short intrinsic functions (!Ref X -> {"Ref": "X"})."""


_CfnLoader.add_multi_constructor(
    "!",
    lambda loader, tag, node: {
        tag: loader.construct_scalar(node)
        if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node)
    },
)


class Stack:
    """A converted folder deployed into moto as template.yaml says: its state machines with their
    definitions and substitutions, its schedules' inputs, and its status-change rules."""

    def __init__(self, out: Path) -> None:
        self.plan: Plan = load_plan(out)
        resources = yaml.load((out / "template.yaml").read_text(), Loader=_CfnLoader)["Resources"]
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        topic = boto3.client("sns", region_name=REGION).create_topic(Name="jobmigrate-failures")["TopicArn"]
        machines = {
            lid: r["Properties"]
            for lid, r in resources.items()
            if r["Type"] == "AWS::StepFunctions::StateMachine"
        }
        self.name_of = {lid: p["StateMachineName"] for lid, p in machines.items()}
        self.arns: dict[str, str] = {}
        refs = {
            lid: {
                key: v["Ref"]
                for key, v in (p.get("DefinitionSubstitutions") or {}).items()
                if isinstance(v, dict) and v.get("Ref") in machines
            }
            for lid, p in machines.items()
        }
        todo = sorted(machines)
        while todo:  # the state machines a definition names (nested ones, joins' targets) first
            ready = [lid for lid in todo if all(self.name_of[r] in self.arns for r in refs[lid].values())]
            assert ready, f"substitutions name each other: {todo}"
            for lid in ready:
                values = {"FailureTopicArn": topic} | {
                    k: self.arns[self.name_of[r]] for k, r in refs[lid].items()
                }
                name = self.name_of[lid]
                definition = json.loads((out / "statemachines" / f"{name}.asl.json").read_text())
                self.arns[name] = self.sfn.create_state_machine(
                    name=name, definition=substitute(definition, values), roleArn=ROLE
                )["stateMachineArn"]
            todo = [lid for lid in todo if lid not in ready]
        self.schedule_input = {
            self.name_of[r["Properties"]["Target"]["Arn"]["Ref"]]: r["Properties"]["Target"]["Input"]
            for r in resources.values()
            if r["Type"] == "AWS::Scheduler::Schedule"
        }
        self.rules = [
            (
                r["Properties"]["EventPattern"]["detail"],
                self.name_of[r["Properties"]["Targets"][0]["Arn"]["Ref"]],
                r["Properties"]["Targets"][0]["InputTransformer"]["InputTemplate"],
            )
            for r in resources.values()
            if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
        ]
        self.ids = itertools.count(1)  # execution names: next() is atomic, rules may fire at once

    def start(self, machine: str, payload: dict[str, Any] | str) -> str:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        name = f"run-{next(self.ids)}"
        return str(
            self.sfn.start_execution(stateMachineArn=self.arns[machine], name=name, input=text)[
                "executionArn"
            ]
        )

    def wait(self, arn: str) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while True:
            described = self.sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                return dict(described)
            time.sleep(0.05)

    def scheduled(self, machine: str, instant: str) -> dict[str, Any]:
        """Run `machine` to its end as its schedule starts it at `instant` (UTC)."""
        payload = self.schedule_input[machine].replace("<aws.scheduler.scheduled-time>", instant)
        return self.wait(self.start(machine, payload))

    def ended(self, execution: dict[str, Any], *, wait: bool = True) -> list[str]:
        """Deliver the status change of an ended execution to the rules that match it, as
        EventBridge would; with `wait`, run what they start to its end. The started ARNs."""
        machine = execution["stateMachineArn"].rsplit(":", 1)[-1]
        started = []
        for detail, target, template in self.rules:
            wanted = {self.name_of[a["Ref"]] for a in detail["stateMachineArn"]}
            if execution["status"] in detail["status"] and machine in wanted:
                payload = template.replace("<after>", json.dumps(execution["executionArn"]))
                started.append(self.start(target, payload))
        if wait:
            for arn in started:
                self.wait(arn)
        return started

    @staticmethod
    def of(arns: list[str], machine: str) -> list[str]:
        """The executions of `machine` among `arns`."""
        return [a for a in arns if a.split(":")[-2] == machine]

    def runs(self, machine: str) -> list[dict[str, Any]]:
        """Executions of `machine`, each waited for, oldest first, with their input."""
        listed = self.sfn.list_executions(stateMachineArn=self.arns[machine])["executions"]
        return [self.wait(e["executionArn"]) for e in reversed(listed)]

    def last_state(self, arn: str) -> str:
        """The state an execution ended in."""
        events = self.sfn.get_execution_history(executionArn=arn)["events"]
        return str(
            [e["stateExitedEventDetails"]["name"] for e in events if "stateExitedEventDetails" in e][-1]
        )


@pytest.fixture
def failing() -> set[str]:
    """Commands that fail in the simulation (all others succeed)."""
    return set()


@pytest.fixture
def aws(failing: set[str]) -> Iterator[None]:
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with local_aws(lambda command: ("Failed", 1) if command in failing else ("Success", 0)):
        yield


# --------------------------------------------------------------------------- AutoSys, across boxes


@pytest.fixture
def settlement(tmp_path: Path) -> Path:
    return convert(tmp_path, JOIN / "settlement.jil", "autosys")


MONDAY = "2027-03-01"  # its FX rates load at 06:15 JST, 21:15 UTC on Sunday the 28th of February
FRIDAY = "2027-02-26"
FX_MONDAY, TRADES_MONDAY = utc("2027-03-01T06:15"), utc("2027-03-01T22:30")
FX_FRIDAY, TRADES_FRIDAY = utc("2027-02-26T06:15"), utc("2027-02-26T22:30")


def test_all_of_is_planned_as_a_join(settlement: Path) -> None:
    plan = load_plan(settlement)
    assert not [f for f in plan.findings if f.severity == "error"]
    how = [f for f in plan.findings if f.code == "JM404"]
    assert [(f.path, f.severity) for f in how] == [("/SET_SETTLE", "info"), ("/SET_FALLBACK", "info")]
    assert "join state machine SET_SETTLE-join" in how[0].message
    settle = next(n for n in plan.jobnets if n.path == "/SET_SETTLE")
    assert [t.kind for t in settle.triggers] == ["none"] and "SET_SETTLE-join" in str(
        settle.triggers[0].description
    )
    joins = {j.state_machine: j for j in plan.join_machines}
    assert sorted(joins) == ["SET_FALLBACK-join", "SET_SETTLE-join"]
    fallback = joins["SET_FALLBACK-join"]
    assert fallback.join is not None and fallback.join.starts == "SET_FALLBACK"
    assert [(w.state_machine, w.statuses) for w in fallback.join.waits_for] == [
        ("SET_FX_BOX", ["FAILED", "TIMED_OUT", "ABORTED"]),
        ("SET_TRADES_BOX", ["SUCCEEDED"]),
    ]
    assert [t.pattern["detail"] for t in fallback.triggers if t.pattern] == [
        {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": ["SET_FX_BOX"]},
        {"status": ["SUCCEEDED"], "stateMachineArn": ["SET_TRADES_BOX"]},
    ]
    # 06:15 in Tokyo is 21:15 UTC the day before: the business date is the UTC date plus one.
    days = {n.state_machine: n.business_day for n in plan.jobnets}
    assert days["SET_FX_BOX"] == BusinessDay(add_days=1, plus_one_from="24:00:00")
    assert days["SET_TRADES_BOX"] == BusinessDay(add_days=0, plus_one_from="24:00:00")
    for j in plan.join_machines:
        definition = json.loads((settlement / j.asl).read_text())
        assert problems(definition) == []
        assert problems(definition["States"]["FindRuns"]["ItemProcessor"]) == []
    check = jobmigrate("validate", settlement)
    assert check.returncode == 0, check.stdout + check.stderr


def test_template_grants_the_join_exactly_what_it_reads(settlement: Path) -> None:
    resources = yaml.load((settlement / "template.yaml").read_text(), Loader=_CfnLoader)["Resources"]

    def ref(name: str) -> dict[str, str]:
        return {"Ref": emit.logical_id("StateMachine", name)}

    joined = ref("SET_SETTLE-join")["Ref"]
    role = resources[joined + "Role"]["Properties"]["Policies"][0]["PolicyDocument"]
    by_action = {s["Action"]: s["Resource"] for s in role["Statement"]}
    assert by_action == {
        "states:ListExecutions": [ref("SET_FX_BOX"), ref("SET_TRADES_BOX")],
        "states:DescribeExecution": [
            {"Sub": f"{EXECUTIONS}:SET_FX_BOX:*"},
            {"Sub": f"{EXECUTIONS}:SET_TRADES_BOX:*"},
        ],
        "states:StartExecution": ref("SET_SETTLE"),
    }
    events_role = resources["EventsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert ref("SET_SETTLE-join") in events_role["Resource"]
    assert ref("SET_SETTLE") not in events_role["Resource"]  # only its join starts it
    schedule = json.loads(
        next(
            r["Properties"]["Target"]["Input"]
            for r in resources.values()
            if r["Type"] == "AWS::Scheduler::Schedule" and r["Properties"]["Name"] == "SET_FX_BOX-0"
        )
    )
    assert schedule["business_day"] == {"add_days": 1, "plus_one_from": "24:00:00"}


def test_one_predecessor_alone_does_not_start_it(settlement: Path, aws: None) -> None:
    stack = Stack(settlement)
    fx = stack.scheduled("SET_FX_BOX", FX_MONDAY)
    assert fx["status"] == "SUCCEEDED"
    (joined,) = stack.ended(fx)
    assert stack.wait(joined)["status"] == "SUCCEEDED" and stack.last_state(joined) == "NotAllEnded"
    assert stack.runs("SET_SETTLE") == []


def test_both_start_it_once_whatever_the_join_runs(settlement: Path, aws: None) -> None:
    stack = Stack(settlement)
    fx = stack.scheduled("SET_FX_BOX", FX_MONDAY)
    stack.ended(fx)
    trades = stack.scheduled("SET_TRADES_BOX", TRADES_MONDAY)
    (joined,) = stack.of(stack.ended(trades), "SET_SETTLE-join")
    assert stack.last_state(joined) == "Started"
    stack.runs("SET_SETTLE")  # waited for
    # Events arrive at least once: both again, at the same time; the join runs twice more.
    again = stack.of(stack.ended(fx, wait=False) + stack.ended(trades, wait=False), "SET_SETTLE-join")
    for arn in again:
        stack.wait(arn)
    assert [stack.last_state(a) for a in again] == ["AlreadyStarted", "AlreadyStarted"]
    (settle,) = stack.runs("SET_SETTLE")
    assert settle["name"] == f"SET_SETTLE-{MONDAY}" and settle["status"] == "SUCCEEDED"
    assert json.loads(settle["input"]) == {"business_date": MONDAY, "started_by": "SET_SETTLE-join"}
    assert stack.runs("SET_FALLBACK") == []  # the rates did not fail


def test_a_success_of_the_day_before_does_not_count(settlement: Path, aws: None) -> None:
    stack = Stack(settlement)
    stack.ended(stack.scheduled("SET_FX_BOX", FX_FRIDAY))
    stack.ended(stack.scheduled("SET_TRADES_BOX", TRADES_FRIDAY))
    # Monday: the rates are in, the trades of Monday are not; Friday's trades do not count.
    stack.ended(stack.scheduled("SET_FX_BOX", FX_MONDAY))
    assert [r["name"] for r in stack.runs("SET_SETTLE")] == [f"SET_SETTLE-{FRIDAY}"]


def test_a_failure_condition(settlement: Path, failing: set[str], aws: None) -> None:
    stack = Stack(settlement)
    failing.add("/opt/setl/bin/load_fx.sh --feed TKFX")
    fx = stack.scheduled("SET_FX_BOX", FX_MONDAY)
    assert fx["status"] == "FAILED"
    (fallback_join,) = stack.ended(fx)  # only the rule on its failure matches
    assert stack.last_state(fallback_join) == "NotAllEnded"
    stack.ended(stack.scheduled("SET_TRADES_BOX", TRADES_MONDAY))
    (fallback,) = stack.runs("SET_FALLBACK")
    assert fallback["name"] == f"SET_FALLBACK-{MONDAY}"
    assert stack.runs("SET_SETTLE") == []  # no success of the rates that day
    # A rerun of the rates that succeeds starts the settlement, and not the fallback again.
    failing.clear()
    stack.ended(stack.scheduled("SET_FX_BOX", FX_MONDAY))
    assert [r["name"] for r in stack.runs("SET_SETTLE")] == [f"SET_SETTLE-{MONDAY}"]
    assert len(stack.runs("SET_FALLBACK")) == 1


def test_the_join_can_be_asked_about_a_day_by_hand(settlement: Path, aws: None) -> None:
    stack = Stack(settlement)
    stack.scheduled("SET_FX_BOX", FX_MONDAY)
    stack.scheduled("SET_TRADES_BOX", TRADES_MONDAY)  # the events were lost
    asked = stack.wait(stack.start("SET_SETTLE-join", {"business_date": FRIDAY}))
    assert asked["status"] == "SUCCEEDED" and stack.runs("SET_SETTLE") == []
    stack.wait(stack.start("SET_SETTLE-join", {"business_date": MONDAY}))
    assert [r["name"] for r in stack.runs("SET_SETTLE")] == [f"SET_SETTLE-{MONDAY}"]
    refused = stack.wait(stack.start("SET_SETTLE-join", {"day": MONDAY}))
    assert refused["status"] == "FAILED" and refused["error"] == "JoinInputInvalid"


# --------------------------------------------------------------------------- Control-M new-day time


def test_controlm_order_date_after_midnight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: None
) -> None:
    """GL_POST waits for both ledgers of an order date; with the new day at 07:00, GL_AR's run at
    01:30 belongs to the order date before (a Monday's at 01:30 on Tuesday)."""
    monkeypatch.setenv("JOBMIGRATE_CONTROLM_NEWDAY", "07:00")
    out = convert(tmp_path, JOIN / "gl_close.xml", "controlm")
    plan = load_plan(out)
    assert [f.code for f in plan.findings if f.code.startswith("JM4")] == ["JM404"]
    stack = Stack(out)
    stack.ended(stack.scheduled("GL_AP", utc("2027-03-01T20:00")))
    assert stack.runs("GL_POST") == []
    stack.ended(stack.scheduled("GL_AR", utc("2027-03-02T01:30")))  # order date Monday
    assert [r["name"] for r in stack.runs("GL_POST")] == ["GL_POST-2027-03-01"]
    stack.ended(stack.scheduled("GL_AP", utc("2027-03-02T20:00")))  # Tuesday's: no pair yet
    assert len(stack.runs("GL_POST")) == 1


# --------------------------------------------------------------------------- JP1 base time, closed days


def test_jp1_base_time(tmp_path: Path, aws: None) -> None:
    """Base time 05:00: the sales close at +21:00 (02:00 on Tuesday) belongs to Monday, as the
    stock count at 23:00 on Monday does."""
    out = convert(tmp_path, JOIN / "nightly_close.ajs", "jp1")
    stack = Stack(out)
    stack.ended(stack.scheduled("CLOSE-STOCK_COUNT", utc("2027-03-01T23:00")))
    stack.ended(stack.scheduled("CLOSE-SALES_CLOSE", utc("2027-03-02T02:00")))
    assert [r["name"] for r in stack.runs("CLOSE-LEDGER_POST")] == ["CLOSE-LEDGER_POST-2027-03-01"]


def test_jp1_skipped_runs_do_not_count(tmp_path: Path) -> None:
    """On a closed day the calendar gates skip both: a skipped run ends SUCCEEDED, and does not
    count."""
    out = convert(tmp_path, JOIN / "nightly_close.ajs", "jp1")
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with local_aws(lambda command: ("Success", 0), lambda names, at: "CLOSED"):
        stack = Stack(out)
        stock = stack.scheduled("CLOSE-STOCK_COUNT", utc("2027-01-11T23:00"))  # a holiday
        assert stock["status"] == "SUCCEEDED" and "skipped" in json.loads(stock["output"])
        stack.ended(stock)
        sales = stack.scheduled("CLOSE-SALES_CLOSE", utc("2027-01-12T02:00"))
        (joined,) = stack.ended(sales)
        assert stack.last_state(joined) == "UndatedRun"
        assert stack.runs("CLOSE-LEDGER_POST") == []


# --------------------------------------------------------------------------- business dates


def _net(name: str, *external: ExternalDependency, at: int | None = None) -> JobNet:
    """A root job-net of one job; with `at` (minutes after midnight) it runs every weekday."""
    schedule = (
        [ScheduleRule(date=Weekdays(weekdays=["mo", "tu", "we", "th", "fr"]), times=[StartTime(minutes=at)])]
        if at is not None
        else []
    )
    job = Job(name="J", path=f"/{name}/J", command=Command(text=f"{name.lower()}.sh"))
    return JobNet(name=name, path=f"/{name}", children=[job], external=list(external), schedule=schedule)


def _workflow(*nets: JobNet) -> Workflow:
    return Workflow(source_system="yaml", children=list(nets), unit_count=2 * len(nets))


def _plan(*nets: JobNet) -> Plan:
    return planner.plan(_workflow(*nets), OPTIONS)


def _convert(tmp_path: Path, *nets: JobNet) -> Path:
    """The job-nets converted by the CLI, written in the neutral format (the IR as YAML)."""
    source = tmp_path / "jobnets.yaml"
    source.write_text(yaml.safe_dump(_workflow(*nets).model_dump(mode="json")), encoding="utf-8")
    return convert(tmp_path, source, "yaml")


def test_business_date_arithmetic(tmp_path: Path, aws: None) -> None:
    """The join's own date arithmetic on scheduled instants: month and year ends, leap years,
    days added and taken away, the extra day from a UTC time of day on."""
    stack = Stack(
        _convert(
            tmp_path,
            _net("P", at=600),
            _net("Q", at=600),
            _net("D", ExternalDependency(target="/P"), ExternalDependency(target="/Q")),
        )
    )
    cases = [
        ("2027-12-31T21:15:00Z", 1, "24:00:00", "2028-01-01"),
        ("2028-02-28T21:15:00Z", 1, "24:00:00", "2028-02-29"),
        ("2027-02-28T21:15:00Z", 1, "24:00:00", "2027-03-01"),
        ("2028-03-01T03:00:00Z", -1, "24:00:00", "2028-02-29"),
        ("2027-03-01T03:00:00Z", -1, "24:00:00", "2027-02-28"),
        ("2027-01-01T03:00:00Z", -1, "24:00:00", "2026-12-31"),
        ("2027-07-01T00:30:00Z", -2, "24:00:00", "2027-06-29"),
        ("2027-03-31T15:00:00Z", 0, "15:00:00", "2027-04-01"),
        ("2027-03-31T14:59:59Z", 0, "15:00:00", "2027-03-31"),
        ("2027-12-31T15:00:00.000Z", 0, "15:00:00", "2028-01-01"),
        ("2027-04-30T23:00:00Z", 1, "20:00:00", "2027-05-02"),
    ]
    runs = [
        stack.start(
            "P",
            {"scheduled_time": instant, "business_day": {"add_days": add, "plus_one_from": plus_one_from}},
        )
        for instant, add, plus_one_from, _ in cases
    ]
    # The join dates the run that ended first of all (item 0 of what it found).
    joins = [stack.start("D-join", {"started_after": stack.wait(run)["executionArn"]}) for run in runs]
    for (instant, _, _, expected), arn in zip(cases, joins, strict=True):
        found = json.loads(stack.wait(arn)["output"])["found"]
        assert found[0] == {"key": f"P SUCCEEDED {expected}", "day": expected}, instant


def test_a_chained_run_belongs_to_the_day_of_the_run_that_started_it(tmp_path: Path, aws: None) -> None:
    """C starts when B ends, B is scheduled at 06:15; D waits for C and for A (22:30)."""
    out = _convert(
        tmp_path,
        _net("A", at=22 * 60 + 30),
        _net("B", at=6 * 60 + 15),
        _net("C", ExternalDependency(target="/B")),
        _net("D", ExternalDependency(target="/A"), ExternalDependency(target="/C")),
    )
    (joined,) = load_plan(out).join_machines
    assert joined.join is not None and joined.join.reads == ["A", "B", "C"]
    stack = Stack(out)
    b = stack.scheduled("B", utc("2027-03-01T06:15"))
    (c,) = stack.ended(b)
    stack.ended(stack.wait(c))
    stack.ended(stack.scheduled("A", utc("2027-03-01T22:30")))
    assert [r["name"] for r in stack.runs("D")] == ["D-2027-03-01"]


def test_fit_of_business_days() -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))

    def run(day: str, local: str) -> tuple[dt.datetime, dt.date]:
        return dt.datetime.fromisoformat(local).replace(tzinfo=tokyo), dt.date.fromisoformat(day)

    # 06:15 in Tokyo is 21:15 UTC the day before, 22:30 is 13:30 UTC the same day.
    found = join.fit([run("2027-03-01", "2027-03-01T06:15"), run("2027-03-01", "2027-03-01T22:30")])
    assert found == BusinessDay(add_days=0, plus_one_from="21:15:00")
    assert join.fit([]) == BusinessDay(add_days=0, plus_one_from="24:00:00")
    # 25:30 of Monday and 01:30 of Wednesday are both at 16:30 UTC, of different business days.
    assert join.fit([run("2027-03-01", "2027-03-02T01:30"), run("2027-03-03", "2027-03-03T01:30")]) is None


def test_runs_that_no_utc_boundary_dates_are_reported() -> None:
    monday_late = ScheduleRule(
        number=1, date=Weekdays(weekdays=["mo"]), times=[StartTime(minutes=25 * 60 + 30)]
    )
    wednesday = ScheduleRule(number=2, date=Weekdays(weekdays=["we"]), times=[StartTime(minutes=90)])
    p = _net("P")
    p.schedule = [monday_late, wednesday]
    plan = _plan(
        p, _net("Q", at=600), _net("D", ExternalDependency(target="/P"), ExternalDependency(target="/Q"))
    )
    (undated,) = [f for f in plan.findings if f.code == "JM407"]
    assert undated.severity == "error" and "P's runs" in undated.message


def test_mixed_and_unscheduled_predecessors() -> None:
    mixed = _net("M", ExternalDependency(target="/A"), ExternalDependency(target="/B", mode="any"))
    plan = _plan(_net("A", at=600), _net("B", at=600), mixed)
    (error,) = [f for f in plan.findings if f.code == "JM406"]
    assert error.severity == "error" and not plan.join_machines
    assert next(n for n in plan.jobnets if n.path == "/M").triggers[0].kind == "event"  # any of them
    by_hand = _plan(
        _net("A"),
        _net("B", at=600),
        _net("D", ExternalDependency(target="/A"), ExternalDependency(target="/B")),
    )
    (warning,) = [f for f in by_hand.findings if f.code == "JM408"]
    assert warning.severity == "warning" and '"business_date"' in warning.message


def test_concurrent_join_runs_start_it_once(settlement: Path, aws: None) -> None:
    stack = Stack(settlement)
    fx = stack.scheduled("SET_FX_BOX", FX_MONDAY)
    trades = stack.scheduled("SET_TRADES_BOX", TRADES_MONDAY)
    # Both events at the same moment: two join runs, each sees both ended.
    started: list[str] = []
    threads = [
        threading.Thread(target=lambda e=e: started.extend(stack.ended(e, wait=False))) for e in (fx, trades)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    joins = stack.of(started, "SET_SETTLE-join")
    for arn in joins:
        stack.wait(arn)
    # Each started it, or found it started: StartExecution with the name and input of a running
    # execution answers with that execution, of one that ended with ExecutionAlreadyExists.
    assert len(joins) == 2 and {stack.last_state(a) for a in joins} <= {"Started", "AlreadyStarted"}
    assert len(stack.runs("SET_SETTLE")) == 1
