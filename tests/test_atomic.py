"""compatlib._atomic: exclusive temporary files for atomic writes."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from compatlib._atomic import new_temp_file


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
