"""Conda version specs, checked against the behaviour conda documents and tests
(``conda/models/version.py`` and ``tests/models/test_version.py``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib.errors import InputError
from compatlib.values.conda_spec import (
    AnyVersion,
    Compare,
    CompatibleRelease,
    Conjunction,
    Disjunction,
    Pattern,
    StartsWith,
    parse_version_spec,
    prefix_set,
)
from compatlib.values.conda_version import CondaVersion

# (spec, does it match 1.7.1?)
AGAINST_1_7_1 = [
    ("1.7.*", True),
    ("1.7.1", True),
    ("1.7.0", False),
    ("1.7", False),
    ("1.5.*", False),
    (">=1.5", True),
    ("!=1.5", True),
    ("!=1.7.1", False),
    ("==1.7.1", True),
    ("==1.7", False),
    ("==1.7.2", False),
    ("==1.7.1.0", True),
    ("1.7.*|1.8.*", True),
    (">1.7,<1.8", True),
    (">1.7.1,<1.8", False),
    ("^1.7.1$", True),
    (r"^1\.7\.1$", True),
    (r"^1\.7\.[0-9]+$", True),
    (r"^1\.8.*$", False),
    (r"^1\.[5-8]\.1$", True),
    (r"^[^1].*$", False),
    (r"^[0-9+]+\.[0-9+]+\.[0-9]+$", True),
    ("^$", False),
    ("^.*$", True),
    ("1.7.*|^0.*$", True),
    ("1.6.*|^0.*$", False),
    ("1.6.*|^0.*$|1.7.1", True),
    ("^0.*$|1.7.1", True),
    (r"1.6.*|^.*\.7\.1$|0.7.1", True),
    ("*", True),
    ("1.*.1", True),
    ("1.5.*|>1.7,<1.8", True),
    ("1.5.*|>1.7,<1.7.1", False),
    ("(1.5.*|>1.7),<1.8", True),
    ("1.7*", True),
    ("=1.7", True),
    ("=1.7.*", True),
    ("~=1.7.0", True),
    ("~=1.7.2", False),
    ("!=1.7.*", False),
    ("!=1.8.*", True),
]


@pytest.mark.parametrize(("spec", "expected"), AGAINST_1_7_1)
def test_specs_against_1_7_1(spec: str, expected: bool) -> None:
    s = parse_version_spec(spec)
    assert s.contains("1.7.1") is expected
    assert s.contains(CondaVersion("1.7.1")) is expected
    assert (CondaVersion("1.7.1") in s) is expected
    as_set = s.to_set()
    if as_set is not None:
        assert as_set.contains(CondaVersion("1.7.1")) is expected


# (version, spec, expected): conda's ver_eval facts
VER_EVAL = [
    ("1.7.0", "==1.7", True),
    ("1.7.0", "<=1.7", True),
    ("1.7.0", "<1.7", False),
    ("1.7.0", ">=1.7", True),
    ("1.7.0", ">1.7", False),
    ("1.6.7", ">=1.7", False),
    ("2013a", ">2013b", False),
    ("2013k", ">2013b", True),
    ("3.0.0", ">2013b", False),
    ("1.0.0", ">1.0.0a", True),
    ("1.0.0", ">1.0.0*", True),
    ("1.0", "1.0*", True),
    ("1.0.0", "1.0*", True),
    ("1.0", "1.0.0*", True),
    ("1.0.1", "1.0.0*", False),
    ("2013a", "2013a*", True),
    ("2013a", "2013b*", False),
    ("2013ab", "2013a*", True),
    ("1.3.4", "1.2.4*", False),
    ("1.2.3+4.5.6", "1.2.3*", True),
    ("1.2.3+4.5.6", "1.2.3+4*", True),
    ("1.2.3+4.5.6", "1.2.3+5*", False),
    ("1.2.3+4.5.6", "1.2.4+5*", False),
    # "starts with" and its negation
    ("3.3.1", "=3.3", True),
    ("3.3", "=3.3", True),
    ("3.4", "=3.3", False),
    ("3.3.1", "3.3.*", True),
    ("3.3", "3.3.*", True),
    ("3.4", "3.3.*", False),
    ("3.3.1", "=3.3.*", True),
    ("3.3.1", "!=3.3.*", False),
    ("3.4", "!=3.3.*", True),
    ("3.4.1", "!=3.3.*", True),
    ("3.3.1", "!=3.3", True),
    ("3.3.0.0", "!=3.3", False),
    ("3.3.0.0", "!=3.3.*", False),
    # compound
    ("2.6.8", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", False),
    ("2.7.2", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", True),
    ("3.3", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", False),
    ("3.3.4", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", False),
    ("3.4", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", True),
    ("3.4a", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", True),
    # compatible release
    ("1.11.0", "~=1.10", True),
    ("1.11.0", "~=1.10.0", False),
    ("3.4.0", "~=3.3.2", False),
    ("3.3.1", "~=3.3.2", False),
    ("3.3.2.0", "~=3.3.2", True),
    ("3.3.3", "~=3.3.2", True),
    ("2.2.0", "~=3.3.2|==2.2", True),
    ("3.3.3", "~=3.3.2|==2.2", True),
    ("2.2.1", "~=3.3.2|==2.2", False),
    # a .* after < is ignored, as conda does
    ("1.2.5", "<1.2.*", False),
    ("1.1", "<1.2.*", True),
    # exact string match with '@'
    ("1.0@dev", "1.0@dev", True),
    ("1.0", "1.0@dev", False),
]


@pytest.mark.parametrize(("version", "spec", "expected"), VER_EVAL)
def test_version_eval(version: str, spec: str, expected: bool) -> None:
    s = parse_version_spec(spec)
    assert s.contains(version) is expected
    as_set = s.to_set()
    if as_set is not None and "@" not in version:
        assert as_set.contains(CondaVersion(version)) is expected


def test_canonical_strings_and_identity() -> None:
    assert str(parse_version_spec("1.7.1*")) == "1.7.1.*"
    assert parse_version_spec("1.7.1*") == parse_version_spec("1.7.1.*")
    assert hash(parse_version_spec("1.7.1*")) == hash(parse_version_spec("1.7.1.*"))
    assert parse_version_spec("1.7.1*,1.8.1*") == parse_version_spec("1.7.1.*,1.8.1.*")
    assert parse_version_spec("1.7.1") != parse_version_spec("1.7.1*")
    assert str(parse_version_spec("( (1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1")) == (
        "1.5|(1.6|1.7),1.8,1.9|2.0|2.1"
    )
    assert str(parse_version_spec(">=1.8 , <2")) == ">=1.8,<2"
    assert str(parse_version_spec("=1.2")) == "1.2.*"
    assert str(parse_version_spec("==1.2")) == "1.2"
    assert parse_version_spec("==1.2") == parse_version_spec("1.2")
    assert str(parse_version_spec("==1.2*")) == "==1.2*"  # not the same as 1.2*
    assert str(parse_version_spec(">=1.2.*")) == ">=1.2"
    assert str(parse_version_spec("!=1.2.*")) == "!=1.2.*"
    assert repr(parse_version_spec(">=1.2")) == "<CondaVersionSpec '>=1.2'>"


def test_spec_kinds_and_exactness() -> None:
    assert isinstance(parse_version_spec("*"), AnyVersion)
    assert parse_version_spec("*").matches_all
    exact = parse_version_spec("1.7.1")
    assert isinstance(exact, Compare)
    assert exact.is_exact
    assert exact.op == "=="
    assert parse_version_spec("==1.7").is_exact
    assert not parse_version_spec("1.7.*").is_exact
    assert isinstance(parse_version_spec("1.7.*"), StartsWith)
    assert isinstance(parse_version_spec("~=1.7.2"), CompatibleRelease)
    assert isinstance(parse_version_spec("1.*.2"), Pattern)
    assert isinstance(parse_version_spec("1|2"), Disjunction)
    assert isinstance(parse_version_spec("1,2"), Conjunction)
    assert parse_version_spec("^1.*$").to_set() is None
    assert parse_version_spec("1.2|^1.*$").to_set() is None


def test_to_set_renders_readably() -> None:
    assert str(parse_version_spec(">=1.8,<2").to_set()) == ">=1.8, <2"
    assert str(parse_version_spec("1.7.*").to_set()) == ">=1.7.*, <=1.7.*"
    assert str(parse_version_spec("!=1.7.*").to_set()) == "<1.7.* | >1.7.*"
    assert str(parse_version_spec("==1.2|==1.3").to_set()) == "==1.2 | ==1.3"
    assert str(parse_version_spec("*").to_set()) == "*"
    assert parse_version_spec(">2,<1").to_set() == parse_version_spec("1.0,2.0").to_set()
    # ~=1.2.3: at least 1.2.3 and within 1.2.*
    s = parse_version_spec("~=1.2.3").to_set()
    assert s is not None
    assert s == parse_version_spec(">=1.2.3").to_set() & prefix_set(CondaVersion("1.2"))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("spec", "column", "message"),
    [
        ("(1.5", 1, "never closed"),
        ("1.5)", 4, "unexpected ')'"),
        ("1.5||1.6", 5, "expected a version before '|'"),
        ("^1.5", 1, "must end with '$'"),
        ("1.5$", 1, "must start with '^'"),
        ("~", 1, "invalid operator"),
        ("!", 1, "invalid operator"),
        ("===3.3.2", 1, "invalid operator"),
        ("><2.4.5", 1, "invalid operator"),
        ("!!2.4.5", 1, "invalid operator"),
        ("~=3.3.2.*", 1, "'~=' cannot be combined"),
        ("~=3", 1, "at least two components"),
        (">=1.2,", 7, "missing at the end"),
        ("", 1, "empty version spec"),
        (">=1.2,<2.0&", 11, "invalid character '&'"),
        ("1.2,1..3", 7, "empty version component"),
        ("^(1$", 1, "invalid regular expression"),
    ],
)
def test_errors_point_at_the_offending_text(spec: str, column: int, message: str) -> None:
    with pytest.raises(InputError, match="expected a conda version spec") as info:
        parse_version_spec(spec)
    assert info.value.column == column
    assert message in info.value.message
    assert info.value.text == spec


def test_errors_inside_a_longer_string_point_into_it() -> None:
    full = "numpy >=1.2,<2&"
    with pytest.raises(InputError) as info:
        parse_version_spec(">=1.2,<2&", context=(full, 6))
    assert info.value.column == 15
    assert info.value.text == full


def test_nesting_is_bounded() -> None:
    with pytest.raises(InputError, match="nested too deeply"):
        parse_version_spec("(" * 100 + "1" + ")" * 100)
    assert parse_version_spec("(" * 20 + "1" + ")" * 20).contains("1")


_PARTS = st.sampled_from(["0", "1", "2", "3", "10", "1a", "2rc1", "dev", "post1", "0b"])


@st.composite
def _versions(draw: st.DrawFn) -> str:
    return ".".join(draw(st.lists(_PARTS, min_size=1, max_size=3)))


@st.composite
def _specs(draw: st.DrawFn) -> str:
    def leaf() -> str:
        v = draw(_versions())
        kind = draw(
            st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "", ".*", "=", "!=.*", "~="])
        )
        if kind == ".*":
            return v + ".*"
        if kind == "!=.*":
            return f"!={v}.*"
        if kind == "~=":
            return f"~={v}.1"
        return kind + v

    groups = [
        ",".join(leaf() for _ in range(draw(st.integers(1, 3))))
        for _ in range(draw(st.integers(1, 3)))
    ]
    return "|".join(groups)


@settings(max_examples=150, deadline=None)
@given(_specs(), st.lists(_versions(), min_size=1, max_size=6))
def test_to_set_agrees_with_contains(spec: str, versions: list[str]) -> None:
    s = parse_version_spec(spec)
    as_set = s.to_set()
    assert as_set is not None
    for v in versions:
        assert as_set.contains(CondaVersion(v)) == s.contains(v), (spec, v)
    # the complement never disagrees either
    for v in versions:
        assert as_set.complement().contains(CondaVersion(v)) != s.contains(v)


@settings(max_examples=100, deadline=None)
@given(_specs())
def test_canonical_string_round_trips(spec: str) -> None:
    s = parse_version_spec(spec)
    again = parse_version_spec(str(s))
    assert again == s
    assert str(again) == str(s)
    assert again.to_set() == s.to_set()
