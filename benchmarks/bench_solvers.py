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
import platform
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

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


def scaling(sizes: list[int]) -> int:
    """Time the synthetic family at each size; fit ``t ~ N**k`` by least squares."""
    decisions = 0
    decide = Solver._decide

    def counting(self: Solver[object, object, object], pid: int) -> None:
        nonlocal decisions
        decisions += 1
        decide(self, pid)

    Solver._decide = counting  # type: ignore[method-assign]
    print(f"Python {platform.python_version()} on {platform.machine()}, {sys.platform}\n")
    print("| N | packages x versions | time (s) | decisions | ms per decision | result |")
    print("|---:|---|---:|---:|---:|---|")
    points: list[tuple[float, float]] = []
    for n in sizes:
        index, reqs = synthetic(n)
        decisions = 0
        t = time.perf_counter()
        result = ours(reqs, index, Target(python="3.12"))
        elapsed = time.perf_counter() - t
        points.append((math.log(n), math.log(elapsed)))
        per = 1000 * elapsed / max(decisions, 1)
        print(f"| {n:,} | {n:,} x 10 | {elapsed:.2f} | {decisions:,} | {per:.3f} | {result} |")
    if len(points) > 1:
        mx = sum(x for x, _ in points) / len(points)
        my = sum(y for _, y in points) / len(points)
        k = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
        print(f"\nfitted growth exponent (t ~ N^k): k = {k:.2f}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-rounds", type=int, default=2000)
    ap.add_argument("--scaling", action="store_true", help="time the synthetic N x 10 family")
    ap.add_argument("--sizes", default="100,300,1000,3000", help="N values for --scaling")
    args = ap.parse_args()
    if args.scaling:
        return scaling([int(x) for x in args.sizes.split(",")])
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
