"""Conda match specs: the query language of conda dependencies.

>>> spec = MatchSpec.parse("conda-forge::numpy[version='>=1.20']")
>>> str(spec)
"conda-forge::numpy[version='>=1.20']"

Accepted forms, as conda reads them (``conda/models/match_spec.py``,
https://github.com/conda/conda, and its ``tests/models/test_match_spec.py``):

* ``numpy``; ``numpy 1.7.1``; ``numpy 1.7.1 py27_0`` (name, version, build
  separated by spaces); a bare version is **exact**: ``numpy 1.7`` does not
  match 1.7.1, while ``numpy 1.7*`` and ``numpy=1.7`` do;
* ``numpy=1.7`` is fuzzy (``1.7.*``); ``numpy==1.7`` exact;
  ``numpy=1.7=py27_0`` and ``numpy==1.7=py27_0`` pin version and build;
* ``numpy >=1.7,<2``, ``numpy>=1.7``, ``numpy 1.6*|1.7*``, ``numpy !=1.10``,
  ``numpy ~=1.10.1``: any conda version spec
  (:mod:`compatlib.values.conda_spec`);
* builds are globs (``py3*``, ``*cuda*``) or regexes (``^py3.*$``);
* ``conda-forge::numpy``, ``conda-forge/linux-64::numpy``, ``*/linux-64::numpy``,
  ``https://conda.anaconda.org/conda-forge::numpy``;
* a bracket section ``numpy[version='>=1.7', build=py3*, build_number=2]`` with
  keys channel, subdir, name, version, build (alias build_string),
  build_number, track_features, features, url, md5, sha256, license,
  license_family, fn; bracket values override the positional ones;
* ``mkl@`` (old spelling of ``*[track_features=mkl]``), ``# comments`` and
  a trailing `` if <condition>`` (ignored, as conda ignores it);
* a package URL or absolute path ending in ``.conda`` / ``.tar.bz2``.

Deliberate differences from conda, each an error instead of a silent guess:
bracket items that are not ``key=value`` (conda drops them), parentheses
outside brackets (conda deletes them, version included), a ``name=`` in the
brackets that disagrees with the name outside (conda warns and keeps the
outside one), a namespace (``channel:ns:name``), and a key given twice.

A :class:`MatchSpec` is immutable; it compares and hashes by its canonical
string (conda's rules: ``numpy 1.7*`` -> ``numpy=1.7``,
``numpy 1.7 py27_0`` -> ``numpy==1.7=py27_0``), so it can key a cache.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.sources.conda.naming import (
    KNOWN_SUBDIRS,
    canonical_channel_name,
    channel_matches,
    split_subdir,
    strip_credentials,
)
from compatlib.sources.conda.records import split_filename
from compatlib.values.conda_spec import (
    Compare,
    CompatibleRelease,
    CondaVersionSpec,
    StartsWith,
    parse_version_spec,
)

if TYPE_CHECKING:
    from compatlib.sources.conda.records import PackageRecord

__all__ = ["FIELD_NAMES", "MatchSpec", "parse_matchspec", "record_specs"]

FIELD_NAMES = (
    "channel",
    "subdir",
    "name",
    "version",
    "build",
    "build_number",
    "track_features",
    "features",
    "url",
    "md5",
    "sha256",
    "license",
    "license_family",
    "fn",
)
_ALIASES = {"build_string": "build"}
# the fields past name, version and build(s): matched as plain values
_OTHER_FIELDS = FIELD_NAMES[FIELD_NAMES.index("track_features") :]
_EXPECTED = (
    "a conda match spec such as numpy, numpy >=1.20, numpy=1.26, numpy==1.26.4=py312h_0, "
    "conda-forge::numpy[version='>=1.20']"
)
_KEY = re.compile(r"[A-Za-z0-9_-]+")
_NAME = re.compile(r"[^ =<>!~]+")
_SPECIAL_VERSION_CHARS = "><$^|,"


# -- small matchers ----------------------------------------------------------


def _regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled; a pattern that does not compile is a ValueError
    (re.error is not one) that says so."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


def _glob_matcher(pattern: str, *, lower: bool = False) -> Callable[[str], bool]:
    """conda's GlobStrMatch: ``^...$`` is a regex, ``*`` a wildcard, else exact."""
    if lower:
        pattern = pattern.lower()
    if pattern.startswith("^") and pattern.endswith("$"):
        rx = _regex(pattern)
    elif "*" in pattern:
        rx = re.compile("^(?:" + ".*".join(re.escape(p) for p in pattern.split("*")) + ")$")
    else:
        if lower:
            return lambda value: value.lower() == pattern
        return lambda value: value == pattern
    if lower:
        return lambda value: rx.match(value.lower()) is not None
    return lambda value: rx.match(value) is not None


def _build_number_matcher(text: str) -> Callable[[int], bool]:
    """conda's BuildNumberMatch: ``2``, ``*``, ``>=2``, ``!=0``, ``^regex$``."""
    s = text.strip()
    if s.lstrip("-").isdigit():
        n = int(s)
        return lambda value: value == n
    if s == "*":
        return lambda value: True
    if s[:1] in ("=", "<", ">", "!"):
        for op in ("==", "!=", "<=", ">=", "=", "<", ">"):
            rest = s[len(op) :]
            if s.startswith(op) and rest.isdigit():
                compare = _INT_OPS[op]
                bound = int(rest)
                return lambda value: compare(value, bound)
        raise ValueError(f"invalid build number spec {text!r}")
    if s.startswith("^") and s.endswith("$"):
        rx = _regex(s)
        return lambda value: rx.match(str(value)) is not None
    raise ValueError(f"invalid build number spec {text!r}")


_INT_OPS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "=": operator.eq,  # conda's "starts with" on whole numbers is equality
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


def _feature_set(text: str) -> frozenset[str]:
    return frozenset(f for f in text.replace(",", " ").split() if f)


def _quote(value: str) -> str:
    if not any(c in value for c in ", =[]'\""):
        return value
    return f'"{value}"' if "'" in value else f"'{value}'"


# -- the spec ----------------------------------------------------------------


@value(init=False)
class MatchSpec:
    """A parsed conda match spec; see the module docstring.

    Fields: :attr:`name` (lower case; ``*`` or a glob matches many),
    :attr:`version` (a :class:`CondaVersionSpec`, ``None`` for any),
    :attr:`build` (glob/regex text or ``None``), :attr:`build_number`,
    :attr:`channel` (canonical name), :attr:`subdir`, and the other bracket
    fields in :attr:`fields`. :attr:`text` is the string it was parsed from.
    """

    __slots__ = (
        "_build_match",
        "_build_number_match",
        "_canonical",
        "_name_match",
        "_plain",
        "build",
        "build_number",
        "channel",
        "fields",
        "name",
        "subdir",
        "text",
        "version",
    )

    def __init__(
        self,
        name: str = "*",
        version: CondaVersionSpec | str | None = None,
        build: str | None = None,
        *,
        channel: str | None = None,
        subdir: str | None = None,
        build_number: str | int | None = None,
        track_features: str | None = None,
        features: str | None = None,
        url: str | None = None,
        md5: str | None = None,
        sha256: str | None = None,
        license: str | None = None,
        license_family: str | None = None,
        fn: str | None = None,
        text: str | None = None,
    ) -> None:
        name = name.strip().lower()
        if not name:
            raise InputError("a match spec needs a package name", expected=_EXPECTED)
        if isinstance(version, str):
            version = parse_version_spec(version)
        if version is not None and version.matches_all:
            version = None
        if build is not None:
            build = build.strip()
            if build in ("", "*"):
                build = None
        bn = None if build_number is None else str(build_number).strip()
        if bn == "*":
            bn = None
        if channel is not None:
            chan, chan_subdir = split_subdir(strip_credentials(channel.strip()))
            channel = canonical_channel_name(chan) if chan not in ("", "*") else None
            if subdir is None:
                subdir = chan_subdir
        extra = {
            "track_features": track_features,
            "features": features,
            "url": url,
            "md5": md5,
            "sha256": sha256,
            "license": license,
            "license_family": license_family,
            "fn": fn,
        }
        fields: list[tuple[str, str]] = []
        for key in _OTHER_FIELDS:
            value = extra[key]
            if value is None:
                continue
            if key in ("track_features", "features"):
                value = " ".join(sorted(_feature_set(value)))
            fields.append((key, value))
        self.name: str = name
        self.version: CondaVersionSpec | None = version
        self.build: str | None = build
        self.build_number: str | None = bn
        self.channel: str | None = channel
        self.subdir: str | None = subdir or None
        self.fields: tuple[tuple[str, str], ...] = tuple(fields)
        try:
            self._name_match = _glob_matcher(name, lower=True) if name != "*" else None
            self._build_match = _glob_matcher(build) if build is not None else None
        except ValueError as exc:
            raise InputError(str(exc), expected="a glob (py3*) or a regex ^...$") from None
        try:
            self._build_number_match = _build_number_matcher(bn) if bn is not None else None
        except ValueError as exc:
            raise InputError(
                str(exc), expected="a build number, *, or >=N / <=N / ==N / !=N"
            ) from None
        # an exact name, version and build (each may be absent), nothing else:
        # match() takes a short path
        self._plain = (
            not (name.startswith("^") and name.endswith("$"))
            and "*" not in name
            and (
                build is None
                or not ((build.startswith("^") and build.endswith("$")) or "*" in build)
            )
            and bn is None
            and channel is None
            and self.subdir is None
            and not fields
        )
        self._canonical = self._render()
        self.text: str = text if text is not None else self._canonical

    # -- construction -------------------------------------------------------
    @classmethod
    def parse(cls, text: str, *, source: str | None = None) -> MatchSpec:
        """Parse a match spec string; errors are :class:`InputError` with a column."""
        return _parse(text, source)

    @classmethod
    def exact(cls, record: PackageRecord) -> MatchSpec:
        """The spec that pins one record: ``channel/subdir::name==version=build``."""
        return cls(
            record.name,
            "==" + str(record.version),
            record.build,
            channel=record.channel if record.channel not in ("", "@") else None,
            subdir=record.subdir or None,
        )

    # -- queries -------------------------------------------------------------
    @property
    def is_name_only(self) -> bool:
        """True for a plain ``name`` with nothing else to match."""
        return (
            self._name_match is not None
            and "*" not in self.name
            and self.version is None
            and self.build is None
            and self.build_number is None
            and self.channel is None
            and self.subdir is None
            and not self.fields
        )

    def get(self, field: str) -> str | None:
        """The text of one field (``"version"``, ``"md5"``...), ``None`` when absent."""
        if field == "name":
            return self.name
        if field == "version":
            return None if self.version is None else str(self.version)
        if field in ("build", "build_number", "channel", "subdir"):
            value: str | None = getattr(self, field)
            return value
        return dict(self.fields).get(field)

    def match(self, record: PackageRecord) -> bool:
        """Whether ``record`` satisfies every field of the spec."""
        if self._plain:
            name = record.name
            if name != self.name and name.lower() != self.name:
                return False
            if self.build is not None and record.build != self.build:
                return False
            return self.version is None or self.version.contains(record.version)
        if self._name_match is not None and not self._name_match(record.name):
            return False
        if self.version is not None and not self.version.contains(record.version):
            return False
        if self._build_match is not None and not self._build_match(record.build):
            return False
        if self._build_number_match is not None and not self._build_number_match(
            record.build_number
        ):
            return False
        if self.channel is not None and not channel_matches(self.channel, record.channel):
            return False
        if self.subdir is not None and record.subdir != self.subdir:
            return False
        return not self.fields or all(_match_field(k, v, record) for k, v in self.fields)

    __call__ = match

    # -- identity and printing ----------------------------------------------
    def _render(self) -> str:
        """conda's canonical form: ``channel/subdir::name==version=build[k=v,...]``."""
        out: list[str] = []
        brackets: list[str] = []
        if self.channel is not None:
            out.append(self.channel + (f"/{self.subdir}" if self.subdir else "") + "::")
        elif self.subdir is not None:
            brackets.append(f"subdir={_quote(self.subdir)}")
        out.append(self.name)
        exact = False
        if self.version is not None:
            v = str(self.version)
            if any(c in v for c in _SPECIAL_VERSION_CHARS) or not _simple_version(self.version):
                if v.startswith("="):
                    # parsing rewrites a leading '=' ("=1.2" -> "1.2*"); parentheses
                    # keep the spec as it is
                    v = f"({v})"
                brackets.append(f"version='{v}'" if "'" not in v else f'version="{v}"')
            elif v[:2] in ("!=", "~="):
                if self.build is not None:
                    brackets.append(f"version='{v}'")
                else:
                    out.append(v)
            elif v.endswith(".*"):
                out.append("=" + v[:-2])
            elif v.startswith("=="):
                out.append(v)
                exact = True
            else:
                out.append("==" + v)
                exact = True
        if self.build is not None:
            b = self.build
            if any(c in b for c in _SPECIAL_VERSION_CHARS) or "*" in b or not exact:
                brackets.append(f"build={_quote(b)}")
            else:
                out.append("=" + b)
        if self.build_number is not None:
            brackets.append(f"build_number={_quote(self.build_number)}")
        brackets.extend(f"{k}={_quote(v)}" for k, v in self.fields)
        if brackets:
            out.append("[" + ",".join(brackets) + "]")
        return "".join(out)

    def __str__(self) -> str:
        return self._canonical

    def __repr__(self) -> str:
        return f"MatchSpec({self._canonical!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MatchSpec):
            return NotImplemented
        return self._canonical == other._canonical

    def __hash__(self) -> int:
        return hash(self._canonical)


def _simple_version(spec: CondaVersionSpec) -> bool:
    """Specs that the positional canonical form can carry and read back the same."""
    if isinstance(spec, StartsWith):
        text = str(spec)
        return text.endswith(".*") and "*" not in text[:-2]
    if isinstance(spec, Compare):
        return spec.op in ("==", "!=")
    return isinstance(spec, CompatibleRelease)


def _match_field(key: str, value: str, record: PackageRecord) -> bool:
    if key in ("track_features", "features"):
        have: tuple[str, ...] = getattr(record, key)
        return frozenset(have) == _feature_set(value)
    if key in ("license", "license_family"):
        got: str | None = getattr(record, key)
        try:
            return got is not None and _glob_matcher(value, lower=True)(got)
        except ValueError:
            return False
    if key == "fn":
        return record.filename == value
    attr: str | None = getattr(record, key)
    return attr == value


# -- parsing -------------------------------------------------------------------


class _Ctx:
    __slots__ = ("source", "text")

    def __init__(self, text: str, source: str | None) -> None:
        self.text = text
        self.source = source

    def error(self, message: str, pos: int, expected: str = _EXPECTED) -> InputError:
        return InputError(
            f"invalid match spec {self.text!r}: {message}",
            source=self.source,
            column=pos + 1,
            text=self.text,
            expected=expected,
        )


def _split_version_build(s: str) -> tuple[str, str | None]:
    """Split ``">=1.0 , < 2.0 py34_0"`` into version and build the way conda's
    ``_parse_version_plus_build`` does: the build is the shortest tail, after a
    space or ``=`` that does not follow an operator character, made only of
    characters that cannot occur in a version spec."""
    n = len(s)

    def build_at(p: int) -> bool:
        # a separator at p, not preceded by an operator char, followed by a build
        if p < 1 or p >= n - 1 or s[p] not in " =" or s[p - 1] in "=!|,<>~":
            return False
        return not any(c in "-=,|<>~" for c in s[p + 1 :])

    for k in range(1, n + 1):
        # the version is s[:k] plus, optionally, one more character that is not
        # an operator: conda's pattern tries the longer form first
        if k < n and s[k] not in "><!,|":
            if build_at(k + 1):
                return s[: k + 1], s[k + 2 :].strip()
            if k + 1 == n:
                return s, None
        if build_at(k):
            return s[:k], s[k + 1 :].strip()
        if k == n:
            return s, None
    return s, None


def _sanitize_version(version: str, build: str | None) -> str:
    """conda's ``=1.2`` -> ``1.2*`` and ``==1.2`` -> ``1.2`` rewrites."""
    if version in ("==", "=") or not version.startswith("="):
        return version
    bare = version.lstrip("=")
    if version.startswith("==") and build is None:
        return bare
    if not any(c in bare for c in "=,|"):
        if build is None and not bare.endswith("*"):
            return bare + "*"
        return bare
    return version


def _parse_brackets(
    s: str, start: int, ctx: _Ctx, base: int
) -> tuple[dict[str, tuple[str, int]], int]:
    """Parse ``[k=v, k2='v 2']`` starting at ``s[start] == '['``; returns the
    items (key -> (value, column offset of value)) and the index after ``]``."""
    items: dict[str, tuple[str, int]] = {}
    i = start + 1
    n = len(s)
    while True:
        while i < n and (s[i].isspace() or s[i] == ","):
            i += 1
        if i >= n:
            raise ctx.error("'[' is never closed", base + start, "a closing ']'")
        if s[i] == "]":
            return items, i + 1
        m = _KEY.match(s, i)
        if m is None or m.end() >= n or s[m.end()] != "=":
            raise ctx.error(
                "expected key=value inside the brackets",
                base + i,
                "key=value items such as version='>=1.2' or build=py3*",
            )
        key = m.group().lower()
        key_pos = i
        i = m.end() + 1
        if i < n and s[i] in "'\"":
            quote = s[i]
            end = s.find(quote, i + 1)
            if end < 0:
                raise ctx.error(f"unterminated {quote} quote", base + i, f"a closing {quote}")
            value, value_pos, i = s[i + 1 : end], i + 1, end + 1
        else:
            j = i
            while j < n and not s[j].isspace() and s[j] not in ",]":
                j += 1
            value, value_pos, i = s[i:j], i, j
        if not value.strip():
            raise ctx.error(f"empty value for {key!r}", base + value_pos)
        key = _ALIASES.get(key, key)
        if key not in FIELD_NAMES:
            raise ctx.error(
                f"unknown key {m.group()!r}",
                base + key_pos,
                "one of " + ", ".join(FIELD_NAMES),
            )
        if key in items:
            raise ctx.error(f"{key!r} given twice", base + key_pos)
        items[key] = (value, base + value_pos)


def _parse_package_file(s: str, ctx: _Ctx, text: str) -> MatchSpec:
    """A package URL or absolute path: ``.../conda-forge/linux-64/x-1.0-0.conda``."""
    if "://" in s:
        url = strip_credentials(s)
        try:
            path = unquote(urlsplit(url).path)
        except ValueError as exc:
            raise ctx.error(f"invalid package URL: {exc}", 0, "a valid URL") from None
    elif s.startswith("/"):
        path = s
        url = PurePosixPath(s).as_uri()
    else:
        raise ctx.error(
            "a package file must be given as a URL or an absolute path", 0, "a URL or /abs/path"
        )
    pieces = path.rstrip("/").split("/")
    fn = pieces[-1]
    if len(pieces) >= 2 and pieces[-2] in KNOWN_SUBDIRS:
        try:
            name, version, build = split_filename(fn)
        except InputError:
            raise ctx.error(f"cannot read name-version-build from {fn!r}", 0) from None
        channel_url = url.rsplit("/", 2)[0]
        return MatchSpec(
            name,
            "==" + version,
            build,
            channel=channel_url,
            subdir=pieces[-2],
            fn=fn,
            url=url,
            text=text,
        )
    return MatchSpec("*", fn=fn, url=url, text=text)


def _parse(text: str, source: str | None) -> MatchSpec:
    ctx = _Ctx(text, source)
    s, lead = _without_comment(text)
    if not s:
        raise ctx.error("empty match spec", lead)
    if s.endswith("@") and " " not in s and "[" not in s:
        feature = s[:-1]
        if not feature:
            raise ctx.error("a feature name is missing before '@'", lead)
        return MatchSpec("*", track_features=feature, text=text)
    if s.endswith((".conda", ".tar.bz2")) and "/" in s:
        return _parse_package_file(s, ctx, text)

    head, brackets = _split_brackets(s, ctx, lead)
    channel, subdir, spec_text, offset = _split_channel(head, ctx, lead)
    name, version, build, version_pos = _split_name(spec_text, offset, ctx)

    # bracket values override
    name_b = brackets.pop("name", None)
    if name_b is not None:
        if name not in ("*", name_b[0].strip().lower()):
            raise ctx.error(
                f"the name in brackets ({name_b[0]!r}) differs from the name {name!r}",
                name_b[1],
            )
        name = name_b[0]
    if "version" in brackets:
        value, version_pos = brackets.pop("version")
        version = _sanitize_version(value.strip(), None)
    if "build" in brackets:
        build = brackets.pop("build")[0]
    if "channel" in brackets:
        channel, chan_subdir = _channel_subdir(brackets.pop("channel")[0])
        if chan_subdir:
            subdir = chan_subdir
    if "subdir" in brackets:
        subdir = brackets.pop("subdir")[0].strip()

    version_spec: CondaVersionSpec | None = None
    if version is not None:
        version_spec = parse_version_spec(version, source=source, context=(text, version_pos))
    bn = brackets.pop("build_number", None)
    if bn is not None:
        _check_build_number(bn, ctx)
    other = {k: v for k, (v, _) in brackets.items()}
    return MatchSpec(
        name,
        version_spec,
        build,
        channel=channel,
        subdir=subdir,
        build_number=bn[0] if bn is not None else None,
        track_features=other.get("track_features"),
        features=other.get("features"),
        url=other.get("url"),
        md5=other.get("md5"),
        sha256=other.get("sha256"),
        license=other.get("license"),
        license_family=other.get("license_family"),
        fn=other.get("fn"),
        text=text,
    )


def _without_comment(text: str) -> tuple[str, int]:
    """The spec without its comment and (ignored) condition, stripped, and the
    column it starts at."""
    s = text
    hash_at = s.find("#")
    if hash_at >= 0:
        s = s[:hash_at]
    if_at = s.find(" if ")
    if if_at >= 0:
        s = s[:if_at]
    lead = len(s) - len(s.lstrip())
    return s.strip(), lead


def _split_brackets(s: str, ctx: _Ctx, lead: int) -> tuple[str, dict[str, tuple[str, int]]]:
    """The text before the bracket section, and the section's items."""
    brackets: dict[str, tuple[str, int]] = {}
    head = s
    b = s.find("[")
    if b >= 0:
        brackets, after = _parse_brackets(s, b, ctx, lead)
        rest = s[after:]
        if rest.strip():
            pos = lead + after + (len(rest) - len(rest.lstrip()))
            what = "a second bracket section" if rest.lstrip().startswith("[") else "text"
            raise ctx.error(f"{what} after the bracket section", pos)
        head = s[:b]
    for ch in "()":
        if ch in head:
            raise ctx.error(
                "parentheses are only allowed inside brackets",
                lead + head.index(ch),
                "a version spec in brackets, e.g. numpy[version='(>=1,<2)|>=3']",
            )
    return head, brackets


def _split_channel(head: str, ctx: _Ctx, lead: int) -> tuple[str | None, str | None, str, int]:
    """``channel/subdir::rest``: the channel, the subdir, the rest and its column."""
    pieces = head.rsplit(":", 2)
    channel_text: str | None = None
    if len(pieces) == 3:
        channel_text, namespace, spec_text = pieces
        if namespace:
            raise ctx.error(
                "namespaces (channel:namespace:name) are not supported",
                lead + len(channel_text) + 1,
                "channel::name",
            )
    elif len(pieces) == 2:
        raise ctx.error("a single ':' is not a channel separator", lead + len(pieces[0]), "'::'")
    else:
        spec_text = head
    offset = lead + len(head) - len(spec_text)
    channel: str | None = None
    subdir: str | None = None
    if channel_text:
        channel, subdir = _channel_subdir(channel_text)
    return channel, subdir, spec_text, offset


def _channel_subdir(text: str) -> tuple[str | None, str | None]:
    """A channel (``None`` for any) and the subdir it ends with, if it does."""
    chan, subdir = split_subdir(strip_credentials(text.strip()))
    return (chan if chan not in ("", "*") else None), subdir


def _split_name(spec_text: str, offset: int, ctx: _Ctx) -> tuple[str, str | None, str | None, int]:
    """``name version build``: the name, the version and the build (``None``
    when absent), and the column of the version."""
    inner_lead = len(spec_text) - len(spec_text.lstrip())
    spec_text = spec_text.strip()
    offset += inner_lead
    m = _NAME.match(spec_text)
    if m is None:
        raise ctx.error("no package name found", offset, "a package name first")
    name = m.group()
    remainder = spec_text[m.end() :]
    rem_offset = offset + m.end() + (len(remainder) - len(remainder.lstrip()))
    remainder = remainder.strip()

    version: str | None = None
    build: str | None = None
    if remainder == "=":
        remainder = ""  # conda reads "numpy=" as "numpy"
    if remainder:
        version, build = _split_version_build(remainder)
        version = _sanitize_version(version.replace(" ", ""), build)
    return name, version, build, rem_offset


def _check_build_number(bn: tuple[str, int], ctx: _Ctx) -> None:
    try:
        _build_number_matcher(bn[0])
    except ValueError:
        raise ctx.error(
            f"invalid build number spec {bn[0]!r}",
            bn[1],
            "a build number, *, or >=N / <=N / ==N / !=N",
        ) from None


@lru_cache(maxsize=65536)
def parse_matchspec(text: str) -> MatchSpec:
    """:meth:`MatchSpec.parse`, cached: repodata repeats the same dependency strings."""
    return _parse(text, None)


def record_specs(record: PackageRecord) -> tuple[tuple[MatchSpec, ...], tuple[MatchSpec, ...]]:
    """A record's ``depends`` and ``constrains`` as parsed specs (cached per string).

    A string that does not parse raises :class:`InputError` whose ``source`` is
    the record's URL (or file name) and ``field`` is ``depends[i]`` /
    ``constrains[i]``.
    """
    out: list[tuple[MatchSpec, ...]] = []
    for kind in ("depends", "constrains"):
        texts: tuple[str, ...] = getattr(record, kind)
        specs: list[MatchSpec] = []
        for i, text in enumerate(texts):
            try:
                specs.append(parse_matchspec(text))
            except InputError as exc:
                raise InputError(
                    exc.message,
                    source=record.url or record.filename or None,
                    field=f"{kind}[{i}]",
                    column=exc.column,
                    text=exc.text,
                    expected=exc.expected,
                ) from None
        out.append(tuple(specs))
    return out[0], out[1]
