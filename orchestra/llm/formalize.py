"""Puzzles told in words, through a tool-calling LLM: the LLM formalizes, a solver solves,
the solver's verdict goes back, the LLM answers from it (the Logic-LM / SatLM pattern).

The LLM gets one tool, `solve`, whose schema lists every family's JSON form. Each call
is parsed by the families (a parse error goes back to the LLM once, to be corrected),
solved by the family's exact solver and verified; the result goes back as the tool's
answer. The rounds are bounded: an unknown tool, arguments that are not JSON, or a model
that keeps calling are stopped with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from .base import LLM, LLMResult, Message, ToolCall, ToolRound

MAX_ROUNDS = 4  # model turns; a parse error goes back once, a second ends the attempt

SYSTEM = (
    "You can call the tool `solve` with a structured puzzle as JSON; it returns a verified "
    "solution. When the user's request is such a puzzle, call it, then answer from its "
    "result. Otherwise answer directly."
)


class Formalized(BaseModel):
    """What the tool loop produced: the final reply, and the puzzle behind it."""

    text: str | None = None
    formalization: dict[str, Any] | None = None  # the JSON the solver accepted
    answer: Any = None  # the solver's answer
    verified: bool | None = None  # the family's verdict on it
    rounds: list[ToolRound] = Field(default_factory=list)
    stopped: str | None = None  # why the loop ended early
    results: list[LLMResult] = Field(default_factory=list)


def _schema() -> dict[str, Any]:
    from .. import family_registry

    forms = []
    for family in family_registry.all_families():
        fields = family.problem_type.model_json_schema().get("properties", {})
        shown = ", ".join(
            f'"{k}": {v.get("type", "...")}'
            for k, v in fields.items()
            if k not in ("kind", "prompt")
        )
        forms.append(f'{{"kind": "{family.name}", {shown}}}')
    return {
        "type": "function",
        "function": {
            "name": "solve",
            "description": "Solve a structured puzzle and verify the answer. The puzzle is "
            "one JSON object of one of these forms:\n" + "\n".join(forms),
            "parameters": {
                "type": "object",
                "properties": {"puzzle": {"type": "object", "description": "the puzzle"}},
                "required": ["puzzle"],
            },
        },
    }


Solver = Callable[[dict[str, Any]], tuple[Any, bool | None, str]]  # answer, verdict, message


def answer_with_tools(llm: LLM, text: str, solver: Solver) -> Formalized:
    """Run the loop for one request. `solver(puzzle)` parses, solves and verifies, and
    raises ValueError with the parser's message for a puzzle that does not parse."""
    out = Formalized()
    messages = [Message(role="system", content=SYSTEM), Message(role="user", content=text)]
    tools = [_schema()]
    for _ in range(MAX_ROUNDS):
        result = llm.complete(messages, tools=tools)  # type: ignore[call-arg]
        out.results.append(result)
        if not result.tool_calls:
            out.text = result.text
            return out
        messages.append(
            Message(role="assistant", content=result.text, tool_calls=result.tool_calls)
        )
        for call in result.tool_calls:
            reply = _one(call, solver, out)
            if reply is None:  # a second puzzle that does not parse: no more tries
                out.stopped = "the formalization never parsed: " + out.rounds[-1].result
                return out
            messages.append(Message(role="tool", content=reply, tool_call_id=call.id))
    out.stopped = f"stopped after {MAX_ROUNDS} rounds of tool calls without a final answer"
    return out


def _one(call: ToolCall, solver: Solver, out: Formalized) -> str | None:
    """The tool's reply to one call (None: a second puzzle that does not parse)."""

    def record(result: str) -> str:
        out.rounds.append(ToolRound(name=call.name, arguments=call.arguments, result=result))
        return result

    if call.name != "solve":
        return record(f"error: unknown tool {call.name!r}; the only tool is `solve`")
    try:
        args = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as e:
        return record(f"error: the arguments are not JSON ({e.msg})")
    puzzle = args.get("puzzle", args) if isinstance(args, dict) else None
    if not isinstance(puzzle, dict):
        return record("error: the puzzle does not parse: expected a JSON object")
    try:
        answer, verified, message = solver(puzzle)
    except ValueError as e:
        already = any(r.result.startswith("error: the puzzle does not parse") for r in out.rounds)
        record(f"error: the puzzle does not parse: {e}")
        return None if already else out.rounds[-1].result
    out.formalization, out.answer, out.verified = puzzle, answer, verified
    return record(json.dumps({"verified": verified, "answer": answer, "note": message}))


def solve_formalized(puzzle: dict[str, Any]) -> tuple[Any, bool | None, str]:
    """Parse, solve exactly and verify a formalized puzzle: (answer, verdict, note).
    ValueError (with the parser's message) for a puzzle that does not parse."""
    from .. import family_registry
    from ..problems import parse
    from ..tasks.base import NoSolution, ParseError

    try:
        problem = parse(puzzle)
    except ParseError as e:
        raise ValueError(str(e)) from None
    family = family_registry.family_of(problem)
    if family is None:
        raise ValueError("no family reads this object; give one of the listed forms")
    if not family.has("solve"):
        return None, None, f"{family.name} has no exact solver here"
    try:
        answer = family_registry.guarded(family, "solver", lambda: family.solve(problem))
    except NoSolution as e:
        return None, False, f"no solution exists: {e.reason}"
    if answer is None:
        return None, False, "the solver found no solution: the puzzle has none"
    verdict = family_registry.verify(problem, answer)
    if verdict is None:
        return answer, None, ""
    return answer, verdict.correct, verdict.reason
