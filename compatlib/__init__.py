"""compatlib: the ML stack as constraints, solved, locked and explained.

The top level is lazy: heavy modules load on first use, so ``import compatlib``
stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatlib._lazy import lazy_attributes
from compatlib.errors import CompatError, InputError, UnsatisfiableError

if TYPE_CHECKING:
    from compatlib.api import load_index, solve
    from compatlib.conda_api import solve_conda, solve_environment
    from compatlib.explain.tree import Explanation
    from compatlib.index.memory import Index
    from compatlib.resolution import Resolution
    from compatlib.target import Target

__all__ = [
    "CompatError",
    "Explanation",
    "Index",
    "InputError",
    "Resolution",
    "Target",
    "UnsatisfiableError",
    "__version__",
    "load_index",
    "solve",
    "solve_conda",
    "solve_environment",
]

__version__ = "0.1.0"

_LAZY = {
    "solve": "compatlib.api",
    "load_index": "compatlib.api",
    "solve_conda": "compatlib.conda_api",
    "solve_environment": "compatlib.conda_api",
    "Explanation": "compatlib.explain.tree",
    "Index": "compatlib.index.memory",
    "Resolution": "compatlib.resolution",
    "Target": "compatlib.target",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
