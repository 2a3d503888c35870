"""compatlib._values: the value classes used instead of dataclasses on the lock path."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from typing import ClassVar

import pytest

from compatlib._values import FrozenInstanceError, field, fields, replace, value


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
