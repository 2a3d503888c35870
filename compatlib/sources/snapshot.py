"""The shipped offline snapshot of real PyPI metadata, as an :class:`Index`.

``data/snapshot/pypi.json`` is written by ``data/build/build_snapshot.py`` from a
real simple index (its header names the index and the build date). It holds a
small ML-flavoured closure of packages, each with its newest versions, their
``Requires-Dist``, ``Requires-Python``, extras and files (filename, URL,
sha256, size), so solving and locking work with no network::

    from compatlib import solve
    from compatlib.sources.snapshot import load_snapshot
    from compatlib.values.target import Target

    res = solve(["scikit-learn"], index=load_snapshot(),
                target=Target(python="3.11", platform="linux-64"))
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from compatlib._input import load_json, read_text
from compatlib._values import value
from compatlib.errors import InputError
from compatlib.sources.memory import Artifact, Index, IndexRelease

__all__ = ["SnapshotInfo", "default_snapshot_path", "load_snapshot", "snapshot_info"]


@value
class SnapshotInfo:
    """A snapshot's header: where and when it was built, and from what."""

    path: str
    source: tuple[str, ...]  # index URLs, credentials removed
    built: str  # YYYY-MM-DD
    generator: str  # script path and version
    requirements: tuple[str, ...]  # the root requirements it closes over
    pythons: tuple[str, ...]
    platforms: tuple[str, ...]
    #: ``(local folder URL, index its files come from)`` for find-links folders read
    find_links: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]  # required somewhere but absent from the index
    packages: int
    releases: int


def default_snapshot_path() -> Path:
    """``data/snapshot/pypi.json`` in the checkout or the installed wheel."""
    # lazy: only default_snapshot_path needs compatlib._datafiles, which loads 1 module that importing this one does not
    from compatlib._datafiles import data_path

    return data_path("snapshot", "pypi.json")


def _fail(path: str, message: str, field: str, expected: str) -> InputError:
    return InputError(message, source=path, field=field, expected=expected)


def _str(value: Any, path: str, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(path, f"{field} must be a non-empty string", field, "a string")
    return value


def _str_list(value: Any, path: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, f"{field} must be a list of strings", field, "a list of strings")
    return tuple(value)


def _artifact(entry: Any, path: str, field: str) -> Artifact:
    if not isinstance(entry, dict):
        raise _fail(path, f"{field} must be an object", field, "a file object")
    size = entry.get("size")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise _fail(path, f"{field}.size must be a byte count", f"{field}.size", "an integer")
    sha256 = _str(entry.get("sha256"), path, f"{field}.sha256")
    if len(sha256) != 64:
        raise _fail(path, f"{field}.sha256 is not a sha256", f"{field}.sha256", "64 hex digits")
    return Artifact(
        filename=_str(entry.get("filename"), path, f"{field}.filename"),
        url=_str(entry.get("url"), path, f"{field}.url"),
        hashes=(("sha256", sha256),),
        size=size,
        yanked=bool(entry.get("yanked", False)),
    )


def _release(entry: Any, path: str, field: str) -> IndexRelease:
    if not isinstance(entry, dict):
        raise _fail(path, f"{field} must be an object", field, "a release object")
    _str(entry.get("source"), path, f"{field}.source")
    rp = entry.get("requires_python")
    if rp is not None and not isinstance(rp, str):
        raise _fail(
            path,
            f"{field}.requires_python must be a string",
            f"{field}.requires_python",
            "a string or null",
        )
    files = entry.get("files")
    if not isinstance(files, list):
        raise _fail(path, f"{field}.files must be a list", f"{field}.files", "a list of files")
    return IndexRelease(
        version=_str(entry.get("version"), path, f"{field}.version"),
        requires=_str_list(entry.get("requires", []), path, f"{field}.requires"),
        requires_python=rp or None,
        yanked=bool(entry.get("yanked", False)),
        extras=_str_list(entry.get("extras", []), path, f"{field}.extras"),
        artifacts=tuple(_artifact(f, path, f"{field}.files[{i}]") for i, f in enumerate(files)),
    )


@lru_cache(maxsize=8)
def _read(path: str) -> tuple[dict[str, Any], Index]:
    doc = load_json(read_text(path, what="snapshot"), source=path, what="invalid snapshot JSON")
    if not isinstance(doc, dict):
        raise _fail(path, "a snapshot is a JSON object", "", "an object")
    if doc.get("schema") != 1:
        raise _fail(path, f"unsupported snapshot schema {doc.get('schema')!r}", "schema", "1")
    packages = doc.get("packages")
    if not isinstance(packages, dict):
        raise _fail(path, "packages must be an object", "packages", "an object")
    table: dict[str, list[IndexRelease]] = {}
    for name in sorted(packages):
        releases = packages[name]
        if not isinstance(releases, list):
            raise _fail(path, f"packages.{name} must be a list", f"packages.{name}", "a list")
        table[name] = [_release(r, path, f"packages.{name}[{i}]") for i, r in enumerate(releases)]
    built = _str(doc.get("built"), path, "built")
    index = Index(table, source=f"{path} (built {built})")
    return doc, index


def _key(path: str | Path | None) -> str:
    return str(Path(path).resolve() if path is not None else default_snapshot_path())


def load_snapshot(path: str | Path | None = None) -> Index:
    """The snapshot at ``path`` (default: the shipped one) as an in-memory :class:`Index`.

    Releases carry their files, so locks get URLs and sha256 hashes. The result
    is cached per path; :class:`Index` is immutable, so sharing it is safe.
    Raises :class:`~compatlib.errors.InputError` naming the field for a bad file.
    """
    return _read(_key(path))[1]


def snapshot_info(path: str | Path | None = None) -> SnapshotInfo:
    """The header of the snapshot at ``path`` (default: the shipped one)."""
    key = _key(path)
    doc, index = _read(key)
    targets = doc.get("targets") if isinstance(doc.get("targets"), dict) else {}
    assert isinstance(targets, dict)
    missing = doc.get("missing") if isinstance(doc.get("missing"), dict) else {}
    assert isinstance(missing, dict)
    links = doc.get("find_links") if isinstance(doc.get("find_links"), dict) else {}
    assert isinstance(links, dict)
    return SnapshotInfo(
        path=key,
        source=_str_list(doc.get("source"), key, "source"),
        built=_str(doc.get("built"), key, "built"),
        generator=_str(doc.get("generator"), key, "generator"),
        requirements=_str_list(doc.get("requirements"), key, "requirements"),
        pythons=_str_list(targets.get("python", []), key, "targets.python"),
        platforms=_str_list(targets.get("platforms", []), key, "targets.platforms"),
        find_links=tuple(sorted((str(k), str(v)) for k, v in links.items())),
        missing=tuple(sorted(missing)),
        packages=len(index),
        releases=sum(len(index.versions(n)) for n in index.packages()),
    )
