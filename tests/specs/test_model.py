"""The shared spec model: merging specs, dispatch by file kind, small value helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from compatlib.errors import InputError
from compatlib.specs import (
    MERGED_SOURCE,
    IndexOptions,
    Located,
    Location,
    Spec,
    Variable,
    merge_specs,
    read_environment,
    read_pyproject,
    read_requirements,
    read_spec,
    spec_kind,
)

FIXTURES = Path(__file__).parent / "fixtures"
NO_ENV: dict[str, str] = {}


def located(value: str, source: str = "f", line: int = 1) -> Located[str]:
    return Located(value, Location(source, line))


def test_location_renders_like_compiler_messages() -> None:
    assert str(Location("env.yml", 3, 5, "dependencies[0]")) == "env.yml:3:5"
    assert str(Location("r.txt", 7)) == "r.txt:7"
    assert str(Location("pyproject.toml")) == "pyproject.toml"


def test_merge_environment_with_dev_file_like_conda_lock() -> None:
    main = read_environment(FIXTURES / "environment" / "environment.yml", environ=NO_ENV)
    dev = read_environment(FIXTURES / "environment" / "dev-environment.yml", environ=NO_ENV)
    merged = merge_specs(main, dev)
    assert merged.source == MERGED_SOURCE
    assert merged.name == "train-gpu"
    assert merged.conda == main.conda + dev.conda
    assert merged.pip == main.pip + dev.pip
    # dev's [conda-forge] is the tail of [pytorch, nvidia, conda-forge]
    assert merged.channel_names == ("pytorch", "nvidia", "conda-forge")
    assert merged.nodefaults
    assert merged.platform_names == ("linux-64", "win-64")
    assert merged.categories == ("main", "dev")
    assert merged.sources == main.sources + dev.sources


def test_merge_requirements_and_pyproject() -> None:
    reqs = read_requirements(FIXTURES / "requirements" / "requirements.txt", environ=NO_ENV)
    proj = read_pyproject(FIXTURES / "pyproject" / "pyproject.toml", groups=["test"])
    merged = merge_specs(reqs, proj)
    assert merged.pip == reqs.pip + proj.pip
    assert merged.constraints == reqs.constraints
    assert merged.python == proj.python
    assert merged.indexes.extra_index_urls == reqs.indexes.extra_index_urls
    assert merged.name == "vision-trainer"


def test_merge_of_one_and_of_none() -> None:
    spec = Spec(source="a")
    assert merge_specs(spec) is spec
    assert merge_specs() == Spec(source=MERGED_SOURCE)


def test_merge_unites_index_options_in_order() -> None:
    one = Spec(
        source="a",
        indexes=IndexOptions(
            index_url=located("https://mirror/simple"),
            extra_index_urls=(located("https://download.pytorch.org/whl/cu121"),),
        ),
    )
    two = Spec(
        source="b",
        indexes=IndexOptions(
            index_url=located("https://mirror/simple", "b"),
            extra_index_urls=(
                located("https://pypi.nvidia.com", "b"),
                located("https://download.pytorch.org/whl/cu121", "b"),
            ),
            no_index=True,
        ),
    )
    merged = merge_specs(one, two).indexes
    assert merged.index_url == one.indexes.index_url
    assert [u.value for u in merged.extra_index_urls] == [
        "https://download.pytorch.org/whl/cu121",
        "https://pypi.nvidia.com",
    ]
    assert merged.no_index


def test_merge_variables_sorted_and_deduplicated() -> None:
    one = Spec(source="a", variables=(Variable("B", "1", Location("a", 1)),))
    two = Spec(
        source="b",
        variables=(Variable("A", "2", Location("b", 1)), Variable("B", "1", Location("b", 2))),
    )
    assert [(v.name, v.value) for v in merge_specs(one, two).variables] == [("A", "2"), ("B", "1")]


@pytest.mark.parametrize(
    ("first", "second", "message", "expected"),
    [
        (
            Spec(source="a", channels=(located("pytorch"), located("conda-forge"))),
            Spec(source="b", channels=(located("defaults", "b", 4),)),
            "channel priority would be ambiguous",
            "ends like",
        ),
        (
            Spec(source="a", platforms=(located("linux-64"),)),
            Spec(source="b", platforms=(located("osx-arm64", "b", 4),)),
            "platforms ['osx-arm64'] differ",
            "same platforms",
        ),
        (
            Spec(source="a", indexes=IndexOptions(index_url=located("https://u:p@one/simple"))),
            Spec(source="b", indexes=IndexOptions(index_url=located("https://two/simple", "b", 4))),
            "index URL 'https://two/simple' differs from 'https://****@one/simple'",
            "--extra-index-url",
        ),
        (
            Spec(source="a", variables=(Variable("X", "1", Location("a", 1)),)),
            Spec(source="b", variables=(Variable("X", "2", Location("b", 4)),)),
            "variable X is '2' here but '1'",
            "one value per variable",
        ),
        (
            Spec(source="a", image=located("img:1")),
            Spec(source="b", image=located("img:2", "b", 4)),
            "image 'img:2' differs",
            "one base image",
        ),
    ],
)
def test_merge_conflicts_point_at_the_second_value(
    first: Spec, second: Spec, message: str, expected: str
) -> None:
    with pytest.raises(InputError) as info:
        merge_specs(first, second)
    assert (info.value.source, info.value.line) == ("b", 4)
    assert message in info.value.message
    assert info.value.expected is not None
    assert expected in info.value.expected


def test_merge_accepts_platforms_in_any_order() -> None:
    one = Spec(source="a", platforms=(located("linux-64"), located("win-64")))
    two = Spec(source="b", platforms=(located("win-64", "b"), located("linux-64", "b")))
    assert merge_specs(one, Spec(source="c"), two).platform_names == ("linux-64", "win-64")


def test_merge_two_azureml_environments_is_refused() -> None:
    one = read_spec(FIXTURES / "azureml" / "environment.yml", environ=NO_ENV)
    two = read_spec(FIXTURES / "azureml" / "inline.yml", environ=NO_ENV)
    with pytest.raises(InputError) as info:
        merge_specs(one, two)
    assert "second Azure ML environment" in info.value.message


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("requirements.txt", "requirements"),
        ("requirements-dev.in", "requirements"),
        ("requirements", "requirements"),
        ("constraints.TXT", "requirements"),
        ("pyproject.toml", "pyproject"),
    ],
)
def test_spec_kind_by_name(tmp_path: Path, name: str, kind: str) -> None:
    assert spec_kind(tmp_path / name) == kind


def test_spec_kind_by_yaml_content(tmp_path: Path) -> None:
    conda = tmp_path / "a.yaml"
    conda.write_text("dependencies: [numpy]\n", encoding="utf-8")
    aml = tmp_path / "b.yaml"
    aml.write_text("name: x\nimage: img\n", encoding="utf-8")
    odd = tmp_path / "c.yaml"
    odd.write_text("- a\n", encoding="utf-8")
    assert [spec_kind(p) for p in (conda, aml, odd)] == ["environment", "azureml", "environment"]


def test_spec_kind_unknown(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        spec_kind(tmp_path / "Pipfile")
    assert info.value.source == str(tmp_path / "Pipfile")
    assert info.value.expected is not None
    assert "pyproject.toml" in info.value.expected


def test_in_categories_filters_dependencies() -> None:
    spec = read_pyproject(
        FIXTURES / "pyproject" / "pyproject.toml", extras=["cuda"], groups=["lint"]
    )
    only = spec.in_categories(["main", "cuda"])
    assert {p.category for p in only.pip} == {"main", "cuda"}
    assert only.python == spec.python
