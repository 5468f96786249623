"""The data-driven grid family: one kind per trained task (`orchestra train grid --data
FILE --name NAME`). It knows its tasks from their checkpoints' specs (canvas, values,
alphabet, verifier, a few examples), so problems of a task are read, checked and prompted
for without the training file.

Verification: exact match where the expected output is known (`{"output": ...}`), else
the task's own verifier (a registered name; see `load_verifier`), else none, said so
(`Solution.verified is None`). A bare grid is no task's in particular: a problem names its
task by kind (`{"kind": NAME, "grid": ...}`, or `kind=NAME`).
"""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any, ClassVar

from ..base import ParseError, Problem, Verdict, malformed, ok, wrong
from ..family import Family, grid_rows
from ..replies import json_in, number_rows
from .problem import FAMILY, GridProblem, check_grid
from .trm import GridSpec, load_verifier

_WARNED: set[str] = set()  # verifiers a checkpoint named that were not loaded, said once

# Small and shallow: on 2 cores a short budget buys steps, and the recursion over
# supervision steps carries information farther than one step reaches.
_NET = dict(hidden=64, H_cycles=1, L_cycles=1, halt_max_steps=8)
_TRAIN = dict(
    batch=64, lr=1e-3, warmup=20, decay="cosine", weight_decay=0.1, ema=0.99, eval_every=100
)


class GridFamily(Family):
    """Any input -> output grid task, learned from a file of examples."""

    name = FAMILY
    problem_type = GridProblem
    trm_task = "orchestra.tasks.grid.trm:GridSpec"
    default_preset = "grid-cpu"
    dynamic_kinds = True
    presets: ClassVar[dict[str, dict]] = {
        "grid-cpu": {
            "model": dict(_NET, heads=4, pos_encoding="rope"),
            "task": dict(family=FAMILY),
            "train": _TRAIN,
            "about": "attention over all cells (RoPE), for rules that reach across the grid",
        },
        "grid-mlp-cpu": {
            "model": dict(_NET, mlp_t=True, pos_encoding="none"),
            "task": dict(family=FAMILY),
            "train": _TRAIN,
            "about": "a token-mixing MLP (fixed cell-to-cell weights), as the paper's Sudoku net",
        },
        "grid-conv-cpu": {
            "model": dict(_NET, conv=3, pos_encoding="none"),
            "task": dict(family=FAMILY),
            "train": _TRAIN,
            "about": "a 3x3 convolution, each cell hearing its neighbours: local rules",
        },
    }
    # `orchestra train grid` without --preset measures these on the data (specialists/trm/probe.py)
    probe_presets = ("grid-conv-cpu", "grid-mlp-cpu", "grid-cpu")

    def __init__(self) -> None:
        self._tasks: dict[str, GridSpec] | None = None
        self._lock = threading.Lock()

    # -- the trained tasks ---------------------------------------------------------------

    def tasks(self) -> dict[str, GridSpec]:
        """Trained tasks by name, from the checkpoints on the search path (read once;
        `orchestra.family_registry.refresh()` reads again)."""
        with self._lock:
            if self._tasks is None:
                from orchestra import family_registry
                from orchestra.catalog import checkpoints

                taken = set(family_registry.names()) | {family_registry.TEXT_KIND}
                for other in family_registry.all_families():
                    if other is not self and not other.dynamic_kinds:
                        taken |= set(other.kinds())
                found: dict[str, GridSpec] = {}
                for d in checkpoints(FAMILY):
                    try:
                        spec = GridSpec.model_validate(
                            json.loads((d / "config.json").read_text())["task"]
                        )
                    except (OSError, ValueError, KeyError):
                        continue  # a broken checkpoint is reported when loaded explicitly
                    if spec.label not in taken:  # another family's kind stays theirs
                        found.setdefault(spec.label, spec)
                self._tasks = found
            return self._tasks

    def add_task(self, spec: GridSpec) -> None:
        """Serve a task that is not (yet) on the checkpoint search path."""
        self.tasks()[spec.label] = spec

    def task(self, kind: str) -> GridSpec:
        spec = self.tasks().get(kind)
        if spec is None:
            known = ", ".join(sorted(self.tasks())) or "none yet"
            raise ParseError(
                f"no grid task named {kind!r} (trained grid tasks: {known}); train one with "
                f"`orchestra train grid --data FILE --name {kind}`",
                kind=kind,
            )
        return spec

    def kinds(self) -> list[str]:
        return list(self.tasks())

    # -- recognition ---------------------------------------------------------------------

    def from_dict(self, obj: dict) -> Problem:
        spec = self.task(str(obj.get("kind")))
        if "grid" not in obj and "input" in obj:
            obj = {**obj, "grid": obj["input"]}
            obj.pop("input")
        problem = super().from_dict(obj)
        return self._checked(problem, spec)  # type: ignore[arg-type]

    def parse(self, x: Any, *, kind: str | None = None, prompt: str | None = None) -> Problem:
        """A problem of task `kind`: `{"grid": rows[, "output": rows]}`, a bare list of
        rows, JSON of either inside text, rows of numbers, or (for a task trained on
        character strings) the characters themselves."""
        if kind is None:
            raise ParseError("a grid problem needs its task's name as its kind", kind=FAMILY)
        spec = self.task(kind)
        if isinstance(x, str):
            found = json_in(x)
            if found is not None:
                x = found[0]
            else:
                return self._checked(
                    GridProblem(kind=kind, grid=self._text_grid(x, spec), prompt=prompt), spec
                )
        if isinstance(x, dict):
            return self.from_dict({**x, "kind": kind})
        return self._checked(
            GridProblem(kind=kind, grid=check_grid(x, kind=kind), prompt=prompt), spec
        )

    @staticmethod
    def _text_grid(text: str, spec: GridSpec) -> list[list[int]]:
        if spec.alphabet is not None:
            index = {ch: i for i, ch in enumerate(spec.alphabet)}
            lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
            if len(lines) == 1 and spec.height > 1 and len(lines[0]) == spec.height * spec.width:
                flat = lines[0]
                lines = [flat[r * spec.width : (r + 1) * spec.width] for r in range(spec.height)]
            grid = []
            for r, line in enumerate(lines, start=1):
                row = []
                for c, ch in enumerate(line, start=1):
                    if ch not in index:
                        raise ParseError(
                            f"character {ch!r} is not in task {spec.label!r}'s alphabet "
                            f"{''.join(spec.alphabet)!r}",
                            kind=spec.label,
                            row=r,
                            col=c,
                            char=ch,
                        )
                    row.append(index[ch])
                grid.append(row)
            return check_grid(grid, kind=spec.label)
        runs = number_rows(text)
        if not runs:
            raise ParseError("no grid of numbers found", kind=spec.label)
        return check_grid(max(runs, key=len), kind=spec.label)

    def _checked(self, problem: GridProblem, spec: GridSpec) -> GridProblem:
        h, w = problem.shape
        if h > spec.height or w > spec.width:
            raise ParseError(
                f"a {h}x{w} grid does not fit task {spec.label!r} ({spec.height}x{spec.width})",
                kind=spec.label,
            )
        top = max(v for row in problem.grid for v in row)
        if top >= spec.values:
            raise ParseError(
                f"value {top} is outside task {spec.label!r}'s 0..{spec.values - 1}",
                kind=spec.label,
            )
        return problem

    # -- answers -------------------------------------------------------------------------

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        p: GridProblem = problem  # type: ignore[assignment]
        try:
            grid = check_grid(answer, kind=p.kind, what="answer")
        except ParseError as e:
            return malformed(str(e))
        spec = self.tasks().get(p.kind)
        if p.output is not None:
            if grid == p.output:
                return ok("matches the expected output")
            if (len(grid), len(grid[0])) != (len(p.output), len(p.output[0])):
                return wrong(
                    f"shape {len(grid)}x{len(grid[0])}, expected {len(p.output)}x{len(p.output[0])}"
                )
            diff = sum(
                a != b
                for ra, rb in zip(grid, p.output, strict=True)
                for a, b in zip(ra, rb, strict=True)
            )
            return wrong(f"{diff} cell(s) differ from the expected output")
        if spec is not None and spec.verifier:
            try:
                verifier = load_verifier(spec.verifier)
            except ValueError as e:  # named by data, provided by nothing installed
                if spec.verifier not in _WARNED:
                    _WARNED.add(spec.verifier)
                    warnings.warn(f"grid task {p.kind!r}: {e}", stacklevel=2)
                return Verdict(valid=True, correct=None, reason=f"{e}: unchecked")
            verdict = verifier(p, grid)
            if isinstance(verdict, Verdict):
                return verdict
            return (
                ok(f"accepted by {spec.verifier}")
                if verdict
                else wrong(f"rejected by {spec.verifier}")
            )
        return Verdict(
            valid=True,
            correct=None,
            reason=f"task {p.kind!r} has no verifier and no expected output: unchecked",
        )

    def render(self, problem: Problem, answer: Any) -> str:
        spec = self.tasks().get(problem.kind)
        if isinstance(answer, list):
            if spec is not None and spec.alphabet is not None:
                return "\n".join("".join(spec.alphabet[v] for v in row) for row in answer)
            return grid_rows(answer)
        return super().render(problem, answer)

    # -- LLM -----------------------------------------------------------------------------

    def prompt(self, problem: Problem) -> str:
        p: GridProblem = problem  # type: ignore[assignment]
        spec = self.tasks().get(p.kind)
        parts = [
            f"Each example maps an input grid to an output grid by the same rule (task "
            f"{p.kind}). Cells are numbers. Find the rule and apply it to the test input."
        ]
        for i, ex in enumerate(spec.examples if spec else [], start=1):
            parts.append(f"Example {i} input:\n{grid_rows(ex.input)}")
            parts.append(f"Example {i} output:\n{grid_rows(ex.output)}")
        parts.append(f"Test input:\n{grid_rows(p.grid)}")
        parts.append("Answer with the output grid only: rows of numbers separated by spaces.")
        return "\n\n".join(parts)

    def parse_reply(self, problem: Problem, text: str) -> Any:
        runs = [r for r in number_rows(text) if len({len(row) for row in r}) == 1]
        return runs[-1] if runs else None

    def format_answer(self, problem: Problem, answer: Any) -> str:
        return grid_rows(answer)
