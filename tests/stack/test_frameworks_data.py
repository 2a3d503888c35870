"""The framework knowledge files: schema, consistency with each other and with the
stack knowledge base, error reporting, and the generated matrix pages."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import compatlib
from compatlib.errors import InputError
from compatlib.stack import knowledge
from compatlib.stack.frameworks import (
    build,
    builds,
    frameworks,
    load_file,
    nvidia_packages,
    variants,
    versions,
)
from compatlib.stack.matrix import (
    matrix,
    render_markdown,
    render_page,
    render_text,
    torch_matrix,
    write_pages,
)
from compatlib.values.dotted import DottedVersion

PYTHONS = [f"3.{minor}" for minor in range(7, 17)]
TOOLKIT_COMPONENT = re.compile(
    r"^(cuda-toolkit|nvidia-(cublas|cufft|curand|cusolver|cusparse|cufile|cuda-runtime"
    r"|cuda-nvrtc|cuda-cupti|cuda-nvcc|nvtx|nvjitlink))(-cu\d+)?$"
)


def test_every_build_cites_https_sources() -> None:
    for b in builds():
        assert b.source.startswith("https://"), b
        assert b.sources
        assert b.sources[0] == b.source
        assert all(u.startswith("https://") for u in b.sources), b


def test_cuda_versions_have_the_right_shape() -> None:
    for b in builds():
        if b.variant == "cpu":
            assert b.cuda is None
            assert b.cudnn is None
            assert b.arch_list == ()
            continue
        assert b.cuda is not None, b
        assert re.fullmatch(r"\d{2}\.\d", b.cuda), b
        if re.fullmatch(r"cu\d{3}", b.variant):
            assert b.cuda == f"{b.variant[2:4]}.{b.variant[4]}", b
        if b.variant.startswith("cuda") and b.variant != "cuda":
            assert b.cuda.split(".")[0] == b.variant[4:], b
        assert b.cudnn is not None, b
        assert re.fullmatch(r"\d+(\.\d+)+", b.cudnn), b


def test_python_ranges_parse_and_are_bounded() -> None:
    for b in builds():
        spec = SpecifierSet(b.python)
        supported = [p for p in PYTHONS if spec.contains(p)]
        assert supported, b
        # contiguous and closed above: no "all future Pythons" claims
        first, last = PYTHONS.index(supported[0]), PYTHONS.index(supported[-1])
        assert supported == PYTHONS[first : last + 1], b
        assert last < len(PYTHONS) - 1, b


def test_arch_lists_are_well_formed() -> None:
    for b in builds():
        assert list(b.arch_list) == sorted(
            b.arch_list, key=lambda a: DottedVersion(a.removesuffix("+PTX"))
        )
        assert len(set(b.sass)) == len(b.sass)
        for arch in b.arch_list:
            assert re.fullmatch(r"\d{1,2}\.\d(\+PTX)?", arch), b
        if b.cuda is not None:
            assert b.arch_list or b.min_compute_capability, b
            assert b.lowest_compute_capability is not None


def test_arch_lists_only_name_gpus_their_cuda_can_build_for() -> None:
    """Every compute capability in an arch list is buildable by the variant's CUDA."""
    for b in builds():
        if b.cuda is None:
            continue
        for cc in b.sass:
            assert knowledge.cuda_supports(b.cuda, cc), (b.framework, b.version, b.variant, cc)


def test_versions_are_unique_and_ordered() -> None:
    for fw in frameworks():
        vs = versions(fw)
        assert len(set(vs)) == len(vs)
        assert list(vs) == sorted(vs, key=Version)
        for v in vs:
            names = variants(fw, v)
            assert len(set(names)) == len(names)
            assert sum(build(fw, v, n).default for n in names) == 1


def test_every_cuda_version_is_known_to_the_stack_knowledge_base() -> None:
    for b in builds():
        if b.cuda is not None:
            assert DottedVersion(knowledge.min_driver(b.cuda, "linux", "minor")) >= DottedVersion(
                "450"
            )


def test_min_glibc_values() -> None:
    manylinux = {"2.17", "2.27", "2.28"}
    for b in builds():
        assert b.min_glibc is None or b.min_glibc in manylinux, b
        if b.wheel_tag is not None and "manylinux_2_" in b.wheel_tag:
            tag_glibc = re.search(r"manylinux_2_(\d+)", b.wheel_tag)
            assert tag_glibc is not None
            assert b.min_glibc == f"2.{tag_glibc.group(1)}", b


def test_exact_pins_agree_with_the_build() -> None:
    """The CUDA and cuDNN a build records match the packages its wheel pins."""
    checked = 0
    for b in builds():
        try:
            pins = nvidia_packages(b.framework, b.version, b.variant)
        except InputError:
            continue
        for pin in pins:
            if pin.name.startswith("nvidia-cudnn"):
                assert b.cudnn is not None, b
                assert pin.version.startswith(b.cudnn), (b, pin)
            if pin.specifier.startswith("==") and TOOLKIT_COMPONENT.match(pin.name):
                assert pin.cuda is not None, f"{pin.name} {pin.version} missing in nvidia-pypi.yaml"
                if b.framework == "pytorch":
                    assert pin.cuda == b.cuda, (b.version, b.variant, pin)
                checked += 1
            suffix = re.search(r"-cu(\d+)$", pin.name)
            if suffix is not None and b.cuda is not None:
                assert suffix.group(1) == b.cuda.split(".")[0], (b, pin)
    assert checked > 200


def test_default_pytorch_builds_record_their_pypi_metadata() -> None:
    for b in builds("torch"):
        if b.default and b.cuda is not None:
            assert b.wheel_tag is not None, b
            assert any(u.startswith("https://pypi.org/project/torch/") for u in b.sources), b
            assert nvidia_packages("torch", b.version), b


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """schema: 1
framework: pytorch
package: torch
series:
  - series: "9.9"
    python: ">=3.10,<3.13"
    default_variant: cu121
    source: https://example.org/release-notes
    variants:
      - name: cu121
        cuda: "12.1"
        cudnn: "8.9.2.26"
        arch_list: ["8.0", "9.0+PTX"]
      - name: cpu
    releases:
      - version: "9.9.0"
"""


def test_load_file_accepts_a_minimal_file(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, GOOD))
    assert [(b.version, b.variant) for b in loaded] == [("9.9.0", "cu121"), ("9.9.0", "cpu")]
    assert loaded[0].ptx == ("9.0",)


@pytest.mark.parametrize(
    ("old", "new", "field", "line"),
    [
        ('cuda: "12.1"', 'cuda: "11.8"', "series[0].variants.cu121.cuda", 10),
        ('python: ">=3.10,<3.13"', 'python: ">=three"', "series[0].python", 5),
        ('["8.0", "9.0+PTX"]', '["9.0", "8.0"]', "series[0].variants.cu121.arch_list", 10),
        ('["8.0", "9.0+PTX"]', '["sm_80"]', "series[0].variants.cu121.arch_list", 10),
        ("default_variant: cu121", "default_variant: cu999", "series[0].default_variant", 5),
        (
            "      - name: cpu",
            "      - name: cpu\n        colour: red",
            "series[0].variants[1].colour",
            14,
        ),
        (
            "https://example.org/release-notes",
            "http://example.org",
            "series[0].variants.cu121.source",
            10,
        ),
    ],
)
def test_load_file_errors_point_at_the_problem(
    tmp_path: Path, old: str, new: str, field: str, line: int
) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load_file(path)
    assert info.value.source == str(path)
    assert info.value.field == field
    assert info.value.line == line


def test_duplicate_release_is_rejected(tmp_path: Path) -> None:
    body = GOOD + '      - version: "9.9.0"\n'
    with pytest.raises(InputError, match="duplicate release"):
        load_file(_write(tmp_path, body))


# -- matrices ------------------------------------------------------------------


def test_matrix_rows_cover_every_build() -> None:
    rows = torch_matrix()
    assert len(rows) == len(builds("torch"))
    row = next(r for r in rows if (r.version, r.variant) == ("2.3.1", "cu121"))
    assert row.default
    assert row.cuda == "12.1"
    assert row.cudnn == "8.9.2.26"
    assert row.driver_minor == "525.60.13"
    assert row.driver_toolkit == knowledge.min_driver("12.1")
    cpu = next(r for r in rows if (r.version, r.variant) == ("2.3.1", "cpu"))
    assert (cpu.cuda, cpu.driver_minor, cpu.gpus) == ("-", "-", "-")


def test_rendering_is_deterministic() -> None:
    rows = matrix("jax")
    text = render_text(rows)
    assert text == render_text(matrix("jax"))
    lines = text.splitlines()
    assert len(lines) == len(rows) + 2
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule align
    md = render_markdown(rows)
    assert md.count("\n") == len(rows) + 2
    assert md.startswith("| Version | Variant | CUDA |")
    assert "| cpu (PyPI) |" in md
    assert render_page("tf") == render_page("tensorflow")


def test_write_pages_round_trip(tmp_path: Path) -> None:
    written = write_pages(tmp_path)
    assert sorted(p.name for p in written) == ["jax.md", "pytorch.md", "tensorflow.md"]
    assert write_pages(tmp_path, check=True) == []
    (tmp_path / "jax.md").write_text("stale\n", encoding="utf-8")
    assert write_pages(tmp_path, check=True) == [tmp_path / "jax.md"]


def test_committed_matrix_pages_are_current() -> None:
    docs = Path(compatlib.__file__).resolve().parents[1] / "docs" / "matrices"
    if not docs.is_dir():
        pytest.skip("docs/matrices is not present (installed package)")
    stale = write_pages(docs, check=True)
    assert stale == [], "regenerate with: python -m compatlib.stack.matrix docs/matrices"


# -- the maintainer tools under data/build ---------------------------------------


def _build_tool(name: str) -> Any:
    path = Path(compatlib.__file__).resolve().parents[1] / "data" / "build" / f"{name}.py"
    if not path.exists():
        pytest.skip("data/build is not present (installed package)")
    key = f"_compatlib_build_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[key]
        raise
    return module


def _fatbin_entry(kind: int, arch: int, payload: bytes) -> bytes:
    header = bytearray(64)
    struct.pack_into("<HHIQ", header, 0, kind, 0x0101, 64, len(payload))
    struct.pack_into("<I", header, 28, arch)
    return bytes(header) + payload


def _elf_with_section(name: bytes, body: bytes) -> bytes:
    shstrtab = b"\0" + name + b"\0.shstrtab\0"
    body_off = 64
    str_off = body_off + len(body)
    sh_off = str_off + len(shstrtab)
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x28, sh_off)
    struct.pack_into("<HHH", header, 0x3A, 64, 3, 2)

    def section(name_off: int, offset: int, size: int) -> bytes:
        sh = bytearray(64)
        struct.pack_into("<I", sh, 0, name_off)
        struct.pack_into("<QQ", sh, 0x18, offset, size)
        return bytes(sh)

    sections = (
        section(0, 0, 0)
        + section(1, body_off, len(body))
        + section(2 + len(name), str_off, len(shstrtab))
    )
    return bytes(header) + body + shstrtab + sections


def test_fatbin_reader_counts_machine_code_and_ptx() -> None:
    tool = _build_tool("fatbin_archs")
    entries = (
        _fatbin_entry(2, 80, b"\0" * 24)
        + _fatbin_entry(2, 90, b"\0" * 8)
        + _fatbin_entry(1, 90, b"ptx text")
    )
    container = struct.pack("<IHHQ", 0xBA55ED50, 1, 16, len(entries)) + entries
    # two containers with padding between them, as linkers lay them out
    section = container + b"\0" * 8 + container
    elf = _elf_with_section(b".nv_fatbin", section)
    found = tool.fatbin_images(tool.nv_fatbin_section(elf))
    assert dict(found) == {("sm", 80): 2, ("sm", 90): 2, ("compute", 90): 2}
    with pytest.raises(ValueError, match=r"no \.nv_fatbin"):
        tool.nv_fatbin_section(_elf_with_section(b".text", b"\0" * 16))
    with pytest.raises(ValueError, match="not a 64-bit"):
        tool.nv_fatbin_section(b"MZ" + b"\0" * 100)


def test_local_torch_wheel_matches_the_data() -> None:
    """Where this machine has the torch 2.14.1 PyPI wheel, its GPU code is what we record."""
    wheel = Path("/opt/pypi-more/files/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl")
    if not wheel.exists():
        pytest.skip("the torch 2.14.1 wheel is not on this machine")
    tool = _build_tool("fatbin_archs")
    with zipfile.ZipFile(wheel) as zf:
        images = tool.fatbin_images(tool.nv_fatbin_section(zf.read("torch/lib/libtorch_cuda.so")))
    biggest = max(images.values())
    # architectures with code for (nearly) every kernel
    full = sorted(
        {f"{arch // 10}.{arch % 10}" for (kind, arch), n in images.items() if n > biggest // 2},
        key=DottedVersion,
    )
    ptx = [arch for (kind, arch), _ in images.items() if kind == "compute"]
    recorded = build("torch", "2.14.1")
    assert tuple(full) == recorded.sass
    assert ptx == []
    assert recorded.ptx == ()


def test_wheel_metadata_summary_of_a_wheel_file(tmp_path: Path) -> None:
    tool = _build_tool("wheel_metadata")
    wheel = tmp_path / "demo-1.0-py3-none-manylinux_2_28_x86_64.whl"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: demo",
            "Version: 1.0",
            "Requires-Python: >=3.10",
            "Classifier: Programming Language :: Python :: 3.11",
            "Classifier: Programming Language :: Python :: 3.10",
            'Requires-Dist: nvidia-cudnn-cu12==9.1.0.70; platform_system == "Linux"',
            "Requires-Dist: numpy",
            "",
        ]
    )
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("demo-1.0.dist-info/METADATA", metadata)
    summary = tool.from_wheel(wheel)
    assert summary["version"] == "1.0"
    assert summary["requires_python"] == ">=3.10"
    assert summary["python_classifiers"] == ["3.10", "3.11"]
    assert summary["gpu_requirements"] == [
        'nvidia-cudnn-cu12==9.1.0.70; platform_system == "Linux"'
    ]
    assert summary["wheel"] == wheel.name


# -- the refresh from the package index (data/build/refresh.py), offline ------------------


class _Index:
    """An in-memory package index: project -> [(file name, METADATA text)]."""

    def __init__(self, projects: dict[str, list[tuple[str, str]]]) -> None:
        tool = _build_tool("pypi_index")
        self._tool = tool
        self._files = {
            project: [
                tool.ReleaseFile(name, f"https://files.example/{name}", 1, None, None, False, True)
                for name, _ in files
            ]
            for project, files in projects.items()
        }
        self._meta = {name: text for files in projects.values() for name, text in files}

    def files(self, project: str) -> list[Any]:
        return list(self._files.get(project, []))

    def metadata(self, file: Any) -> Any:
        return self._tool.parse_metadata(self._meta[file.filename])


def _metadata(name: str, version: str, *requires: str, extras: tuple[str, ...] = ()) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Provides-Extra: {e}" for e in extras]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return "\n".join(lines) + "\n"


def _torch_wheels(version: str, pythons: range, *requires: str) -> list[tuple[str, str]]:
    meta = _metadata("torch", version, *requires)
    wheels = [(f"torch-{version}-cp3{m}-cp3{m}-manylinux_2_28_x86_64.whl", meta) for m in pythons]
    # neither a free-threaded wheel nor another platform widens the Python range
    after = pythons[-1] + 1
    wheels.append((f"torch-{version}-cp3{after}-cp3{after}t-manylinux_2_28_x86_64.whl", meta))
    wheels.append((f"torch-{version}-cp3{after}-cp3{after}-win_amd64.whl", meta))
    return wheels


def _versions_in(path: Path) -> list[str]:
    """Release versions in file order (the loader sorts them; the file should be sorted too)."""
    return re.findall(r'^      - version: "([^"]+)"', path.read_text(encoding="utf-8"), re.M)


TORCH_FILE = """schema: 1
framework: pytorch
package: torch
series:
  - series: "9.9"
    python: ">=3.10,<3.13"
    default_variant: cu121
    source: https://example.org/release-notes
    variants:
      - name: cu121
        cuda: "12.1"
        cudnn: "9.1.0.70"
        arch_list: ["8.0", "9.0+PTX"]
        min_glibc: "2.28"
      - name: cpu
    releases:
      - version: "9.9.0"
        wheel_tag: manylinux_2_28_x86_64
        variants:
          cu121:
            pins_source: https://pypi.org/project/torch/9.9.0/
            pins:
              nvidia-cudnn-cu12: "==9.1.0.70"
"""


def test_refresh_writes_new_releases_and_missing_pins_and_then_has_nothing_to_say(
    tmp_path: Path,
) -> None:
    refresh = _build_tool("refresh")
    cudnn = 'nvidia-cudnn-cu12==9.1.0.70; platform_system == "Linux"'
    bindings = 'cuda-bindings<13,>=12.9; platform_system == "Linux" and python_version < "3.13"'
    index = _Index(
        {
            "torch": [
                *_torch_wheels("9.9.0", range(10, 13), cudnn, bindings, "filelock"),
                *_torch_wheels("9.9.1", range(10, 14), cudnn, 'optree; extra == "optree"'),
                *_torch_wheels("9.9.2", range(10, 14), cudnn),
                ("torch-9.9.3rc1-cp312-cp312-manylinux_2_28_x86_64.whl", ""),  # not final
            ]
        }
    )
    drift = refresh.refresh_framework(index, refresh.FRAMEWORKS["torch"], TORCH_FILE)
    assert drift.messages == [
        "pytorch.yaml: 9.9.0 cu121: pins from https://pypi.org/project/torch/9.9.0/: "
        "missing cuda-bindings >=12.9,<13",
        "pytorch.yaml: 9.9.1: new release in series 9.9",
        "pytorch.yaml: 9.9.2: new release in series 9.9",
    ]
    path = tmp_path / "pytorch.yaml"
    path.write_text(refresh.apply(TORCH_FILE, drift.edits), encoding="utf-8")
    assert _versions_in(path) == ["9.9.0", "9.9.1", "9.9.2"]
    builds = {(b.version, b.variant): b for b in load_file(path)}
    new = builds["9.9.1", "cu121"]
    assert new.python == ">=3.10,<3.14"  # the cp313 wheel, not the cp314t or Windows ones
    assert new.wheel_tag == "manylinux_2_28_x86_64"
    assert new.cudnn == "9.1.0.70"
    assert new.default
    assert "https://pypi.org/project/torch/9.9.1/" in new.sources
    again = refresh.refresh_framework(
        index, refresh.FRAMEWORKS["torch"], path.read_text(encoding="utf-8")
    )
    assert again.messages == []
    assert again.edits == []


def test_refresh_reports_what_it_does_not_write(tmp_path: Path) -> None:
    refresh = _build_tool("refresh")
    cudnn = 'nvidia-cudnn-cu12==9.1.0.70; platform_system == "Linux"'
    toolkit = 'cuda-toolkit[cudart]==13.2.2; platform_system == "Linux"'
    cudnn13 = 'nvidia-cudnn-cu13==9.26.0.51; platform_system == "Linux"'
    index = _Index(
        {
            "torch": [
                *_torch_wheels("9.9.0", range(10, 14), cudnn),
                *_torch_wheels("10.0.0", range(11, 14), toolkit, cudnn13),
                *_torch_wheels("10.0.1", range(11, 15), toolkit, cudnn13),
            ]
        }
    )
    drift = refresh.refresh_framework(index, refresh.FRAMEWORKS["torch"], TORCH_FILE)
    assert drift.messages == [
        "pytorch.yaml: 9.9.0: python '>=3.10,<3.13' recorded, the wheels say '>=3.10,<3.14'",
        "pytorch.yaml: 10.0.0: starts series 10.0 (PyPI build cu132); run with --archs "
        "to read its GPU code and write it",
    ]
    written = refresh.apply(TORCH_FILE, drift.edits)
    assert 'version: "9.9.0"\n        python: ">=3.10,<3.14"' in written
    # given a reader of GPU code (here a stand-in for the wheel download) the series is written
    drift = refresh.refresh_framework(
        index, refresh.FRAMEWORKS["torch"], written, archs=lambda wheel: ["8.0", "9.0"]
    )
    assert drift.messages == [
        "pytorch.yaml: 10.0.0, 10.0.1: new series 10.0 written from its PyPI build cu132"
    ]
    path = tmp_path / "pytorch.yaml"
    path.write_text(refresh.apply(written, drift.edits), encoding="utf-8")
    assert _versions_in(path) == ["9.9.0", "10.0.0", "10.0.1"]
    builds = {(b.version, b.variant): b for b in load_file(path)}
    assert builds["10.0.0", "cu132"].python == ">=3.11,<3.14"
    assert builds["10.0.1", "cu132"].python == ">=3.11,<3.15"
    assert builds["10.0.0", "cu132"].arch_checked
    assert not builds["10.0.1", "cu132"].arch_checked
    assert builds["10.0.1", "cu132"].arch_list == ("8.0", "9.0")
    assert builds["10.0.1", "cu132"].min_glibc == "2.28"
    assert builds["10.0.1", "cu132"].cudnn == "9.26.0.51"


def test_refresh_reads_cuda_extras_and_markers() -> None:
    refresh = _build_tool("refresh")
    pypi_index = _build_tool("pypi_index")
    meta = pypi_index.parse_metadata(
        _metadata(
            "jax-cuda13-plugin",
            "1.0",
            "jax-cuda13-pjrt==1.0",
            'nvidia-cudnn-cu13<10.0,>=9.12.0.46; sys_platform == "linux" and extra == "with-cuda"',
            'nvidia-nvvm; extra == "with-cuda"',
            'nvidia-nccl-cu13>=2.27; sys_platform == "win32" and extra == "with-cuda"',
            extras=("with-cuda",),
        )
    )
    assert refresh.gpu_requirements(meta, ("with-cuda",), ["3.12"]) == {
        "nvidia-cudnn-cu13": ">=9.12.0.46,<10.0",
        "nvidia-nvvm": ">=0",
    }
    assert refresh.gpu_requirements(meta, ("and-cuda",), ["3.12"]) == {}
    assert refresh.gpu_requirements(meta, (), ["3.12"]) == {}
    old = pypi_index.parse_metadata(
        _metadata(
            "p", "1", "nvidia-cudnn-cu12<10,>=9.0 ; extra == 'with_cuda'", extras=("with_cuda",)
        )
    )
    assert refresh.gpu_requirements(old, ("with-cuda",), ["3.12"]) == {
        "nvidia-cudnn-cu12": ">=9.0,<10"
    }
    bindings = pypi_index.parse_metadata(
        _metadata("torch", "1", 'cuda-bindings>=13; python_version < "3.15"')
    )
    assert refresh.gpu_requirements(bindings, (), ["3.14", "3.15"]) == {"cuda-bindings": ">=13"}
    assert refresh.gpu_requirements(bindings, (), ["3.15"]) == {}


def test_refresh_generates_the_cuda_toolkit_maps() -> None:
    refresh = _build_tool("refresh")
    toolkit = _metadata(
        "cuda-toolkit",
        "13.9.0",
        'nvidia-cublas==13.19.0.1.*; sys_platform == "linux" and extra == "cublas"',
        'nvidia-cuda-runtime==13.9.12.*; extra == "cudart"',
        extras=("cublas", "cudart"),
    )
    index = _Index(
        {
            "cuda-toolkit": [
                ("cuda_toolkit-13.9.0-py2.py3-none-any.whl", toolkit),
                ("cuda_toolkit-12.9.9-py2.py3-none-any.whl", toolkit),  # before CUDA 13
                ("cuda_toolkit-13.10.0rc1-py2.py3-none-any.whl", toolkit),  # not final
            ]
        }
    )
    head = 'schema: 1\nrules: []\ncuda_releases:\n  - cuda: "12.1"\n    source: https://x.org/\n'
    drift = refresh.refresh_nvidia(index, head)
    text = refresh.apply(head, drift.edits)
    entries = yaml.safe_load(text)["cuda_releases"]
    assert entries[1] == {
        "cuda": "13.9",
        "release": "13.9.0",
        "source": "https://pypi.org/project/cuda-toolkit/13.9.0/",
        "packages": {"nvidia-cublas": "13.19.0.1", "nvidia-cuda-runtime": "13.9.12"},
    }
    assert len(entries) == 2
    assert refresh.refresh_nvidia(index, text).messages == []


def test_wheel_metadata_is_read_from_three_byte_ranges() -> None:
    pypi_index = _build_tool("pypi_index")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo("big/lib.so"), os.urandom(300_000))  # stored, incompressible
        zf.writestr(
            "demo-1.0.dist-info/METADATA",
            _metadata("demo", "1.0", "nvidia-nccl-cu13==2.30.7"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        zf.writestr("demo-1.0.dist-info/RECORD", "")
    blob = buffer.getvalue()
    ranges: list[tuple[int, int]] = []

    def read(start: int, end: int) -> bytes:
        ranges.append((start, end))
        return blob[start:end]

    text = pypi_index.metadata_from_zip(read, len(blob))
    assert "Requires-Dist: nvidia-nccl-cu13==2.30.7" in text
    assert sum(end - start for start, end in ranges) < len(blob) // 2
    assert len(ranges) <= 3
    with pytest.raises(ValueError, match="not a zip"):
        pypi_index.metadata_from_zip(lambda s, e: b"\0" * (e - s), 1000)


def test_python_ranges_come_from_cpython_wheels_for_linux() -> None:
    refresh = _build_tool("refresh")
    pypi_index = _build_tool("pypi_index")

    def f(name: str) -> Any:
        return pypi_index.ReleaseFile(name, "https://x/" + name, 1, None, None, False, False)

    linux = [
        f("jaxlib-1.0-cp311-cp311-manylinux_2_27_x86_64.whl"),
        f("jaxlib-1.0-cp314-cp314-manylinux_2_27_x86_64.whl"),
        f("jaxlib-1.0-cp315-cp315t-manylinux_2_27_x86_64.whl"),
    ]
    assert refresh.python_range(linux) == ">=3.11,<3.15"
    assert refresh.python_range([f("x-1.0-py3-none-any.whl")]) is None
    assert not pypi_index.linux_x86_64(f("jaxlib-1.0-cp311-cp311-manylinux_2_27_aarch64.whl"))
    assert pypi_index.linux_x86_64(linux[0])
