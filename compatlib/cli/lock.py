"""``compatlib lock``: pin an environment for one or more targets (parsing and printing only).

Exit codes: 0 locked, 1 unsatisfiable (the explanation on stderr), 2 bad input
or an unreadable source (one line on stderr, no traceback). ``-o`` is written
atomically and only after a successful lock, so a failed run never damages a
good lock file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from compatlib._atomic import write_atomic
from compatlib.lock.render import FORMATS as _RENDERINGS

if TYPE_CHECKING:
    from compatlib.lock.model import Lock
    from compatlib.specs.model import Spec
    from compatlib.stack.profile import SystemProfile
    from compatlib.values.target import Target

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
    from compatlib.lock.render import render

    return render(lock, fmt)


def _lock(args: argparse.Namespace) -> Lock:
    from compatlib.errors import InputError
    from compatlib.lock.pip import lock_pip

    options: dict[str, Any] = {
        "indexes": args.index,
        "find_links": args.find_links,
        "no_index": args.no_index,
        "offline": args.offline,
        "cache_dir": args.cache_dir,
        "strategy": args.strategy,
        "index_strategy": args.index_strategy,
        "prereleases": True if args.pre else None,
    }
    if args.universal:
        options["universal"] = True
        options["requires_python"] = args.requires_python
    elif args.requires_python:
        raise InputError("--requires-python goes with --universal", field="--requires-python")
    if args.snapshot:
        if args.index or args.find_links:
            raise InputError(
                "--snapshot cannot be combined with --index or --find-links",
                field="--snapshot",
                expected="either the shipped snapshot or your own sources",
            )
        from compatlib.sources.snapshot import load_snapshot, snapshot_info

        options["repository"] = load_snapshot()
        # recorded in the lock's metadata as where the metadata came from
        options["indexes"] = [f"compatlib-snapshot:{snapshot_info().built}"]
    if not (args.requirement or args.file or args.channel):
        # requirements on the command line only: no spec files to read
        if not args.requirements:
            raise InputError(
                "nothing to lock",
                expected="requirements on the command line, -r FILE or -f FILE",
            )
        from compatlib.resolve.solve import parse_requirements

        parse_requirements(args.requirements, source="<command line>")
        return lock_pip(list(args.requirements), target=_targets(args, None), **options)
    spec = _read_inputs(args)
    if args.channel or _needs_conda(spec):
        if args.universal:
            raise InputError(
                "--universal locks pip requirements; conda packages are locked per platform",
                field="--universal",
            )
        return _conda_lock(args, spec)
    if not spec.pip:
        raise InputError(
            "nothing to lock",
            expected="requirements on the command line, -r FILE or -f FILE",
        )
    return lock_pip(spec, target=_targets(args, spec), **options)


def _read_inputs(args: argparse.Namespace) -> Spec:
    from compatlib.specs import (
        Location,
        Spec,
        merge_specs,
        parse_requirement,
        read_requirements,
        read_spec,
    )

    specs: list[Spec] = []
    if args.requirements and args.channel:  # with --channel, REQs are conda match specs
        from compatlib.specs import CondaDependency, conda_package_name

        deps = tuple(
            CondaDependency(
                text,
                Location("<command line>", field=f"requirement {i}"),
                name=conda_package_name(text),
            )
            for i, text in enumerate(args.requirements, 1)
        )
        specs.append(Spec(source="<command line>", conda=deps))
    elif args.requirements:
        reqs = tuple(
            parse_requirement(text, Location("<command line>", field=f"requirement {i}"))
            for i, text in enumerate(args.requirements, 1)
        )
        specs.append(Spec(source="<command line>", pip=reqs))
    for path in args.requirement:
        _check_file(path)
        if str(path).endswith(".toml"):
            specs.append(read_spec(path))
        else:
            specs.append(read_requirements(path))
    for path in args.file:
        _check_file(path)
        specs.append(read_spec(path))
    return merge_specs(*specs)


def _check_file(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(2, "file not found", path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "is a directory", path)


#: conda dependencies that only say "this environment has Python and pip"
_CONDA_BASICS = frozenset({"pip"})


def _needs_conda(spec: Spec) -> bool:
    """Does the spec ask for conda packages (beyond the interpreter and pip)?"""
    return any((dep.name or "") not in _CONDA_BASICS and dep.name != "python" for dep in spec.conda)


def _conda_lock(args: argparse.Namespace, spec: Spec) -> Lock:
    """A conda (+ pip) lock through ``compatlib.resolve.conda_solve.solve_environment``."""
    from compatlib.errors import InputError
    from compatlib.lock.conda import environment_lock
    from compatlib.lock.model import Lock, LockedPackage
    from compatlib.lock.pip import lock_metadata, pip_inputs
    from compatlib.resolve.conda_solve import solve_environment

    python = args.python or _spec_python(spec)
    if spec.pip and python is None:
        raise InputError(
            "locking pip packages together with conda packages needs the target Python",
            field="python",
            expected="--python X.Y, or a python=X.Y pin in the environment",
        )
    inputs = pip_inputs(
        spec, indexes=args.index, find_links=args.find_links, no_index=args.no_index
    )
    packages: list[LockedPackage] = []
    system: dict[str, dict[str, str]] = {}
    targets = _targets(args, spec, python=python)
    for target in targets:
        repository = None
        if spec.pip:
            from compatlib.sources.pypi import PyPIRepository

            repository = PyPIRepository(
                inputs.indexes,
                inputs.find_links,
                target=target,
                offline=args.offline,
                cache_dir=args.cache_dir,
                strategy=args.index_strategy,
                progress=False,
            )
        try:
            resolution = solve_environment(
                spec,
                target=target,
                pypi_repository=repository,
                channels=list(args.channel) or None,
            )
        finally:
            if repository is not None:
                repository.close()
        one = environment_lock(resolution)
        packages.extend(one.packages)
        for plat, needs in one.system_requirements.items():
            system[plat] = dict(needs)
    metadata = lock_metadata(
        inputs,
        inputs.constraints,
        targets,
        extra={  # part of the inputs hash: a changed conda spec or channel is a new lock
            "conda": [d.spec for d in spec.conda],
            "channels": [_redact(c) for c in (args.channel or spec.channel_names)],
        },
    )
    return Lock.of(packages, system_requirements=system, metadata=metadata)


def _redact(location: str) -> str:
    from compatlib.specs.model import redact_url

    return redact_url(location)


# -- targets ------------------------------------------------------------------------


_RUNNING = "running"


def _targets(
    args: argparse.Namespace, spec: Spec | None, *, python: str | None = _RUNNING
) -> list[Target]:
    """One target per platform; ``python`` overrides the pip default (``--python``,
    the spec's pin, else this interpreter's)."""
    from compatlib.values.target import Target

    system: SystemProfile | None = None
    if args.system:
        from compatlib.stack.profile import parse_system

        system = parse_system(args.system)
    if python == _RUNNING:
        python = args.python or _spec_python(spec) or _running_python()
    spec_platforms = list(spec.platform_names) if spec is not None else []
    platforms: list[str] = list(args.platform) or spec_platforms or ["linux-64"]
    glibc = system.glibc if system is not None else None
    targets = [
        Target(python=python, platform=plat, glibc=glibc, system=system)
        for plat in dict.fromkeys(platforms)
    ]
    if python is not None and spec is not None:
        _check_requires_python(spec, targets[0])
    return targets


def _running_python() -> str:
    v = sys.version_info
    return f"{v.major}.{v.minor}"


def _spec_python(spec: Spec | None) -> str | None:
    """``X.Y`` from a conda ``python`` pin of the spec (``python=3.11``, ``python 3.11.*``)."""
    import re

    if spec is None:
        return None
    for req in spec.python:
        if req.syntax != "conda":
            continue
        m = re.fullmatch(
            r"\s*(?:[^\s:]+::)?python\s*(?:==?|\s)\s*(\d+\.\d+)(?:\.\d+|\.\*|\*)?\s*", req.spec
        )
        if m is not None:
            return m.group(1)
    return None


def _check_requires_python(spec: Spec, target: Target) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from compatlib.errors import InputError

    for req in spec.python:
        if req.syntax != "pep440":
            continue
        try:
            allowed = SpecifierSet(req.spec)
        except InvalidSpecifier:
            continue  # the spec reader reports malformed values
        if not allowed.contains(target.python_version, prereleases=True):
            where = req.location
            raise InputError(
                f"the target Python {target.python_version} is outside requires-python "
                f"{req.spec!r}",
                source=where.source,
                line=where.line,
                field=where.field,
                expected="a --python inside that range",
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
