"""``compatlib lock`` vs ``uv pip compile`` on the default index, cold and warm.

This is the path users take: no ``--index``, no ``--find-links``, so both tools
read PyPI's simple API over HTTPS (on the build machines a registry answers at
PyPI's own address). Each set is locked for CPython 3.11 on x86_64 Linux with
glibc 2.36:

- cold: a fresh process with an empty cache folder;
- warm: a fresh process again, with the cache the cold run left.

Each tool is timed ``--repeat`` times per set, interleaved so that a slow spell
of the network or the machine hits every tool alike; the table gives the median
and the spread (min-max) of each, the cache size on disk after the warm run and
the peak resident memory of the process. uv runs plain and with
``--generate-hashes`` (a compatlib lock always carries sha256 hashes). Every
answer is compared: a row whose versions differ says so.

    python benchmarks/bench_index.py                    # all sets, print the table
    python benchmarks/bench_index.py --sets web torch   # some sets
    python benchmarks/bench_index.py --write-docs       # also update docs/benchmarks.md
    python benchmarks/bench_index.py --profile web      # cProfile one warm compatlib run
    python benchmarks/bench_index.py --profile web --cold  # ... the cold one, all threads

compatlib runs from bytecode, as an installed package does: the script compiles
``compatlib/`` once before timing (where ``PYTHONDONTWRITEBYTECODE`` is set, every
process would otherwise compile each module it imports, about 0.2 s).

Times depend on the network: compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _peers import Sample, compatlib_cmd, find_uv, median, peer_env, read_versions, uv_cmd

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench_index:start -->"
END = "<!-- bench_index:end -->"
PYTHON = "3.11"
GLIBC = "2.36"

SETS: dict[str, list[str]] = {
    "web": ["flask", "requests", "boto3"],
    "data": ["pandas", "scikit-learn", "scipy", "matplotlib"],
    "issue-10": [
        "transformers",
        "pandas",
        "scikit-learn",
        "scipy",
        "matplotlib",
        "flask",
        "boto3",
    ],
    "hf": ["transformers", "datasets", "accelerate", "tokenizers"],
    "torch": ["torch", "torchvision"],
    "jax": ["jax", "jaxlib"],
    "tensorflow": ["tensorflow"],
}
TOOLS = ("compatlib", "uv", "uv --generate-hashes")


@dataclass
class Row:
    name: str
    cold: dict[str, list[Sample]] = field(default_factory=dict)
    warm: dict[str, list[Sample]] = field(default_factory=dict)
    cache_mb: dict[str, float] = field(default_factory=dict)
    versions: dict[str, dict[str, str]] = field(default_factory=dict)


def command(tool: str, reqs: Sequence[str], cache: Path, out: Path) -> list[str]:
    if tool == "compatlib":
        return compatlib_cmd(reqs, cache, out, python=PYTHON, glibc=GLIBC)
    hashes = tool == "uv --generate-hashes"
    return uv_cmd(reqs, cache, out, python=PYTHON, glibc=GLIBC, hashes=hashes)


#: a run that takes longer is stopped and run again (once): a stalled
#: connection is the network's fault, not the tool's
TIMEOUT = 300.0


def run(cmd: list[str], env: dict[str, str]) -> Sample:
    """Run ``cmd``; its wall time and its own peak resident memory (from wait4)."""
    for attempt in (1, 2):
        start = time.perf_counter()
        with tempfile.TemporaryFile() as err_file:
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err_file
            )
            status, usage = _wait(proc.pid, TIMEOUT)
            elapsed = time.perf_counter() - start
            err_file.seek(0)
            err = err_file.read().decode(errors="replace")
        if status is None:
            print(f"{' '.join(cmd[:6])} ... stalled, run again", file=sys.stderr)
            if attempt == 1:
                continue
            raise SystemExit(f"{' '.join(cmd[:6])} ... stalled twice")
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"{' '.join(cmd[:6])} ... failed ({code}):\n{err[-2000:]}")
        return Sample(elapsed, usage.ru_maxrss / 1024)
    raise AssertionError("unreachable")


def _wait(pid: int, timeout: float) -> tuple[int | None, Any]:
    """wait4 with a deadline; a process still running then is killed (status None)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            return None, None
        time.sleep(0.005)


def _du(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, f)).st_size
    return total / 2**20


def bench(names: Sequence[str], repeat: int) -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    env = peer_env()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "compatlib")], env=env, check=True
    )
    rows = []
    try:
        for name in names:
            row = Row(name)
            for i in range(repeat):
                for tool in TOOLS:
                    run_dir = work / f"{name}-{tool.replace(' ', '_')}-{i}"
                    run_dir.mkdir()
                    cache = run_dir / "cache"
                    out = run_dir / ("out.json" if tool == "compatlib" else "out.txt")
                    cmd = command(tool, SETS[name], cache, out)
                    row.cold.setdefault(tool, []).append(run(cmd, env))
                    row.warm.setdefault(tool, []).append(run(cmd, env))
                    row.cache_mb[tool] = _du(cache)
                    row.versions[tool] = read_versions(tool, out)
                    shutil.rmtree(run_dir, ignore_errors=True)
            rows.append(row)
            print(_line(row), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _spread(samples: Sequence[Sample]) -> str:
    times = sorted(s.seconds for s in samples)
    return f"{times[0]:.2f}-{times[-1]:.2f}" if len(times) > 1 else f"{times[0]:.2f}"


def _rss(samples: Sequence[Sample]) -> float:
    return max(s.rss_mb for s in samples)


def _agree(row: Row) -> str:
    ours = row.versions["compatlib"]
    others = [t for t in TOOLS if t != "compatlib" and row.versions[t] != ours]
    if not others:
        return "yes"
    theirs = row.versions[others[0]]
    diff = sorted(
        f"{k} {ours.get(k, '-')}/{theirs.get(k, '-')}"
        for k in ours.keys() | theirs.keys()
        if ours.get(k) != theirs.get(k)
    )
    return "no: " + ", ".join(diff[:4]) + (" ..." if len(diff) > 4 else "")


def _line(row: Row) -> str:
    c, u = median(row.cold["compatlib"]), median(row.cold["uv"])
    cw, uw = median(row.warm["compatlib"]), median(row.warm["uv"])
    return (
        f"{row.name:12s} {len(row.versions['compatlib']):3d} pkgs  cold {c:.2f}s vs uv {u:.2f}s "
        f"({c / u:.1f}x)  warm {cw:.2f}s vs {uw:.2f}s ({cw / uw:.1f}x)  "
        f"cache {row.cache_mb['compatlib']:.0f}/{row.cache_mb['uv']:.0f} MB  "
        f"rss {_rss(row.cold['compatlib']):.0f}/{_rss(row.cold['uv']):.0f} MB  "
        f"same: {_agree(row)}"
    )


def table(rows: Sequence[Row]) -> str:
    head = (
        "| set | pkgs | compatlib cold | uv cold | uv+hashes cold | cold ratio "
        "| compatlib warm | uv warm | uv+hashes warm | warm ratio | cache MB (ours/uv) "
        "| peak RSS MB (ours/uv) | same versions |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        c, u, h = (median(r.cold[t]) for t in TOOLS)
        cw, uw, hw = (median(r.warm[t]) for t in TOOLS)
        lines.append(
            f"| {r.name} | {len(r.versions['compatlib'])} "
            f"| {c:.2f} s ({_spread(r.cold['compatlib'])}) | {u:.2f} s ({_spread(r.cold['uv'])}) "
            f"| {h:.2f} s | **{c / u:.1f}x** "
            f"| {cw:.2f} s ({_spread(r.warm['compatlib'])}) | {uw:.2f} s ({_spread(r.warm['uv'])}) "
            f"| {hw:.2f} s | **{cw / uw:.1f}x** "
            f"| {r.cache_mb['compatlib']:.0f} / {r.cache_mb['uv']:.0f} "
            f"| {_rss(r.cold['compatlib']):.0f} / {_rss(r.cold['uv']):.0f} | {_agree(r)} |"
        )
    tc = sum(median(r.cold["compatlib"]) for r in rows)
    tu = sum(median(r.cold["uv"]) for r in rows)
    twc = sum(median(r.warm["compatlib"]) for r in rows)
    twu = sum(median(r.warm["uv"]) for r in rows)
    lines.append(
        f"| **all** | | {tc:.2f} s | {tu:.2f} s | | **{tc / tu:.1f}x** "
        f"| {twc:.2f} s | {twu:.2f} s | | **{twc / twu:.1f}x** | | | |"
    )
    return "\n".join(lines)


def _versions() -> str:
    uv = subprocess.run([find_uv(), "--version"], capture_output=True, text=True, check=False)
    return f"{uv.stdout.strip()}; Python {platform.python_version()}"


def write_docs(text: str) -> None:
    from _docs import write_section  # benchmarks/_docs.py, beside this script

    write_section(DOCS, START, END, text)


def profile(name: str, *, cold: bool = False) -> None:
    """cProfile one warm compatlib run of set ``name`` in this process (``cold``:
    the cold run, every thread's calls added up; a thread's time includes its
    waits for the interpreter lock, so compare counts and shares, not seconds)."""
    import cProfile
    import pstats
    import threading

    from compatlib.cli import main

    work = Path(tempfile.mkdtemp(prefix="bench-index-profile-"))
    args = command("compatlib", SETS[name], work / "cache", work / "out.json")[3:]
    threads: list[cProfile.Profile] = []
    run_thread = threading.Thread.run
    if cold:

        def profiled(self: threading.Thread) -> None:
            prof = cProfile.Profile()
            threads.append(prof)
            prof.runcall(run_thread, self)

        threading.Thread.run = profiled  # type: ignore[method-assign]
    else:
        main(args)  # cold: fills the cache
    prof = cProfile.Profile()
    try:
        prof.runcall(main, args)
    finally:
        threading.Thread.run = run_thread  # type: ignore[method-assign]
    stats = pstats.Stats(prof)
    for other in threads:
        stats.add(other)
    stats.sort_stats("cumulative").print_stats(40)
    shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="*", choices=sorted(SETS), help="default: all")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and set")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--profile", choices=sorted(SETS), help="profile one warm run")
    parser.add_argument("--cold", action="store_true", help="with --profile: the cold run")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile, cold=args.cold)
        return 0
    names = args.sets or list(SETS)
    rows = bench(names, args.repeat)
    text = (
        f"Command: `python benchmarks/bench_index.py --repeat {args.repeat}"
        + (f" --sets {' '.join(names)}" if args.sets else "")
        + f"`, {time.strftime('%Y-%m-%d')}, {_versions()}, "
        f"{os.cpu_count()} cores. Median of {args.repeat} (min-max in brackets); "
        "the ratio is compatlib's time over uv's (plain).\n\n" + table(rows)
    )
    print(text)
    if args.write_docs:
        write_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
