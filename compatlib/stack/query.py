"""Questions users ask of the stack: what is the newest build that works here, and why
not the newer ones.

Each check uses the same knowledge and rules as the solver's layers
(:mod:`compatlib.resolve.layers`): the minor-version-compatibility driver floor of
the build's CUDA, the GPU architectures compiled into it, its Python range and
its glibc baseline.
"""

from __future__ import annotations

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.stack.frameworks import FrameworkBuild, builds, canonical_framework
from compatlib.stack.profile import SystemProfile, parse_system
from compatlib.values.dotted import DottedVersion

__all__ = ["BuildVerdict", "check_build", "newest_build"]


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
    """Check one build against a system; ``gpu=False`` skips GPU-only builds' checks."""
    from compatlib.stack.knowledge import min_driver

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
        for cc in system.compute_capabilities:
            if not b.runs_on(cc):
                built = ", ".join(b.arch_list) or f">={b.min_compute_capability}"
                reasons.append(
                    f"it has no GPU code for compute capability {cc} (built for {built})"
                )
    return BuildVerdict(b, tuple(reasons))


def newest_build(
    framework: str,
    system: SystemProfile | str,
    python: str | None = None,
    *,
    variant: str | None = None,
    gpu: bool = True,
) -> tuple[BuildVerdict | None, list[BuildVerdict]]:
    """The newest build of ``framework`` that works on ``system``, and the newer
    builds that do not, each with its reasons.

    With ``gpu`` (the default) only GPU builds are considered when the system
    has a GPU or a driver; ``variant`` restricts to one variant (``cu118``).
    """
    profile = parse_system(system) if isinstance(system, str) else system
    fw = canonical_framework(framework)
    want_gpu = gpu and (bool(profile.gpus) or profile.driver is not None)
    # builds() lists releases oldest first and, within one, CUDA builds (oldest CUDA
    # first) before the CPU build: reversed, the newest release and CUDA come first
    candidates = [
        b
        for b in reversed(builds(fw))
        if (variant is None or b.variant == variant)
        and (b.cuda is not None or not want_gpu)
        and not b.variant.startswith("rocm")
    ]
    rejected: list[BuildVerdict] = []
    for b in candidates:
        verdict = check_build(b, profile, python, gpu=want_gpu)
        if verdict.works:
            return verdict, rejected
        rejected.append(verdict)
    return None, rejected
