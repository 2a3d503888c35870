"""How current the knowledge base is, and answers about what is newer than it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from compatlib._datafiles import data_dir
from compatlib.cli import main
from compatlib.stack import knowledge as kb
from compatlib.stack.detect import NVIDIA_SMI_QUERY, detect
from compatlib.stack.knowledge import UnknownToData
from compatlib.stack.profile import parse_system, profile_from_dict
from compatlib.stack.query import newest_build, newest_report

# --------------------------------------------------------------------- as_of


def _yaml_dates() -> dict[str, str]:
    import yaml

    root = data_dir()
    out = {}
    for folder in ("stack", "frameworks", "mappings"):
        for path in sorted((root / folder).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            out[f"{folder}/{path.name}"] = data["as_of"]
    return out


def test_as_of_is_the_oldest_file_date() -> None:
    dates = _yaml_dates()
    assert dict(kb.data_dates()) == dates  # read without YAML, the same as with it
    assert kb.as_of() == min(dates.values())
    assert date.fromisoformat(kb.as_of()) <= date.today()


def test_as_of_is_exported_for_the_lock_layer() -> None:
    import compatlib.stack as stack

    assert stack.as_of() == kb.as_of()


# --------------------------------------------------------------------- drivers newer than the data


def test_a_driver_newer_than_the_data_is_not_capped() -> None:
    newest = kb.cuda_releases()[-1]
    newer = kb.driver_cuda("620.10")
    assert newer.beyond_data
    assert newer.newest_known == newest.major_minor
    assert str(newer) == (
        f"at least {newest.major_minor}, and newer CUDA releases the data, "
        f"as of {kb.as_of()}, does not know"
    )
    # the newest release's own minimum already may run releases after it
    assert kb.driver_cuda(newest.driver_linux).beyond_data
    exact = kb.driver_cuda("535.104.05")
    assert (exact.newest_known, exact.beyond_data, str(exact)) == ("12.2", False, "12.2")
    assert kb.driver_cuda("418.39").newest_known is None
    # driver_max_cuda keeps giving the known lower bound (what the solver pins)
    assert kb.driver_max_cuda("620.10") == newest.major_minor


def test_cuda_support_is_open_for_a_driver_beyond_the_data() -> None:
    newest = kb.cuda_releases()[-1].major_minor
    beyond = parse_system("driver=620.10,gpu=H200").cuda_support()
    assert beyond is not None
    assert (beyond.version, beyond.open, beyond.driver) == (newest, True, "620.10")
    assert str(beyond) == f"{newest} or newer"
    assert beyond.describe() == (
        f"the target's driver 620.10 supports CUDA {newest} or newer "
        f"(beyond compatlib's data as of {kb.as_of()})"
    )
    known = parse_system("driver=535.104.05").cuda_support()
    assert known is not None
    assert (str(known), known.open) == ("12.2", False)
    given = parse_system("driver=620.10,cuda=13.9").cuda_support()  # what the driver reports
    assert given is not None
    assert (str(given), given.open) == ("13.9", False)
    assert parse_system("gpu=H200").cuda_support() is None


def test_profile_and_detect_say_when_the_driver_is_newer(tmp_path: Path) -> None:
    p = parse_system("driver=620.10,gpu=H200")
    runs = p.driver_cuda()
    assert runs is not None
    assert runs.beyond_data
    assert parse_system("gpu=H200").driver_cuda() is None

    def run(argv: Sequence[str]) -> tuple[int, str] | None:
        # an H200 NVL on a driver newer than the data's newest CUDA release
        return (0, "NVIDIA H200 NVL, 9.0, 620.10\n") if tuple(argv) == NVIDIA_SMI_QUERY else None

    found = detect(environ={}, root=tmp_path, run=run)
    assert found.driver == "620.10"
    assert found.gpu_names == ("NVIDIA H200",)
    assert found.cuda is None  # not capped at the newest known
    assert any("620.10" in n and "does not know" in n for n in found.notes)
    assert found.max_cuda() == kb.cuda_releases()[-1].major_minor


@pytest.mark.parametrize("cuda", ["13.5", "13.4.1", "13.9.100"])
def test_a_newer_minor_of_a_known_major_gets_the_major_floor(cuda: str) -> None:
    floor = kb.driver_floor(cuda, compatibility="minor")
    assert floor.driver == "580.65.06"
    (note,) = floor.notes
    assert f"CUDA {cuda} is newer than the data, as of {kb.as_of()}" in note
    assert "every CUDA 13.x toolkit runs on a driver >=580.65.06" in note
    assert kb.min_driver(cuda, compatibility="minor") == "580.65.06"
    assert kb.min_driver(cuda, os="windows", compatibility="minor") == "580"
    with pytest.raises(UnknownToData) as err:  # its own toolkit driver is not known
        kb.min_driver(cuda)
    assert err.value.expected is not None
    assert "--minor" in err.value.expected


def test_a_newer_major_has_no_floor() -> None:
    with pytest.raises(UnknownToData) as err:
        kb.min_driver("14.0", compatibility="minor")
    assert "newer than the data" in err.value.message
    assert err.value.as_of == kb.as_of()
    with pytest.raises(UnknownToData):
        kb.cuda_supports("13.5", "9.0")


def test_known_floors_have_no_notes() -> None:
    assert kb.driver_floor("12.1", compatibility="minor") == kb.DriverFloor(
        "12.1", "linux", "minor", "525.60.13"
    )


# --------------------------------------------------------------------- newest


def test_newest_says_how_current_its_answer_is() -> None:
    report = newest_report("torch", "driver=580.65.06,gpu=H200", "3.12")
    assert report.best is not None
    top = report.best.build.version
    assert report.notes[0] == (
        f"the data, as of {kb.as_of()}, knows torch up to {top}; a newer release may exist"
    )
    assert report.as_of == kb.as_of()
    assert newest_build("torch", "driver=580.65.06,gpu=H200", "3.12")[0] == report.best


def test_newest_says_when_python_is_newer_than_the_data() -> None:
    report = newest_report("torch", "driver=580.65.06,gpu=H200", "3.99")
    assert report.best is None
    assert any(n.startswith("Python 3.99 is newer than any torch build") for n in report.notes)
    old = newest_report("torch", "driver=580.65.06,gpu=H200", "3.6")
    assert not any("newer than any" in n for n in old.notes)  # older: just not supported


def test_newest_says_when_the_machine_is_newer_than_the_data() -> None:
    report = newest_report("torch", "driver=620.10,gpu=H200", "3.12")
    assert report.best is not None
    assert any("620.10 runs CUDA at least" in n for n in report.notes)
    thor = newest_report("torch", "driver=580.65.06,gpu=Thor", "3.12")
    assert thor.best is None
    assert any("GPU code for compute capability 11.0" in n for n in thor.notes)
    with pytest.raises(UnknownToData):
        newest_report("torch", "driver=580.65.06,gpu=10.7", "3.12")


# --------------------------------------------------------------------- the command line


def test_cli_shows_the_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "min-driver", "12.1"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "530.30.02"
    assert f"knowledge base as of {kb.as_of()}" in err
    assert main(["stack", "--json", "gpu", "NVIDIA B300 SXM6 AC"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == kb.as_of()
    assert data["compute_capability"] == "10.3"
    assert main(["stack", "presets", "--json"]) == 0
    out, err = capsys.readouterr()
    assert isinstance(json.loads(out), list)  # the list keeps its shape
    assert kb.as_of() in err


def test_cli_newest_notes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["stack", "newest", "torch", "--system", "driver=580.65.06,gpu=H200"]
    assert main([*argv, "--python", "3.12"]) == 0
    out = capsys.readouterr().out
    assert f"note: the data, as of {kb.as_of()}, knows torch up to" in out
    assert main([*argv, "--python", "3.99", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["newest"] is None
    assert data["as_of"] == kb.as_of()
    assert any("Python 3.99" in n for n in data["notes"])


def test_cli_min_driver_and_max_cuda_beyond_the_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack", "min-driver", "13.5", "--minor"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "580.65.06"
    assert "note: CUDA 13.5 is newer than the data" in err
    assert main(["stack", "min-driver", "13.5"]) == 2
    assert main(["stack", "--json", "max-cuda", "620.10"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["newer_cuda_possible"] is True
    assert data["text"].startswith("at least ")
    assert main(["stack", "max-cuda", "535.104.05"]) == 0
    assert capsys.readouterr().out.strip() == "12.2"


def test_cli_unknown_compute_capability_is_unknown_in_every_query(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (
        ["stack", "can-run", "8.0,9.0+PTX", "10.7"],
        ["stack", "cuda-supports", "13.0", "10.7"],
        ["stack", "newest", "torch", "--system", "driver=580.65.06,gpu=10.7"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "10.7" in err
        assert kb.as_of() in err
        assert "unknown" in err


def test_profile_json_reads_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["stack", "--json", "system", "driver=535.104.05,gpu=2xA100"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["as_of"] == kb.as_of()
    again = profile_from_dict(shown)
    assert again.to_dict() == parse_system("driver=535.104.05,gpu=2xA100").to_dict()


def test_the_docs_name_the_date_the_data_was_built() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "stack.md"
    text = docs.read_text(encoding="utf-8")
    assert f"last built on **{kb.as_of()}**" in text
    assert "data/README.md" in text
