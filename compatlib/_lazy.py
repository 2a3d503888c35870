"""A module object that imports its target on first attribute access."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

__all__ = ["lazy_module"]


class _LazyModule(ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_target"] = name

    def __getattr__(self, attr: str) -> Any:
        module = import_module(self.__dict__["_target"])
        return getattr(module, attr)


def lazy_module(name: str) -> ModuleType:
    """A stand-in for module ``name`` that imports it when first used."""
    return _LazyModule(name)
