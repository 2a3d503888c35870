"""Detection of the running machine: parsers over captured tool output, and detect()."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from compatlib.stack.detect import (
    NVIDIA_SMI_QUERY,
    NvidiaSmiGpu,
    detect,
    os_id_from_release,
    parse_ldd_version,
    parse_nvidia_smi,
    parse_os_release,
    parse_proc_driver_version,
)
from compatlib.stack.profile import SystemProfile

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------- parsers


def test_parse_nvidia_smi_eight_a100s() -> None:
    gpus = parse_nvidia_smi(fixture("nvidia-smi_a100x8.csv"))
    assert len(gpus) == 8
    assert set(gpus) == {NvidiaSmiGpu("NVIDIA A100-SXM4-80GB", "8.0", "535.104.05")}


def test_parse_nvidia_smi_mixed_gpus() -> None:
    assert parse_nvidia_smi(fixture("nvidia-smi_mixed.csv")) == (
        NvidiaSmiGpu("Tesla T4", "7.5", "550.54.15"),
        NvidiaSmiGpu("NVIDIA GeForce RTX 3090", "8.6", "550.54.15"),
    )


def test_parse_nvidia_smi_unknown_compute_capability() -> None:
    assert parse_nvidia_smi(fixture("nvidia-smi_cc_na.csv")) == (
        NvidiaSmiGpu("NVIDIA H100 80GB HBM3", None, "570.124.06"),
    )


def test_parse_nvidia_smi_two_column_query() -> None:
    assert parse_nvidia_smi(fixture("nvidia-smi_old_driver_name_driver.csv")) == (
        NvidiaSmiGpu("Tesla V100-PCIE-16GB", None, "470.82.01"),
    )


@pytest.mark.parametrize("name", ["nvidia-smi_old_driver_error.txt", "nvidia-smi_no_driver.txt"])
def test_parse_nvidia_smi_errors_give_no_gpus(name: str) -> None:
    assert parse_nvidia_smi(fixture(name)) == ()


def test_parse_nvidia_smi_empty() -> None:
    assert parse_nvidia_smi("") == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("proc-driver-nvidia-version_proprietary.txt", "535.104.05"),
        ("proc-driver-nvidia-version_open.txt", "570.86.15"),
        ("proc-driver-nvidia-version_aarch64.txt", "580.65.06"),
    ],
)
def test_parse_proc_driver_version(name: str, expected: str) -> None:
    assert parse_proc_driver_version(fixture(name)) == expected


def test_parse_proc_driver_version_garbage() -> None:
    assert parse_proc_driver_version("GCC version: 12\n") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ldd_ubuntu22.04.txt", "2.35"),
        ("ldd_rhel8.txt", "2.28"),
        ("ldd_debian12.txt", "2.36"),
        ("ldd_musl.txt", None),
    ],
)
def test_parse_ldd_version(name: str, expected: str | None) -> None:
    assert parse_ldd_version(fixture(name)) == expected


def test_parse_ldd_version_empty() -> None:
    assert parse_ldd_version("") is None


@pytest.mark.parametrize(
    ("name", "os_id", "version_id"),
    [
        ("os-release_ubuntu22.04.txt", "ubuntu22.04", "22.04"),
        ("os-release_rhel9.txt", "rhel9", "9.4"),
        ("os-release_almalinux8.txt", "almalinux8", "8.10"),
        ("os-release_debian12.txt", "debian12", "12"),
        ("os-release_amzn2023.txt", "amzn2023", "2023"),
        ("os-release_fedora40.txt", None, "40"),
    ],
)
def test_parse_os_release(name: str, os_id: str | None, version_id: str) -> None:
    fields = parse_os_release(fixture(name))
    assert fields["VERSION_ID"] == version_id
    assert os_id_from_release(fields) == os_id


def test_parse_os_release_quoting_and_comments() -> None:
    fields = parse_os_release('# comment\nNAME="Ubuntu"\nX=\'single\'\nY="a \\"q\\""\n\nBAD\n')
    assert fields == {"NAME": "Ubuntu", "X": "single", "Y": 'a "q"'}
    assert os_id_from_release({}) is None


# --------------------------------------------------------------------- detect()


class FakeRunner:
    """Plays back captured command output; records the commands asked for."""

    def __init__(self, outputs: dict[tuple[str, ...], tuple[int, str]]) -> None:
        self.outputs = outputs
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv: Sequence[str]) -> tuple[int, str] | None:
        self.calls.append(tuple(argv))
        return self.outputs.get(tuple(argv))


def make_root(tmp_path: Path, os_release: str, proc: str | None = None) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text(fixture(os_release), encoding="utf-8")
    if proc is not None:
        target = tmp_path / "proc" / "driver" / "nvidia"
        target.mkdir(parents=True)
        (target / "version").write_text(fixture(proc), encoding="utf-8")
    return tmp_path


def test_detect_gpu_machine(tmp_path: Path) -> None:
    root = make_root(tmp_path, "os-release_ubuntu22.04.txt")
    run = FakeRunner({NVIDIA_SMI_QUERY: (0, fixture("nvidia-smi_a100x8.csv"))})
    p = detect(environ={}, root=root, run=run)
    assert p.driver == "535.104.05"
    assert p.gpus == ("8.0",) * 8
    assert p.gpu_names == ("NVIDIA A100",) * 8
    assert p.os == "ubuntu22.04"
    assert p.glibc == "2.35"  # from the OS, since root is not this machine
    assert p.cuda == "12.2"
    assert p.arch is None
    assert p.source == f"detected:{root}"


def test_detect_old_driver_falls_back_to_two_column_query(tmp_path: Path) -> None:
    root = make_root(tmp_path, "os-release_rhel9.txt")
    run = FakeRunner(
        {
            NVIDIA_SMI_QUERY: (2, fixture("nvidia-smi_old_driver_error.txt")),
            ("nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"): (
                0,
                fixture("nvidia-smi_old_driver_name_driver.csv"),
            ),
        }
    )
    p = detect(environ={}, root=root, run=run)
    assert p.driver == "470.82.01"
    assert p.gpus == ("7.0",)  # from the GPU name, as the driver cannot report it
    assert p.cuda == "11.4"
    assert len(run.calls) == 2


def test_detect_driver_from_proc_when_nvidia_smi_fails(tmp_path: Path) -> None:
    root = make_root(tmp_path, "os-release_debian12.txt", "proc-driver-nvidia-version_open.txt")
    run = FakeRunner({NVIDIA_SMI_QUERY: (9, fixture("nvidia-smi_no_driver.txt"))})
    p = detect(environ={}, root=root, run=run)
    assert p.driver == "570.86.15"
    assert p.gpus == ()
    assert p.cuda == "12.8"


def test_detect_unknown_gpu_with_compute_capability_is_kept(tmp_path: Path) -> None:
    root = make_root(tmp_path, "os-release_ubuntu22.04.txt")
    run = FakeRunner({NVIDIA_SMI_QUERY: (0, "NVIDIA Future X1, 13.0, 620.10.01\n")})
    p = detect(environ={}, root=root, run=run)
    assert p.gpus == ("13.0",)
    assert p.gpu_names == ()


def test_detect_unknown_cc_and_name_is_left_out_with_a_note(tmp_path: Path) -> None:
    root = make_root(tmp_path, "os-release_ubuntu22.04.txt")
    run = FakeRunner({NVIDIA_SMI_QUERY: (0, "Mystery GPU, [N/A], 535.104.05\n")})
    p = detect(environ={}, root=root, run=run)
    assert p.gpus == ()
    assert p.driver == "535.104.05"
    assert any("Mystery GPU" in n for n in p.notes)


def test_detect_conda_overrides(tmp_path: Path) -> None:
    root = make_root(tmp_path, "os-release_ubuntu22.04.txt")
    run = FakeRunner({NVIDIA_SMI_QUERY: (0, fixture("nvidia-smi_mixed.csv"))})
    env = {"CONDA_OVERRIDE_CUDA": "11.8", "CONDA_OVERRIDE_GLIBC": "2.17"}
    p = detect(environ=env, root=root, run=run)
    assert p.cuda == "11.8"
    assert p.glibc == "2.17"
    assert p.os == "ubuntu22.04"
    assert p.gpus == ("7.5", "8.6")
    empty = detect(environ={"CONDA_OVERRIDE_CUDA": ""}, root=root, run=run)
    assert empty.cuda is None
    assert empty.driver == "550.54.15"


def test_detect_without_anything(tmp_path: Path) -> None:
    p = detect(environ={}, root=tmp_path, run=FakeRunner({}))
    assert p == SystemProfile(source=f"detected:{tmp_path}")


def test_detect_unknown_os_leaves_os_free(tmp_path: Path) -> None:
    root = make_root(tmp_path, "os-release_fedora40.txt")
    p = detect(environ={}, root=root, run=FakeRunner({}))
    assert p.os is None
    assert p.glibc is None
    assert any("fedora" in n for n in p.notes)


def test_detect_this_machine() -> None:
    p = detect()
    assert isinstance(p, SystemProfile)
    assert p.source == "detected"
    has_nvidia = shutil.which("nvidia-smi") is not None or Path("/proc/driver/nvidia").exists()
    if not has_nvidia:
        assert p.driver is None
        assert p.gpus == ()
        if "CONDA_OVERRIDE_CUDA" not in os.environ:
            assert p.cuda is None
    if Path("/etc/os-release").exists() and p.os is not None:
        assert p.glibc is not None
