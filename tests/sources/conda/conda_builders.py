"""Builders for local conda channels: ``repodata.json`` files of hand-made records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path


def conda_record(
    name: str,
    version: str,
    build: str = "h0",
    depends: Sequence[str] = (),
    *,
    subdir: str = "linux-64",
    md5: str = "5" * 32,
    sha256: str | None = "6" * 64,
) -> dict[str, object]:
    """One repodata record (``sha256=None``: a record without one)."""
    record: dict[str, object] = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": 0,
        "depends": list(depends),
        "md5": md5,
        "subdir": subdir,
    }
    if sha256 is not None:
        record["sha256"] = sha256
    return record


def write_channel(
    root: Path, records: Sequence[dict[str, object]], subdirs: Sequence[str] = ("noarch",)
) -> Path:
    """A channel at ``root``: each record as ``name-version-build.conda`` in its
    subdir's ``repodata.json``; the ``subdirs`` are written even when empty."""
    by_subdir: dict[str, dict[str, object]] = {subdir: {} for subdir in subdirs}
    for r in records:
        by_subdir.setdefault(str(r["subdir"]), {})[
            f"{r['name']}-{r['version']}-{r['build']}.conda"
        ] = r
    for subdir, packages in by_subdir.items():
        (root / subdir).mkdir(parents=True, exist_ok=True)
        doc = {"info": {"subdir": subdir}, "packages.conda": packages}
        (root / subdir / "repodata.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


def tiny_channel(root: Path) -> Path:
    """A one-subdir channel: python 3.11 and a package that needs it (``tinyconda``)."""
    return write_channel(
        root,
        [
            conda_record("python", "3.11.8"),
            conda_record("tinyconda", "1.0", "py311_0", ["python >=3.11,<3.12.0a0"]),
        ],
    )
