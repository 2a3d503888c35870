"""Detect the system profile of the running machine.

:func:`detect` asks ``nvidia-smi`` for the GPUs and driver (falling back to
``/proc/driver/nvidia/version`` for the driver), reads glibc from ``os.confstr`` or
``ldd --version``, the OS from ``/etc/os-release`` and the CPU architecture from
:mod:`platform`. ``CONDA_OVERRIDE_CUDA`` and ``CONDA_OVERRIDE_GLIBC`` override what is
found, as they do for conda's virtual packages. Nothing here raises on a machine
without a GPU: unknown layers stay ``None``.

The parsing functions are pure and take the tools' text output, so they can be
tested against captured output.
"""

from __future__ import annotations

import os as _os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.stack import knowledge
from compatlib.stack.profile import SystemProfile

__all__ = [
    "NVIDIA_SMI_QUERY",
    "NvidiaSmiGpu",
    "detect",
    "os_id_from_release",
    "parse_ldd_version",
    "parse_nvidia_smi",
    "parse_os_release",
    "parse_proc_driver_version",
]

#: The query :func:`detect` runs; older drivers (before R510) lack ``compute_cap``.
NVIDIA_SMI_QUERY = (
    "nvidia-smi",
    "--query-gpu=name,compute_cap,driver_version",
    "--format=csv,noheader",
)
_NVIDIA_SMI_FALLBACK = ("nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader")

#: Runs a command; returns (exit status, stdout + stderr), or None if it cannot run.
Runner = Callable[[Sequence[str]], tuple[int, str] | None]


@value
class NvidiaSmiGpu:
    """One GPU line of ``nvidia-smi --query-gpu``: ``compute_capability`` may be unknown."""

    name: str
    compute_capability: str | None
    driver: str | None


_VERSION = re.compile(r"^\d+(?:\.\d+)+$")
_NA = {"[n/a]", "n/a", "[not supported]", ""}


def parse_nvidia_smi(text: str) -> tuple[NvidiaSmiGpu, ...]:
    """GPUs from ``nvidia-smi --query-gpu=name,compute_cap,driver_version
    --format=csv,noheader`` output (also ``name,driver_version``).

    Lines that are not GPU records (error messages such as "NVIDIA-SMI has failed")
    are skipped, so an empty tuple means no usable GPU was reported.
    """
    found: list[NvidiaSmiGpu] = []
    for raw in text.splitlines():
        fields = [f.strip() for f in raw.split(",")]
        if len(fields) not in (2, 3) or not fields[0]:
            continue
        driver = fields[-1] if _VERSION.match(fields[-1]) else None
        if driver is None and fields[-1].lower() not in _NA:
            continue
        cc: str | None = None
        if len(fields) == 3:
            if fields[1].lower() in _NA:
                cc = None
            else:
                try:
                    cc = knowledge.normalize_compute_capability(fields[1])
                except InputError:
                    continue
        found.append(NvidiaSmiGpu(name=fields[0], compute_capability=cc, driver=driver))
    return tuple(found)


_PROC_DRIVER = re.compile(r"Kernel Module(?:\s+for\s+\S+)?\s+(\d+(?:\.\d+)+)")


def parse_proc_driver_version(text: str) -> str | None:
    """The driver version from ``/proc/driver/nvidia/version`` (proprietary or open
    kernel module), or ``None``."""
    for line in text.splitlines():
        if line.startswith("NVRM version:"):
            m = _PROC_DRIVER.search(line)
            if m is not None:
                return m.group(1)
    return None


_LDD_FIRST = re.compile(r"^ldd\s+\((?:[^)]*)\)\s+(\d+\.\d+(?:\.\d+)?)\s*$")


def parse_ldd_version(text: str) -> str | None:
    """The glibc version from ``ldd --version`` (``"2.35"``); ``None`` for musl or
    anything else that is not GNU libc."""
    lines = text.strip().splitlines()
    if not lines:
        return None
    m = _LDD_FIRST.match(lines[0].strip())
    return m.group(1) if m is not None else None


def parse_os_release(text: str) -> dict[str, str]:
    """The fields of an ``os-release`` file, unquoted (comments and blanks skipped)."""
    fields: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        fields[key.strip()] = value
    return fields


def os_id_from_release(fields: Mapping[str, str]) -> str | None:
    """compatlib's OS id (``"ubuntu22.04"``) for parsed os-release fields, or ``None``
    when the release is not in the knowledge base."""
    distro = fields.get("ID", "").lower()
    version = fields.get("VERSION_ID", "")
    if not distro or not version:
        return None
    try:
        return knowledge.os_release(f"{distro}{version}").id
    except InputError:
        return None


def _run(argv: Sequence[str]) -> tuple[int, str] | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=15, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.returncode, done.stdout + done.stderr


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _host_glibc() -> str | None:
    try:
        value = _os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        return None
    if value and value.startswith("glibc "):
        return value.split()[1]
    return None


def _host_arch() -> str | None:
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return arch if arch in ("x86_64", "aarch64", "ppc64le") else None


def _host_cpu() -> str | None:
    try:
        # lazy: archspec is optional: an ImportError here is handled
        import archspec.cpu  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        return str(archspec.cpu.host().name)
    except Exception:  # archspec may fail on unknown hardware; the CPU stays unknown
        return None


def detect(
    *,
    environ: Mapping[str, str] | None = None,
    root: str | Path = "/",
    run: Runner | None = None,
) -> SystemProfile:
    """The profile of the running machine (or of the file tree under ``root``).

    ``environ`` (default ``os.environ``) supplies ``CONDA_OVERRIDE_CUDA`` and
    ``CONDA_OVERRIDE_GLIBC``; ``run`` runs commands (default: a subprocess with a
    timeout). With a ``root`` other than ``/``, facts about the running process
    (``os.confstr``, the CPU) are not used. On a machine without NVIDIA driver the
    driver, GPUs and CUDA stay ``None``.
    """
    env = _os.environ if environ is None else environ
    runner = _run if run is None else run
    base = Path(root)
    here = base == Path("/")
    notes: list[str] = []  # each step adds what it could not use, in this order
    driver, ccs, names = _detect_gpus(runner, base, notes)
    glibc = _detect_glibc(env, runner, here, notes)
    overridden = bool(env.get("CONDA_OVERRIDE_GLIBC"))
    os_id, glibc = _detect_os(base, glibc, overridden, notes)
    cuda = _detect_cuda(env, driver, notes)
    return SystemProfile(
        os=os_id,
        glibc=glibc,
        driver=driver,
        gpus=tuple(ccs),
        gpu_names=tuple(names) if any(n is not None for n in names) else (),
        cuda=cuda,
        arch=_host_arch() if here else None,
        cpu=_host_cpu() if here else None,
        source="detected" if here else f"detected:{base}",
        notes=tuple(notes),
    )


def _detect_gpus(
    runner: Runner, base: Path, notes: list[str]
) -> tuple[str | None, list[str], list[str | None]]:
    """The NVIDIA driver, and the compute capability and known model name of
    each GPU (``nvidia-smi``, else the driver version from ``/proc``)."""
    driver: str | None = None
    ccs: list[str] = []
    names: list[str | None] = []
    smi_gpus: tuple[NvidiaSmiGpu, ...] = ()
    result = runner(NVIDIA_SMI_QUERY)
    if result is not None:
        smi_gpus = parse_nvidia_smi(result[1]) if result[0] == 0 else ()
        if not smi_gpus and "not a valid field" in result[1]:
            older = runner(_NVIDIA_SMI_FALLBACK)
            if older is not None and older[0] == 0:
                smi_gpus = parse_nvidia_smi(older[1])
    for found in smi_gpus:
        driver = driver or found.driver
        cc = found.compute_capability
        name: str | None = None
        try:
            model = knowledge.gpu(found.name)
            name = model.name
            cc = cc or model.compute_capability
        except InputError:
            name = None
        if cc is None:
            notes.append(f"GPU {found.name!r}: compute capability unknown, left out")
            continue
        ccs.append(cc)
        names.append(name)
    if driver is None:
        proc = _read(base / "proc" / "driver" / "nvidia" / "version")
        if proc is not None:
            driver = parse_proc_driver_version(proc)
    return driver, ccs, names


def _detect_glibc(
    env: Mapping[str, str], runner: Runner, here: bool, notes: list[str]
) -> str | None:
    """glibc from ``CONDA_OVERRIDE_GLIBC``, else this process's (``confstr``,
    then ``ldd --version``) when the root is ``/``."""
    override_glibc = env.get("CONDA_OVERRIDE_GLIBC")
    if override_glibc:
        notes.append(f"glibc {override_glibc.strip()} from CONDA_OVERRIDE_GLIBC")
        return override_glibc.strip()
    glibc = _host_glibc() if here else None
    if glibc is None and here:
        ldd = runner(("ldd", "--version"))
        if ldd is not None:
            glibc = parse_ldd_version(ldd[1])
    return glibc


def _detect_os(
    base: Path, glibc: str | None, overridden: bool, notes: list[str]
) -> tuple[str | None, str | None]:
    """The OS from ``os-release`` when the knowledge base has it and its glibc
    agrees with the one found; the glibc, from the OS when none was found."""
    os_id: str | None = None
    for candidate in ("etc/os-release", "usr/lib/os-release"):
        text = _read(base / candidate)
        if text is not None:
            fields = parse_os_release(text)
            os_id = os_id_from_release(fields)
            if os_id is None and fields.get("ID"):
                notes.append(
                    f"OS {fields.get('ID')} {fields.get('VERSION_ID', '')} is not in the "
                    "knowledge base"
                )
            break
    if os_id is not None and glibc is not None and not overridden:
        shipped = knowledge.glibc_of(os_id)
        if shipped != glibc:
            notes.append(f"glibc {glibc} differs from {os_id}'s {shipped}; OS left out")
            os_id = None
    if glibc is None and os_id is not None:
        glibc = knowledge.glibc_of(os_id)
    return os_id, glibc


def _detect_cuda(env: Mapping[str, str], driver: str | None, notes: list[str]) -> str | None:
    """The CUDA the machine provides: ``CONDA_OVERRIDE_CUDA``, else the newest
    the driver supports; unset, with a note, for a driver newer than the data
    covers (it may run CUDA releases the data does not know)."""
    if "CONDA_OVERRIDE_CUDA" in env:
        value = env["CONDA_OVERRIDE_CUDA"].strip()
        notes.append(
            f"CUDA {value} from CONDA_OVERRIDE_CUDA"
            if value
            else "CONDA_OVERRIDE_CUDA is empty: no CUDA"
        )
        return value or None
    if driver is not None:
        found = knowledge.driver_cuda(driver)
        if found.beyond_data:
            # not capped at the newest release known: left open, with a note
            notes.append(f"the NVIDIA driver {driver} runs CUDA {found}")
            return None
        return found.newest_known
    return None
