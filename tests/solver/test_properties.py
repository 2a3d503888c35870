"""Property tests of the solver against a brute-force oracle on small registries.

Each generated registry has a few packages with a few versions; each version
depends on other packages with a random range. The oracle enumerates every
assignment (each package absent or at one version) and checks every constraint.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from compatlib import Target, UnsatisfiableError, solve
from compatlib.solver.tree import DependencyNode
from compatlib.sources.memory import Index, IndexRelease

TARGET = Target(python="3.12", platform="linux-64")
NAMES = ["a", "b", "c", "d"]
VERSIONS = ["1", "2", "3"]

Registry = dict[str, dict[str, list[str]]]  # name -> version -> requirement strings


@st.composite
def specs(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["any", ">=", "<", "==", "!=", "range"]))
    v = draw(st.sampled_from(["1", "2", "3", "4"]))
    if kind == "any":
        return ""
    if kind == "range":
        lo, hi = sorted(
            draw(st.lists(st.sampled_from(["1", "2", "3", "4"]), min_size=2, max_size=2))
        )
        return f">={lo},<{hi}"
    return f"{kind}{v}"


@st.composite
def registries(draw: st.DrawFn) -> tuple[Registry, list[str]]:
    n = draw(st.integers(2, len(NAMES)))
    names = NAMES[:n]
    reg: Registry = {}
    for name in names:
        versions = draw(st.lists(st.sampled_from(VERSIONS), min_size=0, max_size=3, unique=True))
        reg[name] = {}
        for v in sorted(versions):
            deps = draw(
                st.lists(st.sampled_from([x for x in names if x != name]), max_size=2, unique=True)
            )
            reg[name][v] = [f"{d}{draw(specs())}" for d in deps]
    roots = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    root_reqs = [f"{r}{draw(specs())}" for r in roots]
    return reg, root_reqs


def to_index(reg: Registry) -> Index:
    return Index(
        {n: [IndexRelease(v, tuple(deps)) for v, deps in vs.items()] for n, vs in reg.items()}
    )


def satisfies(reg: Registry, roots: Sequence[str], chosen: Mapping[str, str]) -> bool:
    def ok(req_text: str) -> bool:
        req = Requirement(req_text)
        v = chosen.get(req.name)
        return v is not None and req.specifier.contains(v, prereleases=True)

    if not all(ok(r) for r in roots):
        return False
    for name, v in chosen.items():
        if v not in reg.get(name, {}):
            return False
        if not all(ok(d) for d in reg[name][v]):
            return False
    return True


def oracle(reg: Registry, roots: Sequence[str]) -> bool:
    names = sorted(reg)
    options = [[None, *reg[n]] for n in names]
    for combo in itertools.product(*options):
        chosen = {n: v for n, v in zip(names, combo, strict=True) if v is not None}
        if satisfies(reg, roots, chosen):
            return True
    return False


def run(reg: Registry, roots: Sequence[str]) -> dict[str, str] | None:
    try:
        res = solve(roots, index=to_index(reg), target=TARGET)
    except UnsatisfiableError:
        return None
    return {n: str(v) for n, v in res.versions.items()}


PROPS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(registries())
def test_sound_and_complete(case: tuple[Registry, list[str]]) -> None:
    reg, roots = case
    got = run(reg, roots)
    expected = oracle(reg, roots)
    if got is None:
        assert not expected, "solver says unsatisfiable but a solution exists"
    else:
        assert satisfies(reg, roots, got), f"solution {got} violates a constraint"
        assert expected


@PROPS
@given(registries())
def test_unused_version_removal_changes_nothing(case: tuple[Registry, list[str]]) -> None:
    reg, roots = case
    got = run(reg, roots)
    if got is None:
        return
    # drop one version that the solution does not use: the answer must not change
    for name, versions in sorted(reg.items()):
        for v in sorted(versions):
            if got.get(name) == v:
                continue
            smaller = {n: dict(vs) for n, vs in reg.items()}
            del smaller[name][v]
            assert run(smaller, roots) == got
            return


@PROPS
@given(registries())
def test_explanation_facts_are_true(case: tuple[Registry, list[str]]) -> None:
    reg, roots = case
    try:
        solve(roots, index=to_index(reg), target=TARGET)
    except UnsatisfiableError as exc:
        expl = exc.explanation
    else:
        return
    assert expl.text
    data = expl.to_dict()
    assert data["nodes"][data["root"]]["terms"] == [] or all(
        t.get("root") for t in data["nodes"][data["root"]]["terms"]
    )
    for node in expl.external_facts():
        if not isinstance(node, DependencyNode):
            continue
        req = Requirement(node.requirement)
        if node.by is None:
            assert any(Requirement(r).name == req.name for r in roots)
            continue
        package = node.by.package
        for v in _label_versions(node.by.versions, reg[package]):
            texts = reg[package][v]
            assert any(
                Requirement(t).name == req.name
                and _same_set(Requirement(t).specifier, req.specifier, reg.get(req.name, {}))
                for t in texts
            ), f"{package} {v} does not depend on {node.requirement}"


def _label_versions(label: str, versions: Mapping[str, list[str]]) -> list[str]:
    out = []
    for part in label.split(" | "):
        part = part.strip()
        if part == "*":
            out.extend(versions)
            continue
        spec = (
            SpecifierSet(part.replace(", ", ","))
            if part[:1] in "<>=!"
            else SpecifierSet(f"=={part}")
        )
        out.extend(v for v in versions if spec.contains(v, prereleases=True))
    return sorted(set(out), key=Version)


def _same_set(a: SpecifierSet, b: SpecifierSet, versions: Mapping[str, list[str]]) -> bool:
    return [a.contains(v) for v in versions] == [b.contains(v) for v in versions]


def test_determinism_across_hash_seeds() -> None:
    code = (
        "from compatlib import solve, Target, UnsatisfiableError\n"
        "from compatlib.sources.memory import Index, IndexRelease\n"
        "idx = Index({'a': [IndexRelease(v, ('b>=2', 'c')) for v in ('1', '2')],"
        " 'b': [IndexRelease('1'), IndexRelease('2', ('c<2',)), IndexRelease('3', ('c>=3',))],"
        " 'c': [IndexRelease('1'), IndexRelease('2'), IndexRelease('3', ('a<2',))]})\n"
        "r = solve(['a'], index=idx, target=Target(python='3.12'))\n"
        "print(sorted((k, str(v)) for k, v in r.versions.items()), r.edges)\n"
        "try:\n"
        "    solve(['a', 'c>=3', 'b>=3'], index=idx, target=Target(python='3.12'))\n"
        "except UnsatisfiableError as e:\n"
        "    print(e.explanation.text)\n"
    )
    outs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    assert len(outs) == 1
