"""Minimal updates of conda locks: an earlier lock's conda pins are tried first,
so adding a package or loosening a pin moves nothing else; --upgrade frees them."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

_BUILDERS = str(Path(__file__).resolve().parents[1] / "sources" / "conda")
if _BUILDERS not in sys.path:
    sys.path.insert(0, _BUILDERS)

from conda_builders import conda_record, write_channel  # noqa: E402

from compatlib.lock.build import LockRequest, build_lock  # noqa: E402
from compatlib.lock.model import Lock  # noqa: E402


def _channel(root: Path) -> Path:
    def rec(name: str, version: str, depends: Sequence[str] = ()) -> dict[str, object]:
        return conda_record(name, version, depends=depends, md5="7" * 32, sha256="8" * 64)

    records = [
        rec("python", "3.11.8"),
        rec("numpy", "1.26.4", ["python >=3.11"]),
        rec("numpy", "2.2.6", ["python >=3.11"]),
        rec("six", "1.16.0"),
        rec("six", "1.17.0"),
    ]
    return write_channel(root, records, subdirs=())


def _lock(tmp_path: Path, deps: list[str], previous: Lock | None = None, **kw: object) -> Lock:
    channel = _channel(tmp_path / "chan") if not (tmp_path / "chan").exists() else tmp_path / "chan"
    env = tmp_path / "environment.yml"
    env.write_text(f"channels: [{channel}]\ndependencies: [{', '.join(deps)}]\n")
    request = LockRequest(
        spec_files=(str(env),),
        platforms=("linux-64",),
        offline=True,
        cache_dir=str(tmp_path / "cache"),
        previous=previous,
        **kw,  # type: ignore[arg-type]
    )
    return build_lock(request)


def _versions(lock: Lock) -> dict[str, str]:
    return {p.name: p.version for p in lock.packages}


def test_conda_pins_are_kept_when_a_package_is_added(tmp_path: Path) -> None:
    first = _lock(tmp_path, ["python=3.11", "numpy<2"])
    assert _versions(first)["numpy"] == "1.26.4"
    # numpy's pin is loosened and six added: numpy stays, six comes in at its newest
    again = _lock(tmp_path, ["python=3.11", "numpy", "six"], previous=first)
    assert _versions(again) == {"numpy": "1.26.4", "python": "3.11.8", "six": "1.17.0"}
    fresh = _lock(tmp_path, ["python=3.11", "numpy", "six"])
    assert _versions(fresh)["numpy"] == "2.2.6"


def test_upgrade_frees_conda_pins(tmp_path: Path) -> None:
    first = _lock(tmp_path, ["python=3.11", "numpy<2", "six<1.17"])
    assert _versions(first)["six"] == "1.16.0"
    kept = _lock(tmp_path, ["python=3.11", "numpy", "six"], previous=first)
    assert _versions(kept)["six"] == "1.16.0"
    one = _lock(
        tmp_path, ["python=3.11", "numpy", "six"], previous=first, upgrade_packages=("six",)
    )
    assert _versions(one) == {"numpy": "1.26.4", "python": "3.11.8", "six": "1.17.0"}
    every = _lock(tmp_path, ["python=3.11", "numpy", "six"], previous=first, upgrade=True)
    assert _versions(every)["numpy"] == "2.2.6"
