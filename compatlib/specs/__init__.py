"""Spec-file readers: the files users hand to ``compatlib lock``.

Every reader returns a :class:`Spec` (see :mod:`compatlib.specs.model`) whose
items remember the file and line they came from. :func:`read_spec` picks the
reader from the file name (and, for YAML, the content); :func:`merge_specs`
combines several specs the way conda-lock combines several ``--file``s.

Names load on first use, so reading a requirements file never loads the YAML
and pyproject readers (nor what they bring: conda's match specs, packaging.tags).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from compatlib._lazy import lazy_attributes
from compatlib.errors import InputError

if TYPE_CHECKING:
    from compatlib.specs.azureml import read_azureml_environment
    from compatlib.specs.environment import (
        CONDA_PLATFORMS,
        SELECTOR_PLATFORMS,
        _YamlDocument,
        read_environment,
        selector_applies,
    )
    from compatlib.specs.model import (
        MAIN_CATEGORY,
        MERGED_SOURCE,
        AzureMLEnvironment,
        BuildContext,
        CondaDependency,
        Hash,
        IndexOptions,
        InferenceConfig,
        InstallOptions,
        Located,
        Location,
        PipRequirement,
        PythonRequirement,
        Route,
        Spec,
        Variable,
        conda_package_name,
        merge_specs,
        redact_url,
    )
    from compatlib.specs.pyproject import read_pyproject
    from compatlib.specs.requirements import HASH_ALGORITHMS, parse_requirement, read_requirements

__all__ = [
    # readers
    "read_spec",
    "spec_kind",
    "read_requirements",
    "read_environment",
    "read_pyproject",
    "read_azureml_environment",
    "merge_specs",
    "parse_requirement",
    "selector_applies",
    # model
    "Spec",
    "PipRequirement",
    "CondaDependency",
    "PythonRequirement",
    "IndexOptions",
    "InstallOptions",
    "Variable",
    "Hash",
    "Located",
    "Location",
    "AzureMLEnvironment",
    "BuildContext",
    "InferenceConfig",
    "Route",
    "conda_package_name",
    "redact_url",
    # constants
    "MAIN_CATEGORY",
    "MERGED_SOURCE",
    "HASH_ALGORITHMS",
    "CONDA_PLATFORMS",
    "SELECTOR_PLATFORMS",
    "SPEC_KINDS",
]

_WHERE = {
    "read_azureml_environment": "compatlib.specs.azureml",
    "CONDA_PLATFORMS": "compatlib.specs.environment",
    "SELECTOR_PLATFORMS": "compatlib.specs.environment",
    "read_environment": "compatlib.specs.environment",
    "selector_applies": "compatlib.specs.environment",
    "MAIN_CATEGORY": "compatlib.specs.model",
    "MERGED_SOURCE": "compatlib.specs.model",
    "AzureMLEnvironment": "compatlib.specs.model",
    "BuildContext": "compatlib.specs.model",
    "CondaDependency": "compatlib.specs.model",
    "Hash": "compatlib.specs.model",
    "IndexOptions": "compatlib.specs.model",
    "InferenceConfig": "compatlib.specs.model",
    "InstallOptions": "compatlib.specs.model",
    "Located": "compatlib.specs.model",
    "Location": "compatlib.specs.model",
    "PipRequirement": "compatlib.specs.model",
    "PythonRequirement": "compatlib.specs.model",
    "Route": "compatlib.specs.model",
    "Spec": "compatlib.specs.model",
    "Variable": "compatlib.specs.model",
    "conda_package_name": "compatlib.specs.model",
    "merge_specs": "compatlib.specs.model",
    "redact_url": "compatlib.specs.model",
    "read_pyproject": "compatlib.specs.pyproject",
    "HASH_ALGORITHMS": "compatlib.specs.requirements",
    "parse_requirement": "compatlib.specs.requirements",
    "read_requirements": "compatlib.specs.requirements",
}

SPEC_KINDS: tuple[str, ...] = ("requirements", "environment", "pyproject", "azureml")
"""The kinds of spec file :func:`read_spec` understands."""

_AZUREML_ONLY_KEYS = frozenset({"image", "build", "conda_file", "inference_config", "os_type"})


def spec_kind(path: str | os.PathLike[str]) -> str:
    """Which reader a file needs: one of :data:`SPEC_KINDS`.

    ``*.toml`` is a pyproject; ``*.txt``/``*.in`` are requirements files; a
    YAML file is an Azure ML environment when its ``$schema`` names the
    environment schema or it has Azure ML keys (``image``, ``build``,
    ``conda_file``...) and no ``dependencies``, otherwise a conda environment.
    """
    file = Path(path)
    kind = _kind_by_name(file)
    if kind != "yaml":
        return kind
    doc = _load_yaml(file)
    try:
        return _yaml_kind(doc)
    finally:
        doc.dispose()


def _kind_by_name(file: Path) -> str:
    """The kind a file's name says, or ``"yaml"`` when only its content can tell."""
    suffix = file.suffix.lower()
    if suffix == ".toml":
        return "pyproject"
    if suffix in (".txt", ".in") or file.name.lower().startswith("requirements"):
        return "requirements"
    if suffix in (".yml", ".yaml"):
        return "yaml"
    raise InputError(
        f"cannot tell what kind of spec file {file.name!r} is",
        source=str(file),
        expected="requirements*.txt / *.in, environment *.yml / *.yaml, pyproject.toml, "
        "or an Azure ML environment *.yml",
    )


def _load_yaml(file: Path) -> _YamlDocument:
    # lazy: the YAML reader (and yaml) load only for a YAML file
    from compatlib.specs.environment import _YamlDocument

    return _YamlDocument.load(file, what="spec file")


def _yaml_kind(doc: _YamlDocument) -> str:
    """``azureml`` or ``environment``, from a composed YAML spec's top-level keys."""
    import yaml  # lazy: yaml costs ~10 ms and only YAML files need it

    if not isinstance(doc.root, yaml.MappingNode):
        return "environment"  # the environment reader reports the shape error
    keys = {
        doc.value(key): value for key, value in doc.root.value if isinstance(key, yaml.ScalarNode)
    }
    schema = keys.get("$schema")
    schema_text = doc.value(schema) if isinstance(schema, yaml.ScalarNode) else None
    if isinstance(schema_text, str) and schema_text.endswith("environment.schema.json"):
        return "azureml"
    if "dependencies" not in keys and _AZUREML_ONLY_KEYS & set(keys):
        return "azureml"
    return "environment"


def read_spec(
    path: str | os.PathLike[str],
    *,
    extras: Iterable[str] = (),
    groups: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Spec:
    """Read any supported spec file, choosing the reader with :func:`spec_kind`.

    ``extras`` and ``groups`` select pyproject optional-dependencies and
    dependency groups; giving them for another kind of file is an error.
    ``environ`` supplies ``${NAME}`` values for pip lines (default: the process
    environment). A YAML file is read and composed once, for its kind and its
    contents both.
    """
    file = Path(path)
    kind = _kind_by_name(file)
    extras = (extras,) if isinstance(extras, str) else tuple(extras)
    groups = (groups,) if isinstance(groups, str) else tuple(groups)
    if kind == "pyproject":
        # lazy: only the reader this file needs loads (pyproject brings packaging.tags)
        from compatlib.specs.pyproject import read_pyproject

        return read_pyproject(path, extras=extras, groups=groups)
    doc = _load_yaml(file) if kind == "yaml" else None
    try:
        if doc is not None:
            kind = _yaml_kind(doc)
        if extras or groups:
            raise InputError(
                f"extras and dependency groups apply to pyproject.toml, not to a {kind} file",
                source=str(path),
                expected="no extras/groups for this file",
            )
        if doc is None:
            # lazy: only the reader this file needs loads
            from compatlib.specs.requirements import read_requirements

            return read_requirements(path, environ=environ)
        environ = os.environ if environ is None else environ
        if kind == "azureml":
            # lazy: only the reader this file needs loads (the YAML readers bring conda's)
            from compatlib.specs.azureml import _read_azureml_document

            return _read_azureml_document(doc, file, environ)
        # lazy: only the reader this file needs loads (the YAML readers bring conda's)
        from compatlib.specs.environment import _read_environment_document

        return _read_environment_document(doc, file, environ)
    finally:
        if doc is not None:
            doc.dispose()


__getattr__ = lazy_attributes(__name__, _WHERE, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
