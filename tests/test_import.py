"""``import compatlib`` stays light and finds its data."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("networkx", "yaml", "conda_lock", "azure", "tomli_w", "resolvelib", "hypothesis")


def test_import_is_light_and_finds_data() -> None:
    code = (
        "import json, sys, compatlib\n"
        "from compatlib._datafiles import data_dir\n"
        "print(json.dumps({'mods': sorted(sys.modules), 'data': str(data_dir())}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)
    loaded = [m for m in info["mods"] if m.split(".")[0] in HEAVY]
    assert loaded == []
    assert info["data"]


def test_public_api_is_lazy_but_complete() -> None:
    import compatlib

    for name in compatlib.__all__:
        assert getattr(compatlib, name) is not None
    assert issubclass(compatlib.UnsatisfiableError, compatlib.CompatError)
    assert issubclass(compatlib.InputError, compatlib.CompatError)
