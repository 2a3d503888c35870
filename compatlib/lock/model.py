"""The lock model: one pinned package per (platform, manager, name).

One model, many renderings: the JSON lock of ``compatlib lock --format json``,
and (:mod:`compatlib.lock.render`) ``requirements.txt`` with hashes,
``pylock.toml``, conda-lock's ``conda-lock.yml``, conda explicit files and a
pinned ``environment.yml``.
Credentials never reach this model: URLs are stored redacted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from compatlib._values import field, value
from compatlib.errors import InputError
from compatlib.values.urls import url_filename

__all__ = ["GPU_LAYERS", "LOCK_VERSION", "Lock", "LockedPackage", "lock_from_dict", "read_lock"]

LOCK_VERSION = 1
GPU_LAYERS = ("nvidia_driver", "cuda", "cuda_arch")
"""The system-requirement layers that only a machine with an NVIDIA GPU meets."""


@value
class LockedPackage:
    """One pinned package.

    ``manager`` is ``"pip"`` or ``"conda"``; ``platform`` a conda subdir
    (``linux-64``); ``hashes`` maps algorithm to hex digest (``sha256``; conda
    also ``md5``); ``build`` is the conda build string; ``dependencies`` maps the
    names this package requires (as locked) to the requirement as written;
    ``marker`` (a universal lock) narrows where on its platform it applies, when
    the pinned version depends on the Python version. ``metadata_source`` (pip
    packages from an index or find-links) says how the dependencies were read:
    ``pep658`` (the index's metadata file, checked against its declared hash),
    ``range`` (HTTP range reads of the wheel, checked against nothing),
    ``wheel`` or ``sdist`` (the whole file, checked against the index's hash),
    ``local`` (a local file) or ``index`` (none read: the index's
    Requires-Python ruled the release out); written in the JSON lock only.
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
    marker: str | None = None
    metadata_source: str | None = None

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
        if self.marker is not None:
            d["marker"] = self.marker
        if self.metadata_source is not None:
            d["metadata_source"] = self.metadata_source
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
        return cls(
            tuple(sorted(packages, key=lambda p: (*p.key, p.marker or "", p.version))),
            **kwargs,
        )

    @property
    def targets(self) -> list[Mapping[str, Any]]:
        """The targets the lock was made for (``metadata.targets``: platform,
        python, and the system it was given: driver, gpus, glibc...)."""
        return list(self.metadata.get("targets", ()))

    def target_value(self, platform: str | None, key: str) -> Any:
        """``key`` of the first target of ``platform`` that gives it, else ``None``."""
        for target in self.targets:
            if target.get("platform") == platform and target.get(key):
                return target[key]
        return None

    def needs_gpu(self, platform: str | None) -> bool:
        """Whether the packages locked for ``platform`` need an NVIDIA GPU: the
        lock states a driver, CUDA or GPU requirement there."""
        needs = self.system_requirements.get(platform or "", {})
        return any(layer in needs for layer in GPU_LAYERS)

    def for_platform(self, platform: str) -> list[LockedPackage]:
        return [p for p in self.packages if p.platform == platform]

    def only(self, platform: str) -> Lock:
        """The part of the lock for one platform (packages, system requirements and
        target); an :class:`~compatlib.errors.InputError` when it has none."""
        packages = self.for_platform(platform)
        if not packages:
            have = sorted({p.platform for p in self.packages})
            raise InputError(
                f"the lock has no packages for {platform!r}",
                field="platform",
                expected="one of " + ", ".join(have) if have else "a lock with packages",
            )
        targets = [t for t in self.targets if t.get("platform") == platform]
        system = self.system_requirements.get(platform)
        return Lock.of(
            packages,
            system_requirements={platform: system} if system else {},
            metadata={**self.metadata, "targets": targets},
        )

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


def _lock_error(source: str, field: str, expected: str, message: str | None = None) -> Exception:
    return InputError(
        message or f"malformed lock: {field}", source=source, field=field, expected=expected
    )


def _strs(value: Any, source: str, field: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _lock_error(source, field, "a mapping of strings to strings")
    return dict(value)


def lock_from_dict(data: Any, *, source: str = "<lock>") -> Lock:
    """A :class:`Lock` from the JSON form :meth:`Lock.to_dict` writes.

    Raises :class:`~compatlib.errors.InputError` naming the field that is wrong.
    """
    if not isinstance(data, dict):
        raise _lock_error(source, "<root>", "a JSON object with 'version' and 'packages'")
    if data.get("version") != LOCK_VERSION:
        raise _lock_error(
            source,
            "version",
            f"version: {LOCK_VERSION}",
            f"unsupported lock version {data.get('version')!r}",
        )
    raw = data.get("packages")
    if not isinstance(raw, list):
        raise _lock_error(source, "packages", "a list of packages")
    packages: list[LockedPackage] = []
    for i, item in enumerate(raw):
        where = f"packages[{i}]"
        if not isinstance(item, dict):
            raise _lock_error(source, where, "an object")
        text: dict[str, str] = {}
        for key in ("name", "version", "manager", "platform"):
            value = item.get(key)
            if not isinstance(value, str) or not value:
                raise _lock_error(source, f"{where}.{key}", "a non-empty string")
            text[key] = value
        if text["manager"] not in ("pip", "conda"):
            raise _lock_error(source, f"{where}.manager", "'pip' or 'conda'")
        optional: dict[str, str | None] = {}
        for key in ("url", "build", "channel", "category", "marker", "metadata_source"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                raise _lock_error(source, f"{where}.{key}", "a string")
            optional[key] = value
        hashes = _strs(item.get("hashes", {}), source, f"{where}.hashes")
        deps = _strs(item.get("dependencies", {}), source, f"{where}.dependencies")
        url = optional["url"] or ""
        packages.append(
            LockedPackage(
                name=text["name"],
                version=text["version"],
                manager=text["manager"],
                platform=text["platform"],
                url=url,
                hashes=tuple(sorted(hashes.items())),
                build=optional["build"],
                channel=optional["channel"],
                filename=url_filename(url) or None,
                dependencies=tuple(sorted(deps.items())),
                category=optional["category"] or "main",
                marker=optional["marker"],
                metadata_source=optional["metadata_source"],
            )
        )
    system_raw = data.get("system_requirements", {})
    if not isinstance(system_raw, dict):
        raise _lock_error(source, "system_requirements", "a mapping of platform to requirements")
    system = {
        str(plat): _strs(reqs, source, f"system_requirements.{plat}")
        for plat, reqs in system_raw.items()
    }
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise _lock_error(source, "metadata", "an object")
    for key in ("requirements", "constraints", "indexes", "find_links", "channels", "conda"):
        value = metadata.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _lock_error(source, f"metadata.{key}", "a list of strings")
    targets = metadata.get("targets", [])
    if not isinstance(targets, list):
        raise _lock_error(source, "metadata.targets", "a list of targets")
    for i, target in enumerate(targets):
        if not isinstance(target, dict) or not all(
            isinstance(k, str) and isinstance(v, (str, list)) for k, v in target.items()
        ):
            raise _lock_error(
                source, f"metadata.targets[{i}]", "an object such as {platform, python}"
            )
    # lazy: only lock_from_dict needs compatlib.lock.validate, which loads 1 module that importing this one does not
    from compatlib.lock.validate import check_lock

    lock = Lock.of(packages, system_requirements=system, metadata=metadata)
    check_lock(lock, source=source)
    return lock


def read_lock(path: str | os.PathLike[str]) -> Lock:
    """Read a JSON lock written by ``compatlib lock`` (errors name the file)."""
    # lazy: only read_lock needs compatlib._input, which loads 1 module that importing this one does not
    from compatlib._input import load_json, read_text

    where = os.fspath(path)
    text = read_text(where, what="lock file")
    data = load_json(
        text,
        source=where,
        expected="the JSON written by compatlib lock --format json",
        what="not a JSON lock",
    )
    return lock_from_dict(data, source=where)
