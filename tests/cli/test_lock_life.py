"""``compatlib lock`` over a lock that exists: --check, --locked, minimal updates and
their report, --upgrade/--upgrade-package, --extra/--group, pylock file names,
multi-platform files that installers accept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402

LINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = "cp311-cp311-macosx_11_0_arm64"
PY = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(folder, "numpy", "1.26.4", LINUX)
    build_wheel(folder, "numpy", "1.26.4", MAC)
    build_wheel(folder, "pandas", "2.2.3", requires=["numpy>=1.23"])
    build_wheel(folder, "fast", "0.3", LINUX)
    build_wheel(folder, "idna", "3.10")
    return folder


def _publish(links: Path) -> None:
    """Later: a new numpy, and requests, appear on the index."""
    build_wheel(links, "numpy", "2.1.3", LINUX)
    build_wheel(links, "numpy", "2.1.3", MAC)
    build_wheel(links, "requests", "2.32.3", requires=["idna"])


def _lock(
    tmp_path: Path,
    links: Path,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    out: str = "lock.json",
    python: str = "3.11",
) -> tuple[int, str]:
    argv = ["lock", *args, "--find-links", str(links), "--offline", "--python", python]
    argv += ["--cache-dir", str(tmp_path / "cache"), "-o", str(tmp_path / out)]
    if "--platform" not in args:
        argv += ["--platform", "linux-64"]
    code = main(argv)
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def _versions(path: Path) -> dict[str, str]:
    return {p["name"]: p["version"] for p in json.loads(path.read_text())["packages"]}


def test_check_fresh_then_stale(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _lock(tmp_path, links, capsys, "pandas") == (0, "")
    lock = tmp_path / "lock.json"
    before = lock.read_bytes()
    code, err = _lock(tmp_path, links, capsys, "pandas", "--check")
    assert (code, err) == (0, f"compatlib lock: {lock} is fresh\n")
    code, err = _lock(tmp_path, links, capsys, "pandas", "idna", "--check")
    assert code == 1
    assert err == f"compatlib lock: {lock} is stale:\n  the requirements changed: + idna\n"
    code, err = _lock(tmp_path, links, capsys, "pandas", "--check", "--strategy", "lowest")
    assert code == 1
    assert "the resolver options changed: strategy: (default) -> lowest" in err
    assert lock.read_bytes() == before  # --check never writes
    code, err = _lock(tmp_path, links, capsys, "pandas", "--check", out="missing.json")
    assert code == 1
    assert "missing.json does not exist" in err


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("requirements", "requirements.txt"),
        ("pylock", "pylock.toml"),
        ("conda-lock", "conda-lock.yml"),
        ("explicit", "explicit.txt"),
        ("environment", "environment.yml"),
    ],
)
def test_check_every_format(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str], fmt: str, name: str
) -> None:
    assert _lock(tmp_path, links, capsys, "pandas", "--format", fmt, out=name)[0] == 0
    code, _ = _lock(tmp_path, links, capsys, "pandas", "--check", out=name)
    assert code == 0
    code, err = _lock(tmp_path, links, capsys, "pandas", "idna", "--check", out=name)
    assert code == 1
    assert "the requirements changed (this lock format records only a digest of them" in err
    code, err = _lock(tmp_path, links, capsys, "pandas", "--pre", "--check", out=name)
    assert code == 1
    assert err.splitlines()[1:] == [
        "  the resolver options changed (this lock format records only a digest of them; "
        "a JSON lock lists them)"
    ]


def test_check_needs_a_lock_file(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lock", "pandas", "--check"]) == 2
    assert "--check needs the lock file: -o FILE" in capsys.readouterr().err
    (tmp_path / "lock.json").write_text("not a lock\n")
    code, err = _lock(tmp_path, links, capsys, "pandas", "--check")
    assert code == 2
    assert err.startswith("compatlib lock: error: ")


def test_locked_writes_nothing(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _lock(tmp_path, links, capsys, "pandas")[0] == 0
    lock = tmp_path / "lock.json"
    stat = lock.stat()
    code, err = _lock(tmp_path, links, capsys, "pandas", "--locked")
    assert (code, err) == (0, f"compatlib lock: {lock} is up to date\n")
    _publish(links)
    # the new numpy does not matter: the locked one is preferred
    assert _lock(tmp_path, links, capsys, "pandas", "--locked")[0] == 0
    code, err = _lock(tmp_path, links, capsys, "pandas", "requests", "--locked")
    assert code == 1
    assert err.splitlines() == [
        f"compatlib lock: {lock} would change (--locked writes nothing):",
        "  + idna 3.10  [linux-64]",
        "  + requests 2.32.3  [linux-64]",
        "  2 added",
    ]
    assert lock.stat().st_ino == stat.st_ino
    assert lock.stat().st_mtime_ns == stat.st_mtime_ns
    code, err = _lock(tmp_path, links, capsys, "pandas", "--locked", out="new.json")
    assert code == 1
    assert "new.json does not exist (--locked writes nothing)" in err
    assert not (tmp_path / "new.json").exists()


def test_minimal_update_and_its_report(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "lock.json"
    assert _lock(tmp_path, links, capsys, "pandas") == (0, "")  # a new file: nothing to report
    inode = lock.stat().st_ino
    assert _lock(tmp_path, links, capsys, "pandas") == (0, f"compatlib lock: {lock}: no changes\n")
    assert lock.stat().st_ino == inode  # unchanged: not rewritten
    _publish(links)
    code, err = _lock(tmp_path, links, capsys, "pandas", "requests")
    assert code == 0
    assert err == (
        f"compatlib lock: {lock}: 2 added\n  + idna 3.10  [linux-64]\n  + requests 2.32.3  [linux-64]\n"
    )
    assert _versions(lock)["numpy"] == "1.26.4"
    code, err = _lock(tmp_path, links, capsys, "pandas", "requests", "--upgrade-package", "numpy")
    assert (code, err) == (
        0,
        f"compatlib lock: {lock}: 1 upgraded\n  ↑ numpy 1.26.4 -> 2.1.3  [linux-64]\n",
    )
    code, err = _lock(tmp_path, links, capsys, "pandas", "requests", "-P", "numpy<2")
    assert code == 0
    assert "↓ numpy 2.1.3 -> 1.26.4" in err
    code, err = _lock(tmp_path, links, capsys, "pandas", "requests", "-U")
    assert "↑ numpy 1.26.4 -> 2.1.3" in err


def test_minimal_update_of_a_pylock_file(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("pandas", "--format", "pylock", "--platform", "linux-64", "--platform", "osx-arm64")
    assert _lock(tmp_path, links, capsys, *args, out="pylock.toml")[0] == 0
    _publish(links)
    code, err = _lock(tmp_path, links, capsys, "requests", *args, out="pylock.toml")
    assert code == 0
    assert "↑ numpy" not in err
    assert "+ requests 2.32.3  [osx-arm64]" in err
    data = tomllib.loads((tmp_path / "pylock.toml").read_text())
    assert {p["name"]: p["version"] for p in data["packages"]}["numpy"] == "1.26.4"


def test_a_file_that_is_not_a_lock_is_replaced_with_a_warning(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lock.json").write_text("[1, 2]\n")
    code, err = _lock(tmp_path, links, capsys, "pandas")
    assert code == 0
    assert "is not a lock compatlib reads" in err.splitlines()[0]
    assert _versions(tmp_path / "lock.json")["pandas"] == "2.2.3"


def test_extras_and_groups_of_a_pyproject(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "pyproject.toml"
    project.write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["idna"]\n'
        '[project.optional-dependencies]\ndata = ["pandas"]\n'
        '[dependency-groups]\nspeed = ["fast"]\n'
    )
    assert _lock(tmp_path, links, capsys, "-r", str(project))[0] == 0
    assert set(_versions(tmp_path / "lock.json")) == {"idna"}
    code, _ = _lock(
        tmp_path, links, capsys, "-r", str(project), "--extra", "data", "--group", "speed"
    )
    assert code == 0
    assert set(_versions(tmp_path / "lock.json")) == {"idna", "pandas", "numpy", "fast"}
    code, err = _lock(tmp_path, links, capsys, "-r", str(project), "--extra", "nope")
    assert code == 2
    assert "nope" in err
    code, err = _lock(tmp_path, links, capsys, "idna", "--group", "speed")
    assert code == 2
    assert "--extra and --group select from a pyproject.toml" in err


@pytest.mark.parametrize(
    ("name", "better"), [("lock.toml", "pylock.lock.toml"), ("pylock.a.b.toml", "pylock.a-b.toml")]
)
def test_pylock_file_names(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str], name: str, better: str
) -> None:
    code, err = _lock(tmp_path, links, capsys, "idna", "--format", "pylock", out=name)
    assert code == 2
    assert "PEP 751 names them pylock.toml or pylock.NAME.toml" in err
    assert better in err
    assert not (tmp_path / name).exists()
    assert (
        _lock(tmp_path, links, capsys, "idna", "--format", "pylock", out="pylock.dev.toml")[0] == 0
    )
    assert _lock(tmp_path, links, capsys, "idna", out="lock.json")[0] == 0
    argv = ["export", str(tmp_path / "lock.json"), "--format", "pylock", "-o", str(tmp_path / name)]
    assert main(argv) == 2
    assert better in capsys.readouterr().err


def test_find_links_are_absolute_file_urls(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["lock", "idna", "--find-links", "links", "--offline", "--python", "3.11"]
    assert main([*argv, "--format", "requirements", "-o", "requirements.txt"]) == 0
    text = (tmp_path / "requirements.txt").read_text()
    assert f"--find-links {links.resolve().as_uri()}\n" in text
    capsys.readouterr()


def _uv() -> str:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        pytest.skip("uv is not installed")
    return uv


def test_multi_platform_pylock_installs_with_uv(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One pylock.NAME.toml for linux and macOS: uv picks this machine's files."""
    uv = _uv()
    if not sys.platform.startswith("linux") or os.uname().machine != "x86_64":
        pytest.skip("the test wheels are for linux x86_64 and macOS arm64")
    build_wheel(links, "numpy", "1.26.4", LINUX.replace("cp311", f"cp{PY.replace('.', '')}"))
    args = ["pandas", "fast; sys_platform == 'linux'", "--format", "pylock"]
    args += ["--platform", "linux-64", "--platform", "osx-arm64"]
    code, err = _lock(tmp_path, links, capsys, *args, out="pylock.app.toml", python=PY)
    if code != 0:
        pytest.skip(f"no wheels for Python {PY}: {err}")
    text = (tmp_path / "pylock.app.toml").read_text()
    assert 'marker = "sys_platform == \\"linux\\" and platform_machine == \\"x86_64\\""' in text
    env_dir = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(env_dir)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "VIRTUAL_ENV": str(env_dir), "UV_NO_CONFIG": "1"}
    argv = [uv, "pip", "install", "--dry-run", "--offline", "--no-index"]
    res = subprocess.run(
        [*argv, "-r", str(tmp_path / "pylock.app.toml")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "+ fast==0.3" in res.stderr
    assert "+ numpy==1.26.4" in res.stderr
    assert "+ pandas==2.2.3" in res.stderr


MIRROR = Path("/opt/pypi/files")


@pytest.mark.skipif(not MIRROR.is_dir(), reason="the local PyPI mirror is not present")
@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the mirror holds CPython 3.11 wheels")
def test_pylock_from_the_mirror_syncs_with_uv(tmp_path: Path) -> None:
    uv = _uv()
    out = tmp_path / "pylock.toml"
    argv = [sys.executable, "-m", "compatlib.cli", "lock", "requests", "--offline"]
    argv += ["--find-links", str(MIRROR), "--python", "3.11", "--platform", "linux-64"]
    argv += ["--system", "glibc=2.36", "--format", "pylock", "-o", str(out)]
    subprocess.run(argv, check=True, capture_output=True)
    env_dir = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(env_dir)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "VIRTUAL_ENV": str(env_dir), "UV_NO_CONFIG": "1"}
    sync = [uv, "pip", "sync", "-q", "--offline", "--no-index", str(out)]
    subprocess.run(sync, check=True, capture_output=True, env=env)
    res = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", "import requests; print(requests.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    locked = tomllib.loads(out.read_text())
    assert res.stdout.strip() == {p["name"]: p["version"] for p in locked["packages"]}["requests"]


def test_several_platforms_in_one_conda_lock_file(
    tmp_path: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Per-platform entries that conda-lock reads; export cuts one platform out."""
    lockfile = pytest.importorskip("conda_lock.lockfile")
    both = ("--platform", "linux-64", "--platform", "osx-arm64")
    args = ("pandas", "fast; sys_platform == 'linux'", *both)
    code, _ = _lock(tmp_path, links, capsys, *args, "--format", "conda-lock", out="conda-lock.yml")
    assert code == 0
    parsed = lockfile.parse_conda_lock_file(tmp_path / "conda-lock.yml")
    rows = sorted((p.platform, p.name, p.version) for p in parsed.package)
    assert rows == [
        ("linux-64", "fast", "0.3"),
        ("linux-64", "numpy", "1.26.4"),
        ("linux-64", "pandas", "2.2.3"),
        ("osx-arm64", "numpy", "1.26.4"),
        ("osx-arm64", "pandas", "2.2.3"),
    ]
    urls = {(p.platform, p.name): p.url for p in parsed.package}
    assert urls[("linux-64", "numpy")].endswith("manylinux2014_x86_64.whl")
    assert urls[("osx-arm64", "numpy")].endswith("macosx_11_0_arm64.whl")
    assert _lock(tmp_path, links, capsys, *args, out="lock.json")[0] == 0
    mac = tmp_path / "mac.txt"
    argv = ["export", str(tmp_path / "lock.json"), "--format", "requirements"]
    assert main([*argv, "--platform", "osx-arm64", "-o", str(mac)]) == 0
    text = mac.read_text()
    assert "# compatlib lock for osx-arm64 (Python 3.11)" in text
    assert "fast==" not in text
    assert "numpy==1.26.4" in text
