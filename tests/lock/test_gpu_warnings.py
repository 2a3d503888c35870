"""A GPU target that gets a CPU-only framework build is warned, with the fix."""

from __future__ import annotations

import pytest

from compatlib.lock.build import LockRequest, build_lock, check_fresh, gpu_warnings
from compatlib.lock.model import Lock, LockedPackage
from compatlib.stack.profile import parse_system
from compatlib.values.target import Target


def _snapshot(*requirements: str, system: str | None) -> Lock:
    return build_lock(
        LockRequest(
            requirements=requirements,
            snapshot=True,
            python="3.11",
            platforms=("linux-64",),
            system=system,
        )
    )


def test_snapshot_torch_cpu_on_an_a100() -> None:
    """The shipped snapshot has torch 2.13.0+cpu: a GPU target is told so, and
    which CUDA build of 2.13.0 would run there."""
    lock = _snapshot("torch", system="gpu:A100")
    assert lock.metadata["warnings"] == [
        "linux-64: the target has a GPU (GPU compute capability 8.0) but torch 2.13.0+cpu is "
        "the +cpu build, which runs on the CPU only; for a GPU build require "
        "torch==2.13.0+cu132 (CUDA 13.2) and add --index https://download.pytorch.org/whl/cu132 "
        "with --index-strategy best-match"
    ]
    # a warning is what the lock found, not an input
    request = LockRequest(
        requirements=("torch",),
        snapshot=True,
        python="3.11",
        platforms=("linux-64",),
        system="gpu:A100",
    )
    assert check_fresh(request, lock).fresh


def test_an_old_driver_gets_a_build_it_can_run() -> None:
    lock = _snapshot("torch", system="driver=470.82.01,gpu=V100")
    (warning,) = lock.metadata["warnings"]
    assert "NVIDIA driver 470.82.01" in warning
    assert "require torch==2.7.1+cu118 (CUDA 11.8)" in warning  # 2.13.0 has no CUDA 11 build
    assert "--index https://download.pytorch.org/whl/cu118" in warning


@pytest.mark.parametrize("system", [None, "glibc=2.36", "os=ubuntu22.04"])
def test_no_gpu_no_warning(system: str | None) -> None:
    assert "warnings" not in _snapshot("torch", system=system).metadata


def test_snapshot_jaxlib_without_a_cuda_plugin() -> None:
    lock = _snapshot("jax", "jaxlib", system="driver=550.54.15,gpu=A100")
    (warning,) = lock.metadata["warnings"]
    assert "jaxlib 0.10.2 has no CUDA plugin" in warning
    assert "require jax[cuda12]==0.10.2" in warning


def _pkg(name: str, version: str, platform: str = "linux-64", *deps: str) -> LockedPackage:
    return LockedPackage(
        name=name,
        version=version,
        manager="pip",
        platform=platform,
        dependencies=tuple((d, d) for d in deps),
    )


def _target(system: str, platform: str = "linux-64") -> Target:
    return Target(python="3.11", platform=platform, system=parse_system(system))


def test_torch_without_cuda_libraries() -> None:
    plain = Lock.of([_pkg("torch", "2.5.1", "linux-64", "filelock")])
    (warning,) = gpu_warnings(plain, [_target("gpu=A100,driver=550.54.15")])
    assert "torch 2.5.1 is a build without CUDA libraries among its dependencies" in warning
    assert "require torch==2.5.1+cu124" in warning
    cuda = Lock.of([_pkg("torch", "2.5.1", "linux-64", "nvidia-cublas-cu12")])
    assert gpu_warnings(cuda, [_target("gpu=A100")]) == []
    assert gpu_warnings(Lock.of([_pkg("torch", "2.5.1+cu124")]), [_target("gpu=A100")]) == []
    mac = Lock.of([_pkg("torch", "2.5.1", "osx-arm64")])
    assert gpu_warnings(mac, [_target("gpu=A100", "osx-arm64")]) == []


def test_tensorflow_cpu() -> None:
    lock = Lock.of([_pkg("tensorflow-cpu", "2.17.0")])
    (warning,) = gpu_warnings(lock, [_target("cuda=12.4")])
    assert "CUDA 12.4" in warning
    assert "tensorflow-cpu 2.17.0 is TensorFlow's CPU-only package" in warning
    assert "require tensorflow[and-cuda]==2.17.0 instead" in warning
    assert gpu_warnings(Lock.of([_pkg("tensorflow", "2.17.0")]), [_target("gpu=A100")]) == []


def test_jaxlib_with_a_plugin_is_fine() -> None:
    lock = Lock.of([_pkg("jaxlib", "0.4.30"), _pkg("jax-cuda12-plugin", "0.4.30")])
    assert gpu_warnings(lock, [_target("gpu=A100")]) == []
