"""Package sources: in-memory indexes, peer test formats, PyPI and conda."""

from compatlib.index.memory import Artifact, Index, IndexRelease, Repository

__all__ = ["Artifact", "Index", "IndexRelease", "Repository"]
