"""``compatlib lock --universal`` vs ``uv pip compile --universal``, cold and warm.

Each set is locked for 3 platforms (linux-64, osx-arm64, win-64) and every
Python from 3.10 to 3.13 (``--universal --requires-python ">=3.10,<3.14"``);
uv's ``--universal`` covers every platform and Python from ``--python-version
3.10`` up. Two kinds of sources:

- ``links:``: the machine's local wheel folders as find-links, offline (only
  sets of pure-Python packages lock there for every platform);
- ``index:``: the default index (PyPI's simple API over HTTPS; on the build
  machines a registry answers at PyPI's address), as users run it.

Each tool is timed ``--repeat`` times per set, interleaved, cold (a fresh
process, empty cache) and warm (a fresh process, the cache the cold run
left); the table gives medians and the ratio compatlib/uv. The versions are
compared as sets of (name, version) pairs. ``--baseline DIR`` times another
compatlib checkout too (for before/after in one run), and ``--counts`` runs
each set once under cProfile, in this checkout and the baseline, and reports
how many directory entries were tested (``DirEntry.is_file``), ``stat`` calls
and wheel metadata reads a lock makes.

    python benchmarks/bench_universal.py                         # all sets
    python benchmarks/bench_universal.py --sets links:cli --repeat 1
    python benchmarks/bench_universal.py --baseline /path/to/old/checkout --counts
    python benchmarks/bench_universal.py --write-docs            # update docs/benchmarks.md

Compare the ratios, not the seconds (the index's times depend on the network).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _peers import Sample, compatlib_cmd, find_uv, median, peer_env, uv_cmd
from bench_index import run

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench_universal:start -->"
END = "<!-- bench_universal:end -->"
FOLDERS = [Path("/opt/pypi/files"), Path("/opt/pypi-more/files"), Path("/opt/wheels")]
PLATFORMS = ("linux-64", "osx-arm64", "win-64")
LOWEST = "3.10"
RANGE = ">=3.10,<3.14"

#: find-links sets hold pure-Python projects: the folders have Linux wheels only
_PURE = [
    "rich", "httpx", "click", "attrs", "anyio", "django", "boto3", "docutils", "faker",
    "gunicorn", "humanize", "packaging", "pluggy", "pygments", "python-dateutil", "pytz",
    "s3transfer", "setuptools", "six", "sqlparse", "starlette", "tenacity", "tqdm", "typer",
    "urllib3", "websocket-client", "wheel", "toml", "tomli-w", "typing-extensions",
    "cachetools", "certifi", "idna", "filelock", "platformdirs", "fsspec", "structlog",
    "tabulate", "termcolor", "texttable", "decorator", "pyparsing", "cycler",
]  # fmt: skip
SETS: dict[str, list[str]] = {
    "links:cli": ["rich", "click", "typer", "tqdm"],
    "links:http": ["httpx", "anyio", "starlette", "urllib3", "idna", "certifi"],
    "links:aws": ["boto3", "s3transfer", "python-dateutil"],
    "links:43": _PURE,
    "index:web": ["flask", "requests", "boto3"],
    "index:data": ["pandas", "scikit-learn", "scipy", "matplotlib"],
    "index:hf": ["transformers", "datasets", "accelerate"],
}
TOOLS = ("compatlib", "uv")


@dataclass
class Row:
    name: str
    cold: dict[str, list[Sample]] = field(default_factory=dict)
    warm: dict[str, list[Sample]] = field(default_factory=dict)
    pins: dict[str, set[tuple[str, str]]] = field(default_factory=dict)


def _sources(name: str, tool: str) -> list[str]:
    if not name.startswith("links:"):
        return []
    out = ["--offline"] if tool != "uv" else ["--no-index", "--offline"]
    for f in FOLDERS:
        if f.is_dir():
            out += ["--find-links", str(f)]
    return out


def command(tool: str, name: str, cache: Path, out: Path) -> list[str]:
    reqs, sources = SETS[name], _sources(name, tool)
    if tool == "uv":
        return uv_cmd(
            reqs, cache, out, python=LOWEST, glibc=None, sources=sources, options=["--universal"]
        )
    plats = [x for p in PLATFORMS for x in ("--platform", p)]
    options = [*plats, "--universal", "--requires-python", RANGE, "-q"]
    return compatlib_cmd(
        reqs, cache, out, python=LOWEST, glibc=None, sources=sources, options=options
    )


def pins(tool: str, out: Path) -> set[tuple[str, str]]:
    """The (name, version) pairs of a lock: compatlib's JSON or uv's output."""
    import json

    from packaging.utils import canonicalize_name

    if tool != "uv":
        data = json.loads(out.read_text())
        return {(canonicalize_name(p["name"]), p["version"]) for p in data["packages"]}
    found = set()
    for line in out.read_text().splitlines():
        line = line.split("\\")[0].split(";")[0].strip()
        if line and not line.startswith(("#", "-")) and "==" in line:
            n, _, v = line.partition("==")
            found.add((canonicalize_name(n.strip()), v.strip()))
    return found


def bench(names: Sequence[str], repeat: int, baseline: Path | None) -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="bench-universal-"))
    roots = {"compatlib": ROOT, "uv": ROOT}
    if baseline is not None:
        roots["baseline"] = baseline
    for root in {ROOT, *roots.values()}:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(root / "compatlib")],
            env=peer_env(root),
            check=True,
        )
    rows = []
    try:
        for name in names:
            row = Row(name)
            for i in range(repeat):
                for tool, root in roots.items():
                    run_dir = work / f"{name.replace(':', '-')}-{tool}-{i}"
                    run_dir.mkdir()
                    cache = run_dir / "cache"
                    out = run_dir / ("out.txt" if tool == "uv" else "out.json")
                    cmd = command(tool, name, cache, out)
                    env = peer_env(root)
                    row.cold.setdefault(tool, []).append(run(cmd, env))
                    row.warm.setdefault(tool, []).append(run(cmd, env))
                    row.pins[tool] = pins(tool, out)
                    shutil.rmtree(run_dir, ignore_errors=True)
            rows.append(row)
            print(_line(row), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _agree(row: Row) -> str:
    ours, theirs = row.pins["compatlib"], row.pins["uv"]
    if ours == theirs:
        return "yes"
    only_ours = sorted(f"{n} {v}" for n, v in ours - theirs)
    only_uv = sorted(f"{n} {v}" for n, v in theirs - ours)
    parts = []
    if only_ours:
        parts.append(
            "ours only: " + ", ".join(only_ours[:3]) + (" ..." if len(only_ours) > 3 else "")
        )
    if only_uv:
        parts.append("uv only: " + ", ".join(only_uv[:3]) + (" ..." if len(only_uv) > 3 else ""))
    return "; ".join(parts)


def _line(row: Row) -> str:
    c, u = median(row.cold["compatlib"]), median(row.cold["uv"])
    cw, uw = median(row.warm["compatlib"]), median(row.warm["uv"])
    text = (
        f"{row.name:12s} {len(row.pins['compatlib']):3d} pins  cold {c:.2f}s vs uv {u:.2f}s "
        f"({c / u:.1f}x)  warm {cw:.2f}s vs {uw:.2f}s ({cw / uw:.1f}x)"
    )
    if "baseline" in row.cold:
        b, bw = median(row.cold["baseline"]), median(row.warm["baseline"])
        text += f"  baseline {b:.2f}s/{bw:.2f}s ({b / u:.1f}x/{bw / uw:.1f}x)"
    return text + f"  same: {_agree(row)}"


def table(rows: Sequence[Row]) -> str:
    base = "baseline" in rows[0].cold if rows else False
    head = "| set | pins (ours/uv) | compatlib cold | uv cold | cold ratio "
    head += "| compatlib warm | uv warm | warm ratio "
    if base:
        head += "| before: cold, warm (ratio) "
    head += "| same pins |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        c, u = median(r.cold["compatlib"]), median(r.cold["uv"])
        cw, uw = median(r.warm["compatlib"]), median(r.warm["uv"])
        line = (
            f"| {r.name} | {len(r.pins['compatlib'])} / {len(r.pins['uv'])} "
            f"| {c:.2f} s | {u:.2f} s | **{c / u:.1f}x** "
            f"| {cw:.2f} s | {uw:.2f} s | **{cw / uw:.1f}x** "
        )
        if base:
            b, bw = median(r.cold["baseline"]), median(r.warm["baseline"])
            line += f"| {b:.2f} s, {bw:.2f} s ({b / u:.1f}x, {bw / uw:.1f}x) "
        lines.append(line + f"| {_agree(r)} |")
    return "\n".join(lines)


_COUNT = """
import cProfile, pstats, sys
from compatlib.cli import main
prof = cProfile.Profile()
code = prof.runcall(main, sys.argv[1:])
stats = pstats.Stats(prof).stats
def calls(pred):
    return sum(v[1] for k, v in stats.items() if pred(k))
print(calls(lambda k: "is_file" in k[2] and "DirEntry" in k[2]),
      calls(lambda k: k[2] in ("<built-in method posix.stat>", "<built-in method posix.lstat>")),
      calls(lambda k: k[2] == "read_wheel_metadata"))
"""


def counts(names: Sequence[str], baseline: Path | None) -> str:
    """is_file, stat and wheel-metadata reads of one run per set (cProfile)."""
    roots = [("this branch", ROOT)] + ([("before", baseline)] if baseline else [])
    lines = [
        "| set | checkout | DirEntry.is_file | stat | wheel METADATA reads |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        for label, root in roots:
            work = Path(tempfile.mkdtemp(prefix="bench-universal-counts-"))
            try:
                cmd = command("compatlib", name, work / "cache", work / "out.json")[3:]
                done = subprocess.run(
                    [sys.executable, "-c", _COUNT, *cmd],
                    env=peer_env(root),
                    capture_output=True,
                    text=True,
                    check=True,
                )
            finally:
                shutil.rmtree(work, ignore_errors=True)
            is_file, stat, reads = done.stdout.split()[-3:]
            lines.append(f"| {name} | {label} | {is_file} | {stat} | {reads} |")
            print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


def _versions() -> str:
    uv = subprocess.run([find_uv(), "--version"], capture_output=True, text=True, check=False)
    return f"{uv.stdout.strip()}; Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="*", choices=sorted(SETS), help="default: all")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and set")
    parser.add_argument("--baseline", type=Path, help="another checkout to time as 'before'")
    parser.add_argument("--counts", action="store_true", help="also count reads (cProfile)")
    parser.add_argument("--note", default="", help="a sentence on the machine, for the docs")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    names = args.sets or list(SETS)
    rows = bench(names, args.repeat, args.baseline)
    command_line = "python benchmarks/bench_universal.py" + (
        f" --sets {' '.join(names)}" if args.sets else ""
    )
    command_line += f" --repeat {args.repeat}"
    if args.baseline:
        command_line += " --baseline BEFORE" + (" --counts" if args.counts else "")
    text = (
        f"Command: `{command_line}`, {time.strftime('%Y-%m-%d')}, {_versions()}, "
        f"{os.cpu_count()} cores. {args.note} Each set for {', '.join(PLATFORMS)} and Python "
        f"`{RANGE}` (uv: `--universal --python-version {LOWEST}`); median of {args.repeat}; "
        "the ratio is compatlib's time over uv's.\n\n" + table(rows)
    )
    if args.counts:
        text += (
            "\n\nReads per lock (one run under cProfile; `before` is the checkout given "
            "as `--baseline`):\n\n"
            + counts([n for n in names if n.startswith("links:")], args.baseline)
        )
    print(text)
    if args.write_docs:
        from _docs import write_section  # benchmarks/_docs.py, beside this script

        write_section(DOCS, START, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
