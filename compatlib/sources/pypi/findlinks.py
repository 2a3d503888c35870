"""find-links sources: folders of wheels and sdists, or flat HTML pages of links.

A location is a local folder (a path or a ``file://`` URL), a local HTML file,
or an ``http(s)`` URL of a page whose links are distribution files (pip's
``--find-links``). Folders are listed once, sorted by name, so results never
depend on directory listing order.
"""

from __future__ import annotations

import os
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from compatlib.sources.fetch import Fetcher
from compatlib.sources.pypi.simple import DistFile, parse_html_page
from compatlib.values.filenames import canonicalize_name, parse_dist_filename
from compatlib.values.urls import is_file_url, path_to_url, redact_url, url_to_path

__all__ = ["FindLinks", "location_to_url"]


def location_to_url(location: str | os.PathLike[str]) -> str:
    """A URL for a find-links or index location given as a path or URL."""
    text = os.fspath(location)
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if scheme in ("http", "https", "file"):
        return text
    return path_to_url(text)


_SDIST_SUFFIXES = (".tar.gz", ".zip")


def _project_key(filename: str) -> str | None:
    """The canonical project name a distribution filename would parse to, cheaply.

    Wheels put the name before the first ``-``; sdists before the last one (as
    :func:`parse_dist_filename` splits them). Only files of the projects the
    solver asks for are then parsed in full, so a folder of thousands of files
    costs one directory listing and a string split per entry.
    """
    if filename.endswith(".whl"):
        stem = filename.partition("-")[0]
    elif filename.endswith(_SDIST_SUFFIXES):
        stem = filename.rpartition("-")[0]
    else:
        return None
    return canonicalize_name(stem) if stem else None


class _Entry:
    """A file seen in a local folder, turned into a :class:`DistFile` on demand."""

    __slots__ = ("base", "filename", "folder", "source")

    def __init__(self, filename: str, base: str, folder: str, source: str) -> None:
        self.filename = filename
        self.base = base
        self.folder = folder
        self.source = source

    def dist_file(self) -> DistFile | None:
        try:
            size = os.stat(os.path.join(self.folder, self.filename)).st_size
        except OSError:
            return None
        return DistFile(
            filename=self.filename,
            url=self.base + urllib.parse.quote(self.filename),
            size=size,
            source=self.source,
        )


class FindLinks:
    """All distribution files of a set of find-links locations, by project."""

    def __init__(self, locations: Sequence[str | os.PathLike[str]], fetcher: Fetcher) -> None:
        self.locations = tuple(location_to_url(loc) for loc in locations)
        self._fetcher = fetcher
        self._by_key: dict[str, list[DistFile | _Entry]] | None = None
        self._files: dict[str, list[DistFile]] = {}
        self._lock = threading.Lock()
        #: locations listed so far (each once), for tests and benchmarks
        self.scans = 0

    def _scan_folder(self, url: str, folder: Path) -> list[DistFile | _Entry]:
        # one scandir pass over the folder, resolved once; entries are parsed
        # and stat-ed only when their project is asked for (files())
        resolved = folder.resolve()
        base = path_to_url(resolved).rstrip("/") + "/"
        source = redact_url(url)
        where = os.fspath(resolved)
        out: list[DistFile | _Entry] = []
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.endswith((".whl", *_SDIST_SUFFIXES)) and entry.is_file():
                    out.append(_Entry(name, base, where, source))
        return out

    def _scan(self, url: str) -> list[DistFile | _Entry]:
        if is_file_url(url):
            path = url_to_path(url)
            if path.is_dir():
                return self._scan_folder(url, path)
        response = self._fetcher.get(url, accept="text/html")
        page = parse_html_page(response.content.decode("utf-8", errors="replace"), response.url)
        return list(page)

    def _table(self) -> dict[str, list[DistFile | _Entry]]:
        with self._lock:
            if self._by_key is None:
                table: dict[str, list[DistFile | _Entry]] = {}
                self.scans += len(self.locations)
                local = all(is_file_url(u) for u in self.locations)
                # local folders list in a few milliseconds: threads would only add cost
                scans = (
                    [self._scan(u) for u in self.locations]
                    if local
                    else self._fetcher.map(self._scan, self.locations)
                )
                for found in scans:
                    for f in found:
                        key = _project_key(f.filename)
                        if key is not None:
                            table.setdefault(key, []).append(f)
                self._by_key = table
            return self._by_key

    def files(self, name: str) -> list[DistFile]:
        """The files for project ``name`` (any spelling), sorted by filename.

        A filename found in several locations is taken from the first one.
        """
        key = canonicalize_name(name)
        table = self._table()
        with self._lock:
            done = self._files.get(key)
            if done is None:
                done = []
                seen: set[str] = set()
                for item in table.get(key, ()):
                    if item.filename in seen:
                        continue
                    parsed = parse_dist_filename(item.filename)
                    if parsed is None or parsed.name != key:
                        continue
                    f = item.dist_file() if isinstance(item, _Entry) else item
                    if f is None:
                        continue
                    seen.add(item.filename)
                    done.append(f)
                done.sort(key=lambda f: f.filename)
                self._files[key] = done
        return list(done)

    def projects(self) -> list[str]:
        """Canonical names of every project with at least one file, sorted."""
        return [key for key in sorted(self._table()) if self.files(key)]
