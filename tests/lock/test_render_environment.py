"""``render_environment`` / ``pip_install_lines``: an environment.yml whose ``pip:``
section installs as written: the lock's index where pip can use it, else each
file's own URL; a local file refused (naming it) where the file goes to another
machine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402
from compatlib.errors import InputError  # noqa: E402
from compatlib.lock.build import LockRequest, build_lock  # noqa: E402
from compatlib.lock.model import Lock, LockedPackage  # noqa: E402
from compatlib.lock.render import (  # noqa: E402
    is_local_source,
    pip_install_lines,
    render,
    render_environment,
)
from compatlib.specs import read_requirements  # noqa: E402


def _pip_section(text: str) -> list[str]:
    doc = yaml.safe_load(text)
    return next(d["pip"] for d in doc["dependencies"] if isinstance(d, dict))


def test_a_snapshot_lock_pins_each_file_by_its_url() -> None:
    lock = build_lock(
        LockRequest(
            requirements=("accelerate",), snapshot=True, python="3.11", platforms=("linux-64",)
        )
    )
    assert lock.metadata["indexes"][0].startswith("compatlib-snapshot:")
    pip = _pip_section(render(lock, "environment"))
    assert "--no-index" not in pip
    by_name = {p.name: p for p in lock.packages}
    accelerate = by_name["accelerate"]
    assert f"accelerate @ {accelerate.url}" in pip
    assert len(pip) == len(lock.packages)
    assert all(" @ https://" in line for line in pip)
    hashed = _pip_section(render_environment(lock, hashes=True, portable=True))
    sha = dict(accelerate.hashes)["sha256"]
    assert f"accelerate @ {accelerate.url} --hash=sha256:{sha}" in hashed


def test_local_files_install_here_but_are_refused_for_an_image(tmp_path: Path) -> None:
    links = tmp_path / "links"
    build_wheel(links, "web", "1.0")
    lock = build_lock(
        LockRequest(
            requirements=("web",),
            find_links=(str(links),),
            no_index=True,
            offline=True,
            cache_dir=str(tmp_path / "c"),
            python="3.11",
            platforms=("linux-64",),
        )
    )
    # here: the find-links folder (recorded as its file: URL) works as written
    assert _pip_section(render(lock, "environment")) == [
        "--no-index",
        f"--find-links {links.as_uri()}",
        "web==1.0",
    ]
    with pytest.raises(
        InputError, match=r"web 1\.0 comes from .*web-1\.0-py3-none-any\.whl, a local"
    ):
        render_environment(lock, portable=True)
    # a relative find-links path means nothing where conda runs pip: the file's URL does
    relative = Lock.of(lock.packages, metadata={**lock.metadata, "find_links": ["links"]})
    (line,) = _pip_section(render_environment(relative))
    assert line == f"web @ {lock.packages[0].url}"
    assert line.startswith("web @ file:///")


def test_an_index_the_build_can_reach_is_kept() -> None:
    pkg = LockedPackage(
        name="pure",
        version="1.0",
        manager="pip",
        platform="linux-64",
        url="https://mirror.example/files/pure-1.0-py3-none-any.whl",
        hashes=(("sha256", "a" * 64),),
    )
    meta = {"indexes": ["https://mirror.example/simple"], "targets": [{"platform": "linux-64"}]}
    lock = Lock.of([pkg], metadata=meta)
    assert pip_install_lines(lock, [pkg], hashes=True, portable=True) == [
        "--index-url https://mirror.example/simple",
        "pure==1.0 --hash=sha256:" + "a" * 64,
    ]
    # a local find-links folder beside it: each file by its URL (this one is remote)
    local = Lock.of([pkg], metadata={**meta, "find_links": ["/srv/wheels"]})
    assert pip_install_lines(local, [pkg], hashes=False, portable=True) == [f"pure @ {pkg.url}"]
    assert pip_install_lines(local, [pkg], hashes=False, portable=False)[:2] == [
        "--index-url https://mirror.example/simple",
        "--find-links /srv/wheels",
    ]


def test_a_local_channel_is_refused_for_an_image(tmp_path: Path) -> None:
    pkg = LockedPackage(
        name="x",
        version="1",
        manager="conda",
        platform="linux-64",
        url=(tmp_path / "chan" / "linux-64" / "x-1-0.conda").as_uri(),
        hashes=(("md5", "0" * 32),),
        build="0",
    )
    lock = Lock.of([pkg], metadata={"channels": [str(tmp_path / "chan")]})
    assert "x=1=0" in render_environment(lock)
    with pytest.raises(InputError, match=r"conda channel .*chan is a local folder"):
        render_environment(lock, portable=True)


@pytest.mark.parametrize(
    ("source", "local"),
    [
        ("https://pypi.org/simple", False),
        ("conda-forge", False),
        ("file:///srv/wheels", True),
        ("/srv/wheels", True),
        ("./wheels", True),
        ("wheels/sub", True),
        ("C:\\wheels", True),
        ("s3://bucket/simple", True),
    ],
)
def test_local_sources(source: str, local: bool) -> None:
    assert is_local_source(source) is local


def test_export_reads_back_as_requirements(tmp_path: Path) -> None:
    lock_file = tmp_path / "lock.json"
    argv = ["lock", "accelerate", "--snapshot", "--python", "3.11", "--platform", "linux-64"]
    assert main([*argv, "-o", str(lock_file)]) == 0
    out = tmp_path / "environment.yml"
    assert main(["export", str(lock_file), "--format", "environment", "-o", str(out)]) == 0
    req = tmp_path / "requirements.txt"
    req.write_text("\n".join(_pip_section(out.read_text())) + "\n")
    spec = read_requirements(req)
    assert all(r.requirement.url and r.requirement.url.startswith("https://") for r in spec.pip)
