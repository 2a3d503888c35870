"""What the ML frameworks of *this* interpreter say about the GPUs they see.

Run inside the environment being validated, which need not have compatlib:
:mod:`compatlib.adapters.probe` sends this file's text to the interpreter as
``python -I -c <text> --frameworks torch,jax`` (or imports it, in-process). So
it uses the standard library only and the syntax of Python 3.8, imports
nothing from compatlib, and prints one line, ``COMPATLIB-PROBE <json>``, that
no framework's own output can be taken for.

For each framework asked for (torch, tensorflow, jax) that is installed it
records: the version; the CUDA and cuDNN it was built with or loads; whether
a GPU is usable; the architectures its kernels were compiled for; each device
with its name and compute capability, and the result of a tiny kernel run on
it (``"ok"``, or the error text); its determinism settings; and the warnings
it gave (torch warns about GPUs it no longer supports). An import or a call
that fails is recorded as text, never raised: a broken framework is a finding.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import platform
import sys
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

__all__ = [
    "MARKER",
    "collect",
    "framework_facts",
    "jax_facts",
    "main",
    "tensorflow_facts",
    "torch_facts",
]

MARKER = "COMPATLIB-PROBE "
FRAMEWORKS = ("torch", "tensorflow", "jax")

#: environment variables that decide determinism or which GPUs are visible
ENVIRONMENT = (
    "CUBLAS_WORKSPACE_CONFIG",
    "CUDA_LAUNCH_BLOCKING",
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_TF32_OVERRIDE",
    "PYTHONHASHSEED",
    "TF_CUDNN_DETERMINISTIC",
    "TF_DETERMINISTIC_OPS",
    "XLA_FLAGS",
)


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (type(exc).__name__ + (": " + text[0] if text else ""))[:500]


def _call(fn: Callable[[], Any], default: Any = None) -> Any:
    try:
        return fn()
    except Exception:  # a framework call that fails leaves the fact unknown
        return default


def cudnn_text(version: int | None) -> str | None:
    """cuDNN's integer version as text: ``8902`` is 8.9.2, ``90100`` is 9.1.0."""
    if not version:
        return None
    v = int(version)
    if v >= 10000:
        return f"{v // 10000}.{(v % 10000) // 100}.{v % 100}"
    return f"{v // 1000}.{(v % 1000) // 100}.{v % 100}"


def _kernel_result(value: float) -> str:
    return "ok" if value == 56.0 else f"wrong result {value!r} (expected 56.0)"


def _torch_kernel(torch: Any, device: str, index: int | None = None) -> str:
    """A tiny computation on ``device``: ``"ok"``, or what went wrong."""
    try:
        x = torch.arange(8, device=device, dtype=torch.float32)
        value = float((x * 2).sum().item())
        if index is not None:
            torch.cuda.synchronize(index)
        return _kernel_result(value)
    except Exception as exc:  # "no kernel image is available ...", and the like
        return _error(exc)


def _torch_reproducible(torch: Any, seed: int, devices: list[str]) -> bool:
    """Do two draws after ``torch.manual_seed(seed)`` agree on every device?"""
    same = True
    for device in devices:
        draws = []
        for _ in range(2):
            torch.manual_seed(seed)
            draws.append(torch.rand(4, device=device).tolist())
        same = same and draws[0] == draws[1]
    torch.manual_seed(seed)
    return same


def torch_facts(torch: Any, kernel: bool = True, seed: int | None = None) -> dict[str, Any]:
    """The facts of an imported ``torch`` module (or an object shaped like it);
    with ``seed``, the seeds are set to it and checked to reproduce draws."""
    version = getattr(torch, "version", None)
    cudnn = torch.backends.cudnn
    facts: dict[str, Any] = {
        "version": str(torch.__version__),
        "cuda": getattr(version, "cuda", None),
        "cudnn": cudnn_text(_call(cudnn.version)),
        "available": False,
        "arch_list": [],
        "devices": [],
    }
    warn_only = getattr(torch, "is_deterministic_algorithms_warn_only_enabled", None)
    facts["determinism"] = {
        "deterministic_algorithms": _call(torch.are_deterministic_algorithms_enabled),
        "deterministic_warn_only": _call(warn_only) if warn_only is not None else None,
        "cudnn_deterministic": bool(getattr(cudnn, "deterministic", False)),
        "cudnn_benchmark": bool(getattr(cudnn, "benchmark", False)),
        "seed": _call(torch.initial_seed),
    }
    if kernel:
        facts["cpu_kernel"] = _torch_kernel(torch, "cpu")
    try:
        facts["available"] = bool(torch.cuda.is_available())
    except Exception as exc:  # a broken CUDA setup raises here on some versions
        facts["cuda_error"] = _error(exc)
    if not facts["available"]:
        if seed is not None:
            facts["determinism"]["reproducible"] = _call(
                lambda: _torch_reproducible(torch, seed, ["cpu"])
            )
            facts["determinism"]["seed"] = _call(torch.initial_seed)
        return facts
    facts["arch_list"] = list(_call(torch.cuda.get_arch_list, []) or [])
    for index in range(int(torch.cuda.device_count())):
        device: dict[str, Any] = {"index": index}
        try:
            device["name"] = str(torch.cuda.get_device_name(index))
            major, minor = torch.cuda.get_device_capability(index)
            device["compute_capability"] = f"{int(major)}.{int(minor)}"
            device["memory"] = int(torch.cuda.get_device_properties(index).total_memory)
        except Exception as exc:  # the device is listed but cannot be queried
            device["error"] = _error(exc)
        if kernel:
            device["kernel"] = _torch_kernel(torch, f"cuda:{index}", index)
        facts["devices"].append(device)
    if seed is not None:
        usable = ["cpu"] + [f"cuda:{d['index']}" for d in facts["devices"] if "error" not in d]
        facts["determinism"]["reproducible"] = _call(
            lambda: _torch_reproducible(torch, seed, usable)
        )
        facts["determinism"]["seed"] = _call(torch.initial_seed)
    return facts


def tensorflow_facts(tf: Any, kernel: bool = True, seed: int | None = None) -> dict[str, Any]:
    """The facts of an imported ``tensorflow`` module."""
    info = dict(_call(tf.sysconfig.get_build_info, {}) or {})
    facts: dict[str, Any] = {
        "version": str(tf.__version__),
        "cuda": info.get("cuda_version"),
        "cudnn": info.get("cudnn_version"),
        "arch_list": list(info.get("cuda_compute_capabilities") or []),
        "available": False,
        "devices": [],
    }
    determinism = getattr(tf.config.experimental, "is_op_determinism_enabled", None)
    facts["determinism"] = {
        "op_determinism": _call(determinism) if determinism is not None else None,
    }
    if seed is not None:
        _call(lambda: tf.random.set_seed(seed))
        facts["determinism"]["seed"] = seed
    gpus = list(_call(lambda: tf.config.list_physical_devices("GPU"), []) or [])
    facts["available"] = bool(gpus)
    for index, gpu in enumerate(gpus):
        device: dict[str, Any] = {"index": index}
        details = dict(_call(partial(tf.config.experimental.get_device_details, gpu), {}) or {})
        if details.get("device_name"):
            device["name"] = str(details["device_name"])
        cc = details.get("compute_capability")
        if cc:
            device["compute_capability"] = f"{int(cc[0])}.{int(cc[1])}"
        if kernel:
            try:
                with tf.device(f"/GPU:{index}"):
                    x = tf.range(8, dtype=tf.float32)
                    value = float(tf.reduce_sum(x * 2).numpy())
                device["kernel"] = _kernel_result(value)
            except Exception as exc:  # the op failed on that device
                device["kernel"] = _error(exc)
        facts["devices"].append(device)
    return facts


def jax_facts(jax: Any, kernel: bool = True, seed: int | None = None) -> dict[str, Any]:
    """The facts of an imported ``jax`` module (JAX states no arch list, and
    keeps no global seed: its random keys are explicit, so ``seed`` is unused)."""
    # only JAX's facts read package versions
    from importlib import metadata

    plugins = {}
    for name in ("jaxlib", "jax-cuda12-plugin", "jax-cuda13-plugin"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            plugins[name] = metadata.version(name)
    facts: dict[str, Any] = {
        "version": str(jax.__version__),
        "cuda": None,
        "cudnn": None,
        "arch_list": [],
        "available": False,
        "devices": [],
        "packages": plugins,
        "determinism": {},
    }
    gpus = list(_call(lambda: jax.devices("gpu"), []) or [])
    facts["available"] = bool(gpus)
    for index, gpu in enumerate(gpus):
        device: dict[str, Any] = {"index": index, "name": str(getattr(gpu, "device_kind", ""))}
        cc = getattr(gpu, "compute_capability", None)
        if cc:
            device["compute_capability"] = str(cc)
        if kernel:
            try:
                x = jax.device_put(jax.numpy.arange(8, dtype=jax.numpy.float32), gpu)
                value = float((x * 2).sum())
                device["kernel"] = _kernel_result(value)
            except Exception as exc:  # the op failed on that device
                device["kernel"] = _error(exc)
        facts["devices"].append(device)
    return facts


_FACTS: dict[str, Callable[[Any, bool, int | None], dict[str, Any]]] = {
    "torch": torch_facts,
    "tensorflow": tensorflow_facts,
    "jax": jax_facts,
}


def _seed_python(seed: int) -> None:
    """Seed Python's and (when installed) NumPy's global generators."""
    # only with a seed
    import random

    random.seed(seed)
    if importlib.util.find_spec("numpy") is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _call(lambda: importlib.import_module("numpy").random.seed(seed))


def framework_facts(
    name: str, load: Callable[[], Any], kernel: bool = True, seed: int | None = None
) -> dict[str, Any]:
    """The facts of framework ``name``, with the module ``load()`` returns
    (imported then), and the warnings given meanwhile."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            facts = _FACTS[name](load(), kernel, seed)
        except Exception as exc:  # the framework is installed but broken
            facts = {"error": _error(exc)}
    seen: list[str] = []
    for w in caught:
        text = str(w.message).strip()
        if text and text not in seen and "deprecat" not in text.lower():
            seen.append(text[:500])
    facts["warnings"] = seen[:10]
    facts["installed"] = True
    return facts


def collect(
    frameworks: list[str] | None = None, kernel: bool = True, seed: int | None = None
) -> dict[str, Any]:
    """The facts of each framework named (default: every one installed); with
    ``seed``, every global generator is seeded first (Python, NumPy, each
    framework's) and the framework's draws are checked to reproduce."""
    names = list(frameworks) if frameworks is not None else list(FRAMEWORKS)
    out: dict[str, Any] = {
        "python": platform.python_version(),
        "executable": sys.executable,
        "environment": {k: os.environ[k] for k in ENVIRONMENT if k in os.environ},
        "frameworks": {},
    }
    if seed is not None:
        _seed_python(seed)
        out["seed"] = seed
    for name in names:
        if name not in _FACTS:
            continue
        if importlib.util.find_spec(name) is None:
            if frameworks is not None:
                out["frameworks"][name] = {"installed": False}
            continue
        facts = framework_facts(name, partial(importlib.import_module, name), kernel, seed)
        out["frameworks"][name] = facts
    return out


def main(argv: list[str] | None = None) -> int:
    """``--frameworks a,b`` (default: all installed), ``--no-kernel``, ``--seed N``;
    prints the marker line."""
    args = list(sys.argv[1:] if argv is None else argv)
    frameworks: list[str] | None = None
    if "--frameworks" in args:
        at = args.index("--frameworks")
        frameworks = [f for f in args[at + 1].split(",") if f] if at + 1 < len(args) else []
    seed: int | None = None
    if "--seed" in args and args.index("--seed") + 1 < len(args):
        seed = int(args[args.index("--seed") + 1])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    facts = collect(frameworks, kernel="--no-kernel" not in args, seed=seed)
    sys.stdout.flush()
    print(MARKER + json.dumps(facts, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
