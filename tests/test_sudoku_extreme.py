"""The shipped parts of Sudoku-Extreme's published sources: disjoint training and test
parts (also under rotations, reflections and digit relabelling), provenance kept, and the
bench tasks that read the test parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.sudoku_extreme_split import canonical
from orchestra import family_registry

DATA = Path(__file__).resolve().parents[1] / "orchestra" / "tasks" / "sudoku" / "data"


def _rows(name: str) -> list[str]:
    return [s for s in (DATA / name).read_text().splitlines() if s and not s.startswith("#")]


@pytest.mark.parametrize("which", ["extreme", "17clue"])
def test_parts_are_disjoint_under_the_cheap_symmetries(which):
    test, train = _rows(f"{which}-test.txt"), _rows(f"{which}-train.txt")
    assert (len(test), len(train)) == (1000, 9000)
    keys = [canonical(s) for s in test + train]
    assert len(set(keys)) == len(keys)  # no puzzle twice, within or across the parts
    header = (DATA / f"{which}-test.txt").read_text().splitlines()[0]
    assert "tdoku" in header and "test part" in header


@given(st.integers(0, 3), st.booleans(), st.permutations(range(1, 10)))
def test_canonical_form_ignores_rotation_reflection_and_relabelling(k, flip, perm):
    import numpy as np

    line = _rows("extreme-test.txt")[0]
    a = np.array([0 if c == "." else int(c) for c in line]).reshape(9, 9)
    b = np.rot90(a, k)
    b = b.T if flip else b
    relabel = np.array([0, *perm])[b]
    other = "".join(str(v) if v else "." for v in relabel.ravel())
    assert canonical(other) == canonical(line)


def test_bench_tasks_read_the_test_parts():
    fam = family_registry.get("sudoku")
    for task, which in (("sudoku9-extreme", "extreme"), ("sudoku9-17clue", "17clue")):
        items = fam.bench_set(task, 3, seed=0)
        assert [i.problem.to_string() for i in items] == _rows(f"{which}-test.txt")[:3]
        assert all(fam.verify(i.problem, i.answer) for i in items)
