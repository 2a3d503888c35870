"""Providers: adapt package sources to the solver's provider protocol."""
