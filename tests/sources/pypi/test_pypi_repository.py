from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pypi_builders import Entry, build_sdist, build_wheel, sha256_file, write_index

from compatlib.errors import CompatError, InputError
from compatlib.sources.memory import Repository
from compatlib.sources.pypi import (
    DistFile,
    MetadataUnavailableError,
    PyPIRepository,
    UnknownReleaseError,
)
from compatlib.values.filenames import NormalizedName
from compatlib.values.target import Target

LINUX_217 = Target(python="3.11", platform="linux-64", glibc="2.17")
LINUX_228 = Target(python="3.11", platform="linux-64", glibc="2.28")
WIN = Target(python="3.11", platform="win-64")
MAC_ARM = Target(python="3.11", platform="osx-arm64")


def _repo(tmp_path: Path, *indexes: str | Path, **kw: object) -> PyPIRepository:
    kw.setdefault("target", LINUX_228)
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("progress", False)
    return PyPIRepository([str(i) for i in indexes], **kw)  # type: ignore[arg-type]


@pytest.fixture
def index(tmp_path: Path) -> Path:
    """A file:// HTML index with binary, pure, yanked, sdist-only and local-label releases."""
    files = tmp_path / "idx" / "files"
    fast = "fastlib"
    e = [
        # 1.0: manylinux2014 only
        Entry(
            build_wheel(
                files,
                fast,
                "1.0",
                "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
                requires=["numpy>=1.20"],
            ),
            requires_python=">=3.8",
        ),
        # 2.0: manylinux_2_28 and manylinux2014 and windows, plus sdist
        *(
            Entry(
                build_wheel(
                    files,
                    fast,
                    "2.0",
                    tag,
                    requires=["numpy>=1.24", 'rich; extra == "cli"'],
                    requires_python=">=3.10",
                    extras=["cli"],
                )
            )
            for tag in (
                "cp311-cp311-manylinux_2_28_x86_64",
                "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
                "cp311-cp311-win_amd64",
            )
        ),
        Entry(build_sdist(files, fast, "2.0", requires=["numpy>=1.24"])),
        # 3.0: manylinux_2_28 only, yanked
        Entry(
            build_wheel(files, fast, "3.0", "cp311-cp311-manylinux_2_28_x86_64"),
            yanked="broken",
        ),
        # 3.1: cp312 only -> never usable for 3.11
        Entry(build_wheel(files, fast, "3.1", "cp312-cp312-manylinux_2_17_x86_64")),
    ]
    pure = [
        Entry(build_wheel(files, "purelib", "0.9", requires=[]), requires_python=">=3.7"),
        Entry(build_wheel(files, "purelib", "1.0", requires=["fastlib>=2"])),
        Entry(build_wheel(files, "purelib", "1.0+local.1", requires=["fastlib>=3"])),
        Entry(build_sdist(files, "purelib", "1.1", requires=["fastlib"], requires_python=">=3.9")),
        Entry(build_sdist(files, "purelib", "1.2", metadata_version="2.1")),
        Entry(build_sdist(files, "purelib", "1.3", dynamic=["Requires-Dist"])),
    ]
    write_index(tmp_path / "idx", {fast: e, "PureLib": pure})
    return tmp_path / "idx" / "simple"


def test_is_a_repository(tmp_path: Path, index: Path) -> None:
    repo: Repository = _repo(tmp_path, index.as_uri())
    assert repo.versions("fastlib")


def test_versions_depend_on_target_glibc(tmp_path: Path, index: Path) -> None:
    assert _repo(tmp_path, index.as_uri(), target=LINUX_228).versions("fastlib") == [
        "1.0",
        "2.0",
        "3.0",
    ]
    r217 = _repo(tmp_path, index.as_uri(), target=LINUX_217)
    assert r217.versions("FastLib") == ["1.0", "2.0"]
    assert dict(r217.skipped_versions("fastlib")) == {
        "3.0": "no wheel compatible with the target",
        "3.1": "no wheel compatible with the target",
    }
    win = _repo(tmp_path, index.as_uri(), target=WIN)
    assert win.versions("fastlib") == ["2.0"]
    # only the sdist matches on macOS
    mac = _repo(tmp_path, index.as_uri(), target=MAC_ARM)
    assert mac.versions("fastlib") == ["2.0"]
    assert [a.filename for a in mac.release("fastlib", "2.0").artifacts] == ["fastlib-2.0.tar.gz"]
    no_sdist = _repo(tmp_path, index.as_uri(), target=MAC_ARM, allow_sdist_metadata=False)
    assert no_sdist.versions("fastlib") == []


def test_left_out_names_the_files_and_reads_the_pages_once(
    tmp_path: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r217 = _repo(tmp_path, index.as_uri(), target=LINUX_217)
    listed: list[str] = []
    all_files = r217._all_files

    def counted(name: NormalizedName) -> list[DistFile]:
        listed.append(name)
        return all_files(name)

    monkeypatch.setattr(r217, "_all_files", counted)
    expected = {
        "3.0": ("fastlib-3.0-cp311-cp311-manylinux_2_28_x86_64.whl",),
        "3.1": ("fastlib-3.1-cp312-cp312-manylinux_2_17_x86_64.whl",),
    }
    assert r217.left_out("fastlib") == expected
    assert r217.left_out("FastLib") == expected  # each fact of an explanation asks
    assert listed == ["fastlib"]
    assert _repo(tmp_path, index.as_uri(), target=LINUX_228).left_out("purelib") == {}


def test_best_tagged_wheel_first(tmp_path: Path, index: Path) -> None:
    rel = _repo(tmp_path, index.as_uri(), target=LINUX_228).release("fastlib", "2.0")
    assert [a.filename for a in rel.artifacts] == [
        "fastlib-2.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "fastlib-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "fastlib-2.0.tar.gz",
    ]
    rel217 = _repo(tmp_path, index.as_uri(), target=LINUX_217).release("fastlib", "2.0")
    assert rel217.artifacts[0].filename == (
        "fastlib-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    assert rel.requires == ("numpy>=1.24", 'rich; extra == "cli"')
    assert rel.requires_python == ">=3.10"
    assert rel.extras == ("cli",)
    assert not rel.yanked
    first = rel.artifacts[0]
    path = index.parent / "files" / first.filename
    assert first.hashes == (("sha256", sha256_file(path)),)
    assert first.size == path.stat().st_size
    assert first.url == path.as_uri()


def test_yanked_release_is_kept_but_marked(tmp_path: Path, index: Path) -> None:
    repo = _repo(tmp_path, index.as_uri())
    rel = repo.release("fastlib", "3.0")
    assert rel.yanked
    assert all(a.yanked for a in rel.artifacts)
    assert not repo.release("fastlib", "2.0").yanked


def test_is_yanked_needs_no_metadata(tmp_path: Path, index: Path) -> None:
    repo = _repo(tmp_path, index.as_uri())
    assert repo.is_yanked("fastlib", "3.0")
    assert not repo.is_yanked("fastlib", "2.0")
    assert not repo.is_yanked("fastlib", "9.9")
    assert not repo.is_yanked("fastlib", "bogus")
    assert not (tmp_path / "cache" / "metadata").exists()  # nothing was read


def test_requires_python_from_index_when_metadata_lacks_it(tmp_path: Path, index: Path) -> None:
    rel = _repo(tmp_path, index.as_uri()).release("fastlib", "1.0")
    assert rel.requires_python == ">=3.8"
    assert rel.requires == ("numpy>=1.20",)


def test_local_labels_and_sdists(tmp_path: Path, index: Path) -> None:
    repo = _repo(tmp_path, index.as_uri())
    # 1.2 (Metadata-Version 2.1) and 1.3 (dynamic Requires-Dist) are local sdists
    # with unusable metadata: not candidates.
    assert repo.versions("purelib") == ["0.9", "1.0", "1.0+local.1", "1.1"]
    assert repo.release("purelib", "1.0").requires == ("fastlib>=2",)
    assert repo.release("purelib", "1.0+local.1").requires == ("fastlib>=3",)
    sd = repo.release("purelib", "1.1")
    assert sd.requires == ("fastlib",)
    assert sd.requires_python == ">=3.9"
    assert [a.filename for a in sd.artifacts] == ["purelib-1.1.tar.gz"]
    reasons = dict(repo.skipped_versions("purelib"))
    assert reasons == {
        "1.2": "only sdists with dynamic metadata",
        "1.3": "only sdists with dynamic metadata",
    }
    with pytest.raises(MetadataUnavailableError) as info:
        repo.release("purelib", "1.3")
    assert info.value.package == "purelib"
    assert "dynamic" in str(info.value)


def test_unknown_names_and_versions(tmp_path: Path, index: Path) -> None:
    repo = _repo(tmp_path, index.as_uri())
    assert repo.versions("does-not-exist") == []
    with pytest.raises(UnknownReleaseError) as info:
        repo.release("fastlib", "3.1")
    assert isinstance(info.value, CompatError)
    assert isinstance(info.value, KeyError)
    assert "fastlib 3.1" in str(info.value)
    with pytest.raises(UnknownReleaseError):
        repo.release("fastlib", "not a version")


def test_version_spelling_is_normalized(tmp_path: Path, index: Path) -> None:
    repo = _repo(tmp_path, index.as_uri())
    assert repo.release("fastlib", "2.0.0") is repo.release("fastlib", "2.0")


def test_json_flavour_and_pep658_metadata(tmp_path: Path) -> None:
    files = tmp_path / "j" / "files"
    w = build_wheel(files, "meta", "1.0", requires=["a"])
    w2 = build_wheel(files, "meta", "2.0", requires=["b"])
    write_index(
        tmp_path / "j",
        {"meta": [Entry(w, metadata=True), Entry(w2, metadata=True)]},
        flavour="json",
    )
    # Remove the wheels: metadata can only come from the .metadata files.
    w.unlink()
    w2.unlink()
    repo = _repo(tmp_path, tmp_path / "j" / "simple", hash_local_files=False)
    assert repo.versions("meta") == ["1.0", "2.0"]
    assert repo.release("meta", "1.0").requires == ("a",)
    assert repo.release("meta", "2.0").artifacts[0].hashes[0][0] == "sha256"


def test_bad_pep658_hash_falls_back_to_the_wheel(tmp_path: Path) -> None:
    files = tmp_path / "h" / "files"
    w = build_wheel(files, "hashy", "1.0", requires=["real"])
    write_index(tmp_path / "h", {"hashy": [Entry(w, metadata=True, bad_metadata_hash=True)]})
    (files / (w.name + ".metadata")).write_text(
        "Metadata-Version: 2.1\nName: hashy\nVersion: 1.0\n"
    )
    repo = _repo(tmp_path, (tmp_path / "h" / "simple").as_uri())
    assert repo.release("hashy", "1.0").requires == ("real",)


def _two_indexes(tmp_path: Path) -> tuple[Path, Path]:
    a_files = tmp_path / "a" / "files"
    b_files = tmp_path / "b" / "files"
    write_index(
        tmp_path / "a",
        {"shared": [Entry(build_wheel(a_files, "shared", "1.0", requires=["from-a"]))]},
    )
    write_index(
        tmp_path / "b",
        {
            "shared": [
                Entry(build_wheel(b_files, "shared", "1.0", requires=["from-b"])),
                Entry(build_wheel(b_files, "shared", "9.0", requires=["evil"])),
            ],
            "only-b": [Entry(build_wheel(b_files, "only-b", "0.1"))],
        },
        flavour="json",
    )
    return tmp_path / "a" / "simple", tmp_path / "b" / "simple"


def test_first_index_strategy_prevents_dependency_confusion(tmp_path: Path) -> None:
    a, b = _two_indexes(tmp_path)
    repo = _repo(tmp_path, a, b)
    assert repo.versions("shared") == ["1.0"]
    assert repo.release("shared", "1.0").requires == ("from-a",)
    assert repo.versions("only-b") == ["0.1"]  # absent from a: the next index is asked


def test_best_match_strategy_merges_indexes(tmp_path: Path) -> None:
    a, b = _two_indexes(tmp_path)
    repo = _repo(tmp_path, a, b, strategy="best-match")
    assert repo.versions("shared") == ["1.0", "9.0"]
    # the same filename in both: the earlier index's file wins
    rel = repo.release("shared", "1.0")
    assert rel.requires == ("from-a",)
    assert rel.artifacts[0].url.startswith((tmp_path / "a").as_uri())


def test_unknown_strategy(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _repo(tmp_path, strategy="fastest")
    assert info.value.field == "strategy"


def test_find_links_are_merged_and_listing_order_does_not_matter(
    tmp_path: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = tmp_path / "links"
    build_wheel(links, "fastlib", "4.0", "cp311-cp311-manylinux_2_17_x86_64", requires=["x"])
    build_wheel(links, "purelib", "2.0")
    build_sdist(links, "purelib", "2.0")
    build_sdist(links, "linkonly", "0.5", requires=["y>=1"], fmt="zip")
    (links / "README.txt").write_text("not a distribution")
    (links / "notes.whl.d").mkdir()
    # first-index keeps the index copy of fastlib but find-links add versions
    repo = _repo(tmp_path, index.as_uri(), find_links=[str(links)])
    assert repo.versions("fastlib") == ["1.0", "2.0", "3.0", "4.0"]
    assert repo.release("fastlib", "4.0").requires == ("x",)
    assert repo.versions("linkonly") == ["0.5"]
    assert repo.release("linkonly", "0.5").requires == ("y>=1",)
    rel = repo.release("purelib", "2.0")
    assert [a.filename for a in rel.artifacts] == [
        "purelib-2.0-py3-none-any.whl",
        "purelib-2.0.tar.gz",
    ]
    assert rel.artifacts[0].hashes == (
        ("sha256", sha256_file(links / "purelib-2.0-py3-none-any.whl")),
    )

    real_listdir = os.listdir

    def reversed_listdir(path: str | os.PathLike[str]) -> list[str]:
        return sorted(real_listdir(path), reverse=True)

    monkeypatch.setattr(os, "listdir", reversed_listdir)
    again = _repo(tmp_path, index.as_uri(), find_links=[links.as_uri()])
    assert again.versions("fastlib") == repo.versions("fastlib")
    assert again.release("purelib", "2.0") == rel
    assert again.files("purelib") == repo.files("purelib")


def test_find_links_only(tmp_path: Path) -> None:
    links = tmp_path / "wheelhouse"
    build_wheel(links, "solo", "1.0", "cp311-abi3-win_amd64")
    build_wheel(links, "solo", "1.0", "cp311-abi3-manylinux_2_17_x86_64")
    repo = _repo(tmp_path, find_links=[links.as_uri()], target=WIN)
    assert repo.versions("solo") == ["1.0"]
    assert [a.filename for a in repo.release("solo", "1.0").artifacts] == [
        "solo-1.0-cp311-abi3-win_amd64.whl"
    ]


def test_offline_works_with_local_files_only(tmp_path: Path, index: Path) -> None:
    repo = _repo(tmp_path, index.as_uri(), offline=True)
    assert repo.release("fastlib", "2.0").requires[0] == "numpy>=1.24"


def test_missing_metadata_everywhere_is_a_clear_error(tmp_path: Path) -> None:
    files = tmp_path / "m" / "files"
    w = build_wheel(files, "ghost", "1.0")
    write_index(tmp_path / "m", {"ghost": [Entry(w)]})
    w.unlink()
    repo = _repo(tmp_path, (tmp_path / "m" / "simple").as_uri(), hash_local_files=False)
    assert repo.versions("ghost") == ["1.0"]
    with pytest.raises(MetadataUnavailableError) as info:
        repo.release("ghost", "1.0")
    assert info.value.package == "ghost"
    assert info.value.version == "1.0"
    assert "ghost-1.0-py3-none-any.whl" in str(info.value)
    # the failure is remembered, not retried on every call
    build_wheel(files, "ghost", "1.0")
    with pytest.raises(MetadataUnavailableError):
        repo.release("ghost", "1.0")
    fresh = _repo(tmp_path, (tmp_path / "m" / "simple").as_uri(), hash_local_files=False)
    assert fresh.release("ghost", "1.0").version == "1.0"


def test_local_wheel_metadata_is_read_from_the_wheel_not_cached(tmp_path: Path) -> None:
    src = tmp_path / "c"
    w = build_wheel(src / "files", "cached", "1.0", requires=["dep"])
    write_index(src, {"cached": [Entry(w)]})
    url = (src / "simple").as_uri()
    assert _repo(tmp_path, url).release("cached", "1.0").requires == ("dep",)
    assert not (tmp_path / "cache" / "metadata").exists()  # nothing worth caching
    # Same path, size and mtime, but the zip directory is destroyed: no stale answer.
    stat = w.stat()
    data = bytearray(w.read_bytes())
    data[-200:] = b"X" * 200
    w.write_bytes(bytes(data))
    os.utime(w, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(MetadataUnavailableError, match="not a readable wheel"):
        _repo(tmp_path, url, hash_local_files=False).release("cached", "1.0")


def test_sdist_metadata_cache_survives_the_files(tmp_path: Path) -> None:
    src = tmp_path / "c"
    sd = build_sdist(src / "files", "cached", "1.0", requires=["dep"])
    write_index(src, {"cached": [Entry(sd)]})
    url = (src / "simple").as_uri()
    assert _repo(tmp_path, url).release("cached", "1.0").requires == ("dep",)
    # Same path, size and mtime, but the archive is destroyed: the cache answers.
    stat = sd.stat()
    sd.write_bytes(b"X" * stat.st_size)
    os.utime(sd, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _repo(tmp_path, url).release("cached", "1.0").requires == ("dep",)
    # Without the cache the damaged sdist is unreadable.
    shutil.rmtree(tmp_path / "cache")
    with pytest.raises(MetadataUnavailableError, match="not a readable sdist"):
        _repo(tmp_path, url, hash_local_files=False).release("cached", "1.0")


def test_damaged_metadata_cache_entry_is_replaced(tmp_path: Path) -> None:
    src = tmp_path / "c"
    sd = build_sdist(src / "files", "cached", "1.0", requires=["dep"])
    write_index(src, {"cached": [Entry(sd)]})
    url = (src / "simple").as_uri()
    rel = _repo(tmp_path, url).release("cached", "1.0")
    entries = [p for p in (tmp_path / "cache" / "core-metadata").rglob("*") if p.is_file()]
    assert len(entries) == 1
    entries[0].write_bytes(b"garbage")
    assert _repo(tmp_path, url).release("cached", "1.0") == rel
    assert entries[0].read_bytes().startswith(b'{"source":"local"')


def test_prefetch_concurrently(tmp_path: Path, index: Path) -> None:
    repo = _repo(tmp_path, index.as_uri(), max_workers=4)
    repo.prefetch(["fastlib", "purelib", "nothing-here"])
    repo.prefetch_releases("purelib")
    serial = _repo(tmp_path, index.as_uri(), max_workers=1)
    for name in ("fastlib", "purelib"):
        assert repo.versions(name) == serial.versions(name)
        for v in repo.versions(name):
            assert repo.release(name, v) == serial.release(name, v)
