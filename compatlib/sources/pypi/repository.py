"""A lazy :class:`~compatlib.sources.memory.Repository` over simple indexes and find-links.

:class:`PyPIRepository` lists a project's versions from PEP 503/691 indexes
(``https://``, ``http://`` or ``file://``) and find-links locations, keeps only
versions with a wheel the *target* accepts (or an sdist, when allowed), and
reads a release's metadata on demand without ever running build code.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from packaging.version import InvalidVersion, Version

from compatlib._values import value
from compatlib.errors import CompatError, InputError
from compatlib.sources.fetch import (
    Fetcher,
    FetchError,
    OfflineError,
    atomic_write,
    redact_url,
)
from compatlib.sources.memory import Artifact, IndexRelease
from compatlib.sources.pypi.findlinks import FindLinks, location_to_url
from compatlib.sources.pypi.metadata import (
    CoreMetadata,
    MetadataError,
    MetadataUnavailableError,
    RemoteFile,
    check_identity,
    is_static,
    parse_core_metadata,
    read_sdist_metadata,
    read_wheel_metadata,
)
from compatlib.sources.pypi.simple import ACCEPT, DistFile, parse_project_page
from compatlib.values.filenames import NormalizedName, canonicalize_name, parse_dist_filename
from compatlib.values.tags import TagRanker
from compatlib.values.target import Target
from compatlib.values.urls import is_file_url, url_to_path

__all__ = ["PyPIRepository", "Strategy", "UnknownReleaseError"]

Strategy = Literal["first-index", "best-match"]

_SDIST_RANK = 1 << 30
_TAIL_BYTES = 64 * 1024


class UnknownReleaseError(CompatError, KeyError):
    """``release(name, version)`` for a version :meth:`PyPIRepository.versions` does not list."""

    def __init__(self, package: str, version: str) -> None:
        self.package = package
        self.version = version
        CompatError.__init__(self, f"{package} {version} is not available for this target")

    def __str__(self) -> str:
        return str(self.args[0])


@value
class _Candidate:
    file: DistFile
    kind: Literal["wheel", "sdist"]
    rank: int  # tag rank for wheels (lower is better); _SDIST_RANK for sdists

    def sort_key(self) -> tuple[bool, int, str]:
        return (self.file.yanked, self.rank, self.file.filename)


@value
class _Project:
    name: NormalizedName
    candidates: dict[str, tuple[_Candidate, ...]]  # normalized version -> sorted candidates
    keys: dict[Version, str]  # any spelling of a version -> its key in candidates
    skipped: dict[str, str]  # normalized version -> why no file is usable
    files: tuple[DistFile, ...]


class PyPIRepository:
    """Packages from simple indexes and find-links folders, for one :class:`Target`.

    ``indexes``: simple-index base URLs (``https://pypi.org/simple``,
    ``file:///opt/pypi/simple``) or local folder paths, in priority order.
    ``find_links``: folders (paths or ``file://`` URLs) or HTML pages of
    distribution files, always merged in as an extra source.
    ``strategy``: ``"first-index"`` (default) takes a project only from the first
    index that lists it, which prevents dependency confusion; ``"best-match"``
    merges every index's files.
    ``allow_sdist_metadata``: also accept sdists whose ``PKG-INFO`` is static
    (Metadata-Version >= 2.2, nothing that matters ``Dynamic``).
    ``offline``: no network at all; cache and local files only.
    ``cache_dir``: on-disk cache (default :func:`~compatlib.sources.fetch.default_cache_dir`).
    ``progress``: a fetch counter on stderr, shown only when stderr is a
    terminal and ``progress`` is not ``False``.
    ``macos``/``musllinux``: see :func:`~compatlib.values.tags.target_tags`.
    """

    def __init__(
        self,
        indexes: Sequence[str] = (),
        find_links: Sequence[str] = (),
        *,
        target: Target,
        offline: bool = False,
        cache_dir: str | os.PathLike[str] | None = None,
        strategy: Strategy = "first-index",
        allow_sdist_metadata: bool = True,
        timeout: float = 30.0,
        progress: bool | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        max_workers: int = 8,
        macos: str | None = None,
        musllinux: str | None = None,
        hash_local_files: bool = True,
    ) -> None:
        if strategy not in ("first-index", "best-match"):
            raise InputError(
                f"unknown index strategy {strategy!r}",
                field="strategy",
                expected="'first-index' or 'best-match'",
            )
        self.target = target
        self.indexes = tuple(location_to_url(i).rstrip("/") + "/" for i in indexes)
        self.strategy: Strategy = strategy
        self.allow_sdist_metadata = allow_sdist_metadata
        self.hash_local_files = hash_local_files
        self.fetcher = Fetcher(
            cache_dir=cache_dir,
            offline=offline,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_workers=max_workers,
            index_urls=self.indexes,
            progress=progress,
        )
        self.find_links = FindLinks(find_links, self.fetcher)
        self.ranker = TagRanker.for_target(target, macos=macos, musllinux=musllinux)
        self._lock = threading.Lock()
        self._projects: dict[NormalizedName, _Project] = {}
        self._releases: dict[tuple[NormalizedName, str], IndexRelease] = {}
        self._failures: dict[tuple[NormalizedName, str], MetadataUnavailableError] = {}
        self._sdist_static: dict[str, bool] = {}
        self._hashes: dict[str, str] = {}

    # -- Repository protocol -----------------------------------------------------------

    def versions(self, name: str) -> list[str]:
        """Versions of ``name`` with a usable file for the target, oldest first."""
        project = self._project(name)
        return [v for v in project.candidates if self._usable(project, v)]

    def missing_reason(self, name: str) -> str | None:
        """Why ``name`` has no usable version although the sources list files for
        it; ``None`` when it has one, or when no source knows it."""
        project = self._project(name)
        if not project.files or any(self._usable(project, v) for v in project.candidates):
            return None
        n = len(project.files)
        py = self.target.python_version
        where = f"Python {py.major}.{py.minor}, {self.target.subdir}"
        reasons = set(project.skipped.values())
        if reasons == {"no wheel compatible with the target"}:
            return f"{project.name} has {n} file{'s' if n != 1 else ''}, none for {where}"
        return (
            f"{project.name} has {n} file{'s' if n != 1 else ''}, none usable for {where} "
            "(wheels for other targets, or sdists without static metadata)"
        )

    def release(self, name: str, version: str) -> IndexRelease:
        """The release ``name==version``, its metadata read on demand.

        Raises :class:`UnknownReleaseError` for a version without usable files and
        :class:`~compatlib.sources.pypi.metadata.MetadataUnavailableError` when no
        file's metadata can be read (offline and uncached, dynamic sdist, ...).
        """
        project = self._project(name)
        try:
            key_version = project.keys.get(Version(version))
        except InvalidVersion:
            key_version = None
        if key_version is None:
            raise UnknownReleaseError(project.name, version)
        key = (project.name, key_version)
        with self._lock:
            hit = self._releases.get(key)
            failure = self._failures.get(key)
        if hit is not None:
            return hit
        if failure is not None:  # a solver may ask again; don't refetch to fail again
            raise failure
        candidates = project.candidates[key_version]
        try:
            meta = self._metadata(project.name, key[1], candidates)
        except MetadataUnavailableError as exc:
            with self._lock:
                self._failures[key] = exc
            raise
        artifacts = tuple(self._artifact(c) for c in candidates)
        requires_python = meta.requires_python
        if requires_python is None:
            requires_python = next(
                (c.file.requires_python for c in candidates if c.file.requires_python), None
            )
        rel = IndexRelease(
            version=key[1],
            requires=meta.requires_dist,
            requires_python=requires_python,
            yanked=all(c.file.yanked for c in candidates),
            extras=meta.provides_extra,
            artifacts=artifacts,
        )
        with self._lock:
            self._releases[key] = rel
        return rel

    # -- extras ----------------------------------------------------------------------------

    def is_yanked(self, name: str, version: str) -> bool:
        """Whether every usable file of ``name==version`` is yanked (PEP 592).

        Answers from the project page alone, without reading metadata, so a
        provider can skip yanked versions cheaply. False for unknown versions.
        """
        project = self._project(name)
        try:
            key_version = project.keys.get(Version(version))
        except InvalidVersion:
            return False
        if key_version is None:
            return False
        return all(c.file.yanked for c in project.candidates[key_version])

    def files(self, name: str) -> list[DistFile]:
        """Every file listed for ``name`` by the chosen sources, usable or not."""
        return list(self._project(name).files)

    def skipped_versions(self, name: str) -> list[tuple[str, str]]:
        """``(version, reason)`` for versions dropped for this target, oldest first."""
        project = self._project(name)
        out = dict(project.skipped)
        for v in project.candidates:
            if not self._usable(project, v):
                out[v] = "only sdists with dynamic metadata"
        return sorted(out.items(), key=lambda kv: Version(kv[0]))

    def prefetch(self, names: Iterable[str]) -> None:
        """Fetch the project pages of ``names`` concurrently."""
        self.fetcher.map(self._project, sorted(set(names)))

    def prefetch_releases(self, name: str, versions: Iterable[str] | None = None) -> None:
        """Read the metadata of several releases concurrently (errors are deferred
        to the later :meth:`release` call)."""

        def one(v: str) -> None:
            with contextlib.suppress(CompatError):
                self.release(name, v)

        self.fetcher.map(one, list(versions) if versions is not None else self.versions(name))

    def close(self) -> None:
        """Clear the progress line."""
        self.fetcher.close()

    def __enter__(self) -> PyPIRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<PyPIRepository indexes={[redact_url(i) for i in self.indexes]} "
            f"find_links={[redact_url(u) for u in self.find_links.locations]} strategy={self.strategy}>"
        )

    # -- project pages -----------------------------------------------------------------

    def _index_files(self, index: str, name: NormalizedName) -> list[DistFile] | None:
        url = f"{index}{name}/"
        try:
            response = self.fetcher.get(url, accept=ACCEPT)
        except OfflineError:
            raise
        except FetchError as exc:
            if exc.status in (404, 410):
                return None
            raise
        files = parse_project_page(response.content, response.content_type, response.url)
        mine = [f for f in files if _file_project(f) == name]
        return mine or None

    def _project(self, raw_name: str) -> _Project:
        name = canonicalize_name(raw_name)
        with self._lock:
            hit = self._projects.get(name)
        if hit is not None:
            return hit
        files: list[DistFile] = []
        for index in self.indexes:
            found = self._index_files(index, name)
            if found is None:
                continue
            files.extend(found)
            if self.strategy == "first-index":
                break
        files.extend(self.find_links.files(name))
        project = self._build_project(name, files)
        with self._lock:
            self._projects.setdefault(name, project)
            return self._projects[name]

    def _build_project(self, name: NormalizedName, files: list[DistFile]) -> _Project:
        seen: set[str] = set()
        unique: list[DistFile] = []
        for f in files:  # first source wins for a filename listed twice
            if f.filename not in seen:
                seen.add(f.filename)
                unique.append(f)
        by_version: dict[Version, list[_Candidate]] = {}
        skipped: dict[Version, str] = {}
        for f in unique:
            parsed = parse_dist_filename(f.filename)
            if parsed is None:
                continue
            if parsed.kind == "wheel":
                rank = self.ranker.rank(parsed.tags)
                if rank is None:
                    skipped.setdefault(parsed.version, "no wheel compatible with the target")
                    continue
                by_version.setdefault(parsed.version, []).append(_Candidate(f, "wheel", rank))
            elif self.allow_sdist_metadata:
                by_version.setdefault(parsed.version, []).append(
                    _Candidate(f, "sdist", _SDIST_RANK)
                )
            else:
                skipped.setdefault(parsed.version, "only an sdist (sdist metadata disabled)")
        candidates = {
            str(v): tuple(sorted(cs, key=_Candidate.sort_key))
            for v, cs in sorted(by_version.items())
        }
        return _Project(
            name=name,
            candidates=candidates,
            keys={Version(v): v for v in candidates},
            skipped={str(v): why for v, why in sorted(skipped.items()) if v not in by_version},
            files=tuple(sorted(unique, key=lambda f: (f.filename, f.url))),
        )

    def _usable(self, project: _Project, version: str) -> bool:
        candidates = project.candidates[version]
        if any(c.kind == "wheel" for c in candidates):
            return True
        # sdist-only: local sdists are checked now (cheap); remote ones are assumed
        # static until release() reads them, to avoid downloading every old sdist.
        for c in candidates:
            if not is_file_url(c.file.url):
                return True
            if self._local_sdist_static(project.name, c.file):
                return True
        return False

    def _local_sdist_static(self, name: str, f: DistFile) -> bool:
        with self._lock:
            hit = self._sdist_static.get(f.url)
        if hit is not None:
            return hit
        try:
            meta = parse_core_metadata(
                read_sdist_metadata(url_to_path(f.url), f.filename, name), source=f.filename
            )
            ok = is_static(meta)
        except MetadataError:
            ok = False
        with self._lock:
            self._sdist_static[f.url] = ok
        return ok

    # -- artifacts -----------------------------------------------------------------------

    def _artifact(self, c: _Candidate) -> Artifact:
        f = c.file
        hashes = f.hashes
        size = f.size
        if is_file_url(f.url):
            path = url_to_path(f.url)
            if size is None:
                try:
                    size = path.stat().st_size
                except OSError:
                    size = None
            if not hashes and self.hash_local_files:
                digest = self._local_sha256(path)
                if digest is not None:
                    hashes = (("sha256", digest),)
        return Artifact(
            filename=f.filename,
            url=redact_url(f.url),
            hashes=hashes,
            size=size,
            yanked=f.yanked,
        )

    def _local_sha256(self, path: Path) -> str | None:
        try:
            st = path.stat()
        except OSError:
            return None
        key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}"
        with self._lock:
            hit = self._hashes.get(key)
        if hit is not None:
            return hit
        cache_file = self._cache_file("sha256", key)
        try:
            digest = cache_file.read_text("ascii").strip()
            if len(digest) == 64:
                with self._lock:
                    self._hashes[key] = digest
                return digest
        except OSError:
            pass
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
        self._store(cache_file, digest.encode("ascii"))
        with self._lock:
            self._hashes[key] = digest
        return digest

    # -- metadata ----------------------------------------------------------------------

    def _cache_file(self, kind: str, key: str) -> Path:
        digest = hashlib.sha256(f"{kind}\0{key}".encode()).hexdigest()
        return self.fetcher.cache_dir / kind / digest[:2] / digest

    @staticmethod
    def _store(path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError:
            pass

    def _metadata_cache_key(self, f: DistFile) -> str:
        key = f"{redact_url(f.url)}\0{f.hash() or ''}"
        if is_file_url(f.url):
            try:
                st = url_to_path(f.url).stat()
                key += f"\0{st.st_size}\0{st.st_mtime_ns}"
            except OSError:
                pass
        return key

    @staticmethod
    def _checked(data: bytes, c: _Candidate, name: str, version: str) -> CoreMetadata:
        meta = parse_core_metadata(data, source=c.file.filename)
        check_identity(meta, name, version, source=c.file.filename)
        if c.kind == "sdist" and not is_static(meta):
            raise MetadataError(
                "sdist metadata is dynamic or older than Metadata-Version 2.2",
                package=name,
                source=c.file.filename,
            )
        return meta

    def _metadata(
        self, name: NormalizedName, version: str, candidates: tuple[_Candidate, ...]
    ) -> CoreMetadata:
        reasons: list[str] = []
        offline = False
        for c in candidates:
            if c.kind == "sdist" and not self.allow_sdist_metadata:
                continue
            if c.kind == "wheel" and c.file.metadata is None and is_file_url(c.file.url):
                # a local wheel's METADATA is a few reads away: a cache entry
                # would cost as much to find, and more to write
                try:
                    return self._checked(self._read_metadata(name, c), c, name, version)
                except (FetchError, MetadataError) as exc:
                    reasons.append(f"{c.file.filename}: {exc}")
                    continue
            cache_file = self._cache_file("metadata", self._metadata_cache_key(c.file))
            try:
                cached: bytes | None = cache_file.read_bytes()
            except OSError:
                cached = None
            if cached is not None:
                try:
                    return self._checked(cached, c, name, version)
                except MetadataError:  # a damaged cache entry: drop it, read the source
                    with contextlib.suppress(OSError):
                        cache_file.unlink()
            try:
                data = self._read_metadata(name, c)
                meta = self._checked(data, c, name, version)
            except OfflineError as exc:
                offline = True
                reasons.append(f"{c.file.filename}: {exc}")
                continue
            except (FetchError, MetadataError) as exc:
                reasons.append(f"{c.file.filename}: {exc}")
                continue
            self._store(cache_file, data)  # only validated metadata is cached
            return meta
        raise MetadataUnavailableError(name, version, tuple(reasons), offline=offline)

    def _read_metadata(self, name: str, c: _Candidate) -> bytes:
        f = c.file
        if c.kind == "wheel":
            return self._wheel_metadata(name, f)
        if is_file_url(f.url):
            return read_sdist_metadata(url_to_path(f.url), f.filename, name, source=f.filename)
        response = self.fetcher.get(f.url)
        _verify(response.content, f.hashes, f.filename, name)
        return read_sdist_metadata(
            io.BytesIO(response.content), f.filename, name, source=f.filename
        )

    def _wheel_metadata(self, name: str, f: DistFile) -> bytes:
        if f.metadata is not None:  # PEP 658 / 714
            try:
                response = self.fetcher.get(f.url + ".metadata")
                _verify(response.content, f.metadata, f.filename + ".metadata", name)
                return response.content
            except OfflineError:
                if not is_file_url(f.url):
                    raise
            except (FetchError, MetadataError):
                pass  # advertised but missing or corrupt: read the wheel instead
        if is_file_url(f.url):
            return read_wheel_metadata(url_to_path(f.url), name, source=f.filename)
        first = self.fetcher.get_range(f.url, -_TAIL_BYTES)
        if not first.partial:  # the server ignored Range and sent the whole wheel
            _verify(first.content, f.hashes, f.filename, name)
            return read_wheel_metadata(io.BytesIO(first.content), name, source=f.filename)
        url = f.url

        def fetch(start: int, end: int) -> bytes:
            return self.fetcher.get_range(url, start, end).content

        remote = RemoteFile(fetch, first.total, first.content)
        try:
            return read_wheel_metadata(remote, name, source=f.filename)
        except OSError as exc:
            raise MetadataError(
                f"range read failed: {exc}", package=name, source=f.filename
            ) from None


def _file_project(f: DistFile) -> NormalizedName | None:
    parsed = parse_dist_filename(f.filename)
    return parsed.name if parsed is not None else None


def _verify(data: bytes, hashes: tuple[tuple[str, str], ...], what: str, name: str) -> None:
    """Check ``data`` against the first hash algorithm hashlib knows, if any."""
    for algo, expected in hashes:
        try:
            actual = hashlib.new(algo, data).hexdigest()
        except ValueError:
            continue
        if actual != expected:
            raise MetadataError(
                f"{algo} mismatch for {what}: got {actual}, expected {expected}", package=name
            )
        return
