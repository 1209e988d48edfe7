"""Generate large, realistic Control-M exports (a DEFTABLE and its DEFCAL) for benchmarks and tests.

The shape follows real exports rather than a uniform grid: SMART_FOLDERs with rule-based
calendars and SUB_FOLDERs, regular FOLDERs whose jobs carry their own criteria (most of them the
same, a few deviating, as in real folders), INCOND/OUTCOND chains with fan-out and fan-in,
conditions deleted after use, conditions on other folders (ODAT and PREV) and on external
conditions nobody in the export adds, recovery jobs ordered by `ON NOTOK DOFORCEJOB`, a mix of
DAYS / WEEKDAYS / DAYSCAL / CONFCAL+SHIFT / DATES / month flags / TIMEFROM rules, cyclic jobs,
variables, Japanese descriptions and commands with quotes. Output is deterministic for a given
(jobs, seed).

    python benchmarks/gen_controlm.py --jobs 20000 --out /tmp/ctm_20k
    # writes /tmp/ctm_20k/deftable.xml and /tmp/ctm_20k/defcal.xml
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

YEARS = (2026, 2027, 2028)
WORKDAYS = "JP_WORKDAYS"
ALT_WORKDAYS = "JP_WORKDAYS_SAT"
CLOSE_DAYS = "FIN_CLOSE_DAYS"
PAYDAYS = "PAYDAYS"
CALENDARS = (WORKDAYS, ALT_WORKDAYS, CLOSE_DAYS, PAYDAYS)

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_ALL_MONTHS = {m: "1" for m in _MONTHS}
_QUARTER_ENDS = {m: "1" if i % 3 == 2 else "0" for i, m in enumerate(_MONTHS)}
_APPLICATIONS = ["FIN", "HR", "SALES", "STOCK", "BILLING", "DWH", "OPS"]
_JA_DESCRIPTIONS = [
    "日次集計", "月次締め", "売上連携", "在庫更新",
    "請求作成", "帳票出力", "バックアップ", "ファイル転送",
]  # fmt: skip
_EN_WORDS = ["EXTRACT", "LOAD", "MERGE", "REPORT", "ARCHIVE", "SYNC", "BILLING", "CLEANUP", "EXPORT", "INDEX"]
_HOSTS_UNIX = ["ctmag-batch01", "ctmag-batch02", "ctmag-db01", "ctmag-etl01"]
_HOSTS_WIN = ["ctmag-win01", "ctmag-win02"]

# Scheduling criteria as real folders use them; "weight" makes the common ones common.
_PROFILES: list[tuple[int, dict[str, str]]] = [
    (30, {"DAYSCAL": WORKDAYS, "DAYS": "ALL", **_ALL_MONTHS}),
    (12, {"WEEKDAYS": "1,2,3,4,5", **_ALL_MONTHS}),
    (6, {"DAYSCAL": ALT_WORKDAYS}),
    (6, {"DAYS": "L1", "DAYSCAL": WORKDAYS, **_ALL_MONTHS}),
    (5, {"DAYS": "D3", "DAYSCAL": WORKDAYS, **_ALL_MONTHS}),
    (
        5,
        {"DAYS": "25", "CONFCAL": WORKDAYS, "SHIFT": "Prev Day", "SHIFTNUM": "-02", **_ALL_MONTHS},
    ),
    (4, {"DAYS": "1,15", "CONFCAL": WORKDAYS, "SHIFT": "Next Day", "SHIFTNUM": "+00", **_ALL_MONTHS}),
    (4, {"WEEKDAYS": "0", **_ALL_MONTHS}),
    (3, {"DAYS": ">15", "DAYSCAL": WORKDAYS, **_QUARTER_ENDS}),
    (3, {"DAYS": "ALL,-L1", "DAYSCAL": CLOSE_DAYS, **_ALL_MONTHS}),
    (2, {"DAYS": "1", "WEEKDAYS": "1", "DAYS_AND_OR": "A", **_ALL_MONTHS}),
    (2, {"DATES": "0101,0401,0701,1001"}),
    (2, {"DAYSCAL": PAYDAYS, "DAYS": "ALL", "ACTIVE_FROM": "20260401"}),
    (1, {"DAYS": "-1,ALL", "WEEKDAYS": "", "DAYSCAL": WORKDAYS, **_ALL_MONTHS}),
]
_TIMES = ["0030", "0130", "0500", "0600", "0730", "0900", "1200", "1800", "2000", "2130", "2230", "2345"]


@dataclass
class _Element:
    """One XML element being generated; rendered at the end."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Element] = field(default_factory=list)

    def add(self, tag: str, **attrs: str) -> _Element:
        child = _Element(tag, dict(attrs))
        self.children.append(child)
        return child


@dataclass
class _Stage:
    """What a flow stage leaves for the next one: the conditions its last units add."""

    conditions: list[str]


class _Generator:
    def __init__(self, jobs: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.remaining = jobs
        self.serial = 0
        self.folders: list[str] = []
        self.produced: list[str] = []  # conditions added by finished folders, for cross-folder waits

    # ----------------------------------------------------------------------- folders

    def folders_xml(self) -> list[_Element]:
        out: list[_Element] = []
        while self.remaining > 0:
            number = len(out) + 1
            out.append(self.smart_folder(number) if self.rng.random() < 0.55 else self.folder(number))
        return out

    def _folder_attrs(self, number: int, tag: str) -> dict[str, str]:
        app = self.rng.choice(_APPLICATIONS)
        name = f"{app}_{tag[:2]}{number:04d}"
        self.folders.append(name)
        return {
            "DATACENTER": "PRODDC",
            "VERSION": "919",
            "PLATFORM": "UNIX",
            "FOLDER_NAME": name,
            "FOLDER_ORDER_METHOD": "SYSTEM",
            "APPLICATION": app,
            "SUB_APPLICATION": self.rng.choice(["DAILY", "MONTHLY", "WEEKLY", "ADHOC"]),
        }

    def smart_folder(self, number: int) -> _Element:
        rng = self.rng
        folder = _Element("SMART_FOLDER", self._folder_attrs(number, "SMART_FOLDER"))
        folder.attrs.update({"JOBNAME": folder.attrs["FOLDER_NAME"], "TASKTYPE": "SMART Table"})
        if rng.random() < 0.3:
            folder.attrs["TIMEFROM"] = rng.choice(_TIMES)
        folder.attrs["DESCRIPTION"] = f"{rng.choice(_JA_DESCRIPTIONS)} スマートフォルダ"
        folder.add("VARIABLE", NAME="%%BIN", VALUE=f"/opt/{folder.attrs['APPLICATION'].lower()}/bin")
        rbcs = []
        for index in range(rng.randint(1, 3)):
            name = ["WORKDAYS", "MONTH_END", "QUARTER", "PAYDAY"][index]
            rbcs.append(name)
            folder.add("RULE_BASED_CALENDAR", NAME=name, **self.profile())
        # Jobs name one RBC, all of them (`*`), or none (then they follow the folder).
        reference = rng.choice([*rbcs, "*", ""])
        self.fill_flow(folder, folder, rng.randint(15, 60), depth=0, criteria=None, rbc=reference)
        return folder

    def folder(self, number: int) -> _Element:
        rng = self.rng
        folder = _Element("FOLDER", self._folder_attrs(number, "FOLDER"))
        # A regular folder's jobs carry their own criteria; most share the folder's usual profile.
        criteria = self.profile()
        if rng.random() < 0.4:
            criteria["TIMEFROM"] = rng.choice(_TIMES)
        self.fill_flow(folder, folder, rng.randint(10, 50), depth=0, criteria=criteria, rbc="")
        return folder

    def profile(self) -> dict[str, str]:
        weights = [w for w, _ in _PROFILES]
        return dict(self.rng.choices([p for _, p in _PROFILES], weights=weights)[0])

    # ----------------------------------------------------------------------- flow

    def fill_flow(
        self,
        folder: _Element,
        parent: _Element,
        budget: int,
        depth: int,
        criteria: dict[str, str] | None,
        rbc: str,
    ) -> _Stage:
        """Append stages (jobs, fan-outs, sub-folders, recovery pairs) chained by conditions."""
        rng = self.rng
        tail: list[str] = []
        first = True
        while budget > 0 and self.remaining > 0:
            kind = rng.random()
            if kind < 0.45 or self.remaining < 6:
                heads = [self.job(folder, parent, tail, criteria, rbc, entry=first)]
                budget -= 1
            elif kind < 0.7:
                # Fan-out from one tail, fan-in to one head; the branches of two consecutive
                # fan-outs are paired up, as in real flows.
                width = rng.randint(2, 5)
                heads = [
                    self.job(folder, parent, _branch_waits(tail, i), criteria, rbc, entry=first)
                    for i in range(width)
                ]
                budget -= width
            elif kind < 0.8 and depth < 2:
                heads = self.sub_folder(folder, parent, tail, depth, criteria, rbc)
                budget -= 5
            else:
                condition = self.job(folder, parent, tail, criteria, rbc, entry=first)
                self.recovery(folder, parent)
                heads = [condition]
                budget -= 2
            tail = heads
            first = False
        return _Stage(tail)

    def sub_folder(
        self,
        folder: _Element,
        parent: _Element,
        waits: list[str],
        depth: int,
        criteria: dict[str, str] | None,
        rbc: str,
    ) -> list[str]:
        sub = parent.add(
            "SUB_FOLDER",
            JOBNAME=self.name("SUB"),
            PARENT_FOLDER=folder.attrs["FOLDER_NAME"],
            APPLICATION=folder.attrs["APPLICATION"],
            SUB_APPLICATION=folder.attrs["SUB_APPLICATION"],
        )
        for condition in waits:
            sub.add("INCOND", NAME=condition, ODATE="ODAT", AND_OR="A")
        stage = self.fill_flow(folder, sub, self.rng.randint(3, 8), depth + 1, criteria, rbc)
        return stage.conditions

    def job(
        self,
        folder: _Element,
        parent: _Element,
        waits: list[str],
        criteria: dict[str, str] | None,
        rbc: str,
        entry: bool,
    ) -> str:
        """A JOB waiting for `waits`; returns the condition it adds when it ends OK."""
        rng = self.rng
        name = self.name("JOB")
        attrs: dict[str, str] = {
            "JOBISN": str(self.serial),
            "APPLICATION": folder.attrs["APPLICATION"],
            "SUB_APPLICATION": folder.attrs["SUB_APPLICATION"],
            "JOBNAME": name,
        }
        self.what_runs(attrs, name, folder)
        if rng.random() < 0.3:
            attrs["DESCRIPTION"] = f"{rng.choice(_JA_DESCRIPTIONS)}処理 {name}"
        if rng.random() < 0.2:
            attrs.update({"MAXRERUN": str(rng.randint(1, 3)), "INTERVAL": f"{rng.randint(1, 30):05d}M"})
        if criteria is not None:
            attrs.update(criteria if rng.random() < 0.98 else self.profile())
        if entry and criteria is None and rng.random() < 0.3:
            attrs["TIMEFROM"] = rng.choice(_TIMES)
        if entry and rng.random() < 0.03 and self.remaining > 1 and parent is folder:
            attrs.update({"CYCLIC": "1", "INTERVAL": "00030M", "CYCLIC_TYPE": "C", "TIMETO": "1800"})
        if rng.random() < 0.05:
            attrs["TIMEZONE"] = rng.choice(["JST", "JST", "UTC", "EST"])
        job = parent.add("JOB", **attrs)
        if rng.random() < 0.15:
            job.add("VARIABLE", NAME="%%PARM1", VALUE=f"--mode={rng.choice(['full', 'diff'])}")
        if rbc:
            job.add("RULE_BASED_CALENDARS", NAME=rbc)
        for condition in waits:
            job.add("INCOND", NAME=condition, ODATE="ODAT", AND_OR="A")
        if entry:
            self.entry_waits(job)
        if len(waits) > 1 and rng.random() < 0.01:
            job.children[-1].attrs["AND_OR"] = "O"  # an OR join: reported, not guessed
        condition = f"{name}-OK"
        job.add("OUTCOND", NAME=condition, ODATE="ODAT", SIGN="+")
        for consumed in waits:
            if rng.random() < 0.5:
                job.add("OUTCOND", NAME=consumed, ODATE="ODAT", SIGN="-")
        if rng.random() < 0.05:
            job.add("SHOUT", WHEN="NOTOK", URGENCY="R", DEST="EM", MESSAGE=f"{name} failed")
        if rng.random() < 0.02:
            job.add("QUANTITATIVE", NAME="DB_CONN", QUANT="1", ONFAIL="R", ONOK="R")
        self.produced.append(condition)
        self.remaining -= 1
        return condition

    def entry_waits(self, job: _Element) -> None:
        """Entry jobs sometimes wait for another folder (same or previous order date) or for a
        condition that an operator or another system adds."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05 and self.produced:
            other = rng.choice(self.produced)
            job.add("INCOND", NAME=other, ODATE=rng.choice(["ODAT", "PREV"]), AND_OR="A")
        elif roll < 0.08:
            job.add("INCOND", NAME=f"EXT-{rng.choice(_EN_WORDS)}-READY", ODATE="ODAT", AND_OR="A")

    def recovery(self, folder: _Element, parent: _Element) -> None:
        """A job forced only when the job added last ends NOTOK: its recovery job."""
        failing = parent.children[-1]
        name = self.name("NG")
        failing.add("ON", STMT="*", CODE="NOTOK").add(
            "DOFORCEJOB", TABLE_NAME=folder.attrs["FOLDER_NAME"], NAME=name, ODATE="ODAT"
        )
        attrs = {
            "JOBISN": str(self.serial),
            "APPLICATION": folder.attrs["APPLICATION"],
            "SUB_APPLICATION": folder.attrs["SUB_APPLICATION"],
            "JOBNAME": name,
        }
        self.what_runs(attrs, name, folder)
        parent.add("JOB", **attrs)
        self.remaining -= 1

    def what_runs(self, attrs: dict[str, str], name: str, folder: _Element) -> None:
        rng = self.rng
        roll = rng.random()
        word = rng.choice(_EN_WORDS).lower()
        if roll < 0.05:
            attrs["TASKTYPE"] = "Dummy"
            return
        if roll < 0.15:
            attrs.update(
                {
                    "TASKTYPE": "Command",
                    "CMDLINE": f'C:\\batch\\{word}.cmd /label:"{name}" /date %%ODATE',
                    "NODEID": rng.choice(_HOSTS_WIN),
                    "RUN_AS": "svc_batch",
                }
            )
            return
        host = {"NODEID": rng.choice(_HOSTS_UNIX), "RUN_AS": rng.choice(["batch", "etl", "fin"])}
        if roll < 0.6:
            line = f"%%BIN/{word}.sh --date %%$ODATE --job '{name}'"
            if folder.tag != "SMART_FOLDER":
                line = f"/opt/batch/bin/{word}.sh --date %%$ODATE --job '{name}'"
            if rng.random() < 0.2:
                line += ' --note "end of day" 2>&1 | tee -a /var/log/batch/run.log'
            attrs.update({"TASKTYPE": "Command", "CMDLINE": line, **host})
        else:
            library = "%%BIN" if folder.tag == "SMART_FOLDER" else "/opt/batch/bin"
            attrs.update({"TASKTYPE": "Job", "MEMLIB": library, "MEMNAME": f"{word}.sh", **host})

    def name(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:06d}"


def _branch_waits(tail: list[str], index: int) -> list[str]:
    """What branch `index` of a fan-out waits for: every tail, or its partner branch."""
    if len(tail) <= 1:
        return tail
    return [tail[index % len(tail)]]


# --------------------------------------------------------------------------- calendars


def _closed_days(year: int, rng: random.Random) -> set[dt.date]:
    """New-year and year-end closures plus a seeded set of holidays."""
    closed = {dt.date(year, 1, d) for d in (1, 2, 3)} | {dt.date(year, 12, d) for d in (29, 30, 31)}
    for month in range(1, 13):
        if rng.random() < 0.7:
            closed.add(dt.date(year, month, rng.randint(5, 25)))
    return closed


def _year_days(year: int, is_open: dict[dt.date, bool]) -> str:
    out: list[str] = []
    for month in range(1, 13):
        length = calendar.monthrange(year, month)[1]
        for day in range(1, 32):
            out.append("Y" if day <= length and is_open.get(dt.date(year, month, day), False) else "N")
    return "".join(out)


def _calendar_years(name: str, rng: random.Random) -> list[tuple[int, str]]:
    years = []
    for year in YEARS:
        closed = _closed_days(year, rng)
        days = [dt.date(year, 1, 1) + dt.timedelta(n) for n in range(366 if calendar.isleap(year) else 365)]
        if name == WORKDAYS:
            is_open = {d: d.weekday() < 5 and d not in closed for d in days}
        elif name == ALT_WORKDAYS:
            is_open = {d: d.weekday() < 6 and d not in closed for d in days}
        elif name == CLOSE_DAYS:
            month_end = {m: calendar.monthrange(year, m)[1] for m in range(1, 13)}
            is_open = {d: d.weekday() < 5 and d.day >= month_end[d.month] - 4 for d in days}
        else:  # PAYDAYS: the 25th, or the working day before it
            is_open = {}
            for month in range(1, 13):
                pay = dt.date(year, month, 25)
                while pay.weekday() >= 5 or pay in closed:
                    pay -= dt.timedelta(1)
                is_open[pay] = True
        years.append((year, _year_days(year, is_open)))
    return years


def _defcal(seed: int) -> _Element:
    rng = random.Random(seed * 7919 + 1)
    root = _Element(
        "DEFCAL",
        {
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": "Calendar.xsd",
        },
    )
    for name in CALENDARS:
        description = f"{name} 稼働日"
        cal = root.add("CALENDAR", NAME=name, DATACENTER="PRODDC", TYPE="Regular", DESCRIPTION=description)
        for year, days in _calendar_years(name, rng):
            cal.add("YEAR", NAME=str(year), DAYS=days, DESCRIPTION=f"{name} {year}")
    return root


# --------------------------------------------------------------------------- output


def _render(el: _Element, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    attrs = "".join(f' {k}="{escape(v, {chr(34): "&quot;", chr(10): "&#10;"})}"' for k, v in el.attrs.items())
    if not el.children:
        out.append(f"{pad}<{el.tag}{attrs}/>\n")
        return
    out.append(f"{pad}<{el.tag}{attrs}>\n")
    for child in el.children:
        _render(child, depth + 1, out)
    out.append(f"{pad}</{el.tag}>\n")


def _document(root: _Element, comment: str) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', f"<!-- {comment} -->\n"]
    _render(root, 0, out)
    return "".join(out)


def generate(jobs: int, seed: int = 0) -> tuple[str, str]:
    """(DEFTABLE text, DEFCAL text) with exactly `jobs` JOB elements."""
    table = _Element(
        "DEFTABLE",
        {
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": "Folder.xsd",
        },
    )
    table.children = _Generator(jobs, seed).folders_xml()
    comment = f"jobmigrate benchmark export: jobs={jobs} seed={seed}"
    return _document(table, comment), _document(_defcal(seed), f"jobmigrate benchmark calendars: seed={seed}")


def write(folder: Path, jobs: int, seed: int = 0) -> tuple[Path, Path]:
    """Write deftable.xml and defcal.xml into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    table, defcal = generate(jobs, seed)
    table_path, defcal_path = folder / "deftable.xml", folder / "defcal.xml"
    table_path.write_text(table, encoding="utf-8")
    defcal_path.write_text(defcal, encoding="utf-8")
    return table_path, defcal_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="folder for deftable.xml and defcal.xml")
    args = parser.parse_args(argv)
    table, defcal = write(args.out, args.jobs, args.seed)
    size = table.stat().st_size + defcal.stat().st_size
    print(f"wrote {table} and {defcal}: {size:,} bytes, {args.jobs:,} jobs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
