"""compatlib.values.urls: file URLs and paths, both ways, on POSIX and Windows rules.

The Windows rules are checked on any machine through ``file_url_to_path(...,
windows=True)``, against the paths :class:`pathlib.PureWindowsPath` writes as
URLs and against the standard library's own Windows reader (``nturl2path``).
"""

from __future__ import annotations

import nturl2path
import os
import sys
import urllib.request
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compatlib.errors import InputError
from compatlib.values.urls import (
    file_url_to_path,
    is_file_url,
    path_to_url,
    redact_url,
    url_filename,
    url_to_path,
)

POSIX = [
    ("file:///tmp/a%20b/c", "/tmp/a b/c"),
    ("file:///tmp/a%23b", "/tmp/a#b"),  # an encoded '#' is part of the name
    ("file:///tmp/wheel.whl#sha256=abc", "/tmp/wheel.whl"),  # a fragment is not
    ("file:///tmp/x?query=1", "/tmp/x"),
    ("file:///tmp/100%25", "/tmp/100%"),
    ("file:///tmp/a%2525b", "/tmp/a%25b"),  # decoded once, never twice
    ("file://localhost/tmp/x", "/tmp/x"),
    ("FILE://LOCALHOST/tmp/x", "/tmp/x"),
    ("file:/tmp/x", "/tmp/x"),
    ("file:///tmp/%C3%A9t%C3%A9", "/tmp/été"),
    ("file:///C:/x", "/C:/x"),  # a drive letter means nothing on POSIX
    ("file:wheels", "wheels"),  # relative: left to the caller's working folder
]

WINDOWS = [
    ("file:///C:/Users/a%20b/x.whl", "C:\\Users\\a b\\x.whl"),
    ("file:///c:/x%23y/100%25", "c:\\x#y\\100%"),
    ("file://localhost/C:/x", "C:\\x"),
    ("file:///C|/x", "C:\\x"),  # the old '|' drive spelling
    ("file://C:/x/y", "C:\\x\\y"),  # a drive where the host goes, as some tools write
    ("file:///C:/", "C:\\"),
    ("file:///D:/w.whl#sha256=abc", "D:\\w.whl"),
    ("file://server/share/a%20b", "\\\\server\\share\\a b"),  # UNC
    ("file:///x/y", "\\x\\y"),
]


@pytest.mark.parametrize(("url", "path"), POSIX)
def test_posix_rules(url: str, path: str) -> None:
    assert file_url_to_path(url, windows=False) == path


@pytest.mark.parametrize(("url", "path"), WINDOWS)
def test_windows_rules(url: str, path: str) -> None:
    assert file_url_to_path(url, windows=True) == path


def test_errors_are_input_errors_and_value_errors() -> None:
    with pytest.raises(InputError, match="not a file URL") as info:
        file_url_to_path("https://example.com/x", windows=False)
    assert isinstance(info.value, ValueError)
    with pytest.raises(InputError, match="with a host is not supported"):
        file_url_to_path("file://server/share/x", windows=False)


def test_is_file_url_and_url_filename() -> None:
    assert is_file_url("file:///x")
    assert is_file_url("FILE:/x")
    assert not is_file_url("https://h/file:x")
    assert not is_file_url("/file:")
    assert url_filename("https://h/a/torch-2.1%2Bcu121-cp311.whl#sha256=x") == (
        "torch-2.1+cu121-cp311.whl"
    )
    assert url_filename("https://h/simple/torch/") == ""
    assert url_filename("file:///tmp/a%20b.tar.gz?x=1") == "a b.tar.gz"


@pytest.mark.skipif(os.name == "nt", reason="POSIX file names")
def test_real_paths_round_trip(tmp_path: Path) -> None:
    for name in ("a b", "c#d", "100%", "%41", "é", "x?y", "semi;colon", "tab\there"):
        folder = tmp_path / name
        folder.mkdir()
        url = path_to_url(folder)
        assert url.startswith("file:///")
        assert " " not in url
        assert "#" not in url.split("file://", 1)[1]
        assert url_to_path(url) == folder.resolve()
    # not UTF-8: the same bytes come back
    odd = Path(os.fsdecode(b"/tmp/\xff\xfe-name"))
    assert url_to_path(odd.as_uri()) == odd


@pytest.mark.skipif(os.name == "nt", reason="POSIX symbolic links")
def test_resolve_false_keeps_the_path_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(tmp_path)
    assert path_to_url("link") == real.resolve().as_uri()
    assert path_to_url("link", resolve=False) == (tmp_path / "link").as_uri()


_NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\:\x00"),
    min_size=1,
    max_size=12,
).filter(lambda s: s not in (".", "..") and s.strip() == s and not s.endswith("."))
_PARTS = st.lists(_NAME, min_size=1, max_size=4)


@settings(max_examples=80, deadline=None)
@given(_PARTS)
def test_posix_paths_survive_the_trip_and_match_the_standard_library(parts: list[str]) -> None:
    path = PurePosixPath("/", *parts)
    url = path.as_uri()
    assert file_url_to_path(url, windows=False) == str(path)
    if sys.platform != "win32":
        assert file_url_to_path(url, windows=False) == urllib.request.url2pathname(url[7:])


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["C:/", "d:/", "//server/share/"]), _PARTS)
def test_windows_paths_survive_the_trip_and_match_the_standard_library(
    root: str, parts: list[str]
) -> None:
    path = PureWindowsPath(root, *parts)
    url = path.as_uri()
    assert file_url_to_path(url, windows=True) == str(path)
    theirs = nturl2path.url2pathname(url[len("file:") :])  # it upper-cases the drive
    assert PureWindowsPath(file_url_to_path(url, windows=True)) == PureWindowsPath(theirs)


@pytest.mark.parametrize(
    ("url", "dropped", "masked"),
    [
        (
            "https://u:p@h.example:8443/x?y#z",
            "https://h.example:8443/x?y#z",
            "https://****@h.example:8443/x?y#z",
        ),
        (
            "https://token@h.example/simple",
            "https://h.example/simple",
            "https://****@h.example/simple",
        ),
        ("https://h.example/x@y", "https://h.example/x@y", "https://h.example/x@y"),
        ("not a url", "not a url", "not a url"),
        # urlsplit refuses these: what precedes the last '@' may be a credential
        ("https://u:p@[h/x", "[h/x", "****@[h/x"),
    ],
)
def test_redact_url(url: str, dropped: str, masked: str) -> None:
    assert redact_url(url) == dropped
    assert redact_url(url, mask="****") == masked


def test_no_credential_helper_keeps_a_password_of_an_unsplittable_url() -> None:
    from compatlib.sources.conda.naming import strip_credentials
    from compatlib.specs.model import redact_url as redact_for_display

    url = "https://user:secret@[h/t/tok-1/conda-forge"
    for helper in (redact_url, redact_for_display, strip_credentials):
        assert "secret" not in helper(url)
