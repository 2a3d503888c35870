"""compatlib.stack."""
