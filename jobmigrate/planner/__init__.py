"""The planner: IR job-nets -> state machines, triggers and findings (a Plan).

It knows nothing of legacy syntax: everything it needs is in the IR. Each concern lives in its
own module: structure (order of jobs), executors (how a job runs), triggers (what starts a
state machine), naming (AWS names and limits).
"""

from __future__ import annotations

from jobmigrate import asl
from jobmigrate.model import Finding, JobNet, Severity, Workflow
from jobmigrate.plan import Host, JobNetPlan, JobPlan, Plan, Trigger, UnitCounts

from . import executors, structure, triggers
from .naming import MAX_NAME, NameRegistry, aws_name, jobnet_machine_name

DONE = "Done"


def plan(workflow: Workflow) -> Plan:
    machines = NameRegistry()
    findings: list[Finding] = list(workflow.findings)
    jobnets: list[JobNetPlan] = []
    definitions: dict[str, dict[str, object]] = {}
    hosts: set[str] = set()
    for net in workflow.root_jobnets():
        name = machines.claim(jobnet_machine_name(net.path), net.path)
        net_plan, definition, net_findings = _plan_jobnet(net, name, workflow.timezone)
        jobnets.append(net_plan)
        definitions[name] = definition
        findings.extend(net_findings)
        hosts.update(j.host for j in net_plan.jobs if j.host)
    return Plan(
        timezone=workflow.timezone,
        source_system=workflow.source_system,
        units=_count_units(workflow, findings),
        jobnets=jobnets,
        hosts=[Host(name=h, parameter=executors.host_parameter(h)) for h in sorted(hosts)],
        findings=findings,
        definitions=definitions,
    )


def _plan_jobnet(
    net: JobNet, name: str, timezone: str
) -> tuple[JobNetPlan, dict[str, object], list[Finding]]:
    seq = structure.sequence(net)
    found_triggers, trigger_findings = triggers.jobnet_triggers(net, timezone)
    if net.start_condition is not None:
        trigger_findings.append(
            Finding(
                severity=Severity.ERROR,
                code="JM203",
                message="event-driven start conditions are not planned yet",
                path=net.path,
                source=net.start_condition.source or net.source,
            )
        )
    if not found_triggers:
        found_triggers = [Trigger(kind="none", description="no schedule: started by hand or by its parent")]
    state_names = NameRegistry(MAX_NAME - len("-status"))
    named = [(job, state_names.claim(aws_name(job.name, state_names.limit), job.path)) for job in seq.jobs]
    states: dict[str, asl.State] = {}
    jobs: list[JobPlan] = []
    for i, (job, state) in enumerate(named):
        following = named[i + 1][1] if i + 1 < len(named) else DONE
        failed = f"{state}-failed"
        built = executors.ssm_run_command(job, state, following, failed)
        states.update(built.states)
        states[failed] = asl.Fail(error="JobFailed", cause=f"{job.path} ended abnormally")
        jobs.append(
            JobPlan(
                path=job.path,
                state=state,
                executor="ssm-run-command",
                host=built.host,
                document=built.document,
                source=job.source,
            )
        )
    states[DONE] = asl.Succeed()
    machine = asl.StateMachine(
        start_at=named[0][1] if named else DONE,
        states=states,
        comment=f"{net.path}" + (f" ({net.source})" if net.source else ""),
    )
    net_plan = JobNetPlan(
        path=net.path,
        source=net.source,
        state_machine=name,
        asl=f"statemachines/{name}.asl.json",
        triggers=found_triggers,
        jobs=jobs,
    )
    return net_plan, machine.to_dict(), seq.findings + trigger_findings


def _count_units(workflow: Workflow, findings: list[Finding]) -> UnitCounts:
    """Units with an error finding need manual review; the rest are converted."""
    total = workflow.unit_count
    review = len({f.path for f in findings if f.severity == Severity.ERROR and f.path})
    review = min(review, total)
    return UnitCounts(total=total, converted=total - review, manual_review=review)
