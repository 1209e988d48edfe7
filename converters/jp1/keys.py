"""Parameter keys the JP1 reader knows, and which of them are layout only.

A key outside `KNOWN_KEYS` is still kept raw on its unit, but gets an info finding (JP1101) so a
reviewer sees that nobody interpreted it. The list follows the unit definition chapter of the
JP1/AJS3 Command Reference (V12/V13): common, job group, jobnet, start condition, and every job
type's own parameters.
"""

from __future__ import annotations

from typing import Final

LAYOUT_KEYS: Final = frozenset({"el", "sz"})

_COMMON: Final = {"ty", "cm", "el", "sz", "fd", "pr", "ni", "ha", "ex", "eu", "un", "jty", "etm", "ets"}
_WAITS: Final = {"mm", "nmg", "eun", "ega", "uem"}
_CONNECTORS: Final = {"ncl", "ncn", "ncs", "ncex", "nchn", "ncsv", "ncr"}
_GROUP: Final = {"op", "cl", "sdd", "md", "stt", "gty", "mh", "mu"}
_JOBNET: Final = {
    *("sd", "st", "sy", "ey", "ln", "cy", "sh", "shd", "wt", "wc", "cftd", "ed", "jc", "ejn"),
    *("ar", "rg", "cd", "de", "ms", "mp", "rh"),
}
_CONDITION: Final = {"cond", "mcs", "cgs", "ab"}
_JOB: Final = {
    *("te", "sc", "prm", "wkp", "ev", "env", "si", "so", "se", "soa", "sea"),
    *("jd", "wth", "tho", "jdf", "abr", "rjs", "rje", "rec", "rei"),
    *(f"{k}{i}" for k in ("ts", "td", "top") for i in range(1, 5)),
    *("qu", "qm", "req", "da", "fxg", "cty"),
}
_JUDGMENT: Final = {"ej", "ejc", "ejl", "ejh", "ejf", "ejv", "ejt", "eji", "ejs", "ejg", "ejm", "eju"}
_EVENT_WAIT: Final = {
    *("evwid", "evusr", "evgrp", "evhst", "evipa", "evwms", "evdet", "evwsv", "evwfr", "evtmc"),
    *("evuid", "evgid", "evpid", "jpoif", "evesc"),
    *("flwf", "flwc", "flwi", "flco"),
    *("pfm", "mlprf", "mladr", "mlsbj", "mltxt", "mlsav", "mllst", "mlstx", "mlsfd", "mlafl"),
    *("mqcor", "mqque", "mqdsc", "mqmdl", "mqsfn"),
    *("msqpt", "msrer", "mslbl", "msapl", "mssvf"),
    *("lftpd", "lffnm", "lfdft", "lfrft", "lfhds", "lfmks", "lfsiv", "lfmxl", "lfsrc", "lfcre"),
    *("ntlgt", "ntolg", "ntevt", "ntnsr", "ntsrc", "ntncl", "ntcls", "ntnei", "nteid", "ntdis"),
    *("tmitv", "etn"),
}
_ACTION: Final = {
    *("evsid", "evsms", "evssv", "evsfr", "evsrt", "evspl", "evsrc"),
    *("mlftx", "mlatf"),
    *("mqprm", "mqmgr", "mqpgm", "mqmfn", "mqmdn", "mqhld", "mqpri", "mqeqn"),
    *("msqlb", "mslmt", "mshld", "msmod", "mspri", "msjnl", "msunr", "mstfn", "msttp"),
    *("cmsts", "cmaif", "pwlt", "pwlf", "pwrh", "pwrf", "pwrn", "pwrr", "pwrw", "pwrp"),
}
_HTTP: Final = {
    *("htcfl", "htknd", "htexm", "htrqf", "htrqu", "htrqm", "htstf", "htspt", "htrhf", "htrbf"),
    "htcdm",
}

KNOWN_KEYS: Final[frozenset[str]] = frozenset(
    {
        *_COMMON,
        *_WAITS,
        *_CONNECTORS,
        *_GROUP,
        *_JOBNET,
        *_CONDITION,
        *_JOB,
        *_JUDGMENT,
        *_EVENT_WAIT,
        *_ACTION,
        *_HTTP,
    }
)

_BASIC: Final = {"ty", "cm", "el", "sz"}
_ALLOWED: Final[dict[str, frozenset[str]]] = {
    "group": frozenset({*_BASIC, *_GROUP, *_CONNECTORS}),
    "jobnet": frozenset({*_COMMON, *_WAITS, *_CONNECTORS, *_JOBNET}),
    "condition": frozenset({*_BASIC, *_CONDITION}),
    "connector": frozenset({*_COMMON, *_WAITS, *_CONNECTORS}),
    "executable": frozenset({*_COMMON, *_WAITS, *_JOB, *_HTTP}),
    "control": frozenset({*_COMMON, *_WAITS, *_JUDGMENT}),
    "event": frozenset({*_COMMON, *_WAITS, *_EVENT_WAIT}),
    "action": frozenset({*_COMMON, *_WAITS, *_ACTION, *_EVENT_WAIT}),
}


def allowed_keys(category: str) -> frozenset[str]:
    """Keys meaningful on a unit of this category (see `unittypes.Category`)."""
    return _ALLOWED[category]
