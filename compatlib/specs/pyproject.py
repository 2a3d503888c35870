"""Read the standard dependency tables of ``pyproject.toml``.

Only what the packaging standards define is read:

* ``[project]`` (PEP 621): ``dependencies``, ``optional-dependencies`` (the
  extras the caller selects) and ``requires-python``;
* ``[dependency-groups]`` (PEP 735): the groups the caller selects, with
  ``{include-group = "..."}`` entries expanded and cycles reported.

Extras and group names are compared after PEP 503/685 normalization, and each
requirement's category is the (normalized) extra or group it was selected
through; ``[project] dependencies`` are in category ``main``. An extra that
names the project itself (``all = ["myproject[cuda,dev]"]``) is expanded into
those extras' requirements, with the markers of both combined.

Tool-specific tables (``[tool.uv]``, ``[tool.poetry]``, ``[tool.conda-lock]``)
are not read. TOML does not report positions for values, so the line of each
requirement is found by searching the file for its string; it is ``None``
where the search fails (for example for strings written with escapes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from compatlib.errors import InputError
from compatlib.specs.model import (
    MAIN_CATEGORY,
    Location,
    PipRequirement,
    PythonRequirement,
    Spec,
)
from compatlib.specs.requirements import parse_requirement
from compatlib.values.filenames import canonicalize_name
from compatlib.values.pep508 import Marker

__all__ = ["read_pyproject"]

_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")


def read_pyproject(
    path: str | os.PathLike[str],
    *,
    extras: Iterable[str] = (),
    groups: Iterable[str] = (),
) -> Spec:
    """Read ``[project]`` dependencies plus the selected ``extras`` and dependency ``groups``.

    Unknown extras or groups, dynamic dependencies, wrong types, invalid PEP
    508 strings and include-group cycles raise
    :class:`~compatlib.errors.InputError` naming the file, line where known,
    and the TOML field.
    """
    extras = (extras,) if isinstance(extras, str) else tuple(extras)
    groups = (groups,) if isinstance(groups, str) else tuple(groups)
    file = Path(path)
    source = str(file)
    text = _read_text(file)
    data = _parse_toml(text, source)
    lines = _TomlLines(source, text)

    pip: list[PipRequirement] = []
    python: list[PythonRequirement] = []
    name: str | None = None

    project = data.get("project")
    if project is not None and not isinstance(project, dict):
        raise lines.fail("project", "[project] must be a table", "a [project] table")
    requested_extras: list[tuple[str, str]] = [(e, canonicalize_name(e)) for e in extras]
    requested_groups: list[tuple[str, str]] = [(g, canonicalize_name(g)) for g in groups]

    if project is not None:
        name = _project_name(project, lines)
        dynamic = project.get("dynamic", [])
        if not isinstance(dynamic, list) or not all(isinstance(d, str) for d in dynamic):
            raise lines.fail(
                "project.dynamic",
                "'project.dynamic' must be a list of strings",
                "a list of field names",
            )
        if "dependencies" in dynamic:
            raise lines.fail(
                "project.dynamic",
                "the project's dependencies are dynamic: they are only known after a build",
                "a static 'dependencies' list in [project]",
            )
        pip.extend(
            _requirement_list(
                project.get("dependencies", []), "project.dependencies", MAIN_CATEGORY, lines
            )
        )
        requires_python = project.get("requires-python")
        if requires_python is not None:
            python.append(_requires_python(requires_python, lines))
        optional = _optional_dependencies(project, lines)
        if requested_extras and "optional-dependencies" in dynamic:
            raise lines.fail(
                "project.dynamic",
                "the project's optional-dependencies are dynamic: they are only known after a build",
                "a static 'optional-dependencies' table in [project]",
            )
        pip.extend(_select_extras(requested_extras, optional, name, lines))
    elif requested_extras:
        raise lines.fail(
            "project.optional-dependencies",
            f"extra {requested_extras[0][0]!r} requested but the file has no [project] table",
            "a [project] table with optional-dependencies",
        )

    if requested_groups:
        groups_table = _dependency_groups(data, lines)
        pip.extend(_select_groups(requested_groups, groups_table, lines))

    return Spec(source=source, name=name, pip=tuple(pip), python=tuple(python), sources=(source,))


# --------------------------------------------------------------------------- TOML


def _read_text(file: Path) -> str:
    # lazy: only _read_text needs compatlib._input, which loads 1 module that importing this one does not
    from compatlib._input import read_text

    return read_text(file, what="pyproject.toml")


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    """:func:`compatlib._input.load_toml`, with the offending line shown under
    the message where the parser names one."""
    # lazy: only _parse_toml needs compatlib._input, which loads 1 module that importing this one does not
    from compatlib._input import load_toml

    try:
        return load_toml(text, source=source, expected="valid TOML")
    except InputError as exc:
        all_lines = text.splitlines()
        line, column = exc.line, exc.column
        # a syntax error points at its line; nesting too deep or a number too long do not
        if not exc.message.startswith("invalid TOML:") or line is None or column is None:
            raise
        if not 0 < line <= len(all_lines):
            raise
        raise InputError(
            exc.message,
            source=source,
            line=line,
            column=column,
            text=all_lines[line - 1],
            expected="valid TOML",
        ) from None


class _TomlLines:
    """Find the lines of tables, keys and strings by searching the text."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str]] = []
        for index, line in enumerate(self.lines):
            match = _HEADER_RE.match(line)
            if match is not None:
                self.headers.append((index, _normalize_key(match.group(1))))

    def _table_span(self, table: str) -> tuple[int, int] | None:
        for position, (index, name) in enumerate(self.headers):
            if name == table:
                end = (
                    self.headers[position + 1][0]
                    if position + 1 < len(self.headers)
                    else len(self.lines)
                )
                return index, end
        return None

    def key_line(self, dotted: str) -> int | None:
        """0-based line of ``a.b.c``: ``c = `` in table ``[a.b]``, else ``b`` in ``[a]``, ..."""
        whole = self._table_span(dotted)
        if whole is not None:
            return whole[0]
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, -1, -1):
            table, key = ".".join(parts[:cut]), parts[cut]
            if table:
                span = self._table_span(table)
                if span is None:
                    continue
                start, end = span
            else:
                start, end = 0, self.headers[0][0] if self.headers else len(self.lines)
            pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
            for index in range(start, end):
                if pattern.match(self.lines[index]):
                    return index
            if table:
                return start if cut == len(parts) - 1 else None
        return None

    def string_line(self, value: str, cursor: list[int] | None) -> int | None:
        """0-based line of the next ``"value"`` at or after ``cursor`` ([line, column]).

        The cursor moves past the match, so the items of one list, which appear in
        file order, map to successive occurrences.
        """
        if cursor is None:
            return None
        needles = (f'"{value}"', f"'{value}'")
        line, column = cursor
        while line < len(self.lines):
            text = self.lines[line]
            hits = [found for n in needles if (found := text.find(n, column)) >= 0]
            if hits:
                cursor[0], cursor[1] = line, min(hits) + len(value) + 2
                return line
            line, column = line + 1, 0
        return None

    def location(self, field: str, line: int | None) -> Location:
        if line is None:
            return Location(self.source, None, None, field)
        return Location(self.source, line + 1, None, field)

    def fail(self, field: str, message: str, expected: str, line: int | None = None) -> InputError:
        if line is None:
            line = self.key_line(field)
        return InputError(
            message,
            source=self.source,
            line=None if line is None else line + 1,
            field=field,
            expected=expected,
        )


def _normalize_key(header: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in header.split("."))


# --------------------------------------------------------------------------- [project]


def _project_name(project: dict[str, Any], lines: _TomlLines) -> str:
    name = project.get("name")
    if not isinstance(name, str) or not name.strip():
        raise lines.fail(
            "project.name",
            "[project] has no 'name'"
            if name is None
            else "'project.name' must be a non-empty string",
            'name = "your-project" (PEP 621 requires it)',
            line=lines.key_line("project"),
        )
    return name


def _requirement_list(
    value: object, field: str, category: str, lines: _TomlLines
) -> list[PipRequirement]:
    if not isinstance(value, list):
        raise lines.fail(
            field,
            f"'{field}' must be a list of strings, not {type(value).__name__}",
            "a list of PEP 508 strings",
        )
    start = lines.key_line(field)
    cursor = None if start is None else [start, 0]
    result: list[PipRequirement] = []
    for index, item in enumerate(value):
        item_field = f"{field}[{index}]"
        if not isinstance(item, str):
            raise lines.fail(
                item_field,
                f"'{item_field}' must be a string, not {type(item).__name__}",
                "a PEP 508 string such as 'torch>=2.1'",
                line=start,
            )
        line = lines.string_line(item, cursor)
        result.append(parse_requirement(item, lines.location(item_field, line), category=category))
    return result


def _requires_python(value: object, lines: _TomlLines) -> PythonRequirement:
    field = "project.requires-python"
    line = lines.key_line(field)
    if not isinstance(value, str):
        raise lines.fail(
            field, f"'{field}' must be a string", "a PEP 440 specifier such as '>=3.10'", line=line
        )
    try:
        SpecifierSet(value)
    except InvalidSpecifier as exc:
        raise lines.fail(
            field,
            f"invalid requires-python {value!r}: {exc}",
            "a PEP 440 specifier such as '>=3.10'",
            line=line,
        ) from exc
    return PythonRequirement(value, "pep440", lines.location(field, line))


def _optional_dependencies(
    project: dict[str, Any], lines: _TomlLines
) -> dict[str, tuple[str, list[PipRequirement]]]:
    """normalized extra -> (extra as written, its requirements in category = normalized name)."""
    field = "project.optional-dependencies"
    table = project.get("optional-dependencies", {})
    if not isinstance(table, dict):
        raise lines.fail(field, f"'{field}' must be a table", "a table of extra = [requirements]")
    result: dict[str, tuple[str, list[PipRequirement]]] = {}
    for extra in sorted(table):
        normalized = canonicalize_name(extra)
        if normalized in result:
            raise lines.fail(
                f"{field}.{extra}",
                f"extras {result[normalized][0]!r} and {extra!r} are the same name after normalization",
                "distinct extra names",
            )
        reqs = _requirement_list(table[extra], f"{field}.{extra}", normalized, lines)
        result[normalized] = (extra, reqs)
    return result


def _select_extras(
    requested: list[tuple[str, str]],
    optional: dict[str, tuple[str, list[PipRequirement]]],
    project_name: str,
    lines: _TomlLines,
) -> list[PipRequirement]:
    own = canonicalize_name(project_name)
    result: list[PipRequirement] = []
    for written, normalized in sorted(set(requested), key=lambda pair: pair[1]):
        if normalized not in optional:
            raise lines.fail(
                "project.optional-dependencies",
                f"unknown extra {written!r}",
                "one of " + (", ".join(sorted(optional)) or "(no extras defined)"),
            )
    for normalized in sorted({n for _w, n in requested}):
        result.extend(_expand_extra(normalized, normalized, None, optional, own, set()))
    return result


def _expand_extra(
    extra: str,
    category: str,
    outer: Marker | None,
    optional: dict[str, tuple[str, list[PipRequirement]]],
    own: str,
    visiting: set[str],
) -> list[PipRequirement]:
    """The requirements of ``extra``, with self-references (``own[x]``) expanded."""
    if extra in visiting:
        return []  # a self-reference back to an extra already being expanded adds nothing
    visiting = visiting | {extra}
    result: list[PipRequirement] = []
    for item in optional[extra][1]:
        req = item.requirement
        assert req is not None  # PEP 508 strings always name a project
        marker = _and_markers(outer, req.marker)
        if canonicalize_name(req.name) == own and not req.url and not req.specifier:
            for inner in sorted(canonicalize_name(e) for e in req.extras):
                if inner in optional:
                    result.extend(_expand_extra(inner, category, marker, optional, own, visiting))
            continue
        if marker is not req.marker or item.category != category:
            new_req = req.with_marker(marker)
            item = PipRequirement(
                requirement=new_req,
                text=str(new_req),
                location=item.location,
                category=category,
            )
        result.append(item)
    return result


def _and_markers(outer: Marker | None, inner: Marker | None) -> Marker | None:
    if outer is None:
        return inner
    if inner is None:
        return outer
    return Marker(f"({outer}) and ({inner})")


# --------------------------------------------------------------------------- [dependency-groups]


def _dependency_groups(
    data: dict[str, Any], lines: _TomlLines
) -> dict[str, tuple[str, list[object]]]:
    """normalized group -> (name as written, raw entries), validated for shape."""
    field = "dependency-groups"
    table = data.get(field, {})
    if not isinstance(table, dict):
        raise lines.fail(
            field, "[dependency-groups] must be a table", "a table of group = [entries]"
        )
    result: dict[str, tuple[str, list[object]]] = {}
    for group in sorted(table):
        normalized = canonicalize_name(group)
        if normalized in result:
            raise lines.fail(
                f"{field}.{group}",
                f"dependency groups {result[normalized][0]!r} and {group!r} are the same name after normalization",
                "distinct group names (PEP 735)",
            )
        entries = table[group]
        if not isinstance(entries, list):
            raise lines.fail(
                f"{field}.{group}",
                f"dependency group {group!r} must be a list, not {type(entries).__name__}",
                'a list of requirement strings and {include-group = "..."} tables',
            )
        result[normalized] = (group, entries)
    return result


def _select_groups(
    requested: list[tuple[str, str]],
    table: dict[str, tuple[str, list[object]]],
    lines: _TomlLines,
) -> list[PipRequirement]:
    for written, normalized in sorted(set(requested), key=lambda pair: pair[1]):
        if normalized not in table:
            raise lines.fail(
                "dependency-groups",
                f"unknown dependency group {written!r}",
                "one of " + (", ".join(sorted(table)) or "(no groups defined)"),
                line=lines.key_line("dependency-groups"),
            )
    result: list[PipRequirement] = []
    for normalized in sorted({n for _w, n in requested}):
        result.extend(_expand_group(normalized, normalized, table, lines, ()))
    return result


def _expand_group(
    group: str,
    category: str,
    table: dict[str, tuple[str, list[object]]],
    lines: _TomlLines,
    chain: tuple[str, ...],
) -> list[PipRequirement]:
    written, entries = table[group]
    field = f"dependency-groups.{written}"
    if group in chain:
        cycle = " -> ".join((*chain[chain.index(group) :], group))
        raise lines.fail(
            field,
            f"dependency groups include each other in a cycle: {cycle}",
            "include-group entries that do not lead back to the same group",
        )
    chain = (*chain, group)
    start = lines.key_line(field)
    cursor = None if start is None else [start, 0]
    result: list[PipRequirement] = []
    for index, entry in enumerate(entries):
        entry_field = f"{field}[{index}]"
        if isinstance(entry, str):
            line = lines.string_line(entry, cursor)
            result.append(
                parse_requirement(entry, lines.location(entry_field, line), category=category)
            )
        elif isinstance(entry, dict):
            if set(entry) != {"include-group"} or not isinstance(entry["include-group"], str):
                raise lines.fail(
                    entry_field,
                    f"invalid entry in dependency group {written!r}: {entry!r}",
                    '{include-group = "group-name"} (PEP 735)',
                    line=start,
                )
            target = canonicalize_name(entry["include-group"])
            if target not in table:
                raise lines.fail(
                    entry_field,
                    f"dependency group {written!r} includes unknown group {entry['include-group']!r}",
                    "one of " + ", ".join(sorted(table)),
                    line=start,
                )
            result.extend(_expand_group(target, category, table, lines, chain))
        else:
            raise lines.fail(
                entry_field,
                f"invalid entry in dependency group {written!r}: {type(entry).__name__} {entry!r}",
                'a requirement string or {include-group = "group-name"}',
                line=start,
            )
    return result
