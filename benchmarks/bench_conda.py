"""compatlib's conda solve vs py-rattler's, on real repodata, in one process and as processes.

    python benchmarks/bench_conda.py                 # print the tables
    python benchmarks/bench_conda.py --write-docs    # also update docs/benchmarks.md
    python benchmarks/bench_conda.py --repeat 9      # more runs per cell (median)
    python benchmarks/bench_conda.py --http          # the repodata served over HTTP

The problems read the peer repodata in place (``../shared/peer-suites/conda/channels``;
the script says so and stops when it is absent). Each run loads the channels and
solves, for both tools: compatlib through ``Channel.load`` (sparse: records are
built only for the names the solve reaches) and ``solve_conda``; rattler through
``SparseRepoData`` and ``solve_with_sparse_repodata``.

compatlib is timed three ways in the process: with no cache (every run parses
the repodata, as the first run on a machine does), with the indexed repodata
read back from its disk cache (a fresh process once the file has been read
before), and with the index already in memory (a process that solves more than
once). As processes, each cell is a new interpreter that imports, loads, solves
and prints its answer; compatlib's is run with an empty and with a warm disk
cache. Every answer is checked: both tools' solutions must meet every
``depends`` and ``constrains`` by compatlib's match-spec rules and pick a
record matching each requested spec; the table says whether they chose the same
versions (and builds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
CHANNELS = ROOT.parent / "shared" / "peer-suites" / "conda" / "channels"
START = "<!-- bench_conda:start -->"
END = "<!-- bench_conda:end -->"
HTTP_START = "<!-- bench_conda_http:start -->"
HTTP_END = "<!-- bench_conda_http:end -->"

MAIN = "conda-benchmarks__defaults-main-osx-64-2018.json"
PYTORCH = "rattler__pytorch-channel-linux-64.json"
PY39 = (
    "subchannel-demo__conda-forge-py39-linux-64.json",
    "subchannel-demo__conda-forge-py39-noarch.json",
)
LINUX = ("__glibc=2.35", "__linux=5.15", "__unix=0")
CUDA = ("__cuda=12.1", *LINUX)

# name -> (channels: [(channel name, [repodata files])] highest priority first, specs, virtual)
Problem = tuple[list[tuple[str, list[str]]], list[str], tuple[str, ...]]
PROBLEMS: dict[str, Problem] = {
    "defaults: python=3.6 numpy pandas scikit-learn": (
        [("pkgs/main", [MAIN])],
        ["python=3.6", "numpy", "pandas", "scikit-learn"],
        (),
    ),
    "defaults: tensorflow": ([("pkgs/main", [MAIN])], ["tensorflow"], ()),
    "defaults: python=3.7 scikit-learn pandas matplotlib": (
        [("pkgs/main", [MAIN])],
        ["python=3.7", "scikit-learn", "pandas", "matplotlib"],
        (),
    ),
    "pytorch: pytorch pytorch-cuda=12.1 (__cuda 12.1)": (
        [("pytorch", [PYTORCH])],
        ["pytorch", "pytorch-cuda=12.1"],
        CUDA,
    ),
    "pytorch + conda-forge: libfaiss (__cuda 12.1)": (
        [("pytorch", [PYTORCH]), ("conda-forge", list(PY39))],
        ["libfaiss"],
        CUDA,
    ),
    "conda-forge py39: python=3.9 pip": (
        [("conda-forge", list(PY39))],
        ["python=3.9", "pip"],
        LINUX,
    ),
    "conda-forge py39: python 3.9.* openssl <3": (
        [("conda-forge", list(PY39))],
        ["python 3.9.*", "openssl <3"],
        LINUX,
    ),
}

#: a big channel, as conda-forge's subdirs are (100-300 MB): the ``main`` subdir
#: and 19 renamed copies of its entries, written once into the temporary folder
BIG = Path(tempfile.gettempdir()) / "compatlib-bench-conda" / "defaults-main-x20-osx-64.json"
BIG_COPIES = 20
BIG_LABEL = "defaults x20 (108 MB, made here): python=3.6 numpy pandas scikit-learn"
PROBLEMS[BIG_LABEL] = (
    [("pkgs/main", [str(BIG)])],
    ["python=3.6", "numpy", "pandas", "scikit-learn"],
    (),
)


def big_document() -> None:
    """Write :data:`BIG` unless it is there: copy 0 keeps the names, copy i
    renames every package to ``<name>-copy<i>`` (so the solve reaches copy 0)."""
    if BIG.exists():
        return
    doc = json.loads((CHANNELS / MAIN).read_text(encoding="utf-8"))
    packages: dict[str, Any] = {}
    for i in range(BIG_COPIES):
        for fn, entry in doc["packages"].items():
            if i == 0:
                packages[fn] = entry
                continue
            name = f"{entry['name']}-copy{i}"
            packages[name + fn[len(entry["name"]) :]] = {**entry, "name": name}
    doc["packages"] = packages
    BIG.parent.mkdir(parents=True, exist_ok=True)
    part = BIG.with_suffix(".part")
    part.write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
    part.replace(BIG)


Answer = list[tuple[str, str, str]] | None  # (name, version, build); None: unsatisfiable


def _subdir(filename: str) -> str:
    for sd in ("linux-64", "osx-64", "noarch"):
        if sd in filename:
            return sd
    raise ValueError(filename)


# -- the two solvers ----------------------------------------------------------------


def solve_compatlib(
    problem: Problem, *, cache: bool = True, cache_dir: str | None = None, base_url: str = ""
) -> Answer:
    """Load the problem's channels sparsely and solve with compatlib (from
    ``base_url`` over HTTP, with a fetcher caching in ``cache_dir``, when given)."""
    from compatlib.resolve.conda_solve import solve_conda
    from compatlib.solver.errors import UnsatisfiableError
    from compatlib.sources.conda import Channel
    from compatlib.sources.conda.channel import Channels
    from compatlib.sources.conda.repodata import load_sparse_repodata
    from compatlib.sources.fetch import Fetcher

    channels, specs, virtual = problem
    fetcher = Fetcher(cache_dir=cache_dir, progress=False) if base_url else None
    loaded = []
    for name, files in channels:
        docs = [
            doc
            for f in files
            for doc in load_sparse_repodata(
                f"{base_url}/{f}" if base_url else CHANNELS / f,
                _subdir(f),
                channel=name,
                cache=cache,
                cache_dir=cache_dir,
                fetcher=fetcher,
            )
        ]
        loaded.append(Channel(name=name, documents=docs))
    try:
        found = solve_conda(specs, channels=Channels(loaded), virtual_packages=list(virtual))
    except UnsatisfiableError:
        return None
    return sorted((r.name, str(r.version), r.build) for r in found.records)


def solve_rattler(problem: Problem) -> Answer:
    """Load the problem's channels as rattler's ``SparseRepoData`` and solve."""
    import rattler
    from rattler.exceptions import SolverError

    channels, specs, virtual = problem
    sources = []
    for name, files in channels:
        ch = rattler.Channel(name)
        sources.extend(rattler.SparseRepoData(ch, _subdir(f), str(CHANNELS / f)) for f in files)
    vps = []
    for text in virtual:
        vname, _, version = text.partition("=")
        vps.append(
            rattler.GenericVirtualPackage(
                rattler.PackageName(vname), rattler.Version(version), rattler.BuildString("0")
            )
        )
    try:
        found = asyncio.run(
            rattler.solve_with_sparse_repodata(list(specs), sources, virtual_packages=vps)
        )
    except SolverError:
        return None
    return sorted((r.name.normalized, str(r.version), str(r.build)) for r in found)


# -- checking answers ----------------------------------------------------------------


def check(problem: Problem, answer: Answer) -> str | None:
    """Why ``answer`` is not a valid solution of ``problem`` (``None``: it is)."""
    if answer is None:
        return None
    from compatlib.sources.conda import Channel
    from compatlib.sources.conda.matchspec import parse_matchspec
    from compatlib.sources.conda.virtual import virtual_record

    channels, specs, virtual = problem
    pool = [Channel.load(CHANNELS / f, _subdir(f)) for _, files in channels for f in files]
    chosen: dict[str, Any] = {}
    for name, version, build in answer:
        recs = [
            r
            for ch in pool
            for r in ch.records(name)
            if str(r.version) == version and r.build == build
        ]
        if not recs:
            return f"{name} {version} {build} is in no channel"
        chosen[name] = recs[-1]
    present = dict(chosen)
    for text in virtual:
        vname, _, version = text.partition("=")
        present[vname] = virtual_record(vname, version, None, "")
    for text in specs:
        spec = parse_matchspec(text)
        if spec.name not in chosen or not spec.match(chosen[spec.name]):
            return f"the request {text!r} is not met"
    for rec in chosen.values():
        for text in rec.depends:
            spec = parse_matchspec(text)
            if spec.name not in present or not spec.match(present[spec.name]):
                return f"{rec} needs {text}"
        for text in rec.constrains:
            spec = parse_matchspec(text)
            if spec.name in present and not spec.match(present[spec.name]):
                return f"{rec} limits {text}"
    return None


def compare(problem: Problem, ours: Answer, theirs: Answer) -> str:
    """How the two answers relate, for the table."""
    bad = [
        f"{who}: {why}"
        for who, a in (("compatlib", ours), ("rattler", theirs))
        if (why := check(problem, a))
    ]
    if bad:
        return "INVALID (" + "; ".join(bad) + ")"
    if ours is None and theirs is None:
        return "both unsatisfiable"
    if ours is None or theirs is None:
        return "DIFFER: " + ("compatlib" if ours is None else "rattler") + " found none"
    if ours == theirs:
        return "same versions and builds"
    if [a[:2] for a in ours] == [a[:2] for a in theirs]:
        return "same versions (builds differ), both valid"
    return "versions differ, both valid"


# -- timing ----------------------------------------------------------------------------


def in_process(repeat: int, cache_dir: str) -> list[dict[str, Any]]:
    """Each problem ``repeat`` times in every mode, the modes interleaved; medians."""
    from compatlib.sources.conda.repodata import clear_memory_cache

    def cold(p: Problem) -> Answer:
        return solve_compatlib(p, cache=False)

    def disk(p: Problem) -> Answer:
        clear_memory_cache()  # not timed apart: it only drops references
        return solve_compatlib(p, cache_dir=cache_dir)

    def memory(p: Problem) -> Answer:
        return solve_compatlib(p, cache_dir=cache_dir)

    modes: dict[str, Callable[[Problem], Answer]] = {
        "cold": cold,
        "disk": disk,
        "memory": memory,
        "rattler": solve_rattler,
    }
    rows = []
    for label, problem in PROBLEMS.items():
        ours = solve_compatlib(problem, cache_dir=cache_dir)  # fills the disk cache
        theirs = solve_rattler(problem)
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(repeat):
            for mode, fn in modes.items():
                start = time.perf_counter()
                got = fn(problem)
                times[mode].append(time.perf_counter() - start)
                assert got == (theirs if mode == "rattler" else ours), (label, mode)
        rows.append(
            {
                "problem": label,
                "records": "unsat" if ours is None else str(len(ours)),
                **{mode: statistics.median(t) for mode, t in times.items()},
                "answers": compare(problem, ours, theirs),
            }
        )
    return rows


def _child(args: list[str], env: dict[str, str]) -> tuple[float, Answer]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{args}: exit {done.returncode}\n{done.stderr[-2000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, None if answer is None else [tuple(x) for x in answer]


def over_http(repeat: int) -> list[dict[str, Any]]:
    """The real problems with the repodata served over HTTP from this machine
    (a threaded ``http.server``, which answers If-Modified-Since): cold (empty
    HTTP and index caches: fetch, scan, write both) and warm (both caches
    filled, a new process's memory: revalidate, read the index back), next to
    the local file with an empty cache and rattler on the local file."""
    import functools
    import http.server
    import threading

    from compatlib.sources.conda.repodata import clear_memory_cache

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(CHANNELS))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    try:
        for label, problem in PROBLEMS.items():
            if label == BIG_LABEL:
                continue
            warm_dir = tempfile.mkdtemp(prefix="bench-conda-http-")
            want = solve_compatlib(problem, cache_dir=warm_dir, base_url=base)
            times: dict[str, list[float]] = {"cold": [], "warm": [], "local": [], "rattler": []}
            for _ in range(repeat):
                for mode in times:
                    clear_memory_cache()
                    start = time.perf_counter()
                    got = _http_run(mode, problem, base, warm_dir)
                    times[mode].append(time.perf_counter() - start)
                    if mode != "rattler":
                        assert got == want, (label, mode)
            rows.append({"problem": label, **{m: statistics.median(t) for m, t in times.items()}})
    finally:
        server.shutdown()
    return rows


def _http_run(mode: str, problem: Problem, base: str, warm_dir: str) -> Answer:
    """One run of :func:`over_http`'s ``mode``."""
    if mode == "rattler":
        return solve_rattler(problem)
    if mode == "warm":
        return solve_compatlib(problem, cache_dir=warm_dir, base_url=base)
    fresh = tempfile.mkdtemp(prefix=f"bench-conda-{mode}-")
    return solve_compatlib(problem, cache_dir=fresh, base_url=base if mode == "cold" else "")


def render_http(rows: list[dict[str, Any]], command: str, repeat: int) -> str:
    lines = [
        f"`{command}`: the real problems with their repodata served over HTTP from this "
        f"machine (`http.server`, which answers If-Modified-Since); median of {repeat} "
        "runs, seconds, in one process. `cold`: empty HTTP and index caches (fetch, scan, "
        "write both); `warm`: both caches filled, the process's memory empty (revalidate, "
        "read the index back); `local`: the same document as a local file, empty cache; "
        "rattler reads the local file. Ratios are compatlib / rattler.",
        "",
        "| problem | over HTTP, cold | over HTTP, warm | local file, empty cache | py-rattler (local) "
        "| ratio (cold) | ratio (warm) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['problem']} | {_s(r['cold'])} | {_s(r['warm'])} | {_s(r['local'])} | "
            f"{_s(r['rattler'])} | {r['cold'] / r['rattler']:.1f}x | "
            f"{r['warm'] / r['rattler']:.1f}x |"
        )
    tot = {k: sum(r[k] for r in rows) for k in ("cold", "warm", "local", "rattler")}
    lines.append(
        f"| **all real** | {_s(tot['cold'])} | {_s(tot['warm'])} | {_s(tot['local'])} | "
        f"{_s(tot['rattler'])} | {tot['cold'] / tot['rattler']:.1f}x | "
        f"{tot['warm'] / tot['rattler']:.1f}x |"
    )
    return "\n".join(lines) + "\n"


def as_processes(repeat: int, cache_dir: str) -> list[dict[str, Any]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    rows = []
    for label in PROBLEMS:
        cold_dir = tempfile.mkdtemp(prefix="bench-conda-cold-")
        runs: dict[str, list[float]] = {"cold": [], "disk": [], "rattler": []}
        answers: dict[str, Answer] = {}
        _child(["--child", "compatlib", label, cache_dir], env)  # byte code, disk cache
        _child(["--child", "rattler", label], env)
        for i in range(repeat):
            # tools interleaved; the cold run gets a cache folder of its own each time
            cold = os.path.join(cold_dir, str(i))
            t, answers["cold"] = _child(["--child", "compatlib", label, cold], env)
            runs["cold"].append(t)
            t, answers["disk"] = _child(["--child", "compatlib", label, cache_dir], env)
            runs["disk"].append(t)
            t, answers["rattler"] = _child(["--child", "rattler", label], env)
            runs["rattler"].append(t)
        assert answers["cold"] == answers["disk"], label
        rows.append(
            {
                "problem": label,
                **{k: statistics.median(v) for k, v in runs.items()},
                "answers": compare(PROBLEMS[label], answers["disk"], answers["rattler"]),
            }
        )
    return rows


def child(tool: str, label: str, cache_dir: str | None) -> None:
    problem = PROBLEMS[label]
    if tool == "compatlib":
        answer = solve_compatlib(problem, cache_dir=cache_dir)
    else:
        answer = solve_rattler(problem)
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    os._exit(0)  # py-rattler 0.28 can crash while the interpreter shuts down


# -- output ------------------------------------------------------------------------------


def _s(t: float) -> str:
    return f"{t:.3f}"


def render(
    inproc: list[dict[str, Any]], procs: list[dict[str, Any]], command: str, repeat: int
) -> str:
    import rattler

    version = getattr(rattler, "__version__", "?")
    lines = [
        "## Conda: compatlib vs py-rattler",
        "",
        f"`{command}`, on the project's 2-core machine (py-rattler {version}, Python "
        f"{platform.python_version()}); median of {repeat} runs per cell, seconds. Each run "
        "loads the channels from the peer repodata and solves. `no cache`: compatlib reads "
        "the repodata on every run (scans its text; decodes the entries the solve reaches); "
        "`disk cache`: the indexed repodata is read back "
        "from compatlib's cache folder (any run after the first on a machine); `in memory`: the "
        "index is already in the process (a process that solves more than once). rattler reads "
        "`SparseRepoData` each run. Ratios are compatlib / rattler. `all real` sums the "
        "problems on real repodata; the last row is a channel of the size of conda-forge's "
        "subdirs made here from the `main` subdir (it and 19 renamed copies of its entries).",
        "",
        "In one process:",
        "",
        "| problem | packages | compatlib, no cache | compatlib, disk cache | compatlib, in memory "
        "| py-rattler | ratio (no cache) | ratio (disk cache) | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    real = [r for r in inproc if r["problem"] != BIG_LABEL]
    for r in [*real, None, *(r for r in inproc if r["problem"] == BIG_LABEL)]:
        if r is None:  # the total over the real repodata, then the big channel made here
            tot = {k: sum(r[k] for r in real) for k in ("cold", "disk", "memory", "rattler")}
            lines.append(
                f"| **all real** | | {_s(tot['cold'])} | {_s(tot['disk'])} | "
                f"{_s(tot['memory'])} | {_s(tot['rattler'])} | "
                f"{tot['cold'] / tot['rattler']:.1f}x | {tot['disk'] / tot['rattler']:.1f}x | |"
            )
            continue
        lines.append(
            f"| {r['problem']} | {r['records']} | {_s(r['cold'])} | {_s(r['disk'])} | "
            f"{_s(r['memory'])} | {_s(r['rattler'])} | {r['cold'] / r['rattler']:.1f}x | "
            f"{r['disk'] / r['rattler']:.1f}x | {r['answers']} |"
        )
    if procs:
        lines += [
            "",
            "As processes (one new interpreter per cell: imports, load, solve, print the answer):",
            "",
            "| problem | compatlib, empty cache | compatlib, disk cache | py-rattler "
            "| ratio (empty cache) | ratio (disk cache) | answers |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        real = [r for r in procs if r["problem"] != BIG_LABEL]
        for r in [*real, None, *(r for r in procs if r["problem"] == BIG_LABEL)]:
            if r is None:
                tot = {k: sum(r[k] for r in real) for k in ("cold", "disk", "rattler")}
                lines.append(
                    f"| **all real** | {_s(tot['cold'])} | {_s(tot['disk'])} | "
                    f"{_s(tot['rattler'])} | {tot['cold'] / tot['rattler']:.1f}x | "
                    f"{tot['disk'] / tot['rattler']:.1f}x | |"
                )
                continue
            lines.append(
                f"| {r['problem']} | {_s(r['cold'])} | {_s(r['disk'])} | {_s(r['rattler'])} | "
                f"{r['cold'] / r['rattler']:.1f}x | {r['disk'] / r['rattler']:.1f}x | "
                f"{r['answers']} |"
            )
    return "\n".join(lines) + "\n"


def write_docs(text: str) -> None:
    from _docs import write_section  # benchmarks/_docs.py, beside this script

    write_section(DOCS, START, END, text)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-processes", action="store_true", help="only the in-process table")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--http", action="store_true", help="only the table of repodata served over HTTP"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tool, label, *rest = args.child
        child(tool, label, rest[0] if rest else None)
    if not (CHANNELS / MAIN).exists():
        sys.exit(f"peer repodata not found in {CHANNELS}: nothing to measure")
    big_document()
    try:
        import rattler  # noqa: F401
    except ImportError:
        sys.exit("py-rattler is not installed: pip install py-rattler")
    command = "python benchmarks/bench_conda.py" + "".join(
        f" {a}" for a in (argv if argv is not None else sys.argv[1:])
    )
    if args.http:
        text = render_http(over_http(args.repeat), command, args.repeat)
        sys.stdout.write(text)
        if args.write_docs:
            from _docs import write_section  # benchmarks/_docs.py, beside this script

            write_section(DOCS, HTTP_START, HTTP_END, text)
        sys.stdout.flush()
        os._exit(0)  # py-rattler 0.28 can crash while the interpreter shuts down
    with tempfile.TemporaryDirectory(prefix="bench-conda-") as cache_dir:
        inproc = in_process(args.repeat, cache_dir)
        procs = [] if args.no_processes else as_processes(args.repeat, cache_dir)
    text = render(inproc, procs, command, args.repeat)
    sys.stdout.write(text)
    if args.write_docs:
        write_docs(text)
    sys.stdout.flush()
    os._exit(0)  # py-rattler 0.28 can crash while the interpreter shuts down


if __name__ == "__main__":
    main()
