"""compatlib.values.pep508 against packaging.requirements: import, parse and marker evaluation cost.

Run: ``python benchmarks/bench_pep508.py [N]``.  Import times are the best of N
fresh interpreters, each timing only the import itself after ``packaging.specifiers``
is loaded (both modules need it), with byte code written to a private cache first.
Parse and evaluation times are per string over every ``Requires-Dist`` of the wheels
in the local mirror (``/opt/pypi/files``, ``/opt/pypi-more/files``), or over a small
built-in sample when the mirror is absent.
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

_SAMPLE = [
    "numpy>=1.22",
    "requests[socks]>=2.8,<3",
    "typing-extensions>=4.0; python_version < '3.11'",
    "pytest>=7; extra == 'test'",
    "colorama; sys_platform == 'win32'",
    "torch (>=2.1)",
    "foo @ https://example.org/foo-1.0-py3-none-any.whl ; python_version >= '3.9'",
    "importlib-metadata>=4.6; python_version < '3.10' and platform_python_implementation != 'PyPy'",
]

_ENV = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.9",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_release": "6.8.0",
    "platform_system": "Linux",
    "platform_version": "#1 SMP",
    "python_full_version": "3.11.9",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "sys_platform": "linux",
    "extra": "test",
}

_IMPORT = (
    "import time, packaging.specifiers, packaging.version{before}\n"
    "t = time.perf_counter()\n"
    "import {module}\n"
    "{after}\n"
    "print(time.perf_counter() - t)\n"
)


def _import_seconds(
    module: str, runs: int, env: dict[str, str], before: str = "", after: str = ""
) -> float:
    code = _IMPORT.format(module=module, before=before, after=after)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    best = float("inf")
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        )
        best = min(best, float(out.stdout))
    return best


def _corpus() -> list[str]:
    found: set[str] = set()
    parser = email.parser.HeaderParser()
    for folder in (Path("/opt/pypi/files"), Path("/opt/pypi-more/files")):
        for wheel in sorted(folder.glob("*.whl")) if folder.is_dir() else []:
            try:
                with zipfile.ZipFile(wheel) as archive:
                    names = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
                    if names:
                        text = archive.read(names[0]).decode("utf-8", "replace")
                        found.update(parser.parsestr(text).get_all("Requires-Dist") or [])
            except (zipfile.BadZipFile, OSError):
                continue
    return sorted(found) or _SAMPLE


def _per_item(func: object, items: list[str], rounds: int) -> float:
    from compatlib.values import pep508

    best = float("inf")
    for _ in range(rounds):
        pep508._clear_caches()  # each round starts cold, as a fresh process does
        t = time.perf_counter()
        for item in items:
            func(item)  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return best / len(items)


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="pyc-bench-pep508-") as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        alone = _import_seconds("compatlib.values.pep508", runs, env, before=", compatlib")
        ours = _import_seconds("compatlib.values.pep508", runs, env)
        first = _import_seconds(
            "compatlib.values.pep508",
            runs,
            env,
            after="compatlib.values.pep508.Requirement(\"numpy>=1.22; python_version < '3.10'\")",
        )
        theirs = _import_seconds("packaging.requirements, packaging.markers", runs, env)
        theirs_first = _import_seconds(
            "packaging.requirements, packaging.markers",
            runs,
            env,
            after="packaging.requirements.Requirement(\"numpy>=1.22; python_version < '3.10'\")",
        )
    print("import (after packaging.specifiers, best of", runs, "fresh processes):")
    print(f"  compatlib.values.pep508 alone (compatlib already imported) {alone * 1000:7.2f} ms")
    print(f"  compatlib.values.pep508 with the compatlib package         {ours * 1000:7.2f} ms")
    print(f"  compatlib.values.pep508 with the package, + first parse    {first * 1000:7.2f} ms")
    print(f"  packaging.requirements + packaging.markers          {theirs * 1000:7.2f} ms")
    print(f"  packaging.requirements + markers, + first parse     {theirs_first * 1000:7.2f} ms")

    from packaging.markers import Marker as PMarker
    from packaging.requirements import Requirement as PRequirement

    from compatlib.values.pep508 import Marker, Requirement

    corpus = _corpus()
    print(f"corpus: {len(corpus)} distinct Requires-Dist strings")
    ours_parse = _per_item(Requirement, corpus, 5)
    theirs_parse = _per_item(PRequirement, corpus, 5)
    print("parse, per string (uncached constructor):")
    print(f"  compatlib.values.pep508.Requirement       {ours_parse * 1e6:7.2f} us")
    print(f"  packaging.requirements.Requirement {theirs_parse * 1e6:7.2f} us")
    print(f"  speed-up {theirs_parse / ours_parse:.1f}x")

    marker_texts = sorted({t.split(";", 1)[1] for t in corpus if ";" in t})
    our_markers = [Marker(t) for t in marker_texts]
    their_markers = [PMarker(t) for t in marker_texts]

    def _eval_all(markers: list[Marker] | list[PMarker]) -> float:
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            for marker in markers:
                marker.evaluate(_ENV)
            best = min(best, time.perf_counter() - t)
        return best / len(markers)

    ours_eval = _eval_all(our_markers)
    theirs_eval = _eval_all(their_markers)
    print(f"evaluate, per marker ({len(marker_texts)} distinct markers, one environment):")
    print(f"  compatlib.values.pep508.Marker  {ours_eval * 1e6:7.2f} us")
    print(f"  packaging.markers.Marker {theirs_eval * 1e6:7.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
