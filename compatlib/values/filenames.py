"""Distribution filenames, project names and wheel tags, without ``packaging.tags``.

``packaging.utils`` imports ``packaging.tags``, which pulls in logging,
subprocess, sysconfig, platform and the manylinux/musllinux ELF probes -- all
to describe the *host*. compatlib only ever parses filenames and builds tag
lists for a *target*, so this module does that with nothing heavier than ``re``
and ``packaging.version``. Results match packaging 26.4 exactly (same
acceptance, same normalized names, versions, build tags and tag sets); the
differential tests in ``tests/values/test_filenames.py`` check it.

:class:`Tag` hashes like :class:`packaging.tags.Tag` and compares equal to one
with the same three fields, so a set of either kind can be looked up in a table
keyed by the other.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, NewType, Union

from packaging.version import InvalidVersion, Version

from compatlib._values import slot_setter, value
from compatlib.errors import InputError

if TYPE_CHECKING:
    # For type checkers the very same NewType as packaging's, so names from
    # either module mix; at run time a local NewType (no packaging.utils import).
    from packaging.utils import NormalizedName
else:
    NormalizedName = NewType("NormalizedName", str)

__all__ = [
    "BuildTag",
    "InvalidSdistFilename",
    "InvalidWheelFilename",
    "NormalizedName",
    "ParsedFilename",
    "Tag",
    "canonicalize_name",
    "parse_dist_filename",
    "parse_sdist_filename",
    "parse_tag",
    "parse_wheel_filename",
]

#: A wheel build tag: ``()`` or ``(number, rest)``, e.g. ``(1, "")`` or ``(2, "abc")``.
BuildTag = Union[tuple[()], tuple[int, str]]  # noqa: UP007 (runtime alias on 3.10)


class InvalidWheelFilename(InputError):
    """A ``.whl`` filename that does not follow the wheel naming rules (PEP 427);
    ``text`` is the filename."""


class InvalidSdistFilename(InputError):
    """A ``.tar.gz``/``.zip`` filename without a ``name-version`` stem; ``text``
    is the filename."""


_DASH_RUNS = re.compile(r"-{2,}")


def canonicalize_name(name: str) -> NormalizedName:
    """PEP 503 normalization: lower case, runs of ``-``, ``_``, ``.`` become one ``-``.

    >>> canonicalize_name("Oslo.Concurrency__x")
    'oslo-concurrency-x'
    """
    text = name.lower().replace("_", "-").replace(".", "-")
    if "--" in text:
        text = _DASH_RUNS.sub("-", text)
    return NormalizedName(text)


@value(init=False)
class Tag:
    """One wheel tag triple (interpreter, ABI, platform), lower-cased. Immutable."""

    __slots__ = ("_hash", "abi", "interpreter", "platform")

    interpreter: str
    abi: str
    platform: str
    _hash: int

    def __init__(self, interpreter: str, abi: str, platform: str) -> None:
        interpreter = interpreter.lower()
        abi = abi.lower()
        platform = platform.lower()
        _set_tag_interpreter(self, interpreter)
        _set_tag_abi(self, abi)
        _set_tag_platform(self, platform)
        # The same hash as packaging's Tag, so mixed lookups work (see __eq__).
        _set_tag_hash(self, hash((interpreter, abi, platform)))

    def __reduce__(self) -> tuple[type[Tag], tuple[str, str, str]]:
        return (Tag, (self.interpreter, self.abi, self.platform))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other.__class__ is Tag:
            assert isinstance(other, Tag)
            return (
                self._hash == other._hash
                and self.platform == other.platform
                and self.abi == other.abi
                and self.interpreter == other.interpreter
            )
        # Any other tag-shaped value (packaging.tags.Tag): compare the fields.
        try:
            fields = (other.interpreter, other.abi, other.platform)  # type: ignore[attr-defined]
        except AttributeError:
            return NotImplemented
        return fields == (self.interpreter, self.abi, self.platform)

    def __str__(self) -> str:
        return f"{self.interpreter}-{self.abi}-{self.platform}"

    def __repr__(self) -> str:
        return f"Tag({self.interpreter!r}, {self.abi!r}, {self.platform!r})"


_set_tag_interpreter = slot_setter(Tag, "interpreter")
_set_tag_abi = slot_setter(Tag, "abi")
_set_tag_platform = slot_setter(Tag, "platform")
_set_tag_hash = slot_setter(Tag, "_hash")


MAX_WHEEL_TAGS = 1024
"""The most tags one wheel filename may expand to; real wheels carry a few
(numpy's manylinux wheels: 2), the largest known universal ones a few dozen."""


@lru_cache(maxsize=4096)
def _expand_tag(text: str) -> frozenset[Tag] | None:
    """The tags of a (compressed) tag string; ``None`` if malformed.

    Cached: a mirror repeats a few dozen tag strings across thousands of
    wheels, and the frozensets are immutable, so sharing them is safe.
    """
    components = text.split("-")
    if len(components) != 3:
        return None
    interpreters, abis, platforms = (component.split(".") for component in components)
    if "" in interpreters or "" in abis or "" in platforms:
        return None
    if len(interpreters) * len(abis) * len(platforms) > MAX_WHEEL_TAGS:
        return None  # a tag "bomb": a 2 KB name could otherwise expand to millions of tags
    for interpreter in interpreters:
        if not interpreter.isidentifier():
            return None
    return frozenset(
        [
            Tag(interpreter, abi, platform)
            for interpreter in interpreters
            for abi in abis
            for platform in platforms
        ]
    )


def parse_tag(text: str) -> frozenset[Tag]:
    """Expand a (possibly compressed) tag string such as ``py2.py3-none-any``.

    Raises :class:`ValueError` when it does not have exactly three ``-``
    components, a component (or a dotted member of one) is empty, or an
    interpreter is not a Python identifier -- the rules of ``packaging.tags``.
    """
    tags = _expand_tag(text)
    if tags is None:
        raise ValueError(f"invalid wheel tag {text!r}")
    return tags


@lru_cache(maxsize=8192)
def _version(text: str) -> Version:
    """``Version(text)``, shared: a project page repeats each version in every
    file of its release (numpy lists 4,400 files of far fewer versions). Versions are
    immutable, so sharing them is safe; an invalid one raises each time."""
    return Version(text)


# PEP 427 escaped project name: word characters and dots, no "__".
_WHEEL_NAME = re.compile(r"[\w.]+\Z")
# PEP 427: a build tag starts with a digit (ASCII); "." never matches a newline.
_BUILD_TAG = re.compile(r"([0-9]+)(.*)\Z")


def parse_wheel_filename(
    filename: str,
) -> tuple[NormalizedName, Version, BuildTag, frozenset[Tag]]:
    """``(name, version, build tag, tags)`` of a wheel filename.

    Raises :class:`InvalidWheelFilename` for a filename that packaging rejects.
    """
    if not filename.endswith(".whl"):
        raise InvalidWheelFilename(f"not a wheel filename (no .whl): {filename!r}", text=filename)
    stem = filename[:-4]
    dashes = stem.count("-")
    if dashes != 4 and dashes != 5:
        raise InvalidWheelFilename(
            f"a wheel filename has 5 or 6 dash-separated parts: {filename!r}", text=filename
        )
    # Split off name, version and (with 6 parts) the build tag; the rest is the tag triple.
    parts = stem.split("-", dashes - 2)
    raw_name = parts[0]
    if "__" in raw_name or _WHEEL_NAME.match(raw_name) is None:
        raise InvalidWheelFilename(
            f"invalid project name in wheel filename: {filename!r}", text=filename
        )
    try:
        version = _version(parts[1])
    except InvalidVersion:
        raise InvalidWheelFilename(
            f"invalid version in wheel filename: {filename!r}", text=filename
        ) from None
    build: BuildTag = ()
    if dashes == 5:
        match = _BUILD_TAG.match(parts[2])
        if match is None:
            raise InvalidWheelFilename(
                f"build tag must start with a digit in wheel filename: {filename!r}", text=filename
            )
        build = (int(match.group(1)), match.group(2))
    tags = _expand_tag(parts[-1])
    if tags is None:
        raise InvalidWheelFilename(f"invalid tag in wheel filename: {filename!r}", text=filename)
    return canonicalize_name(raw_name), version, build, tags


def parse_sdist_filename(filename: str) -> tuple[NormalizedName, Version]:
    """``(name, version)`` of a ``.tar.gz`` or ``.zip`` source distribution filename.

    The version is what follows the last ``-`` (a PEP 440 version has no dash).
    Raises :class:`InvalidSdistFilename` for a filename that packaging rejects.
    """
    if filename.endswith(".tar.gz"):
        stem = filename[:-7]
    elif filename.endswith(".zip"):
        stem = filename[:-4]
    else:
        raise InvalidSdistFilename(
            f"not an sdist filename (.tar.gz or .zip): {filename!r}", text=filename
        )
    raw_name, dash, raw_version = stem.rpartition("-")
    if not dash or not raw_name:
        raise InvalidSdistFilename(
            f"an sdist filename is name-version: {filename!r}", text=filename
        )
    name = canonicalize_name(raw_name)
    try:
        version = _version(raw_version)
    except InvalidVersion:
        raise InvalidSdistFilename(
            f"invalid version in sdist filename: {filename!r}", text=filename
        ) from None
    return name, version


@value(init=False)
class ParsedFilename:
    """What a distribution filename says: kind, name, version, build tag and wheel tags.

    Immutable; equal when all fields are equal. ``tags`` and ``build`` are empty
    for source distributions.
    """

    __slots__ = ("build", "kind", "name", "tags", "version")
    __match_args__ = ("kind", "name", "version", "tags", "build")

    kind: Literal["wheel", "sdist"]
    name: NormalizedName
    version: Version
    tags: frozenset[Tag]
    build: BuildTag

    def __init__(
        self,
        kind: Literal["wheel", "sdist"],
        name: NormalizedName,
        version: Version,
        tags: frozenset[Tag],
        build: BuildTag = (),
    ) -> None:
        _set_pf_kind(self, kind)
        _set_pf_name(self, name)
        _set_pf_version(self, version)
        _set_pf_tags(self, tags)
        _set_pf_build(self, build)

    def _fields(self) -> tuple[object, ...]:
        return (self.kind, self.name, self.version, self.tags, self.build)

    def __reduce__(self) -> tuple[type[ParsedFilename], tuple[object, ...]]:
        return (ParsedFilename, self._fields())

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not ParsedFilename:
            return NotImplemented
        assert isinstance(other, ParsedFilename)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"ParsedFilename(kind={self.kind!r}, name={self.name!r}, "
            f"version={self.version!r}, tags={sorted(map(str, self.tags))!r}, "
            f"build={self.build!r})"
        )


_set_pf_kind = slot_setter(ParsedFilename, "kind")
_set_pf_name = slot_setter(ParsedFilename, "name")
_set_pf_version = slot_setter(ParsedFilename, "version")
_set_pf_tags = slot_setter(ParsedFilename, "tags")
_set_pf_build = slot_setter(ParsedFilename, "build")


@lru_cache(maxsize=16384)
def parse_dist_filename(filename: str) -> ParsedFilename | None:
    """Parse a wheel or sdist (``.tar.gz``/``.zip``) filename; ``None`` for others."""
    if filename.endswith(".whl"):
        try:
            name, version, build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return None
        return ParsedFilename("wheel", name, version, tags, build)
    if filename.endswith((".tar.gz", ".zip")):
        try:
            name, version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            return None
        return ParsedFilename("sdist", name, version, frozenset())
    return None
