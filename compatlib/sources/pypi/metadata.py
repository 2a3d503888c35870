"""Reading core metadata without building anything.

* :func:`parse_core_metadata`: ``METADATA`` / ``PKG-INFO`` text -> :class:`CoreMetadata`.
* :func:`read_wheel_metadata`: the ``*.dist-info/METADATA`` member of a wheel,
  from a local path (read in place) or any seekable binary file.
* :class:`RemoteFile`: a seekable, read-only view of a remote file that fetches
  only the byte ranges read, so :mod:`zipfile` reads a remote wheel's central
  directory and its ``METADATA`` member in two or three small HTTP range requests.
* :func:`read_sdist_metadata`: the top-level ``PKG-INFO`` of an sdist
  (``.tar.gz`` or ``.zip``), accepted only when static (:func:`is_static`).
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import threading
import zlib
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from compatlib._values import value

if TYPE_CHECKING:
    import zipfile
from compatlib.errors import CompatError
from compatlib.values.filenames import canonicalize_name

__all__ = [
    "MAX_METADATA_BYTES",
    "CoreMetadata",
    "MetadataError",
    "MetadataUnavailableError",
    "RemoteFile",
    "check_identity",
    "is_static",
    "parse_core_metadata",
    "read_sdist_metadata",
    "read_wheel_metadata",
]

#: Refuse METADATA/PKG-INFO members larger than this (a corrupt or hostile file).
MAX_METADATA_BYTES = 16 * 1024 * 1024

#: Fields whose being ``Dynamic`` makes sdist metadata useless for resolution.
_RESOLUTION_FIELDS = ("requires-dist", "requires-python", "provides-extra")


class MetadataError(CompatError):
    """A distribution's metadata is missing, unreadable or inconsistent."""

    def __init__(self, message: str, *, package: str | None = None, source: str = "") -> None:
        self.package = package
        self.source = source
        where = f" ({source})" if source else ""
        super().__init__(f"{message}{where}")


class MetadataUnavailableError(MetadataError):
    """No usable metadata for ``package==version``: every way to read it failed.

    ``reasons`` lists each attempt's failure; ``offline`` is True when offline
    mode was what blocked at least one attempt.
    """

    def __init__(
        self, package: str, version: str, reasons: tuple[str, ...], *, offline: bool = False
    ) -> None:
        self.version = version
        self.reasons = reasons
        self.offline = offline
        detail = "; ".join(reasons) if reasons else "no compatible wheel or sdist"
        super().__init__(f"no usable metadata for {package} {version}: {detail}", package=package)


@value
class CoreMetadata:
    """The resolution-relevant fields of a core metadata file."""

    name: str
    version: str
    metadata_version: str | None = None
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    dynamic: tuple[str, ...] = ()


_WANTED = frozenset(
    {
        "name",
        "version",
        "metadata-version",
        "requires-dist",
        "requires-python",
        "provides-extra",
        "dynamic",
    }
)


def _headers(data: bytes) -> dict[str, list[str]]:
    """The header fields of a core metadata file (RFC 822 style), lower-cased.

    Only the fields resolution needs are kept. A small reader instead of the
    ``email`` package, whose import alone costs more than a whole small lock.
    """
    data = data.replace(b"\r\n", b"\n")
    end = data.find(b"\n\n")  # the body (long description, often most of the file)
    if end >= 0:
        data = data[: end + 1]
    text = data.decode("utf-8", errors="replace")
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        if not line:
            break  # the body (long description) starts here
        if line[0] in " \t":
            if current is not None and current:
                current[-1] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            current = None
            continue
        key = key.strip().lower()
        if key in _WANTED:
            current = fields.setdefault(key, [])
            current.append(value.strip())
        else:
            current = None
    return fields


def parse_core_metadata(data: bytes, *, source: str = "") -> CoreMetadata:
    """Parse ``METADATA``/``PKG-INFO`` leniently (unknown fields are ignored)."""
    raw = _headers(data)
    name = (raw.get("name") or [""])[0]
    version = (raw.get("version") or [""])[0]
    if not name or not version:
        raise MetadataError("metadata has no Name or Version", source=source)
    requires = tuple(r for r in raw.get("requires-dist", []) if r)
    extras = tuple(sorted({e for e in raw.get("provides-extra", []) if e}))
    rp = (raw.get("requires-python") or [""])[0]
    mv_values = raw.get("metadata-version")
    mv = mv_values[0] if mv_values else None
    return CoreMetadata(
        name=name,
        version=version,
        metadata_version=mv,
        requires_dist=requires,
        requires_python=rp or None,
        provides_extra=extras,
        dynamic=tuple(sorted(d.lower() for d in raw.get("dynamic", []) if d)),
    )


def is_static(meta: CoreMetadata) -> bool:
    """True when sdist metadata can be trusted: Metadata-Version >= 2.2 (PEP 643)
    and none of Requires-Dist, Requires-Python, Provides-Extra is ``Dynamic``."""
    try:
        mv = Version(meta.metadata_version or "0")
    except InvalidVersion:
        return False
    if mv < Version("2.2"):
        return False
    return not any(field in meta.dynamic for field in _RESOLUTION_FIELDS)


def check_identity(meta: CoreMetadata, name: str, version: str, *, source: str) -> None:
    """Raise :class:`MetadataError` if the metadata names another project/version."""
    if canonicalize_name(meta.name) != canonicalize_name(name):
        raise MetadataError(
            f"metadata names {meta.name!r}, expected {name!r}", package=name, source=source
        )
    try:
        same = Version(meta.version) == Version(version)
    except InvalidVersion:
        same = False
    if not same:
        raise MetadataError(
            f"metadata version {meta.version!r} differs from {version!r}",
            package=name,
            source=source,
        )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> bytes:
    if info.file_size > MAX_METADATA_BYTES:
        raise MetadataError(f"{info.filename} is too large", source=source)
    return zf.read(info)


_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_METADATA_SUFFIX = b".dist-info/METADATA"


def _metadata_from_central_directory(wheel: str | IO[bytes], name: str) -> bytes | None:
    """``METADATA`` of a wheel (a path, or a seekable file such as a
    :class:`RemoteFile`) without parsing every entry of its zip.

    ``zipfile`` builds an object for each of a torch wheel's ~28,000 entries;
    this reads the central directory as bytes, finds the ``*.dist-info/METADATA``
    entries and decompresses only the one wanted. ``None`` (use ``zipfile``)
    for anything unusual: zip64, several candidates, encryption, a CRC mismatch.
    """
    try:
        with open(wheel, "rb") if isinstance(wheel, str) else contextlib.nullcontext(wheel) as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            # the end record is the last 22 bytes unless the zip has a comment
            # (then up to 64 kB more): a remote file fetches no more than needed
            for span in (_EOCD.size, 65536 + _EOCD.size):
                tail_len = min(size, span)
                fh.seek(size - tail_len)
                tail = fh.read(tail_len)
                at = tail.rfind(b"PK\x05\x06")
                if at >= 0 and at + _EOCD.size <= len(tail):
                    break
            else:
                return None
            _sig, _d, _dcd, _n1, _n2, cd_size, cd_offset, _c = _EOCD.unpack_from(tail, at)
            if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
                return None  # zip64
            fh.seek(cd_offset)
            central = fh.read(cd_size)
            found: list[tuple[str, int, int, int, int, int]] = []
            pos = central.find(_METADATA_SUFFIX)
            while pos >= 0:
                end = pos + len(_METADATA_SUFFIX)
                header = central.rfind(b"PK\x01\x02", max(0, pos - 512), pos)
                if header >= 0 and header + _CENTRAL.size <= pos:
                    fields = _CENTRAL.unpack_from(central, header)
                    flags, method, crc, csize, usize, fn_len = fields[3:5] + fields[7:11]
                    filename = central[header + _CENTRAL.size : end]
                    if fn_len == len(filename) and not flags & 0x1 and filename.count(b"/") == 1:
                        found.append(
                            (
                                filename.decode("utf-8", "replace"),
                                method,
                                crc,
                                csize,
                                usize,
                                fields[16],
                            )
                        )
                pos = central.find(_METADATA_SUFFIX, end)
            want = canonicalize_name(name)
            chosen = [
                f
                for f in found
                if canonicalize_name(f[0].split("/")[0][: -len(".dist-info")].split("-", 1)[0])
                == want
            ]
            if len(chosen) != 1:
                return None
            _fn, method, crc, csize, usize, offset = chosen[0]
            if usize > MAX_METADATA_BYTES or method not in (0, 8):
                return None
            fh.seek(offset)
            local = fh.read(_LOCAL.size)
            if len(local) != _LOCAL.size or local[:4] != b"PK\x03\x04":
                return None
            lf = _LOCAL.unpack(local)
            fh.seek(offset + _LOCAL.size + lf[9] + lf[10])
            raw = fh.read(csize)
    except (OSError, struct.error):
        return None
    data = zlib.decompress(raw, -15) if method == 8 else raw
    if len(data) != usize or zlib.crc32(data) != crc:
        return None
    return data


def read_wheel_metadata(
    wheel: str | os.PathLike[str] | IO[bytes] | io.RawIOBase, name: str, *, source: str = ""
) -> bytes:
    """The ``METADATA`` bytes of a wheel for project ``name``.

    Picks the top-level ``*.dist-info`` folder whose name matches the project
    (PEP 427 wheels have exactly one). Raises :class:`MetadataError`.
    """
    src = source or (str(wheel) if isinstance(wheel, (str, os.PathLike)) else "<wheel>")
    try:
        if isinstance(wheel, (str, os.PathLike)):
            fast = _metadata_from_central_directory(os.fspath(wheel), name)
        else:
            fast = _metadata_from_central_directory(wheel, name)  # type: ignore[arg-type]
    except (zlib.error, ValueError, EOFError, IndexError):
        fast = None  # a damaged archive: the zipfile reader below says what is wrong
    if not isinstance(wheel, (str, os.PathLike)):
        wheel.seek(0)
    if fast is not None:
        return fast
    # lazy: only read_wheel_metadata needs zipfile, which loads 17 modules that importing this one does not
    import zipfile

    try:
        with zipfile.ZipFile(wheel) as zf:
            candidates: dict[str, zipfile.ZipInfo] = {}
            for info in zf.infolist():
                parts = info.filename.split("/")
                if len(parts) == 2 and parts[1] == "METADATA" and parts[0].endswith(".dist-info"):
                    candidates[parts[0]] = info
            if not candidates:
                raise MetadataError("wheel has no *.dist-info/METADATA", package=name, source=src)
            want = canonicalize_name(name)
            matching = sorted(
                d
                for d in candidates
                if canonicalize_name(d[: -len(".dist-info")].split("-", 1)[0]) == want
            )
            if not matching:
                if len(candidates) != 1:
                    raise MetadataError(
                        f"wheel has several .dist-info folders, none for {name}",
                        package=name,
                        source=src,
                    )
                matching = sorted(candidates)
            return _read_member(zf, candidates[matching[0]], src)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        NotImplementedError,  # an unknown compression method
        RuntimeError,  # an encrypted member
        ValueError,  # a bad header field, a name that does not decode
        zlib.error,  # a damaged deflate stream
    ) as exc:
        raise MetadataError(f"not a readable wheel: {exc}", package=name, source=src) from None


def read_sdist_metadata(
    sdist: str | os.PathLike[str] | IO[bytes], filename: str, name: str, *, source: str = ""
) -> bytes:
    """The top-level ``PKG-INFO`` of an sdist; ``filename`` picks the format.

    Only reads: nothing is extracted to disk and no build code runs.
    """
    import lzma  # lazy: with the archive readers

    # lazy: only read_sdist_metadata needs tarfile, which loads 12 modules that importing this one does not
    import tarfile

    # lazy: only read_sdist_metadata needs zipfile, which loads 17 modules that importing this one does not
    import zipfile

    src = source or (str(sdist) if isinstance(sdist, (str, os.PathLike)) else filename)
    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(sdist) as zf:
                infos = sorted(
                    (
                        i
                        for i in zf.infolist()
                        if len(i.filename.split("/")) == 2 and i.filename.endswith("/PKG-INFO")
                    ),
                    key=lambda i: i.filename,
                )
                if infos:
                    return _read_member(zf, infos[0], src)
        else:
            opened = (
                tarfile.open(sdist, mode="r:*")  # noqa: SIM115 - closed by the with below
                if isinstance(sdist, (str, os.PathLike))
                else tarfile.open(fileobj=sdist, mode="r:*")  # noqa: SIM115
            )
            with opened as tf:
                for member in tf:
                    parts = member.name.lstrip("./").split("/")
                    if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                        if member.size > MAX_METADATA_BYTES:
                            raise MetadataError("PKG-INFO is too large", source=src)
                        fh = tf.extractfile(member)
                        if fh is not None:
                            return fh.read()
    except (
        tarfile.TarError,
        zipfile.BadZipFile,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
        ValueError,  # UnicodeDecodeError of a member name, a bad header field
        zlib.error,  # a damaged gzip stream
        lzma.LZMAError,
    ) as exc:
        raise MetadataError(f"not a readable sdist: {exc}", package=name, source=src) from None
    raise MetadataError("sdist has no top-level PKG-INFO", package=name, source=src)


class RemoteFile(io.RawIOBase):
    """A seekable read-only file over ``fetch(start, end) -> bytes`` range reads.

    ``tail`` is an already fetched suffix of the file (from a suffix range
    request that also reported ``size``); reads inside fetched spans cost
    nothing, others fetch at least ``block`` bytes.
    """

    def __init__(
        self,
        fetch: Callable[[int, int], bytes],
        size: int,
        tail: bytes = b"",
        *,
        block: int = 64 * 1024,
    ) -> None:
        super().__init__()
        self._fetch = fetch
        self._size = size
        self._pos = 0
        self._block = block
        self._spans: list[tuple[int, bytes]] = []
        if tail:
            self._spans.append((size - len(tail), tail))
        self._lock = threading.Lock()
        #: Range requests made after construction.
        self.fetches = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError("negative seek position")
        self._pos = pos
        return pos

    def _find(self, start: int, end: int) -> bytes | None:
        for lo, data in self._spans:
            if lo <= start and end <= lo + len(data):
                return data[start - lo : end - lo]
        return None

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(buffer)
        start = self._pos
        end = min(self._size, start + want)
        if start >= end:
            return 0
        with self._lock:
            chunk = self._find(start, end)
            if chunk is None:
                fetch_end = min(self._size, max(end, start + self._block))
                data = self._fetch(start, fetch_end - 1)
                if len(data) < end - start:
                    raise OSError("short range response")
                self.fetches += 1
                self._spans.append((start, data))
                chunk = data[: end - start]
        n = len(chunk)
        memoryview(buffer)[:n] = chunk
        self._pos += n
        return n
