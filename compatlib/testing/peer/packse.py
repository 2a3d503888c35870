"""uv's packse scenarios (TOML): the packages as an :class:`Index`, the root
requirements and the expected result."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from compatlib._values import value
from compatlib.sources.memory import Artifact, Index, IndexRelease
from compatlib.testing.peer._source import PathArg, _load_toml, _read, _Src
from compatlib.values.filenames import canonicalize_name
from compatlib.values.pep508 import InvalidRequirement, Requirement

__all__ = ["Scenario", "load_scenario", "PACKSE_DEFAULT_PYTHON", "PACKSE_DEFAULT_REQUIRES_PYTHON"]


PACKSE_DEFAULT_REQUIRES_PYTHON = ">=3.12"
"""``requires_python`` packse gives a package version (and the root) that sets none
(uv ``crates/uv-test/src/packse/scenario.rs``, ``default_requires_python``)."""

PACKSE_DEFAULT_PYTHON = "3.12"
"""The active Python of a packse scenario without ``[environment] python``."""


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@value
class Scenario:
    """One uv packse scenario.

    ``requires_python`` is the root's, as written (``None`` when absent; packse
    then assumes :data:`PACKSE_DEFAULT_REQUIRES_PYTHON`). ``expected_packages``
    maps canonical names to versions (empty when the file lists none, which uv
    also allows for satisfiable scenarios). ``environment``,
    ``resolver_options`` and ``testgen`` are the tables as written, lists turned
    into tuples.
    """

    name: str
    description: str | None
    path: str
    index: Index
    requires: tuple[str, ...]
    requires_python: str | None
    satisfiable: bool
    expected_packages: Mapping[str, str]
    explanation: str | None
    environment: Mapping[str, Any]
    resolver_options: Mapping[str, Any]
    testgen: Mapping[str, Any]

    @property
    def universal(self) -> bool:
        """Whether uv resolves this scenario for all platforms (``uv lock`` style)."""
        return bool(self.resolver_options.get("universal", False))

    @property
    def has_options(self) -> bool:
        """Whether an ``[environment]`` or ``[resolver_options]`` table is present."""
        return bool(self.environment) or bool(self.resolver_options)

    @property
    def python(self) -> str:
        """The active interpreter's version (``[environment] python``, default 3.12)."""
        return str(self.environment.get("python", PACKSE_DEFAULT_PYTHON))

    @property
    def target_python(self) -> str:
        """The Python version to resolve for: ``[resolver_options] python`` if set
        (uv's ``--python-version``), else :attr:`python`."""
        return str(self.resolver_options.get("python", self.python))


_SCENARIO_KEYS = {
    "": {"name", "description", "packages", "root", "expected", "environment",
         "resolver_options", "testgen", "template"},
    "root": {"requires", "requires_python"},
    "expected": {"satisfiable", "packages", "explanation"},
    "environment": {"python", "additional_python"},
    "resolver_options": {"python", "prereleases", "no_build", "no_binary", "universal",
                         "python_platform", "required_environments", "resolution"},
    "testgen": {"disable", "kind"},
    "package": {"versions"},
    "version": {"requires_python", "requires", "extras", "scripts", "sdist", "wheel",
                "yanked", "wheel_tags", "description"},
}  # fmt: skip


def _check_keys(src: _Src, table: Any, kind: str, field: str, pos: int | None) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise src.error(f"{field or 'document'} is not a table", field=field or None, pos=pos)
    unknown = sorted(set(table) - _SCENARIO_KEYS[kind])
    if unknown:
        key = unknown[0]
        where = src.locate_re(rf"^\s*{re.escape(key)}\s*=|\.{re.escape(key)}\]")
        raise src.error(
            f"unknown key {key!r}",
            field=f"{field}.{key}" if field else key,
            pos=where if where is not None else pos,
            expected="one of " + ", ".join(sorted(_SCENARIO_KEYS[kind])),
        )
    return table


def _string_list(
    src: _Src, value: Any, field: str, pos: int | None, *, requirement: bool = False
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise src.error("expected a list of strings", field=field, pos=pos)
    if requirement:
        for v in value:
            try:
                Requirement(v)
            except InvalidRequirement as e:
                raise src.error(
                    f"invalid requirement {v!r}: {str(e).splitlines()[0]}",
                    field=field,
                    pos=pos,
                    expected="a PEP 508 requirement",
                ) from None
    return tuple(value)


def _specifier(src: _Src, value: Any, field: str, pos: int | None) -> str:
    if not isinstance(value, str):
        raise src.error("expected a string", field=field, pos=pos)
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise src.error(
            f"invalid specifier {value!r}", field=field, pos=pos, expected="a PEP 440 specifier"
        ) from None
    return value


def _with_extra(requirement: str, extra: str) -> str:
    """``requirement`` restricted to ``extra``: its marker and'ed with ``extra == "x"``."""
    req = Requirement(requirement)
    base = req.name
    if req.extras:
        base += "[" + ",".join(sorted(req.extras)) + "]"
    if req.url:
        base += f" @ {req.url} "
    base += str(req.specifier)
    clause = f'extra == "{extra}"'
    marker = f"({req.marker}) and {clause}" if req.marker else clause
    return f"{base}; {marker}"


def _artifact_flag(src: _Src, value: Any, field: str, pos: int | None) -> bool:
    # ``sdist``/``wheel`` are booleans, or a table of artifact metadata (= present).
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return True
    raise src.error("expected true, false or a table", field=field, pos=pos)


def _scenario_release(
    src: _Src, name: str, version: str, meta: Any, field: str, pos: int | None
) -> IndexRelease:
    meta = _check_keys(src, meta, "version", field, pos)

    def at(key: str) -> int | None:
        return src.locate_toml_key(pos, key)

    extras_pos = None if pos is None else src.locate_re(r"^\[[^\]\n]*\.extras\]", pos)
    requires = list(
        _string_list(
            src, meta.get("requires", []), f"{field}.requires", at("requires"), requirement=True
        )
    )
    extras_table = meta.get("extras", {})
    if not isinstance(extras_table, dict):
        raise src.error(
            "expected a table of extra -> requirements", field=f"{field}.extras", pos=at("extras")
        )
    extras = []
    for extra in sorted(extras_table):
        efield = f"{field}.extras.{extra}"
        reqs = _string_list(
            src,
            extras_table[extra],
            efield,
            src.locate_toml_key(extras_pos, extra),
            requirement=True,
        )
        normalized = canonicalize_name(extra)
        extras.append(normalized)
        requires.extend(_with_extra(r, normalized) for r in reqs)
    requires_python = _specifier(
        src,
        meta.get("requires_python", PACKSE_DEFAULT_REQUIRES_PYTHON),
        f"{field}.requires_python",
        at("requires_python"),
    )
    yanked = meta.get("yanked", False)
    if not isinstance(yanked, bool):
        raise src.error("expected true or false", field=f"{field}.yanked", pos=at("yanked"))
    sdist = _artifact_flag(src, meta.get("sdist", True), f"{field}.sdist", at("sdist"))
    wheel = _artifact_flag(src, meta.get("wheel", True), f"{field}.wheel", at("wheel"))
    tags = _string_list(src, meta.get("wheel_tags", []), f"{field}.wheel_tags", at("wheel_tags"))
    for tag in tags:
        if len(tag.split("-")) != 3 or not all(tag.split("-")):
            raise src.error(
                f"wheel tag {tag!r} does not have three components",
                field=f"{field}.wheel_tags",
                pos=at("wheel_tags"),
                expected="python-abi-platform, e.g. py3-none-any",
            )
    # packse publishes wheels named {dist}-{version}-{tag}.whl (py3-none-any when
    # no tags are given) and an sdist {dist}-{version}.tar.gz.
    dist = canonicalize_name(name).replace("-", "_")
    norm = str(Version(version))
    artifacts: list[Artifact] = []
    if wheel:
        artifacts.extend(
            Artifact(filename=f"{dist}-{norm}-{tag}.whl", yanked=yanked)
            for tag in (tags or ("py3-none-any",))
        )
    if sdist:
        artifacts.append(Artifact(filename=f"{dist}-{norm}.tar.gz", yanked=yanked))
    return IndexRelease(
        version=version,
        requires=tuple(requires),
        requires_python=requires_python,
        yanked=yanked,
        extras=tuple(extras),
        artifacts=tuple(artifacts),
    )


def _scenario(src: _Src, data: dict[str, Any]) -> Scenario:
    _check_keys(src, data, "", "", None)
    name = data.get("name")
    if not isinstance(name, str):
        raise src.error("missing scenario name", field="name", pos=src.locate_re(r"^name\s*="))
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise src.error("expected a string", field="description")
    requires, root_python = _root(src, data)
    satisfiable, exp_packages, explanation = _expected(src, data)
    packages = _packages(src, data)
    environment = _section(src, data, "environment")
    resolver_options = _section(src, data, "resolver_options")
    testgen = _section(src, data, "testgen")
    return Scenario(
        name=name,
        description=description,
        path=src.path,
        index=Index(packages, source=src.path),
        requires=requires,
        requires_python=root_python,
        satisfiable=satisfiable,
        expected_packages=MappingProxyType(exp_packages),
        explanation=explanation,
        environment=_frozen(environment),
        resolver_options=_frozen(resolver_options),
        testgen=_frozen(testgen),
    )


def _section(src: _Src, data: dict[str, Any], key: str, required: bool = False) -> dict[str, Any]:
    """A top-level table, its keys checked (empty when absent and optional)."""
    pos = src.locate_re(rf"^\[{re.escape(key)}\]")
    if key not in data:
        if required:
            raise src.error(f"missing [{key}] table", field=key)
        return {}
    return _check_keys(src, data[key], key, key, pos)


def _root(src: _Src, data: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """``[root]``: the requirements and the Python range the scenario asks for."""
    root = _section(src, data, "root", required=True)
    root_pos = src.locate_re(r"^\[root\]")
    requires = _string_list(
        src,
        root.get("requires", []),
        "root.requires",
        src.locate_toml_key(root_pos, "requires"),
        requirement=True,
    )
    root_python = root.get("requires_python")
    if root_python is not None:
        root_python = _specifier(
            src,
            root_python,
            "root.requires_python",
            src.locate_toml_key(root_pos, "requires_python"),
        )
    return requires, root_python


def _expected(src: _Src, data: dict[str, Any]) -> tuple[bool, dict[str, str], str | None]:
    """``[expected]``: satisfiable or not, the versions chosen, the explanation."""
    expected = _section(src, data, "expected", required=True)
    exp_pos = src.locate_re(r"^\[expected\]")
    satisfiable = expected.get("satisfiable")
    if not isinstance(satisfiable, bool):
        raise src.error(
            "missing or non-boolean satisfiable",
            field="expected.satisfiable",
            pos=src.locate_toml_key(exp_pos, "satisfiable"),
        )
    exp_packages: dict[str, str] = {}
    raw_expected = expected.get("packages", {})
    if not isinstance(raw_expected, dict):
        raise src.error("expected a table", field="expected.packages", pos=exp_pos)
    for pkg, ver in sorted(raw_expected.items()):
        try:
            Version(ver)
        except (InvalidVersion, TypeError):
            raise src.error(
                f"package {pkg!r}: invalid version {ver!r}",
                field=f"expected.packages.{pkg}",
                pos=src.locate_re(r"^\[expected\.packages\]"),
                expected="a PEP 440 version",
            ) from None
        exp_packages[canonicalize_name(pkg)] = ver
    explanation = expected.get("explanation")
    if explanation is not None and not isinstance(explanation, str):
        raise src.error("expected a string", field="expected.explanation", pos=exp_pos)
    return satisfiable, exp_packages, explanation


def _packages(src: _Src, data: dict[str, Any]) -> dict[str, list[IndexRelease]]:
    """``[packages]``: the releases of each package, one name per project."""
    packages_table = data.get("packages", {})
    if not isinstance(packages_table, dict):
        raise src.error("expected a table", field="packages")
    packages: dict[str, list[IndexRelease]] = {}
    seen: dict[str, str] = {}
    for pkg in sorted(packages_table):
        pkg_pos = src.locate_re(rf'^\[packages\."?{re.escape(pkg)}"?\.')
        canonical = canonicalize_name(pkg)
        if seen.setdefault(canonical, pkg) != pkg:
            raise src.error(
                f"packages {seen[canonical]!r} and {pkg!r} are the same package",
                field=f"packages.{pkg}",
                pos=pkg_pos,
            )
        entry = _check_keys(src, packages_table[pkg], "package", f"packages.{pkg}", pkg_pos)
        packages[pkg] = _package_releases(src, pkg, entry, pkg_pos)
    return packages


def _package_releases(
    src: _Src, pkg: str, entry: dict[str, Any], pkg_pos: int | None
) -> list[IndexRelease]:
    """The ``versions`` of one package, each a valid PEP 440 version."""
    versions = entry.get("versions", {})
    if not isinstance(versions, dict):
        raise src.error("expected a table", field=f"packages.{pkg}.versions", pos=pkg_pos)
    releases = []
    for ver in versions:
        field = f"packages.{pkg}.versions.{ver}"
        pos = src.locate_re(rf'^\[packages\."?{re.escape(pkg)}"?\.versions\."{re.escape(ver)}"')
        pos = pkg_pos if pos is None else pos
        try:
            Version(ver)
        except InvalidVersion:
            raise src.error(
                f"package {pkg!r}: invalid version {ver!r}",
                field=field,
                pos=pos,
                expected="a PEP 440 version",
            ) from None
        releases.append(_scenario_release(src, pkg, ver, versions[ver], field, pos))
    return releases


def load_scenario(path: PathArg) -> Scenario:
    """Load a uv packse scenario (TOML)."""
    src = _read(path)
    return _scenario(src, _load_toml(src))
