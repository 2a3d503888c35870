"""``compatlib doctor``: mistakes in spec files that are visible without solving.

A spec (environment.yml, requirements.txt, pyproject.toml, an Azure ML
environment YAML) can be valid and still make environments that drift, leak a
token or fail on the target machine. :func:`diagnose` reads a spec the way
``compatlib lock`` does and returns :class:`Finding` s, each with a stable code,
a severity, the file and line, the reason, and a fix:

======  ========  =============================================================
code    severity  what
======  ========  =============================================================
CL001   error     a credential or token in the file (URL user:password, API tokens)
CL002   warning   a plain-http index or channel, or ``--trusted-host``
CL010   warning   a pip requirement with no version constraint
CL011   info      a pip requirement with only a lower bound or a range
CL012   warning   a conda dependency with no version
CL013   warning   a VCS or URL requirement not pinned to a commit or hash
CL020   warning   the same package from conda and from pip
CL021   warning   conda channels mixed (defaults with conda-forge, or no ``nodefaults``)
CL022   warning   a ``pip:`` section without ``pip`` among the conda dependencies
CL023   warning   no Python version in a conda environment
CL030   warning   CUDA-specific packages: the NVIDIA driver they need
CL040   error     an Azure ML base image that Azure ML no longer patches
CL041   warning   an image with the ``latest`` tag or no tag
======  ========  =============================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from compatlib._values import value
from compatlib.errors import InputError
from compatlib.specs import read_spec
from compatlib.specs.model import Location, Spec
from compatlib.values.filenames import canonicalize_name

__all__ = ["CODES", "Finding", "diagnose", "diagnose_spec"]

Severity = Literal["error", "warning", "info"]

CODES: dict[str, Severity] = {
    "CL001": "error",
    "CL002": "warning",
    "CL010": "warning",
    "CL011": "info",
    "CL012": "warning",
    "CL013": "warning",
    "CL020": "warning",
    "CL021": "warning",
    "CL022": "warning",
    "CL023": "warning",
    "CL030": "warning",
    "CL040": "error",
    "CL041": "warning",
}


@value
class Finding:
    """One problem: where it is, why it matters, and what to do."""

    code: str
    source: str
    line: int | None
    message: str
    fix: str

    @property
    def severity(self) -> Severity:
        return CODES[self.code]

    @property
    def text(self) -> str:
        where = self.source + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.code} {self.severity}: {self.message} (fix: {self.fix})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "source": self.source,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }


# -- secrets and transport, read from the raw text (comments included) --------------------

_TOKENS = (
    (re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}"), "a GitHub token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{40,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{40,}"), "a PyPI API token"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), "a Hugging Face token"),
)
_URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://([^/\s:@]+)(:[^/\s@]*)?@", re.I)
_ENV_REFERENCE = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$")
_PLAIN_HTTP = re.compile(r"http://(?!localhost[:/]|127\.0\.0\.1[:/]|\[::1\][:/])[^\s'\"]+", re.I)


def _text_findings(source: str, text: str) -> Iterable[Finding]:
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in _TOKENS:
            if pattern.search(line):
                yield Finding(
                    "CL001",
                    source,
                    number,
                    f"{what} is written in the file",
                    "remove it, revoke it, and pass it at install time (an environment "
                    "variable, a keyring or a .netrc)",
                )
        for match in _URL_CREDENTIALS.finditer(line):
            user, password = match.group(1), (match.group(2) or "")[1:]
            secret = password or user
            if _ENV_REFERENCE.match(secret) or secret == "****":
                continue
            yield Finding(
                "CL001",
                source,
                number,
                "a URL carries a user name or password",
                "use ${ENV_VAR} in its place, or a keyring or .netrc; compatlib "
                "never writes credentials into a lock",
            )
        if _PLAIN_HTTP.search(line) and not line.lstrip().startswith("#"):
            yield Finding(
                "CL002",
                source,
                number,
                "packages come over plain http: anyone on the path can replace them",
                "use https (and hashes: compatlib lock writes them)",
            )
        if "--trusted-host" in line and not line.lstrip().startswith("#"):
            yield Finding(
                "CL002",
                source,
                number,
                "--trusted-host turns off certificate checks for a host",
                "serve the index over https with a valid certificate",
            )


# -- pip requirements -----------------------------------------------------------------------


def _pip_findings(spec: Spec) -> Iterable[Finding]:
    for req in spec.pip:
        loc = req.location
        if req.url is not None or (req.requirement is not None and req.requirement.url):
            url = req.url or (req.requirement.url if req.requirement is not None else "") or ""
            if not _pinned_url(url) and not req.hashes:
                yield _at(
                    "CL013",
                    loc,
                    f"{req.text!r} follows a branch or an unhashed file",
                    "pin a commit (git+https://...@<sha>) or add --hash",
                )
            continue
        if req.requirement is None or req.editable:
            continue
        specifier = str(req.requirement.specifier)
        if not specifier:
            yield _at(
                "CL010",
                loc,
                f"{req.requirement.name} has no version constraint: each install may differ",
                f"pin it ({req.requirement.name}==X.Y.Z) or lock the spec with compatlib lock",
            )
        elif not any(op in specifier for op in ("==", "===", "~=")) or "*" in specifier:
            yield _at(
                "CL011",
                loc,
                f"{req.requirement.name}{specifier} allows future releases",
                "lock the spec with compatlib lock, or pin the version",
            )


def _pinned_url(url: str) -> bool:
    if url.startswith(("git+", "hg+", "svn+", "bzr+")):
        ref = url.split("#", 1)[0].rpartition("@")[2]
        return bool(re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", ref))
    return "#sha256=" in url or "#sha384=" in url or "#sha512=" in url


def _at(code: str, loc: Location, message: str, fix: str) -> Finding:
    return Finding(code, loc.source, loc.line, message, fix)


# -- conda environments ---------------------------------------------------------------------

_CONDA_BASICS = frozenset({"python", "pip"})


def _conda_findings(spec: Spec) -> Iterable[Finding]:
    if not spec.conda:
        return
    names: dict[str, Location] = {}
    for dep in spec.conda:
        name = (dep.name or "").lower()
        names.setdefault(name, dep.location)
        bare = re.fullmatch(r"[A-Za-z0-9_.\-]+(::[A-Za-z0-9_.\-]+)?", dep.spec.strip())
        if bare and name not in _CONDA_BASICS:
            yield _at(
                "CL012",
                dep.location,
                f"conda package {dep.spec!r} has no version",
                f"give a version ({name}=X.Y) or lock the environment with compatlib lock",
            )
    if "python" not in names and not spec.python:
        yield Finding(
            "CL023",
            spec.source,
            None,
            "the environment does not say which Python it needs",
            "add python=3.X to dependencies",
        )
    if spec.pip and "pip" not in names:
        yield Finding(
            "CL022",
            spec.source,
            spec.pip[0].location.line,
            "a pip: section without pip among the conda dependencies",
            "add pip to dependencies, so conda installs the pip that runs it",
        )
    yield from _channel_findings(spec)
    yield from _both_managers(spec, names)


def _channel_findings(spec: Spec) -> Iterable[Finding]:
    channels = [c.value for c in spec.channels]
    names = {c.rstrip("/").rsplit("/", 1)[-1] for c in channels}
    defaults = names & {"defaults", "main", "anaconda", "r", "msys2"}
    forge = "conda-forge" in names
    first = spec.channels[0].location if spec.channels else Location(spec.source)
    if forge and defaults:
        yield _at(
            "CL021",
            first,
            f"conda-forge is mixed with {', '.join(sorted(defaults))}: their builds are not "
            "made to work together",
            "keep one of them (and add nodefaults when it is conda-forge)",
        )
    elif forge and not spec.nodefaults:
        yield _at(
            "CL021",
            first,
            "conda adds the defaults channel unless the file says nodefaults",
            "add nodefaults to channels",
        )


def _both_managers(spec: Spec, conda_names: dict[str, Location]) -> Iterable[Finding]:
    # lazy: only _both_managers needs compatlib.resolve.providers.mixed, which loads 36 modules that importing this one does not
    from compatlib.resolve.providers.mixed import load_mapping

    to_pypi = load_mapping()
    pypi_of = {canonicalize_name(to_pypi.get(name, name)): name for name in conda_names}
    for req in spec.pip:
        if req.requirement is None:
            continue
        name = canonicalize_name(req.requirement.name)
        if name in pypi_of and pypi_of[name] not in _CONDA_BASICS:
            yield _at(
                "CL020",
                req.location,
                f"{req.requirement.name} comes from pip and conda ({pypi_of[name]}): one "
                "overwrites the other's files",
                "keep it in one place (conda when conda packages depend on it)",
            )


# -- the ML stack -------------------------------------------------------------------------

_CUDA_RELEASE = re.compile(
    r"^(?:pytorch-cuda|cuda-version|cudatoolkit|cuda-toolkit)\s*[=<>~!]*\s*(\d+\.\d+)"
)
_CUDA_MAJOR = re.compile(r"^nvidia-[a-z-]+-cu(\d{2})\b")  # nvidia-cublas-cu12
_CUDA_LOCAL = re.compile(r"^\S+==[^;]*\+cu(\d{2,3})\b")  # torch==2.1.2+cu121, +cu92


def _cuda_of(text: str) -> tuple[str, str] | None:
    """The CUDA a package is built for: how to say it, and the release whose driver
    floor applies (``cu12`` packages run on any 12.x: ``("12.x", "12.0")``)."""
    line = text.strip().lower()
    if m := _CUDA_RELEASE.match(line):
        return m.group(1), m.group(1)
    if m := _CUDA_MAJOR.match(line):
        return f"{m.group(1)}.x", f"{m.group(1)}.0"
    if m := _CUDA_LOCAL.match(line):  # the last digit is the minor release
        digits = m.group(1)
        release = f"{digits[:-1]}.{digits[-1]}"
        return release, release
    return None


def _cuda_findings(spec: Spec) -> Iterable[Finding]:
    # lazy: only _cuda_findings needs compatlib.stack.knowledge, which loads 6 modules that importing this one does not
    from compatlib.stack.knowledge import min_driver

    items = [(d.spec, d.location) for d in spec.conda] + [(p.text, p.location) for p in spec.pip]
    seen: set[str] = set()
    for text, loc in items:
        found = _cuda_of(text)
        if found is None or found[0] in seen:
            continue
        cuda, release = found
        seen.add(cuda)
        try:
            floor = min_driver(release, compatibility="minor")
        except InputError:
            floor = None
        need = f"an NVIDIA driver >= {floor}" if floor else "an NVIDIA driver that supports it"
        yield _at(
            "CL030",
            loc,
            f"{text.strip()!r} is built for CUDA {cuda}: it needs {need} on the machine",
            "state the machine when locking (compatlib lock --system driver=X or an Azure VM "
            "preset) so the lock records and checks it",
        )


# -- Azure ML ---------------------------------------------------------------------------------


def _image_findings(image: str | None, source: str, line: int | None) -> Iterable[Finding]:
    if not image:
        return
    # lazy: only _image_findings needs compatlib.stack.knowledge, which loads 6 modules that importing this one does not
    from compatlib.stack.knowledge import azure_images

    name, _, tag = image.partition(":")
    if not tag or tag == "latest":
        yield Finding(
            "CL041",
            source,
            line,
            f"image {image!r} follows 'latest': rebuilds pick up whatever it points to then",
            "pin the image by a dated tag or a digest (@sha256:...)",
        )
    for known in azure_images():
        if known.name == name and known.status in ("deprecated", "retired"):
            yield Finding(
                "CL040",
                source,
                line,
                f"image {name} is {known.status}" + (f" ({known.note})" if known.note else ""),
                "move to a current Azure ML base image (compatlib stack lists them)",
            )


# -- entry points -----------------------------------------------------------------------------


def diagnose_spec(spec: Spec, texts: dict[str, str]) -> list[Finding]:
    """The findings for one read spec, given the raw text of each file it was read
    from (``texts``: path -> text), sorted by file, line and code."""
    found: list[Finding] = []
    for source, text in sorted(texts.items()):
        found += _text_findings(source, text)
    found += _pip_findings(spec)
    found += _conda_findings(spec)
    found += _cuda_findings(spec)
    if spec.image is not None:
        found += _image_findings(
            spec.image.value, spec.image.location.source, spec.image.location.line
        )
    unique = {(f.code, f.source, f.line, f.message): f for f in found}
    return sorted(unique.values(), key=lambda f: (f.source, f.line or 0, f.code, f.message))


def diagnose(paths: Sequence[str | Path]) -> list[Finding]:
    """Read each spec file as ``compatlib lock`` would and return every finding.

    Each file is read once: the text the reader parsed is the text scanned for
    tokens and plain http (kept as it is read, :func:`compatlib._input.recorded_reads`).
    """
    # lazy: only diagnose needs compatlib._input, which loads 1 module that importing this one does not
    from compatlib._input import decode_text, read_text, recorded_reads

    findings: list[Finding] = []
    for path in paths:
        with recorded_reads() as reads:
            spec = read_spec(path)
        texts: dict[str, str] = {}
        for file in spec.sources or (str(path),):
            data = reads.get(file)
            # a file the reader named but did not read itself is read here
            texts[file] = (
                read_text(file, what="spec file")
                if data is None
                else decode_text(data, source=file, what="spec file")
            )
        findings += diagnose_spec(spec, texts)
    return findings
