"""compatlib.adapters.azureml: a lock as an Azure ML environment asset, loaded by azure-ai-ml itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compatlib.adapters.azureml import (
    azureml_environment,
    check_vm,
    choose_image,
    register,
    workspace_client,
)
from compatlib.cli import main
from compatlib.errors import InputError
from compatlib.lock.model import Lock, LockedPackage
from compatlib.stack.knowledge import azure_images, glibc_of
from compatlib.values.dotted import DottedVersion, satisfies


def _lock(needs: dict[str, str] | None = None, platform: str = "linux-64") -> Lock:
    packages = [
        LockedPackage(
            name=name,
            version=version,
            manager="pip",
            platform=platform,
            url=f"https://files.pythonhosted.org/x/{name}-{version}-py3-none-any.whl",
            hashes=(("sha256", digit * 64),),
        )
        for name, version, digit in (("torch", "2.5.1", "a"), ("numpy", "2.1.3", "b"))
    ]
    return Lock.of(
        packages,
        system_requirements={platform: needs} if needs else {},
        metadata={
            "targets": [{"platform": platform, "python": "3.11"}],
            "inputs_sha256": "c" * 64,
        },
    )


def test_cpu_lock_gets_the_newest_supported_cpu_image() -> None:
    image, why = choose_image(_lock({"glibc": ">=2.28"}))
    assert image.cuda is None
    assert image.status == "supported"
    assert image.os is not None
    assert satisfies(">=2.28", glibc_of(image.os))
    newer = [
        i
        for i in azure_images()
        if i.cuda is None
        and i.status == "supported"
        and i.os
        and DottedVersion(glibc_of(i.os)) > DottedVersion(glibc_of(image.os))
    ]
    assert newer == []
    assert "the lock needs >=2.28" in why


def test_gpu_lock_gets_a_cuda_image_that_meets_its_cuda() -> None:
    image, why = choose_image(_lock({"nvidia_driver": ">=525.60.13", "cuda": ">=12.0"}))
    assert image.cuda is not None
    assert satisfies(">=12.0", image.cuda)
    assert f"CUDA {image.cuda} (the lock needs >=12.0)" in why
    image, why = choose_image(_lock({"nvidia_driver": ">=580", "cuda": ">=13.0"}))
    assert image.name == "mcr.microsoft.com/azureml/openmpi5.0-cuda13.1-ubuntu24.04"
    with pytest.raises(InputError, match="no supported Azure ML CUDA image"):
        choose_image(_lock({"nvidia_driver": ">=580", "cuda": ">=14.0"}))
    with pytest.raises(InputError, match=r"glibc 2\.\d+, the lock needs >=2\.99"):
        choose_image(_lock({"glibc": ">=2.99"}))


def test_conda_file_pins_with_hashes_and_asset_fields() -> None:
    env = azureml_environment(_lock({"glibc": ">=2.28"}), name="train-env", version="3")
    conda = yaml.safe_load(env.conda_file)
    assert conda["channels"] == ["conda-forge", "nodefaults"]
    assert "python=3.11" in conda["dependencies"]
    pip = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert pip == [
        "--index-url https://pypi.org/simple",  # the lock's files are PyPI's
        "numpy==2.1.3 --hash=sha256:" + "b" * 64,
        "torch==2.5.1 --hash=sha256:" + "a" * 64,
    ]
    asset = yaml.safe_load(env.asset_yaml())
    assert asset["name"] == "train-env"
    assert asset["version"] == "3"
    assert asset["conda_file"] == "conda.yml"
    assert asset["tags"]["compatlib.inputs_sha256"] == "c" * 64
    plain = azureml_environment(_lock(), name="e", image="my.registry/img:1", hashes=False)
    assert plain.image == "my.registry/img:1"
    assert "--hash" not in plain.conda_file
    with pytest.raises(InputError, match="no linux-64 packages"):
        azureml_environment(_lock(platform="osx-arm64"), name="e")
    with pytest.raises(InputError, match="invalid environment name"):
        azureml_environment(_lock(), name="bad name!")


# azure-ai-ml and its dependencies emit deprecation warnings of their own on import
@pytest.mark.filterwarnings("ignore")
def test_azure_ai_ml_loads_the_asset_and_builds_the_entity(tmp_path: Path) -> None:
    ml = pytest.importorskip("azure.ai.ml")
    env = azureml_environment(_lock({"glibc": ">=2.28"}), name="train-env", description="d")
    asset = env.write(tmp_path / "env")
    loaded = ml.load_environment(source=str(asset))
    assert loaded.name == "train-env"
    assert loaded.version == "1"
    assert loaded.image == env.image
    assert loaded.conda_file == yaml.safe_load(env.conda_file)
    assert loaded.description == "d"
    entity = env.to_entity()
    assert entity.conda_file == loaded.conda_file

    class Operations:  # the workspace is not reachable here: record the call instead
        def __init__(self) -> None:
            self.sent: list[Any] = []

        def create_or_update(self, environment: Any) -> Any:
            self.sent.append(environment)
            return environment

    class Client:
        environments = Operations()

    client = Client()
    assert register(env, client).name == "train-env"
    assert client.environments.sent[0].image == env.image


@pytest.mark.filterwarnings("ignore")  # azure-ai-ml's own deprecation warnings on import
def test_workspace_client_names_the_workspace() -> None:
    pytest.importorskip("azure.ai.ml")
    pytest.importorskip("azure.identity")
    client = workspace_client("0000-sub", "rg", "ws")  # built offline: nothing is contacted
    assert (client.subscription_id, client.resource_group_name, client.workspace_name) == (
        "0000-sub",
        "rg",
        "ws",
    )


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = tmp_path / "lock.json"
    lock.write_text(_lock({"glibc": ">=2.28"}).to_json())
    out = tmp_path / "asset"
    assert main(["azureml", str(lock), "--name", "e", "-o", str(out)]) == 0
    assert (out / "environment.yml").is_file()
    assert (out / "conda.yml").is_file()
    assert "image: mcr.microsoft.com/azureml/" in capsys.readouterr().err
    assert main(["azureml", str(lock), "--name", "e"]) == 0
    assert "conda_file: conda.yml" in capsys.readouterr().out
    assert main(["azureml", str(lock), "--name", "e", "--register"]) == 2
    assert "--register needs --subscription" in capsys.readouterr().err
    assert main(["azureml", str(lock), "--name", "bad name"]) == 2


def _gpu_lock(driver: str | None = None, url: str | None = None) -> Lock:
    """A cu118 torch lock (builds for 3.7 ... 9.0, driver >= 450.80.02), made for
    ``driver`` when given (as ``--system driver=...`` records it)."""
    torch = LockedPackage(
        name="torch",
        version="2.5.1+cu118",
        manager="pip",
        platform="linux-64",
        url=url
        or "https://download.pytorch.org/whl/cu118/torch-2.5.1%2Bcu118-cp311-cp311-linux_x86_64.whl",
        hashes=(("sha256", "d" * 64),),
    )
    target: dict[str, str] = {"platform": "linux-64", "python": "3.11"}
    if driver:
        target["driver"] = driver
    return Lock.of(
        [torch],
        system_requirements={
            "linux-64": {
                "glibc": ">=2.17",
                "nvidia_driver": ">=450.80.02",
                "cuda_arch": "one of 3.7, 5.0, 6.0, 7.0, 7.5, 8.0, 8.6, 9.0",
            }
        },
        metadata={"targets": [target], "indexes": ["https://download.pytorch.org/whl/cu118"]},
    )


def test_the_image_runs_on_the_locks_driver() -> None:
    # no driver known: the newest CUDA image
    newest, _ = choose_image(_gpu_lock())
    assert newest.cuda is not None
    assert newest.cuda.startswith("13.")
    # made for driver 470: no supported image's CUDA runs there, and the error says why
    with pytest.raises(
        InputError, match=r"CUDA 12\.6 needs driver >= 525\.60\.13; the driver is 470"
    ):
        choose_image(_gpu_lock("470.82.01"))
    image, why = choose_image(_gpu_lock("470.82.01"), allow_deprecated=True)
    assert image.cuda is not None
    assert image.cuda.startswith("11.")
    assert "runs on driver 470.82.01" in why
    # a driver given outright wins over the lock's
    image, _ = choose_image(_gpu_lock("470.82.01"), driver="535.104.05")
    assert image.cuda is not None
    assert image.cuda.startswith("12.")
    assert "minor-version compatibility" in choose_image(_gpu_lock(), driver="535.104.05")[1]


def test_vm_sizes_are_checked_against_the_lock() -> None:
    lock = _gpu_lock()
    ok = check_vm(lock, "Standard_NC24ads_A100_v4", image_cuda="12.6")
    assert (ok.gpu, ok.compute_capability, ok.gpus, ok.driver) == ("NVIDIA A100", "8.0", 1, None)
    (note,) = ok.notes  # the data has no driver for the series: said, not guessed
    assert "no NVIDIA driver for series NC_A100_v4" in note
    assert ">=450.80.02" in note
    assert "CUDA 12.6 needs >= 525.60.13" in note
    assert check_vm(lock, "nc24ads_a100_v4", driver="535.104.05").notes == ()
    with pytest.raises(InputError, match=r"image's CUDA 12\.6 needs NVIDIA driver >= 525\.60\.13"):
        check_vm(lock, "Standard_NC24ads_A100_v4", image_cuda="12.6", driver="470.82.01")
    with pytest.raises(InputError, match="is retired"):
        check_vm(lock, "Standard_NC6s_v3")
    with pytest.raises(InputError, match="aarch64 CPUs"):
        check_vm(lock, "Standard_ND128isr_NDR_GB200_v6")
    with pytest.raises(InputError, match="unknown Azure VM size"):
        check_vm(lock, "Standard_D4s_v3")
    # a build for Hopper only does not run on an A100
    hopper = Lock.of(
        lock.packages,
        system_requirements={"linux-64": {"cuda_arch": "one of 9.0", "nvidia_driver": ">=525"}},
        metadata=lock.metadata,
    )
    with pytest.raises(InputError, match=r"do not run on Standard_NC24ads_A100_v4 .*8\.0"):
        check_vm(hopper, "Standard_NC24ads_A100_v4")
    assert check_vm(hopper, "Standard_NC40ads_H100_v5", driver="550.54.15").gpu == "NVIDIA H100"
    with pytest.raises(InputError, match="need NVIDIA driver >=525"):
        check_vm(hopper, "Standard_NC40ads_H100_v5", driver="470.82.01")
    cpu = check_vm(_lock({"glibc": ">=2.28"}), "Standard_NC4as_T4_v3")
    assert "no GPU packages" in cpu.notes[0]


def test_local_files_are_refused_naming_the_package(tmp_path: Path) -> None:
    wheel = tmp_path / "wheels" / "torch-2.5.1-cp311-cp311-linux_x86_64.whl"
    lock = _gpu_lock(url=wheel.as_uri())
    meta = {**lock.metadata, "indexes": [], "find_links": [str(wheel.parent)]}
    local = Lock.of(lock.packages, system_requirements=lock.system_requirements, metadata=meta)
    with pytest.raises(InputError, match=r"torch 2\.5\.1\+cu118 comes from .*wheels/torch-2\.5\.1"):
        azureml_environment(local, name="e")


@pytest.mark.filterwarnings("ignore")  # azure-ai-ml's own deprecation warnings on import
def test_cli_vm_driver_and_a_build_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "lock.json"
    lock.write_text(_gpu_lock().to_json())
    base = ["azureml", str(lock), "--name", "e"]
    assert main([*base, "--vm", "Standard_NC24ads_A100_v4"]) == 0
    out, err = capsys.readouterr()
    assert "compatlib.vm: Standard_NC24ads_A100_v4" in out
    assert "note: compatlib's data names no NVIDIA driver" in err
    assert main([*base, "--vm", "Standard_NC6s_v3"]) == 2
    assert "is retired" in capsys.readouterr().err
    assert main([*base, "--vm", "Standard_NC24ads_A100_v4", "--driver", "470.82.01"]) == 2
    assert "no supported Azure ML CUDA image" in capsys.readouterr().err
    context, asset_dir = tmp_path / "ctx", tmp_path / "asset"
    argv = [*base, "--dockerfile", str(context), "-o", str(asset_dir), "--driver", "535.104.05"]
    assert main(argv) == 0
    assert sorted(p.name for p in context.iterdir()) == ["Dockerfile", "requirements.txt"]
    asset = yaml.safe_load((asset_dir / "environment.yml").read_text())
    assert asset["build"] == {"path": "../ctx", "dockerfile_path": "Dockerfile"}
    assert "image" not in asset
    assert "conda_file" not in asset
    assert not (asset_dir / "conda.yml").exists()
    ml = pytest.importorskip("azure.ai.ml")
    loaded = ml.load_environment(source=str(asset_dir / "environment.yml"))
    assert loaded.build is not None
    assert (asset_dir / loaded.build.path).resolve() == context.resolve()
    assert loaded.build.dockerfile_path == "Dockerfile"
    assert loaded.image is None


def test_the_image_builds_for_the_gpus_the_job_gets() -> None:
    blackwell = Lock.of(
        _gpu_lock().packages,
        system_requirements={"linux-64": {"nvidia_driver": ">=570", "cuda_arch": "one of 12.0"}},
        metadata={"targets": [{"platform": "linux-64", "python": "3.11"}]},
    )
    # the lock's builds run on compute capability 12.0 only: CUDA 12.8 and later build for it
    image, why = choose_image(blackwell, driver="575.51.03")
    assert image.cuda == "12.8"
    assert "builds for compute capability 12.0" in why
    # a K80 (3.7): no supported image's CUDA builds for it any more
    with pytest.raises(InputError, match=r"CUDA 12\.4 builds for none of compute capability 3\.7"):
        choose_image(_gpu_lock(), gpus=("3.7",))
    # the VM's GPU decides when a size is given
    env = azureml_environment(_gpu_lock(), name="e", vm="Standard_NC40ads_H100_v5")
    assert "builds for compute capability 9.0" in env.image_reason
    # an image given outright that cannot build for the VM's GPU: said in a note
    rtx = "Standard_NC144ds_xl_RTXPRO6000BSE_v6"
    checked = check_vm(blackwell, rtx, image_cuda="12.4", driver="575.51.03")
    assert any(
        "CUDA 12.4 cannot build code for compute capability 12.0" in n for n in checked.notes
    )
