"""One assumed glibc for both sources, said when it is what rules a wheel out.

A Linux target that gives no glibc (neither ``Target.glibc`` nor its system's)
selects wheels for :data:`~compatlib.values.target.DEFAULT_GLIBC`, whether the
releases come from an in-memory index or from PyPI-style sources; an
explanation whose wheels are rejected for that assumption alone says so and how
to give the real glibc, and the lock records the value it assumed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib import UnsatisfiableError, solve  # noqa: E402
from compatlib.lock.pip import lock_pip  # noqa: E402
from compatlib.sources.memory import Artifact, Index, IndexRelease  # noqa: E402
from compatlib.sources.pypi import PyPIRepository  # noqa: E402
from compatlib.stack import SystemProfile  # noqa: E402
from compatlib.values.target import DEFAULT_GLIBC, Target  # noqa: E402

NEW = "cp312-cp312-manylinux_2_34_x86_64"
OLD = "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"
ADVICE = "give yours with --system glibc=X.Y"


def _index() -> Index:
    def rel(version: str, tag: str) -> IndexRelease:
        return IndexRelease(version, artifacts=(Artifact(f"b-{version}-{tag}.whl"),))

    return Index({"b": [rel("1.0", OLD), rel("2.0", NEW)]})


def test_the_default_is_defined_once() -> None:
    from compatlib.values import tags

    assert tags.DEFAULT_GLIBC is DEFAULT_GLIBC
    assert Target(python="3.12").assumed_glibc == DEFAULT_GLIBC
    assert Target(python="3.12").wheel_glibc == DEFAULT_GLIBC
    assert Target(python="3.12", glibc="2.17").assumed_glibc is None
    assert Target(python="3.12", platform="osx-arm64").assumed_glibc is None
    system = SystemProfile(glibc="2.35")
    assert Target(python="3.12", system=system).known_glibc == "2.35"
    assert Target(python="3.12", system=system).assumed_glibc is None


def test_index_path_assumes_the_default() -> None:
    assert str(solve(["b"], index=_index(), target=Target(python="3.12"))["b"]) == "1.0"
    given = Target(python="3.12", glibc="2.35")
    assert str(solve(["b"], index=_index(), target=given)["b"]) == "2.0"


def test_index_path_says_the_glibc_was_assumed() -> None:
    with pytest.raises(UnsatisfiableError) as info:
        solve(["b>=2"], index=_index(), target=Target(python="3.12"))
    text = info.value.explanation.text
    assert f"wrong glibc: manylinux_2_34_x86_64 found, glibc {DEFAULT_GLIBC} assumed" in text
    assert ADVICE in text
    assert "wrong platform" not in text


def test_a_given_glibc_is_not_said_to_be_assumed() -> None:
    with pytest.raises(UnsatisfiableError) as info:
        solve(["b>=2"], index=_index(), target=Target(python="3.12", glibc="2.27"))
    text = info.value.explanation.text
    assert "needs glibc >=2.34 for its manylinux wheels (the target's glibc is 2.27)" in text
    assert "assumed" not in text


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "b", "1.0", OLD)
    build_wheel(wheels, "b", "2.0", NEW)
    build_wheel(wheels, "n", "1.0", NEW)
    return wheels


def test_pypi_path_assumes_the_same_default(tmp_path: Path, folder: Path) -> None:
    repo = PyPIRepository([], [str(folder)], target=Target(python="3.12"), cache_dir=tmp_path)
    assert repo.versions("b") == ["1.0"]
    assert list(repo.left_out("b")) == ["2.0"]
    given = Target(python="3.12", glibc="2.35")
    repo = PyPIRepository([], [str(folder)], target=given, cache_dir=tmp_path)
    assert repo.versions("b") == ["1.0", "2.0"]
    assert repo.left_out("b") == {}


def test_pypi_path_names_the_assumed_glibc(tmp_path: Path, folder: Path) -> None:
    links = [str(folder)]
    with pytest.raises(UnsatisfiableError) as info:
        lock_pip(["b>=2"], target=Target(python="3.12"), find_links=links, cache_dir=tmp_path)
    report = info.value.explanation.report
    fact = f"b 2.0 has wheels only for a glibc newer than {DEFAULT_GLIBC}, the one assumed"
    assert f"(no usable version of b matches >=2: {fact})" in report
    assert f"{fact}; {ADVICE}" in report
    with pytest.raises(UnsatisfiableError) as info:
        lock_pip(["n"], target=Target(python="3.12"), find_links=links, cache_dir=tmp_path)
    assert info.value.explanation.text == (
        "You require n (n has 1 file, none for Python 3.12, linux-64: wheels only for a "
        f"glibc newer than {DEFAULT_GLIBC}, the one assumed)."
    )


def test_lock_records_the_assumed_glibc(tmp_path: Path, folder: Path) -> None:
    lock = lock_pip(
        ["b"], target=Target(python="3.12"), find_links=[str(folder)], cache_dir=tmp_path
    )
    assert lock.targets[0].get("glibc_assumed") == DEFAULT_GLIBC
    assert "glibc" not in lock.targets[0]
    given = Target(python="3.12", glibc="2.35")
    lock = lock_pip(["b"], target=given, find_links=[str(folder)], cache_dir=tmp_path)
    assert lock.targets[0].get("glibc") == "2.35"
    assert "glibc_assumed" not in lock.targets[0]
