"""pubgrub's large crates.io-shaped registries: every (package, version) solved,
each answer checked against a SAT encoding of the same registry (pycosat)."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement

from compatlib import Index, Target, UnsatisfiableError, solve
from compatlib.testing.peer import load_index

from .conftest import peer_files

FILES = peer_files("pubgrub", "*.ron")
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/peer-suites is not present")
TARGET = Target(python="3.12")


class _Encoding:
    """One boolean variable per (package, version); a CNF of the registry."""

    def __init__(self, index: Index) -> None:
        self.var: dict[tuple[str, str], int] = {}
        for name in index.packages():
            for v in index.versions(name):
                self.var[(name, v)] = len(self.var) + 1
        self.clauses: list[list[int]] = []
        for name in index.packages():
            vs = [self.var[(name, v)] for v in index.versions(name)]
            for i, a in enumerate(vs):  # at most one version of each package
                for b in vs[i + 1 :]:
                    self.clauses.append([-a, -b])
            for v in index.versions(name):
                for text in index.release(name, v).requires:
                    req = Requirement(text)
                    allowed = [
                        self.var[(req.name, w)]
                        for w in index.versions(req.name)
                        if req.specifier.contains(w, prereleases=True)
                    ]
                    self.clauses.append([-self.var[(name, v)], *allowed])

    def satisfiable(self, name: str, version: str) -> bool:
        import pycosat

        return pycosat.solve([*self.clauses, [self.var[(name, version)]]]) != "UNSAT"


def _valid(index: Index, chosen: dict[str, str]) -> bool:
    for name, v in chosen.items():
        for text in index.release(name, v).requires:
            req = Requirement(text)
            if req.name not in chosen or not req.specifier.contains(
                chosen[req.name], prereleases=True
            ):
                return False
    return True


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_package_version_agrees_with_sat(path: Path) -> None:
    pytest.importorskip("pycosat")
    index = load_index(path)
    sat = _Encoding(index)
    checked = 0
    for name in index.packages():
        for v in index.versions(name):
            try:
                res = solve([f"{name}=={v}"], index=index, target=TARGET, fixes=False)
            except UnsatisfiableError as exc:
                explained = bool(exc.explanation.text)
                res = None
            if res is None:
                assert not sat.satisfiable(name, v), f"{name} {v}: solver says no, SAT says yes"
                assert explained
            else:
                chosen = {n: str(x) for n, x in res.versions.items()}
                assert chosen[name] == v
                assert _valid(index, chosen)
            checked += 1
    assert checked == sum(len(index.versions(n)) for n in index.packages())
