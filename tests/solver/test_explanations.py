"""Pinned explanation texts for a curated set of conflicts (explanations.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from compatlib import Target, UnsatisfiableError, solve
from compatlib.sources.memory import Index, IndexRelease

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "explanations.yaml").read_text(encoding="utf-8")
)


def _index(data: dict[str, dict[str, dict[str, Any]]]) -> Index:
    return Index(
        {
            name: [
                IndexRelease(
                    str(v),
                    tuple(rel.get("requires", ())),
                    rel.get("requires_python"),
                    bool(rel.get("yanked", False)),
                )
                for v, rel in versions.items()
            ]
            for name, versions in data.items()
        }
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_pinned_text(case: dict[str, Any]) -> None:
    idx = _index(case["index"])
    target = Target(python=case["python"])
    if case["explanation"] is None:
        solve(case["request"], index=idx, target=target)
        return
    with pytest.raises(UnsatisfiableError) as info:
        solve(case["request"], index=idx, target=target)
    expl = info.value.explanation
    assert expl.text == case["explanation"]
    assert str(info.value).startswith(case["explanation"])
    # the data form is JSON-ready and carries the same text
    data = json.loads(json.dumps(expl.to_dict()))
    assert data["text"] == case["explanation"]
    assert data["request"] == case["request"]


def test_every_line_is_one_sentence_ending_the_request() -> None:
    for case in CASES:
        if case["explanation"] is None:
            continue
        lines = case["explanation"].splitlines()
        assert all(line.endswith(".") for line in lines)
        assert lines[-1].endswith("cannot be satisfied.") or len(lines) == 1


def test_shared_derivations_are_numbered_once() -> None:
    case = next(c for c in CASES if c["name"] == "numbered shared derivation")
    text: str = case["explanation"]
    lines = text.splitlines()
    introduced = [i for i, line in enumerate(lines) if line.endswith("(1).")]
    assert len(introduced) == 1
    referred = [i for i, line in enumerate(lines) if "(1)," in line]
    assert referred
    assert all(i > introduced[0] for i in referred)
