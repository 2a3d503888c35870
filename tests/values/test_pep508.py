"""compatlib.values.pep508 against packaging 26.4: same acceptance, parts, strings and marker values."""

from __future__ import annotations

import copy
import email.parser
import itertools
import pickle
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging import markers as pmarkers
from packaging import requirements as preqs

from compatlib.values import pep508
from compatlib.values.pep508 import (
    InvalidMarker,
    InvalidRequirement,
    Marker,
    Requirement,
    UndefinedComparison,
    UndefinedEnvironmentName,
    parse_requirement,
)

# --------------------------------------------------------------------------- environments
_PLATFORMS = {
    "linux": ("posix", "linux", "Linux", "x86_64", "6.8.0-45-generic"),
    "darwin": ("posix", "darwin", "Darwin", "arm64", "23.6.0"),
    "win32": ("nt", "win32", "Windows", "AMD64", "10"),
}
_PYTHONS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]
_EXTRAS: list[object] = ["", "test", "Socks", frozenset({"Test", "socks"})]


def _environment(platform: str, python: str, extra: object) -> dict[str, object]:
    os_name, sys_platform, system, machine, release = _PLATFORMS[platform]
    full = f"{python}.2" if python != "3.14" else "3.14.0rc1"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": os_name,
        "platform_machine": machine,
        "platform_release": release,
        "platform_system": system,
        "platform_version": "#1 SMP",
        "python_full_version": full,
        "platform_python_implementation": "CPython",
        "python_version": python,
        "sys_platform": sys_platform,
        "extra": extra,
    }


GRID = [_environment(p, v, e) for p, v, e in itertools.product(_PLATFORMS, _PYTHONS, _EXTRAS)]
SMALL_GRID = [
    _environment(p, v, e) for p, v, e in itertools.product(_PLATFORMS, ["3.8", "3.12"], _EXTRAS)
]


def _outcome(marker: object, env: Mapping[str, object] | None, context: str) -> object:
    try:
        return marker.evaluate(env, context)  # type: ignore[attr-defined]
    except (UndefinedComparison, pmarkers.UndefinedComparison) as exc:
        return ("UndefinedComparison", type(exc).__name__ == "UndefinedComparison")
    except (UndefinedEnvironmentName, pmarkers.UndefinedEnvironmentName) as exc:
        return ("UndefinedEnvironmentName", str(exc))


def _same_evaluation(ours: Marker, theirs: pmarkers.Marker, grid: list[dict[str, object]]) -> None:
    for env in grid:
        expected = _outcome(theirs, env, "metadata")
        assert _outcome(ours, env, "metadata") == expected, (str(theirs), env)


def _same_requirement(text: str, grid: list[dict[str, object]] | None = None) -> str:
    """Assert ours and packaging agree on ``text``; return 'valid' or 'invalid'."""
    try:
        theirs = preqs.Requirement(text)
    except preqs.InvalidRequirement as exc:
        error: str | None = str(exc)
    else:
        error = None
    if error is not None:
        with pytest.raises(InvalidRequirement) as info:
            Requirement(text)
        assert str(info.value) == error
        assert not pep508._accepts(text), text
        return "invalid"
    assert pep508._accepts(text), text  # the scanner itself, not the fallback
    ours = Requirement(text)
    # The one-match fast path and the token-by-token scanner read it alike.
    name, extras, specifier, url, marker = pep508._scan_requirement(text)
    assert (name, sorted(set(extras)), url, marker) == (
        ours.name,
        sorted(ours.extras),
        ours.url,
        ours.marker,
    )
    assert str(specifier) == str(ours.specifier) or specifier == ""
    assert ours.name == theirs.name
    assert sorted(ours.extras) == sorted(theirs.extras)
    assert str(ours.specifier) == str(theirs.specifier)
    assert ours.specifier == theirs.specifier
    assert ours.url == theirs.url
    assert (ours.marker is None) == (theirs.marker is None)
    try:
        expected_text: str | None = str(theirs)
    except ValueError:
        expected_text = None  # a value holding both quote characters cannot be written
    if expected_text is None:
        with pytest.raises(ValueError, match="both quote"):
            str(ours)
        return "valid"
    assert str(ours) == expected_text
    assert repr(ours) == repr(theirs)
    if ours.marker is not None and theirs.marker is not None:
        assert str(ours.marker) == str(theirs.marker)
        assert Marker(str(ours.marker)) == ours.marker
        if grid is not None:
            _same_evaluation(ours.marker, theirs.marker, grid)
    return "valid"


def _same_marker(text: str, grid: list[dict[str, object]]) -> str:
    try:
        theirs_marker: pmarkers.Marker | None = pmarkers.Marker(text)
    except pmarkers.InvalidMarker as exc:
        theirs_marker, error = None, str(exc)
    if theirs_marker is None:
        with pytest.raises(InvalidMarker) as info:
            Marker(text)
        assert str(info.value) == error
        assert not pep508._accepts_marker(text), text
        return "invalid"
    theirs = theirs_marker
    assert pep508._accepts_marker(text), text
    ours = Marker(text)
    try:
        expected = str(theirs)
    except ValueError:
        with pytest.raises(ValueError, match="both quote"):
            str(ours)
        return "valid"
    assert str(ours) == expected
    _same_evaluation(ours, theirs, grid)
    return "valid"


# --------------------------------------------------------------------------- hand-written corpus
VALID = [
    "requests",
    "  requests  ",
    "\trequests\t",
    "Requests[Socks]>=2.8",
    "Requests [ Socks , security ] >= 2.8 , < 3",
    "name[]",
    "name [ ]",
    "foo_bar.baz-qux",
    "a",
    "A1",
    "foo (>=1.0)",
    "foo( >=1.0 , <2 )",
    "foo ()",
    "foo (>=1.0) ; python_version < '3.10'",
    "foo>=1.0,",
    "foo >=1.0 , ",
    "foo==1.*",
    "foo!=1.2.*",
    "foo~=1.4.2",
    "foo===1.0-weird",
    "foo=== anything",
    "foo==1.0+local.7",
    "foo== 1.0",
    "foo<=2!1.0rc1.post2.dev3",
    "foo>v1.0",
    "foo;python_version>'3'",
    "foo ;python_version>'3'",
    "foo; python_version >= '3.8' and python_version < \"3.12\"",
    "foo; os_name == 'nt' or sys_platform == 'darwin' and python_version < '3.9'",
    "foo; (os_name == 'nt' or sys_platform == 'darwin') and python_version < '3.9'",
    "foo; ((python_version < '3.9'))",
    "foo; python_version < '3.9' and ((os_name == 'nt'))",
    "foo; python_version < '3.9' and ((os_name == 'nt' or os_name == 'posix'))",
    "foo; ( python_version < '3.9' )",
    "foo; '3.8' < python_version",
    "foo; '3.8' <= python_full_version",
    "foo; python_full_version ~= '3.8.1'",
    "foo; python_version ~= '3'",
    "foo; python_version === '3.8'",
    "foo; python_version == '3.8.*'",
    "foo; python_version != '3.*'",
    "foo; python_version == 'banana'",
    "foo; python_version < 'banana'",
    "foo; platform_release >= '5.0'",
    "foo; implementation_version > '3.8.0'",
    "foo; extra == 'Te_St'",
    "foo; extra == 'socks'",
    "foo; 'Socks' == extra",
    "foo; extra != 'test'",
    "foo; extra == 'test' or extra == 'dev'",
    "foo; extra < 'test'",
    "foo; extra in 'testing'",
    "foo; 'linux' in sys_platform",
    "foo; 'lin' not in sys_platform",
    "foo; 'x' not  \t in platform_machine",
    "foo; platform_machine in 'x86_64 AMD64'",
    "foo; os.name == 'posix'",
    "foo; sys.platform == 'linux'",
    "foo; platform.machine == 'arm64'",
    "foo; platform.version == '#1 SMP'",
    "foo; platform.python_implementation == 'CPython'",
    "foo; python_implementation == 'PyPy'",
    "foo; platform_python_implementation != 'PyPy'",
    "foo; implementation_name == 'cpython'",
    "foo; platform_system == 'Windows'",
    "foo; os_name == os_name",
    "foo; 'os_name' == 'os_name'",
    'foo; "it\'s" == os_name',
    "foo; os_name == 'say \"hi\"'",
    "foo; os_name == 'a\\tb'",
    "foo; os_name == '\\x41'",
    "foo; os_name == 'caf\u00e9'",
    "foo; os_name == ''",
    "foo; python_version>'3'and os_name=='nt'",
    "foo; (python_version>'3')and(os_name=='nt')",
    "foo; python_version>'3'or os_name=='nt'",
    "foo; 'Foo' in extras",
    "foo; 'Dev.Group' in dependency_groups",
    "foo; extras == 'x'",
    "foo @ https://example.org/foo-1.0.whl",
    "foo @https://example.org/foo-1.0.whl",
    "foo@https://example.org/foo-1.0.whl",
    "foo @ https://example.org/foo-1.0.whl ",
    "foo @ https://example.org/foo-1.0.whl ; python_version < '3.9'",
    "foo @ https://example.org/foo-1.0.whl\t;extra=='x'",
    "foo[bar] @ git+https://github.com/x/foo@v1.0#egg=foo",
    "foo @ file:///tmp/a;b",
    "foo @ https://example.org/x.whl;python_version<'3'",
    "foo===caf\u00e9",
    "foo>=1.0; python_version == '2.7' or python_version >= '3.6' and platform_system != 'Windows'",
    "foo;" + "(" * 50 + "os_name == 'nt'" + ")" * 50,
    "foo;" + "(" * 200 + "os_name == 'nt'" + ")" * 200,
    "foo>=1.0,!=1.1,<2.0",
    "foo>=1.0,>=1.0",
    "foo (==1.0.0)",
    "foo[a.b,c-d,e_f]",
    "foo;python_version<'3.10'and'linux'in sys_platform",
]

INVALID = [
    "",
    "   ",
    "-foo",
    ".foo",
    "foo bar",
    "foo[bar baz]",
    "foo[bar,]",
    "foo[,bar]",
    "foo[bar",
    "foo[bar]]",
    "foo(>=1.0",
    "foo (>=1.0))",
    "foo >=1.0 >=2",
    "foo>=1.0,,<2",
    "foo ,",
    "foo>=1.0.*",
    "foo>=1.0+local",
    "foo==1.0.*+local",
    "foo~=1",
    "foo>=",
    "foo>=1.0; ",
    "foo;",
    "foo; python_version",
    "foo; python_version <",
    "foo; python_version < 3.8",
    "foo; python_version << '3.8'",
    "foo; python_version not '3.8'",
    "foo; 'a' notin extras",
    "foo; 'a' not\nin extras",
    "foo; python_version < '3.8' and",
    "foo; python_version < '3.8' xor os_name == 'nt'",
    "foo; (python_version < '3.8'",
    "foo; python_version < '3.8')",
    "foo; python_version < '3.8",
    "foo; unknown_var == '1'",
    "foo; os_name == '\\N{NOT A NAME}'",
    "foo; os_name == 'a\nb'",
    "foo; python_version>'3'andos_name=='nt'",
    "foo @",
    "foo @ ",
    "foo @ https://example.org/x.whl; python_version<'3'",
    "foo @ https://example.org/x.whl\n; python_version<'3'",
    "foo @ https://example.org/x.whl extra",
    "foo >= 1.0 @ https://example.org/x.whl",
    "foo==caf\u00e9",
    "foo[caf\u00e9]",
    "caf\u00e9",
    "foo;" + "(" * 201 + "os_name == 'nt'" + ")" * 201,
    "foo\n",
    "foo; os_name == 'nt' ;",
    "foo[bar] [baz]",
]

MARKERS = [
    "python_version < '3.10'",
    "  python_version < '3.10'  ",
    "(python_version < '3.10')",
    "extra == 'Fancy.Feature'",
    "'Fancy.Feature' == extra",
    "python_version >= '3' or extra == 'x' and os_name == 'nt'",
    "python_version < '3.8' or python_version >= '3.12' or sys_platform == 'win32'",
    "'x' in extras",
    "extras == 'x'",
    "dependency_groups != 'x'",
    "'grp' in dependency_groups",
    "os_name ~= 'posix'",
    "os_name === 'posix'",
    "python_version == python_version",
    "'3.8' == 'python_version'",
    "'a' == 'b'",
    "",
    "python_version <",
    "os_name == 'nt' extra",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_corpus(text: str) -> None:
    assert _same_requirement(text, GRID) == "valid"


@pytest.mark.parametrize("text", INVALID)
def test_invalid_corpus(text: str) -> None:
    assert _same_requirement(text) == "invalid"


@pytest.mark.parametrize("text", MARKERS)
def test_marker_corpus(text: str) -> None:
    _same_marker(text, GRID)


def test_marker_contexts_and_partial_environments() -> None:
    envs: list[dict[str, object] | None] = [
        None,
        {},
        {"extra": None},
        {"extra": ["Test", "dev"]},
        {"extras": {"Foo"}, "dependency_groups": frozenset({"grp"})},
        {"extras": "foo"},
        {"python_full_version": "3.12.1+"},
        {"python_version": "3.7", "extra": "X.y"},
    ]
    for text, env, context in itertools.product(
        MARKERS[:15], envs, ["metadata", "lock_file", "requirement"]
    ):
        try:
            theirs = pmarkers.Marker(text)
        except pmarkers.InvalidMarker:
            continue
        assert _outcome(Marker(text), env, context) == _outcome(theirs, env, context), (
            text,
            env,
            context,
        )


def test_value_with_both_quotes_cannot_be_written() -> None:
    assert _same_requirement("foo; os_name == '\\x22\\x27'") == "valid"
    assert _same_marker("os_name == '\\x22\\x27'", SMALL_GRID) == "valid"
    with pytest.raises(ValueError, match="both quote"):
        str(Marker("os_name == '\\x22\\x27'"))


def test_host_environment_matches_packaging() -> None:
    assert pep508.default_environment() == pmarkers.default_environment()
    for text in MARKERS[:15]:
        for context in ("metadata", "lock_file", "requirement"):
            expected = _outcome(pmarkers.Marker(text), None, context)
            assert _outcome(Marker(text), None, context) == expected, (text, context)


def test_value_semantics() -> None:
    req = parse_requirement("Foo.Bar[B,a] >=1.0 ; extra == 'X'")
    assert parse_requirement("Foo.Bar[B,a] >=1.0 ; extra == 'X'") is req
    same = Requirement("foo-bar[A,b]>=1.0.0;extra=='x'")
    assert req == same
    assert hash(req) == hash(same)
    assert req != Requirement("foo-bar[a,b]>=1.1;extra=='x'")
    assert req.__eq__(preqs.Requirement("foo-bar")) is NotImplemented
    assert sorted(req.extras) == ["B", "a"]
    with pytest.raises(AttributeError):
        req.name = "x"
    with pytest.raises(AttributeError):
        req.marker.__setattr__("_text", "x")
    assert pickle.loads(pickle.dumps(req)) == req
    assert copy.copy(req) is req
    assert copy.deepcopy(req) is req
    assert Marker("os_name=='nt'") == Marker('os_name == "nt"')
    assert len({Marker("os_name=='nt'"), Marker('os_name == "nt"')}) == 1
    assert pickle.loads(pickle.dumps(Marker("extra=='A'"))) == Marker("extra == 'a'")
    moved = req.with_marker(Marker("os_name == 'nt'"))
    assert str(moved) == 'Foo.Bar[B,a]>=1.0; os_name == "nt"'
    assert str(req.with_marker(None)) == "Foo.Bar[B,a]>=1.0"
    assert repr(Marker("os_name=='nt'")) == "<Marker('os_name == \"nt\"')>"


def test_marker_combination_matches_packaging() -> None:
    texts = ["os_name == 'nt'", "python_version < '3' or extra == 'x'", "(a_b)"]
    pairs = [(a, b) for a in texts[:2] for b in texts[:2]]
    for a, b in pairs:
        assert str(Marker(a) & Marker(b)) == str(pmarkers.Marker(a) & pmarkers.Marker(b))
        assert str(Marker(a) | Marker(b)) == str(pmarkers.Marker(a) | pmarkers.Marker(b))


def test_error_carries_packaging_fields() -> None:
    with pytest.raises(InvalidRequirement) as info:
        Requirement("foo bar")
    assert info.value.source == "foo bar"
    assert info.value.span == (4, 4)
    assert info.value.message.startswith("Expected semicolon")
    with pytest.raises(InvalidRequirement, match="Expected comma") as info:
        Requirement("foo>=1,<=")
    assert info.value.span == (3, 7)


def test_import_is_light() -> None:
    forbidden = [
        "packaging.requirements",
        "packaging.markers",
        "packaging._parser",
        "packaging._tokenizer",
        "packaging.utils",
        "packaging.tags",
        "dataclasses",
        "inspect",
        "logging",
        "subprocess",
        "platform",
        "ast",
    ]
    code = (
        "import sys\nimport compatlib.values.pep508 as m\n"
        "m.parse_requirement(\"foo[x]>=1; python_version < '3.9' and extra == 'x'\")\n"
        f"print(','.join(n for n in {forbidden!r} if n in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


# --------------------------------------------------------------------------- real metadata
_MIRRORS = [Path("/opt/pypi/files"), Path("/opt/pypi-more/files")]


@pytest.fixture(scope="module")
def real_requirements() -> list[str]:
    wheels = sorted(w for d in _MIRRORS if d.is_dir() for w in d.glob("*.whl"))
    if not wheels:
        pytest.skip("local PyPI mirror not present")
    found: set[str] = set()
    parser = email.parser.HeaderParser()
    for wheel in wheels:
        try:
            with zipfile.ZipFile(wheel) as archive:
                names = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
                if not names:
                    continue
                text = archive.read(names[0]).decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError):
            continue
        found.update(parser.parsestr(text).get_all("Requires-Dist") or [])
    return sorted(found)


def test_real_requires_dist(real_requirements: list[str]) -> None:
    outcomes = {"valid": 0, "invalid": 0}
    for text in real_requirements:
        outcomes[_same_requirement(text)] += 1
    assert outcomes["valid"] > 1000, outcomes
    print(f"{len(real_requirements)} distinct Requires-Dist strings: {outcomes}")


def test_real_markers_evaluate_alike(real_requirements: list[str]) -> None:
    markers = sorted({t.split(";", 1)[1] for t in real_requirements if ";" in t})
    checked = 0
    for text in markers:
        try:
            theirs = pmarkers.Marker(text)
        except pmarkers.InvalidMarker:
            continue
        _same_evaluation(Marker(text), theirs, GRID)
        checked += 1
    assert checked > 200
    print(f"{checked} distinct markers evaluated over {len(GRID)} environments")


# --------------------------------------------------------------------------- generated
_ws = st.sampled_from(["", "", " ", "  ", "\t"])
_name = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?", fullmatch=True) | (
    st.sampled_from(["a-", "_a", "a_", "a..b", "1", "é", "a.", "A-b_C"])
)
_version = st.sampled_from(
    ["1", "1.0", "1.0.*", "1.*", "2!1.0rc1", "1.0.post1", "1.0+loc.1", "1.0.dev0", "v1", "foo", ""]
)
_op = st.sampled_from(["==", "!=", ">=", "<=", "<", ">", "~=", "===", "=", "=>"])
_spec = st.builds(lambda o, w, v: o + w + v, _op, _ws, _version)
_spec_list = st.lists(st.tuples(_spec, _ws, _ws), max_size=3).map(
    lambda items: ",".join(w1 + s + w2 for s, w1, w2 in items)
)
_variable = st.sampled_from(
    [
        "python_version",
        "python_full_version",
        "os_name",
        "os.name",
        "sys_platform",
        "platform_machine",
        "platform.python_implementation",
        "python_implementation",
        "implementation_version",
        "platform_release",
        "extra",
        "extras",
        "dependency_groups",
        "platform_system",
    ]
)
_literal = st.sampled_from(
    [
        "3.8",
        "3.10",
        "3",
        "3.9.*",
        "linux",
        "win32",
        "nt",
        "Test",
        "socks",
        "x86_64",
        "",
        "1.0",
        "CPython",
    ]
)
_quoted = st.builds(lambda q, v: q + v + q, st.sampled_from(["'", '"']), _literal)
_marker_op = st.sampled_from(["==", "!=", "<", ">=", "~=", "===", "in", "not in", "not  in"])
_item = st.builds(
    lambda a, w1, o, w2, b: a + w1 + o + w2 + b,
    _variable | _quoted,
    _ws,
    _marker_op,
    _ws,
    _quoted | _variable,
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    paren = st.builds(lambda w1, m, w2: "(" + w1 + m + w2 + ")", _ws, children, _ws)
    joined = st.builds(
        lambda a, w1, o, w2, b: a + w1 + o + w2 + b,
        children,
        _ws,
        st.sampled_from(["and", "or"]),
        _ws,
        children,
    )
    return paren | joined


_marker = st.recursive(_item, _combine, max_leaves=6)
_extras = st.lists(_name, max_size=3).map(lambda xs: "[" + " , ".join(xs) + "]") | st.just("")
_url = st.sampled_from(["https://e.org/x-1.0.whl", "git+https://g.org/x@v1#egg=x", "file:///a;b"])
_details = (
    st.builds(lambda s: s, _spec_list)
    | st.builds(lambda s, w: "(" + w + s + w + ")", _spec_list, _ws)
    | st.builds(lambda w, u: "@" + w + u + " ", _ws, _url)
)
_requirement = st.builds(
    lambda w0, n, w1, e, w2, d, m: w0 + n + w1 + e + w2 + d + m,
    _ws,
    _name,
    _ws,
    _extras,
    _ws,
    _details,
    st.none().map(lambda _: "") | st.builds(lambda w, m: ";" + w + m, _ws, _marker),
)
_junk = st.text(alphabet="abo rnid[]();,@<>=!~'\"\t\n\xa0.*-_19é\\x", max_size=30)


@settings(max_examples=600)
@given(_requirement)
def test_generated_requirements(text: str) -> None:
    _same_requirement(text, SMALL_GRID)


@settings(max_examples=300)
@given(_marker)
def test_generated_markers(text: str) -> None:
    _same_marker(text, SMALL_GRID)


@settings(max_examples=600)
@given(_junk | st.builds(lambda a, b: a + b, _requirement, _junk))
def test_generated_junk(text: str) -> None:
    _same_requirement(text)
    _same_marker(text, SMALL_GRID[:2])


def test_marker_atoms_as_data() -> None:
    marker = Marker(
        'python_version < "3.10" and (sys_platform == "linux" or "x86" in platform_machine)'
        ' or extra == "gpu"'
    )
    assert marker.atoms() == (
        ("python_version", "<", "3.10", False),
        ("sys_platform", "==", "linux", False),
        ("platform_machine", "in", "x86", True),
        ("extra", "==", "gpu", False),
    )
    assert Marker("'3.8' <= python_version").atoms() == (("python_version", "<=", "3.8", True),)
    # two variables (or two literals) compared: no atom of a variable with a literal
    assert Marker("python_version == python_full_version").atoms() == ()
