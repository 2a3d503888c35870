"""Render an :class:`~compatlib.solver.tree.DerivationTree` as plain text.

The layout follows PubGrub's reporter: each derived fact is explained once from
the two facts it came from; a derived fact used more than once gets a number,
``(1)``, so later lines can refer back to it. Wording aims at one fact per
sentence, names the package when no version matches, and ends with the request
(never listed again: each requirement in play is stated where it is used).
The walk is iterative: deep trees cannot overflow the stack.
"""

from __future__ import annotations

from collections.abc import Generator

from compatlib.solver.tree import (
    Candidates,
    ConstraintNode,
    DependencyNode,
    DerivationTree,
    DerivedNode,
    Node,
    RequirementNode,
    TermInfo,
    UnavailableNode,
)
from compatlib.solver.words import join_words

__all__ = ["describe_node", "render_text"]


def _versions(name: str, versions: str, single: str | None) -> str:
    """``a >=1.0``, ``a 1.0`` (``single``); ``a`` for any version."""
    if versions == "*":
        return name
    return f"{name} {single if single is not None else versions}"


def _pos(t: TermInfo) -> str:
    """The term as a positive statement about the package."""
    return _versions(t.package, t.versions, t.single)


def _neg(t: TermInfo) -> str:
    """The negated term: what it requires instead."""
    return _versions(t.package, t.complement, t.complement_single)


#: the request, never listed: the requirements a conflict involves are each
#: stated as ``you require ...`` where the derivation uses them, and the others
#: play no part
_REQUEST = "the request"


def _subject(t: TermInfo) -> str:
    """How a positive term reads as the subject of a sentence."""
    if t.single is not None:
        return f"{t.package} {t.single}"
    if t.versions == "*":
        return f"every version of {t.package}"
    return f"{t.package} {t.versions}"


def _candidates(c: Candidates) -> str:
    """``a 1.0``, ``every version of a``, ``a >=1.0, <2.0``."""
    if c.versions == "*":
        return f"every version of {c.package}"
    return f"{c.package} {c.versions}"


def _short(t: TermInfo) -> str:
    """A positive term inside a list: the bare name stands for any version."""
    return t.package if t.versions == "*" else _subject(t)


def describe_node(node: Node) -> str:
    """One incompatibility as a clause (no final period)."""
    if isinstance(node, DependencyNode):
        return _describe_dependency(node)
    if isinstance(node, ConstraintNode):
        return _describe_constraint(node)
    if isinstance(node, UnavailableNode):
        return f"{node.candidates.package} {node.candidates.versions} cannot be used: {node.reason}"
    return _describe_terms(node.terms)


def _describe_dependency(node: DependencyNode) -> str:
    said = node.wording or node.requirement
    if node.by is None and node.origin is not None:
        clause = f"{node.origin} requires {node.requirement}"
    elif node.by is None:
        clause = f"you require {node.requirement}"
    elif node.layer is not None:
        clause = f"{_candidates(node.by)} needs {said}"
    else:
        clause = f"{_candidates(node.by)} depends on {said}"
    return clause + _unmet(node)


def _same_requirer(left: Node, right: Node) -> str | None:
    """Two requirements of the same candidates in one clause: ``a 1.0 depends
    on both b==2.0 and b==1.0``, ``you require a and b``; ``None`` unless both
    are plain dependencies (no layer, origin or merged wording) and the first
    needs no parenthesis."""
    if not (isinstance(left, DependencyNode) and isinstance(right, DependencyNode)):
        return None
    if left.by != right.by or _unmet(left):
        return None
    plain = all(n.layer is None and n.origin is None and n.wording is None for n in (left, right))
    if not plain:
        return None
    if left.by is None:
        return f"you require {left.requirement} and {right.requirement}" + _unmet(right)
    if left.dependency != right.dependency:
        return None
    return (
        f"{_candidates(left.by)} depends on both {left.requirement} and {right.requirement}"
        + _unmet(right)
    )


def _describe_constraint(node: ConstraintNode) -> str:
    spec = _req_spec(node)
    if node.by is None:
        who = node.origin or "your constraints"
        verb = "limits" if node.origin else "limit"
        return f"{who} {verb} {node.dependency} to {spec}"
    return f"{_candidates(node.by)} limits {node.dependency} to {spec}"


def _unmet(node: DependencyNode) -> str:
    """A parenthesis saying why nothing can satisfy a requirement, if so."""
    if node.dependency_fixed is not None and (node.matching == "∅" or not node.dependency_exists):
        return f" ({node.dependency_fixed})"
    if not node.dependency_exists:
        return f" ({node.dependency} is not in the index)"
    if node.matching == "∅":
        dep = node.dependency
        spec = _req_spec(node)
        if spec == "any version":
            text = f"no version of {dep} can be used"
        else:
            text = f"no usable version of {dep} matches {spec}"
        if node.unmet_reason:
            return f" ({text}: {node.unmet_reason})"
        if node.available and spec != "any version":
            return f" ({text}; {_what_exists(dep, node.available)})"
        return f" ({text})"
    return ""


def _what_exists(package: str, versions: tuple[str, ...]) -> str:
    """``a has only 1.0 and 2.0``; ``a has 7 versions, 2.0 to 3.0`` when many."""
    if len(versions) <= 3:
        return f"{package} has only " + join_words(list(versions))
    return f"{package} has {len(versions)} versions, {versions[0]} to {versions[-1]}"


def _req_spec(node: RequirementNode) -> str:
    """Which versions the requirement allows (``>=2``), ``any version`` for all."""
    return node.spec or "any version"


def _describe_terms(terms: tuple[TermInfo, ...]) -> str:
    """A derived incompatibility as a sentence."""
    real = [t for t in terms if not t.is_root]
    has_root = len(real) != len(terms)
    pos = [t for t in real if t.positive]
    neg = [t for t in real if not t.positive]
    if not real:
        return f"{_REQUEST} cannot be satisfied"
    if has_root:
        if not pos and neg:
            return f"{_REQUEST} requires " + join_words([_neg(t) for t in neg], "or")
        if pos and not neg:
            return join_words([_short(t) for t in pos]) + f" cannot be used with {_REQUEST}"
        return f"{_REQUEST} requires " + join_words(
            [_neg(t) for t in neg] + [f"not {_pos(t)}" for t in pos], "or"
        )
    if len(pos) == 1 and not neg:
        t = pos[0]
        if t.fixed is not None:
            return f"{t.fixed} cannot be used"
        if t.versions == "*":
            return f"no version of {t.package} can be used"
        return f"{_subject(t)} cannot be used"
    if not pos:
        return join_words([_neg(t) for t in neg], "or") + (
            " is required" if len(neg) == 1 else " must hold"
        )
    if len(pos) == 1:
        return f"{_subject(pos[0])} requires " + join_words([_neg(t) for t in neg], "or")
    if not neg:
        return join_words([_short(t) for t in pos]) + " cannot be used together"
    return (
        join_words([_short(t) for t in pos])
        + " together require "
        + join_words([_neg(t) for t in neg], "or")
    )


def _capitalize(s: str) -> str:
    return s[:1].upper() + s[1:]


def render_text(expl: DerivationTree) -> str:
    """The whole explanation, one line per step."""
    root = expl.node(expl.root)
    if not isinstance(root, DerivedNode):
        return _capitalize(describe_node(root)) + "."
    return _Report(expl).render(root)


_Steps = Generator[tuple[DerivedNode, bool], None, None]


class _Report:
    """The lines of one explanation, written children-first by :meth:`render`.

    A derived node is explained from its two causes; each ``visit`` yields the
    derived causes still to explain (with whether each gets a number) before
    writing its own line, so the walk needs no recursion.
    """

    def __init__(self, expl: DerivationTree) -> None:
        self.expl = expl
        self.lines: list[str] = []
        self.numbers: dict[int, int] = {}
        # how often each derived node is used as a cause: shared ones get numbers
        self.uses: dict[int, int] = {}
        for n in expl.nodes:
            if isinstance(n, DerivedNode):
                for c in n.causes:
                    self.uses[c] = self.uses.get(c, 0) + 1

    def render(self, root: DerivedNode) -> str:
        stack: list[_Steps] = [self.visit(root, False)]
        while stack:
            try:
                child, numbered = next(stack[-1])
            except StopIteration:
                stack.pop()
                continue
            stack.append(self.visit(child, numbered))
        lines = self.lines
        # the first line of a report reads better as "Because" than "And because"
        if lines and lines[0].startswith("And because"):
            lines[0] = "Because" + lines[0][len("And because") :]
        return "\n".join(lines)

    def both(self, left: Node, right: Node) -> str:
        """Two external facts joined by "and", in one clause when they can be
        (after a reason why candidates cannot be used, a comma marks its end)."""
        same = _same_requirer(left, right)
        if same is not None:
            return same
        comma = "," if isinstance(left, UnavailableNode) else ""
        return f"{describe_node(left)}{comma} and {describe_node(right)}"

    def shared(self, node: Node) -> bool:
        return self.uses.get(node.id, 0) > 1

    def emit(self, text: str, node: Node, numbered: bool) -> None:
        if numbered and node.id not in self.numbers:
            self.numbers[node.id] = len(self.numbers) + 1
            text = text[:-1] + f" ({self.numbers[node.id]})."
        self.lines.append(text)

    def ref(self, node: Node) -> str:
        return f"{describe_node(node)} ({self.numbers[node.id]})"

    def causes(self, node: DerivedNode) -> tuple[Node, Node]:
        return self.expl.node(node.causes[0]), self.expl.node(node.causes[1])

    def _one_derived_cause(self, node: DerivedNode) -> tuple[DerivedNode, Node] | None:
        """The causes of ``node`` as (derived, external), if exactly one is derived."""
        left, right = self.causes(node)
        if isinstance(left, DerivedNode) and not isinstance(right, DerivedNode):
            return left, right
        if isinstance(right, DerivedNode) and not isinstance(left, DerivedNode):
            return right, left
        return None

    def visit(self, node: DerivedNode, numbered: bool) -> _Steps:
        left, right = self.causes(node)
        concl = describe_node(node)
        if node.id == self.expl.root:
            concl = f"{_REQUEST} cannot be satisfied"
        if isinstance(left, DerivedNode) and isinstance(right, DerivedNode):
            yield from self._both_derived(node, left, right, concl, numbered)
        elif isinstance(left, DerivedNode):
            yield from self._one_derived(node, left, right, concl, numbered)
        elif isinstance(right, DerivedNode):
            yield from self._one_derived(node, right, left, concl, numbered)
        else:
            self.emit(f"Because {self.both(left, right)}, {concl}.", node, numbered)

    def _both_derived(
        self, node: DerivedNode, left: DerivedNode, right: DerivedNode, concl: str, numbered: bool
    ) -> _Steps:
        numbers = self.numbers
        if left.id in numbers and right.id in numbers:
            self.emit(f"Because {self.ref(left)} and {self.ref(right)}, {concl}.", node, numbered)
        elif left.id in numbers or right.id in numbers:
            known, other = (left, right) if left.id in numbers else (right, left)
            yield other, self.shared(other)
            self.emit(f"And because {self.ref(known)}, {concl}.", node, numbered)
        else:
            yield left, True
            yield right, self.shared(right)
            self.emit(f"And because {self.ref(left)}, {concl}.", node, numbered)

    def _one_derived(
        self, node: DerivedNode, derived: DerivedNode, ext: Node, concl: str, numbered: bool
    ) -> _Steps:
        if derived.id in self.numbers:
            text = f"Because {describe_node(ext)} and {self.ref(derived)}, {concl}."
            self.emit(text, node, numbered)
            return
        inner = None if self.shared(derived) else self._one_derived_cause(derived)
        if inner is not None:
            # a derived cause used once, itself from one derived and one external
            # fact, is folded into this line instead of getting its own
            inner_d, inner_e = inner
            if inner_d.id in self.numbers:
                text = (
                    f"Because {describe_node(inner_e)} and {self.ref(inner_d)}, "
                    f"{describe_node(derived)}."
                )
                self.emit(text, derived, False)
            else:
                yield inner_d, self.shared(inner_d)
                text = f"And because {self.both(inner_e, ext)}, {concl}."
                self.emit(text, node, numbered)
                return
        else:
            yield derived, self.shared(derived)
        self.emit(f"And because {describe_node(ext)}, {concl}.", node, numbered)
