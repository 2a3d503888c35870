"""Package sources: the in-memory index and repository protocol, the shipped
snapshot, PyPI-style simple indexes and find-links folders (:mod:`.pypi`), conda
channels and repodata (:mod:`.conda`), and the one HTTP/cache layer (:mod:`.fetch`).

Names load on first use, so importing one kind of source never loads the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatlib._lazy import lazy_attributes

if TYPE_CHECKING:
    from compatlib.sources.memory import Artifact, Index, IndexRelease, Repository
    from compatlib.sources.snapshot import load_snapshot

__all__ = ["Artifact", "Index", "IndexRelease", "Repository", "load_snapshot"]

_WHERE = {
    "Artifact": "compatlib.sources.memory",
    "Index": "compatlib.sources.memory",
    "IndexRelease": "compatlib.sources.memory",
    "Repository": "compatlib.sources.memory",
    "load_snapshot": "compatlib.sources.snapshot",
}

__getattr__ = lazy_attributes(__name__, _WHERE, globals())
