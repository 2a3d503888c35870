"""Conda package records: one ``.conda`` / ``.tar.bz2`` file as repodata describes it.

:class:`PackageRecord` is the immutable value the rest of compatlib works with;
:func:`record_from_json` builds one from a repodata entry, normalising the
spellings that real repodata uses (``depends: null``, ``track_features`` as a
space/comma separated string or a list, timestamps in seconds or milliseconds,
``noarch: true``). :func:`candidate_key` is the order a solver should try
candidates in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.values.conda_version import CondaVersion, parse_conda_version

__all__ = [
    "PACKAGE_EXTENSIONS",
    "PackageRecord",
    "candidate_key",
    "normalize_timestamp",
    "record_from_json",
    "split_filename",
]

PACKAGE_EXTENSIONS = (".conda", ".tar.bz2")

# conda treats a timestamp above 9999-12-31T23:59:59 in seconds as milliseconds
# (conda/models/records.py, TimestampField; see conda/conda-build#1988).
_MAX_SECONDS = 253402300799


def normalize_timestamp(value: int | float | None) -> int:
    """A repodata ``timestamp`` in milliseconds (conda writes ms, old data has s)."""
    if not value:
        return 0
    if value < _MAX_SECONDS:
        value = value * 1000
    return int(value)


def split_filename(filename: str) -> tuple[str, str, str]:
    """``numpy-1.26.4-py312h_0.conda`` -> ``("numpy", "1.26.4", "py312h_0")``."""
    stem = filename
    for ext in PACKAGE_EXTENSIONS:
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    parts = stem.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise InputError(
            f"cannot read name-version-build from {filename!r}",
            text=filename,
            expected="a conda file name such as numpy-1.26.4-py312h_0.conda",
        )
    return parts[0], parts[1], parts[2]


@value
class PackageRecord:
    """One conda package file.

    ``version`` keeps the spelling from the repodata (``str(record.version)``);
    ``timestamp`` is in milliseconds since the epoch (0 when unknown);
    ``depends``/``constrains`` are match-spec strings as written; ``channel``
    is the channel's canonical name (``conda-forge``, ``pkgs/main``) or URL,
    ``"@"`` for virtual packages.
    """

    name: str
    version: CondaVersion
    build: str
    build_number: int = 0
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    track_features: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    timestamp: int = 0
    md5: str | None = None
    sha256: str | None = None
    size: int | None = None
    subdir: str = ""
    filename: str = ""
    url: str = ""
    channel: str = ""
    license: str | None = None
    license_family: str | None = None
    noarch: str | None = None

    @property
    def version_str(self) -> str:
        """The version as written in the repodata."""
        return str(self.version)

    @property
    def fn(self) -> str:
        """conda's name for :attr:`filename`."""
        return self.filename

    @property
    def is_virtual(self) -> bool:
        """A virtual package (``__glibc``, ``__cuda``, ...) that describes the system."""
        return self.name.startswith("__")

    @property
    def dist_str(self) -> str:
        """``channel/subdir::name-version-build``, conda's short identity."""
        where = self.channel + (f"/{self.subdir}" if self.subdir else "")
        prefix = f"{where}::" if where else ""
        return f"{prefix}{self.name}-{self.version}-{self.build}"

    def __str__(self) -> str:
        return f"{self.name} {self.version} {self.build}"


def candidate_key(record: PackageRecord) -> tuple[Any, ...]:
    """Sort key putting the best candidate *last* (ascending preference).

    The order conda's solvers prefer: a record without ``track_features``
    beats one with them (whatever the versions: track_features mark
    de-prioritised variants such as ``pypy`` or ``mkl`` builds), then the higher
    version, then the higher build number, then an arch-specific build over a
    ``noarch`` one, then the newer timestamp. Ties are broken by the build
    string, file name, subdir and URL so that the order never depends on input
    order. Sources: rattler's ``crates/rattler_solve/src/resolvo/conda_sorting.rs``
    (tracked features first, then version, build number, timestamp) and conda's
    ``Resolve.version_key`` in ``conda/resolve.py`` (version, build number,
    noarch loses, timestamp, build string).
    """
    return (
        not record.track_features,
        record.version,
        record.build_number,
        record.subdir != "noarch",
        record.timestamp,
        record.build,
        record.filename,
        record.subdir,
        record.url,
    )


# -- building records from repodata JSON -----------------------------------


_IS_STR = str.__instancecheck__


def _field_error(
    source: str | None, where: str, key: str | None, message: str, expected: str
) -> InputError:
    field = f"{where}.{key}" if key else where
    return InputError(message, source=source, field=field, expected=expected)


def _str_list(value: Any, source: str | None, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return tuple(value)
    raise _field_error(
        source, where, key, f"expected a list of strings, got {value!r}", "[str, ...]"
    )


def _features(value: Any, source: str | None, where: str, key: str) -> tuple[str, ...]:
    """``"mkl debug"``, ``"foo,bar"`` or ``["foo", " bar "]`` -> ``("foo", "bar")``."""
    if value is None:
        return ()
    items: list[str]
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list) and all(isinstance(x, str) for x in value):
        items = [x.strip() for x in value]
    else:
        raise _field_error(
            source, where, key, f"expected a string or list of strings, got {value!r}", "str"
        )
    return tuple(x for x in items if x)


def _opt_str(value: Any, source: str | None, where: str, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise _field_error(source, where, key, f"expected a string, got {value!r}", "str")


def _opt_int(value: Any, source: str | None, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _field_error(source, where, key, f"expected a number, got {value!r}", "int")
    try:
        return int(value)
    except OverflowError:  # 1e999 decodes to infinity
        raise _field_error(
            source, where, key, f"expected a finite number, got {value!r}", "int"
        ) from None


def _noarch(value: Any, source: str | None, where: str, key: str) -> str | None:
    # conda's NoarchType.coerce: true -> generic, false/null -> none
    if value is None or value is False:
        return None
    if value is True:
        return "generic"
    if isinstance(value, str) and value.lower() in ("python", "generic"):
        return value.lower()
    if isinstance(value, str) and not value:
        return None
    raise _field_error(
        source, where, key, f"unknown noarch type {value!r}", "'python', 'generic', true or false"
    )


def _text(get: Any, key: str, source: str | None, where: str) -> str | None:
    """An optional string field (an empty one is ``None``), on the short path
    when it is a plain string."""
    value = get(key)
    return (value or None) if type(value) is str else _opt_str(value, source, where, key)


def _identity(
    filename: str, data: Mapping[str, Any], source: str | None, where: str
) -> tuple[str, str, str]:
    """A record's name, version and build: its fields, or its file name's parts
    for the ones it lacks; each a non-empty string."""
    name = data.get("name")
    version = data.get("version")
    build = data.get("build", data.get("build_string"))
    if name is None or version is None or build is None:
        try:
            fn_name, fn_version, fn_build = split_filename(filename)
        except InputError:
            missing = [
                k for k, v in (("name", name), ("version", version), ("build", build)) if v is None
            ]
            raise _field_error(
                source,
                where,
                None,
                f"record lacks {', '.join(missing)} and its file name does not supply them",
                "name, version and build fields",
            ) from None
        name = fn_name if name is None else name
        version = fn_version if version is None else version
        build = fn_build if build is None else build
    for key, given in (("name", name), ("version", version), ("build", build)):
        if not isinstance(given, str) or not given:
            raise _field_error(
                source, where, key, f"expected a non-empty string, got {given!r}", "str"
            )
    return name, version, build


def record_from_json(
    filename: str,
    data: Mapping[str, Any],
    *,
    subdir: str = "",
    channel: str = "",
    base_url: str = "",
    source: str | None = None,
    field: str = "",
) -> PackageRecord:
    """A record from one repodata entry ``filename: {name, version, build, ...}``.

    ``subdir``/``channel`` apply when the entry has none; the URL is
    ``base_url`` + ``filename`` (as conda does, the entry's own ``url`` is not
    trusted) unless ``base_url`` is empty. ``field`` names the entry in error
    messages (``packages.numpy-1.0-0.tar.bz2``).
    """
    where = field or filename
    if not isinstance(data, Mapping):
        raise _field_error(source, where, None, f"expected an object, got {data!r}", "{...}")
    name, version, build = _identity(filename, data, source, where)
    try:
        parsed = parse_conda_version(version)
    except InputError as exc:
        raise InputError(
            exc.message, source=source, field=f"{where}.version", expected=exc.expected
        ) from None
    # Each field takes a short path when it has the usual type; anything else
    # goes through the checking helper (which converts it or raises), in the
    # order the fields were always checked in.
    get = data.get
    build_number = get("build_number")
    if type(build_number) is not int:
        build_number = _opt_int(build_number, source, where, "build_number")
    timestamp = get("timestamp")
    if type(timestamp) is not int:
        timestamp = _opt_int(timestamp, source, where, "timestamp")
    rec_subdir = get("subdir")
    rec_subdir = (
        rec_subdir if type(rec_subdir) is str else _opt_str(rec_subdir, source, where, "subdir")
    )
    depends = get("depends")
    depends = (
        tuple(depends)
        if type(depends) is list and all(map(_IS_STR, depends))
        else _str_list(depends, source, where, "depends")
    )
    constrains = get("constrains")
    constrains = (
        tuple(constrains)
        if type(constrains) is list and all(map(_IS_STR, constrains))
        else _str_list(constrains, source, where, "constrains")
    )
    track_features = get("track_features")
    track_features = (
        ()
        if track_features is None or track_features == ""
        else _features(track_features, source, where, "track_features")
    )
    features = get("features")
    features = (
        () if features is None or features == "" else _features(features, source, where, "features")
    )
    md5, sha256 = _text(get, "md5", source, where), _text(get, "sha256", source, where)
    size = get("size")
    if type(size) is not int:
        size = _opt_int(size, source, where, "size")
    license = _text(get, "license", source, where)
    family = _text(get, "license_family", source, where)
    noarch = get("noarch")
    return PackageRecord(
        name=name.lower(),
        version=parsed,
        build=build,
        build_number=build_number or 0,
        depends=depends,
        constrains=constrains,
        track_features=track_features,
        features=features,
        timestamp=normalize_timestamp(timestamp),
        md5=md5,
        sha256=sha256,
        size=size,
        subdir=rec_subdir or subdir,
        filename=filename,
        url=(base_url.rstrip("/") + "/" + filename) if base_url else "",
        channel=channel,
        license=license,
        license_family=family,
        noarch=None if noarch is None else _noarch(noarch, source, where, "noarch"),
    )
