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
import urllib.parse
from functools import cache
from typing import Any

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.values.urls import url_filename

__all__ = [
    "ACCEPT",
    "DistFile",
    "parse_html_page",
    "parse_json_page",
    "parse_project_page",
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
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "file":
        return urllib.parse.urlsplit(page_url).scheme.lower() == "file"
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


def parse_json_page(data: bytes | str, page_url: str) -> list[DistFile]:
    """The files of a PEP 691 JSON project page."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise InputError(
            f"invalid JSON project page: {exc}", source=page_url, expected="PEP 691 JSON"
        ) from None
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
    out: list[DistFile] = []
    for i, entry in enumerate(doc["files"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise InputError(
                "file entry without a 'url'",
                source=page_url,
                field=f"files[{i}].url",
                expected="a URL string",
            )
        url, frag_hashes = _split_fragment(urllib.parse.urljoin(page_url, entry["url"]))
        if not _allowed_link(url, page_url):
            continue
        filename = entry.get("filename")
        if not isinstance(filename, str) or not filename:
            filename = url_filename(url)
        hashes = _json_hashes(entry.get("hashes")) or frag_hashes
        core = entry.get("core-metadata", entry.get("dist-info-metadata"))
        metadata: tuple[tuple[str, str], ...] | None
        if core is True:
            metadata = ()
        elif isinstance(core, dict):
            metadata = _json_hashes(core)
        else:
            metadata = None
        yanked = entry.get("yanked", False)
        rp = entry.get("requires-python")
        size = entry.get("size")
        out.append(
            DistFile(
                filename=filename,
                url=url,
                hashes=hashes,
                requires_python=(rp.strip() or None) if isinstance(rp, str) else None,
                yanked=bool(yanked),
                yanked_reason=yanked if isinstance(yanked, str) and yanked else None,
                metadata=metadata,
                size=size if isinstance(size, int) and size >= 0 else None,
                source=page_url,
            )
        )
    return out


def parse_project_page(content: bytes, content_type: str, page_url: str) -> list[DistFile]:
    """Dispatch on the content type (PEP 691 JSON, else HTML)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/vnd.pypi.simple.v1+json" or ctype.endswith("+json"):
        return parse_json_page(content, page_url)
    return parse_html_page(content.decode("utf-8", errors="replace"), page_url)
