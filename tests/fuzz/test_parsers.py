"""Every parser of untrusted input, fed mutations of real samples.

The contract: a parser either returns a value or raises a
:class:`~compatlib.errors.CompatError` (an ``InputError`` naming the source).
Anything else (a ValueError, a RecursionError, a MemoryError) is a bug. The
samples are real files of the kinds users and servers hand to compatlib.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compatlib.errors import CompatError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "specs" / "fixtures"

_NASTY = [
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "<",
    ">",
    "=",
    "==",
    "!=",
    "~=",
    "*",
    ",",
    ";",
    "@",
    "#",
    ":",
    "'",
    '"',
    "\\",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\x00",
    "\x7f",
    "\u2028",
    "\ufeff",
    "&a ",
    "*a",
    "!!int ",
    "!!binary ",
    "!!python/object:x ",
    "- ",
    "--",
    "-r ",
    "-e ",
    "${X}",
    "http://[x]/",
    "file://",
    "NaN",
    "Infinity",
    "1e999",
    "9" * 30,
    "é",
    "ß",
    "^(",
    ".*",
    "py3*",
    "[build='^(x$']",
    "\\u{110000}",
    "0x",
    "extra ==",
    "python_version",
]


@st.composite
def mutated(draw: st.DrawFn, sample: str) -> str:
    """``sample`` with a few insertions, repetitions and deletions at random places."""
    text = sample
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(("insert", "repeat", "delete")))
        if op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 30)) :]
            continue
        piece = draw(st.one_of(st.sampled_from(_NASTY), st.text(min_size=1, max_size=6)))
        times = draw(st.integers(1, 3)) if op == "insert" else draw(st.integers(2, 300))
        text = text[:at] + piece * times + text[at:]
    return text


def _survives(call: Callable[[], Any]) -> None:
    """``call`` returns, or fails with the project's own error type."""
    with contextlib.suppress(CompatError):
        call()


def _in_file(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


# -- spec files ------------------------------------------------------------------------------


def _sample(path: Path) -> str:
    return path.read_text(encoding="utf-8")


REQUIREMENTS = _sample(FIXTURES / "requirements" / "requirements.txt")
ENVIRONMENT = _sample(FIXTURES / "environment" / "environment.yml")
PYPROJECT = _sample(FIXTURES / "pyproject" / "pyproject.toml")
AZUREML = _sample(FIXTURES / "azureml" / "inline.yml")


@given(mutated(REQUIREMENTS))
def test_requirements_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from compatlib.specs import read_requirements

    tmp = tmp_path_factory.mktemp("req")
    _survives(lambda: read_requirements(_in_file(tmp, "requirements.txt", text), environ={}))


@given(mutated(ENVIRONMENT))
def test_environment_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from compatlib.specs import read_environment

    tmp = tmp_path_factory.mktemp("env")
    _survives(lambda: read_environment(_in_file(tmp, "environment.yml", text), environ={}))


@given(mutated(PYPROJECT))
def test_pyproject_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from compatlib.specs import read_pyproject

    tmp = tmp_path_factory.mktemp("pyproject")
    _survives(lambda: read_pyproject(_in_file(tmp, "pyproject.toml", text)))


@given(mutated(AZUREML))
def test_azureml_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from compatlib.specs import read_azureml_environment

    tmp = tmp_path_factory.mktemp("azureml")
    _survives(lambda: read_azureml_environment(_in_file(tmp, "env.yml", text), environ={}))


# -- locks -----------------------------------------------------------------------------------

LOCK = json.dumps(
    {
        "version": 1,
        "metadata": {"requirements": ["six"], "indexes": ["https://pypi.org/simple"]},
        "packages": [
            {
                "name": "six",
                "version": "1.17.0",
                "manager": "pip",
                "platform": "linux-64",
                "url": "https://files.pythonhosted.org/six-1.17.0-py2.py3-none-any.whl",
                "hashes": {"sha256": "4" * 64},
                "dependencies": {"a": "a>=1"},
                "marker": "python_version >= '3.8'",
            }
        ],
        "system_requirements": {"linux-64": {"glibc": ">=2.17"}},
    },
    indent=1,
)


@given(mutated(LOCK), st.sampled_from(["json", "requirements", "pylock", "environment"]))
def test_lock_files_read_and_render(
    tmp_path_factory: pytest.TempPathFactory, text: str, fmt: str
) -> None:
    from compatlib.lock.model import read_lock
    from compatlib.lock.render import render

    tmp = tmp_path_factory.mktemp("lock")
    path = _in_file(tmp, "lock.json", text)

    def read_and_render() -> None:
        rendered = render(read_lock(path), fmt)
        if fmt == "requirements":  # no field may become an option line
            options = [ln for ln in rendered.splitlines() if ln.lstrip().startswith("-")]
            assert all(
                ln.startswith(
                    ("--hash", "--index-url", "--find-links", "--extra-index-url", "--no-index")
                )
                for ln in options
            )

    _survives(read_and_render)


def _lock_samples() -> dict[str, str]:
    """A real lock in each format ``compatlib lock`` writes (and reads back):
    pip packages on two platforms, conda packages with a pip one on one."""
    from compatlib.lock.model import Lock, LockedPackage
    from compatlib.lock.render import render

    linux = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
    mac = "cp311-cp311-macosx_11_0_arm64"
    pip = [
        LockedPackage(
            name="core",
            version="2.0",
            manager="pip",
            platform=platform,
            url=f"https://example.org/core-2.0-{tag}.whl",
            hashes=(("sha256", digit * 64),),
            filename=f"core-2.0-{tag}.whl",
            dependencies=(("six", "six>=1"),),
            marker=marker,
        )
        for platform, tag, digit, marker in (
            ("linux-64", linux, "a", None),
            ("osx-arm64", mac, "b", "python_version >= '3.8'"),
        )
    ]
    conda = [
        LockedPackage(
            name="python",
            version="3.11.8",
            manager="conda",
            platform="linux-64",
            url="https://conda.anaconda.org/conda-forge/linux-64/python-3.11.8-h0_0_cpython.conda",
            hashes=(("md5", "5" * 32), ("sha256", "6" * 64)),
            build="h0_0_cpython",
            channel="conda-forge",
        ),
        LockedPackage(
            name="tiny-thing",
            version="1.0",
            manager="conda",
            platform="linux-64",
            url="https://conda.anaconda.org/conda-forge/noarch/tiny-thing-1.0-pyhd8ed1ab_0.tar.bz2",
            hashes=(("md5", "7" * 32),),
            build="pyhd8ed1ab_0",
            dependencies=(("python", "python >=3.8"),),
        ),
    ]
    targets = [{"platform": p, "python": "3.11"} for p in ("linux-64", "osx-arm64")]
    metadata = {
        "targets": targets,
        "inputs_sha256": "c" * 64,
        "inputs_hash_version": 2,
        "inputs_digests": {"requirements": "d" * 16, "targets": "e" * 16},
    }
    both = Lock.of(pip, metadata=metadata)
    mixed = Lock.of([*conda, pip[0]], metadata={**metadata, "targets": targets[:1]})
    out = {fmt: render(both, fmt) for fmt in ("json", "requirements", "pylock")}
    out.update({fmt: render(mixed, fmt) for fmt in ("conda-lock", "explicit", "environment")})
    return out


LOCK_SAMPLES = _lock_samples()


def test_every_lock_format_has_a_sample() -> None:
    from compatlib.lock.read import READ_FORMATS

    assert set(LOCK_SAMPLES) == set(READ_FORMATS)


@given(
    st.sampled_from(sorted(LOCK_SAMPLES)).flatmap(
        lambda fmt: st.tuples(st.just(fmt), mutated(LOCK_SAMPLES[fmt]))
    )
)
def test_lock_files_read_back(case: tuple[str, str]) -> None:
    """Every format ``compatlib lock -o FILE`` reads back (the previous lock of
    the next run), found by its text as the command finds it, or named."""
    from compatlib.lock.read import parse_lock
    from compatlib.lock.render import render

    fmt, text = case
    for named in (None, fmt):
        _survives(lambda n=named: render(parse_lock(text, source=f"lock.{fmt}", fmt=n), "json"))


# -- sources ---------------------------------------------------------------------------------

SIMPLE_JSON = json.dumps(
    {
        "meta": {"api-version": "1.1"},
        "name": "six",
        "files": [
            {
                "filename": "six-1.17.0-py2.py3-none-any.whl",
                "url": "../../packages/six-1.17.0-py2.py3-none-any.whl",
                "hashes": {"sha256": "4" * 64},
                "requires-python": ">=2.7, !=3.0.*",
                "core-metadata": {"sha256": "5" * 64},
                "yanked": False,
            }
        ],
        "versions": ["1.17.0"],
    }
)
SIMPLE_HTML = (
    '<html><body><a href="../../packages/six-1.17.0.tar.gz#sha256=' + "4" * 64 + '" '
    'data-requires-python="&gt;=2.7" data-dist-info-metadata="sha256=' + "5" * 64 + '">'
    "six-1.17.0.tar.gz</a></body></html>"
)


@given(mutated(SIMPLE_JSON))
def test_simple_json_pages(text: str) -> None:
    from compatlib.sources.pypi.simple import parse_project_page

    _survives(
        lambda: parse_project_page(
            text.encode("utf-8", "surrogatepass"),
            "application/vnd.pypi.simple.v1+json",
            "https://pypi.org/simple/six/",
        )
    )


@given(mutated(SIMPLE_HTML))
def test_simple_html_pages(text: str) -> None:
    from compatlib.sources.pypi.simple import parse_project_page

    _survives(
        lambda: parse_project_page(
            text.encode("utf-8", "surrogatepass"), "text/html", "https://pypi.org/simple/six/"
        )
    )


REPODATA = json.dumps(
    {
        "info": {
            "subdir": "linux-64",
            "base_url": "https://conda.anaconda.org/conda-forge/linux-64",
        },
        "packages.conda": {
            "numpy-2.2.6-py311h1_0.conda": {
                "name": "numpy",
                "version": "2.2.6",
                "build": "py311h1_0",
                "build_number": 0,
                "depends": ["python >=3.11,<3.12.0a0", "libblas >=3.9.0,<4.0a0", "__glibc >=2.17"],
                "constrains": ["numpy-base <0a0"],
                "md5": "0" * 32,
                "sha256": "1" * 64,
                "size": 8000000,
                "subdir": "linux-64",
                "timestamp": 1700000000000,
            }
        },
    }
)


@given(mutated(REPODATA))
def test_repodata(text: str) -> None:
    from compatlib._input import load_json
    from compatlib.sources.conda.repodata import parse_repodata

    _survives(
        lambda: parse_repodata(load_json(text, source="repodata.json"), source="repodata.json")
    )


@given(mutated(REPODATA))
def test_repodata_bytes(text: str) -> None:
    from compatlib.sources.conda.repodata import parse_repodata, read_repodata_bytes

    raw = text.encode("utf-8", "surrogatepass")
    _survives(lambda: parse_repodata(read_repodata_bytes(raw, "rd.json"), source="rd.json"))


@st.composite
def _damaged(draw: st.DrawFn, sample: bytes) -> bytes:
    """``sample`` with a few bytes changed, dropped or put in."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(("set", "drop", "put")))
        if op == "set":
            data[at] = draw(st.integers(0, 255))
        elif op == "drop":
            del data[at : at + draw(st.integers(1, 20))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=5))
    return bytes(data)


def _dumped_index() -> bytes:
    from compatlib.sources.conda.sparse import index_document

    return index_document(json.loads(REPODATA), "rd.json").dump("key")


def _dumped_scan() -> bytes:
    from compatlib.sources.conda.scan import scan_document
    from compatlib.sources.conda.sparse import RepodataIndex

    scanned = scan_document(REPODATA)
    assert scanned is not None
    return RepodataIndex.from_scan(scanned).dump("key")


@given(st.one_of(_damaged(_dumped_index()), _damaged(_dumped_scan())))
def test_cached_conda_index(data: bytes) -> None:
    """A damaged cache entry is refused, whole or per name, never decoded into garbage."""
    from compatlib.sources.conda.sparse import RepodataIndex

    index = RepodataIndex.load(data, "key")
    if index is None:
        return
    for name in index.names():
        _survives(lambda name=name: index.entries(name))


@given(mutated(REPODATA))
def test_repodata_scanned(text: str) -> None:
    """The scan declines or finds entries; a name's records then build or raise InputError."""
    from compatlib.sources.conda.repodata import document_view
    from compatlib.sources.conda.scan import scan_document
    from compatlib.sources.conda.sparse import RepodataIndex

    scanned = scan_document(text)
    if scanned is None:
        return
    try:
        view = document_view(RepodataIndex.from_scan(scanned), source="rd.json")
    except CompatError:  # a bad base_url, reported as the decoded path reports it
        return
    for name in view.names():
        _survives(lambda name=name: view.records(name))


def _snapshot_sample() -> str:
    """The shipped snapshot cut down to its first two packages."""
    doc = json.loads((ROOT / "data" / "snapshot" / "pypi.json").read_text("utf-8"))
    doc["packages"] = {name: doc["packages"][name] for name in sorted(doc["packages"])[:2]}
    return json.dumps(doc, indent=1)


SNAPSHOT = _snapshot_sample()


@given(mutated(SNAPSHOT))
def test_snapshot_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from compatlib.sources.snapshot import load_snapshot, snapshot_info

    # one name per text: the snapshot reader caches by path
    name = f"{abs(hash(text))}.json"
    path = _in_file(tmp_path_factory.mktemp("snapshot"), name, text)
    _survives(lambda: (load_snapshot(path), snapshot_info(path)))


def _deep_json_readers() -> list[tuple[str, Callable[[bytes, Path], Any]]]:
    from compatlib.sources.conda.repodata import read_repodata_bytes
    from compatlib.sources.pypi.simple import json_page_rows, unpack_files
    from compatlib.sources.snapshot import load_snapshot

    def snapshot(data: bytes, tmp: Path) -> Any:
        path = tmp / "deep.json"
        path.write_bytes(data)
        return load_snapshot(path)

    return [
        ("repodata", lambda data, _tmp: read_repodata_bytes(data, "rd.json")),
        ("simple JSON page", lambda data, _tmp: json_page_rows(data, "https://x/simple/a/")),
        ("packed file list", lambda data, _tmp: unpack_files(data)),
        ("snapshot", snapshot),
    ]


@pytest.mark.parametrize(("what", "read"), _deep_json_readers())
def test_json_nested_past_the_recursion_limit_is_an_input_error(
    tmp_path: Path, what: str, read: Callable[[bytes, Path], Any]
) -> None:
    """Past the interpreter's recursion limit (not only past MAX_DEPTH), where
    an unchecked json.loads raises RecursionError."""
    data = b'{"packages": ' + b"[" * 100_000
    with pytest.raises(CompatError, match="nested more than"):
        read(data, tmp_path)


METADATA = (
    "Metadata-Version: 2.4\nName: torch\nVersion: 2.5.1\nRequires-Python: >=3.9\n"
    "Requires-Dist: filelock\nRequires-Dist: nvidia-cudnn-cu12==9.1.0.70; "
    'platform_system == "Linux" and platform_machine == "x86_64"\n'
    'Provides-Extra: opt-einsum\nRequires-Dist: opt-einsum>=3.3; extra == "opt-einsum"\n\nbody\n'
)


@given(mutated(METADATA))
def test_core_metadata(text: str) -> None:
    from compatlib.sources.pypi.metadata import parse_core_metadata

    _survives(lambda: parse_core_metadata(text.encode("utf-8", "surrogatepass"), source="METADATA"))


_MAPPINGS = _sample(ROOT / "data" / "mappings" / "conda-pypi.yaml")
MAPPING = "mappings:\n" + _MAPPINGS[_MAPPINGS.rindex("  - conda:", 0, -900) :]  # the last entries


@given(mutated(MAPPING))
def test_conda_pypi_mapping_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from compatlib.resolve.providers.mixed import load_mapping

    tmp = tmp_path_factory.mktemp("mapping")  # a fresh path each time: the loader caches
    _survives(lambda: load_mapping(_in_file(tmp, "conda-pypi.yaml", text)))


# -- strings ---------------------------------------------------------------------------------


@given(
    st.one_of(
        mutated("numpy >=1.26,<2.0a0 py311h*_0"),
        mutated("conda-forge/linux-64::pytorch[version='>=2.1,<3', build_number='>=1']"),
        mutated("python=3.11.*=*_cpython"),
    )
)
def test_conda_match_specs(text: str) -> None:
    from compatlib.sources.conda.matchspec import parse_matchspec

    _survives(lambda: parse_matchspec(text))


@given(mutated("torch-2.5.1+cu121-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"))
def test_distribution_filenames(text: str) -> None:
    from compatlib.values.filenames import parse_dist_filename

    _survives(lambda: parse_dist_filename(text))


@given(
    st.one_of(
        mutated("driver=535.104.05,gpu=8xA100,glibc=2.35,cuda=12.2,os=ubuntu22.04"),
        mutated("azure:Standard_NC24ads_A100_v4"),
    )
)
def test_system_specs(text: str) -> None:
    from compatlib.stack.profile import parse_system

    if "/" in text or text.endswith((".yml", ".yaml", ".json")):
        return  # a path: the file readers are fuzzed above
    _survives(lambda: parse_system(text))


@given(mutated('{ "a": { 1: { "b": [(1, Some(3)), (4, None)] } } }'))
def test_ron(text: str) -> None:
    from compatlib.testing.ron import loads

    _survives(lambda: loads(text, source="x.ron"))


# -- answers printed by another interpreter --------------------------------------------------

PROBE_ANSWER = "COMPATLIB-PROBE " + json.dumps(
    {
        "environment": {"CUBLAS_WORKSPACE_CONFIG": ":4096:8", "CUDA_VISIBLE_DEVICES": "0"},
        "executable": "/job/bin/python",
        "frameworks": {
            "torch": {
                "arch_list": ["sm_80", "sm_90"],
                "available": True,
                "cpu_kernel": "ok",
                "cuda": "12.1",
                "cudnn": "8.9.2",
                "determinism": {"cudnn_benchmark": False, "deterministic_algorithms": True},
                "devices": [
                    {
                        "compute_capability": "8.0",
                        "index": 0,
                        "kernel": "ok",
                        "memory": 85899345920,
                        "name": "NVIDIA A100-SXM4-80GB",
                    }
                ],
                "installed": True,
                "version": "2.3.1+cu121",
                "warnings": [],
            },
            "jax": {"installed": False},
        },
        "python": "3.11.9",
        "seed": 7,
    },
    sort_keys=True,
)


@given(mutated(PROBE_ANSWER))
def test_probe_answers(text: str) -> None:
    from compatlib.adapters.probe import parse_probe_output, probe_findings, probe_text

    def read() -> None:
        facts = parse_probe_output("torch says hello\n" + text, "/job/bin/python")
        probe_findings(facts)
        probe_text(facts)
        facts.to_dict()

    _survives(read)


ENVIRONMENT_ANSWER = json.dumps(
    {
        "python": "3.11.9",
        "implementation": "cpython",
        "sys_platform": "linux",
        "machine": "x86_64",
        "glibc": "2.35",
        "distributions": [
            ["numpy", "1.26.4", []],
            [
                "torch",
                "2.3.1+cu121",
                ["filelock", 'nvidia-cudnn-cu12==8.9.2.26; sys_platform == "linux"'],
            ],
        ],
        "conda": [["python", "3.11.9", "hab00c5b_0_cpython"]],
    }
)


@given(mutated(ENVIRONMENT_ANSWER))
def test_environment_answers(text: str) -> None:
    from compatlib.adapters.check import parse_environment_answer

    _survives(lambda: parse_environment_answer(text, "/job/bin/python").platform)
