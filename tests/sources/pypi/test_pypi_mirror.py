"""Against the machine's local PyPI mirror (file:///opt/pypi/simple), when present."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from compatlib.sources.pypi import PyPIRepository
from compatlib.values.target import Target

MIRROR = Path("/opt/pypi/simple")

pytestmark = pytest.mark.skipif(
    not (MIRROR / "packaging").is_dir(), reason="local PyPI mirror /opt/pypi/simple absent"
)


def _repo(tmp_path: Path, target: Target) -> PyPIRepository:
    return PyPIRepository(
        [MIRROR.as_uri()], target=target, cache_dir=tmp_path / "cache", progress=False
    )


def test_packaging_versions_and_metadata(tmp_path: Path) -> None:
    repo = _repo(tmp_path, Target(python="3.11", platform="linux-64"))
    versions = repo.versions("packaging")
    assert versions
    assert versions == sorted(versions, key=Version)
    rel = repo.release("packaging", versions[-1])
    assert rel.version == versions[-1]
    assert rel.requires_python is not None
    SpecifierSet(rel.requires_python)  # parses
    for req in rel.requires:
        Requirement(req)
    art = rel.artifacts[0]
    assert art.filename.startswith(f"packaging-{versions[-1]}-")
    assert art.filename.endswith(".whl")
    assert dict(art.hashes)["sha256"]
    assert art.size is not None
    assert art.size > 0


def test_binary_wheels_follow_the_target(tmp_path: Path) -> None:
    if not (MIRROR / "numpy").is_dir():
        pytest.skip("numpy not in the mirror")
    linux = _repo(tmp_path, Target(python="3.11", platform="linux-64", glibc="2.35"))
    win = _repo(tmp_path, Target(python="3.11", platform="win-64"))
    old = _repo(tmp_path, Target(python="3.11", platform="linux-64", glibc="2.5"))
    linux_versions = linux.versions("numpy")
    assert linux_versions
    # Expected Windows versions, derived from filenames alone: a win_amd64 or
    # pure wheel, or an sdist (which the repository may still reject as dynamic).
    files = [f.filename for f in linux.files("numpy")]
    win_wheel_versions = {
        f.split("-")[1] for f in files if f.endswith(("win_amd64.whl", "none-any.whl"))
    }
    has_sdists = any(f.endswith((".tar.gz", ".zip")) for f in files)
    win_versions = set(win.versions("numpy"))
    assert win_wheel_versions <= win_versions
    if not has_sdists:
        assert win_versions == win_wheel_versions
    for v in win_versions:
        for a in win.release("numpy", v).artifacts:
            assert "linux" not in a.filename
    assert set(old.versions("numpy")) <= set(linux_versions)
    rel = linux.release("numpy", linux_versions[-1])
    assert "manylinux" in rel.artifacts[0].filename
    assert rel.requires_python is not None
