"""compatlib.specs."""
