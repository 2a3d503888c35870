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

from packaging.utils import NormalizedName, canonicalize_name

from compatlib.index.pypi.fetch import Fetcher, path_to_url, redact_url, url_to_path
from compatlib.index.pypi.simple import DistFile, parse_dist_filename, parse_html_page

__all__ = ["FindLinks", "location_to_url"]


def location_to_url(location: str | os.PathLike[str]) -> str:
    """A URL for a find-links or index location given as a path or URL."""
    text = os.fspath(location)
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if scheme in ("http", "https", "file"):
        return text
    return path_to_url(text)


class FindLinks:
    """All distribution files of a set of find-links locations, by project."""

    def __init__(self, locations: Sequence[str | os.PathLike[str]], fetcher: Fetcher) -> None:
        self.locations = tuple(location_to_url(loc) for loc in locations)
        self._fetcher = fetcher
        self._by_name: dict[NormalizedName, list[DistFile]] | None = None
        self._lock = threading.Lock()

    def _scan_folder(self, url: str, folder: Path) -> list[DistFile]:
        # one scandir pass: the folder is resolved once and each entry's URL is
        # built from it (resolving and stat-ing every path separately was 3-4x slower)
        base = path_to_url(folder.resolve()).rstrip("/") + "/"
        source = redact_url(url)
        out: list[DistFile] = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if parse_dist_filename(entry.name) is None or not entry.is_file():
                    continue
                out.append(
                    DistFile(
                        filename=entry.name,
                        url=base + urllib.parse.quote(entry.name),
                        size=entry.stat().st_size,
                        source=source,
                    )
                )
        out.sort(key=lambda f: f.filename)
        return out

    def _scan(self, url: str) -> list[DistFile]:
        if urllib.parse.urlsplit(url).scheme == "file":
            path = url_to_path(url)
            if path.is_dir():
                return self._scan_folder(url, path)
        response = self._fetcher.get(url, accept="text/html")
        return parse_html_page(response.content.decode("utf-8", errors="replace"), response.url)

    def _table(self) -> dict[NormalizedName, list[DistFile]]:
        with self._lock:
            if self._by_name is None:
                table: dict[NormalizedName, list[DistFile]] = {}
                seen: set[str] = set()
                for files in self._fetcher.map(self._scan, self.locations):
                    for f in files:
                        parsed = parse_dist_filename(f.filename)
                        if parsed is None or f.filename in seen:
                            continue
                        seen.add(f.filename)
                        table.setdefault(parsed.name, []).append(f)
                self._by_name = {
                    name: sorted(files, key=lambda f: f.filename)
                    for name, files in sorted(table.items())
                }
            return self._by_name

    def files(self, name: str) -> list[DistFile]:
        """The files for project ``name`` (any spelling), sorted by filename."""
        return list(self._table().get(canonicalize_name(name), ()))

    def projects(self) -> list[str]:
        """Canonical names of every project with at least one file, sorted."""
        return list(self._table())
