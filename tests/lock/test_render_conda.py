"""conda renderings: conda-lock.yml (read by conda-lock itself), explicit files and
pinned environment.yml, from a real conda + pip lock of local channels."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

for _builders in ("pypi", "conda"):
    _folder = str(Path(__file__).resolve().parents[1] / "sources" / _builders)
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from conda_builders import conda_record, write_channel  # noqa: E402
from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402
from compatlib.errors import InputError  # noqa: E402
from compatlib.lock.model import Lock, LockedPackage  # noqa: E402
from compatlib.lock.render import (  # noqa: E402
    render_conda_lock,
    render_environment,
    render_explicit,
)
from compatlib.specs import read_spec  # noqa: E402

MD5 = {"python": "1" * 32, "libz": "2" * 32, "tinyconda": "3" * 32}


def _channel(root: Path) -> Path:
    records = [
        conda_record(
            name, version, build, depends, subdir=sub, md5=MD5[name], sha256=MD5[name][0] * 64
        )
        for sub in ("linux-64", "osx-arm64")
        for name, version, build, depends in (
            ("python", "3.11.8", "h0", ["libz >=1.2"]),
            ("libz", "1.3", "h1", []),
            ("tinyconda", "1.0", "py311_0", ["python >=3.11,<3.12.0a0"]),
        )
    ]
    return write_channel(root, records)


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    channel = _channel(tmp_path / "chan")
    links = tmp_path / "links"
    build_wheel(links, "web", "1.1", requires=["core"])
    build_wheel(links, "core", "2.0")
    env = tmp_path / "environment.yml"
    env.write_text(
        f"name: t\nchannels: [{channel}]\ndependencies:\n  - python=3.11\n  - tinyconda\n"
        f"  - pip:\n      - --find-links {links}\n      - web\n"
    )
    return env


def _lock(tmp_path: Path, env: Path, fmt: str, *platforms: str) -> tuple[int, Path]:
    suffix = {"environment": "yml", "conda-lock": "yml"}.get(fmt, fmt)
    out = tmp_path / f"out-{fmt}.{suffix}"
    argv = ["lock", "-f", str(env), "--offline", "--cache-dir", str(tmp_path / "c")]
    for p in platforms or ("linux-64",):
        argv += ["--platform", p]
    return main([*argv, "--format", fmt, "-o", str(out)]), out


def test_conda_lock_file_is_read_by_conda_lock(tmp_path: Path, env_file: Path) -> None:
    lockfile_mod = pytest.importorskip("conda_lock.lockfile")
    code, out = _lock(tmp_path, env_file, "conda-lock", "linux-64", "osx-arm64")
    assert code == 0
    parsed = lockfile_mod.parse_conda_lock_file(out)
    rows = sorted((p.platform, p.manager, p.name, p.version) for p in parsed.package)
    assert ("linux-64", "conda", "tinyconda", "1.0") in rows
    assert ("osx-arm64", "conda", "libz", "1.3") in rows
    assert ("linux-64", "pip", "web", "1.1") in rows
    assert ("osx-arm64", "pip", "core", "2.0") in rows
    assert sorted(parsed.metadata.platforms) == ["linux-64", "osx-arm64"]
    deps = {(p.platform, p.name): p.dependencies for p in parsed.package}
    assert deps[("linux-64", "tinyconda")] == {"python": ">=3.11,<3.12.0a0"}  # conda-lock's form
    assert deps[("linux-64", "web")] == {"core": "*"}
    # the same packages as our JSON lock
    code, js = _lock(tmp_path, env_file, "json", "linux-64", "osx-arm64")
    ours = sorted(
        (p["platform"], p["manager"], p["name"], p["version"])
        for p in json.loads(js.read_text())["packages"]
    )
    assert rows == ours


def test_explicit_file_matches_conda_locks_own_rendering(tmp_path: Path, env_file: Path) -> None:
    pytest.importorskip("conda_lock.lockfile")
    from conda_lock.conda_lock import render_lockfile_for_platform
    from conda_lock.lockfile import parse_conda_lock_file

    code, ours = _lock(tmp_path, env_file, "explicit")
    assert code == 0
    lines = ours.read_text().splitlines()
    assert "@EXPLICIT" in lines
    urls = [line for line in lines if "://" in line and not line.startswith("#")]
    names = [u.rsplit("/", 1)[1].split("-")[0] for u in urls]
    assert names.index("libz") < names.index("python") < names.index("tinyconda")
    assert all(u.endswith("#" + MD5[n]) for u, n in zip(urls, names, strict=True))
    assert any(line.startswith("# pip web @ file://") for line in lines)
    code, conda_lock_yml = _lock(tmp_path, env_file, "conda-lock")
    theirs = render_lockfile_for_platform(
        lockfile=parse_conda_lock_file(conda_lock_yml),
        include_dev_dependencies=True,
        extras=None,
        kind="explicit",
        platform="linux-64",
        suppress_warning_for_pip_and_explicit=True,
    )
    their_urls = [line for line in theirs if "://" in line and not line.startswith("#")]
    assert sorted(their_urls) == sorted(urls)


def test_environment_file_reads_back_pinned(tmp_path: Path, env_file: Path) -> None:
    code, out = _lock(tmp_path, env_file, "environment")
    assert code == 0
    spec = read_spec(out)
    assert sorted(d.spec for d in spec.conda) == [
        "libz=1.3=h1",
        "pip",
        "python=3.11.8=h0",
        "tinyconda=1.0=py311_0",
    ]
    assert sorted(str(p.requirement) for p in spec.pip) == ["core==2.0", "web==1.1"]


def test_one_platform_formats_refuse_several(tmp_path: Path, env_file: Path) -> None:
    for fmt in ("explicit", "environment"):
        code, out = _lock(tmp_path, env_file, fmt, "linux-64", "osx-arm64")
        assert code == 2
        assert not out.exists()


def test_conda_packages_need_md5() -> None:
    pkg = LockedPackage(name="x", version="1", manager="conda", platform="linux-64", url="u")
    lock = Lock.of([pkg])
    with pytest.raises(InputError, match="no md5"):
        render_conda_lock(lock)
    with pytest.raises(InputError, match="no md5"):
        render_explicit(lock)
    assert "x=1" in render_environment(lock)
