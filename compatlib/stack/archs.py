"""Compute-capability rules: which GPU code in a binary a GPU can execute.

This module is the one place the rules live; :func:`compatlib.stack.knowledge.can_run`
adds what the data knows (which compute capabilities exist, which are integrated
Jetson/Tegra GPUs) and everything else (framework builds, the solver's GPU layer, the
explanations) goes through it. The rules, as NVIDIA states them:

- Machine code (SASS, a cubin) for ``sm_XY`` runs on a GPU of the same major ``X``
  with minor ``>= Y``: sm_80 runs on 8.6 and 8.9, sm_86 not on 8.0, no 8.x code on 9.0
  (Blackwell Compatibility Guide, 1.2 "Application Compatibility on Blackwell
  Architecture": "A cubin generated for a certain compute capability is supported to
  run on any GPU with the same major revision and same or higher minor revision",
  https://docs.nvidia.com/cuda/blackwell-compatibility-guide/).
- PTX for ``compute_XY`` is JIT-compiled by the driver for any GPU of compute
  capability ``>= X.Y``, of any newer major (same guide and section; CUDA Programming
  Guide, "Compute Capability and Streaming Multiprocessor Versions").
- Architecture-specific targets (``sm_90a``, ``compute_100a``) run only on exactly
  that compute capability, and family-specific targets (``sm_100f``,
  ``compute_100f``) only on the same major with minor ``>= Y`` (10.0 and 10.3, not
  11.0 or 12.0), for SASS and PTX alike: neither carries forward (CUDA Programming
  Guide, 5.1.2 "Feature Availability", https://docs.nvidia.com/cuda/
  cuda-programming-guide/05-appendices/compute-capabilities.html; NVIDIA's CUDA 12.9
  post "NVIDIA Blackwell and NVIDIA CUDA 12.9 Introduce Family-Specific Architecture
  Features").
- Integrated Jetson (Tegra) GPUs have no binary compatibility across minor versions or
  with desktop GPUs ("Binary compatibility is supported only for the desktop. It is
  not supported for Tegra", CUDA C++ Programming Guide, binary compatibility): their
  machine code must match exactly, in both directions; PTX still JIT-compiles.

Entries are written as in ``TORCH_CUDA_ARCH_LIST`` (``"8.6"``, ``"9.0+PTX"``) or as
nvcc targets (``"sm_86"``, ``"compute_90"``, ``"sm_90a"``, ``"compute_100f"``)::

    >>> runs_on(parse_arch_list(["5.0", "6.0", "7.0"]), (6, 1))
    True
    >>> describe_arch_list(["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0+PTX"])
    'compute capability 5.0-9.x, and newer through PTX'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache

from compatlib._values import value
from compatlib.errors import InputError

__all__ = [
    "ArchTarget",
    "describe_arch_list",
    "normalize_compute_capability",
    "parse_arch_list",
    "parse_target",
    "runs_on",
    "split_compute_capability",
]

_CC_TEXT = re.compile(r"^\s*(?:sm_?|compute_?)?(\d+)(?:\.(\d+))?([af]?)\s*$", re.IGNORECASE)


def split_compute_capability(text: str) -> tuple[int, int, str]:
    """``"8.6"``, ``"86"``, ``"sm_86"``, ``"compute_86"`` -> ``(8, 6, "")``;
    ``"sm_90a"`` -> ``(9, 0, "a")``, ``"sm_100f"`` -> ``(10, 0, "f")``."""
    m = _CC_TEXT.match(text)
    if m is None:
        raise InputError(
            f"invalid compute capability {text!r}",
            field="compute_capability",
            text=text,
            expected="a compute capability such as 8.6, sm_86 or compute_90",
        )
    digits, minor, suffix = m.group(1), m.group(2), m.group(3).lower()
    if minor is not None:
        return int(digits), int(minor), suffix
    if len(digits) < 2:
        raise InputError(
            f"invalid compute capability {text!r}",
            field="compute_capability",
            text=text,
            expected="major.minor (8.6) or sm_XY (sm_86)",
        )
    return int(digits[:-1]), int(digits[-1]), suffix


def normalize_compute_capability(text: str) -> str:
    """``"sm_86"``, ``"86"``, ``"compute_86"`` and ``"8.6"`` all become ``"8.6"``."""
    major, minor, _ = split_compute_capability(text)
    return f"{major}.{minor}"


@value
class ArchTarget:
    """One entry of an architecture list: code for compute capability ``major.minor``.

    ``sass``: machine code is carried; ``ptx``: PTX is carried. ``variant`` is ``""``
    (portable), ``"a"`` (architecture-specific: this exact compute capability) or
    ``"f"`` (family-specific: the same major, minor ``>=``).
    """

    major: int
    minor: int
    sass: bool
    ptx: bool
    variant: str = ""

    @property
    def compute_capability(self) -> tuple[int, int]:
        return (self.major, self.minor)


def parse_target(entry: str) -> ArchTarget:
    """``"8.6"``/``"sm_86"`` (SASS), ``"compute_90"`` (PTX), ``"9.0+PTX"`` (both),
    with the ``a``/``f`` suffixes (``"sm_90a"``, ``"compute_100f"``)."""
    text = entry.strip()
    lowered = text.lower()
    if lowered.endswith("+ptx"):
        major, minor, variant = split_compute_capability(text[:-4])
        return ArchTarget(major, minor, True, True, variant)
    if lowered.startswith("compute_"):
        major, minor, variant = split_compute_capability(text)
        return ArchTarget(major, minor, False, True, variant)
    major, minor, variant = split_compute_capability(text)
    return ArchTarget(major, minor, True, False, variant)


def parse_arch_list(arch_list: Sequence[str] | str) -> tuple[ArchTarget, ...]:
    """Every entry of an architecture list; a string is split on ``;``, ``,`` and
    blanks (``"7.0;8.0+PTX"``). An empty list is an error."""
    if isinstance(arch_list, str):
        entries = tuple(a for a in re.split(r"[;,\s]+", arch_list) if a)
    else:
        entries = tuple(a for a in arch_list if a.strip())
    return _parse_entries(entries)


@lru_cache(maxsize=1024)
def _parse_entries(entries: tuple[str, ...]) -> tuple[ArchTarget, ...]:
    # the solver asks about the same few framework arch lists again and again
    if not entries:
        raise InputError(
            "empty architecture list", field="arch_list", expected="entries such as 8.0 or 9.0+PTX"
        )
    return tuple(parse_target(e) for e in entries)


def _target_runs_on(
    t: ArchTarget, gpu: tuple[int, int], tegra: Collection[tuple[int, int]]
) -> bool:
    target = t.compute_capability
    same_family = t.major == gpu[0] and gpu[1] >= t.minor
    if t.variant == "a":
        return target == gpu
    if t.sass:
        if target == gpu:
            return True
        if same_family and gpu not in tegra and target not in tegra:
            return True
    if t.ptx:
        if t.variant == "f":
            return same_family
        return gpu >= target
    return False


def runs_on(
    targets: Sequence[ArchTarget],
    compute_capability: tuple[int, int],
    tegra: Collection[tuple[int, int]] = (),
) -> bool:
    """Whether some target's code executes on a GPU of ``compute_capability``.

    ``tegra`` holds the integrated (Jetson) compute capabilities, for which
    machine code must match exactly. The driver must also be new enough to JIT
    the PTX; that is not checked here.
    """
    return any(_target_runs_on(t, compute_capability, tegra) for t in targets)


_OPEN = 10**6  # a minor above every real one: "X.x" is (X, 0) .. (X, _OPEN)


def _text(lo: tuple[int, int], hi_major: int, known: Collection[tuple[int, int]]) -> str:
    """One span: ``5.0-9.x``, ``8.x``, ``8.6-8.x``; a span within one major that
    reaches no known compute capability above its lowest reads as that one: ``3.7``
    (a major the data does not know keeps its open end)."""
    start = f"{lo[0]}.{lo[1]}"
    if lo[0] == hi_major:
        if lo[1] == 0:
            return f"{lo[0]}.x"
        minors = [m for major, m in known if major == lo[0]]
        if minors and max(minors) <= lo[1]:
            return start
        return f"{start}-{lo[0]}.x"
    return f"{start}-{hi_major}.x"


@lru_cache(maxsize=1)
def _known_compute_capabilities() -> frozenset[tuple[int, int]]:
    # lazy: the knowledge base imports this module (the rules); what exists is its data
    from compatlib.stack.knowledge import cuda_architectures

    return frozenset(
        split_compute_capability(a.compute_capability)[:2] for a in cuda_architectures()
    )


def describe_arch_list(
    arch_list: Sequence[str] | str, known: Collection[tuple[int, int]] | None = None
) -> str:
    """The GPUs an architecture list runs on, as ranges for explanations.

    ``["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"]`` is ``"compute capability
    5.0-9.x"`` (machine code for X.Y runs on X.Z, Z >= Y, so 5.2, 6.1 and 8.9 cards
    are in it), ``["7.5", "8.0", "8.6", "9.0", "10.0", "12.0+PTX"]`` is ``"compute
    capability 7.5-10.x, 12.x, and newer through PTX"``; architecture-specific
    targets are named exactly (``"9.0 only (sm_90a)"``). Jetson (Tegra) GPUs inside a
    range still need machine code for exactly their compute capability. A range
    within one major that no compute capability in ``known`` (default: the
    knowledge base's) lies above reads as its one compute capability: ``["3.7",
    "5.0"]`` is ``"compute capability 3.7, 5.x"``, where ``["8.6"]`` stays
    ``"8.6-8.x"`` (8.7 and 8.9 run it).
    """
    targets = parse_arch_list(arch_list)
    exact = sorted({(t.compute_capability, t.sass) for t in targets if t.variant == "a"})
    # closed ranges, one major each: SASS (plain or family) and family PTX
    spans = sorted(
        {t.compute_capability for t in targets if t.variant != "a" and (t.sass or t.variant == "f")}
    )
    ptx = [t.compute_capability for t in targets if t.ptx and t.variant == ""]
    ptx_from = min(ptx) if ptx else None
    merged: list[tuple[tuple[int, int], int]] = []  # (lowest, last major)
    for lo in spans:
        if ptx_from is not None and lo > ptx_from:
            continue  # PTX covers it
        if merged and lo[0] <= merged[-1][1] + 1:
            first, last = merged[-1]
            merged[-1] = (first, max(last, lo[0]))
        else:
            merged.append((lo, lo[0]))
    if known is None:
        known = _known_compute_capabilities()
    parts = [_text(lo, last, known) for lo, last in merged]
    if ptx_from is not None:
        joined = bool(merged) and merged[-1][1] + 1 >= ptx_from[0] and merged[-1][0] <= ptx_from
        if joined:
            parts.append("and newer through PTX")
        else:
            parts.append(f"{ptx_from[0]}.{ptx_from[1]} and newer through PTX")
    parts += [f"{m}.{n} only ({'sm' if sass else 'compute'}_{m}{n}a)" for (m, n), sass in exact]
    return "compute capability " + ", ".join(parts)
