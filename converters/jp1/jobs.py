"""Job units -> IR `Job`: what runs, where and as whom, how its end is judged, retries, timeouts,
judgment conditions, event/action parameters and waits on other units.

Follows the job definitions of the Command Reference (UNIX/PC job, judgment job, event and
action jobs, jobnet connector). Defaults that JP1 applies when a parameter is omitted (`jd=cod`,
`tho=0`, `ets=kl`, `rec=1`, `rei=1`, `ej=gt`, `ejc=0`) are filled in so the planner sees the
behaviour, while the unit's raw parameters show what was actually written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from jobmigrate.model import (
    Command,
    EndJudgment,
    ExternalDependency,
    Job,
    Judgment,
    Retry,
    Source,
    Timeout,
)

from .findings import Reporter
from .keys import KNOWN_KEYS
from .syntax import Param, UnitDef
from .unittypes import UnitType
from .values import joined, raw_params, to_int

MAX_RC: Final = 4294967295

EndMode = Literal["code", "always_normal", "always_abnormal", "file_modified", "file_exists"]
TimeoutStatus = Literal["kill", "normal", "warning", "abnormal"]
JudgmentOp = Literal["gt", "ge", "lt", "le", "eq", "ne", "file_exists", "file_missing", "range", "variable"]

_END_MODES: Final[dict[str, EndMode]] = {
    "cod": "code",
    "nm": "always_normal",
    "ab": "always_abnormal",
    "mdf": "file_modified",
    "exf": "file_exists",
}
_TIMEOUT_STATUS: Final[dict[str, TimeoutStatus]] = {
    "kl": "kill",
    "nr": "normal",
    "wr": "warning",
    "an": "abnormal",
}
_RC_OPS: Final[dict[str, JudgmentOp]] = {
    "gt": "gt",
    "ge": "ge",
    "lt": "lt",
    "le": "le",
    "eq": "eq",
    "ne": "ne",
}
_NUMERIC_VARIABLE_OPS: Final = frozenset({"vgt", "vge", "vlt", "vle", "veq", "vne"})
_STRING_VARIABLE_OPS: Final = frozenset({"sce", "spe", "sne", "spn", "snn", "snl"})
JP1_USERS: Final = {"ent": "registering-user", "def": "owner"}

# Parameters read into typed fields; everything else known stays raw, or goes to `Job.event`.
_COMMAND_KEYS: Final = frozenset(
    {"te", "sc", "prm", "env", "ev", "wkp", "si", "so", "se", "soa", "sea", "ex", "un", "eu"}
)
_TYPED_KEYS: Final = frozenset(
    {
        *_COMMAND_KEYS,
        *("ty", "cm", "el", "sz", "pr", "ha", "jd", "jdf", "wth", "tho", "etm", "ets"),
        *("abr", "rjs", "rje", "rec", "rei", "mm", "nmg", "eun", "ega", "uem"),
        *("ej", "ejc", "ejl", "ejh", "ejf", "ejv", "ejt", "eji", "ejs", "ejg", "ejm", "eju"),
    }
)
# Kept as data on every job type (not only event/action jobs): JP1 semantics nobody plans yet.
_DATA_ON_ANY_JOB: Final = frozenset(
    {*(f"{k}{i}" for k in ("ts", "td", "top") for i in range(1, 5)), "qu", "qm", "req", "da", "fxg", "cty"}
)


@dataclass(slots=True)
class _Ctx:
    path: str
    file: str
    rep: Reporter
    last: dict[str, Param]  # the last parameter of each key (JP1 uses the last of a repeat)
    params: Sequence[Param]

    def text(self, key: str) -> str | None:
        p = self.last.get(key)
        return None if p is None else joined(p)

    def every(self, key: str) -> list[Param]:
        return [p for p in self.params if p.key == key] if key in self.last else []

    def error(self, p: Param, expected: str) -> None:
        message = f"`{p.key}={p.raw}`: expected {expected}"
        self.rep.add("JP1601", message, self.path, self.file, p.line, p.column)

    def integer(self, key: str, low: int, high: int) -> int | None:
        p = self.last.get(key)
        if p is None:
            return None
        n = to_int(joined(p), low, high)
        if n is None:
            self.error(p, f"an integer {low}..{high}")
        return n

    def choice(self, key: str, allowed: Sequence[str], default: str) -> str:
        p = self.last.get(key)
        if p is None:
            return default
        value = joined(p)
        if value not in allowed:
            self.error(p, "|".join(allowed))
            return default
        return value


def read_job(unit: UnitDef, kind: UnitType, name: str, path: str, rep: Reporter) -> Job:
    """The IR job for one executable, control, event, action or connector unit."""
    ctx = _Ctx(path, unit.file, rep, {p.key: p for p in unit.params}, unit.params)
    judgment = _judgment(ctx) if kind.kind == "judgment" else None
    end = _end_judgment(ctx)
    retry = _retry(ctx, end)
    external = read_waits(ctx.last, ctx.params, path, unit.file, rep)
    if kind.category == "connector":
        external.extend(_connector_target(ctx))
    return Job(
        node="job",
        name=name,
        path=path,
        kind=kind.kind or "command",
        unit_type=kind.code,
        recovery=kind.recovery,
        description=ctx.text("cm"),
        command=_command(unit, kind, ctx),
        end_judgment=end,
        retry=retry,
        timeout=_timeout(ctx),
        judgment=judgment,
        event=_event_data(kind, ctx),
        external=external,
        hold=ctx.choice("ha", ("y", "n"), "n") == "y",
        priority=ctx.integer("pr", 1, 5),
        source=Source(file=unit.file, line=unit.line, column=unit.column),
        raw=raw_params(unit),
    )


# --------------------------------------------------------------------------- command


def _command(unit: UnitDef, kind: UnitType, ctx: _Ctx) -> Command | None:
    if kind.category != "executable" and _COMMAND_KEYS.isdisjoint(ctx.last):
        return None
    return Command(
        text=ctx.text("te"),
        script=ctx.text("sc"),
        arguments=ctx.text("prm"),
        platform=kind.platform,
        host=ctx.text("ex"),
        os_user=ctx.text("un"),
        jp1_user=_jp1_user(unit, ctx),
        environment=_environment(ctx),
        environment_file=ctx.text("ev"),
        working_directory=ctx.text("wkp"),
        stdin=ctx.text("si"),
        stdout=ctx.text("so"),
        stderr=ctx.text("se"),
        stdout_append=ctx.choice("soa", ("new", "add"), "new") == "add",
        stderr_append=ctx.choice("sea", ("new", "add"), "new") == "add",
        shell=None,
    )


def _jp1_user(unit: UnitDef, ctx: _Ctx) -> str | None:
    """`eu=ent|def`, else the obsolete permission field: first digit 0-3 registering user, 4-7 owner."""
    p = ctx.last.get("eu")
    if p is not None:
        value = joined(p)
        if value in JP1_USERS:
            return JP1_USERS[value]
        ctx.error(p, "ent or def")
        return None
    digit = unit.permission[:1]
    if digit.isdigit() and int(digit) <= 7:
        return JP1_USERS["ent"] if int(digit) <= 3 else JP1_USERS["def"]
    return None


def _environment(ctx: _Ctx) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for p in ctx.every("env"):
        name, sep, value = joined(p).partition("=")
        if not sep or not name:
            ctx.error(p, "NAME=value")
            continue
        pairs.append((name, value))
    return pairs


# --------------------------------------------------------------------------- end judgment, retry, timeout


def _end_judgment(ctx: _Ctx) -> EndJudgment:
    mode = _END_MODES[ctx.choice("jd", tuple(_END_MODES), "cod")]
    warning = ctx.integer("wth", 0, MAX_RC)
    abnormal = ctx.integer("tho", 0, MAX_RC)
    threshold = 0 if abnormal is None else abnormal
    if warning is not None and warning >= threshold and "tho" in ctx.last:
        p = ctx.last["wth"]
        message = f"`wth={warning}` is not below `tho={threshold}`: no return code ends with a warning"
        ctx.rep.add("JP1602", message, ctx.path, ctx.file, p.line, p.column)
    return EndJudgment(
        mode=mode,
        warning_threshold=warning,
        abnormal_threshold=threshold,
        success_codes=[],
        failure_codes=[],
        file=ctx.text("jdf"),
    )


def _retry(ctx: _Ctx, end: EndJudgment) -> Retry | None:
    if ctx.choice("abr", ("y", "n"), "n") != "y":
        return None
    if end.mode != "code":
        p = ctx.last["abr"]
        ctx.rep.add("JP1603", "`abr=y` is ignored unless `jd=cod`", ctx.path, ctx.file, p.line, p.column)
    return Retry(
        count=ctx.integer("rec", 1, 12) or 1,
        interval_minutes=ctx.integer("rei", 1, 10) or 1,
        rc_from=ctx.integer("rjs", 1, MAX_RC) or 1,
        rc_to=ctx.integer("rje", 1, MAX_RC) or MAX_RC,
    )


def _timeout(ctx: _Ctx) -> Timeout | None:
    minutes = ctx.integer("etm", 1, 1440)
    if minutes is None:
        return None
    status = _TIMEOUT_STATUS[ctx.choice("ets", tuple(_TIMEOUT_STATUS), "kl")]
    return Timeout(minutes=minutes, status_after=status)


# --------------------------------------------------------------------------- judgment job


def _judgment(ctx: _Ctx) -> Judgment:
    """`ej` and its operands. `Judgment.raw` keeps the JP1 operator code (`gt`, `vri`, `sce`, ...)."""
    p = ctx.last.get("ej")
    code = joined(p) if p is not None else "gt"
    if code in _RC_OPS:
        return _make_judgment(_RC_OPS[code], code, value=ctx.integer("ejc", 0, MAX_RC) or 0)
    if code in ("ef", "nf"):
        op: JudgmentOp = "file_exists" if code == "ef" else "file_missing"
        return _make_judgment(op, code, file=ctx.text("ejf"))
    if code in ("ri", "ro"):
        return _make_judgment(
            "range", code, low=ctx.integer("ejl", 0, MAX_RC), high=ctx.integer("ejh", 0, MAX_RC)
        )
    if code in _NUMERIC_VARIABLE_OPS:
        return _make_judgment("variable", code, variable=ctx.text("ejv"), value=_signed(ctx, "eji"))
    if code in ("vri", "vro"):
        return _make_judgment(
            "variable",
            code,
            variable=ctx.text("ejv"),
            low=_signed(ctx, "ejs"),
            high=_signed(ctx, "ejg"),
            low_inclusive=ctx.choice("ejm", ("gt", "ge"), "ge") == "ge",
            high_inclusive=ctx.choice("eju", ("lt", "le"), "le") == "le",
        )
    if code in _STRING_VARIABLE_OPS:
        return _make_judgment("variable", code, variable=ctx.text("ejv"), text=ctx.text("ejt"))
    if p is not None:
        ctx.error(p, "a judgment condition (gt ge lt le eq ne ri ro ef nf v.. s..)")
    return _make_judgment("gt", "gt", value=0)


def _signed(ctx: _Ctx, key: str) -> int | None:
    return ctx.integer(key, -2147483648, 2147483647)


def _make_judgment(
    op: JudgmentOp,
    code: str,
    *,
    value: int | None = None,
    low: int | None = None,
    high: int | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    file: str | None = None,
    variable: str | None = None,
    text: str | None = None,
) -> Judgment:
    return Judgment(
        op=op,
        value=value,
        low=low,
        high=high,
        low_inclusive=low_inclusive,
        high_inclusive=high_inclusive,
        file=file,
        variable=variable,
        text=text,
        raw=code,
    )


# --------------------------------------------------------------------------- event data, waits


def _event_data(kind: UnitType, ctx: _Ctx) -> dict[str, str]:
    """Type-specific parameters kept by legacy key; a repeated key gets `.2`, `.3`, ... suffixes."""
    keep_all = kind.category in ("event", "action", "connector") or kind.kind == "custom"
    data: dict[str, str] = {}
    wanted = (KNOWN_KEYS - _TYPED_KEYS) if keep_all else _DATA_ON_ANY_JOB
    if wanted.isdisjoint(ctx.last):
        return data
    counts: dict[str, int] = {}
    for p in ctx.params:
        if p.key in wanted:
            n = counts[p.key] = counts.get(p.key, 0) + 1
            data[p.key if n == 1 else f"{p.key}.{n}"] = joined(p)
    return data


def read_waits(
    last: dict[str, Param], params: Sequence[Param], path: str, file: str, rep: Reporter
) -> list[ExternalDependency]:
    """Wait conditions (`eun` units waited for, combined by `mm`) as external dependencies."""
    if "eun" not in last:
        return []
    waits = [p for p in params if p.key == "eun"]
    mode: Literal["all", "any"] = "any" if _last_text(last, "mm") == "or" else "all"
    options = [f"{k}={_last_text(last, k)}" for k in ("ega", "uem", "nmg") if k in last]
    condition = ";".join(options) or None
    return [
        ExternalDependency(
            target=joined(p),
            status="success",
            mode=mode,
            date="same",
            condition=condition,
            source=Source(file=file, line=p.line, column=p.column),
        )
        for p in waits
    ]


def _connector_target(ctx: _Ctx) -> list[ExternalDependency]:
    """A jobnet connector waits for the end of the root jobnet named by `ncr`."""
    p = ctx.last.get("ncr")
    if p is None:
        return []
    return [
        ExternalDependency(
            target=joined(p),
            status="success",
            mode="all",
            date="same",
            condition="jobnet connector",
            source=Source(file=ctx.file, line=p.line, column=p.column),
        )
    ]


def _last_text(last: dict[str, Param], key: str) -> str:
    p = last.get(key)
    return joined(p) if p is not None else ""
