"""compatlib: the ML stack as constraints, solved, locked and explained.

The top level is lazy: heavy modules load on first use, so ``import compatlib``
stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatlib._lazy import lazy_attributes
from compatlib.errors import CompatError, InputError

if TYPE_CHECKING:
    from compatlib.resolve.conda_solve import solve_conda, solve_environment
    from compatlib.resolve.resolution import Resolution
    from compatlib.resolve.solve import solve
    from compatlib.solver.errors import UnsatisfiableError
    from compatlib.solver.explanation import Explanation
    from compatlib.sources.memory import Index
    from compatlib.testing.peer import load_index
    from compatlib.values.target import Target

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
    "solve": "compatlib.resolve.solve",
    "load_index": "compatlib.testing.peer",
    "solve_conda": "compatlib.resolve.conda_solve",
    "solve_environment": "compatlib.resolve.conda_solve",
    "Explanation": "compatlib.solver.explanation",
    "UnsatisfiableError": "compatlib.solver.errors",
    "Index": "compatlib.sources.memory",
    "Resolution": "compatlib.resolve.resolution",
    "Target": "compatlib.values.target",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
