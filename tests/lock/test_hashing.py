"""Hashing the locked local files while the solver works (compatlib.lock.hashing)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from compatlib.lock.hashing import HashingRepository, hash_local_files, local_sha256
from compatlib.lock.pip import choose_artifact, lock_pip
from compatlib.sources.memory import Artifact, Index, IndexRelease
from compatlib.values.target import Target

TARGET = Target(python="3.11", platform="linux-64", glibc="2.36")


def _file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(bytes(i % 251 for i in range(size)))
    return path


def test_local_sha256_small_large_and_cancelled(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    small = _file(tmp_path, "small.whl", 1000)
    large = _file(tmp_path, "large.whl", 9 << 20)  # hashed through a memory map
    empty = _file(tmp_path, "empty.whl", 0)
    for path in (small, large, empty):
        assert local_sha256(path.as_uri(), cache) == hashlib.sha256(path.read_bytes()).hexdigest()
    stop = threading.Event()
    stop.set()
    other = _file(tmp_path, "other.whl", 9 << 20)
    assert local_sha256(other.as_uri(), cache, cancel=stop) is None
    assert local_sha256((tmp_path / "missing.whl").as_uri(), cache) is None
    urls = [small.as_uri(), large.as_uri(), (tmp_path / "missing.whl").as_uri()]
    assert set(hash_local_files(urls, cache)) == set(urls[:2])


def _index(folder: Path) -> tuple[Index, dict[str, str]]:
    digests: dict[str, str] = {}
    releases: dict[str, list[IndexRelease]] = {}
    for name, version, size, requires in (
        ("app", "1.0", 3 << 20, ("lib",)),
        ("lib", "1.0", 2 << 20, ()),
        ("lib", "2.0", 5 << 20, ()),
    ):
        path = _file(folder, f"{name}-{version}-py3-none-any.whl", size + len(version))
        digests[path.as_uri()] = hashlib.sha256(path.read_bytes()).hexdigest()
        art = Artifact(path.name, url=path.as_uri())
        releases.setdefault(name, []).append(
            IndexRelease(version, requires=requires, artifacts=(art,))
        )
    return Index(releases), digests


def _choose(rel: IndexRelease, target: Target, ranker: object) -> Artifact | None:
    return choose_artifact(rel, target, ranker=ranker)  # type: ignore[arg-type]


def test_reading_a_release_starts_its_hash(tmp_path: Path) -> None:
    index, digests = _index(tmp_path)
    hasher = HashingRepository(index, TARGET, _choose, cache_dir=tmp_path / "cache")
    try:
        assert hasher.versions("lib") == ["1.0", "2.0"]
        hasher.release("app", "1.0")
        hasher.release("lib", "2.0")
        hasher.release("lib", "1.0")  # the solver moved on: 2.0's hash is abandoned
        urls = sorted(digests)
        assert hasher.digests(urls) == digests  # 2.0 hashed again when asked for
        assert getattr(hasher, "source", "x") is None  # other attributes: the index's
    finally:
        hasher.close()
    hasher.release("lib", "2.0")  # after close: nothing starts, nothing fails


def test_a_lock_through_the_hasher_has_the_same_hashes(tmp_path: Path) -> None:
    index, digests = _index(tmp_path)
    lock = lock_pip(["app"], target=TARGET, repository=index, cache_dir=tmp_path / "cache")
    got = {p.url: dict(p.hashes)["sha256"] for p in lock.packages}
    assert got == {u: d for u, d in digests.items() if "lib-1.0" not in u}


def test_reading_ahead_does_not_abandon_the_version_in_use(tmp_path: Path) -> None:
    from compatlib.lock.pip import PrefetchingRepository

    index, digests = _index(tmp_path)
    ahead = PrefetchingRepository(index, TARGET)  # as _lock_one composes them
    hasher = HashingRepository(ahead, TARGET, _choose, cache_dir=tmp_path / "cache")
    try:
        hasher.release("lib", "1.0")  # the solver's choice
        ahead.start(["lib"])  # reads ahead lib's newest release, 2.0
        ahead.close()  # waits for the read ahead
        chosen = next(u for u in digests if "lib-1.0" in u)
        assert not hasher._jobs[chosen].cancel.is_set()
        assert hasher.digests([chosen]) == {chosen: digests[chosen]}
    finally:
        hasher.close()
