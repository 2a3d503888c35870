"""A package no source knows is said to be missing from the sources that were
asked (find-links locations, an index, PyPI), not from "the index"."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.lock.pip import lock_pip  # noqa: E402
from compatlib.solver.errors import UnsatisfiableError  # noqa: E402
from compatlib.sources.pypi import PyPIRepository  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

TARGET = Target(python="3.11", platform="linux-64", glibc="2.35")


def test_find_links_are_named(tmp_path: Path) -> None:
    links = tmp_path / "links"
    build_wheel(links, "present", "1.0")
    with pytest.raises(UnsatisfiableError) as info:
        lock_pip(["present", "absent"], target=TARGET, find_links=[str(links)], offline=True)
    assert "(absent is not in the find-links locations)" in info.value.explanation.text


@pytest.mark.parametrize(
    ("indexes", "links", "words"),
    [
        (["https://pypi.org/simple"], [], "on PyPI"),
        (["https://mirror.example/simple"], [], "on the index"),
        (["https://a.example/simple", "https://b.example/simple"], [], "on the indexes"),
        (["https://pypi.org/simple"], ["/tmp"], "on PyPI or in the find-links locations"),
    ],
)
def test_source_description(indexes: list[str], links: list[str], words: str) -> None:
    repo = PyPIRepository(indexes, links, target=TARGET, offline=True, progress=False)
    try:
        assert repo.source_description == words
    finally:
        repo.close()
