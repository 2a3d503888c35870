"""``compatlib export``: a JSON lock rendered later gives the same bytes as locking
straight to that format."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402

LINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(folder, "web", "1.1", requires=["core", "fast; sys_platform == 'linux'"])
    build_wheel(folder, "core", "2.0")
    build_wheel(folder, "fast", "0.3", LINUX)
    return folder


def _lock(tmp_path: Path, links: Path, fmt: str, name: str, *platforms: str) -> Path:
    out = tmp_path / name
    argv = ["lock", "web", "--find-links", str(links), "--python", "3.11", "--offline"]
    for p in platforms:
        argv += ["--platform", p]
    argv += ["--cache-dir", str(tmp_path / "c"), "--format", fmt, "-o", str(out)]
    assert main(argv) == 0
    return out


@pytest.mark.parametrize("fmt", ["requirements", "pylock", "conda-lock"])
def test_export_equals_locking_to_the_format(tmp_path: Path, links: Path, fmt: str) -> None:
    platforms = ("linux-64", "osx-arm64")
    lock_json = _lock(tmp_path, links, "json", "lock.json", *platforms)

    def name(stem: str) -> str:  # pylock files are named as PEP 751 says
        return f"pylock.{stem}.toml" if fmt == "pylock" else f"{stem}.{fmt}"

    direct = _lock(tmp_path, links, fmt, name("direct"), *platforms)
    exported = tmp_path / name("exported")
    assert main(["export", str(lock_json), "--format", fmt, "-o", str(exported)]) == 0
    assert exported.read_bytes() == direct.read_bytes()


def test_export_one_platform_of_several(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock_json = _lock(tmp_path, links, "json", "lock.json", "linux-64", "osx-arm64")
    assert main(["export", str(lock_json), "--format", "environment"]) == 2
    assert "describes one platform" in capsys.readouterr().err
    assert (
        main(["export", str(lock_json), "--format", "environment", "--platform", "osx-arm64"]) == 0
    )
    out = capsys.readouterr().out
    assert "web==1.1" in out
    assert "fast==" not in out  # linux only
    assert main(["export", str(lock_json), "--format", "pylock", "--platform", "win-64"]) == 2
    assert "no packages for 'win-64'" in capsys.readouterr().err
