"""``file:`` URLs and local paths, and the file name a URL ends in.

The one implementation every reader and writer uses (the PyPI client, conda
repodata, spec files, lock files), so that a path survives the trip to a URL
and back whatever it holds:

* :func:`path_to_url` percent-encodes everything but letters, digits and
  ``/-._~`` (a space is ``%20``, ``#`` is ``%23``, ``%`` is ``%25``), from the
  path's file-system bytes, as :meth:`pathlib.Path.as_uri` does.
* :func:`url_to_path` decodes once (``%2525`` is ``%25``, never ``%``), ignores
  the query and the fragment (``#sha256=...``, ``#egg=...``) and accepts
  ``file:///p``, ``file:/p`` and ``file://localhost/p``. On Windows
  ``file:///C:/p``, ``file:///C|/p`` and ``file://C:/p`` are ``C:\\p`` and
  ``file://host/share/p`` is the UNC path ``\\\\host\\share\\p``; elsewhere a
  URL naming another host is an error (there is no way to read it).

:func:`file_url_to_path` applies the rules of either system, for tests and for
paths that are written on one system and read on another.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import SplitResult, unquote, unquote_to_bytes, urljoin, urlsplit, urlunsplit

from compatlib.errors import InputError

__all__ = [
    "file_url_to_path",
    "is_file_url",
    "join_url",
    "path_to_url",
    "redact_url",
    "split_url",
    "url_filename",
    "url_to_path",
]

_DRIVE = re.compile(r"[A-Za-z][:|]\Z")
_EXPECTED = "file:///absolute/path (or file://localhost/absolute/path)"


def split_url(url: str, *, source: str | None = None, field: str | None = None) -> SplitResult:
    """``urlsplit(url)``, with a URL that does not parse (``http://[x]/a``, a bad
    port) an :class:`InputError` naming where it came from, instead of the
    ValueError urllib raises. Every URL from a file, a page or a server goes
    through here or :func:`join_url`."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading the port validates it
    except ValueError as exc:
        raise InputError(
            f"invalid URL {url!r}: {exc}",
            source=source if source is not None else url,
            field=field,
            expected="a URL such as https://host/path",
        ) from None
    return parts


def join_url(base: str, url: str, *, source: str | None = None) -> str:
    """``urljoin(base, url)``; an unparseable ``url`` is an :class:`InputError`."""
    split_url(url, source=source)
    try:
        return urljoin(base, url)
    except ValueError as exc:
        raise InputError(
            f"invalid URL {url!r}: {exc}", source=source or base, expected="a valid URL"
        ) from None


def is_file_url(text: str) -> bool:
    """Whether ``text`` is a ``file:`` URL (any case)."""
    return text[:5].lower() == "file:"


def file_url_to_path(url: str, *, windows: bool | None = None) -> str:
    """The path a ``file:`` URL names, by the rules of Windows or of POSIX
    (``windows=None``: this machine's). Raises :class:`InputError` (a
    :class:`ValueError`) for another scheme or, on POSIX, a remote host."""
    if windows is None:
        windows = os.name == "nt"
    parts = split_url(url)
    if parts.scheme.lower() != "file":
        raise InputError(f"not a file URL: {url!r}", source=url, expected=_EXPECTED)
    host = parts.netloc
    if host.lower() == "localhost":
        host = ""
    if not windows:
        if host:
            raise InputError(
                f"file URL with a host is not supported: {url!r}", source=url, expected=_EXPECTED
            )
        # bytes first: a name that is not UTF-8 comes back as the same bytes
        return os.fsdecode(unquote_to_bytes(parts.path))
    path = unquote(parts.path)
    if _DRIVE.match(host):  # file://C:/x, as some tools write it
        path, host = f"/{host}{path}", ""
    segments = path.split("/")
    if len(segments) > 1 and segments[0] == "" and _DRIVE.match(segments[1]):
        return "\\".join([segments[1][0] + ":", *segments[2:]])
    if host:
        return "\\\\" + host + path.replace("/", "\\")
    return path.replace("/", "\\")


def url_to_path(url: str) -> Path:
    """The local path of a ``file:`` URL (see the module docstring)."""
    return Path(file_url_to_path(url))


def path_to_url(path: str | os.PathLike[str], *, resolve: bool = True) -> str:
    """The ``file:`` URL of a local path, made absolute; ``resolve=False`` keeps
    symbolic links and ``..`` as written (for paths shown back to the user)."""
    local = Path(path)
    return (local.resolve() if resolve else local.absolute()).as_uri()


def url_filename(url: str) -> str:
    """The decoded last path segment of a URL (``""`` for a folder URL):
    ``https://h/a/torch-2.1%2Bcu121-cp311.whl#sha256=...`` -> ``torch-2.1+cu121-cp311.whl``."""
    try:
        path = urlsplit(url).path
    except ValueError:  # not a URL: its text after the last slash is the best name
        path = url.split("#", 1)[0].split("?", 1)[0]
    return unquote(path.rsplit("/", 1)[-1])


def redact_url(url: str, *, mask: str = "") -> str:
    """``url`` with the user name and password of its authority dropped, or
    replaced by ``mask`` (``https://user:pw@host/x`` -> ``https://host/x``, or
    ``https://****@host/x``). A text that does not split as a URL keeps only
    what follows its last ``@``, so nothing that could be a credential is kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        if "@" not in url:
            return url
        tail = url.rpartition("@")[2]
        return f"{mask}@{tail}" if mask else tail
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{mask}@{host}" if mask else host))
