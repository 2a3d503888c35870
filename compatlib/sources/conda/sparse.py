"""Sparse repodata: a document indexed by package name, records built on request.

A solve reaches a few dozen of a channel's names (27 of the 965 in Anaconda's
2018 ``main`` osx-64 subdir for ``python=3.6 numpy pandas scikit-learn``), so
turning every entry into a :class:`~compatlib.sources.conda.records.PackageRecord`
up front is mostly wasted. :func:`index_document` makes one cheap pass over a
decoded repodata document: it applies the ``.conda``-over-``.tar.bz2`` rule,
checks each entry is an object with a usable name and files the raw entry
under that (lowercased) name. :class:`SparseRepodata` is that index as one
location sees it (source, subdir, channel, base URL) and builds the records
of a name the first time they are asked for.

The index also has a compact, source-independent form for caching
(:meth:`RepodataIndex.dump` / :meth:`RepodataIndex.load`): a header with the
document's metadata and, per name, the span of that name's entries in a body
of ``marshal`` blobs. A name's entries are decoded only when asked for, so an
index read back from disk costs a file read and a small header. ``marshal`` is
not made for damaged data (a flipped byte in a list's length makes it allocate
gigabytes before it fails), so the header and every span carry a CRC-32 that is
checked before their bytes are decoded.
"""

from __future__ import annotations

import contextlib
import marshal
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn

from compatlib.errors import InputError
from compatlib.sources.conda.records import PackageRecord, record_from_json, split_filename
from compatlib.sources.conda.scan import Scan, ScannedDocument

__all__ = ["RepodataIndex", "SparseRepodata", "document_meta", "index_document", "package_maps"]

#: one raw entry: (section, file name, the record's JSON object)
Entry = tuple[str, str, Any]

_FLAVOUR = f"py{sys.version_info[0]}.{sys.version_info[1]} marshal{marshal.version}\n"
#: first line of a dumped index of decoded entries: the format and the ``marshal`` flavour
DUMP_MAGIC = f"compatlib-conda-index 2 {_FLAVOUR}".encode()
#: first line of a dumped index of places in the document's text
TEXT_MAGIC = f"compatlib-conda-places 1 {_FLAVOUR}".encode()


def document_meta(doc: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    """The subdir information of a repodata document: ``info``, else ``metadata``."""
    for key in ("info", "metadata"):
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise InputError(
                f"{key!r} must be an object", source=source, field=key, expected="{...}"
            )
        return value
    return {}


def package_maps(doc: Any, source: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The ``(section, {filename: record})`` maps of a repodata or plain index."""
    if not isinstance(doc, Mapping):
        raise InputError(
            f"repodata must be a JSON object, not {type(doc).__name__}",
            source=source,
            expected="{'info': ..., 'packages': {...}, 'packages.conda': {...}}",
        )
    if "packages" in doc or "packages.conda" in doc:
        out: list[tuple[str, Mapping[str, Any]]] = []
        for section in ("packages", "packages.conda"):
            value = doc.get(section)
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise InputError(
                    f"{section!r} must map file names to records",
                    source=source,
                    field=section,
                    expected="{filename: {...}}",
                )
            out.append((section, value))
        return out
    # conda's test indexes: {filename: record} with no wrapper
    for key, value in doc.items():
        if not (isinstance(value, Mapping) and key.endswith((".tar.bz2", ".conda"))):
            raise InputError(
                f"unexpected top-level key {key!r}",
                source=source,
                field=str(key),
                expected="a repodata document (packages / packages.conda) "
                "or a {filename.tar.bz2: record} index",
            )
    return [("", doc)]


class RepodataIndex:
    """The entries of one repodata document, grouped by lowercased name.

    Source-independent: the same index serves every location the document is
    read from. ``meta`` is the document's ``info``/``metadata`` object (``None``
    for a plain ``{filename: record}`` index), ``count`` the number of entries
    kept, ``subdirs`` the entries' own ``subdir`` values and ``lacks_subdir``
    whether some entry names none (it takes the document's).

    The entries are held one of three ways: decoded (``entries``), as
    ``marshal`` spans of a cached body (``blob`` and ``spans``), or as places in
    the document's text (``scanned``, from
    :func:`~compatlib.sources.conda.scan.scan_document`). The latter two decode
    a name's entries the first time they are asked for.
    """

    __slots__ = (
        "_blob",
        "_entries",
        "_lacks_subdir",
        "_scanned",
        "_spans",
        "_subdirs",
        "count",
        "meta",
        "views",
    )

    def __init__(
        self,
        entries: dict[str, list[Entry]],
        *,
        meta: Mapping[str, Any] | None,
        count: int,
        subdirs: frozenset[str] | None,
        lacks_subdir: bool,
        blob: bytes | memoryview = b"",
        spans: dict[str, tuple[int, int, int]] | None = None,
        scanned: ScannedDocument | None = None,
    ) -> None:
        self._entries = entries
        self._blob = blob
        self._spans = spans
        self._scanned = scanned
        self.meta = meta
        self.count = count
        self._subdirs = subdirs
        self._lacks_subdir = lacks_subdir
        #: the :class:`SparseRepodata` made of this index, by where they were read
        self.views: dict[tuple[str, ...], SparseRepodata] = {}

    @classmethod
    def from_scan(cls, scan: Scan) -> RepodataIndex:
        """The index of a document found by :func:`~compatlib.sources.conda.scan.scan_document`."""
        return cls(
            {},
            meta=scan.meta,
            count=scan.document.count,
            subdirs=scan.subdirs,
            lacks_subdir=scan.lacks_subdir,
            scanned=scan.document,
        )

    @property
    def held_bytes(self) -> int:
        """About how much memory the index holds (0: not known, it holds decoded entries)."""
        if self._scanned is not None:
            return 2 * len(self._scanned.text)  # the text, and the places of its entries
        return len(self._blob)

    def _keys(self) -> Mapping[str, object]:
        if self._scanned is not None:
            return self._scanned.groups
        if self._spans is not None:
            return self._spans
        return self._entries

    def names(self) -> tuple[str, ...]:
        """Package names, sorted."""
        return tuple(sorted(self._keys()))

    def __contains__(self, name: object) -> bool:
        return name in self._keys()

    @property
    def subdirs(self) -> frozenset[str]:
        """The entries' own ``subdir`` values."""
        return self._subdir_facts()[0]

    @property
    def lacks_subdir(self) -> bool:
        """Whether some entry names no subdir of its own."""
        return self._subdir_facts()[1]

    def _subdir_facts(self) -> tuple[frozenset[str], bool]:
        """Both subdir facts, from every entry when the scan could not tell them."""
        if self._subdirs is None:
            self._subdirs, self._lacks_subdir = _subdirs_of(
                entry for name in self.names() for _s, _f, entry in self.entries(name)
            )
        return self._subdirs, self._lacks_subdir

    def entries(self, name: str, source: str = "<repodata>") -> list[Entry]:
        """The raw entries of ``name`` (lowercased); empty when absent. ``source``
        names the document in the error a damaged entry raises."""
        got = self._entries.get(name)
        if got is not None:
            return got
        if self._scanned is not None:
            numbers = self._scanned.groups.get(name)
            if numbers is None:
                return []
            got = self._scanned.entries(numbers, source)
            _check_names(name, got, source)
            self._entries[name] = got
            return got
        if self._spans is None:
            return []
        span = self._spans.get(name)
        if span is None:
            return []
        start, length, crc = span
        chunk = self._blob[start : start + length]
        loaded = None
        if zlib.crc32(chunk) == crc:
            with contextlib.suppress(EOFError, ValueError, TypeError):
                loaded = marshal.loads(chunk)
        if not (isinstance(loaded, list) and all(_is_entry(e) for e in loaded)):
            raise InputError(
                f"the cached index of this repodata is damaged (entries of {name!r})",
                source="conda index cache",
                expected="delete the cache folder's conda-index entries",
            )
        return loaded

    # -- the cached form ---------------------------------------------------------
    def dump(self, key: str, *, with_text: bool = True) -> bytes:
        """The index as bytes for a cache file; ``key`` identifies the document.

        An index of places keeps them and, ``with_text``, the text (without it,
        :meth:`load` must be given the text again: a local file the key
        identifies is read again rather than copied); any other index keeps
        ``marshal`` spans of each name's entries.
        """
        header: dict[str, Any] = {
            "key": key,
            "meta": None if self.meta is None else dict(self.meta),
            "count": self.count,
            "subdirs": None if self._subdirs is None else sorted(self._subdirs),
            "lacks_subdir": self._lacks_subdir,
        }
        if self._scanned is not None:
            text = self._scanned.text
            body = [text.encode("utf-8")] if with_text else []
            header["scan"] = self._scanned.state()
            header["text"] = len(text)
            magic = TEXT_MAGIC
        else:
            body = []
            spans: dict[str, tuple[int, int, int]] = {}
            offset = 0
            for name in self.names():
                chunk = marshal.dumps(self.entries(name))
                spans[name] = (offset, len(chunk), zlib.crc32(chunk))
                offset += len(chunk)
                body.append(chunk)
            header["spans"] = spans
            magic = DUMP_MAGIC
        header["body"] = sum(len(b) for b in body)
        header["crc"] = zlib.crc32(body[0]) if self._scanned is not None and body else 0
        raw = marshal.dumps(header)
        return b"".join(
            [
                magic,
                len(raw).to_bytes(8, "little"),
                zlib.crc32(raw).to_bytes(4, "little"),
                raw,
                *body,
            ]
        )

    @classmethod
    def load(
        cls, data: bytes, key: str, text: Callable[[], str] | None = None
    ) -> RepodataIndex | None:
        """An index from :meth:`dump`'s bytes; ``None`` unless it is intact and for
        ``key``. ``text`` gives the document's text for an index dumped without it."""
        text_form = data.startswith(TEXT_MAGIC)
        if not (text_form or data.startswith(DUMP_MAGIC)):
            return None
        at = len(TEXT_MAGIC if text_form else DUMP_MAGIC)
        size = int.from_bytes(data[at : at + 8], "little")
        crc = int.from_bytes(data[at + 8 : at + 12], "little")
        view = memoryview(data)
        raw = view[at + 12 : at + 12 + size]
        if zlib.crc32(raw) != crc:
            return None
        try:
            header = marshal.loads(raw)
        except (EOFError, ValueError, TypeError):
            return None
        body = view[at + 12 + size :]
        if not (
            isinstance(header, dict)
            and header.get("key") == key
            and header.get("body") == len(body)
            and isinstance(header.get("scan" if text_form else "spans"), dict)
            and isinstance(header.get("meta"), (dict, type(None)))
            and isinstance(header.get("count"), int)
            and isinstance(header.get("subdirs"), (list, type(None)))
        ):
            return None
        subdirs = header["subdirs"]
        common: dict[str, Any] = {
            "meta": header["meta"],
            "count": header["count"],
            "subdirs": None if subdirs is None else frozenset(subdirs),
            "lacks_subdir": bool(header.get("lacks_subdir")),
        }
        if not text_form:
            return cls({}, blob=body, spans=header["spans"], **common)
        if not body:
            if text is None:
                return None
            document = text()
        elif zlib.crc32(body) != header.get("crc"):
            return None
        else:
            try:
                document = str(body, "utf-8")
            except UnicodeDecodeError:
                return None
        if len(document) != header.get("text"):
            return None
        scanned = ScannedDocument.from_state(document, header["scan"])
        return None if scanned is None else cls({}, scanned=scanned, **common)


def _check_names(name: str, entries: list[Entry], source: str) -> None:
    """Refuse an entry found under ``name`` (by its file name) that names another package."""
    for section, fn, entry in entries:
        own = entry.get("name") if type(entry) is dict else None
        if type(own) is str and own.lower() != name:
            raise InputError(
                f"entry {fn!r} names package {own!r}, not the one its file name gives",
                source=source,
                field=f"{section}.{fn}",
                expected=f"name: {name!r}",
            )


def _is_entry(item: Any) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == 3
        and isinstance(item[0], str)
        and isinstance(item[1], str)
        and isinstance(item[2], dict)
    )


def index_document(doc: Any, source: str) -> RepodataIndex:
    """Group a decoded document's entries by name without building records.

    Checks what the grouping needs (the document's shape, each entry an object
    with a name, or a file name that gives one) and raises the
    :class:`InputError` that building the record would; the other fields are
    checked when a name's records are built.
    """
    maps = package_maps(doc, source)
    plain = bool(maps) and not maps[0][0]
    meta = None if plain or not maps else document_meta(doc, source)
    conda_stems: set[str] = set()
    for _section, mapping in maps:
        conda_stems.update(fn[: -len(".conda")] for fn in mapping if fn.endswith(".conda"))
    groups: dict[str, list[Entry]] = {}
    several = len(maps) > 1
    chosen: set[str] = set()
    count = 0
    # .conda files first, so a .tar.bz2 of the same name-version-build is skipped
    for section, mapping in sorted(maps, key=lambda m: m[0] != "packages.conda"):
        for fn, entry in mapping.items():
            if several:
                if fn in chosen:
                    continue
                chosen.add(fn)
            if conda_stems and fn.endswith(".tar.bz2") and fn[: -len(".tar.bz2")] in conda_stems:
                continue
            count += 1
            if type(entry) is not dict and not isinstance(entry, Mapping):
                _raise_for(fn, entry, section, source)
            name = entry.get("name")
            if name is None:
                try:
                    name = split_filename(fn)[0]
                except InputError:
                    _raise_for(fn, entry, section, source)
            if type(name) is not str or not name:
                _raise_for(fn, entry, section, source)
            key = name.lower()
            group = groups.get(key)
            if group is None:
                groups[key] = [(section, fn, entry)]
            else:
                group.append((section, fn, entry))
    subdirs, lacks_subdir = _subdirs_of(e for g in groups.values() for _s, _f, e in g)
    return RepodataIndex(groups, meta=meta, count=count, subdirs=subdirs, lacks_subdir=lacks_subdir)


def _subdirs_of(entries: Iterable[Any]) -> tuple[frozenset[str], bool]:
    """The ``subdir`` values of decoded entries, and whether one has none."""
    found: set[str] = set()
    lacks = False
    for entry in entries:
        own = entry.get("subdir") if isinstance(entry, Mapping) else None
        if own and type(own) is str:
            found.add(own)
        else:
            lacks = True
    return frozenset(found), lacks


def _raise_for(fn: str, entry: Any, section: str, source: str) -> NoReturn:
    """Raise the error :func:`record_from_json` gives for a malformed entry."""
    record_from_json(fn, entry, source=source, field=f"{section}.{fn}" if section else fn)
    raise AssertionError(f"{fn}: entry refused by the index but not by record_from_json")


class SparseRepodata:
    """One repodata document at one location: names known, records built per name.

    ``subdir``, ``channel`` and ``base_url`` are what its records get (see
    :func:`~compatlib.sources.conda.repodata.parse_repodata`); ``source`` names
    the location in error messages. :meth:`records` builds a name's records on
    its first call and keeps them; a malformed entry raises its
    :class:`InputError` then, not when the document is read.
    """

    __slots__ = ("_built", "base_url", "channel", "index", "source", "subdir")

    def __init__(
        self, index: RepodataIndex, *, source: str, subdir: str, channel: str, base_url: str
    ) -> None:
        self.index = index
        self.source = source
        self.subdir = subdir
        self.channel = channel
        self.base_url = base_url
        self._built: dict[str, tuple[PackageRecord, ...]] = {}

    def names(self) -> tuple[str, ...]:
        """Package names (lowercased), sorted."""
        return self.index.names()

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.index

    def __len__(self) -> int:
        return self.index.count

    @property
    def subdirs(self) -> frozenset[str]:
        """The subdirs its records have (their own, else the document's)."""
        if self.index.lacks_subdir:
            return self.index.subdirs | {self.subdir}
        return self.index.subdirs

    def records(self, name: str) -> tuple[PackageRecord, ...]:
        """The records of ``name``, in file-name order; empty if unknown."""
        key = name.lower()
        got = self._built.get(key)
        if got is None:
            got = tuple(
                record_from_json(
                    fn,
                    entry,
                    subdir=self.subdir,
                    channel=self.channel,
                    base_url=self.base_url,
                    source=self.source,
                    field=f"{section}.{fn}" if section else fn,
                )
                for section, fn, entry in sorted(
                    self.index.entries(key, self.source), key=_by_filename
                )
            )
            self._built[key] = got
        return got

    def __iter__(self) -> Iterator[PackageRecord]:
        """Every record, by name (builds them all)."""
        for name in self.names():
            yield from self.records(name)

    def __repr__(self) -> str:
        return f"<SparseRepodata {self.source!r}: {len(self)} records>"


def _by_filename(entry: Entry) -> str:
    return entry[1]
