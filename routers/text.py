"""What a router reads: the raw text of an input, whatever form it came in."""

from __future__ import annotations

import json
from typing import Any

from orchestra.tasks.base import Problem
from orchestra.tasks.text import TextProblem


def text_of(x: Any) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, bytes):
        return x.decode("utf-8", errors="replace")
    if isinstance(x, TextProblem):
        return x.text
    if isinstance(x, Problem):
        return x.prompt or x.model_dump_json(exclude={"prompt"})
    try:
        return json.dumps(x)
    except (TypeError, ValueError):
        return str(x)
