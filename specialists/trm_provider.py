"""The TRM specialists on offer: one `trm-<kind>` per kind with checkpoints on the search
path, for every family a TRM can learn. Named in the entry-point group
`orchestra.specialist_providers`, the contract a plug-in's provider uses; listing reads
the checkpoints' config files only, so torch loads when a specialist is first used."""

from __future__ import annotations

import functools
from typing import Any

from orchestra import catalog, family_registry
from orchestra.registry import Offer

PRIORITY = 50  # before the exact solver; the verifier backs it up


def offers() -> list[Offer]:
    found = []
    for family in family_registry.all_families():
        if not family.has("trm"):
            continue
        for kind in catalog.kinds_with_checkpoints(family.name):
            found.append(
                Offer(
                    name=f"trm-{kind}",
                    factory=functools.partial(_build, family.name, kind),
                    kinds=(kind,),
                    priority=PRIORITY,
                    description=f"TRM checkpoints for {kind}"
                    + (f" ({family.name} family)" if kind != family.name else ""),
                    source=family_registry.source(family.name),
                )
            )
    return found


def _build(family: str, kind: str, **options: Any) -> Any:
    from .trm_specialist import family_specialist

    return family_specialist(family, kind, **options)
