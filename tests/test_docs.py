"""Every Python example in the docs and the README runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks() -> list[object]:
    out = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, m in enumerate(BLOCK.finditer(doc.read_text(encoding="utf-8"))):
            out.append(pytest.param(m.group(1), id=f"{doc.name}-{i}"))
    return out


@pytest.mark.parametrize("code", _blocks())
def test_example_runs(code: str) -> None:
    if "shared/" in code and not SHARED.is_dir():
        pytest.skip("the example reads ../shared, which is not present")
    if "/opt/pypi" in code and not Path("/opt/pypi").is_dir():
        pytest.skip("the example reads this machine's local PyPI mirror, which is not present")
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
