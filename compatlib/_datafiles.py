"""Locate the shipped ``data/`` folder, from an installed wheel or a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["data_dir", "data_path"]


@cache
def data_dir() -> Path:
    """The knowledge-base folder.

    An installed wheel carries it as ``compatlib/_data``; a source checkout (or an
    editable install) has it as ``data/`` beside the package.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"compatlib data folder not found next to {here}")


def data_path(*parts: str) -> Path:
    """A path inside the data folder, e.g. ``data_path("stack", "cuda.yaml")``."""
    return data_dir().joinpath(*parts)
