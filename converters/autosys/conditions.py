"""`condition:` expressions: a parser into a small tree, with the column of every token.

Grammar (AutoSys AE; keywords case-insensitive, job names case-sensitive)
    expr     := operand (op operand)*          op := & | `|` | AND | OR
    operand  := "(" expr ")" | atom
    atom     := status "(" job ["^" INSTANCE] ["," LOOKBACK] ")"
              | exitcode "(" job ... ")" cmp INTEGER
              | value "(" GLOBAL ")" cmp VALUE
    status   := s|success  f|failure  t|terminated  d|done  n|notrunning
    LOOKBACK := hours[.mm] or hours\\:mm   (`06.00` = the last six hours; `0` = since this job ran)

AutoSys gives `&` and `|` the same precedence and reads from left to right ("the parentheses force
precedence, and the equation is evaluated from left to right"), so `a | b & c` is `(a | b) & c`.
The parser builds exactly that, and says when an expression relies on it (`mixed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Status = Literal["success", "failure", "terminated", "done", "notrunning", "exitcode", "value"]

_ATOMS: Final[dict[str, Status]] = {
    "s": "success",
    "success": "success",
    "f": "failure",
    "failure": "failure",
    "t": "terminated",
    "terminated": "terminated",
    "d": "done",
    "done": "done",
    "n": "notrunning",
    "notrunning": "notrunning",
    "e": "exitcode",
    "exitcode": "exitcode",
    "v": "value",
    "value": "value",
}
_COMPARISONS: Final = ("!=", "<>", "<=", ">=", "==", "=", "<", ">")
_JOB_NAME: Final = re.compile(r"[A-Za-z0-9_.#@$-]+")
_INSTANCE: Final = re.compile(r"[A-Za-z0-9]{1,3}")
_LOOKBACK: Final = re.compile(r"(\d{1,4})(?:(?:\.|\\?:)(\d{2}))?")
_TOKEN: Final = re.compile(
    r'\s*(?:(?P<punct>[()&|,])|(?P<cmp>!=|<>|<=|>=|==|=|<|>)|(?P<quoted>"[^"]*")|(?P<word>[^\s()&|,=!<>"]+))'
)


class ConditionError(Exception):
    """A syntax error at `offset` (0-based) in the condition text."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass(frozen=True, slots=True)
class Atom:
    status: Status
    target: str  # job name, or global variable name for value()
    instance: str | None = None  # AutoSys instance after `^`
    lookback: str | None = None  # as written
    comparison: str | None = None  # exitcode()/value() operator
    operand: str | None = None
    text: str = ""
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Combined:
    op: Literal["and", "or"]
    left: Node
    right: Node


Node = Atom | Combined


@dataclass(frozen=True, slots=True)
class Condition:
    root: Node
    text: str
    mixed: bool  # `&` and `|` side by side without parentheses: left-to-right matters

    def atoms(self) -> list[Atom]:
        """The atoms from left to right."""
        return [n for n in _walk(self.root) if isinstance(n, Atom)]

    def operators(self) -> set[str]:
        return {n.op for n in _walk(self.root) if isinstance(n, Combined)}


def _walk(root: Node) -> list[Node]:
    """Every node, left before right; iterative because a long `a & b & ...` chain is deep."""
    out: list[Node] = []
    pending = [root]
    while pending:
        node = pending.pop()
        out.append(node)
        if isinstance(node, Combined):
            pending += [node.right, node.left]
    return out


_TokKind = Literal["punct", "cmp", "quoted", "word", "end"]
_KINDS: Final[tuple[_TokKind, ...]] = ("punct", "cmp", "quoted", "word")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: _TokKind
    text: str
    offset: int


def parse(text: str) -> Condition:
    """The expression tree of a condition; raises ConditionError at the offending token."""
    parser = _Parser(text, _tokens(text))
    if parser.peek().kind == "end":
        raise ConditionError(0, "empty condition")
    root = parser.expression(depth=0)
    tok = parser.peek()
    if tok.kind != "end":
        if tok.text == ")":
            raise ConditionError(tok.offset, "unexpected `)` without a matching `(`")
        raise ConditionError(tok.offset, f"expected `&` or `|` before {tok.text!r}")
    return Condition(root=root, text=text.strip(), mixed=parser.mixed)


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    at = 0
    while True:
        match = _TOKEN.match(text, at)
        if match is None:
            rest = len(text) - len(text[at:].lstrip())
            if rest >= len(text):
                out.append(_Tok("end", "", len(text.rstrip())))
                return out
            raise ConditionError(rest, f"unexpected character {text[rest]!r}")
        kind = next(k for k in _KINDS if match.group(k) is not None)
        out.append(_Tok(kind, match.group(kind), match.start(kind)))
        at = match.end()


class _Parser:
    def __init__(self, text: str, tokens: list[_Tok]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.mixed = False

    def peek(self) -> _Tok:
        return self.tokens[self.index]

    def take(self) -> _Tok:
        tok = self.tokens[self.index]
        if tok.kind != "end":
            self.index += 1
        return tok

    def expect(self, text: str, what: str) -> _Tok:
        tok = self.take()
        if tok.text != text:
            found = "the end of the condition" if tok.kind == "end" else repr(tok.text)
            raise ConditionError(tok.offset, f"expected `{text}` {what}, found {found}")
        return tok

    def expression(self, depth: int) -> Node:
        if depth > 100:  # a guard against pathological nesting; real conditions stay shallow
            raise ConditionError(self.peek().offset, "parentheses nested too deeply")
        node = self.operand(depth)
        seen: set[str] = set()
        while (op := self._operator()) is not None:
            seen.add(op)
            node = Combined(op, node, self.operand(depth))
        if len(seen) > 1:
            self.mixed = True
        return node

    def _operator(self) -> Literal["and", "or"] | None:
        tok = self.peek()
        word = tok.text.lower()
        if tok.text == "&" or (tok.kind == "word" and word == "and"):
            self.take()
            return "and"
        if tok.text == "|" or (tok.kind == "word" and word == "or"):
            self.take()
            return "or"
        return None

    def operand(self, depth: int) -> Node:
        tok = self.peek()
        if tok.text == "(":
            self.take()
            node = self.expression(depth + 1)
            self.expect(")", "to close the parenthesis")
            return node
        if tok.kind == "word":
            return self.atom()
        found = "the end of the condition" if tok.kind == "end" else repr(tok.text)
        raise ConditionError(tok.offset, f"expected a condition such as s(JOB), found {found}")

    def atom(self) -> Atom:
        keyword = self.take()
        status = _ATOMS.get(keyword.text.lower())
        if status is None:
            raise ConditionError(
                keyword.offset,
                f"unknown condition {keyword.text!r}: expected s(), f(), t(), d(), n(), e() or v()",
            )
        self.expect("(", f"after {keyword.text}")
        target, instance = self._target(status)
        lookback = self._lookback(status)
        self.expect(")", f"to close {keyword.text}(")
        comparison = operand = None
        if status in ("exitcode", "value"):
            comparison, operand = self._comparison(status)
        end = self.tokens[self.index - 1]
        return Atom(
            status=status,
            target=target,
            instance=instance,
            lookback=lookback,
            comparison=comparison,
            operand=operand,
            text=self.text[keyword.offset : end.offset + len(end.text)],
            offset=keyword.offset,
        )

    def _target(self, status: Status) -> tuple[str, str | None]:
        tok = self.take()
        if tok.kind != "word":
            raise ConditionError(
                tok.offset, "expected a job name" if status != "value" else "expected a name"
            )
        name, caret, instance = tok.text.partition("^")
        if not _JOB_NAME.fullmatch(name):
            bad = next((i for i, ch in enumerate(name) if not _JOB_NAME.fullmatch(ch)), 0)
            raise ConditionError(tok.offset + bad, f"invalid character in the name {tok.text!r}")
        if caret and (status == "value" or not _INSTANCE.fullmatch(instance)):
            raise ConditionError(
                tok.offset + len(name), "expected a three-character AutoSys instance name after `^`"
            )
        return name, instance or None

    def _lookback(self, status: Status) -> str | None:
        if self.peek().text != ",":
            return None
        comma = self.take()
        if status == "value":
            raise ConditionError(comma.offset, "value() takes no look-back")
        tok = self.take()
        match = _LOOKBACK.fullmatch(tok.text) if tok.kind == "word" else None
        if match is None or (match.group(2) is not None and int(match.group(2)) > 59):
            raise ConditionError(tok.offset, "expected a look-back as hours.minutes, e.g. 06.00")
        return tok.text

    def _comparison(self, status: Status) -> tuple[str, str]:
        op = self.take()
        if op.kind != "cmp":
            raise ConditionError(
                op.offset, f"expected a comparison ({', '.join(_COMPARISONS)}) after {status}()"
            )
        value = self.take()
        if value.kind not in ("word", "quoted"):
            raise ConditionError(value.offset, "expected a value to compare with")
        if status == "exitcode" and not re.fullmatch(r"-?\d+", value.text):
            raise ConditionError(value.offset, f"expected an exit code number, found {value.text!r}")
        return op.text, value.text
