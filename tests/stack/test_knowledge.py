"""Queries over the system-layer knowledge base, checked against published facts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from compatlib.errors import InputError
from compatlib.stack import knowledge as kb
from compatlib.stack.knowledge import (
    can_run,
    cuda_release,
    cuda_supports,
    driver_max_cuda,
    glibc_of,
    gpu,
    manylinux_glibc,
    min_driver,
)

# --------------------------------------------------------------------- min_driver


@pytest.mark.parametrize(
    ("cuda", "expected"),
    [
        ("12.1", "530.30.02"),
        ("12.1.1", "530.30.02"),
        ("11.8", "520.61.05"),
        ("10.2", "440.33"),
        ("10.2.89", "440.33"),
        ("11.0", "450.51.05"),  # 11.0 GA is 11.0.2
        ("11.0.1", "450.36.06"),
        ("12.0", "525.60.13"),
        ("12.0.1", "525.85.12"),
        ("12.2.2", "535.104.05"),
        ("12.4", "550.54.14"),
        ("12.8", "570.26"),
        ("12.8.1", "570.124.06"),
        ("12.9.1", "575.57.08"),
        ("13.0", "580.65.06"),
        ("13.0.2", "580.95.05"),
        ("13.1", "590.44.01"),
        ("13.2", "595.45.04"),
        ("13.2.2", "595.71.05"),
        ("cu118", "520.61.05"),
        ("CUDA 12.1", "530.30.02"),
    ],
)
def test_min_driver_toolkit_linux(cuda: str, expected: str) -> None:
    assert min_driver(cuda) == expected


@pytest.mark.parametrize(
    ("cuda", "expected"),
    [("12.1", "531.14"), ("11.8", "520.06"), ("12.8", "570.65"), ("10.2", "441.22")],
)
def test_min_driver_toolkit_windows(cuda: str, expected: str) -> None:
    assert min_driver(cuda, os="windows") == expected


@pytest.mark.parametrize(
    ("cuda", "os", "expected"),
    [
        ("12.1", "linux", "525.60.13"),
        ("12.9.1", "linux", "525.60.13"),
        ("11.8", "linux", "450.80.02"),
        ("11.8", "windows", "452.39"),
        ("11.0", "linux", "450.51.05"),  # below the 11.x floor: its own driver is older
        ("12.4", "windows", "527.41"),
        ("13.2", "linux", "580.65.06"),
        ("13.2", "windows", "580"),  # NVIDIA names only the R580 branch for Windows
        ("10.2", "linux", "440.33"),  # no minor-version compatibility before CUDA 11
    ],
)
def test_min_driver_minor_compatibility(cuda: str, os: str, expected: str) -> None:
    assert min_driver(cuda, os=os, compatibility="minor") == expected


def test_min_driver_cuda13_windows_falls_back_to_branch_floor() -> None:
    assert min_driver("13.1", os="windows") == "580"


def test_component_build_versions_take_the_newest_release_of_the_minor() -> None:
    # cudart 12.2.140 belongs to some 12.2 update; the strictest 12.2 driver is used.
    assert min_driver("12.2.140") == "535.104.05"
    assert min_driver("12.1.105") == "530.30.02"
    assert cuda_release("12.2.140").version == "12.2.2"


@pytest.mark.parametrize("bad", ["12.7", "12.7.0", "9.0", "14.0", "12.1.5"])
def test_unknown_cuda_versions_list_nearby_known_ones(bad: str) -> None:
    with pytest.raises(InputError) as err:
        min_driver(bad)
    assert err.value.field == "cuda"
    assert err.value.expected is not None
    assert "known CUDA release" in err.value.expected


def test_major_only_cuda_version_is_rejected_with_a_hint() -> None:
    with pytest.raises(InputError) as err:
        min_driver("12")
    assert "major" in err.value.message
    assert err.value.expected is not None
    assert "12." in err.value.expected


@pytest.mark.parametrize("bad", ["twelve", "", "12.x"])
def test_malformed_cuda_versions(bad: str) -> None:
    with pytest.raises(InputError):
        min_driver(bad)


def test_min_driver_rejects_unknown_os_and_compatibility() -> None:
    with pytest.raises(InputError) as err:
        min_driver("12.1", os="macos")
    assert err.value.field == "os"
    with pytest.raises(InputError) as err:
        min_driver("12.1", compatibility="forward")
    assert err.value.field == "compatibility"


# --------------------------------------------------------------------- driver_max_cuda


@pytest.mark.parametrize(
    ("driver", "expected"),
    [
        ("535.104.05", "12.2"),
        ("535.54.03", "12.2"),
        ("530.30.02", "12.1"),
        ("525.60.13", "12.0"),
        ("470.82.01", "11.4"),
        ("450.80.02", "11.0"),
        ("440.33", "10.2"),
        ("418.39", None),
        ("570.86.10", "12.8"),
        ("580.65.06", "13.0"),
        ("595.71.05", "13.2"),
        ("610.43.02", "13.3"),
    ],
)
def test_driver_max_cuda(driver: str, expected: str | None) -> None:
    assert driver_max_cuda(driver) == expected


def test_driver_max_cuda_windows_numbers() -> None:
    assert driver_max_cuda("531.14", os="windows") == "12.1"
    assert driver_max_cuda("576.57", os="windows") == "12.9"


def test_driver_max_cuda_is_consistent_with_min_driver() -> None:
    from compatlib.values.dotted import DottedVersion

    for release in kb.cuda_releases():
        top = driver_max_cuda(release.driver_linux)
        assert top is not None
        # the release's own minimum driver supports at least that release's CUDA
        assert DottedVersion(top) >= DottedVersion(release.major_minor), release.version
        # and nothing newer whose minimum is above it
        for newer in kb.cuda_releases():
            if DottedVersion(newer.major_minor) > DottedVersion(top):
                assert DottedVersion(newer.driver_linux) > DottedVersion(release.driver_linux)


# --------------------------------------------------------------------- GPUs


@pytest.mark.parametrize(
    ("name", "cc", "arch"),
    [
        ("A100", "8.0", "Ampere"),
        ("a100", "8.0", "Ampere"),
        ("NVIDIA A100-SXM4-80GB", "8.0", "Ampere"),
        ("NVIDIA A100-PCIE-40GB", "8.0", "Ampere"),
        ("NVIDIA A100 80GB PCIe", "8.0", "Ampere"),
        ("Tesla V100-PCIE-16GB", "7.0", "Volta"),
        ("Tesla V100-SXM2-32GB", "7.0", "Volta"),
        ("Tesla K80", "3.7", "Kepler"),
        ("Tesla M60", "5.2", "Maxwell"),
        ("Tesla P100-PCIE-16GB", "6.0", "Pascal"),
        ("Tesla P40", "6.1", "Pascal"),
        ("Tesla T4", "7.5", "Turing"),
        ("NVIDIA A10", "8.6", "Ampere"),
        ("NVIDIA A10G", "8.6", "Ampere"),
        ("NVIDIA GeForce RTX 3090", "8.6", "Ampere"),
        ("NVIDIA GeForce RTX 4090", "8.9", "Ada Lovelace"),
        ("NVIDIA L4", "8.9", "Ada Lovelace"),
        ("NVIDIA L40S", "8.9", "Ada Lovelace"),
        ("NVIDIA H100 80GB HBM3", "9.0", "Hopper"),
        ("NVIDIA H100 NVL", "9.0", "Hopper"),
        ("NVIDIA H200", "9.0", "Hopper"),
        ("NVIDIA B200", "10.0", "Blackwell"),
        ("NVIDIA GB200", "10.0", "Blackwell"),
        ("NVIDIA GeForce RTX 5090", "12.0", "Blackwell"),
        ("NVIDIA RTX 6000 Ada Generation", "8.9", "Ada Lovelace"),
        ("Quadro RTX 6000", "7.5", "Turing"),
    ],
)
def test_gpu_lenient_names(name: str, cc: str, arch: str) -> None:
    model = gpu(name)
    assert model.compute_capability == cc
    assert model.architecture == arch
    assert isinstance(model, kb.Gpu)


def test_unknown_gpu_is_an_error_not_a_guess() -> None:
    # "RTX 6000 Blackwell Foo" must not fall back to the Quadro RTX 6000 (7.5)
    with pytest.raises(InputError) as err:
        gpu("NVIDIA RTX 6000 Foo")
    assert err.value.field == "gpu"
    assert err.value.expected is not None
    assert "rtx 6000" in err.value.expected
    with pytest.raises(InputError):
        gpu("Radeon MI300X")


# --------------------------------------------------------------------- cuda_supports


@pytest.mark.parametrize(
    ("cuda", "cc", "expected"),
    [
        ("12.0", "3.7", False),
        ("11.8", "3.7", True),
        ("11.8", "3.5", True),
        ("11.0", "3.0", False),
        ("10.2", "3.0", True),
        ("10.2", "8.0", False),
        ("11.0", "8.0", True),
        ("11.0", "8.6", False),
        ("11.1", "8.6", True),
        ("11.7", "9.0", False),
        ("11.8", "9.0", True),
        ("11.8", "8.9", True),
        ("12.6", "10.0", False),
        ("12.8", "10.0", True),
        ("12.8", "12.0", True),
        ("12.9", "5.0", True),
        ("13.0", "5.2", False),
        ("13.0", "6.1", False),
        ("13.0", "7.0", False),
        ("13.0", "7.2", False),
        ("13.0", "7.5", True),
        ("13.2", "12.1", True),
        ("12.9", "10.1", True),
        ("13.0", "10.1", False),
        ("13.0", "11.0", True),
        ("12.1.1", "sm_90", True),
    ],
)
def test_cuda_supports(cuda: str, cc: str, expected: bool) -> None:
    assert cuda_supports(cuda, cc) is expected


def test_cuda_supports_unknown_compute_capability() -> None:
    with pytest.raises(InputError) as err:
        cuda_supports("12.1", "8.8")
    assert err.value.expected is not None
    assert "8.9" in err.value.expected


# --------------------------------------------------------------------- can_run


@pytest.mark.parametrize(
    ("arch_list", "cc", "expected"),
    [
        (["8.0"], "8.6", True),
        (["8.6"], "8.0", False),
        (["7.0+PTX"], "9.0", True),
        (["7.0"], "9.0", False),
        (["8.0"], "9.0", False),
        (["sm_86"], "8.9", True),
        (["compute_90"], "10.0", True),
        (["compute_90"], "8.9", False),
        (["sm_80", "compute_80"], "12.0", True),
        (["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"], "12.0", False),
        (["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"], "8.9", True),
        (["7.5", "8.0", "8.6", "9.0", "10.0", "12.0+PTX"], "12.1", True),
        (["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "10.3", True),
        (["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"], "6.1", False),
        (["sm_90a"], "9.0", True),
        (["sm_90a"], "10.0", False),
        (["compute_90a"], "10.0", False),
        (["sm_100f"], "10.3", True),
        (["sm_100f"], "12.0", False),
        (["86"], "8.6", True),
        ("7.0;8.0+PTX", "9.0", True),
        # Jetson (Tegra) GPUs: no SASS compatibility across minor versions or with desktop
        (["8.0"], "8.7", False),
        (["8.7"], "8.7", True),
        (["8.7"], "8.9", False),
        (["compute_80"], "8.7", True),
        (["7.0"], "7.2", False),
        (["5.0"], "5.3", False),
        ("7.0 7.5", "8.0", False),
    ],
)
def test_can_run(arch_list: list[str] | str, cc: str, expected: bool) -> None:
    assert can_run(arch_list, cc) is expected


@pytest.mark.parametrize(("arch_list", "cc"), [([], "8.0"), (["ampere"], "8.0"), (["8.0"], "x")])
def test_can_run_rejects_bad_input(arch_list: list[str], cc: str) -> None:
    with pytest.raises(InputError):
        can_run(arch_list, cc)


def test_normalize_compute_capability() -> None:
    for text in ("8.6", "86", "sm_86", "SM86", "compute_86"):
        assert kb.normalize_compute_capability(text) == "8.6"
    assert kb.normalize_compute_capability("sm_120") == "12.0"
    assert kb.normalize_compute_capability("100") == "10.0"


# --------------------------------------------------------------------- OS and glibc


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ubuntu22.04", "2.35"),
        ("ubuntu-22.04", "2.35"),
        ("Ubuntu 22.04", "2.35"),
        ("Ubuntu 22.04.4 LTS", "2.35"),
        ("jammy", "2.35"),
        ("ubuntu18.04", "2.27"),
        ("ubuntu20.04", "2.31"),
        ("ubuntu24.04", "2.39"),
        ("ubuntu26.04", "2.43"),
        ("debian10", "2.28"),
        ("debian11", "2.31"),
        ("debian12", "2.36"),
        ("Debian GNU/Linux 12 (bookworm)", "2.36"),
        ("debian13", "2.41"),
        ("rhel8", "2.28"),
        ("RHEL 8.9", "2.28"),
        ("rhel9", "2.34"),
        ("Red Hat Enterprise Linux 9.4", "2.34"),
        ("rhel10", "2.39"),
        ("almalinux8", "2.28"),
        ("almalinux9", "2.34"),
        ("AlmaLinux 9.3", "2.34"),
        ("Rocky Linux 8.10", "2.28"),
        ("centos7", "2.17"),
        ("amzn2", "2.26"),
        ("Amazon Linux 2023", "2.34"),
    ],
)
def test_glibc_of(name: str, expected: str) -> None:
    assert glibc_of(name) == expected


@pytest.mark.parametrize("bad", ["ubuntu21.10", "windows11", "gentoo", "ubuntu"])
def test_glibc_of_unknown(bad: str) -> None:
    with pytest.raises(InputError) as err:
        glibc_of(bad)
    assert err.value.field == "os"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("manylinux2014_x86_64", "2.17"),
        ("manylinux_2_28_x86_64", "2.28"),
        ("manylinux_2_17_aarch64", "2.17"),
        ("manylinux1_x86_64", "2.5"),
        ("manylinux2010_x86_64", "2.12"),
        ("manylinux2014", "2.17"),
        ("manylinux_2_34", "2.34"),
    ],
)
def test_manylinux_glibc(tag: str, expected: str) -> None:
    assert manylinux_glibc(tag) == expected


@pytest.mark.parametrize("bad", ["musllinux_1_2_x86_64", "linux_x86_64", "manylinux2015_x86_64"])
def test_manylinux_glibc_rejects_other_tags(bad: str) -> None:
    with pytest.raises(InputError):
        manylinux_glibc(bad)


# --------------------------------------------------------------------- cuDNN and Azure


def test_cudnn_rows_for_a_known_release() -> None:
    rows = [r for r in kb.cudnn_releases() if r.version == "9.10"]
    assert {r.cuda_major for r in rows} == {11, 12}
    blackwell = [r for r in rows if "12.0" in r.compute_capabilities]
    assert blackwell
    assert all(r.driver_linux == "570.26" for r in blackwell)
    latest = [r for r in kb.cudnn_releases() if r.version == "9.17"]
    assert {r.cuda_major for r in latest} == {12, 13}
    assert all(r.compute_capability_min == "7.5" for r in latest)


def test_azure_vm_size_lookup() -> None:
    size = kb.azure_vm_size("Standard_NC24ads_A100_v4")
    assert (size.gpu, size.gpus, size.series) == ("NVIDIA A100", 1, "NC_A100_v4")
    assert kb.azure_vm_size("nd96isr_h100_v5").gpus == 8
    with pytest.raises(InputError) as err:
        kb.azure_vm_size("Standard_NC24ads_A100_v9")
    assert err.value.expected is not None
    assert "Standard_NC24ads_A100_v4" in err.value.expected


def test_listing_functions_return_typed_immutable_records() -> None:
    release = kb.cuda_releases()[0]
    assert isinstance(release, kb.CudaRelease)
    with pytest.raises(AttributeError):
        release.version = "1.0"  # type: ignore[misc]
    assert kb.gpus() is kb.gpus()  # cached
    assert isinstance(kb.os_releases()[0], kb.OsRelease)
    assert isinstance(kb.azure_images()[0], kb.AzureImage)
    assert isinstance(kb.curated_environments()[0], kb.CuratedEnvironment)
    assert isinstance(kb.azure_vm_series()[0], kb.AzureVmSeries)
    assert isinstance(kb.cudnn_releases()[0], kb.CudnnRelease)


def test_importing_knowledge_does_not_import_yaml() -> None:
    code = (
        "import sys, compatlib.stack.knowledge, compatlib.stack.profile, "
        "compatlib.stack.detect; print('yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_curated_environment_whose_name_misleads() -> None:
    env = next(e for e in kb.curated_environments() if e.name == "acpt-pytorch-2.2-cuda12.1")
    assert env.cuda == "11.8"
    assert dict(env.packages)["torch"] == "2.7.1"
    assert env.note is not None
    assert "name says" in env.note
