"""Cold vs warm-cache metadata fetch with PyPIRepository over the local mirror.

Two transports over the same mirror (``/opt/pypi/simple``, skipped when absent):

* ``file://``: project pages and wheels read in place;
* ``http``: the mirror served by a local 127.0.0.1 server with Range and ETag
  support, so cold runs use HTTP range requests on the wheels and warm runs
  revalidate pages (304) and read METADATA from the on-disk cache.

For each package: ``versions()`` plus ``release()`` of every listed version.
"Cold" uses an empty cache folder, "warm" a new repository on the same folder.

    .venv/bin/python benchmarks/bench_pypi_metadata.py [--mirror /opt/pypi/simple]
"""

from __future__ import annotations

import argparse
import email.utils
import http.server
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compatlib.sources.pypi import PyPIRepository
from compatlib.values.target import Target

PACKAGES = ("packaging", "requests", "numpy", "scipy", "pandas", "pydantic", "transformers", "jax")
TARGET = Target(python="3.11", platform="linux-64", glibc="2.28")


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.bytes = 0


def _handler(root: Path, stats: _Stats) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            with stats.lock:  # before writing: the client may be done first
                stats.requests += 1
                stats.bytes += len(body)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = (root / self.path.split("?")[0].lstrip("/")).resolve()
            if path.is_dir():
                path = path / "index.html"
            if not str(path).startswith(str(root)) or not path.is_file():
                self._send(404, b"", {})
                return
            st = path.stat()
            etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
            common = {
                "ETag": etag,
                "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True),
                "Content-Type": "text/html" if path.suffix == ".html" else "application/zip",
            }
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", {"ETag": etag})
                return
            rng = self.headers.get("Range", "")
            with path.open("rb") as fh:
                if rng.startswith("bytes="):
                    lo_text, _, hi_text = rng[6:].partition("-")
                    size = st.st_size
                    if not lo_text:
                        lo, hi = max(0, size - int(hi_text)), size - 1
                    else:
                        lo, hi = int(lo_text), min(size - 1, int(hi_text or size - 1))
                    fh.seek(lo)
                    body = fh.read(hi - lo + 1)
                    self._send(206, body, {**common, "Content-Range": f"bytes {lo}-{hi}/{size}"})
                    return
                self._send(200, fh.read(), common)

    return Handler


@contextmanager
def _serve(root: Path) -> Iterator[tuple[str, _Stats]]:
    stats = _Stats()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(root.resolve(), stats))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", stats
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _run(index: str, packages: list[str], cache: Path) -> tuple[float, int, int]:
    """Seconds, releases read, network requests sent."""
    repo = PyPIRepository([index], target=TARGET, cache_dir=cache, progress=False)
    start = time.perf_counter()
    n = 0
    for name in packages:
        for v in repo.versions(name):
            repo.release(name, v)
            n += 1
    return time.perf_counter() - start, n, repo.fetcher.requests_sent


def _wheel_bytes(repo_index: str, packages: list[str], cache: Path) -> int:
    repo = PyPIRepository([repo_index], target=TARGET, cache_dir=cache, progress=False)
    total = 0
    for name in packages:
        for v in repo.versions(name):
            total += sum(a.size or 0 for a in repo.release(name, v).artifacts[:1])
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default="/opt/pypi/simple")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    mirror = Path(args.mirror)
    if not mirror.is_dir():
        print(f"skipped: mirror {mirror} not found")
        return 0
    packages = [p for p in PACKAGES if (mirror / p).is_dir()]
    if not packages:
        print(f"skipped: none of {', '.join(PACKAGES)} in {mirror}")
        return 0
    print(f"packages: {', '.join(packages)}; target {TARGET.python} {TARGET.subdir}")
    with tempfile.TemporaryDirectory() as tmp:
        size = _wheel_bytes(mirror.as_uri(), packages, Path(tmp) / "sizes")
        print(f"best wheels total {size / 1e6:.1f} MB (what a full download would cost)")
        print(
            f"{'transport':<10}{'run':<6}{'releases':>9}{'seconds':>10}{'requests':>10}{'MB sent':>9}"
        )
        for transport in ("file", "http"):
            cold_t: list[float] = []
            warm_t: list[float] = []
            for i in range(args.repeat):
                cache = Path(tmp) / f"{transport}-{i}"
                if transport == "file":
                    ct, n, req = _run(mirror.as_uri(), packages, cache)
                    wt, _, wreq = _run(mirror.as_uri(), packages, cache)
                    cold_mb = warm_mb = 0.0
                else:
                    with _serve(mirror.parent) as (base, stats):
                        index = f"{base}/{mirror.name}/"
                        ct, n, req = _run(index, packages, cache)
                        cold_mb = stats.bytes / 1e6
                        stats.bytes = 0
                        wt, _, wreq = _run(index, packages, cache)
                        warm_mb = stats.bytes / 1e6
                cold_t.append(ct)
                warm_t.append(wt)
            print(f"{transport:<10}{'cold':<6}{n:>9}{min(cold_t):>10.3f}{req:>10}{cold_mb:>9.2f}")
            print(f"{transport:<10}{'warm':<6}{n:>9}{min(warm_t):>10.3f}{wreq:>10}{warm_mb:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
