"""Minimal updates: the pins of the previous lock stay unless the inputs force a
change, ``upgrade`` and ``upgrade_packages`` free them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.errors import InputError  # noqa: E402
from compatlib.lock.build import LockRequest, build_lock, check_fresh  # noqa: E402
from compatlib.lock.diff import diff_locks  # noqa: E402
from compatlib.lock.model import Lock  # noqa: E402
from compatlib.lock.pip import lock_pip  # noqa: E402
from compatlib.lock.read import parse_lock  # noqa: E402
from compatlib.lock.render import render  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

LINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = "cp311-cp311-macosx_11_0_arm64"


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(folder, "numpy", "1.26.4", LINUX)
    build_wheel(folder, "numpy", "1.26.4", MAC)
    build_wheel(folder, "pandas", "2.2.3", requires=["numpy>=1.23"])
    return folder


def _request(links: Path, tmp_path: Path, *requirements: str, **changes: object) -> LockRequest:
    fields: dict[str, object] = {
        "requirements": requirements,
        "find_links": (str(links),),
        "offline": True,
        "cache_dir": str(tmp_path / "cache"),
        "python": "3.11",
        "platforms": ("linux-64",),
    }
    fields.update(changes)
    return LockRequest(**fields)  # type: ignore[arg-type]


def _versions(lock: Lock) -> dict[str, str]:
    return {p.name: p.version for p in lock.packages}


def _publish_numpy_2(links: Path) -> None:
    for version in ("2.0.2", "2.1.3"):
        build_wheel(links, "numpy", version, LINUX)
        build_wheel(links, "numpy", version, MAC)
    build_wheel(links, "requests", "2.32.3", requires=["idna"])
    build_wheel(links, "idna", "3.10")


def test_numpy_stays_when_an_unrelated_package_is_added(links: Path, tmp_path: Path) -> None:
    """The issue's case: a new numpy is out; adding requests must not move numpy."""
    first = build_lock(_request(links, tmp_path, "pandas"))
    assert _versions(first) == {"numpy": "1.26.4", "pandas": "2.2.3"}
    _publish_numpy_2(links)
    scratch = build_lock(_request(links, tmp_path, "pandas", "requests"))
    assert _versions(scratch)["numpy"] == "2.1.3"  # from scratch, numpy jumps
    minimal = build_lock(_request(links, tmp_path, "pandas", "requests", previous=first))
    assert _versions(minimal)["numpy"] == "1.26.4"
    diff = diff_locks(first, minimal)
    assert [(c.kind, c.name) for c in diff.changes] == [("added", "idna"), ("added", "requests")]
    # the previous lock is not an input: same inputs, same hash, fresh either way
    assert minimal.metadata == scratch.metadata
    assert check_fresh(_request(links, tmp_path, "pandas", "requests"), minimal).fresh


def test_upgrade_and_upgrade_package(links: Path, tmp_path: Path) -> None:
    first = build_lock(_request(links, tmp_path, "pandas"))
    _publish_numpy_2(links)
    again = _request(links, tmp_path, "pandas", previous=first)
    assert _versions(build_lock(again))["numpy"] == "1.26.4"
    everything = build_lock(_request(links, tmp_path, "pandas", previous=first, upgrade=True))
    assert _versions(everything)["numpy"] == "2.1.3"
    one = build_lock(
        _request(links, tmp_path, "pandas", previous=first, upgrade_packages=("NumPy",))
    )
    assert _versions(one) == {"numpy": "2.1.3", "pandas": "2.2.3"}
    ranged = _request(links, tmp_path, "pandas", previous=first, upgrade_packages=("numpy<2.1",))
    lock = build_lock(ranged)
    assert _versions(lock)["numpy"] == "2.0.2"
    # the range held for that run only: the next run keeps 2.0.2, and the lock is fresh
    assert lock.metadata["constraints"] == []
    later = build_lock(_request(links, tmp_path, "pandas", previous=lock))
    assert _versions(later)["numpy"] == "2.0.2"
    assert check_fresh(_request(links, tmp_path, "pandas"), later).fresh


def test_a_pin_that_no_longer_fits_moves(links: Path, tmp_path: Path) -> None:
    first = build_lock(_request(links, tmp_path, "pandas"))
    _publish_numpy_2(links)
    lock = build_lock(_request(links, tmp_path, "pandas", "numpy>=2,<2.1", previous=first))
    assert _versions(lock)["numpy"] == "2.0.2"


@pytest.mark.parametrize("fmt", ["json", "requirements", "pylock", "conda-lock", "environment"])
def test_previous_pins_from_any_format(links: Path, tmp_path: Path, fmt: str) -> None:
    first = build_lock(_request(links, tmp_path, "pandas"))
    previous = parse_lock(render(first, fmt), source=fmt)
    _publish_numpy_2(links)
    lock = build_lock(_request(links, tmp_path, "pandas", "requests", previous=previous))
    assert _versions(lock)["numpy"] == "1.26.4"


def test_each_platform_keeps_its_own_pins(links: Path, tmp_path: Path) -> None:
    both = ("linux-64", "osx-arm64")
    first = build_lock(_request(links, tmp_path, "pandas", platforms=both))
    _publish_numpy_2(links)
    # only the linux pin is kept: osx-arm64 is free to move
    linux_only = Lock.of([p for p in first.packages if p.platform == "linux-64"])
    lock = build_lock(_request(links, tmp_path, "pandas", platforms=both, previous=linux_only))
    numpy = {p.platform: p.version for p in lock.packages if p.name == "numpy"}
    assert numpy == {"linux-64": "1.26.4", "osx-arm64": "2.1.3"}


def test_lock_pip_previous_and_prefer(links: Path, tmp_path: Path) -> None:
    target = Target(python="3.11", platform="linux-64")
    first = lock_pip(["pandas"], target=target, find_links=[str(links)], offline=True)
    _publish_numpy_2(links)
    kept = lock_pip(["pandas"], target=target, find_links=[str(links)], previous=first)
    assert _versions(kept)["numpy"] == "1.26.4"
    chosen = lock_pip(
        ["pandas"],
        target=target,
        find_links=[str(links)],
        previous=first,
        prefer={"numpy": "2.0.2"},  # prefer wins over the previous lock
    )
    assert _versions(chosen)["numpy"] == "2.0.2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"upgrade": True, "upgrade_packages": ("numpy",)}, "--upgrade frees every package"),
        ({"upgrade_packages": ("numpy[extra]",)}, "invalid --upgrade-package"),
        ({"upgrade_packages": ("numpy; python_version<'3'",)}, "invalid --upgrade-package"),
        ({"upgrade_packages": ("==1",)}, "invalid --upgrade-package"),
    ],
)
def test_bad_upgrade_options(
    links: Path, tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    first = build_lock(_request(links, tmp_path, "pandas"))
    with pytest.raises(InputError, match=message):
        build_lock(_request(links, tmp_path, "pandas", previous=first, **changes))
