"""The solver's error: the request cannot be met, with the explanation as data.

Kept apart from :mod:`compatlib.solver.explanation` so that the paths that only
catch it (a lock that succeeds) never load the explanation machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatlib.errors import CompatError

if TYPE_CHECKING:
    from compatlib.solver.explanation import Explanation

__all__ = ["UnsatisfiableError"]


class UnsatisfiableError(CompatError):
    """The requirements cannot all be met; ``explanation`` says why, as data."""

    def __init__(self, explanation: Explanation) -> None:
        self.explanation = explanation
        super().__init__(explanation.report)
