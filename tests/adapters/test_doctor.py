"""compatlib doctor: planted problems are found where they are; clean files give nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compatlib.adapters.doctor import CODES, diagnose
from compatlib.cli import main

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _codes(path: Path) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in diagnose([path])]


def test_clean_requirements_have_no_findings(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "requirements.txt",
        "--index-url https://pypi.org/simple\n"
        "numpy==2.2.6\n"
        "torch==2.5.1\n"
        "peft @ git+https://github.com/huggingface/peft.git@"
        "0123456789abcdef0123456789abcdef01234567\n",
    )
    assert diagnose([path]) == []


def test_clean_environment_has_no_findings(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "environment.yml",
        "name: clean\nchannels:\n  - conda-forge\n  - nodefaults\n"
        "dependencies:\n  - python=3.11\n  - numpy=2.2\n  - pip=25.1\n  - pip:\n    - six==1.17.0\n",
    )
    assert diagnose([path]) == []


def test_requirements_problems(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "requirements.txt",
        f"--extra-index-url https://user:{GITHUB_TOKEN}@example.com/simple\n"  # 1
        "--trusted-host example.com\n"  # 2
        "numpy\n"  # 3
        "pandas>=2\n"  # 4
        "peft @ git+https://github.com/huggingface/peft.git@main\n"  # 5
        "torch==2.1.2+cu121\n"  # 6
        "--find-links http://mirror.example/wheels\n"  # 7
        "--extra-index-url https://${USER}:${TOKEN}@example.com/simple\n",  # 8: fine
    )
    assert _codes(path) == [
        ("CL001", 1),
        ("CL001", 1),
        ("CL002", 2),
        ("CL010", 3),
        ("CL011", 4),
        ("CL013", 5),
        ("CL030", 6),
        ("CL002", 7),
    ]
    (cuda,) = [f for f in diagnose([path]) if f.code == "CL030"]
    assert "CUDA 12.1" in cuda.message
    assert ">= 525.60.13" in cuda.message


@pytest.mark.parametrize(
    ("line", "cuda"),
    [
        ("torch==1.7.1+cu92", "CUDA 9.2:"),
        ("torch==1.8.1+cu101", "CUDA 10.1:"),
        ("torch==2.1.2+cu118", "CUDA 11.8:"),
        ("nvidia-cublas-cu12==12.1.3.1", "CUDA 12.x:"),
    ],
)
def test_the_cuda_of_a_package_name(tmp_path: Path, line: str, cuda: str) -> None:
    path = _write(tmp_path, "requirements.txt", line + "\n")
    (found,) = [f for f in diagnose([path]) if f.code == "CL030"]
    assert cuda in found.message


def test_environment_problems(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "environment.yml",
        "name: messy\n"
        "channels:\n"  # 2
        "  - conda-forge\n"  # 3
        "  - defaults\n"  # 4
        "dependencies:\n"
        "  - numpy\n"  # 6
        "  - pytorch-cuda=11.8\n"  # 7
        "  - pip:\n"  # 8
        "    - numpy==2.2.6\n",  # 9
    )
    assert _codes(path) == [
        ("CL023", None),
        ("CL021", 3),
        ("CL012", 6),
        ("CL030", 7),
        ("CL020", 9),
        ("CL022", 9),
    ]


def test_azureml_image_problems(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "conda.yml",
        "channels: [conda-forge, nodefaults]\ndependencies:\n  - python=3.10\n  - pip=24.0\n",
    )
    path = _write(
        tmp_path,
        "env.yml",
        "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n"
        "name: train\n"
        "image: mcr.microsoft.com/azureml/openmpi3.1.2-cuda10.2-cudnn8-ubuntu18.04:latest\n"
        "conda_file: conda.yml\n",
    )
    assert _codes(path) == [("CL040", 3), ("CL041", 3)]


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path, "requirements.txt", f"# token {GITHUB_TOKEN}\nnumpy==2.2.6\n")
    assert main(["doctor", str(bad), "--json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["code"] == "CL001"
    assert finding["severity"] == "error"
    assert finding["line"] == 1
    warn = _write(tmp_path, "r2.txt", "numpy\n")
    assert main(["doctor", str(warn)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 errors, 1 warning, 0 infos"
    assert main(["doctor", str(tmp_path / "missing.txt")]) == 2


def test_every_code_has_a_severity() -> None:
    assert set(CODES.values()) <= {"error", "warning", "info"}
