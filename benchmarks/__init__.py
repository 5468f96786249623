"""Benchmarks: measured, rerunnable figures (never asserted in tests)."""
