"""The system layers as virtual packages, and the rules that tie real packages to them.

Every layer below pip and conda becomes a package the solver already understands:

============================  ================================  =========================
package (:class:`LayerKey`)   layer                             version
============================  ================================  =========================
``DRIVER``                    the NVIDIA driver                 ``535.104.05``
``CUDA``                      CUDA the driver can run (conda)   ``12.2``
``CUDA_ARCH``                 the GPU's compute capability      ``8.0``
``GLIBC``                     the C library                     ``2.35``
============================  ================================  =========================

A target's :class:`~compatlib.stack.profile.SystemProfile` fixes the layers it
knows (a single version each); the others stay free, with the values the
knowledge base knows as candidates, and a resolution then reports what it needs
of them (``driver >= 525.60.13``).

Rules attach knowledge to real releases: an ``nvidia-cuda-runtime-cu12 12.1.*``
wheel needs a driver that runs CUDA 12.1 (the minor-version-compatibility
floor); a torch/TensorFlow/JAX build needs a GPU its kernels run on and a driver
for its CUDA; a ``manylinux_2_28`` wheel needs glibc >= 2.28. Lower bounds are
:class:`Floor` values, so the layers above read a floor from an explanation's
facts rather than from its wording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from packaging.version import Version

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.resolve.keys import CUDA, CUDA_ARCH, DRIVER, GLIBC, LayerKey
from compatlib.solver.provider import Dependency
from compatlib.stack.archs import describe_arch_list
from compatlib.values.dotted import DottedVersion
from compatlib.values.filenames import canonicalize_name, parse_dist_filename

if TYPE_CHECKING:
    from compatlib.stack.derive import DerivedRelease
    from compatlib.stack.frameworks import FrameworkBuild
    from compatlib.stack.profile import CudaSupport, SystemProfile
    from compatlib.values.target import Target

__all__ = [
    "CUDA",
    "CUDA_ARCH",
    "DRIVER",
    "GLIBC",
    "LAYER_NAMES",
    "ArchSet",
    "BranchCeiling",
    "Floor",
    "OrNewer",
    "LayerConstraint",
    "LayerDependency",
    "Layers",
    "derive_framework_cuda",
    "glibc_of_wheel",
]

#: how each layer is named to people
LAYER_NAMES: dict[LayerKey, str] = {
    DRIVER: "NVIDIA driver",
    CUDA: "CUDA (driver support)",
    CUDA_ARCH: "GPU compute capability",
    GLIBC: "glibc",
}

_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_")
_LEGACY = {"manylinux1": "2.5", "manylinux2010": "2.12", "manylinux2014": "2.17"}


@value
class OrNewer:
    """A layer's value known only from below: ``13.3`` or newer.

    The CUDA layer of a driver newer than compatlib's data covers takes it: the
    driver runs the newest CUDA the data knows, and may run newer releases the data
    does not know, so every floor on it counts as met. It is also the last value a
    free CUDA layer may take, so a need for a CUDA newer than the data is stated,
    not refused. ``str`` gives the requirement form (``>=13.3``) results record.
    """

    version: DottedVersion

    def __str__(self) -> str:
        return f">={self.version}"


#: a layer's value: a known version, or one known only from below
LayerValue = DottedVersion | OrNewer


@value
class Floor:
    """A lower bound on a layer's value: ``>=525.60.13``."""

    version: DottedVersion

    def contains(self, value: LayerValue) -> bool:
        # an open value runs what its bound runs and may run anything newer
        return isinstance(value, OrNewer) or value >= self.version

    def __str__(self) -> str:
        return f">={self.version}"


@value
class ArchSet:
    """GPUs a binary runs on: built for ``arch_list`` (``"8.6"``, ``"9.0+PTX"``)."""

    arch_list: tuple[str, ...]

    def contains(self, compute_capability: LayerValue) -> bool:
        if isinstance(compute_capability, OrNewer):
            return False  # only the CUDA layer takes open values
        # lazy: only contains needs compatlib.stack.knowledge, which loads 11 modules that importing this one does not
        from compatlib.stack.knowledge import can_run

        return can_run(self.arch_list, str(compute_capability))

    def __str__(self) -> str:
        return "a GPU that runs code built for " + ", ".join(self.arch_list)


@value
class BranchCeiling:
    """An upper bound on the driver: its ``branch`` (``470``) or an older one."""

    branch: int

    def contains(self, value: LayerValue) -> bool:
        # an open value may be any newer driver: not within a ceiling
        return not isinstance(value, OrNewer) and value.major <= self.branch

    @property
    def below(self) -> DottedVersion:
        """The first driver version above the bound (``471``)."""
        return DottedVersion(str(self.branch + 1))

    def __str__(self) -> str:
        return f"<{self.below}"


#: what a release's rules ask of a layer
LayerConstraint = Floor | ArchSet | BranchCeiling
LayerDependency = Dependency[LayerKey, LayerConstraint]


def glibc_of_wheel(filename: str) -> DottedVersion | None:
    """The glibc a wheel's platform tags need (``None`` for non-manylinux wheels)."""
    parsed = parse_dist_filename(filename)
    if parsed is None or parsed.kind != "wheel":
        return None
    tags = parsed.tags
    best: DottedVersion | None = None
    for tag in tags:
        plat = tag.platform
        m = _MANYLINUX.match(plat)
        need: DottedVersion | None = None
        if m is not None:
            need = DottedVersion(f"{m.group(1)}.{m.group(2)}")
        else:
            for legacy, version in _LEGACY.items():
                if plat.startswith(legacy + "_"):
                    need = DottedVersion(version)
        if need is None:
            if plat == "any" or not plat.startswith("manylinux"):
                return None if plat == "any" else best
            continue
        if best is None or need < best:
            best = need
    return best


@cache
def known_values(layer: LayerKey) -> tuple[DottedVersion, ...]:
    """Every value the knowledge base names for ``layer`` (a GPU slot of the
    ``cuda_arch`` layer counts as the layer), whatever the target fixes: the
    values a free layer may take."""
    # lazy: only known_values needs compatlib.stack.knowledge, which loads 11 modules that importing this one does not
    from compatlib.stack import knowledge as kb

    if layer.layer == "cuda_arch":
        layer = CUDA_ARCH
    values: set[DottedVersion] = set()
    if layer == DRIVER:
        for rel in kb.cuda_releases():
            for d in (rel.driver_linux, rel.driver_windows):
                if d:
                    values.add(DottedVersion(d))
        for mc in kb.minor_compatibility():
            for d in (mc.driver_linux, mc.driver_windows):
                if d:
                    values.add(DottedVersion(d))
    elif layer == CUDA:
        for rel in kb.cuda_releases():
            values.add(DottedVersion(".".join(rel.version.split(".")[:2])))
    elif layer == CUDA_ARCH:
        for g in kb.gpus():
            values.add(DottedVersion(g.compute_capability))
    elif layer == GLIBC:
        for o in kb.os_releases():
            values.add(DottedVersion(o.glibc))
        for t in kb.manylinux_tags():
            if re.fullmatch(r"\d+(\.\d+)+", t.glibc):  # skip the "2.X" pattern row
                values.add(DottedVersion(t.glibc))
    return tuple(sorted(values))


class Layers:
    """The virtual packages of one target, and the rules for real releases.

    ``fixed`` holds the layers the target knows; the rest are free.
    """

    def __init__(self, target: Target, system: SystemProfile | None = None) -> None:
        self.target = target
        self.system = system
        self.os = "windows" if target.subdir.startswith("win") else "linux"
        #: what the target's CUDA layer was fixed from (``None``: it is free)
        self.cuda_support: CudaSupport | None = None
        fixed: dict[LayerKey, LayerValue] = {}
        glibc = target.glibc or (system.glibc if system is not None else None)
        if glibc is not None:
            fixed[GLIBC] = DottedVersion(glibc)
        if system is not None:
            if system.driver is not None:
                fixed[DRIVER] = DottedVersion(system.driver)
            support = self.cuda_support = system.cuda_support()
            if support is not None:
                low = DottedVersion(support.version)
                fixed[CUDA] = OrNewer(low) if support.open else low
            # one virtual package per distinct GPU generation: a build must run on
            # every GPU of the machine (the first is CUDA_ARCH, the others carry
            # their compute capability)
            for i, cc in enumerate(system.compute_capabilities):
                fixed[CUDA_ARCH if i == 0 else LayerKey("cuda_arch", cc)] = DottedVersion(cc)
        self.fixed = fixed
        self.gpu_packages = tuple(p for p in fixed if p.layer == "cuda_arch")
        self.driver_limits = _driver_limits(system)

    @staticmethod
    def layer_name(package: LayerKey) -> str:
        """How a layer is named to people."""
        return LAYER_NAMES[CUDA_ARCH if package.layer == "cuda_arch" else package]

    def candidates(self, package: LayerKey) -> list[LayerValue]:
        value = self.fixed.get(package)
        if value is not None:
            return [value]
        known: list[LayerValue] = list(known_values(package))
        if package == CUDA and known:
            assert isinstance(known[-1], DottedVersion)
            known.append(OrNewer(known[-1]))  # a driver newer than the data
        return known

    def describe_fixed(self, package: LayerKey) -> str | None:
        value = self.fixed.get(package)
        if value is None:
            return None
        if isinstance(value, OrNewer):
            support = self.cuda_support
            assert support is not None
            return support.describe()
        if package.layer == "cuda_arch" and self.system is not None:
            names = [
                n
                for cc, n in zip(
                    self.system.gpus,
                    self.system.gpu_names or (None,) * len(self.system.gpus),
                    strict=True,
                )
                if n and DottedVersion(cc) == value
            ]
            gpu = f" ({names[0]})" if names else ""
            return f"the target's GPU{gpu} has compute capability {value}" + self._undriven(value)
        return f"the target's {LAYER_NAMES[package]} is {value}"

    def _undriven(self, compute_capability: DottedVersion) -> str:
        """ ", and its driver 550.54.15 does not support it: ..." where the target's
        driver is past the last branch for that GPU."""
        driver = self.fixed.get(DRIVER)
        for limit in self.driver_limits:
            if (
                limit.compute_capability == compute_capability
                and driver is not None
                and not limit.ceiling.contains(driver)
            ):
                return (
                    f", and its driver {driver} does not support it: {limit.architecture} "
                    f"GPUs were last supported by the {limit.ceiling.branch} driver branch"
                )
        return ""

    # -- rules -----------------------------------------------------------------
    def rules(
        self,
        name: str,
        version: Version,
        wheel_files: Sequence[str],
        requires: Sequence[str] = (),
    ) -> list[LayerDependency]:
        """Layer dependencies of one PyPI release (``wheel_files``: its usable files;
        ``requires``: its ``Requires-Dist``, read for a framework release newer than
        the data, whose CUDA needs are derived from its pins)."""
        deps: list[LayerDependency] = []
        canonical = str(canonicalize_name(name))
        if self.os == "linux" and wheel_files:
            needs = [glibc_of_wheel(f) for f in wheel_files]
            if needs and all(n is not None for n in needs):
                low = min(n for n in needs if n is not None)
                deps.append(
                    Dependency(GLIBC, Floor(low), f"glibc >={low} for its manylinux wheels")
                )
        cuda = _nvidia_runtime_cuda(canonical, str(version))
        if cuda is not None:
            deps.extend(self._driver_for(cuda, f"the CUDA {cuda} runtime"))
        deps.extend(self._framework_rules(canonical, version, requires))
        return deps

    def _driver_for(self, cuda: str, why: str) -> list[LayerDependency]:
        # lazy: only _driver_for needs compatlib.stack.knowledge, which loads 11 modules that importing this one does not
        from compatlib.stack.knowledge import UnknownToData, as_of, min_driver

        try:
            floor = min_driver(cuda, os=self.os, compatibility="minor")
        except UnknownToData:
            # a CUDA major newer than the data: its driver is unknown, so the need
            # is stated on the CUDA layer, which a driver newer than the data meets
            need = DottedVersion(cuda)
            return [
                Dependency(
                    CUDA,
                    Floor(need),
                    f"a driver that supports CUDA >={need} for {why} "
                    f"(CUDA {need} is newer than compatlib's data, as of {as_of()})",
                )
            ]
        except InputError:
            return []
        low = DottedVersion(floor)
        deps: list[LayerDependency] = [
            Dependency(DRIVER, Floor(low), f"an NVIDIA driver >={floor} for {why}")
        ]
        if DRIVER not in self.fixed:
            # without a known driver, say it in conda's terms too: the CUDA the
            # driver must support (minor-version compatibility: any of the major)
            major = DottedVersion(cuda).major
            deps.append(
                Dependency(
                    CUDA,
                    Floor(DottedVersion(f"{major}.0")),
                    f"a driver that supports CUDA >={major}.0 for {why}",
                )
            )
        return deps

    def _framework_rules(
        self, name: str, version: Version, requires: Sequence[str]
    ) -> list[LayerDependency]:
        b = _framework_build(name, str(version), self.target.subdir)
        if b is None:
            known = requires and name in _FRAMEWORK_PACKAGES
            return self._derived_rules(name, version, requires) if known else []
        if b.cuda is None:
            return []
        deps = self._driver_for(b.cuda, f"its CUDA {b.cuda} build")
        gpu_constraint: LayerConstraint | None = None
        if b.arch_list:
            gpu_constraint = ArchSet(tuple(b.arch_list))
            text = f"a GPU of {describe_arch_list(b.arch_list)}"
        elif b.min_compute_capability:
            low = DottedVersion(b.min_compute_capability)
            gpu_constraint = Floor(low)
            text = f"a GPU of compute capability >={low}"
        if gpu_constraint is not None:
            for package in self.gpu_packages or (CUDA_ARCH,):
                deps.append(Dependency(package, gpu_constraint, text))
            deps.extend(limit.dependency for limit in self.driver_limits)
        return deps

    def _derived_rules(
        self, name: str, version: Version, requires: Sequence[str]
    ) -> list[LayerDependency]:
        """The driver a framework release the data lacks needs, derived from its
        wheel's pins (its GPU architectures stay unknown: no GPU rule)."""
        derived = derive_framework_cuda(name, version, requires, self.target)
        if derived is None:
            return []
        cuda = derived.cuda
        why = (
            f"its CUDA {cuda.shown} build (derived from its wheel's pins: {cuda.basis}; "
            f"{derived.standing}, as of {derived.as_of})"
        )
        deps = self._driver_for(cuda.release, why)
        deps.extend(limit.dependency for limit in self.driver_limits)
        return deps


def derive_framework_cuda(
    name: str,
    version: Version | str,
    requires: Sequence[str],
    target: Target,
    extras: Sequence[str] | None = None,
) -> DerivedRelease | None:
    """:func:`compatlib.stack.derive.derive_release` for ``target``: the pins as
    they hold there, the driver for its OS."""
    if str(canonicalize_name(name)) not in _FRAMEWORK_PACKAGES or not requires:
        return None
    # lazy: only derive_framework_cuda needs compatlib.stack.derive, which loads 1 module that importing this one does not
    from compatlib.stack.derive import derive_release

    os = "windows" if target.subdir.startswith("win") else "linux"
    return derive_release(name, str(version), requires, target.marker_environment(), os, extras)


@value
class _DriverLimit:
    """A GPU of the target that only drivers up to ``ceiling`` drive."""

    compute_capability: DottedVersion
    gpu: str
    architecture: str
    ceiling: BranchCeiling

    @property
    def dependency(self) -> LayerDependency:
        """What a GPU build asks of the driver for this GPU to be driven at all."""
        b = self.ceiling.branch
        return Dependency(
            DRIVER,
            self.ceiling,
            f"an NVIDIA driver of the {b} branch or older, the last to support "
            f"{self.architecture} GPUs such as the target's {self.gpu}",
        )


def _driver_limits(system: SystemProfile | None) -> tuple[_DriverLimit, ...]:
    """The target's GPUs that newer driver branches no longer drive (a K80: past 470)."""
    if system is None:
        return ()
    return tuple(
        _DriverLimit(
            DottedVersion(end.compute_capability),
            end.gpu,
            end.branch.architecture,
            BranchCeiling(end.branch.last_branch),
        )
        for end in system.driver_ends()
    )


# CUDA 11/12 runtime wheels carry a -cuNN suffix; from CUDA 13 the name has none
_RUNTIME = re.compile(r"^nvidia-cuda-runtime(-cu\d+)?$")


def _nvidia_runtime_cuda(name: str, version: str) -> str | None:
    """The CUDA release of an ``nvidia-cuda-runtime[-cuNN]`` wheel version."""
    if _RUNTIME.match(name) is None:
        return None
    # lazy: only _nvidia_runtime_cuda needs compatlib.stack.frameworks, which loads 10 modules that importing this one does not
    from compatlib.stack.frameworks import nvidia_cuda_version

    found = nvidia_cuda_version(name, version)
    if found is not None:
        return found
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


#: PyPI package -> (framework, variant); ``None``: the release's default variant
_FRAMEWORK_PACKAGES: dict[str, tuple[str, str | None]] = {
    "torch": ("pytorch", None),
    "tensorflow": ("tensorflow", None),
    "jax-cuda12-plugin": ("jax", "cuda12"),
    "jax-cuda13-plugin": ("jax", "cuda13"),
}


def _framework_build(name: str, version: str, subdir: str) -> FrameworkBuild | None:
    """The knowledge base's build for a framework release, if it has one."""
    known = _FRAMEWORK_PACKAGES.get(name)
    if known is None:
        return None
    framework, variant = known
    # lazy: only _framework_build needs compatlib.stack.frameworks, which loads 10 modules that importing this one does not
    from compatlib.stack.frameworks import build

    v = Version(version)
    if v.local is None and variant is None and subdir != "linux-64":
        return None  # PyPI's default torch/tensorflow wheels off Linux x86_64 are CPU builds
    try:
        return build(framework, version, variant if v.local is None else None)
    except InputError:
        return None
