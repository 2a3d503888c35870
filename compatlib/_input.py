"""Reading untrusted input within stated limits: files, JSON, TOML and YAML.

Every spec, lock, index page and repodata file compatlib reads is input a user
or a server controls. The readers here hold the contract for all of them: each
failure is an :class:`~compatlib.errors.InputError` that names the source (and
the line and column where the parser knows them) and what was expected, and no
input can make a reader use unbounded memory, time or recursion.

The limits (docs/security.md lists them with the reasons):

- :data:`MAX_FILE_BYTES`: a spec, lock, page or repodata file read whole.
- :data:`MAX_DEPTH`: nesting of JSON arrays/objects, TOML arrays/tables and YAML
  collections; real files stay under 20.
- :data:`MAX_YAML_NODES`: YAML nodes after alias expansion (an alias "bomb"
  refers to itself a billion times in a few hundred bytes).

JSON here is strict: ``NaN`` and ``Infinity`` are refused, since they are not
JSON and no compatlib format has a use for them.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NoReturn

from compatlib.errors import InputError

if TYPE_CHECKING:
    from types import TracebackType

    import yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_YAML_NODES",
    "check_depth",
    "compose_yaml",
    "construct_yaml",
    "decode_text",
    "json_depth",
    "load_json",
    "load_toml",
    "load_yaml",
    "located_error",
    "read_bytes",
    "read_text",
    "recorded_reads",
    "refuse_json_constant",
]

MAX_FILE_BYTES = 256 * 2**20
MAX_DEPTH = 200
MAX_YAML_NODES = 1_000_000


def read_bytes(
    path: str | os.PathLike[str], *, what: str = "file", limit: int = MAX_FILE_BYTES
) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them (a larger file, or an
    endless one such as ``/dev/zero``, is an error, not a memory exhaustion)."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(
            f"{what} not found", source=source, expected="an existing, readable file"
        ) from None
    except IsADirectoryError:
        raise InputError(f"{what} is a directory", source=source, expected="a file") from None
    except PermissionError:
        raise InputError(
            f"{what} is not readable (permission denied)",
            source=source,
            expected="a file this user may read",
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot read {what}: {exc.strerror or exc}", source=source, expected="a readable file"
        ) from None
    if len(data) > limit:
        raise InputError(
            f"{what} is larger than {_size(limit)}",
            source=source,
            expected=f"a file of at most {_size(limit)}",
        )
    reads = _READS.get()
    if reads is not None:
        reads[source] = data
    return data


#: where :func:`read_bytes` keeps what it reads, inside :func:`recorded_reads`
_READS: ContextVar[dict[str, bytes] | None] = ContextVar("compatlib_reads", default=None)


class _Recording:
    def __init__(self) -> None:
        self.reads: dict[str, bytes] = {}
        self._token: Any = None

    def __enter__(self) -> dict[str, bytes]:
        self._token = _READS.set(self.reads)
        return self.reads

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _READS.reset(self._token)


def recorded_reads() -> _Recording:
    """``with recorded_reads() as reads:`` keeps every file :func:`read_bytes` reads
    inside the block (``reads``: path as given -> its bytes), so that a caller that
    parses files through a reader can scan the same bytes without reading them
    again (``compatlib doctor``). Per thread and task (a context variable)."""
    return _Recording()


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 and n % 2**20 == 0 else f"{n:,} bytes"


def decode_text(data: bytes, *, source: str, what: str = "file") -> str:
    """``data`` as UTF-8 (a leading byte-order mark is dropped); an invalid byte
    is reported with its line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data[: exc.start]
        line = start.count(b"\n") + 1
        column = exc.start - (start.rfind(b"\n") + 1) + 1
        raise InputError(
            f"{what} is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            source=source,
            line=line,
            column=column,
            expected="UTF-8 text",
        ) from None


def read_text(
    path: str | os.PathLike[str], *, what: str = "file", limit: int = MAX_FILE_BYTES
) -> str:
    """:func:`read_bytes`, then :func:`decode_text`."""
    return decode_text(read_bytes(path, what=what, limit=limit), source=os.fspath(path), what=what)


def _too_deep(source: str, text: str, offset: int, limit: int) -> NoReturn:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    raise InputError(
        f"nested more than {limit} levels deep",
        source=source,
        line=line,
        column=column,
        expected=f"at most {limit} levels of nested arrays and tables",
    )


_STRUCTURE = b'"[]{}'
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STRUCTURE)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(data: bytes) -> int:
    """How deep the brackets of a JSON text nest outside its strings, at C speed.

    The count :func:`check_depth` makes a character at a time (1.5 s for a
    5 MB repodata), made on a reduced copy instead (0.02 s): escaped
    backslashes and then escaped quotes are dropped, so that every quote left
    delimits a string; then everything but quotes and brackets; then pairs of
    adjacent quotes (which keeps the parity of the quotes before every
    bracket), and the few strings left, those holding brackets. Over any valid
    JSON prefix (all that a parser reads before it stops at an error) the
    count is exact, so it bounds how deep a JSON parser recurses.
    """
    reduced = data
    if b"\\" in reduced:  # a scan at memchr speed: most JSON has no escapes
        reduced = reduced.replace(b"\\\\", b"").replace(b'\\"', b"")
    reduced = reduced.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    outside = b"".join(reduced.split(b'"')[::2])
    depth = deepest = 0
    for step in map(_STEP.__getitem__, outside):
        depth += step
        if depth > deepest:
            deepest = depth
    return deepest


def check_depth(
    text: str | bytes, *, source: str, limit: int = MAX_DEPTH, toml: bool = False
) -> None:
    """Refuse ``text`` when its brackets nest deeper than ``limit``.

    Brackets inside JSON strings (and TOML's four string forms, with ``toml``)
    do not count. This runs before a recursive parser sees the text, so a
    hostile file costs one linear scan instead of a RecursionError. JSON is
    counted by :func:`json_depth`; only a text found too deep is scanned again,
    a character at a time, to locate the bracket that goes past ``limit``.
    """
    if not toml:
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
        if json_depth(data) <= limit:
            return
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    _scan_depth(text, source, limit, toml)


def _scan_depth(text: str, source: str, limit: int, toml: bool) -> None:
    """:func:`check_depth` a character at a time: raises at the bracket that
    goes past ``limit``."""
    depth = 0
    i = 0
    n = len(text)
    find = text.find
    while i < n:
        c = text[i]
        if c in "[{":
            depth += 1
            if depth > limit:
                _too_deep(source, text, i, limit)
        elif c in "]}":
            depth -= 1
        elif c == '"':
            if toml and text.startswith('"""', i):
                end = i + 3
                while True:
                    end = find('"""', end)
                    if end < 0:
                        return
                    if _escaped(text, end):
                        end += 1
                        continue
                    break
                i = end + 3
                continue
            end = i + 1
            while True:
                end = find('"', end)
                if end < 0:
                    return
                if _escaped(text, end):
                    end += 1
                    continue
                break
            i = end
        elif toml and c == "'":
            close = "'''" if text.startswith("'''", i) else "'"
            end = find(close, i + len(close))
            if end < 0:
                return
            i = end + len(close)
            continue
        elif toml and c == "#":
            end = find("\n", i)
            if end < 0:
                return
            i = end
        i += 1


def _escaped(text: str, quote: int) -> bool:
    """Is the quote at ``quote`` escaped (preceded by an odd run of backslashes)?"""
    k = quote - 1
    while k >= 0 and text[k] == "\\":
        k -= 1
    return (quote - 1 - k) % 2 == 1


def refuse_json_constant(name: str) -> NoReturn:
    """A ``parse_constant`` for :mod:`json` that refuses ``NaN`` and ``Infinity``."""
    raise ValueError(name)


def load_json(
    text: str | bytes,
    *,
    source: str,
    expected: str = "a JSON document",
    what: str = "invalid JSON",
) -> Any:
    """Parse strict JSON: nesting bounded, ``NaN``/``Infinity`` refused, errors located
    (``what`` starts the message: ``"not a JSON lock"``); ``bytes`` are read as UTF-8."""
    check_depth(text, source=source)
    if isinstance(text, bytes):
        text = decode_text(text, source=source, what="JSON text")
    try:
        return json.loads(text, parse_constant=refuse_json_constant)
    except json.JSONDecodeError as exc:
        raise _json_error(exc, what, source, expected) from None
    except ValueError as exc:
        raise InputError(
            f"{what}: {exc} is not a JSON number", source=source, expected=expected
        ) from None
    except RecursionError:
        raise InputError(f"{what}: nested too deeply", source=source, expected=expected) from None


def _json_error(exc: json.JSONDecodeError, what: str, source: str, expected: str) -> InputError:
    """The located error of ``exc`` (see :func:`located_error`)."""
    return located_error(exc.doc, exc.pos, f"{what}: {exc.msg}", source=source, expected=expected)


def located_error(
    text: str, pos: int, message: str, *, source: str, expected: str, field: str | None = None
) -> InputError:
    """An :class:`InputError` at offset ``pos`` of ``text``, with its line,
    column and the line it is on: a window of 120 characters around the column
    of a long line (minified JSON is one line), the column then counted in the
    window."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    shown = text[line_start : line_end if line_end >= 0 else len(text)].rstrip("\r")
    column = pos - line_start + 1
    if len(shown) > 200:
        window = max(0, column - 60)
        shown = shown[window : window + 120]
        column -= window
    return InputError(
        message,
        source=source,
        field=field,
        line=text.count("\n", 0, pos) + 1,
        column=column,
        text=shown,
        expected=expected,
    )


def load_toml(text: str, *, source: str, expected: str = "a TOML document") -> dict[str, Any]:
    """Parse TOML (tomllib, or tomli on 3.10) with nesting bounded and errors located."""
    tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    check_depth(text, source=source, toml=True)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", message)
        line = column = None
        if where is not None:
            message = message[: where.start()].rstrip()
            line, column = int(where.group(1)), int(where.group(2))
        raise InputError(
            f"invalid TOML: {message}", source=source, line=line, column=column, expected=expected
        ) from None
    except (RecursionError, ValueError) as exc:
        raise InputError(f"invalid TOML: {exc}", source=source, expected=expected) from None
    return data


def _yaml_loader(text: str, source: str) -> yaml.SafeLoader:
    # lazy: only _yaml_loader needs yaml, which loads 27 modules that importing this one does not
    import yaml

    class _Bounded(yaml.SafeLoader):
        """A safe loader that counts nesting while composing."""

        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                    raise InputError(
                        f"nested more than {MAX_DEPTH} levels deep",
                        source=source,
                        line=mark.line + 1,
                        column=mark.column + 1,
                        expected=f"at most {MAX_DEPTH} levels of nested lists and mappings",
                    )
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except _NodeError:
                raise
            except (yaml.YAMLError, ValueError, TypeError, OverflowError, AttributeError) as exc:
                raise _NodeError(node, exc) from None

    return _Bounded(text)


class _NodeError(Exception):
    """A constructor failed at ``node`` (raised at the innermost node)."""

    def __init__(self, node: Any, error: Exception) -> None:
        super().__init__(str(error))
        self.node = node
        self.error = error


def _yaml_error(exc: Exception, source: str, text: str) -> InputError:
    # lazy: only _yaml_error needs yaml, which loads 27 modules that importing this one does not
    import yaml

    at: int | None = None  # a 0-based line and column, or a character offset
    line = column = None
    problem = str(exc)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        if mark is not None:
            line, column = mark.line, mark.column
    elif isinstance(exc, yaml.reader.ReaderError):
        char = exc.character
        shown_char = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        problem = f"character {shown_char} is not allowed in YAML"
        at = exc.position
        line = text.count("\n", 0, at)
        column = at - (text.rfind("\n", 0, at) + 1)
    shown = None
    if line is not None and column is not None:
        lines = text.splitlines()
        shown = lines[line] if line < len(lines) else None
        line, column = line + 1, column + 1
    return InputError(
        f"invalid YAML: {problem}",
        source=source,
        line=line,
        column=column,
        text=shown,
        expected="valid YAML",
    )


def compose_yaml(text: str, *, source: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """The node tree of a one-document YAML text (with marks), and its loader for
    :func:`construct_yaml`. Call ``loader.dispose()`` when done."""
    # lazy: only compose_yaml needs yaml, which loads 27 modules that importing this one does not
    import yaml

    try:
        loader = _yaml_loader(text, source)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, text) from None
    try:
        root = loader.get_single_node()
    except InputError:
        loader.dispose()
        raise
    except yaml.YAMLError as exc:
        loader.dispose()
        raise _yaml_error(exc, source, text) from None
    except RecursionError:
        loader.dispose()
        raise InputError(
            "invalid YAML: nested too deeply", source=source, expected="valid YAML"
        ) from None
    if root is not None:
        _count_nodes(root, source)
    return loader, root


def _count_nodes(root: yaml.Node, source: str) -> None:
    """Refuse a tree whose alias expansion exceeds :data:`MAX_YAML_NODES`.

    Aliases make the composed graph a DAG; the size after expansion is counted
    per distinct node (memoised), so the check is linear in the file.
    """
    # lazy: only _count_nodes needs yaml, which loads 27 modules that importing this one does not
    import yaml

    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            sizes[key] = 0  # in progress: a cycle counts once
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 1) for c in children)
        sizes[key] = total
        if total > MAX_YAML_NODES:
            mark = node.start_mark
            raise InputError(
                f"YAML expands to more than {MAX_YAML_NODES:,} values (aliases)",
                source=source,
                line=mark.line + 1,
                column=mark.column + 1,
                expected="a YAML file without alias expansion bombs",
            )


def construct_yaml(loader: yaml.SafeLoader, node: yaml.Node, *, source: str, text: str) -> Any:
    """The Python value of ``node``: a tag that does not fit its value
    (``!!int abc``, ``!!binary 1``) or that the safe loader refuses is an
    :class:`InputError` at the node, not a ValueError from deep inside PyYAML."""
    # lazy: only construct_yaml needs yaml, which loads 27 modules that importing this one does not
    import yaml

    try:
        return loader.construct_object(node, deep=True)
    except _NodeError as exc:
        bad, error = exc.node, exc.error
    except RecursionError:
        raise InputError(
            "invalid YAML: nested too deeply", source=source, expected="valid YAML"
        ) from None
    mark = bad.start_mark
    lines = text.splitlines()
    problem = error.problem if isinstance(error, yaml.MarkedYAMLError) else None
    raise InputError(
        f"invalid YAML value for tag {bad.tag.removeprefix('tag:yaml.org,2002:')!r}: "
        f"{problem or error}",
        source=source,
        line=mark.line + 1,
        column=mark.column + 1,
        text=lines[mark.line] if mark.line < len(lines) else None,
        expected="a value that matches its tag",
    )


def load_yaml(text: str, *, source: str) -> Any:
    """A whole YAML document as Python values (``None`` for an empty one), within
    the limits and with every failure an :class:`InputError`."""
    loader, root = compose_yaml(text, source=source)
    try:
        return None if root is None else construct_yaml(loader, root, source=source, text=text)
    finally:
        loader.dispose()
