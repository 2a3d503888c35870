"""``build_lock(LockRequest(...))``: the lock ``compatlib lock`` writes, from Python."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

for _builders in ("pypi", "conda"):
    _folder = str(Path(__file__).resolve().parents[1] / "sources" / _builders)
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from conda_builders import tiny_channel  # noqa: E402
from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import lock as lock_cmd  # noqa: E402
from compatlib.errors import InputError  # noqa: E402
from compatlib.lock.build import LockRequest, build_lock  # noqa: E402
from compatlib.lock.render import render  # noqa: E402
from compatlib.solver.errors import UnsatisfiableError  # noqa: E402
from compatlib.stack.profile import parse_system  # noqa: E402


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(folder, "web", "1.0", requires=["core>=1"])
    build_wheel(folder, "web", "1.1", requires=["core>=2"])
    build_wheel(folder, "core", "1.0")
    build_wheel(folder, "core", "2.0", "cp311-cp311-manylinux_2_17_x86_64")
    build_wheel(folder, "core", "2.1", "cp311-cp311-manylinux_2_39_x86_64")
    return folder


def _request(links: Path, tmp_path: Path, **changes: object) -> LockRequest:
    fields: dict[str, object] = {
        "find_links": (str(links),),
        "offline": True,
        "cache_dir": str(tmp_path / "cache"),
        "python": "3.11",
        "platforms": ("linux-64",),
    }
    fields.update(changes)
    return LockRequest(**fields)  # type: ignore[arg-type]


def test_same_bytes_as_the_command(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = build_lock(_request(links, tmp_path, requirements=("web",), system="glibc=2.36"))
    argv = ["web", "--find-links", str(links), "--offline", "--cache-dir", str(tmp_path / "cache")]
    argv += ["--python", "3.11", "--platform", "linux-64", "--system", "glibc=2.36"]
    assert lock_cmd.main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert render(lock, "json") == out
    assert [(p.name, p.version) for p in lock.packages] == [("core", "2.0"), ("web", "1.1")]


def test_files_paths_and_a_system_profile(links: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("core\n")
    request = _request(links, tmp_path, requirement_files=[req], system=parse_system("glibc=2.39"))
    lock = build_lock(request)
    assert [(p.name, p.version) for p in lock.packages] == [("core", "2.1")]
    assert lock.metadata["targets"][0]["glibc"] == "2.39"


def test_spec_platforms_and_python_pin_are_the_default_targets(links: Path, tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: t\ndependencies:\n  - python=3.11\n  - pip\n"
        f"  - pip:\n      - --find-links {links}\n      - web\n"
        "platforms: [linux-64, win-64]\n"
    )
    request = LockRequest(spec_files=(str(env),), offline=True, cache_dir=str(tmp_path / "c"))
    lock = build_lock(request)
    assert [(t["platform"], t["python"]) for t in lock.metadata["targets"]] == [
        ("linux-64", "3.11"),
        ("win-64", "3.11"),
    ]
    assert [(p.platform, p.name, p.version) for p in lock.packages] == [
        ("linux-64", "core", "2.0"),
        ("linux-64", "web", "1.1"),
        ("win-64", "core", "1.0"),
        ("win-64", "web", "1.0"),
    ]


def test_channels_make_a_conda_lock(tmp_path: Path) -> None:
    channel = tiny_channel(tmp_path / "chan")
    lock = build_lock(
        LockRequest(requirements=("tinyconda=1.0",), channels=(str(channel),), python="3.11")
    )
    assert [(p.manager, p.name, p.version) for p in lock.packages] == [
        ("conda", "python", "3.11.8"),
        ("conda", "tinyconda", "1.0"),
    ]
    assert lock.metadata["conda"] == ["tinyconda=1.0"]
    assert lock.metadata["channels"] == [str(channel)]
    assert "inputs_sha256" in lock.metadata


def test_request_is_an_immutable_value() -> None:
    a = LockRequest(requirements=["web"], platforms=["linux-64"])  # type: ignore[arg-type]
    b = LockRequest(requirements=("web",), platforms=("linux-64",))
    assert a == b
    assert hash(a) == hash(b)
    assert a.requirements == ("web",)
    with pytest.raises(AttributeError):
        a.python = "3.12"  # type: ignore[misc]
    with pytest.raises(InputError, match="requirements must be a sequence"):
        LockRequest(requirements="web")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "nothing to lock"),
        ({"requirements": ("web",), "requires_python": ">=3.10"}, "goes with --universal"),
        (
            {"requirements": ("web",), "snapshot": True, "indexes": ("https://x/simple",)},
            "--snapshot cannot be combined",
        ),
        ({"requirements": ("web==",)}, "web=="),
        ({"requirements": ("web",), "python": "3"}, "needs a minor version"),
    ],
)
def test_bad_requests_raise_input_errors(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        build_lock(LockRequest(**changes))  # type: ignore[arg-type]


def test_missing_files_and_conflicts_raise(links: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        build_lock(_request(links, tmp_path, spec_files=(str(tmp_path / "nope.yml"),)))
    with pytest.raises(IsADirectoryError):
        build_lock(_request(links, tmp_path, requirement_files=(str(tmp_path),)))
    with pytest.raises(UnsatisfiableError, match="core"):
        build_lock(_request(links, tmp_path, requirements=("web", "core<1")))
    channel = tiny_channel(tmp_path / "chan")
    with pytest.raises(InputError, match="--universal locks pip requirements"):
        build_lock(LockRequest(requirements=("x",), channels=(str(channel),), universal=True))
