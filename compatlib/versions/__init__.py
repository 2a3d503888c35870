"""compatlib.versions."""
