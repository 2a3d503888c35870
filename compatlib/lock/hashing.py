"""sha256 of the local files a lock pins, computed while the solver works.

A lock carries a hash for every file. Files listed by an index come with one;
files in a local folder (find-links, ``file://`` indexes without hashes) must be
read in full, and a 190 MB wheel takes about 0.2 s to hash. :class:`HashingRepository`
wraps the repository the solver reads: when the solver reads a release (it does
so when it decides a version), the file the target would install is handed to a
background thread, so hashing overlaps the rest of the solve instead of
following it (``hashlib`` releases the GIL on large buffers). The lock then
collects the digests it needs; a file the solver did not read ahead is hashed
on the spot. Results never depend on the timing: the digests are the same.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from compatlib.values.urls import is_file_url, url_to_path

if TYPE_CHECKING:
    from compatlib.sources.memory import Artifact, IndexRelease
    from compatlib.values.tags import TagRanker
    from compatlib.values.target import Target

__all__ = ["HashingRepository", "hash_local_files", "local_digest", "local_sha256"]

_BLOCK = 4 << 20  # bytes hashed between two looks at the cancel flag
_MAP_FROM = 1 << 20  # smaller files are read in one go


def _hash_mapped(h: Any, fd: int, cancel: threading.Event | None) -> bool:
    """Feed a whole file to ``h`` through a memory map (no copy into Python
    buffers: about 15% faster than reading on large wheels); ``False`` if
    cancelled."""
    # lazy: only _hash_mapped needs mmap, which loads 1 module that importing this one does not
    import mmap

    with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped, memoryview(mapped) as view:
        for start in range(0, len(mapped), _BLOCK):
            if cancel is not None and cancel.is_set():
                return False
            h.update(view[start : start + _BLOCK])
    return True


def local_sha256(
    url: str,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    cancel: threading.Event | None = None,
) -> str | None:
    """The sha256 of a ``file://`` URL's file (``None`` if it cannot be read).

    Digests are cached in ``<cache_dir>/sha256-files`` keyed by path, size and
    modification time; ``cache_dir=None`` means the default cache folder.
    ``cancel`` stops a long read early (the result is then ``None``).
    """
    # lazy: only local_sha256 needs compatlib.sources.fetch, which loads 2 modules that importing this one does not
    from compatlib.sources.fetch import atomic_write, default_cache_dir

    try:
        path = url_to_path(url)
        st = path.stat()
    except (OSError, ValueError):
        return None
    key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}"
    name = hashlib.sha256(key.encode()).hexdigest()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache_file = root / "sha256-files" / name[:2] / name
    try:
        cached = cache_file.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        cached = ""
    if len(cached) == 64 and all(ch in "0123456789abcdef" for ch in cached):
        return cached
    h = hashlib.sha256()
    try:
        with path.open("rb", buffering=0) as fh:
            if st.st_size < _MAP_FROM:
                h.update(fh.read())
            elif not _hash_mapped(h, fh.fileno(), cancel):
                return None
    except (OSError, ValueError):
        return None
    digest = h.hexdigest()
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache_file, digest.encode("ascii"))
    except OSError:
        pass  # a read-only cache only costs time
    return digest


def local_digest(
    url: str, algorithm: str, cache_dir: str | os.PathLike[str] | None = None
) -> str | None:
    """The ``algorithm`` digest (sha256, sha384 or sha512) of a ``file://`` URL's
    file; sha256 is cached as :func:`local_sha256` does, the others are not."""
    if algorithm == "sha256":
        return local_sha256(url, cache_dir)
    try:
        h = hashlib.new(algorithm)
        with url_to_path(url).open("rb", buffering=0) as fh:
            if os.fstat(fh.fileno()).st_size < _MAP_FROM:
                h.update(fh.read())
            else:
                _hash_mapped(h, fh.fileno(), None)
    except (OSError, ValueError):
        return None
    return h.hexdigest()


def hash_local_files(
    urls: Sequence[str], cache_dir: str | os.PathLike[str] | None
) -> dict[str, str]:
    """sha256 of several local files, on up to four threads (hashlib releases the
    GIL while hashing, so large wheels hash in parallel)."""
    if not urls:
        return {}
    if len(urls) == 1:
        results = [local_sha256(urls[0], cache_dir)]
    else:
        # lazy: only hash_local_files needs concurrent, which loads 13 modules that importing this one does not
        from concurrent.futures import ThreadPoolExecutor

        workers = max(1, min(4, os.cpu_count() or 1, len(urls)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda u: local_sha256(u, cache_dir), urls))
    return {u: d for u, d in zip(urls, results, strict=True) if d is not None}


class _Job:
    """One file to hash; ``done`` is set when ``digest`` is final."""

    __slots__ = ("cancel", "digest", "done", "url")

    def __init__(self, url: str) -> None:
        self.url = url
        self.digest: str | None = None
        self.done = threading.Event()
        self.cancel = threading.Event()


class HashingRepository:
    """A repository wrapper that starts hashing each release's local file for
    ``target`` as soon as the solver reads that release.

    ``choose`` picks the file (the lock's own rule, :func:`choose_artifact`);
    ``requires_seen``, when given, collects the requirements of every release read.
    When the solver reads another version of a package, the first one was
    given up, so its unfinished hash is abandoned. Call :meth:`digests` for the
    files the lock pins (an abandoned one is hashed again then), then
    :meth:`close`.
    """

    def __init__(
        self,
        repository: Any,
        target: Target,
        choose: Callable[[IndexRelease, Target, TagRanker], Artifact | None],
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        max_workers: int | None = None,
        requires_seen: list[str] | None = None,
    ) -> None:
        # lazy: only __init__ needs compatlib.values.tags, which loads 4 modules that importing this one does not
        from compatlib.values.tags import TagRanker

        self.repository = repository
        self._requires_seen = requires_seen
        self._target = target
        self._choose = choose
        self._ranker = TagRanker.for_target(target)
        self._cache_dir = cache_dir
        self._max_workers = max_workers or max(1, min(4, os.cpu_count() or 1))
        self._jobs: dict[str, _Job] = {}
        self._latest: dict[str, _Job] = {}  # package name -> its newest job
        self._queue: SimpleQueue[_Job | None] = SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    # -- the Repository protocol ---------------------------------------------------
    def versions(self, name: str) -> list[str]:
        return list(self.repository.versions(name))

    def release(self, name: str, version: str) -> IndexRelease:
        rel: IndexRelease = self.repository.release(name, version)
        if self._requires_seen is not None:  # a universal lock collects the markers
            self._requires_seen.extend(rel.requires)
        art = self._choose(rel, self._target, self._ranker)
        if art is not None and is_file_url(art.url) and not _has_lock_hash(art):
            self._submit(name, art.url)
        return rel

    def __getattr__(self, name: str) -> Any:
        # everything else (is_yanked, ...) is the wrapped repository's, or absent
        if name == "repository":  # not set yet: no recursion
            raise AttributeError(name)
        return getattr(self.repository, name)

    # -- hashing -------------------------------------------------------------------
    def _submit(self, name: str, url: str) -> None:
        with self._lock:
            if self._closed:
                return
            job = self._jobs.get(url)
            if job is not None and not job.cancel.is_set():
                self._latest[name] = job
                return
            previous = self._latest.get(name)
            if previous is not None and previous is not job:
                previous.cancel.set()  # the solver moved to another version
            job = _Job(url)
            self._jobs[url] = job
            self._latest[name] = job
            self._queue.put(job)
            if len(self._workers) < self._max_workers:
                worker = threading.Thread(target=self._work, name="sha256", daemon=True)
                self._workers.append(worker)
                worker.start()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if not job.cancel.is_set():
                job.digest = local_sha256(job.url, self._cache_dir, cancel=job.cancel)
            job.done.set()

    def digests(self, urls: Sequence[str]) -> dict[str, str]:
        """The sha256 of each of ``urls`` (local files), waiting for those under way."""
        with self._lock:
            jobs = {u: self._jobs.get(u) for u in urls}
        out: dict[str, str] = {}
        again: list[str] = []
        for url, job in jobs.items():
            if job is None or job.cancel.is_set():
                again.append(url)
                continue
            job.done.wait()
            if job.digest is not None:
                out[url] = job.digest
            elif job.cancel.is_set():
                again.append(url)
        out.update(hash_local_files(again, self._cache_dir))
        return out

    def close(self) -> None:
        """Abandon the hashes not collected yet (one under way stops within 4 MB)."""
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                job.cancel.set()
            for _ in self._workers:
                self._queue.put(None)


def _has_lock_hash(art: Artifact) -> bool:
    return any(algo in ("sha256", "sha384", "sha512") for algo, _ in art.hashes)
