"""The value types every spec reader produces.

A :class:`Spec` is what a user asked for, read from one or more files
(requirements.txt, environment.yml, pyproject.toml, an Azure ML environment
YAML): pip requirements and constraints, raw conda MatchSpec strings, channels,
package indexes, target platforms, environment variables, Python pins and (for
Azure ML) the base image. Everything is immutable and every item records the
file and line it came from (:class:`Location`), so later stages (the solver,
the explainer) can point users back at the line that caused a conflict.

Conda dependencies are kept as raw MatchSpec strings: parsing them is the job
of ``compatlib.sources.conda.matchspec``; here only a best-effort package name is
extracted so that ``python`` pins can be recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, Literal, TypeVar

from compatlib._values import field, replace, value
from compatlib.errors import InputError
from compatlib.values import urls
from compatlib.values.filenames import NormalizedName, canonicalize_name
from compatlib.values.pep508 import Requirement

__all__ = [
    "MAIN_CATEGORY",
    "Location",
    "Located",
    "Hash",
    "PipRequirement",
    "CondaDependency",
    "PythonRequirement",
    "Variable",
    "IndexOptions",
    "InstallOptions",
    "BuildContext",
    "Route",
    "InferenceConfig",
    "AzureMLEnvironment",
    "Spec",
    "MERGED_SOURCE",
    "merge_specs",
    "redact_url",
    "conda_package_name",
]

MAIN_CATEGORY = "main"
"""The category of dependencies that belong to no extra, group or dev file."""

T = TypeVar("T")


@value(order=True)
class Location:
    """Where a value came from: a file and, where known, a 1-based line/column.

    ``field`` is a dotted path into structured files (``dependencies[3]``,
    ``project.optional-dependencies.cuda[0]``); it is ``None`` for line-based
    files such as requirements.txt.
    """

    source: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        text = self.source
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@value
class Located(Generic[T]):
    """A plain value (a channel, an index URL, a platform) and where it was written."""

    value: T
    location: Location

    def __str__(self) -> str:
        return str(self.value)


@value(order=True)
class Hash:
    """One ``--hash=algorithm:digest`` pin; ``str()`` gives pip's spelling."""

    algorithm: str
    digest: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.digest}"


@value
class PipRequirement:
    """One pip requirement (or constraint) as written in a spec file.

    ``requirement`` is the parsed PEP 508 requirement. It is ``None`` only for
    lines whose project name cannot be known without building them: an
    editable or a direct path/URL without ``#egg=`` and without a wheel file
    name (for example ``-e .``). ``text`` is the requirement as written
    (environment variables expanded, options and comments removed), ``url``
    the direct reference or editable target where there is one, ``hashes``
    the ``--hash`` pins in file order, ``options`` any other per-requirement
    pip options (``--config-settings``, ``--global-option``) as
    ``(option, value)`` pairs, ``category`` the conda-lock category, extra or
    dependency group it belongs to, and ``selector`` a conda-lock platform
    selector comment (environment.yml only).
    """

    requirement: Requirement | None
    text: str
    location: Location
    hashes: tuple[Hash, ...] = ()
    editable: bool = False
    url: str | None = None
    category: str = MAIN_CATEGORY
    options: tuple[tuple[str, str], ...] = ()
    selector: str | None = None

    @property
    def name(self) -> NormalizedName | None:
        """The canonical (PEP 503) project name, or ``None`` when unknown."""
        if self.requirement is None:
            return None
        return canonicalize_name(self.requirement.name)

    def __str__(self) -> str:
        return self.text


_CONDA_NAME_RE = re.compile(r"^\s*(?:[^\s\[]*::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.\-]*)")


def conda_package_name(spec: str) -> str | None:
    """Best-effort package name of a conda MatchSpec string, lower-cased.

    ``conda-forge::pytorch>=2.1`` -> ``pytorch``; ``python=3.11`` -> ``python``.
    Returns ``None`` for specs that do not start with a name (URLs, ``*``).
    This is not a MatchSpec parser (see ``compatlib.sources.conda.matchspec``).
    """
    if "://" in spec:
        return None
    match = _CONDA_NAME_RE.match(spec)
    if match is None:
        return None
    return match.group("name").lower()


@value
class CondaDependency:
    """One conda dependency: the raw MatchSpec string and where it was written.

    ``name`` is the best-effort package name (:func:`conda_package_name`);
    ``selector`` is the conda-lock platform selector from a trailing
    ``# [linux]`` comment, if any.
    """

    spec: str
    location: Location
    category: str = MAIN_CATEGORY
    selector: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return self.spec


@value
class PythonRequirement:
    """A constraint on the Python interpreter found in a spec.

    ``syntax`` says how to read ``spec``: ``"pep440"`` for ``requires-python``
    (a PEP 440 specifier set such as ``>=3.10,<3.13``), ``"conda"`` for a conda
    MatchSpec naming ``python`` (such as ``python=3.11``).
    """

    spec: str
    syntax: Literal["pep440", "conda"]
    location: Location


@value(order=True)
class Variable:
    """An environment variable set by the environment (environment.yml ``variables``)."""

    name: str
    value: str
    location: Location = field(compare=False)


def redact_url(url: str) -> str:
    """``url`` with any user name/password replaced by ``****`` (for display and locks)."""
    return urls.redact_url(url, mask="****")


@value
class IndexOptions:
    """Where pip looks for packages: pip's ``--index-url`` and friends.

    ``index_url`` is ``None`` when no file set it (pip then uses PyPI);
    ``no_index`` records ``--no-index``. URLs are kept exactly as written,
    credentials included: use :meth:`redacted` before showing or writing them.
    """

    index_url: Located[str] | None = None
    extra_index_urls: tuple[Located[str], ...] = ()
    find_links: tuple[Located[str], ...] = ()
    trusted_hosts: tuple[Located[str], ...] = ()
    no_index: bool = False

    def redacted(self) -> IndexOptions:
        """A copy with credentials removed from every URL."""

        def red(item: Located[str]) -> Located[str]:
            return Located(redact_url(item.value), item.location)

        return replace(
            self,
            index_url=None if self.index_url is None else red(self.index_url),
            extra_index_urls=tuple(red(u) for u in self.extra_index_urls),
            find_links=tuple(red(u) for u in self.find_links),
        )

    @property
    def is_default(self) -> bool:
        """True when no option was given at all."""
        return self == IndexOptions()


@value
class InstallOptions:
    """The other file-wide pip options a requirements file may set."""

    pre: bool = False
    require_hashes: bool = False
    prefer_binary: bool = False
    no_binary: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    use_features: tuple[str, ...] = ()


@value
class BuildContext:
    """An Azure ML Docker build context: recorded, never followed."""

    path: str
    dockerfile_path: str = "Dockerfile"
    location: Location | None = None


@value
class Route:
    """One serving route of an Azure ML inference container."""

    path: str
    port: int


@value
class InferenceConfig:
    """Azure ML ``inference_config``: the serving container's three routes."""

    liveness_route: Route
    readiness_route: Route
    scoring_route: Route


@value
class AzureMLEnvironment:
    """The Azure ML specific part of an environment asset (CLI v2 YAML).

    ``tags`` are sorted by key so that equal files give equal objects.
    """

    name: str
    location: Location
    version: str | None = None
    description: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    image: str | None = None
    conda_file: str | None = None
    build: BuildContext | None = None
    os_type: str = "linux"
    inference_config: InferenceConfig | None = None
    schema: str | None = None


@value
class Spec:
    """Everything one or more spec files ask for.

    ``source`` is the file the spec was read from (``"<merged>"`` for
    :func:`compatlib.specs.merge_specs` results) and ``sources`` every file
    read, in reading order (included requirement files, the conda file of an
    Azure ML environment). ``channels`` are in priority order without
    ``nodefaults``, which is the ``nodefaults`` flag. ``python`` lists every
    Python constraint found (``requires-python``, a conda ``python`` pin).
    ``variables`` are sorted by name.
    """

    source: str
    name: str | None = None
    pip: tuple[PipRequirement, ...] = ()
    conda: tuple[CondaDependency, ...] = ()
    constraints: tuple[PipRequirement, ...] = ()
    channels: tuple[Located[str], ...] = ()
    nodefaults: bool = False
    indexes: IndexOptions = IndexOptions()
    install: InstallOptions = InstallOptions()
    platforms: tuple[Located[str], ...] = ()
    variables: tuple[Variable, ...] = ()
    python: tuple[PythonRequirement, ...] = ()
    image: Located[str] | None = None
    azureml: AzureMLEnvironment | None = None
    sources: tuple[str, ...] = ()

    @property
    def channel_names(self) -> tuple[str, ...]:
        """The channels as plain strings, in priority order."""
        return tuple(c.value for c in self.channels)

    @property
    def platform_names(self) -> tuple[str, ...]:
        """The platforms as plain strings, in file order."""
        return tuple(p.value for p in self.platforms)

    @property
    def categories(self) -> tuple[str, ...]:
        """Every dependency category present, sorted, ``main`` first."""
        cats = {d.category for d in self.pip} | {d.category for d in self.conda}
        return tuple(sorted(cats, key=lambda c: (c != MAIN_CATEGORY, c)))

    def in_categories(self, categories: Iterable[str]) -> Spec:
        """A copy keeping only the dependencies of the given categories."""
        wanted = frozenset(categories)
        return replace(
            self,
            pip=tuple(d for d in self.pip if d.category in wanted),
            conda=tuple(d for d in self.conda if d.category in wanted),
        )


MERGED_SOURCE = "<merged>"
"""The ``source`` of a spec built by :func:`merge_specs` from several files."""


def merge_specs(*specs: Spec) -> Spec:
    """Combine specs read from several files into one, as conda-lock combines ``--file``s.

    Dependencies, constraints and Python constraints are concatenated in
    argument order. Channel lists must agree the way conda-lock requires: each
    must be the tail of the longest one (``[pytorch, nvidia, conda-forge]``
    and ``[conda-forge]`` merge; ``[pytorch]`` and ``[conda-forge]`` do not,
    because no channel priority could be chosen). Platforms must be the same
    set in every spec that names any. Index URLs, variables, images and
    Azure ML metadata must not contradict each other; extra indexes, find-links
    and trusted hosts are united in order. Contradictions raise
    :class:`~compatlib.errors.InputError` pointing at the second value.

    One spec is returned unchanged; no spec at all gives an empty spec.
    """
    if len(specs) == 1:
        return specs[0]
    if not specs:
        return Spec(source=MERGED_SOURCE)
    channels = _merged_channels(specs)
    platforms = _merged_platforms(specs)
    index_url = _merged_index_url(specs)
    variables = _merged_variables(specs)
    image, azureml = _merged_asset(specs)
    return Spec(
        source=MERGED_SOURCE,
        name=next((s.name for s in specs if s.name is not None), None),
        pip=tuple(d for s in specs for d in s.pip),
        conda=tuple(d for s in specs for d in s.conda),
        constraints=tuple(d for s in specs for d in s.constraints),
        channels=channels,
        nodefaults=any(s.nodefaults for s in specs),
        indexes=_merged_indexes(specs, index_url),
        install=_merged_install(specs),
        platforms=platforms,
        variables=variables,
        python=tuple(dict.fromkeys(p for s in specs for p in s.python)),
        image=image,
        azureml=azureml,
        sources=_union_str(src for s in specs for src in s.sources),
    )


def _conflict(message: str, where: Location, expected: str) -> InputError:
    """The :class:`~compatlib.errors.InputError` for two values that contradict
    each other, pointing at the second."""
    return InputError(
        message,
        source=where.source,
        line=where.line,
        column=where.column,
        field=where.field,
        expected=expected,
    )


def _merged_channels(specs: tuple[Spec, ...]) -> tuple[Located[str], ...]:
    """conda-lock's rule: every channel list is a tail of the longest, which wins."""
    longest = max((s.channels for s in specs), key=len)
    names = [c.value for c in longest]
    for spec in specs:
        mine = [c.value for c in spec.channels]
        if mine and names[len(names) - len(mine) :] != mine:
            raise _conflict(
                f"channels {mine} cannot be merged with {names}: channel priority would be ambiguous",
                spec.channels[0].location,
                f"the same channels, or a list that ends like {names}",
            )
    return longest


def _merged_platforms(specs: tuple[Spec, ...]) -> tuple[Located[str], ...]:
    """The platforms, the same set in every spec that names any."""
    platforms: tuple[Located[str], ...] = ()
    for spec in specs:
        if not spec.platforms:
            continue
        if not platforms:
            platforms = spec.platforms
        elif {p.value for p in spec.platforms} != {p.value for p in platforms}:
            raise _conflict(
                f"platforms {sorted(p.value for p in spec.platforms)} differ from "
                f"{sorted(p.value for p in platforms)} given in {platforms[0].location}",
                spec.platforms[0].location,
                "the same platforms in every file that lists platforms",
            )
    return platforms


def _merged_index_url(specs: tuple[Spec, ...]) -> Located[str] | None:
    """The one ``--index-url`` the specs agree on, if any names one."""
    index_url: Located[str] | None = None
    for spec in specs:
        candidate = spec.indexes.index_url
        if candidate is None:
            continue
        if index_url is None:
            index_url = candidate
        elif candidate.value != index_url.value:
            raise _conflict(
                f"index URL {redact_url(candidate.value)!r} differs from "
                f"{redact_url(index_url.value)!r} given in {index_url.location}",
                candidate.location,
                "one --index-url (add others with --extra-index-url)",
            )
    return index_url


def _merged_variables(specs: tuple[Spec, ...]) -> tuple[Variable, ...]:
    """All variables, sorted; one value per name."""
    variables: dict[str, Variable] = {}
    for spec in specs:
        for variable in spec.variables:
            known = variables.get(variable.name)
            if known is None:
                variables[variable.name] = variable
            elif known.value != variable.value:
                raise _conflict(
                    f"variable {variable.name} is {variable.value!r} here but {known.value!r} "
                    f"in {known.location}",
                    variable.location,
                    "one value per variable",
                )
    return tuple(sorted(variables.values()))


def _merged_asset(
    specs: tuple[Spec, ...],
) -> tuple[Located[str] | None, AzureMLEnvironment | None]:
    """The one base image and the one Azure ML environment of the specs."""
    image: Located[str] | None = None
    azureml: AzureMLEnvironment | None = None
    for spec in specs:
        if spec.azureml is not None:
            if azureml is not None and azureml != spec.azureml:
                raise _conflict(
                    f"a second Azure ML environment ({spec.azureml.name!r}) cannot be merged "
                    f"with {azureml.name!r} from {azureml.location}",
                    spec.azureml.location,
                    "one Azure ML environment file",
                )
            azureml = azureml or spec.azureml
        if spec.image is not None:
            if image is not None and image.value != spec.image.value:
                raise _conflict(
                    f"image {spec.image.value!r} differs from {image.value!r} given in {image.location}",
                    spec.image.location,
                    "one base image",
                )
            image = image or spec.image
    return image, azureml


def _merged_indexes(specs: tuple[Spec, ...], index_url: Located[str] | None) -> IndexOptions:
    """Extra indexes, find-links and trusted hosts united in order."""
    return IndexOptions(
        index_url=index_url,
        extra_index_urls=_union(u for s in specs for u in s.indexes.extra_index_urls),
        find_links=_union(u for s in specs for u in s.indexes.find_links),
        trusted_hosts=_union(u for s in specs for u in s.indexes.trusted_hosts),
        no_index=any(s.indexes.no_index for s in specs),
    )


def _merged_install(specs: tuple[Spec, ...]) -> InstallOptions:
    """Install flags: any spec's flag holds; option lists united in order."""
    return InstallOptions(
        pre=any(s.install.pre for s in specs),
        require_hashes=any(s.install.require_hashes for s in specs),
        prefer_binary=any(s.install.prefer_binary for s in specs),
        no_binary=_union_str(x for s in specs for x in s.install.no_binary),
        only_binary=_union_str(x for s in specs for x in s.install.only_binary),
        use_features=_union_str(x for s in specs for x in s.install.use_features),
    )


def _union(items: Iterable[Located[str]]) -> tuple[Located[str], ...]:
    """The items, each value once, first place kept."""
    seen: set[str] = set()
    result: list[Located[str]] = []
    for item in items:
        if item.value not in seen:
            seen.add(item.value)
            result.append(item)
    return tuple(result)


def _union_str(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
