"""compatlib.lock."""
