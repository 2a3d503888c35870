"""The command line: exit codes 0/1/2, output streams, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compatlib.cli import main

ROOT = Path(__file__).resolve().parents[2]
QUICK = str(ROOT / "examples" / "quickstart.toml")
CONFLICT = str(ROOT / "examples" / "conflict.toml")


def test_solve_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", QUICK, "--python", "3.11"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "framework==2.3.0" in out
    assert "trainer==1.1.0" in out
    assert "rustext==1.2.0" in out  # pulled in by tokenizer[fast]


def test_solve_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", QUICK, "trainer==1.0.0", "--python", "3.9", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["versions"]["trainer"] == "1.0.0"
    assert data["versions"]["numlib"] == "1.26.4"
    assert data["system"] == {"python": "3.9"}


def test_unsatisfiable_exit_1_with_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", CONFLICT, "--python", "3.11"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "you require trainer>=1.1, the request cannot be satisfied." in captured.err
    assert "Fixes (each verified by solving again):" in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "nope.toml", "a"], "nope.toml: cannot read file"),
        (["solve", QUICK, "a>>1", "--python", "3.11"], "invalid requirement 'a>>1'"),
        (["solve", QUICK, "a", "--python", "three"], "invalid Python version 'three'"),
        (["solve", QUICK, "a", "--platform", "amiga"], "unknown platform 'amiga'"),
    ],
)
def test_bad_input_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_index_file_points_at_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[root]\nrequires = ["a"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "compatlib.cli", "solve", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.toml:" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 3


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["solve"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_readme_main_job_locks_offline_from_the_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "lock.json"
    code = main(
        [
            "lock",
            "-r",
            str(ROOT / "examples" / "requirements-ml.txt"),
            "--snapshot",
            "--python",
            "3.11",
            "--platform",
            "linux-64",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    names = {p["name"] for p in data["packages"]}
    assert {"transformers", "torch", "datasets", "scikit-learn"} <= names
    assert all(
        p["hashes"].get("sha256") and p["url"].startswith("https://") for p in data["packages"]
    )
    assert data["metadata"]["indexes"][0].startswith("compatlib-snapshot:")


def test_solve_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", QUICK, "--python", "3.11", "--why", "rustext"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "you require trainer>=1.0",
        "trainer 1.1.0 depends on tokenizer[fast]>=0.15",
        "tokenizer 0.15.2 depends on rustext>=1.0",
    ]
    assert main(["solve", QUICK, "--python", "3.11", "--why", "nope"]) == 2
