"""The probe against real torch: a CPU wheel installed into a new venv from a
local file (``torch==2.13.0`` through pip's configured find-links, with no
index, so nothing is downloaded), probed in a subprocess as ``compatlib check
--probe`` does. Skipped where that wheel is not available locally."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv

import pytest

from compatlib.adapters.check import check_environment, probe_environment
from compatlib.adapters.probe import probe_findings, probe_frameworks, probe_text
from compatlib.lock.model import Lock, LockedPackage

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        sys.version_info[:2] != (3, 11), reason="the local torch wheel is for CPython 3.11"
    ),
]


@pytest.fixture(scope="module")
def torch_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv with the real torch 2.13.0 CPU wheel (no dependencies but
    typing_extensions, which ``import torch`` needs), or a skip."""
    env_dir = tmp_path_factory.mktemp("torch-venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    argv = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    argv += ["--no-deps", "--no-compile", "torch==2.13.0"]
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, "PIP_NO_INDEX": "1", "PIP_NO_INPUT": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot run pip: {exc}")
    if proc.returncode != 0:
        pytest.skip("torch 2.13.0 is not available from a local file (pip's find-links)")
    import typing_extensions

    site = next((env_dir / "lib").glob("python3.*/site-packages"))
    shutil.copy(typing_extensions.__file__, site)
    return str(python)


def test_real_cpu_torch(torch_python: str) -> None:
    facts = probe_frameworks(torch_python, frameworks=["torch"], seed=11)
    (torch,) = facts.frameworks
    assert torch.installed
    assert torch.error is None
    assert torch.version == "2.13.0+cpu"
    assert torch.cuda is None  # a CPU build: torch.version.cuda is None
    assert torch.available is False
    assert torch.devices == ()
    assert torch.cpu_kernel == "ok"  # a real tensor op ran
    assert torch.setting("seed") == 11  # torch.initial_seed() after seeding
    assert torch.setting("reproducible") is True
    assert torch.setting("deterministic_algorithms") is False
    # a CPU build where the lock needs no GPU: only torch's own warnings, if any
    assert {f.severity for f in probe_findings(facts)} <= {"warning"}
    text = "\n".join(probe_text(facts))
    assert "torch 2.13.0+cpu: CPU build; no GPU usable; CPU kernel ok" in text


def test_check_probe_of_the_venv(torch_python: str) -> None:
    env = probe_environment(torch_python)
    torch = LockedPackage(name="torch", version="2.13.0+cpu", manager="pip", platform="linux-64")
    lock = Lock.of(
        [torch],
        system_requirements={"linux-64": {"cuda_arch": "one of 8.0", "nvidia_driver": ">=525"}},
        metadata={"targets": [{"platform": "linux-64", "python": env.python}]},
    )
    report = check_environment(lock, env, check_system=False, probe=True)
    assert report.checked[-1] == "probe"
    assert report.probe is not None
    gpu = [f for f in report.findings if f.check == "gpu"]
    assert [(f.severity, f.message) for f in gpu] == [
        ("warning", "the lock needs a GPU, but torch 2.13.0+cpu is a CPU build")
    ]
    assert report.to_dict()["probe"]["frameworks"]["torch"]["cpu_kernel"] == "ok"
