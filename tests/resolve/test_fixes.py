"""Verified fixes across layers (compatlib.resolve.fixes): each kind found by a real
solve over framework indexes built from the knowledge base, worded for users,
typed in to_dict(), and ranked smallest change first."""

from __future__ import annotations

import pytest
from stack.stack_index import framework_index

from compatlib import Target, UnsatisfiableError, solve
from compatlib.resolve.fixes import (
    CombinedFix,
    DriverBranchFix,
    DriverFix,
    DropFix,
    GlibcFix,
    GpuFix,
    LoosenFix,
    VariantFix,
    _dominated,
)
from compatlib.solver.explanation import Explanation
from compatlib.stack.profile import parse_system


def _fail(system: str, index: list[str], request: list[str], python: str = "3.11") -> Explanation:
    target = Target(python=python, platform="linux-64", system=parse_system(system))
    with pytest.raises(UnsatisfiableError) as info:
        solve(request, index=framework_index(index), target=target)
    return info.value.explanation


def test_a_k80_on_a_550_driver_is_said_and_fixed_two_ways() -> None:
    expl = _fail("driver=550.54.15,gpu=K80", ["torch 2.0.1"], ["torch==2.0.1"], "3.10")
    assert "an NVIDIA driver of the 470 branch or older" in expl.text
    assert "Kepler GPUs such as the target's Tesla K80" in expl.text
    first, second = expl.fixes[:2]
    assert isinstance(first, DriverBranchFix)
    assert first.driver == "470.82.01"
    assert first.versions["torch"] == "2.0.1"
    assert first.text == (
        "use an NVIDIA driver of the 470 branch (470.82.01 or a newer 470 driver) instead of "
        "550.54.15: it is the last branch that supports the Tesla K80 (Kepler)"
    )
    assert first.to_dict()["change"] == {"driver": "470.82.01"}
    assert isinstance(second, GpuFix)
    assert second.azure_vm == "Standard_NC4as_T4_v3"


def test_the_same_k80_on_a_470_driver_solves() -> None:
    target = Target(
        python="3.10", platform="linux-64", system=parse_system("driver=470.82.01,gpu=K80")
    )
    res = solve(["torch==2.0.1"], index=framework_index(["torch 2.0.1"]), target=target)
    assert str(res.versions["torch"]) == "2.0.1"


def test_an_unusable_gpu_is_named_where_its_compute_capability_fails() -> None:
    expl = _fail("driver=535.104.05,gpu=K80", ["torch 2.3.1"], ["torch==2.3.1"])
    assert (
        "(the target's GPU (Tesla K80) has compute capability 3.7, and its driver 535.104.05 "
        "does not support it: Kepler GPUs were last supported by the 470 driver branch)"
    ) in expl.text


def test_a_gpu_locked_with_no_driver_given_bounds_the_driver_from_above() -> None:
    target = Target(python="3.10", platform="linux-64", system=parse_system("gpu=K80"))
    res = solve(["torch==2.0.1"], index=framework_index(["torch 2.0.1"]), target=target)
    assert res.system_requirements["nvidia_driver"].requirement == ">=450.80.02, <471"


def test_the_gpu_fix_is_the_nearest_gpu_the_build_runs_on() -> None:
    # torch 2.6.0 has no sm_100/sm_120 code: from an RTX 5090 the H100 is the nearest
    expl = _fail("driver=570.124.06,gpu=RTX 5090", ["torch 2.6.0"], ["torch==2.6.0"])
    fix = next(f for f in expl.fixes if isinstance(f, GpuFix))
    assert fix.text == "move to a Standard_NC40ads_H100_v5 VM (NVIDIA H100, compute capability 9.0)"
    assert fix.change == {
        "gpu": "NVIDIA H100",
        "compute_capability": "9.0",
        "azure_vm": "Standard_NC40ads_H100_v5",
    }
    assert fix.versions["torch"] == "2.6.0"


def test_the_gpu_fix_names_the_azure_preset_it_replaces() -> None:
    expl = _fail(
        "azure:Standard_NC6s_v2,driver=580.65.06", ["torch 2.9.0+cu130"], ["torch==2.9.0+cu130"]
    )
    assert expl.fixes[0].text == (
        "move from Standard_NC6s_v2 to a Standard_NC4as_T4_v3 VM (Tesla T4, compute capability 7.5)"
    )


def test_the_gpu_fix_names_the_azure_preset_wherever_the_spec_gives_it() -> None:
    # the preset after an OS: the profile's source then starts "os:ubuntu22.04"
    expl = _fail(
        "ubuntu22.04,azure:Standard_NC6s_v2,driver=580.65.06",
        ["torch 2.9.0+cu130"],
        ["torch==2.9.0+cu130"],
    )
    assert expl.fixes[0].text.startswith("move from Standard_NC6s_v2 to a ")


def test_the_glibc_fix_names_an_os_release_and_an_azure_ml_image() -> None:
    expl = _fail(
        "os=ubuntu18.04,driver=535.104.05,gpu=A100", ["torch 2.7.1"], ["torch==2.7.1"], "3.10"
    )
    fix = expl.fixes[0]
    assert isinstance(fix, GlibcFix)
    assert fix.example == ("Ubuntu 20.04", "2.31")
    assert fix.image is not None
    assert "cuda12" in fix.image
    assert "ubuntu22.04" in fix.image
    assert fix.change == {"glibc": "2.28", "os": "Ubuntu 20.04"}
    rhel = _fail("os=centos7,driver=535.104.05,gpu=A100", ["torch 2.8.0"], ["torch==2.8.0"])
    assert "such as Red Hat Enterprise Linux 8 (glibc 2.28)" in rhel.fixes[0].text


def test_a_variant_fix_names_the_pytorch_index_and_comes_first() -> None:
    expl = _fail(
        "driver=520.61.05,gpu=A100",
        ["torch 2.4.1+cu124", "torch 2.4.1+cu118"],
        ["torch==2.4.1+cu124"],
    )
    variant = expl.fixes[0]
    assert isinstance(variant, VariantFix)
    assert variant.text == (
        "use the cu118 build of torch 2.4.1 "
        "(torch==2.4.1+cu118 from https://download.pytorch.org/whl/cu118)"
    )
    assert variant.change["index_url"] == "https://download.pytorch.org/whl/cu118"
    assert isinstance(expl.fixes[1], DriverFix)


def test_a_build_the_sources_lack_is_a_hint_with_its_index() -> None:
    expl = _fail("driver=470.82.01,gpu=T4", ["torch 2.4.1"], ["torch==2.4.1"])
    assert expl.hints == (
        "torch 2.4.1 also has a cu118 build (CUDA 11.8) that runs on this machine per the "
        "knowledge base; it is on the PyTorch index, which is not among the sources given: "
        "pip install torch==2.4.1+cu118 --extra-index-url https://download.pytorch.org/whl/cu118",
    )
    assert [f.kind for f in expl.fixes] == ["driver"]


def test_no_build_hint_where_neither_driver_nor_gpu_fails() -> None:
    expl = _fail(
        "driver=535.104.05,gpu=A100",
        ["torch 2.0.1", "nvidia-cudnn-cu11 9.0.0.312"],
        ["torch==2.0.1", "nvidia-cudnn-cu11>=9"],
        "3.10",
    )
    assert not any("PyTorch index" in h for h in expl.hints)


def test_fixes_are_ranked_smallest_change_first() -> None:
    expl = _fail(
        "driver=535.104.05,gpu=A100",
        ["torch 2.0.1", "nvidia-cudnn-cu11 9.0.0.312"],
        ["torch==2.0.1", "nvidia-cudnn-cu11>=9"],
        "3.10",
    )
    assert [type(f) for f in expl.fixes] == [LoosenFix, DropFix]


def test_a_two_layer_fix_is_dropped_when_one_of_its_layers_suffices() -> None:
    driver = DriverFix("525.60.13", "470.82.01")
    gpu = GpuFix("Tesla T4", "7.5", "Standard_NC4as_T4_v3")
    both = CombinedFix(driver, gpu)
    assert _dominated(both, [both, gpu])
    assert not _dominated(both, [both])
    assert not _dominated(gpu, [both, gpu])
    assert both.kind == "driver+gpu"


def test_a_series_pin_gets_the_build_hint_and_a_cpu_loosening_says_so() -> None:
    expl = _fail(
        "driver=470.82.01,gpu=T4",
        ["torch 2.4.1", "torch 2.4.0", "torch 2.13.0+cpu"],
        ["torch==2.4.*"],
    )
    assert any("pip install torch==2.4.1+cu118" in h for h in expl.hints)
    loosen = next(f for f in expl.fixes if isinstance(f, LoosenFix))
    assert loosen.text == (
        "loosen torch==2.4.* to torch (it then resolves to torch 2.13.0+cpu, "
        "a CPU-only build that does not use the GPU)"
    )


def test_a_loosening_onto_a_release_the_data_lacks_says_it_was_not_checked() -> None:
    from compatlib.sources.memory import Artifact, Index, IndexRelease
    from compatlib.stack.knowledge import as_of

    base = framework_index(["torch 2.0.1"])
    packages = {name: base.releases(name) for name in base.packages()}
    # torch 1.12.1, older than the data: its Linux wheel carries CUDA inside
    wheel = Artifact("torch-1.12.1-cp310-cp310-manylinux1_x86_64.whl")
    packages["torch"] = [*packages["torch"], IndexRelease("1.12.1", artifacts=(wheel,))]
    target = Target(
        python="3.10", platform="linux-64", system=parse_system("driver=550.54.15,gpu=K80")
    )
    with pytest.raises(UnsatisfiableError) as info:
        solve(["torch==2.0.1"], index=Index(packages), target=target)
    expl = info.value.explanation
    loosen = next(f for f in expl.fixes if isinstance(f, LoosenFix))
    assert loosen.text == (
        "loosen torch==2.0.1 to torch (it then resolves to torch 1.12.1; torch 1.12.1 is not "
        f"in compatlib's data, as of {as_of()}, so whether it runs on this driver and GPU "
        "was not checked)"
    )
    # without a GPU or driver there is nothing to check: no caveat
    assert LoosenFix("torch==2.0.1", "torch", "1.12.1").text == (
        "loosen torch==2.0.1 to torch (it then resolves to torch 1.12.1)"
    )


def test_a_pin_with_no_code_for_the_gpu_gets_the_branch_and_a_loosening_together() -> None:
    """torch 2.3.1 has no Kepler code and a 550 driver cannot drive a K80: no single
    change fixes it; the 470 branch with torch loosened (to 2.0.1) does."""
    expl = _fail(
        "driver=550.54.15,gpu=K80", ["torch 2.0.1", "torch 2.3.1"], ["torch==2.3.1"], "3.10"
    )
    assert "needs a GPU of compute capability 5.0-9.x" in expl.text
    combined = next(f for f in expl.fixes if isinstance(f, CombinedFix))
    assert isinstance(combined.first, DriverBranchFix)
    assert isinstance(combined.then, LoosenFix)
    assert combined.versions["torch"] == "2.0.1"
    assert combined.text == (
        "use an NVIDIA driver of the 470 branch (470.82.01 or a newer 470 driver) instead of "
        "550.54.15: it is the last branch that supports the Tesla K80 (Kepler), and loosen "
        "torch==2.3.1 to torch (it then resolves to torch 2.0.1)"
    )
    # where the branch alone suffices, it is the fix, not a combination
    expl = _fail(
        "driver=550.54.15,gpu=K80", ["torch 2.0.1", "torch 2.3.1"], ["torch==2.0.1"], "3.10"
    )
    assert not any(isinstance(f, CombinedFix) and "loosen" in f.text for f in expl.fixes)
