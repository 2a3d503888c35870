"""Channels: records grouped by package name, in the order a solver should try them.

:meth:`Channel.records` returns the records of one package in **ascending
preference**: the worst candidate first and the best last (the order
:class:`compatlib.solver.provider.Provider.candidates` uses), sorted by
:func:`~compatlib.sources.conda.records.candidate_key`.

:class:`Channels` stacks several channels by priority (first = highest) the
way conda's ``channel_priority`` setting does:

* ``strict`` (conda's default since 4.6 for conda-forge users, and mamba's):
  a name found in a higher-priority channel hides that name in every lower
  one;
* ``flexible``: all channels' records, every record of a higher-priority
  channel preferred over every record of a lower one;
* ``disabled``: all records ordered by version first; channel priority only
  breaks ties between equal versions (conda's ``Resolve.version_key``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.sources.conda.matchspec import MatchSpec, parse_matchspec
from compatlib.sources.conda.records import PackageRecord, candidate_key
from compatlib.sources.conda.repodata import load_sparse_repodata

if TYPE_CHECKING:
    from compatlib.sources.conda.sparse import SparseRepodata
    from compatlib.sources.fetch import Fetcher

__all__ = ["Channel", "ChannelPriority", "Channels"]

ChannelPriority = Literal["strict", "flexible", "disabled"]


@value(init=False, eq=False)
class Channel:
    """An immutable set of records from one channel, indexed by package name.

    Built from records, or from :class:`~compatlib.sources.conda.sparse.SparseRepodata`
    documents (what :meth:`load` reads): then a name's records are built the
    first time :meth:`records` (or :meth:`find`) asks for them, and only
    iterating the whole channel builds every record.
    """

    __slots__ = ("_by_name", "_docs", "_eager", "_known", "_names", "name", "url")

    def __init__(
        self,
        records: Iterable[PackageRecord] = (),
        *,
        name: str | None = None,
        url: str = "",
        documents: Sequence[SparseRepodata] = (),
    ) -> None:
        groups: dict[str, list[PackageRecord]] = {}
        for rec in records:
            groups.setdefault(rec.name, []).append(rec)
        self._docs = tuple(documents)
        if self._docs:
            # sorted per name on first request, with the documents' records
            self._eager: dict[str, list[PackageRecord]] = groups
            self._by_name: dict[str, tuple[PackageRecord, ...]] = {}
        else:
            self._eager = {}
            self._by_name = {
                n: tuple(sorted(recs, key=candidate_key)) for n, recs in groups.items()
            }
        known = set(groups)
        for doc in self._docs:
            known.update(doc.names())
        self._known = frozenset(known)
        self._names = tuple(sorted(known))
        if name is None:
            chans = {r.channel for recs in groups.values() for r in recs if r.channel}
            chans.update(doc.channel for doc in self._docs if doc.channel and len(doc))
            name = min(chans) if len(chans) == 1 else (url or "")
        self.name = name
        self.url = url

    @classmethod
    def load(
        cls,
        source: str | os.PathLike[str],
        subdir: str | None = None,
        *,
        name: str | None = None,
        timeout: float = 30.0,
        fetcher: Fetcher | None = None,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Channel:
        """A channel from a repodata file, channel folder or URL (see
        :func:`~compatlib.sources.conda.repodata.load_repodata`, which reads URLs
        through ``fetcher``); ``name`` renames it and the channel recorded on its
        records. Read sparsely (:func:`~compatlib.sources.conda.repodata.load_sparse_repodata`,
        whose ``cache`` and ``cache_dir`` these are): records are built per name
        when asked for, so a malformed entry is reported when its name is."""
        docs = load_sparse_repodata(
            source,
            subdir,
            channel=name,
            timeout=timeout,
            fetcher=fetcher,
            cache=cache,
            cache_dir=cache_dir,
        )
        text = os.fspath(source)
        return cls(name=name, url=text if "://" in text else "", documents=docs)

    # -- queries ---------------------------------------------------------------
    @property
    def subdirs(self) -> tuple[str, ...]:
        """The subdirs its records come from, sorted."""
        found = {r.subdir for recs in self._by_name.values() for r in recs}
        found.update(r.subdir for recs in self._eager.values() for r in recs)
        for doc in self._docs:
            if len(doc):
                found.update(doc.subdirs)
        return tuple(sorted(found))

    def names(self) -> tuple[str, ...]:
        """Package names, sorted."""
        return self._names

    def records(self, name: str) -> tuple[PackageRecord, ...]:
        """Records of ``name``, worst first and best last; empty if unknown."""
        key = name.lower()
        got = self._by_name.get(key)
        if got is None:
            if not self._docs or key not in self._known:
                return ()
            recs = list(self._eager.get(key, ()))
            for doc in self._docs:
                recs.extend(doc.records(key))
            got = tuple(sorted(recs, key=candidate_key))
            self._by_name[key] = got
        return got

    def find(self, spec: MatchSpec | str) -> tuple[PackageRecord, ...]:
        """Records matching ``spec`` (worst first); a glob name searches every package."""
        ms = parse_matchspec(spec) if isinstance(spec, str) else spec
        if "*" in ms.name:
            pool: Iterable[PackageRecord] = (r for n in self._names for r in self.records(n))
        else:
            pool = self.records(ms.name)
        return tuple(r for r in pool if ms.match(r))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._known

    def __iter__(self) -> Iterator[PackageRecord]:
        """Every record: by name, then worst to best."""
        for n in self._names:
            yield from self.records(n)

    def __len__(self) -> int:
        if not self._docs:
            return sum(len(v) for v in self._by_name.values())
        return sum(len(v) for v in self._eager.values()) + sum(len(d) for d in self._docs)

    def __repr__(self) -> str:
        return f"<Channel {self.name!r}: {len(self._names)} names, {len(self)} records>"


@value(init=False, eq=False)
class Channels:
    """Several channels in priority order (index 0 = highest priority)."""

    __slots__ = ("_cache", "channels", "priority")

    def __init__(self, channels: Sequence[Channel], priority: ChannelPriority = "strict") -> None:
        if priority not in ("strict", "flexible", "disabled"):
            raise InputError(
                f"unknown channel priority {priority!r}",
                field="channel_priority",
                expected="'strict', 'flexible' or 'disabled'",
            )
        self.channels = tuple(channels)
        self.priority: ChannelPriority = priority
        self._cache: dict[str, tuple[PackageRecord, ...]] = {}

    def names(self) -> tuple[str, ...]:
        return tuple(sorted({n for ch in self.channels for n in ch.names()}))

    def channel_for(self, name: str) -> Channel | None:
        """The highest-priority channel that has ``name`` (strict priority's choice)."""
        for ch in self.channels:
            if name in ch:
                return ch
        return None

    def records(self, name: str) -> tuple[PackageRecord, ...]:
        """Candidates of ``name`` across channels, worst first and best last."""
        key = name.lower()
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if self.priority == "strict":
            ch = self.channel_for(key)
            out = ch.records(key) if ch is not None else ()
        elif self.priority == "flexible":
            out = tuple(r for ch in reversed(self.channels) for r in ch.records(key))
        else:
            pairs: list[tuple[tuple[Any, ...], PackageRecord]] = []
            for index, ch in enumerate(self.channels):
                for r in ch.records(key):
                    k = candidate_key(r)
                    # version first, then the channel, then the rest of the key
                    pairs.append(((k[0], k[1], -index, *k[2:]), r))
            pairs.sort(key=lambda p: p[0])
            out = tuple(r for _, r in pairs)
        self._cache[key] = out
        return out

    def find(self, spec: MatchSpec | str) -> tuple[PackageRecord, ...]:
        """Records matching ``spec`` among :meth:`records` of its name."""
        ms = parse_matchspec(spec) if isinstance(spec, str) else spec
        if "*" in ms.name:
            return tuple(r for n in self.names() for r in self.records(n) if ms.match(r))
        return tuple(r for r in self.records(ms.name) if ms.match(r))

    def __repr__(self) -> str:
        names = ", ".join(ch.name for ch in self.channels)
        return f"<Channels [{names}] priority={self.priority}>"
