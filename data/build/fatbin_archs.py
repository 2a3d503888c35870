"""List the GPU architectures compiled into a CUDA shared library or a wheel.

A maintainer tool that checks the ``arch_list`` facts in ``data/frameworks``
against real binaries, without a GPU and without NVIDIA's ``cuobjdump``.  It
reads the ELF ``.nv_fatbin`` section, walks the fat binary containers in it
(magic ``0xBA55ED50``) and records, for each embedded image, whether it is
machine code (cubin, "sm_XY") or PTX ("compute_XY") and for which compute
capability.  A wheel is read in place: the shared library is taken from the
zip without unpacking the wheel to disk.

Examples::

    python data/build/fatbin_archs.py torch-2.14.1-...-manylinux_2_28_x86_64.whl
    python data/build/fatbin_archs.py --member torch/lib/libtorch_cuda.so some.whl
    python data/build/fatbin_archs.py /usr/lib/libfoo.so
"""

from __future__ import annotations

import argparse
import struct
import zipfile
from collections import Counter
from pathlib import Path

__all__ = ["fatbin_images", "main", "nv_fatbin_section"]

_FATBIN_MAGIC = 0xBA55ED50
_KIND_PTX = 1
_KIND_ELF = 2


def nv_fatbin_section(elf: bytes) -> bytes:
    """The bytes of the ``.nv_fatbin`` section of a 64-bit little-endian ELF file."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    (e_shoff,) = struct.unpack_from("<Q", elf, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def header(i: int) -> tuple[int, int, int]:
        base = e_shoff + i * e_shentsize
        (name,) = struct.unpack_from("<I", elf, base)
        offset, size = struct.unpack_from("<QQ", elf, base + 0x18)
        return name, offset, size

    _, str_off, _ = header(e_shstrndx)
    for i in range(e_shnum):
        name, offset, size = header(i)
        end = elf.index(b"\0", str_off + name)
        if elf[str_off + name : end] == b".nv_fatbin":
            return elf[offset : offset + size]
    raise ValueError("no .nv_fatbin section")


def fatbin_images(section: bytes) -> Counter[tuple[str, int]]:
    """Count the images in a fat binary section by (kind, compute capability x10).

    ``kind`` is ``"sm"`` for machine code and ``"compute"`` for PTX.
    """
    found: Counter[tuple[str, int]] = Counter()
    pos = 0
    while pos + 16 <= len(section):
        magic, _version, header_size, body_size = struct.unpack_from("<IHHQ", section, pos)
        if magic != _FATBIN_MAGIC:
            pos += 8  # containers are 8-byte aligned; skip padding
            continue
        entry = pos + header_size
        end = entry + body_size
        while entry + 32 <= end:
            kind, _unk, entry_header, payload = struct.unpack_from("<HHIQ", section, entry)
            (arch,) = struct.unpack_from("<I", section, entry + 28)
            if kind == _KIND_ELF:
                found["sm", arch] += 1
            elif kind == _KIND_PTX:
                found["compute", arch] += 1
            if entry_header == 0:
                break
            entry += entry_header + payload
        pos = end
    return found


def _describe(images: Counter[tuple[str, int]]) -> str:
    lines = []
    for (kind, arch), count in sorted(images.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(
            f"{kind}_{arch}\t{count} images\t(compute capability {arch // 10}.{arch % 10})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a .so file or a wheel")
    parser.add_argument(
        "--member",
        default="torch/lib/libtorch_cuda.so",
        help="the library inside a wheel (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.path.suffix == ".whl":
        with zipfile.ZipFile(args.path) as zf:
            data = zf.read(args.member)
    else:
        data = args.path.read_bytes()
    print(_describe(fatbin_images(nv_fatbin_section(data))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
