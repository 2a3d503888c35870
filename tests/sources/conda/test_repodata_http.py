"""Remote repodata goes through the one HTTP layer (compatlib.sources.fetch.Fetcher):
cache with revalidation, offline mode, retries, credentials and a gzip transfer,
against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import bz2
import json
import sys
from pathlib import Path
from typing import Any

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import ServerState, http_server  # noqa: E402

from compatlib.errors import InputError  # noqa: E402
from compatlib.sources.conda.channel import Channel  # noqa: E402
from compatlib.sources.conda.repodata import load_repodata  # noqa: E402
from compatlib.sources.fetch import Fetcher  # noqa: E402

__all__ = ["http_server"]  # the fixture, re-exported for pytest

Server = tuple[str, ServerState]


def _pkg(name: str, version: str, build: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "build": build, "build_number": 0, **kw}


def _publish(state: ServerState, channel: str = "forge") -> bytes:
    """``<channel>/linux-64/repodata.json`` (plain) and ``noarch`` (bz2); returns
    the linux-64 document as served."""
    root = state.root / channel
    (root / "linux-64").mkdir(parents=True)
    (root / "noarch").mkdir()
    packages = {f"q-{i}-0.tar.bz2": _pkg("q", str(i), "0", depends=["n"]) for i in range(1, 200)}
    linux = json.dumps({"info": {"subdir": "linux-64"}, "packages": packages}).encode()
    (root / "linux-64" / "repodata.json").write_bytes(linux)
    noarch = {"packages.conda": {"n-1-0.conda": _pkg("n", "1", "0")}}
    (root / "noarch" / "repodata.json").write_bytes(bz2.compress(json.dumps(noarch).encode()))
    return linux


def _fetcher(tmp_path: Path, **kw: Any) -> Fetcher:
    return Fetcher(cache_dir=tmp_path / "cache", timeout=5, backoff=0, progress=False, **kw)


def test_remote_channel_records_names_and_errors(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    records = load_repodata(f"{base}/forge", "linux-64", fetcher=_fetcher(tmp_path))
    assert len(records) == 200
    assert {(r.subdir, r.channel) for r in records} == {
        ("linux-64", f"{base}/forge"),
        ("noarch", f"{base}/forge"),
    }
    q1 = next(r for r in records if r.filename == "q-1-0.tar.bz2")
    assert q1.url == f"{base}/forge/linux-64/q-1-0.tar.bz2"
    with pytest.raises(InputError, match="needs a subdir"):
        load_repodata(f"{base}/forge", fetcher=_fetcher(tmp_path))
    with pytest.raises(InputError, match="cannot fetch repodata: HTTP 404") as info:
        load_repodata(f"{base}/forge/osx-64/repodata.json", fetcher=_fetcher(tmp_path))
    assert info.value.source == f"{base}/forge/osx-64/repodata.json"


def test_repodata_is_cached_revalidated_and_read_offline(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    _publish(state)
    first = load_repodata(f"{base}/forge", "linux-64", fetcher=_fetcher(tmp_path))
    assert len(state.requests("repodata.json")) == 2

    # a new process (a new fetcher, the same cache folder): conditional requests, 304s
    again = load_repodata(f"{base}/forge", "linux-64", fetcher=_fetcher(tmp_path))
    assert again == first
    revalidations = state.requests("repodata.json")[2:]
    assert len(revalidations) == 2
    assert all("If-None-Match" in r["headers"] for r in revalidations)

    # offline: from the cache, and not one request
    offline = load_repodata(f"{base}/forge", "linux-64", fetcher=_fetcher(tmp_path, offline=True))
    assert offline == first
    assert len(state.requests()) == 4
    with pytest.raises(InputError, match="offline mode and no cached copy"):
        load_repodata(f"{base}/forge", "osx-64", fetcher=_fetcher(tmp_path, offline=True))
    assert len(state.requests()) == 4

    # one fetcher reads each URL once (a lock loads a channel per target)
    shared = _fetcher(tmp_path / "other")
    ch1 = Channel.load(f"{base}/forge", "linux-64", fetcher=shared)
    ch2 = Channel.load(f"{base}/forge", "linux-64", fetcher=shared)
    assert list(ch1) == list(ch2)
    assert len(state.requests()) == 6


def test_gzip_transfer_is_decoded_before_parsing_and_caching(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    raw = _publish(state)
    state.gzip = True
    records = load_repodata(
        f"{base}/forge/linux-64/repodata.json", fetcher=_fetcher(tmp_path, max_workers=1)
    )
    assert len(records) == 199
    (request,) = state.requests("repodata.json")
    assert "gzip" in request["headers"].get("Accept-Encoding", "")
    assert state.bytes_sent < len(raw) // 4  # the transfer was compressed
    cached = load_repodata(
        f"{base}/forge/linux-64/repodata.json", fetcher=_fetcher(tmp_path, offline=True)
    )
    assert cached == records
    bodies = [p.read_bytes() for p in (tmp_path / "cache").rglob("*.body")]
    assert raw in bodies  # the document itself, not its transfer encoding


def test_retries_and_credentials(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    state.fail["/forge/noarch/repodata.json"] = 2  # two 503s, then the document
    state.auth = "conda-user:s3cr3t-pw"
    url = base.replace("http://", "http://conda-user:s3cr3t-pw@") + "/forge"
    channel = Channel.load(url, "linux-64", name="forge", fetcher=_fetcher(tmp_path))
    assert [r.name for r in channel.records("n")] == ["n"]
    assert {r.channel for r in channel} == {"forge"}
    assert all("Authorization" in r["headers"] for r in state.requests())
    assert len(state.requests("noarch/repodata.json")) == 3
    assert all("s3cr3t" not in r.url for r in channel)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"s3cr3t" not in path.read_bytes()
    with pytest.raises(InputError, match="authentication required") as info:
        load_repodata(f"{base}/forge", "linux-64", fetcher=_fetcher(tmp_path / "anon"))
    assert "s3cr3t" not in str(info.value)


def test_channel_tokens_are_sent_but_never_stored_or_shown(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    _publish(state, "t/tk-5ecret/forge")  # anaconda.org's token form: /t/<token>/<channel>
    records = load_repodata(f"{base}/t/tk-5ecret/forge", "linux-64", fetcher=_fetcher(tmp_path))
    assert {r.channel for r in records} == {f"{base}/forge"}
    assert all("tk-5ecret" not in r.url for r in records)
    cached = load_repodata(
        f"{base}/t/tk-5ecret/forge", "linux-64", fetcher=_fetcher(tmp_path, offline=True)
    )
    assert cached == records
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"tk-5ecret" not in path.read_bytes()
    with pytest.raises(InputError) as info:
        load_repodata(f"{base}/t/tk-5ecret/forge/osx-64/repodata.json", fetcher=_fetcher(tmp_path))
    assert "tk-5ecret" not in str(info.value)
    assert "tk-5ecret" not in str(info.value.source)


def test_index_of_fetched_repodata_is_cached_beside_the_http_cache(
    tmp_path: Path, http_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compatlib.sources.conda import repodata

    monkeypatch.setattr(repodata, "DISK_CACHE_MIN_BYTES", 0)  # index even these small ones
    base, state = http_server
    _publish(state)
    repodata.clear_memory_cache()
    first = Channel.load(f"{base}/forge", "linux-64", fetcher=_fetcher(tmp_path))
    assert [str(r.version) for r in first.records("q")][-1] == "199"
    entries = sorted((tmp_path / "cache" / "conda-index").iterdir())
    assert len(entries) == 2  # linux-64 and noarch, keyed by content
    repodata.clear_memory_cache()
    again = Channel.load(f"{base}/forge", "linux-64", fetcher=_fetcher(tmp_path, offline=True))
    assert list(again) == list(first)
    assert sorted((tmp_path / "cache" / "conda-index").iterdir()) == entries


def test_a_304_rewrites_the_cache_entry_not_the_body(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    url = f"{base}/forge/linux-64/repodata.json"
    first = load_repodata(url, fetcher=_fetcher(tmp_path))
    (body,) = (tmp_path / "cache").rglob("*.body")
    (meta,) = (p for p in (tmp_path / "cache" / "http").rglob("*.json"))
    before = body.stat().st_ino, body.stat().st_mtime_ns
    stored = json.loads(meta.read_text())["stored_at"]
    again = load_repodata(url, fetcher=_fetcher(tmp_path))
    assert again == first
    assert "If-None-Match" in state.requests("repodata.json")[-1]["headers"]
    assert (body.stat().st_ino, body.stat().st_mtime_ns) == before  # not written again
    assert json.loads(meta.read_text())["stored_at"] > stored  # the revalidation is kept
    offline = load_repodata(url, fetcher=_fetcher(tmp_path, offline=True))
    assert offline == first  # the entry still reads back whole
