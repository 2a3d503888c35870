"""What a lock reads from an index over HTTP, and what it does not (local server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.version import Version
from pypi_builders import Entry, ServerState, build_sdist, build_wheel, sha256_file, write_index

from compatlib.lock.pip import lock_pip
from compatlib.solver.errors import UnsatisfiableError
from compatlib.sources.pypi import PyPIRepository
from compatlib.values.target import Target

TARGET = Target(python="3.11", platform="linux-64", glibc="2.28")
Server = tuple[str, ServerState]


def _repo(tmp_path: Path, index: str, **kw: object) -> PyPIRepository:
    kw.setdefault("target", TARGET)
    kw.setdefault("progress", False)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5.0)
    return PyPIRepository([index], cache_dir=tmp_path / "cache", **kw)  # type: ignore[arg-type]


def _publish(state: ServerState, *, flavour: str = "json") -> None:
    files = state.root / "files"
    entries = [
        Entry(build_wheel(files, "demo", "1.0", requires=["six"])),
        Entry(build_wheel(files, "demo", "2.0", "cp311-cp311-win_amd64")),
        Entry(
            build_wheel(files, "demo", "2.0", "cp311-cp311-manylinux_2_17_x86_64"),
            extra={"upload-time": "2026-01-01T00:00:00Z"},
        ),
    ]
    write_index(state.root, {"demo": entries}, flavour=flavour)


def _pages(state: ServerState) -> list[dict[str, object]]:
    return state.requests("/simple/demo/")


def test_page_answered_304_is_not_parsed_again(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    first = _repo(tmp_path, f"{base}/simple/")
    assert first.versions("demo") == ["1.0", "2.0"]
    assert first.pages_parsed == 1

    warm = _repo(tmp_path, f"{base}/simple/")
    assert warm.versions("demo") == ["1.0", "2.0"]
    assert warm.release("demo", "2.0").artifacts[0].filename.endswith("manylinux_2_17_x86_64.whl")
    again = _pages(state)[1]
    assert "If-None-Match" in again["headers"]  # type: ignore[operator]
    assert again["status"] == 304
    assert warm.pages_parsed == 0


def test_unchanged_page_without_validators_is_not_parsed_again(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    state.validators = False
    _publish(state)
    assert _repo(tmp_path, f"{base}/simple/").versions("demo") == ["1.0", "2.0"]
    warm = _repo(tmp_path, f"{base}/simple/")
    assert warm.versions("demo") == ["1.0", "2.0"]
    assert [p["status"] for p in _pages(state)] == [200, 200]  # nothing to revalidate with
    assert warm.pages_parsed == 0  # the same body: the stored form is used

    files = state.root / "files"
    build_wheel(files, "demo", "3.0")
    write_index(
        state.root, {"demo": [Entry(p) for p in sorted(files.glob("*.whl"))]}, flavour="json"
    )
    changed = _repo(tmp_path, f"{base}/simple/")
    assert changed.versions("demo") == ["1.0", "2.0", "3.0"]
    assert changed.pages_parsed == 1


def test_changed_page_is_parsed_again(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    assert _repo(tmp_path, f"{base}/simple/").versions("demo") == ["1.0", "2.0"]
    files = state.root / "files"
    newer = Entry(build_wheel(files, "demo", "3.0"))
    write_index(
        state.root, {"demo": [Entry(p) for p in sorted(files.glob("*.whl"))]}, flavour="json"
    )
    assert newer.path.exists()
    changed = _repo(tmp_path, f"{base}/simple/")
    assert changed.versions("demo") == ["1.0", "2.0", "3.0"]
    assert changed.pages_parsed == 1


def test_the_cache_keeps_a_compact_form_of_the_page(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    repo = _repo(tmp_path, f"{base}/simple/")
    assert repo.versions("demo") == ["1.0", "2.0"]
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert b"upload-time" not in stored  # fields nothing reads are not kept
    assert b"win_amd64" not in stored  # nor files the target cannot use
    assert b"manylinux_2_17_x86_64" in stored
    # what the target cannot use is still counted and explained
    assert repo.skipped_versions("demo") == []
    assert [f.filename for f in repo.files("demo")] == sorted(
        p.name for p in (state.root / "files").glob("*.whl")
    )


def test_offline_after_a_warm_run(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _publish(state)
    online = _repo(tmp_path, f"{base}/simple/")
    rel = online.release("demo", "1.0")
    before = len(state.log)
    offline = _repo(tmp_path, f"{base}/simple/", offline=True)
    assert offline.versions("demo") == ["1.0", "2.0"]
    assert offline.release("demo", "1.0") == rel
    assert offline.metadata_source("demo", "1.0") == "range"
    assert len(state.log) == before


def test_connections_are_kept_alive(
    tmp_path: Path, http_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("http_proxy", "https_proxy", "all_proxy"):  # with a proxy, urllib sends
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    base, state = http_server
    _publish(state)
    repo = _repo(tmp_path, f"{base}/simple/", max_workers=1)
    for version in ("1.0", "2.0"):
        repo.release("demo", version)
    clients = {str(r["client"]) for r in state.log}
    assert len(state.log) >= 3
    assert len(clients) == 1


def _newpy(state: ServerState) -> Path:
    """``newpy`` 2.0 needs Python >= 3.12 (an sdist and a cp312 wheel); 1.0 fits 3.11."""
    files = state.root / "files"
    sdist = build_sdist(files, "newpy", "2.0", requires_python=">=3.12", requires=["nothing"])
    wheel = build_wheel(
        files, "newpy", "2.0", "cp312-cp312-manylinux_2_17_x86_64", requires_python=">=3.12"
    )
    old = build_wheel(files, "newpy", "1.0", requires_python=">=3.8")
    write_index(
        state.root,
        {
            "newpy": [
                Entry(sdist, requires_python=">=3.12"),
                Entry(wheel, requires_python=">=3.12"),
                Entry(old, requires_python=">=3.8"),
            ]
        },
        flavour="json",
    )
    return sdist


def test_no_file_of_a_release_the_index_rules_out_is_read(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    sdist = _newpy(state)
    lock = lock_pip(["newpy"], target=TARGET, indexes=[f"{base}/simple/"], cache_dir=tmp_path / "c")
    assert [(p.name, p.version) for p in lock.packages] == [("newpy", "1.0")]
    assert not state.requests(sdist.name)
    assert not state.requests("cp312-cp312-manylinux_2_17_x86_64.whl")

    repo = _repo(tmp_path, f"{base}/simple/")
    rel = repo.release("newpy", "2.0")
    assert rel.requires_python == ">=3.12"
    assert rel.requires == ()
    assert repo.metadata_source("newpy", "2.0") == "index"
    assert not state.requests(sdist.name)

    # asked for it anyway: the explanation says why, still without reading it
    with pytest.raises(UnsatisfiableError, match=r"Python>=3\.12"):
        lock_pip(
            ["newpy==2.0"], target=TARGET, indexes=[f"{base}/simple/"], cache_dir=tmp_path / "c"
        )
    assert not state.requests(sdist.name)


def test_a_yanked_release_is_not_read(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    files = state.root / "files"
    good = build_wheel(files, "yank", "1.0")
    bad = build_wheel(files, "yank", "2.0", requires=["broken"])
    write_index(
        state.root, {"yank": [Entry(good), Entry(bad, yanked="broken build")]}, flavour="json"
    )
    lock = lock_pip(["yank"], target=TARGET, indexes=[f"{base}/simple/"], cache_dir=tmp_path / "c")
    assert [p.version for p in lock.packages] == ["1.0"]
    assert not state.requests(bad.name)


def test_hashes_come_from_the_index(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    files = state.root / "files"
    wheel = build_wheel(files, "hashed", "1.0", padding=300_000)
    write_index(state.root, {"hashed": [Entry(wheel)]}, flavour="json")
    lock = lock_pip(
        ["hashed"], target=TARGET, indexes=[f"{base}/simple/"], cache_dir=tmp_path / "c"
    )
    (pkg,) = lock.packages
    assert dict(pkg.hashes) == {"sha256": sha256_file(wheel)}
    assert pkg.metadata_source == "range"
    assert all("Range" in r["headers"] for r in state.requests(wheel.name))  # type: ignore[operator]
    assert json.loads(lock.to_json())["packages"][0]["metadata_source"] == "range"


def test_metadata_cache_follows_the_file_hash(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    files = state.root / "files"
    index = f"{base}/simple/"
    write_index(
        state.root, {"moving": [Entry(build_wheel(files, "moving", "1.0", requires=["a"]))]}
    )
    assert _repo(tmp_path, index).release("moving", "1.0").requires == ("a",)
    # the same filename, republished with other contents (and so another hash)
    write_index(
        state.root, {"moving": [Entry(build_wheel(files, "moving", "1.0", requires=["b"]))]}
    )
    assert _repo(tmp_path, index).release("moving", "1.0").requires == ("b",)


#: filenames a page may list: plain wheels fit and unfit, compressed tag sets,
#: build tags, bad tags, other projects, odd spellings of one version, sdists
_ODD_FILENAMES = (
    "odd-1.0-py3-none-any.whl",
    "odd-1.0.tar.gz",
    "odd-1.0.0-py2.py3-none-any.whl",  # the same version as 1.0, spelled otherwise
    "odd-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "odd-2.0-cp311-cp311-win_amd64.whl",
    "odd-2.0-1-cp311-cp311-manylinux_2_17_x86_64.whl",  # build tag: parsed whole
    "odd-2.0-2abc-py3-none-any.whl",
    "odd-3.0-cp312-cp312-manylinux_2_17_x86_64.whl",  # no file of 3.0 fits
    "odd-3.0-cp311-cp311-macosx_11_0_arm64.whl",
    "odd-4.0-py3-none.whl",  # too few tags: not a wheel filename
    "odd-4.0-py3-none-any-extra.whl",  # too many parts with a bad build tag
    "odd-4.0-p-y-3.whl",  # tags that do not parse
    "odd-4.0-.whl",
    "odd-5.0.whl",
    "Odd-5.0-py3-none-any.whl",  # another spelling of the project's name
    "other-6.0-py3-none-any.whl",  # another project
    "odd-6.0.zip",
    "odd-7.0a1-py3-none-any.whl",
    "odd-7.0-py3-none-any.exe",
    "odd-x.y.z-py3-none-any.whl",  # no version
)


@pytest.mark.parametrize("sdists", [True, False])
def test_page_files_are_selected_as_a_parse_of_each_filename(
    tmp_path: Path, http_server: Server, sdists: bool
) -> None:
    # the page reader parses each (name, version) pair and tag triple once; what
    # it keeps must be what parsing every filename whole keeps
    from compatlib.sources.pypi import SharedSources
    from compatlib.values.filenames import parse_dist_filename
    from compatlib.values.tags import TagRanker

    base, state = http_server
    folder = state.root / "simple" / "odd"
    folder.mkdir(parents=True)
    files = [
        {"filename": f, "url": f"../../files/{f}", "hashes": {"sha256": f"{i:064x}"}}
        for i, f in enumerate(_ODD_FILENAMES)
    ]
    (folder / "index.json").write_text(json.dumps({"meta": {"api-version": "1.1"}, "files": files}))
    ranker = TagRanker.for_target(TARGET)
    expected: dict[str, list[str]] = {}
    left_out: set[str] = set()
    for f in _ODD_FILENAMES:
        parsed = parse_dist_filename(f)
        if parsed is None or parsed.name != "odd":
            continue
        text = str(parsed.version)
        fits = ranker.rank(parsed.tags) is not None if parsed.kind == "wheel" else sdists
        if fits:
            expected.setdefault(text, []).append(f)
        else:
            left_out.add(text)
    index = f"{base}/simple/"
    for shared in (None, SharedSources()):  # this target's rows; rows for every target
        repo = _repo(
            tmp_path / str(shared is None), index, allow_sdist_metadata=sdists, shared=shared
        )
        versions = repo.versions("odd")
        got = {
            v: sorted(c.file.filename for c in repo._project("odd").candidates(v)) for v in versions
        }
        assert {Version(v) for v in got} == {Version(v) for v in expected}
        assert sorted(f for fs in got.values() for f in fs) == sorted(
            f for fs in expected.values() for f in fs
        )
        kept = {Version(v) for v in versions}
        assert {Version(v) for v, _ in repo.skipped_versions("odd")} == {
            Version(v) for v in left_out if Version(v) not in kept
        }
        assert repo._project("odd").count == sum(
            1 for f in _ODD_FILENAMES if (p := parse_dist_filename(f)) and p.name == "odd"
        )
