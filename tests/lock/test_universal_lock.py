"""``lock_pip(universal=True)``: every Python of a range, per platform, in one lock,
checked against a per-target lock for each (platform, Python) through the
installer's side: ``packaging.pylock``'s ``select()``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from packaging.pylock import Pylock  # noqa: E402
from packaging.tags import Tag  # noqa: E402
from pypi_builders import build_wheel  # noqa: E402

from compatlib.adapters.check import EnvironmentFacts, check_environment  # noqa: E402
from compatlib.cli import main  # noqa: E402
from compatlib.errors import InputError  # noqa: E402
from compatlib.lock.pip import lock_pip  # noqa: E402
from compatlib.lock.render import render  # noqa: E402
from compatlib.sources.pypi.shared import SharedSources  # noqa: E402
from compatlib.values.tags import target_tags  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PLATFORMS = ("linux-64", "osx-arm64")
PYTHONS = ("3.10", "3.11", "3.12")


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(
        folder,
        "app",
        "1.0",
        requires=[
            "lib>=2; python_version >= '3.11'",
            "lib<2; python_version < '3.11'",
            "native; sys_platform == 'linux'",
        ],
    )
    build_wheel(folder, "lib", "1.0")
    build_wheel(folder, "lib", "2.0", requires=["leaf; python_version >= '3.12'"])
    build_wheel(folder, "leaf", "0.1")
    for py in ("310", "311", "312"):  # one file per Python: the same version, other wheels
        build_wheel(folder, "native", "1.0", f"cp{py}-cp{py}-manylinux_2_17_x86_64")
    return folder


def _lock(links: Path, tmp_path: Path, **kw: object) -> object:
    return lock_pip(
        ["app"],
        find_links=[str(links)],
        cache_dir=tmp_path / "c",
        offline=True,
        **kw,  # type: ignore[arg-type]
    )


def test_universal_lock_equals_each_per_target_lock(links: Path, tmp_path: Path) -> None:
    targets = [Target(python="3.10", platform=p, glibc="2.28") for p in PLATFORMS]
    # native has wheels up to CPython 3.12 only: the lock covers 3.10 to 3.12
    lock = _lock(links, tmp_path, target=targets, universal=True, requires_python=">=3.10,<3.13")
    assert lock.metadata["universal"] == ">=3.10,<3.13"  # type: ignore[attr-defined]
    pylock = Pylock.from_dict(tomllib.loads(render(lock, "pylock")))  # type: ignore[arg-type]
    pylock.validate()
    for platform in PLATFORMS:
        for python in PYTHONS:
            one = Target(python=python, platform=platform, glibc="2.28")
            direct = _lock(links, tmp_path, target=one)
            expected = {(p.name, p.version, p.filename) for p in direct.packages}  # type: ignore[attr-defined]
            env = one.marker_environment()
            tags = [Tag(t.interpreter, t.abi, t.platform) for t in target_tags(one)]
            got = {
                (str(pkg.name), str(pkg.version), dist.name)
                for pkg, dist in pylock.select(environment=env, tags=tags)  # type: ignore[arg-type]
            }
            assert got == expected, (platform, python)


def test_universal_lock_reads_each_source_once(links: Path, tmp_path: Path) -> None:
    shared = SharedSources()
    targets = [Target(python="3.10", platform=p, glibc="2.28") for p in PLATFORMS]
    lock = _lock(
        links,
        tmp_path,
        target=targets,
        universal=True,
        requires_python=">=3.10,<3.13",
        sources=shared,
    )
    # 2 platforms x 3 Python classes, one folder scan and one read per file
    assert {p.platform for p in lock.packages} == set(PLATFORMS)  # type: ignore[attr-defined]
    assert shared.folder_scans == 1
    assert shared.metadata_reads == len(list(links.iterdir()))  # every file is read, once


def test_universal_lock_in_other_formats_and_check(links: Path, tmp_path: Path) -> None:
    lock = _lock(
        links,
        tmp_path,
        target=Target(python="3.10", platform="linux-64", glibc="2.28"),
        universal=True,
        requires_python=">=3.10,<3.13",
    )
    marked = {(p.name, p.version): p.marker for p in lock.packages}  # type: ignore[attr-defined]
    assert marked[("lib", "1.0")] == 'python_full_version < "3.11.0"'
    assert marked[("lib", "2.0")] == 'python_full_version >= "3.11.0"'
    assert marked[("leaf", "0.1")] == 'python_full_version >= "3.12.0"'
    assert marked[("app", "1.0")] is None
    requirements = render(lock, "requirements")  # type: ignore[arg-type]
    assert 'lib==1.0 ; python_full_version < "3.11.0"' in requirements
    with pytest.raises(InputError, match="depend on the Python version"):
        render(lock, "conda-lock")  # type: ignore[arg-type]
    facts = EnvironmentFacts(
        python="3.11.4",
        implementation="cpython",
        sys_platform="linux",
        machine="x86_64",
        distributions=(("app", "1.0", ()), ("lib", "2.0", ()), ("native", "1.0", ())),
    )
    report = check_environment(lock, facts, check_system=False)  # type: ignore[arg-type]
    assert report.ok, report.text
    old = EnvironmentFacts(
        **{
            **{
                k: getattr(facts, k)
                for k in ("implementation", "sys_platform", "machine", "distributions")
            },
            "python": "3.9.1",
        }
    )
    assert not check_environment(lock, old, check_system=False).ok  # type: ignore[arg-type]


def test_cli_universal(links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["lock", "app", "--find-links", str(links), "--offline", "--cache-dir", str(tmp_path)]
    universal = ["--universal", "--requires-python", ">=3.10,<3.13", "--format", "pylock"]
    assert main([*base, *universal]) == 0
    assert 'marker = "python_full_version < \\"3.11.0\\""' in capsys.readouterr().out
    # without a bound, Python 3.13 is covered too, and native has no file for it
    assert main([*base, "--python", "3.10", "--universal"]) == 1
    assert "none for Python 3.13" in capsys.readouterr().err
    assert main([*base, "--requires-python", ">=3.10"]) == 2


def test_rendered_markers_are_merged(tmp_path: Path) -> None:
    """A pin every platform and Python takes has no marker, even when each of
    them takes another file; Python ranges merge, and platform terms appear
    only where the platforms differ."""
    folder = tmp_path / "wheels"
    build_wheel(
        folder,
        "app",
        "1.0",
        requires=[
            "ext",
            "lib>=2; python_version >= '3.11'",
            "lib<2; python_version < '3.11'",
            "mac-only; sys_platform == 'darwin' and python_version >= '3.12'",
        ],
    )
    build_wheel(folder, "lib", "1.0")
    build_wheel(folder, "lib", "2.0")
    build_wheel(folder, "mac-only", "1.0")
    for py in ("310", "311", "312"):
        for plat in ("manylinux_2_17_x86_64", "macosx_11_0_arm64", "win_amd64"):
            build_wheel(folder, "ext", "1.0", f"cp{py}-cp{py}-{plat}")
    targets = [
        Target(python="3.10", platform=p, glibc="2.28") for p in ("linux-64", "osx-arm64", "win-64")
    ]
    lock = lock_pip(
        ["app"],
        find_links=[str(folder)],
        cache_dir=tmp_path / "c",
        offline=True,
        target=targets,
        universal=True,
        requires_python=">=3.10,<3.13",
    )
    lines = {
        line.split(" ")[0]: line.partition(" ; ")[2].rstrip(" \\")
        for line in render(lock, "requirements").splitlines()  # type: ignore[arg-type]
        if "==" in line
    }
    assert lines["ext==1.0"] == ""  # 9 files, one per platform and Python: everywhere
    assert lines["app==1.0"] == ""
    assert lines["lib==1.0"] == 'python_full_version < "3.11.0"'
    assert lines["lib==2.0"] == 'python_full_version >= "3.11.0"'
    assert lines["mac-only==1.0"] == (
        'sys_platform == "darwin" and platform_machine == "arm64" '
        'and python_full_version >= "3.12.0"'
    )
    pylock = Pylock.from_dict(tomllib.loads(render(lock, "pylock")))  # type: ignore[arg-type]
    pylock.validate()
    for platform in ("linux-64", "osx-arm64", "win-64"):
        for python in PYTHONS:
            one = Target(python=python, platform=platform, glibc="2.28")
            env = one.marker_environment()
            tags = [Tag(t.interpreter, t.abi, t.platform) for t in target_tags(one)]
            got = {str(pkg.name) for pkg, _ in pylock.select(environment=env, tags=tags)}  # type: ignore[arg-type]
            want = {"app", "ext", "lib"} | (
                {"mac-only"} if (platform, python) == ("osx-arm64", "3.12") else set()
            )
            assert got == want, (platform, python)
