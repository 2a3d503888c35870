"""Wheel tags a :class:`~compatlib.values.target.Target` accepts, best first.

The list is computed for the *target* (its Python, platform, glibc), never for
the host running compatlib. It follows the order pip and packaging use on a real
interpreter: the most specific interpreter/ABI first, and within one
interpreter/ABI the newest platform first (``manylinux_2_28`` before
``manylinux_2_17``), so the index of a tag in the list ranks wheels.

The generators (:func:`cpython_tags`, :func:`generic_tags`,
:func:`compatible_tags`, :func:`mac_platforms`) reproduce ``packaging.tags``'
output and order for explicit arguments, without importing it (it probes the
host with sysconfig, platform and subprocess at import and call time); tags are
:class:`compatlib.values.filenames.Tag`, which hash and compare like
packaging's. ``tests/values/test_tags_differential.py`` checks the match.

Defaults when the target leaves a fact open (documented in ``docs/pypi.md``):

* glibc: the target's, else its system's, else
  :data:`~compatlib.values.target.DEFAULT_GLIBC` (``2.28``, defined with the
  target and re-exported here). Set ``Target.glibc="2.17"`` for CentOS 7-era hosts.
* macOS: :data:`DEFAULT_MACOS` (``13.0``) for both ``osx-64`` and ``osx-arm64``.
* musllinux wheels are never accepted unless a musl version is passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from compatlib.errors import InputError
from compatlib.values.filenames import Tag
from compatlib.values.target import DEFAULT_GLIBC

if TYPE_CHECKING:
    from compatlib.values.target import Target

__all__ = [
    "DEFAULT_GLIBC",
    "DEFAULT_MACOS",
    "TagRanker",
    "compatible_tags",
    "cpython_tags",
    "generic_tags",
    "mac_platforms",
    "platform_tags_for",
    "target_tags",
]

DEFAULT_MACOS = "13.0"

#: conda subdir -> (kind, machine as used in wheel platform tags)
_SUBDIR_ARCH: dict[str, tuple[str, str]] = {
    "linux-64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "aarch64"),
    "linux-ppc64le": ("linux", "ppc64le"),
    "osx-64": ("macos", "x86_64"),
    "osx-arm64": ("macos", "arm64"),
    "win-64": ("windows", "win_amd64"),
    "win-arm64": ("windows", "win_arm64"),
}

# PEP 600 legacy aliases: manylinux1 = glibc 2.5, manylinux2010 = 2.12,
# manylinux2014 = 2.17 (each only for the architectures the old PEP covered).
_LEGACY_MANYLINUX: dict[tuple[int, int], tuple[str, frozenset[str]]] = {
    (2, 5): ("manylinux1", frozenset({"x86_64", "i686"})),
    (2, 12): ("manylinux2010", frozenset({"x86_64", "i686"})),
    (2, 17): (
        "manylinux2014",
        frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"}),
    ),
}


# Tag generation for a target. These follow packaging.tags' generators of the
# same names (and their order) for explicitly given versions, ABIs and
# platforms; nothing here looks at the host.


def _nodot(version: Sequence[int]) -> str:
    return "".join(str(part) for part in version)


_CPYTHON_ABI = re.compile(r"cp[0-9]+(.*)")


def _free_threaded(abis: Sequence[str]) -> bool:
    """True when the first versioned CPython ABI (or ``abi3t``) is a ``t`` build."""
    for abi in abis:
        if abi == "abi3t":
            return True
        match = _CPYTHON_ABI.match(abi)
        if match is not None:
            return "t" in match.group(1)
    return False


def cpython_tags(
    python: Sequence[int], abis: Iterable[str], platforms: Iterable[str]
) -> Iterator[Tag]:
    """CPython tags, best first: ``cpXY-<abi>``, ``cpXY-abi3`` (or ``abi3t`` for a
    free-threaded ABI), ``cpXY-none``, then ``abi3`` of every older ``cp3x`` down to 3.2."""
    interpreter = f"cp{_nodot(python[:2])}"
    abi_list = list(abis)
    threaded = _free_threaded(abi_list)
    for explicit in ("abi3", "abi3t", "none") if threaded else ("abi3", "none"):
        if explicit in abi_list:
            abi_list.remove(explicit)
    plats = list(platforms)
    for abi in abi_list:
        for plat in plats:
            yield Tag(interpreter, abi, plat)
    stable_ok = len(python) > 1 and tuple(python) >= (3, 2)
    stable = ("abi3t" if threaded else "abi3") if stable_ok else None
    if stable is not None:
        for plat in plats:
            yield Tag(interpreter, stable, plat)
    for plat in plats:
        yield Tag(interpreter, "none", plat)
    if stable is not None:
        for minor in range(python[1] - 1, 1, -1):
            older = f"cp{python[0]}{minor}"
            for plat in plats:
                yield Tag(older, stable, plat)


def generic_tags(interpreter: str, abis: Iterable[str], platforms: Iterable[str]) -> Iterator[Tag]:
    """``<interpreter>-<abi>-<platform>`` for each ABI (``none`` added last if absent)."""
    abi_list = list(abis)
    if "none" not in abi_list:
        abi_list.append("none")
    plats = list(platforms)
    for abi in abi_list:
        for plat in plats:
            yield Tag(interpreter, abi, plat)


def _python_interpreters(python: Sequence[int]) -> Iterator[str]:
    """``pyXY``, ``pyX``, then ``pyX(Y-1)`` ... ``pyX0``."""
    if len(python) > 1:
        yield f"py{_nodot(python[:2])}"
    yield f"py{python[0]}"
    if len(python) > 1:
        for minor in range(python[1] - 1, -1, -1):
            yield f"py{python[0]}{minor}"


def compatible_tags(
    python: Sequence[int], interpreter: str | None, platforms: Iterable[str]
) -> Iterator[Tag]:
    """``py*-none-<platform>``, then ``<interpreter>-none-any``, then ``py*-none-any``."""
    plats = list(platforms)
    for py in _python_interpreters(python):
        for plat in plats:
            yield Tag(py, "none", plat)
    if interpreter:
        yield Tag(interpreter, "none", "any")
    for py in _python_interpreters(python):
        yield Tag(py, "none", "any")


def _mac_formats(version: tuple[int, int], arch: str) -> list[str]:
    """Binary formats a macOS ``version`` on ``arch`` loads, most specific first."""
    formats = [arch]
    if arch == "x86_64":
        if version < (10, 4):
            return []
        formats += ["intel", "fat64", "fat3"]
    elif arch == "i386":
        if version < (10, 4):
            return []
        formats += ["intel", "fat3", "fat"]
    elif arch == "ppc64":
        if not (10, 4) <= version <= (10, 5):
            return []
        formats.append("fat64")
    elif arch == "ppc":
        if version > (10, 6):
            return []
        formats += ["fat3", "fat"]
    if arch in ("arm64", "x86_64"):
        formats.append("universal2")
    if arch in ("x86_64", "i386", "ppc64", "ppc", "intel"):
        formats.append("universal")
    return formats


def mac_platforms(version: tuple[int, int], arch: str) -> Iterator[str]:
    """macOS platform tags for ``version`` (``(major, minor)``) on ``arch``, newest first.

    macOS 10.x walks the minor versions down to 10.0; 11 and later walk the
    major versions down to 11.0 and then accept 10.16-10.4 (every format on
    x86_64, only ``universal2`` on other architectures).
    """
    if (10, 0) <= version < (11, 0):
        for minor in range(version[1], -1, -1):
            for fmt in _mac_formats((10, minor), arch):
                yield f"macosx_10_{minor}_{fmt}"
    if version >= (11, 0):
        for major in range(version[0], 10, -1):
            for fmt in _mac_formats((major, 0), arch):
                yield f"macosx_{major}_0_{fmt}"
        for minor in range(16, 3, -1):
            if arch == "x86_64":
                for fmt in _mac_formats((10, minor), arch):
                    yield f"macosx_10_{minor}_{fmt}"
            else:
                yield f"macosx_10_{minor}_universal2"


def _major_minor(text: str, what: str) -> tuple[int, int]:
    parts = text.strip().split(".")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (1, 2, 3) or any(n < 0 for n in numbers):
        raise InputError(
            f"invalid {what} version {text!r}", field=what, expected="a version such as 2.28"
        )
    return (numbers[0], numbers[1] if len(numbers) > 1 else 0)


def _manylinux_platforms(glibc: tuple[int, int], arch: str) -> list[str]:
    # manylinux_2_17 is the oldest policy for the non-x86 architectures.
    oldest = 5 if arch in ("x86_64", "i686") else 17
    major, newest = glibc
    if major != 2:
        raise InputError(f"unsupported glibc major version {major}", field="glibc", expected="2.x")
    out: list[str] = []
    for minor in range(newest, oldest - 1, -1):
        out.append(f"manylinux_2_{minor}_{arch}")
        legacy = _LEGACY_MANYLINUX.get((2, minor))
        if legacy is not None and arch in legacy[1]:
            out.append(f"{legacy[0]}_{arch}")
    return out


def _musllinux_platforms(musl: tuple[int, int], arch: str) -> list[str]:
    major, newest = musl
    return [f"musllinux_{major}_{minor}_{arch}" for minor in range(newest, -1, -1)]


def platform_tags_for(
    target: Target, *, macos: str | None = None, musllinux: str | None = None
) -> list[str]:
    """Wheel platform tags for the target's platform, most specific first.

    ``macos`` overrides :data:`DEFAULT_MACOS`; ``musllinux`` (e.g. ``"1.2"``)
    adds ``musllinux_1_X`` tags after the manylinux ones (Linux only).
    """
    kind, arch = _SUBDIR_ARCH[target.subdir]
    if kind == "linux":
        glibc = _major_minor(target.wheel_glibc, "glibc")
        plats = _manylinux_platforms(glibc, arch)
        if musllinux is not None:
            plats += _musllinux_platforms(_major_minor(musllinux, "musllinux"), arch)
        # Locally built, non-portable wheels (``linux_x86_64``) rank last, as in pip.
        plats.append(f"linux_{arch}")
        return plats
    if kind == "macos":
        version = _major_minor(macos or DEFAULT_MACOS, "macos")
        return list(mac_platforms(version, arch))
    return [arch]


def _python_tuple(target: Target) -> tuple[int, int]:
    v = target.python_version
    return (v.major, v.minor)


@lru_cache(maxsize=64)
def _tags_cached(
    python: tuple[int, int],
    implementation: str,
    platforms: tuple[str, ...],
) -> tuple[Tag, ...]:
    nodot = f"{python[0]}{python[1]}"
    out: list[Tag] = []
    if implementation == "cpython":
        out.extend(cpython_tags(python, [f"cp{nodot}"], platforms))
        interpreter = f"cp{nodot}"
    elif implementation == "pypy":
        # PyPy 7.3.x is the only ABI line published for Python 3 in years.
        interpreter = f"pp{nodot}"
        out.extend(generic_tags(interpreter, [f"pypy{nodot}_pp73"], platforms))
    else:
        interpreter = f"{implementation[:2]}{nodot}"
        out.extend(generic_tags(interpreter, [], platforms))
    out.extend(compatible_tags(python, interpreter, platforms))
    seen: set[Tag] = set()
    unique: list[Tag] = []
    for tag in out:
        if tag not in seen:
            seen.add(tag)
            unique.append(tag)
    return tuple(unique)


def target_tags(
    target: Target, *, macos: str | None = None, musllinux: str | None = None
) -> list[Tag]:
    """All wheel tags the target accepts, best first (see the module docstring)."""
    platforms = tuple(platform_tags_for(target, macos=macos, musllinux=musllinux))
    return list(_tags_cached(_python_tuple(target), target.implementation.lower(), platforms))


class _TagLike(Protocol):
    """A wheel tag: this package's :class:`Tag` or ``packaging.tags.Tag`` (they
    hash and compare alike)."""

    @property
    def interpreter(self) -> str: ...
    @property
    def abi(self) -> str: ...
    @property
    def platform(self) -> str: ...


class TagRanker:
    """Ranks wheel tag sets for one target: lower is better, ``None`` is incompatible."""

    __slots__ = ("_rank", "tags")

    def __init__(self, tags: Sequence[Tag]) -> None:
        self.tags: tuple[Tag, ...] = tuple(tags)
        self._rank: dict[object, int] = {tag: i for i, tag in enumerate(self.tags)}

    @classmethod
    def for_target(
        cls, target: Target, *, macos: str | None = None, musllinux: str | None = None
    ) -> TagRanker:
        """The ranker of a target's tags, shared by every caller asking for the same
        tags (a lock builds it in several places; it never changes)."""
        platforms = tuple(platform_tags_for(target, macos=macos, musllinux=musllinux))
        return _ranker_cached(_python_tuple(target), target.implementation.lower(), platforms)

    def rank(self, wheel_tags: Iterable[_TagLike]) -> int | None:
        """The best rank among a wheel's tags, or ``None`` if none is accepted."""
        best: int | None = None
        for tag in wheel_tags:
            r = self._rank.get(tag)
            if r is not None and (best is None or r < best):
                best = r
        return best


@lru_cache(maxsize=64)
def _ranker_cached(
    python: tuple[int, int], implementation: str, platforms: tuple[str, ...]
) -> TagRanker:
    return TagRanker(_tags_cached(python, implementation, platforms))
