"""Cost of ``import compatlib`` in a fresh interpreter (best of N runs).

Run: ``python benchmarks/bench_import.py [N]``. Reports the wall time of
``python -c "import compatlib"`` minus that of ``python -c "pass"``.
"""

from __future__ import annotations

import subprocess
import sys
import time


def best(code: str, n: int) -> float:
    out = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        out = min(out, time.perf_counter() - t)
    return out


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    base = best("pass", n)
    lib = best("import compatlib", n)
    api = best("import compatlib; compatlib.solve", n)
    print(f"bare interpreter: {base * 1000:.1f} ms")
    print(f"import compatlib: {(lib - base) * 1000:.1f} ms over the bare interpreter")
    print(f"import compatlib + first use of compatlib.solve: {(api - base) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
