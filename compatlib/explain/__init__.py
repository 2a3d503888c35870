"""compatlib.explain."""
