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
from compatlib.resolve.layers import BranchCeiling, Floor
from compatlib.resolve.resolution import Resolution
from compatlib.solver.errors import UnsatisfiableError
from compatlib.solver.explanation import Explanation, Fix
from compatlib.stack.derive import unrecorded
from compatlib.values.dotted import DottedVersion
from compatlib.values.filenames import canonicalize_name
from compatlib.values.pep508 import Requirement
from compatlib.values.target import Target

if TYPE_CHECKING:
    from compatlib.stack.profile import SystemProfile

__all__ = [
    "CombinedFix",
    "CudaFix",
    "DriverBranchFix",
    "DriverFix",
    "DropFix",
    "Fix",
    "GlibcFix",
    "GpuFix",
    "LoosenFix",
    "PythonFix",
    "VariantFix",
    "suggest_fixes",
    "variant_hints",
]

#: GPUs tried for a GPU fix, at most (each is one solve)
_GPU_TRIES = 4

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
    """Another GPU (``gpu``, of ``compute_capability``), on the Azure VM size
    ``azure_vm`` that carries it where one is known (``current_vm``: the target's
    own size, when it came from an Azure preset)."""

    KIND: ClassVar[str] = "gpu"
    gpu: str
    compute_capability: str
    azure_vm: str | None = None
    current_vm: str | None = None
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        what = f"{self.gpu}, compute capability {self.compute_capability}"
        if self.azure_vm is None:
            return (
                f"use a GPU of compute capability {self.compute_capability}, such as the {self.gpu}"
            )
        if self.current_vm is not None:
            return f"move from {self.current_vm} to a {self.azure_vm} VM ({what})"
        return f"move to a {self.azure_vm} VM ({what})"

    @property
    def change(self) -> dict[str, str]:
        out = {"gpu": self.gpu, "compute_capability": self.compute_capability}
        if self.azure_vm is not None:
            out["azure_vm"] = self.azure_vm
        return out


@value
class GlibcFix(Fix):
    """An OS with glibc ``glibc`` or newer: ``example`` is an OS release and its
    glibc, ``image`` an Azure ML base image with such an OS (each verified)."""

    KIND: ClassVar[str] = "glibc"
    glibc: str
    current: str
    example: tuple[str, str] | None = None
    image: str | None = None
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        where = []
        if self.example is not None:
            where.append(f"{self.example[0]} (glibc {self.example[1]})")
        if self.image is not None:
            where.append(self.image)
        such = f", such as {' or '.join(where)}" if where else ""
        return f"use an OS with glibc {self.glibc} or newer{such}; the target has {self.current}"

    @property
    def change(self) -> dict[str, str]:
        out = {"glibc": self.glibc}
        if self.example is not None:
            out["os"] = self.example[0]
        return out


@value
class DriverBranchFix(Fix):
    """An NVIDIA driver of an older ``branch`` (``driver``, from ``current``): the
    last that drives the target's ``gpu`` (of ``architecture``)."""

    KIND: ClassVar[str] = "driver"
    branch: int
    driver: str
    current: str
    gpu: str
    architecture: str
    versions: _Versions = field(default_factory=dict)

    @property
    def text(self) -> str:
        return (
            f"use an NVIDIA driver of the {self.branch} branch ({self.driver} or a newer "
            f"{self.branch} driver) instead of {self.current}: it is the last branch that "
            f"supports the {self.gpu} ({self.architecture})"
        )

    @property
    def change(self) -> dict[str, str]:
        return {"driver": self.driver}


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
    index_url: str | None = None
    versions: _Versions = field(default_factory=dict)

    @property
    def pinned(self) -> str:
        """The requirement that replaces ``requirement``."""
        return f"{self.name}=={self.public}+{self.variant}"

    @property
    def text(self) -> str:
        where = f" from {self.index_url}" if self.index_url else ""
        if self.variant == "cpu":  # said outright: it runs, but without the GPU
            return (
                f"use the CPU-only build of {self.name} {self.public} ({self.pinned}{where}); "
                "it does not use the GPU"
            )
        return f"use the {self.variant} build of {self.name} {self.public} ({self.pinned}{where})"

    @property
    def change(self) -> dict[str, str]:
        out = {"requirement": self.requirement, "to": self.pinned}
        if self.index_url:
            out["index_url"] = self.index_url
        return out


@value
class LoosenFix(Fix):
    """One requirement loosened to its bare name (which then resolves to ``resolves_to``)."""

    KIND: ClassVar[str] = "loosen"
    requirement: str
    name: str
    resolves_to: str
    versions: _Versions = field(default_factory=dict)
    #: what the knowledge base cannot say of ``resolves_to`` on a GPU target
    #: (a framework release it does not record), else ""
    caveat: str = ""

    @property
    def text(self) -> str:
        note = (
            ", a CPU-only build that does not use the GPU"
            if self.resolves_to.endswith("+cpu")
            else f"; {self.caveat}"
            if self.caveat
            else ""
        )
        return (
            f"loosen {self.requirement} to {self.name} "
            f"(it then resolves to {self.name} {self.resolves_to}{note})"
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


#: how much each kind of fix changes, least first: another build of the same
#: release, then the machine's layers (driver before Python before the OS before
#: the GPU), then two layers together, then the request itself
_COST: Mapping[type[Fix], int] = {
    VariantFix: 0,
    DriverFix: 1,
    DriverBranchFix: 1,
    CudaFix: 1,
    PythonFix: 2,
    GlibcFix: 3,
    GpuFix: 4,
    CombinedFix: 5,
    LoosenFix: 6,
    DropFix: 7,
}


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


def _ceilings(expl: Explanation) -> list[BranchCeiling]:
    """Driver branch ceilings among the explanation's facts (a K80: 470), lowest first."""
    found = {
        n.constraint
        for n in expl.requirements()
        if n.dependency_key == DRIVER and isinstance(n.constraint, BranchCeiling)
    }
    return sorted(found, key=lambda c: c.branch)


def _cost(fix: Fix) -> int:
    return _COST.get(type(fix), _COST[CombinedFix])


def _dominated(fix: Fix, fixes: Sequence[Fix]) -> bool:
    """A two-layer fix one of whose parts holds alone."""
    if not isinstance(fix, CombinedFix):
        return False
    parts = (fix.first.kind, fix.then.kind)
    return any(not isinstance(f, CombinedFix) and f.kind in parts for f in fixes)


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
    """Fixes for ``explanation``, each verified with ``solve(requirements, target)``,
    smallest change first."""
    found = _layer_fixes(explanation, requirements, target, solve, depth=1)
    fixes: list[Fix] = [f for f in found if not _dominated(f, found)]

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
        combined = None
        if loosened is None and str(req.specifier):
            combined = _loosen_on_branch(text, name, requirements, [*rest, name], target, solve)
        if loosened is not None:
            got = _versions(loosened)
            to = got.get(name, "?")
            fixes.append(LoosenFix(text, name, to, got, caveat=_unchecked(name, to, target)))
        elif combined is not None:
            fixes.append(combined)
        elif rest:
            add(DropFix(text), rest)
    return tuple(sorted(fixes, key=_cost)[:limit])


def _loosen_on_branch(
    text: str,
    name: str,
    requirements: Sequence[str],
    loosened: Sequence[str],
    target: Target,
    solve: Solve,
) -> CombinedFix | None:
    """A GPU the target's driver no longer drives (a K80 on a 550 driver) and a
    pin no build of which runs on it (torch==2.3.1 has no Kepler code): the last
    driver branch for the GPU together with the ``loosened`` requirements,
    verified; none where the branch alone suffices (a fix of its own)."""
    # lazy: only _loosen_on_branch needs compatlib.stack, which loads 11 modules that importing this one does not
    from compatlib.stack.choices import driver_choices
    from compatlib.stack.profile import target_profile

    system = target_profile(target)
    if system is None or system.driver is None:
        return None
    for end in system.driver_ends():
        if end.branch.drives(system.driver):
            continue
        for driver in driver_choices(end.branch.last_branch)[:1]:
            new = replace(target, system=replace(system, driver=driver, cuda=None))
            if _try(solve, requirements, new) is not None:
                return None
            res = _try(solve, loosened, new)
            if res is None:
                continue
            got = _versions(res)
            to = got.get(name, "?")
            branch = DriverBranchFix(
                end.branch.last_branch, driver, system.driver, end.gpu, end.branch.architecture
            )
            loosen = LoosenFix(text, name, to, got, caveat=_unchecked(name, to, new))
            return CombinedFix(branch, loosen, got)
    return None


def _unchecked(name: str, version: str, target: Target) -> str:
    """For a GPU target, what the data cannot say of framework release
    ``name`` ``version`` ("torch 1.12.1 is not in compatlib's data, as of ...,
    so whether it runs on this driver and GPU was not checked"); else ""."""
    from compatlib.stack.profile import target_profile  # lazy: as in _layer_fixes

    system = target_profile(target)
    if system is None or not (system.gpus or system.driver):
        return ""
    standing = unrecorded(name, version)
    if standing is None:
        return ""
    return f"{standing}, so whether it runs on this driver and GPU was not checked"


def _pinned_releases(req: Requirement) -> list[tuple[str, str | None]]:
    """The framework releases a requirement pins, as (public version, variant):
    ``torch==2.4.1+cu124`` -> ``[("2.4.1", "cu124")]``; ``torch==2.4.*`` -> the
    knowledge base's releases of the series, newest first (at most two)."""
    # lazy: only _pinned_releases needs compatlib.stack.frameworks, which loads 10 modules that importing this one does not
    from compatlib.stack.frameworks import parse_local_version, versions

    pins = [s for s in req.specifier if s.operator == "=="]
    name = canonicalize_name(req.name)
    if len(pins) != 1 or name not in ("torch", "tensorflow"):
        return []
    if "*" not in pins[0].version:
        return [parse_local_version(pins[0].version)]
    try:
        known = versions(name)
    except InputError:
        return []
    matching = [v for v in reversed(known) if req.specifier.contains(v, prereleases=True)]
    return [(v, None) for v in matching[:2]]


def _variant_fix(
    i: int,
    text: str,
    requirements: Sequence[str],
    add: Callable[[Fix, Sequence[str]], bool],
) -> bool:
    """Try the other published builds of a pinned framework release."""
    # lazy: only _variant_fix needs compatlib.stack.frameworks, which loads 10 modules that importing this one does not
    from compatlib.stack.frameworks import variants

    req = Requirement(text)
    name = canonicalize_name(req.name)
    rest = [r for j, r in enumerate(requirements) if j != i]
    for public, current in _pinned_releases(req):
        try:
            names = variants(name, public)
        except InputError:
            continue
        for variant in names:
            if variant == current or variant.startswith("rocm"):
                continue
            fix = VariantFix(text, name, public, variant, _index_url(name, public, variant))
            if add(fix, [*rest, fix.pinned]):
                return True
    return False


def _index_url(name: str, public: str, variant: str) -> str | None:
    """The package index that serves a build variant: the knowledge base's, else
    PyTorch's index for torch (every torch variant is published there)."""
    # lazy: only _index_url needs compatlib.stack.frameworks, which loads 10 modules that importing this one does not
    from compatlib.stack.frameworks import PYTORCH_INDEX, build

    try:
        return build(name, public, variant).served_from
    except InputError:
        return PYTORCH_INDEX + variant if name == "torch" else None


def variant_hints(
    explanation: Explanation,
    requirements: Sequence[str],
    target: Target,
    fixes: Sequence[Fix] = (),
) -> tuple[str, ...]:
    """Builds of a pinned torch release that the sources given do not carry but
    that, per the knowledge base, run on the target: where they come from (the
    PyTorch index) and how to ask for them. Only where the driver or the GPU is
    what fails, and no verified variant fix was found. Said as hints, not fixes:
    without that index among the sources, solving again cannot prove them.
    """
    # lazy: only variant_hints needs compatlib.stack, which loads 11 modules that importing this one does not
    from compatlib.stack.profile import target_profile

    system = target_profile(target)
    gpu_layers = any(k in (DRIVER, CUDA) or k.layer == "cuda_arch" for k in _layers_in(explanation))
    if system is None or not gpu_layers or any(isinstance(f, VariantFix) for f in fixes):
        return ()
    hints: list[str] = []
    for text in requirements:
        hint = _variant_hint(text, system, target.python_series)
        if hint is not None:
            hints.append(hint)
    return tuple(hints)


def _variant_hint(text: str, system: SystemProfile, python: str) -> str | None:
    # lazy: only _variant_hint needs compatlib.stack, which loads 11 modules that importing this one does not
    from compatlib.stack.frameworks import build, variants
    from compatlib.stack.query import check_build

    try:
        req = Requirement(text)
    except CompatError:
        return None
    if canonicalize_name(req.name) != "torch":
        return None
    for public, current in _pinned_releases(req):
        try:
            builds = [build("torch", public, v) for v in variants("torch", public)]
        except InputError:
            continue
        for b in reversed(builds):  # the newest CUDA first
            if b.variant == current or b.cuda is None or b.default:
                continue
            if not check_build(b, system, python).works:
                continue
            url = b.served_from
            return (
                f"torch {public} also has a {b.variant} build (CUDA {b.cuda}) that runs on this "
                f"machine per the knowledge base; it is on the PyTorch index, which is not among "
                f"the sources given: pip install torch=={public}+{b.variant} --extra-index-url {url}"
            )
    return None


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
    from compatlib.stack.profile import target_profile

    search = _LayerSearch(requirements, solve, depth)
    layers = _layers_in(explanation)
    system = target_profile(target)
    if system is not None:
        ceilings = _ceilings(explanation)
        if DRIVER in layers and system.driver is not None:
            if ceilings:
                _driver_branch_fix(ceilings[0], target, system, system.driver, search)
            else:
                _driver_fix(explanation, target, system, system.driver, search)
        if CUDA in layers and system.cuda is not None:
            _cuda_fix(explanation, target, system, system.cuda, search)
        if (ceilings or any(k.layer == "cuda_arch" for k in layers)) and system.gpus:
            _gpu_fix(target, system, search)
    if GLIBC in layers and target.known_glibc is not None:
        _glibc_fix(explanation, target, system, target.known_glibc, search)
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


def _driver_branch_fix(
    ceiling: BranchCeiling,
    target: Target,
    system: SystemProfile,
    current: str,
    search: _LayerSearch,
) -> None:
    """The newest driver the data knows in the last branch that drives the target's GPU."""
    # lazy: only _driver_branch_fix needs compatlib.stack, which loads 11 modules that importing this one does not
    from compatlib.stack.choices import driver_choices

    end = next((e for e in system.driver_ends() if e.branch.last_branch == ceiling.branch), None)
    if end is None:
        return
    for driver in driver_choices(ceiling.branch)[:2]:
        fix = DriverBranchFix(ceiling.branch, driver, current, end.gpu, end.branch.architecture)
        new = replace(system, driver=driver, cuda=None)
        if search.verify(fix, replace(target, system=new)):
            return


def _gpu_fix(target: Target, system: SystemProfile, search: _LayerSearch) -> None:
    """The GPU nearest the target's that the request runs on, with its Azure VM size."""
    # lazy: only _gpu_fix needs compatlib.stack.choices, which loads 11 modules that importing this one does not
    from compatlib.stack.choices import gpu_choices

    one_generation = len(set(system.gpus)) == 1
    names = system.gpu_names or ()
    choices = gpu_choices(system.gpus, names, exclude_current=one_generation)
    for choice in choices[:_GPU_TRIES]:
        g = choice.gpu
        new = replace(system, gpus=(g.compute_capability,), gpu_names=(g.name,))
        fix = GpuFix(g.name, g.compute_capability, choice.vm.name, system.azure_vm)
        if search.verify(fix, replace(target, system=new)):
            return


def _glibc_fix(
    expl: Explanation,
    target: Target,
    system: SystemProfile | None,
    current: str,
    search: _LayerSearch,
) -> None:
    """The nearest OS release (and Azure ML base image) with a glibc the request needs."""
    # lazy: only _glibc_fix needs compatlib.stack.choices, which loads 11 modules that importing this one does not
    from compatlib.stack.choices import image_choices, os_choices, os_label

    def moved(glibc: str, os: str | None) -> Target:
        new_target = replace(target, glibc=glibc)
        if system is not None:
            new_target = replace(new_target, system=replace(system, glibc=glibc, os=os))
        return new_target

    on_gpu = system is not None and bool(system.gpus)
    driver = system.driver if system is not None else None
    for floor in _floors(expl, GLIBC):
        oses = os_choices(floor, current=system.os if system is not None else None)
        example = (os_label(oses[0].release), oses[0].release.glibc) if oses else None
        image = None
        for choice in image_choices(floor, gpu=on_gpu, driver=driver)[:1]:
            if _try(
                search.solve, search.requirements, moved(choice.release.glibc, choice.release.id)
            ):
                image = choice.label
        glibc, os = (example[1], oses[0].release.id) if example else (floor, None)
        if search.verify(GlibcFix(floor, current, example, image), moved(glibc, os)):
            return


def _python_fix(target: Target, search: _LayerSearch) -> None:
    current = target.python_series
    for py in _nearest(current, PYTHONS):  # nearest to the target's first
        if search.verify(PythonFix(py, current), replace(target, python=py)):
            return


def _nearest(current: str, choices: Iterable[str]) -> list[str]:
    def key(v: str) -> tuple[int, int]:
        minor = int(v.split(".")[1])
        cur = int(current.split(".")[1])
        return (abs(minor - cur), -minor)

    return sorted((c for c in choices if c != current), key=key)
