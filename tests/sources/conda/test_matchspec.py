"""MatchSpec parsing, canonical forms and matching.

Expected canonical forms and match results are the behaviour conda's own tests
pin (``tests/models/test_match_spec.py``, https://github.com/conda/conda);
deliberate differences are marked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib.errors import InputError
from compatlib.sources.conda.matchspec import MatchSpec, parse_matchspec, record_specs
from compatlib.sources.conda.records import PackageRecord, record_from_json
from compatlib.values.conda_version import CondaVersion

CHANNELS = Path(__file__).resolve().parents[4] / "shared" / "peer-suites" / "conda" / "channels"


def rec(filename: str, **kw: object) -> PackageRecord:
    """A record from a file name ``name-version-build.tar.bz2``; the build number is
    the digits after the build string's last underscore."""
    name, version, build = filename.removesuffix(".tar.bz2").removesuffix(".conda").rsplit("-", 2)
    data: dict[str, object] = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": int(build.rsplit("_", 1)[-1]),
        "md5": "012345789",
    }
    data.update(kw)
    return record_from_json(filename, data, subdir="linux-64", channel="defaults")


CANONICAL = [
    ("numpy", "numpy"),
    ("numpy=1.7", "numpy=1.7"),
    ("numpy 1.7*", "numpy=1.7"),
    ("numpy 1.7.*", "numpy=1.7"),
    ("numpy[version='1.7*']", "numpy=1.7"),
    ("numpy[version='1.7.*']", "numpy=1.7"),
    ("numpy[version=1.7.*]", "numpy=1.7"),
    ("numpy==1.7", "numpy==1.7"),
    ("numpy[version='1.7']", "numpy==1.7"),
    ("numpy[version=1.7]", "numpy==1.7"),
    ("numpy 1.7", "numpy==1.7"),
    ("numpy[version='1.7|1.8']", "numpy[version='1.7|1.8']"),
    ('numpy[version="1.7,1.8"]', "numpy[version='1.7,1.8']"),
    ("numpy >1.7", "numpy[version='>1.7']"),
    ("numpy>=1.7", "numpy[version='>=1.7']"),
    ("numpy >= 1.7", "numpy[version='>=1.7']"),
    ("numpy=1.7=py3*_2", "numpy==1.7[build=py3*_2]"),
    ("numpy=1.7.*=py3*_2", "numpy=1.7[build=py3*_2]"),
    ("https://repo.anaconda.com/pkgs/free::numpy", "pkgs/free::numpy"),
    ("numpy[channel=https://repo.anaconda.com/pkgs/free]", "pkgs/free::numpy"),
    ("defaults::numpy", "defaults::numpy"),
    ("numpy[channel=defaults]", "defaults::numpy"),
    ("conda-forge::numpy", "conda-forge::numpy"),
    ("numpy[channel=conda-forge]", "conda-forge::numpy"),
    ("numpy[channel=defaults,subdir=osx-64]", "defaults/osx-64::numpy"),
    (
        "numpy[channel=https://repo.anaconda.com/pkgs/free/osx-64, subdir=linux-64]",
        "pkgs/free/linux-64::numpy",
    ),
    ("https://repo.anaconda.com/pkgs/free/win-32::numpy", "pkgs/free/win-32::numpy"),
    ("numpy[channel=https://repo.anaconda.com/pkgs/free/osx-64]", "pkgs/free/osx-64::numpy"),
    ("defaults/win-32::numpy", "defaults/win-32::numpy"),
    ("conda-forge/linux-64::numpy", "conda-forge/linux-64::numpy"),
    ("numpy[channel=conda-forge,subdir=noarch]", "conda-forge/noarch::numpy"),
    ("numpy[subdir=win-32]", "numpy[subdir=win-32]"),
    ("*/win-32::numpy", "numpy[subdir=win-32]"),
    ('*/win-32::numpy[subdir="osx-64"]', "numpy[subdir=osx-64]"),
    ("numpy=1.10=py38_0", "numpy==1.10=py38_0"),
    ("numpy==1.10=py38_0", "numpy==1.10=py38_0"),
    ("numpy[version=1.10 build=py38_0]", "numpy==1.10=py38_0"),
    ("numpy!=1.10", "numpy!=1.10"),
    ("numpy !=1.10", "numpy!=1.10"),
    ("numpy!=1.10 py38_0", "numpy[version='!=1.10',build=py38_0]"),
    ("numpy !=1.10 py38_0", "numpy[version='!=1.10',build=py38_0]"),
    ("numpy!=1.10=py38_0", "numpy[version='!=1.10',build=py38_0]"),
    ("numpy !=1.10=py38_0", "numpy[version='!=1.10',build=py38_0]"),
    ("numpy >1.7,!=1.10 py38_0", "numpy[version='>1.7,!=1.10',build=py38_0]"),
    ("numpy!=1.10.*", "numpy!=1.10.*"),
    ("numpy!=1.10,!=1.11", "numpy[version='!=1.10,!=1.11']"),
    # conda keeps "=1.10.*" here; compatlib writes the equivalent "1.10.*"
    ("numpy=1.10.*,!=1.10.2", "numpy[version='1.10.*,!=1.10.2']"),
    ("numpy ~=1.10.1", "numpy~=1.10.1"),
    ("numpy~=1.10.1", "numpy~=1.10.1"),
    ("numpy ~=1.10.1 py38_0", "numpy[version='~=1.10.1',build=py38_0]"),
    ("openssl=1.1.1_", "openssl=1.1.1_"),
    ("openssl>=1.1.1_,!=1.1.1c", "openssl[version='>=1.1.1_,!=1.1.1c']"),
    ("mkl@", "*[track_features=mkl]"),
    ("foo 1.0 py27_0", "foo==1.0=py27_0"),
    ("foo=1.0=py27_0", "foo==1.0=py27_0"),
    ("conda-forge::foo[version=1.0.*]", "conda-forge::foo=1.0"),
    ("conda-forge/linux-64::foo>=1.0", "conda-forge/linux-64::foo[version='>=1.0']"),
    ("*/linux-64::foo>=1.0", "foo[subdir=linux-64,version='>=1.0']"),
    ("conda-forge::numpy[version='>=1.20']", "conda-forge::numpy[version='>=1.20']"),
    ("conda-forge::numpy >=1.20", "conda-forge::numpy[version='>=1.20']"),
    ("NumPy", "numpy"),
    ("numpy *", "numpy"),
    ("numpy=", "numpy"),
    ("numpy * *", "numpy"),
    ("blas * openblas_0", "blas[build=openblas_0]"),
    ("numpy 1.7 # a comment", "numpy==1.7"),
    ("numpy[build_number='>=2']", "numpy[build_number='>=2']"),
    ("numpy[md5=abc, license=BSD]", "numpy[md5=abc,license=BSD]"),
    ("*[name=numpy]", "numpy"),
    # not round-trippable with '==' in conda; compatlib keeps them in brackets
    ("numpy[version='1.*.1']", "numpy[version='1.*.1']"),
    ("numpy 1.0@dev", "numpy[version='1.0@dev']"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL)
def test_canonical_form(text: str, canonical: str) -> None:
    spec = MatchSpec.parse(text)
    assert str(spec) == canonical
    assert spec.text == text
    # the canonical form reads back as the same spec
    assert MatchSpec.parse(canonical) == spec
    assert str(MatchSpec.parse(canonical)) == canonical


def test_package_url_specs() -> None:
    url = (
        "https://conda.anaconda.org/conda-canary/linux-64/"
        "conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2"
    )
    spec = MatchSpec.parse(url)
    assert str(spec).startswith(
        "conda-canary/linux-64::conda==4.3.21.post699+1dab973=py36h4a561cd_0["
    )
    assert spec.get("url") == url
    assert spec.get("fn") == "conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2"
    no_subdir = MatchSpec.parse(
        "https://conda.anaconda.org/conda-canary/conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2"
    )
    assert no_subdir.name == "*"
    assert no_subdir.get("fn") == "conda-4.3.21.post699+1dab973-py36h4a561cd_0.tar.bz2"
    local = MatchSpec.parse("/tmp/ch/noarch/tqdm-4.66.1-pyhd8ed1ab_0.conda")
    assert local.name == "tqdm"
    assert local.get("url") == "file:///tmp/ch/noarch/tqdm-4.66.1-pyhd8ed1ab_0.conda"
    assert local.subdir == "noarch"


NUMPY_171 = rec("numpy-1.7.1-py27_0.tar.bz2")

AGAINST_NUMPY_171 = [
    ("numpy 1.7*", True),
    ("numpy 1.7.1", True),
    ("numpy 1.7", False),  # a bare version is exact
    ("numpy=1.7", True),  # '=' is fuzzy
    ("numpy 1.5*", False),
    ("numpy >=1.5", True),
    ("numpy >=1.5,<2", True),
    ("numpy >=1.8,<1.9", False),
    ("numpy >1.5,<2,!=1.7.1", False),
    ("numpy >1.8,<2|==1.7", False),
    ("numpy >1.8,<2|>=1.7.1", True),
    ("numpy >=1.8|1.7*", True),
    ("numpy ==1.7", False),
    ("numpy >=1.5,>1.6", True),
    ("numpy ==1.7.1", True),
    ("numpy ==1.7.1.0", True),
    ("numpy==1.7.1.0.0", True),
    ("numpy >=1,*.7.*", True),
    ("numpy *.7.*,>=1", True),
    ("numpy >=1,*.8.*", False),
    ("numpy >=2,*.7.*", False),
    ("numpy 1.6*|1.7*", True),
    ("numpy 1.6*|1.8*", False),
    ("numpy 1.6.2|1.7*", True),
    ("numpy 1.6.2|1.7.1", True),
    ("numpy 1.6.2|1.7.0", False),
    ("numpy 1.7.1 py27_0", True),
    ("numpy 1.7.1 py26_0", False),
    ("numpy >1.7.1a", True),
    ("python", False),
    ("numpy=1.7.1=py27_0", True),
    ("numpy * py2*", True),
    ("numpy * ^py2.?_0$", True),
    ("numpy[build_number=0]", True),
    ("numpy[build_number='>0']", False),
    ("numpy[build_number='<=0']", True),
    ("num*", True),
    ("*", True),
    ("NUMPY", True),
    ("defaults::numpy", True),
    ("pkgs/main::numpy", False),
    ("conda-forge::numpy", False),
    ("numpy[subdir=linux-64]", True),
    ("*/osx-64::numpy", False),
    ("numpy[md5=012345789]", True),
    ("numpy[md5=0123]", False),
    ("numpy[fn=numpy-1.7.1-py27_0.tar.bz2]", True),
    ("numpy[track_features=mkl]", False),
]


@pytest.mark.parametrize(("text", "expected"), AGAINST_NUMPY_171)
def test_match(text: str, expected: bool) -> None:
    assert MatchSpec.parse(text).match(NUMPY_171) is expected


def test_match_more_records() -> None:
    assert not MatchSpec.parse("numpy >=1.0.1").match(rec("numpy-1.0.1a-0.tar.bz2"))
    assert not MatchSpec.parse("numpy >=1.0.1.vc11").match(rec("numpy-1.0.1a.vc11-0.tar.bz2"))
    assert MatchSpec.parse("numpy >=1.0.1*.vc11").match(rec("numpy-1.0.1a.vc11-0.tar.bz2"))
    assert MatchSpec.parse("numpy <1.0.1").match(rec("numpy-1.0.1.vc11-0.tar.bz2"))
    assert MatchSpec.parse("numpy <1.0.1").match(rec("numpy-1.0.1a.vc11-0.tar.bz2"))
    assert not MatchSpec.parse("numpy >=1.0.1.vc11").match(rec("numpy-1.0.1a-0.tar.bz2"))
    assert MatchSpec.parse("numpy >=1.0.1a").match(rec("numpy-1.0.1z-0.tar.bz2"))
    assert MatchSpec.parse("numpy >=1.0.1a py27*").match(rec("numpy-1.0.1z-py27_1.tar.bz2"))
    assert MatchSpec.parse("blas * openblas_0").match(rec("blas-1.0-openblas_0.tar.bz2"))
    mkl = rec("numpy-1.7.1-py27_0.tar.bz2", track_features="mkl debug")
    assert MatchSpec.parse("numpy[track_features='debug mkl']").match(mkl)
    assert MatchSpec.parse("numpy[track_features='mkl,debug']").match(mkl)
    assert not MatchSpec.parse("numpy[track_features=mkl]").match(mkl)
    assert MatchSpec.parse("mkl@").match(mkl) is False
    assert MatchSpec.parse("*[license=bsd*]").match(rec("x-1-0.tar.bz2", license="BSD-3-Clause"))


def test_channel_matching() -> None:
    main = record_from_json("a-1-0.tar.bz2", {}, channel="pkgs/main")
    forge = record_from_json(
        "a-1-0.tar.bz2", {}, channel="https://conda.anaconda.org/conda-forge/linux-64"
    )
    assert MatchSpec.parse("defaults::a").match(main)
    assert MatchSpec.parse("pkgs/main::a").match(main)
    assert MatchSpec.parse("https://repo.anaconda.com/pkgs/main::a").match(main)
    assert not MatchSpec.parse("conda-forge::a").match(main)
    assert MatchSpec.parse("conda-forge::a").match(forge)
    assert MatchSpec.parse("a[channel=https://conda.anaconda.org/conda-forge]").match(forge)
    assert not MatchSpec.parse("defaults::a").match(forge)
    assert MatchSpec.parse("conda-*::a").match(forge)
    assert not MatchSpec.parse("conda-*::a").match(main)
    assert str(MatchSpec.parse("conda-*::a")) == "conda-*::a"
    token = MatchSpec.parse("https://user:secret@conda.example.com/t/tk-123/private::a")
    assert str(token) == "https://conda.example.com/private::a"
    assert "secret" not in repr(token)
    assert "tk-123" not in str(token)


def test_identity_and_hashing() -> None:
    a = MatchSpec.parse("numpy 1.7*")
    b = MatchSpec.parse("numpy 1.7*")
    c = MatchSpec("numpy", "1.7*")
    assert a is not b
    assert a == b == c
    assert hash(a) == hash(b) == hash(c)
    assert MatchSpec.parse("python 2.7.4") == MatchSpec("python", "2.7.4")
    assert MatchSpec.parse("python") != MatchSpec.parse("python 2.7.4")
    assert len({MatchSpec.parse("numpy >=1.2"), MatchSpec.parse("numpy[version='>=1.2']")}) == 1
    assert repr(a) == "MatchSpec('numpy=1.7')"
    assert parse_matchspec("numpy 1.7*") is parse_matchspec("numpy 1.7*")
    assert MatchSpec.parse("numpy").is_name_only
    assert not MatchSpec.parse("numpy 1.7").is_name_only
    assert not MatchSpec.parse("*").is_name_only
    assert a.get("version") == "1.7.*"
    assert a.get("build") is None
    assert a.get("name") == "numpy"


def test_specs_are_immutable() -> None:
    spec = MatchSpec.parse("numpy >=1.2")
    with pytest.raises(AttributeError, match="immutable"):
        spec.name = "scipy"
    with pytest.raises(AttributeError, match="immutable"):
        del spec.version
    assert spec.version is not None
    with pytest.raises(AttributeError, match="immutable"):
        spec.version._text = "<1"
    assert str(spec) == "numpy[version='>=1.2']"


def test_exact_spec_for_a_record() -> None:
    spec = MatchSpec.exact(NUMPY_171)
    assert str(spec) == "defaults/linux-64::numpy==1.7.1=py27_0"
    assert spec.match(NUMPY_171)
    other = rec("numpy-1.7.1-py27_1.tar.bz2")
    assert not spec.match(other)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("blas [optional", 7, "expected key=value"),
        ("blas [test=]", 12, "empty value for 'test'"),
        ('blas[invalid="1"]', 6, "unknown key 'invalid'"),
        ("ray[default,data] >=2.9.0,<3.0.0", 5, "expected key=value"),
        ("numpy[version=1.2", 6, "never closed"),
        ("numpy[version='1.2]", 15, "unterminated"),
        ("numpy[version=1.2][build=0]", 19, "second bracket section"),
        ("numpy[version=1.2] 1.3", 20, "text after the bracket section"),
        ("numpy[version=1.2, version=1.3]", 20, "given twice"),
        ("numpy[name=scipy]", 12, "differs from the name"),
        (">=1.2", 1, "no package name"),
        ("", 1, "empty match spec"),
        ("   # only a comment", 4, "empty match spec"),
        ("conda-forge:numpy", 12, "single ':'"),
        ("conda-forge:ns:numpy", 13, "namespaces"),
        ("numpy (>=1.2)", 7, "parentheses"),
        ("numpy[build_number='>=x']", 21, "invalid build number"),
        ("numpy==", 6, "invalid operator"),
        ("numpy >=1.2,<2&", 15, "invalid character '&'"),
        ("numpy 1.2,,1.3", 11, "expected a version before ','"),
        ("numpy[version='>=1.2,(1.3']", 22, "never closed"),
        ("@", 1, "feature name is missing"),
    ],
)
def test_errors_point_at_the_offending_text(text: str, column: int, message: str) -> None:
    with pytest.raises(InputError) as info:
        MatchSpec.parse(text, source="env.yml")
    err = info.value
    assert message in err.message
    assert err.column == column
    assert err.text == text
    assert err.expected
    assert err.source == "env.yml"


def test_constructor_validates() -> None:
    with pytest.raises(InputError, match="needs a package name"):
        MatchSpec("  ")
    with pytest.raises(InputError, match="invalid build number"):
        MatchSpec("numpy", build_number=">x")
    spec = MatchSpec(
        "numpy", ">=1.2", "py3*", channel="conda-forge/linux-64", build_number=3, md5="abc"
    )
    assert (
        str(spec)
        == "conda-forge/linux-64::numpy[version='>=1.2',build=py3*,build_number=3,md5=abc]"
    )
    assert spec.version is not None
    assert spec.version.contains(CondaVersion("1.3"))


# -- real records --------------------------------------------------------------


def _index(name: str) -> dict[str, dict[str, object]]:
    path = CHANNELS / name
    if not path.exists():
        pytest.skip(f"peer data not available: {path}")
    data: dict[str, dict[str, object]] = json.loads(path.read_text())
    return data


def test_real_dependency_strings_all_parse() -> None:
    """Every depends/constrains string in the peer channels parses, except the one
    that rattler keeps as a regression case (PyPI extras in brackets)."""
    failures: list[str] = []
    count = 0
    for path in sorted(CHANNELS.glob("*.json")) if CHANNELS.exists() else []:
        doc = json.loads(path.read_text())
        sections = (
            [doc.get("packages") or {}, doc.get("packages.conda") or {}]
            if "packages" in doc or "packages.conda" in doc
            else [doc]
        )
        seen: set[str] = set()
        for section in sections:
            for r in section.values():
                seen.update(r.get("depends") or ())
                seen.update(r.get("constrains") or ())
        for text in sorted(seen):
            count += 1
            try:
                spec = MatchSpec.parse(text)
            except InputError:
                failures.append(text)
                continue
            # the canonical form reads back as the same spec
            assert MatchSpec.parse(str(spec)) == spec, text
    if not count:
        pytest.skip("peer data not available")
    assert count > 10000
    assert failures == ["ray[default,data] >=2.9.0,<3.0.0"]


def test_real_records_match() -> None:
    index = _index("conda__index.json")
    cuda9 = record_from_json("cudatoolkit-9.0-0.tar.bz2", index["cudatoolkit-9.0-0.tar.bz2"])
    assert MatchSpec.parse("cudatoolkit").match(cuda9)
    assert MatchSpec.parse("cudatoolkit 9.0 0").match(cuda9)
    assert MatchSpec.parse("cudatoolkit=9").match(cuda9)
    assert not MatchSpec.parse("cudatoolkit >=10").match(cuda9)
    # its dependency on the virtual __cuda package, checked against virtual records
    dep = MatchSpec.parse(cuda9.depends[0])
    assert dep.name == "__cuda"
    from compatlib.sources.conda.virtual import virtual_packages

    def cuda(v: str) -> PackageRecord:
        return next(r for r in virtual_packages("linux-64", {"cuda": v}) if r.name == "__cuda")

    assert dep.match(cuda("9.2"))
    assert dep.match(cuda("10.0"))
    assert not dep.match(cuda("8.0"))

    forge = json.loads((CHANNELS / "mamba__conda-forge-numpy-linux-64.json").read_text())
    numpy = record_from_json(
        "numpy-1.26.4-py312head63a1_0.conda",
        forge["packages.conda"]["numpy-1.26.4-py312head63a1_0.conda"],
    )
    assert MatchSpec.parse("numpy >=1.26,<2").match(numpy)
    assert MatchSpec.parse("numpy=1.26.4=py312*").match(numpy)
    # with a build, conda reads "=1.26" as exactly 1.26 (not 1.26.*)
    assert not MatchSpec.parse("numpy=1.26=py312*").match(numpy)
    assert MatchSpec.parse("numpy=1.26.*=py312*").match(numpy)
    assert not MatchSpec.parse("numpy 1.26").match(numpy)
    abi_dep = next(d for d in numpy.depends if d.startswith("python_abi"))
    abi = next(
        record_from_json(fn, r)
        for fn, r in forge["packages.conda"].items()
        if fn.startswith("python_abi-")
    )
    assert str(MatchSpec.parse(abi_dep)) == "python_abi=3.12[build=*_cp312]"
    assert MatchSpec.parse(abi_dep).match(abi)


def test_record_specs_name_the_record_and_field() -> None:
    good = rec("a-1.0-0.tar.bz2", depends=["b >=1", "c"], constrains=["d <2"])
    depends, constrains = record_specs(good)
    assert [str(d) for d in depends] == ["b[version='>=1']", "c"]
    assert [str(c) for c in constrains] == ["d[version='<2']"]
    bad = rec("issue-1.0-0.tar.bz2", constrains=["ok", "ray[default,data] >=2.9.0,<3.0.0"])
    with pytest.raises(InputError) as info:
        record_specs(bad)
    assert info.value.field == "constrains[1]"
    assert info.value.source == "issue-1.0-0.tar.bz2"
    assert info.value.column == 5


_VERSION_LEAVES = st.sampled_from(
    [
        "1.7",
        "==1.7.1",
        "!=1.7",
        ">=1.5",
        "<2",
        "1.7.*",
        "=1.7",
        "=1.7*",
        "~=1.7.0",
        "!=1.8.*",
        "1.*.1",
        "^1\\.7.*$",
        "*",
        "1.7.1*",
        ">1.7.1a",
    ]
)


@st.composite
def _matchspecs(draw: st.DrawFn) -> MatchSpec:
    name = draw(st.sampled_from(["numpy", "NumPy", "num*", "*"]))
    leaves = draw(st.lists(_VERSION_LEAVES, min_size=0, max_size=3))
    version = draw(st.sampled_from([",", "|"])).join(leaves) if leaves else None
    build = draw(st.sampled_from([None, "py27_0", "py2*", "^py.*_0$", "*"]))
    return MatchSpec(
        name,
        version,
        build,
        channel=draw(st.sampled_from([None, "defaults", "conda-forge", "pkgs/main/linux-64"])),
        subdir=draw(st.sampled_from([None, "linux-64", "osx-64"])),
        build_number=draw(st.sampled_from([None, 0, ">=1", "!=0"])),
        md5=draw(st.sampled_from([None, "012345789"])),
        track_features=draw(st.sampled_from([None, "mkl", "mkl debug"])),
    )


_RECORDS = [
    rec("numpy-1.7.1-py27_0.tar.bz2"),
    rec("numpy-1.7-py27_1.tar.bz2", track_features="mkl"),
    rec("numpy-1.8.0-py36_0.tar.bz2"),
    record_from_json("numpy-1.7.1-py27_0.tar.bz2", {}, channel="pkgs/main", subdir="linux-64"),
]


@settings(max_examples=200, deadline=None)
@given(_matchspecs())
def test_canonical_string_round_trips_and_matches_alike(spec: MatchSpec) -> None:
    again = MatchSpec.parse(str(spec))
    assert again == spec
    assert str(again) == str(spec)
    for r in _RECORDS:
        assert again.match(r) == spec.match(r), (str(spec), r.filename)
