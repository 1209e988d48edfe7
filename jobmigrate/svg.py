"""Dependency graphs as inline SVG: a layered layout and its drawing, for report.html.

The layout is the usual layered one, kept to passes that cost time in proportion to the graph:

1. connected components are laid out one by one and packed onto shelves, so a job-net of many
   independent jobs reads as rows of boxes instead of one endless line;
2. layers by longest path from the sources (Kahn's order); a cycle, which legacy graphs should
   not have, is broken at the unit that closes it and its edge drawn as a back edge;
3. an edge spanning several layers gets a bend point in each layer it crosses (while their
   number stays within a budget proportional to the graph), so it runs between boxes;
4. the order inside each layer: three sweeps by the mean position of the neighbours in the
   previous layer (down, up, down), recovery units after the others;
5. x: each unit centred under its predecessors where the units beside it leave room.

Every text that reaches the SVG (names, tooltips, edge labels) goes through markupsafe's
escape; links are fragment references only (`#...`), so the drawing loads nothing.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

FONT_PX = 12
NARROW_PX = 7.3  # one monospace column at 12 px
MAX_COLUMNS = 26  # longer labels are cut, the full name is in the tooltip
PAD_X = 10
ONE_LINE = 28
TWO_LINES = 42
H_GAP = 22
V_GAP = 34
LABEL_STEP = 13  # extra gap per further edge label between two rows
BEND_WIDTH = 8
MARGIN = 12
SHELF_WIDTH = 1180  # components are packed into rows about this wide
COMPONENT_GAP = 30

# Node kinds (CSS classes) and edge kinds the stylesheet of report.html.j2 knows.
NODE_KINDS = ("job", "judgment", "recovery", "jobnet", "machine", "other", "missing")
EDGE_KINDS = ("success", "failure", "done", "conditional", "event", "starts")


@dataclass(slots=True)  # not frozen: built for every unit, and frozen costs at each field
class Node:
    label: str
    kind: str = "job"
    sub: str = ""  # a second, smaller line
    title: str = ""  # tooltip; the label when empty
    href: str = ""  # a fragment (`#id`) or nothing


@dataclass(slots=True)
class Edge:
    src: int
    dst: int
    kind: str = "success"
    label: str = ""


@dataclass(slots=True)
class Placed:
    """A box in whole pixels: stable numbers, short files."""

    x: int
    y: int
    w: int
    h: int


@dataclass(slots=True)
class Layout:
    width: int
    height: int
    boxes: list[Placed]
    routes: list[list[tuple[int, int]]]  # per edge: points from source to target
    back: list[bool]  # per edge: drawn against the layer order (cycle) or within one layer
    layer: list[int] = field(default_factory=list)
    slots: dict[int, tuple[int, int]] = field(default_factory=dict)  # labelled edges: (slot, of)


# --------------------------------------------------------------------------- text measures


def columns(text: str) -> int:
    """Display width in monospace columns: wide (CJK) characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int = MAX_COLUMNS) -> str:
    """`text` cut to `limit` columns, an ellipsis marking the cut."""
    if text.isascii():
        return text if len(text) <= limit else text[: limit - 1] + "…"
    if columns(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + width > limit - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def _size(label: str, sub: str, kind: str) -> tuple[int, int]:
    """Box size for the (clipped) label and second line."""
    cols = max(columns(label), columns(sub) if sub else 0, 4)
    extra = 16 if kind == "judgment" else 0
    return round(cols * NARROW_PX) + 2 * PAD_X + extra, TWO_LINES if sub else ONE_LINE


# --------------------------------------------------------------------------- layout


def layout(
    nodes: Sequence[Node], edges: Sequence[Edge], labels: Sequence[tuple[str, str]] | None = None
) -> Layout:
    """Positions of every node and the route of every edge; `labels` are the node texts as
    drawn (clipped), when the caller has them already."""
    n = len(nodes)
    if labels is None:
        labels = [(clip(v.label), clip(v.sub)) for v in nodes]
    sizes = [_size(label, sub, v.kind) for v, (label, sub) in zip(nodes, labels, strict=True)]
    boxes = [Placed(0, 0, w, h) for w, h in sizes]
    valid = [e for e in edges if 0 <= e.src < n and 0 <= e.dst < n]
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for e in valid:
        ra, rb = find(e.src), find(e.dst)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    for v in range(n):
        members.setdefault(find(v), []).append(v)
    edges_of: dict[int, list[int]] = {}
    for i, e in enumerate(edges):
        if 0 <= e.src < n and 0 <= e.dst < n:
            edges_of.setdefault(find(e.src), []).append(i)
    routes: list[list[tuple[int, int]]] = [[] for _ in edges]
    back = [False] * len(edges)
    slots: dict[int, tuple[int, int]] = {}
    layer_of = [0] * n
    shelf_x = shelf_y = shelf_h = 0
    width = 0
    for root in sorted(members):  # by the first unit of each component: definition order
        vs = members[root]
        comp = _Component(vs, [(i, edges[i]) for i in edges_of.get(root, [])], boxes, nodes)
        comp.arrange()
        if shelf_x > 0 and shelf_x + comp.width > SHELF_WIDTH:
            shelf_x, shelf_y, shelf_h = 0, shelf_y + shelf_h + COMPONENT_GAP, 0
        comp.shift(shelf_x + MARGIN, shelf_y + MARGIN)
        for i, points in comp.routes.items():
            routes[i] = points
            back[i] = i in comp.back
        slots.update(comp.slots)
        for v in vs:
            layer_of[v] = comp.layer[v]
        shelf_x += comp.width + COMPONENT_GAP
        shelf_h = max(shelf_h, comp.height)
        width = max(width, shelf_x - COMPONENT_GAP)
    height = shelf_y + shelf_h if n else 0
    return Layout(width + 2 * MARGIN, height + 2 * MARGIN, boxes, routes, back, layer_of, slots)


class _Component:
    """One connected component: layers, bend points, order, coordinates (relative to 0, 0)."""

    def __init__(
        self, vs: list[int], edges: list[tuple[int, Edge]], boxes: list[Placed], nodes: Sequence[Node]
    ) -> None:
        self.vs = vs
        self.edges = edges
        self.boxes = boxes
        self.nodes = nodes
        self.layer: dict[int, int] = {}
        self.routes: dict[int, list[tuple[int, int]]] = {}
        self.back: set[int] = set()
        self.width = 0
        self.height = 0
        self.slots: dict[int, tuple[int, int]] = {}  # labelled edge -> (its slot, slots in its gap)

    def arrange(self) -> None:
        self._layers()
        rows, preds, succs, bends = self._rows()
        self._order(rows, preds, succs)
        xs = self._coordinates(rows, preds)
        self._place(rows, xs, bends)

    # -- 1. longest-path layers ------------------------------------------------------------

    def _layers(self) -> None:
        succ: dict[int, list[int]] = {v: [] for v in self.vs}
        pred: dict[int, list[int]] = {v: [] for v in self.vs}
        indegree = dict.fromkeys(self.vs, 0)
        for _, e in self.edges:
            if e.src == e.dst:
                continue
            succ[e.src].append(e.dst)
            pred[e.dst].append(e.src)
            indegree[e.dst] += 1
        layer = self.layer
        done: set[int] = set()
        ready = [v for v in self.vs if indegree[v] == 0]
        for v in ready:
            layer[v] = 0
        head = 0
        scan = 0  # units before this index in definition order are all done
        while True:
            while head < len(ready):
                v = ready[head]
                head += 1
                done.add(v)
                for w in succ[v]:
                    if w in done:
                        continue
                    layer[w] = max(layer.get(w, 0), layer[v] + 1)
                    indegree[w] -= 1
                    if indegree[w] == 0:
                        ready.append(w)
            while scan < len(self.vs) and self.vs[scan] in done:
                scan += 1
            if scan == len(self.vs):
                break
            # A cycle: go on from its first unit in definition order, below what is placed.
            stuck = self.vs[scan]
            layer[stuck] = max([layer.get(stuck, 0), *(layer[p] + 1 for p in pred[stuck] if p in done)])
            indegree[stuck] = 0
            ready.append(stuck)
        for i, e in self.edges:
            if e.src == e.dst or layer[e.src] >= layer[e.dst]:
                self.back.add(i)

    # -- 2. rows with bend points ------------------------------------------------------------

    def _rows(
        self,
    ) -> tuple[list[list[int]], dict[int, list[int]], dict[int, list[int]], dict[int, list[int]]]:
        """Rows of units and bend points (negative ids), the links between adjacent rows, and
        for each edge the bend points it passes."""
        depth = max(self.layer.values()) + 1
        rows: list[list[int]] = [[] for _ in range(depth)]
        for v in self.vs:
            rows[self.layer[v]].append(v)
        preds: dict[int, list[int]] = {v: [] for v in self.vs}
        succs: dict[int, list[int]] = {v: [] for v in self.vs}
        bends: dict[int, list[int]] = {}
        budget = 4 * len(self.vs) + 64
        next_id = -1
        for i, e in self.edges:
            if i in self.back:
                continue
            span = self.layer[e.dst] - self.layer[e.src]
            chain = [e.src]
            if 1 < span <= budget:
                budget -= span - 1
                for k in range(1, span):
                    chain.append(next_id)
                    rows[self.layer[e.src] + k].append(next_id)
                    preds[next_id] = []
                    succs[next_id] = []
                    self.layer[next_id] = self.layer[e.src] + k
                    next_id -= 1
                bends[i] = chain[1:]
            chain.append(e.dst)
            for a, b in itertools.pairwise(chain):
                if self.layer[b] - self.layer[a] == 1:
                    succs[a].append(b)
                    preds[b].append(a)
        return rows, preds, succs, bends

    # -- 3. order inside the rows --------------------------------------------------------------

    def _order(self, rows: list[list[int]], preds: dict[int, list[int]], succs: dict[int, list[int]]) -> None:
        if all(len(row) < 2 for row in rows):
            return  # a chain: nothing to order
        position: dict[int, float] = {}
        for row in rows:
            for k, v in enumerate(row):
                position[v] = float(k)

        def sweep(indices: range, neighbours: dict[int, list[int]]) -> None:
            for r in indices:
                row = rows[r]
                if len(row) < 2:
                    continue  # a row of one keeps its place (0): the common chain

                def key(v: int, row_index: int) -> tuple[float, int, int]:
                    near = neighbours[v]
                    mean = sum(position[u] for u in near) / len(near) if near else position[v]
                    late = 1 if v >= 0 and self.nodes[v].kind == "recovery" else 0
                    return (mean, late, row_index)

                ranked = sorted(((key(v, k), v) for k, v in enumerate(row)), key=lambda kv: kv[0])
                row[:] = [v for _, v in ranked]
                for k, v in enumerate(row):
                    position[v] = float(k)

        sweep(range(1, len(rows)), preds)
        sweep(range(len(rows) - 2, -1, -1), succs)
        sweep(range(1, len(rows)), preds)

    # -- 4. coordinates --------------------------------------------------------------------------

    def _width(self, v: int) -> float:
        return self.boxes[v].w if v >= 0 else BEND_WIDTH

    def _coordinates(self, rows: list[list[int]], preds: dict[int, list[int]]) -> dict[int, float]:
        """Centre x of every unit and bend point: under the mean of its predecessors where the
        row leaves room, rows kept in order and apart."""
        centre: dict[int, float] = {}
        for row in rows:
            if len(row) == 1:  # the common case: under the mean of its predecessors, or at 0
                v = row[0]
                near = preds[v]
                centre[v] = sum([centre[u] for u in near]) / len(near) if near else self._width(v) / 2
                continue
            wanted = [sum([centre[u] for u in preds[v]]) / len(preds[v]) if preds[v] else None for v in row]
            left = 0.0
            placed: list[float] = []
            for v, want in zip(row, wanted, strict=True):
                half = self._width(v) / 2
                x = left + half if want is None else max(want, left + half)
                placed.append(x)
                left = x + half + H_GAP
            # Pushing right only drifts the row: move it back by the mean overshoot.
            overshoot = [p - w for p, w in zip(placed, wanted, strict=True) if w is not None]
            shift = sum(overshoot) / len(overshoot) if overshoot else 0.0
            for v, x in zip(row, placed, strict=True):
                centre[v] = x - shift
        return centre

    def _place(self, rows: list[list[int]], centre: dict[int, float], bends: dict[int, list[int]]) -> None:
        low = min(centre[v] - self._width(v) / 2 for v in centre)
        top = 0
        row_top: list[int] = []
        row_height: list[int] = []
        # Labelled edges leaving a row get a slot each, at different heights of the gap below it,
        # and the gap grows to hold them.
        leaving: dict[int, list[tuple[float, float, int]]] = {}
        for i, e in self.edges:
            if e.label and i not in self.back:
                leaving.setdefault(self.layer[e.src], []).append((centre[e.src], centre[e.dst], i))
        for found in leaving.values():
            found.sort()
            for k, (_, _, i) in enumerate(found):
                self.slots[i] = (k, len(found))
        boxes = self.boxes
        for r, row in enumerate(rows):
            if len(row) == 1:
                height = boxes[row[0]].h if row[0] >= 0 else ONE_LINE
            else:
                height = max([boxes[v].h for v in row if v >= 0], default=ONE_LINE)
            row_top.append(top)
            row_height.append(height)
            top += height + V_GAP + LABEL_STEP * max(0, len(leaving.get(r, [])) - 1)
        for v in self.vs:
            box = self.boxes[v]
            r = self.layer[v]
            box.x = round(centre[v] - box.w / 2 - low)
            box.y = row_top[r] + (row_height[r] - box.h) // 2
        self.width = round(max(centre[v] + self._width(v) / 2 - low for v in centre))
        self.height = top - V_GAP
        for i, e in self.edges:
            a, b = self.boxes[e.src], self.boxes[e.dst]
            if i in self.back:
                self.routes[i] = [(a.x + a.w, a.y + a.h // 2), (b.x + b.w, b.y + b.h // 2)]
                continue
            points = [(a.x + a.w // 2, a.y + a.h)]
            for d in bends.get(i, []):
                r = self.layer[d]
                x = round(centre[d] - low)
                points.append((x, row_top[r]))
                points.append((x, row_top[r] + row_height[r]))
            points.append((b.x + b.w // 2, b.y))
            self.routes[i] = points

    def shift(self, dx: int, dy: int) -> None:
        for v in self.vs:
            self.boxes[v].x += dx
            self.boxes[v].y += dy
        for i, points in self.routes.items():
            self.routes[i] = [(x + dx, y + dy) for x, y in points]


# --------------------------------------------------------------------------- drawing


def _path(points: list[tuple[int, int]], back: bool) -> str:
    (x0, y0), (x1, y1) = points[0], points[-1]
    if back:
        bulge = max(x0, x1) + 36 + abs(y1 - y0) // 12
        return f"M{x0} {y0}C{bulge} {y0} {bulge} {y1} {x1} {y1}"
    parts = [f"M{x0} {y0}"]
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        if xa == xb:
            parts.append(f"L{xb} {yb}")
        else:
            mid = (ya + yb) // 2
            parts.append(f"C{xa} {mid} {xb} {mid} {xb} {yb}")
    return "".join(parts)


def _label_at(points: list[tuple[int, int]], back: bool, slot: tuple[int, int]) -> tuple[int, int]:
    """Where an edge's label starts: beside its first stretch, at the height of its slot, so the
    labels of edges leaving one row do not sit on each other."""
    if back:
        (x0, y0), (x1, y1) = points[0], points[-1]
        return max(x0, x1) + 40, (y0 + y1) // 2
    (xa, ya), (xb, yb) = points[0], points[1]
    k, n = slot
    t = (k + 1) / (n + 1)
    # On the curve from (xa, ya) to (xb, yb) with vertical tangents, as _path draws it.
    x = xa + (xb - xa) * (3 * t * t - 2 * t * t * t)
    y = ya + (yb - ya) * (1.5 * t * (1 - t) + t * t * t)
    return round(x) + 5, round(y) + 4


def _node(node: Node, label: str, sub: str, box: Placed) -> str:
    x, y, w, h = box.x, box.y, box.w, box.h
    # The full name as a tooltip where the box shows less, or where the caller gives one.
    full = node.title or node.label
    title = f"<title>{escape(full)}</title>" if full != label else ""
    if node.kind == "judgment":
        mid = y + h // 2
        shape = (
            f'<polygon points="{x + 8},{y} {x + w - 8},{y} {x + w},{mid} '
            f'{x + w - 8},{y + h} {x + 8},{y + h} {x},{mid}"/>'
        )
    elif node.kind in ("jobnet", "machine"):
        shape = (
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6"/>'
            f'<rect class="inner" x="{x + 3}" y="{y + 3}" width="{w - 6}" height="{h - 6}" rx="4"/>'
        )
    else:
        rx = 12 if node.kind in ("other", "missing") else 4
        shape = f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}"/>'
    cx = x + w // 2
    if sub:
        text = (
            f'<text x="{cx}" y="{y + 17}">{escape(label)}</text>'
            f'<text class="sub" x="{cx}" y="{y + 33}">{escape(sub)}</text>'
        )
    else:
        text = f'<text x="{cx}" y="{y + h // 2 + 4}">{escape(label)}</text>'
    kind = node.kind if node.kind in NODE_KINDS else "other"
    body = f'<g class="n {kind}">{title}{shape}{text}</g>'
    if node.href.startswith("#"):
        return f'<a href="{escape(node.href)}">{body}</a>'
    return body


def draw(nodes: Sequence[Node], edges: Sequence[Edge], caption: str) -> Markup:
    """The graph as one `<svg>` element; `caption` is its accessible name."""
    labels = [(clip(v.label), clip(v.sub)) for v in nodes]
    placed = layout(nodes, edges, labels)
    width = placed.width + 40  # room for edges drawn against the layer order, on the right
    parts = [
        f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{placed.height}" '
        f'viewBox="0 0 {width} {placed.height}" role="img" aria-label="{escape(caption)}">'
    ]
    texts: list[str] = []
    for i, e in enumerate(edges):
        points = placed.routes[i]
        if not points:
            continue
        kind = e.kind if e.kind in EDGE_KINDS else "success"
        css = "e" if kind == "success" else f"e {kind}"
        parts.append(f'<path class="{css}" d="{_path(points, placed.back[i])}"/>')
        if e.label:
            lx, ly = _label_at(points, placed.back[i], placed.slots.get(i, (0, 1)))
            texts.append(f'<text class="el {kind}" x="{lx}" y="{ly}">{escape(clip(e.label, 30))}</text>')
    parts.extend(texts)
    parts.extend(_node(v, *labels[i], placed.boxes[i]) for i, v in enumerate(nodes))
    parts.append("</svg>")
    return Markup("".join(parts))
