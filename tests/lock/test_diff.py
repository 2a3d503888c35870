"""Diffs of two locks: every kind of change, in a stable order."""

from __future__ import annotations

from compatlib.lock.diff import diff_locks
from compatlib.lock.model import Lock, LockedPackage


def _pkg(name: str, version: str, **kw: object) -> LockedPackage:
    fields: dict[str, object] = {
        "manager": "pip",
        "platform": "linux-64",
        "url": f"https://files.example/{name}-{version}.whl",
        "hashes": (("sha256", "a" * 64),),
    }
    fields.update(kw)
    return LockedPackage(name=name, version=version, **fields)  # type: ignore[arg-type]


OLD = Lock.of(
    [
        _pkg("numpy", "2.2.6"),
        _pkg("torch", "2.5.1"),
        _pkg("six", "1.16.0"),
        _pkg("requests", "2.32.0"),
        _pkg("python", "3.11.8", manager="conda", build="h1"),
    ],
    system_requirements={"linux-64": {"glibc": ">=2.17"}},
)
NEW = Lock.of(
    [
        _pkg("numpy", "2.4.6"),
        _pkg("torch", "2.4.0"),
        _pkg("requests", "2.32.0", hashes=(("sha256", "b" * 64),)),
        _pkg("pyyaml", "6.0.2"),
        _pkg("python", "3.11.10", manager="conda", build="h1"),
    ],
    system_requirements={"linux-64": {"glibc": ">=2.28", "nvidia_driver": ">=525.60.13"}},
)


def test_every_kind_of_change() -> None:
    diff = diff_locks(OLD, NEW)
    assert [(c.kind, c.name) for c in diff.changes] == [
        ("removed", "six"),
        ("added", "pyyaml"),
        ("upgraded", "python"),
        ("upgraded", "numpy"),
        ("downgraded", "torch"),
        ("changed", "requests"),
    ]
    assert diff.changes[-1].details == ("hashes",)
    assert [(s.layer, s.old, s.new) for s in diff.system] == [
        ("glibc", ">=2.17", ">=2.28"),
        ("nvidia_driver", None, ">=525.60.13"),
    ]


def test_text_and_json() -> None:
    diff = diff_locks(OLD, NEW)
    lines = diff.text.splitlines()
    assert lines[0] == "- six 1.16.0  [linux-64]"
    assert "↓ torch 2.5.1 -> 2.4.0  [linux-64]" in lines
    assert "↑ python 3.11.8 -> 3.11.10  [linux-64 conda]" in lines
    assert lines[-1] == "1 removed, 1 added, 2 upgraded, 1 downgraded, 1 changed, 2 system"
    assert diff.to_dict()["changes"][4] == {
        "kind": "downgraded",
        "platform": "linux-64",
        "manager": "pip",
        "name": "torch",
        "old": "2.5.1",
        "new": "2.4.0",
    }


def test_conda_versions_order_as_conda_does() -> None:
    old = Lock.of([_pkg("openssl", "1.1.1w", manager="conda")])
    new = Lock.of([_pkg("openssl", "3.0.15", manager="conda")])
    assert diff_locks(old, new).changes[0].kind == "upgraded"
    assert diff_locks(new, old).changes[0].kind == "downgraded"


def test_identical_locks_have_no_diff() -> None:
    assert not diff_locks(OLD, OLD)
    assert diff_locks(OLD, OLD).text == "no changes"


def test_markers_are_compared_one_to_one() -> None:
    old = Lock.of(
        [
            _pkg("numpy", "1.26.4", marker="python_version < '3.12'"),
            _pkg("numpy", "2.2.6", marker="python_version >= '3.12'"),
        ]
    )
    new = Lock.of(
        [
            _pkg("numpy", "1.26.4", marker="python_version < '3.12'"),
            _pkg("numpy", "2.4.6", marker="python_version >= '3.12'"),
        ]
    )
    (change,) = diff_locks(old, new).changes
    assert change.kind == "upgraded"
    assert change.text == "↑ numpy 2.2.6 -> 2.4.6 ; python_version >= '3.12'  [linux-64]"
