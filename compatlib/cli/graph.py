"""``compatlib why``, ``tree``, ``diff`` and ``graph``: questions about existing locks.

Parsing and printing only; the answers come from :mod:`compatlib.lock.graph` and
:mod:`compatlib.lock.diff`. None of them solves anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["COMMANDS", "add_parsers", "run"]

COMMANDS = ("why", "tree", "diff", "graph")


def _lock_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("lock", help="a JSON lock written by compatlib lock")
    p.add_argument("--platform", metavar="SUBDIR", help="only this platform of the lock")


def add_parsers(sub: Any, only: str | None = None) -> None:
    """Add the subcommands (``only``: just that one) to ``sub``."""
    if only in (None, "why"):
        p = sub.add_parser(
            "why",
            help="why is a package in a lock: every chain of requirements from the request",
            description="Print every chain of requirements that puts NAME in the lock, "
            "shortest first: <request> -> a 1.0 (a>=1) -> NAME 2.0 (NAME<3).",
        )
        _lock_arg(p)
        p.add_argument("name", help="the package")
        p.add_argument("--json", action="store_true", help="print the chains as JSON")
    if only in (None, "tree"):
        p = sub.add_parser(
            "tree",
            help="the dependency tree of a lock",
            description="Print the lock's dependency tree from the request down; a repeated "
            "subtree is marked (*) and a cycle (cycle).",
        )
        _lock_arg(p)
        p.add_argument("--invert", action="store_true", help="show what requires each package")
        p.add_argument("--depth", type=int, metavar="N", help="stop N levels down")
        p.add_argument("--package", metavar="NAME", help="start from this package")
    if only in (None, "diff"):
        p = sub.add_parser(
            "diff",
            help="what changed between two locks",
            description="Print the packages added, removed, upgraded, downgraded or rebuilt "
            "(same version, other files or hashes) and the changed system requirements. "
            "Exit 0 when the locks are the same, 1 when they differ.",
        )
        p.add_argument("old", help="the earlier JSON lock")
        p.add_argument("new", help="the later JSON lock")
        p.add_argument("--json", action="store_true", help="print the changes as JSON")
    if only in (None, "graph"):
        # lazy: only add_parsers needs compatlib.lock.graph, which loads 16 modules that importing this one does not (networkx only when a graph is built)
        from compatlib.lock.graph import GRAPH_FORMATS

        p = sub.add_parser(
            "graph",
            help="a lock's dependency graph as DOT, Mermaid or JSON",
            description="Write the lock's dependency graph for Graphviz (dot), Mermaid, "
            "or as networkx node-link JSON.",
        )
        _lock_arg(p)
        p.add_argument("--format", choices=GRAPH_FORMATS, default="dot", help="default: dot")
        p.add_argument("-o", "--output", metavar="FILE", help="write here (atomically)")


def run(args: argparse.Namespace) -> int:
    """Run one of :data:`COMMANDS`; returns the exit code."""
    # lazy: only run needs compatlib.lock.model, which loads 12 modules that importing this one does not
    from compatlib.lock.model import read_lock

    if args.command == "diff":
        # lazy: only run needs compatlib.lock.diff, which loads 16 modules that importing this one does not
        from compatlib.lock.diff import diff_locks

        diff = diff_locks(read_lock(args.old), read_lock(args.new))
        if args.json:
            print(json.dumps(diff.to_dict(), indent=2, sort_keys=True))
        else:
            print(diff.text)
        return 1 if diff else 0
    # lazy: only run needs compatlib.lock.graph, which loads 16 modules that importing this one does not, and networkx when it builds the graph
    from compatlib.lock import graph

    lock = read_lock(args.lock)
    if args.command == "why":
        if args.json:
            paths = graph.why(lock, args.name, platform=args.platform)
            print(json.dumps([[n.label for n in p] for p in paths], indent=2))
        else:
            print(graph.render_why(lock, args.name, platform=args.platform))
        return 0
    if args.command == "tree":
        text = graph.render_tree(
            lock,
            platform=args.platform,
            invert=args.invert,
            depth=args.depth,
            package=args.package,
        )
        print(text)
        return 0
    text = graph.export_graph(lock, args.format, platform=args.platform)
    if args.output:
        # lazy: only run needs compatlib._atomic, which loads 4 modules that importing this one does not
        from compatlib._atomic import write_atomic

        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
