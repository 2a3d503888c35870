"""Mixed conda + pip environments solved as one problem (compatlib.resolve.providers.mixed).

A small conda channel is written to tmp_path as real repodata.json files and
the PyPI side is an in-memory Index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from compatlib.errors import InputError
from compatlib.lock.conda import environment_lock
from compatlib.resolve.conda_solve import solve_environment
from compatlib.resolve.providers.mixed import (
    CondaPypiMap,
    FromConda,
    MixedProvider,
    load_mapping,
    pep440_of,
)
from compatlib.solver.errors import UnsatisfiableError
from compatlib.solver.render import render_text
from compatlib.sources.memory import Artifact, Index, IndexRelease
from compatlib.specs.model import CondaDependency, Located, Location, PipRequirement, Spec
from compatlib.values.conda_version import CondaVersion
from compatlib.values.target import Target

LINUX = Target(platform="linux-64")
HERE = Location("environment.yml", line=1)


def conda_entry(
    name: str, version: str, build: str, depends: tuple[str, ...] = ()
) -> tuple[str, dict[str, Any]]:
    return f"{name}-{version}-{build}.conda", {
        "name": name,
        "version": version,
        "build": build,
        "build_number": 0,
        "depends": list(depends),
        "subdir": "linux-64",
        "md5": "a" * 32,
        "sha256": "b" * 64,
    }


@pytest.fixture
def channel(tmp_path: Path) -> Path:
    root = tmp_path / "forge"
    entries = dict(
        [
            conda_entry("python", "3.11.8", "h0_cpython"),
            conda_entry("python", "3.12.1", "h0_cpython"),
            conda_entry("libblas", "3.9.0", "openblas"),
            conda_entry("numpy", "1.26.4", "py311h0", ("python >=3.11,<3.12.0a0", "libblas")),
            conda_entry("numpy", "1.26.4", "py312h0", ("python >=3.12,<3.13.0a0", "libblas")),
            conda_entry("pytorch", "2.1.0", "py311_cpu", ("python >=3.11,<3.12.0a0", "numpy")),
            conda_entry("condaonly", "0.5", "py_0", ("python",)),
            conda_entry("openssl", "3.2.1", "h0"),
        ]
    )
    for subdir, pkgs in (("linux-64", entries), ("noarch", {})):
        (root / subdir).mkdir(parents=True)
        doc = {"info": {"subdir": subdir}, "packages.conda": pkgs}
        (root / subdir / "repodata.json").write_text(json.dumps(doc))
    return root


def wheel(name: str, version: str, tags: str = "py3-none-any") -> Artifact:
    filename = f"{name}-{version}-{tags}.whl"
    return Artifact(
        filename,
        url=f"https://files.example/{filename}",
        hashes=(("sha256", f"{len(filename):064x}"),),
    )


def sdist(name: str, version: str) -> Artifact:
    filename = f"{name}-{version}.tar.gz"
    return Artifact(
        filename, url=f"https://files.example/{filename}", hashes=(("sha256", "c" * 64),)
    )


NUMPY_WHEELS = "cp311-cp311-manylinux_2_17_x86_64"

INDEX = Index(
    {
        "numpy": [
            IndexRelease(
                "1.26.4",
                requires_python=">=3.9",
                artifacts=(wheel("numpy", "1.26.4", NUMPY_WHEELS), sdist("numpy", "1.26.4")),
            ),
            IndexRelease(
                "2.0.0",
                requires_python=">=3.9",
                artifacts=(wheel("numpy", "2.0.0", NUMPY_WHEELS), sdist("numpy", "2.0.0")),
            ),
        ],
        "foo": [
            IndexRelease("1.0", requires=("numpy>=1.20", "six"), artifacts=(wheel("foo", "1.0"),))
        ],
        "six": [IndexRelease("1.16.0", artifacts=(wheel("six", "1.16.0"), sdist("six", "1.16.0")))],
        "bar": [IndexRelease("2.0", requires=("numpy>=2",), artifacts=(wheel("bar", "2.0"),))],
        "lightning": [
            IndexRelease(
                "2.2.0", requires=("torch>=2.0",), artifacts=(wheel("lightning", "2.2.0"),)
            )
        ],
        "torch": [IndexRelease("2.3.0", artifacts=(wheel("torch", "2.3.0", NUMPY_WHEELS),))],
        "newpy": [
            IndexRelease("1.0", requires_python=">=3.8", artifacts=(wheel("newpy", "1.0"),)),
            IndexRelease("2.0", requires_python=">=3.12", artifacts=(wheel("newpy", "2.0"),)),
        ],
        "only311": [
            IndexRelease(
                "1.0", artifacts=(wheel("only311", "1.0", "cp311-cp311-manylinux_2_17_x86_64"),)
            )
        ],
        "marked": [
            IndexRelease(
                "1.0",
                requires=('six; python_version < "3.12"', 'foo; python_version >= "3.12"'),
                artifacts=(wheel("marked", "1.0"),),
            )
        ],
        "usesconda": [
            IndexRelease(
                "1.0", requires=("condaonly>=0.5",), artifacts=(wheel("usesconda", "1.0"),)
            )
        ],
    }
)


def spec(channel: Path, conda: list[str], pip: list[str]) -> Spec:
    return Spec(
        "environment.yml",
        conda=tuple(CondaDependency(c, HERE) for c in conda),
        pip=tuple(PipRequirement(Requirement(p), p, HERE) for p in pip),
        channels=(Located(str(channel), HERE),),
    )


def solve(channel: Path, conda: list[str], pip: list[str], **kw: Any) -> Any:
    return solve_environment(
        spec(channel, conda, pip), target=kw.pop("target", LINUX), pypi_repository=INDEX, **kw
    )


def test_pip_requirement_satisfied_by_conda_package(channel: Path) -> None:
    res = solve(channel, ["python=3.11", "numpy"], ["foo"])
    assert res.conda.versions == {
        "libblas": "3.9.0",
        "numpy": "1.26.4",
        "python": "3.11.8",
    }
    assert sorted(res.pip) == ["foo", "six"]  # numpy is not installed again by pip
    assert res.from_conda == {"numpy": "numpy"}
    assert res.python == "3.11.8"
    assert res.versions == {
        "libblas": "3.9.0",
        "numpy": "1.26.4",
        "pip:foo": "1.0",
        "pip:six": "1.16.0",
        "python": "3.11.8",
    }


def test_conda_version_must_satisfy_pip_specifier(channel: Path) -> None:
    with pytest.raises(UnsatisfiableError) as err:
        solve(channel, ["python=3.11", "numpy"], ["bar"])
    text = render_text(err.value.explanation)
    assert "bar (pip) 2.0 depends on numpy>=2" in text
    assert "conda's numpy 1.26.4" in text  # the conda package is named
    assert "you require bar and numpy" in text


def test_without_conda_package_pip_installs_from_index(channel: Path) -> None:
    res = solve(channel, ["python=3.11"], ["bar"])
    assert res.pip["numpy"].version == Version("2.0.0")
    assert res.from_conda == {}
    assert "numpy" not in res.conda


def test_python_of_pip_side_is_the_conda_python(channel: Path) -> None:
    # newpy 2.0 needs Python >=3.12: with conda's python pinned to 3.11, pip gets 1.0
    res = solve(channel, ["python=3.11"], ["newpy"])
    assert res.pip["newpy"].version == Version("1.0")
    res = solve(channel, ["python=3.12"], ["newpy"])
    assert res.pip["newpy"].version == Version("2.0")
    with pytest.raises(UnsatisfiableError) as err:
        solve(channel, ["python=3.11"], ["newpy>=2"])
    text = render_text(err.value.explanation)
    assert "newpy (pip) 2.0 depends on Python>=3.12" in text
    assert "python" in text


def test_python_minor_chosen_newest_first_until_pip_fits(channel: Path) -> None:
    # only311 has nothing but cp311 wheels: 3.12 fails, 3.11 solves
    res = solve(channel, ["numpy"], ["only311"])
    assert res.python == "3.11.8"
    assert res.conda.record("numpy").build == "py311h0"
    assert solve(channel, ["numpy"], ["six"]).python == "3.12.1"
    # an explicit target Python decides it
    fixed = solve(channel, ["numpy"], ["six"], target=Target(platform="linux-64", python="3.11"))
    assert fixed.python == "3.11.8"


def test_requires_python_of_the_spec_limits_the_choice(channel: Path) -> None:
    from compatlib._values import replace
    from compatlib.specs.model import PythonRequirement

    base = spec(channel, ["numpy"], ["six"])
    limited = replace(base, python=(PythonRequirement(">=3.10,<3.12", "pep440", HERE),))
    res = solve_environment(limited, target=LINUX, pypi_repository=INDEX)
    assert res.python == "3.11.8"
    bad = replace(base, python=(PythonRequirement(">=3.10,<<3", "pep440", HERE),))
    with pytest.raises(InputError, match="invalid Python requirement"):
        solve_environment(bad, target=LINUX, pypi_repository=INDEX)


def test_yanked_hint_survives_the_mixed_provider(channel: Path) -> None:
    # the pip side's explanation hints come through the mixed provider too
    index = Index(
        {
            "yankee": [
                IndexRelease("1.0", artifacts=(wheel("yankee", "1.0"),)),
                IndexRelease("2.0", yanked=True, artifacts=(wheel("yankee", "2.0"),)),
            ]
        }
    )
    with pytest.raises(UnsatisfiableError) as err:
        solve_environment(
            spec(channel, ["python=3.11"], ["yankee>=2"]), target=LINUX, pypi_repository=index
        )
    expl = err.value.explanation
    assert expl.text.startswith("You require yankee>=2 (no usable version of yankee (pip)")
    assert expl.hints == (
        "yankee 2.0 is yanked; pin one exactly (for example yankee==2.0) to use it anyway",
    )
    assert "Hints:\n- yankee 2.0 is yanked" in expl.report
    # pinned exactly, the yanked release is used, as pip does
    res = solve_environment(
        spec(channel, ["python=3.11"], ["yankee==2.0"]), target=LINUX, pypi_repository=index
    )
    assert res.pip["yankee"].version == Version("2.0")


def test_mixed_provider_answers_for_each_side(channel: Path) -> None:
    from compatlib.resolve.keys import DRIVER, CondaKey, PipKey
    from compatlib.resolve.providers.conda import CondaProvider
    from compatlib.resolve.providers.python import PythonProvider
    from compatlib.sources.conda import Channel
    from compatlib.sources.conda.matchspec import MatchSpec
    from compatlib.stack.profile import parse_system

    target = Target(platform="linux-64", python="3.11", system=parse_system("driver=470.82.01"))
    conda = CondaProvider(Channel.load(channel, "linux-64"), subdir="linux-64")
    provider = MixedProvider(conda, PythonProvider(INDEX, target))
    numpy = CondaKey("numpy")
    assert provider.package_text(numpy) == "numpy"
    assert provider.package_text(PipKey("numpy")) == "numpy (pip)"
    assert provider.package_text(DRIVER) == "NVIDIA driver (pip)"
    assert provider.layer_of(DRIVER) == "NVIDIA driver"
    assert provider.layer_of(CondaKey("__glibc")) == "glibc version"
    assert provider.layer_of(numpy) is None
    assert provider.fixed_value(DRIVER) == "the target's NVIDIA driver is 470.82.01"
    assert provider.fixed_value(CondaKey("__cuda")) == (
        "the target has no __cuda (CUDA version the driver supports)"
    )
    assert provider.hint(numpy, MatchSpec.parse("numpy >=9")) is None
    # numpy from conda is a candidate of pip's numpy, tried after PyPI's
    cands = provider.candidates(PipKey("numpy"))
    assert [provider.version_text(PipKey("numpy"), c) for c in cands] == [
        "1.26.4 (conda)",
        "1.26.4",
        "2.0.0",
    ]


def test_pip_markers_use_the_chosen_python(channel: Path) -> None:
    assert sorted(solve(channel, ["python=3.11"], ["marked"]).pip) == ["marked", "six"]
    res = solve(channel, ["python=3.12", "numpy"], ["marked"])
    assert sorted(res.pip) == ["foo", "marked", "six"]
    assert res.from_conda == {"numpy": "numpy"}


def test_mapping_pytorch_provides_torch(channel: Path) -> None:
    res = solve(channel, ["python=3.11", "pytorch"], ["lightning"])
    assert res.from_conda == {"torch": "pytorch"}
    assert sorted(res.pip) == ["lightning"]
    # lightning's requirement would take torch 2.3.0 from PyPI, but conda's
    # pytorch 2.1.0 provides torch: pip may not install it again
    with pytest.raises(UnsatisfiableError) as err:
        solve(channel, ["python=3.11", "pytorch"], ["torch>=2.3"])
    assert "conda's pytorch 2.1.0" in render_text(err.value.explanation)


def test_conda_package_used_when_only_conda_has_it(channel: Path) -> None:
    res = solve(channel, ["python=3.11"], ["usesconda"])
    assert res.from_conda == {"condaonly": "condaonly"}
    assert res.conda.versions["condaonly"] == "0.5"


def test_same_name_rule_can_be_switched_off(channel: Path) -> None:
    res = solve(
        channel, ["python=3.11", "numpy"], ["foo"], mapping=CondaPypiMap({}, same_name=False)
    )
    assert res.from_conda == {}
    assert res.pip["numpy"].version == Version("2.0.0")  # a second numpy, from PyPI


def test_lock_has_conda_and_pip_files(channel: Path) -> None:
    res = solve(channel, ["python=3.11", "numpy"], ["foo"])
    lock = environment_lock(res)
    rows = {(p.manager, p.name): p for p in lock.packages}
    assert sorted(rows) == [
        ("conda", "libblas"),
        ("conda", "numpy"),
        ("conda", "python"),
        ("pip", "foo"),
        ("pip", "six"),
    ]
    six = rows[("pip", "six")]
    assert (
        six.url == "https://files.example/six-1.16.0-py3-none-any.whl"
    )  # the wheel, not the sdist
    assert six.filename == "six-1.16.0-py3-none-any.whl"
    assert dict(six.hashes) == {"sha256": f"{len('six-1.16.0-py3-none-any.whl'):064x}"}
    assert rows[("pip", "foo")].dependencies == (("numpy", "numpy>=1.20"), ("six", "six"))
    numpy = rows[("conda", "numpy")]
    assert dict(numpy.hashes) == {"md5": "a" * 32, "sha256": "b" * 64}
    assert numpy.url.endswith("/linux-64/numpy-1.26.4-py311h0.conda")
    assert {p.platform for p in lock.packages} == {"linux-64"}
    assert lock.to_json() == environment_lock(res).to_json()


def test_pip_best_wheel_for_target(channel: Path) -> None:
    res = solve(channel, ["python=3.11"], ["numpy"])
    art = res.pip["numpy"].artifact
    assert art is not None
    assert art.filename == f"numpy-2.0.0-{NUMPY_WHEELS}.whl"


def test_unnamed_pip_requirement_is_refused(channel: Path) -> None:
    bad = Spec(
        "environment.yml",
        conda=(CondaDependency("python=3.11", HERE),),
        pip=(PipRequirement(None, "-e .", Location("environment.yml", line=7), editable=True),),
        channels=(Located(str(channel), HERE),),
    )
    with pytest.raises(InputError) as err:
        solve_environment(bad, target=LINUX, pypi_repository=INDEX)
    assert err.value.line == 7


def test_environment_file_with_pip_section(tmp_path: Path, channel: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python=3.11\n  - numpy\n  - pip\n"
        "  - pip:\n      - foo\n"
    )
    with pytest.raises(UnsatisfiableError, match="pip"):
        # the channel has no conda 'pip' package
        solve_environment(env, target=LINUX, pypi_repository=INDEX)
    env.write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python=3.11\n  - numpy\n"
        "  - pip:\n      - foo\n"
    )
    res = solve_environment(env, target=LINUX, pypi_repository=INDEX)
    assert res.from_conda == {"numpy": "numpy"}
    assert sorted(res.pip) == ["foo", "six"]


def test_shipped_mapping() -> None:
    table = load_mapping()
    assert table["pytorch"] == "torch"
    assert table["matplotlib-base"] == "matplotlib"
    m = CondaPypiMap()
    assert m.to_conda["torch"] == ("pytorch",)
    import yaml

    from compatlib._datafiles import data_path

    doc = yaml.safe_load(data_path("mappings", "conda-pypi.yaml").read_text())
    for entry in doc["mappings"]:
        assert entry["source"].startswith("https://"), entry
    conda_names = [e["conda"] for e in doc["mappings"]]
    assert len(conda_names) == len(set(conda_names))


def test_bad_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("mappings:\n  - conda: pytorch\n")
    with pytest.raises(InputError) as err:
        load_mapping(path)
    assert err.value.field == "mappings[0]"


def test_conda_versions_as_pep440() -> None:
    assert pep440_of(CondaVersion("1.26.4")) == Version("1.26.4")
    assert pep440_of(CondaVersion("1.0.x")) is None
    assert str(FromConda(Version("1.0"), "numpy", CondaVersion("1.0"))) == "1.0 (conda numpy)"
