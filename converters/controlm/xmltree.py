"""Control-M XML -> a small element tree that remembers where every element and attribute is.

The standard library's expat parser reports the line and column of each start tag, which
ElementTree throws away. Attribute positions are not reported at all, so they are found in the
bytes of the start tag when a finding or a raw parameter needs one. Character data is ignored:
Control-M exports carry everything in attributes.

A document that is not well-formed XML raises InputError at the line and column expat names.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.parsers import expat

from converters import SourceFile
from jobmigrate.errors import InputError
from jobmigrate.model import RawParam


@dataclass(slots=True)
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    column: int  # 1-based
    offset: int  # byte offset of `<` in the UTF-8 text
    doc: XmlDocument
    children: list[Element] = field(default_factory=list)
    stripped: dict[str, str] = field(default_factory=dict)  # values without surrounding blanks

    def __post_init__(self) -> None:
        # Read a million times in a large export, so stripped once here. Most elements have no
        # value to strip and share `attrs` itself: a second dict for each was a fifth of the import.
        attrs = self.attrs
        if any(v[:1].isspace() or v[-1:].isspace() for v in attrs.values()):
            self.stripped = {k: v.strip() for k, v in attrs.items()}
        else:
            self.stripped = attrs

    def get(self, name: str) -> str:
        """The attribute's value with surrounding blanks removed; "" when absent."""
        return self.stripped.get(name, "")

    def has(self, name: str) -> bool:
        return bool(self.get(name))

    def attr_line(self, name: str) -> int:
        """Line of `name=` in the start tag; the tag's line when it cannot be found."""
        return self.doc.attribute_lines(self).get(name, self.line)

    def raw(self, keep: Callable[[str, str], bool] = lambda key, value: True) -> list[RawParam]:
        """The attributes as written, with their lines (those `keep` accepts)."""
        lines = self.doc.attribute_lines(self)
        return [RawParam(k, v, lines.get(k, self.line)) for k, v in self.attrs.items() if keep(k, v)]

    @property
    def file(self) -> str:
        return self.doc.path


class XmlDocument:
    """One parsed file: what its elements need to locate their attributes. It does not hold its
    root element, which holds it: no cycle for the paused collector to leave behind."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data
        self._newlines = array("q", [m.start() for m in _NEWLINE.finditer(data)])

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def attribute_lines(self, element: Element) -> dict[str, int]:
        """The line of every `name=` in the start tag, from one scan of it (exports put one
        attribute per line, and a job has some twenty). Not kept: asked for once per element
        with its raw parameters, and again only for a finding, while keeping them cost a third
        of a large import's memory."""
        end = self.data.find(b"<", element.offset + 1)
        tag = self.data[element.offset : end if end > 0 else len(self.data)]
        if b"\n" not in tag:
            return {}  # all on the tag's line
        lines: dict[str, int] = {}
        line = element.line
        for space, name in _ATTRIBUTE_OR_NEWLINE.findall(tag):
            if space == b"\n" or not name:
                line += 1
                if not name:
                    continue
            key = _NAMES.get(name)
            if key is None:
                key = _NAMES[name] = name.decode("utf-8", "replace")
            if key not in lines:
                lines[key] = line
        return lines


_NEWLINE = re.compile(b"\n")
# `name=` after a blank (which may be the line's newline), or a newline: one match per item.
_ATTRIBUTE_OR_NEWLINE = re.compile(rb"(\s)([^\s=<>/\"']+)\s*=|\n")
_NAMES: dict[bytes, str] = {}  # attribute names decoded once: an export uses a few dozen


def parse(source: SourceFile) -> Element:
    """The root element of one file. Raises InputError when the XML is not well-formed."""
    # The text is already decoded; expat gets UTF-8 and is told so, whatever the XML
    # declaration says. Lone surrogates stay invalid bytes, so expat reports them in place.
    data = source.text.encode("utf-8", "surrogatepass")
    doc = XmlDocument(source.path, data)
    builder = _Builder(doc)
    parser = expat.ParserCreate("UTF-8")
    parser.ordered_attributes = False
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    builder.parser = parser
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        message = expat.ErrorString(e.code) if e.code is not None else str(e)
        raise InputError(source.path, e.lineno, e.offset + 1, f"malformed XML: {message}") from None
    finally:
        # The parser and the builder refer to each other. A conversion pauses the cyclic
        # collector, so the cycle is cut here for reference counting to free both.
        parser.StartElementHandler = parser.EndElementHandler = None
        builder.parser = None
    if builder.root is None:  # pragma: no cover - expat rejects a document without an element
        raise InputError(source.path, 1, 1, "malformed XML: no element found")
    return builder.root


class _Builder:
    def __init__(self, doc: XmlDocument) -> None:
        self.doc = doc
        self.root: Element | None = None
        self.stack: list[Element] = []
        self.parser: expat.XMLParserType | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        assert self.parser is not None
        element = Element(
            tag=tag,
            attrs=attrs,
            line=self.parser.CurrentLineNumber,
            column=self.parser.CurrentColumnNumber + 1,
            offset=self.parser.CurrentByteIndex,
            doc=self.doc,
        )
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def end(self, tag: str) -> None:
        self.stack.pop()
