"""Order of the jobs inside one job-net's state machine.

First slice: a sequence in a topological order of the legacy graph, nested job-nets inlined.
Every legacy edge stays ordered; what the sequence gives up (parallel branches) and what it
cannot yet express (recovery paths, judgment branches, event waits) is reported as findings.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from jobmigrate.model import Finding, Job, JobNet, Severity


@dataclass(slots=True)
class Sequence:
    jobs: list[Job] = field(default_factory=list)
    unplanned: list[Job] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def sequence(net: JobNet) -> Sequence:
    out = Sequence()
    _visit(net, out)
    return out


def _visit(net: JobNet, out: Sequence) -> None:
    for child in _topological(net, out):
        if isinstance(child, JobNet):
            if child.recovery:
                out.findings.append(_unplanned(child, "JM103", "recovery job-nets are not planned yet"))
                continue
            _visit(child, out)
        elif child.recovery:
            out.unplanned.append(child)
            out.findings.append(_unplanned(child, "JM102", "recovery jobs are not planned yet"))
        elif child.kind != "command" or child.command is None:
            out.unplanned.append(child)
            out.findings.append(_unplanned(child, "JM101", f"{child.kind} units are not planned yet"))
        else:
            out.jobs.append(child)
    for edge in net.edges:
        if edge.kind == "conditional":
            out.findings.append(
                Finding(
                    severity=Severity.ERROR,
                    code="JM104",
                    message=f"{edge.succ} runs only when judgment {edge.pred} is true; "
                    "conditional branches are not planned yet",
                    path=f"{net.path}/{edge.succ}",
                    source=edge.source or net.source,
                )
            )


def _topological(net: JobNet, out: Sequence) -> list[Job | JobNet]:
    """Kahn's algorithm, ties broken by definition order so output is stable."""
    index = {c.name: i for i, c in enumerate(net.children)}
    preds: dict[int, set[int]] = {i: set() for i in range(len(net.children))}
    succs: dict[int, set[int]] = {i: set() for i in range(len(net.children))}
    for e in net.edges:
        if e.pred in index and e.succ in index:
            preds[index[e.succ]].add(index[e.pred])
            succs[index[e.pred]].add(index[e.succ])
    ready = [i for i, p in preds.items() if not p]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for s in sorted(succs[i]):
            preds[s].discard(i)
            if not preds[s]:
                heapq.heappush(ready, s)
    if len(order) < len(net.children):
        stuck = [net.children[i].name for i in range(len(net.children)) if i not in set(order)]
        out.findings.append(
            Finding(
                severity=Severity.ERROR,
                code="JM105",
                message="dependency cycle between " + ", ".join(stuck),
                path=net.path,
                source=net.source,
            )
        )
    return [net.children[i] for i in order]


def _unplanned(node: Job | JobNet, code: str, message: str) -> Finding:
    return Finding(severity=Severity.ERROR, code=code, message=message, path=node.path, source=node.source)
