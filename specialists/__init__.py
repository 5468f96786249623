"""Specialists: processors that solve structured problems (classical solvers, TRM).

The package reaches the core only through its registries, as a plug-in would:
`CHECKPOINTS` is named in the entry-point group `orchestra.checkpoints`, the TRM
specialists are offered by `orchestra.specialists.trm_provider` (group
`orchestra.specialist_providers`), the ARC search by `orchestra.specialists`."""

from pathlib import Path

CHECKPOINTS = Path(__file__).parent / "checkpoints"
