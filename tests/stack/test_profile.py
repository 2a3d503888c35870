"""System profiles: presets, --system specs, YAML files and dicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from compatlib.errors import InputError
from compatlib.stack.profile import (
    SystemProfile,
    parse_system,
    preset,
    presets,
    profile_from_dict,
    target_profile,
)
from compatlib.values.target import SystemFacts, Target


def test_default_profile_knows_nothing() -> None:
    p = SystemProfile()
    assert (p.os, p.glibc, p.driver, p.cuda, p.arch, p.cpu) == (None,) * 6
    assert p.gpus == ()
    assert p.max_cuda() is None
    assert p.to_dict() == {}


def test_azure_preset() -> None:
    p = parse_system("azure:Standard_NC24ads_A100_v4")
    assert p.gpus == ("8.0",)
    assert p.gpu_names == ("NVIDIA A100",)
    assert p.arch == "x86_64"
    assert p.driver is None
    assert p.os is None
    assert p.source == "azure:Standard_NC24ads_A100_v4"
    assert p.description is not None
    assert "A100" in p.description


def test_an_azure_preset_records_its_vm_size_through_merges() -> None:
    assert preset("azure:standard_nc6s_v2").azure_vm == "Standard_NC6s_v2"
    assert parse_system("ubuntu22.04,azure:Standard_NC6s_v2").azure_vm == "Standard_NC6s_v2"
    assert parse_system("azure:Standard_NC6s_v2,driver=580.65.06").azure_vm == "Standard_NC6s_v2"
    assert parse_system("gpu:T4").azure_vm is None
    assert "azure_vm" not in preset("azure:Standard_NC6s_v2").to_dict()


def test_azure_preset_gpu_count_and_case() -> None:
    p = preset("azure:standard_nd96isr_h100_v5")
    assert p.gpus == ("9.0",) * 8
    assert p.compute_capabilities == ("9.0",)


def test_azure_gb200_preset_is_arm() -> None:
    p = preset("azure:Standard_ND128isr_NDR_GB200_v6")
    assert p.arch == "aarch64"
    assert p.gpus == ("10.0",) * 4


def test_retired_azure_series_carry_a_note() -> None:
    p = preset("azure:Standard_NC6")
    assert p.gpus == ("3.7",)
    assert p.notes
    assert "retired" in p.notes[0]


def test_partitioned_gpu_preset() -> None:
    p = preset("azure:Standard_NV6ads_A10_v5")
    assert p.gpus == ("8.6",)
    assert p.description is not None
    assert "1/6" in p.description


def test_os_and_gpu_presets() -> None:
    p = parse_system("ubuntu22.04")
    assert (p.os, p.glibc, p.arch) == ("ubuntu22.04", "2.35", "x86_64")
    assert preset("os:rhel9").glibc == "2.34"
    g = preset("gpu:H100")
    assert g.gpus == ("9.0",)
    assert g.os is None


def test_presets_listing() -> None:
    names = presets()
    assert names == tuple(sorted(names))
    assert "azure:Standard_NC24ads_A100_v4" in names
    assert "ubuntu22.04" in names
    assert "gpu:NVIDIA A100" in names
    for name in names:
        assert isinstance(preset(name), SystemProfile)


def test_key_value_spec() -> None:
    p = parse_system("os=ubuntu22.04,driver=535.104.05,gpu=A100,cuda=12.2")
    assert p.os == "ubuntu22.04"
    assert p.glibc == "2.35"
    assert p.driver == "535.104.05"
    assert p.gpus == ("8.0",)
    assert p.cuda == "12.2"
    assert p.max_cuda() == "12.2"


def test_key_value_glibc_only_and_compute_capability() -> None:
    p = parse_system("glibc=2.28, gpu=sm_86")
    assert p.os is None
    assert p.glibc == "2.28"
    assert p.gpus == ("8.6",)
    assert p.gpu_names == ()


def test_gpu_counts_and_lists() -> None:
    assert parse_system("gpu=8xA100").gpus == ("8.0",) * 8
    assert parse_system("gpu=A100x2").gpus == ("8.0",) * 2
    mixed = parse_system("gpu=T4+A10G")
    assert mixed.gpus == ("7.5", "8.6")
    assert mixed.compute_capabilities == ("7.5", "8.6")
    assert parse_system("gpu=T4,gpu=8.0").gpus == ("7.5", "8.0")


def test_driver_gives_max_cuda() -> None:
    from compatlib.stack.profile import driver_max_cuda

    assert driver_max_cuda("535.104.05") == "12.2"
    p = parse_system("driver=535.104.05")
    assert p.cuda is None
    assert p.max_cuda() == "12.2"


def test_driver_ends_once_per_compute_capability() -> None:
    k80 = parse_system("gpu=K80,driver=550.54.15").driver_ends()
    assert [(e.compute_capability, e.gpu, e.branch.last_branch) for e in k80] == [
        ("3.7", "Tesla K80", 470)
    ]
    mixed = SystemProfile(gpus=("3.7", "3.7", "8.0", "5.2")).driver_ends()
    assert [(e.compute_capability, e.gpu, e.branch.architecture) for e in mixed] == [
        ("3.7", "GPU of compute capability 3.7", "Kepler"),
        ("5.2", "GPU of compute capability 5.2", "Maxwell"),
    ]
    assert parse_system("gpu=A100").driver_ends() == ()
    assert SystemProfile().driver_ends() == ()


def test_presets_merge_with_pairs_later_items_win() -> None:
    p = parse_system("azure:Standard_NC24ads_A100_v4,os=ubuntu22.04,driver=535.104.05")
    assert p.gpus == ("8.0",)
    assert p.os == "ubuntu22.04"
    assert p.glibc == "2.35"
    assert p.max_cuda() == "12.2"
    assert "azure:Standard_NC24ads_A100_v4" in p.source
    q = parse_system("ubuntu20.04,gpu:T4")
    assert (q.os, q.gpus) == ("ubuntu20.04", ("7.5",))


def test_arch_aliases() -> None:
    assert parse_system("arch=arm64").arch == "aarch64"
    assert parse_system("arch=AMD64").arch == "x86_64"


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ("os=ubuntu22.04,glibc=2.31", "glibc"),
        ("ubuntu22.04,glibc=2.31", "glibc"),
        ("colour=blue", "colour"),
        ("driver=five-three-five", "driver"),
        ("gpu=Z9000", "gpu"),
        ("os=plan9", "os"),
        ("arch=sparc", "arch"),
        ("cuda=twelve", "cuda"),
        ("azure:Standard_Nope", "system"),
        ("nonsense-preset", "system"),
        ("", "system"),
    ],
)
def test_bad_specs_name_the_field(spec: str, field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_system(spec)
    assert err.value.field == field
    assert err.value.expected is not None


def test_unknown_key_error_points_at_column() -> None:
    with pytest.raises(InputError) as err:
        parse_system("os=ubuntu22.04,colour=blue")
    assert err.value.column == 16
    assert "^" in str(err.value)


def test_unknown_azure_size_suggests_nearby() -> None:
    with pytest.raises(InputError) as err:
        parse_system("azure:Standard_NC24ads_A100_v5")
    assert err.value.expected is not None
    assert "Standard_NC24ads_A100_v4" in err.value.expected


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "machine.yaml"
    path.write_text(
        "os: Ubuntu 22.04\n"
        "driver: 535.104.05\n"
        "gpus:\n"
        "  - {name: NVIDIA A100-SXM4-80GB, count: 2}\n"
        "  - '8.6'\n"
        "cuda: '12.2'\n"
        "arch: x86_64\n",
        encoding="utf-8",
    )
    p = parse_system(str(path))
    assert p.os == "ubuntu22.04"
    assert p.glibc == "2.35"
    assert p.gpus == ("8.0", "8.0", "8.6")
    assert p.gpu_names == ("NVIDIA A100", "NVIDIA A100", None)
    assert p.source == str(path)


def test_yaml_file_nested_under_system_key(tmp_path: Path) -> None:
    path = tmp_path / "m.yml"
    path.write_text("system:\n  glibc: '2.28'\n  driver: '470.82.01'\n", encoding="utf-8")
    p = parse_system(str(path))
    assert (p.glibc, p.driver, p.max_cuda()) == ("2.28", "470.82.01", "11.4")


def test_yaml_file_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("os: [ubuntu\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_system(str(broken))
    assert err.value.source == str(broken)
    assert err.value.line is not None
    bad_key = tmp_path / "bad.yaml"
    bad_key.write_text("os: ubuntu22.04\nram: 64\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_system(str(bad_key))
    assert (err.value.source, err.value.field) == (str(bad_key), "ram")
    with pytest.raises(InputError):
        parse_system(str(tmp_path / "missing.yaml"))


def test_profile_from_dict_numbers_and_nulls() -> None:
    p = profile_from_dict({"glibc": 2.35, "driver": None, "gpu": ["T4"]})
    assert p.glibc == "2.35"
    assert p.driver is None
    assert p.gpus == ("7.5",)
    assert profile_from_dict({"cuda": "none"}).cuda is None


def test_profile_validation() -> None:
    with pytest.raises(InputError) as err:
        SystemProfile(gpus=("8.0",), gpu_names=("A", "B"))
    assert err.value.field == "gpu_names"
    with pytest.raises(InputError):
        SystemProfile(glibc="two")
    assert SystemProfile(gpus=("sm_90",)).gpus == ("9.0",)


def test_to_dict_is_deterministic_and_complete() -> None:
    p = parse_system("os=ubuntu22.04,driver=535.104.05,gpu=2xA100,cuda=12.2,arch=x86_64")
    assert p.to_dict() == {
        "os": "ubuntu22.04",
        "glibc": "2.35",
        "driver": "535.104.05",
        "cuda": "12.2",
        "arch": "x86_64",
        "gpus": [
            {"compute_capability": "8.0", "name": "NVIDIA A100"},
            {"compute_capability": "8.0", "name": "NVIDIA A100"},
        ],
    }
    assert profile_from_dict(p.to_dict()).to_dict() == p.to_dict()


def test_profiles_are_frozen_and_hashable() -> None:
    p = parse_system("ubuntu22.04")
    with pytest.raises(AttributeError):
        p.os = "debian12"  # type: ignore[misc]
    assert hash(p) == hash(parse_system("ubuntu22.04"))


class _GlibcOnly:
    """System facts that are not a profile: only what a Target reads."""

    glibc: str | None = "2.31"


def test_a_target_types_its_system_by_what_it_reads() -> None:
    """``Target.system`` is a :class:`SystemFacts` (values may not import stack):
    a profile is one, and :func:`target_profile` gives it back to the layers that
    read more of it; other facts give their glibc and no profile."""
    profile = SystemProfile(glibc="2.35", driver="550.54.14")
    facts: SystemFacts = profile
    assert Target(system=facts).known_glibc == "2.35"
    assert target_profile(Target(system=profile)) is profile
    only = Target(system=_GlibcOnly())
    assert (only.known_glibc, only.assumed_glibc) == ("2.31", None)
    assert target_profile(only) is None
    assert target_profile(Target()) is None
    assert Target(system=SystemProfile()).known_glibc is None
