"""One provider over conda and pip: a mixed environment solved as one problem.

Package keys are those of the two providers: a
:class:`~compatlib.resolve.keys.CondaKey` is on the conda side, a
:class:`~compatlib.resolve.keys.PipKey` or a system layer's
:class:`~compatlib.resolve.keys.LayerKey` on the pip side (``CondaKey("numpy")``
and ``PipKey("numpy")`` are two packages). The rules:

* conda records come from a :class:`~compatlib.resolve.providers.conda.CondaProvider`,
  PyPI releases from a :class:`~compatlib.resolve.providers.python.PythonProvider`;
* the pip side's Python is the conda ``python`` package: a ``Requires-Python``
  (or a wheel's Python tags) becomes a dependency on ``CondaKey("python")``,
  matched against the conda record's version read as PEP 440;
* a conda package that installs a PyPI distribution (see
  :class:`CondaPypiMap`) provides it to pip: the pip package then has, besides
  its PyPI releases, one candidate per version of the conda package
  (:class:`FromConda`, worst first so PyPI is tried first), which requires that
  conda record; and every record of the conda package *constrains* the pip
  package to a :class:`FromConda` candidate of its own version, so when the
  conda package is installed pip never installs the distribution again, and
  the conda version must satisfy every pip specifier on it;
* explanations name packages ``numpy`` (conda) and ``numpy (pip)``, so a chain
  can run from a pip package to a conda one; fixed values, layers and hints
  (a yanked release) come from the side a package is on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TypeAlias

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.resolve.keys import PYTHON, CondaKey, LayerKey, PackageKey, PipKey
from compatlib.resolve.providers.conda import CondaProvider
from compatlib.resolve.providers.python import (
    Exact,
    PipCandidate,
    PipConstraint,
    PythonChoice,
    PythonProvider,
)
from compatlib.solver.provider import BaseProvider, Dependency, Unavailable
from compatlib.sources.conda.matchspec import MatchSpec
from compatlib.sources.conda.records import PackageRecord
from compatlib.values.conda_version import CondaVersion
from compatlib.values.filenames import canonicalize_name

__all__ = [
    "CondaPypiMap",
    "CondaProvided",
    "FromConda",
    "MixedCandidate",
    "MixedConstraint",
    "MixedDependency",
    "MixedProvider",
    "load_mapping",
    "pep440_of",
]


@value
class FromConda:
    """A pip candidate satisfied by a conda package (pip installs nothing).

    ``version`` is the conda version read as PEP 440, ``conda_name`` and
    ``conda_version`` the conda package providing it.
    """

    version: Version
    conda_name: str
    conda_version: CondaVersion

    def __str__(self) -> str:
        return f"{self.version} (conda {self.conda_name})"


@value
class CondaProvided:
    """A constraint on a pip package: it must come from conda, at ``version``."""

    version: Version

    def __str__(self) -> str:
        return f"=={self.version} from conda"


@cache
def pep440_of(version: CondaVersion) -> Version | None:
    """A conda version as a PEP 440 version, ``None`` when it is not one."""
    try:
        return Version(str(version))
    except InvalidVersion:
        return None


class CondaPypiMap:
    """Which conda package installs which PyPI distribution.

    ``explicit`` maps conda names to PyPI names (canonicalised); by default the
    table in ``data/mappings/conda-pypi.yaml``. ``same_name`` adds the rule
    that a conda package depending on ``python`` installs the PyPI
    distribution of its own name.
    """

    def __init__(
        self, explicit: Mapping[str, str] | None = None, *, same_name: bool = True
    ) -> None:
        table = dict(load_mapping() if explicit is None else explicit)
        self.to_pypi = {k.lower(): str(canonicalize_name(v)) for k, v in sorted(table.items())}
        by_pypi: dict[str, list[str]] = {}
        for conda_name, pypi in self.to_pypi.items():
            by_pypi.setdefault(pypi, []).append(conda_name)
        self.to_conda = {k: tuple(sorted(v)) for k, v in by_pypi.items()}
        self.same_name = same_name


@cache
def _load_mapping_file(path: str) -> tuple[tuple[str, str], ...]:
    # lazy: only _load_mapping_file needs compatlib._datafiles, which loads 1 module that importing this one does not
    from compatlib._datafiles import data_path, load_compiled

    file = Path(path) if path else data_path("mappings", "conda-pypi.yaml")
    doc = load_compiled(file, lambda items, line: items)
    if doc is None:
        # lazy: only a mapping file without a compiled copy is read as YAML
        from compatlib._input import load_yaml, read_text

        doc = load_yaml(read_text(file, what="mapping file"), source=str(file))
    if not isinstance(doc, dict) or not isinstance(doc.get("mappings", []), list):
        raise InputError(
            "a mapping file is a mapping whose 'mappings' is a list",
            source=str(file),
            expected="mappings: [{conda: name, pypi: name, source: url}, ...]",
        )
    out: list[tuple[str, str]] = []
    for i, entry in enumerate(doc.get("mappings", [])):
        if not isinstance(entry, dict) or not entry.get("conda") or not entry.get("pypi"):
            raise InputError(
                "a mapping entry needs conda and pypi names",
                source=str(file),
                field=f"mappings[{i}]",
                expected="{conda: name, pypi: name, source: url}",
            )
        out.append((str(entry["conda"]), str(entry["pypi"])))
    return tuple(sorted(out))


def load_mapping(path: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """conda name -> PyPI name from a mapping YAML (default: the shipped one)."""
    return dict(_load_mapping_file(os.fspath(path) if path is not None else ""))


#: the candidates, constraints and dependencies of :class:`MixedProvider`
MixedCandidate: TypeAlias = "PackageRecord | PipCandidate | FromConda"
MixedConstraint: TypeAlias = "MatchSpec | PipConstraint | CondaProvided"
MixedDependency: TypeAlias = "Dependency[PackageKey, MixedConstraint]"


class MixedProvider(BaseProvider[PackageKey, MixedCandidate, MixedConstraint]):
    """Conda and PyPI packages in one solve; see the module docstring."""

    def __init__(
        self,
        conda: CondaProvider,
        pip: PythonProvider,
        *,
        mapping: CondaPypiMap | None = None,
    ) -> None:
        self.conda = conda
        self.pip = pip
        self.mapping = mapping if mapping is not None else CondaPypiMap()
        self._providers: dict[str, tuple[str, ...]] = {}
        self._provides: dict[str, str | None] = {}
        self._pip_cands: dict[PipKey | LayerKey, list[PipCandidate | FromConda]] = {}
        self._deps: dict[
            tuple[PackageKey, MixedCandidate], Sequence[MixedDependency] | Unavailable
        ] = {}

    # -- the conda <-> PyPI correspondence ---------------------------------------------
    def _depends_on_python(self, conda_name: str) -> bool:
        for rec in self.conda.records(conda_name):
            if rec.noarch == "python":
                return True
            for text in rec.depends:
                head = text.strip().split(" ", 1)[0]
                for sep in ("=", "<", ">", "!", "~", "["):
                    head = head.split(sep, 1)[0]
                if head.lower() == "python":
                    return True
        return False

    def pypi_name_of(self, conda_name: str) -> str | None:
        """The PyPI distribution a conda package installs, if any."""
        if conda_name in self._provides:
            return self._provides[conda_name]
        got: str | None = self.mapping.to_pypi.get(conda_name)
        if (
            got is None
            and self.mapping.same_name
            and not conda_name.startswith("__")
            and conda_name != "python"
            and self._depends_on_python(conda_name)
        ):
            got = str(canonicalize_name(conda_name))
        self._provides[conda_name] = got
        return got

    def conda_names_for(self, pypi_name: str) -> tuple[str, ...]:
        """The conda packages (present in the channels) that install ``pypi_name``."""
        got = self._providers.get(pypi_name)
        if got is None:
            names = set(self.mapping.to_conda.get(pypi_name, ()))
            if self.mapping.same_name:
                names.add(pypi_name)
                # conda spells some names with '_' or '.' where PyPI canonicalises to '-'
                names.add(pypi_name.replace("-", "_"))
            got = tuple(
                sorted(
                    n for n in names if self.conda.records(n) and self.pypi_name_of(n) == pypi_name
                )
            )
            self._providers[pypi_name] = got
        return got

    # -- provider protocol ---------------------------------------------------------------
    def candidates(self, package: PackageKey) -> Sequence[MixedCandidate]:
        if isinstance(package, CondaKey):
            return self.conda.candidates(package)
        pip = _pip_side(package)
        got = self._pip_cands.get(pip)
        if got is None:
            got = []
            if isinstance(pip, PipKey) and pip.extra is None:
                got.extend(self._provided_by_conda(pip.name))
            got.extend(self.pip.candidates(pip))
            self._pip_cands[pip] = got
        return got

    def _provided_by_conda(self, pypi_name: str) -> list[FromConda]:
        """One candidate per version of each conda package installing ``pypi_name``."""
        provided: list[FromConda] = []
        for conda_name in self.conda_names_for(pypi_name):
            seen: set[Version] = set()
            for rec in self.conda.records(conda_name):
                v = pep440_of(rec.version)
                if v is not None and v not in seen:
                    seen.add(v)
                    provided.append(FromConda(v, conda_name, rec.version))
        return sorted(provided, key=lambda c: (c.version, c.conda_name))

    def contains(
        self, package: PackageKey, constraint: MixedConstraint, candidate: MixedCandidate
    ) -> bool:
        if isinstance(package, CondaKey):
            if not isinstance(candidate, PackageRecord):
                return False
            if isinstance(constraint, MatchSpec):
                return constraint.match(candidate)
            return _conda_python_contains(package, constraint, candidate)
        if isinstance(constraint, CondaProvided):
            return isinstance(candidate, FromConda) and candidate.version == constraint.version
        if isinstance(candidate, FromConda):
            if isinstance(constraint, SpecifierSet):
                return constraint.contains(candidate.version, prereleases=True)
            if isinstance(constraint, Exact):
                return candidate.version == constraint.version
            return False
        if isinstance(constraint, MatchSpec) or isinstance(candidate, PackageRecord):
            return False
        return self.pip.contains(_pip_side(package), constraint, candidate)

    def dependencies(
        self, package: PackageKey, candidate: MixedCandidate
    ) -> Sequence[MixedDependency] | Unavailable:
        cache_key = (package, candidate)
        got = self._deps.get(cache_key)
        if got is None:
            got = self._dependencies(package, candidate)
            self._deps[cache_key] = got
        return got

    def _dependencies(
        self, package: PackageKey, candidate: MixedCandidate
    ) -> Sequence[MixedDependency] | Unavailable:
        if isinstance(package, CondaKey) and isinstance(candidate, PackageRecord):
            return self._conda_dependencies(package, candidate)
        if isinstance(candidate, FromConda):
            spec = MatchSpec(candidate.conda_name, "==" + str(candidate.conda_version))
            return [
                Dependency(
                    CondaKey(candidate.conda_name),
                    spec,
                    f"{candidate.conda_name}=={candidate.conda_version} (conda)",
                    spec=f"=={candidate.conda_version} (conda)",
                )
            ]
        if isinstance(candidate, PackageRecord):
            return ()
        deps = self.pip.dependencies(_pip_side(package), candidate)
        if isinstance(deps, Unavailable):
            return deps
        # the pip side's Python is conda's python package
        return [
            Dependency(CondaKey("python"), d.constraint, d.text, d.kind, spec=d.spec)
            if d.package == PYTHON
            else d
            for d in deps
        ]

    def _conda_dependencies(
        self, package: CondaKey, rec: PackageRecord
    ) -> Sequence[MixedDependency] | Unavailable:
        deps = self.conda.dependencies(package, rec)
        if isinstance(deps, Unavailable):
            return deps
        out: list[MixedDependency] = list(deps)
        pypi = None if rec.is_virtual else self.pypi_name_of(package.name)
        v = pep440_of(rec.version)
        if pypi is not None and v is not None:
            out.append(
                Dependency(
                    PipKey(pypi),
                    CondaProvided(v),
                    f"conda's {package.name} {rec.version}",
                    "constrains",
                    spec=f"conda's {package.name} {rec.version}",
                )
            )
        return out

    def package_text(self, package: PackageKey) -> str:
        if isinstance(package, CondaKey):
            return self.conda.package_text(package)
        return f"{self.pip.package_text(_pip_side(package))} (pip)"

    def version_text(self, package: PackageKey, candidate: MixedCandidate) -> str:
        if isinstance(candidate, PackageRecord):
            return self.conda.record_text(candidate)
        if isinstance(candidate, FromConda):
            return f"{candidate.version} (conda)"
        return self.pip.version_text(_pip_side(package), candidate)

    def is_preferred(self, package: PackageKey, candidate: MixedCandidate) -> bool:
        if isinstance(candidate, (PackageRecord, FromConda)):
            return True
        return self.pip.is_preferred(_pip_side(package), candidate)

    def fixed_value(self, package: PackageKey) -> str | None:
        if isinstance(package, CondaKey):
            return self.conda.fixed_value(package)
        return self.pip.fixed_value(_pip_side(package))

    def layer_of(self, package: PackageKey) -> str | None:
        if isinstance(package, CondaKey):
            return self.conda.layer_of(package)
        return self.pip.layer_of(_pip_side(package))

    def hint(self, package: PackageKey, constraint: MixedConstraint) -> str | None:
        """The side's own hints (the pip side's: a yanked release, versions left out for the target)."""
        if isinstance(package, CondaKey):
            return (
                self.conda.hint(package, constraint) if isinstance(constraint, MatchSpec) else None
            )
        if isinstance(constraint, (MatchSpec, CondaProvided)):
            return None
        return self.pip.hint(_pip_side(package), constraint)


def _pip_side(package: PackageKey) -> PipKey | LayerKey:
    """A key of the pip side (the conda side's are :class:`CondaKey`)."""
    if isinstance(package, (PipKey, LayerKey)):
        return package
    raise TypeError(f"{package!r} is no pip-side package")


def _conda_python_contains(
    package: CondaKey, constraint: MixedConstraint, candidate: PackageRecord
) -> bool:
    """A pip-side constraint on conda's python: its version read as PEP 440."""
    v = pep440_of(candidate.version)
    if v is None:
        return False
    if isinstance(constraint, SpecifierSet):
        return constraint.contains(v, prereleases=True)
    if isinstance(constraint, Exact):
        return v == constraint.version
    if isinstance(constraint, PythonChoice):
        return constraint.contains(v)
    raise TypeError(f"unknown constraint {constraint!r} on conda {package.name}")
