from __future__ import annotations

import json

import pytest
from packaging.version import Version

from compatlib.errors import InputError
from compatlib.sources.pypi.simple import parse_html_page, parse_json_page, parse_project_page
from compatlib.values.filenames import parse_dist_filename

PAGE = "https://example.org/simple/demo/"

HTML = """<!DOCTYPE html>
<html><body>
<a href="../../files/demo-1.0-py3-none-any.whl#sha256=AAbb&amp;md5=cc"
   data-requires-python="&gt;=3.8,&lt;4">demo-1.0-py3-none-any.whl</a>
<a href="https://files.example.org/demo-1.1.tar.gz#sha256=dd" data-yanked="">demo-1.1.tar.gz</a>
<a href="/p/demo-1.2-py3-none-any.whl" data-yanked="broken build"
   data-core-metadata="sha256=ee" data-dist-info-metadata="sha256=ff">demo-1.2-py3-none-any.whl</a>
<a href="demo%2B1.3-py3-none-any.whl" data-dist-info-metadata="true">x</a>
<a href="demo-1.4-py3-none-any.whl" data-core-metadata="false">demo-1.4</a>
<a name="anchor-without-href">nothing</a>
</body></html>
"""


def test_html_page_links_hashes_and_attributes() -> None:
    files = parse_html_page(HTML, PAGE)
    assert [f.filename for f in files] == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.1.tar.gz",
        "demo-1.2-py3-none-any.whl",
        "demo+1.3-py3-none-any.whl",
        "demo-1.4-py3-none-any.whl",
    ]
    a, b, c, d, e = files
    assert a.url == "https://example.org/files/demo-1.0-py3-none-any.whl"
    assert a.hashes == (("md5", "cc"), ("sha256", "aabb"))
    assert a.hash() == "aabb"
    assert a.requires_python == ">=3.8,<4"
    assert not a.yanked
    assert a.metadata is None
    assert b.url == "https://files.example.org/demo-1.1.tar.gz"
    assert b.yanked
    assert b.yanked_reason is None
    assert c.url == "https://example.org/p/demo-1.2-py3-none-any.whl"
    assert c.yanked
    assert c.yanked_reason == "broken build"
    # PEP 714: data-core-metadata wins over the older data-dist-info-metadata
    assert c.metadata == (("sha256", "ee"),)
    assert d.metadata == ()
    assert e.metadata is None
    assert all(f.source == PAGE for f in files)


def test_remote_pages_cannot_point_at_local_files() -> None:
    html = (
        '<a href="file:///etc/demo-1.0.tar.gz">a</a>'
        '<a href="javascript:alert(1)">b</a>'
        '<a href="ftp://x/demo-1.1.tar.gz">c</a>'
        '<a href="demo-1.2.tar.gz">d</a>'
    )
    assert [f.filename for f in parse_html_page(html, PAGE)] == ["demo-1.2.tar.gz"]
    local = parse_html_page(html, "file:///srv/simple/demo/")
    assert [f.filename for f in local] == ["demo-1.0.tar.gz", "demo-1.2.tar.gz"]
    doc = {"files": [{"url": "file:///etc/demo-1.0.tar.gz"}, {"url": "demo-1.2.tar.gz"}]}
    assert [f.filename for f in parse_json_page(json.dumps(doc), PAGE)] == ["demo-1.2.tar.gz"]


def test_html_base_href() -> None:
    html = '<html><head><base href="https://mirror.example/pkgs/"></head><body><a href="x-1.0.tar.gz">x</a></body></html>'
    (f,) = parse_html_page(html, PAGE)
    assert f.url == "https://mirror.example/pkgs/x-1.0.tar.gz"


def test_json_page() -> None:
    doc = {
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "files": [
            {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "../../files/demo-1.0-py3-none-any.whl",
                "hashes": {"sha256": "AB", "blake2b_256": "cd", "unknownalgo": "x"},
                "requires-python": ">=3.9",
                "core-metadata": {"sha256": "EF"},
                "size": 1234,
                "yanked": False,
            },
            {
                "filename": "demo-1.1.tar.gz",
                "url": "https://files.example.org/demo-1.1.tar.gz#sha256=99",
                "hashes": {},
                "yanked": "security issue",
                "dist-info-metadata": True,
            },
        ],
    }
    a, b = parse_json_page(json.dumps(doc), PAGE)
    assert a.url == "https://example.org/files/demo-1.0-py3-none-any.whl"
    assert a.hashes == (("sha256", "ab"),)  # unknown algorithms are dropped
    assert a.hash() == "ab"
    assert a.metadata == (("sha256", "ef"),)
    assert a.size == 1234
    assert a.requires_python == ">=3.9"
    assert not a.yanked
    # no JSON hashes: the URL fragment is used
    assert b.hashes == (("sha256", "99"),)
    assert b.url == "https://files.example.org/demo-1.1.tar.gz"
    assert b.yanked
    assert b.yanked_reason == "security issue"
    assert b.metadata == ()


def test_json_errors_point_at_the_page() -> None:
    with pytest.raises(InputError) as info:
        parse_json_page(b"{not json", PAGE)
    assert info.value.source == PAGE
    with pytest.raises(InputError) as info:
        parse_json_page(json.dumps({"meta": {"api-version": "2.0"}, "files": []}), PAGE)
    assert info.value.field == "meta.api-version"
    with pytest.raises(InputError) as info:
        parse_json_page(json.dumps({"files": [{"filename": "x"}]}), PAGE)
    assert info.value.field == "files[0].url"


def test_dispatch_on_content_type() -> None:
    doc = {"meta": {"api-version": "1.0"}, "files": [{"url": "a-1.0.tar.gz"}]}
    (j,) = parse_project_page(json.dumps(doc).encode(), "application/vnd.pypi.simple.v1+json", PAGE)
    assert j.filename == "a-1.0.tar.gz"
    h = parse_project_page(HTML.encode(), "text/html; charset=utf-8", PAGE)
    assert len(h) == 5


def test_parse_dist_filename() -> None:
    w = parse_dist_filename("torch-2.3.1+cu121-cp311-cp311-linux_x86_64.whl")
    assert w is not None
    assert w.kind == "wheel"
    assert w.name == "torch"
    assert w.version == Version("2.3.1+cu121")
    assert {str(t) for t in w.tags} == {"cp311-cp311-linux_x86_64"}
    s = parse_dist_filename("Foo_Bar-1.0.post1.tar.gz")
    assert s is not None
    assert s.kind == "sdist"
    assert s.name == "foo-bar"
    z = parse_dist_filename("foo-2.0.zip")
    assert z is not None
    assert z.version == Version("2.0")
    assert parse_dist_filename("foo-1.0.egg") is None
    assert parse_dist_filename("foo-1.0.tar.bz2") is None
    assert parse_dist_filename("not a wheel.whl") is None
