"""CondaVersion against the ordering facts of conda's VersionOrder.

Facts come from conda's ``conda/models/version.py`` docstring and
``tests/models/test_version.py`` (https://github.com/conda/conda); the lists
below are assembled for these tests from those facts.
"""

from __future__ import annotations

import random
from itertools import zip_longest
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib.errors import InputError
from compatlib.values.conda_version import CondaVersion
from compatlib.values.sets import VersionSet

# Strictly increasing (each entry is less than the next).
ORDERED = [
    "0.4",
    "0.4.1a.vc11",
    "0.4.1.rc",
    "0.4.1.vc11",
    "0.4.1",
    "0.5*",
    "0.5a1",
    "0.5b3",
    "0.5C1",
    "0.5z",
    "0.5za",
    "0.5",
    "0.5_5",
    "0.9.6",
    "0.960923",
    "1.0",
    "1.0.4a3",
    "1.0.4b1",
    "1.0.4",
    "1.1dev1",  # 'dev' sorts below every other string
    "1.1_",  # a trailing underscore: the openssl convention
    "1.1a1",
    "1.1.dev1",  # a 0 is inserted before a leading string
    "1.1.a1",
    "1.1.0rc1",
    "1.1",
    "1.1.post1",  # 'post' sorts above every number
    "1.1.1dev1",
    "1.1.1rc1",
    "1.1.1",
    "1.1.1post1",
    "1.1post1",
    "2g6",
    "2.0b1pr0",
    "2.2be.ta29",
    "2.2be5ta29",
    "2.2beta29",
    "2.2.0.1",
    "3.1.1.6",
    "3.2.p.r0",
    "3.2.pr0",
    "3.2.pr.1",
    "5.5.kw",
    "11g",
    "14.3.1",
    "14.3.1.post26.g9d75ca2",
    "1996.07.12",
    "1!0.4.1",  # a higher epoch wins over everything
    "1!3.1.1.6",
    "2!0.4.1",
]

# Equal pairs.
EQUAL = [
    ("0.4", "0.4.0"),
    ("1.1", "1.1.0"),
    ("1.1", "1.1.0.0"),
    ("0.4.1.rc", "0.4.1.RC"),
    ("0.4.1.rc", "  0.4.1.RC  "),
    ("0.4.a1", "0.4.0a1"),
    ("1.1.dev1", "1.1.0dev1"),
    ("1.1.post1", "1.1.0post1"),
    ("0.5_5", "0.5-5"),
    ("0!1.0", "1.0"),
    ("1.0+abc", "1.0.0+abc"),
]

# openssl: letters count up after an underscore-marked plain release.
OPENSSL = [
    "1.0.1dev",
    "1.0.1_",
    "1.0.1a",
    "1.0.1b",
    "1.0.1c",
    "1.0.1d",
    "1.0.1r",
    "1.0.1rc",
    "1.0.1rc1",
    "1.0.1rc2",
    "1.0.1s",
    "1.0.1",
    "1.0.1post.a",
    "1.0.1post.b",
    "1.0.1post.z",
    "1.0.1post.za",
    "1.0.2",
]

# PEP 440-style spellings keep PEP 440's order under conda's rules, including
# local versions (compared only when the main versions are equal).
PEP440_LIKE = [
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0c1.dev456",
    "1.0c1",
    "1.0c3",
    "1.0rc2",
    "1.0.dev456",
    "1.0",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.1.dev1",
    "1.2.r32+123456",
    "1.2.rev33+123456",
    "1.2+abc",
    "1.2+abc123def",
    "1.2+abc123",
    "1.2+123abc",
    "1.2+123abc456",
    "1.2+1234.abc",
    "1.2+123456",
    "1!1.0a1",
    "1!1.0",
    "1!1.2+abc",
    "1!1.2+123456",
]


@pytest.mark.parametrize(
    "chain", [ORDERED, OPENSSL, PEP440_LIKE], ids=["docs", "openssl", "pep440"]
)
def test_every_pair_is_ordered(chain: list[str]) -> None:
    vs = [CondaVersion(s) for s in chain]
    for i, a in enumerate(vs):
        for j, b in enumerate(vs):
            assert (a < b) == (i < j), (chain[i], chain[j])
            assert (a == b) == (i == j), (chain[i], chain[j])
            assert (a <= b) == (i <= j)
            assert (a > b) == (i > j)


@pytest.mark.parametrize(
    "chain", [ORDERED, OPENSSL, PEP440_LIKE], ids=["docs", "openssl", "pep440"]
)
def test_sorting_a_shuffle_restores_the_order(chain: list[str]) -> None:
    shuffled = list(chain)
    random.Random(1234).shuffle(shuffled)
    assert [str(v) for v in sorted(CondaVersion(s) for s in shuffled)] == chain


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_versions_hash_alike(a: str, b: str) -> None:
    va, vb = CondaVersion(a), CondaVersion(b)
    assert va == vb
    assert not va < vb
    assert not vb < va
    assert hash(va) == hash(vb)
    assert len({va, vb}) == 1


def test_versions_are_immutable() -> None:
    v = CondaVersion("1.2")
    with pytest.raises(AttributeError, match="immutable"):
        v._text = "9"
    assert str(v) == "1.2"


def test_different_versions_are_not_equal() -> None:
    assert CondaVersion("0.4") != CondaVersion("0.4.1")
    assert CondaVersion("0.4.a1") != CondaVersion("0.4.1a1")
    assert CondaVersion("1.1a") != CondaVersion("1.1")
    assert CondaVersion("1.0+1") != CondaVersion("1.0")
    assert CondaVersion("1.0") != "1.0"


def test_spelling_is_kept_and_normalized_form_follows_conda() -> None:
    v = CondaVersion("  1.0.1-RC1 ")
    assert str(v) == "1.0.1-RC1"
    assert v.normalized == "1.0.1_rc1"
    assert repr(v) == "<CondaVersion('1.0.1-RC1')>"
    assert CondaVersion("2!1.0").epoch == 2
    assert CondaVersion("1.0").epoch == 0
    assert CondaVersion("1.0+cuda").has_local
    assert not CondaVersion("1.0").has_local
    # dashes stay dashes when the string also has underscores: then '-' is invalid
    with pytest.raises(InputError, match="invalid character '-'"):
        CondaVersion("1.0_1-2")


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        ("", None),
        ("  ", None),
        ("3.5&1", 4),
        ("5.5++", 5),
        ("5.5..mw", 5),
        ("!", 1),
        ("a!1.0", 1),
        ("a!b!1.0", 2),
        ("+1", 1),
        ("1.0+", 5),
        ("1!", 3),
        ("1.0 2", 4),
    ],
)
def test_invalid_versions_point_at_the_problem(bad: str, column: int | None) -> None:
    with pytest.raises(InputError) as info:
        CondaVersion(bad)
    assert info.value.column == column
    assert info.value.expected is not None
    assert "conda version" in info.value.expected


def test_numbers_are_refused_but_integers_read() -> None:
    with pytest.raises(InputError, match="as a number"):
        CondaVersion(3.10)  # type: ignore[arg-type]
    assert CondaVersion(3) == CondaVersion("3.0")


def test_column_counts_leading_whitespace() -> None:
    with pytest.raises(InputError) as info:
        CondaVersion("  1.2$")
    assert info.value.column == 6
    assert "^" in str(info.value)


def test_startswith_follows_conda() -> None:
    V = CondaVersion
    assert V("0.4.1").startswith(V("0"))
    assert V("0.4.1").startswith(V("0.4"))
    assert V("0.4.1p1").startswith(V("0.4"))
    assert V("0.4.1p1").startswith(V("0.4.1p"))
    assert not V("0.4.1p1").startswith(V("0.4.1q1"))
    assert not V("0.4").startswith(V("0.4.1"))
    assert V("0.4.1+1.3").startswith(V("0.4.1"))
    assert V("0.4.1+1.3").startswith(V("0.4.1+1"))
    assert not V("0.4.1").startswith(V("0.4.1+1.3"))
    assert not V("0.4.1+1").startswith(V("0.4.1+1.3"))
    # element-wise, not textual: 1.2.30 does not start with 1.2.3
    assert not V("1.2.30").startswith(V("1.2.3"))
    # a missing component counts as 0
    assert V("1").startswith(V("1.0"))
    assert V("1.0").startswith(V("1.0.0"))
    assert V("2013ab").startswith(V("2013a"))
    assert not V("2013a").startswith(V("2013b"))


def test_prefix_bounds_bracket_exactly_the_prefix_matches() -> None:
    prefix = CondaVersion("1.2")
    lo, hi = prefix.prefix_bounds()
    assert lo.is_bound
    assert hi.is_bound
    assert str(lo) == str(hi) == "1.2.*"
    inside = ["1.2", "1.2.0", "1.2.7", "1.2a", "1.2dev", "1.2.post1", "1.2post", "1.2.0+local"]
    outside = ["1.1.99", "1.1post", "1.3dev", "1.3", "1.20", "2.0", "1!1.2", "1.12"]
    for s in inside:
        assert lo < CondaVersion(s) < hi, s
    for s in outside:
        v = CondaVersion(s)
        assert not (lo < v < hi), s
    assert repr(lo) == "<CondaVersion lower end of '1.2.*'>"


def test_versions_work_in_version_sets() -> None:
    V = CondaVersion
    s = VersionSet.between(V("1.1"), V("2.0"))
    assert s.contains(V("1.1.0"))
    assert s.contains(V("1.9.9post1"))
    assert s.contains(V("2.0dev1"))  # 2.0dev1 < 2.0, so inside
    assert not s.contains(V("2.0.0"))
    assert not s.contains(V("1.1a1"))  # pre-release of 1.1 sorts below it
    assert str(s) == ">=1.1, <2.0"
    assert (s - VersionSet.singleton(V("1.5"))).contains(V("1.5.0")) is False


# -- an independent oracle: conda's rules on nested lists ------------------------

_ALPHABET = ["0", "1", "2", "10", "a", "b", "rc", "dev", "post", "_", "*"]


def _oracle_parse(s: str) -> tuple[list[list[Any]], list[list[Any]]]:
    import re

    s = s.lower()
    epoch, _, rest = s.rpartition("!")
    main, _, local = rest.partition("+")

    def comps(part: str, openssl: bool) -> list[list[Any]]:
        if openssl and part.endswith("_"):
            pieces = part[:-1].replace("_", ".").split(".")
            pieces[-1] += "_"
        else:
            pieces = part.replace("_", ".").split(".")
        out = []
        for p in pieces:
            runs: list[Any] = []
            for r in re.findall(r"[0-9]+|\*+|[^0-9*]+", p):
                if r.isdigit():
                    runs.append(int(r))
                elif r == "post":
                    runs.append(float("inf"))
                elif r == "dev":
                    runs.append("DEV")
                else:
                    runs.append(r)
            if not p[0].isdigit():
                runs.insert(0, 0)
            out.append(runs)
        return out

    version = [[int(epoch or "0")], *comps(main, True)]
    return version, comps(local, False) if local else []


def _oracle_lt(a: str, b: str) -> bool:
    pa, pb = _oracle_parse(a), _oracle_parse(b)
    for t1, t2 in zip(pa, pb, strict=True):
        v1: list[Any]
        v2: list[Any]
        for v1, v2 in zip_longest(t1, t2, fillvalue=[]):
            for c1, c2 in zip_longest(v1, v2, fillvalue=0):
                if c1 == c2:
                    continue
                if isinstance(c1, str) != isinstance(c2, str):
                    return isinstance(c1, str)
                return bool(c1 < c2)
    return False


def _oracle_startswith(v: str, p: str) -> bool:
    (v1, l1), (v2, l2) = _oracle_parse(v), _oracle_parse(p)

    def eq(x: list[list[Any]], y: list[list[Any]]) -> bool:
        return not _lists_lt(x, y) and not _lists_lt(y, x)

    if l2:
        if not eq(v1, v2):
            return False
        t1, t2 = l1, l2
    else:
        t1, t2 = v1, v2
    nt = len(t2) - 1
    if not eq(t1[:nt], t2[:nt]):
        return False
    c1s = t1[nt] if len(t1) > nt else []
    c2s = t2[nt]
    k = len(c2s) - 1
    if not eq([c1s[:k]], [c2s[:k]]):
        return False
    c1 = c1s[k] if len(c1s) > k else 0
    c2 = c2s[k]
    if isinstance(c2, str):
        return isinstance(c1, str) and c1.startswith(c2)
    return bool(c1 == c2)


def _lists_lt(t1: list[list[Any]], t2: list[list[Any]]) -> bool:
    v1: list[Any]
    v2: list[Any]
    for v1, v2 in zip_longest(t1, t2, fillvalue=[]):
        for c1, c2 in zip_longest(v1, v2, fillvalue=0):
            if c1 == c2:
                continue
            if isinstance(c1, str) != isinstance(c2, str):
                return isinstance(c1, str)
            return bool(c1 < c2)
    return False


@st.composite
def versions(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 4))
    comps = [
        "".join(draw(st.lists(st.sampled_from(_ALPHABET[:-2]), min_size=1, max_size=3)))
        for _ in range(n)
    ]
    text = ".".join(c for c in comps)
    if draw(st.booleans()):
        text += "_"
    if draw(st.integers(0, 4)) == 0:
        text = f"{draw(st.integers(0, 2))}!{text}"
    if draw(st.integers(0, 4)) == 0:
        text += "+" + ".".join(
            draw(st.lists(st.sampled_from(["1", "a", "2b", "post"]), min_size=1, max_size=2))
        )
    return text


@settings(max_examples=150, deadline=None)
@given(versions(), versions())
def test_order_matches_the_oracle(a: str, b: str) -> None:
    va, vb = CondaVersion(a), CondaVersion(b)
    assert (va < vb) == _oracle_lt(a, b)
    assert (va == vb) == (not _oracle_lt(a, b) and not _oracle_lt(b, a))
    if va == vb:
        assert hash(va) == hash(vb)


@settings(max_examples=150, deadline=None)
@given(versions(), versions(), st.integers(0, 3))
def test_startswith_matches_the_oracle_and_the_bounds(v: str, other: str, cut: int) -> None:
    # half of the prefixes are cut from v itself, so that matches are common
    p = other if cut == 0 else ".".join(v.split("+")[0].split(".")[:cut]).rstrip("_") or other
    vv, pp = CondaVersion(v), CondaVersion(p)
    expected = _oracle_startswith(v, p)
    assert vv.startswith(pp) == expected
    lo, hi = pp.prefix_bounds()
    assert (lo < vv < hi) == expected
