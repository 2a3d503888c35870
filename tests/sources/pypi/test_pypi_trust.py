"""Whose word a lock takes for a package's dependencies: an attacker on the file server.

The local server (127.0.0.1) serves the genuine wheel to whole-file requests and
a tampered one, with an extra ``Requires-Dist``, to range requests: the index's
sha256 (of the genuine wheel) covers whole files only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pypi_builders import Entry, ServerState, build_wheel, write_index

from compatlib.cli import main
from compatlib.lock.pip import lock_pip
from compatlib.solver.errors import UnsatisfiableError
from compatlib.sources.pypi import PyPIRepository
from compatlib.values.target import Target

TARGET = Target(python="3.11", platform="linux-64", glibc="2.28")
Server = tuple[str, ServerState]
WHEEL = "demo-1.0-py3-none-any.whl"


def _attack(state: ServerState, tmp_path: Path, *, flavour: str = "html") -> Path:
    """Publish demo 1.0 (needs six) and six; range requests for demo get a wheel
    that also needs ``evil`` (published too, so that a lock can take it)."""
    files = state.root / "files"
    genuine = build_wheel(files, "demo", "1.0", requires=["six"])
    tampered = build_wheel(tmp_path / "evil", "demo", "1.0", requires=["six", "evil"])
    assert tampered.name == genuine.name == WHEEL
    write_index(
        state.root,
        {
            "demo": [Entry(genuine)],
            "six": [Entry(build_wheel(files, "six", "1.17.0"))],
            "evil": [Entry(build_wheel(files, "evil", "6.6.6"))],
        },
        flavour=flavour,
    )
    state.range_files[f"/files/{WHEEL}"] = tampered.read_bytes()
    return genuine


def _lock(base: str, cache: Path, **kw: object) -> dict[str, str | None]:
    lock = lock_pip(["demo"], target=TARGET, indexes=[f"{base}/simple/"], cache_dir=cache, **kw)  # type: ignore[arg-type]
    return {p.name: p.metadata_source for p in lock.packages}


def _whole_gets(state: ServerState) -> list[dict[str, object]]:
    return [r for r in state.requests(WHEEL) if "Range" not in r["headers"]]  # type: ignore[operator]


def test_default_mode_records_that_metadata_came_from_a_range_read(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    _attack(state, tmp_path)
    # the tampered Requires-Dist gets in: that is what "range" in the lock warns of
    assert _lock(base, tmp_path / "c") == {"demo": "range", "evil": "range", "six": "range"}
    assert not _whole_gets(state)


def test_full_mode_locks_what_the_index_hash_covers(tmp_path: Path, http_server: Server) -> None:
    base, state = http_server
    _attack(state, tmp_path)
    found = _lock(base, tmp_path / "c", verify_metadata="full")
    assert found == {"demo": "wheel", "six": "wheel"}  # no evil
    assert len(_whole_gets(state)) == 1
    assert not [r for r in state.requests(WHEEL) if "Range" in r["headers"]]  # type: ignore[operator]


def test_full_mode_does_not_trust_metadata_cached_from_ranges(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    _attack(state, tmp_path)
    cache = tmp_path / "c"
    assert "evil" in _lock(base, cache)  # the poisoned entry is now in the cache
    assert _lock(base, cache, verify_metadata="full") == {"demo": "wheel", "six": "wheel"}
    # and the checked entry replaced it
    assert _lock(base, cache) == {"demo": "wheel", "six": "wheel"}


def test_a_file_of_another_size_than_the_index_says_is_read_whole(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    _attack(state, tmp_path, flavour="json")  # PEP 691 pages give each file's size
    assert _lock(base, tmp_path / "c") == {"demo": "wheel", "six": "range"}
    assert len(_whole_gets(state)) == 1


def test_full_mode_names_a_file_that_does_not_match_its_hash(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    genuine = _attack(state, tmp_path)
    genuine.write_bytes(state.range_files[f"/files/{WHEEL}"])  # tampered for everyone now
    with pytest.raises(UnsatisfiableError, match=rf"sha256 mismatch for {WHEEL}"):
        lock_pip(
            ["demo"],
            target=TARGET,
            indexes=[f"{base}/simple/"],
            cache_dir=tmp_path / "c",
            verify_metadata="full",
        )


def _pep658(base: str, state: ServerState, tmp_path: Path, *, tamper: bool) -> PyPIRepository:
    files = state.root / "files"
    wheel = build_wheel(files, "meta", "1.0", requires=["six"])
    write_index(state.root, {"meta": [Entry(wheel, metadata=True)]}, flavour="json")
    if tamper:  # the index declares the genuine file's hash
        (files / f"{wheel.name}.metadata").write_text(
            "Metadata-Version: 2.1\nName: meta\nVersion: 1.0\nRequires-Dist: six\n"
            "Requires-Dist: evil\n"
        )
    return PyPIRepository(
        [f"{base}/simple/"], target=TARGET, cache_dir=tmp_path / "c", progress=False
    )


@pytest.mark.parametrize("tamper", [False, True])
def test_pep658_metadata_is_checked_against_its_declared_hash(
    tmp_path: Path, http_server: Server, tamper: bool
) -> None:
    base, state = http_server
    repo = _pep658(base, state, tmp_path, tamper=tamper)
    assert repo.release("meta", "1.0").requires == ("six",)
    assert state.requests(".whl.metadata")
    if tamper:  # refused: read from the wheel itself
        assert repo.metadata_source("meta", "1.0") == "range"
        assert state.requests("meta-1.0-py3-none-any.whl")
    else:
        assert repo.metadata_source("meta", "1.0") == "pep658"
        assert not state.requests("meta-1.0-py3-none-any.whl")


def test_full_mode_takes_pep658_metadata_only_with_a_hash(
    tmp_path: Path, http_server: Server
) -> None:
    base, state = http_server
    files = state.root / "files"
    wheel = build_wheel(files, "meta", "1.0", requires=["six"])
    write_index(state.root, {"meta": [Entry(wheel, metadata=True, metadata_hash=False)]})
    repo = PyPIRepository(
        [f"{base}/simple/"],
        target=TARGET,
        cache_dir=tmp_path / "c",
        progress=False,
        verify_metadata="full",
    )
    assert repo.release("meta", "1.0").requires == ("six",)
    assert repo.metadata_source("meta", "1.0") == "wheel"
    assert not state.requests(".whl.metadata")  # nothing to check it against


def test_cli_verify_metadata_full(
    tmp_path: Path, http_server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    base, state = http_server
    _attack(state, tmp_path)
    out = tmp_path / "lock.json"
    code = main(
        [
            "lock",
            "demo",
            "--index",
            f"{base}/simple/",
            "--python",
            "3.11",
            "--cache-dir",
            str(tmp_path / "c"),
            "--verify-metadata",
            "full",
            "-o",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    packages = json.loads(out.read_text())["packages"]
    assert {p["name"]: p["metadata_source"] for p in packages} == {"demo": "wheel", "six": "wheel"}
    digest = hashlib.sha256((state.root / "files" / WHEEL).read_bytes()).hexdigest()
    assert next(p for p in packages if p["name"] == "demo")["hashes"] == {"sha256": digest}
