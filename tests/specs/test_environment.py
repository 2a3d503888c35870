"""environment.yml reading: conda specs, pip sections, conda-lock extensions, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compatlib.errors import InputError
from compatlib.specs import (
    CONDA_PLATFORMS,
    MAIN_CATEGORY,
    Location,
    PythonRequirement,
    conda_package_name,
    read_environment,
    read_spec,
    selector_applies,
    spec_kind,
)

FIXTURES = Path(__file__).parent / "fixtures" / "environment"
ENV_FILE = FIXTURES / "environment.yml"
NO_ENV: dict[str, str] = {}


def write(folder: Path, text: str, name: str = "environment.yml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def fail(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_environment(path, environ=NO_ENV)
    assert info.value.source == str(path)
    return info.value


# --------------------------------------------------------------------------- the ML fixture


def test_fixture_conda_dependencies_with_locations() -> None:
    spec = read_environment(ENV_FILE, environ=NO_ENV)
    assert spec.name == "train-gpu"
    assert [d.spec for d in spec.conda] == [
        "python=3.11",
        "pytorch=2.1.2",
        "pytorch-cuda=12.1",
        "torchvision=0.16.2",
        "numpy>=1.24,<2",
        "pywin32",
        "pip",
    ]
    assert [d.name for d in spec.conda][:3] == ["python", "pytorch", "pytorch-cuda"]
    cuda = spec.conda[2]
    assert cuda.location == Location(str(ENV_FILE), 10, 5, "dependencies[2]")
    assert cuda.category == MAIN_CATEGORY
    assert [d.selector for d in spec.conda] == [None, None, None, None, None, "win", None]


def test_fixture_channels_platforms_variables_python() -> None:
    spec = read_environment(ENV_FILE, environ=NO_ENV)
    assert spec.channel_names == ("pytorch", "nvidia", "conda-forge")
    assert spec.nodefaults
    assert spec.channels[0].location == Location(str(ENV_FILE), 3, 5, "channels[0]")
    assert spec.platform_names == ("linux-64", "win-64")
    assert [(v.name, v.value) for v in spec.variables] == [
        ("CUDA_MODULE_LOADING", "LAZY"),
        ("OMP_NUM_THREADS", "8"),
    ]
    assert spec.variables[1].location.line == 20
    assert spec.python == (
        PythonRequirement("python=3.11", "conda", Location(str(ENV_FILE), 8, 5, "dependencies[0]")),
    )


def test_fixture_pip_section_is_read_like_a_requirements_file() -> None:
    spec = read_environment(ENV_FILE, environ=NO_ENV)
    assert [(p.text, p.location) for p in spec.pip] == [
        ("datasets>=2.18", Location(str(FIXTURES / "requirements-extra.txt"), 1)),
        ("transformers==4.38.2", Location(str(ENV_FILE), 18, 9, "dependencies[7].pip[2]")),
    ]
    extra = spec.indexes.extra_index_urls
    assert [u.value for u in extra] == ["https://download.pytorch.org/whl/cu121"]
    assert extra[0].location == Location(str(ENV_FILE), 16, 9, "dependencies[7].pip[0]")
    assert spec.sources == (str(ENV_FILE), str(FIXTURES / "requirements-extra.txt"))


def test_category_key_applies_to_conda_and_pip() -> None:
    spec = read_environment(FIXTURES / "dev-environment.yml", environ=NO_ENV)
    assert {d.category for d in spec.conda} == {"dev"}
    assert [(p.text, p.category) for p in spec.pip] == [("ruff>=0.4", "dev")]
    assert spec.categories == ("dev",)
    assert spec.in_categories(["main"]).conda == ()


def test_read_spec_and_kind_for_environment_files() -> None:
    assert spec_kind(ENV_FILE) == "environment"
    assert read_spec(ENV_FILE, environ=NO_ENV) == read_environment(ENV_FILE, environ=NO_ENV)


def test_deterministic_regardless_of_mapping_order(tmp_path: Path) -> None:
    one = write(
        tmp_path,
        "variables:\n  B: '2'\n  A: '1'\nchannels: [conda-forge]\ndependencies: [numpy]\n",
        "one.yml",
    )
    two = write(
        tmp_path,
        "dependencies: [numpy]\nchannels: [conda-forge]\nvariables:\n  A: '1'\n  B: '2'\n",
        "two.yml",
    )
    first = read_environment(one, environ=NO_ENV)
    second = read_environment(two, environ=NO_ENV)
    assert first.variables == second.variables
    assert [v.name for v in first.variables] == ["A", "B"]
    assert first.channel_names == second.channel_names
    assert read_environment(one, environ=NO_ENV) == first


# --------------------------------------------------------------------------- details


def test_variables_are_stringified(tmp_path: Path) -> None:
    path = write(tmp_path, "dependencies: []\nvariables:\n  A: 1.5\n  B: true\n  C: text\n  D: 0\n")
    spec = read_environment(path, environ=NO_ENV)
    assert [(v.name, v.value) for v in spec.variables] == [
        ("A", "1.5"),
        ("B", "true"),
        ("C", "text"),
        ("D", "0"),
    ]


def test_channel_duplicates_and_nodefaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "channels: [nodefaults, conda-forge, conda-forge, 'https://conda.anaconda.org/nvidia']\n"
        "dependencies: []\n",
    )
    spec = read_environment(path, environ=NO_ENV)
    assert spec.nodefaults
    assert spec.channel_names == ("conda-forge", "https://conda.anaconda.org/nvidia")


def test_python_pins_and_bare_python(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dependencies:\n  - python\n  - conda-forge::python>=3.10,<3.12\n  - python-dateutil\n",
    )
    spec = read_environment(path, environ=NO_ENV)
    assert [p.spec for p in spec.python] == ["conda-forge::python>=3.10,<3.12"]
    assert [d.name for d in spec.conda] == ["python", "python", "python-dateutil"]


def test_pip_items_expand_variables_and_drop_comments(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dependencies:\n  - pip:\n    - 'mylib==${MYLIB_VERSION} # pinned by CI'\n"
        "    - --index-url https://${TOKEN}@pkgs.example.com/simple\n",
    )
    spec = read_environment(path, environ={"MYLIB_VERSION": "1.4", "TOKEN": "t0k"})
    assert [p.text for p in spec.pip] == ["mylib==1.4"]
    assert spec.indexes.index_url is not None
    assert spec.indexes.index_url.value == "https://t0k@pkgs.example.com/simple"


def test_selectors_on_conda_and_pip_items(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dependencies:\n"
        "  - cudatoolkit=11.8  # [linux64]\n"
        "  - 'pywin32'  #  [ win ]\n"
        "  - numpy # pinned for [reasons] (see docs)\n"
        "  - pip:\n"
        "      - nvidia-ml-py  # [linux]\n",
    )
    spec = read_environment(path, environ=NO_ENV)
    assert [d.selector for d in spec.conda] == ["linux64", "win", None]
    assert spec.pip[0].selector == "linux"


@pytest.mark.parametrize(
    ("selector", "platform", "applies"),
    [
        (None, "linux-64", True),
        (None, "zos-z", True),
        ("linux", "linux-64", True),
        ("linux", "linux-aarch64", True),
        ("linux", "osx-arm64", False),
        ("linux64", "linux-aarch64", False),
        ("unix", "osx-64", True),
        ("unix", "win-64", False),
        ("osx", "osx-arm64", True),
        ("arm64", "osx-arm64", True),
        ("arm64", "linux-aarch64", False),
        ("osx64", "osx-arm64", False),
        ("win", "win-64", True),
        ("win64", "win-64", True),
        ("win", "linux-ppc64le", False),
        ("linux", "linux-s390x", False),  # outside conda-lock's selector table
    ],
)
def test_selector_applies(selector: str | None, platform: str, applies: bool) -> None:
    assert selector_applies(selector, platform) is applies


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("pytorch", "pytorch"),
        ("pytorch::pytorch>=2.1", "pytorch"),
        ("nvidia/label/cuda-12.1.0::cuda-toolkit", "cuda-toolkit"),
        ("python[version='>=3.10']", "python"),
        ("libblas=*=*mkl", "libblas"),
        ("NumPy 1.26.*", "numpy"),
        ("https://conda.anaconda.org/conda-forge/noarch/six-1.16.0-pyh6c4a22f_0.tar.bz2", None),
        ("*", None),
    ],
)
def test_conda_package_name(spec: str, name: str | None) -> None:
    assert conda_package_name(spec) == name


def test_known_platforms_include_common_targets() -> None:
    for platform in ("linux-64", "linux-aarch64", "osx-arm64", "win-64"):
        assert platform in CONDA_PLATFORMS
    assert "noarch" not in CONDA_PLATFORMS


# --------------------------------------------------------------------------- errors


def test_yaml_syntax_error_keeps_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\ndependencies:\n  - numpy\n - scipy\n")
    err = fail(path)
    assert err.line == 4
    assert err.column == 2
    assert err.expected == "valid YAML"
    assert err.text == " - scipy"
    assert err.message.startswith("invalid YAML:")


def test_tab_indentation_error(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "dependencies:\n\t- numpy\n"))
    assert err.line == 2
    assert err.expected == "valid YAML"


@pytest.mark.parametrize(
    ("text", "line", "field", "message", "expected"),
    [
        ("dependencies: numpy\n", 1, "dependencies", "'dependencies' must be a list", "YAML list"),
        ("- numpy\n", 1, None, "the document must be a mapping", "a mapping"),
        ("name: x\n", 1, None, "no 'dependencies'", "'dependencies:' list"),
        ("dependecies: [numpy]\n", 1, "dependecies", "unknown key 'dependecies'", "dependencies"),
        (
            "dependencies: []\ndependencies: [x]\n",
            2,
            "dependencies",
            "duplicate key",
            "each key once",
        ),
        ("channels: conda-forge\ndependencies: []\n", 1, "channels", "must be a list", "list"),
        (
            "channels: [[a]]\ndependencies: []\n",
            1,
            "channels[0]",
            "must be a string, not a list",
            "channel",
        ),
        ("channels: ['']\ndependencies: []\n", 1, "channels[0]", "empty channel", "channel"),
        (
            "platforms: [linux64]\ndependencies: []\n",
            1,
            "platforms[0]",
            "unknown platform 'linux64'",
            "linux-64",
        ),
        (
            "dependencies:\n  - numpy  # [py>=38]\n",
            2,
            "dependencies[0]",
            "unsupported platform selector",
            "linux64",
        ),
        (
            "dependencies:\n  - 1.5\n",
            2,
            "dependencies[0]",
            "must be a string, not float 1.5",
            "MatchSpec",
        ),
        ("dependencies:\n  - ''\n", 2, "dependencies[0]", "empty dependency", "MatchSpec"),
        (
            "dependencies:\n  - npm:\n    - left-pad\n",
            2,
            "dependencies[0].npm",
            "unknown installer section 'npm'",
            "'pip:' list",
        ),
        ("dependencies:\n  - pip: torch\n", 2, "dependencies[0].pip", "must be a list", "list"),
        (
            "dependencies:\n  - pip:\n    - [torch]\n",
            3,
            "dependencies[0].pip[0]",
            "must be a string",
            "pip requirement",
        ),
        (
            "dependencies:\n  - pip:\n    - torch==2.1 foo\n",
            3,
            "dependencies[0].pip[0]",
            "invalid requirement",
            "PEP 508",
        ),
        (
            "dependencies:\n  - pip:\n    - --hash=sha256:abc\n",
            3,
            "dependencies[0].pip[0]",
            "--hash must follow a requirement",
            "REQUIREMENT",
        ),
        ("dependencies: []\nvariables: [A]\n", 2, "variables", "must be a mapping", "mapping"),
        (
            "dependencies: []\nvariables:\n  A: [1]\n",
            3,
            "variables.A",
            "variable 'A' must be a string",
            "string",
        ),
        ("dependencies: []\nvariables:\n  A:\n", 3, "variables.A", "empty (null)", "string"),
        ("dependencies: []\ncategory: ''\n", 2, "category", "'category' is empty", "category name"),
        ("dependencies: []\ncategory: [dev]\n", 2, "category", "must be a string", "category name"),
        ("dependencies: []\nname: 3\n", 2, "name", "must be a string, not int 3", "string"),
        ("dependencies: []\n1: x\n", 2, None, "keys of the document must be strings", "string key"),
    ],
)
def test_errors_name_line_field_and_expectation(
    tmp_path: Path, text: str, line: int, field: str | None, message: str, expected: str
) -> None:
    err = fail(write(tmp_path, text))
    assert err.line == line
    assert err.field == field
    assert message in err.message
    assert err.expected is not None
    assert expected in err.expected


def test_empty_file(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "# nothing here\n"))
    assert "empty" in err.message
    assert err.expected == "a YAML mapping"


def test_missing_file(tmp_path: Path) -> None:
    err = fail(tmp_path / "environment.yml")
    assert err.expected == "an existing, readable file"


def test_pip_include_missing_points_at_yaml_item(tmp_path: Path) -> None:
    path = write(tmp_path, "dependencies:\n  - pip:\n    - six\n    - -r missing.txt\n")
    err = fail(path)
    assert err.line == 4
    assert err.field == "dependencies[0].pip[1]"
    assert "missing.txt" in err.message


def test_error_in_pip_included_file_points_at_that_file(tmp_path: Path) -> None:
    (tmp_path / "reqs.txt").write_text("ok\nbad==\n", encoding="utf-8")
    path = write(tmp_path, "dependencies:\n  - pip:\n    - -r reqs.txt\n")
    with pytest.raises(InputError) as info:
        read_environment(path, environ=NO_ENV)
    assert info.value.source == str(tmp_path / "reqs.txt")
    assert info.value.line == 2


VARIABLES = {
    "CUDA_VISIBLE_DEVICES": "0,1",
    "NCCL_DEBUG": "INFO",
    "OMP_NUM_THREADS": "8",
    "HF_HOME": "/mnt/hf",
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(sorted(VARIABLES)), keys_first=st.booleans())
def test_variables_do_not_depend_on_file_order(
    tmp_path: Path, order: list[str], keys_first: bool
) -> None:
    variables = "variables:\n" + "".join(f"  {k}: '{VARIABLES[k]}'\n" for k in order)
    deps = "dependencies:\n  - pytorch\n"
    path = write(tmp_path, variables + deps if keys_first else deps + variables)
    spec = read_environment(path, environ=NO_ENV)
    assert [(v.name, v.value) for v in spec.variables] == sorted(VARIABLES.items())
