"""PEP 508 dependency specifiers and environment markers, parsed without packaging's parser.

``packaging.requirements`` and ``packaging.markers`` are costly to import (their
tokenizer compiles about twenty regular expressions and ``packaging.utils`` pulls
in ``packaging.tags``, ``logging``, ``subprocess`` and ``sysconfig``) and their
tokenizer is slow on the hundreds of ``Requires-Dist`` strings one lock reads.
This module is a hand-written scanner for the same grammar, accepting exactly the
strings packaging 26.4 accepts and giving the same parts, the same string forms and
the same marker evaluation.  Version sets are still :class:`~packaging.specifiers.
SpecifierSet` objects.

>>> req = parse_requirement("Requests[Socks] >=2.8 ; python_version >= '3.8'")
>>> req.name, sorted(req.extras), str(req.specifier), str(req.marker)
('Requests', ['Socks'], '>=2.8', 'python_version >= "3.8"')
>>> req.marker.evaluate({"python_version": "3.7"})
False

Error messages are packaging's own: only when a string is rejected is
``packaging.requirements`` imported, to word the error exactly as it would.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Union, cast

if TYPE_CHECKING:
    from typing_extensions import Self

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet

from compatlib._values import slot_setter, value
from compatlib.errors import CompatError
from compatlib.values.filenames import canonicalize_name

__all__ = [
    "InvalidMarker",
    "InvalidRequirement",
    "Marker",
    "Requirement",
    "UndefinedComparison",
    "UndefinedEnvironmentName",
    "default_environment",
    "parse_requirement",
]


class _SyntaxError(CompatError, ValueError):
    """A rejected PEP 508 string: ``message`` is the error without the source
    display, ``source`` the rejected text and ``span`` the ``(start, end)`` of the
    offending part (``None`` when the version specifier, not the syntax, is at fault).
    """

    def __init__(
        self,
        *args: object,
        message: str | None = None,
        source: str | None = None,
        span: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(*args)
        self.message: str = message if message is not None else (str(args[0]) if args else "")
        self.source: str | None = source
        self.span: tuple[int, int] | None = span

    @classmethod
    def of(cls, exc: Exception) -> Self:
        """The same error as packaging's ``exc``, with its message, source and span."""
        return cls(
            str(exc),
            message=getattr(exc, "message", str(exc)),
            source=getattr(exc, "source", None),
            span=getattr(exc, "span", None),
        )


class InvalidRequirement(_SyntaxError):
    """A requirement string that is not a PEP 508 dependency specifier."""


class InvalidMarker(_SyntaxError):
    """A marker string that is not a PEP 508 environment marker."""


class UndefinedComparison(CompatError, ValueError):
    """A marker comparison the specification leaves undefined (e.g. ``~=`` on text)."""


class UndefinedEnvironmentName(CompatError, KeyError):
    """A marker names an environment key the evaluation environment lacks."""


class _Reject(Exception):
    """Internal: the scanner rejects the text (packaging words the public error)."""


# --------------------------------------------------------------------------- tree
# A marker is a list of atoms joined by the strings "and" / "or"; an atom is a
# parenthesised group (a nested list) or a comparison, held as the tuple
# (left is a variable, left text, operator, right is a variable, right text).
_Item = tuple[bool, str, str, bool, str]
_Node = Union[_Item, str, "list[_Node]"]
_Tree = list[_Node]

_EnvValue = str | AbstractSet[str]

# --------------------------------------------------------------------------- lexical rules
# Compiled on first use, so that importing this module compiles nothing.
_VARIABLE_NAMES = (
    r"python_version|python_full_version|os[._]name|sys[._]platform"
    r"|platform_(?:release|system)|platform[._](?:version|machine|python_implementation)"
    r"|python_implementation|implementation_(?:name|version)|extras?|dependency_groups"
)
_VARIABLES = frozenset(
    {
        "python_version",
        "python_full_version",
        "os_name",
        "os.name",
        "sys_platform",
        "sys.platform",
        "platform_release",
        "platform_system",
        "platform_version",
        "platform.version",
        "platform_machine",
        "platform.machine",
        "platform_python_implementation",
        "platform.python_implementation",
        "python_implementation",
        "implementation_name",
        "implementation_version",
        "extra",
        "extras",
        "dependency_groups",
    }
)
# One comparison with plain operands and the blanks after it.  A variable is any
# word of name characters here, accepted only when it is one of _VARIABLES.
_PLAIN_OPERAND = r"""(?:\b([a-z][a-z._]*)\b|'([^'\\]*)'|"([^"\\]*)")"""


class _Patterns:
    """The common shapes: one match for most requirements and most comparisons."""

    __slots__ = ("boolean", "common", "simple_item")

    def __init__(self) -> None:
        # Name, [extras], a version list, ";" marker.  It tries the scanner's reading
        # first; any other way it can match leaves a version list that does not
        # parse, and then the scanner decides.
        self.common = re.compile(
            r"[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*\b)[ \t]*"
            r"(?:\[[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*\b(?:[ \t]*,[ \t]*[A-Za-z0-9][A-Za-z0-9._-]*\b)*)?"
            r"[ \t]*\][ \t]*)?"
            r"(?![(@\[])([\t\x20-\x28\x2a-\x3a\x3c-\x7e]*)(?:;(.*)|\Z)",
            re.DOTALL,
        )
        self.simple_item = re.compile(
            rf"{_PLAIN_OPERAND}[ \t]*(===|==|~=|!=|<=|>=|<|>|\bin\b|\bnot[ \t]+in\b)"
            rf"[ \t]*{_PLAIN_OPERAND}[ \t]*"
        )
        self.boolean = re.compile(r"\b(?:or|and)\b")


class _Tokens:
    """The scanner's tokens, for everything the common shapes do not cover."""

    __slots__ = ("identifier", "in_", "operator", "spec_list", "url", "variable")

    def __init__(self) -> None:
        self.identifier = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9._-]*\b")
        self.url = re.compile(r"\S+")
        # A whole version list up to ";", ")" or the end, printable ASCII and tabs only.
        self.spec_list = re.compile(r"[\t\x20-\x28\x2a-\x3a\x3c-\x7e]*(?=[;)]|\Z)")
        self.variable = re.compile(rf"\b(?:{_VARIABLE_NAMES})\b")
        self.operator = re.compile(r"===|==|~=|!=|<=|>=|<|>|\bin\b|\bnot\b")
        self.in_ = re.compile(r"\bin\b")


_compiled: _Patterns | None = None
_compiled_tokens: _Tokens | None = None


def _patterns() -> _Patterns:
    global _compiled
    if _compiled is None:
        _compiled = _Patterns()
    return _compiled


def _tokens() -> _Tokens:
    global _compiled_tokens
    if _compiled_tokens is None:
        _compiled_tokens = _Tokens()
    return _compiled_tokens


_MAX_NESTING = 200
_SET_KEYS = frozenset({"extras", "dependency_groups"})
_VERSION_KEYS = frozenset(
    {"implementation_version", "platform_release", "python_full_version", "python_version"}
)
_single_spec_pattern: re.Pattern[str] | None = None


def _skip_ws(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in " \t":
        pos += 1
    return pos


# --------------------------------------------------------------------------- requirement scanner
def _scan_requirement(
    text: str,
) -> tuple[str, list[str], SpecifierSet | str, str | None, Marker | None]:
    """(name, extras, specifier, url, marker) of ``text``; raises _Reject."""
    end = len(text)
    tokens = _compiled_tokens or _tokens()
    pos = _skip_ws(text, 0, end)
    match = tokens.identifier.match(text, pos)
    if match is None:
        raise _Reject
    name = match.group()
    pos = _skip_ws(text, match.end(), end)

    extras: list[str] = []
    if pos < end and text[pos] == "[":
        pos = _skip_ws(text, pos + 1, end)
        match = tokens.identifier.match(text, pos)
        if match is not None:
            extras.append(match.group())
            pos = match.end()
            while True:
                pos = _skip_ws(text, pos, end)
                if tokens.identifier.match(text, pos) is not None:
                    raise _Reject  # two names without a comma
                if pos >= end or text[pos] != ",":
                    break
                pos = _skip_ws(text, pos + 1, end)
                match = tokens.identifier.match(text, pos)
                if match is None:
                    raise _Reject
                extras.append(match.group())
                pos = match.end()
        if pos >= end or text[pos] != "]":
            raise _Reject
        pos = _skip_ws(text, pos + 1, end)

    specifier: SpecifierSet | str = ""
    url: str | None = None
    if pos < end and text[pos] == "@":
        pos = _skip_ws(text, pos + 1, end)
        match = tokens.url.match(text, pos)
        if match is None:
            raise _Reject
        url = match.group()
        pos = match.end()
        if pos == end:
            return name, extras, specifier, url, None
        after = _skip_ws(text, pos, end)
        if after == pos:
            raise _Reject  # the URL must be followed by a space or tab
        pos = after
        if pos == end:
            return name, extras, specifier, url, None
    elif pos < end and text[pos] == "(":
        specifier, pos = _scan_versions(text, _skip_ws(text, pos + 1, end), end)
        if pos >= end or text[pos] != ")":
            raise _Reject
        pos = _skip_ws(text, pos + 1, end)
    else:
        specifier, pos = _scan_versions(text, pos, end)
    if pos == end:
        return name, extras, specifier, url, None
    if text[pos] != ";":
        raise _Reject
    # The marker runs to the end; markers repeat across requirements, so share them.
    return name, extras, specifier, url, _cached_marker(text[pos + 1 :])


_spec_cache: dict[str, tuple[Specifier, ...] | None] = {}
_specifier_cache: dict[str, Specifier] = {}


def _spec_parts(chunk: str) -> tuple[Specifier, ...] | None:
    try:
        return _spec_cache[chunk]
    except KeyError:
        pass
    parts = _clean_spec_list(chunk)
    if len(_spec_cache) >= 16384:
        _spec_cache.clear()
    _spec_cache[chunk] = parts
    return parts


def _clean_spec_list(chunk: str) -> tuple[Specifier, ...] | None:
    """The specifiers of ``chunk`` when it is one well-formed version list, else None.

    Items are split and stripped as ``SpecifierSet(chunk)`` splits them; the parsed
    :class:`Specifier` objects are cached by their text and shared.
    """
    items = [piece.strip() for piece in chunk.split(",")]
    specs: list[Specifier] = []
    for item in items:
        if not item:
            continue
        spec = _specifier_cache.get(item)
        if spec is None:
            try:
                spec = Specifier(item)
            except InvalidSpecifier:
                return None
            if len(_specifier_cache) >= 16384:
                _specifier_cache.clear()
            _specifier_cache[item] = spec
        specs.append(spec)
    commas = len(items) - 1
    count = len(specs)
    # SpecifierSet skips empty items; the grammar allows only one trailing comma.
    if count == commas + 1 or (count and count == commas and chunk.rstrip(" \t").endswith(",")):
        return tuple(specs)
    return None


def _scan_versions(text: str, pos: int, end: int) -> tuple[SpecifierSet | str, int]:
    """A comma-separated version list at ``pos`` (possibly empty)."""
    if pos == end:
        return "", pos
    match = (_compiled_tokens or _tokens()).spec_list.match(text, pos)
    if match is not None and match.end() > pos:
        parts = _spec_parts(match.group())
        if parts is not None:
            # A fresh set per requirement; the parsed Specifier objects are shared.
            return SpecifierSet(parts), match.end()
    # The list is not one clean run: read it specifier by specifier.
    global _single_spec_pattern
    if _single_spec_pattern is None:
        _single_spec_pattern = re.compile(
            Specifier._specifier_regex_str, re.VERBOSE | re.IGNORECASE
        )
    single = _single_spec_pattern
    pieces: list[str] = []
    while True:
        match = single.match(text, pos)
        if match is None:
            break
        pieces.append(match.group())
        pos = _skip_ws(text, match.end(), end)
        if pos >= end or text[pos] != ",":
            break
        pieces.append(",")
        pos = _skip_ws(text, pos + 1, end)
    return "".join(pieces), pos


# --------------------------------------------------------------------------- marker scanner
def _scan_marker(text: str, pos: int, end: int, depth: int) -> tuple[_Tree, int]:
    boolean = (_compiled or _patterns()).boolean
    atom, pos = _scan_atom(text, pos, end, depth)
    tree: _Tree = [atom]
    while True:
        match = boolean.match(text, pos)
        if match is None:
            return tree, pos
        tree.append(match.group())
        atom, pos = _scan_atom(text, match.end(), end, depth)
        tree.append(atom)


def _scan_atom(text: str, pos: int, end: int, depth: int) -> tuple[_Node, int]:
    rx = _compiled or _patterns()
    pos = _skip_ws(text, pos, end)
    atom: _Node
    if pos < end and text[pos] == "(":
        if depth >= _MAX_NESTING:
            raise _Reject
        atom, pos = _scan_marker(text, pos + 1, end, depth + 1)
        if pos >= end or text[pos] != ")":
            raise _Reject
        pos += 1
    else:
        simple = rx.simple_item.match(text, pos)
        if simple is not None:
            lvar, lsq, ldq, op, rvar, rsq, rdq = simple.groups()
            left = lvar or lsq or ldq or ""
            right = rvar or rsq or rdq or ""
            if (
                (lvar is None or lvar in _VARIABLES)
                and (rvar is None or rvar in _VARIABLES)
                and left.isprintable()
                and right.isprintable()
            ):
                return _item(lvar is not None, left, op, rvar is not None, right), simple.end()
        tokens = _compiled_tokens or _tokens()
        left_var, left, pos = _scan_operand(text, pos)
        pos = _skip_ws(text, pos, end)
        match = tokens.operator.match(text, pos)
        if match is None:
            raise _Reject
        op = match.group()
        pos = match.end()
        if op == "not":
            after = _skip_ws(text, pos, end)
            if after == pos:
                raise _Reject
            match = tokens.in_.match(text, after)
            if match is None:
                raise _Reject
            op = "not in"
            pos = match.end()
        pos = _skip_ws(text, pos, end)
        right_var, right, pos = _scan_operand(text, pos)
        atom = _item(left_var, left, op, right_var, right)
    return atom, _skip_ws(text, pos, end)


def _item(left_var: bool, left: str, op: str, right_var: bool, right: str) -> _Item:
    if left_var:
        left = _variable(left)
    if right_var:
        right = _variable(right)
    if op[0] == "n":
        op = "not in"
    # PEP 685: extra names on the literal side are compared normalized.
    if not right_var:
        if left_var and left == "extra":
            right = canonicalize_name(right)
    elif not left_var and (right == "extra" or right in _SET_KEYS):
        left = canonicalize_name(left)
    return (left_var, left, op, right_var, right)


def _variable(name: str) -> str:
    name = name.replace(".", "_")
    return "platform_python_implementation" if name == "python_implementation" else name


def _scan_operand(text: str, pos: int) -> tuple[bool, str, int]:
    """(is a variable, variable name or string value, end) of the operand at ``pos``."""
    match = (_compiled_tokens or _tokens()).variable.match(text, pos)
    if match is not None:
        return True, match.group(), match.end()
    if pos >= len(text):
        raise _Reject
    quote = text[pos]
    if quote != '"' and quote != "'":
        raise _Reject
    close = text.find(quote, pos + 1)
    if close < 0:
        raise _Reject
    literal = text[pos : close + 1]
    if "\\" not in literal and literal.isprintable():
        return False, literal[1:-1], close + 1
    import ast  # escapes and control characters: read it as Python does

    try:
        value = ast.literal_eval(literal)
    except (SyntaxError, ValueError) as exc:
        raise _Reject from exc
    return False, str(value), close + 1


def _scan_full_marker(text: str) -> _Tree:
    end = len(text)
    tree, pos = _scan_marker(text, 0, end, 0)
    if pos != end:
        raise _Reject
    return tree


_marker_cache: dict[str, Marker] = {}


def _cached_marker(text: str) -> Marker:
    """The (immutable, so shareable) marker for ``text``; raises _Reject."""
    marker = _marker_cache.get(text)
    if marker is None:
        marker = _marker_from_tree(_scan_full_marker(text))
        if len(_marker_cache) >= 16384:
            _marker_cache.clear()
        _marker_cache[text] = marker
    return marker


# --------------------------------------------------------------------------- formatting
def _quote(value: str) -> str:
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    raise ValueError("Cannot serialize marker value containing both quote characters")


def _format(node: _Node, outermost: bool) -> str:
    if isinstance(node, tuple):
        left_var, left, op, right_var, right = node
        lhs = left if left_var else _quote(left)
        rhs = right if right_var else _quote(right)
        return f"{lhs} {op} {rhs}"
    if isinstance(node, str):
        return node
    if len(node) == 1 and not isinstance(node[0], str):
        return _format(node[0], outermost)  # a redundant group adds no parentheses
    joined = " ".join([_format(child, False) for child in node])
    return joined if outermost else f"({joined})"


# --------------------------------------------------------------------------- evaluation
def _python_full_version(version: str) -> str:
    # Untagged CPython builds report "3.x.y+", which is not a PEP 440 version.
    return version + "local" if version.endswith("+") else version


@functools.cache
def _host_environment() -> dict[str, str]:
    # lazy: only _host_environment needs platform, which loads 1 module that importing this one does not
    import platform

    info = sys.implementation.version
    implementation_version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        implementation_version += info.releaselevel[0] + str(info.serial)
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": implementation_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def default_environment() -> dict[str, str]:
    """The marker environment of the running interpreter (a fresh copy)."""
    return dict(_host_environment())


def _prepare_extra(extra: object) -> _EnvValue:
    if not extra:
        return ""
    if isinstance(extra, str):
        return canonicalize_name(extra)
    return frozenset(canonicalize_name(name) for name in extra)  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=4096)
def _version_specifier(spec: str) -> Specifier | None:
    try:
        return Specifier(spec)
    except InvalidSpecifier:
        return None


class _Environment:
    """Overrides over the host environment, resolved key by key (the host lazily)."""

    __slots__ = ("overrides",)

    def __init__(self, overrides: dict[str, _EnvValue]) -> None:
        self.overrides = overrides

    def __getitem__(self, key: str) -> _EnvValue:
        try:
            return self.overrides[key]
        except KeyError:
            pass
        host = _host_environment()
        if key not in host:
            raise UndefinedEnvironmentName(key) from None
        value = host[key]
        return _python_full_version(value) if key == "python_full_version" else value


def _extra_set(selected: AbstractSet[str], op: str, literal: str) -> bool:
    if not selected:
        selected = frozenset({""})
    if op == "==":
        return literal in selected
    if op == "!=":
        return literal not in selected
    raise UndefinedComparison(f"Undefined <Op({op!r})> on {selected!r} and {literal!r}.")


def _compare(lhs: str, op: str, rhs: object, key: str) -> bool:
    if key in _VERSION_KEYS:
        spec = (
            _version_specifier(op + rhs)
            if isinstance(rhs, str)
            else _version_specifier_uncached(f"{op}{rhs}")
        )
        if spec is not None:
            return spec.contains(lhs, prereleases=True)
    if op == "==" or op == "<=" or op == ">=":
        return lhs == rhs
    if op == "!=":
        return lhs != rhs
    if op == "<" or op == ">":
        return False
    if op == "in":
        return lhs in rhs  # type: ignore[operator]
    if op == "not in":
        return lhs not in rhs  # type: ignore[operator]
    raise UndefinedComparison(f"Undefined <Op({op!r})> on {lhs!r} and {rhs!r}.")


def _version_specifier_uncached(spec: str) -> Specifier | None:
    try:
        return Specifier(spec)
    except InvalidSpecifier:
        return None


def _evaluate_item(item: _Item, env: _Environment) -> bool:
    left_var, left, op, _right_var, right = item
    rhs_value: object
    if left_var:
        key = left
        lhs_value: object = env[key]
        rhs_value = right
    else:
        # The literal is on the left; the right operand names the key even when quoted.
        key = right
        lhs_value = left
        rhs_value = env[key]
        if key == "extra" and isinstance(rhs_value, AbstractSet):
            return _extra_set(rhs_value, op, left)
    if not isinstance(lhs_value, str):
        if key == "extra":
            if isinstance(lhs_value, AbstractSet):
                return _extra_set(lhs_value, op, right)
            raise UndefinedComparison(f"Marker 'extra' must be a string, not {lhs_value!r}.")
        raise UndefinedComparison(
            f"Set-valued marker {key!r} can only be used with the membership form "
            f'(e.g. "<name>" in {key}); it cannot appear on the left-hand side of {op!r}.'
        )
    if key == "extra":
        if not isinstance(rhs_value, str):
            raise UndefinedComparison(f"Marker 'extra' must be a string, not {rhs_value!r}.")
    elif key in _SET_KEYS:
        if isinstance(rhs_value, str):
            raise UndefinedComparison(f"Marker {key!r} must be a set, not {rhs_value!r}.")
        lhs_value = canonicalize_name(lhs_value)
        rhs_value = {canonicalize_name(v) for v in rhs_value}
    return _compare(lhs_value, op, rhs_value, key)


def _evaluate(tree: _Tree, env: _Environment) -> bool:
    # Every comparison is evaluated (no short cut), so errors surface as in packaging.
    groups: list[bool] = []
    current = True
    for node in tree:
        if isinstance(node, str):
            if node == "or":
                groups.append(current)
                current = True
            continue
        value = _evaluate(node, env) if isinstance(node, list) else _evaluate_item(node, env)
        current = current and value
    groups.append(current)
    return any(groups)


# --------------------------------------------------------------------------- public classes
def _marker_from_tree(tree: _Tree) -> Marker:
    marker = object.__new__(Marker)
    _set_marker_tree(marker, tree)
    _set_marker_text(marker, None)
    return marker


@value(init=False)
class Marker:
    """A parsed environment marker, e.g. ``python_version < "3.10" and extra == "gpu"``.

    ``str()`` gives packaging's normalized form; equality and hashing follow it.
    """

    __slots__ = ("_text", "_tree")

    _tree: _Tree
    _text: str | None

    def __init__(self, marker: str) -> None:
        try:
            shared = _cached_marker(marker)
        except _Reject:
            _set_marker_tree(self, _marker_error(marker))
            _set_marker_text(self, None)
        else:
            _set_marker_tree(self, shared._tree)
            _set_marker_text(self, shared._text)

    def __str__(self) -> str:
        text = self._text
        if text is None:  # formatted on first use, then kept
            text = _format(self._tree, True)
            _set_marker_text(self, text)
        return text

    def __repr__(self) -> str:
        return f"<Marker({str(self)!r})>"

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Marker):
            return NotImplemented
        return str(self) == str(other)

    def __reduce__(self) -> tuple[type[Marker], tuple[str]]:
        return (Marker, (str(self),))

    def __copy__(self) -> Marker:
        return self

    def __deepcopy__(self, memo: object) -> Marker:
        return self

    def __and__(self, other: Marker) -> Marker:
        """Both markers: ``(self) and (other)`` as one marker."""
        if not isinstance(other, Marker):
            return NotImplemented
        return _marker_from_tree(_join(self._tree, "and", other._tree))

    def __or__(self, other: Marker) -> Marker:
        """Either marker: ``(self) or (other)`` as one marker."""
        if not isinstance(other, Marker):
            return NotImplemented
        return _marker_from_tree(_join(self._tree, "or", other._tree))

    def atoms(self) -> tuple[tuple[str, str, str, bool], ...]:
        """The comparisons of a variable with a literal, in the order written:
        ``(variable, operator, literal, literal_first)``, where ``literal_first``
        says the literal stands on the left (``"3.8" < python_version``,
        ``"x86" in platform_machine``). Comparisons of two variables or two
        literals are left out; ``and``/``or`` and groups are flattened."""
        out: list[tuple[str, str, str, bool]] = []
        stack: list[_Node] = [self._tree]
        while stack:
            node = stack.pop()
            if isinstance(node, tuple):
                left_var, left, op, right_var, right = node
                if left_var and not right_var:
                    out.append((left, op, right, False))
                elif right_var and not left_var:
                    out.append((right, op, left, True))
            elif isinstance(node, list):
                stack.extend(reversed(node))
        return tuple(out)

    def evaluate(
        self,
        environment: Mapping[str, _EnvValue] | None = None,
        context: str = "metadata",
    ) -> bool:
        """Whether the marker holds in ``environment`` (over the host's values).

        ``context`` is packaging's: ``"metadata"`` (``extra`` defaults to ``""``),
        ``"lock_file"`` (``extras`` and ``dependency_groups`` default to empty sets)
        or ``"requirement"``.  Raises :class:`UndefinedComparison` or
        :class:`UndefinedEnvironmentName` where packaging does.
        """
        overrides: dict[str, _EnvValue] = {}
        if context == "lock_file":
            overrides["extras"] = frozenset()
            overrides["dependency_groups"] = frozenset()
        elif context == "metadata":
            overrides["extra"] = ""
        if environment is not None:
            overrides.update(environment)
            if "extra" in overrides:
                overrides["extra"] = _prepare_extra(overrides["extra"])
            if "python_full_version" in overrides:
                full = cast("str", overrides["python_full_version"])
                overrides["python_full_version"] = _python_full_version(full)
        return _evaluate(self._tree, _Environment(overrides))


# The slots' own setters: quicker than assignments through the set-once __setattr__,
# and the way to fill in the lazily formatted text.
_set_marker_tree = slot_setter(Marker, "_tree")
_set_marker_text = slot_setter(Marker, "_text")


def _splice(tree: _Tree, op: str) -> _Tree:
    while len(tree) == 1 and isinstance(tree[0], list):
        tree = tree[0]
    if all(tree[i] == op for i in range(1, len(tree), 2)):
        return tree
    return [tree]


def _join(left: _Tree, op: str, right: _Tree) -> _Tree:
    return [*_splice(left, op), op, *_splice(right, op)]


@value(init=False)
class Requirement:
    """A parsed dependency specifier: ``name[extras] specifier-or-@url ; marker``.

    ``name`` and ``extras`` are as written; equality and hashing compare the
    normalized name and extras, the specifier, the URL and the marker.
    """

    __slots__ = ("extras", "marker", "name", "specifier", "url")

    name: str
    extras: frozenset[str]
    specifier: SpecifierSet
    url: str | None
    marker: Marker | None

    def __init__(self, requirement_string: str) -> None:
        if not _parse_into(self, requirement_string):
            _requirement_error(requirement_string, self)

    def with_marker(self, marker: Marker | None) -> Requirement:
        """A copy with ``marker`` in place of this one's."""
        new = object.__new__(Requirement)
        _init(new, self.name, self.extras, self.specifier, self.url, marker)
        return new

    def __str__(self) -> str:
        parts = [self.name]
        if self.extras:
            parts.append(f"[{','.join(sorted(self.extras))}]")
        if self.specifier:
            parts.append(str(self.specifier))
        if self.url:
            parts.append(f" @ {self.url}")
            if self.marker:
                parts.append(" ")
        if self.marker:
            parts.append(f"; {self.marker}")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"<Requirement({str(self)!r})>"

    def _key(self) -> tuple[object, ...]:
        return (
            canonicalize_name(self.name),
            frozenset(canonicalize_name(extra) for extra in self.extras),
            self.specifier,
            self.url,
            self.marker,
        )

    def __hash__(self) -> int:
        return hash(self._key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Requirement):
            return NotImplemented
        return self._key() == other._key()

    def __reduce__(self) -> tuple[type[Requirement], tuple[str]]:
        return (Requirement, (str(self),))

    def __copy__(self) -> Requirement:
        return self

    def __deepcopy__(self, memo: object) -> Requirement:
        return self


def _init(
    req: Requirement,
    name: str,
    extras: frozenset[str],
    specifier: SpecifierSet,
    url: str | None,
    marker: Marker | None,
) -> None:
    _set_name(req, name)
    _set_extras(req, extras)
    _set_specifier(req, specifier)
    _set_url(req, url)
    _set_marker(req, marker)


# The slots' own setters: quicker than assignments through the set-once __setattr__.
_set_name = slot_setter(Requirement, "name")
_set_extras = slot_setter(Requirement, "extras")
_set_specifier = slot_setter(Requirement, "specifier")
_set_url = slot_setter(Requirement, "url")
_set_marker = slot_setter(Requirement, "marker")


def _parse_into(req: Requirement, text: str) -> bool:
    """Fill ``req`` from ``text``; False when the scanner rejects it."""
    common = (_compiled or _patterns()).common.fullmatch(text)
    if common is not None:
        name, extra_list, chunk, marker_text = common.groups()
        parts = _spec_parts(chunk) if chunk else ()
        if parts is not None:
            marker = None
            if marker_text is not None:
                marker = _marker_cache.get(marker_text)
                if marker is None:
                    try:
                        marker = _cached_marker(marker_text)
                    except _Reject:
                        return False
            _set_name(req, name)
            _set_extras(
                req,
                frozenset([e.strip() for e in extra_list.split(",")]) if extra_list else _NO_EXTRAS,
            )
            _set_specifier(req, SpecifierSet(parts))
            _set_url(req, None)
            _set_marker(req, marker)
            return True
    try:
        name, extras, specifier, url, marker = _scan_requirement(text)
        if isinstance(specifier, str):
            specifier = SpecifierSet(specifier)
    except (_Reject, InvalidSpecifier):
        return False
    _init(req, name, frozenset(extras), specifier, url or None, marker)
    return True


_NO_EXTRAS: frozenset[str] = frozenset()


def _requirement_error(text: str, req: Requirement) -> None:
    """Raise packaging's error for ``text``; fill ``req`` should packaging accept it."""
    # lazy: only _requirement_error needs packaging, which loads 44 modules that importing this one does not
    from packaging.requirements import InvalidRequirement as PackagingInvalid

    # lazy: only _requirement_error needs packaging, which loads 44 modules that importing this one does not
    from packaging.requirements import Requirement as PackagingRequirement

    try:
        theirs = PackagingRequirement(text)
    except PackagingInvalid as exc:
        raise InvalidRequirement.of(exc) from None
    except (SyntaxError, ValueError) as exc:  # packaging's literal_eval of a marker string ("\x00")
        raise InvalidRequirement(f"{exc}: {text!r}") from None
    # Unreachable while the scanner matches packaging; kept so a gap can never
    # reject a requirement that packaging accepts.
    marker = None if theirs.marker is None else Marker(str(theirs.marker))
    _init(req, theirs.name, frozenset(theirs.extras), theirs.specifier, theirs.url, marker)


def _marker_error(text: str) -> _Tree:
    """Raise packaging's error for the marker ``text`` (see :func:`_requirement_error`)."""
    # lazy: only _marker_error needs packaging, which loads 43 modules that importing this one does not
    from packaging.markers import InvalidMarker as PackagingInvalid

    # lazy: only _marker_error needs packaging, which loads 43 modules that importing this one does not
    from packaging.markers import Marker as PackagingMarker

    try:
        theirs = PackagingMarker(text)
    except PackagingInvalid as exc:
        raise InvalidMarker.of(exc) from None
    except (SyntaxError, ValueError) as exc:  # packaging's literal_eval of a string ("\x00")
        raise InvalidMarker(f"{exc}: {text!r}") from None
    try:
        return _scan_full_marker(str(theirs))
    except _Reject:
        raise InvalidMarker(f"Unsupported marker: {text!r}") from None


def _clear_caches() -> None:
    """Forget every cached parse (for benchmarks and tests)."""
    _marker_cache.clear()
    _spec_cache.clear()
    _specifier_cache.clear()
    _version_specifier.cache_clear()
    parse_requirement.cache_clear()


@functools.lru_cache(maxsize=65536)
def parse_requirement(text: str) -> Requirement:
    """``Requirement(text)``, cached (requirements are immutable)."""
    return Requirement(text)


def _accepts(text: str) -> bool:
    """Whether the scanner alone accepts ``text`` as a requirement (for tests)."""
    return _parse_into(object.__new__(Requirement), text)


def _accepts_marker(text: str) -> bool:
    """Whether the scanner alone accepts ``text`` as a marker (for tests)."""
    try:
        _scan_full_marker(text)
    except _Reject:
        return False
    return True
