"""Framework builds: which CUDA, cuDNN, Python, GPU architectures and glibc each
PyTorch, TensorFlow and JAX release was built for.

The facts live in ``data/frameworks/*.yaml`` (one file per framework, plus
``nvidia-pypi.yaml`` for NVIDIA's PyPI packages); every record names its
source. This module loads them once, validates them, and answers questions::

    >>> from compatlib.stack.frameworks import build
    >>> b = build("torch", "2.3.1", "cu121")
    >>> b.cuda, b.cudnn, b.python
    ('12.1', '8.9.2.26', '>=3.8,<3.13')

A *variant* is one published build flavour of a release: ``cu121``, ``cpu``,
``rocm6.0`` for PyTorch; ``cuda12``/``cuda13`` (the ``jax-cuda12-plugin`` and
``jax-cuda13-plugin`` wheels) and ``cpu`` for JAX; ``cuda`` (``tensorflow``
with ``[and-cuda]`` or a local CUDA) and ``cpu`` (``tensorflow-cpu``) for
TensorFlow. ``variant=None`` means the variant that ``pip install <package>``
gets from PyPI on Linux x86_64.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from compatlib._datafiles import data_path, load_compiled
from compatlib._values import value
from compatlib.errors import InputError
from compatlib.values.dotted import DottedVersion

__all__ = [
    "PYTORCH_INDEX",
    "FrameworkBuild",
    "NvidiaPin",
    "build",
    "builds",
    "canonical_framework",
    "frameworks",
    "load_file",
    "nvidia_cuda_version",
    "nvidia_packages",
    "parse_local_version",
    "variants",
    "versions",
]

#: PyTorch's package index: every torch build variant is published under it
#: (``PYTORCH_INDEX + "cu118"``), https://pytorch.org/get-started/previous-versions/
PYTORCH_INDEX = "https://download.pytorch.org/whl/"

_FILES = {"pytorch": "pytorch.yaml", "tensorflow": "tensorflow.yaml", "jax": "jax.yaml"}
_ALIASES = {
    "pytorch": "pytorch",
    "torch": "pytorch",
    "tensorflow": "tensorflow",
    "tf": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "jax": "jax",
    "jaxlib": "jax",
}
_VARIANT_RE = re.compile(r"^(cpu|cu\d{3}|rocm\d+(\.\d+)*|cuda\d{2}|cuda|xpu)$")
_CUDA_RE = re.compile(r"^\d{2}\.\d$")
_ARCH_RE = re.compile(r"^\d{1,2}\.\d(\+PTX)?$")
_VERSION_RE = re.compile(r"^\d+(\.\d+)+(\.?(a|b|rc|post)\d+)?$")
_DOTTED_RE = re.compile(r"^\d+(\.\d+)+$")
_VARIANT_KEYS = frozenset(
    {
        "name",
        "package",
        "python",
        "cuda",
        "cudnn",
        "arch_list",
        "min_compute_capability",
        "min_glibc",
        "wheel_tag",
        "index_url",
        "source",
        "arch_source",
        "pins_source",
        "pins",
        "note",
        "arch_checked",
    }
)
_RELEASE_KEYS = frozenset(
    {"version", "python", "default_variant", "wheel_tag", "source", "note", "variants"}
)
_SERIES_KEYS = frozenset(
    {"series", "python", "default_variant", "source", "note", "variants", "releases"}
)


@value
class FrameworkBuild:
    """One published build of a framework release, for Linux x86_64.

    ``arch_list`` holds the GPU compute capabilities whose machine code the
    build carries, as in ``TORCH_CUDA_ARCH_LIST`` ("8.6"); "9.0+PTX" means PTX
    for 9.0 is carried as well, which newer GPUs can JIT-compile. JAX compiles
    its kernels at run time, so its builds have an empty ``arch_list`` and a
    ``min_compute_capability`` instead. ``min_glibc`` is the oldest glibc the
    Linux wheel runs on (its manylinux baseline). ``source`` is the main source
    of the compatibility facts; ``sources`` lists every URL the record cites
    (release notes, build scripts, the PyPI page whose METADATA was read).
    ``arch_checked`` is true where ``arch_list`` was confirmed by reading the
    GPU code objects in the published wheel (``data/build/fatbin_archs.py``).
    """

    framework: str
    version: str
    variant: str
    cuda: str | None
    cudnn: str | None
    python: str
    arch_list: tuple[str, ...]
    min_glibc: str | None
    source: str
    package: str
    default: bool
    wheel_tag: str | None = None
    index_url: str | None = None
    min_compute_capability: str | None = None
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    arch_checked: bool = False

    @property
    def served_from(self) -> str | None:
        """The package index that serves this build: its record's ``index_url``,
        else PyTorch's index for a torch variant; ``None``: the default index."""
        if self.index_url is not None:
            return self.index_url
        return PYTORCH_INDEX + self.variant if self.package == "torch" else None

    @property
    def is_gpu(self) -> bool:
        """Whether this build uses an NVIDIA GPU (it names a CUDA version)."""
        return self.cuda is not None

    @property
    def sass(self) -> tuple[str, ...]:
        """Compute capabilities with machine code in the build ("8.6", ...)."""
        return tuple(a.removesuffix("+PTX") for a in self.arch_list)

    @property
    def ptx(self) -> tuple[str, ...]:
        """Compute capabilities whose PTX the build carries."""
        return tuple(a.removesuffix("+PTX") for a in self.arch_list if a.endswith("+PTX"))

    @property
    def lowest_compute_capability(self) -> str | None:
        """The oldest GPU generation the build supports, if it uses a GPU."""
        if self.min_compute_capability is not None:
            return self.min_compute_capability
        if not self.arch_list:
            return None
        return str(min(DottedVersion(a) for a in self.sass))

    def runs_on(self, compute_capability: str) -> bool:
        """Whether a GPU of ``compute_capability`` can run this build's kernels.

        Machine code for X.Y runs on X.Z with Z >= Y (same major); PTX for X.Y
        is JIT-compiled for any GPU of X.Y or newer (the rules of
        :mod:`compatlib.stack.archs`, through
        ``compatlib.stack.knowledge.can_run``, which also knows Jetson
        exceptions). Builds without an ``arch_list`` (JAX) run on
        ``min_compute_capability`` and newer. CPU builds run on no GPU. A
        compute capability the data does not know raises
        ``compatlib.stack.knowledge.UnknownToData``.
        """
        # lazy: only runs_on needs compatlib.stack.knowledge, which loads 2 modules that importing this one does not
        from compatlib.stack.knowledge import architecture, can_run

        known = architecture(compute_capability).compute_capability
        if self.cuda is None:
            return False
        if self.arch_list:
            return can_run(self.arch_list, compute_capability)
        floor = self.min_compute_capability
        return floor is not None and DottedVersion(known) >= DottedVersion(floor)

    def describe_archs(self) -> str:
        """The GPUs the build has code for, as ranges (``"compute capability
        5.0-9.x"``, see :func:`compatlib.stack.archs.describe_arch_list`)."""
        if self.arch_list:
            # lazy: only describe_archs needs compatlib.stack.archs, which loads 1 module that importing this one does not
            from compatlib.stack.archs import describe_arch_list

            return describe_arch_list(self.arch_list)
        if self.min_compute_capability is not None:
            return f"compute capability {self.min_compute_capability} and newer"
        return "no GPU"

    def supports_python(self, python: str) -> bool:
        """Whether wheels of this build exist for Python ``python`` ("3.11")."""
        # lazy: only supports_python needs packaging, which loads 6 modules that importing this one does not
        from packaging.specifiers import SpecifierSet

        return SpecifierSet(self.python).contains(python, prereleases=True)


@value
class NvidiaPin:
    """An ``nvidia-*`` (or ``cuda-*``) requirement of a framework wheel.

    ``version`` is the pinned version (``==``) or, for TensorFlow's ranges,
    the lower bound; ``specifier`` is the requirement as written. ``cuda`` is
    the CUDA release (major.minor) the package version belongs to, where known;
    ``source`` the page of the wheel whose METADATA it was read from.
    """

    name: str
    version: str
    specifier: str
    cuda: str | None
    source: str = ""


# --------------------------------------------------------------------------
# loading


def _compiled_mapping(items: dict[str, Any], line: int | None) -> _Mapping:
    mapping = _Mapping(items)
    mapping.line = line
    return mapping


def _load_yaml(path: Path) -> Any:
    data = load_compiled(path, _compiled_mapping)
    if data is not None:
        return data
    # lazy: only _load_yaml needs yaml, which loads 27 modules that importing this one does not
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Mapping:
        mapping = _Mapping(
            {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
        )
        mapping.line = node.start_mark.line + 1
        return mapping

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"invalid YAML: {exc}",
            source=str(path),
            line=None if mark is None else mark.line + 1,
        ) from exc


class _Mapping(dict[str, Any]):
    """A dict that remembers the line it started on in its YAML file."""

    line: int | None = None


class _Reader:
    """Field access with errors that point into the data file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, node: Any, field: str, expected: str | None = None) -> InputError:
        line = node.line if isinstance(node, _Mapping) else None
        return InputError(message, source=str(self.path), line=line, field=field, expected=expected)

    def mapping(self, node: Any, field: str, keys: frozenset[str] | None = None) -> _Mapping:
        if not isinstance(node, _Mapping):
            raise self.fail("expected a mapping", node, field)
        if keys is not None:
            unknown = sorted(set(node) - keys)
            if unknown:
                raise self.fail(
                    f"unknown key {unknown[0]!r}",
                    node,
                    f"{field}.{unknown[0]}",
                    ", ".join(sorted(keys)),
                )
        return node

    def text(self, node: _Mapping, key: str, field: str, *, optional: bool = False) -> str | None:
        value = node.get(key)
        if value is None:
            if optional:
                return None
            raise self.fail(f"missing {key!r}", node, f"{field}.{key}")
        if not isinstance(value, str):
            raise self.fail(
                f"{key!r} must be a string, got {value!r}",
                node,
                f"{field}.{key}",
                "a quoted string",
            )
        return value

    def req(self, node: _Mapping, key: str, field: str) -> str:
        value = self.text(node, key, field)
        assert value is not None
        return value

    def strings(self, node: _Mapping, key: str, field: str) -> tuple[str, ...]:
        value = node.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key!r} must be a list of strings", node, f"{field}.{key}")
        return tuple(value)

    def notes(self, node: _Mapping) -> tuple[str, ...]:
        note = node.get("note")
        if note is None:
            return ()
        if not isinstance(note, str):
            raise self.fail("'note' must be a string", node, "note")
        return (" ".join(note.split()),)


@value
class _Release:
    framework: str
    version: str
    default_variant: str
    builds: tuple[FrameworkBuild, ...]
    pins: Mapping[str, tuple[NvidiaPin, ...]]  # variant -> pins


def _check_specifier(reader: _Reader, node: _Mapping, text: str, field: str) -> None:
    # lazy: only _check_specifier needs packaging, which loads 6 modules that importing this one does not
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise reader.fail(
            f"invalid Python specifier {text!r}",
            node,
            field,
            "a PEP 440 specifier like >=3.9,<3.13",
        ) from exc


def _parse_pin(reader: _Reader, node: _Mapping, field: str, name: str, spec: str) -> NvidiaPin:
    # lazy: only _parse_pin needs packaging, which loads 6 modules that importing this one does not
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specs = SpecifierSet(spec)
    except InvalidSpecifier as exc:
        raise reader.fail(f"invalid requirement {name} {spec!r}", node, field) from exc
    lower = [s.version for s in specs if s.operator in ("==", ">=", "~=")]
    if len(lower) != 1:
        raise reader.fail(
            f"requirement {name} {spec!r} has no single pinned or lower version",
            node,
            field,
            "==X or >=X",
        )
    return NvidiaPin(name=name, version=lower[0], specifier=str(specs), cuda=None)


@value
class _Series:
    """One ``series`` entry of a framework file, checked: what its releases share."""

    framework: str
    package: str
    field: str
    source: str
    python: str
    notes: tuple[str, ...]
    default_variant: str
    variants: Mapping[str, _Mapping]  # name -> its node, in file order
    releases: list[Any]  # the raw release nodes


def _load_framework(
    path: Path,
    nvidia: Mapping[tuple[str, str], str],
    rules: Mapping[str, str],
    only: str | None = None,
) -> tuple[_Release, ...]:
    """The releases of one framework file; with ``only``, just that release is
    built (the file's structure is still checked), which is what a lock needs."""
    reader = _Reader(path)
    framework, package, series_list = _framework_header(reader, path)
    releases: list[_Release] = []
    seen: set[str] = set()
    for i, raw in enumerate(series_list):
        series = _read_series(reader, raw, f"series[{i}]", framework, package)
        for k, rraw in enumerate(series.releases):
            rfield = f"{series.field}.releases[{k}]"
            r = reader.mapping(rraw, rfield, _RELEASE_KEYS)
            version = reader.req(r, "version", rfield)
            if not _VERSION_RE.match(version):
                raise reader.fail(f"bad version {version!r}", r, f"{rfield}.version", "e.g. 2.3.1")
            if version in seen:
                raise reader.fail(f"duplicate release {version}", r, f"{rfield}.version")
            seen.add(version)
            if only is not None and version != only:
                continue
            releases.append(_read_release(reader, r, rfield, version, series, nvidia, rules))
    # lazy: only _load_framework needs packaging, which loads 2 modules that importing this one does not
    from packaging.version import Version

    releases.sort(key=lambda rel: Version(rel.version))
    return tuple(releases)


def _framework_header(reader: _Reader, path: Path) -> tuple[str, str, list[Any]]:
    """The file's framework, its package and its (non-empty) series list."""
    doc = reader.mapping(
        _load_yaml(path), "<root>", frozenset({"schema", "as_of", "framework", "package", "series"})
    )
    if doc.get("schema") != 1:
        raise reader.fail("unsupported schema", doc, "schema", "schema: 1")
    declared = doc.get("framework")
    if declared not in _FILES:
        raise reader.fail(
            f"unknown framework {declared!r}", doc, "framework", ", ".join(sorted(_FILES))
        )
    package = reader.req(doc, "package", "<root>")
    series_list = doc.get("series")
    if not isinstance(series_list, list) or not series_list:
        raise reader.fail("missing 'series' list", doc, "series")
    return str(declared), package, series_list


def _read_series(reader: _Reader, raw: Any, sfield: str, framework: str, package: str) -> _Series:
    """A series: its shared fields, its variants (unique, well named, the
    default among them) and its release list."""
    s = reader.mapping(raw, sfield, _SERIES_KEYS)
    s_source = reader.req(s, "source", sfield)
    s_python = reader.req(s, "python", sfield)
    _check_specifier(reader, s, s_python, f"{sfield}.python")
    s_notes = reader.notes(s)
    default_variant = reader.req(s, "default_variant", sfield)
    vlist = s.get("variants")
    if not isinstance(vlist, list) or not vlist:
        raise reader.fail("missing 'variants' list", s, f"{sfield}.variants")
    variant_nodes: dict[str, _Mapping] = {}
    for j, vraw in enumerate(vlist):
        vfield = f"{sfield}.variants[{j}]"
        v = reader.mapping(vraw, vfield, _VARIANT_KEYS)
        name = reader.req(v, "name", vfield)
        if not _VARIANT_RE.match(name):
            raise reader.fail(
                f"bad variant name {name!r}", v, f"{vfield}.name", "cpu, cuXYZ, rocmX.Y, cuda12"
            )
        if name in variant_nodes:
            raise reader.fail(f"duplicate variant {name!r}", v, f"{vfield}.name")
        variant_nodes[name] = v
    if default_variant not in variant_nodes:
        raise reader.fail(
            f"default_variant {default_variant!r} is not one of the variants",
            s,
            f"{sfield}.default_variant",
            ", ".join(sorted(variant_nodes)),
        )
    releases_raw = s.get("releases")
    if not isinstance(releases_raw, list) or not releases_raw:
        raise reader.fail("missing 'releases' list", s, f"{sfield}.releases")
    return _Series(
        framework=framework,
        package=package,
        field=sfield,
        source=s_source,
        python=s_python,
        notes=s_notes,
        default_variant=default_variant,
        variants=variant_nodes,
        releases=releases_raw,
    )


def _read_release(
    reader: _Reader,
    r: _Mapping,
    rfield: str,
    version: str,
    series: _Series,
    nvidia: Mapping[tuple[str, str], str],
    rules: Mapping[str, str],
) -> _Release:
    """One release: a build per variant of its series, with the release's own
    Python, default variant, wheel tag, source, notes and per-variant overrides."""
    r_python = reader.text(r, "python", rfield, optional=True) or series.python
    _check_specifier(reader, r, r_python, f"{rfield}.python")
    r_default = reader.text(r, "default_variant", rfield, optional=True) or series.default_variant
    if r_default not in series.variants:
        raise reader.fail(
            f"default_variant {r_default!r} is not one of the variants",
            r,
            f"{rfield}.default_variant",
        )
    wheel_tag = reader.text(r, "wheel_tag", rfield, optional=True)
    r_source = reader.text(r, "source", rfield, optional=True)
    r_notes = reader.notes(r)
    overrides = _variant_overrides(reader, r, rfield, series.variants)
    builds: list[FrameworkBuild] = []
    pins: dict[str, tuple[NvidiaPin, ...]] = {}
    for name, v in series.variants.items():
        vfield = f"{series.field}.variants.{name}"
        over = overrides.get(name)
        merged = _Mapping({**v, **(over or {})})
        merged.line = (over.line if isinstance(over, _Mapping) else None) or v.line
        b, p = _make_build(
            reader,
            merged,
            vfield,
            framework=series.framework,
            package=reader.text(merged, "package", vfield, optional=True) or series.package,
            version=version,
            variant=name,
            python=reader.text(merged, "python", vfield, optional=True) or r_python,
            default=(name == r_default),
            wheel_tag=wheel_tag if name == r_default else None,
            series_source=series.source,
            release_source=r_source,
            notes=series.notes + r_notes,
            nvidia=nvidia,
            rules=rules,
        )
        builds.append(b)
        if p is not None:
            pins[name] = p
    return _Release(
        framework=series.framework,
        version=version,
        default_variant=r_default,
        builds=tuple(sorted(builds, key=_variant_order)),
        pins=pins,
    )


def _variant_overrides(
    reader: _Reader, r: _Mapping, rfield: str, variants: Mapping[str, _Mapping]
) -> _Mapping:
    """A release's ``variants`` overrides, each of a known variant."""
    overrides_raw = r.get("variants", {})
    overrides = reader.mapping(overrides_raw, f"{rfield}.variants") if overrides_raw else _Mapping()
    for oname in overrides:
        if oname not in variants:
            raise reader.fail(f"override for unknown variant {oname!r}", r, f"{rfield}.variants")
        reader.mapping(overrides[oname], f"{rfield}.variants.{oname}", _VARIANT_KEYS - {"name"})
    return overrides


def _make_build(
    reader: _Reader,
    v: _Mapping,
    field: str,
    *,
    framework: str,
    package: str,
    version: str,
    variant: str,
    python: str,
    default: bool,
    wheel_tag: str | None,
    series_source: str,
    release_source: str | None,
    notes: tuple[str, ...],
    nvidia: Mapping[tuple[str, str], str],
    rules: Mapping[str, str],
) -> tuple[FrameworkBuild, tuple[NvidiaPin, ...] | None]:
    _check_specifier(reader, v, python, f"{field}.python")
    cuda, cudnn = _cuda_fields(reader, v, field, variant)
    arch, min_cc = _gpu_fields(reader, v, field, cuda)
    min_glibc = reader.text(v, "min_glibc", field, optional=True)
    if min_glibc is not None and not re.match(r"^2\.\d+$", min_glibc):
        raise reader.fail(f"bad glibc version {min_glibc!r}", v, f"{field}.min_glibc", "like 2.17")
    source = reader.text(v, "source", field, optional=True) or series_source
    extra = [reader.text(v, key, field, optional=True) for key in ("arch_source", "pins_source")]
    sources = tuple(dict.fromkeys(u for u in (source, *extra, release_source, series_source) if u))
    for url in sources:
        if not url.startswith("https://"):
            raise reader.fail(f"sources must be https URLs, got {url!r}", v, f"{field}.source")
    pins_source = reader.text(v, "pins_source", field, optional=True) or release_source or source
    pins = _build_pins(reader, v, field, pins_source, nvidia, rules)
    b = FrameworkBuild(
        framework=framework,
        version=version,
        variant=variant,
        cuda=cuda,
        cudnn=cudnn,
        python=python,
        arch_list=arch,
        min_glibc=min_glibc,
        source=source,
        package=package,
        default=default,
        wheel_tag=wheel_tag or reader.text(v, "wheel_tag", field, optional=True),
        index_url=reader.text(v, "index_url", field, optional=True),
        min_compute_capability=min_cc,
        notes=notes + reader.notes(v),
        sources=sources,
        arch_checked=_flag(reader, v, "arch_checked", field),
    )
    return b, pins


def _cuda_fields(
    reader: _Reader, v: _Mapping, field: str, variant: str
) -> tuple[str | None, str | None]:
    """A build's CUDA and cuDNN versions, checked against its variant's name."""
    cuda = reader.text(v, "cuda", field, optional=True)
    if cuda is not None and not _CUDA_RE.match(cuda):
        raise reader.fail(
            f"bad CUDA version {cuda!r}", v, f"{field}.cuda", "major.minor such as 12.1"
        )
    if (
        variant.startswith("cu")
        and variant[2:].isdigit()
        and (cuda is None or cuda.replace(".", "") != variant[2:])
    ):
        raise reader.fail(
            f"variant {variant} must name CUDA {variant[2:4]}.{variant[4:]}, got {cuda!r}",
            v,
            f"{field}.cuda",
        )
    if variant == "cpu" and cuda is not None:
        raise reader.fail("a cpu variant has no CUDA", v, f"{field}.cuda")
    cudnn = reader.text(v, "cudnn", field, optional=True)
    if cudnn is not None and not _DOTTED_RE.match(cudnn):
        raise reader.fail(f"bad cuDNN version {cudnn!r}", v, f"{field}.cudnn", "dotted numbers")
    if cudnn is not None and cuda is None:
        raise reader.fail("cuDNN without CUDA", v, f"{field}.cudnn")
    return cuda, cudnn


def _gpu_fields(
    reader: _Reader, v: _Mapping, field: str, cuda: str | None
) -> tuple[tuple[str, ...], str | None]:
    """The GPU architectures a build's kernels are compiled for (sorted,
    unique) and its minimum compute capability; a CUDA build needs one of them."""
    arch = reader.strings(v, "arch_list", field)
    for a in arch:
        if not _ARCH_RE.match(a):
            raise reader.fail(
                f"bad architecture {a!r}", v, f"{field}.arch_list", "like 8.6 or 9.0+PTX"
            )
    if len(set(arch)) != len(arch) or list(arch) != sorted(
        arch, key=lambda a: DottedVersion(a.removesuffix("+PTX"))
    ):
        raise reader.fail("arch_list must be sorted and unique", v, f"{field}.arch_list")
    min_cc = reader.text(v, "min_compute_capability", field, optional=True)
    if cuda is not None and not arch and min_cc is None:
        raise reader.fail(
            "a CUDA build needs arch_list or min_compute_capability", v, f"{field}.arch_list"
        )
    if cuda is None and (arch or min_cc):
        raise reader.fail("GPU architectures on a build without CUDA", v, f"{field}.arch_list")
    return arch, min_cc


def _build_pins(
    reader: _Reader,
    v: _Mapping,
    field: str,
    pins_source: str,
    nvidia: Mapping[tuple[str, str], str],
    rules: Mapping[str, str],
) -> tuple[NvidiaPin, ...] | None:
    """The NVIDIA wheels a build pins, each with the CUDA release that ships it."""
    raw_pins = v.get("pins")
    if raw_pins is None:
        return None
    pin_map = reader.mapping(raw_pins, f"{field}.pins")
    parsed = []
    for name in sorted(pin_map):
        spec = pin_map[name]
        if not isinstance(spec, str):
            raise reader.fail(f"pin {name} must be a string", pin_map, f"{field}.pins.{name}")
        pin = _parse_pin(reader, pin_map, f"{field}.pins.{name}", name, spec)
        parsed.append(
            NvidiaPin(
                pin.name,
                pin.version,
                pin.specifier,
                _lookup_cuda(pin.name, pin.version, nvidia, rules),
                pins_source,
            )
        )
    return tuple(parsed)


def _flag(reader: _Reader, node: _Mapping, key: str, field: str) -> bool:
    value = node.get(key, False)
    if not isinstance(value, bool):
        raise reader.fail(f"{key!r} must be true or false", node, f"{field}.{key}")
    return value


def _load_nvidia() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """(package, version) -> oldest CUDA release that ships it; package -> rule."""
    # lazy: only _load_nvidia needs compatlib.values.filenames, which loads 3 modules that importing this one does not
    from compatlib.values.filenames import canonicalize_name

    path = data_path("frameworks", "nvidia-pypi.yaml")
    reader = _Reader(path)
    doc = reader.mapping(
        _load_yaml(path), "<root>", frozenset({"schema", "as_of", "rules", "cuda_releases"})
    )
    if doc.get("schema") != 1:
        raise reader.fail("unsupported schema", doc, "schema", "schema: 1")
    rules: dict[str, str] = {}
    for i, raw in enumerate(doc.get("rules") or []):
        field = f"rules[{i}]"
        r = reader.mapping(raw, field, frozenset({"rule", "packages", "source", "note"}))
        reader.req(r, "source", field)
        rule = reader.req(r, "rule", field)
        if rule != "major_minor":
            raise reader.fail(f"unknown rule {rule!r}", r, f"{field}.rule", "major_minor")
        for name in reader.strings(r, "packages", field):
            rules[name] = rule
    table: dict[tuple[str, str], str] = {}
    for i, raw in enumerate(doc.get("cuda_releases") or []):
        field = f"cuda_releases[{i}]"
        r = reader.mapping(raw, field, frozenset({"cuda", "release", "packages", "source", "note"}))
        source = reader.req(r, "source", field)
        if not source.startswith("https://"):
            raise reader.fail("source must be an https URL", r, f"{field}.source")
        cuda = reader.req(r, "cuda", field)
        if not _CUDA_RE.match(cuda):
            raise reader.fail(f"bad CUDA version {cuda!r}", r, f"{field}.cuda", "major.minor")
        pkgs = reader.mapping(r.get("packages"), f"{field}.packages")
        major = cuda.split(".")[0]
        for name, version in pkgs.items():
            pfield = f"{field}.packages.{name}"
            if name != canonicalize_name(name):
                raise reader.fail(f"{name!r} is not a normalized name", pkgs, pfield)
            if not isinstance(version, str) or not _DOTTED_RE.match(version):
                raise reader.fail(
                    f"bad version for {name}", pkgs, pfield, "a quoted dotted version"
                )
            suffix = re.search(r"-cu(\d+)$", name)
            if suffix is not None and suffix.group(1) != major:
                raise reader.fail(f"{name} does not belong to CUDA {major}", pkgs, pfield)
            key = (name, version)
            if key not in table or DottedVersion(cuda) < DottedVersion(table[key]):
                table[key] = cuda
    return table, rules


def _lookup_cuda(
    name: str, version: str, table: Mapping[tuple[str, str], str], rules: Mapping[str, str]
) -> str | None:
    if (name, version) in table:
        return table[(name, version)]
    for (known, known_version), cuda in table.items():
        if known == name and DottedVersion(known_version) == DottedVersion(version):
            return cuda
    if rules.get(name) == "major_minor":
        parts = version.split(".")
        if len(parts) >= 2:
            return f"{parts[0]}.{parts[1]}"
    return None


@cache
def _nvidia_data() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    return _load_nvidia()


def _checked_releases(fw: str, only: str | None = None) -> tuple[_Release, ...]:
    table, rules = _nvidia_data()
    rels = _load_framework(data_path("frameworks", _FILES[fw]), table, rules, only)
    if rels and rels[0].framework != fw:
        raise InputError(
            f"{_FILES[fw]} describes {rels[0].framework}, not {fw}",
            source=str(data_path("frameworks", _FILES[fw])),
            field="framework",
        )
    return rels


_LOADED: dict[str, tuple[_Release, ...]] = {}


@cache
def _framework_releases(fw: str) -> tuple[_Release, ...]:
    """One framework's releases, loaded on first use (a torch-only solve reads
    neither tensorflow.yaml nor jax.yaml)."""
    rels = _checked_releases(fw)
    _LOADED[fw] = rels
    return rels


@cache
def _single_release(fw: str, version: str) -> _Release | None:
    """One release, built alone (a lock asks for one or two of a hundred builds)."""
    rels = _checked_releases(fw, version)
    return rels[0] if rels else None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def _variant_order(b: FrameworkBuild) -> tuple[int, tuple[int, ...], str]:
    kind = 0 if b.cuda is not None else (1 if b.variant == "cpu" else 2)
    cuda = _version_key(b.cuda) if b.cuda else ()
    return (kind, cuda, b.variant)


# --------------------------------------------------------------------------
# public API


def canonical_framework(name: str) -> str:
    """``"torch"`` -> ``"pytorch"``, ``"tf"`` -> ``"tensorflow"``; unknown names raise."""
    key = name.strip().lower().replace("_", "-")
    if key not in _ALIASES:
        raise InputError(
            f"unknown framework {name!r}",
            field="framework",
            text=name,
            expected=", ".join(sorted(_ALIASES)),
        )
    return _ALIASES[key]


def frameworks() -> tuple[str, ...]:
    """The frameworks the knowledge base covers, by canonical name."""
    return tuple(sorted(_FILES))


def _releases(framework: str) -> tuple[_Release, ...]:
    return _framework_releases(canonical_framework(framework))


def versions(framework: str) -> tuple[str, ...]:
    """Every recorded release of ``framework``, oldest first."""
    return tuple(r.version for r in _releases(framework))


def _release(framework: str, version: str) -> _Release:
    fw = canonical_framework(framework)
    loaded = _LOADED.get(fw)
    if loaded is None:
        single = _single_release(fw, version)
        if single is not None:
            return single
    else:
        for r in loaded:
            if r.version == version:
                return r
    raise InputError(
        f"no {fw} release {version!r} in the knowledge base",
        field="version",
        text=version,
        expected="one of " + ", ".join(versions(fw)),
    )


def parse_local_version(text: str) -> tuple[str, str | None]:
    """Split a PEP 440 local version: ``"2.3.1+cu121"`` -> ``("2.3.1", "cu121")``.

    A version without a local part gives ``(version, None)``.
    """
    # lazy: only parse_local_version needs packaging, which loads 2 modules that importing this one does not
    from packaging.version import InvalidVersion, Version

    raw = text.strip()
    try:
        parsed = Version(raw)
    except InvalidVersion as exc:
        raise InputError(
            f"invalid version {text!r}", text=text, expected="a PEP 440 version such as 2.3.1+cu121"
        ) from exc
    return parsed.public, parsed.local


def variants(framework: str, version: str) -> tuple[str, ...]:
    """The published variants of a release, CUDA builds first (oldest CUDA first)."""
    local_version, local = parse_local_version(version)
    release = _release(framework, local_version)
    names = tuple(b.variant for b in release.builds)
    if local is not None and local not in names:
        raise InputError(f"unknown variant {local!r}", text=version, expected=", ".join(names))
    return names


def build(framework: str, version: str, variant: str | None = None) -> FrameworkBuild:
    """The build of ``framework`` ``version`` in ``variant`` (PyPI's default if None).

    ``version`` may carry the variant as a local part ("2.3.1+cu121").
    """
    public, local = parse_local_version(version)
    if local is not None:
        if variant is not None and variant != local:
            raise InputError(
                f"version {version!r} names variant {local!r} but {variant!r} was asked for",
                field="variant",
                text=variant,
            )
        variant = local
    release = _release(framework, public)
    wanted = release.default_variant if variant is None else variant.strip().lower()
    for b in release.builds:
        if b.variant == wanted:
            return b
    raise InputError(
        f"{release.framework} {public} has no variant {variant!r}",
        field="variant",
        text=variant,
        expected="one of " + ", ".join(b.variant for b in release.builds),
    )


def load_file(path: Path) -> list[FrameworkBuild]:
    """Load and validate one framework YAML file (for maintainers and tests).

    Uses the shipped ``nvidia-pypi.yaml`` for the CUDA of pinned packages.
    Errors are InputError pointing at the file, line and field.
    """
    table, rules = _nvidia_data()
    return [b for r in _load_framework(path, table, rules) for b in r.builds]


def builds(framework: str | None = None) -> list[FrameworkBuild]:
    """Every recorded build, by framework, release (oldest first) and variant."""
    chosen: Iterable[str] = frameworks() if framework is None else (canonical_framework(framework),)
    return [b for fw in chosen for r in _framework_releases(fw) for b in r.builds]


def nvidia_packages(
    framework: str, version: str, variant: str | None = None
) -> tuple[NvidiaPin, ...]:
    """The ``nvidia-*``/``cuda-*`` requirements of a framework wheel, from its METADATA.

    For PyTorch these are ``==`` pins of the Linux x86_64 wheel; for TensorFlow
    the ``[and-cuda]`` extra; for JAX the plugin's ``[with-cuda]`` extra.
    Builds whose wheels bundle the CUDA libraries, and builds whose metadata
    was not recorded, raise InputError saying so.
    """
    b = build(framework, version, variant)
    release = _release(framework, b.version)
    if b.variant not in release.pins:
        recorded = ", ".join(sorted(release.pins)) or "none"
        raise InputError(
            f"no nvidia-* requirements recorded for {b.framework} {b.version} {b.variant}",
            field="variant",
            text=b.variant,
            expected=f"a variant with recorded requirements: {recorded}",
        )
    return release.pins[b.variant]


def nvidia_cuda_version(package: str, version: str) -> str | None:
    """The CUDA release (major.minor) an NVIDIA PyPI package version belongs to.

    ``nvidia_cuda_version("nvidia-cuda-runtime-cu12", "12.1.105") == "12.1"``.
    None where the knowledge base does not know the version.
    """
    # lazy: only nvidia_cuda_version needs compatlib.values.filenames, which loads 3 modules that importing this one does not
    from compatlib.values.filenames import canonicalize_name

    table, rules = _nvidia_data()
    return _lookup_cuda(str(canonicalize_name(package)), version, table, rules)
