"""Damaged wheels and sdists in a find-links folder or on an index: a MetadataError
(the release is unusable, and the explanation says why), never a crash."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from compatlib.sources.pypi.metadata import MetadataError, read_sdist_metadata, read_wheel_metadata

META = "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n" + "Summary: padding\n" * 40


def _wheel(compression: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        zf.writestr("x-1.0.dist-info/METADATA", META)
        zf.writestr("x-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return bytearray(buf.getvalue())


def _random(data: bytearray) -> bytes:
    return os.urandom(4000)


def _unknown_method(data: bytearray) -> bytes:
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 8 : local + 10] = (99).to_bytes(2, "little")
    data[central + 10 : central + 12] = (99).to_bytes(2, "little")
    return bytes(data)


def _damaged_stream(data: bytearray) -> bytes:
    start = data.find(b"x-1.0.dist-info/METADATA") + len("x-1.0.dist-info/METADATA")
    for i in range(start + 5, start + 40):
        data[i] ^= 0x55
    return bytes(data)


def _truncated(data: bytearray) -> bytes:
    return bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_random, _unknown_method, _damaged_stream, _truncated])
def test_damaged_wheels(tmp_path: Path, damage: Callable[[bytearray], bytes]) -> None:
    path = tmp_path / "x-1.0-py3-none-any.whl"
    path.write_bytes(damage(_wheel()))
    with pytest.raises(MetadataError):
        read_wheel_metadata(path, "x")
    with pytest.raises(MetadataError):
        read_wheel_metadata(io.BytesIO(path.read_bytes()), "x")


@pytest.mark.parametrize(
    "blob",
    [b"\x1f\x8b\x08\x00" + os.urandom(3000), b"BZh9" + os.urandom(3000), os.urandom(3000)],
)
def test_damaged_sdists(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "x-1.0.tar.gz"
    path.write_bytes(blob)
    with pytest.raises(MetadataError):
        read_sdist_metadata(path, "x-1.0.tar.gz", "x")
