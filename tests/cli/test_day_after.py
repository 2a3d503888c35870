"""docs/lock.md's "day after" session runs as written: each ``$`` command of its
console blocks, in order, in one folder, on the shipped snapshot (offline), with
the output and exit code the document shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "lock.md"
SECTION = "## The day after: keep the lock fresh"


def _session() -> list[tuple[str, int, str]]:
    """``(command, exit code, output)`` for each ``$`` line of the section."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end >= 0 else len(text)]
    steps: list[tuple[str, int, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                command = line[2:]
                code = 0
                m = re.fullmatch(r"(.*?)\s+# exit (\d+)", command)
                if m is not None:
                    command, code = m.group(1), int(m.group(2))
                steps.append((command, code, []))
            else:
                steps[-1][2].append(line)
    return [(c, code, "".join(f"{o}\n" for o in out)) for c, code, out in steps]


def test_the_session_is_in_the_docs() -> None:
    commands = [c for c, _, _ in _session()]
    assert len(commands) >= 9
    assert any(c.endswith("--check") for c in commands)
    assert any(c.endswith("--locked") for c in commands)
    assert any("--upgrade-package numpy" in c for c in commands)
    assert any(c.startswith("compatlib diff") for c in commands)
    assert any(c.startswith("compatlib why") for c in commands)


def test_the_day_after_session_runs_as_written(tmp_path: Path) -> None:
    shim = tmp_path / "bin"
    shim.mkdir()
    exe = shim / "compatlib"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m compatlib.cli "$@"\n')
    exe.chmod(0o755)
    work = tmp_path / "project"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{shim}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "COMPATLIB_CACHE_DIR": str(tmp_path / "cache"),
        "COLUMNS": "200",
    }
    for command, code, expected in _session():
        res = subprocess.run(
            ["bash", "-c", command + " 2>&1"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert (res.returncode, res.stdout) == (code, expected), command
    numpy = [line for line in (work / "lock.json").read_text().splitlines() if "numpy-" in line]
    assert numpy
    assert "numpy-2.4.6" in numpy[0]


@pytest.mark.parametrize("name", ["README.md"])
def test_readme_points_at_the_session(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert "--check" in text
    assert "--upgrade-package" in text
    assert "docs/lock.md#the-day-after-keep-the-lock-fresh" in text
