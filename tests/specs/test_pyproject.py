"""pyproject.toml reading: PEP 621 dependencies and extras, PEP 735 groups, errors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compatlib.errors import InputError
from compatlib.specs import (
    MAIN_CATEGORY,
    Location,
    PythonRequirement,
    read_pyproject,
    read_spec,
    spec_kind,
)

FIXTURE = Path(__file__).parent / "fixtures" / "pyproject" / "pyproject.toml"


def write(folder: Path, text: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def fail(path: Path, **kwargs: tuple[str, ...]) -> InputError:
    with pytest.raises(InputError) as info:
        read_pyproject(path, **kwargs)
    assert info.value.source == str(path)
    return info.value


# --------------------------------------------------------------------------- the ML fixture


def test_fixture_main_dependencies_and_requires_python() -> None:
    spec = read_pyproject(FIXTURE)
    assert spec.name == "vision-trainer"
    assert [(p.text, p.location.line, p.category) for p in spec.pip] == [
        ("torch>=2.1,<2.3", 10, MAIN_CATEGORY),
        ("torchvision>=0.16", 11, MAIN_CATEGORY),
        ("numpy>=1.24", 12, MAIN_CATEGORY),
    ]
    assert spec.pip[0].location == Location(str(FIXTURE), 10, None, "project.dependencies[0]")
    assert spec.python == (
        PythonRequirement(
            ">=3.10,<3.13", "pep440", Location(str(FIXTURE), 8, None, "project.requires-python")
        ),
    )
    assert spec.sources == (str(FIXTURE),)
    assert spec.conda == ()


def test_selected_extra_gets_its_category() -> None:
    spec = read_pyproject(FIXTURE, extras=["CUDA"])
    cuda = [p for p in spec.pip if p.category == "cuda"]
    assert [p.text for p in cuda] == ["nvidia-cudnn-cu12>=8.9; sys_platform == 'linux'"]
    assert cuda[0].location == Location(
        str(FIXTURE), 16, None, "project.optional-dependencies.cuda[0]"
    )


def test_self_referencing_extra_is_expanded_with_markers_combined() -> None:
    spec = read_pyproject(FIXTURE, extras=["all"])
    expanded = [p for p in spec.pip if p.category == "all"]
    assert [p.text for p in expanded] == [
        'nvidia-cudnn-cu12>=8.9; python_version < "3.13" and sys_platform == "linux"',
        'onnxruntime-gpu>=1.17; python_version < "3.13"',
    ]
    assert [p.location.line for p in expanded] == [16, 17]
    assert "vision-trainer" not in {p.name for p in spec.pip}


def test_dependency_groups_with_includes_and_normalized_names() -> None:
    spec = read_pyproject(FIXTURE, groups=["dev"])
    dev = [p for p in spec.pip if p.category == "dev"]
    assert [p.text for p in dev] == ["pytest>=8", "pytest-cov", "ruff>=0.4", "mypy>=1.9", "ipython"]
    assert [p.location.line for p in dev] == [21, 21, 22, 22, 23]
    assert dev[1].location.field == "dependency-groups.test[1]"
    assert spec.categories == (MAIN_CATEGORY, "dev")


def test_selection_order_does_not_matter() -> None:
    one = read_pyproject(FIXTURE, extras=["onnx", "cuda"], groups=["lint", "test"])
    two = read_pyproject(FIXTURE, extras=["cuda", "onnx", "CUDA"], groups=("test", "lint"))
    assert one == two
    assert one.categories == (MAIN_CATEGORY, "cuda", "lint", "onnx", "test")


def test_single_string_selection_is_one_name() -> None:
    assert read_pyproject(FIXTURE, extras="cuda") == read_pyproject(FIXTURE, extras=["cuda"])


def test_read_spec_dispatch_and_selection() -> None:
    assert spec_kind(FIXTURE) == "pyproject"
    assert read_spec(FIXTURE, extras=["cuda"]) == read_pyproject(FIXTURE, extras=["cuda"])


# --------------------------------------------------------------------------- smaller cases


def test_groups_without_project_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[dependency-groups]\ndocs = ["sphinx>=7", "furo"]\n')
    spec = read_pyproject(path, groups=["docs"])
    assert spec.name is None
    assert [(p.text, p.location.line) for p in spec.pip] == [("sphinx>=7", 2), ("furo", 2)]


def test_inline_tables_and_multiline_strings_locate_best_effort(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[project]\nname = "x"\noptional-dependencies = { gpu = ["cupy-cuda12x>=13"] }\n'
        'dependencies = ["a\\u0062c"]\n',
    )
    spec = read_pyproject(path, extras=["gpu"])
    assert [(p.text, p.location.line) for p in spec.pip] == [("abc", None), ("cupy-cuda12x>=13", 3)]


def test_self_reference_cycle_between_extras_terminates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[project]\nname = "Loop_Pkg"\n[project.optional-dependencies]\n'
        'a = ["loop-pkg[b]", "six"]\nb = ["loop-pkg[a]", "rich"]\n',
    )
    spec = read_pyproject(path, extras=["a"])
    assert [(p.text, p.category) for p in spec.pip] == [("rich", "a"), ("six", "a")]


def test_self_reference_with_version_is_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[project]\nname = "plugin"\n[project.optional-dependencies]\nold = ["plugin[x]<2"]\nx = []\n',
    )
    assert [p.text for p in read_pyproject(path, extras=["old"]).pip] == ["plugin[x]<2"]


# --------------------------------------------------------------------------- errors


def test_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\ndependencies = [\n  "torch",\n  numpy,\n]\n')
    err = fail(path)
    assert err.line == 5
    assert err.column == 3
    assert err.text == "  numpy,"
    assert err.expected == "valid TOML"
    assert err.message.startswith("invalid TOML:")


def test_unknown_extra_lists_the_known_ones() -> None:
    err = fail(FIXTURE, extras=("rocm",))
    assert "unknown extra 'rocm'" in err.message
    assert err.expected == "one of all, cuda, onnx"
    assert err.field == "project.optional-dependencies"
    assert err.line == 15


def test_unknown_group_lists_the_known_ones() -> None:
    err = fail(FIXTURE, groups=("docs",))
    assert "unknown dependency group 'docs'" in err.message
    assert err.expected == "one of dev, lint, test"
    assert err.line == 20


def test_group_cycle(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[dependency-groups]\na = [{include-group = "b"}]\nb = ["six", {include-group = "C"}]\n'
        'c = [{include-group = "a"}]\n',
    )
    err = fail(path, groups=("a",))
    assert "cycle: a -> b -> c -> a" in err.message
    assert err.field == "dependency-groups.a"
    assert err.line == 2


@pytest.mark.parametrize(
    ("text", "selection", "field", "line", "message", "expected"),
    [
        (
            '[project]\nname = "x"\ndynamic = ["dependencies"]\n',
            {},
            "project.dynamic",
            3,
            "dependencies are dynamic",
            "static 'dependencies'",
        ),
        (
            '[project]\nname = "x"\ndynamic = ["optional-dependencies"]\n',
            {"extras": ("gpu",)},
            "project.dynamic",
            3,
            "optional-dependencies are dynamic",
            "static 'optional-dependencies'",
        ),
        (
            '[project]\nname = "x"\ndynamic = "version"\n',
            {},
            "project.dynamic",
            3,
            "list of strings",
            "field names",
        ),
        (
            '[project]\nname = "x"\ndependencies = "torch"\n',
            {},
            "project.dependencies",
            3,
            "must be a list",
            "PEP 508",
        ),
        (
            '[project]\nname = "x"\ndependencies = [\n  "torch",\n  3,\n]\n',
            {},
            "project.dependencies[1]",
            3,
            "must be a string, not int",
            "PEP 508",
        ),
        (
            '[project]\nname = "x"\ndependencies = [\n  "torch",\n  "numpy >= ",\n]\n',
            {},
            "project.dependencies[1]",
            5,
            "invalid requirement 'numpy >= '",
            "PEP 508",
        ),
        (
            '[project]\nname = "x"\nrequires-python = ">=3.10,<"\n',
            {},
            "project.requires-python",
            3,
            "invalid requires-python",
            "PEP 440",
        ),
        (
            '[project]\nname = "x"\nrequires-python = 3.10\n',
            {},
            "project.requires-python",
            3,
            "must be a string",
            "PEP 440",
        ),
        ('[project]\nversion = "1"\n', {}, "project.name", 1, "no 'name'", "PEP 621"),
        ('[project]\nname = ""\n', {}, "project.name", 1, "non-empty string", "PEP 621"),
        ('project = "x"\n', {}, "project", 1, "must be a table", "[project] table"),
        (
            '[project]\nname = "x"\n[project.optional-dependencies]\nGPU = ["a"]\ngpu = ["b"]\n',
            {},
            "project.optional-dependencies.gpu",
            5,
            "same name after normalization",
            "distinct extra names",
        ),
        (
            '[project]\nname = "x"\noptional-dependencies = ["a"]\n',
            {},
            "project.optional-dependencies",
            3,
            "must be a table",
            "extra = [requirements]",
        ),
        (
            "[tool.x]\na = 1\n",
            {"extras": ("gpu",)},
            "project.optional-dependencies",
            None,
            "no [project] table",
            "[project] table",
        ),
        (
            "dependency-groups = 3\n",
            {"groups": ("a",)},
            "dependency-groups",
            1,
            "must be a table",
            "group = [entries]",
        ),
        (
            '[dependency-groups]\na = "six"\n',
            {"groups": ("a",)},
            "dependency-groups.a",
            2,
            "must be a list",
            "include-group",
        ),
        (
            '[dependency-groups]\nA_b = ["x"]\na-b = ["y"]\n',
            {"groups": ("a-b",)},
            "dependency-groups.a-b",
            3,
            "same name after normalization",
            "PEP 735",
        ),
        (
            '[dependency-groups]\na = [{include-group = "b", extra = 1}]\nb = []\n',
            {"groups": ("a",)},
            "dependency-groups.a[0]",
            2,
            "invalid entry",
            "include-group",
        ),
        (
            '[dependency-groups]\na = [{include-group = "zzz"}]\n',
            {"groups": ("a",)},
            "dependency-groups.a[0]",
            2,
            "includes unknown group 'zzz'",
            "one of a",
        ),
        (
            "[dependency-groups]\na = [1]\n",
            {"groups": ("a",)},
            "dependency-groups.a[0]",
            2,
            "invalid entry",
            "requirement string",
        ),
        (
            '[dependency-groups]\na = ["six ==="]\n',
            {"groups": ("a",)},
            "dependency-groups.a[0]",
            2,
            "invalid requirement",
            "PEP 508",
        ),
    ],
)
def test_errors_name_field_line_and_expectation(
    tmp_path: Path,
    text: str,
    selection: dict[str, tuple[str, ...]],
    field: str,
    line: int | None,
    message: str,
    expected: str,
) -> None:
    err = fail(write(tmp_path, text), **selection)
    assert err.field == field
    assert err.line == line
    assert message in err.message
    assert err.expected is not None
    assert expected in err.expected


def test_missing_file(tmp_path: Path) -> None:
    err = fail(tmp_path / "pyproject.toml")
    assert err.expected == "an existing, readable file"


def test_extras_for_other_kinds_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("six\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_spec(path, extras=["gpu"])
    assert info.value.source == str(path)
    assert "pyproject.toml" in info.value.message


EXTRAS = {
    "cuda": ["nvidia-cudnn-cu12>=8.9", "nvidia-nccl-cu12"],
    "onnx": ["onnxruntime-gpu>=1.17"],
    "viz": ["matplotlib", "seaborn>=0.13"],
    "all": ["demo[cuda,viz]"],
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table_order=st.permutations(sorted(EXTRAS)),
    request=st.lists(st.sampled_from(sorted(EXTRAS)), min_size=1, max_size=4),
    request_order=st.randoms(use_true_random=False),
)
def test_extras_selection_ignores_table_and_request_order(
    tmp_path: Path, table_order: list[str], request: list[str], request_order: random.Random
) -> None:
    body = "".join(f"{name} = {EXTRAS[name]!r}\n".replace("'", '"') for name in table_order)
    path = write(tmp_path, f'[project]\nname = "demo"\n[project.optional-dependencies]\n{body}')
    shuffled = list(request)
    request_order.shuffle(shuffled)
    first = read_pyproject(path, extras=request)
    second = read_pyproject(path, extras=shuffled)
    assert first == second
    expected: list[tuple[str, str]] = []
    for extra in sorted(set(request)):
        names = ["cuda", "viz"] if extra == "all" else [extra]
        expected += [(req, extra) for name in names for req in EXTRAS[name]]
    assert [(p.text, p.category) for p in first.pip] == expected


def test_a_number_too_long_for_python_is_an_input_error(tmp_path: Path) -> None:
    # tomllib raises a bare ValueError past Python's int-to-text digit limit
    path = write(tmp_path, '[project]\nname = "x"\nversion = "1"\nfoo = ' + "1" * 5000 + "\n")
    err = fail(path)
    assert err.message.startswith("invalid TOML:")
