"""What a decision does: a version whose dependencies clash is not decided, and a
candidate decided again after a backjump reuses what its first decision built.

Answers, explanations and decision sequences are pinned elsewhere (the golden files,
explanations.yaml, test_choice_order.py); these check the mechanisms themselves.
"""

from __future__ import annotations

import contextlib
import random

from compatlib import Index, Target, UnsatisfiableError, solve
from compatlib.solver.provider import Dependency
from compatlib.solver.pubgrub import DerivedCause, Solver, SolverFailure
from compatlib.sources.memory import IndexRelease

from .range_provider import Range, RangeProvider, Registry


class Recording(Solver[str, int, Range]):
    def __init__(self, provider: RangeProvider) -> None:
        super().__init__(provider)
        self.decided: list[int] = []
        self.backjumps = 0

    def _decide(self, pid: int) -> None:
        self.decided.append(pid)
        super()._decide(pid)

    def _backtrack(self, level: int) -> None:
        self.backjumps += 1
        super()._backtrack(level)


def test_dependencies_that_clash_together_are_not_decided() -> None:
    """``a 1`` needs ``b`` in [1, 2) and in [0, 1): neither alone is impossible, so
    only together they rule ``a 1`` out. The solver learns that on the spot (a
    resolvent of the two dependencies) and takes ``a 0`` without deciding ``a 1``
    and backjumping."""
    reg: Registry = {"a": [[], [("b", (1, 2), False), ("b", (0, 1), False)]], "b": [[], []]}
    solver = Recording(RangeProvider(reg))
    result = solver.solve([Dependency("a", (0, 2), "a")])
    assert result.decisions == {"a": 0}
    assert solver.backjumps == 0
    a = solver.ids["a"]
    learned = [i for i in solver.packages[a].incompats if isinstance(i.cause, DerivedCause)]
    assert [i.terms for i in learned] == [((a, 0b10, False),)]


def test_clashing_dependencies_explained() -> None:
    index = Index(
        {
            "a": [IndexRelease("1.0"), IndexRelease("2.0", ("b>=2", "b<2"))],
            "b": [IndexRelease("1.0"), IndexRelease("2.0")],
        }
    )
    target = Target(python="3.12")
    assert str(solve(["a"], index=index, target=target)) == "a==1.0"
    try:
        solve(["a==2"], index=index, target=target)
    except UnsatisfiableError as exc:
        text = exc.explanation.text
    else:
        raise AssertionError("a==2 should be unsatisfiable")
    assert text == (
        "Because a 2.0 depends on both b>=2 and b<2, a 2.0 cannot be used.\n"
        "And because you require a==2, the request cannot be satisfied."
    )


def _registry(rng: random.Random, size: int) -> Registry:
    """Each ``p{i}`` has 4 candidates needing two or three later packages within
    bounds, so bounds clash and the solver backjumps over decided packages."""
    reg: Registry = {}
    for i in range(size):
        cands = []
        for _ in range(4):
            deps = []
            for _ in range(rng.randint(2, 3) if i < size - 1 else 0):
                lo = rng.randint(0, 3)
                name = f"p{rng.randint(i + 1, min(size - 1, i + 5))}"
                deps.append((name, (lo, rng.randint(lo + 1, 4)), False))
            cands.append(deps)
        reg[f"p{i}"] = cands
    return reg


def test_a_candidate_decided_again_asks_for_its_dependencies_once() -> None:
    rng = random.Random(10)
    redecided = 0
    for _ in range(60):
        reg = _registry(rng, 12)
        provider = RangeProvider(reg)
        solver = Recording(provider)
        with contextlib.suppress(SolverFailure):
            solver.solve([Dependency(p, (0, 4), p) for p in reg])
        assert max(provider.asked.values()) == 1
        pairs = len(provider.asked)
        redecided += len(solver.decided) - 1 - pairs  # the root is not asked
    assert redecided > 50  # the registries did make the solver decide again
