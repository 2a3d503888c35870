"""Golden reports (text, hints, verified fixes) of the cross-layer scenarios.

scenarios.yaml pins each scenario's text and fix texts; the golden files in
tests/solver/golden/stack/ pin the whole report the CLI prints, hints included,
so a change of wording shows as a diff. Regenerate after a deliberate change::

    COMPATLIB_UPDATE_GOLDEN=1 python -m pytest -q tests/stack/test_golden.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from .test_scenarios import SCENARIOS, run

GOLDEN = Path(__file__).parents[1] / "solver" / "golden" / "stack"
UPDATE = os.environ.get("COMPATLIB_UPDATE_GOLDEN") == "1"


def _file(case: dict[str, Any]) -> Path:
    return GOLDEN / (re.sub(r"[^a-z0-9]+", "-", case["name"].lower()).strip("-") + ".txt")


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_golden(case: dict[str, Any]) -> None:
    got = run(case).explanation.report + "\n"
    golden = _file(case)
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file; run with COMPATLIB_UPDATE_GOLDEN=1 to write {golden}"
    assert got == golden.read_text(encoding="utf-8")


def test_one_file_per_scenario() -> None:
    expected = {_file(c) for c in SCENARIOS}
    assert len(expected) == len(SCENARIOS)
    stale = sorted(p.name for p in GOLDEN.glob("*.txt") if p not in expected)
    assert not stale, f"golden files without a scenario: {stale}"
