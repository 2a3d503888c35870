"""Concrete fixes for an unsatisfiable request, each proven by re-solving.

A fix changes one thing: the NVIDIA driver, the GPU, glibc (the OS), the Python
version, a framework variant, or one root requirement (dropped or loosened).
A fix is offered only if the request then solves; the versions it leads to are
kept as the proof. Each kind of change is its own :class:`Fix` class with typed
fields (:class:`DriverFix`, :class:`GpuFix`, ...); ``text`` and ``to_dict()``
word it.

The system layers to change, and the floors to try, are read from the
explanation's requirement facts: their package keys and typed constraints
(a :class:`~compatlib.resolve.layers.Floor`), never from their wording.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from compatlib._values import field, replace, value
from compatlib.errors import CompatError, InputError
from compatlib.resolve.keys import CUDA, DRIVER, GLIBC, PYTHON, PYTHONS, LayerKey
from compatlib.resolve.layers import Floor
from compatlib.resolve.resolution import Resolution
from compatlib.solver.errors import UnsatisfiableError
from compatlib.solver.explanation import Explanation, Fix
from compatlib.values.dotted import DottedVersion
from compatlib.values.filenames import canonicalize_name
from compatlib.values.pep508 import Requirement
from compatlib.values.target import Target

if TYPE_CHECKING:
    from compatlib.stack.profile import SystemProfile

__all__ = [
    "CombinedFix",
    "CudaFix",
    "DriverFix",
    "DropFix",
    "Fix",
    "GlibcFix",
    "GpuFix",
    "LoosenFix",
    "PythonFix",
    "VariantFix",
    "suggest_fixes",
]

#: GPUs tried for a GPU fix: one per generation, with an Azure VM size carrying it
GPU_CHOICES = (
    ("T4", "Standard_NC4as_T4_v3"),
    ("A10", "Standard_NV36ads_A10_v5"),
    ("A100", "Standard_NC24ads_A100_v4"),
    ("L4", None),
    ("H100", "Standard_NC40ads_H100_v5"),
)

_Versions = Mapping[str, str]


# -- the kinds of fix ----------------------------------------------------------------


@value
class DriverFix(Fix):
    """Upgrade the NVIDIA driver to ``driver`` or newer (from ``current``)."""

    KIND: ClassVar[str] = "driver"
    driver: str
    current: str
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"upgrade the NVIDIA driver from {self.current} to {self.driver} or newer"

    @property
    def change(self) -> dict[str, str]:
        return {"driver": self.driver}


@value
class CudaFix(Fix):
    """A driver that supports CUDA ``cuda`` (at least ``driver``), for a target
    that states only the CUDA its driver supports (``current``)."""

    KIND: ClassVar[str] = "cuda"
    cuda: str
    driver: str
    current: str
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        return (
            f"use a driver that supports CUDA {self.cuda} or newer (an NVIDIA driver "
            f">={self.driver}); the target's supports CUDA {self.current}"
        )

    @property
    def change(self) -> dict[str, str]:
        return {"cuda": self.cuda, "driver": self.driver}


@value
class GpuFix(Fix):
    """Another GPU (``gpu``, of ``compute_capability``), with an Azure VM size
    that carries it where one is known."""

    KIND: ClassVar[str] = "gpu"
    gpu: str
    compute_capability: str
    azure_vm: str | None = None
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        where = f" (for example the Azure VM size {self.azure_vm})" if self.azure_vm else ""
        return (
            f"use a GPU of compute capability {self.compute_capability}, "
            f"such as the {self.gpu}{where}"
        )

    @property
    def change(self) -> dict[str, str]:
        return {"gpu": self.gpu, "compute_capability": self.compute_capability}


@value
class GlibcFix(Fix):
    """An OS with glibc ``glibc`` or newer (``example``: a release and its glibc)."""

    KIND: ClassVar[str] = "glibc"
    glibc: str
    current: str
    example: tuple[str, str] | None = None
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        example = ""
        if self.example is not None:
            example = f" (for example {self.example[0]}, glibc {self.example[1]})"
        return f"use an OS with glibc {self.glibc} or newer{example}; the target has {self.current}"

    @property
    def change(self) -> dict[str, str]:
        return {"glibc": self.glibc}


@value
class PythonFix(Fix):
    """Another Python (``python``, instead of ``current``)."""

    KIND: ClassVar[str] = "python"
    python: str
    current: str
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"use Python {self.python} instead of {self.current}"

    @property
    def change(self) -> dict[str, str]:
        return {"python": self.python}


@value
class VariantFix(Fix):
    """Another build (``variant``) of the framework release a requirement pins."""

    KIND: ClassVar[str] = "variant"
    requirement: str
    name: str
    public: str
    variant: str
    versions: _Versions = field(default_factory=dict)

    @property
    def pinned(self) -> str:
        """The requirement that replaces ``requirement``."""
        return f"{self.name}=={self.public}+{self.variant}"

    @property
    def text(self) -> str:
        if self.variant == "cpu":  # said outright: it runs, but without the GPU
            return (
                f"use the CPU-only build of {self.name} {self.public} ({self.pinned}); "
                "it does not use the GPU"
            )
        return f"use the {self.variant} build of {self.name} {self.public} ({self.pinned})"

    @property
    def change(self) -> dict[str, str]:
        return {"requirement": self.requirement, "to": self.pinned}


@value
class LoosenFix(Fix):
    """One requirement loosened to its bare name (which then resolves to ``resolves_to``)."""

    KIND: ClassVar[str] = "loosen"
    requirement: str
    name: str
    resolves_to: str
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        return (
            f"loosen {self.requirement} to {self.name} "
            f"(it then resolves to {self.name} {self.resolves_to})"
        )

    @property
    def change(self) -> dict[str, str]:
        return {"requirement": self.requirement, "to": self.name}


@value
class DropFix(Fix):
    """One requirement dropped."""

    KIND: ClassVar[str] = "drop"
    requirement: str
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"drop the requirement {self.requirement}"

    @property
    def change(self) -> dict[str, str]:
        return {"requirement": self.requirement}


@value
class CombinedFix(Fix):
    """Two layer changes together: ``first`` only moved the failure, which
    ``then`` fixes (a K80 on a 470 driver: the driver, then the GPU)."""

    first: Fix
    then: Fix
    versions: _Versions = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return f"{self.first.kind}+{self.then.kind}"

    @property
    def text(self) -> str:
        return f"{self.first.text}, and {self.then.text}"

    @property
    def change(self) -> dict[str, str]:
        return {**self.first.change, **self.then.change}


# -- finding them --------------------------------------------------------------------

Solve = Callable[[Sequence[str], Target], Resolution]


def _try(solve: Solve, requirements: Sequence[str], target: Target) -> Resolution | None:
    outcome = _attempt(solve, requirements, target)
    return outcome if isinstance(outcome, Resolution) else None


def _attempt(
    solve: Solve, requirements: Sequence[str], target: Target
) -> Resolution | UnsatisfiableError | None:
    """Solve once: the resolution, the failure, or ``None`` for bad input."""
    try:
        return solve(requirements, target)
    except UnsatisfiableError as exc:
        return exc
    except CompatError:
        return None


def _versions(res: Resolution) -> dict[str, str]:
    return {n: str(v) for n, v in res.versions.items()}


def _layers_in(expl: Explanation) -> set[LayerKey]:
    """The system layers the explanation's requirements are on."""
    return {n.dependency_key for n in expl.requirements() if isinstance(n.dependency_key, LayerKey)}


def _floors(expl: Explanation, layer: LayerKey) -> list[str]:
    """Lower bounds the explanation's facts put on one layer, lowest first."""
    found = {
        str(n.constraint.version)
        for n in expl.requirements()
        if n.dependency_key == layer and isinstance(n.constraint, Floor)
    }
    return sorted(found, key=DottedVersion)


def suggest_fixes(
    explanation: Explanation,
    requirements: Sequence[str],
    target: Target,
    solve: Solve,
    *,
    limit: int = 4,
) -> tuple[Fix, ...]:
    """Fixes for ``explanation``, each verified with ``solve(requirements, target)``."""
    fixes: list[Fix] = list(_layer_fixes(explanation, requirements, target, solve, depth=1))

    def add(fix: Fix, reqs: Sequence[str]) -> bool:
        res = _try(solve, reqs, target)
        if res is not None:
            fixes.append(replace(fix, versions=_versions(res)))
        return res is not None

    # another build of the same framework release (cu118 instead of cu121, ...)
    any(_variant_fix(i, text, requirements, add) for i, text in enumerate(requirements))
    # the request itself: loosen one requirement, or drop it
    for i, text in enumerate(requirements):
        if len(fixes) >= limit:
            break
        req = Requirement(text)
        name = canonicalize_name(req.name)
        rest = [r for j, r in enumerate(requirements) if j != i]
        loosened = _try(solve, [*rest, name], target) if str(req.specifier) else None
        if loosened is not None:
            got = _versions(loosened)
            fixes.append(LoosenFix(text, name, got.get(name, "?"), got))
        elif rest:
            add(DropFix(text), rest)
    return tuple(fixes[:limit])


def _variant_fix(
    i: int,
    text: str,
    requirements: Sequence[str],
    add: Callable[[Fix, Sequence[str]], bool],
) -> bool:
    """Try the other published builds of a pinned framework release."""
    # lazy: only _variant_fix needs compatlib.stack.frameworks, which loads 10 modules that importing this one does not
    from compatlib.stack.frameworks import parse_local_version, variants

    req = Requirement(text)
    pins = [s for s in req.specifier if s.operator == "=="]
    name = canonicalize_name(req.name)
    if len(pins) != 1 or name not in ("torch", "tensorflow") or "*" in pins[0].version:
        return False
    public, current = parse_local_version(pins[0].version)
    try:
        names = variants(name, public)
    except InputError:
        return False
    rest = [r for j, r in enumerate(requirements) if j != i]
    for variant in names:
        if variant == current or variant.startswith("rocm"):
            continue
        fix = VariantFix(text, name, public, variant)
        if add(fix, [*rest, fix.pinned]):
            return True
    return False


class _LayerSearch:
    """Verifies layer fixes for one request, collecting those that hold.

    When changing a layer lets the solve get further but it then fails on
    another layer, and ``depth`` allows, the second layer is fixed too and the
    two changes are offered together (:class:`CombinedFix`).
    """

    def __init__(self, requirements: Sequence[str], solve: Solve, depth: int) -> None:
        self.requirements = requirements
        self.solve = solve
        self.depth = depth
        self.fixes: list[Fix] = []

    def verify(self, fix: Fix, target: Target) -> bool:
        """Keep ``fix`` (for ``target``, the target it makes) if the request then solves."""
        outcome = _attempt(self.solve, self.requirements, target)
        if isinstance(outcome, Resolution):
            self.fixes.append(replace(fix, versions=_versions(outcome)))
            return True
        if outcome is not None and self.depth > 0:
            later = [
                f
                for f in _layer_fixes(
                    outcome.explanation, self.requirements, target, self.solve, depth=self.depth - 1
                )
                if f.kind != fix.kind
            ]
            if later:
                self.fixes.append(CombinedFix(fix, later[0], later[0].versions))
                return True
        return False


def _layer_fixes(
    explanation: Explanation,
    requirements: Sequence[str],
    target: Target,
    solve: Solve,
    *,
    depth: int,
) -> list[Fix]:
    """Fixes that change one system layer the explanation names (see :class:`_LayerSearch`)."""
    # lazy: only _layer_fixes needs compatlib.stack.profile, which loads 9 modules that importing this one does not
    from compatlib.stack.profile import SystemProfile

    search = _LayerSearch(requirements, solve, depth)
    layers = _layers_in(explanation)
    system = target.system if isinstance(target.system, SystemProfile) else None
    if system is not None:
        if DRIVER in layers and system.driver is not None:
            _driver_fix(explanation, target, system, system.driver, search)
        if CUDA in layers and system.cuda is not None:
            _cuda_fix(explanation, target, system, system.cuda, search)
        if any(k.layer == "cuda_arch" for k in layers) and system.gpus:
            _gpu_fix(target, system, search)
    glibc = target.glibc or (system.glibc if system is not None else None)
    if GLIBC in layers and glibc is not None:
        _glibc_fix(explanation, target, system, glibc, search)
    if PYTHON in layers:
        _python_fix(target, search)
    return search.fixes


def _driver_fix(
    expl: Explanation, target: Target, system: SystemProfile, current: str, search: _LayerSearch
) -> None:
    for floor in _floors(expl, DRIVER):
        new = replace(system, driver=floor, cuda=None)
        if search.verify(DriverFix(floor, current), replace(target, system=new)):
            return


def _cuda_fix(
    expl: Explanation, target: Target, system: SystemProfile, current: str, search: _LayerSearch
) -> None:
    # lazy: only _cuda_fix needs compatlib.stack.knowledge, which loads 11 modules that importing this one does not
    from compatlib.stack.knowledge import min_driver

    for floor in _floors(expl, CUDA):
        try:
            driver = min_driver(floor, compatibility="minor")
        except CompatError:
            continue
        new = replace(system, cuda=floor)
        if search.verify(CudaFix(floor, driver, current), replace(target, system=new)):
            return


def _gpu_fix(target: Target, system: SystemProfile, search: _LayerSearch) -> None:
    # lazy: only _gpu_fix needs compatlib.stack.knowledge, which loads 11 modules that importing this one does not
    from compatlib.stack.knowledge import gpu

    for name, vm in GPU_CHOICES:
        g = gpu(name)
        if g.compute_capability in system.gpus:
            continue
        new = replace(system, gpus=(g.compute_capability,), gpu_names=(g.name,))
        fix = GpuFix(g.name, g.compute_capability, vm)
        if search.verify(fix, replace(target, system=new)):
            return


def _glibc_fix(
    expl: Explanation,
    target: Target,
    system: SystemProfile | None,
    current: str,
    search: _LayerSearch,
) -> None:
    # lazy: only _glibc_fix needs compatlib.stack.knowledge, which loads 11 modules that importing this one does not
    from compatlib.stack.knowledge import os_releases

    for floor in _floors(expl, GLIBC):
        oses = [o for o in os_releases() if _ge(o.glibc, floor)]
        example = (oses[0].name, oses[0].glibc) if oses else None
        new_target = replace(target, glibc=floor)
        if system is not None:
            new_target = replace(new_target, system=replace(system, glibc=floor, os=None))
        if search.verify(GlibcFix(floor, current, example), new_target):
            return


def _python_fix(target: Target, search: _LayerSearch) -> None:
    current = f"{target.python_version.major}.{target.python_version.minor}"
    for py in _nearest(current, PYTHONS):  # nearest to the target's first
        if search.verify(PythonFix(py, current), replace(target, python=py)):
            return


def _ge(a: str, b: str) -> bool:
    return DottedVersion(a) >= DottedVersion(b)


def _nearest(current: str, choices: Iterable[str]) -> list[str]:
    def key(v: str) -> tuple[int, int]:
        minor = int(v.split(".")[1])
        cur = int(current.split(".")[1])
        return (abs(minor - cur), -minor)

    return sorted((c for c in choices if c != current), key=key)
