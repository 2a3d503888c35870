"""The in-memory package index every peer format and snapshot loads into.

An :class:`Index` maps canonical package names to releases. A release carries
PEP 508 requirement strings (markers and extras included), an optional
``Requires-Python``, a yanked flag and ``constrains``: requirements that apply only
when the named package is present (pip ``-c``, conda ``constrains``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from packaging.version import InvalidVersion, Version

from compatlib._values import field, value
from compatlib.values.filenames import canonicalize_name

__all__ = ["Artifact", "Index", "IndexRelease", "Repository"]


@value
class Artifact:
    """One installable file of a release (a wheel, an sdist, a conda package)."""

    filename: str
    url: str = ""
    hashes: tuple[tuple[str, str], ...] = ()  # (algorithm, hex digest), sorted
    size: int | None = None
    yanked: bool = False


@value
class IndexRelease:
    """One version of one package as an index describes it."""

    version: str
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    yanked: bool = False
    constrains: tuple[str, ...] = ()
    extras: tuple[str, ...] = field(default=())
    artifacts: tuple[Artifact, ...] = field(default=())


class Repository(Protocol):
    """What the PEP 440 provider reads packages from: :class:`Index`, or a lazy
    PyPI/simple-index repository that fetches metadata on demand.

    :meth:`versions` and :meth:`release` are the core; the rest are optional
    capabilities whose neutral answers a subclass inherits, and a repository that
    knows better overrides.
    """

    __slots__ = ()

    def versions(self, name: str) -> list[str]:
        """Version strings of ``name``, oldest first; empty if unknown."""
        ...

    def release(self, name: str, version: str) -> IndexRelease:
        """The release ``name==version`` (metadata may be fetched here)."""
        ...

    def is_yanked(self, name: str, version: str) -> bool:
        """Whether ``name==version`` is yanked; a repository whose metadata is
        expensive answers without fetching it."""
        return self.release(name, version).yanked

    def python_excluded(self, name: str, version: str) -> bool:
        """Whether the index says ``name==version`` needs another Python than the
        target's, answered without reading its metadata (``False``: not known)."""
        return False

    def metadata_source(self, name: str, version: str) -> str | None:
        """How the metadata of ``name==version`` was obtained (``pep658``,
        ``range``, ``wheel``...), for the lock; ``None`` when not recorded."""
        return None

    def missing_reason(self, name: str) -> str | None:
        """Why ``name`` has no usable version although the sources list files for
        it (none fits the target); ``None`` when that is not the case or unknown."""
        return None

    def left_out(self, name: str) -> dict[str, tuple[str, ...]]:
        """Versions of ``name`` the repository leaves out because none of their
        files fits the target, each with its files' names (for explanations:
        wheels for other Pythons, platforms or a newer glibc); empty when it
        leaves none out (an in-memory index lists every version and the
        provider decides)."""
        return {}

    def packages(self) -> list[str] | None:
        """Canonical names of every package, sorted, when the repository can list
        them (an in-memory index); ``None`` when it cannot (a remote index)."""
        return None

    @property
    def source_description(self) -> str | None:
        """Where the repository looks, in words for "x is not ...": ``on PyPI``;
        ``None`` for the plain "not in the index"."""
        return None


@value(init=False, eq=False)
class Index(Repository):
    """An immutable in-memory index: ``{name: {version: IndexRelease}}``.

    ``source`` names where it was loaded from, for messages.
    """

    __slots__ = ("_packages", "invalid", "source")

    def __init__(
        self,
        packages: Mapping[str, Iterable[IndexRelease]],
        *,
        source: str | None = None,
    ) -> None:
        self.source = source
        invalid: list[tuple[str, str]] = []
        table: dict[str, dict[str, IndexRelease]] = {}
        for raw_name in sorted(packages):
            name = canonicalize_name(raw_name)
            releases = table.setdefault(name, {})
            for rel in packages[raw_name]:
                try:
                    Version(rel.version)
                except InvalidVersion:
                    invalid.append((name, rel.version))
                    continue
                releases[rel.version] = rel
        #: ``(name, version)`` pairs skipped because the version is not PEP 440
        #: (pip and uv ignore such releases too).
        self.invalid: tuple[tuple[str, str], ...] = tuple(sorted(invalid))
        self._packages = {
            name: dict(sorted(rels.items(), key=lambda kv: Version(kv[0])))
            for name, rels in sorted(table.items())
        }

    def packages(self) -> list[str]:
        """Canonical names of all packages, sorted."""
        return list(self._packages)

    def versions(self, name: str) -> list[str]:
        """Version strings of ``name``, oldest first; empty if the package is unknown."""
        return list(self._packages.get(canonicalize_name(name), ()))

    def releases(self, name: str) -> list[IndexRelease]:
        """Releases of ``name``, oldest first."""
        return list(self._packages.get(canonicalize_name(name), {}).values())

    def release(self, name: str, version: str) -> IndexRelease:
        """The release ``name==version``; ``KeyError`` if absent."""
        return self._packages[canonicalize_name(name)][version]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonicalize_name(name) in self._packages

    def __len__(self) -> int:
        return len(self._packages)

    def __repr__(self) -> str:
        n = sum(len(v) for v in self._packages.values())
        return f"<Index {self.source or '<memory>'}: {len(self._packages)} packages, {n} releases>"
