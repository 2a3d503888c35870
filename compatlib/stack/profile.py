"""System profiles: what is known about the machine a lock is for.

A :class:`SystemProfile` fixes the system layers that are known (OS, glibc, NVIDIA
driver, GPUs, the CUDA version the machine provides, CPU) and leaves the rest
``None``, free for the solver. Profiles come from presets, YAML files, ``key=value``
specs or detection (:func:`compatlib.stack.detect.detect`)::

    >>> p = parse_system("azure:Standard_NC24ads_A100_v4,os=ubuntu22.04,driver=535.104.05")
    >>> p.gpus, p.glibc, p.max_cuda()
    (('8.0',), '2.35', '12.2')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compatlib._values import field, replace, value
from compatlib.errors import InputError

if TYPE_CHECKING:
    from compatlib.stack import knowledge
    from compatlib.values.target import Target
else:
    # the knowledge base module (its records and regexes) loads on first use, so
    # a plain ``glibc=2.36`` profile costs nothing
    from compatlib._lazy import lazy_module

    knowledge = lazy_module("compatlib.stack.knowledge")
from compatlib.values.dotted import DottedVersion

__all__ = [
    "CudaSupport",
    "GpuDriverEnd",
    "SystemProfile",
    "driver_max_cuda",
    "parse_system",
    "preset",
    "presets",
    "profile_from_dict",
    "target_profile",
]

_KEYS = ("os", "glibc", "driver", "gpu", "cuda", "arch", "cpu", "description")
# what ``compatlib stack system/detect --json`` adds to a profile: read back, ignored
_METADATA_KEYS = ("as_of",)
_ARCHES = ("x86_64", "aarch64", "ppc64le")
_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "sbsa": "aarch64"}


@value
class CudaSupport:
    """The CUDA a target's machine runs, as the solver's CUDA layer and conda's
    ``__cuda`` take it.

    ``version`` is ``major.minor``. ``open`` is true when it is a lower bound: the
    driver meets even the newest CUDA release compatlib's data (as of ``as_of``)
    knows, so it may run newer ones the data does not know; a need for any CUDA at
    or above ``version`` then counts as met. An explicit ``cuda`` of the profile (what
    the driver itself reports) is never open.
    """

    version: str
    open: bool = False
    driver: str | None = None
    as_of: str | None = None

    def __str__(self) -> str:
        return f"{self.version} or newer" if self.open else self.version

    def describe(self) -> str:
        """How the target's value reads in an explanation or a lock's warning."""
        if self.open:
            return (
                f"the target's driver {self.driver} supports CUDA {self.version} or newer "
                f"(beyond compatlib's data as of {self.as_of})"
            )
        return f"the target's CUDA (driver support) is {self.version}"


@value
class GpuDriverEnd:
    """A GPU of the machine that newer NVIDIA driver branches no longer drive:
    its ``compute_capability``, its name (``gpu``: the model where known, else
    ``GPU of compute capability 3.7``) and the last ``branch`` that drives it."""

    compute_capability: str
    gpu: str
    branch: knowledge.DriverBranch


@value(slots=False)
class SystemProfile:
    """The system layers of a target machine; ``None`` (or empty) means unknown.

    ``gpus`` holds one compute capability per GPU device (``("8.0", "8.0")``) and
    ``gpu_names`` the matching model names where known (same length, ``None`` where
    unknown). ``cuda`` is a CUDA version the machine provides (for example
    ``CONDA_OVERRIDE_CUDA``); :meth:`max_cuda` falls back to the driver's newest.
    ``arch`` is the CPU architecture (``"x86_64"``), ``cpu`` an archspec
    microarchitecture name. ``source`` says where the profile came from, and
    ``azure_vm`` the Azure VM size (``Standard_NC6s_v2``) when it came from that
    size's preset.
    """

    os: str | None = None
    glibc: str | None = None
    driver: str | None = None
    gpus: tuple[str, ...] = ()
    gpu_names: tuple[str | None, ...] = ()
    cuda: str | None = None
    arch: str | None = None
    cpu: str | None = None
    source: str = "<unspecified>"
    description: str | None = None
    notes: tuple[str, ...] = field(default=())
    azure_vm: str | None = None

    def __post_init__(self) -> None:
        for name in ("glibc", "driver", "cuda"):
            value = getattr(self, name)
            if value is not None:
                _check_version(value, name, self.source)
        normalized = tuple(_cc(c, self.source) for c in self.gpus)
        if normalized != self.gpus:
            object.__setattr__(self, "gpus", normalized)
        if self.gpu_names and len(self.gpu_names) != len(self.gpus):
            raise InputError(
                "gpu_names and gpus differ in length",
                source=self.source,
                field="gpu_names",
                expected=f"{len(self.gpus)} names (one per GPU) or none",
            )
        if self.arch is not None and self.arch not in _ARCHES:
            raise InputError(
                f"unknown CPU architecture {self.arch!r}",
                source=self.source,
                field="arch",
                text=self.arch,
                expected=" or ".join(_ARCHES),
            )

    @property
    def compute_capabilities(self) -> tuple[str, ...]:
        """The distinct compute capabilities of the GPUs, lowest first."""
        return tuple(sorted(set(self.gpus), key=DottedVersion))

    def max_cuda(self) -> str | None:
        """The newest CUDA version the machine runs: ``cuda`` if set, else the newest
        the data knows the driver runs. For a driver newer than the data covers that
        is a lower bound; :meth:`driver_cuda` says so (``beyond_data``)."""
        if self.cuda is not None:
            return self.cuda
        if self.driver is not None:
            return knowledge.driver_max_cuda(self.driver)
        return None

    def cuda_support(self) -> CudaSupport | None:
        """The CUDA the machine runs: ``cuda`` if set (exact), else the newest the
        data knows the driver runs, open upward when the driver is newer than the
        data covers (:class:`CudaSupport`); ``None`` when neither is known."""
        if self.cuda is not None:
            return CudaSupport(self.cuda)
        runs = self.driver_cuda()
        if runs is None or runs.newest_known is None:
            return None
        return CudaSupport(runs.newest_known, runs.beyond_data, self.driver, runs.as_of)

    def driver_ends(self) -> tuple[GpuDriverEnd, ...]:
        """The machine's GPUs, one per compute capability, that a last driver
        branch is recorded for (a K80: 470), as
        :func:`compatlib.stack.knowledge.last_driver_branch` gives it."""
        names = self.gpu_names or (None,) * len(self.gpus)
        found: dict[str, GpuDriverEnd] = {}
        for cc, name in zip(self.gpus, names, strict=True):
            if cc in found:
                continue
            end = knowledge.last_driver_branch(cc)
            if end is not None:
                found[cc] = GpuDriverEnd(cc, name or f"GPU of compute capability {cc}", end)
        return tuple(found.values())

    def driver_cuda(self) -> knowledge.DriverCuda | None:
        """What CUDA the driver runs, with whether it may run CUDA releases newer
        than the data knows (:func:`compatlib.stack.knowledge.driver_cuda`)."""
        return knowledge.driver_cuda(self.driver) if self.driver is not None else None

    def merged(self, other: SystemProfile) -> SystemProfile:
        """This profile with every field ``other`` knows taken from ``other``."""
        changes: dict[str, Any] = {}
        for name in ("os", "glibc", "driver", "cuda", "arch", "cpu", "description", "azure_vm"):
            value = getattr(other, name)
            if value is not None:
                changes[name] = value
        if other.gpus:
            changes["gpus"] = other.gpus
            changes["gpu_names"] = other.gpu_names
        changes["source"] = (
            other.source if self.source == "<unspecified>" else f"{self.source}, {other.source}"
        )
        changes["notes"] = self.notes + other.notes
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A plain, deterministic mapping (``None`` fields omitted) for files and hashes."""
        out: dict[str, Any] = {}
        for name in ("os", "glibc", "driver", "cuda", "arch", "cpu"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.gpus:
            out["gpus"] = [
                {"compute_capability": cc, **({"name": n} if n else {})}
                for cc, n in zip(self.gpus, self.gpu_names or (None,) * len(self.gpus), strict=True)
            ]
        if self.description is not None:
            out["description"] = self.description
        return out


def target_profile(target: Target) -> SystemProfile | None:
    """The system profile of ``target``; ``None`` when it has none, or when its
    ``system`` is some other object giving only the facts a
    :class:`~compatlib.values.target.Target` itself reads (its glibc)."""
    system = target.system
    return system if isinstance(system, SystemProfile) else None


def _check_version(value: str, name: str, source: str) -> None:
    try:
        DottedVersion(value)
    except InputError:
        raise InputError(
            f"invalid {name} version {value!r}",
            source=source,
            field=name,
            text=value,
            expected="dot-separated numbers such as 535.104.05"
            if name == "driver"
            else "dot-separated numbers such as 2.35",
        ) from None


def _cc(value: str, source: str) -> str:
    try:
        return knowledge.normalize_compute_capability(value)
    except InputError:
        raise InputError(
            f"invalid compute capability {value!r}",
            source=source,
            field="gpu",
            text=value,
            expected="a compute capability such as 8.0 or a GPU name such as A100",
        ) from None


def _arch(value: str) -> str:
    text = value.strip().lower()
    return _ARCH_ALIASES.get(text, text)


MAX_GPUS = 1024  # far above any one machine; bounds the per-GPU lists a profile holds
_COUNT = re.compile(r"^\s*(\d+)\s*[x*]\s*(.+?)\s*$|^\s*(.+?)\s*[x*]\s*(\d+)\s*$", re.IGNORECASE)
_CC_LIKE = re.compile(r"^\s*(?:sm_?)?\d+(?:\.\d+)?\s*$", re.IGNORECASE)


def _one_gpu(text: str, source: str) -> tuple[str, str | None]:
    """A GPU given as a name (``A100``) or compute capability (``8.0``, ``sm_80``)."""
    if _CC_LIKE.match(text):
        return _cc(text, source), None
    try:
        model = knowledge.gpu(text)
    except InputError as exc:
        raise InputError(
            exc.message, source=source, field="gpu", text=text, expected=exc.expected
        ) from None
    return model.compute_capability, model.name


def _is_gpu_name(text: str) -> bool:
    """Is ``text`` a known GPU as a whole (``RTX 5090`` is not 5090 RT GPUs)?"""
    try:
        knowledge.gpu(text)
    except InputError:
        return False
    return True


def _gpus(value: Any, source: str) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """GPUs from ``"A100"``, ``"8xA100"``, ``"A100+T4"``, a list, or dicts with count."""
    items: list[Any]
    if isinstance(value, str):
        items = [p for p in re.split(r"[+;]", value) if p.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise InputError(
            "malformed gpu value",
            source=source,
            field="gpu",
            expected="a GPU name, compute capability, 'NxNAME', or a list of them",
        )
    ccs: list[str] = []
    names: list[str | None] = []
    for item in items:
        count = 1
        if isinstance(item, Mapping):
            spec = item.get("name") or item.get("compute_capability")
            raw_count = item.get("count", 1)
            if not isinstance(spec, str) or not isinstance(raw_count, int) or raw_count < 1:
                raise InputError(
                    "malformed gpu entry",
                    source=source,
                    field="gpu",
                    expected="{name: A100, count: 8} or {compute_capability: '8.0'}",
                )
            text, count = spec, raw_count
        elif isinstance(item, str):
            text = item
            m = _COUNT.match(item)
            if m is not None and not _CC_LIKE.match(item) and not _is_gpu_name(item):
                if m.group(1):
                    count, text = int(m.group(1)), m.group(2)
                else:
                    text, count = m.group(3), int(m.group(4))
        elif isinstance(item, (int, float)):
            text = str(item)
        else:
            raise InputError("malformed gpu entry", source=source, field="gpu")
        if count > MAX_GPUS or len(ccs) + count > MAX_GPUS:
            raise InputError(
                f"{count} GPUs is more than one machine holds",
                source=source,
                field="gpu",
                expected=f"at most {MAX_GPUS} GPUs",
            )
        cc, name = _one_gpu(text.strip(), source)
        ccs.extend([cc] * count)
        names.extend([name] * count)
    return tuple(ccs), (tuple(names) if any(n is not None for n in names) else ())


def profile_from_dict(data: Mapping[str, Any], source: str = "<dict>") -> SystemProfile:
    """A profile from a mapping with keys ``os``, ``glibc``, ``driver``, ``gpu``/``gpus``,
    ``cuda``, ``arch``, ``cpu``, ``description`` (all optional). ``as_of`` (the date
    of the data a ``compatlib stack ... --json`` output came from) is ignored, so
    such output reads back as the profile it shows.

    An ``os`` without ``glibc`` gives the OS's glibc; both together must agree.
    """
    if "system" in data and isinstance(data["system"], Mapping) and len(data) == 1:
        data = data["system"]
    values: dict[str, Any] = {}
    for key, raw in data.items():
        name = "gpu" if key == "gpus" else key
        if name in _METADATA_KEYS:
            continue
        if name not in _KEYS:
            raise InputError(
                f"unknown system key {key!r}",
                source=source,
                field=str(key),
                expected="one of " + ", ".join(_KEYS),
            )
        if raw is None:
            continue
        if name != "gpu" and not isinstance(raw, (str, int, float)):
            raise InputError(
                f"malformed value for {key!r}", source=source, field=str(key), expected="a string"
            )
        values[name] = raw if name == "gpu" else str(raw).strip()
    os_id: str | None = None
    glibc = values.get("glibc")
    if "os" in values:
        try:
            release = knowledge.os_release(values["os"])
        except InputError as exc:
            raise InputError(
                exc.message, source=source, field="os", text=values["os"], expected=exc.expected
            ) from None
        os_id = release.id
        if glibc is None:
            glibc = release.glibc
        elif DottedVersion(glibc) != DottedVersion(release.glibc):
            raise InputError(
                f"glibc {glibc} contradicts os {os_id}, which ships glibc {release.glibc}",
                source=source,
                field="glibc",
                text=glibc,
                expected=f"{release.glibc} (or leave glibc out)",
            )
    ccs: tuple[str, ...] = ()
    names: tuple[str | None, ...] = ()
    if "gpu" in values:
        ccs, names = _gpus(values["gpu"], source)
    cuda = values.get("cuda")
    if cuda is not None and cuda.lower() in ("none", ""):
        cuda = None
    return SystemProfile(
        os=os_id,
        glibc=glibc,
        driver=values.get("driver"),
        gpus=ccs,
        gpu_names=names,
        cuda=cuda,
        arch=_arch(values["arch"]) if "arch" in values else None,
        cpu=values.get("cpu"),
        source=source,
        description=values.get("description"),
    )


def _azure_preset(size_name: str) -> SystemProfile:
    size = knowledge.azure_vm_size(size_name)
    model = knowledge.gpu(size.gpu)
    share = f" ({size.gpu_partition} of one GPU)" if size.gpu_partition else ""
    arch = "aarch64" if model.name in ("NVIDIA GB200", "NVIDIA GB300", "NVIDIA GH200") else "x86_64"
    return SystemProfile(
        gpus=(model.compute_capability,) * size.gpus,
        gpu_names=(model.name,) * size.gpus,
        arch=arch,
        source=f"azure:{size.name}",
        azure_vm=size.name,
        description=f"Azure {size.name}: {size.gpus} x {model.name}{share}, "
        f"compute capability {model.compute_capability}",
        notes=(f"{size.name} is in series {size.series}, status {size.status}",)
        if size.status != "available"
        else (),
    )


def preset(name: str) -> SystemProfile:
    """A named profile: ``azure:<VM size>``, ``gpu:<GPU>`` or an OS id (``ubuntu22.04``)."""
    text = name.strip()
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    try:
        if rest and kind == "azure":
            return _azure_preset(rest)
        if rest and kind == "gpu":
            model = knowledge.gpu(rest)
            return SystemProfile(
                gpus=(model.compute_capability,),
                gpu_names=(model.name,),
                source=f"gpu:{model.name}",
                description=f"one {model.name} (compute capability {model.compute_capability})",
            )
        if rest and kind == "os":
            text = rest
        release = knowledge.os_release(text)
    except InputError as exc:
        raise InputError(
            f"unknown system preset {name!r}: {exc.message}",
            source="<preset>",
            field="system",
            text=name,
            expected=exc.expected
            if rest and kind in ("azure", "gpu", "os")
            else "azure:<VM size>, gpu:<GPU name>, an OS such as ubuntu22.04, "
            "key=value pairs or a YAML file",
        ) from None
    return SystemProfile(
        os=release.id,
        glibc=release.glibc,
        arch="x86_64",
        source=f"os:{release.id}",
        description=f"{release.name} (glibc {release.glibc})",
    )


def presets() -> tuple[str, ...]:
    """Every preset name, sorted."""
    names = [f"azure:{s.name}" for s in knowledge.azure_vm_sizes()]
    names += [f"gpu:{g.name}" for g in knowledge.gpus()]
    names += [r.id for r in knowledge.os_releases()]
    return tuple(sorted(names))


def _load_file(path: Path) -> SystemProfile:
    # lazy: only _load_file needs compatlib._input, which loads 1 module that importing this one does not
    from compatlib._input import load_json, load_yaml, read_text

    text = read_text(path, what="system file", limit=2**20)
    if path.suffix == ".json":
        data = load_json(text, source=str(path))
    else:
        data = load_yaml(text, source=str(path))
    if not isinstance(data, Mapping):
        raise InputError(
            "system file is not a mapping", source=str(path), expected="keys such as os, driver"
        )
    return profile_from_dict(data, source=str(path))


def _is_file(path: Path) -> bool:
    """Is ``path`` a file? A name the OS refuses (too long, a NUL byte) is not."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def parse_system(spec: str) -> SystemProfile:
    """A profile from a ``--system`` spec.

    ``spec`` is a YAML file path, a preset name (``azure:Standard_NC24ads_A100_v4``,
    ``gpu:A100``, ``ubuntu22.04``), ``key=value`` pairs (``os=ubuntu22.04,
    driver=535.104.05,gpu=8xA100,cuda=12.2``), or a comma-separated mix of presets and
    pairs, merged left to right (later items win).
    """
    text = spec.strip()
    if not text:
        raise InputError(
            "empty system spec",
            field="system",
            expected="a preset, key=value pairs or a YAML file",
        )
    path = Path(text)
    if text.endswith((".yaml", ".yml", ".json")) or ("=" not in text and _is_file(path)):
        return _load_file(path)
    profile = SystemProfile()
    pairs: dict[str, Any] = {}
    column = 1
    for item in text.split(","):
        part = item.strip()
        if not part:
            column += len(item) + 1
            continue
        if "=" in part:
            key, _, value = part.partition("=")
            key = key.strip().lower()
            if key not in _KEYS and key != "gpus":
                raise InputError(
                    f"unknown system key {key!r}",
                    source="<system>",
                    field=key,
                    text=spec,
                    column=column,
                    expected="one of " + ", ".join(_KEYS),
                )
            name = "gpu" if key == "gpus" else key
            if name == "gpu" and name in pairs:
                pairs[name] = f"{pairs[name]}+{value.strip()}"
            else:
                pairs[name] = value.strip()
        else:
            profile = profile.merged(preset(part))
        column += len(item) + 1
    if pairs:
        profile = profile.merged(profile_from_dict(pairs, source="<system>"))
    if profile.os is not None and profile.glibc is not None:
        shipped = knowledge.glibc_of(profile.os)
        if DottedVersion(shipped) != DottedVersion(profile.glibc):
            raise InputError(
                f"glibc {profile.glibc} contradicts os {profile.os}, which ships glibc {shipped}",
                source="<system>",
                field="glibc",
                text=spec,
                expected=f"{shipped} (or leave glibc out)",
            )
    return profile


def driver_max_cuda(driver: str, os: str = "linux") -> str | None:
    """The newest CUDA version a driver supports (see :mod:`compatlib.stack.knowledge`)."""
    return knowledge.driver_max_cuda(driver, os)
