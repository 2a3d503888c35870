"""``compatlib export``: render an existing JSON lock in another format, without solving."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``export`` subcommand to ``sub`` (an ``add_subparsers()`` result)."""
    # lazy: only add_parser needs compatlib.lock.render, which loads 13 modules that importing this one does not
    from compatlib.lock.render import FORMATS

    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write a JSON lock in another format (requirements, pylock, conda-lock, ...)",
        description=(
            "Render a JSON lock written by compatlib lock as another lock format, "
            "without solving again: " + "; ".join(f"{k}: {v}" for k, v in FORMATS.items())
        ),
    )
    p.add_argument("lock", help="a JSON lock written by compatlib lock")
    p.add_argument("--format", required=True, choices=tuple(FORMATS), help="the output format")
    p.add_argument(
        "--platform",
        metavar="SUBDIR",
        help="keep only this platform (explicit and environment files hold one)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here (atomically), not stdout")
    return p


def run(args: argparse.Namespace) -> int:
    # lazy: only run needs compatlib._atomic, which loads 4 modules that importing this one does not
    from compatlib._atomic import write_atomic

    # lazy: only run needs compatlib.lock.model, which loads 12 modules that importing this one does not
    from compatlib.lock.model import read_lock

    # lazy: only run needs compatlib.lock.render, which loads 13 modules that importing this one does not
    from compatlib.lock.render import render

    if args.output and args.format == "pylock":
        from compatlib.lock.render import check_pylock_name  # lazy: as run's other imports

        check_pylock_name(args.output)  # installers look for pylock.toml or pylock.NAME.toml
    lock = read_lock(args.lock)
    if args.platform:
        lock = lock.only(args.platform)
    text = render(lock, args.format)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
