"""Fixtures for the PyPI repository tests (builders live in ``pypi_builders``)."""

from __future__ import annotations

import sys
from pathlib import Path

# The builders module sits beside this file; make it importable under any
# pytest import mode (prepend adds this folder itself, importlib does not).
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from pypi_builders import http_server  # noqa: E402

__all__ = ["http_server"]
