"""Solve a request with pip's resolver library, resolvelib, over a compatlib index.

The same index, target and rules as :func:`compatlib.solve` (markers for the
target, extras as separate identifiers pinned to the base version,
Requires-Python checked against the target, stable releases before
pre-releases, yanked releases skipped), so answers can be compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from compatlib._values import value
from compatlib.sources.memory import Repository
from compatlib.values.target import Target

__all__ = ["PeerResult", "solve_with_resolvelib"]


@value
class _Candidate:
    name: str
    version: Version
    extras: frozenset[str]


@value
class PeerResult:
    """``versions`` when solved; ``error`` says why not (impossible, too deep)."""

    versions: dict[str, Version] | None
    error: str | None = None
    rounds_exceeded: bool = False


def _identify(name: str, extras: Iterable[str]) -> str:
    ex = sorted(canonicalize_name(e) for e in extras)
    base = canonicalize_name(name)
    return f"{base}[{','.join(ex)}]" if ex else base


class _Provider:
    def __init__(self, repo: Repository, target: Target) -> None:
        self.repo = repo
        self.env = target.marker_environment()
        self.python = target.python_version
        self._versions: dict[str, list[Version]] = {}

    def identify(self, requirement_or_candidate: Any) -> str:
        return _identify(requirement_or_candidate.name, requirement_or_candidate.extras)

    def get_preference(
        self,
        identifier: str,
        resolutions: Any,
        candidates: Any,
        information: Any,
        backtrack_causes: Any,
    ) -> Any:
        pinned = any(
            len(r.specifier) == 1 and next(iter(r.specifier)).operator == "=="
            for r, _ in information[identifier]
        )
        return (not pinned, identifier)

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Any,
        candidates: Any,
        information: Any,
        backtrack_causes: Any,
    ) -> Iterable[str]:
        return identifiers

    def _all_versions(self, name: str) -> list[Version]:
        vs = self._versions.get(name)
        if vs is None:
            vs = sorted(Version(v) for v in self.repo.versions(name))
            self._versions[name] = vs
        return vs

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Any]],
        incompatibilities: Mapping[str, Iterator[Any]],
    ) -> list[_Candidate]:
        name, _, _ = identifier.partition("[")
        reqs = list(requirements[identifier])
        bad = {c.version for c in incompatibilities[identifier]}
        extras = frozenset(e for r in reqs for e in r.extras)
        spec = SpecifierSet()
        for r in reqs:
            spec &= r.specifier
        pinned = {
            Version(s.version)
            for r in reqs
            for s in r.specifier
            if s.operator == "==" and "*" not in s.version
        }
        out: list[_Candidate] = []
        for v in reversed(self._all_versions(name)):
            if v in bad or not spec.contains(v, prereleases=True):
                continue
            rel = self.repo.release(name, str(v))
            if rel.yanked and v not in pinned:
                continue
            if rel.requires_python and not SpecifierSet(rel.requires_python).contains(
                self.python, prereleases=True
            ):
                continue
            out.append(_Candidate(name, v, extras))
        # stable releases first, then pre-releases, newest first within each
        out.sort(key=lambda c: (not c.version.is_prerelease, c.version), reverse=True)
        return out

    def is_satisfied_by(self, requirement: Any, candidate: _Candidate) -> bool:
        return bool(requirement.specifier.contains(candidate.version, prereleases=True))

    def get_dependencies(self, candidate: _Candidate) -> list[Requirement]:
        rel = self.repo.release(candidate.name, str(candidate.version))
        deps: list[Requirement] = []
        if candidate.extras:
            deps.append(Requirement(f"{candidate.name}=={candidate.version}"))
        for text in rel.requires:
            req = Requirement(text)
            if req.marker is not None:
                active = False
                for extra in ("", *sorted(candidate.extras)):
                    env = dict(self.env)
                    env["extra"] = extra
                    if req.marker.evaluate(env):
                        active = True
                        break
                if not active:
                    continue
            deps.append(req)
        return deps


def solve_with_resolvelib(
    requirements: Sequence[str],
    *,
    index: Repository,
    target: Target,
    max_rounds: int = 2000,
) -> PeerResult:
    """Resolve with resolvelib; never raises for unsatisfiable or too-deep cases."""
    # lazy: only solve_with_resolvelib needs resolvelib, which loads 9 modules that importing this one does not
    import resolvelib

    provider = _Provider(index, target)
    resolver: Any = resolvelib.Resolver(provider, resolvelib.BaseReporter())  # type: ignore[arg-type]
    env = target.marker_environment()
    reqs = [Requirement(r) for r in requirements]
    reqs = [r for r in reqs if r.marker is None or r.marker.evaluate(dict(env))]
    try:
        result = resolver.resolve(reqs, max_rounds=max_rounds)
    except resolvelib.ResolutionTooDeep:
        return PeerResult(None, f"too deep (more than {max_rounds} rounds)", rounds_exceeded=True)
    except resolvelib.ResolutionImpossible as exc:
        return PeerResult(None, f"impossible: {len(exc.causes)} causes")
    versions = {key: cand.version for key, cand in result.mapping.items() if "[" not in key}
    return PeerResult(dict(sorted(versions.items())))
