"""Fixtures for the PyPI repository tests (builders live in ``pypi_builders``)."""

from __future__ import annotations

from pypi_builders import http_server

__all__ = ["http_server"]
