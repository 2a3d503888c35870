"""What the repositories of one lock run share: scans, parsed pages, metadata.

A universal or multi-platform lock solves once per platform and class of
Pythons, each with a :class:`~compatlib.sources.pypi.PyPIRepository` for that
target. What a source holds does not depend on the target: a find-links folder
lists the same files, an index page the same rows, a wheel the same
``METADATA``. :class:`SharedSources` keeps those, so that each folder is
scanned once, each page fetched and parsed once, and each file's metadata read
once per run; each repository applies its own target (wheel tags, the Python's
``Requires-Python``) on top of the shared data.

Failures are kept too: a page or file that could not be read (a network error
included, after the fetcher's own retries) stays unreadable for the rest of the
run, so that every target of one lock sees the same sources; a later run tries
again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from compatlib.sources.fetch import Fetcher
    from compatlib.sources.pypi.findlinks import FindLinks
    from compatlib.sources.pypi.simple import PackedPage

__all__ = ["SharedSources"]

T = TypeVar("T")


class SharedSources:
    """The target-independent state of the PyPI repositories of one run.

    Pass one instance as ``shared=`` to every
    :class:`~compatlib.sources.pypi.PyPIRepository` that reads the same sources
    with the same options (offline, cache folder, verification); call
    :meth:`close` when done. Thread-safe. The counters say how much was read,
    for tests and benchmarks: ``folder_scans`` (find-links locations listed),
    ``pages_parsed`` (index pages parsed, not answered from the cache) and
    ``metadata_reads`` (files whose metadata was read, from the file, the
    network or the metadata cache).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fetcher: Fetcher | None = None
        self._find_links: dict[tuple[str, ...], FindLinks] = {}
        self._memo: dict[tuple[str, str], Any] = {}
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        #: local sdist URL -> whether its metadata is static
        self.sdist_static: dict[str, bool] = {}
        #: local file (path, size, mtime) -> sha256
        self.hashes: dict[str, str] = {}
        self.metadata_reads = 0
        self.pages_parsed = 0

    @property
    def folder_scans(self) -> int:
        with self._lock:
            links = list(self._find_links.values())
        return sum(f.scans for f in links)

    def fetcher(self, make: Callable[[], Fetcher]) -> Fetcher:
        """The run's fetcher, made by ``make`` on the first call."""
        with self._lock:
            if self._fetcher is None:
                self._fetcher = make()
            return self._fetcher

    def find_links(self, locations: Sequence[str], fetcher: Fetcher) -> FindLinks:
        """The :class:`FindLinks` of ``locations`` (as URLs), scanned at most once."""
        from compatlib.sources.pypi.findlinks import FindLinks  # lazy: a cycle otherwise

        key = tuple(locations)
        with self._lock:
            hit = self._find_links.get(key)
            if hit is None:
                hit = self._find_links[key] = FindLinks(key, fetcher)
            return hit

    def page(
        self, url: str, load: Callable[[], tuple[PackedPage | None, bool]]
    ) -> PackedPage | None:
        """The target-independent rows of the project page ``url``: ``load()``
        (``(page, parsed)``) on the first call, the same object afterwards."""

        def once() -> PackedPage | None:
            page, parsed = load()
            if parsed:
                with self._lock:
                    self.pages_parsed += 1
            return page

        result: PackedPage | None = self._once("page", url, once)
        return result

    def metadata(self, key: str, read: Callable[[], T]) -> T:
        """``read()`` for the file ``key`` (its URL and declared hashes), once:
        later calls return its result or raise its error again."""

        def counted() -> T:
            with self._lock:
                self.metadata_reads += 1
            return read()

        return self._once("metadata", key, counted)

    def _once(self, kind: str, key: str, make: Callable[[], T]) -> T:
        # a key's lock lives only while its first call runs: a run keeps one
        # result per key, not a lock too
        slot = (kind, key)
        with self._lock:
            found = slot in self._memo
            result: Any = self._memo.get(slot)
            if not found:
                key_lock = self._key_locks.setdefault(slot, threading.Lock())
        if not found:
            with key_lock:
                with self._lock:
                    found = slot in self._memo
                    result = self._memo.get(slot)
                if not found:
                    try:
                        result = make()
                    except Exception as exc:
                        result = _Failure(exc)
                    with self._lock:
                        self._memo[slot] = result
                        del self._key_locks[slot]
        if isinstance(result, _Failure):
            # from the first failure's traceback each time: raising the kept
            # error as it is would add each raise's frames to it (and keep them)
            raise result.error.with_traceback(result.traceback)
        out: T = result
        return out

    def close(self) -> None:
        """Clear the progress line and close idle connections."""
        with self._lock:
            fetcher = self._fetcher
        if fetcher is not None:
            fetcher.close()


class _Failure:
    __slots__ = ("error", "traceback")

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.traceback = error.__traceback__
