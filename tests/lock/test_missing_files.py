"""A project the sources list, but with no file for the target, is explained as such."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402
from compatlib.lock.pip import lock_pip  # noqa: E402
from compatlib.solver.errors import UnsatisfiableError  # noqa: E402
from compatlib.sources.pypi import PyPIRepository  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

LINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = Target(python="3.11", platform="osx-arm64")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "app", "1.0", requires=["native"])
    build_wheel(wheels, "native", "1.0", LINUX)
    build_wheel(wheels, "native", "1.1", LINUX)
    return wheels


def test_missing_reason(tmp_path: Path, folder: Path) -> None:
    repo = PyPIRepository([], [str(folder)], target=MAC, cache_dir=tmp_path / "c")
    assert repo.missing_reason("native") == "native has 2 files, none for Python 3.11, osx-arm64"
    assert repo.missing_reason("app") is None  # usable
    assert repo.missing_reason("nowhere") is None  # unknown: "not in the index" is right


def test_explanation_says_no_file_fits(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(UnsatisfiableError) as info:
        lock_pip(["app"], target=MAC, find_links=[str(folder)], cache_dir=tmp_path / "c")
    text = info.value.explanation.text
    assert "native has 2 files, none for Python 3.11, osx-arm64" in text
    assert "not in the index" not in text


def test_cli_exit_1_with_the_reason(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["lock", "app", "--find-links", str(folder), "--python", "3.11"]
    code = main([*argv, "--platform", "osx-arm64", "--cache-dir", str(tmp_path / "c")])
    assert code == 1
    assert "none for Python 3.11, osx-arm64" in capsys.readouterr().err
