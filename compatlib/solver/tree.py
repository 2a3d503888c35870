"""The derivation tree of a failed solve, as data: nodes and their terms.

A failed solve produces a tree of :class:`Node` s, each an incompatibility (terms
that cannot all hold) with its cause, one class per kind of cause:

* :class:`RootNode`: the request must be met;
* :class:`DependencyNode`: a candidate (or the request) requires a package;
* :class:`ConstraintNode`: a candidate (or the request) limits a package, if present;
* :class:`UnavailableNode`: candidates that cannot be used at all;
* :class:`DerivedNode`: learned from two earlier nodes.

The first four are external facts about the index or the request; the last
node is the conclusion. Each class's ``kind`` is its tag in ``to_dict()``.
A requirement node keeps the provider's typed values (the key of the package
required and the constraint, e.g. a driver floor) beside the readable texts, so
the layers above read facts, not sentences.
:mod:`compatlib.solver.render` turns a tree into words;
:class:`~compatlib.solver.explanation.Explanation` adds hints and fixes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

from compatlib._values import value

__all__ = [
    "Candidates",
    "ConstraintNode",
    "DependencyNode",
    "DerivationTree",
    "DerivedNode",
    "Node",
    "RequirementNode",
    "RootNode",
    "TermInfo",
    "UnavailableNode",
]


@value
class TermInfo:
    """One term of an incompatibility, rendered.

    ``positive``: the term says the package *is* present with a version in
    ``versions``; negative terms say it is absent or outside ``versions``.
    ``versions`` is a readable set (``>=1.0, <2.0``, ``==1.2``, ``*`` for any,
    ``∅`` for none). ``complement`` is the readable set of the other versions.
    ``is_root`` marks the synthetic package that stands for the user's request.
    """

    package: str
    positive: bool
    versions: str
    complement: str
    is_root: bool = False
    single: str | None = None  # the one version, when the set holds exactly one
    fixed: str | None = None  # for virtual/system packages: the target's value
    complement_single: str | None = None  # the one version, when the complement holds one

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "package": self.package,
            "positive": self.positive,
            "versions": self.versions,
        }
        if self.is_root:
            d["root"] = True
        if self.fixed is not None:
            d["target_value"] = self.fixed
        return d


@value
class Candidates:
    """Some candidates of one package, readable: ``versions`` is one version
    (``1.2``), a set (``>=1.0, <2.0``) or ``*`` for all of them."""

    package: str
    versions: str


@value
class Node:
    """An incompatibility (``terms``) with its cause; see the subclasses."""

    kind: ClassVar[str] = ""

    id: int
    terms: tuple[TermInfo, ...]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind}
        d["terms"] = [t.to_dict() for t in self.terms]
        d.update(self._details())
        return d

    def _details(self) -> dict[str, Any]:
        """The kind's own entries of :meth:`to_dict`."""
        return {}


@value
class RootNode(Node):
    """The request must be met (the synthetic root package must be chosen)."""

    kind: ClassVar[str] = "root"


@value
class RequirementNode(Node):
    """A requirement of some candidates (``by``; ``None`` for the request).

    ``requirement`` is the requirement as written, ``dependency`` the package it
    is on, and ``matching`` the readable set of that package's versions that
    satisfy it (``∅`` when none does); ``dependency_exists`` is false when the
    package has no versions at all. ``dependency_fixed`` is the target's value
    of a virtual package, ``layer`` the system layer it stands for, ``origin``
    where a request's requirement comes from. ``dependency_key`` and
    ``constraint`` are the provider's own values behind the texts. When no
    version matches, ``available`` lists the dependency's versions (oldest
    first: what exists instead) and ``unmet_reason`` says why the versions that
    do match cannot be used (``"a 1.0.0 is yanked"``), if the provider knows.
    ``wording`` is set when the candidates in ``by`` word the requirement
    differently: one text true for each of them (``requirement`` is the newest's);
    or, for a package that does not exist, when they make several requirements
    on it (``both b==2.0 and b==1.0``: the contradiction whole, not the one
    requirement the solver happened to use). ``spec`` is the part of the
    requirement that says which versions (``>=2,<3``; empty for any version),
    as the provider gave it.
    """

    by: Candidates | None
    requirement: str
    dependency: str
    matching: str
    dependency_exists: bool
    dependency_key: Hashable
    constraint: Hashable
    dependency_fixed: str | None = None
    layer: str | None = None
    origin: str | None = None
    available: tuple[str, ...] = ()
    unmet_reason: str | None = None
    wording: str | None = None
    spec: str = ""

    def _details(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.by is not None:
            d["package"] = self.by.package
            d["version"] = self.by.versions
        d["requirement"] = self.requirement
        d["dependency"] = self.dependency
        d["matching"] = self.matching
        for name, text in (
            ("dependency_fixed", self.dependency_fixed),
            ("layer", self.layer),
            ("origin", self.origin),
        ):
            if text is not None:
                d[name] = text
        if not self.dependency_exists:
            d["dependency_exists"] = False
        if self.available:
            d["available"] = list(self.available)
        if self.unmet_reason is not None:
            d["unmet_reason"] = self.unmet_reason
        if self.wording is not None:
            d["wording"] = self.wording
        return d


@value
class DependencyNode(RequirementNode):
    """A ``requires`` dependency: the package must be present and match."""

    kind: ClassVar[str] = "dependency"


@value
class ConstraintNode(RequirementNode):
    """A ``constrains`` dependency: the package, if present, must match."""

    kind: ClassVar[str] = "constraint"


@value
class UnavailableNode(Node):
    """Candidates that cannot be used at all, and why."""

    kind: ClassVar[str] = "unavailable"

    candidates: Candidates
    reason: str

    def _details(self) -> dict[str, Any]:
        return {
            "package": self.candidates.package,
            "version": self.candidates.versions,
            "reason": self.reason,
        }


@value
class DerivedNode(Node):
    """Learned from two earlier nodes, whose ids are ``causes``."""

    kind: ClassVar[str] = "derived"

    causes: tuple[int, int]

    def _details(self) -> dict[str, Any]:
        return {"causes": list(self.causes)}


@value
class DerivationTree:
    """The nodes of a failure, the id of the conclusion, and the request as given."""

    nodes: tuple[Node, ...]
    root: int
    request: tuple[str, ...] = ()

    def node(self, node_id: int) -> Node:
        return self.nodes[node_id]
