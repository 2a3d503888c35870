"""The ``compatlib`` command line: parsing and printing only.

:mod:`compatlib.cli.app` holds the top-level parser and ``main``; each other
module adds one subcommand's parser and runs it by calling the library.
"""

from __future__ import annotations

from compatlib.cli.app import main

__all__ = ["main"]
