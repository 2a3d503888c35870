"""The framework knowledge files: schema, consistency with each other and with the
stack knowledge base, error reporting, and the generated matrix pages."""

from __future__ import annotations

import importlib.util
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
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
    spec = importlib.util.spec_from_file_location(f"_compatlib_build_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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
