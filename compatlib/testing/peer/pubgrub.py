"""pubgrub's RON registry dumps (integer packages and versions, ranges as
segments) into an :class:`Index`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from compatlib.errors import InputError
from compatlib.sources.memory import Index, IndexRelease
from compatlib.testing.peer._source import _Src

__all__: list[str] = []


def _load_ron(src: _Src) -> Any:
    # lazy: only _load_ron needs compatlib.testing.ron, which loads 1 module that importing this one does not
    from compatlib.testing.ron import loads

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
    # lazy: only _ron_bound needs compatlib.testing.ron, which loads 1 module that importing this one does not
    from compatlib.testing.ron import RonVariant

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
