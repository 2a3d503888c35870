"""The bounded readers of compatlib._input: every failure an InputError with a place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib._input import (
    MAX_DEPTH,
    _scan_depth,
    check_depth,
    decode_text,
    json_depth,
    load_json,
    load_toml,
    load_yaml,
    read_bytes,
    read_text,
    recorded_reads,
)
from compatlib.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _error(call: object, *args: object, **kw: object) -> InputError:
    with pytest.raises(InputError) as info:
        call(*args, **kw)  # type: ignore[operator]
    return info.value


# -- files ------------------------------------------------------------------------------


def test_endless_file_is_refused_at_the_limit() -> None:
    err = _error(read_bytes, "/dev/zero", what="requirements file", limit=4096)
    assert err.source == "/dev/zero"
    assert "larger than 4,096 bytes" in str(err)


@pytest.mark.parametrize(
    ("path", "words"),
    [("/nonexistent/x.yml", "not found"), ("/", "is a directory")],
)
def test_unreadable_paths(path: str, words: str) -> None:
    assert words in str(_error(read_text, path))


def test_invalid_utf8_names_line_and_column() -> None:
    err = _error(decode_text, b"a = 1\nb = \xff\n", source="f.toml")
    assert (err.line, err.column) == (2, 5)
    assert "0xff" in err.message


def test_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"\xef\xbb\xbfname: x\n")
    assert read_text(tmp_path / "f") == "name: x\n"


def test_reads_are_recorded_only_inside_the_block(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"one\n")
    b.write_bytes(b"two\n")
    with recorded_reads() as outer:
        assert read_text(a) == "one\n"
        with recorded_reads() as inner:
            read_bytes(b)
    read_bytes(a)
    assert outer == {str(a): b"one\n"}
    assert inner == {str(b): b"two\n"}


# -- nesting ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_json_nesting_is_bounded(depth: int) -> None:
    err = _error(load_json, "[" * depth + "]" * depth, source="lock.json")
    assert err.line == 1
    assert err.column == MAX_DEPTH + 1
    assert f"more than {MAX_DEPTH} levels" in err.message


def test_json_nesting_at_the_limit_parses() -> None:
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, source="x") is not None


def test_brackets_in_strings_do_not_count() -> None:
    text = json.dumps({"a": "[" * 1000, "b": '\\"[[[' * 500})
    assert load_json(text, source="x")["a"] == "[" * 1000
    check_depth(
        'a = "[[[["\nb = \'[[[[[\'\n# [[[[[\nc = """\n[[[[[\n"""\n', source="t", limit=1, toml=True
    )


_TEXT = st.text(alphabet='ab"\\[]{} ,:\n\u00e9', max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=40,
)


def _exact_depth(text: str) -> int:
    """The deepest nesting the character-at-a-time scan accepts (found by asking it)."""
    for limit in range(64):
        try:
            _scan_depth(text, "x", limit, False)
        except InputError:
            continue
        return limit
    raise AssertionError("deeper than the test expects")


@given(_JSON, st.booleans())
def test_fast_depth_count_is_the_located_scans(value: Any, indent: bool) -> None:
    text = json.dumps(value, indent=2 if indent else None, ensure_ascii=False)
    assert json_depth(text.encode()) == _exact_depth(text)


def test_json_bytes_too_deep_are_located() -> None:
    with pytest.raises(InputError, match="more than 3 levels") as info:
        check_depth(b'{"a": "[[[[",\n "b": [[[[]]]]}', source="x", limit=3)
    assert (info.value.line, info.value.column) == (2, 9)


def test_toml_nesting_is_bounded() -> None:
    err = _error(load_toml, "a = " + "[" * 100_000 + "]" * 100_000, source="pyproject.toml")
    assert err.source == "pyproject.toml"
    assert "levels deep" in err.message


def test_toml_errors_are_located() -> None:
    err = _error(load_toml, 'a = 1\nb = "x" y\n', source="pyproject.toml")
    assert (err.line, err.column) == (2, 9)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_refuses_non_json_numbers(constant: str) -> None:
    assert constant in str(_error(load_json, f'{{"size": {constant}}}', source="repodata.json"))


# -- YAML -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "tag"),
    [
        ("name: !!int abc\n", 1, 7, "int"),
        ("x: 1\nname: [1, !!binary 123]\n", 2, 11, "binary"),
        ("a: !!float x\n", 1, 4, "float"),
        ("a: !!timestamp abc\n", 1, 4, "timestamp"),
        ("a: !!map [1]\n", 1, 4, "map"),
        ("a: !!python/object:os.system x\n", 1, 4, "python/object:os.system"),
        ("a: !!python/name:os.system ''\n", 1, 4, "python/name:os.system"),
    ],
)
def test_yaml_tags_that_do_not_fit_are_located(text: str, line: int, column: int, tag: str) -> None:
    err = _error(load_yaml, text, source="environment.yml")
    assert (err.line, err.column) == (line, column)
    assert f"tag {tag!r}" in err.message


def test_yaml_control_character_is_located() -> None:
    err = _error(load_yaml, "name: a\x00b\n", source="environment.yml")
    assert (err.line, err.column) == (1, 8)
    assert "U+0000" in err.message


def test_yaml_nesting_is_bounded() -> None:
    err = _error(load_yaml, "a: " + "[" * 3000 + "]" * 3000, source="system.yml")
    assert err.line == 1
    assert "levels deep" in err.message


def test_yaml_alias_bomb_is_refused_in_linear_time() -> None:
    rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    err = _error(load_yaml, "\n".join(rows) + "\n", source="environment.yml")
    assert "aliases" in err.message


def test_yaml_recursive_alias_is_an_input_error() -> None:
    assert "recursive" in str(_error(load_yaml, "a: &x [*x]\n", source="e.yml"))


def test_plain_yaml_loads() -> None:
    assert load_yaml("name: demo\ndependencies: [numpy, {pip: [six]}]\n", source="e") == {
        "name": "demo",
        "dependencies": ["numpy", {"pip": ["six"]}],
    }
    assert load_yaml("", source="e") is None


# -- fuzz: mutations of real samples raise InputError or parse ----------------------------

_SAMPLES = {
    "yaml": (ROOT / "examples" / "environment.yml").read_text(encoding="utf-8"),
    "toml": (ROOT / "examples" / "quickstart.toml").read_text(encoding="utf-8"),
    "json": json.dumps({"version": 1, "packages": [{"name": "six", "version": "1.16.0"}]}),
}
_LOADERS = {"yaml": load_yaml, "toml": load_toml, "json": load_json}
_NASTY = [
    "[",
    "{",
    "]",
    "}",
    "&a ",
    "*a",
    "!!int ",
    "!!binary ",
    "\x00",
    "\t",
    '"',
    "'",
    "\\",
    "NaN",
    "#",
    "\n  ",
    ": ",
    "- ",
]


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(sorted(_SAMPLES)))
    text = _SAMPLES[kind]
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(st.sampled_from(_NASTY), st.text(max_size=8)))
        if draw(st.booleans()):
            text = text[:at] + piece * draw(st.integers(1, 400)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(0, 20)) :]
    return kind, text


@settings(max_examples=300, deadline=None)
@given(_mutated())
def test_mutated_samples_parse_or_fail_cleanly(case: tuple[str, str]) -> None:
    kind, text = case
    source = f"sample.{kind}"
    try:
        _LOADERS[kind](text, source=source)
    except InputError as exc:
        error: InputError | None = exc
    else:
        error = None
    assert error is None or error.source == source
