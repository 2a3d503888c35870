"""Releases the sources list but leave out (no file for the target) are explained
by where their wheels would install: other Pythons, other platforms."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib import UnsatisfiableError  # noqa: E402
from compatlib.lock.pip import lock_pip  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

TARGET = Target(python="3.12", platform="linux-64", glibc="2.35")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "mac", "1.0")
    build_wheel(wheels, "mac", "2.0", "cp312-cp312-macosx_11_0_arm64")
    build_wheel(wheels, "mac", "2.0", "cp312-cp312-win_amd64")
    build_wheel(wheels, "old", "1.0")
    build_wheel(wheels, "old", "2.0", "cp310-cp310-manylinux_2_17_x86_64")
    build_wheel(wheels, "old", "2.0", "cp311-cp311-manylinux_2_17_x86_64")
    build_wheel(wheels, "odd", "1.0", "graalpy310-graalpy240_310_native-linux_x86_64")
    return wheels


def _report(requirement: str, folder: Path, tmp_path: Path) -> str:
    with pytest.raises(UnsatisfiableError) as info:
        lock_pip([requirement], target=TARGET, find_links=[str(folder)], cache_dir=tmp_path / "c")
    return info.value.explanation.report


def test_other_platforms(folder: Path, tmp_path: Path) -> None:
    report = _report("mac>=2", folder, tmp_path)
    fact = "mac 2.0 has wheels only for osx-arm64 or win-64"
    assert f"(no usable version of mac matches >=2: {fact})" in report
    assert f"- {fact}; the target is linux-64: solve for one of those (--platform)" in report


def test_other_pythons(folder: Path, tmp_path: Path) -> None:
    report = _report("old>=2", folder, tmp_path)
    fact = "old 2.0 has wheels only for Python 3.10 or 3.11 on linux-64"
    assert f"(no usable version of old matches >=2: {fact})" in report
    assert "the target's Python is 3.12: use one of those (--python)" in report


def test_every_version_left_out(folder: Path, tmp_path: Path) -> None:
    report = _report("odd", folder, tmp_path)
    assert report.startswith(
        "You require odd (odd has 1 file, none for Python 3.12, linux-64: no wheel for "
        "Python 3.12 on any platform, only graalpy310-graalpy240_310_native-linux_x86_64)."
    )


def test_index_path_names_the_platforms_its_wheels_are_for() -> None:
    from compatlib import solve
    from compatlib.sources.memory import Artifact, Index, IndexRelease

    files = (
        Artifact("a-1.0-cp312-cp312-macosx_11_0_arm64.whl"),
        Artifact("a-1.0-cp312-cp312-win_amd64.whl"),
    )
    index = Index({"a": [IndexRelease("1.0", artifacts=files)]})
    with pytest.raises(UnsatisfiableError) as info:
        solve(["a"], index=index, target=TARGET)
    text = info.value.explanation.text
    assert "wrong platform: macosx_11_0_arm64, win_amd64 found, linux-64 expected" in text
    assert "; wheels for osx-arm64 or win-64)" in text
