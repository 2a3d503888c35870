"""Suite-wide settings: property tests are derandomized, so the suite gives the
same result on every run (a failing example found once is pinned by a test)."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("compatlib", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("compatlib")
