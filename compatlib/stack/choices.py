"""Where a user can move when a layer of the machine rules a build out: another GPU
(and the Azure VM size that carries it), another OS release or Azure ML base image
(for a newer glibc), another driver branch (for a GPU newer drivers no longer drive).

Each answer is ranked smallest change first, from the knowledge base alone; whether
the request then solves is for the caller to verify (:mod:`compatlib.resolve.fixes`
re-solves with each)::

    >>> [c.label for c in gpu_choices(["3.7"])][:2]
    ['a Standard_NC4as_T4_v3 VM (Tesla T4, compute capability 7.5)', 'a Standard_NC24ads_A100_v4 VM (NVIDIA A100, compute capability 8.0)']
    >>> [c.label for c in os_choices("2.28", current="ubuntu18.04")][:1]
    ['Ubuntu 20.04 (glibc 2.31)']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.stack.knowledge import (
    AzureImage,
    AzureVmSize,
    Gpu,
    OsRelease,
    azure_images,
    azure_vm_sizes,
    cuda_releases,
    gpus,
    min_driver,
    os_release,
    os_releases,
)
from compatlib.values.dotted import DottedVersion

__all__ = [
    "GpuChoice",
    "ImageChoice",
    "OsChoice",
    "driver_choices",
    "gpu_choices",
    "image_choices",
    "os_choices",
    "os_label",
]


@value
class GpuChoice:
    """A GPU to move to, with the smallest available Azure VM size that carries one
    whole GPU of it."""

    gpu: Gpu
    vm: AzureVmSize

    @property
    def label(self) -> str:
        """``a Standard_NC24ads_A100_v4 VM (NVIDIA A100, compute capability 8.0)``."""
        cc = self.gpu.compute_capability
        return f"a {self.vm.name} VM ({self.gpu.name}, compute capability {cc})"


@value
class OsChoice:
    """An OS release to move to and the glibc it ships."""

    release: OsRelease

    @property
    def label(self) -> str:
        """``Ubuntu 22.04 (glibc 2.35)``."""
        return f"{os_label(self.release)} (glibc {self.release.glibc})"


@value
class ImageChoice:
    """An Azure ML base image to move to, with its OS release."""

    image: AzureImage
    release: OsRelease

    @property
    def label(self) -> str:
        """``the Azure ML base image mcr.microsoft.com/... (Ubuntu 22.04, glibc 2.35)``."""
        return (
            f"the Azure ML base image {self.image.name} "
            f"({os_label(self.release)}, glibc {self.release.glibc})"
        )


def os_label(release: OsRelease) -> str:
    """A release's short name: ``Ubuntu 20.04 LTS (Focal Fossa)`` -> ``Ubuntu 20.04``."""
    return re.sub(r"\s*\(.*\)$", "", release.name).replace(" LTS", "")


def _cc_number(cc: str) -> int:
    v = DottedVersion(cc)
    return v.major * 10 + v.minor


def _family(series: str) -> str:
    """An Azure GPU series' family: ``NC`` (compute), ``ND`` (large training), ``NV``
    (visualisation)."""
    return series[:2].upper()


def _smallest_vm(name: str, families: frozenset[str]) -> AzureVmSize | None:
    """The available Azure size with the fewest whole GPUs of model ``name``, in one
    of ``families`` where there is one."""
    sizes = [
        s
        for s in azure_vm_sizes()
        if s.gpu == name and s.status == "available" and s.gpu_partition is None
    ]
    return min(sizes, key=lambda s: _vm_rank(s, families), default=None)


def _vm_rank(vm: AzureVmSize, families: frozenset[str]) -> tuple[bool, int]:
    """Smaller is nearer: a size in one of ``families`` first, then fewer GPUs."""
    return (_family(vm.series) not in families, vm.gpus)


def gpu_choices(
    current: Sequence[str],
    names: Sequence[str | None] = (),
    *,
    exclude_current: bool = True,
) -> tuple[GpuChoice, ...]:
    """GPUs to move to from GPUs of compute capabilities ``current`` (models
    ``names``, where known), smallest change first.

    The choices are the GPUs Azure offers in an available VM series, one per compute
    capability, each on its smallest VM size. First those in the Azure family (NC,
    ND, NV) that carries the current GPU, then the nearest compute capability (the
    newer at equal distance). ``exclude_current`` leaves out the compute capabilities
    the machine already has (they fail the same way).
    """
    have = {_cc_number(c) for c in current}
    families = frozenset(_family(s.series) for s in azure_vm_sizes() if s.gpu in names)
    best: dict[str, GpuChoice] = {}
    for model in gpus():
        vm = _smallest_vm(model.name, families)
        cc = model.compute_capability
        if vm is None or (exclude_current and _cc_number(cc) in have):
            continue
        seen = best.get(cc)
        if seen is None or _vm_rank(vm, families) < _vm_rank(seen.vm, families):
            best[cc] = GpuChoice(model, vm)

    def rank(choice: GpuChoice) -> tuple[bool, int, int]:
        n = _cc_number(choice.gpu.compute_capability)
        near = min((abs(n - h) for h in have), default=0)
        return (bool(families) and _family(choice.vm.series) not in families, near, -n)

    return tuple(sorted(best.values(), key=rank))


def _release_of(name: str | None) -> OsRelease | None:
    if name is None:
        return None
    try:
        return os_release(name)
    except InputError:
        return None


def os_choices(min_glibc: str, *, current: str | None = None) -> tuple[OsChoice, ...]:
    """OS releases whose glibc is ``min_glibc`` or newer, smallest change first: the
    current OS's own distribution (or family) first, then Ubuntu LTS, then the rest;
    within each, the oldest glibc first."""
    need = DottedVersion(min_glibc)
    here = _release_of(current)

    def rank(r: OsRelease) -> tuple[int, DottedVersion, DottedVersion]:
        if here is not None and r.distro == here.distro:
            group = 0
        elif here is not None and here.family is not None and r.family == here.family:
            group = 1
        elif r.distro == "ubuntu":
            group = 2
        else:
            group = 3
        return (group, DottedVersion(r.glibc), DottedVersion(r.version))

    found = [r for r in os_releases() if DottedVersion(r.glibc) >= need and r != here]
    return tuple(OsChoice(r) for r in sorted(found, key=rank))


def image_choices(
    min_glibc: str, *, gpu: bool, driver: str | None = None
) -> tuple[ImageChoice, ...]:
    """Supported Azure ML base images whose OS has glibc ``min_glibc`` or newer, the
    oldest glibc first: CUDA images for a GPU machine (those whose CUDA the driver
    runs, newest CUDA first), CPU images otherwise."""
    need = DottedVersion(min_glibc)
    found: list[ImageChoice] = []
    for image in azure_images():
        release = _release_of(image.os)
        if image.status != "supported" or release is None:
            continue
        if DottedVersion(release.glibc) < need or (image.cuda is not None) != gpu:
            continue
        if gpu and driver is not None and not _driver_runs(driver, image.cuda):
            continue
        found.append(ImageChoice(image, release))

    def rank(c: ImageChoice) -> tuple[DottedVersion, int, int]:
        cuda = DottedVersion(c.image.cuda or "0")
        return (DottedVersion(c.release.glibc), -cuda.major, -cuda.minor)

    return tuple(sorted(found, key=rank))


def _driver_runs(driver: str, cuda: str | None) -> bool:
    if cuda is None:
        return True
    try:
        return DottedVersion(driver) >= DottedVersion(min_driver(cuda, compatibility="minor"))
    except InputError:
        return False


def driver_choices(branch: int) -> tuple[str, ...]:
    """Drivers the knowledge base names in driver ``branch`` (or the newest older
    branch it names), newest first: ``driver_choices(470)[0] == "470.82.01"``."""
    known: set[DottedVersion] = set()
    for rel in cuda_releases():
        known.add(DottedVersion(rel.driver_linux))
    within = sorted((d for d in known if d.major <= branch), reverse=True)
    if not within:
        return ()
    top = within[0].major
    return tuple(str(d) for d in within if d.major == top)
