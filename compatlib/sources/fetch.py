"""HTTP and file:// fetching with an on-disk cache, retries, credentials and offline mode.

* Responses of ``GET`` requests are cached on disk keyed by URL (credentials
  stripped) and revalidated with ``If-None-Match`` / ``If-Modified-Since``; a
  ``Cache-Control: max-age`` from the server lets a fresh entry be used without
  a request.
* ``offline=True`` never opens a network connection: cached entries and local
  files only, and a :class:`OfflineError` naming the URL otherwise.
* Credentials come from the URL's userinfo, from userinfo given on an index URL
  for the same host, from ``~/.netrc`` (or ``$NETRC``), or from
  ``COMPATLIB_INDEX_USERNAME`` / ``COMPATLIB_INDEX_PASSWORD`` for the hosts of the
  configured indexes. They are sent as an unredirected header (never carried
  to another host on redirect) and never written to the cache, to messages or
  to logs: every URL stored or shown is redacted.
* Transient failures (connection errors, timeouts, HTTP 429 and 5xx) are
  retried with exponential backoff.
* Connections are kept alive and reused across requests and threads (HTTP/1.1,
  one TLS context per process): a lock makes dozens of requests to the same
  two hosts, and a new TLS connection per request cost more than the requests.
* :meth:`Fetcher.get_parsed` caches a document in the form its reader makes of
  it (a compact list of files instead of a 2 MB project page), with the
  validators of the response; an unchanged page is neither stored nor read again.
* :meth:`Fetcher.download` streams a file through a hash into a file object,
  without caching it (callers cache what they extract).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from compatlib._input import load_json
from compatlib._values import value
from compatlib.values.urls import redact_url, url_to_path

if TYPE_CHECKING:
    import http.client
    import netrc
    import ssl
    import urllib.request

from compatlib.errors import CompatError

__all__ = [
    "FetchError",
    "Fetcher",
    "OfflineError",
    "RangeResult",
    "Response",
    "atomic_write",
    "default_cache_dir",
    "redact_url",
]

T = TypeVar("T")
R = TypeVar("R")

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "compatlib (+https://pypi.org/project/compatlib/)"


class FetchError(CompatError):
    """A URL could not be fetched. ``status`` is the HTTP status where there was one."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.url = redact_url(url)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"cannot fetch {self.url}: {reason}")


class OfflineError(FetchError):
    """Offline mode needed something that is neither cached nor local."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "offline mode and no cached copy")


@value
class Response:
    """A fetched document. ``url`` is redacted (no credentials)."""

    url: str
    status: int
    content: bytes
    content_type: str = ""
    from_cache: bool = False


@value
class RangeResult:
    """The answer to a range request: ``total`` is the full file size.

    ``partial`` is False when the server ignored the range and sent everything.
    """

    content: bytes
    start: int
    total: int
    partial: bool


def default_cache_dir() -> Path:
    """``$COMPATLIB_CACHE_DIR``, else the platform's user cache folder + ``compatlib``.

    Linux and others: ``$XDG_CACHE_HOME/compatlib`` (default ``~/.cache/compatlib``);
    macOS: ``~/Library/Caches/compatlib``; Windows: ``%LOCALAPPDATA%\\compatlib\\Cache``.
    """
    env = os.environ.get("COMPATLIB_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "compatlib" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "compatlib"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "compatlib"


def _stored_url(url: str) -> str:
    """The URL as a cache entry records it: no userinfo, and no conda channel
    token (``/t/<token>/``, which authenticates like a password). Entries are
    found by a hash of the whole URL; this copy only double-checks the match."""
    clean = redact_url(url)
    parts = urllib.parse.urlsplit(clean)
    segments = parts.path.split("/")
    if len(segments) > 2 and segments[1] == "t":
        segments[2] = "****"
        return urllib.parse.urlunsplit(parts._replace(path="/".join(segments)))
    return clean


def _split(url: str) -> urllib.parse.SplitResult:
    """``urlsplit(url)``; a URL whose host or port does not parse (a link on a
    page can be anything) is a :class:`FetchError`, not a ValueError."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (parsed on access: a bad port raises here)
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL ({exc})") from None
    return parts


def _host_key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


class _Credentials:
    """Looks up (username, password) for a URL; holds secrets in memory only."""

    def __init__(self, index_urls: Sequence[str]) -> None:
        self._by_host: dict[str, tuple[str, str]] = {}
        self._index_hosts: set[str] = set()
        for url in index_urls:
            try:
                parts = _split(url)
            except FetchError:  # its requests fail, with this error
                continue
            if parts.scheme not in ("http", "https"):
                continue
            key = _host_key(url)
            self._index_hosts.add(key)
            if parts.username is not None and key not in self._by_host:
                self._by_host[key] = (
                    urllib.parse.unquote(parts.username),
                    urllib.parse.unquote(parts.password or ""),
                )
        self._netrc: netrc.netrc | bool | None = False  # False: not read yet

    def _netrc_lookup(self, host: str) -> tuple[str, str] | None:
        # lazy: only _netrc_lookup needs netrc, which loads 2 modules that importing this one does not
        import netrc

        if self._netrc is False:
            path = os.environ.get("NETRC") or str(Path.home() / ".netrc")
            try:
                self._netrc = netrc.netrc(path) if os.path.isfile(path) else None
            except (OSError, netrc.NetrcParseError):
                self._netrc = None
        if not isinstance(self._netrc, netrc.netrc):
            return None
        auth = self._netrc.authenticators(host)
        if auth is None:
            return None
        login, _account, password = auth
        return (login or "", password or "")

    def for_url(self, url: str) -> tuple[str, str] | None:
        parts = urllib.parse.urlsplit(url)
        if parts.username is not None:
            return (
                urllib.parse.unquote(parts.username),
                urllib.parse.unquote(parts.password or ""),
            )
        key = _host_key(url)
        if key in self._by_host:
            return self._by_host[key]
        found = self._netrc_lookup(parts.hostname or "")
        if found is not None:
            return found
        user = os.environ.get("COMPATLIB_INDEX_USERNAME")
        password = os.environ.get("COMPATLIB_INDEX_PASSWORD")
        if key in self._index_hosts and (user or password):
            return (user or "", password or "")
        return None


class _Progress:
    """A one-line counter on stderr; silent unless enabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._count = 0
        self._lock = threading.Lock()
        self._shown = False

    def tick(self, url: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._count += 1
            name = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
            line = f"compatlib: fetched {self._count} ({name[:50]})"
            sys.stderr.write("\r" + line.ljust(72))
            sys.stderr.flush()
            self._shown = True

    def done(self) -> None:
        with self._lock:
            if self._shown:
                sys.stderr.write("\r" + " " * 72 + "\r")
                sys.stderr.flush()
                self._shown = False


def _cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _still_fresh(meta: Mapping[str, Any]) -> bool:
    """Whether a cache entry is within the ``max-age`` its server gave it."""
    max_age = meta.get("max_age")
    stored_at = meta.get("stored_at")
    return (
        isinstance(max_age, int)
        and isinstance(stored_at, (int, float))
        and time.time() < stored_at + max_age
    )


def _validators(meta: Mapping[str, Any]) -> dict[str, str]:
    """The conditional-request headers a cache entry's validators give."""
    headers: dict[str, str] = {}
    if meta.get("etag"):
        headers["If-None-Match"] = str(meta["etag"])
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = str(meta["last_modified"])
    return headers


def _max_age(cache_control: str | None) -> int | None:
    if not cache_control:
        return None
    directives = [d.strip().lower() for d in cache_control.split(",")]
    if "no-cache" in directives or "no-store" in directives:
        return None
    for d in directives:
        if d.startswith("max-age="):
            with contextlib.suppress(ValueError):
                return max(0, int(d.split("=", 1)[1]))
    return None


class Fetcher:
    """Fetches URLs (``https``, ``http``, ``file``) through an on-disk cache.

    Thread-safe; :meth:`map` runs a function over items on a thread pool of
    ``max_workers`` and returns the results in input order.
    """

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        offline: bool = False,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_workers: int = 8,
        index_urls: Sequence[str] = (),
        progress: bool | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.offline = offline
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_workers = max(1, max_workers)
        self._credentials = _Credentials(index_urls)
        stderr_tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self._progress = _Progress(progress is not False and stderr_tty)
        self._memo: dict[tuple[str, str], Response] = {}
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()
        # HTTP machinery (http.client, ssl) loads on the first request
        self._pool = _Pool(timeout)
        self._opener: urllib.request.OpenerDirector | None = None  # with a proxy only
        #: Network requests actually sent (for tests and benchmarks).
        self.requests_sent = 0

    # -- public API -------------------------------------------------------------

    def get(self, url: str, *, accept: str = "", compressed: bool = False) -> Response:
        """GET ``url`` (memoised per fetcher, cached on disk for http/https).

        ``compressed`` asks the server to gzip the transfer (for large text
        documents such as conda repodata); the content is decoded here, so the
        caller and the cache see the document itself. Archives are fetched
        without it, so that no server re-encodes them.

        Raises :class:`FetchError` (``status`` set for HTTP errors, 404 for a
        missing local file) or :class:`OfflineError`.
        """
        key = (redact_url(url), accept)
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                return hit
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                hit = self._memo.get(key)
            if hit is not None:
                return hit
            response = self._get_uncached(url, accept, compressed)
            with self._lock:
                self._memo[key] = response
            return response

    def get_range(self, url: str, start: int, end: int | None = None) -> RangeResult:
        """Bytes ``start..end`` (inclusive) of a remote file; a negative ``start``
        with ``end=None`` asks for the last ``-start`` bytes. Not cached: callers
        cache what they extract."""
        scheme = _split(url).scheme
        if scheme == "file":
            data = self._read_file(url)
            lo = max(0, len(data) + start) if start < 0 else start
            hi = len(data) if end is None else min(len(data), end + 1)
            return RangeResult(data[lo:hi], lo, len(data), True)
        if self.offline:
            raise OfflineError(url)
        spec = f"bytes={start}" if start < 0 else f"bytes={start}-{'' if end is None else end}"
        status, headers, body = self._request(url, {"Range": spec})
        if status == 206:
            content_range = headers.get("content-range", "")
            try:
                span, total_text = content_range.split(" ", 1)[1].split("/", 1)
                lo = int(span.split("-", 1)[0])
                total = int(total_text) if total_text != "*" else -1
            except (IndexError, ValueError):
                raise FetchError(
                    url, f"bad Content-Range header {content_range!r}", status=status
                ) from None
            if total < 0:
                raise FetchError(url, "server did not report the file size", status=status)
            return RangeResult(body, lo, total, True)
        return RangeResult(body, 0, len(body), False)

    def download(
        self,
        url: str,
        out: BinaryIO,
        *,
        algorithm: str = "sha256",
        max_bytes: int | None = None,
    ) -> str:
        """Stream ``url`` into ``out`` and return its ``algorithm`` hex digest.

        Nothing is cached or held in memory: the caller checks the digest against
        the one it expects and keeps what it extracts. A body longer than
        ``max_bytes`` is a :class:`FetchError`.
        """
        sink = _Sink(out, algorithm, url, max_bytes)
        if _split(url).scheme == "file":
            try:
                with url_to_path(url).open("rb") as fh:
                    _copy(fh, sink)
            except FileNotFoundError:
                raise FetchError(url, "no such file", status=404) from None
            except OSError as exc:
                raise FetchError(url, str(exc)) from None
            return sink.hash.hexdigest()
        if self.offline:
            raise OfflineError(url)
        status, _headers, _body = self._request(url, {}, sink=sink)
        if status != 200:
            raise FetchError(url, f"HTTP {status}", status=status)
        return sink.hash.hexdigest()

    def get_parsed(
        self,
        url: str,
        *,
        accept: str,
        kind: str,
        parse: Callable[[Response], T],
        dump: Callable[[T], bytes],
        load: Callable[[bytes], T],
    ) -> tuple[T, bool]:
        """``parse(response)`` for ``url``, cached in that form: ``(value, parsed)``.

        The response itself is not stored: only ``dump(value)`` (``kind`` names
        that form and its version), the response's validators (``ETag``,
        ``Last-Modified``, ``Cache-Control: max-age``) and the digest of its
        body. A later call uses a fresh entry without a request, sends a
        conditional request otherwise, and on ``304 Not Modified`` (or a body
        with the same digest, for servers that send no validators) returns
        ``load(stored)`` without calling ``parse``; ``parsed`` says whether it
        ran. ``load`` raises ``ValueError`` for a form it cannot read (the
        document is then fetched and parsed again). Local (``file://``)
        documents are parsed on every call.
        """
        parts = _split(url)
        if parts.scheme == "file":
            return parse(self._get_file(url)), True
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"unsupported URL scheme {parts.scheme!r}")
        path = self._document_path(url, accept, kind)
        cached = _read_document(path, _stored_url(url), kind)
        if cached is not None:
            try:
                value = load(cached[1])
            except ValueError:
                cached = None
        if self.offline:
            if cached is None:
                raise OfflineError(url)
            return value, False
        headers: dict[str, str] = {"Accept": accept} if accept else {}
        if cached is not None:
            meta, form = cached
            if _still_fresh(meta):
                return value, False
            headers.update(_validators(meta))
        status, resp_headers, content = self._request(url, headers, allow_not_modified=True)
        cache_control = resp_headers.get("cache-control", "")
        if status == 304:
            if cached is None:
                raise FetchError(url, "304 Not Modified without a cached copy", status=304)
            meta, form = cached
            age = _max_age(cache_control)
            if age is not None:  # otherwise the entry's time does not matter
                self._write_document(path, {**meta, "stored_at": time.time(), "max_age": age}, form)
            return value, False
        digest = hashlib.sha256(content).hexdigest()
        meta = {
            "url": _stored_url(url),
            "kind": kind,
            "etag": resp_headers.get("etag"),
            "last_modified": resp_headers.get("last-modified"),
            "stored_at": time.time(),
            "max_age": _max_age(cache_control),
            "body_sha256": digest,
        }
        if cached is not None and cached[0].get("body_sha256") == digest:
            old, form = cached
            same = (meta["etag"], meta["last_modified"]) == (
                old.get("etag"),
                old.get("last_modified"),
            )
            if same and meta["max_age"] is None:
                return value, False  # nothing new to store
            parsed = False
        else:
            ctype = resp_headers.get("content-type", "")
            value = parse(Response(redact_url(url), status, content, ctype))
            form, parsed = dump(value), True
        if "no-store" not in cache_control.lower():
            self._write_document(path, meta, form)
        return value, parsed

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` on the thread pool, results in input order.

        The first exception raised by ``fn`` propagates after all tasks finish.
        """
        todo = list(items)
        if len(todo) <= 1 or self.max_workers == 1:
            return [fn(x) for x in todo]
        # lazy: only map needs concurrent, which loads 13 modules that importing this one does not
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(todo))) as pool:
            futures = [pool.submit(fn, x) for x in todo]
            return [f.result() for f in futures]

    def close(self) -> None:
        """Clear the progress line, if one is shown, and close idle connections."""
        self._progress.done()
        self._pool.close()

    # -- cache --------------------------------------------------------------------

    def _cache_paths(self, url: str, accept: str) -> tuple[Path, Path]:
        key = _cache_key("http", redact_url(url), accept)
        folder = self.cache_dir / "http" / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def _read_cache(self, url: str, accept: str) -> tuple[dict[str, Any], bytes] | None:
        meta_path, body_path = self._cache_paths(url, accept)
        try:
            meta = load_json(meta_path.read_bytes(), source=str(meta_path))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != _stored_url(url):
            return None
        if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None
        return meta, body

    def _write_cache(self, url: str, accept: str, meta: dict[str, Any], body: bytes | None) -> None:
        """Store ``body`` and ``meta``; ``body=None``: only ``meta`` changed (a
        revalidation), and the stored body and its digest stay."""
        meta_path, body_path = self._cache_paths(url, accept)
        meta = {**meta, "url": _stored_url(url)}
        if body is not None:
            meta["sha256"] = hashlib.sha256(body).hexdigest()
        try:
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            if body is not None:
                atomic_write(body_path, body)
            atomic_write(meta_path, json.dumps(meta, sort_keys=True).encode())
        except OSError:
            pass  # a read-only or full cache folder must not fail a resolve

    def _document_path(self, url: str, accept: str, kind: str) -> Path:
        key = _cache_key("document-1", redact_url(url), accept, kind)
        return self.cache_dir / "documents" / key[:2] / key

    def _write_document(self, path: Path, meta: dict[str, Any], form: bytes) -> None:
        head = json.dumps({**meta, "form_sha256": hashlib.sha256(form).hexdigest()})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, head.encode() + b"\n" + form)
        except OSError:
            pass  # a read-only or full cache folder must not fail a resolve

    # -- fetching -------------------------------------------------------------------

    def _get_uncached(self, url: str, accept: str, compressed: bool = False) -> Response:
        parts = _split(url)
        if parts.scheme == "file":
            return self._get_file(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"unsupported URL scheme {parts.scheme!r}")
        cached = self._read_cache(url, accept)
        if self.offline:
            if cached is None:
                raise OfflineError(url)
            meta, body = cached
            return Response(redact_url(url), 200, body, str(meta.get("content_type", "")), True)
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = accept
        if compressed:
            headers["Accept-Encoding"] = "gzip"
        if cached is not None:
            meta, body = cached
            if _still_fresh(meta):
                return Response(redact_url(url), 200, body, str(meta.get("content_type", "")), True)
            headers.update(_validators(meta))
        status, resp_headers, content = self._request(url, headers, allow_not_modified=True)
        if status == 304:
            if cached is None:
                raise FetchError(url, "304 Not Modified without a cached copy", status=304)
            meta, body = cached
            age = _max_age(resp_headers.get("cache-control"))
            meta["stored_at"] = time.time()
            if age is not None:
                meta["max_age"] = age
            self._write_cache(url, accept, meta, None)  # the body on disk is still the one
            return Response(redact_url(url), 200, body, str(meta.get("content_type", "")), True)
        content_type = resp_headers.get("content-type", "")
        new_meta: dict[str, Any] = {
            "etag": resp_headers.get("etag"),
            "last_modified": resp_headers.get("last-modified"),
            "content_type": content_type,
            "stored_at": time.time(),
            "max_age": _max_age(resp_headers.get("cache-control")),
        }
        if "no-store" not in resp_headers.get("cache-control", "").lower():
            self._write_cache(url, accept, new_meta, content)
        return Response(redact_url(url), status, content, content_type, False)

    def _local_path(self, url: str) -> Path:
        try:
            return url_to_path(url)
        except ValueError as exc:  # a file URL naming another host
            raise FetchError(url, str(exc)) from None

    def _read_file(self, url: str) -> bytes:
        try:
            return self._local_path(url).read_bytes()
        except FileNotFoundError:
            raise FetchError(url, "no such file", status=404) from None
        except OSError as exc:
            raise FetchError(url, str(exc)) from None

    def _get_file(self, url: str) -> Response:
        path = self._local_path(url)
        if path.is_dir():
            for name, ctype in (
                ("index.json", "application/vnd.pypi.simple.v1+json"),
                ("index.html", "text/html"),
            ):
                candidate = path / name
                if candidate.is_file():
                    return Response(redact_url(url), 200, candidate.read_bytes(), ctype)
            raise FetchError(url, "no index.html or index.json in folder", status=404)
        data = self._read_file(url)
        ctype = "application/vnd.pypi.simple.v1+json" if path.suffix == ".json" else ""
        if path.suffix in (".html", ".htm"):
            ctype = "text/html"
        return Response(redact_url(url), 200, data, ctype)

    def _request(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        allow_not_modified: bool = False,
        sink: _Sink | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request with retries; returns (status, lower-cased headers, body).

        With a ``sink``, a successful body is written there (and ``b""`` returned);
        the sink is reset before each retry.
        """
        clean = redact_url(url)
        creds = self._credentials.for_url(url)
        last: FetchError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * (2 ** (attempt - 1))
                if last is not None and last.retry_after is not None:
                    delay = max(delay, min(last.retry_after, 10.0))
                time.sleep(delay)
            if sink is not None:
                sink.reset()
            with self._lock:
                self.requests_sent += 1
            import http.client  # lazy: the HTTP machinery loads with the first request

            try:
                if _proxies_configured():
                    status, resp_headers, body = self._urllib_once(clean, headers, creds, sink)
                else:
                    status, resp_headers, body = self._pooled_once(clean, headers, creds, sink)
            except FetchError:
                raise
            except (OSError, ValueError, http.client.HTTPException) as exc:
                # connection, TLS, timeout, a garbled response
                cause = getattr(exc, "reason", None) or exc
                last = FetchError(url, f"network error: {cause}")
                continue
            if status < 300 or (status == 304 and allow_not_modified):
                encoding = resp_headers.get("content-encoding", "").strip().lower()
                if encoding == "gzip" and "Accept-Encoding" in headers:  # only when asked
                    body = _gunzip(url, body, status)
                self._progress.tick(clean)
                return status, resp_headers, body
            if status in _RETRY_STATUS:
                last = FetchError(
                    url,
                    f"HTTP {status}",
                    status=status,
                    retry_after=_retry_after(resp_headers.get("retry-after")),
                )
                continue
            reason = "authentication required" if status in (401, 403) else f"HTTP {status}"
            raise FetchError(url, reason, status=status)
        assert last is not None
        raise last

    def _pooled_once(
        self,
        url: str,
        headers: Mapping[str, str],
        creds: tuple[str, str] | None,
        sink: _Sink | None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request over a kept-alive connection, following redirects.

        Credentials go to the URL asked for only, never to where a redirect
        points (as urllib does with an unredirected header).
        """
        current = url
        for _hop in range(_MAX_REDIRECTS + 1):
            all_headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity", **headers}
            if creds is not None and current == url:
                all_headers["Authorization"] = _basic_auth(creds)
            status, resp_headers, body = self._pool.exchange(current, all_headers, sink)
            location = resp_headers.get("location")
            if status not in _REDIRECTS or not location:
                return status, resp_headers, body
            target = urllib.parse.urljoin(current, location)
            if urllib.parse.urlsplit(target).scheme.lower() not in ("http", "https"):
                raise FetchError(url, f"redirect to a non-HTTP URL {redact_url(target)!r}")
            current = target
        raise FetchError(url, f"more than {_MAX_REDIRECTS} redirects")

    def _urllib_once(
        self,
        url: str,
        headers: Mapping[str, str],
        creds: tuple[str, str] | None,
        sink: _Sink | None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request through urllib (which honours the proxy settings)."""
        import urllib.error  # lazy: urllib serves proxied requests only
        import urllib.request  # lazy: urllib serves proxied requests only

        if self._opener is None:
            self._opener = urllib.request.build_opener()
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        for name, header in headers.items():
            request.add_header(name, header)
        if creds is not None:
            # Unredirected: never forwarded to whatever host a redirect names.
            request.add_unredirected_header("Authorization", _basic_auth(creds))
        try:
            with self._opener.open(request, timeout=self.timeout) as resp:
                status = int(resp.status)
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                if sink is not None:
                    _copy(resp, sink)
                    return status, resp_headers, b""
                return status, resp_headers, resp.read()
        except urllib.error.HTTPError as exc:
            resp_headers = {k.lower(): v for k, v in exc.headers.items()}
            with contextlib.suppress(Exception):
                exc.read()
            exc.close()
            return exc.code, resp_headers, b""


_MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 1 << 20


class _Sink:
    """Where a streamed body goes: a file object, through a hash."""

    def __init__(self, out: BinaryIO, algorithm: str, url: str, max_bytes: int | None) -> None:
        self.out = out
        self.algorithm = algorithm
        self.url = url
        self.max_bytes = max_bytes
        self.start = out.tell()
        self.hash = hashlib.new(algorithm)
        self.size = 0

    def reset(self) -> None:
        self.out.seek(self.start)
        self.out.truncate()
        self.hash = hashlib.new(self.algorithm)
        self.size = 0

    def write(self, chunk: bytes) -> None:
        if self.max_bytes is not None and self.size + len(chunk) > self.max_bytes:
            raise FetchError(self.url, f"larger than {self.max_bytes} bytes")
        self.out.write(chunk)
        self.hash.update(chunk)
        self.size += len(chunk)


def _copy(resp: Any, sink: _Sink) -> None:
    while True:
        chunk = resp.read(_CHUNK)
        if not chunk:
            return
        sink.write(chunk)


def _basic_auth(creds: tuple[str, str]) -> str:
    import base64  # lazy: only with credentials

    token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode("ascii")
    return f"Basic {token}"


def _proxies_configured() -> bool:
    """Whether the environment names an HTTP proxy (then urllib, which honours it,
    makes the requests)."""
    return any(
        key.lower() in ("http_proxy", "https_proxy", "all_proxy") and value
        for key, value in os.environ.items()
    )


_TLS_LOCK = threading.Lock()
_TLS: list[ssl.SSLContext] = []


def _tls_context(full: bool = False) -> ssl.SSLContext:
    """The TLS context of every connection of this process (made once).

    Loading the whole CA bundle costs about 0.1 s; OpenSSL's hashed certificate
    folder (``capath``, ``SSL_CERT_DIR`` when set) loads only the certificates a
    handshake needs. The default context trusts that folder too, so the folder
    alone trusts no more than it; a handshake the folder cannot verify is
    retried with the default context (``full``), which adds the bundle.
    """
    import ssl  # lazy: TLS loads with the first https request

    with _TLS_LOCK:
        if not _TLS:
            folder = ssl.get_default_verify_paths().capath
            hashed = False
            if folder is not None and os.pathsep not in folder:
                with contextlib.suppress(OSError):
                    hashed = any(name.endswith(".0") for name in os.listdir(folder))
            _TLS.append(
                ssl.create_default_context(capath=folder)
                if hashed
                else ssl.create_default_context()
            )
        if not full:
            return _TLS[0]
        if len(_TLS) < 2:
            _TLS.append(ssl.create_default_context())
        return _TLS[1]


class _Pool:
    """Idle keep-alive connections by (scheme, host, port), shared by threads.

    A connection is taken for one request and given back once its response is
    read; one the server closed meanwhile is replaced transparently.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def _connect(self, key: tuple[str, str, int], full_tls: bool) -> http.client.HTTPConnection:
        import http.client  # lazy: the HTTP machinery loads with the first request

        scheme, host, port = key
        if scheme == "https":
            return http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=_tls_context(full_tls)
            )
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def exchange(
        self, url: str, headers: Mapping[str, str], sink: _Sink | None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one GET and read its response (into ``sink`` when it is a success)."""
        import http.client  # lazy: the HTTP machinery loads with the first request
        import ssl  # lazy: TLS loads with the first request

        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, f"unsupported URL {url!r}")
        host = parts.hostname
        key = (scheme, host, parts.port or (443 if scheme == "https" else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        full_tls = False
        for _attempt in range(3):
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            reused = conn is not None
            if conn is None:
                conn = self._connect(key, full_tls)
            started = False
            try:
                conn.request("GET", target, headers=dict(headers))
                resp = conn.getresponse()
                started = True
                status = resp.status
                resp_headers = {k.lower(): v for k, v in resp.getheaders()}
                if sink is not None and 200 <= status < 300:
                    _copy(resp, sink)
                    body = b""
                else:
                    body = resp.read()
            except ssl.SSLCertVerificationError:
                conn.close()
                if full_tls:
                    raise
                full_tls = True  # the hashed folder may lack a CA the bundle has
                continue
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                if reused and not started:
                    # the server closed an idle connection: the others of that
                    # host are likely closed too; open a new one
                    self._drop(key)
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if resp.will_close:
                conn.close()
            else:
                with self._lock:
                    self._idle.setdefault(key, []).append(conn)
            return status, resp_headers, body
        raise FetchError(url, "could not open a connection")

    def _drop(self, key: tuple[str, str, int]) -> None:
        with self._lock:
            stale = self._idle.pop(key, [])
        for conn in stale:
            conn.close()

    def __del__(self) -> None:
        # an unclosed fetcher's connections close with it, not when the
        # garbage collector finds their sockets (a ResourceWarning each)
        with contextlib.suppress(Exception):
            self.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()


def _read_document(path: Path, url: str, kind: str) -> tuple[dict[str, Any], bytes] | None:
    """A :meth:`Fetcher.get_parsed` entry: (meta, form), or ``None`` when absent,
    for another URL or form, or damaged."""
    try:
        blob = path.read_bytes()
        head, _sep, form = blob.partition(b"\n")
        meta = load_json(head, source=str(path))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("url") != url or meta.get("kind") != kind:
        return None
    if hashlib.sha256(form).hexdigest() != meta.get("form_sha256"):
        return None
    return meta, form


def _gunzip(url: str, body: bytes, status: int) -> bytes:
    # only compressed transfers (conda repodata) need these
    import gzip
    import zlib

    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise FetchError(url, f"bad gzip transfer encoding: {exc}", status=status) from None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        # lazy: only _retry_after needs email, which loads 31 modules that importing this one does not
        import email.utils

        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def atomic_write(path: Path, data: bytes) -> None:
    """Write a cache entry atomically (no disk sync: a lost entry only costs time)."""
    # lazy: only atomic_write needs compatlib._atomic, which loads 1 module that importing this one does not
    from compatlib._atomic import write_atomic

    write_atomic(path, data, durable=False)
