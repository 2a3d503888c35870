"""The inputs hash (recipe 2) and ``check_fresh``: order-free, covering every
input, versioned, and naming what changed."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

for _builders in ("pypi", "conda"):
    _folder = str(Path(__file__).resolve().parents[1] / "sources" / _builders)
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from conda_builders import conda_record, write_channel  # noqa: E402
from pypi_builders import build_wheel  # noqa: E402

from compatlib._datafiles import data_dir  # noqa: E402
from compatlib._values import replace  # noqa: E402
from compatlib.lock.build import (  # noqa: E402
    LockRequest,
    build_lock,
    check_fresh,
    request_metadata,
)
from compatlib.lock.model import Lock  # noqa: E402
from compatlib.lock.pip import (  # noqa: E402
    INPUT_CATEGORIES,
    INPUTS_HASH_VERSION,
    canonical_order,
    inputs_hash,
    knowledge_base_sha256,
)


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(folder, "web", "1.0", requires=["core>=1"])
    build_wheel(folder, "web", "1.1", requires=["core>=2"])
    build_wheel(folder, "core", "1.0")
    build_wheel(folder, "core", "2.0")
    build_wheel(folder, "tool", "3.0", requires=["core"])
    return folder


def _request(links: Path, tmp_path: Path, **changes: object) -> LockRequest:
    fields: dict[str, object] = {
        "requirements": ("web", "tool"),
        "find_links": (str(links),),
        "offline": True,
        "cache_dir": str(tmp_path / "cache"),
        "python": "3.11",
        "platforms": ("linux-64",),
    }
    fields.update(changes)
    return LockRequest(**fields)  # type: ignore[arg-type]


def test_order_of_requirements_changes_neither_hash_nor_lock(links: Path, tmp_path: Path) -> None:
    one = build_lock(_request(links, tmp_path, requirements=("web", "tool>=1", "core")))
    other = build_lock(_request(links, tmp_path, requirements=("core", "tool>=1", "web")))
    assert one.to_json() == other.to_json()
    assert one.metadata["requirements"] == ["core", "tool>=1", "web"]
    assert one.metadata["inputs_hash_version"] == INPUTS_HASH_VERSION == 2


def test_requirements_files_in_any_order(links: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("web\n-c constraints.txt\n")
    b.write_text("Tool\n")
    (tmp_path / "constraints.txt").write_text("core>=2\ncore<3\n")
    first = build_lock(_request(links, tmp_path, requirements=(), requirement_files=(a, b)))
    second = build_lock(_request(links, tmp_path, requirements=(), requirement_files=(b, a)))
    assert first.to_json() == second.to_json()
    assert first.metadata["constraints"] == ["core<3", "core>=2"]


def test_canonical_order() -> None:
    texts = ["Zlib>=1", "a-b", "A_b<2", "numpy", "a-b"]
    assert canonical_order(texts) == ("A_b<2", "a-b", "numpy", "Zlib>=1")


@pytest.mark.parametrize(
    ("change", "category"),
    [
        ({"requirements": ("web",)}, "requirements"),
        ({"requirements": ("web", "tool", "core<3")}, "requirements"),
        ({"python": "3.12"}, "targets"),
        ({"platforms": ("linux-64", "osx-arm64")}, "targets"),
        ({"system": "glibc=2.36"}, "targets"),
        ({"system": "driver=550.54.15,gpu=A100"}, "targets"),
        ({"prereleases": True}, "options"),
        ({"strategy": "lowest"}, "options"),
        ({"index_strategy": "best-match"}, "options"),
        ({"universal": True}, "options"),
        ({"indexes": ("https://example.org/simple",)}, "sources"),
        ({"snapshot": True, "find_links": ()}, "sources"),
    ],
)
def test_every_input_counts_and_is_named(
    links: Path, tmp_path: Path, change: dict[str, object], category: str
) -> None:
    base = request_metadata(_request(links, tmp_path))
    other = request_metadata(_request(links, tmp_path, **change))
    assert other["inputs_sha256"] != base["inputs_sha256"]
    changed = [
        c for c in INPUT_CATEGORIES if base["inputs_digests"][c] != other["inputs_digests"][c]
    ]
    assert changed == [category]


def test_knowledge_base_is_an_input() -> None:
    digest = hashlib.sha256()
    for folder in ("stack", "frameworks", "mappings"):
        for path in sorted((data_dir() / folder).glob("*.yaml")):
            digest.update(f"{folder}/{path.name}\0".encode() + path.read_bytes() + b"\0")
    assert knowledge_base_sha256() == digest.hexdigest()
    whole, digests = inputs_hash({"requirements": ["web"]})
    assert digests["knowledge_base"] == knowledge_base_sha256()[:16]
    assert len(whole) == 64


def test_local_sources_are_absolute_file_urls(
    links: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lock = build_lock(_request(links, tmp_path, find_links=("links",)))
    assert lock.metadata["find_links"] == [links.resolve().as_uri()]
    assert lock.metadata == build_lock(_request(links, tmp_path)).metadata


def test_build_lock_metadata_is_request_metadata(links: Path, tmp_path: Path) -> None:
    for changes in ({}, {"universal": True}, {"system": "glibc=2.36", "strategy": "lowest"}):
        request = _request(links, tmp_path, **changes)
        assert dict(build_lock(request).metadata) == request_metadata(request)


def test_fresh_and_stale(links: Path, tmp_path: Path) -> None:
    request = _request(links, tmp_path)
    lock = build_lock(request)
    assert check_fresh(request, lock).fresh
    assert bool(check_fresh(request, lock))
    stale = check_fresh(_request(links, tmp_path, requirements=("tool", "web>=1.1")), lock)
    assert not stale.fresh
    assert stale.reasons == ("the requirements changed: + web>=1.1, - web",)
    moved = check_fresh(_request(links, tmp_path, python="3.12", strategy="lowest"), lock)
    assert moved.reasons == (
        "the targets (Python, platforms, system) changed: linux-64 Python 3.11 -> "
        "linux-64 Python 3.12",
        "the resolver options changed: strategy: (default) -> lowest",
    )


def test_a_lock_from_other_knowledge_is_stale(links: Path, tmp_path: Path) -> None:
    request = _request(links, tmp_path)
    lock = build_lock(request)
    older = dict(lock.metadata)
    older["inputs_digests"] = {**older["inputs_digests"], "knowledge_base": "0" * 16}
    older["inputs_sha256"] = "0" * 64
    verdict = check_fresh(request, replace(lock, metadata=older))
    assert len(verdict.reasons) == 1
    assert verdict.reasons[0].startswith("the knowledge base (compatlib's data")


def test_other_recipes_and_missing_hashes_are_named(links: Path, tmp_path: Path) -> None:
    request = _request(links, tmp_path)
    lock = build_lock(request)
    old = {k: v for k, v in lock.metadata.items() if k not in ("inputs_hash_version",)}
    verdict = check_fresh(request, replace(lock, metadata=old))
    assert not verdict.fresh
    assert "made by recipe 1 and this compatlib uses recipe 2" in verdict.reasons[0]
    assert "no input need have changed" in verdict.reasons[0]
    bare = check_fresh(request, Lock.of(lock.packages))
    assert bare.reasons == ("the lock records no inputs hash: lock again to record one",)


def test_json_lock_written_by_recipe_1_reads_and_is_stale(links: Path, tmp_path: Path) -> None:
    from compatlib.lock.model import lock_from_dict

    request = _request(links, tmp_path)
    data = json.loads(build_lock(request).to_json())
    for key in ("inputs_hash_version", "inputs_digests"):
        del data["metadata"][key]
    old = lock_from_dict(data)
    assert "recipe 1" in check_fresh(request, old).reasons[0]


def _channel(root: Path) -> Path:
    return write_channel(
        root,
        [
            conda_record("python", "3.11.8", sha256=None),
            conda_record("tinyconda", "1.0", depends=["python >=3.11,<3.12.0a0"], sha256=None),
            conda_record("zlib", "1.3", sha256=None),
        ],
    )


def test_conda_specs_in_any_order(tmp_path: Path) -> None:
    channel = _channel(tmp_path / "chan")

    def lock(*specs: str) -> Lock:
        return build_lock(LockRequest(requirements=specs, channels=(str(channel),), python="3.11"))

    one, other = lock("zlib", "tinyconda", "python=3.11"), lock("python=3.11", "tinyconda", "zlib")
    assert one.to_json() == other.to_json()
    assert one.metadata["conda"] == ["python=3.11", "tinyconda", "zlib"]
    request = LockRequest(requirements=("tinyconda",), channels=(str(channel),), python="3.11")
    assert check_fresh(request, one).reasons == (
        "the requirements changed: conda: - python=3.11, - zlib",
    )
