"""A lock as an Azure ML environment asset (CLI v2 YAML + conda file), and registering it.

:func:`azureml_environment` turns the ``linux-64`` part of a lock into an
environment: a base image chosen from compatlib's knowledge of Azure ML
images (or given), and a conda file pinning every package exactly, pip
packages with their ``--hash`` so the image build checks each file.
:meth:`AzureMLEnvironment.write` writes ``environment.yml`` (the asset,
loadable by ``azure.ai.ml.load_environment`` and ``az ml environment create
--file``) and ``conda.yml`` beside it; :func:`register` creates or updates
it in a workspace through an ``azure.ai.ml.MLClient`` (:func:`workspace_client`
makes one).

The image is the newest one Azure ML still supports whose OS glibc meets the
lock's glibc requirement; when the lock needs an NVIDIA driver or a GPU, a
CUDA image whose CUDA meets the lock's CUDA requirement. The reason is kept
with the choice.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compatlib._values import value
from compatlib.errors import InputError

if TYPE_CHECKING:
    from compatlib.lock.model import Lock
    from compatlib.stack.knowledge import AzureImage

__all__ = [
    "AzureMLEnvironment",
    "azureml_environment",
    "choose_image",
    "register",
    "workspace_client",
]

SCHEMA = "https://azuremlschemas.azureedge.net/latest/environment.schema.json"
PLATFORM = "linux-64"  # Azure ML images are Linux on x86_64


@value
class AzureMLEnvironment:
    """An Azure ML environment asset: ``name``/``version``, the base ``image``
    (and why it was chosen), and the text of its conda file."""

    name: str
    version: str
    image: str
    image_reason: str
    conda_file: str
    description: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def asset_yaml(self, conda_file_name: str = "conda.yml") -> str:
        """The CLI v2 environment YAML, pointing at the conda file by name."""
        import yaml

        doc: dict[str, Any] = {
            "$schema": SCHEMA,
            "name": self.name,
            "version": self.version,
            "image": self.image,
            "conda_file": conda_file_name,
        }
        if self.description:
            doc["description"] = self.description
        if self.tags:
            doc["tags"] = dict(self.tags)
        text: str = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1 << 20)
        return f"# image: {self.image_reason}\n" + text

    def write(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``environment.yml`` and ``conda.yml`` into ``folder`` (atomically,
        each); returns the asset's path."""
        from compatlib._atomic import write_atomic

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "conda.yml", self.conda_file)
        asset = out / "environment.yml"
        write_atomic(asset, self.asset_yaml("conda.yml"))
        return asset

    def to_entity(self) -> Any:
        """An ``azure.ai.ml.entities.Environment`` (needs the azure-ai-ml package)."""
        import yaml

        try:
            from azure.ai.ml.entities import Environment
        except ImportError as exc:
            raise InputError(
                "registering an environment needs the azure-ai-ml package",
                expected="pip install azure-ai-ml azure-identity",
            ) from exc
        return Environment(
            name=self.name,
            version=self.version,
            image=self.image,
            conda_file=yaml.safe_load(self.conda_file),
            description=self.description,
            tags=dict(self.tags),
        )


def _needs(lock: Lock) -> dict[str, str]:
    return dict(lock.system_requirements.get(PLATFORM, {}))


def choose_image(lock: Lock, *, allow_deprecated: bool = False) -> tuple[AzureImage, str]:
    """The base image for the lock's ``linux-64`` packages, and why."""
    from compatlib.stack.knowledge import azure_images, glibc_of
    from compatlib.values.dotted import satisfies

    needs = _needs(lock)
    glibc_need = needs.get("glibc")
    gpu = "nvidia_driver" in needs or "cuda_arch" in needs or "cuda" in needs
    cuda_need = needs.get("cuda")
    candidates: list[tuple[tuple[Any, ...], AzureImage, str]] = []
    rejected: list[str] = []
    for image in azure_images():
        if image.status != "supported" and not allow_deprecated:
            continue
        if gpu != (image.cuda is not None):
            continue
        if image.os is None:
            continue
        glibc = glibc_of(image.os)
        why = [f"{image.os} has glibc {glibc}"]
        if glibc_need is not None:
            if satisfies(glibc_need, glibc) is not True:
                rejected.append(f"{image.name} (glibc {glibc}, the lock needs {glibc_need})")
                continue
            why[0] += f" (the lock needs {glibc_need})"
        if image.cuda is not None:
            if cuda_need is not None and satisfies(cuda_need, image.cuda) is not True:
                rejected.append(f"{image.name} (CUDA {image.cuda}, the lock needs {cuda_need})")
                continue
            why.append(
                f"CUDA {image.cuda}"
                + (
                    f" (the lock needs {cuda_need})"
                    if cuda_need
                    else " for the lock's GPU packages"
                )
            )
        key = (
            image.status == "supported",
            _numbers(image.cuda or "0"),
            _numbers(glibc),
            image.name,
        )
        candidates.append((key, image, "; ".join(why)))
    if not candidates:
        kind = "CUDA" if gpu else "CPU"
        detail = f": {'; '.join(rejected)}" if rejected else ""
        raise InputError(
            f"no {'supported ' if not allow_deprecated else ''}Azure ML {kind} image meets "
            f"the lock{detail}",
            field="image",
            expected="--image NAME, or allow deprecated images",
        )
    _key, best, reason = max(candidates, key=lambda c: c[0])
    return best, f"{best.name}: {reason} (newest that fits; source {best.source})"


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def azureml_environment(
    lock: Lock,
    *,
    name: str,
    version: str = "1",
    image: str | None = None,
    description: str | None = None,
    hashes: bool = True,
    allow_deprecated: bool = False,
) -> AzureMLEnvironment:
    """The Azure ML environment for the ``linux-64`` part of ``lock``.

    ``image`` overrides the chosen base image; ``hashes`` puts each pip
    package's ``--hash`` in the conda file's ``pip:`` section.
    """
    import re

    from compatlib.lock.render import render_environment

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name or ""):
        raise InputError(
            f"invalid environment name {name!r}",
            field="name",
            expected="ASCII letters, digits, '-', '_' and '.', starting with a letter or digit",
        )
    if not lock.for_platform(PLATFORM):
        raise InputError(
            "the lock has no linux-64 packages; Azure ML environments are linux-64",
            field="platform",
            expected="a lock made with --platform linux-64",
        )
    part = lock.only(PLATFORM)
    if image is None:
        chosen, reason = choose_image(part, allow_deprecated=allow_deprecated)
        image_name = chosen.name
    else:
        image_name, reason = image, f"{image}: given"
    conda_file = render_environment(part, hashes=hashes, default_channels=("conda-forge",))
    tags: list[tuple[str, str]] = [("compatlib.platform", PLATFORM)]
    inputs = lock.metadata.get("inputs_sha256")
    if inputs:
        tags.append(("compatlib.inputs_sha256", str(inputs)))
    return AzureMLEnvironment(
        name=name,
        version=str(version),
        image=image_name,
        image_reason=reason,
        conda_file=conda_file,
        description=description,
        tags=tuple(tags),
    )


def register(environment: AzureMLEnvironment, ml_client: Any) -> Any:
    """Create or update ``environment`` in the workspace of ``ml_client`` (an
    ``azure.ai.ml.MLClient``); returns what Azure ML answers."""
    return ml_client.environments.create_or_update(environment.to_entity())


def workspace_client(subscription: str, resource_group: str, workspace: str) -> Any:
    """An ``azure.ai.ml.MLClient`` for a workspace, with the credentials
    ``DefaultAzureCredential`` finds (needs azure-ai-ml and azure-identity).
    Nothing is contacted until the client is used."""
    try:
        # the Azure SDK is optional and slow to import: only registering needs it
        from azure.ai.ml import MLClient
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise InputError(
            f"registering an environment needs the Azure SDK ({exc.name} is not installed)",
            expected="pip install azure-ai-ml azure-identity",
        ) from None
    return MLClient(DefaultAzureCredential(), subscription, resource_group, workspace)
