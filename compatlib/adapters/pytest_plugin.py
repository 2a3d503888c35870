"""A pytest plugin: a test session fails at its start when the environment
running it is not the one its lock describes.

``pytest --compatlib-lock lock.json`` (or ``compatlib_lock = lock.json`` in the
pytest configuration) runs :func:`compatlib.adapters.check.check_environment`
for the interpreter running pytest before any test: a mismatch (a package at
another version, a missing one, the wrong Python, a machine below the lock's
system requirements) ends the session with exit code 1 and the findings, so
no test result is read from the wrong environment. ``--compatlib-probe`` adds
the framework and GPU checks of :mod:`compatlib.adapters.probe`;
``--compatlib-no-system`` skips the machine checks; ``--compatlib-strict``
makes unlocked packages errors. A lock that cannot be read, or an environment
that cannot be probed, is a usage error (exit 4). The header of the run says what was checked.

Registered through the ``pytest11`` entry point ``compatlib``, so installing
compatlib makes the options available (``-p no:compatlib`` turns it off); with
no lock given it does nothing. Under pytest-xdist only the controller checks.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from compatlib.adapters.check import EnvironmentReport

__all__ = [
    "pytest_addoption",
    "pytest_report_header",
    "pytest_sessionstart",
]

#: the lock checked and the report, for the run's header
_REPORT = pytest.StashKey[tuple[str, "EnvironmentReport"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("compatlib", "compatlib: the environment against its lock")
    group.addoption(
        "--compatlib-lock",
        metavar="LOCK",
        help="fail the session unless this environment matches LOCK (a compatlib JSON lock)",
    )
    group.addoption(
        "--compatlib-probe",
        action="store_true",
        help="also import the locked frameworks and check their GPUs, kernels and determinism",
    )
    group.addoption(
        "--compatlib-no-system",
        action="store_true",
        help="skip the glibc/driver/GPU checks against the lock's system requirements",
    )
    group.addoption(
        "--compatlib-strict",
        action="store_true",
        help="installed packages the lock does not name are errors",
    )
    parser.addini("compatlib_lock", "a compatlib JSON lock the environment must match", default="")


def _lock_path(config: pytest.Config) -> str | None:
    given = config.getoption("compatlib_lock") or config.getini("compatlib_lock")
    if not given:
        return None
    if config.getoption("compatlib_lock"):
        return str(given)
    return str(config.rootpath / str(given))  # an ini path is relative to the rootdir


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    path = _lock_path(config)
    if path is None or hasattr(config, "workerinput"):  # xdist workers: the controller checks
        return
    # lazy: a session that names no lock pays nothing for the plugin
    from compatlib.adapters.check import check_environment
    from compatlib.errors import CompatError
    from compatlib.lock.model import read_lock

    try:
        report = check_environment(
            read_lock(path),
            check_system=not config.getoption("compatlib_no_system"),
            strict=bool(config.getoption("compatlib_strict")),
            probe=bool(config.getoption("compatlib_probe")),
        )
    except (CompatError, OSError) as exc:  # also an interpreter that cannot be probed
        raise pytest.UsageError(f"--compatlib-lock {path}: {exc}") from None
    config.stash[_REPORT] = (path, report)
    if not report.ok:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(report.text, red=True)
        else:  # -p no:terminal: the exit message is all that is printed
            print(report.text, file=sys.stderr)
        pytest.exit(
            f"this environment does not match {path}; no test was run",
            returncode=pytest.ExitCode.TESTS_FAILED,
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    found = config.stash.get(_REPORT, None)
    if found is None:
        return []
    path, report = found
    warnings = sum(1 for f in report.findings if f.severity == "warning")
    line = f"compatlib: matches {path} (checked: {', '.join(report.checked)})"
    if warnings:
        line += f"; {warnings} warning(s): compatlib check {path} lists them"
    return [line]
