"""The command line's error contract on bad input: exit 2, one message, no traceback.

Each case is a malformed input a user (or an attacker) can hand to compatlib:
YAML with tags that do not fit, nesting bombs, unparseable URLs, hostile lock
fields, resource bombs. Exit 1 is reserved for "unsatisfiable"; 3 for a bug.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compatlib.cli import main
from compatlib.lock.model import Lock, LockedPackage

SHA = "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"


def _good_lock() -> dict[str, Any]:
    pkg = LockedPackage(
        name="six",
        version="1.17.0",
        manager="pip",
        platform="linux-64",
        url="https://files.pythonhosted.org/packages/b7/ce/six-1.17.0-py2.py3-none-any.whl",
        hashes=(("sha256", SHA),),
    )
    data: dict[str, Any] = Lock.of([pkg], metadata={"requirements": ["six"]}).to_dict()
    return data


def _lock_with(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        data = _good_lock()
        change(data)
        path = tmp / "lock.json"
        path.write_text(json.dumps(data))
        return [str(path)]

    return make


def _file(name: str, content: str | bytes) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        path = tmp / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return str(path)

    return make


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["packages"][0][key] = value

    return change


DEEP_YAML = "dependencies: " + "[" * 3000 + "]" * 3000 + "\n"
DEEP = "[" * 100_000 + "]" * 100_000
EVIL = "x\n--extra-index-url https://evil.example/simple"

# name -> (arguments built in a temporary folder, words the message must contain)
CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "yaml !!int": (
        lambda t: ["lock", "-f", _file("e.yml", "name: !!int abc\ndependencies: [six]\n")(t)],
        "tag 'int'",
    ),
    "yaml !!binary": (
        lambda t: ["lock", "-f", _file("e.yml", "name: !!binary 123\ndependencies: [six]\n")(t)],
        "tag 'binary'",
    ),
    "yaml NUL": (lambda t: ["lock", "-f", _file("e.yml", "name: a\x00b\n")(t)], "U+0000"),
    "yaml nesting": (lambda t: ["lock", "-f", _file("e.yml", DEEP_YAML)(t)], "levels deep"),
    "yaml bad UTF-8": (lambda t: ["lock", "-f", _file("e.yml", b"name: \xff\n")(t)], "UTF-8"),
    "azureml !!float": (
        lambda t: [
            "lock",
            "-f",
            _file(
                "env.yml",
                "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n"
                "name: !!float x\nimage: y\n",
            )(t),
        ],
        "tag 'float'",
    ),
    "system file !!int": (
        lambda t: ["stack", "newest", "torch", "--system", _file("s.yml", "driver: !!int x\n")(t)],
        "tag 'int'",
    ),
    "system file nesting": (
        lambda t: ["stack", "newest", "torch", "--system", _file("s.yml", "a: " + "[" * 3000)(t)],
        "levels deep",
    ),
    "GPU count bomb": (
        lambda t: ["stack", "newest", "torch", "--system", "gpu=100000000000xA100"],
        "more than one machine holds",
    ),
    "Python minor bomb": (
        lambda t: ["lock", "six", "--snapshot", "--python", "3.1000000"],
        "out of range",
    ),
    "glibc minor bomb": (
        lambda t: ["lock", "six", "--snapshot", "--python", "3.11", "--system", "glibc=2.1000000"],
        "out of range",
    ),
    "pyproject nesting": (
        lambda t: ["lock", "-f", _file("pyproject.toml", "a = " + DEEP)(t), "--snapshot"],
        "levels deep",
    ),
    "lock nesting": (
        lambda t: ["export", _file("l.json", DEEP)(t), "--format", "requirements"],
        "levels deep",
    ),
    "lock bad UTF-8": (
        lambda t: ["export", _file("l.json", b'{"a": "\xff"}')(t), "--format", "requirements"],
        "not valid UTF-8",
    ),
    "lock NaN": (
        lambda t: ["export", _file("l.json", '{"version": NaN}')(t), "--format", "pylock"],
        "NaN",
    ),
    "lock unparseable URL (export)": (
        lambda t: ["export", *_lock_with(_set("url", "http://[x]/a"))(t), "--format", "pylock"],
        "packages[0].url",
    ),
    "lock unparseable URL (check)": (
        lambda t: ["check", *_lock_with(_set("url", "http://[x]/a"))(t), "--no-system"],
        "packages[0].url",
    ),
    "lock unparseable URL (azureml)": (
        lambda t: [
            "azureml",
            *_lock_with(_set("url", "http://[x]/a"))(t),
            "--name",
            "x",
            "-o",
            str(t / "out"),
        ],
        "packages[0].url",
    ),
    "lock name injection": (
        lambda t: ["export", *_lock_with(_set("name", EVIL))(t), "--format", "requirements"],
        "packages[0].name",
    ),
    "lock version injection": (
        lambda t: ["export", *_lock_with(_set("version", EVIL))(t), "--format", "environment"],
        "packages[0].version",
    ),
    "lock hash injection": (
        lambda t: [
            "export",
            *_lock_with(_set("hashes", {"sha256": "zz\n-i http://e"}))(t),
            "--format",
            "requirements",
        ],
        "hashes.sha256",
    ),
    "lock marker injection": (
        lambda t: [
            "export",
            *_lock_with(_set("marker", "python_version > '3'\n--pre"))(t),
            "--format",
            "requirements",
        ],
        "packages[0].marker",
    ),
    "RON huge integer": (
        lambda t: ["solve", _file("r.ron", "{ 0: { 1" + "0" * 5000 + ": {} } }")(t)],
        "out of range",
    ),
    "RON bad escape": (lambda t: ["solve", _file("r.ron", '{ "a\\u{110000}": {} }')(t)], "escape"),
    "unknown option": (lambda t: ["lock", "--nope"], "unrecognized arguments: --nope"),
    "index URL that does not parse": (
        lambda t: ["lock", "six", "--index", "http://[x]/simple", "--python", "3.11"],
        "invalid URL",
    ),
    "bad platform": (lambda t: ["lock", "six", "--snapshot", "--platform", "amiga"], "amiga"),
    "missing lock": (lambda t: ["export", str(t / "nope.json"), "--format", "json"], "not found"),
    "lock is a folder": (lambda t: ["export", str(t), "--format", "json"], "is a directory"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_message(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, words = CASES[case]
    with pytest.raises(SystemExit) as info:
        sys.exit(main(make(tmp_path)))
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    assert "Traceback" not in err
    message = [line for line in err.splitlines() if not line.startswith(("usage:", " "))]
    assert len(message) == 1, err
    assert words in message[0], err


def test_endless_requirements_file_is_refused() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "compatlib", "lock", "-r", "/dev/zero", "--snapshot"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "larger than" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_internal_error_is_exit_3_with_one_line() -> None:
    """A bug (here: a subcommand that raises) is reported as one, not as bad input."""
    code = (
        "import sys\n"
        "import compatlib.cli.export as e\n"
        "def boom(args): raise ZeroDivisionError('boom')\n"
        "e.run = boom\n"
        "from compatlib.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = [sys.executable, "-c", code, "export", "x.json", "--format", "json"]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    assert proc.returncode == 3
    assert proc.stderr.splitlines() == [
        "compatlib: internal error (this is a bug in compatlib): ZeroDivisionError: boom; "
        "rerun with --debug for the traceback"
    ]
    debug = subprocess.run(
        [*args[:3], "--debug", *args[3:]], capture_output=True, text=True, check=False
    )
    assert "Traceback" in debug.stderr
    assert "ZeroDivisionError: boom" in debug.stderr


def test_closed_pipe_is_quiet() -> None:
    """``compatlib stack matrix torch | head -c 10``: no BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "compatlib", "stack", "matrix", "torch", "--markdown"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    code = proc.wait(timeout=60)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert "Traceback" not in err
    assert code in (0, 141)
