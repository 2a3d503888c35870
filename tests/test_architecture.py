"""The layer rule of docs/architecture.md, enforced on every test run.

import-linter checks the import statements against the contracts in
pyproject.toml ``[tool.importlinter]``. This file runs it, and checks what it
cannot see: the string targets of the lazy tables (``compatlib._lazy``), that
every module lies in a layer and no package is empty, that functions stay short,
and that every function-local import says why it is local.
"""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compatlib"
FACADE = "compatlib"  # compatlib/__init__.py: the public API, lazy names only
MAX_FUNCTION_LINES = 100


# -- the contract ------------------------------------------------------------------


def _importlinter() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        config: dict[str, object] = tomllib.load(f)["tool"]["importlinter"]
    return config


def _contracts() -> list[dict[str, object]]:
    contracts = _importlinter()["contracts"]
    assert isinstance(contracts, list)
    return contracts


def _layers() -> list[tuple[str, ...]]:
    """The layers contract, top first; each layer is its (sibling) members."""
    (contract,) = [c for c in _contracts() if c["type"] == "layers"]
    layers = contract["layers"]
    assert isinstance(layers, list)
    return [tuple(m.strip() for m in re.split(r"[|:]", layer)) for layer in layers]


def _layer_of(module: str, layers: list[tuple[str, ...]]) -> tuple[int, str] | None:
    """The index of ``module``'s layer (0 = top) and the member that holds it."""
    for index, members in enumerate(layers):
        for member in members:
            if module == member or module.startswith(member + "."):
                return index, member
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield _module_name(path), path


def _module_exists(module: str) -> bool:
    base = ROOT.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


# -- a. the import-linter contracts ------------------------------------------------


def test_import_contracts_are_kept() -> None:
    """``lint-imports`` (from the environment running the tests) keeps every contract.

    It sees function-local and ``TYPE_CHECKING`` imports as well as top-level ones.
    """
    script = Path(sys.executable).parent / (
        "lint-imports.exe" if os.name == "nt" else "lint-imports"
    )
    if not script.is_file():
        pytest.fail(f"{script} is missing: install the [test] extra (import-linter)")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    res = subprocess.run(
        [str(script), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = res.stdout + res.stderr
    assert res.returncode == 0, report
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in report, report


def test_ci_runs_the_readme_test_command() -> None:
    """CI (``.ci/run``) enforces all of this by running the README's test command
    as written, which runs this file."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    (test_command,) = [c for c in commands if "pytest" in c]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci, f".ci/run does not run the README's `{test_command}`"


# -- b. the lazy tables obey the same layers ---------------------------------------


def _lazy_targets(source: str) -> Iterator[tuple[int, str | None]]:
    """The modules a source's lazy tables name, with their lines.

    Found: the tables passed to ``lazy_attributes(package, TABLE, ...)`` (a dict
    literal, inline or bound to a module-level name), ``lazy_module("...")`` and
    ``import_module("...")`` (see :func:`_constant_names`). ``None``
    stands for a table or name this checker cannot read, which is an error too.
    """
    tree = ast.parse(source)
    tables: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            if isinstance(node.targets[0], ast.Name):
                tables[node.targets[0].id] = node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            tables[node.target.id] = node.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name == "lazy_attributes":
            table = node.args[1] if len(node.args) > 1 else None
            table = next((k.value for k in node.keywords if k.arg == "table"), table)
            if isinstance(table, ast.Name):
                table = tables.get(table.id)
            if not isinstance(table, ast.Dict):
                yield node.lineno, None
                continue
            for value in table.values:
                text = value.value if isinstance(value, ast.Constant) else None
                yield value.lineno, text if isinstance(text, str) else None
        elif name in ("lazy_module", "import_module"):
            names = list(_constant_names(node.args[0])) if node.args else []
            yield from ((node.lineno, n) for n in names or [None])


def _constant_names(arg: ast.expr) -> Iterator[str]:
    """The module names a string expression can take: a constant, both arms of
    ``a if c else b``, or an f-string's constant head (its package)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        yield arg.value
    elif isinstance(arg, ast.IfExp):
        yield from _constant_names(arg.body)
        yield from _constant_names(arg.orelse)
    elif isinstance(arg, ast.JoinedStr) and arg.values:
        head = arg.values[0]
        if isinstance(head, ast.Constant) and str(head.value).rstrip("."):
            yield str(head.value).rstrip(".")


def _lazy_violations(module: str, source: str, layers: list[tuple[str, ...]]) -> list[str]:
    """Lazy targets of ``module`` that the layer rule forbids, as readable lines."""
    where = _layer_of(module, layers)
    cli = _layer_of("compatlib.cli", layers)
    assert cli is not None
    out = []
    for line, target in _lazy_targets(source):
        at = f"{module}:{line}"
        if target is None:
            out.append(
                f"{at}: a lazy target this check cannot read (use a dict literal of strings)"
            )
            continue
        if target.split(".")[0] != "compatlib":
            continue  # a third-party module: not a layer question
        if not _module_exists(target):
            out.append(f"{at}: {target} does not exist")
            continue
        to = _layer_of(target, layers)
        if to is None:
            out.append(f"{at}: {target} is outside every layer")
        elif module == FACADE:
            if to[0] <= cli[0]:
                out.append(f"{at}: the public API must not reach up to {target}")
        elif where is None:
            out.append(f"{at}: {module} is outside every layer")
        elif to[1] != where[1] and to[0] <= where[0]:
            kind = "a sibling" if to[0] == where[0] else "a higher layer"
            out.append(f"{at}: {target} is in {kind} ({to[1]}) of {where[1]}")
    return out


def test_lazy_tables_obey_the_layers() -> None:
    layers = _layers()
    violations: list[str] = []
    targets: dict[str, list[str | None]] = {}
    for module, path in _sources():
        if module == "compatlib._lazy":
            continue  # the machinery itself: its targets are the tables checked here
        source = path.read_text(encoding="utf-8")
        targets[module] = [t for _, t in _lazy_targets(source)]
        violations += _lazy_violations(module, source, layers)
    assert violations == [], "\n".join(violations)
    # the check reads the real tables (it would pass vacuously otherwise)
    assert "compatlib.testing.peer" in targets[FACADE]
    assert "compatlib.stack.knowledge" in targets["compatlib.stack.profile"]


def test_lazy_check_catches_a_wrong_target() -> None:
    layers = _layers()
    source = (
        "from compatlib._lazy import lazy_attributes, lazy_module\n"
        "_LAZY = {'a': 'compatlib.values.sets', 'b': 'compatlib.resolve.solve'}\n"
        "__getattr__ = lazy_attributes(__name__, _LAZY, globals())\n"
        "solver = lazy_module('compatlib.solver.pubgrub')\n"
        "gone = lazy_module('compatlib.no_such_module')\n"
        "table = lazy_attributes(__name__, make_table(), globals())\n"
        "toml = import_module('tomllib' if new else 'tomli')\n"
        "cmd = import_module(f'compatlib.cli.{name}')\n"
    )
    found = _lazy_violations("compatlib.stack.example", source, layers)
    assert found == [
        "compatlib.stack.example:2: compatlib.resolve.solve is in a higher layer "
        "(compatlib.resolve) of compatlib.stack",
        "compatlib.stack.example:4: compatlib.solver.pubgrub is in a sibling "
        "(compatlib.solver) of compatlib.stack",
        "compatlib.stack.example:5: compatlib.no_such_module does not exist",
        "compatlib.stack.example:6: a lazy target this check cannot read "
        "(use a dict literal of strings)",
        "compatlib.stack.example:8: compatlib.cli is in a higher layer (compatlib.cli) "
        "of compatlib.stack",
    ]
    assert _lazy_violations(FACADE, "lazy_module('compatlib.cli.app')\n", layers) == [
        "compatlib:1: the public API must not reach up to compatlib.cli.app"
    ]


# -- c. every module in a layer, no empty packages ---------------------------------


def test_every_module_is_in_a_layer() -> None:
    """Only the public API (``compatlib/__init__.py``, held by its own contract)
    stands outside the layers; a new top-level module or folder needs a layer."""
    layers = _layers()
    outside = [m for m, _ in _sources() if m != FACADE and _layer_of(m, layers) is None]
    assert outside == [], f"modules outside every layer of pyproject.toml: {outside}"
    for members in layers:
        for member in members:
            assert _module_exists(member), f"the contract names {member}, which does not exist"


def test_no_empty_or_namespace_packages() -> None:
    problems = []
    for folder in sorted(p for p in PACKAGE.rglob("*") if p.is_dir()):
        if "__pycache__" in folder.parts:
            continue
        name = folder.relative_to(ROOT).as_posix()
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        packages = [p for p in folder.iterdir() if (p / "__init__.py").is_file()]
        if not (folder / "__init__.py").is_file():
            if modules:
                problems.append(f"{name}: Python files but no __init__.py")
        elif not modules and not packages:
            problems.append(f"{name}: an __init__.py alone (fold it into its parent)")
    assert problems == [], "\n".join(problems)


def _picture_layers() -> list[tuple[str, ...]]:
    """The layers drawn in docs/architecture.md: the lines of its first ``text``
    block that start with a path, up to the description."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    picture = re.search(r"```text\n(.*?)```", doc, re.S)
    assert picture is not None, "docs/architecture.md has no text picture"
    layers = []
    for line in picture.group(1).splitlines():
        if line.startswith("compatlib/"):
            paths = re.split(r"\s{2,}", line)[0].split(" | ")
            names = (
                p.strip().removesuffix("/").removesuffix(".py").replace("/", ".") for p in paths
            )
            layers.append(tuple(names))
    return layers


def test_the_picture_is_the_contract() -> None:
    """The picture in docs/architecture.md shows the contract's layers, in order."""
    assert _picture_layers() == _layers()


# -- d. short functions ------------------------------------------------------------


def _functions(tree: ast.AST) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function and method, with its qualified name."""

    def walk(
        node: ast.AST, prefix: str
    ) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + child.name, child
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def long_functions(limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Functions in compatlib/ longer than ``limit`` lines (``def`` to last line)."""
    out = []
    for _, path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, node in _functions(tree):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                where = f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"
                out.append(f"{where} {name}: {length} lines")
    return out


def test_no_function_is_longer_than_100_lines() -> None:
    offenders = long_functions()
    assert offenders == [], f"{len(offenders)} functions over {MAX_FUNCTION_LINES} lines:\n" + (
        "\n".join(offenders)
    )


# -- e. every function-local import says why ---------------------------------------

_PRAGMA = re.compile(r"(noqa|type:|pragma|fmt:|mypy:|pyright:|isort:)", re.IGNORECASE)


def _reasons(source: str) -> tuple[dict[int, bool], set[int]]:
    """Per line: whether its comment gives a reason (not only a tool pragma), and
    which lines hold nothing but a comment."""
    reasons: dict[int, bool] = {}
    code_lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            parts = [p.strip() for p in tok.string.split("#")]
            reasons[tok.start[0]] = any(p and not _PRAGMA.match(p) for p in parts)
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            code_lines.update(range(tok.start[0], tok.end[0] + 1))
    comment_only = {line for line in reasons if line not in code_lines}
    return reasons, comment_only


def _local_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                found.append(child)
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            walk(child, inner)

    walk(tree, False)
    return sorted(found, key=lambda n: n.lineno)


def unexplained_local_imports(source: str) -> list[int]:
    """Lines of imports inside a ``def`` with no reason comment.

    A reason is a comment (not only ``# noqa`` and the like) on the import's
    first line, or a comment line just above it; a comment line above a run of
    adjacent imports covers the whole run.
    """
    reasons, comment_only = _reasons(source)
    explained_by_block: set[int] = set()  # last lines of imports explained from above
    missing = []
    for node in _local_imports(ast.parse(source)):
        above = node.lineno - 1
        end = node.end_lineno or node.lineno
        if reasons.get(node.lineno):
            continue
        if (above in comment_only and reasons.get(above)) or above in explained_by_block:
            explained_by_block.add(end)
            continue
        missing.append(node.lineno)
    return missing


def unexplained_local_imports_by_module() -> dict[str, list[int]]:
    """Per module, the lines of its function-local imports that give no reason."""
    out = {}
    for module, path in _sources():
        missing = unexplained_local_imports(path.read_text(encoding="utf-8"))
        if missing:
            out[module] = missing
    return out


def test_local_import_reasons_are_read_as_documented() -> None:
    source = (
        "import os\n"
        "def f():\n"
        "    import json  # lazy: only the JSON output needs it\n"
        "    # lazy: the YAML reader costs 10 ms\n"
        "    import yaml\n"
        "    from a import (\n"
        "        b,\n"
        "    )\n"
        "\n"
        "    import re  # noqa: PLC0415\n"
        "    x = 1\n"
        "    import zlib\n"
        "    class C:\n"
        "        def g(self):\n"
        "            # type: ignore\n"
        "            import gzip\n"
    )
    assert unexplained_local_imports(source) == [10, 12, 16]


def test_every_local_import_says_why() -> None:
    """An import inside a function costs a lookup per call and hides a dependency;
    each one says why it is there (usually: a cost the common path should not pay)."""
    missing = unexplained_local_imports_by_module()
    lines = [f"{m}: {len(at)} (lines {', '.join(map(str, at))})" for m, at in missing.items()]
    total = sum(len(at) for at in missing.values())
    assert missing == {}, f"{total} function-local imports without a reason comment:\n" + (
        "\n".join(lines)
    )
