"""Read JP1/AJS3 unit definition text (`ajsprint -a` output, `ajsdefine` input) into the syntax tree.

The reader works on the whole text with precompiled expressions and index arithmetic, never one
Python step per character: a 20,000-job export holds some 300,000 parameters. Almost all of them
(`ty=j;`, `el=A,j,+80 +48;`, `ex="host";`) are taken by one fast expression; tuples, escapes,
embedded quotes and odd spacing go through the general value scanner, which also finds the errors.

Lines and columns are tracked incrementally (line number plus the offset where the line starts)
because looking them up per token afterwards would cost more than the parse itself. Error paths
recompute them from the offset, which keeps the hot loop free of bookkeeping for them.

Nesting is kept on an explicit stack, not the Python call stack, so a deeply nested or hostile
file cannot end in RecursionError; every problem surfaces as `InputError` with a position.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NoReturn

from jobmigrate import gc_pause
from jobmigrate.errors import InputError

from .syntax import Param, Scalar, Tuple, UnitDef, Value

__all__ = ["parse_units", "read_values"]

_KEY = r"[A-Za-z_][A-Za-z0-9_]*"

# One statement in its common form, with the blank space before it: `key=plain;`, `key="text";`,
# `key=(a,k=b);` on one line, or `}`. Group 1 is the blank space up to and including its last line
# break, so line bookkeeping needs no second look at the text. Anything else (comments, values
# with embedded quotes, nested parentheses, line breaks, errors) takes the general path.
_FAST = re.compile(
    r"((?:[ \t\r]*+\n)*+)([ \t\r]*+)"
    rf"(?:({_KEY})="
    r'(?:([^;"(){}\r\n]*+)|"([^"#\r\n]*+(?:#[^\r\n][^"#\r\n]*+)*+)"|\(([^;"(){}\r\n]*+)\));'
    r"|(\}))"
)

# Whitespace and /* */ comments between statements. Comments are deliberately not recognised
# inside values, where `/*` is ordinary text: `sd=1,2025/01/*1;`, `flwf=/data/in/*.csv;`.
_GAP = re.compile(r"(?:[ \t\r\n\f\v]++|/\*.*?\*/)*+", re.S)

_KEY_EQ = re.compile(rf"({_KEY})[ \t]*+(=?)")

# Ordinary value characters; the scanner stops at anything that changes its state. A raw value
# never contains a line break (only quoted strings span lines), which is what lets a missing ';'
# be reported on its own line instead of somewhere further down the file.
_RUN = re.compile(r'[^;,"(){}\r\n]*+')

# The rest of a quoted string after its opening quote, through the closing quote. `#` escapes the
# next character, so `#"` never closes the string and `##"` does.
_QUOTED_REST = re.compile(r'[^"#]*+(?:#.[^"#]*+)*+"', re.S)

# A line inside a multi-line value that reads like a parameter of its own: the mark of a missing
# closing quote that made the following statements part of the value.
_SWALLOWED = re.compile(rf"\n[ \t]*+{_KEY}=[^\n]*;[ \t\r]*+\n")
_TUPLE_KEY = re.compile(rf"({_KEY})[ \t]*+=")
_ATTR_RUN = re.compile(r'[^;"{}\r\n]*+')
_ATTR = r'([^,;"{}\r\n]*+)'
# `name,perm,owner,group;` and the blank space up to the '{', in the usual form.
_UNIT_HEAD = re.compile(rf"{_ATTR},{_ATTR},{_ATTR},{_ATTR};((?:[ \t\r]*+\n)*+)[ \t\r]*+\{{")
# `k=v` or `v` items of a tuple that holds no quotes or parentheses. Each item starts at the
# beginning or after a comma, so findall yields exactly one match per item, empty ones included.
# The value is words separated by blank runs, so its trailing blanks stay out without backtracking.
_PLAIN_TUPLE_ITEM = re.compile(
    rf"(?:^|(?<=,))[ \t]*+(?:({_KEY})[ \t]*+=)?[ \t]*+([^, \t]*+(?:[ \t]++[^, \t]++)*+)[ \t]*+(?:,|$)"
)


def parse_units(text: str, file: str) -> list[UnitDef]:
    """Parse every top-level unit definition of `text` (already decoded), in file order.

    Raises `InputError(file, line, column, message)` for any syntax error, and for nothing else.
    """
    return list(iter_units(text, file))


def iter_units(text: str, file: str) -> Iterator[UnitDef]:
    """The top-level units of `text` one by one, each as soon as its closing brace is read.

    An importer builds each unit and drops its syntax tree before the next is read: the trees
    of a whole export (about twice the size of its IR) never exist at once. A syntax error is
    raised when the parser reaches it, after the units before it.
    """
    # The tree is acyclic, but building a million small objects triggers the cyclic collector
    # again and again as the heap grows; that alone would triple the parse time.
    swallowing: list[Param] = []
    try:
        with gc_pause.paused():
            yield from _parse(text, file, swallowing)
    except InputError as error:
        suspect = swallowing[-1] if swallowing else None
        if suspect is None or suspect.line >= error.line:
            raise
        note = (
            f"; note: the value of '{suspect.key}' at line {suspect.line} spans lines and seems to"
            " contain parameters: is a closing '\"' missing there?"
        )
        raise InputError(error.file, error.line, error.column, error.message + note) from None


def _parse(text: str, file: str, swallowing: list[Param]) -> Iterator[UnitDef]:
    """The parser proper; appends to `swallowing` the values that look like a quote gone astray."""
    nul = text.find("\x00")
    if nul >= 0:
        _fail(text, file, nul, "NUL character (binary data, or UTF-16 read as an 8-bit encoding?)")
    n = len(text)
    # A BOM left by a plain utf-8 decode is not content; columns start after it.
    pos = line_start = 1 if text.startswith("\ufeff") else 0
    line = 1
    open_units: list[UnitDef] = []
    params: list[Param] | None = None  # of the innermost open unit
    fast = _FAST.match

    while True:
        m = fast(text, pos)
        if m is not None:
            breaks, indent, key, plain, quoted, inner, close = m.groups()
            if breaks:
                line += breaks.count("\n")
                line_start = pos + len(breaks)
                col = len(indent) + 1
            else:
                col = pos - line_start + len(indent) + 1
            if close:
                pos = m.end()
                if not open_units:
                    _fail(text, file, pos - 1, "unexpected '}' (no unit is open)")
                closed = open_units.pop()
                closed.end_line = line
                if open_units:
                    params = open_units[-1].params
                else:
                    params = None
                    yield closed
                continue
            if key == "unit":
                # Unit headers, once per unit, take the general path, which also reads the '{'.
                pos = line_start + col - 1
            else:
                if params is None:
                    _fail(text, file, m.start(3), f"parameter '{key}' outside any unit (expected 'unit=')")
                pos = m.end()
                value_col = col + len(key) + 1
                if plain is not None:
                    if "," in plain:
                        values = _split_plain(plain, line, value_col)
                    else:
                        value = plain.strip(" \t")
                        if len(value) != len(plain):
                            value_col += len(plain) - len(plain.lstrip(" \t"))
                        values = [Scalar(value, False, line, value_col)]
                    params.append(Param(key, values, plain, line, col))
                elif quoted is not None:
                    value = _unescape(quoted) if "#" in quoted else quoted
                    params.append(
                        Param(key, [Scalar(value, True, line, value_col)], f'"{quoted}"', line, col)
                    )
                else:
                    tuple_ = Tuple(_plain_tuple_items(inner), line, value_col)
                    params.append(Param(key, [tuple_], f"({inner})", line, col))
                continue

        # The general path: comments and unusual blank space, then one statement of any form.
        end = _skip(_GAP, text, pos)
        if end != pos:
            breaks_count = text.count("\n", pos, end)
            if breaks_count:
                line += breaks_count
                line_start = text.rfind("\n", pos, end) + 1
            pos = end
            continue
        if pos >= n:
            break
        km = _KEY_EQ.match(text, pos)
        if km is None:
            _fail_statement(text, file, pos, bool(open_units))
        key = km.group(1)
        if not km.group(2):
            _fail(text, file, km.end(), f"expected '=' after '{key}'")
        col = pos - line_start + 1
        if key == "unit":
            unit, pos, line, line_start = _open_unit(
                text, file, km.end(), line, col, line_start, bool(open_units)
            )
            if open_units:
                open_units[-1].children.append(unit)
            open_units.append(unit)
            params = unit.params
            continue
        if params is None:
            _fail(text, file, pos, f"parameter '{key}' outside any unit (expected 'unit=')")
        value_start = km.end()
        values, end, value_line, value_line_start = _scan_values(
            text, file, value_start, key, line, line_start
        )
        param = Param(key, values, text[value_start:end], line, col)
        params.append(param)
        if value_line != line and _SWALLOWED.search(param.raw):
            swallowing.append(param)
        line, line_start = value_line, value_line_start
        pos = end + 1

    if open_units:
        unit = open_units[-1]
        _fail(text, file, n, f"unit '{unit.name}' is not closed (opened at line {unit.line})")


def read_values(raw: str) -> list[Value] | None:
    """The values of a parameter whose text between '=' and ';' is `raw`; None if that is not valid.

    The printer uses it to check that a raw value reads back as itself before writing it unquoted.
    """
    text = raw + ";"
    try:
        values, end, _, _ = _scan_values(text, "", 0, "value", 1, 0)
    except InputError:
        return None
    return values if end == len(raw) else None


def _split_plain(raw: str, line: int, col: int) -> list[Value]:
    """Split a value list known to hold no quotes or parentheses."""
    values: list[Value] = []
    for piece in raw.split(","):
        value = piece.strip(" \t")
        if len(value) == len(piece):
            values.append(Scalar(piece, False, line, col))
        else:
            values.append(Scalar(value, False, line, col + len(piece) - len(piece.lstrip(" \t"))))
        col += len(piece) + 1
    return values


def _open_unit(
    text: str, file: str, start: int, line: int, col: int, line_start: int, is_child: bool
) -> tuple[UnitDef, int, int, int]:
    """Read `name,perm,owner,group;` from `start` and the '{' after it.

    Returns the unit, the offset after '{' and the line state there.
    """
    m = _UNIT_HEAD.match(text, start)
    if m is None:
        return _open_unit_slowly(text, file, start, line, col, line_start, is_child)
    name, permission, owner, group, breaks = m.groups()
    name = _unit_name(text, file, start, name, is_child)
    unit = UnitDef(
        name, permission.strip(" \t"), owner.strip(" \t"), group.strip(" \t"), [], [], file, line, col, 0
    )
    if breaks:
        line += breaks.count("\n")
        line_start = m.start(5) + len(breaks)
    return unit, m.end(), line, line_start


def _open_unit_slowly(
    text: str, file: str, start: int, line: int, col: int, line_start: int, is_child: bool
) -> tuple[UnitDef, int, int, int]:
    """`_open_unit` for comments before the '{' and for finding what is wrong."""
    stop = _skip(_ATTR_RUN, text, start)
    if stop >= len(text):
        _fail(text, file, stop, "unexpected end of file in 'unit=' (missing ';')")
    if text[stop] == '"':
        _fail(text, file, stop, "quotes are not allowed in 'unit=name,permission,owner,group;'")
    if text[stop] != ";":
        _fail(
            text, file, _trim_back(text, stop, start), "missing ';' after 'unit=name,permission,owner,group'"
        )
    fields = text[start:stop].split(",")
    if len(fields) != 4:
        _fail(
            text,
            file,
            start,
            f"'unit=' needs 4 comma-separated fields (name,permission,owner,group), found {len(fields)}",
        )
    name = _unit_name(text, file, start, fields[0], is_child)
    unit = UnitDef(
        name,
        fields[1].strip(" \t"),
        fields[2].strip(" \t"),
        fields[3].strip(" \t"),
        [],
        [],
        file,
        line,
        col,
        0,
    )

    pos = stop + 1
    end = _skip(_GAP, text, pos)
    breaks = text.count("\n", pos, end)
    if breaks:
        line += breaks
        line_start = text.rfind("\n", pos, end) + 1
    pos = end
    if pos >= len(text):
        _fail(text, file, pos, f"unexpected end of file: expected '{{' after unit '{name}'")
    if text.startswith("/*", pos):
        _fail(text, file, pos, "unterminated comment")
    if text[pos] != "{":
        _fail(text, file, pos, f"expected '{{' after 'unit={name},...;'")
    return unit, pos + 1, line, line_start


def _unit_name(text: str, file: str, start: int, field: str, is_child: bool) -> str:
    name = field.strip(" \t")
    if not name:
        _fail(text, file, start, "missing unit name after 'unit='")
    if is_child and "/" in name:
        _fail(
            text,
            file,
            start + len(field) - len(field.lstrip(" \t")),
            f"child unit name '{name}' contains '/' (only a top-level unit may be given as a full path)",
        )
    return name


def _scan_values(
    text: str, file: str, start: int, key: str, line: int, line_start: int
) -> tuple[list[Value], int, int, int]:
    """Scan the value list of parameter `key` from `start` up to its ';'.

    Splits on commas outside quotes and parentheses. Returns the values, the offset of the ';'
    and the line state there (quoted strings may span lines).
    """
    n = len(text)
    values: list[Value] = []
    opened: list[int] = []
    multiline_quote = -1  # offset of the first quoted string that spans lines, for error messages
    item_start, item_line, item_line_start = start, line, line_start
    i = start
    while True:
        i = _skip(_RUN, text, i)
        ch = text[i] if i < n else ""
        if ch == '"':
            m = _QUOTED_REST.match(text, i + 1)
            if m is None:
                _fail_value(
                    text,
                    file,
                    i,
                    multiline_quote,
                    "unterminated quoted string starting here",
                    "a quoted string opened there is never closed",
                )
            end = m.end()
            breaks = text.count("\n", i, end)
            if breaks:
                if multiline_quote < 0:
                    multiline_quote = i
                line += breaks
                line_start = text.rfind("\n", i, end) + 1
            i = end
        elif ch == "(":
            opened.append(i)
            i += 1
        elif ch == ")":
            if not opened:
                _fail_value(
                    text, file, i, multiline_quote, f"unexpected ')' in the value of parameter '{key}'"
                )
            opened.pop()
            i += 1
        elif ch == "," and opened:
            i += 1
        elif ch == "," or (ch == ";" and not opened):
            values.append(_make_value(text, item_start, i, item_line, item_line_start))
            if ch == ";":
                return values, i, line, line_start
            i += 1
            item_start, item_line, item_line_start = i, line, line_start
        elif opened:
            _fail_value(
                text, file, opened[-1], multiline_quote, f"unclosed '(' in the value of parameter '{key}'"
            )
        elif not ch:
            _fail_value(
                text, file, i, multiline_quote, f"unexpected end of file in parameter '{key}' (missing ';')"
            )
        else:
            # A line break or brace outside quotes: the parameter should have ended before it.
            hint = f" (or quote the value if the '{ch}' belongs to it)" if ch in "{}" else ""
            _fail_value(
                text,
                file,
                _trim_back(text, i, start),
                multiline_quote,
                f"missing ';' after parameter '{key}'{hint}",
            )


def _make_value(text: str, start: int, end: int, line: int, line_start: int) -> Value:
    """Classify one comma-separated item: a quoted string, a tuple or raw text."""
    piece = text[start:end]
    value = piece.lstrip(" \t")
    start += len(piece) - len(value)
    value = value.rstrip(" \t")
    col = start - line_start + 1
    if value.startswith('"'):
        m = _QUOTED_REST.match(value, 1)
        if m is not None and m.end() == len(value):
            return Scalar(_unquote(value[1:-1]), True, line, col)
    elif value.startswith("(") and value.endswith(")"):
        items = _tuple_items(value[1:-1])
        if items is not None:
            return Tuple(items, line, col)
    # Raw text, kept verbatim even when it embeds quoted parts (`mladr=to:"x@y"`).
    return Scalar(value, False, line, col)


def _unquote(body: str) -> str:
    if "#" in body:
        body = _unescape(body)
    # The file's line-ending convention is not part of a multi-line command or comment.
    if "\r\n" in body:
        body = body.replace("\r\n", "\n")
    return body


def _unescape(body: str) -> str:
    """`##` -> `#`, `#"` -> `"`; any other `#` is literal.

    Splitting on `##` pairs the hashes from the left exactly as reading the string does, so a
    `#"` left inside a part is always an escaped quote.
    """
    if "##" not in body:
        return body.replace('#"', '"')
    return "#".join(part.replace('#"', '"') for part in body.split("##"))


def _tuple_items(inner: str) -> list[tuple[str | None, str]] | None:
    """Items of `(k=v,v,...)`, or None when the parentheses do not enclose one tuple (`(a)(b)`).

    `inner` comes from a scanned value, so its quotes are closed and it holds no ';' or line break
    outside quotes.
    """
    if not inner.strip(" \t"):
        return []
    pieces: list[str] = []
    depth = 0
    piece_start = 0
    i = 0
    n = len(inner)
    while True:
        i = _skip(_RUN, inner, i)
        if i >= n:
            pieces.append(inner[piece_start:])
            break
        ch = inner[i]
        if ch == '"':
            m = _QUOTED_REST.match(inner, i + 1)
            if m is None:
                return None
            i = m.end()
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return None
            depth -= 1
        elif ch == "," and depth == 0:
            pieces.append(inner[piece_start:i])
            piece_start = i + 1
        i += 1

    return [_tuple_item(piece) for piece in pieces]


def _plain_tuple_items(inner: str) -> list[tuple[str | None, str]]:
    """Items of a tuple whose text holds no quotes or parentheses."""
    if not inner.strip(" \t"):
        return []
    return [(key or None, value) for key, value in _PLAIN_TUPLE_ITEM.findall(inner)]


def _tuple_item(piece: str) -> tuple[str | None, str]:
    item = piece.strip(" \t")
    key = None
    km = _TUPLE_KEY.match(item)
    if km is not None:
        key = km.group(1)
        item = item[km.end() :].lstrip(" \t")
    if item.startswith('"'):
        m = _QUOTED_REST.match(item, 1)
        if m is not None and m.end() == len(item):
            item = _unquote(item[1:-1])
    return key, item


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """End of `pattern` (which may match empty) at `pos`."""
    m = pattern.match(text, pos)
    return pos if m is None else m.end()


def _trim_back(text: str, pos: int, floor: int) -> int:
    """Offset just after the last non-blank character before `pos` (not before `floor`)."""
    while pos > floor and text[pos - 1] in " \t":
        pos -= 1
    return pos


def _fail_statement(text: str, file: str, pos: int, in_unit: bool) -> NoReturn:
    expected = "a parameter 'key=value;', 'unit=' or '}'" if in_unit else "'unit='"
    if text.startswith("/*", pos):
        _fail(text, file, pos, "unterminated comment")
    ch = text[pos]
    if ch == "{":
        _fail(text, file, pos, "unexpected '{' (a block must follow 'unit=name,permission,owner,group;')")
    if ch == '"':
        _fail(text, file, pos, f"unexpected quoted string; expected {expected}")
    _fail(text, file, pos, f"unexpected character {ch!r}; expected {expected}")


def _fail_value(
    text: str, file: str, pos: int, multiline_quote: int, message: str, later: str | None = None
) -> NoReturn:
    """Fail at `pos`, or at `multiline_quote` when a quoted string spanning lines came first.

    Such a string followed by a broken value is most often a missing closing quote: from there on
    the quotes pair up wrongly, so the visible error is only a symptom. `later` words the
    symptom when it is reported that way.
    """
    if 0 <= multiline_quote < pos:
        _fail(
            text,
            file,
            multiline_quote,
            f"the quoted string starting here spans lines, then at line {_line_of(text, pos)}: "
            f"{later or message}; is its closing '\"' missing?",
        )
    _fail(text, file, pos, message)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _fail(text: str, file: str, pos: int, message: str) -> NoReturn:
    pos = max(0, min(pos, len(text)))
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    raise InputError(file, _line_of(text, pos), column, message)
