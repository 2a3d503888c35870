"""The built wheel carries data/ and works from outside the checkout."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_wheel_ships_data_and_imports_light(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    out = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(out.glob("compatlib-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert "compatlib/_data/stack/cuda.yaml" in names
    assert "compatlib/py.typed" in names
    code = (
        "import json, sys, compatlib\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('networkx', 'yaml', 'conda_lock', 'azure')]\n"
        "from compatlib._datafiles import data_dir\n"
        "import compatlib.stack as s\n"
        "print(json.dumps({'data': str(data_dir()), 'heavy': heavy, 'driver': s.min_driver('12.1')}))\n"
    )
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(res.stdout)
    assert Path(info["data"]).is_relative_to(tmp_path / "site")
    assert info["heavy"] == []
    assert info["driver"] == "530.30.02"
