"""A small RON (Rusty Object Notation) reader for pubgrub's registry dumps.

pubgrub's benchmarks store registries as RON: maps, lists, tuples, integers and
enum variants such as ``Some(17)``, ``None``, ``Included(3)`` or ``Unbounded``.
This module reads that subset (plus strings, floats, booleans, unit ``()`` and
``//``/``/* */`` comments) into plain Python values:

======================  ==============================
RON                     Python
======================  ==============================
``{k: v, ...}``         ``dict`` (keys must be hashable)
``[a, b]``              ``list``
``(a, b)``, ``()``      ``tuple``
``12``, ``0x1f``        ``int``
``1.5``                 ``float``
``"text"``              ``str``
``true``/``false``      ``bool``
``Name``, ``Name(a)``   :class:`RonVariant`
======================  ==============================

The parser is iterative (an explicit stack, no recursion) and refuses nesting
deeper than :data:`MAX_DEPTH`, so hostile input cannot exhaust the Python stack.
Named struct fields (``Point(x: 1)``) and raw strings are not part of the subset
and are reported as errors. Every error is an :class:`~compatlib.errors.InputError`
with the 1-based line and column of the offending token.
"""

from __future__ import annotations

import re
from typing import Union

from compatlib._values import value
from compatlib.errors import InputError

__all__ = ["MAX_DEPTH", "RonValue", "RonVariant", "loads"]

MAX_DEPTH = 256
"""Deepest nesting of maps, lists, tuples and variants :func:`loads` accepts."""

RonValue = Union[
    "dict[RonValue, RonValue]",
    "list[RonValue]",
    "tuple[RonValue, ...]",
    "RonVariant",
    int,
    float,
    str,
    bool,
]


@value
class RonVariant:
    """An enum variant: ``None`` is ``RonVariant("None")``, ``Some(3)`` is
    ``RonVariant("Some", (3,))``."""

    name: str
    values: tuple[RonValue, ...] = ()


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lcomment>//[^\n]*)
  | (?P<bcomment>/\*)
  | (?P<num>[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+
        |[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9_]+)?))
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}\[\]():,])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPE_RE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|x[0-9A-Fa-f]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}

# token kinds
_NUM, _STR, _IDENT, _PUNCT = "num", "str", "ident", "punct"


def _where(text: str, pos: int) -> tuple[int, int, str | None]:
    line = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    end = len(text) if end == -1 else end
    # long lines (one-line dumps) are not quoted in the message
    return line, pos - start + 1, text[start:end] if end - start <= 200 else None


def _error(
    message: str, text: str, pos: int, source: str | None, expected: str | None = None
) -> InputError:
    line, column, line_text = _where(text, pos)
    return InputError(
        message, source=source, line=line, column=column, text=line_text, expected=expected
    )


def _tokenize(text: str, source: str | None) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    n = len(text)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            raise _error(f"unexpected character {text[pos]!r}", text, pos, source)
        kind = m.lastgroup
        if kind == "bcomment":
            # RON block comments nest.
            depth, i = 1, m.end()
            while depth:
                nxt_open = text.find("/*", i)
                nxt_close = text.find("*/", i)
                if nxt_close == -1:
                    raise _error("unterminated block comment", text, pos, source)
                if nxt_open != -1 and nxt_open < nxt_close:
                    depth, i = depth + 1, nxt_open + 2
                else:
                    depth, i = depth - 1, nxt_close + 2
            pos = i
            continue
        if kind not in ("ws", "lcomment"):
            assert kind is not None
            tokens.append((kind, m.group(), pos))
        pos = m.end()
    return tokens


_MAX_DIGITS = 40  # pubgrub's versions are u32/u64; this bounds int() on hostile input


def _number(raw: str) -> int | float:
    s = raw.replace("_", "")
    if len(s) > _MAX_DIGITS + 3:
        raise ValueError(raw)
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    prefix = s[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        return sign * int(s[2:], {"0x": 16, "0o": 8, "0b": 2}[prefix])
    if any(c in s for c in ".eE"):
        return sign * float(s)
    return sign * int(s)


def _string(raw: str, text: str, pos: int, source: str | None) -> str:
    def unescape(m: re.Match[str]) -> str:
        esc = m.group(1)
        try:
            if esc.startswith("u{"):
                return chr(int(esc[2:-1], 16))
            if esc.startswith("x") and len(esc) == 3:
                return chr(int(esc[1:], 16))
        except (ValueError, OverflowError):
            raise _error(
                f"invalid string escape '\\{esc}'", text, pos + 1 + m.start(), source
            ) from None
        if esc in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[esc]
        raise _error(f"unknown string escape '\\{esc}'", text, pos + 1 + m.start(), source)

    return _ESCAPE_RE.sub(unescape, raw[1:-1])


class _Frame:
    __slots__ = ("close", "expect", "items", "key", "kind", "mapping", "name", "pos")

    def __init__(self, kind: str, close: str, pos: int, name: str = "") -> None:
        self.kind = kind  # "map", "list", "tuple", "variant"
        self.close = close
        self.pos = pos
        self.name = name
        self.items: list[RonValue] = []
        self.mapping: dict[RonValue, RonValue] = {}
        self.key: RonValue = None  # type: ignore[assignment]
        # what the frame waits for: "key", "colon", "value", "sep"
        self.expect = "key" if kind == "map" else "value"


_OPEN = {"{": ("map", "}"), "[": ("list", "]"), "(": ("tuple", ")")}


def loads(text: str, *, source: str | None = None) -> RonValue:
    """Parse one RON value from ``text``; ``source`` names the file in errors."""
    tokens = _tokenize(text, source)
    parser = _Parser(text, source)
    i = 0
    ntok = len(tokens)
    while i < ntok:
        kind, tok, pos = tokens[i]
        i += 1
        if parser.root and not parser.stack:
            raise _error("unexpected content after the value", text, pos, source)
        if parser.stack and parser.punctuation(kind, tok, pos):
            continue
        # a value starts here
        if kind == _PUNCT:
            if tok in _OPEN:
                frame_kind, close = _OPEN[tok]
                parser.open(frame_kind, close, pos)
                continue
            raise _error(f"unexpected {tok!r}", text, pos, source, expected="a value")
        if kind == _NUM:
            try:
                number = _number(tok)
            except (ValueError, OverflowError):
                raise _error(
                    f"number {tok[:24]!r} is out of range",
                    text,
                    pos,
                    source,
                    expected=f"at most {_MAX_DIGITS} digits",
                ) from None
            parser.deliver(number, pos)
        elif kind == _STR:
            parser.deliver(_string(tok, text, pos, source), pos)
        elif tok in ("true", "false"):
            parser.deliver(tok == "true", pos)
        elif i < ntok and tokens[i][1] == "(" and tokens[i][0] == _PUNCT:
            parser.open("variant", ")", pos, name=tok)  # an enum variant with a payload
            if i + 2 < ntok and tokens[i + 1][0] == _IDENT and tokens[i + 2][1] == ":":
                raise _error(
                    "named struct fields are not supported", text, tokens[i + 1][2], source
                )
            i += 1
        else:  # an enum variant without one
            parser.deliver(RonVariant(tok), pos)
    return parser.result()


class _Parser:
    """The state of :func:`loads`: the open containers and the finished value."""

    __slots__ = ("root", "source", "stack", "text")

    def __init__(self, text: str, source: str | None) -> None:
        self.text = text
        self.source = source
        self.stack: list[_Frame] = []
        self.root: list[RonValue] = []

    def open(self, kind: str, close: str, pos: int, name: str = "") -> None:
        """Start a container (map, list, tuple or variant payload) at ``pos``."""
        if len(self.stack) >= MAX_DEPTH:
            raise _error(f"nesting deeper than {MAX_DEPTH}", self.text, pos, self.source)
        self.stack.append(_Frame(kind, close, pos, name=name))

    def punctuation(self, kind: str, tok: str, pos: int) -> bool:
        """Handle the closing bracket, ``,`` or ``:`` the innermost container
        waits for; ``False`` when a value is due instead."""
        top = self.stack[-1]
        text, source = self.text, self.source
        if tok == top.close and kind == _PUNCT:
            closable = ("key", "sep") if top.kind == "map" else ("value", "sep")
            if top.expect in closable:
                self.finish()
                return True
            raise _error(
                f"unexpected {tok!r}",
                text,
                pos,
                source,
                expected="':'" if top.expect == "colon" else "a value",
            )
        if top.expect == "sep":
            if kind == _PUNCT and tok == ",":
                top.expect = "key" if top.kind == "map" else "value"
                return True
            raise _error(f"unexpected {tok!r}", text, pos, source, expected=f"',' or {top.close!r}")
        if top.expect == "colon":
            if kind == _PUNCT and tok == ":":
                top.expect = "value"
                return True
            raise _error(f"unexpected {tok!r}", text, pos, source, expected="':'")
        return False

    def deliver(self, value: RonValue, pos: int) -> None:
        """Put a finished value into the innermost container (a map's key or
        value, a sequence's item), or make it the result."""
        if not self.stack:
            self.root.append(value)
            return
        top = self.stack[-1]
        if top.kind == "map":
            if top.expect == "key":
                try:
                    hash(value)
                except TypeError:
                    raise _error("map key is not hashable", self.text, pos, self.source) from None
                if value in top.mapping:
                    raise _error(f"duplicate map key {value!r}", self.text, pos, self.source)
                top.key = value
                top.expect = "colon"
            else:
                top.mapping[top.key] = value
                top.expect = "sep"
        else:
            top.items.append(value)
            top.expect = "sep"

    def finish(self) -> None:
        """Close the innermost container and deliver it as a value."""
        frame = self.stack.pop()
        value: RonValue
        if frame.kind == "map":
            value = frame.mapping
        elif frame.kind == "list":
            value = frame.items
        elif frame.kind == "tuple":
            value = tuple(frame.items)
        else:
            value = RonVariant(frame.name, tuple(frame.items))
        self.deliver(value, frame.pos)

    def result(self) -> RonValue:
        """The one value read, once every container is closed."""
        if self.stack:
            top = self.stack[-1]
            raise _error(f"unclosed {top.kind}", self.text, top.pos, self.source)
        if not self.root:
            raise _error(
                "no value found", self.text, len(self.text), self.source, expected="a RON value"
            )
        return self.root[0]
