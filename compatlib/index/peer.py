"""Loaders for other resolvers' test suites, into compatlib's in-memory :class:`Index`.

Four peer formats are read (see ``docs/peer-formats.md`` for the exact mappings):

* resolvelib's functional-test data: the Python index snapshots
  (``{pkg: {version: {"dependencies": [PEP 508]}}}``), the CocoaPods/RubyGems
  indexes (``{pod: [{name, version, dependencies}]}``) and the Swift Package
  Manager dumps (``{containers, constraints, result}``), plus their case files;
* uv's packse scenarios (TOML);
* pubgrub's RON registry dumps.

Everything becomes PEP 440 versions and PEP 508 requirement strings. CocoaPods
(RubyGems) and Swift (SemVer) versions and ranges are converted by
:func:`foreign_version`, :func:`gem_specifier` and :func:`swift_specifier`, and
their package names by :func:`pod_name` and :func:`swift_name`; expected results
in the case files pass through the same functions, so they can be compared with
what a solver returns on the converted index.

Malformed input raises :class:`~compatlib.errors.InputError` naming the file and,
where it can be found, the line, column and field.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import string
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from compatlib.errors import InputError
from compatlib.index.memory import Artifact, Index, IndexRelease
from compatlib.pep508 import InvalidRequirement, Requirement

__all__ = [
    "Case",
    "PeerFormat",
    "Scenario",
    "load_case",
    "load_index",
    "load_index_cached",
    "load_scenario",
    "detect_format",
    "foreign_version",
    "gem_specifier",
    "swift_specifier",
    "pod_name",
    "swift_name",
    "PACKSE_DEFAULT_PYTHON",
    "PACKSE_DEFAULT_REQUIRES_PYTHON",
]

PeerFormat = Literal["resolvelib-python", "cocoapods", "swift", "packse", "pubgrub"]
"""The formats :func:`load_index` recognises."""

PACKSE_DEFAULT_REQUIRES_PYTHON = ">=3.12"
"""``requires_python`` packse gives a package version (and the root) that sets none
(uv ``crates/uv-test/src/packse/scenario.rs``, ``default_requires_python``)."""

PACKSE_DEFAULT_PYTHON = "3.12"
"""The active Python of a packse scenario without ``[environment] python``."""

PathArg = str | os.PathLike[str]


# --------------------------------------------------------------------------- errors


class _Src:
    """The file being read, for error messages that point into it."""

    __slots__ = ("path", "text")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text

    def at(self, pos: int) -> tuple[int, int, str | None]:
        """1-based line and column of offset ``pos``, and the line's text (``None``
        for lines over 200 characters, such as one-line JSON files)."""
        line = self.text.count("\n", 0, pos) + 1
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        end = len(self.text) if end == -1 else end
        text = self.text[start:end] if end - start <= 200 else None
        return line, pos - start + 1, text

    def locate_json(self, keys: Sequence[str]) -> int | None:
        """Best-effort offset of the nested JSON key path ``keys`` (each key
        searched for, quoted, after the previous one)."""
        pos = 0
        found = None
        for key in keys:
            j = self.text.find(json.dumps(key), pos)
            if j < 0:
                break
            found = pos = j
        return found

    def locate_re(self, pattern: str, start: int = 0) -> int | None:
        """Offset of the first match of ``pattern`` (multi-line mode) at or after
        ``start``; of its last group if it has groups."""
        m = re.compile(pattern, re.MULTILINE).search(self.text, start)
        if m is None:
            return None
        return m.start(m.lastindex) if m.lastindex else m.start()

    def locate_toml_key(self, table_pos: int | None, key: str) -> int | None:
        """Offset of ``key = ...`` inside the TOML table whose header is at
        ``table_pos`` (``table_pos`` itself when the key is not found there)."""
        if table_pos is None:
            return None
        end = self.locate_re(r"^\s*\[", table_pos + 1)
        pos = self.locate_re(rf"^\s*({re.escape(key)})\s*=", table_pos)
        if pos is None or (end is not None and pos > end):
            return table_pos
        return pos

    def error(
        self,
        message: str,
        *,
        field: str | None = None,
        pos: int | None = None,
        expected: str | None = None,
    ) -> InputError:
        if pos is None:
            return InputError(message, source=self.path, field=field, expected=expected)
        line, column, text = self.at(pos)
        return InputError(
            message,
            source=self.path,
            line=line,
            column=column,
            field=field,
            text=text,
            expected=expected,
        )


def _read(path: PathArg) -> _Src:
    p = os.fspath(path)
    try:
        with open(p, encoding="utf-8") as f:
            return _Src(p, f.read())
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text: {e.reason}", source=p) from None
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}", source=p) from None


_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)


def _blank_comments(text: str) -> str:
    """``text`` with ``//`` and ``/* */`` comments outside strings turned into
    spaces (newlines kept), so decode errors keep their line and column."""

    def repl(m: re.Match[str]) -> str:
        s = m.group()
        if s.startswith('"'):
            return s
        return re.sub(r"[^\n]", " ", s)

    return _JSON_TOKEN_RE.sub(repl, text)


def _load_json(src: _Src) -> Any:
    try:
        return json.loads(src.text)
    except json.JSONDecodeError as first:
        err = first
        if "//" in src.text or "/*" in src.text:
            # Some CocoaPods fixtures carry JavaScript-style comments.
            try:
                return json.loads(_blank_comments(src.text))
            except json.JSONDecodeError as second:
                err = second
        raise src.error(f"invalid JSON: {err.msg}", pos=err.pos) from None


def _load_toml(src: _Src) -> dict[str, Any]:
    # tomllib is in the standard library from 3.11; tomli is the same parser for 3.10
    tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    try:
        data: dict[str, Any] = tomllib.loads(src.text)
        return data
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m is None:
            # "(at end of document)": point after the last character
            raise src.error(f"invalid TOML: {msg}", pos=len(src.text.rstrip("\n"))) from None
        line, column = int(m.group(1)), int(m.group(2))  # also e.lineno/e.colno from 3.14
        lines = src.text.splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else None
        raise InputError(
            f"invalid TOML: {msg[: m.start()].strip()}",
            source=src.path,
            line=line,
            column=column,
            text=text,
        ) from None


# --------------------------------------------------------------- version mapping

_RELEASE_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_FOREIGN_RE = re.compile(
    r"[0-9]+(?:\.[0-9]+)*(?:[.-]?[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*)?(?:\+[0-9A-Za-z.-]+)?"
)
_LABELS = {
    "a": "a",
    "alpha": "a",
    "b": "b",
    "beta": "b",
    "c": "rc",
    "rc": "rc",
    "pre": "rc",
    "preview": "rc",
    "dev": ".dev",
    "post": ".post",
    "rev": ".post",
    "r": ".post",
}


@functools.lru_cache(maxsize=16384)
def foreign_version(raw: str) -> str:
    """The PEP 440 spelling of a RubyGems/CocoaPods or SemVer version string.

    A string PEP 440 already accepts keeps its PEP 440 meaning and is normalised
    (``2.0.0.beta.1`` -> ``2.0.0b1``, ``3.0.0-alpha.1`` -> ``3.0.0a1``; note that
    ``1.3.0-1`` is the post-release ``1.3.0.post1`` under PEP 440): this is how
    resolvelib's own test providers read these files. Any other string is split
    into a numeric release and a tail of alphanumeric tokens: the first tail token
    picks the pre-release kind (``alpha``/``a`` -> ``a``, ``beta``/``b`` -> ``b``,
    ``rc``/``c``/``pre``/``preview`` -> ``rc``, ``dev`` -> ``.dev``; any other
    label becomes ``.dev`` and is kept as the first local segment), the next
    numeric token its number (default 0), and all remaining tokens, plus SemVer
    build metadata, form the local segment: ``0.18.0-gh.de28323`` ->
    ``0.18.0.dev0+gh.de.28323``, ``5.0.0-alpha.30p6`` -> ``5.0.0a30+p.6``.

    Raises ``ValueError`` when ``raw`` does not start with a numeric release.
    """
    s = raw.strip()
    try:
        return str(Version(s))
    except InvalidVersion:
        pass
    if _FOREIGN_RE.fullmatch(s) is None:
        raise ValueError(f"not a RubyGems or SemVer version: {raw!r}")
    body, _, build = s.partition("+")
    m = _RELEASE_RE.match(body)
    assert m is not None  # guaranteed by _FOREIGN_RE
    release = ".".join(str(int(x)) for x in m.group().split("."))
    tokens = re.findall(r"[0-9]+|[A-Za-z]+", body[m.end() :])
    local: list[str] = []
    pre = ""
    if tokens:
        head = tokens.pop(0)
        if head.isdigit():
            pre = f".post{int(head)}"
        else:
            kind = _LABELS.get(head.lower())
            if kind is None:
                kind = ".dev"
                local.append(head.lower())
            number = int(tokens.pop(0)) if tokens and tokens[0].isdigit() else 0
            pre = f"{kind}{number}"
    local.extend(t.lower() for t in tokens)
    local.extend(t.lower() for t in re.findall(r"[0-9A-Za-z]+", build))
    out = release + pre + ("+" + ".".join(local) if local else "")
    try:
        return str(Version(out))
    except InvalidVersion:  # pragma: no cover - the construction above is valid PEP 440
        raise ValueError(f"cannot express {raw!r} in PEP 440") from None


def _public(version: str) -> str:
    """``version`` without its local segment (PEP 440 forbids local versions in
    ordered comparisons)."""
    return version.partition("+")[0]


_GEM_OP_RE = re.compile(r"\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*")


@functools.lru_cache(maxsize=65536)
def gem_specifier(requirement: str) -> str:
    """The PEP 440 specifier for a RubyGems/CocoaPods requirement string such as
    ``"~> 1.2, != 1.2.5"`` (empty string: any version).

    ``= V`` -> ``==V``; ``!=``, ``>``, ``<``, ``>=``, ``<=`` keep their operator;
    ``~> V`` -> ``>=V,<B`` where ``B`` drops the last release component of ``V``
    (unless it has only one) and increments the new last one (``~> 1.2.3`` ->
    ``>=1.2.3,<1.3``, ``~> 1.2`` -> ``>=1.2,<2``, ``~> 1`` -> ``>=1,<2``).
    Versions pass through :func:`foreign_version`; bounds of ordered comparisons
    lose any local segment. Raises ``ValueError`` on an unknown operator or version.
    """
    out: list[str] = []
    for part in requirement.split(","):
        if not part.strip():
            continue
        m = _GEM_OP_RE.fullmatch(part)
        if m is None:
            raise ValueError(f"not a RubyGems requirement: {part.strip()!r}")
        op, raw = m.group(1) or "=", m.group(2)
        ver = foreign_version(raw)
        if op == "=":
            out.append(f"=={ver}")
        elif op == "!=":
            out.append(f"!={ver}")
        elif op == "~>":
            release = Version(ver).release
            upper = release[:-1] if len(release) > 1 else release
            upper = (*upper[:-1], upper[-1] + 1)
            out.append(f">={_public(ver)}")
            out.append("<" + ".".join(str(x) for x in upper))
        else:
            out.append(f"{op}{_public(ver)}")
    spec = ",".join(out)
    SpecifierSet(spec)  # validates; raises InvalidSpecifier (a ValueError)
    return spec


def swift_specifier(bounds: Sequence[str]) -> str:
    """The PEP 440 specifier for a Swift Package Manager requirement ``[lo, hi]``,
    the half-open range ``lo..<hi``: ``>=lo,<hi``."""
    if len(bounds) != 2 or not all(isinstance(b, str) for b in bounds):
        raise ValueError(f"expected [lower, upper) version bounds, got {bounds!r}")
    lo, hi = (_public(foreign_version(b)) for b in bounds)
    return f">={lo},<{hi}"


def pod_name(raw: str) -> str:
    """The PEP 508 name of a CocoaPods pod: non-printable characters are dropped
    (resolvelib's test provider does the same: the ``"RestKit\\u0001"`` key of one
    case is a second requirement on ``RestKit``), runs of characters PEP 508 does
    not allow become ``-`` (subspec ``RestKit/Core`` -> ``restkit-core``), and the
    result is canonicalised."""
    cleaned = "".join(c for c in raw if c in string.printable)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", cleaned).strip("-._")
    if not name:
        raise ValueError(f"cannot make a package name of {raw!r}")
    return canonicalize_name(name)


def swift_name(identifier: str) -> str:
    """The PEP 508 name of a Swift package identifier (a repository URL): every
    run of non-alphanumeric characters becomes ``-``, then the result is
    canonicalised (``https://github.com/Zewo/Axis.git`` ->
    ``https-github-com-zewo-axis-git``). Scheme and host stay in the name, so the
    ``git@`` and ``https://`` spellings of one repository stay distinct packages,
    as they are for resolvelib's Swift test provider."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", identifier).strip("-")
    if not name:
        raise ValueError(f"cannot make a package name of {identifier!r}")
    return canonicalize_name(name)


# -------------------------------------------------------------- format detection


def _json_kind(data: Any) -> PeerFormat | Literal["case"] | None:
    if not isinstance(data, dict):
        return None
    if "containers" in data:
        return "swift"
    if "requested" in data:
        return "case"
    values = [v for v in data.values() if isinstance(v, (list, dict))]
    if values and all(isinstance(v, list) for v in values):
        return "cocoapods"
    if all(isinstance(v, dict) for v in values):
        return "resolvelib-python"
    return None


def _parse_any(src: _Src) -> tuple[PeerFormat | Literal["case"] | None, Any]:
    suffix = Path(src.path).suffix.lower()
    if suffix == ".ron":
        return "pubgrub", _load_ron(src)
    if suffix == ".toml":
        return "packse", _load_toml(src)
    if suffix != ".json":
        head = src.text.lstrip()[:1]
        if head == "{":
            try:
                data = json.loads(src.text)
            except json.JSONDecodeError:
                return "pubgrub", _load_ron(src)
            return _json_kind(data), data
        return "packse", _load_toml(src)
    data = _load_json(src)
    return _json_kind(data), data


def detect_format(path: PathArg) -> PeerFormat:
    """Which peer format the index file at ``path`` is in (by extension, then content)."""
    src = _read(path)
    kind, _ = _parse_any(src)
    if kind is None or kind == "case":
        raise src.error(
            "not a peer index file" if kind is None else "a case file, not an index",
            expected="a resolvelib, packse or pubgrub index (use load_case for case files)",
        )
    return kind


def load_index(path: PathArg) -> Index:
    """Load a peer index file (any format of this module) into an :class:`Index`.

    A Swift case file is its own index; a packse scenario gives its packages.
    """
    src = _read(path)
    kind, data = _parse_any(src)
    if kind == "resolvelib-python":
        return _python_index(src, data)
    if kind == "cocoapods":
        return _cocoapods_index(src, data)
    if kind == "swift":
        return _swift_index(src, data)
    if kind == "packse":
        return _scenario(src, data).index
    if kind == "pubgrub":
        return _pubgrub_index(src, data)
    raise src.error(
        "not a peer index file" if kind is None else "a case file, not an index",
        expected="a resolvelib, packse or pubgrub index (use load_case for case files)",
    )


@functools.lru_cache(maxsize=64)
def _cached_index(resolved: str) -> Index:
    return load_index(resolved)


def load_index_cached(path: PathArg) -> Index:
    """:func:`load_index`, memoised per resolved path for the life of the process
    (the last 64 files): a later change to the file is not seen."""
    return _cached_index(os.path.realpath(os.fspath(path)))


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


# ------------------------------------------------------------------- pubgrub


def _load_ron(src: _Src) -> Any:
    from compatlib.index.ron import loads

    return loads(src.text, source=src.path)


def _ron_version(value: Any) -> str | None:
    """A pubgrub version: an integer (``NumberVersion``, ``u16``) or a tuple of
    integers (``SemanticVersion``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return str(value)
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value)
    ):
        return ".".join(str(x) for x in value)
    return None


def _ron_order(key: Any) -> tuple[int, Any]:
    """Sort key for RON map keys: integers numerically, anything else by repr."""
    if isinstance(key, int) and not isinstance(key, bool):
        return (0, key)
    return (1, repr(key))


def _ron_bound(value: Any, lower: bool) -> str | None:
    """One bound of a segment as a PEP 440 clause ('' for unbounded); None if bad.

    Two encodings: ``(lo, Some(hi))``/``(lo, None)`` (lower included, upper
    excluded) and ``(Included(v)|Excluded(v)|Unbounded, ...)``.
    """
    from compatlib.index.ron import RonVariant

    if isinstance(value, RonVariant):
        if value.name in ("Unbounded", "None") and not value.values:
            return ""
        if len(value.values) != 1:
            return None
        v = _ron_version(value.values[0])
        if v is None:
            return None
        if value.name == "Some":
            return f"<{v}" if not lower else None
        if value.name == "Included":
            return f">={v}" if lower else f"<={v}"
        if value.name == "Excluded":
            return f">{v}" if lower else f"<{v}"
        return None
    v = _ron_version(value)
    if v is None or not lower:
        return None
    return f">={v}"


_EMPTY_SPECIFIER = ">0,<0"
"""pubgrub's empty range (a dependency allowing no version); PEP 440 has no word
for the empty set, and no version is both above and below 0."""


def _pubgrub_index(src: _Src, data: Any) -> Index:
    if not isinstance(data, dict):
        raise src.error("expected a map of package -> version -> dependencies", pos=0)

    def err(
        message: str, field: str, keys: Sequence[Any], expected: str | None = None
    ) -> InputError:
        # best effort: each key followed by ':' after the previous one
        parts = [rf"(?<![\w.]){re.escape(str(k))}\s*:" for k in keys]
        parts[-1] = f"({parts[-1]})"
        pattern = r"[\s\S]*?".join(parts)
        return src.error(message, field=field, pos=src.locate_re(pattern), expected=expected)

    packages: dict[str, list[IndexRelease]] = {}
    for pkg in sorted(data, key=_ron_order):
        name = _ron_version(pkg)  # package ids are integers too
        versions = data[pkg]
        if name is None or not isinstance(pkg, int) or not isinstance(versions, dict):
            raise err(f"bad package entry {pkg!r}", str(pkg), [pkg],
                      expected="integer package -> {version: {dependency: [ranges]}}")  # fmt: skip
        releases = []
        for ver in sorted(versions, key=_ron_order):
            version = _ron_version(ver)
            deps = versions[ver]
            field = f"{pkg}.{ver}"
            if version is None or not isinstance(deps, dict):
                raise err(f"package {pkg}: bad version entry {ver!r}", field, [pkg, ver],
                          expected="integer version -> {dependency: [ranges]}")  # fmt: skip
            requires = []
            for dep in sorted(deps, key=_ron_order):
                ranges = deps[dep]
                dfield = f"{field}.{dep}"
                if (
                    not isinstance(dep, int)
                    or isinstance(dep, bool)
                    or not isinstance(ranges, list)
                ):
                    raise err(
                        f"package {pkg} {ver}: bad dependency {dep!r}", dfield, [pkg, ver, dep]
                    )
                if not ranges:
                    spec = _EMPTY_SPECIFIER
                elif len(ranges) > 1:
                    raise err(
                        f"package {pkg} {ver}: dependency {dep} allows a union of"
                        f" {len(ranges)} ranges, which one PEP 440 specifier cannot express",
                        dfield,
                        [pkg, ver, dep],
                        expected="at most one range per dependency",
                    )
                else:
                    seg = ranges[0]
                    lo = hi = None
                    if isinstance(seg, tuple) and len(seg) == 2:
                        lo, hi = _ron_bound(seg[0], True), _ron_bound(seg[1], False)
                    if lo is None or hi is None:
                        raise err(f"package {pkg} {ver}: bad range for dependency {dep}",
                                  dfield, [pkg, ver, dep],
                                  expected="(lo, Some(hi)), (lo, None) or (Included|Excluded|Unbounded, ...)")  # fmt: skip
                    spec = ",".join(c for c in (lo, hi) if c)
                requires.append(f"{dep}{spec}")
            releases.append(IndexRelease(version=version, requires=tuple(requires)))
        packages[name] = releases
    return Index(packages, source=src.path)


# ------------------------------------------------------------------- packse


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass(frozen=True)
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

    def section(key: str, required: bool = False) -> dict[str, Any]:
        pos = src.locate_re(rf"^\[{re.escape(key)}\]")
        if key not in data:
            if required:
                raise src.error(f"missing [{key}] table", field=key)
            return {}
        return _check_keys(src, data[key], key, key, pos)

    name = data.get("name")
    if not isinstance(name, str):
        raise src.error("missing scenario name", field="name", pos=src.locate_re(r"^name\s*="))
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise src.error("expected a string", field="description")

    root = section("root", required=True)
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

    expected = section("expected", required=True)
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
        packages[pkg] = releases

    environment = section("environment")
    resolver_options = section("resolver_options")
    testgen = section("testgen")
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


def load_scenario(path: PathArg) -> Scenario:
    """Load a uv packse scenario (TOML)."""
    src = _read(path)
    return _scenario(src, _load_toml(src))


# --------------------------------------------------------------------- cases


def _empty_mapping() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
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
        for name, value in raw.items():
            entry = value if isinstance(value, dict) else {"version": value}
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


def load_case(path: PathArg) -> Case:
    """Load a resolvelib case file (Python, CocoaPods or Swift suite)."""
    src = _read(path)
    data = _load_json(src)
    if isinstance(data, dict) and "containers" in data:
        return _swift_case(src, data)
    if isinstance(data, dict) and isinstance(data.get("requested"), dict):
        return _cocoapods_case(src, data)
    if isinstance(data, dict) and isinstance(data.get("requested"), list):
        return _python_case(src, data)
    raise src.error(
        "not a resolvelib case file",
        field="requested",
        expected="an object with 'requested' (list or object) or 'containers'",
    )
