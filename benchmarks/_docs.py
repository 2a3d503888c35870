"""Writing a benchmark's table into docs/benchmarks.md between its own markers."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, start: str, end: str, text: str) -> None:
    """Replace what lies between ``start`` and ``end`` in ``path`` with ``text``
    (markers kept); append the section when the file has no such markers yet."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    if start in current and end in current:
        head, _, rest = current.partition(start)
        _, _, tail = rest.partition(end)
        new = head + block + tail.lstrip("\n")
    else:
        new = current.rstrip("\n") + "\n\n" + block
    path.write_text(new, encoding="utf-8")
