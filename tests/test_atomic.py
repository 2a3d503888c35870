"""compatlib._atomic: exclusive temporary files for atomic writes."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from compatlib._atomic import new_temp_file, write_atomic


def test_each_call_gets_a_new_file_beside_the_target(tmp_path: Path) -> None:
    first_fd, first = new_temp_file(str(tmp_path), ".x-")
    second_fd, second = new_temp_file(str(tmp_path), ".x-")
    os.write(first_fd, b"one")
    os.close(first_fd)
    os.close(second_fd)
    assert first != second
    assert Path(first).parent == tmp_path
    assert Path(second).parent == tmp_path
    assert Path(first).read_bytes() == b"one"
    assert Path(first).name.startswith(".x-")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        fd, path = new_temp_file(str(tmp_path), ".x-")
        os.close(fd)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_leftover_name_is_skipped(tmp_path: Path) -> None:
    fd, path = new_temp_file(str(tmp_path), ".x-")
    os.close(fd)  # the file stays, as after a crash: the next name is another
    fd2, path2 = new_temp_file(str(tmp_path), ".x-")
    os.close(fd2)
    assert path2 != path
    assert path2.endswith("-1.tmp")


def test_a_directory_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, "x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="no process probing on Windows")
def test_files_of_killed_writers_are_swept(tmp_path: Path) -> None:
    """A SIGKILLed writer's temporary file goes at the next write; live ones stay."""
    import subprocess

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".compatlib-{dead.stdout.strip()}-1-0.tmp"
    stale.write_text("half a lock")
    live = tmp_path / f".compatlib-{os.getppid()}-1-0.tmp"
    live.write_text("another writer, still running")
    write_atomic(tmp_path / "lock.json", "{}")
    assert not stale.exists()
    assert live.exists()
    assert (tmp_path / "lock.json").read_text() == "{}"
