"""Read conda ``environment.yml`` files, with the conda-lock extensions.

Standard keys: ``name``, ``channels`` (``nodefaults`` is recorded as
:attr:`Spec.nodefaults <compatlib.specs.model.Spec.nodefaults>`),
``dependencies`` (conda MatchSpec strings, plus ``pip:`` lists whose items are
requirements-file lines: ``-r file`` and ``--index-url`` work relative to the
YAML file, as they do when conda hands them to pip), ``variables`` and
``prefix``. conda-lock's documented extensions are supported as well:
``platforms`` (the default target platforms), ``category`` (the category of
every dependency in the file, ``main`` by default) and platform selectors in
trailing comments (``- pywin32  # [win]``), which conda-lock limits to single
OS names, without ``not``/``and``/``or`` or comparisons.

Every dependency keeps its line and column; YAML syntax errors keep theirs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compatlib._input import compose_yaml, construct_yaml, read_text
from compatlib._values import value
from compatlib.errors import InputError
from compatlib.sources.conda.naming import KNOWN_SUBDIRS
from compatlib.specs.model import (
    MAIN_CATEGORY,
    CondaDependency,
    Located,
    Location,
    PythonRequirement,
    Spec,
    Variable,
    conda_package_name,
)
from compatlib.specs.requirements import _COMMENT_RE, _Collector, _Context, _handle_line

if TYPE_CHECKING:
    import yaml

__all__ = [
    "CONDA_PLATFORMS",
    "SELECTOR_PLATFORMS",
    "read_environment",
    "selector_applies",
]

CONDA_PLATFORMS: tuple[str, ...] = tuple(sorted(KNOWN_SUBDIRS - {"noarch"}))
"""The platform subdirs conda knows (``conda.base.constants.PLATFORMS``), without ``noarch``."""

SELECTOR_PLATFORMS: dict[str, frozenset[str]] = {
    "linux-64": frozenset({"linux64", "unix", "linux"}),
    "linux-aarch64": frozenset({"aarch64", "unix", "linux"}),
    "linux-ppc64le": frozenset({"ppc64le", "unix", "linux"}),
    "osx-64": frozenset({"osx64", "osx", "unix"}),
    "osx-arm64": frozenset({"arm64", "osx", "unix"}),
    "win-64": frozenset({"win", "win64"}),
}
"""conda-lock's selector table: which selector names hold on which platform."""

_SELECTOR_NAMES = frozenset().union(*SELECTOR_PLATFORMS.values())
_SELECTOR_RE = re.compile(r"#.*\[([^\[\]]+)\][^()]*$")
_KNOWN_KEYS = ("name", "channels", "dependencies", "variables", "prefix", "platforms", "category")


def selector_applies(selector: str | None, platform: str) -> bool:
    """Whether a dependency with conda-lock ``selector`` is part of ``platform``.

    No selector means every platform. Platforms outside conda-lock's selector
    table match no selector.
    """
    if selector is None:
        return True
    return selector in SELECTOR_PLATFORMS.get(platform, frozenset())


def read_environment(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> Spec:
    """Read a conda ``environment.yml`` (and the requirement files its pip section names).

    ``environ`` supplies ``${NAME}`` values inside the ``pip:`` section
    (default: the process environment, as pip does).
    """
    file = Path(path)
    document = _YamlDocument.load(file)
    try:
        return _read_environment_document(
            document, file, os.environ if environ is None else environ
        )
    finally:
        document.dispose()


def _read_environment_document(
    document: _YamlDocument, file: Path, environ: Mapping[str, str]
) -> Spec:
    """:func:`read_environment` of a document already composed (by
    :func:`compatlib.specs.read_spec`, which looked at it to tell its kind)."""
    return _environment_from_node(
        document, document.root, base_dir=file.parent, environ=environ, field_prefix=""
    )


# --------------------------------------------------------------------------- YAML helpers


@value(frozen=False)
class _YamlDocument:
    """A composed YAML file: the node tree (with marks) and a loader to build
    scalars; ``text`` and its ``lines`` for error messages."""

    source: str
    text: str
    lines: list[str]
    loader: yaml.SafeLoader
    root: yaml.Node

    @classmethod
    def load(cls, file: Path, *, what: str = "environment file") -> _YamlDocument:
        """Read and compose ``file`` within the input limits (compatlib._input)."""
        source = str(file)
        text = read_text(file, what=what)
        loader, root = compose_yaml(text, source=source)
        if root is None:
            loader.dispose()
            raise InputError(f"{what} is empty", source=source, expected="a YAML mapping")
        return cls(source, text, text.splitlines(), loader, root)

    def dispose(self) -> None:
        self.loader.dispose()

    def where(self, node: yaml.Node, field: str | None) -> Location:
        mark = node.start_mark
        return Location(self.source, mark.line + 1, mark.column + 1, field or None)

    def fail(self, node: yaml.Node, field: str, message: str, expected: str) -> InputError:
        mark = node.start_mark
        text = self.lines[mark.line] if mark.line < len(self.lines) else None
        return InputError(
            message,
            source=self.source,
            line=mark.line + 1,
            column=mark.column + 1,
            field=field or None,
            text=text,
            expected=expected,
        )

    def value(self, node: yaml.Node) -> Any:
        """The Python value of ``node``; a tag that does not fit its value is an
        InputError at the node."""
        return construct_yaml(self.loader, node, source=self.source, text=self.text)

    def mapping(self, node: yaml.Node, field: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The entries of a mapping node: key -> (key node, value node); duplicates are errors."""
        # lazy: only mapping needs yaml, which loads 27 modules that importing this one does not
        import yaml

        if not isinstance(node, yaml.MappingNode):
            got = _kind(node, self.value(node) if isinstance(node, yaml.ScalarNode) else None)
            raise self.fail(
                node,
                field,
                f"{_describe(field)} must be a mapping, not {got}",
                "a mapping (key: value)",
            )
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise self.fail(
                    key_node, field, f"keys of {_describe(field)} must be strings", "a string key"
                )
            if key in result:
                first = result[key][0].start_mark.line + 1
                raise self.fail(
                    key_node,
                    _join(field, key),
                    f"duplicate key {key!r} (first defined on line {first})",
                    "each key once",
                )
            result[key] = (key_node, value_node)
        return result

    def sequence(self, node: yaml.Node, field: str) -> list[yaml.Node]:
        # lazy: only sequence needs yaml, which loads 27 modules that importing this one does not
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            got = _kind(node, self.value(node) if isinstance(node, yaml.ScalarNode) else None)
            raise self.fail(
                node, field, f"{_describe(field)} must be a list, not {got}", "a YAML list (- item)"
            )
        return list(node.value)

    def string(self, node: yaml.Node, field: str, expected: str = "a string") -> str:
        # lazy: only string needs yaml, which loads 27 modules that importing this one does not
        import yaml

        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str):
            got = _kind(node, value)
            raise self.fail(
                node, field, f"{_describe(field)} must be a string, not {got}", expected
            )
        return value

    def selector(self, node: yaml.Node, field: str) -> str | None:
        """The conda-lock selector in a comment after ``node`` on its last line."""
        end = node.end_mark
        if end.line >= len(self.lines):
            return None
        rest = self.lines[end.line][end.column :]
        match = _SELECTOR_RE.search(rest)
        if match is None:
            return None
        selector = match.group(1).strip()
        if selector not in _SELECTOR_NAMES:
            raise InputError(
                f"unsupported platform selector [{selector}]",
                source=self.source,
                line=end.line + 1,
                column=end.column + rest.index("[") + 2,
                field=field,
                text=self.lines[end.line],
                expected="one OS selector conda-lock supports: "
                + ", ".join(sorted(_SELECTOR_NAMES)),
            )
        return selector


def _describe(field: str) -> str:
    return f"'{field}'" if field else "the document"


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _kind(node: yaml.Node, value: object) -> str:
    # lazy: only _kind needs yaml, which loads 27 modules that importing this one does not
    import yaml

    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if value is None:
        return "empty (null)"
    return f"{type(value).__name__} {value!r}"


# --------------------------------------------------------------------------- environment


def _environment_from_node(
    doc: _YamlDocument,
    node: yaml.Node,
    *,
    base_dir: Path,
    environ: Mapping[str, str],
    field_prefix: str,
) -> Spec:
    entries = doc.mapping(node, field_prefix)
    for key in sorted(entries):
        if key not in _KNOWN_KEYS:
            raise doc.fail(
                entries[key][0],
                _join(field_prefix, key),
                f"unknown key {key!r} in environment file",
                "one of " + ", ".join(_KNOWN_KEYS),
            )
    if "dependencies" not in entries:
        raise doc.fail(
            node, field_prefix, "environment file has no 'dependencies'", "a 'dependencies:' list"
        )

    def get(key: str) -> tuple[yaml.Node, str] | None:
        item = entries.get(key)
        return None if item is None else (item[1], _join(field_prefix, key))

    name: str | None = None
    if (item := get("name")) is not None:
        name = doc.string(*item)
    category = _category(doc, get("category"))
    channels, nodefaults = _channels(doc, get("channels"))
    platforms = _platforms(doc, get("platforms"))
    variables = _variables(doc, get("variables"))
    if (item := get("prefix")) is not None:
        doc.string(*item, expected="a path")  # validated, not used: locks do not install

    source = doc.source
    collector = _Collector()
    collector.add_source(source)
    pip_context = _Context(
        source=source,
        base_dir=base_dir,
        constraint=False,
        stack=(Path(source).resolve(),),
        environ=environ,
        category=category,
    )
    deps_node, deps_field = entries["dependencies"][1], _join(field_prefix, "dependencies")
    conda, python = _dependencies(doc, deps_node, deps_field, pip_context, collector)
    return Spec(
        source=source,
        name=name,
        pip=tuple(collector.pip),
        conda=tuple(conda),
        constraints=tuple(collector.constraints),
        channels=tuple(channels),
        nodefaults=nodefaults,
        indexes=collector.index_options(),
        install=collector.install_options(),
        platforms=tuple(platforms),
        variables=tuple(variables),
        python=tuple(python),
        sources=tuple(collector.sources),
    )


def _category(doc: _YamlDocument, item: tuple[yaml.Node, str] | None) -> str:
    """The conda-lock ``category`` of the file's dependencies (``main`` unless given)."""
    if item is None:
        return MAIN_CATEGORY
    category = doc.string(*item, expected="a category name such as 'dev'").strip()
    if not category:
        raise doc.fail(item[0], item[1], "'category' is empty", "a category name such as 'dev'")
    return category


def _channels(
    doc: _YamlDocument, item: tuple[yaml.Node, str] | None
) -> tuple[list[Located[str]], bool]:
    """The channels in order, each once, and whether ``nodefaults`` is among them."""
    channels: list[Located[str]] = []
    nodefaults = False
    if item is None:
        return channels, nodefaults
    seq_node, seq_field = item
    for index, child in enumerate(doc.sequence(seq_node, seq_field)):
        child_field = _join(seq_field, index)
        channel = doc.string(child, child_field, "a channel name or URL").strip()
        if not channel:
            raise doc.fail(child, child_field, "empty channel", "a channel name or URL")
        if channel == "nodefaults":
            nodefaults = True
        elif channel not in (c.value for c in channels):
            channels.append(Located(channel, doc.where(child, child_field)))
    return channels, nodefaults


def _platforms(doc: _YamlDocument, item: tuple[yaml.Node, str] | None) -> list[Located[str]]:
    """The conda-lock ``platforms``, known conda subdirs, each once."""
    platforms: list[Located[str]] = []
    if item is None:
        return platforms
    seq_node, seq_field = item
    for index, child in enumerate(doc.sequence(seq_node, seq_field)):
        child_field = _join(seq_field, index)
        platform = doc.string(child, child_field, "a conda platform such as linux-64")
        if platform not in CONDA_PLATFORMS:
            raise doc.fail(
                child,
                child_field,
                f"unknown platform {platform!r}",
                "one of " + ", ".join(CONDA_PLATFORMS),
            )
        if platform not in (p.value for p in platforms):
            platforms.append(Located(platform, doc.where(child, child_field)))
    return platforms


def _variables(doc: _YamlDocument, item: tuple[yaml.Node, str] | None) -> list[Variable]:
    """The environment ``variables``, sorted; values are scalars, kept as text."""
    variables: list[Variable] = []
    if item is None:
        return variables
    map_node, map_field = item
    for var_name, (key_node, value_node) in doc.mapping(map_node, map_field).items():
        var_field = _join(map_field, var_name)
        value = doc.value(value_node)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            text = str(value)
        else:
            raise doc.fail(
                value_node,
                var_field,
                f"variable {var_name!r} must be a string, not {_kind(value_node, value)}",
                "a string, number or boolean",
            )
        variables.append(Variable(var_name, text, doc.where(key_node, var_field)))
    variables.sort()
    return variables


def _dependencies(
    doc: _YamlDocument,
    deps_node: yaml.Node,
    deps_field: str,
    pip_context: _Context,
    collector: _Collector,
) -> tuple[list[CondaDependency], list[PythonRequirement]]:
    """The conda dependencies and the Python they pin; ``pip:`` sections go to
    ``collector`` as requirement lines."""
    # lazy: only _dependencies needs yaml, which loads 27 modules that importing this one does not
    import yaml

    conda: list[CondaDependency] = []
    python: list[PythonRequirement] = []
    for index, child in enumerate(doc.sequence(deps_node, deps_field)):
        child_field = _join(deps_field, index)
        if isinstance(child, yaml.MappingNode):
            _pip_sections(doc, child, child_field, pip_context, collector)
            continue
        spec = doc.string(
            child, child_field, "a conda MatchSpec such as 'pytorch>=2.1' or a 'pip:' list"
        )
        spec = spec.strip()
        if not spec:
            raise doc.fail(child, child_field, "empty dependency", "a conda MatchSpec")
        where = doc.where(child, child_field)
        package = conda_package_name(spec)
        conda.append(
            CondaDependency(
                spec=spec,
                location=where,
                category=pip_context.category,
                selector=doc.selector(child, child_field),
                name=package,
            )
        )
        if package == "python" and spec.lower() != "python":
            python.append(PythonRequirement(spec, "conda", where))
    return conda, python


def _pip_sections(
    doc: _YamlDocument,
    node: yaml.Node,
    field: str,
    ctx: _Context,
    collector: _Collector,
) -> None:
    """A ``- pip: [...]`` item: each line read as a requirements-file line."""
    for key, (key_node, value_node) in doc.mapping(node, field).items():
        if key != "pip":
            raise doc.fail(
                key_node,
                _join(field, key),
                f"unknown installer section {key!r} in dependencies",
                "a 'pip:' list",
            )
        pip_field = _join(field, "pip")
        for pip_index, pip_node in enumerate(doc.sequence(value_node, pip_field)):
            item_field = _join(pip_field, pip_index)
            text = doc.string(pip_node, item_field, "a pip requirement line")
            text = _COMMENT_RE.sub("", text).strip()
            selector = doc.selector(pip_node, item_field)
            if text:
                _handle_line(text, doc.where(pip_node, item_field), ctx, collector, selector)
