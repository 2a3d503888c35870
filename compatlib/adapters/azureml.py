"""A lock as an Azure ML environment asset (CLI v2 YAML + conda file, or a Docker
build context), checked against a VM size, and registering it.

:func:`azureml_environment` turns the ``linux-64`` part of a lock into an
environment: a base image chosen from compatlib's knowledge of Azure ML
images (or given), and a conda file pinning every package exactly, pip
packages with their ``--hash`` so the image build checks each file.
:meth:`AzureMLEnvironment.write` writes ``environment.yml`` (the asset,
loadable by ``azure.ai.ml.load_environment`` and ``az ml environment create
--file``) and ``conda.yml`` beside it; :func:`register` creates or updates
it in a workspace through an ``azure.ai.ml.MLClient`` (:func:`workspace_client`
makes one). With ``build_context`` the asset names a Docker build context
instead (:mod:`compatlib.adapters.docker` writes one).

The pip packages install as written wherever the lock's sources are
reachable: the lock's index when it has one on ``http(s)``, else each file's
own URL (``name @ url --hash=...``). A package, index or channel that only
this machine has (a path, a ``file:`` URL) is an input error naming it: an
image build cannot see it.

The image is the newest one Azure ML still supports whose OS glibc meets the
lock's glibc requirement; when the lock needs an NVIDIA driver or a GPU, a
CUDA image whose CUDA meets the lock's CUDA requirement and runs on the
driver the job will have (given, or the lock's target driver). The reason is
kept with the choice. :func:`check_vm` checks a VM size: its GPU must be one
the lock's builds run on, and the driver (when known) must meet the lock's
floor and the image's CUDA. compatlib's data records no driver per VM
series (Azure ML's host image sets it), so without one that check is a note
saying so, not a guess.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.lock.model import GPU_LAYERS

if TYPE_CHECKING:
    from compatlib.lock.model import Lock
    from compatlib.stack.knowledge import AzureImage

__all__ = [
    "AzureMLEnvironment",
    "VmCheck",
    "azureml_environment",
    "base_image",
    "check_vm",
    "choose_image",
    "known_image",
    "linux_part",
    "lock_driver",
    "vm_gpus",
    "register",
    "workspace_client",
]

SCHEMA = "https://azuremlschemas.azureedge.net/latest/environment.schema.json"
PLATFORM = "linux-64"  # Azure ML images are Linux on x86_64


@value
class AzureMLEnvironment:
    """An Azure ML environment asset: ``name``/``version``, the base ``image``
    (and why it was chosen), and the text of its conda file; or, with
    ``build_context``, the folder of a Docker build context (its ``Dockerfile``
    names the image). ``notes`` are what the VM check could not settle."""

    name: str
    version: str
    image: str
    image_reason: str
    conda_file: str
    description: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    build_context: str | None = None

    def asset_yaml(self, conda_file_name: str = "conda.yml") -> str:
        """The CLI v2 environment YAML, pointing at the conda file by name (or
        at the build context)."""
        # lazy: PyYAML loads only to render or register an asset
        import yaml

        doc: dict[str, Any] = {"$schema": SCHEMA, "name": self.name, "version": self.version}
        if self.build_context is not None:
            doc["build"] = {"path": self.build_context, "dockerfile_path": "Dockerfile"}
        else:
            doc["image"] = self.image
            doc["conda_file"] = conda_file_name
        if self.description:
            doc["description"] = self.description
        if self.tags:
            doc["tags"] = dict(self.tags)
        text: str = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1 << 20)
        head = [f"# image: {self.image_reason}"]
        head += [f"# note: {n}" for n in self.notes]
        return "".join(f"{line}\n" for line in head) + text

    def write(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``environment.yml`` and (without a build context) ``conda.yml``
        into ``folder``, atomically each; returns the asset's path."""
        # lazy: only writing needs it
        from compatlib._atomic import write_atomic

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        if self.build_context is None:
            write_atomic(out / "conda.yml", self.conda_file)
        asset = out / "environment.yml"
        write_atomic(asset, self.asset_yaml("conda.yml"))
        return asset

    def to_entity(self) -> Any:
        """An ``azure.ai.ml.entities.Environment`` (needs the azure-ai-ml package)."""
        # lazy: PyYAML loads only to render or register an asset
        import yaml

        try:
            # optional: azure-ai-ml is needed only to register
            from azure.ai.ml.entities import BuildContext, Environment
        except ImportError as exc:
            raise InputError(
                "registering an environment needs the azure-ai-ml package",
                expected="pip install azure-ai-ml azure-identity",
            ) from exc
        common: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "tags": dict(self.tags),
        }
        if self.build_context is not None:
            build = BuildContext(path=self.build_context, dockerfile_path="Dockerfile")
            return Environment(build=build, **common)
        return Environment(image=self.image, conda_file=yaml.safe_load(self.conda_file), **common)


@value
class VmCheck:
    """A VM size checked against a lock: its GPU (model, compute capability,
    count), the driver it was checked with (``None``: unknown) and where that
    came from, and ``notes`` on what could not be checked."""

    size: str
    series: str
    gpu: str
    compute_capability: str
    gpus: int
    driver: str | None
    driver_source: str | None
    notes: tuple[str, ...] = ()


def _needs(lock: Lock) -> dict[str, str]:
    return dict(lock.system_requirements.get(PLATFORM, {}))


def _gpu_lock(needs: Mapping[str, str]) -> bool:
    return any(layer in needs for layer in GPU_LAYERS)


def lock_driver(lock: Lock) -> str | None:
    """The NVIDIA driver of the machine the lock was made for (its linux-64
    target's ``driver``, from ``--system``), if it names one."""
    driver = lock.target_value(PLATFORM, "driver")
    return str(driver) if driver is not None else None


def _image_driver(cuda: str) -> tuple[str, str]:
    """The oldest driver an image's CUDA runs on (minor-version compatibility)
    and the one its toolkit was released with."""
    # lazy: the knowledge base loads only to choose an image or check a VM
    from compatlib.stack.knowledge import min_driver

    return min_driver(cuda, compatibility="minor"), min_driver(cuda)


def choose_image(
    lock: Lock,
    *,
    allow_deprecated: bool = False,
    driver: str | None = None,
    gpus: Sequence[str] | None = None,
) -> tuple[AzureImage, str]:
    """The base image for the lock's ``linux-64`` packages, and why.

    ``driver`` is the NVIDIA driver the job runs on (default: the lock's target
    driver, :func:`lock_driver`); a CUDA image must run on it (CUDA
    minor-version compatibility), and one whose toolkit driver it meets is
    preferred. ``gpus`` are the compute capabilities the job may get (default:
    those the lock's ``cuda_arch`` requirement allows); the image's CUDA must
    be able to build code for one of them.
    """
    # lazy: the knowledge base loads only to choose an image or check a VM
    from compatlib.stack.knowledge import azure_images, glibc_of
    from compatlib.values.dotted import satisfies

    needs = _needs(lock)
    glibc_need = needs.get("glibc")
    gpu = _gpu_lock(needs)
    cuda_need = needs.get("cuda")
    if driver is None:
        driver = lock_driver(lock)
    if gpus is None:
        gpus = _allowed_gpus(needs.get("cuda_arch"))
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
        toolkit_fits = True
        if image.cuda is not None:
            fit = _cuda_fit(image.cuda, cuda_need, driver, gpus)
            if isinstance(fit, str):
                rejected.append(f"{image.name} ({fit})")
                continue
            why += fit[0]
            toolkit_fits = fit[1]
        key = (
            image.status == "supported",
            toolkit_fits,
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


def _allowed_gpus(requirement: str | None) -> tuple[str, ...]:
    """The compute capabilities a ``cuda_arch`` requirement lists (``one of
    8.0, 9.0``); none for another form (no constraint then)."""
    if requirement is None or not requirement.startswith("one of "):
        return ()
    return tuple(c.strip() for c in requirement[len("one of ") :].split(",") if c.strip())


def _cuda_fit(
    cuda: str, cuda_need: str | None, driver: str | None, gpus: Sequence[str]
) -> str | tuple[list[str], bool]:
    """Why a CUDA image does not fit (text), or why it does and whether the
    driver meets its toolkit's own driver."""
    # lazy: the knowledge base loads only to choose an image or check a VM
    from compatlib.stack.knowledge import cuda_supports
    from compatlib.values.dotted import DottedVersion, satisfies

    if cuda_need is not None and satisfies(cuda_need, cuda) is not True:
        return f"CUDA {cuda}, the lock needs {cuda_need}"
    why = [f"CUDA {cuda}" + (f" (the lock needs {cuda_need})" if cuda_need else "")]
    if gpus:
        supported = []
        for cc in gpus:
            try:
                if cuda_supports(cuda, cc):
                    supported.append(cc)
            except InputError:
                supported.append(cc)  # a GPU the knowledge base does not know: not ruled out
        if not supported:
            return f"CUDA {cuda} builds for none of compute capability {', '.join(gpus)}"
        why.append(f"builds for compute capability {', '.join(supported)}")
    toolkit_fits = True
    if driver is not None:
        floor, toolkit = _image_driver(cuda)
        if DottedVersion(driver) < DottedVersion(floor):
            return f"CUDA {cuda} needs driver >= {floor}; the driver is {driver}"
        toolkit_fits = DottedVersion(driver) >= DottedVersion(toolkit)
        why.append(
            f"runs on driver {driver}"
            + ("" if toolkit_fits else f" through minor-version compatibility (>= {floor})")
        )
    return why, toolkit_fits


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def known_image(name: str) -> AzureImage | None:
    """The Azure ML image of compatlib's table that ``name`` (with or without a
    tag or digest) names, if any."""
    # lazy: the knowledge base loads only to choose an image or check a VM
    from compatlib.stack.knowledge import azure_images

    bare = name.split("@", 1)[0]
    if ":" in bare.rsplit("/", 1)[-1]:
        bare = bare.rsplit(":", 1)[0]
    return next((i for i in azure_images() if i.name == bare), None)


def check_vm(
    lock: Lock,
    vm: str,
    *,
    image_cuda: str | None = None,
    driver: str | None = None,
) -> VmCheck:
    """Check that the lock's ``linux-64`` packages run on Azure VM size ``vm``.

    Errors (:class:`~compatlib.errors.InputError`): an unknown or retired size,
    a size whose CPUs are not x86_64, a GPU none of the lock's builds runs on
    (its ``cuda_arch`` requirement), and, with a known ``driver`` (given, else
    the lock's target driver), a driver below the lock's floor or too old for
    the image's CUDA (``image_cuda``). Without a driver, the note says so.
    """
    # lazy: the knowledge base loads only to choose an image or check a VM
    from compatlib.stack import knowledge
    from compatlib.stack.profile import preset
    from compatlib.values.dotted import satisfies

    size = knowledge.azure_vm_size(vm)
    model = knowledge.gpu(size.gpu)
    profile = preset(f"azure:{size.name}")
    needs = _needs(lock)
    notes: list[str] = []
    where = (
        f"{size.name} ({size.gpus} x {model.name}, compute capability {model.compute_capability})"
    )
    if size.status == "retired":
        raise InputError(
            f"{size.name} is retired (series {size.series}); Azure no longer runs jobs on it",
            field="vm",
            text=vm,
            expected="an available GPU VM size",
        )
    if profile.arch not in (None, "x86_64"):
        raise InputError(
            f"{where} has {profile.arch} CPUs; an Azure ML environment from this lock is linux-64",
            field="vm",
            text=vm,
            expected="an x86_64 VM size, or a lock for linux-aarch64",
        )
    arch_need = needs.get("cuda_arch")
    if arch_need is not None:
        verdict = satisfies(arch_need, model.compute_capability)
        if verdict is False:
            raise InputError(
                f"the lock's GPU builds do not run on {where}: they need compute capability "
                f"{arch_need}",
                field="vm",
                text=vm,
                expected="a VM size whose GPU the lock's builds include, or a lock made for "
                f"--system azure:{size.name}",
            )
        if verdict is None:
            notes.append(
                f"cannot tell whether compute capability {arch_need!r} includes "
                f"{model.compute_capability}"
            )
    elif not _gpu_lock(needs):
        notes.append(f"the lock has no GPU packages: the job leaves {size.name}'s GPUs unused")
    if image_cuda is not None and _gpu_lock(needs):
        try:
            builds = knowledge.cuda_supports(image_cuda, model.compute_capability)
        except InputError:
            builds = True  # a CUDA or GPU the knowledge base does not know: no note
        if not builds:
            notes.append(
                f"the image's CUDA {image_cuda} cannot build code for compute capability "
                f"{model.compute_capability}: what is compiled in the image (nvcc, PTX JIT) "
                "does not target the VM's GPU; framework wheels carry their own kernels"
            )
    source = "given" if driver is not None else None
    if driver is None:
        driver = lock_driver(lock)
        source = "the lock's target" if driver is not None else None
    notes.extend(_driver_checks(size.name, size.series, needs, driver, source, image_cuda))
    return VmCheck(
        size=size.name,
        series=size.series,
        gpu=model.name,
        compute_capability=model.compute_capability,
        gpus=size.gpus,
        driver=driver,
        driver_source=source,
        notes=tuple(notes),
    )


def _driver_checks(
    size: str,
    series: str,
    needs: dict[str, str],
    driver: str | None,
    source: str | None,
    image_cuda: str | None,
) -> list[str]:
    """The VM's driver against the lock's floor, the CUDA it needs and the
    image's CUDA (errors raised); without a driver, the note that says so."""
    # lazy: the knowledge base loads only to choose an image or check a VM
    from compatlib.stack.knowledge import driver_max_cuda
    from compatlib.values.dotted import DottedVersion, satisfies

    floor = needs.get("nvidia_driver")
    if driver is None:
        wanted = [f"the lock's builds need {floor}"] if floor else []
        if image_cuda is not None:
            wanted.append(f"the image's CUDA {image_cuda} needs >= {_image_driver(image_cuda)[0]}")
        if not wanted:
            return []
        return [
            f"compatlib's data names no NVIDIA driver for series {series} (Azure ML's "
            f"host image sets it), so the driver is not checked: {'; '.join(wanted)}; "
            "see nvidia-smi on the VM, or pass --driver"
        ]
    if floor is not None and satisfies(floor, driver) is False:
        raise InputError(
            f"the lock's builds need NVIDIA driver {floor}; {size}'s driver ({source}) is {driver}",
            field="driver",
            text=driver,
            expected=f"a driver {floor}, or a lock made for --system driver={driver}",
        )
    cuda_need = needs.get("cuda")
    max_cuda = driver_max_cuda(driver)
    if cuda_need is not None and max_cuda is not None and satisfies(cuda_need, max_cuda) is False:
        raise InputError(
            f"the lock needs a driver for CUDA {cuda_need}; driver {driver} ({source}) "
            f"supports CUDA {max_cuda}",
            field="driver",
            text=driver,
        )
    if image_cuda is not None:
        need = _image_driver(image_cuda)[0]
        if DottedVersion(driver) < DottedVersion(need):
            raise InputError(
                f"the image's CUDA {image_cuda} needs NVIDIA driver >= {need}; "
                f"{size}'s driver ({source}) is {driver}",
                field="image",
                expected="an image with an older CUDA (leave --image out to have one chosen)",
            )
    return []


def azureml_environment(
    lock: Lock,
    *,
    name: str,
    version: str = "1",
    image: str | None = None,
    description: str | None = None,
    hashes: bool = True,
    allow_deprecated: bool = False,
    vm: str | None = None,
    driver: str | None = None,
    build_context: str | None = None,
) -> AzureMLEnvironment:
    """The Azure ML environment for the ``linux-64`` part of ``lock``.

    ``image`` overrides the chosen base image; ``hashes`` puts each pip
    package's ``--hash`` in the conda file's ``pip:`` section. ``vm`` (a VM
    size) is checked with :func:`check_vm`; ``driver`` is the NVIDIA driver the
    job runs on, for the image choice and that check. ``build_context`` makes
    the asset name that folder's ``Dockerfile`` instead of image and conda file.
    A local file, index or channel in the lock is an input error naming it.
    """
    from compatlib.lock.render import render_environment  # lazy: loaded to render only

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name or ""):
        raise InputError(
            f"invalid environment name {name!r}",
            field="name",
            expected="ASCII letters, digits, '-', '_' and '.', starting with a letter or digit",
        )
    part = linux_part(lock)
    image_name, image_cuda, reason = base_image(
        part, image, allow_deprecated=allow_deprecated, driver=driver, vm=vm
    )
    notes: tuple[str, ...] = ()
    tags: list[tuple[str, str]] = [("compatlib.platform", PLATFORM)]
    if vm is not None:
        checked = check_vm(part, vm, image_cuda=image_cuda, driver=driver)
        notes = checked.notes
        tags.append(("compatlib.vm", checked.size))
    conda_file = render_environment(
        part, hashes=hashes, default_channels=("conda-forge",), portable=True
    )
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
        notes=notes,
        build_context=build_context,
    )


def base_image(
    part: Lock,
    image: str | None,
    *,
    allow_deprecated: bool = False,
    driver: str | None = None,
    vm: str | None = None,
) -> tuple[str, str | None, str]:
    """The base image for ``part`` (a lock's ``linux-64`` part), its CUDA
    (``None``: a CPU image, or one compatlib does not know) and why: ``image``
    when given, else :func:`choose_image` for the driver and VM size."""
    if image is None:
        chosen, reason = choose_image(
            part, allow_deprecated=allow_deprecated, driver=driver, gpus=vm_gpus(vm)
        )
        return chosen.name, chosen.cuda, reason
    known = known_image(image)
    if known is None:
        return (
            image,
            None,
            f"{image}: given (not in compatlib's table of Azure ML images: not checked)",
        )
    return image, known.cuda, f"{image}: given" + (f" (CUDA {known.cuda})" if known.cuda else "")


def vm_gpus(vm: str | None) -> tuple[str, ...] | None:
    """The compute capability of VM size ``vm``'s GPU (``None`` without a size)."""
    if vm is None:
        return None
    # lazy: the knowledge base loads only to choose an image or check a VM
    from compatlib.stack import knowledge

    return (knowledge.gpu(knowledge.azure_vm_size(vm).gpu).compute_capability,)


def linux_part(lock: Lock) -> Lock:
    """The ``linux-64`` part of ``lock``; an input error when it has none."""
    if not lock.for_platform(PLATFORM):
        raise InputError(
            "the lock has no linux-64 packages; Azure ML environments are linux-64",
            field="platform",
            expected="a lock made with --platform linux-64",
        )
    return lock.only(PLATFORM)


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
