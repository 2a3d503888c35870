"""``metadata_source``: how a pip package's dependencies were read, in the JSON lock only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compatlib.errors import InputError
from compatlib.lock.model import lock_from_dict
from compatlib.lock.render import render
from compatlib.lock.validate import METADATA_SOURCES
from compatlib.sources.pypi.repository import METADATA_SOURCES as REPOSITORY_SOURCES

SHA = "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"


def _lock(**fields: Any) -> dict[str, Any]:
    package = {
        "name": "six",
        "version": "1.17.0",
        "manager": "pip",
        "platform": "linux-64",
        "url": "https://files.pythonhosted.org/packages/six-1.17.0-py2.py3-none-any.whl",
        "hashes": {"sha256": SHA},
        **fields,
    }
    return {"version": 1, "packages": [package]}


def test_the_lock_and_the_repository_agree_on_the_sources() -> None:
    assert METADATA_SOURCES == REPOSITORY_SOURCES


@pytest.mark.parametrize("source", METADATA_SOURCES)
def test_read_back_and_written_in_json_only(source: str) -> None:
    lock = lock_from_dict(_lock(metadata_source=source))
    assert lock.packages[0].metadata_source == source
    assert json.loads(lock.to_json())["packages"][0]["metadata_source"] == source
    assert "metadata_source" not in render(lock, "requirements")
    assert "metadata_source" not in render(lock, "pylock")


def test_absent_stays_absent() -> None:
    lock = lock_from_dict(_lock())
    assert lock.packages[0].metadata_source is None
    assert "metadata_source" not in lock.to_json()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"metadata_source": "guessed"}, "one of pep658"),
        ({"metadata_source": 3}, "a string"),
        ({"metadata_source": "range", "manager": "conda"}, "for a pip package"),
    ],
)
def test_refused_when_not_one_of_the_sources(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(InputError, match="metadata_source") as info:
        lock_from_dict(_lock(**fields), source="lock.json")
    assert expected in str(info.value)
