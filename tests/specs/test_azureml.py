"""Azure ML CLI v2 environment YAML: image/build/conda_file, metadata and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from compatlib.errors import InputError
from compatlib.specs import (
    BuildContext,
    InferenceConfig,
    Location,
    Route,
    read_azureml_environment,
    read_environment,
    read_spec,
    spec_kind,
)

FIXTURES = Path(__file__).parent / "fixtures" / "azureml"
NO_ENV: dict[str, str] = {}
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.8-cudnn8-ubuntu22.04:latest"


def write(folder: Path, text: str, name: str = "env.yml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def fail(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_azureml_environment(path, environ=NO_ENV)
    return info.value


# --------------------------------------------------------------------------- fixtures


def test_image_plus_conda_file() -> None:
    path = FIXTURES / "environment.yml"
    spec = read_azureml_environment(path, environ=NO_ENV)
    conda_file = FIXTURES / "conda" / "environment.yml"
    conda = read_environment(conda_file, environ=NO_ENV)
    assert spec.source == str(path)
    assert spec.name == "train-gpu-env"
    assert spec.conda == conda.conda
    assert spec.pip == conda.pip
    assert spec.channel_names == ("pytorch", "nvidia", "conda-forge")
    assert [p.spec for p in spec.python] == ["python=3.10"]
    assert spec.python[0].location.source == str(conda_file)
    assert spec.image is not None
    assert spec.image.value == IMAGE
    assert spec.image.location == Location(str(path), 8, 8, "image")
    assert spec.sources == (str(path), str(conda_file))


def test_metadata_is_recorded_and_tags_sorted() -> None:
    meta = read_azureml_environment(FIXTURES / "environment.yml", environ=NO_ENV).azureml
    assert meta is not None
    assert meta.name == "train-gpu-env"
    assert meta.version == "3"  # an integer in YAML, a string in the model
    assert meta.description == "PyTorch 2.1 training on a CUDA 11.8 base image"
    assert meta.tags == (("cuda", "11.8"), ("framework", "pytorch"))
    assert meta.conda_file == "conda/environment.yml"
    assert meta.build is None
    assert meta.os_type == "linux"
    assert meta.schema == "https://azuremlschemas.azureedge.net/latest/environment.schema.json"


def test_docker_build_context_is_recorded_not_followed() -> None:
    path = FIXTURES / "docker-context.yml"
    spec = read_azureml_environment(path, environ=NO_ENV)
    assert spec.conda == ()
    assert spec.pip == ()
    assert spec.image is None
    assert spec.azureml is not None
    assert spec.azureml.build == BuildContext(
        path="docker-context",
        dockerfile_path="Dockerfile",
        location=Location(str(path), 4, 3, "build"),
    )
    assert spec.sources == (str(path),)


def test_inline_conda_file_and_inference_config() -> None:
    path = FIXTURES / "inline.yml"
    spec = read_azureml_environment(path, environ=NO_ENV)
    assert [d.spec for d in spec.conda] == ["python=3.11", "scikit-learn=1.4"]
    assert spec.conda[1].location == Location(str(path), 9, 7, "conda_file.dependencies[1]")
    assert [p.text for p in spec.pip] == ["azureml-inference-server-http"]
    assert spec.pip[0].location.field == "conda_file.dependencies[2].pip[0]"
    assert spec.azureml is not None
    assert spec.azureml.version == "1.2"
    assert spec.azureml.conda_file is None
    assert spec.azureml.inference_config == InferenceConfig(
        liveness_route=Route("/live", 5001),
        readiness_route=Route("/ready", 5001),
        scoring_route=Route("/score", 5001),
    )


@pytest.mark.parametrize("name", ["environment.yml", "docker-context.yml", "inline.yml"])
def test_read_spec_recognizes_azureml_files(name: str) -> None:
    path = FIXTURES / name
    assert spec_kind(path) == "azureml"
    assert read_spec(path, environ=NO_ENV) == read_azureml_environment(path, environ=NO_ENV)


def test_conda_file_itself_is_an_environment() -> None:
    assert spec_kind(FIXTURES / "conda" / "environment.yml") == "environment"


def test_tags_order_does_not_matter(tmp_path: Path) -> None:
    one = write(tmp_path, "name: e\nimage: img\ntags:\n  b: 2\n  a: true\n", "one.yml")
    two = write(tmp_path, "tags:\n  a: true\n  b: 2\nimage: img\nname: e\n", "two.yml")
    first = read_azureml_environment(one, environ=NO_ENV).azureml
    second = read_azureml_environment(two, environ=NO_ENV).azureml
    assert first is not None
    assert second is not None
    assert first.tags == second.tags == (("a", "true"), ("b", "2"))


def test_windows_os_type_and_dockerfile_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: w\nos_type: Windows\nbuild:\n  path: ctx\n  dockerfile_path: docker/GPU.Dockerfile\n",
    )
    meta = read_azureml_environment(path, environ=NO_ENV).azureml
    assert meta is not None
    assert meta.os_type == "windows"
    assert meta.build is not None
    assert meta.build.dockerfile_path == "docker/GPU.Dockerfile"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "field", "message", "expected"),
    [
        ("image: img\n", 1, "name", "has no 'name'", "name:"),
        ("name: ''\nimage: img\n", 1, "name", "'name' is empty", "environment name"),
        ("name: [a]\nimage: img\n", 1, "name", "must be a string", "environment name"),
        ("name: e\n", 1, "image", "needs 'image' or 'build'", "exactly one of image, build"),
        (
            "name: e\nimage: img\nbuild:\n  path: ctx\n",
            3,
            "build",
            "both 'image' and 'build'",
            "exactly one",
        ),
        ("name: e\nimage: ''\n", 2, "image", "'image' is empty", "Docker image"),
        (
            "name: e\nbuild:\n  path: ctx\nconda_file: c.yml\n",
            4,
            "conda_file",
            "needs 'image'",
            "image:",
        ),
        (
            "name: e\nimage: img\nconda_file: missing.yml\n",
            3,
            "conda_file",
            "does not exist",
            "relative",
        ),
        (
            "name: e\nimage: img\nconda_file: https://x/c.yml\n",
            3,
            "conda_file",
            "not a local path",
            "relative",
        ),
        ("name: e\nimage: img\nconda_file: [a]\n", 3, "conda_file", "must be a mapping", "mapping"),
        (
            "name: e\nimage: img\nconda_file:\n  channels: [x]\n",
            4,
            "conda_file",
            "no 'dependencies'",
            "dependencies",
        ),
        (
            "name: e\nimage: img\ndependencies: [numpy]\n",
            3,
            "dependencies",
            "belongs in the conda file",
            "conda_file",
        ),
        (
            "name: e\nimage: img\nchannels: [x]\n",
            3,
            "channels",
            "belongs in the conda file",
            "conda_file",
        ),
        ("name: e\nimage: img\nimages: x\n", 3, "images", "unknown key 'images'", "$schema"),
        (
            "name: e\nimage: img\nos_type: macos\n",
            3,
            "os_type",
            "unknown os_type 'macos'",
            "linux or windows",
        ),
        ("name: e\nimage: img\nversion: [1]\n", 3, "version", "string or a number", "version: 1"),
        (
            "name: e\nimage: img\nversion: true\n",
            3,
            "version",
            "string or a number",
            "version: 1",
        ),
        ("name: e\nimage: img\ntags:\n  a: [1]\n", 4, "tags.a", "scalar value", "string"),
        ("name: e\nimage: img\ntags: [a]\n", 3, "tags", "must be a mapping", "mapping"),
        ("name: e\nbuild: ctx\n", 2, "build", "must be a mapping", "mapping"),
        (
            "name: e\nbuild:\n  dockerfile_path: D\n",
            3,
            "build.path",
            "has no 'path'",
            "build context",
        ),
        (
            "name: e\nbuild:\n  path: c\n  context: d\n",
            4,
            "build.context",
            "unknown key 'context'",
            "dockerfile_path",
        ),
        (
            "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\nname: e\nimage: i\n",
            1,
            "$schema",
            "not the Azure ML environment schema",
            "environment.schema.json",
        ),
        (
            "name: e\nimage: i\ninference_config:\n  liveness_route: {path: /l, port: 1}\n",
            4,
            "inference_config.readiness_route",
            "no 'readiness_route'",
            "scoring_route",
        ),
        (
            "name: e\nimage: i\ninference_config:\n  liveness_route: {path: /l, port: 1}\n"
            "  readiness_route: {path: /r, port: 0}\n  scoring_route: {path: /s, port: 1}\n",
            5,
            "inference_config.readiness_route.port",
            "invalid port 0",
            "1 to 65535",
        ),
        (
            "name: e\nimage: i\ninference_config:\n  liveness_route: {path: /l}\n",
            4,
            "inference_config.liveness_route",
            "needs both 'path' and 'port'",
            "port: 5001",
        ),
        (
            "name: e\nimage: i\ninference_config:\n  live: {}\n",
            4,
            "inference_config.live",
            "unknown key 'live'",
            "scoring_route",
        ),
        (
            "name: e\nimage: i\ninference_config:\n  liveness_route: {path: /l, port: 1, host: h}\n",
            4,
            "inference_config.liveness_route.host",
            "unknown key 'host'",
            "path, port",
        ),
    ],
)
def test_errors_name_line_field_and_expectation(
    tmp_path: Path, text: str, line: int, field: str, message: str, expected: str
) -> None:
    path = write(tmp_path, text)
    err = fail(path)
    assert err.source == str(path)
    assert err.line == line
    assert err.field == field
    assert message in err.message
    assert err.expected is not None
    assert expected in err.expected


def test_error_inside_conda_file_points_at_the_conda_file(tmp_path: Path) -> None:
    (tmp_path / "conda.yml").write_text("dependencies: pytorch\n", encoding="utf-8")
    err = fail(write(tmp_path, "name: e\nimage: img\nconda_file: conda.yml\n"))
    assert err.source == str(tmp_path / "conda.yml")
    assert err.line == 1
    assert err.field == "dependencies"


def test_yaml_error(tmp_path: Path) -> None:
    path = write(tmp_path, "name: e\nimage: [img\n")
    err = fail(path)
    assert err.source == str(path)
    assert err.expected == "valid YAML"
    assert err.line is not None


def test_file_prefix_and_numeric_versions(tmp_path: Path) -> None:
    conda = tmp_path / "conda.yml"
    conda.write_text("dependencies:\n  - python=3.11\n", encoding="utf-8")
    path = write(tmp_path, "name: e\nversion: 1.5\nimage: img\nconda_file: file:conda.yml\n")
    spec = read_azureml_environment(path, environ=NO_ENV)
    assert [d.spec for d in spec.conda] == ["python=3.11"]
    assert spec.azureml is not None
    assert spec.azureml.version == "1.5"
    assert spec.azureml.conda_file == "file:conda.yml"
