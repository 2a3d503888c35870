"""Lock renderings: requirements.txt (pip hash-checking mode) and PEP 751 pylock.toml.

Checked with the readers of the other side: our requirements reader (which
follows pip's syntax) and ``packaging.pylock``, whose ``select()`` plays the
installer for each platform.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.pylock import Pylock
from packaging.tags import Tag

from compatlib.errors import InputError
from compatlib.lock.model import Lock, LockedPackage
from compatlib.lock.render import platform_marker, render, render_pylock, render_requirements
from compatlib.specs import read_requirements
from compatlib.values.tags import target_tags
from compatlib.values.target import Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BASE = "https://files.pythonhosted.org/packages/xx/"


def _pkg(name: str, version: str, platform: str, filename: str, digest: str) -> LockedPackage:
    return LockedPackage(
        name=name,
        version=version,
        manager="pip",
        platform=platform,
        url=BASE + filename,
        hashes=(("sha256", digest * 64),),
        filename=filename,
    )


def _lock() -> Lock:
    packages = [
        _pkg("pure", "1.0", "linux-64", "pure-1.0-py3-none-any.whl", "a"),
        _pkg("pure", "1.0", "osx-arm64", "pure-1.0-py3-none-any.whl", "a"),
        _pkg("native", "2.0", "linux-64", "native-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", "b"),
        _pkg("native", "1.9", "osx-arm64", "native-1.9-cp311-cp311-macosx_11_0_arm64.whl", "c"),
        _pkg("src", "0.5", "osx-arm64", "src-0.5.tar.gz", "d"),
    ]
    targets = [
        {"platform": "linux-64", "python": "3.11", "implementation": "cpython"},
        {"platform": "osx-arm64", "python": "3.11", "implementation": "cpython"},
    ]
    metadata = {"indexes": [], "find_links": [], "targets": targets, "inputs_sha256": "f" * 64}
    return Lock.of(packages, metadata=metadata)


def test_platform_markers() -> None:
    assert platform_marker("linux-64") == 'sys_platform == "linux" and platform_machine == "x86_64"'
    assert platform_marker("win-64") == 'sys_platform == "win32" and platform_machine == "AMD64"'
    with pytest.raises(InputError, match="unknown platform"):
        platform_marker("plan9-64")


def test_requirements_read_back_with_markers_and_hashes(tmp_path: Path) -> None:
    text = render_requirements(_lock())
    assert render_requirements(_lock()) == text  # same lock, same bytes
    assert "--index-url https://pypi.org/simple" in text  # PyPI's files, no index recorded
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    spec = read_requirements(path)
    got = {
        (item.name, str(item.requirement.specifier), str(item.requirement.marker or "")): [
            str(h) for h in item.hashes
        ]
        for item in spec.pip
        if item.requirement is not None
    }
    linux = platform_marker("linux-64")
    mac = platform_marker("osx-arm64")
    assert got == {
        ("pure", "==1.0", ""): ["sha256:" + "a" * 64],
        ("native", "==2.0", linux): ["sha256:" + "b" * 64],
        ("native", "==1.9", mac): ["sha256:" + "c" * 64],
        ("src", "==0.5", mac): ["sha256:" + "d" * 64],
    }


def _tags(platform: str) -> list[Tag]:
    target = Target(python="3.11", platform=platform)
    return [Tag(t.interpreter, t.abi, t.platform) for t in target_tags(target)]


@pytest.mark.parametrize("platform", ["linux-64", "osx-arm64"])
def test_pylock_is_valid_and_selects_each_platforms_files(platform: str) -> None:
    lock = _lock()
    text = render_pylock(lock)
    pylock = Pylock.from_dict(tomllib.loads(text))
    pylock.validate()
    assert str(pylock.lock_version) == "1.0"
    assert str(pylock.requires_python) == "==3.11.*"
    env = Target(python="3.11", platform=platform).marker_environment()
    chosen = {
        (str(pkg.name), str(pkg.version), dist.name)
        for pkg, dist in pylock.select(environment=env, tags=_tags(platform))  # type: ignore[arg-type]
    }
    expected = {(p.name, p.version, p.filename) for p in lock.for_platform(platform)}
    assert chosen == expected


def test_formats_refuse_what_they_cannot_hold() -> None:
    conda = LockedPackage(name="python", version="3.11.9", manager="conda", platform="linux-64")
    mixed = Lock.of([*_lock().packages, conda])
    for fmt in ("requirements", "pylock"):
        with pytest.raises(InputError, match="pip packages only"):
            render(mixed, fmt)
    unhashed = Lock.of(
        [LockedPackage(name="x", version="1", manager="pip", platform="linux-64", url="u")]
    )
    with pytest.raises(InputError, match="no hash"):
        render_requirements(unhashed)
    with pytest.raises(InputError, match="no hash"):
        render_pylock(unhashed)
    with pytest.raises(InputError, match="unknown lock format"):
        render(_lock(), "yaml")


def test_find_links_and_indexes_become_options() -> None:
    lock = Lock.of(
        [_pkg("pure", "1.0", "linux-64", "pure-1.0-py3-none-any.whl", "a")],
        metadata={
            "indexes": ["https://example.org/simple", "https://mirror.example/simple"],
            "find_links": ["file:///srv/wheels"],
            "targets": [{"platform": "linux-64", "python": "3.11"}],
        },
    )
    lines = render_requirements(lock).splitlines()
    assert "--index-url https://example.org/simple" in lines
    assert "--extra-index-url https://mirror.example/simple" in lines
    assert "--find-links file:///srv/wheels" in lines
    plain = Lock.of(lock.packages, metadata={**lock.metadata, "find_links": ["/srv/my wheels"]})
    assert "--find-links file:///srv/my%20wheels" in render_requirements(plain).splitlines()
    assert "--no-index" not in lines


def test_paths_with_spaces_and_environment_sources(tmp_path: Path) -> None:
    folder = tmp_path / "my wheels #1"
    lock = Lock.of(
        [_pkg("pure", "1.0", "linux-64", "pure-1.0-py3-none-any.whl", "a")],
        metadata={
            "indexes": ["https://download.example/whl/cu121"],
            "find_links": [str(folder)],  # a path, as given on the command line
            "targets": [{"platform": "linux-64", "python": "3.11"}],
        },
    )
    req = tmp_path / "requirements.txt"
    req.write_text(render_requirements(lock))
    spec = read_requirements(req)  # pip's option syntax: the URL survives whole
    assert [f.value for f in spec.indexes.find_links] == [folder.as_uri()]
    assert spec.indexes.index_url is not None
    assert spec.indexes.index_url.value == "https://download.example/whl/cu121"
    env = render(lock, "environment")
    assert "--index-url https://download.example/whl/cu121" in env
    assert f"--find-links {folder.as_uri()}" in env
