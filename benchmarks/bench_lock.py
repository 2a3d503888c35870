"""``compatlib lock`` vs ``uv pip compile`` vs ``pip install --dry-run --report``.

Each measurement is the wall time of one fresh process with an empty cache,
resolving one requirement set for Python 3.11 on x86_64 Linux with glibc 2.36,
offline, from the machine's local PyPI mirror (find-links over its wheel
folders). Every tool's answer is checked against the others: a row whose
versions differ is marked.

    python benchmarks/bench_lock.py                  # print the table
    python benchmarks/bench_lock.py --write-docs     # also update docs/benchmarks.md
    python benchmarks/bench_lock.py --profile torch  # cProfile one compatlib run
    python benchmarks/bench_lock.py --http-only      # only the HTTP read-ahead table

Python byte code is cached (in a temporary ``PYTHONPYCACHEPREFIX``, warmed by one
untimed run of each tool) as it is for an installed package; ``--no-bytecode``
measures with byte-code caching off instead. uv is timed twice: plain, and with
``--generate-hashes``, since a compatlib lock always carries sha256 hashes.
A second table shows where a fresh compatlib process spends its time, and a
third compares reading ahead with one request at a time over HTTP (the
mirror's simple index served locally with an added delay per request).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _peers import compatlib_cmd, find_uv, read_versions, uv_cmd

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
FOLDERS = [Path("/opt/pypi/files"), Path("/opt/pypi-more/files"), Path("/opt/wheels")]
PYTHON = "3.11"
GLIBC = (2, 36)
START = "<!-- bench_lock:start -->"
END = "<!-- bench_lock:end -->"

SETS: dict[str, list[str]] = {
    "requests": ["requests"],
    "numpy pandas": ["numpy", "pandas"],
    "scikit-learn": ["scikit-learn"],
    "torch": ["torch"],
    "transformers": ["transformers"],
    "fastapi uvicorn": ["fastapi", "uvicorn"],
    "jax jaxlib": ["jax", "jaxlib"],
    "datasets": ["datasets"],
}


@dataclass
class Row:
    name: str
    times: dict[str, list[float]] = field(default_factory=dict)
    versions: dict[str, dict[str, str]] = field(default_factory=dict)

    def median(self, tool: str) -> float:
        return statistics.median(self.times[tool])


def _links() -> list[str]:
    out: list[str] = []
    for f in FOLDERS:
        if f.is_dir():
            out += ["--find-links", str(f)]
    return out


def _glibc() -> str:
    return f"{GLIBC[0]}.{GLIBC[1]}"


def pip_cmd(reqs: Sequence[str], cache: Path, out: Path) -> list[str]:
    # pip does not expand a manylinux_2_X platform to older ones: list them all
    platforms: list[str] = []
    for minor in range(GLIBC[1], 4, -1):
        platforms += ["--platform", f"manylinux_2_{minor}_x86_64"]
    for legacy in ("manylinux2014", "manylinux2010", "manylinux1"):
        platforms += ["--platform", f"{legacy}_x86_64"]
    return [
        sys.executable,
        "-m",
        "pip",
        "--isolated",
        "install",
        "--dry-run",
        "--quiet",
        "--report",
        str(out),
        "--ignore-installed",
        "--no-index",
        *_links(),
        "--python-version",
        PYTHON,
        *platforms,
        "--only-binary=:all:",
        "--target",
        str(out.with_suffix(".target")),
        "--cache-dir",
        str(cache),
        *reqs,
    ]


TOOLS = ("compatlib", "uv", "uv --generate-hashes", "pip")


def command(tool: str, reqs: Sequence[str], cache: Path, out: Path) -> list[str]:
    sources = [*_links(), "--offline"]
    if tool == "compatlib":
        return compatlib_cmd(reqs, cache, out, python=PYTHON, glibc=_glibc(), sources=sources)
    if tool in ("uv", "uv --generate-hashes"):
        return uv_cmd(
            reqs,
            cache,
            out,
            python=PYTHON,
            glibc=_glibc(),
            sources=["--no-index", *sources],
            hashes=tool == "uv --generate-hashes",
        )
    return pip_cmd(reqs, cache, out)


def run_once(
    tool: str, reqs: Sequence[str], work: Path, env: dict[str, str]
) -> tuple[float, dict[str, str]]:
    run_dir = Path(tempfile.mkdtemp(dir=work))
    cache = run_dir / "cache"  # empty: created by the tool
    out = run_dir / ("out.json" if tool in ("compatlib", "pip") else "out.txt")
    cmd = command(tool, reqs, cache, out)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{tool} failed on {' '.join(reqs)}:\n{proc.stderr[-2000:]}")
    versions = read_versions(tool, out)
    shutil.rmtree(run_dir, ignore_errors=True)
    return elapsed, versions


def bench(names: Sequence[str], repeat: int, bytecode: bool) -> tuple[list[Row], str]:
    """The timing rows, and the phase table of a fresh compatlib process per set."""
    work = Path(tempfile.mkdtemp(prefix="bench-lock-"))
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    env["UV_NO_CONFIG"] = "1"
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        for tool in TOOLS:  # warm-up: byte code and the OS file cache, untimed
            run_once(tool, SETS[names[0]], work, env)
        rows = []
        for name in names:
            row = Row(name)
            for _ in range(repeat):
                for tool in TOOLS:  # interleaved, so load changes hit every tool alike
                    elapsed, versions = run_once(tool, SETS[name], work, env)
                    row.times.setdefault(tool, []).append(elapsed)
                    row.versions[tool] = versions
            rows.append(row)
            print(_line(row), file=sys.stderr)
        return rows, phases(names, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _agree(row: Row) -> str:
    ours = row.versions["compatlib"]
    others = [t for t in TOOLS if t != "compatlib" and row.versions[t] != ours]
    return "yes" if not others else "differs from " + ", ".join(others)


def _line(row: Row) -> str:
    c = row.median("compatlib")
    return (
        f"{row.name:18s} {len(row.versions['compatlib']):3d} pkgs  compatlib {c:.2f}s  "
        f"uv {row.median('uv'):.2f}s  uv+hashes {row.median('uv --generate-hashes'):.2f}s  "
        f"pip {row.median('pip'):.2f}s  ours/uv {c / row.median('uv'):.1f}x  "
        f"pip/ours {row.median('pip') / c:.1f}x  same versions: {_agree(row)}"
    )


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| set | packages | compatlib lock | uv pip compile | uv + hashes | pip --dry-run "
        "| compatlib / uv | pip / compatlib | same versions |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r.median("compatlib")
        lines.append(
            f"| {r.name} | {len(r.versions['compatlib'])} | {c:.2f} s | {r.median('uv'):.2f} s "
            f"| {r.median('uv --generate-hashes'):.2f} s | {r.median('pip'):.2f} s "
            f"| {c / r.median('uv'):.1f}x | {r.median('pip') / c:.1f}x | {_agree(r)} |"
        )
    tot = {t: sum(r.median(t) for r in rows) for t in TOOLS}
    lines.append(
        f"| **all** | | {tot['compatlib']:.2f} s | {tot['uv']:.2f} s "
        f"| {tot['uv --generate-hashes']:.2f} s | {tot['pip']:.2f} s "
        f"| {tot['compatlib'] / tot['uv']:.1f}x | {tot['pip'] / tot['compatlib']:.1f}x | |"
    )
    return "\n".join(lines)


def _versions() -> str:
    uv = subprocess.run([find_uv(), "--version"], capture_output=True, text=True, check=False)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=False
    )
    return f"{uv.stdout.strip()}; pip {pip.stdout.split()[1]}; Python {platform.python_version()}"


def write_docs(text: str) -> None:
    from _docs import write_section  # benchmarks/_docs.py, beside this script

    write_section(DOCS, START, END, text)


def profile(name: str) -> None:
    """cProfile one compatlib lock run (in this process, empty cache): top functions."""
    import cProfile
    import pstats

    from compatlib.cli import lock

    with tempfile.TemporaryDirectory() as tmp:
        argv = command("compatlib", SETS[name], Path(tmp) / "cache", Path(tmp) / "out.json")[4:]
        prof = cProfile.Profile()
        prof.enable()
        code = lock.main(argv)
        prof.disable()
    if code != 0:
        raise SystemExit(f"compatlib lock failed with exit {code}")
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(35)


#: (module, class or "", function, label): the phases timed by --phases
PHASES = (
    ("compatlib.sources.pypi.findlinks", "FindLinks", "_table", "find-links folder scan"),
    ("compatlib.sources.pypi.repository", "PyPIRepository", "_metadata", "wheel metadata reads"),
    ("compatlib.resolve.layers", "Layers", "_framework_rules", "framework rules"),
    ("compatlib.resolve.solve", "", "solve", "solve (incl. the three before it)"),
    ("compatlib.lock.hashing", "HashingRepository", "digests", "sha256 wait after the solve"),
)


def phases_child(name: str) -> None:
    """In a fresh process: time imports, then the lock's phases (wall clock)."""
    import functools
    import importlib

    t0 = time.perf_counter()
    from compatlib.cli import lock

    for mod in (
        "compatlib.cli",
        "compatlib.lock.pip",
        "compatlib.resolve.solve",
        "compatlib.sources.pypi",
    ):
        importlib.import_module(mod)
    for mod in ("compatlib.stack.profile", "compatlib.solver.pubgrub", "compatlib.resolve.layers"):
        importlib.import_module(mod)
    imports = time.perf_counter() - t0
    timers: dict[str, float] = {}
    for mod_name, cls, func, label in PHASES:
        module = importlib.import_module(mod_name)
        owner = getattr(module, cls) if cls else module
        original = getattr(owner, func, None)
        if original is None:
            raise SystemExit(f"phase {label!r}: {mod_name}.{cls or ''}{func} no longer exists")

        def timed(*a: object, _f: object = original, _l: str = label, **k: object) -> object:
            start = time.perf_counter()
            try:
                return _f(*a, **k)  # type: ignore[operator]
            finally:
                timers[_l] = timers.get(_l, 0.0) + time.perf_counter() - start

        setattr(owner, func, functools.wraps(original)(timed))
    with tempfile.TemporaryDirectory() as tmp:
        argv = command("compatlib", SETS[name], Path(tmp) / "cache", Path(tmp) / "out.json")[4:]
        t1 = time.perf_counter()
        code = lock.main(argv)
        work = time.perf_counter() - t1
    if code != 0:
        raise SystemExit(f"compatlib lock failed with exit {code}")
    print(json.dumps({"imports": imports, "work": work, **timers}))


def phases(names: Sequence[str], env: dict[str, str]) -> str:
    """A table of where a fresh compatlib process spends its time, per set."""
    labels = ["imports", *(p[3] for p in PHASES), "work"]
    rows = []
    for name in names:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--phases-child", name],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        total = time.perf_counter() - start
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        cells = [f"{data.get(k, 0.0):.2f}" for k in labels]
        rows.append(f"| {name} | {total:.2f} | " + " | ".join(cells) + " |")
    head = "| set | process | " + " | ".join(labels) + " |"
    return "\n".join([head, "|---" * (len(labels) + 2) + "|", *rows])


HTTP_SETS = (["requests"], ["fastapi", "uvicorn"], ["transformers"])


def http_readahead(latencies: Sequence[float] = (0.0, 0.02, 0.05)) -> str:
    """Locks over HTTP (the mirror's simple index served on 127.0.0.1 with an added
    delay per request), reading ahead vs one request at a time: a table."""
    import http.server
    import threading

    sys.path.insert(0, str(ROOT / "tests" / "sources" / "pypi"))
    import pypi_builders

    from compatlib.lock.pip import lock_pip
    from compatlib.values.target import Target

    delay = {"s": 0.0}

    class Slow(pypi_builders._Handler):
        def do_GET(self) -> None:
            time.sleep(delay["s"])
            super().do_GET()

    state = pypi_builders.ServerState(root=Path("/opt/pypi"))
    handler = type("Handler", (Slow,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = f"http://127.0.0.1:{server.server_address[1]}/simple/"
    target = Target(python=PYTHON, platform="linux-64", glibc=f"{GLIBC[0]}.{GLIBC[1]}")
    lines = [
        "| set | delay per request | one at a time | reading ahead | requests | speed-up |",
        "|---|---|---|---|---|---|",
    ]
    try:
        with tempfile.TemporaryDirectory() as cache:  # warm-up: imports, untimed
            lock_pip(["requests"], target=target, indexes=[index], cache_dir=cache)
        for latency in latencies:
            delay["s"] = latency
            for reqs in HTTP_SETS:
                got: dict[bool, tuple[float, int, str]] = {}
                for ahead in (False, True):
                    with tempfile.TemporaryDirectory() as cache:
                        before = len(state.log)
                        start = time.perf_counter()
                        lock = lock_pip(
                            list(reqs),
                            target=target,
                            indexes=[index],
                            cache_dir=cache,
                            prefetch=ahead,
                        )
                        elapsed = time.perf_counter() - start
                        got[ahead] = (elapsed, len(state.log) - before, lock.to_json())
                if got[False][2] != got[True][2]:
                    raise SystemExit(f"reading ahead changed the lock of {reqs}")
                lines.append(
                    f"| {' '.join(reqs)} | {latency * 1000:.0f} ms | {got[False][0]:.2f} s "
                    f"| {got[True][0]:.2f} s | {got[False][1]} / {got[True][1]} "
                    f"| {got[False][0] / got[True][0]:.1f}x |"
                )
                print(lines[-1], file=sys.stderr)
    finally:
        server.shutdown()
        server.server_close()
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and set (median)")
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--no-bytecode", action="store_true", help="no byte-code cache")
    parser.add_argument("--profile", metavar="SET", help="cProfile compatlib on one set")
    parser.add_argument("--phases-child", metavar="SET", help=argparse.SUPPRESS)
    parser.add_argument(
        "--http-only", action="store_true", help="only the HTTP read-ahead comparison"
    )
    args = parser.parse_args(argv)
    if not FOLDERS[0].is_dir():
        raise SystemExit(f"the local PyPI mirror ({FOLDERS[0]}) is absent")
    if args.profile:
        profile(args.profile)
        return 0
    if args.phases_child:
        phases_child(args.phases_child)
        return 0
    if args.http_only:
        print(http_readahead())
        return 0
    names = args.sets.split(",") if args.sets else list(SETS)
    unknown = [n for n in names if n not in SETS]
    if unknown:
        raise SystemExit(f"unknown sets {unknown}; known: {', '.join(SETS)}")
    rows, phase_table = bench(names, args.repeat, bytecode=not args.no_bytecode)
    shown = table(rows)
    print(shown)
    print()
    print(phase_table)
    http_table = http_readahead()
    print()
    print(http_table)
    if args.write_docs:
        cmd = "python benchmarks/bench_lock.py --write-docs" + (
            f" --repeat {args.repeat}" if args.repeat != 3 else ""
        )
        if args.no_bytecode:
            cmd += " --no-bytecode"
        write_docs(
            "## `compatlib lock` vs uv vs pip (fresh process, empty cache)\n\n"
            f"`{cmd}`, on this 2-core machine ({_versions()}); median of "
            f"{args.repeat} runs per cell, tools interleaved. Each cell is one new "
            "process with an empty cache resolving the set for Python 3.11, linux-64 / "
            "x86_64, glibc 2.36, offline, find-links over the local mirror's wheel "
            "folders (/opt/pypi/files, /opt/pypi-more/files, /opt/wheels). "
            "`uv + hashes` is `uv pip compile --generate-hashes`: a compatlib lock always "
            "carries sha256 hashes, so that column is the like-for-like one. "
            "pip is `pip install --dry-run --report --only-binary=:all:` with every "
            "manylinux platform up to 2.36 listed.\n\n"
            + shown
            + "\n\nWhere a fresh `compatlib lock` process spends its time (seconds, "
            "one run per set, wall clock; `process` is the whole child process, which "
            "also loads this benchmark script and its own imports, so it is longer "
            "than a plain `compatlib lock`; `imports` is loading compatlib and its "
            "dependencies, `work` everything after; the middle columns are parts of "
            "`work`, and `solve` includes the scan, metadata and framework columns):\n\n"
            + phase_table
            + "\n\nOver HTTP: the mirror's simple index (/opt/pypi/simple) served on "
            "127.0.0.1 with a delay added to every request, locked in one process "
            "with an empty cache, reading ahead (the default for remote sources, "
            "`PrefetchingRepository`) vs one request at a time; `requests` counts "
            "the HTTP requests made (one at a time / reading ahead). Both give the "
            "same lock.\n\n" + http_table + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
