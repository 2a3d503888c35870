"""Target tag lists from compatlib.values.tags against packaging.tags.

The expected lists are computed here with packaging's own generators, the way
compatlib's tags.py did before it stopped importing packaging.tags.
"""

from __future__ import annotations

import itertools

import packaging.tags as ptags
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib.values import tags as ours
from compatlib.values.tags import _SUBDIR_ARCH, platform_tags_for, target_tags
from compatlib.values.target import Target

PYTHONS = [f"3.{minor}" for minor in range(7, 15)]
IMPLEMENTATIONS = ["cpython", "pypy", "graalpy"]
GLIBCS = ["2.5", "2.12", "2.17", "2.28", "2.36"]
MACOS = ["10.9", "10.15", "11.0", "13.0", "14.2"]


def _expected(target: Target, platforms: list[str]) -> list[str]:
    """The tag list the packaging-based tags.py produced (kept verbatim in logic)."""
    py = (target.python_version.major, target.python_version.minor)
    nodot = f"{py[0]}{py[1]}"
    impl = target.implementation.lower()
    out: list[ptags.Tag] = []
    if impl == "cpython":
        out.extend(ptags.cpython_tags(py, [f"cp{nodot}"], platforms))
        interpreter = f"cp{nodot}"
    elif impl == "pypy":
        interpreter = f"pp{nodot}"
        out.extend(ptags.generic_tags(interpreter, [f"pypy{nodot}_pp73"], platforms))
    else:
        interpreter = f"{impl[:2]}{nodot}"
        out.extend(ptags.generic_tags(interpreter, [], platforms))
    out.extend(ptags.compatible_tags(py, interpreter, platforms))
    return list(dict.fromkeys(str(t) for t in out))


def _cases() -> list[tuple[Target, str | None, str | None]]:
    cases: list[tuple[Target, str | None, str | None]] = []
    for subdir, (kind, _arch) in sorted(_SUBDIR_ARCH.items()):
        for python, impl in itertools.product(PYTHONS, IMPLEMENTATIONS):
            if kind == "linux":
                for glibc, musl in itertools.product(GLIBCS, [None, "1.2"]):
                    target = Target(
                        python=python, platform=subdir, implementation=impl, glibc=glibc
                    )
                    cases.append((target, None, musl))
            elif kind == "macos":
                for macos in MACOS:
                    cases.append(
                        (Target(python=python, platform=subdir, implementation=impl), macos, None)
                    )
            else:
                cases.append(
                    (Target(python=python, platform=subdir, implementation=impl), None, None)
                )
    return cases


def test_target_tags_match_packaging_for_every_subdir() -> None:
    cases = _cases()
    assert len(cases) == 3 * 8 * 3 * 5 * 2 + 2 * 8 * 3 * 5 + 2 * 8 * 3
    assert {t.subdir for t, _, _ in cases} == set(_SUBDIR_ARCH)
    for target, macos, musl in cases:
        plats = platform_tags_for(target, macos=macos, musllinux=musl)
        got = [str(t) for t in target_tags(target, macos=macos, musllinux=musl)]
        assert got == _expected(target, plats), (target, macos, musl)


@pytest.mark.parametrize("arch", ["x86_64", "arm64", "i386", "ppc", "ppc64", "intel", "universal2"])
def test_mac_platforms_match_packaging(arch: str) -> None:
    versions = [(10, minor) for minor in range(17)] + [(major, 0) for major in range(11, 17)]
    versions += [(9, 0), (11, 3), (14, 2), (26, 0)]
    for version in versions:
        assert list(ours.mac_platforms(version, arch)) == list(
            ptags.mac_platforms(version, arch)
        ), version


@pytest.mark.parametrize(
    "abis",
    [
        ["cp311"],
        ["cp313t"],
        ["cp314td", "cp314t"],
        ["abi3t", "cp315t"],
        ["cp312", "abi3", "none", "abi3"],
        ["none"],
        [],
    ],
)
@pytest.mark.parametrize("python", [(3,), (3, 1), (3, 2), (3, 7), (3, 13), (3, 15)])
def test_cpython_tags_match_packaging(python: tuple[int, ...], abis: list[str]) -> None:
    plats = ["manylinux_2_17_x86_64", "linux_x86_64"]
    got = [str(t) for t in ours.cpython_tags(python, abis, plats)]
    assert got == [str(t) for t in ptags.cpython_tags(python, abis, plats)]


@pytest.mark.parametrize("abis", [[], ["none"], ["pypy310_pp73"], ["graalpy311_native", "none"]])
def test_generic_and_compatible_tags_match_packaging(abis: list[str]) -> None:
    plats = ["win_amd64", "any"]
    got = [str(t) for t in ours.generic_tags("pp310", abis, plats)]
    assert got == [str(t) for t in ptags.generic_tags("pp310", abis, plats)]
    for python, interpreter in [((3,), None), ((3, 0), "cp30"), ((3, 12), "cp312"), ((2, 7), "")]:
        mine = [str(t) for t in ours.compatible_tags(python, interpreter, plats)]
        theirs = [str(t) for t in ptags.compatible_tags(python, interpreter, plats)]
        assert mine == theirs


_ABI = st.sampled_from(
    ["cp311", "cp313t", "cp314td", "abi3", "abi3t", "none", "cp39", "pypy310_pp73", "cp38d"]
)
_PLATFORM = st.sampled_from(
    ["any", "linux_x86_64", "manylinux_2_17_x86_64", "win_amd64", "macosx_11_0_arm64", "win32"]
)
_PYTHON = st.lists(st.integers(2, 3), min_size=1, max_size=1).flatmap(
    lambda major: st.lists(st.integers(0, 16), max_size=2).map(lambda rest: (*major, *rest))
)


@settings(max_examples=200)
@given(_PYTHON, st.lists(_ABI, max_size=4), st.lists(_PLATFORM, min_size=1, max_size=3))
def test_generated_cpython_and_compatible_tags_match_packaging(
    python: tuple[int, ...], abis: list[str], platforms: list[str]
) -> None:
    got = [str(t) for t in ours.cpython_tags(python, abis, platforms)]
    assert got == [str(t) for t in ptags.cpython_tags(python, abis, platforms)]
    for interpreter in (None, "", "cp311", "pp310"):
        mine = [str(t) for t in ours.compatible_tags(python, interpreter, platforms)]
        theirs = [str(t) for t in ptags.compatible_tags(python, interpreter, platforms)]
        assert mine == theirs


@settings(max_examples=200)
@given(
    st.sampled_from(["pp310", "cp311", "graalpy311", "ip27"]),
    st.lists(_ABI, max_size=4),
    st.lists(_PLATFORM, min_size=1, max_size=3),
)
def test_generated_generic_tags_match_packaging(
    interpreter: str, abis: list[str], platforms: list[str]
) -> None:
    got = [str(t) for t in ours.generic_tags(interpreter, abis, platforms)]
    assert got == [str(t) for t in ptags.generic_tags(interpreter, abis, platforms)]


@settings(max_examples=200)
@given(
    st.tuples(st.integers(9, 30), st.integers(0, 20)),
    st.sampled_from(["x86_64", "arm64", "i386", "ppc", "ppc64", "intel", "universal2", "fat64"]),
)
def test_generated_mac_platforms_match_packaging(version: tuple[int, int], arch: str) -> None:
    assert list(ours.mac_platforms(version, arch)) == list(ptags.mac_platforms(version, arch))
