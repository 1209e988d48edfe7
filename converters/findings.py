"""What every importer's findings table shares: a code with its severity and summary, and the
collector that turns a code and a located message into an IR Finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jobmigrate.model import Finding, Severity, Source

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    summary: str


def table(*codes: Code) -> dict[str, Code]:
    """Codes by their name; a repeated code is a programming error."""
    found = {c.code: c for c in codes}
    assert len(found) == len(codes), "a finding code is defined twice"
    return found


class Collector:
    """Findings of one import, each with the severity its code's table gives."""

    __slots__ = ("codes", "findings")

    def __init__(self, codes: Mapping[str, Code]) -> None:
        self.codes = codes
        self.findings: list[Finding] = []

    def emit(self, code: str, message: str, path: str, where: Source | None) -> None:
        severity = self.codes[code].severity
        self.findings.append(Finding(severity=severity, code=code, message=message, path=path, source=where))
