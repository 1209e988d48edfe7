"""The dependency report (report.html, report.md): what a team reviews before cutover.

* report.html loads nothing (CSP, no scripts, links only to fragments or data:), names every
  job-net and every generated expression, and its internal links resolve;
* the runs it lists and the run days of its calendar grids are the AWS side's: evaluated here
  independently, from the emitted expressions and Change Calendar documents;
* hostile names (markup, template syntax, `${x}`, newlines, Japanese) reach HTML and SVG escaped
  and mermaid labels encoded, never interpreted;
* the graph layout keeps every edge pointing down, caps what it draws, and terminates on cycles;
* headless Chromium renders the page (DOM and a screenshot in build/report-screenshot.png).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import defaultdict
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from calendars import awscron
from calendars.changecal import from_ics, state
from jobmigrate import report, svg
from jobmigrate.model import (
    Calendar,
    ClosingRule,
    Edge,
    ExternalDependency,
    HolidaySource,
    Job,
    JobNet,
    ScheduleRule,
    StartTime,
    Weekdays,
    Workflow,
)
from jobmigrate.plan import Horizon, JobNetPlan, Plan, Trigger, UnitCounts

from .conftest import ROOT, jobmigrate
from .test_safety import CRONTAB_NAME, SAFETY

FINANCE = ROOT / "examples" / "jp1" / "finance.ajs"
FINANCE_WINDOW = ("--start", "2025-01-01", "--end", "2025-12-31")
WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")
SCREENSHOT = ROOT / "build" / "report-screenshot.png"
NETWORK_ATTRIBUTES = {
    "src",
    "href",
    "xlink:href",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "background",
}

HOSTILE_NAMES = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
    "${x}",
    "line one\nline two",
    "経理日次締め処理",
    'it\'s "q" | `tick` ```',
]


# --------------------------------------------------------------------------- reading the page


class Page(HTMLParser):
    """The parts of report.html the tests look at: every element with its attributes, the text,
    the ids, and per job-net article its calendar cells and text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.article = ""
        self.depth = 0
        self.article_depth = -1
        self.cells: dict[str, list[str]] = defaultdict(list)  # article id -> classes of day cells
        self.article_text: dict[str, list[str]] = defaultdict(list)
        self.in_month = 0
        self.styles: list[str] = []
        self._style = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])
        if "style" in values:
            self.styles.append(values["style"])
        if tag == "style":
            self._style = True
        if tag == "article":
            self.article, self.article_depth = values.get("id", ""), self.depth
        if tag == "table" and "month" in values.get("class", "").split():
            self.in_month += 1
        if tag == "td" and self.in_month and self.article:
            self.cells[self.article].append(values.get("class", ""))
        if tag not in ("td", "th", "tr", "br", "meta", "path", "rect", "polygon"):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._style = False
        if tag == "table" and self.in_month:
            self.in_month -= 1
        if tag not in ("td", "th", "tr", "br", "meta", "path", "rect", "polygon"):
            self.depth -= 1
        if tag == "article":
            self.article = ""

    def handle_data(self, data: str) -> None:
        if self._style:
            self.styles.append(data)
            return
        self.text.append(data)
        if self.article:
            self.article_text[self.article].append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def convert(inputs: list[Path | str], out: Path, *args: str, cwd: Path | None = None) -> dict[str, Any]:
    result = jobmigrate("convert", *inputs, "--out", out, *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert isinstance(plan, dict)
    return plan


def expressions(plan: dict[str, Any]) -> list[str]:
    return [t["expression"] for net in plan["jobnets"] for t in net["triggers"] if t.get("expression")]


@pytest.fixture(scope="module")
def finance(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("finance") / "out"
    return out, convert([FINANCE], out, *FINANCE_WINDOW)


# --------------------------------------------------------------------------- report.html


def assert_loads_nothing(text: str) -> Page:
    """Nothing in the page can fetch from the network when it is opened."""
    page = Page(text)
    csp = [
        a["content"]
        for tag, a in page.elements
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"script", "link", "iframe", "object", "embed", "img", "base", "form", "frame"}, tags
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)  # no event handler attributes at all
            if name in NETWORK_ATTRIBUTES:
                assert value.startswith(("#", "data:")), (tag, name, value)
    for style in page.styles:
        for target in re.findall(r"url\(([^)]*)\)", style):
            assert target.strip("'\" ").startswith(("#", "data:")), target
        assert "@import" not in style and "@font-face" not in style
    return page


def test_html_loads_nothing_and_names_every_job_net_and_expression(
    finance: tuple[Path, dict[str, Any]],
) -> None:
    out, plan = finance
    page = assert_loads_nothing((out / "report.html").read_text(encoding="utf-8"))
    text = page.all_text
    for net in plan["jobnets"]:
        assert net["path"] in text, net["path"]
        assert net["state_machine"] in text
    assert expressions(plan) and all(e in text for e in expressions(plan))
    for calendar in plan["calendars"]:
        assert calendar["name"] in text
    for finding in plan["findings"]:
        assert finding["code"] in text
        if finding.get("source"):
            assert f"{finding['source']['file']}:{finding['source']['line']}" in text
    # Every internal link leads somewhere.
    targets = {a["href"][1:] for tag, a in page.elements if tag == "a" and a.get("href", "").startswith("#")}
    assert targets and targets <= page.ids, targets - page.ids


def test_html_shows_rules_as_written_graphs_and_japanese(finance: tuple[Path, dict[str, Any]]) -> None:
    out, _ = finance
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    text = page.all_text
    # Legacy rules as written, with their lines, and the graph of each level of a job-net.
    assert "sd=1,2025/01/*1" in text and "st=2,25:30" in text and "cftd=2,be,2,10" in text
    svgs = [a for tag, a in page.elements if tag == "svg" and "graph" in a.get("class", "")]
    assert len(svgs) == 5  # three job-nets and the two nested job-nets with units
    edge_classes = {a.get("class", "") for tag, a in page.elements if tag == "path"}
    assert {"e", "e failure", "e conditional"} <= edge_classes  # order, recovery, judgment
    assert {"n jobnet", "n judgment", "n recovery"} <= {
        a.get("class", "") for tag, a in page.elements if tag == "g"
    }
    assert "月曜日" in text  # the Japanese description


def aws_runs(out: Path, plan: dict[str, Any], net: dict[str, Any]) -> list[list[dt.datetime]]:
    """Each trigger's run instants over the horizon, from the emitted expressions and Change
    Calendar documents alone (SSM's GetCalendarState at each fire time)."""
    calendars = {
        c["name"]: from_ics((out / c["file"]).read_text(encoding="utf-8"), c["name"])
        for c in plan["calendars"]
    }
    tz = ZoneInfo(plan["timezone"])
    start = dt.datetime.combine(dt.date.fromisoformat(plan["horizon"]["start"]), dt.time(), tz)
    end = dt.datetime.combine(
        dt.date.fromisoformat(plan["horizon"]["end"]) + dt.timedelta(days=1), dt.time(), tz
    )
    runs = []
    for t in net["triggers"]:
        if not t.get("expression"):
            continue
        gates = [calendars[c] for c in t.get("calendars", [])]
        fires = awscron.fire_times(t["expression"], start, end, ZoneInfo(t.get("timezone") or "UTC"))
        runs.append([f for f in fires if not gates or state(gates, f) == "OPEN"])
    return runs


def test_listed_runs_and_run_days_are_the_aws_sides(finance: tuple[Path, dict[str, Any]]) -> None:
    out, plan = finance
    html = (out / "report.html").read_text(encoding="utf-8")
    page = Page(html)
    md = (out / "report.md").read_text(encoding="utf-8")
    tz = ZoneInfo(plan["timezone"])
    year = int(plan["horizon"]["start"][:4])
    checked = 0
    for i, net in enumerate(plan["jobnets"]):
        article = f"net-{i}"
        text = "".join(page.article_text[article])
        every: set[dt.date] = set()
        for runs in aws_runs(out, plan, net):
            for instant in runs[: report.NEXT_RUNS]:
                local, utc = instant.astimezone(tz), instant.astimezone(dt.UTC)
                shown = f"{local:%Y-%m-%d} {report.WEEKDAYS[local.weekday()]} {local:%H:%M}"
                shown_utc = f"{utc:%Y-%m-%d} {report.WEEKDAYS[utc.weekday()]} {utc:%H:%M}"
                assert shown in text and shown_utc in text, (net["path"], shown)
                assert f"{shown} ({shown_utc})" in md
                checked += 1
            every |= {r.astimezone(tz).date() for r in runs if r.astimezone(tz).year == year}
        run_cells = [c for c in page.cells[article] if c in ("r", "rx")]
        assert len(run_cells) == len(every), net["path"]
    assert checked >= 10


def test_markdown_has_mermaid_graphs_rules_and_calendars(finance: tuple[Path, dict[str, Any]]) -> None:
    out, plan = finance
    md = (out / "report.md").read_text(encoding="utf-8")
    for net in plan["jobnets"]:
        assert f"`{net['path']}`" in md
    assert all(f"`{e}`" in md for e in expressions(plan))
    blocks = re.findall(r"```mermaid\n(.*?)\n```", md, re.S)
    assert len(blocks) == 5 and all(b.startswith("flowchart TD") for b in blocks)
    assert any('n4 ==>|"rc ge 4"| n5' in b for b in blocks)  # the judgment branch, labelled
    assert any("-.->" in b for b in blocks)  # the recovery unit
    assert "`sd=1,2025/01/*1` (33)" in md
    grid = re.search(r"```\n {5}1234567890123456789012345678901  runs\n((?:.+\n){12})```", md)
    assert grid is not None and grid.group(1).startswith("Jan  CC")  # 1-2 January: closing days
    assert md.count("```") % 2 == 0


# --------------------------------------------------------------------------- hostile names


def hostile_workflow() -> Workflow:
    """Job-nets whose every name is hostile, with nested job-nets, recovery and judgment edges,
    a business calendar and one job-net waiting for another."""
    names = HOSTILE_NAMES
    cal = Calendar(
        name="<b>cal</b> {{ 7*7 }}",
        closed_weekdays=["sa", "su"],
        holidays=[HolidaySource(country="JP")],
        closing_rules=[ClosingRule(kind="yearly_range", start="12-29", end="01-03")],
    )
    nets: list[JobNet] = []
    for k, name in enumerate(names[:3]):
        root = f"/{name}"
        inner = JobNet(
            name=names[(k + 3) % len(names)],
            path=f"{root}/{names[(k + 3) % len(names)]}",
            children=[Job(name=n, path=f"{root}/{names[(k + 3) % len(names)]}/{n}") for n in names[4:]],
            edges=[Edge(pred=names[4], succ=names[5]), Edge(pred=names[5], succ=names[6], kind="on_failure")],
        )
        jobs = [
            Job(name=names[0], path=f"{root}/{names[0]}"),
            Job(name=names[1], path=f"{root}/{names[1]}", kind="judgment"),
            Job(name=names[2], path=f"{root}/{names[2]}", recovery=True),
        ]
        nets.append(
            JobNet(
                name=name,
                path=root,
                calendar=cal.name,
                children=[*jobs, inner],
                edges=[
                    Edge(pred=names[0], succ=names[1]),
                    Edge(pred=names[1], succ=inner.name, kind="conditional", condition='rc > 4 "<b>"'),
                    Edge(pred=names[0], succ=names[2], kind="on_failure"),
                ],
                schedule=[
                    ScheduleRule(
                        number=1,
                        date=Weekdays(weekdays=["mo", "tu", "we", "th", "fr"]),
                        times=[StartTime(minutes=22 * 60 + k, raw="22:0" + str(k))],
                    )
                ]
                if k == 0
                else [],
                external=[ExternalDependency(target=f"/{names[0]}")] if k else [],
            )
        )
    return Workflow(source_system="yaml", timezone="Asia/Tokyo", children=list(nets), calendars=[cal])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("hostile")
    source = root / "hostile-report.yaml"
    source.write_text(
        yaml.safe_dump(hostile_workflow().model_dump(mode="json", exclude_none=True), allow_unicode=True),
        encoding="utf-8",
    )
    return root / "out", convert([source], root / "out", "--from", "yaml", *WINDOW)


def test_hostile_names_are_escaped_in_html_and_svg(hostile: tuple[Path, dict[str, Any]]) -> None:
    out, plan = hostile
    html = (out / "report.html").read_text(encoding="utf-8")
    page = assert_loads_nothing(html)
    text = page.all_text
    assert len(plan["jobnets"]) == 3
    for net in plan["jobnets"]:
        assert report.visible(net["path"]) in text, net["path"]
    assert expressions(plan) and all(e in text for e in expressions(plan))
    # Markup in names is text: escaped in the page source, whole in the text the browser shows.
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "</script><script>" not in html and "<b>cal</b>" not in html
    assert "{{ 7*7 }}" in text and "${x}" in text and "経理日次締め処理" in text
    for rendered in ("49", "{{7*7}}"):
        assert f"/{rendered}" not in text
    assert "line one line two" in text  # a line break shows as a space, as in report.md
    # Names inside the SVG drawings are text too: every <text> and <title> holds escaped text.
    for drawing in re.findall(r"<svg class=\"graph\".*?</svg>", html, re.S):
        inner = Page(drawing)
        assert {tag for tag, _ in inner.elements} <= {
            "svg",
            "path",
            "g",
            "a",
            "title",
            "rect",
            "polygon",
            "text",
        }
    # The dependency graph: the two job-nets waiting for the first.
    assert len([e for e in page.elements if e[0] == "path" and e[1].get("class") == "e event"]) == 2


def test_hostile_names_cannot_break_markdown_or_mermaid(hostile: tuple[Path, dict[str, Any]]) -> None:
    out, _plan = hostile
    md = (out / "report.md").read_text(encoding="utf-8")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", md)
    assert md.count("```") % 2 == 0
    blocks = re.findall(r"```mermaid\n(.*?)\n```", md, re.S)
    assert blocks
    node = re.compile(r'^  n\d+(\["|\[\["|\{\{"|\(\[")([^"]*)("\]|"\]\]|"\}\}|"\]\))$')
    edge = re.compile(r'^  n\d+ (-->|-\.->|==>)(\|"[^"|`]*"\|)? n\d+$')
    for block in blocks:
        for line in block.splitlines()[1:]:
            assert "`" not in line and "<script" not in line and "<img" not in line, line
            assert node.match(line) or edge.match(line) or line.startswith(("  classDef ", "  class ")), line
    # Tables keep their shape; names are in code spans the md filter keeps closed.
    table = md.split("## Job-nets", 1)[1].split("\n## ", 1)[0].strip().splitlines()
    assert all(line.startswith("|") and line.endswith("|") for line in table), table
    assert "`/{{ 7*7 }}`" in md and "/${x}`" in md


@pytest.mark.parametrize("case", ["yaml", "jp1", "crontab"])
def test_safety_fixtures_render_escaped(case: str, tmp_path: Path) -> None:
    """The hostile fixtures of test_safety, through the real CLI."""
    fixture = {"yaml": "hostile.yaml", "jp1": "hostile.ajs", "crontab": "hostile.crontab"}[case]
    source = tmp_path / (CRONTAB_NAME if case == "crontab" else fixture)
    shutil.copyfile(SAFETY / fixture, source)
    plan = convert([source.name], tmp_path / "out", "--from", case, *WINDOW, cwd=tmp_path)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    text = assert_loads_nothing(html).all_text
    for net in plan["jobnets"]:
        assert report.visible(net["path"]) in text, net["path"]
    assert all(e in text for e in expressions(plan))
    assert "<script>" not in html


# --------------------------------------------------------------------------- built in process


def test_report_from_the_plan_alone_and_dependencies_by_machine() -> None:
    """Event triggers, nested machines and joins become edges between state machines; without
    the IR the report still renders what the plan holds."""

    def net(
        path: str, machine: str, triggers: list[Trigger], starts: dict[str, str] | None = None
    ) -> JobNetPlan:
        return JobNetPlan(
            path=path,
            state_machine=machine,
            asl=f"statemachines/{machine}.asl.json",
            triggers=triggers,
            starts=starts or {},
        )

    def waits(*machines: str) -> Trigger:
        pattern = {"detail": {"status": ["SUCCEEDED"], "stateMachineArn": list(machines)}}
        return Trigger(kind="event", pattern=pattern, description="starts when ...")

    plan = Plan(
        timezone="Asia/Tokyo",
        source_system="yaml",
        horizon=Horizon(start="2027-01-01", end="2027-12-31"),
        units=UnitCounts(total=4, converted=4, manual_review=0),
        jobnets=[
            net(
                "/A",
                "A",
                [Trigger(kind="schedule", expression="cron(0 1 ? * MON *)", timezone="Asia/Tokyo")],
                {"K": "A-BIG"},
            ),
            net("/B", "B", [waits("A")]),
            net("/C", "C", [Trigger(kind="none", description="no schedule")]),
        ],
        nested_machines=[net("/A/BIG", "A-BIG", [Trigger(kind="none")])],
    )
    built = report.build(plan)
    assert [(d.waits_for_machine, d.waiting_machine, d.kind) for d in built.dependencies] == [
        ("A", "A-BIG", "starts"),
        ("A", "B", "event"),
    ]
    assert built.independent == 1 and built.dependency_graph is not None and built.dependency_graph.svg
    assert built.jobnets[0].nested[0].state_machine == "A-BIG"
    assert not built.has_definitions and built.jobnets[0].diagrams == [] and built.jobnets[0].grid is None
    from jobmigrate import emit

    env = emit.environment()
    html = env.get_template("report.html.j2").render({"plan": plan, "report": built})
    md = env.get_template("report.md.j2").render({"plan": plan, "report": built})
    assert_loads_nothing(html)
    assert "built from the plan alone" in html and "Built from the plan alone" in md
    assert "At 01:00, only on Monday" in html


def test_grid_days_holidays_closing_days_and_closed_days() -> None:
    cal = Calendar(
        name="JP",
        closed_weekdays=["sa", "su"],
        holidays=[HolidaySource(country="JP")],
        closing_rules=[ClosingRule(kind="yearly_range", start="12-29", end="01-03")],
    )
    from calendars.business import BusinessCalendar

    business = BusinessCalendar.resolve("JP", [cal])
    tz = ZoneInfo("Asia/Tokyo")
    grids = report._Grids(None, dt.date(2027, 3, 1), dt.date(2028, 2, 28), tz)
    runs = [dt.datetime(2027, 3, d, 22, 30, tzinfo=tz) for d in (1, 6, 22)]  # Mon, Sat, holiday Mon
    grid = grids.grid(business, "JP", runs, "net-0", "/X")
    feb, mar, dec = grid.months[1].text, grid.months[2].text, grid.months[11].text
    assert set(feb) == {" "}  # before the horizon
    # A run, a run on a Saturday, a run on Monday 22 March (the equinox's substitute holiday).
    assert mar[0] == "R" and mar[5] == "r" and mar[21] == "r"
    assert mar[20] == "H" and mar[19] == "-"  # Sunday 21 March 2027 is Vernal Equinox Day
    assert dec[28:] == "CCC" and dec[24] == "-"  # closing from the 29th; the 25th is a Saturday
    assert grid.run_days == 3
    again = grids.grid(business, "JP", runs, "net-1", "/Y")
    assert again.same_as == "net-0" and again.months == []


def test_layers_are_longest_paths_and_rows_do_not_overlap() -> None:
    nodes = [svg.Node(f"U{i}") for i in range(7)]
    edges = [
        svg.Edge(0, 1),
        svg.Edge(1, 2),
        svg.Edge(0, 3),
        svg.Edge(3, 2),
        svg.Edge(2, 4),
        svg.Edge(0, 4),
        svg.Edge(5, 6),
    ]
    placed = svg.layout(nodes, edges)
    assert placed.layer[:5] == [0, 1, 2, 1, 3] and placed.layer[5:] == [0, 1]
    for e, route in zip(edges, placed.routes, strict=True):
        assert route[0][1] < route[-1][1]  # every arrow points down
        if e == svg.Edge(0, 4):
            assert len(route) == 6  # passes rows 1 and 2 beside the boxes: two bends of two points
    by_row: dict[int, list[svg.Placed]] = defaultdict(list)
    for box in placed.boxes:
        by_row[box.y].append(box)
    for row in by_row.values():
        row.sort(key=lambda b: b.x)
        assert all(a.x + a.w <= b.x for a, b in itertools.pairwise(row))


def test_cycles_and_self_loops_end_and_are_drawn_as_back_edges() -> None:
    nodes = [svg.Node(n) for n in "ABCD"]
    edges = [svg.Edge(0, 1), svg.Edge(1, 2), svg.Edge(2, 0), svg.Edge(3, 3), svg.Edge(2, 3, label="x")]
    placed = svg.layout(nodes, edges)
    assert placed.back == [False, False, True, True, False]
    drawing = svg.draw(nodes, edges, "cycle")
    assert drawing.count("<path") == 5


def test_long_labels_are_clipped_with_the_full_name_as_tooltip() -> None:
    name = "経理日次締め処理" * 10
    drawing = svg.draw([svg.Node(name), svg.Node("<&>")], [svg.Edge(0, 1, "conditional", 'rc "<" 4')], "x")
    assert f"<title>{name}</title>" in drawing and "…</text>" in drawing
    assert "&lt;&amp;&gt;" in drawing and "<&>" not in drawing and "&#34;&lt;&#34;" in drawing
    assert svg.columns(svg.clip(name)) <= svg.MAX_COLUMNS


def test_big_job_nets_collapse_nested_levels_and_cap_a_level() -> None:
    def level(path: str, count: int) -> list[Job]:
        return [Job(name=f"J{i}", path=f"{path}/J{i}") for i in range(count)]

    nested = [JobNet(name=f"N{k}", path=f"/BIG/N{k}", children=level(f"/BIG/N{k}", 30)) for k in range(6)]
    big = JobNet(name="BIG", path="/BIG", children=[*level("/BIG", 10), *nested])
    diagrams, drawn = report._diagrams(big, "net-0", {})
    assert [d.title for d in diagrams] == ["/BIG"] and "collapsed" not in diagrams[0].note
    assert "nested job-nets are shown as single boxes" in diagrams[0].note and diagrams[0].svg
    flat = JobNet(name="FLAT", path="/FLAT", children=level("/FLAT", report.LEVEL_LIMIT + 1))
    (capped,), _ = report._diagrams(flat, "net-1", {})
    assert capped.svg is None and capped.mermaid == [] and "not drawn" in capped.note
    small = JobNet(name="S", path="/S", children=[*level("/S", 2), replace(nested[0], path="/S/N0")])
    diagrams, drawn = report._diagrams(small, "net-2", {})
    assert len(diagrams) == 2 and drawn["/S/N0"] == "net-2-g1"


def test_mermaid_text_encodes_what_could_end_a_label() -> None:
    for name in HOSTILE_NAMES:
        encoded = report.mermaid_text(name, 200)
        assert not set(encoded) & set('"`|<>\n[]{}()\\'), encoded
    assert report.mermaid_text('a "b" #1') == "a #quot;b#quot; #35;1"


# --------------------------------------------------------------------------- in a browser


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the set of distinct pixels of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * size
    previous = bytearray(stride)
    seen: set[bytes] = set()
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up = previous[i]
            corner = previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        if y % 20 == 0:
            seen.update(bytes(line[i : i + size]) for i in range(0, stride, size * 7))
        previous = line
    return width, height, seen


def test_headless_chromium_renders_the_report(finance: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        if os.environ.get("JOBMIGRATE_REQUIRE_CHROMIUM") == "1":
            pytest.fail("JOBMIGRATE_REQUIRE_CHROMIUM=1 but no chromium was found")
        pytest.skip("chromium is not installed")
    out, plan = finance
    url = (out / "report.html").resolve().as_uri()
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=180, check=False
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = Page(dom.stdout).all_text
    for net in plan["jobnets"]:
        assert net["path"] in text
    assert all(e in text for e in expressions(plan))
    assert dom.stdout.count("<svg") >= 7  # the graphs were parsed as SVG
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shot = subprocess.run(
        [browser, *flags, f"--screenshot={SCREENSHOT}", "--window-size=1280,2000", "--hide-scrollbars", url],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    width, height, colours = png_pixels(SCREENSHOT.read_bytes())
    assert (width, height) == (1280, 2000)
    assert len(colours) > 20, "the screenshot is blank"
