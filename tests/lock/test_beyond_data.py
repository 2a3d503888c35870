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
from compatlib.solver.errors import UnsatisfiableError  # noqa: E402
from compatlib.solver.render import render_text  # noqa: E402
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


# -- a framework release the data lacks ---------------------------------------------------

TORCH_WHEEL = "cp312-cp312-manylinux_2_28_x86_64"
ON_LINUX = '; platform_system == "Linux"'


@pytest.fixture
def new_torch(tmp_path: Path) -> Path:
    """torch releases newer than the data: 2.99.0 pins the CUDA 13.2 toolkit and
    nvidia-*-cu13 libraries, 2.98.0 only nvidia-*-cu13 libraries."""
    links = tmp_path / "links"
    cu13 = ["nvidia-cudnn-cu13==9.26.0.51" + ON_LINUX, "nvidia-nccl-cu13==2.30.7" + ON_LINUX]
    build_wheel(
        links,
        "torch",
        "2.99.0",
        TORCH_WHEEL,
        requires=["filelock", "cuda-toolkit[cudart]==13.2.2" + ON_LINUX, *cu13],
    )
    build_wheel(links, "torch", "2.98.0", TORCH_WHEEL, requires=["filelock", *cu13])
    build_wheel(links, "filelock", "3.0")
    build_wheel(links, "cuda-toolkit", "13.2.2", extras=["cudart"])
    build_wheel(links, "nvidia-cudnn-cu13", "9.26.0.51", MANYLINUX)
    build_wheel(links, "nvidia-nccl-cu13", "2.30.7", MANYLINUX)
    return links


def test_a_derived_release_on_an_old_driver_is_unsatisfiable(
    new_torch: Path, tmp_path: Path
) -> None:
    request = _request(new_torch, tmp_path, "driver=535.104.05,gpu=H200", "torch==2.99.0")
    with pytest.raises(UnsatisfiableError) as info:
        build_lock(request)
    text = render_text(info.value.explanation)
    assert (
        "torch 2.99.0 needs an NVIDIA driver >=580.65.06 for its CUDA 13.2 build (derived "
        "from its wheel's pins: cuda-toolkit==13.2.2; torch 2.99.0 is newer than "
        f"compatlib's data, as of {as_of()})"
    ) in text
    assert "the target's NVIDIA driver is 535.104.05" in text


def test_a_derived_release_on_a_new_driver_carries_the_note(
    new_torch: Path, tmp_path: Path
) -> None:
    request = _request(new_torch, tmp_path, "driver=580.65.06,gpu=H200", "torch==2.99.0")
    lock = build_lock(request)
    assert lock.system_requirements["linux-64"]["nvidia_driver"] == ">=580.65.06"
    assert lock.metadata["warnings"] == [
        f"linux-64: torch 2.99.0 is newer than compatlib's data (as of {as_of()}); its record "
        "is derived from its wheel's pins: CUDA 13.2 (from cuda-toolkit==13.2.2), which needs "
        "an NVIDIA driver >=580.65.06; the GPUs it has code for are unknown"
    ]
    assert check_fresh(request, lock).fresh


def test_only_cu13_pins_give_the_cuda_major(new_torch: Path, tmp_path: Path) -> None:
    lock = build_lock(_request(new_torch, tmp_path, "driver=580.65.06", "torch==2.98.0"))
    assert lock.system_requirements["linux-64"]["nvidia_driver"] == ">=580.65.06"
    (note,) = lock.metadata["warnings"]
    assert "its record is derived from its wheel's pins: CUDA 13.x (from nvidia-" in note
    with pytest.raises(UnsatisfiableError, match="derived from its wheel's pins: nvidia-"):
        build_lock(_request(new_torch, tmp_path, "driver=470.82.01", "torch==2.98.0"))


def test_a_derived_release_beyond_the_data_on_a_driver_beyond_it(
    new_torch: Path, tmp_path: Path
) -> None:
    lock = build_lock(_request(new_torch, tmp_path, BEYOND, "torch==2.99.0"))
    first, second = lock.metadata["warnings"]
    assert "driver 620.10 supports CUDA" in first
    assert second.startswith("linux-64: torch 2.99.0 is newer than compatlib's data")


def test_a_release_the_data_has_is_not_derived(tmp_path: Path) -> None:
    links = tmp_path / "links"
    # 2.3.1 is in the data (cu121 by default): its record, not its pins, decides
    build_wheel(
        links, "torch", "2.3.1", TORCH_WHEEL, requires=["nvidia-nccl-cu13==2.30.7" + ON_LINUX]
    )
    build_wheel(links, "nvidia-nccl-cu13", "2.30.7", MANYLINUX)
    lock = build_lock(_request(links, tmp_path, "driver=580.65.06", "torch==2.3.1"))
    assert "warnings" not in lock.metadata


def test_check_on_the_machine_the_lock_was_made_for(runtime: Path, tmp_path: Path) -> None:
    """`compatlib check` does not refuse the lock on the driver it was made for: a
    CUDA floor above the data is unknown there (a warning), not unmet."""
    from compatlib.adapters.check import EnvironmentFacts, check_environment
    from compatlib.stack.profile import parse_system

    lock = build_lock(_request(runtime, tmp_path, "driver=620.10", "app"))
    assert lock.system_requirements["linux-64"] == {"cuda": ">=14.0", "glibc": ">=2.28"}
    installed = tuple((p.name, p.version, ()) for p in lock.packages)
    facts = EnvironmentFacts(
        python="3.12.1",
        implementation="cpython",
        sys_platform="linux",
        machine="x86_64",
        distributions=installed,
        glibc="2.36",
        executable="/venv/bin/python",
    )
    report = check_environment(lock, facts, system=parse_system("driver=620.10"))
    assert report.ok
    (finding,) = [f for f in report.findings if f.subject == "cuda"]
    assert finding.severity == "warning"
    assert "13.3 or newer (beyond compatlib's data)" in finding.message
    old = check_environment(lock, facts, system=parse_system("driver=535.104.05"))
    assert not old.ok


def test_an_old_release_without_cuda_pins_is_said_unchecked(tmp_path: Path) -> None:
    """torch 1.12.1 (older than the data; its Linux wheels carry CUDA inside, so
    no pin says it): the lock says nothing was checked for the GPU, and does not
    call it a CPU-only build."""
    links = tmp_path / "links"
    build_wheel(links, "torch", "1.12.1", TORCH_WHEEL, requires=["filelock"])
    build_wheel(links, "filelock", "3.0")
    lock = build_lock(_request(links, tmp_path, "driver=550.54.15,gpu=K80", "torch==1.12.1"))
    assert lock.metadata["warnings"] == [
        f"linux-64: torch 1.12.1 is not in compatlib's data, as of {as_of()}, and its pins "
        "say nothing of CUDA: whether it runs on this driver and GPU was not checked"
    ]
    # without a GPU, nothing to say
    lock = build_lock(_request(links, tmp_path, "", "torch==1.12.1"))
    assert "warnings" not in lock.metadata
