"""CUDA needs derived from a framework wheel's own pins (compatlib.stack.derive),
the reading data/build/refresh.py writes records with and a lock uses for a
release newer than the data."""

from __future__ import annotations

import pytest

from compatlib.stack.derive import (
    DerivedCuda,
    cuda_of_pins,
    cudnn_of_pins,
    derive_cuda,
    derive_release,
    gpu_pins,
    linux_environments,
)
from compatlib.stack.knowledge import as_of

TORCH_2_15 = [
    "filelock",
    'cuda-toolkit[cublas,cudart,cufft]==13.2.2; platform_system == "Linux"',
    'nvidia-cudnn-cu13==9.26.0.51; platform_system == "Linux"',
    'nvidia-nccl-cu13==2.30.7; platform_system == "Linux"',
    'cuda-bindings<14,>=13.0.3; platform_system == "Linux" and python_version < "3.15"',
    'triton==3.9.0; platform_system == "Linux"',
]


def test_gpu_pins_of_torch_on_linux_and_elsewhere() -> None:
    assert gpu_pins(TORCH_2_15) == {
        "cuda-bindings": ">=13.0.3,<14",
        "cuda-toolkit": "==13.2.2",
        "nvidia-cudnn-cu13": "==9.26.0.51",
        "nvidia-nccl-cu13": "==2.30.7",
    }
    mac = {**linux_environments(["3.12"])[0], "platform_system": "Darwin"}
    assert gpu_pins(TORCH_2_15, environments=[mac]) == {}
    # a marker that holds for one of the Pythons counts
    assert "cuda-bindings" not in gpu_pins(TORCH_2_15, environments=linux_environments(["3.15"]))


def test_gpu_pins_of_an_extra() -> None:
    plugin = [
        "jax-cuda13-pjrt==1.0",
        'nvidia-cudnn-cu13<10.0,>=9.12.0.46; sys_platform == "linux" and extra == "with-cuda"',
        'nvidia-nvvm; extra == "with-cuda"',
        "nvidia-always==1",  # not the extra's
        "not a requirement !!",
    ]
    assert gpu_pins(plugin, "with-cuda") == {
        "nvidia-cudnn-cu13": ">=9.12.0.46,<10.0",
        "nvidia-nvvm": ">=0",
    }
    assert gpu_pins(plugin) == {"nvidia-always": "==1"}
    # a marker that cannot be evaluated does not hold (no error out of a lock)
    assert gpu_pins(['nvidia-x==1; python_version > "abc"']) == {}


@pytest.mark.parametrize(
    ("pins", "cuda", "basis", "driver"),
    [
        (
            {"cuda-toolkit": "==13.2.2", "nvidia-cudnn-cu13": "==9.26.0.51"},
            "13.2",
            "cuda-toolkit==13.2.2",
            "580.65.06",
        ),
        (
            {"nvidia-cuda-runtime-cu12": "==12.8.90"},
            "12.8",
            "nvidia-cuda-runtime-cu12==12.8.90",
            "525.60.13",
        ),
        # only -cuNN libraries: the CUDA major, and its family's driver floor
        ({"nvidia-nccl-cu13": "==2.30.7"}, "13", "nvidia-nccl-cu13", "580.65.06"),
        # a CUDA major newer than the data: its driver is unknown
        ({"nvidia-cudnn-cu14": "==10.0.1"}, "14", "nvidia-cudnn-cu14", None),
    ],
)
def test_derive_cuda(pins: dict[str, str], cuda: str, basis: str, driver: str | None) -> None:
    derived = derive_cuda(pins)
    assert derived is not None
    assert (derived.cuda, derived.basis, derived.driver) == (cuda, basis, driver)


def test_derived_text_and_cudnn() -> None:
    derived = derive_cuda({"cuda-toolkit": "==13.2.2", "nvidia-cudnn-cu13": "==9.26.0.51"})
    assert str(derived) == "CUDA 13.2 (from cuda-toolkit==13.2.2)"
    assert derived is not None
    assert derived.cudnn == "9.26.0.51"
    assert str(DerivedCuda("13", "nvidia-nccl-cu13", "580.65.06")) == (
        "CUDA 13.x (from nvidia-nccl-cu13)"
    )
    assert DerivedCuda("13", "x", None).release == "13.0"
    assert derive_cuda({"cuda-bindings": ">=13"}) is None  # says nothing of the toolkit
    assert cuda_of_pins({"cuda-toolkit": ">=13.0"}) is None  # only exact pins
    assert cudnn_of_pins({"nvidia-cudnn-cu12": ">=9.0,<10"}) == "9.0"


LINUX = linux_environments(["3.12"])[0]


def test_derive_release_of_a_release_the_data_lacks() -> None:
    newer = derive_release("torch", "2.99.0", TORCH_2_15, LINUX)
    assert newer is not None
    assert newer.standing == "torch 2.99.0 is newer than compatlib's data"
    assert (newer.cuda.cuda, newer.cuda.driver) == ("13.2", "580.65.06")
    assert newer.as_of == as_of()
    # a release older than the data's first is "not in" it, not newer
    old = derive_release(
        "torch", "1.13.1", ['nvidia-cuda-runtime-cu11==11.7.99; platform_system == "Linux"'], LINUX
    )
    assert old is not None
    assert old.standing == "torch 1.13.1 is not in compatlib's data"
    assert (old.cuda.cuda, old.cuda.driver) == ("11.7", "450.80.02")
    # tensorflow's CUDA libraries are its [and-cuda] extra's
    tf = derive_release(
        "tensorflow",
        "2.99.0",
        [
            'nvidia-cuda-runtime-cu12==12.5.82; extra == "and-cuda"',
            'nvidia-cudnn-cu12==9.3.0.75; extra == "and-cuda"',
        ],
        LINUX,
    )
    assert tf is not None
    assert (tf.cuda.cuda, tf.cuda.cudnn) == ("12.5", "9.3.0.75")


@pytest.mark.parametrize(
    ("package", "version", "requires"),
    [
        ("torch", "2.3.1", TORCH_2_15),  # recorded: its record decides
        ("torch", "2.3.1+cu999", TORCH_2_15),  # a recorded release, whatever the variant
        ("numpy", "9.0", TORCH_2_15),  # not a framework
        ("torch", "2.99.0", ["filelock"]),  # no CUDA pins: a CPU build
        ("torch", "2.99.0", []),
    ],
)
def test_derive_release_none(package: str, version: str, requires: list[str]) -> None:
    assert derive_release(package, version, requires, LINUX) is None


def test_unrecorded_names_releases_the_data_lacks() -> None:
    from compatlib.stack.derive import unrecorded
    from compatlib.stack.knowledge import as_of

    assert (
        unrecorded("torch", "1.12.1") == f"torch 1.12.1 is not in compatlib's data, as of {as_of()}"
    )
    assert unrecorded("Torch", "99.0.0") == (
        f"torch 99.0.0 is newer than compatlib's data, as of {as_of()}"
    )
    assert unrecorded("torch", "2.4.1") is None  # recorded
    assert unrecorded("torch", "2.4.1+cu118") is None  # recorded, any variant
    assert unrecorded("numpy", "1.0") is None  # not a framework package
