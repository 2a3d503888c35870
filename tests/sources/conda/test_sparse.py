"""Sparse repodata: records built per name on request, the index cached in memory
and on disk, and the nesting bound.

The sparse channels are compared with an eager oracle (every entry turned into a
record, the way compatlib read repodata before it read it sparsely) on all the
peer repodata (read in place; skipped when absent) and on hand-made documents.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from compatlib._input import MAX_DEPTH
from compatlib.errors import InputError
from compatlib.sources.conda import repodata
from compatlib.sources.conda.channel import Channel
from compatlib.sources.conda.matchspec import MatchSpec, parse_matchspec, record_specs
from compatlib.sources.conda.records import PackageRecord, record_from_json
from compatlib.sources.conda.repodata import (
    clear_memory_cache,
    load_repodata,
    load_sparse_repodata,
    parse_repodata,
)
from compatlib.sources.conda.sparse import DUMP_MAGIC, RepodataIndex, index_document
from compatlib.values.conda_version import parse_conda_version
from compatlib.values.urls import path_to_url

CHANNELS = Path(__file__).resolve().parents[4] / "shared" / "peer-suites" / "conda" / "channels"
REAL = sorted(CHANNELS.glob("*.json")) if CHANNELS.is_dir() else []


def eager(doc: Mapping[str, Any], *, source: str, location_url: str) -> list[PackageRecord]:
    """Every record of a document, built one by one (the oracle)."""
    view = repodata.document_view(
        index_document(doc, source), source=source, location_url=location_url
    )
    maps = [(s, doc[s]) for s in ("packages", "packages.conda") if isinstance(doc.get(s), dict)]
    if not maps:
        maps = [("", doc)]
    stems = {fn[: -len(".conda")] for _, m in maps for fn in m if fn.endswith(".conda")}
    chosen: dict[str, PackageRecord] = {}
    for section, mapping in sorted(maps, key=lambda m: m[0] != "packages.conda"):
        for fn in sorted(mapping):
            if fn in chosen or (fn.endswith(".tar.bz2") and fn[: -len(".tar.bz2")] in stems):
                continue
            chosen[fn] = record_from_json(
                fn,
                mapping[fn],
                subdir=view.subdir,
                channel=view.channel,
                base_url=view.base_url,
                source=source,
                field=f"{section}.{fn}" if section else fn,
            )
    return sorted(chosen.values(), key=lambda r: (r.subdir, r.filename))


@pytest.mark.skipif(not REAL, reason="peer repodata not present")
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_sparse_channel_equals_eager_records(path: Path, tmp_path: Path) -> None:
    expected = eager(
        json.loads(path.read_bytes()), source=str(path), location_url=path_to_url(path)
    )
    reference = Channel(expected)
    for cache_dir in (None, tmp_path, tmp_path):  # no cache, a fresh one, read back from disk
        clear_memory_cache()
        channel = Channel.load(path, cache=cache_dir is not None, cache_dir=cache_dir)
        assert len(channel) == len(expected)
        assert channel.names() == reference.names()
        assert channel.subdirs == reference.subdirs
        for name in ("python", "numpy", "libffi", "cudatoolkit", "foo", "pytorch"):
            assert channel.records(name) == reference.records(name)
    assert list(channel) == list(reference)  # every record, from the disk cache
    everything = load_repodata(path, cache=False)  # every record, from the parsed JSON
    assert everything == sorted(expected, key=lambda r: (r.subdir, r.filename, r.url))


def _doc(entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"info": {"subdir": "linux-64"}, "packages": entries}


def _pkg(name: str, version: str, build: str = "0", **kw: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "build": build, "build_number": 0, **kw}


def test_only_the_names_asked_for_are_built(tmp_path: Path) -> None:
    path = tmp_path / "repodata.json"
    broken = {**_pkg("broken", "1"), "depends": "not-a-list"}
    path.write_text(
        json.dumps(
            _doc(
                {
                    "a-1-0.tar.bz2": _pkg("a", "1", depends=["b"]),
                    "b-2-0.tar.bz2": _pkg("b", "2"),
                    "broken-1-0.tar.bz2": broken,
                }
            )
        )
    )
    (doc,) = load_sparse_repodata(path)
    assert doc.names() == ("a", "b", "broken")
    assert len(doc) == 3
    assert doc.subdirs == {"linux-64"}
    assert [r.filename for r in doc.records("A")] == ["a-1-0.tar.bz2"]
    channel = Channel(documents=[doc])
    assert [str(r.version) for r in channel.records("b")] == ["2"]
    assert "broken" in channel
    # a malformed entry is reported, located, when its name is asked for
    with pytest.raises(InputError, match="list of strings") as info:
        channel.records("broken")
    assert info.value.field == "packages.broken-1-0.tar.bz2.depends"
    assert info.value.source == str(path)
    # ... and by the eager readers, which build every record
    with pytest.raises(InputError, match="list of strings"):
        load_repodata(path)
    # entries without a usable name are refused when the document is indexed
    path.write_text(json.dumps(_doc({"weird.tar.bz2": {}})))
    with pytest.raises(InputError, match="lacks name") as info:
        load_sparse_repodata(path)
    assert info.value.field == "packages.weird.tar.bz2"


def test_channel_of_records_and_documents(tmp_path: Path) -> None:
    path = tmp_path / "repodata.json"
    path.write_text(json.dumps(_doc({"a-1-0.tar.bz2": _pkg("a", "1")})))
    extra = record_from_json("a-2-0.tar.bz2", _pkg("a", "2"), subdir="noarch", channel="x")
    mixed = Channel([extra], name="mixed", documents=load_sparse_repodata(path))
    assert [str(r.version) for r in mixed.records("a")] == ["1", "2"]
    assert len(mixed) == 2
    assert mixed.subdirs == ("linux-64", "noarch")
    assert mixed.records("zzz") == ()
    assert Channel().names() == ()
    assert len(Channel()) == 0


def _big_doc(n: int = 3000) -> dict[str, Any]:
    """A document above DISK_CACHE_MIN_BYTES: n records of 60 names."""
    return _doc(
        {
            f"p{i % 60}-{i}-0.tar.bz2": _pkg(f"p{i % 60}", str(i), depends=[f"p{(i + 1) % 60}"])
            for i in range(n)
        }
    )


def _age(path: Path, seconds: float = 60) -> None:
    """Date the file back, as a file that has not changed lately."""
    when = time.time() - seconds
    os.utime(path, (when, when))


def test_disk_cache_round_trip_and_invalidation(tmp_path: Path) -> None:
    path = tmp_path / "repodata.json"
    path.write_text(json.dumps(_big_doc()))
    assert path.stat().st_size >= repodata.DISK_CACHE_MIN_BYTES
    _age(path)
    cache = tmp_path / "cache"
    clear_memory_cache()
    first = load_repodata(path, cache_dir=cache)
    (entry,) = (cache / "conda-index").iterdir()
    # a new process: the index comes back from disk, the file is not parsed again
    clear_memory_cache()
    (doc,) = load_sparse_repodata(path, cache_dir=cache)
    assert doc.records("p7") == tuple(r for r in first if r.name == "p7")
    assert sorted(doc, key=lambda r: (r.subdir, r.filename)) == first
    # the same document at another place has its own entry; a changed document
    # replaces its place's entry
    doc2 = _big_doc(3001)
    path.write_text(json.dumps(doc2))
    _age(path, 30)
    clear_memory_cache()
    assert len(load_repodata(path, cache_dir=cache)) == 3001
    assert [p.name for p in (cache / "conda-index").iterdir()] == [entry.name]
    # a damaged entry is ignored and rewritten
    entry.write_bytes(entry.read_bytes()[:1000])
    clear_memory_cache()
    assert len(load_repodata(path, cache_dir=cache)) == 3001
    assert RepodataIndex.load(entry.read_bytes(), "anything") is None  # keyed
    assert entry.stat().st_size > 1000
    # small documents and cache=False write nothing
    small = tmp_path / "small.json"
    small.write_text(json.dumps(_doc({"a-1-0.tar.bz2": _pkg("a", "1")})))
    _age(small)
    other = tmp_path / "other-cache"
    load_repodata(small, cache_dir=other)
    load_sparse_repodata(path, cache=False, cache_dir=other)
    assert not other.exists()


def test_damaged_cached_index_is_refused_before_marshal_reads_it() -> None:
    index = index_document(_doc({f"{n}-1-0.tar.bz2": _pkg(n, "1") for n in "abc"}), "rd.json")
    data = index.dump("k")
    loaded = RepodataIndex.load(data, "k")
    assert loaded is not None
    assert loaded.entries("b") == index.entries("b")
    # a list length in the body gone wild: marshal would allocate for 2**31 items
    body_at = len(data) - sum(length for _, length, _ in loaded._spans.values())
    start, _, _ = loaded._spans["b"]
    at = body_at + start + 1
    wild = data[:at] + (2**31 - 1).to_bytes(4, "little") + data[at + 4 :]
    damaged = RepodataIndex.load(wild, "k")
    assert damaged is not None  # the header is intact: the damage shows when "b" is read
    assert damaged.entries("a") == index.entries("a")
    with pytest.raises(InputError, match="damaged"):
        damaged.entries("b")
    # a damaged header: no index, the document is read again
    header_at = len(DUMP_MAGIC) + 12
    flipped = data[:header_at] + bytes([data[header_at] ^ 0xFF]) + data[header_at + 1 :]
    assert RepodataIndex.load(flipped, "k") is None


def test_a_file_rewritten_at_once_is_read_again(tmp_path: Path) -> None:
    """Same size, same modification time (a rewrite within one clock tick): a
    file changed lately is known by its content, so the change is seen."""
    path = tmp_path / "repodata.json"
    path.write_text(json.dumps(_doc({"a-1-0.tar.bz2": _pkg("a", "1")})))
    stamp = path.stat().st_mtime_ns
    assert [str(r.version) for r in load_repodata(path)] == ["1"]
    path.write_text(json.dumps(_doc({"a-2-0.tar.bz2": _pkg("a", "2")})))
    os.utime(path, ns=(stamp, stamp))
    assert [str(r.version) for r in load_repodata(path)] == ["2"]


def test_unwritable_cache_folder_costs_nothing_but_time(tmp_path: Path) -> None:
    path = tmp_path / "repodata.json"
    path.write_text(json.dumps(_big_doc()))
    _age(path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    clear_memory_cache()
    assert len(load_repodata(path, cache_dir=blocker)) == 3000


def test_memory_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repodata, "MEMORY_CACHE_SIZE", 2)
    clear_memory_cache()
    for i in range(4):
        path = tmp_path / f"rd{i}.json"
        path.write_text(json.dumps(_doc({f"a-{i}-0.tar.bz2": _pkg("a", str(i))})))
        load_repodata(path)
    assert len(repodata._memory) == 2
    monkeypatch.setattr(repodata, "MEMORY_CACHE_BYTES", 1)  # the last one read stays
    load_repodata(tmp_path / "rd0.json")
    assert len(repodata._memory) == 1
    # the same document at one place, loaded twice: one index, the same records
    again = load_sparse_repodata(tmp_path / "rd3.json")[0]
    assert again is load_sparse_repodata(tmp_path / "rd3.json")[0]
    assert again.records("a") is again.records("a")


def test_parse_repodata_still_checks_every_entry() -> None:
    doc = _doc({"a-1-0.tar.bz2": _pkg("a", "1"), "b-1-0.tar.bz2": _pkg("b", "1..0")})
    with pytest.raises(InputError, match="empty version component"):
        parse_repodata(doc, source="rd.json")


# -- the nesting bound ------------------------------------------------------------------


def test_deep_repodata_is_refused_where_it_nests(tmp_path: Path) -> None:
    path = tmp_path / "repodata.json"
    path.write_text('{"info": {"x": "[[[["},\n "packages": ' + "[" * (MAX_DEPTH + 5) + "]")
    with pytest.raises(InputError, match=f"more than {MAX_DEPTH} levels") as info:
        load_repodata(path)
    assert info.value.line == 2
    assert info.value.column == 13 + MAX_DEPTH  # the bracket that goes past the bound
    # brackets inside strings, escaped quotes and backslashes do not count
    fine = _doc({"a-1-0.tar.bz2": _pkg("a", "1", license='x \\" [[[[ \\\\" ' + "[" * 300)})
    path.write_text(json.dumps(fine))
    (record,) = load_repodata(path)
    assert record.license is not None
    assert record.license.endswith("[" * 300)


# -- match specs: the short path agrees with the general one ---------------------------


@pytest.mark.skipif(not REAL, reason="peer repodata not present")
def test_exact_specs_match_as_the_general_path_does() -> None:
    path = CHANNELS / "conda-benchmarks__defaults-main-osx-64-2018.json"
    if not path.exists():
        pytest.skip("peer repodata not present")
    channel = Channel.load(path)
    seen: set[MatchSpec] = set()
    compared = 0
    for name in ("numpy", "pandas", "scikit-learn", "tensorflow", "scipy"):
        for rec in channel.records(name):
            for spec in record_specs(rec)[0]:
                if spec in seen or "*" in spec.name:
                    continue
                seen.add(spec)
                build = spec.build
                # the same spec with its name and build as anchored regexes:
                # the general path
                twin = MatchSpec(
                    "^" + re.escape(spec.name) + "$",
                    spec.version,
                    None if build is None or "*" in build else "^" + re.escape(build) + "$",
                )
                for cand in channel.records(spec.name):
                    assert spec.match(cand) == twin.match(cand), (spec, cand)
                    compared += 1
    assert compared > 10_000
    odd = PackageRecord(name="NumPy", version=parse_conda_version("1.0"), build="0")
    assert parse_matchspec("numpy 1.0").match(odd)
