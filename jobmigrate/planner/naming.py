"""Names AWS accepts: `[A-Za-z0-9_-]`, at most 80 characters, ASCII, unique and stable.

Legacy names are often Japanese or contain `/`, `:` and `.`. We fold full-width forms to ASCII,
replace what remains outside the allowed set, and when anything was lost (non-ASCII text,
truncation, a collision) append a short hash of the original so the name stays unique and
the same input always gives the same name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_NAME = 80
_DISALLOWED = re.compile(r"[^A-Za-z0-9_-]+")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def aws_name(original: str, limit: int = MAX_NAME) -> str:
    """An AWS resource name for `original`, deterministic and within `limit` characters."""
    folded = unicodedata.normalize("NFKC", original)
    lossy = not folded.isascii()
    cleaned = _DISALLOWED.sub("-", folded.replace(".", "_")).strip("-") or "unit"
    if lossy or len(cleaned) > limit:
        suffix = "-" + _digest(original)
        cleaned = cleaned[: limit - len(suffix)].rstrip("-") + suffix
    return cleaned


def jobnet_machine_name(path: str) -> str:
    """`/FINANCE/DAILY_CLOSE` -> `FINANCE-DAILY_CLOSE`; `backup.cron:12` -> `backup_cron-12`."""
    return aws_name(path.strip("/").replace("/", "-").replace(":", "-"))


class NameRegistry:
    """Hands out unique names: a second claim of the same name gets the original's hash."""

    def __init__(self, limit: int = MAX_NAME) -> None:
        self.limit = limit
        self._taken: set[str] = set()

    def claim(self, wanted: str, original: str) -> str:
        name = wanted
        if name in self._taken:
            suffix = "-" + _digest(original)
            name = wanted[: self.limit - len(suffix)] + suffix
            counter = 2
            while name in self._taken:
                tail = f"{suffix}-{counter}"
                name = wanted[: self.limit - len(tail)] + tail
                counter += 1
        self._taken.add(name)
        return name
