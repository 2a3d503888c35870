"""The conda provider: conda channels as solver packages.

Packages are :class:`~compatlib.resolve.keys.CondaKey` s (``numpy``, ``__cuda``); candidates are
:class:`~compatlib.sources.conda.records.PackageRecord`\\ s; constraints are
:class:`~compatlib.sources.conda.matchspec.MatchSpec`\\ s (hashable by their canonical
string). A record's ``depends`` become ``requires`` dependencies and its
``constrains`` become ``constrains`` dependencies (they apply only when the
named package is present). A record whose dependency strings do not parse
cannot be used (:class:`~compatlib.solver.provider.Unavailable`, with the
parse error as the reason).

Candidate order (worst first, best last) follows rattler's resolvo solver
(``crates/rattler_solve/src/resolvo/conda_sorting.rs``, github.com/conda/rattler):

1. records without ``track_features`` before records with them;
2. higher version, then higher build number;
3. among records equal in all that (builds of one version for different
   Pythons, say), the one whose dependencies shared by the whole group allow
   the highest versions, comparing the shared dependency names alphabetically
   (so ``numpy 1.26 py312`` beats ``numpy 1.26 py39``);
4. the newer timestamp; then, only to make the order total, an arch-specific
   build over ``noarch``, the build string, file name and URL.

Virtual packages (``__cuda``, ``__glibc``, ``__unix``, ...) are the records of
:func:`compatlib.sources.conda.virtual.virtual_packages` for the target's subdir and
system profile (:func:`target_virtual_packages`); a virtual package the target
lacks has no candidates, so a record that depends on it cannot be used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from compatlib._values import fields, value
from compatlib.errors import InputError
from compatlib.resolve.keys import CondaKey
from compatlib.solver.provider import BaseProvider, Dependency, DependencyKind, Unavailable
from compatlib.sources.conda.channel import Channel, Channels
from compatlib.sources.conda.matchspec import MatchSpec, record_specs
from compatlib.sources.conda.records import PackageRecord
from compatlib.sources.conda.virtual import virtual_packages, virtual_record
from compatlib.values.sets import VersionSet

if TYPE_CHECKING:
    from compatlib.stack.profile import SystemProfile
    from compatlib.values.target import Target

__all__ = [
    "VIRTUAL_NAMES",
    "CondaDependency",
    "CondaProvider",
    "OrNewerRecord",
    "parse_virtual_package",
    "target_virtual_packages",
]

#: how conda's virtual packages are described to people
VIRTUAL_NAMES = {
    "__archspec": "CPU microarchitecture",
    "__conda": "conda version",
    "__cuda": "CUDA version the driver supports",
    "__glibc": "glibc version",
    "__linux": "Linux kernel",
    "__osx": "macOS version",
    "__unix": "Unix platform",
    "__win": "Windows version",
}


@value
class OrNewerRecord(PackageRecord):
    """A virtual package known only from below: the ``__cuda`` of a driver newer
    than compatlib's data, which runs that CUDA or a newer one. Its own type, not
    a build string, says so: no real or user-given record can pass for one."""


#: a dependency between conda packages
CondaDependency: TypeAlias = "Dependency[CondaKey, MatchSpec]"


def target_virtual_packages(target: Target) -> list[PackageRecord]:
    """conda's virtual packages for ``target``: its subdir and system profile.

    ``__unix``/``__linux``/``__osx``/``__win`` come from the subdir; ``__cuda``
    from the profile's :meth:`~compatlib.stack.profile.SystemProfile.cuda_support`
    (an explicit ``cuda``, else the newest CUDA its driver runs). conda itself
    reports the driver's own CUDA version; for a driver newer than compatlib's
    data, whose number the profile does not give, ``__cuda`` is that newest
    known version, open upward (an :class:`OrNewerRecord`): it meets
    ``__cuda >=X`` for any ``X``, as the driver may. ``__glibc``
    from ``target.glibc`` or the profile's glibc; ``__archspec`` from the
    profile's ``cpu`` (a microarchitecture name) or else its ``arch``. Facts the
    target does not state are absent, as conda leaves them absent when it
    cannot detect them.
    """
    facts: dict[str, str] = {}
    glibc = target.known_glibc
    if glibc:
        facts["glibc"] = glibc
    system: SystemProfile | None = None
    if target.system is not None:
        # lazy: only a target with a system reads it as a profile (whose module is loaded then)
        from compatlib.stack.profile import target_profile

        system = target_profile(target)
    support = system.cuda_support() if system is not None else None
    if system is not None:
        if support is not None:
            facts["cuda"] = support.version
        arch = system.cpu or system.arch
        if arch:
            facts["archspec"] = arch
    records = virtual_packages(target.subdir, facts)
    if support is not None and support.open:
        records = [
            OrNewerRecord(**{n: getattr(r, n) for n in fields(r)}) if r.name == "__cuda" else r
            for r in records
        ]
    return records


def _or_newer_match(spec: MatchSpec, record: PackageRecord) -> bool:
    """Does ``spec`` hold for a virtual package known only from below (its version
    or any newer one)? A spec of name and version holds when some version at or
    above the record's meets it; any other spec matches as usual."""
    version = spec.version
    only_version = (
        spec.build is None
        and spec.build_number is None
        and spec.channel is None
        and spec.subdir is None
        and not spec.fields
    )
    allowed = version.to_set() if version is not None and only_version else None
    if allowed is None:
        return spec.match(record)
    return not allowed.is_disjoint(VersionSet.at_least(record.version))


def parse_virtual_package(text: str, subdir: str = "") -> PackageRecord:
    """``"__cuda=12.1"``, ``"__unix"``, ``"__archspec=1=x86_64"`` -> a virtual record."""
    parts = text.strip().split("=")
    name = parts[0].strip().lower()
    if not name.startswith("__") or len(parts) > 3 or not all(p.strip() for p in parts):
        raise InputError(
            f"invalid virtual package {text!r}",
            text=text,
            expected="__name, __name=version or __name=version=build (such as __cuda=12.1)",
        )
    version = parts[1].strip() if len(parts) > 1 else None
    build = parts[2].strip() if len(parts) > 2 else None
    return virtual_record(name, version, build, subdir)


class CondaProvider(BaseProvider[CondaKey, PackageRecord, MatchSpec]):
    """Serve conda records from ``channels`` (first = highest priority).

    ``subdir`` keeps only records of that subdir, ``noarch`` and records that
    name no subdir (``None``: keep all). ``virtual`` are the target's virtual
    package records (see :func:`target_virtual_packages`). ``priority`` is
    used when ``channels`` is a list of :class:`Channel`. ``prefer`` maps a
    package name to the ``(version, build)`` an earlier lock pinned (``build``
    ``None``: any): those records are tried first, so a re-lock changes only
    what the requirements force.
    """

    def __init__(
        self,
        channels: Channels | Channel | Sequence[Channel],
        *,
        subdir: str | None = None,
        virtual: Iterable[PackageRecord] = (),
        priority: str = "strict",
        prefer: Mapping[str, tuple[str, str | None]] | None = None,
    ) -> None:
        self.prefer = {k.lower(): v for k, v in (prefer or {}).items()}
        if isinstance(channels, Channels):
            self.channels = channels
        elif isinstance(channels, Channel):
            self.channels = Channels([channels], "strict")
        else:
            self.channels = Channels(list(channels), priority)  # type: ignore[arg-type]
        self.subdir = subdir
        self.virtual: dict[str, PackageRecord] = {}
        for rec in virtual:
            if not rec.is_virtual:
                raise InputError(
                    f"{rec.name} is not a virtual package",
                    field="virtual_packages",
                    expected="names starting with __",
                )
            self.virtual[rec.name] = rec
        self._raw: dict[str, tuple[PackageRecord, ...]] = {}
        self._cands: dict[str, tuple[PackageRecord, ...]] = {}
        self._highest: dict[MatchSpec, tuple[bool, int] | None] = {}
        self._deps: dict[PackageRecord, Sequence[CondaDependency] | Unavailable] = {}
        self._shared_versions: dict[str, frozenset[Any]] = {}
        self._by_version: dict[str, list[PackageRecord]] = {}
        self._ranks: dict[str, dict[Any, int]] = {}

    # -- records -------------------------------------------------------------------
    def records(self, name: str) -> tuple[PackageRecord, ...]:
        """The usable records of ``name`` (virtual or from the channels), unsorted."""
        name = name.lower()
        got = self._raw.get(name)
        if got is None:
            if name.startswith("__"):
                rec = self.virtual.get(name)
                got = (rec,) if rec is not None else ()
            else:
                recs = self.channels.records(name)
                if self.subdir is not None:
                    keep = (self.subdir, "noarch", "")
                    recs = tuple(r for r in recs if r.subdir in keep)
                got = recs
            self._raw[name] = got
        return got

    # -- provider protocol -----------------------------------------------------------
    def candidates(self, package: CondaKey) -> Sequence[PackageRecord]:
        return self.sorted_records(package.name)

    def sorted_records(self, name: str) -> tuple[PackageRecord, ...]:
        """The usable records of ``name``, worst first (see the module docstring)."""
        got = self._cands.get(name)
        if got is None:
            got = self._sorted(name)
            pin = self.prefer.get(name)
            if pin is not None:  # an earlier lock's pin is tried first (it sorts last)
                version, build = pin
                kept = [r for r in got if str(r.version) == version and build in (None, r.build)]
                got = tuple([r for r in got if r not in kept] + kept)
            self._cands[name] = got
        return got

    def contains(self, package: CondaKey, constraint: MatchSpec, candidate: PackageRecord) -> bool:
        if isinstance(candidate, OrNewerRecord):
            return _or_newer_match(constraint, candidate)
        return constraint.match(candidate)

    def dependencies(
        self, package: CondaKey, candidate: PackageRecord
    ) -> Sequence[CondaDependency] | Unavailable:
        got = self._deps.get(candidate)
        if got is None:
            got = self._dependencies(candidate)
            self._deps[candidate] = got
        return got

    def _dependencies(self, record: PackageRecord) -> Sequence[CondaDependency] | Unavailable:
        if record.is_virtual:
            return ()
        try:
            depends, constrains = record_specs(record)
        except InputError as exc:
            where = f" ({exc.field})" if exc.field else ""
            return Unavailable(f"its dependency {exc.text!r}{where} does not parse: {exc.message}")
        deps: list[CondaDependency] = []
        kinds: tuple[tuple[DependencyKind, Sequence[MatchSpec], Sequence[str]], ...] = (
            ("requires", depends, record.depends),
            ("constrains", constrains, record.constrains),
        )
        for kind, specs, texts in kinds:
            for spec, text in zip(specs, texts, strict=True):
                if "*" in spec.name:
                    return Unavailable(f"its dependency {text!r} names no single package")
                deps.append(Dependency(CondaKey(spec.name), spec, text.strip(), kind))
        return deps

    def version_text(self, package: CondaKey, candidate: PackageRecord) -> str:
        """``version`` when no other candidate shares it, else ``version build``."""
        return self.record_text(candidate)

    def record_text(self, rec: PackageRecord) -> str:
        """``version`` when no other record of the package shares it, else
        ``version build``."""
        if rec.is_virtual:
            if isinstance(rec, OrNewerRecord):
                return f"{rec.version} or newer"
            return str(rec.version) if rec.build == "0" else f"{rec.version} {rec.build}"
        shared = self._shared_versions.get(rec.name)
        if shared is None:
            seen: set[Any] = set()
            dup: set[Any] = set()
            for r in self.sorted_records(rec.name):
                (dup if r.version in seen else seen).add(r.version)
            shared = frozenset(dup)
            self._shared_versions[rec.name] = shared
        return f"{rec.version} {rec.build}" if rec.version in shared else str(rec.version)

    def fixed_value(self, package: CondaKey) -> str | None:
        """The target's value of a virtual package, or that it has none."""
        if not package.is_virtual:
            return None
        name = package.name
        what = VIRTUAL_NAMES.get(name)
        about = f" ({what})" if what else ""
        rec = self.virtual.get(name)
        if rec is None:
            return f"the target has no {name}{about}"
        text = f"the target's {name}{about} is {self.record_text(rec)}"
        if isinstance(rec, OrNewerRecord):
            # lazy: only an open virtual package reads the data's date
            from compatlib.stack.knowledge import as_of

            text += (
                f" (its driver is beyond compatlib's data as of {as_of()}; conda would "
                "report the driver's own CUDA version: give it as cuda= in the system)"
            )
        return text

    def layer_of(self, package: CondaKey) -> str | None:
        """The system layer a virtual package stands for (``None`` for real packages)."""
        return VIRTUAL_NAMES.get(package.name)

    # -- candidate order -------------------------------------------------------------------
    def _sorted(self, name: str) -> tuple[PackageRecord, ...]:
        """The records of ``name``, worst first, best last: see the module docstring."""
        # versions ranked once (newest 0), so that grouping sorts on integers
        # instead of comparing conda versions again
        rank = self._version_rank(name)
        groups: dict[tuple[Any, ...], list[PackageRecord]] = {}
        for rec in self.records(name):
            key = (not rec.track_features, -rank[rec.version], rec.build_number)
            groups.setdefault(key, []).append(rec)
        out: list[PackageRecord] = []
        for key in sorted(groups):
            group = groups[key]
            if len(group) == 1:
                out.extend(group)
            else:
                out.extend(self._sort_group(group))
        return tuple(out)

    def _sort_group(self, group: list[PackageRecord]) -> list[PackageRecord]:
        """Order equal-version records by the highest versions their shared
        dependencies allow, then by timestamp (ascending: best last)."""
        per_record: list[dict[str, list[MatchSpec]]] = []
        for rec in group:
            by_name: dict[str, list[MatchSpec]] = {}
            try:
                depends, _ = record_specs(rec)
            except InputError:
                depends = ()
            for spec in depends:
                by_name.setdefault(spec.name, []).append(spec)
            per_record.append(by_name)
        shared = sorted(set.intersection(*(set(d) for d in per_record)))

        def score(i: int) -> tuple[Any, ...]:
            parts: list[Any] = []
            for name in shared:
                best: tuple[bool, int] | None = None
                for spec in per_record[i][name]:
                    h = self._highest_match(spec)
                    if h is not None and (best is None or h > best):
                        best = h
                # present beats absent; no track_features beats track_features; higher version
                parts.append((0,) if best is None else (1, best))
            rec = group[i]
            return (
                tuple(parts),
                rec.timestamp,
                rec.subdir != "noarch",
                rec.build,
                rec.filename,
                rec.url,
            )

        order = sorted(range(len(group)), key=score)
        return [group[i] for i in order]

    def _newest_first(self, name: str) -> Sequence[PackageRecord]:
        """The records of ``name`` by version, newest first (a stable sort: channel
        order among equal versions)."""
        got = self._by_version.get(name)
        if got is None:
            rank = self._version_rank(name)
            got = sorted(self.records(name), key=lambda r: rank[r.version])
            self._by_version[name] = got
        return got

    def _version_rank(self, name: str) -> dict[Any, int]:
        """Each version of ``name`` -> its place, newest 0: its distinct versions
        compared once (a version has many builds), so that later orderings sort
        integers."""
        got = self._ranks.get(name)
        if got is None:
            versions = sorted({r.version for r in self.records(name)}, reverse=True)
            got = {v: i for i, v in enumerate(versions)}
            self._ranks[name] = got
        return got

    def _highest_match(self, spec: MatchSpec) -> tuple[bool, int] | None:
        """``(no track_features, -rank of its version)`` of the newest record
        matching ``spec``: higher is better, comparable among the specs of one name."""
        if spec in self._highest:
            return self._highest[spec]
        best: PackageRecord | None = None
        if "*" not in spec.name:
            key = CondaKey(spec.name)
            # newest first, so the first match is the newest one (of equal
            # versions, the first in channel order, as a scan for the maximum finds)
            best = next(
                (r for r in self._newest_first(spec.name) if self.contains(key, spec, r)), None
            )
        got = (
            None
            if best is None
            else (not best.track_features, -self._version_rank(spec.name)[best.version])
        )
        self._highest[spec] = got
        return got
