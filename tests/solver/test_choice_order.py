"""The solver's priority queue makes exactly the choices of a full scan.

:meth:`Solver._choose` keeps undecided required packages in a heap instead of
scanning every package at each decision; answers and explanations are pinned
elsewhere, and this checks the decision sequence itself against the scan on
random registries with conflicts, backjumps and unavailable candidates.
"""

from __future__ import annotations

import random

import pytest

from compatlib.solver.provider import Dependency
from compatlib.solver.pubgrub import Solver, SolverFailure

from .range_provider import Range, RangeProvider, Registry


class ScanSolver(Solver[str, int, Range]):
    """The former choice: scan every package, smallest key wins."""

    def _choose(self) -> int:
        best, best_key = -1, None
        for pid, pkg in enumerate(self.packages):
            if pkg.decided >= 0 or pkg.acc_absent:
                continue
            count = pkg.acc_allowed.bit_count()
            key = (0 if count == 1 else 1, -pkg.conflicts, pkg.order)
            if best_key is None or key < best_key:
                best, best_key = pid, key
        if best < 0:
            return -1
        self._decide(best)
        return best


def registry(
    rng: random.Random, size: int, versions: int, fanout: int
) -> tuple[Registry, list[tuple[str, Range, bool]]]:
    """A random registry: ``size`` packages of up to ``versions`` candidates, each
    with up to ``fanout`` dependencies (one in six a ``constrains``), one in ten
    candidates unavailable."""
    names = [f"p{i}" for i in range(size)]

    def dep(exclude: str) -> tuple[str, Range, bool]:
        lo = rng.randint(0, versions - 1)
        hi = rng.randint(lo, versions)
        return rng.choice([n for n in names if n != exclude]), (lo, hi), rng.randint(0, 5) == 0

    reg: Registry = {
        name: [
            None if rng.randint(0, 9) == 0 else [dep(name) for _ in range(rng.randint(0, fanout))]
            for _ in range(rng.randint(0, versions))
        ]
        for name in names
    }
    return reg, [dep("") for _ in range(rng.randint(1, 3))]


def trace(
    cls: type[Solver[str, int, Range]], reg: Registry, roots: list[tuple[str, Range, bool]]
) -> tuple[object, ...]:
    """The packages chosen, in order, and the outcome."""
    solver = cls(RangeProvider(reg))
    chosen: list[int] = []
    decide = solver._decide

    def recording(pid: int) -> None:
        chosen.append(pid)
        decide(pid)

    solver._decide = recording  # type: ignore[method-assign]
    root_deps = [Dependency(d, r, d, "constrains" if c else "requires") for d, r, c in roots]
    try:
        result: object = solver.solve(root_deps).decisions
    except SolverFailure as failure:
        result = repr(failure.incompatibility.terms)
    return tuple(chosen), result, len(solver.trail)


@pytest.mark.parametrize(("size", "versions", "fanout"), [(8, 4, 3), (10, 6, 4), (12, 6, 3)])
def test_queue_makes_the_scan_choices(size: int, versions: int, fanout: int) -> None:
    rng = random.Random(size * 100 + versions * 10 + fanout)
    for _ in range(300):
        reg, roots = registry(rng, size, versions, fanout)
        assert trace(Solver, reg, roots) == trace(ScanSolver, reg, roots), (reg, roots)


def test_void_root_dependency_with_conflicting_root_dependencies() -> None:
    """A root dependency no candidate can meet keeps the root undecided, so the
    conflict between two other root dependencies is found at level 0; it used to
    trip an assertion instead of failing with an explanation."""
    reg: Registry = {"a": [[], [], [], []], "b": []}
    roots = [("a", (1, 2), False), ("a", (2, 4), False), ("b", (0, 1), False)]
    chosen, result, _ = trace(Solver, reg, roots)
    assert chosen == (0,)
    assert isinstance(result, str)
