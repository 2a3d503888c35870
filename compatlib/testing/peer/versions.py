"""RubyGems/CocoaPods and SemVer versions, ranges and package names, as PEP 440
versions, PEP 440 specifiers and PEP 508 names."""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Sequence

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from compatlib.values.filenames import canonicalize_name

__all__ = ["foreign_version", "gem_specifier", "swift_specifier", "pod_name", "swift_name"]


_RELEASE_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_FOREIGN_RE = re.compile(
    r"[0-9]+(?:\.[0-9]+)*(?:[.-]?[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*)?(?:\+[0-9A-Za-z.-]+)?"
)
_LABELS = {
    "a": "a",
    "alpha": "a",
    "b": "b",
    "beta": "b",
    "c": "rc",
    "rc": "rc",
    "pre": "rc",
    "preview": "rc",
    "dev": ".dev",
    "post": ".post",
    "rev": ".post",
    "r": ".post",
}


@functools.lru_cache(maxsize=16384)
def foreign_version(raw: str) -> str:
    """The PEP 440 spelling of a RubyGems/CocoaPods or SemVer version string.

    A string PEP 440 already accepts keeps its PEP 440 meaning and is normalised
    (``2.0.0.beta.1`` -> ``2.0.0b1``, ``3.0.0-alpha.1`` -> ``3.0.0a1``; note that
    ``1.3.0-1`` is the post-release ``1.3.0.post1`` under PEP 440): this is how
    resolvelib's own test providers read these files. Any other string is split
    into a numeric release and a tail of alphanumeric tokens: the first tail token
    picks the pre-release kind (``alpha``/``a`` -> ``a``, ``beta``/``b`` -> ``b``,
    ``rc``/``c``/``pre``/``preview`` -> ``rc``, ``dev`` -> ``.dev``; any other
    label becomes ``.dev`` and is kept as the first local segment), the next
    numeric token its number (default 0), and all remaining tokens, plus SemVer
    build metadata, form the local segment: ``0.18.0-gh.de28323`` ->
    ``0.18.0.dev0+gh.de.28323``, ``5.0.0-alpha.30p6`` -> ``5.0.0a30+p.6``.

    Raises ``ValueError`` when ``raw`` does not start with a numeric release.
    """
    s = raw.strip()
    try:
        return str(Version(s))
    except InvalidVersion:
        pass
    if _FOREIGN_RE.fullmatch(s) is None:
        raise ValueError(f"not a RubyGems or SemVer version: {raw!r}")
    body, _, build = s.partition("+")
    m = _RELEASE_RE.match(body)
    assert m is not None  # guaranteed by _FOREIGN_RE
    release = ".".join(str(int(x)) for x in m.group().split("."))
    tokens = re.findall(r"[0-9]+|[A-Za-z]+", body[m.end() :])
    local: list[str] = []
    pre = ""
    if tokens:
        head = tokens.pop(0)
        if head.isdigit():
            pre = f".post{int(head)}"
        else:
            kind = _LABELS.get(head.lower())
            if kind is None:
                kind = ".dev"
                local.append(head.lower())
            number = int(tokens.pop(0)) if tokens and tokens[0].isdigit() else 0
            pre = f"{kind}{number}"
    local.extend(t.lower() for t in tokens)
    local.extend(t.lower() for t in re.findall(r"[0-9A-Za-z]+", build))
    out = release + pre + ("+" + ".".join(local) if local else "")
    try:
        return str(Version(out))
    except InvalidVersion:  # pragma: no cover - the construction above is valid PEP 440
        raise ValueError(f"cannot express {raw!r} in PEP 440") from None


def _public(version: str) -> str:
    """``version`` without its local segment (PEP 440 forbids local versions in
    ordered comparisons)."""
    return version.partition("+")[0]


_GEM_OP_RE = re.compile(r"\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*")


@functools.lru_cache(maxsize=65536)
def gem_specifier(requirement: str) -> str:
    """The PEP 440 specifier for a RubyGems/CocoaPods requirement string such as
    ``"~> 1.2, != 1.2.5"`` (empty string: any version).

    ``= V`` -> ``==V``; ``!=``, ``>``, ``<``, ``>=``, ``<=`` keep their operator;
    ``~> V`` -> ``>=V,<B`` where ``B`` drops the last release component of ``V``
    (unless it has only one) and increments the new last one (``~> 1.2.3`` ->
    ``>=1.2.3,<1.3``, ``~> 1.2`` -> ``>=1.2,<2``, ``~> 1`` -> ``>=1,<2``).
    Versions pass through :func:`foreign_version`; bounds of ordered comparisons
    lose any local segment. Raises ``ValueError`` on an unknown operator or version.
    """
    out: list[str] = []
    for part in requirement.split(","):
        if not part.strip():
            continue
        m = _GEM_OP_RE.fullmatch(part)
        if m is None:
            raise ValueError(f"not a RubyGems requirement: {part.strip()!r}")
        op, raw = m.group(1) or "=", m.group(2)
        ver = foreign_version(raw)
        if op == "=":
            out.append(f"=={ver}")
        elif op == "!=":
            out.append(f"!={ver}")
        elif op == "~>":
            release = Version(ver).release
            upper = release[:-1] if len(release) > 1 else release
            upper = (*upper[:-1], upper[-1] + 1)
            out.append(f">={_public(ver)}")
            out.append("<" + ".".join(str(x) for x in upper))
        else:
            out.append(f"{op}{_public(ver)}")
    spec = ",".join(out)
    SpecifierSet(spec)  # validates; raises InvalidSpecifier (a ValueError)
    return spec


def swift_specifier(bounds: Sequence[str]) -> str:
    """The PEP 440 specifier for a Swift Package Manager requirement ``[lo, hi]``,
    the half-open range ``lo..<hi``: ``>=lo,<hi``."""
    if len(bounds) != 2 or not all(isinstance(b, str) for b in bounds):
        raise ValueError(f"expected [lower, upper) version bounds, got {bounds!r}")
    lo, hi = (_public(foreign_version(b)) for b in bounds)
    return f">={lo},<{hi}"


def pod_name(raw: str) -> str:
    """The PEP 508 name of a CocoaPods pod: non-printable characters are dropped
    (resolvelib's test provider does the same: the ``"RestKit\\u0001"`` key of one
    case is a second requirement on ``RestKit``), runs of characters PEP 508 does
    not allow become ``-`` (subspec ``RestKit/Core`` -> ``restkit-core``), and the
    result is canonicalised."""
    cleaned = "".join(c for c in raw if c in string.printable)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", cleaned).strip("-._")
    if not name:
        raise ValueError(f"cannot make a package name of {raw!r}")
    return canonicalize_name(name)


def swift_name(identifier: str) -> str:
    """The PEP 508 name of a Swift package identifier (a repository URL): every
    run of non-alphanumeric characters becomes ``-``, then the result is
    canonicalised (``https://github.com/Zewo/Axis.git`` ->
    ``https-github-com-zewo-axis-git``). Scheme and host stay in the name, so the
    ``git@`` and ``https://`` spellings of one repository stay distinct packages,
    as they are for resolvelib's Swift test provider."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", identifier).strip("-")
    if not name:
        raise ValueError(f"cannot make a package name of {identifier!r}")
    return canonicalize_name(name)
