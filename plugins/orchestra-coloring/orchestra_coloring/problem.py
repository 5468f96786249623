"""The typed graph-colouring problem and its verifier. Nodes are 0..n-1, colours 0..k-1;
an answer is the colour of each node in node order (or a {node: colour} mapping)."""

from __future__ import annotations

from typing import Any, Literal

import networkx as nx
from pydantic import model_validator

from orchestra import ParseError, Problem, Verdict
from orchestra.tasks.base import malformed, ok, wrong

KIND = "coloring"
MAX_NODES, MAX_COLOURS = 32, 8
Edge = tuple[int, int]


class ColoringProblem(Problem):
    """`edges` are normalised (u < v, sorted, no repeats); `fixed` pre-colours nodes."""

    kind: Literal["coloring"] = KIND
    n: int
    k: int
    edges: list[Edge]
    fixed: list[tuple[int, int]] = []

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("edges"), list):
            try:
                pairs = {tuple(sorted((int(u), int(v)))) for u, v in data["edges"]}
            except (TypeError, ValueError):
                return data  # the field validation says what is wrong
            data = {**data, "edges": sorted(pairs)}
        return data

    @model_validator(mode="after")
    def _check(self) -> ColoringProblem:
        check(self.n, self.k, self.edges, self.fixed)
        return self

    def graph(self) -> nx.Graph:
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from(self.edges)
        return g


def check(n: int, k: int, edges: list[Edge], fixed: list[tuple[int, int]]) -> None:
    if not 1 <= n <= MAX_NODES:
        raise ParseError(f"{n} nodes; a graph here has 1..{MAX_NODES}", kind=KIND)
    if not 1 <= k <= MAX_COLOURS:
        raise ParseError(f"{k} colours; say how many, 1..{MAX_COLOURS}", kind=KIND)
    for u, v in edges:
        if not (0 <= u < n and 0 <= v < n):
            raise ParseError(f"edge {u}-{v} names a node outside 0..{n - 1}", kind=KIND)
        if u == v:
            raise ParseError(f"edge {u}-{v} joins a node to itself: no colouring exists", kind=KIND)
    seen: dict[int, int] = {}
    for node, colour in fixed:
        if not 0 <= node < n or not 0 <= colour < k:
            raise ParseError(f"pre-colouring {node}:{colour} is outside the graph", kind=KIND)
        if seen.setdefault(node, colour) != colour:
            raise ParseError(f"node {node} is pre-coloured twice", kind=KIND)


def colours_of(problem: ColoringProblem, answer: Any) -> list[int] | str:
    """The answer as one colour per node, or why it cannot be read as one."""
    if hasattr(answer, "tolist"):
        answer = answer.tolist()
    if isinstance(answer, dict):
        try:
            answer = [answer[i] if i in answer else answer[str(i)] for i in range(problem.n)]
        except KeyError as e:
            return f"node {e.args[0]} has no colour"
    if not isinstance(answer, list) or len(answer) != problem.n:
        return f"answer must give a colour to each of the {problem.n} nodes"
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in answer):
        return "colours must be integers"
    return answer


def verify(problem: ColoringProblem, answer: Any) -> Verdict:
    """Every node coloured 0..k-1, the two ends of every edge different, the pre-colouring
    kept."""
    colours = colours_of(problem, answer)
    if isinstance(colours, str):
        return malformed(colours)
    for node, c in enumerate(colours):
        if not 0 <= c < problem.k:
            return malformed(f"node {node} has colour {c}, not one of 0..{problem.k - 1}")
    for node, c in problem.fixed:
        if colours[node] != c:
            return wrong(f"node {node} was pre-coloured {c}, answered {colours[node]}")
    for u, v in problem.edges:
        if colours[u] == colours[v]:
            return wrong(f"edge {u}-{v} joins two nodes of colour {colours[u]}")
    return ok(f"a proper {problem.k}-colouring of all {len(problem.edges)} edges")
