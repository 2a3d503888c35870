"""Parsing simple-repository project pages: PEP 503 HTML and PEP 691 JSON.

Both flavours become a list of :class:`DistFile`, with absolute URLs (relative
links resolved against the page, honouring ``<base href>``), hashes from the
URL fragment or the JSON ``hashes`` table, ``Requires-Python`` (PEP 503
``data-requires-python``), PEP 592 yanking and PEP 658/714 metadata
availability (``data-core-metadata``, falling back to ``data-dist-info-metadata``).
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from collections.abc import Callable
from functools import cache
from typing import Any, overload

from compatlib._input import load_json
from compatlib._values import value
from compatlib.errors import InputError
from compatlib.values.urls import url_filename

__all__ = [
    "ACCEPT",
    "PACKED_FORM",
    "DistFile",
    "parse_html_page",
    "parse_json_page",
    "PackedPage",
    "PackedRow",
    "Select",
    "pack_files",
    "file_row",
    "json_page_rows",
    "page_rows",
    "parse_project_page",
    "row_file",
    "unpack_files",
    "wheel_tag_text",
]

#: The Accept header for project pages: JSON preferred, HTML accepted (PEP 691).
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)

_HASH_NAMES = frozenset(hashlib.algorithms_guaranteed)


@value
class DistFile:
    """One file listed by an index or find-links source.

    ``hashes`` are ``(algorithm, hex)`` pairs, sorted. ``metadata`` is ``None``
    when no PEP 658 metadata file is advertised, else the hashes of that file
    (possibly empty). ``source`` is the (redacted) page or folder it came from.
    """

    filename: str
    url: str
    hashes: tuple[tuple[str, str], ...] = ()
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    metadata: tuple[tuple[str, str], ...] | None = None
    size: int | None = None
    source: str = ""

    def hash(self, algorithm: str = "sha256") -> str | None:
        for name, digest in self.hashes:
            if name == algorithm:
                return digest
        return None


def _split_fragment(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    base, _, fragment = url.partition("#")
    hashes: list[tuple[str, str]] = []
    if fragment:
        for piece in fragment.split("&"):
            algo, sep, value = piece.partition("=")
            if sep and algo.lower() in _HASH_NAMES and value:
                hashes.append((algo.lower(), value.lower()))
    return base, tuple(sorted(hashes))


def _allowed_link(url: str, page_url: str) -> bool:
    """Only http(s) and file links; a remote page may not point at local files."""
    return _allowed_scheme(url, urllib.parse.urlsplit(page_url).scheme.lower() == "file")


def _allowed_scheme(url: str, local_page: bool) -> bool:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "file":
        return local_page
    return scheme in ("http", "https")


def _metadata_attr(value: str | None) -> tuple[tuple[str, str], ...] | None:
    """PEP 658/714 attribute: absent or ``"false"`` -> None, ``"true"`` -> (),
    ``"sha256=..."`` -> that hash."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() == "false":
        return None
    if text.lower() == "true" or not text:
        return ()
    algo, sep, digest = text.partition("=")
    if sep and algo.lower() in _HASH_NAMES:
        return ((algo.lower(), digest.lower()),)
    return ()


@cache
def _anchor_parser() -> Any:
    """The HTML link collector (``html.parser`` is imported only for HTML pages)."""
    # lazy: only _anchor_parser needs html, which loads 4 modules that importing this one does not
    from html.parser import HTMLParser

    class AnchorParser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.base: str | None = None
            self.anchors: list[dict[str, str | None]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "base" and self.base is None:
                href = dict(attrs).get("href")
                if href:
                    self.base = href
            elif tag == "a":
                self.anchors.append(dict(attrs))

    return AnchorParser


def parse_html_page(text: str, page_url: str) -> list[DistFile]:
    """All links of a PEP 503 page (or a plain find-links HTML page)."""
    parser = _anchor_parser()()
    parser.feed(text)
    parser.close()
    base = urllib.parse.urljoin(page_url, parser.base) if parser.base else page_url
    out: list[DistFile] = []
    for attrs in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, hashes = _split_fragment(urllib.parse.urljoin(base, href.strip()))
        filename = url_filename(url)
        if not filename or not _allowed_link(url, page_url):
            continue
        yanked_attr = "data-yanked" in attrs
        reason = attrs.get("data-yanked")
        core = attrs.get("data-core-metadata")
        if core is None:
            core = attrs.get("data-dist-info-metadata")
        rp = attrs.get("data-requires-python")
        out.append(
            DistFile(
                filename=filename,
                url=url,
                hashes=hashes,
                requires_python=(rp.strip() or None) if rp is not None else None,
                yanked=yanked_attr,
                yanked_reason=(reason or None) if yanked_attr else None,
                metadata=_metadata_attr(core),
                source=page_url,
            )
        )
    return out


def _json_hashes(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        return ()
    return tuple(
        sorted(
            (str(k).lower(), str(v).lower())
            for k, v in value.items()
            if str(k).lower() in _HASH_NAMES and isinstance(v, str)
        )
    )


def _json_metadata(core: Any) -> tuple[tuple[str, str], ...] | None:
    if core is True:
        return ()
    if isinstance(core, dict):
        return _json_hashes(core)
    return None


def parse_json_page(data: bytes | str, page_url: str) -> list[DistFile]:
    """The files of a PEP 691 JSON project page."""
    return [row_file(row, page_url) for row in json_page_rows(data, page_url)]


def _hashes_text(value: Any, fallback: tuple[tuple[str, str], ...]) -> str:
    if type(value) is dict and len(value) == 1 and type(value.get("sha256")) is str:
        digest: str = value["sha256"]
        return "sha256=" + digest.lower()  # PyPI's form: no sorting needed
    pairs = _json_hashes(value) or fallback
    return ",".join(f"{a}={d}" for a, d in pairs)


def json_page_rows(
    data: bytes | str, page_url: str, select: Select | None = None
) -> list[PackedRow]:
    """The files of a PEP 691 JSON project page as rows ``[filename, url, hashes,
    requires_python, yanked, metadata, size]`` (see :data:`PackedRow`).

    Written for pages of thousands of files (botocore lists about 5,000): no object
    per file, the page URL is split once, a file URL is resolved against it
    only when it is relative, and with ``select`` only the files it keeps
    become rows (with what it returns appended).
    """
    doc = load_json(
        data, source=page_url, expected="PEP 691 JSON", what="invalid JSON project page"
    )
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise InputError(
            "JSON project page has no 'files' list",
            source=page_url,
            field="files",
            expected="PEP 691 JSON",
        )
    meta = doc.get("meta")
    api = meta.get("api-version") if isinstance(meta, dict) else None
    if isinstance(api, str) and not api.startswith("1."):
        raise InputError(
            f"unsupported simple API version {api}",
            source=page_url,
            field="meta.api-version",
            expected="1.x",
        )
    local_page = urllib.parse.urlsplit(page_url).scheme.lower() == "file"
    out: list[PackedRow] = []
    append = out.append
    for i, entry in enumerate(doc["files"]):
        raw = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(raw, str):
            raise InputError(
                "file entry without a 'url'",
                source=page_url,
                field=f"files[{i}].url",
                expected="a URL string",
            )
        if raw.startswith(("https://", "http://")):
            url = raw  # absolute: the common case, no parsing
        else:
            url = urllib.parse.urljoin(page_url, raw)
            if not _allowed_scheme(url, local_page):
                continue
        frag_hashes: tuple[tuple[str, str], ...] = ()
        if "#" in url:
            url, frag_hashes = _split_fragment(url)
        filename = entry.get("filename")
        if not isinstance(filename, str) or not filename:
            filename = url_filename(url)
        extra = select(filename) if select is not None else ()
        if extra is None:
            continue
        core = entry.get("core-metadata", entry.get("dist-info-metadata"))
        yanked = entry.get("yanked", False)
        rp = entry.get("requires-python")
        size = entry.get("size")
        append(
            [
                filename,
                url,
                _hashes_text(entry.get("hashes"), frag_hashes),
                (rp.strip() or None) if isinstance(rp, str) else None,
                ((yanked or 1) if isinstance(yanked, str) else 1) if yanked else 0,
                None if core is None or core is False else _pairs_text(_json_metadata(core)),
                size if type(size) is int and size >= 0 else None,
                *extra,
            ]
        )
    return out


#: Version of the :func:`pack_files` form (part of its cache key).
PACKED_FORM = "files-5"

#: A file as a row: ``[filename, url, hashes, requires_python, yanked, metadata,
#: size]`` as :func:`page_rows` makes it; hashes and metadata as ``"algo=hex,..."``
#: (metadata ``None`` when not offered), yanked ``0``, ``1`` or the reason. Rows
#: that :func:`pack_files` stores add the normalized version and an integer of
#: the caller's (the repository's rank of the file for its target).
PackedRow = list[Any]

#: Chooses a page's files by filename: ``None`` leaves a file out, a list is
#: appended to its row.
Select = Callable[[str], "list[Any] | None"]


class PackedPage:
    """What the cache keeps of a project page: the ``rows`` of the files a
    reader wants, why it left out the others (``skipped``: version -> reason)
    and how many files the page lists (``count``)."""

    __slots__ = ("count", "rows", "skipped")

    def __init__(self, rows: list[PackedRow], skipped: dict[str, str], count: int) -> None:
        self.rows = rows
        self.skipped = skipped
        self.count = count


@overload
def _pairs_text(pairs: tuple[tuple[str, str], ...]) -> str: ...
@overload
def _pairs_text(pairs: None) -> None: ...
@overload
def _pairs_text(pairs: tuple[tuple[str, str], ...] | None) -> str | None: ...
def _pairs_text(pairs: tuple[tuple[str, str], ...] | None) -> str | None:
    if pairs is None:
        return None
    return ",".join(f"{a}={d}" for a, d in pairs)


def _text_pairs(text: str | None) -> tuple[tuple[str, str], ...] | None:
    if text is None:
        return None
    if not text:
        return ()
    return tuple(
        (a, d) for a, _, d in (piece.partition("=") for piece in text.split(",")) if a and d
    )


def wheel_tag_text(filename: str) -> str:
    """The tag triple of a wheel filename (``py3-none-any`` of ``x-1.0-py3-none-any.whl``)."""
    return "-".join(filename[:-4].rsplit("-", 3)[-3:])


def file_row(f: DistFile) -> PackedRow:
    """A :class:`DistFile` as a row of :func:`page_rows`."""
    return [
        f.filename,
        f.url,
        _pairs_text(f.hashes),
        f.requires_python,
        (f.yanked_reason or 1) if f.yanked else 0,
        _pairs_text(f.metadata),
        f.size,
    ]


def page_rows(
    content: bytes, content_type: str, page_url: str, select: Select | None = None
) -> list[PackedRow]:
    """The files of a project page as rows (see :func:`json_page_rows`)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/vnd.pypi.simple.v1+json" or ctype.endswith("+json"):
        return json_page_rows(content, page_url, select)
    text = content.decode("utf-8", errors="replace")
    rows: list[PackedRow] = []
    for f in parse_html_page(text, page_url):
        extra = select(f.filename) if select is not None else ()
        if extra is not None:
            rows.append([*file_row(f), *extra])
    return rows


def pack_files(page: PackedPage) -> bytes:
    """A compact form of a :class:`PackedPage` for the cache: only what
    resolution and the lock read (no upload times, no other fields).

    ``{"prefix": P, "versions": [...], "rows": [...], "skipped": {...},
    "count": n}``: URLs lose their common prefix ``P`` and the filename they
    end with (a row's URL is then the middle part; a one-item list holds the
    rest of a URL that does not end with its filename); versions are indexes
    into their table; a lone sha256 is its hex digest.
    """
    rows = page.rows
    urls = [row[1] for row in rows]
    prefix = os.path.commonprefix(urls) if urls else ""  # noqa: RUF071 - characters, not folders
    cut = len(prefix)
    versions: dict[str, int] = {}
    packed = []
    for row in rows:
        filename, url, hashes = row[0], row[1], row[2]
        rest = url[cut:]
        if rest.endswith(filename) and rest[: -len(filename)].endswith("/"):
            middle: str | list[str] = rest[: -len(filename)]
        else:
            middle = [rest]
        if hashes.startswith("sha256=") and "," not in hashes:
            hashes = hashes[7:]
        vi = versions.setdefault(row[7], len(versions))
        packed.append([filename, middle, hashes, row[3], row[4], row[5], row[6], vi, row[8]])
    doc = {
        "prefix": prefix,
        "versions": list(versions),
        "rows": packed,
        "skipped": page.skipped,
        "count": page.count,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def unpack_files(data: bytes) -> PackedPage:
    """The :class:`PackedPage` :func:`pack_files` stored; ``ValueError`` for a
    damaged form."""
    doc = load_json(data, source="packed file list")
    if not isinstance(doc, dict):
        raise ValueError("not a packed file list")
    prefix, versions, rows = doc.get("prefix"), doc.get("versions"), doc.get("rows")
    skipped, count = doc.get("skipped"), doc.get("count")
    if not (
        isinstance(prefix, str)
        and isinstance(versions, list)
        and isinstance(rows, list)
        and isinstance(skipped, dict)
        and type(count) is int
    ):
        raise ValueError("not a packed file list")
    try:
        for row in rows:
            if len(row) != 9:
                raise ValueError("a packed row has nine fields")
            filename, middle, hashes = row[0], row[1], row[2]
            if type(middle) is str:
                row[1] = prefix + middle + filename
            else:
                (rest,) = middle
                row[1] = prefix + rest
            if hashes and "=" not in hashes:
                row[2] = "sha256=" + hashes
            row[7] = versions[row[7]]
    except (TypeError, IndexError, KeyError) as exc:
        raise ValueError(f"damaged packed file list: {exc}") from None
    return PackedPage(rows, skipped, count)


def row_file(row: PackedRow, source: str) -> DistFile:
    """The :class:`DistFile` of a packed row; ``source`` is the page it came from."""
    filename, url, hashes, rp, yanked, metadata, size = row[:7]
    return DistFile(
        filename=filename,
        url=url,
        hashes=_text_pairs(hashes) or (),
        requires_python=rp,
        yanked=bool(yanked),
        yanked_reason=yanked if isinstance(yanked, str) else None,
        metadata=_text_pairs(metadata),
        size=size,
        source=source,
    )


def parse_project_page(content: bytes, content_type: str, page_url: str) -> list[DistFile]:
    """Dispatch on the content type (PEP 691 JSON, else HTML)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/vnd.pypi.simple.v1+json" or ctype.endswith("+json"):
        return parse_json_page(content, page_url)
    return parse_html_page(content.decode("utf-8", errors="replace"), page_url)
