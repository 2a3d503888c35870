"""``compatlib why / tree / diff / graph`` on lock files, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compatlib.cli import main
from compatlib.lock.model import Lock, LockedPackage


def _pkg(name: str, version: str, *deps: tuple[str, str]) -> LockedPackage:
    return LockedPackage(
        name=name,
        version=version,
        manager="pip",
        platform="linux-64",
        url=f"https://files.example/{name}-{version}-py3-none-any.whl",
        hashes=(("sha256", "0" * 64),),
        dependencies=deps,
    )


@pytest.fixture
def locks(tmp_path: Path) -> tuple[Path, Path]:
    old = Lock.of(
        [_pkg("app", "1.0", ("lib", "lib>=2")), _pkg("lib", "2.0")],
        metadata={"requirements": ["app"]},
    )
    new = Lock.of(
        [_pkg("app", "1.1", ("lib", "lib>=2")), _pkg("lib", "2.0")],
        metadata={"requirements": ["app"]},
    )
    a, b = tmp_path / "old.json", tmp_path / "new.json"
    a.write_text(old.to_json())
    b.write_text(new.to_json())
    return a, b


def test_why(locks: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", str(locks[0]), "lib"]) == 0
    assert capsys.readouterr().out == "<request> -> app 1.0 (app) -> lib 2.0 (lib>=2)\n"
    assert main(["why", str(locks[0]), "lib", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [["<request>", "app 1.0", "lib 2.0"]]


def test_tree(locks: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tree", str(locks[0])]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "<request> (linux-64)",
        "└── app 1.0 [app]",
        "    └── lib 2.0 [lib>=2]",
    ]


def test_diff_exit_code_says_whether_they_differ(
    locks: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(locks[0]), str(locks[0])]) == 0
    assert capsys.readouterr().out == "no changes\n"
    assert main(["diff", str(locks[0]), str(locks[1]), "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["changes"]
    assert change == {
        "kind": "upgraded",
        "platform": "linux-64",
        "manager": "pip",
        "name": "app",
        "old": "1.0",
        "new": "1.1",
    }


def test_graph_to_file(locks: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "g.mmd"
    assert main(["graph", str(locks[0]), "--format", "mermaid", "-o", str(out)]) == 0
    assert out.read_text().startswith("flowchart LR\n")


def test_unknown_package_is_bad_input(locks: tuple[Path, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "compatlib", "why", str(locks[0]), "lbi"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "compatlib: error: 'lbi' is not in the lock; did you mean 'lib'? (field 'package'); "
        "expected the name of a locked package"
    ]
