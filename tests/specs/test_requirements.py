"""requirements.txt reading: pip's line rules, options, includes and error reporting."""

from __future__ import annotations

from pathlib import Path

import pytest

from compatlib.errors import InputError
from compatlib.specs import (
    Hash,
    IndexOptions,
    Location,
    parse_requirement,
    read_requirements,
    read_spec,
    redact_url,
)
from compatlib.values.pep508 import Requirement

FIXTURES = Path(__file__).parent / "fixtures" / "requirements"
NO_ENV: dict[str, str] = {}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the ML fixture


def test_fixture_requirements_in_pip_order_with_includes_first() -> None:
    spec = read_requirements(FIXTURES / "requirements.txt", environ=NO_ENV)
    names = [p.name for p in spec.pip]
    assert names == [
        "transformers",
        "accelerate",
        "rich",
        "torch",
        "torchvision",
        "numpy",
        "nvidia-cudnn-cu12",
        "flash-attn",
        "peft",
    ]
    assert spec.sources == (
        str(FIXTURES / "requirements.txt"),
        str(FIXTURES / "base.txt"),
        str(FIXTURES / "common" / "logging.txt"),
        str(FIXTURES / "constraints.txt"),
    )


def test_fixture_locations_point_at_the_including_files() -> None:
    spec = read_requirements(FIXTURES / "requirements.txt", environ=NO_ENV)
    by_name = {str(p.name): p for p in spec.pip}
    assert by_name["transformers"].location == Location(str(FIXTURES / "base.txt"), 1)
    assert by_name["rich"].location == Location(str(FIXTURES / "common" / "logging.txt"), 1)
    # a continued line keeps the number of its first physical line
    assert by_name["torch"].location == Location(str(FIXTURES / "requirements.txt"), 7)
    assert by_name["torchvision"].location.line == 10


def test_fixture_hashes_markers_urls_and_editables() -> None:
    spec = read_requirements(FIXTURES / "requirements.txt", environ=NO_ENV)
    by_name = {str(p.name): p for p in spec.pip}
    torch = by_name["torch"]
    assert torch.hashes == (Hash("sha256", "1" * 64), Hash("sha256", "2" * 64))
    assert str(torch.hashes[0]) == "sha256:" + "1" * 64
    assert torch.requirement == Requirement("torch==2.1.2+cu121")
    assert torch.text == "torch==2.1.2+cu121"
    numpy = by_name["numpy"]
    assert numpy.requirement is not None
    assert str(numpy.requirement.marker) == 'python_version >= "3.10"'
    assert numpy.text == 'numpy>=1.24,<2 ; python_version >= "3.10"'  # comment removed
    flash = by_name["flash-attn"]
    assert flash.url is not None
    assert flash.url.endswith("linux_x86_64.whl")
    assert not flash.editable
    peft = by_name["peft"]
    assert peft.editable
    assert peft.url == "git+https://github.com/huggingface/peft.git@v0.10.0#egg=peft"
    assert peft.requirement == Requirement("peft")


def test_fixture_constraints_and_index() -> None:
    spec = read_requirements(FIXTURES / "requirements.txt", environ=NO_ENV)
    assert [str(c) for c in spec.constraints] == ["urllib3<2", "protobuf<5"]
    assert spec.constraints[0].location == Location(str(FIXTURES / "constraints.txt"), 2)
    assert spec.indexes.index_url is None
    assert [u.value for u in spec.indexes.extra_index_urls] == [
        "https://download.pytorch.org/whl/cu121"
    ]
    assert spec.indexes.extra_index_urls[0].location.line == 3
    assert spec.conda == ()
    assert spec.channels == ()
    assert spec.python == ()


def test_reading_is_deterministic_and_hashable() -> None:
    first = read_requirements(FIXTURES / "requirements.txt", environ=NO_ENV)
    second = read_requirements(FIXTURES / "requirements.txt", environ=NO_ENV)
    assert first == second
    assert hash(first) == hash(second)


def test_read_spec_dispatches_txt() -> None:
    spec = read_spec(FIXTURES / "requirements.txt", environ=NO_ENV)
    assert spec == read_requirements(FIXTURES / "requirements.txt", environ=NO_ENV)


# --------------------------------------------------------------------------- line rules


def test_comments_blank_lines_and_url_fragments(tmp_path: Path) -> None:
    spec = read_requirements(
        write(
            tmp_path,
            "r.txt",
            "# full-line comment\n\n   \nrequests  # trailing\n"
            "pkg @ https://host/pkg-1.0.tar.gz#sha256=abc\n",
        ),
        environ=NO_ENV,
    )
    assert [p.text for p in spec.pip] == [
        "requests",
        "pkg @ https://host/pkg-1.0.tar.gz#sha256=abc",
    ]
    assert [p.location.line for p in spec.pip] == [4, 5]


def test_continuations_join_and_comment_line_ends_them(tmp_path: Path) -> None:
    text = "numpy\\\n>=1.24\nscipy \\\n# a comment ends the continuation\nrich\nlast \\\n"
    spec = read_requirements(write(tmp_path, "r.txt", text), environ=NO_ENV)
    assert [(p.text, p.location.line) for p in spec.pip] == [
        ("numpy>=1.24", 1),
        ("scipy", 3),
        ("rich", 5),
        ("last", 6),
    ]


def test_environment_variables_expand_like_pip(tmp_path: Path) -> None:
    text = (
        "--index-url https://${PIP_USER}:${PIP_TOKEN}@pkgs.example.com/simple\n"
        "torch==${TORCH_VERSION}\n"
        "unset==${UNSET_VAR}.0\n"
        "lower==${lower}\n"
    )
    path = write(tmp_path, "r.txt", text)
    with pytest.raises(InputError) as info:
        read_requirements(path, environ={"PIP_USER": "me", "TORCH_VERSION": "2.1.2"})
    # ${UNSET_VAR} stays as written (pip leaves unknown variables) and is then invalid
    assert info.value.line == 3
    env = {
        "PIP_USER": "me",
        "PIP_TOKEN": "s3cret",
        "TORCH_VERSION": "2.1.2",
        "UNSET_VAR": "1",
        "lower": "9",
    }
    path = write(tmp_path, "r.txt", text.replace("lower==${lower}", "lower"))
    spec = read_requirements(path, environ=env)
    assert [p.text for p in spec.pip] == ["torch==2.1.2", "unset==1.0", "lower"]
    assert spec.indexes.index_url is not None
    assert spec.indexes.index_url.value == "https://me:s3cret@pkgs.example.com/simple"
    redacted = spec.indexes.redacted().index_url
    assert redacted is not None
    assert redacted.value == "https://****@pkgs.example.com/simple"


def test_lower_case_and_dollar_forms_are_not_expanded(tmp_path: Path) -> None:
    spec = read_requirements(
        write(tmp_path, "r.txt", "--extra-index-url https://h/$HOME/${home}/simple\n"),
        environ={"HOME": "/root", "home": "x"},
    )
    assert spec.indexes.extra_index_urls[0].value == "https://h/$HOME/${home}/simple"


def test_empty_variable_is_left_alone(tmp_path: Path) -> None:
    spec = read_requirements(write(tmp_path, "r.txt", "-f ${EMPTY}\n"), environ={"EMPTY": ""})
    assert spec.indexes.find_links[0].value == str(tmp_path / "${EMPTY}")


# --------------------------------------------------------------------------- options


def test_index_and_install_options(tmp_path: Path) -> None:
    text = (
        "-i https://pypi.example.com/simple\n"
        "--extra-index-url=https://download.pytorch.org/whl/cu121\n"
        "--extra-index-url https://pypi.nvidia.com\n"
        "-f ./wheels\n"
        "--find-links https://data.pyg.org/whl/torch-2.1.0+cu121.html\n"
        "--trusted-host pypi.example.com\n"
        "--pre\n--prefer-binary\n--require-hashes\n"
        "--no-binary :all:\n--only-binary Torch_Scatter,numpy\n"
        "--use-feature truststore\n"
        "--no-index\n"
    )
    spec = read_requirements(write(tmp_path, "r.txt", text), environ=NO_ENV)
    idx = spec.indexes
    assert idx.index_url is not None
    assert idx.index_url.value == "https://pypi.example.com/simple"
    assert idx.index_url.location == Location(str(tmp_path / "r.txt"), 1, 1)
    assert [u.value for u in idx.extra_index_urls] == [
        "https://download.pytorch.org/whl/cu121",
        "https://pypi.nvidia.com",
    ]
    assert [u.value for u in idx.find_links] == [
        str(tmp_path / "wheels"),  # relative find-links start at the requirements file
        "https://data.pyg.org/whl/torch-2.1.0+cu121.html",
    ]
    assert [h.value for h in idx.trusted_hosts] == ["pypi.example.com"]
    assert idx.no_index
    inst = spec.install
    assert inst.pre
    assert inst.prefer_binary
    assert inst.require_hashes
    assert inst.no_binary == (":all:",)
    assert inst.only_binary == ("torch-scatter", "numpy")
    assert inst.use_features == ("truststore",)
    assert spec.pip == ()


def test_short_option_with_attached_value(tmp_path: Path) -> None:
    text = "-ihttps://mirror/simple?token=a=b\n-rother.txt\n"
    write(tmp_path, "other.txt", "six\n")
    spec = read_requirements(write(tmp_path, "r.txt", text), environ=NO_ENV)
    assert spec.indexes.index_url is not None
    assert spec.indexes.index_url.value == "https://mirror/simple?token=a=b"
    assert [p.text for p in spec.pip] == ["six"]


def test_default_index_options() -> None:
    assert IndexOptions().is_default
    assert not IndexOptions(no_index=True).is_default


def test_per_requirement_options_are_kept(tmp_path: Path) -> None:
    text = "mypkg==1.0 --config-settings=editable_mode=compat --hash=sha512:" + "ab" * 64 + "\n"
    spec = read_requirements(write(tmp_path, "r.txt", text), environ=NO_ENV)
    item = spec.pip[0]
    assert item.options == (("--config-settings", "editable_mode=compat"),)
    assert item.hashes == (Hash("sha512", "ab" * 64),)


def test_hash_digest_is_lower_cased(tmp_path: Path) -> None:
    spec = read_requirements(
        write(tmp_path, "r.txt", "six==1.16.0 --hash=SHA256:" + "AB" * 32 + "\n"), environ=NO_ENV
    )
    assert spec.pip[0].hashes == (Hash("sha256", "ab" * 32),)


# --------------------------------------------------------------------------- direct references


def test_unnamed_wheel_path_and_url_get_their_name(tmp_path: Path) -> None:
    text = (
        "./dist/vision_trainer-0.1.0-py3-none-any.whl\n"
        "https://host/x/torch_scatter-2.1.2-cp311-cp311-linux_x86_64.whl; sys_platform == 'linux'\n"
        "https://host/src/mystery-1.0.tar.gz\n"
        "git+https://github.com/org/tool.git@main#egg=org-tool\n"
    )
    spec = read_requirements(write(tmp_path, "r.txt", text), environ=NO_ENV)
    assert [p.name for p in spec.pip] == ["vision-trainer", "torch-scatter", None, "org-tool"]
    scatter = spec.pip[1]
    assert scatter.requirement is not None
    assert scatter.requirement.marker is not None
    assert scatter.url == "https://host/x/torch_scatter-2.1.2-cp311-cp311-linux_x86_64.whl"
    assert spec.pip[2].url == "https://host/src/mystery-1.0.tar.gz"
    assert spec.pip[2].requirement is None


def test_editables(tmp_path: Path) -> None:
    text = "-e .\n-e .[dev,test]\n--editable ./libs/core#egg=core-lib\n-e . --config-settings=x=y\n"
    spec = read_requirements(write(tmp_path, "r.txt", text), environ=NO_ENV)
    assert all(p.editable for p in spec.pip)
    assert [p.url for p in spec.pip] == [".", ".", "./libs/core#egg=core-lib", "."]
    assert [p.name for p in spec.pip] == [None, None, "core-lib", None]
    assert spec.pip[3].options == (("--config-settings", "x=y"),)


# --------------------------------------------------------------------------- includes


def test_nested_constraints_and_requirements_follow_pip(tmp_path: Path) -> None:
    write(tmp_path, "main.txt", "-c sub/constraints.txt\nflask\n")
    write(tmp_path, "sub/constraints.txt", "werkzeug<3\n-r more.txt\n")
    write(tmp_path, "sub/more.txt", "click\n")
    spec = read_requirements(tmp_path / "main.txt", environ=NO_ENV)
    assert [c.text for c in spec.constraints] == ["werkzeug<3"]
    # pip reads a -r inside a constraints file as requirements, relative to that file
    assert [p.text for p in spec.pip] == ["click", "flask"]


def test_file_url_include(tmp_path: Path) -> None:
    other = write(tmp_path, "other.txt", "rich\n")
    spec = read_requirements(write(tmp_path, "r.txt", f"-r {other.as_uri()}\n"), environ=NO_ENV)
    assert [p.text for p in spec.pip] == ["rich"]


def test_diamond_includes_are_not_cycles(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "-r b.txt\n-r c.txt\n")
    write(tmp_path, "b.txt", "-r d.txt\n")
    write(tmp_path, "c.txt", "-r d.txt\n")
    write(tmp_path, "d.txt", "six\n")
    spec = read_requirements(tmp_path / "a.txt", environ=NO_ENV)
    assert [p.text for p in spec.pip] == ["six", "six"]
    assert spec.sources == tuple(str(tmp_path / n) for n in ("a.txt", "b.txt", "d.txt", "c.txt"))


def test_include_cycle_is_reported_at_the_closing_line(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "six\n-r b.txt\n")
    write(tmp_path, "b.txt", "# comment\n\n-r a.txt\n")
    with pytest.raises(InputError) as info:
        read_requirements(tmp_path / "a.txt", environ=NO_ENV)
    err = info.value
    assert err.source == str(tmp_path / "b.txt")
    assert err.line == 3
    assert "a.txt -> b.txt -> a.txt" in err.message
    assert err.expected == "files that do not include themselves"


def test_self_include(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_requirements(write(tmp_path, "r.txt", "-c r.txt\n"), environ=NO_ENV)
    assert info.value.line == 1
    assert "r.txt -> r.txt" in info.value.message


def test_missing_include_names_the_including_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_requirements(write(tmp_path, "r.txt", "six\n-r nope.txt\n"), environ=NO_ENV)
    err = info.value
    assert (err.source, err.line) == (str(tmp_path / "r.txt"), 2)
    assert "nope.txt" in err.message
    assert err.expected == "an existing, readable file"


def test_missing_top_level_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_requirements(tmp_path / "absent.txt", environ=NO_ENV)
    assert info.value.source == str(tmp_path / "absent.txt")
    assert info.value.line is None


def test_remote_include_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_requirements(
            write(tmp_path, "r.txt", "\n-r https://example.com/reqs.txt\n"), environ=NO_ENV
        )
    assert info.value.line == 2
    assert info.value.column == 1
    assert "remote" in info.value.message
    assert info.value.expected is not None
    assert "local path" in info.value.expected


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "expected"),
    [
        ("six\ntorch==2.1 foo\n", 2, 12, "invalid requirement", "PEP 508"),
        ("numpy>=1.24 ; python_version >< '3'\n", 1, 31, "invalid requirement", "PEP 508"),
        ("--frobnicate\n", 1, 1, "unknown or unsupported option '--frobnicate'", "--index-url"),
        ("six --hash=md5:abc\n", 1, 5, "invalid --hash value", "sha256, sha384, sha512"),
        ("six --hash=sha256:abc\n", 1, 5, "invalid sha256 digest", "64 hexadecimal digits"),
        ("six --hash=sha256\n", 1, 5, "invalid --hash value", "ALGORITHM:HEXDIGEST"),
        (
            "--hash=sha256:" + "a" * 64 + "\n",
            1,
            1,
            "--hash must follow a requirement",
            "REQUIREMENT",
        ),
        ("torch --index-url https://x\n", 1, 7, "cannot be used on a requirement line", "--hash"),
        ("-e . -e ./other\n", 1, 6, "only one -e", "one -e per line"),
        (
            "-e . --hash=sha256:" + "a" * 64 + "\n",
            1,
            6,
            "cannot be used on an editable",
            "--config-settings",
        ),
        ("six -e .\n", 1, 5, "both a requirement and -e", "separate lines"),
        ("\n\n-r\n", 3, 1, "option -r needs a value", "-r VALUE"),
        ("--pre=yes\n", 1, 1, "takes no value", "--pre alone"),
        ("six --hash 'sha256:abc\n", 1, 5, "cannot split options", "balanced quotes"),
        ("--no-binary 'bad name!'\n", 1, 1, "invalid package name", ":all:"),
        ("./local/dir[extra]\n", 1, 1, "cannot tell the project name", "#egg=name"),
        ("six -- x\n", 1, 5, "unknown or unsupported option '--'", "--index-url"),
    ],
)
def test_line_errors_name_file_line_column_and_expectation(
    tmp_path: Path, text: str, line: int, column: int, message: str, expected: str
) -> None:
    path = write(tmp_path, "requirements.txt", text)
    with pytest.raises(InputError) as info:
        read_requirements(path, environ=NO_ENV)
    err = info.value
    assert err.source == str(path)
    assert err.line == line
    assert err.column == column
    assert message in err.message
    assert err.expected is not None
    assert expected in err.expected
    assert err.text is not None
    assert err.text in text
    assert f"{path}:{line}:{column}: " in str(err)


def test_invalid_requirement_caret_points_at_bad_token(tmp_path: Path) -> None:
    path = write(tmp_path, "r.txt", "torch==2.1 foo\n")
    with pytest.raises(InputError) as info:
        read_requirements(path, environ=NO_ENV)
    rendered = str(info.value).splitlines()
    assert rendered[-2].strip() == "torch==2.1 foo"
    assert rendered[-1].index("^") == rendered[-2].index("foo")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-e ./pkg\n", "editable requirements cannot be constraints"),
        ("torch[cuda]<2.3\n", "has extras"),
        ("https://host/src/mystery-1.0.tar.gz\n", "has no project name"),
    ],
)
def test_constraint_file_restrictions(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "c.txt", "# constraints\n" + text)
    main = write(tmp_path, "r.txt", "-c c.txt\n")
    with pytest.raises(InputError) as info:
        read_requirements(main, environ=NO_ENV)
    assert info.value.source == str(tmp_path / "c.txt")
    assert info.value.line == 2
    assert message in info.value.message
    assert info.value.expected is not None
    assert "-c file" in info.value.expected


def test_non_utf8_file_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(b"six\nna\xefve\n")
    with pytest.raises(InputError) as info:
        read_requirements(path, environ=NO_ENV)
    assert info.value.line == 2
    assert info.value.expected == "UTF-8 text"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(b"\xef\xbb\xbfsix==1.16.0\n")
    assert read_requirements(path, environ=NO_ENV).pip[0].text == "six==1.16.0"


# --------------------------------------------------------------------------- helpers


def test_parse_requirement_for_pep508_strings() -> None:
    where = Location("pyproject.toml", 3, None, "project.dependencies[0]")
    item = parse_requirement("Torch>=2.1 ; sys_platform == 'linux'", where, category="cuda")
    assert item.name == "torch"
    assert item.category == "cuda"
    assert item.location == where
    with pytest.raises(InputError) as info:
        parse_requirement("torch >=", where)
    assert (info.value.source, info.value.line, info.value.field) == (
        "pyproject.toml",
        3,
        "project.dependencies[0]",
    )
    assert info.value.column == 7  # the caret sits under ">="


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://user:pw@host/simple", "https://****@host/simple"),
        ("https://token@host:8443/simple", "https://****@host:8443/simple"),
        ("https://host/simple", "https://host/simple"),
        ("not a url", "not a url"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_category_is_given_to_included_requirements_too(tmp_path: Path) -> None:
    write(tmp_path, "lint.txt", "ruff\n")
    path = write(tmp_path, "requirements-dev.txt", "pytest\n-r lint.txt\n-c c.txt\n")
    write(tmp_path, "c.txt", "pluggy<2\n")
    spec = read_requirements(path, environ=NO_ENV, category="dev")
    assert [(p.text, p.category) for p in spec.pip] == [("pytest", "dev"), ("ruff", "dev")]
    assert spec.constraints[0].category == "dev"
    assert spec.categories == ("dev",)
