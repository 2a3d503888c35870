"""``compatlib check``: does a Python environment match a lock?"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from compatlib.errors import InputError

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
            "glibc, NVIDIA driver and GPUs against the lock's system requirements; with "
            "--probe, also the locked frameworks imported in it (GPUs usable, kernels for "
            "each device's compute capability, a tiny kernel run on each, driver, CUDA and "
            "cuDNN, determinism settings). "
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
    p.add_argument(
        "--probe",
        action="store_true",
        help="import the locked frameworks (torch, tensorflow, jax) in the interpreter and "
        "check their GPUs, kernels and determinism settings",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="with --probe: seed every global generator with N and check draws reproduce",
    )
    p.add_argument(
        "--no-kernel", action="store_true", help="with --probe: run no kernel on the GPUs"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def run(args: argparse.Namespace) -> int:
    # lazy: registering the command (compatlib --help) loads none of these
    from compatlib.adapters.check import check_environment
    from compatlib.lock.model import read_lock

    lock = read_lock(args.lock)
    system = None
    if args.system:
        from compatlib.stack.profile import parse_system  # lazy: only with --system

        system = parse_system(args.system)
    probe: Any = False
    if args.probe:
        # lazy: only --probe imports the frameworks
        from compatlib.adapters.probe import locked_frameworks, probe_frameworks

        probe = probe_frameworks(
            args.python,
            frameworks=locked_frameworks(lock),
            kernel=not args.no_kernel,
            seed=args.seed,
        )
    elif args.seed is not None or args.no_kernel:
        raise InputError("--seed and --no-kernel go with --probe", field="--probe")
    report = check_environment(
        lock,
        python=args.python,
        system=system,
        check_system=not args.no_system,
        extra_ok=args.allow_extra,
        strict=args.strict,
        probe=probe,
    )
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        print(report.text, file=sys.stdout if report.ok else sys.stderr)
    return EXIT_OK if report.ok else EXIT_MISMATCH
