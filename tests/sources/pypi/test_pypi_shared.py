"""SharedSources: the repositories of several targets read each source once."""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

import pytest
from pypi_builders import Entry, ServerState, build_wheel, write_index

from compatlib.sources.pypi import PyPIRepository
from compatlib.sources.pypi.shared import SharedSources
from compatlib.values.target import Target

TARGETS = [
    Target(python=py, platform=plat, glibc="2.28")
    for plat in ("linux-64", "osx-arm64", "win-64")
    for py in ("3.10", "3.11", "3.12", "3.13")
]


def _files(folder: Path) -> list[Path]:
    made = [
        build_wheel(folder, "pure", "1.0", requires=["dep; python_version < '3.12'"]),
        build_wheel(folder, "pure", "2.0"),
        build_wheel(folder, "dep", "1.0"),
    ]
    for py in ("310", "311", "312", "313"):
        made.append(build_wheel(folder, "native", "1.0", f"cp{py}-cp{py}-manylinux_2_17_x86_64"))
        made.append(build_wheel(folder, "native", "1.0", f"cp{py}-cp{py}-win_amd64"))
    return made


def _read_all(repos: list[PyPIRepository]) -> dict[tuple[str, str], list[str]]:
    """Each repository's versions, and every release's requirements."""
    seen: dict[tuple[str, str], list[str]] = {}
    for repo in repos:
        key = (repo.target.subdir, str(repo.target.python_version))
        for name in ("pure", "dep", "native"):
            for v in repo.versions(name):
                rel = repo.release(name, v)
                seen.setdefault(key, []).append(
                    f"{name} {v} {rel.requires} {rel.artifacts[0].filename}"
                )
    return seen


def test_find_links_scanned_once_and_metadata_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "links"
    files = _files(folder)
    shared = SharedSources()

    def repos(sh: SharedSources | None) -> list[PyPIRepository]:
        return [
            PyPIRepository(
                find_links=[str(folder)],
                target=t,
                offline=True,
                cache_dir=tmp_path / "c",
                shared=sh,
            )
            for t in TARGETS
        ]

    alone = repos(None)
    together = repos(shared)
    # the same answers per target, shared or not
    assert _read_all(together) == _read_all(alone)
    assert shared.folder_scans == 1
    assert sum(r.find_links.scans for r in alone) == len(TARGETS)
    # each file's metadata once: the files some target reads (native has no macOS wheel)
    read_alone = sum(r.metadata_reads for r in alone)
    distinct = {
        r.release(n, v).artifacts[0].url
        for r in alone
        for n in ("pure", "dep", "native")
        for v in r.versions(n)
    }
    assert shared.metadata_reads == len(distinct) == len(files)
    assert read_alone > 3 * shared.metadata_reads
    assert sum(r.metadata_reads for r in together) == shared.metadata_reads
    # what differs per target is applied on top: no native wheel for macOS
    mac = together[TARGETS.index(Target(python="3.12", platform="osx-arm64", glibc="2.28"))]
    assert mac.versions("native") == []
    linux = together[TARGETS.index(Target(python="3.12", platform="linux-64", glibc="2.28"))]
    assert (
        linux.release("native", "1.0")
        .artifacts[0]
        .filename.endswith("cp312-cp312-manylinux_2_17_x86_64.whl")
    )


def test_index_page_fetched_and_parsed_once(
    tmp_path: Path, http_server: tuple[str, ServerState]
) -> None:
    base, state = http_server
    files = _files(state.root / "files")
    projects: dict[str, list[Entry]] = {}
    for f in files:
        projects.setdefault(f.name.split("-")[0], []).append(Entry(f, metadata=True))
    write_index(state.root, projects, flavour="json")
    shared = SharedSources()
    repos = [
        PyPIRepository(
            [f"{base}/simple/"],
            target=t,
            cache_dir=tmp_path / "c",
            progress=False,
            shared=shared,
        )
        for t in TARGETS
    ]
    alone = [
        PyPIRepository([f"{base}/simple/"], target=t, cache_dir=tmp_path / "c2", progress=False)
        for t in TARGETS
    ]
    before = len(state.log)
    assert _read_all(repos) == _read_all(alone)
    assert len(state.requests("/simple/native/")) == 1 + len(TARGETS)  # shared: once
    assert shared.pages_parsed == 3
    assert len(state.requests(".metadata")) == 2 * len(files)  # once shared, once per file alone
    assert len(state.log) > before
    shared.close()


def test_threads_asking_for_one_file_read_it_once() -> None:
    """A prefetch asks from several threads: one reads, the others wait for its
    result (or its error), and no per-key lock outlives the read."""
    shared = SharedSources()
    started = threading.Barrier(8)
    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        return "metadata"

    def fail() -> str:
        calls.append(1)
        raise ValueError("no metadata")

    got: list[str] = []
    errors: list[str] = []

    def ask() -> None:
        started.wait()
        got.append(shared.metadata("https://x/a.whl", read))
        try:
            shared.metadata("https://x/b.whl", fail)
        except ValueError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["metadata"] * 8
    assert errors == ["no metadata"] * 8
    assert len(calls) == shared.metadata_reads == 2
    assert shared._key_locks == {}
    with pytest.raises(ValueError, match="no metadata"):
        shared.metadata("https://x/b.whl", read)  # the error is kept for the run


def test_a_kept_error_does_not_grow_with_each_raise() -> None:
    shared = SharedSources()

    def fail() -> str:
        raise ValueError("no metadata")

    depths = []
    for _ in range(3):
        with pytest.raises(ValueError, match="no metadata") as info:
            shared.metadata("https://x/b.whl", fail)
        depths.append(len(traceback.extract_tb(info.value.__traceback__)))
    assert depths[1] == depths[2] <= depths[0]
