"""Renderings of a :class:`~compatlib.lock.Lock` that installers read.

* :func:`render_requirements`: a pip ``requirements.txt`` for hash-checking
  mode (``pip install --require-hashes -r``): ``name==version`` with every
  locked file's ``--hash``, the lock's indexes and find-links as options, and
  environment markers where platforms differ.
* :func:`render_pylock`: a PEP 751 ``pylock.toml``: each package with its
  wheels or sdist (URL and hashes) and a marker where it is not locked for
  every platform, so one file serves all of the lock's platforms.
* :func:`render_conda_lock`: conda-lock's unified ``conda-lock.yml`` (version
  1): conda and pip packages of every platform, for ``conda-lock install``.
* :func:`render_explicit`: a conda explicit file (``@EXPLICIT``, one URL with
  its md5 per line, dependencies first) for ``conda create --file``; one
  platform.
* :func:`render_environment`: an ``environment.yml`` pinning every package
  (conda ``name=version=build``, pip ``name==version``); one platform.

The first two hold pip packages only. Output depends on nothing but the lock:
same lock, same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from compatlib.errors import InputError
from compatlib.lock.model import Lock, LockedPackage
from compatlib.values.urls import file_url_to_path, is_file_url, path_to_url

__all__ = [
    "FORMATS",
    "check_pylock_name",
    "inputs_line",
    "platform_marker",
    "render",
    "render_conda_lock",
    "render_environment",
    "render_explicit",
    "render_pylock",
    "render_requirements",
    "is_local_source",
    "lock_python",
    "pip_install_lines",
]

#: the ``--format`` names, and what each writes
FORMATS: dict[str, str] = {
    "json": "compatlib's JSON lock",
    "requirements": "requirements.txt for pip --require-hashes",
    "pylock": "PEP 751 pylock.toml",
    "conda-lock": "conda-lock.yml (conda-lock's unified lock, version 1)",
    "explicit": "a conda explicit file for one platform",
    "environment": "a pinned environment.yml for one platform",
}

_PYPI_FILES = "https://files.pythonhosted.org/"


def render(lock: Lock, fmt: str) -> str:
    """``lock`` as text in format ``fmt`` (one of :data:`FORMATS`); every field is
    checked first (:func:`compatlib.lock.validate.check_lock`), so no value can
    turn into an option line of the installer."""
    # lazy: only render needs compatlib.lock.validate, which loads 1 module that importing this one does not
    from compatlib.lock.validate import check_lock

    check_lock(lock)
    if fmt == "json":
        return lock.to_json()
    if fmt == "requirements":
        return render_requirements(lock)
    if fmt == "pylock":
        return render_pylock(lock)
    if fmt == "conda-lock":
        return render_conda_lock(lock)
    if fmt == "explicit":
        return render_explicit(lock)
    if fmt == "environment":
        return render_environment(lock)
    raise InputError(f"unknown lock format {fmt!r}", field="format", expected=", ".join(FORMATS))


def check_pylock_name(path: str) -> None:
    """Refuse a ``pylock.toml`` file name PEP 751 does not allow: the file must be
    ``pylock.toml`` or ``pylock.NAME.toml`` (NAME without dots), which is what
    installers look for; the error suggests the allowed name."""
    # lazy: pylock output only
    import os
    import re

    name = os.path.basename(path)
    if name == "pylock.toml" or re.fullmatch(r"pylock\.[^.]+\.toml", name):
        return
    stem = name.removesuffix(".toml").removeprefix("pylock.").removesuffix(".pylock")
    stem = re.sub(r"[.\s]+", "-", stem).strip("-")
    better = f"pylock.{stem}.toml" if stem and stem != "pylock" else "pylock.toml"
    raise InputError(
        f"{name!r} is not a pylock file name: PEP 751 names them pylock.toml or pylock.NAME.toml",
        field="output",
        expected=os.path.join(os.path.dirname(path), better),
    )


#: the form of ``metadata.inputs_digests`` a rendering may copy
_DIGEST_KEY = r"[a-z_]{1,40}"
_DIGEST_VALUE = r"[0-9a-f]{16,64}"


def _inputs_record(lock: Lock) -> tuple[int, dict[str, str]] | None:
    """The lock's inputs-hash recipe and per-category digests, checked (they are
    copied into comment lines), or ``None`` when it records none."""
    import re  # lazy: as the other helpers here

    version = lock.metadata.get("inputs_hash_version")
    digests = lock.metadata.get("inputs_digests")
    if version is None or digests is None:
        return None
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or not isinstance(digests, dict)
        or not all(
            isinstance(k, str)
            and isinstance(v, str)
            and re.fullmatch(_DIGEST_KEY, k)
            and re.fullmatch(_DIGEST_VALUE, v)
            for k, v in digests.items()
        )
    ):
        raise InputError(
            "invalid lock field: metadata.inputs_hash_version or metadata.inputs_digests",
            field="metadata.inputs_digests",
            expected="an integer, and category names mapped to hex digests",
        )
    return version, dict(sorted(digests.items()))


def inputs_line(lock: Lock) -> str | None:
    """The comment line that records the lock's inputs-hash recipe and digests in
    the text formats (``# inputs: recipe 2; requirements=...; ...``), so that
    ``compatlib lock --check`` can say which input changed; ``None`` without them."""
    record = _inputs_record(lock)
    if record is None:
        return None
    version, digests = record
    return f"# inputs: recipe {version}; " + "; ".join(f"{k}={v}" for k, v in digests.items())


def platform_marker(platform: str) -> str:
    """The PEP 508 marker that holds exactly on a conda subdir's machines."""
    # lazy: only platform_marker needs compatlib.values.target, which loads 3 modules that importing this one does not
    from compatlib.values.target import PLATFORMS

    try:
        sys_platform, _system, machine, _os = PLATFORMS[platform]
    except KeyError:
        raise InputError(
            f"unknown platform {platform!r}", field="platform", expected=", ".join(PLATFORMS)
        ) from None
    return f"sys_platform == {_q(sys_platform)} and platform_machine == {_q(machine)}"


def _q(text: str) -> str:
    return '"' + text + '"'


def _pip_packages(lock: Lock, what: str) -> list[LockedPackage]:
    conda = sorted({p.name for p in lock.packages if p.manager != "pip"})
    if conda:
        raise InputError(
            f"{what} holds pip packages only; this lock has conda packages too "
            f"({', '.join(conda[:5])}{', ...' if len(conda) > 5 else ''})",
            field="format",
            expected="a lock of pip packages (or --format json)",
        )
    return [p for p in lock.packages if p.manager == "pip"]


def _platforms(lock: Lock) -> list[str]:
    from_targets = [t.get("platform") for t in lock.targets]
    found = {p.platform for p in lock.packages} | {str(t) for t in from_targets if t}
    return sorted(found)


def _groups(
    packages: Iterable[LockedPackage],
) -> list[tuple[tuple[str, str], list[LockedPackage]]]:
    """Packages by (name, version), each group's entries sorted by platform."""
    table: dict[tuple[str, str], list[LockedPackage]] = {}
    for p in packages:
        table.setdefault((p.name, p.version), []).append(p)
    return [(key, sorted(items, key=lambda p: p.platform)) for key, items in sorted(table.items())]


def _marker_for(items: Sequence[LockedPackage], platforms: Sequence[str]) -> str | None:
    """``None`` when the group covers every platform of the lock, else an ``or``
    of the platforms' markers (each with the package's own marker, in a
    universal lock)."""
    if any(p.marker is not None for p in items):
        # lazy: only a universal lock's pins carry markers to merge
        from compatlib.resolve.universal import merge_environments

        def where(platform: str) -> str:
            return platform_marker(platform) if len(platforms) > 1 else ""

        every = [where(p) for p in platforms]
        return merge_environments(((where(p.platform), p.marker) for p in items), every)
    mine = sorted({p.platform for p in items})
    if mine == list(platforms):
        return None
    if len(mine) == 1:
        return platform_marker(mine[0])
    return " or ".join(f"({platform_marker(p)})" for p in mine)


def _sources(lock: Lock, packages: Sequence[LockedPackage]) -> list[str]:
    """pip options naming where the files come from (credentials are never in a lock)."""
    lines: list[str] = []
    indexes = [u for u in lock.metadata.get("indexes", ()) if _is_url(u)]
    pypi_files = bool(packages) and all(p.url.startswith(_PYPI_FILES) for p in packages)
    if not indexes and not lock.metadata.get("find_links") and pypi_files:
        indexes = ["https://pypi.org/simple"]  # e.g. the embedded snapshot: PyPI's files
    for i, url in enumerate(indexes):
        lines.append(f"{'--index-url' if i == 0 else '--extra-index-url'} {url}")
    if not indexes:
        lines.append("--no-index")
    for link in lock.metadata.get("find_links", ()):
        lines.append(f"--find-links {_link_text(str(link))}")
    return lines


def _link_text(link: str) -> str:
    """A find-links location as pip reads it from an option line: pip cuts lines
    at `` #`` (comments) and splits them like a shell, so a path with a space or
    a ``#`` is written as its (percent-encoded) ``file:`` URL instead."""
    if _is_url(link) or not any(ch.isspace() or ch in "#'\"" for ch in link):
        return link
    return path_to_url(link, resolve=False)


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://")) or is_file_url(text)


def _targets_comment(lock: Lock) -> str:
    targets = lock.targets
    shown = [f"{t.get('platform')} (Python {t.get('python')})" for t in targets]
    return ", ".join(shown) if shown else ", ".join(_platforms(lock))


def render_requirements(lock: Lock) -> str:
    """A ``requirements.txt`` that pip installs in hash-checking mode.

    ``name==version`` lines with the lock's indexes and find-links as options;
    a lock that records no index pip can reach (the embedded snapshot, or an
    in-memory index) gets one direct reference per locked file instead
    (``name @ url``), which pip installs from that URL with the same hash check.
    """
    packages = _pip_packages(lock, "requirements.txt")
    platforms = _platforms(lock)
    out = [
        f"# compatlib lock for {_targets_comment(lock)}",
        "# install with: pip install --require-hashes -r <this file>",
    ]
    inputs = lock.metadata.get("inputs_sha256")
    if inputs:
        out.append(f"# inputs sha256: {inputs}")
    line = inputs_line(lock)
    if line is not None:
        out.append(line)
    sources = _sources(lock, packages)
    direct = sources == ["--no-index"] and all(_is_url(p.url) for p in packages)
    if not direct:
        out.extend(sources)
    for (name, version), items in _groups(packages):
        for item in items:
            _hash_of(item, None, "pip's hash-checking mode")
        if direct:
            by_url: dict[str, list[LockedPackage]] = {}
            for item in items:
                by_url.setdefault(item.url, []).append(item)
            entries = [(f"{name} @ {url}", group) for url, group in sorted(by_url.items())]
        else:
            entries = [(f"{name}=={version}", list(items))]
        for head, group in entries:
            line = head
            marker = _marker_for(group, platforms)
            if marker is not None:
                line += f" ; {marker}"
            hashes = sorted({f"{a}:{d}" for p in group for a, d in p.hashes})
            out.append(" \\\n".join([line, *(f"    --hash={h}" for h in hashes)]))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- pylock.toml


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "")
    return key if bare.isascii() and bare.isalnum() else _toml_string(key)


def _requires_python(lock: Lock) -> str | None:
    universal = lock.metadata.get("universal")
    if isinstance(universal, str) and universal:
        return universal  # a universal lock covers this range
    return _targets_python(lock)


def _targets_python(lock: Lock) -> str | None:
    pythons = sorted({".".join(str(t.get("python", "")).split(".")[:2]) for t in lock.targets})
    if len(pythons) == 1 and pythons[0]:
        return f"=={pythons[0]}.*"
    return None


def _file_entry(p: LockedPackage) -> tuple[str, dict[str, Any]]:
    """("wheels" or "sdist", the file's table)."""
    filename = p.filename or p.url.rsplit("/", 1)[-1]
    entry: dict[str, Any] = {"name": filename, "url": p.url}
    entry["hashes"] = dict(sorted(p.hashes))
    kind = "wheels" if filename.endswith(".whl") else "sdist"
    return kind, entry


def render_pylock(lock: Lock) -> str:
    """A PEP 751 ``pylock.toml`` covering every platform of the lock."""
    packages = _pip_packages(lock, "pylock.toml")
    platforms = _platforms(lock)
    out = ['lock-version = "1.0"']
    if len(platforms) > 0:
        out.append(f"environments = {_toml_value([platform_marker(p) for p in platforms])}")
    requires_python = _requires_python(lock)
    if requires_python:
        out.append(f"requires-python = {_toml_value(requires_python)}")
    out.append('created-by = "compatlib"')
    for (name, version), items in _groups(packages):
        out.append("")
        out.append("[[packages]]")
        out.append(f"name = {_toml_value(name)}")
        out.append(f"version = {_toml_value(version)}")
        marker = _marker_for(items, platforms)
        if marker is not None:
            out.append(f"marker = {_toml_value(marker)}")
        wheels: dict[str, dict[str, Any]] = {}
        sdist: dict[str, Any] | None = None
        for p in items:
            _hash_of(p, None, "pylock.toml")
            kind, entry = _file_entry(p)
            if kind == "wheels":
                wheels.setdefault(entry["name"], entry)
            else:
                sdist = entry
        if sdist is not None:
            out.append(f"sdist = {_toml_value(sdist)}")
        if wheels:
            rows = ",\n".join(f"  {_toml_value(w)}" for _, w in sorted(wheels.items()))
            out.append(f"wheels = [\n{rows},\n]")
    tool = _pylock_tool(lock)
    if tool:
        out.extend(["", "[tool.compatlib]", *tool])
    return "\n".join(out) + "\n"


def _lock_targets(lock: Lock) -> list[dict[str, str]]:
    """The lock's targets as ``{platform, python}`` (what a reader needs to tell
    which files and markers are for which platform)."""
    return [
        {"platform": str(t.get("platform")), "python": str(t.get("python"))}
        for t in lock.targets
        if t.get("platform") and t.get("python")
    ]


def _pylock_tool(lock: Lock) -> list[str]:
    """``[tool.compatlib]``: the inputs hash, its recipe and digests, and the
    targets, so that ``compatlib lock --check`` and minimal updates can read the
    file back (PEP 751 leaves ``[tool]`` to the tools)."""
    lines: list[str] = []
    inputs = lock.metadata.get("inputs_sha256")
    if inputs:
        lines.append(f"inputs-sha256 = {_toml_value(str(inputs))}")
    record = _inputs_record(lock)
    if record is not None:
        lines.append(f"inputs-hash-version = {record[0]}")
        lines.append(f"inputs-digests = {_toml_value(record[1])}")
    targets = _lock_targets(lock)
    if targets:
        lines.append(f"targets = {_toml_value(targets)}")
    return lines


# --------------------------------------------------------------------------- conda formats


def _yaml(data: Any) -> str:
    # lazy: only _yaml needs yaml, which loads 27 modules that importing this one does not
    import yaml

    text: str = yaml.safe_dump(
        data, default_flow_style=False, sort_keys=False, width=1 << 20, allow_unicode=True
    )
    return text


def render_conda_lock(lock: Lock) -> str:
    """conda-lock's ``conda-lock.yml`` (version 1) for every platform of the lock.

    ``content_hash`` holds the lock's ``inputs_sha256`` for each platform (it
    changes when the inputs do, which is what conda-lock uses it for).
    """
    _no_markers(lock, "conda-lock.yml")
    platforms = _platforms(lock)
    inputs = str(lock.metadata.get("inputs_sha256", ""))
    channels = [
        {"url": str(c), "used_env_vars": []} for c in lock.metadata.get("channels", ()) or ()
    ]
    sources = [str(s) for s in lock.metadata.get("sources", ()) or ()]
    packages = []
    for p in lock.packages:
        hashes = dict(p.hashes)
        _hash_of(p, "md5" if p.manager == "conda" else "sha256", "conda-lock.yml")
        entry: dict[str, Any] = {
            "name": p.name,
            "version": p.version,
            "manager": p.manager,
            "platform": p.platform,
            "dependencies": {
                name: _conda_lock_spec(p.manager, name, text)
                for name, text in sorted(p.dependencies)
            },
            "url": p.url,
            "hash": {a: hashes[a] for a in ("md5", "sha256") if a in hashes},
            "category": p.category,
            "optional": p.category != "main",
        }
        packages.append(entry)
    metadata: dict[str, Any] = {
        "content_hash": dict.fromkeys(platforms, inputs),
        "channels": channels,
        "platforms": platforms,
        "sources": sources,
    }
    custom = _conda_lock_custom(lock)
    if custom:
        metadata["custom_metadata"] = custom
    doc = {"version": 1, "metadata": metadata, "package": packages}
    return _yaml(doc)


def _conda_lock_custom(lock: Lock) -> dict[str, str]:
    """conda-lock's ``custom_metadata`` (strings only): the inputs-hash recipe and
    digests and the targets' Pythons, for ``compatlib lock --check`` and
    minimal updates."""
    custom: dict[str, str] = {}
    record = _inputs_record(lock)
    if record is not None:
        custom["compatlib.inputs_hash_version"] = str(record[0])
        for key, digest in record[1].items():
            custom[f"compatlib.inputs_digests.{key}"] = digest
    targets = _lock_targets(lock)
    if targets:
        custom["compatlib.targets"] = " ".join(f"{t['platform']}={t['python']}" for t in targets)
    return custom


def _conda_lock_spec(manager: str, name: str, text: str) -> str:
    """A dependency as conda-lock writes it: the version part only (``>=1.2``,
    ``*`` for any), without the name, markers or build strings' name prefix."""
    if manager == "pip":
        # lazy: only _conda_lock_spec needs compatlib.values.pep508, which loads 8 modules that importing this one does not
        from compatlib.values.pep508 import InvalidRequirement, parse_requirement

        parts = []
        for one in text.split("; "):  # two requirements on one package are joined
            try:
                spec = str(parse_requirement(one).specifier)
            except InvalidRequirement:
                spec = ""
            if spec:
                parts.append(spec)
        return ",".join(parts) or "*"
    head, _, rest = text.strip().partition(" ")
    if head == name:
        return rest.strip() or "*"
    return text.strip() or "*"


def _no_markers(lock: Lock, what: str) -> None:
    marked = sorted({p.name for p in lock.packages if p.marker is not None})
    if marked:
        raise InputError(
            f"{what} cannot hold versions that depend on the Python version "
            f"({', '.join(marked[:5])}{', ...' if len(marked) > 5 else ''} in this universal lock)",
            field="format",
            expected="--format pylock or requirements, or a lock for one Python",
        )


def _hash_of(p: LockedPackage, algorithm: str | None, what: str) -> str:
    """The package's ``algorithm`` digest (any, for ``None``); an input error
    naming the package when the lock has none, since ``what`` needs it."""
    hashes = dict(p.hashes)
    digest = hashes.get(algorithm) if algorithm else next(iter(hashes.values()), None)
    if not digest:
        kind = f"{algorithm} " if algorithm else "hash "
        raise InputError(
            f"{p.manager} package {p.name} {p.version} ({p.platform}) has no {kind}in the "
            f"lock; {what} needs one",
            field="hashes",
            expected="a lock whose files all carry hashes (conda records: md5)",
        )
    return digest


def _one_platform(lock: Lock, what: str) -> str:
    platforms = _platforms(lock)
    if len(platforms) != 1:
        raise InputError(
            f"{what} describes one platform; this lock has {len(platforms)}: "
            + ", ".join(platforms),
            field="platform",
            expected="a lock for one --platform (or --format conda-lock for several)",
        )
    return platforms[0]


def _dependency_order(packages: Sequence[LockedPackage]) -> list[LockedPackage]:
    """Each package after the packages it depends on (ties by name; cycles broken
    by name), as conda installs an explicit file in order."""
    by_name = {p.name: p for p in packages}
    done: set[str] = set()
    out: list[LockedPackage] = []
    for start in sorted(by_name):
        stack: list[tuple[str, bool]] = [(start, False)]
        visiting: set[str] = set()
        while stack:
            name, expanded = stack.pop()
            if name in done:
                continue
            if expanded:
                visiting.discard(name)
                done.add(name)
                out.append(by_name[name])
                continue
            if name in visiting:
                continue  # a cycle: the first one reached goes first
            visiting.add(name)
            stack.append((name, True))
            deps = sorted((d for d, _ in by_name[name].dependencies if d in by_name), reverse=True)
            stack.extend((d, False) for d in deps if d not in done)
    return out


def render_explicit(lock: Lock) -> str:
    """A conda explicit file for the lock's one platform.

    pip packages cannot be installed by conda from such a file; they follow as
    ``# pip name @ url#sha256=...`` comment lines (as conda-lock writes them),
    which ``conda create`` ignores.
    """
    _no_markers(lock, "an explicit file")
    platform = _one_platform(lock, "an explicit file")
    conda = [p for p in lock.packages if p.manager == "conda"]
    pip = sorted((p for p in lock.packages if p.manager == "pip"), key=lambda p: p.name)
    out = ["# compatlib lock, conda explicit file", f"# platform: {platform}"]
    inputs = lock.metadata.get("inputs_sha256")
    if inputs:
        out.append(f"# input_hash: {inputs}")
    line = inputs_line(lock)
    if line is not None:
        out.append(line)
    out.append("@EXPLICIT")
    for p in _dependency_order(conda):
        out.append(f"{p.url}#{_hash_of(p, 'md5', 'an explicit file')}")
    for p in pip:
        digest = dict(p.hashes).get("sha256")
        out.append(f"# pip {p.name} @ {p.url}" + (f"#sha256={digest}" if digest else ""))
    return "\n".join(out) + "\n"


def render_environment(
    lock: Lock,
    *,
    hashes: bool = False,
    default_channels: Sequence[str] = (),
    portable: bool = False,
) -> str:
    """An ``environment.yml`` pinning the lock's one platform exactly.

    ``hashes`` adds each pip package's ``--hash`` options to its line, so the
    ``pip install`` conda runs for the ``pip:`` section checks every file;
    ``default_channels`` are used when the lock names none (a pip-only lock).

    The ``pip:`` section names the lock's indexes when pip can find the files
    there; a lock whose sources pip cannot use as written (the shipped snapshot,
    ``--no-index`` without find-links, a relative find-links path) pins each
    package to its file instead (``name @ url``, see :func:`pip_install_lines`).
    ``portable`` is for files used on another machine (an image build): a local
    channel, index or file is then an input error naming it.
    """
    _no_markers(lock, "an environment.yml")
    platform = _one_platform(lock, "an environment.yml")
    conda = sorted((p for p in lock.packages if p.manager == "conda"), key=lambda p: p.name)
    pip = sorted((p for p in lock.packages if p.manager == "pip"), key=lambda p: p.name)
    channels = [str(c) for c in lock.metadata.get("channels", ()) or ()] or list(default_channels)
    if portable:
        for channel in channels:
            if is_local_source(channel):
                raise InputError(
                    f"conda channel {channel} is a local folder, which an image build cannot reach",
                    field="channels",
                    text=channel,
                    expected="a lock made from channels the build can reach "
                    "(a name such as conda-forge, or an https:// URL)",
                )
    deps: list[Any] = [
        f"{p.name}={p.version}={p.build}" if p.build else f"{p.name}={p.version}" for p in conda
    ]
    if pip:
        if not conda:  # a pip-only lock: the Python it was locked for, and pip
            python = lock_python(lock)
            deps.extend(f"python={v}" for v in (python,) if v)
        if not any(p.name == "pip" for p in conda):
            deps.append("pip")
        # conda passes the pip: list to pip as a requirements file
        deps.append({"pip": pip_install_lines(lock, pip, hashes=hashes, portable=portable)})
    doc: dict[str, Any] = {}
    if channels:
        doc["channels"] = [*channels, "nodefaults"]
    doc["dependencies"] = deps
    header = [f"# compatlib lock for {platform}"]
    inputs = lock.metadata.get("inputs_sha256")
    if inputs:
        header.append(f"# inputs sha256: {inputs}")
    recorded = inputs_line(lock)
    if recorded is not None:
        header.append(recorded)
    return "\n".join(header) + "\n" + _yaml(doc)


def lock_python(lock: Lock) -> str | None:
    """The Python version of a pip-only lock's target (the first, sorted), if any."""
    pythons = sorted({str(t.get("python")) for t in lock.metadata.get("targets", ())})
    found = [v for v in pythons if v and v != "None"]
    return found[0] if found else None


def is_local_source(source: str) -> bool:
    """Is an index, find-links location, channel or file URL on this machine only
    (a path or ``file:`` URL), as opposed to an ``http(s)://`` URL or a channel name?"""
    if source.startswith(("https://", "http://")):
        return False
    if is_file_url(source) or "://" in source:
        return True  # file:, or a scheme no image build has (compatlib-snapshot: is not "://")
    return "/" in source or "\\" in source or source.startswith((".", "~"))


def _remote(source: str) -> bool:
    return source.startswith(("https://", "http://"))


def _usable_here(source: str) -> bool:
    """Can pip use this index or find-links location as written, from any folder?"""
    return _is_url(source) or source.startswith("/")


def pip_install_lines(
    lock: Lock, packages: Sequence[LockedPackage], *, hashes: bool, portable: bool
) -> list[str]:
    """Requirement lines that make pip install exactly ``packages`` (one platform's).

    The lock's sources as options and ``name==version`` pins, when pip can use
    those sources as written (URLs; absolute paths too unless ``portable``);
    otherwise each package by its file, ``name @ url``, which installs wherever
    that URL is reachable. ``portable`` refuses a file only this machine has,
    naming the package and its path. ``hashes`` adds every file's ``--hash``.
    """
    indexes = [str(u) for u in lock.metadata.get("indexes", ())]
    sources = indexes + [str(u) for u in lock.metadata.get("find_links", ())]
    usable = bool(sources) and all(
        _remote(s) or (not portable and _usable_here(s)) for s in sources
    )
    pypi_default = not sources and all(p.url.startswith(_PYPI_FILES) for p in packages)
    direct = not usable and not pypi_default
    lines = [] if direct else _sources(lock, packages)
    for p in packages:
        if direct:
            if not _remote(p.url) and (portable or not is_file_url(p.url)):
                where = file_url_to_path(p.url) if is_file_url(p.url) else (p.url or "no URL")
                raise InputError(
                    f"pip package {p.name} {p.version} comes from {where}, "
                    + (
                        "a local file that an image build cannot reach"
                        if portable
                        else "which pip cannot install from as written"
                    ),
                    field="url",
                    text=p.url,
                    expected="a lock made from an index or find-links URL that the build can "
                    "reach (--index https://..., --find-links https://...)",
                )
            line = f"{p.name} @ {p.url}"
        else:
            line = f"{p.name}=={p.version}"
        if hashes:
            _hash_of(p, None, "a pip section with --hash")
            line += "".join(f" --hash={a}:{d}" for a, d in sorted(p.hashes))
        lines.append(line)
    return lines
