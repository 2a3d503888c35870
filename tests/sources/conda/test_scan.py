"""The repodata scan: entries found in the text give what decoding the whole
document gives, or the scan declines; damage is reported when it is reached.

The oracle is :func:`index_document` over ``json.loads`` of the same text (the
path every document took before the scan), on all the peer repodata (read in
place; skipped when absent) and on documents generated in many layouts.
"""

from __future__ import annotations

import bz2
import json
import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compatlib._input import MAX_DEPTH
from compatlib.errors import InputError
from compatlib.sources.conda import repodata
from compatlib.sources.conda.repodata import clear_memory_cache, load_sparse_repodata
from compatlib.sources.conda.scan import scan_document
from compatlib.sources.conda.sparse import TEXT_MAGIC, RepodataIndex, index_document

CHANNELS = Path(__file__).resolve().parents[4] / "shared" / "peer-suites" / "conda" / "channels"
REAL = sorted(CHANNELS.glob("*.json")) if CHANNELS.is_dir() else []


def _same(scanned: RepodataIndex, full: RepodataIndex) -> None:
    assert scanned.names() == full.names()
    assert scanned.count == full.count
    assert scanned.meta == full.meta
    assert scanned.subdirs == full.subdirs
    assert scanned.lacks_subdir == full.lacks_subdir
    for name in full.names():
        got = sorted(scanned.entries(name), key=lambda e: (e[0], e[1]))
        want = sorted(full.entries(name), key=lambda e: (e[0], e[1]))
        assert got == want, name


def _scanned(text: str) -> RepodataIndex | None:
    found = scan_document(text)
    return None if found is None else RepodataIndex.from_scan(found)


@pytest.mark.skipif(not REAL, reason="peer repodata not present")
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_peer_repodata_scans_as_it_decodes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    full = index_document(doc, path.name)
    scanned = _scanned(text)
    if "packages" not in doc and "packages.conda" not in doc:
        assert scanned is None  # conda's plain {filename: record} test indexes
        return
    assert scanned is not None
    _same(scanned, full)


# -- generated documents ---------------------------------------------------------------

_NAMES = st.sampled_from(["a", "b-c", "Ab", "python", "py-yaml", "_x", "lib-a-b"])
_TEXT = st.text(
    alphabet=st.sampled_from(list(string.ascii_letters + '{}[]:,"\\ .-_\u00e9\u4e2d\n')),
    max_size=12,
)
_TRICKY = st.sampled_from(['x.tar.bz2": {', '}, "y-1-0.conda": {', "\\", '"', "{", "}", ""])


@st.composite
def _entry(draw: Any, name: str, version: str, build: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "version": version, "build": build}
    subdir = draw(st.sampled_from(["linux-64", "linux-64", "noarch", "", None, 5]))
    if subdir is not None:
        entry["subdir"] = subdir
    entry["depends"] = draw(st.lists(st.one_of(_TEXT, _TRICKY), max_size=3))
    if draw(st.integers(0, 9)) == 0:
        entry["extra"] = {"nested": draw(_TEXT)}  # an object inside an entry
    return entry


@st.composite
def _documents(draw: Any) -> dict[str, Any]:
    sections: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, 12))):
        name = draw(_NAMES)
        version = draw(st.sampled_from(["1.0", "2", "1.0.post1"]))
        build = draw(st.sampled_from(["0", "py_0", "h1_2"]))
        ext = draw(st.sampled_from([".tar.bz2", ".conda"]))
        section = draw(st.sampled_from(["packages", "packages.conda"]))
        fn = f"{name.lower() if draw(st.booleans()) else name}-{version}-{build}{ext}"
        sections.setdefault(section, {})[fn] = draw(_entry(name, version, build))
    doc: dict[str, Any] = {}
    extras: list[tuple[str, Any]] = list(sections.items())
    if draw(st.booleans()):
        extras.append(("info", {"subdir": draw(st.sampled_from(["linux-64", "noarch"]))}))
    if draw(st.booleans()):
        extras.append(("metadata", {"base_url": "https://example.invalid/ch"}))
    if draw(st.booleans()):
        extras.append(("removed", [fn for s in sections.values() for fn in s][:2]))
    if draw(st.booleans()):
        extras.append(("signatures", {fn: {"sig": "x"} for s in sections.values() for fn in s}))
    if draw(st.booleans()):
        extras.append(("repodata_version", 1))
    for key, value in draw(st.permutations(extras)):
        doc[key] = value
    return doc


_LAYOUTS = [
    {"indent": None, "separators": (",", ":")},
    {"indent": None},
    {"indent": 2},
    {"indent": 1, "sort_keys": True},
    {"indent": "\t", "ensure_ascii": False},
    {"indent": None, "separators": (" , ", " : ")},
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_documents(), layout=st.sampled_from(_LAYOUTS))
def test_generated_documents_scan_as_they_decode(doc: dict[str, Any], layout: Any) -> None:
    text = json.dumps(doc, **layout)
    scanned = _scanned(text)
    try:
        full = index_document(json.loads(text), "rd.json")
    except InputError:
        assert scanned is None  # no sections: the decoder's error stands
        return
    usual = any(doc.get(s) for s in ("packages", "packages.conda")) and not any(
        "extra" in e for s in ("packages", "packages.conda") for e in doc.get(s, {}).values()
    )
    duplicated = set(doc.get("packages", {})) & set(doc.get("packages.conda", {}))
    if usual and not duplicated:
        assert scanned is not None  # the usual layouts take the fast path
    if scanned is not None:
        _same(scanned, full)


# -- what a scan declines and what it reports later -------------------------------------

_BASE = {
    "info": {"subdir": "linux-64"},
    "packages": {
        "a-1.0-0.tar.bz2": {"name": "a", "version": "1.0", "build": "0", "subdir": "linux-64"},
        "b-1.0-0.tar.bz2": {"name": "b", "version": "1.0", "build": "0", "subdir": "linux-64"},
        "c-1.0-0.tar.bz2": {"name": "c", "version": "1.0", "build": "0", "subdir": "linux-64"},
    },
}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(_BASE, indent=2)[:-40],  # cut short
        json.dumps(_BASE) + " x",  # text after the document
        json.dumps(_BASE).replace('"b-1.0-0.tar.bz2"', '"b-1.0-0\\u002etar.bz2"'),  # an escape
        json.dumps(_BASE).replace('"b-1.0-0.tar.bz2"', '"a-1.0-0.tar.bz2"'),  # a key twice
        json.dumps(_BASE).replace('"b-1.0-0.tar.bz2"', '"b.whl"'),  # a key it cannot read
        '[{"packages": {}}]',
        '{"packages": []}',
        "{}",
    ],
    ids=[
        "truncated",
        "trailing",
        "escaped-key",
        "duplicate",
        "unknown-key",
        "array",
        "list",
        "empty",
    ],
)
def test_unusual_documents_are_left_to_the_decoder(text: str) -> None:
    assert scan_document(text) is None


def test_a_damaged_entry_is_reported_when_its_name_is_asked_for() -> None:
    text = json.dumps(_BASE, indent=2).replace('"name": "b"', '"name": "b" "oops"')
    scanned = _scanned(text)
    assert scanned is not None  # the scan does not decode b's entry
    assert [e[1] for e in scanned.entries("a")] == ["a-1.0-0.tar.bz2"]
    with pytest.raises(InputError, match="invalid JSON: Expecting ',' delimiter") as info:
        scanned.entries("b", "rd.json")
    error = info.value
    assert error.source == "rd.json"
    assert error.field == "packages.b-1.0-0.tar.bz2"
    assert error.line == text[: text.index('"oops"')].count("\n") + 1
    assert error.text is not None
    assert '"oops"' in error.text
    # the whole-document path reports the same place
    with pytest.raises(InputError) as whole:
        repodata.read_repodata_bytes(text.encode(), "rd.json")
    assert whole.value.line == error.line


def test_an_entry_naming_another_package_is_refused() -> None:
    doc = json.loads(json.dumps(_BASE))
    doc["packages"]["b-1.0-0.tar.bz2"]["name"] = "zzz"
    scanned = _scanned(json.dumps(doc))
    assert scanned is not None
    with pytest.raises(InputError, match="names package 'zzz'") as info:
        scanned.entries("b", "rd.json")
    assert info.value.field == "packages.b-1.0-0.tar.bz2"


def test_an_entry_hidden_inside_another_is_not_taken_for_one() -> None:
    inner = '"q": {}, "x-1.0-0.tar.bz2": {"name": "x", "version": "1.0", "build": "0"}'
    text = json.dumps(_BASE).replace('"name": "b",', inner + ', "name": "b",')
    scanned = _scanned(text)
    if scanned is None:
        return  # declined: the decoder reads it
    for name in ("b", "x"):
        with pytest.raises(InputError, match=r"damaged repodata|invalid JSON"):
            scanned.entries(name, "rd.json")


def test_subdirs_come_from_the_text_or_from_the_entries() -> None:
    doc = json.loads(json.dumps(_BASE))
    scanned = _scanned(json.dumps(doc))
    assert scanned is not None
    assert scanned.subdirs == frozenset({"linux-64"})
    doc["packages"]["c-1.0-0.tar.bz2"]["subdir"] = "noarch"
    del doc["packages"]["a-1.0-0.tar.bz2"]["subdir"]
    scanned = _scanned(json.dumps(doc))
    assert scanned is not None
    assert scanned.subdirs == frozenset({"linux-64", "noarch"})
    assert scanned.lacks_subdir


# -- the cached form ----------------------------------------------------------------------


def _big_text(n: int = 3000) -> str:
    packages = {
        f"p{i % 400}-{i}-0.tar.bz2": {"name": f"p{i % 400}", "version": str(i), "build": "0"}
        for i in range(n)
    }
    return json.dumps({"info": {"subdir": "linux-64"}, "packages": packages}, indent=1)


def test_a_scanned_file_is_cached_as_the_places_of_its_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local JSON file is read again rather than copied into the cache; a
    compressed one is cached with its text, checked by CRC-32."""
    monkeypatch.setattr(repodata, "DISK_CACHE_MIN_BYTES", 0)  # the archive is small
    path = tmp_path / "repodata.json"
    path.write_text(_big_text())
    packed = tmp_path / "packed" / "repodata.json.bz2"
    packed.parent.mkdir()
    packed.write_bytes(bz2.compress(path.read_bytes()))
    old = path.stat().st_mtime_ns - 60 * 10**9
    for p in (path, packed):
        os.utime(p, ns=(old, old))
    cache = tmp_path / "cache"
    clear_memory_cache()
    (first,) = load_sparse_repodata(path, cache_dir=cache)
    (entry,) = (cache / "conda-index").iterdir()
    data = entry.read_bytes()
    assert data.startswith(TEXT_MAGIC)
    assert len(data) < path.stat().st_size // 2  # the places only
    clear_memory_cache()
    (again,) = load_sparse_repodata(path, cache_dir=cache)
    assert again.index is not first.index
    assert again.records("p7") == first.records("p7")
    assert len(again) == len(first) == 3000
    # the compressed document: its text is in the cache entry
    clear_memory_cache()
    (squeezed,) = load_sparse_repodata(packed, cache_dir=cache)
    (entry2,) = [e for e in (cache / "conda-index").iterdir() if e != entry]
    data2 = entry2.read_bytes()
    assert len(data2) > path.stat().st_size
    clear_memory_cache()
    (back,) = load_sparse_repodata(packed, cache_dir=cache)
    assert back.records("p7") == squeezed.records("p7")
    assert [r.filename for r in back.records("p7")] == [r.filename for r in first.records("p7")]
    # a flipped byte in the cached text: the entry is refused, the document read again
    at = len(data2) - 500
    entry2.write_bytes(data2[:at] + bytes([data2[at] ^ 0x01]) + data2[at + 1 :])
    key = next(iter(repodata._memory))
    assert RepodataIndex.load(entry2.read_bytes(), key) is None
    clear_memory_cache()
    (third,) = load_sparse_repodata(packed, cache_dir=cache)
    assert third.records("p7") == squeezed.records("p7")
    # an entry of places alone needs the text given back, of the same length
    assert RepodataIndex.load(data, "anything") is None


def test_nesting_is_bounded_in_entries_and_top_level_values() -> None:
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    text = json.dumps(_BASE).replace('"name": "b",', f'"name": "b", "x": {deep},')
    scanned = _scanned(text)
    assert scanned is not None
    assert [e[1] for e in scanned.entries("a")] == ["a-1.0-0.tar.bz2"]
    with pytest.raises(InputError, match=f"more than {MAX_DEPTH} levels") as info:
        scanned.entries("b", "rd.json")
    assert info.value.field == "packages.b-1.0-0.tar.bz2"
    # in a top-level value: the document is left to the decoder, which says where
    text = json.dumps(_BASE).replace(
        '"subdir": "linux-64"}', f'"subdir": "linux-64", "x": {deep}}}', 1
    )
    assert scan_document(text) is None
    with pytest.raises(InputError, match=f"more than {MAX_DEPTH} levels"):
        repodata.read_repodata_bytes(text.encode(), "rd.json")


def test_places_read_back_over_a_text_that_changed_raise_input_errors() -> None:
    """A file rewritten in place at the same size and time (its cache entry
    trusted, as make trusts times): what no longer fits is an InputError."""
    text = json.dumps(_BASE, indent=1)
    scanned = _scanned(text)
    assert scanned is not None
    data = scanned.dump("k", with_text=False)
    moved = text.replace('"b-1.0-0.tar.bz2"', '"b-1.0-1.tar.bz2"')
    assert len(moved) == len(text)
    back = RepodataIndex.load(data, "k", lambda: moved)
    assert back is not None
    with pytest.raises(InputError, match=r"damaged repodata|invalid JSON"):
        [back.entries(name, "rd.json") for name in back.names()]
    assert RepodataIndex.load(data, "k", lambda: text + " ") is None  # another length
