"""The JSON twins of the YAML data files (data/compiled/, data/build/compile_data.py)."""

from __future__ import annotations

import importlib.util
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from compatlib._datafiles import compiled_path, data_dir, load_compiled

ROOT = Path(__file__).resolve().parents[1]
YAML_FILES = sorted(
    p
    for folder in ("stack", "frameworks", "mappings")
    for p in (ROOT / "data" / folder).glob("*.yaml")
)


def _script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "compile_data", ROOT / "data/build/compile_data.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_twins_are_current() -> None:
    # after editing a YAML file: python data/build/compile_data.py
    assert _script().main(["--check"]) == 0


class _Lined(dict[str, Any]):
    line: int | None = None


def _lined(items: dict[str, Any], line: int | None) -> _Lined:
    out = _Lined(items)
    out.line = line
    return out


def _lines(node: Any, out: list[int | None]) -> list[int | None]:
    if isinstance(node, dict):
        out.append(getattr(node, "line", None))
        for value in node.values():
            _lines(value, out)
    elif isinstance(node, list):
        for value in node:
            _lines(value, out)
    return out


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_twin_holds_the_yaml_data_and_lines(path: Path) -> None:
    twin = load_compiled(path, _lined)
    assert twin is not None
    assert twin == yaml.safe_load(path.read_text(encoding="utf-8"))
    lines = _lines(twin, [])
    assert all(isinstance(n, int) and n >= 1 for n in lines)
    assert lines[0] == 1 or path.read_text().splitlines()[lines[0] - 1].strip()  # type: ignore[index]


def test_a_stale_twin_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "stack", data / "stack")
    shutil.copytree(ROOT / "data" / "compiled", data / "compiled")
    import compatlib._datafiles as datafiles

    monkeypatch.setattr(datafiles, "data_dir", lambda: data)
    cuda = data / "stack" / "cuda.yaml"
    assert load_compiled(cuda, lambda items, line: items) is not None
    cuda.write_text(cuda.read_text() + "\n# edited\n")
    assert load_compiled(cuda, lambda items, line: items) is None
    (data / "compiled" / "stack" / "os.json").write_text("not json")
    assert load_compiled(data / "stack" / "os.yaml", lambda items, line: items) is None
    assert load_compiled(tmp_path / "elsewhere.yaml", lambda items, line: items) is None


def test_compiled_path_mirrors_the_data_folder() -> None:
    assert (
        compiled_path(data_dir() / "stack" / "cuda.yaml") == data_dir() / "compiled/stack/cuda.json"
    )


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_every_data_file_says_when_it_was_last_brought_up_to_date(path: Path) -> None:
    # `as_of: "YYYY-MM-DD"`, quoted: a bare date would load as a datetime.date
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = data.get("as_of")
    assert isinstance(as_of, str), f"{path.name}: no as_of string"
    assert re.fullmatch(r"20\d\d-[01]\d-[0-3]\d", as_of), as_of
    assert date.fromisoformat(as_of) <= date.today()
