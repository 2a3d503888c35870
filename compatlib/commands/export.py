"""``compatlib export``: render an existing JSON lock in another format, without solving."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``export`` subcommand to ``sub`` (an ``add_subparsers()`` result)."""
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
    from compatlib._atomic import write_atomic
    from compatlib.errors import InputError
    from compatlib.lock.model import Lock, read_lock
    from compatlib.lock.render import render

    lock = read_lock(args.lock)
    if args.platform:
        packages = lock.for_platform(args.platform)
        if not packages:
            have = sorted({p.platform for p in lock.packages})
            raise InputError(
                f"the lock has no packages for {args.platform!r}",
                field="platform",
                expected="one of " + ", ".join(have),
            )
        targets = [
            t for t in lock.metadata.get("targets", ()) if t.get("platform") == args.platform
        ]
        system = lock.system_requirements.get(args.platform)
        lock = Lock.of(
            packages,
            system_requirements={args.platform: system} if system else {},
            metadata={**lock.metadata, "targets": targets},
        )
    text = render(lock, args.format)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
