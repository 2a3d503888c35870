"""Read pip requirements files (``requirements.txt``, ``constraints.txt``).

The reader follows pip's own rules for the file format:

* a line ending in ``\\`` continues on the next line (the joined line keeps the
  number of its first physical line); a comment line ends a continuation;
* ``#`` starts a comment at the start of a line or after whitespace
  (``pkg@https://host/x#sha`` keeps its fragment);
* ``${NAME}`` (upper-case letters, digits and ``_`` only) is replaced by the
  environment variable ``NAME`` when it is set and not empty, and left as is
  otherwise;
* a line is split at the first space-separated token that starts with ``-``:
  what comes before is the requirement, what comes after are options.

Supported options: ``-r/--requirement`` and ``-c/--constraint`` (paths
relative to the including file; cycles are an error), ``-e/--editable``,
``-i/--index-url``, ``--extra-index-url``, ``--no-index``,
``-f/--find-links``, ``--trusted-host``, ``--pre``, ``--prefer-binary``,
``--require-hashes``, ``--no-binary``, ``--only-binary``, ``--use-feature``
and, on requirement lines, ``--hash``, ``--config-settings`` and
``--global-option``.

Where pip silently ignores a mistake (``--hash`` on a line without a
requirement, ``--index-url`` on a requirement line) this reader raises an
:class:`~compatlib.errors.InputError`, because a lock built from a
misunderstood file is worse than an error.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from compatlib._values import field, value
from compatlib.errors import InputError
from compatlib.specs.model import (
    MAIN_CATEGORY,
    Hash,
    IndexOptions,
    InstallOptions,
    Located,
    Location,
    PipRequirement,
    Spec,
)
from compatlib.values.filenames import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)
from compatlib.values.pep508 import InvalidRequirement, Requirement
from compatlib.values.urls import is_file_url, url_to_path

__all__ = ["HASH_ALGORITHMS", "read_requirements", "parse_requirement"]

HASH_ALGORITHMS: dict[str, int] = {"sha256": 64, "sha384": 96, "sha512": 128}
"""The hash algorithms pip accepts in ``--hash`` and their hex digest lengths."""

_Fail = Callable[[str, "int | None", str], InputError]
"""Builds an InputError about the current line: (message, column, expected)."""

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ENV_VAR_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_NAMED_DIRECT_RE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._\-]*\s*(\[[^\]]*\])?\s*@")
_ARCHIVE_RE = re.compile(r"\.(whl|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar|zip)$", re.IGNORECASE)
_EGG_RE = re.compile(r"[#&]egg=([^&]+)")
_TRAILING_EXTRAS_RE = re.compile(r"^(?P<target>.*?)(?P<extras>\[[^\[\]]*\])$")

# option spelling -> (canonical name, takes a value)
_OPTIONS: dict[str, tuple[str, bool]] = {
    "-r": ("--requirement", True),
    "--requirement": ("--requirement", True),
    "-c": ("--constraint", True),
    "--constraint": ("--constraint", True),
    "-e": ("--editable", True),
    "--editable": ("--editable", True),
    "-i": ("--index-url", True),
    "--index-url": ("--index-url", True),
    "--extra-index-url": ("--extra-index-url", True),
    "--no-index": ("--no-index", False),
    "-f": ("--find-links", True),
    "--find-links": ("--find-links", True),
    "--trusted-host": ("--trusted-host", True),
    "--pre": ("--pre", False),
    "--prefer-binary": ("--prefer-binary", False),
    "--require-hashes": ("--require-hashes", False),
    "--no-binary": ("--no-binary", True),
    "--only-binary": ("--only-binary", True),
    "--use-feature": ("--use-feature", True),
    "--hash": ("--hash", True),
    "--config-settings": ("--config-settings", True),
    "--global-option": ("--global-option", True),
}
_REQUIREMENT_OPTIONS = frozenset({"--hash", "--config-settings", "--global-option"})
_EDITABLE_OPTIONS = frozenset({"--config-settings"})
_EXPECTED_OPTION = "one of " + ", ".join(sorted({name for name, _ in _OPTIONS.values()}))


@value(frozen=False)
class _Collector:
    """Mutable accumulator shared by the requirements and environment.yml readers."""

    pip: list[PipRequirement] = field(default_factory=list)
    constraints: list[PipRequirement] = field(default_factory=list)
    index_url: Located[str] | None = None
    extra_index_urls: list[Located[str]] = field(default_factory=list)
    find_links: list[Located[str]] = field(default_factory=list)
    trusted_hosts: list[Located[str]] = field(default_factory=list)
    no_index: bool = False
    pre: bool = False
    prefer_binary: bool = False
    require_hashes: bool = False
    no_binary: list[str] = field(default_factory=list)
    only_binary: list[str] = field(default_factory=list)
    use_features: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)

    def index_options(self) -> IndexOptions:
        return IndexOptions(
            index_url=self.index_url,
            extra_index_urls=tuple(self.extra_index_urls),
            find_links=tuple(self.find_links),
            trusted_hosts=tuple(self.trusted_hosts),
            no_index=self.no_index,
        )

    def install_options(self) -> InstallOptions:
        return InstallOptions(
            pre=self.pre,
            require_hashes=self.require_hashes,
            prefer_binary=self.prefer_binary,
            no_binary=tuple(self.no_binary),
            only_binary=tuple(self.only_binary),
            use_features=tuple(self.use_features),
        )


@value
class _Context:
    """What a line needs to know about the file it is in."""

    source: str  # the file name shown in messages and locations
    base_dir: Path  # where relative -r/-c/-f paths start
    constraint: bool  # lines are constraints (-c file), not requirements
    stack: tuple[Path, ...]  # resolved files being read, outermost first (cycle check)
    environ: Mapping[str, str]
    category: str = MAIN_CATEGORY


# --------------------------------------------------------------------------- public


def read_requirements(
    path: str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    category: str = MAIN_CATEGORY,
    _seen: tuple[Path, ...] | None = None,
) -> Spec:
    """Read a pip requirements file and the files it includes.

    ``environ`` supplies the values for ``${NAME}`` references (default: the
    process environment, as pip does). ``category`` is given to every
    requirement read (``"dev"`` for a ``requirements-dev.txt``, say), as
    conda-lock's ``category`` key does for environment files. ``_seen`` is the chain of files already
    being read, used to report include cycles; callers leave it out.

    Raises :class:`~compatlib.errors.InputError` naming the file, line and
    offending text for anything pip would reject, for include cycles and for
    missing files.
    """
    collector = _Collector()
    file = Path(path)
    ctx = _Context(
        source=str(file),
        base_dir=file.parent,
        constraint=False,
        stack=_seen or (),
        environ=os.environ if environ is None else environ,
        category=category,
    )
    _read_file(file, ctx, collector, included_from=None)
    return Spec(
        source=str(file),
        pip=tuple(collector.pip),
        constraints=tuple(collector.constraints),
        indexes=collector.index_options(),
        install=collector.install_options(),
        sources=tuple(collector.sources),
    )


def parse_requirement(
    text: str, location: Location, *, category: str = MAIN_CATEGORY
) -> PipRequirement:
    """Parse one PEP 508 requirement string (no pip options) into a :class:`PipRequirement`.

    Used for the strict PEP 508 strings of pyproject.toml; errors name
    ``location`` and point at the offending column of ``text``.
    """
    return PipRequirement(
        requirement=_pep508(text, location), text=text, location=location, category=category
    )


# --------------------------------------------------------------------------- files


def _read_file(
    file: Path, ctx: _Context, collector: _Collector, included_from: Location | None
) -> None:
    resolved = file.resolve()
    if resolved in ctx.stack:
        chain = " -> ".join(p.name for p in (*ctx.stack[ctx.stack.index(resolved) :], resolved))
        where = included_from or Location(str(file))
        raise InputError(
            f"requirements files include each other in a cycle: {chain}",
            source=where.source,
            line=where.line,
            field=where.field,
            expected="files that do not include themselves",
        )
    # lazy: only _read_file needs compatlib._input, which loads 1 module that importing this one does not
    from compatlib._input import decode_text, read_bytes

    what = "included requirements file" if included_from else "requirements file"
    try:
        raw = read_bytes(file, what=what)  # bounded: "-r /dev/zero" must not fill memory
    except InputError as exc:
        if included_from is None:
            raise
        raise InputError(  # at the line that includes it
            f"{exc.message}: {str(file)!r}",
            source=included_from.source,
            line=included_from.line,
            field=included_from.field,
            expected=exc.expected,
        ) from None
    content = decode_text(raw, source=str(file), what=what)
    collector.add_source(str(file))
    inner = _Context(
        source=str(file),
        base_dir=file.parent,
        constraint=ctx.constraint,
        stack=(*ctx.stack, resolved),
        environ=ctx.environ,
        category=ctx.category,
    )
    for lineno, text in _logical_lines(content):
        _handle_line(text, Location(str(file), lineno), inner, collector)


def _logical_lines(content: str) -> Iterator[tuple[int, str]]:
    """pip's preprocessing: join continuations, drop comments and blank lines."""
    pending: list[str] = []
    first = 0
    for number, line in enumerate(content.splitlines(), start=1):
        is_comment = _COMMENT_RE.match(line) is not None
        if line.endswith("\\") and not is_comment:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
            continue
        if is_comment:
            line = " " + line  # a comment line closes a continuation and is dropped
        if pending:
            pending.append(line)
            yield from _clean(first, "".join(pending))
            pending = []
        else:
            yield from _clean(number, line)
    if pending:
        yield from _clean(first, "".join(pending))


def _clean(number: int, line: str) -> Iterator[tuple[int, str]]:
    line = _COMMENT_RE.sub("", line).strip()
    if line:
        yield number, line


def _expand(text: str, environ: Mapping[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        value = environ.get(match.group(1))
        return value if value else match.group(0)

    return _ENV_VAR_RE.sub(sub, text)


# --------------------------------------------------------------------------- lines


def _split_args_options(line: str) -> tuple[str, str, int]:
    """pip's ``break_args_options``: (requirement part, option part, option offset)."""
    tokens = line.split(" ")
    offset = 0
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:index]).strip(), " ".join(tokens[index:]), offset
        offset += len(token) + 1
    return line.strip(), "", len(line)


def _failer(where: Location, line: str) -> _Fail:
    """An error maker for one line: the caller gives message, column and expectation."""

    def fail(message: str, column: int | None, expected: str) -> InputError:
        return InputError(
            message,
            source=where.source,
            line=where.line,
            column=column,
            field=where.field,
            text=line,
            expected=expected,
        )

    return fail


def _parse_options(
    text: str, offset: int, line: str, where: Location
) -> list[tuple[str, str, int]]:
    """Parse the option part of a line into (canonical option, value, column)."""

    fail = _failer(where, line)

    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise fail(f"cannot split options: {exc}", offset + 1, "balanced quotes") from exc
    # columns are best effort: the first occurrence of each token after the last one
    cursor = offset
    result: list[tuple[str, str, int]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        found = line.find(token, cursor)
        column = (found if found >= 0 else cursor) + 1
        cursor = found + len(token) if found >= 0 else cursor
        index += 1
        if not token.startswith("-") or token == "-":
            raise fail(
                f"unexpected {token!r} after the options",
                column,
                "options only after the first '-'",
            )
        if token.startswith("--"):
            spelling, eq, value = token.partition("=")
        else:  # short options take the rest of the token as their value, like optparse
            spelling, value = token[:2], token[2:]
            eq = "=" if value else ""
        known = _OPTIONS.get(spelling)
        if known is None:
            raise fail(f"unknown or unsupported option {spelling!r}", column, _EXPECTED_OPTION)
        name, takes_value = known
        if not takes_value:
            if eq:
                raise fail(f"option {spelling} takes no value", column, f"{spelling} alone")
            result.append((name, "", column))
            continue
        if not eq:
            if index >= len(tokens):
                raise fail(f"option {spelling} needs a value", column, f"{spelling} VALUE")
            value = tokens[index]
            found = line.find(value, cursor)
            cursor = found + len(value) if found >= 0 else cursor
            index += 1
        if not value:
            raise fail(f"option {spelling} needs a value", column, f"{spelling} VALUE")
        result.append((name, value, column))
    return result


def _handle_line(
    raw_text: str,
    where: Location,
    ctx: _Context,
    collector: _Collector,
    selector: str | None = None,
) -> None:
    """Handle one logical line (of a file or of an environment.yml ``pip:`` list)."""
    line = _expand(raw_text, ctx.environ)
    args, option_text, offset = _split_args_options(line)
    options = _parse_options(option_text, offset, line, where) if option_text else []

    fail = _failer(where, line)

    editables = [(value, col) for name, value, col in options if name == "--editable"]
    if len(editables) > 1:
        raise fail("only one -e/--editable is allowed per line", editables[1][1], "one -e per line")
    is_requirement = bool(args) or bool(editables)
    if args and editables:
        raise fail(
            "a line cannot hold both a requirement and -e/--editable",
            editables[0][1],
            "the requirement or the -e option, on separate lines",
        )

    if is_requirement:
        allowed = _EDITABLE_OPTIONS if editables else _REQUIREMENT_OPTIONS
        for name, _value, column in options:
            if name not in allowed and name != "--editable":
                kind = "an editable requirement" if editables else "a requirement line"
                raise fail(
                    f"option {name} cannot be used on {kind}",
                    column,
                    ", ".join(sorted(allowed))
                    + " after the requirement, other options on their own line",
                )
        hashes = tuple(
            _parse_hash(value, column, fail) for n, value, column in options if n == "--hash"
        )
        extra = tuple(
            (name, value)
            for name, value, _c in options
            if name in ("--config-settings", "--global-option")
        )
        if editables:
            target, column = editables[0]
            item = _editable(target, line, where, ctx, selector, extra, column, fail)
        else:
            item = _requirement(args, line, where, ctx, selector, hashes, extra, fail)
        if ctx.constraint:
            _check_constraint(item, fail)
            collector.constraints.append(item)
        else:
            collector.pip.append(item)
        return

    for name, argument, column in options:
        _apply_option(name, argument, column, where, ctx, collector, fail)


def _parse_hash(value: str, column: int, fail: _Fail) -> Hash:
    algorithm, sep, digest = value.partition(":")
    algorithm = algorithm.lower()
    expected = "--hash=ALGORITHM:HEXDIGEST with ALGORITHM one of " + ", ".join(HASH_ALGORITHMS)
    if not sep or algorithm not in HASH_ALGORITHMS:
        raise fail(f"invalid --hash value {value!r}", column, expected)
    length = HASH_ALGORITHMS[algorithm]
    if len(digest) != length or re.fullmatch(r"[0-9a-fA-F]+", digest) is None:
        raise fail(
            f"invalid {algorithm} digest in --hash {value!r}",
            column,
            f"{length} hexadecimal digits after '{algorithm}:'",
        )
    return Hash(algorithm, digest.lower())


def _apply_option(
    name: str,
    value: str,
    column: int,
    where: Location,
    ctx: _Context,
    collector: _Collector,
    fail: _Fail,
) -> None:
    # in a file the option's column; in an environment.yml item, where the item starts
    here = where if where.column is not None else Location(where.source, where.line, column)
    if name == "--hash":
        raise fail(
            "--hash must follow a requirement on the same line",
            column,
            "REQUIREMENT --hash=ALGORITHM:DIGEST",
        )
    if name == "--config-settings" or name == "--global-option":
        raise fail(
            f"{name} must follow a requirement on the same line", column, f"REQUIREMENT {name}=..."
        )
    if name in ("--requirement", "--constraint"):
        target = _local_path(value, column, fail, name)
        nested = ctx.base_dir / target
        nested_ctx = _Context(
            source=str(nested),
            base_dir=nested.parent,
            constraint=name == "--constraint",
            stack=ctx.stack,
            environ=ctx.environ,
            category=ctx.category,
        )
        _read_file(nested, nested_ctx, collector, included_from=here)
    elif name == "--index-url":
        collector.index_url = Located(value, here)
    elif name == "--extra-index-url":
        collector.extra_index_urls.append(Located(value, here))
    elif name == "--no-index":
        collector.no_index = True
    elif name == "--find-links":
        link = value
        if _SCHEME_RE.match(value) is None:
            link = str(ctx.base_dir / Path(value).expanduser())
        collector.find_links.append(Located(link, here))
    elif name == "--trusted-host":
        collector.trusted_hosts.append(Located(value, here))
    elif name == "--pre":
        collector.pre = True
    elif name == "--prefer-binary":
        collector.prefer_binary = True
    elif name == "--require-hashes":
        collector.require_hashes = True
    elif name == "--no-binary":
        collector.no_binary.extend(_format_control(value, column, fail, name))
    elif name == "--only-binary":
        collector.only_binary.extend(_format_control(value, column, fail, name))
    elif name == "--use-feature":
        collector.use_features.append(value)
    else:  # pragma: no cover - _OPTIONS and this dispatch are kept in step
        raise AssertionError(name)


def _format_control(value: str, column: int, fail: _Fail, option: str) -> list[str]:
    names = [part.strip() for part in value.split(",") if part.strip()]
    result: list[str] = []
    for part in names:
        if part in (":all:", ":none:"):
            result.append(part)
        elif re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._\-]*[A-Za-z0-9])?", part):
            result.append(canonicalize_name(part))
        else:
            raise fail(
                f"invalid package name {part!r} in {option}",
                column,
                "comma-separated project names, :all: or :none:",
            )
    return result


def _local_path(value: str, column: int, fail: _Fail, option: str) -> Path:
    if is_file_url(value):
        try:
            return url_to_path(value)
        except InputError as exc:
            raise fail(exc.message, column, "a local path or file:///absolute/path") from None
    if _SCHEME_RE.match(value):
        raise fail(
            f"{option} {value!r} points at a remote file, which compatlib does not download",
            column,
            "a local path (download the file and refer to the copy)",
        )
    return Path(value).expanduser()


# --------------------------------------------------------------------------- requirements


def _pep508(text: str, where: Location, *, line: str | None = None, offset: int = 0) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        column = offset + (exc.span[1] if exc.span is not None else 0) + 1
        raise InputError(
            f"invalid requirement {text!r}: {exc.message}",
            source=where.source,
            line=where.line,
            column=column,
            field=where.field,
            text=line if line is not None else text,
            expected="a PEP 508 requirement such as 'torch>=2.1' or 'name @ https://...'",
        ) from exc


def _split_trailing_extras(target: str) -> tuple[str, str]:
    match = _TRAILING_EXTRAS_RE.match(target)
    if match is None or (_SCHEME_RE.match(target) and "#" in target):
        return target, ""
    return match.group("target"), match.group("extras")


def _name_from_target(target: str) -> str | None:
    """The project name an unnamed path/URL reveals: ``#egg=`` or a wheel file name."""
    egg = _EGG_RE.search(target)
    if egg is not None:
        return unquote(egg.group(1)).strip()
    try:
        base = unquote(urlsplit(target).path if _SCHEME_RE.match(target) else target)
    except ValueError:  # not a URL: no name to take from it
        return None
    base = base.replace("\\", "/").rstrip("/").rpartition("/")[2]
    if base.lower().endswith(".whl"):
        try:
            return str(parse_wheel_filename(base)[0])
        except InvalidWheelFilename:
            return None
    return None


def _looks_like_location(args: str) -> bool:
    head = args.split(";", 1)[0].strip()
    if _SCHEME_RE.match(head) or head.lower().startswith("file:"):
        return True
    if head.startswith((".", "/", "~")) or "\\" in head or "/" in head:
        return True
    return _ARCHIVE_RE.search(head) is not None


def _requirement(
    args: str,
    line: str,
    where: Location,
    ctx: _Context,
    selector: str | None,
    hashes: tuple[Hash, ...],
    extra: tuple[tuple[str, str], ...],
    fail: _Fail,
) -> PipRequirement:
    start = line.find(args)
    if _NAMED_DIRECT_RE.match(args) or not _looks_like_location(args):
        parsed = _pep508(args, where, line=line, offset=max(start, 0))
        return PipRequirement(
            requirement=parsed,
            text=args,
            location=where,
            hashes=hashes,
            url=parsed.url,
            category=ctx.category,
            options=extra,
            selector=selector,
        )
    # an unnamed path or URL, as pip accepts: ./dist/x.whl, https://host/x.whl; marker
    separator = "; " if _SCHEME_RE.match(args) else ";"
    target, _sep, marker = args.partition(separator)
    target = target.strip()
    target, extras = _split_trailing_extras(target)
    name = _name_from_target(target)
    requirement: Requirement | None = None
    if name is not None:
        pep508 = f"{name}{extras} @ {target}"
        if marker.strip():
            pep508 += f" ; {marker.strip()}"
        requirement = _pep508(pep508, where, line=line, offset=max(start, 0))
    elif extras or marker.strip():
        raise fail(
            f"cannot tell the project name of {target!r}",
            max(start, 0) + 1,
            "'name @ URL' or a '#egg=name' fragment when extras or markers are used",
        )
    return PipRequirement(
        requirement=requirement,
        text=args,
        location=where,
        hashes=hashes,
        url=target,
        category=ctx.category,
        options=extra,
        selector=selector,
    )


def _editable(
    target_text: str,
    line: str,
    where: Location,
    ctx: _Context,
    selector: str | None,
    extra: tuple[tuple[str, str], ...],
    column: int,
    fail: _Fail,
) -> PipRequirement:
    target, extras = _split_trailing_extras(target_text)
    name = _name_from_target(target)
    requirement: Requirement | None = None
    if name is not None:
        requirement = _pep508(f"{name}{extras}", where, line=line, offset=column - 1)
    elif extras and not re.fullmatch(r"\[[A-Za-z0-9._\-,\s]*\]", extras):
        raise fail(f"invalid extras {extras!r}", column, "[extra1,extra2]")
    return PipRequirement(
        requirement=requirement,
        text=f"-e {target_text}",
        location=where,
        editable=True,
        url=target,
        category=ctx.category,
        options=extra,
        selector=selector,
    )


def _check_constraint(item: PipRequirement, fail: _Fail) -> None:
    # pip's resolver accepts only "name + version specifier (+ marker)" as constraints
    if item.editable:
        raise fail(
            "editable requirements cannot be constraints", None, "NAME SPECIFIER in a -c file"
        )
    if item.requirement is None:
        raise fail(
            f"constraint {item.text!r} has no project name", None, "NAME SPECIFIER in a -c file"
        )
    if item.requirement.extras:
        raise fail(
            f"constraint {item.text!r} has extras, which pip does not allow in constraints",
            None,
            "NAME SPECIFIER without [extras] in a -c file",
        )
