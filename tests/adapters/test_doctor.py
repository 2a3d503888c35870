"""compatlib doctor: planted problems are found where they are; clean files give nothing."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

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


#: the files opened while a test counts them (None: not counting)
_OPENED: list[str] | None = None
_HOOKED = False


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _OPENED is not None and isinstance(args[0], (str, os.PathLike)):
        _OPENED.append(os.fspath(args[0]))


def _opens(paths: list[Path]) -> tuple[list[tuple[str, str, int | None]], Counter[str]]:
    """The findings for ``paths`` and how often each file under their folder was opened
    (by the interpreter's own audit event: nothing stands in for the reading)."""
    global _OPENED, _HOOKED
    if not _HOOKED:  # an audit hook stays for the process: one, idle unless counting
        sys.addaudithook(_on_audit)
        _HOOKED = True
    _OPENED = []
    try:
        found = [(f.code, Path(f.source).name, f.line) for f in diagnose(paths)]
        opened = list(_OPENED)
    finally:
        _OPENED = None
    folder = str(paths[0].parent)
    return found, Counter(Path(p).name for p in opened if p.startswith(folder))


def test_each_spec_file_is_read_once(tmp_path: Path) -> None:
    """The text the reader parsed is the text scanned: every file (an included one
    too) is opened once, and what is found in each stays where it was."""
    _write(tmp_path, "base.txt", f"# {GITHUB_TOKEN}\nnumpy==2.2.6\n")
    req = _write(tmp_path, "requirements.txt", "-r base.txt\npandas\n")
    env = _write(
        tmp_path,
        "environment.yml",
        "channels: [conda-forge, nodefaults]\ndependencies:\n  - python=3.11\n"
        "  - pip=25.1\n  - pip:\n    - --trusted-host example.com\n",
    )
    toml = _write(
        tmp_path,
        "pyproject.toml",
        f'[project]\nname = "x"\nversion = "1"\n# {GITHUB_TOKEN}\ndependencies = ["six"]\n',
    )
    _write(
        tmp_path,
        "conda.yml",
        f"# {GITHUB_TOKEN}\nchannels: [conda-forge, nodefaults]\ndependencies:\n"
        "  - python=3.10\n  - pip=24.0\n",
    )
    azure = _write(
        tmp_path,
        "azure.yml",
        "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n"
        "name: train\nimage: mcr.microsoft.com/azureml/curated/acpt:1\nconda_file: conda.yml\n",
    )
    found, opened = _opens([req, env, toml, azure])
    assert found == [
        ("CL001", "base.txt", 1),
        ("CL010", "requirements.txt", 2),
        ("CL002", "environment.yml", 6),
        ("CL001", "pyproject.toml", 4),
        ("CL010", "pyproject.toml", 5),
        ("CL001", "conda.yml", 1),
    ]
    names = ("base.txt", "requirements.txt", "environment.yml", "pyproject.toml")
    assert opened == dict.fromkeys((*names, "azure.yml", "conda.yml"), 1)
