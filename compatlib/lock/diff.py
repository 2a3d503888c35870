"""What changed between two locks: packages added, removed, upgraded, downgraded,
rebuilt (same version, other files or hashes), and system requirements.

:func:`diff_locks` compares per (platform, manager, name, marker), so a universal
lock's Python-specific pins and a multi-platform lock's platforms are compared
one to one. Versions are ordered as their manager orders them (PEP 440 for pip,
conda's VersionOrder for conda).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.lock.model import Lock, LockedPackage
from compatlib.values.filenames import canonicalize_name

__all__ = ["Change", "LockDiff", "SystemChange", "diff_locks"]

ChangeKind = Literal["added", "removed", "upgraded", "downgraded", "changed"]
_KINDS: tuple[ChangeKind, ...] = ("removed", "added", "upgraded", "downgraded", "changed")
_ORDER = {kind: i for i, kind in enumerate(_KINDS)}


@value
class Change:
    """One package's change. ``old``/``new`` are ``None`` for an added/removed one;
    ``details`` says what differs for a ``changed`` package (url, hashes, build)."""

    kind: ChangeKind
    platform: str
    manager: str
    name: str
    old: LockedPackage | None
    new: LockedPackage | None
    details: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        where = f"{self.platform}" + (" conda" if self.manager == "conda" else "")
        if self.old is None and self.new is not None:
            body = f"+ {self.name} {self.new.version}"
        elif self.new is None and self.old is not None:
            body = f"- {self.name} {self.old.version}"
        elif self.old is not None and self.new is not None and self.kind != "changed":
            arrow = "↑" if self.kind == "upgraded" else "↓"
            body = f"{arrow} {self.name} {self.old.version} -> {self.new.version}"
        else:
            version = self.new.version if self.new is not None else ""
            body = f"~ {self.name} {version} ({', '.join(self.details)})"
        either = self.new or self.old
        marker = either.marker if either is not None else None
        return f"{body}{f' ; {marker}' if marker else ''}  [{where}]"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "platform": self.platform,
            "manager": self.manager,
            "name": self.name,
        }
        if self.old is not None:
            d["old"] = self.old.version
        if self.new is not None:
            d["new"] = self.new.version
        if self.details:
            d["details"] = list(self.details)
        return d


@value
class SystemChange:
    """A system requirement (driver, glibc, GPU...) added, removed or changed on a platform."""

    platform: str
    layer: str
    old: str | None
    new: str | None

    @property
    def text(self) -> str:
        return f"system {self.layer}: {self.old or '(none)'} -> {self.new or '(none)'}  [{self.platform}]"

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "layer": self.layer, "old": self.old, "new": self.new}


@value
class LockDiff:
    """All changes from one lock to another, in a stable order."""

    changes: tuple[Change, ...]
    system: tuple[SystemChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes or self.system)

    def of_kind(self, kind: ChangeKind) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def text(self) -> str:
        if not self:
            return "no changes"
        lines = [c.text for c in self.changes] + [s.text for s in self.system]
        counts = ", ".join(f"{len(self.of_kind(k))} {k}" for k in _ORDER if self.of_kind(k))
        if self.system:
            counts += (", " if counts else "") + f"{len(self.system)} system"
        return "\n".join([*lines, counts])

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            "system": [s.to_dict() for s in self.system],
        }


Key = tuple[str, str, str, str]


def _keyed(packages: Iterable[LockedPackage]) -> dict[Key, LockedPackage]:
    return {(p.platform, p.manager, canonicalize_name(p.name), p.marker or ""): p for p in packages}


def _newer(manager: str, old: str, new: str) -> bool | None:
    """Is ``new`` newer than ``old`` (``None`` when the versions cannot be ordered)?"""
    if manager == "conda":
        # lazy: only _newer needs compatlib.values.conda_version, which loads 1 module that importing this one does not
        from compatlib.values.conda_version import CondaVersion

        try:
            return CondaVersion(new) > CondaVersion(old)
        except InputError:
            return None

    try:
        return Version(new) > Version(old)
    except InvalidVersion:
        return None


def _details(old: LockedPackage, new: LockedPackage) -> tuple[str, ...]:
    out = []
    if old.url != new.url:
        out.append("file")
    if dict(old.hashes) != dict(new.hashes):
        out.append("hashes")
    if old.build != new.build:
        out.append("build")
    if old.channel != new.channel:
        out.append("channel")
    if dict(old.dependencies) != dict(new.dependencies):
        out.append("dependencies")
    return tuple(out)


def diff_locks(old: Lock, new: Lock) -> LockDiff:
    """Every difference between ``old`` and ``new`` that changes what gets installed
    or what the machine must offer."""
    a, b = _keyed(old.packages), _keyed(new.packages)
    changes: list[Change] = []
    for key in sorted(a.keys() | b.keys()):
        platform, manager, name, _ = key
        before, after = a.get(key), b.get(key)
        if before is None:
            changes.append(Change("added", platform, manager, name, None, after))
        elif after is None:
            changes.append(Change("removed", platform, manager, name, before, None))
        elif before.version != after.version:
            newer = _newer(manager, before.version, after.version)
            kind: ChangeKind = "downgraded" if newer is False else "upgraded"
            changes.append(Change(kind, platform, manager, name, before, after))
        elif details := _details(before, after):
            changes.append(Change("changed", platform, manager, name, before, after, details))
    system: list[SystemChange] = []
    platforms = sorted(old.system_requirements.keys() | new.system_requirements.keys())
    for platform in platforms:
        x = old.system_requirements.get(platform, {})
        y = new.system_requirements.get(platform, {})
        for layer in sorted(x.keys() | y.keys()):
            if x.get(layer) != y.get(layer):
                system.append(SystemChange(platform, layer, x.get(layer), y.get(layer)))
    changes.sort(key=lambda c: (_ORDER[c.kind], c.platform, c.manager, c.name))
    return LockDiff(tuple(changes), tuple(system))
