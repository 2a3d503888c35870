"""Questions users ask of the stack: what is the newest build that works here, and why
not the newer ones.

Each check uses the same knowledge and rules as the solver's layers
(:mod:`compatlib.resolve.layers`): the minor-version-compatibility driver floor of
the build's CUDA, the GPU architectures compiled into it, its Python range and
its glibc baseline. What the data cannot answer is said, not guessed: a GPU whose
compute capability the data does not know is an error, and the answer notes when the
data, as of its date (:func:`compatlib.stack.knowledge.as_of`), may be missing newer
releases: always for the framework, and when the Python or the machine is newer than
any build the data knows supports.
"""

from __future__ import annotations

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.stack.frameworks import FrameworkBuild, builds, canonical_framework
from compatlib.stack.profile import SystemProfile, parse_system
from compatlib.values.dotted import DottedVersion

__all__ = [
    "BuildVerdict",
    "NewestReport",
    "check_build",
    "newest_build",
    "newest_report",
    "undriven_gpus",
]


@value
class BuildVerdict:
    """Whether one build works on a system, and every reason it does not."""

    build: FrameworkBuild
    reasons: tuple[str, ...]

    @property
    def works(self) -> bool:
        return not self.reasons

    @property
    def label(self) -> str:
        b = self.build
        return f"{b.package} {b.version} ({b.variant})"

    def to_dict(self) -> dict[str, object]:
        b = self.build
        return {
            "framework": b.framework,
            "package": b.package,
            "version": b.version,
            "variant": b.variant,
            "cuda": b.cuda,
            "works": self.works,
            "reasons": list(self.reasons),
        }


def check_build(
    b: FrameworkBuild, system: SystemProfile, python: str | None = None, *, gpu: bool = True
) -> BuildVerdict:
    """Check one build against a system; ``gpu=False`` skips GPU-only builds' checks.

    A GPU whose compute capability the data does not know raises
    :class:`compatlib.stack.knowledge.UnknownToData`.
    """
    # lazy: only check_build needs compatlib.stack.knowledge, which loads 2 modules that importing this one does not
    from compatlib.stack.knowledge import is_tegra, min_driver

    reasons: list[str] = []
    if python is not None and not b.supports_python(python):
        reasons.append(f"it supports Python {b.python}, not {python}")
    if b.min_glibc and system.glibc and DottedVersion(system.glibc) < DottedVersion(b.min_glibc):
        reasons.append(f"its wheels need glibc >={b.min_glibc}; the system has {system.glibc}")
    if b.cuda is not None and gpu:
        if system.driver is not None:
            try:
                floor = min_driver(b.cuda, compatibility="minor")
            except InputError:
                floor = None
            if floor is not None and DottedVersion(system.driver) < DottedVersion(floor):
                reasons.append(
                    f"CUDA {b.cuda} needs an NVIDIA driver >={floor}; the system has {system.driver}"
                )
        reasons.extend(undriven_gpus(system))
        for cc in system.compute_capabilities:
            if not b.runs_on(cc):
                why = f"it has no GPU code for compute capability {cc} (built for "
                why += b.describe_archs() + ")"
                if b.arch_list and is_tegra(cc):
                    why += f"; a Jetson (Tegra) GPU runs only machine code built for exactly {cc}"
                reasons.append(why)
    return BuildVerdict(b, tuple(reasons))


def undriven_gpus(system: SystemProfile) -> tuple[str, ...]:
    """The system's GPUs its driver cannot drive at all, each said with the last
    branch that does: "the NVIDIA driver 550.54.15 does not support the Tesla K80
    (Kepler; last supported by the 470 driver branch)"."""
    driver = system.driver
    if driver is None:
        return ()
    return tuple(
        f"the NVIDIA driver {driver} does not support the {end.gpu} "
        f"({end.branch.architecture}; last supported by the {end.branch.last_branch} "
        "driver branch)"
        for end in system.driver_ends()
        if not end.branch.drives(driver)
    )


@value
class NewestReport:
    """The answer to "which is the newest build that works here": the build (or
    ``None``), the newer builds that do not work with their reasons, and notes on
    what the data, as of ``as_of``, may not know."""

    framework: str
    package: str
    best: BuildVerdict | None
    rejected: tuple[BuildVerdict, ...]
    notes: tuple[str, ...]
    as_of: str

    def to_dict(self) -> dict[str, object]:
        return {
            "newest": self.best.to_dict() if self.best else None,
            "rejected": [v.to_dict() for v in self.rejected],
            "notes": list(self.notes),
            "as_of": self.as_of,
        }


# how the notes name each framework: what users install (jax pulls in jaxlib and a plugin)
_PACKAGE = {"pytorch": "torch", "tensorflow": "tensorflow", "jax": "jax"}


def _python_minor(python: str) -> tuple[int, int] | None:
    parts = python.split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return int(parts[0]), int(parts[1])


def _newest_python(all_builds: list[FrameworkBuild]) -> tuple[int, int] | None:
    """The newest ``3.X`` any of the builds has wheels for."""
    by_range = {b.python: b for b in all_builds}
    found = [
        next((minor for minor in range(60, -1, -1) if b.supports_python(f"3.{minor}")), None)
        for b in by_range.values()
    ]
    minors = [m for m in found if m is not None]
    return (3, max(minors)) if minors else None


def newest_report(
    framework: str,
    system: SystemProfile | str,
    python: str | None = None,
    *,
    variant: str | None = None,
    gpu: bool = True,
) -> NewestReport:
    """The newest build of ``framework`` that works on ``system``, the newer builds
    that do not (each with its reasons), and notes on the data's limits.

    With ``gpu`` (the default) only GPU builds are considered when the system has a
    GPU or a driver; ``variant`` restricts to one variant (``cu118``). A GPU whose
    compute capability the data does not know raises
    :class:`compatlib.stack.knowledge.UnknownToData`: whether any build runs on it
    cannot be said.
    """
    # lazy: only newest_report needs compatlib.stack.knowledge, which loads 2 modules that importing this one does not
    from compatlib.stack.knowledge import architecture, as_of, driver_cuda

    profile = parse_system(system) if isinstance(system, str) else system
    fw = canonical_framework(framework)
    date = as_of()
    want_gpu = gpu and (bool(profile.gpus) or profile.driver is not None)
    if want_gpu:
        for cc in profile.compute_capabilities:
            architecture(cc)  # unknown: UnknownToData, before any build is judged
    every = list(builds(fw))
    package = _PACKAGE.get(fw, fw)
    # builds() lists releases oldest first and, within one, CUDA builds (oldest CUDA
    # first) before the CPU build: reversed, the newest release and CUDA come first
    candidates = [
        b
        for b in reversed(every)
        if (variant is None or b.variant == variant)
        and (b.cuda is not None or not want_gpu)
        and not b.variant.startswith("rocm")
    ]
    rejected: list[BuildVerdict] = []
    best: BuildVerdict | None = None
    for b in candidates:
        verdict = check_build(b, profile, python, gpu=want_gpu)
        if verdict.works:
            best = verdict
            break
        rejected.append(verdict)
    notes = [
        f"the data, as of {date}, knows {package} up to {every[-1].version}; "
        "a newer release may exist"
    ]
    if python is not None and not any(b.supports_python(python) for b in every):
        top, have = _newest_python(every), _python_minor(python)
        if top is not None and have is not None and have > top:
            notes.append(
                f"Python {python} is newer than any {package} build the data knows supports "
                f"(up to {top[0]}.{top[1]}); a newer release may support it"
            )
    if want_gpu and profile.driver is not None:
        runs = driver_cuda(profile.driver)
        if runs.beyond_data:
            notes.append(
                f"the NVIDIA driver {profile.driver} runs CUDA {runs}; "
                f"{package} builds for those may exist"
            )
    if want_gpu:
        notes.extend(f"{why}: no GPU build runs with this driver" for why in undriven_gpus(profile))
        gpu_builds = [b for b in every if b.cuda is not None]
        for cc in profile.compute_capabilities:
            if gpu_builds and not any(b.runs_on(cc) for b in gpu_builds):
                notes.append(
                    f"no {package} build the data knows has GPU code for compute capability "
                    f"{cc}; a newer release may"
                )
    return NewestReport(fw, package, best, tuple(rejected), tuple(notes), date)


def newest_build(
    framework: str,
    system: SystemProfile | str,
    python: str | None = None,
    *,
    variant: str | None = None,
    gpu: bool = True,
) -> tuple[BuildVerdict | None, list[BuildVerdict]]:
    """The newest build of ``framework`` that works on ``system``, and the newer
    builds that do not, each with its reasons (:func:`newest_report` without its
    notes).

    With ``gpu`` (the default) only GPU builds are considered when the system
    has a GPU or a driver; ``variant`` restricts to one variant (``cu118``).
    """
    report = newest_report(framework, system, python, variant=variant, gpu=gpu)
    return report.best, list(report.rejected)
