from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pypi_builders import build_sdist, build_wheel, metadata_text

from compatlib.errors import CompatError
from compatlib.sources.pypi.metadata import (
    MetadataError,
    RemoteFile,
    check_identity,
    is_static,
    parse_core_metadata,
    read_sdist_metadata,
    read_wheel_metadata,
)


def test_parse_core_metadata_fields() -> None:
    text = metadata_text(
        "Demo.Pkg",
        "1.2.3",
        requires=['numpy>=1.24; python_version >= "3.9"', 'rich; extra == "cli"'],
        requires_python=">=3.9",
        extras=["cli", "Docs"],
        metadata_version="2.3",
    )
    meta = parse_core_metadata(text.encode())
    assert meta.name == "Demo.Pkg"
    assert meta.version == "1.2.3"
    assert meta.metadata_version == "2.3"
    assert meta.requires_dist == ('numpy>=1.24; python_version >= "3.9"', 'rich; extra == "cli"')
    assert meta.requires_python == ">=3.9"
    assert meta.provides_extra == ("Docs", "cli")
    check_identity(meta, "demo-pkg", "1.2.3.0", source="x")
    with pytest.raises(MetadataError, match="differs"):
        check_identity(meta, "demo-pkg", "1.2.4", source="x")
    with pytest.raises(MetadataError, match="names"):
        check_identity(meta, "other", "1.2.3", source="x")


def test_metadata_without_name_is_an_error() -> None:
    with pytest.raises(MetadataError) as info:
        parse_core_metadata(b"Metadata-Version: 2.1\nVersion: 1\n", source="x.whl")
    assert isinstance(info.value, CompatError)
    assert "x.whl" in str(info.value)


@pytest.mark.parametrize(
    ("version", "dynamic", "static"),
    [
        ("2.1", (), False),
        ("2.2", (), True),
        ("2.4", ("Summary", "License"), True),
        ("2.2", ("Requires-Dist",), False),
        ("2.3", ("requires-python",), False),
        ("2.2", ("Provides-Extra",), False),
        ("garbage", (), False),
    ],
)
def test_is_static(version: str, dynamic: tuple[str, ...], static: bool) -> None:
    meta = parse_core_metadata(
        metadata_text("a", "1", metadata_version=version, dynamic=dynamic).encode()
    )
    assert is_static(meta) is static


def test_read_wheel_metadata_in_place(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "My-Pkg", "0.1", requires=["attrs"], requires_python=">=3.10")
    data = read_wheel_metadata(whl, "my_pkg")
    meta = parse_core_metadata(data)
    assert meta.requires_dist == ("attrs",)
    assert meta.requires_python == ">=3.10"
    with whl.open("rb") as fh:
        assert read_wheel_metadata(fh, "MY.PKG") == data


def test_read_wheel_metadata_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x-1.0-py3-none-any.whl"
    bad.write_bytes(b"not a zip")
    with pytest.raises(MetadataError, match="not a readable wheel"):
        read_wheel_metadata(bad, "x")
    empty = tmp_path / "y-1.0-py3-none-any.whl"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("y/__init__.py", "")
    with pytest.raises(MetadataError, match="METADATA"):
        read_wheel_metadata(empty, "y")


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_read_sdist_top_level_pkg_info(tmp_path: Path, fmt: str) -> None:
    sd = build_sdist(tmp_path, "demo", "2.0", requires=["six"], fmt=fmt)
    data = read_sdist_metadata(sd, sd.name, "demo")
    meta = parse_core_metadata(data)
    # the nested egg-info PKG-INFO ("wrong") is not picked
    assert meta.name == "demo"
    assert meta.version == "2.0"
    assert meta.requires_dist == ("six",)
    assert is_static(meta)
    assert read_sdist_metadata(io.BytesIO(sd.read_bytes()), sd.name, "demo") == data


def test_read_sdist_without_pkg_info(tmp_path: Path) -> None:
    sd = tmp_path / "demo-1.0.zip"
    with zipfile.ZipFile(sd, "w") as zf:
        zf.writestr("demo-1.0/setup.py", "")
    with pytest.raises(MetadataError, match="no top-level PKG-INFO"):
        read_sdist_metadata(sd, sd.name, "demo")


def test_remote_file_reads_only_needed_ranges(tmp_path: Path) -> None:
    whl = build_wheel(tmp_path, "big", "1.0", padding=600_000)
    blob = whl.read_bytes()
    calls: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        calls.append((start, end))
        return blob[start : end + 1]

    tail = blob[-4096:]
    remote = RemoteFile(fetch, len(blob), tail, block=8192)
    data = read_wheel_metadata(remote, "big")
    assert data == read_wheel_metadata(whl, "big")
    fetched = sum(e - s + 1 for s, e in calls)
    assert fetched < len(blob) // 10
    assert remote.fetches == len(calls) <= 3
    remote.seek(-10, io.SEEK_END)
    assert remote.read() == blob[-10:]
    with pytest.raises(OSError, match="negative"):
        remote.seek(-1)


def test_central_directory_fast_path_matches_zipfile(tmp_path: Path) -> None:
    from compatlib.sources.pypi.metadata import _metadata_from_central_directory

    wheel = build_wheel(tmp_path, "fast-path", "1.0", requires=["numpy>=1.20"], padding=4096)
    fast = _metadata_from_central_directory(str(wheel), "fast-path")
    with zipfile.ZipFile(wheel) as zf:
        (member,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        assert fast == zf.read(member)
    # not a zip, or another project's wheel: no answer, the zipfile path decides
    junk = tmp_path / "junk-1.0-py3-none-any.whl"
    junk.write_bytes(b"not a zip at all")
    assert _metadata_from_central_directory(str(junk), "junk") is None
    assert _metadata_from_central_directory(str(wheel), "other-project") is None


def test_central_directory_fast_path_on_the_local_mirror() -> None:
    from packaging.utils import parse_wheel_filename

    from compatlib.sources.pypi.metadata import _metadata_from_central_directory

    files = sorted(Path("/opt/pypi/files").glob("*.whl"))[:200]
    if not files:
        pytest.skip("the local PyPI mirror is not present")
    for path in files:
        fast = _metadata_from_central_directory(str(path), parse_wheel_filename(path.name)[0])
        with zipfile.ZipFile(path) as zf:
            members = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(members) == 1 and fast is not None:
                assert fast == zf.read(members[0]), path.name


def test_header_reader_agrees_with_packaging_on_the_local_mirror() -> None:
    from packaging.metadata import parse_email

    from compatlib.sources.pypi.metadata import parse_core_metadata

    files = sorted(Path("/opt/pypi/files").glob("*.whl"))[:300]
    if not files:
        pytest.skip("the local PyPI mirror is not present")
    for path in files:
        with zipfile.ZipFile(path) as zf:
            members = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            data = zf.read(members[0])
        raw, _ = parse_email(data)
        meta = parse_core_metadata(data)
        assert meta.name == raw["name"].strip()
        assert meta.requires_dist == tuple(
            r.strip() for r in raw.get("requires_dist", []) if r.strip()
        )
        assert meta.provides_extra == tuple(
            sorted({e.strip() for e in raw.get("provides_extra", []) if e.strip()})
        )
        assert meta.requires_python == ((raw.get("requires_python") or "").strip() or None)


def test_header_reader_folds_continuation_lines_and_stops_at_the_body() -> None:
    from compatlib.sources.pypi.metadata import parse_core_metadata

    data = (
        b"Metadata-Version: 2.1\r\nName: demo\r\nVersion: 1.0\r\n"
        b"Requires-Dist: numpy>=1.20;\r\n python_version >= '3.9'\r\n"
        b"Provides-Extra: fast\r\n\r\nRequires-Dist: not-a-header-in-the-body\r\n"
    )
    meta = parse_core_metadata(data)
    assert meta.requires_dist == ("numpy>=1.20; python_version >= '3.9'",)
    assert meta.provides_extra == ("fast",)
    assert meta.metadata_version == "2.1"
