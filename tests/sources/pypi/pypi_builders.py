"""Builders for real wheels, sdists and simple indexes, and a local HTTP server."""

from __future__ import annotations

import base64
import email.utils
import gzip
import hashlib
import http.server
import io
import json
import tarfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name


def _dist_name(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def metadata_text(
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    extras: Sequence[str] = (),
    metadata_version: str = "2.1",
    dynamic: Sequence[str] = (),
) -> str:
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    lines += [f"Dynamic: {d}" for d in dynamic]
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Provides-Extra: {e}" for e in extras]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return "\n".join(lines) + "\n\nA test package.\n"


def build_wheel(
    folder: Path,
    name: str,
    version: str,
    tag: str = "py3-none-any",
    *,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    extras: Sequence[str] = (),
    padding: int = 0,
) -> Path:
    """A real wheel: a module, ``METADATA``, ``WHEEL`` and a ``RECORD`` with hashes.

    ``padding`` adds an incompressible data file of that many bytes (to make
    the wheel large enough that range requests matter).
    """
    dist = _dist_name(name)
    info = f"{dist}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{dist}/__init__.py": f"__version__ = {version!r}\n".encode(),
        f"{info}/METADATA": metadata_text(
            name, version, requires=requires, requires_python=requires_python, extras=extras
        ).encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: compatlib-tests\nRoot-Is-Purelib: "
            f"{'true' if tag.endswith('none-any') else 'false'}\nTag: {tag}\n"
        ).encode(),
    }
    if padding:
        files[f"{dist}/blob.bin"] = hashlib.shake_256(name.encode()).digest(padding)
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files, key=lambda p: (p.startswith(info), p)):
            zf.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0)), files[path])
    return out


def build_sdist(
    folder: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    metadata_version: str = "2.2",
    dynamic: Sequence[str] = (),
    fmt: str = "tar.gz",
) -> Path:
    """A real sdist with ``PKG-INFO``; its ``setup.py`` fails loudly if ever run."""
    dist = _dist_name(name)
    top = f"{dist}-{version}"
    files = {
        f"{top}/PKG-INFO": metadata_text(
            name,
            version,
            requires=requires,
            requires_python=requires_python,
            metadata_version=metadata_version,
            dynamic=dynamic,
        ).encode(),
        f"{top}/setup.py": b"raise SystemExit('compatlib must never run build code')\n",
        f"{top}/{dist}/__init__.py": b"",
        f"{top}/{dist}.egg-info/PKG-INFO": b"Metadata-Version: 2.1\nName: wrong\nVersion: 0\n",
    }
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{top}.{fmt}"
    if fmt == "zip":
        with zipfile.ZipFile(out, "w") as zf:
            for path, data in files.items():
                zf.writestr(path, data)
    else:
        with tarfile.open(out, "w:gz") as tf:
            for path, data in files.items():
                ti = tarfile.TarInfo(path)
                ti.size = len(data)
                ti.mtime = 1_700_000_000
                tf.addfile(ti, io.BytesIO(data))
    return out


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Entry:
    """One file row of a generated project page."""

    path: Path
    requires_python: str | None = None
    yanked: str | bool = False
    metadata: bool = False  # write <file>.metadata and advertise it
    metadata_hash: bool = True
    bad_metadata_hash: bool = False
    hash: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _write_metadata_file(entry: Entry) -> str | None:
    if not entry.metadata:
        return None
    with zipfile.ZipFile(entry.path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        data = zf.read(name)
    meta_path = entry.path.with_name(entry.path.name + ".metadata")
    meta_path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    if entry.bad_metadata_hash:
        digest = "0" * 64
    return f"sha256={digest}" if entry.metadata_hash else "true"


def write_index(
    root: Path,
    projects: dict[str, list[Entry]],
    *,
    flavour: str = "html",
    files_rel: str = "../../files/",
) -> Path:
    """A static simple index at ``root/simple`` whose links point at the entries' files.

    The entry files must live in ``root/files``. ``flavour`` is ``html``
    (PEP 503 ``index.html``), ``json`` (PEP 691 ``index.json``) or ``both``.
    """
    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    names = sorted(canonicalize_name(p) for p in projects)
    (simple / "index.html").write_text(
        "<!DOCTYPE html><html><body>\n"
        + "".join(f'<a href="{n}/">{n}</a>\n' for n in names)
        + "</body></html>\n"
    )
    for project, entries in projects.items():
        folder = simple / canonicalize_name(project)
        folder.mkdir(exist_ok=True)
        rows = []
        jfiles = []
        for e in entries:
            meta_attr = _write_metadata_file(e)
            href = files_rel + e.path.name
            if e.hash:
                href += f"#sha256={sha256_file(e.path)}"
            attrs = [f'href="{href}"']
            if e.requires_python:
                rp = (
                    e.requires_python.replace("&", "&amp;")
                    .replace("<", "&lt;")
                    .replace(">", "&gt;")
                )
                attrs.append(f'data-requires-python="{rp}"')
            if e.yanked is not False:
                attrs.append("data-yanked" if e.yanked is True else f'data-yanked="{e.yanked}"')
            if meta_attr is not None:
                attrs.append(f'data-core-metadata="{meta_attr}"')
                attrs.append(f'data-dist-info-metadata="{meta_attr}"')
            rows.append(f"<a {' '.join(attrs)}>{e.path.name}</a><br/>\n")
            jf: dict[str, Any] = {
                "filename": e.path.name,
                "url": files_rel + e.path.name,
                "hashes": {"sha256": sha256_file(e.path)} if e.hash else {},
                "size": e.path.stat().st_size,
            }
            if e.requires_python:
                jf["requires-python"] = e.requires_python
            if e.yanked is not False:
                jf["yanked"] = e.yanked
            if meta_attr is not None:
                jf["core-metadata"] = (
                    {"sha256": meta_attr.split("=", 1)[1]} if "=" in meta_attr else True
                )
            jf.update(e.extra)
            jfiles.append(jf)
        if flavour in ("html", "both"):
            (folder / "index.html").write_text(
                "<!DOCTYPE html><html><head><meta name='pypi:repository-version' content='1.1'>"
                f"<title>Links for {project}</title></head><body>\n"
                + "".join(rows)
                + "</body></html>\n"
            )
        if flavour in ("json", "both"):
            (folder / "index.json").write_text(
                json.dumps(
                    {"meta": {"api-version": "1.1"}, "name": project, "files": jfiles},
                    indent=1,
                )
            )
    return simple


# -- a local HTTP server -------------------------------------------------------------


@dataclass
class ServerState:
    root: Path
    log: list[dict[str, Any]] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)  # path -> 503s still to send
    ignore_range: bool = False
    auth: str | None = None  # expected "user:password"
    cache_control: str | None = None  # sent with every 200 response
    gzip: bool = False  # gzip 200 responses for clients that accept it
    validators: bool = True  # send ETag and Last-Modified (and answer If-None-Match)
    # path -> bytes served instead of the file to range requests (an attacker
    # who tampers with ranges only, where nothing checks them)
    range_files: dict[str, bytes] = field(default_factory=dict)
    bytes_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self, suffix: str = "") -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.log if r["path"].endswith(suffix)]


class _Handler(http.server.BaseHTTPRequestHandler):
    state: ServerState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        with self.state.lock:
            self._entry["status"] = status
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        # counted before writing: the client may finish reading before we return
        with self.state.lock:
            self.state.bytes_sent += len(body)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        st = self.state
        path = self.path.split("?", 1)[0]
        self._entry: dict[str, Any] = {
            "path": path,
            "headers": dict(self.headers.items()),
            "client": self.client_address,  # one per connection
        }
        with st.lock:
            st.log.append(self._entry)
            remaining = st.fail.get(path, 0)
            if remaining:
                st.fail[path] = remaining - 1
        if remaining:
            self._send(503, b"busy", {"Retry-After": "0"})
            return
        if st.auth is not None:
            expected = "Basic " + base64.b64encode(st.auth.encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._send(401, b"no", {"WWW-Authenticate": 'Basic realm="t"'})
                return
        target = (st.root / path.lstrip("/")).resolve()
        if not str(target).startswith(str(st.root.resolve())):
            self._send(403, b"", {})
            return
        ctype = "application/octet-stream"
        if target.is_dir():
            accept = self.headers.get("Accept", "")
            if "vnd.pypi.simple.v1+json" in accept and (target / "index.json").is_file():
                target = target / "index.json"
                ctype = "application/vnd.pypi.simple.v1+json"
            else:
                target = target / "index.html"
                ctype = "text/html; charset=utf-8"
        if not target.is_file():
            self._send(404, b"not found", {})
            return
        data = target.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        mtime = email.utils.formatdate(target.stat().st_mtime, usegmt=True)
        common = {"Content-Type": ctype}
        if st.validators:
            common.update({"ETag": etag, "Last-Modified": mtime})
        if st.cache_control is not None:
            common["Cache-Control"] = st.cache_control
        if st.validators and self.headers.get("If-None-Match") == etag:
            self._send(304, b"", {"ETag": etag})
            return
        rng = self.headers.get("Range")
        if rng and path in st.range_files:
            data = st.range_files[path]
        if rng and not st.ignore_range and rng.startswith("bytes="):
            spec = rng[len("bytes=") :]
            lo_text, _, hi_text = spec.partition("-")
            size = len(data)
            if lo_text == "":
                lo, hi = max(0, size - int(hi_text)), size - 1
            else:
                lo = int(lo_text)
                hi = min(size - 1, int(hi_text)) if hi_text else size - 1
            self._send(
                206,
                data[lo : hi + 1],
                {**common, "Content-Range": f"bytes {lo}-{hi}/{size}", "Accept-Ranges": "bytes"},
            )
            return
        if st.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data, mtime=0)
            common["Content-Encoding"] = "gzip"
        self._send(200, data, common)


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, ServerState]]:
    """Serves ``tmp_path / "www"`` on 127.0.0.1; yields (base URL, state)."""
    root = tmp_path / "www"
    root.mkdir()
    state = ServerState(root=root)
    handler = type("Handler", (_Handler,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
