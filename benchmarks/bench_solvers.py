"""compatlib vs resolvelib on the same in-memory problems, in the same process.

Run: ``python benchmarks/bench_solvers.py [--repeat N] [--markdown]``

Families:
1. resolvelib's own Python cases (``../shared/peer-suites``, skipped when absent);
2. pubgrub's large registries: solve every (package, version);
3. a generated family that forces deep backtracking.

``--scaling`` instead solves the synthetic N x 10 family (:func:`synthetic`) for
growing N and prints time, decisions and the fitted growth exponent.

resolvelib runs through :mod:`compatlib.testing.resolvelib_oracle` (same index, same
rules). It is capped at ``--max-rounds`` (pip's default is 200,000; resolvelib's
own is 100); a capped run is reported as "too deep".
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _peers import find_uv, read_versions, uv_cmd

from compatlib import Index, Target, UnsatisfiableError, solve
from compatlib.solver.pubgrub import Solver
from compatlib.sources.memory import IndexRelease
from compatlib.testing.peer import load_case, load_index
from compatlib.testing.resolvelib_oracle import solve_with_resolvelib

PEER = Path(__file__).resolve().parents[2] / "shared" / "peer-suites"
PY38 = Target(python="3.8", platform="linux-64")


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best = float("inf")
    out: object = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def ours(reqs: list[str], index: Index, target: Target) -> str:
    try:
        solve(reqs, index=index, target=target, fixes=False)
    except UnsatisfiableError:
        return "unsat"
    return "solved"


def theirs(reqs: list[str], index: Index, target: Target, max_rounds: int) -> str:
    r = solve_with_resolvelib(reqs, index=index, target=target, max_rounds=max_rounds)
    if r.rounds_exceeded:
        return "too deep"
    return "unsat" if r.versions is None else "solved"


def partial_theirs(max_rounds: int) -> Callable[[list[str], Index, Target], str]:
    def run(reqs: list[str], index: Index, target: Target) -> str:
        return theirs(reqs, index, target, max_rounds)

    return run


def count_all(
    fn: Callable[[list[str], Index, Target], str],
    pairs: list[tuple[str, str]],
    index: Index,
    target: Target,
) -> str:
    """Solve every (package, version) pin; return "solved/total"."""
    solved = sum(fn([f"{n}=={v}"], index, target) == "solved" for n, v in pairs)
    return f"{solved}/{len(pairs)}"


def trap(depth: int, width: int) -> tuple[Index, list[str]]:
    """``p0..p{depth-1}`` with ``width`` versions each, chained; every version of
    the last needs a missing package except its oldest, which conflicts with the
    request. Naive backtracking tries width**depth combinations."""
    pk: dict[str, list[IndexRelease]] = {}
    for i in range(depth):
        rels = []
        for v in range(1, width + 1):
            if i < depth - 1:
                deps: tuple[str, ...] = (f"p{i + 1}",)
            else:
                deps = ("q==2",) if v == 1 else ("missing>=1",)
            rels.append(IndexRelease(str(v), deps))
        pk[f"p{i}"] = rels
    pk["q"] = [IndexRelease("1"), IndexRelease("2")]
    return Index(pk), ["p0", "q==1"]


def synthetic(n: int, versions: int = 10, seed: int = 0) -> tuple[Index, list[str]]:
    """``s0..s{n-1}`` with ``versions`` releases each; every release needs two to
    four of the next 20 packages, half the time with a lower bound and a fifth of
    the time with an upper bound, so bounds clash and the solver backtracks (about
    nine decisions per package). The request names every package."""
    rng = random.Random(seed)
    pk: dict[str, list[IndexRelease]] = {}
    for i in range(n):
        rels = []
        for v in range(1, versions + 1):
            deps = []
            for _ in range(rng.randint(2, 4) if i < n - 1 else 0):
                spec = f"s{rng.randint(i + 1, min(n - 1, i + 20))}"
                if rng.random() < 0.5:
                    spec += f">={rng.randint(1, versions)}"
                if rng.random() < 0.2:
                    spec += ("," if ">" in spec else "") + f"<{rng.randint(2, versions)}"
                deps.append(spec)
            rels.append(IndexRelease(str(v), tuple(dict.fromkeys(deps))))
        pk[f"s{i}"] = rels
    return Index(pk), [f"s{i}" for i in range(n)]


def write_wheels(n: int, folder: Path, versions: int = 10, seed: int = 0) -> Path:
    """The synthetic family as a find-links folder of tiny wheels (METADATA,
    WHEEL and RECORD only), written once per ``(n, versions, seed)`` and reused."""
    out = folder / f"synthetic-n{n}-v{versions}-s{seed}"
    if (out / ".complete").exists():
        return out
    index, _ = synthetic(n, versions, seed)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in index.packages():
        for version in index.versions(name):
            deps = index.release(name, version).requires
            info = f"{name}-{version}.dist-info"
            meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
                f"Requires-Dist: {d}\n" for d in deps
            )
            wheel = "Wheel-Version: 1.0\nGenerator: bench_solvers\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
            record = f"{info}/METADATA,,\n{info}/WHEEL,,\n{info}/RECORD,,\n"
            with zipfile.ZipFile(tmp / f"{name}-{version}-py3-none-any.whl", "w") as zf:
                zf.writestr(f"{info}/METADATA", meta)
                zf.writestr(f"{info}/WHEEL", wheel)
                zf.writestr(f"{info}/RECORD", record)
    (tmp / ".complete").touch()
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def in_process(fn: Callable[[], str], timeout: float) -> tuple[float, str]:
    """Run ``fn`` under a wall-clock limit (SIGALRM); ``"timeout"`` past it."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    t = time.perf_counter()
    try:
        result = fn()
    except _Timeout:
        result = "timeout"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return time.perf_counter() - t, result


def _count_lines(cmd: list[str], needle: bytes, env: dict[str, str], timeout: float) -> int:
    """Run ``cmd`` and count the stderr lines holding ``needle``, reading as it
    goes (uv's trace log is hundreds of megabytes at N = 1,000); -1 past ``timeout``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    count = 0
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if needle in line:
                count += 1
        proc.wait()
    finally:
        timer.cancel()
    return count if proc.returncode == 0 else -1


def run_uv(
    n: int, work: Path, timeout: float, count_decisions: bool
) -> tuple[float, float, int, str, dict[str, str]]:
    """``uv pip compile`` of the family from its wheel folder (``--no-index``,
    ``--offline``), once with an empty cache and once warm; with
    ``count_decisions``, once more with uv's resolver trace log on, counting its
    decisions ("Chose package for decision"; the "Selecting:" debug lines skip
    the decisions uv re-makes after a backjump). The output file is removed
    before each run: uv would otherwise read it back as preferences. Returns cold
    and warm seconds, decisions (-1 when not counted), the result and the pins."""
    links = write_wheels(n, work / "wheels")
    run_dir = Path(tempfile.mkdtemp(prefix=f"uv-n{n}-", dir=work))
    try:
        cache, out = run_dir / "cache", run_dir / "out.txt"
        reqs = [f"s{i}" for i in range(n)]
        cmd = uv_cmd(
            reqs,
            cache,
            out,
            python="3.12",
            glibc="2.36",
            sources=["--no-index", "--offline", "--python", sys.executable, "-f", str(links)],
        )
        times = []
        pins: dict[str, str] = {}
        for _ in range(2):
            out.unlink(missing_ok=True)
            t = time.perf_counter()
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return time.perf_counter() - t, math.nan, -1, "timeout", {}
            times.append(time.perf_counter() - t)
            if proc.returncode != 0:
                result = "unsat" if "unsatisfiable" in proc.stderr else "error"
                return times[0], math.nan, -1, result, {}
            pins = read_versions("uv", out)
        decisions = -1
        if count_decisions:
            out.unlink(missing_ok=True)
            env = {**os.environ, "RUST_LOG": "uv_resolver=trace"}
            decisions = _count_lines(cmd, b"Chose package for decision", env, timeout)
        result = "solved" if len(pins) == n else "partial"
        return times[0], times[1], decisions, result, pins
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def exponent(points: list[tuple[int, float]]) -> float:
    """Least-squares ``k`` in ``y ~ N**k`` over the finite positive points."""
    pts = [(math.log(n), math.log(y)) for n, y in points if y > 0 and math.isfinite(y)]
    if len(pts) < 2:
        return math.nan
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else math.nan


def _fmt(x: float, spec: str = ".2f") -> str:
    return "-" if not math.isfinite(x) else format(x, spec)


def _versions(reqs: list[str], index: Index, target: Target) -> dict[str, str] | str:
    try:
        res = solve(reqs, index=index, target=target, fixes=False)
    except UnsatisfiableError:
        return "unsat"
    return {name: str(v) for name, v in res.versions.items()}


def _resolvelib_versions(reqs: list[str], index: Index, target: Target) -> dict[str, str] | str:
    r = solve_with_resolvelib(reqs, index=index, target=target, max_rounds=10**9)
    if r.versions is None:
        return "unsat"
    return {name: str(v) for name, v in r.versions.items()}


def valid(index: Index, pins: dict[str, str], n: int) -> bool:
    """Whether ``pins`` name every ``s{i}`` and meet every requirement of each pin."""
    from packaging.requirements import Requirement

    if set(pins) != {f"s{i}" for i in range(n)}:
        return False
    for name, version in pins.items():
        for text in index.release(name, version).requires:
            req = Requirement(text)
            if not req.specifier.contains(pins[req.name]):
                return False
    return True


Row = tuple[int, str, float, int, str, str]  # N, tool, seconds, decisions, result, same


def _same(mine: dict[str, str] | str, theirs: dict[str, str]) -> str:
    if not isinstance(mine, dict) or not theirs:
        return "-"
    differ = sum(mine.get(k) != v for k, v in theirs.items()) + len(set(mine) - set(theirs))
    return "same" if not differ else f"{differ} differ"


def scaling(
    sizes: list[int],
    peers: set[str],
    timeout: float,
    work: Path,
    resolvelib_max_n: int,
    uv_decisions_max_n: int,
) -> int:
    """Time the synthetic family at each size for compatlib and its peers; fit
    ``t ~ N**k`` (and the decisions' growth) by least squares."""
    counts = {"compatlib": 0, "resolvelib": 0}
    decide = Solver._decide

    def counting(self: Solver[object, object, object], pid: int) -> None:
        counts["compatlib"] += 1
        decide(self, pid)

    Solver._decide = counting  # type: ignore[method-assign]
    # resolvelib: each candidate it tries to pin asks for its dependencies once
    from compatlib.testing import resolvelib_oracle

    deps = resolvelib_oracle._Provider.get_dependencies

    def counting_deps(self: Any, candidate: Any) -> Any:
        counts["resolvelib"] += 1
        return deps(self, candidate)

    resolvelib_oracle._Provider.get_dependencies = counting_deps  # type: ignore[method-assign]
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    uv_cold: dict[int, float] = {}
    target = Target(python="3.12")
    for n in sizes:
        index, reqs = synthetic(n)
        counts["compatlib"] = 0
        el, mine = in_process(partial(_versions, reqs, index, target), timeout)
        res = mine if isinstance(mine, str) else "solved" if valid(index, mine, n) else "INVALID"
        rows.append((n, "compatlib", el, counts["compatlib"], res, ""))
        print(
            f"compatlib N={n}: {el:.2f} s, {counts['compatlib']} decisions, {res}", file=sys.stderr
        )
        if "uv" in peers:
            cold, warm, dec, res, pins = run_uv(n, work, timeout, n <= uv_decisions_max_n)
            uv_cold[n] = cold
            if res == "solved" and not valid(index, pins, n):
                res = "INVALID"
            rows.append((n, "uv", warm, dec, res, _same(mine, pins)))
            print(
                f"uv N={n}: cold {cold:.2f} s, warm {warm:.2f} s, {dec} decisions, {res}",
                file=sys.stderr,
            )
        if "resolvelib" in peers and n <= resolvelib_max_n:
            counts["resolvelib"] = 0
            el, theirs_ = in_process(partial(_resolvelib_versions, reqs, index, target), timeout)
            res = (
                theirs_
                if isinstance(theirs_, str)
                else "solved"
                if valid(index, theirs_, n)
                else "INVALID"
            )
            same = _same(mine, theirs_) if isinstance(theirs_, dict) else "-"
            rows.append((n, "resolvelib", el, counts["resolvelib"], res, same))
            print(
                f"resolvelib N={n}: {el:.2f} s, {counts['resolvelib']} pins, {res}", file=sys.stderr
            )

    uv_version = ""
    if "uv" in peers:
        uv_version = subprocess.run([find_uv(), "--version"], capture_output=True, text=True).stdout
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {sys.platform}, "
        f"{os.cpu_count()} CPUs; limit {timeout:.0f} s per run; {uv_version.strip()}\n"
    )
    print("| N | tool | time (s) | decisions | ms per decision | result | versions vs compatlib |")
    print("|---:|---|---:|---:|---:|---|---|")
    for n, tool, el, dec, res, same in rows:
        shown = f"{el:.2f}" if res != "timeout" else f"> {timeout:.0f}"
        if tool == "uv":
            shown += f" (cold {uv_cold[n]:.2f})" if res != "timeout" else ""
        per = 1000 * el / dec if dec > 0 and res == "solved" else math.nan
        decs = f"{dec:,}" if dec >= 0 and res != "timeout" else "-"
        print(f"| {n:,} | {tool} | {shown} | {decs} | {_fmt(per, '.3f')} | {res} | {same or '-'} |")
    print("\n| tool | growth exponent of the time | of the decisions | over N |")
    print("|---|---:|---:|---|")
    # over every N, and over N >= 1,000 alone, where a process's start-up and
    # fixed costs (uv: about 0.1 s) no longer flatten the curve
    for tool in ("compatlib", "uv", "resolvelib"):
        solved = [r for r in rows if r[1] == tool and r[4] == "solved"]
        for done in (solved, [r for r in solved if r[0] >= 1000]):
            if len(done) < 2 or (done is not solved and len(done) == len(solved)):
                continue
            kt = exponent([(r[0], r[2]) for r in done])
            kd = exponent([(r[0], float(r[3])) for r in done if r[3] > 0])
            over = ", ".join(f"{r[0]:,}" for r in done)
            print(f"| {tool} | {_fmt(kt)} | {_fmt(kd)} | {over} |")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-rounds", type=int, default=2000)
    ap.add_argument("--scaling", action="store_true", help="time the synthetic N x 10 family")
    ap.add_argument("--sizes", default="100,300,1000,3000,10000", help="N values for --scaling")
    ap.add_argument(
        "--peers",
        default="uv,resolvelib",
        help="peers for --scaling, comma-separated (uv, resolvelib); empty: compatlib only",
    )
    ap.add_argument("--timeout", type=float, default=600, help="seconds per --scaling run")
    ap.add_argument(
        "--resolvelib-max-n", type=int, default=1000, help="largest N resolvelib is given"
    )
    ap.add_argument(
        "--uv-decisions-max-n",
        type=int,
        default=1000,
        help="largest N whose uv decisions are counted (one more uv run, with its trace log)",
    )
    ap.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "compatlib-bench-solvers",
        help="where --scaling writes the family's wheels (kept) and uv's caches (removed)",
    )
    args = ap.parse_args()
    if args.scaling:
        peers = {p for p in args.peers.split(",") if p}
        unknown = peers - {"uv", "resolvelib"}
        if unknown:
            ap.error(f"unknown peers: {', '.join(sorted(unknown))}")
        return scaling(
            [int(x) for x in args.sizes.split(",")],
            peers,
            args.timeout,
            args.work,
            args.resolvelib_max_n,
            args.uv_decisions_max_n,
        )
    rows: list[tuple[str, float, str, float, str]] = []

    cases = sorted((PEER / "resolvelib/python/inputs/case").glob("*.json")) if PEER.is_dir() else []
    for path in cases:
        case = load_case(path)
        index = case.index()
        reqs = list(case.requested)
        tc, rc = best_of(partial(ours, reqs, index, PY38), args.repeat)
        rep = 1 if case.name.startswith("pyrex") else args.repeat
        tr, rr = best_of(partial(theirs, reqs, index, PY38, args.max_rounds), rep)
        rows.append((f"resolvelib/{case.name}", tc, str(rc), tr, str(rr)))

    for path in sorted(PEER.glob("pubgrub/*.ron")) if PEER.is_dir() else []:
        index = load_index(path)
        pairs = [(n, v) for n in index.packages() for v in index.versions(n)]
        py = Target(python="3.12")

        tc, rc = best_of(partial(count_all, ours, pairs, index, py), 1)
        tr, rr = best_of(partial(count_all, partial_theirs(args.max_rounds), pairs, index, py), 1)
        rows.append((f"pubgrub/{path.stem} (all versions)", tc, str(rc), tr, str(rr)))

    for depth, width in ((4, 4), (6, 5), (8, 6)):
        index, reqs = trap(depth, width)
        tc, rc = best_of(partial(ours, reqs, index, PY38), args.repeat)
        tr, rr = best_of(partial(theirs, reqs, index, PY38, args.max_rounds), 1)
        rows.append((f"trap depth={depth} width={width}", tc, str(rc), tr, str(rr)))

    print(
        f"Python {platform.python_version()} on {platform.machine()}, {sys.platform}; "
        f"best of {args.repeat}; resolvelib capped at {args.max_rounds} rounds\n"
    )
    print("| problem | compatlib (s) | result | resolvelib (s) | result | ratio |")
    print("|---|---:|---|---:|---|---:|")
    tot_c = tot_r = 0.0
    for name, tc, rc, tr, rr in rows:
        ratio = tr / tc if tc > 0 else float("inf")
        print(f"| {name} | {tc:.4f} | {rc} | {tr:.4f} | {rr} | {ratio:.1f}x |")
        if name.startswith("resolvelib/") and "pyrex" not in name:
            tot_c += tc
            tot_r += tr
    if tot_c:
        print(
            f"\nresolvelib cases except pyrex, total: compatlib {tot_c:.4f} s, "
            f"resolvelib {tot_r:.4f} s ({tot_r / tot_c:.1f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
