"""Build ``data/snapshot/pypi.json``: an offline snapshot of real package metadata.

This is a maintainer tool, not part of the library. It reads a simple index
(PEP 503/691; ``file://``, ``http://`` or ``https://``) with
:class:`compatlib.sources.pypi.PyPIRepository`, follows the dependencies of a list
of root requirements, and writes every package of the closure with its newest
versions: ``Requires-Dist``, ``Requires-Python``, ``Provides-Extra`` and the
files a resolver may pick (filename, URL, sha256, size).

What is kept:

* **Targets**: CPython 3.10-3.13 on ``linux-64``, ``osx-arm64`` and ``win-64``
  (``--python``/``--platform`` change this). A file is kept when some target
  can install it: a wheel with a tag one of them accepts (any manylinux glibc,
  macOS up to 26), or an sdist.
* **Dependencies**: a requirement is followed when its marker holds for at
  least one target, with the extras asked of its package (root extras
  included). Requirements of extras nobody asks for are recorded, not followed.
* **Versions**: per package the ``--versions`` newest final releases that have
  a kept file and are not yanked, plus, for every requirement met along the way,
  the newest version that satisfies it (so ``numpy<2`` somewhere pulls in a 1.x
  release). This is a least fixpoint, so the result does not depend on order.
* Packages the index does not have are listed under ``missing`` with who asks.

The output is deterministic for the same index contents, arguments and
``--date``: keys and lists are sorted and nothing records time or host.

File URLs are the index's own (credentials removed). A local mirror of PyPI
serves ``file://`` URLs that mean nothing elsewhere; with ``--pypi-mirror`` the
script computes each local file's BLAKE2b-256 and writes the URL PyPI stores
it under (``https://files.pythonhosted.org/packages/<b2[:2]>/<b2[2:4]>/<b2[4:]>/<filename>``,
the layout of PyPI's file store, checked against PyPI's own index pages for
requests and numpy wheels). Use it only for a mirror of real PyPI files: the
derived URL is right exactly when the bytes are PyPI's (the sha256 pins them).

Examples::

    # the shipped snapshot: this machine's PyPI mirror
    python data/build/build_snapshot.py --pypi-mirror --date 2026-11-27

    # from PyPI itself (network), same roots
    python data/build/build_snapshot.py --index https://pypi.org/simple

    # a different selection, printed instead of written
    python data/build/build_snapshot.py --output - requests "pyyaml>=6"
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from compatlib._values import replace

__all__ = [
    "DEFAULT_REQUIREMENTS",
    "GENERATOR_VERSION",
    "Snapshot",
    "build",
    "default_indexes",
    "main",
    "render",
]

#: Bumped whenever the output for the same inputs changes.
GENERATOR_VERSION = "1"
GENERATOR = "data/build/build_snapshot.py"
SCHEMA = 1

#: The roots of the shipped snapshot: a small ML-flavoured selection.
DEFAULT_REQUIREMENTS: tuple[str, ...] = (
    "accelerate",
    "datasets",
    "einops",
    "flax",
    "huggingface-hub",
    "jax",
    "keras",
    "lightgbm",
    "lightning",
    "matplotlib",
    "numpy",
    "onnx",
    "onnxruntime",
    "opencv-python-headless",
    "optax",
    "optuna",
    "pandas",
    "peft",
    "polars",
    "pyarrow",
    "pyyaml",
    "requests",
    "safetensors",
    "scikit-learn",
    "scipy",
    "seaborn",
    "sentence-transformers",
    "statsmodels",
    "tensorboard",
    "timm",
    "tokenizers",
    "torch",
    "torchvision",
    "tqdm",
    "transformers",
    "xarray",
)

DEFAULT_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
DEFAULT_PLATFORMS = ("linux-64", "osx-arm64", "win-64")
_LOCAL_MIRRORS = ("/opt/pypi/simple", "/opt/pypi-more/simple")
_PYPI = "https://pypi.org/simple"
_FILES_HOST = "https://files.pythonhosted.org/packages"
_ANY_GLIBC = "2.50"  # keep every manylinux wheel; a solve's target decides later
_NEWEST_MACOS = "26.0"


def default_indexes() -> list[str]:
    """This machine's local PyPI mirror when present, else PyPI."""
    local = [Path(p).as_uri() for p in _LOCAL_MIRRORS if Path(p).is_dir()]
    return local or [_PYPI]


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


@dataclass
class _Package:
    name: str
    releases: dict[str, Any] = field(default_factory=dict)  # version -> IndexRelease
    failed: dict[str, str] = field(default_factory=dict)  # version -> why metadata failed
    wanted: set[str] = field(default_factory=set)  # versions selected so far
    extras: set[str] = field(default_factory=set)  # extras asked of the package
    available: list[Version] = field(default_factory=list)  # usable versions, oldest first
    yanked: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Snapshot:
    """The result of :func:`build`, before rendering."""

    header: dict[str, Any]
    packages: dict[str, list[dict[str, Any]]]


class _Builder:
    def __init__(
        self,
        indexes: Sequence[str],
        *,
        pythons: Sequence[str],
        platforms: Sequence[str],
        versions: int,
        pypi_mirror: bool,
        cache_dir: str | None,
        offline: bool,
        find_links: Sequence[tuple[str, str]] = (),
    ) -> None:
        from compatlib.sources.pypi import PyPIRepository
        from compatlib.values.tags import DEFAULT_MACOS, TagRanker, target_tags
        from compatlib.values.target import Target

        self.targets = [Target(python=py, platform=p) for p in platforms for py in pythons]
        self.environments = [t.marker_environment() for t in self.targets]
        tags: list[Any] = []
        seen: set[Any] = set()
        for t in self.targets:
            wide = replace(t, glibc=_ANY_GLIBC)
            macos = _NEWEST_MACOS if t.subdir.startswith("osx") else DEFAULT_MACOS
            for tag in target_tags(wide, macos=macos):
                if tag not in seen:
                    seen.add(tag)
                    tags.append(tag)
        from compatlib.values.urls import path_to_url

        #: (file URL prefix of a find-links folder, the index its files come from)
        self.find_links = [
            (path_to_url(folder).rstrip("/") + "/", base.rstrip("/")) for folder, base in find_links
        ]
        self.repo = PyPIRepository(
            list(indexes),
            [folder for folder, _ in find_links],
            target=self.targets[0],
            strategy="best-match",
            cache_dir=cache_dir,
            offline=offline,
            progress=False,
        )
        # One repository for every target: rank wheels by the union of their tags.
        self.repo.ranker = TagRanker(tags)
        self.versions = versions
        self.pypi_mirror = pypi_mirror
        self.packages: dict[str, _Package] = {}
        self.missing: dict[str, set[str]] = {}
        #: name -> version -> Requires-Dist strings that do not parse (not followed)
        self.invalid: dict[str, dict[str, list[str]]] = {}
        self._b2: dict[str, str] = {}

    # -- closure --------------------------------------------------------------------

    def _package(self, name: str) -> _Package | None:
        if name in self.missing:
            return None
        pkg = self.packages.get(name)
        if pkg is not None:
            return pkg
        # 404/410 pages read as "no files"; a network or server error is raised
        listed = self.repo.versions(name)
        if not listed:
            return None
        pkg = _Package(name)
        for text in listed:
            try:
                pkg.available.append(Version(text))
            except InvalidVersion:
                continue
            if self.repo.is_yanked(name, text):
                pkg.yanked.add(text)
        pkg.available.sort()
        finals = [v for v in pkg.available if not v.is_prerelease and str(v) not in pkg.yanked]
        pool = finals or [v for v in pkg.available if str(v) not in pkg.yanked] or pkg.available
        pkg.wanted.update(str(v) for v in pool[-self.versions :])
        self.packages[name] = pkg
        return pkg

    def _want(self, requirement: Requirement, by: str) -> None:
        name = canonicalize_name(requirement.name)
        pkg = self._package(name)
        if pkg is None:
            self.missing.setdefault(name, set()).add(by)
            return
        pkg.extras.update(canonicalize_name(e) for e in requirement.extras)
        if requirement.url:
            return
        spec = requirement.specifier
        matching = [
            v
            for v in pkg.available
            if str(v) not in pkg.yanked and spec.contains(v, prereleases=False)
        ]
        if not matching:
            matching = [v for v in pkg.available if spec.contains(v, prereleases=True)]
        if matching:
            pkg.wanted.add(str(matching[-1]))

    def _active(self, marker: Marker | None, extras: Iterable[str | None]) -> bool:
        if marker is None:
            return True
        for env in self.environments:
            for extra in extras:
                if marker.evaluate({**env, "extra": extra or ""}):
                    return True
        return False

    def close_over(self, roots: Sequence[Requirement]) -> None:
        from compatlib.errors import CompatError

        for req in roots:
            if self._active(req.marker, [None]):
                self._want(req, "<request>")
        done: set[tuple[str, str, frozenset[str]]] = set()
        while True:
            todo = sorted(
                (name, version, frozenset(pkg.extras))
                for name, pkg in self.packages.items()
                for version in pkg.wanted
                if (name, version, frozenset(pkg.extras)) not in done
            )
            if not todo:
                break
            for name, version, extras in todo:
                done.add((name, version, extras))
                pkg = self.packages[name]
                rel = pkg.releases.get(version)
                if rel is None and version not in pkg.failed:
                    try:
                        rel = self.repo.release(name, version)
                    except CompatError as exc:
                        pkg.failed[version] = str(exc)
                        continue
                    pkg.releases[version] = rel
                if rel is None:
                    continue
                asked: list[str | None] = [None, *sorted(extras)]
                for text in rel.requires:
                    try:
                        req = Requirement(text)
                    except InvalidRequirement:
                        bad = self.invalid.setdefault(name, {}).setdefault(version, [])
                        if text not in bad:
                            bad.append(text)
                        continue
                    if self._active(req.marker, asked):
                        self._want(req, f"{name} {version}")

    # -- output ---------------------------------------------------------------------

    def _blake2b(self, url: str) -> str | None:
        from compatlib.values.urls import url_to_path

        hit = self._b2.get(url)
        if hit is not None:
            return hit
        try:
            h = hashlib.blake2b(digest_size=32)
            with url_to_path(url).open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        except OSError:
            return None
        digest = h.hexdigest()
        self._b2[url] = digest
        return digest

    def _origin(self, url: str) -> str | None:
        """The index a find-links file comes from, or None for index files."""
        for prefix, base in self.find_links:
            if url.startswith(prefix):
                return base
        return None

    def _file_url(self, artifact: Any) -> str:
        url = _redact(str(artifact.url))
        base = self._origin(url)
        if base is not None:
            return f"{base}/{urllib.parse.quote(artifact.filename)}"
        if self.pypi_mirror and url.startswith("file:"):
            digest = self._blake2b(url)
            if digest is not None:
                quoted = urllib.parse.quote(artifact.filename)
                return f"{_FILES_HOST}/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{quoted}"
        return url

    def release_record(self, name: str, version: str) -> dict[str, Any]:
        rel = self.packages[name].releases[version]
        files = []
        for a in sorted(rel.artifacts, key=lambda a: a.filename):
            sha256 = dict(a.hashes).get("sha256")
            if sha256 is None:
                raise SystemExit(f"{a.filename}: the index gives no sha256 and it is not local")
            entry: dict[str, Any] = {
                "filename": a.filename,
                "url": self._file_url(a),
                "sha256": sha256,
                "size": a.size,
            }
            if a.yanked:
                entry["yanked"] = True
            files.append(entry)
        origins = {self._origin(str(a.url)) for a in rel.artifacts}
        base = next(iter(origins)) if len(origins) == 1 else None
        source = f"https://pypi.org/project/{name}/{version}/"
        if base is not None:
            source = f"{base}/{name}/"
        record: dict[str, Any] = {
            "version": version,
            "source": source,
            "requires_python": rel.requires_python,
            "requires": list(rel.requires),
            "extras": sorted(rel.extras),
            "files": files,
        }
        if rel.yanked:
            record["yanked"] = True
        return record


def build(
    requirements: Sequence[str],
    *,
    indexes: Sequence[str] | None = None,
    date: str | None = None,
    pythons: Sequence[str] = DEFAULT_PYTHONS,
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
    versions: int = 5,
    pypi_mirror: bool = False,
    cache_dir: str | None = None,
    offline: bool = False,
    find_links: Sequence[tuple[str, str]] = (),
) -> Snapshot:
    """Resolve the closure of ``requirements`` over ``indexes`` into a :class:`Snapshot`."""
    indexes = list(indexes) if indexes else default_indexes()
    built = date or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    datetime.date.fromisoformat(built)  # a ValueError for anything but YYYY-MM-DD
    roots = [Requirement(r) for r in requirements]
    builder = _Builder(
        indexes,
        pythons=pythons,
        platforms=platforms,
        versions=versions,
        pypi_mirror=pypi_mirror,
        cache_dir=cache_dir,
        offline=offline,
        find_links=find_links,
    )
    try:
        builder.close_over(roots)
    finally:
        builder.repo.close()
    packages: dict[str, list[dict[str, Any]]] = {}
    failed: dict[str, dict[str, str]] = {}
    for name in sorted(builder.packages):
        pkg = builder.packages[name]
        records = [
            builder.release_record(name, v)
            for v in sorted(pkg.releases, key=Version)
            if v in pkg.wanted
        ]
        if records:
            packages[name] = records
        if pkg.failed:
            failed[name] = dict(sorted(pkg.failed.items(), key=lambda kv: Version(kv[0])))
    url_note = "index files: the URL the index gives"
    if pypi_mirror:
        url_note = (
            "local index files: the files.pythonhosted.org URL PyPI stores them under, "
            "derived from each file's BLAKE2b-256; remote index files: the URL the index gives"
        )
    if find_links:
        url_note += (
            "; find_links files: <index>/<filename> on the index named for their folder "
            "(their origin is the builder's statement, not checked by the script)"
        )
    header: dict[str, Any] = {
        "schema": SCHEMA,
        "source": [_redact(i) for i in indexes],
        "built": built,
        "generator": f"{GENERATOR} {GENERATOR_VERSION}",
        "requirements": [str(r) for r in roots],
        "targets": {"python": list(pythons), "platforms": list(platforms)},
        "versions_per_package": versions,
        "urls": url_note,
        "find_links": dict(sorted(builder.find_links)),
        "missing": {k: sorted(v) for k, v in sorted(builder.missing.items())},
        "metadata_unavailable": failed,
        "invalid_requirements": {
            name: dict(sorted(by_version.items(), key=lambda kv: Version(kv[0])))
            for name, by_version in sorted(builder.invalid.items())
        },
    }
    return Snapshot(header=header, packages=packages)


def render(snapshot: Snapshot) -> bytes:
    """The JSON text: the header, then one release per line (small diffs, sorted keys)."""
    lines = ["{"]
    for key in sorted(snapshot.header):
        lines.append(f"{json.dumps(key)}: {json.dumps(snapshot.header[key], sort_keys=True)},")
    lines.append('"packages": {')
    names = sorted(snapshot.packages)
    for i, name in enumerate(names):
        lines.append(f"{json.dumps(name)}: [")
        records = snapshot.packages[name]
        for j, rec in enumerate(records):
            comma = "," if j < len(records) - 1 else ""
            lines.append(json.dumps(rec, sort_keys=True, ensure_ascii=True) + comma)
        lines.append("]" + ("," if i < len(names) - 1 else ""))
    lines.append("}")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _read_requirements(path: str) -> list[str]:
    out = []
    for line in Path(path).read_text("utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            out.append(text)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build_snapshot.py", description=__doc__.split("\n\n", 1)[0] if __doc__ else None
    )
    parser.add_argument(
        "requirements",
        nargs="*",
        help="root requirements (default: the built-in ML selection)",
    )
    parser.add_argument("-r", "--requirements-file", action="append", default=[])
    parser.add_argument(
        "--index",
        action="append",
        default=[],
        help="simple index URL or folder, repeatable (default: the local mirror "
        "under /opt/pypi* if present, else https://pypi.org/simple)",
    )
    parser.add_argument("--date", help="the 'built' date, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--versions", type=int, default=5, help="newest versions per package")
    parser.add_argument("--python", action="append", default=[], help="repeatable")
    parser.add_argument("--platform", action="append", default=[], help="repeatable")
    parser.add_argument(
        "--pypi-mirror",
        action="store_true",
        help="the file:// indexes mirror PyPI: write files.pythonhosted.org URLs",
    )
    parser.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="FOLDER=INDEX",
        help="also read the files in FOLDER, downloaded from the simple index INDEX "
        "(e.g. /opt/wheels=https://download.pytorch.org/whl/cpu): their URLs become "
        "INDEX/<filename> and their releases' source INDEX/<name>/",
    )
    parser.add_argument("--cache-dir", help="compatlib's fetch cache (default: the user cache)")
    parser.add_argument("--offline", action="store_true", help="cache and local files only")
    parser.add_argument(
        "--output",
        default=str(Path(__file__).resolve().parents[1] / "snapshot" / "pypi.json"),
        help="where to write ('-' for stdout; default: data/snapshot/pypi.json)",
    )
    args = parser.parse_args(argv)
    requirements = list(args.requirements)
    for path in args.requirements_file:
        requirements.extend(_read_requirements(path))
    if not requirements:
        requirements = list(DEFAULT_REQUIREMENTS)
    if args.versions < 1:
        parser.error("--versions must be at least 1")
    try:
        for text in requirements:
            Requirement(text)
        for py in args.python:
            SpecifierSet(f"=={py}")
    except (InvalidRequirement, InvalidSpecifier) as exc:
        parser.error(str(exc))
    find_links: list[tuple[str, str]] = []
    for item in args.find_links:
        folder, sep, base = item.partition("=")
        if not sep or not folder or not base.startswith(("https://", "http://")):
            parser.error(f"--find-links {item!r}: expected FOLDER=https://index/url")
        find_links.append((folder, base))
    try:
        snapshot = build(
            requirements,
            indexes=args.index or None,
            date=args.date,
            pythons=args.python or DEFAULT_PYTHONS,
            platforms=args.platform or DEFAULT_PLATFORMS,
            versions=args.versions,
            pypi_mirror=args.pypi_mirror,
            cache_dir=args.cache_dir,
            offline=args.offline,
            find_links=find_links,
        )
    except ValueError as exc:
        parser.error(str(exc))
    data = render(snapshot)
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        n = sum(len(r) for r in snapshot.packages.values())
        print(
            f"wrote {out}: {len(snapshot.packages)} packages, {n} releases, {len(data)} bytes",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
