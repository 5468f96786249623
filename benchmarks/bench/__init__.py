"""`orchestra bench`: the benchmark suite."""
