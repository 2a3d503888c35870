"""Version sets: unions of intervals with a canonical form.

``VersionSet`` is compatlib's one version-range type. It works over any totally
ordered version type (PEP 440 ``packaging.version.Version``,
:class:`~compatlib.values.dotted.DottedVersion`, conda versions). A set is a
sorted tuple of disjoint, non-touching intervals, so equal sets are equal
objects and print the same way (``>=2.0, <3``, ``==2.1 | ==2.3``);
:func:`parse_version_set` reads that text back, and
:meth:`VersionSet.to_marker` writes a set as a PEP 508 marker on one variable
(``python_full_version >= "3.10.0" and python_full_version < "3.12.0"``).

PEP 440 specifier sets themselves (pre-release and local-version rules, ``~=``,
``==X.*``) are not plain intervals: they stay ``packaging.specifiers.SpecifierSet``,
whose ``to_range()`` gives packaging's own set algebra where that is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from compatlib._values import slot_setter, value

__all__ = ["Bound", "Interval", "VersionSet", "parse_version_set"]


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...
    def __le__(self, other: Any, /) -> bool: ...


V = TypeVar("V", bound=_Ordered)


@value(init=False)
class Bound(Generic[V]):
    """One end of an interval: a version and whether it is included.

    ``version is None`` means unbounded (minus or plus infinity, by position).
    """

    __slots__ = ("inclusive", "version")

    version: V | None
    inclusive: bool

    def __init__(self, version: V | None, inclusive: bool) -> None:
        _set_bound_version(self, version)
        _set_bound_inclusive(self, inclusive if version is not None else False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bound):
            return NotImplemented
        return bool(self.version == other.version and self.inclusive == other.inclusive)

    def __hash__(self) -> int:
        return hash((self.version, self.inclusive))

    def __repr__(self) -> str:
        return f"Bound({self.version!r}, {self.inclusive})"


def _lo_lt(a: Bound[V], b: Bound[V]) -> bool:
    """Is lower bound ``a`` strictly looser (starts earlier) than lower bound ``b``?"""
    if a.version is None:
        return b.version is not None
    if b.version is None:
        return False
    if a.version == b.version:
        return a.inclusive and not b.inclusive
    return bool(a.version < b.version)


def _hi_lt(a: Bound[V], b: Bound[V]) -> bool:
    """Is upper bound ``a`` strictly tighter (ends earlier) than upper bound ``b``?"""
    if a.version is None:
        return False
    if b.version is None:
        return True
    if a.version == b.version:
        return (not a.inclusive) and b.inclusive
    return bool(a.version < b.version)


def _gap_between(hi: Bound[V], lo: Bound[V]) -> bool:
    """Is there a gap between an interval ending at ``hi`` and one starting at ``lo``?"""
    if hi.version is None or lo.version is None:
        return False
    if hi.version == lo.version:
        return not (hi.inclusive or lo.inclusive)
    return bool(hi.version < lo.version)


_set_bound_version = slot_setter(Bound, "version")
_set_bound_inclusive = slot_setter(Bound, "inclusive")


@value(init=False)
class Interval(Generic[V]):
    """A non-empty interval between a lower and an upper bound."""

    __slots__ = ("hi", "lo")

    lo: Bound[V]
    hi: Bound[V]

    def __init__(self, lo: Bound[V], hi: Bound[V]) -> None:
        _set_interval_lo(self, lo)
        _set_interval_hi(self, hi)

    def is_empty(self) -> bool:
        if self.lo.version is None or self.hi.version is None:
            return False
        if self.lo.version == self.hi.version:
            return not (self.lo.inclusive and self.hi.inclusive)
        return bool(self.hi.version < self.lo.version)

    def contains(self, v: V) -> bool:
        lo, hi = self.lo, self.hi
        if lo.version is not None and (v < lo.version or (v == lo.version and not lo.inclusive)):
            return False
        return not (
            hi.version is not None and (hi.version < v or (v == hi.version and not hi.inclusive))
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Interval):
            return NotImplemented
        return self.lo == other.lo and self.hi == other.hi

    def __hash__(self) -> int:
        return hash((self.lo, self.hi))

    def __repr__(self) -> str:
        return f"Interval({self.lo!r}, {self.hi!r})"


_set_interval_lo = slot_setter(Interval, "lo")
_set_interval_hi = slot_setter(Interval, "hi")


@value(init=False)
class VersionSet(Generic[V]):
    """An immutable set of versions as a canonical union of intervals."""

    __slots__ = ("_intervals",)

    _intervals: tuple[Interval[V], ...]

    def __init__(self, intervals: Iterable[Interval[V]] = ()) -> None:
        _set_intervals(self, _normalize(intervals))

    # -- constructors --------------------------------------------------
    @classmethod
    def empty(cls) -> VersionSet[V]:
        return cls(())

    @classmethod
    def full(cls) -> VersionSet[V]:
        return cls((Interval(Bound(None, False), Bound(None, False)),))

    @classmethod
    def singleton(cls, v: V) -> VersionSet[V]:
        return cls((Interval(Bound(v, True), Bound(v, True)),))

    @classmethod
    def at_least(cls, v: V) -> VersionSet[V]:
        return cls((Interval(Bound(v, True), Bound(None, False)),))

    @classmethod
    def greater_than(cls, v: V) -> VersionSet[V]:
        return cls((Interval(Bound(v, False), Bound(None, False)),))

    @classmethod
    def less_than(cls, v: V) -> VersionSet[V]:
        return cls((Interval(Bound(None, False), Bound(v, False)),))

    @classmethod
    def at_most(cls, v: V) -> VersionSet[V]:
        return cls((Interval(Bound(None, False), Bound(v, True)),))

    @classmethod
    def between(cls, lo: V, hi: V) -> VersionSet[V]:
        """``>=lo, <hi``: the half-open range most ecosystems use."""
        return cls((Interval(Bound(lo, True), Bound(hi, False)),))

    # -- queries -------------------------------------------------------
    @property
    def intervals(self) -> tuple[Interval[V], ...]:
        return self._intervals

    @property
    def is_empty(self) -> bool:
        return not self._intervals

    @property
    def is_full(self) -> bool:
        return len(self._intervals) == 1 and (
            self._intervals[0].lo.version is None and self._intervals[0].hi.version is None
        )

    def contains(self, v: V) -> bool:
        return any(iv.contains(v) for iv in self._intervals)

    __contains__ = contains

    def as_singleton(self) -> V | None:
        """The one version this set holds, if it is a single point."""
        if len(self._intervals) == 1:
            iv = self._intervals[0]
            if iv.lo.version is not None and iv.lo.version == iv.hi.version:
                return iv.lo.version
        return None

    # -- algebra -------------------------------------------------------
    def complement(self) -> VersionSet[V]:
        out: list[Interval[V]] = []
        prev: Bound[V] = Bound(None, False)
        first = True
        for iv in self._intervals:
            if iv.lo.version is not None:
                start = prev if not first else Bound(None, False)
                out.append(Interval(start, Bound(iv.lo.version, not iv.lo.inclusive)))
            first = False
            if iv.hi.version is None:
                return VersionSet(out)
            prev = Bound(iv.hi.version, not iv.hi.inclusive)
        if first:
            return VersionSet.full()
        out.append(Interval(prev, Bound(None, False)))
        return VersionSet(out)

    def intersection(self, other: VersionSet[V]) -> VersionSet[V]:
        out: list[Interval[V]] = []
        a, b = self._intervals, other._intervals
        i = j = 0
        while i < len(a) and j < len(b):
            x, y = a[i], b[j]
            lo = y.lo if _lo_lt(x.lo, y.lo) else x.lo
            hi = x.hi if _hi_lt(x.hi, y.hi) else y.hi
            iv = Interval(lo, hi)
            if not iv.is_empty():
                out.append(iv)
            if _hi_lt(x.hi, y.hi):
                i += 1
            else:
                j += 1
        return VersionSet(out)

    def union(self, other: VersionSet[V]) -> VersionSet[V]:
        return VersionSet(self._intervals + other._intervals)

    def difference(self, other: VersionSet[V]) -> VersionSet[V]:
        return self.intersection(other.complement())

    def is_subset(self, other: VersionSet[V]) -> bool:
        return self.difference(other).is_empty

    def is_disjoint(self, other: VersionSet[V]) -> bool:
        return self.intersection(other).is_empty

    __and__ = intersection
    __or__ = union
    __sub__ = difference
    __invert__ = complement

    # -- identity and printing -----------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VersionSet):
            return NotImplemented
        return self._intervals == other._intervals

    def __hash__(self) -> int:
        return hash(self._intervals)

    def __iter__(self) -> Iterator[Interval[V]]:
        return iter(self._intervals)

    def render(self, fmt: Callable[[V], str] = str) -> str:
        """Readable form: ``>=2.0, <3``, ``2.1 | 2.3``, ``*`` (all), ``∅`` (none)."""
        if not self._intervals:
            return "∅"
        parts: list[str] = []
        for iv in self._intervals:
            lo, hi = iv.lo, iv.hi
            if lo.version is None and hi.version is None:
                parts.append("*")
            elif lo.version is not None and lo.version == hi.version:
                parts.append(f"=={fmt(lo.version)}")
            else:
                pieces: list[str] = []
                if lo.version is not None:
                    pieces.append((">=" if lo.inclusive else ">") + fmt(lo.version))
                if hi.version is not None:
                    pieces.append(("<=" if hi.inclusive else "<") + fmt(hi.version))
                parts.append(", ".join(pieces))
        return " | ".join(parts)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"<VersionSet {self.render()!r}>"

    def to_markers(self, variable: str, fmt: Callable[[V], str] = str) -> tuple[str, ...]:
        """One PEP 508 marker on ``variable`` per interval (``""`` for the whole
        set): ``variable >= "lo" and variable < "hi"``, ``variable == "v"``."""
        terms: list[str] = []
        for iv in self._intervals:
            lo, hi = iv.lo, iv.hi
            if lo.version is not None and lo.version == hi.version:
                terms.append(f'{variable} == "{fmt(lo.version)}"')
                continue
            parts: list[str] = []
            if lo.version is not None:
                parts.append(f'{variable} {">=" if lo.inclusive else ">"} "{fmt(lo.version)}"')
            if hi.version is not None:
                parts.append(f'{variable} {"<=" if hi.inclusive else "<"} "{fmt(hi.version)}"')
            terms.append(" and ".join(parts))
        return tuple(terms)

    def to_marker(self, variable: str, fmt: Callable[[V], str] = str) -> str | None:
        """The set as one PEP 508 marker: its intervals' markers, sorted, joined
        with ``or``; ``None`` for the full set. The empty set has no marker
        (:class:`ValueError`)."""
        if self.is_full:
            return None
        terms = sorted(set(self.to_markers(variable, fmt)))
        if not terms:
            raise ValueError("the empty version set has no marker")
        return terms[0] if len(terms) == 1 else " or ".join(f"({t})" for t in terms)


_set_intervals = slot_setter(VersionSet, "_intervals")


_OPERATORS = (">=", "<=", "==", "!=", ">", "<")


def parse_version_set(text: str, parse: Callable[[str], V]) -> VersionSet[V]:
    """The set :meth:`VersionSet.render` printed: ``*``, ``∅``, and intervals
    joined by ``|``, each a ``,``-separated list of ``>=``, ``<=``, ``==``,
    ``!=``, ``>`` and ``<`` clauses (all must hold). ``parse`` reads one
    version. Raises :class:`ValueError` for anything else (and whatever
    ``parse`` raises for a bad version)."""
    text = text.strip()
    if text == "*":
        return VersionSet.full()
    if text == "∅":
        return VersionSet.empty()
    out: VersionSet[V] = VersionSet.empty()
    for alternative in text.split("|"):
        part: VersionSet[V] = VersionSet.full()
        for clause in alternative.split(","):
            clause = clause.strip()
            op = next((o for o in _OPERATORS if clause.startswith(o)), None)
            if op is None:
                raise ValueError(f"not a version clause: {clause!r} in {text!r}")
            v = parse(clause[len(op) :].strip())
            if op == ">=":
                part = part & VersionSet.at_least(v)
            elif op == ">":
                part = part & VersionSet.greater_than(v)
            elif op == "<=":
                part = part & VersionSet.at_most(v)
            elif op == "<":
                part = part & VersionSet.less_than(v)
            elif op == "==":
                part = part & VersionSet.singleton(v)
            else:
                part = part - VersionSet.singleton(v)
        out = out | part
    return out


def _normalize(intervals: Iterable[Interval[V]]) -> tuple[Interval[V], ...]:
    items = [iv for iv in intervals if not iv.is_empty()]
    if not items:
        return ()

    def sort_key(iv: Interval[V]) -> Any:
        return _LoKey(iv.lo)

    items.sort(key=sort_key)
    out: list[Interval[V]] = [items[0]]
    for iv in items[1:]:
        last = out[-1]
        if _gap_between(last.hi, iv.lo):
            out.append(iv)
        else:
            hi = iv.hi if _hi_lt(last.hi, iv.hi) else last.hi
            out[-1] = Interval(last.lo, hi)
    return tuple(out)


class _LoKey:
    __slots__ = ("b",)

    def __init__(self, b: Bound[Any]) -> None:
        self.b = b

    def __lt__(self, other: _LoKey) -> bool:
        return _lo_lt(self.b, other.b)
