"""PyPI-style package sources: simple indexes (PEP 503/691) and find-links folders.

The entry point is :class:`PyPIRepository`, a lazy
:class:`~compatlib.index.memory.Repository` with target-aware wheel selection.
Importing this package pulls in urllib and friends; ``import compatlib`` does not.
"""

from __future__ import annotations

from compatlib.index.pypi.fetch import Fetcher, FetchError, OfflineError, default_cache_dir
from compatlib.index.pypi.metadata import (
    CoreMetadata,
    MetadataError,
    MetadataUnavailableError,
)
from compatlib.index.pypi.repository import PyPIRepository, Strategy, UnknownReleaseError
from compatlib.index.pypi.simple import DistFile
from compatlib.index.pypi.tags import DEFAULT_GLIBC, DEFAULT_MACOS, target_tags

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
