"""The system-layer knowledge base: CUDA, GPUs, cuDNN, OS/glibc and Azure, as typed data.

The facts live in ``data/stack/*.yaml`` (each record names its source); this module
loads them into immutable value records, once per process, and answers the questions the
solver and the explanations ask::

    >>> min_driver("12.1")
    '530.30.02'
    >>> min_driver("12.1", compatibility="minor")
    '525.60.13'
    >>> gpu("NVIDIA A100-SXM4-80GB").compute_capability
    '8.0'
    >>> can_run(["8.0", "9.0+PTX"], "8.6")
    True
    >>> glibc_of("Ubuntu 22.04")
    '2.35'

Unknown inputs raise :class:`compatlib.errors.InputError` naming what is known nearby;
questions the data is too old (or too narrow) to answer raise its subclass
:class:`UnknownToData`, which carries the data's date (:func:`as_of`, the oldest
``as_of`` of the data files).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from compatlib._datafiles import data_path, load_compiled
from compatlib._values import value
from compatlib.errors import InputError
from compatlib.stack.archs import (
    normalize_compute_capability,
    parse_arch_list,
    runs_on,
    split_compute_capability,
)
from compatlib.values.dotted import DottedVersion

__all__ = [
    # records
    "Architecture",
    "AzureImage",
    "AzureVmSeries",
    "AzureVmSize",
    "CudaRelease",
    "CudnnRelease",
    "CuratedEnvironment",
    "DriverBranch",
    "DriverCuda",
    "DriverFloor",
    "Gpu",
    "ManylinuxTag",
    "MinorCompatibility",
    "OsRelease",
    "UnknownToData",
    # how current
    "as_of",
    "data_dates",
    # listings
    "azure_images",
    "azure_vm_series",
    "azure_vm_sizes",
    "cuda_architectures",
    "cuda_releases",
    "cudnn_releases",
    "curated_environments",
    "driver_branches",
    "gpus",
    "manylinux_tags",
    "minor_compatibility",
    "os_releases",
    # lookups and queries
    "architecture",
    "azure_vm_size",
    "can_run",
    "cuda_release",
    "cuda_supports",
    "driver_cuda",
    "driver_floor",
    "driver_max_cuda",
    "driver_supports_gpu",
    "glibc_of",
    "gpu",
    "is_tegra",
    "last_driver_branch",
    "manylinux_glibc",
    "min_driver",
    "normalize_compute_capability",
    "os_release",
]


# --------------------------------------------------------------------------- records


@value(slots=False)
class CudaRelease:
    """One CUDA toolkit release and the minimum driver NVIDIA lists for it.

    ``version`` is the toolkit version (``"12.1.1"``; ``"10.2"`` for 10.2.89),
    ``kind`` is ``"ga"``, ``"update"`` or ``"rc"``. ``driver_windows`` is ``None``
    where NVIDIA lists no Windows driver (13.x).
    """

    version: str
    label: str
    kind: str
    driver_linux: str
    driver_windows: str | None
    aliases: tuple[str, ...]
    source: str
    note: str | None = None

    @property
    def major(self) -> int:
        return DottedVersion(self.version).major

    @property
    def major_minor(self) -> str:
        """``"12.1"`` for every 12.1 release."""
        parts = self.version.split(".")
        return f"{parts[0]}.{parts[1]}"


@value(slots=False)
class MinorCompatibility:
    """The oldest driver running any toolkit of a CUDA major (minor-version compatibility)."""

    major: int
    driver_linux: str
    driver_windows: str
    source: str
    note: str | None = None


@value(slots=False)
class Architecture:
    """Which CUDA releases can build code for one GPU compute capability.

    ``added``/``removed`` are CUDA ``major.minor`` versions; ``added is None`` means
    before the oldest release covered (10.2), ``removed is None`` still supported.
    ``tegra`` marks integrated Jetson GPUs, whose machine code is not binary
    compatible with other compute capabilities.
    """

    compute_capability: str
    added: str | None
    removed: str | None
    source: str
    note: str | None = None
    tegra: bool = False


@value(slots=False)
class Gpu:
    """An NVIDIA GPU model: ``compute_capability`` is a string such as ``"8.0"``."""

    name: str
    compute_capability: str
    architecture: str
    aliases: tuple[str, ...]
    source: str
    note: str | None = None


@value(slots=False)
class DriverBranch:
    """The last NVIDIA driver branch (``470``) that drives the GPUs of one
    architecture (``"Kepler"``); later branches do not load on them."""

    architecture: str
    last_branch: int
    source: str
    note: str | None = None

    def drives(self, driver: str) -> bool:
        """Whether NVIDIA driver ``driver`` (``"470.82.01"``) is of this branch or
        an older one, so that it drives these GPUs."""
        return DottedVersion(driver).major <= self.last_branch


@value(slots=False)
class CudnnRelease:
    """One row of the cuDNN support matrix: a cuDNN series built for one CUDA major."""

    version: str
    latest_patch: str
    cuda_major: int
    cuda: tuple[str, ...]
    driver_linux: str
    driver_windows: str | None
    compute_capability_min: str
    compute_capabilities: tuple[str, ...]
    source: str
    note: str | None = None


@value(slots=False)
class OsRelease:
    """An OS release and the glibc it ships (``id`` such as ``"ubuntu22.04"``)."""

    id: str
    name: str
    distro: str
    version: str
    glibc: str
    family: str | None
    source: str
    note: str | None = None


@value(slots=False)
class ManylinuxTag:
    """A manylinux platform tag family and the glibc it requires."""

    tag: str
    glibc: str
    source: str
    note: str | None = None


@value(slots=False)
class AzureVmSize:
    """One Azure VM size: ``gpus`` per VM; ``gpu_partition`` (``"1/6"``) for vGPU slices."""

    name: str
    series: str
    gpu: str
    gpus: int
    gpu_partition: str | None
    status: str
    source: str


@value(slots=False)
class AzureVmSeries:
    """An Azure GPU VM series (``NC_A100_v4``): its GPU, status and sizes."""

    name: str
    gpu: str
    status: str
    sizes: tuple[AzureVmSize, ...]
    source: str
    note: str | None = None


@value(slots=False)
class AzureImage:
    """An Azure ML base image and the CUDA, cuDNN and OS it carries."""

    name: str
    cuda: str | None
    cudnn: str | None
    os: str | None
    status: str
    source: str
    note: str | None = None


@value(slots=False)
class CuratedEnvironment:
    """An Azure ML curated environment and what its image contains."""

    name: str
    image: str | None
    python: str | None
    cuda: str | None
    os: str | None
    packages: tuple[tuple[str, str], ...]
    status: str
    source: str
    note: str | None = None


# --------------------------------------------------------------------------- loading


class _Reader:
    """Typed access to one YAML record, with errors that name the file and field."""

    def __init__(self, data: Any, path: Path, field: str) -> None:
        if not isinstance(data, dict):
            raise InputError(
                "record is not a mapping", source=str(path), field=field, expected="a mapping"
            )
        self.data: dict[str, Any] = data
        self.path = path
        self.field = field

    def error(self, key: str, message: str, expected: str) -> InputError:
        return InputError(
            message, source=str(self.path), field=f"{self.field}.{key}", expected=expected
        )

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value:
            raise self.error(key, f"missing or non-string {key!r}", "a non-empty string")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.error(key, f"non-string {key!r}", "a non-empty string or null")
        return value

    def version(self, key: str) -> str:
        value = self.text(key)
        self._check_version(key, value)
        return value

    def opt_version(self, key: str) -> str | None:
        value = self.opt_text(key)
        if value is not None:
            self._check_version(key, value)
        return value

    def _check_version(self, key: str, value: str) -> None:
        try:
            DottedVersion(value)
        except InputError:
            raise self.error(key, f"invalid version {value!r}", "dotted numbers") from None

    def integer(self, key: str) -> int:
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, f"missing or non-integer {key!r}", "an integer")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self.error(key, f"non-boolean {key!r}", "true or false")
        return value

    def str_list(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, f"missing or malformed {key!r}", "a list of strings")
        return tuple(value)

    def source(self) -> str:
        value = self.text("source")
        if not value.startswith("https://"):
            raise self.error("source", "source is not an https URL", "an https:// URL")
        return value


def _plain(items: dict[str, Any], line: int | None) -> dict[str, Any]:
    return items


def _load(name: str) -> tuple[dict[str, Any], Path]:
    path = data_path("stack", name)
    data = load_compiled(path, _plain)  # the JSON twin, while it is current
    if data is None:
        # lazy: only _load needs yaml, which loads 27 modules that importing this one does not
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=loader)  # the C or Python *safe* loader
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise InputError(
            "unsupported knowledge-base file",
            source=str(path),
            field="schema",
            expected="schema: 1",
        )
    return data, path


def _records(data: dict[str, Any], path: Path, key: str) -> list[_Reader]:
    items = data.get(key)
    if not isinstance(items, list):
        raise InputError(f"missing list {key!r}", source=str(path), field=key, expected="a list")
    return [_Reader(item, path, f"{key}[{i}]") for i, item in enumerate(items)]


@cache
def _cuda_data() -> tuple[
    tuple[CudaRelease, ...], tuple[MinorCompatibility, ...], tuple[Architecture, ...]
]:
    data, path = _load("cuda.yaml")
    releases = tuple(
        CudaRelease(
            version=r.version("version"),
            label=r.text("label"),
            kind=r.text("kind"),
            driver_linux=r.version("driver_linux"),
            driver_windows=r.opt_version("driver_windows"),
            aliases=r.str_list("aliases", required=False),
            source=r.source(),
            note=r.opt_text("note"),
        )
        for r in _records(data, path, "releases")
    )
    compat = tuple(
        MinorCompatibility(
            major=r.integer("major"),
            driver_linux=r.version("driver_linux"),
            driver_windows=r.version("driver_windows"),
            source=r.source(),
            note=r.opt_text("note"),
        )
        for r in _records(data, path, "minor_compatibility")
    )
    archs = tuple(
        Architecture(
            compute_capability=r.version("compute_capability"),
            added=r.opt_version("added"),
            removed=r.opt_version("removed"),
            source=r.source(),
            note=r.opt_text("note"),
            tegra=r.flag("tegra"),
        )
        for r in _records(data, path, "architectures")
    )
    return (
        tuple(sorted(releases, key=lambda c: DottedVersion(c.version))),
        tuple(sorted(compat, key=lambda m: m.major)),
        tuple(sorted(archs, key=lambda a: DottedVersion(a.compute_capability))),
    )


def cuda_releases() -> tuple[CudaRelease, ...]:
    """Every CUDA toolkit release known, oldest first."""
    return _cuda_data()[0]


def minor_compatibility() -> tuple[MinorCompatibility, ...]:
    """The minor-version-compatibility driver floor per CUDA major, oldest major first."""
    return _cuda_data()[1]


def cuda_architectures() -> tuple[Architecture, ...]:
    """Per compute capability, which CUDA releases can build for it (lowest first)."""
    return _cuda_data()[2]


@cache
def gpus() -> tuple[Gpu, ...]:
    """Every GPU model known, in file order."""
    data, path = _load("gpus.yaml")
    return tuple(
        Gpu(
            name=r.text("name"),
            compute_capability=r.version("compute_capability"),
            architecture=r.text("architecture"),
            aliases=r.str_list("aliases", required=False),
            source=r.source(),
            note=r.opt_text("note"),
        )
        for r in _records(data, path, "gpus")
    )


@cache
def driver_branches() -> tuple[DriverBranch, ...]:
    """Per GPU architecture whose support has ended, the last driver branch for it."""
    data, path = _load("gpus.yaml")
    return tuple(
        DriverBranch(
            architecture=r.text("architecture"),
            last_branch=r.integer("last_branch"),
            source=r.source(),
            note=r.opt_text("note"),
        )
        for r in _records(data, path, "driver_branches")
    )


@cache
def cudnn_releases() -> tuple[CudnnRelease, ...]:
    """Every cuDNN support-matrix row known, oldest cuDNN first."""
    data, path = _load("cudnn.yaml")
    rows = tuple(
        CudnnRelease(
            version=r.version("version"),
            latest_patch=r.version("latest_patch"),
            cuda_major=r.integer("cuda_major"),
            cuda=r.str_list("cuda"),
            driver_linux=r.version("driver_linux"),
            driver_windows=r.opt_version("driver_windows"),
            compute_capability_min=r.version("compute_capability_min"),
            compute_capabilities=r.str_list("compute_capabilities", required=False),
            source=r.source(),
            note=r.opt_text("note"),
        )
        for r in _records(data, path, "releases")
    )
    return tuple(sorted(rows, key=lambda c: (DottedVersion(c.version), c.cuda_major)))


@cache
def _os_data() -> tuple[tuple[OsRelease, ...], tuple[ManylinuxTag, ...]]:
    data, path = _load("os.yaml")
    releases = tuple(
        OsRelease(
            id=r.text("id"),
            name=r.text("name"),
            distro=r.text("distro"),
            version=r.version("version"),
            glibc=r.version("glibc"),
            family=r.opt_text("family"),
            source=r.source(),
            note=r.opt_text("note"),
        )
        for r in _records(data, path, "releases")
    )
    tags = tuple(
        ManylinuxTag(
            tag=r.text("tag"), glibc=r.text("glibc"), source=r.source(), note=r.opt_text("note")
        )
        for r in _records(data, path, "manylinux")
    )
    return releases, tags


def os_releases() -> tuple[OsRelease, ...]:
    """Every OS release known, in file order."""
    return _os_data()[0]


def manylinux_tags() -> tuple[ManylinuxTag, ...]:
    """The manylinux tag families (legacy aliases and the PEP 600 pattern)."""
    return _os_data()[1]


@cache
def _azure_data() -> tuple[
    tuple[AzureVmSeries, ...], tuple[AzureImage, ...], tuple[CuratedEnvironment, ...]
]:
    data, path = _load("azure.yaml")
    series: list[AzureVmSeries] = []
    for r in _records(data, path, "vm_series"):
        name, gpu_name, status, source = r.text("name"), r.text("gpu"), r.text("status"), r.source()
        sizes = []
        for s in _records(r.data, path, "sizes"):
            s.field = f"{r.field}.{s.field}"
            sizes.append(
                AzureVmSize(
                    name=s.text("name"),
                    series=name,
                    gpu=gpu_name,
                    gpus=s.integer("gpus"),
                    gpu_partition=s.opt_text("gpu_partition"),
                    status=status,
                    source=source,
                )
            )
        series.append(
            AzureVmSeries(name, gpu_name, status, tuple(sizes), source, r.opt_text("note"))
        )
    images = tuple(
        AzureImage(
            name=r.text("name"),
            cuda=r.opt_version("cuda"),
            cudnn=r.opt_version("cudnn"),
            os=r.opt_text("os"),
            status=r.text("status"),
            source=r.source(),
            note=r.opt_text("note"),
        )
        for r in _records(data, path, "images")
    )
    envs: list[CuratedEnvironment] = []
    for r in _records(data, path, "curated_environments"):
        packages = r.data.get("packages") or {}
        if not isinstance(packages, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in packages.items()
        ):
            raise r.error("packages", "malformed packages", "a mapping of name to version")
        envs.append(
            CuratedEnvironment(
                name=r.text("name"),
                image=r.opt_text("image"),
                python=r.opt_version("python"),
                cuda=r.opt_version("cuda"),
                os=r.opt_text("os"),
                packages=tuple(sorted(packages.items())),
                status=r.text("status"),
                source=r.source(),
                note=r.opt_text("note"),
            )
        )
    return tuple(series), images, tuple(envs)


def azure_vm_series() -> tuple[AzureVmSeries, ...]:
    """Every Azure GPU VM series known."""
    return _azure_data()[0]


def azure_vm_sizes() -> tuple[AzureVmSize, ...]:
    """Every Azure GPU VM size known, series by series."""
    return tuple(size for series in azure_vm_series() for size in series.sizes)


def azure_images() -> tuple[AzureImage, ...]:
    """Azure ML base images."""
    return _azure_data()[1]


def curated_environments() -> tuple[CuratedEnvironment, ...]:
    """Azure ML curated environments."""
    return _azure_data()[2]


# --------------------------------------------------------------------------- how current


class UnknownToData(InputError):
    """A well-formed question the knowledge base cannot answer: a CUDA release, driver
    floor or compute capability newer than the data, or not in it. ``as_of`` is the
    date of the data (:func:`as_of`)."""

    def __init__(self, message: str, *, as_of: str, **fields: Any) -> None:
        self.as_of = as_of
        super().__init__(message, **fields)


_DATA_FOLDERS = ("stack", "frameworks", "mappings")
_AS_OF_LINE = re.compile(r"""^as_of:\s*["']?(\d{4}-\d{2}-\d{2})["']?\s*(?:#.*)?$""")


@cache
def data_dates() -> Mapping[str, str]:
    """The ``as_of`` date of every knowledge-base file (``"stack/cuda.yaml"`` ->
    ``"2026-12-03"``): the day it was last brought up to date with its sources.

    Read from the files' top-level ``as_of:`` line, without parsing the YAML, so the
    date costs a fresh process next to nothing.
    """
    dates: dict[str, str] = {}
    for folder in _DATA_FOLDERS:
        for path in sorted(data_path(folder).glob("*.yaml")):
            found = None
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    m = _AS_OF_LINE.match(line.rstrip("\n"))
                    if m is not None:
                        found = m.group(1)
                        break
            if found is None:
                raise InputError(
                    "knowledge-base file without an as_of date",
                    source=str(path),
                    field="as_of",
                    expected='as_of: "YYYY-MM-DD"',
                )
            dates[f"{folder}/{path.name}"] = found
    return dates


def as_of() -> str:
    """The date the knowledge base is current to: the oldest ``as_of`` of its files
    (``"2026-12-03"``). Facts published after it are not in the data; answers say so
    where it matters, and a lock can record it."""
    return min(data_dates().values())


# --------------------------------------------------------------------------- helpers


def _nearby(wanted: str, known: Iterable[str], limit: int = 6) -> str:
    # lazy: only _nearby needs difflib, which loads 3 modules that importing this one does not
    import difflib

    names = sorted(set(known))
    close = difflib.get_close_matches(wanted, names, n=limit, cutoff=0.4)
    return ", ".join(close or names[:limit])


_CUDA_TEXT = re.compile(r"^\s*(?:cuda\s*[-_ ]?\s*|v)?(\d+(?:\.\d+)*)\s*$", re.IGNORECASE)
_CU_TAG = re.compile(r"^\s*cu(\d\d)(\d)\s*$", re.IGNORECASE)


def _cuda_text(cuda: str) -> str:
    m = _CU_TAG.match(cuda)
    if m:
        return f"{int(m.group(1))}.{m.group(2)}"
    m = _CUDA_TEXT.match(cuda)
    if m is None:
        raise InputError(
            f"invalid CUDA version {cuda!r}",
            field="cuda",
            text=cuda,
            expected="a CUDA version such as 12.1, 12.1.1 or cu121",
        )
    return m.group(1)


def _beyond_data(text: str) -> bool:
    """Is CUDA ``text`` (dotted) newer than every release the data knows?"""
    return DottedVersion(text) > DottedVersion(cuda_releases()[-1].version)


def _newer_than_data(cuda: str, text: str) -> UnknownToData:
    newest = cuda_releases()[-1]
    date = as_of()
    major = DottedVersion(text).major
    compat = [c for c in minor_compatibility() if c.major == major]
    hint = "a known CUDA release such as " + ", ".join(
        r.version for r in reversed(cuda_releases()[-6:])
    )
    if compat:
        hint += (
            f"; or the CUDA {major}.x minor-version-compatibility floor "
            f"(compatibility='minor', --minor): >={compat[0].driver_linux} on Linux"
        )
    return UnknownToData(
        f"CUDA {cuda} is newer than the data, as of {date}, knows (up to {newest.version}); "
        "its minimum driver is unknown",
        as_of=date,
        field="cuda",
        text=cuda,
        expected=hint,
    )


def _resolve_cuda(cuda: str) -> tuple[CudaRelease, ...]:
    """The toolkit releases a CUDA version string stands for (one, except components).

    ``"12.1"`` is the 12.1 GA release, ``"12.1.1"`` (or an alias such as ``"10.2.89"``)
    that exact release. A third component of 10 or more is a component build number
    (``12.1.105``, cudart's version): it stands for every 12.1 release, since the
    build numbers are not tied to one toolkit update here. A version newer than every
    release known raises :class:`UnknownToData`.
    """
    text = _cuda_text(cuda)
    releases = cuda_releases()
    exact = [r for r in releases if r.version == text or text in r.aliases]
    if exact:
        return tuple(exact)
    parts = text.split(".")
    known = [r.version for r in releases]
    if len(parts) == 2:
        same = [r for r in releases if r.major_minor == text]
        ga = [r for r in same if r.kind == "ga"]
        if ga:
            return (ga[0],)
    elif len(parts) == 3 and int(parts[2]) >= 10:
        same = [r for r in releases if r.major_minor == f"{parts[0]}.{parts[1]}"]
        if same:
            return tuple(same)
    if len(parts) == 1:
        raise InputError(
            f"CUDA version {cuda!r} names only a major version",
            field="cuda",
            text=cuda,
            expected="major.minor such as " + _nearby(f"{text}.0", known),
        )
    if _beyond_data(text):
        raise _newer_than_data(cuda, text)
    raise InputError(
        f"unknown CUDA version {cuda!r}",
        field="cuda",
        text=cuda,
        expected="a known CUDA release such as " + _nearby(text, known),
    )


def cuda_release(cuda: str) -> CudaRelease:
    """The toolkit release a CUDA version names (``"12.1"`` is 12.1 GA).

    A component build version (``"12.1.105"``) gives the newest release of that
    minor version.
    """
    return _resolve_cuda(cuda)[-1]


def _os_key(os: str) -> str:
    key = os.strip().lower()
    if key in ("linux", "linux-64", "linux-aarch64", "linux_x86_64", "x86_64-linux"):
        return "linux"
    if key in ("windows", "win", "win32", "win-64", "win_amd64", "nt"):
        return "windows"
    raise InputError(
        f"unknown operating system {os!r}", field="os", text=os, expected="'linux' or 'windows'"
    )


def _compat_for(major: int) -> MinorCompatibility:
    for compat in minor_compatibility():
        if compat.major == major:
            return compat
    raise InputError(
        f"CUDA {major}.x has no minor-version compatibility",
        field="cuda",
        expected="CUDA "
        + ", ".join(f"{c.major}.x" for c in minor_compatibility())
        + " (minor-version compatibility started with CUDA 11)",
    )


# --------------------------------------------------------------------------- drivers


@value
class DriverFloor:
    """The oldest NVIDIA driver that runs code built with CUDA ``cuda``, and notes
    on how the answer was reached where the data alone does not hold it."""

    cuda: str
    os: str
    compatibility: str
    driver: str
    notes: tuple[str, ...] = ()


def driver_floor(cuda: str, os: str = "linux", compatibility: str = "toolkit") -> DriverFloor:
    """:func:`min_driver` with its notes.

    Under minor-version compatibility every toolkit of a CUDA major runs on the
    major's floor, so a CUDA minor newer than the data knows, within a major the
    data knows (``"13.5"`` while the data ends at 13.3), gets that floor and a note
    saying the release itself is not in the data. Its toolkit driver stays unknown
    (:class:`UnknownToData`).
    """
    which = _os_key(os)
    if compatibility not in ("toolkit", "minor"):
        raise InputError(
            f"unknown compatibility {compatibility!r}",
            field="compatibility",
            text=compatibility,
            expected="'toolkit' or 'minor'",
        )
    try:
        candidates = _resolve_cuda(cuda)
    except UnknownToData:
        major = DottedVersion(_cuda_text(cuda)).major
        known = [c for c in minor_compatibility() if c.major == major]
        if compatibility != "minor" or not known:
            raise
        floor = known[0].driver_linux if which == "linux" else known[0].driver_windows
        newest = cuda_releases()[-1].version
        note = (
            f"CUDA {cuda} is newer than the data, as of {as_of()}, knows (up to {newest}); "
            f"under minor-version compatibility every CUDA {major}.x toolkit runs on a "
            f"driver >={floor}"
        )
        return DriverFloor(cuda, which, compatibility, floor, (note,))

    def toolkit_driver(release: CudaRelease) -> str | None:
        return release.driver_linux if which == "linux" else release.driver_windows

    drivers = [d for d in (toolkit_driver(r) for r in candidates) if d is not None]
    toolkit = max(drivers, key=DottedVersion) if drivers else None
    major = candidates[0].major
    if compatibility == "toolkit" and toolkit is not None:
        return DriverFloor(cuda, which, compatibility, toolkit)
    if major < 11:
        if toolkit is None:  # pragma: no cover - every pre-11 release lists both drivers
            raise InputError(f"no {which} driver listed for CUDA {cuda}", field="cuda")
        return DriverFloor(cuda, which, compatibility, toolkit)
    compat = _compat_for(major)
    floor = compat.driver_linux if which == "linux" else compat.driver_windows
    if toolkit is not None and DottedVersion(toolkit) < DottedVersion(floor):
        return DriverFloor(cuda, which, compatibility, toolkit)
    return DriverFloor(cuda, which, compatibility, floor)


def min_driver(cuda: str, os: str = "linux", compatibility: str = "toolkit") -> str:
    """The oldest NVIDIA driver that runs code built with CUDA ``cuda``.

    ``compatibility="toolkit"`` gives NVIDIA's "Toolkit Driver Version" of that
    release (``"12.1"`` -> ``"530.30.02"``). ``compatibility="minor"`` gives the oldest
    driver that runs it at all: the minor-version-compatibility floor of its CUDA major
    (``"525.60.13"`` for 12.x), or the toolkit's own minimum where that is lower (CUDA
    11.0). ``os`` is ``"linux"`` or ``"windows"``; for CUDA 13.x on Windows, where
    NVIDIA lists no toolkit driver, the R580 floor is returned. A CUDA minor newer than
    the data knows gets its major's floor with ``"minor"`` (:func:`driver_floor` says
    so in a note) and raises :class:`UnknownToData` with ``"toolkit"``.
    """
    return driver_floor(cuda, os, compatibility).driver


@value
class DriverCuda:
    """What CUDA a driver runs, as far as the data knows.

    ``newest_known`` is the newest CUDA ``major.minor`` of the data whose toolkit
    minimum the driver meets (``None``: the driver predates every release known).
    ``beyond_data`` is true when the driver meets even the newest known release's
    minimum: it may run CUDA releases newer than the data (as of ``as_of``) knows,
    so ``newest_known`` is a lower bound, not the driver's limit.
    """

    driver: str
    os: str
    newest_known: str | None
    beyond_data: bool
    as_of: str

    def __str__(self) -> str:
        if self.newest_known is None:
            return "none the data knows"
        if self.beyond_data:
            return (
                f"at least {self.newest_known}, and newer CUDA releases the data, "
                f"as of {self.as_of}, does not know"
            )
        return self.newest_known


def driver_cuda(driver: str, os: str = "linux") -> DriverCuda:
    """The CUDA a driver runs: ``driver_cuda("535.104.05")`` is 12.2, exactly;
    ``driver_cuda("620.10")`` is "at least 13.3, and newer CUDA releases the data does
    not know" (``beyond_data``), never capped at the newest release known."""
    which = _os_key(os)
    have = DottedVersion(driver)
    best: CudaRelease | None = None
    newest: CudaRelease | None = None
    for release in cuda_releases():
        need = release.driver_linux if which == "linux" else release.driver_windows
        if need is None:
            continue
        newest = release  # releases are sorted: the last with a driver is the newest
        if DottedVersion(need) <= have and (
            best is None or DottedVersion(release.version) > DottedVersion(best.version)
        ):
            best = release
    beyond = best is not None and best is newest
    return DriverCuda(
        driver, which, best.major_minor if best is not None else None, beyond, as_of()
    )


def driver_max_cuda(driver: str, os: str = "linux") -> str | None:
    """The newest CUDA version (``major.minor``) the data knows whose toolkit minimum
    ``driver`` meets.

    This is what ``nvidia-smi`` reports as "CUDA Version" for the drivers the data
    covers. Releases NVIDIA lists no driver for on ``os`` are skipped; ``None`` when
    the driver predates every release known (older than CUDA 10.2's 440.33 on
    Linux). A driver that meets the newest known release's minimum may run newer
    CUDA releases than the data knows: then this is a lower bound, and
    :func:`driver_cuda` says so (``beyond_data``).
    """
    return driver_cuda(driver, os).newest_known


# --------------------------------------------------------------------------- GPUs

# words before the model that name a brand, not a model ("NVIDIA GeForce RTX 4090",
# "Tesla T4", "GRID T4-16Q", "NVIDIA Tegra Orin")
_GPU_VENDORS = frozenset({"nvidia", "tesla", "geforce", "quadro", "grid", "tegra"})
# brand words that tell same-numbered models apart ("Quadro RTX 6000" is Turing)
_GPU_LINES = frozenset({"tesla", "geforce", "quadro"})
# editions and form factors of one model, removed before the name is split
_GPU_PHRASES = re.compile(
    r"\b(?:server|workstation|sff|desktop)\s+edition\b|\bmax-q\b|\(nvgpu\)", re.IGNORECASE
)
# words after the model: form factor (SXM4, PCIe, NVL, HGX, OAM), memory (80GB, 144G,
# HBM3e), SKU suffixes ("AC" of "B300 SXM6 AC", "LS" of "V100-SXM2-32GB-LS") and
# vGPU profiles ("A10-4Q", "A100-40C")
_GPU_DECORATION = re.compile(
    r"^(?:sxm\d*|pcie|pci|nvl\d*|nvlink|hgx|oam|\d+gb|\d+g|hbm\d*e?|gddr\d*x?|ac|ls|\d+[abcq])$"
)


def _gpu_words(name: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The model words of a GPU name and the brand words that preceded them."""
    text = _GPU_PHRASES.sub(" ", name.strip().lower()).replace("pci-e", "pcie")
    words = [w for w in re.split(r"[\s\-_/(),]+", text) if w]
    brands: set[str] = set()
    while words and words[0] in _GPU_VENDORS:
        brands.add(words.pop(0))
    if "mig" in words[1:]:  # "NVIDIA A100-SXM4-80GB MIG 1g.10gb": a slice of that GPU
        words = words[: words.index("mig", 1)]
    kept = tuple(w for w in words if not _GPU_DECORATION.match(w)) or tuple(words)
    return kept, frozenset(brands)


@value(slots=False)
class _GpuIndex:
    """GPU spellings by model words, each with its model and brand words; and by the
    model words without a trailing generation ("rtx 6000" for "rtx 6000 ada")."""

    exact: Mapping[str, tuple[tuple[Gpu, frozenset[str]], ...]]
    shortened: Mapping[str, tuple[tuple[Gpu, frozenset[str]], ...]]
    squashed: Mapping[str, tuple[Gpu, ...]]


def _build_gpu_index(models: Sequence[Gpu]) -> _GpuIndex:
    exact: dict[str, list[tuple[Gpu, frozenset[str]]]] = {}
    squashed: dict[str, list[Gpu]] = {}
    generations = {"generation"}
    for model in models:
        generations.update(model.architecture.lower().split())
        for spelling in (model.name, *model.aliases):
            words, brands = _gpu_words(spelling)
            key = " ".join(words)
            exact.setdefault(key, []).append((model, brands))
            flat = squashed.setdefault(key.replace(" ", ""), [])
            if model not in flat:
                flat.append(model)
    shortened: dict[str, list[tuple[Gpu, frozenset[str]]]] = {}
    for key, entries in exact.items():
        parts = key.split()
        while len(parts) > 1 and parts[-1] in generations:
            parts.pop()
            shortened.setdefault(" ".join(parts), []).extend(entries)
    return _GpuIndex(
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(v) for k, v in shortened.items()},
        {k: tuple(v) for k, v in squashed.items()},
    )


@cache
def _gpu_index() -> _GpuIndex:
    return _build_gpu_index(gpus())


def _distinct(models: Iterable[Gpu]) -> list[Gpu]:
    out: list[Gpu] = []
    for m in models:
        if m not in out:
            out.append(m)
    return out


def gpu(name: str, *, models: Sequence[Gpu] | None = None) -> Gpu:
    """The GPU model a name refers to, as people, ``nvidia-smi`` and clouds print it.

    ``"A100"``, ``"a100"``, ``"NVIDIA A100-SXM4-80GB"``, ``"Tesla V100-PCIE-16GB"``,
    ``"NVIDIA H100 80GB HBM3"``, ``"NVIDIA B300 SXM6 AC"``, ``"NVIDIA H200 NVL"``,
    ``"NVIDIA GeForce RTX 4090"``, ``"NVIDIA RTX PRO 6000 Blackwell Server Edition"``,
    ``"NVIDIA A10-4Q"`` (an Azure vGPU slice), ``"Orin (nvgpu)"``. Brand words
    before the model (NVIDIA, Tesla, GeForce, Quadro, GRID, Tegra), form factors,
    memory sizes, editions, SKU suffixes and vGPU profiles are ignored; a model name
    may leave out its generation (``"RTX PRO 6000"``). Other words are not dropped,
    so an unknown model is an error rather than a wrong guess, and a name that fits
    two models (``"RTX 6000"``: the Turing Quadro RTX 6000 and the RTX 6000 Ada) is
    an error that names both. ``models`` replaces the known GPUs (for tests).
    """
    index = _gpu_index() if models is None else _build_gpu_index(models)
    words, brands = _gpu_words(name)
    key = " ".join(words)
    # the model words as spelled, or followed by a generation ("RTX 6000" -> "RTX 6000 Ada")
    found = [*index.exact.get(key, ()), *index.shortened.get(key, ())]
    matches = _distinct(m for m, _ in found)
    if len(matches) > 1 and brands & _GPU_LINES:
        lined = _distinct(m for m, b in found if brands & _GPU_LINES <= b)
        if lined:
            matches = lined
    if not matches:
        matches = list(index.squashed.get(key.replace(" ", ""), ()))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(
            f"ambiguous GPU {name!r}: it names "
            + " and ".join(
                f"{m.name} (compute capability {m.compute_capability})" for m in matches
            ),
            field="gpu",
            text=name,
            expected="one of " + ", ".join(repr(m.name) for m in matches),
        )
    raise InputError(
        f"unknown GPU {name!r}",
        field="gpu",
        text=name,
        expected="a known GPU such as " + _nearby(key, index.exact),
    )


# --------------------------------------------------------------------------- compute capability


@cache
def _architectures_by_cc() -> Mapping[tuple[int, int], Architecture]:
    return {split_compute_capability(a.compute_capability)[:2]: a for a in cuda_architectures()}


def architecture(compute_capability: str) -> Architecture:
    """The data's record of a compute capability (``"8.6"``, ``"sm_86"``).

    One the data does not know raises :class:`UnknownToData`: whether it exists,
    which CUDA builds for it and whether it is an integrated (Tegra) GPU are not
    known, so nothing is answered for it.
    """
    major, minor, _ = split_compute_capability(compute_capability)
    found = _architectures_by_cc().get((major, minor))
    if found is not None:
        return found
    known = [a.compute_capability for a in cuda_architectures()]
    date = as_of()
    newer = (major, minor) > split_compute_capability(known[-1])[:2]
    where = (
        f"newer than the data, as of {date}, knows" if newer else f"not in the data, as of {date}"
    )
    shown = f"{major}.{minor}"
    if compute_capability.strip() != shown:
        shown += f" ({compute_capability.strip()!r})"
    message = (
        f"compute capability {shown} is {where}: whether code runs on it, and which CUDA "
        "builds for it, is unknown"
    )
    raise UnknownToData(
        message,
        as_of=date,
        field="compute_capability",
        text=compute_capability,
        expected="one of " + ", ".join(known),
    )


def cuda_supports(cuda: str, compute_capability: str) -> bool:
    """Whether the CUDA release ``cuda`` can build device code for that GPU.

    ``cuda_supports("12.0", "3.7")`` is ``False``: CUDA 12.0 dropped sm_35/sm_37. A
    compute capability or CUDA release the data does not know raises
    :class:`UnknownToData`.
    """
    arch = architecture(compute_capability)
    release = cuda_release(cuda)
    have = DottedVersion(release.major_minor)
    if arch.added is not None and have < DottedVersion(arch.added):
        return False
    return not (arch.removed is not None and have >= DottedVersion(arch.removed))


@cache
def _tegra() -> frozenset[tuple[int, int]]:
    return frozenset(cc for cc, a in _architectures_by_cc().items() if a.tegra)


def is_tegra(compute_capability: str) -> bool:
    """Whether a (known) compute capability is an integrated Jetson/Tegra GPU."""
    architecture(compute_capability)
    return split_compute_capability(compute_capability)[:2] in _tegra()


def can_run(arch_list: Sequence[str] | str, compute_capability: str) -> bool:
    """Whether a binary built for ``arch_list`` has code the GPU can execute.

    Entries are ``"8.6"``/``"sm_86"`` (machine code, SASS), ``"compute_90"`` (PTX) or
    ``"9.0+PTX"`` (both), as in ``TORCH_CUDA_ARCH_LIST`` and ``nvcc`` flags; a plain
    string such as ``"7.0;8.0+PTX"`` is split. The rules are NVIDIA's, in
    :mod:`compatlib.stack.archs`: SASS for sm_XY runs on the same major X with minor
    >= Y, PTX on any GPU of X.Y or newer, ``sm_90a`` only on 9.0, ``sm_100f`` on 10.x
    with x >= 0; Jetson (Tegra) GPUs such as Orin (8.7) need machine code for exactly
    their compute capability. A compute capability the data does not know raises
    :class:`UnknownToData`, as everywhere. The driver must also be new enough to JIT
    the PTX; that is not checked here.
    """
    major, minor, _ = split_compute_capability(compute_capability)
    targets = parse_arch_list(arch_list)
    architecture(compute_capability)
    return runs_on(targets, (major, minor), _tegra())


_DISTRO_ALIASES: Mapping[str, str] = {
    "ubuntu": "ubuntu",
    "debian": "debian",
    "rhel": "rhel",
    "redhat": "rhel",
    "centos": "centos",
    "alma": "almalinux",
    "rocky": "rocky",
    "amzn": "amzn",
    "amazon": "amzn",
    "al": "amzn",
    "azure": "azurelinux",
}

_CODENAMES: Mapping[str, str] = {
    "bionic": "ubuntu18.04",
    "focal": "ubuntu20.04",
    "jammy": "ubuntu22.04",
    "noble": "ubuntu24.04",
    "resolute": "ubuntu26.04",
    "buster": "debian10",
    "bullseye": "debian11",
    "bookworm": "debian12",
    "trixie": "debian13",
}

_OS_TEXT = re.compile(r"^([a-z]+?)(\d+(?:\.\d+)*)$")


def os_release(os_name: str) -> OsRelease:
    """The OS release a name refers to: ``"ubuntu22.04"``, ``"Ubuntu 22.04.3 LTS"``,
    ``"ubuntu-22.04"``, ``"jammy"``, ``"rhel8"``, ``"Rocky Linux 9.3"``, ``"debian12"``.

    Ubuntu is matched on ``major.minor``; other distributions on the major version.
    """
    releases = os_releases()
    by_id = {r.id: r for r in releases}
    text = os_name.strip().lower()
    words = [w for w in re.split(r"[\s\-_()/:]+", text) if w]
    for word in words:
        if word in _CODENAMES:
            return by_id[_CODENAMES[word]]
    squashed = "".join(w for w in words if w not in ("lts", "server", "enterprise"))
    if squashed in by_id:
        return by_id[squashed]
    squashed = squashed.replace("linux", "")
    m = _OS_TEXT.match(squashed)
    if m is not None:
        distro = _DISTRO_ALIASES.get(m.group(1))
        version = m.group(2).split(".")
        if distro is not None:
            for release in releases:
                if release.distro != distro:
                    continue
                have = release.version.split(".")
                if distro == "ubuntu":
                    if version[:2] == have[:2]:
                        return release
                elif version[0] == have[0]:
                    return release
    raise InputError(
        f"unknown OS release {os_name!r}",
        field="os",
        text=os_name,
        expected="a known release such as " + _nearby(squashed, by_id),
    )


def glibc_of(os_name: str) -> str:
    """The glibc version an OS release ships: ``glibc_of("ubuntu22.04") == "2.35"``."""
    return os_release(os_name).glibc


_MANYLINUX_PEP600 = re.compile(r"^manylinux_(\d+)_(\d+)(?:_\w+)?$")
_MANYLINUX_LEGACY = re.compile(r"^(manylinux(?:1|2010|2014))(?:_\w+)?$")


def manylinux_glibc(tag: str) -> str:
    """The glibc a manylinux wheel tag needs.

    ``"manylinux2014_x86_64"`` -> ``"2.17"``, ``"manylinux_2_28_x86_64"`` -> ``"2.28"``,
    ``"manylinux1"`` -> ``"2.5"``. The architecture suffix is optional.
    """
    text = tag.strip().lower()
    m = _MANYLINUX_PEP600.match(text)
    if m is not None:
        return f"{int(m.group(1))}.{int(m.group(2))}"
    m = _MANYLINUX_LEGACY.match(text)
    if m is not None:
        for known in manylinux_tags():
            if known.tag == m.group(1):
                return known.glibc
    raise InputError(
        f"not a manylinux tag: {tag!r}",
        field="tag",
        text=tag,
        expected="manylinux1, manylinux2010, manylinux2014 or manylinux_2_X (with an optional _arch)",
    )


def azure_vm_size(name: str) -> AzureVmSize:
    """An Azure VM size by name, case-insensitively, ``Standard_`` optional."""
    wanted = name.strip().lower()
    if not wanted.startswith("standard_"):
        wanted = "standard_" + wanted
    sizes = azure_vm_sizes()
    for size in sizes:
        if size.name.lower() == wanted:
            return size
    raise InputError(
        f"unknown Azure VM size {name!r}",
        field="azure",
        text=name,
        expected="a GPU VM size such as "
        + _nearby(
            name if name.startswith("Standard_") else f"Standard_{name}", (s.name for s in sizes)
        ),
    )


# --------------------------------------------------------------------------- driver branches


def last_driver_branch(compute_capability: str) -> DriverBranch | None:
    """The last driver branch that drives GPUs of ``compute_capability``, or ``None``
    when the newest branch still does (or the GPU is an integrated Jetson GPU, which
    runs NVIDIA's L4T driver instead): ``last_driver_branch("3.7").last_branch == 470``.
    """
    try:
        cc = normalize_compute_capability(compute_capability)
        if is_tegra(cc):
            return None
    except InputError:  # a GPU the data does not know: nothing to say about it
        return None
    archs = {g.architecture for g in gpus() if g.compute_capability == cc}
    ends = [b for b in driver_branches() if b.architecture in archs]
    return min(ends, key=lambda b: b.last_branch) if ends else None


def driver_supports_gpu(driver: str, compute_capability: str) -> bool:
    """Whether NVIDIA driver ``driver`` (``"550.54.15"``) drives GPUs of
    ``compute_capability``: its branch is no later than the architecture's last."""
    end = last_driver_branch(compute_capability)
    return end is None or end.drives(driver)
