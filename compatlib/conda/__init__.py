"""Conda: match specs, package records, repodata loading, channels, virtual packages."""
