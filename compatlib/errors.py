"""The error hierarchy: every failure compatlib raises on purpose is a CompatError.

Errors carry fields (file, line, column, field, expected) so callers and the CLI can
point at the bad input without parsing messages. The error of an unsatisfiable
request, :class:`~compatlib.solver.errors.UnsatisfiableError`, lives with the
explanation it carries, in the solver layer; ``compatlib.UnsatisfiableError`` names it.
"""

from __future__ import annotations

__all__ = ["CompatError", "InputError"]


class CompatError(Exception):
    """Base class of all errors compatlib raises deliberately."""


class InputError(CompatError, ValueError):
    """Bad input: a file, field or string that does not parse or validate.

    ``source`` names the file (or ``"<string>"``), ``line``/``column`` are 1-based
    where known, ``field`` is a dotted path into structured data where relevant,
    and ``text`` is the offending text. ``str()`` renders one clear line, plus a
    caret line under ``text`` when the column is known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        text: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.field = field
        self.text = text
        self.expected = expected
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        msg = f"{where}{self.message}"
        if self.field is not None:
            msg += f" (field {self.field!r})"
        if self.expected is not None:
            msg += f"; expected {self.expected}"
        if self.text is not None and self.column is not None:
            msg += f"\n    {self.text}\n    {' ' * (self.column - 1)}^"
        return msg
