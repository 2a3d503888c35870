"""PyPI-style package sources: simple indexes (PEP 503/691) and find-links folders.

The entry point is :class:`PyPIRepository`, a lazy
:class:`~compatlib.sources.memory.Repository` with target-aware wheel selection.
Its names are imported on first use, so a lock from local folders never loads
the HTTP machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatlib._lazy import lazy_attributes

if TYPE_CHECKING:
    from compatlib.sources.fetch import Fetcher, FetchError, OfflineError, default_cache_dir
    from compatlib.sources.pypi.metadata import (
        CoreMetadata,
        MetadataError,
        MetadataUnavailableError,
    )
    from compatlib.sources.pypi.repository import PyPIRepository, Strategy, UnknownReleaseError
    from compatlib.sources.pypi.shared import SharedSources
    from compatlib.sources.pypi.simple import DistFile
    from compatlib.values.tags import DEFAULT_GLIBC, DEFAULT_MACOS, target_tags

_WHERE = {
    "PyPIRepository": "compatlib.sources.pypi.repository",
    "SharedSources": "compatlib.sources.pypi.shared",
    "Strategy": "compatlib.sources.pypi.repository",
    "UnknownReleaseError": "compatlib.sources.pypi.repository",
    "DistFile": "compatlib.sources.pypi.simple",
    "CoreMetadata": "compatlib.sources.pypi.metadata",
    "MetadataError": "compatlib.sources.pypi.metadata",
    "MetadataUnavailableError": "compatlib.sources.pypi.metadata",
    "Fetcher": "compatlib.sources.fetch",
    "FetchError": "compatlib.sources.fetch",
    "OfflineError": "compatlib.sources.fetch",
    "default_cache_dir": "compatlib.sources.fetch",
    "target_tags": "compatlib.values.tags",
    "DEFAULT_GLIBC": "compatlib.values.tags",
    "DEFAULT_MACOS": "compatlib.values.tags",
}

__all__ = [
    "PyPIRepository",
    "SharedSources",
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
