"""Render an :class:`~compatlib.solver.tree.DerivationTree` as plain text.

The layout follows PubGrub's reporter: each derived fact is explained once from
the two facts it came from; a derived fact used more than once gets a number,
``(1)``, so later lines can refer back to it. Wording aims at one fact per
sentence, names the package when no version matches, and ends with the request.
The walk is iterative: deep trees cannot overflow the stack.
"""

from __future__ import annotations

from collections.abc import Generator

from compatlib.solver.tree import DerivationTree, Node, TermInfo

__all__ = ["describe_node", "render_text"]


def _versions(name: str, versions: str) -> str:
    """``a >=1.0``; ``a`` for any version."""
    if versions == "*":
        return name
    if versions.startswith("=="):
        return f"{name} {versions[2:]}"
    return f"{name} {versions}"


def _pos(t: TermInfo) -> str:
    """The term as a positive statement about the package."""
    return _versions(t.package, t.versions)


def _neg(t: TermInfo) -> str:
    """The negated term: what it requires instead."""
    return _versions(t.package, t.complement)


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _request(expl: DerivationTree) -> str:
    if expl.request:
        return "the request (" + ", ".join(expl.request) + ")"
    return "the request"


def _subject(t: TermInfo) -> str:
    """How a positive term reads as the subject of a sentence."""
    if t.single is not None:
        return f"{t.package} {t.single}"
    if t.versions == "*":
        return f"every version of {t.package}"
    return f"{t.package} {t.versions}"


def _candidates(package: str | None, label: str | None) -> str:
    """``a 1.0``, ``every version of a``, ``a >=1.0, <2.0``."""
    if label == "*":
        return f"every version of {package}"
    return f"{package} {label}"


def _short(t: TermInfo) -> str:
    """A positive term inside a list: the bare name stands for any version."""
    return t.package if t.versions == "*" else _subject(t)


def describe_node(node: Node, expl: DerivationTree) -> str:
    """One incompatibility as a clause (no final period)."""
    if node.kind == "dependency":
        if node.package is None and node.origin is not None:
            clause = f"{node.origin} requires {node.requirement}"
        elif node.package is None:
            clause = f"you require {node.requirement}"
        elif node.layer is not None:
            clause = f"{_candidates(node.package, node.version)} needs {node.requirement}"
        else:
            clause = f"{_candidates(node.package, node.version)} depends on {node.requirement}"
        return clause + _unmet(node)
    if node.kind == "constraint":
        spec = _req_spec(node)
        if node.package is None:
            who = node.origin or "your constraints"
            verb = "limits" if node.origin else "limit"
            return f"{who} {verb} {node.dependency} to {spec}" + _unmet(node)
        return (
            f"{_candidates(node.package, node.version)} limits {node.dependency} to {spec}"
            + _unmet(node)
        )
    if node.kind == "unavailable":
        return f"{node.package} {node.version} cannot be used: {node.reason}"
    if node.kind == "no_versions":
        t = node.terms[0]
        return f"there is no version of {t.package} matching {t.versions}"
    return _describe_terms(node.terms, expl)


def _unmet(node: Node) -> str:
    """A parenthesis saying why nothing can satisfy a requirement, if so."""
    if node.kind == "constraint":
        return ""
    if node.dependency_fixed is not None and (node.matching == "∅" or not node.dependency_exists):
        return f" ({node.dependency_fixed})"
    if not node.dependency_exists:
        return f" ({node.dependency} is not in the index)"
    if node.matching == "∅":
        spec = _req_spec(node)
        if spec == "any version":
            return f" (no version of {node.dependency} can be used)"
        return f" (no usable version of {node.dependency} matches {spec})"
    return ""


def _req_spec(node: Node) -> str:
    req = node.requirement or ""
    dep = node.dependency or ""
    if req.startswith(dep):
        rest = req[len(dep) :].strip()
        return rest or "any version"
    return req


def _describe_terms(terms: tuple[TermInfo, ...], expl: DerivationTree) -> str:
    """A derived incompatibility as a sentence."""
    real = [t for t in terms if not t.is_root]
    has_root = len(real) != len(terms)
    pos = [t for t in real if t.positive]
    neg = [t for t in real if not t.positive]
    if not real:
        return f"{_request(expl)} cannot be satisfied"
    if has_root:
        if not pos and neg:
            return f"{_request(expl)} requires " + _join([_neg(t) for t in neg], "or")
        if pos and not neg:
            return _join([_short(t) for t in pos]) + f" cannot be used with {_request(expl)}"
        return f"{_request(expl)} requires " + _join(
            [_neg(t) for t in neg] + [f"not {_pos(t)}" for t in pos], "or"
        )
    if len(pos) == 1 and not neg:
        t = pos[0]
        if t.fixed is not None:
            return f"{t.fixed} cannot be used"
        if t.versions == "*":
            return f"no version of {t.package} can be used"
        return f"{_subject(t)} cannot be used"
    if not pos:
        return _join([_neg(t) for t in neg], "or") + (
            " is required" if len(neg) == 1 else " must hold"
        )
    if len(pos) == 1:
        return f"{_subject(pos[0])} requires " + _join([_neg(t) for t in neg], "or")
    if not neg:
        return _join([_short(t) for t in pos]) + " cannot be used together"
    return (
        _join([_short(t) for t in pos]) + " together require " + _join([_neg(t) for t in neg], "or")
    )


def _capitalize(s: str) -> str:
    return s[:1].upper() + s[1:]


def render_text(expl: DerivationTree) -> str:
    """The whole explanation, one line per step."""
    root = expl.node(expl.root)
    if root.kind != "derived":
        return _capitalize(describe_node(root, expl)) + "."
    # how often each derived node is used as a cause: shared ones get numbers
    uses: dict[int, int] = {}
    for n in expl.nodes:
        if n.causes is not None:
            for c in n.causes:
                uses[c] = uses.get(c, 0) + 1
    lines: list[str] = []
    numbers: dict[int, int] = {}

    def emit(text: str, node: Node, numbered: bool) -> None:
        if numbered and node.id not in numbers:
            numbers[node.id] = len(numbers) + 1
            text = text[:-1] + f" ({numbers[node.id]})."
        lines.append(text)

    def ref(node: Node) -> str:
        return f"{describe_node(node, expl)} ({numbers[node.id]})"

    def visit(node: Node, numbered: bool) -> Generator[tuple[Node, bool], None, None]:
        assert node.causes is not None
        left, right = expl.node(node.causes[0]), expl.node(node.causes[1])
        concl = describe_node(node, expl)
        if node.id == expl.root:
            concl = f"{_request(expl)} cannot be satisfied"
        ld, rd = left.kind == "derived", right.kind == "derived"
        if ld and rd:
            if left.id in numbers and right.id in numbers:
                emit(f"Because {ref(left)} and {ref(right)}, {concl}.", node, numbered)
            elif left.id in numbers or right.id in numbers:
                known, other = (left, right) if left.id in numbers else (right, left)
                yield other, uses.get(other.id, 0) > 1
                emit(f"And because {ref(known)}, {concl}.", node, numbered)
            else:
                yield left, True
                yield right, uses.get(right.id, 0) > 1
                emit(f"And because {ref(left)}, {concl}.", node, numbered)
        elif ld or rd:
            derived, ext = (left, right) if ld else (right, left)
            if derived.id in numbers:
                emit(
                    f"Because {describe_node(ext, expl)} and {ref(derived)}, {concl}.",
                    node,
                    numbered,
                )
            else:
                assert derived.causes is not None
                dl, dr = expl.node(derived.causes[0]), expl.node(derived.causes[1])
                collapsible = uses.get(derived.id, 0) <= 1 and (
                    (dl.kind == "derived") != (dr.kind == "derived")
                )
                if collapsible:
                    inner_d, inner_e = (dl, dr) if dl.kind == "derived" else (dr, dl)
                    if inner_d.id in numbers:
                        emit(
                            f"Because {describe_node(inner_e, expl)} and {ref(inner_d)}, "
                            f"{describe_node(derived, expl)}.",
                            derived,
                            False,
                        )
                    else:
                        yield inner_d, uses.get(inner_d.id, 0) > 1
                        emit(
                            f"And because {describe_node(inner_e, expl)} and "
                            f"{describe_node(ext, expl)}, {concl}.",
                            node,
                            numbered,
                        )
                        return
                    emit(f"And because {describe_node(ext, expl)}, {concl}.", node, numbered)
                else:
                    yield derived, uses.get(derived.id, 0) > 1
                    emit(f"And because {describe_node(ext, expl)}, {concl}.", node, numbered)
        else:
            emit(
                f"Because {describe_node(left, expl)} and {describe_node(right, expl)}, {concl}.",
                node,
                numbered,
            )

    stack: list[Generator[tuple[Node, bool], None, None]] = [visit(root, False)]
    while stack:
        try:
            child, numbered = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        stack.append(visit(child, numbered))
    # the first line of a report reads better as "Because" than "And because"
    if lines and lines[0].startswith("And because"):
        lines[0] = "Because" + lines[0][len("And because") :]
    return "\n".join(lines)
