"""Value classes for the modules a ``compatlib lock`` process always loads.

:func:`value` turns an annotated class into an immutable value type, like
``@dataclass(frozen=True, slots=True)``: ``__init__`` (with defaults and
``field(default_factory=...)``), ``__repr__``, ``__eq__``/``__hash__`` over the
fields, ``__post_init__``, and attribute assignment refused. It exists because
``dataclasses`` costs a fresh process about 30 ms on the lock path (the module
imports ``inspect``, ``ast`` and ``dis``, and each class compiles five or six
functions); here each class compiles one small block of code. Type checkers
see it as a dataclass transform, so fields are checked as usual.

:func:`replace` is ``dataclasses.replace`` for these classes (and for real
dataclasses too).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # Python 3.10: only type checkers care about the marker

    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda f: f


__all__ = ["FrozenInstanceError", "SetOnce", "field", "fields", "replace", "value"]

T = TypeVar("T")

_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of an immutable value."""


class SetOnce:
    """A base for hand-written immutable classes: each attribute may be assigned
    once (in ``__init__``), never again, and none may be deleted."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, name):
            raise AttributeError(f"{type(self).__name__} is immutable")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")


class _Field:
    __slots__ = ("compare", "default", "factory", "repr")

    def __init__(self, default: Any, factory: Any, compare: bool, repr: bool) -> None:
        self.default = default
        self.factory = factory
        self.compare = compare
        self.repr = repr


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """A field with a default, a default factory, or left out of ``==``/``repr``."""
    return _Field(default, _MISSING if default_factory is None else default_factory, compare, repr)


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return getattr(annotation, "__origin__", None) is getattr(
        sys.modules.get("typing"), "ClassVar", None
    )


def _build(cls: type[T], frozen: bool, eq: bool, slots: bool) -> type[T]:
    names: list[str] = []
    specs: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):  # fields of value bases come first
        for name in getattr(base, "__value_fields__", ()):
            if name not in specs:
                names.append(name)
            specs[name] = base.__value_specs__[name]  # type: ignore[attr-defined]
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 -- inspect is what we avoid
    for name, annotation in own.items():
        if _is_classvar(annotation):
            continue
        default = cls.__dict__.get(name, _MISSING)
        spec = default if isinstance(default, _Field) else _Field(default, _MISSING, True, True)
        if name not in specs:
            names.append(name)
        specs[name] = spec

    # the generated __init__'s helpers carry names no field can sensibly have
    env: dict[str, Any] = {"__v_missing__": _MISSING, "__v_set__": object.__setattr__}
    params: list[str] = []
    body: list[str] = []
    seen_default = False
    for name in names:
        spec = specs[name]
        if spec.default is not _MISSING:
            if isinstance(spec.default, (list, dict, set)):  # as dataclasses refuses
                raise ValueError(
                    f"mutable default {type(spec.default).__name__} for field {name!r} "
                    f"of {cls.__name__}: use field(default_factory=...)"
                )
            env[f"__v_d_{name}__"] = spec.default
            params.append(f"{name}=__v_d_{name}__")
            seen_default = True
        elif spec.factory is not _MISSING:
            env[f"__v_f_{name}__"] = spec.factory
            params.append(f"{name}=__v_missing__")
            body.append(f"  if {name} is __v_missing__: {name} = __v_f_{name}__()")
            seen_default = True
        else:
            if seen_default:
                raise TypeError(f"non-default field {name!r} follows a default in {cls.__name__}")
            params.append(name)
        setter = f"__v_set__(self, {name!r}, {name})" if frozen else f"self.{name} = {name}"
        body.append(f"  {setter}")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    qual = cls.__qualname__
    shown = tuple(n for n in names if specs[n].repr)
    compared = tuple(n for n in names if specs[n].compare)
    lines = [f"def __init__(self, {', '.join(params)}) -> None:", *(body or ["  pass"])]
    # only __init__ is compiled (compiling is most of the cost of a class);
    # the other methods are closures over the field names
    exec("\n".join(lines), env)  # the code is built above from field names only
    methods: dict[str, Any] = {"__init__": env["__init__"], "__repr__": _repr_fn(qual, shown)}
    if eq:
        methods["__eq__"], hash_fn = _eq_hash_fns(compared)
        if frozen:
            methods["__hash__"] = hash_fn
    if frozen:
        methods["__setattr__"] = _frozen_setattr
        methods["__delattr__"] = _frozen_delattr

    env["__init__"].__qualname__ = f"{qual}.__init__"
    # methods the class defines itself are kept, as dataclasses does
    methods = {k: v for k, v in methods.items() if k not in cls.__dict__}
    if eq and not frozen and "__hash__" not in cls.__dict__:
        methods["__hash__"] = None
    extra: dict[str, Any] = {
        "__value_fields__": tuple(names),
        "__value_specs__": specs,
        "__match_args__": tuple(names),
    }
    if not slots:
        # no new class: methods using zero-argument super() keep working
        for key, item in {**methods, **extra}.items():
            setattr(cls, key, item)
        for name in names:
            if isinstance(cls.__dict__.get(name), _Field):
                spec = specs[name]
                if spec.default is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
        return cls
    namespace = dict(cls.__dict__)
    namespace.pop("__dict__", None)  # the new class makes its own
    namespace.pop("__weakref__", None)
    namespace.update(methods)
    namespace.update(extra)
    inherited = {s for base in cls.__mro__[1:] for s in getattr(base, "__slots__", ())}
    namespace["__slots__"] = tuple(n for n in own if n in specs and n not in inherited)
    for name in names:
        namespace.pop(name, None)  # defaults live in __init__, not on the class
    if frozen:
        namespace.setdefault("__getstate__", _getstate)
        namespace.setdefault("__setstate__", _setstate)
    new: type[T] = type(cls)(cls.__name__, cls.__bases__, namespace)  # type: ignore[misc]
    new.__qualname__ = qual
    return new


def _repr_fn(qual: str, shown: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
        return f"{qual}({inner})"

    return __repr__


def _eq_hash_fns(
    compared: tuple[str, ...],
) -> tuple[Callable[[Any, Any], Any], Callable[[Any], int]]:
    from operator import attrgetter

    key: Callable[[Any], Any]
    if len(compared) == 1:
        one = attrgetter(compared[0])

        def key(obj: Any) -> Any:
            return (one(obj),)

    elif compared:
        key = attrgetter(*compared)
    else:

        def key(obj: Any) -> Any:
            return ()

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return key(self) == key(other)

    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __eq__, __hash__


def _frozen_setattr(self: Any, name: str, item: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, n) for n in self.__value_fields__)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for name, item in zip(self.__value_fields__, state, strict=True):
        object.__setattr__(self, name, item)


@overload
def value(cls: type[T], /) -> type[T]: ...
@overload
def value(
    *, frozen: bool = True, eq: bool = True, slots: bool = True
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value(
    cls: type[T] | None = None, /, *, frozen: bool = True, eq: bool = True, slots: bool = True
) -> type[T] | Callable[[type[T]], type[T]]:
    """Make ``cls`` an immutable value type (see the module docstring)."""

    def wrap(c: type[T]) -> type[T]:
        return _build(c, frozen, eq, slots)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[str, ...]:
    """The field names of a value class or instance, in order."""
    names: tuple[str, ...] = getattr(obj, "__value_fields__", ())
    return names


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the value ``obj`` with some fields changed (``__post_init__`` runs)."""
    names = getattr(obj, "__value_fields__", None)
    if names is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    unknown = sorted(set(changes) - set(names))
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {unknown[0]!r}")
    args = {n: changes[n] if n in changes else getattr(obj, n) for n in names}
    return type(obj)(**args)
