"""The derivation tree of a failed solve, as data: nodes and their terms.

A failed solve produces a tree of :class:`Node` s, each an incompatibility (terms
that cannot all hold) with its cause. External nodes are facts about the index or
the request (a dependency, a missing version, an unusable candidate); derived
nodes were learned from two earlier nodes. The last node is the conclusion.
:mod:`compatlib.solver.render` turns a tree into words;
:class:`~compatlib.solver.explanation.Explanation` adds hints and fixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DerivationTree", "Node", "TermInfo"]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Node:
    """An incompatibility and its cause.

    ``kind``: ``root``, ``dependency``, ``constraint``, ``unavailable``,
    ``no_versions`` or ``derived``. For dependencies and constraints, ``package``
    and ``version`` name the candidate (``package`` is ``None`` for the root
    request), ``requirement`` the requirement as written, ``dependency`` the
    package it is on, and ``matching`` the readable set of that package's
    versions that satisfy it (``∅`` when none does). ``causes`` holds the ids of
    the two nodes a derived node was learned from.
    """

    id: int
    kind: str
    terms: tuple[TermInfo, ...]
    package: str | None = None
    version: str | None = None
    requirement: str | None = None
    dependency: str | None = None
    matching: str | None = None
    dependency_exists: bool = True
    dependency_fixed: str | None = None
    layer: str | None = None
    origin: str | None = None
    reason: str | None = None
    causes: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind}
        d["terms"] = [t.to_dict() for t in self.terms]
        for name in (
            "package",
            "version",
            "requirement",
            "dependency",
            "matching",
            "dependency_fixed",
            "layer",
            "origin",
            "reason",
        ):
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        if not self.dependency_exists:
            d["dependency_exists"] = False
        if self.causes is not None:
            d["causes"] = list(self.causes)
        return d


@dataclass(frozen=True)
class DerivationTree:
    """The nodes of a failure, the id of the conclusion, and the request as given."""

    nodes: tuple[Node, ...]
    root: int
    request: tuple[str, ...] = ()

    def node(self, node_id: int) -> Node:
        return self.nodes[node_id]
