"""Reading a peer file: the :class:`_Src` text with error locations, and JSON
and TOML decoding whose errors point at file, line and column."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from compatlib.errors import InputError

PathArg = str | os.PathLike[str]


class _Src:
    """The file being read, for error messages that point into it."""

    __slots__ = ("path", "text")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text

    def at(self, pos: int) -> tuple[int, int, str | None]:
        """1-based line and column of offset ``pos``, and the line's text (``None``
        for lines over 200 characters, such as one-line JSON files)."""
        line = self.text.count("\n", 0, pos) + 1
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        end = len(self.text) if end == -1 else end
        text = self.text[start:end] if end - start <= 200 else None
        return line, pos - start + 1, text

    def locate_json(self, keys: Sequence[str]) -> int | None:
        """Best-effort offset of the nested JSON key path ``keys`` (each key
        searched for, quoted, after the previous one)."""
        pos = 0
        found = None
        for key in keys:
            j = self.text.find(json.dumps(key), pos)
            if j < 0:
                break
            found = pos = j
        return found

    def locate_re(self, pattern: str, start: int = 0) -> int | None:
        """Offset of the first match of ``pattern`` (multi-line mode) at or after
        ``start``; of its last group if it has groups."""
        m = re.compile(pattern, re.MULTILINE).search(self.text, start)
        if m is None:
            return None
        return m.start(m.lastindex) if m.lastindex else m.start()

    def locate_toml_key(self, table_pos: int | None, key: str) -> int | None:
        """Offset of ``key = ...`` inside the TOML table whose header is at
        ``table_pos`` (``table_pos`` itself when the key is not found there)."""
        if table_pos is None:
            return None
        end = self.locate_re(r"^\s*\[", table_pos + 1)
        pos = self.locate_re(rf"^\s*({re.escape(key)})\s*=", table_pos)
        if pos is None or (end is not None and pos > end):
            return table_pos
        return pos

    def error(
        self,
        message: str,
        *,
        field: str | None = None,
        pos: int | None = None,
        expected: str | None = None,
    ) -> InputError:
        if pos is None:
            return InputError(message, source=self.path, field=field, expected=expected)
        line, column, text = self.at(pos)
        return InputError(
            message,
            source=self.path,
            line=line,
            column=column,
            field=field,
            text=text,
            expected=expected,
        )


def _read(path: PathArg) -> _Src:
    p = os.fspath(path)
    try:
        with open(p, encoding="utf-8") as f:
            return _Src(p, f.read())
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text: {e.reason}", source=p) from None
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}", source=p) from None


_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)


def _blank_comments(text: str) -> str:
    """``text`` with ``//`` and ``/* */`` comments outside strings turned into
    spaces (newlines kept), so decode errors keep their line and column."""

    def repl(m: re.Match[str]) -> str:
        s = m.group()
        if s.startswith('"'):
            return s
        return re.sub(r"[^\n]", " ", s)

    return _JSON_TOKEN_RE.sub(repl, text)


def _load_json(src: _Src) -> Any:
    try:
        return json.loads(src.text)
    except json.JSONDecodeError as first:
        err = first
        if "//" in src.text or "/*" in src.text:
            # Some CocoaPods fixtures carry JavaScript-style comments.
            try:
                return json.loads(_blank_comments(src.text))
            except json.JSONDecodeError as second:
                err = second
        raise src.error(f"invalid JSON: {err.msg}", pos=err.pos) from None


def _load_toml(src: _Src) -> dict[str, Any]:
    # tomllib is in the standard library from 3.11; tomli is the same parser for 3.10
    tomllib = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    try:
        data: dict[str, Any] = tomllib.loads(src.text)
        return data
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m is None:
            # "(at end of document)": point after the last character
            raise src.error(f"invalid TOML: {msg}", pos=len(src.text.rstrip("\n"))) from None
        line, column = int(m.group(1)), int(m.group(2))  # also e.lineno/e.colno from 3.14
        lines = src.text.splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else None
        raise InputError(
            f"invalid TOML: {msg[: m.start()].strip()}",
            source=src.path,
            line=line,
            column=column,
            text=text,
        ) from None
