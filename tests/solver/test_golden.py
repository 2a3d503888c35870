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


def test_no_stale_golden_files() -> None:
    expected = {GOLDEN / p.parent.name / f"{p.stem}.txt" for p in FILES}
    stale = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.glob("**/*.txt") if p not in expected)
    assert not stale, f"golden files without a scenario: {stale}"
