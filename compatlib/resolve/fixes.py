"""Concrete fixes for an unsatisfiable request, each proven by re-solving.

A fix changes one thing: the NVIDIA driver, the GPU, glibc (the OS), the Python
version, a framework variant, or one root requirement (dropped or loosened).
A fix is offered only if the request then solves; the versions it leads to are
kept as the proof.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from compatlib._values import replace
from compatlib.errors import CompatError
from compatlib.resolve.resolution import Resolution
from compatlib.solver.errors import UnsatisfiableError
from compatlib.solver.explanation import Explanation, Fix
from compatlib.values.filenames import canonicalize_name
from compatlib.values.pep508 import Requirement
from compatlib.values.target import Target

__all__ = ["Fix", "suggest_fixes"]

#: Python versions tried, nearest to the target's first
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
#: GPUs tried for a GPU fix: one per generation, with an Azure VM size carrying it
GPU_CHOICES = (
    ("T4", "azure:Standard_NC4as_T4_v3"),
    ("A10", "azure:Standard_NV36ads_A10_v5"),
    ("A100", "azure:Standard_NC24ads_A100_v4"),
    ("L4", None),
    ("H100", "azure:Standard_NC40ads_H100_v5"),
)
_FLOOR = re.compile(r">=\s*([0-9][0-9.]*)")


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


def _layers_in(expl: Explanation) -> set[str]:
    return {n.layer for n in expl.nodes if n.layer is not None}


def _floors(expl: Explanation, layer: str) -> list[str]:
    """Lower bounds the explanation's facts put on one layer, lowest first."""
    from compatlib.values.dotted import DottedVersion

    found = {
        m.group(1)
        for n in expl.nodes
        if n.layer == layer and n.requirement
        for m in [_FLOOR.search(n.requirement)]
        if m is not None
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

    def add(kind: str, text: str, change: dict[str, str], reqs: Sequence[str], tgt: Target) -> bool:
        res = _try(solve, reqs, tgt)
        if res is not None:
            fixes.append(Fix(kind, text, change, _versions(res)))
        return res is not None

    # another build of the same framework release (cu118 instead of cu121, ...)
    any(_variant_fix(i, text, requirements, target, add) for i, text in enumerate(requirements))
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
            fixes.append(
                Fix(
                    "loosen",
                    f"loosen {text} to {name} (it then resolves to {name} {got.get(name, '?')})",
                    {"requirement": text, "to": name},
                    got,
                )
            )
        elif rest:
            add("drop", f"drop the requirement {text}", {"requirement": text}, rest, target)
    return tuple(fixes[:limit])


def _variant_fix(
    i: int,
    text: str,
    requirements: Sequence[str],
    target: Target,
    add: Callable[[str, str, dict[str, str], Sequence[str], Target], bool],
) -> bool:
    """Try the other published builds of a pinned framework release."""
    from compatlib.errors import InputError
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
        pinned = f"{name}=={public}+{variant}"
        if add(
            "variant",
            f"use the {variant} build of {name} {public} ({pinned})",
            {"requirement": text, "to": pinned},
            [*rest, pinned],
            target,
        ):
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
    """Fixes that change one system layer the explanation names.

    When changing a layer lets the solve get further but it then fails on
    another layer (a K80 on a 470 driver: the driver, then the GPU), and
    ``depth`` allows, the second layer is fixed too and the two changes are
    offered together.
    """
    from compatlib.stack.profile import SystemProfile

    fixes: list[Fix] = []
    layers = _layers_in(explanation)
    system = target.system if isinstance(target.system, SystemProfile) else None

    def add(kind: str, text: str, change: dict[str, str], reqs: Sequence[str], tgt: Target) -> bool:
        outcome = _attempt(solve, reqs, tgt)
        if isinstance(outcome, Resolution):
            fixes.append(Fix(kind, text, change, _versions(outcome)))
            return True
        if outcome is not None and depth > 0:
            later = [
                f
                for f in _layer_fixes(outcome.explanation, reqs, tgt, solve, depth=depth - 1)
                if f.kind != kind
            ]
            if later:
                first = later[0]
                fixes.append(
                    Fix(
                        f"{kind}+{first.kind}",
                        f"{text}, and {first.text}",
                        {**change, **first.change},
                        first.versions,
                    )
                )
                return True
        return False

    # system layers the explanation names: change one, keep the request
    if system is not None and "NVIDIA driver" in layers and system.driver is not None:
        for floor in _floors(explanation, "NVIDIA driver"):
            new = replace(system, driver=floor, cuda=None)
            if add(
                "driver",
                f"upgrade the NVIDIA driver from {system.driver} to {floor} or newer",
                {"driver": floor},
                requirements,
                replace(target, system=new),
            ):
                break
    if system is not None and "CUDA (driver support)" in layers and system.cuda is not None:
        from compatlib.stack.knowledge import min_driver

        for floor in _floors(explanation, "CUDA (driver support)"):
            try:
                driver = min_driver(floor, compatibility="minor")
            except CompatError:
                continue
            new = replace(system, cuda=floor)
            if add(
                "cuda",
                f"use a driver that supports CUDA {floor} or newer (an NVIDIA driver "
                f">={driver}); the target's supports CUDA {system.cuda}",
                {"cuda": floor, "driver": driver},
                requirements,
                replace(target, system=new),
            ):
                break
    if system is not None and "GPU compute capability" in layers and system.gpus:
        from compatlib.stack.knowledge import gpu

        for name, vm in GPU_CHOICES:
            g = gpu(name)
            if g.compute_capability in system.gpus:
                continue
            new = replace(system, gpus=(g.compute_capability,), gpu_names=(g.name,))
            where = f" (for example the Azure VM size {vm.split(':', 1)[1]})" if vm else ""
            if add(
                "gpu",
                f"use a GPU of compute capability {g.compute_capability}, such as the {g.name}{where}",
                {"gpu": g.name, "compute_capability": g.compute_capability},
                requirements,
                replace(target, system=new),
            ):
                break
    glibc = target.glibc or (system.glibc if system is not None else None)
    if "glibc" in layers and glibc is not None:
        from compatlib.stack.knowledge import os_releases

        for floor in _floors(explanation, "glibc"):
            oses = [o for o in os_releases() if _ge(o.glibc, floor)]
            example = f" (for example {oses[0].name}, glibc {oses[0].glibc})" if oses else ""
            new_target = replace(target, glibc=floor)
            if system is not None:
                new_target = replace(new_target, system=replace(system, glibc=floor, os=None))
            if add(
                "glibc",
                f"use an OS with glibc {floor} or newer{example}; the target has {glibc}",
                {"glibc": floor},
                requirements,
                new_target,
            ):
                break
    if "Python" in layers:
        current = f"{target.python_version.major}.{target.python_version.minor}"
        for py in _nearest(current, PYTHONS):
            if add(
                "python",
                f"use Python {py} instead of {current}",
                {"python": py},
                requirements,
                replace(target, python=py),
            ):
                break
    return fixes


def _ge(a: str, b: str) -> bool:
    from compatlib.values.dotted import DottedVersion

    return DottedVersion(a) >= DottedVersion(b)


def _nearest(current: str, choices: Iterable[str]) -> list[str]:
    def key(v: str) -> tuple[int, int]:
        minor = int(v.split(".")[1])
        cur = int(current.split(".")[1])
        return (abs(minor - cur), -minor)

    return sorted((c for c in choices if c != current), key=key)
