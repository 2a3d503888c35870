"""Why a request cannot be met: the derivation tree with hints and verified fixes.

An :class:`Explanation` is a :class:`~compatlib.solver.tree.DerivationTree` plus
what the layers above the solver add: hints, and :class:`Fix` es that were proven
by solving again. ``text`` renders it in plain words; ``to_dict()`` is JSON-ready.
:class:`~compatlib.solver.errors.UnsatisfiableError` carries one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compatlib.solver.render import render_text
from compatlib.solver.tree import DerivationTree, Node, TermInfo

__all__ = ["DerivationTree", "Explanation", "Fix", "Node", "TermInfo"]


@dataclass(frozen=True)
class Fix:
    """One change that makes the request solvable.

    ``kind`` is ``driver``, ``gpu``, ``glibc``, ``python``, ``drop`` or
    ``loosen``; ``change`` holds the new value(s); ``text`` says it in words;
    ``versions`` is the proof: what the request then resolves to.
    """

    kind: str
    text: str
    change: dict[str, str]
    versions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "change": dict(self.change),
            "versions": dict(self.versions),
        }


@dataclass(frozen=True)
class Explanation(DerivationTree):
    """Why a request is unsatisfiable: the derivation tree, hints, verified fixes."""

    hints: tuple[str, ...] = field(default=())
    fixes: tuple[Fix, ...] = field(default=())

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
        return [n for n in self.nodes if n.kind != "derived"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "request": list(self.request),
            "nodes": [n.to_dict() for n in self.nodes],
            "hints": list(self.hints),
            "fixes": [f.to_dict() for f in self.fixes],
            "text": self.text,
        }
