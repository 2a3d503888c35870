"""Dotted-numeric versions for system components: drivers, CUDA, compute capability.

``535.104.05``, ``12.1`` and ``8.6`` compare numerically component by component,
with missing trailing components equal to zero (``12.1 == 12.1.0``). The original
spelling is kept for printing (driver versions keep their leading zeros).
"""

from __future__ import annotations

import re
from functools import total_ordering

from compatlib._values import slot_setter, value
from compatlib.errors import InputError
from compatlib.values.sets import parse_version_set

__all__ = ["DottedVersion", "satisfies"]

_DOTTED = re.compile(r"^\s*v?(\d+(?:\.\d+)*)\s*$")


@total_ordering
@value(init=False)
class DottedVersion:
    """An immutable numeric version such as ``535.104.05`` or ``8.6``."""

    __slots__ = ("_key", "_text")

    _text: str
    _key: tuple[int, ...]

    def __init__(self, text: str | int | float) -> None:
        raw = str(text)
        m = _DOTTED.match(raw)
        if m is None:
            raise InputError(
                f"invalid version {raw!r}",
                expected="dot-separated numbers such as 535.104.05 or 12.1",
            )
        parts = [int(p) for p in m.group(1).split(".")]
        while len(parts) > 1 and parts[-1] == 0:
            parts.pop()
        _set_text(self, m.group(1))
        _set_key(self, tuple(parts))

    @property
    def parts(self) -> tuple[int, ...]:
        """The numeric components with trailing zeros dropped."""
        return self._key

    @property
    def major(self) -> int:
        return self._key[0]

    @property
    def minor(self) -> int:
        return self._key[1] if len(self._key) > 1 else 0

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<DottedVersion({self._text!r})>"

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DottedVersion):
            return NotImplemented
        return self._key == other._key

    def __lt__(self, other: DottedVersion) -> bool:
        if not isinstance(other, DottedVersion):
            return NotImplemented
        return self._key < other._key


_set_text = slot_setter(DottedVersion, "_text")
_set_key = slot_setter(DottedVersion, "_key")


def _conda_bound(text: str) -> str:
    """``3.0.a0`` / ``3.0a0`` (conda's "below any 3.0 pre-release") -> ``3.0``."""
    for suffix in (".a0", "a0"):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def satisfies(text: str, found: str) -> bool | None:
    """Does dotted version ``found`` meet a lock's system requirement (``>=2.28``,
    ``>=525.60.13, <600``, ``==8.0 | ==9.0``, ``one of 8.0, 9.0``, and from conda
    records ``>=2.17,<3.0.a0`` or ``*``)? ``None`` if the text is not understood.

    The text is read as a :class:`~compatlib.values.sets.VersionSet` (the form
    it was printed from), so ``!=`` and ``|`` mean what they mean there."""
    try:
        have = DottedVersion(found)
    except (ValueError, InputError):
        return None
    text = text.strip()
    try:
        if text.startswith("one of "):
            options = [o.strip() for o in text[len("one of ") :].split(",")]
            return any(DottedVersion(o) == have for o in options if o)
        allowed = parse_version_set(text, lambda v: DottedVersion(_conda_bound(v)))
    except (ValueError, InputError):
        return None
    return allowed.contains(have)
