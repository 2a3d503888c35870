"""Check a live Python environment against a lock.

:func:`check_environment` answers "is this environment the one the lock
describes?" for an interpreter (this one, or any other by path, such as a
virtual environment's ``bin/python``), with findings as data:

* **platform**: the interpreter's platform is one the lock was made for;
* **python**: its version is the lock target's (``3.11`` matches any 3.11.x);
* **package**: every pip package the lock pins for that platform is installed
  at exactly the locked version (local labels included); packages installed
  but not in the lock are reported as warnings (``pip``, ``setuptools`` and
  ``wheel`` aside);
* **consistency**: every installed distribution's requirements (markers
  evaluated for that interpreter) are met by what is installed, as
  ``pip check`` does;
* **system**: the machine meets the lock's system requirements for the
  platform (glibc, NVIDIA driver, GPU compute capability), from a given
  :class:`~compatlib.stack.profile.SystemProfile` or from detection.

The interpreter is asked once, in a subprocess, for its version, platform
and installed distributions; nothing is imported into it. This module only
reads and compares.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from compatlib._values import value
from compatlib.errors import CompatError, InputError
from compatlib.values.dotted import satisfies

if TYPE_CHECKING:
    from compatlib.adapters.probe import ProbeFacts
    from compatlib.lock.model import Lock
    from compatlib.stack.profile import SystemProfile

__all__ = [
    "Check",
    "EnvironmentFacts",
    "EnvironmentReport",
    "Finding",
    "Severity",
    "check_environment",
    "parse_environment_answer",
    "probe_environment",
]

#: what a finding is about: the lock comparison's checks, then the probe's
Check = Literal[
    "platform", "python", "package", "consistency", "system", "framework", "gpu", "determinism"
]
#: an error: the environment is not the locked one, or will fail
Severity = Literal["error", "warning"]

_TOOLS = frozenset({"pip", "setuptools", "wheel", "distribute"})

# Run inside the interpreter being checked: standard library only, any Python >= 3.8.
_PROBE = r"""
import glob, json, os, platform, sys
from importlib import metadata
dists = []
for d in metadata.distributions():
    name = d.metadata.get("Name")
    if name:
        dists.append([name, d.version, list(d.requires or [])])
conda = None
meta = os.path.join(sys.prefix, "conda-meta")
if os.path.isdir(meta):
    conda = []
    for path in sorted(glob.glob(os.path.join(meta, "*.json"))):
        try:
            with open(path, encoding="utf-8") as fh:
                rec = json.load(fh)
            conda.append([rec["name"], rec["version"], rec.get("build", "")])
        except (OSError, ValueError, KeyError, TypeError):
            pass
print(json.dumps({
    "python": platform.python_version(),
    "implementation": sys.implementation.name,
    "sys_platform": sys.platform,
    "machine": platform.machine(),
    "glibc": (platform.libc_ver()[1] if platform.libc_ver()[0] == "glibc" else None),
    "distributions": dists,
    "conda": conda,
}))
"""


@value
class EnvironmentFacts:
    """What an interpreter says about itself: its version and platform, its
    installed distributions as ``(name, version, requirements)``, and, in a
    conda environment, the conda packages its ``conda-meta`` records as
    ``(name, version, build)`` (``None`` outside conda)."""

    python: str
    implementation: str
    sys_platform: str
    machine: str
    distributions: tuple[tuple[str, str, tuple[str, ...]], ...]
    glibc: str | None = None
    executable: str = ""
    conda: tuple[tuple[str, str, str], ...] | None = None

    @property
    def platform(self) -> str | None:
        """The conda subdir of this interpreter's platform, if it is a known one."""
        # lazy: the platform table loads only when asked
        from compatlib.values.target import PLATFORMS

        machine = self.machine.lower()
        for subdir, (sys_platform, _system, subdir_machine, _os) in PLATFORMS.items():
            if sys_platform == self.sys_platform and subdir_machine.lower() == machine:
                return subdir
        if self.sys_platform == "darwin" and machine == "arm64":
            return "osx-arm64"
        return None


@value
class Finding:
    """One difference between the environment and the lock.

    ``check`` is ``platform``, ``python``, ``package``, ``consistency`` or
    ``system``, and with the probe (:mod:`compatlib.adapters.probe`)
    ``framework``, ``gpu`` or ``determinism``; ``severity`` is ``error`` (the
    environment is not the locked one, or will fail) or ``warning``.
    """

    check: Check
    subject: str
    severity: Severity
    message: str
    expected: str | None = None
    found: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "check": self.check,
            "subject": self.subject,
            "severity": self.severity,
            "message": self.message,
        }
        if self.expected is not None:
            d["expected"] = self.expected
        if self.found is not None:
            d["found"] = self.found
        return d


@value
class EnvironmentReport:
    """The findings for one interpreter, and what was checked; ``probe`` holds
    what its frameworks said (with ``--probe``), ``system`` the machine the
    system checks and the probe used."""

    executable: str
    platform: str | None
    checked: tuple[str, ...]
    findings: tuple[Finding, ...]
    probe: ProbeFacts | None = None
    system: SystemProfile | None = None

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def text(self) -> str:
        if "platform" not in self.checked:  # the probe alone, without a lock
            head = f"{self.executable}: " + ("nothing wrong found" if self.ok else "problems found")
        elif self.ok:
            head = f"{self.executable} matches the lock"
        else:
            head = f"{self.executable} does not match the lock"
        lines = [head + f" (checked: {', '.join(self.checked)})"]
        extra = [f for f in self.findings if f.check == "package" and f.expected is None]
        for f in self.findings:
            if f in extra and len(extra) > 5:
                continue
            lines.append(f"  {f.severity}: {f.message}")
        if len(extra) > 5:
            names = ", ".join(f.subject for f in extra[:5])
            lines.append(
                f"  warning: {len(extra)} installed packages are not in the lock "
                f"({names}, ...; --json lists them)"
            )
        if self.probe is not None:
            # lazy: only a check with the probe needs it
            from compatlib.adapters.probe import probe_text

            lines.extend(probe_text(self.probe, self.system))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "executable": self.executable,
            "platform": self.platform,
            "ok": self.ok,
            "checked": list(self.checked),
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.probe is not None:
            d["probe"] = self.probe.to_dict()
            if self.system is not None:
                d["probe"]["driver"] = self.system.driver
        return d


def probe_environment(python: str | None = None, *, timeout: float = 60.0) -> EnvironmentFacts:
    """Ask interpreter ``python`` (default: this one) about itself."""
    executable = python or sys.executable
    try:
        proc = subprocess.run(
            [executable, "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(
            f"cannot run {executable}: {exc}", field="python", expected="a Python interpreter"
        ) from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(
            f"{executable} failed to describe itself: {last}",
            field="python",
            expected="a Python 3.8+ interpreter",
        )
    return parse_environment_answer(proc.stdout, executable)


def parse_environment_answer(stdout: str, executable: str) -> EnvironmentFacts:
    """The :class:`EnvironmentFacts` in what the probe printed in ``executable``.

    The text comes from another interpreter, so anything but the expected JSON
    is a :class:`~compatlib.errors.CompatError`.
    """
    # lazy: only _input's bounded JSON reader is needed, and only here
    from compatlib._input import load_json

    data = load_json(stdout, source=executable, what="unexpected answer")
    try:
        dists = tuple(
            (str(name), str(version), tuple(str(r) for r in _listed(requires)))
            for name, version, requires in _listed(data["distributions"])
        )
        conda_raw = data.get("conda")
        conda = (
            None
            if conda_raw is None
            else tuple(sorted((str(n), str(v), str(b)) for n, v, b in _listed(conda_raw)))
        )
        return EnvironmentFacts(
            conda=conda,
            python=str(data["python"]),
            implementation=str(data["implementation"]),
            sys_platform=str(data["sys_platform"]),
            machine=str(data["machine"]),
            distributions=tuple(sorted(dists)),
            glibc=str(data["glibc"]) if data.get("glibc") else None,
            executable=executable,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CompatError(f"unexpected answer from {executable}: {exc}") from None


def _listed(v: Any) -> list[Any]:
    """A JSON array (a string would unpack character by character)."""
    if not isinstance(v, list):
        raise TypeError(f"{type(v).__name__} where a list belongs")
    return v


def check_environment(
    lock: Lock,
    facts: EnvironmentFacts | None = None,
    *,
    python: str | None = None,
    system: SystemProfile | None = None,
    check_system: bool = True,
    extra_ok: Sequence[str] = (),
    strict: bool = False,
    probe: ProbeFacts | bool = False,
) -> EnvironmentReport:
    """Compare an interpreter's environment with ``lock`` (see the module docstring).

    ``facts`` (from :func:`probe_environment`) or ``python`` (an interpreter to
    probe; default this one) say what is installed. ``system`` is the machine
    to check the lock's system requirements against; ``None`` detects it
    (:func:`compatlib.stack.detect.detect`). ``extra_ok`` names installed
    packages that may be present without being locked; with ``strict`` any
    other such package is an error, not a warning. ``probe`` adds the checks of
    :mod:`compatlib.adapters.probe` (the locked frameworks imported in that
    interpreter, their GPUs and determinism settings): ``True`` probes it in a
    subprocess, or pass the :class:`~compatlib.adapters.probe.ProbeFacts`
    already gathered.
    """
    if facts is None:
        facts = probe_environment(python)
    findings: list[Finding] = []
    checked = ["platform"]
    platform = _lock_platform(lock, facts)
    if isinstance(platform, Finding):
        return EnvironmentReport(facts.executable, facts.platform, tuple(checked), (platform,))

    checked.append("python")
    findings.extend(_python_findings(lock, platform, facts))

    checked.append("packages")
    installed = _installed(facts)
    findings.extend(_package_findings(lock, platform, facts, installed, extra_ok, strict))

    checked.append("consistency")
    findings.extend(_consistency(facts, installed))

    if check_system and (lock.system_requirements.get(platform) or probe is not False):
        if system is None:
            # lazy: the machine is detected only when no profile is given
            from compatlib.stack.detect import detect

            system = detect()
        if lock.system_requirements.get(platform):
            checked.append("system")
            findings.extend(_system(lock.system_requirements[platform], system, facts))
    if probe is False:
        return EnvironmentReport(facts.executable, platform, tuple(checked), tuple(findings))
    # lazy: only a check with the probe needs it
    from compatlib.adapters.probe import locked_frameworks, probe_findings, probe_frameworks

    if probe is True:
        probe = probe_frameworks(
            python or facts.executable, frameworks=locked_frameworks(lock, platform)
        )
    checked.append("probe")
    findings.extend(probe_findings(probe, lock=lock, platform=platform, system=system))
    return EnvironmentReport(
        facts.executable,
        platform,
        tuple(checked),
        tuple(findings),
        probe=probe,
        system=system if check_system else None,
    )


def _lock_platform(lock: Lock, facts: EnvironmentFacts) -> str | Finding:
    """The interpreter's platform, or an error when the lock is not made for it."""
    platforms = sorted({p.platform for p in lock.packages} | _target_platforms(lock))
    platform = facts.platform
    if platform is not None and platform in platforms:
        return platform
    return Finding(
        "platform",
        platform or f"{facts.sys_platform}/{facts.machine}",
        "error",
        f"the lock is for {', '.join(platforms) or 'no platform'}; this interpreter "
        f"runs on {platform or facts.sys_platform + ' ' + facts.machine}",
        ", ".join(platforms),
        platform,
    )


def _python_findings(lock: Lock, platform: str, facts: EnvironmentFacts) -> list[Finding]:
    """The interpreter's Python against the lock's: its target's, or the range
    a universal lock covers."""
    wanted = _target_python(lock, platform)
    universal = lock.metadata.get("universal")
    if isinstance(universal, str):  # a universal lock covers a range of Pythons
        # lazy: the version parsers load only when compared
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import Version

        try:
            covered = SpecifierSet(universal).contains(Version(facts.python), prereleases=True)
        except (InvalidSpecifier, ValueError):
            covered = False
        if not covered:
            return [
                Finding(
                    "python",
                    "python",
                    "error",
                    f"the lock covers Python {universal}; this interpreter is Python "
                    f"{facts.python}",
                    universal,
                    facts.python,
                )
            ]
    elif wanted is not None and not _same_python(wanted, facts.python):
        return [
            Finding(
                "python",
                "python",
                "error",
                f"the lock is for Python {wanted}; this interpreter is Python {facts.python}",
                wanted,
                facts.python,
            )
        ]
    return []


def _installed(facts: EnvironmentFacts) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """The installed distributions by normalized name: (name, version, requires)."""
    # lazy: the name rules load only when compared
    from compatlib.values.filenames import canonicalize_name

    return {str(canonicalize_name(n)): (n, v, reqs) for n, v, reqs in facts.distributions}


def _package_findings(
    lock: Lock,
    platform: str,
    facts: EnvironmentFacts,
    installed: Mapping[str, tuple[str, str, tuple[str, ...]]],
    extra_ok: Sequence[str],
    strict: bool,
) -> list[Finding]:
    """Locked pip packages missing or at another version, the conda packages,
    and installed packages the lock does not name."""
    # lazy: the name rules load only when compared
    from compatlib.values.filenames import canonicalize_name

    findings: list[Finding] = []
    env = _marker_environment(facts)  # "extra" is ""
    locked = {
        str(canonicalize_name(p.name)): p
        for p in lock.packages
        if p.platform == platform and p.manager == "pip" and _applies(p.marker, env)
    }
    for name, pkg in sorted(locked.items()):
        have = installed.get(name)
        if have is None:
            findings.append(
                Finding(
                    "package",
                    name,
                    "error",
                    f"{name} {pkg.version} is locked but not installed",
                    pkg.version,
                    None,
                )
            )
        elif not _same_version(have[1], pkg.version):
            findings.append(
                Finding(
                    "package",
                    name,
                    "error",
                    f"{name} is {have[1]}; the lock pins {pkg.version}",
                    pkg.version,
                    have[1],
                )
            )
    findings.extend(_conda_packages(lock, platform, facts))
    allowed_extra = {str(canonicalize_name(n)) for n in extra_ok} | _TOOLS
    conda_names = _conda_as_pypi(
        [p.name for p in lock.packages if p.platform == platform and p.manager == "conda"]
    )
    for name in sorted(set(installed) - set(locked) - allowed_extra - conda_names):
        findings.append(
            Finding(
                "package",
                name,
                "error" if strict else "warning",
                f"{name} {installed[name][1]} is installed but not in the lock",
                None,
                installed[name][1],
            )
        )
    return findings


def _applies(marker: str | None, env: Mapping[str, str]) -> bool:
    """Does a universal lock's package marker hold for this interpreter?"""
    if marker is None:
        return True
    # lazy: markers are parsed only in universal locks
    from compatlib.values.pep508 import Marker

    return Marker(marker).evaluate(dict(env))


def _conda_packages(lock: Lock, platform: str, facts: EnvironmentFacts) -> list[Finding]:
    """The lock's conda packages against the environment's ``conda-meta`` records."""
    locked = [p for p in lock.packages if p.platform == platform and p.manager == "conda"]
    if not locked:
        return []
    if facts.conda is None:
        return [
            Finding(
                "package",
                "conda",
                "error",
                f"the lock has {len(locked)} conda packages, but {facts.executable} is not "
                "in a conda environment (no conda-meta)",
                "a conda environment",
                None,
            )
        ]
    have = {name: (version, build) for name, version, build in facts.conda}
    out: list[Finding] = []
    for p in sorted(locked, key=lambda p: p.name):
        found = have.get(p.name)
        want = f"{p.version}={p.build}" if p.build else p.version
        if found is None:
            out.append(
                Finding(
                    "package",
                    p.name,
                    "error",
                    f"conda package {p.name} {want} is locked but not installed",
                    want,
                    None,
                )
            )
        elif found[0] != p.version or (p.build and found[1] != p.build):
            shown = f"{found[0]}={found[1]}" if found[1] else found[0]
            out.append(
                Finding(
                    "package",
                    p.name,
                    "error",
                    f"conda package {p.name} is {shown}; the lock pins {want}",
                    want,
                    shown,
                )
            )
    return out


def _conda_as_pypi(names: Sequence[str]) -> set[str]:
    """The PyPI names conda packages show up under in ``importlib.metadata``
    (``pytorch`` is ``torch``), through compatlib's conda <-> PyPI mapping."""
    # lazy: the name rules load only when compared
    from compatlib.values.filenames import canonicalize_name

    if not names:
        return set()
    # lazy: the conda <-> PyPI mapping loads only for conda packages
    from compatlib.resolve.providers.mixed import load_mapping

    mapping = load_mapping()
    return {str(canonicalize_name(mapping.get(n.lower(), n))) for n in names}


def _target_platforms(lock: Lock) -> set[str]:
    return {str(t["platform"]) for t in lock.targets if t.get("platform")}


def _target_python(lock: Lock, platform: str) -> str | None:
    python = lock.target_value(platform, "python")
    return str(python) if python is not None else None


def _same_python(wanted: str, found: str) -> bool:
    """``3.11`` matches any 3.11.x; ``3.11.4`` only itself."""
    want = wanted.split(".")
    return found.split(".")[: len(want)] == want


def _same_version(installed: str, locked: str) -> bool:
    # lazy: the version parsers load only when compared
    from packaging.version import InvalidVersion, Version

    try:
        return Version(installed) == Version(locked)
    except InvalidVersion:
        return installed == locked


def _consistency(
    facts: EnvironmentFacts, installed: Mapping[str, tuple[str, str, tuple[str, ...]]]
) -> list[Finding]:
    # lazy: the version parsers load only when compared
    from packaging.version import InvalidVersion, Version

    # lazy: the name rules load only when compared
    from compatlib.values.filenames import canonicalize_name

    # lazy: requirements are parsed only for the consistency check
    from compatlib.values.pep508 import InvalidRequirement, parse_requirement

    env = _marker_environment(facts)
    out: list[Finding] = []
    for name, (shown, version, requires) in sorted(installed.items()):
        for text in requires:
            try:
                req = parse_requirement(text)
            except InvalidRequirement:
                continue  # pip check ignores what it cannot parse, too
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            dep = canonicalize_name(req.name)
            have = installed.get(dep)
            if have is None:
                out.append(
                    Finding(
                        "consistency",
                        name,
                        "error",
                        f"{shown} {version} requires {text}, which is not installed",
                        text,
                        None,
                    )
                )
                continue
            try:
                ok = req.specifier.contains(Version(have[1]), prereleases=True)
            except InvalidVersion:
                ok = False
            if not ok:
                out.append(
                    Finding(
                        "consistency",
                        name,
                        "error",
                        f"{shown} {version} requires {text}, but {have[0]} {have[1]} is installed",
                        text,
                        have[1],
                    )
                )
    return out


def _marker_environment(facts: EnvironmentFacts) -> dict[str, str]:
    """The interpreter's PEP 508 marker variables: its target's, with the
    platform values it reported itself."""
    # lazy: with the consistency check
    from compatlib.values.target import Target

    target = Target(
        python=facts.python,
        platform=facts.platform,
        implementation=facts.implementation,
        markers=(("platform_machine", facts.machine), ("sys_platform", facts.sys_platform)),
    )
    return target.marker_environment()


def _system(
    needs: Mapping[str, str], system: SystemProfile, facts: EnvironmentFacts
) -> list[Finding]:
    out: list[Finding] = []
    known: dict[str, tuple[str, list[str]]] = {
        "glibc": ("glibc", [v for v in (system.glibc or facts.glibc,) if v]),
        "nvidia_driver": ("NVIDIA driver", [str(system.driver)] if system.driver else []),
        "cuda_arch": ("GPU compute capability", [str(g) for g in system.gpus]),
    }
    open_cuda = False
    if "nvidia_driver" not in needs:
        # a conda lock states the driver as the CUDA it must support (__cuda)
        try:
            support = system.cuda_support()
        except CompatError:
            support = None
        max_cuda = support.version if support is not None else None
        known["cuda"] = ("CUDA the NVIDIA driver supports", [max_cuda] if max_cuda else [])
        # a driver beyond the data runs that CUDA or newer: a floor above it is unknown
        open_cuda = support is not None and support.open
    for key, requirement in sorted(needs.items()):
        if key not in known:
            continue  # "cuda" next to "nvidia_driver": checked through the driver
        label, values = known[key]
        if not values:
            out.append(
                Finding(
                    "system",
                    key,
                    "warning",
                    f"the lock needs {label} {requirement}; this machine's is unknown",
                    requirement,
                    None,
                )
            )
            continue
        for found in values:
            verdict = satisfies(requirement, found)
            if verdict is False and key == "cuda" and open_cuda:
                verdict, found = None, f"{found} or newer (beyond compatlib's data)"
            if verdict is False:
                out.append(
                    Finding(
                        "system",
                        key,
                        "error",
                        f"the lock needs {label} {requirement}; this machine has {found}",
                        requirement,
                        found,
                    )
                )
            elif verdict is None:
                out.append(
                    Finding(
                        "system",
                        key,
                        "warning",
                        f"cannot tell whether {label} {found} meets {requirement!r}",
                        requirement,
                        found,
                    )
                )
    return out
