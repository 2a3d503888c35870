"""``compatlib lock``: pin an environment for one or more targets (parsing and printing only).

Exit codes: 0 locked, 1 unsatisfiable (the explanation on stderr), 2 bad input
or an unreadable source (one line on stderr, no traceback). ``-o`` is written
atomically and only after a successful lock, so a failed run never damages a
good lock file. When ``-o FILE`` holds a lock already (any format compatlib
writes), its pins are preferred and what changed is reported on stderr.
``--check``: 0 when FILE is fresh for its inputs, 1 when stale (the inputs that
changed on stderr), without solving. ``--locked``: 0 when FILE is already what
this run would write, 1 when it would change (nothing written either way).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from compatlib._atomic import write_atomic
from compatlib._values import replace
from compatlib.errors import CompatError, InputError
from compatlib.lock.render import FORMATS as _RENDERINGS

if TYPE_CHECKING:
    from compatlib.lock.build import LockRequest
    from compatlib.lock.model import Lock

__all__ = ["FORMATS", "add_parser", "main", "run", "write_atomic"]

EXIT_OK = 0
EXIT_UNSAT = 1
EXIT_STALE = 1  # --check, --locked: the lock is not what these inputs give
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
    p.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME",
        help="an optional-dependencies extra of the pyproject.toml to lock too; repeatable",
    )
    p.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="NAME",
        help="a dependency group (PEP 735) of the pyproject.toml to lock too; repeatable",
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
    p.add_argument(
        "--verify-metadata",
        choices=("fast", "full"),
        default="fast",
        help="fast (default): read remote wheels' metadata with HTTP range requests; "
        "full: download each remote file whose metadata is read and check it against "
        "the index's hash first (the lock records the way per package)",
    )
    p.add_argument("--offline", action="store_true", help="no network: cache and local files")
    p.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: per-user cache)")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress line on stderr (it is shown only on a terminal anyway)",
    )


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
    p.add_argument(
        "-U",
        "--upgrade",
        action="store_true",
        help="ignore the pins of the lock at -o FILE (by default they are kept where they fit)",
    )
    p.add_argument(
        "-P",
        "--upgrade-package",
        action="append",
        default=[],
        metavar="NAME[SPEC]",
        help="let this package move (to the newest, or within SPEC: 'numpy>=2.3') while "
        "the other pins of -o FILE stay; repeatable",
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
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the lock here (atomically); a lock already there is updated minimally",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="do not lock: exit 0 when -o FILE is fresh for these inputs, 1 when stale "
        "(saying which input changed)",
    )
    mode.add_argument(
        "--locked",
        action="store_true",
        help="lock, but write nothing: exit 0 when -o FILE is already this lock, 1 when it "
        "would change",
    )


# -- running ------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Run ``compatlib lock`` for parsed ``args``; returns the exit code."""
    # lazy: registering the command (compatlib --help) stays light
    from compatlib.solver.errors import UnsatisfiableError

    try:
        return _execute(args)
    except UnsatisfiableError as exc:
        print(exc, file=sys.stderr)  # the report (with the fork, for a universal lock)
        return EXIT_UNSAT
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename}: file not found")
    except IsADirectoryError as exc:
        return _fail(f"{exc.filename}: is a directory")
    except PermissionError as exc:
        return _fail(f"{exc.filename}: permission denied")
    except CompatError as exc:  # bad input, an unreadable source, a lock a format cannot hold
        return _fail(str(exc))
    except OSError as exc:  # a disk or cache problem: say which file, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")


def _execute(args: argparse.Namespace) -> int:
    output: str | None = args.output
    if (args.check or args.locked) and not output:
        flag = "--check" if args.check else "--locked"
        return _fail(f"{flag} needs the lock file: -o FILE")
    if output and args.format == "pylock":
        from compatlib.lock.render import check_pylock_name  # lazy: pylock output only

        check_pylock_name(output)
    old_text, previous = _previous(output, strict=args.check or args.locked)
    request = _request(args)
    if args.check:
        return _check(output, request, previous)
    if previous is not None:
        request = replace(request, previous=previous)
    lock = _lock(request)
    for warning in lock.metadata.get("warnings", ()):
        print(f"{_PROG}: warning: {warning}", file=sys.stderr)
    text = _render(lock, args.format)
    if args.locked:
        return _locked(output, old_text, text, args.format, previous)
    if not output:
        sys.stdout.write(text)
        sys.stdout.flush()
        return EXIT_OK
    if text != old_text:
        try:
            write_atomic(output, text)
        except OSError as exc:
            return _fail(f"{output}: cannot write: {exc.strerror or exc}")
    if old_text is not None:
        _report(output, old_text, text, args.format, previous)
    return EXIT_OK


def _previous(output: str | None, *, strict: bool) -> tuple[str | None, Lock | None]:
    """The text of the lock file at ``output`` and the lock read from it
    (``None, None`` when there is none). A file that is not a lock compatlib
    reads is an error with ``strict`` (``--check``, ``--locked``); otherwise it
    is replaced, with a warning, and the lock starts afresh."""
    if not output or not os.path.isfile(output):
        return None, None
    # lazy: the readers load only when -o FILE exists
    from compatlib._input import read_text
    from compatlib.lock.read import parse_lock

    text = read_text(output, what="lock file")
    try:
        return text, parse_lock(text, source=output)
    except InputError as exc:
        if strict:
            raise
        first = str(exc).strip().splitlines()[0]
        print(
            f"{_PROG}: warning: {output} is not a lock compatlib reads ({first}); "
            "it is replaced and nothing is kept from it",
            file=sys.stderr,
        )
        return text, None


def _check(output: str | None, request: LockRequest, previous: Lock | None) -> int:
    """``--check``: is the lock at ``output`` fresh for ``request``'s inputs?"""
    from compatlib.lock.build import check_fresh  # lazy: --check only

    if previous is None:
        print(f"{_PROG}: {output} does not exist: nothing to check", file=sys.stderr)
        return EXIT_STALE
    verdict = check_fresh(request, previous)
    if verdict.fresh:
        print(f"{_PROG}: {output} is fresh", file=sys.stderr)
        return EXIT_OK
    lines = [f"{_PROG}: {output} is stale:"] + [f"  {reason}" for reason in verdict.reasons]
    print("\n".join(lines), file=sys.stderr)
    return EXIT_STALE


def _locked(
    output: str | None, old_text: str | None, text: str, fmt: str, previous: Lock | None
) -> int:
    """``--locked``: exit 0 when ``output`` holds ``text`` already, else 1 and
    what would change; nothing is written."""
    if old_text == text:
        print(f"{_PROG}: {output} is up to date", file=sys.stderr)
        return EXIT_OK
    if old_text is None:
        print(f"{_PROG}: {output} does not exist (--locked writes nothing)", file=sys.stderr)
        return EXIT_STALE
    changes = _changes(previous, old_text, text, fmt, str(output))
    lines = [f"{_PROG}: {output} would change (--locked writes nothing):"]
    lines += [f"  {line}" for line in changes.splitlines()]
    print("\n".join(lines), file=sys.stderr)
    return EXIT_STALE


def _changes(before: Lock | None, old_text: str, text: str, fmt: str, source: str) -> str:
    """What differs between two lock files, read back alike (so that what a
    format does not hold shows as no change); the diff's text. ``before`` is
    ``old_text`` as :func:`_previous` read it (``None``: not a lock)."""
    # lazy: only when a lock is replaced
    from compatlib.lock.diff import diff_locks
    from compatlib.lock.read import parse_lock

    if before is None:
        return "(the previous file is not a lock compatlib reads)"
    diff = diff_locks(before, parse_lock(text, source=source, fmt=fmt))
    if not diff and old_text != text:
        return "no package changes (metadata or layout only)"
    return diff.text


def _report(output: str, old_text: str, text: str, fmt: str, previous: Lock | None) -> None:
    """Say on stderr what changed in ``output`` (nothing printed for a new file)."""
    changes = _changes(previous, old_text, text, fmt, output)
    lines = [f"{_PROG}: {output}: {changes.splitlines()[-1]}"]
    lines += [f"  {line}" for line in changes.splitlines()[:-1]]
    print("\n".join(lines), file=sys.stderr)


def _fail(message: str) -> int:
    # one line: a caret diagram (InputError with a column) is dropped here
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"{_PROG}: error: {first}", file=sys.stderr)
    return EXIT_INPUT


def _render(lock: Lock, fmt: str) -> str:
    from compatlib.lock.render import render  # lazy: after a successful lock only

    return render(lock, fmt)


def _lock(request: LockRequest) -> Lock:
    from compatlib.lock.build import build_lock  # lazy: registering the command stays light

    return build_lock(request)


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
        extras=tuple(args.extra),
        groups=tuple(args.group),
        upgrade=args.upgrade,
        upgrade_packages=tuple(args.upgrade_package),
        verify_metadata=args.verify_metadata,
        progress=not args.quiet,
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
