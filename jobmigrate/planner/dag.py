"""Series-parallel structure for a job-net's dependency DAG.

Amazon States Language runs states one after another or forks branches that all join at the end
(a Parallel state); it has no arbitrary dependency graph. A legacy job-net is a DAG of units, so
we rewrite it as nested sequences and parallels that keep every legacy edge, run each unit once,
give up as little concurrency as possible, and report exactly which concurrent pairs were
serialised.

Everything here works on the partial order (reachability), never on the raw edges: duplicate and
transitive edges have the same order as the transitive reduction, so they cannot cost parallelism.

A set of units splits in parallel when it is disconnected (its weakly connected components) and
in series when its incomparability graph is disconnected (its co-components, which the order ranks
one after another). Both splits lose nothing and are the only way to decompose a series-parallel
order, so series-parallel job-nets come out exact. A set allowing neither is prime: it contains an
N (a→c, b→c, b→d) and any structure must serialise some concurrent pair. We then cut it in series
at a down-closed prefix (closed under predecessors, so every edge still points forward), chosen
optimally by dynamic programming when the set is small and by a polynomial search otherwise, and
decompose both halves again.

Sets of units are Python ints used as bitsets: bit i stands for nodes[i], definition order, so
walking bits from the lowest gives the definition order and the output never depends on hashing.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypeAlias

# Prime sets this small are cut optimally, by dynamic programming over their down-closed prefixes
# (at most 2**EXACT_LIMIT each); larger ones by ranking candidate cuts, which stays polynomial.
EXACT_LIMIT = 10
# Prime sets up to this size try their LOOKAHEAD best-ranked cuts through to the end.
LOOKAHEAD_LIMIT = 64
LOOKAHEAD = 16


@dataclass(frozen=True, slots=True)
class Leaf:
    node: str


@dataclass(frozen=True, slots=True)
class Seq:
    """Items run one after another."""

    items: tuple[Structure, ...]


@dataclass(frozen=True, slots=True)
class Par:
    """Branches run concurrently and join when all have ended."""

    branches: tuple[Structure, ...]


Structure: TypeAlias = Leaf | Seq | Par


@dataclass(frozen=True, slots=True)
class Decomposition:
    structure: Structure | None
    """None for an empty graph."""
    lost: frozenset[tuple[str, str]]
    """Pairs (a, b), a < b, that could run concurrently in the DAG but are ordered in the structure."""
    series_parallel: bool
    """True when nothing was lost."""


class CycleError(ValueError):
    """The dependencies have a cycle, so no unit on it could ever start."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = tuple(cycle)
        super().__init__("dependency cycle: " + " -> ".join([*self.cycle, self.cycle[0]]))


def decompose(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> Decomposition:
    """A series-parallel structure running each node once after all its predecessors.

    `nodes` is the definition order: it breaks every tie, so the same input always gives the
    same structure. Raises CycleError for a cycle and ValueError for an edge naming an unknown node.
    """
    names = tuple(nodes)
    if not names:
        return Decomposition(structure=None, lost=frozenset(), series_parallel=True)
    order = _Order(names, _successor_masks(names, edges))
    drafts = _Builder(order).build((1 << len(names)) - 1)
    lost = _lost_pairs(order, drafts)
    return Decomposition(structure=_freeze(names, drafts), lost=lost, series_parallel=not lost)


def _successor_masks(names: tuple[str, ...], edges: Iterable[tuple[str, str]]) -> list[int]:
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in index:
            raise ValueError(f"duplicate node {name!r}")
        index[name] = i
    succ = [0] * len(names)
    for pred, node in edges:
        for end in (pred, node):
            if end not in index:
                raise ValueError(f"edge {pred!r} -> {node!r} names unknown node {end!r}")
        if pred == node:
            raise CycleError([pred])
        succ[index[pred]] |= 1 << index[node]
    return succ


def _bits(mask: int) -> Iterator[int]:
    """Indices of the set bits, lowest (earliest defined) first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


class _Order:
    """The DAG's partial order as bitsets, plus a topological order that follows definition order."""

    def __init__(self, names: tuple[str, ...], succ: list[int]) -> None:
        self.names = names
        self.succ = succ
        self.pred = [0] * len(names)
        for node, targets in enumerate(succ):
            for target in _bits(targets):
                self.pred[target] |= 1 << node
        self.topo = self._topological()
        self.rank = [0] * len(names)
        for position, node in enumerate(self.topo):
            self.rank[node] = position
        # Strict descendants and ancestors; built along the topological order so each is one pass.
        self.below = [0] * len(names)
        self.above = [0] * len(names)
        for node in reversed(self.topo):
            for target in _bits(succ[node]):
                self.below[node] |= self.below[target] | (1 << target)
        for node in self.topo:
            for source in _bits(self.pred[node]):
                self.above[node] |= self.above[source] | (1 << source)
        self.comparable = [b | a for b, a in zip(self.below, self.above, strict=True)]
        # The same edges as lists: walking a short list beats walking the bits of a wide int.
        self.succ_list = [list(_bits(targets)) for targets in self.succ]
        self.pred_list = [list(_bits(sources)) for sources in self.pred]

    def _topological(self) -> list[int]:
        """Kahn's algorithm taking the earliest-defined ready node first."""
        waiting = [p.bit_count() for p in self.pred]
        ready = [node for node, count in enumerate(waiting) if count == 0]
        heapq.heapify(ready)
        topo: list[int] = []
        while ready:
            node = heapq.heappop(ready)
            topo.append(node)
            for target in _bits(self.succ[node]):
                waiting[target] -= 1
                if waiting[target] == 0:
                    heapq.heappush(ready, target)
        if len(topo) < len(self.names):
            raise CycleError([self.names[i] for i in self._cycle(waiting)])
        return topo

    def _cycle(self, waiting: list[int]) -> list[int]:
        """One cycle among the nodes Kahn's algorithm could not release, in edge direction.

        Every such node still waits for another such node, so walking predecessors from one of
        them must revisit a node; the walk from that node back to itself is the cycle.
        """
        stuck = sum(1 << node for node, count in enumerate(waiting) if count)
        walk: list[int] = []
        seen: dict[int, int] = {}
        node = _lowest(stuck)
        while node not in seen:
            seen[node] = len(walk)
            walk.append(node)
            node = _lowest(self.pred[node] & stuck)
        cycle = list(reversed(walk[seen[node] :]))
        first = cycle.index(min(cycle))  # start the report at the earliest-defined node
        return cycle[first:] + cycle[:first]

    def components(self, mask: int) -> list[int]:
        """Weakly connected components of `mask`, by first node: they may run in parallel."""
        return _classes(mask, lambda node: self.comparable[node])

    def blocks(self, mask: int) -> list[int]:
        """Co-components of `mask` in execution order: every node of one precedes all of the next.

        Two nodes in different co-components are comparable, and all pairs between two
        co-components point the same way (else a chain of concurrent pairs inside one would be
        comparable), so the number of ancestors inside `mask` of any member ranks the blocks.
        """
        found = _classes(mask, lambda node: ~(self.comparable[node] | (1 << node)))
        return sorted(found, key=lambda block: (self.above[_lowest(block)] & mask).bit_count())


def _classes(mask: int, related: Callable[[int], int]) -> list[int]:
    """Connected components of `mask` under a symmetric relation given as bitsets, by first node."""
    found: list[int] = []
    rest = mask
    while rest:
        component = frontier = rest & -rest
        while frontier:
            reached = 0
            for node in _bits(frontier):
                reached |= related(node)
            frontier = reached & rest & ~component
            component |= frontier
        found.append(component)
        rest &= ~component
    return found


_Kind: TypeAlias = Literal["seq", "par", "leaf"]


@dataclass(slots=True)
class _Draft:
    """A node of the structure under construction: its set of units and its children's drafts."""

    mask: int
    kind: _Kind = "leaf"
    children: list[int] = field(default_factory=list)


class _Builder:
    """Expands the whole node set into drafts, top-down with an explicit stack.

    The stack (not recursion) matters: nesting can be as deep as the job-net is large.
    """

    def __init__(self, order: _Order) -> None:
        self.order = order
        self.cuts = _CutChooser(order)

    def build(self, everything: int) -> list[_Draft]:
        drafts = [_Draft(everything)]
        pending = [0]
        while pending:
            draft = drafts[pending.pop()]
            if draft.mask.bit_count() == 1:
                continue
            branches = self.order.components(draft.mask)
            if len(branches) > 1:
                draft.kind, parts = "par", branches
            else:
                draft.kind, parts = "seq", self._series_items(draft.mask)
            for part in parts:
                draft.children.append(len(drafts))
                pending.append(len(drafts))
                drafts.append(_Draft(part))
        return drafts

    def _series_items(self, connected: int) -> list[int]:
        """The items of the sequence for a connected set, each a single node or a disconnected set.

        Items are refined until none splits in series (blocks) or needs a lossy cut (prime), so
        the sequence never holds another sequence.
        """
        items: list[int] = []
        work = [connected]  # a stack whose top is the earliest unrefined part
        while work:
            part = work.pop()
            if part.bit_count() == 1 or (part != connected and len(self.order.components(part)) > 1):
                items.append(part)
                continue
            blocks = self.order.blocks(part)
            if len(blocks) > 1:
                work.extend(reversed(blocks))
            else:
                prefix = self.cuts.choose(part)
                work.extend((part & ~prefix, prefix))
        return items


class _CutChooser:
    """Picks the series cut of a prime set: a down-closed prefix to run before the rest.

    Small sets get the optimum by dynamic programming. Larger ones rank candidate cuts by the
    share of straddling pairs they serialise (see _Candidates) and, up to LOOKAHEAD_LIMIT nodes,
    try the best LOOKAHEAD of them to the end: cut cost plus what a quick decomposition of each
    side still loses. Ranking alone is myopic: a cheap cut can leave two sides that each lose a
    lot, while a dearer one (often cutting off a single sink) leaves sides that fall apart into
    independent branches for free.
    """

    def __init__(self, order: _Order) -> None:
        self.order = order
        # mask -> (lost pairs, longest chain) of its optimal structure, and its best prefix if prime.
        self.optimum: dict[int, tuple[int, int]] = {}
        self.best_cut: dict[int, int] = {}
        # mask -> lost pairs of the quick decomposition, for the lookahead.
        self.estimates: dict[int, int] = {}

    def choose(self, mask: int) -> int:
        size = mask.bit_count()
        if size <= EXACT_LIMIT:
            self._exact(mask)
            return self.best_cut[mask]
        candidates = _Candidates(self.order, mask)
        if size > LOOKAHEAD_LIMIT:
            return candidates.ranked(closures=False)[0]
        ranked = candidates.ranked(closures=True)
        # min keeps the first of equal totals, so ties go to the better-ranked cut.
        return min(
            ranked[:LOOKAHEAD],
            key=lambda prefix: (
                candidates.cost(prefix) + self._estimate(prefix) + self._estimate(mask & ~prefix)
            ),
        )

    def _estimate(self, mask: int) -> int:
        """Lost pairs inside `mask` if decomposed without lookahead (optimally when small)."""
        known = self.estimates.get(mask)
        if known is not None:
            return known
        if mask.bit_count() == 1:
            result = 0
        elif len(branches := self.order.components(mask)) > 1:
            result = sum(self._estimate(branch) for branch in branches)
        elif len(blocks := self.order.blocks(mask)) > 1:
            result = sum(self._estimate(block) for block in blocks)
        elif mask.bit_count() <= EXACT_LIMIT:
            result = self._exact(mask)[0]
        else:
            candidates = _Candidates(self.order, mask)
            prefix = candidates.ranked(closures=False)[0]
            result = candidates.cost(prefix) + self._estimate(prefix) + self._estimate(mask & ~prefix)
        self.estimates[mask] = result
        return result

    def _exact(self, mask: int) -> tuple[int, int]:
        """Least lost pairs, then shortest longest chain (unit durations), over all structures.

        Both criteria add up across a cut, and across parallel branches the first adds up and the
        second is a maximum, so optimal parts make an optimal whole. The chain length only breaks
        ties: among equally lossy cuts, prefer the one that keeps the critical path short.
        """
        known = self.optimum.get(mask)
        if known is not None:
            return known
        if mask.bit_count() == 1:
            result = (0, 1)
        elif len(branches := self.order.components(mask)) > 1:
            parts = [self._exact(branch) for branch in branches]
            result = (sum(p[0] for p in parts), max(p[1] for p in parts))
        elif len(blocks := self.order.blocks(mask)) > 1:
            parts = [self._exact(block) for block in blocks]
            result = (sum(p[0] for p in parts), sum(p[1] for p in parts))
        else:
            result = self._exact_cut(mask)
        self.optimum[mask] = result
        return result

    def _exact_cut(self, mask: int) -> tuple[int, int]:
        best: tuple[int, int] | None = None
        for prefix, cost in self._down_sets(mask):
            first, second = self._exact(prefix), self._exact(mask & ~prefix)
            score = (cost + first[0] + second[0], first[1] + second[1])
            if best is None or score < best:
                best = score
                self.best_cut[mask] = prefix
        assert best is not None, "a prime set has a proper down-closed prefix"
        return best

    def _down_sets(self, mask: int) -> Iterator[tuple[int, int]]:
        """Proper, non-empty subsets of `mask` closed under predecessors, with their cut cost.

        Depth-first over the members in topological order: a member may join only when all its
        predecessors inside `mask` have, so only closed subsets are ever generated. The cost is
        k(m-k) - W, as explained in _Candidates, with W summed along the way.
        """
        ordered = sorted(_bits(mask), key=self.order.rank.__getitem__)
        size = len(ordered)
        needs = [self.order.pred[node] & mask for node in ordered]
        weight = [
            (self.order.below[node] & mask).bit_count() - (self.order.above[node] & mask).bit_count()
            for node in ordered
        ]
        stack = [(0, 0, 0, 0)]  # position, chosen set, its size, its W
        while stack:
            position, chosen, k, total = stack.pop()
            if position == size:
                if 0 < k < size:
                    yield chosen, k * (size - k) - total
                continue
            stack.append((position + 1, chosen, k, total))
            if not needs[position] & ~chosen:
                stack.append(
                    (position + 1, chosen | (1 << ordered[position]), k + 1, total + weight[position])
                )


class _Candidates:
    """Candidate cuts of one prime set, ranked, in time polynomial in its size.

    A cut of `mask` (m nodes) at a down-closed prefix P (k nodes) serialises every concurrent pair
    straddling it. Straddling pairs number k(m-k); the comparable ones all point forward and
    number, summed over x in P, (descendants of x in mask) - (ancestors of x in mask), since every
    ancestor of a member of P is in P. So with w(x) = descendants - ancestors inside the mask,
    cost(P) = k(m-k) - W(P), W(P) the sum of w over P: additive, so sweeps price each prefix in
    constant time.

    Candidates are ranked by cost / k(m-k), the share of straddling pairs lost, not by cost:
    the cheapest cut is nearly always a single source or sink, and peeling nodes one by one ends
    in a total order that serialises everything (the sparsest-cut trade-off of hierarchical
    clustering). They are the longest-path layers (a cut between layers keeps the critical
    path), greedy topological sweeps from the bottom (taking the ready node of highest w, the
    cheapest step) and from the top (dropping the ready node of lowest w) and, on request, the
    down-closure of each node and the complement of each node's up-closure. The closures cost
    a popcount pass each and, measured on random DAGs, never ranked first, so only the lookahead,
    which also tries runners-up, asks for them.
    """

    def __init__(self, order: _Order, mask: int) -> None:
        self.order = order
        self.mask = mask
        self.members = sorted(_bits(mask), key=order.rank.__getitem__)
        self.size = len(self.members)
        self.weight = {
            node: (order.below[node] & mask).bit_count() - (order.above[node] & mask).bit_count()
            for node in self.members
        }

    def cost(self, prefix: int) -> int:
        k = prefix.bit_count()
        # map keeps the loop in C: this runs for every closure candidate.
        total: int = sum(
            map(operator.mul, map(int.bit_count, map(prefix.__and__, self._slices)), self._scales)
        )
        return k * (self.size - k) - (total - self.size * k)

    @cached_property
    def _slices(self) -> list[int]:
        """Bit j of each weight shifted to be non-negative (w + m), as a node set: W(P) then
        takes one popcount per bit instead of a walk over P."""
        slices = [0] * (2 * self.size).bit_length()
        for node in self.members:
            for bit in _bits(self.weight[node] + self.size):
                slices[bit] |= 1 << node
        return slices

    @cached_property
    def _scales(self) -> list[int]:
        return [1 << bit for bit in range(len(self._slices))]

    def ranked(self, closures: bool) -> list[int]:
        """Distinct candidate prefixes, least lossy share first; ties keep the order found."""
        found: dict[int, float] = {}
        for prefixes in (self._layers(), self._sweep_up(), self._sweep_down()):
            for prefix, cost in prefixes:
                found.setdefault(prefix, self._share(prefix, cost))
        for node in self.members if closures else ():
            down = (self.order.above[node] & self.mask) | (1 << node)
            before = self.mask & ~(self.order.below[node] | (1 << node))
            for prefix in (down, before):
                if prefix and prefix != self.mask and prefix not in found:
                    found[prefix] = self._share(prefix, self.cost(prefix))
        return sorted(found, key=found.__getitem__)

    def _share(self, prefix: int, cost: int) -> float:
        # Equal fractions give equal floats (division rounds correctly), so ties are real ties.
        k = prefix.bit_count()
        return cost / (k * (self.size - k))

    def _prefixes(self, sequence: list[int]) -> Iterator[tuple[int, int]]:
        """Each proper prefix of a topological sequence with its cost, shortest first."""
        prefix = total = 0
        for k, node in enumerate(sequence[:-1], start=1):
            prefix |= 1 << node
            total += self.weight[node]
            yield prefix, k * (self.size - k) - total

    def _layers(self) -> Iterator[tuple[int, int]]:
        depth: dict[int, int] = {}
        for node in self.members:
            depth[node] = 1 + max((depth[p] for p in self.order.pred_list[node] if p in depth), default=0)
        sequence = sorted(self.members, key=lambda node: (depth[node], self.order.rank[node]))
        for k, (prefix, cost) in enumerate(self._prefixes(sequence), start=1):
            if depth[sequence[k - 1]] != depth[sequence[k]]:
                yield prefix, cost

    def _sweep_up(self) -> Iterator[tuple[int, int]]:
        return self._prefixes(self._greedy(self.order.pred, self.order.succ_list, -1))

    def _sweep_down(self) -> Iterator[tuple[int, int]]:
        """Prefixes left by dropping nodes from the top; W of the whole set is 0 (each pair +1, -1)."""
        sequence = self._greedy(self.order.succ, self.order.pred_list, 1)
        prefix, total = self.mask, 0
        for k, node in zip(range(self.size - 1, 0, -1), sequence, strict=False):
            prefix &= ~(1 << node)
            total -= self.weight[node]
            yield prefix, k * (self.size - k) - total

    def _greedy(self, waits_for: list[int], releases: list[list[int]], sign: int) -> list[int]:
        """Topological order (of the reversed graph when walking down), ready node of least
        sign * w first, then the earliest in the global topological order."""
        waiting = {node: (waits_for[node] & self.mask).bit_count() for node in self.members}
        ready = [(sign * self.weight[n], self.order.rank[n], n) for n in self.members if not waiting[n]]
        heapq.heapify(ready)
        sequence: list[int] = []
        while ready:
            node = heapq.heappop(ready)[2]
            sequence.append(node)
            for other in releases[node]:
                if other not in waiting:
                    continue
                waiting[other] -= 1
                if not waiting[other]:
                    heapq.heappush(ready, (sign * self.weight[other], self.order.rank[other], other))
        return sequence


def _lost_pairs(order: _Order, drafts: list[_Draft]) -> frozenset[tuple[str, str]]:
    """Concurrent pairs of the DAG that the structure orders: x is before y when both sit in one
    sequence with x's item earlier."""
    before = [0] * len(order.names)
    for draft in drafts:
        if draft.kind != "seq":
            continue
        later = 0
        for child in reversed(draft.children):
            for node in _bits(drafts[child].mask):
                before[node] |= later
            later |= drafts[child].mask
    lost: set[tuple[str, str]] = set()
    for node, successors in enumerate(before):
        # Every cut was closed under predecessors, so each descendant is ordered after its node.
        assert not order.below[node] & ~successors, "structure lost a dependency"
        for other in _bits(successors & ~order.below[node]):
            a, b = order.names[node], order.names[other]
            lost.add((a, b) if a < b else (b, a))
    return frozenset(lost)


def _freeze(names: tuple[str, ...], drafts: list[_Draft]) -> Structure:
    """Immutable structure from the drafts; children come after parents, so build from the end."""
    built: dict[int, Structure] = {}
    for at in reversed(range(len(drafts))):
        draft = drafts[at]
        children = tuple(built.pop(child) for child in draft.children)
        if draft.kind == "seq":
            built[at] = Seq(children)
        elif draft.kind == "par":
            built[at] = Par(children)
        else:
            built[at] = Leaf(names[_lowest(draft.mask)])
    return built[0]
