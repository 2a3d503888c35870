"""A lazy :class:`~compatlib.sources.memory.Repository` over simple indexes and find-links.

:class:`PyPIRepository` lists a project's versions from PEP 503/691 indexes
(``https://``, ``http://`` or ``file://``) and find-links locations, keeps only
versions with a wheel the *target* accepts (or an sdist, when allowed), and
reads a release's metadata on demand without ever running build code.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import json
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

from compatlib._input import load_json
from compatlib._values import value
from compatlib.errors import CompatError, InputError
from compatlib.sources.fetch import (
    Fetcher,
    FetchError,
    OfflineError,
    Response,
    atomic_write,
    redact_url,
)
from compatlib.sources.memory import Artifact, IndexRelease, Repository
from compatlib.sources.pypi.findlinks import FindLinks, location_to_url
from compatlib.sources.pypi.metadata import (
    MAX_METADATA_BYTES,
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
from compatlib.sources.pypi.shared import SharedSources
from compatlib.sources.pypi.simple import (
    ACCEPT,
    PACKED_FORM,
    DistFile,
    PackedPage,
    PackedRow,
    pack_files,
    page_rows,
    parse_project_page,
    row_file,
    unpack_files,
)
from compatlib.values.filenames import (
    NormalizedName,
    canonicalize_name,
    parse_dist_filename,
    parse_tag,
)
from compatlib.values.tags import TagRanker
from compatlib.values.target import Target
from compatlib.values.urls import is_file_url, url_to_path

__all__ = [
    "METADATA_SOURCES",
    "MetadataSource",
    "PyPIRepository",
    "Strategy",
    "UnknownReleaseError",
    "VerifyMetadata",
]

Strategy = Literal["first-index", "best-match"]

#: How metadata was obtained (written per package in a JSON lock):
#: ``pep658``: the PEP 658 metadata file, checked against the hash the index
#: declares for it; ``range``: HTTP range reads of a remote wheel, checked
#: against nothing; ``wheel``: a whole remote wheel, hashed and checked;
#: ``sdist``: a whole remote sdist, hashed and checked; ``local``: a local file;
#: ``index``: none read, the index's Requires-Python rules the release out.
MetadataSource = Literal["pep658", "range", "wheel", "sdist", "local", "index"]
METADATA_SOURCES: tuple[str, ...] = ("pep658", "range", "wheel", "sdist", "local", "index")

#: ``fast``: range reads of remote wheels are trusted; ``full``: a remote file's
#: metadata is trusted only from the whole file, hashed and checked against the
#: index, or from a PEP 658 file checked against its declared hash.
VerifyMetadata = Literal["fast", "full"]

#: the ways ``full`` verification accepts from the cache: checked against a hash
#: the index declares, or not needing one (a local file; nothing read)
_CHECKED_SOURCES = frozenset({"pep658", "wheel", "sdist", "local", "index"})

_SDIST_RANK = 1 << 30
_NO_WHEEL = "no wheel compatible with the target"
_NO_SDIST = "only an sdist (sdist metadata disabled)"
#: the cache's form of a page for every target: a wheel row's last field is
#: its tag triple (an sdist's is ``""``), ranked per target by ``_for_target``
_ALL_TARGETS = f"{PACKED_FORM}:all-targets"
_TAIL_BYTES = 128 * 1024  # the end of the central directory, and all of a small one
_BAD_TAGS = object()  # a wheel filename whose tags do not parse
_NOT_PLAIN = object()  # not "name-version-tags.whl" (a build tag, or no tags)


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


#: One file of a project, as ranked for the target: ``(yanked, rank, filename,
#: kind, requires_python, file, source)``; ``file`` is a :class:`DistFile` or a
#: packed row (made into one only when needed), ``source`` the page it came from.
#: Tuples sort best first: non-yanked, then by rank, then by name.
_Entry = tuple[bool, int, str, str, "str | None", "DistFile | PackedRow", str]


def _entry_file(entry: _Entry) -> DistFile:
    item = entry[5]
    return item if isinstance(item, DistFile) else row_file(item, entry[6])


class _Project:
    """One project's files for the target, by version.

    ``entries``: normalized version -> its usable files (:data:`_Entry`), best
    first; ``skipped``: normalized version -> why no file is usable; ``count``:
    how many files the sources list. Candidates and the lookup of other
    spellings of a version are made only when asked for: a project of thousands
    of files is read on every lock, and most of it is never looked at again.
    """

    __slots__ = ("_candidates", "_keys", "_lock", "count", "entries", "name", "skipped")

    def __init__(
        self,
        name: NormalizedName,
        entries: dict[str, list[_Entry]],
        skipped: dict[str, str],
        count: int,
    ) -> None:
        self.name = name
        self.entries = entries
        self.skipped = skipped
        self.count = count
        self._keys: dict[Version, str] | None = None
        self._candidates: dict[str, tuple[_Candidate, ...]] = {}
        self._lock = threading.Lock()

    def key(self, version: str) -> str | None:
        """The key in ``entries`` of any spelling of ``version`` (``None``: not there)."""
        if version in self.entries:
            return version
        keys = self._keys
        if keys is None:
            keys = self._keys = {Version(v): v for v in self.entries}
        try:
            return keys.get(Version(version))
        except InvalidVersion:
            return None

    def candidates(self, version: str) -> tuple[_Candidate, ...]:
        """The usable files of ``version`` (a key of ``entries``), best first."""
        with self._lock:
            hit = self._candidates.get(version)
            if hit is None:
                hit = self._candidates[version] = tuple(
                    _Candidate(_entry_file(e), e[3], e[1])  # type: ignore[arg-type]
                    for e in self.entries[version]
                )
            return hit


class PyPIRepository(Repository):
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
    ``verify_metadata``: ``"fast"`` (default) reads a remote wheel's metadata with
    HTTP range requests, which nothing checks; ``"full"`` downloads and hashes
    the whole file first (or uses a PEP 658 file with a declared hash). Either
    way :meth:`metadata_source` says how each release's metadata was obtained.

    Files whose ``Requires-Python`` (from the index) excludes the target's Python
    are never read: a release with only such files gets that ``Requires-Python``
    and no dependencies, which rules it out as reading it would.
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
        verify_metadata: VerifyMetadata = "fast",
        shared: SharedSources | None = None,
    ) -> None:
        if verify_metadata not in ("fast", "full"):
            raise InputError(
                f"unknown metadata verification {verify_metadata!r}",
                field="verify_metadata",
                expected="'fast' or 'full'",
            )
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
        self.verify_metadata: VerifyMetadata = verify_metadata

        def fetcher() -> Fetcher:
            return Fetcher(
                cache_dir=cache_dir,
                offline=offline,
                timeout=timeout,
                retries=retries,
                backoff=backoff,
                max_workers=max_workers,
                index_urls=self.indexes,
                progress=progress,
            )

        self.shared = shared
        if shared is None:
            self.fetcher = fetcher()
            self.find_links = FindLinks(find_links, self.fetcher)
        else:
            self.fetcher = shared.fetcher(fetcher)
            locations = [location_to_url(loc) for loc in find_links]
            self.find_links = shared.find_links(locations, self.fetcher)
        self.ranker = TagRanker.for_target(target, macos=macos, musllinux=musllinux)
        self._lock = threading.Lock()
        self._projects: dict[NormalizedName, _Project] = {}
        self._building: dict[NormalizedName, threading.Lock] = {}
        self._reading: dict[tuple[NormalizedName, str], threading.Lock] = {}
        self._releases: dict[tuple[NormalizedName, str], IndexRelease] = {}
        self._failures: dict[tuple[NormalizedName, str], MetadataUnavailableError] = {}
        self._sdist_static: dict[str, bool] = shared.sdist_static if shared else {}
        self._hashes: dict[str, str] = shared.hashes if shared else {}
        self._triples: dict[str, int | None] = {}  # wheel tag triple -> rank (None: unfit)
        self._sources: dict[tuple[NormalizedName, str], MetadataSource] = {}
        self._python_fits: dict[str | None, bool] = {None: True}
        self._left_out: dict[NormalizedName, dict[str, tuple[str, ...]]] = {}
        self._kind: str | None = None  # see _form_kind
        #: Project pages parsed (not answered from the cache), for tests and benchmarks.
        self.pages_parsed = 0
        #: Files whose metadata this repository read (not given by ``shared``).
        self.metadata_reads = 0

    # -- Repository protocol -----------------------------------------------------------

    def versions(self, name: str) -> list[str]:
        """Versions of ``name`` with a usable file for the target, oldest first."""
        project = self._project(name)
        return [v for v in project.entries if self._usable(project, v)]

    @property
    def source_description(self) -> str:
        """Where this repository looks, in words for "x is not ...": ``on PyPI``,
        ``on the index``, ``in the find-links folders``, or both."""
        where = []
        if self.indexes:
            pypi = all(i.startswith("https://pypi.org/simple") for i in self.indexes)
            where.append(
                "on PyPI" if pypi else "on the index" + ("es" if len(self.indexes) > 1 else "")
            )
        if self.find_links.locations:
            where.append("in the find-links locations")
        return " or ".join(where) or "in any source"

    def missing_reason(self, name: str) -> str | None:
        """Why ``name`` has no usable version although the sources list files for
        it; ``None`` when it has one, or when no source knows it."""
        project = self._project(name)
        n = project.count
        if not n or any(self._usable(project, v) for v in project.entries):
            return None
        py = self.target.python_version
        where = f"Python {py.major}.{py.minor}, {self.target.subdir}"
        reasons = set(project.skipped.values())
        if reasons == {_NO_WHEEL}:
            return f"{project.name} has {n} file{'s' if n != 1 else ''}, none for {where}"
        return (
            f"{project.name} has {n} file{'s' if n != 1 else ''}, none usable for {where} "
            "(wheels for other targets, or sdists without static metadata)"
        )

    def left_out(self, name: str) -> dict[str, tuple[str, ...]]:
        """Versions of ``name`` left out because no file of theirs fits the
        target, each with its files' names, oldest first. Reads the project
        pages again (the cache keeps only what the target can use), once per
        project: only explanations ask, once per fact that names it."""
        project = self._project(name)
        if not project.skipped:
            return {}
        hit = self._left_out.get(project.name)
        if hit is None:
            found: dict[str, list[str]] = {}
            for f in self._all_files(project.name):
                parsed = parse_dist_filename(f.filename)
                if parsed is None:
                    continue
                text = str(parsed.version)
                if text in project.skipped:
                    found.setdefault(text, []).append(f.filename)
            hit = {v: tuple(found[v]) for v in sorted(found, key=Version)}
            with self._lock:
                self._left_out[project.name] = hit
        return dict(hit)

    def release(self, name: str, version: str) -> IndexRelease:
        """The release ``name==version``, its metadata read on demand.

        Raises :class:`UnknownReleaseError` for a version without usable files and
        :class:`~compatlib.sources.pypi.metadata.MetadataUnavailableError` when no
        file's metadata can be read (offline and uncached, dynamic sdist, ...).
        """
        project = self._project(name)
        key_version = project.key(version)
        if key_version is None:
            raise UnknownReleaseError(project.name, version)
        key = (project.name, key_version)
        with self._lock:
            hit = self._releases.get(key)
            failure = self._failures.get(key)
            reading = self._reading.setdefault(key, threading.Lock())
        if hit is not None:
            return hit
        if failure is not None:  # a solver may ask again; don't refetch to fail again
            raise failure
        with reading:  # a read-ahead thread and the solver read a release once
            with self._lock:
                hit = self._releases.get(key)
                failure = self._failures.get(key)
            if hit is not None:
                return hit
            if failure is not None:
                raise failure
            return self._read_release(project, key)

    def _read_release(self, project: _Project, key: tuple[NormalizedName, str]) -> IndexRelease:
        key_version = key[1]
        candidates = project.candidates(key_version)
        fitting = tuple(c for c in candidates if self._fits_python(c.file.requires_python))
        artifacts = tuple(self._artifact(c) for c in candidates)
        yanked = all(c.file.yanked for c in candidates)
        if not fitting:  # the index rules every file out: nothing to read
            rel = IndexRelease(
                version=key[1],
                requires_python=next(c.file.requires_python for c in candidates),
                yanked=yanked,
                artifacts=artifacts,
            )
            with self._lock:
                self._sources[key] = "index"
                self._releases[key] = rel
            return rel
        try:
            meta, source = self._metadata(project.name, key[1], fitting)
        except MetadataUnavailableError as exc:
            with self._lock:
                self._failures[key] = exc
            raise
        requires_python = meta.requires_python
        if requires_python is None:
            requires_python = next(
                (c.file.requires_python for c in candidates if c.file.requires_python), None
            )
        rel = IndexRelease(
            version=key[1],
            requires=meta.requires_dist,
            requires_python=requires_python,
            yanked=yanked,
            extras=meta.provides_extra,
            artifacts=artifacts,
        )
        with self._lock:
            self._sources[key] = source
            self._releases[key] = rel
        return rel

    def metadata_source(self, name: str, version: str) -> MetadataSource | None:
        """How the metadata of ``name==version`` was obtained (see
        :data:`METADATA_SOURCES`); ``None`` before :meth:`release` read it."""
        project = self._project(name)
        key_version = project.key(version)
        if key_version is None:
            return None
        with self._lock:
            return self._sources.get((project.name, key_version))

    def python_excluded(self, name: str, version: str) -> bool:
        """Whether the index's ``Requires-Python`` of every file of ``name==version``
        excludes the target's Python (answered from the project page alone)."""
        project = self._project(name)
        key_version = project.key(version)
        if key_version is None:
            return False
        return not any(self._fits_python(e[4]) for e in project.entries[key_version])

    def _fits_python(self, requires_python: str | None) -> bool:
        """Whether an index's ``Requires-Python`` admits the target's Python (an
        unreadable one does: the metadata decides)."""
        hit = self._python_fits.get(requires_python)
        if hit is None:
            # lazy: only for an index's Requires-Python
            from packaging.specifiers import InvalidSpecifier, SpecifierSet

            assert requires_python is not None
            try:
                hit = SpecifierSet(requires_python).contains(
                    self.target.python_version, prereleases=True
                )
            except InvalidSpecifier:
                hit = True
            self._python_fits[requires_python] = hit
        return hit

    # -- extras ----------------------------------------------------------------------------

    def is_yanked(self, name: str, version: str) -> bool:
        """Whether every usable file of ``name==version`` is yanked (PEP 592).

        Answers from the project page alone, without reading metadata, so a
        provider can skip yanked versions cheaply. False for unknown versions.
        """
        project = self._project(name)
        key_version = project.key(version)
        if key_version is None:
            return False
        return all(e[0] for e in project.entries[key_version])

    def files(self, name: str) -> list[DistFile]:
        """Every file listed for ``name`` by the chosen sources, usable or not."""
        return self._all_files(canonicalize_name(name))

    def skipped_versions(self, name: str) -> list[tuple[str, str]]:
        """``(version, reason)`` for versions dropped for this target, oldest first."""
        project = self._project(name)
        out = dict(project.skipped)
        for v in project.entries:
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
        """Clear the progress line (a ``shared`` fetcher is closed by its owner)."""
        if self.shared is None:
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

    def _index_files(self, index: str, name: NormalizedName) -> PackedPage | None:
        """The files of ``name`` on one index's project page that the target can
        use, ranked; ``None`` when the index does not know the project.

        The cache keeps this form (per target: what it keeps depends on the
        target's tags), so a later lock parses neither the page nor a filename.
        """
        if self.shared is not None:
            page = self.shared.page(
                f"{index}{name}/", lambda: self._fetch_page(index, name, _ALL_TARGETS)
            )
            return None if page is None else self._for_target(page)
        found, parsed = self._fetch_page(index, name, self._form_kind())
        if parsed:
            with self._lock:
                self.pages_parsed += 1
        return found

    def _for_target(self, page: PackedPage) -> PackedPage:
        """The rows of a target-independent page (see :func:`_all_files`) this
        target can use, with their rank, as :meth:`_fetch_page` makes them."""
        ranker = self.ranker
        triples = self._triples
        sdists = self.allow_sdist_metadata
        rows: list[PackedRow] = []
        skipped: dict[str, str] = {}
        for row in page.rows:
            triple = row[8]
            if not triple:
                if sdists:
                    rows.append([*row[:8], _SDIST_RANK])
                else:
                    skipped.setdefault(row[7], _NO_SDIST)
                continue
            if triple in triples:
                rank = triples[triple]
            else:
                rank = triples[triple] = ranker.rank(parse_tag(triple))
            if rank is None:
                skipped.setdefault(row[7], _NO_WHEEL)
                continue
            rows.append([*row[:8], rank])
        return PackedPage(rows, skipped, page.count)

    def _fetch_page(
        self, index: str, name: NormalizedName, kind: str
    ) -> tuple[PackedPage | None, bool]:
        """The project page of ``name`` on ``index`` in the cache's form ``kind``
        (this target's, or :data:`_ALL_TARGETS`), and whether it was parsed."""
        url = f"{index}{name}/"
        ranker = self.ranker
        sdists = self.allow_sdist_metadata
        every = kind == _ALL_TARGETS

        def parse(response: Response) -> PackedPage:
            skipped: dict[str, str] = {}
            count = 0
            # A page of thousands of wheels (numpy: 4,400) has a few hundred
            # (name, version) pairs and a few dozen tag triples: a plain wheel filename ("name-version-
            # tags.whl") is valid when its pair and its triple are, so each pair
            # is parsed once (through the first filename that has it) and each
            # triple ranked once; other filenames are parsed whole.
            pairs: dict[tuple[str, str], str | None] = {}  # -> normalized version
            # a wheel filename's tail after "name-version-" ("cp311-cp311-linux_x86_64.whl")
            # -> its triple's rank (None: not for the target), _BAD_TAGS or _NOT_PLAIN
            tails: dict[str, object] = {}

            def tail_rank(tail: str) -> object:
                if tail.count("-") != 2:
                    return _NOT_PLAIN  # a build tag, or not a wheel filename at all
                try:
                    return ranker.rank(parse_tag(tail[:-4]))
                except ValueError:
                    return _BAD_TAGS

            def version_text(filename: str) -> str | None:
                parsed = parse_dist_filename(filename)
                if parsed is None or parsed.name != name:
                    return None
                return str(parsed.version)

            def select(filename: str) -> list[Any] | None:
                nonlocal count
                if filename.endswith(".whl"):
                    pieces = filename.split("-", 2)
                    tail = pieces[-1]
                    rank = tails.get(tail, tails)
                    if rank is tails:
                        rank = tails[tail] = tail_rank(tail)
                    if rank is _BAD_TAGS:
                        return None  # an invalid filename: not a file of any project
                    if rank is not _NOT_PLAIN:
                        pair = (pieces[0], pieces[1])
                        text = pairs.get(pair, "")
                        if text == "":
                            text = pairs[pair] = version_text(filename)
                        if text is None:
                            return None
                        count += 1
                        if every:
                            return [text, tail[:-4]]
                        if rank is None:
                            skipped.setdefault(text, _NO_WHEEL)
                            return None
                        return [text, rank]
                parsed = parse_dist_filename(filename)
                if parsed is None or parsed.name != name:
                    return None
                count += 1
                text = str(parsed.version)
                if every:
                    return _any_target_row(text, filename, parsed.kind)
                if parsed.kind == "wheel":
                    rank = ranker.rank(parsed.tags)
                    if rank is None:
                        skipped.setdefault(text, _NO_WHEEL)
                        return None
                    return [text, rank]
                if sdists:
                    return [text, _SDIST_RANK]
                skipped.setdefault(text, _NO_SDIST)
                return None

            rows = page_rows(response.content, response.content_type, response.url, select)
            return PackedPage(rows, skipped, count)

        try:
            page, parsed = self.fetcher.get_parsed(
                url,
                accept=ACCEPT,
                kind=kind,
                parse=parse,
                dump=pack_files,
                load=unpack_files,
            )
        except OfflineError:
            raise
        except FetchError as exc:
            if exc.status in (404, 410):
                return None, False
            raise
        return (page if page.count else None), parsed

    def _form_kind(self) -> str:
        """The cache's name for pages packed for this target: the form's version
        and a digest of the target's tags (in rank order) and sdist setting."""
        kind = self._kind
        if kind is None:
            text = "\n".join(map(str, self.ranker.tags)) + f"\nsdists={self.allow_sdist_metadata}"
            kind = self._kind = f"{PACKED_FORM}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"
        return kind

    def _project(self, raw_name: str) -> _Project:
        # the usual call: a canonical name already built (a dict read needs no lock)
        known: _Project | None = self._projects.get(NormalizedName(raw_name))
        if known is not None:
            return known
        name = canonicalize_name(raw_name)
        with self._lock:
            hit = self._projects.get(name)
            if hit is not None:
                return hit
            building = self._building.setdefault(name, threading.Lock())
        with building:  # a read-ahead thread and the solver build a project once
            with self._lock:
                hit = self._projects.get(name)
            if hit is None:
                hit = self._build(name)
                with self._lock:
                    self._projects[name] = hit
            return hit

    def _build(self, name: NormalizedName) -> _Project:
        """A project from its index pages and find-links files.

        Index rows come ranked for the target, so this reads no filename; a
        version string is parsed once however many files it has.
        """
        pages: list[tuple[str, PackedPage]] = []
        for index in self.indexes:
            found = self._index_files(index, name)
            if found is None:
                continue
            pages.append((redact_url(f"{index}{name}/"), found))
            if self.strategy == "first-index":
                break
        seen: set[str] = set()
        by_text: dict[str, list[_Entry]] = {}
        skipped_text: dict[str, str] = {}
        count = 0
        for source, page in pages:
            count += page.count
            for text, why in page.skipped.items():
                skipped_text.setdefault(text, why)
            for row in page.rows:
                filename = row[0]
                if filename in seen:  # first source wins for a filename listed twice
                    count -= 1
                    continue
                seen.add(filename)
                rank = row[8]
                kind = "sdist" if rank == _SDIST_RANK else "wheel"
                by_text.setdefault(row[7], []).append(
                    (bool(row[4]), rank, filename, kind, row[3], row, source)
                )
        for f in self.find_links.files(name):
            if f.filename in seen:
                continue
            parsed = parse_dist_filename(f.filename)
            if parsed is None:
                continue
            seen.add(f.filename)
            count += 1
            text = str(parsed.version)
            if parsed.kind == "wheel":
                rank = self.ranker.rank(parsed.tags)
                if rank is None:
                    skipped_text.setdefault(text, _NO_WHEEL)
                    continue
                by_text.setdefault(text, []).append(
                    (f.yanked, rank, f.filename, "wheel", f.requires_python, f, f.source)
                )
            elif self.allow_sdist_metadata:
                by_text.setdefault(text, []).append(
                    (f.yanked, _SDIST_RANK, f.filename, "sdist", f.requires_python, f, f.source)
                )
            else:
                skipped_text.setdefault(text, _NO_SDIST)
        entries: dict[str, list[_Entry]] = {}
        usable: list[Version] = []
        for v, text in _merge_equal(by_text):
            group = by_text[text]
            entries[text] = sorted(group) if len(group) > 1 else group
            usable.append(v)
        skipped = {
            text: skipped_text[text]
            for v, text in _merge_equal(skipped_text)
            if not _contains(usable, v)
        }
        return _Project(name, entries, skipped, count)

    def _all_files(self, name: NormalizedName) -> list[DistFile]:
        """Every file the sources list for ``name``, usable or not (the project
        pages read again: the cache keeps only what the target can use)."""
        files: list[DistFile] = []
        for index in self.indexes:
            try:
                response = self.fetcher.get(f"{index}{name}/", accept=ACCEPT)
            except FetchError as exc:
                if exc.status in (404, 410) and not isinstance(exc, OfflineError):
                    continue
                raise
            found = [
                f
                for f in parse_project_page(response.content, response.content_type, response.url)
                if _file_project(f) == name
            ]
            if not found:
                continue
            files.extend(found)
            if self.strategy == "first-index":
                break
        files.extend(self.find_links.files(name))
        unique: dict[str, DistFile] = {}
        for f in files:
            unique.setdefault(f.filename, f)
        return sorted(unique.values(), key=lambda f: (f.filename, f.url))

    def _usable(self, project: _Project, version: str) -> bool:
        entries = project.entries[version]
        if any(e[3] == "wheel" for e in entries):
            return True
        # sdist-only: local sdists are checked now (cheap); remote ones are assumed
        # static until release() reads them, to avoid downloading every old sdist.
        for e in entries:
            f = _entry_file(e)
            if not is_file_url(f.url):
                return True
            if self._local_sdist_static(project.name, f):
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

    def _metadata_cache_file(self, f: DistFile) -> Path | None:
        """Where the metadata of ``f`` is cached: keyed by its URL and the hashes
        the index declares for it (a local file: by size and modification time),
        so a changed file never reuses old metadata. ``None`` for a remote file
        without a declared hash, whose contents nothing identifies."""
        key = f"{redact_url(f.url)}\0" + ",".join(f"{a}={d}" for a, d in f.hashes)
        if is_file_url(f.url):
            try:
                st = url_to_path(f.url).stat()
                key += f"\0{st.st_size}\0{st.st_mtime_ns}"
            except OSError:
                pass
        elif not f.hashes:
            return None
        return self._cache_file("core-metadata", key)

    def _read_cached(
        self, path: Path, c: _Candidate, name: str, version: str
    ) -> tuple[CoreMetadata, MetadataSource] | None:
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        try:
            entry = load_json(blob, source=str(path))
            source = entry["source"]
            meta = CoreMetadata(
                name=entry["name"],
                version=entry["version"],
                metadata_version=entry["metadata_version"],
                requires_dist=tuple(entry["requires_dist"]),
                requires_python=entry["requires_python"],
                provides_extra=tuple(entry["provides_extra"]),
                dynamic=tuple(entry["dynamic"]),
            )
            if source not in METADATA_SOURCES:
                raise ValueError(source)
            self._check(meta, c, name, version)
        except (ValueError, KeyError, TypeError, MetadataError):
            with contextlib.suppress(OSError):  # a damaged entry: drop it, read the source
                path.unlink()
            return None
        if self.verify_metadata == "full" and source not in _CHECKED_SOURCES:
            return None  # read by range: read again, checked this time
        return meta, source

    def _write_cached(self, path: Path, meta: CoreMetadata, source: MetadataSource) -> None:
        entry = {
            "source": source,
            "name": meta.name,
            "version": meta.version,
            "metadata_version": meta.metadata_version,
            "requires_dist": list(meta.requires_dist),
            "requires_python": meta.requires_python,
            "provides_extra": list(meta.provides_extra),
            "dynamic": list(meta.dynamic),
        }
        self._store(path, json.dumps(entry, separators=(",", ":")).encode())

    @staticmethod
    def _check(meta: CoreMetadata, c: _Candidate, name: str, version: str) -> None:
        check_identity(meta, name, version, source=c.file.filename)
        if c.kind == "sdist" and not is_static(meta):
            raise MetadataError(
                "sdist metadata is dynamic or older than Metadata-Version 2.2",
                package=name,
                source=c.file.filename,
            )

    @classmethod
    def _checked(cls, data: bytes, c: _Candidate, name: str, version: str) -> CoreMetadata:
        meta = parse_core_metadata(data, source=c.file.filename)
        cls._check(meta, c, name, version)
        return meta

    def _metadata(
        self, name: NormalizedName, version: str, candidates: tuple[_Candidate, ...]
    ) -> tuple[CoreMetadata, MetadataSource]:
        reasons: list[str] = []
        offline = False
        for c in candidates:
            if c.kind == "sdist" and not self.allow_sdist_metadata:
                continue
            try:
                return self._file_metadata(name, version, c)
            except OfflineError as exc:
                offline = True
                reasons.append(f"{c.file.filename}: {exc}")
            except (FetchError, MetadataError) as exc:
                reasons.append(f"{c.file.filename}: {exc}")
        raise MetadataUnavailableError(name, version, tuple(reasons), offline=offline)

    def _file_metadata(
        self, name: NormalizedName, version: str, c: _Candidate
    ) -> tuple[CoreMetadata, MetadataSource]:
        """The checked metadata of one file; with ``shared``, read once per run
        (a file's metadata does not depend on the target)."""

        def read() -> tuple[CoreMetadata, MetadataSource]:
            with self._lock:
                self.metadata_reads += 1
            return self._read_file_metadata(name, version, c)

        if self.shared is None:
            return read()
        key = f"{redact_url(c.file.url)}\0" + ",".join(f"{a}={d}" for a, d in c.file.hashes)
        return self.shared.metadata(key, read)

    def _read_file_metadata(
        self, name: NormalizedName, version: str, c: _Candidate
    ) -> tuple[CoreMetadata, MetadataSource]:
        if c.kind == "wheel" and c.file.metadata is None and is_file_url(c.file.url):
            # a local wheel's METADATA is a few reads away: a cache entry
            # would cost as much to find, and more to write
            data = read_wheel_metadata(url_to_path(c.file.url), name, source=c.file.filename)
            return self._checked(data, c, name, version), "local"
        cache_file = self._metadata_cache_file(c.file)
        if cache_file is not None:
            hit = self._read_cached(cache_file, c, name, version)
            if hit is not None:
                return hit
        data, source = self._read_metadata(name, c)
        meta = self._checked(data, c, name, version)
        if cache_file is not None:
            self._write_cached(cache_file, meta, source)  # only validated metadata
        return meta, source

    def _read_metadata(self, name: str, c: _Candidate) -> tuple[bytes, MetadataSource]:
        """The metadata bytes of one file and how they were obtained: the PEP 658
        file when the index offers one, else the file itself (in place when
        local; by range requests or whole when remote)."""
        f = c.file
        local = is_file_url(f.url)
        if f.metadata is not None:  # PEP 658 / 714
            data = self._pep658(name, f)
            if data is not None:
                return data, "local" if local else "pep658"
        if local:
            path = url_to_path(f.url)
            if c.kind == "wheel":
                return read_wheel_metadata(path, name, source=f.filename), "local"
            return read_sdist_metadata(path, f.filename, name, source=f.filename), "local"
        if c.kind == "wheel" and self.verify_metadata == "fast":
            return self._range_metadata(name, c)
        return self._download_metadata(name, c)

    def _pep658(self, name: str, f: DistFile) -> bytes | None:
        """The PEP 658 metadata file of ``f``, checked against the hash the index
        declares for it; ``None`` when missing or corrupt (the caller reads the
        file instead), or when ``full`` verification meets one without a hash."""
        local = is_file_url(f.url)
        if not f.metadata and not local and self.verify_metadata == "full":
            return None
        algorithm, expected = _declared(f.metadata or ())
        out = io.BytesIO()
        try:
            digest = self.fetcher.download(
                f.url + ".metadata", out, algorithm=algorithm, max_bytes=MAX_METADATA_BYTES
            )
        except OfflineError:
            if not local:
                raise
            return None
        except FetchError:
            return None  # advertised but missing: read the file instead
        if expected is not None and digest != expected:
            return None  # corrupt or tampered: read the file instead
        return out.getvalue()

    def _range_metadata(self, name: str, c: _Candidate) -> tuple[bytes, MetadataSource]:
        """A remote wheel's ``METADATA`` by range requests: its central directory
        and that one member, a few kB of a file that may weigh hundreds of MB.

        Nothing checks those bytes against the index's hash; a server whose file
        is not the size the index gives is not trusted with ranges at all: the
        whole file is downloaded and checked instead."""
        f = c.file
        first = self.fetcher.get_range(f.url, -_TAIL_BYTES)
        if not first.partial:  # the server ignored Range and sent the whole wheel
            _verify(first.content, f.hashes, f.filename, name)
            return read_wheel_metadata(io.BytesIO(first.content), name, source=f.filename), "wheel"
        if f.size is not None and first.total != f.size:
            return self._download_metadata(name, c)
        url = f.url

        def fetch(start: int, end: int) -> bytes:
            return self.fetcher.get_range(url, start, end).content

        remote = RemoteFile(fetch, first.total, first.content)
        try:
            return read_wheel_metadata(remote, name, source=f.filename), "range"
        except OSError as exc:
            raise MetadataError(
                f"range read failed: {exc}", package=name, source=f.filename
            ) from None

    def _download_metadata(self, name: str, c: _Candidate) -> tuple[bytes, MetadataSource]:
        """The metadata of a whole remote file, streamed to a temporary file
        through its hash and checked against the index before it is read."""
        import tempfile  # lazy: only when a whole file is downloaded

        f = c.file
        algorithm, expected = _declared(f.hashes)
        with tempfile.TemporaryFile() as tmp:
            digest = self.fetcher.download(f.url, tmp, algorithm=algorithm)
            if expected is not None and digest != expected:
                raise MetadataError(
                    f"{algorithm} mismatch for {f.filename}: got {digest}, "
                    f"the index says {expected}",
                    package=name,
                    source=f.filename,
                )
            tmp.seek(0)
            if c.kind == "wheel":
                return read_wheel_metadata(tmp, name, source=f.filename), "wheel"
            return read_sdist_metadata(tmp, f.filename, name, source=f.filename), "sdist"


def _any_target_row(text: str, filename: str, kind: str) -> list[Any] | None:
    """What a page's row keeps for every target: the version and the wheel's
    tag triple (``""`` for an sdist); ``None`` for a wheel whose tags do not parse."""
    if kind != "wheel":
        return [text, ""]
    triple = "-".join(filename[:-4].split("-")[-3:])
    try:
        parse_tag(triple)
    except ValueError:
        return None
    return [text, triple]


def _declared(hashes: tuple[tuple[str, str], ...]) -> tuple[str, str | None]:
    """The first declared hash hashlib can compute: ``(algorithm, digest)``;
    ``("sha256", None)`` when none is declared."""
    for algorithm, digest in hashes:
        if algorithm in hashlib.algorithms_available:
            return algorithm, digest
    return "sha256", None


def _merge_equal(by_text: dict[str, list[_Entry]] | dict[str, str]) -> list[tuple[Version, str]]:
    """The versions of ``by_text``'s keys (normalized version strings), oldest
    first; equal versions spelled differently (``1.0``, ``1.0.0``) merged into
    the spelling met first (its list extended with the others' entries)."""
    # sorted by the version alone (a stable sort keeps the first met first), so
    # that versions are only compared with <
    parsed = sorted(((Version(text), text) for text in by_text), key=_first)
    out: list[tuple[Version, str]] = []
    for v, text in parsed:
        if out and out[-1][0] == v:
            group = by_text[text]
            if isinstance(group, list):
                by_text[out[-1][1]].extend(group)  # type: ignore[union-attr]
            continue
        out.append((v, text))
    return out


def _first(pair: tuple[Version, str]) -> Version:
    return pair[0]


def _contains(ordered: list[Version], v: Version) -> bool:
    at = bisect.bisect_left(ordered, v)
    return at < len(ordered) and ordered[at] == v


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
