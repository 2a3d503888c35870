"""The solver: the PubGrub-style algorithm behind the provider protocol, the derivation tree of a failure (typed data), and its rendering as text."""
