"""Where a user can move: GPUs and Azure VM sizes, OS releases and Azure ML images,
driver branches (compatlib.stack.choices), and the driver-branch data they use."""

from __future__ import annotations

from compatlib.stack import knowledge as kb
from compatlib.stack.choices import (
    driver_choices,
    gpu_choices,
    image_choices,
    os_choices,
    os_label,
)


def test_a_k80_moves_to_the_nearest_gpu_on_an_available_azure_vm() -> None:
    choices = gpu_choices(["3.7"], ["Tesla K80"])
    assert choices[0].label == "a Standard_NC4as_T4_v3 VM (Tesla T4, compute capability 7.5)"
    assert choices[1].label == (
        "a Standard_NC24ads_A100_v4 VM (NVIDIA A100, compute capability 8.0)"
    )
    # retired series (NC, NCv2, NCv3, ND, NV) are never offered
    retired = {s.name for s in kb.azure_vm_sizes() if s.status == "retired"}
    assert not retired & {c.vm.name for c in choices}


def test_the_same_azure_family_comes_first() -> None:
    # an H100 runs in NC and ND VMs: an A100 (NC) before the nearer A10 (NV)
    names = [c.gpu.name for c in gpu_choices(["9.0"], ["NVIDIA H100"])]
    assert names.index("NVIDIA A100") < names.index("NVIDIA A10")
    # an M60 ran in NV VMs: the A10, its NV successor, first
    assert gpu_choices(["5.2"], ["Tesla M60"])[0].gpu.name == "NVIDIA A10"


def test_gpu_choices_skip_vgpu_slices_and_the_current_compute_capability() -> None:
    choices = gpu_choices(["8.0"], ["NVIDIA A100"])
    assert "8.0" not in {c.gpu.compute_capability for c in choices}
    a10 = next(c for c in choices if c.gpu.name == "NVIDIA A10")
    assert a10.vm.name == "Standard_NV36ads_A10_v5"  # a whole GPU, not a 1/6 slice
    kept = gpu_choices(["8.0", "9.0"], ["NVIDIA A100", "NVIDIA H100"], exclude_current=False)
    assert "8.0" in {c.gpu.compute_capability for c in kept}


def test_os_choices_stay_close_to_the_current_release() -> None:
    assert [c.label for c in os_choices("2.28", current="ubuntu18.04")][:2] == [
        "Ubuntu 20.04 (glibc 2.31)",
        "Ubuntu 22.04 (glibc 2.35)",
    ]
    # CentOS 7: the RHEL family first, oldest glibc first
    assert os_choices("2.28", current="centos7")[0].release.id == "rhel8"
    assert all(float(c.release.glibc) >= 2.28 for c in os_choices("2.28"))
    assert os_label(kb.os_release("ubuntu22.04")) == "Ubuntu 22.04"


def test_image_choices_fit_the_glibc_the_gpu_and_the_driver() -> None:
    gpu = image_choices("2.28", gpu=True, driver="535.104.05")
    assert gpu
    assert all(c.image.cuda is not None for c in gpu)
    assert gpu[0].release.id == "ubuntu22.04"
    assert all(c.image.status == "supported" for c in gpu)
    # a 470 driver runs no CUDA 12 image
    assert image_choices("2.28", gpu=True, driver="470.82.01") == ()
    cpu = image_choices("2.36", gpu=False)
    assert [c.release.id for c in cpu] == ["ubuntu24.04"]
    assert cpu[0].label.startswith("the Azure ML base image mcr.microsoft.com/azureml/")


def test_driver_choices_are_the_newest_of_a_branch() -> None:
    assert driver_choices(470)[0] == "470.82.01"
    assert all(d.startswith("470.") for d in driver_choices(470))
    assert driver_choices(300) == ()


def test_driver_branch_support_per_architecture() -> None:
    assert {b.architecture: b.last_branch for b in kb.driver_branches()} == {
        "Kepler": 470,
        "Maxwell": 580,
        "Pascal": 580,
        "Volta": 580,
    }
    k80 = kb.last_driver_branch("3.7")
    assert k80 is not None
    assert k80.last_branch == 470
    assert k80.source.startswith("https://")
    assert kb.last_driver_branch("7.5") is None  # Turing: still supported
    assert kb.last_driver_branch("5.3") is None  # Jetson Nano: L4T, not a desktop branch
    assert kb.last_driver_branch("99.0") is None
    assert not kb.driver_supports_gpu("550.54.15", "3.7")
    assert kb.driver_supports_gpu("470.82.01", "3.7")
    assert not kb.driver_supports_gpu("590.44.01", "7.0")
    assert kb.driver_supports_gpu("590.44.01", "7.5")
    assert k80.drives("470.256.02")
    assert k80.drives("390.157")
    assert not k80.drives("535.104.05")
