"""Target: what a target reads of its Python."""

from __future__ import annotations

import sys

from compatlib.values.target import Target


def test_python_series_is_the_major_minor_the_marker_reads() -> None:
    t = Target(python="3.12.4")
    assert t.python_series == "3.12"
    assert t.marker_environment()["python_version"] == "3.12"
    assert Target(python="3.10").python_series == "3.10"
    assert Target().python_series == f"{sys.version_info.major}.{sys.version_info.minor}"
