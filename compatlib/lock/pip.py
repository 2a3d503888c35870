"""Lock pip requirements against PyPI-style sources (simple indexes, find-links).

:func:`lock_pip` solves a :class:`~compatlib.specs.Spec` (or plain PEP 508
strings) for one :class:`~compatlib.values.target.Target` with
:func:`compatlib.resolve.solve.solve` over a lazy
:class:`~compatlib.sources.pypi.PyPIRepository`, then pins, for every chosen
release, the one file the target installs: the best-ranked compatible wheel,
else the source distribution. The result is a :class:`~compatlib.lock.Lock`
with URLs (credentials removed), hashes, dependencies and what the lock needs
of the system (glibc, NVIDIA driver, GPU).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from compatlib._values import replace, value
from compatlib.errors import CompatError, InputError
from compatlib.lock.hashing import HashingRepository, hash_local_files, local_digest, local_sha256
from compatlib.lock.model import Lock, LockedPackage
from compatlib.solver.errors import UnsatisfiableError
from compatlib.sources.artifacts import choose_artifact, ranked_artifacts
from compatlib.values.urls import redact_url, split_url

if TYPE_CHECKING:
    from compatlib.resolve.resolution import Resolution
    from compatlib.sources.memory import Artifact, IndexRelease, Repository
    from compatlib.sources.pypi.shared import SharedSources
    from compatlib.specs.model import Spec
    from compatlib.values.tags import TagRanker
    from compatlib.values.target import Target

__all__ = [
    "DEFAULT_INDEX",
    "INPUT_CATEGORIES",
    "INPUTS_HASH_VERSION",
    "PipInputs",
    "PrefetchingRepository",
    "HashPin",
    "canonical_order",
    "choose_artifact",
    "ranked_artifacts",
    "lock_pip",
    "lock_metadata",
    "inputs_hash",
    "knowledge_base_sha256",
    "local_sha256",
    "lock_resolution",
    "pip_inputs",
    "previous_pins",
    "read_ahead_threads",
    "target_dict",
]

DEFAULT_INDEX = "https://pypi.org/simple"
"""The index used when neither the caller nor the spec names an index or find-links."""

#: hash algorithms a lock keeps (the ones pip's ``--hash`` accepts)
_LOCK_HASHES = ("sha256", "sha384", "sha512")


@value
class PipInputs:
    """What a pip lock is computed from, after reading the spec.

    ``requirements`` and ``constraints`` are PEP 508 strings as written;
    ``indexes`` and ``find_links`` are the sources in priority order
    (credentials kept: they are needed to fetch, and never written out);
    ``prereleases`` is ``True`` when the spec says ``--pre``; ``hash_pins``
    the ``--hash`` pins of the spec, one :class:`HashPin` per project.
    """

    requirements: tuple[str, ...]
    constraints: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    prereleases: bool | None = None
    hash_pins: tuple[HashPin, ...] = ()


@value
class HashPin:
    """The files a project may be locked to, by hash (pip's ``--hash``).

    ``allowed`` holds ``(algorithm, digest)`` pairs: the file must match one of
    them, as pip checks at install time. When constraint lines pin hashes too,
    ``also`` holds theirs and the file must match one of each. ``where`` says
    which lines the pins came from, for messages.
    """

    name: str
    allowed: tuple[tuple[str, str], ...]
    where: str
    also: tuple[tuple[str, str], ...] | None = None

    def accepts(self, digests: Mapping[str, str]) -> bool:
        """Does a file with these ``{algorithm: digest}`` hashes satisfy the pins?"""

        def hit(pairs: tuple[tuple[str, str], ...]) -> bool:
            return any(digests.get(algo) == digest for algo, digest in pairs)

        return hit(self.allowed) and (self.also is None or hit(self.also))

    def algorithms(self) -> list[str]:
        return sorted({a for a, _ in (*self.allowed, *(self.also or ()))})


def pip_inputs(
    spec_or_requirements: Spec | Sequence[str],
    *,
    indexes: Sequence[str] = (),
    find_links: Sequence[str] = (),
    no_index: bool = False,
) -> PipInputs:
    """The requirements, constraints and sources a lock uses.

    Sources: ``indexes`` given here come first, then the spec's ``--index-url``
    and ``--extra-index-url`` lines (unless ``no_index`` or the spec says
    ``--no-index``); find-links from both are merged. With no index and no
    find-links at all, :data:`DEFAULT_INDEX` is used, as pip does.
    Requirements that name no project, or that are direct URL references, raise
    :class:`~compatlib.errors.InputError` pointing at their line.
    """
    if isinstance(spec_or_requirements, str):
        raise InputError(
            "requirements must be a sequence of strings or a Spec, not one string",
            field="requirements",
            expected="['requests>=2'] or read_spec(...)",
        )
    if isinstance(spec_or_requirements, (list, tuple)):  # no spec import needed
        return _plain_inputs(spec_or_requirements, indexes, find_links, no_index)
    # lazy: only pip_inputs needs compatlib.specs.model, which loads 10 modules that importing this one does not
    from compatlib.specs.model import Spec

    if not isinstance(spec_or_requirements, Spec):
        return _plain_inputs(list(spec_or_requirements), indexes, find_links, no_index)
    spec = spec_or_requirements
    requirements = [_requirement_text(item) for item in spec.pip]
    constraints = [_requirement_text(item) for item in spec.constraints]
    all_indexes = list(indexes)
    options = spec.indexes
    skip_spec_indexes = no_index or options.no_index
    if not skip_spec_indexes:
        if options.index_url is not None:
            all_indexes.append(options.index_url.value)
        all_indexes.extend(u.value for u in options.extra_index_urls)
    all_links = [*find_links, *(f.value for f in options.find_links)]
    if not all_indexes and not all_links and not skip_spec_indexes:
        all_indexes.append(DEFAULT_INDEX)
    return PipInputs(
        requirements=tuple(requirements),
        constraints=tuple(constraints),
        indexes=_unique(all_indexes),
        find_links=_unique(all_links),
        prereleases=True if spec.install.pre else None,
        hash_pins=_hash_pins(spec.pip, spec.constraints),
    )


def _hash_pins(requirements: Sequence[Any], constraints: Sequence[Any]) -> tuple[HashPin, ...]:
    """One pin per project: the hashes of its requirement lines (any may match,
    as pip merges them), narrowed by those of its constraint lines."""
    # lazy: only _hash_pins needs compatlib.values.filenames, which loads 3 modules that importing this one does not
    from compatlib.values.filenames import canonicalize_name

    def collect(items: Sequence[Any]) -> dict[str, tuple[list[tuple[str, str]], list[str]]]:
        out: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
        for item in items:
            if not item.hashes or item.requirement is None:
                continue
            pairs, places = out.setdefault(canonicalize_name(item.requirement.name), ([], []))
            pairs.extend((h.algorithm, h.digest.lower()) for h in item.hashes)
            places.append(str(item.location))
        return out

    req, con = collect(requirements), collect(constraints)
    pins: list[HashPin] = []
    for name in sorted(set(req) | set(con)):
        main = req.get(name) or con[name]
        extra = con.get(name) if name in req else None
        places = main[1] + (extra[1] if extra else [])
        pins.append(
            HashPin(
                name=name,
                allowed=tuple(sorted(set(main[0]))),
                where=", ".join(places),
                also=tuple(sorted(set(extra[0]))) if extra else None,
            )
        )
    return tuple(pins)


def _plain_inputs(
    requirements: Sequence[str],
    indexes: Sequence[str],
    find_links: Sequence[str],
    no_index: bool,
) -> PipInputs:
    return PipInputs(
        requirements=tuple(requirements),
        indexes=_unique(indexes) if indexes or find_links or no_index else (DEFAULT_INDEX,),
        find_links=_unique(find_links),
    )


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    """The sources in order without repeats; a URL that does not parse is bad input."""
    for item in items:
        if "://" in item:
            split_url(item, field="index or find-links")
    return tuple(dict.fromkeys(items))


def _requirement_text(item: Any) -> str:
    """The PEP 508 text of a :class:`~compatlib.specs.PipRequirement`, checked."""
    where = item.location
    if item.requirement is None or item.url is not None or item.editable:
        raise InputError(
            f"cannot lock {item.text!r}: direct references, paths and editables "
            "need a build step, which compatlib never runs",
            source=where.source,
            line=where.line,
            column=where.column,
            field=where.field,
            expected="a requirement on a published version, such as 'name>=1.0'",
        )
    return str(item.text)


def _pinned_artifact(
    release: IndexRelease, target: Target, ranker: TagRanker, pin: HashPin, cache_dir: Any
) -> Artifact:
    """The best file of ``release`` whose hash the pin allows (local files are
    hashed to check); an :class:`InputError` naming the pin's lines otherwise."""
    seen: list[str] = []
    for art in ranked_artifacts(release, target, ranker=ranker):
        digests = dict(art.hashes)
        if art.url.startswith("file:"):
            for algo in pin.algorithms():
                if algo not in digests:
                    digest = local_digest(art.url, algo, cache_dir)
                    if digest is not None:
                        digests[algo] = digest
        if pin.accepts(digests):
            return art
        shown = ", ".join(f"{a}:{d[:16]}..." for a, d in sorted(digests.items())) or "no hash"
        seen.append(f"{art.filename} ({shown})")
    files = "; ".join(seen) if seen else "none fits the target"
    raise InputError(
        f"{pin.name} {release.version}: no file for {target.subdir} matches its --hash pins "
        f"({pin.where}); its files: {files}",
        field="--hash",
        expected="--hash values of the version that is locked (or no --hash)",
    )


def lock_resolution(
    resolution: Resolution,
    repository: Repository,
    target: Target,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    hasher: HashingRepository | None = None,
    hash_pins: Sequence[HashPin] = (),
) -> tuple[list[LockedPackage], dict[str, str]]:
    """The locked packages and system requirements of one solved ``resolution``.

    A chosen local (``file://``) file without a hash is hashed (sha256, cached
    under ``cache_dir`` by path, size and modification time), so only the files
    that end up in the lock are read in full; ``hasher``, when the solve read
    through one, has most of them hashed already. A package with ``hash_pins``
    is locked to its best file that matches one of them. A repository that says
    how it read each release's metadata (``metadata_source(name, version)``)
    has that recorded per package.
    """
    # lazy: only lock_resolution needs compatlib.values.tags, which loads 4 modules that importing this one does not
    from compatlib.values.tags import TagRanker

    ranker = TagRanker.for_target(target)
    pins = {p.name: p for p in hash_pins}
    deps: dict[str, dict[str, list[str]]] = {}
    for src, dst, text in resolution.edges:
        if src is None:
            continue
        texts = deps.setdefault(src, {}).setdefault(dst, [])
        if text not in texts:
            texts.append(text)
    platform = target.subdir
    chosen: list[tuple[str, str, Artifact]] = []
    for name, version in sorted(resolution.versions.items()):
        release = repository.release(name, str(version))
        pin = pins.get(name)
        if pin is not None:
            art: Artifact | None = _pinned_artifact(release, target, ranker, pin, cache_dir)
        else:
            art = choose_artifact(release, target, ranker=ranker)
        if art is None:
            raise CompatError(
                f"{name} {version} was chosen but none of its files fits the target "
                f"(Python {target.python_version}, {platform})"
            )
        chosen.append((name, str(version), art))
    local = [a.url for _, _, a in chosen if a.url.startswith("file:") and not _lock_hashes(a)]
    digests = hasher.digests(local) if hasher is not None else hash_local_files(local, cache_dir)
    packages: list[LockedPackage] = []
    for name, vtext, art in chosen:
        hashes = _lock_hashes(art)
        digest = digests.get(art.url)
        if not hashes and digest is not None:
            hashes = (("sha256", digest),)
        packages.append(
            LockedPackage(
                name=name,
                version=vtext,
                manager="pip",
                platform=platform,
                url=redact_url(art.url),
                hashes=hashes,
                filename=art.filename,
                dependencies=tuple(
                    (dep, "; ".join(sorted(texts)))
                    for dep, texts in sorted(deps.get(name, {}).items())
                ),
                metadata_source=repository.metadata_source(name, vtext),
            )
        )
    system = {
        key: req.requirement
        for key, req in sorted(resolution.system_requirements.items())
        if req.requirement
    }
    return packages, system


def _lock_hashes(art: Artifact) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((a, h) for a, h in art.hashes if a in _LOCK_HASHES))


def read_ahead_threads(cores: int | None) -> int:
    """How many threads read ahead of the solver on a machine of ``cores``: one
    more than the cores, from 2 to 8.

    Reading ahead is network waits and CPU-bound page parsing. Python threads
    parse one at a time, and every TLS record another thread receives (a
    project page of several MB is hundreds) hands the interpreter lock over
    and back: on a 2-core machine 8 threads spent 5-8% more CPU time on a cold
    lock than 3 did, for no more overlap. More cores take more threads.
    """
    return max(2, min(8, (cores or 1) + 1))


class PrefetchingRepository:
    """A repository wrapper that reads ahead on a thread pool while the solver works.

    Whenever a release is read, the project pages of its dependencies (those
    whose markers can hold for the target) and the metadata of each one's newest
    stable version are fetched in the background, and so on down that tree, so
    that network round trips overlap instead of queueing behind the solver.
    Results are unchanged: the background only warms the wrapped repository's
    caches, and its errors are dropped (the solver's own call meets them again).
    Worth it for remote (``http(s)``) sources; for local files it only adds
    thread overhead. ``max_workers``: threads reading ahead (``None``: see
    :func:`read_ahead_threads`).
    """

    def __init__(self, repository: Any, target: Target, *, max_workers: int | None = None) -> None:
        # lazy: only __init__ needs concurrent, which loads 13 modules that importing this one does not
        from concurrent.futures import ThreadPoolExecutor

        if max_workers is None:
            max_workers = read_ahead_threads(os.cpu_count())
        self.repository = repository
        self.env = target.marker_environment()
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="prefetch")
        self._closed = False

    # -- the Repository protocol ---------------------------------------------------
    def versions(self, name: str) -> list[str]:
        return list(self.repository.versions(name))

    def release(self, name: str, version: str) -> IndexRelease:
        rel: IndexRelease = self.repository.release(name, version)
        self._ahead(rel.requires)
        return rel

    def is_yanked(self, name: str, version: str) -> bool:
        return bool(self.repository.is_yanked(name, version))

    def __getattr__(self, name: str) -> Any:
        # other optional repository methods (missing_reason, ...) pass through
        if name == "repository":
            raise AttributeError(name)
        return getattr(self.repository, name)

    # -- reading ahead -------------------------------------------------------------
    def start(self, requirements: Sequence[str]) -> None:
        """Begin with the root requirements."""
        self._ahead(requirements)

    def _ahead(self, requirements: Sequence[str]) -> None:
        # lazy: only _ahead needs compatlib.values.filenames, which loads 3 modules that importing this one does not
        from compatlib.values.filenames import canonicalize_name

        # lazy: only _ahead needs compatlib.values.pep508, which loads 8 modules that importing this one does not
        from compatlib.values.pep508 import InvalidRequirement, Requirement

        names: list[str] = []
        for text in requirements:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is not None:
                try:
                    if not req.marker.evaluate({**self.env, "extra": ""}):
                        continue
                except Exception:  # an unknown marker variable: let the solver decide
                    continue
            names.append(canonicalize_name(req.name))
        with self._lock:
            if self._closed:
                return
            new = sorted(n for n in set(names) if n not in self._seen)
            self._seen.update(new)
            for name in new:
                self._pool.submit(self._fetch, name)

    def _fetch(self, name: str) -> None:
        with contextlib.suppress(Exception):  # errors surface in the solver's own call
            version = self._newest(name, self.repository.versions(name))
            if version is not None:
                self.release(name, version)

    def _newest(self, name: str, versions: Sequence[str]) -> str | None:
        """The newest version the solver can take: not yanked, and (where the
        index says) for the target's Python; among the stable versions, or
        among all when none is stable. Versions are parsed from the newest
        down only until one is found (botocore lists thousands)."""
        # lazy: only _newest needs packaging, which loads 2 modules that importing this one does not
        from packaging.version import Version

        def usable(version: str) -> bool:
            return not (
                self.repository.is_yanked(name, version)
                or self.repository.python_excluded(name, version)
            )

        any_stable = False
        for version in reversed(versions):
            if Version(version).is_prerelease:
                continue
            any_stable = True
            if usable(version):
                return version
        if not any_stable:
            for version in reversed(versions):
                if usable(version):
                    return version
        return None

    def close(self) -> None:
        """Stop reading ahead: queued fetches are cancelled, running ones finish."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def lock_pip(
    spec_or_requirements: Spec | Sequence[str],
    *,
    target: Target | Sequence[Target] | None = None,
    indexes: Sequence[str] = (),
    find_links: Sequence[str] = (),
    no_index: bool = False,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    constraints: Sequence[str] = (),
    strategy: str = "newest",
    index_strategy: str = "first-index",
    prereleases: bool | None = None,
    prefer: Mapping[str, str] | None = None,
    fixes: bool = True,
    progress: bool | None = False,
    repository: Repository | None = None,
    prefetch: bool | None = None,
    universal: bool = False,
    requires_python: str | None = None,
    previous: Lock | None = None,
    verify_metadata: str = "fast",
    sources: SharedSources | None = None,
) -> Lock:
    """Lock pip requirements for one target, or for several (one solve each).

    ``spec_or_requirements``: a :class:`~compatlib.specs.Spec` (its pip
    requirements, constraints, index options and ``--pre``) or PEP 508
    strings. ``target``: Python, platform (conda subdir), glibc and system
    profile (default: ``Target()``, i.e. this interpreter's Python on
    linux-64); a sequence of targets with distinct platforms gives a
    multi-platform lock. ``indexes``/``find_links``/``no_index``: see
    :func:`pip_inputs`. ``offline``, ``cache_dir`` and ``index_strategy``
    (``"first-index"`` or ``"best-match"``) go to
    :class:`~compatlib.sources.pypi.PyPIRepository`; ``constraints``,
    ``strategy``, ``prereleases``, ``prefer`` and ``fixes`` to
    :func:`compatlib.resolve.solve.solve`. ``repository`` replaces the PyPI repository
    (any :class:`~compatlib.sources.memory.Repository` whose releases carry
    artifacts; it must select files for the target(s) given). ``prefetch``
    reads ahead on a thread pool (:class:`PrefetchingRepository`); ``None``
    (the default) turns it on when an index or find-links location is remote.
    ``universal`` locks each target's platform for every Python in
    ``requires_python`` (default: from the target's Python up): one solve per
    class of Pythons the requirements' markers tell apart, and packages whose
    version depends on the Python carry a ``marker``. ``previous`` (an earlier
    lock, read back) makes the update minimal: each solve prefers the versions
    ``previous`` pins for its platform and Python (:func:`previous_pins`), so
    they change only where the requirements force it; ``prefer`` wins over it.
    The requirements are solved in a canonical order (by name), so the order
    they are given in changes neither the result nor the inputs hash.
    ``verify_metadata="full"`` reads remote metadata only from files checked
    whole (:class:`~compatlib.sources.pypi.PyPIRepository`). ``sources``: the
    :class:`~compatlib.sources.pypi.shared.SharedSources` all targets read (default: new).

    Raises :class:`~compatlib.solver.errors.UnsatisfiableError` (with the explanation)
    when no set of versions works, :class:`~compatlib.errors.InputError` for bad
    input, and other :class:`~compatlib.errors.CompatError` subclasses (such as
    ``OfflineError``) when a source cannot be read.
    """
    targets = _lock_targets(target)
    _check_choice("index strategy", "index_strategy", index_strategy, ("first-index", "best-match"))
    _check_choice("metadata verification", "verify_metadata", verify_metadata, ("fast", "full"))
    inputs, all_constraints = _canonical_inputs(
        pip_inputs(spec_or_requirements, indexes=indexes, find_links=find_links, no_index=no_index),
        constraints,
    )
    pre = prereleases if prereleases is not None else inputs.prereleases
    run = functools.partial(
        _lock_one,
        inputs,
        all_constraints,
        repository=repository,
        offline=offline,
        cache_dir=cache_dir,
        index_strategy=index_strategy,
        strategy=strategy,
        prereleases=pre,
        prefer=prefer,
        previous=previous,
        fixes=fixes,
        progress=progress,
        prefetch=prefetch,
        verify_metadata=verify_metadata,
    )
    span = _UniversalSpan(requires_python) if universal else None
    packages, system = _lock_each(run, inputs, all_constraints, targets, span, sources)
    return Lock.of(
        packages,
        system_requirements=system,
        metadata=lock_metadata(
            inputs,
            all_constraints,
            targets,
            prereleases=pre,
            strategy=strategy,
            index_strategy=index_strategy,
            extra=None if span is None else {"universal": span.spec(targets)},
        ),
    )


def _canonical_inputs(
    inputs: PipInputs, constraints: Sequence[str]
) -> tuple[PipInputs, tuple[str, ...]]:
    """The inputs with their requirements in canonical order, and every constraint
    (the spec's and the caller's) in canonical order; nothing to lock is an error."""
    if not inputs.requirements:
        raise InputError("nothing to lock", expected="one or more pip requirements")
    from compatlib._values import replace  # lazy: as the other helpers here

    inputs = replace(inputs, requirements=canonical_order(inputs.requirements))
    return inputs, canonical_order((*inputs.constraints, *constraints))


def _check_choice(what: str, field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InputError(
            f"unknown {what} {value!r}",
            field=field,
            expected=" or ".join(repr(c) for c in choices),
        )


def _lock_each(
    run: Any,
    inputs: PipInputs,
    constraints: Sequence[str],
    targets: Sequence[Target],
    span: _UniversalSpan | None,
    sources: SharedSources | None = None,
) -> tuple[list[LockedPackage], dict[str, dict[str, str]]]:
    """The packages of every target (``run`` solves one) and what each
    platform needs of the system; ``span``: the Pythons of a universal lock
    (``None``: each target's own Python only).

    The PyPI repositories of every target and Python share one
    :class:`~compatlib.sources.pypi.shared.SharedSources` (``sources``, else
    one made here and closed at the end, when there is more than one solve):
    each source is scanned, each page parsed and each file's metadata read
    once per run. A single solve keeps the cache's per-target page form,
    which holds only the files its target can use."""
    own = None
    if sources is None and (span is not None or len(targets) > 1):  # one solve: nothing to share
        # lazy: only _lock_each needs compatlib.sources.pypi.shared, which loads 1 module that importing this one does not
        from compatlib.sources.pypi.shared import SharedSources

        sources = own = SharedSources()
    run = functools.partial(run, shared=sources)
    packages: list[LockedPackage] = []
    system: dict[str, dict[str, str]] = {}
    try:
        for tgt in targets:
            if span is not None:
                found, needs = _lock_universal(run, inputs, constraints, tgt, span)
            else:
                found, needs = run(tgt)
            packages.extend(found)
            if needs:
                system[tgt.subdir] = needs
    finally:
        if own is not None:
            own.close()
    return packages, system


def _lock_targets(target: Target | Sequence[Target] | None) -> list[Target]:
    """The targets of a lock: ``Target()`` by default, each with its system's
    glibc, at most one per platform."""
    # lazy: only _lock_targets needs compatlib.values.target, which loads 3 modules that importing this one does not
    from compatlib.values.target import Target

    if target is None:
        targets: list[Target] = [Target()]
    elif isinstance(target, Target):
        targets = [target]
    else:
        targets = list(target)
    if not targets:
        raise InputError("no target to lock for", field="target", expected="one or more targets")
    targets = [_with_system_glibc(t) for t in targets]
    platforms = [t.subdir for t in targets]
    for i, plat in enumerate(platforms):
        if plat in platforms[:i]:
            raise InputError(
                f"platform {plat!r} is given twice",
                field="target",
                expected="one target per platform",
            )
    return targets


#: the glibc the repository lists wheels for when the target's glibc is known:
#: high enough for any manylinux wheel, so that the solver's ``__glibc`` layer
#: decides, and explains ("needs glibc >=2.39 for its manylinux wheels")
_LISTING_GLIBC = "2.50"


def _universal_spec(requires_python: str | None, targets: Sequence[Target]) -> str:
    """The Pythons a universal lock covers: given, else from its lowest target's up."""
    if requires_python:
        return requires_python
    lowest = min((t.python_version for t in targets), default=None)
    return f">={lowest.major}.{lowest.minor}" if lowest is not None else ">=3.8"


@value
class _UniversalSpan:
    """The Pythons a universal lock covers: ``requires_python``, else (``None``)
    from the lowest target's Python up."""

    requires_python: str | None

    def spec(self, targets: Sequence[Target]) -> str:
        """The specifier for ``targets`` (see :func:`_universal_spec`)."""
        return _universal_spec(self.requires_python, targets)


def _lock_universal(
    run: Any,
    inputs: PipInputs,
    constraints: Sequence[str],
    target: Target,
    span: _UniversalSpan,
) -> tuple[list[LockedPackage], dict[str, str]]:
    """One platform of a universal lock: a solve per class of Pythons the markers
    tell apart (the requirements', then those of every release read, until no
    new class appears), merged, with a Python ``marker`` on what differs."""
    # lazy: only _lock_universal needs compatlib.resolve.universal, which loads 3 modules that importing this one does not
    from compatlib.resolve.universal import markers_of, python_classes, python_ranges

    spec = span.spec([target])
    texts: list[str] = [*inputs.requirements, *constraints]
    forks: dict[str, tuple[list[LockedPackage], dict[str, str]]] = {}
    for _round in range(8):
        points = python_classes(markers_of(texts), spec)
        todo = [p for p in points if p not in forks]
        if not todo:
            break
        for point in todo:
            seen: list[str] = []
            try:
                forks[point] = run(replace(target, python=point), requires_seen=seen)
            except UnsatisfiableError as exc:
                # lazy: only _lock_universal needs compatlib.resolve.universal, which loads 3 modules that importing this one does not
                from compatlib.resolve.universal import ForkUnsatisfiableError

                where = f'Python {point} on {target.subdir} (the lock covers "{spec}")'
                raise ForkUnsatisfiableError(exc.explanation, where) from exc
            texts.extend(seen)
    points = [p for p in points if p in forks]
    chosen: dict[tuple[str, str, str], tuple[LockedPackage, list[int]]] = {}
    for i, point in enumerate(points):
        for pkg in forks[point][0]:
            key = (pkg.name, pkg.version, pkg.url)
            chosen.setdefault(key, (pkg, []))[1].append(i)
    packages = [
        replace(pkg, marker=python_ranges(points, indices))
        for pkg, indices in (chosen[k] for k in sorted(chosen))
    ]
    needs: dict[str, str] = {}
    for point in points:
        for layer, text in forks[point][1].items():
            if layer in needs and text != needs[layer]:
                needs[layer] = f"{needs[layer]} | {text}"  # either, by the Python in use
            else:
                needs.setdefault(layer, text)
    return packages, needs


def _with_system_glibc(target: Target) -> Target:
    """``target`` with the glibc of its system profile when it names none itself."""
    glibc = target.known_glibc
    if target.glibc is None and glibc is not None:
        return replace(target, glibc=glibc)
    return target


def _listing_target(target: Target) -> Target:
    """The target the PyPI repository lists versions for.

    With a known glibc on Linux, every manylinux wheel is listed and the solve
    rejects versions whose wheels all need a newer glibc (same versions, better
    explanations); the locked file is still chosen for the real glibc
    (:func:`choose_artifact`). With an unknown glibc the repository's default
    applies.
    """
    if target.glibc is None or not target.subdir.startswith("linux"):
        return target
    return replace(target, glibc=_LISTING_GLIBC)


def _lock_one(
    inputs: PipInputs,
    constraints: Sequence[str],
    target: Target,
    *,
    repository: Repository | None,
    offline: bool,
    cache_dir: str | os.PathLike[str] | None,
    index_strategy: str,
    strategy: str,
    prereleases: bool | None,
    prefer: Mapping[str, str] | None,
    fixes: bool,
    progress: bool | None,
    prefetch: bool | None = None,
    requires_seen: list[str] | None = None,
    previous: Lock | None = None,
    verify_metadata: str = "fast",
    shared: SharedSources | None = None,
) -> tuple[list[LockedPackage], dict[str, str]]:
    # lazy: only _lock_one needs compatlib.resolve.solve, which loads 21 modules that importing this one does not
    from compatlib.resolve.solve import solve

    if previous is not None:
        prefer = {**previous_pins(previous, target), **(prefer or {})}

    own: Any = None
    if repository is None:
        # lazy: only _lock_one needs compatlib.sources.pypi, which loads 2 modules that importing this one does not
        from compatlib.sources.pypi import PyPIRepository

        own = PyPIRepository(
            inputs.indexes,
            inputs.find_links,
            target=_listing_target(target),
            offline=offline,
            cache_dir=cache_dir,
            strategy="best-match" if index_strategy == "best-match" else "first-index",
            progress=progress,
            hash_local_files=False,  # only the chosen files are hashed (lock_resolution)
            verify_metadata="full" if verify_metadata == "full" else "fast",
            shared=shared,
        )
        repository = own
    if prefetch is None:
        prefetch = own is not None and any(
            u.startswith(("http://", "https://")) for u in (*inputs.indexes, *inputs.find_links)
        )
    ahead: PrefetchingRepository | None = None
    if prefetch:
        ahead = PrefetchingRepository(repository, target)
        ahead.start(inputs.requirements)
    # hash each local file the lock will pin while the solver goes on; the hasher
    # sits outside the read-ahead, so it sees the solver's reads only
    hasher = HashingRepository(
        ahead if ahead is not None else repository,
        target,
        lambda rel, tgt, ranker: choose_artifact(rel, tgt, ranker=ranker),
        cache_dir=cache_dir,
        requires_seen=requires_seen,
    )
    try:
        resolution = solve(
            list(inputs.requirements),
            index=hasher,
            target=target,
            constraints=list(constraints),
            strategy=strategy,
            prefer=prefer,
            prereleases=prereleases,
            fixes=fixes,
        )
        if ahead is not None:
            ahead.close()  # nothing more to read ahead: stop before hashing
            ahead = None
        return lock_resolution(
            resolution,
            repository,
            target,
            cache_dir=cache_dir,
            hasher=hasher,
            hash_pins=inputs.hash_pins,
        )
    finally:
        if ahead is not None:
            ahead.close()
        hasher.close()
        if own is not None:
            own.close()


def target_dict(target: Target) -> dict[str, Any]:
    """A target as lock metadata: Python, platform and the system facts given."""
    out: dict[str, Any] = {
        "python": str(target.python_version),
        "platform": target.subdir,
        "implementation": target.implementation,
    }
    if target.glibc is not None:
        out["glibc"] = target.glibc
    elif target.assumed_glibc is not None:
        out["glibc_assumed"] = target.assumed_glibc  # wheels were selected for it
    system = target.system
    if system is not None:
        for key in ("os", "driver", "cuda", "arch"):
            value = getattr(system, key, None)
            if value is not None:
                out[key] = str(value)
        gpus = getattr(system, "gpus", ())
        if gpus:
            out["gpus"] = list(gpus)
    return out


INPUTS_HASH_VERSION = 2
"""The recipe of ``inputs_sha256`` (recorded as ``metadata.inputs_hash_version``).

Version 2: requirements, constraints and conda specs sorted (the order they are
given in changes nothing), local index and find-links folders as absolute
``file:`` URLs, and the knowledge base's data files hashed in; one digest per
input category (:data:`INPUT_CATEGORIES`). A lock without the field was made
by recipe 1 (the order of the requirements counted). A lock made by another
recipe is reported as such, not as one whose inputs changed.
"""

INPUT_CATEGORIES: tuple[str, ...] = (
    "requirements",
    "constraints",
    "sources",
    "targets",
    "options",
    "knowledge_base",
)
"""The groups of inputs a lock records a digest of (``metadata.inputs_digests``),
so that a freshness check can say which of them changed."""

#: the category of each metadata key that is an input; other keys are options
_CATEGORY_OF = {
    "requirements": "requirements",
    "hash_pins": "requirements",
    "conda": "requirements",
    "constraints": "constraints",
    "indexes": "sources",
    "find_links": "sources",
    "channels": "sources",
    "targets": "targets",
}

#: metadata keys that are not inputs: the hash itself and what the lock found
_NOT_INPUTS = frozenset({"inputs_sha256", "inputs_hash_version", "inputs_digests", "warnings"})

#: the knowledge-base folders whose data decide a lock (stack rules, framework
#: builds, conda <-> PyPI names)
_KNOWLEDGE_BASE = ("stack", "frameworks", "mappings")


def canonical_order(texts: Sequence[str]) -> tuple[str, ...]:
    """Requirement (or constraint) texts in one order whatever order they came
    in: by project name (normalized), then by text; exact repeats dropped."""
    import re  # lazy: as the rest of this module's helpers

    from compatlib.values.filenames import canonicalize_name  # lazy: as re

    def key(text: str) -> tuple[str, str]:
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
        return (canonicalize_name(m.group(1)) if m else "", text)

    return tuple(sorted(dict.fromkeys(texts), key=key))


@functools.cache
def knowledge_base_sha256() -> str:
    """The sha256 of the knowledge base's data files (stack, frameworks,
    mappings): a lock made with other facts about drivers, CUDA or builds may
    have other system requirements, so these count as an input."""
    from compatlib._datafiles import data_dir  # lazy: once per process (cached)

    digest = hashlib.sha256()
    root = data_dir()
    for folder in _KNOWLEDGE_BASE:
        for path in sorted((root / folder).glob("*.yaml")):
            digest.update(f"{folder}/{path.name}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def previous_pins(previous: Lock, target: Target) -> dict[str, str]:
    """``{name: version}`` of the pip packages ``previous`` locks for
    ``target``'s platform whose marker (a universal lock's) holds for it."""
    # lazy: only a run with a previous lock gets here
    from compatlib.values.filenames import canonicalize_name
    from compatlib.values.pep508 import (
        InvalidMarker,
        Marker,
        UndefinedComparison,
        UndefinedEnvironmentName,
    )

    env: dict[str, str] | None = None
    pins: dict[str, str] = {}
    for pkg in previous.packages:
        if pkg.manager != "pip" or pkg.platform != target.subdir:
            continue
        if pkg.marker is not None:
            if env is None:
                env = dict(target.marker_environment())
            try:
                if not Marker(pkg.marker).evaluate(env):
                    continue
            except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
                continue  # not a pin this target can use
        pins.setdefault(canonicalize_name(pkg.name), pkg.version)
    return pins


def _location(url: str) -> str:
    """An index or find-links location as a lock records it: URLs without
    credentials, local folders as absolute ``file:`` URLs (so that the lock and
    its renderings work from any directory)."""
    if "://" in url or url.startswith(("file:", "compatlib-snapshot:")):
        return redact_url(url)
    from compatlib.values.urls import path_to_url  # lazy: local folders only

    return path_to_url(url)


def _digest(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def inputs_hash(data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """``(inputs_sha256, {category: digest})`` of a lock's metadata (by
    :data:`INPUTS_HASH_VERSION`); keys that are not inputs are left out.

    Each category's digest is the first 16 hex digits of its sha256: enough to
    tell which category changed; the whole hash covers everything."""
    inputs = {k: v for k, v in data.items() if k not in _NOT_INPUTS}
    parts: dict[str, dict[str, Any]] = {c: {} for c in INPUT_CATEGORIES[:-1]}
    for key, val in inputs.items():
        parts[_CATEGORY_OF.get(key, "options")][key] = val
    knowledge = knowledge_base_sha256()
    digests = {c: _digest(v)[:16] for c, v in parts.items()}
    digests["knowledge_base"] = knowledge[:16]
    whole = _digest({"version": INPUTS_HASH_VERSION, "inputs": inputs, "knowledge_base": knowledge})
    return whole, digests


def lock_metadata(
    inputs: PipInputs,
    constraints: Sequence[str],
    targets: Sequence[Target],
    *,
    prereleases: bool | None = None,
    strategy: str = "newest",
    index_strategy: str = "first-index",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The lock's ``metadata``: inputs (credentials removed from URLs, local
    folders as absolute ``file:`` URLs), targets, the resolver options that
    differ from the defaults, ``extra`` inputs (the conda specs and channels of
    a conda lock), and their hash.

    ``inputs_sha256`` hashes everything that decides the result (with the
    knowledge base's data files), so a later run can tell whether the lock is
    stale without solving again; ``inputs_digests`` holds one digest per
    :data:`INPUT_CATEGORIES` entry, to say which input changed, and
    ``inputs_hash_version`` the recipe (:data:`INPUTS_HASH_VERSION`).
    Requirements and constraints are recorded in :func:`canonical_order`.
    """
    data: dict[str, Any] = {
        "requirements": list(canonical_order(inputs.requirements)),
        "constraints": list(canonical_order(constraints)),
        "indexes": [_location(u) for u in inputs.indexes],
        "find_links": [_location(u) for u in inputs.find_links],
        "targets": sorted(
            (target_dict(t) for t in targets), key=lambda d: (d["platform"], d["python"])
        ),
    }
    if inputs.hash_pins:
        data["hash_pins"] = {
            p.name: [f"{a}:{d}" for a, d in p.allowed]
            + ([f"constraint {a}:{d}" for a, d in p.also] if p.also else [])
            for p in inputs.hash_pins
        }
    if prereleases or (prereleases is None and inputs.prereleases):
        data["prereleases"] = True
    if strategy != "newest":
        data["strategy"] = strategy
    if index_strategy != "first-index":
        data["index_strategy"] = index_strategy
    data.update(extra or {})
    whole, digests = inputs_hash(data)
    data["inputs_hash_version"] = INPUTS_HASH_VERSION
    data["inputs_digests"] = digests
    data["inputs_sha256"] = whole
    return data
