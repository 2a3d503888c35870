"""compatlib._values: the value classes used instead of dataclasses on the lock path."""

from __future__ import annotations

import ast
import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from compatlib._values import FrozenInstanceError, field, fields, replace, slot_setter, value


@value
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default=())
    note: str = field(default="", compare=False, repr=False)
    ORIGIN: ClassVar[str] = "o"

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@value(slots=False)
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low > high")


@value(frozen=False)
class Box:
    items: list[int] = field(default_factory=list)
    count: int = 0


@value(frozen=False, eq=False)
class Node:
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class RealPoint:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


def test_behaves_like_a_frozen_slotted_dataclass() -> None:
    p = Point(1, 2, ("a",))
    real = RealPoint(1, 2, ("a",))
    assert repr(p) == "Point(x=1, y=2, tags=('a',))"
    assert repr(real).replace("RealPoint", "Point") == repr(p)
    assert p == Point(1, 2, ("a",), note="ignored in ==")
    assert p != Point(1, 3, ("a",))
    assert hash(p) == hash(Point(1, 2, ("a",)))
    assert p.__eq__(real) is NotImplemented
    assert p.norm() == 3
    assert Point.ORIGIN == "o"
    assert fields(p) == ("x", "y", "tags", "note")
    assert Point.__match_args__ == ("x", "y", "tags", "note")
    assert not hasattr(p, "__dict__")
    with pytest.raises(FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.y  # type: ignore[misc]
    assert issubclass(FrozenInstanceError, AttributeError)


def test_defaults_factories_and_post_init() -> None:
    assert Point(4) == Point(4, 0, ())
    a, b = Box(), Box()
    a.items.append(1)
    a.count = 2
    assert b.items == []
    assert a == Box([1], 2)
    with pytest.raises(TypeError):
        hash(a)  # mutable with == has no hash, as with dataclasses
    assert Node("n") != Node("n")  # eq=False: identity
    assert hash(Node("n")) != 0
    with pytest.raises(ValueError, match="low > high"):
        Checked(3, 1)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_replace_copy_and_pickle() -> None:
    p = Point(1, 2)
    assert replace(p, y=5) == Point(1, 5)
    assert p == Point(1, 2)
    with pytest.raises(ValueError, match="low > high"):
        replace(Checked(1, 2), low=9)
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(p, z=1)
    assert replace(RealPoint(1), y=3) == RealPoint(1, 3)  # real dataclasses too
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p
    assert pickle.loads(pickle.dumps(Checked(1, 2))) == Checked(1, 2)


def test_field_order_errors() -> None:
    with pytest.raises(TypeError, match="non-default field 'b'"):

        @value
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


def test_lock_path_does_not_import_dataclasses() -> None:
    code = (
        "import sys\n"
        "import compatlib.cli.lock, compatlib.lock.pip, compatlib.resolve.solve\n"
        "import compatlib.sources.pypi.repository, compatlib.solver.pubgrub\n"
        "heavy = [m for m in ('dataclasses', 'inspect', 'logging', 'packaging.tags')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_own_methods_super_and_odd_field_names_as_dataclasses_allow() -> None:
    @value
    class Custom:
        x: int

        def __repr__(self) -> str:
            return "custom"

    assert repr(Custom(1)) == "custom"
    assert Custom(1) == Custom(1)

    @value(slots=False)
    class UsesSuper:
        x: int

        def __post_init__(self) -> None:
            # zero-argument super() needs the very class the method was defined in
            super().__setattr__("x", self.x)  # (through object: bypasses frozen)

        def describe(self) -> str:
            return super().__repr__()[:1]

    assert UsesSuper(1).describe() == "<"

    @value
    class Odd:
        _set: int
        _MISSING: int = 2

    assert Odd(1) == Odd(1, 2)
    with pytest.raises(ValueError, match="mutable default list"):

        @value
        class Shared:
            items: list[int] = []  # noqa: RUF012


# --------------------------------------------------------------------------- order=True


@value(order=True)
class Version3:
    major: int
    minor: int = 0
    label: str = field(default="", compare=False)


def test_order_compares_the_compared_fields_as_a_tuple() -> None:
    assert Version3(1, 2) < Version3(1, 10) <= Version3(1, 10, "x")
    assert Version3(2) > Version3(1, 9) >= Version3(1, 9)
    assert sorted([Version3(3), Version3(1, 5), Version3(1)]) == [
        Version3(1),
        Version3(1, 5),
        Version3(3),
    ]
    assert Version3(1).__lt__(Point(1)) is NotImplemented  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Version3(1) < Point(1)  # type: ignore[operator]
    with pytest.raises(ValueError, match="order=True needs eq=True"):

        @value(order=True, eq=False)  # type: ignore[misc]
        class Unordered:
            x: int


def test_repr_false_keeps_objects_default_repr() -> None:
    @value(repr=False)
    class Quiet:
        secret: str

    assert "secret" not in repr(Quiet("s3cr3t"))
    assert "s3cr3t" not in repr(Quiet("s3cr3t"))


# --------------------------------------------------------------------------- init=False


@value(init=False)
class Parsed:
    """A value parsed from text in its own ``__init__`` (like CondaVersion)."""

    __slots__ = ("major", "text")

    def __init__(self, text: str) -> None:
        self.text: str = text.strip()
        self.major: int = int(self.text.split(".")[0])

    @classmethod
    def zero(cls) -> Parsed:
        obj = cls.__new__(cls)  # filled in outside __init__: still once each
        obj.text = "0"
        obj.major = 0
        return obj


@value(init=False, eq=False)
class Keyed:
    """Compares by one derived key, as the hand-written value classes do."""

    __slots__ = ("_key", "text")

    def __init__(self, text: str) -> None:
        self.text: str = text
        self._key: str = text.lower()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyed) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"<Keyed {self.text!r}>"


class Loud(Keyed):
    """An undecorated subclass: inherits the set-once rule."""

    __slots__ = ("volume",)

    def __init__(self, text: str, volume: int) -> None:
        super().__init__(text)
        self.volume = volume


def test_init_false_fields_are_set_once() -> None:
    p = Parsed(" 3.1 ")
    assert (p.text, p.major) == ("3.1", 3)
    assert fields(p) == ("major", "text")
    with pytest.raises(FrozenInstanceError, match="Parsed is immutable"):
        p.major = 4
    with pytest.raises(FrozenInstanceError, match="Parsed is immutable"):
        del p.text
    with pytest.raises(AttributeError):
        p.other = 1  # type: ignore[attr-defined]  # no such slot
    assert not hasattr(p, "__dict__")
    zero = Parsed.zero()
    assert zero == Parsed("0")
    assert hash(zero) == hash(Parsed("0"))
    assert repr(zero) == "Parsed(major=0, text='0')"
    assert Parsed("1.0").__eq__(Keyed("1.0")) is NotImplemented


def test_init_false_keeps_the_classes_own_methods_and_subclasses_inherit() -> None:
    a, b = Keyed("ABC"), Keyed("abc")
    assert a == b
    assert hash(a) == hash(b)
    assert repr(a) == "<Keyed 'ABC'>"
    loud = Loud("x", 11)
    assert loud.volume == 11
    with pytest.raises(FrozenInstanceError):
        loud.volume = 12
    with pytest.raises(FrozenInstanceError):
        loud.text = "y"


def test_init_false_values_pickle_and_copy() -> None:
    for item in (Parsed("7.2"), Keyed("K"), Loud("L", 3)):
        assert pickle.loads(pickle.dumps(item)) == item
        assert copy.deepcopy(item) == item
    assert pickle.loads(pickle.dumps(Loud("L", 3))).volume == 3


def test_init_false_needs_slots_an_init_and_no_class_level_fields() -> None:
    with pytest.raises(TypeError, match="needs a hand-written __init__"):

        @value(init=False)
        class NoInit:
            __slots__ = ("x",)

    with pytest.raises(TypeError, match="needs __slots__"):

        @value(init=False)
        class NoSlots:
            def __init__(self) -> None:
                self.x = 1

    with pytest.raises(TypeError, match="list 'y' in __slots__"):

        @value(init=False)
        class Stray:
            __slots__ = ("x",)
            x: int
            y: int

            def __init__(self) -> None:
                pass

    with pytest.raises(TypeError, match="has its own __init__"):
        replace(Parsed("1"), major=2)


def test_slot_setter_fills_class_level_fields_without_the_check() -> None:
    @value(init=False)
    class Fast:
        __slots__ = ("a", "b")
        a: int  # a frozen field to type checkers: filled through the slot setter
        b: int

        def __init__(self, a: int, b: int) -> None:
            _set_a(self, a)
            _set_b(self, b)

    _set_a = slot_setter(Fast, "a")
    _set_b = slot_setter(Fast, "b")
    fast = Fast(1, 2)
    assert (fast.a, fast.b) == (1, 2)
    assert fast == Fast(1, 2)
    with pytest.raises(FrozenInstanceError):
        fast.a = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- one mechanism

_COMPATLIB = Path(__file__).resolve().parents[1] / "compatlib"


def _imports_dataclasses(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "dataclasses" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "dataclasses":
            return True
    return False


@pytest.mark.parametrize(
    "package",
    [
        "values",
        "sources",
        "specs",
        "stack",
        "lock",
        "adapters",
        "testing",
        "cli",
        "solver",
        "resolve",
    ],
)
def test_value_classes_are_written_one_way(package: str) -> None:
    """No module writes a dataclass or a hand-made immutable base: ``value`` is the
    one mechanism (``_values.replace`` alone falls back to dataclasses)."""
    offenders = [
        str(path.relative_to(_COMPATLIB))
        for path in sorted((_COMPATLIB / package).rglob("*.py"))
        if _imports_dataclasses(path) or "SetOnce" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_values_sources_specs_and_stack_do_not_import_dataclasses() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import compatlib\n"
        "for pkg in ('values', 'sources', 'specs', 'stack'):\n"
        "    base = importlib.import_module('compatlib.' + pkg)\n"
        "    for info in pkgutil.walk_packages(base.__path__, base.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print('dataclasses' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
