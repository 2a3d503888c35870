"""``compatlib check``: does a Python environment match a lock?"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_parser", "run"]

EXIT_OK = 0
EXIT_MISMATCH = 1


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``check`` subcommand to ``sub`` (an ``add_subparsers()`` result)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="check a Python environment against a lock",
        description=(
            "Check that an interpreter's environment is the one a JSON lock describes: "
            "its platform and Python version, every locked pip package at its locked "
            "version, installed requirements met (as pip check), and the machine's "
            "glibc, NVIDIA driver and GPUs against the lock's system requirements. "
            "Exit 0 when it matches, 1 when it does not, 2 on bad input."
        ),
    )
    p.add_argument("lock", help="a JSON lock written by compatlib lock")
    p.add_argument(
        "--python",
        metavar="PATH",
        help="the interpreter to check, e.g. .venv/bin/python (default: this one)",
    )
    p.add_argument(
        "--system",
        help="the machine, as for compatlib lock (a preset, a YAML file or key=value,...); "
        "default: detected",
    )
    p.add_argument("--no-system", action="store_true", help="skip the glibc/driver/GPU checks")
    p.add_argument(
        "--allow-extra",
        action="append",
        default=[],
        metavar="NAME",
        help="a package that may be installed without being locked (repeatable)",
    )
    p.add_argument(
        "--strict", action="store_true", help="packages installed but not locked are errors"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def run(args: argparse.Namespace) -> int:
    from compatlib.adapters.check import check_environment
    from compatlib.lock.model import read_lock

    lock = read_lock(args.lock)
    system = None
    if args.system:
        from compatlib.stack.profile import parse_system

        system = parse_system(args.system)
    report = check_environment(
        lock,
        python=args.python,
        system=system,
        check_system=not args.no_system,
        extra_ok=args.allow_extra,
        strict=args.strict,
    )
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(report.text, file=sys.stdout if report.ok else sys.stderr)
    return EXIT_OK if report.ok else EXIT_MISMATCH
