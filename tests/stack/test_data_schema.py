"""Schema and consistency checks over the system-layer knowledge base (data/stack)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pytest
import yaml

from compatlib._datafiles import data_path
from compatlib.errors import InputError
from compatlib.stack import knowledge as kb
from compatlib.values.dotted import DottedVersion as V

FILES = ("cuda.yaml", "gpus.yaml", "cudnn.yaml", "os.yaml", "azure.yaml")


def _walk_records(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every mapping that is an element of a list (a record), with its path."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _walk_records(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict):
                found.append((f"{path}[{i}]", item))
            found += _walk_records(item, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("name", FILES)
def test_every_record_names_an_https_source(name: str) -> None:
    data = yaml.safe_load(data_path("stack", name).read_text(encoding="utf-8"))
    assert data["schema"] == 1
    records = _walk_records(data)
    assert records
    for where, record in records:
        if where.endswith("]") and ".sizes[" in where:
            continue  # VM sizes inherit their series' source
        if "packages" in where:
            continue
        assert str(record.get("source", "")).startswith("https://"), f"{name}: {where}"
        note = record.get("note")
        assert note is None or (isinstance(note, str) and note.strip()), f"{name}: {where}"


def test_loaders_parse_every_file() -> None:
    assert len(kb.cuda_releases()) >= 55
    assert len(kb.gpus()) >= 40
    assert len(kb.cudnn_releases()) >= 40
    assert len(kb.os_releases()) >= 15
    assert len(kb.azure_vm_sizes()) >= 30
    assert kb.azure_images()
    assert kb.curated_environments()


def test_cuda_versions_unique_and_covering_10_2_to_13_3() -> None:
    versions = [r.version for r in kb.cuda_releases()]
    assert len(versions) == len(set(versions))
    minors = {r.major_minor for r in kb.cuda_releases()}
    expected = {"10.2", *(f"11.{i}" for i in range(9)), "12.0", "12.1", "12.2", "12.3"}
    expected |= {"12.4", "12.5", "12.6", "12.8", "12.9", "13.0", "13.1", "13.2", "13.3"}
    assert minors == expected
    for minor in minors:
        gas = [r for r in kb.cuda_releases() if r.major_minor == minor and r.kind == "ga"]
        assert len(gas) == 1, minor
    assert {r.kind for r in kb.cuda_releases()} <= {"ga", "update", "rc"}


@pytest.mark.parametrize("which", ["linux", "windows"])
def test_min_drivers_never_decrease_within_a_major(which: str) -> None:
    by_major: dict[int, list[kb.CudaRelease]] = defaultdict(list)
    for release in kb.cuda_releases():
        by_major[release.major].append(release)
    for releases in by_major.values():
        ordered = sorted(releases, key=lambda r: V(r.version))
        drivers = [r.driver_linux if which == "linux" else r.driver_windows for r in ordered]
        known = [(r.version, V(d)) for r, d in zip(ordered, drivers, strict=True) if d]
        for (v1, d1), (v2, d2) in itertools.pairwise(known):
            assert d1 <= d2, f"{which}: {v1} needs {d1} but later {v2} needs only {d2}"


def test_minor_compatibility_floor_below_every_toolkit_driver_of_its_major() -> None:
    floors = {m.major: m for m in kb.minor_compatibility()}
    assert sorted(floors) == [11, 12, 13]
    for release in kb.cuda_releases():
        if release.major < 11 or release.version.startswith("11.0."):
            continue  # CUDA 11.0 predates the 11.x floor (documented in cuda.yaml)
        floor = floors[release.major]
        assert V(floor.driver_linux) <= V(release.driver_linux), release.version
        if release.driver_windows is not None:
            assert V(floor.driver_windows) <= V(release.driver_windows), release.version


def test_minor_floors_increase_with_major() -> None:
    floors = [V(m.driver_linux) for m in kb.minor_compatibility()]
    assert floors == sorted(floors)


def test_architectures_well_formed() -> None:
    ccs = [a.compute_capability for a in kb.cuda_architectures()]
    assert len(ccs) == len(set(ccs))
    newest = max(V(r.major_minor) for r in kb.cuda_releases())
    for arch in kb.cuda_architectures():
        if arch.added is not None:
            assert kb.cuda_release(arch.added).kind == "ga", arch
        if arch.removed is not None:
            assert kb.cuda_release(arch.removed).kind == "ga", arch
            assert V(arch.removed) <= newest
        if arch.added is not None and arch.removed is not None:
            assert V(arch.added) < V(arch.removed), arch


def test_every_gpu_is_buildable_by_some_cuda_release() -> None:
    minors = sorted({r.major_minor for r in kb.cuda_releases()}, key=V)
    for model in kb.gpus():
        assert any(kb.cuda_supports(m, model.compute_capability) for m in minors), model.name


def test_gpu_spellings_do_not_collide() -> None:
    seen: dict[str, str] = {}
    for model in kb.gpus():
        for spelling in (model.name, *model.aliases):
            key = " ".join(spelling.lower().split())
            assert seen.setdefault(key, model.name) == model.name, spelling
            assert kb.gpu(spelling) == model, spelling


def test_gpu_architecture_names_are_consistent_per_compute_capability() -> None:
    arch_of_major: dict[tuple[str, int], str] = {}
    for model in kb.gpus():
        assert model.architecture in {
            "Kepler",
            "Maxwell",
            "Pascal",
            "Volta",
            "Turing",
            "Ampere",
            "Ada Lovelace",
            "Hopper",
            "Blackwell",
        }
        arch_of_major.setdefault((model.compute_capability, 0), model.architecture)
        assert arch_of_major[(model.compute_capability, 0)] == model.architecture, model.name


def test_cudnn_rows_name_existing_cuda_versions() -> None:
    minors = {r.major_minor for r in kb.cuda_releases()}
    for row in kb.cudnn_releases():
        assert row.cuda, row
        for cuda in row.cuda:
            assert cuda in minors, f"cuDNN {row.version}: CUDA {cuda} unknown"
            assert V(cuda).major == row.cuda_major, row
        assert row.latest_patch.split(".")[:2] == row.version.split("."), row


def test_cudnn_drivers_and_gpus_are_consistent() -> None:
    floors = {m.major: m for m in kb.minor_compatibility()}
    for row in kb.cudnn_releases():
        if row.cuda_major in floors:
            assert V(row.driver_linux).major >= V(floors[row.cuda_major].driver_linux).major
        for cc in row.compute_capabilities:
            assert V(cc) >= V(row.compute_capability_min), row
            assert any(kb.cuda_supports(c, cc) for c in row.cuda), (row.version, cc)
        assert any(kb.cuda_supports(c, row.compute_capability_min) for c in row.cuda), row


def test_cudnn_series_are_ordered_and_cover_7_6_to_9_28() -> None:
    series = sorted({r.version for r in kb.cudnn_releases()}, key=V)
    assert series[0] == "7.6"
    assert series[-1] == "9.28"
    assert {"8.9", "9.0", "9.10", "9.17"} <= set(series)
    nines = [V(s).minor for s in series if V(s).major == 9]
    assert nines == list(range(nines[0], nines[-1] + 1)), "a cuDNN 9 series is missing"


def test_os_releases_are_canonical_and_unique() -> None:
    ids = [r.id for r in kb.os_releases()]
    assert len(ids) == len(set(ids))
    for release in kb.os_releases():
        assert release.id == f"{release.distro}{release.version}", release.id
        assert kb.os_release(release.id) == release
        V(release.glibc)


def test_rebuilds_share_glibc_with_their_family() -> None:
    by_major: dict[str, set[str]] = defaultdict(set)
    for release in kb.os_releases():
        if release.family == "rhel":
            by_major[release.version.split(".")[0]].add(release.glibc)
    for major, glibcs in by_major.items():
        assert len(glibcs) == 1, (major, glibcs)


def test_manylinux_legacy_tags() -> None:
    tags = {t.tag: t.glibc for t in kb.manylinux_tags()}
    assert tags["manylinux1"] == "2.5"
    assert tags["manylinux2010"] == "2.12"
    assert tags["manylinux2014"] == "2.17"


def test_azure_series_name_known_gpus_and_unique_sizes() -> None:
    names = [s.name for s in kb.azure_vm_sizes()]
    assert len(names) == len(set(names))
    for series in kb.azure_vm_series():
        assert series.status in {"available", "retired"}
        model = kb.gpu(series.gpu)
        assert model.name == series.gpu, series.name
        assert series.sizes
    for size in kb.azure_vm_sizes():
        assert size.name.startswith("Standard_")
        assert size.gpus >= 1
        if size.gpu_partition is not None:
            assert size.gpus == 1


def test_azure_images_and_environments_name_known_layers() -> None:
    image_names = {i.name for i in kb.azure_images()}
    for image in kb.azure_images():
        assert image.name.startswith("mcr.microsoft.com/azureml/")
        assert image.status in {"supported", "deprecated"}
        if image.cuda is not None:
            kb.cuda_release(image.cuda)
            assert f"cuda{image.cuda}" in image.name
        if image.os is not None:
            assert image.os in image.name
            kb.os_release(image.os)
    for env in kb.curated_environments():
        if env.image is not None and env.image.startswith("mcr.microsoft.com/azureml/"):
            assert env.image in image_names, env.name
        if env.cuda is not None:
            kb.cuda_release(env.cuda)
        if env.os is not None:
            kb.os_release(env.os)


def test_reader_errors_name_file_and_field(tmp_path: Any) -> None:
    path = tmp_path / "x.yaml"
    reader = kb._Reader({"version": "twelve", "source": "http://x"}, path, "releases[3]")
    with pytest.raises(InputError) as err:
        reader.version("version")
    assert err.value.field == "releases[3].version"
    assert err.value.source == str(path)
    with pytest.raises(InputError) as err:
        reader.source()
    assert err.value.expected == "an https:// URL"
    with pytest.raises(InputError):
        kb._Reader(["not", "a", "mapping"], path, "releases[0]")


def test_cudnn_rows_are_unique() -> None:
    keys = [(r.version, r.cuda_major, r.cuda, r.driver_linux) for r in kb.cudnn_releases()]
    assert len(keys) == len(set(keys))


def test_cudnn_cuda11_builds_narrow_to_11_8_from_9_5() -> None:
    for row in kb.cudnn_releases():
        if row.cuda_major == 11 and V(row.version) >= V("9.5"):
            assert row.cuda == ("11.8",), row.version


def test_tegra_architectures_are_jetson_gpus() -> None:
    tegra = {a.compute_capability for a in kb.cuda_architectures() if a.tegra}
    assert {"5.3", "6.2", "7.2", "8.7"} <= tegra
    for model in kb.gpus():
        if model.compute_capability in tegra:
            assert model.name.startswith("Jetson"), model.name
