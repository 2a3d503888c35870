"""Package sources: in-memory indexes, peer test formats, PyPI and conda."""

from typing import TYPE_CHECKING, Any

from compatlib.index.memory import Artifact, Index, IndexRelease, Repository

if TYPE_CHECKING:
    from compatlib.index.snapshot import load_snapshot

__all__ = ["Artifact", "Index", "IndexRelease", "Repository", "load_snapshot"]


def __getattr__(name: str) -> Any:
    if name == "load_snapshot":
        from compatlib.index.snapshot import load_snapshot

        return load_snapshot
    raise AttributeError(f"module 'compatlib.index' has no attribute {name!r}")
