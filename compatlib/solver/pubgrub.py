"""A conflict-driven solver in the PubGrub family.

Vocabulary follows the PubGrub write-up: a *term* says something about one
package (it is present with a version in a set, or it is absent or outside a
set); an *incompatibility* is a set of terms that must not all hold; the
*partial solution* is the ordered list of *assignments* (decisions and
derivations) at *decision levels*. Unit propagation derives new assignments,
conflict resolution learns new incompatibilities and backjumps.

Version sets are bitsets over a package's candidates (Python ints), so set
algebra is a few integer operations. A term is ``(allowed, absent_ok)``: the
candidates it allows, and whether the package may be missing. Positive terms
have ``absent_ok=False``; negative terms have ``absent_ok=True``.

Each incompatibility carries its :data:`Cause`, one small class per kind (as
pubgrub-rs's ``Kind``): :class:`RootCause`, :class:`DependencyCause`,
:class:`ConstraintCause`, :class:`UnavailableCause` and :class:`DerivedCause`.

The solver is generic over the provider's key, candidate and constraint types
(:class:`~compatlib.solver.provider.Provider`); keys only need to be hashable.
The request itself is the synthetic root package (id :data:`ROOT`), which has
no key: results name it ``None``.

Everything here is iterative; there is no recursion to overflow.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from heapq import heappop, heappush
from typing import Any, Generic, TypeVar

from compatlib._values import field, value
from compatlib.solver.provider import Dependency, Provider, Unavailable

__all__ = [
    "ROOT",
    "Cause",
    "ConstraintCause",
    "DependencyCause",
    "DerivedCause",
    "Incompatibility",
    "RequirementCause",
    "RootCause",
    "SolveResult",
    "Solver",
    "SolverFailure",
    "UnavailableCause",
]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
C = TypeVar("C", bound=Hashable)

ROOT = 0  # package id of the synthetic root package

# relation results
_SATISFIED = 0
_CONTRADICTED = 1
_INCONCLUSIVE = 2
_ALMOST = 3

Term = tuple[int, int, bool]  # (package id, allowed bitset, absent_ok)


@value
class RootCause:
    """The root package must be chosen: the request is to be met."""


@value
class RequirementCause:
    """Candidates of ``package`` (the bitset ``versions``; all of the root's
    for a request) share the requirement ``dep`` (the latest of them)."""

    package: int
    versions: int
    dep: Dependency[Any, Any]


@value
class DependencyCause(RequirementCause):
    """A ``requires`` dependency: the package must be present and match."""


@value
class ConstraintCause(RequirementCause):
    """A ``constrains`` dependency: the package, if present, must match."""


@value
class UnavailableCause:
    """Candidates ``versions`` of ``package`` cannot be used at all: ``reason``."""

    package: int
    versions: int
    reason: str


@value
class DerivedCause:
    """Learned by conflict resolution from two earlier incompatibilities."""

    left: Incompatibility
    right: Incompatibility


Cause = RootCause | DependencyCause | ConstraintCause | UnavailableCause | DerivedCause


@value(frozen=False, eq=False)
class Incompatibility:
    """Terms that must not all be true at once."""

    terms: tuple[Term, ...]
    cause: Cause


@value(frozen=False)
class _Assignment:
    package: int
    allowed: int
    absent_ok: bool
    level: int
    cause: Incompatibility | None  # None for decisions
    acc_allowed: int  # the package's accumulated term after this assignment
    acc_absent: bool


@value(frozen=False)
class _Package:
    key: Any  # the provider's key; None for the root
    candidates: Sequence[Any]
    full: int
    acc_allowed: int
    acc_absent: bool = True
    decided: int = -1  # candidate index, -1 when undecided
    assignments: list[int] = field(default_factory=list)  # global indices
    incompats: list[Incompatibility] = field(default_factory=list)
    order: int = -1  # when it first became required (for decision order)
    conflicts: int = 0


def _priority(pkg: _Package) -> tuple[int, int, int]:
    """A required package's choice key, smallest first: one candidate left,
    then the most conflicts, then the first required."""
    return (0 if pkg.acc_allowed.bit_count() == 1 else 1, -pkg.conflicts, pkg.order)


@value
class SolveResult(Generic[K, V, C]):
    """A solution: chosen candidates and the requires-edges between them.

    ``edges`` are ``(from, to, requirement text)``; ``dependencies`` maps each
    chosen package to the dependencies of its chosen candidate. The request is
    ``None`` in both.
    """

    decisions: dict[K, V]
    edges: tuple[tuple[K | None, K, str], ...]
    dependencies: dict[K | None, tuple[Dependency[K, C], ...]] = field(default_factory=dict)


class SolverFailure(Exception):
    """Raised by :meth:`Solver.solve` with the root-cause incompatibility."""

    def __init__(self, incompat: Incompatibility, solver: Solver[Any, Any, Any]) -> None:
        super().__init__("unsatisfiable")
        self.incompatibility = incompat
        self.solver = solver


class Solver(Generic[K, V, C]):
    """One solve over a provider. Create a new one per solve.

    ``strategy`` is ``"newest"``, ``"lowest"`` or ``"lowest-direct"`` (lowest for
    the root's own dependencies, newest for the rest, as uv's option); ``prefer``
    maps packages to a constraint whose matching candidates are tried first
    (prefer-locked); ``direct`` adds packages that count as the root's own for
    ``lowest-direct`` (the root's dependencies always do).
    """

    def __init__(
        self,
        provider: Provider[K, V, C],
        *,
        strategy: str = "newest",
        prefer: Mapping[K, C] | None = None,
        direct: Iterable[K] = (),
    ) -> None:
        if strategy not in ("newest", "lowest", "lowest-direct"):
            raise ValueError(f"unknown strategy {strategy!r}")
        self.provider = provider
        self.strategy = strategy
        self.prefer: dict[K, C] = dict(prefer or {})
        # the root (id 0) has one candidate and no key
        self.packages: list[_Package] = [_Package(None, ("root",), 1, 1)]
        self.ids: dict[K, int] = {}
        self.trail: list[_Assignment] = []
        self.level = 0
        self._set_cache: dict[tuple[int, C], int] = {}
        self._pref_masks: dict[int, int] = {}
        # (package, dependency, allowed bits, constrains?) -> the shared
        # incompatibility and the bitset of the candidates sharing it
        self._merged: dict[tuple[int, int, int, bool], tuple[Incompatibility, int]] = {}
        self._required_counter = 0
        # packages to decide, keyed by their choice priority (see _choose); an
        # entry is pushed whenever a package's priority may have changed, and
        # stale entries are dropped when they surface
        self._queue: list[tuple[int, int, int, int]] = []
        self.root_deps: tuple[Dependency[K, C], ...] = ()
        self._direct: set[K] = set(direct)  # the root's own packages (lowest-direct)
        self.deps_of: dict[tuple[int, int], Sequence[Dependency[K, C]]] = {}
        # id of a dependency held in deps_of -> (its package id, its allowed bits),
        # so deciding a candidate again neither hashes constraints nor keys
        self._targets: dict[int, tuple[int, int]] = {}

    # -- packages and sets -----------------------------------------------------
    def _package_id(self, key: K) -> int:
        pid = self.ids.get(key)
        if pid is None:
            cands = self.provider.candidates(key)
            full = (1 << len(cands)) - 1
            pid = len(self.packages)
            self.packages.append(_Package(key, cands, full, full))
            self.ids[key] = pid
        return pid

    def allowed_set(self, pid: int, constraint: C) -> int:
        """The bitset of ``pid``'s candidates that satisfy ``constraint``."""
        ck = (pid, constraint)
        bits = self._set_cache.get(ck)
        if bits is None:
            pkg = self.packages[pid]
            contains = self.provider.contains
            bits = 0
            for i, c in enumerate(pkg.candidates):
                if contains(pkg.key, constraint, c):
                    bits |= 1 << i
            self._set_cache[ck] = bits
        return bits

    # -- incompatibilities -----------------------------------------------------
    def _make(self, terms: Sequence[Term], cause: Cause) -> Incompatibility | None:
        """Build an incompatibility, merging terms per package.

        Returns ``None`` when a term can never hold (the incompatibility is void).
        Terms that always hold are dropped.
        """
        merged: dict[int, tuple[int, bool]] = {}
        for pid, allowed, absent_ok in terms:
            prev = merged.get(pid)
            if prev is not None:
                allowed, absent_ok = prev[0] & allowed, prev[1] and absent_ok
            merged[pid] = (allowed, absent_ok)
        out: list[Term] = []
        for pid, (allowed, absent_ok) in merged.items():
            full = self.packages[pid].full
            if allowed == 0 and not absent_ok:
                return None  # never true
            if allowed == full and absent_ok:
                continue  # always true
            out.append((pid, allowed, absent_ok))
        return Incompatibility(tuple(out), cause)

    def _add(self, incompat: Incompatibility) -> None:
        for pid, _, _ in incompat.terms:
            self.packages[pid].incompats.append(incompat)

    def _dependency_incompat(
        self, pid: int, version: int, dep: Dependency[K, C]
    ) -> Incompatibility | None:
        """The incompatibility for one dependency of one candidate.

        Candidates of the same package whose dependency allows the same set of
        the other package's versions share one incompatibility (the older one is
        retired), so learned clauses and explanations speak of version ranges.
        """
        target = self._targets.get(id(dep))
        if target is None:
            did = self._package_id(dep.package)
            target = self._targets[id(dep)] = (did, self.allowed_set(did, dep.constraint))
        did, bits = target
        dpkg = self.packages[did]
        constrains = dep.kind == "constrains"
        own_bits = 1 << version if pid != ROOT else 1
        key = (pid, did, bits, constrains)
        previous = self._merged.get(key)
        if previous is not None and pid != ROOT:
            shared, previous_bits = previous
            for tpid, _, _ in shared.terms:
                lst = self.packages[tpid].incompats
                for i in range(len(lst) - 1, -1, -1):
                    if lst[i] is shared:
                        del lst[i]
                        break
            same = shared.cause
            if previous_bits & own_bits and isinstance(same, RequirementCause) and same.dep is dep:
                # the same candidate and dependency again (decided again after a
                # backjump): the same incompatibility, moved to the newest place
                return shared
            own_bits |= previous_bits
        cause: Cause
        if constrains:
            cause = ConstraintCause(pid, own_bits, dep)
            dterm: Term = (did, dpkg.full & ~bits, False)
        else:
            cause = DependencyCause(pid, own_bits, dep)
            dterm = (did, dpkg.full & ~bits, True)
        made = self._make(((pid, own_bits, False), dterm), cause)
        if made is not None:
            self._merged[key] = (made, own_bits)
        return made

    # -- partial solution ----------------------------------------------------------
    def _assign(
        self, pid: int, allowed: int, absent_ok: bool, cause: Incompatibility | None
    ) -> None:
        pkg = self.packages[pid]
        acc_allowed = pkg.acc_allowed & allowed
        acc_absent = pkg.acc_absent and absent_ok
        pkg.acc_allowed, pkg.acc_absent = acc_allowed, acc_absent
        if not acc_absent:
            if pkg.order < 0:
                pkg.order = self._required_counter
                self._required_counter += 1
            if pkg.decided < 0 and cause is not None:
                self._enqueue(pid, pkg)
        pkg.assignments.append(len(self.trail))
        self.trail.append(
            _Assignment(pid, allowed, absent_ok, self.level, cause, acc_allowed, acc_absent)
        )

    def _enqueue(self, pid: int, pkg: _Package) -> None:
        heappush(self._queue, (*_priority(pkg), pid))

    def _backtrack(self, level: int) -> None:
        trail = self.trail
        touched: set[int] = set()
        while trail and trail[-1].level > level:
            a = trail.pop()
            touched.add(a.package)
            pkg = self.packages[a.package]
            pkg.assignments.pop()
            if pkg.assignments:
                last = trail[pkg.assignments[-1]]
                pkg.acc_allowed, pkg.acc_absent = last.acc_allowed, last.acc_absent
            else:
                pkg.acc_allowed, pkg.acc_absent = pkg.full, True
            if a.cause is None:
                pkg.decided = -1
            if pkg.acc_absent:
                pkg.order = -1
        self.level = level
        packages = self.packages
        for pid in touched:
            pkg = packages[pid]
            if pkg.decided < 0 and not pkg.acc_absent:
                self._enqueue(pid, pkg)

    def _relation(self, incompat: Incompatibility) -> tuple[int, Term | None]:
        unsatisfied: Term | None = None
        packages = self.packages
        for term in incompat.terms:
            pid, allowed, absent_ok = term
            pkg = packages[pid]
            acc_a, acc_o = pkg.acc_allowed, pkg.acc_absent
            if not (acc_a & ~allowed) and (absent_ok or not acc_o):
                continue  # satisfied
            if not (acc_a & allowed) and not (acc_o and absent_ok):
                return _CONTRADICTED, None
            if unsatisfied is not None:
                return _INCONCLUSIVE, None
            unsatisfied = term
        if unsatisfied is None:
            return _SATISFIED, None
        return _ALMOST, unsatisfied

    # -- the main loop -------------------------------------------------------------------
    def solve(self, root_dependencies: Sequence[Dependency[K, C]]) -> SolveResult[K, V, C]:
        """Solve for the root dependencies; raise :class:`SolverFailure` if impossible."""
        self.root_deps = tuple(root_dependencies)
        self._direct.update(dep.package for dep in self.root_deps)
        root_incompat = Incompatibility(((ROOT, 0, True),), RootCause())
        self._add(root_incompat)
        nxt = ROOT
        while True:
            self._propagate(nxt)
            chosen = self._choose()
            if chosen < 0:
                return self._result()
            nxt = chosen

    def _propagate(self, start: int) -> None:
        changed = [start]
        in_changed = {start}
        packages = self.packages
        while changed:
            pid = changed.pop()
            in_changed.discard(pid)
            incompats = packages[pid].incompats
            for i in range(len(incompats) - 1, -1, -1):
                incompat = incompats[i]
                rel, term = self._relation(incompat)
                if rel == _SATISFIED:
                    root_cause = self._resolve_conflict(incompat)
                    rel, term = self._relation(root_cause)
                    assert rel == _ALMOST
                    assert term is not None
                    tpid, t_allowed, t_absent = term
                    self._assign(tpid, packages[tpid].full & ~t_allowed, not t_absent, root_cause)
                    changed = [tpid]
                    in_changed = {tpid}
                    break
                if rel == _ALMOST:
                    assert term is not None
                    tpid, t_allowed, t_absent = term
                    self._assign(tpid, packages[tpid].full & ~t_allowed, not t_absent, incompat)
                    if tpid not in in_changed:
                        changed.append(tpid)
                        in_changed.add(tpid)

    def _satisfier(self, term: Term, start_allowed: int, start_absent: bool) -> int:
        """Global index of the earliest assignment of ``term``'s package whose
        accumulation (intersected with a starting term) satisfies ``term``; -1 if
        the starting term alone does."""
        pid, allowed, absent_ok = term
        if not (start_allowed & ~allowed) and (absent_ok or not start_absent):
            return -1
        trail = self.trail
        for gi in self.packages[pid].assignments:
            a = trail[gi]
            acc_a = a.acc_allowed & start_allowed
            acc_o = a.acc_absent and start_absent
            if not (acc_a & ~allowed) and (absent_ok or not acc_o):
                return gi
        raise AssertionError("term is not satisfied by the partial solution")

    def _resolve_conflict(self, incompat: Incompatibility) -> Incompatibility:
        trail = self.trail
        packages = self.packages
        original = incompat
        while True:
            terms = incompat.terms
            if not terms or (len(terms) == 1 and terms[0][0] == ROOT and not terms[0][2]):
                raise SolverFailure(incompat, self)
            # the satisfier: the latest among each term's earliest satisfier
            sat_index = -1
            sat_term: Term = terms[0]
            sat_of: list[int] = []
            for term in terms:
                pkg = packages[term[0]]
                gi = self._satisfier(term, pkg.full, True)
                sat_of.append(gi)
                if gi > sat_index:
                    sat_index, sat_term = gi, term
            satisfier = trail[sat_index]
            # never backjump past the root's decision (level 1); before it, as when
            # a root dependency is void and the root is not decided, resolve on
            prev_level = min(1, satisfier.level)
            for term, gi in zip(terms, sat_of, strict=True):
                if term is not sat_term and gi >= 0:
                    prev_level = max(prev_level, trail[gi].level)
            # for the satisfier's own package: an earlier assignment that, with the
            # satisfier's own term, already satisfies the incompatibility's term
            spid = sat_term[0]
            pgi = self._satisfier(sat_term, satisfier.allowed, satisfier.absent_ok)
            if 0 <= pgi < sat_index:
                prev_level = max(prev_level, trail[pgi].level)
            if satisfier.cause is None or prev_level != satisfier.level:
                if incompat is not original:
                    self._add(incompat)
                for term in terms:
                    packages[term[0]].conflicts += 1
                self._backtrack(prev_level)
                for term in terms:
                    pkg = packages[term[0]]
                    if pkg.decided < 0 and not pkg.acc_absent:
                        self._enqueue(term[0], pkg)
                return incompat
            cause_incompat = satisfier.cause
            new_terms: list[Term] = [t for t in terms if t[0] != spid]
            new_terms.extend(t for t in cause_incompat.terms if t[0] != spid)
            # satisfier \ term = satisfier.term ∩ not(term)
            full = packages[spid].full
            diff_allowed = satisfier.allowed & (full & ~sat_term[1])
            diff_absent = satisfier.absent_ok and not sat_term[2]
            if diff_allowed or diff_absent:
                # add not(diff)
                new_terms.append((spid, full & ~diff_allowed, not diff_absent))
            made = self._make(new_terms, DerivedCause(incompat, cause_incompat))
            assert made is not None
            incompat = made

    def _choose(self) -> int:
        """Pick the next package to decide and decide it; -1 when all are decided.

        The choice is the undecided required package with the smallest key
        ``(not single candidate, -conflicts, order)``; ``order`` is unique among
        required packages, so the key alone fixes the choice. The queue holds an
        entry with the current key for every such package (and stale entries,
        skipped here), so a choice costs O(log n) rather than a scan.
        """
        queue = self._queue
        packages = self.packages
        while queue:
            entry = queue[0]
            pid = entry[3]
            pkg = packages[pid]
            if pkg.decided >= 0 or pkg.acc_absent or entry[:3] != _priority(pkg):
                heappop(queue)
                continue
            self._decide(pid)
            return pid
        return -1

    def _preferred_mask(self, pid: int) -> int:
        mask = self._pref_masks.get(pid)
        if mask is None:
            pkg = self.packages[pid]
            preferred = self.provider.is_preferred
            mask = 0
            for i, c in enumerate(pkg.candidates):
                if pid == ROOT or preferred(pkg.key, c):
                    mask |= 1 << i
            self._pref_masks[pid] = mask
        return mask

    def _pick_version(self, pid: int, allowed: int) -> int:
        pkg = self.packages[pid]
        pref = self.prefer.get(pkg.key)
        if pref is not None:
            preferred = allowed & self.allowed_set(pid, pref)
            if preferred:
                allowed = preferred
        tier = allowed & self._preferred_mask(pid)
        if tier:
            allowed = tier
        if self.strategy == "lowest" or (
            self.strategy == "lowest-direct" and pkg.key in self._direct
        ):
            return (allowed & -allowed).bit_length() - 1
        return allowed.bit_length() - 1

    def _dependencies(self, pid: int, version: int) -> Sequence[Dependency[K, C]] | Unavailable:
        if pid == ROOT:
            return self.root_deps
        pkg = self.packages[pid]
        return self.provider.dependencies(pkg.key, pkg.candidates[version])

    def _decide(self, pid: int) -> None:
        pkg = self.packages[pid]
        version = self._pick_version(pid, pkg.acc_allowed)
        # a candidate decided again after a backjump: its dependencies are known
        deps: Sequence[Dependency[K, C]] | Unavailable | None = self.deps_of.get((pid, version))
        if deps is None:
            deps = self._dependencies(pid, version)
        if isinstance(deps, Unavailable):
            self._add(
                Incompatibility(
                    ((pid, 1 << version, False),),
                    UnavailableCause(pid, 1 << version, deps.reason),
                )
            )
            return
        self.deps_of[(pid, version)] = deps
        conflict = False
        # this version's dependencies on one package, taken together (see below)
        together: dict[int, Incompatibility] = {}
        # added last-first: propagation visits the newest first, so packages become
        # required (and are decided) in the order the dependencies are declared
        for dep in reversed(deps):
            incompat = self._dependency_incompat(pid, version, dep)
            if incompat is None:
                continue
            self._add(incompat)
            if conflict:
                continue
            # would deciding make this incompatibility satisfied right away?
            if self._holds_but(incompat, pid):
                conflict = True
                continue
            # Or several dependencies on one package together (``b>=8`` and
            # ``b<3``, or bounds that only together miss what is left of b)? Their
            # resolvent is learned now and the version is not decided, as when a
            # single dependency cannot be met: deciding it would only find the
            # conflict in propagation and backjump, often to the first level.
            did = next((t[0] for t in incompat.terms if t[0] != pid), -1)
            if did < 0:
                continue
            previous = together.get(did)
            if previous is None:
                together[did] = incompat
                continue
            # (the order of the two facts is the one conflict resolution gave
            # when the version was decided and failed, so explanations read the same)
            pair = (previous, incompat) if pid == ROOT else (incompat, previous)
            combined = self._resolvent(*pair, pid, did)
            together[did] = combined
            if self._holds_but(combined, pid):
                self._add(combined)
                for tpid, _, _ in combined.terms:
                    tpkg = self.packages[tpid]
                    tpkg.conflicts += 1
                    if tpkg.decided < 0 and not tpkg.acc_absent:
                        self._enqueue(tpid, tpkg)
                conflict = True
        if not conflict:
            self.level += 1
            self._assign(pid, 1 << version, False, None)
            pkg.decided = version

    def _holds_but(self, incompat: Incompatibility, pid: int) -> bool:
        """Whether every term of ``incompat`` but ``pid``'s already holds."""
        packages = self.packages
        for tpid, allowed, absent_ok in incompat.terms:
            if tpid == pid:
                continue
            tp = packages[tpid]
            if (tp.acc_allowed & ~allowed) or (tp.acc_absent and not absent_ok):
                return False
        return True

    def _resolvent(
        self, left: Incompatibility, right: Incompatibility, pid: int, did: int
    ) -> Incompatibility:
        """Two dependencies of ``pid``'s candidates on ``did``, resolved on ``did``:
        the candidates in both need ``did`` in both sets."""
        own = -1
        dep_allowed, dep_absent = 0, False
        for incompat in (left, right):
            for tpid, allowed, absent_ok in incompat.terms:
                if tpid == pid:
                    own &= allowed
                else:
                    dep_allowed |= allowed
                    dep_absent = dep_absent or absent_ok
        made = self._make(
            ((pid, own, False), (did, dep_allowed, dep_absent)), DerivedCause(left, right)
        )
        assert made is not None  # both hold the version being decided
        return made

    def _result(self) -> SolveResult[K, V, C]:
        decisions: dict[K, V] = {}
        edges: list[tuple[K | None, K, str]] = []
        for pid, pkg in enumerate(self.packages):
            if pid == ROOT or pkg.decided < 0:
                continue
            decisions[pkg.key] = pkg.candidates[pkg.decided]
        dependencies: dict[K | None, tuple[Dependency[K, C], ...]] = {}
        for pid, pkg in enumerate(self.packages):
            if pkg.decided < 0:
                continue
            deps = self.deps_of.get((pid, pkg.decided), ())
            src: K | None = pkg.key  # None for the root
            dependencies[src] = tuple(deps)
            for dep in deps:
                if dep.kind == "requires" and dep.package in decisions:
                    edges.append((src, dep.package, dep.text))
        return SolveResult(decisions, tuple(edges), dependencies)
