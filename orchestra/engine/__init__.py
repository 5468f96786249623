"""The engine: parse -> route -> schedule -> dispatch in batches -> verify -> fall back.

Each problem gets a chain of processors: the router's target and the kind's other
processors (specialists, the exact solver, the LLM), ordered by the scheduler from the
performance models (`orchestra.schedulers`, `orchestra.perfmodel`). Every processor has
a queue and a worker: specialists take what is queued in micro-batches, the LLM serves
several items at once. An item whose answer was rejected moves to its next processor the
moment its own attempt ends, not when the slowest processor of the call is done. One
problem's failure never fails the others; every answer is verified whatever the
scheduler predicted.

One module per job: `routing` (parse, route, the chain), `planning` (estimates and the
scheduler), `specialist_runs` (batches and verification), `llm_attempts` (direct, tool
calls, hybrid), `flow` (the queues of one call), `results` (the Solution), `orchestra`
(the class built from those layers), `defaults` (the instance behind `orchestra.solve`).
"""

from .defaults import (
    asolve,
    asolve_many,
    default,
    reset_stats,
    set_default,
    solve,
    solve_many,
    stats,
)
from .orchestra import Orchestra
from .timeouts import ProcessorTimeout, run_with_timeout

__all__ = [
    "Orchestra",
    "ProcessorTimeout",
    "asolve",
    "asolve_many",
    "default",
    "reset_stats",
    "run_with_timeout",
    "set_default",
    "solve",
    "solve_many",
    "stats",
]
