"""Build in-memory indexes of framework releases from the knowledge base.

The cross-layer scenarios need indexes that look like PyPI and PyTorch's own
index: wheels with their real platform tags, Requires-Python, and the nvidia-*
pins of the default wheels. Every fact comes from data/frameworks (sourced).
"""

from __future__ import annotations

from collections.abc import Iterable

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from compatlib.errors import InputError
from compatlib.sources.memory import Artifact, Index, IndexRelease
from compatlib.stack.frameworks import FrameworkBuild, build, nvidia_packages

LINUX = 'platform_system == "Linux" and platform_machine == "x86_64"'
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")


def _wheel_tag(b: FrameworkBuild) -> str:
    if b.wheel_tag:
        return b.wheel_tag
    return "manylinux_2_28_x86_64" if b.min_glibc == "2.28" else "linux_x86_64"


def _wheels(dist: str, version: str, b: FrameworkBuild, pure: bool = False) -> tuple[Artifact, ...]:
    if pure:
        return (Artifact(f"{dist}-{version}-py3-none-{_wheel_tag(b)}.whl"),)
    spec = SpecifierSet(b.python)
    out = []
    for py in PYTHONS:
        if spec.contains(py + ".0"):
            cp = "cp" + py.replace(".", "")
            out.append(Artifact(f"{dist}-{version}-{cp}-{cp}-{_wheel_tag(b)}.whl"))
            if b.default and b.framework != "jax":
                out.append(Artifact(f"{dist}-{version}-{cp}-{cp}-win_amd64.whl"))
    return tuple(out)


def framework_index(entries: Iterable[str]) -> Index:
    """An index from entries like ``torch 2.3.1`` (the PyPI default wheel),
    ``torch 2.3.1+cu118`` (PyTorch's index), ``tensorflow 2.15.0``,
    ``jax 0.6.0`` (jax, jaxlib and the CUDA 12 plugin), or a plain package
    ``name version [requires_python]``."""
    packages: dict[str, dict[str, IndexRelease]] = {}

    def put(name: str, rel: IndexRelease) -> None:
        packages.setdefault(name, {})[rel.version] = rel

    for entry in entries:
        name, version, *rest = entry.split()
        if name in ("torch", "tensorflow"):
            b = build(name, version)
            requires: list[str] = []
            if b.default and "+" not in version:
                try:
                    pins = nvidia_packages(name, version)
                except InputError:
                    pins = ()
                if name == "torch":
                    requires = [f"{p.name}{p.specifier}; {LINUX}" for p in pins]
                for p in pins:
                    put(
                        p.name,
                        IndexRelease(
                            p.version,
                            artifacts=(
                                Artifact(
                                    f"{canonicalize_name(p.name).replace('-', '_')}-{p.version}"
                                    "-py3-none-manylinux2014_x86_64.whl"
                                ),
                            ),
                        ),
                    )
            put(
                name,
                IndexRelease(
                    version, tuple(requires), b.python, artifacts=_wheels(name, version, b)
                ),
            )
        elif name == "jax":
            cpu = build("jax", version, "cpu")
            put(
                "jax",
                IndexRelease(
                    version,
                    (f"jaxlib=={version}",),
                    cpu.python,
                    artifacts=(Artifact(f"jax-{version}-py3-none-any.whl"),),
                ),
            )
            put(
                "jaxlib",
                IndexRelease(
                    version, (), cpu.python, artifacts=_wheels("jaxlib", version, replace_tag(cpu))
                ),
            )
            for variant in ("cuda12", "cuda13"):
                try:
                    g = build("jax", version, variant)
                except InputError:
                    continue
                dist = f"jax_{variant}_plugin"
                put(
                    g.package,
                    IndexRelease(version, (), g.python, artifacts=_wheels(dist, version, g)),
                )
        else:
            put(name, IndexRelease(version, (), rest[0] if rest else None))
    return Index({n: list(v.values()) for n, v in packages.items()})


def replace_tag(b: FrameworkBuild) -> FrameworkBuild:
    from compatlib._values import replace

    return replace(b, wheel_tag=b.wheel_tag or "manylinux2014_x86_64")
