"""Decoding legacy definition files whose encoding nobody wrote down.

JP1 managers on Japanese Windows write Shift_JIS (CP932), UNIX managers EUC-JP or UTF-8,
Windows Task Scheduler UTF-16. We take a BOM when there is one, then strict UTF-8, then the
Japanese legacy encoding that decodes cleanly with the most plausible text.
"""

from __future__ import annotations

import codecs

from .errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

ALIASES = {
    "sjis": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
    "eucjp": "euc_jp",
    "euc-jp": "euc_jp",
    "utf8": "utf-8",
}


def _plausibility(text: str) -> int:
    """Score characters typical of Japanese business text; mojibake scores low.

    Kana weigh double: the wrong one of Shift_JIS and EUC-JP turns a kana (full- or half-width)
    into a kanji or two, rarely the other way round, so kana break the ties kanji leave."""
    score = 0
    for ch in text:
        o = ord(ch)
        if 0x3040 <= o <= 0x30FF or 0xFF66 <= o <= 0xFF9F:
            score += 2
        elif o < 0x80 or 0x4E00 <= o <= 0x9FFF or 0xFF01 <= o <= 0xFF65:
            score += 1
        elif 0xE000 <= o <= 0xF8FF:  # private use: almost certainly a wrong guess
            score -= 5
    return score


def decode(data: bytes, path: str, forced: str | None = None) -> tuple[str, str]:
    """Return (text, encoding name). Raise InputError when nothing decodes the bytes, or when
    the text holds a NUL: no legacy definition has one, and the generated definitions use NUL
    to tell their own placeholders from legacy text (see asl.placeholder)."""
    text, name = _decode(data, path, forced)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        col = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise InputError(path, line, col, "NUL character (binary data, or a wrong --encoding?)")
    return text, name


def _decode(data: bytes, path: str, forced: str | None) -> tuple[str, str]:
    if forced:
        name = ALIASES.get(forced.lower(), forced)
        try:
            codecs.lookup(name)
        except LookupError:
            raise InputError(path, 0, 0, f"unknown encoding {forced!r}") from None
        try:
            return data.decode(name), name
        except UnicodeDecodeError as e:
            line, col = _position(data, e.start)
            raise InputError(path, line, col, f"not valid {forced}: byte 0x{data[e.start]:02x}") from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as e:
                line, col = _position(data, e.start)
                raise InputError(path, line, col, f"invalid {name} after byte-order mark") from None
    if len(data) >= 2 and data.count(b"\x00") > len(data) // 3:
        # UTF-16 without BOM: every ASCII character has a NUL half.
        name = "utf-16-le" if data[1] == 0 else "utf-16-be"
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    candidates: list[tuple[int, str, str]] = []
    for name in ("cp932", "euc_jp"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), name, text))
    if not candidates:
        line, col = _position(data, first_bad)
        raise InputError(
            path, line, col, "cannot detect the encoding (not UTF-8, Shift_JIS or EUC-JP); use --encoding"
        )
    candidates.sort(key=lambda c: (-c[0], c[1]))
    _, name, text = candidates[0]
    return text, name


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col
