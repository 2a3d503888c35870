"""Value classes: compatlib's one way to write an immutable (or plain record) class.

:func:`value` turns an annotated class into an immutable value type, like
``@dataclass(frozen=True, slots=True)``: ``__init__`` (with defaults and
``field(default_factory=...)``), ``__repr__``, ``__eq__``/``__hash__`` over the
fields (and ``<``, ``<=``, ``>``, ``>=`` with ``order=True``), ``__post_init__``,
and attribute assignment refused. It exists because ``dataclasses`` costs a
fresh process about 30 ms (the module imports ``inspect``, ``ast`` and ``dis``,
and each class compiles five or six functions); here each class compiles one
small block of code. Type checkers see it as a dataclass transform, so fields
are checked as usual.

``@value(init=False)`` is for the classes that parse their input in a
hand-written ``__init__`` (``CondaVersion("1.2")``, ``MatchSpec(...)``): the
class lists its attributes in ``__slots__`` and each may be assigned once,
after which the instance is immutable; subclasses inherit the rule.
``__eq__``/``__hash__``/``__repr__`` over the slots are added unless the class
writes its own (or passes ``eq=False``/``repr=False``). Type checkers treat
attributes annotated in the class body as frozen fields, so ``__init__``
annotates those it assigns (``self.name: str = ...``); the hottest classes
annotate them in the class body and fill them in with :func:`slot_setter`.

:func:`replace` is ``dataclasses.replace`` for these classes (and for real
dataclasses too).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from operator import attrgetter, ge, gt, le, lt
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # Python 3.10: only type checkers care about the marker

    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        return lambda f: f


__all__ = ["FrozenInstanceError", "field", "fields", "replace", "slot_setter", "value"]

T = TypeVar("T")

_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of an immutable value."""


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


def _build(cls: type[T], frozen: bool, eq: bool, slots: bool, repr: bool, order: bool) -> type[T]:
    names: list[str] = []
    specs: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):  # fields of value bases come first
        if getattr(base, "__value_own_init__", False):
            raise TypeError(f"{cls.__name__}: a value base with init=False has no field specs")
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
    env["__init__"].__qualname__ = f"{qual}.__init__"
    methods: dict[str, Any] = {"__init__": env["__init__"]}
    methods.update(_methods(qual, shown, compared, frozen, eq, repr, order))
    if frozen:
        methods["__setattr__"] = _frozen_setattr
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


def _build_own_init(
    cls: type[T], frozen: bool, eq: bool, slots: bool, repr: bool, order: bool
) -> type[T]:
    """``value(init=False)``: the class keeps its ``__init__`` and ``__slots__``;
    with ``frozen`` each attribute may be set once."""
    name = cls.__name__
    if cls.__init__ is object.__init__:
        raise TypeError(f"{name}: init=False needs a hand-written __init__")
    own_slots = cls.__dict__.get("__slots__")
    if own_slots is None and slots:
        raise TypeError(f"{name}: init=False needs __slots__ (or slots=False)")
    if isinstance(own_slots, str):
        own_slots = (own_slots,)
    own_slots = tuple(own_slots or ())
    stray = [
        n
        for n, a in cls.__dict__.get("__annotations__", {}).items()  # noqa: RUF063
        if not _is_classvar(a) and n not in own_slots
    ]
    if stray:
        raise TypeError(f"{name}: with init=False, list {stray[0]!r} in __slots__")
    names = [n for base in reversed(cls.__mro__[1:]) for n in getattr(base, "__value_fields__", ())]
    names += [n for n in own_slots if n not in ("__dict__", "__weakref__")]
    fields_ = tuple(dict.fromkeys(names))
    methods = _methods(cls.__qualname__, fields_, fields_, frozen, eq, repr, order)
    if frozen:
        methods["__setattr__"] = _set_once_setattr
    for key, item in methods.items():
        if key not in cls.__dict__:
            setattr(cls, key, item)
    if eq and not frozen and "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # type: ignore[assignment]
    cls.__value_fields__ = fields_  # type: ignore[attr-defined]
    cls.__value_own_init__ = True  # type: ignore[attr-defined]
    return cls


def _methods(
    qual: str,
    shown: tuple[str, ...],
    compared: tuple[str, ...],
    frozen: bool,
    eq: bool,
    repr: bool,
    order: bool,
) -> dict[str, Any]:
    methods: dict[str, Any] = {}
    if repr:
        methods["__repr__"] = _repr_fn(qual, shown)
    key = _key_fn(compared)
    if eq:
        methods["__eq__"], hash_fn = _eq_hash_fns(key)
        if frozen:
            methods["__hash__"] = hash_fn
    if order:
        if not eq:
            raise ValueError("order=True needs eq=True")
        methods.update(_order_fns(key))
    if frozen:
        methods["__delattr__"] = _frozen_delattr
    return methods


def _repr_fn(qual: str, shown: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
        return f"{qual}({inner})"

    return __repr__


def _key_fn(compared: tuple[str, ...]) -> Callable[[Any], Any]:
    """The tuple of the compared fields of an instance."""
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

    return key


def _eq_hash_fns(
    key: Callable[[Any], Any],
) -> tuple[Callable[[Any, Any], Any], Callable[[Any], int]]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return key(self) == key(other)

    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __eq__, __hash__


_ORDER = {"__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge}


def _order_fns(key: Callable[[Any], Any]) -> dict[str, Callable[[Any, Any], Any]]:
    def make(name: str, compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def method(self: Any, other: Any) -> Any:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return compare(key(self), key(other))

        method.__name__ = name
        return method

    return {name: make(name, compare) for name, compare in _ORDER.items()}


def _frozen_setattr(self: Any, name: str, item: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to {name!r}: {type(self).__name__} is immutable")


def _set_once_setattr(self: Any, name: str, item: Any) -> None:
    if hasattr(self, name):  # set already (an unset slot is what __init__ fills in)
        raise FrozenInstanceError(f"cannot assign to {name!r}: {type(self).__name__} is immutable")
    object.__setattr__(self, name, item)


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete {name!r}: {type(self).__name__} is immutable")


def _getstate(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, n) for n in self.__value_fields__)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for name, item in zip(self.__value_fields__, state, strict=True):
        object.__setattr__(self, name, item)


@overload
def value(cls: type[T], /) -> type[T]: ...
@overload
def value(
    *,
    init: bool = True,
    frozen: bool = True,
    eq: bool = True,
    order: bool = False,
    repr: bool = True,
    slots: bool = True,
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value(
    cls: type[T] | None = None,
    /,
    *,
    init: bool = True,
    frozen: bool = True,
    eq: bool = True,
    order: bool = False,
    repr: bool = True,
    slots: bool = True,
) -> type[T] | Callable[[type[T]], type[T]]:
    """Make ``cls`` an immutable value type (see the module docstring)."""

    def wrap(c: type[T]) -> type[T]:
        build = _build if init else _build_own_init
        return build(c, frozen, eq, slots, repr, order)

    return wrap if cls is None else wrap(cls)


def slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The raw setter of slot ``name`` of an ``init=False`` value class.

    For hot constructors: it fills the slot in without the set-once check
    (several times faster than an assignment), and it is how a slot annotated
    in the class body (a frozen field to type checkers) is filled in.
    """
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter


def fields(obj: Any) -> tuple[str, ...]:
    """The field names of a value class or instance, in order."""
    names: tuple[str, ...] = getattr(obj, "__value_fields__", ())
    return names


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the value ``obj`` with some fields changed (``__post_init__`` runs)."""
    if getattr(obj, "__value_own_init__", False):
        raise TypeError(f"{type(obj).__name__} has its own __init__: replace() cannot rebuild it")
    names = getattr(obj, "__value_fields__", None)
    if names is None:
        # lazy: only replace needs dataclasses, which loads 14 modules that importing this one does not
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    unknown = sorted(set(changes) - set(names))
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {unknown[0]!r}")
    args = {n: changes[n] if n in changes else getattr(obj, n) for n in names}
    return type(obj)(**args)
