"""Conda: match specs, package records, repodata loading, channels, virtual packages.

See ``docs/conda.md``. The submodules import only the standard library.
"""

from compatlib.sources.conda.channel import Channel, ChannelPriority, Channels
from compatlib.sources.conda.matchspec import MatchSpec, parse_matchspec, record_specs
from compatlib.sources.conda.records import PackageRecord, candidate_key, record_from_json
from compatlib.sources.conda.repodata import load_repodata, load_sparse_repodata, parse_repodata
from compatlib.sources.conda.sparse import SparseRepodata
from compatlib.sources.conda.virtual import virtual_packages

__all__ = [
    "Channel",
    "ChannelPriority",
    "Channels",
    "MatchSpec",
    "PackageRecord",
    "SparseRepodata",
    "candidate_key",
    "load_repodata",
    "load_sparse_repodata",
    "parse_matchspec",
    "parse_repodata",
    "record_from_json",
    "record_specs",
    "virtual_packages",
]
