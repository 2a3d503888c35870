"""Other solvers run on compatlib's own inputs, for differential checks and benchmarks."""
