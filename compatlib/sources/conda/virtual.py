"""conda's virtual packages (``__glibc``, ``__cuda``, ...) for a target system.

:func:`virtual_packages` builds the records conda would add to the index for a
given subdir and known system facts, following conda's virtual-package
plugins (``conda/plugins/virtual_packages/{linux,osx,windows,cuda,archspec,
conda}.py``, https://github.com/conda/conda) and
``PackageRecord.virtual_package``: channel ``@``, build ``0``, build number
0, the fixed md5 ``12345678901234567890123456789012``, version ``0`` when none
is known.

============  ==============================================================
``__unix``    linux-* and osx-* subdirs; version 0
``__linux``   linux-*: the kernel release cut to its first 2-4 numeric
              components (``5.15.0-91-generic`` -> ``5.15.0``), ``0`` if unknown
``__glibc``   linux-*: only when ``glibc`` is given (conda exports it only
              when it can detect or is told the libc version)
``__osx``     osx-*: macOS version, ``0`` if unknown
``__win``     win-*: Windows version, ``0`` if unknown
``__cuda``    any subdir, when ``cuda`` is given: the driver's CUDA version
``__archspec``  when ``archspec`` is given: version ``1``, build = the
              microarchitecture name (``x86_64_v3``, ``zen2``, ``m1``)
``__conda``   when ``conda`` is given: the conda version
============  ==============================================================

``system`` maps those keys (``"cuda"``, ``"glibc"``, ``"linux"``, ``"osx"``,
``"win"``, ``"archspec"``, ``"conda"``) to version strings, like conda's
``CONDA_OVERRIDE_*`` variables; an empty value means "absent" for the optional
packages (as an empty ``CONDA_OVERRIDE_CUDA`` does). Nothing is detected from
the machine this runs on: the target is described, not probed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from compatlib.errors import InputError
from compatlib.sources.conda.records import PackageRecord
from compatlib.values.conda_version import parse_conda_version

__all__ = ["VIRTUAL_KEYS", "virtual_packages", "virtual_record"]

VIRTUAL_KEYS = ("archspec", "conda", "cuda", "glibc", "linux", "osx", "win")

_VIRTUAL_MD5 = "12345678901234567890123456789012"
_KERNEL = re.compile(r"\d+\.\d+(\.\d+)?(\.\d+)?")


def virtual_record(name: str, version: str | None, build: str | None, subdir: str) -> PackageRecord:
    """One virtual package record, as conda's ``PackageRecord.virtual_package``."""
    text = version or "0"
    try:
        parsed = parse_conda_version(text)
    except InputError as exc:
        raise InputError(
            f"invalid version {text!r} for virtual package {name}: {exc.message}",
            field=name.lstrip("_"),
            expected=exc.expected,
        ) from None
    return PackageRecord(
        name=name,
        version=parsed,
        build=build or "0",
        build_number=0,
        md5=_VIRTUAL_MD5,
        subdir=subdir,
        filename=name,
        channel="@",
    )


def virtual_packages(subdir: str, system: Mapping[str, str] | None = None) -> list[PackageRecord]:
    """The virtual package records of a target ``subdir`` (sorted by name)."""
    facts = dict(system or {})
    unknown = sorted(set(facts) - set(VIRTUAL_KEYS))
    if unknown:
        raise InputError(
            f"unknown virtual package key(s) {', '.join(map(repr, unknown))}",
            field=unknown[0],
            expected="keys among " + ", ".join(VIRTUAL_KEYS),
        )
    platform = subdir.split("-", 1)[0]
    out: list[PackageRecord] = []

    def add(name: str, version: str | None, build: str | None = None) -> None:
        out.append(virtual_record(name, version, build, subdir))

    if platform in ("linux", "osx"):
        add("__unix", None)
    if platform == "linux":
        release = (facts.get("linux") or "").strip()
        m = _KERNEL.match(release)
        add("__linux", m.group() if m else "0")
        glibc = (facts.get("glibc") or "").strip()
        if glibc:
            add("__glibc", glibc)
    elif platform == "osx":
        add("__osx", (facts.get("osx") or "").strip() or None)
    elif platform == "win":
        add("__win", (facts.get("win") or "").strip() or None)
    cuda = (facts.get("cuda") or "").strip()
    if cuda:
        add("__cuda", cuda)
    arch = (facts.get("archspec") or "").strip()
    if arch:
        add("__archspec", "1", arch)
    conda = (facts.get("conda") or "").strip()
    if conda:
        add("__conda", conda)
    return sorted(out, key=lambda r: r.name)
