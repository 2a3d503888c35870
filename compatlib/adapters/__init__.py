"""compatlib.adapters."""
