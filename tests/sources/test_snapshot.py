"""The shipped PyPI snapshot: its file, its loader, solves over it, and its build script."""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import json
import re
import sys
import urllib.parse
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from compatlib import solve
from compatlib.errors import InputError
from compatlib.solver.errors import UnsatisfiableError
from compatlib.sources.memory import Index
from compatlib.sources.snapshot import (
    SnapshotInfo,
    default_snapshot_path,
    load_snapshot,
    snapshot_info,
)
from compatlib.values.tags import TagRanker
from compatlib.values.target import Target

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "data" / "build" / "build_snapshot.py"
LINUX_311 = Target(python="3.11", platform="linux-64")


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_snapshot_path().read_bytes())
    return data


# -- the shipped file ------------------------------------------------------------------


def test_shipped_header_names_source_date_generator_and_requirements() -> None:
    doc = _shipped()
    assert doc["schema"] == 1
    assert doc["source"], "the index it was built from"
    for url in doc["source"]:
        assert re.match(r"^(file|https?)://", url)
        assert "@" not in url.split("//", 1)[1].split("/", 1)[0], "credentials redacted"
    built = datetime.date.fromisoformat(doc["built"])
    assert built.year >= 2026
    script, version = doc["generator"].split(" ")
    assert script == "data/build/build_snapshot.py"
    assert (ROOT / script).is_file()
    assert version.isdigit()
    roots = [Requirement(r) for r in doc["requirements"]]
    assert {"numpy", "torch", "transformers", "scikit-learn"} <= {r.name for r in roots}
    assert doc["targets"] == {
        "python": ["3.10", "3.11", "3.12", "3.13"],
        "platforms": ["linux-64", "osx-arm64", "win-64"],
    }
    # every root the index has is in the file; the others are declared missing
    for r in roots:
        assert canonicalize_name(r.name) in doc["packages"] or r.name in doc["missing"]


def test_shipped_file_is_small_and_rendered_canonically() -> None:
    raw = default_snapshot_path().read_bytes()
    assert len(raw) < 1_500_000
    doc = json.loads(raw)
    assert list(doc["packages"]) == sorted(doc["packages"])
    assert raw.endswith(b"}\n")


def test_every_release_has_a_source_and_every_file_a_sha256() -> None:
    doc = _shipped()
    find_links = set(doc.get("find_links", {}).values())
    assert doc["packages"]
    n_files = 0
    for name, releases in doc["packages"].items():
        assert name == canonicalize_name(name)
        versions = [Version(r["version"]) for r in releases]
        assert versions == sorted(versions)
        assert len(set(versions)) == len(versions)
        for rel in releases:
            version = rel["version"]
            pypi = f"https://pypi.org/project/{name}/{version}/"
            assert rel["source"] == pypi or any(
                rel["source"] == f"{base}/{name}/" for base in find_links
            ), rel["source"]
            for text in rel["requires"]:
                Requirement(text)
            assert rel["extras"] == sorted(rel["extras"])
            assert rel["files"], f"{name} {version} has no files"
            for f in rel["files"]:
                n_files += 1
                assert re.fullmatch(r"[0-9a-f]{64}", f["sha256"]), f
                assert isinstance(f["size"], int)
                assert f["size"] > 0
                assert f["url"].startswith("https://"), f["url"]
                assert f["url"].endswith("/" + f["filename"].replace("+", "%2B"))
                if f["filename"].endswith(".whl"):
                    fname, fver, _, _ = parse_wheel_filename(f["filename"])
                else:
                    fname, fver = parse_sdist_filename(f["filename"])
                assert fname == name, f["filename"]
                assert fver == Version(version), f["filename"]
    assert n_files >= len(doc["packages"])


def test_shipped_files_fit_one_of_the_snapshot_targets() -> None:
    doc = _shipped()
    rankers = [
        TagRanker.for_target(Target(python=py, platform=p, glibc="2.50"), macos="26.0")
        for py in doc["targets"]["python"]
        for p in doc["targets"]["platforms"]
    ]
    for releases in doc["packages"].values():
        for rel in releases:
            for f in rel["files"]:
                if f["filename"].endswith(".whl"):
                    tags = parse_wheel_filename(f["filename"])[3]
                    assert any(r.rank(tags) is not None for r in rankers), f["filename"]


def test_pypi_file_urls_follow_pypi_storage_layout() -> None:
    doc = _shipped()
    pattern = re.compile(
        r"^https://files\.pythonhosted\.org/packages/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/"
    )
    pypi_files = [
        f
        for releases in doc["packages"].values()
        for rel in releases
        if rel["source"].startswith("https://pypi.org/")
        for f in rel["files"]
    ]
    assert pypi_files
    for f in pypi_files:
        assert pattern.match(f["url"]), f["url"]


# -- the loader ------------------------------------------------------------------------


def test_load_snapshot_gives_an_index_with_artifacts_and_is_cached() -> None:
    index = load_snapshot()
    assert isinstance(index, Index)
    assert load_snapshot() is index
    assert load_snapshot(default_snapshot_path()) is index
    doc = _shipped()
    assert len(index) == len(doc["packages"])
    assert index.invalid == ()
    rel = index.release("numpy", index.versions("numpy")[-1])
    assert rel.requires_python
    assert rel.artifacts
    art = rel.artifacts[0]
    assert dict(art.hashes)["sha256"] == next(
        f["sha256"]
        for r in doc["packages"]["numpy"]
        if r["version"] == rel.version
        for f in r["files"]
        if f["filename"] == art.filename
    )
    assert art.url.startswith("https://")
    assert art.size


def test_snapshot_info_matches_the_file() -> None:
    info = snapshot_info()
    doc = _shipped()
    assert isinstance(info, SnapshotInfo)
    assert info.built == doc["built"]
    assert info.source == tuple(doc["source"])
    assert info.generator == doc["generator"]
    assert info.requirements == tuple(doc["requirements"])
    assert info.pythons == ("3.10", "3.11", "3.12", "3.13")
    assert info.missing == tuple(sorted(doc["missing"]))
    assert info.find_links == tuple(sorted(doc.get("find_links", {}).items()))
    assert info.packages == len(doc["packages"])
    assert info.releases == sum(len(r) for r in doc["packages"].values())


def test_importing_the_loader_is_cheap(tmp_path: Path) -> None:
    import subprocess

    code = (
        "import sys; import compatlib.sources.snapshot as s; "
        "heavy = [m for m in ('compatlib.sources.pypi.repository', 'compatlib.sources.fetch', 'urllib.request', 'yaml') "
        "if m in sys.modules]; "
        "print(heavy, s._read.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert out.strip() == "[] 0"


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_loader_points_at_the_bad_field(tmp_path: Path) -> None:
    good = {
        "schema": 1,
        "built": "2026-01-01",
        "source": ["file:///x"],
        "generator": "g 1",
        "requirements": [],
        "packages": {
            "demo": [
                {
                    "version": "1.0",
                    "source": "https://pypi.org/project/demo/1.0/",
                    "requires_python": ">=3.9",
                    "requires": ["other>=1"],
                    "extras": [],
                    "files": [
                        {
                            "filename": "demo-1.0-py3-none-any.whl",
                            "url": "https://example.org/demo-1.0-py3-none-any.whl",
                            "sha256": "ab" * 32,
                            "size": 10,
                        }
                    ],
                }
            ]
        },
    }
    index = load_snapshot(_write(tmp_path / "good.json", good))
    rel = index.release("demo", "1.0")
    assert rel.requires == ("other>=1",)
    assert rel.artifacts[0].hashes == (("sha256", "ab" * 32),)

    bad = json.loads(json.dumps(good))
    del bad["packages"]["demo"][0]["files"][0]["sha256"]
    with pytest.raises(InputError) as err:
        load_snapshot(_write(tmp_path / "nosha.json", bad))
    assert err.value.field == "packages.demo[0].files[0].sha256"

    bad = json.loads(json.dumps(good))
    del bad["packages"]["demo"][0]["source"]
    with pytest.raises(InputError) as err:
        load_snapshot(_write(tmp_path / "nosource.json", bad))
    assert err.value.field == "packages.demo[0].source"

    with pytest.raises(InputError) as err:
        load_snapshot(_write(tmp_path / "schema.json", {**good, "schema": 9}))
    assert err.value.field == "schema"

    (tmp_path / "broken.json").write_text("{", "utf-8")
    with pytest.raises(InputError):
        load_snapshot(tmp_path / "broken.json")


# -- solving over the shipped snapshot --------------------------------------------------


def _fits(index: Index, name: str, version: str, target: Target) -> bool:
    ranker = TagRanker.for_target(target)
    for art in index.release(name, version).artifacts:
        if not art.filename.endswith(".whl"):
            return True
        if ranker.rank(parse_wheel_filename(art.filename)[3]) is not None:
            return True
    return False


@pytest.mark.parametrize(
    "requirements",
    [
        ["scikit-learn", "pandas", "matplotlib"],
        ["transformers", "datasets", "accelerate"],
        ["jax", "flax", "optax"],
    ],
)
def test_solve_over_the_snapshot_offline(requirements: list[str]) -> None:
    index = load_snapshot()
    res = solve(requirements, index=index, target=LINUX_311)
    for r in requirements:
        assert canonicalize_name(r) in res
    for name, version in res.versions.items():
        if name.startswith("__"):
            continue
        rel = index.release(name, str(version))
        assert all(dict(a.hashes).get("sha256") for a in rel.artifacts)
        assert _fits(index, name, str(version), LINUX_311), (name, version)
    # the graph is consistent: every requirement edge is met by the chosen version
    for _src, dst, req in res.edges:
        if dst.startswith("__"):
            continue
        spec = Requirement(req).specifier if not req.startswith("Python") else None
        if spec is not None and dst in res:
            assert spec.contains(res[dst], prereleases=True), (dst, req)


def test_solve_over_the_snapshot_explains_what_it_lacks() -> None:
    # numpy wheels in the snapshot are built for CPython 3.11 on linux only
    with pytest.raises(UnsatisfiableError) as err:
        solve(["numpy"], index=load_snapshot(), target=Target(python="3.11", platform="win-64"))
    assert "numpy" in str(err.value)


def test_pip_lock_over_the_snapshot_gets_urls_and_hashes() -> None:
    from compatlib.lock.pip import lock_pip

    lock = lock_pip(["scikit-learn", "requests"], target=LINUX_311, repository=load_snapshot())
    names = {p.name for p in lock.packages}
    assert {"scikit-learn", "numpy", "scipy", "requests", "urllib3"} <= names
    ranker = TagRanker.for_target(LINUX_311)
    for p in lock.packages:
        assert p.filename is not None
        assert p.url.startswith("https://files.pythonhosted.org/packages/")
        assert p.url.endswith("/" + p.filename)
        assert re.fullmatch(r"[0-9a-f]{64}", dict(p.hashes)["sha256"])
        assert ranker.rank(parse_wheel_filename(p.filename)[3]) is not None


def test_requirements_example_locks() -> None:
    path = ROOT / "examples" / "requirements-ml.txt"
    reqs = [
        line.split("#", 1)[0].strip()
        for line in path.read_text("utf-8").splitlines()
        if line.split("#", 1)[0].strip()
    ]
    assert len(reqs) >= 5
    res = solve(reqs, index=load_snapshot(), target=LINUX_311)
    for r in reqs:
        assert canonicalize_name(Requirement(r).name) in res
    # as the file's comment says: the CUDA torch needs cuda-bindings, absent here
    assert "cuda-bindings" in snapshot_info().missing
    assert res["torch"].local == "cpu"


# -- the build script over a tiny file:// index ------------------------------------------


def _script() -> ModuleType:
    if not SCRIPT.is_file():
        pytest.skip("data/build is not shipped with installed copies")
    spec = importlib.util.spec_from_file_location("build_snapshot_under_test", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _wheel(folder: Path, name: str, version: str, tag: str, meta: list[str]) -> Path:
    dist = name.replace("-", "_")
    path = folder / f"{dist}-{version}-{tag}.whl"
    text = (
        "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *meta]) + "\n"
    )
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(
            f"{dist}-{version}.dist-info/METADATA", date_time=(2024, 1, 1, 0, 0, 0)
        )
        zf.writestr(info, text)
    return path


def _tiny_index(root: Path) -> Path:
    files = root / "files"
    files.mkdir()
    made: dict[str, list[Path]] = {}

    def add(name: str, version: str, tag: str, *meta: str) -> None:
        made.setdefault(name, []).append(_wheel(files, name, version, tag, list(meta)))

    for v in ("1.0", "2.0", "3.0", "4.0"):
        add(
            "app",
            v,
            "py3-none-any",
            "Requires-Python: >=3.10",
            "Requires-Dist: lib>=1",
            "Requires-Dist: winonly; sys_platform == 'win32'",
            "Requires-Dist: ancient; python_version < '3.8'",
            "Requires-Dist: gone; python_version < '3.11'",
            "Provides-Extra: fast",
            "Requires-Dist: speed; extra == 'fast'",
            "Provides-Extra: slow",
            "Requires-Dist: never; extra == 'slow'",
        )
    for v in ("0.5", "1.0", "1.5", "2.0", "2.1", "2.2b1"):
        add("lib", v, "cp311-cp311-manylinux_2_17_x86_64", "Requires-Dist: app[fast]")
        add("lib", v, "cp311-cp311-win_amd64", "Requires-Dist: app[fast]")
    add("lib", "0.9", "cp311-cp311-musllinux_1_2_x86_64")  # no snapshot target takes it
    add("pinned", "1.0", "py3-none-any", "Requires-Dist: lib<1", "Requires-Dist: broken[")
    add("winonly", "1.0", "py3-none-win_amd64")
    add("speed", "1.0", "py3-none-any")
    add("never", "1.0", "py3-none-any")
    add("ancient", "1.0", "py3-none-any")
    simple = root / "simple"
    for name, paths in made.items():
        page = simple / name
        page.mkdir(parents=True)
        links = []
        for p in sorted(paths):
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            links.append(f'<a href="../../files/{p.name}#sha256={digest}">{p.name}</a>')
        (page / "index.html").write_text("<html><body>\n" + "\n".join(links) + "\n</body></html>\n")
    return simple


def _run(mod: ModuleType, simple: Path, out: Path, cache: Path, *extra: str) -> bytes:
    argv = [
        "--index",
        simple.as_uri(),
        "--date",
        "2026-01-02",
        "--cache-dir",
        str(cache),
        "--versions",
        "2",
        "--output",
        str(out),
        *extra,
    ]
    assert mod.main(argv) == 0
    return out.read_bytes()


def test_build_script_is_deterministic_and_closes_over_markers_and_extras(tmp_path: Path) -> None:
    mod = _script()
    simple = _tiny_index(tmp_path)
    first = _run(mod, simple, tmp_path / "a.json", tmp_path / "cache1", "app", "pinned")
    second = _run(mod, simple, tmp_path / "b.json", tmp_path / "cache2", "app", "pinned")
    warm = _run(mod, simple, tmp_path / "c.json", tmp_path / "cache1", "app", "pinned")
    assert first == second == warm

    doc = json.loads(first)
    assert doc["built"] == "2026-01-02"
    assert doc["source"] == [simple.as_uri()]
    assert doc["requirements"] == ["app", "pinned"]
    assert doc["generator"].startswith("data/build/build_snapshot.py ")
    pkgs = doc["packages"]
    # newest two finals, plus the newest match of every requirement met (lib<1)
    assert [r["version"] for r in pkgs["app"]] == ["3.0", "4.0"]
    assert [r["version"] for r in pkgs["lib"]] == ["0.5", "2.0", "2.1"]
    # markers: kept when some target (win-64 here) needs it, dropped when none does;
    # extras: followed only when asked for (lib asks for app[fast])
    assert {"winonly", "speed"} <= set(pkgs)
    assert "ancient" not in pkgs
    assert "never" not in pkgs
    assert doc["missing"] == {"gone": ["app 3.0", "app 4.0"]}
    assert doc["invalid_requirements"] == {"pinned": {"1.0": ["broken["]}}
    assert doc["metadata_unavailable"] == {}
    app4 = pkgs["app"][-1]
    assert app4["source"] == "https://pypi.org/project/app/4.0/"
    assert app4["extras"] == ["fast", "slow"]
    assert app4["requires_python"] == ">=3.10"
    lib = pkgs["lib"][-1]
    assert [f["filename"] for f in lib["files"]] == [
        "lib-2.1-cp311-cp311-manylinux_2_17_x86_64.whl",
        "lib-2.1-cp311-cp311-win_amd64.whl",
    ]
    for f in lib["files"]:
        on_disk = tmp_path / "files" / f["filename"]
        assert f["sha256"] == hashlib.sha256(on_disk.read_bytes()).hexdigest()
        assert f["size"] == on_disk.stat().st_size
        assert f["url"] == on_disk.as_uri()  # the index's own URL without --pypi-mirror

    # what it wrote loads and solves
    index = load_snapshot(tmp_path / "a.json")
    res = solve(["app"], index=index, target=Target(python="3.11", platform="win-64"))
    assert str(res["app"]) == "4.0"
    assert "winonly" in res
    assert str(res["lib"]) == "2.1"


def test_build_script_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess

    mod = _script()
    simple = _tiny_index(tmp_path)
    here = _run(mod, simple, tmp_path / "a.json", tmp_path / "cache", "app", "pinned")
    out = tmp_path / "b.json"
    argv = [sys.executable, str(SCRIPT), "--index", simple.as_uri(), "--date", "2026-01-02"]
    argv += ["--cache-dir", str(tmp_path / "cache2"), "--versions", "2", "--output", str(out)]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([*argv, "pinned", "app"], check=True, env=env, capture_output=True)
    # same roots in another order: only the recorded list of roots differs
    assert json.loads(out.read_bytes())["requirements"] == ["pinned", "app"]
    assert out.read_bytes().replace(b'["pinned", "app"]', b'["app", "pinned"]') == here


def test_build_script_changes_only_with_its_inputs(tmp_path: Path) -> None:
    mod = _script()
    simple = _tiny_index(tmp_path)
    base = _run(mod, simple, tmp_path / "a.json", tmp_path / "cache", "app")
    other_date = _run(
        mod, simple, tmp_path / "b.json", tmp_path / "cache", "app", "--date", "2026-02-03"
    )
    assert json.loads(other_date)["built"] == "2026-02-03"
    assert base.replace(b"2026-01-02", b"2026-02-03") == other_date


def test_build_script_pypi_mirror_urls_come_from_blake2b(tmp_path: Path) -> None:
    mod = _script()
    simple = _tiny_index(tmp_path)
    doc = json.loads(
        _run(mod, simple, tmp_path / "a.json", tmp_path / "cache", "speed", "--pypi-mirror")
    )
    (f,) = doc["packages"]["speed"][0]["files"]
    b2 = hashlib.blake2b(
        (tmp_path / "files" / f["filename"]).read_bytes(), digest_size=32
    ).hexdigest()
    assert f["url"] == (
        f"https://files.pythonhosted.org/packages/{b2[:2]}/{b2[2:4]}/{b2[4:]}/{f['filename']}"
    )


def test_build_script_find_links_keep_their_origin(tmp_path: Path) -> None:
    mod = _script()
    simple = _tiny_index(tmp_path)
    extra = tmp_path / "extra"
    extra.mkdir()
    _wheel(extra, "speed", "1.1+cpu", "py3-none-any", [])
    doc = json.loads(
        _run(
            mod,
            simple,
            tmp_path / "a.json",
            tmp_path / "cache",
            "speed",
            "--find-links",
            f"{extra}=https://example.org/whl/cpu",
        )
    )
    rel = doc["packages"]["speed"][-1]
    assert rel["version"] == "1.1+cpu"
    assert rel["source"] == "https://example.org/whl/cpu/speed/"
    assert rel["files"][0]["url"] == "https://example.org/whl/cpu/speed-1.1%2Bcpu-py3-none-any.whl"
    assert doc["packages"]["speed"][0]["source"] == "https://pypi.org/project/speed/1.0/"


def test_build_script_rejects_bad_arguments(tmp_path: Path) -> None:
    mod = _script()
    simple = _tiny_index(tmp_path)
    with pytest.raises(SystemExit):
        _run(mod, simple, tmp_path / "a.json", tmp_path / "cache", "app", "--date", "yesterday")
    with pytest.raises(SystemExit):
        _run(mod, simple, tmp_path / "a.json", tmp_path / "cache", "not a requirement!")
    with pytest.raises(SystemExit):
        _run(mod, simple, tmp_path / "a.json", tmp_path / "cache", "app", "--find-links", "x")


# -- the shipped file against the mirror it was built from (where present) --------------


def test_shipped_records_match_the_mirror_files() -> None:
    doc = _shipped()
    folders = [
        Path(urllib.parse.urlsplit(url).path).parent / "files"
        for url in doc["source"]
        if url.startswith("file:")
    ]
    folders = [f for f in folders if f.is_dir()]
    if not folders:
        pytest.skip("the local index the snapshot was built from is not on this machine")
    from compatlib.sources.pypi.metadata import parse_core_metadata, read_wheel_metadata

    checked = 0
    for name in ("requests", "pyyaml", "tqdm", "scikit-learn", "transformers"):
        for rel in doc["packages"][name]:
            for f in rel["files"]:
                path = next(
                    (d / f["filename"] for d in folders if (d / f["filename"]).is_file()), None
                )
                if path is None:
                    continue
                data = path.read_bytes()
                assert hashlib.sha256(data).hexdigest() == f["sha256"]
                assert len(data) == f["size"]
                b2 = hashlib.blake2b(data, digest_size=32).hexdigest()
                assert f["url"].endswith(f"/{b2[:2]}/{b2[2:4]}/{b2[4:]}/{f['filename']}")
                meta = parse_core_metadata(read_wheel_metadata(path, name))
                assert list(meta.requires_dist) == rel["requires"]
                assert meta.requires_python == rel["requires_python"]
                assert sorted(meta.provides_extra) == rel["extras"]
                checked += 1
    assert checked >= 5
