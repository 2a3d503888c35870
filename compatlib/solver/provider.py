"""The provider protocol: everything the solver knows about packages comes from here.

The solver never sees files, URLs or formats. It asks a provider for the
candidates of a package (in ascending preference order: the last one is the
"newest"), whether a candidate satisfies a constraint, and the dependencies of a
candidate. Constraints are opaque hashable values the provider understands
(a ``SpecifierSet``, a conda ``MatchSpec``, ...).

How often each method is called:

* :meth:`Provider.candidates` once per package, when the package is first
  mentioned by a dependency or a root requirement;
* :meth:`Provider.contains` once per (package, constraint, candidate) — the solver
  caches the resulting candidate set per (package, constraint);
* :meth:`Provider.dependencies` once per candidate the solver decides to try.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Protocol

from compatlib._values import value

__all__ = ["Dependency", "Provider", "Unavailable"]


@value
class Dependency:
    """A requirement of one candidate on another package.

    ``kind`` is ``"requires"`` (the package must be present and match) or
    ``"constrains"`` (if the package is present, it must match; pip ``-c``,
    conda ``constrains``). ``text`` is how the requirement is shown to people;
    ``origin`` (optional) says where a root requirement or constraint comes from
    ("the Azure ML environment X"), for explanations.
    """

    package: Hashable
    constraint: Hashable
    text: str
    kind: str = "requires"
    origin: str | None = None


@value
class Unavailable:
    """A candidate that cannot be used at all, and why (shown to people)."""

    reason: str


class Provider(Protocol):
    """What a solver needs to know about packages; see the module docstring."""

    def candidates(self, package: Hashable) -> Sequence[Any]:
        """All candidates of ``package``, worst first, best (newest) last."""
        ...

    def contains(self, package: Hashable, constraint: Hashable, candidate: Any) -> bool:
        """Whether ``candidate`` of ``package`` satisfies ``constraint``."""
        ...

    def dependencies(self, package: Hashable, candidate: Any) -> Sequence[Dependency] | Unavailable:
        """The dependencies of one candidate, or why it cannot be used."""
        ...

    def package_text(self, package: Hashable) -> str:
        """How a package is named to people."""
        ...

    def version_text(self, package: Hashable, candidate: Any) -> str:
        """How a candidate's version is shown to people."""
        ...


# Optional provider methods, looked up with getattr:
#   is_preferred(package, candidate) -> bool: candidates tried before the others
#       (e.g. stable releases before pre-releases), whatever their order;
#   fixed_value(package) -> str | None: for a virtual package with a value fixed
#       by the target, a phrase such as "the target's Python is 3.12".
