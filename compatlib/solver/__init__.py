"""compatlib.solver."""
