"""The lock as a graph: why, tree, inverted tree and the exports."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from compatlib.errors import InputError
from compatlib.lock.graph import (
    PackageNode,
    RequestNode,
    export_graph,
    lock_graph,
    render_tree,
    render_why,
    why,
)
from compatlib.lock.model import Lock, LockedPackage


def _pkg(name: str, version: str, *deps: tuple[str, str], **kw: str) -> LockedPackage:
    return LockedPackage(
        name=name,
        version=version,
        manager=kw.get("manager", "pip"),
        platform=kw.get("platform", "linux-64"),
        url=f"https://files.example/{name}-{version}-py3-none-any.whl",
        hashes=(("sha256", "0" * 64),),
        dependencies=tuple(deps),
        marker=kw.get("marker"),
    )


LOCK = Lock.of(
    [
        _pkg("app", "1.0", ("lib", "lib>=2"), ("util", "util")),
        _pkg("lib", "2.1", ("util", "util<5"), ("Core_Thing", "core-thing")),
        _pkg("util", "4.0"),
        _pkg("core-thing", "0.3"),
        _pkg("tool", "9.9", ("util", "util>=1")),
    ],
    metadata={"requirements": ["app>=1", "tool ; python_version >= '3.8'"]},
)


def test_graph_edges_carry_requirements() -> None:
    graph = lock_graph(LOCK)
    root = RequestNode("linux-64")
    app = PackageNode("linux-64", "pip", "app", "1.0")
    lib = PackageNode("linux-64", "pip", "lib", "2.1")
    assert graph.edges[root, app]["requirement"] == "app>=1"
    assert graph.edges[app, lib]["requirement"] == "lib>=2"
    core = PackageNode("linux-64", "pip", "core-thing", "0.3")
    assert graph.has_edge(lib, core)  # names are canonicalised on both ends
    assert nx.is_directed_acyclic_graph(graph)


def test_why_lists_every_chain_shortest_first() -> None:
    paths = why(LOCK, "util")
    labels = [[n.label for n in p] for p in paths]
    assert labels == [
        ["<request>", "app 1.0", "util 4.0"],
        ["<request>", "tool 9.9", "util 4.0"],
        ["<request>", "app 1.0", "lib 2.1", "util 4.0"],
    ]
    assert (
        render_why(LOCK, "Util").splitlines()[0]
        == "<request> -> app 1.0 (app>=1) -> util 4.0 (util)"
    )


def test_why_an_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(InputError, match="did you mean 'util'"):
        why(LOCK, "utill")


def test_tree_marks_repeats_and_honours_depth() -> None:
    assert render_tree(LOCK) == "\n".join(
        [
            "<request> (linux-64)",
            "├── app 1.0 [app>=1]",
            "│   ├── lib 2.1 [lib>=2]",
            "│   │   ├── core-thing 0.3 [core-thing]",
            "│   │   └── util 4.0 [util<5]",
            "│   └── util 4.0 [util]",
            "└── tool 9.9 [tool ; python_version >= '3.8']",
            "    └── util 4.0 [util>=1]",
        ]
    )
    assert render_tree(LOCK, depth=1).splitlines()[1:] == [
        "├── app 1.0 [app>=1]",
        "└── tool 9.9 [tool ; python_version >= '3.8']",
    ]


def test_inverted_tree_shows_what_needs_a_package() -> None:
    assert render_tree(LOCK, invert=True, package="lib") == "\n".join(
        ["lib 2.1", "└── app 1.0 [requires lib>=2]", "    └── <request> [requires app>=1]"]
    )


def test_cycles_are_marked_not_followed() -> None:
    lock = Lock.of(
        [_pkg("a", "1", ("b", "b")), _pkg("b", "1", ("a", "a"))],
        metadata={"requirements": ["a"]},
    )
    assert render_tree(lock).splitlines() == [
        "<request> (linux-64)",
        "└── a 1 [a]",
        "    └── b 1 [b]",
        "        └── a 1 [a] (cycle)",
    ]


def test_platforms_are_separate_roots() -> None:
    lock = Lock.of(
        [_pkg("a", "1"), _pkg("a", "2", platform="osx-arm64")], metadata={"requirements": ["a"]}
    )
    assert len(why(lock, "a")) == 2
    assert [p[-1].version for p in why(lock, "a", platform="osx-arm64")] == ["2"]
    with pytest.raises(InputError, match="no packages for 'win-64'"):
        lock_graph(lock, "win-64")


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "json"])
def test_exports_are_deterministic(fmt: str) -> None:
    text = export_graph(LOCK, fmt)
    reordered = Lock(tuple(reversed(LOCK.packages)), metadata=LOCK.metadata)
    assert export_graph(reordered, fmt) == text


def test_json_export_is_node_link_data() -> None:
    data = json.loads(export_graph(LOCK, "json"))
    graph = nx.node_link_graph(data, edges="links")
    assert graph.number_of_nodes() == 6
    assert graph.number_of_edges() == 7
    assert not graph.is_multigraph()


def test_dot_export_quotes_labels() -> None:
    text = export_graph(LOCK, "dot")
    assert text.startswith("digraph lock {")
    assert "[label=\"tool ; python_version >= '3.8'\"]" in text


def test_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown graph format"):
        export_graph(LOCK, "png")
