"""Locate the shipped ``data/`` folder, from an installed wheel or a checkout."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["LINE_KEY", "compiled_path", "data_dir", "data_path", "load_compiled"]


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


#: key a compiled mapping carries its YAML line number under
LINE_KEY = "__line__"


def compiled_path(path: Path) -> Path | None:
    """Where the compiled (JSON) twin of a YAML file in the data folder lives:
    ``data/compiled/<same relative path>.json``; ``None`` outside the data folder."""
    root = data_dir()
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return root / "compiled" / relative.with_suffix(".json")


def load_compiled(path: Path, mapping: Callable[[dict[str, Any], int | None], Any]) -> Any:
    """The data of YAML file ``path`` from its compiled twin, or ``None`` when
    there is no twin or it was compiled from other bytes than the file now has.

    Parsing YAML (and importing PyYAML) costs a fresh process tens of
    milliseconds; the JSON twin (written by ``data/build/compile_data.py``)
    loads in about one. ``mapping(items, line)`` builds each mapping, ``line``
    being where it starts in the YAML file. The twin records the sha256 of the
    YAML it came from, so an edited YAML file is always read itself.
    """
    # lazy: only load_compiled needs hashlib, which loads 3 modules that importing this one does not
    import hashlib

    twin = compiled_path(path)
    if twin is None:
        return None
    try:
        blob = twin.read_bytes()
        source = path.read_bytes()
    except OSError:
        return None

    def hook(items: dict[str, Any]) -> Any:
        line = items.pop(LINE_KEY, None)
        return mapping(items, line)

    head, sep, body = blob.partition(b"\n")
    if not sep:
        return None
    try:
        recorded = json.loads(head)
    except ValueError:
        return None
    if recorded.get("sha256") != hashlib.sha256(source).hexdigest():
        return None
    return json.loads(body, object_hook=hook)
