"""compatlib.adapters.probe: the frameworks and GPUs of the environment a job runs in.

There is no GPU on the machines these tests run on, so the GPU paths are driven
by small fake module objects standing in for ``torch`` (``torch.cuda``,
``torch.backends.cudnn``): a fake of a third-party GPU API, used only because
no real GPU exists here. They answer as torch documents (device names,
``get_device_capability``, ``get_arch_list``, ``cudnn.version()`` as an
integer), and the machine's side comes from the recorded ``nvidia-smi``
outputs of tests/stack/fixtures, read by the real detection code. The CPU path
runs real torch where a CPU wheel installs from a local file
(tests/adapters/test_probe_torch.py).
"""

from __future__ import annotations

import importlib.machinery
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from compatlib.adapters import _probe_facts
from compatlib.adapters.check import check_environment, probe_environment
from compatlib.adapters.probe import (
    ProbeFacts,
    facts_from_dict,
    locked_frameworks,
    parse_probe_output,
    probe_findings,
    probe_frameworks,
    probe_text,
)
from compatlib.cli import main
from compatlib.errors import CompatError
from compatlib.lock.model import Lock, LockedPackage
from compatlib.stack.detect import detect
from compatlib.stack.profile import SystemProfile

FIXTURES = Path(__file__).resolve().parents[1] / "stack" / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


def _machine(fixture: str) -> SystemProfile:
    """The machine a recorded ``nvidia-smi`` output describes, through detect()."""
    text = (FIXTURES / fixture).read_text()
    return detect(run=lambda argv: (0, text), root="/nonexistent", environ={})


class _Tensor:
    def __init__(self, values: list[float], fail: str | None = None) -> None:
        self.values, self.fail = values, fail

    def __mul__(self, k: float) -> _Tensor:
        if self.fail:
            raise RuntimeError(self.fail)
        return _Tensor([v * k for v in self.values])

    def sum(self) -> _Tensor:
        return _Tensor([sum(self.values)])

    def item(self) -> float:
        return self.values[0]

    def tolist(self) -> list[float]:
        return list(self.values)


def fake_torch(
    gpus: list[tuple[str, tuple[int, int]]],
    *,
    cuda: str | None = "12.1",
    arch: tuple[str, ...] = ("sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"),
    cudnn: int | None = 90100,
    available: bool | None = None,
    kernel_error: str | None = None,
    deterministic: bool = False,
    benchmark: bool = False,
    warning: str | None = None,
) -> Any:
    """A stand-in for ``torch`` with ``gpus`` as (name, capability) pairs."""
    state = {"seed": 42, "draw": 0}

    def is_available() -> bool:
        if warning:
            import warnings

            warnings.warn(warning, UserWarning, stacklevel=1)
        return bool(gpus) if available is None else available

    def arange(n: int, device: str = "cpu", dtype: Any = None) -> _Tensor:
        fails = kernel_error if device.startswith("cuda") else None
        return _Tensor([float(i) for i in range(n)], fails)

    def manual_seed(seed: int) -> None:
        state["seed"], state["draw"] = seed, 0

    def rand(n: int, device: str = "cpu") -> _Tensor:
        state["draw"] += 1
        return _Tensor([float((state["seed"] * 31 + state["draw"] + i) % 97) for i in range(n)])

    cuda_ns = types.SimpleNamespace(
        is_available=is_available,
        device_count=lambda: len(gpus),
        get_device_name=lambda i: gpus[i][0],
        get_device_capability=lambda i: gpus[i][1],
        get_device_properties=lambda i: types.SimpleNamespace(total_memory=80 * 2**30),
        get_arch_list=lambda: list(arch),
        synchronize=lambda i=None: None,
    )
    cudnn_ns = types.SimpleNamespace(
        version=lambda: cudnn, deterministic=deterministic, benchmark=benchmark
    )
    module = types.ModuleType("torch")
    module.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    module.__dict__.update(
        __version__="2.3.1+cu121" if cuda else "2.3.1+cpu",
        version=types.SimpleNamespace(cuda=cuda),
        backends=types.SimpleNamespace(cudnn=cudnn_ns),
        cuda=cuda_ns,
        float32="float32",
        arange=arange,
        rand=rand,
        manual_seed=manual_seed,
        initial_seed=lambda: state["seed"],
        are_deterministic_algorithms_enabled=lambda: deterministic,
        is_deterministic_algorithms_warn_only_enabled=lambda: False,
    )
    return module


def _facts(
    torch: Any, *, environment: dict[str, str] | None = None, seed: int | None = None
) -> ProbeFacts:
    raw = {
        "python": "3.11.9",
        "executable": "/job/bin/python",
        "environment": environment or {},
        "seed": seed,
        "frameworks": {"torch": _probe_facts.framework_facts("torch", lambda: torch, True, seed)},
    }
    return facts_from_dict(json.loads(json.dumps(raw)))  # through JSON, as from the subprocess


def _lock(*extra: LockedPackage, needs: dict[str, str] | None = None, gpus: int = 0) -> Lock:
    torch = LockedPackage(name="torch", version="2.3.1+cu121", manager="pip", platform="linux-64")
    target: dict[str, Any] = {"platform": "linux-64", "python": "3.11"}
    if gpus:
        target["gpus"] = ["8.0"] * gpus
    return Lock.of(
        [torch, *extra],
        system_requirements={"linux-64": needs} if needs else {},
        metadata={"targets": [target]},
    )


A100 = ("NVIDIA A100-SXM4-80GB", (8, 0))


def test_eight_a100s_with_a_matching_build_have_nothing_to_say() -> None:
    machine = _machine("nvidia-smi_a100x8.csv")
    assert machine.driver == "535.104.05"
    facts = _facts(fake_torch([A100] * 8))
    (torch,) = facts.frameworks
    assert torch.available
    assert torch.cudnn == "9.1.0"
    assert [d.compute_capability for d in torch.devices] == ["8.0"] * 8
    assert {d.kernel for d in torch.devices} == {"ok"}
    assert torch.cpu_kernel == "ok"
    lock = _lock(needs={"nvidia_driver": ">=525.60.13"}, gpus=8)
    assert probe_findings(facts, lock=lock, platform="linux-64", system=machine) == []
    text = "\n".join(probe_text(facts, machine))
    assert "torch 2.3.1+cu121: CUDA 12.1; cuDNN 9.1.0; built for sm_50" in text
    assert "GPU 7: NVIDIA A100-SXM4-80GB, compute capability 8.0; kernel ok" in text
    assert "NVIDIA driver: 535.104.05" in text


def test_a_gpu_the_build_has_no_kernels_for_is_predicted() -> None:
    facts = _facts(fake_torch([("Tesla K80", (3, 7))], kernel_error=None))
    (finding,) = probe_findings(facts)
    assert finding.check == "gpu"
    assert finding.severity == "error"
    assert "has no kernels for GPU 0 (Tesla K80, compute capability 3.7)" in finding.message
    assert "no kernel image is available" in finding.message
    assert finding.found == "3.7"
    # with PTX for 8.0 a newer GPU is covered by JIT; Hopper SASS is not
    ptx = _facts(fake_torch([("NVIDIA H100", (9, 0))], arch=("sm_80", "compute_80")))
    assert probe_findings(ptx) == []
    sass = _facts(fake_torch([("NVIDIA H100", (9, 0))], arch=("sm_70", "sm_80")))
    assert "has no kernels" in probe_findings(sass)[0].message


def test_a_failing_kernel_and_a_driver_too_old_for_the_runtime() -> None:
    old = _machine("nvidia-smi_old_driver_name_driver.csv")  # a V100 on driver 470.82.01
    assert old.driver == "470.82.01"
    facts = _facts(
        fake_torch(
            [("Tesla V100-PCIE-16GB", (7, 0))],
            kernel_error="CUDA error: the provided PTX was compiled with an unsupported toolchain.",
        )
    )
    messages = [f.message for f in probe_findings(facts, system=old)]
    assert any(
        "uses the CUDA 12.1 runtime, which needs NVIDIA driver >= 525.60.13; this machine's is "
        "470.82.01" in m
        for m in messages
    )
    assert any("a tiny torch kernel on GPU 0 (Tesla V100-PCIE-16GB" in m for m in messages)


def test_a_cuda_build_that_sees_no_gpu() -> None:
    mixed = _machine("nvidia-smi_mixed.csv")  # a T4 and an RTX 3090 on 550.54.15
    facts = _facts(fake_torch([], available=False))
    (finding,) = probe_findings(facts, system=mixed)
    assert finding.severity == "error"
    assert "built for CUDA 12.1 but can use no GPU: no GPU is visible to it" in finding.message
    # no GPU on the machine, and the lock does not need one: only a warning when it does
    assert probe_findings(facts, system=SystemProfile()) == []
    needing = _lock(needs={"cuda_arch": "one of 8.0"})
    (finding,) = probe_findings(facts, lock=needing, platform="linux-64", system=SystemProfile())
    assert "this machine shows no NVIDIA GPU" in finding.message
    cpu = _facts(fake_torch([], cuda=None, cudnn=None))
    (finding,) = probe_findings(cpu, lock=needing, platform="linux-64")
    assert (finding.severity, finding.message) == (
        "warning",
        "the lock needs a GPU, but torch 2.3.1+cpu is a CPU build",
    )


def test_gpu_count_cudnn_and_warnings() -> None:
    cudnn = LockedPackage(
        name="nvidia-cudnn-cu12", version="9.1.0.70", manager="pip", platform="linux-64"
    )
    lock = _lock(cudnn, gpus=8)
    ok = _facts(fake_torch([A100] * 8))
    assert probe_findings(ok, lock=lock, platform="linux-64") == []
    shadowed = _facts(
        fake_torch([A100], cudnn=8902, warning="Found GPU0 which is of cuda capability 3.7."),
        environment={"CUDA_VISIBLE_DEVICES": "0"},
    )
    messages = [f.message for f in probe_findings(shadowed, lock=lock, platform="linux-64")]
    assert "torch 2.3.1+cu121 warned: Found GPU0 which is of cuda capability 3.7." in messages
    assert "the lock was made for 8 GPUs; torch sees 1 (CUDA_VISIBLE_DEVICES=0)" in messages
    assert any(m.startswith("torch 2.3.1+cu121 loads cuDNN 8.9.2; the lock pins") for m in messages)


def test_determinism_settings() -> None:
    loose = _facts(fake_torch([A100], deterministic=True, benchmark=True))
    subjects = {f.subject: f for f in probe_findings(loose)}
    assert "CUBLAS_WORKSPACE_CONFIG=:4096:8" in subjects["CUBLAS_WORKSPACE_CONFIG"].message
    assert subjects["CUBLAS_WORKSPACE_CONFIG"].found is None
    assert "cudnn.benchmark is on" in subjects["torch.backends.cudnn.benchmark"].message
    tight = _facts(
        fake_torch([A100], deterministic=True),
        environment={"CUBLAS_WORKSPACE_CONFIG": ":4096:8", "PYTHONHASHSEED": "0"},
        seed=7,
    )
    assert probe_findings(tight) == []
    (torch,) = tight.frameworks
    assert torch.setting("seed") == 7
    assert torch.setting("reproducible") is True
    text = "\n".join(probe_text(tight))
    assert "deterministic algorithms on" in text
    assert "draws reproduce after seeding: yes" in text
    assert "CUBLAS_WORKSPACE_CONFIG=:4096:8, PYTHONHASHSEED=0" in text


def test_collect_imports_records_warnings_and_broken_frameworks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "torch", fake_torch([A100], warning="driver is too old"))
    broken = types.ModuleType("jax")
    broken.__spec__ = importlib.machinery.ModuleSpec("jax", None)
    monkeypatch.setitem(sys.modules, "jax", broken)  # has no __version__: its facts fail
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    facts = facts_from_dict(_probe_facts.collect(["torch", "jax", "nonexistent"]))
    by_name = {f.name: f for f in facts.frameworks}
    assert by_name["torch"].warnings == ("driver is too old",)
    assert by_name["jax"].error is not None
    assert by_name["jax"].error.startswith("AttributeError")
    assert dict(facts.environment)["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"
    findings = probe_findings(facts)
    assert [(f.check, f.severity) for f in findings] == [
        ("framework", "error"),
        ("framework", "warning"),
    ]
    assert findings[0].message.startswith("jax does not import: AttributeError")


@pytest.mark.parametrize(
    "answer",
    [
        "[]",
        '{"frameworks": {"torch": "x"}}',
        '{"frameworks": {"torch": {"devices": [{"index": 0, "memory": "x"}]}}}',
        '{"frameworks": {"torch": {"determinism": [1]}}}',
        '{"frameworks": {"torch": {"devices": "abc"}}}',
        '{"environment": [1]}',
        '{"seed": 1e400}',
        "[" * 100_000,
        "{not json",
    ],
)
def test_a_malformed_probe_answer_is_a_compat_error(answer: str) -> None:
    with pytest.raises(CompatError, match=r"unexpected probe answer|nested"):
        parse_probe_output("framework chatter\nCOMPATLIB-PROBE " + answer, "/job/bin/python")
    with pytest.raises(CompatError, match="no answer"):
        parse_probe_output("framework chatter\n", "/job/bin/python")


def test_locked_frameworks() -> None:
    conda = LockedPackage(name="pytorch", version="2.3.1", manager="conda", platform="linux-64")
    jaxlib = LockedPackage(name="jaxlib", version="0.4.30", manager="pip", platform="osx-arm64")
    lock = Lock.of([conda, jaxlib])
    assert locked_frameworks(lock) == ["jax", "torch"]
    assert locked_frameworks(lock, "linux-64") == ["torch"]


def test_the_collector_needs_only_the_standard_library() -> None:
    """It runs inside the job's interpreter, which need not have compatlib: its
    imports are standard library ones, and it runs under -I from its text."""
    import ast

    source = Path(_probe_facts.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
    facts = probe_frameworks(sys.executable, frameworks=["torch"], seed=3)
    assert facts.executable == sys.executable
    assert facts.seed == 3
    assert [f.name for f in facts.frameworks] == ["torch"]


def test_check_probe_cli_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = probe_environment()
    lock = Lock.of([], metadata={"targets": [{"platform": facts.platform, "python": facts.python}]})
    path = tmp_path / "lock.json"
    path.write_text(lock.to_json())
    base = ["check", str(path), "--no-system"]
    assert main([*base, "--json"]) in (0, 1)
    plain = json.loads(capsys.readouterr().out)
    assert "probe" not in plain  # the JSON of a check without --probe keeps its shape
    main([*base, "--probe", "--seed", "5", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["checked"][-1] == "probe"
    assert report["probe"]["seed"] == 5
    assert report["probe"]["frameworks"] == {}  # the lock names no framework
    assert main([*base, "--seed", "5"]) == 2
    assert "--seed and --no-kernel go with --probe" in capsys.readouterr().err
    with_probe = check_environment(lock, facts, check_system=False, probe=_facts(fake_torch([])))
    assert "probe of /job/bin/python (Python 3.11.9):" in with_probe.text


def test_python_m_probe_without_a_lock(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "compatlib.adapters.probe", "--json", "--no-system"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["checked"] == ["probe"]
    assert report["probe"]["executable"] == sys.executable
    bad = subprocess.run(
        [sys.executable, "-m", "compatlib.adapters.probe", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert bad.returncode == 2
    assert "missing.json" in bad.stderr
