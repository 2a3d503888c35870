"""``compatlib lock``: arguments, output, exit codes and the -o file."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

for _builders in ("pypi", "conda"):
    _folder = str(Path(__file__).resolve().parents[1] / "sources" / _builders)
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from conda_builders import tiny_channel  # noqa: E402
from pypi_builders import Entry, ServerState, build_wheel, http_server, write_index  # noqa: E402

from compatlib.cli import lock as lock_cmd  # noqa: E402

__all__ = ["http_server"]  # the fixture, re-exported for pytest

ROOT = Path(__file__).resolve().parents[2]


def _parse(argv: list[str]) -> argparse.Namespace:
    """The subcommand registered the way compatlib.cli registers it."""
    parser = argparse.ArgumentParser(prog="compatlib")
    sub = parser.add_subparsers(dest="command")
    lock_cmd.add_parser(sub)
    return parser.parse_args(["lock", *argv])


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = lock_cmd.run(_parse(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def links(tmp_path: Path) -> Path:
    folder = tmp_path / "links"
    build_wheel(folder, "web", "1.0", requires=["core>=1"])
    build_wheel(folder, "web", "1.1", requires=["core>=2"])
    build_wheel(folder, "core", "1.0")
    build_wheel(folder, "core", "2.0", "cp311-cp311-manylinux_2_17_x86_64")
    build_wheel(folder, "core", "2.1", "cp311-cp311-manylinux_2_39_x86_64")
    return folder


def _base(links: Path, tmp_path: Path) -> list[str]:
    return [
        "--find-links",
        str(links),
        "--offline",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--python",
        "3.11",
        "--platform",
        "linux-64",
    ]


def test_locks_to_stdout_as_json(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["web", *_base(links, tmp_path), "--format", "json"], capsys)
    assert code == 0, err
    assert err == ""
    data = json.loads(out)
    rows = [(p["name"], p["version"], p["platform"], p["manager"]) for p in data["packages"]]
    # glibc unknown: the default (2.28) excludes the manylinux_2_39 wheel of core 2.1
    assert rows == [("core", "2.0", "linux-64", "pip"), ("web", "1.1", "linux-64", "pip")]
    for p in data["packages"]:
        assert p["url"].startswith("file://")
        assert len(p["hashes"]["sha256"]) == 64
    assert data["packages"][1]["dependencies"] == {"core": "core>=2"}
    assert data["system_requirements"] == {"linux-64": {"glibc": ">=2.17"}}


def test_system_glibc_selects_wheels(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["core", *_base(links, tmp_path), "--system", "glibc=2.39"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [(p["name"], p["version"]) for p in data["packages"]] == [("core", "2.1")]
    assert data["metadata"]["targets"][0]["glibc"] == "2.39"
    code, out, _ = _run(["core", *_base(links, tmp_path), "--system", "glibc=2.36"], capsys)
    assert code == 0
    assert json.loads(out)["packages"][0]["version"] == "2.0"


def test_same_bytes_twice(links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    assert _run(["web", *_base(links, tmp_path), "-o", str(first)], capsys)[0] == 0
    args = ["web", *_base(links, tmp_path)]
    args[args.index("--cache-dir") + 1] = str(tmp_path / "other-cache")
    assert _run([*args, "-o", str(second)], capsys)[0] == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().endswith(b"}\n")


def test_output_written_only_on_success(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lock.json"
    code, stdout, _ = _run(["web", *_base(links, tmp_path), "-o", str(out)], capsys)
    assert code == 0
    assert stdout == ""
    good = out.read_bytes()
    assert json.loads(good)["packages"]
    # unsatisfiable: exit 1, the explanation on stderr, the good lock untouched
    code, stdout, err = _run(["web", "core<1", *_base(links, tmp_path), "-o", str(out)], capsys)
    assert code == 1
    assert stdout == ""
    assert "core" in err
    assert out.read_bytes() == good
    # bad input: exit 2, still untouched
    code, _, err = _run(["web==", *_base(links, tmp_path), "-o", str(out)], capsys)
    assert code == 2
    assert out.read_bytes() == good
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["lock.json"]


def test_output_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "lock.json"
    out.write_text("old\n")
    lock_cmd.write_atomic(out, "new\n")
    assert out.read_text() == "new\n"
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~_umask()
    with pytest.raises(FileNotFoundError):  # the folder does not exist: nothing is created
        lock_cmd.write_atomic(tmp_path / "missing" / "lock.json", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lock.json"]

    def broken_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    # a failure at the last step leaves the old file and no temporary file
    monkeypatch.setattr(os, "replace", broken_rename)
    with pytest.raises(OSError, match="No space left"):
        lock_cmd.write_atomic(out, "newer\n")
    assert out.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lock.json"]


def test_unwritable_output_is_exit_2(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "lock.json"
    code, out, err = _run(["web", *_base(links, tmp_path), "-o", str(target)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith(f"compatlib lock: error: {target}: cannot write")
    assert err.count("\n") == 1


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_unsatisfiable_names_the_missing_package(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["web", "not-on-the-mirror", *_base(links, tmp_path)], capsys)
    assert code == 1
    assert out == ""
    assert "not-on-the-mirror" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["web==", "--no-index"], "invalid requirement"),
        (["web", "--no-index", "--python", "three"], "invalid Python version"),
        (["web", "--no-index", "--platform", "amiga-68k"], "unknown platform"),
        (["web", "--no-index", "--system", "glibc=two"], "glibc"),
        (["web", "--no-index", "--system", "colour=blue"], "unknown system key"),
        (["--no-index"], "nothing to lock"),
        (["-r", "does-not-exist.txt"], "does-not-exist.txt: file not found"),
        (["-r", "."], ": is a directory"),
        (["-f", "spec.unknown"], "cannot tell what kind of spec file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.unknown").write_text("x\n")
    code, out, err = _run(args, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("compatlib lock: error: ")
    assert message in err
    assert "Traceback" not in err


def test_requirement_files_and_environment_files(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(f"--find-links {links}\nweb<1.1\n")
    argv = ["-r", str(req), "--offline", "--cache-dir", str(tmp_path / "c"), "--python", "3.11"]
    code, out, err = _run(argv, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert [(p["name"], p["version"]) for p in data["packages"]] == [
        ("core", "2.0"),
        ("web", "1.0"),
    ]
    # environment.yml with only python and pip, and no channel to lock them from: a pip
    # lock for its Python (with channels, python is locked too: tests/lock/test_build_environment.py)
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: t\ndependencies:\n  - python=3.11\n  - pip\n"
        f"  - pip:\n      - --find-links {links}\n      - web\n"
        "platforms: [linux-64, win-64]\n"
    )
    code, out, err = _run(["-f", str(env), "--offline", "--cache-dir", str(tmp_path / "c")], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["metadata"]["targets"] == [
        {
            "glibc_assumed": "2.28",
            "implementation": "cpython",
            "platform": "linux-64",
            "python": "3.11",
        },
        {"implementation": "cpython", "platform": "win-64", "python": "3.11"},
    ]
    # win-64 has no core 2.x wheel: web 1.0 with core 1.0 there
    assert [(p["platform"], p["name"], p["version"]) for p in data["packages"]] == [
        ("linux-64", "core", "2.0"),
        ("linux-64", "web", "1.1"),
        ("win-64", "core", "1.0"),
        ("win-64", "web", "1.0"),
    ]


def test_pyproject_requires_python_is_checked(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\nversion = "0"\nrequires-python = ">=3.12"\ndependencies = ["web"]\n'
    )
    code, _, err = _run(["-r", str(pyproject), *_base(links, tmp_path)], capsys)
    assert code == 2
    assert "outside requires-python" in err
    code, out, err = _run(
        ["-r", str(pyproject), *_base(links, tmp_path), "--python", "3.12"], capsys
    )
    assert code == 0, err
    assert [p["name"] for p in json.loads(out)["packages"]] == ["core", "web"]


def test_conda_environment_with_pip_section(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("compatlib.resolve.conda_solve")
    channel = tiny_channel(tmp_path / "chan")
    env = tmp_path / "environment.yml"
    env.write_text(
        f"name: t\nchannels: [{channel}]\ndependencies:\n  - python=3.11\n  - tinyconda\n"
        f"  - pip:\n      - --find-links {links}\n      - web\n"
    )
    argv = ["-f", str(env), "--offline", "--cache-dir", str(tmp_path / "c")]
    code, out, err = _run(argv, capsys)
    assert code == 0, err
    data = json.loads(out)
    rows = [(p["manager"], p["name"], p["version"]) for p in data["packages"]]
    assert ("conda", "tinyconda", "1.0") in rows
    assert ("conda", "python", "3.11.8") in rows
    assert ("pip", "web", "1.1") in rows
    assert ("pip", "core", "2.0") in rows
    assert data["metadata"]["conda"] == ["python=3.11", "tinyconda"]
    # an unsatisfiable conda pin: exit 1 with the explanation
    env.write_text(f"name: t\nchannels: [{channel}]\ndependencies:\n  - tinyconda>=2\n")
    code, out, err = _run(argv, capsys)
    assert code == 1
    assert "tinyconda" in err
    # with --channel, command-line REQs are conda match specs
    code, out, err = _run(["tinyconda=1.0", "--channel", str(channel), "--python", "3.11"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert [(p["manager"], p["name"]) for p in data["packages"]] == [
        ("conda", "python"),
        ("conda", "tinyconda"),
    ]
    assert data["metadata"]["channels"] == [str(channel)]
    assert data["metadata"]["conda"] == ["tinyconda=1.0"]
    # conda + pip packages need the Python the pip side runs on
    env.write_text(
        f"name: t\nchannels: [{channel}]\ndependencies:\n  - tinyconda\n"
        f"  - pip:\n      - --find-links {links}\n      - web\n"
    )
    code, out, err = _run(argv, capsys)
    assert code == 2
    assert "needs the target Python" in err


def test_credentials_never_printed(
    tmp_path: Path, http_server: tuple[str, ServerState], capsys: pytest.CaptureFixture[str]
) -> None:
    base, state = http_server
    files = state.root / "files"
    wheel = build_wheel(files, "private-pkg", "1.0")
    write_index(state.root, {"private-pkg": [Entry(wheel)]})
    state.auth = "alice:s3cr3t-pw"
    index = base.replace("http://", "http://alice:s3cr3t-pw@") + "/simple/"
    req = tmp_path / "requirements.txt"
    req.write_text(f"--index-url {index}\nprivate-pkg\n")
    out_file = tmp_path / "lock.json"
    argv = ["-r", str(req), "--cache-dir", str(tmp_path / "c"), "--python", "3.11"]
    code, out, err = _run([*argv, "-o", str(out_file)], capsys)
    assert code == 0, err
    text = out_file.read_text()
    assert "s3cr3t" not in text
    assert f"{base}/simple/" in text  # the index is recorded, without credentials
    # a failing solve does not print them either
    code, out, err = _run([*argv, "private-pkg>=2"], capsys)
    assert code == 1
    assert "s3cr3t" not in out + err
    # nor does a source that cannot be read
    state.auth = "alice:other"
    code, out, err = _run([*argv, "--cache-dir", str(tmp_path / "c2")], capsys)
    assert code == 2
    assert "s3cr3t" not in out + err
    assert "Traceback" not in err


def test_through_the_compatlib_command(links: Path, tmp_path: Path) -> None:
    """``python -m compatlib.cli lock`` (a fresh process, as users run it)."""
    from compatlib.cli import app as cli

    if "lock" not in cli._build_parser().format_help():
        pytest.skip("compatlib.cli does not register the lock command yet")
    proc = subprocess.run(
        [sys.executable, "-m", "compatlib.cli", "lock", "web", *_base(links, tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert [p["name"] for p in json.loads(proc.stdout)["packages"]] == ["core", "web"]
    bad = subprocess.run(
        [sys.executable, "-m", "compatlib.cli", "lock", "web", "--format", "yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert "invalid choice" in bad.stderr


def test_registering_the_command_is_light() -> None:
    """``compatlib --help`` builds every parser: adding ``lock`` must not import the
    solver, the PyPI client, the spec readers or YAML."""
    code = (
        "import json, sys\nimport compatlib.cli.lock as m\nprint(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(json.loads(proc.stdout))
    heavy = {
        "yaml",
        "compatlib.specs",
        "compatlib.sources.pypi",
        "compatlib.resolve.solve",
        "urllib.request",
    }
    assert not heavy & loaded


def test_disk_errors_are_one_line(
    links: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import compatlib.lock.pip

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "cache" / "x"))

    monkeypatch.setattr(compatlib.lock.pip, "lock_pip", full_disk)
    code, out, err = _run(["web", *_base(links, tmp_path)], capsys)
    assert code == 2
    assert out == ""
    assert err == f"compatlib lock: error: {tmp_path / 'cache' / 'x'}: No space left on device\n"


def test_inputs_hash_covers_resolver_options_and_conda_inputs(
    links: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def inputs_hash(*extra: str) -> str:
        code, out, err = _run(["web", *_base(links, tmp_path), *extra], capsys)
        assert code == 0, err
        return str(json.loads(out)["metadata"]["inputs_sha256"])

    plain = inputs_hash()
    assert inputs_hash() == plain
    assert inputs_hash("--pre") != plain
    assert inputs_hash("--strategy", "lowest") != plain
    channel = tiny_channel(tmp_path / "chan")
    env = tmp_path / "environment.yml"
    hashes = []
    for spec in ("tinyconda", "tinyconda=1.0"):
        env.write_text(f"name: t\nchannels: [{channel}]\ndependencies:\n  - {spec}\n")
        code, out, err = _run(["-f", str(env), "--python", "3.11"], capsys)
        assert code == 0, err
        hashes.append(json.loads(out)["metadata"]["inputs_sha256"])
    assert hashes[0] != hashes[1]  # the conda specs are inputs too
