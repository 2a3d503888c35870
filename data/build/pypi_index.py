"""Read a package index the way the data files cite it: release files and wheel METADATA.

A maintainer tool (stdlib only) used by ``data/build/refresh.py``. It asks the
index's JSON simple API (PEP 691) for a project's files, and reads a wheel's
``METADATA`` without downloading the wheel: from the PEP 658 ``.metadata`` file
where the index serves one, otherwise with three HTTP range requests into the
zip (its end record, its central directory, the one member). A torch wheel is
half a gigabyte; its METADATA costs about 100 KB of transfer this way.

Answers can be kept in a cache folder (``--cache``): the simple API pages for
a day (they change when files are uploaded), METADATA for good (a released
file never changes; PyPI refuses to replace one).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import time
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from email.parser import Parser
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "HttpIndex",
    "Index",
    "ReleaseFile",
    "linux_x86_64",
    "metadata_from_zip",
    "parse_metadata",
]

PYPI = "https://pypi.org/simple/"
_ACCEPT = "application/vnd.pypi.simple.v1+json"
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_TAIL = 65536 + 22  # the end record plus the longest zip comment


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a project on the index, as the simple API lists it."""

    filename: str
    url: str
    size: int
    requires_python: str | None
    upload_time: str | None
    yanked: bool
    core_metadata: bool

    @property
    def version(self) -> str:
        """The version field of a wheel or sdist file name (as written there)."""
        stem = self.filename.removesuffix(".whl").removesuffix(".tar.gz")
        return stem.split("-")[1]

    @property
    def tags(self) -> tuple[str, str, str]:
        """(python, abi, platform) of a wheel file name."""
        parts = self.filename.removesuffix(".whl").split("-")
        return parts[-3], parts[-2], parts[-1]


class Index(Protocol):
    """What the refresh needs from an index; tests give it an in-memory one."""

    def files(self, project: str) -> list[ReleaseFile]: ...

    def metadata(self, file: ReleaseFile) -> Message: ...


def parse_metadata(text: str) -> Message:
    """A METADATA file (RFC 822 headers) as an email message."""
    return Parser().parsestr(text, headersonly=True)


def linux_x86_64(file: ReleaseFile) -> bool:
    """Whether a wheel installs on Linux x86_64 (a manylinux or plain linux tag)."""
    if not file.filename.endswith(".whl"):
        return False
    return any(
        p.endswith("_x86_64") and (p.startswith("manylinux") or p.startswith("linux"))
        for p in file.tags[2].split(".")
    )


def _find_member(central: bytes, wanted: Callable[[str], bool]) -> tuple[int, int, int, int]:
    """(method, compressed size, local header offset, name) of the first wanted member."""
    pos = 0
    while pos + 46 <= len(central) and central[pos : pos + 4] == _CENTRAL:
        method = struct.unpack_from("<H", central, pos + 10)[0]
        csize, usize = struct.unpack_from("<II", central, pos + 20)
        nlen, xlen, clen = struct.unpack_from("<HHH", central, pos + 28)
        offset = struct.unpack_from("<I", central, pos + 42)[0]
        name = central[pos + 46 : pos + 46 + nlen].decode("utf-8")
        extra = central[pos + 46 + nlen : pos + 46 + nlen + xlen]
        if 0xFFFFFFFF in (csize, usize, offset):
            csize, offset = _zip64_sizes(extra, usize, csize, offset)
        if wanted(name):
            return method, csize, offset, nlen
        pos += 46 + nlen + xlen + clen
    raise ValueError("no such member in the zip's central directory")


def _zip64_sizes(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        if tag == 1:
            fields = iter(struct.unpack_from(f"<{size // 8}Q", extra, pos + 4))
            if usize == 0xFFFFFFFF:
                next(fields)
            if csize == 0xFFFFFFFF:
                csize = next(fields)
            if offset == 0xFFFFFFFF:
                offset = next(fields)
            return csize, offset
        pos += 4 + size
    return csize, offset


def _central_directory(tail: bytes, tail_start: int) -> tuple[int, int]:
    """(offset, size) of the central directory, from the zip's last bytes."""
    at = tail.rfind(_EOCD)
    if at < 0:
        raise ValueError("no end-of-central-directory record: not a zip file")
    size, offset = struct.unpack_from("<II", tail, at + 12)
    if 0xFFFFFFFF in (size, offset):
        loc = tail.rfind(_EOCD64_LOCATOR, 0, at)
        if loc < 0:
            raise ValueError("zip64 archive without its locator")
        (eocd64,) = struct.unpack_from("<Q", tail, loc + 8)
        rel = eocd64 - tail_start
        if rel < 0:
            raise ValueError("zip64 end record outside the bytes read")
        size, offset = struct.unpack_from("<QQ", tail, rel + 40)
    return offset, size


def metadata_from_zip(read: Callable[[int, int], bytes], length: int) -> str:
    """The ``*.dist-info/METADATA`` text of a wheel, reading only byte ranges.

    ``read(start, end)`` returns bytes ``start`` to ``end`` (exclusive) of the
    file of ``length`` bytes; three calls are made.
    """
    start = max(0, length - _TAIL)
    tail = read(start, length)
    cd_offset, cd_size = _central_directory(tail, start)
    if cd_offset >= start:
        central = tail[cd_offset - start : cd_offset - start + cd_size]
    else:
        central = read(cd_offset, cd_offset + cd_size)

    def is_metadata(name: str) -> bool:
        return bool(re.fullmatch(r"[^/]+\.dist-info/METADATA", name))

    method, csize, offset, nlen = _find_member(central, is_metadata)
    chunk = read(offset, offset + 30 + nlen + 1024 + csize)
    if chunk[:4] != _LOCAL:
        raise ValueError("bad local file header")
    lnlen, lxlen = struct.unpack_from("<HH", chunk, 26)
    body = chunk[30 + lnlen + lxlen : 30 + lnlen + lxlen + csize]
    if method == 0:
        data = body
    elif method == 8:
        data = zlib.decompress(body, -15)
    else:
        raise ValueError(f"unsupported zip compression method {method}")
    return data.decode("utf-8")


class HttpIndex:
    """A PEP 691 index over HTTPS (PyPI by default), with an optional cache folder."""

    def __init__(
        self, base: str = PYPI, cache: Path | None = None, max_age: float = 86400.0
    ) -> None:
        self.base = base.rstrip("/") + "/"
        self.cache = cache
        self.max_age = max_age
        self.requests = 0
        self.bytes = 0

    def _get(self, url: str, headers: dict[str, str]) -> bytes:
        req = urllib.request.Request(url, headers={"User-Agent": "compatlib-refresh", **headers})
        with urllib.request.urlopen(req, timeout=120) as resp:
            if "Range" in headers and resp.status != 206:
                raise RuntimeError(f"{url}: the server ignored the byte range (HTTP {resp.status})")
            body: bytes = resp.read()
        self.requests += 1
        self.bytes += len(body)
        return body

    def _cached(self, key: str, fetch: Callable[[], bytes], max_age: float | None) -> bytes:
        if self.cache is None:
            return fetch()
        path = self.cache / hashlib.sha256(key.encode()).hexdigest()[:32]
        if path.exists() and (max_age is None or time.time() - path.stat().st_mtime < max_age):
            return path.read_bytes()
        body = fetch()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
        return body

    def files(self, project: str) -> list[ReleaseFile]:
        url = f"{self.base}{project}/"
        body = self._cached(url, lambda: self._get(url, {"Accept": _ACCEPT}), self.max_age)
        doc: dict[str, Any] = json.loads(body)
        return [
            ReleaseFile(
                filename=f["filename"],
                url=f["url"],
                size=int(f.get("size") or 0),
                requires_python=f.get("requires-python") or None,
                upload_time=f.get("upload-time"),
                yanked=bool(f.get("yanked")),
                core_metadata=bool(f.get("core-metadata") or f.get("data-dist-info-metadata")),
            )
            for f in doc["files"]
        ]

    def metadata(self, file: ReleaseFile) -> Message:
        def fetch() -> bytes:
            if file.core_metadata:
                return self._get(file.url + ".metadata", {})

            def read(start: int, end: int) -> bytes:
                return self._get(file.url, {"Range": f"bytes={start}-{end - 1}"})

            return metadata_from_zip(read, file.size).encode("utf-8")

        return parse_metadata(self._cached(file.url + "#METADATA", fetch, None).decode("utf-8"))
