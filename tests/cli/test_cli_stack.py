"""``compatlib stack`` and ``compatlib solve --system``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compatlib.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["stack", "min-driver", "12.1"], "530.30.02"),
        (["stack", "min-driver", "12.1", "--minor"], "525.60.13"),
        (["stack", "glibc", "ubuntu22.04"], "2.35"),
        (["stack", "can-run", "8.0,9.0+PTX", "12.0"], "yes"),
        (["stack", "cuda-supports", "12.0", "3.7"], "no"),
    ],
)
def test_plain_answers(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == expected


def test_json_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "--json", "gpu", "H100"]) == 0
    assert json.loads(capsys.readouterr().out)["compute_capability"] == "9.0"
    assert (
        main(
            [
                "stack",
                "--json",
                "newest",
                "torch",
                "--system",
                "driver=470.82.01,gpu=V100",
                "--python",
                "3.10",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["newest"]["variant"] == "cu118"
    assert data["rejected"]


def test_matrix_and_presets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "matrix", "torch", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| 2.3.1 |" in out
    assert main(["stack", "presets"]) == 0
    assert "azure:Standard_NC24ads_A100_v4" in capsys.readouterr().out.split()


def test_bad_stack_input_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "min-driver", "12.77"]) == 2
    err = capsys.readouterr().err
    assert "12.77" in err
    assert "Traceback" not in err
    assert main(["stack", "system", "driver=abc"]) == 2


def test_solve_with_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "idx.toml"
    index.write_text(
        'name = "s"\n[root]\nrequires = []\n[expected]\nsatisfiable = true\n'
        '[packages.torch.versions."2.3.1"]\nrequires_python = ">=3.8"\n'
        '[packages.nvidia-cuda-runtime-cu12.versions."12.1.105"]\nrequires_python = ">=3.8"\n',
        encoding="utf-8",
    )
    assert (
        main(
            [
                "solve",
                str(index),
                "nvidia-cuda-runtime-cu12",
                "--python",
                "3.11",
                "--system",
                "driver=470.82.01",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "needs an NVIDIA driver >=525.60.13" in err
    assert "the target's NVIDIA driver is 470.82.01" in err
    assert "upgrade the NVIDIA driver" in err
    assert (
        main(
            [
                "solve",
                str(index),
                "torch",
                "--python",
                "3.11",
                "--system",
                "driver=535.104.05",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["system"]["nvidia_driver"] == "535.104.05"


def test_json_flag_after_the_query(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "glibc", "ubuntu24.04", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"glibc": "2.39", "os": "ubuntu24.04", "as_of": data["as_of"]}
    assert main(["stack", "glibc", "ubuntu24.04"]) == 0
    assert capsys.readouterr().out.strip() == "2.39"
