"""Resolving: the providers that adapt sources and the stack to the solver,
``solve`` for PyPI-style requests, conda and mixed environments, universal
resolution, and fixes verified by solving again."""
