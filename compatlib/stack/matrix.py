"""Compatibility matrices of framework builds, as terminal text and Markdown.

One row per (release, variant): the CUDA and cuDNN it was built with, the
oldest NVIDIA drivers that run that CUDA (from ``compatlib.stack.knowledge``),
the GPU architectures compiled in, the Python versions and the glibc baseline. ``write_pages`` renders one
Markdown page per framework into ``docs/matrices/``; the bytes depend only on
``data/``, so a test can check that the committed pages are current::

    python -m compatlib.stack.matrix docs/matrices          # regenerate
    python -m compatlib.stack.matrix --check docs/matrices  # exit 1 if stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.stack.frameworks import FrameworkBuild, builds, canonical_framework, frameworks

__all__ = [
    "MatrixRow",
    "jax_matrix",
    "main",
    "matrix",
    "render_markdown",
    "render_page",
    "render_text",
    "tensorflow_matrix",
    "torch_matrix",
    "write_pages",
]

_TITLES = {"pytorch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX"}
_COLUMNS = (
    ("version", "Version"),
    ("variant", "Variant"),
    ("cuda", "CUDA"),
    ("cudnn", "cuDNN"),
    ("driver_minor", "Driver (minor compat.)"),
    ("driver_toolkit", "Driver (toolkit)"),
    ("gpus", "GPU architectures"),
    ("python", "Python"),
    ("min_glibc", "glibc"),
)


@value
class MatrixRow:
    """One line of a compatibility matrix; every cell is display text."""

    framework: str
    version: str
    variant: str
    default: bool
    cuda: str
    cudnn: str
    driver_minor: str
    driver_toolkit: str
    gpus: str
    python: str
    min_glibc: str

    def cell(self, key: str) -> str:
        if key == "variant" and self.default:
            return f"{self.variant} (PyPI)"
        value: str = getattr(self, key)
        return value


def _driver(cuda: str, compatibility: str) -> str:
    """The oldest Linux driver for ``cuda`` from the stack knowledge base."""
    # lazy: only _driver needs compatlib.stack.knowledge, which loads 2 modules that importing this one does not
    from compatlib.stack.knowledge import min_driver

    try:
        return min_driver(cuda, "linux", compatibility)
    except InputError:
        return "unknown"


def _gpus(b: FrameworkBuild) -> str:
    if b.cuda is None:
        return "-"
    if b.arch_list:
        return " ".join(b.arch_list) + (" *" if b.arch_checked else "")
    return f">= {b.min_compute_capability} (JIT)"


def _python(spec: str) -> str:
    return spec.replace(",", ", ")


def matrix(framework: str) -> list[MatrixRow]:
    """The rows for one framework, oldest release first, CUDA variants first."""
    fw = canonical_framework(framework)
    rows = []
    for b in builds(fw):
        rows.append(
            MatrixRow(
                framework=fw,
                version=b.version,
                variant=b.variant,
                default=b.default,
                cuda=b.cuda or "-",
                cudnn=b.cudnn or "-",
                driver_minor="-" if b.cuda is None else _driver(b.cuda, "minor"),
                driver_toolkit="-" if b.cuda is None else _driver(b.cuda, "toolkit"),
                gpus=_gpus(b),
                python=_python(b.python),
                min_glibc=b.min_glibc or "-",
            )
        )
    return rows


def torch_matrix() -> list[MatrixRow]:
    """PyTorch builds; see :func:`matrix`."""
    return matrix("pytorch")


def tensorflow_matrix() -> list[MatrixRow]:
    """TensorFlow builds; see :func:`matrix`."""
    return matrix("tensorflow")


def jax_matrix() -> list[MatrixRow]:
    """JAX builds (the CUDA plugins and the CPU jaxlib); see :func:`matrix`."""
    return matrix("jax")


def render_text(rows: Sequence[MatrixRow]) -> str:
    """An aligned plain-text table, one line per row, ending with a newline."""
    header = [title for _, title in _COLUMNS]
    body = [[r.cell(key) for key, _ in _COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [fmt(header), fmt(["-" * w for w in widths])]
    lines.extend(fmt(line) for line in body)
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(rows: Sequence[MatrixRow]) -> str:
    """A GitHub-flavoured Markdown table, ending with a newline."""
    lines = [
        "| " + " | ".join(title for _, title in _COLUMNS) + " |",
        "|" + "|".join("---" for _ in _COLUMNS) + "|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(_md_escape(r.cell(k)) for k, _ in _COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def render_page(framework: str) -> str:
    """The whole Markdown page for one framework (deterministic)."""
    fw = canonical_framework(framework)
    title = _TITLES[fw]
    rows = matrix(fw)
    notes = sorted({n for b in builds(fw) for n in b.notes})
    parts = [
        f"# {title} builds: compatibility matrix",
        "",
        "<!-- Generated by `python -m compatlib.stack.matrix docs/matrices` from "
        f"data/frameworks/{fw}.yaml; do not edit by hand. -->",
        "",
        "Linux x86_64 wheels. *(PyPI)* marks the variant `pip install` gets from PyPI; "
        "the others come from the framework's own index. *GPU architectures* are the "
        "compute capabilities with machine code in the build (`+PTX`: PTX as well, "
        "which newer GPUs can JIT-compile); `*` marks lists confirmed by reading the GPU "
        "code in the published wheel. *Driver (minor compat.)* is the oldest Linux "
        "driver that runs the build through CUDA minor-version compatibility (PTX newer "
        "than the driver cannot be JIT-compiled there); *Driver (toolkit)* is the driver "
        "NVIDIA lists for that CUDA release, which supports everything it does. "
        "Each fact's source is in the YAML file; see docs/frameworks.md.",
        "",
        render_markdown(rows).rstrip("\n"),
    ]
    if notes:
        parts += ["", "## Notes from the sources", ""]
        parts += [f"- {n}" for n in notes]
    return "\n".join(parts) + "\n"


def write_pages(directory: Path, *, check: bool = False) -> list[Path]:
    """Write (or with ``check``, compare) one page per framework; return stale/written paths.

    With ``check`` nothing is written and the returned list holds the pages
    whose content differs from what the data gives.
    """
    if not check:
        directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for fw in frameworks():
        path = directory / f"{fw}.md"
        text = render_page(fw)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            changed.append(path)
            if not check:
                tmp = path.with_suffix(".md.tmp")
                tmp.write_text(text, encoding="utf-8", newline="\n")
                tmp.replace(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m compatlib.stack.matrix [--check] DIR`` or ``--show FRAMEWORK``."""
    parser = argparse.ArgumentParser(prog="python -m compatlib.stack.matrix")
    parser.add_argument("directory", nargs="?", type=Path, default=Path("docs/matrices"))
    parser.add_argument("--check", action="store_true", help="exit 1 if pages are stale")
    parser.add_argument("--show", metavar="FRAMEWORK", help="print one matrix as text")
    args = parser.parse_args(argv)
    if args.show:
        sys.stdout.write(render_text(matrix(args.show)))
        return 0
    changed = write_pages(args.directory, check=args.check)
    for path in changed:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
