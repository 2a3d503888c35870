"""An environment.yml whose only conda dependencies are python (and pip) keeps
its conda part: that Python is locked from the file's channels, and the
renderings carry it (conda-lock.yml, the explicit file, environment.yml)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

for _builders in ("pypi", "conda"):
    _folder = str(Path(__file__).resolve().parents[1] / "sources" / _builders)
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from conda_builders import conda_record, write_channel  # noqa: E402
from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402
from compatlib.lock.build import LockRequest, build_lock  # noqa: E402
from compatlib.lock.render import render  # noqa: E402


def _channel(root: Path) -> Path:
    """A local conda channel with python 3.9 and 3.11 (and libz) and pip."""

    def rec(
        name: str, version: str, build: str, depends: list[str], **kw: str
    ) -> dict[str, object]:
        return conda_record(name, version, build, depends, md5="7" * 32, sha256="8" * 64, **kw)

    records = [
        rec("python", "3.9.19", "h0", ["libz >=1.2"]),
        rec("python", "3.11.8", "h0", ["libz >=1.2"]),
        rec("libz", "1.3", "h1", []),
        rec("pip", "24.2", "pyh0", ["python >=3.8"], subdir="noarch"),
    ]
    return write_channel(root, records)


@pytest.fixture
def channel(tmp_path: Path) -> Path:
    return _channel(tmp_path / "chan")


def _request(env: Path, tmp_path: Path) -> LockRequest:
    return LockRequest(
        spec_files=(str(env),),
        platforms=("linux-64",),
        offline=True,
        cache_dir=str(tmp_path / "c"),
    )


def test_python_and_pip_with_a_pip_section(tmp_path: Path, channel: Path) -> None:
    links = tmp_path / "links"
    build_wheel(links, "web", "1.0")
    env = tmp_path / "environment.yml"
    env.write_text(
        f"name: t\nchannels: [{channel}]\ndependencies:\n  - python=3.11\n  - pip\n"
        f"  - pip:\n      - --find-links {links}\n      - web\n"
    )
    lock = build_lock(_request(env, tmp_path))
    assert sorted((p.manager, p.name, p.version) for p in lock.packages) == [
        ("conda", "libz", "1.3"),
        ("conda", "pip", "24.2"),
        ("conda", "python", "3.11.8"),
        ("pip", "web", "1.0"),
    ]
    assert lock.metadata["channels"] == [str(channel)]
    conda_lock = yaml.safe_load(render(lock, "conda-lock"))
    assert [c["url"] for c in conda_lock["metadata"]["channels"]] == [str(channel)]
    assert ("python", "conda") in {(p["name"], p["manager"]) for p in conda_lock["package"]}
    explicit = render(lock, "explicit")
    assert any(
        line.endswith("python-3.11.8-h0.conda#" + "7" * 32) for line in explicit.splitlines()
    )
    environment = yaml.safe_load(render(lock, "environment"))
    assert environment["channels"] == [str(channel), "nodefaults"]
    assert "python=3.11.8=h0" in environment["dependencies"]


def test_python_alone_is_something_to_lock(
    tmp_path: Path, channel: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(f"name: t\nchannels: [{channel}]\ndependencies:\n  - python=3.9\n")
    out = tmp_path / "lock.json"
    argv = ["lock", "-f", str(env), "--platform", "linux-64", "--offline"]
    assert main([*argv, "--cache-dir", str(tmp_path / "c"), "-o", str(out)]) == 0
    packages = json.loads(out.read_text())["packages"]
    assert sorted((p["name"], p["version"]) for p in packages) == [
        ("libz", "1.3"),
        ("python", "3.9.19"),
    ]
    # without channels, python says only which interpreter: there is nothing to lock
    bare = tmp_path / "bare.yml"
    bare.write_text("name: t\ndependencies:\n  - python=3.9\n")
    assert main(["lock", "-f", str(bare), "--platform", "linux-64", "--offline"]) == 2
    assert "nothing to lock" in capsys.readouterr().err
