"""Turn a solver failure into an :class:`~compatlib.solver.explanation.Explanation`.

Bitsets become readable version sets over the package's real versions: a run
of consecutive candidates prints as ``>=first, <next`` (so ranges are merged and
versions already ruled out are not listed one by one).
"""

from __future__ import annotations

from collections.abc import Sequence

from compatlib.solver.explanation import Explanation
from compatlib.solver.pubgrub import ROOT, Incompatibility, SolverFailure, Term
from compatlib.solver.tree import Node, TermInfo

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


def _versions_label(bits: int, versions: Sequence[str]) -> str:
    """``1.2`` for one version, else the readable set (``>=1.0, <2.0``)."""
    if bits.bit_count() == 1:
        return versions[bits.bit_length() - 1]
    return render_bits(bits, versions)


def build_explanation(failure: SolverFailure, request: Sequence[str] = ()) -> Explanation:
    """The derivation tree of ``failure``, numbered children-first."""
    solver = failure.solver
    provider = solver.provider
    texts: dict[int, list[str]] = {}
    fixed_cache: dict[int, str | None] = {}

    def versions_of(pid: int) -> list[str]:
        vt = texts.get(pid)
        if vt is None:
            pkg = solver.packages[pid]
            vt = [provider.version_text(pkg.key, c) for c in pkg.candidates]
            texts[pid] = vt
        return vt

    def fixed_of(pid: int) -> str | None:
        if pid not in fixed_cache:
            pkg = solver.packages[pid]
            probe = getattr(provider, "fixed_value", None)
            fixed_cache[pid] = probe(pkg.key) if probe is not None else None
        return fixed_cache[pid]

    def layer_of(pid: int) -> str | None:
        probe = getattr(provider, "layer_of", None)
        return probe(solver.packages[pid].key) if probe is not None else None

    def name_of(pid: int) -> str:
        return provider.package_text(solver.packages[pid].key)

    def term_info(term: Term) -> TermInfo:
        pid, allowed, absent_ok = term
        if pid == ROOT:
            return TermInfo("the request", not absent_ok, "*", "∅", is_root=True)
        vs = versions_of(pid)
        full = solver.packages[pid].full
        single = vs[allowed.bit_length() - 1] if allowed.bit_count() == 1 else None
        return TermInfo(
            name_of(pid),
            not absent_ok,
            render_bits(allowed, vs),
            render_bits(full & ~allowed, vs),
            single=single,
            fixed=fixed_of(pid),
        )

    ids: dict[int, int] = {}
    nodes: list[Node] = []
    hints: list[str] = []
    hint_of = getattr(provider, "hint", None)
    stack: list[tuple[Incompatibility, bool]] = [(failure.incompatibility, False)]
    while stack:
        inc, expanded = stack.pop()
        if id(inc) in ids:
            continue
        cause = inc.cause
        if cause.kind == "derived" and not expanded:
            assert cause.left is not None
            assert cause.right is not None
            stack.append((inc, True))
            stack.append((cause.right, False))
            stack.append((cause.left, False))
            continue
        terms = tuple(term_info(t) for t in inc.terms)
        nid = len(nodes)
        if cause.kind == "derived":
            assert cause.left is not None
            assert cause.right is not None
            node = Node(nid, "derived", terms, causes=(ids[id(cause.left)], ids[id(cause.right)]))
        elif cause.kind in ("dependency", "constraint"):
            dep = cause.dep
            assert dep is not None
            did = solver.ids[dep.package]
            dvs = versions_of(did)
            bits = solver.allowed_set(did, dep.constraint)
            is_root = cause.package == ROOT
            if hint_of is not None and not bits:
                hint = hint_of(dep.package, dep.constraint)
                if hint and hint not in hints:
                    hints.append(hint)
            node = Node(
                nid,
                cause.kind,
                terms,
                package=None if is_root else name_of(cause.package),
                version=None
                if is_root
                else _versions_label(cause.versions, versions_of(cause.package)),
                requirement=dep.text,
                dependency=name_of(did),
                matching=render_bits(bits, dvs),
                dependency_exists=bool(dvs),
                dependency_fixed=fixed_of(did),
                layer=layer_of(did),
                origin=dep.origin,
            )
        elif cause.kind == "unavailable":
            node = Node(
                nid,
                "unavailable",
                terms,
                package=name_of(cause.package),
                version=_versions_label(cause.versions, versions_of(cause.package)),
                reason=cause.reason,
            )
        else:
            node = Node(nid, cause.kind, terms)
        ids[id(inc)] = nid
        nodes.append(node)
    return Explanation(tuple(nodes), len(nodes) - 1, tuple(request), tuple(hints))
