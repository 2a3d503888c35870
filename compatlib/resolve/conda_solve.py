"""Solving conda environments, and mixed conda + pip environments as one problem.

``solve_conda(["numpy", "python=3.11"], channels=[...], target=...)`` resolves
conda match specs over channels (first = highest priority) for a target's
subdir and virtual packages; ``solve_environment(spec, target=...)`` resolves a
:class:`~compatlib.specs.Spec` (an environment.yml with a ``pip:`` section, say)
with conda and pip in one solve (see :mod:`compatlib.resolve.providers.mixed`). Both
raise :class:`~compatlib.solver.errors.UnsatisfiableError` with an explanation, and
their results turn into a :class:`~compatlib.lock.Lock` through
:mod:`compatlib.lock.conda`.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from compatlib._values import field, replace, value
from compatlib.errors import InputError
from compatlib.resolve.keys import CondaKey, LayerKey, PipKey
from compatlib.solver.errors import UnsatisfiableError
from compatlib.solver.provider import Dependency
from compatlib.sources.artifacts import choose_artifact
from compatlib.sources.conda.channel import Channel, ChannelPriority, Channels
from compatlib.sources.conda.matchspec import MatchSpec
from compatlib.sources.conda.records import PackageRecord

if TYPE_CHECKING:
    from packaging.version import Version

    from compatlib.resolve.providers.conda import CondaDependency, CondaProvider
    from compatlib.resolve.providers.mixed import CondaPypiMap, MixedDependency
    from compatlib.solver.provider import Provider
    from compatlib.solver.pubgrub import SolveResult
    from compatlib.sources.fetch import Fetcher
    from compatlib.sources.memory import Artifact, Repository
    from compatlib.specs.model import PipRequirement, Spec
    from compatlib.values.target import Target

__all__ = [
    "ChannelSource",
    "ChannelsLike",
    "CondaResolution",
    "EnvironmentResolution",
    "PipPackage",
    "load_channels",
    "solve_conda",
    "solve_environment",
]

#: one channel: a loaded :class:`Channel`, a folder, repodata file, URL or name
ChannelSource: TypeAlias = "Channel | str | os.PathLike[str]"
#: what the ``channels`` arguments accept
ChannelsLike: TypeAlias = "Channels | ChannelSource | Sequence[ChannelSource]"

_CHANNEL_ALIAS = "https://conda.anaconda.org/"
_DEFAULTS = ("https://repo.anaconda.com/pkgs/main",)


def _channel_location(name: str) -> str:
    """A channel name as a location: paths and URLs as they are, names on anaconda.org."""
    if "://" in name or os.path.exists(name) or name.startswith(("/", ".")):
        return name
    return _CHANNEL_ALIAS + name


def load_channels(
    channels: ChannelsLike,
    *,
    subdir: str | None = None,
    priority: ChannelPriority = "strict",
    fetcher: Fetcher | None = None,
) -> Channels:
    """:class:`Channels` from channel objects, folders, repodata files, URLs or names.

    ``subdir`` picks ``<subdir>`` and ``noarch`` of a channel folder or URL.
    Plain names (``conda-forge``) are read from ``https://conda.anaconda.org/``;
    ``defaults`` is ``https://repo.anaconda.com/pkgs/main``. URLs are read
    through ``fetcher`` (cache, offline mode; a default one when ``None``).
    """
    if isinstance(channels, Channels):
        return channels
    items: list[Any]
    items = [channels] if isinstance(channels, (Channel, str, os.PathLike)) else list(channels)
    if not items:
        raise InputError(
            "no conda channels given", field="channels", expected="one channel or more"
        )
    loaded: list[Channel] = []
    for item in items:
        if isinstance(item, Channel):
            loaded.append(item)
            continue
        text = os.fspath(item)
        locations = _DEFAULTS if text == "defaults" else (_channel_location(text),)
        for loc in locations:
            loaded.append(Channel.load(loc, subdir, fetcher=fetcher))
    return Channels(loaded, priority)


def _virtual_records(
    target: Target | None, extra: Iterable[str | PackageRecord] | None, subdir: str
) -> list[PackageRecord]:
    # lazy: only _virtual_records needs compatlib.resolve.providers.conda, which loads 2 modules that importing this one does not
    from compatlib.resolve.providers.conda import parse_virtual_package, target_virtual_packages

    table: dict[str, PackageRecord] = {}
    if target is not None:
        for rec in target_virtual_packages(target):
            table[rec.name] = rec
    for item in extra or ():
        rec = parse_virtual_package(item, subdir) if isinstance(item, str) else item
        table[rec.name] = rec
    return [table[n] for n in sorted(table)]


def _parse_specs(specs: Iterable[str], source: str = "<request>") -> list[MatchSpec]:
    out: list[MatchSpec] = []
    for i, text in enumerate(specs, 1):
        try:
            out.append(MatchSpec.parse(text, source=source))
        except InputError as exc:
            raise InputError(
                exc.message,
                source=exc.source or source,
                field=f"spec {i}",
                column=exc.column,
                text=exc.text,
                expected=exc.expected,
            ) from None
    return out


@value(slots=False)
class CondaResolution:
    """A solved conda environment for one subdir.

    ``records`` are the chosen packages sorted by name; ``virtual`` the
    target's virtual packages the solve assumed; ``edges`` the requirements
    between chosen packages as ``(from, to, spec text)`` (``from`` is ``None``
    for the request).
    """

    records: tuple[PackageRecord, ...]
    subdir: str
    virtual: tuple[PackageRecord, ...] = ()
    edges: tuple[tuple[str | None, str, str], ...] = ()
    channels: tuple[str, ...] = ()

    @property
    def versions(self) -> dict[str, str]:
        """``{name: version}`` of the chosen records."""
        return {r.name: str(r.version) for r in self.records}

    def record(self, name: str) -> PackageRecord:
        """The chosen record of ``name`` (``KeyError`` if absent)."""
        for r in self.records:
            if r.name == name:
                return r
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(r.name == name for r in self.records)


def _conda_name(key: Hashable) -> str | None:
    return key.name if isinstance(key, CondaKey) else None


def _conda_result(
    result: SolveResult[Any, Any, Any], subdir: str, channels: Channels
) -> CondaResolution:
    """The conda side of a result (edges from the pip side count as the request's)."""
    records: list[PackageRecord] = []
    virtual: list[PackageRecord] = []
    for k, rec in result.decisions.items():
        if isinstance(k, CondaKey):
            (virtual if rec.is_virtual else records).append(rec)
    real = {r.name for r in records}
    edges: set[tuple[str | None, str, str]] = set()
    for src, dst, text in result.edges:
        s, d = _conda_name(src), _conda_name(dst)
        if d is not None and d in real and (s is None or s in real):
            edges.add((s, d, text))
    return CondaResolution(
        tuple(sorted(records, key=lambda r: r.name)),
        subdir,
        tuple(sorted(virtual, key=lambda r: r.name)),
        tuple(sorted(edges, key=lambda e: (e[0] or "", e[1], e[2]))),
        tuple(ch.name for ch in channels.channels),
    )


def _subdir_of(target: Target | None, channels: Channels) -> str:
    if target is not None:
        return target.subdir
    subdirs = sorted({s for ch in channels.channels for s in ch.subdirs if s not in ("", "noarch")})
    return subdirs[0] if len(subdirs) == 1 else ""


def solve_conda(
    specs: Sequence[str],
    *,
    channels: ChannelsLike,
    target: Target | None = None,
    priority: ChannelPriority = "strict",
    virtual_packages: Iterable[str | PackageRecord] | None = None,
    constraints: Sequence[str] = (),
) -> CondaResolution:
    """Resolve conda match specs over ``channels`` (first = highest priority).

    ``channels``: :class:`Channels`, a :class:`Channel`, a channel folder,
    repodata file, URL or name, or a list of those. ``target`` gives the subdir
    (records of other subdirs are ignored) and the virtual packages
    (:func:`~compatlib.resolve.providers.conda.target_virtual_packages`); without a
    target there are none. ``virtual_packages`` adds or replaces virtual
    packages: ``"__cuda=12.1"``, ``"__unix"``, ``"__archspec=1=x86_64"`` or
    records. ``constraints`` are specs that apply only to packages that end up
    present (like conda's ``constrains``). Raises
    :class:`~compatlib.solver.errors.UnsatisfiableError` with an explanation.
    """
    # lazy: only solve_conda needs compatlib.resolve.providers.conda, which loads 2 modules that importing this one does not
    from compatlib.resolve.providers.conda import CondaProvider

    chans = load_channels(channels, subdir=target.subdir if target else None, priority=priority)
    subdir = _subdir_of(target, chans)
    virtual = _virtual_records(target, virtual_packages, subdir)
    provider = CondaProvider(chans, subdir=target.subdir if target else None, virtual=virtual)
    root = _root(provider, specs, constraints)
    result = _solve(provider, root, [*specs, *constraints])
    return _conda_result(result, subdir, chans)


def _root(
    provider: CondaProvider, specs: Sequence[str], constraints: Sequence[str]
) -> list[CondaDependency]:
    root: list[CondaDependency] = []
    for spec, text in zip(_parse_specs(specs), specs, strict=True):
        root.append(Dependency(CondaKey(spec.name), spec, text.strip()))
    for spec, text in zip(_parse_specs(constraints, "<constraints>"), constraints, strict=True):
        root.append(Dependency(CondaKey(spec.name), spec, text.strip(), "constrains"))
    return root + _virtual_root(provider)


def _virtual_root(provider: CondaProvider) -> list[CondaDependency]:
    """conda installs the target's virtual packages: their constraints always apply."""
    return [
        Dependency(CondaKey(name), MatchSpec(name), _virtual_text(provider, name))
        for name in sorted(provider.virtual)
    ]


def _virtual_text(provider: CondaProvider, name: str) -> str:
    """How a target's virtual package reads as a requirement of the request."""
    rec = provider.virtual[name]
    return f"{name} {provider.record_text(rec)} (the target's virtual package)"


def _solve(
    provider: Provider[Any, Any, Any], root: Sequence[Dependency[Any, Any]], request: Sequence[str]
) -> SolveResult[Any, Any, Any]:
    # lazy: only _solve needs compatlib.solver.pubgrub, which loads 3 modules that importing this one does not
    from compatlib.solver.pubgrub import Solver, SolverFailure

    try:
        return Solver(provider).solve(root)
    except SolverFailure as failure:
        # lazy: only _solve needs compatlib.solver.report, which loads 7 modules that importing this one does not
        from compatlib.solver.report import build_explanation

        raise UnsatisfiableError(build_explanation(failure, list(request))) from None


# -- mixed environments ---------------------------------------------------------------


@value
class PipPackage:
    """A package pip installs from a Python index: version and the chosen file."""

    name: str
    version: Version
    artifact: Artifact | None = None
    dependencies: tuple[tuple[str, str], ...] = ()


@value(slots=False)
class EnvironmentResolution:
    """A solved conda + pip environment for one target.

    ``conda`` is the conda side (a :class:`CondaResolution`); ``pip`` the
    packages pip installs from the index, by canonical name; ``from_conda``
    maps PyPI names that pip requirements asked for to the conda package that
    provides them (pip installs nothing for those); ``python`` is the conda
    Python the pip side was solved for.
    """

    conda: CondaResolution
    pip: Mapping[str, PipPackage] = field(default_factory=dict)
    from_conda: Mapping[str, str] = field(default_factory=dict)
    python: str | None = None
    system: Mapping[str, str] = field(default_factory=dict)

    @property
    def records(self) -> tuple[PackageRecord, ...]:
        return self.conda.records

    @property
    def versions(self) -> dict[str, str]:
        """``{name: version}``: conda names, and pip names prefixed ``pip:``."""
        out = dict(self.conda.versions)
        for name, pkg in self.pip.items():
            out[f"pip:{name}"] = str(pkg.version)
        return dict(sorted(out.items()))


def _python_minors(
    provider: CondaProvider, specs: Sequence[MatchSpec], pep440: Sequence[str] = ()
) -> list[str]:
    """``major.minor`` of the channels' Pythons that every python spec allows, newest first.

    ``specs`` are conda match specs on python, ``pep440`` specifier sets such as
    a pyproject's ``requires-python``.
    """
    # lazy: only _python_minors needs packaging, which loads 6 modules that importing this one does not
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    # lazy: only _python_minors needs compatlib.resolve.providers.mixed, which loads 16 modules that importing this one does not
    from compatlib.resolve.providers.mixed import pep440_of

    sets: list[SpecifierSet] = []
    for text in pep440:
        try:
            sets.append(SpecifierSet(text))
        except InvalidSpecifier:
            raise InputError(
                f"invalid Python requirement {text!r}",
                field="requires-python",
                expected="a PEP 440 specifier set such as >=3.10",
            ) from None
    found: set[tuple[int, int]] = set()
    for rec in provider.records("python"):
        if not all(s.match(rec) for s in specs):
            continue
        v = pep440_of(rec.version)
        if v is not None and not all(ss.contains(v, prereleases=True) for ss in sets):
            continue
        if v is not None and len(v.release) >= 2:
            found.add((v.release[0], v.release[1]))
    return [f"{a}.{b}" for a, b in sorted(found, reverse=True)]


def solve_environment(
    spec: Spec | str | os.PathLike[str],
    *,
    target: Target,
    pypi_repository: Repository | None = None,
    channels: ChannelsLike | None = None,
    priority: ChannelPriority = "strict",
    virtual_packages: Iterable[str | PackageRecord] | None = None,
    mapping: CondaPypiMap | None = None,
    fetcher: Fetcher | None = None,
    prefer: Mapping[str, tuple[str, str | None]] | None = None,
) -> EnvironmentResolution:
    """Resolve a spec's conda dependencies and pip requirements together.

    ``spec``: a :class:`~compatlib.specs.Spec` or a spec file path.
    ``channels`` overrides the spec's channels (folders, files, URLs or names,
    first = highest priority). ``pypi_repository`` serves the pip side (default:
    PyPI through :class:`~compatlib.sources.pypi.repository.PyPIRepository`).
    The pip side runs on the conda Python: ``target.python`` when given, else
    each ``major.minor`` the channels' Pythons and the spec's python pins allow,
    newest first, until one solves (the explanation of the newest is raised
    when none does). pip requirements with a direct URL and no name are
    refused with an :class:`InputError`. Channel URLs are read through
    ``fetcher`` (see :func:`load_channels`). ``prefer`` (conda name ->
    ``(version, build)``, from an earlier lock) makes those records the first
    tried, for a minimal update.
    """
    # lazy: only solve_environment needs compatlib.resolve.providers.conda, which loads 2 modules that importing this one does not
    from compatlib.resolve.providers.conda import CondaProvider

    # lazy: only solve_environment needs compatlib.specs, which loads 1 module that importing this one does not
    from compatlib.specs import read_spec, selector_applies

    if not hasattr(spec, "conda"):
        spec = read_spec(spec)
    assert not isinstance(spec, (str, os.PathLike))
    subdir = target.subdir
    conda_deps = [d for d in spec.conda if selector_applies(d.selector, subdir)]
    pip_reqs = _named_pip_requirements(spec, subdir)
    chans = load_channels(
        _spec_channels(spec, channels), subdir=subdir, priority=priority, fetcher=fetcher
    )
    virtual = _virtual_records(target, virtual_packages, subdir)
    conda_provider = CondaProvider(chans, subdir=subdir, virtual=virtual, prefer=prefer)
    conda_specs = _parse_specs([d.spec for d in conda_deps], spec.source)
    conda_texts = [d.spec.strip() for d in conda_deps]
    request = [*conda_texts, *(f"pip: {p.text}" for p in pip_reqs)]
    if not pip_reqs:
        plain = _root(conda_provider, conda_texts, ())
        result = _solve(conda_provider, plain, request)
        return EnvironmentResolution(_conda_result(result, subdir, chans))

    conda_root: list[MixedDependency] = [
        Dependency(CondaKey(s.name), s, t) for s, t in zip(conda_specs, conda_texts, strict=True)
    ]
    conda_root.extend(_virtual_root(conda_provider))
    if pypi_repository is None:
        # lazy: only solve_environment needs compatlib.sources.pypi.repository, which loads 17 modules that importing this one does not
        from compatlib.sources.pypi.repository import PyPIRepository

        pypi_repository = PyPIRepository(["https://pypi.org/simple"], target=target)
    mixed = _MixedRequest(
        conda_provider, conda_root, pip_reqs, spec, pypi_repository, mapping, chans, request
    )
    first_failure: UnsatisfiableError | None = None
    for minor in _pip_pythons(target, conda_provider, conda_specs, spec):
        try:
            return mixed.solve(replace(target, python=target.python or minor), minor)
        except UnsatisfiableError as exc:
            if first_failure is None:
                first_failure = exc
    assert first_failure is not None
    raise first_failure


def _named_pip_requirements(spec: Spec, subdir: str) -> list[PipRequirement]:
    """The spec's pip requirements for ``subdir``; one without a name is refused."""
    # lazy: only _named_pip_requirements needs compatlib.specs, which loads 1 module that importing this one does not
    from compatlib.specs import selector_applies

    pip_reqs = [p for p in spec.pip if selector_applies(p.selector, subdir)]
    for p in pip_reqs:
        if p.requirement is None:
            raise InputError(
                f"cannot solve pip requirement {p.text!r} without a package name",
                source=p.location.source,
                line=p.location.line,
                field=p.location.field,
                text=p.text,
                expected="a named requirement (name @ url, or #egg=name)",
            )
    return pip_reqs


def _spec_channels(spec: Spec, channels: ChannelsLike | None) -> ChannelsLike:
    """``channels`` if given, else the spec's own (which must name some)."""
    chan_source = channels if channels is not None else list(spec.channel_names)
    if not chan_source:
        raise InputError(
            "the environment names no conda channels",
            source=spec.source,
            field="channels",
            expected="channels in the spec, or channels= given",
        )
    return chan_source


def _pip_pythons(
    target: Target, provider: CondaProvider, conda_specs: Sequence[MatchSpec], spec: Spec
) -> list[str]:
    """The ``major.minor`` Pythons to try the pip side on, newest first."""
    if target.python is not None:
        # lazy: only _pip_pythons needs packaging, which loads 2 modules that importing this one does not
        from packaging.version import Version as _V

        v = _V(target.python)
        return [f"{v.major}.{v.minor}"]
    py_specs = [s for s in conda_specs if s.name == "python"]
    pep440 = [p.spec for p in spec.python if p.syntax == "pep440"]
    # nothing to choose from: let the solve say why
    return _python_minors(provider, py_specs, pep440) or ["3"]


@value(eq=False)
class _MixedRequest:
    """One environment's conda and pip sides, solved for one Python at a time."""

    conda_provider: CondaProvider
    conda_root: Sequence[MixedDependency]
    pip_reqs: Sequence[PipRequirement]
    spec: Spec
    repository: Repository
    mapping: CondaPypiMap | None
    chans: Channels
    request: Sequence[str]

    def solve(self, tgt: Target, minor: str) -> EnvironmentResolution:
        # lazy: only solve needs compatlib.resolve.providers.mixed, which loads 16 modules that importing this one does not
        from compatlib.resolve.providers.mixed import MixedProvider

        # lazy: only solve needs compatlib.resolve.providers.python, which loads 14 modules that importing this one does not
        from compatlib.resolve.providers.python import (
            PythonProvider,
            exact_pins,
            prerelease_names,
        )

        reqs = [p.requirement for p in self.pip_reqs if p.requirement is not None]
        pip_provider = PythonProvider(
            self.repository,
            tgt,
            allow_yanked=exact_pins(reqs),
            explicit_prereleases=prerelease_names(reqs),
        )
        provider = MixedProvider(self.conda_provider, pip_provider, mapping=self.mapping)
        result = _solve(provider, self.root(tgt, minor), self.request)
        return self.resolution(result, tgt, pip_provider.layers.fixed)

    def root(self, tgt: Target, minor: str) -> list[MixedDependency]:
        """The request: conda specs, the Python for pip, pip requirements and constraints."""
        # lazy: only root needs compatlib.resolve.providers.python, which loads 14 modules that importing this one does not
        from compatlib.resolve.providers.python import requirement_dependencies

        root = list(self.conda_root)
        py_spec = (
            MatchSpec("python", f"{minor}.*") if minor.count(".") == 1 else MatchSpec("python")
        )
        root.append(Dependency(CondaKey("python"), py_spec, f"python {minor}.* (for pip)"))
        env = tgt.marker_environment()
        for p in self.pip_reqs:
            req = p.requirement
            if req is not None and (req.marker is None or req.marker.evaluate(dict(env))):
                root.extend(requirement_dependencies(req, text=p.text))
        for c in self.spec.constraints:
            req = c.requirement
            if req is not None and (req.marker is None or req.marker.evaluate(dict(env))):
                root.extend(requirement_dependencies(req, kind="constrains", text=c.text))
        return root

    def resolution(
        self,
        result: SolveResult[Any, Any, Any],
        tgt: Target,
        fixed_layers: Mapping[LayerKey, Any],
    ) -> EnvironmentResolution:
        # lazy: only resolution needs compatlib.resolve.providers.mixed, which loads 16 modules that importing this one does not
        from compatlib.resolve.providers.mixed import FromConda

        conda = _conda_result(result, tgt.subdir, self.chans)
        pip: dict[str, PipPackage] = {}
        from_conda: dict[str, str] = {}
        system: dict[str, str] = {}
        # the distributions pip-side requirements may point to (layers are not)
        chosen_pip = {k.name for k in result.decisions if isinstance(k, PipKey) and k.extra is None}
        for k, cand in result.decisions.items():
            if isinstance(k, LayerKey):
                if k in fixed_layers:
                    system[k.name] = str(cand)
            elif not isinstance(k, PipKey):
                continue
            elif isinstance(cand, FromConda):
                from_conda[str(k)] = cand.conda_name
            elif k.extra is None:
                pip[k.name] = self._pip_package(k, cand, result, chosen_pip, tgt)
        py = conda.record("python") if "python" in conda else None
        return EnvironmentResolution(
            conda,
            dict(sorted(pip.items())),
            dict(sorted(from_conda.items())),
            str(py.version) if py is not None else None,
            system,
        )

    def _pip_package(
        self,
        key: PipKey,
        version: Version,
        result: SolveResult[Any, Any, Any],
        chosen_pip: set[str],
        tgt: Target,
    ) -> PipPackage:
        """What pip installs for ``key``: the file, and its requirements on the others."""
        name = key.name
        rel = self.repository.release(name, _version_text(self.repository, name, version))
        deps: dict[str, str] = {}
        for dep in result.dependencies.get(key, ()):
            dk = dep.package
            if dep.kind != "requires" or not isinstance(dk, PipKey):
                continue
            if dk.name != name and dk.name in chosen_pip:
                deps[dk.name] = dep.text
        return PipPackage(name, version, choose_artifact(rel, tgt), tuple(sorted(deps.items())))


def _version_text(repository: Repository, name: str, version: Version) -> str:
    """The repository's spelling of ``version`` (``1.0`` vs ``1.0.0``)."""
    # lazy: only _version_text needs packaging, which loads 2 modules that importing this one does not
    from packaging.version import InvalidVersion

    # lazy: only _version_text needs packaging, which loads 2 modules that importing this one does not
    from packaging.version import Version as _V

    for text in repository.versions(name):
        try:
            if _V(text) == version:
                return text
        except InvalidVersion:
            continue
    return str(version)
