"""Read the real METADATA of framework wheels and print it as YAML facts.

This is a maintainer tool, not part of the library: it asks pip (the ordinary
client, with whatever index it is configured for) to resolve one release of a
package without installing it.  ``pip install --dry-run --report`` reads the
wheel's METADATA through PEP 658 where the index serves it, so nothing large is
downloaded.  A wheel file already on disk (for example in a local mirror) can be
read in place with ``--wheel PATH`` instead.

What it prints, per release, is what the knowledge files under
``data/frameworks/`` record from package metadata: the wheel file name (and so
its manylinux tag), ``Requires-Python``, the Python classifiers, and every
``nvidia-*`` / ``cuda-*`` requirement with its pin.  Curate the output into the
YAML by hand: the files also carry facts that no METADATA has (GPU
architectures, cuDNN of bundled builds), and each record cites the upstream URL.

Examples::

    python data/build/wheel_metadata.py torch 2.3.1 2.4.0
    python data/build/wheel_metadata.py --python 3.11 jax-cuda12-plugin 0.6.0
    python data/build/wheel_metadata.py --wheel /path/torch-2.14.1-...whl
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

__all__ = ["from_pip", "from_wheel", "main"]

_PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
)
_INTERESTING = re.compile(r"^(nvidia-|cuda-|jax-cuda|jaxlib|triton|tensorrt)", re.IGNORECASE)


def _summarise(name: str, version: str, url: str, meta: dict[str, Any]) -> dict[str, Any]:
    requires = [str(r) for r in meta.get("requires_dist", []) or []]
    pythons = sorted(
        {
            c.rsplit("::", 1)[1].strip()
            for c in meta.get("classifier", []) or []
            if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
        },
        key=lambda v: tuple(int(p) for p in v.split(".")),
    )
    return {
        "name": name,
        "version": version,
        "wheel": url.rsplit("/", 1)[-1],
        "url": url,
        "requires_python": meta.get("requires_python"),
        "python_classifiers": pythons,
        "gpu_requirements": sorted(r for r in requires if _INTERESTING.match(r)),
    }


def from_pip(name: str, version: str, python: str, cache: Path | None = None) -> dict[str, Any]:
    """Resolve ``name==version`` for Linux x86_64 with pip and summarise its METADATA.

    With ``cache``, pip's report is kept there and reused on the next run.
    """
    cached = None if cache is None else cache / f"{name}-{version}-py{python}.json"
    if cached is not None and cached.exists():
        data = json.loads(cached.read_text())
        (item,) = data["install"]
        return _summarise(name, version, item["download_info"]["url"], item["metadata"])
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--ignore-installed",
            "--ignore-requires-python",
            "--quiet",
            "--only-binary=:all:",
            "--python-version",
            python,
            "--target",
            str(Path(tmp) / "target"),
            "--report",
            str(report),
        ]
        for platform in _PLATFORMS:
            cmd += ["--platform", platform]
        cmd.append(f"{name}=={version}")
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pip could not resolve {name}=={version}: {done.stderr.strip()}")
        data = json.loads(report.read_text())
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(data, sort_keys=True))
    (item,) = data["install"]
    return _summarise(name, version, item["download_info"]["url"], item["metadata"])


def from_wheel(path: Path) -> dict[str, Any]:
    """Summarise the METADATA of a wheel file on disk, read in place."""
    with zipfile.ZipFile(path) as zf:
        member = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        msg = Parser().parsestr(zf.read(member).decode("utf-8"))
    meta = {
        "requires_dist": msg.get_all("Requires-Dist") or [],
        "requires_python": msg.get("Requires-Python"),
        "classifier": msg.get_all("Classifier") or [],
    }
    return _summarise(str(msg["Name"]), str(msg["Version"]), path.as_uri(), meta)


def _yaml(summary: dict[str, Any]) -> str:
    lines = [f"# {summary['name']} {summary['version']}  ({summary['url']})"]
    lines.append(f"wheel: {summary['wheel']}")
    lines.append(f"requires_python: {json.dumps(summary['requires_python'])}")
    lines.append(f"python_classifiers: [{', '.join(summary['python_classifiers'])}]")
    lines.append("requirements:")
    lines.extend(f"  - {json.dumps(r)}" for r in summary["gpu_requirements"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", help="distribution name, e.g. torch")
    parser.add_argument("versions", nargs="*", help="exact versions to read")
    parser.add_argument("--python", default="3.10", help="Python version to resolve for")
    parser.add_argument("--wheel", type=Path, action="append", default=[])
    parser.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    parser.add_argument("--cache", type=Path, help="keep pip's reports here and reuse them")
    args = parser.parse_args(argv)
    summaries = [from_wheel(w) for w in args.wheel]
    if args.package:
        for v in args.versions:
            try:
                summaries.append(from_pip(args.package, v, args.python, args.cache))
            except RuntimeError as exc:
                print(f"warning: {exc}", file=sys.stderr)
    if args.json:
        print(json.dumps(summaries, indent=1, sort_keys=True))
    else:
        print("\n---\n".join(_yaml(s) for s in summaries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
