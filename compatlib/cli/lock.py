"""``compatlib lock``: pin an environment for one or more targets (parsing and printing only).

Exit codes: 0 locked, 1 unsatisfiable (the explanation on stderr), 2 bad input
or an unreadable source (one line on stderr, no traceback). ``-o`` is written
atomically and only after a successful lock, so a failed run never damages a
good lock file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from compatlib._atomic import write_atomic
from compatlib.lock.render import FORMATS as _RENDERINGS

if TYPE_CHECKING:
    from compatlib.lock.build import LockRequest
    from compatlib.lock.model import Lock

__all__ = ["FORMATS", "add_parser", "main", "run", "write_atomic"]

EXIT_OK = 0
EXIT_UNSAT = 1
EXIT_INPUT = 2

FORMATS: tuple[str, ...] = tuple(_RENDERINGS)
"""Output formats of ``--format`` (see :mod:`compatlib.lock.render`)."""

_PROG = "compatlib lock"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``lock`` subcommand to ``sub`` (an ``add_subparsers()`` result)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "lock",
        help="pin pip (and conda) packages for a target into a lock file",
        description=(
            "Resolve requirements against PyPI-style indexes and find-links folders for "
            "a target (Python, platform, system) and write a lock: one file per package "
            "with its URL and hashes. Exit 0: locked; 1: unsatisfiable (explanation on "
            "stderr); 2: bad input or an unreadable source."
        ),
    )
    _arguments(p)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    """All options of ``compatlib lock``, in the order ``--help`` lists them."""
    _input_arguments(p)
    _source_arguments(p)
    _target_arguments(p)
    _resolver_arguments(p)
    _output_arguments(p)


def _input_arguments(p: argparse.ArgumentParser) -> None:
    """What to lock: requirements, requirements files, spec files."""
    p.add_argument(
        "requirements",
        nargs="*",
        metavar="REQ",
        help="PEP 508 requirements (conda match specs with --channel)",
    )
    p.add_argument(
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="a requirements file (pip syntax) or pyproject.toml; repeatable",
    )
    p.add_argument(
        "-f",
        "--file",
        action="append",
        default=[],
        metavar="FILE",
        help="a spec file: environment.yml, Azure ML environment, requirements, pyproject",
    )


def _source_arguments(p: argparse.ArgumentParser) -> None:
    """Where packages come from: indexes, find-links, the snapshot, conda channels."""
    p.add_argument(
        "--index",
        "--index-url",
        action="append",
        default=[],
        metavar="URL",
        help="a simple index (URL or folder); repeatable, first has priority",
    )
    p.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder, file:// URL or HTML page of wheels and sdists; repeatable",
    )
    p.add_argument(
        "--no-index",
        action="store_true",
        help="ignore index URLs in spec files and the PyPI default (find-links only)",
    )
    p.add_argument(
        "--snapshot",
        action="store_true",
        help="lock from the offline snapshot of PyPI metadata shipped with compatlib",
    )
    p.add_argument(
        "--index-strategy",
        choices=("first-index", "best-match"),
        default="first-index",
        help="take a project from the first index that has it (default) or merge all",
    )
    p.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="URL_OR_DIR",
        help="a conda channel (makes this a conda lock); repeatable",
    )
    p.add_argument("--offline", action="store_true", help="no network: cache and local files")
    p.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: per-user cache)")


def _target_arguments(p: argparse.ArgumentParser) -> None:
    """What the lock is for: Python, platforms, system."""
    p.add_argument(
        "--python",
        metavar="X.Y",
        help="target Python (default: a python pin in the spec, else this interpreter's)",
    )
    p.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="SUBDIR",
        help="target platform as a conda subdir (default: the spec's platforms, else "
        "linux-64); repeatable",
    )
    p.add_argument(
        "--system",
        metavar="SPEC",
        help="target system: a preset, a YAML file or key=value,... "
        "(glibc, driver, gpu, os); glibc selects manylinux wheels",
    )


def _resolver_arguments(p: argparse.ArgumentParser) -> None:
    """How versions are chosen: pre-releases, strategy, universal locks."""
    p.add_argument("--pre", action="store_true", help="allow pre-releases everywhere")
    p.add_argument(
        "--strategy",
        choices=("newest", "lowest", "lowest-direct"),
        default="newest",
        help="version preference (default: newest)",
    )
    p.add_argument(
        "--universal",
        action="store_true",
        help="lock each platform for every Python in --requires-python: one solve per "
        "class of Pythons the markers tell apart; pins that depend on the Python carry "
        "a marker (render with --format pylock or requirements)",
    )
    p.add_argument(
        "--requires-python",
        metavar="SPEC",
        help="with --universal: the Pythons to cover (default: >= --python)",
    )


def _output_arguments(p: argparse.ArgumentParser) -> None:
    """How the lock is written: format and output file."""
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (compatlib's lock), requirements (requirements.txt for pip "
        "--require-hashes), pylock (PEP 751 pylock.toml), conda-lock (conda-lock.yml), "
        "explicit (a conda explicit file) or environment (a pinned environment.yml)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write the lock here (atomically)")


# -- running ------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Run ``compatlib lock`` for parsed ``args``; returns the exit code."""
    # lazy: registering the command (compatlib --help) stays light
    from compatlib.errors import CompatError, InputError
    from compatlib.solver.errors import UnsatisfiableError

    try:
        lock = _lock(args)
    except UnsatisfiableError as exc:
        print(exc, file=sys.stderr)  # the report (with the fork, for a universal lock)
        return EXIT_UNSAT
    except InputError as exc:
        return _fail(str(exc))
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename}: file not found")
    except IsADirectoryError as exc:
        return _fail(f"{exc.filename}: is a directory")
    except PermissionError as exc:
        return _fail(f"{exc.filename}: permission denied")
    except CompatError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a disk or cache problem: say which file, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    try:
        text = _render(lock, args.format)
    except CompatError as exc:  # a lock this format cannot hold (conda packages, no hash)
        return _fail(str(exc))
    if args.output:
        try:
            write_atomic(args.output, text)
        except OSError as exc:
            return _fail(f"{args.output}: cannot write: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return EXIT_OK


def _fail(message: str) -> int:
    # one line: a caret diagram (InputError with a column) is dropped here
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"{_PROG}: error: {first}", file=sys.stderr)
    return EXIT_INPUT


def _render(lock: Lock, fmt: str) -> str:
    from compatlib.lock.render import render  # lazy: after a successful lock only

    return render(lock, fmt)


def _lock(args: argparse.Namespace) -> Lock:
    from compatlib.lock.build import build_lock  # lazy: registering the command stays light

    return build_lock(_request(args))


def _request(args: argparse.Namespace) -> LockRequest:
    """The parsed arguments as a :class:`~compatlib.lock.build.LockRequest`."""
    from compatlib.lock.build import LockRequest  # lazy: registering the command stays light

    return LockRequest(
        requirements=tuple(args.requirements),
        requirement_files=tuple(args.requirement),
        spec_files=tuple(args.file),
        indexes=tuple(args.index),
        find_links=tuple(args.find_links),
        no_index=args.no_index,
        snapshot=args.snapshot,
        index_strategy=args.index_strategy,
        channels=tuple(args.channel),
        offline=args.offline,
        cache_dir=args.cache_dir,
        python=args.python,
        platforms=tuple(args.platform),
        system=args.system,
        prereleases=args.pre,
        strategy=args.strategy,
        universal=args.universal,
        requires_python=args.requires_python,
    )


# -- standalone entry point -----------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m compatlib.cli.lock ...``: the subcommand on its own."""
    parser = _Parser(prog=_PROG, description="Pin requirements into a lock file.")
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
