"""compatlib.adapters.pytest_plugin: ``pytest --compatlib-lock LOCK``, run in
real pytest sessions through pytester."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest
import tomllib

from compatlib.adapters.check import probe_environment
from compatlib.lock.model import Lock, LockedPackage

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "compatlib.adapters.pytest_plugin"


def _plugin_args() -> list[str]:
    """``-p`` the plugin unless its entry point is installed (it then loads itself)."""
    installed = any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", PLUGIN]


def _lock(tmp_path: Path, version: str | None = None, python: str | None = None) -> Path:
    """A lock for this interpreter pinning ``packaging`` (at ``version``, default
    the installed one)."""
    facts = probe_environment()
    pin = LockedPackage(
        name="packaging",
        version=version or importlib.metadata.version("packaging"),
        manager="pip",
        platform=str(facts.platform),
    )
    lock = Lock.of(
        [pin],
        metadata={"targets": [{"platform": facts.platform, "python": python or facts.python}]},
    )
    path = tmp_path / "lock.json"
    path.write_text(lock.to_json())
    return path


def _session(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile("def test_one():\n    assert True\n")
    return pytester.runpytest_subprocess(*_plugin_args(), "--compatlib-no-system", *args)


def test_a_matching_environment_runs_its_tests(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = _session(pytester, "--compatlib-lock", str(_lock(tmp_path)))
    assert result.ret == 0
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["compatlib: matches *lock.json (checked: platform, python*"])


def test_a_mismatch_fails_the_session_before_any_test(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    result = _session(pytester, "--compatlib-lock", str(_lock(tmp_path, version="0.1")))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str() + result.stderr.str()
    assert "does not match" in output
    assert "no test was run" in output
    assert "packaging is " in output
    assert "the lock pins 0.1" in output
    assert "1 passed" not in output


def test_the_wrong_python_fails_too(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = _session(pytester, "--compatlib-lock", str(_lock(tmp_path, python="2.7")))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "the lock is for Python 2.7" in result.stdout.str() + result.stderr.str()


def test_the_lock_from_the_ini_file(pytester: pytest.Pytester, tmp_path: Path) -> None:
    lock = _lock(tmp_path, version="0.1")
    pytester.makeini(f"[pytest]\ncompatlib_lock = {lock.name}\n")
    (pytester.path / lock.name).write_text(lock.read_text())
    result = _session(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_bad_lock_is_a_usage_error_and_no_lock_does_nothing(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    result = _session(pytester, "--compatlib-lock", str(tmp_path / "missing.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "missing.json" in result.stderr.str()
    plain = _session(pytester)
    assert plain.ret == 0
    assert "compatlib:" not in plain.stdout.str()


def test_the_entry_point_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["pytest11"] == {"compatlib": PLUGIN}
    assert sys.modules.get(PLUGIN) is None or hasattr(sys.modules[PLUGIN], "pytest_addoption")
