"""compatlib.resolve.universal: one solve per environment class the markers tell apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from compatlib.errors import InputError
from compatlib.resolve.universal import (
    ForkUnsatisfiableError,
    UniversalResolution,
    environments,
    merge_environments,
    solve_universal,
)
from compatlib.solver.errors import UnsatisfiableError
from compatlib.sources.memory import Artifact, Index, IndexRelease
from compatlib.values.pep508 import Marker


def _index(table: dict[str, dict[str, tuple[str, ...]]]) -> Index:
    return Index(
        {
            name: [IndexRelease(version, requires=reqs) for version, reqs in versions.items()]
            for name, versions in table.items()
        }
    )


def test_environment_classes() -> None:
    markers = [Marker("sys_platform == 'linux'"), Marker("python_version >= '3.12'")]
    envs = environments(markers, requires_python=">=3.11")
    pythons = sorted({dict(e)["python_version"] for e in envs})
    assert pythons == ["3.11.0", "3.12.0", "3.13.0"]  # "> 3.12" would tell 3.13 apart
    platforms = sorted({dict(e)["sys_platform"] for e in envs})
    assert "linux" in platforms
    assert len(platforms) == 2  # linux, and a stand-in for every other platform
    assert environments([], requires_python=">=3.10") == [(("python_version", "3.10.0"),)]
    # a range starting inside a minor version starts there
    assert environments([], requires_python=">=3.8.1") == [(("python_version", "3.8.1"),)]
    patch = environments(
        [Marker('python_full_version >= "3.9.1" and python_full_version < "3.9.2"')],
        requires_python=">=3.9",
    )
    points = [dict(e)["python_version"] for e in patch]
    assert points[:3] == ["3.9.0", "3.9.1", "3.9.2"]
    with pytest.raises(InputError, match="no Python version"):
        environments([], requires_python="<2")


def test_fork_on_platform_gives_markers() -> None:
    index = _index({"a": {"1.0": (), "2.0": ()}})
    res = solve_universal(
        ["a>=2 ; sys_platform == 'linux'", "a<2 ; sys_platform == 'darwin'"],
        index,
        requires_python=">=3.12",
    )
    assert res.versions == {"a": ("1.0", "2.0")}
    rows = {(name, version): marker for name, version, marker in res.packages}
    assert rows[("a", "2.0")] == 'sys_platform == "linux"'
    assert rows[("a", "1.0")] == 'sys_platform == "darwin"'
    assert len(res.forks) == 3  # linux, darwin, elsewhere (where a is not required)
    _markers_select_each_fork(res)


def _markers_select_each_fork(res: UniversalResolution) -> None:
    """In each fork's environment, the merged markers pick exactly its versions."""
    for fork in res.forks:
        env = {**fork.marker_environment(), "extra": ""}
        picked = {
            (name, version)
            for name, version, marker in res.packages
            if marker is None or Marker(marker).evaluate(env)
        }
        assert picked == {(n, str(v)) for n, v in fork.resolution.versions.items()}


def test_fork_on_python_gives_ranges() -> None:
    index = _index({"a": {"1.0": (), "2.0": ()}})
    res = solve_universal(
        ["a>=2 ; python_version >= '3.12'", "a<2 ; python_version < '3.12'"],
        index,
        requires_python=">=3.11",
    )
    rows = {(name, version): marker for name, version, marker in res.packages}
    assert rows[("a", "1.0")] == 'python_full_version < "3.12.0"'
    assert rows[("a", "2.0")] == 'python_full_version >= "3.12.0"'  # 3.12 and 3.13 merged
    _markers_select_each_fork(res)


def test_forks_agree_where_they_can() -> None:
    # lowest versions: the 3.12 fork must take dep 3.0; the 3.11 fork then keeps it
    index = _index({"root": {"1.0": ("dep>=2.8",)}, "dep": {"2.8": (), "3.0": (), "3.1": ()}})
    res = solve_universal(
        ["root", "dep>=3; python_version >= '3.12'"],
        index,
        requires_python=">=3.11",
        strategy="lowest",
    )
    assert res.versions == {"dep": ("3.0",), "root": ("1.0",)}
    assert all(marker is None for _, _, marker in res.packages)


def test_conflict_in_one_environment() -> None:
    index = _index({"a": {"1.0": (), "2.0": ()}})
    with pytest.raises(ForkUnsatisfiableError) as info:
        solve_universal(
            ["a>=2 ; sys_platform == 'linux'", "a<2 ; sys_platform == 'linux'"],
            index,
            requires_python=">=3.12",
        )
    assert isinstance(info.value, UnsatisfiableError)
    assert info.value.environment == 'python_full_version == "3.12.0" and sys_platform == "linux"'
    assert str(info.value).startswith(f"For {info.value.environment}:\n")
    assert info.value.explanation.text


def test_required_environments_and_wheels_for_later_pythons() -> None:
    wheel = Artifact("native-1.0-cp313-cp313-manylinux_2_17_aarch64.whl")
    index = Index(
        {
            "app": [IndexRelease("1.0", requires=("native ; platform_machine == 'aarch64'",))],
            "native": [IndexRelease("1.0", artifacts=(wheel,))],
        }
    )
    # native only has a CPython 3.13 wheel: a fork for Python 3.12 and up may use it
    res = solve_universal(["app"], index, requires_python=">=3.12")
    assert res.versions == {"app": ("1.0",), "native": ("1.0",)}
    only_linux = solve_universal(
        ["app"],
        index,
        requires_python=">=3.12",
        required_environments=['platform_machine == "x86_64"'],
    )
    assert only_linux.versions == {"app": ("1.0",)}
    with pytest.raises(InputError, match="makes its own targets"):
        solve_universal(["app"], index, target=None)


def test_constraint_markers_fork_too() -> None:
    index = _index({"a": {"1.0": (), "2.0": ()}})
    res = solve_universal(
        ["a"], index, requires_python=">=3.12", constraints=["a<2 ; sys_platform == 'win32'"]
    )
    rows = {(name, version): marker for name, version, marker in res.packages}
    assert rows[("a", "1.0")] == 'sys_platform == "win32"'
    assert rows[("a", "2.0")] == 'sys_platform != "win32"'
    _markers_select_each_fork(res)


def test_cli_solve_universal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from compatlib.cli import main

    scenario = tmp_path / "fork.toml"
    scenario.write_text(
        'name = "fork"\n[root]\n'
        "requires = [\"a>=2 ; sys_platform == 'linux'\", \"a<2 ; sys_platform == 'darwin'\"]\n"
        "[expected]\nsatisfiable = true\n"
        '[packages.a.versions."1.0.0"]\n[packages.a.versions."2.0.0"]\n'
    )
    assert main(["solve", str(scenario), "--universal", "--requires-python", ">=3.12"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        'a==1.0.0 ; sys_platform == "darwin"',
        'a==2.0.0 ; sys_platform == "linux"',
    ]
    assert main(["solve", str(scenario), "--universal", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["forks"]) == 3
    assert main(["solve", str(scenario), "a<2", "a>=2", "--universal"]) == 1
    assert main(["solve", str(scenario), "--universal", "--platform", "linux-64"]) == 2


def test_lowest_direct_strategy() -> None:
    from compatlib.resolve.solve import solve
    from compatlib.values.target import Target

    index = _index(
        {
            "app": {"1.0": ("lib>=1",), "2.0": ("lib>=1",)},
            "lib": {"1.0": (), "1.5": (), "2.0": ()},
        }
    )
    target = Target(python="3.12")
    res = solve(["app"], index=index, target=target, strategy="lowest-direct")
    assert {n: str(v) for n, v in res.versions.items()} == {"app": "1.0", "lib": "2.0"}
    res = solve(["app"], index=index, target=target, strategy="lowest")
    assert {n: str(v) for n, v in res.versions.items()} == {"app": "1.0", "lib": "1.0"}


def test_platform_terms_dropped_where_every_platform_agrees() -> None:
    index = _index({"a": {"1.0": ("b",)}, "b": {"1.0": (), "2.0": ()}, "c": {"1.0": ()}})
    res = solve_universal(
        [
            "a",
            "b<2 ; python_version < '3.12' or sys_platform == 'linux'",
            "c ; sys_platform == 'linux' or python_version >= '3.12'",
        ],
        index,
        requires_python=">=3.11",
    )
    rows = {(name, version): marker for name, version, marker in res.packages}
    assert rows[("a", "1.0")] is None
    assert rows[("b", "2.0")] == 'sys_platform != "linux" and python_full_version >= "3.12.0"'
    # b 1.0 below 3.12 on every platform class, and on linux at any Python
    assert rows[("b", "1.0")] == '(python_full_version < "3.12.0") or (sys_platform == "linux")'
    # c from 3.12 on every platform class: one range, no platform term
    assert rows[("c", "1.0")] == '(python_full_version >= "3.12.0") or (sys_platform == "linux")'
    _markers_select_each_fork(res)


L = 'sys_platform == "linux" and platform_machine == "x86_64"'
M = 'sys_platform == "darwin" and platform_machine == "arm64"'
W = 'sys_platform == "win32" and platform_machine == "AMD64"'
BELOW = 'python_full_version < "3.11.0"'
ABOVE = 'python_full_version >= "3.11.0"'
MIDDLE = 'python_full_version >= "3.11.0" and python_full_version < "3.12.0"'


def test_merge_environments() -> None:
    every = [L, M, W]
    # one file per platform and Python: the pin holds everywhere
    assert merge_environments([(p, r) for p in every for r in (BELOW, ABOVE)], every) is None
    # the same Pythons on every platform: no platform term
    assert merge_environments([(p, BELOW) for p in every], every) == BELOW
    # adjacent ranges merged
    assert merge_environments([(L, BELOW), (L, MIDDLE)], every) == (
        f'{L} and python_full_version < "3.12.0"'
    )
    # platforms with the same Pythons share a term
    assert merge_environments([(L, BELOW), (M, BELOW), (W, MIDDLE)], every) == (
        f"((({M}) or ({L})) and {BELOW}) or ({W} and {MIDDLE})"
    )
    assert merge_environments([(L, None), (M, BELOW)], every) == f"({M} and {BELOW}) or ({L})"
    # one platform: conditions are empty
    assert merge_environments([("", BELOW), ("", ABOVE)], [""]) is None
    # markers of other variables are kept as written
    assert merge_environments([(L, 'extra == "x"'), (M, None)], every) == (
        f'(({L}) and (extra == "x")) or ({M})'
    )
