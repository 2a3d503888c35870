"""Repodata loading, records, channels and virtual packages.

Real repodata is read in place from ../shared/peer-suites/conda/channels/ and
the tests that need it skip when it is absent; everything else uses small
hand-made repodata in tmp_path.
"""

from __future__ import annotations

import bz2
import json
import random
from pathlib import Path
from typing import Any

import pytest

from compatlib._values import replace
from compatlib.errors import InputError
from compatlib.sources.conda.channel import Channel, Channels
from compatlib.sources.conda.matchspec import MatchSpec
from compatlib.sources.conda.records import (
    PackageRecord,
    candidate_key,
    normalize_timestamp,
    record_from_json,
    split_filename,
)
from compatlib.sources.conda.repodata import load_repodata, parse_repodata, read_repodata_bytes
from compatlib.sources.conda.virtual import virtual_packages
from compatlib.values.conda_version import CondaVersion

CHANNELS = Path(__file__).resolve().parents[4] / "shared" / "peer-suites" / "conda" / "channels"

_CACHE: dict[str, list[PackageRecord]] = {}


def real(name: str) -> list[PackageRecord]:
    path = CHANNELS / name
    if not path.exists():
        pytest.skip(f"peer data not available: {path}")
    if name not in _CACHE:
        _CACHE[name] = load_repodata(path)
    return _CACHE[name]


def by_fn(records: list[PackageRecord]) -> dict[str, PackageRecord]:
    return {r.filename: r for r in records}


# -- real repodata ------------------------------------------------------------------

# (file, records after .conda/.tar.bz2 de-duplication, package names)
REAL_COUNTS = [
    ("conda-benchmarks__defaults-free-osx-64-2018.json", 12987, None),
    ("conda-benchmarks__defaults-main-osx-64-2018.json", 9356, None),
    ("conda__index.json", 1149, None),
    ("conda__index2.json", 4118, None),
    ("conda__index4.json", 5643, None),
    ("conda__index5.json", 1152, None),
    ("conda__main_noarch-2018.json", 322, None),
    ("mamba__conda-forge-numpy-linux-64.json", 33, 33),  # 34 files, libffi twice
    ("rattler__dummy-linux-64.json", 24, None),  # 29 files, 5 with a .conda twin
    ("rattler__pytorch-channel-linux-64.json", 2181, None),
    ("subchannel-demo__conda-forge-py39-linux-64.json", 2709, None),
    ("subchannel-demo__conda-forge-py39-noarch.json", 205, None),
]


@pytest.mark.parametrize(("name", "count", "names"), REAL_COUNTS)
def test_real_files_load(name: str, count: int, names: int | None) -> None:
    records = real(name)
    assert len(records) == count
    assert len({r.filename for r in records}) == count
    if names is not None:
        assert len({r.name for r in records}) == names
    assert records == sorted(records, key=lambda r: (r.subdir, r.filename, r.url))
    for r in records:
        assert r.name
        assert r.build
        assert isinstance(r.version, CondaVersion)
        assert isinstance(r.timestamp, int)
        assert r.timestamp >= 0


def test_conda_is_preferred_over_tar_bz2() -> None:
    records = by_fn(real("mamba__conda-forge-numpy-linux-64.json"))
    assert "libffi-3.4.2-h7f98852_5.conda" in records
    assert "libffi-3.4.2-h7f98852_5.tar.bz2" not in records
    libffi = records["libffi-3.4.2-h7f98852_5.conda"]
    assert libffi.sha256 == "0" * 64  # the .conda entry's value, not the .tar.bz2 one
    assert libffi.depends == ("libgcc-ng >=9.4.0",)
    assert libffi.constrains == ()  # null in the file
    assert libffi.timestamp == 1636488182000  # seconds in the file
    assert libffi.track_features == ()  # "" in the file
    dummy = by_fn(real("rattler__dummy-linux-64.json"))
    # both spellings inside "packages", and across "packages"/"packages.conda"
    assert "foo-3.0.2-py36h1af98f8_1.conda" in dummy
    assert "foo-3.0.2-py36h1af98f8_1.tar.bz2" not in dummy
    assert "bors-1.1-bla_1.conda" in dummy
    assert "bors-1.1-bla_1.tar.bz2" not in dummy
    assert "foo-4.0.2-py36h1af98f8_2.tar.bz2" in dummy  # no .conda twin


def test_conda_test_index_records() -> None:
    records = by_fn(real("conda__index.json"))
    cuda9 = records["cudatoolkit-9.0-0.tar.bz2"]
    assert cuda9.depends == ("__cuda>=9.0",)
    assert cuda9.name == "cudatoolkit"
    assert str(cuda9.version) == "9.0"
    assert cuda9.build == "0"
    assert records["cudatoolkit-10.0-0.tar.bz2"].depends == ("__cuda>=10.0",)
    glibc = records["cuda-glibc-10.0-0.tar.bz2"]
    assert glibc.depends == ("__cuda>=10.0,<11",)
    assert glibc.constrains == ("__glibc>=2.17",)
    assert glibc.timestamp == 0  # the test index has no timestamps
    assert glibc.url.endswith("/cuda-glibc-10.0-0.tar.bz2")


def test_subdir_and_base_url_from_metadata() -> None:
    linux = real("subchannel-demo__conda-forge-py39-linux-64.json")
    noarch = real("subchannel-demo__conda-forge-py39-noarch.json")
    assert {r.subdir for r in linux} == {"linux-64"}
    assert {r.subdir for r in noarch} == {"noarch"}
    assert {r.channel for r in linux + noarch} == {"conda-forge"}
    py = by_fn(linux)["python-3.9.19-h0755675_0_cpython.conda"]
    assert py.url == (
        "https://conda.anaconda.org/conda-forge/linux-64/python-3.9.19-h0755675_0_cpython.conda"
    )
    pypy = [r for r in linux if r.name == "python" and r.track_features]
    assert pypy
    assert all(r.track_features == ("pypy",) for r in pypy)


def test_relative_base_url_and_track_feature_spellings() -> None:
    dummy = by_fn(real("rattler__dummy-linux-64.json"))
    bar = dummy["bar-1.0-unix_py36h1af98f8_2.tar.bz2"]
    # base_url "../linux-64" is relative to the repodata file
    assert bar.url == (CHANNELS.parent.resolve() / "linux-64" / bar.filename).as_uri()
    assert dummy["track-features-1-xxx.tar.bz2"].track_features == ("foo",)
    assert dummy["track-features-2-xxx.tar.bz2"].track_features == ("foo", "bar")
    assert dummy["track-features-3-xxx.tar.bz2"].track_features == ("foo", "bar")
    assert dummy["track-features-4-xxx.tar.bz2"].track_features == ("foo", "bar")
    assert dummy["cuda-version-12.5-hd4f0392_3.conda"].constrains == ("__cuda >=12.1",)


def test_matchspecs_select_real_records() -> None:
    records = real("conda-benchmarks__defaults-main-osx-64-2018.json")
    channel = Channel([replace(r, channel="pkgs/main") for r in records])
    assert channel.name == "pkgs/main"
    numpy = channel.find("numpy >=1.15,<1.16")
    assert numpy
    assert all(str(r.version).startswith("1.15") for r in numpy)
    assert channel.find("numpy 1.15.2 py37h6a91979_1")[0].filename == (
        "numpy-1.15.2-py37h6a91979_1.tar.bz2"
    )
    assert all(r.build.startswith("py27") for r in channel.find("numpy=1.15=py27*"))
    assert all(r.subdir == "osx-64" for r in channel.records("python"))
    # the best python is the newest 3.7 (ascending order: best last)
    assert str(channel.records("python")[-1].version).startswith("3.7")
    assert channel.find("defaults::python")  # pkgs/main is one of the default channels
    assert not channel.find("conda-forge::python")


# -- hand-made repodata --------------------------------------------------------------


def _pkg(name: str, version: str, build: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "build": build, "build_number": 0, **kw}


def _write_channel(root: Path) -> Path:
    (root / "linux-64").mkdir(parents=True)
    (root / "noarch").mkdir()
    linux = {
        "info": {"subdir": "linux-64"},
        "packages": {
            "a-1.0-0.tar.bz2": _pkg("a", "1.0", "0", depends=["b >=1"], timestamp=1600000000),
            "a-2.0-0.tar.bz2": _pkg("a", "2.0", "0", depends=None, timestamp=1700000000000),
            "a-2.0-0_mkl.tar.bz2": _pkg("a", "2.0", "0_mkl", track_features="mkl"),
        },
        "packages.conda": {"a-2.0-0.conda": _pkg("a", "2.0", "0", timestamp=1700000000000)},
        "repodata_version": 1,
    }
    noarch = {
        "info": {"subdir": "noarch"},
        "packages.conda": {"b-1.5-pyhd_0.conda": _pkg("b", "1.5", "pyhd_0", noarch="python")},
    }
    (root / "linux-64" / "repodata.json").write_text(json.dumps(linux))
    (root / "noarch" / "repodata.json.bz2").write_bytes(bz2.compress(json.dumps(noarch).encode()))
    (root / "osx-64").mkdir()
    (root / "osx-64" / "repodata.json").write_text(json.dumps({"packages": {}}))
    return root


def test_channel_directory(tmp_path: Path) -> None:
    root = _write_channel(tmp_path / "mychan")
    records = load_repodata(root, "linux-64")
    assert [r.filename for r in records] == [
        "a-1.0-0.tar.bz2",
        "a-2.0-0.conda",
        "a-2.0-0_mkl.tar.bz2",
        "b-1.5-pyhd_0.conda",
    ]
    a1 = records[0]
    assert a1.subdir == "linux-64"
    assert a1.timestamp == 1600000000000
    assert a1.url == (root / "linux-64" / "a-1.0-0.tar.bz2").resolve().as_uri()
    assert a1.channel == root.resolve().as_uri()
    assert records[3].noarch == "python"
    assert records[3].subdir == "noarch"
    # every subdir when none is named; only noarch when noarch is asked for
    assert {r.subdir for r in load_repodata(root)} == {"linux-64", "noarch"}
    assert [r.name for r in load_repodata(root, "noarch")] == ["b"]
    # a subdir folder and a file:// URL of the channel
    assert load_repodata(root / "linux-64") == records[:3]
    assert load_repodata(root.resolve().as_uri(), "linux-64") == records
    # renaming the channel
    assert {r.channel for r in load_repodata(root, "linux-64", channel="mine")} == {"mine"}


def test_channel_candidate_order(tmp_path: Path) -> None:
    channel = Channel.load(_write_channel(tmp_path / "mychan"), "linux-64", name="mine")
    assert channel.name == "mine"
    assert channel.subdirs == ("linux-64", "noarch")
    assert channel.names() == ("a", "b")
    assert "A" in channel
    assert "c" not in channel
    assert len(channel) == 4
    # worst first, best last: track_features lose even against a newer version
    assert [r.filename for r in channel.records("a")] == [
        "a-2.0-0_mkl.tar.bz2",
        "a-1.0-0.tar.bz2",
        "a-2.0-0.conda",
    ]
    assert channel.find("a[track_features=mkl]")[0].build == "0_mkl"
    assert [r.filename for r in channel.find("*[subdir=noarch]")] == ["b-1.5-pyhd_0.conda"]
    assert repr(channel) == "<Channel 'mine': 2 names, 4 records>"


def test_candidate_key_order() -> None:
    def r(
        version: str, bn: int = 0, ts: int = 0, tf: str = "", subdir: str = "linux-64"
    ) -> PackageRecord:
        return record_from_json(
            f"x-{version}-{bn}.tar.bz2",
            {"build_number": bn, "timestamp": ts, "track_features": tf, "subdir": subdir},
        )

    ordered = [
        r("9.0", tf="debug"),
        r("1.0"),
        r("1.1a1"),
        r("1.1", bn=0, ts=5000),
        r("1.1", bn=1, subdir="noarch", ts=9999),
        r("1.1", bn=1, ts=1000),
        r("1.1", bn=1, ts=2000),
        r("1.1", bn=2),
    ]
    shuffled = list(ordered)
    random.Random(7).shuffle(shuffled)
    assert shuffled != ordered
    assert sorted(shuffled, key=candidate_key) == ordered


def test_strict_flexible_and_disabled_priority() -> None:
    def r(name: str, version: str, channel: str) -> PackageRecord:
        return record_from_json(f"{name}-{version}-0.tar.bz2", {}, channel=channel)

    high = Channel([r("a", "1.0", "high"), r("b", "1.0", "high")])
    low = Channel([r("a", "2.0", "low"), r("a", "0.5", "low"), r("c", "1.0", "low")])
    strict = Channels([high, low])
    assert [str(x.version) for x in strict.records("a")] == ["1.0"]  # low's a is hidden
    assert [x.channel for x in strict.records("c")] == ["low"]
    assert strict.channel_for("a") is high
    assert strict.channel_for("zzz") is None
    assert strict.names() == ("a", "b", "c")
    flexible = Channels([high, low], "flexible")
    assert [(x.channel, str(x.version)) for x in flexible.records("a")] == [
        ("low", "0.5"),
        ("low", "2.0"),
        ("high", "1.0"),
    ]
    disabled = Channels([high, low], "disabled")
    assert [(x.channel, str(x.version)) for x in disabled.records("a")] == [
        ("low", "0.5"),
        ("high", "1.0"),
        ("low", "2.0"),
    ]
    assert [str(x.version) for x in strict.find("a >=0")] == ["1.0"]
    with pytest.raises(InputError, match="channel priority"):
        Channels([high], "sometimes")  # type: ignore[arg-type]


def test_compressed_repodata(tmp_path: Path) -> None:
    doc = {"info": {"subdir": "linux-64"}, "packages": {"z-1-0.tar.bz2": _pkg("z", "1", "0")}}
    raw = json.dumps(doc).encode()
    (tmp_path / "rd.json.bz2").write_bytes(bz2.compress(raw))
    assert [r.name for r in load_repodata(tmp_path / "rd.json.bz2")] == ["z"]
    zstandard = pytest.importorskip("zstandard")
    (tmp_path / "rd.json.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    assert [r.name for r in load_repodata(tmp_path / "rd.json.zst")] == ["z"]
    sub = tmp_path / "chan" / "linux-64"
    sub.mkdir(parents=True)
    (sub / "repodata.json.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    assert [r.subdir for r in load_repodata(tmp_path / "chan", "linux-64")] == ["linux-64"]


def test_channel_modules_import_light() -> None:
    # the conda modules pull in nothing heavy (the HTTP layer loads on a remote read)
    import subprocess
    import sys

    code = (
        "import sys, compatlib.sources.conda; "
        "print(sorted(m for m in ('yaml', 'networkx', 'zstandard', 'urllib.request', 'packaging',"
        " 'compatlib.sources.fetch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_conda_forge_channel_name_from_url() -> None:
    doc = {"packages": {"q-1-0.tar.bz2": _pkg("q", "1", "0")}}
    records = parse_repodata(
        doc, location_url="https://conda.anaconda.org/conda-forge/linux-64/repodata.json"
    )
    assert records[0].channel == "conda-forge"
    assert records[0].subdir == "linux-64"
    assert records[0].url == "https://conda.anaconda.org/conda-forge/linux-64/q-1-0.tar.bz2"


# -- malformed input --------------------------------------------------------------


def test_invalid_json_points_at_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "repodata.json"
    path.write_text('{"packages": {\n  "a-1-0.tar.bz2": {"name": "a",, }\n}}')
    with pytest.raises(InputError, match="invalid JSON") as info:
        load_repodata(path)
    assert info.value.source == str(path)
    assert info.value.line == 2
    assert info.value.column == 33
    assert "^" in str(info.value)


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        ({"packages": []}, "packages", "must map file names"),
        ({"info": 3, "packages": {}}, "info", "must be an object"),
        ({"packages": {"a-1-0.tar.bz2": []}}, "packages.a-1-0.tar.bz2", "expected an object"),
        (
            {"packages": {"a-1-0.tar.bz2": {"depends": "b"}}},
            "packages.a-1-0.tar.bz2.depends",
            "list of strings",
        ),
        (
            {"packages": {"a-1-0.tar.bz2": {"version": "1..0"}}},
            "packages.a-1-0.tar.bz2.version",
            "empty version component",
        ),
        (
            {"packages": {"a-1-0.tar.bz2": {"build_number": "7"}}},
            "packages.a-1-0.tar.bz2.build_number",
            "expected a number",
        ),
        (
            {"packages": {"a-1-0.tar.bz2": {"timestamp": float("inf")}}},  # 1e999 in the text
            "packages.a-1-0.tar.bz2.timestamp",
            "expected a finite number",
        ),
        (
            {"packages": {"a-1-0.tar.bz2": {"noarch": "java"}}},
            "packages.a-1-0.tar.bz2.noarch",
            "unknown noarch type",
        ),
        ({"packages": {"weird.tar.bz2": {}}}, "packages.weird.tar.bz2", "lacks name"),
        ({"something": {}}, "something", "unexpected top-level key"),
    ],
)
def test_bad_documents_name_the_field(doc: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_repodata(doc, source="rd.json")
    assert info.value.field == field
    assert message in info.value.message
    assert info.value.source == "rd.json"
    assert info.value.expected


def test_bad_locations_and_archives(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_repodata(tmp_path / "missing.json")
    with pytest.raises(InputError, match="unsupported URL scheme"):
        load_repodata("ftp://example.com/repodata.json")
    with pytest.raises(InputError, match="no repodata found"):
        load_repodata(tmp_path)
    (tmp_path / "linux-64").mkdir()
    with pytest.raises(InputError, match="no repodata for subdir 'linux-64'"):
        load_repodata(tmp_path, "linux-64")
    (tmp_path / "broken.json.bz2").write_bytes(b"BZh91AY&SY garbage")
    with pytest.raises(InputError, match="cannot decompress"):
        load_repodata(tmp_path / "broken.json.bz2")
    with pytest.raises(InputError, match="not UTF-8"):
        read_repodata_bytes(b'{"a": "\xff"}', "x.json")
    with pytest.raises(InputError, match="must be a JSON object"):
        parse_repodata([], source="x.json")


def test_record_helpers() -> None:
    assert split_filename("numpy-1.26.4-py312h_0.conda") == ("numpy", "1.26.4", "py312h_0")
    assert split_filename("_libgcc_mutex-0.1-conda_forge.tar.bz2") == (
        "_libgcc_mutex",
        "0.1",
        "conda_forge",
    )
    with pytest.raises(InputError, match="name-version-build"):
        split_filename("numpy.conda")
    assert normalize_timestamp(None) == 0
    assert normalize_timestamp(1636488182) == 1636488182000
    assert normalize_timestamp(1636488182123) == 1636488182123
    r = record_from_json(
        "a-1.0-py_0.tar.bz2", {"noarch": True, "features": "mkl debug", "license": ""}
    )
    assert (r.name, str(r.version), r.build, r.noarch, r.features) == (
        "a",
        "1.0",
        "py_0",
        "generic",
        ("mkl", "debug"),
    )
    assert r.license is None
    assert r.version_str == "1.0"
    assert r.fn == "a-1.0-py_0.tar.bz2"
    assert str(r) == "a 1.0 py_0"
    assert r.dist_str == "a-1.0-py_0"
    assert not r.is_virtual
    with pytest.raises(AttributeError):
        r.name = "b"  # type: ignore[misc]


# -- virtual packages ---------------------------------------------------------------


def test_virtual_packages_linux() -> None:
    recs = virtual_packages(
        "linux-64",
        {"cuda": "12.1", "glibc": "2.35", "linux": "5.15.0-91-generic", "archspec": "x86_64_v3"},
    )
    assert [(r.name, str(r.version), r.build) for r in recs] == [
        ("__archspec", "1", "x86_64_v3"),
        ("__cuda", "12.1", "0"),
        ("__glibc", "2.35", "0"),
        ("__linux", "5.15.0", "0"),
        ("__unix", "0", "0"),
    ]
    assert all(r.channel == "@" and r.subdir == "linux-64" and r.is_virtual for r in recs)
    assert recs[1].md5 == "12345678901234567890123456789012"
    assert MatchSpec.parse("__glibc >=2.17").match(recs[2])
    assert MatchSpec.parse("__cuda >=12.1").match(recs[1])
    assert not MatchSpec.parse("__cuda >=12.2").match(recs[1])
    bare = virtual_packages("linux-aarch64")
    assert [(r.name, str(r.version)) for r in bare] == [("__linux", "0"), ("__unix", "0")]


def test_virtual_packages_other_platforms() -> None:
    assert [(r.name, str(r.version)) for r in virtual_packages("osx-arm64", {"osx": "14.2"})] == [
        ("__osx", "14.2"),
        ("__unix", "0"),
    ]
    assert [(r.name, str(r.version)) for r in virtual_packages("osx-64")] == [
        ("__osx", "0"),
        ("__unix", "0"),
    ]
    assert [(r.name, str(r.version)) for r in virtual_packages("win-64", {"cuda": "11.8"})] == [
        ("__cuda", "11.8"),
        ("__win", "0"),
    ]
    assert [r.name for r in virtual_packages("noarch", {"conda": "24.1.2", "cuda": ""})] == [
        "__conda"
    ]
    with pytest.raises(InputError, match="unknown virtual package key") as info:
        virtual_packages("linux-64", {"gpu": "A100"})
    assert info.value.field == "gpu"
    with pytest.raises(InputError, match="invalid version"):
        virtual_packages("linux-64", {"glibc": "2.35 (ubuntu)"})


def test_real_cuda_constraints_against_virtual_packages() -> None:
    channel = Channel(real("conda__index.json"))

    def usable(cuda: str) -> list[str]:
        system = {r.name: r for r in virtual_packages("linux-64", {"cuda": cuda})}
        out = []
        for r in channel.records("cudatoolkit"):
            deps = [MatchSpec.parse(d) for d in r.depends]
            if all(d.name in system and d.match(system[d.name]) for d in deps):
                out.append(r.filename)
        return out

    assert usable("9.2") == ["cudatoolkit-9.0-0.tar.bz2"]
    assert usable("10.0") == ["cudatoolkit-9.0-0.tar.bz2", "cudatoolkit-10.0-0.tar.bz2"]
    assert usable("8.0") == []
