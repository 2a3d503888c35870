"""The lock model: one pinned package per (platform, manager, name).

One model, many renderings: the JSON lock of ``compatlib lock --format json``,
and (:mod:`compatlib.lock.render`) ``requirements.txt`` with hashes,
``pylock.toml``, conda-lock's ``conda-lock.yml``, conda explicit files and a
pinned ``environment.yml``.
Credentials never reach this model: URLs are stored redacted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from compatlib._values import field, value

__all__ = ["LOCK_VERSION", "Lock", "LockedPackage"]

LOCK_VERSION = 1


@value
class LockedPackage:
    """One pinned package.

    ``manager`` is ``"pip"`` or ``"conda"``; ``platform`` a conda subdir
    (``linux-64``); ``hashes`` maps algorithm to hex digest (``sha256``; conda
    also ``md5``); ``build`` is the conda build string; ``dependencies`` maps the
    names this package requires (as locked) to the requirement as written.
    """

    name: str
    version: str
    manager: str
    platform: str
    url: str = ""
    hashes: tuple[tuple[str, str], ...] = ()
    build: str | None = None
    channel: str | None = None
    filename: str | None = None
    dependencies: tuple[tuple[str, str], ...] = ()
    category: str = "main"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.platform, self.manager, self.name)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "platform": self.platform,
            "manager": self.manager,
            "url": self.url,
            "hashes": dict(sorted(self.hashes)),
        }
        if self.build is not None:
            d["build"] = self.build
        if self.channel is not None:
            d["channel"] = self.channel
        if self.dependencies:
            d["dependencies"] = dict(sorted(self.dependencies))
        if self.category != "main":
            d["category"] = self.category
        return d


@value(slots=False)
class Lock:
    """Pinned packages for one or more platforms, plus what the lock needs of the system.

    ``system_requirements`` maps a platform to ``{layer: requirement}``
    (``{"linux-64": {"nvidia_driver": ">=525.60.13"}}``); ``metadata`` holds the
    inputs' description (sources, content hash) for freshness checks.
    """

    packages: tuple[LockedPackage, ...]
    system_requirements: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, packages: Iterable[LockedPackage], **kwargs: Any) -> Lock:
        """A lock with packages in canonical order (platform, manager, name)."""
        return cls(tuple(sorted(packages, key=lambda p: p.key)), **kwargs)

    def for_platform(self, platform: str) -> list[LockedPackage]:
        return [p for p in self.packages if p.platform == platform]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "version": LOCK_VERSION,
            "packages": [p.to_dict() for p in self.packages],
        }
        if self.system_requirements:
            d["system_requirements"] = {
                plat: dict(sorted(reqs.items()))
                for plat, reqs in sorted(self.system_requirements.items())
            }
        if self.metadata:
            d["metadata"] = dict(sorted(self.metadata.items()))
        return d

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, fixed indentation, trailing newline)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"
