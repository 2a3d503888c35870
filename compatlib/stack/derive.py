"""CUDA needs derived from a framework wheel's own requirements.

A framework wheel names the NVIDIA libraries it runs with (``Requires-Dist:
cuda-toolkit[cudart,...]==13.2.2``, ``nvidia-cudnn-cu13==9.26.0.51``), and those
pins say which CUDA it was built for. ``data/build/refresh.py`` reads them to
write the framework records; a lock reads them for a release the records do not
hold yet (newer than the data), so its CUDA and driver needs are still known::

    >>> pins = gpu_pins(["cuda-toolkit[cudart]==13.2.2", "filelock"])
    >>> pins
    {'cuda-toolkit': '==13.2.2'}
    >>> d = derive_cuda(pins)
    >>> d.cuda, d.driver, d.basis
    ('13.2', '580.65.06', 'cuda-toolkit==13.2.2')

The CUDA is read from an exact pin of the toolkit or its runtime (``13.2``), else
from an exact pin of another NVIDIA package the data maps to a CUDA release, else
from a ``-cuNN`` suffix (the major alone, ``13``). The driver follows by the
family rule: the minor-version-compatibility floor of that CUDA major
(:func:`compatlib.stack.knowledge.min_driver` with ``"minor"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from compatlib._values import replace, value
from compatlib.errors import CompatError, InputError
from compatlib.values.dotted import DottedVersion

if TYPE_CHECKING:
    from compatlib.values.pep508 import Marker, Requirement

__all__ = [
    "CUDA_EXTRAS",
    "DerivedCuda",
    "DerivedRelease",
    "cuda_of_pins",
    "cudnn_of_pins",
    "derive_cuda",
    "derive_release",
    "gpu_pins",
    "linux_environments",
    "unrecorded",
]

#: PyPI package of a framework -> the extras that hold its CUDA libraries, most
#: preferred first ("": the requirements outside any extra, as torch has them)
CUDA_EXTRAS: Mapping[str, tuple[str, ...]] = {
    "torch": ("",),
    "tensorflow": ("and-cuda",),
    "jax-cuda12-plugin": ("with-cuda",),
    "jax-cuda13-plugin": ("with-cuda",),
}
_FRAMEWORKS = {
    "torch": "pytorch",
    "tensorflow": "tensorflow",
    "jax-cuda12-plugin": "jax",
    "jax-cuda13-plugin": "jax",
}

_INTERESTING = re.compile(r"^(nvidia-|cuda-)")
_TOOLKITS = (
    "cuda-toolkit",
    "nvidia-cuda-runtime",
    "nvidia-cuda-runtime-cu12",
    "nvidia-cuda-runtime-cu11",
)
_SUFFIX = re.compile(r"-cu(\d+)$")


def linux_environments(pythons: Iterable[str]) -> list[dict[str, str]]:
    """PEP 508 marker environments of CPython on Linux x86_64, one per Python."""
    return [
        {
            "platform_system": "Linux",
            "platform_machine": "x86_64",
            "sys_platform": "linux",
            "os_name": "posix",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "python_version": python,
            "python_full_version": f"{python}.0",
        }
        for python in pythons
    ]


def _spec_text(requirement: Requirement) -> str:
    """A specifier, lower bound first (``>=13.0.3,<14``) as the data files write it;
    ``>=0`` for none."""
    spec = requirement.specifier
    lower = sorted((s for s in spec if s.operator in ("==", "===", ">=", "~=", ">")), key=str)
    rest = sorted((s for s in spec if s not in lower), key=str)
    return ",".join(str(s) for s in (*lower, *rest)) or ">=0"


def gpu_pins(
    requires: Iterable[str],
    extra: str = "",
    environments: Sequence[Mapping[str, str]] = (),
) -> dict[str, str]:
    """The ``nvidia-*``/``cuda-*`` requirements an install gets: name -> specifier text.

    ``requires`` are a release's ``Requires-Dist`` strings. Without ``extra``, the
    requirements outside any extra (torch); with it, those of that extra only
    (``tensorflow[and-cuda]``). A requirement counts when its marker holds in one
    of ``environments`` at least (none given: Linux x86_64, Python 3.12). Strings
    that do not parse are skipped.
    """
    # lazy: only gpu_pins needs the PEP 508 parser
    from compatlib.values.filenames import canonicalize_name
    from compatlib.values.pep508 import InvalidRequirement, parse_requirement

    envs = list(environments) or linux_environments(("3.12",))
    out: dict[str, str] = {}
    for line in requires:
        try:
            req = parse_requirement(line)
        except InvalidRequirement:
            continue
        name = str(canonicalize_name(req.name))
        if not _INTERESTING.match(name):
            continue
        if req.marker is None:
            if extra:
                continue  # required by every install, not by the extra
        elif not any(_holds(req.marker, env, extra) for env in envs):
            continue
        out[name] = _spec_text(req)
    return dict(sorted(out.items()))


def _holds(marker: Marker, env: Mapping[str, str], extra: str) -> bool:
    """Does ``marker`` hold in ``env`` with ``extra``? One it cannot evaluate does not."""
    try:
        return marker.evaluate({**env, "extra": extra})
    except (CompatError, ValueError, KeyError):
        return False


def _exact(spec: str) -> str | None:
    m = re.match(r"===?([0-9][0-9.]*)", spec)
    return m.group(1).rstrip(".") if m else None


def cuda_of_pins(pins: Mapping[str, str]) -> str | None:
    """``major.minor`` of the CUDA toolkit an exact toolkit or runtime pin belongs
    to (torch's PyPI builds: ``cuda-toolkit==13.2.2`` -> ``13.2``)."""
    for name in _TOOLKITS:
        m = re.match(r"==(\d+)\.(\d+)", pins.get(name, ""))
        if m:
            return f"{m.group(1)}.{m.group(2)}"
    return None


def cudnn_of_pins(pins: Mapping[str, str]) -> str | None:
    """The cuDNN the pins record: the exact or the lowest version of ``nvidia-cudnn*``."""
    from packaging.specifiers import SpecifierSet  # lazy: as the PEP 508 parser uses it

    for name, spec in pins.items():
        if name.startswith("nvidia-cudnn"):
            for s in SpecifierSet(spec):
                if s.operator in ("==", ">=", "~="):
                    return s.version
    return None


@value
class DerivedCuda:
    """What a wheel's pins say of its CUDA.

    ``cuda`` is ``major.minor``, or the major alone (``"13"``) when the pins name
    only ``-cuNN`` packages; ``basis`` is the pin it was read from; ``driver`` the
    oldest driver by the family rule (``None``: a CUDA major newer than the data,
    whose driver is unknown); ``cudnn`` the pinned cuDNN, if any.
    """

    cuda: str
    basis: str
    driver: str | None
    cudnn: str | None = None

    @property
    def release(self) -> str:
        """A ``major.minor`` the CUDA is at least (``"13.0"`` for ``"13"``)."""
        return self.cuda if "." in self.cuda else f"{self.cuda}.0"

    @property
    def shown(self) -> str:
        """The CUDA as said to people: ``"13.2"``, or ``"13.x"`` for a major alone."""
        return self.cuda if "." in self.cuda else f"{self.cuda}.x"

    def __str__(self) -> str:
        return f"CUDA {self.shown} (from {self.basis})"


def _from_packages(pins: Mapping[str, str]) -> tuple[str, str] | None:
    """The newest CUDA release an exact pin of an NVIDIA package belongs to, by the data."""
    from compatlib.stack.frameworks import nvidia_cuda_version  # lazy: reads nvidia-pypi.yaml

    best: tuple[str, str] | None = None
    for name, spec in pins.items():
        version = _exact(spec)
        if version is None or not name.startswith("nvidia-"):
            continue
        cuda = nvidia_cuda_version(name, version)
        if cuda is not None and (best is None or DottedVersion(cuda) > DottedVersion(best[0])):
            best = (cuda, f"{name}{spec}")
    return best


def derive_cuda(pins: Mapping[str, str], os: str = "linux") -> DerivedCuda | None:
    """The CUDA (and driver) a wheel's ``nvidia-*``/``cuda-*`` pins say it was built
    for (see the module docstring); ``None`` when they say nothing of CUDA."""
    # lazy: only derive_cuda needs the knowledge base
    from compatlib.stack.knowledge import min_driver

    found: tuple[str, str] | None = None
    cuda = cuda_of_pins(pins)
    if cuda is not None:
        name = next(n for n in _TOOLKITS if pins.get(n, "").startswith(f"=={cuda}"))
        found = (cuda, f"{name}{pins[name]}")
    if found is None:
        found = _from_packages(pins)
    if found is None:
        majors = sorted(
            {(int(m.group(1)), name) for name in pins if (m := _SUFFIX.search(name)) is not None}
        )
        if majors:
            found = (str(majors[-1][0]), majors[-1][1])
    if found is None:
        return None
    derived = DerivedCuda(found[0], found[1], None, cudnn_of_pins(pins))
    try:
        driver: str | None = min_driver(derived.release, os=os, compatibility="minor")
    except InputError:
        driver = None  # a CUDA major newer than the data
    return replace(derived, driver=driver)


@value
class DerivedRelease:
    """A framework release the data does not record, with the CUDA its pins derive.

    ``newer`` is true when it is newer than every release the data records (else
    it is one the data skipped, or older than the data's first); ``as_of`` is the
    data's date.
    """

    package: str
    version: str
    cuda: DerivedCuda
    newer: bool
    as_of: str

    @property
    def standing(self) -> str:
        """``"torch 2.99.0 is newer than compatlib's data"`` (or "not in")."""
        where = "newer than" if self.newer else "not in"
        return f"{self.package} {self.version} is {where} compatlib's data"


def _standing(package: str, version: str) -> bool | None:
    """``None`` when the data records the release (whatever its variants), else
    whether it is newer than every release recorded."""
    from packaging.version import InvalidVersion, Version  # lazy: as the PEP 508 parser uses it

    from compatlib.stack.frameworks import variants, versions  # lazy: reads the framework's file

    framework = _FRAMEWORKS[package]
    try:
        public = Version(version).public
    except InvalidVersion:
        return None
    try:
        variants(framework, public)
    except InputError:
        recorded = [Version(v) for v in versions(framework)]
        return not recorded or Version(public) > max(recorded)
    return None


def unrecorded(package: str, version: str) -> str | None:
    """``"torch 1.12.1 is not in compatlib's data, as of DATE"`` when ``package``
    is a framework package (torch, tensorflow, a JAX CUDA plugin) whose release
    ``version`` the data does not record, else ``None``: a release whose driver
    and GPU needs nothing checked unless its pins say them."""
    # lazy: only unrecorded needs compatlib.values.filenames
    from compatlib.values.filenames import canonicalize_name

    name = str(canonicalize_name(package))
    if name not in CUDA_EXTRAS:
        return None
    newer = _standing(name, version.split("+")[0])
    if newer is None:
        return None
    # lazy: only an unrecorded release reads the data's date
    from compatlib.stack.knowledge import as_of

    where = "newer than" if newer else "not in"
    return f"{name} {version} is {where} compatlib's data, as of {as_of()}"


def derive_release(
    package: str,
    version: str,
    requires: Sequence[str],
    environment: Mapping[str, str],
    os: str = "linux",
    extras: Sequence[str] | None = None,
) -> DerivedRelease | None:
    """What a framework release the data does not record needs of CUDA, from its
    wheel's pins (``requires``: its ``Requires-Dist``) as they hold in
    ``environment`` (PEP 508 marker variables). ``extras``: the extras whose
    requirements to read (default :data:`CUDA_EXTRAS`; ``("",)`` for requirements
    already chosen, such as a lock's). ``None``: not a framework package (torch,
    tensorflow, a JAX CUDA plugin), a release the data records, or pins that say
    nothing of CUDA."""
    # lazy: only derive_release needs compatlib.values.filenames
    from compatlib.values.filenames import canonicalize_name

    name = str(canonicalize_name(package))
    if name not in CUDA_EXTRAS or not requires:
        return None
    newer = _standing(name, version)
    if newer is None:
        return None
    for extra in CUDA_EXTRAS[name] if extras is None else extras:
        pins = gpu_pins(requires, extra, (environment,))
        if pins:
            derived = derive_cuda(pins, os)
            if derived is None:
                return None
            # lazy: only a derived release reads the data's date
            from compatlib.stack.knowledge import as_of

            return DerivedRelease(name, version, derived, newer, as_of())
    return None
