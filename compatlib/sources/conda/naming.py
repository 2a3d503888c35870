"""Conda channel names, subdirs and URLs.

conda names a channel by a short canonical name where it can
(``https://conda.anaconda.org/conda-forge`` is ``conda-forge``,
``https://repo.anaconda.com/pkgs/main`` is ``pkgs/main``) and by its URL
otherwise. ``defaults`` stands for Anaconda's default channels. Credentials
(``user:pass@`` and ``/t/<token>``) never survive into a name or a record.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from compatlib.values.urls import redact_url, split_url

__all__ = [
    "DEFAULT_CHANNELS",
    "KNOWN_SUBDIRS",
    "canonical_channel_name",
    "channel_matches",
    "split_subdir",
    "strip_credentials",
]

# conda's context.known_subdirs (conda/base/constants.py KNOWN_SUBDIRS).
KNOWN_SUBDIRS = frozenset(
    {
        "emscripten-wasm32",
        "wasi-wasm32",
        "freebsd-64",
        "linux-32",
        "linux-64",
        "linux-aarch64",
        "linux-armv6l",
        "linux-armv7l",
        "linux-ppc64",
        "linux-ppc64le",
        "linux-riscv64",
        "linux-s390x",
        "osx-64",
        "osx-arm64",
        "win-32",
        "win-64",
        "win-arm64",
        "zos-z",
        "noarch",
    }
)

# conda's DEFAULT_CHANNELS_UNIX plus pkgs/msys2 from DEFAULT_CHANNELS_WIN: the
# channels a ``defaults::`` spec accepts (independent of the host, on purpose).
DEFAULT_CHANNELS = ("pkgs/main", "pkgs/r", "pkgs/msys2")

_SHORT_HOSTS = {"conda.anaconda.org", "repo.anaconda.com", "repo.continuum.io"}


def strip_credentials(url: str) -> str:
    """``https://user:pw@host/t/tok-123/conda-forge`` -> ``https://host/conda-forge``."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not parseable: keep nothing that could be a credential
        return redact_url(url)
    netloc = parts.netloc.rpartition("@")[2]
    segments = parts.path.split("/")
    if len(segments) > 2 and segments[1] == "t":
        segments = [segments[0], *segments[3:]]
    return urlunsplit((parts.scheme, netloc, "/".join(segments), parts.query, parts.fragment))


def split_subdir(channel: str) -> tuple[str, str | None]:
    """``conda-forge/linux-64`` -> ``("conda-forge", "linux-64")``; a last path
    segment that is not a known subdir stays part of the channel."""
    text = channel.rstrip("/")
    head, sep, last = text.rpartition("/")
    if sep and head and last in KNOWN_SUBDIRS:
        return head, last
    return text, None


@lru_cache(maxsize=4096)
def canonical_channel_name(channel: str) -> str:
    """The name conda shows for a channel given by name or URL (no subdir)."""
    text = strip_credentials(channel.strip()).rstrip("/")
    if text.endswith(("/repodata.json", "/current_repodata.json")):
        text = text.rsplit("/", 1)[0]
    text, _ = split_subdir(text)
    if "://" in text:
        parts = split_url(text, field="channel")
        if parts.scheme in ("http", "https") and parts.netloc in _SHORT_HOSTS:
            path = parts.path.strip("/")
            if path:
                return path
    return text


def channel_matches(wanted: str, record_channel: str) -> bool:
    """Whether a spec's channel (canonical name) accepts a record's channel.

    ``defaults`` accepts the default channels; ``*`` in ``wanted`` is a
    wildcard (``conda-*``); a name never accepts
    ``defaults`` itself as a stand-in (``pkgs/main::x`` does not match a record
    whose channel is only known as ``defaults``), as in conda's ``ChannelMatch``.
    """
    have = canonical_channel_name(record_channel) if record_channel else ""
    if wanted == have:
        return True
    if "*" in wanted:
        return _glob(wanted).fullmatch(have) is not None
    return wanted == "defaults" and have in DEFAULT_CHANNELS


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
