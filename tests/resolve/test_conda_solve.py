"""Conda solving: the conda provider and ``solve_conda`` on hand-made channels,
plus the known answers of conda's, rattler's and mamba's own test channels
(read in place from ../shared/peer-suites/conda/; skipped when absent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compatlib.errors import InputError
from compatlib.lock.conda import conda_lock, environment_lock
from compatlib.resolve.conda_solve import (
    CondaResolution,
    load_channels,
    solve_conda,
    solve_environment,
)
from compatlib.resolve.keys import CondaKey
from compatlib.resolve.providers.conda import (
    CondaProvider,
    parse_virtual_package,
    target_virtual_packages,
)
from compatlib.solver.errors import UnsatisfiableError
from compatlib.solver.provider import Unavailable
from compatlib.solver.render import render_text
from compatlib.sources.conda import Channel, load_repodata
from compatlib.sources.conda.matchspec import MatchSpec
from compatlib.sources.conda.records import PackageRecord
from compatlib.stack.profile import SystemProfile
from compatlib.values.target import Target

PEER = Path(__file__).resolve().parents[3] / "shared" / "peer-suites" / "conda"
CHANNELS = PEER / "channels"
EXPECTED = PEER / "expected"


def shared(name: str) -> Path:
    path = CHANNELS / name
    if not path.exists():
        pytest.skip(f"peer data {name} not present")
    return path


# -- a small channel written to tmp_path ------------------------------------------------


def entry(
    name: str, version: str, build: str, depends: tuple[str, ...] = (), **extra: Any
) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": extra.pop("build_number", 0),
        "depends": list(depends),
        "md5": extra.pop("md5", "5" * 32),
        "sha256": extra.pop("sha256", "6" * 64),
    }
    data.update(extra)
    return f"{name}-{version}-{build}.conda", data


def write_channel(root: Path, subdir: str, entries: list[tuple[str, dict[str, Any]]]) -> Path:
    by_subdir: dict[str, dict[str, Any]] = {subdir: {}, "noarch": {}}
    for fn, data in entries:
        sd = data.get("subdir", subdir)
        data = {**data, "subdir": sd}
        by_subdir.setdefault(sd, {})[fn] = data
    for sd, pkgs in by_subdir.items():
        (root / sd).mkdir(parents=True, exist_ok=True)
        doc = {"info": {"subdir": sd}, "packages.conda": pkgs}
        (root / sd / "repodata.json").write_text(json.dumps(doc))
    return root


@pytest.fixture
def channel(tmp_path: Path) -> Path:
    return write_channel(
        tmp_path / "demo",
        "linux-64",
        [
            entry("python", "3.11.8", "h0_cpython", ("libzlib >=1.2",), timestamp=1000),
            entry("python", "3.12.1", "h0_cpython", ("libzlib >=1.2",), timestamp=900),
            entry("libzlib", "1.2.13", "h0"),
            entry("libzlib", "1.3.1", "h0"),
            # two builds of one version: the one for the newer Python must win
            entry("numpy", "1.26.4", "py312h0", ("python >=3.12,<3.13.0a0",), timestamp=100),
            entry("numpy", "1.26.4", "py311h0", ("python >=3.11,<3.12.0a0",), timestamp=200),
            entry("mkl-numpy", "2.0", "mkl_0", track_features="mkl"),
            entry("mkl-numpy", "1.0", "plain_0"),
            entry("glibc-lib", "1.0", "h0", ("__glibc >=2.28",)),
            entry("gpu-lib", "2.0", "cuda12", ("__cuda >=12",)),
            entry("gpu-lib", "1.0", "cuda11", ("__cuda >=11",)),
            entry("pinned", "1.0", "h0", constrains=("libzlib <1.3",)),
            entry("broken", "2.0", "h0", ("libzlib >=1.2,<<2",)),
            entry("broken", "1.0", "h0", ("libzlib",)),
            entry("tool", "1.0", "pyh0", ("python >=3.8",), subdir="noarch", noarch="python"),
            entry("mac-only", "1.0", "h0", subdir="osx-64"),
        ],
    )


def versions(res: CondaResolution) -> dict[str, str]:
    return {r.name: f"{r.version} {r.build}" for r in res.records}


# -- solving -------------------------------------------------------------------------------------


def test_newest_python_build_wins_among_equal_versions(channel: Path) -> None:
    res = solve_conda(["numpy"], channels=channel, target=Target(platform="linux-64"))
    got = versions(res)
    # py311h0 has the newer timestamp, but py312h0 allows the newer python
    assert got["numpy"] == "1.26.4 py312h0"
    assert got["python"] == "3.12.1 h0_cpython"
    assert got["libzlib"] == "1.3.1 h0"
    assert ("numpy", "python", "python >=3.12,<3.13.0a0") in res.edges
    assert (None, "numpy", "numpy") in res.edges


def test_pinning_python_picks_the_matching_build(channel: Path) -> None:
    res = solve_conda(["numpy", "python=3.11"], channels=channel)
    assert versions(res)["numpy"] == "1.26.4 py311h0"


def test_track_features_rank_below_everything(channel: Path) -> None:
    res = solve_conda(["mkl-numpy"], channels=channel)
    assert res.versions["mkl-numpy"] == "1.0"
    res = solve_conda(["mkl-numpy[track_features=mkl]"], channels=channel)
    assert res.versions["mkl-numpy"] == "2.0"


def test_constrains_apply_only_when_present(channel: Path) -> None:
    res = solve_conda(["pinned"], channels=channel)
    assert "libzlib" not in res
    res = solve_conda(["pinned", "python"], channels=channel)
    assert res.versions["libzlib"] == "1.2.13"
    with pytest.raises(UnsatisfiableError) as err:
        solve_conda(["pinned", "libzlib >=1.3"], channels=channel)
    text = render_text(err.value.explanation)
    assert "pinned 1.0 limits libzlib to <1.3" in text


def test_request_constraints(channel: Path) -> None:
    res = solve_conda(["python"], channels=channel, constraints=["libzlib <1.3", "numpy <1"])
    assert res.versions["libzlib"] == "1.2.13"
    assert "numpy" not in res


def test_unparseable_dependency_makes_record_unusable(channel: Path) -> None:
    res = solve_conda(["broken"], channels=channel)
    assert res.versions["broken"] == "1.0"
    with pytest.raises(UnsatisfiableError) as err:
        solve_conda(["broken >=2"], channels=channel)
    text = render_text(err.value.explanation)
    assert "broken 2.0 cannot be used: its dependency 'libzlib >=1.2,<<2'" in text
    assert "does not parse" in text


def test_provider_reports_unavailable_reason(channel: Path) -> None:
    provider = CondaProvider(Channel.load(channel, "linux-64"), subdir="linux-64")
    rec = provider.candidates(CondaKey("broken"))[-1]
    deps = provider.dependencies(CondaKey("broken"), rec)
    assert isinstance(deps, Unavailable)
    assert "depends[0]" in deps.reason
    numpy = CondaKey("numpy")
    ok = provider.dependencies(numpy, provider.candidates(numpy)[-1])
    assert not isinstance(ok, Unavailable)
    assert [(d.package, d.text, d.kind) for d in ok] == [
        (CondaKey("python"), "python >=3.12,<3.13.0a0", "requires")
    ]
    assert isinstance(ok[0].constraint, MatchSpec)


def test_subdir_filter_keeps_noarch(channel: Path) -> None:
    target = Target(platform="linux-64")
    res = solve_conda(["tool"], channels=channel, target=target)
    assert res.record("tool").subdir == "noarch"
    with pytest.raises(UnsatisfiableError, match="mac-only"):
        solve_conda(["mac-only"], channels=channel, target=target)
    mac = solve_conda(["mac-only"], channels=channel, target=Target(platform="osx-64"))
    assert mac.versions == {"mac-only": "1.0"}
    assert [r.name for r in mac.virtual] == ["__osx", "__unix"]


def test_virtual_packages_from_the_target(channel: Path) -> None:
    plain = Target(platform="linux-64")
    with pytest.raises(UnsatisfiableError) as err:
        solve_conda(["glibc-lib"], channels=channel, target=plain)
    expl = err.value.explanation
    assert "glibc-lib 1.0 needs __glibc >=2.28" in render_text(expl)
    facts = {n.dependency: n.dependency_fixed for n in expl.requirements()}
    assert facts["__glibc"] == "the target has no __glibc (glibc version)"
    res = solve_conda(
        ["glibc-lib"], channels=channel, target=Target(platform="linux-64", glibc="2.35")
    )
    assert res.versions == {"glibc-lib": "1.0"}
    assert [(r.name, str(r.version)) for r in res.virtual] == [
        ("__glibc", "2.35"),
        ("__linux", "0"),
        ("__unix", "0"),
    ]
    # the driver decides __cuda: 450.80.02 runs CUDA 11.0 (driver_max_cuda)
    gpu = Target(platform="linux-64", system=SystemProfile(driver="450.80.02"))
    assert solve_conda(["gpu-lib"], channels=channel, target=gpu).versions == {"gpu-lib": "1.0"}
    cuda12 = Target(platform="linux-64", system=SystemProfile(cuda="12.4"))
    assert solve_conda(["gpu-lib"], channels=channel, target=cuda12).versions == {"gpu-lib": "2.0"}
    # explicit virtual packages replace the target's
    res = solve_conda(
        ["gpu-lib"], channels=channel, target=cuda12, virtual_packages=["__cuda=11.2"]
    )
    assert res.versions == {"gpu-lib": "1.0"}


def test_target_virtual_packages() -> None:
    profile = SystemProfile(glibc="2.31", driver="535.104.05", cpu="x86_64_v3")
    recs = target_virtual_packages(Target(platform="linux-64", system=profile))
    assert [(r.name, str(r.version), r.build) for r in recs] == [
        ("__archspec", "1", "x86_64_v3"),
        ("__cuda", "12.2", "0"),
        ("__glibc", "2.31", "0"),
        ("__linux", "0", "0"),
        ("__unix", "0", "0"),
    ]
    win = target_virtual_packages(Target(platform="win-64", system=SystemProfile(arch="x86_64")))
    assert [(r.name, r.build) for r in win] == [("__archspec", "x86_64"), ("__win", "0")]


def test_parse_virtual_package() -> None:
    rec = parse_virtual_package("__archspec=1=x86_64_v3", "linux-64")
    assert (rec.name, str(rec.version), rec.build, rec.subdir) == (
        "__archspec",
        "1",
        "x86_64_v3",
        "linux-64",
    )
    assert str(parse_virtual_package("__unix").version) == "0"
    for bad in ("cuda=12", "__cuda=", "__a=1=2=3"):
        with pytest.raises(InputError, match="invalid virtual package"):
            parse_virtual_package(bad)
    real = PackageRecord(name="numpy", version=rec.version, build="0")
    with pytest.raises(InputError, match="not a virtual package"):
        CondaProvider(Channel([]), virtual=[real])


def test_strict_priority_hides_lower_channels(tmp_path: Path, channel: Path) -> None:
    high = write_channel(tmp_path / "high", "linux-64", [entry("libzlib", "1.2.0", "old")])
    res = solve_conda(["python"], channels=[high, channel])
    assert res.versions["libzlib"] == "1.2.0"
    assert res.record("libzlib").channel.endswith("/high")
    assert res.versions["python"] == "3.12.1"
    with pytest.raises(UnsatisfiableError):
        solve_conda(["libzlib >=1.3"], channels=[high, channel])
    flexible = solve_conda(["libzlib >=1.3"], channels=[high, channel], priority="flexible")
    assert flexible.versions["libzlib"] == "1.3.1"


def test_bad_specs_and_channels(channel: Path) -> None:
    with pytest.raises(InputError) as err:
        solve_conda(["numpy", "python >=3.1,<<4"], channels=channel)
    assert err.value.field == "spec 2"
    with pytest.raises(InputError, match="no conda channels"):
        load_channels([])
    with pytest.raises(InputError, match="channel priority"):
        solve_conda(["numpy"], channels=channel, priority="sometimes")  # type: ignore[arg-type]


def test_explanation_versions_show_builds_only_when_shared(channel: Path) -> None:
    provider = CondaProvider(Channel.load(channel, "linux-64"))
    numpy, python = CondaKey("numpy"), CondaKey("python")
    assert [provider.version_text(numpy, r) for r in provider.candidates(numpy)] == [
        "1.26.4 py311h0",
        "1.26.4 py312h0",
    ]
    assert provider.version_text(python, provider.candidates(python)[0]) == "3.11.8"
    assert provider.fixed_value(numpy) is None
    assert (
        provider.fixed_value(CondaKey("__cuda"))
        == "the target has no __cuda (CUDA version the driver supports)"
    )
    assert provider.layer_of(CondaKey("__glibc")) == "glibc version"
    assert provider.layer_of(numpy) is None
    assert provider.hint(numpy, MatchSpec.parse("numpy >=9")) is None


def test_lock_carries_urls_hashes_and_system_needs(channel: Path) -> None:
    target = Target(platform="linux-64", glibc="2.35")
    res = solve_conda(["numpy", "glibc-lib"], channels=channel, target=target)
    lock = conda_lock(res)
    by_name = {p.name: p for p in lock.packages}
    assert sorted(by_name) == ["glibc-lib", "libzlib", "numpy", "python"]
    numpy = by_name["numpy"]
    assert numpy.manager == "conda"
    assert numpy.platform == "linux-64"
    assert numpy.build == "py312h0"
    assert numpy.url.endswith("/linux-64/numpy-1.26.4-py312h0.conda")
    assert dict(numpy.hashes) == {"md5": "5" * 32, "sha256": "6" * 64}
    assert numpy.dependencies == (("python", "python >=3.12,<3.13.0a0"),)
    # the form a pip lock uses, so check and azureml read both alike
    assert lock.system_requirements == {"linux-64": {"glibc": ">=2.28"}}
    assert lock.to_json() == conda_lock(res).to_json()


def test_environment_file_without_pip(tmp_path: Path, channel: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        f"name: demo\nchannels:\n  - {channel}\ndependencies:\n  - numpy\n  - python=3.11\n"
    )
    res = solve_environment(env, target=Target(platform="linux-64"))
    assert res.conda.versions["numpy"] == "1.26.4"
    assert res.conda.record("numpy").build == "py311h0"
    assert res.pip == {}
    assert [p.manager for p in environment_lock(res).packages] == ["conda"] * 3


def test_the_pip_side_picks_its_file_by_the_locks_rule(tmp_path: Path, channel: Path) -> None:
    """A yanked wheel loses to a source distribution that is not yanked, as in a pip lock."""
    from compatlib.sources.artifacts import choose_artifact
    from compatlib.sources.memory import Artifact, Index, IndexRelease

    release = IndexRelease(
        "1.0",
        artifacts=(
            Artifact("foo-1.0-py3-none-any.whl", "https://x/foo-1.0-py3-none-any.whl", yanked=True),
            Artifact("foo-1.0.tar.gz", "https://x/foo-1.0.tar.gz"),
            Artifact("foo-1.0.exe", "https://x/foo-1.0.exe"),
        ),
    )
    env = tmp_path / "environment.yml"
    env.write_text(
        f"channels:\n  - {channel}\ndependencies:\n  - python=3.11\n  - pip:\n    - foo\n"
    )
    target = Target(platform="linux-64")
    res = solve_environment(env, target=target, pypi_repository=Index({"foo": [release]}))
    chosen = res.pip["foo"].artifact
    assert chosen is not None
    assert chosen.filename == "foo-1.0.tar.gz"
    assert chosen == choose_artifact(release, target)


# -- known answers of the peers' own test channels ------------------------------------------------


@pytest.mark.parametrize(
    ("cuda", "expected"),
    [("9.2", "cudatoolkit-9.0-0"), ("10.0", "cudatoolkit-10.0-0"), ("8.0", None)],
)
def test_conda_index_cudatoolkit(cuda: str, expected: str | None) -> None:
    path = shared("conda__index.json")
    if expected is None:
        with pytest.raises(UnsatisfiableError) as err:
            solve_conda(["cudatoolkit"], channels=path, virtual_packages=[f"__cuda={cuda}"])
        text = render_text(err.value.explanation)
        assert "the target's __cuda (CUDA version the driver supports) is 8.0" in text
        return
    res = solve_conda(["cudatoolkit"], channels=path, virtual_packages=[f"__cuda={cuda}"])
    rec = res.record("cudatoolkit")
    assert f"{rec.name}-{rec.version}-{rec.build}" == expected


def test_rattler_dummy_foo() -> None:
    res = solve_conda(["foo<4"], channels=shared("rattler__dummy-linux-64.json"))
    rec = res.record("foo")
    assert f"{rec.name}-{rec.version}-{rec.build}" == "foo-3.0.2-py36h1af98f8_3"


def test_rattler_dummy_bar_needs_unix() -> None:
    path = shared("rattler__dummy-linux-64.json")
    with pytest.raises(UnsatisfiableError) as err:
        solve_conda(["bar"], channels=path)
    expl = err.value.explanation
    assert "bar 1.2.3 needs __unix" in render_text(expl)
    facts = {n.dependency: n.dependency_fixed for n in expl.requirements()}
    assert facts["__unix"] == "the target has no __unix (Unix platform)"
    assert solve_conda(["bar"], channels=path, virtual_packages=["__unix"]).versions == {
        "bar": "1.2.3"
    }
    # a linux target has __unix
    assert "bar" in solve_conda(["bar"], channels=path, target=Target(platform="linux-64"))


def test_rattler_dummy_foobar_bors_conflict() -> None:
    with pytest.raises(UnsatisfiableError) as err:
        solve_conda(["foobar >=2", "bors >=2"], channels=shared("rattler__dummy-linux-64.json"))
    text = render_text(err.value.explanation)
    assert "every version of foobar depends on bors <2.0" in text
    assert "you require bors >=2" in text


def test_rattler_dummy_cuda_version_constraint() -> None:
    path = shared("rattler__dummy-linux-64.json")
    with pytest.raises(UnsatisfiableError) as err:
        solve_conda(["cuda-version"], channels=path, virtual_packages=["__cuda=1"])
    text = render_text(err.value.explanation)
    assert "cuda-version 12.5 limits __cuda to >=12.1" in text
    assert "__cuda 1 (the target's virtual package)" in text
    ok = solve_conda(["cuda-version"], channels=path, virtual_packages=["__cuda=12.4"])
    assert ok.versions == {"cuda-version": "12.5"}
    # no __cuda at all: the constraint has nothing to limit
    assert solve_conda(["cuda-version"], channels=path).versions == {"cuda-version": "12.5"}


def test_mamba_numpy_installs_numpy_and_python_once() -> None:
    res = solve_conda(["numpy"], channels=shared("mamba__conda-forge-numpy-linux-64.json"))
    names = [r.name for r in res.records]
    assert names.count("numpy") == 1
    assert names.count("python") == 1
    assert res.versions["numpy"] == "1.26.4"
    assert res.versions["python"] == "3.12.1"
    # libffi is in the file as .tar.bz2 and .conda: the .conda one is used
    assert res.record("libffi").filename.endswith(".conda")


@pytest.mark.parametrize("platform", ["linux-64", "osx-64", "osx-arm64", "win-64"])
def test_pixi_lightgbm_lock(platform: str) -> None:
    expected_file = EXPECTED / "pixi-lightgbm-lock-expected.json"
    if not expected_file.exists():
        pytest.skip("pixi expected lock not present")
    records_file = EXPECTED / f"pixi-lightgbm-lock-{platform}.json"
    if not records_file.exists():
        pytest.skip(f"no repodata held for {platform}: only linux-64 and noarch records are")
    records = load_repodata(records_file) + load_repodata(
        EXPECTED / "pixi-lightgbm-lock-noarch.json"
    )
    res = solve_conda(
        ["lightgbm 4.1.0.*", "pandas 2.1.3.*", "scikit-learn 1.3.2.*"],
        channels=Channel(records, name="conda-forge"),
        target=Target(platform=platform),
    )
    expected = json.loads(expected_file.read_text())[f"default/{platform}"]
    assert sorted(r.filename for r in res.records) == sorted(expected)
