"""Generate large, realistic JP1/AJS3 unit definitions (`ajsprint -a` style) for benchmarks and tests.

The shape follows real exports rather than a uniform grid: job groups with calendars, root
jobnets with several schedule rules, nested jobnets, fan-out/fan-in arrows, recovery and judgment
jobs, UNIX and PC jobs with the usual parameter mix, some Japanese names and quoted commands with
`#` escapes. Output is deterministic for a given (jobs, seed).

    python benchmarks/gen_jp1.py --jobs 20000 --out /tmp/jp1_20k.ajs
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Kept within JP1's 30-byte unit name limit once a counter is appended (3 bytes per kana/kanji).
_JA_WORDS = [
    "日次集計", "月次締め", "売上連携", "在庫更新",
    "請求作成", "帳票出力", "バックアップ", "ファイル転送",
]  # fmt: skip
_EN_WORDS = ["EXTRACT", "LOAD", "MERGE", "REPORT", "ARCHIVE", "SYNC", "BILLING", "CLEANUP", "EXPORT", "INDEX"]
_HOSTS_UNIX = ["batch01", "batch02", "db01", "etl01"]
_HOSTS_PC = ["winrpt01", "winapp02"]
_HOLIDAYS_2026 = [
    "2026/01/01", "2026/01/02", "2026/01/12", "2026/02/11", "2026/02/23", "2026/03/20", "2026/04/29",
    "2026/05/04", "2026/05/05", "2026/05/06", "2026/07/20", "2026/08/11", "2026/09/21", "2026/09/22",
    "2026/10/12", "2026/11/03", "2026/11/23", "2026/12/31",
]  # fmt: skip
_SD_FORMS = [
    "2026/01/*1", "2026/01/+b-3", "2026/01/*b", "2026/01/b", "mo:2", "fr:b", "*b", "*3", "15", "+5",
    "2026/04/@1", "2026/01/25", "en", "2026/03/*b-1", "+mo:1",
]  # fmt: skip
_CY_UNITS = [("d", 1), ("w", 1), ("m", 1), ("m", 3), ("y", 1)]


@dataclass
class _Node:
    """One unit being generated; rendered to text at the end so `el`/`ar` can list its children."""

    name: str
    ty: str
    params: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    arrows: list[tuple[str, str, str]] = field(default_factory=list)


class _Generator:
    def __init__(self, jobs: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.remaining = jobs
        self.serial = 0

    def groups(self) -> list[_Node]:
        groups: list[_Node] = []
        while self.remaining > 0:
            groups.append(self.group(len(groups) + 1))
        return groups

    def group(self, number: int) -> _Node:
        rng = self.rng
        group = _Node(f"/JM_GRP{number:03d}", "g")
        group.params.append(f'cm="業務グループ{number:03d} #"batch#""')
        for day in ["sa", "su"][: rng.randint(1, 2)]:
            group.params.append(f"cl={day}")
        for holiday in _HOLIDAYS_2026:
            group.params.append(f"cl={holiday}")
        group.params.append(f"op=2026/03/{rng.randint(1, 28):02d}")
        group.params.append(f"sdd={rng.choice(['1', '1', '21', 'mo:1'])}")
        group.params.append(f"stt={rng.choice(['00:00', '05:00', '06:30'])}")
        for _ in range(rng.randint(3, 8)):
            if self.remaining <= 0:
                break
            group.children.append(self.root_jobnet())
        return group

    def root_jobnet(self) -> _Node:
        rng = self.rng
        net = _Node(self.name("NET"), "n")
        net.params.append(f'cm="{rng.choice(_JA_WORDS)} ({rng.choice(["毎営業日", "月末", "週次"])})"')
        for rule in range(1, rng.randint(1, 4) + 1):
            net.params += self.schedule_rule(rule)
        net.params.append(f"sy=1,M{rng.randint(60, 600)}")
        net.params.append(f"ey=1,C{rng.randint(60, 900)}")
        net.params.append(f"ha={rng.choice(['n', 'n', 'w', 'a'])}")
        self.fill_flow(net, rng.randint(15, 60), depth=0)
        return net

    def schedule_rule(self, rule: int) -> list[str]:
        rng = self.rng
        params = [f"sd={rule},{rng.choice(_SD_FORMS)}"]
        hour = rng.choice([1, 6, 9, 12, 18, 22, 25, 30])
        start = f"{hour:02d}:{rng.choice([0, 15, 30, 45]):02d}"
        params.append(f"st={rule},{'+' if rng.random() < 0.3 else ''}{start}")
        if rng.random() < 0.8:
            unit, count = rng.choice(_CY_UNITS)
            params.append(f"cy={rule},({count},{unit})")
        if rng.random() < 0.6:
            params.append(f"sh={rule},{rng.choice(['be', 'af', 'ca', 'no'])}")
            params.append(f"shd={rule},{rng.randint(1, 5)}")
        if rng.random() < 0.3:
            params.append(f"cftd={rule},{rng.choice(['be', 'af'])},{rng.randint(1, 3)},10")
        return params

    def fill_flow(self, net: _Node, budget: int, depth: int) -> None:
        """Append a chain of stages (jobs, fan-outs, nested jobnets, judgments) to `net`."""
        rng = self.rng
        tail: list[str] = []
        while budget > 0 and self.remaining > 0:
            kind = rng.random()
            if kind < 0.45:
                heads = [self.job(net)]
                budget -= 1
            elif kind < 0.65:
                heads = [self.job(net) for _ in range(rng.randint(2, 5))]
                budget -= len(heads)
            elif kind < 0.75 and depth < 2:
                heads = [self.nested_jobnet(net, depth)]
                budget -= 4
            elif kind < 0.85:
                judge = self.judgment(net)
                dependent = self.job(net)
                net.arrows.append((judge, dependent, "con"))
                heads = [judge]
                budget -= 2
            else:
                job = self.job(net)
                recovery = self.job(net, recovery=True)
                net.arrows.append((job, recovery, "seq"))
                heads = [job]
                budget -= 2
            # Fan-out from a single tail, fan-in (AND-join) to a single head; parallel branches of
            # two consecutive fan-outs are paired up, as in real flows.
            if not tail:
                pass
            elif len(tail) == 1 or len(heads) == 1:
                net.arrows += [(before, after, "seq") for before in tail for after in heads]
            else:
                net.arrows += [(tail[i % len(tail)], after, "seq") for i, after in enumerate(heads)]
            tail = heads

    def nested_jobnet(self, parent: _Node, depth: int) -> str:
        rng = self.rng
        net = _Node(self.name("SUB"), "n")
        if rng.random() < 0.7:
            net.params.append("sd=0,ud")
        else:
            net.params += ["ln=1,1", f"sd=1,{rng.choice(['2026/01/*b', '*1', 'mo:1'])}", "cy=1,(1,m)"]
        self.fill_flow(net, rng.randint(3, 8), depth + 1)
        parent.children.append(net)
        return net.name

    def judgment(self, parent: _Node) -> str:
        rng = self.rng
        node = _Node(self.name("判定"), "jdj")
        if rng.random() < 0.5:
            node.params += [f"ej={rng.choice(['ge', 'gt', 'eq', 'lt'])}", f"ejc={rng.randint(0, 8)}"]
        else:
            node.params += ["ej=ef", f'ejf="/data/flag/{node.name}.ok"']
        parent.children.append(node)
        self.count_job()
        return node.name

    def job(self, parent: _Node, recovery: bool = False) -> str:
        rng = self.rng
        unix = rng.random() < 0.75
        ty = ("rj" if unix else "rp") if recovery else ("j" if unix else "pj")
        node = _Node(self.name("NG" if recovery else "JOB"), ty)
        p = node.params
        if rng.random() < 0.4:
            p.append(f'cm="{rng.choice(_JA_WORDS)}処理"')
        if unix:
            if rng.random() < 0.5:
                p.append(
                    f'te="/opt/batch/bin/{node.name.lower()}.sh --date ?AJS2SDATE? '
                    f'--label #"{rng.choice(_EN_WORDS)}#" --tag ##{rng.randint(1, 99)}"'
                )
            else:
                p.append(f'sc="/opt/batch/bin/{rng.choice(_EN_WORDS).lower()}.sh"')
                p.append(f'prm="-n {rng.randint(1, 9)} -q"')
            p.append(f'ex="{rng.choice(_HOSTS_UNIX)}"')
            p.append('un="batch"')
            p.append('env="LANG=ja_JP.UTF-8"')
            if rng.random() < 0.5:
                p.append(f'env="BATCH_HOME=/opt/batch/{rng.choice(_EN_WORDS).lower()}"')
            p.append('so="/var/log/batch/?AJSUNITNAME?.out"')
            p.append("soa=add")
        else:
            p.append(f'sc="C:\\batch\\{rng.choice(_EN_WORDS).lower()}.cmd"')
            p.append(f'prm="/mode:{rng.choice(["full", "diff"])} /label:#"{rng.choice(_EN_WORDS)}#""')
            p.append(f'ex="{rng.choice(_HOSTS_PC)}"')
            p.append("eu=ent")
        p.append("jd=cod")
        warn = rng.randint(0, 4)
        p.append(f"wth={warn}")
        p.append(f"tho={warn + rng.randint(1, 8)}")
        if rng.random() < 0.6:
            p.append(f"etm={rng.choice([30, 60, 120, 240])}")
            p.append(f"ets={rng.choice(['kl', 'nr', 'wr', 'an'])}")
        if not recovery and rng.random() < 0.25:
            p += ["abr=y", "rjs=9", "rje=9", f"rec={rng.randint(1, 3)}", f"rei={rng.randint(1, 10)}"]
        parent.children.append(node)
        self.count_job()
        return node.name

    def count_job(self) -> None:
        self.remaining -= 1

    def name(self, prefix: str) -> str:
        self.serial += 1
        if self.rng.random() < 0.1:
            return f"{self.rng.choice(_JA_WORDS)}{self.serial:06d}"
        return f"{prefix}_{self.serial:06d}"


def generate(jobs: int, seed: int = 0) -> str:
    """Return ajsprint-style text for at least `jobs` jobs (j, pj, rj, rp, jdj units)."""
    out: list[str] = [f"/* jobmigrate benchmark definitions: jobs={jobs} seed={seed} */\n"]
    for group in _Generator(jobs, seed).groups():
        _render(group, 0, out)
    return "".join(out)


def _render(node: _Node, depth: int, out: list[str]) -> None:
    tab = "\t" * depth
    inner = tab + "\t"
    out.append(f"{tab}unit={node.name},,jp1admin,;\n{tab}{{\n{inner}ty={node.ty};\n")
    for param in node.params:
        out.append(f"{inner}{param};\n")
    if node.children:
        width = max(4, min(len(node.children), 12))
        out.append(f"{inner}sz={width * 2}x{(len(node.children) + width - 1) // width * 2};\n")
    for index, child in enumerate(node.children):
        out.append(f"{inner}el={child.name},{child.ty},+{80 + index % 12 * 160} +{48 + index // 12 * 96};\n")
    for before, after, kind in node.arrows:
        out.append(f"{inner}ar=(f={before},t={after},{kind});\n")
    for child in node.children:
        _render(child, depth + 1, out)
    out.append(f"{tab}}}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    text = generate(args.jobs, args.seed)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(text.encode('utf-8')):,} bytes, {args.jobs:,} jobs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
