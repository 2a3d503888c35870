"""Which peer format a file is in, and loading an index file of any format.

Separate from the package's ``__init__`` because :meth:`Case.index` (in
``cases``) loads through :func:`load_index_cached`: keeping it here leaves the
modules without an import cycle."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Literal

from compatlib.sources.memory import Index
from compatlib.testing.peer._source import PathArg, _load_json, _load_toml, _read, _Src
from compatlib.testing.peer.packse import _scenario
from compatlib.testing.peer.pubgrub import _load_ron, _pubgrub_index
from compatlib.testing.peer.resolvelib import _cocoapods_index, _python_index, _swift_index

__all__ = ["PeerFormat", "detect_format", "load_index", "load_index_cached"]


PeerFormat = Literal["resolvelib-python", "cocoapods", "swift", "packse", "pubgrub"]
"""The formats :func:`load_index` recognises."""


def _json_kind(data: Any) -> PeerFormat | Literal["case"] | None:
    if not isinstance(data, dict):
        return None
    if "containers" in data:
        return "swift"
    if "requested" in data:
        return "case"
    values = [v for v in data.values() if isinstance(v, (list, dict))]
    if values and all(isinstance(v, list) for v in values):
        return "cocoapods"
    if all(isinstance(v, dict) for v in values):
        return "resolvelib-python"
    return None


def _parse_any(src: _Src) -> tuple[PeerFormat | Literal["case"] | None, Any]:
    suffix = Path(src.path).suffix.lower()
    if suffix == ".ron":
        return "pubgrub", _load_ron(src)
    if suffix == ".toml":
        return "packse", _load_toml(src)
    if suffix != ".json":
        head = src.text.lstrip()[:1]
        if head == "{":
            try:
                data = json.loads(src.text)
            except json.JSONDecodeError:
                return "pubgrub", _load_ron(src)
            return _json_kind(data), data
        return "packse", _load_toml(src)
    data = _load_json(src)
    return _json_kind(data), data


def detect_format(path: PathArg) -> PeerFormat:
    """Which peer format the index file at ``path`` is in (by extension, then content)."""
    src = _read(path)
    kind, _ = _parse_any(src)
    if kind is None or kind == "case":
        raise src.error(
            "not a peer index file" if kind is None else "a case file, not an index",
            expected="a resolvelib, packse or pubgrub index (use load_case for case files)",
        )
    return kind


def load_index(path: PathArg) -> Index:
    """Load a peer index file (any format of this module) into an :class:`Index`.

    A Swift case file is its own index; a packse scenario gives its packages.
    """
    src = _read(path)
    kind, data = _parse_any(src)
    if kind == "resolvelib-python":
        return _python_index(src, data)
    if kind == "cocoapods":
        return _cocoapods_index(src, data)
    if kind == "swift":
        return _swift_index(src, data)
    if kind == "packse":
        return _scenario(src, data).index
    if kind == "pubgrub":
        return _pubgrub_index(src, data)
    raise src.error(
        "not a peer index file" if kind is None else "a case file, not an index",
        expected="a resolvelib, packse or pubgrub index (use load_case for case files)",
    )


@functools.lru_cache(maxsize=64)
def _cached_index(resolved: str) -> Index:
    return load_index(resolved)


def load_index_cached(path: PathArg) -> Index:
    """:func:`load_index`, memoised per resolved path for the life of the process
    (the last 64 files): a later change to the file is not seen."""
    return _cached_index(os.path.realpath(os.fspath(path)))
