"""Benchmarks: measured, rerunnable figures (never asserted in tests)."""


def publish(report: str, out: str | None) -> None:
    """A benchmark's markdown report: printed, and written to `out` when given (the file the
    README quotes, so the figures there are this command's output)."""
    print(report)
    if out:
        with open(out, "w") as f:
            f.write(report + "\n")
