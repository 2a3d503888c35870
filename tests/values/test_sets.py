"""VersionSet algebra checked against brute-force membership on a small universe."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib.values.dotted import DottedVersion
from compatlib.values.sets import VersionSet

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
