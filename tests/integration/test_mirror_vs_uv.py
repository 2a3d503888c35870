"""The issue's done-when check: ``compatlib lock`` picks exactly uv's versions on the
machine's local PyPI mirror, and fails with an explanation where uv fails.

Skipped unless the mirror's wheel folders and a ``uv`` executable are present
(``pip install uv``). Everything is offline: find-links over the mirror's files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compatlib.cli import lock as lock_cmd

pytestmark = pytest.mark.integration

#: the mirror's wheel folders (pip's config: file:///opt/pypi/simple etc. + /opt/wheels)
FOLDERS = [Path("/opt/pypi/files"), Path("/opt/pypi-more/files"), Path("/opt/wheels")]
PYTHON = "3.11"
GLIBC = "2.36"

#: requirement sets the mirror satisfies
SETS: dict[str, list[str]] = {
    "requests": ["requests"],
    "numpy-pandas": ["numpy", "pandas"],
    "scikit-learn": ["scikit-learn"],
    "torch": ["torch"],
    "transformers": ["transformers"],
    "fastapi-uvicorn": ["fastapi", "uvicorn"],
    "jax": ["jax", "jaxlib"],
    "torch-torchvision": ["torch", "torchvision"],
    "matplotlib-scipy": ["matplotlib", "scipy"],
    "datasets": ["datasets"],
    "pinned-numpy": ["numpy<2", "pandas"],
}

#: sets the mirror cannot satisfy, and the package the explanation must name
UNSATISFIABLE: dict[str, tuple[list[str], str]] = {
    "missing-package": (["requests", "tensorflow"], "tensorflow"),
    "impossible-pin": (["requests==0.0.1"], "requests"),
    "impossible-range": (["pandas", "numpy<1"], "numpy"),
    "conflicting-pins": (["transformers==4.57.6", "huggingface-hub>=1"], "huggingface-hub"),
}


def _folders() -> list[Path]:
    found = [f for f in FOLDERS if f.is_dir() and any(f.glob("*.whl"))]
    if not found or FOLDERS[0] not in found:
        pytest.skip("the local PyPI mirror (/opt/pypi/files) is absent")
    return found


def _uv() -> str:
    exe = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not os.access(exe, os.X_OK):
        pytest.skip("uv is not installed (pip install uv)")
    return exe


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compatlib-cache")


def _links(folders: list[Path]) -> list[str]:
    out: list[str] = []
    for f in folders:
        out += ["--find-links", str(f)]
    return out


def uv_compile(requirements: list[str], folders: list[Path], tmp: Path) -> tuple[int, str]:
    req = tmp / "requirements.in"
    req.write_text("\n".join(requirements) + "\n")
    proc = subprocess.run(
        [
            _uv(),
            "pip",
            "compile",
            "--python-version",
            PYTHON,
            "--python-platform",
            f"x86_64-manylinux_{GLIBC.replace('.', '_')}",
            "--no-index",
            *_links(folders),
            "--offline",
            "--no-header",
            "--no-annotate",
            "--cache-dir",
            str(tmp / "uv-cache"),
            str(req),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "UV_NO_CONFIG": "1"},
    )
    return proc.returncode, proc.stdout if proc.returncode == 0 else proc.stderr


def _pins(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            out[name.strip().lower()] = version.strip()
    return out


def compatlib_lock(
    requirements: list[str], folders: list[Path], cache: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    argv = [
        *requirements,
        *_links(folders),
        "--offline",
        "--cache-dir",
        str(cache),
        "--python",
        PYTHON,
        "--platform",
        "linux-64",
        "--system",
        f"glibc={GLIBC}",
        "--format",
        "json",
    ]
    code = lock_cmd.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(SETS))
def test_same_versions_as_uv(
    name: str, tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = _folders()
    requirements = SETS[name]
    uv_code, uv_out = uv_compile(requirements, folders, tmp_path)
    assert uv_code == 0, uv_out
    code, out, err = compatlib_lock(requirements, folders, cache, capsys)
    assert code == 0, err
    data = json.loads(out)
    ours = {p["name"]: p["version"] for p in data["packages"]}
    assert ours == _pins(uv_out)
    for p in data["packages"]:
        assert p["url"].startswith("file:///")
        assert Path(p["url"][len("file://") :]).parent in folders
        assert len(p["hashes"]["sha256"]) == 64


@pytest.mark.parametrize("name", sorted(UNSATISFIABLE))
def test_unsatisfiable_like_uv(
    name: str, tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = _folders()
    requirements, culprit = UNSATISFIABLE[name]
    uv_code, uv_out = uv_compile(requirements, folders, tmp_path)
    assert uv_code != 0, uv_out
    code, out, err = compatlib_lock(requirements, folders, cache, capsys)
    assert code == 1
    assert out == ""
    assert culprit in err


def test_lock_command_in_a_fresh_process(tmp_path: Path) -> None:
    """``python -m compatlib.cli lock`` with ``-o``, twice: the same bytes."""
    folders = _folders()
    outputs = []
    for i in range(2):
        target = tmp_path / f"lock{i}.json"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "compatlib.cli",
                "lock",
                "requests",
                *_links(folders),
                "--offline",
                "--cache-dir",
                str(tmp_path / f"cache{i}"),
                "--python",
                PYTHON,
                "--system",
                f"glibc={GLIBC}",
                "-o",
                str(target),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
