"""A driver newer than compatlib's data is not capped at the newest CUDA the data
knows: the CUDA layer and conda's ``__cuda`` are open upward, so a package that
needs a CUDA newer than the data solves on it, and an older driver still fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compatlib import Index, Target, UnsatisfiableError, solve
from compatlib.resolve.conda_solve import solve_conda
from compatlib.resolve.keys import CUDA, CondaKey
from compatlib.resolve.layers import Floor, Layers, OrNewer, derive_framework_cuda
from compatlib.resolve.providers.conda import (
    CondaProvider,
    OrNewerRecord,
    parse_virtual_package,
    target_virtual_packages,
)
from compatlib.solver.render import render_text
from compatlib.sources.conda import Channel
from compatlib.sources.conda.matchspec import MatchSpec
from compatlib.sources.conda.records import PackageRecord
from compatlib.sources.memory import Artifact
from compatlib.sources.memory import IndexRelease as R
from compatlib.stack.knowledge import as_of, cuda_releases
from compatlib.stack.profile import parse_system
from compatlib.values.conda_version import parse_conda_version
from compatlib.values.dotted import DottedVersion

NEWEST = cuda_releases()[-1].major_minor  # the newest CUDA the data knows
BEYOND = "driver=620.10,gpu=H200"  # a driver newer than every release the data knows
OLD = "driver=535.104.05,gpu=H200"  # runs CUDA 12.2


def _target(system: str, platform: str = "linux-64") -> Target:
    return Target(python="3.12", platform=platform, system=parse_system(system))


def test_the_cuda_layer_of_a_driver_beyond_the_data_is_open() -> None:
    layers = Layers(_target(BEYOND), parse_system(BEYOND))
    value = layers.fixed[CUDA]
    assert value == OrNewer(DottedVersion(NEWEST))
    assert str(value) == f">={NEWEST}"
    # any floor counts as met: the known ones and those beyond the data
    assert Floor(DottedVersion("12.0")).contains(value)
    assert Floor(DottedVersion("14.0")).contains(value)
    assert layers.describe_fixed(CUDA) == (
        f"the target's driver 620.10 supports CUDA {NEWEST} or newer "
        f"(beyond compatlib's data as of {as_of()})"
    )
    # a driver the data covers stays exact, and so does an explicit cuda
    assert Layers(_target(OLD), parse_system(OLD)).fixed[CUDA] == DottedVersion("12.2")
    exact = parse_system(BEYOND + ",cuda=13.1")
    assert Layers(_target(BEYOND), exact).fixed[CUDA] == DottedVersion("13.1")
    # a free CUDA layer may take the open value too (a target without a driver)
    free = Layers(Target(python="3.12", platform="linux-64"))
    assert free.candidates(CUDA)[-1] == OrNewer(DottedVersion(NEWEST))


def _runtime_index() -> Index:
    """A CUDA runtime wheel of a CUDA major the data does not know (14.0)."""
    wheel = "nvidia_cuda_runtime-14.0.50-py3-none-manylinux_2_28_x86_64.whl"
    return Index(
        {
            "app": [R("1.0", requires=("nvidia-cuda-runtime>=14",))],
            "nvidia-cuda-runtime": [R("14.0.50", artifacts=(Artifact(wheel),))],
        }
    )


def test_pip_a_cuda_newer_than_the_data_solves_on_a_driver_beyond_it() -> None:
    res = solve(["app"], index=_runtime_index(), target=_target(BEYOND))
    assert str(res.versions["nvidia-cuda-runtime"]) == "14.0.50"
    assert res.system_requirements["cuda"].requirement == ">=14.0"
    assert res.system["cuda"] == f">={NEWEST}"  # the target's value, open upward


def test_pip_a_cuda_newer_than_the_data_fails_on_an_older_driver() -> None:
    with pytest.raises(UnsatisfiableError) as info:
        solve(["app"], index=_runtime_index(), target=_target(OLD))
    text = render_text(info.value.explanation)
    assert "a driver that supports CUDA >=14.0 for the CUDA 14.0 runtime" in text
    assert f"CUDA 14.0 is newer than compatlib's data, as of {as_of()}" in text
    assert "the target's CUDA (driver support) is 12.2" in text


def test_pip_without_a_driver_the_need_is_stated() -> None:
    res = solve(["app"], index=_runtime_index(), target=Target(python="3.12"))
    assert res.system_requirements["cuda"].requirement == ">=14.0"


# -- conda's __cuda ---------------------------------------------------------------------


def _channel(root: Path) -> Path:
    def entry(name: str, version: str, depends: list[str]) -> dict[str, Any]:
        return {
            "name": name,
            "version": version,
            "build": "h0",
            "build_number": 0,
            "depends": depends,
            "subdir": "linux-64",
            "md5": "5" * 32,
            "sha256": "6" * 64,
        }

    packages = {
        "next-lib-1.0-h0.conda": entry("next-lib", "1.0", ["__cuda >=14"]),
        "old-lib-1.0-h0.conda": entry("old-lib", "1.0", ["__cuda <13"]),
        "this-lib-1.0-h0.conda": entry("this-lib", "1.0", [f"__cuda {NEWEST.split('.')[0]}.*"]),
    }
    for subdir, pkgs in (("linux-64", packages), ("noarch", {})):
        (root / subdir).mkdir(parents=True)
        doc = {"info": {"subdir": subdir}, "packages.conda": pkgs}
        (root / subdir / "repodata.json").write_text(json.dumps(doc))
    return root


def test_conda_cuda_of_a_driver_beyond_the_data_is_open(tmp_path: Path) -> None:
    (cuda,) = [r for r in target_virtual_packages(_target(BEYOND)) if r.name == "__cuda"]
    assert isinstance(cuda, OrNewerRecord)
    assert (str(cuda.version), cuda.build) == (NEWEST, "0")  # a virtual package's build
    channel = _channel(tmp_path / "ch")
    res = solve_conda(["next-lib", "this-lib"], channels=channel, target=_target(BEYOND))
    assert res.versions == {"next-lib": "1.0", "this-lib": "1.0"}
    # what the driver runs is never below the newest known release
    with pytest.raises(UnsatisfiableError) as info:
        solve_conda(["old-lib"], channels=channel, target=_target(BEYOND))
    text = render_text(info.value.explanation)
    assert f"__cuda (CUDA version the driver supports) is {NEWEST} or newer" in text
    assert f"beyond compatlib's data as of {as_of()}" in text


def test_conda_cuda_stays_exact_for_a_known_driver_or_a_given_cuda(tmp_path: Path) -> None:
    channel = _channel(tmp_path / "ch")
    for system in (OLD, BEYOND + f",cuda={NEWEST}"):
        with pytest.raises(UnsatisfiableError):
            solve_conda(["next-lib"], channels=channel, target=_target(system))
    (cuda,) = [r for r in target_virtual_packages(_target(OLD)) if r.name == "__cuda"]
    assert (str(cuda.version), cuda.build) == ("12.2", "0")
    assert not isinstance(cuda, OrNewerRecord)


def test_conda_open_match_reads_only_name_and_version(tmp_path: Path) -> None:
    (cuda,) = [r for r in target_virtual_packages(_target(BEYOND)) if r.name == "__cuda"]
    provider = CondaProvider(Channel.load(_channel(tmp_path / "ch")), virtual=[cuda])
    key = CondaKey("__cuda")
    assert provider.contains(key, MatchSpec.parse("__cuda >=99"), cuda)
    assert provider.contains(key, MatchSpec.parse("__cuda"), cuda)
    assert not provider.contains(key, MatchSpec.parse("__cuda <12"), cuda)
    assert not provider.contains(key, MatchSpec.parse("__cuda >=99=0"), cuda)  # a build named
    assert provider.record_text(cuda) == f"{NEWEST} or newer"


def test_a_build_string_named_or_newer_means_nothing(tmp_path: Path) -> None:
    """Open-endedness is a type, not a build string: a real package built as
    ``or_newer``, or a virtual package given so, matches and reads as any other."""
    real = PackageRecord(name="lib", version=parse_conda_version("1.0"), build="or_newer")
    given = parse_virtual_package("__cuda=12.1=or_newer", "linux-64")
    provider = CondaProvider(Channel.load(_channel(tmp_path / "ch")), virtual=[given])
    assert not provider.contains(CondaKey("lib"), MatchSpec.parse("lib >=2"), real)
    assert provider.contains(CondaKey("lib"), MatchSpec.parse("lib 1.0 or_newer"), real)
    assert provider.record_text(real) == "1.0"
    key = CondaKey("__cuda")
    assert not provider.contains(key, MatchSpec.parse("__cuda >=13"), given)
    assert provider.contains(key, MatchSpec.parse("__cuda >=12"), given)
    assert provider.record_text(given) == "12.1 or_newer"
    assert provider.fixed_value(key) == (
        "the target's __cuda (CUDA version the driver supports) is 12.1 or_newer"
    )


# -- a framework release the data lacks, derived from its pins ------------------------------


def _new_torch(*pins: str) -> Index:
    """torch 2.99.0 (newer than the data) pinning ``pins`` on Linux."""
    wheel = "torch-2.99.0-cp312-cp312-manylinux_2_28_x86_64.whl"
    libs = {
        p.split("==")[0]: [
            R(
                p.split("==")[1],
                artifacts=(
                    Artifact(
                        f"{p.split('==')[0].replace('-', '_')}-"
                        f"{p.split('==')[1]}-py3-none-manylinux_2_28_x86_64.whl"
                    ),
                ),
            )
        ]
        for p in pins
    }
    requires = tuple(f'{p}; platform_system == "Linux"' for p in pins)
    return Index({"torch": [R("2.99.0", requires=requires, artifacts=(Artifact(wheel),))], **libs})


def test_a_derived_release_needs_the_driver_of_its_cuda() -> None:
    index = _new_torch("cuda-toolkit==13.2.2", "nvidia-cudnn-cu13==9.26.0.51")
    res = solve(["torch"], index=index, target=_target("driver=580.65.06"))
    need = res.system_requirements["nvidia_driver"]
    assert need.requirement == ">=580.65.06"
    assert any("derived from its wheel's pins: cuda-toolkit==13.2.2" in t for _, t in need.because)
    with pytest.raises(UnsatisfiableError, match=r"its CUDA 13\.2 build"):
        solve(["torch"], index=index, target=_target("driver=575.51.03"))


def test_a_derived_release_of_a_cuda_major_beyond_the_data() -> None:
    """Pins of a CUDA major the data does not know: a CUDA floor, which only a driver
    beyond the data meets (items of one mechanism: the open CUDA layer)."""
    index = _new_torch("nvidia-cudnn-cu14==10.0.1")
    res = solve(["torch"], index=index, target=_target(BEYOND))
    assert res.system_requirements["cuda"].requirement == ">=14.0"
    with pytest.raises(UnsatisfiableError) as info:
        solve(["torch"], index=index, target=_target("driver=580.65.06"))
    text = render_text(info.value.explanation)
    assert "torch 2.99.0 needs a driver that supports CUDA >=14.0 for its CUDA 14.x build" in text
    # off Linux the pins do not hold: nothing derived, nothing needed
    requires = ['nvidia-cudnn-cu14==10.0.1; platform_system == "Linux"']
    mac = Target(python="3.12", platform="osx-arm64")
    assert derive_framework_cuda("torch", "2.99.0", requires, mac) is None
    assert derive_framework_cuda("torch", "2.99.0", requires, _target(BEYOND)) is not None
    assert derive_framework_cuda("torch", "2.3.1", requires, _target(BEYOND)) is None  # known
