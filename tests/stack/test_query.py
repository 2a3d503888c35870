"""The acceptance API of compatlib.stack and the "newest build that works here" query."""

from __future__ import annotations

import compatlib.stack as stack
from compatlib.stack.query import check_build, newest_build


def test_acceptance_api() -> None:
    assert stack.min_driver("12.1") == "530.30.02"
    assert stack.min_driver("12.1", compatibility="minor") == "525.60.13"
    assert stack.min_driver("11.8") == "520.61.05"
    g = stack.gpu("A100")
    assert g.compute_capability == "8.0"
    assert g.architecture == "Ampere"
    assert stack.cuda_supports("12.0", "3.7") is False
    assert stack.cuda_supports("11.8", "3.7") is True
    assert stack.can_run(["8.0"], "8.6") is True
    assert stack.can_run(["8.6"], "8.0") is False
    assert stack.can_run(["7.0+PTX"], "9.0") is True
    assert stack.glibc_of("ubuntu22.04") == "2.35"
    b = stack.build("torch", "2.3.1")
    assert b.cuda == "12.1"
    assert b.cudnn is not None
    assert b.cudnn.startswith("8.9")
    assert b.python == ">=3.8,<3.13"
    assert "9.0" in b.arch_list
    assert b.min_glibc == "2.17"
    assert stack.build("torch", "2.3.1", "cpu").min_glibc == "2.17"


def test_newest_torch_for_an_old_driver_and_a_v100() -> None:
    best, rejected = newest_build("torch", "driver=470.82.01,gpu=V100,os=ubuntu20.04", "3.10")
    assert best is not None
    assert (best.build.version, best.build.variant) == ("2.7.1", "cu118")
    # every newer build is rejected, each with its reasons
    assert rejected
    assert all(not v.works and v.reasons for v in rejected)
    cu126 = next(v for v in rejected if v.build.variant == "cu126")
    assert any("525.60.13" in r and "470.82.01" in r for r in cu126.reasons)


def test_newest_respects_python_and_gpu() -> None:
    best, _ = newest_build("torch", "driver=470.82.01,gpu=K80", "3.11")
    assert best is not None
    assert best.build.variant == "cu118"  # the last CUDA builds with sm_37 code
    assert best.build.runs_on("3.7")
    # a driver past the 470 branch does not drive a K80 at all
    best, rejected = newest_build("torch", "driver=580.65.06,gpu=K80", "3.11")
    assert best is None
    assert (
        "the NVIDIA driver 580.65.06 does not support the Tesla K80 "
        "(Kepler; last supported by the 470 driver branch)"
    ) in rejected[0].reasons
    best, _ = newest_build("tensorflow", "driver=535.104.05,gpu=A100", "3.12")
    assert best is not None
    assert best.build.supports_python("3.12")


def test_check_build_reasons_name_the_layer_and_numbers() -> None:
    v = check_build(
        stack.build("torch", "2.9.0", "cu130"),
        stack.parse_system("driver=535.104.05,gpu=P100"),
        "3.11",
    )
    assert not v.works
    text = " ".join(v.reasons)
    assert ">=580" in text
    assert "compute capability 6.0" in text
