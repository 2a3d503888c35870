"""Read Azure Machine Learning environment assets (CLI v2 environment YAML).

The fields follow the CLI (v2) environment YAML schema
(https://learn.microsoft.com/azure/machine-learning/reference-yaml-environment,
JSON schema https://azuremlschemas.azureedge.net/latest/environment.schema.json)
and the checks the ``azure-ai-ml`` SDK applies when it loads one:

* ``name`` is required; ``version`` may be a string or a number;
* exactly one of ``image`` and ``build`` is given (the SDK rejects both);
* ``conda_file`` needs ``image``; it is a path relative to the YAML file (read
  with :func:`~compatlib.specs.environment.read_environment`) or an inline
  conda environment mapping;
* ``build`` (``path``, ``dockerfile_path`` defaulting to ``Dockerfile``) is
  recorded, never followed: a Dockerfile's packages cannot be read without
  building it;
* ``os_type`` is ``linux`` (default) or ``windows``; ``inference_config`` has
  ``liveness_route``, ``readiness_route`` and ``scoring_route``, each with a
  ``path`` and an integer ``port``;
* ``channels``/``dependencies`` at the top level mean a conda file was given
  where the environment asset was expected (the SDK rejects those too).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from compatlib._values import replace
from compatlib.specs.environment import _environment_from_node, _YamlDocument, read_environment
from compatlib.specs.model import (
    AzureMLEnvironment,
    BuildContext,
    InferenceConfig,
    Located,
    Route,
    Spec,
)

if TYPE_CHECKING:
    import yaml

__all__ = ["AZUREML_ENVIRONMENT_KEYS", "read_azureml_environment"]

AZUREML_ENVIRONMENT_KEYS: tuple[str, ...] = (
    "$schema",
    "name",
    "version",
    "description",
    "tags",
    "properties",
    "image",
    "conda_file",
    "build",
    "os_type",
    "inference_config",
    "datastore",
)
"""Top-level keys of an environment asset YAML (schema keys plus SDK asset fields)."""

_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def read_azureml_environment(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> Spec:
    """Read an Azure ML environment YAML and the conda file it names.

    The returned spec carries the conda file's dependencies, channels and pip
    options, ``image`` and the asset's metadata in ``azureml``; its ``name``
    is the Azure ML environment name.
    """
    file = Path(path)
    doc = _YamlDocument.load(file, what="Azure ML environment file")
    try:
        return _read_azureml_document(doc, file, os.environ if environ is None else environ)
    finally:
        doc.dispose()


def _read_azureml_document(doc: _YamlDocument, file: Path, environ: Mapping[str, str]) -> Spec:
    """:func:`read_azureml_environment` of a document already composed (by
    :func:`compatlib.specs.read_spec`, which looked at it to tell its kind)."""
    entries = doc.mapping(doc.root, "")
    _check_keys(doc, entries)
    schema = _schema(doc, entries)
    name = _name(doc, entries)
    version = _version(doc, entries)
    description = _string(doc, entries, "description")
    tags = _tags(doc, entries)
    if "properties" in entries:
        doc.mapping(entries["properties"][1], "properties")  # validated only
    image, build = _image_or_build(doc, entries)
    os_type = _os_type(doc, entries)
    inference = _inference_config(doc, entries)
    _string(doc, entries, "datastore", "a datastore name")
    conda_spec, conda_file = _conda(doc, entries, file, image, environ)

    source = str(file)
    metadata = AzureMLEnvironment(
        name=name,
        location=doc.where(entries["name"][1], "name"),
        version=version,
        description=description,
        tags=tags,
        image=image,
        conda_file=conda_file,
        build=build,
        os_type=os_type,
        inference_config=inference,
        schema=schema,
    )
    located_image = (
        None if image is None else Located(image, doc.where(entries["image"][1], "image"))
    )
    base = conda_spec if conda_spec is not None else Spec(source=source)
    sources = (source, *(s for s in base.sources if s != source))
    return replace(
        base, source=source, name=name, image=located_image, azureml=metadata, sources=sources
    )


def _check_keys(doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]) -> None:
    """Refuse conda-file keys and keys the asset schema does not have."""
    for key in ("channels", "dependencies"):
        if key in entries:
            raise doc.fail(
                entries[key][0],
                key,
                f"'{key}' belongs in the conda file, not in the Azure ML environment file",
                "conda_file: pointing at an environment.yml that lists the dependencies",
            )
    for key in sorted(entries):
        if key not in AZUREML_ENVIRONMENT_KEYS:
            raise doc.fail(
                entries[key][0],
                key,
                f"unknown key {key!r} in Azure ML environment file",
                "one of " + ", ".join(AZUREML_ENVIRONMENT_KEYS),
            )


def _string(
    doc: _YamlDocument,
    entries: dict[str, tuple[yaml.Node, yaml.Node]],
    key: str,
    expected: str = "a string",
) -> str | None:
    item = entries.get(key)
    return None if item is None else doc.string(item[1], key, expected)


def _schema(doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]) -> str | None:
    """``$schema``, which must be the environment schema when it names one."""
    schema = _string(doc, entries, "$schema", "the environment schema URL")
    if (
        schema is not None
        and "schema.json" in schema
        and not schema.endswith("environment.schema.json")
    ):
        raise doc.fail(
            entries["$schema"][1],
            "$schema",
            f"$schema {schema!r} is not the Azure ML environment schema",
            "https://azuremlschemas.azureedge.net/latest/environment.schema.json",
        )
    return schema


def _name(doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]) -> str:
    """The required, non-empty ``name``."""
    if "name" not in entries:
        raise doc.fail(
            doc.root, "name", "Azure ML environment has no 'name'", "name: my-environment"
        )
    name = doc.string(entries["name"][1], "name", "the environment name")
    if not name.strip():
        raise doc.fail(entries["name"][1], "name", "'name' is empty", "the environment name")
    return name


def _version(doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]) -> str | None:
    """``version`` as text: strings as they are, numbers through ``str()``
    (like the SDK's VersionField)."""
    if "version" not in entries:
        return None
    version_node = entries["version"][1]
    value = doc.value(version_node)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise doc.fail(
            version_node, "version", "'version' must be a string or a number", "version: 1"
        )
    return str(value)


def _tags(
    doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[tuple[str, str], ...]:
    """``tags`` as sorted (key, value) text pairs; values must be scalars."""
    tags: list[tuple[str, str]] = []
    if "tags" in entries:
        for tag, (_key_node, value_node) in doc.mapping(entries["tags"][1], "tags").items():
            value = doc.value(value_node)
            if isinstance(value, (dict, list)) or value is None:
                raise doc.fail(
                    value_node, f"tags.{tag}", f"tag {tag!r} must have a scalar value", "a string"
                )
            tags.append((tag, str(value).lower() if isinstance(value, bool) else str(value)))
    return tuple(sorted(tags))


def _image_or_build(
    doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[str | None, BuildContext | None]:
    """``image`` or ``build``: exactly one of them."""
    image = _string(
        doc, entries, "image", "a Docker image reference such as mcr.microsoft.com/azureml/..."
    )
    build = _build(doc, entries)
    if image is None and build is None:
        raise doc.fail(
            doc.root,
            "image",
            "Azure ML environment needs 'image' or 'build'",
            "exactly one of image, build",
        )
    if image is not None and build is not None:
        raise doc.fail(
            entries["build"][0],
            "build",
            "Azure ML environment gives both 'image' and 'build'",
            "exactly one of image, build",
        )
    if image is not None and not image.strip():
        raise doc.fail(entries["image"][1], "image", "'image' is empty", "a Docker image reference")
    return image, build


def _os_type(doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]) -> str:
    if "os_type" not in entries:
        return "linux"
    os_type = (_string(doc, entries, "os_type", "linux or windows") or "").lower()
    if os_type not in ("linux", "windows"):
        raise doc.fail(
            entries["os_type"][1], "os_type", f"unknown os_type {os_type!r}", "linux or windows"
        )
    return os_type


def _conda(
    doc: _YamlDocument,
    entries: dict[str, tuple[yaml.Node, yaml.Node]],
    file: Path,
    image: str | None,
    environ: Mapping[str, str],
) -> tuple[Spec | None, str | None]:
    """The conda environment ``conda_file`` gives (a file or inline), and the
    path as written."""
    if "conda_file" not in entries:
        return None, None
    key_node, value_node = entries["conda_file"]
    if image is None:
        raise doc.fail(
            key_node,
            "conda_file",
            "'conda_file' needs 'image' (Azure ML builds the conda environment on top of it)",
            "image: together with conda_file:",
        )
    # lazy: only _conda needs yaml, which loads 27 modules that importing this one does not
    import yaml

    if not isinstance(value_node, yaml.ScalarNode):
        inline = _environment_from_node(
            doc, value_node, base_dir=file.parent, environ=environ, field_prefix="conda_file"
        )
        return inline, None
    conda_file = doc.string(value_node, "conda_file", "a path or an inline conda environment")
    target = _conda_file_path(doc, value_node, conda_file, file)
    return read_environment(target, environ=environ), conda_file


def _conda_file_path(doc: _YamlDocument, node: yaml.Node, value: str, file: Path) -> Path:
    """The local conda file ``value`` names, relative to the asset YAML ``file``."""
    if value.startswith("file:"):  # the SDK's explicit local-file prefix
        value = value[len("file:") :]
    if _SCHEME_RE.match(value) and not re.match(r"^[A-Za-z]:[\\/]", value):
        raise doc.fail(
            node,
            "conda_file",
            f"conda_file {value!r} is not a local path",
            "a path relative to the environment YAML",
        )
    target = file.parent / Path(value).expanduser()
    if not target.is_file():
        raise doc.fail(
            node,
            "conda_file",
            f"conda file {str(target)!r} does not exist",
            "a path relative to the environment YAML",
        )
    return target


def _build(
    doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]
) -> BuildContext | None:
    item = entries.get("build")
    if item is None:
        return None
    node = item[1]
    fields = doc.mapping(node, "build")
    for key in sorted(fields):
        if key not in ("path", "dockerfile_path"):
            raise doc.fail(
                fields[key][0],
                f"build.{key}",
                f"unknown key {key!r} in build",
                "path, dockerfile_path",
            )
    if "path" not in fields:
        raise doc.fail(
            node, "build.path", "'build' has no 'path'", "the local build context folder or its URL"
        )
    path = doc.string(fields["path"][1], "build.path", "a folder path or URL")
    dockerfile = "Dockerfile"
    if "dockerfile_path" in fields:
        dockerfile = doc.string(
            fields["dockerfile_path"][1], "build.dockerfile_path", "a path inside the context"
        )
    return BuildContext(path=path, dockerfile_path=dockerfile, location=doc.where(node, "build"))


def _inference_config(
    doc: _YamlDocument, entries: dict[str, tuple[yaml.Node, yaml.Node]]
) -> InferenceConfig | None:
    item = entries.get("inference_config")
    if item is None:
        return None
    fields = doc.mapping(item[1], "inference_config")
    names = ("liveness_route", "readiness_route", "scoring_route")
    for key in sorted(fields):
        if key not in names:
            raise doc.fail(
                fields[key][0],
                f"inference_config.{key}",
                f"unknown key {key!r} in inference_config",
                ", ".join(names),
            )
    routes: dict[str, Route] = {}
    for route in names:
        field = f"inference_config.{route}"
        if route not in fields:
            raise doc.fail(
                item[1],
                field,
                f"inference_config has no {route!r}",
                "liveness_route, readiness_route and scoring_route",
            )
        route_node = fields[route][1]
        parts = doc.mapping(route_node, field)
        for key in sorted(parts):
            if key not in ("path", "port"):
                raise doc.fail(
                    parts[key][0], f"{field}.{key}", f"unknown key {key!r} in {route}", "path, port"
                )
        if "path" not in parts or "port" not in parts:
            raise doc.fail(
                route_node,
                field,
                f"{route} needs both 'path' and 'port'",
                "path: /score and port: 5001",
            )
        path = doc.string(parts["path"][1], f"{field}.path", "a URL path such as /score")
        port = doc.value(parts["port"][1])
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise doc.fail(
                parts["port"][1],
                f"{field}.port",
                f"invalid port {port!r}",
                "an integer from 1 to 65535",
            )
        routes[route] = Route(path=path, port=port)
    return InferenceConfig(**routes)
