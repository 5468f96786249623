"""Specialists: processors that solve structured problems (classical solvers, TRM)."""
