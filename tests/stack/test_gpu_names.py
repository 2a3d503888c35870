"""GPU names as nvidia-smi, torch and clouds print them, matched to the data's records."""

from __future__ import annotations

from pathlib import Path

import pytest

from compatlib._values import replace
from compatlib.errors import InputError
from compatlib.stack import knowledge as kb
from compatlib.stack.detect import parse_nvidia_smi
from compatlib.stack.knowledge import gpu

FIXTURES = Path(__file__).parent / "fixtures"

# (what a tool printed, the record it is, where it was printed). Names from
# `nvidia-smi --query-gpu=name`, nvidia-smi's table, or torch.cuda.get_device_name(),
# which reads the same driver string.
REAL_NAMES = [
    ("NVIDIA A100-SXM4-80GB", "NVIDIA A100", "fixtures/nvidia-smi_a100x8.csv"),
    ("NVIDIA H100 80GB HBM3", "NVIDIA H100", "fixtures/nvidia-smi_cc_na.csv"),
    ("Tesla T4", "Tesla T4", "fixtures/nvidia-smi_mixed.csv"),
    ("NVIDIA GeForce RTX 3090", "GeForce RTX 3090", "fixtures/nvidia-smi_mixed.csv"),
    ("Tesla V100-PCIE-16GB", "Tesla V100", "fixtures/nvidia-smi_old_driver_name_driver.csv"),
    ("NVIDIA B300 SXM6 AC", "NVIDIA B300", "github.com/pytorch/ao/pull/3640"),
    ("NVIDIA H200 NVL", "NVIDIA H200", "github.com/bigstack-oss/cubecos/issues/312"),
    (
        "NVIDIA RTX PRO 6000 Blackwell Server Edition",
        "NVIDIA RTX PRO 6000 Blackwell",
        "github.com/bigstack-oss/cubecos/issues/312",
    ),
    (
        "NVIDIA RTX PRO 6000 Blackwell Workstation Edition",
        "NVIDIA RTX PRO 6000 Blackwell",
        "github.com/xorbitsai/inference/issues/3866",
    ),
    (
        "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
        "NVIDIA RTX PRO 6000 Blackwell",
        "data/stack/gpus.yaml (alias)",
    ),
    ("NVIDIA H100 NVL", "NVIDIA H100", "github.com/NVIDIA/gpu-admin-tools/issues/4"),
    ("NVIDIA H100 PCIe", "NVIDIA H100", "nvidia-smi names in public benchmark logs"),
    ("NVIDIA H800 PCIe", "NVIDIA H100", "public benchmark logs (the H800 is an H100 variant)"),
    ("NVIDIA GH200 480GB", "NVIDIA GH200", "public deployment notes (nvidia-smi, torch)"),
    ("NVIDIA B200", "NVIDIA B200", "github.com/sgl-project/sglang/issues/8120"),
    ("NVIDIA GB10", "NVIDIA GB10", "github.com/rossumai/nvgpu/pull/37"),
    ("NVIDIA GeForce RTX 3060", "GeForce RTX 3060", "github.com/geerlingguy/...devices/issues/790"),
    (
        "NVIDIA GeForce RTX 4070",
        "GeForce RTX 4070",
        "github.com/Frogging-Family/nvidia-all/pull/212",
    ),
    ("NVIDIA GeForce RTX 4090", "GeForce RTX 4090", "public nvidia-smi --query-gpu outputs"),
    ("NVIDIA GeForce RTX 5090", "GeForce RTX 5090", "public nvidia-smi --query-gpu outputs"),
    ("NVIDIA GeForce GTX 1080 Ti", "GeForce GTX 1080 Ti", "public nvidia-smi --query-gpu outputs"),
    ("NVIDIA TITAN V", "NVIDIA TITAN V", "github.com/triton-inference-server/server/pull/8070"),
    ("NVIDIA A100-PCIE-40GB", "NVIDIA A100", "public nvidia-smi --query-gpu outputs"),
    ("NVIDIA A100-SXM4-40GB", "NVIDIA A100", "public nvidia-smi outputs"),
    ("NVIDIA A100 80GB PCIe", "NVIDIA A100", "public nvidia-smi outputs"),
    ("NVIDIA A10G", "NVIDIA A10G", "public nvidia-smi --query-gpu outputs (AWS g5)"),
    ("NVIDIA A10-4Q", "NVIDIA A10", "nvidia-smi on Azure NVadsA10 v5 (a vGPU slice)"),
    ("NVIDIA L4", "NVIDIA L4", "public nvidia-smi --query-gpu outputs"),
    ("NVIDIA L40S", "NVIDIA L40S", "public nvidia-smi --query-gpu outputs"),
    ("NVIDIA T4", "Tesla T4", "public nvidia-smi --query-gpu outputs"),
    ("NVIDIA RTX 6000 Ada Generation", "NVIDIA RTX 6000 Ada", "public nvidia-smi outputs"),
    ("NVIDIA RTX A6000", "NVIDIA RTX A6000", "public nvidia-smi outputs"),
    ("Quadro RTX 8000", "Quadro RTX 8000", "public nvidia-smi outputs"),
    ("Quadro RTX 6000", "Quadro RTX 6000", "public nvidia-smi outputs"),
    ("Tesla P100-PCIE-16GB", "Tesla P100", "public nvidia-smi --query-gpu outputs (Kaggle)"),
    ("Tesla V100-SXM2-32GB-LS", "Tesla V100", "public training logs (torch device name)"),
    ("Tesla V100S-PCIE-32GB", "Tesla V100", "public benchmark tables"),
    ("Tesla K80", "Tesla K80", "public nvidia-smi outputs"),
    ("Orin (nvgpu)", "Jetson AGX Orin", "nvidia-smi on Jetson Orin (JetPack 6)"),
]


@pytest.mark.parametrize(("printed", "record", "seen_in"), REAL_NAMES)
def test_real_names(printed: str, record: str, seen_in: str) -> None:
    model = gpu(printed)
    assert model.name == record, seen_in
    # the same name in other cases and with the tool's surrounding spaces
    assert gpu(f"  {printed.upper()} ") == model
    assert gpu(printed.lower()) == model


def test_the_table_is_big_enough_and_names_distinct() -> None:
    assert len(REAL_NAMES) >= 25
    assert len({n for n, _, _ in REAL_NAMES}) == len(REAL_NAMES)


def test_every_recorded_nvidia_smi_output_names_a_known_gpu() -> None:
    for path in sorted(FIXTURES.glob("nvidia-smi_*.csv")):
        for found in parse_nvidia_smi(path.read_text(encoding="utf-8")):
            model = gpu(found.name)
            if found.compute_capability is not None:
                assert model.compute_capability == found.compute_capability, path.name


@pytest.mark.parametrize(
    ("printed", "record"),
    [
        ("A100", "NVIDIA A100"),
        ("h100", "NVIDIA H100"),
        ("RTX 4090", "GeForce RTX 4090"),
        ("rtx4090", "GeForce RTX 4090"),  # squashed
        ("RTX PRO 6000", "NVIDIA RTX PRO 6000 Blackwell"),  # the generation left out
        ("NVIDIA A100-SXM4-80GB MIG 1g.10gb", "NVIDIA A100"),  # a MIG slice of it
        ("NVIDIA Tegra Orin (nvgpu)", "Jetson AGX Orin"),
        ("GRID T4-16Q", "Tesla T4"),
        ("Tesla V100 PCI-E-32GB", "Tesla V100"),
        ("NVIDIA GH200 144G HBM3e", "NVIDIA GH200"),
        ("HGX B200", "NVIDIA B200"),
    ],
)
def test_spellings_people_and_tools_use(printed: str, record: str) -> None:
    assert gpu(printed).name == record


@pytest.mark.parametrize(
    "printed",
    [
        "NVIDIA GeForce RTX 4090 Laptop GPU",  # another chip: not the desktop card
        "NVIDIA GeForce RTX 4090 D",
        "NVIDIA RTX 6000 Foo",
        "NVIDIA A800-SXM4-80GB",
        "NVIDIA H20",
        "AMD Instinct MI300X",
        "SXM4 80GB",
    ],
)
def test_unknown_models_are_errors_not_guesses(printed: str) -> None:
    with pytest.raises(InputError) as err:
        gpu(printed)
    assert err.value.field == "gpu"
    assert "unknown GPU" in err.value.message


def test_a_name_of_two_models_is_an_error_naming_both() -> None:
    """ "RTX 6000" is the Turing Quadro RTX 6000 and the RTX 6000 Ada; the brand
    nvidia-smi prints for the Turing card ("Quadro") tells them apart."""
    with pytest.raises(InputError) as err:
        gpu("RTX 6000")
    assert "ambiguous" in err.value.message
    assert "Quadro RTX 6000 (compute capability 7.5)" in err.value.message
    assert "NVIDIA RTX 6000 Ada (compute capability 8.9)" in err.value.message
    assert gpu("Quadro RTX 6000").compute_capability == "7.5"
    assert gpu("NVIDIA RTX 6000 Ada Generation").compute_capability == "8.9"


def test_a_spelling_two_records_claim_is_an_error_naming_both() -> None:
    models = list(kb.gpus())
    ada = next(m for m in models if m.name == "NVIDIA RTX 6000 Ada")
    models[models.index(ada)] = replace(ada, aliases=(*ada.aliases, "Quadro RTX 6000"))
    with pytest.raises(InputError) as err:
        gpu("Quadro RTX 6000", models=models)
    assert "Quadro RTX 6000 (compute capability 7.5)" in err.value.message
    assert "NVIDIA RTX 6000 Ada (compute capability 8.9)" in err.value.message
    assert gpu("Quadro RTX 6000").name == "Quadro RTX 6000"  # the shipped data is unchanged


def test_no_two_records_share_a_spelling() -> None:
    """Every name and alias in gpus.yaml resolves to its own record."""
    for model in kb.gpus():
        for spelling in (model.name, *model.aliases):
            assert gpu(spelling) == model, spelling


def test_every_azure_gpu_is_known() -> None:
    for size in kb.azure_vm_sizes():
        assert gpu(size.gpu).name
