"""All of uv's packse scenarios: satisfiable or not, and the expected packages.

Scenarios that need what compatlib does not do yet are strict xfails with the
reason: universal (multi-platform) resolution and a few resolver options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compatlib import Target, UnsatisfiableError, solve
from compatlib.index.peer import Scenario, load_scenario

from .conftest import peer_files

FILES = peer_files("uv-scenarios", "**/*.toml")
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/peer-suites is not present")

_UNSUPPORTED_OPTIONS = {
    "universal": "universal (multi-platform) resolution is not implemented yet",
    "required_environments": "universal (multi-platform) resolution is not implemented yet",
    "additional_python": "resolving for several Pythons at once is not implemented yet",
    "requires_python": "a Requires-Python range for the project (universal mode) is not implemented yet",
}


def _unsupported(sc: Scenario) -> str | None:
    for key, reason in _UNSUPPORTED_OPTIONS.items():
        if key in sc.resolver_options:
            return reason
    if sc.resolver_options.get("resolution") == "lowest-direct":
        return "lowest-direct resolution is not implemented yet"
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
    if opts.get("resolution") == "lowest":
        kwargs["strategy"] = "lowest"
    kwargs["no_binary"] = list(opts.get("no_binary", ()))
    kwargs["no_build"] = list(opts.get("no_build", ()))
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


def test_counts() -> None:
    scenarios = [load_scenario(p) for p in FILES]
    assert len(scenarios) == 189
    plain = [s for s in scenarios if not s.environment and not s.resolver_options]
    assert sum(1 for s in plain if not s.satisfiable) == 37
    assert sum(1 for s in plain if s.satisfiable) == 74
