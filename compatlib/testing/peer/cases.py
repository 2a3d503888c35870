"""resolvelib's functional-test case files (Python, CocoaPods and Swift suites)
as :class:`Case` values, names and versions converted as in their indexes."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from compatlib._values import field, value
from compatlib.sources.memory import Index
from compatlib.testing.peer._source import _Src
from compatlib.testing.peer.formats import load_index_cached
from compatlib.testing.peer.resolvelib import _gem_requirement, _name_or_error, _swift_requirement
from compatlib.testing.peer.versions import foreign_version, pod_name, swift_name
from compatlib.values.filenames import canonicalize_name
from compatlib.values.pep508 import InvalidRequirement, Requirement

__all__ = ["Case"]


def _empty_mapping() -> Mapping[str, str]:
    return MappingProxyType({})


@value
class Case:
    """One resolvelib functional-test case (Python, CocoaPods or Swift suite).

    ``requested`` holds PEP 508 requirement strings; ``resolved`` maps canonical
    names to the expected versions (``None`` when the case expects a conflict),
    and ``conflicts`` the canonical names resolvelib must report as the causes
    (``None`` when the case expects a resolution). CocoaPods and Swift names and
    versions are converted exactly as in the index (:func:`pod_name`,
    :func:`swift_name`, :func:`foreign_version`); Python case versions are kept as
    written and compare as PEP 440 versions (``click`` ``7.0.0`` is ``7.0``).

    ``pinned`` (CocoaPods ``base``) maps names to the only version a resolver may
    pick for them when they are needed. ``unvisited`` maps names to versions a
    resolver should not even try (resolvelib checks it, with ``needs_optimistic``
    marking the cases that need its optimistic backjumping). ``resolved_markers``
    holds the markers resolvelib evaluates before comparing some Python results.
    """

    name: str
    suite: Literal["python", "cocoapods", "swift"]
    path: str
    description: str | None
    index_path: str
    requested: tuple[str, ...]
    resolved: Mapping[str, str] | None
    conflicts: tuple[str, ...] | None
    unvisited: Mapping[str, tuple[str, ...]] | None = None
    pinned: Mapping[str, str] = field(default_factory=_empty_mapping)
    needs_optimistic: bool = False
    resolved_markers: Mapping[str, str] = field(default_factory=_empty_mapping)

    def index(self) -> Index:
        """The case's index, loaded once per process for each resolved index path."""
        return load_index_cached(self.index_path)


def _description(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    return value if isinstance(value, str) else None


def _python_case(src: _Src, data: dict[str, Any]) -> Case:
    index = data.get("index")
    if not isinstance(index, str):
        raise src.error(
            "missing index name", field="index", pos=src.locate_json(["index"]),
            expected="the name of a file in ../index/ (without .json)",
        )  # fmt: skip
    requested = data.get("requested")
    pos = src.locate_json(["requested"])
    if not isinstance(requested, list) or not all(isinstance(r, str) for r in requested):
        raise src.error("expected a list of requirements", field="requested", pos=pos)
    for i, r in enumerate(requested):
        try:
            Requirement(r)
        except InvalidRequirement as e:
            raise src.error(
                f"invalid requirement {r!r}: {str(e).splitlines()[0]}",
                field=f"requested[{i}]",
                pos=src.locate_json(["requested", r]),
                expected="a PEP 508 requirement",
            ) from None
    resolved: dict[str, str] | None = None
    markers: dict[str, str] = {}
    if "resolved" in data:
        raw = data["resolved"]
        if not isinstance(raw, dict):
            raise src.error(
                "expected an object", field="resolved", pos=src.locate_json(["resolved"])
            )
        resolved = {}
        for name, given in raw.items():
            entry = given if isinstance(given, dict) else {"version": given}
            version = entry.get("version")
            if not isinstance(version, str):
                raise src.error(
                    f"no version for {name!r}",
                    field=f"resolved.{name}",
                    pos=src.locate_json(["resolved", name]),
                    expected='a version string or {"version": ...}',
                )
            resolved[canonicalize_name(name)] = version
            if isinstance(entry.get("marker"), str):
                markers[canonicalize_name(name)] = entry["marker"]
    conflicts: tuple[str, ...] | None = None
    if "conflicted" in data:
        raw_conflicts = data["conflicted"]
        if not isinstance(raw_conflicts, dict):
            raise src.error(
                "expected an object", field="conflicted", pos=src.locate_json(["conflicted"])
            )
        conflicts = tuple(sorted({canonicalize_name(n) for n in raw_conflicts}))
    unvisited = None
    if "unvisited" in data:
        raw_unvisited = data["unvisited"]
        if not isinstance(raw_unvisited, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v)
            for v in raw_unvisited.values()
        ):
            raise src.error("expected an object of version lists", field="unvisited",
                            pos=src.locate_json(["unvisited"]))  # fmt: skip
        unvisited = MappingProxyType(
            {str(canonicalize_name(k)): tuple(str(x) for x in v) for k, v in raw_unvisited.items()}
        )
    index_path = _sibling_index(src, index)
    return Case(
        name=Path(src.path).stem,
        suite="python",
        path=src.path,
        description=_description(data.get("#")),
        index_path=index_path,
        requested=tuple(requested),
        resolved=None if resolved is None else MappingProxyType(resolved),
        conflicts=conflicts,
        unvisited=unvisited,
        needs_optimistic=bool(data.get("needs_optimistic", False)),
        resolved_markers=MappingProxyType(markers),
    )


def _walk_pod_tree(src: _Src, tree: Any, field: str) -> Iterator[tuple[str, str]]:
    """``(name, version)`` of every node of a CocoaPods expected-resolution tree
    (iteratively: the trees nest as deep as the dependency graph)."""
    stack: list[tuple[Any, str]] = [(tree, field)]
    while stack:
        nodes, where = stack.pop()
        if not isinstance(nodes, list):
            raise src.error(
                "expected a list", field=where, pos=src.locate_json([where.split(".")[0]])
            )
        for i, node in enumerate(nodes):
            here = f"{where}[{i}]"
            if (
                not isinstance(node, dict)
                or not isinstance(node.get("name"), str)
                or not isinstance(node.get("version"), str)
            ):
                raise src.error(
                    "bad node", field=here, pos=src.locate_json([field]),
                    expected='{"name", "version", "dependencies"}',
                )  # fmt: skip
            yield node["name"], node["version"]
            stack.append((node.get("dependencies", []), f"{here}.dependencies"))


def _cocoapods_case(src: _Src, data: dict[str, Any]) -> Case:
    requested = data.get("requested")
    if not isinstance(requested, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in requested.items()
    ):
        raise src.error("expected an object of pod -> requirement", field="requested",
                        pos=src.locate_json(["requested"]))  # fmt: skip
    reqs = []
    for raw, spec in requested.items():
        name = _name_or_error(src, raw, pod_name, f"requested.{raw}", ["requested", raw])
        reqs.append(_gem_requirement(src, name, spec, f"requested.{raw}", ["requested", raw]))

    def converted(raw_name: str, raw_version: str, field: str) -> tuple[str, str]:
        name = _name_or_error(src, raw_name, pod_name, field, [field.split("[")[0], raw_name])
        try:
            return name, foreign_version(raw_version)
        except ValueError:
            raise src.error(
                f"{raw_name}: bad version {raw_version!r}",
                field=field,
                pos=src.locate_json([field.split("[")[0], raw_name]),
                expected="a RubyGems version",
            ) from None

    pinned: dict[str, str] = {}
    for i, (raw_name, raw_version) in enumerate(_walk_pod_tree(src, data.get("base", []), "base")):
        name, version = converted(raw_name, raw_version, f"base[{i}]")
        pinned[name] = version
    conflicts_raw = data.get("conflicts", [])
    if not isinstance(conflicts_raw, list) or not all(isinstance(c, str) for c in conflicts_raw):
        raise src.error("expected a list of pod names", field="conflicts",
                        pos=src.locate_json(["conflicts"]))  # fmt: skip
    conflicts = tuple(
        sorted(
            {_name_or_error(src, c, pod_name, "conflicts", ["conflicts", c]) for c in conflicts_raw}
        )
    )
    resolved: dict[str, str] | None = None
    if not conflicts:
        resolved = {}
        for raw_name, raw_version in _walk_pod_tree(src, data.get("resolved", []), "resolved"):
            name, version = converted(raw_name, raw_version, "resolved")
            if resolved.setdefault(name, version) != version:
                raise src.error(
                    f"{raw_name} resolved to both {resolved[name]} and {version}",
                    field="resolved",
                    pos=src.locate_json(["resolved", raw_name]),
                )
    index = data.get("index", "awesome")
    if not isinstance(index, str):
        raise src.error("expected an index name", field="index", pos=src.locate_json(["index"]))
    index_path = _sibling_index(src, index)
    return Case(
        name=Path(src.path).stem,
        suite="cocoapods",
        path=src.path,
        description=_description(data.get("name")),
        index_path=index_path,
        requested=tuple(reqs),
        resolved=None if resolved is None else MappingProxyType(resolved),
        conflicts=conflicts or None,
        pinned=MappingProxyType(pinned),
    )


def _swift_case(src: _Src, data: dict[str, Any]) -> Case:
    constraints = data.get("constraints")
    if not isinstance(constraints, list):
        raise src.error(
            "expected a list", field="constraints", pos=src.locate_json(["constraints"])
        )
    requested = tuple(
        _swift_requirement(src, c, f"constraints[{i}]", ["constraints"])
        for i, c in enumerate(constraints)
    )
    result = data.get("result")
    if not isinstance(result, dict) or not all(isinstance(v, str) for v in result.values()):
        raise src.error("expected an object of identifier -> version", field="result",
                        pos=src.locate_json(["result"]))  # fmt: skip
    resolved = {}
    for ident, raw_version in result.items():
        name = _name_or_error(src, ident, swift_name, f"result.{ident}", ["result", ident])
        try:
            resolved[name] = foreign_version(raw_version)
        except ValueError:
            raise src.error(
                f"{ident}: bad version {raw_version!r}",
                field=f"result.{ident}",
                pos=src.locate_json(["result", ident]),
                expected="a SemVer version",
            ) from None
    return Case(
        name=Path(src.path).stem,
        suite="swift",
        path=src.path,
        description=_description(data.get("name")),
        index_path=os.path.abspath(src.path),
        requested=requested,
        resolved=MappingProxyType(resolved),
        conflicts=None,
    )


def _sibling_index(src: _Src, index: str) -> str:
    """resolvelib's layout: ``<suite>/case/x.json`` names ``<suite>/index/<index>.json``."""
    return os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(src.path)), "..", "index", index + ".json")
    )
