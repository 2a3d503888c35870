"""The command lines of compatlib and its peers, reading their answers back, and
the timed samples of a run, shared by the lock benchmarks (local folders:
bench_lock.py; the default index: bench_index.py and bench_universal.py). Each
locks for CPython ``python`` on x86_64 Linux with ``glibc``."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass
class Sample:
    """One timed run: its wall time and its own peak resident memory."""

    seconds: float
    rss_mb: float


def median(samples: Sequence[Sample]) -> float:
    """The median wall time of ``samples``."""
    return statistics.median(s.seconds for s in samples)


def peer_env(root: Path | None = None) -> dict[str, str]:
    """The environment a timed lock runs in: no uv configuration or index settings
    from the caller's shell, bytecode written (as an installed package has it);
    ``root``: the compatlib checkout to run (on ``PYTHONPATH``)."""
    env = dict(os.environ)
    env["UV_NO_CONFIG"] = "1"
    for var in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "PIP_FIND_LINKS"):
        env.pop(var, None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if root is not None:
        env["PYTHONPATH"] = str(root)
    return env


def find_uv() -> str:
    exe = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not os.access(exe, os.X_OK):
        raise SystemExit("uv is not installed: pip install uv")
    return exe


def compatlib_cmd(
    reqs: Sequence[str],
    cache: Path,
    out: Path,
    *,
    python: str,
    glibc: str | None,
    sources: Sequence[str] = (),
    options: Sequence[str] = (),
) -> list[str]:
    """``compatlib lock``; ``sources`` are extra options (``--find-links DIR``,
    ``--offline``); none: the default index. With ``glibc``, for linux-64 with
    that glibc; without, ``options`` say the targets (``--platform ...
    --universal``)."""
    target = ["--platform", "linux-64", "--system", f"glibc={glibc}"] if glibc else []
    return [
        sys.executable,
        "-m",
        "compatlib",
        "lock",
        *reqs,
        *sources,
        "--cache-dir",
        str(cache),
        "--python",
        python,
        *target,
        *options,
        "-o",
        str(out),
    ]


def uv_cmd(
    reqs: Sequence[str],
    cache: Path,
    out: Path,
    *,
    python: str,
    glibc: str | None,
    sources: Sequence[str] = (),
    hashes: bool = False,
    options: Sequence[str] = (),
) -> list[str]:
    """``uv pip compile`` of ``reqs`` (written beside ``out``), as compatlib_cmd
    (``options``: ``--universal``)."""
    req = out.with_suffix(".in")
    req.write_text("\n".join(reqs) + "\n")
    platform = ["--python-platform", f"x86_64-manylinux_{glibc.replace('.', '_')}"] if glibc else []
    return [
        find_uv(),
        "pip",
        "compile",
        *(["--generate-hashes"] if hashes else []),
        *options,
        "--python-version",
        python,
        *platform,
        *sources,
        "--no-header",
        "--no-annotate",
        "--cache-dir",
        str(cache),
        "-o",
        str(out),
        str(req),
    ]


def read_versions(tool: str, out: Path) -> dict[str, str]:
    """``{name: version}`` from a compatlib JSON lock, pip's report or uv's output."""
    if tool == "compatlib":
        data = json.loads(out.read_text())
        return {canonicalize_name(p["name"]): p["version"] for p in data["packages"]}
    if tool == "pip":
        data = json.loads(out.read_text())
        return {
            canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"]
            for i in data["install"]
        }
    pins: dict[str, str] = {}
    for line in out.read_text().splitlines():
        line = line.split("\\")[0].strip()
        if line and not line.startswith(("#", "--")) and "==" in line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.split(";")[0].strip()
    return pins
