"""Suite-wide settings: property tests are derandomized, so the suite gives the
same result on every run (a failing example found once is pinned by a test).

``HYPOTHESIS_PROFILE=fuzz`` turns the property tests (tests/fuzz above all) into
a long, randomized fuzzing campaign: thousands of inputs per parser.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "compatlib",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    derandomize=False,
    deadline=None,
    print_blob=True,
    max_examples=20_000,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "compatlib"))


def pytest_configure(config: object) -> None:
    """Tests never write into the user's own cache: a run without an explicit
    COMPATLIB_CACHE_DIR gets a fresh one (subprocesses inherit it)."""
    if "COMPATLIB_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["COMPATLIB_CACHE_DIR"] = tempfile.mkdtemp(prefix="compatlib-test-cache-")
