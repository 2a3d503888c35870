"""Conda version specifications: ``1.2.*``, ``>=1.2,<2``, ``1.2|1.3``, ``~=1.2``...

:func:`parse_version_spec` reads the version part of a conda match spec the way
conda's ``VersionSpec`` does (``conda/models/version.py``,
https://github.com/conda/conda):

==================  =========================================================
``*``               every version
``1.2``             exactly 1.2 (``== 1.2``, so 1.2.0 too, but not 1.2.1)
``==1.2``           the same
``1.2.*``, ``1.2*`` versions starting with 1.2 (1.2, 1.2.0, 1.2.7, 1.2a, 1.2.post1)
``=1.2``            the same as ``1.2.*`` (``=`` is conda's "starts with")
``!=1.2``           anything but 1.2; ``!=1.2.*``: anything not starting with 1.2
``>=1.2`` etc.      ``<``, ``<=``, ``>``, ``>=`` compare in conda order
``~=1.2.3``         ``>=1.2.3`` and starting with ``1.2`` (compatible release)
``a,b`` / ``a|b``   and / or; ``,`` binds tighter than ``|``; parentheses group
``^1\\.2\\..*$``      a regular expression over the version *string*
``1.*.3``           a ``*`` not at the end: a glob over the version string
==================  =========================================================

Note that a bare ``1.2`` here is exact; it is the match-spec shorthand
``numpy=1.2`` that means ``1.2.*`` (see :mod:`compatlib.sources.conda.matchspec`).
A ``.*`` after ``==``, ``<``, ``<=`` or ``>`` is ignored, as conda does.

Every spec has a canonical string (``str()``), which is also its identity:
specs compare and hash by it. :meth:`CondaVersionSpec.to_set` turns a spec into
a :class:`~compatlib.values.sets.VersionSet` of
:class:`~compatlib.values.conda_version.CondaVersion` when it is made of intervals (all
but regex, glob and ``@`` string specs).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Literal

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.values.conda_version import CondaVersion, parse_conda_version
from compatlib.values.sets import Bound, Interval, VersionSet

__all__ = [
    "AnyVersion",
    "CondaVersionSpec",
    "Compare",
    "CompatibleRelease",
    "Conjunction",
    "Disjunction",
    "ExactString",
    "Pattern",
    "StartsWith",
    "parse_version_spec",
    "prefix_set",
]

_Op = Literal["==", "!=", "<", "<=", ">", ">="]
_OPERATOR_CHARS = "=<>!~"
_TWO_CHAR_OPS = ("==", "!=", "<=", ">=", "~=")
_ONE_CHAR_OPS = ("=", "<", ">")
_MAX_DEPTH = 64
_COMPARE_OPS: dict[str, _Op] = {
    "==": "==",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}

_EXPECTED = "a conda version spec such as 1.2, 1.2.*, >=1.2,<2, 1.2|1.3, ==1.2, !=1.2, ~=1.2.3 or *"


def prefix_set(prefix: CondaVersion) -> VersionSet[CondaVersion]:
    """The versions that start with ``prefix`` (conda's ``prefix.*``), as a set."""
    lo, hi = prefix.prefix_bounds()
    return VersionSet((Interval(Bound(lo, True), Bound(hi, True)),))


def _as_version(v: CondaVersion | str) -> CondaVersion:
    return v if isinstance(v, CondaVersion) else parse_conda_version(v)


@value(init=False)
class CondaVersionSpec(ABC):
    """A parsed conda version spec; immutable, compared and hashed by ``str()``."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    @abstractmethod
    def contains(self, version: CondaVersion | str) -> bool:
        """Whether ``version`` (a record's version) satisfies the spec."""

    @abstractmethod
    def to_set(self) -> VersionSet[CondaVersion] | None:
        """The spec as a version set, or ``None`` when it is not made of intervals
        (regex, glob and ``@`` string specs match on the spelling)."""

    @property
    def is_exact(self) -> bool:
        """True when the spec names one version (``1.2``, ``==1.2``)."""
        return False

    @property
    def matches_all(self) -> bool:
        return False

    def __contains__(self, version: object) -> bool:
        if isinstance(version, (CondaVersion, str)):
            return self.contains(version)
        return False

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<CondaVersionSpec {self._text!r}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CondaVersionSpec):
            return NotImplemented
        return self._text == other._text

    def __hash__(self) -> int:
        return hash(self._text)


class AnyVersion(CondaVersionSpec):
    """``*``: every version."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("*")

    def contains(self, version: CondaVersion | str) -> bool:
        return True

    def to_set(self) -> VersionSet[CondaVersion]:
        return VersionSet.full()

    @property
    def matches_all(self) -> bool:
        return True


class Compare(CondaVersionSpec):
    """``==v``, ``!=v``, ``<v``, ``<=v``, ``>v``, ``>=v`` (and a bare exact ``v``)."""

    __slots__ = ("op", "version")

    def __init__(self, text: str, op: _Op, version: CondaVersion) -> None:
        super().__init__(text)
        self.op: _Op = op
        self.version = version

    def contains(self, version: CondaVersion | str) -> bool:
        v = _as_version(version)
        op = self.op
        if op == "==":
            return v == self.version
        if op == "!=":
            return v != self.version
        if op == "<":
            return v < self.version
        if op == "<=":
            return v <= self.version
        if op == ">":
            return v > self.version
        return v >= self.version

    def to_set(self) -> VersionSet[CondaVersion]:
        v = self.version
        op = self.op
        if op == "==":
            return VersionSet.singleton(v)
        if op == "!=":
            return VersionSet.singleton(v).complement()
        if op == "<":
            return VersionSet.less_than(v)
        if op == "<=":
            return VersionSet.at_most(v)
        if op == ">":
            return VersionSet.greater_than(v)
        return VersionSet.at_least(v)

    @property
    def is_exact(self) -> bool:
        return self.op == "=="


class StartsWith(CondaVersionSpec):
    """``1.2.*`` / ``=1.2`` (or, negated, ``!=1.2.*``): versions starting with a prefix."""

    __slots__ = ("negated", "prefix")

    def __init__(self, text: str, prefix: CondaVersion, *, negated: bool = False) -> None:
        super().__init__(text)
        self.prefix = prefix
        self.negated = negated

    def contains(self, version: CondaVersion | str) -> bool:
        return _as_version(version).startswith(self.prefix) != self.negated

    def to_set(self) -> VersionSet[CondaVersion]:
        s = prefix_set(self.prefix)
        return s.complement() if self.negated else s


class CompatibleRelease(CondaVersionSpec):
    """``~=1.2.3``: at least 1.2.3 and starting with 1.2 (conda drops the last
    ``.``-separated piece of the normalized version to get the prefix)."""

    __slots__ = ("prefix", "version")

    def __init__(self, text: str, version: CondaVersion, prefix: CondaVersion) -> None:
        super().__init__(text)
        self.version = version
        self.prefix = prefix

    def contains(self, version: CondaVersion | str) -> bool:
        v = _as_version(version)
        return v >= self.version and v.startswith(self.prefix)

    def to_set(self) -> VersionSet[CondaVersion]:
        return VersionSet.at_least(self.version) & prefix_set(self.prefix)


class Pattern(CondaVersionSpec):
    """A regex (``^...$``) or a glob with an inner ``*`` (``1.*.3``), matched
    against the version's spelling, as conda does."""

    __slots__ = ("_regex",)

    def __init__(self, text: str, regex: re.Pattern[str]) -> None:
        super().__init__(text)
        self._regex = regex

    def contains(self, version: CondaVersion | str) -> bool:
        return self._regex.match(str(version)) is not None

    def to_set(self) -> None:
        return None


class ExactString(CondaVersionSpec):
    """A spec containing ``@``: compared with the version string as written."""

    __slots__ = ()

    def contains(self, version: CondaVersion | str) -> bool:
        return str(version) == self._text

    def to_set(self) -> None:
        return None

    @property
    def is_exact(self) -> bool:
        return True


class Conjunction(CondaVersionSpec):
    """``a,b``: every part must hold."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[CondaVersionSpec, ...]) -> None:
        super().__init__(_render("and", parts))
        self.parts = parts

    def contains(self, version: CondaVersion | str) -> bool:
        v = _as_version(version)
        return all(p.contains(v) for p in self.parts)

    def to_set(self) -> VersionSet[CondaVersion] | None:
        out: VersionSet[CondaVersion] = VersionSet.full()
        for p in self.parts:
            s = p.to_set()
            if s is None:
                return None
            out = out & s
        return out


class Disjunction(CondaVersionSpec):
    """``a|b``: one part must hold."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[CondaVersionSpec, ...]) -> None:
        super().__init__(_render("or", parts))
        self.parts = parts

    def contains(self, version: CondaVersion | str) -> bool:
        return any(p.contains(version) for p in self.parts)

    def to_set(self) -> VersionSet[CondaVersion] | None:
        out: VersionSet[CondaVersion] = VersionSet.empty()
        for p in self.parts:
            s = p.to_set()
            if s is None:
                return None
            out = out | s
        return out


def _render(kind: str, parts: tuple[CondaVersionSpec, ...]) -> str:
    if kind == "or":
        return "|".join(str(p) for p in parts)
    return ",".join(f"({p})" if isinstance(p, Disjunction) else str(p) for p in parts)


# -- parsing ---------------------------------------------------------------


class _Ctx:
    """Where the spec text came from, for error messages."""

    __slots__ = ("base", "full", "source")

    def __init__(self, full: str, base: int, source: str | None) -> None:
        self.full = full  # the text the caller sees (a whole match spec, maybe)
        self.base = base  # offset of the version spec inside ``full`` (0-based)
        self.source = source

    def error(self, message: str, pos: int) -> InputError:
        return InputError(
            message,
            source=self.source,
            column=self.base + pos + 1,
            text=self.full,
            expected=_EXPECTED,
        )


def _version_at(text: str, pos: int, ctx: _Ctx) -> CondaVersion:
    try:
        return parse_conda_version(text)
    except InputError as exc:
        col = (exc.column - 1) if exc.column is not None else 0
        raise ctx.error(exc.message, pos + col) from None


def _leaf(raw: str, pos: int, ctx: _Ctx) -> CondaVersionSpec:
    """One operand (no ``,``/``|``/parentheses); ``pos`` is its offset in the spec."""
    s = raw.strip()
    pos += len(raw) - len(raw.lstrip())
    if not s:
        raise ctx.error("empty version spec", pos)
    if s[0] == "^" or s[-1] == "$":
        if s[0] != "^" or s[-1] != "$":
            raise ctx.error("a regex spec must start with '^' and end with '$'", pos)
        try:
            return Pattern(s, re.compile(s))
        except re.error as exc:
            raise ctx.error(f"invalid regular expression: {exc}", pos) from None
    if s[0] in _OPERATOR_CHARS:
        op = ""
        for cand in (*_TWO_CHAR_OPS, *_ONE_CHAR_OPS):
            if s.startswith(cand) and len(s) > len(cand) and s[len(cand)] not in _OPERATOR_CHARS:
                op = cand
                break
        rest = s[len(op) :]
        if not op or not rest or any(c.isspace() for c in rest):
            raise ctx.error(f"invalid operator in {s!r}", pos)
        vpos = pos + len(op)
        text = s
        if rest.endswith(".*"):
            # conda: '=' and '>=' drop the '.*', '!=' turns into "does not start
            # with", '~=' refuses it, and the others ignore it
            if op == "~=":
                raise ctx.error("'~=' cannot be combined with '.*'", pos)
            rest = rest[:-2]
            text = op + rest
            if op == "!=":
                return StartsWith(f"!={rest}.*", _version_at(rest, vpos, ctx), negated=True)
        version = _version_at(rest, vpos, ctx)
        if op == "=":
            return StartsWith(f"{rest}.*" if "*" not in rest else text, version)
        if op == "~=":
            pieces = version.normalized.split(".")
            if len(pieces) < 2:
                raise ctx.error(
                    f"'~=' needs at least two components to drop the last one, got {rest!r}",
                    pos,
                )
            return CompatibleRelease(text, version, _version_at(".".join(pieces[:-1]), vpos, ctx))
        if op == "==" and "*" not in rest:
            text = rest  # "==1.2" and "1.2" are the same spec: one canonical spelling
        return Compare(text, _COMPARE_OPS[op], version)
    if s == "*":
        return AnyVersion()
    if "*" in s.rstrip("*"):
        rx = "".join(".*" if c == "*" else re.escape(c) for c in s)
        return Pattern(s, re.compile(f"^(?:{rx})$"))
    if s.endswith("*"):
        if not s.endswith(".*"):
            s = s[:-1] + ".*"
        prefix = s.rstrip("*").rstrip(".")
        return StartsWith(s, _version_at(prefix, pos, ctx))
    if "@" not in s:
        return Compare(s, "==", _version_at(s, pos, ctx))
    return ExactString(s)


def _tokens(text: str, ctx: _Ctx) -> list[tuple[str, str, int]]:
    """Split into ('op', '(' / ')' / '|' / ',', pos) and ('leaf', text, pos)."""
    out: list[tuple[str, str, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()|,":
            out.append(("op", c, i))
            i += 1
        elif c == "^":
            end = text.find("$", i)
            if end < 0:
                raise ctx.error("a regex spec must end with '$'", i)
            out.append(("leaf", text[i : end + 1], i))
            i = end + 1
        else:
            j = i
            while j < n and text[j] not in "()|,":
                j += 1
            out.append(("leaf", text[i:j], i))
            i = j
    return out


class _Parser:
    __slots__ = ("ctx", "i", "toks")

    def __init__(self, toks: list[tuple[str, str, int]], ctx: _Ctx) -> None:
        self.toks = toks
        self.i = 0
        self.ctx = ctx

    def _peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _end_pos(self) -> int:
        if not self.toks:
            return 0
        _kind, value, pos = self.toks[-1]
        return pos + len(value)

    def expr(self, depth: int) -> CondaVersionSpec:
        parts = [self.term(depth)]
        while (t := self._peek()) is not None and t[:2] == ("op", "|"):
            self.i += 1
            parts.append(self.term(depth))
        if len(parts) == 1:
            return parts[0]
        flat: list[CondaVersionSpec] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, Disjunction) else (p,))
        return Disjunction(tuple(flat))

    def term(self, depth: int) -> CondaVersionSpec:
        parts = [self.factor(depth)]
        while (t := self._peek()) is not None and t[:2] == ("op", ","):
            self.i += 1
            parts.append(self.factor(depth))
        if len(parts) == 1:
            return parts[0]
        flat: list[CondaVersionSpec] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, Conjunction) else (p,))
        return Conjunction(tuple(flat))

    def factor(self, depth: int) -> CondaVersionSpec:
        t = self._peek()
        if t is None:
            raise self.ctx.error("a version is missing at the end", self._end_pos())
        kind, value, pos = t
        if kind == "leaf":
            self.i += 1
            return _leaf(value, pos, self.ctx)
        if value == "(":
            if depth >= _MAX_DEPTH:
                raise self.ctx.error("parentheses nested too deeply", pos)
            self.i += 1
            inner = self.expr(depth + 1)
            close = self._peek()
            if close is None or close[:2] != ("op", ")"):
                raise self.ctx.error("'(' is never closed", pos)
            self.i += 1
            return inner
        raise self.ctx.error(f"expected a version before {value!r}", pos)


def parse_version_spec(
    text: str, *, source: str | None = None, context: tuple[str, int] | None = None
) -> CondaVersionSpec:
    """Parse a conda version spec; bad input raises :class:`InputError` with a column.

    ``context`` is ``(full_text, offset)`` when the spec is part of a longer
    string (a match spec), so that columns point into that string.
    """
    if context is None:
        return _parse_cached(text, source)
    return _parse(text, _Ctx(context[0], context[1], source))


@lru_cache(maxsize=16384)
def _parse_cached(text: str, source: str | None) -> CondaVersionSpec:
    return _parse(text, _Ctx(text, 0, source))


def _parse(text: str, ctx: _Ctx) -> CondaVersionSpec:
    toks = _tokens(text, ctx)
    if not toks:
        raise ctx.error("empty version spec", 0)
    p = _Parser(toks, ctx)
    spec = p.expr(0)
    extra = p._peek()
    if extra is not None:
        raise ctx.error(f"unexpected {extra[1]!r}", extra[2])
    return spec
