"""lock_pip over real wheels in find-links folders and file:// / http:// simple indexes."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

_BUILDERS = Path(__file__).resolve().parents[1] / "sources" / "pypi"
if str(_BUILDERS) not in sys.path:
    sys.path.insert(0, str(_BUILDERS))

from pypi_builders import (  # noqa: E402
    Entry,
    ServerState,
    build_sdist,
    build_wheel,
    http_server,
    write_index,
)

from compatlib.errors import CompatError, InputError  # noqa: E402
from compatlib.lock import Lock  # noqa: E402
from compatlib.lock.pip import (  # noqa: E402
    DEFAULT_INDEX,
    choose_artifact,
    local_sha256,
    lock_pip,
    pip_inputs,
)
from compatlib.solver.errors import UnsatisfiableError  # noqa: E402
from compatlib.sources.memory import Artifact, IndexRelease  # noqa: E402
from compatlib.specs import read_requirements  # noqa: E402
from compatlib.stack.profile import parse_system  # noqa: E402
from compatlib.values.target import Target  # noqa: E402

__all__ = ["http_server"]  # the fixture, re-exported for pytest

PY311 = Target(python="3.11", platform="linux-64", glibc="2.28")
LINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    """A find-links folder: app -> lib (+ fast extra) -> base; a binary package."""
    folder = tmp_path / "wheels"
    build_wheel(
        folder,
        "app",
        "1.0",
        requires=["lib>=1.0", 'winonly; sys_platform == "win32"'],
        requires_python=">=3.9",
    )
    build_wheel(folder, "app", "2.0", requires=["lib>=2.0", "base<1"])  # base<1 does not exist
    build_wheel(folder, "lib", "1.0", requires=["base>=1"])
    build_wheel(
        folder,
        "lib",
        "2.0",
        requires=["base>=1.1", 'speedups; extra == "fast"'],
        extras=["fast"],
    )
    build_wheel(folder, "base", "1.0")
    build_wheel(folder, "base", "1.1")
    build_wheel(folder, "speedups", "0.3")
    build_wheel(folder, "winonly", "1.0")
    # one version, three files: the lock takes the best one for the target
    build_wheel(folder, "native", "1.0", "py3-none-any")
    build_wheel(folder, "native", "1.0", LINUX)
    build_wheel(folder, "native", "1.0", "cp311-cp311-win_amd64")
    # a newer version whose only wheel needs glibc 2.39
    build_wheel(folder, "native", "2.0", "cp311-cp311-manylinux_2_39_x86_64")
    return folder


def test_lock_records_versions_files_hashes_and_dependencies(wheels: Path, tmp_path: Path) -> None:
    lock = lock_pip(
        ["app", "lib[fast]"],
        target=PY311,
        find_links=[str(wheels)],
        offline=True,
        cache_dir=tmp_path / "cache",
    )
    by_name = {p.name: p for p in lock.packages}
    # app 2.0 needs base<1, which does not exist: app 1.0 is the newest that works
    assert {n: p.version for n, p in by_name.items()} == {
        "app": "1.0",
        "base": "1.1",
        "lib": "2.0",
        "speedups": "0.3",
    }
    app = by_name["app"]
    assert app.manager == "pip"
    assert app.platform == "linux-64"
    assert app.url == (wheels / "app-1.0-py3-none-any.whl").as_uri()
    assert dict(app.hashes) == {"sha256": _sha(wheels / "app-1.0-py3-none-any.whl")}
    assert app.filename == "app-1.0-py3-none-any.whl"
    # the win32-only requirement is not active on linux-64
    assert dict(app.dependencies) == {"lib": "lib>=1.0"}
    assert dict(by_name["lib"].dependencies) == {"base": "base>=1.1", "speedups": "speedups"}
    assert lock.metadata["requirements"] == ["app", "lib[fast]"]
    assert lock.metadata["targets"] == [
        {"glibc": "2.28", "implementation": "cpython", "platform": "linux-64", "python": "3.11"}
    ]
    assert len(lock.metadata["inputs_sha256"]) == 64


def test_json_shape_and_determinism(wheels: Path, tmp_path: Path) -> None:
    def once(cache: str) -> str:
        return lock_pip(
            ["app", "native"],
            target=PY311,
            find_links=[str(wheels)],
            offline=True,
            cache_dir=tmp_path / cache,
        ).to_json()

    first = once("c1")
    assert once("c1") == first  # warm cache
    assert once("c2") == first  # cold cache
    data = json.loads(first)
    names = [p["name"] for p in data["packages"]]
    assert names == sorted(names)
    for p in data["packages"]:
        assert {"name", "version", "platform", "manager", "url", "hashes"} <= set(p)
        assert set(p["hashes"]) == {"sha256"}


def test_best_wheel_for_the_target_and_glibc(wheels: Path, tmp_path: Path) -> None:
    def native(target: Target) -> tuple[str, str]:
        lock = lock_pip(
            ["native"],
            target=target,
            find_links=[str(wheels)],
            offline=True,
            cache_dir=tmp_path / "cache",
        )
        (pkg,) = lock.packages
        assert pkg.filename is not None
        return pkg.version, pkg.filename

    assert native(PY311) == ("1.0", f"native-1.0-{LINUX}.whl")
    assert native(Target(python="3.11", platform="win-64")) == (
        "1.0",
        "native-1.0-cp311-cp311-win_amd64.whl",
    )
    assert native(Target(python="3.11", platform="osx-arm64")) == (
        "1.0",
        "native-1.0-py3-none-any.whl",
    )
    # a system profile's glibc decides which manylinux wheels count
    new = parse_system("glibc=2.39")
    assert native(Target(python="3.11", platform="linux-64", glibc=new.glibc, system=new)) == (
        "2.0",
        "native-2.0-cp311-cp311-manylinux_2_39_x86_64.whl",
    )
    old = parse_system("glibc=2.36")
    assert native(Target(python="3.11", platform="linux-64", glibc=old.glibc, system=old)) == (
        "1.0",
        f"native-1.0-{LINUX}.whl",
    )


def test_system_requirements_come_from_the_resolution(wheels: Path, tmp_path: Path) -> None:
    profile = parse_system("glibc=2.39")
    target = Target(python="3.11", platform="linux-64", glibc=profile.glibc, system=profile)
    lock = lock_pip(["native"], target=target, find_links=[str(wheels)], cache_dir=tmp_path / "c")
    assert lock.system_requirements == {"linux-64": {"glibc": ">=2.39"}}
    assert lock.metadata["targets"][0]["glibc"] == "2.39"


def test_several_platforms_in_one_lock(wheels: Path, tmp_path: Path) -> None:
    lock = lock_pip(
        ["app", "native"],
        target=[PY311, Target(python="3.11", platform="win-64")],
        find_links=[str(wheels)],
        cache_dir=tmp_path / "c",
    )
    assert [(p.platform, p.name) for p in lock.packages] == [
        ("linux-64", "app"),
        ("linux-64", "base"),
        ("linux-64", "lib"),
        ("linux-64", "native"),
        ("win-64", "app"),
        ("win-64", "base"),
        ("win-64", "lib"),
        ("win-64", "native"),
        ("win-64", "winonly"),
    ]
    assert [t["platform"] for t in lock.metadata["targets"]] == ["linux-64", "win-64"]
    with pytest.raises(InputError, match="given twice"):
        lock_pip(["app"], target=[PY311, PY311], find_links=[str(wheels)])


def test_sdist_only_release_is_locked_to_its_sdist(tmp_path: Path) -> None:
    folder = tmp_path / "links"
    sdist = build_sdist(folder, "plain", "3.0", requires=["base"])
    build_wheel(folder, "base", "1.0")
    lock = lock_pip(["plain"], target=PY311, find_links=[str(folder)], cache_dir=tmp_path / "c")
    plain = next(p for p in lock.packages if p.name == "plain")
    assert plain.url == sdist.as_uri()
    assert dict(plain.hashes) == {"sha256": _sha(sdist)}


def test_unsatisfiable_raises_with_an_explanation(wheels: Path, tmp_path: Path) -> None:
    with pytest.raises(UnsatisfiableError) as info:
        lock_pip(
            ["app", "lib<1"],
            target=PY311,
            find_links=[str(wheels)],
            cache_dir=tmp_path / "c",
            fixes=False,
        )
    assert "lib" in info.value.explanation.report
    with pytest.raises(UnsatisfiableError) as missing:
        lock_pip(["nosuchpkg"], target=PY311, find_links=[str(wheels)], fixes=False)
    assert "nosuchpkg" in missing.value.explanation.report


def test_requirements_file_options_are_used(wheels: Path, tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("lib==1.0\nunrelated==9\n")
    req = tmp_path / "requirements.txt"
    req.write_text(f"--find-links {wheels}\n-c constraints.txt\napp  # the app\n")
    spec = read_requirements(req, environ={})
    inputs = pip_inputs(spec)
    assert inputs.requirements == ("app",)
    assert inputs.constraints == ("lib==1.0", "unrelated==9")
    assert inputs.indexes == ()  # find-links given: no default index
    lock = lock_pip(spec, target=PY311, offline=True, cache_dir=tmp_path / "c")
    assert {p.name: p.version for p in lock.packages} == {
        "app": "1.0",
        "base": "1.1",
        "lib": "1.0",
    }
    assert lock.metadata["constraints"] == ["lib==1.0", "unrelated==9"]


def test_default_index_and_no_index() -> None:
    assert pip_inputs(["x"]).indexes == (DEFAULT_INDEX,)
    assert pip_inputs(["x"], find_links=["/w"]).indexes == ()
    assert pip_inputs(["x"], no_index=True).indexes == ()
    assert pip_inputs(["x"], indexes=["a", "b", "a"]).indexes == ("a", "b")
    with pytest.raises(InputError, match="one string"):
        pip_inputs("requests")


def test_direct_references_are_refused_with_their_line(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests\ndemo @ https://example.com/demo-1.0-py3-none-any.whl\n")
    with pytest.raises(InputError) as info:
        lock_pip(read_requirements(req, environ={}), target=PY311, no_index=True)
    assert info.value.line == 2
    assert "build step" in info.value.message


def test_nothing_to_lock_and_bad_strategy(wheels: Path) -> None:
    with pytest.raises(InputError, match="nothing to lock"):
        lock_pip([], target=PY311, find_links=[str(wheels)])
    with pytest.raises(InputError, match="index strategy"):
        lock_pip(["app"], target=PY311, find_links=[str(wheels)], index_strategy="fastest")


def test_offline_without_cache_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CompatError, match="offline"):
        lock_pip(
            ["requests"],
            target=PY311,
            indexes=["https://pypi.example.invalid/simple"],
            offline=True,
            cache_dir=tmp_path / "c",
            fixes=False,
        )


def test_file_index_and_first_index_strategy(tmp_path: Path) -> None:
    private = tmp_path / "private"
    public = tmp_path / "public"
    mine = build_wheel(private / "files", "corp-tool", "1.0")
    build_wheel(public / "files", "corp-tool", "99.0")
    other = build_wheel(public / "files", "helper", "2.0")
    write_index(private, {"corp-tool": [Entry(mine)]})
    write_index(
        public,
        {
            "corp-tool": [Entry(public / "files" / "corp_tool-99.0-py3-none-any.whl")],
            "helper": [Entry(other)],
        },
        flavour="json",
    )
    indexes = [(private / "simple").as_uri(), (public / "simple").as_uri()]
    lock = lock_pip(
        ["corp-tool", "helper"], target=PY311, indexes=indexes, cache_dir=tmp_path / "c"
    )
    assert {p.name: p.version for p in lock.packages} == {"corp-tool": "1.0", "helper": "2.0"}
    # the index's own sha256 is used
    assert dict(lock.packages[0].hashes) == {"sha256": _sha(mine)}
    merged = lock_pip(
        ["corp-tool"],
        target=PY311,
        indexes=indexes,
        cache_dir=tmp_path / "c",
        index_strategy="best-match",
    )
    assert merged.packages[0].version == "99.0"


def test_credentials_never_reach_the_lock(
    tmp_path: Path, http_server: tuple[str, ServerState]
) -> None:
    base, state = http_server
    files = state.root / "files"
    wheel = build_wheel(files, "secretive", "1.0", requires=["plainly"])
    dep = build_wheel(files, "plainly", "0.1")
    write_index(state.root, {"secretive": [Entry(wheel)], "plainly": [Entry(dep)]})
    state.auth = "alice:s3cr3t-pw"
    index = base.replace("http://", "http://alice:s3cr3t-pw@") + "/simple/"
    lock = lock_pip(["secretive"], target=PY311, indexes=[index], cache_dir=tmp_path / "c")
    text = lock.to_json()
    assert "s3cr3t" not in text
    assert "alice" not in text
    assert {p.name for p in lock.packages} == {"plainly", "secretive"}
    assert all(p.url.startswith(base) for p in lock.packages)
    assert dict(lock.packages[1].hashes) == {"sha256": _sha(wheel)}


def test_choose_artifact_prefers_unyanked_then_rank_then_sdist() -> None:
    rel = IndexRelease(
        "1.0",
        artifacts=(
            Artifact("x-1.0.tar.gz", "u/sdist"),
            Artifact("x-1.0-py3-none-any.whl", "u/pure"),
            Artifact("x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "u/bin", yanked=True),
            Artifact("x-1.0-cp311-cp311-win_amd64.whl", "u/win"),
            Artifact("x-1.0-cp311-cp311-manylinux_2_40_x86_64.whl", "u/new"),
            Artifact("not-a-wheel.whl", "u/bad"),
        ),
    )
    assert choose_artifact(rel, PY311) == rel.artifacts[1]
    win = choose_artifact(rel, Target(python="3.11", platform="win-64"))
    assert win is not None
    assert win.url == "u/win"
    only_sdist = IndexRelease("1.0", artifacts=(rel.artifacts[0], rel.artifacts[3]))
    assert choose_artifact(only_sdist, PY311) == rel.artifacts[0]
    assert choose_artifact(IndexRelease("1.0", artifacts=(rel.artifacts[3],)), PY311) is None


def test_local_sha256_is_cached_by_path_size_and_mtime(tmp_path: Path) -> None:
    f = tmp_path / "a.whl"
    f.write_bytes(b"one")
    cache = tmp_path / "cache"
    assert local_sha256(f.as_uri(), cache) == hashlib.sha256(b"one").hexdigest()
    assert len(list((cache / "sha256-files").rglob("*"))) == 2  # folder + entry
    f.write_bytes(b"two!")  # new size: a new key
    assert local_sha256(f.as_uri(), cache) == hashlib.sha256(b"two!").hexdigest()
    assert local_sha256((tmp_path / "missing.whl").as_uri(), cache) is None


def test_lock_is_a_lock_model(wheels: Path, tmp_path: Path) -> None:
    lock = lock_pip(["base"], target=PY311, find_links=[str(wheels)], cache_dir=tmp_path / "c")
    assert isinstance(lock, Lock)
    assert lock.for_platform("linux-64") == list(lock.packages)
    assert json.loads(lock.to_json())["version"] == 1


def test_reading_ahead_over_http_changes_nothing_but_the_order(
    tmp_path: Path, http_server: tuple[str, ServerState]
) -> None:
    base, state = http_server
    files = state.root / "files"
    projects: dict[str, list[Entry]] = {}
    chain = ["top", "mid", "low", "leaf"]
    for i, name in enumerate(chain):
        for version in ("1.0", "2.0"):
            requires = [f"{chain[i + 1]}>={version}"] if i + 1 < len(chain) else []
            requires.append('docs-only; extra == "docs"')
            wheel = build_wheel(files, name, version, requires=requires, extras=["docs"])
            projects.setdefault(name, []).append(Entry(wheel))
    write_index(state.root, projects)
    index = [f"{base}/simple/"]

    def locked(prefetch: bool | None, cache: str) -> str:
        return lock_pip(
            ["top"], target=PY311, indexes=index, cache_dir=tmp_path / cache, prefetch=prefetch
        ).to_json()

    plain = locked(False, "a")
    assert locked(True, "b") == plain
    assert locked(None, "c") == plain  # remote index: on by default
    assert [p["version"] for p in json.loads(plain)["packages"]] == ["2.0"] * 4
    pages = {r["path"] for r in state.requests("/")}
    assert "/simple/leaf/" in pages
    assert "/simple/docs-only/" not in pages  # an extra's requirement is not read ahead


def test_reading_ahead_takes_the_newest_usable_version(
    tmp_path: Path, http_server: tuple[str, ServerState]
) -> None:
    # the newest stable version that is neither yanked nor for another Python;
    # prereleases only where there is no stable version at all
    from compatlib.lock.pip import PrefetchingRepository
    from compatlib.sources.pypi import PyPIRepository

    base, state = http_server
    files = state.root / "files"
    specs = {
        "mixed": [("1.0", {}), ("2.0", {}), ("3.0", {"yanked": True}), ("4.0rc1", {})],
        "newpy": [("1.0", {}), ("2.0", {"requires_python": ">=3.13"}), ("2.1b1", {})],
        "pre": [("1.0a1", {}), ("1.0b2", {}), ("1.0rc1", {"yanked": "broken"})],
        "gone": [("1.0", {"yanked": True}), ("2.0rc1", {})],
    }
    projects = {
        name: [Entry(build_wheel(files, name, v), **kw) for v, kw in versions]
        for name, versions in specs.items()
    }
    write_index(state.root, projects, flavour="json")
    repo = PyPIRepository([f"{base}/simple/"], target=PY311, cache_dir=tmp_path / "c")
    ahead = PrefetchingRepository(repo, PY311, max_workers=1)
    try:
        newest = {name: ahead._newest(name, repo.versions(name)) for name in specs}
    finally:
        ahead.close()
        repo.close()
    assert newest == {"mixed": "2.0", "newpy": "1.0", "pre": "1.0b2", "gone": None}


def test_prefetching_repository_swallows_background_errors(wheels: Path, tmp_path: Path) -> None:
    from compatlib.lock.pip import PrefetchingRepository
    from compatlib.sources.pypi import PyPIRepository

    repo = PyPIRepository([], [str(wheels)], target=PY311, cache_dir=tmp_path / "c")
    ahead = PrefetchingRepository(repo, PY311)
    ahead.start(["app", "not a requirement!", "missing-everywhere", 'winonly; os_name == "nt"'])
    assert ahead.versions("app") == ["1.0", "2.0"]
    assert ahead.release("lib", "2.0").version == "2.0"
    assert not ahead.is_yanked("lib", "2.0")
    ahead.close()
    ahead.start(["base"])  # after close: ignored, no error


@pytest.mark.parametrize(("cores", "threads"), [(None, 2), (1, 2), (2, 3), (4, 5), (7, 8), (64, 8)])
def test_read_ahead_threads_follow_the_cores(cores: int | None, threads: int) -> None:
    from compatlib.lock.pip import read_ahead_threads

    assert read_ahead_threads(cores) == threads


def test_too_new_wheels_are_explained_by_glibc(wheels: Path, tmp_path: Path) -> None:
    profile = parse_system("glibc=2.36")
    target = Target(python="3.11", platform="linux-64", glibc=profile.glibc, system=profile)
    with pytest.raises(UnsatisfiableError) as info:
        lock_pip(["native>=2"], target=target, find_links=[str(wheels)], cache_dir=tmp_path)
    report = info.value.explanation.report
    assert "needs glibc >=2.39" in report
    assert "the target's glibc is 2.36" in report


def test_the_system_profile_glibc_is_used_when_the_target_names_none(
    wheels: Path, tmp_path: Path
) -> None:
    profile = parse_system("os=ubuntu24.04")  # ships glibc 2.39
    assert profile.glibc == "2.39"
    lock = lock_pip(
        ["native"],
        target=Target(python="3.11", platform="linux-64", system=profile),
        find_links=[str(wheels)],
        cache_dir=tmp_path,
    )
    assert [(p.version, p.filename) for p in lock.packages] == [
        ("2.0", "native-2.0-cp311-cp311-manylinux_2_39_x86_64.whl")
    ]
    assert lock.metadata["targets"][0]["glibc"] == "2.39"
    assert lock.metadata["targets"][0]["os"] == "ubuntu24.04"
