"""Validation inside the environment a job runs in: the frameworks, the GPUs
they see, and the settings that decide reproducibility.

``compatlib check LOCK --probe`` (or, inside the job, ``python -m
compatlib.adapters.probe [LOCK]``) adds to the lock comparison of
:mod:`compatlib.adapters.check` what only the environment itself can say:

* each locked framework (torch, tensorflow, jax; every installed one without
  a lock) imports, and its version, CUDA runtime and cuDNN;
* whether it can use a GPU, each device's name and compute capability, and
  whether the build has kernels for it: the build's arch list (such as
  ``torch.cuda.get_arch_list()``) against the device through
  :func:`compatlib.stack.knowledge.can_run`, so "no kernel image is
  available for execution on the device" is predicted, not met mid-training;
* a tiny kernel run on each device (and on the CPU for torch);
* the NVIDIA driver against the framework's CUDA runtime (CUDA minor-version
  compatibility), and the cuDNN it loads against the one the lock pins;
* determinism: the seeds (with ``--seed N`` every global generator is seeded
  and the framework's draws checked to reproduce), torch's deterministic
  algorithms and cuDNN flags, and the ``CUBLAS_WORKSPACE_CONFIG``,
  ``PYTHONHASHSEED`` and ``TF_DETERMINISTIC_OPS`` variables.

The facts are gathered by :mod:`compatlib.adapters._probe_facts` (standard
library only) inside the interpreter being checked, in a subprocess, or in
this process (:func:`probe_frameworks` with ``in_process=True``, as the
module's ``main`` does); the findings are :class:`~compatlib.adapters.check.Finding`
values with ``check`` ``framework``, ``gpu`` or ``determinism``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compatlib._values import value
from compatlib.adapters import _probe_facts
from compatlib.adapters.check import Check, EnvironmentReport, Finding, Severity, check_environment
from compatlib.errors import CompatError, InputError

if TYPE_CHECKING:
    from compatlib.lock.model import Lock
    from compatlib.stack.profile import SystemProfile

__all__ = [
    "DeviceFacts",
    "FrameworkFacts",
    "ProbeFacts",
    "locked_frameworks",
    "main",
    "parse_probe_output",
    "probe_findings",
    "probe_frameworks",
    "probe_text",
]

#: the packages (pip and conda names) that bring each framework
FRAMEWORK_PACKAGES: Mapping[str, str] = {
    "torch": "torch",
    "pytorch": "torch",
    "pytorch-gpu": "torch",
    "pytorch-cpu": "torch",
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-base": "tensorflow",
    "tf-nightly": "tensorflow",
    "jax": "jax",
    "jaxlib": "jax",
}

#: the values of ``CUBLAS_WORKSPACE_CONFIG`` that make cuBLAS deterministic
CUBLAS_DETERMINISTIC = (":4096:8", ":16:8")

_COLLECTOR = Path(__file__).with_name("_probe_facts.py")


@value
class DeviceFacts:
    """One GPU as a framework sees it; ``kernel`` is ``"ok"``, the error of the
    tiny kernel, or ``None`` when none was run."""

    index: int
    name: str | None = None
    compute_capability: str | None = None
    kernel: str | None = None
    error: str | None = None
    memory: int | None = None


@value
class FrameworkFacts:
    """What one framework says about itself and its GPUs (see the module docstring)."""

    name: str
    installed: bool
    version: str | None = None
    cuda: str | None = None
    cudnn: str | None = None
    available: bool = False
    arch_list: tuple[str, ...] = ()
    devices: tuple[DeviceFacts, ...] = ()
    determinism: tuple[tuple[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    cuda_error: str | None = None
    cpu_kernel: str | None = None
    packages: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name

    @property
    def gpu_build(self) -> bool:
        """Built for NVIDIA GPUs: a CUDA version, or a JAX CUDA plugin installed."""
        return self.cuda is not None or any("cuda" in n for n, _ in self.packages)

    def setting(self, key: str) -> Any:
        return dict(self.determinism).get(key)


@value
class ProbeFacts:
    """The facts of one interpreter: its Python, the determinism variables set,
    the seed given (``None``: seeds left as they were), and each framework."""

    python: str
    executable: str
    environment: tuple[tuple[str, str], ...]
    frameworks: tuple[FrameworkFacts, ...]
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "python": self.python,
            "executable": self.executable,
            "environment": dict(self.environment),
            "seed": self.seed,
            "frameworks": {
                f.name: {
                    "installed": f.installed,
                    "version": f.version,
                    "cuda": f.cuda,
                    "cudnn": f.cudnn,
                    "available": f.available,
                    "arch_list": list(f.arch_list),
                    "devices": [
                        {
                            k: v
                            for k, v in (
                                ("index", d.index),
                                ("name", d.name),
                                ("compute_capability", d.compute_capability),
                                ("kernel", d.kernel),
                                ("error", d.error),
                                ("memory", d.memory),
                            )
                            if v is not None
                        }
                        for d in f.devices
                    ],
                    "determinism": dict(f.determinism),
                    "warnings": list(f.warnings),
                    **{
                        k: v
                        for k, v in (
                            ("error", f.error),
                            ("cuda_error", f.cuda_error),
                            ("cpu_kernel", f.cpu_kernel),
                        )
                        if v is not None
                    },
                    **({"packages": dict(f.packages)} if f.packages else {}),
                }
                for f in self.frameworks
            },
        }


def _opt(data: Mapping[str, Any], key: str) -> str | None:
    v = data.get(key)
    return None if v is None else str(v)


def _mapping(v: Any, what: str) -> Mapping[str, Any]:
    """``v`` when it is a JSON object (``null`` is an empty one), else a TypeError
    that :func:`parse_probe_output` turns into a :class:`CompatError`."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise TypeError(f"{what} is {type(v).__name__}, not an object")
    return v


def _items(v: Any, what: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise TypeError(f"{what} is {type(v).__name__}, not a list")
    return v


def _device(d: Any) -> DeviceFacts:
    d = _mapping(d, "a device")
    return DeviceFacts(
        index=int(d["index"]),
        name=_opt(d, "name"),
        compute_capability=_opt(d, "compute_capability"),
        kernel=_opt(d, "kernel"),
        error=_opt(d, "error"),
        memory=int(d["memory"]) if d.get("memory") is not None else None,
    )


def facts_from_dict(data: Mapping[str, Any]) -> ProbeFacts:
    """The :class:`ProbeFacts` of the collector's JSON answer; a value of the
    wrong shape is a TypeError, ValueError, KeyError or OverflowError."""
    data = _mapping(data, "the answer")
    frameworks = []
    for name, raw in sorted(_mapping(data.get("frameworks"), "frameworks").items()):
        raw = _mapping(raw, f"framework {name}")
        det = _mapping(raw.get("determinism"), "determinism")
        packages = _mapping(raw.get("packages"), "packages")
        frameworks.append(
            FrameworkFacts(
                name=str(name),
                installed=bool(raw.get("installed", True)),
                version=_opt(raw, "version"),
                cuda=_opt(raw, "cuda"),
                cudnn=_opt(raw, "cudnn"),
                available=bool(raw.get("available")),
                arch_list=tuple(str(a) for a in _items(raw.get("arch_list"), "arch_list")),
                devices=tuple(_device(d) for d in _items(raw.get("devices"), "devices")),
                determinism=tuple(sorted((str(k), v) for k, v in det.items())),
                warnings=tuple(str(w) for w in _items(raw.get("warnings"), "warnings")),
                error=_opt(raw, "error"),
                cuda_error=_opt(raw, "cuda_error"),
                cpu_kernel=_opt(raw, "cpu_kernel"),
                packages=tuple(sorted((str(k), str(v)) for k, v in packages.items())),
            )
        )
    seed = data.get("seed")
    environment = _mapping(data.get("environment"), "environment")
    return ProbeFacts(
        python=str(data.get("python", "")),
        executable=str(data.get("executable", "")),
        environment=tuple(sorted((str(k), str(v)) for k, v in environment.items())),
        frameworks=tuple(frameworks),
        seed=int(seed) if seed is not None else None,
    )


def parse_probe_output(stdout: str, executable: str) -> ProbeFacts:
    """The facts in the collector's output: its last ``COMPATLIB-PROBE`` line.

    The output comes from another interpreter (and whatever its frameworks
    print), so anything but the expected JSON is a :class:`CompatError`.
    """
    # lazy: only a probe in a subprocess reads JSON from another interpreter
    from compatlib._input import load_json

    marker = _probe_facts.MARKER
    lines = [line for line in stdout.splitlines() if line.startswith(marker)]
    if not lines:
        raise CompatError(f"{executable} could not probe its frameworks: no answer")
    data = load_json(lines[-1][len(marker) :], source=executable, what="unexpected probe answer")
    try:
        return facts_from_dict(data)
    except (ValueError, KeyError, TypeError, OverflowError) as exc:  # OverflowError: int(1e400)
        raise CompatError(f"unexpected probe answer from {executable}: {exc}") from None


def locked_frameworks(lock: Lock, platform: str | None = None) -> list[str]:
    """The frameworks (torch, tensorflow, jax) whose packages ``lock`` pins
    (for ``platform``, when given)."""
    found = {
        FRAMEWORK_PACKAGES[p.name.lower()]
        for p in lock.packages
        if p.name.lower() in FRAMEWORK_PACKAGES and (platform is None or p.platform == platform)
    }
    return sorted(found)


def probe_frameworks(
    python: str | None = None,
    *,
    frameworks: Sequence[str] | None = None,
    kernel: bool = True,
    seed: int | None = None,
    in_process: bool = False,
    timeout: float = 600.0,
) -> ProbeFacts:
    """Ask interpreter ``python`` (default: this one) about its frameworks and GPUs.

    ``frameworks`` names those to import (default: every one installed);
    ``kernel`` runs the tiny kernel on each device; ``seed`` seeds every global
    generator first and checks the draws reproduce. ``in_process`` gathers the
    facts in this process (the frameworks are imported here, and stay imported).
    """
    names = list(frameworks) if frameworks is not None else None
    if in_process:
        return facts_from_dict(_probe_facts.collect(names, kernel=kernel, seed=seed))
    executable = python or sys.executable
    argv = [executable, "-I", "-c", _COLLECTOR.read_text(encoding="utf-8")]
    if names is not None:
        argv += ["--frameworks", ",".join(names)]
    if not kernel:
        argv.append("--no-kernel")
    if seed is not None:
        argv += ["--seed", str(seed)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(
            f"cannot run {executable}: {exc}", field="python", expected="a Python interpreter"
        ) from None
    answered = any(line.startswith(_probe_facts.MARKER) for line in proc.stdout.splitlines())
    if proc.returncode != 0 or not answered:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise CompatError(f"{executable} could not probe its frameworks: {last}")
    return parse_probe_output(proc.stdout, executable)


# --------------------------------------------------------------------------- findings


def _finding(
    check: Check, subject: str, severity: Severity, message: str, **kw: str | None
) -> Finding:
    return Finding(check, subject, severity, message, kw.get("expected"), kw.get("found"))


def _gpu_needed(lock: Lock | None, platform: str | None) -> bool:
    return lock is not None and platform is not None and lock.needs_gpu(platform)


def _locked_cudnn(lock: Lock | None, platform: str | None) -> tuple[str, str] | None:
    """The cuDNN the lock pins: (package, version) of ``nvidia-cudnn-cuXX`` or conda ``cudnn``."""
    if lock is None:
        return None
    for p in sorted(lock.packages, key=lambda p: p.name):
        if platform is not None and p.platform != platform:
            continue
        name = p.name.lower()
        if name.startswith("nvidia-cudnn-cu") or (p.manager == "conda" and name == "cudnn"):
            return p.name, p.version
    return None


def _same_prefix(a: str, b: str) -> bool:
    """Do two versions agree on the components both give (``8`` and ``8.9.2``)?"""
    x, y = a.split("."), b.split(".")
    n = min(len(x), len(y), 3)
    return x[:n] == y[:n]


def _lock_gpu_count(lock: Lock | None, platform: str | None) -> int | None:
    gpus = lock.target_value(platform, "gpus") if lock is not None else None
    return len(gpus) if gpus is not None else None


def probe_findings(
    facts: ProbeFacts,
    *,
    lock: Lock | None = None,
    platform: str | None = None,
    system: SystemProfile | None = None,
) -> list[Finding]:
    """What the facts say is wrong (errors) or fragile (warnings), given the
    lock (its GPU needs, cuDNN pin, target GPU count) and the machine (its
    NVIDIA driver)."""
    out: list[Finding] = []
    env = dict(facts.environment)
    for fw in facts.frameworks:
        if not fw.installed:
            continue  # a locked framework not installed is the package check's finding
        out.extend(_framework_findings(fw, facts, lock, platform, system, env))
    return out


def _framework_findings(
    fw: FrameworkFacts,
    facts: ProbeFacts,
    lock: Lock | None,
    platform: str | None,
    system: SystemProfile | None,
    env: Mapping[str, str],
) -> list[Finding]:
    from compatlib.values.dotted import DottedVersion  # lazy: with the probe's findings

    if fw.error is not None:
        return [_finding("framework", fw.name, "error", f"{fw.name} does not import: {fw.error}")]
    out = [
        _finding("framework", fw.name, "warning", f"{fw.label} warned: {w}") for w in fw.warnings
    ]
    if fw.cpu_kernel not in (None, "ok"):
        message = f"a tiny {fw.name} op on the CPU failed: {fw.cpu_kernel}"
        out.append(_finding("framework", fw.name, "error", message))
    driver = system.driver if system is not None else None
    floor = _runtime_floor(fw)
    if not fw.available:
        out.extend(_no_gpu(fw, lock, platform, system, floor))
        return out + _determinism(fw, facts, env)
    if driver and floor and DottedVersion(driver) < DottedVersion(floor):
        out.append(
            _finding(
                "gpu",
                fw.name,
                "error",
                f"{fw.label} uses the CUDA {fw.cuda} runtime, which needs NVIDIA driver >= "
                f"{floor}; this machine's is {driver}",
                expected=f">={floor}",
                found=driver,
            )
        )
    for device in fw.devices:
        out.extend(_device_findings(fw, device))
    out.extend(_lock_findings(fw, lock, platform, env))
    return out + _determinism(fw, facts, env)


def _runtime_floor(fw: FrameworkFacts) -> str | None:
    """The oldest driver the framework's CUDA runtime runs on (minor-version
    compatibility), if its CUDA is one the knowledge base knows."""
    from compatlib.stack.knowledge import min_driver  # lazy: with the probe's findings

    if fw.cuda is None:
        return None
    try:
        return min_driver(fw.cuda, compatibility="minor")
    except InputError:
        return None


def _no_gpu(
    fw: FrameworkFacts,
    lock: Lock | None,
    platform: str | None,
    system: SystemProfile | None,
    floor: str | None,
) -> list[Finding]:
    """A framework that can use no GPU: an error where one is needed or present."""
    from compatlib.values.dotted import DottedVersion  # lazy: with the probe's findings

    needed = _gpu_needed(lock, platform)
    gpus_here = bool(system is not None and system.gpus)
    driver = system.driver if system is not None else None
    if fw.gpu_build and (needed or gpus_here):
        if fw.cuda_error:
            why = fw.cuda_error
        elif driver and floor and DottedVersion(driver) < DottedVersion(floor):
            why = f"driver {driver} is older than CUDA {fw.cuda} needs (>= {floor})"
        elif not gpus_here:
            why = "this machine shows no NVIDIA GPU"
        else:
            why = "no GPU is visible to it (CUDA_VISIBLE_DEVICES, the container's GPU access)"
        message = f"{fw.label} is built for CUDA {fw.cuda or '(plugin)'} but can use no GPU: {why}"
        return [_finding("gpu", fw.name, "error", message, expected="a usable GPU", found="none")]
    if needed and not fw.gpu_build:
        message = f"the lock needs a GPU, but {fw.label} is a CPU build"
        return [_finding("gpu", fw.name, "warning", message)]
    return []


def _device_findings(fw: FrameworkFacts, d: DeviceFacts) -> list[Finding]:
    """One device: it answers, the build has kernels for it, the tiny kernel ran."""
    from compatlib.stack.knowledge import can_run  # lazy: with the probe's findings

    subject = f"{fw.name}:{d.index}"
    details = [
        x
        for x in (d.name, d.compute_capability and f"compute capability {d.compute_capability}")
        if x
    ]
    where = f"GPU {d.index}" + (f" ({', '.join(details)})" if details else "")
    if d.error is not None:
        return [_finding("gpu", subject, "error", f"{where} cannot be queried: {d.error}")]
    out: list[Finding] = []
    if d.compute_capability and fw.arch_list:
        try:
            runs = can_run(fw.arch_list, d.compute_capability)
        except InputError:
            runs = True  # an arch entry the knowledge base cannot read: no prediction
        if not runs:
            out.append(
                _finding(
                    "gpu",
                    subject,
                    "error",
                    f"{fw.label} has no kernels for {where}: it is built for "
                    f"{' '.join(fw.arch_list)}, so its CUDA calls fail with 'no kernel "
                    "image is available for execution on the device'",
                    expected=" ".join(fw.arch_list),
                    found=d.compute_capability,
                )
            )
    if d.kernel not in (None, "ok"):
        message = f"a tiny {fw.name} kernel on {where} failed: {d.kernel}"
        out.append(_finding("gpu", subject, "error", message))
    return out


def _lock_findings(
    fw: FrameworkFacts, lock: Lock | None, platform: str | None, env: Mapping[str, str]
) -> list[Finding]:
    """The GPUs seen against the lock's target, the cuDNN loaded against its pin."""
    out: list[Finding] = []
    wanted = _lock_gpu_count(lock, platform)
    if wanted is not None and wanted != len(fw.devices):
        shown = env.get("CUDA_VISIBLE_DEVICES")
        out.append(
            _finding(
                "gpu",
                fw.name,
                "warning",
                f"the lock was made for {wanted} GPUs; {fw.name} sees {len(fw.devices)}"
                + (f" (CUDA_VISIBLE_DEVICES={shown})" if shown is not None else ""),
                expected=str(wanted),
                found=str(len(fw.devices)),
            )
        )
    locked = _locked_cudnn(lock, platform)
    if locked is not None and fw.cudnn and not _same_prefix(fw.cudnn, locked[1]):
        out.append(
            _finding(
                "gpu",
                fw.name,
                "warning",
                f"{fw.label} loads cuDNN {fw.cudnn}; the lock pins {locked[0]} {locked[1]} "
                "(another cuDNN comes first on the library path?)",
                expected=locked[1],
                found=fw.cudnn,
            )
        )
    return out


def _determinism(fw: FrameworkFacts, facts: ProbeFacts, env: Mapping[str, str]) -> list[Finding]:
    out: list[Finding] = []
    if facts.seed is not None and fw.setting("reproducible") is False:
        out.append(
            _finding(
                "determinism",
                fw.name,
                "error",
                f"{fw.name}'s random draws differ after seeding it with {facts.seed}",
            )
        )
    if fw.name != "torch":
        return out
    deterministic = bool(fw.setting("deterministic_algorithms"))
    cublas = env.get("CUBLAS_WORKSPACE_CONFIG")
    if deterministic and fw.available and cublas not in CUBLAS_DETERMINISTIC:
        out.append(
            _finding(
                "determinism",
                "CUBLAS_WORKSPACE_CONFIG",
                "warning",
                "torch.use_deterministic_algorithms(True) on CUDA needs "
                "CUBLAS_WORKSPACE_CONFIG=:4096:8 (or :16:8), or cuBLAS calls raise; it is "
                + (f"{cublas!r}" if cublas is not None else "unset"),
                expected=":4096:8",
                found=cublas,
            )
        )
    if fw.setting("cudnn_benchmark") and (deterministic or fw.setting("cudnn_deterministic")):
        out.append(
            _finding(
                "determinism",
                "torch.backends.cudnn.benchmark",
                "warning",
                "torch.backends.cudnn.benchmark is on: cuDNN picks algorithms by timing, so "
                "results can differ between runs even with deterministic settings",
            )
        )
    return out


# --------------------------------------------------------------------------- text


def _setting_text(key: str, v: Any) -> str:
    label = key.replace("_", " ")
    if key == "reproducible":
        return f"draws reproduce after seeding: {'unknown' if v is None else 'yes' if v else 'NO'}"
    if isinstance(v, bool) or v is None:
        return f"{label} {'unknown' if v is None else 'on' if v else 'off'}"
    return f"{label} {v}"


def probe_text(facts: ProbeFacts, system: SystemProfile | None = None) -> list[str]:
    """The facts as indented lines for a report."""
    lines = [f"probe of {facts.executable} (Python {facts.python}):"]
    if not facts.frameworks:
        lines.append("  no framework (torch, tensorflow, jax) to probe")
    for fw in facts.frameworks:
        if not fw.installed:
            lines.append(f"  {fw.name}: not installed")
            continue
        if fw.error is not None:
            lines.append(f"  {fw.name}: does not import ({fw.error})")
            continue
        parts = [f"CUDA {fw.cuda}" if fw.cuda else "CPU build"]
        if fw.cudnn:
            parts.append(f"cuDNN {fw.cudnn}")
        if fw.arch_list:
            parts.append(f"built for {' '.join(fw.arch_list)}")
        parts.append(f"{len(fw.devices)} GPU(s) usable" if fw.available else "no GPU usable")
        if fw.cpu_kernel is not None:
            parts.append(f"CPU kernel {fw.cpu_kernel}")
        lines.append(f"  {fw.label}: " + "; ".join(parts))
        for d in fw.devices:
            cc = f", compute capability {d.compute_capability}" if d.compute_capability else ""
            lines.append(
                f"    GPU {d.index}: {d.name or 'unnamed'}{cc}; kernel {d.kernel or 'not run'}"
            )
        if fw.determinism:
            shown = [_setting_text(k, v) for k, v in fw.determinism]
            lines.append(f"    determinism: {', '.join(shown)}")
    env = dict(facts.environment)
    shown_env = [
        f"{k}={env[k]}" if k in env else f"{k} unset"
        for k in ("CUBLAS_WORKSPACE_CONFIG", "PYTHONHASHSEED")
    ]
    shown_env += [
        f"{k}={v}"
        for k, v in facts.environment
        if k not in ("CUBLAS_WORKSPACE_CONFIG", "PYTHONHASHSEED")
    ]
    lines.append(f"  environment: {', '.join(shown_env)}")
    if facts.seed is not None:
        lines.append(f"  seeded with {facts.seed} (Python, NumPy and each framework)")
    if system is not None:
        lines.append(f"  NVIDIA driver: {system.driver or 'none found'} ({system.source})")
    return lines


# --------------------------------------------------------------------------- command


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m compatlib.adapters.probe [LOCK] [--json] [--seed N] ...``: the
    probe in this process (and, with a lock, the lock comparison); exit 0 when
    nothing is wrong, 1 when something is, 2 on bad input."""
    # lazy: only the command line parses arguments
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m compatlib.adapters.probe",
        description="Validate this environment: its frameworks and GPUs, and (with a lock) "
        "that it is the locked one. Exit 0: nothing wrong; 1: something is; 2: bad input.",
    )
    parser.add_argument("lock", nargs="?", help="a JSON lock to compare with (optional)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--seed", type=int, help="seed every global generator and check it holds")
    parser.add_argument("--no-kernel", action="store_true", help="run no kernel on the devices")
    parser.add_argument(
        "--frameworks", help="comma-separated frameworks to import (default: locked or installed)"
    )
    parser.add_argument("--system", help="the machine, as for compatlib lock (default: detected)")
    parser.add_argument("--no-system", action="store_true", help="skip the machine checks")
    args = parser.parse_args(argv)
    try:
        report = run_probe(
            lock_path=args.lock,
            seed=args.seed,
            kernel=not args.no_kernel,
            frameworks=args.frameworks.split(",") if args.frameworks else None,
            system_spec=args.system,
            check_system=not args.no_system,
        )
    except (InputError, OSError) as exc:
        print(f"compatlib probe: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(report.text, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def run_probe(
    *,
    lock_path: str | None = None,
    seed: int | None = None,
    kernel: bool = True,
    frameworks: Sequence[str] | None = None,
    system_spec: str | None = None,
    check_system: bool = True,
) -> EnvironmentReport:
    """The report ``main`` prints: an :class:`~compatlib.adapters.check.EnvironmentReport`
    with the probe, for this interpreter, gathered in this process."""
    system = None
    if system_spec:
        # lazy: only with --system
        from compatlib.stack.profile import parse_system

        system = parse_system(system_spec)
    elif check_system:
        # lazy: the machine is detected only when no profile is given
        from compatlib.stack.detect import detect

        system = detect()
    if lock_path is None:
        facts = probe_frameworks(frameworks=frameworks, kernel=kernel, seed=seed, in_process=True)
        findings = probe_findings(facts, system=system if check_system else None)
        return EnvironmentReport(
            sys.executable, None, ("probe",), tuple(findings), probe=facts, system=system
        )
    # lazy: only with a lock
    from compatlib.lock.model import read_lock

    lock = read_lock(lock_path)
    if frameworks is None:
        frameworks = locked_frameworks(lock)
    facts = probe_frameworks(frameworks=frameworks, kernel=kernel, seed=seed, in_process=True)
    return check_environment(lock, system=system, check_system=check_system, probe=facts)


if __name__ == "__main__":
    sys.exit(main())
