"""compatlib and resolvelib on the same indexes: same answer, or both impossible.

resolvelib runs through :mod:`compatlib.testing.resolvelib_oracle`, which applies the
same rules (markers for the target, extras, Requires-Python, stable first).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compatlib import Target, UnsatisfiableError, solve
from compatlib.testing.peer import load_case
from compatlib.testing.resolvelib_oracle import solve_with_resolvelib

from .conftest import peer_files

FILES = [
    p
    for p in (
        *peer_files("resolvelib/python/inputs/case", "*.json"),
        *peer_files("resolvelib/cocoapods/inputs/case", "*.json"),
        *peer_files("resolvelib/swift-package-manager/inputs", "*.json"),
    )
    # resolvelib cannot finish pyrex (its own test is an xfail): nothing to compare
    if p.name != "pyrex-1.9.8.json"
]
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/peer-suites is not present")
TARGET = Target(python="3.8", platform="linux-64")


def _ours(requested: list[str], index: Any) -> dict[str, str] | None:
    try:
        res = solve(requested, index=index, target=TARGET)
    except UnsatisfiableError:
        return None
    return {n: str(v) for n, v in res.versions.items()}


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_same_answer_as_resolvelib(path: Path) -> None:
    case = load_case(path)
    index = case.index()
    requested = list(case.requested)
    peer = solve_with_resolvelib(requested, index=index, target=TARGET)
    if peer.rounds_exceeded:
        pytest.skip(f"resolvelib gave up: {peer.error}")
    ours = _ours(requested, index)
    theirs = None if peer.versions is None else {n: str(v) for n, v in peer.versions.items()}
    if ours is None or theirs is None:
        assert ours is None
        assert theirs is None
        return
    # both found a solution: each must be valid; on these indexes they coincide
    assert ours == theirs
