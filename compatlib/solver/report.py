"""Turn a solver failure into an :class:`~compatlib.solver.explanation.Explanation`.

Each incompatibility becomes a node of the class its cause calls for
(:mod:`compatlib.solver.tree`); everything about packages is asked of the
provider (names, version texts, fixed values, layers, hints).

Bitsets become readable version sets over the package's real versions: a run
of consecutive candidates prints as ``>=first, <next`` (so ranges are merged and
versions already ruled out are not listed one by one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compatlib.solver.explanation import Explanation
from compatlib.solver.pubgrub import (
    ROOT,
    ConstraintCause,
    DerivedCause,
    Incompatibility,
    RequirementCause,
    SolverFailure,
    Term,
    UnavailableCause,
)
from compatlib.solver.tree import (
    Candidates,
    ConstraintNode,
    DependencyNode,
    DerivedNode,
    Node,
    RequirementNode,
    RootNode,
    TermInfo,
    UnavailableNode,
)
from compatlib.solver.words import join_words

__all__ = ["build_explanation", "render_bits"]


def render_bits(bits: int, versions: Sequence[str]) -> str:
    """A readable set for the candidates in ``bits`` (``versions`` oldest first)."""
    n = len(versions)
    full = (1 << n) - 1
    bits &= full
    if bits == full:
        return "*"
    if bits == 0:
        return "∅"
    missing = full & ~bits
    if missing.bit_count() == 1:
        k = missing.bit_length() - 1
        if 0 < k < n - 1:
            return f"!={versions[k]}"
    parts: list[str] = []
    i = 0
    while i < n:
        if not (bits >> i) & 1:
            i += 1
            continue
        j = i
        while j + 1 < n and (bits >> (j + 1)) & 1:
            j += 1
        if i == j:
            parts.append(f"=={versions[i]}")
        elif i == 0:
            parts.append(f"<{versions[j + 1]}" if j + 1 < n else "*")
        elif j == n - 1:
            parts.append(f">={versions[i]}")
        else:
            parts.append(f">={versions[i]}, <{versions[j + 1]}")
        i = j + 1
    return " | ".join(parts)


def _single(bits: int, versions: Sequence[str]) -> str | None:
    """The one version in ``bits`` (``1.0``), or two or three versions apart
    from each other (``1.0 or 3.0``, which reads better than ``==1.0 | ==3.0``);
    ``None`` otherwise."""
    count = bits.bit_count()
    if count == 1:
        return versions[bits.bit_length() - 1]
    if not 2 <= count <= 3 or bits & (bits << 1):  # none, many, or two next to each other
        return None
    picked = [versions[i] for i in range(len(versions)) if (bits >> i) & 1]
    if len(picked) != count:
        return None
    return join_words(picked, "or")


def _versions_label(bits: int, versions: Sequence[str]) -> str:
    """``1.2`` for one version, else the readable set (``>=1.0, <2.0``)."""
    single = _single(bits, versions)
    return single if single is not None else render_bits(bits, versions)


def _spec_of(text: str, spec: str | None, name: str) -> str:
    """Which versions a requirement allows, in words after the package's name:
    the provider's ``spec`` (``>=2,<3``); for a provider that gives none, the
    text after the name it starts with, or the whole text."""
    if spec is not None:
        return spec
    return text[len(name) :].strip() if text.startswith(name) else text


def _merge_texts(texts: list[str]) -> str:
    """One text true for each of ``texts``: the words they share around the
    ones that differ, which are listed (``for its CUDA 12.1 or 12.4 build``)."""
    words = [t.split(" ") for t in texts]
    shortest = min(len(w) for w in words)
    head = 0
    while head < shortest and all(w[head] == words[0][head] for w in words):
        head += 1
    tail = 0
    while tail < shortest - head and all(w[-1 - tail] == words[0][-1 - tail] for w in words):
        tail += 1
    middles = [" ".join(w[head : len(w) - tail]) for w in words]
    if not all(middles):
        return " or ".join(texts)
    parts = (
        words[0][:head]
        + [join_words(middles, "or")]
        + (words[0][len(words[0]) - tail :] if tail else [])
    )
    return " ".join(parts)


def build_explanation(failure: SolverFailure, request: Sequence[str] = ()) -> Explanation:
    """The derivation tree of ``failure``, numbered children-first."""
    builder = _TreeBuilder(failure)
    nodes = builder.nodes_of(failure.incompatibility)
    return Explanation(tuple(nodes), len(nodes) - 1, tuple(request), tuple(builder.hints))


class _TreeBuilder:
    """Readable nodes for the incompatibilities of one failed solve."""

    def __init__(self, failure: SolverFailure) -> None:
        self.solver = failure.solver
        self.provider = failure.solver.provider
        self.hints: list[str] = []
        self._texts: dict[int, list[str]] = {}
        self._fixed: dict[int, str | None] = {}

    # -- packages, through the provider ---------------------------------------
    def key(self, pid: int) -> Any:
        return self.solver.packages[pid].key

    def versions_of(self, pid: int) -> list[str]:
        vt = self._texts.get(pid)
        if vt is None:
            pkg = self.solver.packages[pid]
            vt = [self.provider.version_text(pkg.key, c) for c in pkg.candidates]
            self._texts[pid] = vt
        return vt

    def fixed_of(self, pid: int) -> str | None:
        if pid not in self._fixed:
            self._fixed[pid] = self.provider.fixed_value(self.key(pid))
        return self._fixed[pid]

    def name_of(self, pid: int) -> str:
        return self.provider.package_text(self.key(pid))

    def candidates(self, pid: int, bits: int) -> Candidates:
        return Candidates(self.name_of(pid), _versions_label(bits, self.versions_of(pid)))

    def term_info(self, term: Term) -> TermInfo:
        pid, allowed, absent_ok = term
        if pid == ROOT:
            return TermInfo("the request", not absent_ok, "*", "∅", is_root=True)
        vs = self.versions_of(pid)
        full = self.solver.packages[pid].full
        others = full & ~allowed
        return TermInfo(
            self.name_of(pid),
            not absent_ok,
            render_bits(allowed, vs),
            render_bits(others, vs),
            single=_single(allowed, vs),
            fixed=self.fixed_of(pid),
            complement_single=_single(others, vs),
        )

    # -- the tree ---------------------------------------------------------------
    def nodes_of(self, conclusion: Incompatibility) -> list[Node]:
        """Every node under ``conclusion``, causes before what they caused."""
        ids: dict[int, int] = {}
        nodes: list[Node] = []
        stack: list[tuple[Incompatibility, bool]] = [(conclusion, False)]
        while stack:
            inc, expanded = stack.pop()
            if id(inc) in ids:
                continue
            cause = inc.cause
            if isinstance(cause, DerivedCause) and not expanded:
                stack.append((inc, True))
                stack.append((cause.right, False))
                stack.append((cause.left, False))
                continue
            nid = len(nodes)
            terms = tuple(self.term_info(t) for t in inc.terms)
            if isinstance(cause, DerivedCause):
                causes = (ids[id(cause.left)], ids[id(cause.right)])
                node: Node = DerivedNode(nid, terms, causes)
            elif isinstance(cause, RequirementCause):
                node = self.requirement_node(nid, terms, cause)
            elif isinstance(cause, UnavailableCause):
                by = self.candidates(cause.package, cause.versions)
                node = UnavailableNode(nid, terms, by, cause.reason)
            else:  # the root: the request must be met
                node = RootNode(nid, terms)
            ids[id(inc)] = nid
            nodes.append(node)
        return nodes

    def merged_wording(self, cause: RequirementCause, bits: int) -> str | None:
        """The requirement as the candidates of ``cause`` write it: merged
        candidates may each word the same requirement differently (``for its
        CUDA 12.1 build``, ``... 12.4 build``); the text must hold for all."""
        dep = cause.dep
        if cause.package == ROOT or cause.versions.bit_count() < 2:
            return None
        pkg = self.solver.packages[cause.package]
        did = self.solver.ids[dep.package]
        texts: list[str] = []
        for i, cand in enumerate(pkg.candidates):
            if not (cause.versions >> i) & 1:
                continue
            deps = self.provider.dependencies(pkg.key, cand)
            if not isinstance(deps, Sequence):
                continue
            for d in deps:
                same = d.package == dep.package and d.kind == dep.kind
                if same and self.solver.allowed_set(did, d.constraint) == bits:
                    if d.text not in texts:
                        texts.append(d.text)
                    break
        return _merge_texts(texts) if len(texts) > 1 else None

    def all_requirements(self, cause: RequirementCause) -> str | None:
        """Every requirement the candidates of ``cause`` make on its package
        (``b==2.0.0 and b==1.0.0``), when there are several and each candidate
        makes the same ones: a package that does not exist rules the
        candidates out through any one of them, yet the contradiction is all
        of them."""
        dep = cause.dep
        if cause.package == ROOT:
            return None
        pkg = self.solver.packages[cause.package]
        seen: list[str] | None = None
        for i, cand in enumerate(pkg.candidates):
            if not (cause.versions >> i) & 1:
                continue
            deps = self.provider.dependencies(pkg.key, cand)
            if not isinstance(deps, Sequence):
                return None
            texts = [d.text for d in deps if d.package == dep.package and d.kind == dep.kind]
            if seen is None:
                seen = texts
            elif texts != seen:
                return None
        texts = list(dict.fromkeys(seen or ()))
        if len(texts) < 2:
            return None
        return f"both {texts[0]} and {texts[1]}" if len(texts) == 2 else join_words(texts)

    def requirement_node(
        self, nid: int, terms: tuple[TermInfo, ...], cause: RequirementCause
    ) -> RequirementNode:
        """A dependency or constraint node; a hint too, when nothing matches."""
        dep = cause.dep
        did = self.solver.ids[dep.package]
        dvs = self.versions_of(did)
        bits = self.solver.allowed_set(did, dep.constraint)
        reason = None
        if not bits:
            hint = self.provider.hint(dep.package, dep.constraint)
            if hint and hint not in self.hints:
                self.hints.append(hint)
            # a hint's first clause is the fact ("a 1.0 is yanked"), the rest advice
            reason = hint.partition("; ")[0] if hint else None
        cls = ConstraintNode if isinstance(cause, ConstraintCause) else DependencyNode
        return cls(
            nid,
            terms,
            by=None if cause.package == ROOT else self.candidates(cause.package, cause.versions),
            requirement=dep.text,
            dependency=self.name_of(did),
            matching=render_bits(bits, dvs),
            dependency_exists=bool(dvs),
            dependency_key=dep.package,
            constraint=dep.constraint,
            dependency_fixed=self.fixed_of(did),
            layer=self.provider.layer_of(dep.package),
            origin=dep.origin,
            available=() if bits else tuple(dvs),
            unmet_reason=reason,
            wording=(None if dvs else self.all_requirements(cause))
            or self.merged_wording(cause, bits),
            spec=_spec_of(dep.text, dep.spec, self.name_of(did)),
        )
