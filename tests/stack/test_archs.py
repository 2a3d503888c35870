"""Compute-capability rules (compatlib.stack.archs) on real cards and real torch builds."""

from __future__ import annotations

import pytest

from compatlib.errors import InputError
from compatlib.stack.archs import (
    ArchTarget,
    describe_arch_list,
    parse_arch_list,
    parse_target,
    runs_on,
    split_compute_capability,
)
from compatlib.stack.frameworks import build
from compatlib.stack.knowledge import UnknownToData, can_run, is_tegra
from compatlib.stack.query import check_build

# --------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("entry", "target"),
    [
        ("8.6", ArchTarget(8, 6, True, False)),
        ("sm_86", ArchTarget(8, 6, True, False)),
        ("86", ArchTarget(8, 6, True, False)),
        ("compute_90", ArchTarget(9, 0, False, True)),
        ("9.0+PTX", ArchTarget(9, 0, True, True)),
        ("12.0+ptx", ArchTarget(12, 0, True, True)),
        ("sm_120", ArchTarget(12, 0, True, False)),
        ("sm_90a", ArchTarget(9, 0, True, False, "a")),
        ("compute_100a", ArchTarget(10, 0, False, True, "a")),
        ("sm_100f", ArchTarget(10, 0, True, False, "f")),
        ("compute_103f", ArchTarget(10, 3, False, True, "f")),
    ],
)
def test_parse_target(entry: str, target: ArchTarget) -> None:
    assert parse_target(entry) == target


@pytest.mark.parametrize("bad", ["ampere", "sm_", "8", "x.y", "sm_90z"])
def test_parse_target_rejects_what_is_no_target(bad: str) -> None:
    with pytest.raises(InputError):
        parse_target(bad)


def test_parse_arch_list_splits_strings_and_refuses_empty_lists() -> None:
    assert parse_arch_list("7.0;8.0+PTX") == (
        ArchTarget(7, 0, True, False),
        ArchTarget(8, 0, True, True),
    )
    assert len(parse_arch_list("7.0 7.5,8.0")) == 3
    with pytest.raises(InputError):
        parse_arch_list([])
    with pytest.raises(InputError):
        parse_arch_list(" ; ")
    assert split_compute_capability("sm_121a") == (12, 1, "a")


# --------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("arch_list", "cc", "expected"),
    [
        # SASS: same major, minor >= the target's; never across majors
        (["8.0"], (8, 6), True),
        (["8.0"], (8, 9), True),
        (["8.6"], (8, 0), False),
        (["8.6"], (9, 0), False),
        (["10.0"], (10, 3), True),
        (["12.0"], (12, 1), True),
        # PTX: any GPU of the target's compute capability or newer
        (["compute_50"], (12, 0), True),
        (["compute_90"], (8, 9), False),
        (["7.0+PTX"], (9, 0), True),
        # "a": that compute capability only, SASS and PTX alike
        (["sm_90a"], (9, 0), True),
        (["compute_90a"], (10, 0), False),
        (["sm_100a"], (10, 3), False),
        # "f": the family (same major), minor >=, SASS and PTX alike
        (["sm_100f"], (10, 3), True),
        (["compute_100f"], (10, 3), True),
        (["compute_100f"], (11, 0), False),
        (["compute_100f"], (12, 0), False),
        (["sm_103f"], (10, 0), False),
    ],
)
def test_rules(arch_list: list[str], cc: tuple[int, int], expected: bool) -> None:
    assert runs_on(parse_arch_list(arch_list), cc) is expected


def test_tegra_needs_exact_machine_code() -> None:
    orin = {(8, 7)}
    assert not runs_on(parse_arch_list(["8.0"]), (8, 7), orin)
    assert runs_on(parse_arch_list(["8.7"]), (8, 7), orin)
    assert not runs_on(parse_arch_list(["8.7"]), (8, 9), orin)
    assert runs_on(parse_arch_list(["compute_80"]), (8, 7), orin)  # PTX still JITs
    assert is_tegra("8.7")
    assert is_tegra("sm_72")
    assert not is_tegra("8.6")


# --------------------------------------------------------------------- real cards, real torch


def _torch(version: str, variant: str) -> tuple[str, ...]:
    return build("torch", version, variant).arch_list


# torch 2.3.1 cu121: 5.0 6.0 7.0 7.5 8.0 8.6 9.0 (machine code only)
# torch 2.7.0 cu128: 7.5 8.0 8.6 9.0 10.0 12.0+PTX
# torch 2.15.0 cu132: 7.5 8.0 8.6 9.0 10.0 12.0 (read from the wheel's GPU code)
@pytest.mark.parametrize(
    ("card", "cc", "version", "variant", "expected"),
    [
        ("Tesla M60", "5.2", "2.3.1", "cu121", True),  # sm_50 SASS runs on 5.2
        ("Tesla P40", "6.1", "2.3.1", "cu121", True),  # sm_60 SASS runs on 6.1
        ("NVIDIA L4", "8.9", "2.3.1", "cu121", True),  # sm_86 SASS runs on 8.9
        ("GeForce RTX 5090", "12.0", "2.3.1", "cu121", False),  # no 12.x code, no PTX
        ("Tesla M60", "5.2", "2.7.0", "cu128", False),
        ("GeForce GTX 1080", "6.1", "2.7.0", "cu128", False),
        ("GeForce RTX 4090", "8.9", "2.7.0", "cu128", True),
        ("GeForce RTX 5090", "12.0", "2.7.0", "cu128", True),
        ("NVIDIA GB10", "12.1", "2.15.0", "cu132", True),  # sm_120 SASS runs on 12.1
        ("NVIDIA B300", "10.3", "2.15.0", "cu132", True),
        ("Jetson T5000", "11.0", "2.15.0", "cu132", False),  # no 11.x code, no PTX
        ("Tesla P40", "6.1", "2.15.0", "cu132", False),
    ],
)
def test_real_cards_on_real_torch_builds(
    card: str, cc: str, version: str, variant: str, expected: bool
) -> None:
    arch_list = _torch(version, variant)
    assert can_run(arch_list, cc) is expected, (card, arch_list)
    assert build("torch", version, variant).runs_on(cc) is expected


@pytest.mark.parametrize(
    ("version", "variant", "text"),
    [
        ("2.3.1", "cu121", "compute capability 5.0-9.x"),
        ("2.0.0", "cu118", "compute capability 3.7, 5.0-9.x"),
        ("2.7.0", "cu128", "compute capability 7.5-10.x, 12.x, and newer through PTX"),
        ("2.15.0", "cu132", "compute capability 7.5-10.x, 12.x"),
    ],
)
def test_real_torch_arch_lists_render_as_ranges(version: str, variant: str, text: str) -> None:
    assert describe_arch_list(_torch(version, variant)) == text


@pytest.mark.parametrize(
    ("arch_list", "text"),
    [
        (["8.0", "9.0+PTX"], "compute capability 8.0-9.x, and newer through PTX"),
        (["compute_90"], "compute capability 9.0 and newer through PTX"),
        (["5.0", "compute_70", "9.0"], "compute capability 5.x, 7.0 and newer through PTX"),
        (["8.6"], "compute capability 8.6-8.x"),  # 8.7 and 8.9 run it
        (["3.7", "5.0"], "compute capability 3.7, 5.x"),  # no 3.x above 3.7
        (["3.5"], "compute capability 3.5-3.x"),
        (["13.1"], "compute capability 13.1-13.x"),  # a major the data does not know
        (["sm_100f"], "compute capability 10.x"),
        (
            ["8.0", "sm_90a", "compute_100a"],
            "compute capability 8.x, 9.0 only (sm_90a), 10.0 only (compute_100a)",
        ),
    ],
)
def test_describe_arch_list(arch_list: list[str], text: str) -> None:
    assert describe_arch_list(arch_list) == text


def test_a_span_of_one_known_compute_capability_reads_as_it() -> None:
    """Within one major, a range reads as its lowest compute capability alone when
    none known lies above it; spans over majors or minors keep their wording."""
    known = [(8, 0), (8, 6), (9, 0)]
    assert describe_arch_list(["8.6"], known) == "compute capability 8.6"
    assert describe_arch_list(["8.0"], known) == "compute capability 8.x"
    assert describe_arch_list(["8.6", "9.0"], known) == "compute capability 8.6-9.x"
    assert describe_arch_list(["8.6"], [(8, 6), (8, 9)]) == "compute capability 8.6-8.x"


def test_explanations_give_ranges_not_exact_values() -> None:
    """A build for 5.0 ... 9.0 is not "for 5.0, 6.0, 7.0, ...": a 6.1 card runs it."""
    from compatlib.stack.profile import parse_system

    old = build("torch", "2.3.1", "cu121")
    assert check_build(old, parse_system("gpu=P40")).works
    new = build("torch", "2.15.0", "cu132")
    (reason,) = check_build(new, parse_system("gpu=P40")).reasons
    assert reason == (
        "it has no GPU code for compute capability 6.1 "
        "(built for compute capability 7.5-10.x, 12.x)"
    )
    assert "7.5, 8.0" not in reason
    (orin,) = check_build(new, parse_system("gpu=Orin")).reasons
    assert "Jetson (Tegra)" in orin
    assert "exactly 8.7" in orin


def test_unknown_compute_capability_is_unknown_everywhere() -> None:
    """10.7 (Rubin) is not in the data as of its date: no answer is given for it."""
    from compatlib.stack.knowledge import cuda_supports

    ptx = _torch("2.7.0", "cu128")  # its 12.0 PTX would JIT for newer GPUs, but ...
    for ask in (
        lambda: can_run(["8.0", "9.0+PTX"], "10.7"),
        lambda: can_run(ptx, "13.0"),
        lambda: cuda_supports("13.0", "10.7"),
        lambda: build("torch", "2.7.0", "cu128").runs_on("10.7"),
        lambda: build("jax", "0.10.2", "cuda13").runs_on("10.7"),
        lambda: build("torch", "2.3.1", "cpu").runs_on("10.7"),
    ):
        with pytest.raises(UnknownToData) as err:
            ask()
        assert "10.7" in str(err.value) or "13.0" in str(err.value)
        assert err.value.as_of in str(err.value)
