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
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compatlib.index.memory import Artifact, IndexRelease
    from compatlib.index.pypi.tags import TagRanker
    from compatlib.target import Target

__all__ = ["HashingRepository", "hash_local_files", "local_sha256"]

_BLOCK = 1 << 20


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
    from pathlib import Path

    from compatlib.index.pypi.fetch import atomic_write, default_cache_dir, url_to_path

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
    if len(cached) == 64:
        return cached
    h = hashlib.sha256()
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    try:
        with path.open("rb", buffering=0) as fh:
            while True:
                if cancel is not None and cancel.is_set():
                    return None
                n = fh.readinto(buffer)
                if not n:
                    break
                h.update(view[:n])
    except OSError:
        return None
    digest = h.hexdigest()
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache_file, digest.encode("ascii"))
    except OSError:
        pass  # a read-only cache only costs time
    return digest


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
        from concurrent.futures import ThreadPoolExecutor

        workers = max(1, min(4, os.cpu_count() or 1, len(urls)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda u: local_sha256(u, cache_dir), urls))
    return {u: d for u, d in zip(urls, results, strict=True) if d is not None}


class HashingRepository:
    """A repository wrapper that starts hashing each release's local file for
    ``target`` as soon as the solver reads that release.

    ``choose`` picks the file (the lock's own rule, :func:`choose_artifact`).
    Call :meth:`digests` for the files the lock pins, then :meth:`close`;
    hashes not needed any more are abandoned at close.
    """

    def __init__(
        self,
        repository: Any,
        target: Target,
        choose: Callable[[IndexRelease, Target, TagRanker], Artifact | None],
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        max_workers: int | None = None,
    ) -> None:
        from compatlib.index.pypi.tags import TagRanker

        self.repository = repository
        self._target = target
        self._choose = choose
        self._ranker = TagRanker.for_target(target)
        self._cache_dir = cache_dir
        self._workers = max_workers or max(1, min(2, os.cpu_count() or 1))
        self._pool: Any = None
        self._jobs: dict[str, Future[str | None]] = {}
        self._lock = threading.Lock()
        self._cancel = threading.Event()

    # -- the Repository protocol ---------------------------------------------------
    def versions(self, name: str) -> list[str]:
        return list(self.repository.versions(name))

    def release(self, name: str, version: str) -> IndexRelease:
        rel: IndexRelease = self.repository.release(name, version)
        art = self._choose(rel, self._target, self._ranker)
        if art is not None and art.url.startswith("file:") and not _has_lock_hash(art):
            self._submit(art.url)
        return rel

    def __getattr__(self, name: str) -> Any:
        # everything else (is_yanked, ...) is the wrapped repository's, or absent
        return getattr(self.repository, name)

    # -- hashing -------------------------------------------------------------------
    def _submit(self, url: str) -> None:
        with self._lock:
            if url in self._jobs or self._cancel.is_set():
                return
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="sha256"
                )
            self._jobs[url] = self._pool.submit(
                local_sha256, url, self._cache_dir, cancel=self._cancel
            )

    def digests(self, urls: Sequence[str]) -> dict[str, str]:
        """The sha256 of each of ``urls`` (local files), waiting for those under way."""
        with self._lock:
            jobs = {u: self._jobs.get(u) for u in urls}
        missing = [u for u, job in jobs.items() if job is None]
        out = hash_local_files(missing, self._cache_dir)
        for url, job in jobs.items():
            if job is not None:
                digest = job.result()
                if digest is not None:
                    out[url] = digest
        return out

    def close(self) -> None:
        """Abandon the hashes not collected yet (a read under way stops within 1 MB)."""
        with self._lock:
            self._cancel.set()
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _has_lock_hash(art: Artifact) -> bool:
    return any(algo in ("sha256", "sha384", "sha512") for algo, _ in art.hashes)
