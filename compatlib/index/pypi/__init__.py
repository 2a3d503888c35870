"""PyPI-style package sources: simple indexes (PEP 503/691) and find-links folders.

The entry point is :class:`PyPIRepository`, a lazy
:class:`~compatlib.index.memory.Repository` with target-aware wheel selection.
Its names are imported on first use, so a lock from local folders never loads
the HTTP machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatlib._lazy import lazy_attributes

if TYPE_CHECKING:
    from compatlib.index.pypi.fetch import Fetcher, FetchError, OfflineError, default_cache_dir
    from compatlib.index.pypi.metadata import (
        CoreMetadata,
        MetadataError,
        MetadataUnavailableError,
    )
    from compatlib.index.pypi.repository import PyPIRepository, Strategy, UnknownReleaseError
    from compatlib.index.pypi.simple import DistFile
    from compatlib.index.pypi.tags import DEFAULT_GLIBC, DEFAULT_MACOS, target_tags

_WHERE = {
    "PyPIRepository": "compatlib.index.pypi.repository",
    "Strategy": "compatlib.index.pypi.repository",
    "UnknownReleaseError": "compatlib.index.pypi.repository",
    "DistFile": "compatlib.index.pypi.simple",
    "CoreMetadata": "compatlib.index.pypi.metadata",
    "MetadataError": "compatlib.index.pypi.metadata",
    "MetadataUnavailableError": "compatlib.index.pypi.metadata",
    "Fetcher": "compatlib.index.pypi.fetch",
    "FetchError": "compatlib.index.pypi.fetch",
    "OfflineError": "compatlib.index.pypi.fetch",
    "default_cache_dir": "compatlib.index.pypi.fetch",
    "target_tags": "compatlib.index.pypi.tags",
    "DEFAULT_GLIBC": "compatlib.index.pypi.tags",
    "DEFAULT_MACOS": "compatlib.index.pypi.tags",
}

__all__ = [
    "PyPIRepository",
    "Strategy",
    "DistFile",
    "CoreMetadata",
    "Fetcher",
    "default_cache_dir",
    "target_tags",
    "DEFAULT_GLIBC",
    "DEFAULT_MACOS",
    "FetchError",
    "OfflineError",
    "MetadataError",
    "MetadataUnavailableError",
    "UnknownReleaseError",
]

__getattr__ = lazy_attributes(__name__, _WHERE, globals())
