"""The repository over a real (local, 127.0.0.1) HTTP server."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from pypi_builders import Entry, ServerState, build_wheel, write_index

from compatlib.sources.fetch import Fetcher, redact_url
from compatlib.sources.pypi import (
    FetchError,
    MetadataUnavailableError,
    OfflineError,
    PyPIRepository,
)
from compatlib.values.target import Target

TARGET = Target(python="3.11", platform="linux-64", glibc="2.28")
Server = tuple[str, ServerState]


def _repo(tmp_path: Path, *indexes: str, cache: str = "cache", **kw: object) -> PyPIRepository:
    kw.setdefault("target", TARGET)
    kw.setdefault("progress", False)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5.0)
    return PyPIRepository(list(indexes), cache_dir=tmp_path / cache, **kw)  # type: ignore[arg-type]


def _publish(state: ServerState, *, flavour: str = "html", metadata: bool = False) -> Path:
    files = state.root / "files"
    big = build_wheel(
        files,
        "demo",
        "1.0",
        "cp311-cp311-manylinux_2_17_x86_64",
        requires=["numpy>=1.24", 'torch; extra == "gpu"'],
        requires_python=">=3.10",
        extras=["gpu"],
        padding=1_500_000,
    )
    small = build_wheel(files, "demo", "0.5", requires=["six"])
    write_index(
        state.root,
        {"demo": [Entry(big, metadata=metadata), Entry(small, metadata=metadata)]},
        flavour=flavour,
    )
    return big


def test_range_requests_read_only_metadata(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    big = _publish(state)
    repo = _repo(tmp_path, f"{base}/simple/")
    assert repo.versions("demo") == ["0.5", "1.0"]
    rel = repo.release("demo", "1.0")
    assert rel.requires == ("numpy>=1.24", 'torch; extra == "gpu"')
    assert rel.requires_python == ">=3.10"
    assert rel.extras == ("gpu",)
    art = rel.artifacts[0]
    assert art.url == f"{base}/files/{big.name}"
    assert art.hashes[0][0] == "sha256"
    wheel_requests = state.requests(big.name)
    assert wheel_requests
    assert all("Range" in r["headers"] for r in wheel_requests)
    assert len(wheel_requests) <= 3
    # far less than the 1.5 MB wheel went over the wire
    assert state.bytes_sent < big.stat().st_size // 5


def test_json_negotiation_and_pep658(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state, flavour="both", metadata=True)
    repo = _repo(tmp_path, f"{base}/simple")
    assert repo.release("demo", "1.0").requires[0] == "numpy>=1.24"
    assert repo.release("demo", "0.5").requires == ("six",)
    (page,) = state.requests("/simple/demo/")
    assert "application/vnd.pypi.simple.v1+json" in page["headers"]["Accept"]
    assert len(state.requests(".whl.metadata")) == 2
    assert state.requests(".whl") == []  # no wheel bytes were needed


def test_etag_revalidation_metadata_cache_and_offline(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    index = f"{base}/simple/"
    first = _repo(tmp_path, index)
    rel = first.release("demo", "1.0")
    n_wheel = len(state.requests(".whl"))

    warm = _repo(tmp_path, index)
    assert warm.release("demo", "1.0") == rel
    pages = state.requests("/simple/demo/")
    assert len(pages) == 2
    assert "If-None-Match" in pages[1]["headers"]
    assert "If-Modified-Since" in pages[1]["headers"]
    assert len(state.requests(".whl")) == n_wheel  # metadata came from the cache
    assert warm.fetcher.requests_sent == 1  # just the 304 revalidation

    before = len(state.log)
    offline = _repo(tmp_path, index, offline=True)
    assert offline.versions("demo") == ["0.5", "1.0"]
    assert offline.release("demo", "1.0") == rel
    assert len(state.log) == before  # no network at all

    cold = _repo(tmp_path, index, cache="other-cache", offline=True)
    with pytest.raises(OfflineError) as info:
        cold.versions("demo")
    assert info.value.url == f"{base}/simple/demo/"
    assert len(state.log) == before
    # page cached, metadata not: a clear offline error naming the package
    cold2 = _repo(tmp_path, index, cache="third-cache")
    cold2.versions("demo")
    offline2 = _repo(tmp_path, index, cache="third-cache", offline=True)
    with pytest.raises(MetadataUnavailableError, match=r"demo 1\.0") as info2:
        offline2.release("demo", "1.0")
    assert info2.value.offline is True
    assert "offline mode" in str(info2.value)


def test_max_age_skips_revalidation(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    state.cache_control = "max-age=600, public"
    index = f"{base}/simple/"
    assert _repo(tmp_path, index).versions("demo") == ["0.5", "1.0"]
    warm = _repo(tmp_path, index)
    assert warm.versions("demo") == ["0.5", "1.0"]
    assert warm.fetcher.requests_sent == 0
    assert len(state.requests("/simple/demo/")) == 1
    state.cache_control = "no-cache"
    assert _repo(tmp_path, index, cache="nc").versions("demo") == ["0.5", "1.0"]
    again = _repo(tmp_path, index, cache="nc")
    again.versions("demo")
    assert again.fetcher.requests_sent == 1


def test_changed_page_is_refetched(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    index = f"{base}/simple/"
    assert _repo(tmp_path, index).versions("demo") == ["0.5", "1.0"]
    build_wheel(state.root / "files", "demo", "2.0")
    write_index(
        state.root,
        {"demo": [Entry(p) for p in sorted((state.root / "files").glob("demo-*.whl"))]},
    )
    assert _repo(tmp_path, index).versions("demo") == ["0.5", "1.0", "2.0"]


def test_retries_on_503(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    state.fail["/simple/demo/"] = 2
    repo = _repo(tmp_path, f"{base}/simple/", retries=3)
    assert repo.versions("demo") == ["0.5", "1.0"]
    assert len(state.requests("/simple/demo/")) == 3

    state.fail["/simple/demo/"] = 5
    flaky = _repo(tmp_path, f"{base}/simple/", cache="c2", retries=1)
    with pytest.raises(FetchError) as info:
        flaky.versions("demo")
    assert info.value.status == 503


def test_connection_refused_is_a_fetch_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "http://127.0.0.1:9/simple/", retries=1, timeout=1.0)
    with pytest.raises(FetchError, match="network error"):
        repo.versions("demo")


def test_missing_project_falls_through_to_next_index(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    local = tmp_path / "local"
    write_index(local, {"other": [Entry(build_wheel(local / "files", "other", "3.0"))]})
    repo = _repo(tmp_path, f"{base}/simple/", (local / "simple").as_uri())
    assert repo.versions("other") == ["3.0"]
    assert repo.versions("demo") == ["0.5", "1.0"]
    assert state.requests("/simple/other/")  # asked first, 404


def test_server_ignoring_range_falls_back_to_download(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    big = _publish(state)
    state.ignore_range = True
    rel = _repo(tmp_path, f"{base}/simple/").release("demo", "1.0")
    assert rel.requires_python == ">=3.10"
    assert state.bytes_sent > big.stat().st_size


def test_credentials_from_userinfo_are_never_stored(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    state.auth = "alice:s3cr3t-pw"
    index = base.replace("http://", "http://alice:s3cr3t-pw@") + "/simple/"
    repo = _repo(tmp_path, index)
    rel = repo.release("demo", "1.0")
    assert "s3cr3t" not in rel.artifacts[0].url
    assert all("Authorization" in r["headers"] for r in state.log)
    assert "s3cr3t" not in repr(repo)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"s3cr3t" not in path.read_bytes()
            assert b"alice" not in path.read_bytes()

    anonymous = _repo(tmp_path, f"{base}/simple/", cache="anon")
    with pytest.raises(FetchError, match="authentication required") as info:
        anonymous.versions("demo")
    assert info.value.status == 401


def test_credentials_from_netrc_and_env(
    tmp_path: Path, http_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, state = http_server
    _publish(state)
    state.auth = "bob:hunter2"
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login bob password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert _repo(tmp_path, f"{base}/simple/", cache="n").versions("demo") == ["0.5", "1.0"]

    monkeypatch.setenv("NETRC", str(tmp_path / "absent"))
    monkeypatch.setenv("COMPATLIB_INDEX_USERNAME", "bob")
    monkeypatch.setenv("COMPATLIB_INDEX_PASSWORD", "hunter2")
    assert _repo(tmp_path, f"{base}/simple/", cache="e").versions("demo") == ["0.5", "1.0"]
    # env credentials only go to index hosts
    fetcher = Fetcher(cache_dir=tmp_path / "f", index_urls=["https://pypi.example/simple/"])
    with pytest.raises(FetchError) as info:
        fetcher.get(f"{base}/simple/demo/")
    assert info.value.status == 401


def test_find_links_html_page_over_http(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    files = state.root / "wheelhouse"
    w = build_wheel(files, "flat", "1.5", requires=["attrs"])
    (files / "index.html").write_text(f'<a href="{w.name}">{w.name}</a><a href="../x">x</a>')
    repo = _repo(tmp_path, find_links=[f"{base}/wheelhouse/"])
    assert repo.versions("flat") == ["1.5"]
    assert repo.release("flat", "1.5").requires == ("attrs",)


class _FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal(
    tmp_path: Path, http_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, state = http_server
    _publish(state)
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    _repo(tmp_path, f"{base}/simple/", cache="q", progress=True).versions("demo")
    assert plain.getvalue() == ""  # not a terminal: never, even with progress=True

    tty = _FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    _repo(tmp_path, f"{base}/simple/", cache="off", progress=False).versions("demo")
    assert tty.getvalue() == ""
    with _repo(tmp_path, f"{base}/simple/", cache="p", progress=None) as loud:
        loud.release("demo", "1.0")
    err = tty.getvalue()
    assert "compatlib: fetched" in err
    assert err.endswith("\r")  # the line is cleared at close()


def test_redact_url() -> None:
    assert redact_url("https://u:p@h.example:8443/x?y#z") == "https://h.example:8443/x?y#z"
    assert redact_url("https://h.example/x") == "https://h.example/x"


@pytest.mark.parametrize(
    "url", ["http://[x/simple/", "https://user:pw@[x/a.whl", "http://h.example:99999/a.whl"]
)
def test_a_url_that_does_not_parse_is_a_fetch_error(tmp_path: Path, url: str) -> None:
    """A link on a page can be anything: its host or port failing to parse is a
    FetchError from every entry point (and no credential shows in it)."""
    fetcher = Fetcher(cache_dir=tmp_path / "f", index_urls=[url])
    calls = [
        lambda: fetcher.get(url),
        lambda: fetcher.get_range(url, 0, 10),
        lambda: fetcher.download(url, io.BytesIO()),
        lambda: fetcher.get_parsed(
            url, accept="", kind="x", parse=lambda r: r, dump=lambda r: b"", load=lambda b: b
        ),
    ]
    for call in calls:
        with pytest.raises(FetchError, match="not a valid URL") as info:
            call()
        assert "pw" not in str(info.value)
