"""The fetch counter on stderr: shown on a terminal, never in a pipe or with -q."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from pypi_builders import Entry, ServerState, build_wheel, write_index


def _lock(index: str, tmp_path: Path, *extra: str, tty: bool) -> tuple[int, str]:
    args = [sys.executable, "-m", "compatlib", "lock", "demo", "--index", f"{index}/simple/"]
    args += ["--python", "3.11", "--platform", "linux-64", "--cache-dir", str(tmp_path / "c")]
    args += ["-o", str(tmp_path / "lock.json"), *extra]
    if not tty:
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        return proc.returncode, proc.stderr
    leader, follower = pty.openpty()
    proc2 = subprocess.Popen(args, stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc2.wait(timeout=120), b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_on_a_terminal_only(tmp_path: Path, http_server: tuple[str, ServerState]) -> None:
    base, state = http_server
    write_index(state.root, {"demo": [Entry(build_wheel(state.root / "files", "demo", "1.0"))]})
    code, err = _lock(base, tmp_path, tty=True)
    assert code == 0, err
    assert "compatlib: fetched" in err
    code, err = _lock(base, tmp_path / "q", "-q", tty=True)
    assert code == 0, err
    assert "fetched" not in err
    code, err = _lock(base, tmp_path / "pipe", tty=False)
    assert code == 0, err
    assert "fetched" not in err
