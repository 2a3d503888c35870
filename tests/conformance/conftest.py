"""Shared helpers for the conformance suites read in place from ../shared/peer-suites."""

from __future__ import annotations

from pathlib import Path

PEER = Path(__file__).resolve().parents[3] / "shared" / "peer-suites"


def peer_files(sub: str, pattern: str) -> list[Path]:
    """Files of one peer suite, sorted; empty when the suites are absent."""
    base = PEER / sub
    if not base.is_dir():
        return []
    return sorted(base.glob(pattern))
