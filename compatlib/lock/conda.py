"""Locks of conda and mixed conda + pip solutions.

:func:`conda_lock` turns a :class:`~compatlib.resolve.conda_solve.CondaResolution`
into a :class:`~compatlib.lock.model.Lock` (url, md5 and sha256 per record, the
virtual-package needs as system requirements); :func:`environment_lock` adds the
pip side of an :class:`~compatlib.resolve.conda_solve.EnvironmentResolution`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from compatlib.errors import InputError
from compatlib.lock.model import Lock, LockedPackage
from compatlib.resolve.conda_solve import CondaResolution, EnvironmentResolution
from compatlib.sources.conda.matchspec import parse_matchspec
from compatlib.sources.conda.naming import strip_credentials
from compatlib.sources.conda.records import PackageRecord

__all__ = ["conda_lock", "environment_lock"]


def conda_lock(resolution: CondaResolution, *, category: str = "main") -> Lock:
    """The solution as a :class:`Lock` (url, md5 and sha256 per record)."""
    present = resolution.versions
    packages = [_conda_locked(r, resolution.subdir, present, category) for r in resolution.records]
    system = _virtual_requirements(resolution.records)
    return Lock.of(
        packages,
        system_requirements={resolution.subdir: system} if system else {},
        metadata={"channels": list(resolution.channels)},
    )


def environment_lock(resolution: EnvironmentResolution, *, category: str = "main") -> Lock:
    """conda records (url, md5, sha256) and pip files (url, sha256) as one :class:`Lock`."""
    platform = resolution.conda.subdir
    lock = conda_lock(resolution.conda, category=category)
    packages = list(lock.packages)
    for name, pkg in sorted(resolution.pip.items()):
        art = pkg.artifact
        hashes: tuple[tuple[str, str], ...] = ()
        if art is not None:
            hashes = tuple(sorted((a, d) for a, d in art.hashes if a == "sha256"))
        packages.append(
            LockedPackage(
                name=name,
                version=str(pkg.version),
                manager="pip",
                platform=platform,
                url=strip_credentials(art.url) if art is not None else "",
                hashes=hashes,
                filename=art.filename if art is not None else None,
                dependencies=pkg.dependencies,
                category=category,
            )
        )
    system = dict(lock.system_requirements.get(platform, {}))
    system.update(resolution.system)
    return Lock.of(
        packages,
        system_requirements={platform: dict(sorted(system.items()))} if system else {},
        metadata=dict(lock.metadata),
    )


def _conda_dependencies(
    rec: PackageRecord, present: Mapping[str, object]
) -> tuple[tuple[str, str], ...]:
    """A record's requirements on the other locked conda packages: (name, text)."""
    out: dict[str, str] = {}
    for text in rec.depends:
        try:
            name = parse_matchspec(text).name
        except InputError:
            continue
        if name in present and not name.startswith("__"):
            out[name] = text.strip() if name not in out else out[name] + ", " + text.strip()
    return tuple(sorted(out.items()))


def _conda_locked(
    rec: PackageRecord, platform: str, present: Mapping[str, object], category: str
) -> LockedPackage:
    hashes = []
    if rec.md5:
        hashes.append(("md5", rec.md5))
    if rec.sha256:
        hashes.append(("sha256", rec.sha256))
    return LockedPackage(
        name=rec.name,
        version=str(rec.version),
        manager="conda",
        platform=platform,
        url=strip_credentials(rec.url),
        hashes=tuple(sorted(hashes)),
        build=rec.build,
        channel=strip_credentials(rec.channel) or None,
        filename=rec.filename or None,
        dependencies=_conda_dependencies(rec, present),
        category=category,
    )


def _virtual_requirements(records: Iterable[PackageRecord]) -> dict[str, str]:
    """What chosen records ask of virtual packages, in the form a pip lock states
    system requirements: ``{"glibc": ">=2.17,<3.0.a0"}`` (several records' specs
    joined with ``,``, all of which must hold; ``*`` for a bare name)."""
    found: dict[str, set[str]] = {}
    for rec in records:
        for text in (*rec.depends, *rec.constrains):
            try:
                spec = parse_matchspec(text)
            except InputError:
                continue
            if spec.name.startswith("__"):
                found.setdefault(spec.name, set()).add(str(spec.version or "*"))
    return {
        name.lstrip("_"): ",".join(sorted(specs - {"*"})) or "*"
        for name, specs in sorted(found.items())
    }
