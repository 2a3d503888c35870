"""The import budget of every command-line path.

Each path runs in a fresh interpreter, offline, on small real inputs made here
(a find-links folder of real wheels, a local conda channel, the shipped
snapshot), and records which heavy modules it loaded. Each path has its own
allow-list below: what it loads today, so the test documents the cost of each
command and a new heavy import on any path fails. When a heavy import goes away,
drop it from the list.

A module counts as loaded when the command (``compatlib.cli.app.main``, as the
``compatlib`` script runs it) brings it in: what the interpreter had loaded
before (``site``, ``.pth`` files) is not counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

for _builders in ("pypi", "conda"):
    _folder = str(Path(__file__).resolve().parents[1] / "sources" / _builders)
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from conda_builders import tiny_channel  # noqa: E402
from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

#: Modules worth counting: costly to import, or a sign that a path reaches a
#: layer it should not. A loaded module counts as the first entry it equals or
#: lies under (``email.utils`` counts as ``email``).
HEAVY = (
    # standard library
    "dataclasses",
    "inspect",
    "json",
    "email",
    "urllib.request",
    "http.client",
    "ssl",
    "zipfile",
    "tarfile",
    "bz2",
    "lzma",
    "logging",
    "subprocess",
    "asyncio",
    "concurrent.futures",
    "tomllib",
    # third party
    "typing_extensions",
    "packaging.version",
    "packaging.specifiers",
    "packaging.requirements",  # packaging's PEP 508 parser ...
    "packaging.markers",
    "packaging._parser",  # ... and its grammar
    "packaging.tags",
    "packaging.utils",
    "packaging.metadata",
    "yaml",
    "networkx",
    "zstandard",
    "azure",
    "conda_lock",
    "resolvelib",
    # compatlib modules only some paths need
    "compatlib.testing",
    "compatlib.solver.explanation",
    "compatlib.resolve.fixes",
    "compatlib.resolve.universal",
    "compatlib.specs.environment",
    "compatlib.specs.pyproject",
    "compatlib.stack.knowledge",
)

# -- what each path may load (measured; keep sorted) -------------------------------

_BASE = {"json"}  # the command line itself (compatlib.cli.app prints JSON)
_PIP_LOCK = _BASE | {
    "compatlib.stack.knowledge",  # the target's glibc and driver facts
    "dataclasses",  # compatlib.specs.model, compatlib.specs.requirements
    "inspect",  # with dataclasses
    "packaging.specifiers",  # compatlib.values.pep508: version sets
    "packaging.version",
}
# bz2, lzma: shutil, which argparse's default HelpFormatter imports (cli/stack.py's
# parent parser for --json uses it)
_STACK = _BASE | {"bz2", "compatlib.stack.knowledge", "lzma"}
_STACK_BUILDS = _STACK | {
    "dataclasses",  # compatlib.stack.frameworks
    "inspect",
    "packaging.specifiers",
    "packaging.version",
}

# No subcommand named: every subcommand's parser is built: cli/stack's parent parser
# (shutil: bz2, lzma) and graph's --format choices (compatlib.lock.graph, whose canonical
# names need packaging.version); never networkx, which only the graph commands run on.
_TOP = _BASE | {"bz2", "lzma", "packaging.version"}

ALLOWED: dict[str, set[str]] = {
    "--version": _TOP,
    "--help": _TOP,
    "lock -r requirements.txt --find-links DIR": _PIP_LOCK,
    "lock -r examples/requirements-ml.txt --snapshot": _PIP_LOCK,
    "lock -f environment.yml --channel DIR": _BASE
    | {
        "bz2",  # compatlib.sources.conda.repodata: repodata.json.bz2
        "compatlib.specs.environment",
        "compatlib.stack.knowledge",  # the lock records the knowledge base's as_of date
        "dataclasses",
        "inspect",
        "packaging.specifiers",
        "packaging.version",
        "yaml",
    },
    # subprocess: it runs the interpreter; shutil (bz2, lzma): stack.detect's `which`
    "check lock.json": _PIP_LOCK | {"bz2", "lzma", "subprocess"},
    "export --format requirements": _BASE,
    "export --format pylock": _BASE | {"packaging.version"},
    "export --format conda-lock": _BASE | {"yaml"},
    "export --format explicit": _BASE,
    "export --format environment": _BASE | {"yaml"},
    "stack min-driver": _STACK,
    "stack newest": _STACK_BUILDS,
    "stack matrix": _STACK_BUILDS,
    "solve INDEX": _BASE
    | {
        "compatlib.testing",  # the peer-suite index readers: only this command
        "dataclasses",
        "inspect",
        "logging",  # packaging.tags
        "packaging.specifiers",
        "packaging.tags",  # packaging.utils, for canonical names
        "packaging.utils",
        "packaging.version",
        "subprocess",  # packaging.tags
        "tomllib",
    },
}

# -- running a path ----------------------------------------------------------------

_DRIVER = """\
import sys
before = set(sys.modules)
from compatlib.cli.app import main
try:
    code = main(sys.argv[2:])
finally:
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write("\\n".join(sorted(set(sys.modules) - before)))
raise SystemExit(code)
"""


def heavy_modules(loaded: Iterator[str] | list[str]) -> set[str]:
    out = set()
    for module in loaded:
        for name in HEAVY:
            if module == name or module.startswith(name + "."):
                out.add(name)
                break
    return out


def _run(argv: list[str], record: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", _DRIVER, str(record), *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# -- the inputs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each command line of :data:`ALLOWED`, with its inputs made."""
    tmp = tmp_path_factory.mktemp("budget")
    links = tmp / "links"
    build_wheel(links, "web", "1.0", requires=["core>=1"])
    build_wheel(links, "web", "1.1", requires=["core>=2"])
    build_wheel(links, "core", "1.0")
    build_wheel(links, "core", "2.0", "cp311-cp311-manylinux_2_17_x86_64")
    requirements = tmp / "requirements.txt"
    requirements.write_text("web>=1.0\n", encoding="utf-8")
    channel = tiny_channel(tmp / "channel")
    environment = tmp / "environment.yml"
    environment.write_text(
        "name: budget\ndependencies:\n  - python=3.11\n  - tinyconda\n", encoding="utf-8"
    )
    cache = ["--offline", "--cache-dir", str(tmp / "cache")]
    pip_lock = [
        "lock",
        "-r",
        str(requirements),
        "--find-links",
        str(links),
        *cache,
        "--python",
        "3.11",
        "--platform",
        "linux-64",
    ]
    conda_lock = ["lock", "-f", str(environment), "--channel", str(channel), *cache]
    # the locks that check and export read, made in this process
    lock_json, conda_json = tmp / "lock.json", tmp / "conda-lock.json"
    assert main([*pip_lock, "-o", str(lock_json)]) == 0
    assert main([*conda_lock, "-o", str(conda_json)]) == 0
    return {
        "--version": ["--version"],
        "--help": ["--help"],
        "lock -r requirements.txt --find-links DIR": pip_lock,
        # the README's quick start, word for word
        "lock -r examples/requirements-ml.txt --snapshot": [
            "lock",
            "-r",
            "examples/requirements-ml.txt",
            "--snapshot",
            "--python",
            "3.11",
            "--platform",
            "linux-64",
        ],
        "lock -f environment.yml --channel DIR": conda_lock,
        "check lock.json": ["check", str(lock_json)],
        **{
            f"export --format {fmt}": [
                "export",
                str(conda_json if fmt in ("conda-lock", "explicit", "environment") else lock_json),
                "--format",
                fmt,
            ]
            for fmt in ("requirements", "pylock", "conda-lock", "explicit", "environment")
        },
        "stack min-driver": ["stack", "min-driver", "12.1"],
        "stack newest": [
            "stack",
            "newest",
            "torch",
            "--system",
            "driver=470.82.01,gpu=V100",
            "--python",
            "3.10",
        ],
        "stack matrix": ["stack", "matrix", "torch", "--markdown"],
        "solve INDEX": ["solve", "examples/quickstart.toml", "trainer", "--python", "3.11"],
    }


@pytest.mark.parametrize("path", sorted(ALLOWED))
def test_import_budget(path: str, paths: dict[str, list[str]], tmp_path: Path) -> None:
    record = tmp_path / "modules.txt"
    res = _run(paths[path], record)
    # check exits 1 here: this interpreter is not the environment the lock describes
    assert res.returncode in ((0, 1) if path.startswith("check") else (0,)), res.stderr[-2000:]
    loaded = heavy_modules(record.read_text(encoding="utf-8").split())
    extra = sorted(loaded - ALLOWED[path])
    assert extra == [], (
        f"`compatlib {path}` now loads {extra}: load them only where needed (a local "
        f"import with a reason), or add them to ALLOWED with why (it loads {sorted(loaded)})"
    )


def test_every_path_is_measured(paths: dict[str, list[str]]) -> None:
    assert sorted(paths) == sorted(ALLOWED)


def test_the_count_sees_heavy_modules(tmp_path: Path) -> None:
    """The driver records what a command loads (a guard that could never fail
    would be worth nothing): ``solve`` loads the peer-suite readers."""
    record = tmp_path / "modules.txt"
    res = _run(["solve", "examples/quickstart.toml", "trainer", "--python", "3.11"], record)
    assert res.returncode == 0, res.stderr
    assert "compatlib.testing" in heavy_modules(record.read_text(encoding="utf-8").split())
    assert heavy_modules(["email.utils", "packaging._parser", "packaging", "os"]) == {
        "email",
        "packaging._parser",
    }
