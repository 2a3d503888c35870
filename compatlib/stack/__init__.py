"""The ML stack: a sourced knowledge base of drivers, CUDA, GPUs, cuDNN, frameworks,
OS releases and Azure, system profiles and detection, and the queries users ask.

Names load on first use, so importing ``compatlib.stack`` reads no data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compatlib._lazy import lazy_attributes

if TYPE_CHECKING:
    from compatlib.stack.archs import describe_arch_list
    from compatlib.stack.detect import detect
    from compatlib.stack.frameworks import (
        FrameworkBuild,
        NvidiaPin,
        build,
        builds,
        canonical_framework,
        frameworks,
        nvidia_cuda_version,
        nvidia_packages,
        parse_local_version,
        variants,
        versions,
    )
    from compatlib.stack.knowledge import (
        DriverCuda,
        DriverFloor,
        Gpu,
        UnknownToData,
        as_of,
        can_run,
        cuda_supports,
        driver_cuda,
        driver_floor,
        driver_max_cuda,
        glibc_of,
        gpu,
        manylinux_glibc,
        min_driver,
    )
    from compatlib.stack.matrix import matrix, render_markdown, render_text
    from compatlib.stack.profile import (
        CudaSupport,
        SystemProfile,
        parse_system,
        preset,
        presets,
    )
    from compatlib.stack.query import (
        BuildVerdict,
        NewestReport,
        check_build,
        newest_build,
        newest_report,
    )

__all__ = [
    "BuildVerdict",
    "CudaSupport",
    "DriverCuda",
    "DriverFloor",
    "FrameworkBuild",
    "Gpu",
    "NewestReport",
    "NvidiaPin",
    "SystemProfile",
    "UnknownToData",
    "as_of",
    "build",
    "builds",
    "can_run",
    "canonical_framework",
    "check_build",
    "cuda_supports",
    "describe_arch_list",
    "detect",
    "driver_cuda",
    "driver_floor",
    "driver_max_cuda",
    "frameworks",
    "glibc_of",
    "gpu",
    "manylinux_glibc",
    "matrix",
    "min_driver",
    "newest_build",
    "newest_report",
    "nvidia_cuda_version",
    "nvidia_packages",
    "parse_local_version",
    "parse_system",
    "preset",
    "presets",
    "render_markdown",
    "render_text",
    "variants",
    "versions",
]

_LAZY = {
    "describe_arch_list": "compatlib.stack.archs",
    "detect": "compatlib.stack.detect",
    "FrameworkBuild": "compatlib.stack.frameworks",
    "build": "compatlib.stack.frameworks",
    "builds": "compatlib.stack.frameworks",
    "frameworks": "compatlib.stack.frameworks",
    "variants": "compatlib.stack.frameworks",
    "versions": "compatlib.stack.frameworks",
    "NvidiaPin": "compatlib.stack.frameworks",
    "canonical_framework": "compatlib.stack.frameworks",
    "nvidia_cuda_version": "compatlib.stack.frameworks",
    "nvidia_packages": "compatlib.stack.frameworks",
    "parse_local_version": "compatlib.stack.frameworks",
    "matrix": "compatlib.stack.matrix",
    "render_markdown": "compatlib.stack.matrix",
    "render_text": "compatlib.stack.matrix",
    "DriverCuda": "compatlib.stack.knowledge",
    "DriverFloor": "compatlib.stack.knowledge",
    "Gpu": "compatlib.stack.knowledge",
    "UnknownToData": "compatlib.stack.knowledge",
    "as_of": "compatlib.stack.knowledge",
    "driver_cuda": "compatlib.stack.knowledge",
    "driver_floor": "compatlib.stack.knowledge",
    "can_run": "compatlib.stack.knowledge",
    "cuda_supports": "compatlib.stack.knowledge",
    "driver_max_cuda": "compatlib.stack.knowledge",
    "glibc_of": "compatlib.stack.knowledge",
    "gpu": "compatlib.stack.knowledge",
    "manylinux_glibc": "compatlib.stack.knowledge",
    "min_driver": "compatlib.stack.knowledge",
    "CudaSupport": "compatlib.stack.profile",
    "SystemProfile": "compatlib.stack.profile",
    "parse_system": "compatlib.stack.profile",
    "preset": "compatlib.stack.profile",
    "presets": "compatlib.stack.profile",
    "BuildVerdict": "compatlib.stack.query",
    "NewestReport": "compatlib.stack.query",
    "newest_report": "compatlib.stack.query",
    "check_build": "compatlib.stack.query",
    "newest_build": "compatlib.stack.query",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
