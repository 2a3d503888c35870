"""compatlib.adapters.check: an environment's facts against a lock."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from compatlib._values import replace
from compatlib.adapters.check import (
    EnvironmentFacts,
    check_environment,
    parse_environment_answer,
    probe_environment,
)
from compatlib.cli import main
from compatlib.errors import CompatError, InputError
from compatlib.lock.model import Lock, LockedPackage, lock_from_dict, read_lock
from compatlib.stack.profile import parse_system


def _pkg(name: str, version: str, platform: str = "linux-64") -> LockedPackage:
    return LockedPackage(name=name, version=version, manager="pip", platform=platform)


def _lock(system: dict[str, str] | None = None, python: str = "3.11") -> Lock:
    return Lock.of(
        [_pkg("app", "1.0"), _pkg("Lib_X", "2.3.1+cu121"), _pkg("dep", "0.5")],
        system_requirements={"linux-64": system} if system else {},
        metadata={"targets": [{"platform": "linux-64", "python": python}]},
    )


def _facts(
    dists: list[tuple[str, str, tuple[str, ...]]],
    *,
    python: str = "3.11.7",
    sys_platform: str = "linux",
    machine: str = "x86_64",
) -> EnvironmentFacts:
    return EnvironmentFacts(
        python=python,
        implementation="cpython",
        sys_platform=sys_platform,
        machine=machine,
        distributions=tuple(dists),
        glibc="2.36",
        executable="/venv/bin/python",
    )


GOOD = [
    ("app", "1.0", ("lib-x>=2", "dep; python_version < '3.0'", "winonly; sys_platform == 'win32'")),
    ("lib.x", "2.3.1+cu121", ()),
    ("dep", "0.5", ()),
    ("pip", "24.0", ()),
]


def test_a_matching_environment() -> None:
    report = check_environment(_lock(), _facts(GOOD))
    assert report.ok
    assert report.findings == ()
    assert report.platform == "linux-64"
    assert report.checked == ("platform", "python", "packages", "consistency")
    assert "matches the lock" in report.text


def test_versions_missing_and_extra_packages() -> None:
    dists = [
        ("app", "1.0", ("lib-x>=3",)),
        ("lib-x", "2.3.1", ()),  # the local label differs: not the locked build
        ("extra", "9", ()),
    ]
    report = check_environment(_lock(), _facts(dists))
    assert not report.ok
    rows = {(f.check, f.subject, f.severity) for f in report.findings}
    assert ("package", "lib-x", "error") in rows
    assert ("package", "dep", "error") in rows  # locked, not installed
    assert ("package", "extra", "warning") in rows
    assert ("consistency", "app", "error") in rows  # needs lib-x>=3
    strict = check_environment(_lock(), _facts(dists), strict=True)
    assert ("package", "extra", "error") in {
        (f.check, f.subject, f.severity) for f in strict.findings
    }
    allowed = check_environment(_lock(), _facts(dists), extra_ok=["Extra"])
    assert "extra" not in {f.subject for f in allowed.findings}
    assert report.to_dict()["ok"] is False


def test_python_and_platform() -> None:
    report = check_environment(_lock(python="3.12"), _facts(GOOD))
    [finding] = report.findings
    assert finding.check == "python"
    assert finding.expected == "3.12"
    assert finding.found == "3.11.7"
    assert check_environment(_lock(python="3.11.7"), _facts(GOOD)).ok
    mac = check_environment(_lock(), _facts(GOOD, sys_platform="darwin", machine="arm64"))
    assert [f.check for f in mac.findings] == ["platform"]
    assert "osx-arm64" in mac.findings[0].message


def test_system_requirements() -> None:
    needs = {"glibc": ">=2.28", "nvidia_driver": ">=525.60.13", "cuda_arch": "one of 8.0, 9.0"}
    good = parse_system("glibc=2.35,driver=535.104.05,gpu=8.0")
    assert check_environment(_lock(needs), _facts(GOOD), system=good).ok
    old = parse_system("glibc=2.17,driver=470.82.01,gpu=7.5")
    report = check_environment(_lock(needs), _facts(GOOD), system=old)
    messages = sorted(f.message for f in report.findings)
    assert messages == [
        "the lock needs GPU compute capability one of 8.0, 9.0; this machine has 7.5",
        "the lock needs NVIDIA driver >=525.60.13; this machine has 470.82.01",
        "the lock needs glibc >=2.28; this machine has 2.17",
    ]
    unknown = check_environment(
        _lock({"nvidia_driver": ">=525.60.13, <600"}),
        _facts(GOOD),
        system=parse_system("os=ubuntu22.04"),
    )
    assert unknown.ok  # an unknown driver is a warning
    assert unknown.findings[0].severity == "warning"
    skipped = check_environment(_lock(needs), _facts(GOOD), system=old, check_system=False)
    assert skipped.ok


def test_probe_this_interpreter() -> None:
    facts = probe_environment()
    assert facts.python.startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    names = {n.lower() for n, _, _ in facts.distributions}
    assert "packaging" in names
    with pytest.raises(InputError, match="cannot run"):
        probe_environment("/nonexistent/python")


@pytest.mark.parametrize(
    "answer",
    ["", '"abc"', "[" * 100_000, '{"distributions": "abc"}', '{"distributions": [], "python": 3}'],
)
def test_a_malformed_answer_is_a_compat_error(answer: str) -> None:
    with pytest.raises(CompatError, match=r"unexpected answer|nested"):
        parse_environment_answer(answer, "/venv/bin/python")


def test_lock_reader_round_trip_and_errors(tmp_path: Path) -> None:
    lock = _lock({"glibc": ">=2.28"})
    path = tmp_path / "lock.json"
    path.write_text(lock.to_json())
    assert read_lock(path).to_json() == lock.to_json()
    with pytest.raises(InputError, match=r"packages\[0\]\.manager"):
        lock_from_dict(
            {
                "version": 1,
                "packages": [{"name": "a", "version": "1", "manager": "x", "platform": "p"}],
            },
            source="f.json",
        )
    with pytest.raises(InputError, match="unsupported lock version"):
        lock_from_dict({"version": 7, "packages": []})
    path.write_text("{not json")
    with pytest.raises(InputError, match="not a JSON lock"):
        read_lock(path)


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lock.json"
    path.write_text(
        Lock.of([], metadata={"targets": [{"platform": "win-64", "python": "3.11"}]}).to_json()
    )
    assert main(["check", str(path), "--no-system"]) == (0 if sys.platform == "win32" else 1)
    assert main(["check", str(path), "--json", "--no-system"]) in (0, 1)
    assert '"findings"' in capsys.readouterr().out
    path.write_text("[]")
    assert main(["check", str(path)]) == 2
    assert "malformed lock" in capsys.readouterr().err


def _conda(name: str, version: str, build: str) -> LockedPackage:
    return LockedPackage(
        name=name, version=version, manager="conda", platform="linux-64", build=build
    )


def test_conda_packages_against_conda_meta() -> None:
    lock = Lock.of(
        [_conda("python", "3.11.8", "h0"), _conda("pytorch", "2.3.1", "cuda121_0")],
        metadata={"targets": [{"platform": "linux-64", "python": "3.11"}]},
    )
    base = _facts([("torch", "2.3.1", ())])
    outside = check_environment(lock, base)
    assert [f.subject for f in outside.findings] == ["conda"]  # not a conda environment
    inside = replace(base, conda=(("python", "3.11.8", "h0"), ("pytorch", "2.3.1", "cuda118_0")))
    report = check_environment(lock, inside)
    [finding] = report.findings  # torch (pytorch's PyPI name) is not an unlocked extra
    assert finding.subject == "pytorch"
    assert finding.expected == "2.3.1=cuda121_0"
    assert finding.found == "2.3.1=cuda118_0"


def test_probe_reads_conda_meta(tmp_path: Path) -> None:
    import json
    import venv

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    (env / "conda-meta").mkdir()
    record = {"name": "libzlib", "version": "1.3.1", "build": "hb9d3cd8_2"}
    (env / "conda-meta" / "libzlib-1.3.1-hb9d3cd8_2.json").write_text(json.dumps(record))
    (env / "conda-meta" / "history").write_text("")
    (env / "conda-meta" / "broken.json").write_text("{")
    facts = probe_environment(str(env / "bin" / "python"))
    assert facts.conda == (("libzlib", "1.3.1", "hb9d3cd8_2"),)
    assert probe_environment().conda is None  # this venv is not a conda environment


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"targets": ["linux-64"]}, r"metadata\.targets\[0\]"),
        ({"targets": "linux-64"}, r"metadata\.targets"),
        ({"find_links": "/srv"}, r"metadata\.find_links"),
        ({"indexes": [1]}, r"metadata\.indexes"),
    ],
)
def test_malformed_lock_metadata_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metadata: dict[str, object], field: str
) -> None:
    import json

    with pytest.raises(InputError, match=field):
        lock_from_dict({"version": 1, "packages": [], "metadata": metadata})
    path = tmp_path / "lock.json"
    path.write_text(json.dumps({"version": 1, "packages": [], "metadata": metadata}))
    assert main(["export", str(path), "--format", "requirements"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        (">=2.28", "2.35", True),
        (">=525.60.13, <600", "470.82.01", False),
        ("==8.0 | ==9.0", "9.0", True),
        ("one of 8.0, 9.0", "7.5", False),
        (">=2.17,<3.0.a0", "2.35", True),  # a conda record's spec: below any 3.0
        (">=2.17,<3.0.a0", "3.0", False),
        ("*", "2.5", True),
        (">=1, garbage", "0.5", None),
    ],
)
def test_satisfies_reads_every_form_a_lock_writes(
    text: str, found: str, expected: bool | None
) -> None:
    from compatlib.values.dotted import satisfies

    assert satisfies(text, found) is expected


def test_conda_lock_needs_are_checked_like_pip_ones() -> None:
    needs = {"glibc": ">=2.38,<3.0.a0", "cuda": ">=12.0"}  # as conda_api states them
    old = parse_system("glibc=2.35,driver=470.82.01")
    report = check_environment(_lock(needs), _facts(GOOD), system=old)
    assert sorted(f.subject for f in report.findings if f.severity == "error") == ["cuda", "glibc"]
