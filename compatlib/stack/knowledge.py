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

Unknown inputs raise :class:`compatlib.errors.InputError` naming what is known nearby.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from compatlib._datafiles import data_path
from compatlib._values import value
from compatlib.errors import InputError
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
    "Gpu",
    "ManylinuxTag",
    "MinorCompatibility",
    "OsRelease",
    # listings
    "azure_images",
    "azure_vm_series",
    "azure_vm_sizes",
    "cuda_architectures",
    "cuda_releases",
    "cudnn_releases",
    "curated_environments",
    "gpus",
    "manylinux_tags",
    "minor_compatibility",
    "os_releases",
    # lookups and queries
    "azure_vm_size",
    "can_run",
    "cuda_release",
    "cuda_supports",
    "driver_max_cuda",
    "glibc_of",
    "gpu",
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
    from compatlib._datafiles import load_compiled

    path = data_path("stack", name)
    data = load_compiled(path, _plain)  # the JSON twin, while it is current
    if data is None:
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


# --------------------------------------------------------------------------- helpers


def _nearby(wanted: str, known: Iterable[str], limit: int = 6) -> str:
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


def _resolve_cuda(cuda: str) -> tuple[CudaRelease, ...]:
    """The toolkit releases a CUDA version string stands for (one, except components).

    ``"12.1"`` is the 12.1 GA release, ``"12.1.1"`` (or an alias such as ``"10.2.89"``)
    that exact release. A third component of 10 or more is a component build number
    (``12.1.105``, cudart's version): it stands for every 12.1 release, since the
    build numbers are not tied to one toolkit update here.
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


# --------------------------------------------------------------------------- queries


def min_driver(cuda: str, os: str = "linux", compatibility: str = "toolkit") -> str:
    """The oldest NVIDIA driver that runs code built with CUDA ``cuda``.

    ``compatibility="toolkit"`` gives NVIDIA's "Toolkit Driver Version" of that
    release (``"12.1"`` -> ``"530.30.02"``). ``compatibility="minor"`` gives the oldest
    driver that runs it at all: the minor-version-compatibility floor of its CUDA major
    (``"525.60.13"`` for 12.x), or the toolkit's own minimum where that is lower (CUDA
    11.0). ``os`` is ``"linux"`` or ``"windows"``; for CUDA 13.x on Windows, where
    NVIDIA lists no toolkit driver, the R580 floor is returned.
    """
    which = _os_key(os)
    if compatibility not in ("toolkit", "minor"):
        raise InputError(
            f"unknown compatibility {compatibility!r}",
            field="compatibility",
            text=compatibility,
            expected="'toolkit' or 'minor'",
        )
    candidates = _resolve_cuda(cuda)

    def toolkit_driver(release: CudaRelease) -> str | None:
        return release.driver_linux if which == "linux" else release.driver_windows

    drivers = [d for d in (toolkit_driver(r) for r in candidates) if d is not None]
    toolkit = max(drivers, key=DottedVersion) if drivers else None
    major = candidates[0].major
    if compatibility == "toolkit" and toolkit is not None:
        return toolkit
    if major < 11:
        if toolkit is None:  # pragma: no cover - every pre-11 release lists both drivers
            raise InputError(f"no {which} driver listed for CUDA {cuda}", field="cuda")
        return toolkit
    compat = _compat_for(major)
    floor = compat.driver_linux if which == "linux" else compat.driver_windows
    if toolkit is not None and DottedVersion(toolkit) < DottedVersion(floor):
        return toolkit
    return floor


def driver_max_cuda(driver: str, os: str = "linux") -> str | None:
    """The newest CUDA version (``major.minor``) whose toolkit minimum ``driver`` meets.

    This is what ``nvidia-smi`` reports as "CUDA Version". Releases NVIDIA lists no
    driver for on ``os`` are skipped; ``None`` when the driver predates every release
    known (older than CUDA 10.2's 440.33 on Linux).
    """
    which = _os_key(os)
    have = DottedVersion(driver)
    best: CudaRelease | None = None
    for release in cuda_releases():
        need = release.driver_linux if which == "linux" else release.driver_windows
        if (
            need is not None
            and DottedVersion(need) <= have
            and (best is None or DottedVersion(release.version) > DottedVersion(best.version))
        ):
            best = release
    return best.major_minor if best is not None else None


_GPU_PREFIXES = ("nvidia", "tesla", "geforce", "quadro")
_GPU_SUFFIX = re.compile(
    r"^(?:sxm\d*|pcie|pci|hbm\d*e?|\d+gb|nvlink|mig.*|smx\d*|oam|max-q|\d+g)$", re.IGNORECASE
)


def _gpu_key(name: str) -> str:
    words = re.split(r"[\s_]+", name.strip().lower())
    while words and words[0] in _GPU_PREFIXES:
        words.pop(0)
    return " ".join(w for w in words if w)


@cache
def _gpu_index() -> dict[str, Gpu]:
    index: dict[str, Gpu] = {}
    for model in gpus():
        for spelling in (model.name, *model.aliases):
            index.setdefault(_gpu_key(spelling), model)
    return index


def gpu(name: str) -> Gpu:
    """The GPU model a name refers to, leniently.

    Accepts NVIDIA product names, short names and what ``nvidia-smi`` prints:
    ``"A100"``, ``"a100"``, ``"NVIDIA A100-SXM4-80GB"``, ``"Tesla V100-PCIE-16GB"``,
    ``"NVIDIA H100 80GB HBM3"``. Memory and form-factor suffixes are dropped; other
    unknown words are not, so an unknown model is an error rather than a wrong guess.
    """
    index = _gpu_index()
    key = _gpu_key(name)
    if key in index:
        return index[key]
    words = re.split(r"[\s\-]+", key)
    while len(words) > 1 and _GPU_SUFFIX.match(words[-1]):
        words.pop()
        for candidate in (" ".join(words), "-".join(words)):
            if candidate in index:
                return index[candidate]
    raise InputError(
        f"unknown GPU {name!r}",
        field="gpu",
        text=name,
        expected="a known GPU such as " + _nearby(key, index),
    )


_CC_TEXT = re.compile(r"^\s*(?:sm_?|compute_?)?(\d+)(?:\.(\d+))?([af]?)\s*$", re.IGNORECASE)


def _split_cc(text: str) -> tuple[int, int, str]:
    m = _CC_TEXT.match(text)
    if m is None:
        raise InputError(
            f"invalid compute capability {text!r}",
            field="compute_capability",
            text=text,
            expected="a compute capability such as 8.6, sm_86 or compute_90",
        )
    digits, minor, suffix = m.group(1), m.group(2), m.group(3).lower()
    if minor is not None:
        return int(digits), int(minor), suffix
    if len(digits) < 2:
        raise InputError(
            f"invalid compute capability {text!r}",
            field="compute_capability",
            text=text,
            expected="major.minor (8.6) or sm_XY (sm_86)",
        )
    return int(digits[:-1]), int(digits[-1]), suffix


def normalize_compute_capability(text: str) -> str:
    """``"sm_86"``, ``"86"``, ``"compute_86"`` and ``"8.6"`` all become ``"8.6"``."""
    major, minor, _ = _split_cc(text)
    return f"{major}.{minor}"


def cuda_supports(cuda: str, compute_capability: str) -> bool:
    """Whether the CUDA release ``cuda`` can build device code for that GPU.

    ``cuda_supports("12.0", "3.7")`` is ``False``: CUDA 12.0 dropped sm_35/sm_37.
    """
    release = cuda_release(cuda)
    wanted = normalize_compute_capability(compute_capability)
    for arch in cuda_architectures():
        if DottedVersion(arch.compute_capability) == DottedVersion(wanted):
            have = DottedVersion(release.major_minor)
            if arch.added is not None and have < DottedVersion(arch.added):
                return False
            return not (arch.removed is not None and have >= DottedVersion(arch.removed))
    raise InputError(
        f"unknown compute capability {compute_capability!r}",
        field="compute_capability",
        text=compute_capability,
        expected="one of " + ", ".join(a.compute_capability for a in cuda_architectures()),
    )


@value(slots=False)
class _Target:
    major: int
    minor: int
    sass: bool
    ptx: bool
    variant: str  # "" (portable), "a" (this exact GPU), "f" (the family: same major)


def _parse_arch(entry: str) -> _Target:
    text = entry.strip()
    lowered = text.lower()
    if lowered.endswith("+ptx"):
        major, minor, variant = _split_cc(text[:-4])
        return _Target(major, minor, True, True, variant)
    if lowered.startswith("compute_"):
        major, minor, variant = _split_cc(text)
        return _Target(major, minor, False, True, variant)
    major, minor, variant = _split_cc(text)
    return _Target(major, minor, True, False, variant)


def _arch_entries(arch_list: Sequence[str] | str) -> list[str]:
    if isinstance(arch_list, str):
        return [a for a in re.split(r"[;,\s]+", arch_list) if a]
    return [a for a in arch_list if a.strip()]


@cache
def _tegra() -> frozenset[tuple[int, int]]:
    return frozenset(_split_cc(a.compute_capability)[:2] for a in cuda_architectures() if a.tegra)


def can_run(arch_list: Sequence[str], compute_capability: str) -> bool:
    """Whether a binary built for ``arch_list`` has code the GPU can execute.

    Entries are ``"8.6"``/``"sm_86"`` (machine code, SASS), ``"compute_90"`` (PTX) or
    ``"9.0+PTX"`` (both), as in ``TORCH_CUDA_ARCH_LIST`` and ``nvcc`` flags; a plain
    string such as ``"7.0;8.0+PTX"`` is split. SASS for sm_XY runs on GPUs of the same
    major X with minor >= Y; PTX for XY is JIT-compiled for any GPU with compute
    capability >= X.Y. Architecture-specific targets (``sm_90a``) run only on that
    exact GPU; family targets (``sm_100f``) on the same major with minor >= Y.
    Integrated Jetson (Tegra) GPUs such as Orin (8.7) have no SASS compatibility:
    their machine code must match exactly, in both directions. The driver must also
    be new enough to JIT the PTX; that is not checked here.
    """
    gmajor, gminor, _ = _split_cc(compute_capability)
    gpu_cc = (gmajor, gminor)
    tegra = _tegra()
    entries = _arch_entries(arch_list)
    if not entries:
        raise InputError(
            "empty architecture list", field="arch_list", expected="entries such as 8.0 or 9.0+PTX"
        )
    for entry in entries:
        t = _parse_arch(entry)
        target = (t.major, t.minor)
        if t.variant == "a":
            if target == gpu_cc:
                return True
            continue
        if t.sass:
            if target == gpu_cc:
                return True
            if (
                t.major == gmajor
                and gminor >= t.minor
                and gpu_cc not in tegra
                and target not in tegra
            ):
                return True
        if t.ptx and t.variant == "" and gpu_cc >= target:
            return True
        if t.ptx and t.variant == "f" and t.major == gmajor and gminor >= t.minor:
            return True
    return False


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
