"""The Repository protocol's optional capabilities, as an Index answers them."""

from __future__ import annotations

from compatlib.lock.pip import PrefetchingRepository
from compatlib.sources.memory import Index, IndexRelease
from compatlib.values.target import Target

INDEX = Index({"a": [IndexRelease("1.0", yanked=True), IndexRelease("2.0")]})


def test_index_answers_the_optional_capabilities_neutrally() -> None:
    assert INDEX.is_yanked("a", "1.0")
    assert not INDEX.is_yanked("a", "2.0")
    assert INDEX.missing_reason("a") is None
    assert INDEX.missing_reason("nowhere") is None
    assert INDEX.source_description is None  # explanations say "not in the index"
    assert INDEX.packages() == ["a"]  # a listing: "did you mean" and universal markers read it


def test_a_wrapper_passes_them_through() -> None:
    ahead = PrefetchingRepository(INDEX, Target(python="3.11"))
    try:
        assert ahead.is_yanked("a", "1.0")
        assert ahead.missing_reason("a") is None
        assert ahead.packages() == ["a"]
    finally:
        ahead.close()
