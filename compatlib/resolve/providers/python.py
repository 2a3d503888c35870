"""The PEP 440 provider: Python packages from any :class:`~compatlib.sources.Repository`.

It turns releases into solver candidates and dependencies, evaluating markers for
the target (never the host), with these rules:

Packages are :class:`~compatlib.resolve.keys.PipKey` s and the system layers'
:class:`~compatlib.resolve.keys.LayerKey` s (see :mod:`compatlib.resolve.layers`).

* extras are proxy packages ``PipKey(name, extra)`` that pin ``name`` to the
  same version;
* ``Requires-Python`` is a dependency on the virtual package
  :data:`~compatlib.resolve.keys.PYTHON`, whose single version is the target's
  Python;
* pre-releases are used when a requirement names one explicitly, when a package
  has nothing but pre-releases, or when the caller allows them (``prereleases``);
* yanked releases are skipped unless the root requirements pin them exactly;
* ``constrains`` (pip ``-c``) apply only when the package is present.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, TypeAlias

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from compatlib._values import replace, value
from compatlib.errors import CompatError, InputError
from compatlib.values.filenames import canonicalize_name, parse_dist_filename
from compatlib.values.pep508 import InvalidRequirement, Marker, Requirement, parse_requirement

if TYPE_CHECKING:
    from compatlib.stack.profile import SystemProfile
    from compatlib.values.filenames import Tag
    from compatlib.values.tags import TagRanker
from compatlib.resolve.keys import PYTHON, PYTHONS, LayerKey, PipKey
from compatlib.resolve.layers import ArchSet, BranchCeiling, Floor, Layers, OrNewer
from compatlib.solver.provider import BaseProvider, Dependency, DependencyKind, Unavailable
from compatlib.solver.words import join_words
from compatlib.sources.memory import IndexRelease, Repository
from compatlib.values.dotted import DottedVersion
from compatlib.values.target import ANY_GLIBC, GLIBC_ADVICE, PLATFORMS, Target

__all__ = [
    "PYTHON",
    "Exact",
    "PipCandidate",
    "PipConstraint",
    "PipDependency",
    "PipPackageKey",
    "PythonChoice",
    "PythonProvider",
    "exact_pins",
    "parse_requirement",
    "prerelease_names",
    "requirement_dependencies",
]


@value
class Exact:
    """A constraint matching one version exactly (local label included)."""

    version: Version

    def __str__(self) -> str:
        return f"=={self.version}"


@lru_cache(maxsize=65536)
def _specifier(text: str) -> SpecifierSet:
    return SpecifierSet(text)


def _has_explicit_prerelease(spec: SpecifierSet) -> bool:
    return any(Version(s.version.rstrip(".*")).is_prerelease for s in spec if s.operator != "===")


@value
class PythonChoice:
    """A constraint on the target's Python: one of these ``major.minor`` versions."""

    versions: tuple[str, ...]

    def contains(self, version: Version) -> bool:
        return f"{version.major}.{version.minor}" in self.versions

    def __str__(self) -> str:
        return " | ".join(self.versions)


#: the keys, candidates and constraints of :class:`PythonProvider`
PipPackageKey: TypeAlias = "PipKey | LayerKey"
PipCandidate: TypeAlias = "Version | DottedVersion | OrNewer"
PipConstraint: TypeAlias = "SpecifierSet | Exact | PythonChoice | Floor | ArchSet | BranchCeiling"
PipDependency: TypeAlias = "Dependency[PipPackageKey, PipConstraint]"


class PythonProvider(BaseProvider[PipPackageKey, PipCandidate, PipConstraint]):
    """Serve PEP 440 packages from ``repository`` for ``target``.

    ``prereleases``: ``None`` (if necessary or explicit, the default), ``True``
    (always allowed) or ``False`` (only when a requirement names one).
    """

    def __init__(
        self,
        repository: Repository,
        target: Target,
        *,
        prereleases: bool | None = None,
        allow_yanked: Iterable[tuple[str, Version]] = (),
        explicit_prereleases: Iterable[str] = (),
        no_binary: Iterable[str] = (),
        no_build: Iterable[str] = (),
        later_pythons: bool = False,
    ) -> None:
        self.repository = repository
        self.later_pythons = later_pythons
        self.target = target
        self.prereleases = prereleases
        self.env = target.marker_environment()
        self.allow_yanked = set(allow_yanked)
        self.explicit_prereleases = {canonicalize_name(n) for n in explicit_prereleases}
        self.no_binary = {n if n == ":all:" else canonicalize_name(n) for n in no_binary}
        self.no_build = {n if n == ":all:" else canonicalize_name(n) for n in no_build}
        self._python = target.python_version
        self._cands: dict[str, list[Version]] = {}
        self._releases: dict[str, dict[Version, IndexRelease | _Lazy]] = {}
        self._only_pre: dict[str, bool] = {}
        self._marker_cache: dict[tuple[str, str], bool] = {}
        self._ranker: TagRanker | None = None
        self._yanked_cache: dict[tuple[str, Version], bool] = {}
        system: SystemProfile | None = None
        if target.system is not None:
            # lazy: only a target with a system reads it as a profile (whose module is loaded then)
            from compatlib.stack.profile import target_profile

            system = target_profile(target)
        self.layers = Layers(target, system)

    # -- provider protocol -------------------------------------------------------
    def candidates(self, package: PipPackageKey) -> Sequence[PipCandidate]:
        if isinstance(package, LayerKey):
            return [self._python] if package == PYTHON else self.layers.candidates(package)
        name = package.name
        cands = self._cands.get(name)
        if cands is None:
            table: dict[Version, IndexRelease | _Lazy] = {}
            for vtext in self.repository.versions(name):
                try:
                    v = Version(vtext)
                except InvalidVersion:
                    continue
                table[v] = _Lazy(vtext)
            cands = sorted(table)
            self._cands[name] = cands
            self._releases[name] = table
            self._only_pre[name] = bool(cands) and all(v.is_prerelease for v in cands)
        return cands

    def _release(self, name: str, version: Version) -> IndexRelease:
        table = self._releases[name]
        rel = table[version]
        if isinstance(rel, _Lazy):
            rel = self.repository.release(name, rel.text)
            table[version] = rel
        return rel

    def contains(
        self, package: PipPackageKey, constraint: PipConstraint, candidate: PipCandidate
    ) -> bool:
        if not isinstance(constraint, SpecifierSet):
            if isinstance(constraint, Exact):
                return bool(candidate == constraint.version)
            return _contains_other(constraint, candidate)
        if not isinstance(candidate, Version):
            return False
        if not isinstance(package, PipKey):  # the target's Python
            return constraint.contains(candidate, prereleases=True)
        name = package.name
        if (
            self.prereleases is False
            and candidate.is_prerelease
            and not self._prerelease_ok(name, constraint)
        ):
            return False
        if not constraint.contains(candidate, prereleases=True):
            return False
        return not (self._yanked(name, candidate) and (name, candidate) not in self.allow_yanked)

    def _yanked(self, name: str, version: Version) -> bool:
        """Whether a release is yanked (asked once per release: ``contains`` is hot)."""
        key = (name, version)
        hit = self._yanked_cache.get(key)
        if hit is None:
            rel = self._releases[name][version]
            if isinstance(rel, _Lazy):
                hit = self.repository.is_yanked(name, rel.text)
            else:
                hit = rel.yanked
            self._yanked_cache[key] = hit
        return hit

    def is_preferred(self, package: PipPackageKey, candidate: PipCandidate) -> bool:
        """Stable releases are tried before pre-releases (unless pre-releases are on)."""
        if not isinstance(candidate, Version):
            return True
        return bool(self.prereleases or not candidate.is_prerelease)

    def fixed_value(self, package: PipPackageKey) -> str | None:
        if package == PYTHON:
            return f"the target's Python is {self._python}"
        if isinstance(package, LayerKey):
            return self.layers.describe_fixed(package)
        if not self.candidates(package):
            # listed by the sources, but no file fits the target: say so (where
            # the files are for, when they tell), rather than "not in the index"
            try:
                reason = self.repository.missing_reason(package.name)
            except (CompatError, OSError):
                reason = None
            if reason is not None:
                left_out = self._left_out(package.name, None)
                if left_out is not None:  # "...: wheels only for osx-arm64"
                    return f"{reason}: {left_out.what}"
                return reason
            # a package no source knows: name the sources that were asked
            where = self.repository.source_description
            if where is not None:
                return f"{package.name} is not {where}"
        return None

    def hint(self, package: PipPackageKey, constraint: PipConstraint) -> str | None:
        """Why versions that match ``constraint`` were not used (yanked, or left
        out by the sources for the assumed glibc), if so."""
        if not isinstance(package, PipKey) or not isinstance(constraint, SpecifierSet):
            return None
        name = package.name
        if name not in self._cands:
            return None
        left_out = self._left_out(name, constraint)
        if left_out is not None:
            return left_out.hint
        yanked = [
            v
            for v in self._cands[name]
            if constraint.contains(v, prereleases=True) and self._yanked(name, v)
        ]
        if not yanked:
            return None
        shown = ", ".join(str(v) for v in yanked[-3:])
        return (
            f"{name} {shown} {'is' if len(yanked) == 1 else 'are'} yanked; "
            f"pin one exactly (for example {name}=={yanked[-1]}) to use it anyway"
        )

    def _left_out(self, name: str, constraint: SpecifierSet | None) -> _LeftOut | None:
        """What the newest version the sources left out (of those matching
        ``constraint``, if given) has instead of a file for the target: wheels
        only for other Pythons, other platforms or a newer glibc than the one
        assumed; ``None`` when nothing was left out or the files say nothing
        (sdists only)."""
        try:
            left = self.repository.left_out(name)
        except (CompatError, OSError):
            return None
        hidden: list[tuple[str, tuple[str, ...]]] = []
        for text, files in left.items():
            try:
                v = Version(text)
            except InvalidVersion:
                continue
            if constraint is None or constraint.contains(v, prereleases=True):
                hidden.append((text, files))
        if not hidden:
            return None
        version, files = hidden[-1]
        tag_sets = [
            parsed.tags
            for parsed in map(parse_dist_filename, files)
            if parsed is not None and parsed.kind == "wheel"
        ]
        if not tag_sets:
            return None
        what, advice = _files_elsewhere(tag_sets, self.target)
        more = len(hidden) - 1
        if more:
            label = f"{name} {version} and {more} older version{'s' if more != 1 else ''} have"
        else:
            label = f"{name} {version} has"
        return _LeftOut(label, what, advice)

    def layer_of(self, package: PipPackageKey) -> str | None:
        """The system layer a virtual package stands for (``None`` for real packages)."""
        if not isinstance(package, LayerKey):
            return None
        return "Python" if package == PYTHON else self.layers.layer_name(package)

    def _prerelease_ok(self, name: str, spec: SpecifierSet) -> bool:
        if self._only_pre.get(name, False):
            return True
        if name in self.explicit_prereleases:
            return True
        return _has_explicit_prerelease(spec)

    def dependencies(
        self, package: PipPackageKey, candidate: PipCandidate
    ) -> Sequence[PipDependency] | Unavailable:
        if not isinstance(package, PipKey) or not isinstance(candidate, Version):
            return ()
        name, extra = package.name, package.extra
        try:
            rel = self._release(name, candidate)
        except (CompatError, OSError) as exc:  # a broken source: this candidate is unusable
            return Unavailable(f"its metadata could not be read: {exc}")
        usable: list[str] = []
        if rel.artifacts and extra is None:
            problem, usable = self._usable_files(name, rel)
            if problem is not None:
                no_wheels = bool({name, ":all:"} & self.no_binary)
                pythons = [] if no_wheels else self._pythons_with_wheels(rel)
                later = self.later_pythons and self._wheel_for_later_python(rel)
                if not later:  # (a universal fork stands for the later Pythons too)
                    if pythons:
                        # the files exist, for other Pythons: say so as a Python requirement
                        shown = ", ".join(pythons[:-1]) + (" or " if len(pythons) > 1 else "")
                        return [
                            Dependency(
                                PYTHON,
                                PythonChoice(tuple(pythons)),
                                f"Python {shown}{pythons[-1]} for its wheels",
                            )
                        ]
                    return Unavailable(problem)
        deps: list[PipDependency] = []
        if extra is not None:
            pin = f"=={candidate}"
            deps.append(Dependency(PipKey(name), Exact(candidate), f"{name}{pin}", spec=pin))
        elif rel.requires_python:
            try:
                spec = _specifier(rel.requires_python)
            except InvalidSpecifier:
                return Unavailable(f"its Requires-Python {rel.requires_python!r} is invalid")
            written = rel.requires_python.strip()
            deps.append(Dependency(PYTHON, spec, f"Python{written}", spec=written))
        constrains = rel.constrains if extra is None else ()
        kinds: tuple[tuple[DependencyKind, tuple[str, ...]], ...] = (
            ("requires", rel.requires),
            ("constrains", constrains),
        )
        for kind, texts in kinds:
            for text in texts:
                try:
                    req = parse_requirement(text)
                except InvalidRequirement as exc:
                    return Unavailable(f"its requirement {text!r} is invalid: {exc}")
                if not self._active(req.marker, extra):
                    continue
                deps.extend(requirement_dependencies(req, kind, text=text))
        if extra is None:
            deps.extend(self.layers.rules(name, candidate, usable, rel.requires))
        return deps

    def _usable_files(self, name: str, rel: IndexRelease) -> tuple[str | None, list[str]]:
        """The release's files that can be installed on the target, or why none can.

        A glibc the target gives is left to the ``__glibc`` layer (so a wheel too
        new for it is explained as such), hence the tags here accept any
        manylinux; without one, :data:`~compatlib.values.target.DEFAULT_GLIBC` is
        assumed, as the PyPI repository does, and a release rejected for it alone
        says so.
        ``no_binary`` packages may not use wheels, ``no_build`` ones not sdists.
        """
        # lazy: only _usable_files needs compatlib.values.tags, which loads 1 module that importing this one does not
        from compatlib.values.tags import TagRanker

        if self._ranker is None:
            self._ranker = TagRanker.for_target(replace(self.target, glibc=self._tag_glibc))
        no_wheels = bool({name, ":all:"} & self.no_binary)
        no_sdists = bool({name, ":all:"} & self.no_build)
        usable: list[str] = []
        rejected: list[Tag] = []  # the tags of wheels that do not fit
        rejected_sets: list[frozenset[Tag]] = []
        wheels = sdists = 0
        for art in rel.artifacts:
            if not art.filename.endswith(".whl"):
                sdists += 1
                if not no_sdists:
                    usable.append(art.filename)  # a source distribution builds anywhere
                continue
            wheels += 1
            if no_wheels:
                continue
            parsed = parse_dist_filename(art.filename)
            if parsed is not None and self._ranker.rank(parsed.tags) is not None:
                usable.append(art.filename)
            elif parsed is not None:
                rejected.extend(parsed.tags)
                rejected_sets.append(parsed.tags)
        if usable:
            return None, usable
        py = self.target.python_version
        if no_wheels:
            why_wheels = "wheels are not allowed for it (no-binary)"
        elif not wheels:
            why_wheels = "it has no wheels"
        else:
            plural = "s" if wheels != 1 else ""
            why_wheels = (
                f"none of its {wheels} wheel{plural} fits the target "
                f"(Python {py.major}.{py.minor}, {self.target.subdir}"
                f"{_mismatch(rejected, self._ranker.tags, self.target.subdir, self._glibc_note())}"
                f"{self._other_platforms(rejected, rejected_sets)})"
            )
        if no_sdists and sdists:
            why_sdists = "may it be built from source (no-build)"
        else:
            why_sdists = "has it a source distribution"
        # ", nor": the reason stands inside a "Because ... and ..." sentence
        return f"{why_wheels}, nor {why_sdists}", []

    def _other_platforms(self, rejected: list[Tag], tag_sets: list[frozenset[Tag]]) -> str:
        """:func:`_other_platforms` when some rejected tag is for another platform
        (the cost is paid only then: this runs while solving)."""
        assert self._ranker is not None
        accepted = {t.platform for t in self._ranker.tags}
        if all(t.platform in accepted for t in rejected):
            return ""
        return _other_platforms(tag_sets, self.target)

    @property
    def _tag_glibc(self) -> str:
        """The glibc the wheel tags are made for: any, when the target gives one
        (the ``__glibc`` layer decides), else the assumed default."""
        return self.target.assumed_glibc or ANY_GLIBC

    def _glibc_note(self) -> str | None:
        """``glibc 2.28 assumed; ...``: the advice for wheels rejected only for
        the assumed glibc; ``None`` when the target gives its glibc."""
        assumed = self.target.assumed_glibc
        if assumed is None:
            return None
        return f"glibc {assumed} assumed; {GLIBC_ADVICE}"

    def _wheel_for_later_python(self, rel: IndexRelease) -> bool:
        """Has ``rel`` a wheel for the target's Python or a later one, on any
        platform? (A universal fork stands for every platform of its class and
        for the Pythons after its own; platform tags are checked at install time.)"""
        floor = (self._python.major, self._python.minor)
        for art in rel.artifacts:
            parsed = parse_dist_filename(art.filename)
            if parsed is None or parsed.kind != "wheel":
                continue
            for tag in parsed.tags:
                interp = tag.interpreter
                digits = interp[2:]
                if interp in ("py3", "py2.py3") or not digits.isdigit():
                    return True
                if digits == "3" or (digits[0] == "3" and (3, int(digits[1:] or 0)) >= floor):
                    return True
        return False

    def _pythons_with_wheels(self, rel: IndexRelease) -> list[str]:
        """The Python versions some wheel of ``rel`` is built for, on this platform."""
        tag_sets = []
        for art in rel.artifacts:
            parsed = parse_dist_filename(art.filename)
            if parsed is not None and parsed.kind == "wheel":
                tag_sets.append(parsed.tags)
        glibc = self._tag_glibc
        return [
            py for py in PYTHONS if _fits(tag_sets, replace(self.target, python=py, glibc=glibc))
        ]

    def _active(self, marker: Marker | None, extra: str | None) -> bool:
        """Is a requirement active for this package (or for this extra only)?"""
        if marker is None:
            return extra is None
        key = (str(marker), extra or "")
        hit = self._marker_cache.get(key)
        if hit is None:
            env = dict(self.env)
            env["extra"] = extra or ""
            hit = marker.evaluate(env)
            if extra is not None and hit:
                env["extra"] = ""
                hit = not marker.evaluate(env)
            self._marker_cache[key] = hit
        return hit

    def package_text(self, package: PipPackageKey) -> str:
        return self.layer_of(package) or str(package)


def _contains_other(
    constraint: PythonChoice | Floor | ArchSet | BranchCeiling, candidate: PipCandidate
) -> bool:
    """``contains`` for a Python choice or a layer's constraint."""
    if isinstance(constraint, PythonChoice):
        return isinstance(candidate, Version) and constraint.contains(candidate)
    if isinstance(candidate, (DottedVersion, OrNewer)):  # a layer's Floor or ArchSet
        return constraint.contains(candidate)
    return False


@value
class _LeftOut:
    """Versions the sources left out, in words: ``label`` (``b 2.0 has``),
    ``what`` they have instead (``wheels only for osx-arm64``), ``advice``."""

    label: str
    what: str
    advice: str

    @property
    def hint(self) -> str:
        """The fact, then the advice after ``"; "`` (as hints are written)."""
        return f"{self.label} {self.what}" + (f"; {self.advice}" if self.advice else "")


@value
class _Lazy:
    text: str


def requirement_dependencies(
    req: Requirement, kind: DependencyKind = "requires", *, text: str | None = None
) -> list[Dependency[PipKey, SpecifierSet | Exact]]:
    """The solver dependencies one PEP 508 requirement stands for.

    ``text`` is the requirement as written; it is shown (without its marker) in
    explanations, so people see what the metadata says.
    """
    name = canonicalize_name(req.name)
    spec = req.specifier
    out: list[Dependency[PipKey, SpecifierSet | Exact]] = []
    if text is not None:
        shown = text.split(";", 1)[0].strip()
        written = _written_spec(shown, req)
    else:
        shown = f"{name}{spec}" if str(spec) else name
        written = str(spec)
    if req.url:
        raise InputError(
            f"direct URL requirement {req} is not supported by this index",
            text=str(req),
            expected="a requirement with a version specifier",
        )
    pin = _exact_pin(spec)
    constraint: SpecifierSet | Exact = pin if pin is not None else spec
    out.append(Dependency(PipKey(name), constraint, shown, kind, spec=written))
    for extra in sorted(req.extras):
        ek = PipKey(name, canonicalize_name(extra))
        out.append(Dependency(ek, constraint, f"{ek}{spec}", kind, spec=str(spec)))
    return out


def _written_spec(shown: str, req: Requirement) -> str:
    """The version part of a requirement as written (``>=2.0,<3.0`` of
    ``B[x] (>=2.0,<3.0)``), so explanations quote it in the author's order;
    the parsed specifier's text when the writing is not the expected shape."""
    rest = shown[len(req.name) :] if shown.startswith(req.name) else ""
    if rest.lstrip().startswith("["):
        rest = rest.partition("]")[2]
    rest = rest.strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    if rest.startswith("@") or (rest and rest[0] not in "<>=!~"):
        return str(req.specifier)
    return rest


def _exact_pin(spec: SpecifierSet) -> Exact | None:
    items = list(spec)
    if len(items) == 1 and items[0].operator == "===":
        try:
            return Exact(Version(items[0].version))
        except InvalidVersion:
            return None
    return None


def exact_pins(reqs: Iterable[Requirement]) -> list[tuple[str, Version]]:
    """``name==version`` pins: yanked releases stay usable when pinned, as in pip."""
    pins: list[tuple[str, Version]] = []
    for req in reqs:
        for spec in req.specifier:
            if spec.operator in ("==", "===") and "*" not in spec.version:
                try:
                    pins.append((canonicalize_name(req.name), Version(spec.version)))
                except InvalidVersion:
                    continue
    return pins


def prerelease_names(reqs: Iterable[Requirement]) -> list[str]:
    """Names whose specifiers name a pre-release (so pre-releases are wanted there)."""
    out: list[str] = []
    for req in reqs:
        for spec in req.specifier:
            try:
                if Version(spec.version.rstrip(".*")).is_prerelease:
                    out.append(req.name)
            except InvalidVersion:
                continue
    return out


def _files_elsewhere(tag_sets: Sequence[frozenset[Tag]], target: Target) -> tuple[str, str]:
    """Where the wheels of a release that has none for ``target`` would install,
    and what to do: ``("wheels only for osx-arm64 or win-64", "solve for ...")``.
    Checked in this order: a newer glibc than the assumed one, other Pythons on
    the target's platform, other platforms for the target's Python."""
    py = target.python_version
    here = f"{py.major}.{py.minor}"
    assumed = target.assumed_glibc
    if assumed is not None and _fits(tag_sets, replace(target, glibc=ANY_GLIBC)):
        return f"wheels only for a glibc newer than {assumed}, the one assumed", GLIBC_ADVICE
    glibc = target.known_glibc or ANY_GLIBC
    pythons = [p for p in PYTHONS if _fits(tag_sets, replace(target, python=p, glibc=glibc))]
    if pythons:
        return (
            f"wheels only for Python {join_words(pythons, 'or')} on {target.subdir}",
            f"the target's Python is {here}: use one of those (--python) or another version",
        )
    platforms = [sub for sub in _platforms_fitting(tag_sets, target) if sub != target.subdir]
    if platforms:
        return (
            f"wheels only for {join_words(platforms, 'or')}",
            f"the target is {target.subdir}: solve for one of those (--platform) "
            "or use another version",
        )
    found = sorted({f"{t.interpreter}-{t.abi}-{t.platform}" for tags in tag_sets for t in tags})
    shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
    return f"no wheel for Python {here} on any platform, only {shown}", ""


def _other_platforms(tag_sets: Sequence[frozenset[Tag]], target: Target) -> str:
    """``; wheels for osx-arm64 or win-64``: the platforms (conda subdirs) the
    rejected wheels fit with the target's Python; empty when they fit none, or
    the target's own platform (another part of the tag is wrong then)."""
    if not tag_sets:
        return ""
    found = []
    for sub in _platforms_fitting(tag_sets, target):
        if sub == target.subdir:
            return ""
        found.append(sub)
    return f"; wheels for {join_words(found, 'or')}" if found else ""


def _platforms_fitting(tag_sets: Sequence[frozenset[Tag]], target: Target) -> Iterator[str]:
    """The platforms (conda subdirs, in :data:`PLATFORMS` order) some wheel of
    ``tag_sets`` installs on with the target's Python and any glibc; lazily,
    so a caller may stop at the first that settles its question."""
    for sub in PLATFORMS:
        if _fits(tag_sets, replace(target, platform=sub, glibc=ANY_GLIBC)):
            yield sub


def _fits(tag_sets: Sequence[frozenset[Tag]], target: Target) -> bool:
    """Does some wheel (``tag_sets``: the tags of each) install on ``target``?"""
    # lazy: only _fits needs compatlib.values.tags, which loads 1 module that importing this one does not
    from compatlib.values.tags import TagRanker

    ranker = TagRanker.for_target(target)
    return any(ranker.rank(tags) is not None for tags in tag_sets)


def _mismatch(
    found: Sequence[Tag], accepted: Sequence[Tag], platform: str, glibc_note: str | None = None
) -> str:
    """What the rejected wheels' tags get wrong, part by part: ``; wrong ABI:
    graalpy240_310_native found, cp312 expected``; empty when unknown.

    ``glibc_note`` (the assumed glibc and how to give another) is said for
    manylinux tags of the target's machine that need a newer glibc than assumed.
    """
    if not found or not accepted:
        return ""
    platforms = {t.platform for t in accepted}
    interpreters = {t.interpreter for t in accepted}
    pairs = {(t.interpreter, t.abi) for t in accepted}
    machine = next((p[len("linux_") :] for p in platforms if p.startswith("linux_")), None)
    wrong: dict[str, list[str]] = {"platform": [], "glibc": [], "Python": [], "ABI": []}
    for t in found:
        if (
            t.platform not in platforms
            and glibc_note is not None
            and machine is not None
            and t.platform.startswith("manylinux")
            and t.platform.endswith(f"_{machine}")
        ):
            part, value = "glibc", t.platform
        elif t.platform not in platforms:
            part, value = "platform", t.platform
        elif t.interpreter not in interpreters:
            part, value = "Python", t.interpreter
        elif (t.interpreter, t.abi) not in pairs:
            part, value = "ABI", t.abi
        else:
            continue
        if value not in wrong[part]:
            wrong[part].append(value)
    best = accepted[0]
    expected = {
        "platform": f"{platform} expected",
        "glibc": glibc_note or "",
        "Python": f"{best.interpreter} expected",
        "ABI": f"{best.abi} expected",
    }
    parts = []
    for part, values in wrong.items():
        if values:
            shown = ", ".join(sorted(values)[:3]) + (", ..." if len(values) > 3 else "")
            parts.append(f"wrong {part}: {shown} found, {expected[part]}")
    return "".join(f"; {p}" for p in parts)
