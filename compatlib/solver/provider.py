"""The provider protocol: everything the solver knows about packages comes from here.

The solver never sees files, URLs or formats. It asks a provider for the
candidates of a package (in ascending preference order: the last one is the
"newest"), whether a candidate satisfies a constraint, and the dependencies of a
candidate. :class:`Provider` is generic in the three types a provider chooses:

* ``K``, the package keys (any hashable value; the providers in
  :mod:`compatlib.resolve.providers` use :mod:`compatlib.resolve.keys`);
* ``V``, the candidates (a ``Version``, a conda record, ...);
* ``C``, the constraints (a ``SpecifierSet``, a conda ``MatchSpec``, ...),
  hashable values the provider understands and the solver never looks into.

How often each method is called:

* :meth:`Provider.candidates` once per package, when the package is first
  mentioned by a dependency or a root requirement;
* :meth:`Provider.contains` once per (package, constraint, candidate) — the solver
  caches the resulting candidate set per (package, constraint);
* :meth:`Provider.dependencies` once per candidate the solver decides to try.

Besides these, the protocol declares four capabilities with neutral answers
(:class:`BaseProvider` implements them, so a provider overrides only what it
knows): :meth:`~Provider.is_preferred` orders the search, and
:meth:`~Provider.fixed_value`, :meth:`~Provider.layer_of` and
:meth:`~Provider.hint` feed explanations.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Generic, Literal, Protocol, TypeVar

from compatlib._values import value

__all__ = ["BaseProvider", "Dependency", "DependencyKind", "Provider", "Unavailable"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
C = TypeVar("C", bound=Hashable)
K_co = TypeVar("K_co", bound=Hashable, covariant=True)
C_co = TypeVar("C_co", bound=Hashable, covariant=True)

#: ``requires``: the package must be present and match; ``constrains``: if the
#: package is present, it must match (pip ``-c``, conda ``constrains``)
DependencyKind = Literal["requires", "constrains"]


@value
class Dependency(Generic[K_co, C_co]):
    """A requirement of one candidate (or of the request) on another package.

    ``constraint`` is the provider's own value; ``text`` is how the requirement
    is shown to people; ``origin`` (optional) says where a root requirement or
    constraint comes from ("the Azure ML environment X"), for explanations;
    ``spec`` (optional) is the part of ``text`` that says which versions
    (``>=2,<3``; empty for any), for "no version of b matches >=2,<3".
    """

    package: K_co
    constraint: C_co
    text: str
    kind: DependencyKind = "requires"
    origin: str | None = None
    spec: str | None = None


@value
class Unavailable:
    """A candidate that cannot be used at all, and why (shown to people)."""

    reason: str


class Provider(Protocol[K, V, C]):
    """What a solver needs to know about packages; see the module docstring."""

    def candidates(self, package: K) -> Sequence[V]:
        """All candidates of ``package``, worst first, best (newest) last."""
        ...

    def contains(self, package: K, constraint: C, candidate: V) -> bool:
        """Whether ``candidate`` of ``package`` satisfies ``constraint``."""
        ...

    def dependencies(self, package: K, candidate: V) -> Sequence[Dependency[K, C]] | Unavailable:
        """The dependencies of one candidate, or why it cannot be used."""
        ...

    def package_text(self, package: K) -> str:
        """How a package is named to people."""
        ...

    def version_text(self, package: K, candidate: V) -> str:
        """How a candidate's version is shown to people."""
        ...

    def is_preferred(self, package: K, candidate: V) -> bool:
        """Whether ``candidate`` is tried before the others, whatever their order
        (stable releases before pre-releases, say); ``True`` for all: plain order."""
        ...

    def fixed_value(self, package: K) -> str | None:
        """For a virtual package whose value the target fixes, a phrase such as
        "the target's Python is 3.12"; ``None`` for ordinary packages."""
        ...

    def layer_of(self, package: K) -> str | None:
        """The system layer a virtual package stands for ("NVIDIA driver");
        ``None`` for real packages."""
        ...

    def hint(self, package: K, constraint: C) -> str | None:
        """Why no candidate of ``package`` satisfies ``constraint`` although some
        exist ("a 2.0 is yanked; ..."), if the provider knows; else ``None``."""
        ...


class BaseProvider(Generic[K, V, C]):
    """The neutral answers of the protocol's capabilities, for providers to extend.

    A subclass implements :meth:`~Provider.candidates`,
    :meth:`~Provider.contains` and :meth:`~Provider.dependencies`, and overrides
    the rest where it knows better.
    """

    __slots__ = ()

    def package_text(self, package: K) -> str:
        return str(package)

    def version_text(self, package: K, candidate: V) -> str:
        return str(candidate)

    def is_preferred(self, package: K, candidate: V) -> bool:
        return True

    def fixed_value(self, package: K) -> str | None:
        return None

    def layer_of(self, package: K) -> str | None:
        return None

    def hint(self, package: K, constraint: C) -> str | None:
        return None
