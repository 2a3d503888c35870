"""Write the JSON twins of the YAML data files (``data/compiled/``).

The YAML files stay the source of truth (they carry the sources and notes);
each twin holds the same data, with the line each mapping starts on, and the
sha256 of the YAML bytes it was made from. compatlib reads a twin only while
that hash matches (``compatlib._datafiles.load_compiled``), so a stale twin is
never used, only slower. Run after editing any YAML file under ``data/``:

    python data/build/compile_data.py           # rewrite the twins
    python data/build/compile_data.py --check   # exit 1 if any is missing or stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("stack", "frameworks", "mappings")
LINE_KEY = "__line__"


def _loader() -> type[yaml.SafeLoader]:
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
        items = loader.construct_mapping(node, deep=True)
        out: dict[str, Any] = {}
        for key, value in items.items():
            if not isinstance(key, str):
                raise SystemExit(f"line {node.start_mark.line + 1}: non-string key {key!r}")
            if key == LINE_KEY:
                raise SystemExit(f"line {node.start_mark.line + 1}: reserved key {key!r}")
            out[key] = value
        out[LINE_KEY] = node.start_mark.line + 1
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return Loader


def _check_types(node: Any, where: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _check_types(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_types(value, f"{where}[{i}]")
    elif node is not None and not isinstance(node, (str, int, bool)):
        # floats, dates, ... would not survive JSON unchanged
        raise SystemExit(f"{where}: a {type(node).__name__} cannot be compiled to JSON exactly")


def compile_one(path: Path) -> bytes:
    """The twin's bytes for YAML file ``path``."""
    source = path.read_bytes()
    data = yaml.load(source, Loader=_loader())  # a SafeLoader subclass
    _check_types(data, path.name)
    head = {
        "sha256": hashlib.sha256(source).hexdigest(),
        "source": path.relative_to(ROOT).as_posix(),
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (json.dumps(head, sort_keys=True) + "\n" + body + "\n").encode("utf-8")


def twin_of(path: Path) -> Path:
    return ROOT / "compiled" / path.relative_to(ROOT).with_suffix(".json")


def sources() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.yaml"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the twins are current")
    args = parser.parse_args(argv)
    wanted = {twin_of(p): compile_one(p) for p in sources()}
    present = set((ROOT / "compiled").rglob("*.json")) if (ROOT / "compiled").is_dir() else set()
    stale = sorted(p for p, blob in wanted.items() if not p.is_file() or p.read_bytes() != blob)
    extra = sorted(present - set(wanted))
    if args.check:
        for p in stale:
            print(f"stale or missing: {p.relative_to(ROOT)}", file=sys.stderr)
        for p in extra:
            print(f"no YAML source: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale or extra else 0
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".json.tmp")
        tmp.write_bytes(wanted[p])
        tmp.replace(p)
        print(f"wrote {p.relative_to(ROOT)}")
    for p in extra:
        p.unlink()
        print(f"removed {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
