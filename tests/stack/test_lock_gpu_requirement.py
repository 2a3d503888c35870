"""A lock's GPU requirement is what the chosen builds run on, not the target's GPU:
torch 2.3.1+cu118 locked for a V100 still says it runs on a T4 or an A10."""

from __future__ import annotations

from compatlib import Target, solve
from compatlib.stack.profile import parse_system

from .stack_index import framework_index


def test_cuda_arch_requirement_lists_every_gpu_the_build_runs_on() -> None:
    index = framework_index(["torch 2.3.1+cu118"])
    target = Target(python="3.11", system=parse_system("driver=535.104.05,gpu=V100"))
    res = solve(["torch==2.3.1+cu118"], index=index, target=target)
    need = res.system_requirements["cuda_arch"]
    assert "7.0" in need.allowed  # the target's V100
    assert {"7.5", "8.0", "8.6", "9.0"} <= set(need.allowed)  # T4, A100, A10, H100 too
    assert "3.5" not in need.allowed  # Kepler: no kernels in this build
    assert need.requirement.startswith("one of ")
