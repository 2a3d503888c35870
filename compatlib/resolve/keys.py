"""Package keys: how the providers name packages to the solver.

The solver needs nothing of a key but a hash; the providers of
:mod:`compatlib.resolve.providers` use these small values, one class per kind
of package, so no one parses names back out of strings:

* :class:`PipKey` ``(name, extra)``: a Python distribution by canonical name;
  with ``extra``, the proxy package for ``name[extra]``, pinned to the same
  version as ``name``;
* :class:`CondaKey` ``(name)``: a conda package (conda's virtual packages are
  the names that start with ``__``, as in conda);
* :class:`LayerKey` ``(layer, gpu)``: a layer of the system as a virtual
  package (the target's Python, glibc, NVIDIA driver, CUDA the driver can run,
  GPU compute capability; ``gpu`` names each further GPU generation).

In a mixed conda + pip solve the class of the key says which side a package is
on. The request itself has no key: the solver keeps its root apart, and names it
``None`` in results. ``str(key)`` is the conventional spelling (``numpy``,
``torch[cuda]``, ``__nvidia_driver``, ``__cuda_arch:9.0``).
"""

from __future__ import annotations

from typing import Literal

from compatlib._values import value

__all__ = [
    "CUDA",
    "CUDA_ARCH",
    "DRIVER",
    "GLIBC",
    "PYTHON",
    "PYTHONS",
    "CondaKey",
    "LayerKey",
    "LayerName",
    "PackageKey",
    "PipKey",
]

#: the system layers a :class:`LayerKey` can stand for
LayerName = Literal["python", "glibc", "nvidia_driver", "cuda", "cuda_arch"]


class PackageKey:
    """The base of the package keys; see the module docstring."""

    __slots__ = ()


@value
class PipKey(PackageKey):
    """A Python distribution (``name`` canonical), or one of its extras."""

    name: str
    extra: str | None = None

    @property
    def base(self) -> PipKey:
        """The distribution itself (``self`` when this is no extra)."""
        return self if self.extra is None else PipKey(self.name)

    def __str__(self) -> str:
        return self.name if self.extra is None else f"{self.name}[{self.extra}]"


@value
class CondaKey(PackageKey):
    """A conda package by name."""

    name: str

    @property
    def is_virtual(self) -> bool:
        """conda's virtual packages (``__cuda``, ``__glibc``) describe the system."""
        return self.name.startswith("__")

    def __str__(self) -> str:
        return self.name


@value
class LayerKey(PackageKey):
    """A system layer as a virtual package whose versions are the layer's values.

    ``gpu`` is set for each GPU generation after the first (its compute
    capability): a build must run on every GPU of the machine.
    """

    layer: LayerName
    gpu: str | None = None

    @property
    def name(self) -> str:
        """``nvidia_driver``, ``cuda_arch:9.0``: the layer's name in results."""
        return self.layer if self.gpu is None else f"{self.layer}:{self.gpu}"

    def __str__(self) -> str:
        return f"__{self.name}"


PYTHON = LayerKey("python")
GLIBC = LayerKey("glibc")
DRIVER = LayerKey("nvidia_driver")
CUDA = LayerKey("cuda")
CUDA_ARCH = LayerKey("cuda_arch")

#: the ``major.minor`` values of the :data:`PYTHON` layer that are tried when the
#: target's own will not do (a fix's choices, the Pythons a release's wheels are for)
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
