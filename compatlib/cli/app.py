"""The ``compatlib`` command line: parse arguments, call the library, print.

Exit codes: 0 success, 1 unsatisfiable (explanation on stderr; ``check``: the
environment does not match), 2 bad input (one line naming the file, line or
field), 3 an internal error, which is a bug (one line; the traceback with
``--debug`` or ``COMPATLIB_DEBUG=1``), 130 interrupted, 141 the reader of our
output went away (``| head``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any, NoReturn

from compatlib import __version__
from compatlib.errors import CompatError, InputError
from compatlib.solver.errors import UnsatisfiableError

__all__ = ["main"]

EXIT_OK = 0
EXIT_UNSAT = 1
EXIT_INPUT = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def _columns() -> int:
    """The terminal width, as ``shutil.get_terminal_size`` finds it (``COLUMNS``,
    then the terminal, else 80), without importing shutil (and with it bz2 and
    lzma) on every run."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, **kwargs: Any) -> None:
        kwargs.setdefault("width", _columns() - 2)
        super().__init__(prog, **kwargs)


class _Parser(argparse.ArgumentParser):
    commands: Any = None  # the subparsers action of the top-level parser

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


_COMMANDS = (
    "solve",
    "stack",
    "lock",
    "export",
    "check",
    "azureml",
    "why",
    "tree",
    "diff",
    "graph",
    "doctor",
)


def _build_parser(only: str | None = None) -> _Parser:
    """The argument parser; ``only`` builds just that subcommand (faster startup)."""
    parser = _Parser(
        prog="compatlib",
        description="Solve, lock and explain ML environments across the whole stack.",
    )

    parser.add_argument("--version", action="version", version=f"compatlib {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of an internal error (also COMPATLIB_DEBUG=1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    parser.commands = sub

    if only in (None, "solve"):
        _add_solve(sub)
    if only in (None, "stack"):
        # lazy: only _build_parser needs compatlib.cli.stack, which loads 1 module that importing this one does not
        from compatlib.cli import stack

        stack.add_parser(sub)
    if only in (None, "lock"):
        lock = _optional_command("lock")
        if lock is not None:
            lock.add_parser(sub)
    if only in (None, "export"):
        # lazy: only _build_parser needs compatlib.cli.export, which loads 1 module that importing this one does not
        from compatlib.cli import export

        export.add_parser(sub)
    if only in (None, "check"):
        # lazy: only _build_parser needs compatlib.cli.check, which loads 1 module that importing this one does not
        from compatlib.cli import check

        check.add_parser(sub)
    if only in (None, "azureml"):
        # lazy: only _build_parser needs compatlib.cli.azureml, which loads 8 modules that importing this one does not
        from compatlib.cli import azureml

        azureml.add_parser(sub)
    if only in (None, "doctor"):
        # lazy: only _build_parser needs compatlib.cli.doctor, which loads 1 module that importing this one does not
        from compatlib.cli import doctor

        doctor.add_parser(sub)
    if only is None or only in ("why", "tree", "diff", "graph"):
        # lazy: only _build_parser needs compatlib.cli.graph, which loads 1 module that importing this one does not
        from compatlib.cli import graph

        graph.add_parsers(sub, only)
    return parser


def _add_solve(sub: Any) -> None:
    solve = sub.add_parser(
        "solve",
        help="solve requirements against an index or scenario file",
        description=(
            "Solve requirements against an index file (resolvelib JSON, CocoaPods, "
            "SwiftPM, uv packse TOML, pubgrub RON). For a packse scenario with no "
            "requirements given, its own root requirements are used."
        ),
    )
    solve.add_argument("index", help="index or scenario file")
    solve.add_argument("requirements", nargs="*", help="PEP 508 requirements")
    solve.add_argument("--python", help="target Python version (default: this interpreter)")
    solve.add_argument("--platform", help="target platform as a conda subdir (linux-64, ...)")
    solve.add_argument(
        "-c", "--constraint", action="append", default=[], help="constraint (if present)"
    )
    solve.add_argument(
        "--strategy",
        choices=("newest", "lowest", "lowest-direct"),
        default="newest",
        help="version preference",
    )
    solve.add_argument("--pre", action="store_true", help="allow pre-releases everywhere")
    solve.add_argument(
        "--system",
        help="target system: a preset, a YAML file, or key=value,... (driver, gpu, glibc, os)",
    )
    solve.add_argument("--json", action="store_true", help="print JSON")
    solve.add_argument(
        "--universal",
        action="store_true",
        help="solve for every environment the markers tell apart (uv's --universal); "
        "prints each version with the marker of the environments that chose it",
    )
    solve.add_argument(
        "--requires-python",
        metavar="SPEC",
        help="with --universal: the Pythons to cover (default: >= --python, else a "
        "scenario's own Requires-Python, else >=3.8)",
    )
    solve.add_argument(
        "--why",
        metavar="PACKAGE",
        help="print why PACKAGE is in the solution (the chain of requirements)",
    )


def _cmd_solve(args: argparse.Namespace) -> int:
    # lazy: only _cmd_solve needs compatlib.resolve.solve, which loads 23 modules that importing this one does not
    from compatlib.resolve.solve import solve

    # lazy: only _cmd_solve needs compatlib.testing.peer, which loads 30 modules that importing this one does not
    from compatlib.testing.peer import load_index

    # lazy: only _cmd_solve needs compatlib.values.target, which loads 5 modules that importing this one does not
    from compatlib.values.target import Target

    requirements: list[str] = list(args.requirements)
    requires_python: str | None = None
    if args.index.endswith(".toml"):
        # a packse scenario: its index, and its own request when none is given
        from compatlib.testing.peer import PACKSE_DEFAULT_REQUIRES_PYTHON, load_scenario

        scenario = load_scenario(args.index)
        index = scenario.index
        requirements = requirements or list(scenario.requires)
        requires_python = scenario.requires_python or PACKSE_DEFAULT_REQUIRES_PYTHON
    else:
        index = load_index(args.index)
    if not requirements:
        raise InputError("no requirements given", expected="one or more PEP 508 requirements")
    if args.universal:
        return _cmd_solve_universal(args, requirements, index, requires_python)
    system = None
    if args.system:
        # lazy: only _cmd_solve needs compatlib.stack.profile, which loads 13 modules that importing this one does not
        from compatlib.stack.profile import parse_system

        system = parse_system(args.system)
    target = Target(python=args.python, platform=args.platform, system=system)
    try:
        res = solve(
            requirements,
            index=index,
            target=target,
            constraints=args.constraint,
            strategy=args.strategy,
            prereleases=True if args.pre else None,
        )
    except UnsatisfiableError as exc:
        return _unsatisfiable(exc, args.json)
    if args.why:
        chain = res.why(args.why)
        if not chain:
            raise InputError(f"{args.why} is not in the solution", field="--why")
        print("\n".join(chain))
    elif args.json:
        print(json.dumps(res.to_dict(), indent=2, sort_keys=True))
    else:
        print(res)
    return EXIT_OK


def _unsatisfiable(exc: UnsatisfiableError, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"unsatisfiable": exc.explanation.to_dict()}, indent=2))
    print(exc, file=sys.stderr)  # the report (with the fork, for a universal solve)
    return EXIT_UNSAT


def _cmd_solve_universal(
    args: argparse.Namespace, requirements: list[str], index: Any, default_python: str | None
) -> int:
    # lazy: only _cmd_solve_universal needs compatlib.resolve.universal, which loads 5 modules that importing this one does not
    from compatlib.resolve.universal import solve_universal

    if args.system or args.platform or args.why:
        raise InputError(
            "--universal covers every platform: --system, --platform and --why do not apply",
            field="--universal",
        )
    spec = (
        args.requires_python
        or (f">={args.python}" if args.python else None)
        or default_python
        or ">=3.8"
    )
    try:
        res = solve_universal(
            requirements,
            index,
            requires_python=spec,
            constraints=args.constraint,
            strategy=args.strategy,
            prereleases=True if args.pre else None,
        )
    except UnsatisfiableError as exc:
        return _unsatisfiable(exc, args.json)
    rows = [{"name": n, "version": v, **({"marker": m} if m else {})} for n, v, m in res.packages]
    if args.json:
        forks = [
            {
                "environment": dict(f.environment),
                "marker": f.marker,
                "versions": {k: str(v) for k, v in sorted(f.resolution.versions.items())},
            }
            for f in res.forks
        ]
        print(json.dumps({"packages": rows, "forks": forks}, indent=2, sort_keys=True))
    else:
        for r in rows:
            print(f"{r['name']}=={r['version']}" + (f" ; {r['marker']}" if "marker" in r else ""))
    return EXIT_OK


def _optional_command(name: str) -> Any:
    """A subcommand module that may not be installed in this build."""
    try:
        return import_module(f"compatlib.cli.{name}")
    except ModuleNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((w for w in words if not w.startswith("-")), None)
    parser = _build_parser(first if first in _COMMANDS else None)
    args, extra = parser.parse_known_args(words)
    if extra:
        command = parser.commands.choices.get(args.command) if parser.commands else None
        (command or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    debug = args.debug or os.environ.get("COMPATLIB_DEBUG", "") not in ("", "0")
    _exit_on_sigterm()
    try:
        return _dispatch(args)
    except InputError as exc:
        print(f"compatlib: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except FileNotFoundError as exc:
        print(f"compatlib: error: {exc.filename}: file not found", file=sys.stderr)
        return EXIT_INPUT
    except IsADirectoryError as exc:
        print(f"compatlib: error: {exc.filename}: is a directory", file=sys.stderr)
        return EXIT_INPUT
    except CompatError as exc:
        print(f"compatlib: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("compatlib: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # the contract: never a traceback unless asked for
        if debug:
            raise
        print(
            f"compatlib: internal error (this is a bug in compatlib): "
            f"{type(exc).__name__}: {_one_line(exc)}; rerun with --debug for the traceback",
            file=sys.stderr,
        )
        return EXIT_BUG


def _exit_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so atomic writes remove their temporary
    files (a SIGKILL cannot be caught: the next write sweeps those)."""
    # lazy: only _exit_on_sigterm needs signal, which loads 1 module that importing this one does not
    import signal

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError, OSError):  # not the main thread
        signal.signal(signal.SIGTERM, stop)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")


def _silence_stdout() -> None:
    """After the reader of stdout went away, point stdout at /dev/null so that
    the interpreter's final flush does not raise a second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _dispatch(args: argparse.Namespace) -> int:
    """Run the chosen subcommand."""
    if args.command == "solve":
        return _cmd_solve(args)
    if args.command == "stack":
        # lazy: only _dispatch needs compatlib.cli.stack, which loads 1 module that importing this one does not
        from compatlib.cli import stack

        return stack.run(args)
    if args.command == "lock":
        lock = _optional_command("lock")
        assert lock is not None
        return int(lock.run(args))
    if args.command == "export":
        # lazy: only _dispatch needs compatlib.cli.export, which loads 1 module that importing this one does not
        from compatlib.cli import export

        return export.run(args)
    if args.command == "check":
        # lazy: only _dispatch needs compatlib.cli.check, which loads 1 module that importing this one does not
        from compatlib.cli import check

        return check.run(args)
    if args.command == "azureml":
        # lazy: only _dispatch needs compatlib.cli.azureml, which loads 8 modules that importing this one does not
        from compatlib.cli import azureml

        return azureml.run(args)
    if args.command == "doctor":
        # lazy: only _dispatch needs compatlib.cli.doctor, which loads 1 module that importing this one does not
        from compatlib.cli import doctor

        return doctor.run(args)
    if args.command in ("why", "tree", "diff", "graph"):
        # lazy: only _dispatch needs compatlib.cli.graph, which loads 1 module that importing this one does not
        from compatlib.cli import graph

        return graph.run(args)
    raise InputError(f"unknown command {args.command!r}", field="command")
