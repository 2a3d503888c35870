"""A lock as a Docker build context: a ``Dockerfile`` on the base image chosen
for the lock, and the files it installs from, every file hash-checked.

:func:`docker_context` renders the ``linux-64`` part of a lock as:

* ``conda-explicit.txt``: the lock's conda packages as a conda explicit file
  (one URL with its md5 per line, dependencies first), installed with
  ``conda create --file`` into ``/opt/env``; a lock of pip packages only gets
  ``python=X.Y`` and ``pip`` from conda-forge there instead (the lock does not
  pin those, and the Dockerfile says so);
* ``requirements.txt``: the pip packages for ``pip install --require-hashes
  --no-deps``, from the lock's index or from each file's URL (as in the Azure
  ML conda file: a local file is an input error naming it);
* ``Dockerfile``: ``FROM`` the chosen image (the Azure ML images carry conda),
  the two installs, ``PATH`` on the new environment, ``pip check``, and labels
  with the lock's inputs hash.

The base image comes from :func:`compatlib.adapters.azureml.base_image`
(chosen for glibc, CUDA and driver unless given), and a VM size is checked the same way
(:func:`compatlib.adapters.azureml.check_vm`). Output depends only on the
lock and the options: same lock, same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from compatlib._values import value
from compatlib.adapters.azureml import base_image, check_vm, linux_part
from compatlib.errors import InputError

if TYPE_CHECKING:
    from compatlib.lock.model import Lock

__all__ = ["DockerContext", "docker_context"]

#: where the locked environment is created in the image
PREFIX = "/opt/env"
_STAGE = "/tmp/compatlib"  # where the context's files are copied in the image


@value
class DockerContext:
    """A build context: the base ``image`` (and why), its ``files`` as
    ``(name, text)`` with the ``Dockerfile`` first, and the VM check's notes."""

    image: str
    image_reason: str
    files: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()

    @property
    def dockerfile(self) -> str:
        return self.text("Dockerfile")

    def text(self, name: str) -> str:
        """The text of the context file ``name``."""
        for file, text in self.files:
            if file == name:
                return text
        raise KeyError(name)

    def write(self, folder: str | os.PathLike[str]) -> Path:
        """Write the files into ``folder`` (created; each file atomically);
        returns the ``Dockerfile``'s path."""
        # lazy: only writing needs it
        from compatlib._atomic import write_atomic

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        for name, text in self.files:
            write_atomic(out / name, text)
        return out / "Dockerfile"


def _tagged(image: str) -> tuple[str, bool]:
    """The image with a tag (``:latest`` added where it has none or a digest),
    and whether ``:latest`` was added."""
    last = image.rsplit("/", 1)[-1]
    if "@" in last or ":" in last:
        return image, False
    return f"{image}:latest", True


def _conda_urls_reachable(lock: Lock) -> None:
    # lazy: the lock renderer loads only to render
    from compatlib.lock.render import is_local_source

    for p in lock.packages:
        if p.manager == "conda" and (not p.url or is_local_source(p.url)):
            raise InputError(
                f"conda package {p.name} {p.version} comes from {p.url or 'no URL'}, "
                "which an image build cannot reach",
                field="url",
                text=p.url,
                expected="a lock made from channels the build can reach "
                "(a name such as conda-forge, or an https:// URL)",
            )


def docker_context(
    lock: Lock,
    *,
    image: str | None = None,
    allow_deprecated: bool = False,
    vm: str | None = None,
    driver: str | None = None,
) -> DockerContext:
    """The Docker build context for the ``linux-64`` part of ``lock``.

    ``image`` overrides the chosen base image (it must carry ``conda``, as the
    Azure ML images do); ``vm`` and ``driver`` are checked as for
    :func:`compatlib.adapters.azureml.azureml_environment`.
    """
    # lazy: the lock renderer loads only to render
    from compatlib.lock.render import lock_python, pip_install_lines, render_explicit

    part = linux_part(lock)
    base, cuda, reason = base_image(
        part, image, allow_deprecated=allow_deprecated, driver=driver, vm=vm
    )
    notes: tuple[str, ...] = ()
    if vm is not None:
        notes = check_vm(part, vm, image_cuda=cuda, driver=driver).notes
    conda = [p for p in part.packages if p.manager == "conda"]
    pip = sorted((p for p in part.packages if p.manager == "pip"), key=lambda p: p.name)
    files: list[tuple[str, str]] = []
    if conda:
        _conda_urls_reachable(part)
        files.append(("conda-explicit.txt", render_explicit(part)))
    if pip:
        lines = pip_install_lines(part, pip, hashes=True, portable=True)
        head = "# compatlib lock: pip install --no-deps --require-hashes -r requirements.txt\n"
        files.append(("requirements.txt", head + "".join(f"{line}\n" for line in lines)))
    tagged, latest = _tagged(base)
    out = ["# syntax=docker/dockerfile:1", "# compatlib lock for linux-64, rendered as an image"]
    inputs = part.metadata.get("inputs_sha256")
    if inputs:
        out.append(f"# inputs sha256: {inputs}")
    out.append(f"# base image: {reason}")
    out += [f"# note: {n}" for n in notes]
    if latest:
        out.append(
            "# Azure ML republishes its base images under :latest; a dated tag freezes one build"
        )
        out.append("# hadolint ignore=DL3007")
    out.append(f"FROM {tagged}")
    if inputs:
        out.append(f'LABEL io.compatlib.inputs-sha256="{inputs}"')
    names = [name for name, _ in files]
    if names:
        out.append(f"COPY {' '.join(names)} {_STAGE}/")
    if conda:
        create = f"conda create --yes --quiet --prefix {PREFIX} --file {_STAGE}/conda-explicit.txt"
    else:
        python = lock_python(part)
        if python is None:
            raise InputError(
                "a lock of pip packages only needs its target Python to build an image",
                field="targets",
                expected="a lock made with --python X.Y",
            )
        out.append("# the lock holds pip packages only: Python and pip come from conda-forge,")
        out.append("# at the lock's Python version, without hashes")
        create = (
            f"conda create --yes --quiet --prefix {PREFIX} --override-channels "
            f"--channel conda-forge python={python} pip"
        )
    out.append(f"RUN {create} \\\n    && conda clean --all --yes")
    out.append(f"ENV PATH={PREFIX}/bin:$PATH")
    if pip:
        out.append(
            "RUN python -m pip install --no-cache-dir --no-deps --require-hashes "
            f"-r {_STAGE}/requirements.txt \\\n    && python -m pip check"
        )
    dockerfile = "\n".join(out) + "\n"
    return DockerContext(
        image=tagged,
        image_reason=reason,
        files=(("Dockerfile", dockerfile), *files),
        notes=notes,
    )
