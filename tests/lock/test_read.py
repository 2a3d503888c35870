"""``compatlib.lock.read``: a lock read back from each format compatlib writes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.errors import InputError  # noqa: E402
from compatlib.lock.build import LockRequest, build_lock  # noqa: E402
from compatlib.lock.model import Lock, LockedPackage  # noqa: E402
from compatlib.lock.pip import previous_pins  # noqa: E402
from compatlib.lock.read import READ_FORMATS, detect_format, parse_lock, read_lock_file  # noqa: E402
from compatlib.lock.render import FORMATS, render  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

LINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = "cp311-cp311-macosx_11_0_arm64"
_KEPT = ("inputs_sha256", "inputs_hash_version", "inputs_digests")


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(folder, "web", "1.1", requires=["core", "fast; sys_platform == 'linux'"])
    build_wheel(folder, "core", "2.0", LINUX)
    build_wheel(folder, "core", "2.0", MAC)
    build_wheel(folder, "fast", "0.3", LINUX)
    build_wheel(folder, "old", "1.0", requires_python="<3.12")
    build_wheel(folder, "old", "2.0", requires_python=">=3.12")
    return folder


def _lock(links: Path, tmp_path: Path, *platforms: str, **changes: object) -> Lock:
    fields: dict[str, object] = {
        "requirements": ("web",),
        "find_links": (str(links),),
        "offline": True,
        "cache_dir": str(tmp_path / "cache"),
        "python": "3.11",
        "platforms": platforms or ("linux-64",),
    }
    fields.update(changes)
    return build_lock(LockRequest(**fields))  # type: ignore[arg-type]


def _pins(lock: Lock) -> set[tuple[str, str, str]]:
    return {(p.platform, p.name, p.version) for p in lock.packages}


def test_every_rendering_is_read() -> None:
    assert set(READ_FORMATS) == set(FORMATS)


@pytest.mark.parametrize("fmt", ["json", "requirements", "pylock", "conda-lock"])
def test_multi_platform_formats_read_back(links: Path, tmp_path: Path, fmt: str) -> None:
    lock = _lock(links, tmp_path, "linux-64", "osx-arm64")
    text = render(lock, fmt)
    assert detect_format(text) == fmt
    back = parse_lock(text, source=f"lock.{fmt}")
    assert _pins(back) == _pins(lock)
    assert ("osx-arm64", "fast", "0.3") not in _pins(back)
    for key in _KEPT:
        assert back.metadata[key] == lock.metadata[key]
    assert [(t["platform"], t.get("python")) for t in back.metadata["targets"]] == [
        ("linux-64", "3.11"),
        ("osx-arm64", "3.11"),
    ]
    # the file each platform installs, and its hash
    if fmt in ("json", "pylock", "conda-lock"):
        files = {(p.platform, p.name, p.filename, p.hashes) for p in back.packages}
        assert files == {(p.platform, p.name, p.filename, p.hashes) for p in lock.packages}


@pytest.mark.parametrize("fmt", ["explicit", "environment"])
def test_one_platform_formats_read_back(links: Path, tmp_path: Path, fmt: str) -> None:
    lock = _lock(links, tmp_path, "linux-64")
    back = parse_lock(render(lock, fmt), source=f"lock.{fmt}")
    assert _pins(back) == _pins(lock)
    for key in _KEPT:
        assert back.metadata[key] == lock.metadata[key]
    if fmt == "explicit":  # pip packages as '# pip name @ url#sha256=' lines
        assert {(p.url, p.hashes) for p in back.packages} == {
            (p.url, p.hashes) for p in lock.packages
        }


def test_universal_lock_reads_back_with_its_python_markers(links: Path, tmp_path: Path) -> None:
    lock = _lock(
        links,
        tmp_path,
        "linux-64",
        requirements=("old<2 ; python_version < '3.12'", "old>=2 ; python_version >= '3.12'"),
        universal=True,
        requires_python=">=3.11,<3.14",
    )
    assert {(p.version, p.marker) for p in lock.packages} == {
        ("1.0", 'python_full_version < "3.12.0"'),
        ("2.0", 'python_full_version >= "3.12.0"'),
    }
    for fmt in ("requirements", "pylock"):
        back = parse_lock(render(lock, fmt), source=fmt)
        for python, version in (("3.11", "1.0"), ("3.13", "2.0")):
            target = Target(python=python, platform="linux-64")
            assert previous_pins(back, target) == {"old": version}


def test_conda_packages_read_back(tmp_path: Path) -> None:
    pkgs = [
        LockedPackage(
            name="python",
            version="3.11.8",
            manager="conda",
            platform="linux-64",
            url="https://conda.anaconda.org/conda-forge/linux-64/python-3.11.8-h0_0_cpython.conda",
            hashes=(("md5", "5" * 32), ("sha256", "6" * 64)),
            build="h0_0_cpython",
            channel="conda-forge",
        ),
        LockedPackage(
            name="tiny-thing",
            version="1.0",
            manager="conda",
            platform="linux-64",
            url="https://conda.anaconda.org/conda-forge/noarch/tiny-thing-1.0-pyhd8ed1ab_0.tar.bz2",
            hashes=(("md5", "7" * 32),),
            build="pyhd8ed1ab_0",
            dependencies=(("python", "python >=3.8"),),
        ),
    ]
    lock = Lock.of(pkgs, metadata={"targets": [{"platform": "linux-64", "python": "3.11"}]})
    for fmt in ("conda-lock", "explicit", "environment"):
        back = parse_lock(render(lock, fmt), source=fmt)
        got = {(p.manager, p.name, p.version, p.build) for p in back.packages}
        assert got == {(p.manager, p.name, p.version, p.build) for p in pkgs}, fmt


def test_read_lock_file_and_errors(links: Path, tmp_path: Path) -> None:
    lock = _lock(links, tmp_path)
    path = tmp_path / "pylock.toml"
    path.write_text(render(lock, "pylock"))
    assert _pins(read_lock_file(path)) == _pins(lock)
    other = tmp_path / "requirements.txt"
    other.write_text("requests==2.0\n")  # not written by compatlib: no targets in a header
    with pytest.raises(InputError, match="no targets in its header"):
        read_lock_file(other)
    hostile = render(lock, "requirements").replace("core==2.0", "core==2.0\nevil==1 ; x")
    with pytest.raises(InputError):
        parse_lock(hostile, source="hostile")
    with pytest.raises(InputError, match="unknown lock format"):
        parse_lock("", fmt="poetry")


def test_a_pylock_from_another_tool_reads_as_far_as_it_goes() -> None:
    text = (
        'lock-version = "1.0"\n'
        'environments = ["sys_platform == \\"linux\\" and platform_machine == \\"x86_64\\""]\n'
        'requires-python = "==3.12.*"\ncreated-by = "another"\n\n'
        '[[packages]]\nname = "idna"\nversion = "3.10"\n'
        'wheels = [{ name = "idna-3.10-py3-none-any.whl", url = "https://example.org/idna-3.10-'
        'py3-none-any.whl", hashes = { sha256 = "' + "a" * 64 + '" } }]\n'
    )
    back = parse_lock(text, source="pylock.toml")
    assert _pins(back) == {("linux-64", "idna", "3.10")}
    assert "inputs_sha256" not in back.metadata
    assert back.metadata["targets"] == [{"platform": "linux-64", "python": "3.12"}]


def test_pip_packages_by_url_read_back_from_an_environment_file() -> None:
    """A lock pip cannot install from its sources as written (the shipped
    snapshot) renders its pip section as ``name @ url``: those pins read back."""
    url = f"https://example.org/core-2.0-{LINUX}.whl"
    pkg = LockedPackage(
        name="core",
        version="2.0",
        manager="pip",
        platform="linux-64",
        url=url,
        hashes=(("sha256", "a" * 64),),
        filename=f"core-2.0-{LINUX}.whl",
    )
    text = render(Lock.of([pkg], metadata={"targets": [{"platform": "linux-64"}]}), "environment")
    assert f"core @ {url}" in text
    back = parse_lock(text, source="environment.yml")
    assert [(p.name, p.version, p.url, p.filename) for p in back.packages] == [
        ("core", "2.0", url, pkg.filename)
    ]


def test_a_marker_python_cannot_read_as_a_string_is_bad_input() -> None:
    """A NUL byte in a marker's string: packaging's parser raised SyntaxError."""
    text = (
        "# compatlib lock for linux-64 (Python 3.11)\n"
        'core==2.0 ; platform_machine == "\x00x86_64"\n'
    )
    with pytest.raises(InputError, match="marker"):
        parse_lock(text, source="requirements.txt")
