"""What an engine holds, declared once: the job modules (routing, planning, specialist
runs, LLM attempts) are layers of one class, each reading this state and the layers
below it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..accounting import Accounting
from ..llm.base import LLM
from ..perfmodel import PerfModels
from ..schedulers import Scheduler


class EngineState:
    llm: LLM | None
    router: Any
    scheduler: Scheduler
    perf: PerfModels
    accounting: Accounting
    max_batch: int
    llm_concurrency: int
    processor_timeout_s: float | None
    _local: dict[str, Any]  # specialist instances given to this engine, by name
    _allowed: set[str] | None  # registry names it may use (None: every one)
    _fallback: dict[str, list[str]]  # explicit chains by kind
    _pool: ThreadPoolExecutor
