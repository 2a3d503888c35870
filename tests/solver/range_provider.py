"""A provider over integer candidates and ranges, for tests of the solver's own
mechanisms (test_choice_order.py, test_decisions.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from compatlib.solver.provider import BaseProvider, Dependency, Unavailable

Range = tuple[int, int]  # lo <= candidate < hi
#: package -> per candidate: ``(package, range, constrains)`` dependencies, or
#: ``None`` for an unavailable candidate
Registry = dict[str, list[list[tuple[str, Range, bool]] | None]]


class RangeProvider(BaseProvider[str, int, Range]):
    """Candidates ``0..n-1`` per package; counts the dependency questions."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.asked: Counter[tuple[str, int]] = Counter()

    def candidates(self, package: str) -> Sequence[int]:
        return range(len(self.registry.get(package, [])))

    def contains(self, package: str, constraint: Range, candidate: int) -> bool:
        return constraint[0] <= candidate < constraint[1]

    def dependencies(
        self, package: str, candidate: int
    ) -> Sequence[Dependency[str, Range]] | Unavailable:
        self.asked[(package, candidate)] += 1
        deps = self.registry[package][candidate]
        if deps is None:
            return Unavailable("broken")
        return [
            Dependency(d, r, f"{d}[{r[0]},{r[1]})", "constrains" if c else "requires")
            for d, r, c in deps
        ]

    def package_text(self, package: str) -> str:
        return package

    def version_text(self, package: str, candidate: int) -> str:
        return str(candidate)
