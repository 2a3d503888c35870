"""Conda versions, ordered exactly as conda's ``VersionOrder`` orders them.

A conda version string is split into an epoch (``1!``), the main version and a
local version (``+``). Both parts are split into components at ``.`` and ``_``
(``-`` counts as ``_`` when the string has no ``_``), and every component into
runs of digits and non-digits. Runs compare element by element:

* numbers numerically, strings lexicographically (case-insensitive: the whole
  string is lower-cased first);
* a string is smaller than a number, ``dev`` is smaller than every other string
  and ``post`` is greater than every number;
* a component that starts with a letter gets a leading ``0``, so ``1.1.a1``
  equals ``1.1.0a1``;
* a missing element counts as ``0``, so ``1.1 == 1.1.0`` and ``1.1a < 1.1``;
* a trailing ``_`` (``1.0.1_``, the openssl convention) stays part of the last
  component and sorts below letters: ``1.0.1_ < 1.0.1a``.

Source of the rules: conda's ``conda/models/version.py`` (``VersionOrder``) and
its tests (``tests/models/test_version.py``), https://github.com/conda/conda.

:class:`CondaVersion` is immutable and hashable consistently with equality
(``hash(CondaVersion("1.1")) == hash(CondaVersion("1.1.0"))``); ``str()`` keeps
the spelling it was given. It works with
:class:`compatlib.values.sets.VersionSet`; :meth:`CondaVersion.prefix_bounds`
gives the interval that conda's ``1.2.*`` ("starts with") matches.
"""

from __future__ import annotations

import re
from functools import lru_cache, total_ordering
from typing import Literal

from compatlib._values import value
from compatlib.errors import InputError

__all__ = ["CondaVersion", "parse_conda_version"]

# One element of a component: (rank, value). Ranks order the kinds of element;
# the bound ranks only occur in the sentinel versions made by prefix_bounds().
_MIN = 0  # below everything: lower end of a "starts with" interval
_STR = 1
_INT = 2
_POST = 3  # 'post' counts as +infinity among numbers
_MAX = 4  # above everything: upper end of a "starts with" interval

_Element = tuple[int, int | str]
_Component = tuple[_Element, ...]
_Parts = tuple[_Component, ...]

_FILL: _Element = (_INT, 0)
_LOW: _Element = (_MIN, 0)
_HIGH: _Element = (_MAX, 0)

_ALLOWED = re.compile(r"[*.+!_0-9a-z]*")
_RUNS = re.compile(r"[0-9]+|\*+|[^0-9*]+")

_EXPECTED = (
    "a conda version: letters, digits and '.', '_', '-', '*', "
    "an optional 'N!' epoch and '+local' part, e.g. 1.2.3, 2!1.0, 1.0.1_, 1.2+cuda"
)


def _error(text: str, message: str, column: int | None = None) -> InputError:
    return InputError(
        f"invalid conda version {text!r}: {message}",
        column=column,
        text=text if column is not None else None,
        expected=_EXPECTED,
    )


def _convert(raw: str, text: str, offset: int) -> _Component:
    runs = _RUNS.findall(raw)
    if not runs:
        raise _error(text, "empty version component", offset + 1)
    out: list[_Element] = []
    if not raw[0].isdigit():
        out.append(_FILL)
    for run in runs:
        if run.isdigit():
            out.append((_INT, int(run)))
        elif run == "post":
            out.append((_POST, 0))
        elif run == "dev":
            # conda upper-cases 'dev' so it sorts below '_' and every letter
            out.append((_STR, "DEV"))
        else:
            out.append((_STR, run))
    return tuple(out)


def _split_components(part: str, text: str, offset: int, trailing_underscore: bool) -> _Parts:
    if trailing_underscore and part.endswith("_"):
        pieces = part[:-1].replace("_", ".").split(".")
        pieces[-1] += "_"
    else:
        pieces = part.replace("_", ".").split(".")
    comps: list[_Component] = []
    pos = offset
    for piece in pieces:
        comps.append(_convert(piece, text, pos))
        pos += len(piece) + 1
    return tuple(comps)


def _strip(parts: _Parts) -> _Parts:
    """Canonical form: trailing zero elements and trailing empty components dropped."""
    out: list[_Component] = []
    for comp in parts:
        n = len(comp)
        while n and comp[n - 1] == _FILL:
            n -= 1
        out.append(comp[:n])
    while out and not out[-1]:
        out.pop()
    return tuple(out)


def _cmp_parts(a: _Parts, b: _Parts) -> int:
    """Compare two component lists with conda's fill rules: -1, 0 or 1."""
    for i in range(max(len(a), len(b))):
        ca = a[i] if i < len(a) else ()
        cb = b[i] if i < len(b) else ()
        if ca == cb:
            continue
        for j in range(max(len(ca), len(cb))):
            x = ca[j] if j < len(ca) else _FILL
            y = cb[j] if j < len(cb) else _FILL
            if x != y:
                return -1 if x < y else 1
    return 0


def _eq_parts(a: tuple[_Component, ...], b: tuple[_Component, ...]) -> bool:
    return _cmp_parts(a, b) == 0


@total_ordering
@value(init=False)
class CondaVersion:
    """An immutable conda version, ordered as conda orders versions.

    ``CondaVersion("1.2.3")``; ``str()`` gives the text as written (stripped),
    :attr:`normalized` gives conda's normal form (lower case, ``-`` as ``_``).
    """

    __slots__ = ("_bound", "_key", "_local", "_norm", "_text", "_version")

    def __init__(self, text: str | int) -> None:
        if isinstance(text, float):
            # YAML and JSON readers turn 3.10 into 3.1: refuse rather than guess
            raise InputError(
                f"conda version given as a number ({text!r})",
                expected="the version as a string, e.g. '3.10'",
            )
        raw = str(text)
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        norm = stripped.lower()
        if not norm:
            raise _error(raw, "empty version string")
        if _ALLOWED.fullmatch(norm) is None and "-" in norm and "_" not in norm:
            # dashes are allowed when there is no underscore: they become underscores
            norm = norm.replace("-", "_")
        bad = _ALLOWED.match(norm)
        assert bad is not None
        if bad.end() != len(norm):
            raise _error(raw, f"invalid character {norm[bad.end()]!r}", lead + bad.end() + 1)

        epoch_text, sep, rest = norm.rpartition("!")
        if sep:
            if "!" in epoch_text:
                raise _error(raw, "duplicated epoch separator '!'", lead + norm.index("!") + 1)
            if not epoch_text.isdigit():
                raise _error(raw, "the epoch (before '!') must be a whole number", lead + 1)
        else:
            epoch_text = "0"
        main_offset = lead + (len(norm) - len(rest))
        main, plus, local = rest.partition("+")
        if "+" in local:
            raise _error(
                raw,
                "duplicated local version separator '+'",
                main_offset + len(main) + 1 + local.index("+") + 1,
            )
        if not main:
            raise _error(raw, "missing version before the local part '+'", main_offset + 1)
        epoch: _Component = ((_INT, int(epoch_text)),)
        version = (epoch, *_split_components(main, raw, main_offset, trailing_underscore=True))
        local_parts: _Parts = ()
        if plus:
            local_parts = _split_components(
                local, raw, main_offset + len(main) + 1, trailing_underscore=False
            )
        self._text: str = stripped
        self._norm: str = norm
        self._version: _Parts = version  # epoch first, as parsed (not stripped)
        self._local: _Parts = local_parts
        self._key: tuple[_Parts, _Parts] = (_strip(version), _strip(local_parts))
        self._bound: Literal["", "lower", "upper"] = ""

    @classmethod
    def _make_bound(
        cls, label: str, version: _Parts, local: _Parts, kind: Literal["lower", "upper"]
    ) -> CondaVersion:
        obj = cls.__new__(cls)
        obj._text = label
        obj._norm = label
        obj._version = version
        obj._local = local
        obj._key = (_strip(version), _strip(local))
        obj._bound = kind
        return obj

    # -- properties ------------------------------------------------------
    @property
    def normalized(self) -> str:
        """conda's normal spelling: stripped, lower case, ``-`` read as ``_``."""
        return self._norm

    @property
    def epoch(self) -> int:
        value = self._version[0][0][1]
        assert isinstance(value, int)
        return value

    @property
    def has_local(self) -> bool:
        """Whether the version has a ``+local`` part."""
        return bool(self._local)

    @property
    def is_bound(self) -> bool:
        """True for the interval ends made by :meth:`prefix_bounds` (not real versions)."""
        return bool(self._bound)

    # -- comparison ------------------------------------------------------
    def _cmp(self, other: CondaVersion) -> int:
        a, b = self._key, other._key
        return _cmp_parts(a[0], b[0]) or _cmp_parts(a[1], b[1])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CondaVersion):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __lt__(self, other: CondaVersion) -> bool:
        if not isinstance(other, CondaVersion):
            return NotImplemented
        return self._cmp(other) < 0

    def __le__(self, other: CondaVersion) -> bool:
        if not isinstance(other, CondaVersion):
            return NotImplemented
        return self._cmp(other) <= 0

    # -- "starts with" (conda's 1.2.* and =1.2) -------------------------
    def startswith(self, prefix: CondaVersion) -> bool:
        """conda's prefix match: ``1.2.5``, ``1.2`` and ``1.2a`` start with ``1.2``.

        The prefix's last element must match (``1.2.3`` does not start with
        ``1.2.30``... nor ``1.2.30`` with ``1.2.3``); a string element matches as
        a string prefix (``1.2ab`` starts with ``1.2a``). With a local part in
        ``prefix`` the main versions must be equal and the local parts are
        compared the same way.
        """
        if prefix._local:
            if not _eq_parts(self._version, prefix._version):
                return False
            t1, t2 = self._local, prefix._local
        else:
            t1, t2 = self._version, prefix._version
        nt = len(t2) - 1
        if not _eq_parts(t1[:nt], t2[:nt]):
            return False
        v1 = t1[nt] if len(t1) > nt else ()
        v2 = t2[nt]
        k = len(v2) - 1
        if not _eq_parts((v1[:k],), (v2[:k],)):
            return False
        c1 = v1[k] if len(v1) > k else _FILL
        c2 = v2[k]
        if c2[0] == _STR:
            return c1[0] == _STR and str(c1[1]).startswith(str(c2[1]))
        return c1 == c2

    def prefix_bounds(self) -> tuple[CondaVersion, CondaVersion]:
        """The open interval ``(lower, upper)`` of versions that start with ``self``.

        ``v.startswith(p)`` holds exactly when ``lower < v < upper``. The two ends
        are sentinel versions (:attr:`is_bound`) that never equal a real
        version; both print as ``<prefix>.*``.
        """
        t2 = self._local or self._version
        nt = len(t2) - 1
        head = t2[:nt]
        v2 = t2[nt]
        k = len(v2) - 1
        c2 = v2[k]
        lo_comp: _Component = (*v2[:k], c2, _LOW)
        if c2[0] == _STR:
            s = str(c2[1])
            hi_comp: _Component = (*v2[:k], (_STR, s[:-1] + chr(ord(s[-1]) + 1)), _LOW)
        else:
            hi_comp = (*v2[:k], c2, _HIGH)
        label = f"{self._norm}.*"
        if self._local:
            lo = self._make_bound(label, self._version, (*head, lo_comp), "lower")
            hi = self._make_bound(label, self._version, (*head, hi_comp), "upper")
        else:
            lo = self._make_bound(label, (*head, lo_comp), (), "lower")
            hi = self._make_bound(label, (*head, hi_comp), (), "upper")
        return lo, hi

    # -- printing --------------------------------------------------------
    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        if self._bound:
            return f"<CondaVersion {self._bound} end of {self._text!r}>"
        return f"<CondaVersion({self._text!r})>"


@lru_cache(maxsize=65536)
def parse_conda_version(text: str) -> CondaVersion:
    """:class:`CondaVersion` of ``text``, cached (repodata repeats versions a lot)."""
    return CondaVersion(text)
