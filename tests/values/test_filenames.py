"""compatlib.values.filenames against packaging.utils / packaging.tags."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import packaging.tags
import packaging.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib.values.filenames import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    ParsedFilename,
    Tag,
    canonicalize_name,
    parse_dist_filename,
    parse_sdist_filename,
    parse_tag,
    parse_wheel_filename,
)
from compatlib.values.tags import TagRanker

MIRRORS = (Path("/opt/pypi/files"), Path("/opt/pypi-more/files"), Path("/opt/wheels"))

# Filenames chosen to hit every accept/reject rule of packaging's parsers.
TRICKY = [
    # plain, compressed and uppercase tags
    "foo-1.0-py3-none-any.whl",
    "foo-1.0-py2.py3-none-any.whl",
    "Foo-1.0-PY3-NONE-ANY.whl",
    "numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "a-1-cp38.cp39-abi3.none-linux_x86_64.macosx_10_9_x86_64.whl",
    "clang_tidy-22.1.8-py2.py3-none-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    # unsorted compressed components are accepted (order is not validated)
    "foo-1.0-py3.py2-none-any.whl",
    # local versions, epochs, pre/post/dev releases, normalization
    "torch-2.3.1+cu121-cp311-cp311-linux_x86_64.whl",
    "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
    "torch-2.3.1+cu121.tar.gz",
    "foo-1!2.0rc1.post3.dev4-py3-none-any.whl",
    "foo-1.0.POST1-py3-none-any.whl",
    "foo-01.02-py3-none-any.whl",
    "foo-v1.0-py3-none-any.whl",
    "foo-1.0_1-py3-none-any.whl",
    "foo-1.0-1-py3-none-any.whl.whl",
    # build tags
    "foo-1.0-1-py3-none-any.whl",
    "foo-1.0-12abc-py3-none-any.whl",
    "foo-1.0-007-py3-none-any.whl",
    "foo-1.0-abc-py3-none-any.whl",
    "foo-1.0-_1-py3-none-any.whl",
    "foo-1.0-\u0661-py3-none-any.whl",
    "foo-1.0-1\nx-py3-none-any.whl",
    "foo-1.0-1x\u00e9-py3-none-any.whl",
    # names: dots, underscores, digits, unicode, escapes
    "zope.interface-6.0-cp311-cp311-linux_x86_64.whl",
    "Foo_Bar-1.0-py3-none-any.whl",
    "foo__bar-1.0-py3-none-any.whl",
    "foo._bar-1.0-py3-none-any.whl",
    "_foo-1.0-py3-none-any.whl",
    "foo.-1.0-py3-none-any.whl",
    "9lives-1.0-py3-none-any.whl",
    "caf\u00e9-1.0-py3-none-any.whl",
    "-1.0-py3-none-any.whl",
    "foo bar-1.0-py3-none-any.whl",
    "foo+bar-1.0-py3-none-any.whl",
    # wrong number of parts, empty components, bad interpreters
    "foo-1.0-py3-none.whl",
    "foo-1.0-1-2-py3-none-any.whl",
    "foo-py3-none-any.whl",
    "foo-1.0--none-any.whl",
    "foo-1.0-py3--any.whl",
    "foo-1.0-py3-none-.whl",
    "foo-1.0-py3.-none-any.whl",
    "foo-1.0-.py3-none-any.whl",
    "foo-1.0-py3-none-any..linux.whl",
    "foo-1.0-3py-none-any.whl",
    "foo-1.0-py3$-none-any.whl",
    "foo-1.0-p\u00ff3-none-any.whl",
    "foo-1.0-py3-n one-any.whl",
    # bad versions
    "foo-1.0.x-py3-none-any.whl",
    "foo--py3-none-any.whl",
    "foo-1.0 -py3-none-any.whl",
    # wheel extension variants
    "foo-1.0-py3-none-any.WHL",
    "foo-1.0-py3-none-any",
    ".whl",
    # sdists
    "Foo_Bar-1.0.post1.tar.gz",
    "foo-2.0.zip",
    "foo-bar-2.0.tar.gz",
    "foo_bar.baz-2.0.tar.gz",
    "foo.tar.gz",
    "-1.0.tar.gz",
    "foo-.tar.gz",
    "foo-1.0-2.0.tar.gz",
    "foo-1.0.tgz",
    "foo-1.0.tar.bz2",
    "foo-1.0.TAR.GZ",
    "foo-1.0.tar.gz.zip",
    "foo-bar.tar.gz",
    "foo-1!1.0+local.7.zip",
    ".zip",
    "-.zip",
    "foo-1.0.egg",
    "not a wheel.whl",
]


def _packaging_parse(filename: str) -> tuple[str, str, object, frozenset[str], str] | None:
    """What the old (packaging-based) parse_dist_filename returned, plus the build."""
    if filename.endswith(".whl"):
        try:
            name, version, build, tags = packaging.utils.parse_wheel_filename(filename)
        except packaging.utils.InvalidWheelFilename:
            return None
        return (name, str(version), build, frozenset(map(str, tags)), "wheel")
    if filename.endswith((".tar.gz", ".zip")):
        try:
            name, version = packaging.utils.parse_sdist_filename(filename)
        except packaging.utils.InvalidSdistFilename:
            return None
        return (name, str(version), (), frozenset(), "sdist")
    return None


def _ours(filename: str) -> tuple[str, str, object, frozenset[str], str] | None:
    parsed = parse_dist_filename(filename)
    if parsed is None:
        return None
    return (
        parsed.name,
        str(parsed.version),
        parsed.build,
        frozenset(map(str, parsed.tags)),
        parsed.kind,
    )


@pytest.mark.parametrize("filename", TRICKY)
def test_tricky_filenames_match_packaging(filename: str) -> None:
    assert _ours(filename) == _packaging_parse(filename)


def test_tricky_corpus_has_both_outcomes() -> None:
    results = [_ours(f) for f in TRICKY]
    assert sum(r is None for r in results) >= 30
    assert sum(r is not None and r[4] == "wheel" for r in results) >= 15
    assert sum(r is not None and r[4] == "sdist" for r in results) >= 5
    assert sum(r is not None and r[2] != () for r in results) >= 3


def test_mirror_filenames_match_packaging() -> None:
    names: list[str] = []
    for folder in MIRRORS:
        if folder.is_dir():
            names.extend(entry.name for entry in os.scandir(folder))
    if not names:
        pytest.skip("no local wheel mirror on this machine")
    mismatches = [n for n in names if _ours(n) != _packaging_parse(n)]
    assert mismatches == []
    # The Version objects themselves compare equal too (not only their strings).
    for n in names:
        parsed = parse_dist_filename(n)
        if parsed is not None and parsed.kind == "wheel":
            assert parsed.version == packaging.utils.parse_wheel_filename(n)[1]


def test_parse_functions_raise_like_packaging() -> None:
    with pytest.raises(InvalidWheelFilename):
        parse_wheel_filename("foo-1.0-abc-py3-none-any.whl")
    with pytest.raises(InvalidWheelFilename):
        parse_wheel_filename("foo-1.0.tar.gz")
    with pytest.raises(InvalidSdistFilename):
        parse_sdist_filename("foo-1.0-py3-none-any.whl")
    with pytest.raises(InvalidSdistFilename):
        parse_sdist_filename("foo-1.0.x.tar.gz")
    assert issubclass(InvalidWheelFilename, ValueError)
    assert issubclass(InvalidSdistFilename, ValueError)
    name, version, build, tags = parse_wheel_filename("Foo.Bar-1.0-7b-py3-none-any.whl")
    assert (name, str(version), build) == ("foo-bar", "1.0", (7, "b"))
    assert tags == frozenset({Tag("py3", "none", "any")})
    assert parse_sdist_filename("Foo.Bar-1.0.zip") == ("foo-bar", version)


@pytest.mark.parametrize(
    "text",
    [
        "py3-none-any",
        "PY2.py3-NONE-Any",
        "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp38.cp39-abi3.none-win_amd64.win32",
        "py3-none",
        "py3-none-any-x",
        "py3..py2-none-any",
        "3py-none-any",
        "",
    ],
)
def test_parse_tag_matches_packaging(text: str) -> None:
    try:
        expected: frozenset[str] | None = frozenset(map(str, packaging.tags.parse_tag(text)))
    except ValueError:
        expected = None
    try:
        got: frozenset[str] | None = frozenset(map(str, parse_tag(text)))
    except ValueError:
        got = None
    assert got == expected


_NAME_ALPHABET = st.sampled_from([*"abcXYZ019-_.", "\u00c9", "\u0130", "\u00df", " "])


@settings(max_examples=400, deadline=None)
@given(st.text(_NAME_ALPHABET, max_size=16) | st.text(max_size=12))
def test_canonicalize_name_matches_packaging(name: str) -> None:
    assert str(canonicalize_name(name)) == str(packaging.utils.canonicalize_name(name))


# Filenames assembled from parts that are valid or nearly so, so that both
# outcomes (parsed, rejected) and every rule of the grammar come up.
_PART_NAME = st.sampled_from(
    ["foo", "Foo.Bar", "foo_bar", "foo__bar", "foo-bar", "_", "a.b.c", "x9", "", "f\u00e9", "b d"]
)
_PART_VERSION = st.sampled_from(
    ["1.0", "1.0rc1", "2!1.0", "1.0.post1", "1.0.dev0", "1.0+local.7", "1.0-1", "v1", "bad", ""]
)
_PART_BUILD = st.sampled_from([None, "1", "7b", "0", "123abc", "b7", "", "\u0661"])
_PART_TAG = st.sampled_from(
    [
        "py3-none-any",
        "py2.py3-none-any",
        "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp38.cp39-abi3-win_amd64",
        "py3-none",
        "3py-none-any",
        "py3..py2-none-any",
        "PY3-NONE-ANY",
    ]
)
_PART_SUFFIX = st.sampled_from([".whl", ".tar.gz", ".zip", ".tar.bz2", ".WHL"])


@st.composite
def _filenames(draw: st.DrawFn) -> str:
    parts = [draw(_PART_NAME), draw(_PART_VERSION)]
    suffix = draw(_PART_SUFFIX)
    if suffix.lower() == ".whl":
        build = draw(_PART_BUILD)
        if build is not None:
            parts.append(build)
        parts.append(draw(_PART_TAG))
    return "-".join(parts) + suffix


@settings(max_examples=300)
@given(_filenames() | st.text(st.sampled_from([*"ab1.-_ "]), max_size=10).map(lambda t: t + ".whl"))
def test_generated_filenames_match_packaging(filename: str) -> None:
    assert _ours(filename) == _packaging_parse(filename)
    for ours, theirs, errors in (
        (parse_wheel_filename, packaging.utils.parse_wheel_filename, ValueError),
        (parse_sdist_filename, packaging.utils.parse_sdist_filename, ValueError),
    ):
        try:
            expected: object = theirs(filename)
        except errors:
            expected = None
        try:
            got: object = ours(filename)
        except errors:
            got = None
        assert got == expected


_TAG_PART = st.sampled_from(["py3", "cp311", "3py", "none", "abi3", "any", "win_amd64", "", "PY2"])


@settings(max_examples=300)
@given(st.lists(st.lists(_TAG_PART, min_size=1, max_size=3).map(".".join), min_size=1, max_size=4))
def test_generated_tags_match_packaging(components: list[str]) -> None:
    text = "-".join(components)
    try:
        expected: frozenset[str] | None = frozenset(map(str, packaging.tags.parse_tag(text)))
    except ValueError:
        expected = None
    try:
        got: frozenset[str] | None = frozenset(map(str, parse_tag(text)))
    except ValueError:
        got = None
    assert got == expected


def test_tag_value_semantics() -> None:
    tag = Tag("CP311", "Cp311", "Manylinux_2_17_X86_64")
    assert (tag.interpreter, tag.abi, tag.platform) == ("cp311", "cp311", "manylinux_2_17_x86_64")
    assert str(tag) == "cp311-cp311-manylinux_2_17_x86_64"
    assert tag == Tag("cp311", "cp311", "manylinux_2_17_x86_64")
    assert tag != Tag("cp311", "abi3", "manylinux_2_17_x86_64")
    assert tag != "cp311-cp311-manylinux_2_17_x86_64"
    assert len({tag, Tag("cp311", "cp311", "manylinux_2_17_x86_64")}) == 1
    with pytest.raises(AttributeError):
        tag.abi = "abi3"
    with pytest.raises(AttributeError):
        tag.extra = 1
    assert pickle.loads(pickle.dumps(tag)) == tag
    assert eval(repr(tag), {"Tag": Tag}) == tag


def test_tag_interoperates_with_packaging_tags() -> None:
    ours = Tag("py3", "none", "any")
    theirs = packaging.tags.Tag("py3", "none", "any")
    assert ours == theirs
    assert theirs == ours
    assert hash(ours) == hash(theirs)
    assert theirs in {ours}
    assert ours in {theirs}
    assert ours != packaging.tags.Tag("py2", "none", "any")
    # Callers still parsing with packaging (lock/pip.py) rank against our tags.
    ranker = TagRanker([Tag("cp311", "cp311", "linux_x86_64"), ours])
    assert ranker.rank(packaging.tags.parse_tag("py2.py3-none-any")) == 1
    assert ranker.rank(packaging.tags.parse_tag("cp311-cp311-linux_x86_64")) == 0
    assert ranker.rank(packaging.tags.parse_tag("cp312-cp312-linux_x86_64")) is None


def test_parsed_filename_value_semantics() -> None:
    parsed = parse_dist_filename("torch-2.3.1+cu121-cp311-cp311-linux_x86_64.whl")
    assert parsed is not None
    again = ParsedFilename(parsed.kind, parsed.name, parsed.version, parsed.tags, parsed.build)
    assert again == parsed
    assert hash(again) == hash(parsed)
    assert again != ParsedFilename("sdist", parsed.name, parsed.version, frozenset())
    with pytest.raises(AttributeError):
        parsed.kind = "sdist"
    assert pickle.loads(pickle.dumps(parsed)) == parsed
    assert "torch" in repr(parsed)
    match parsed:
        case ParsedFilename("wheel", name, version, tags, build):
            assert (name, str(version), build) == ("torch", "2.3.1+cu121", ())
            assert {str(t) for t in tags} == {"cp311-cp311-linux_x86_64"}
        case _:
            pytest.fail("ParsedFilename did not match positionally")


_FORBIDDEN = (
    "packaging.utils",
    "packaging.tags",
    "packaging._manylinux",
    "packaging._musllinux",
    "logging",
    "subprocess",
    "sysconfig",
    "platform",
    "dataclasses",
    "compatlib.sources.pypi.simple",
    "html.parser",
)

# The values layer imports nothing of the layers above it, so importing the two
# modules shows exactly what they need.
_PROBE = """
import importlib, sys
import compatlib
before = set(sys.modules)
importlib.import_module("compatlib.values.filenames")
importlib.import_module("compatlib.values.tags")
print("\\n".join(sorted(set(sys.modules) - before)))
"""


def test_modules_import_light() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(result.stdout.split())
    assert "compatlib.values.filenames" in loaded
    assert "compatlib.values.tags" in loaded
    assert sorted(loaded.intersection(_FORBIDDEN)) == []


def test_a_compressed_tag_bomb_is_not_a_wheel() -> None:
    """A 1 KB name would expand to 216,000 tags: refused, as packaging would choke."""
    from compatlib.values.filenames import MAX_WHEEL_TAGS, parse_dist_filename

    parts = ("cp3{}", "abi{}", "plat{}")
    tags = "-".join(".".join(p.format(i) for i in range(60)) for p in parts)
    assert parse_dist_filename(f"a-1.0-{tags}.whl") is None
    small = "-".join(".".join(p.format(i) for i in range(10)) for p in parts)
    assert MAX_WHEEL_TAGS >= 10**3
    assert parse_dist_filename(f"a-1.0-{small}.whl") is not None
