"""Peer test-suite loaders: every file of every suite in ../shared/peer-suites,
plus hand-made fixtures in each format (well-formed and malformed)."""

from __future__ import annotations

import glob
import importlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from compatlib.errors import InputError
from compatlib.sources.memory import Index
from compatlib.testing.peer import (
    PACKSE_DEFAULT_REQUIRES_PYTHON,
    Case,
    Scenario,
    detect_format,
    foreign_version,
    gem_specifier,
    load_case,
    load_index,
    load_index_cached,
    load_scenario,
    pod_name,
    swift_name,
    swift_specifier,
)
from compatlib.testing.ron import MAX_DEPTH, RonVariant, loads

# tomllib is in the standard library from 3.11; tomli is the same parser for 3.10
tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")

PEER = Path(__file__).resolve().parents[2].parent / "shared" / "peer-suites"
RESOLVELIB = PEER / "resolvelib"
UV = PEER / "uv-scenarios"
PUBGRUB = PEER / "pubgrub"

needs_peer = pytest.mark.skipif(not PEER.is_dir(), reason="../shared/peer-suites is absent")


def _files(pattern: str) -> list[Path]:
    return sorted(Path(p) for p in glob.glob(str(PEER / pattern), recursive=True))


# ---------------------------------------------------------------- shared loads
# Each big file is parsed once per session.


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    return {str(p.relative_to(UV)): load_scenario(p) for p in _files("uv-scenarios/**/*.toml")}


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    files = _files("resolvelib/*/inputs/case/*.json") + _files(
        "resolvelib/swift-package-manager/inputs/*.json"
    )
    out = {}
    for p in files:
        case = load_case(p)
        out[f"{case.suite}/{case.name}"] = case
    return out


@pytest.fixture(scope="module")
def python_indexes() -> dict[str, Index]:
    return {p.stem: load_index_cached(p) for p in _files("resolvelib/python/inputs/index/*.json")}


@pytest.fixture(scope="module")
def cocoapods_indexes() -> dict[str, Index]:
    return {
        p.stem: load_index_cached(p) for p in _files("resolvelib/cocoapods/inputs/index/*.json")
    }


@pytest.fixture(scope="module")
def pubgrub_indexes() -> dict[str, Index]:
    return {p.stem: load_index(p) for p in _files("pubgrub/*.ron")}


# ---------------------------------------------------------- uv packse scenarios


@needs_peer
def test_uv_scenario_counts(scenarios: dict[str, Scenario]) -> None:
    assert len(scenarios) == 189
    assert sum(not s.satisfiable for s in scenarios.values()) == 54
    assert sum(s.universal for s in scenarios.values()) == 53
    # names are unique (most, not all, match the file name)
    assert len({s.name for s in scenarios.values()}) == 189
    # the flags agree with an independent read of the raw TOML
    for key, s in scenarios.items():
        raw = tomllib.loads((UV / key).read_text(encoding="utf-8"))
        assert s.has_options == bool(raw.get("environment") or raw.get("resolver_options"))
        assert s.requires == tuple(raw["root"]["requires"])
        assert s.requires_python == raw["root"].get("requires_python")
        assert dict(s.expected_packages) == {
            canonicalize_name(k): v for k, v in raw["expected"].get("packages", {}).items()
        }
        versions = {
            (canonicalize_name(n), v) for n, p in raw["packages"].items() for v in p["versions"]
        }
        assert {(n, v) for n in s.index.packages() for v in s.index.versions(n)} == versions


@needs_peer
def test_uv_scenario_spot_checks(scenarios: dict[str, Scenario]) -> None:
    extras = scenarios["extras/all-extras-required.toml"]
    a = extras.index.release("a", "1.0.0")
    assert a.extras == ("all", "extra-b", "extra-c")
    assert 'b; extra == "extra-b"' in a.requires
    assert 'a[extra_b]; extra == "all"' in a.requires
    assert a.requires_python == PACKSE_DEFAULT_REQUIRES_PYTHON  # packse's default
    assert [x.filename for x in a.artifacts] == ["a-1.0.0-py3-none-any.whl", "a-1.0.0.tar.gz"]
    assert dict(extras.expected_packages) == {"a": "1.0.0", "b": "1.0.0", "c": "1.0.0"}

    override = scenarios[
        "requires_python/incompatible-python-compatible-override-no-compatible-wheels.toml"
    ]
    assert override.python == "3.9"
    assert override.target_python == "3.11"
    assert override.has_options
    assert not override.universal
    a = override.index.release("a", "1.0.0")
    assert a.requires_python == ">=3.10"
    # wheel_tags replace the default py3-none-any wheel; the sdist stays
    assert [x.filename for x in a.artifacts] == ["a-1.0.0-foo-none-any.whl", "a-1.0.0.tar.gz"]
    assert override.explanation is not None
    assert override.explanation.startswith("Since there are no compatible wheels")

    yanked = scenarios["yanked/package-only-yanked.toml"]
    rel = yanked.index.release("a", "1.0.0")
    assert rel.yanked
    assert all(x.yanked for x in rel.artifacts)
    assert not yanked.satisfiable

    win = scenarios["wheels/requires-python-subset.toml"]
    assert win.universal
    assert win.resolver_options["required_environments"] == (
        'sys_platform == "linux"',
        'sys_platform == "win32"',
    )
    assert [x.filename for x in win.index.release("win-only", "1.0.0").artifacts] == [
        "win_only-1.0.0-cp312-abi3-win_amd64.whl"
    ]
    assert win.requires == ("win-only; sys_platform == 'win32'",)

    disabled = [s.name for s in scenarios.values() if s.testgen.get("disable")]
    assert len(disabled) == 4
    assert scenarios["fork/overlapping-markers-basic.toml"].description is not None


def _env_for(python: str) -> dict[str, str]:
    env = {k: str(v) for k, v in default_environment().items()}
    env["python_version"] = ".".join(python.split(".")[:2])
    env["python_full_version"] = python if python.count(".") == 2 else python + ".0"
    return env


@needs_peer
def test_uv_expected_packages_are_consistent(scenarios: dict[str, Scenario]) -> None:
    """For every non-universal satisfiable scenario that lists its expected
    packages, those versions exist, allow the target Python, and satisfy the root
    requirements and each other's dependencies (extras followed): a check of
    the conversion, including packse's default requires_python."""
    checked = 0
    for s in scenarios.values():
        if not s.satisfiable or not s.expected_packages or s.universal:
            continue
        checked += 1
        env = _env_for(s.target_python)
        pins = dict(s.expected_packages)
        extras: dict[str, set[str]] = {}

        def need(req: str, active: Iterable[str], pins: dict[str, str] = pins,
                 env: dict[str, str] = env, extras: dict[str, set[str]] = extras,
                 scenario: str = s.name) -> None:  # fmt: skip
            r = Requirement(req)
            if r.marker is not None and not any(
                r.marker.evaluate({**env, "extra": e}) for e in (list(active) or [""])
            ):
                return
            name = canonicalize_name(r.name)
            assert name in pins, f"{scenario}: {req} needs {name}, not in the expected result"
            assert r.specifier.contains(pins[name], prereleases=True), (scenario, req, pins[name])
            extras.setdefault(name, set()).update(canonicalize_name(e) for e in r.extras)

        for req in s.requires:
            need(req, ())
        for _ in range(3):  # extras can enable further extras (a[all] -> a[extra_b])
            for name, version in pins.items():
                rel = s.index.release(name, version)
                assert Version(s.target_python) in SpecifierSet(rel.requires_python or "")
                for dep in rel.requires:
                    need(dep, extras.get(name, ()))
    assert checked == 77


# --------------------------------------------------------------- resolvelib


@needs_peer
def test_case_counts(cases: dict[str, Case]) -> None:
    by_suite = {
        s: [c for c in cases.values() if c.suite == s] for s in ("python", "cocoapods", "swift")
    }
    assert (len(by_suite["python"]), len(by_suite["cocoapods"]), len(by_suite["swift"])) == (
        13,
        25,
        4,
    )
    assert all(Path(c.index_path).is_file() for c in cases.values())
    conflicting = sorted(k for k, c in cases.items() if c.conflicts is not None)
    assert conflicting == [
        "cocoapods/circular",
        "cocoapods/unresolvable_child",
        "python/different-extras",
    ]
    assert all((c.resolved is None) == (c.conflicts is not None) for c in cases.values())


@needs_peer
def test_python_case_spot_checks(cases: dict[str, Case]) -> None:
    cheroot = cases["python/cheroot"]
    assert cheroot.requested[0] == "coverage==5.3"
    assert cheroot.index_path.endswith("index/pypi-2020-11-17-cheroot.json")
    assert cheroot.description == "See pypa/pip#9011 for more information"
    extras = cases["python/different-extras"]
    assert extras.conflicts == ("markupsafe",)
    assert extras.resolved is None
    chalice = cases["python/chalice"]
    assert chalice.resolved is not None
    assert chalice.resolved["click"] == "7.0.0"  # kept as written: 7.0.0 == 7.0 under PEP 440
    assert cases["python/backjump-test-1"].unvisited == {"pystac": ("1.8.2",)}
    assert cases["python/backjump-test-3"].needs_optimistic
    assert not cases["python/backjump-test-1"].needs_optimistic
    assert cases["python/pyrex-1.9.8"].resolved == {}
    assert cases["python/same-package-extras"].requested[0] == "package_a[x,z] >=1.1"


@needs_peer
def test_case_index_is_loaded_once(cases: dict[str, Case]) -> None:
    a, b = cases["python/same-package"], cases["python/same-package-extras"]
    assert a.index_path == b.index_path
    assert a.index() is b.index()
    # a fresh load of the same file is another object with the same content
    fresh = load_index(a.index_path)
    assert fresh is not a.index()
    assert fresh.packages() == a.index().packages()


@needs_peer
def test_python_indexes(python_indexes: dict[str, Index]) -> None:
    assert len(python_indexes) == 12
    chalice = python_indexes["pypi-2020-02-13-chalice"]
    assert (len(chalice), sum(len(chalice.versions(n)) for n in chalice.packages())) == (255, 4585)
    botocore = chalice.release("botocore", "1.14.15")
    assert "urllib3>=1.20,<1.26; python_version!='3.4'" in botocore.requires
    assert botocore.extras == ()
    pandas = python_indexes["pypi-2020-02-15-pandas"].release("pandas", "1.0.1")
    assert pandas.extras == ("test",)
    assert "pytest (>=4.0.2) ; extra == 'test'" in pandas.requires
    same = python_indexes["same-package"].release("package-a", "1.0.0")
    assert same.extras == ("x", "y", "z")
    # the "needs_optimistic": true entry of this index is not a package
    assert python_indexes["backjump-test-3"].packages() == ["a", "b", "c", "d"]
    # dask's toolz 0.10.0 writes its empty dependencies as {}
    assert python_indexes["pypi-2020-02-13-dask"].release("toolz", "0.10.0").requires == ()
    # non-PEP 440 versions are skipped by Index, as pip does
    assert python_indexes["pypi-2020-11-17-cheroot"].invalid == (
        ("json-spec", "0.9.7.2.g16a294b"),
        ("pyzmq", "18.1.0-0_py38h16f9016"),
    )
    pyrax = python_indexes["pypi-2020-02-15-pyrax"]
    assert (len(pyrax), sum(len(pyrax.versions(n)) for n in pyrax.packages())) == (445, 6280)


@needs_peer
def test_python_requirements_parse(python_indexes: dict[str, Index]) -> None:
    """Every dependency string parses with packaging, except one piece of junk
    metadata real PyPI served in 2020 (kept verbatim by the loader)."""
    bad = []
    seen: dict[str, bool] = {}
    for index_name, index in python_indexes.items():
        for name in index.packages():
            for rel in index.releases(name):
                for dep in rel.requires:
                    if dep not in seen:
                        try:
                            Requirement(dep)
                            seen[dep] = True
                        except InvalidRequirement:
                            seen[dep] = False
                    if not seen[dep]:
                        bad.append((index_name, name, rel.version, dep))
    assert len(seen) > 5000
    assert bad == [
        ("pypi-2020-11-17-cheroot", "ipython", "4.1.0rc1", "setuptools (>=18.5decorator)")
    ]


def _resolvelib_keeps(case: Case, req: Requirement, extras: Iterable[str]) -> bool:
    """resolvelib's Python test provider keeps a dependency with a marker only
    when the candidate carries extras and the marker holds for one of them; for a
    candidate without extras every marked dependency is dropped. Its expected
    results (chalice has no urllib3) follow that rule."""
    if req.marker is None or case.suite != "python":
        return True
    return any(req.marker.evaluate({"extra": e}) for e in extras)


@needs_peer
def test_resolvelib_expected_results_are_consistent(cases: dict[str, Case]) -> None:
    """Every expected resolution names versions that exist in the converted
    index, satisfies the requested requirements, the pins, and the dependencies
    of every resolved release. This checks the CocoaPods and Swift conversions
    (names, versions, ``~>`` and ranges) against the peers' own answers."""
    checked = []
    for key, case in cases.items():
        if case.resolved is None or (case.requested and not case.resolved):
            continue  # a conflict, or pyrex (which resolvelib cannot finish)
        index = case.index()
        pins = {n: Version(v) for n, v in case.resolved.items()}
        extras: dict[str, set[str]] = {}
        for r in map(Requirement, case.requested):
            extras.setdefault(canonicalize_name(r.name), set()).update(r.extras)
        for r in map(Requirement, case.requested):
            assert r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True), (key, r)
        for name, version in case.resolved.items():
            found = [v for v in index.versions(name) if Version(v) == Version(version)]
            assert found, f"{key}: {name} {version} is not in the index"
            for dep in index.release(name, found[0]).requires:
                r = Requirement(dep)
                if not _resolvelib_keeps(case, r, extras.get(name, ())):
                    continue
                dname = canonicalize_name(r.name)
                assert dname in pins, f"{key}: {name} {version} needs {dep}"
                assert r.specifier.contains(pins[dname], prereleases=True), (key, name, dep)
        for pin, pinned in case.pinned.items():
            assert pin not in pins or pins[pin] == Version(pinned), (key, pin)
        checked.append(key)
    assert len(checked) == 11 + 23 + 4  # python (no conflict, not pyrex), cocoapods, swift


@needs_peer
def test_cocoapods_spot_checks(cases: dict[str, Case], cocoapods_indexes: dict[str, Index]) -> None:
    assert len(cocoapods_indexes) == 23
    swap = cases["cocoapods/swapping_changes_transitive_dependency"]
    # the "RestKit\u0001" key is a second requirement on RestKit
    assert swap.requested == ("restkit<=0.23.2", "restkit>=0.23.0,<0.24")
    assert swap.resolved == {"restkit": "0.23.2", "restkit-core": "0.23.2"}
    assert cases["cocoapods/simple_with_base"].pinned == {"rack": "1.0"}
    assert cases["cocoapods/simple"].index_path.endswith("index/awesome.json")
    assert cases["cocoapods/circular"].conflicts == ("bar", "foo")
    assert cases["cocoapods/empty"].requested == ()
    assert cases["cocoapods/empty"].resolved == {}
    awesome = cocoapods_indexes["awesome"]
    assert "3.0.0b0" in awesome.versions("activesupport")  # "3.0.0-beta"
    # comments in previous_conflict.json are skipped
    prev = cocoapods_indexes["previous_conflict"]
    assert prev.release("a", "0.3.0").requires == ("c>=1.4,<2", "e>=1.4,<2")
    # fuzz.json lists dependencies as [name, requirement] pairs
    fuzz = cocoapods_indexes["fuzz"]
    assert any("o>=1.1.3b1,<1.2" in r.requires for r in fuzz.releases("a"))
    # faraday-middleware is not a pod of this snapshot, faraday_middleware is
    gems = cocoapods_indexes["rubygems-2016-11-05"]
    assert "faraday-middleware-unlisted>=0" in gems.release("oauth2", "0.0.11").requires
    assert "faraday-middleware-unlisted" not in gems
    assert "faraday-middleware" in gems
    # a non-PEP 440 RubyGems version keeps its place next to its release
    rugged = cocoapods_indexes["rubygems-2016-02-15"].versions("rugged")
    assert "0.18.0.dev0+gh.de.28323" in rugged
    converted = {
        d
        for ix in cocoapods_indexes.values()
        for n in ix.packages()
        for r in ix.releases(n)
        for d in r.requires
    }
    for dep in converted:
        Requirement(dep)  # every converted requirement is valid PEP 508


@needs_peer
def test_swift_spot_checks(cases: dict[str, Case]) -> None:
    kitten = cases["swift/SourceKitten"]
    assert kitten.index_path == str(RESOLVELIB / "swift-package-manager/inputs/SourceKitten.json")
    assert kitten.requested[0] == "https-github-com-carthage-commandant-git>=0.11.3,<0.12.0"
    index = kitten.index()
    assert index.versions("https-github-com-antitypical-result-git")[:5] == [
        "1.0.2",
        "2.0.0",
        "2.1.0",
        "2.1.1",
        "2.1.2",
    ]
    assert "3.0.0a1" in index.versions(swift_name("https://github.com/antitypical/Result.git"))
    kitura = cases["swift/kitura"].index()
    # git@ and https:// spellings of one repository stay distinct packages
    deps = {
        Requirement(d).name
        for n in kitura.packages()
        for r in kitura.releases(n)
        for d in r.requires
    }
    assert "git-github-com-ibm-swift-bluesocket-git" in deps
    assert "https-github-com-ibm-swift-bluesocket-git" in kitura
    assert "git-github-com-ibm-swift-bluesocket-git" not in kitura


# ------------------------------------------------------------------ pubgrub


@needs_peer
def test_pubgrub_indexes(pubgrub_indexes: dict[str, Index]) -> None:
    sizes = {
        k: (len(ix), sum(len(ix.versions(n)) for n in ix.packages()))
        for k, ix in pubgrub_indexes.items()
    }
    assert sizes == {
        "large_case_1_u16_NumberVersion": (43, 463),
        "large_case_2_u16_NumberVersion": (56, 556),
        "large_case_u16_NumberVersion": (83, 641),
        "large_case_u16_bounded_NumberVersion": (83, 641),
    }
    plain = pubgrub_indexes["large_case_u16_NumberVersion"].release("0", "0")
    assert plain.requires[:2] == ("13>=10,<13", "96>=10,<15")
    assert "479>=0" in plain.requires  # (0, None)
    bounded = pubgrub_indexes["large_case_u16_bounded_NumberVersion"].release("0", "0")
    assert bounded.requires[0] == "13>=0,<13"  # (Included(0), Excluded(13))
    assert "479>=0" in bounded.requires  # (Included(0), Unbounded)
    # an empty range list: no version is acceptable
    assert (
        "468>0,<0"
        in pubgrub_indexes["large_case_1_u16_NumberVersion"].release("410", "19").requires
    )
    for ix in pubgrub_indexes.values():
        for name in ix.packages():
            for rel in ix.releases(name):
                for dep in rel.requires:
                    Requirement(dep)


@needs_peer
def test_pubgrub_dependencies_have_at_most_one_range() -> None:
    """No dependency in the stored dumps is a union of ranges (which a single
    PEP 440 specifier could not express); some are empty (no version allowed)."""
    empties = {}
    for path in _files("pubgrub/*.ron"):
        data: Any = loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        counts = [
            len(ranges)
            for versions in data.values()
            for deps in versions.values()
            for ranges in deps.values()
        ]
        assert max(counts) == 1
        empties[path.stem] = counts.count(0)
    assert empties == {
        "large_case_1_u16_NumberVersion": 4,
        "large_case_2_u16_NumberVersion": 19,
        "large_case_u16_NumberVersion": 0,
        "large_case_u16_bounded_NumberVersion": 0,
    }


@needs_peer
def test_detect_format() -> None:
    assert detect_format(PUBGRUB / "large_case_u16_NumberVersion.ron") == "pubgrub"
    assert detect_format(UV / "extras" / "extra-required.toml") == "packse"
    assert (
        detect_format(RESOLVELIB / "python/inputs/index/same-package.json") == "resolvelib-python"
    )
    assert detect_format(RESOLVELIB / "cocoapods/inputs/index/awesome.json") == "cocoapods"
    assert detect_format(RESOLVELIB / "swift-package-manager/inputs/kitura.json") == "swift"
    with pytest.raises(InputError, match="case file"):
        load_index(RESOLVELIB / "python/inputs/case/chalice.json")


# ------------------------------------------------------------ conversions


@pytest.mark.parametrize(
    ("raw", "pep440"),
    [
        ("1.2.3", "1.2.3"),
        ("2.0.0.beta.1", "2.0.0b1"),
        ("3.0.0-alpha.1", "3.0.0a1"),
        ("1.0.0-beta", "1.0.0b0"),
        ("1.1.0-pre0", "1.1.0rc0"),
        ("0.16.01-b01", "0.16.1b1"),
        ("1.3.0-1", "1.3.0.post1"),
        ("0.18.0-gh.de28323", "0.18.0.dev0+gh.de.28323"),
        ("5.0.0-alpha.30p6", "5.0.0a30+p.6"),
        ("4.0.0-rc.2.1", "4.0.0rc2+1"),
        ("2.0.0-pre.develop.2", "2.0.0rc0+develop.2"),
        ("5.x", "5.dev0+x"),
        ("1.0.0+build.5", "1.0.0+build.5"),
    ],
)
def test_foreign_version(raw: str, pep440: str) -> None:
    assert foreign_version(raw) == pep440
    Version(pep440)


@pytest.mark.parametrize("raw", ["", "beta", "1..2", "1.0 beta", "-1"])
def test_foreign_version_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="version"):
        foreign_version(raw)


@pytest.mark.parametrize(
    ("gem", "pep440"),
    [
        ("", ""),
        ("1.0", "==1.0"),
        ("= 1.0", "==1.0"),
        ("~> 1.2", ">=1.2,<2"),
        ("~> 1", ">=1,<2"),
        ("~> 0", ">=0,<1"),
        ("~> 1.2.3", ">=1.2.3,<1.3"),
        ("~> 1.1.3-beta.1", ">=1.1.3b1,<1.2"),
        (">= 1.0, < 2", ">=1.0,<2"),
        ("!= 1.2.5", "!=1.2.5"),
        ("> 5.x", ">5.dev0"),  # local segments leave ordered bounds
        ("= 5.0.0-racecar1", "==5.0.0.dev1+racecar"),
        ("<= 0.23.2", "<=0.23.2"),
    ],
)
def test_gem_specifier(gem: str, pep440: str) -> None:
    assert gem_specifier(gem) == pep440
    SpecifierSet(pep440)


def test_gem_specifier_semantics() -> None:
    spec = SpecifierSet(gem_specifier("~> 1.2"))
    assert "1.9.9" in spec
    assert "2.0" not in spec
    assert "1.1" not in spec
    with pytest.raises(ValueError, match="RubyGems requirement"):
        gem_specifier("=~ 1.0")
    with pytest.raises(ValueError, match="version"):
        gem_specifier(">= banana")


def test_swift_specifier_and_names() -> None:
    assert swift_specifier(["1.0.0", "2.0.0"]) == ">=1.0.0,<2.0.0"
    assert swift_specifier(["5.0.0-alpha.30p6", "5.0.1"]) == ">=5.0.0a30,<5.0.1"
    with pytest.raises(ValueError, match="bounds"):
        swift_specifier(["1.0.0"])
    assert swift_name("https://github.com/Zewo/Axis.git") == "https-github-com-zewo-axis-git"
    assert (
        swift_name("git@github.com:IBM-Swift/BlueSocket.git")
        == "git-github-com-ibm-swift-bluesocket-git"
    )
    assert pod_name("RestKit/Core") == "restkit-core"
    assert pod_name("RestKit\u0001") == "restkit"
    with pytest.raises(ValueError, match="package name"):
        pod_name("///")


def test_conversions_keep_order() -> None:
    ordered = [
        "0.9",
        "1.0.0-alpha",
        "1.0.0-alpha.2",
        "1.0.0.beta.1",
        "1.0.0-rc.1",
        "1.0.0-rc.2.1",
        "1.0.0",
        "1.0.1",
        "1.2",
        "1.10",
    ]
    converted = [Version(foreign_version(v)) for v in ordered]
    assert converted == sorted(converted)
    assert len(set(converted)) == len(converted)


# ------------------------------------------------------------------- RON


def test_ron_values() -> None:
    text = """// a registry
    {
        1: (2, Some(3)),   /* nested /* comment */ */
        4: [(Included(0), Unbounded)],
        "s": "a\\n\\u{41}",
        (5, 6): (),
        7: -0x1f,
        8: 1.5e3,
        9: true,
    }"""
    assert loads(text) == {
        1: (2, RonVariant("Some", (3,))),
        4: [(RonVariant("Included", (0,)), RonVariant("Unbounded"))],
        "s": "a\nA",
        (5, 6): (),
        7: -31,
        8: 1500.0,
        9: True,
    }


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("{\n  1 2\n}", "expected ':'", 2, 5),
        ("{1:}", "expected a value", 1, 4),
        ("[1 2]", "expected ',' or ']'", 1, 4),
        ("{[1]: 2}", "not hashable", 1, 2),
        ("{1: 2,\n 1: 3}", "duplicate map key 1", 2, 2),
        ("(1, 2", "unclosed tuple", 1, 1),
        ("P(x: 1)", "named struct fields", 1, 3),
        ("1 2", "after the value", 1, 3),
        ("", "no value", 1, 1),
        ("{1: @}", "unexpected character '@'", 1, 5),
        ('"a\\q"', "unknown string escape", 1, 3),
        ("/* never closed", "unterminated block comment", 1, 1),
    ],
)
def test_ron_errors(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(InputError, match=message) as info:
        loads(text, source="t.ron")
    assert (info.value.source, info.value.line, info.value.column) == ("t.ron", line, column)


def test_ron_depth_is_bounded() -> None:
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) == _nested(MAX_DEPTH)
    with pytest.raises(InputError, match="nesting deeper"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(InputError, match="nesting deeper"):
        loads("Some(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


# -------------------------------------------------------- hand-made fixtures


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_python_fixture(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    case_dir = tmp_path / "case"
    index_dir.mkdir()
    case_dir.mkdir()
    _write(index_dir, "tiny.json", json.dumps({
        "App": {"1.0": {"dependencies": ["lib>=2; extra == 'fast'", 'lib2; "Slow_Mode" == extra', "six"]}},
        "lib": {"2.0": {"dependencies": []}, "not-a-version": {"dependencies": []}},
    }))  # fmt: skip
    index = load_index(index_dir / "tiny.json")
    assert index.packages() == ["app", "lib"]
    assert index.release("app", "1.0").extras == ("fast", "slow-mode")
    assert index.invalid == (("lib", "not-a-version"),)
    case_path = _write(case_dir, "c.json", json.dumps({
        "index": "tiny", "requested": ["App[fast]"], "resolved": {"App": "1.0", "lib": {"version": "2.0", "marker": "extra == 'fast'"}},
    }))  # fmt: skip
    case = load_case(case_path)
    assert case.suite == "python"
    assert case.resolved == {"app": "1.0", "lib": "2.0"}
    assert case.resolved_markers == {"lib": "extra == 'fast'"}
    assert case.index().packages() == ["app", "lib"]


def test_cocoapods_fixture(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "case").mkdir()
    _write(
        tmp_path / "index",
        "pods.json",
        """{
  // a comment, as in previous_conflict.json
  "Foo": [
    {"name": "Foo", "version": "1.0", "dependencies": {"Bar/Sub": "~> 2.1", "baz": ""}},
    {"name": "Foo", "version": "1.1.0-beta.2", "dependencies": []}
  ],
  "Bar/Sub": [{"name": "Bar/Sub", "version": "2.1.5", "dependencies": {}}]
}""",
    )
    index = load_index(tmp_path / "index" / "pods.json")
    assert index.versions("foo") == ["1.1.0b2", "1.0"][::-1]
    assert index.release("foo", "1.0").requires == ("bar-sub>=2.1,<3", "baz")
    case = load_case(_write(tmp_path / "case", "c.json", json.dumps({
        "name": "tiny", "index": "pods", "requested": {"Foo": ">= 1.0"},
        "base": [{"name": "Bar/Sub", "version": "2.1.5", "dependencies": []}],
        "resolved": [{"name": "Foo", "version": "1.0", "dependencies": [
            {"name": "Bar/Sub", "version": "2.1.5", "dependencies": []}]}],
        "conflicts": [],
    })))  # fmt: skip
    assert case.suite == "cocoapods"
    assert case.requested == ("foo>=1.0",)
    assert case.resolved == {"foo": "1.0", "bar-sub": "2.1.5"}
    assert case.pinned == {"bar-sub": "2.1.5"}
    assert case.conflicts is None
    assert case.description == "tiny"


def test_swift_fixture(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.json", json.dumps({
        "name": "S",
        "constraints": [{"identifier": "https://x.org/A.git", "requirement": ["1.0.0", "2.0.0"]}],
        "containers": [
            {"identifier": "https://x.org/A.git", "versions": {
                "1.2.0": [{"identifier": "https://x.org/B.git", "requirement": ["0.1.0", "0.2.0"]}],
                "2.0.0-beta.1": []}},
            {"identifier": "https://x.org/B.git", "versions": {"0.1.3": []}},
        ],
        "result": {"https://x.org/A.git": "1.2.0", "https://x.org/B.git": "0.1.3"},
    }))  # fmt: skip
    index = load_index(path)
    assert index.versions("https-x-org-a-git") == ["1.2.0", "2.0.0b1"]
    assert index.release("https-x-org-a-git", "1.2.0").requires == (
        "https-x-org-b-git>=0.1.0,<0.2.0",
    )
    case = load_case(path)
    assert case.requested == ("https-x-org-a-git>=1.0.0,<2.0.0",)
    assert case.resolved == {"https-x-org-a-git": "1.2.0", "https-x-org-b-git": "0.1.3"}
    assert case.index() is load_case(path).index()


def test_pubgrub_fixture(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "r.ron",
        """{
    0: {
        1: {3: [(2, Some(5))], 7: [], 12: [(Excluded(1), Included(4))]},
        2: {},
    },
    3: {2: {}, 4: {}},
}""",
    )
    index = load_index(path)
    assert index.packages() == ["0", "3"]
    assert index.versions("0") == ["1", "2"]
    assert index.release("0", "1").requires == ("3>=2,<5", "7>0,<0", "12>1,<=4")
    union = _write(
        tmp_path,
        "u.ron",
        "{\n  0: {\n    1: {\n      3: [(0, Some(1)), (4, None)],\n    },\n  },\n}",
    )
    with pytest.raises(InputError, match="union of 2 ranges") as info:
        load_index(union)
    assert (info.value.line, info.value.field) == (4, "0.1.3")
    bad = _write(tmp_path, "b.ron", "{0: {1: {3: [(Some(2), None)]}}}")
    with pytest.raises(InputError, match="bad range"):
        load_index(bad)
    broken = _write(tmp_path, "x.ron", "{\n  0: {1: {3: [(2, Some(5)]}}\n}")
    with pytest.raises(InputError, match=r"expected ',' or '\)'") as info:
        load_index(broken)
    assert (info.value.line, info.value.column) == (2, 26)


PACKSE = """name = "tiny"
description = "A tiny scenario."

[root]
requires = ["a[x]>=1"]
requires_python = ">=3.9"

[expected]
satisfiable = true

[expected.packages]
a = "1.0.0"
B = "2.0"

[packages.a.versions."1.0.0"]
requires = ["c; python_version < '3.8'"]
requires_python = ">=3.8"
wheel_tags = ["cp39-cp39-manylinux_2_17_x86_64"]
sdist = false

[packages.a.versions."1.0.0".extras]
x = ["b>=2 ; sys_platform == 'linux'"]

[packages.B.versions."2.0"]
yanked = true

[environment]
python = "3.9"

[resolver_options]
prereleases = true
no_binary = ["a"]
"""


def test_packse_fixture(tmp_path: Path) -> None:
    s = load_scenario(_write(tmp_path, "tiny.toml", PACKSE))
    assert (s.name, s.description, s.satisfiable) == ("tiny", "A tiny scenario.", True)
    assert s.requires == ("a[x]>=1",)
    assert s.requires_python == ">=3.9"
    assert s.expected_packages == {"a": "1.0.0", "b": "2.0"}
    assert s.environment == {"python": "3.9"}
    assert s.resolver_options == {"prereleases": True, "no_binary": ("a",)}
    assert s.has_options
    assert not s.universal
    assert (s.python, s.target_python) == ("3.9", "3.9")
    a = s.index.release("a", "1.0.0")
    assert a.requires == (
        "c; python_version < '3.8'",
        'b>=2; (sys_platform == "linux") and extra == "x"',
    )
    assert a.extras == ("x",)
    assert a.requires_python == ">=3.8"
    assert [x.filename for x in a.artifacts] == ["a-1.0.0-cp39-cp39-manylinux_2_17_x86_64.whl"]
    b = s.index.release("b", "2.0")
    assert b.yanked
    assert b.requires_python == PACKSE_DEFAULT_REQUIRES_PYTHON
    assert load_index(tmp_path / "tiny.toml").packages() == ["a", "b"]
    bare = load_scenario(
        _write(tmp_path, "bare.toml", 'name = "bare"\n[root]\n[expected]\nsatisfiable = false\n')
    )
    assert not bare.has_options
    assert (bare.python, bare.requires, bare.requires_python) == ("3.12", (), None)
    assert len(bare.index) == 0


@pytest.mark.parametrize(
    ("edit", "message", "field", "line"),
    [
        (('requires = ["a[x]>=1"]', 'requires = ["a[x]>=>1"]'), "invalid requirement", "root.requires", 5),
        (('sdist = false', 'sdist = "no"'), "expected true, false or a table", 'packages.a.versions.1.0.0.sdist', 19),
        (('yanked = true', 'yanked = 1'), "expected true or false", "packages.B.versions.2.0.yanked", 25),
        (('[packages.B.versions."2.0"]', '[packages.B.versions."two"]'), "invalid version 'two'", "packages.B.versions.two", 24),
        (('prereleases = true', 'prereleases = true\nturbo = true'), "unknown key 'turbo'", "resolver_options.turbo", 32),
        (('requires_python = ">=3.8"', 'requires_python = ">=3.8.*"'), "invalid specifier", "packages.a.versions.1.0.0.requires_python", 17),
        (('satisfiable = true', 'satisfiable = "yes"'), "satisfiable", "expected.satisfiable", 9),
        (('wheel_tags = ["cp39-cp39-manylinux_2_17_x86_64"]', 'wheel_tags = ["cp39"]'), "three components", "packages.a.versions.1.0.0.wheel_tags", 18),
        (('x = ["b>=2', 'x = ["b>>2'), "invalid requirement", "packages.a.versions.1.0.0.extras.x", 22),
    ],
)  # fmt: skip
def test_packse_malformed(
    tmp_path: Path, edit: tuple[str, str], message: str, field: str, line: int
) -> None:
    assert edit[0] in PACKSE
    path = _write(tmp_path, "bad.toml", PACKSE.replace(edit[0], edit[1], 1))
    with pytest.raises(InputError, match=message) as info:
        load_scenario(path)
    assert info.value.source == str(path)
    assert info.value.field == field
    assert info.value.line == line


def test_toml_syntax_error_keeps_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.toml", 'name = "x"\n[root]\nrequires = ["a",\n')
    with pytest.raises(InputError, match="invalid TOML") as info:
        load_scenario(path)
    assert info.value.line is not None
    assert info.value.line >= 3
    assert info.value.column is not None


def test_json_errors_keep_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.json", '{\n  "a": {\n    "1.0": {"dependencies": [}\n  }\n}')
    with pytest.raises(InputError, match="invalid JSON") as info:
        load_index(path)
    assert (info.value.line, info.value.column) == (3, 30)
    # a comment shifts nothing: positions are those of the original text
    path = _write(tmp_path, "bad2.json", '{\n  // note\n  "a": [,]\n}')
    with pytest.raises(InputError, match="invalid JSON") as info:
        load_index(path)
    assert (info.value.line, info.value.column) == (3, 9)


def test_semantic_errors_name_the_field(tmp_path: Path) -> None:
    pods = _write(
        tmp_path, "pods.json", json.dumps({"a": [{"name": "a", "version": "x.y"}]}, indent=1)
    )
    with pytest.raises(InputError, match=r"bad version 'x\.y'") as info:
        load_index(pods)
    assert info.value.field == "a[0].version"
    assert info.value.line == 5  # the line of the bad version
    req = _write(
        tmp_path,
        "req.json",
        json.dumps({"a": [{"name": "a", "version": "1", "dependencies": {"b": "=~ 2"}}]}, indent=1),
    )
    with pytest.raises(InputError, match="bad requirement '=~ 2'") as info:
        load_index(req)
    assert info.value.field == "a[0].dependencies.b"
    py = _write(tmp_path, "py.json", json.dumps({"a": {"1.0": {"dependencies": "six"}}}, indent=1))
    with pytest.raises(InputError, match="bad dependency list") as info:
        load_index(py)
    assert (info.value.field, info.value.line) == ("a.1.0.dependencies", 3)
    clash = _write(tmp_path, "clash.json", json.dumps({"a_b": [], "a-b": []}))
    with pytest.raises(InputError, match="both map to package name 'a-b'"):
        load_index(clash)
    swift = _write(
        tmp_path,
        "s.json",
        json.dumps(
            {
                "containers": [
                    {
                        "identifier": "u",
                        "versions": {"1.0.0": [{"identifier": "v", "requirement": ["1.0.0"]}]},
                    }
                ]
            }
        ),
    )
    with pytest.raises(InputError, match="bad requirement on 'v'") as info:
        load_index(swift)
    assert info.value.field == "containers[0].versions.1.0.0[0].requirement"
    with pytest.raises(InputError, match="cannot read file"):
        load_index(tmp_path / "missing.json")
    with pytest.raises(InputError, match="not a resolvelib case file"):
        load_case(_write(tmp_path, "nocase.json", "[1, 2]"))
    with pytest.raises(InputError, match="not a peer index"):
        load_index(_write(tmp_path, "list.json", "[1, 2]"))
