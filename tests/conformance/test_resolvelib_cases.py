"""resolvelib's functional cases (Python, CocoaPods, SwiftPM) with their expected results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from compatlib import Target, UnsatisfiableError, solve
from compatlib.testing.peer import Case, load_case

from .conftest import peer_files

FILES = [
    *peer_files("resolvelib/python/inputs/case", "*.json"),
    *peer_files("resolvelib/cocoapods/inputs/case", "*.json"),
    *peer_files("resolvelib/swift-package-manager/inputs", "*.json"),
]
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/peer-suites is not present")

# resolvelib evaluates these cases' markers for a 2020-era CPython on Linux
TARGET = Target(python="3.8", platform="linux-64")

# Where our answer legitimately differs from the case's expectation.
_CYCLES = (
    "CocoaPods treats a dependency cycle as a conflict; compatlib, like pip and uv, "
    "accepts cycles because Python packages may require each other"
)
KNOWN: dict[str, str] = {
    "python/chalice": (
        "the expected resolution omits urllib3, yet botocore 1.14.15 requires it on every "
        "Python but 3.4; resolvelib itself returns urllib3 1.25.8 on this index "
        "(test_differential_resolvelib)"
    ),
    "python/pyrex-1.9.8": (
        "the case's 'resolved' is a placeholder: resolvelib never finishes it (its own test "
        "is an xfail, too many rounds); compatlib proves it unsatisfiable (test_pyrex_is_decided)"
    ),
    "cocoapods/circular": _CYCLES,
    "cocoapods/fixed_circular": _CYCLES,
}


def _params() -> list[Any]:
    out = []
    for path in FILES:
        case = load_case(path)
        key = f"{case.suite}/{case.name}"
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[key])] if key in KNOWN else []
        out.append(pytest.param(path, id=key, marks=marks))
    return out


def _solve(case: Case) -> Any:
    constraints = [f"{n}=={v}" for n, v in sorted(case.pinned.items())]
    return solve(list(case.requested), index=case.index(), target=TARGET, constraints=constraints)


@pytest.mark.parametrize("path", _params())
def test_case(path: Path) -> None:
    case = load_case(path)
    if case.resolved is None:
        with pytest.raises(UnsatisfiableError) as info:
            _solve(case)
        text = info.value.explanation.text
        assert text
        return
    res = _solve(case)
    got = {n: Version(str(v)) for n, v in res.versions.items()}
    expected = {n: Version(v) for n, v in case.resolved.items()}
    assert got == expected


def test_pyrex_is_decided() -> None:
    path = next(p for p in FILES if p.name == "pyrex-1.9.8.json")
    case = load_case(path)
    with pytest.raises(UnsatisfiableError) as info:
        _solve(case)
    expl = info.value.explanation
    text = expl.text
    assert text.splitlines()[-1].endswith("the request cannot be satisfied.")
    # the packages missing from the 2020 snapshot are what makes it impossible
    missing = {n.dependency for n in expl.requirements() if not n.dependency_exists}
    assert missing & {"netifaces", "msgpack"}
