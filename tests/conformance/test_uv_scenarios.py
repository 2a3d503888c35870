"""All of uv's packse scenarios: satisfiable or not, and the expected packages.

Universal scenarios go through :func:`compatlib.resolve.universal.solve_universal`.
Scenarios that need what compatlib does not do yet, or whose expected answer
differs for a reason we can state, are strict xfails with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compatlib import Target, UnsatisfiableError, solve
from compatlib.resolve.universal import solve_universal
from compatlib.testing.peer import PACKSE_DEFAULT_REQUIRES_PYTHON, Scenario, load_scenario
from compatlib.values.pep508 import Marker

from .conftest import peer_files

FILES = peer_files("uv-scenarios", "**/*.toml")
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/peer-suites is not present")

_UNSUPPORTED_OPTIONS = {
    "additional_python": "resolving for several Pythons at once is not implemented yet",
    "requires_python": "a Requires-Python range for the project (universal mode) is not implemented yet",
}


def _unsupported(sc: Scenario) -> str | None:
    for key, reason in _UNSUPPORTED_OPTIONS.items():
        if key in sc.resolver_options:
            return reason
    return None


def _target(sc: Scenario) -> Target:
    env: dict[str, Any] = dict(sc.environment)
    # uv resolves for --python-version (a resolver option) when given, else for
    # the interpreter of the environment
    python = str(sc.resolver_options.get("python", env.get("python", "3.12")))
    platform = None
    glibc = None
    plat = env.get("python_platform")
    if isinstance(plat, str) and "manylinux" in plat:
        platform = "linux-64" if plat.startswith("x86_64") else "linux-aarch64"
        glibc = "2.17" if "manylinux2014" in plat else None
    return Target(python=python, platform=platform, glibc=glibc)


# Scenarios whose expected answer differs for a reason we can state.
KNOWN: dict[str, str] = {
    "python-less-than-current": (
        "uv ignores upper bounds of Requires-Python; compatlib honours them, as pip "
        "does, because such a release really does not install on a newer Python"
    ),
    "wrong-backtracking-basic": (
        "both answers are valid; uv's conflict-count heuristic moves b ahead of a "
        "(a 1.0.0, b 2.0.9) where compatlib keeps the newest a (a 2.0.0, b 1.0.0)"
    ),
    "lock-without-metadata": (
        "the expected packages belong to uv's hand-written lock test (testgen is "
        "disabled for it): the root requires only tqdm, httpx and six"
    ),
    "fork-non-local-fork-marker-direct": (
        "uv only forks on markers of sibling requirements of one package and fails "
        "here; compatlib solves every environment class in full and finds a solution"
    ),
    "fork-non-local-fork-marker-transitive": (
        "uv only forks on markers of sibling requirements of one package and fails "
        "here; compatlib solves every environment class in full and finds a solution"
    ),
    "lowest-direct-fork-min-python": (
        "both answers are valid: uv lets the Python 3.11 fork, where forkdep is only "
        "a transitive dependency (newest, 3.1), set the shared preference; compatlib "
        "solves later Pythons first and keeps the direct lowest (3.0)"
    ),
    "preferences-dependent-forking-conflicting": (
        "the scenario tests uv's lockfile preferences across runs (it fails when uv "
        "does not fork); compatlib's forks are independent of earlier runs and solve"
    ),
}


def _params() -> list[Any]:
    out = []
    for path in FILES:
        sc = load_scenario(path)
        reason = _unsupported(sc) or KNOWN.get(sc.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(path, id=f"{path.parent.name}/{path.stem}", marks=marks))
    return out


@pytest.mark.parametrize("path", _params())
def test_scenario(path: Path) -> None:
    sc = load_scenario(path)
    reason = _unsupported(sc)
    if reason:
        pytest.fail(reason)  # keeps the strict xfail honest
    opts = sc.resolver_options
    kwargs: dict[str, Any] = {}
    if opts.get("prereleases") is True or opts.get("prerelease") == "allow":
        kwargs["prereleases"] = True
    if opts.get("resolution") in ("lowest", "lowest-direct"):
        kwargs["strategy"] = opts["resolution"]
    kwargs["no_binary"] = list(opts.get("no_binary", ()))
    kwargs["no_build"] = list(opts.get("no_build", ()))
    if opts.get("universal"):
        _universal(sc, kwargs)
        return
    target = _target(sc)
    if sc.satisfiable:
        res = solve(list(sc.requires), index=sc.index, target=target, **kwargs)
        if sc.expected_packages:
            got = {n: str(v) for n, v in res.versions.items()}
            assert got == dict(sc.expected_packages)
    else:
        with pytest.raises(UnsatisfiableError) as info:
            solve(list(sc.requires), index=sc.index, target=target, **kwargs)
        assert info.value.explanation.text


def _universal(sc: Scenario, kwargs: dict[str, Any]) -> None:
    """uv --universal: every environment class, for Pythons from the resolver's
    Python (or the environment's) up, within the root's Requires-Python."""
    opts = sc.resolver_options
    python = str(opts.get("python", dict(sc.environment).get("python", "3.12")))
    requires_python = f"{sc.requires_python or PACKSE_DEFAULT_REQUIRES_PYTHON},>={python}"
    run = {
        "requires_python": requires_python,
        "required_environments": list(opts.get("required_environments", ())),
        **kwargs,
    }
    if not sc.satisfiable:
        with pytest.raises(UnsatisfiableError) as info:
            solve_universal(list(sc.requires), sc.index, **run)
        assert info.value.explanation.text
        return
    res = solve_universal(list(sc.requires), sc.index, **run)
    assert res.forks
    # the merged lock's markers pick, in each fork's environment, exactly its versions
    for fork in res.forks:
        env = {**fork.marker_environment(), "extra": ""}
        picked = {(n, v) for n, v, m in res.packages if m is None or Marker(m).evaluate(env)}
        assert picked == {(n, str(v)) for n, v in fork.resolution.versions.items()}
    if sc.expected_packages:
        got = {name: versions[0] for name, versions in res.versions.items() if len(versions) == 1}
        assert len(got) == len(res.versions), res.versions
        assert got == dict(sc.expected_packages)


def test_counts() -> None:
    scenarios = [load_scenario(p) for p in FILES]
    assert len(scenarios) == 189
    plain = [s for s in scenarios if not s.environment and not s.resolver_options]
    assert sum(1 for s in plain if not s.satisfiable) == 37
    assert sum(1 for s in plain if s.satisfiable) == 74
