"""Hypothesis profiles for the fuzz suite.

The default profile keeps every CI run short (a few hundred inputs per parser);
``HYPOTHESIS_PROFILE=fuzz python -m pytest tests/fuzz`` runs the long campaign
(thousands per parser). Each test draws structured mutations of real samples,
so most inputs are nearly valid and reach deep into the parsers.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
