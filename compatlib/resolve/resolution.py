"""The result of a successful solve."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from compatlib._values import field, value

if TYPE_CHECKING:
    import networkx

    from compatlib.values.target import Target

__all__ = ["Resolution", "SystemRequirement"]


@value(slots=False)
class SystemRequirement:
    """What a resolution needs of one system layer.

    ``requirement`` is readable (``>=525.60.13``); ``allowed`` lists the known
    values that satisfy it where that is the clearest form (GPU compute
    capabilities); ``because`` holds ``(package, requirement)`` pairs, the
    releases that impose it.
    """

    layer: str
    package: str
    requirement: str
    allowed: tuple[str, ...] = ()
    because: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"layer": self.layer, "requirement": self.requirement}
        if self.allowed:
            d["allowed"] = list(self.allowed)
        d["because"] = [list(b) for b in self.because]
        return d


@value(slots=False)
class Resolution:
    """Chosen versions and the dependency graph between them.

    ``versions`` maps canonical names to versions (``str()`` gives the version).
    ``extras`` maps names to the extras that were requested of them.
    ``edges`` are ``(from, to, requirement)``; ``from`` is ``None`` for the request.
    ``system`` maps system layers (``python``, ``nvidia_driver``, ``cuda``, ...) to the
    value the solve relied on. ``system_requirements`` says what the chosen
    releases need of each system layer (driver, glibc, GPU), for a lock to carry.
    """

    versions: Mapping[str, Version]
    edges: tuple[tuple[str | None, str, str], ...] = ()
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    system: Mapping[str, str] = field(default_factory=dict)
    target: Target | None = None
    system_requirements: Mapping[str, SystemRequirement] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Version:
        return self.versions[name]

    def __contains__(self, name: object) -> bool:
        return name in self.versions

    def __len__(self) -> int:
        return len(self.versions)

    def requirements_of(self, name: str | None) -> list[tuple[str, str]]:
        """``(package, requirement)`` pairs that ``name`` (``None``: the request) pulls in."""
        return [(dst, req) for src, dst, req in self.edges if src == name]

    def dependents_of(self, name: str) -> list[str | None]:
        """Who requires ``name`` (``None`` stands for the request)."""
        return sorted({src for src, dst, _ in self.edges if dst == name}, key=lambda s: s or "")

    def why(self, name: str) -> list[str]:
        """Why ``name`` is in the resolution: the shortest chain from the request,
        one step per line ("you require trainer>=1.0", "trainer 1.1.0 depends on
        framework>=2.2,<3"). Empty if the package is not in the resolution."""
        # lazy: only why needs compatlib.values.filenames, which loads 2 modules that importing this one does not
        from compatlib.values.filenames import canonicalize_name

        target = canonicalize_name(name)
        if target not in self.versions:
            return []
        parent: dict[str, tuple[str | None, str]] = {}
        queue: deque[str | None] = deque([None])
        seen: set[str | None] = {None}
        while queue:
            node = queue.popleft()
            for dst, req in self.requirements_of(node):
                if dst in seen:
                    continue
                seen.add(dst)
                parent[dst] = (node, req)
                if dst == target:
                    queue.clear()
                    break
                queue.append(dst)
        steps: list[str] = []
        cur: str | None = target
        while cur is not None and cur in parent:
            src, req = parent[cur]
            who = "you require" if src is None else f"{src} {self.versions[src]} depends on"
            steps.append(f"{who} {req}")
            cur = src
        return list(reversed(steps))

    def graph(self) -> networkx.DiGraph:
        """The dependency graph as a networkx ``DiGraph`` (imported on demand)."""
        # lazy: only graph needs networkx, which loads 395 modules that importing this one does not
        import networkx as nx

        g = nx.DiGraph()
        g.add_node("<request>")
        for name, version in sorted(self.versions.items()):
            g.add_node(name, version=str(version))
        for src, dst, req in self.edges:
            g.add_edge(src or "<request>", dst, requirement=req)
        return g

    def to_dict(self) -> dict[str, Any]:
        return {
            "versions": {n: str(v) for n, v in sorted(self.versions.items())},
            "extras": {n: list(e) for n, e in sorted(self.extras.items()) if e},
            "system": dict(sorted(self.system.items())),
            "system_requirements": {
                k: r.to_dict() for k, r in sorted(self.system_requirements.items())
            },
            "edges": [[s, d, r] for s, d, r in self.edges],
        }

    def __str__(self) -> str:
        return "\n".join(f"{n}=={v}" for n, v in sorted(self.versions.items()))
