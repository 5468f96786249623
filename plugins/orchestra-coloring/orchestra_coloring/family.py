"""Graph k-colouring as an orchestra family, through the same contract the built-in
families use: found by the entry point `orchestra.families: coloring`."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, ClassVar

from orchestra import Detection, Family, Instance, ParseError, Problem, Verdict, View
from orchestra.tasks.family import STRONG, Score

from . import solver
from .codec import ColoringCodec
from .problem import KIND, ColoringProblem, check, colours_of, verify

_MENTION = re.compile(r"colou?r", re.IGNORECASE)
_EDGE = re.compile(r"(?<!\d)(?<!\d\.)(\d{1,2})\s*(?:-|–|--|<->|->)\s*(\d{1,2})(?!\d)(?!\.\d)")
_PAIR = re.compile(r"[(\[]\s*(\d{1,2})\s*,\s*(\d{1,2})\s*[)\]]")
_K = re.compile(
    r"(\d)\s*(?:-\s*)?colou?r|k\s*=\s*(\d)|with\s+(\d)\s+colou?r|(\d)\s+colou?rs", re.IGNORECASE
)
_NODES = re.compile(
    r"(\d{1,2})\s+(?:nodes|vertices)|nodes?\s+0\s*(?:-|–|\.\.|to)\s*(\d{1,2})", re.I
)
_WRAP = {
    "train": ["{p}", "Please solve: {p}", "{p}\nWhich colour does each node get?"],
    "eval": ["Here's a graph problem for you. {p} Thanks!", "{p}\n\nany valid answer works"],
}


def _edges_in(text: str) -> list[tuple[int, int]]:
    found = _EDGE.findall(text) or _PAIR.findall(text)
    return [(int(u), int(v)) for u, v in found]


def _build(n: int, k: int, edges: list, fixed: list, prompt: str | None) -> ColoringProblem:
    """The problem, after the checks that name what is wrong (ParseError, not pydantic's)."""
    try:
        pairs = [(int(u), int(v)) for u, v in edges]
        pinned = [(int(v), int(c)) for v, c in fixed]
    except (TypeError, ValueError):
        raise ParseError("edges and pre-colourings are pairs of numbers", kind=KIND) from None
    check(n, k, pairs, pinned)
    return ColoringProblem(n=n, k=k, edges=pairs, fixed=pinned, prompt=prompt)


def sentence(problem: ColoringProblem) -> str:
    """The problem in words, the way `detect_text` reads it back."""
    edges = ", ".join(f"{u}-{v}" for u, v in problem.edges)
    fixed = "".join(f" Node {v} has colour {c}." for v, c in problem.fixed)
    return (
        f"Colour this graph with {problem.k} colours so that no edge joins two nodes of the "
        f"same colour. It has {problem.n} nodes, 0 to {problem.n - 1}. Edges: {edges}.{fixed}"
    )


class ColoringFamily(Family):
    """Graph k-colouring: no edge joins two nodes of one colour."""

    name = KIND
    problem_type = ColoringProblem
    checkpoints = Path(__file__).parent / "checkpoints"
    routing_hint = "it asks to colour a graph given by its edges with k colours"
    default_preset = "coloring-cpu"
    presets: ClassVar[dict[str, dict]] = {
        "coloring-cpu": {
            "model": dict(hidden=128, H_cycles=2, L_cycles=3, mlp_t=True, pos_encoding="none"),
            "task": dict(
                family=KIND,
                label="coloring-10",
                codec_options={"canvas": 10, "colours": 4},
                generator={"nodes": 10, "k": 3},
            ),
            "train": dict(
                batch=128, lr=5e-4, warmup=100, weight_decay=0.1, ema=0.995, compile=True
            ),
            "about": "3-colouring of 10-node graphs on 2 CPU cores",
        },
    }
    bench_tasks: ClassVar[dict[str, dict]] = {
        "coloring-10": {"nodes": 10, "k": 3},
        "coloring-16": {"nodes": 16, "k": 3},
    }
    quick_tasks = ("coloring-10",)

    # -- recognition ---------------------------------------------------------------------

    def detect_text(self, text: str, *, strict: bool = False) -> Detection | None:
        """A request to colour a graph, in words: "colour ... with 3 colours ... edges
        0-1, 1-2, ..." (or (0, 1) pairs); nodes 0..n-1 ("10 nodes", else the largest)."""
        mentioned = bool(_MENTION.search(text))
        edges = _edges_in(text)
        if not strict and not (mentioned and len(edges) >= 2):
            return None
        try:
            if not edges:
                raise ParseError("no edges found (write them as 0-1, 1-2, ...)", kind=KIND)
            k_match = _K.search(text)
            if k_match is None:
                raise ParseError("say how many colours (e.g. 'with 3 colours')", kind=KIND)
            k = int(next(g for g in k_match.groups() if g))
            n_match = _NODES.search(text)
            largest = max(max(e) for e in edges) + 1
            if n_match is None:
                n = largest
            elif n_match.group(1):
                n = int(n_match.group(1))
            else:
                n = int(n_match.group(2)) + 1
            fixed = [
                (int(v), int(c))
                for v, c in re.findall(
                    r"node\s+(\d{1,2})\s+(?:has|is)\s+colou?r\s+(\d)", text, re.I
                )
            ]
            problem = _build(n, k, edges, fixed, prompt=text.strip())
            return Detection(confidence=STRONG, problem=problem)
        except ParseError as e:
            return Detection(confidence=STRONG, error=e)

    def detect_object(self, obj: Any, *, prompt: str | None = None) -> Detection | None:
        """`{"edges": [[u, v], ...], "k": 3[, "n": 10][, "fixed": [[node, colour]]]}` or
        `{"adjacency": rows of 0/1, "k": 3}`."""
        if not isinstance(obj, dict) or not ({"edges", "adjacency"} & set(obj)):
            return None
        try:
            k = obj.get("k", obj.get("colours", obj.get("colors")))
            if not isinstance(k, int) or isinstance(k, bool):
                raise ParseError('"k", the number of colours, must be an integer', kind=KIND)
            if "adjacency" in obj:
                rows = obj["adjacency"]
                if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                    raise ParseError('"adjacency" must be rows of 0 and 1', kind=KIND)
                n = len(rows)
                edges = [
                    (u, v) for u in range(n) for v in range(u + 1, n) if rows[u][v : v + 1] == [1]
                ]
            else:
                edges = obj["edges"]
                if not isinstance(edges, list) or not all(
                    isinstance(e, list | tuple) and len(e) == 2 for e in edges
                ):
                    raise ParseError('"edges" must be a list of [u, v] pairs', kind=KIND)
                flat = [v for e in edges for v in e]
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in flat):
                    raise ParseError("edge ends must be node numbers", kind=KIND)
                n = obj.get("n", max(flat, default=-1) + 1)
            fixed = obj.get("fixed", [])
            if not isinstance(fixed, list) or not all(
                isinstance(f, list | tuple) and len(f) == 2 for f in fixed
            ):
                raise ParseError('"fixed" must be a list of [node, colour] pairs', kind=KIND)
            if not isinstance(n, int) or isinstance(n, bool):
                raise ParseError('"n", the number of nodes, must be an integer', kind=KIND)
            return Detection(confidence=STRONG, problem=_build(n, k, edges, fixed, prompt))
        except ParseError as e:
            return Detection(confidence=STRONG, error=e)

    def to_text(self, problem: Problem) -> str:
        return sentence(problem)  # type: ignore[arg-type]

    # -- answers -------------------------------------------------------------------------

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return verify(problem, answer)  # type: ignore[arg-type]

    def solve(self, problem: Problem) -> Any:
        """DSATUR order with backtracking; exact (None when no k-colouring exists)."""
        return solver.solve(problem)  # type: ignore[arg-type]

    def generate(self, count: int, *, seed: int = 0, **options: Any) -> list[Instance]:
        """Options: nodes (default 10), k (default 3), density (0.3). Each graph has one
        k-colouring up to renaming the colours: the planted one."""
        nodes, k = options.get("nodes", 10), options.get("k", 3)
        density = options.get("density", 0.3)
        out = []
        for i in range(count):
            problem, colours = solver.generate(nodes, k, seed + i, density)
            out.append(Instance(problem=problem, answer=colours))
        return out

    def random_view(self, problem: Problem, rng: random.Random) -> View:
        """The nodes renumbered at random; colours named canonically in the view."""
        p: ColoringProblem = problem  # type: ignore[assignment]
        perm = list(range(p.n))
        rng.shuffle(perm)
        view = ColoringProblem(
            n=p.n,
            k=p.k,
            edges=[(perm[u], perm[v]) for u, v in p.edges],
            fixed=[(perm[v], c) for v, c in p.fixed],
            prompt=p.prompt,
        )

        def forward(colours: list[int]) -> list[int]:
            moved = [0] * p.n
            for u, c in enumerate(colours):
                moved[perm[u]] = c
            return moved if p.fixed else solver.canonical(moved)

        return View(
            view, forward=forward, back=lambda colours: [colours[perm[u]] for u in range(p.n)]
        )

    def codec(self, **options: Any) -> ColoringCodec:
        return ColoringCodec(**options)

    def render(self, problem: Problem, answer: Any) -> str:
        colours = colours_of(problem, answer)  # type: ignore[arg-type]
        if isinstance(colours, str):
            return super().render(problem, answer)
        return "\n".join(f"node {v}: colour {c}" for v, c in enumerate(colours))

    def summary(self, problem: Problem, answer: Any) -> str:
        colours = colours_of(problem, answer)  # type: ignore[arg-type]
        return "colours " + " ".join(map(str, colours)) if not isinstance(colours, str) else ""

    def score(self, problem: Problem, answer: Any, expected: Any) -> Score:
        """Right: any proper colouring (the planted one up to renaming is the only one).
        Cells: the share of edges whose two ends differ."""
        if answer is None:
            return Score(correct=False, cell=0.0, valid=False)
        v = verify(problem, answer)  # type: ignore[arg-type]
        colours = colours_of(problem, answer)  # type: ignore[arg-type]
        edges = problem.edges  # type: ignore[attr-defined]
        if isinstance(colours, str) or not edges:
            return Score(correct=bool(v), cell=float(bool(v)), valid=v.valid)
        cell = sum(colours[a] != colours[b] for a, b in edges) / len(edges)
        return Score(correct=bool(v), cell=cell, valid=v.valid)

    # -- LLM -----------------------------------------------------------------------------

    def prompt(self, problem: Problem) -> str:
        p: ColoringProblem = problem  # type: ignore[assignment]
        edges = ", ".join(f"{u}-{v}" for u, v in p.edges)
        fixed = "".join(f"\nNode {v} must have colour {c}." for v, c in p.fixed)
        return (
            f"Colour the {p.n} nodes (0 to {p.n - 1}) of this graph with the colours 0 to "
            f"{p.k - 1} so that the two ends of every edge have different colours.\n\n"
            f"Edges: {edges}{fixed}\n\nAnswer with the {p.n} colours in node order, as "
            "numbers separated by spaces, on one line."
        )

    def parse_reply(self, problem: Problem, text: str) -> Any:
        n = problem.n  # type: ignore[attr-defined]
        pairs = re.findall(r"node\s+(\d+)\s*[:=]\s*(?:colou?r\s*)?(\d+)", text, re.IGNORECASE)
        if len({int(v) for v, _ in pairs}) == n:
            by_node = {int(v): int(c) for v, c in pairs}
            return [by_node.get(i, -1) for i in range(n)]
        for line in reversed(text.split("\n")):
            numbers = re.findall(r"\d+", line)
            if len(numbers) == n:
                return [int(x) for x in numbers]
        return None

    def format_answer(self, problem: Problem, answer: Any) -> str:
        return " ".join(map(str, answer))

    # -- routing -------------------------------------------------------------------------

    def routing_example(self, split: str, rng: random.Random) -> tuple[str, str]:
        seed = rng.randrange(10**6) + (0 if split == "train" else 10**7)
        problem, _ = solver.generate(rng.randint(5, 12), rng.choice((2, 3)), seed)
        shown = {
            "sentence": sentence(problem),
            "json": json.dumps({"edges": [list(e) for e in problem.edges], "k": problem.k}),
        }
        fmt = rng.choice(sorted(shown))
        return rng.choice(_WRAP[split]).format(p=shown[fmt]), fmt
