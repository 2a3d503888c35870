"""Cross-layer scenarios (scenarios.yaml): the right layer, the right numbers,
pinned explanation text, and at least the expected verified fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compatlib import Target, UnsatisfiableError, solve
from compatlib.stack.knowledge import curated_environments
from compatlib.stack.profile import parse_system

from .stack_index import framework_index

HERE = Path(__file__).parent
SCENARIOS: list[dict[str, Any]] = yaml.safe_load((HERE / "scenarios.yaml").read_text("utf-8"))


def run(case: dict[str, Any]) -> UnsatisfiableError:
    constraints: list[str | tuple[str, str]] = []
    python = case.get("python")
    if "curated" in case:
        env = next(e for e in curated_environments() if e.name == case["curated"])
        python = env.python
        variant = "cu" + (env.cuda or "").replace(".", "")
        origin = f"the Azure ML environment {env.name}"
        constraints = [(f"{name}=={version}+{variant}", origin) for name, version in env.packages]
    target = Target(python=python, platform="linux-64", system=parse_system(case["system"]))
    with pytest.raises(UnsatisfiableError) as info:
        solve(
            case["request"],
            index=framework_index(case["index"]),
            target=target,
            constraints=constraints,
        )
    return info.value


def test_at_least_25_scenarios() -> None:
    assert len(SCENARIOS) >= 25
    assert len({c["name"] for c in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_scenario(case: dict[str, Any]) -> None:
    err = run(case)
    expl = err.explanation
    assert expl.text == case["text"]
    if case.get("layer"):
        assert any(n.layer == case["layer"] for n in expl.requirements()), (
            "the explanation must name the layer"
        )
    kinds = [f.kind for f in expl.fixes]
    for kind in case["fixes"]:
        assert kind in kinds, f"expected a {kind} fix, got {kinds}"
    assert expl.fixes, "at least one verified fix"
    assert [f.text for f in expl.fixes] == case["fix_texts"]
