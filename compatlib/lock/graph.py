"""A lock as a dependency graph: why a package is there, the tree, and exports.

:func:`lock_graph` turns a :class:`~compatlib.lock.model.Lock` into a networkx
``DiGraph``. Its nodes are :class:`PackageNode` s plus one :data:`REQUEST` node
per platform (what the user asked for); an edge ``a -> b`` says ``a`` requires
``b`` and carries the requirement as written (``requirement``) and, in a
universal lock, the marker under which ``b`` is the locked version.

On top of it: :func:`why` (every path from the request to a package),
:func:`render_tree` (the tree, or the inverted tree of what needs a package),
and :func:`export_graph` (DOT, Mermaid or node-link JSON).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.lock.model import Lock, LockedPackage
from compatlib.values.filenames import canonicalize_name

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "GRAPH_FORMATS",
    "REQUEST",
    "PackageNode",
    "export_graph",
    "lock_graph",
    "render_tree",
    "why",
]

REQUEST = "<request>"
GRAPH_FORMATS = ("dot", "mermaid", "json")


@value
class PackageNode:
    """One locked package in the graph: where, by which manager, which version."""

    platform: str
    manager: str
    name: str
    version: str
    marker: str | None = None

    @property
    def label(self) -> str:
        prefix = "conda:" if self.manager == "conda" else ""
        return f"{prefix}{self.name} {self.version}"


@value
class RequestNode:
    """The user's request on one platform: the roots of the graph."""

    platform: str

    @property
    def label(self) -> str:
        return REQUEST


Node = PackageNode | RequestNode


def _requested_names(lock: Lock) -> list[tuple[str, str, str]]:
    """``(manager, canonical name, requirement text)`` of what the lock was asked for."""
    # lazy: only _requested_names needs compatlib.values.pep508, which loads 3 modules that importing this one does not
    from compatlib.values.pep508 import InvalidRequirement, Requirement

    out: list[tuple[str, str, str]] = []
    for text in lock.metadata.get("requirements", ()):
        try:
            name = Requirement(text).name
        except InvalidRequirement:
            continue
        out.append(("pip", canonicalize_name(name), text))
    for text in lock.metadata.get("conda", ()):
        conda_name = _conda_name(text)
        if conda_name:
            out.append(("conda", conda_name, text))
    return out


def _conda_name(spec: str) -> str | None:
    # lazy: only _conda_name needs compatlib.sources.conda.matchspec, which loads 15 modules that importing this one does not
    from compatlib.sources.conda.matchspec import parse_matchspec

    try:
        return parse_matchspec(spec).name
    except InputError:
        return None


def _node(pkg: LockedPackage) -> PackageNode:
    return PackageNode(
        pkg.platform, pkg.manager, canonicalize_name(pkg.name), pkg.version, pkg.marker
    )


def lock_graph(lock: Lock, platform: str | None = None) -> nx.DiGraph:
    """The lock (or its part for ``platform``) as a directed graph, requester to required.

    A package whose requirement names a package that the lock holds for another
    manager (a pip package met by a conda package) links to that package.
    """
    # lazy: only lock_graph needs networkx (some 400 modules, a quarter second): building
    # the CLI's parser imports this module for GRAPH_FORMATS (compatlib --version too)
    import networkx as nx

    graph = nx.DiGraph()
    packages = [p for p in lock.packages if platform is None or p.platform == platform]
    if platform is not None and not packages:
        lock.only(platform)  # raises the InputError that names the platforms there are
    by_name: dict[tuple[str, str], list[PackageNode]] = {}
    for pkg in packages:
        node = _node(pkg)
        graph.add_node(node, package=pkg)
        by_name.setdefault((pkg.platform, node.name), []).append(node)
    platforms = sorted({p.platform for p in packages})
    requested = _requested_names(lock)
    for plat in platforms:
        root = RequestNode(plat)
        graph.add_node(root)
        for manager, name, text in requested:
            for target in _targets(by_name, plat, name, manager):
                graph.add_edge(root, target, requirement=text, marker=target.marker)
    for pkg in packages:
        source = _node(pkg)
        for dep, text in pkg.dependencies:
            for target in _targets(by_name, pkg.platform, canonicalize_name(dep), pkg.manager):
                graph.add_edge(source, target, requirement=text, marker=target.marker)
    return graph


def _targets(
    by_name: dict[tuple[str, str], list[PackageNode]], platform: str, name: str, manager: str
) -> list[PackageNode]:
    nodes = by_name.get((platform, name), [])
    same = [n for n in nodes if n.manager == manager]
    return same or nodes


def _find(graph: nx.DiGraph, name: str) -> list[PackageNode]:
    wanted = canonicalize_name(name)
    found = [n for n in graph if isinstance(n, PackageNode) and n.name == wanted]
    if not found:
        names = sorted({n.name for n in graph if isinstance(n, PackageNode)})
        close = _close_matches(wanted, names)
        raise InputError(
            f"{name!r} is not in the lock" + (f"; did you mean {close}?" if close else ""),
            field="package",
            expected="the name of a locked package",
        )
    return sorted(found, key=lambda n: (n.platform, n.manager, n.version, n.marker or ""))


def _close_matches(word: str, names: Sequence[str]) -> str:
    # lazy: only _close_matches needs difflib, which loads 1 module that importing this one does not
    import difflib

    return " or ".join(repr(m) for m in difflib.get_close_matches(word, names, n=3))


Path = tuple[Node, ...]


def why(lock: Lock, name: str, *, platform: str | None = None, limit: int = 50) -> list[Path]:
    """Every simple path from the request to ``name`` (shortest first, at most
    ``limit``): the chains of requirements that put the package in the lock."""
    from networkx import shortest_simple_paths  # lazy: as in lock_graph, which loaded it

    graph = lock_graph(lock, platform)
    paths: list[Path] = []
    for target in _find(graph, name):
        root = RequestNode(target.platform)
        if root not in graph:
            continue
        for path in shortest_simple_paths(graph, root, target):
            paths.append(tuple(path))
            if len(paths) >= limit:
                return paths
    return paths


def render_why(lock: Lock, name: str, *, platform: str | None = None) -> str:
    """:func:`why` as text: one line per chain, ``<request> -> a 1.0 (a>=1) -> b 2.0 (b<3)``."""
    graph = lock_graph(lock, platform)
    lines = []
    paths = why(lock, name, platform=platform)
    platforms = {p[0].platform for p in paths}
    for path in paths:
        parts = [path[0].label if len(platforms) == 1 else f"{REQUEST} ({path[0].platform})"]
        for a, b in itertools.pairwise(path):
            parts.append(f"{b.label} ({graph.edges[a, b]['requirement']})")
        lines.append(" -> ".join(parts))
    if not lines:
        return f"{name} is in the lock, but nothing requested requires it"
    return "\n".join(lines)


def render_tree(
    lock: Lock,
    *,
    platform: str | None = None,
    invert: bool = False,
    depth: int | None = None,
    package: str | None = None,
) -> str:
    """The dependency tree as text, from the request down (or, ``invert``, from
    each package up to what requires it). A subtree shown once is marked ``(*)``
    where it repeats; a cycle is marked ``(cycle)``."""
    graph = lock_graph(lock, platform)
    view = graph.reverse(copy=False) if invert else graph
    if package is not None:
        starts: list[Node] = list(_find(graph, package))
    elif invert:  # from the leaves (packages that require nothing) up
        leaves = [n for n in graph if isinstance(n, PackageNode) and graph.out_degree(n) == 0]
        starts = sorted(leaves, key=_sort_key)
    else:
        starts = sorted((n for n in graph if isinstance(n, RequestNode)), key=lambda n: n.platform)
    lines: list[str] = []
    shown: set[Node] = set()
    for start in starts:
        lines.extend(_tree_lines(view, start, invert, depth, shown))
    return "\n".join(lines)


def _tree_lines(
    view: nx.DiGraph, start: Node, invert: bool, depth: int | None, shown: set[Node]
) -> Iterator[str]:
    """Lines of one tree in pre-order, walked with an explicit stack (no recursion)."""
    yield start.label if isinstance(start, PackageNode) else f"{REQUEST} ({start.platform})"
    Frame = tuple[Node, Node, str, bool, int, frozenset[Node]]
    stack: list[Frame] = []

    def push(parent: Node, prefix: str, level: int, ancestors: frozenset[Node]) -> None:
        if depth is not None and level >= depth:
            return
        children = sorted(view.successors(parent), key=_order)
        for i in range(len(children) - 1, -1, -1):
            last = i == len(children) - 1
            stack.append((parent, children[i], prefix, last, level + 1, ancestors))

    push(start, "", 0, frozenset([start]))
    while stack:
        parent, node, prefix, last, level, ancestors = stack.pop()
        requirement = view.edges[parent, node].get("requirement", "")
        if requirement:
            requirement = f" [requires {requirement}]" if invert else f" [{requirement}]"
        note = ""
        if node in ancestors:
            note = " (cycle)"
        elif node in shown and view.out_degree(node) > 0:
            note = " (*)"
        label = node.label if isinstance(node, PackageNode) else REQUEST
        yield f"{prefix}{'└── ' if last else '├── '}{label}{requirement}{note}"
        if not note:
            shown.add(node)
            push(node, prefix + ("    " if last else "│   "), level, ancestors | {node})


def _order(node: Node) -> tuple[bool, str]:
    return (isinstance(node, RequestNode), node.label)


def export_graph(lock: Lock, fmt: str, *, platform: str | None = None) -> str:
    """The graph as Graphviz DOT, a Mermaid flowchart, or networkx node-link JSON;
    the same lock always gives the same text."""
    if fmt not in GRAPH_FORMATS:
        raise InputError(
            f"unknown graph format {fmt!r}", field="format", expected=" or ".join(GRAPH_FORMATS)
        )
    graph = lock_graph(lock, platform)
    nodes = sorted(graph, key=_sort_key)
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}
    edges = sorted(graph.edges(data=True), key=lambda e: (_sort_key(e[0]), _sort_key(e[1])))
    if fmt == "json":
        data = {
            "directed": True,
            "multigraph": False,
            "graph": {},
            "nodes": [_node_dict(n, ids[n]) for n in nodes],
            "links": [
                {"source": ids[a], "target": ids[b], "requirement": d.get("requirement", "")}
                | ({"marker": d["marker"]} if d.get("marker") else {})
                for a, b, d in edges
            ],
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    if fmt == "dot":
        lines = ["digraph lock {", "  rankdir=LR;", "  node [shape=box];"]
        for n in nodes:
            lines.append(f"  {ids[n]} [label={_dot_quote(_full_label(n))}];")
        for a, b, d in edges:
            lines.append(f"  {ids[a]} -> {ids[b]} [label={_dot_quote(d.get('requirement', ''))}];")
        return "\n".join([*lines, "}"]) + "\n"
    lines = ["flowchart LR"]
    for n in nodes:
        lines.append(f"  {ids[n]}[{_mermaid_quote(_full_label(n))}]")
    for a, b, d in edges:
        lines.append(f"  {ids[a]} -->|{_mermaid_quote(d.get('requirement', ''))}| {ids[b]}")
    return "\n".join(lines) + "\n"


def _sort_key(node: Node) -> tuple[str, int, str, str, str, str]:
    if isinstance(node, RequestNode):
        return (node.platform, 0, "", "", "", "")
    return (node.platform, 1, node.manager, node.name, node.version, node.marker or "")


def _full_label(node: Node) -> str:
    if isinstance(node, RequestNode):
        return f"{REQUEST} {node.platform}"
    text = f"{node.label} ({node.platform})"
    return text + (f" ; {node.marker}" if node.marker else "")


def _node_dict(node: Node, ident: str) -> dict[str, Any]:
    if isinstance(node, RequestNode):
        return {"id": ident, "kind": "request", "platform": node.platform}
    d: dict[str, Any] = {
        "id": ident,
        "kind": "package",
        "platform": node.platform,
        "manager": node.manager,
        "name": node.name,
        "version": node.version,
    }
    if node.marker:
        d["marker"] = node.marker
    return d


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _mermaid_quote(text: str) -> str:
    """Mermaid labels in double quotes; a double quote inside becomes ``#quot;``."""
    return '"' + text.replace('"', "#quot;").replace("\n", " ") + '"' if text else '" "'
