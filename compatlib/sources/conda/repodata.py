"""Load conda repodata into :class:`~compatlib.sources.conda.records.PackageRecord` lists.

>>> records = load_repodata("path/to/channel", subdir="linux-64")  # doctest: +SKIP

``load_repodata`` reads:

* a ``repodata.json`` file, also ``.json.bz2`` and ``.json.zst`` (the latter
  when the ``zstandard`` module is installed); compression is recognised by
  content, not by name;
* a conda-test style index: a plain ``{filename: record}`` object;
* a subdir folder (``<channel>/linux-64/`` holding a repodata file);
* a channel folder: ``<channel>/<subdir>/repodata.json`` plus
  ``<channel>/noarch/repodata.json`` (every subdir found when ``subdir`` is
  ``None``);
* a ``file://`` URL of any of these, or an ``http(s)://`` URL of a repodata
  file or of a channel (then ``subdir`` is required); remote reads go through
  a :class:`~compatlib.sources.fetch.Fetcher` (the one given, else a default
  one): the on-disk cache with revalidation, retries, credentials and offline
  mode that the PyPI client uses, and a gzip transfer.

Records come from ``packages`` and ``packages.conda``; where one document has
``x.tar.bz2`` and ``x.conda`` of the same ``name-version-build``, only the
``.conda`` record is kept, as conda does. Subdir and ``base_url`` (CEP 15) are
read from ``info`` or, as conda-subchannel writes them, ``metadata``. A
record's URL is ``base_url`` (or the folder the repodata came from) plus its
file name, and its ``channel`` is the canonical channel name of that location
unless ``channel=`` is given. Output is sorted by (subdir, file name).

:func:`load_sparse_repodata` reads the same locations without building records:
each document is indexed by package name
(:class:`~compatlib.sources.conda.sparse.SparseRepodata`, what ``Channel.load``
uses) and its records are built per name on request. The index is cached in
the process and, for large documents, on disk (``<cache folder>/conda-index/``),
so that a later process reads it back instead of decoding the JSON again.
"""

from __future__ import annotations

import bz2
import contextlib
import gc
import hashlib
import io
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compatlib._atomic import write_atomic
from compatlib._input import load_json
from compatlib.errors import InputError
from compatlib.sources.conda.naming import KNOWN_SUBDIRS, canonical_channel_name, strip_credentials
from compatlib.sources.conda.records import PackageRecord
from compatlib.sources.conda.scan import scan_document
from compatlib.sources.conda.sparse import RepodataIndex, SparseRepodata, index_document
from compatlib.values.urls import join_url, path_to_url, split_url, url_to_path

if TYPE_CHECKING:
    from compatlib.sources.fetch import Fetcher

__all__ = [
    "DISK_CACHE_MIN_BYTES",
    "MEMORY_CACHE_BYTES",
    "MEMORY_CACHE_SIZE",
    "RACY_NS",
    "REPODATA_NAMES",
    "clear_memory_cache",
    "document_view",
    "load_repodata",
    "load_sparse_repodata",
    "parse_repodata",
    "read_repodata_bytes",
    "repodata_text",
]

# Looked for in a subdir folder, in this order.
REPODATA_NAMES = ("repodata.json", "repodata.json.zst", "repodata.json.bz2")

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BZ2_MAGIC = b"BZh"
_GZIP_MAGIC = b"\x1f\x8b"


MAX_REPODATA_BYTES = 4 * 2**30
"""The most a repodata file may decompress to (conda-forge's largest subdir is a
few hundred MB): a small archive that expands without end is refused."""


def _bounded(step: Any, source: str) -> bytes:
    """Decompress through ``step(max_length)`` up to :data:`MAX_REPODATA_BYTES`."""
    data = step(MAX_REPODATA_BYTES + 1)
    if len(data) > MAX_REPODATA_BYTES:
        raise InputError(
            f"repodata expands to more than {MAX_REPODATA_BYTES // 2**30} GiB",
            source=source,
            expected="a repodata archive of a sensible size",
        )
    return bytes(data)


def read_repodata_bytes(raw: bytes, source: str) -> Any:
    """Decompress (bz2, zstd, gzip: by content) and decode JSON, with located errors."""
    return load_json(repodata_text(raw, source), source=source, expected="a repodata.json document")


def repodata_text(raw: bytes, source: str) -> str:
    """Decompress (bz2, zstd, gzip: by content) and decode UTF-8, with located errors."""
    return _utf8(_decompressed(raw, source), source)


def _decompressed(raw: bytes, source: str) -> bytes:
    """``raw`` decompressed by its content (bz2, zstd, gzip); ``raw`` itself when plain."""
    data = raw
    try:
        if raw.startswith(_ZSTD_MAGIC):
            try:
                # lazy: only _decompressed needs zstandard, which loads 3 modules that importing this one does not
                import zstandard
            except ImportError:
                raise InputError(
                    "zstd-compressed repodata needs the 'zstandard' package",
                    source=source,
                    expected="pip install zstandard, or the uncompressed repodata.json",
                ) from None

            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw))
            data = _bounded(reader.read, source)
        elif raw.startswith(_BZ2_MAGIC):
            bobj = bz2.BZ2Decompressor()
            data = _bounded(lambda n: bobj.decompress(raw, n), source)
        elif raw.startswith(_GZIP_MAGIC):
            # lazy: only _decompressed needs zlib, which loads 1 module that importing this one does not
            import zlib

            gobj = zlib.decompressobj(wbits=31)
            data = _bounded(lambda n: gobj.decompress(raw, n), source)
    except InputError:
        raise
    except Exception as exc:  # corrupt archives raise library-specific errors
        raise InputError(
            f"cannot decompress repodata: {exc}", source=source, expected="valid compressed JSON"
        ) from None
    return data


def _utf8(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"repodata is not UTF-8 (byte {exc.start})", source=source, expected="UTF-8 JSON"
        ) from None


def _resolve_base_url(meta: Mapping[str, Any], location_url: str, subdir: str) -> str:
    """CEP 15 ``base_url`` (may be relative), else the repodata's folder URL."""
    base = meta.get("base_url")
    if isinstance(base, str) and base:
        absolute = join_url(
            location_url, base if base.endswith("/") else base + "/", source=location_url
        )
        absolute = absolute.rstrip("/")
        last = absolute.rsplit("/", 1)[-1]
        if subdir and last not in KNOWN_SUBDIRS:
            # a channel URL without the subdir, as conda-subchannel writes it:
            # conda's Channel(base_url).url() appends the subdir
            absolute = f"{absolute}/{subdir}"
        return absolute
    if not location_url:
        return ""
    return location_url.rsplit("/", 1)[0]


def _channel_from_url(folder_url: str) -> str:
    """Canonical channel name for a subdir folder URL (``.../conda-forge/linux-64``)."""
    return canonical_channel_name(folder_url) if folder_url else ""


def document_view(
    index: RepodataIndex,
    *,
    source: str = "<repodata>",
    subdir: str | None = None,
    channel: str | None = None,
    location_url: str = "",
) -> SparseRepodata:
    """An indexed document as one location sees it (see :func:`parse_repodata`);
    the same arguments give the same view, with the records it has built."""
    key = (source, subdir or "", "\0" if channel is None else channel, location_url)
    view = index.views.get(key)
    if view is not None:
        return view
    meta = index.meta or {}
    meta_subdir = meta.get("subdir")
    doc_subdir = meta_subdir if isinstance(meta_subdir, str) and meta_subdir else ""
    if not doc_subdir and location_url:
        parent = location_url.rsplit("/", 2)
        if len(parent) == 3 and parent[1] in KNOWN_SUBDIRS:
            doc_subdir = parent[1]
    doc_subdir = doc_subdir or subdir or ""
    base_url = _resolve_base_url(meta, location_url, doc_subdir)
    if channel is None:
        channel = _channel_from_url(base_url)
    view = SparseRepodata(
        index, source=source, subdir=doc_subdir, channel=channel, base_url=base_url
    )
    index.views[key] = view
    return view


def parse_repodata(
    doc: Any,
    *,
    source: str = "<repodata>",
    subdir: str | None = None,
    channel: str | None = None,
    location_url: str = "",
) -> list[PackageRecord]:
    """Records of one decoded repodata document (or plain index).

    ``location_url`` is where the document was read from (its ``file://`` or
    ``https://`` URL); it gives record URLs and the channel name. A record's
    subdir is its own ``subdir`` field, else the document's (``info`` /
    ``metadata``), else the folder it was read from when that is a known
    subdir name, else ``subdir``.
    """
    view = document_view(
        index_document(doc, source),
        source=source,
        subdir=subdir,
        channel=channel,
        location_url=location_url,
    )
    return sorted(view, key=lambda r: (r.subdir, r.filename))


# -- caches ----------------------------------------------------------------------

MEMORY_CACHE_SIZE = 8
"""How many indexed documents a process keeps (least recently used dropped first)."""

MEMORY_CACHE_BYTES = 1 << 30
"""About how much memory those may take (the last one read is always kept)."""

DISK_CACHE_MIN_BYTES = 256 * 1024
"""Documents smaller than this (as read, before decompression) are not cached on
disk: parsing them costs about as much as reading a cache entry back."""

RACY_NS = 2_000_000_000
"""A local file modified less than this long ago (nanoseconds) is known by its
content, not by its size and modification time."""

_memory: dict[str, tuple[RepodataIndex, int]] = {}
_memory_lock = threading.Lock()


def clear_memory_cache() -> None:
    """Forget the documents indexed in this process (the disk cache stays)."""
    with _memory_lock:
        _memory.clear()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a document is scanned or decoded.

    Both make hundreds of thousands of objects at once, none of them garbage,
    and each collection their allocation triggers walks them all again (on a
    5 MB document, up to as long as the decoding itself).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _cache_folder(cache_dir: Path | None) -> Path:
    if cache_dir is not None:
        return cache_dir / "conda-index"
    from compatlib.sources.fetch import default_cache_dir  # the cache folder rule

    return default_cache_dir() / "conda-index"


def _cache_file(folder: Path, location: str) -> Path:
    """One entry per location, replaced when the document there changes."""
    return folder / (hashlib.sha256(location.encode("utf-8")).hexdigest()[:40] + ".idx")


def _remember(key: str, index: RepodataIndex, size: int) -> RepodataIndex:
    """Keep ``index`` (about ``size`` bytes) as the most recently used."""
    with _memory_lock:
        _memory.pop(key, None)
        _memory[key] = (index, size)
        total = sum(n for _, n in _memory.values())
        while len(_memory) > 1 and (len(_memory) > MEMORY_CACHE_SIZE or total > MEMORY_CACHE_BYTES):
            oldest = next(iter(_memory))
            total -= _memory.pop(oldest)[1]
    return index


def _bytes(read: bytes | Callable[[], bytes]) -> bytes:
    return read if isinstance(read, bytes) else read()


def _indexed(
    key: str,
    location: str,
    read: bytes | Callable[[], bytes],
    source: str,
    cache: bool,
    cache_dir: Path | None,
) -> RepodataIndex:
    """The index of the document ``key`` names (a validator: size and time, or
    a content hash), read from ``location``: from memory, the disk cache, or
    ``read`` (the document's bytes, or a function that reads them), scanned
    or decoded, then cached when ``cache``. The disk cache of a scanned
    document that was not compressed holds only the places of its entries, not
    a copy of its text: ``read`` gives the text again (a fetched document's
    bytes are in hand, from the HTTP cache; a local file is read again)."""
    if cache:
        hit = _memory.get(key)
        if hit is not None:
            return _remember(key, *hit)
        folder = _cache_folder(cache_dir)
        try:
            data = _cache_file(folder, location).read_bytes()
        except OSError:
            data = b""
        if data:
            loaded = RepodataIndex.load(data, key, lambda: repodata_text(_bytes(read), source))
            if loaded is not None:
                return _remember(key, loaded, loaded.held_bytes or len(data))
    raw = _bytes(read)
    plain = _decompressed(raw, source)
    text = _utf8(plain, source)
    with _gc_paused():
        scanned = scan_document(text)
    if scanned is not None:
        # the text and the places of its entries: a little more than the text
        index, size = RepodataIndex.from_scan(scanned), 2 * len(text)
    else:
        with _gc_paused():
            decoded = load_json(text, source=source, expected="a repodata.json document")
            index = index_document(decoded, source)
        size = 8 * len(text)  # decoded JSON takes several times its text
    if not cache:
        return index
    if len(raw) >= DISK_CACHE_MIN_BYTES:
        rereadable = plain is raw  # the bytes in hand, or the file, give the text again
        try:
            data = index.dump(key, with_text=not rereadable)
        except ValueError:  # a value marshal cannot write: keep the index in memory only
            data = b""
        if data:
            with contextlib.suppress(OSError):  # a read-only cache costs time only
                folder.mkdir(parents=True, exist_ok=True)
                write_atomic(_cache_file(folder, location), data, durable=False)
            if scanned is None:
                # the dumped form is a fraction of the decoded JSON's memory, and
                # the decoded entries go now, unseen by the collector
                with _gc_paused():
                    compact = RepodataIndex.load(data, key)
                if compact is not None:
                    index, size = compact, len(data)
    return _remember(key, index, size)


# -- locations -------------------------------------------------------------------


def _index_file(
    path: Path,
    subdir: str | None,
    channel: str | None,
    cache: bool,
    cache_dir: Path | None,
) -> SparseRepodata:
    src = str(path)

    def refuse(exc: OSError) -> InputError:
        return InputError(
            f"cannot read repodata: {exc.strerror}", source=src, expected="a readable file"
        )

    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise refuse(exc) from None

    try:
        st = path.stat()
    except OSError as exc:
        raise refuse(exc) from None
    # a local file is known by its place, size and modification time ...
    key = f"file {os.path.abspath(path)} {st.st_size} {st.st_mtime_ns}"
    content: bytes | Callable[[], bytes] = read
    if cache and time.time_ns() - st.st_mtime_ns < RACY_NS:
        # ... unless it changed so lately that a rewrite of the same size could
        # carry the same time (file times tick in milliseconds): then by content
        content = read()
        key = "sha256 " + hashlib.sha256(content).hexdigest()
    index = _indexed(key, f"file {os.path.abspath(path)}", content, src, cache, cache_dir)
    return document_view(
        index, source=src, subdir=subdir, channel=channel, location_url=path_to_url(path)
    )


def _repodata_in(folder: Path) -> Path | None:
    for name in REPODATA_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _index_dir(
    folder: Path, subdir: str | None, channel: str | None, cache: bool, cache_dir: Path | None
) -> list[SparseRepodata]:
    direct = _repodata_in(folder)
    if direct is not None:
        return [_index_file(direct, subdir, channel, cache, cache_dir)]
    if subdir is not None:
        wanted: list[str] = [subdir] if subdir == "noarch" else [subdir, "noarch"]
    else:
        wanted = sorted(
            p.name for p in folder.iterdir() if p.is_dir() and _repodata_in(p) is not None
        )
        if not wanted:
            raise InputError(
                "no repodata found in this folder or its subdirs",
                source=str(folder),
                expected="<channel>/<subdir>/repodata.json",
            )
    out: list[SparseRepodata] = []
    for name in wanted:
        found = _repodata_in(folder / name)
        if found is None:
            if name == "noarch" and subdir != "noarch":
                continue  # a channel without noarch packages
            raise InputError(
                f"no repodata for subdir {name!r}",
                source=str(folder / name),
                expected=" or ".join(REPODATA_NAMES),
            )
        out.append(_index_file(found, name, channel, cache, cache_dir))
    return out


def _index_remote(
    url: str,
    subdir: str | None,
    channel: str | None,
    fetcher: Fetcher,
    cache: bool,
    cache_dir: Path | None,
) -> list[SparseRepodata]:
    from compatlib.sources.fetch import FetchError  # the HTTP layer: remote channels only

    clean = strip_credentials(url)
    path = split_url(url, field="channel").path
    if path.endswith((".json", ".json.bz2", ".json.zst")):
        targets = [(url, subdir)]
    else:
        if subdir is None:
            raise InputError(
                "a remote channel needs a subdir",
                source=clean,
                expected="subdir='linux-64' (or a URL of a repodata.json file)",
            )
        base = url.rstrip("/")
        names = [subdir] if subdir == "noarch" else [subdir, "noarch"]
        targets = [(f"{base}/{name}/repodata.json", name) for name in names]
    out: list[SparseRepodata] = []
    for target, target_subdir in targets:
        shown = strip_credentials(target)
        try:
            raw = fetcher.get(target, compressed=True).content
        except FetchError as exc:
            raise InputError(
                f"cannot fetch repodata: {exc.reason}", source=shown, expected="a reachable URL"
            ) from None
        # a fetched document is known by its content (the fetcher revalidates it)
        key = "sha256 " + hashlib.sha256(raw).hexdigest()
        index = _indexed(key, f"url {shown}", raw, shown, cache, cache_dir)
        out.append(
            document_view(
                index, source=shown, subdir=target_subdir, channel=channel, location_url=shown
            )
        )
    return out


def load_sparse_repodata(
    source: str | os.PathLike[str],
    subdir: str | None = None,
    *,
    channel: str | None = None,
    timeout: float = 30.0,
    fetcher: Fetcher | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[SparseRepodata]:
    """The documents at ``source`` (see :func:`load_repodata`), indexed by name:
    records are built per name when asked for.

    With ``cache`` (the default) an indexed document is kept in this process
    (the last :data:`MEMORY_CACHE_SIZE`) and, when it is at least
    :data:`DISK_CACHE_MIN_BYTES`, in ``<cache_dir>/conda-index/`` (default: the
    ``fetcher``'s cache folder, else
    :func:`~compatlib.sources.fetch.default_cache_dir`), keyed by path, size and
    modification time for local files (by content when changed in the last
    :data:`RACY_NS`) and by content hash for fetched ones.
    """
    if cache_dir is not None:
        folder: Path | None = Path(cache_dir)
    else:
        folder = Path(fetcher.cache_dir) if fetcher is not None else None
    text = os.fspath(source)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme == "file":
            path = url_to_path(text)
        elif scheme in ("http", "https"):
            if fetcher is None:
                from compatlib.sources.fetch import Fetcher  # the HTTP layer: remote channels only

                fetcher = Fetcher(timeout=timeout)
            return _index_remote(text, subdir, channel, fetcher, cache, folder)
        else:
            raise InputError(
                f"unsupported URL scheme {scheme!r}",
                source=strip_credentials(text),
                expected="file://, http:// or https://",
            )
    else:
        path = Path(text)
    if path.is_dir():
        return _index_dir(path, subdir, channel, cache, folder)
    if not path.exists():
        raise InputError(
            "no such file or folder", source=str(path), expected="a repodata file or channel"
        )
    return [_index_file(path, subdir, channel, cache, folder)]


def load_repodata(
    source: str | os.PathLike[str],
    subdir: str | None = None,
    *,
    channel: str | None = None,
    timeout: float = 30.0,
    fetcher: Fetcher | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[PackageRecord]:
    """Records from a repodata file, subdir or channel folder, or URL (see module doc).

    ``subdir`` selects ``<subdir>`` + ``noarch`` of a channel and is the
    fallback subdir of records that name none; ``channel`` overrides the
    channel name recorded on each record. URLs are read through ``fetcher``
    (its cache folder, offline mode and timeout); without one, through a
    :class:`~compatlib.sources.fetch.Fetcher` with the default cache folder
    and ``timeout``. Every record is built (and checked); a solve needs only
    :func:`load_sparse_repodata`, whose ``cache`` and ``cache_dir`` these are.
    """
    docs = load_sparse_repodata(
        source,
        subdir,
        channel=channel,
        timeout=timeout,
        fetcher=fetcher,
        cache=cache,
        cache_dir=cache_dir,
    )
    return sorted((r for doc in docs for r in doc), key=lambda r: (r.subdir, r.filename, r.url))
