"""The ARC family's check of an answer against the demonstrations: what `consistent`
means where no expected output exists to compare with."""

from __future__ import annotations

from typing import Any

from ..base import Evidence
from .dsl import ProgramError, parse
from .dsl.generalise import generalises
from .problem import ArcProblem


def _grids(answer: Any) -> list:
    return answer if answer and isinstance(answer[0][0], list) else [answer]


def check_evidence(problem: ArcProblem, answer: Any, evidence: Evidence | None) -> tuple[bool, str]:
    """(consistent, why). A program is trusted only as far as this module's own run of
    it: it must reproduce every demonstration, and the answer must be its output."""
    if evidence is None:
        return (
            False,
            "not shown consistent: no program or model check reproduced the demonstrations",
        )
    if evidence.program is None:
        if evidence.consistent is None:
            return False, f"not shown consistent: {evidence.method} gave no verdict"
        said = "reproduces" if evidence.consistent else "does not reproduce"
        detail = f" ({evidence.detail})" if evidence.detail else ""
        return bool(
            evidence.consistent
        ), f"{evidence.method}: the model {said} the demonstrations{detail}"
    try:
        program = parse(evidence.program)
    except ProgramError as e:
        return False, f"the program does not parse: {e}"
    pairs = [(p.input, p.output) for p in problem.train]
    if not program.reproduces(pairs):
        return False, f"`{program}` does not reproduce every demonstration"
    try:
        outputs = [program.run(g).tolist() for g in problem.test_inputs]
    except Exception as e:
        return False, f"`{program}` does not apply to the test input: {e}"
    if outputs != _grids(answer):
        return False, f"the answer is not the output of `{program}`"
    n = len(pairs)
    if generalises(program, pairs) is False:
        return False, (
            f"not shown consistent: `{program}` reproduces the {n} demonstrations only "
            "through a table read off them (learned again without one demonstration, it "
            "gets that one wrong): memorised, kept as a last attempt"
        )
    return True, f"consistent with the {n} demonstration(s): `{program}` reproduces every one"
