"""Locks made beyond compatlib's data say so: a driver newer than the data (its
CUDA taken as the newest known or newer), and a framework release the data lacks
(its CUDA needs derived from its wheel's own pins)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.lock.build import LockRequest, build_lock, check_fresh  # noqa: E402
from compatlib.stack.knowledge import as_of, cuda_releases  # noqa: E402

NEWEST = cuda_releases()[-1].major_minor
BEYOND = "driver=620.10,gpu=H200"
MANYLINUX = "py3-none-manylinux_2_28_x86_64"


def _request(links: Path, tmp_path: Path, system: str, *requirements: str) -> LockRequest:
    return LockRequest(
        requirements=requirements,
        find_links=(str(links),),
        no_index=True,
        offline=True,
        cache_dir=str(tmp_path / "cache"),
        python="3.12",
        platforms=("linux-64",),
        system=system,
    )


@pytest.fixture
def runtime(tmp_path: Path) -> Path:
    """A CUDA runtime of a CUDA major newer than the data (14.0)."""
    links = tmp_path / "links"
    build_wheel(links, "app", "1.0", requires=["nvidia-cuda-runtime>=14"])
    build_wheel(links, "nvidia-cuda-runtime", "14.0.50", MANYLINUX)
    return links


def test_a_driver_beyond_the_data_is_said_in_the_lock(runtime: Path, tmp_path: Path) -> None:
    request = _request(runtime, tmp_path, BEYOND, "app")
    lock = build_lock(request)
    assert lock.system_requirements["linux-64"]["cuda"] == ">=14.0"
    (warning,) = lock.metadata["warnings"]
    assert warning.startswith(
        f"linux-64: the target's driver 620.10 supports CUDA {NEWEST} or newer "
        f"(beyond compatlib's data as of {as_of()}); a need for a CUDA newer than the data "
        "knows was taken as met"
    )
    assert "cuda= in the system" in warning
    assert check_fresh(request, lock).fresh  # a warning is a finding, not an input


def test_a_driver_the_data_covers_gets_no_warning(runtime: Path, tmp_path: Path) -> None:
    lock = build_lock(_request(runtime, tmp_path, BEYOND + ",cuda=14.0", "app"))
    assert "warnings" not in lock.metadata
