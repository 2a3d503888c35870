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
"""

from __future__ import annotations

import bz2
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compatlib.errors import InputError
from compatlib.sources.conda.naming import KNOWN_SUBDIRS, canonical_channel_name, strip_credentials
from compatlib.sources.conda.records import PackageRecord, record_from_json
from compatlib.values.urls import path_to_url, url_to_path

if TYPE_CHECKING:
    from compatlib.sources.fetch import Fetcher

__all__ = ["REPODATA_NAMES", "load_repodata", "parse_repodata", "read_repodata_bytes"]

# Looked for in a subdir folder, in this order.
REPODATA_NAMES = ("repodata.json", "repodata.json.zst", "repodata.json.bz2")

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BZ2_MAGIC = b"BZh"
_GZIP_MAGIC = b"\x1f\x8b"


MAX_REPODATA_BYTES = 4 * 2**30
"""The most a repodata file may decompress to (conda-forge's largest subdir is a
few hundred MB): a small archive that expands without end is refused."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


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
    data = raw
    try:
        if raw.startswith(_ZSTD_MAGIC):
            try:
                import zstandard
            except ImportError:
                raise InputError(
                    "zstd-compressed repodata needs the 'zstandard' package",
                    source=source,
                    expected="pip install zstandard, or the uncompressed repodata.json",
                ) from None
            import io

            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw))
            data = _bounded(reader.read, source)
        elif raw.startswith(_BZ2_MAGIC):
            bobj = bz2.BZ2Decompressor()
            data = _bounded(lambda n: bobj.decompress(raw, n), source)
        elif raw.startswith(_GZIP_MAGIC):
            import zlib

            gobj = zlib.decompressobj(wbits=31)
            data = _bounded(lambda n: gobj.decompress(raw, n), source)
    except InputError:
        raise
    except Exception as exc:  # corrupt archives raise library-specific errors
        raise InputError(
            f"cannot decompress repodata: {exc}", source=source, expected="valid compressed JSON"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"repodata is not UTF-8 (byte {exc.start})", source=source, expected="UTF-8 JSON"
        ) from None
    from compatlib._input import check_depth

    check_depth(text, source=source)
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise InputError(
                f"invalid JSON: {exc} is not a JSON number", source=source, expected="JSON"
            ) from None
        lines = text.splitlines()
        line_text = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else None
        if line_text is not None and len(line_text) > 200:
            start = max(0, exc.colno - 60)
            line_text = line_text[start : start + 120]
            col = exc.colno - start
        else:
            col = exc.colno
        raise InputError(
            f"invalid JSON: {exc.msg}",
            source=source,
            line=exc.lineno,
            column=col if line_text is not None else None,
            text=line_text,
            expected="a repodata.json document",
        ) from None


def _meta(doc: Mapping[str, Any], source: str) -> Mapping[str, Any]:
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


def _package_maps(doc: Any, source: str) -> list[tuple[str, Mapping[str, Any]]]:
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


def _resolve_base_url(meta: Mapping[str, Any], location_url: str, subdir: str) -> str:
    """CEP 15 ``base_url`` (may be relative), else the repodata's folder URL."""
    base = meta.get("base_url")
    if isinstance(base, str) and base:
        from compatlib.values.urls import join_url

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
    maps = _package_maps(doc, source)
    meta = _meta(doc, source) if maps and maps[0][0] else {}
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
    conda_stems: set[str] = set()
    for _section, mapping in maps:
        conda_stems.update(fn[: -len(".conda")] for fn in mapping if fn.endswith(".conda"))
    chosen: dict[str, PackageRecord] = {}
    # .conda files first, so a .tar.bz2 of the same name-version-build is skipped
    for section, mapping in sorted(maps, key=lambda m: m[0] != "packages.conda"):
        for fn in sorted(mapping):
            if fn in chosen:
                continue
            if fn.endswith(".tar.bz2") and fn[: -len(".tar.bz2")] in conda_stems:
                continue
            field = f"{section}.{fn}" if section else fn
            chosen[fn] = record_from_json(
                fn,
                mapping[fn],
                subdir=doc_subdir,
                channel=channel,
                base_url=base_url,
                source=source,
                field=field,
            )
    return sorted(chosen.values(), key=lambda r: (r.subdir, r.filename))


# -- locations -------------------------------------------------------------------


def _load_file(
    path: Path, subdir: str | None, channel: str | None, source: str | None = None
) -> list[PackageRecord]:
    src = source or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read repodata: {exc.strerror}", source=src, expected="a readable file"
        ) from None
    doc = read_repodata_bytes(raw, src)
    return parse_repodata(
        doc, source=src, subdir=subdir, channel=channel, location_url=path_to_url(path)
    )


def _repodata_in(folder: Path) -> Path | None:
    for name in REPODATA_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _load_dir(folder: Path, subdir: str | None, channel: str | None) -> list[PackageRecord]:
    direct = _repodata_in(folder)
    if direct is not None:
        return _load_file(direct, subdir, channel)
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
    out: list[PackageRecord] = []
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
        out.extend(_load_file(found, name, channel))
    return out


def _load_remote(
    url: str, subdir: str | None, channel: str | None, fetcher: Fetcher
) -> list[PackageRecord]:
    from compatlib.sources.fetch import FetchError  # the HTTP layer: remote channels only
    from compatlib.values.urls import split_url

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
    out: list[PackageRecord] = []
    for target, target_subdir in targets:
        shown = strip_credentials(target)
        try:
            raw = fetcher.get(target, compressed=True).content
        except FetchError as exc:
            raise InputError(
                f"cannot fetch repodata: {exc.reason}", source=shown, expected="a reachable URL"
            ) from None
        doc = read_repodata_bytes(raw, shown)
        out.extend(
            parse_repodata(
                doc, source=shown, subdir=target_subdir, channel=channel, location_url=shown
            )
        )
    return out


def load_repodata(
    source: str | os.PathLike[str],
    subdir: str | None = None,
    *,
    channel: str | None = None,
    timeout: float = 30.0,
    fetcher: Fetcher | None = None,
) -> list[PackageRecord]:
    """Records from a repodata file, subdir or channel folder, or URL (see module doc).

    ``subdir`` selects ``<subdir>`` + ``noarch`` of a channel and is the
    fallback subdir of records that name none; ``channel`` overrides the
    channel name recorded on each record. URLs are read through ``fetcher``
    (its cache folder, offline mode and timeout); without one, through a
    :class:`~compatlib.sources.fetch.Fetcher` with the default cache folder
    and ``timeout``.
    """
    text = os.fspath(source)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme == "file":
            path = url_to_path(text)
        elif scheme in ("http", "https"):
            if fetcher is None:
                from compatlib.sources.fetch import Fetcher  # the HTTP layer: remote channels only

                fetcher = Fetcher(timeout=timeout)
            return _sorted(_load_remote(text, subdir, channel, fetcher))
        else:
            raise InputError(
                f"unsupported URL scheme {scheme!r}",
                source=strip_credentials(text),
                expected="file://, http:// or https://",
            )
    else:
        path = Path(text)
    if path.is_dir():
        return _sorted(_load_dir(path, subdir, channel))
    if not path.exists():
        raise InputError(
            "no such file or folder", source=str(path), expected="a repodata file or channel"
        )
    return _sorted(_load_file(path, subdir, channel))


def _sorted(records: Iterable[PackageRecord]) -> list[PackageRecord]:
    return sorted(records, key=lambda r: (r.subdir, r.filename, r.url))
