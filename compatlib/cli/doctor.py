"""``compatlib doctor``: mistakes in spec files that show without solving."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``doctor`` subcommand to ``sub`` (an ``add_subparsers()`` result)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "doctor",
        help="find mistakes in spec files without solving (secrets, unpinned, mixed channels...)",
        description=(
            "Read environment.yml, requirements, pyproject.toml and Azure ML environment "
            "files as compatlib lock does, and report what makes environments drift, leak "
            "or fail: each finding with a code, file and line, the reason and a fix. Exit 0 "
            "when there is no error-level finding, 1 when there is, 2 on bad input."
        ),
    )
    p.add_argument("specs", nargs="+", metavar="SPEC", help="spec files to check")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument(
        "--min-severity",
        choices=("info", "warning", "error"),
        default="info",
        help="hide findings below this severity (default: show all)",
    )
    return p


_RANK = {"info": 0, "warning": 1, "error": 2}


def run(args: argparse.Namespace) -> int:
    # lazy: only run needs compatlib.adapters.doctor, which loads 21 modules that importing this one does not
    from compatlib.adapters.doctor import diagnose

    findings = [f for f in diagnose(args.specs) if _RANK[f.severity] >= _RANK[args.min_severity]]
    if args.json:
        print(json.dumps([f.to_dict() for f in findings], indent=2, sort_keys=True))
    else:
        for f in findings:
            print(f.text)
        counts = {k: sum(f.severity == k for f in findings) for k in ("error", "warning", "info")}
        print(", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items()))
    return 1 if any(f.severity == "error" for f in findings) else 0
