"""Loaders for other resolvers' test suites, into compatlib's in-memory :class:`Index`.

Four peer formats are read (see ``docs/peer-formats.md`` for the exact mappings):

* resolvelib's functional-test data: the Python index snapshots
  (``{pkg: {version: {"dependencies": [PEP 508]}}}``), the CocoaPods/RubyGems
  indexes (``{pod: [{name, version, dependencies}]}``) and the Swift Package
  Manager dumps (``{containers, constraints, result}``), plus their case files;
* uv's packse scenarios (TOML);
* pubgrub's RON registry dumps.

Everything becomes PEP 440 versions and PEP 508 requirement strings. CocoaPods
(RubyGems) and Swift (SemVer) versions and ranges are converted by
:func:`foreign_version`, :func:`gem_specifier` and :func:`swift_specifier`, and
their package names by :func:`pod_name` and :func:`swift_name`; expected results
in the case files pass through the same functions, so they can be compared with
what a solver returns on the converted index.

Malformed input raises :class:`~compatlib.errors.InputError` naming the file and,
where it can be found, the line, column and field.
"""

from __future__ import annotations

from compatlib.testing.peer._source import PathArg, _load_json, _read
from compatlib.testing.peer.cases import Case, _cocoapods_case, _python_case, _swift_case
from compatlib.testing.peer.formats import (
    PeerFormat,
    detect_format,
    load_index,
    load_index_cached,
)
from compatlib.testing.peer.packse import (
    PACKSE_DEFAULT_PYTHON,
    PACKSE_DEFAULT_REQUIRES_PYTHON,
    Scenario,
    load_scenario,
)
from compatlib.testing.peer.versions import (
    foreign_version,
    gem_specifier,
    pod_name,
    swift_name,
    swift_specifier,
)

__all__ = [
    "Case",
    "PeerFormat",
    "Scenario",
    "load_case",
    "load_index",
    "load_index_cached",
    "load_scenario",
    "detect_format",
    "foreign_version",
    "gem_specifier",
    "swift_specifier",
    "pod_name",
    "swift_name",
    "PACKSE_DEFAULT_PYTHON",
    "PACKSE_DEFAULT_REQUIRES_PYTHON",
]


def load_case(path: PathArg) -> Case:
    """Load a resolvelib case file (Python, CocoaPods or Swift suite)."""
    src = _read(path)
    data = _load_json(src)
    if isinstance(data, dict) and "containers" in data:
        return _swift_case(src, data)
    if isinstance(data, dict) and isinstance(data.get("requested"), dict):
        return _cocoapods_case(src, data)
    if isinstance(data, dict) and isinstance(data.get("requested"), list):
        return _python_case(src, data)
    raise src.error(
        "not a resolvelib case file",
        field="requested",
        expected="an object with 'requested' (list or object) or 'containers'",
    )
