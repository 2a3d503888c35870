"""Read a lock back from any format ``compatlib lock`` writes.

A lock written earlier is the starting point of the next run: ``compatlib lock
-o FILE`` prefers its pins (minimal updates), ``--check`` compares its inputs
hash, ``--locked`` and the change report compare its packages. Each format
keeps a different part of the :class:`~compatlib.lock.model.Lock`:

========================  =====================================================
format                    read back
========================  =====================================================
``json``                  everything
``requirements``          name, version, hashes (of every platform's file of
                          that version), platforms (from the markers and the
                          header's targets), URL for ``name @ url`` lines; the
                          inputs hash, recipe and digests
``pylock``                name, version, each platform's file (the best wheel
                          for its tags, else the sdist) with URL and hashes,
                          markers; ``[tool.compatlib]``: inputs hash, recipe,
                          digests, targets
``conda-lock``            every field but the build string's own record (read
                          from the file name) and markers (it has none); the
                          inputs hash, recipe, digests and targets' Pythons
                          from ``content_hash`` and ``custom_metadata``
``explicit``              conda URL, md5, name, version, build (from the file
                          name), pip ``# pip`` lines; the inputs hash
``environment``           name, version (and conda build) of each package, no
                          URL or hash; the inputs hash from its header
========================  =====================================================

The inputs themselves (requirements, sources, targets...) are only in a JSON
lock; the other formats record their digests, so a stale check names the input
that changed but not how. Files that another tool wrote (a ``pylock.toml``
without ``[tool.compatlib]``, a conda-lock file without ``custom_metadata``)
read as far as they go: their pins are still preferred.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from compatlib._input import load_json, load_toml, load_yaml, read_text
from compatlib.errors import InputError
from compatlib.lock.model import Lock, LockedPackage, lock_from_dict
from compatlib.lock.render import platform_marker
from compatlib.lock.validate import check_lock
from compatlib.values.urls import url_filename

__all__ = ["READ_FORMATS", "detect_format", "parse_lock", "read_lock_file"]

READ_FORMATS = ("json", "requirements", "pylock", "conda-lock", "explicit", "environment")
"""The formats :func:`parse_lock` reads: every ``--format`` of ``compatlib lock``."""

_INPUTS_LINE = re.compile(r"#\s*inputs:\s*recipe\s+(\d+);\s*(.*)")
_DIGEST = re.compile(r"([a-z_]{1,40})=([0-9a-f]{16,64})")
_SHA256_LINE = re.compile(r"#\s*(?:inputs sha256|input_hash):\s*([0-9a-f]{64})\s*")
_TARGET_TEXT = re.compile(r"([a-z0-9]+-[a-z0-9_]+) \(Python ([0-9.]+)\)")


def read_lock_file(path: str | os.PathLike[str], *, fmt: str | None = None) -> Lock:
    """The lock in file ``path``, in any of :data:`READ_FORMATS` (``fmt``, or
    found from the text and the file name: :func:`detect_format`); errors are
    :class:`~compatlib.errors.InputError` naming the file."""
    where = os.fspath(path)
    text = read_text(where, what="lock file")
    return parse_lock(text, source=where, fmt=fmt)


def detect_format(text: str, name: str = "") -> str:
    """Which of :data:`READ_FORMATS` ``text`` is written in (``name``: the file
    name, a hint for YAML files)."""
    head = text.lstrip()
    if head.startswith("{"):
        return "json"
    if re.search(r"(?m)^lock-version\s*=", text):
        return "pylock"
    if re.search(r"(?m)^@EXPLICIT\s*$", text):
        return "explicit"
    if re.search(r"(?m)^package:\s*$", text) and re.search(r"(?m)^version:\s*1\s*$", text):
        return "conda-lock"
    if re.search(r"(?m)^dependencies:\s*$", text) or name.endswith((".yml", ".yaml")):
        return "environment"
    return "requirements"


def parse_lock(text: str, *, source: str = "<lock>", fmt: str | None = None) -> Lock:
    """A :class:`~compatlib.lock.model.Lock` from the text of a lock file in
    ``fmt`` (one of :data:`READ_FORMATS`; ``None``: :func:`detect_format`). Only
    what the format holds comes back (see the module's table); every field is
    checked as a lock read from JSON is."""
    kind = fmt or detect_format(text, source)
    if kind == "json":
        return _json(text, source)
    readers = {
        "requirements": _requirements,
        "pylock": _pylock,
        "conda-lock": _conda_lock,
        "explicit": _explicit,
        "environment": _environment,
    }
    reader = readers.get(kind)
    if reader is None:
        raise InputError(
            f"unknown lock format {kind!r}", field="format", expected=", ".join(READ_FORMATS)
        )
    lock = reader(text, source)
    check_lock(lock, source=source)
    return lock


def _json(text: str, source: str) -> Lock:
    data = load_json(
        text,
        source=source,
        expected="the JSON written by compatlib lock --format json",
        what="not a JSON lock",
    )
    return lock_from_dict(data, source=source)


# -- shared helpers -------------------------------------------------------------------


def _inputs_metadata(lines: Iterable[str]) -> dict[str, Any]:
    """``inputs_sha256``, ``inputs_hash_version`` and ``inputs_digests`` from
    the comment lines the text renderings write."""
    out: dict[str, Any] = {}
    for raw in lines:
        line = raw.strip()
        m = _SHA256_LINE.fullmatch(line)
        if m is not None:
            out["inputs_sha256"] = m.group(1)
            continue
        m = _INPUTS_LINE.fullmatch(line)
        if m is not None:
            out["inputs_hash_version"] = int(m.group(1))
            out["inputs_digests"] = dict(_DIGEST.findall(m.group(2)))
    if "inputs_sha256" in out and "inputs_hash_version" not in out:
        out["inputs_hash_version"] = 1  # written before the recipe was recorded
    return out


def _bad(source: str, field: str, expected: str, message: str | None = None) -> InputError:
    return InputError(
        message or f"malformed lock: {field}", source=source, field=field, expected=expected
    )


def _environment_of(platform: str, python: str) -> dict[str, str]:
    from compatlib.values.target import Target  # lazy: packaging's version parser

    return dict(Target(python=python, platform=platform).marker_environment())


def _mentions_python(marker: str) -> bool:
    return "python_version" in marker or "python_full_version" in marker


#: Pythons a universal lock's marker is tried at to tell on which platform it holds
_PYTHONS = [f"3.{minor}.{patch}" for minor in range(0, 40) for patch in (0, 99)]


def _placed(
    marker: str | None, targets: list[tuple[str, str]], source: str
) -> list[tuple[str, str | None]]:
    """``(platform, marker)`` for each target platform a rendered marker holds
    on: a marker naming only the platform is resolved and dropped; one naming
    the Python (a universal lock's) is kept whole, on every platform where it
    holds for some Python (it still evaluates right on that platform)."""
    if marker is None:
        return [(platform, None) for platform, _ in targets]
    # lazy: markers are rare
    from compatlib.values.pep508 import (
        InvalidMarker,
        Marker,
        UndefinedComparison,
        UndefinedEnvironmentName,
    )

    try:
        parsed = Marker(marker)
    except InvalidMarker as exc:
        raise _bad(source, "marker", f"a PEP 508 marker ({exc})") from None

    def holds(env: dict[str, str]) -> bool:
        try:
            return bool(parsed.evaluate(env))
        except (UndefinedComparison, UndefinedEnvironmentName) as exc:
            raise _bad(source, "marker", f"a marker that can be evaluated ({exc})") from None

    out: list[tuple[str, str | None]] = []
    python_too = _mentions_python(marker)
    for platform, python in targets:
        env = _environment_of(platform, python)
        if not python_too:
            if holds(env):
                out.append((platform, None))
            continue
        for full in _PYTHONS:
            minor = ".".join(full.split(".")[:2])
            if holds({**env, "python_version": minor, "python_full_version": full}):
                out.append((platform, marker))
                break
    return out


def _wheel_version(filename: str) -> str | None:
    from compatlib.values.filenames import parse_dist_filename  # lazy: packaging's parsers

    parsed = parse_dist_filename(filename)
    return str(parsed.version) if parsed is not None else None


# -- requirements.txt -----------------------------------------------------------------


def _logical_lines(text: str) -> list[str]:
    """Lines with ``\\`` continuations joined."""
    out: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        out.append(pending + raw)
        pending = ""
    if pending:
        out.append(pending)
    return out


_PIN = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==\s*(\S+)|@\s*(\S+))\s*")


def _pip_pin(text: str) -> tuple[str, str, str, str | None] | None:
    """``(name, version, url, filename)`` of a pip line compatlib writes,
    ``name==version`` or ``name @ url`` (the version from the file name; ``""``
    when that is not a wheel's or sdist's); ``None`` for any other line."""
    m = _PIN.fullmatch(text)
    if m is None:
        return None
    name, version, url = m.group(1), m.group(2), m.group(3) or ""
    filename = url_filename(url) if url else None
    if version is None:
        version = _wheel_version(filename or "") or ""
    return name, version, url, filename


def _header_targets(lines: Iterable[str]) -> list[tuple[str, str]]:
    """``(platform, python)`` from the ``# compatlib lock for linux-64 (Python
    3.11), ...`` header."""
    for line in lines:
        if line.startswith("# compatlib lock for "):
            return _TARGET_TEXT.findall(line)
    return []


def _requirements(text: str, source: str) -> Lock:
    lines = _logical_lines(text)
    comments = [line for line in lines if line.lstrip().startswith("#")]
    targets = _header_targets(comments)
    if not targets:
        raise _bad(
            source,
            "header",
            "the '# compatlib lock for PLATFORM (Python X.Y)' line compatlib writes",
            "not a requirements file written by compatlib lock (no targets in its header)",
        )
    packages: list[LockedPackage] = []
    for number, line in enumerate(lines, 1):
        body = line.split(" #", 1)[0].strip()
        if not body or body.startswith(("#", "-")):
            continue
        hashes = re.findall(r"--hash=([a-z0-9]+):([0-9a-f]+)", body)
        body = re.sub(r"\s*--hash=\S+", "", body).strip()
        head, _, marker_text = body.partition(";")
        marker = marker_text.strip() or None
        pin = _pip_pin(head)
        if pin is None:
            raise _bad(source, f"line {number}", "name==version or name @ url", None)
        name, version, url, filename = pin
        if not version:
            raise _bad(source, f"line {number}", "a URL to a wheel or sdist")
        for platform, where in _placed(marker, targets, source):
            packages.append(
                LockedPackage(
                    name=name,
                    version=version,
                    manager="pip",
                    platform=platform,
                    url=url,
                    hashes=tuple(sorted(set(hashes))),
                    filename=filename,
                    marker=where,
                )
            )
    metadata = _inputs_metadata(comments)
    metadata["targets"] = [{"platform": p, "python": v} for p, v in targets]
    return Lock.of(_unique(packages), metadata=metadata)


def _unique(packages: Iterable[LockedPackage]) -> list[LockedPackage]:
    """One package per (platform, manager, name, marker, version), the first."""
    seen: dict[tuple[str, str, str, str, str], LockedPackage] = {}
    for p in packages:
        seen.setdefault((*p.key, p.marker or "", p.version), p)
    return list(seen.values())


# -- pylock.toml ----------------------------------------------------------------------


def _pylock_targets(data: Mapping[str, Any], source: str) -> list[tuple[str, str]]:
    """The targets from ``[tool.compatlib]``, else from ``environments`` (the
    platform markers compatlib writes) and ``requires-python``."""
    from compatlib.values.target import PLATFORMS  # lazy: packaging's version parser

    tool = data.get("tool", {})
    mine = tool.get("compatlib", {}) if isinstance(tool, dict) else {}
    listed = mine.get("targets") if isinstance(mine, dict) else None
    if isinstance(listed, list):
        out = [
            (str(t["platform"]), str(t["python"]))
            for t in listed
            if isinstance(t, dict) and isinstance(t.get("platform"), str) and t.get("python")
        ]
        if out:
            return out
    requires = str(data.get("requires-python") or "")
    m = re.search(r"(\d+\.\d+)", requires)
    python = m.group(1) if m else "3.12"
    by_marker = {platform_marker(p): p for p in PLATFORMS}
    environments = data.get("environments") or []
    platforms = [by_marker[e] for e in environments if isinstance(e, str) and e in by_marker]
    if not platforms:
        raise _bad(
            source,
            "environments",
            "the platform markers compatlib writes, or [tool.compatlib] targets",
            "cannot tell which platforms this pylock.toml is for",
        )
    return [(p, python) for p in platforms]


def _pylock_file(
    entry: Mapping[str, Any], platform: str, python: str
) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """``(filename, url, hashes)`` of the file of a package entry that
    ``platform`` and ``python`` install: the best wheel for their tags, else
    the sdist."""
    # lazy: wheel tags and packaging's parsers, for pylock files only
    from compatlib.values.filenames import parse_dist_filename
    from compatlib.values.tags import TagRanker
    from compatlib.values.target import Target

    ranker = TagRanker.for_target(Target(python=python, platform=platform))
    best: tuple[int, Mapping[str, Any]] | None = None
    for wheel in entry.get("wheels") or []:
        if not isinstance(wheel, dict):
            continue
        name = str(wheel.get("name") or url_filename(str(wheel.get("url", ""))))
        parsed = parse_dist_filename(name)
        rank = ranker.rank(parsed.tags) if parsed is not None else None
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, wheel)
    chosen = best[1] if best is not None else entry.get("sdist")
    if not isinstance(chosen, dict):
        return None
    url = str(chosen.get("url") or "")
    name = str(chosen.get("name") or url_filename(url))
    raw = chosen.get("hashes") or {}
    hashes = (
        tuple(sorted((str(a), str(d)) for a, d in raw.items())) if isinstance(raw, dict) else ()
    )
    return name, url, hashes


def _pylock(text: str, source: str) -> Lock:
    data = load_toml(text, source=source, expected="a PEP 751 pylock.toml")
    targets = _pylock_targets(data, source)
    python_of = dict(targets)
    packages: list[LockedPackage] = []
    raw = data.get("packages") or []
    if not isinstance(raw, list):
        raise _bad(source, "packages", "an array of tables")
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise _bad(source, f"packages[{i}]", "a table with a name")
        version = entry.get("version")
        if not isinstance(version, str):
            raise _bad(source, f"packages[{i}].version", "a version (compatlib writes one)")
        marker = entry.get("marker")
        for platform, where in _placed(
            marker if isinstance(marker, str) else None, targets, source
        ):
            found = _pylock_file(entry, platform, python_of[platform])
            if found is None:
                continue  # no file for this platform: not installed there
            filename, url, hashes = found
            packages.append(
                LockedPackage(
                    name=entry["name"],
                    version=version,
                    manager="pip",
                    platform=platform,
                    url=url,
                    hashes=hashes,
                    filename=filename,
                    marker=where,
                )
            )
    metadata: dict[str, Any] = {"targets": [{"platform": p, "python": v} for p, v in targets]}
    tool = data.get("tool", {})
    mine = tool.get("compatlib", {}) if isinstance(tool, dict) else {}
    if isinstance(mine, dict):
        if isinstance(mine.get("inputs-sha256"), str):
            metadata["inputs_sha256"] = mine["inputs-sha256"]
        if isinstance(mine.get("inputs-hash-version"), int):
            metadata["inputs_hash_version"] = mine["inputs-hash-version"]
        digests = mine.get("inputs-digests")
        if isinstance(digests, dict):
            metadata["inputs_digests"] = {str(k): str(v) for k, v in digests.items()}
    return Lock.of(_unique(packages), metadata=metadata)


# -- conda-lock.yml -------------------------------------------------------------------


def _conda_build(filename: str, name: str, version: str) -> str | None:
    """The build string of a conda file name ``name-version-build.conda``."""
    stem = filename.removesuffix(".conda").removesuffix(".tar.bz2")
    prefix = f"{name}-{version}-"
    return stem[len(prefix) :] if stem.startswith(prefix) and stem != filename else None


def _conda_lock(text: str, source: str) -> Lock:
    data = load_yaml(text, source=source)
    if not isinstance(data, dict) or not isinstance(data.get("package"), list):
        raise _bad(source, "package", "conda-lock.yml (version 1) with a package list")
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    custom = meta.get("custom_metadata") if isinstance(meta.get("custom_metadata"), dict) else {}
    assert isinstance(custom, dict)
    packages: list[LockedPackage] = []
    for i, item in enumerate(data["package"]):
        where = f"package[{i}]"
        if not isinstance(item, dict):
            raise _bad(source, where, "a mapping")
        fields = {k: item.get(k) for k in ("name", "version", "manager", "platform", "url")}
        if not all(isinstance(v, str) for v in fields.values()):
            raise _bad(source, where, "name, version, manager, platform and url strings")
        hashes = item.get("hash") if isinstance(item.get("hash"), dict) else {}
        assert isinstance(hashes, dict)
        deps = item.get("dependencies") if isinstance(item.get("dependencies"), dict) else {}
        assert isinstance(deps, dict)
        filename = url_filename(str(fields["url"]))
        manager = str(fields["manager"])
        packages.append(
            LockedPackage(
                name=str(fields["name"]),
                version=str(fields["version"]),
                manager=manager,
                platform=str(fields["platform"]),
                url=str(fields["url"]),
                hashes=tuple(sorted((str(a), str(d)) for a, d in hashes.items())),
                build=(
                    _conda_build(filename, str(fields["name"]), str(fields["version"]))
                    if manager == "conda"
                    else None
                ),
                filename=filename,
                dependencies=tuple(sorted((str(k), str(v)) for k, v in deps.items())),
                category=str(item.get("category") or "main"),
            )
        )
    metadata: dict[str, Any] = {}
    content = meta.get("content_hash")
    if isinstance(content, dict):
        values = {str(v) for v in content.values()}
        if len(values) == 1 and re.fullmatch(r"[0-9a-f]{64}", next(iter(values))):
            metadata["inputs_sha256"] = values.pop()
    version = str(custom.get("compatlib.inputs_hash_version", ""))
    if version.isdigit():
        metadata["inputs_hash_version"] = int(version)
        prefix = "compatlib.inputs_digests."
        metadata["inputs_digests"] = {
            str(k)[len(prefix) :]: str(v) for k, v in custom.items() if str(k).startswith(prefix)
        }
    elif "inputs_sha256" in metadata:
        metadata["inputs_hash_version"] = 1
    targets = [
        {"platform": p, "python": v}
        for p, _, v in (t.partition("=") for t in str(custom.get("compatlib.targets", "")).split())
    ]
    platforms = [str(p) for p in meta.get("platforms") or []]
    listed = {t["platform"] for t in targets}
    targets += [{"platform": p} for p in platforms if p not in listed]
    if targets:
        metadata["targets"] = targets
    channels = [c.get("url") for c in meta.get("channels") or [] if isinstance(c, dict)]
    if channels:
        metadata["channels"] = [str(c) for c in channels if c]
    return Lock.of(packages, metadata=metadata)


# -- conda explicit files -------------------------------------------------------------


def _explicit(text: str, source: str) -> Lock:
    lines = text.splitlines()
    platform = next(
        (m.group(1) for line in lines if (m := re.fullmatch(r"#\s*platform:\s*(\S+)\s*", line))),
        None,
    )
    if platform is None:
        raise _bad(source, "platform", "the '# platform: SUBDIR' line compatlib writes")
    packages: list[LockedPackage] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        pip = re.fullmatch(r"#\s*pip\s+(\S+)\s*@\s*(\S+?)(?:#sha256=([0-9a-f]{64}))?", line)
        if pip is not None:
            name, url, digest = pip.groups()
            filename = url_filename(url)
            version = _wheel_version(filename)
            if version is None:
                raise _bad(source, f"line {number}", "a pip line with a wheel or sdist URL")
            packages.append(
                LockedPackage(
                    name=name,
                    version=version,
                    manager="pip",
                    platform=platform,
                    url=url,
                    hashes=(("sha256", digest),) if digest else (),
                    filename=filename,
                )
            )
            continue
        if not line or line.startswith(("#", "@")):
            continue
        url, _, md5 = line.partition("#")
        filename = url_filename(url)
        parts = filename.removesuffix(".conda").removesuffix(".tar.bz2").rsplit("-", 2)
        if len(parts) != 3 or filename == parts[-1]:
            raise _bad(source, f"line {number}", "a conda package URL (name-version-build)")
        name, version, build = parts
        packages.append(
            LockedPackage(
                name=name,
                version=version,
                manager="conda",
                platform=platform,
                url=url,
                hashes=(("md5", md5),) if md5 else (),
                build=build,
                filename=filename,
            )
        )
    metadata = _inputs_metadata(line for line in lines if line.startswith("#"))
    metadata["targets"] = [{"platform": platform}]
    return Lock.of(packages, metadata=metadata)


# -- environment.yml ------------------------------------------------------------------


def _environment(text: str, source: str) -> Lock:
    lines = text.splitlines()
    platform = next(
        (
            m.group(1)
            for line in lines
            if (m := re.fullmatch(r"#\s*compatlib lock for\s+(\S+)\s*", line))
        ),
        None,
    )
    if platform is None:
        raise _bad(
            source,
            "header",
            "the '# compatlib lock for SUBDIR' line compatlib writes",
            "not an environment.yml written by compatlib lock (no platform in its header)",
        )
    data = load_yaml(text, source=source)
    deps = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(deps, list):
        raise _bad(source, "dependencies", "a list of pins")
    packages: list[LockedPackage] = []
    for item in deps:
        if isinstance(item, dict):
            for line in item.get("pip") or []:
                hashes = re.findall(r"--hash=([a-z0-9]+):([0-9a-f]+)", str(line))
                pin = _pip_pin(re.sub(r"\s*--hash=\S+", "", str(line)).partition(";")[0])
                if pin is None:
                    continue  # a source option line (--index-url, --find-links)
                name, version, url, filename = pin
                if not version:
                    raise _bad(source, "dependencies", "a pip line with a wheel or sdist URL")
                packages.append(
                    LockedPackage(
                        name=name,
                        version=version,
                        manager="pip",
                        platform=platform,
                        url=url,
                        hashes=tuple(sorted(hashes)),
                        filename=filename,
                    )
                )
            continue
        parts = str(item).split("=")
        if len(parts) < 2 or (parts[0] in ("python", "pip") and len(parts) == 2):
            continue  # python=X.Y and pip of a pip-only lock: not locked packages
        packages.append(
            LockedPackage(
                name=parts[0],
                version=parts[1],
                manager="conda",
                platform=platform,
                build=parts[2] if len(parts) > 2 else None,
            )
        )
    metadata = _inputs_metadata(line for line in lines if line.startswith("#"))
    metadata["targets"] = [{"platform": platform}]
    return Lock.of(packages, metadata=metadata)
