"""resolvelib's functional-test indexes: Python index snapshots, CocoaPods
(RubyGems) indexes and Swift Package Manager dumps, each into an :class:`Index`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from packaging.specifiers import InvalidSpecifier

from compatlib.sources.memory import Index, IndexRelease
from compatlib.testing.peer._source import _Src
from compatlib.testing.peer.versions import (
    foreign_version,
    gem_specifier,
    pod_name,
    swift_name,
    swift_specifier,
)
from compatlib.values.filenames import canonicalize_name

__all__: list[str] = []


# ------------------------------------------------------------ resolvelib: python

# ``extra == "x"`` or ``"x" == extra`` in a marker (either quote style).
_EXTRA_RE = re.compile(
    r"""\bextra\s*==\s*(?P<q1>['"])(?P<e1>.*?)(?P=q1)|(?P<q2>['"])(?P<e2>.*?)(?P=q2)\s*==\s*extra\b"""
)


def _extras_of(dependencies: Sequence[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for dep in dependencies:
        _, sep, marker = dep.partition(";")
        if sep and "extra" in marker:
            for m in _EXTRA_RE.finditer(marker):
                found.add(canonicalize_name(m.group("e1") or m.group("e2") or ""))
    found.discard("")
    return tuple(sorted(found))


def _python_index(src: _Src, data: dict[str, Any]) -> Index:
    packages: dict[str, list[IndexRelease]] = {}
    for name in sorted(data):
        versions = data[name]
        if not isinstance(versions, dict):
            # Not a package: backjump-test-3.json carries "needs_optimistic": true.
            continue
        releases = []
        for version, info in versions.items():
            deps = info.get("dependencies") if isinstance(info, dict) else None
            if deps == {}:  # dask's toolz 0.10.0 has an empty object
                deps = []
            if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
                raise src.error(
                    f"package {name!r} version {version!r}: bad dependency list",
                    field=f"{name}.{version}.dependencies",
                    pos=src.locate_json([name, version]),
                    expected='{"dependencies": [PEP 508 strings]}',
                )
            releases.append(
                IndexRelease(version=version, requires=tuple(deps), extras=_extras_of(deps))
            )
        packages[name] = releases
    return Index(packages, source=src.path)


# --------------------------------------------------------- resolvelib: cocoapods


def _gem_dependencies(raw: Any) -> list[tuple[str, str]] | None:
    """A pod's dependencies as ``(name, requirement)`` pairs: an object, or (in
    ``fuzz.json``) a list of pairs; ``[]`` is an empty object."""
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        if not all(isinstance(p, list) and len(p) == 2 for p in raw):
            return None
        pairs = [(p[0], p[1]) for p in raw]
    elif raw is None:
        pairs = []
    else:
        return None
    if not all(isinstance(n, str) and isinstance(r, str) for n, r in pairs):
        return None
    return pairs


def _name_or_error(src: _Src, raw: str, convert: Any, field: str, keys: Sequence[str]) -> str:
    try:
        name: str = convert(raw)
    except ValueError as e:
        raise src.error(str(e), field=field, pos=src.locate_json(keys)) from None
    return name


def _gem_requirement(src: _Src, name: str, spec: str, field: str, keys: Sequence[str]) -> str:
    try:
        return name + gem_specifier(spec)
    except (ValueError, InvalidSpecifier) as e:
        raise src.error(
            f"bad requirement {spec!r} on {name!r}: {e}",
            field=field,
            pos=src.locate_json(keys),
            expected="RubyGems operators (=, !=, >, <, >=, <=, ~>) and versions",
        ) from None


def _cocoapods_index(src: _Src, data: dict[str, Any]) -> Index:
    packages: dict[str, list[IndexRelease]] = {}
    owners: dict[str, str] = {}  # package name -> the pod (raw name) it stands for
    for raw_name in sorted(data):
        name = _name_or_error(src, raw_name, pod_name, raw_name, [raw_name])
        if owners.setdefault(name, raw_name) != raw_name:
            raise src.error(
                f"pods {owners[name]!r} and {raw_name!r} both map to package name {name!r}",
                field=raw_name,
                pos=src.locate_json([raw_name]),
            )
    aliases: dict[str, str] = {}

    def mapped(raw: str, field: str, keys: Sequence[str]) -> str:
        """The package name of pod ``raw``. RubyGems tells ``faraday_middleware``
        from ``faraday-middleware``, PEP 503 does not: a dependency on a pod the
        index does not list whose name collides with a listed pod's gets a name of
        its own (``faraday-middleware-unlisted``), so it stays unsatisfiable."""
        if raw in aliases:
            return aliases[raw]
        name = _name_or_error(src, raw, pod_name, field, keys)
        if owners.get(name, raw) != raw:
            base, n = f"{name}-unlisted", 1
            name = base
            while name in owners:
                n += 1
                name = f"{base}-{n}"
            owners[name] = raw
        aliases[raw] = name
        return name

    for raw_name in sorted(data):
        entries = data[raw_name]
        name = mapped(raw_name, raw_name, [raw_name])
        if not isinstance(entries, list):
            raise src.error(
                f"pod {raw_name!r}: expected a list of versions",
                field=raw_name,
                pos=src.locate_json([raw_name]),
            )
        releases = []
        for i, entry in enumerate(entries):
            field = f"{raw_name}[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
                raise src.error(
                    f"pod {raw_name!r}: entry {i} has no version",
                    field=field,
                    pos=src.locate_json([raw_name]),
                    expected='{"name", "version", "dependencies"}',
                )
            raw_version = entry["version"]
            keys = [raw_name, raw_version]
            if entry.get("name", raw_name) != raw_name:
                raise src.error(
                    f"entry named {entry.get('name')!r} listed under pod {raw_name!r}",
                    field=f"{field}.name",
                    pos=src.locate_json(keys),
                )
            try:
                version = foreign_version(raw_version)
            except ValueError:
                raise src.error(
                    f"pod {raw_name!r}: bad version {raw_version!r}",
                    field=f"{field}.version",
                    pos=src.locate_json(keys),
                    expected="a RubyGems version",
                ) from None
            pairs = _gem_dependencies(entry.get("dependencies"))
            if pairs is None:
                raise src.error(
                    f"pod {raw_name!r} {raw_version}: bad dependencies",
                    field=f"{field}.dependencies",
                    pos=src.locate_json(keys),
                    expected="an object of pod name -> requirement string",
                )
            requires = tuple(
                _gem_requirement(
                    src,
                    mapped(dep, f"{field}.dependencies.{dep}", [*keys, dep]),
                    spec,
                    f"{field}.dependencies.{dep}",
                    [*keys, dep],
                )
                for dep, spec in pairs
            )
            releases.append(IndexRelease(version=version, requires=requires))
        packages[name] = releases
    return Index(packages, source=src.path)


# -------------------------------------------------------------------- swift


def _swift_requirement(src: _Src, dep: Any, field: str, keys: Sequence[str]) -> str:
    if (
        not isinstance(dep, dict)
        or not isinstance(dep.get("identifier"), str)
        or not isinstance(dep.get("requirement"), list)
    ):
        raise src.error(
            "bad constraint", field=field, pos=src.locate_json(keys),
            expected='{"identifier": URL, "requirement": [lower, upper]}',
        )  # fmt: skip
    name = _name_or_error(src, dep["identifier"], swift_name, field, keys)
    try:
        return name + swift_specifier(dep["requirement"])
    except ValueError as e:
        raise src.error(
            f"bad requirement on {dep['identifier']!r}: {e}",
            field=f"{field}.requirement",
            pos=src.locate_json([*keys, dep["identifier"]]),
            expected="[lower, upper) SemVer bounds",
        ) from None


def _swift_index(src: _Src, data: dict[str, Any]) -> Index:
    containers = data.get("containers")
    if not isinstance(containers, list):
        raise src.error("'containers' is not a list", field="containers")
    packages: dict[str, list[IndexRelease]] = {}
    owners: dict[str, str] = {}
    for i, container in enumerate(containers):
        field = f"containers[{i}]"
        if (
            not isinstance(container, dict)
            or not isinstance(container.get("identifier"), str)
            or not isinstance(container.get("versions"), dict)
        ):
            raise src.error(
                "bad container", field=field, pos=src.locate_json(["containers"]),
                expected='{"identifier": URL, "versions": {version: [constraints]}}',
            )  # fmt: skip
        ident = container["identifier"]
        name = _name_or_error(src, ident, swift_name, field, [ident])
        if owners.setdefault(name, ident) != ident:
            raise src.error(
                f"identifiers {owners[name]!r} and {ident!r} both map to package name {name!r}",
                field=field,
                pos=src.locate_json([ident]),
            )
        releases = []
        for raw_version, deps in container["versions"].items():
            keys = [ident, raw_version]
            try:
                version = foreign_version(raw_version)
            except ValueError:
                raise src.error(
                    f"{ident}: bad version {raw_version!r}",
                    field=f"{field}.versions.{raw_version}",
                    pos=src.locate_json(keys),
                    expected="a SemVer version",
                ) from None
            if not isinstance(deps, list):
                raise src.error(
                    f"{ident} {raw_version}: dependencies are not a list",
                    field=f"{field}.versions.{raw_version}",
                    pos=src.locate_json(keys),
                )
            requires = tuple(
                _swift_requirement(src, dep, f"{field}.versions.{raw_version}[{j}]", keys)
                for j, dep in enumerate(deps)
            )
            releases.append(IndexRelease(version=version, requires=requires))
        packages[name] = releases
    # A dependency on an identifier that is not a container names a package with
    # no versions; it must not collide with a container's name.
    for i, container in enumerate(containers):
        for raw_version, deps in container["versions"].items():
            for dep in deps:
                name = swift_name(dep["identifier"])
                if name in owners and owners[name] != dep["identifier"]:
                    raise src.error(
                        f"identifiers {owners[name]!r} and {dep['identifier']!r} both map"
                        f" to package name {name!r}",
                        field=f"containers[{i}].versions.{raw_version}",
                        pos=src.locate_json([container["identifier"], raw_version]),
                    )
    return Index(packages, source=src.path)
