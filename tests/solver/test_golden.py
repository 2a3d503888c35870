"""Golden explanations for every unsatisfiable uv packse scenario.

Each scenario's full report (the derivation text, hints and verified fixes,
what the CLI prints) is pinned in ``golden/uv/<group>/<name>.txt``, so any
change of wording shows as a diff to review. The scenarios are read in place
from ../shared/peer-suites; without them the test skips.

To regenerate after a deliberate change of wording::

    COMPATLIB_UPDATE_GOLDEN=1 python -m pytest -q tests/solver/test_golden.py

then read ``git diff tests/solver/golden`` before committing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from compatlib import Target, UnsatisfiableError, solve
from compatlib.resolve.universal import solve_universal
from compatlib.testing.peer import PACKSE_DEFAULT_REQUIRES_PYTHON, Scenario, load_scenario

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "uv"
PEER = Path(__file__).resolve().parents[3] / "shared" / "peer-suites" / "uv-scenarios"
UPDATE = os.environ.get("COMPATLIB_UPDATE_GOLDEN") == "1"

# resolver options compatlib does not model yet (see tests/conformance)
_UNSUPPORTED = ("additional_python", "requires_python")
# uv fails on these, compatlib finds a solution (the reasons are in tests/conformance)
_SOLVED = {
    "non-local-fork-marker-direct",
    "non-local-fork-marker-transitive",
    "preferences-dependent-forking-conflicting",
}


def _scenarios() -> list[Path]:
    if not PEER.is_dir():
        return []
    out = []
    for path in sorted(PEER.glob("**/*.toml")):
        sc = load_scenario(path)
        if (
            sc.satisfiable
            or path.stem in _SOLVED
            or any(k in sc.resolver_options for k in _UNSUPPORTED)
        ):
            continue
        out.append(path)
    return out


FILES = _scenarios()
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/peer-suites is not present")


def _target(sc: Scenario) -> Target:
    env: dict[str, Any] = dict(sc.environment)
    python = str(sc.resolver_options.get("python", env.get("python", "3.12")))
    platform = glibc = None
    plat = env.get("python_platform")
    if isinstance(plat, str) and "manylinux" in plat:
        platform = "linux-64" if plat.startswith("x86_64") else "linux-aarch64"
        glibc = "2.17" if "manylinux2014" in plat else None
    return Target(python=python, platform=platform, glibc=glibc)


def report(sc: Scenario) -> str:
    """The report compatlib prints for an unsatisfiable scenario."""
    opts = sc.resolver_options
    kwargs: dict[str, Any] = {
        "no_binary": list(opts.get("no_binary", ())),
        "no_build": list(opts.get("no_build", ())),
    }
    if opts.get("prereleases") is True or opts.get("prerelease") == "allow":
        kwargs["prereleases"] = True
    if opts.get("resolution") in ("lowest", "lowest-direct"):
        kwargs["strategy"] = opts["resolution"]
    if opts.get("universal"):
        python = str(opts.get("python", dict(sc.environment).get("python", "3.12")))
        rp = f"{sc.requires_python or PACKSE_DEFAULT_REQUIRES_PYTHON},>={python}"
        envs = list(opts.get("required_environments", ()))
        with pytest.raises(UnsatisfiableError) as info:
            solve_universal(
                list(sc.requires),
                sc.index,
                requires_python=rp,
                required_environments=envs,
                **kwargs,
            )
    else:
        with pytest.raises(UnsatisfiableError) as info:
            solve(list(sc.requires), index=sc.index, target=_target(sc), **kwargs)
    return info.value.explanation.report + "\n"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_golden(path: Path) -> None:
    sc = load_scenario(path)
    golden = GOLDEN / path.parent.name / f"{path.stem}.txt"
    got = report(sc)
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file; run with COMPATLIB_UPDATE_GOLDEN=1 to write {golden}"
    assert got == golden.read_text(encoding="utf-8")


#: How many lines uv's error takes for each unsatisfiable scenario (counted from
#: its snapshot tests at 26a9dd4, crates/uv/tests/pip/pip_install_scenarios.rs and
#: pip_compile_scenarios.rs; a line per item of its "one of:" lists, hints not
#: counted). Numbers only: uv's wording is not kept here.
UV_LINES = {
    "backtrack-to-missing-package": 2,
    "canonical-empty-requirement": 1,
    "dependency-excludes-range-of-compatible-versions": 5,
    "direct-incompatible-versions": 1,
    "equivalent-dependency-ranges": 2,
    "excluded-only-compatible-version": 10,
    "excluded-only-version": 4,
    "extra-incompatible-with-extra": 2,
    "extra-incompatible-with-root": 2,
    "local-greater-than": 1,
    "local-less-than": 1,
    "local-transitive-conflicting": 2,
    "local-transitive-greater-than": 2,
    "local-transitive-less-than": 2,
    "no-sdist-no-wheels-with-matching-abi": 2,
    "no-sdist-no-wheels-with-matching-platform": 2,
    "no-sdist-no-wheels-with-matching-python": 2,
    "no-wheels-no-build": 2,
    "only-wheels-no-binary": 2,
    "package-only-yanked": 2,
    "package-only-yanked-in-range": 5,
    "post-equal-not-available": 1,
    "post-greater-than": 1,
    "post-greater-than-post-not-available": 1,
    "post-less-than": 1,
    "post-less-than-or-equal": 1,
    "post-local-greater-than": 1,
    "post-local-greater-than-post": 1,
    "post-simple": 1,
    "python-greater-than-current": 2,
    "python-greater-than-current-excluded": 15,
    "python-greater-than-current-many": 1,
    "python-greater-than-current-patch": 2,
    "python-version-does-not-exist": 2,
    "requires-exact-version-does-not-exist": 1,
    "requires-greater-version-does-not-exist": 1,
    "requires-less-version-does-not-exist": 1,
    "requires-package-does-not-exist": 1,
    "transitive-incompatible-versions": 2,
    "transitive-incompatible-with-root-version": 2,
    "transitive-incompatible-with-transitive": 2,
    "transitive-package-only-yanked": 2,
    "transitive-package-only-yanked-in-range": 5,
    "transitive-requires-package-does-not-exist": 2,
    "transitive-yanked-and-unyanked-dependency": 2,
}
UV_FILES = [p for p in FILES if p.stem in UV_LINES]


@pytest.mark.parametrize("path", UV_FILES, ids=[p.stem for p in UV_FILES])
def test_against_uv(path: Path) -> None:
    """No longer than uv's error, and at least the facts it gives that the
    scenario's data can check: what exists when a requirement matches nothing,
    the package no source has, each contradicting requirement, no echo."""
    sc = load_scenario(path)
    text = report(sc).split("\n\n")[0]
    assert len(text.splitlines()) <= UV_LINES[path.stem]
    assert "the request (" not in text
    required = [Requirement(r) for r in sc.requires]
    for release_list in (sc.index.releases(n) for n in sc.index.packages()):
        required += [Requirement(r) for rel in release_list for r in rel.requires]
    for req in required:
        versions = sc.index.versions(req.name)
        if not versions:
            assert f"{req.name} is not in the index" in text
            continue
        matching = [v for v in versions if req.specifier.contains(Version(v), prereleases=True)]
        if not matching and req.name in text and f"matches {req.specifier}" in text:
            # said what exists instead
            assert f"{req.name} has " in text, req
    if sc.requires and all(r.startswith("a") for r in sc.requires):
        # a contradiction in one release's requirements is said whole
        for rel in sc.index.releases("a"):
            plain = [r for r in rel.requires if ";" not in r]  # (extras say theirs apart)
            names = [Requirement(r).name for r in plain]
            for name in {n for n in names if names.count(n) > 1}:
                for r in plain:
                    if Requirement(r).name == name:
                        assert r in text


def test_no_stale_golden_files() -> None:
    expected = {GOLDEN / p.parent.name / f"{p.stem}.txt" for p in FILES}
    stale = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.glob("**/*.txt") if p not in expected)
    assert not stale, f"golden files without a scenario: {stale}"
