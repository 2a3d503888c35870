"""The environment a solve is for: Python version, platform, and system facts.

Markers are evaluated for the target, never for the host unless asked
(:meth:`Target.current`). Platforms use conda's subdir names.
"""

from __future__ import annotations

import sys
from typing import Protocol

from packaging.version import InvalidVersion, Version

from compatlib._values import field, value
from compatlib.errors import InputError

__all__ = ["ANY_GLIBC", "DEFAULT_GLIBC", "GLIBC_ADVICE", "PLATFORMS", "SystemFacts", "Target"]

#: conda subdir -> (sys_platform, platform_system, platform_machine, os_name)
PLATFORMS: dict[str, tuple[str, str, str, str]] = {
    "linux-64": ("linux", "Linux", "x86_64", "posix"),
    "linux-aarch64": ("linux", "Linux", "aarch64", "posix"),
    "linux-ppc64le": ("linux", "Linux", "ppc64le", "posix"),
    "osx-64": ("darwin", "Darwin", "x86_64", "posix"),
    "osx-arm64": ("darwin", "Darwin", "arm64", "posix"),
    "win-64": ("win32", "Windows", "AMD64", "nt"),
    "win-arm64": ("win32", "Windows", "ARM64", "nt"),
}

DEFAULT_PLATFORM = "linux-64"

DEFAULT_GLIBC = "2.28"
"""The glibc assumed for a Linux target that gives none (neither ``glibc`` nor
its system's): the manylinux baseline of current PyTorch and NumPy wheels, met
by RHEL/Rocky 8+, Debian 10+ and Ubuntu 20.04+. The PyPI repository and the
in-memory index both select wheels for it (:attr:`Target.wheel_glibc`), and
explanations and locks say when it was assumed (:attr:`Target.assumed_glibc`)."""

GLIBC_ADVICE = "give yours with --system glibc=X.Y"
"""What an explanation advises after saying the glibc was assumed (the CLI's
``--system`` takes ``glibc=``; the API's :class:`Target` takes ``glibc``)."""

ANY_GLIBC = "2.50"
"""A glibc newer than any manylinux wheel needs: wheel tags made for it accept
every manylinux wheel (where a ``__glibc`` layer decides, or to ask whether a
newer glibc would help)."""


MAX_MINOR = 199
"""The largest Python or glibc minor version a target may name: wheel tags are
made for every minor up to the target's, so this bounds their number."""


def _check_glibc(glibc: str) -> None:
    parts = glibc.split(".")
    if (
        len(parts) != 2
        or not all(p.isdigit() and len(p) <= 4 for p in parts)
        or int(parts[0]) != 2
        or int(parts[1]) > MAX_MINOR
    ):
        raise InputError(
            f"glibc version {glibc!r} is out of range",
            field="glibc",
            expected=f"2.N with N at most {MAX_MINOR}, such as 2.35",
        )


class SystemFacts(Protocol):
    """What a :class:`Target` reads of its system: the machine's glibc, if known.

    :class:`compatlib.stack.profile.SystemProfile` is one (and the one the higher
    layers take); this layer names only what it reads, as it may not import stack.
    """

    @property
    def glibc(self) -> str | None: ...


def _host_platform() -> str:
    # lazy: only _host_platform needs platform, which loads 1 module that importing this one does not
    import platform as _platform

    machine = _platform.machine().lower()
    if sys.platform.startswith("linux"):
        return "linux-aarch64" if machine in ("aarch64", "arm64") else "linux-64"
    if sys.platform == "darwin":
        return "osx-arm64" if machine == "arm64" else "osx-64"
    if sys.platform == "win32":
        return "win-arm64" if machine == "arm64" else "win-64"
    return DEFAULT_PLATFORM


@value(slots=False)
class Target:
    """What to solve for.

    ``python``: ``"3.12"`` or ``"3.12.4"`` (``None``: the running interpreter's).
    ``platform``: a conda subdir such as ``"linux-64"`` (``None``: ``linux-64``, the
    usual deployment target; use :meth:`current` for the host).
    ``glibc``: the C library version wheels are selected for (``None``: the
    system's, else :data:`DEFAULT_GLIBC` is assumed on Linux).
    ``system``: a system profile from :mod:`compatlib.stack` (driver, GPU, ...); typed
    here by what this class reads of it (:class:`SystemFacts`).
    ``markers``: extra marker variables that override the derived ones.
    """

    python: str | None = None
    platform: str | None = None
    implementation: str = "cpython"
    glibc: str | None = None
    system: SystemFacts | None = None
    markers: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.python is not None:
            try:
                v = Version(self.python)
            except InvalidVersion:
                raise InputError(
                    f"invalid Python version {self.python!r}",
                    field="python",
                    expected="a version such as 3.12 or 3.12.4",
                ) from None
            if len(v.release) < 2:
                raise InputError(
                    f"Python version {self.python!r} needs a minor version",
                    field="python",
                    expected="a version such as 3.12",
                )
            if not 2 <= v.release[0] <= 9 or v.release[1] > MAX_MINOR or len(v.release) > 3:
                raise InputError(
                    f"Python version {self.python!r} is out of range",
                    field="python",
                    expected=f"major 2-9, minor 0-{MAX_MINOR}, such as 3.12 or 3.12.4",
                )
        if self.glibc is not None:
            _check_glibc(self.glibc)
        if self.platform is not None and self.platform not in PLATFORMS:
            raise InputError(
                f"unknown platform {self.platform!r}",
                field="platform",
                expected="one of " + ", ".join(sorted(PLATFORMS)),
            )

    @classmethod
    def current(cls) -> Target:
        """The running interpreter on this host."""
        v = sys.version_info
        return cls(python=f"{v.major}.{v.minor}.{v.micro}", platform=_host_platform())

    @property
    def python_version(self) -> Version:
        """The full Python version (``3.12`` reads as ``3.12.0``)."""
        if self.python is None:
            v = sys.version_info
            return Version(f"{v.major}.{v.minor}.{v.micro}")
        return Version(self.python)

    @property
    def python_series(self) -> str:
        """The Python's ``major.minor`` (``"3.12"`` for 3.12.4), as the
        ``python_version`` marker and the knowledge base's build records read it."""
        pv = self.python_version
        return f"{pv.major}.{pv.minor}"

    @property
    def subdir(self) -> str:
        return self.platform or DEFAULT_PLATFORM

    @property
    def known_glibc(self) -> str | None:
        """The glibc given: the target's own, else its system profile's; ``None``
        when neither gives one."""
        if self.glibc is not None:
            return self.glibc
        return None if self.system is None else self.system.glibc

    @property
    def assumed_glibc(self) -> str | None:
        """:data:`DEFAULT_GLIBC` for a Linux target that gives no glibc (so that
        explanations and locks can say it was assumed); ``None`` otherwise."""
        if self.known_glibc is None and self.subdir.startswith("linux"):
            return DEFAULT_GLIBC
        return None

    @property
    def wheel_glibc(self) -> str:
        """The glibc wheels are selected for: the one given, else the default."""
        return self.known_glibc or DEFAULT_GLIBC

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker variables for this target."""
        pv = self.python_version
        sys_platform, system, machine, os_name = PLATFORMS[self.subdir]
        impl = self.implementation.lower()
        env = {
            "python_version": self.python_series,
            "python_full_version": str(pv),
            "implementation_name": impl,
            "implementation_version": str(pv),
            "platform_python_implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(
                impl, self.implementation
            ),
            "os_name": os_name,
            "sys_platform": sys_platform,
            "platform_system": system,
            "platform_machine": machine,
            "platform_release": "",
            "platform_version": "",
            "extra": "",
        }
        env.update(dict(self.markers))
        return env
