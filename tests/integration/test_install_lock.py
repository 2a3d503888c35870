"""A JSON lock made by ``compatlib lock`` installs with real pip into a real venv,
every file checked against its locked sha256."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

MIRROR = [Path("/opt/pypi/files"), Path("/opt/pypi-more/files")]

# the locks are installed into a venv of the running interpreter, and the local
# mirror holds wheels for CPython 3.11 only
pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="the local PyPI mirror holds CPython 3.11 wheels"
)


def _venv_with(tmp_path: Path, reqs: Path, *options: str) -> Path:
    """A new venv of this Python with ``reqs`` installed by pip in hash-checking
    mode; its interpreter."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    argv = [str(python), "-m", "pip", "install", "-q", *options, "--require-hashes", "-r"]
    subprocess.run([*argv, str(reqs)], check=True, capture_output=True)
    return python


@pytest.mark.integration
def test_lock_installs_with_pip_and_hashes(tmp_path: Path) -> None:
    folders = [p for p in MIRROR if p.is_dir()]
    if not folders:
        pytest.skip("the local PyPI mirror is not present")
    lock_file = tmp_path / "lock.json"
    args = [sys.executable, "-m", "compatlib.cli", "lock", "requests", "pyyaml", "--offline"]
    for folder in folders:
        args += ["--find-links", str(folder)]
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    args += [
        "--python",
        py,
        "--platform",
        "linux-64",
        "--system",
        "glibc=2.36",
        "-o",
        str(lock_file),
    ]
    subprocess.run(args, check=True, capture_output=True, cwd=tmp_path)
    lock = json.loads(lock_file.read_text(encoding="utf-8"))
    packages = lock["packages"]
    assert {p["name"] for p in packages} >= {"requests", "pyyaml", "urllib3", "idna"}
    # a hash-checking requirements file straight from the lock
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        "".join(
            f"{p['name']} @ {p['url']} --hash=sha256:{p['hashes']['sha256']}\n" for p in packages
        ),
        encoding="utf-8",
    )
    python = _venv_with(tmp_path, reqs, "--no-index", "--no-deps")
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import requests, yaml, importlib.metadata as m; print(m.version('requests'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    locked = next(p["version"] for p in packages if p["name"] == "requests")
    assert out.stdout.strip() == locked
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout


def _lock_as(tmp_path: Path, fmt: str, name: str) -> Path:
    folders = [p for p in MIRROR if p.is_dir()]
    if not folders:
        pytest.skip("the local PyPI mirror is not present")
    out = tmp_path / name
    args = [sys.executable, "-m", "compatlib.cli", "lock", "requests", "pyyaml", "--offline"]
    for folder in folders:
        args += ["--find-links", str(folder)]
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    args += ["--python", py, "--platform", "linux-64", "--system", "glibc=2.36"]
    subprocess.run([*args, "--format", fmt, "-o", str(out)], check=True, capture_output=True)
    return out


def _imports_requests(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-c", "import requests, yaml; print(requests.__version__)"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


@pytest.mark.integration
def test_requirements_rendering_installs_with_pip_require_hashes(tmp_path: Path) -> None:
    reqs = _lock_as(tmp_path, "requirements", "requirements.txt")
    text = reqs.read_text(encoding="utf-8")
    assert "--find-links file:///opt/pypi/files" in text  # absolute file URL: works anywhere
    python = _venv_with(tmp_path, reqs)
    pinned = next(
        line.split("==")[1].split()[0]
        for line in text.splitlines()
        if line.startswith("requests==")
    )
    assert _imports_requests(python) == pinned


@pytest.mark.integration
def test_pylock_rendering_installs_with_uv(tmp_path: Path) -> None:
    import shutil

    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        pytest.skip("uv is not installed")
    pylock = _lock_as(tmp_path, "pylock", "pylock.toml")
    env_dir = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(env_dir)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "VIRTUAL_ENV": str(env_dir), "UV_NO_CONFIG": "1"}
    subprocess.run(
        [uv, "pip", "install", "-q", "--offline", "--no-index", "-r", str(pylock)],
        check=True,
        capture_output=True,
        env=env,
    )
    assert _imports_requests(env_dir / "bin" / "python")


@pytest.mark.integration
def test_check_a_venv_installed_from_the_lock(tmp_path: Path) -> None:
    reqs = _lock_as(tmp_path, "requirements", "requirements.txt")
    lock_json = _lock_as(tmp_path, "json", "lock.json")
    python = _venv_with(tmp_path, reqs)
    check = [sys.executable, "-m", "compatlib.cli", "check", str(lock_json), "--python"]
    ok = subprocess.run([*check, str(python)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr  # glibc checked against this machine
    assert "matches the lock" in ok.stdout
    subprocess.run(
        [str(python), "-m", "pip", "uninstall", "-q", "-y", "idna"], check=True, capture_output=True
    )
    bad = subprocess.run(
        [*check, str(python), "--json"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1
    findings = {(f["check"], f["subject"]) for f in json.loads(bad.stdout)["findings"]}
    assert ("package", "idna") in findings
    assert ("consistency", "requests") in findings


@pytest.mark.integration
def test_requirements_with_direct_references_install_with_pip(tmp_path: Path) -> None:
    """A lock that records no index pip can reach renders one ``name @ url`` per file."""
    from compatlib.lock.model import Lock, read_lock
    from compatlib.lock.render import render_requirements

    lock = read_lock(_lock_as(tmp_path, "json", "lock.json"))
    bare = Lock.of(lock.packages, metadata={**lock.metadata, "find_links": [], "indexes": []})
    text = render_requirements(bare)
    assert "requests @ file:///" in text
    reqs = tmp_path / "direct.txt"
    reqs.write_text(text, encoding="utf-8")
    python = _venv_with(tmp_path, reqs, "--no-index")
    assert _imports_requests(python)
