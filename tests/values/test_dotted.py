from __future__ import annotations

import pytest

from compatlib.errors import InputError
from compatlib.values.dotted import DottedVersion


def test_numeric_ordering() -> None:
    order = ["8.6", "8.9", "9.0", "10.0", "12.0"]
    assert sorted(DottedVersion(x) for x in reversed(order)) == [DottedVersion(x) for x in order]
    assert DottedVersion("535.104.05") > DottedVersion("535.54.03")
    assert DottedVersion("525.60.13") < DottedVersion("530.30.02")


def test_trailing_zeros_and_spelling() -> None:
    assert DottedVersion("12.1") == DottedVersion("12.1.0")
    assert hash(DottedVersion("12.1")) == hash(DottedVersion("12.1.0"))
    assert str(DottedVersion("470.82.01")) == "470.82.01"
    assert DottedVersion("8.6").major == 8
    assert DottedVersion("8.6").minor == 6


@pytest.mark.parametrize("bad", ["", "abc", "1..2", "1.2-beta", "12.x"])
def test_bad_versions(bad: str) -> None:
    with pytest.raises(InputError, match="invalid version"):
        DottedVersion(bad)
