"""Build a lock from what a user asks for: the work behind ``compatlib lock``.

A :class:`LockRequest` holds the inputs as given (requirements, spec files,
sources, targets, resolver options); :func:`build_lock` reads the spec files,
chooses the targets, picks the pip or the conda (+ pip) path, and returns the
:class:`~compatlib.lock.model.Lock` with its metadata and inputs hash. The
command line only turns arguments into a request and prints the result, so the
same lock comes out of Python and of ``compatlib lock``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from compatlib._values import value
from compatlib.errors import InputError

if TYPE_CHECKING:
    from compatlib.lock.model import Lock
    from compatlib.sources.fetch import Fetcher
    from compatlib.sources.pypi.repository import Strategy
    from compatlib.specs.model import Spec
    from compatlib.stack.profile import SystemProfile
    from compatlib.values.target import Target

__all__ = ["LockRequest", "build_lock"]

_SEQUENCES = (
    "requirements",
    "requirement_files",
    "spec_files",
    "indexes",
    "find_links",
    "channels",
    "platforms",
)


@value
class LockRequest:
    """What to lock and for which targets, as ``compatlib lock`` takes it.

    ``requirements``: PEP 508 strings (conda match specs when ``channels`` are
    given). ``requirement_files``: pip requirements files or ``pyproject.toml``
    (``-r``); ``spec_files``: any file :func:`compatlib.specs.read_spec` reads
    (``-f``). ``indexes``, ``find_links``, ``no_index``, ``index_strategy``,
    ``offline`` and ``cache_dir`` choose and read the pip sources; ``snapshot``
    locks from the PyPI snapshot shipped with compatlib instead. ``channels``
    make it a conda (+ pip) lock. ``python``, ``platforms`` and ``system`` (a
    preset, YAML file or ``key=value,...`` for
    :func:`compatlib.stack.profile.parse_system`, or a profile) describe the
    targets; unset, they come from the spec (a ``python`` pin, its
    ``platforms``), else this interpreter's Python on linux-64.
    ``prereleases``, ``strategy``, ``universal`` and ``requires_python`` are
    the resolver options of :func:`compatlib.lock.pip.lock_pip`.
    """

    requirements: tuple[str, ...] = ()
    requirement_files: tuple[str | os.PathLike[str], ...] = ()
    spec_files: tuple[str | os.PathLike[str], ...] = ()
    indexes: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    snapshot: bool = False
    index_strategy: Strategy = "first-index"
    channels: tuple[str, ...] = ()
    offline: bool = False
    cache_dir: str | os.PathLike[str] | None = None
    python: str | None = None
    platforms: tuple[str, ...] = ()
    system: str | SystemProfile | None = None
    prereleases: bool = False
    strategy: str = "newest"
    universal: bool = False
    requires_python: str | None = None

    def __post_init__(self) -> None:
        for name in _SEQUENCES:
            items = getattr(self, name)
            if isinstance(items, (str, bytes, os.PathLike)):
                raise InputError(
                    f"{name} must be a sequence, not one {type(items).__name__}",
                    field=name,
                    expected=f"{name}=({items!r},)",
                )
            if not isinstance(items, tuple):
                object.__setattr__(self, name, tuple(items))


def build_lock(request: LockRequest) -> Lock:
    """The lock ``request`` asks for.

    Raises :class:`~compatlib.solver.errors.UnsatisfiableError` (with the
    explanation) when no set of versions works, :class:`~compatlib.errors.InputError`
    for bad input (nothing to lock, options that do not go together, a target
    outside the spec's ``requires-python``), ``FileNotFoundError`` or
    ``IsADirectoryError`` for a spec file that is not a file, and other
    :class:`~compatlib.errors.CompatError` subclasses for unreadable sources.
    """
    # lazy: the solver and the PyPI client load only when a lock is built
    from compatlib.lock.pip import lock_pip

    options = _pip_options(request)
    if not (request.requirement_files or request.spec_files or request.channels):
        # requirements given directly only: no spec files to read
        return lock_pip(_direct_requirements(request), target=_targets(request, None), **options)
    spec = _read_inputs(request)
    if request.channels or _needs_conda(spec):
        if request.universal:
            raise InputError(
                "--universal locks pip requirements; conda packages are locked per platform",
                field="--universal",
            )
        return _conda_lock(request, spec)
    if not spec.pip:
        raise _nothing_to_lock()
    return lock_pip(spec, target=_targets(request, spec), **options)


# -- the pip path ---------------------------------------------------------------------


def _pip_options(request: LockRequest) -> dict[str, Any]:
    """The keyword arguments of :func:`~compatlib.lock.pip.lock_pip` besides the
    requirements and targets; checks the options that go only together."""
    options: dict[str, Any] = {
        "indexes": list(request.indexes),
        "find_links": list(request.find_links),
        "no_index": request.no_index,
        "offline": request.offline,
        "cache_dir": request.cache_dir,
        "strategy": request.strategy,
        "index_strategy": request.index_strategy,
        "prereleases": True if request.prereleases else None,
    }
    if request.universal:
        options["universal"] = True
        options["requires_python"] = request.requires_python
    elif request.requires_python:
        raise InputError("--requires-python goes with --universal", field="--requires-python")
    if request.snapshot:
        if request.indexes or request.find_links:
            raise InputError(
                "--snapshot cannot be combined with --index or --find-links",
                field="--snapshot",
                expected="either the shipped snapshot or your own sources",
            )
        from compatlib.sources.snapshot import load_snapshot, snapshot_info  # --snapshot only

        options["repository"] = load_snapshot()
        # recorded in the lock's metadata as where the metadata came from
        options["indexes"] = [f"compatlib-snapshot:{snapshot_info().built}"]
    return options


def _nothing_to_lock() -> InputError:
    return InputError(
        "nothing to lock",
        expected="requirements on the command line, -r FILE or -f FILE",
    )


def _direct_requirements(request: LockRequest) -> list[str]:
    """The request's PEP 508 strings, checked (an error points at the bad one)."""
    if not request.requirements:
        raise _nothing_to_lock()
    from compatlib.resolve.solve import parse_requirements  # lazy: with lock_pip's solver

    parse_requirements(request.requirements, source="<command line>")
    return list(request.requirements)


# -- reading the spec files -----------------------------------------------------------


def _read_inputs(request: LockRequest) -> Spec:
    """The requirements and the spec files merged into one spec (as conda-lock
    merges its ``--file``s)."""
    from compatlib.specs import merge_specs, read_requirements, read_spec  # spec files only

    specs: list[Spec] = []
    direct = _direct_spec(request)
    if direct is not None:
        specs.append(direct)
    for path in request.requirement_files:
        _check_file(path)
        if str(path).endswith(".toml"):
            specs.append(read_spec(path))
        else:
            specs.append(read_requirements(path))
    for path in request.spec_files:
        _check_file(path)
        specs.append(read_spec(path))
    return merge_specs(*specs)


def _direct_spec(request: LockRequest) -> Spec | None:
    """The requirements given directly as a spec: conda match specs with
    channels, else PEP 508 requirements."""
    from compatlib.specs import Location, Spec, parse_requirement  # spec files only

    if not request.requirements:
        return None
    if request.channels:
        from compatlib.specs import CondaDependency, conda_package_name  # conda locks only

        deps = tuple(
            CondaDependency(
                text,
                Location("<command line>", field=f"requirement {i}"),
                name=conda_package_name(text),
            )
            for i, text in enumerate(request.requirements, 1)
        )
        return Spec(source="<command line>", conda=deps)
    reqs = tuple(
        parse_requirement(text, Location("<command line>", field=f"requirement {i}"))
        for i, text in enumerate(request.requirements, 1)
    )
    return Spec(source="<command line>", pip=reqs)


def _check_file(path: str | os.PathLike[str]) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(2, "file not found", path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "is a directory", path)


# -- the conda path -------------------------------------------------------------------


#: conda dependencies that only say "this environment has Python and pip"
_CONDA_BASICS = frozenset({"pip"})


def _needs_conda(spec: Spec) -> bool:
    """Does the spec ask for conda packages (beyond the interpreter and pip)?"""
    return any((dep.name or "") not in _CONDA_BASICS and dep.name != "python" for dep in spec.conda)


def _conda_lock(request: LockRequest, spec: Spec) -> Lock:
    """A conda (+ pip) lock through ``compatlib.resolve.conda_solve.solve_environment``:
    one solve per target, merged, with the conda specs and channels in the inputs hash."""
    # lazy: loaded with the conda path, not when this module is imported
    from compatlib.lock.model import Lock, LockedPackage
    from compatlib.lock.pip import lock_metadata, pip_inputs

    python = request.python or _spec_python(spec)
    if spec.pip and python is None:
        raise InputError(
            "locking pip packages together with conda packages needs the target Python",
            field="python",
            expected="--python X.Y, or a python=X.Y pin in the environment",
        )
    inputs = pip_inputs(
        spec,
        indexes=list(request.indexes),
        find_links=list(request.find_links),
        no_index=request.no_index,
    )
    from compatlib.sources.fetch import Fetcher  # conda locks only: channel repodata

    packages: list[LockedPackage] = []
    system: dict[str, dict[str, str]] = {}
    targets = _targets(request, spec, python=python)
    # channel repodata: the request's cache folder and offline mode, shared by targets
    fetcher = Fetcher(offline=request.offline, cache_dir=request.cache_dir, progress=False)
    for target in targets:
        one = _conda_lock_one(request, spec, target, inputs.indexes, inputs.find_links, fetcher)
        packages.extend(one.packages)
        for plat, needs in one.system_requirements.items():
            system[plat] = dict(needs)
    metadata = lock_metadata(
        inputs,
        inputs.constraints,
        targets,
        extra={  # part of the inputs hash: a changed conda spec or channel is a new lock
            "conda": [d.spec for d in spec.conda],
            "channels": [_redact(c) for c in (request.channels or spec.channel_names)],
        },
    )
    return Lock.of(packages, system_requirements=system, metadata=metadata)


def _conda_lock_one(
    request: LockRequest,
    spec: Spec,
    target: Target,
    indexes: tuple[str, ...],
    find_links: tuple[str, ...],
    fetcher: Fetcher,
) -> Lock:
    """The conda (+ pip) lock of one target; the pip side is read from
    ``indexes`` and ``find_links`` when the spec has pip requirements, channel
    URLs through ``fetcher``."""
    # conda locks only: the conda solver and channel readers
    from compatlib.lock.conda import environment_lock
    from compatlib.resolve.conda_solve import solve_environment

    repository = None
    if spec.pip:
        from compatlib.sources.pypi import PyPIRepository  # only with pip requirements

        repository = PyPIRepository(
            indexes,
            find_links,
            target=target,
            offline=request.offline,
            cache_dir=request.cache_dir,
            strategy=request.index_strategy,
            progress=False,
        )
    try:
        resolution = solve_environment(
            spec,
            target=target,
            pypi_repository=repository,
            channels=list(request.channels) or None,
            fetcher=fetcher,
        )
    finally:
        if repository is not None:
            repository.close()
    return environment_lock(resolution)


def _redact(location: str) -> str:
    from compatlib.specs.model import redact_url  # conda locks only

    return redact_url(location)


# -- targets --------------------------------------------------------------------------


_RUNNING = "running"


def _targets(
    request: LockRequest, spec: Spec | None, *, python: str | None = _RUNNING
) -> list[Target]:
    """One target per platform; ``python`` overrides the pip default (the
    request's Python, the spec's pin, else this interpreter's)."""
    from compatlib.values.target import Target  # lazy: packaging's version parser

    system = _system(request)
    if python == _RUNNING:
        python = request.python or _spec_python(spec) or _running_python()
    spec_platforms = list(spec.platform_names) if spec is not None else []
    platforms: list[str] = list(request.platforms) or spec_platforms or ["linux-64"]
    glibc = system.glibc if system is not None else None
    targets = [
        Target(python=python, platform=plat, glibc=glibc, system=system)
        for plat in dict.fromkeys(platforms)
    ]
    if python is not None and spec is not None:
        _check_requires_python(spec, targets[0])
    return targets


def _system(request: LockRequest) -> SystemProfile | None:
    """The target system: parsed from its text, or the profile given."""
    if not isinstance(request.system, str):
        return request.system
    if not request.system:
        return None
    from compatlib.stack.profile import parse_system  # --system only: the knowledge base

    return parse_system(request.system)


def _running_python() -> str:
    v = sys.version_info
    return f"{v.major}.{v.minor}"


def _spec_python(spec: Spec | None) -> str | None:
    """``X.Y`` from a conda ``python`` pin of the spec (``python=3.11``, ``python 3.11.*``)."""
    import re  # lazy: only spec files with a python pin get here

    if spec is None:
        return None
    for req in spec.python:
        if req.syntax != "conda":
            continue
        m = re.fullmatch(
            r"\s*(?:[^\s:]+::)?python\s*(?:==?|\s)\s*(\d+\.\d+)(?:\.\d+|\.\*|\*)?\s*", req.spec
        )
        if m is not None:
            return m.group(1)
    return None


def _check_requires_python(spec: Spec, target: Target) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # spec files only

    for req in spec.python:
        if req.syntax != "pep440":
            continue
        try:
            allowed = SpecifierSet(req.spec)
        except InvalidSpecifier:
            continue  # the spec reader reports malformed values
        if not allowed.contains(target.python_version, prereleases=True):
            where = req.location
            raise InputError(
                f"the target Python {target.python_version} is outside requires-python "
                f"{req.spec!r}",
                source=where.source,
                line=where.line,
                field=where.field,
                expected="a --python inside that range",
            )
