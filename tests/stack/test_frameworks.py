"""The framework-build API: known facts, aliases, variants, errors, GPU rules."""

from __future__ import annotations

import pytest

from compatlib.errors import InputError
from compatlib.stack.frameworks import (
    FrameworkBuild,
    build,
    builds,
    canonical_framework,
    frameworks,
    nvidia_cuda_version,
    nvidia_packages,
    parse_local_version,
    variants,
    versions,
)
from compatlib.stack.knowledge import UnknownToData


def test_torch_231_cu121_known_facts() -> None:
    b = build("torch", "2.3.1", "cu121")
    assert b.framework == "pytorch"
    assert (b.version, b.variant) == ("2.3.1", "cu121")
    assert b.cuda == "12.1"
    assert b.cudnn is not None
    assert b.cudnn.startswith("8.9")
    assert b.cudnn == "8.9.2.26"
    assert b.arch_list == ("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0")
    assert b.min_glibc == "2.17"
    assert b.package == "torch"
    assert b.source.startswith("https://")


def test_default_variant_is_the_pypi_build() -> None:
    assert build("torch", "2.3.1") == build("torch", "2.3.1", "cu121")
    assert build("torch", "2.3.1").default
    assert not build("torch", "2.3.1", "cu118").default
    assert build("torch", "2.0.1").variant == "cu117"
    assert build("torch", "2.5.1").variant == "cu124"
    assert build("torch", "2.7.0").variant == "cu126"
    assert build("torch", "2.8.0").variant == "cu128"
    assert build("torch", "2.11.0").variant == "cu130"
    assert build("jax", "0.10.2").variant == "cpu"
    assert build("tensorflow", "2.15.0").variant == "cuda"


def test_aliases() -> None:
    assert build("pytorch", "2.3.1", "cu121") == build("torch", "2.3.1", "cu121")
    assert build("tf", "2.15.0") == build("tensorflow", "2.15.0")
    assert build("TensorFlow", "2.15.0").framework == "tensorflow"
    assert canonical_framework("torch") == "pytorch"
    assert canonical_framework("jaxlib") == "jax"
    assert frameworks() == ("jax", "pytorch", "tensorflow")


def test_local_version_in_the_version_string() -> None:
    b = build("torch", "2.3.1+cu118")
    assert (b.variant, b.cuda, b.cudnn) == ("cu118", "11.8", "8.7.0.84")
    assert build("torch", "2.3.1+cu118", "cu118") == b
    with pytest.raises(InputError, match="names variant"):
        build("torch", "2.3.1+cu118", "cu121")


def test_parse_local_version() -> None:
    assert parse_local_version("2.3.1+cu121") == ("2.3.1", "cu121")
    assert parse_local_version("2.3.1") == ("2.3.1", None)
    assert parse_local_version(" 2.13.0+cpu ") == ("2.13.0", "cpu")
    with pytest.raises(InputError) as info:
        parse_local_version("two point three")
    assert info.value.expected is not None


def test_torch_20_cu118_has_kepler_and_cu12_builds_do_not() -> None:
    assert "3.7" in build("torch", "2.0.0", "cu118").arch_list
    assert "3.7" in build("torch", "2.7.1", "cu118").arch_list
    for b in builds("torch"):
        if b.cuda is not None and b.cuda.startswith(("12.", "13.")):
            assert "3.7" not in b.sass, (b.version, b.variant)


def test_blackwell_builds() -> None:
    cu128 = build("torch", "2.7.0", "cu128")
    assert cu128.arch_list[-1] == "12.0+PTX"
    assert cu128.ptx == ("12.0",)
    assert cu128.lowest_compute_capability == "7.5"
    assert "7.0" in build("torch", "2.8.0", "cu128").arch_list
    assert "7.0" not in build("torch", "2.11.0", "cu128").arch_list
    # The 2.14.1 PyPI wheel was read: machine code only, no PTX.
    assert build("torch", "2.14.1").arch_list == ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0")
    assert build("torch", "2.14.1").arch_checked
    assert not build("torch", "2.14.1", "cu132").arch_checked
    assert not build("torch", "2.14.0", "cu126").arch_checked


def test_tensorflow_python_ranges() -> None:
    tf215 = build("tensorflow", "2.15.0")
    assert not tf215.supports_python("3.12")
    assert tf215.supports_python("3.11")
    assert tf215.supports_python("3.9")
    assert not tf215.supports_python("3.8")
    assert build("tensorflow", "2.16.1").supports_python("3.12")
    assert build("tensorflow", "2.20.0").supports_python("3.13")
    assert not build("tensorflow", "2.21.0").supports_python("3.9")


def test_tensorflow_architectures_read_from_the_wheels() -> None:
    assert build("tf", "2.14.0").arch_list[0] == "3.5"
    assert build("tf", "2.15.0").arch_list == ("5.0", "6.0", "7.0", "7.5", "8.0+PTX")
    assert build("tf", "2.17.0").arch_list == ("6.0", "7.0", "8.0", "8.9", "9.0+PTX")
    assert all(b.arch_checked for b in builds("tensorflow"))
    assert not build("tf", "2.17.0").runs_on("5.2")  # Maxwell dropped in 2.17
    assert build("tf", "2.16.1").runs_on("5.2")


def test_tensorflow_cuda_and_glibc() -> None:
    assert build("tensorflow", "2.10.0").cuda == "11.2"
    assert build("tensorflow", "2.14.0").cuda == "11.8"
    assert build("tensorflow", "2.15.0").cuda == "12.2"
    assert build("tensorflow", "2.18.0").cudnn == "9.3.0.75"
    assert build("tensorflow", "2.20.0").min_glibc == "2.17"
    assert build("tensorflow", "2.21.0").min_glibc == "2.27"


def test_glibc_baselines() -> None:
    assert build("torch", "2.5.1").min_glibc == "2.17"
    assert build("torch", "2.6.0", "cu124").min_glibc == "2.17"
    assert build("torch", "2.6.0", "cu126").min_glibc == "2.28"
    assert build("torch", "2.7.0", "cpu").min_glibc == "2.28"
    assert build("torch", "2.5.1").wheel_tag == "manylinux1_x86_64"
    assert build("jax", "0.10.2", "cuda13").min_glibc == "2.27"
    assert build("jax", "0.10.2").min_glibc == "2.27"
    assert build("jax", "0.7.0").min_glibc == "2.17"


def test_runs_on_machine_code_and_ptx() -> None:
    b = build("torch", "2.14.1")  # 7.5 8.0 8.6 9.0 10.0 12.0, no PTX
    assert not b.runs_on("7.0")  # Volta: older than every entry
    assert b.runs_on("7.5")
    assert b.runs_on("8.9")  # sm_86 machine code runs on 8.9
    assert b.runs_on("10.3")
    assert b.runs_on("12.1")
    assert not b.runs_on("11.0")  # no sm_11x code and no PTX to JIT
    ptx = build("torch", "2.7.0", "cu128")  # ... 12.0+PTX
    assert ptx.runs_on("12.1")  # and 12.0 PTX would JIT-compile for newer GPUs, but
    with pytest.raises(UnknownToData):  # one the data does not know is unknown
        ptx.runs_on("13.0")
    assert not ptx.runs_on("7.0")
    assert not build("torch", "2.3.1", "cpu").runs_on("8.0")


def test_jax_builds_use_a_compute_capability_floor() -> None:
    j13 = build("jax", "0.10.2", "cuda13")
    assert j13.arch_list == ()
    assert j13.min_compute_capability == "7.5"
    assert j13.lowest_compute_capability == "7.5"
    assert j13.runs_on("7.5")
    assert j13.runs_on("12.0")
    assert not j13.runs_on("7.0")
    j12 = build("jax", "0.10.2", "cuda12")
    assert j12.runs_on("5.2")
    assert not j12.runs_on("5.0")
    assert j12.package == "jax-cuda12-plugin"
    assert not build("jax", "0.10.2").is_gpu


def test_jax_cudnn_floors_follow_the_metadata() -> None:
    # 0.4.26-0.4.28 took cuDNN 8.9 through jaxlib's cuda12_pip extra; 0.4.29 moved to 9.
    assert build("jax", "0.4.27", "cuda12").cudnn == "8.9.2.26"
    assert build("jax", "0.4.29", "cuda12").cudnn == "9.0"
    assert build("jax", "0.6.0", "cuda12").cudnn == "9.8"
    assert build("jax", "0.12.0", "cuda12").cudnn == "9.10.2.21"
    assert build("jax", "0.12.0", "cuda13").cudnn == "9.12.0.46"
    pins = {p.name: p for p in nvidia_packages("jax", "0.4.27", "cuda12")}
    assert pins["nvidia-cudnn-cu12"].specifier == "<9.0,>=8.9.2.26"
    assert pins["nvidia-cudnn-cu12"].source == "https://pypi.org/project/jaxlib/0.4.27/"


def test_variants_and_versions() -> None:
    assert variants("torch", "2.3.1") == ("cu118", "cu121", "cpu")
    assert variants("pytorch", "2.14.1") == ("cu126", "cu130", "cu132", "cpu")
    assert variants("torch", "2.10.0") == ("cu126", "cu128", "cu129", "cu130", "cpu")
    assert variants("jax", "0.7.0") == ("cuda12", "cpu")
    assert variants("jax", "0.7.2") == ("cuda12", "cuda13", "cpu")
    torch_versions = versions("torch")
    assert torch_versions[0] == "2.0.0"
    assert "2.13.0" in torch_versions
    assert torch_versions.index("2.9.1") < torch_versions.index("2.10.0")


def test_unknown_version_lists_known_ones() -> None:
    with pytest.raises(InputError) as info:
        build("torch", "1.0.0")
    assert info.value.field == "version"
    assert info.value.expected is not None
    assert "2.3.1" in info.value.expected


def test_unknown_variant_lists_known_ones() -> None:
    with pytest.raises(InputError) as info:
        build("torch", "2.3.1", "cu999")
    assert info.value.field == "variant"
    assert info.value.expected == "one of cu118, cu121, cpu"


def test_unknown_framework() -> None:
    with pytest.raises(InputError) as info:
        build("mxnet", "1.9.1")
    assert info.value.expected is not None
    assert "torch" in info.value.expected


def test_nvidia_pins_of_torch_231() -> None:
    pins = {p.name: p for p in nvidia_packages("torch", "2.3.1")}
    runtime = pins["nvidia-cuda-runtime-cu12"]
    assert (runtime.version, runtime.specifier, runtime.cuda) == ("12.1.105", "==12.1.105", "12.1")
    assert runtime.source == "https://pypi.org/project/torch/2.3.1/"
    assert pins["nvidia-cudnn-cu12"].version == "8.9.2.26"
    assert pins["nvidia-cudnn-cu12"].cuda is None  # cuDNN has its own numbering
    assert pins["nvidia-cufft-cu12"].cuda == "12.1"
    assert pins["nvidia-nccl-cu12"].version == "2.20.5"
    assert nvidia_packages("torch", "2.3.1+cu121") == nvidia_packages("torch", "2.3.1")


def test_nvidia_pins_of_cuda13_torch_use_the_toolkit_meta_package() -> None:
    pins = {p.name: p for p in nvidia_packages("torch", "2.14.1")}
    assert pins["cuda-toolkit"].version == "13.0.3"
    assert pins["cuda-toolkit"].cuda == "13.0"
    assert pins["nvidia-cudnn-cu13"].version == "9.24.0.43"


def test_nvidia_pins_of_tensorflow_and_jax() -> None:
    tf = {p.name: p for p in nvidia_packages("tf", "2.20.0")}
    assert tf["nvidia-cudnn-cu12"].specifier == "<10.0,>=9.3.0.75"
    assert tf["nvidia-cudnn-cu12"].version == "9.3.0.75"
    assert tf["nvidia-cuda-runtime-cu12"].cuda == "12.5"
    jax = {p.name: p for p in nvidia_packages("jax", "0.10.2", "cuda13")}
    assert jax["nvidia-cuda-runtime"].cuda == "13.0"


def test_nvidia_pins_missing_for_bundled_or_unrecorded_builds() -> None:
    with pytest.raises(InputError) as info:
        nvidia_packages("torch", "2.3.1", "cu118")
    assert info.value.expected is not None
    assert "cu121" in info.value.expected
    with pytest.raises(InputError):
        nvidia_packages("tensorflow", "2.12.0")  # no [and-cuda] before 2.14


def test_nvidia_cuda_version() -> None:
    assert nvidia_cuda_version("nvidia-cuda-runtime-cu12", "12.1.105") == "12.1"
    assert nvidia_cuda_version("nvidia_cublas_cu11", "11.11.3.6") == "11.8"
    assert nvidia_cuda_version("nvidia-cublas-cu12", "12.8.4.1") == "12.8"
    # cuFFT 10.9.0.58 shipped with CUDA 11.7 and 11.8: the oldest is given.
    assert nvidia_cuda_version("nvidia-cufft-cu11", "10.9.0.58") == "11.7"
    assert nvidia_cuda_version("nvidia-cublas", "13.1.1.3") == "13.0"
    assert nvidia_cuda_version("nvidia-cuda-nvrtc-cu12", "12.9.86") == "12.9"  # by rule
    assert nvidia_cuda_version("nvidia-cublas-cu12", "12.9.1.4") is None  # not recorded
    assert nvidia_cuda_version("nvidia-cudnn-cu12", "9.1.0.70") is None


def test_builds_are_ordered_and_typed() -> None:
    every = builds()
    assert len(every) > 100
    assert all(isinstance(b, FrameworkBuild) for b in every)
    assert [b.framework for b in every] == sorted(b.framework for b in every)
    assert builds() == every  # cached and deterministic
    assert {b.framework for b in builds("tf")} == {"tensorflow"}
