"""Why a request cannot be met: the derivation tree with hints and verified fixes.

An :class:`Explanation` is a :class:`~compatlib.solver.tree.DerivationTree` plus
what the layers above the solver add: hints, and :class:`Fix` es that were proven
by solving again. ``text`` renders it in plain words; ``to_dict()`` is JSON-ready.
:class:`~compatlib.solver.errors.UnsatisfiableError` carries one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from compatlib._values import value
from compatlib.solver.render import render_text
from compatlib.solver.tree import (
    Candidates,
    ConstraintNode,
    DependencyNode,
    DerivationTree,
    DerivedNode,
    Node,
    RequirementNode,
    RootNode,
    TermInfo,
    UnavailableNode,
)

__all__ = [
    "Candidates",
    "ConstraintNode",
    "DependencyNode",
    "DerivationTree",
    "DerivedNode",
    "Explanation",
    "Fix",
    "Node",
    "RequirementNode",
    "RootNode",
    "TermInfo",
    "UnavailableNode",
]


class Fix:
    """One change that makes the request solvable, proven by solving again.

    The layer that finds fixes defines one subclass per kind of change
    (:mod:`compatlib.resolve.fixes`: driver, gpu, glibc, python, variant, drop,
    loosen, ...), each with typed fields; this base says what every fix offers:
    ``kind`` (the tag in ``to_dict()``), ``text`` (the change in words),
    ``change`` (the new value(s) by name) and ``versions``, the proof: what the
    request then resolves to.
    """

    __slots__ = ()

    KIND: ClassVar[str] = ""
    versions: Mapping[str, str]

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def text(self) -> str:
        raise NotImplementedError

    @property
    def change(self) -> dict[str, str]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "change": dict(self.change),
            "versions": dict(self.versions),
        }


@value
class Explanation(DerivationTree):
    """Why a request is unsatisfiable: the derivation tree, hints, verified fixes."""

    hints: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()

    @property
    def text(self) -> str:
        """The derivation in plain words, ending with the request."""
        return render_text(self)

    @property
    def report(self) -> str:
        """``text``, then hints and the verified fixes, if any: what the CLI prints."""
        text = self.text
        if self.hints:
            text += "\n\nHints:" + "".join(f"\n- {h}" for h in self.hints)
        if self.fixes:
            text += "\n\nFixes (each verified by solving again):"
            text += "".join(f"\n- {f.text}" for f in self.fixes)
        return text

    def external_facts(self) -> list[Node]:
        """The leaves: facts about the index and the request, in tree order."""
        return [n for n in self.nodes if not isinstance(n, DerivedNode)]

    def requirements(self) -> list[RequirementNode]:
        """The dependency and constraint facts, in tree order."""
        return [n for n in self.nodes if isinstance(n, RequirementNode)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "request": list(self.request),
            "nodes": [n.to_dict() for n in self.nodes],
            "hints": list(self.hints),
            "fixes": [f.to_dict() for f in self.fixes],
            "text": self.text,
        }
