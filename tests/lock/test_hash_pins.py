"""``--hash`` pins in requirements files decide which file a lock pins."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import build_wheel  # noqa: E402

from compatlib.cli import main  # noqa: E402
from compatlib.errors import InputError  # noqa: E402
from compatlib.lock.pip import lock_pip, pip_inputs  # noqa: E402
from compatlib.specs import read_requirements  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

PY311 = Target(python="3.11", platform="linux-64", glibc="2.28")
LINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


def _digest(path: Path, algorithm: str = "sha256") -> str:
    return hashlib.new(algorithm, path.read_bytes()).hexdigest()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "pkg", "1.0", LINUX)
    build_wheel(wheels, "pkg", "1.0")  # py3-none-any: ranks after the binary wheel
    build_wheel(wheels, "pkg", "2.0")
    build_wheel(wheels, "other", "1.0", requires=["pkg"])
    return wheels


def _lock(tmp_path: Path, folder: Path, text: str) -> dict[str, str]:
    req = tmp_path / "requirements.txt"
    req.write_text(text)
    lock = lock_pip(
        read_requirements(req), target=PY311, find_links=[str(folder)], cache_dir=tmp_path / "c"
    )
    return {p.name: p.filename or "" for p in lock.packages}


def test_without_pins_the_best_file_is_locked(tmp_path: Path, folder: Path) -> None:
    assert _lock(tmp_path, folder, "pkg==1.0\n")["pkg"].endswith("manylinux2014_x86_64.whl")


def test_a_pin_picks_the_file_it_names(tmp_path: Path, folder: Path) -> None:
    pure = folder / "pkg-1.0-py3-none-any.whl"
    files = _lock(tmp_path, folder, f"pkg==1.0 --hash=sha256:{_digest(pure)}\n")
    assert files["pkg"] == pure.name


def test_any_of_several_pins_and_other_algorithms(tmp_path: Path, folder: Path) -> None:
    binary = folder / f"pkg-1.0-{LINUX}.whl"
    pure = folder / "pkg-1.0-py3-none-any.whl"
    text = (
        f"pkg==1.0 \\\n  --hash=sha512:{_digest(pure, 'sha512')} \\\n"
        f"  --hash=sha384:{_digest(binary, 'sha384')}\n"
    )
    assert _lock(tmp_path, folder, text)["pkg"] == binary.name  # both allowed: the best one


def test_a_pin_of_another_version_is_an_input_error(tmp_path: Path, folder: Path) -> None:
    v2 = folder / "pkg-2.0-py3-none-any.whl"
    with pytest.raises(InputError, match=r"pkg 1\.0: no file for linux-64 matches its --hash") as e:
        _lock(tmp_path, folder, f"pkg==1.0 --hash=sha256:{_digest(v2)}\n")
    assert "requirements.txt:1" in str(e.value)
    assert "pkg-1.0-py3-none-any.whl (sha256:" in str(e.value)


def test_constraint_pins_narrow_requirement_pins(tmp_path: Path, folder: Path) -> None:
    binary = folder / f"pkg-1.0-{LINUX}.whl"
    pure = folder / "pkg-1.0-py3-none-any.whl"
    (tmp_path / "c.txt").write_text(f"pkg==1.0 --hash=sha256:{_digest(pure)}\n")
    text = f"-c c.txt\npkg --hash=sha256:{_digest(binary)} --hash=sha256:{_digest(pure)}\nother\n"
    files = _lock(tmp_path, folder, text)
    assert files["pkg"] == pure.name
    assert "other" in files


def test_pins_are_part_of_the_inputs_hash(tmp_path: Path, folder: Path) -> None:
    pure = folder / "pkg-1.0-py3-none-any.whl"
    req = tmp_path / "requirements.txt"
    req.write_text(f"pkg==1.0 --hash=sha256:{_digest(pure)}\n")
    inputs = pip_inputs(read_requirements(req), find_links=[str(folder)])
    assert [p.name for p in inputs.hash_pins] == ["pkg"]
    assert inputs.hash_pins[0].where == f"{req}:1"
    pinned = lock_pip(read_requirements(req), target=PY311, find_links=[str(folder)])
    req.write_text("pkg==1.0\n")
    plain = lock_pip(read_requirements(req), target=PY311, find_links=[str(folder)])
    assert pinned.metadata["inputs_sha256"] != plain.metadata["inputs_sha256"]
    assert pinned.metadata["hash_pins"] == {"pkg": [f"sha256:{_digest(pure)}"]}


def test_cli_exit_2_names_the_line(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = folder / "pkg-2.0-py3-none-any.whl"
    req = tmp_path / "requirements.txt"
    req.write_text(f"pkg==1.0 --hash=sha256:{_digest(v2)}\n")
    out = tmp_path / "lock.json"
    out.write_text('{"good": "lock"}')
    argv = ["lock", "-r", str(req), "--find-links", str(folder), "--python", "3.11"]
    code = main([*argv, "--platform", "linux-64", "-o", str(out), "--cache-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "requirements.txt:1" in err
    assert "Traceback" not in err
    assert json.loads(out.read_text()) == {"good": "lock"}  # a failed run keeps the old lock
