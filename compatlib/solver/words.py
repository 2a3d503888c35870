"""English lists for explanations: ``a, b or c``."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["join_words"]


def join_words(items: Sequence[str], word: str = "and") -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"`` (``word`` between the last two;
    no serial comma); ``""`` for no items."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]
