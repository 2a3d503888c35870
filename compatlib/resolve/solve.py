"""``solve``: PEP 508 requirements against one repository, for one target."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from compatlib._values import replace
from compatlib.errors import InputError
from compatlib.resolve.keys import PYTHON, PipKey
from compatlib.resolve.layers import LAYER_NAMES, ArchSet, BranchCeiling, Floor, known_values
from compatlib.resolve.providers.python import (
    PipCandidate,
    PipConstraint,
    PipDependency,
    PipPackageKey,
    PythonProvider,
    exact_pins,
    prerelease_names,
    requirement_dependencies,
)
from compatlib.resolve.resolution import Resolution, SystemRequirement
from compatlib.solver.errors import UnsatisfiableError
from compatlib.sources.memory import Repository
from compatlib.values.dotted import DottedVersion
from compatlib.values.filenames import canonicalize_name
from compatlib.values.pep508 import InvalidRequirement, Requirement
from compatlib.values.sets import VersionSet
from compatlib.values.target import Target

if TYPE_CHECKING:
    from compatlib.solver.explanation import Explanation
    from compatlib.solver.pubgrub import SolveResult, SolverFailure

    PipResult = SolveResult[PipPackageKey, PipCandidate, PipConstraint]

__all__ = ["parse_requirements", "solve"]


def parse_requirements(
    requirements: Iterable[str], *, source: str = "<request>"
) -> list[Requirement]:
    """Parse PEP 508 requirement strings, with a clear error for a bad one."""
    out: list[Requirement] = []
    for i, text in enumerate(requirements, 1):
        try:
            out.append(Requirement(text))
        except InvalidRequirement as exc:
            raise InputError(
                f"invalid requirement {text!r}: {exc}",
                source=source,
                field=f"requirement {i}",
                expected="a PEP 508 requirement such as 'torch>=2.1'",
            ) from None
    return out


def solve(
    requirements: Sequence[str],
    *,
    index: Repository,
    target: Target | None = None,
    constraints: Sequence[str | tuple[str, str]] = (),
    strategy: str = "newest",
    prefer: Mapping[str, str] | None = None,
    prereleases: bool | None = None,
    fixes: bool = True,
    no_binary: Sequence[str] = (),
    no_build: Sequence[str] = (),
    later_pythons: bool = False,
) -> Resolution:
    """Resolve PEP 508 ``requirements`` against ``index`` for ``target``.

    ``target=None`` means the running interpreter on this host, as pip does.
    ``constraints`` apply only to packages that end up present (pip ``-c``); a
    ``(text, origin)`` pair names where one comes from ("the Azure ML environment
    X"), and explanations say so.
    ``strategy`` is ``"newest"``, ``"lowest"`` or ``"lowest-direct"`` (lowest for
    the requirements themselves, newest for their dependencies); ``prefer`` maps names to
    versions to keep when they fit (a previous lock: minimal updates).
    ``no_binary`` / ``no_build`` name packages (or ``":all:"``) that may not use
    wheels / may not be built from source distributions (pip's ``--no-binary``
    and ``--only-binary``). ``later_pythons`` also accepts a release whose
    wheels are only for Pythons later than the target's or for other
    platforms (a universal fork stands for a range of Pythons and platforms;
    see :mod:`compatlib.resolve.universal`).
    Raises :class:`~compatlib.solver.errors.UnsatisfiableError` with an explanation;
    with ``fixes`` (the default) the explanation carries fixes, each proven by
    solving again with one thing changed.
    """
    # lazy: only solve needs compatlib.solver.pubgrub, which loads 3 modules that importing this one does not
    from compatlib.solver.pubgrub import Solver, SolverFailure

    if target is None:
        target = Target.current()
    reqs = parse_requirements(requirements)
    provider = PythonProvider(
        index,
        target,
        prereleases=prereleases,
        allow_yanked=exact_pins(reqs),
        explicit_prereleases=prerelease_names(reqs),
        no_binary=no_binary,
        no_build=no_build,
        later_pythons=later_pythons,
    )
    root = _root_dependencies(reqs, requirements, constraints, target)
    preferred: dict[PipPackageKey, PipConstraint] = {}
    if prefer:
        for name, version in prefer.items():
            preferred[PipKey(canonicalize_name(name))] = SpecifierSet(f"=={version}")
    # lowest-direct: every package the requirements name, whatever their markers
    direct = [PipKey(canonicalize_name(r.name)) for r in reqs]
    solver = Solver(provider, strategy=strategy, prefer=preferred, direct=direct)
    try:
        result = solver.solve(root)
    except SolverFailure as failure:
        options: dict[str, Any] = {
            "index": index,
            "constraints": constraints,
            "strategy": strategy,
            "prefer": prefer,
            "prereleases": prereleases,
            "no_binary": no_binary,
            "no_build": no_build,
            "later_pythons": later_pythons,
        }
        error = _failure(failure, requirements, target, options if fixes else None)
        raise UnsatisfiableError(_did_you_mean(error.explanation, index)) from None
    return _resolution(result, provider, target)


def _root_dependencies(
    reqs: Sequence[Requirement],
    texts: Sequence[str],
    constraints: Sequence[str | tuple[str, str]],
    target: Target,
) -> list[PipDependency]:
    """The request's dependencies: requirements and constraints whose markers hold."""
    con_texts = [c if isinstance(c, str) else c[0] for c in constraints]
    con_origins = [None if isinstance(c, str) else c[1] for c in constraints]
    cons = parse_requirements(con_texts, source="<constraints>")
    env = target.marker_environment()
    root: list[PipDependency] = []
    for req, text in zip(reqs, texts, strict=True):
        if req.marker is None or req.marker.evaluate(dict(env)):
            root.extend(requirement_dependencies(req, text=text))
    for req, text, origin in zip(cons, con_texts, con_origins, strict=True):
        if req.marker is None or req.marker.evaluate(dict(env)):
            deps = requirement_dependencies(req, kind="constrains", text=text)
            root.extend(replace(d, origin=origin) for d in deps)
    return root


def _failure(
    failure: SolverFailure,
    requirements: Sequence[str],
    target: Target,
    options: dict[str, Any] | None,
) -> UnsatisfiableError:
    """The error for a failed solve; with ``options`` (``solve``'s own), its
    explanation carries the fixes that solving again with them proves."""
    # lazy: only _failure needs compatlib.solver.report, which loads 7 modules that importing this one does not
    from compatlib.solver.report import build_explanation

    expl = build_explanation(failure, list(requirements))
    if options is not None:
        # lazy: only _failure needs compatlib.resolve.fixes, which loads 4 modules that importing this one does not
        from compatlib.resolve.fixes import suggest_fixes, variant_hints

        def again(reqs: Sequence[str], tgt: Target) -> Resolution:
            return solve(reqs, target=tgt, fixes=False, **options)

        fixes = suggest_fixes(expl, list(requirements), target, again)
        hints = (*expl.hints, *variant_hints(expl, list(requirements), target, fixes))
        expl = replace(expl, fixes=fixes, hints=hints)
    return UnsatisfiableError(expl)


def _did_you_mean(expl: Explanation, index: Repository) -> Explanation:
    """``expl`` with a hint naming close matches for each unknown package
    (a misspelled ``tranformers``), when the source can list its names."""
    unknown = sorted(
        {
            n.dependency_key.name
            for n in expl.requirements()
            if not n.dependency_exists
            and n.dependency_fixed is None
            and isinstance(n.dependency_key, PipKey)
        }
    )
    if not unknown:
        return expl
    names = index.packages()
    if names is None:
        return expl
    # lazy: only _did_you_mean needs difflib, which loads 3 modules that importing this one does not
    import difflib

    hints = list(expl.hints)
    for name in unknown:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.8)
        if close:
            hints.append(f"there is no package {name}; did you mean {' or '.join(close)}?")
    return replace(expl, hints=tuple(hints))


def _resolution(result: PipResult, provider: PythonProvider, target: Target) -> Resolution:
    """The solver's result as a :class:`Resolution`."""
    versions: dict[str, Version] = {}
    extras: dict[str, list[str]] = {}
    system: dict[str, str] = {}
    layers = provider.layers
    for key, cand in result.decisions.items():
        if isinstance(key, PipKey):
            if key.extra is not None:
                extras.setdefault(key.name, []).append(key.extra)
            elif isinstance(cand, Version):
                versions[key.name] = cand
        elif key == PYTHON:
            system["python"] = str(cand)
        elif key in layers.fixed and key.gpu is None:
            system[key.name] = str(cand)
    edges: dict[tuple[str | None, str, str], None] = {}  # ordered, without repeats
    for src, dst, text in result.edges:
        if not isinstance(dst, PipKey):
            continue
        s = src.name if isinstance(src, PipKey) else None
        if s == dst.name:
            continue
        edges[(s, dst.name, text)] = None
    return Resolution(
        dict(sorted(versions.items())),
        tuple(sorted(edges, key=lambda e: (e[0] or "", e[1], e[2]))),
        {n: tuple(sorted(e)) for n, e in sorted(extras.items())},
        system,
        target,
        system_requirements(result.dependencies, provider),
    )


def system_requirements(
    dependencies: Mapping[PipPackageKey | None, Sequence[PipDependency]],
    provider: PythonProvider,
) -> dict[str, SystemRequirement]:
    """What the chosen releases need of each system layer: for the GPU, every
    compute capability the chosen builds run on (not only the target's), so a
    lock made for one GPU is checked truly on another."""
    out: dict[str, SystemRequirement] = {}
    for layer in sorted(LAYER_NAMES, key=str):
        because: list[tuple[str, str]] = []
        constraints: list[PipConstraint] = []
        for src, deps in dependencies.items():
            for dep in deps:
                if dep.package == layer:
                    because.append((_name_of(src), dep.text))
                    constraints.append(dep.constraint)
        if not constraints:
            continue
        interval: VersionSet[DottedVersion] = VersionSet.full()
        arch: list[ArchSet] = []
        for c in constraints:
            if isinstance(c, Floor):
                interval = interval & VersionSet.at_least(c.version)
            elif isinstance(c, BranchCeiling):
                interval = interval & VersionSet.less_than(c.below)
            elif isinstance(c, ArchSet):
                arch.append(c)
        allowed: tuple[str, ...] = ()
        text = str(interval) if not interval.is_full else ""
        if arch:  # what the builds run on, not only the target's GPU
            values = [
                v
                for v in known_values(layer)
                if interval.contains(v) and all(a.contains(v) for a in arch)
            ]
            allowed = tuple(str(v) for v in values)
            text = "one of " + ", ".join(allowed) if allowed else "none known"
        out[layer.name] = SystemRequirement(
            LAYER_NAMES[layer], str(layer), text, allowed, tuple(sorted(set(because)))
        )
    return out


def _name_of(package: PipPackageKey | None) -> str:
    """A distribution's name (an extra's base name); other keys as written."""
    return package.name if isinstance(package, PipKey) else str(package)
