from __future__ import annotations

import pytest
from packaging.tags import Tag, parse_tag

from compatlib.errors import InputError
from compatlib.values.tags import (
    DEFAULT_GLIBC,
    TagRanker,
    platform_tags_for,
    target_tags,
)
from compatlib.values.target import Target


def ranker(**kw: str | None) -> TagRanker:
    macos = kw.pop("macos", None)
    musl = kw.pop("musllinux", None)
    return TagRanker.for_target(Target(**kw), macos=macos, musllinux=musl)  # type: ignore[arg-type]


def rank(r: TagRanker, tag: str) -> int | None:
    return r.rank(parse_tag(tag))


def test_glibc_217_accepts_manylinux2014_not_228() -> None:
    r = ranker(python="3.11", platform="linux-64", glibc="2.17")
    assert rank(r, "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64") is not None
    assert rank(r, "cp311-cp311-manylinux2014_x86_64") is not None
    assert rank(r, "cp311-cp311-manylinux1_x86_64") is not None
    assert rank(r, "cp311-cp311-manylinux_2_28_x86_64") is None
    assert rank(r, "cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64") is None


def test_glibc_228_prefers_manylinux_2_28_over_2014() -> None:
    r = ranker(python="3.11", platform="linux-64", glibc="2.28")
    new = rank(r, "cp311-cp311-manylinux_2_28_x86_64")
    old = rank(r, "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64")
    assert new is not None
    assert old is not None
    assert new < old
    assert rank(r, "cp311-cp311-manylinux_2_29_x86_64") is None


def test_default_glibc_is_documented_constant() -> None:
    assert DEFAULT_GLIBC == "2.28"
    default = platform_tags_for(Target(python="3.11", platform="linux-64"))
    explicit = platform_tags_for(Target(python="3.11", platform="linux-64", glibc=DEFAULT_GLIBC))
    assert default == explicit
    assert default[0] == "manylinux_2_28_x86_64"


def test_legacy_aliases_follow_their_glibc_version() -> None:
    plats = platform_tags_for(Target(python="3.11", platform="linux-64", glibc="2.17"))
    assert plats.index("manylinux2014_x86_64") == plats.index("manylinux_2_17_x86_64") + 1
    assert plats.index("manylinux2010_x86_64") == plats.index("manylinux_2_12_x86_64") + 1
    assert plats.index("manylinux1_x86_64") == plats.index("manylinux_2_5_x86_64") + 1
    assert plats[-1] == "linux_x86_64"
    assert not any(p.startswith("musllinux") for p in plats)


def test_aarch64_starts_at_manylinux2014() -> None:
    plats = platform_tags_for(Target(python="3.12", platform="linux-aarch64", glibc="2.31"))
    assert plats[0] == "manylinux_2_31_aarch64"
    assert "manylinux2014_aarch64" in plats
    assert "manylinux_2_16_aarch64" not in plats
    assert not any("manylinux1" in p or "manylinux2010" in p for p in plats)
    r = ranker(python="3.12", platform="linux-aarch64")
    assert rank(r, "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64") is not None
    assert rank(r, "cp312-cp312-manylinux_2_17_x86_64") is None


def test_musllinux_only_when_asked() -> None:
    tag = "cp311-cp311-musllinux_1_1_x86_64"
    assert rank(ranker(python="3.11", platform="linux-64"), tag) is None
    r = ranker(python="3.11", platform="linux-64", musllinux="1.2")
    assert rank(r, tag) is not None
    assert rank(r, "cp311-cp311-musllinux_1_3_x86_64") is None
    # manylinux still ranks ahead of musllinux
    many = rank(r, "cp311-cp311-manylinux_2_17_x86_64")
    musl = rank(r, tag)
    assert many is not None
    assert musl is not None
    assert many < musl


def test_windows_target_is_not_the_host() -> None:
    r = ranker(python="3.12", platform="win-64")
    assert rank(r, "cp312-cp312-win_amd64") is not None
    assert rank(r, "cp312-cp312-win32") is None
    assert rank(r, "cp312-cp312-manylinux_2_17_x86_64") is None
    assert rank(r, "cp312-cp312-linux_x86_64") is None
    assert rank(r, "py3-none-any") is not None
    pure = rank(r, "py3-none-any")
    binary = rank(r, "cp312-cp312-win_amd64")
    assert binary is not None
    assert pure is not None
    assert binary < pure


def test_osx_arm64_macos_version() -> None:
    r = ranker(python="3.12", platform="osx-arm64")
    assert rank(r, "cp312-cp312-macosx_11_0_arm64") is not None
    assert rank(r, "cp312-cp312-macosx_10_9_universal2") is not None
    assert rank(r, "cp312-cp312-macosx_10_9_x86_64") is None
    assert rank(r, "cp312-cp312-macosx_14_0_arm64") is None  # default macOS 13.0
    newer = ranker(python="3.12", platform="osx-arm64", macos="14.0")
    a = rank(newer, "cp312-cp312-macosx_14_0_arm64")
    b = rank(newer, "cp312-cp312-macosx_11_0_arm64")
    assert a is not None
    assert b is not None
    assert a < b


def test_osx_64() -> None:
    r = ranker(python="3.10", platform="osx-64")
    assert rank(r, "cp310-cp310-macosx_10_9_x86_64") is not None
    assert rank(r, "cp310-cp310-macosx_11_0_arm64") is None


def test_python_version_abi3_and_pure() -> None:
    r = ranker(python="3.12", platform="linux-64", glibc="2.17")
    assert rank(r, "cp38-abi3-manylinux_2_17_x86_64") is not None
    assert rank(r, "cp313-cp313-manylinux_2_17_x86_64") is None
    assert rank(r, "cp311-cp311-manylinux_2_17_x86_64") is None
    assert rank(r, "py2.py3-none-any") is not None
    assert rank(r, "py2-none-any") is None
    exact = rank(r, "cp312-cp312-manylinux_2_17_x86_64")
    abi3 = rank(r, "cp38-abi3-manylinux_2_17_x86_64")
    pure = rank(r, "py3-none-any")
    assert exact is not None
    assert abi3 is not None
    assert pure is not None
    assert exact < abi3 < pure


def test_pypy_target() -> None:
    r = ranker(python="3.10", platform="linux-64", implementation="pypy")
    assert rank(r, "pp310-pypy310_pp73-manylinux_2_17_x86_64") is not None
    assert rank(r, "cp310-cp310-manylinux_2_17_x86_64") is None
    assert rank(r, "py3-none-any") is not None


def test_tags_are_unique_and_deterministic() -> None:
    t = Target(python="3.11", platform="linux-64", glibc="2.17")
    tags = target_tags(t)
    assert len(tags) == len(set(tags))
    assert tags == target_tags(Target(python="3.11", platform="linux-64", glibc="2.17"))
    assert tags[0] == Tag("cp311", "cp311", "manylinux_2_17_x86_64")


@pytest.mark.parametrize("glibc", ["abc", "3.1", "2.x"])
def test_bad_glibc_is_an_input_error(glibc: str) -> None:
    with pytest.raises(InputError) as info:
        target_tags(Target(python="3.11", platform="linux-64", glibc=glibc))
    assert info.value.field == "glibc"
