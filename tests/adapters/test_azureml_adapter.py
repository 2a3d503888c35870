"""compatlib.adapters.azureml: a lock as an Azure ML environment asset, loaded by azure-ai-ml itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compatlib.adapters.azureml import (
    azureml_environment,
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
