"""Build a lock from what a user asks for: the work behind ``compatlib lock``.

A :class:`LockRequest` holds the inputs as given (requirements, spec files,
sources, targets, resolver options, and the lock written before, whose pins are
kept where they still fit); :func:`build_lock` reads the spec files, chooses
the targets, picks the pip or the conda (+ pip) path, and returns the
:class:`~compatlib.lock.model.Lock` with its metadata, inputs hash and
warnings. :func:`request_metadata` computes that metadata without solving and
:func:`check_fresh` compares it with a lock's (``compatlib lock --check``). The
command line only turns arguments into a request and prints the result, so the
same lock comes out of Python and of ``compatlib lock``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from compatlib._values import replace, value
from compatlib.errors import InputError

if TYPE_CHECKING:
    from compatlib.lock.model import Lock, LockedPackage
    from compatlib.sources.fetch import Fetcher
    from compatlib.sources.pypi.repository import Strategy
    from compatlib.specs.model import Spec
    from compatlib.stack.frameworks import FrameworkBuild
    from compatlib.stack.profile import SystemProfile
    from compatlib.values.target import Target

__all__ = [
    "Freshness",
    "LockRequest",
    "build_lock",
    "check_fresh",
    "gpu_warnings",
    "knowledge_warnings",
    "request_metadata",
]

_SEQUENCES = (
    "requirements",
    "requirement_files",
    "spec_files",
    "indexes",
    "find_links",
    "channels",
    "platforms",
    "extras",
    "groups",
    "upgrade_packages",
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
    the resolver options of :func:`compatlib.lock.pip.lock_pip`;
    ``verify_metadata`` (``"fast"`` or ``"full"``) how remote metadata is read
    and checked (:class:`~compatlib.sources.pypi.PyPIRepository`). ``extras``
    and ``groups`` select optional dependencies and dependency groups of the
    ``pyproject.toml`` files among the spec files.

    ``previous`` is the lock written before (read back from any format
    :mod:`compatlib.lock.read` reads): its pip pins are preferred, so the new
    lock changes only where the inputs force it. ``upgrade`` ignores it;
    ``upgrade_packages`` (``"numpy"``, ``"numpy>=2.3"``) frees those packages
    only, each within its version range for this run (the range is not an
    input of the lock: later runs keep the version it chose). ``progress``
    shows a fetch counter on stderr while the lock is made, when stderr is a
    terminal (the command line's default; ``-q`` turns it off).
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
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    previous: Lock | None = None
    upgrade: bool = False
    upgrade_packages: tuple[str, ...] = ()
    verify_metadata: str = "fast"
    progress: bool = False

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

    Its metadata is :func:`request_metadata` (plus ``warnings`` such as a CPU
    framework build locked for a GPU target: :func:`gpu_warnings`), so
    :func:`check_fresh` finds a lock fresh for the request it was built from.

    Raises :class:`~compatlib.solver.errors.UnsatisfiableError` (with the
    explanation) when no set of versions works, :class:`~compatlib.errors.InputError`
    for bad input (nothing to lock, options that do not go together, a target
    outside the spec's ``requires-python``), ``FileNotFoundError`` or
    ``IsADirectoryError`` for a spec file that is not a file, and other
    :class:`~compatlib.errors.CompatError` subclasses for unreadable sources.
    """
    # lazy: the solver and the PyPI client load only when a lock is built
    from compatlib.lock.pip import lock_pip

    plan = _plan(request)
    if plan.spec is not None and plan.conda:
        lock = _conda_lock(request, plan.spec, list(plan.targets))
    else:
        previous, constraints = _upgrades(request)
        options = dict(plan.options)
        if request.snapshot:
            from compatlib.sources.snapshot import load_snapshot  # --snapshot only

            options["repository"] = load_snapshot()  # not needed to plan (or --check)
        lock = lock_pip(
            plan.pip,
            target=plan.targets,
            previous=previous,
            constraints=constraints,
            **options,
        )
    metadata = _with_as_of(plan.metadata)
    warnings = gpu_warnings(lock, plan.targets) + knowledge_warnings(lock, plan.targets)
    if warnings:
        metadata["warnings"] = warnings
    return replace(lock, metadata=metadata)


def request_metadata(request: LockRequest) -> dict[str, Any]:
    """The metadata :func:`build_lock` records for ``request`` (inputs, targets,
    options, their digests and hash), computed without solving: what
    ``compatlib lock --check`` compares with a lock's."""
    return _with_as_of(_plan(request).metadata)


def _with_as_of(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata`` plus the date of the knowledge base the lock was made with
    (not hashed: the knowledge base's own digest is; this says it in words)."""
    from compatlib.stack.knowledge import as_of  # lazy: reads the data files' headers

    return {**metadata, "knowledge_as_of": as_of()}


@value(eq=False)
class _Plan:
    """What a request resolves to before solving: the pip input (a spec or
    plain requirements), the targets, ``lock_pip``'s options, whether it is a
    conda lock, and the metadata the lock will carry."""

    pip: Any
    spec: Spec | None
    targets: tuple[Target, ...]
    options: Mapping[str, Any]
    conda: bool
    metadata: Mapping[str, Any]


def _plan(request: LockRequest) -> _Plan:
    # lazy: the pip lock module (packaging, the PyPI client) loads when a lock is planned
    from compatlib.lock.pip import _lock_targets, _universal_spec, lock_metadata, pip_inputs

    options = _pip_options(request)
    spec: Spec | None = None
    if not (request.requirement_files or request.spec_files or request.channels):
        if request.extras or request.groups:
            raise InputError(
                "--extra and --group select from a pyproject.toml",
                field="--extra" if request.extras else "--group",
                expected="-r pyproject.toml (or -f pyproject.toml)",
            )
        pip: Any = _direct_requirements(request)  # no spec files to read
        targets = _targets(request, None)
    else:
        spec = _read_inputs(request)
        if request.channels or _needs_conda(spec):
            if request.universal:
                raise InputError(
                    "--universal locks pip requirements; conda packages are locked per platform",
                    field="--universal",
                )
            targets, metadata = _conda_plan(request, spec)
            return _Plan(spec, spec, tuple(targets), options, True, metadata)
        if not spec.pip:
            raise _nothing_to_lock()
        pip = spec
        targets = _targets(request, spec)
    inputs = pip_inputs(
        pip,
        indexes=options["indexes"],
        find_links=options["find_links"],
        no_index=options["no_index"],
    )
    checked = _lock_targets(targets)
    pre = options["prereleases"] if options["prereleases"] is not None else inputs.prereleases
    universal = options.get("universal", False)
    metadata = lock_metadata(
        inputs,
        inputs.constraints,
        checked,
        prereleases=pre,
        strategy=options["strategy"],
        index_strategy=options["index_strategy"],
        extra=(
            {"universal": _universal_spec(options.get("requires_python"), checked)}
            if universal
            else None
        ),
    )
    return _Plan(pip, spec, tuple(targets), options, False, metadata)


def _upgrades(request: LockRequest) -> tuple[Lock | None, list[str]]:
    """The previous lock less what may move (``--upgrade``, ``--upgrade-package``),
    and the version ranges ``--upgrade-package`` gives for this run."""
    if request.upgrade and request.upgrade_packages:
        raise InputError(
            "--upgrade frees every package; --upgrade-package names some",
            field="--upgrade-package",
            expected="one of the two",
        )
    if request.upgrade_packages and request.previous is None:
        return None, _upgrade_ranges(request.upgrade_packages)[1]
    if request.previous is None or request.upgrade:
        return None, []
    # lazy: only a run with a previous lock gets here
    from compatlib.lock.model import Lock
    from compatlib.values.filenames import canonicalize_name

    names, ranges = _upgrade_ranges(request.upgrade_packages)
    kept = [p for p in request.previous.packages if canonicalize_name(p.name) not in names]
    return Lock.of(kept), ranges


def _upgrade_ranges(texts: tuple[str, ...]) -> tuple[set[str], list[str]]:
    """The names ``--upgrade-package`` frees and the ranges it gives them
    (``numpy>=2.3`` frees numpy and keeps it at >=2.3 for this run)."""
    # lazy: the PEP 508 parser, for --upgrade-package only
    from compatlib.values.filenames import canonicalize_name
    from compatlib.values.pep508 import InvalidRequirement, Requirement

    names: set[str] = set()
    ranges: list[str] = []
    for text in texts:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise InputError(
                f"invalid --upgrade-package {text!r}: {exc}",
                field="--upgrade-package",
                expected="NAME or NAME with a version range, such as numpy or 'numpy>=2.3'",
            ) from None
        if req.url or req.marker is not None or req.extras:
            raise InputError(
                f"invalid --upgrade-package {text!r}",
                field="--upgrade-package",
                expected="NAME or NAME with a version range (no extras, URL or marker)",
            )
        names.add(canonicalize_name(req.name))
        if str(req.specifier):
            ranges.append(f"{req.name}{req.specifier}")
    return names, ranges


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
        "verify_metadata": request.verify_metadata,
        "progress": None if request.progress else False,  # None: on a terminal only
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
        from compatlib.sources.snapshot import snapshot_info  # --snapshot only

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
    pyprojects = 0
    for path in request.requirement_files:
        _check_file(path)
        if str(path).endswith(".toml"):
            specs.append(read_spec(path, extras=request.extras, groups=request.groups))
            pyprojects += 1
        else:
            specs.append(read_requirements(path))
    for path in request.spec_files:
        _check_file(path)
        if str(path).lower().endswith(".toml"):
            specs.append(read_spec(path, extras=request.extras, groups=request.groups))
            pyprojects += 1
        else:
            specs.append(read_spec(path))
    if (request.extras or request.groups) and not pyprojects:
        raise InputError(
            "--extra and --group select from a pyproject.toml, and none is given",
            field="--extra" if request.extras else "--group",
            expected="-r pyproject.toml (or -f pyproject.toml)",
        )
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
    """Does the spec ask for conda packages? Any beyond the interpreter and pip
    does; so does python (alone or with pip) when the spec names channels to
    take it from, as an environment.yml does: that Python is part of the lock."""
    if spec.channels and any(dep.name == "python" for dep in spec.conda):
        return True
    return any((dep.name or "") not in _CONDA_BASICS and dep.name != "python" for dep in spec.conda)


def _conda_plan(request: LockRequest, spec: Spec) -> tuple[list[Target], dict[str, Any]]:
    """The targets and metadata of a conda (+ pip) lock; the conda specs and
    channels are part of its inputs hash."""
    from compatlib.lock.pip import lock_metadata, pip_inputs  # lazy: with the conda path

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
    targets = _targets(request, spec, python=python)
    metadata = lock_metadata(
        inputs,
        inputs.constraints,
        targets,
        extra={  # a changed conda spec or channel is a new lock
            "conda": sorted(dict.fromkeys(d.spec for d in spec.conda)),
            "channels": [_redact(c) for c in (request.channels or spec.channel_names)],
        },
    )
    return targets, metadata


def _conda_lock(request: LockRequest, spec: Spec, targets: list[Target]) -> Lock:
    """A conda (+ pip) lock through ``compatlib.resolve.conda_solve.solve_environment``:
    one solve per target, merged (its metadata comes from :func:`_conda_plan`)."""
    # lazy: loaded with the conda path, not when this module is imported
    from compatlib.lock.model import Lock
    from compatlib.lock.pip import pip_inputs

    inputs = pip_inputs(
        spec,
        indexes=list(request.indexes),
        find_links=list(request.find_links),
        no_index=request.no_index,
    )
    from compatlib.sources.fetch import Fetcher  # conda locks only: channel repodata

    spec = _canonical_spec(spec)
    packages: list[LockedPackage] = []
    system: dict[str, dict[str, str]] = {}
    # channel repodata: the request's cache folder and offline mode, shared by targets
    fetcher = Fetcher(
        offline=request.offline,
        cache_dir=request.cache_dir,
        progress=None if request.progress else False,
    )
    previous, _ = _upgrades(request)
    for target in targets:
        pins = _conda_pins(previous, target.subdir)
        one = _conda_lock_one(
            request, spec, target, inputs.indexes, inputs.find_links, fetcher, pins
        )
        packages.extend(one.packages)
        for plat, needs in one.system_requirements.items():
            system[plat] = dict(needs)
    return Lock.of(packages, system_requirements=system)


def _conda_pins(previous: Lock | None, platform: str) -> dict[str, tuple[str, str | None]]:
    """What an earlier lock pinned for conda on ``platform``: name -> (version, build)."""
    if previous is None:
        return {}
    return {
        p.name: (p.version, p.build)
        for p in previous.packages
        if p.manager == "conda" and p.platform == platform
    }


def _canonical_spec(spec: Spec) -> Spec:
    """``spec`` with its conda and pip requirements in a canonical order (by
    name, then text): the order they are written in changes neither the solve
    nor the inputs hash."""
    conda = sorted(spec.conda, key=lambda d: ((d.name or "").lower(), d.spec))
    pip = sorted(
        spec.pip, key=lambda p: (p.requirement.name.lower() if p.requirement else "", p.text)
    )
    return replace(spec, conda=tuple(conda), pip=tuple(pip))


def _conda_lock_one(
    request: LockRequest,
    spec: Spec,
    target: Target,
    indexes: tuple[str, ...],
    find_links: tuple[str, ...],
    fetcher: Fetcher,
    pins: Mapping[str, tuple[str, str | None]],
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
            progress=None if request.progress else False,
            verify_metadata="full" if request.verify_metadata == "full" else "fast",
        )
    try:
        resolution = solve_environment(
            spec,
            target=target,
            pypi_repository=repository,
            channels=list(request.channels) or None,
            fetcher=fetcher,
            prefer=pins,
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


# -- freshness ------------------------------------------------------------------------


@value
class Freshness:
    """Whether a lock is fresh for a request, and if not, why: which inputs
    changed (requirements, constraints, sources, targets, options, the
    knowledge base), or that the lock's inputs hash cannot be compared."""

    fresh: bool
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.fresh


#: what each input category is, in messages
_CATEGORY_TEXT = {
    "requirements": "the requirements",
    "constraints": "the constraints",
    "sources": "the sources (indexes, find-links, channels)",
    "targets": "the targets (Python, platforms, system)",
    "options": "the resolver options",
    "knowledge_base": "the knowledge base (compatlib's data on drivers, CUDA, GPUs and "
    "framework builds: compatlib was upgraded or its data edited)",
}


def check_fresh(request: LockRequest, lock: Lock) -> Freshness:
    """Is ``lock`` what ``request`` would lock, as far as its inputs tell?

    Compares the inputs hash :func:`request_metadata` computes with the one
    ``lock`` records, without solving. A stale lock's reasons name each input
    category that changed, with the details where the lock records its inputs
    (a JSON lock does: "requirements: + pandas, - numpy<2.3"). A lock without
    an inputs hash, or with one made by another recipe
    (:data:`~compatlib.lock.pip.INPUTS_HASH_VERSION`), is stale for that reason.
    """
    from compatlib.lock.pip import INPUT_CATEGORIES, INPUTS_HASH_VERSION  # lazy: with --check

    have = lock.metadata
    digest = have.get("inputs_sha256")
    if not digest:
        return Freshness(False, ("the lock records no inputs hash: lock again to record one",))
    recipe = have.get("inputs_hash_version", 1)
    if recipe != INPUTS_HASH_VERSION:
        return Freshness(
            False,
            (
                f"the lock's inputs hash was made by recipe {recipe} and this compatlib uses "
                f"recipe {INPUTS_HASH_VERSION}: lock again once to record it (no input need "
                "have changed)",
            ),
        )
    want = _plan(request).metadata  # the knowledge base's date is not compared
    if digest == want["inputs_sha256"]:
        return Freshness(True)
    recorded = have.get("inputs_digests")
    digests: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
    reasons = [
        _changed(category, have, want)
        for category in INPUT_CATEGORIES
        if digests.get(category) != want["inputs_digests"][category]
    ]
    return Freshness(False, tuple(reasons) or ("the inputs changed",))


def _changed(category: str, have: Mapping[str, Any], want: Mapping[str, Any]) -> str:
    """One stale reason: the category, and what changed in it when the lock
    records its inputs (a JSON lock does; the other formats keep digests only)."""
    from compatlib.lock.pip import _CATEGORY_OF  # lazy: a stale lock's message only

    head = f"{_CATEGORY_TEXT[category]} changed"
    if category == "knowledge_base":
        return head
    if "requirements" not in have and "conda" not in have:
        return f"{head} (this lock format records only a digest of them; a JSON lock lists them)"
    if category == "options":
        skip = {*_CATEGORY_OF, "inputs_sha256", "inputs_hash_version", "inputs_digests"}
        keys = sorted((set(have) | set(want)) - skip - {"warnings", "knowledge_as_of"})
    else:
        keys = sorted(k for k, c in _CATEGORY_OF.items() if c == category)
    details = [d for k in keys if (d := _field_change(k, have.get(k), want.get(k), category))]
    return f"{head}: {'; '.join(details)}" if details else head


def _field_change(key: str, old: Any, new: Any, category: str) -> str | None:
    """How one metadata field changed, in a few words (``None``: it did not);
    the field is named unless it is the category itself."""
    if old == new:
        return None
    label = "" if key == category else f"{key}: "
    if key == "targets":
        return f"{_targets_text(old)} -> {_targets_text(new)}"
    if isinstance(old, list | type(None)) and isinstance(new, list | type(None)):
        before, after = [str(x) for x in old or []], [str(x) for x in new or []]
        if set(before) == set(after):
            return f"{label}reordered: {', '.join(after)}"
        added = [f"+ {x}" for x in after if x not in before]
        removed = [f"- {x}" for x in before if x not in after]
        return f"{label}{', '.join(added + removed)}"
    if isinstance(old, dict | type(None)) and isinstance(new, dict | type(None)):
        a, b = old or {}, new or {}
        names = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        return f"{label}{', '.join(names)}"
    unset = "(default)" if category == "options" else "(none)"
    return f"{label}{_shown(old, unset)} -> {_shown(new, unset)}"


def _shown(value: Any, unset: str) -> str:
    return unset if value is None else str(value)


def _targets_text(targets: Any) -> str:
    if not isinstance(targets, list) or not targets:
        return "(none)"
    shown = []
    for t in targets:
        if not isinstance(t, Mapping):
            continue
        extra = ", ".join(f"{k} {v}" for k, v in sorted(t.items()) if k not in _TARGET_MAIN)
        shown.append(
            f"{t.get('platform')} Python {t.get('python')}" + (f" ({extra})" if extra else "")
        )
    return "; ".join(shown)


# (glibc_assumed follows from the platform and the glibc given: not said again)
_TARGET_MAIN = frozenset({"platform", "python", "implementation", "glibc_assumed"})


# -- beyond the knowledge base --------------------------------------------------------


def knowledge_warnings(lock: Lock, targets: Sequence[Target]) -> list[str]:
    """Where the lock went beyond compatlib's data: a target whose driver is newer
    than the data covers (its CUDA was taken as the newest known or newer, so
    needs of newer CUDA releases counted as met), and each framework release the
    data lacks, whose CUDA needs were derived from its wheel's pins."""
    # lazy: the profile's module is loaded already where a target has one
    from compatlib.stack.profile import target_profile

    out: list[str] = []
    seen: set[str] = set()
    for target in targets:
        if target.subdir in seen:
            continue
        seen.add(target.subdir)
        system = target_profile(target)
        support = system.cuda_support() if system is not None else None
        if support is not None and support.open:
            out.append(
                f"{target.subdir}: {support.describe()}; a need for a CUDA newer than the "
                f"data knows was taken as met (conda's __cuda is {support} too: give the "
                "driver's own CUDA version as cuda= in the system to use it instead)"
            )
        out.extend(f"{target.subdir}: {note}" for note in _derived_notes(lock, target))
    return out


def _derived_notes(lock: Lock, target: Target) -> list[str]:
    """A note per framework release of the lock that the data lacks, with what
    its locked pins say of its CUDA (the rule the solver applied), or, on a GPU
    target, that they say nothing and nothing was checked."""
    # lazy: the derivation loads only once a lock is built
    from compatlib.resolve.layers import derive_framework_cuda
    from compatlib.stack.derive import CUDA_EXTRAS, unrecorded
    from compatlib.stack.profile import target_profile

    system = target_profile(target)
    gpu_target = system is not None and bool(system.gpus or system.driver)
    notes: list[str] = []
    for p in lock.packages:
        if p.platform != target.subdir or p.manager != "pip" or p.name not in CUDA_EXTRAS:
            continue
        # a locked dependency held on this target: its requirement without the marker
        requires = [text.split(";")[0] for _, text in p.dependencies]
        derived = derive_framework_cuda(p.name, p.version, requires, target, ("",))
        if derived is None:
            standing = unrecorded(p.name, p.version)
            if gpu_target and standing is not None and not p.version.endswith("+cpu"):
                notes.append(
                    f"{standing}, and its pins say nothing of CUDA: whether it runs on "
                    "this driver and GPU was not checked"
                )
            continue
        cuda = derived.cuda
        driver = (
            f"an NVIDIA driver >={cuda.driver}"
            if cuda.driver is not None
            else f"a driver that supports CUDA >={cuda.release} (its driver is unknown)"
        )
        notes.append(
            f"{derived.standing} (as of {derived.as_of}); its record is derived from its "
            f"wheel's pins: {cuda}, which needs {driver}; the GPUs it has code for are unknown"
        )
    return notes


# -- GPU targets and CPU builds -------------------------------------------------------


def gpu_warnings(lock: Lock, targets: Sequence[Target]) -> list[str]:
    """Warnings for GPU targets (a system with a GPU, a driver or a CUDA) that
    got a CPU-only framework build: torch ``+cpu`` (or, on Linux and Windows,
    a torch without CUDA libraries among its dependencies), ``tensorflow-cpu``,
    ``jaxlib`` without a CUDA plugin. Each says what would give a GPU build
    (the CUDA variant of that release that runs on the system, from the
    knowledge base, and where it comes from)."""
    from compatlib.stack.profile import target_profile  # lazy: as in knowledge_warnings

    out: list[str] = []
    for target in targets:
        system = target_profile(target)
        if system is None or not (system.gpus or system.driver or system.cuda):
            continue
        if target.subdir.startswith("osx"):
            continue  # no CUDA on macOS
        packages = {p.name: p for p in lock.packages if p.platform == target.subdir}
        for check in (_torch_warning, _tensorflow_warning, _jax_warning):
            text = check(packages, target, system)
            if text is not None:
                out.append(f"{target.subdir}: {text}")
    return out


def _gpu_text(system: SystemProfile) -> str:
    parts = []
    if system.gpus:
        parts.append("GPU compute capability " + ", ".join(dict.fromkeys(system.gpus)))
    if system.driver:
        parts.append(f"NVIDIA driver {system.driver}")
    if system.cuda:
        parts.append(f"CUDA {system.cuda}")
    return "; ".join(parts)


def _gpu_build(
    framework: str, version: str, target: Target, system: SystemProfile
) -> FrameworkBuild | None:
    """The GPU build of ``framework`` ``version`` with the newest CUDA that runs
    on ``system`` for ``target``'s Python (``None``: none the data knows)."""
    # lazy: the knowledge base loads only for a GPU target with a CPU build
    from compatlib.stack.frameworks import build, variants
    from compatlib.stack.query import check_build

    try:
        names = variants(framework, version)
    except InputError:
        return None
    for name in reversed(names):  # the newest CUDA first
        candidate = build(framework, version, name)
        if candidate.is_gpu and check_build(candidate, system, target.python_series).works:
            return candidate
    return None


def _torch_warning(
    packages: Mapping[str, LockedPackage], target: Target, system: SystemProfile
) -> str | None:
    from compatlib.stack.derive import unrecorded  # lazy: as in _derived_notes

    torch = packages.get("torch")
    if torch is None or torch.manager != "pip":
        return None
    public, _, local = torch.version.partition("+")
    if local == "cpu":
        why = "the +cpu build"
    elif local:
        return None  # cuXXX (a GPU build) or rocm (not NVIDIA's)
    elif any(dep.startswith(("nvidia-", "cuda-")) for dep, _ in torch.dependencies):
        return None
    elif target.subdir.startswith("linux") and unrecorded("torch", public) is not None:
        # Linux wheels before 1.13 carry CUDA inside, not as dependencies: of a
        # release the data lacks, nothing is claimed (its own note says so)
        return None
    else:
        why = "a build without CUDA libraries among its dependencies"
    fix = _torch_fix(public, target, system)
    return (
        f"the target has a GPU ({_gpu_text(system)}) but torch {torch.version} is {why}, "
        f"which runs on the CPU only; for a GPU build {fix}"
    )


def _torch_fix(public: str, target: Target, system: SystemProfile) -> str:
    """Which CUDA build of torch ``public`` would run on the system, and where
    it comes from (else the newest build that does)."""
    from compatlib.stack.frameworks import PYTORCH_INDEX  # lazy: as in _gpu_build
    from compatlib.stack.query import newest_build  # lazy: as in _gpu_build

    chosen = _gpu_build("torch", public, target, system)
    if chosen is None:
        verdict, _ = newest_build("torch", system, target.python_series)
        if verdict is None:
            return f"pick a CUDA variant from {PYTORCH_INDEX}"
        chosen = verdict.build
    pin = f"torch=={chosen.version}+{chosen.variant}"
    index = chosen.served_from or PYTORCH_INDEX  # set for every torch build
    return (
        f"require {pin} (CUDA {chosen.cuda}) and add --index {index} "
        "with --index-strategy best-match"
    )


def _tensorflow_warning(
    packages: Mapping[str, LockedPackage], target: Target, system: SystemProfile
) -> str | None:
    tf = packages.get("tensorflow-cpu")
    if tf is None or tf.manager != "pip":
        return None
    return (
        f"the target has a GPU ({_gpu_text(system)}) but tensorflow-cpu {tf.version} is "
        "TensorFlow's CPU-only package; for a GPU build require "
        f"tensorflow[and-cuda]=={tf.version} instead"
    )


def _jax_warning(
    packages: Mapping[str, LockedPackage], target: Target, system: SystemProfile
) -> str | None:
    jaxlib = packages.get("jaxlib")
    if jaxlib is None or jaxlib.manager != "pip":
        return None
    if any(name.startswith("jax-cuda") for name in packages):
        return None
    chosen = _gpu_build("jax", jaxlib.version, target, system)
    fix = (
        f"require jax[{chosen.variant}]=={jaxlib.version} (the {chosen.package} wheels)"
        if chosen is not None
        else "require jax[cuda12] or jax[cuda13] (the CUDA plugin wheels)"
    )
    return (
        f"the target has a GPU ({_gpu_text(system)}) but jaxlib {jaxlib.version} has no "
        f"CUDA plugin, so JAX runs on the CPU only; for a GPU build {fix}"
    )
