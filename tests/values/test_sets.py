"""VersionSet algebra checked against brute-force membership on a small universe,
against ``packaging.ranges.VersionRange`` (PEP 440 versions), its printed form
read back, and its PEP 508 markers evaluated by ``packaging.markers``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.ranges import VersionRange
from packaging.version import Version

from compatlib.values.dotted import DottedVersion
from compatlib.values.sets import Bound, Interval, VersionSet, parse_version_set

UNIVERSE = [DottedVersion(f"{i // 2}.{i % 2 * 5}") for i in range(12)]  # 0, 0.5, 1, 1.5, ...
POINTS = [DottedVersion(f"{i / 4:.2f}") for i in range(0, 28)]  # probes between versions


def _atom(draw: st.DrawFn) -> VersionSet[DottedVersion]:
    kind = draw(st.sampled_from(["ge", "gt", "lt", "le", "eq", "between", "full", "empty"]))
    v = draw(st.sampled_from(UNIVERSE))
    w = draw(st.sampled_from(UNIVERSE))
    if kind == "ge":
        return VersionSet.at_least(v)
    if kind == "gt":
        return VersionSet.greater_than(v)
    if kind == "lt":
        return VersionSet.less_than(v)
    if kind == "le":
        return VersionSet.at_most(v)
    if kind == "eq":
        return VersionSet.singleton(v)
    if kind == "between":
        return VersionSet.between(min(v, w), max(v, w))
    return VersionSet.full() if kind == "full" else VersionSet.empty()


@st.composite
def version_sets(draw: st.DrawFn) -> VersionSet[DottedVersion]:
    s = _atom(draw)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["and", "or", "not"]))
        other = _atom(draw)
        s = s & other if op == "and" else s | other if op == "or" else ~s
    return s


def members(s: VersionSet[DottedVersion]) -> list[bool]:
    return [s.contains(p) for p in POINTS]


@settings(max_examples=300)
@given(version_sets(), version_sets())
def test_algebra_matches_membership(
    a: VersionSet[DottedVersion], b: VersionSet[DottedVersion]
) -> None:
    ma, mb = members(a), members(b)
    assert members(a & b) == [x and y for x, y in zip(ma, mb, strict=True)]
    assert members(a | b) == [x or y for x, y in zip(ma, mb, strict=True)]
    assert members(~a) == [not x for x in ma]
    assert members(a - b) == [x and not y for x, y in zip(ma, mb, strict=True)]
    assert a.is_subset(a | b)
    assert (a & b).is_subset(a)
    assert a.is_disjoint(~a)


@settings(max_examples=300)
@given(version_sets(), version_sets())
def test_canonical_form(a: VersionSet[DottedVersion], b: VersionSet[DottedVersion]) -> None:
    # equal sets are equal objects with equal hashes and the same printing
    assert ~~a == a
    assert (a | b) == (b | a)
    assert (a & b) == (b & a)
    assert ~(a | b) == (~a & ~b)
    assert hash(a | b) == hash(b | a)
    assert str(a | b) == str(b | a)


def test_printing() -> None:
    v = DottedVersion
    assert str(VersionSet.at_least(v("2.0")) & VersionSet.less_than(v("3"))) == ">=2.0, <3"
    assert str(VersionSet.singleton(v("2.1")) | VersionSet.singleton(v("2.3"))) == "==2.1 | ==2.3"
    assert str(VersionSet.full()) == "*"
    assert str(VersionSet.empty()) == "∅"
    assert str(~VersionSet.singleton(v("1"))) == "<1 | >1"


def test_merging_touching_intervals() -> None:
    v = DottedVersion
    s = VersionSet.between(v("1"), v("2")) | VersionSet.between(v("2"), v("3"))
    assert s == VersionSet.between(v("1"), v("3"))
    assert len(s.intervals) == 1
    assert (VersionSet.less_than(v("1")) | VersionSet.at_least(v("1"))).is_full
    assert VersionSet.singleton(v("12.1")).as_singleton() == v("12.1.0")


# --------------------------------------------------------------------------- PEP 440

_KINDS = ["ge", "gt", "lt", "le", "eq", "full", "empty"]
_Steps = list[tuple[str, str, str]]  # (operation, atom kind, version)


def steps_of(versions: list[str]) -> st.SearchStrategy[_Steps]:
    """An expression over ``versions``: atoms combined by and / or / not."""
    step = st.tuples(
        st.sampled_from(["and", "or", "not"]), st.sampled_from(_KINDS), st.sampled_from(versions)
    )
    return st.lists(step, min_size=1, max_size=5)


def _ours(kind: str, v: str) -> VersionSet[Version]:
    w = Version(v)
    atoms: dict[str, Callable[[], VersionSet[Version]]] = {
        "ge": lambda: VersionSet.at_least(w),
        "gt": lambda: VersionSet.greater_than(w),
        "lt": lambda: VersionSet.less_than(w),
        "le": lambda: VersionSet.at_most(w),
        "eq": lambda: VersionSet.singleton(w),
        "full": VersionSet.full,
        "empty": VersionSet.empty,
    }
    return atoms[kind]()


def _theirs(kind: str, v: str) -> VersionRange:
    atoms: dict[str, Callable[[], VersionRange]] = {
        "ge": lambda: VersionRange.from_bounds(lower=v),
        "gt": lambda: VersionRange.from_bounds(lower=v, include_lower=False),
        "lt": lambda: VersionRange.from_bounds(upper=v, include_upper=False),
        "le": lambda: VersionRange.from_bounds(upper=v),
        "eq": lambda: VersionRange.singleton(v),
        "full": lambda: VersionRange.full(admit_arbitrary=False),
        "empty": VersionRange.empty,
    }
    return atoms[kind]()


def _evaluate(steps: _Steps, atom: Callable[[str, str], Any]) -> Any:
    result = atom(steps[0][1], steps[0][2])
    for op, kind, v in steps[1:]:
        other = atom(kind, v)
        result = result & other if op == "and" else result | other if op == "or" else ~result
    return result


@settings(max_examples=150)
@given(steps_of([str(u) for u in UNIVERSE]))
def test_pep440_algebra_matches_packaging_ranges(steps: _Steps) -> None:
    """On PEP 440 release versions, VersionSet's algebra is packaging's."""
    ours: VersionSet[Version] = _evaluate(steps, _ours)
    theirs: VersionRange = _evaluate(steps, _theirs)
    for p in POINTS:
        assert ours.contains(Version(str(p))) == (str(p) in theirs), (str(ours), p)
    assert ours.is_empty == theirs.is_empty


@settings(max_examples=150)
@given(version_sets())
def test_printed_sets_read_back(a: VersionSet[DottedVersion]) -> None:
    assert parse_version_set(str(a), DottedVersion) == a


def test_parse_version_set_refuses_what_it_cannot_read() -> None:
    for bad in ("", ">=1,", "~=1.0", "1.0", ">=1 || <2"):
        with pytest.raises(ValueError, match="not a version clause"):
            parse_version_set(bad, DottedVersion)
    assert parse_version_set(">=1, !=1.5 | ==3", DottedVersion).contains(DottedVersion("1.2"))
    assert not parse_version_set(">=1, !=1.5 | ==3", DottedVersion).contains(DottedVersion("1.5"))


PYTHONS = [Version(f"3.{minor}.{patch}") for minor in range(6, 14) for patch in (0, 1, 5)]


@settings(max_examples=150)
@given(steps_of(["3.8.0", "3.9.0", "3.10.0", "3.10.5", "3.12.0"]))
def test_markers_hold_exactly_on_the_set(steps: _Steps) -> None:
    """``to_marker`` evaluated by packaging's marker engine is membership."""
    ours: VersionSet[Version] = _evaluate(steps, _ours)
    if ours.is_empty:
        with pytest.raises(ValueError, match="empty"):
            ours.to_marker("python_full_version")
        return
    text = ours.to_marker("python_full_version")
    for python in PYTHONS:
        holds = (
            True if text is None else Marker(text).evaluate({"python_full_version": str(python)})
        )
        assert holds == ours.contains(python), (text, python)


def test_python_class_markers() -> None:
    edges = [Version("3.9.0"), Version("3.10.0"), Version("3.12.0")]
    classes = [
        Interval(Bound(None, False), Bound(edges[1], False)),
        Interval(Bound(edges[1], True), Bound(edges[2], False)),
        Interval(Bound(edges[2], True), Bound(None, False)),
    ]
    both_low = VersionSet(classes[:2])
    assert both_low.to_marker("python_full_version") == 'python_full_version < "3.12.0"'
    ends = VersionSet([classes[0], classes[2]])
    assert ends.to_marker("python_full_version") == (
        '(python_full_version < "3.10.0") or (python_full_version >= "3.12.0")'
    )
    assert VersionSet(classes).to_marker("python_full_version") is None
    assert VersionSet.singleton(edges[0]).to_markers("v") == ('v == "3.9.0"',)
    assert VersionSet.between(edges[0], edges[1]).to_markers("v") == (
        'v >= "3.9.0" and v < "3.10.0"',
    )
