"""Universal resolution: one answer for every environment the markers can tell apart.

A target-specific solve evaluates markers for one machine. A universal solve
(uv's ``--universal``) must hold on every machine a project may run on. This
module partitions that space by the markers themselves: it collects every
marker atom of the root requirements and of the index's releases, picks one
representative value per distinguishable case for each marker variable (each
literal a marker compares with, a value that matches none of them, and for
Python versions the points on both sides of each boundary inside
``requires_python``), and solves once per combination, each fork with the
ordinary solver and a target whose marker environment is that combination.

The result is satisfiable only if every fork is; the first fork that is not
raises its :class:`~compatlib.solver.errors.UnsatisfiableError`, its explanation
prefixed with the environment. :attr:`UniversalResolution.packages` merges
the forks: a package chosen at one version everywhere carries no marker,
otherwise each version carries the disjunction of the environments that chose
it.

Limits, compared with uv: forks are per environment class, not per conflict,
so a project whose markers produce many classes solves many times (each a
small solve); variables are treated as independent, except that
``sys_platform``, ``platform_system`` and ``os_name`` are kept consistent with
each other when their literals name a known platform.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.solver.errors import UnsatisfiableError
from compatlib.values.sets import Bound, Interval, VersionSet

if TYPE_CHECKING:
    from packaging.version import Version

    from compatlib.resolve.resolution import Resolution
    from compatlib.sources.memory import Repository

__all__ = [
    "Fork",
    "ForkUnsatisfiableError",
    "UniversalResolution",
    "environments",
    "markers_of",
    "merge_environments",
    "python_classes",
    "python_ranges",
    "solve_universal",
]

_STRING_VARS = (
    "sys_platform",
    "platform_system",
    "os_name",
    "platform_machine",
    "implementation_name",
    "platform_python_implementation",
)
_PYTHON_VARS = ("python_version", "python_full_version")
_OTHER = "__compatlib_other__"
_MINORS = range(6, 20)  # the Python 3 minors a universal solve considers

# the subdir a fork's wheels are chosen for when its class names an OS but no machine
_DEFAULT_SUBDIR = {"linux": "linux-64", "darwin": "osx-arm64", "win32": "win-64"}


def _platform_facts(sys_platform: str | None) -> tuple[str, str] | None:
    """(platform_system, os_name) of the machines with this ``sys_platform``."""
    # lazy: only _platform_facts needs compatlib.values.target, which loads 3 modules that importing this one does not
    from compatlib.values.target import PLATFORMS

    for sp, system, _machine, os_name in PLATFORMS.values():
        if sp == sys_platform:
            return system, os_name
    return None


def _subdir_for(sys_platform: str | None, machine: str) -> str | None:
    """The conda subdir of a class's ``sys_platform`` and ``platform_machine``."""
    # lazy: only _subdir_for needs compatlib.values.target, which loads 3 modules that importing this one does not
    from compatlib.values.target import PLATFORMS

    for subdir, (sp, _system, m, _os) in PLATFORMS.items():
        if m == machine and sp == (sys_platform or "linux"):
            return subdir
    return _DEFAULT_SUBDIR.get(sys_platform or "") if not machine else None


class ForkUnsatisfiableError(UnsatisfiableError):
    """No solution in one environment class; ``environment`` says which: its
    marker for :func:`solve_universal` (empty when the requirements fail
    everywhere alike), the Python and platform for a universal lock."""

    def __init__(self, explanation: Any, environment: str) -> None:
        super().__init__(explanation)
        self.environment = environment
        if environment:  # str() says where; the explanation stays as it is
            self.args = (f"For {environment}:\n{explanation.report}",)


@value
class Fork:
    """One environment class and its resolution."""

    environment: tuple[tuple[str, str], ...]
    resolution: Resolution

    def marker_environment(self) -> dict[str, str]:
        """The PEP 508 marker variables of the fork's representative machine."""
        env: dict[str, str] = _target(self.environment).marker_environment()
        return env

    @property
    def marker(self) -> str:
        """The representative environment as a PEP 508 marker (values that stand
        for "none of the literals" are left out); see
        :meth:`UniversalResolution.marker_of` for the class it stands for."""
        return _marker_of(self.environment)


@value
class UniversalResolution:
    """The forks of a universal solve."""

    forks: tuple[Fork, ...]

    def _parts(self) -> tuple[list[str], dict[str, set[str]]]:
        """The Python points (sorted) and each variable's values across the forks."""
        values: dict[str, set[str]] = {}
        for f in self.forks:
            for var, val in f.environment:
                values.setdefault(var, set()).add(val)
        points = sorted(values.get("python_version", set()), key=_python_key)
        return points, values

    def _other_parts(self, fork: Fork, values: Mapping[str, set[str]]) -> str:
        parts: list[str] = []
        for var, val in fork.environment:
            if var == "python_version" or len(values.get(var, ())) < 2:
                continue
            if val == _OTHER:
                parts.extend(f'{var} != "{lit}"' for lit in sorted(values[var] - {_OTHER}))
            else:
                parts.append(f'{var} == "{val}"')
        return " and ".join(parts)

    def marker_of(self, fork: Fork) -> str:
        """The marker of the environments ``fork`` stands for: the variables that
        differ between forks only; a stand-in value as "none of the literals", a
        Python point as the range up to the next one."""
        points, values = self._parts()
        i = points.index(dict(fork.environment)["python_version"]) if points else 0
        parts = [_python_set(points, [i]).to_markers(_FULL)[0], self._other_parts(fork, values)]
        return " and ".join(p for p in parts if p)

    def _marker_of_forks(self, forks: Sequence[Fork]) -> str:
        """The marker of the forks' classes, as :func:`_merge_classes` writes it."""
        points, values = self._parts()
        chosen: dict[str, set[int]] = {}
        for f in forks:
            i = points.index(dict(f.environment)["python_version"]) if points else 0
            chosen.setdefault(self._other_parts(f, values), set()).add(i)
        every = {self._other_parts(f, values) for f in self.forks}

        def python(indices: Iterable[int]) -> str | None:
            return _python_set(points, indices).to_marker(_FULL)

        return _merge_classes(chosen, every, python) or "true"

    @property
    def packages(self) -> tuple[tuple[str, str, str | None], ...]:
        """``(name, version, marker)``: ``marker`` is ``None`` when every fork
        chose that version, else the environments that did."""
        chosen: dict[tuple[str, str], list[Fork]] = {}
        for fork in self.forks:
            for name, version in fork.resolution.versions.items():
                chosen.setdefault((name, str(version)), []).append(fork)
        out: list[tuple[str, str, str | None]] = []
        for (name, vtext), forks in sorted(chosen.items()):
            if len(forks) == len(self.forks):
                out.append((name, vtext, None))
            else:
                out.append((name, vtext, self._marker_of_forks(forks)))
        return tuple(out)

    @property
    def versions(self) -> dict[str, tuple[str, ...]]:
        """Each package's chosen versions across the forks, sorted."""
        table: dict[str, set[str]] = {}
        for fork in self.forks:
            for name, version in fork.resolution.versions.items():
                table.setdefault(name, set()).add(str(version))
        return {name: tuple(sorted(vs)) for name, vs in sorted(table.items())}


def python_classes(markers: Iterable[Any], requires_python: str) -> list[str]:
    """The Python versions (``X.Y.Z``) that stand for the classes of Pythons the
    ``markers`` tell apart inside ``requires_python``, lowest first."""
    atoms = _atoms(markers)
    literals = {lit for var in _PYTHON_VARS for lit in atoms.get(var, set())}
    return _python_points(literals, requires_python)


def python_ranges(points: Sequence[str], indices: Iterable[int]) -> str | None:
    """The marker of the Python classes ``indices`` of ``points`` (each standing
    for the range up to the next point), adjacent ones merged; ``None`` for all."""
    return _python_set(points, indices).to_marker(_FULL)


_FULL = "python_full_version"


def merge_environments(parts: Iterable[tuple[str, str | None]], every: Sequence[str]) -> str | None:
    """The smallest marker this module writes for where one pin applies.

    ``parts`` are ``(condition, python)`` pairs: ``condition`` a marker that
    names one of the lock's platforms (``""`` for a lock of one platform),
    ``python`` the Python ranges of the forks there (as :func:`python_ranges`
    writes them; ``None`` for every Python). ``every`` lists the conditions of
    all the lock's platforms. Per condition the ranges are merged (adjacent
    ones joined); conditions with the same Pythons share one term, and a term
    that covers every platform names none. ``None``: the pin applies
    everywhere. A ``python`` marker with anything but ``<`` and ``>=``
    comparisons of the Python version is kept as written (an ``or`` of the
    parts).
    """
    table: dict[str, list[str | None]] = {}
    for condition, python in parts:
        table.setdefault(condition, []).append(python)
    truths = _python_truths(table)
    if truths is None:
        written: set[str] = set()
        for condition, pythons in table.items():
            for python in pythons:
                both = [t for t in (condition, python) if t]
                written.add(
                    " and ".join(f"({t})" for t in both) if len(both) > 1 else "".join(both)
                )
        return None if "" in written else _any_of(written)
    points, by_condition = truths
    chosen = {c: {i for i, t in enumerate(truth) if t} for c, truth in by_condition.items()}

    def ranges(indices: Iterable[int]) -> str | None:
        return _python_set(points, indices).to_marker(_FULL)

    return _merge_classes(chosen, every, ranges)


def _merge_classes(
    chosen: Mapping[str, set[int]],
    every: Iterable[str],
    python: Callable[[Iterable[int]], str | None],
) -> str | None:
    """An ``or`` of terms for the environments ``chosen`` names: class (a
    marker of the variables other than Python; ``""`` for none) -> the indices
    of its Python classes. The Pythons that every class in ``every`` has form
    one term without a class; each class with more has a term of its own
    (classes with the same Pythons share it); ``python(indices)`` writes a
    range (``None``: all of them). ``None`` when the result holds everywhere."""
    classes = set(every)
    common: set[int] = (
        set.intersection(*(set(chosen.get(c, ())) for c in classes)) if classes else set()
    )
    terms: list[str] = []
    if common:
        terms.append(python(common) or "")
    groups: dict[frozenset[int], list[str]] = {}
    for cls, indices in chosen.items():
        if indices and indices != common:
            groups.setdefault(frozenset(indices), []).append(cls)
    for group, members in groups.items():
        named = sorted(c for c in members if c)
        where = _any_of(named) if named else ""
        terms.append(" and ".join(_group(t) for t in (where, python(group)) if t))
    if not terms or "" in terms:
        return None
    return _any_of(terms)


def _group(marker: str) -> str:
    """``marker`` ready to be joined by ``and``: parenthesised when it has an ``or``."""
    return f"({marker})" if " or " in marker else marker


def _python_truths(
    table: Mapping[str, list[str | None]],
) -> tuple[list[str], dict[str, tuple[bool, ...]]] | None:
    """The Python points the markers of ``table`` draw (the lowest Python, then
    each literal) and, per condition, whether some marker holds at each point;
    ``None`` for a marker that is not made of ``<`` and ``>=`` comparisons of
    the Python version."""
    # lazy: only _python_truths needs packaging, which the universal path loads anyway
    from packaging.version import InvalidVersion, Version

    # lazy: only _python_truths needs compatlib.values.pep508, which loads 8 modules that importing this one does not
    from compatlib.values.pep508 import Marker

    parsed: dict[str, Marker] = {}
    literals: set[Version] = set()
    for pythons in table.values():
        for text in pythons:
            if text is None or text in parsed:
                continue
            marker = parsed[text] = Marker(text)
            for var, op, literal, first in marker.atoms():
                if var not in _PYTHON_VARS or op not in ("<", ">=") or first:
                    return None
                try:
                    literals.add(Version(literal))
                except InvalidVersion:
                    return None
    edges = sorted(literals)
    # each point stands for the range up to the next one; the first for all below
    points = ["0.0.0", *(_full(str(v)) for v in edges)]
    envs = [
        {"python_full_version": p, "python_version": ".".join(p.split(".")[:2])} for p in points
    ]
    by_condition = {
        condition: tuple(any(t is None or parsed[t].evaluate(env) for t in pythons) for env in envs)
        for condition, pythons in table.items()
    }
    return points, by_condition


def _python_set(points: Sequence[str], indices: Iterable[int]) -> VersionSet[Version]:
    """The Pythons of classes ``indices``: class ``i`` runs from ``points[i]``
    (from the lowest Python for the first) up to ``points[i + 1]`` (to the
    highest for the last). Adjacent classes merge into one interval."""
    from packaging.version import Version  # the universal path alone pays for it

    edges = [Version(_full(p)) for p in points]
    if len(edges) < 2:
        return VersionSet.full()
    return VersionSet(
        Interval(
            Bound(edges[i] if i > 0 else None, True),
            Bound(edges[i + 1] if i + 1 < len(edges) else None, False),
        )
        for i in set(indices)
    )


def _any_of(terms: Iterable[str]) -> str:
    unique = sorted(set(terms))
    return unique[0] if len(unique) == 1 else " or ".join(f"({t})" for t in unique)


def _marker_of(environment: Iterable[tuple[str, str]]) -> str:
    parts = [
        f'python_full_version == "{val}"' if var == "python_version" else f'{var} == "{val}"'
        for var, val in environment
        if val != _OTHER
    ]
    return " and ".join(parts)


def _atoms(markers: Iterable[Any]) -> dict[str, set[str]]:
    """Variable -> the literals markers compare it with."""
    out: dict[str, set[str]] = {}
    for marker in markers:
        for var, literal in _marker_atoms(marker):
            out.setdefault(var, set()).add(literal)
    return out


def _marker_atoms(marker: Any) -> list[tuple[str, str]]:
    """``(variable, literal)`` pairs of a parsed marker (:meth:`Marker.atoms
    <compatlib.values.pep508.Marker.atoms>`); another marker type is read
    through its text."""
    # lazy: only _marker_atoms needs compatlib.values.pep508, which loads 8 modules that importing this one does not
    from compatlib.values.pep508 import Marker

    parsed = marker if isinstance(marker, Marker) else Marker(str(marker))
    return [(var, literal) for var, _op, literal, _first in parsed.atoms()]


def _python_points(literals: set[str], requires_python: str) -> list[str]:
    """Python versions (``X.Y.Z``) on each side of every boundary the markers and
    ``requires_python`` draw, inside ``requires_python``; the lowest one the
    range allows is always among them."""
    # lazy: only _python_points needs packaging, which loads 6 modules that importing this one does not
    from packaging.specifiers import SpecifierSet

    # lazy: only _python_points needs packaging, which loads 2 modules that importing this one does not
    from packaging.version import InvalidVersion, Version

    allowed = SpecifierSet(requires_python)
    candidates: set[tuple[int, int, int]] = {(3, m, 0) for m in _MINORS}
    bounds = [s.version for s in allowed]
    for text in [*literals, *bounds]:
        try:
            v = Version(text.rstrip(".*"))
        except InvalidVersion:
            continue
        major = v.release[0]
        minor = v.release[1] if len(v.release) > 1 else 0
        for m in (minor - 1, minor, minor + 1):
            if m >= 0:
                candidates.add((major, m, 0))
        if len(v.release) > 2:
            patch = v.release[2]
            for q in (patch - 1, patch, patch + 1):
                if q >= 0:
                    candidates.add((major, minor, q))

    def text_of(c: tuple[int, int, int]) -> str:
        return f"{c[0]}.{c[1]}.{c[2]}"

    kept = sorted(c for c in candidates if allowed.contains(Version(text_of(c)), prereleases=True))
    # keep a point only where some marker or bound could answer differently from the
    # point before it (as a full version or as X.Y); the lowest point always stays
    edges: list[Version] = []
    for t in sorted(literals):  # the range's own bounds only seed the lowest point
        try:
            edges.append(Version(t.rstrip(".*")))
        except InvalidVersion:
            continue
    out: list[str] = []
    previous: tuple[bool, ...] | None = None
    for c in kept:
        views = (Version(text_of(c)), Version(f"{c[0]}.{c[1]}"))
        answers = tuple(test for e in edges for v in views for test in (v < e, v <= e))
        if previous is None or answers != previous:
            out.append(text_of(c))
            previous = answers
    return out


def environments(
    markers: Iterable[Any], *, requires_python: str = ">=3.8"
) -> list[tuple[tuple[str, str], ...]]:
    """One representative environment per class the ``markers`` can tell apart.

    Each is ``((variable, value), ...)``, ``python_version`` first; a string
    variable's ``value`` may be a stand-in that matches none of its literals.
    """
    atoms = _atoms(markers)
    python_literals = {lit for var in _PYTHON_VARS for lit in atoms.get(var, set())}
    pythons = _python_points(python_literals, requires_python)
    if not pythons:
        raise InputError(
            f"no Python version satisfies {requires_python!r}",
            field="requires_python",
            expected="a range that includes a released Python 3 version",
        )
    axes: list[tuple[str, list[str]]] = []
    for var in _STRING_VARS:
        literals = set()
        for literal in atoms.get(var, set()):
            literals.add(literal)
            literals.update(literal.split())  # ``in 'x86_64 AMD64'``
        if literals:
            axes.append((var, [*sorted(literals), _OTHER]))
    out: list[tuple[tuple[str, str], ...]] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for python in pythons:
        for combo in itertools.product(*(values for _, values in axes)):
            env = dict(zip((var for var, _ in axes), combo, strict=True))
            if not _consistent(env):
                continue
            key = (("python_version", python), *sorted(env.items()))
            if key not in seen:
                seen.add(key)
                out.append(key)
    return out


def _consistent(env: Mapping[str, str]) -> bool:
    facts = _platform_facts(env.get("sys_platform"))
    if facts is not None:
        system, os_name = facts
        if env.get("platform_system", system) not in (system, _OTHER):
            return False
        if env.get("os_name", os_name) not in (os_name, _OTHER):
            return False
    return True


def _target(environment: tuple[tuple[str, str], ...]) -> Any:
    # lazy: only _target needs compatlib.values.target, which loads 3 modules that importing this one does not
    from compatlib.values.target import Target

    values = dict(environment)
    python = values.pop("python_version")
    markers: dict[str, str] = {}
    for var, val in values.items():
        markers[var] = "" if val == _OTHER else val
    sys_platform = values.get("sys_platform")
    facts = _platform_facts(sys_platform)
    if facts is not None:  # keep the derived variables consistent
        markers.setdefault("platform_system", facts[0])
        markers.setdefault("os_name", facts[1])
    full = python if python.count(".") == 2 else python + ".0"
    markers["python_version"] = ".".join(python.split(".")[:2])
    markers["python_full_version"] = full
    return Target(
        python=full,
        platform=_subdir_for(sys_platform, values.get("platform_machine", "")),
        markers=tuple(sorted(markers.items())),
    )


def _full(version: str) -> str:
    return version if version.count(".") == 2 else version + ".0"


def _python_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def markers_of(requirements: Iterable[str]) -> list[Any]:
    """The markers of PEP 508 requirement strings (unparsable ones are skipped)."""
    # lazy: only markers_of needs compatlib.values.pep508, which loads 8 modules that importing this one does not
    from compatlib.values.pep508 import InvalidRequirement, parse_requirement

    found: list[Any] = []
    for text in requirements:
        try:
            req = parse_requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None:
            found.append(req.marker)
    return found


def _index_markers(repository: Repository, requirements: Sequence[str]) -> list[Any]:
    texts = list(requirements)
    for name in repository.packages() or ():
        for version in repository.versions(name):
            texts.extend(repository.release(name, version).requires)
    return markers_of(texts)


def solve_universal(
    requirements: Sequence[str],
    index: Repository,
    *,
    requires_python: str = ">=3.8",
    required_environments: Sequence[str] = (),
    **options: Any,
) -> UniversalResolution:
    """Solve ``requirements`` for every environment class (see the module docstring).

    ``required_environments`` (PEP 508 markers) limits the forks to the
    environments that match one of them. Other keyword arguments go to
    :func:`compatlib.resolve.solve.solve` (``strategy``, ``prereleases``, ``constraints``,
    ...), except ``target``: the forks make their own.
    """
    # lazy: only solve_universal needs compatlib.resolve.solve, which loads 19 modules that importing this one does not
    from compatlib.resolve.solve import solve

    # lazy: only solve_universal needs compatlib.values.pep508, which loads 8 modules that importing this one does not
    from compatlib.values.pep508 import Marker

    if "target" in options:
        raise InputError("a universal solve makes its own targets", field="target")
    constraint_texts = [
        c if isinstance(c, str) else str(c[0]) for c in options.get("constraints", ()) or ()
    ]
    markers = _index_markers(index, [*requirements, *constraint_texts])
    limits = [Marker(m) for m in required_environments]
    markers.extend(limits)
    forks: list[Fork] = []
    # later Pythons first; a fork prefers what the forks of the same platform class
    # chose for a later Python, so Python forks agree wherever they can (as uv's
    # forks share their preferences), while platforms keep their newest versions
    given: dict[str, str] = dict(options.pop("prefer", None) or {})
    chosen_by_class: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    envs = environments(markers, requires_python=requires_python)
    envs.sort(key=lambda e: _python_key(e[0][1]), reverse=True)
    for env in envs:
        target = _target(env)
        if limits:
            menv = target.marker_environment()
            if not any(m.evaluate({**menv, "extra": ""}) for m in limits):
                continue
        chosen = chosen_by_class.setdefault(env[1:], dict(given))
        try:
            resolution = solve(
                list(requirements),
                index=index,
                target=target,
                later_pythons=True,
                prefer=chosen,
                **options,
            )
        except UnsatisfiableError as exc:
            raise ForkUnsatisfiableError(exc.explanation, _marker_of(env)) from exc
        forks.append(Fork(env, resolution))
        for name, version in resolution.versions.items():
            chosen.setdefault(name, str(version))
    if not forks:
        raise InputError(
            "no environment matches the required environments",
            field="required_environments",
            expected="markers that hold for some platform and Python",
        )
    return UniversalResolution(tuple(forks))
